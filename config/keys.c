/* The settings table and per-key value parsing and formatting. */
#include "config/keys.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enums are stored through an int (memcpy), so they must be int-sized. */
_Static_assert(sizeof(sotto_audio_backend_kind) == sizeof(int), "backend enum size");
_Static_assert(sizeof(sotto_log_level) == sizeof(int), "log level enum size");
_Static_assert(SOTTO_AUDIO_NULL == 3, "backend_names follows sotto_audio_backend_kind");
_Static_assert(SOTTO_LOG_DEBUG == 3, "level_names follows sotto_log_level");
/* Every key name leaves room for a value on its line. */
_Static_assert(SOTTO_CONFIG_LINE_MAX > 64, "line limit");

#define MESSAGE_VALUE_MAX 48 /* characters of a bad value quoted in messages */

static const char *const backend_names[] = {"auto", "portaudio", "wav", "null", NULL};
static const char *const level_names[] = {"error", "warning", "info", "debug", NULL};
static const int frame_ms_choices[] = {10, 20, 40};

/* Accepted spellings of booleans, true ones at even indexes. */
static const char *const bool_words[] = {"true", "false", "yes", "no", "on", "off", "1", "0"};

const sotto_config sotto_config_defaults = {
    .audio = {
        .backend = SOTTO_AUDIO_AUTO,
        .device_rate = 0,
        .frame_ms = 20,
        .buffer_ms = 200,
        .loopback = 0,
    },
    .control = {
        .max_clients = 64,
        .max_line = 65536,
        .max_queue = 1048576,
    },
    .log = {
        .level = SOTTO_LOG_INFO,
    },
};

const sotto_config_section sotto_config_sections[] = {
    {"audio", "Sound devices, frame size and buffering."},
    {"control", "Local control socket used by sottoctl(1) and other clients."},
    {"log", "Diagnostics written by the daemon."},
};
const size_t sotto_config_section_count =
    sizeof sotto_config_sections / sizeof sotto_config_sections[0];

#define FIELD(member) offsetof(sotto_config, member), sizeof(((sotto_config *)0)->member)

const sotto_config_key sotto_config_keys[] = {
    {"audio", "backend", SOTTO_KEY_ENUM, FIELD(audio.backend), 0, 0, false, NULL, 0,
     backend_names,
     "Where call audio comes from and goes to: auto = PortAudio when a sound "
     "device exists, else null (silence); wav = files, for tests."},
    {"audio", "capture_device", SOTTO_KEY_STRING, FIELD(audio.capture_device), 0, 0, false,
     NULL, 0, NULL,
     "Microphone to open: part of a device name, or a device index; empty = the "
     "system default."},
    {"audio", "playback_device", SOTTO_KEY_STRING, FIELD(audio.playback_device), 0, 0, false,
     NULL, 0, NULL,
     "Speaker to open: part of a device name, or a device index; empty = the "
     "system default."},
    {"audio", "device_rate", SOTTO_KEY_INT, FIELD(audio.device_rate), 8000, 192000, true, NULL,
     0, NULL,
     "Sample rate in Hz to open the devices at; 0 = the device's native rate "
     "(audio is resampled as needed)."},
    {"audio", "frame_ms", SOTTO_KEY_INT, FIELD(audio.frame_ms), 10, 40, false,
     frame_ms_choices, sizeof frame_ms_choices / sizeof frame_ms_choices[0], NULL,
     "Audio per packet in milliseconds: shorter frames lower the delay but send "
     "more packets per second."},
    {"audio", "buffer_ms", SOTTO_KEY_INT, FIELD(audio.buffer_ms), 40, 2000, false, NULL, 0,
     NULL,
     "Capacity of each audio ring buffer in milliseconds: larger rides out "
     "scheduling hiccups, smaller bounds the worst delay."},
    {"audio", "input_file", SOTTO_KEY_STRING, FIELD(audio.input_file), 0, 0, false, NULL, 0,
     NULL,
     "wav backend: WAV file read as the captured audio; empty = silence."},
    {"audio", "output_file", SOTTO_KEY_STRING, FIELD(audio.output_file), 0, 0, false, NULL, 0,
     NULL,
     "wav backend: WAV file the played audio is written to; empty = discard it."},
    {"audio", "loopback", SOTTO_KEY_BOOL, FIELD(audio.loopback), 0, 0, false, NULL, 0, NULL,
     "Play captured audio straight back, to check the devices without a call."},
    {"control", "socket", SOTTO_KEY_STRING, FIELD(control.socket), 0, 0, false, NULL, 0, NULL,
     "Path of the control socket; empty = the daemon's default path."},
    {"control", "max_clients", SOTTO_KEY_INT, FIELD(control.max_clients), 1, 1024, false,
     NULL, 0, NULL,
     "Most control connections served at once; more are refused, which bounds "
     "memory."},
    {"control", "max_line", SOTTO_KEY_INT, FIELD(control.max_line), 256, 1048576, false,
     NULL, 0, NULL,
     "Longest request line a client may send, in bytes; bounds the memory one "
     "request can take. At most max_queue."},
    {"control", "max_queue", SOTTO_KEY_INT, FIELD(control.max_queue), 4096, 67108864, false,
     NULL, 0, NULL,
     "Most bytes queued for one client; bounds the memory a slow client can "
     "hold."},
    {"log", "level", SOTTO_KEY_ENUM, FIELD(log.level), 0, 0, false, NULL, 0, level_names,
     "Least severe messages logged: error reports only failures, debug is "
     "verbose."},
};
const size_t sotto_config_key_count = sizeof sotto_config_keys / sizeof sotto_config_keys[0];
_Static_assert(sizeof sotto_config_keys / sizeof sotto_config_keys[0] == SOTTO_CONFIG_KEY_COUNT,
               "SOTTO_CONFIG_KEY_COUNT matches the table");

const char *sotto_config_backend_name(sotto_audio_backend_kind kind)
{
    if ((int)kind < 0 || (int)kind > (int)SOTTO_AUDIO_NULL)
        return NULL;
    return backend_names[kind];
}

const char *sotto_config_log_level_name(sotto_log_level level)
{
    if ((int)level < 0 || (int)level > (int)SOTTO_LOG_DEBUG)
        return NULL;
    return level_names[level];
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
    size_t max = sotto_config_key_string_max(key);
    if (len > max) {
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
    char *field = (char *)cfg + key->offset;
    /* Zero the tail so two configs with equal strings are equal bytes. */
    memset(field, 0, key->size);
    memcpy(field, text, len);
    return 0;
}

int sotto_config_key_set(const sotto_config_key *key, sotto_config *cfg, const char *value,
                         char *why, size_t whylen)
{
    char shown[MESSAGE_VALUE_MAX + 4];
    char accepted[160];
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
