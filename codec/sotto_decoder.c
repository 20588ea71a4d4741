/* Sotto decoder: dequantised features -> frame-rate network -> harmonic-plus-noise
 * synthesis, a port of scripts/train/model.py (Decoder.params / envelopes / synth).
 *
 * Streaming schedule: the excitation window of synthesis frame i spans the f0 ramps
 * into entries i and i + 1, so frame i is built when entry i + 1 arrives.  That makes
 * the output 160 samples later than model.py's whole-utterance output, and then equal
 * to it.  Entry 0 is a copy of the first subframe (model.py's warm-up). */
#include "codec/sotto_decoder.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/fft.h"
#include "codec/nnet.h"
#include "codec/sotto_plc.h"
#include "codec/sotto_quant.h"
#include "codec/sotto_weights.h"

#define SR 16000.0f
#define LN10 2.302585093f
#define LOG_AMP_MIN (-60.0f) /* clamp of natural-log magnitudes: keeps exp() finite */
#define LOG_AMP_MAX 30.0f
#define NOISE_SEED 1u

_Static_assert(SOTTO_DEC_HIDDEN <= SOTTO_NNET_MAX_HIDDEN, "GRU wider than nnet scratch");
_Static_assert(3 * SOTTO_DEC_COND <= SOTTO_NNET_MAX_WIDTH * SOTTO_NNET_MAX_KERNEL,
               "conv input wider than nnet scratch");

typedef struct {
    float bands[SOTTO_NBANDS]; /* dB */
    float f0;                  /* Hz */
    float voicing;             /* 0..1 */
    float corr[SOTTO_DEC_OUT]; /* network corrections */
} entry_params;

struct sotto_decoder {
    sotto_mode mode;            /* of the packets decoded now (sotto_decoder_set_mode) */
    sotto_weights *weights;     /* owns every tensor below */
    sotto_codebooks books;      /* borrowed from weights */
    sotto_nnet_kernels kern;    /* scalar or AVX2 */
    sotto_fft *fft;             /* 512-point plan */
    float *conv_w;              /* both conv layers, reordered [out][k][in] */
    sotto_conv1d conv1, conv2;  /* 35 -> 128 -> 128, k 3, tanh */
    sotto_gru gru;              /* 128 -> 256 */
    sotto_dense fc, out;        /* 256 -> 256 tanh, 256 -> 96 */
    const float *interp;        /* [257][32] band -> bin interpolation */
    const float *bins_hz;       /* [257] bin frequencies, Hz */
    float win[2 * SOTTO_SUB];   /* Hann 320 (squared sqrt-Hann, as model.py) */
    float fold[SOTTO_DEC_NFFT]; /* cepstrum folding for minimum phase */
    sotto_plc_net plc_net;      /* packet-loss predictor */
    /* state, cleared by reset */
    float conv1_hist[2 * SOTTO_DEC_IN];   /* previous 2 network inputs */
    float conv2_hist[2 * SOTTO_DEC_COND]; /* previous 2 conv1 outputs */
    float gru_h[SOTTO_DEC_HIDDEN];        /* GRU state */
    int have_pending;                     /* 1 once entry 0 was seen */
    entry_params pending;                 /* entry waiting for its frame */
    float exc_prev[SOTTO_SUB];            /* previous excitation block */
    float noise_prev[SOTTO_SUB];          /* previous noise block */
    double phase;                         /* pulse-train phase, cycles in [0, 1) */
    uint32_t noise_state;                 /* xorshift32, seed NOISE_SEED */
    float ola[SOTTO_DEC_NFFT];            /* overlap-add accumulator, first sample next out */
    sotto_plc_state plc;                  /* concealment state */
    sotto_pred_state pred;                /* inter-packet shape prediction */
};

static const float *need(const sotto_weights *w, const char *name, int ndim, uint32_t d0,
                         uint32_t d1, uint32_t d2, const char **missing)
{
    uint32_t dims[3] = { d0, d1, d2 };
    const float *p = sotto_weights_get(w, name, ndim, dims);
    if (!p && !*missing)
        *missing = name;
    return p;
}

