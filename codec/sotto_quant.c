/* Quantiser and bitstream; a port of quantise.py (Quantiser.encode/decode,
 * pack_bits). Scalars follow numpy's float32 arithmetic where the Python
 * code is float32, so golden indices come out identical. */
#include "codec/sotto_quant.h"

#include "codec/sotto_weights.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MBEST 4                       /* M-best search width */
#define PITCH_BITS 7
#define GAIN_LEVELS 64
#define VOICING_LEVELS 4
#define DELTA_LEVELS 8

static const sotto_mode_layout layouts[2] = {
    [SOTTO_MODE_3200] = {.n_fields = 8, .bits = {7, 2, 6, 10, 10, 10, 10, 9},
                         .n_stages = 5, .first_stage = 3, .n_sub = 2, .total_bits = 64},
    [SOTTO_MODE_2000] = {.n_fields = 11, .bits = {7, 3, 2, 6, 3, 10, 10, 10, 10, 10, 9},
                         .n_stages = 6, .first_stage = 5, .n_sub = 4, .total_bits = 80},
};

const sotto_mode_layout *sotto__mode_layout(sotto_mode m)
{
    if (m != SOTTO_MODE_3200 && m != SOTTO_MODE_2000)
        return NULL;
    return &layouts[m];
}

size_t sotto_mode_frame_samples(sotto_mode m)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    return l ? (size_t)l->n_sub * 160 : 0;
}

size_t sotto_mode_packet_bytes(sotto_mode m)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    return l ? (size_t)l->total_bits / 8 : 0;
}

/* Looks up name with shape [rows, cols] (cols 0: one dimension). */
static int bind_one(const float **slot, sotto_tensor_lookup lookup, const void *ctx, const char *name,
                    uint32_t rows, uint32_t cols, char *err, size_t errlen)
{
    uint32_t dims[2] = {rows, cols};
    *slot = lookup(ctx, name, cols ? 2 : 1, dims);
    if (*slot != NULL)
        return 0;
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "codebook tensor %s missing or not of shape [%u%s%.0u]", name,
                 (unsigned)rows, cols ? ", " : "", (unsigned)cols);
    return -ENOENT;
}

/* The optional predictor pair: both tensors or neither. */
static int bind_predictor(sotto_mode_books *mb, sotto_tensor_lookup lookup, const void *ctx,
                          const char *prefix, char *err, size_t errlen)
{
    char name[64];
    uint32_t dims[1] = {SOTTO_SHAPE_DIM};
    snprintf(name, sizeof(name), "quant.%s_pred_mean", prefix);
    mb->pred_mean = lookup(ctx, name, 1, dims);
    snprintf(name, sizeof(name), "quant.%s_pred_coef", prefix);
    mb->pred_coef = lookup(ctx, name, 1, dims);
    if ((mb->pred_mean == NULL) == (mb->pred_coef == NULL))
        return 0;
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "codebook tensors quant.%s_pred_mean/_pred_coef: one is missing "
                 "or not of shape [%d]", prefix, SOTTO_SHAPE_DIM);
    return -ENOENT;
}

int sotto__codebooks_bind(sotto_codebooks *out_books, sotto_tensor_lookup lookup, const void *ctx,
                          char *err, size_t errlen)
{
    if (out_books == NULL || lookup == NULL)
        return -EINVAL;
    static const char *const prefix[2] = {"n64", "l80"};
    sotto_codebooks cb;
    memset(&cb, 0, sizeof(cb));
    char name[64];
    int rc = 0;
    for (int m = 0; m < 2 && rc == 0; m++) {
        const sotto_mode_layout *l = &layouts[m];
        sotto_mode_books *mb = &cb.mode[m];
        for (int s = 0; s < l->n_stages && rc == 0; s++) {
            snprintf(name, sizeof(name), "quant.%s_stage%d", prefix[m], s);
            uint32_t rows = 1u << l->bits[l->first_stage + s];
            rc = bind_one(&mb->stage[s], lookup, ctx, name, rows, SOTTO_SHAPE_DIM, err, errlen);
        }
        snprintf(name, sizeof(name), "quant.%s_gain", prefix[m]);
        if (rc == 0)
            rc = bind_one(&mb->gain, lookup, ctx, name, GAIN_LEVELS, 0, err, errlen);
        snprintf(name, sizeof(name), "quant.%s_voicing", prefix[m]);
        if (rc == 0)
            rc = bind_one(&mb->voicing, lookup, ctx, name, VOICING_LEVELS, 0, err, errlen);
        if (rc == 0)
            rc = bind_predictor(mb, lookup, ctx, prefix[m], err, errlen);
        if (m == SOTTO_MODE_2000 && rc == 0) {
            snprintf(name, sizeof(name), "quant.%s_dgain", prefix[m]);
            rc = bind_one(&mb->dgain, lookup, ctx, name, DELTA_LEVELS, 0, err, errlen);
            snprintf(name, sizeof(name), "quant.%s_dpitch", prefix[m]);
            if (rc == 0)
                rc = bind_one(&mb->dpitch, lookup, ctx, name, DELTA_LEVELS, 0, err, errlen);
        }
    }
    if (rc != 0)
        return rc;
    *out_books = cb;
    return 0;
}

