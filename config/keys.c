/* The settings table and per-key value parsing and formatting. */
#include "config/keys.h"

#include <ctype.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/codec.h"

/* Enums are stored through an int (memcpy), so they must be int-sized. */
_Static_assert(sizeof(sotto_audio_backend_kind) == sizeof(int), "backend enum size");
_Static_assert(sizeof(sotto_log_level) == sizeof(int), "log level enum size");
_Static_assert(SOTTO_AUDIO_NULL == 3, "backend_names follows sotto_audio_backend_kind");
_Static_assert(sizeof(sotto_audio_processing) == sizeof(int), "processing enum size");
_Static_assert(SOTTO_PROCESSING_OFF == 3, "processing_names follows sotto_audio_processing");
_Static_assert(SOTTO_LOG_DEBUG == 3, "level_names follows sotto_log_level");
_Static_assert(SOTTO_INCOMING_REJECT == 2, "incoming_names follows sotto_incoming_policy");
_Static_assert(SOTTO_UNKNOWN_PEER_REJECT == 1, "unknown_peer_names follows the enum");
_Static_assert(SOTTO_TURN_TCP == 1, "turn_transport_names follows sotto_turn_transport");
/* Every key name leaves room for a value on its line. */
_Static_assert(SOTTO_CONFIG_LINE_MAX > 64, "line limit");
/* set_string checks a copy of the value in a buffer this big. */
_Static_assert(SOTTO_CONFIG_PATH_MAX >= SOTTO_CONFIG_NAME_MAX, "scratch buffer size");

#define MESSAGE_VALUE_MAX 48 /* characters of a bad value quoted in messages */
#define ACCEPTED_MAX 256     /* buffer for one key's accepted values */
#define WHY_MAX 160          /* buffer for the reason a string check gives */

static const char *const backend_names[] = {"auto", "portaudio", "wav", "null", NULL};
static const char *const processing_names[] = {"auto", "webrtc", "speex", "off", NULL};
static const char *const suppression_names[] = {"low", "moderate", "high", NULL};
static const char *const noise_level_names[] = {"low", "moderate", "high", "very-high", NULL};
static const char *const level_names[] = {"error", "warning", "info", "debug", NULL};
static const char *const incoming_names[] = {"auto", "ring", "reject", NULL};
static const char *const unknown_peer_names[] = {"allow", "reject", NULL};
static const char *const turn_transport_names[] = {"udp", "tcp", NULL};
static const int frame_ms_choices[] = {10, 20, 40};
static const int ptime_ms_choices[] = {10, 20, 40, 60, 80, 100, 120};
static const int max_ptime_ms_choices[] = {20, 40, 60, 80, 100, 120};

/* Accepted spellings of booleans, true ones at even indexes. */
static const char *const bool_words[] = {"true", "false", "yes", "no", "on", "off", "1", "0"};

/* [codec] order may name every codec of the registry (codec/codec.h), by
 * its RTP encoding name ignoring case; stored in lower case. */
#define CODEC_MAX 64 /* registry entries [codec] order can tell apart */

static int check_host_port(char *value, char *why, size_t whylen);
static int check_ip_address(char *value, char *why, size_t whylen);
static int check_absolute_path(char *value, char *why, size_t whylen);
static int check_codec_order(char *value, char *why, size_t whylen);

const sotto_config sotto_config_defaults = {
    .audio = {
        .backend = SOTTO_AUDIO_AUTO,
        .device_rate = 0,
        .frame_ms = 20,
        .buffer_ms = 200,
        .loopback = 0,
        .processing = SOTTO_PROCESSING_AUTO,
        .echo_cancel = 1,
        .echo_suppression = 0,
        .echo_delay_ms = 0,
        .noise_suppression = 1,
        .noise_level = 3,
        .gain_control = 1,
        .gain_target_dbfs = 3,
        .gain_max_db = 9,
        .voice_activity = 1,
        .silence_suppression = 0,
        .wav_echo_ms = 0,
        .wav_echo_db = -6,
    },
    .control = {
        .max_clients = 64,
        .max_line = 65536,
        .max_queue = 1048576,
        .idle_timeout = 30,
    },
    .log = {
        .level = SOTTO_LOG_INFO,
    },
    .network = {
        .signal_address = "127.0.0.1",
        .signal_port = 8787,
        .turn_transport = SOTTO_TURN_UDP,
        .relay_only = 0,
        .ice_port_min = 0,
        .ice_port_max = 0,
    },
    .call = {
        .incoming = SOTTO_INCOMING_RING,
        .unknown_peer = SOTTO_UNKNOWN_PEER_ALLOW,
        .ring_timeout_s = 30,
        .max_calls = 4,
    },
    .codec = {
        .order = "sotto,opus,pcmu,pcma",
        .opus_bitrate = 24000,
        .ptime_ms = 20,
        .opus_fec = 1,
        .max_ptime_ms = 120,
        .redundancy = 1,
    },
};

