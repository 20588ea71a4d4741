/* Public audio API: parameter checks, backend selection and dispatch, the
 * close protocol (free only in the last handle's close callback) and the
 * frame pacer shared by the timer-driven backends. */
#include "audio/audio.h"

#include "audio/audio_internal.h"
#include "audio/err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RATE 16000
#define DEFAULT_FRAME_MS 20
#define DEFAULT_BUFFER_MS 200
#define MIN_RATE 8000
#define MAX_RATE 192000
#define MAX_BUFFER_MS 5000

static const sotto_audio_backend *const backends[] = {
    [SOTTO_AUDIO_KIND_PORTAUDIO] = &sotto__audio_backend_portaudio,
    [SOTTO_AUDIO_KIND_WAV] = &sotto__audio_backend_wav,
    [SOTTO_AUDIO_KIND_NULL] = &sotto__audio_backend_null,
};

void sotto_audio_params_default(sotto_audio_params *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->kind = SOTTO_AUDIO_KIND_AUTO;
    out->rate = DEFAULT_RATE;
    out->frame_ms = DEFAULT_FRAME_MS;
    out->buffer_ms = DEFAULT_BUFFER_MS;
    out->echo_gain_db = -6;
}

const char *sotto_audio_kind_name(sotto_audio_kind kind)
{
    switch (kind) {
    case SOTTO_AUDIO_KIND_AUTO:
        return "auto";
    case SOTTO_AUDIO_KIND_PORTAUDIO:
        return "portaudio";
    case SOTTO_AUDIO_KIND_WAV:
        return "wav";
    case SOTTO_AUDIO_KIND_NULL:
        return "null";
    }
    return "unknown";
}

static int rate_ok(int rate, int zero_ok)
{
    return (zero_ok && rate == 0) || (rate >= MIN_RATE && rate <= MAX_RATE);
}

/* Fills zero rate/frame_ms/buffer_ms with defaults and checks every field. */
static int check_params(sotto_audio_params *p, char *err, size_t errlen)
{
    if (p->rate == 0)
        p->rate = DEFAULT_RATE;
    if (p->frame_ms == 0)
        p->frame_ms = DEFAULT_FRAME_MS;
    if (p->buffer_ms == 0)
        p->buffer_ms = DEFAULT_BUFFER_MS;
    if ((unsigned)p->kind > SOTTO_AUDIO_KIND_NULL) {
        sotto__audio_errf(err, errlen, "unknown audio backend kind %d", (int)p->kind);
        return -EINVAL;
    }
    if (p->frame_ms != 10 && p->frame_ms != 20 && p->frame_ms != 40) {
        sotto__audio_errf(err, errlen, "frame_ms %d is not 10, 20 or 40", p->frame_ms);
        return -EINVAL;
    }
    if (!rate_ok(p->rate, 0) || (p->rate * p->frame_ms) % 1000 != 0) {
        sotto__audio_errf(err, errlen, "rate %d Hz unsupported (8000..192000, whole samples per frame)",
                          p->rate);
        return -EINVAL;
    }
    if (!rate_ok(p->device_rate, 1) || !rate_ok(p->output_rate, 1)) {
        sotto__audio_errf(err, errlen, "device/output rate outside 8000..192000 Hz");
        return -EINVAL;
    }
    if (p->buffer_ms < 2 * p->frame_ms || p->buffer_ms > MAX_BUFFER_MS) {
        sotto__audio_errf(err, errlen, "buffer_ms %d outside %d..%d", p->buffer_ms,
                          2 * p->frame_ms, MAX_BUFFER_MS);
        return -EINVAL;
    }
    return 0;
}

static void free_audio(sotto_audio *a)
{
    for (size_t i = 0; i < sizeof(a->strings) / sizeof(a->strings[0]); i++)
        free(a->strings[i]);
    free(a);
}

/* Copies *field into a->strings[slot] and points the field at the copy. */
static int own_string(sotto_audio *a, size_t slot, const char **field)
{
    if (!*field)
        return 0;
    a->strings[slot] = strdup(*field);
    if (!a->strings[slot])
        return -ENOMEM;
    *field = a->strings[slot];
    return 0;
}