static const float *weights_lookup(const void *ctx, const char *name, int ndim, const uint32_t *dims)
{
    return sotto_weights_get(ctx, name, ndim, dims);
}

int sotto__codebooks_from_weights(sotto_codebooks *out_books, const struct sotto_weights *w,
                                  char *err, size_t errlen)
{
    if (out_books == NULL || w == NULL)
        return -EINVAL;
    return sotto__codebooks_bind(out_books, weights_lookup, w, err, errlen);
}

int sotto__pack(sotto_mode m, const uint16_t *indices, uint8_t *out)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || indices == NULL || out == NULL)
        return -EINVAL;
    for (int i = 0; i < l->n_fields; i++)
        if (indices[i] >= (1u << l->bits[i]))
            return -EINVAL;
    uint8_t buf[SOTTO_MAX_PACKET_BYTES] = {0};
    int pos = 0;
    for (int i = 0; i < l->n_fields; i++) {
        for (int b = l->bits[i] - 1; b >= 0; b--, pos++)
            if ((indices[i] >> b) & 1u)
                buf[pos / 8] |= (uint8_t)(0x80u >> (pos % 8));
    }
    memcpy(out, buf, (size_t)l->total_bits / 8);
    return 0;
}

int sotto__unpack(sotto_mode m, const uint8_t *pkt, size_t len, uint16_t *out_indices)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || pkt == NULL || out_indices == NULL || len != (size_t)l->total_bits / 8)
        return -EINVAL;
    int pos = 0;
    for (int i = 0; i < l->n_fields; i++) {
        unsigned v = 0;
        for (int b = 0; b < l->bits[i]; b++, pos++)
            v = (v << 1) | ((pkt[pos / 8] >> (7 - pos % 8)) & 1u);
        out_indices[i] = (uint16_t)v;
    }
    return 0;
}

/* numpy searchsorted(midpoints, v): the number of midpoints below v. */
static uint16_t scalar_encode(float v, const float *levels, int n)
{
    int idx = 0;
    for (int i = 0; i + 1 < n; i++) {
        float edge = 0.5f * (levels[i + 1] + levels[i]);
        if (edge < v)
            idx = i + 1;
    }
    return (uint16_t)idx;
}

static float clip_lag(float lag)
{
    return lag < SOTTO_LAG_MIN ? SOTTO_LAG_MIN : (lag > SOTTO_LAG_MAX ? SOTTO_LAG_MAX : lag);
}

static uint16_t pitch_encode(float lag)
{
    const float lmin = (float)log(32.0), span = (float)(log(256.0) - log(32.0));
    float t = (logf(clip_lag(lag)) - lmin) / span;
    return (uint16_t)nearbyintf(t * (float)((1 << PITCH_BITS) - 1));
}

static float pitch_decode(unsigned idx)
{
    double lmin = log(32.0), span = log(256.0) - log(32.0);
    return (float)exp(lmin + (double)idx / ((1 << PITCH_BITS) - 1) * span);
}

/* Paths of the M-best tree search. */
typedef struct vq_path {
    float res[SOTTO_SHAPE_DIM];       /* residual after the chosen codewords */
    uint16_t code[SOTTO_MAX_STAGES];  /* chosen codewords so far */
} vq_path;

