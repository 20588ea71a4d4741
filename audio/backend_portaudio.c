/* PortAudio backend. The device callbacks run on PortAudio's thread and only
 * copy samples into/out of lock-free rings, bump atomic counters and
 * uv_async_send: no allocation, no lock, no logging, no resampling. The loop
 * drains the whole capture ring on each async (libuv coalesces sends),
 * resamples to the loop rate and hands on_capture whole frames; playback is
 * resampled to the device rate on the loop before it enters its ring. */
#include "audio/audio_internal.h"
#include "audio/err.h"
#include "audio/resample.h"
#include "audio/ring.h"
#include "audio/stderr_capture.h"

#include <ctype.h>
#include <errno.h>
#include <portaudio.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DRAIN_SAMPLES 1024

typedef struct pa_state {
    sotto_ring *in_ring;                    /* device-rate capture: callback -> loop */
    sotto_ring *out_ring;                   /* device-rate playback: loop -> callback */
    uv_async_t wake;                        /* capture callback -> loop; data = the object */
    PaStream *in_stream;                    /* NULL until opened */
    PaStream *out_stream;                   /* NULL until opened */
    int pa_ready;                           /* 1 after Pa_Initialize succeeded */
    int in_rate;                            /* capture device rate, Hz */
    int out_rate;                           /* playback device rate, Hz */
    sotto_resampler *in_rs;                 /* in_rate -> loop rate */
    sotto_resampler *out_rs;                /* loop rate -> out_rate */
    int16_t *drain;                         /* DRAIN_SAMPLES device-rate samples */
    int16_t *pending;                       /* loop-rate samples short of a frame */
    size_t pending_len;                     /* samples in pending */
    size_t pending_cap;                     /* frame + resampled DRAIN_SAMPLES */
    int16_t *converted;                     /* one frame resampled to out_rate */
    size_t converted_cap;                   /* samples converted holds */
    atomic_uint_least64_t capture_overruns; /* samples the capture ring refused */
    atomic_uint_least64_t underruns;        /* playback samples zero-filled */
    atomic_uint_least64_t xruns;            /* status flags reported by PortAudio */
    size_t prebuffer;                       /* out_rate samples queued before playout starts */
    int playing;                            /* playback callback thread only: primed */
} pa_state;

static int capture_callback(const void *input, void *output, unsigned long frames,
                            const PaStreamCallbackTimeInfo *time_info,
                            PaStreamCallbackFlags flags, void *user)
{
    pa_state *s = user;

    (void)output;
    (void)time_info;
    if (flags & (paInputOverflow | paInputUnderflow))
        atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
    if (input) {
        size_t put = sotto_ring_write(s->in_ring, input, frames);

        if (put < frames)
            atomic_fetch_add_explicit(&s->capture_overruns, frames - put, memory_order_relaxed);
    }
    uv_async_send(&s->wake);
    return paContinue;
}

static int playback_callback(const void *input, void *output, unsigned long frames,
                             const PaStreamCallbackTimeInfo *time_info,
                             PaStreamCallbackFlags flags, void *user)
{
    pa_state *s = user;
    int16_t *out = output;
    size_t got;

    (void)input;
    (void)time_info;
    if (flags & (paOutputUnderflow | paOutputOverflow))
        atomic_fetch_add_explicit(&s->xruns, 1, memory_order_relaxed);
    /* Playout waits for a small cushion, at start and after each underrun,
     * so that a loop feeding frame by frame does not gap on every device
     * burst larger than what is queued. */
    if (!s->playing && sotto_ring_readable(s->out_ring) >= s->prebuffer)
        s->playing = 1;
    got = s->playing ? sotto_ring_read(s->out_ring, out, frames) : 0;
    if (got < frames) {
        memset(out + got, 0, (frames - got) * sizeof(int16_t));
        if (s->playing) {
            atomic_fetch_add_explicit(&s->underruns, frames - got, memory_order_relaxed);
            s->playing = 0;
        }
    }
    return paContinue;
}

static void deliver_frames(sotto_audio *a, pa_state *s)
{
    size_t used = 0;

    while (s->pending_len - used >= a->frame_samples && !a->closing) {
        sotto__audio_deliver(a, s->pending + used);
        used += a->frame_samples;
    }
    memmove(s->pending, s->pending + used, (s->pending_len - used) * sizeof(int16_t));
    s->pending_len -= used;
}