const sotto_config_section sotto_config_sections[] = {
    {"audio", "Sound devices, frame size and buffering."},
    {"control", "Local control socket used by sottoctl(1) and other clients."},
    {"log", "Diagnostics written by the daemon."},
    {"network", "WebRTC signalling, NAT traversal (STUN, TURN, ICE) and identity."},
    {"call", "How incoming calls are handled."},
    {"codec", "Which codecs calls use and how they are tuned."},
};
const size_t sotto_config_section_count =
    sizeof sotto_config_sections / sizeof sotto_config_sections[0];

/* Table rows by kind; every other field of a row is zero. */
#define FIELD(member) \
    .offset = offsetof(sotto_config, member), .size = sizeof(((sotto_config *)0)->member)
#define ENUM_KEY(sec, key, member, list, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_ENUM, FIELD(member), .names = list, \
     .help = text}
#define RANGE_KEY(sec, key, member, lo, hi, zero, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_INT, FIELD(member), .min = lo, .max = hi, \
     .zero_ok = zero, .help = text}
#define CHOICE_KEY(sec, key, member, list, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_INT, FIELD(member), .choices = list, \
     .choice_count = sizeof list / sizeof list[0], .help = text}
#define BOOL_KEY(sec, key, member, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_BOOL, FIELD(member), .help = text}
#define STRING_KEY(sec, key, member, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_STRING, FIELD(member), .help = text}
#define SECRET_KEY(sec, key, member, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_STRING, FIELD(member), .secret = true, \
     .help = text}
#define CHECKED_KEY(sec, key, member, rule, what, text) \
    {.section = sec, .name = key, .type = SOTTO_KEY_STRING, FIELD(member), .check = rule, \
     .accepted = what, .help = text}

#define HOST_PORT_TEXT "host:port or [IPv6 address]:port, or empty"
#define IP_TEXT "an IPv4 or IPv6 address, or empty"