/* Keeps the best MBEST (err, parent, code) triples, ascending. */
typedef struct vq_cand {
    double err;                       /* total squared error, dB^2 */
    int parent;                       /* index of the path it extends */
    int code;                         /* codeword of this stage */
} vq_cand;

static void cand_insert(vq_cand *best, int *n_best, double err, int parent, int code)
{
    if (*n_best == MBEST && err >= best[MBEST - 1].err)
        return;
    int i = *n_best < MBEST ? (*n_best)++ : MBEST - 1;
    while (i > 0 && best[i - 1].err > err) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = (vq_cand){err, parent, code};
}

/* The search's inner product, the encoder's hot loop (5 stages x 1024
 * codewords x 4 paths per packet): eight float lanes as GCC/clang vector
 * types (SSE2 on every x86-64, NEON on arm64, plain code elsewhere), summed
 * in double at the end. */
typedef float f32x4 __attribute__((vector_size(16)));

static double dot_f32(const float *a, const float *b)
{
    f32x4 acc0 = {0, 0, 0, 0}, acc1 = {0, 0, 0, 0}, va, vb;

    _Static_assert(SOTTO_SHAPE_DIM % 8 == 0, "the shape splits into 8 lanes");
    for (int d = 0; d < SOTTO_SHAPE_DIM; d += 8) {
        memcpy(&va, a + d, sizeof(va));
        memcpy(&vb, b + d, sizeof(vb));
        acc0 += va * vb;
        memcpy(&va, a + d + 4, sizeof(va));
        memcpy(&vb, b + d + 4, sizeof(vb));
        acc1 += va * vb;
    }
    return ((double)acc0[0] + acc0[1] + acc0[2] + acc0[3]) +
           ((double)acc1[0] + acc1[1] + acc1[2] + acc1[3]);
}

static void msvq_search(const sotto_mode_books *mb, const sotto_vq_norms *norms, int n_stages,
                        const int *stage_bits, const float *target, uint16_t *out_codes)
{
    vq_path paths[MBEST], next[MBEST];
    int n_paths = 1;
    memcpy(paths[0].res, target, sizeof(paths[0].res));
    for (int s = 0; s < n_stages; s++) {
        vq_cand best[MBEST];
        int n_best = 0, size = 1 << stage_bits[s];
        for (int p = 0; p < n_paths; p++) {
            double base = 0.0;
            for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
                base += (double)paths[p].res[d] * paths[p].res[d];
            for (int c = 0; c < size; c++) {
                const float *cw = mb->stage[s] + (size_t)c * SOTTO_SHAPE_DIM;
                double cross = dot_f32(paths[p].res, cw);
                cand_insert(best, &n_best, base + norms->norm[s][c] - 2.0 * cross, p, c);
            }
        }
        for (int i = 0; i < n_best; i++) {
            const vq_path *src = &paths[best[i].parent];
            const float *cw = mb->stage[s] + (size_t)best[i].code * SOTTO_SHAPE_DIM;
            for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
                next[i].res[d] = src->res[d] - cw[d];
            memcpy(next[i].code, src->code, sizeof(next[i].code));
            next[i].code[s] = (uint16_t)best[i].code;
        }
        memcpy(paths, next, sizeof(paths));
        n_paths = n_best;
    }
    memcpy(out_codes, paths[0].code, (size_t)n_stages * sizeof(uint16_t));
}

/* Mean of n floats the way numpy's float32 mean does it for n <= 8 blocks:
 * pairwise summation in float32 (numpy unrolls by 8 below 128 values). */
static float mean_f32(const float *v, int n)
{
    float r[8];
    for (int j = 0; j < 8; j++)
        r[j] = v[j];
    for (int i = 8; i < n; i += 8)
        for (int j = 0; j < 8; j++)
            r[j] += v[i + j];
    float sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    return sum / (float)n;
}

static int books_ready(const sotto_mode_books *mb, const sotto_mode_layout *l, sotto_mode m)
{
    for (int s = 0; s < l->n_stages; s++)
        if (mb->stage[s] == NULL)
            return 0;
    if (mb->gain == NULL || mb->voicing == NULL)
        return 0;
    return m == SOTTO_MODE_3200 || (mb->dgain != NULL && mb->dpitch != NULL);
}

int sotto__mode_predictive(const sotto_codebooks *cb, sotto_mode m)
{
    if (cb == NULL || sotto__mode_layout(m) == NULL)
        return 0;
    return cb->mode[m].pred_mean != NULL && cb->mode[m].pred_coef != NULL;
}