static void on_wake(uv_async_t *handle)
{
    sotto_audio *a = handle->data;
    pa_state *s = a->state;

    while (!a->closing) {
        size_t n = sotto_ring_read(s->in_ring, s->drain, DRAIN_SAMPLES);
        size_t out_n = s->pending_cap - s->pending_len;

        if (n == 0)
            break;
        /* pending_cap leaves room for all of n, so nothing stays unconsumed. */
        if (sotto_resampler_process(s->in_rs, s->drain, &n, s->pending + s->pending_len,
                                    &out_n) < 0)
            break;
        s->pending_len += out_n;
        deliver_frames(a, s);
    }
}

static int all_digits(const char *text)
{
    for (; *text; text++) {
        if (!isdigit((unsigned char)*text))
            return 0;
    }
    return 1;
}

static int has_channels(const PaDeviceInfo *info, int input)
{
    return info && (input ? info->maxInputChannels : info->maxOutputChannels) > 0;
}

/* Resolves spec (NULL/"" default, an index, or a case-insensitive name part). */
static int find_device(const char *spec, int input, PaDeviceIndex *out_dev, char *err,
                       size_t errlen)
{
    const char *what = input ? "capture" : "playback";
    PaDeviceIndex count = Pa_GetDeviceCount();

    if (!spec || !*spec) {
        PaDeviceIndex dev = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();

        if (dev == paNoDevice) {
            sotto__audio_errf(err, errlen, "no default %s device", what);
            return -ENODEV;
        }
        *out_dev = dev;
        return 0;
    }
    if (all_digits(spec)) {
        char *end = NULL;
        long index;

        errno = 0;
        index = strtol(spec, &end, 10);
        if (errno == 0 && end && *end == '\0' && index < count &&
            has_channels(Pa_GetDeviceInfo((PaDeviceIndex)index), input)) {
            *out_dev = (PaDeviceIndex)index;
            return 0;
        }
        sotto__audio_errf(err, errlen, "no %s device with index %s", what, spec);
        return -ENODEV;
    }
    for (PaDeviceIndex i = 0; i < count; i++) {
        const PaDeviceInfo *info = Pa_GetDeviceInfo(i);

        if (has_channels(info, input) && info->name && strcasestr(info->name, spec)) {
            *out_dev = i;
            return 0;
        }
    }
    sotto__audio_errf(err, errlen, "no %s device matching \"%s\"", what, spec);
    return -ENODEV;
}

static int open_stream(sotto_audio *a, pa_state *s, int input, char *err, size_t errlen)
{
    const char *spec = input ? a->params.capture_device : a->params.playback_device;
    PaStreamParameters sp;
    const PaDeviceInfo *info;
    PaDeviceIndex dev = paNoDevice;
    PaError pe;
    int rate;
    int rc = find_device(spec, input, &dev, err, errlen);

    if (rc < 0)
        return rc;
    info = Pa_GetDeviceInfo(dev);
    rate = a->params.device_rate ? a->params.device_rate : (int)(info->defaultSampleRate + 0.5);
    memset(&sp, 0, sizeof(sp));
    sp.device = dev;
    sp.channelCount = 1;
    sp.sampleFormat = paInt16;
    sp.suggestedLatency = input ? info->defaultLowInputLatency : info->defaultLowOutputLatency;
    if (input) {
        pe = Pa_OpenStream(&s->in_stream, &sp, NULL, rate, paFramesPerBufferUnspecified,
                           paNoFlag, capture_callback, s);
        s->in_rate = rate;
    } else {
        pe = Pa_OpenStream(&s->out_stream, NULL, &sp, rate, paFramesPerBufferUnspecified,
                           paNoFlag, playback_callback, s);
        s->out_rate = rate;
    }
    if (pe != paNoError) {
        sotto__audio_errf(err, errlen, "%s device \"%s\" at %d Hz: %s", input ? "capture" : "playback",
                          info->name ? info->name : "?", rate, Pa_GetErrorText(pe));
        return pe == paInsufficientMemory ? -ENOMEM : -EIO;
    }
    return 0;
}

