/* Calls: their lifecycle, signalling glue (SDP offer/answer over the
 * copy-paste token or HTTP) and the media of the active call. Owned by the
 * daemon, driven by its loop. */
#ifndef SOTTO_DAEMON_CALLS_H
#define SOTTO_DAEMON_CALLS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "daemon/control.h"
#include "voice/voice.h"

typedef struct sottod_calls sottod_calls;

typedef struct sottod_calls_params {
    uv_loop_t *loop;
    const sotto_config *cfg;          /* the settings in force; read at each new call */
    sotto_control *control;           /* for events; not owned; may be NULL until
                                       * sottod_calls_set_control */
    int rate;                         /* Hz of daemon-side audio */
} sottod_calls_params;

int sottod_calls_create(sottod_calls **out, const sottod_calls_params *p, char *err,
                        size_t errlen);

/* Ends every call and releases everything once libuv has closed the
 * handles; done is then called (may be NULL). */
void sottod_calls_close(sottod_calls *calls, void (*done)(void *), void *opaque);

/* The settings changed (reload); the pointer stays the daemon's. */
void sottod_calls_set_config(sottod_calls *calls, const sotto_config *cfg);

/* The control socket for events, opened after the calls' listening ports
 * (not owned). */
void sottod_calls_set_control(sottod_calls *calls, sotto_control *control);

/* One captured frame. Returns 1 and fills play (same length) when a call's
 * media owns the audio, else 0. */
int sottod_calls_audio(sottod_calls *calls, const int16_t *pcm, size_t samples, int16_t *play);

/* The capture chain whose figures `stats` shows with each call; kept, not
 * owned (the daemon clears it before destroying it). NULL = none. */
void sottod_calls_set_voice(sottod_calls *calls, const sotto_voice *voice);

/* Control commands; each returns 1 when it handled cmd. */
int sottod_calls_command(sottod_calls *calls, const char *cmd, json_t *args,
                         sotto_control_reply *reply);

/* Summary for `status`: a new object. */
json_t *sottod_calls_status(const sottod_calls *calls);

#endif
