/* Internals shared by audio.c and the backends: the object layout, the
 * backend function table and the real-time frame pacer used by the null and
 * WAV backends.
 *
 * Lifetime: every backend keeps at least one libuv handle open while it
 * runs. sotto_audio_close asks the backend to stop and uv_close its handles
 * with sotto__audio_handle_closed; the last of those callbacks calls the
 * backend's release, frees the object and then calls the user's done. */
#ifndef SOTTO_AUDIO_AUDIO_INTERNAL_H
#define SOTTO_AUDIO_AUDIO_INTERNAL_H

#include "audio/audio.h"

#include <stdint.h>
#include <uv.h>

typedef struct sotto_audio_backend {
    const char *name;   /* static; reported as stats.backend */
    /* Opens and starts. On failure either frees everything it made (no
     * handle left open) or has uv_closed its handles, release then runs. */
    int (*open)(sotto_audio *a, char *err, size_t errlen);
    /* Queues loop-rate samples: 0, or -EAGAIN when there is no room for all. */
    int (*play)(sotto_audio *a, const int16_t *pcm, size_t samples);
    /* Stops the device and uv_closes every handle (sotto__audio_handle_closed). */
    void (*close)(sotto_audio *a);
    /* After the last handle closed: finishes files, frees a->state. */
    void (*release)(sotto_audio *a);
    /* Adds the backend's own counters (device side) into *stats. */
    void (*add_stats)(const sotto_audio *a, sotto_audio_stats *stats);
} sotto_audio_backend;

extern const sotto_audio_backend sotto__audio_backend_null;
extern const sotto_audio_backend sotto__audio_backend_wav;
extern const sotto_audio_backend sotto__audio_backend_portaudio;

struct sotto_audio {
    uv_loop_t *loop;                    /* not owned */
    const sotto_audio_backend *backend; /* the one that opened */
    sotto_audio_params params;          /* validated copy; strings point to owned copies */
    char *strings[4];                   /* owned copies of the params' strings */
    size_t frame_samples;               /* samples per frame at params.rate */
    void *state;                        /* backend private, freed by release */
    int device_rate;                    /* Hz the backend opened; set by open */
    uint64_t frames_captured;           /* frames given to on_capture */
    uint64_t samples_played;            /* loop-rate samples accepted by play */
    uint64_t capture_overruns;          /* samples dropped loop-side (pacer skips) */
    uint64_t playback_underruns;        /* samples padded loop-side (WAV backend) */
    uint64_t playback_overruns;         /* play calls refused with -EAGAIN */
    uint64_t pacer_late_ticks;          /* pacer ticks that ran a whole frame or more late */
    uint32_t pacer_max_late_ms;         /* the latest a pacer tick ran, ms */
    int open_handles;                   /* libuv handles not yet closed */
    int closing;                        /* 1 once close (or a failed open) began */
    sotto_audio_closed_cb done;         /* user callback after the last handle; may be NULL */
    void *done_opaque;                  /* passed to done; not owned */
    char description[384];              /* see sotto_audio_description; set by open */
};

/* Close callback for every backend handle; handle->data must be the object. */
void sotto__audio_handle_closed(uv_handle_t *handle);

/* Gives one frame (frame_samples samples) to on_capture and counts it. */
void sotto__audio_deliver(sotto_audio *a, const int16_t *frame);

/* Delivers frames at real time from a repeating uv timer. Frames due are
 * computed from uv_now() since start, so timer lateness never accumulates
 * into drift; after a stall longer than buffer_ms the excess frames are
 * skipped and counted as capture overruns (a device ring would overflow). */
typedef struct sotto_pacer {
    uv_timer_t timer;       /* one-shot, re-armed for the next frame's due time;
                             * data = the object */
    uv_timer_cb cb;         /* what the timer runs */
    uint64_t start_ms;      /* uv_now() when started, ms */
    uint64_t frames_done;   /* frames run or skipped since start */
} sotto_pacer;

/* Initialises and starts the timer (counted in open_handles); cb runs each period. */
int sotto__pacer_start(sotto_audio *a, sotto_pacer *pacer, uv_timer_cb cb);

/* Frames to run now; call once per timer callback and run exactly that many. */
uint64_t sotto__pacer_take_due(sotto_audio *a, sotto_pacer *pacer);

/* Stops the timer and uv_closes it. */
void sotto__pacer_close(sotto_pacer *pacer);

#endif