void sotto__pred_reset(const sotto_codebooks *cb, sotto_mode m, sotto_pred_state *st)
{
    if (st == NULL || cb == NULL || sotto__mode_layout(m) == NULL)
        return;
    if (sotto__mode_predictive(cb, m))
        memcpy(st->prev, cb->mode[m].pred_mean, sizeof(st->prev));
    else
        memset(st->prev, 0, sizeof(st->prev));
}

/* Decoded shapes are held to +-80 dB around the packet gain (training speech
 * spans -76..+69): garbage packets repeated would otherwise drive the
 * predictor towards 1 / (1 - coef) times their codewords. */
#define SHAPE_LIMIT 80.0f

/* ...and decoded band levels to +12 dB (training speech peaks at +11.9 dB): a
 * predictive stream of garbage must not play louder than speech can. */
#define BAND_LIMIT 12.0f

static float cap_band(float v)
{
    return v > BAND_LIMIT ? BAND_LIMIT : v;
}

static float clamp_shape(float v)
{
    return v < -SHAPE_LIMIT ? -SHAPE_LIMIT : (v > SHAPE_LIMIT ? SHAPE_LIMIT : v);
}

/* pred[d] = mean[d] + coef[d] * (prev[32 + d % 32] - mean[32 + d % 32]), in
 * quantise.py's float32 order of operations. */
static void predict_shape(const sotto_mode_books *mb, const sotto_pred_state *st, float *pred)
{
    for (int d = 0; d < SOTTO_SHAPE_DIM; d++) {
        int k = SOTTO_NBANDS + d % SOTTO_NBANDS;
        float base = st->prev[k] - mb->pred_mean[k];
        pred[d] = mb->pred_mean[d] + mb->pred_coef[d] * base;
    }
}

/* The mean-removed shape of one packet's bands, as the encoder forms it:
 * n_sub = 2: both subframes minus their joint mean; 4: each 20 ms half is
 * the mean of its two subframes minus its own mean. bands: n_sub rows of
 * `stride` floats. */
static void packet_shape(const float *bands, int n_sub, int stride, float *shape, float *gains);

void sotto__pred_conceal(const sotto_codebooks *cb, sotto_mode m, sotto_pred_state *st,
                         const float *features)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || cb == NULL || st == NULL || features == NULL || !sotto__mode_predictive(cb, m))
        return;
    float gains[2];
    packet_shape(features, l->n_sub, SOTTO_FEAT_DIM, st->prev, gains);
    for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
        st->prev[d] = clamp_shape(st->prev[d]);
}

int sotto__vq_norms_init(sotto_vq_norms *out_norms, const sotto_codebooks *cb, sotto_mode m)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || cb == NULL || out_norms == NULL || !books_ready(&cb->mode[m], l, m))
        return -EINVAL;
    for (int s = 0; s < l->n_stages; s++) {
        int size = 1 << l->bits[l->first_stage + s];
        for (int c = 0; c < size; c++) {
            const float *cw = cb->mode[m].stage[s] + (size_t)c * SOTTO_SHAPE_DIM;
            double norm = 0.0;
            for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
                norm += (double)cw[d] * cw[d];
            out_norms->norm[s][c] = (float)norm;
        }
    }
    return 0;
}

static unsigned field(const sotto_mode_layout *l, const uint16_t *idx, int i)
{
    return idx[i] & ((1u << l->bits[i]) - 1u);
}

/* The MSVQ codewords idx selects, summed stage by stage (as quantise.py). */
static void codeword_sum(const sotto_mode_books *mb, const sotto_mode_layout *l, const uint16_t *idx,
                         float *shape)
{
    memset(shape, 0, SOTTO_SHAPE_DIM * sizeof(float));
    for (int s = 0; s < l->n_stages; s++) {
        const float *cw = mb->stage[s] + (size_t)field(l, idx, l->first_stage + s) * SOTTO_SHAPE_DIM;
        for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
            shape[d] += cw[d];
    }
}

