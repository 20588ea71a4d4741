/* Sotto decoder internals (private to codec/; tests use them for golden vectors and
 * for hostile weights). */
#ifndef SOTTO_CODEC_SOTTO_DECODER_H
#define SOTTO_CODEC_SOTTO_DECODER_H

#include <stddef.h>
#include <stdint.h>

#include "codec/sotto.h"

#define SOTTO_SUB 160          /* subframe, samples (10 ms) */
#define SOTTO_DEC_NFFT 512     /* synthesis FFT size */
#define SOTTO_DEC_NBINS 257    /* SOTTO_DEC_NFFT / 2 + 1 */
#define SOTTO_DEC_COND 128     /* conv channels */
#define SOTTO_DEC_HIDDEN 256   /* GRU state */
#define SOTTO_DEC_IN 35        /* 32 bands, log2 f0, voicing, low-mode flag */
#define SOTTO_DEC_OUT 96       /* 3 x 32 corrections */
#define SOTTO_DEC_ALIGN 160    /* extra output delay against model.py, samples */

/* Like sotto_decoder_create but from blob[0..len) (SOTTOW01 or SOTTOH01; caller keeps
 * it) and with the SIMD kernel only when allow_simd.  Returns 0, -EINVAL (damaged or
 * incomplete blob: reason in err) or -ENOMEM. */
int sotto__decoder_create_from(sotto_decoder **out, sotto_mode mode, const uint8_t *blob,
                               size_t len, int allow_simd, char *err, size_t err_len);

/* Decodes n_sub subframes of dequantised features (SOTTO_FEAT_DIM floats each, as
 * sotto__dequantise writes them) into n_sub * SOTTO_SUB float samples (full scale 1.0),
 * which equal model.py decode_utterance's output delayed by SOTTO_DEC_ALIGN.
 * Returns 0 or -EINVAL. */
int sotto__decode_features(sotto_decoder *d, const float *feat, int n_sub, float *out);

/* 1 when d runs the AVX2 kernel. */
int sotto__decoder_uses_simd(const sotto_decoder *d);

#endif
