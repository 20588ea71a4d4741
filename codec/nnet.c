/* Scalar layers of the Sotto network; the AVX2 kernel is in nnet_avx2.c. */
#include "codec/nnet.h"

#include <math.h>
#include <string.h>

#include "codec/nnet_avx2.h"

void sotto_matvec_scalar(const float *w, const float *bias, const float *x, int rows,
                         int cols, float *out)
{
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * (size_t)cols;
        float acc = 0.0f;
        for (int c = 0; c < cols; c++)
            acc += row[c] * x[c];
        out[r] = acc + (bias ? bias[r] : 0.0f);
    }
}

int sotto_nnet_simd_available(void)
{
    return sotto_avx2_available();
}

void sotto_nnet_kernels_init(sotto_nnet_kernels *k, int allow_simd)
{
    k->matvec = sotto_matvec_scalar;
    k->simd = 0;
    if (allow_simd && sotto_avx2_available()) {
        k->matvec = sotto_matvec_avx2;
        k->simd = 1;
    }
}

static float sigmoid(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

void sotto_activate(float *v, int n, sotto_act act)
{
    if (act == SOTTO_ACT_TANH)
        for (int i = 0; i < n; i++)
            v[i] = tanhf(v[i]);
    else if (act == SOTTO_ACT_SIGMOID)
        for (int i = 0; i < n; i++)
            v[i] = sigmoid(v[i]);
}

void sotto_dense_run(const sotto_nnet_kernels *k, const sotto_dense *l, const float *in,
                     float *out, sotto_act act)
{
    k->matvec(l->w, l->b, in, l->out, l->in, out);
    sotto_activate(out, l->out, act);
}

void sotto_conv1d_reorder(const float *torch_w, int out, int in, int kernel, float *dst)
{
    for (int o = 0; o < out; o++)
        for (int j = 0; j < kernel; j++)
            for (int i = 0; i < in; i++)
                dst[((size_t)o * (size_t)kernel + (size_t)j) * (size_t)in + (size_t)i] =
                    torch_w[((size_t)o * (size_t)in + (size_t)i) * (size_t)kernel + (size_t)j];
}

void sotto_conv1d_run(const sotto_nnet_kernels *k, const sotto_conv1d *l, float *hist,
                      const float *in, float *out, sotto_act act)
{
    float stacked[SOTTO_NNET_MAX_WIDTH * SOTTO_NNET_MAX_KERNEL];
    size_t past = (size_t)(l->kernel - 1) * (size_t)l->in;

    /* [x(t-k+1) .. x(t)] contiguous, so the layer is one matrix-vector product */
    memcpy(stacked, hist, past * sizeof *stacked);
    memcpy(stacked + past, in, (size_t)l->in * sizeof *stacked);
    k->matvec(l->w, l->b, stacked, l->out, l->kernel * l->in, out);
    sotto_activate(out, l->out, act);
    memcpy(hist, stacked + l->in, past * sizeof *hist);
}

void sotto_gru_run(const sotto_nnet_kernels *k, const sotto_gru *g, float *h, const float *x)
{
    float gi[3 * SOTTO_NNET_MAX_HIDDEN], gh[3 * SOTTO_NNET_MAX_HIDDEN];
    int n = g->hidden;

    k->matvec(g->w_ih, g->b_ih, x, 3 * n, g->in, gi);
    k->matvec(g->w_hh, g->b_hh, h, 3 * n, n, gh);
    for (int i = 0; i < n; i++) {
        float r = sigmoid(gi[i] + gh[i]);
        float z = sigmoid(gi[n + i] + gh[n + i]);
        float c = tanhf(gi[2 * n + i] + r * gh[2 * n + i]);
        h[i] = (1.0f - z) * c + z * h[i];
    }
}
