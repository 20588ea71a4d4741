/* AVX2/FMA matrix-vector kernel (private to codec/nnet.c and its tests). */
#ifndef SOTTO_CODEC_NNET_AVX2_H
#define SOTTO_CODEC_NNET_AVX2_H

/* 1 when this build has the AVX2 kernel and the CPU supports AVX2 and FMA. */
int sotto_avx2_available(void);

/* Same contract as sotto_matvec_scalar; only call when sotto_avx2_available(). */
void sotto_matvec_avx2(const float *w, const float *bias, const float *x, int rows,
                       int cols, float *out);

#endif
