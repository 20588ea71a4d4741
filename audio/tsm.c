/* Pitch-synchronous time-scale modification (see audio/tsm.h): a stream
 * buffer whose newest `pending` samples are produced but not yet written
 * out, pitch search by normalised autocorrelation, period removal with a
 * cross-fade, and period repetition for expansion. */
#include "audio/tsm.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TSM_RATE_MIN 8000u
#define TSM_RATE_MAX 48000u
#define TSM_FRAME_MIN_MS 5u
#define TSM_FRAME_MAX_MS 120u
#define TSM_PITCH_MAX_HZ 400u       /* shortest period searched: 2.5 ms */
#define TSM_PITCH_MIN_MS 15u        /* longest period searched: 15 ms (67 Hz) */
#define TSM_VOICED_CORR 0.5         /* lag correlation that makes a pitch period */
#define TSM_SPLICE_CORR 0.7         /* splice similarity a one-period fade hides */
#define TSM_OCTAVE_SHARE 0.85       /* a lag this close to the best is the true period */
#define TSM_SILENCE_POWER 4.0       /* mean square (int16 units) below which audio is silence */
#define TSM_FADE_VOICED 0.7f        /* level kept by each repeated expand of a voiced period */
#define TSM_FADE_UNVOICED 0.6f      /* same for noise, which grows buzzy when repeated */
#define TSM_MUTE_GAIN 0.001f        /* expansion below this level is silence */

struct sotto_tsm {
    size_t frame;           /* samples per period (frame_samples at create) */
    size_t pitch_min;       /* shortest period searched, samples (rate / 400) */
    size_t pitch_max;       /* longest period searched, samples (15 ms, at most a frame) */
    size_t history;         /* samples kept before the pending ones (2 * pitch_max + frame) */
    size_t pending_limit;   /* most samples left pending after a call (pitch_max + frame / 2) */
    int16_t *stream;        /* newest samples of the produced stream; the last `pending`
                             * are not written out yet */
    size_t stream_cap;      /* history + pending_limit + 2 frames + pitch_max */
    size_t stream_len;      /* valid samples in stream (history zeros after reset) */
    size_t pending;         /* samples produced, not yet written out; default 0 */
    int16_t *work;          /* 2 frames: compress and play input being spliced */
    float *period;          /* pitch_max: the period an expansion repeats */
    size_t period_len;      /* samples in period */
    float *tail;            /* pitch_max: how the last expansion would go on */
    size_t tail_len;        /* samples in tail; 0 when no cross-fade is due */
    uint32_t expands;       /* consecutive expands; default 0 */
    float gain;             /* expansion level reached by the last expand; default 1 */
    int voiced;             /* 1 when period is a pitch period */
};

int sotto_tsm_reset(sotto_tsm *tsm)
{
    if (!tsm)
        return -EINVAL;
    memset(tsm->stream, 0, tsm->stream_cap * sizeof(*tsm->stream));
    tsm->stream_len = tsm->history;
    tsm->pending = 0;
    tsm->period_len = 0;
    tsm->tail_len = 0;
    tsm->expands = 0;
    tsm->gain = 1.0f;
    tsm->voiced = 0;
    return 0;
}

int sotto_tsm_create(sotto_tsm **out_tsm, uint32_t rate, size_t frame_samples)
{
    sotto_tsm *tsm = NULL;

    if (!out_tsm || rate < TSM_RATE_MIN || rate > TSM_RATE_MAX
        || frame_samples < (size_t)rate * TSM_FRAME_MIN_MS / 1000
        || frame_samples > (size_t)rate * TSM_FRAME_MAX_MS / 1000)
        return -EINVAL;
    tsm = calloc(1, sizeof(*tsm));
    if (!tsm)
        goto fail;
    tsm->frame = frame_samples;
    tsm->pitch_min = rate / TSM_PITCH_MAX_HZ;
    tsm->pitch_max = (size_t)rate * TSM_PITCH_MIN_MS / 1000;
    if (tsm->pitch_max > frame_samples)
        tsm->pitch_max = frame_samples;
    tsm->history = 2 * tsm->pitch_max + frame_samples;
    tsm->pending_limit = tsm->pitch_max + frame_samples / 2;
    tsm->stream_cap = tsm->history + tsm->pending_limit + 2 * frame_samples + tsm->pitch_max;
    tsm->stream = calloc(tsm->stream_cap, sizeof(*tsm->stream));
    tsm->work = calloc(2 * frame_samples, sizeof(*tsm->work));
    tsm->period = calloc(tsm->pitch_max, sizeof(*tsm->period));
    tsm->tail = calloc(tsm->pitch_max, sizeof(*tsm->tail));
    if (!tsm->stream || !tsm->work || !tsm->period || !tsm->tail)
        goto fail;
    sotto_tsm_reset(tsm);
    *out_tsm = tsm;
    return 0;
fail:
    sotto_tsm_destroy(&tsm);
    return -ENOMEM;
}