static int bind_network(sotto_decoder *d, char *err, size_t err_len)
{
    const sotto_weights *w = d->weights;
    const char *miss = NULL;
    const float *c1, *c2;
    enum {
        C = SOTTO_DEC_COND,
        H = SOTTO_DEC_HIDDEN
    };

    c1 = need(w, "decoder.conv1.weight", 3, C, SOTTO_DEC_IN, 3, &miss);
    c2 = need(w, "decoder.conv2.weight", 3, C, C, 3, &miss);
    d->conv1 = (sotto_conv1d){ NULL, need(w, "decoder.conv1.bias", 1, C, 0, 0, &miss), SOTTO_DEC_IN,
                               C, 3 };
    d->conv2 = (sotto_conv1d){ NULL, need(w, "decoder.conv2.bias", 1, C, 0, 0, &miss), C, C, 3 };
    d->gru = (sotto_gru){ need(w, "decoder.gru.weight_ih_l0", 2, 3 * H, C, 0, &miss),
                          need(w, "decoder.gru.weight_hh_l0", 2, 3 * H, H, 0, &miss),
                          need(w, "decoder.gru.bias_ih_l0", 1, 3 * H, 0, 0, &miss),
                          need(w, "decoder.gru.bias_hh_l0", 1, 3 * H, 0, 0, &miss),
                          C,
                          H };
    d->fc = (sotto_dense){ need(w, "decoder.fc.weight", 2, H, H, 0, &miss),
                           need(w, "decoder.fc.bias", 1, H, 0, 0, &miss), H, H };
    d->out = (sotto_dense){ need(w, "decoder.out.weight", 2, SOTTO_DEC_OUT, H, 0, &miss),
                            need(w, "decoder.out.bias", 1, SOTTO_DEC_OUT, 0, 0, &miss), H,
                            SOTTO_DEC_OUT };
    d->interp = need(w, "decoder.interp", 2, SOTTO_DEC_NBINS, SOTTO_NBANDS, 0, &miss);
    d->bins_hz = need(w, "decoder.bins_hz", 1, SOTTO_DEC_NBINS, 0, 0, &miss);
    const float *sqrt_hann = need(w, "decoder.sqrt_hann", 1, 2 * SOTTO_SUB, 0, 0, &miss);
    if (miss) {
        if (err && err_len)
            snprintf(err, err_len, "weights: %s missing or misshapen", miss);
        return -EINVAL;
    }
    size_t n1 = (size_t)C * SOTTO_DEC_IN * 3, n2 = (size_t)C * C * 3;
    d->conv_w = malloc((n1 + n2) * sizeof *d->conv_w);
    if (!d->conv_w)
        return -ENOMEM;
    sotto_conv1d_reorder(c1, C, SOTTO_DEC_IN, 3, d->conv_w);
    sotto_conv1d_reorder(c2, C, C, 3, d->conv_w + n1);
    d->conv1.w = d->conv_w;
    d->conv2.w = d->conv_w + n1;
    for (int i = 0; i < 2 * SOTTO_SUB; i++)
        d->win[i] = sqrt_hann[i] * sqrt_hann[i];
    for (int i = 0; i < SOTTO_DEC_NFFT; i++)
        d->fold[i] = (i == 0 || i == SOTTO_DEC_NFFT / 2) ? 1.0f
                     : (i < SOTTO_DEC_NFFT / 2)          ? 2.0f
                                                         : 0.0f;
    return 0;
}

int sotto__decoder_create_from(sotto_decoder **out, sotto_mode mode, const uint8_t *blob,
                               size_t len, int allow_simd, char *err, size_t err_len)
{
    static const char *const keep[] = { "decoder.", "plc.", "quant.", NULL };
    sotto_decoder *d = NULL;
    int rc;

    if (!out || !blob || sotto_mode_frame_samples(mode) == 0)
        return -EINVAL;
    rc = -ENOMEM;
    d = calloc(1, sizeof *d);
    if (!d)
        goto fail;
    d->mode = mode;
    rc = sotto_weights_parse(&d->weights, blob, len, keep, err, err_len);
    if (rc)
        goto fail;
    rc = bind_network(d, err, err_len);
    if (rc)
        goto fail;
    rc = sotto__codebooks_from_weights(&d->books, d->weights, err, err_len);
    if (rc) {
        rc = rc == -ENOMEM ? rc : -EINVAL;
        goto fail;
    }
    rc = sotto_plc_bind(&d->plc_net, d->weights, err, err_len);
    if (rc)
        goto fail;
    rc = sotto_fft_create(&d->fft, SOTTO_DEC_NFFT);
    if (rc)
        goto fail;
    sotto_nnet_kernels_init(&d->kern, allow_simd);
    sotto_decoder_reset(d);
    *out = d;
    return 0;
fail:
    sotto_decoder_destroy(&d);
    return rc;
}

