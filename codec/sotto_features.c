/* Feature analysis; every step mirrors features.py (which works in float64),
 * so sums and the YIN difference function are accumulated in double. */
#include "codec/sotto_features.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "codec/fft.h"

#define YIN_THRESHOLD 0.15
#define DB_FLOOR 1e-10
#define SILENCE_ENERGY (1e-7 * SOTTO_FEAT_PKT)   /* block energy below: digital silence */
#define INITIAL_LAG 100.0

struct sotto_features {
    sotto_fft *fft;                                     /* 512-point plan */
    float weights[SOTTO_FEAT_BANDS][SOTTO_FEAT_NBINS];  /* triangular mel weights, unit sum */
    int first_bin[SOTTO_FEAT_BANDS];                    /* first non-zero weight */
    int last_bin[SOTTO_FEAT_BANDS];                     /* last non-zero weight */
    double window[SOTTO_FEAT_WIN];                      /* periodic Hann */
    double window_power;                                /* sum of window^2 */
    float frame[SOTTO_FEAT_NFFT];                       /* scratch: windowed, zero-padded */
    float re[SOTTO_FEAT_NBINS];                         /* scratch spectrum */
    float im[SOTTO_FEAT_NBINS];
    double cmnd[SOTTO_FEAT_LAG_MAX + 1];                /* scratch: YIN d'(tau) */
    double prev_lag;                                    /* samples; 100 at reset */
    double prev_voicing;                                /* 0..1; 0 at reset */
};

static double hz_to_mel(double hz)
{
    return 2595.0 * log10(1.0 + hz / 700.0);
}

static double mel_to_hz(double mel)
{
    return 700.0 * (pow(10.0, mel / 2595.0) - 1.0);
}

static void band_layout(sotto_features *f)
{
    double edges[SOTTO_FEAT_BANDS + 2];
    double top = hz_to_mel(SOTTO_FEAT_SR / 2.0);
    int n_edges = SOTTO_FEAT_BANDS + 2;
    for (int i = 0; i < n_edges; i++)
        edges[i] = mel_to_hz(top * i / (n_edges - 1));
    for (int b = 0; b < SOTTO_FEAT_BANDS; b++) {
        double lo = edges[b], mid = edges[b + 1], hi = edges[b + 2];
        double row[SOTTO_FEAT_NBINS];
        double sum = 0.0;
        for (int k = 0; k < SOTTO_FEAT_NBINS; k++) {
            double hz = (double)k * SOTTO_FEAT_SR / SOTTO_FEAT_NFFT;
            double up = (hz - lo) / (mid - lo), down = (hi - hz) / (hi - mid);
            double w = up < down ? up : down;
            row[k] = w > 0.0 ? w : 0.0;
            sum += row[k];
        }
        f->first_bin[b] = SOTTO_FEAT_NBINS;
        f->last_bin[b] = -1;
        for (int k = 0; k < SOTTO_FEAT_NBINS; k++) {
            f->weights[b][k] = (float)(row[k] / sum);
            if (f->weights[b][k] != 0.0f) {
                if (k < f->first_bin[b])
                    f->first_bin[b] = k;
                f->last_bin[b] = k;
            }
        }
    }
}

int sotto__features_create(sotto_features **out)
{
    if (out == NULL)
        return -EINVAL;
    sotto_features *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    int rc = sotto_fft_create(&f->fft, SOTTO_FEAT_NFFT);
    if (rc != 0)
        goto fail;
    band_layout(f);
    f->window_power = 0.0;
    for (int i = 0; i < SOTTO_FEAT_WIN; i++) {
        f->window[i] = 0.5 - 0.5 * cos(2.0 * M_PI * i / SOTTO_FEAT_WIN);
        f->window_power += f->window[i] * f->window[i];
    }
    sotto__features_reset(f);
    *out = f;
    return 0;
fail:
    sotto__features_destroy(&f);
    return rc;
}

void sotto__features_destroy(sotto_features **f)
{
    if (f == NULL || *f == NULL)
        return;
    sotto_fft_destroy(&(*f)->fft);
    free(*f);
    *f = NULL;
}

void sotto__features_reset(sotto_features *f)
{
    if (f == NULL)
        return;
    f->prev_lag = INITIAL_LAG;
    f->prev_voicing = 0.0;
}

const float *sotto__features_band_weights(const sotto_features *f, int b)
{
    if (f == NULL || b < 0 || b >= SOTTO_FEAT_BANDS)
        return NULL;
    return f->weights[b];
}

