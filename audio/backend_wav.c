/* WAV backend: capture reads input_file (any supported WAV, resampled to the
 * loop rate), playback writes output_file at output_rate, both paced in real
 * time by the frame pacer.
 *
 * Each frame period first delivers one capture frame, then writes one
 * playback frame: what sotto_audio_play queued (possibly from inside that
 * capture callback) or silence, counted as an underrun. The output therefore
 * stays sample-aligned with the input, and a loopback shows no extra frame. */
#include "audio/audio_internal.h"
#include "audio/echo_path.h"
#include "audio/err.h"
#include "audio/resample.h"
#include "audio/ring.h"
#include "audio/wav.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FILE_BLOCK_SAMPLES 512

typedef enum input_phase {
    INPUT_FILE = 0, /* reading the file */
    INPUT_FLUSH,    /* feeding zeros to push the resampler's tail out */
    INPUT_DONE,     /* all input delivered except the last partial frame */
    INPUT_ENDED,    /* on_input_end called (or no input file): silence */
} input_phase;

typedef struct wav_state {
    sotto_pacer pacer;              /* frame clock */
    sotto_wav_reader *reader;       /* NULL without input or after its end */
    sotto_resampler *in_rs;         /* file rate -> loop rate */
    int16_t *staged;                /* FILE_BLOCK_SAMPLES file-rate samples */
    size_t staged_len;              /* samples in staged */
    size_t staged_pos;              /* samples of staged already consumed */
    size_t flush_left;              /* zeros still to feed in INPUT_FLUSH */
    input_phase phase;              /* see input_phase */
    int16_t *frame;                 /* capture frame being assembled, frame_samples */
    size_t frame_fill;              /* samples in frame */
    sotto_ring *queue;              /* loop-rate samples queued by play */
    int16_t *play_frame;            /* one playback frame, frame_samples */
    sotto_resampler *out_rs;        /* loop rate -> output rate */
    int16_t *out_buf;               /* resampled playback frame */
    size_t out_cap;                 /* samples out_buf holds */
    sotto_wav_writer *writer;       /* NULL when output is discarded */
    sotto__echo_path *echo;         /* emulated speaker-to-microphone path; NULL = none */
} wav_state;

/* Makes staged hold unread samples; returns 0 when the input has run dry. */
static size_t refill_staged(wav_state *s)
{
    size_t got = 0;

    if (s->phase == INPUT_FILE) {
        if (sotto_wav_reader_read_mono(s->reader, s->staged, FILE_BLOCK_SAMPLES, &got) < 0)
            got = 0; /* a read error ends the input like EOF */
        if (got == 0) {
            sotto_wav_reader_close(&s->reader);
            s->phase = INPUT_FLUSH;
            s->flush_left = sotto_resampler_input_latency(s->in_rs);
        }
    }
    if (s->phase == INPUT_FLUSH) {
        got = s->flush_left < FILE_BLOCK_SAMPLES ? s->flush_left : FILE_BLOCK_SAMPLES;
        memset(s->staged, 0, got * sizeof(int16_t));
        s->flush_left -= got;
        if (got == 0)
            s->phase = INPUT_DONE;
    }
    s->staged_len = got;
    s->staged_pos = 0;
    return got;
}

/* Fills s->frame as far as the input allows. */
static void pull_input(sotto_audio *a, wav_state *s)
{
    while (s->frame_fill < a->frame_samples && s->phase < INPUT_DONE) {
        size_t in_n, out_n;

        if (s->staged_pos == s->staged_len && refill_staged(s) == 0)
            continue;
        in_n = s->staged_len - s->staged_pos;
        out_n = a->frame_samples - s->frame_fill;
        if (sotto_resampler_process(s->in_rs, s->staged + s->staged_pos, &in_n,
                                    s->frame + s->frame_fill, &out_n) < 0) {
            s->phase = INPUT_DONE;
            break;
        }
        s->staged_pos += in_n;
        s->frame_fill += out_n;
    }
}

static void capture_one(sotto_audio *a, wav_state *s)
{
    int ends_now;

    if (s->phase != INPUT_ENDED)
        pull_input(a, s);
    ends_now = s->phase == INPUT_DONE;
    memset(s->frame + s->frame_fill, 0, (a->frame_samples - s->frame_fill) * sizeof(int16_t));
    s->frame_fill = 0;
    if (s->echo)
        sotto__echo_path_mix(s->echo, s->frame, a->frame_samples);
    sotto__audio_deliver(a, s->frame);
    if (ends_now && !a->closing) {
        s->phase = INPUT_ENDED;
        if (a->params.on_input_end)
            a->params.on_input_end(a->params.opaque);
    }
}

static void playback_one(sotto_audio *a, wav_state *s)
{
    size_t got = sotto_ring_read(s->queue, s->play_frame, a->frame_samples);
    size_t in_n = a->frame_samples, out_n = s->out_cap;

    if (got < a->frame_samples) {
        memset(s->play_frame + got, 0, (a->frame_samples - got) * sizeof(int16_t));
        a->playback_underruns += a->frame_samples - got;
    }
    if (s->echo)
        sotto__echo_path_played(s->echo, s->play_frame, a->frame_samples);
    if (!s->writer)
        return;
    if (sotto_resampler_process(s->out_rs, s->play_frame, &in_n, s->out_buf, &out_n) < 0 ||
        sotto_wav_writer_write(s->writer, s->out_buf, out_n) < 0) {
        /* Keep pacing capture; the file is finished (and sized) as written so far. */
        sotto_wav_writer_close(&s->writer);
    }
}