int sotto_decoder_create(sotto_decoder **out, sotto_mode mode)
{
    const uint8_t *blob;
    size_t len;

    sotto_weights_embedded(&blob, &len);
    return sotto__decoder_create_from(out, mode, blob, len, 1, NULL, 0);
}

void sotto_decoder_destroy(sotto_decoder **d)
{
    if (!d || !*d)
        return;
    sotto_fft_destroy(&(*d)->fft);
    sotto_weights_destroy(&(*d)->weights);
    free((*d)->conv_w);
    free(*d);
    *d = NULL;
}

int sotto_decoder_reset(sotto_decoder *d)
{
    if (!d)
        return -EINVAL;
    memset(d->conv1_hist, 0, sizeof d->conv1_hist);
    memset(d->conv2_hist, 0, sizeof d->conv2_hist);
    memset(d->gru_h, 0, sizeof d->gru_h);
    memset(d->ola, 0, sizeof d->ola);
    d->have_pending = 0;
    d->phase = 0.0;
    d->noise_state = NOISE_SEED;
    sotto_plc_reset(&d->plc);
    sotto__pred_reset(&d->books, d->mode, &d->pred);
    return 0;
}

int sotto_decoder_restart_prediction(sotto_decoder *d)
{
    if (!d)
        return -EINVAL;
    sotto__pred_reset(&d->books, d->mode, &d->pred);
    return 0;
}

int sotto_decoder_set_mode(sotto_decoder *d, sotto_mode mode)
{
    if (!d || sotto_mode_frame_samples(mode) == 0)
        return -EINVAL;
    if (mode == d->mode)
        return 0;
    /* The network, synthesis and concealment run per 10 ms subframe and
     * carry on; only the predictor is mode-specific (BITSTREAM.md). */
    d->mode = mode;
    sotto__pred_reset(&d->books, mode, &d->pred);
    return 0;
}

sotto_mode sotto_decoder_get_mode(const sotto_decoder *d)
{
    return d ? d->mode : SOTTO_MODE_3200;
}

int sotto__decoder_uses_simd(const sotto_decoder *d)
{
    return d ? d->kern.simd : 0;
}

/* ------------------------------------------------------------------ network */

static void run_network(sotto_decoder *d, const entry_params *p, float *corr)
{
    float x[SOTTO_DEC_IN], y1[SOTTO_DEC_COND], y2[SOTTO_DEC_COND], y3[SOTTO_DEC_HIDDEN];

    for (int b = 0; b < SOTTO_NBANDS; b++)
        x[b] = (p->bands[b] + 50.0f) / 20.0f;
    x[SOTTO_NBANDS] = log2f(p->f0) - 7.5f;
    x[SOTTO_NBANDS + 1] = p->voicing - 0.5f;
    x[SOTTO_NBANDS + 2] = d->mode == SOTTO_MODE_2000 ? 1.0f : 0.0f;
    sotto_conv1d_run(&d->kern, &d->conv1, d->conv1_hist, x, y1, SOTTO_ACT_TANH);
    sotto_conv1d_run(&d->kern, &d->conv2, d->conv2_hist, y1, y2, SOTTO_ACT_TANH);
    sotto_gru_run(&d->kern, &d->gru, d->gru_h, y2);
    sotto_dense_run(&d->kern, &d->fc, d->gru_h, y3, SOTTO_ACT_TANH);
    sotto_dense_run(&d->kern, &d->out, y3, corr, SOTTO_ACT_LINEAR);
}

/* ------------------------------------------------------------------ sources */

static void noise_block(sotto_decoder *d, float *out)
{
    uint32_t s = d->noise_state;
    for (int i = 0; i < SOTTO_SUB; i++) {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        out[i] = (float)(((double)(s >> 8) / 16777216.0 - 0.5) * 3.4641016151377544);
    }
    d->noise_state = s;
}

/* Pulse train for one block, f0 ramping linearly from f0_from to f0_to. */
static void pulse_block(sotto_decoder *d, float f0_from, float f0_to, float *out)
{
    for (int i = 0; i < SOTTO_SUB; i++) {
        float ramp = (float)(i + 1) / (float)SOTTO_SUB;
        double f0 = (double)(f0_from + (f0_to - f0_from) * ramp);
        double k = floor(7600.0 / f0);
        d->phase += f0 / 16000.0;
        d->phase -= floor(d->phase);
        double den = 2.0 * sin(M_PI * d->phase);
        out[i] = fabs(den) > 1e-6 ? (float)(sin((k + 0.5) * 2.0 * M_PI * d->phase) / den - 0.5)
                                  : (float)k;
    }
}