int sotto__quantise(const sotto_codebooks *cb, const sotto_vq_norms *norms, sotto_mode m,
                    const float *bands, const float *lag, const float *voicing,
                    sotto_pred_state *pred, uint16_t *out_indices)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || cb == NULL || norms == NULL || bands == NULL || lag == NULL || voicing == NULL ||
        out_indices == NULL || !books_ready(&cb->mode[m], l, m))
        return -EINVAL;
    const sotto_mode_books *mb = &cb->mode[m];
    int predictive = sotto__mode_predictive(cb, m);
    if (predictive && pred == NULL)
        return -EINVAL;
    uint16_t idx[SOTTO_MAX_FIELDS];
    float shape[SOTTO_SHAPE_DIM], gains[2];
    packet_shape(bands, l->n_sub, SOTTO_NBANDS, shape, gains);
    if (m == SOTTO_MODE_3200) {
        idx[SOTTO_F_PITCH] = pitch_encode(lag[0]);
        idx[SOTTO_F64_VOICING] = scalar_encode(voicing[0], mb->voicing, VOICING_LEVELS);
        idx[SOTTO_F64_GAIN] = scalar_encode(gains[0], mb->gain, GAIN_LEVELS);
    } else {
        idx[SOTTO_F_PITCH] = pitch_encode(lag[0]);
        float l0 = logf(pitch_decode(idx[SOTTO_F_PITCH]));
        idx[SOTTO_F80_DPITCH] = scalar_encode(logf(clip_lag(lag[1])) - l0, mb->dpitch,
                                              DELTA_LEVELS);
        idx[SOTTO_F80_VOICING] = scalar_encode((voicing[0] + voicing[1]) / 2.0f, mb->voicing,
                                               VOICING_LEVELS);
        idx[SOTTO_F80_GAIN] = scalar_encode(gains[0], mb->gain, GAIN_LEVELS);
        float g0 = mb->gain[idx[SOTTO_F80_GAIN]];
        idx[SOTTO_F80_DGAIN] = scalar_encode(gains[1] - g0, mb->dgain, DELTA_LEVELS);
    }
    float pred_v[SOTTO_SHAPE_DIM];
    if (predictive) {
        predict_shape(mb, pred, pred_v);
        for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
            shape[d] -= pred_v[d];
    }
    msvq_search(mb, norms, l->n_stages, l->bits + l->first_stage, shape, idx + l->first_stage);
    if (predictive) {
        /* the decoder's reconstruction, so both ends predict from the same shape */
        float rec[SOTTO_SHAPE_DIM];
        codeword_sum(mb, l, idx, rec);
        for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
            pred->prev[d] = clamp_shape(rec[d] + pred_v[d]);
    }
    memcpy(out_indices, idx, (size_t)l->n_fields * sizeof(uint16_t));
    return 0;
}

static void packet_shape(const float *bands, int n_sub, int stride, float *shape, float *gains)
{
    if (n_sub == 2) {
        float packed[SOTTO_SHAPE_DIM];
        for (int s = 0; s < 2; s++)
            memcpy(packed + s * SOTTO_NBANDS, bands + s * stride, SOTTO_NBANDS * sizeof(float));
        gains[0] = mean_f32(packed, SOTTO_SHAPE_DIM);
        for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
            shape[d] = packed[d] - gains[0];
        return;
    }
    for (int h = 0; h < 2; h++) {
        const float *a = bands + (2 * h) * stride, *b = a + stride;
        float *half = shape + h * SOTTO_NBANDS;
        for (int k = 0; k < SOTTO_NBANDS; k++)
            half[k] = (a[k] + b[k]) / 2.0f;
        gains[h] = mean_f32(half, SOTTO_NBANDS);
        for (int k = 0; k < SOTTO_NBANDS; k++)
            half[k] -= gains[h];
    }
}

