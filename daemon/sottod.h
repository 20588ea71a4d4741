/* The daemon object: owns the loop's handles, the settings in force, the
 * control socket and the audio engine. Everything runs on one loop thread. */
#ifndef SOTTO_DAEMON_SOTTOD_H
#define SOTTO_DAEMON_SOTTOD_H

#include <uv.h>

#include "audio/audio.h"
#include "config/config.h"
#include "daemon/calls.h"
#include "daemon/control.h"
#include "voice/voice.h"

/* Hz: audio is exchanged with codecs at this rate (the Sotto codec's). */
#define SOTTOD_CODEC_RATE 16000

typedef struct sottod_options {
    const char *config_path;   /* --config, NULL = built-in defaults */
    const char *socket_path;   /* --socket, NULL = config or default */
    int log_level;             /* --log-level, -1 = from config */
} sottod_options;

typedef struct sottod {
    uv_loop_t *loop;
    uv_signal_t sig_term;
    uv_signal_t sig_int;
    uv_signal_t sig_hup;
    uv_timer_t shutdown_timer;   /* defers shutdown so replies are flushed first */
    sottod_options options;
    sotto_config cfg;            /* the settings in force */
    char socket_path[SOTTO_CONFIG_PATH_MAX];
    sotto_control *control;
    sotto_audio *audio;
    sottod_calls *calls;
    int audio_restarting;        /* a reload swapped the audio engine */
    uint64_t start_ms;
    int shutting_down;
    int exit_code;
    /* capture level over the last second, for `status` */
    double level_peak;
    double level_report;
    uint64_t level_window_start;
    int16_t play_buf[2048];      /* one frame of call audio to play */
    sotto_voice *voice;          /* capture chain; NULL = [audio] processing off */
    int16_t capture_buf[2048];   /* one captured frame after the chain */
} sottod;

/* Loads config and opens the socket and audio. Returns 0 or a negative errno
 * after logging the reason. */
int sottod_start(sottod *d, uv_loop_t *loop, const sottod_options *opts);

/* Re-reads the config file; an invalid file is rejected and logged and the
 * old settings stay. Returns 0 or a negative errno; msg gets the reason. */
int sottod_reload(sottod *d, char *msg, size_t msglen);

/* Starts an orderly shutdown: the loop then runs out of handles. */
void sottod_shutdown(sottod *d, const char *reason);

/* The control command handler (daemon/commands.c). */
void sottod_handle_command(void *opaque, const char *cmd, json_t *args,
                           sotto_control_reply *reply);

/* Logs one line of ALSA/JACK output at debug level (an audio library callback). */
void sottod_log_audio_library(void *opaque, const char *line);

/* The audio parameters derived from settings (daemon/sottod.c). */
void sottod_audio_params(const sottod *d, sotto_audio_params *out);

#endif