static int open_with(sotto_audio **out, uv_loop_t *loop, const sotto_audio_params *params,
                     const sotto_audio_backend *backend, char *err, size_t errlen)
{
    sotto_audio *a = calloc(1, sizeof(*a));
    int rc = -ENOMEM;

    if (!a) {
        sotto__audio_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    a->loop = loop;
    a->backend = backend;
    a->params = *params;
    a->frame_samples = (size_t)params->rate * (size_t)params->frame_ms / 1000;
    if (own_string(a, 0, &a->params.capture_device) < 0 ||
        own_string(a, 1, &a->params.playback_device) < 0 ||
        own_string(a, 2, &a->params.input_file) < 0 ||
        own_string(a, 3, &a->params.output_file) < 0) {
        sotto__audio_errf(err, errlen, "out of memory");
        goto fail;
    }
    rc = backend->open(a, err, errlen);
    if (rc < 0)
        goto fail;
    if (!a->description[0])
        snprintf(a->description, sizeof(a->description), "%s backend, as configured",
                 backend->name);
    *out = a;
    return 0;
fail:
    if (a->open_handles > 0)
        a->closing = 1; /* freed by the last handle's close callback */
    else
        free_audio(a);
    return rc;
}

int sotto_audio_create(sotto_audio **out, uv_loop_t *loop, const sotto_audio_params *params,
                       char *err, size_t errlen)
{
    sotto_audio_params p;
    int rc;

    if (!out || !loop || !params) {
        sotto__audio_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    *out = NULL;
    p = *params;
    rc = check_params(&p, err, errlen);
    if (rc < 0)
        return rc;
    if (p.kind != SOTTO_AUDIO_KIND_AUTO)
        return open_with(out, loop, &p, backends[p.kind], err, errlen);
    rc = open_with(out, loop, &p, &sotto__audio_backend_portaudio, err, errlen);
    if (rc == 0)
        return 0;
    rc = open_with(out, loop, &p, &sotto__audio_backend_null, err, errlen);
    if (rc == 0)
        snprintf((*out)->description, sizeof((*out)->description),
                 "no sound device opened (%s); using the null backend: silence in, "
                 "sound out discarded", err && err[0] ? err : "PortAudio failed");
    return rc;
}

const char *sotto_audio_description(const sotto_audio *a)
{
    if (!a)
        return "";
    return a->description[0] ? a->description : a->backend->name;
}

int sotto_audio_play(sotto_audio *a, const int16_t *pcm, size_t samples)
{
    int rc;

    if (!a || (!pcm && samples > 0) || a->closing)
        return -EINVAL;
    if (samples == 0)
        return 0;
    rc = a->backend->play(a, pcm, samples);
    if (rc == 0)
        a->samples_played += samples;
    else if (rc == -EAGAIN)
        a->playback_overruns++;
    return rc;
}

void sotto_audio_get_stats(const sotto_audio *a, sotto_audio_stats *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!a)
        return;
    out->backend = a->backend->name;
    out->device_rate = a->device_rate;
    out->frames_captured = a->frames_captured;
    out->frames_played = a->samples_played / a->frame_samples;
    out->capture_overruns = a->capture_overruns;
    out->playback_underruns = a->playback_underruns;
    out->playback_overruns = a->playback_overruns;
    out->late_ticks = a->pacer_late_ticks;
    out->max_late_ms = a->pacer_max_late_ms;
    a->backend->add_stats(a, out);
}

void sotto_audio_close(sotto_audio *a, sotto_audio_closed_cb done, void *opaque)
{
    if (!a || a->closing)
        return;
    a->closing = 1;
    a->done = done;
    a->done_opaque = opaque;
    a->backend->close(a);
}

void sotto__audio_handle_closed(uv_handle_t *handle)
{
    sotto_audio *a = handle->data;
    sotto_audio_closed_cb done;
    void *opaque;

    if (--a->open_handles > 0)
        return;
    a->backend->release(a);
    done = a->done;
    opaque = a->done_opaque;
    free_audio(a);
    if (done)
        done(opaque);
}

void sotto__audio_deliver(sotto_audio *a, const int16_t *frame)
{
    a->frames_captured++;
    if (a->params.on_capture)
        a->params.on_capture(a->params.opaque, frame, a->frame_samples);
}

int sotto__pacer_start(sotto_audio *a, sotto_pacer *pacer, uv_timer_cb cb)
{
    int rc = uv_timer_init(a->loop, &pacer->timer);

    if (rc < 0)
        return rc;
    pacer->timer.data = a;
    a->open_handles++;
    /* uv_now() is cached per loop iteration and may be stale before the loop runs. */
    uv_update_time(a->loop);
    pacer->start_ms = uv_now(a->loop);
    pacer->frames_done = 0;
    pacer->cb = cb;
    return uv_timer_start(&pacer->timer, cb, (uint64_t)a->params.frame_ms, 0);
}

uint64_t sotto__pacer_take_due(sotto_audio *a, sotto_pacer *pacer)
{
    uint64_t elapsed = uv_now(a->loop) - pacer->start_ms;
    uint64_t total = elapsed / (uint64_t)a->params.frame_ms;
    uint64_t due = total > pacer->frames_done ? total - pacer->frames_done : 0;
    uint64_t burst = (uint64_t)(a->params.buffer_ms / a->params.frame_ms);
    /* How long after the oldest due frame's time this tick runs: a loop
     * that falls behind (too many calls for the core) shows here first. */
    uint64_t first_due_ms = (pacer->frames_done + 1) * (uint64_t)a->params.frame_ms;

    if (due > 0 && elapsed > first_due_ms) {
        uint64_t late = elapsed - first_due_ms;

        if (late >= (uint64_t)a->params.frame_ms)
            a->pacer_late_ticks++;
        if (late > a->pacer_max_late_ms)
            a->pacer_max_late_ms = late > UINT32_MAX ? UINT32_MAX : (uint32_t)late;
    }
    if (due > burst) {
        a->capture_overruns += (due - burst) * a->frame_samples;
        due = burst;
    }
    pacer->frames_done = total;
    /* Aim the next tick at the next frame's due time. A repeating timer is
     * re-armed from when it fired, so its lateness adds up until a tick
     * finds two frames due and none at the next: packets and playout pulls
     * then come in pairs, which a jitter buffer reads as 20 ms of jitter. */
    uint64_t next = pacer->start_ms + (total + 1) * (uint64_t)a->params.frame_ms;
    uint64_t now = uv_now(a->loop);
    if (!a->closing)
        uv_timer_start(&pacer->timer, pacer->cb, next > now ? next - now : 0, 0);
    return due;
}

void sotto__pacer_close(sotto_pacer *pacer)
{
    uv_timer_stop(&pacer->timer);
    uv_close((uv_handle_t *)&pacer->timer, sotto__audio_handle_closed);
}
