/* AVX2/FMA matrix-vector kernel.  Built with -mavx2 -mfma for x86-64 only; on other
 * targets the fallback below reports no SIMD and the scalar kernel is used. */
#include "codec/nnet_avx2.h"

#include "codec/nnet.h"

#if defined(__x86_64__) && defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

int sotto_avx2_available(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

void sotto_matvec_avx2(const float *w, const float *bias, const float *x, int rows,
                       int cols, float *out)
{
    for (int r = 0; r < rows; r++) {
        const float *row = w + (size_t)r * (size_t)cols;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        int c = 0;
        for (; c + 16 <= cols; c += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(x + c), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + c + 8), _mm256_loadu_ps(x + c + 8), a1);
        }
        for (; c + 8 <= cols; c += 8)
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(x + c), a0);
        float acc = hsum(_mm256_add_ps(a0, a1));
        for (; c < cols; c++)
            acc += row[c] * x[c];
        out[r] = acc + (bias ? bias[r] : 0.0f);
    }
}

#else

int sotto_avx2_available(void)
{
    return 0;
}

void sotto_matvec_avx2(const float *w, const float *bias, const float *x, int rows,
                       int cols, float *out)
{
    sotto_matvec_scalar(w, bias, x, rows, cols, out);
}

#endif