const sotto_config_key sotto_config_keys[] = {
    ENUM_KEY("audio", "backend", audio.backend, backend_names,
             "Where call audio comes from and goes to: auto = PortAudio when a sound "
             "device exists, else null (silence); wav = files, for tests."),
    STRING_KEY("audio", "capture_device", audio.capture_device,
               "Microphone to open: part of a device name, or a device index; empty = the "
               "system default."),
    STRING_KEY("audio", "playback_device", audio.playback_device,
               "Speaker to open: part of a device name, or a device index; empty = the "
               "system default."),
    RANGE_KEY("audio", "device_rate", audio.device_rate, 8000, 192000, true,
              "Sample rate in Hz to open the devices at; 0 = the device's native rate "
              "(audio is resampled as needed)."),
    CHOICE_KEY("audio", "frame_ms", audio.frame_ms, frame_ms_choices,
               "Audio per packet in milliseconds: shorter frames lower the delay but send "
               "more packets per second."),
    RANGE_KEY("audio", "buffer_ms", audio.buffer_ms, 40, 2000, false,
              "Capacity of each audio ring buffer in milliseconds: larger rides out "
              "scheduling hiccups, smaller bounds the worst delay."),
    STRING_KEY("audio", "input_file", audio.input_file,
               "wav backend: WAV file read as the captured audio; empty = silence."),
    STRING_KEY("audio", "output_file", audio.output_file,
               "wav backend: WAV file the played audio is written to; empty = discard it."),
    BOOL_KEY("audio", "loopback", audio.loopback,
             "Play captured audio straight back, to check the devices without a call."),
    ENUM_KEY("audio", "processing", audio.processing, processing_names,
             "Capture processing (echo cancellation, noise suppression, gain control, voice "
             "activity): webrtc = the WebRTC audio processing library, speex = speexdsp's, "
             "off = none; auto = webrtc with a sound device, off with the wav and null "
             "backends."),
    BOOL_KEY("audio", "echo_cancel", audio.echo_cancel,
             "Cancel the echo of what the speaker plays from what the microphone picks up."),
    ENUM_KEY("audio", "echo_suppression", audio.echo_suppression, suppression_names,
             "How hard the echo left after cancellation is suppressed: higher removes more "
             "echo but clips the local talker when both speak at once."),
    RANGE_KEY("audio", "echo_delay_ms", audio.echo_delay_ms, 0, 1000, false,
              "First guess of the speaker-to-microphone delay in milliseconds; the delay is "
              "tracked from there, 0 = no guess."),
    BOOL_KEY("audio", "noise_suppression", audio.noise_suppression,
             "Suppress steady background noise (fans, hum, hiss)."),
    ENUM_KEY("audio", "noise_level", audio.noise_level, noise_level_names,
             "How hard noise is suppressed."),
    BOOL_KEY("audio", "gain_control", audio.gain_control,
             "Automatic gain control: bring quiet and loud talkers to one level."),
    RANGE_KEY("audio", "gain_target_dbfs", audio.gain_target_dbfs, 0, 31, false,
              "Speech level the gain control aims for, in dB below full scale."),
    RANGE_KEY("audio", "gain_max_db", audio.gain_max_db, 0, 90, false,
              "Most gain in dB the gain control adds to a quiet talker."),
    BOOL_KEY("audio", "voice_activity", audio.voice_activity,
             "Detect when the local talker speaks (shown in sottoctl stats)."),
    BOOL_KEY("audio", "silence_suppression", audio.silence_suppression,
             "While the local talker is silent, send only RFC 3389 comfort noise packets (when "
             "the peer offered CN at the codec's clock) or Opus DTX (when it asked for "
             "usedtx=1), a few bytes every 2 s instead of a full stream."),
    RANGE_KEY("audio", "wav_echo_ms", audio.wav_echo_ms, 1, 1000, true,
              "wav backend: what is played comes back into the captured audio after this "
              "many milliseconds, an emulated speaker-to-microphone echo for tests; 0 = "
              "none."),
    RANGE_KEY("audio", "wav_echo_db", audio.wav_echo_db, -60, 0, false,
              "wav backend: level of that echo in dB."),
    STRING_KEY("control", "socket", control.socket,
               "Path of the control socket; empty = the daemon's default path."),
    RANGE_KEY("control", "max_clients", control.max_clients, 1, 1024, false,
              "Most control connections served at once; more are refused, which bounds "
              "memory."),
    RANGE_KEY("control", "max_line", control.max_line, 256, 1048576, false,
              "Longest request line a client may send, in bytes; bounds the memory one "
              "request can take. At most max_queue."),
    RANGE_KEY("control", "max_queue", control.max_queue, 4096, 67108864, false,
              "Most bytes queued for one client; bounds the memory a slow client can "
              "hold."),
    RANGE_KEY("control", "idle_timeout", control.idle_timeout, 1, 86400, true,
              "Seconds a client may stay connected without sending a request before it is "
              "closed, unless it follows events or awaits an answer; idle clients would "
              "otherwise hold every max_clients slot. 0 = never."),
    ENUM_KEY("log", "level", log.level, level_names,
             "Least severe messages logged: error reports only failures, debug is "
             "verbose."),
    CHECKED_KEY("network", "signal_address", network.signal_address, check_ip_address, IP_TEXT,
                "Address the HTTP signalling server listens on (0.0.0.0 or :: = every "
                "interface); empty = no HTTP signalling."),
    RANGE_KEY("network", "signal_port", network.signal_port, 1, 65535, true,
              "TCP port of the HTTP signalling server; 0 = pick a free port (sottoctl "
              "status shows it)."),
    SECRET_KEY("network", "signal_token", network.signal_token,
               "Bearer token signalling clients must present; empty = none, and then only "
               "clients on this machine (loopback) are accepted."),
    CHECKED_KEY("network", "stun_server", network.stun_server, check_host_port, HOST_PORT_TEXT,
                "STUN server that tells this machine its public address behind NAT; empty = "
                "none (only local addresses are offered)."),
    CHECKED_KEY("network", "turn_server", network.turn_server, check_host_port, HOST_PORT_TEXT,
                "TURN server that relays media when no direct path works; empty = none."),
    ENUM_KEY("network", "turn_transport", network.turn_transport, turn_transport_names,
             "How the TURN server is reached: tcp gets through firewalls that block UDP, "
             "at some cost in delay."),
    STRING_KEY("network", "turn_username", network.turn_username,
               "User name for the TURN server (long-term credentials)."),
    SECRET_KEY("network", "turn_password", network.turn_password,
               "Password for the TURN server; sottoctl config show prints it as ********."),
    BOOL_KEY("network", "relay_only", network.relay_only,
             "Offer only TURN relayed addresses, so peers never learn this machine's own "
             "addresses; needs turn_server."),
    CHECKED_KEY("network", "ice_address", network.ice_address, check_ip_address, IP_TEXT,
                "Local address to offer for direct connections; empty = every interface."),
    RANGE_KEY("network", "ice_port_min", network.ice_port_min, 1024, 65535, true,
              "Lowest local UDP port for media, to fit a firewall rule; 0 = any."),
    RANGE_KEY("network", "ice_port_max", network.ice_port_max, 1024, 65535, true,
              "Highest local UDP port for media; 0 = any. Not below ice_port_min when both "
              "are set."),
    RANGE_KEY("network", "link_kbps", network.link_kbps, 0, 100000, false,
              "Capacity of the slowest link on the way, in kbit/s per direction with every "
              "header: each call's rate controller keeps its packets under it (longer "
              "packets, less redundancy, lower Opus rate) and the short SRTP tag is "
              "preferred below 64; 0 = unknown."),
    CHECKED_KEY("network", "state_dir", network.state_dir, check_absolute_path,
                "an absolute path, or empty",
                "Directory that keeps this daemon's identity key and certificate; empty = "
                "$XDG_STATE_HOME/sotto, else ~/.local/state/sotto, or /var/lib/sotto for "
                "root."),
    CHECKED_KEY("network", "web_root", network.web_root, check_absolute_path,
                "an absolute path, or empty",
                "Directory of the browser call page served at / by the HTTP signalling "
                "server; empty = the page installed with sottod, if present."),
    ENUM_KEY("call", "incoming", call.incoming, incoming_names,
             "What to do with an incoming call: auto = answer at once, ring = wait for "
             "sottoctl answer, reject = refuse it."),
    ENUM_KEY("call", "unknown_peer", call.unknown_peer, unknown_peer_names,
             "Callers whose certificate fingerprint is not a known contact: allow or "
             "reject their calls."),
    RANGE_KEY("call", "ring_timeout_s", call.ring_timeout_s, 5, 300, false,
              "Seconds an incoming call rings before it is given up as unanswered."),
    RANGE_KEY("call", "max_calls", call.max_calls, 1, 64, false,
              "Most calls at once; further incoming calls are refused as busy. Every active "
              "call hears the microphone; their audio is mixed for playout."),
    CHECKED_KEY("codec", "order", codec.order, check_codec_order,
                NULL, /* the registry's names: codec_order_accepted */
                "Codecs offered and accepted, most preferred first; names are "
                "case-insensitive."),
    RANGE_KEY("codec", "opus_bitrate", codec.opus_bitrate, 6000, 510000, false,
              "Opus bit rate in bit/s: higher sounds better but needs more bandwidth."),
    CHOICE_KEY("codec", "ptime_ms", codec.ptime_ms, ptime_ms_choices,
               "Audio per RTP packet in milliseconds: longer packets save header overhead "
               "but add delay."),
    BOOL_KEY("codec", "opus_fec", codec.opus_fec,
             "Opus forward error correction: a lost packet is partly rebuilt from the next "
             "one, at some cost in bit rate."),
    CHOICE_KEY("codec", "max_ptime_ms", codec.max_ptime_ms, max_ptime_ms_choices,
               "Longest audio per packet the rate controller may choose for Sotto on a "
               "slow link (offered as a=maxptime); not below ptime_ms."),
    BOOL_KEY("codec", "redundancy", codec.redundancy,
             "Sotto in-band redundancy: each packet repeats as many earlier frames as the "
             "loss the peer reports calls for, so a lost packet is replaced before it "
             "must be concealed."),
};
const size_t sotto_config_key_count = sizeof sotto_config_keys / sizeof sotto_config_keys[0];
_Static_assert(sizeof sotto_config_keys / sizeof sotto_config_keys[0] == SOTTO_CONFIG_KEY_COUNT,
               "SOTTO_CONFIG_KEY_COUNT matches the table");