/* ------------------------------------------------------------------ synthesis */

static float log_sigmoid(float x)
{
    return fminf(x, 0.0f) - log1pf(expf(-fabsf(x)));
}

static float clamp_log(float v)
{
    return fminf(fmaxf(v, LOG_AMP_MIN), LOG_AMP_MAX);
}

/* Harmonic (complex, minimum phase) and noise (real) filters on the 257 bins. */
static void make_filters(const sotto_decoder *d, const entry_params *p, float *h_re, float *h_im,
                         float *n_mag)
{
    float log_h[SOTTO_DEC_NBINS], ceps[SOTTO_DEC_NFFT], zero[SOTTO_DEC_NBINS] = { 0 };
    float log_f0 = logf(4.0f * p->f0 / SR);
    float mix_base = 12.0f * (p->voicing - 0.5f);

    for (int k = 0; k < SOTTO_DEC_NBINS; k++) {
        const float *row = d->interp + (size_t)k * SOTTO_NBANDS;
        float e = 0.0f, ch = 0.0f, cn = 0.0f, cm = 0.0f;
        for (int b = 0; b < SOTTO_NBANDS; b++) {
            e += p->bands[b] * row[b];
            ch += p->corr[b] * 10.0f * row[b];
            cn += p->corr[SOTTO_NBANDS + b] * 10.0f * row[b];
            cm += p->corr[2 * SOTTO_NBANDS + b] * 4.0f * row[b];
        }
        float logit = mix_base - 6.0f * d->bins_hz[k] / 8000.0f + cm;
        float log_ph = log_sigmoid(logit) + (e + ch) * LN10 / 10.0f;
        float log_pn = log_sigmoid(-logit) + (e + cn) * LN10 / 10.0f;
        log_h[k] = clamp_log(0.5f * (log_ph + log_f0));
        n_mag[k] = expf(clamp_log(0.5f * log_pn));
    }
    /* minimum phase from the folded real cepstrum of the log magnitude */
    sotto_fft_inverse(d->fft, log_h, zero, ceps);
    for (int i = 0; i < SOTTO_DEC_NFFT; i++)
        ceps[i] *= d->fold[i];
    float ph_re[SOTTO_DEC_NBINS], ph_im[SOTTO_DEC_NBINS];
    sotto_fft_forward(d->fft, ceps, ph_re, ph_im);
    for (int k = 0; k < SOTTO_DEC_NBINS; k++) {
        float mag = expf(log_h[k]);
        h_re[k] = mag * cosf(ph_im[k]);
        h_im[k] = mag * sinf(ph_im[k]);
    }
}

/* Builds the frame of params p over excitation and noise blocks (prev, cur) and
 * overlap-adds it; then moves the first SOTTO_SUB finished samples to out. */
static void synth_frame(sotto_decoder *d, const entry_params *p, const float *exc_cur,
                        const float *noise_cur, float *out)
{
    float h_re[SOTTO_DEC_NBINS], h_im[SOTTO_DEC_NBINS], n_mag[SOTTO_DEC_NBINS];
    float xe[SOTTO_DEC_NFFT] = { 0 }, xn[SOTTO_DEC_NFFT] = { 0 };
    float e_re[SOTTO_DEC_NBINS], e_im[SOTTO_DEC_NBINS], n_re[SOTTO_DEC_NBINS],
        n_im[SOTTO_DEC_NBINS], y[SOTTO_DEC_NFFT];

    make_filters(d, p, h_re, h_im, n_mag);
    for (int i = 0; i < SOTTO_SUB; i++) {
        xe[i] = d->exc_prev[i] * d->win[i];
        xe[SOTTO_SUB + i] = exc_cur[i] * d->win[SOTTO_SUB + i];
        xn[i] = d->noise_prev[i] * d->win[i];
        xn[SOTTO_SUB + i] = noise_cur[i] * d->win[SOTTO_SUB + i];
    }
    sotto_fft_forward(d->fft, xe, e_re, e_im);
    sotto_fft_forward(d->fft, xn, n_re, n_im);
    for (int k = 0; k < SOTTO_DEC_NBINS; k++) {
        float re = e_re[k] * h_re[k] - e_im[k] * h_im[k] + n_re[k] * n_mag[k];
        float im = e_re[k] * h_im[k] + e_im[k] * h_re[k] + n_im[k] * n_mag[k];
        e_re[k] = re;
        e_im[k] = im;
    }
    sotto_fft_inverse(d->fft, e_re, e_im, y);
    for (int i = 0; i < SOTTO_DEC_NFFT; i++)
        d->ola[i] += y[i];
    memcpy(out, d->ola, SOTTO_SUB * sizeof *out);
    memmove(d->ola, d->ola + SOTTO_SUB, (SOTTO_DEC_NFFT - SOTTO_SUB) * sizeof *d->ola);
    memset(d->ola + SOTTO_DEC_NFFT - SOTTO_SUB, 0, SOTTO_SUB * sizeof *d->ola);
}

