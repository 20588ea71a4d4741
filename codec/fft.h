/* Real FFT for the Sotto speech codec (numpy.fft.rfft / irfft conventions).
 *
 * A plan holds the twiddle and bit-reversal tables for one power-of-two size;
 * transforms never allocate and never write to the plan, so one plan may be
 * shared by threads. The real transform runs as a complex FFT of half the
 * size, using the caller's output arrays as its work space. */
#ifndef SOTTO_CODEC_FFT_H
#define SOTTO_CODEC_FFT_H

#define SOTTO_FFT_MIN_N 16
#define SOTTO_FFT_MAX_N 4096

typedef struct sotto_fft sotto_fft;

/* Creates a plan for n real samples, n a power of two in
 * [SOTTO_FFT_MIN_N, SOTTO_FFT_MAX_N]. The caller owns *out and frees it with
 * sotto_fft_destroy. Returns 0, -EINVAL (bad n or out NULL) or -ENOMEM. */
int sotto_fft_create(sotto_fft **out, int n);

/* Frees the plan; accepts NULL and *f == NULL, sets *f to NULL. */
void sotto_fft_destroy(sotto_fft **f);

/* Size n the plan was made for, or 0 when f is NULL. */
int sotto_fft_size(const sotto_fft *f);

/* out_re[k] + i out_im[k] = sum_t in[t] exp(-2 pi i k t / n), k = 0..n/2
 * (unscaled, like numpy.fft.rfft). in holds n samples; out_re and out_im
 * hold n/2 + 1 values each and must not overlap in. Does nothing when any
 * pointer is NULL. */
void sotto_fft_forward(const sotto_fft *f, const float *in, float *out_re, float *out_im);

/* Inverse of sotto_fft_forward scaled by 1/n, like numpy.fft.irfft: the
 * spectrum re, im (n/2 + 1 values each) is taken as Hermitian, so the
 * imaginary parts of bins 0 and n/2 are ignored. out holds n samples and
 * must not overlap re or im. Does nothing when any pointer is NULL. */
void sotto_fft_inverse(const sotto_fft *f, const float *re, const float *im, float *out);

#endif