/* names[value] of a NULL-terminated list with count entries, or NULL. */
static const char *name_of(const char *const *names, int count, int value)
{
    return value >= 0 && value < count ? names[value] : NULL;
}

const char *sotto_config_backend_name(sotto_audio_backend_kind kind)
{
    return name_of(backend_names, (int)SOTTO_AUDIO_NULL + 1, (int)kind);
}

const char *sotto_config_log_level_name(sotto_log_level level)
{
    return name_of(level_names, (int)SOTTO_LOG_DEBUG + 1, (int)level);
}

const char *sotto_config_incoming_name(sotto_incoming_policy policy)
{
    return name_of(incoming_names, (int)SOTTO_INCOMING_REJECT + 1, (int)policy);
}

const char *sotto_config_unknown_peer_name(sotto_unknown_peer_policy policy)
{
    return name_of(unknown_peer_names, (int)SOTTO_UNKNOWN_PEER_REJECT + 1, (int)policy);
}

const char *sotto_config_turn_transport_name(sotto_turn_transport transport)
{
    return name_of(turn_transport_names, (int)SOTTO_TURN_TCP + 1, (int)transport);
}

void sotto_config_text_add(sotto_config_text *text, const char *fmt, ...)
{
    size_t pos = 0;
    size_t room = 0;
    if (text->cap > 0) {
        pos = text->need < text->cap - 1 ? text->need : text->cap - 1;
        room = text->cap - pos;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(room > 0 ? text->buf + pos : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        text->need += (size_t)n;
}

const sotto_config_section *sotto_config_section_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < sotto_config_section_count; i++) {
        if (strcmp(sotto_config_sections[i].name, name) == 0)
            return &sotto_config_sections[i];
    }
    return NULL;
}