/* One entry (10 ms of features).  Writes SOTTO_SUB samples to out and returns 1 when
 * a frame was finished, 0 for the very first entry. */
static int push_entry(sotto_decoder *d, const float *feat, float *out)
{
    entry_params p;
    float exc[SOTTO_SUB], noise[SOTTO_SUB];
    float lag = feat[SOTTO_FEAT_LAG];

    memcpy(p.bands, feat, sizeof p.bands);
    if (!(lag >= SOTTO_LAG_MIN))
        lag = SOTTO_LAG_MIN;
    if (lag > SOTTO_LAG_MAX)
        lag = SOTTO_LAG_MAX;
    p.f0 = SR / lag;
    p.voicing = feat[SOTTO_FEAT_VOICING];
    run_network(d, &p, p.corr);
    pulse_block(d, d->have_pending ? d->pending.f0 : p.f0, p.f0, exc);
    noise_block(d, noise);
    int done = d->have_pending;
    if (done)
        synth_frame(d, &d->pending, exc, noise, out);
    d->pending = p;
    memcpy(d->exc_prev, exc, sizeof exc);
    memcpy(d->noise_prev, noise, sizeof noise);
    d->have_pending = 1;
    return done;
}

static void push_subframe(sotto_decoder *d, const float *feat, float *out)
{
    if (!d->have_pending)
        push_entry(d, feat, out); /* model.py's warm-up: the first subframe twice */
    push_entry(d, feat, out);
}

int sotto__decode_features(sotto_decoder *d, const float *feat, int n_sub, float *out)
{
    if (!d || !feat || !out || n_sub < 0)
        return -EINVAL;
    for (int s = 0; s < n_sub; s++)
        push_subframe(d, feat + (size_t)s * SOTTO_FEAT_DIM, out + (size_t)s * SOTTO_SUB);
    return 0;
}

static void to_pcm(const float *in, size_t n, int16_t *out)
{
    for (size_t i = 0; i < n; i++) {
        float v = in[i] * 32768.0f;
        if (!(v > -32768.0f))
            v = isnan(v) ? 0.0f : -32768.0f;
        if (v > 32767.0f)
            v = 32767.0f;
        out[i] = (int16_t)lrintf(v);
    }
}

/* Decodes one packet's features (n_sub subframes) to PCM. */
static void render(sotto_decoder *d, const float *feat, int n_sub, int16_t *out)
{
    float pcm[SOTTO_MAX_SUBFRAMES * SOTTO_SUB];
    sotto__decode_features(d, feat, n_sub, pcm);
    to_pcm(pcm, (size_t)n_sub * SOTTO_SUB, out);
}

int sotto_decode(sotto_decoder *d, const uint8_t *packet, size_t len, int16_t *out)
{
    uint16_t idx[SOTTO_MAX_FIELDS];
    float feat[SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_DIM];

    if (!d || !packet || !out || len != sotto_mode_packet_bytes(d->mode))
        return -EINVAL;
    if (sotto__unpack(d->mode, packet, len, idx))
        return -EINVAL;
    sotto__dequantise(&d->books, d->mode, idx, &d->pred, feat);
    int n_sub = sotto__mode_layout(d->mode)->n_sub;
    for (int s = 0; s < n_sub; s += 2)
        sotto_plc_update(&d->plc_net, &d->kern, &d->plc, feat + (size_t)s * SOTTO_FEAT_DIM);
    render(d, feat, n_sub, out);
    return 0;
}

int sotto_conceal(sotto_decoder *d, int16_t *out)
{
    float feat[SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_DIM];

    if (!d || !out)
        return -EINVAL;
    int n_sub = sotto__mode_layout(d->mode)->n_sub;
    for (int s = 0; s < n_sub; s += 2)
        sotto_plc_conceal(&d->plc_net, &d->kern, &d->plc, feat + (size_t)s * SOTTO_FEAT_DIM);
    sotto__pred_conceal(&d->books, d->mode, &d->pred, feat);
    render(d, feat, n_sub, out);
    return 0;
}
