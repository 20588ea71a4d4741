/* Real FFT as a radix-2 complex FFT of half the size plus a split step.
 * Tables are computed in double and stored as float once, at create. */
#include "codec/fft.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct sotto_fft {
    int n;              /* real transform size, samples */
    int half;           /* complex transform size n/2 */
    float *tw_re;       /* exp(-2 pi i j / half), j < half/2 */
    float *tw_im;
    float *split_re;    /* exp(-2 pi i k / n), k <= half/2: real split step */
    float *split_im;
    int *bitrev;        /* bit-reversal permutation of 0..half-1 */
};

static int is_pow2(int n)
{
    return n > 0 && (n & (n - 1)) == 0;
}

int sotto_fft_create(sotto_fft **out, int n)
{
    if (out == NULL || n < SOTTO_FFT_MIN_N || n > SOTTO_FFT_MAX_N || !is_pow2(n))
        return -EINVAL;
    sotto_fft *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -ENOMEM;
    f->n = n;
    f->half = n / 2;
    int quarter = f->half / 2;
    f->tw_re = calloc((size_t)quarter, sizeof(float));
    f->tw_im = calloc((size_t)quarter, sizeof(float));
    f->split_re = calloc((size_t)quarter + 1, sizeof(float));
    f->split_im = calloc((size_t)quarter + 1, sizeof(float));
    f->bitrev = calloc((size_t)f->half, sizeof(int));
    if (!f->tw_re || !f->tw_im || !f->split_re || !f->split_im || !f->bitrev)
        goto fail;
    const double two_pi = 6.283185307179586476925286766559;
    for (int j = 0; j < quarter; j++) {
        f->tw_re[j] = (float)cos(two_pi * j / f->half);
        f->tw_im[j] = (float)-sin(two_pi * j / f->half);
    }
    for (int k = 0; k <= quarter; k++) {
        f->split_re[k] = (float)cos(two_pi * k / n);
        f->split_im[k] = (float)-sin(two_pi * k / n);
    }
    int bits = 0;
    while ((1 << bits) < f->half)
        bits++;
    for (int i = 0; i < f->half; i++) {
        int r = 0;
        for (int b = 0; b < bits; b++)
            r |= ((i >> b) & 1) << (bits - 1 - b);
        f->bitrev[i] = r;
    }
    *out = f;
    return 0;
fail:
    sotto_fft_destroy(&f);
    return -ENOMEM;
}

void sotto_fft_destroy(sotto_fft **f)
{
    if (f == NULL || *f == NULL)
        return;
    free((*f)->tw_re);
    free((*f)->tw_im);
    free((*f)->split_re);
    free((*f)->split_im);
    free((*f)->bitrev);
    free(*f);
    *f = NULL;
}

int sotto_fft_size(const sotto_fft *f)
{
    return f ? f->n : 0;
}

/* In-place complex FFT of f->half points stored at re[i*stride], im[i*stride];
 * sign -1 forward, +1 inverse (unscaled). */
static void complex_fft(const sotto_fft *f, float *re, float *im, int stride, int sign)
{
    int n = f->half;
    for (int i = 0; i < n; i++) {
        int j = f->bitrev[i];
        if (j > i) {
            float tr = re[i * stride], ti = im[i * stride];
            re[i * stride] = re[j * stride];
            im[i * stride] = im[j * stride];
            re[j * stride] = tr;
            im[j * stride] = ti;
        }
    }
    for (int len = 2; len <= n; len <<= 1) {
        int hl = len / 2, step = n / len;
        for (int s = 0; s < n; s += len) {
            for (int j = 0; j < hl; j++) {
                float wr = f->tw_re[j * step];
                float wi = sign < 0 ? f->tw_im[j * step] : -f->tw_im[j * step];
                int a = (s + j) * stride, b = (s + j + hl) * stride;
                float xr = re[b] * wr - im[b] * wi;
                float xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
    }
}

void sotto_fft_forward(const sotto_fft *f, const float *in, float *out_re, float *out_im)
{
    if (f == NULL || in == NULL || out_re == NULL || out_im == NULL)
        return;
    int n2 = f->half;
    for (int m = 0; m < n2; m++) {
        out_re[m] = in[2 * m];
        out_im[m] = in[2 * m + 1];
    }
    complex_fft(f, out_re, out_im, 1, -1);
    /* Split Z = FFT(even + i odd) into X[k] = E[k] + W^k O[k] and
     * X[half-k] = conj(E[k] - W^k O[k]), pairwise in place. */
    float z0r = out_re[0], z0i = out_im[0];
    out_re[0] = z0r + z0i;
    out_im[0] = 0.0f;
    out_re[n2] = z0r - z0i;
    out_im[n2] = 0.0f;
    for (int k = 1; k <= n2 / 2; k++) {
        int q = n2 - k;
        float ar = out_re[k], ai = out_im[k], br = out_re[q], bi = out_im[q];
        float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);
        float or_ = 0.5f * (ai + bi), oi = -0.5f * (ar - br);
        float wr = f->split_re[k], wi = f->split_im[k];
        float tr = wr * or_ - wi * oi, ti = wr * oi + wi * or_;
        out_re[k] = er + tr;
        out_im[k] = ei + ti;
        if (q != k) {
            out_re[q] = er - tr;
            out_im[q] = -(ei - ti);
        }
    }
}

void sotto_fft_inverse(const sotto_fft *f, const float *re, const float *im, float *out)
{
    if (f == NULL || re == NULL || im == NULL || out == NULL)
        return;
    int n2 = f->half;
    /* Rebuild Z[k] = E[k] + i O[k] interleaved in out; the inverse complex
     * FFT then leaves x[2m] + i x[2m+1] exactly where x belongs. */
    float e0 = 0.5f * (re[0] + re[n2]), o0 = 0.5f * (re[0] - re[n2]);
    out[0] = e0;
    out[1] = o0;
    for (int k = 1; k <= n2 / 2; k++) {
        int q = n2 - k;
        float er = 0.5f * (re[k] + re[q]), ei = 0.5f * (im[k] - im[q]);
        float dr = 0.5f * (re[k] - re[q]), di = 0.5f * (im[k] + im[q]);
        /* O = D * conj(W^k) */
        float wr = f->split_re[k], wi = -f->split_im[k];
        float or_ = dr * wr - di * wi, oi = dr * wi + di * wr;
        out[2 * k] = er - oi;
        out[2 * k + 1] = ei + or_;
        if (q != k) {
            out[2 * q] = er + oi;
            out[2 * q + 1] = -ei + or_;
        }
    }
    complex_fft(f, out, out + 1, 2, 1);
    float scale = 1.0f / (float)n2;
    for (int i = 0; i < f->n; i++)
        out[i] *= scale;
}