const sotto_config_key *sotto_config_key_find(const char *section, const char *name)
{
    if (section == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < sotto_config_key_count; i++) {
        const sotto_config_key *key = &sotto_config_keys[i];
        if (strcmp(key->section, section) == 0 && strcmp(key->name, name) == 0)
            return key;
    }
    return NULL;
}

size_t sotto_config_known_names(const char *section, char *buf, size_t buflen)
{
    sotto_config_text text = {buf, buflen, 0};
    if (buflen > 0)
        buf[0] = '\0';
    const char *sep = "";
    if (section == NULL) {
        for (size_t i = 0; i < sotto_config_section_count; i++, sep = ", ")
            sotto_config_text_add(&text, "%s%s", sep, sotto_config_sections[i].name);
        return text.need;
    }
    for (size_t i = 0; i < sotto_config_key_count; i++) {
        if (strcmp(sotto_config_keys[i].section, section) != 0)
            continue;
        sotto_config_text_add(&text, "%s%s", sep, sotto_config_keys[i].name);
        sep = ", ";
    }
    return text.need;
}

/* "comma separated names from sotto, opus, ..., each at most once". */
static void codec_order_accepted(sotto_config_text *text)
{
    const sotto_codec_desc *const *codecs = sotto_codec_list();
    sotto_config_text_add(text, "comma separated names from ");
    for (size_t i = 0; i < CODEC_MAX && codecs[i]; i++) {
        sotto_config_text_add(text, "%s", i > 0 ? ", " : "");
        for (const char *c = codecs[i]->name; *c; c++)
            sotto_config_text_add(text, "%c", tolower((unsigned char)*c));
    }
    sotto_config_text_add(text, ", each at most once");
}

size_t sotto_config_key_accepted(const sotto_config_key *key, char *buf, size_t buflen)
{
    sotto_config_text text = {buf, buflen, 0};
    if (buflen > 0)
        buf[0] = '\0';
    switch (key->type) {
    case SOTTO_KEY_ENUM:
        for (size_t i = 0; key->names[i] != NULL; i++)
            sotto_config_text_add(&text, "%s%s", i > 0 ? ", " : "", key->names[i]);
        break;
    case SOTTO_KEY_INT:
        if (key->choices != NULL) {
            for (size_t i = 0; i < key->choice_count; i++)
                sotto_config_text_add(&text, "%s%d", i > 0 ? ", " : "", key->choices[i]);
        } else {
            sotto_config_text_add(&text, "%s%ld..%ld", key->zero_ok ? "0 or " : "", key->min,
                                  key->max);
        }
        break;
    case SOTTO_KEY_BOOL:
        for (size_t i = 0; i < sizeof bool_words / sizeof bool_words[0]; i++)
            sotto_config_text_add(&text, "%s%s", i > 0 ? ", " : "", bool_words[i]);
        break;
    case SOTTO_KEY_STRING:
        if (key->check == check_codec_order) {
            codec_order_accepted(&text);
            sotto_config_text_add(&text, "; at most %zu characters",
                                  sotto_config_key_string_max(key));
        } else if (key->accepted != NULL)
            sotto_config_text_add(&text, "%s; at most %zu characters", key->accepted,
                                  sotto_config_key_string_max(key));
        else
            sotto_config_text_add(&text, "text of at most %zu characters",
                                  sotto_config_key_string_max(key));
        break;
    }
    return text.need;
}

