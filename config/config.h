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

typedef enum sotto_audio_backend_kind {
    SOTTO_AUDIO_AUTO = 0,   /* PortAudio when a device exists, else null */
    SOTTO_AUDIO_PORTAUDIO,
    SOTTO_AUDIO_WAV,
    SOTTO_AUDIO_NULL,
} sotto_audio_backend_kind;

typedef enum sotto_log_level {
    SOTTO_LOG_ERROR = 0,
    SOTTO_LOG_WARNING,
    SOTTO_LOG_INFO,
    SOTTO_LOG_DEBUG,
} sotto_log_level;

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
    } audio;
    struct {
        char socket[SOTTO_CONFIG_PATH_MAX];   /* "" = default path */
        int max_clients;                       /* 1..1024; default 64 */
        int max_line;                          /* bytes, 256..1048576; default 65536 */
        int max_queue;                         /* bytes per client, 4096..67108864; default 1048576 */
    } control;
    struct {
        sotto_log_level level;                 /* default info */
    } log;
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

/* Writes the settings as INI text (every key, current values) into buf.
 * Returns the length that the full text needs (like snprintf); the output
 * is truncated but NUL-terminated when buflen is too small. Parsing the text
 * gives back the same settings for any config that parsing produced (a
 * string set by hand beyond the limits in sotto.conf(5) is written but
 * would be refused). */
size_t sotto_config_format(const sotto_config *cfg, char *buf, size_t buflen);

/* Names as written in the file ("wav", "debug"): static strings, or NULL
 * for a value outside the enum. */
const char *sotto_config_backend_name(sotto_audio_backend_kind kind);
const char *sotto_config_log_level_name(sotto_log_level level);

#endif