/* Rings, resamplers and loop-side buffers, sized once here: nothing later allocates. */
static int make_buffers(sotto_audio *a, pa_state *s)
{
    size_t in_cap = sotto_ring_capacity_for((size_t)a->params.buffer_ms * (size_t)s->in_rate / 1000);
    size_t out_cap = sotto_ring_capacity_for((size_t)a->params.buffer_ms * (size_t)s->out_rate / 1000);
    int rc;

    rc = sotto_ring_create(&s->in_ring, in_cap);
    if (rc == 0)
        rc = sotto_ring_create(&s->out_ring, out_cap);
    if (rc == 0)
        rc = sotto_resampler_create(&s->in_rs, s->in_rate, a->params.rate, SOTTO_RESAMPLER_QUALITY);
    if (rc == 0)
        rc = sotto_resampler_create(&s->out_rs, a->params.rate, s->out_rate, SOTTO_RESAMPLER_QUALITY);
    if (rc < 0)
        return rc;
    /* 60 ms, or half the ring when the configured buffer is smaller. */
    s->prebuffer = (size_t)s->out_rate * 60 / 1000;
    if (s->prebuffer > sotto_ring_capacity(s->out_ring) / 2)
        s->prebuffer = sotto_ring_capacity(s->out_ring) / 2;
    s->pending_cap = a->frame_samples + sotto_resampler_output_bound(s->in_rs, DRAIN_SAMPLES);
    s->converted_cap = sotto_resampler_output_bound(s->out_rs, a->frame_samples);
    s->drain = malloc(DRAIN_SAMPLES * sizeof(int16_t));
    s->pending = malloc(s->pending_cap * sizeof(int16_t));
    s->converted = malloc(s->converted_cap * sizeof(int16_t));
    return (s->drain && s->pending && s->converted) ? 0 : -ENOMEM;
}

/* Stops and closes the streams, then lets PortAudio go; callbacks are over after this. */
static void stop_device(pa_state *s)
{
    if (s->in_stream) {
        Pa_AbortStream(s->in_stream);
        Pa_CloseStream(s->in_stream);
        s->in_stream = NULL;
    }
    if (s->out_stream) {
        Pa_AbortStream(s->out_stream);
        Pa_CloseStream(s->out_stream);
        s->out_stream = NULL;
    }
    if (s->pa_ready) {
        Pa_Terminate();
        s->pa_ready = 0;
    }
}

static void pa_release(sotto_audio *a)
{
    pa_state *s = a->state;

    if (!s)
        return;
    stop_device(s);
    sotto_ring_destroy(&s->in_ring);
    sotto_ring_destroy(&s->out_ring);
    sotto_resampler_destroy(&s->in_rs);
    sotto_resampler_destroy(&s->out_rs);
    free(s->drain);
    free(s->pending);
    free(s->converted);
    free(s);
    a->state = NULL;
}

static int start_streams(pa_state *s, char *err, size_t errlen)
{
    PaError pe = Pa_StartStream(s->in_stream);

    if (pe == paNoError)
        pe = Pa_StartStream(s->out_stream);
    if (pe != paNoError) {
        sotto__audio_errf(err, errlen, "starting audio streams: %s", Pa_GetErrorText(pe));
        return -EIO;
    }
    return 0;
}

static int pa_open_device(sotto_audio *a, char *err, size_t errlen);

static void describe(sotto_audio *a)
{
    const PaDeviceInfo *cap = NULL, *play = NULL;
    PaDeviceIndex dev;

    if (find_device(a->params.capture_device, 1, &dev, NULL, 0) == 0)
        cap = Pa_GetDeviceInfo(dev);
    if (find_device(a->params.playback_device, 0, &dev, NULL, 0) == 0)
        play = Pa_GetDeviceInfo(dev);
    snprintf(a->description, sizeof(a->description),
             "PortAudio: capture from \"%s\", playback to \"%s\"",
             cap && cap->name ? cap->name : "?", play && play->name ? play->name : "?");
}

/* Opening runs with stderr caught: ALSA and JACK print their probes there. */
static int pa_open(sotto_audio *a, char *err, size_t errlen)
{
    sotto_stderr_capture capture;
    int rc;

    sotto__stderr_capture_begin(&capture);
    rc = pa_open_device(a, err, errlen);
    if (rc == 0)
        describe(a);
    sotto__stderr_capture_end(&capture, a->params.on_library_line, a->params.opaque);
    return rc;
}