const char *sotto_config_quote_for_message(const char *s, size_t len, char *buf, size_t buflen)
{
    if (buflen == 0)
        return buf;
    size_t shown = len < MESSAGE_VALUE_MAX ? len : MESSAGE_VALUE_MAX;
    const char *more = shown < len ? "..." : "";
    if (shown + strlen(more) + 1 > buflen)
        shown = buflen - 1;
    size_t i = 0;
    for (; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        /* Messages end up in terminals and logs: no control characters. */
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[i] = '\0';
    if (i + strlen(more) < buflen)
        memcpy(buf + i, more, strlen(more) + 1);
    return buf;
}

static void store_int(const sotto_config_key *key, sotto_config *cfg, int value)
{
    memcpy((unsigned char *)cfg + key->offset, &value, sizeof value);
}

static int load_int(const sotto_config_key *key, const sotto_config *cfg)
{
    int value;
    memcpy(&value, (const unsigned char *)cfg + key->offset, sizeof value);
    return value;
}

static bool int_accepted(const sotto_config_key *key, long value)
{
    if (key->choices != NULL) {
        for (size_t i = 0; i < key->choice_count; i++) {
            if (key->choices[i] == value)
                return true;
        }
        return false;
    }
    return (key->zero_ok && value == 0) || (value >= key->min && value <= key->max);
}

/* Full-string decimal: no empty text, no trailing junk, no overflow. */
static bool parse_long(const char *text, size_t len, long *out_value)
{
    char digits[32];
    if (len == 0 || len >= sizeof digits)
        return false;
    memcpy(digits, text, len);
    digits[len] = '\0';
    /* strtol would skip leading white space; the whole text must be a number. */
    if (digits[0] != '-' && digits[0] != '+' && (digits[0] < '0' || digits[0] > '9'))
        return false;
    char *end = NULL;
    errno = 0;
    long value = strtol(digits, &end, 10);
    if (errno != 0 || end != digits + len)
        return false;
    *out_value = value;
    return true;
}

/* Looks text up in a NULL-terminated (or counted) list of words. */
static bool match_word(const char *const *words, size_t count, const char *text, size_t len,
                       size_t *out_index)
{
    for (size_t i = 0; i < count && words[i] != NULL; i++) {
        if (strlen(words[i]) == len && memcmp(words[i], text, len) == 0) {
            *out_index = i;
            return true;
        }
    }
    return false;
}

size_t sotto_config_key_string_max(const sotto_config_key *key)
{
    size_t by_line = SOTTO_CONFIG_LINE_MAX - strlen(key->name) - strlen(" = \"\"");
    return key->size - 1 < by_line ? key->size - 1 : by_line;
}

static int set_string(const sotto_config_key *key, sotto_config *cfg, const char *text,
                      size_t len, char *why, size_t whylen)
{
    char shown[MESSAGE_VALUE_MAX + 4];
    char accepted[ACCEPTED_MAX];
    char reason[WHY_MAX];
    char value[SOTTO_CONFIG_PATH_MAX];
    size_t max = sotto_config_key_string_max(key);
    if (len > max || max >= sizeof value) {
        snprintf(why, whylen, "value is %zu characters long (max %zu)", len, max);
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, whylen, "bad value \"%s\" (control characters are not allowed)",
                     sotto_config_quote_for_message(text, len, shown, sizeof shown));
            return -EINVAL;
        }
    }
    memcpy(value, text, len);
    value[len] = '\0';
    if (key->check != NULL && key->check(value, reason, sizeof reason) != 0) {
        sotto_config_key_accepted(key, accepted, sizeof accepted);
        snprintf(why, whylen, "bad value \"%s\" (%s; accepted: %s)",
                 sotto_config_quote_for_message(text, len, shown, sizeof shown), reason,
                 accepted);
        return -EINVAL;
    }
    char *field = (char *)cfg + key->offset;
    /* Zero the tail so two configs with equal strings are equal bytes. */
    memset(field, 0, key->size);
    memcpy(field, value, strlen(value));
    return 0;
}

