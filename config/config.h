/* Sotto daemon settings: defaults, INI loading and validation.
 *
 * The settings are a plain value struct (copied by value, no heap): the
 * daemon keeps one in force and swaps it only when a reload parsed and
 * validated completely, so a bad file never leaves a half-applied config. */
#ifndef SOTTO_CONFIG_CONFIG_H
#define SOTTO_CONFIG_CONFIG_H

#include <stddef.h>

#define SOTTO_CONFIG_PATH_MAX 512
#define SOTTO_CONFIG_NAME_MAX 128
#define SOTTO_CONFIG_ERROR_MAX 512
#define SOTTO_CONFIG_REDACTED "********" /* a set secret, as shown by format_redacted */

typedef enum sotto_audio_backend_kind {
    SOTTO_AUDIO_AUTO = 0,   /* PortAudio when a device exists, else null */
    SOTTO_AUDIO_PORTAUDIO,
    SOTTO_AUDIO_WAV,
    SOTTO_AUDIO_NULL,
} sotto_audio_backend_kind;

/* [audio] processing: the capture chain (voice/voice.h) and its engine. */
typedef enum sotto_audio_processing {
    SOTTO_PROCESSING_AUTO = 0, /* webrtc on a sound device, off on files and null */
    SOTTO_PROCESSING_WEBRTC,
    SOTTO_PROCESSING_SPEEX,
    SOTTO_PROCESSING_OFF,
} sotto_audio_processing;

typedef enum sotto_log_level {
    SOTTO_LOG_ERROR = 0,
    SOTTO_LOG_WARNING,
    SOTTO_LOG_INFO,
    SOTTO_LOG_DEBUG,
} sotto_log_level;

/* [call] incoming: what happens to a call someone else starts. */
typedef enum sotto_incoming_policy {
    SOTTO_INCOMING_AUTO = 0, /* answer at once */
    SOTTO_INCOMING_RING,     /* ring until `sottoctl answer` or ring_timeout_s */
    SOTTO_INCOMING_REJECT,   /* refuse every incoming call */
} sotto_incoming_policy;

/* [call] unknown_peer: callers whose certificate fingerprint is not a contact. */
typedef enum sotto_unknown_peer_policy {
    SOTTO_UNKNOWN_PEER_ALLOW = 0,
    SOTTO_UNKNOWN_PEER_REJECT,
} sotto_unknown_peer_policy;

/* [network] turn_transport: how the TURN server is reached. */
typedef enum sotto_turn_transport {
    SOTTO_TURN_UDP = 0,
    SOTTO_TURN_TCP,
} sotto_turn_transport;