void sotto_tsm_destroy(sotto_tsm **tsm)
{
    if (!tsm || !*tsm)
        return;
    free((*tsm)->stream);
    free((*tsm)->work);
    free((*tsm)->period);
    free((*tsm)->tail);
    free(*tsm);
    *tsm = NULL;
}

size_t sotto_tsm_pending(const sotto_tsm *tsm)
{
    return tsm ? tsm->pending : 0;
}

static int16_t tsm_clip(double v)
{
    if (v >= 32767.0)
        return 32767;
    if (v <= -32768.0)
        return -32768;
    return (int16_t)lrint(v);
}

/* Normalised cross-correlation of a and b over n samples; 0 when either
 * is silent. */
static double tsm_corr(const int16_t *a, const int16_t *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;

    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (aa < TSM_SILENCE_POWER * (double)n || bb < TSM_SILENCE_POWER * (double)n)
        return 0;
    return ab / sqrt(aa * bb);
}

/* Correlation at lag: forward compares x[0..w) with x[lag..lag+w) (the
 * start of compress input); backward compares the last w samples of x
 * with the w samples lag earlier (the end of the history). */
static double tsm_lag_corr(const sotto_tsm *tsm, const int16_t *x, size_t x_len, int backward,
                           size_t lag)
{
    size_t w = backward ? tsm->pitch_max : x_len - tsm->pitch_max;
    const int16_t *late = backward ? x + x_len - w : x + lag;
    const int16_t *early = backward ? late - lag : x;
    return tsm_corr(early, late, w);
}

/* Pitch period of x in samples, or 0 when x is not voiced. A lag whose
 * divisor correlates nearly as well is a multiple of the period: the
 * divisor is taken, so a 200 Hz tone gives 5 ms, not 10. */
static size_t tsm_find_pitch(const sotto_tsm *tsm, const int16_t *x, size_t x_len, int backward)
{
    size_t best = 0;
    double best_r = TSM_VOICED_CORR;

    for (size_t lag = tsm->pitch_min; lag <= tsm->pitch_max; lag++) {
        double r = tsm_lag_corr(tsm, x, x_len, backward, lag);
        if (r > best_r) {
            best_r = r;
            best = lag;
        }
    }
    if (best == 0)
        return 0;
    for (size_t k = 4; k >= 2; k--) {
        size_t center = (best + k / 2) / k;
        if (center <= tsm->pitch_min)
            continue;
        for (size_t lag = center - 1; lag <= center + 1; lag++)
            if (tsm_lag_corr(tsm, x, x_len, backward, lag) >= TSM_OCTAVE_SHARE * best_r)
                return lag;
    }
    return best;
}

/* Appends n samples to the produced stream, dropping the oldest history
 * when full; they become pending. */
static int16_t *tsm_append_slot(sotto_tsm *tsm, size_t n)
{
    if (tsm->stream_len + n > tsm->stream_cap) {
        size_t drop = tsm->stream_len + n - tsm->stream_cap;
        memmove(tsm->stream, tsm->stream + drop, (tsm->stream_len - drop) * sizeof(*tsm->stream));
        tsm->stream_len -= drop;
    }
    int16_t *slot = tsm->stream + tsm->stream_len;
    tsm->stream_len += n;
    tsm->pending += n;
    return slot;
}

/* Writes the oldest pending frame to out. */
static void tsm_take(sotto_tsm *tsm, int16_t *out)
{
    memcpy(out, tsm->stream + tsm->stream_len - tsm->pending, tsm->frame * sizeof(*out));
    tsm->pending -= tsm->frame;
}

/* Cross-fades the start of x in from the continuation of the last
 * expansion, so a frame after an expand (faded, or a period that was not
 * quite right) joins without a step. */
static void tsm_merge_tail(sotto_tsm *tsm, int16_t *x, size_t n)
{
    size_t len = tsm->tail_len < n ? tsm->tail_len : n;

    for (size_t i = 0; i < len; i++) {
        double w = (double)(i + 1) / (double)(len + 1);
        x[i] = tsm_clip(tsm->tail[i] * (1.0 - w) + x[i] * w);
    }
    tsm->tail_len = 0;
    tsm->expands = 0;
    tsm->gain = 1.0f;
}

int sotto_tsm_play(sotto_tsm *tsm, const int16_t *in, size_t in_len, int16_t *out,
                   size_t out_len)
{
    if (!tsm || !in || !out || in_len != tsm->frame || out_len != tsm->frame)
        return -EINVAL;
    int16_t *slot = tsm_append_slot(tsm, in_len);
    memcpy(slot, in, in_len * sizeof(*in));
    tsm_merge_tail(tsm, slot, in_len);
    tsm_take(tsm, out);
    return 0;
}

/* Best removal for voiced input x (2 frames): a whole number of periods
 * near k * pitch whose start matches x's start, at most `most` samples and
 * at least `least`. Returns the length, or 0 when no splice is clean. */