void sotto__dequantise(const sotto_codebooks *cb, sotto_mode m, const uint16_t *idx,
                       sotto_pred_state *pred, float *out_features)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || cb == NULL || idx == NULL || out_features == NULL ||
        !books_ready(&cb->mode[m], l, m))
        return;
    int predictive = sotto__mode_predictive(cb, m);
    if (predictive && pred == NULL)
        return;
    const sotto_mode_books *mb = &cb->mode[m];
    float shape[SOTTO_SHAPE_DIM];
    codeword_sum(mb, l, idx, shape);
    if (predictive) {
        float pred_v[SOTTO_SHAPE_DIM];
        predict_shape(mb, pred, pred_v);
        for (int d = 0; d < SOTTO_SHAPE_DIM; d++)
            shape[d] = clamp_shape(shape[d] + pred_v[d]);
        memcpy(pred->prev, shape, sizeof(pred->prev));
    }
    float lag0 = pitch_decode(field(l, idx, SOTTO_F_PITCH));
    if (m == SOTTO_MODE_3200) {
        float g0 = mb->gain[field(l, idx, SOTTO_F64_GAIN)];
        float v = mb->voicing[field(l, idx, SOTTO_F64_VOICING)];
        for (int sub = 0; sub < 2; sub++) {
            float *o = out_features + sub * SOTTO_FEAT_DIM;
            for (int k = 0; k < SOTTO_NBANDS; k++)
                o[k] = predictive ? cap_band(shape[sub * SOTTO_NBANDS + k] + g0)
                                  : shape[sub * SOTTO_NBANDS + k] + g0;
            o[SOTTO_FEAT_LAG] = lag0;
            o[SOTTO_FEAT_VOICING] = v;
        }
        return;
    }
    float g[2], lags[2];
    g[0] = mb->gain[field(l, idx, SOTTO_F80_GAIN)];
    g[1] = g[0] + mb->dgain[field(l, idx, SOTTO_F80_DGAIN)];
    lags[0] = clip_lag(lag0);
    lags[1] = clip_lag(expf(logf(lag0) + mb->dpitch[field(l, idx, SOTTO_F80_DPITCH)]));
    float v = mb->voicing[field(l, idx, SOTTO_F80_VOICING)];
    for (int sub = 0; sub < 4; sub++) {
        int h = sub / 2;
        float *o = out_features + sub * SOTTO_FEAT_DIM;
        for (int k = 0; k < SOTTO_NBANDS; k++)
            o[k] = predictive ? cap_band(shape[h * SOTTO_NBANDS + k] + g[h])
                              : shape[h * SOTTO_NBANDS + k] + g[h];
        o[SOTTO_FEAT_LAG] = lags[h];
        o[SOTTO_FEAT_VOICING] = v;
    }
}

static const uint8_t sot_magic[4] = {'S', 'O', 'T', '2'};

int sotto__sot_write_header(sotto_mode m, uint64_t samples, uint8_t *out)
{
    if (out == NULL || sotto__mode_layout(m) == NULL || samples > SOTTO_SOT_MAX_SAMPLES)
        return -EINVAL;
    memset(out, 0, SOTTO_SOT_HEADER_BYTES);
    memcpy(out, sot_magic, sizeof(sot_magic));
    out[4] = (uint8_t)m;
    for (int i = 0; i < 8; i++)
        out[8 + i] = (uint8_t)(samples >> (8 * i));
    return 0;
}

int sotto__sot_parse_header(const uint8_t *buf, size_t len, sotto_mode *out_mode,
                            uint64_t *out_samples)
{
    if (buf == NULL || out_mode == NULL || out_samples == NULL || len < SOTTO_SOT_HEADER_BYTES)
        return -EINVAL;
    if (memcmp(buf, sot_magic, sizeof(sot_magic)) != 0 || buf[5] || buf[6] || buf[7])
        return -EINVAL;
    if (buf[4] != SOTTO_MODE_3200 && buf[4] != SOTTO_MODE_2000)
        return -EINVAL;
    uint64_t samples = 0;
    for (int i = 7; i >= 0; i--)
        samples = (samples << 8) | buf[8 + i];
    if (samples > SOTTO_SOT_MAX_SAMPLES)
        return -EINVAL;
    *out_mode = (sotto_mode)buf[4];
    *out_samples = samples;
    return 0;
}

int sotto__sot_packet_count(sotto_mode m, uint64_t samples, uint64_t payload_len,
                            uint64_t *out_packets)
{
    if (out_packets == NULL || sotto__mode_layout(m) == NULL || samples > SOTTO_SOT_MAX_SAMPLES)
        return -EINVAL;
    uint64_t bytes = sotto_mode_packet_bytes(m), frame = sotto_mode_frame_samples(m);
    if (payload_len % bytes != 0)
        return -EINVAL;
    uint64_t packets = payload_len / bytes;
    if (packets < (samples + frame - 1) / frame)
        return -EINVAL;
    *out_packets = packets;
    return 0;
}