typedef struct sotto_config {
    struct {
        sotto_audio_backend_kind backend;          /* default auto */
        char capture_device[SOTTO_CONFIG_NAME_MAX];  /* name substring or index; "" = default */
        char playback_device[SOTTO_CONFIG_NAME_MAX]; /* same */
        int device_rate;                            /* Hz; 0 = device's native rate */
        int frame_ms;                               /* 10, 20 or 40; default 20 */
        int buffer_ms;                              /* ring capacity, 40..2000; default 200 */
        char input_file[SOTTO_CONFIG_PATH_MAX];     /* wav backend: read from */
        char output_file[SOTTO_CONFIG_PATH_MAX];    /* wav backend: write to */
        int loopback;                               /* capture fed to playback; default 0 */
        sotto_audio_processing processing;          /* default auto */
        int echo_cancel;                            /* default 1 */
        int echo_suppression;                       /* 0 low, 1 moderate, 2 high; default 0 */
        int echo_delay_ms;                          /* first guess, 0..1000; default 0 */
        int noise_suppression;                      /* default 1 */
        int noise_level;                            /* 0 low .. 3 very-high; default 3 */
        int gain_control;                           /* default 1 */
        int gain_target_dbfs;                       /* 0..31; default 3 */
        int gain_max_db;                            /* 0..90; default 9 */
        int voice_activity;                         /* default 1 */
        int silence_suppression;                    /* default 1 */
        int wav_echo_ms;                            /* wav backend: emulated echo; 0 = none */
        int wav_echo_db;                            /* its level, -60..0; default -6 */
    } audio;
    struct {
        char socket[SOTTO_CONFIG_PATH_MAX];   /* "" = default path */
        int max_clients;                       /* 1..1024; default 64 */
        int max_line;                          /* bytes, 256..1048576; default 65536 */
        int max_queue;                         /* bytes per client, 4096..67108864; default 1048576 */
        int idle_timeout;                      /* s, 0 (never) or 1..86400; default 30 */
    } control;
    struct {
        sotto_log_level level;                 /* default info */
    } log;
    /* Strings below are checked by the parser: host:port values are
     * "host:port" or "[IPv6]:port" (port 1..65535; host names are not
     * resolved here), addresses are IP literals without brackets. */
    struct {
        char signal_address[SOTTO_CONFIG_NAME_MAX];   /* HTTP signalling bind address; default "127.0.0.1"; "" = HTTP signalling off */
        int signal_port;                              /* 1..65535, or 0 = pick a free port (reported by status); default 8787 */
        char signal_token[SOTTO_CONFIG_NAME_MAX];     /* bearer token; "" = none (then only loopback clients are accepted) */
        char stun_server[SOTTO_CONFIG_NAME_MAX];      /* "host:port" or ""; default "" */
        char turn_server[SOTTO_CONFIG_NAME_MAX];      /* "host:port" or ""; default "" */
        int turn_transport;                           /* enum sotto_turn_transport; default udp */
        char turn_username[SOTTO_CONFIG_NAME_MAX];    /* default "" */
        char turn_password[SOTTO_CONFIG_NAME_MAX];    /* default ""; shown as ******** by sotto_config_format_redacted */
        int relay_only;                               /* bool; only relayed candidates (needs turn_server); default false */
        char ice_address[SOTTO_CONFIG_NAME_MAX];      /* local IP to gather host candidates on; "" = all; default "" */
        int ice_port_min;                             /* 0 or 1024..65535; default 0 (any) */
        int ice_port_max;                             /* 0 or 1024..65535; default 0 (any); min <= max when both set */
        int link_kbps;                                /* kbit/s per direction, 0..100000, 0 = unknown; default 0 */
        char state_dir[SOTTO_CONFIG_PATH_MAX];        /* identity key/cert directory, absolute; "" = $XDG_STATE_HOME/sotto, ~/.local/state/sotto, or /var/lib/sotto for root; default "" */
        char web_root[SOTTO_CONFIG_PATH_MAX];         /* directory of the browser call page served over HTTP signalling, absolute; "" = the installed page when present, else none; default "" */
    } network;
    struct {
        int incoming;                                 /* enum sotto_incoming_policy; default ring */
        int unknown_peer;                             /* enum sotto_unknown_peer_policy; default allow */
        int ring_timeout_s;                           /* seconds, 5..300; default 30 */
        int max_calls;                                /* 1..64; default 4 */
    } call;
    struct {
        char order[SOTTO_CONFIG_NAME_MAX];            /* codec names in preference order, stored lower case and comma-separated without spaces (e.g. "opus,pcmu"): at least one of sotto, opus, pcmu, pcma, each once; default "sotto,opus,pcmu,pcma" */
        int opus_bitrate;                             /* bit/s, 6000..510000; default 24000 */
        int ptime_ms;                                 /* 10, 20, 40, 60, 80, 100 or 120; default 20 */
        int opus_fec;                                 /* bool; default true */
        int max_ptime_ms;                             /* 20..120 in steps of 20, >= ptime_ms; default 120 */
        int redundancy;                               /* bool; Sotto in-band redundancy; default true */
    } codec;
} sotto_config;

/* Fills *out with the built-in defaults (every key has one). */
void sotto_config_default(sotto_config *out);

/* Parses the INI file at path on top of the defaults. On success returns 0
 * and writes *out; on failure returns a negative errno (-ENOENT, -EACCES,
 * -EINVAL for a bad key or value, -EFBIG for an oversized file), leaves
 * *out untouched and writes a one-line message naming file, line, key and
 * the accepted values into err (always NUL-terminated when errlen > 0). */
int sotto_config_load(const char *path, sotto_config *out, char *err, size_t errlen);

/* Same as sotto_config_load, from a memory buffer of len bytes (no NUL
 * needed; len over 1 MiB is -EFBIG); name is used in messages. text and name
 * are only read during the call. */
int sotto_config_parse(const char *text, size_t len, const char *name,
                       sotto_config *out, char *err, size_t errlen);

/* Writes the settings as INI text (every key, current values, secrets in
 * full: see sotto_config_format_redacted for showing them) into buf.
 * Returns the length that the full text needs (like snprintf); the output
 * is truncated but NUL-terminated when buflen is too small. Parsing the text
 * gives back the same settings for any config that parsing produced (a
 * string set by hand beyond the limits in sotto.conf(5) is written but
 * would be refused). */
size_t sotto_config_format(const sotto_config *cfg, char *buf, size_t buflen);

/* Same as sotto_config_format, but secrets (signal_token, turn_password)
 * are written as "********" when set, for showing the settings to users
 * (`sottoctl config show`); the text is not meant to be parsed back. */
size_t sotto_config_format_redacted(const sotto_config *cfg, char *buf, size_t buflen);

/* Names as written in the file ("wav", "debug"): static strings, or NULL
 * for a value outside the enum. */
const char *sotto_config_backend_name(sotto_audio_backend_kind kind);
const char *sotto_config_log_level_name(sotto_log_level level);
const char *sotto_config_incoming_name(sotto_incoming_policy policy);
const char *sotto_config_unknown_peer_name(sotto_unknown_peer_policy policy);
const char *sotto_config_turn_transport_name(sotto_turn_transport transport);

#endif