void sotto__features_bands(sotto_features *f, const float *frame, float *out_bands)
{
    if (f == NULL || frame == NULL || out_bands == NULL)
        return;
    for (int i = 0; i < SOTTO_FEAT_WIN; i++)
        f->frame[i] = (float)(frame[i] * f->window[i]);
    for (int i = SOTTO_FEAT_WIN; i < SOTTO_FEAT_NFFT; i++)
        f->frame[i] = 0.0f;
    sotto_fft_forward(f->fft, f->frame, f->re, f->im);
    double power[SOTTO_FEAT_NBINS];
    for (int k = 0; k < SOTTO_FEAT_NBINS; k++)
        power[k] = ((double)f->re[k] * f->re[k] + (double)f->im[k] * f->im[k]) / f->window_power;
    for (int b = 0; b < SOTTO_FEAT_BANDS; b++) {
        double acc = 0.0;
        for (int k = f->first_bin[b]; k <= f->last_bin[b]; k++)
            acc += power[k] * f->weights[b][k];
        out_bands[b] = (float)(10.0 * log10(acc + DB_FLOOR));
    }
}

/* YIN cumulative-mean-normalised difference of the block into f->cmnd;
 * returns the block energy. d(tau) = sum_n (x[n] - x[n - tau])^2 over the
 * block, computed directly (no cancellation, so it never goes negative). */
static double yin_cmnd(sotto_features *f, const float *block)
{
    double energy = 0.0;
    for (int i = 0; i < SOTTO_FEAT_PKT; i++)
        energy += (double)block[i] * block[i];
    double cum = 0.0;
    f->cmnd[0] = 1.0;
    for (int tau = 1; tau <= SOTTO_FEAT_LAG_MAX; tau++) {
        double d = 0.0;
        for (int i = 0; i < SOTTO_FEAT_PKT; i++) {
            double diff = (double)block[i] - block[i - tau];
            d += diff * diff;
        }
        cum += d;
        f->cmnd[tau] = d * tau / (cum > 1e-12 ? cum : 1e-12);
    }
    return energy;
}

static double refine(const double *c, int t)
{
    if (t <= SOTTO_FEAT_LAG_MIN || t >= SOTTO_FEAT_LAG_MAX)
        return t;
    double den = c[t - 1] - 2.0 * c[t] + c[t + 1];
    if (den <= 1e-12)
        return t;
    double shift = 0.5 * (c[t - 1] - c[t + 1]) / den;
    if (shift < -0.5)
        shift = -0.5;
    if (shift > 0.5)
        shift = 0.5;
    return t + shift;
}

/* First index of the smallest value of c[lo..hi]. */
static int argmin_range(const double *c, int lo, int hi)
{
    int best = lo;
    for (int t = lo + 1; t <= hi; t++)
        if (c[t] < c[best])
            best = t;
    return best;
}

/* Lag choice: first dip under the threshold (followed down to its local
 * minimum), else the global minimum; then prefer the minimum near a voiced
 * previous lag when nearly as good, which suppresses octave jumps. */
static int choose_lag(const sotto_features *f)
{
    const double *c = f->cmnd;
    int t = -1;
    for (int tau = SOTTO_FEAT_LAG_MIN; tau <= SOTTO_FEAT_LAG_MAX; tau++) {
        if (c[tau] < YIN_THRESHOLD) {
            t = tau;
            break;
        }
    }
    if (t >= 0) {
        while (t + 1 <= SOTTO_FEAT_LAG_MAX && c[t + 1] < c[t])
            t++;
    } else {
        t = argmin_range(c, SOTTO_FEAT_LAG_MIN, SOTTO_FEAT_LAG_MAX);
    }
    if (f->prev_voicing > 0.5) {
        int lo = (int)(f->prev_lag * 0.85);
        int hi = (int)ceil(f->prev_lag * 1.15);
        if (lo < SOTTO_FEAT_LAG_MIN)
            lo = SOTTO_FEAT_LAG_MIN;
        if (hi > SOTTO_FEAT_LAG_MAX)
            hi = SOTTO_FEAT_LAG_MAX;
        if (lo <= hi) {
            int tc = argmin_range(c, lo, hi);
            if (c[tc] < c[t] + 0.1)
                t = tc;
        }
    }
    return t;
}

void sotto__features_pitch(sotto_features *f, const float *block, float *out_lag,
                           float *out_voicing)
{
    if (f == NULL || block == NULL || out_lag == NULL || out_voicing == NULL)
        return;
    double energy = yin_cmnd(f, block);
    if (energy < SILENCE_ENERGY) {
        *out_lag = (float)f->prev_lag;
        *out_voicing = 0.0f;
        f->prev_voicing = 0.0;
        return;
    }
    int t = choose_lag(f);
    double lag = refine(f->cmnd, t);
    double v = 1.0 - f->cmnd[t];
    v = v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
    *out_lag = (float)lag;
    *out_voicing = (float)v;
    f->prev_lag = lag;
    f->prev_voicing = v;
}
