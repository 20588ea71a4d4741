/* Packet-loss concealment: model.py PLC (GRU over normalised 20 ms packet features,
 * residual prediction of the next packet), fed back on its own output during a gap.
 * After SOTTO_PLC_PREDICT_SUB subframes the last prediction is frozen and faded to a
 * flat comfort-noise spectrum with no voicing; the synthesis overlap-add then blends
 * the first good packet in (its window crossfades over 20 ms, phase stays continuous). */
#include "codec/sotto_plc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SILENT_DB (-100.0f) /* bands before any packet was received */
#define SILENT_LAG 100.0f

_Static_assert(SOTTO_PLC_HIDDEN <= SOTTO_NNET_MAX_HIDDEN, "GRU wider than nnet scratch");

int sotto_plc_bind(sotto_plc_net *net, const sotto_weights *w, char *err, size_t err_len)
{
    enum { D = SOTTO_PLC_DIM, H = SOTTO_PLC_HIDDEN };
    static const struct {
        const char *name;
        int ndim;
        uint32_t dims[2];
    } want[8] = {
        {"plc.inp.weight", 2, {H, D}},         {"plc.inp.bias", 1, {H, 0}},
        {"plc.gru.weight_ih_l0", 2, {3 * H, H}}, {"plc.gru.weight_hh_l0", 2, {3 * H, H}},
        {"plc.gru.bias_ih_l0", 1, {3 * H, 0}}, {"plc.gru.bias_hh_l0", 1, {3 * H, 0}},
        {"plc.out.weight", 2, {D, H}},         {"plc.out.bias", 1, {D, 0}},
    };
    const float *p[8];

    if (!net || !w)
        return -EINVAL;
    for (int i = 0; i < 8; i++) {
        p[i] = sotto_weights_get(w, want[i].name, want[i].ndim, want[i].dims);
        if (!p[i]) {
            if (err && err_len)
                snprintf(err, err_len, "weights: %s missing or misshapen", want[i].name);
            return -EINVAL;
        }
    }
    net->inp = (sotto_dense){p[0], p[1], D, H};
    net->gru = (sotto_gru){p[2], p[3], p[4], p[5], H, H};
    net->out = (sotto_dense){p[6], p[7], H, D};
    return 0;
}

void sotto_plc_reset(sotto_plc_state *s)
{
    memset(s, 0, sizeof *s);
}

/* Two subframes of decoder features -> the PLC's normalised packet vector. */
static void pack_features(const float *feat2, float *x)
{
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < SOTTO_NBANDS; b++)
            x[s * SOTTO_NBANDS + b] = (feat2[s * SOTTO_FEAT_DIM + b] + 50.0f) / 20.0f;
    x[2 * SOTTO_NBANDS] = log2f(16000.0f / feat2[SOTTO_FEAT_LAG]) - 7.5f;
    x[2 * SOTTO_NBANDS + 1] = feat2[SOTTO_FEAT_VOICING] - 0.5f;
}

static void unpack_features(const float *x, float *feat2)
{
    float lag = 16000.0f / exp2f(x[2 * SOTTO_NBANDS] + 7.5f);
    float voicing = x[2 * SOTTO_NBANDS + 1] + 0.5f;

    lag = fminf(fmaxf(lag, SOTTO_LAG_MIN), SOTTO_LAG_MAX);
    voicing = fminf(fmaxf(voicing, 0.0f), 1.0f);
    for (int s = 0; s < 2; s++) {
        float *f = feat2 + s * SOTTO_FEAT_DIM;
        for (int b = 0; b < SOTTO_NBANDS; b++)
            f[b] = x[s * SOTTO_NBANDS + b] * 20.0f - 50.0f;
        f[SOTTO_FEAT_LAG] = lag;
        f[SOTTO_FEAT_VOICING] = voicing;
    }
}

/* One predictor step: next = x + out(GRU(tanh(inp x))). */
static void predict(const sotto_plc_net *net, const sotto_nnet_kernels *k,
                    sotto_plc_state *s, const float *x)
{
    float y[SOTTO_PLC_HIDDEN], d[SOTTO_PLC_DIM];

    sotto_dense_run(k, &net->inp, x, y, SOTTO_ACT_TANH);
    sotto_gru_run(k, &net->gru, s->h, y);
    sotto_dense_run(k, &net->out, s->h, d, SOTTO_ACT_LINEAR);
    for (int i = 0; i < SOTTO_PLC_DIM; i++)
        s->next[i] = x[i] + d[i];
    s->have_next = 1;
}

void sotto_plc_update(const sotto_plc_net *net, const sotto_nnet_kernels *k,
                      sotto_plc_state *s, const float *feat2)
{
    float x[SOTTO_PLC_DIM];

    pack_features(feat2, x);
    predict(net, k, s, x);
    memcpy(s->last, feat2, sizeof s->last);
    s->lost_sub = 0;
}

/* Fades one subframe of features n subframes into the fade towards comfort noise. */
static void fade_subframe(float *f, int n)
{
    float att = fminf(SOTTO_PLC_FADE_DB * (float)n, SOTTO_PLC_FLOOR_DB);
    float flat = att / SOTTO_PLC_FLOOR_DB, power = 0.0f;

    /* flatten towards the mean power (not mean dB, which quiet bands drag down) */
    for (int b = 0; b < SOTTO_NBANDS; b++)
        power += powf(10.0f, f[b] / 10.0f) / (float)SOTTO_NBANDS;
    float mean = 10.0f * log10f(power + 1e-10f);
    for (int b = 0; b < SOTTO_NBANDS; b++)
        f[b] = mean + (f[b] - mean) * (1.0f - flat) - att;
    f[SOTTO_FEAT_VOICING] *= fmaxf(0.0f, 1.0f - flat * 4.0f);
}

void sotto_plc_conceal(const sotto_plc_net *net, const sotto_nnet_kernels *k,
                       sotto_plc_state *s, float *out_feat2)
{
    if (!s->have_next) {
        for (int i = 0; i < 2; i++) {
            float *f = out_feat2 + i * SOTTO_FEAT_DIM;
            for (int b = 0; b < SOTTO_NBANDS; b++)
                f[b] = SILENT_DB;
            f[SOTTO_FEAT_LAG] = SILENT_LAG;
            f[SOTTO_FEAT_VOICING] = 0.0f;
        }
        return;
    }
    if (s->lost_sub < SOTTO_PLC_PREDICT_SUB) {
        float x[SOTTO_PLC_DIM];
        memcpy(x, s->next, sizeof x);
        unpack_features(x, out_feat2);
        memcpy(s->last, out_feat2, sizeof s->last);
        predict(net, k, s, x);
    } else {
        memcpy(out_feat2, s->last, sizeof s->last);
        for (int i = 0; i < 2; i++)
            fade_subframe(out_feat2 + i * SOTTO_FEAT_DIM,
                          s->lost_sub + i - SOTTO_PLC_PREDICT_SUB + 1);
    }
    if (s->lost_sub < SOTTO_PLC_PREDICT_SUB + 1000) /* bounded: gaps may be endless */
        s->lost_sub += 2;
}