static int pa_open_device(sotto_audio *a, char *err, size_t errlen)
{
    pa_state *s = calloc(1, sizeof(*s));
    PaError pe;
    int rc;

    if (!s) {
        sotto__audio_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    a->state = s;
    atomic_init(&s->capture_overruns, 0);
    atomic_init(&s->underruns, 0);
    atomic_init(&s->xruns, 0);
    pe = Pa_Initialize();
    if (pe != paNoError) {
        sotto__audio_errf(err, errlen, "PortAudio: %s", Pa_GetErrorText(pe));
        rc = -EIO;
        goto fail;
    }
    s->pa_ready = 1;
    rc = open_stream(a, s, 1, err, errlen);
    if (rc == 0)
        rc = open_stream(a, s, 0, err, errlen);
    if (rc < 0)
        goto fail;
    rc = make_buffers(a, s);
    if (rc < 0) {
        sotto__audio_errf(err, errlen, "audio buffers: %s", strerror(-rc));
        goto fail;
    }
    a->device_rate = s->in_rate;
    rc = uv_async_init(a->loop, &s->wake, on_wake);
    if (rc < 0) {
        sotto__audio_errf(err, errlen, "uv_async_init: %s", uv_strerror(rc));
        goto fail;
    }
    s->wake.data = a;
    a->open_handles++;
    rc = start_streams(s, err, errlen);
    if (rc < 0) {
        stop_device(s);
        uv_close((uv_handle_t *)&s->wake, sotto__audio_handle_closed);
        return rc; /* released by the close callback */
    }
    return 0;
fail:
    pa_release(a);
    return rc;
}

static int pa_play(sotto_audio *a, const int16_t *pcm, size_t samples)
{
    pa_state *s = a->state;

    /* All or nothing: a partial write would splice the stream mid-frame. */
    if (sotto_ring_writable(s->out_ring) < sotto_resampler_output_bound(s->out_rs, samples))
        return -EAGAIN;
    for (size_t done = 0; done < samples;) {
        size_t in_n = samples - done < a->frame_samples ? samples - done : a->frame_samples;
        size_t out_n = s->converted_cap;

        if (sotto_resampler_process(s->out_rs, pcm + done, &in_n, s->converted, &out_n) < 0)
            return -EINVAL;
        sotto_ring_write(s->out_ring, s->converted, out_n);
        done += in_n;
    }
    return 0;
}

static void pa_close(sotto_audio *a)
{
    pa_state *s = a->state;

    stop_device(s);
    uv_close((uv_handle_t *)&s->wake, sotto__audio_handle_closed);
}

static void pa_add_stats(const sotto_audio *a, sotto_audio_stats *stats)
{
    pa_state *s = a->state;

    stats->capture_overruns += atomic_load_explicit(&s->capture_overruns, memory_order_relaxed);
    stats->playback_underruns += atomic_load_explicit(&s->underruns, memory_order_relaxed);
    stats->device_xruns += atomic_load_explicit(&s->xruns, memory_order_relaxed);
}

const sotto_audio_backend sotto__audio_backend_portaudio = {
    .name = "portaudio",
    .open = pa_open,
    .play = pa_play,
    .close = pa_close,
    .release = pa_release,
    .add_stats = pa_add_stats,
};

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static int list_devices(sotto_audio_device *out, size_t max, size_t *out_count)
{
    PaDeviceIndex count, def_in, def_out;

    if (Pa_Initialize() != paNoError)
        return -EIO;
    count = Pa_GetDeviceCount();
    if (count < 0) {
        Pa_Terminate();
        return -EIO;
    }
    def_in = Pa_GetDefaultInputDevice();
    def_out = Pa_GetDefaultOutputDevice();
    for (PaDeviceIndex i = 0; i < count && (size_t)i < max; i++) {
        const PaDeviceInfo *info = Pa_GetDeviceInfo(i);
        const PaHostApiInfo *api = info ? Pa_GetHostApiInfo(info->hostApi) : NULL;
        sotto_audio_device *d = &out[i];

        memset(d, 0, sizeof(*d));
        d->index = i;
        if (!info)
            continue;
        copy_name(d->name, sizeof(d->name), info->name);
        copy_name(d->host_api, sizeof(d->host_api), api ? api->name : NULL);
        d->max_input_channels = info->maxInputChannels;
        d->max_output_channels = info->maxOutputChannels;
        d->default_rate = info->defaultSampleRate;
        d->is_default_input = i == def_in;
        d->is_default_output = i == def_out;
    }
    Pa_Terminate();
    *out_count = (size_t)count;
    return 0;
}

int sotto_audio_list_devices(sotto_audio_device *out, size_t max, size_t *out_count,
                             sotto_audio_library_line_cb on_line, void *opaque)
{
    sotto_stderr_capture capture;
    int rc;

    if (!out_count || (!out && max > 0))
        return -EINVAL;
    sotto__stderr_capture_begin(&capture);
    rc = list_devices(out, max, out_count);
    sotto__stderr_capture_end(&capture, on_line, opaque);
    return rc;
}