int sotto_config_key_set(const sotto_config_key *key, sotto_config *cfg, const char *value,
                         char *why, size_t whylen)
{
    char shown[MESSAGE_VALUE_MAX + 4];
    char accepted[ACCEPTED_MAX];
    if (key == NULL || cfg == NULL || value == NULL || (why == NULL && whylen > 0))
        return -EINVAL;
    size_t len = strlen(value);
    const char *text = value;
    if (len > 0 && value[0] == '"') {
        /* inih cuts a value at " ;", which can leave an opening quote alone. */
        if (len < 2 || value[len - 1] != '"') {
            snprintf(why, whylen, "bad value %s (closing quote missing)",
                     sotto_config_quote_for_message(value, len, shown, sizeof shown));
            return -EINVAL;
        }
        text = value + 1;
        len -= 2;
    }
    if (key->type == SOTTO_KEY_STRING)
        return set_string(key, cfg, text, len, why, whylen);

    size_t index = 0;
    long number = 0;
    bool ok = false;
    switch (key->type) {
    case SOTTO_KEY_ENUM:
        ok = match_word(key->names, SIZE_MAX, text, len, &index);
        number = (long)index;
        break;
    case SOTTO_KEY_INT:
        ok = parse_long(text, len, &number) && int_accepted(key, number);
        break;
    case SOTTO_KEY_BOOL:
        ok = match_word(bool_words, sizeof bool_words / sizeof bool_words[0], text, len, &index);
        number = index % 2 == 0;
        break;
    case SOTTO_KEY_STRING:
        break;
    }
    if (!ok) {
        sotto_config_key_accepted(key, accepted, sizeof accepted);
        snprintf(why, whylen, "bad value \"%s\" (accepted: %s)",
                 sotto_config_quote_for_message(text, len, shown, sizeof shown), accepted);
        return -EINVAL;
    }
    store_int(key, cfg, (int)number);
    return 0;
}

size_t sotto_config_key_format(const sotto_config_key *key, const sotto_config *cfg, char *buf,
                               size_t buflen)
{
    sotto_config_text text = {buf, buflen, 0};
    if (buflen > 0)
        buf[0] = '\0';
    if (key->type == SOTTO_KEY_STRING) {
        const char *field = (const char *)cfg + key->offset;
        /* Always quoted, so leading/trailing spaces and a leading '"' survive. */
        sotto_config_text_add(&text, "\"%.*s\"", (int)strnlen(field, key->size), field);
        return text.need;
    }
    int value = load_int(key, cfg);
    if (key->type == SOTTO_KEY_BOOL) {
        sotto_config_text_add(&text, "%s", value ? "true" : "false");
    } else if (key->type == SOTTO_KEY_ENUM) {
        size_t count = 0;
        while (key->names[count] != NULL)
            count++;
        if (value >= 0 && (size_t)value < count)
            sotto_config_text_add(&text, "%s", key->names[value]);
        else
            sotto_config_text_add(&text, "%d", value); /* not a name: parse rejects it */
    } else {
        sotto_config_text_add(&text, "%d", value);
    }
    return text.need;
}

bool sotto_config_equal(const sotto_config *a, const sotto_config *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    for (size_t i = 0; i < sotto_config_key_count; i++) {
        const sotto_config_key *key = &sotto_config_keys[i];
        if (key->type == SOTTO_KEY_STRING) {
            if (strncmp((const char *)a + key->offset, (const char *)b + key->offset,
                        key->size) != 0)
                return false;
        } else if (load_int(key, a) != load_int(key, b)) {
            return false;
        }
    }
    return true;
}

/* Decimal port 1..65535: digits only, no sign or white space. */
static bool parse_port(const char *text)
{
    size_t len = strlen(text);
    if (len == 0 || len > 5 || strspn(text, "0123456789") != len)
        return false;
    long port = strtol(text, NULL, 10);
    return port >= 1 && port <= 65535;
}

static bool is_ip_literal(const char *text)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, text, addr) == 1 || inet_pton(AF_INET6, text, addr) == 1;
}

/* A host name or IPv4 address: no spaces, ports, paths or schemes. */
static int check_host_name(const char *host, size_t len, char *why, size_t whylen)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789.-_";
    char copy[SOTTO_CONFIG_NAME_MAX];
    if (len == 0) {
        snprintf(why, whylen, "host missing before ':'");
        return -EINVAL;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c > 0x7f || strchr(allowed, c) == NULL) {
            /* Bytes past ASCII would print as a broken character. */
            if (c > 0x7f)
                snprintf(why, whylen, "non-ASCII character in the host name");
            else
                snprintf(why, whylen, "'%c' is not allowed in a host name", c);
            return -EINVAL;
        }
    }
    /* Digits and dots only is meant as an IPv4 address: it must be one. */
    if (len < sizeof copy && strspn(host, "0123456789.") >= len) {
        memcpy(copy, host, len);
        copy[len] = '\0';
        unsigned char addr[4];
        if (inet_pton(AF_INET, copy, addr) != 1) {
            snprintf(why, whylen, "not an IPv4 address");
            return -EINVAL;
        }
    }
    return 0;
}

