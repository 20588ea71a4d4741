/* Null backend: capture delivers silence and playback is discarded, both at
 * real-time pace, so the rest of the daemon runs unchanged without a device. */
#include "audio/audio_internal.h"

#include "audio/err.h"

#include <errno.h>
#include <stdlib.h>

typedef struct null_state {
    sotto_pacer pacer;  /* frame clock */
    int16_t *silence;   /* one frame of zeros */
} null_state;

static void null_tick(uv_timer_t *timer)
{
    sotto_audio *a = timer->data;
    null_state *s = a->state;

    for (uint64_t n = sotto__pacer_take_due(a, &s->pacer); n > 0 && !a->closing; n--)
        sotto__audio_deliver(a, s->silence);
}

static void null_release(sotto_audio *a)
{
    null_state *s = a->state;

    if (s) {
        free(s->silence);
        free(s);
    }
    a->state = NULL;
}

static int null_open(sotto_audio *a, char *err, size_t errlen)
{
    null_state *s = calloc(1, sizeof(*s));
    int rc;

    if (s)
        s->silence = calloc(a->frame_samples, sizeof(int16_t));
    if (!s || !s->silence) {
        free(s);
        sotto__audio_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    a->state = s;
    a->device_rate = a->params.rate;
    rc = sotto__pacer_start(a, &s->pacer, null_tick);
    if (rc < 0)
        sotto__audio_errf(err, errlen, "frame timer: %s", uv_strerror(rc));
    if (rc < 0 && a->open_handles > 0)
        sotto__pacer_close(&s->pacer);
    else if (rc < 0)
        null_release(a);
    return rc;
}

static int null_play(sotto_audio *a, const int16_t *pcm, size_t samples)
{
    (void)a;
    (void)pcm;
    (void)samples;
    return 0;
}

static void null_close(sotto_audio *a)
{
    null_state *s = a->state;

    sotto__pacer_close(&s->pacer);
}

static void null_add_stats(const sotto_audio *a, sotto_audio_stats *stats)
{
    (void)a;
    (void)stats;
}

const sotto_audio_backend sotto__audio_backend_null = {
    .name = "null",
    .open = null_open,
    .play = null_play,
    .close = null_close,
    .release = null_release,
    .add_stats = null_add_stats,
};