static void wav_tick(uv_timer_t *timer)
{
    sotto_audio *a = timer->data;
    wav_state *s = a->state;

    for (uint64_t n = sotto__pacer_take_due(a, &s->pacer); n > 0 && !a->closing; n--) {
        capture_one(a, s);
        if (!a->closing)
            playback_one(a, s);
    }
}

static void wav_release(sotto_audio *a)
{
    wav_state *s = a->state;

    if (!s)
        return;
    sotto_wav_reader_close(&s->reader);
    sotto_wav_writer_close(&s->writer);
    sotto_resampler_destroy(&s->in_rs);
    sotto_resampler_destroy(&s->out_rs);
    sotto_ring_destroy(&s->queue);
    sotto__echo_path_destroy(&s->echo);
    free(s->staged);
    free(s->frame);
    free(s->play_frame);
    free(s->out_buf);
    free(s);
    a->state = NULL;
}

static int open_input(sotto_audio *a, wav_state *s, char *err, size_t errlen)
{
    sotto_wav_info info;
    int rc;

    if (!a->params.input_file) {
        s->phase = INPUT_ENDED; /* silence, and no end to report */
        a->device_rate = a->params.rate;
        return 0;
    }
    rc = sotto_wav_reader_open(&s->reader, a->params.input_file, err, errlen);
    if (rc < 0)
        return rc;
    sotto_wav_reader_get_info(s->reader, &info);
    a->device_rate = info.rate;
    rc = sotto_resampler_create(&s->in_rs, info.rate, a->params.rate, SOTTO_RESAMPLER_QUALITY);
    if (rc < 0)
        sotto__audio_errf(err, errlen, "input resampler %d -> %d Hz failed", info.rate,
                          a->params.rate);
    return rc;
}

static int open_output(sotto_audio *a, wav_state *s, char *err, size_t errlen)
{
    int out_rate = a->params.output_rate ? a->params.output_rate : a->params.rate;
    int rc = sotto_resampler_create(&s->out_rs, a->params.rate, out_rate, SOTTO_RESAMPLER_QUALITY);

    if (rc < 0) {
        sotto__audio_errf(err, errlen, "output resampler %d -> %d Hz failed", a->params.rate,
                          out_rate);
        return rc;
    }
    s->out_cap = sotto_resampler_output_bound(s->out_rs, a->frame_samples);
    s->out_buf = malloc(s->out_cap * sizeof(int16_t));
    if (!s->out_buf) {
        sotto__audio_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (!a->params.output_file)
        return 0;
    return sotto_wav_writer_open(&s->writer, a->params.output_file, out_rate, 1, err, errlen);
}

static int wav_open(sotto_audio *a, char *err, size_t errlen)
{
    wav_state *s = calloc(1, sizeof(*s));
    size_t queue_cap;
    int rc = -ENOMEM;

    if (!s) {
        sotto__audio_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    a->state = s;
    queue_cap = sotto_ring_capacity_for((size_t)a->params.buffer_ms * (size_t)a->params.rate / 1000);
    s->staged = malloc(FILE_BLOCK_SAMPLES * sizeof(int16_t));
    s->frame = malloc(a->frame_samples * sizeof(int16_t));
    s->play_frame = malloc(a->frame_samples * sizeof(int16_t));
    if (!s->staged || !s->frame || !s->play_frame || sotto_ring_create(&s->queue, queue_cap) < 0) {
        sotto__audio_errf(err, errlen, "out of memory");
        goto fail;
    }
    rc = open_input(a, s, err, errlen);
    if (rc == 0)
        rc = open_output(a, s, err, errlen);
    if (rc == 0 && a->params.echo_ms > 0) {
        size_t delay = (size_t)a->params.echo_ms * (size_t)a->params.rate / 1000;

        rc = sotto__echo_path_create(&s->echo, delay, pow(10.0, a->params.echo_gain_db / 20.0),
                                     a->frame_samples, a->params.rate);
        if (rc < 0)
            sotto__audio_errf(err, errlen, "echo path: %s", strerror(-rc));
    }
    if (rc < 0)
        goto fail;
    rc = sotto__pacer_start(a, &s->pacer, wav_tick);
    if (rc < 0) {
        sotto__audio_errf(err, errlen, "frame timer: %s", uv_strerror(rc));
        if (a->open_handles > 0) {
            sotto__pacer_close(&s->pacer);
            return rc;
        }
        goto fail;
    }
    return 0;
fail:
    wav_release(a);
    return rc;
}

static int wav_play(sotto_audio *a, const int16_t *pcm, size_t samples)
{
    wav_state *s = a->state;

    if (sotto_ring_writable(s->queue) < samples)
        return -EAGAIN;
    sotto_ring_write(s->queue, pcm, samples);
    return 0;
}

static void wav_close(sotto_audio *a)
{
    wav_state *s = a->state;

    sotto__pacer_close(&s->pacer);
}

static void wav_add_stats(const sotto_audio *a, sotto_audio_stats *stats)
{
    (void)a;
    (void)stats;
}

const sotto_audio_backend sotto__audio_backend_wav = {
    .name = "wav",
    .open = wav_open,
    .play = wav_play,
    .close = wav_close,
    .release = wav_release,
    .add_stats = wav_add_stats,
};