/* "host:port" or "[IPv6]:port"; empty means unset. */
static int check_host_port(char *value, char *why, size_t whylen)
{
    char host[SOTTO_CONFIG_NAME_MAX];
    const char *port = NULL;
    if (value[0] == '\0')
        return 0;
    if (strncasecmp(value, "stun:", 5) == 0 || strncasecmp(value, "turn:", 5) == 0 ||
        strncasecmp(value, "turns:", 6) == 0 || strstr(value, "://") != NULL) {
        snprintf(why, whylen, "write host:port without a scheme");
        return -EINVAL;
    }
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        size_t host_len = close != NULL ? (size_t)(close - value - 1) : 0;
        if (close == NULL || host_len >= sizeof host) {
            snprintf(why, whylen, "']' missing after the IPv6 address");
            return -EINVAL;
        }
        memcpy(host, value + 1, host_len);
        host[host_len] = '\0';
        unsigned char addr[16];
        if (inet_pton(AF_INET6, host, addr) != 1) {
            snprintf(why, whylen, "not an IPv6 address inside [ ]");
            return -EINVAL;
        }
        if (close[1] != ':') {
            snprintf(why, whylen, "port missing after ']'");
            return -EINVAL;
        }
        port = close + 2;
    } else {
        const char *colon = strrchr(value, ':');
        if (colon == NULL) {
            snprintf(why, whylen, "port missing");
            return -EINVAL;
        }
        if (memchr(value, ':', (size_t)(colon - value)) != NULL) {
            snprintf(why, whylen, "an IPv6 address goes in brackets");
            return -EINVAL;
        }
        if (check_host_name(value, (size_t)(colon - value), why, whylen) != 0)
            return -EINVAL;
        port = colon + 1;
    }
    if (!parse_port(port)) {
        snprintf(why, whylen, "port is not 1..65535");
        return -EINVAL;
    }
    return 0;
}

/* An IP literal to bind to; empty means unset. */
static int check_ip_address(char *value, char *why, size_t whylen)
{
    if (value[0] == '\0' || is_ip_literal(value))
        return 0;
    if (value[0] == '[')
        snprintf(why, whylen, "write an IPv6 address without brackets");
    else
        snprintf(why, whylen, "not an IP address (host names are not looked up here)");
    return -EINVAL;
}

/* The daemon may run from any directory: relative paths would be a trap. */
static int check_absolute_path(char *value, char *why, size_t whylen)
{
    if (value[0] == '\0' || value[0] == '/')
        return 0;
    snprintf(why, whylen, "not an absolute path");
    return -EINVAL;
}

/* Names separated by commas, spaces around them ignored (tabs never get
 * here: set_string refuses control characters); rewritten as lower case
 * names joined by bare commas, which is never longer than the input. */
static int check_codec_order(char *value, char *why, size_t whylen)
{
    char shown[MESSAGE_VALUE_MAX + 4];
    char normal[SOTTO_CONFIG_NAME_MAX];
    size_t out = 0;
    const sotto_codec_desc *const *codecs = sotto_codec_list();
    bool seen[CODEC_MAX] = {false};
    const char *p = value;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        const char *name = p;
        while (len > 0 && *name == ' ') {
            name++;
            len--;
        }
        while (len > 0 && name[len - 1] == ' ')
            len--;
        if (len == 0) {
            snprintf(why, whylen, "%s",
                     value[0] == '\0' ? "no codec named" : "empty name in the list");
            return -EINVAL;
        }
        size_t index = 0;
        while (index < CODEC_MAX && codecs[index] &&
               (strlen(codecs[index]->name) != len ||
                strncasecmp(codecs[index]->name, name, len) != 0))
            index++;
        bool known = index < CODEC_MAX && codecs[index] != NULL;
        if (!known || seen[index]) {
            snprintf(why, whylen, "%s codec \"%s\"", !known ? "unknown" : "repeated",
                     sotto_config_quote_for_message(name, len, shown, sizeof shown));
            return -EINVAL;
        }
        seen[index] = true;
        /* The normal form is as long as the name it replaces: it fits. */
        if (out > 0)
            normal[out++] = ',';
        for (size_t i = 0; i < len; i++)
            normal[out++] = (char)tolower((unsigned char)codecs[index]->name[i]);
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    normal[out] = '\0';
    memcpy(value, normal, out + 1);
    return 0;
}
