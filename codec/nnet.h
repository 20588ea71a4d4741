/* Small inference layers for the Sotto decoder and PLC (private to codec/): dense,
 * causal conv1d and a GRU with torch.nn semantics.  Layers borrow their weights;
 * state lives with the caller, so layers are re-entrant.  The matrix-vector kernel is
 * chosen per instance: scalar C, or AVX2/FMA when the CPU has it. */
#ifndef SOTTO_CODEC_NNET_H
#define SOTTO_CODEC_NNET_H

#define SOTTO_NNET_MAX_WIDTH 512  /* widest layer input or output, values */
#define SOTTO_NNET_MAX_HIDDEN 256 /* widest GRU state */
#define SOTTO_NNET_MAX_KERNEL 4   /* widest conv1d kernel, taps */

/* out[r] = bias[r] + sum_c w[r * cols + c] x[c], r < rows (bias may be NULL). */
typedef void (*sotto_matvec_fn)(const float *w, const float *bias, const float *x,
                                int rows, int cols, float *out);

typedef struct {
    sotto_matvec_fn matvec; /* scalar or AVX2 kernel */
    int simd;               /* 1 when matvec is the AVX2/FMA kernel */
} sotto_nnet_kernels;

typedef enum { SOTTO_ACT_LINEAR = 0, SOTTO_ACT_TANH, SOTTO_ACT_SIGMOID } sotto_act;

typedef struct {
    const float *w; /* [out][in], torch.nn.Linear layout */
    const float *b; /* [out] */
    int in, out;    /* sizes, values */
} sotto_dense;

typedef struct {
    const float *w; /* [out][kernel][in] (sotto_conv1d_reorder of torch's [out][in][kernel]) */
    const float *b; /* [out] */
    int in, out, kernel; /* sizes; kernel - 1 past inputs are remembered */
} sotto_conv1d;

typedef struct {
    const float *w_ih, *w_hh; /* [3 hidden][in], [3 hidden][hidden], gates r, z, n */
    const float *b_ih, *b_hh; /* [3 hidden] each */
    int in, hidden;           /* sizes, values */
} sotto_gru;

/* Picks the kernels: AVX2/FMA when allow_simd and the CPU supports both, else scalar. */
void sotto_nnet_kernels_init(sotto_nnet_kernels *k, int allow_simd);

/* The scalar kernel (exported for the SIMD agreement test). */
void sotto_matvec_scalar(const float *w, const float *bias, const float *x, int rows,
                         int cols, float *out);

/* Whether the AVX2 kernel was compiled in and the CPU can run it. */
int sotto_nnet_simd_available(void);

/* Applies act to v[0..n) in place. */
void sotto_activate(float *v, int n, sotto_act act);

/* out = act(W in + b); in and out must not overlap. */
void sotto_dense_run(const sotto_nnet_kernels *k, const sotto_dense *l, const float *in,
                     float *out, sotto_act act);

/* Rewrites torch conv weights [out][in][kernel] as [out][kernel][in] into dst
 * (out * in * kernel floats, caller-owned). */
void sotto_conv1d_reorder(const float *torch_w, int out, int in, int kernel, float *dst);

/* One causal step: out = act(sum_j W_j x[t - kernel + 1 + j] + b) with the previous
 * kernel - 1 inputs in hist ((kernel - 1) * in floats, oldest first, zero at start;
 * updated).  Requires kernel * in <= SOTTO_NNET_MAX_WIDTH * SOTTO_NNET_MAX_KERNEL. */
void sotto_conv1d_run(const sotto_nnet_kernels *k, const sotto_conv1d *l, float *hist,
                      const float *in, float *out, sotto_act act);

/* One GRU step with torch.nn.GRU's equations; h (hidden floats) is updated in place. */
void sotto_gru_run(const sotto_nnet_kernels *k, const sotto_gru *g, float *h, const float *x);

#endif