static size_t tsm_voiced_cut(const sotto_tsm *tsm, const int16_t *x, size_t pitch, size_t least,
                             size_t most)
{
    size_t n = 2 * tsm->frame, slack = pitch / 8 > 2 ? pitch / 8 : 2;

    for (size_t k = most / pitch; k >= 1; k--) {
        size_t center = k * pitch;
        size_t lo = center > slack ? center - slack : 1;
        size_t hi = center + slack;
        if (hi > most)
            hi = most;
        if (hi + pitch > n)
            hi = n - pitch;
        if (lo < least)
            lo = least;
        if (hi < least)
            break;
        size_t best = 0;
        double best_r = TSM_SPLICE_CORR;
        for (size_t cut = lo; cut <= hi; cut++) {
            double r = tsm_corr(x, x + cut, pitch);
            if (r >= best_r) {
                best_r = r;
                best = cut;
            }
        }
        if (best)
            return best;
    }
    return 0;
}

int sotto_tsm_compress(sotto_tsm *tsm, const int16_t *in, size_t in_len, int16_t *out,
                       size_t out_len)
{
    if (!tsm || !in || !out || in_len != 2 * tsm->frame || out_len != tsm->frame)
        return -EINVAL;
    int16_t *x = tsm->work;
    size_t n = in_len;
    memcpy(x, in, n * sizeof(*x));
    tsm_merge_tail(tsm, x, n);

    /* Removing `cut` samples leaves pending + frame - cut behind: never
     * negative, never above the limit. */
    size_t most = tsm->frame + tsm->pending;
    size_t least = most > tsm->pending_limit ? most - tsm->pending_limit : 1;
    size_t pitch = tsm_find_pitch(tsm, x, n, 0);
    size_t cut = pitch ? tsm_voiced_cut(tsm, x, pitch, least, most) : 0;
    size_t fade = pitch;
    if (cut == 0) {
        /* Noise or silence: no period to keep, so one long fade over
         * what is left; at least a quarter frame of it. */
        size_t longest = n - tsm->frame / 4;
        cut = most < longest ? most : longest;
        fade = n - cut;
    }
    for (size_t i = 0; i < fade; i++) {
        double w = (double)(i + 1) / (double)(fade + 1);
        x[i] = tsm_clip(x[i] * (1.0 - w) + x[cut + i] * w);
    }
    memmove(x + fade, x + cut + fade, (n - cut - fade) * sizeof(*x));
    memcpy(tsm_append_slot(tsm, n - cut), x, (n - cut) * sizeof(*x));
    tsm_take(tsm, out);
    return 0;
}

/* Takes the period to repeat from the end of the stream. Its last
 * quarter is blended towards the samples one period earlier, which lead
 * into its first sample: the repetitions then join smoothly. */
static void tsm_take_period(sotto_tsm *tsm)
{
    size_t span = 2 * tsm->pitch_max;
    const int16_t *h = tsm->stream + tsm->stream_len - span;
    size_t pitch = tsm_find_pitch(tsm, h, span, 1);
    const int16_t *end = h + span;

    tsm->voiced = pitch != 0;
    if (!pitch)
        pitch = tsm->pitch_max;
    size_t blend = pitch / 4;
    for (size_t i = 0; i < pitch; i++) {
        double v = end[(ptrdiff_t)i - (ptrdiff_t)pitch];
        if (i >= pitch - blend) {
            double w = (double)(i - (pitch - blend) + 1) / (double)(blend + 1);
            v = v * (1.0 - w) + end[(ptrdiff_t)i - 2 * (ptrdiff_t)pitch] * w;
        }
        tsm->period[i] = (float)v;
    }
    tsm->period_len = pitch;
    tsm->gain = 1.0f;
}

int sotto_tsm_expand(sotto_tsm *tsm, int16_t *out, size_t out_len)
{
    if (!tsm || !out || out_len != tsm->frame)
        return -EINVAL;
    if (tsm->expands == 0)
        tsm_take_period(tsm);
    size_t p = tsm->period_len;
    float g0 = tsm->gain;
    float g1 = tsm->expands == 0 && tsm->voiced ? g0
               : g0 * (tsm->voiced ? TSM_FADE_VOICED : TSM_FADE_UNVOICED);
    if (g1 < TSM_MUTE_GAIN)
        g1 = 0;
    /* Whole periods, so the stream ends where the frame due next begins. */
    size_t need = tsm->frame > tsm->pending ? tsm->frame - tsm->pending : 1;
    size_t len = (need + p - 1) / p * p;
    int16_t *slot = tsm_append_slot(tsm, len);
    for (size_t j = 0; j < len; j++) {
        float g = g0 + (g1 - g0) * (float)(j + 1) / (float)len;
        slot[j] = tsm_clip((double)tsm->period[j % p] * g);
    }
    for (size_t j = 0; j < p; j++)
        tsm->tail[j] = tsm->period[j] * g1;
    tsm->tail_len = p;
    tsm->gain = g1;
    if (tsm->expands < UINT32_MAX)
        tsm->expands++;
    tsm_take(tsm, out);
    return 0;
}
