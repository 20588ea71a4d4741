/* Unit tests for the Sotto codec encoder half: FFT, feature analysis,
 * quantiser and bitstream, checked against the golden vectors that
 * scripts/train/export.py writes (scripts/train/golden/golden.bin).
 *
 * Tolerances against the float64 reference: band energies 0.01 dB, pitch lag
 * 0.01 samples, voicing 1e-4; indices and packet bytes exact. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/fft.h"
#include "codec/sotto.h"
#include "codec/sotto_features.h"
#include "codec/sotto_quant.h"
#include "codec/sotto_weights.h"

#define TEST_PI 3.14159265358979323846
#define GOLDEN_SAMPLES 6400
#define GOLDEN_PACKETS 20          /* 20 ms packets in the golden input */
#define GOLDEN_SUBFRAMES 40
#define BAND_TOL_DB 0.01
#define LAG_TOL 0.01
#define VOICING_TOL 1e-4

/* ------------------------------------------------------------ helpers */

static uint32_t lcg_next(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

static uint8_t *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_gt(size, 0);
    ck_assert_int_eq(fseek(f, 0, SEEK_SET), 0);
    uint8_t *buf = malloc((size_t)size);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *out_len = (size_t)size;
    return buf;
}

/* The golden blob lives in the repository, two levels above tests/data. */
static sotto_weights *load_golden(void)
{
    const char *data = getenv("SOTTO_TEST_DATA");
    ck_assert_msg(data != NULL, "SOTTO_TEST_DATA not set");
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/../../scripts/train/golden/golden.bin", data);
    ck_assert(n > 0 && (size_t)n < sizeof(path));
    size_t len = 0;
    uint8_t *buf = read_all(path, &len);
    sotto_weights *w = NULL;
    char err[256] = "";
    int rc = sotto_weights_parse(&w, buf, len, NULL, err, sizeof(err));
    free(buf);
    ck_assert_msg(rc == 0, "golden.bin: %s", err);
    return w;
}

static const float *golden_get(const sotto_weights *w, const char *name, uint32_t d0, uint32_t d1)
{
    uint32_t dims[2] = {d0, d1};
    const float *t = sotto_weights_get(w, name, d1 ? 2 : 1, dims);
    ck_assert_msg(t != NULL, "golden tensor %s [%u, %u] missing", name, d0, d1);
    return t;
}

static sotto_weights *load_books(sotto_codebooks *out_books)
{
    const uint8_t *blob = NULL;
    size_t len = 0;
    static const char *const prefixes[] = {"quant.", NULL};
    sotto_weights_embedded(&blob, &len);
    sotto_weights *w = NULL;
    char err[256] = "";
    ck_assert_int_eq(sotto_weights_parse(&w, blob, len, prefixes, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto__codebooks_from_weights(out_books, w, err, sizeof(err)), 0);
    return w;
}

/* ------------------------------------------------------------ FFT */

START_TEST(fft_matches_naive_dft)
{
    for (int n = SOTTO_FFT_MIN_N; n <= 1024; n *= 2) {
        sotto_fft *f = NULL;
        ck_assert_int_eq(sotto_fft_create(&f, n), 0);
        ck_assert_int_eq(sotto_fft_size(f), n);
        float *x = calloc((size_t)n, sizeof(float));
        float *re = calloc((size_t)n / 2 + 1, sizeof(float));
        float *im = calloc((size_t)n / 2 + 1, sizeof(float));
        ck_assert(x && re && im);
        uint32_t s = (uint32_t)n;
        for (int i = 0; i < n; i++)
            x[i] = (float)(lcg_next(&s) >> 8) / 16777216.0f - 0.5f;
        sotto_fft_forward(f, x, re, im);
        for (int k = 0; k <= n / 2; k++) {
            double sr = 0.0, si = 0.0;
            for (int t = 0; t < n; t++) {
                double a = -2.0 * TEST_PI * (double)k * t / n;
                sr += x[t] * cos(a);
                si += x[t] * sin(a);
            }
            ck_assert_msg(fabs(sr - re[k]) < 1e-5 * n && fabs(si - im[k]) < 1e-5 * n,
                          "n %d bin %d: (%g, %g) vs (%g, %g)", n, k, re[k], im[k], sr, si);
        }
        free(x);
        free(re);
        free(im);
        sotto_fft_destroy(&f);
        ck_assert_ptr_null(f);
    }
}
END_TEST

START_TEST(fft_inverse_round_trips_and_scales_like_irfft)
{
    for (int n = SOTTO_FFT_MIN_N; n <= SOTTO_FFT_MAX_N; n *= 2) {
        sotto_fft *f = NULL;
        ck_assert_int_eq(sotto_fft_create(&f, n), 0);
        float *x = calloc((size_t)n, sizeof(float)), *y = calloc((size_t)n, sizeof(float));
        float *re = calloc((size_t)n / 2 + 1, sizeof(float));
        float *im = calloc((size_t)n / 2 + 1, sizeof(float));
        ck_assert(x && y && re && im);
        uint32_t s = 7u + (uint32_t)n;
        for (int i = 0; i < n; i++)
            x[i] = (float)(lcg_next(&s) >> 8) / 16777216.0f - 0.5f;
        sotto_fft_forward(f, x, re, im);
        /* numpy irfft ignores the imaginary parts of DC and Nyquist */
        im[0] = 3.0f;
        im[n / 2] = -2.0f;
        sotto_fft_inverse(f, re, im, y);
        for (int i = 0; i < n; i++)
            ck_assert_msg(fabsf(x[i] - y[i]) < 1e-5f, "n %d sample %d: %g vs %g", n, i, y[i], x[i]);
        free(x);
        free(y);
        free(re);
        free(im);
        sotto_fft_destroy(&f);
    }
}
END_TEST

START_TEST(fft_single_bin_inverse_is_a_cosine)
{
    sotto_fft *f = NULL;
    ck_assert_int_eq(sotto_fft_create(&f, 64), 0);
    float re[33] = {0}, im[33] = {0}, y[64];
    re[5] = 32.0f;   /* irfft: 2 * 32 / 64 cos(2 pi 5 t / 64) */
    sotto_fft_inverse(f, re, im, y);
    for (int t = 0; t < 64; t++)
        ck_assert_double_eq_tol(y[t], cos(2.0 * TEST_PI * 5 * t / 64), 1e-5);
    sotto_fft_destroy(&f);
}
END_TEST

START_TEST(fft_rejects_bad_sizes)
{
    sotto_fft *f = NULL;
    const int bad[] = {0, -16, 8, 24, 100, 8192, 1000};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(sotto_fft_create(&f, bad[i]), -EINVAL);
        ck_assert_ptr_null(f);
    }
    ck_assert_int_eq(sotto_fft_create(NULL, 64), -EINVAL);
    sotto_fft_destroy(NULL);
    sotto_fft_destroy(&f);
    ck_assert_int_eq(sotto_fft_size(NULL), 0);
}
END_TEST

/* ------------------------------------------------------------ features */

START_TEST(features_match_golden)
{
    sotto_weights *g = load_golden();
    const float *x = golden_get(g, "input", GOLDEN_SAMPLES, 0);
    const float *want_bands = golden_get(g, "bands", GOLDEN_SUBFRAMES, SOTTO_FEAT_BANDS);
    const float *want_lag = golden_get(g, "lag", GOLDEN_PACKETS, 0);
    const float *want_voicing = golden_get(g, "voicing", GOLDEN_PACKETS, 0);
    /* the reference zero-pads both ends */
    size_t pre = SOTTO_FEAT_LAG_MAX, total = pre + GOLDEN_SAMPLES + SOTTO_FEAT_WIN;
    float *y = calloc(total, sizeof(float));
    ck_assert_ptr_nonnull(y);
    memcpy(y + pre, x, GOLDEN_SAMPLES * sizeof(float));
    sotto_features *f = NULL;
    ck_assert_int_eq(sotto__features_create(&f), 0);
    double worst = 0.0;
    for (int j = 0; j < GOLDEN_SUBFRAMES; j++) {
        float bands[SOTTO_FEAT_BANDS];
        sotto__features_bands(f, y + pre + j * SOTTO_FEAT_SUB - SOTTO_FEAT_LOOKAHEAD, bands);
        for (int b = 0; b < SOTTO_FEAT_BANDS; b++) {
            double d = fabs(bands[b] - want_bands[j * SOTTO_FEAT_BANDS + b]);
            worst = d > worst ? d : worst;
        }
    }
    ck_assert_msg(worst < BAND_TOL_DB, "band error %g dB", worst);
    for (int k = 0; k < GOLDEN_PACKETS; k++) {
        float lag = 0.0f, voicing = -1.0f;
        sotto__features_pitch(f, y + pre + k * SOTTO_FEAT_PKT, &lag, &voicing);
        ck_assert_msg(fabs(lag - want_lag[k]) < LAG_TOL, "packet %d lag %g vs %g", k, lag,
                      want_lag[k]);
        ck_assert_msg(fabs(voicing - want_voicing[k]) < VOICING_TOL, "packet %d voicing %g vs %g",
                      k, voicing, want_voicing[k]);
    }
    sotto__features_destroy(&f);
    ck_assert_ptr_null(f);
    free(y);
    sotto_weights_destroy(&g);
}
END_TEST

START_TEST(features_band_weights_have_unit_sum)
{
    sotto_features *f = NULL;
    ck_assert_int_eq(sotto__features_create(&f), 0);
    for (int b = 0; b < SOTTO_FEAT_BANDS; b++) {
        const float *w = sotto__features_band_weights(f, b);
        ck_assert_ptr_nonnull(w);
        double sum = 0.0;
        for (int k = 0; k < SOTTO_FEAT_NBINS; k++)
            sum += w[k];
        ck_assert_double_eq_tol(sum, 1.0, 1e-5);
    }
    ck_assert_ptr_null(sotto__features_band_weights(f, SOTTO_FEAT_BANDS));
    ck_assert_ptr_null(sotto__features_band_weights(f, -1));
    sotto__features_destroy(&f);
}
END_TEST

START_TEST(features_white_noise_reads_its_variance)
{
    /* power is normalised by the window energy, so unit-variance noise
     * reads about 0 dB in every band */
    sotto_features *f = NULL;
    ck_assert_int_eq(sotto__features_create(&f), 0);
    double mean[SOTTO_FEAT_BANDS] = {0};
    uint32_t s = 99u;
    float frame[SOTTO_FEAT_WIN], bands[SOTTO_FEAT_BANDS];
    const int trials = 400;
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < SOTTO_FEAT_WIN; i++)   /* uniform, variance 1 */
            frame[i] = (float)(((lcg_next(&s) >> 8) / 16777216.0 - 0.5) * sqrt(12.0));
        sotto__features_bands(f, frame, bands);
        for (int b = 0; b < SOTTO_FEAT_BANDS; b++)
            mean[b] += pow(10.0, bands[b] / 10.0) / trials;
    }
    for (int b = 4; b < SOTTO_FEAT_BANDS; b++)
        ck_assert_msg(fabs(10.0 * log10(mean[b])) < 0.5, "band %d: %g dB", b,
                      10.0 * log10(mean[b]));
    sotto__features_destroy(&f);
}
END_TEST

/* ------------------------------------------------------------ quantiser and bitstream */

static void check_mode_golden(sotto_mode m, const char *prefix)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    int bytes = (int)sotto_mode_packet_bytes(m), n = GOLDEN_PACKETS * 2 / l->n_sub;
    sotto_weights *g = load_golden();
    sotto_codebooks books;
    sotto_weights *bw = load_books(&books);
    char name[64];
    snprintf(name, sizeof(name), "%s.packed", prefix);
    const float *packed = golden_get(g, name, (uint32_t)n, (uint32_t)bytes);
    snprintf(name, sizeof(name), "%s.dq_bands", prefix);
    const float *dq_bands = golden_get(g, name, GOLDEN_SUBFRAMES, SOTTO_FEAT_BANDS);
    snprintf(name, sizeof(name), "%s.dq_lag", prefix);
    const float *dq_lag = golden_get(g, name, GOLDEN_PACKETS, 0);
    snprintf(name, sizeof(name), "%s.dq_voicing", prefix);
    const float *dq_voicing = golden_get(g, name, GOLDEN_PACKETS, 0);
    const float *bands = golden_get(g, "bands", GOLDEN_SUBFRAMES, SOTTO_FEAT_BANDS);
    const float *lag = golden_get(g, "lag", GOLDEN_PACKETS, 0);
    const float *voicing = golden_get(g, "voicing", GOLDEN_PACKETS, 0);
    static sotto_vq_norms norms;
    ck_assert_int_eq(sotto__vq_norms_init(&norms, &books, m), 0);
    sotto_pred_state enc_pred, dec_pred;
    sotto__pred_reset(&books, m, &enc_pred);
    sotto__pred_reset(&books, m, &dec_pred);
    for (int p = 0; p < n; p++) {
        uint8_t pkt[SOTTO_MAX_PACKET_BYTES], want[SOTTO_MAX_PACKET_BYTES];
        uint16_t idx[SOTTO_MAX_FIELDS], back[SOTTO_MAX_FIELDS];
        for (int b = 0; b < bytes; b++)
            want[b] = (uint8_t)packed[p * bytes + b];
        int blocks = l->n_sub / 2;
        ck_assert_int_eq(sotto__quantise(&books, &norms, m, bands + p * l->n_sub * SOTTO_FEAT_BANDS,
                                         lag + p * blocks, voicing + p * blocks, &enc_pred, idx),
                         0);
        ck_assert_int_eq(sotto__pack(m, idx, pkt), 0);
        ck_assert_msg(memcmp(pkt, want, (size_t)bytes) == 0, "%s packet %d differs", prefix, p);
        ck_assert_int_eq(sotto__unpack(m, want, (size_t)bytes, back), 0);
        ck_assert_int_eq(memcmp(idx, back, (size_t)l->n_fields * sizeof(uint16_t)), 0);
        float feat[SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_DIM];
        sotto__dequantise(&books, m, back, &dec_pred, feat);
        ck_assert_int_eq(memcmp(enc_pred.prev, dec_pred.prev, sizeof(enc_pred.prev)), 0);
        for (int s = 0; s < l->n_sub; s++) {
            int sub = p * l->n_sub + s, blk = sub / 2;
            const float *o = feat + s * SOTTO_FEAT_DIM;
            for (int b = 0; b < SOTTO_FEAT_BANDS; b++)
                ck_assert_double_eq_tol(o[b], dq_bands[sub * SOTTO_FEAT_BANDS + b], 1e-4);
            ck_assert_double_eq_tol(o[SOTTO_FEAT_LAG], dq_lag[blk], 1e-3);
            ck_assert_double_eq_tol(o[SOTTO_FEAT_VOICING], dq_voicing[blk], 1e-6);
        }
    }
    sotto_weights_destroy(&bw);
    sotto_weights_destroy(&g);
}

START_TEST(quantiser_matches_golden_3200)
{
    check_mode_golden(SOTTO_MODE_3200, "n64");
}
END_TEST

START_TEST(quantiser_matches_golden_2000)
{
    check_mode_golden(SOTTO_MODE_2000, "l80");
}
END_TEST

/* The streaming encoder analyses its input delayed by the 80-sample
 * look-ahead, so feeding the golden input advanced by 80 samples (and zeros
 * after it) must give the golden packets exactly. */
static void check_stream_golden(sotto_mode m, const char *prefix)
{
    size_t frame = sotto_mode_frame_samples(m), bytes = sotto_mode_packet_bytes(m);
    size_t n = GOLDEN_SAMPLES / frame;
    sotto_weights *g = load_golden();
    char name[64];
    snprintf(name, sizeof(name), "%s.packed", prefix);
    const float *x = golden_get(g, "input", GOLDEN_SAMPLES, 0);
    const float *packed = golden_get(g, name, (uint32_t)n, (uint32_t)bytes);
    int16_t *pcm = calloc(GOLDEN_SAMPLES, sizeof(int16_t));
    ck_assert_ptr_nonnull(pcm);
    for (size_t i = 0; i + SOTTO_FEAT_LOOKAHEAD < GOLDEN_SAMPLES; i++)
        pcm[i] = (int16_t)lrintf(x[i + SOTTO_FEAT_LOOKAHEAD] * 32768.0f);
    sotto_encoder *e = NULL;
    ck_assert_int_eq(sotto_encoder_create(&e, m), 0);
    for (int pass = 0; pass < 2; pass++) {   /* the second pass checks reset */
        for (size_t p = 0; p < n; p++) {
            uint8_t pkt[SOTTO_MAX_PACKET_BYTES];
            ck_assert_int_eq(sotto_encode(e, pcm + p * frame, pkt), 0);
            for (size_t b = 0; b < bytes; b++)
                ck_assert_msg(pkt[b] == (uint8_t)packed[p * bytes + b],
                              "%s pass %d packet %zu byte %zu: %u vs %u", prefix, pass, p, b,
                              pkt[b], (unsigned)packed[p * bytes + b]);
        }
        ck_assert_int_eq(sotto_encoder_reset(e), 0);
    }
    sotto_encoder_destroy(&e);
    ck_assert_ptr_null(e);
    free(pcm);
    sotto_weights_destroy(&g);
}

START_TEST(encoder_stream_matches_golden_3200)
{
    check_stream_golden(SOTTO_MODE_3200, "n64");
}
END_TEST

START_TEST(encoder_stream_matches_golden_2000)
{
    check_stream_golden(SOTTO_MODE_2000, "l80");
}
END_TEST

START_TEST(pack_unpack_round_trip_is_bit_exact)
{
    const sotto_mode modes[] = {SOTTO_MODE_3200, SOTTO_MODE_2000};
    uint32_t s = 12345u;
    for (size_t mi = 0; mi < 2; mi++) {
        sotto_mode m = modes[mi];
        const sotto_mode_layout *l = sotto__mode_layout(m);
        size_t bytes = sotto_mode_packet_bytes(m);
        int total = 0;
        for (int i = 0; i < l->n_fields; i++)
            total += l->bits[i];
        ck_assert_int_eq(total, l->total_bits);
        for (int trial = 0; trial < 2000; trial++) {
            uint8_t pkt[SOTTO_MAX_PACKET_BYTES], again[SOTTO_MAX_PACKET_BYTES];
            uint16_t idx[SOTTO_MAX_FIELDS], back[SOTTO_MAX_FIELDS];
            for (size_t b = 0; b < bytes; b++)
                pkt[b] = (uint8_t)(lcg_next(&s) >> 24);
            ck_assert_int_eq(sotto__unpack(m, pkt, bytes, idx), 0);
            for (int i = 0; i < l->n_fields; i++)
                ck_assert_uint_lt(idx[i], 1u << l->bits[i]);
            ck_assert_int_eq(sotto__pack(m, idx, again), 0);
            ck_assert_int_eq(memcmp(pkt, again, bytes), 0);
            ck_assert_int_eq(sotto__unpack(m, again, bytes, back), 0);
            ck_assert_int_eq(memcmp(idx, back, (size_t)l->n_fields * sizeof(uint16_t)), 0);
        }
    }
}
END_TEST

START_TEST(pack_puts_fields_msb_first)
{
    /* n64: pitch 7 | voicing 2 | gain 6 | stages 10,10,10,10,9 */
    uint16_t idx[SOTTO_MAX_FIELDS] = {0x7F, 0, 0, 0, 0, 0, 0, 1};
    uint8_t pkt[8];
    ck_assert_int_eq(sotto__pack(SOTTO_MODE_3200, idx, pkt), 0);
    const uint8_t want[8] = {0xFE, 0, 0, 0, 0, 0, 0, 0x01};
    ck_assert_int_eq(memcmp(pkt, want, 8), 0);
    uint16_t idx2[SOTTO_MAX_FIELDS] = {0, 3, 0x3F, 0, 0, 0, 0, 0};
    ck_assert_int_eq(sotto__pack(SOTTO_MODE_3200, idx2, pkt), 0);
    const uint8_t want2[8] = {0x01, 0xFE, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(memcmp(pkt, want2, 8), 0);
}
END_TEST

START_TEST(pack_and_unpack_reject_bad_input)
{
    uint8_t pkt[SOTTO_MAX_PACKET_BYTES] = {0};
    uint16_t idx[SOTTO_MAX_FIELDS] = {0};
    ck_assert_int_eq(sotto__unpack(SOTTO_MODE_3200, pkt, 7, idx), -EINVAL);
    ck_assert_int_eq(sotto__unpack(SOTTO_MODE_3200, pkt, 9, idx), -EINVAL);
    ck_assert_int_eq(sotto__unpack(SOTTO_MODE_2000, pkt, 8, idx), -EINVAL);
    ck_assert_int_eq(sotto__unpack(SOTTO_MODE_3200, pkt, 0, idx), -EINVAL);
    ck_assert_int_eq(sotto__unpack(SOTTO_MODE_3200, NULL, 8, idx), -EINVAL);
    ck_assert_int_eq(sotto__unpack(SOTTO_MODE_3200, pkt, 8, NULL), -EINVAL);
    ck_assert_int_eq(sotto__unpack((sotto_mode)2, pkt, 8, idx), -EINVAL);
    idx[0] = 128;   /* pitch has 7 bits */
    ck_assert_int_eq(sotto__pack(SOTTO_MODE_3200, idx, pkt), -EINVAL);
    idx[0] = 0;
    idx[7] = 512;   /* last n64 stage has 9 bits */
    ck_assert_int_eq(sotto__pack(SOTTO_MODE_3200, idx, pkt), -EINVAL);
    idx[7] = 511;
    ck_assert_int_eq(sotto__pack(SOTTO_MODE_3200, idx, pkt), 0);
    ck_assert_int_eq(sotto__pack(SOTTO_MODE_3200, NULL, pkt), -EINVAL);
    ck_assert_int_eq(sotto__pack((sotto_mode)-1, idx, pkt), -EINVAL);
    ck_assert_ptr_null(sotto__mode_layout((sotto_mode)2));
}
END_TEST

static const float *missing_lookup(const void *ctx, const char *name, int ndim,
                                   const uint32_t *dims)
{
    (void)ctx;
    (void)name;
    (void)ndim;
    (void)dims;
    return NULL;
}

START_TEST(codebooks_bind_reports_missing_tensor)
{
    sotto_codebooks books;
    memset(&books, 0x5A, sizeof(books));
    char err[128] = "";
    ck_assert_int_eq(sotto__codebooks_bind(&books, missing_lookup, NULL, err, sizeof(err)),
                     -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "quant.n64_stage0"));
    ck_assert_int_eq(sotto__codebooks_bind(NULL, missing_lookup, NULL, err, sizeof(err)),
                     -EINVAL);
    ck_assert_int_eq(sotto__codebooks_from_weights(&books, NULL, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(bitrate_is_exact)
{
    ck_assert_uint_eq(sotto_mode_frame_samples(SOTTO_MODE_3200), 320);
    ck_assert_uint_eq(sotto_mode_frame_samples(SOTTO_MODE_2000), 640);
    ck_assert_uint_eq(sotto_mode_packet_bytes(SOTTO_MODE_3200), 8);
    ck_assert_uint_eq(sotto_mode_packet_bytes(SOTTO_MODE_2000), 10);
    ck_assert_uint_eq(sotto_mode_packet_bytes(SOTTO_MODE_3200) * 8 * 16000 /
                          sotto_mode_frame_samples(SOTTO_MODE_3200), 3200);
    ck_assert_uint_eq(sotto_mode_packet_bytes(SOTTO_MODE_2000) * 8 * 16000 /
                          sotto_mode_frame_samples(SOTTO_MODE_2000), 2000);
    ck_assert_uint_eq(sotto_mode_frame_samples((sotto_mode)5), 0);
    ck_assert_uint_eq(sotto_mode_packet_bytes((sotto_mode)5), 0);
}
END_TEST

START_TEST(sot_header_round_trips)
{
    uint8_t hdr[SOTTO_SOT_HEADER_BYTES];
    sotto_mode m = SOTTO_MODE_3200;
    uint64_t samples = 0;
    ck_assert_int_eq(sotto__sot_write_header(SOTTO_MODE_2000, 0x0102030405ull, hdr), 0);
    const uint8_t want[SOTTO_SOT_HEADER_BYTES] = {'S', 'O', 'T', '2', 1, 0, 0, 0,
                                                  5, 4, 3, 2, 1, 0, 0, 0};
    ck_assert_int_eq(memcmp(hdr, want, sizeof(want)), 0);
    ck_assert_int_eq(sotto__sot_parse_header(hdr, sizeof(hdr), &m, &samples), 0);
    ck_assert_int_eq(m, SOTTO_MODE_2000);
    ck_assert_uint_eq(samples, 0x0102030405ull);
    ck_assert_int_eq(sotto__sot_write_header(SOTTO_MODE_3200, SOTTO_SOT_MAX_SAMPLES + 1, hdr),
                     -EINVAL);
    ck_assert_int_eq(sotto__sot_write_header((sotto_mode)3, 1, hdr), -EINVAL);
    ck_assert_int_eq(sotto__sot_write_header(SOTTO_MODE_3200, 1, NULL), -EINVAL);
}
END_TEST

START_TEST(sot_header_rejects_truncation_and_garbage)
{
    uint8_t hdr[SOTTO_SOT_HEADER_BYTES], bad[SOTTO_SOT_HEADER_BYTES];
    sotto_mode m = SOTTO_MODE_2000;
    uint64_t samples = 77;
    ck_assert_int_eq(sotto__sot_write_header(SOTTO_MODE_3200, 16000, hdr), 0);
    for (size_t len = 0; len < sizeof(hdr); len++)
        ck_assert_int_eq(sotto__sot_parse_header(hdr, len, &m, &samples), -EINVAL);
    /* any change to magic, mode or reserved bytes is rejected */
    for (size_t i = 0; i < 8; i++) {
        memcpy(bad, hdr, sizeof(hdr));
        bad[i] ^= 0x40;
        ck_assert_int_eq(sotto__sot_parse_header(bad, sizeof(bad), &m, &samples), -EINVAL);
    }
    memcpy(bad, hdr, sizeof(hdr));
    bad[15] = 0x80;   /* sample count far over the limit */
    ck_assert_int_eq(sotto__sot_parse_header(bad, sizeof(bad), &m, &samples), -EINVAL);
    memcpy(bad, hdr, sizeof(hdr));
    bad[4] = 2;
    ck_assert_int_eq(sotto__sot_parse_header(bad, sizeof(bad), &m, &samples), -EINVAL);
    ck_assert_int_eq(sotto__sot_parse_header(NULL, sizeof(hdr), &m, &samples), -EINVAL);
    /* outputs untouched on failure */
    ck_assert_int_eq(m, SOTTO_MODE_2000);
    ck_assert_uint_eq(samples, 77);
}
END_TEST

START_TEST(sot_packet_count_checks_payload)
{
    uint64_t n = 0;
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_3200, 640, 16, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_3200, 641, 16, &n), -EINVAL);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_3200, 641, 24, &n), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_3200, 0, 0, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_3200, 10, 7, &n), -EINVAL);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_2000, 640, 8, &n), -EINVAL);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_2000, 640, 10, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(sotto__sot_packet_count(SOTTO_MODE_2000, 640, 10, NULL), -EINVAL);
}
END_TEST

/* Encodes n frames of pcm (n * frame samples) and dequantises each packet;
 * features of the last packet go to out_feat. Returns the packets. */
static uint8_t *encode_and_dequantise(sotto_mode m, const int16_t *pcm, size_t n,
                                      float *out_feat)
{
    size_t frame = sotto_mode_frame_samples(m), bytes = sotto_mode_packet_bytes(m);
    uint8_t *pkts = calloc(n, bytes);
    ck_assert_ptr_nonnull(pkts);
    sotto_encoder *e = NULL;
    ck_assert_int_eq(sotto_encoder_create(&e, m), 0);
    for (size_t p = 0; p < n; p++)
        ck_assert_int_eq(sotto_encode(e, pcm + p * frame, pkts + p * bytes), 0);
    sotto_encoder_destroy(&e);
    sotto_codebooks books;
    sotto_weights *bw = load_books(&books);
    uint16_t idx[SOTTO_MAX_FIELDS];
    sotto_pred_state pred;
    sotto__pred_reset(&books, m, &pred);
    for (size_t p = 0; p < n; p++) {       /* prediction: decode the stream in order */
        ck_assert_int_eq(sotto__unpack(m, pkts + p * bytes, bytes, idx), 0);
        sotto__dequantise(&books, m, idx, &pred, out_feat);
    }
    sotto_weights_destroy(&bw);
    return pkts;
}

START_TEST(encode_silence_gives_quiet_unvoiced_packets)
{
    const sotto_mode modes[] = {SOTTO_MODE_3200, SOTTO_MODE_2000};
    for (size_t mi = 0; mi < 2; mi++) {
        sotto_mode m = modes[mi];
        /* the shape predictor settles over the first packets, then silence codes the same */
        size_t frame = sotto_mode_frame_samples(m), bytes = sotto_mode_packet_bytes(m), n = 40;
        int16_t *pcm = calloc(n * frame, sizeof(int16_t));
        ck_assert_ptr_nonnull(pcm);
        float feat[SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_DIM];
        uint8_t *pkts = encode_and_dequantise(m, pcm, n, feat);
        for (size_t p = n - 8; p < n; p++)
            ck_assert_int_eq(memcmp(pkts + (n - 9) * bytes, pkts + p * bytes, bytes), 0);
        const sotto_mode_layout *l = sotto__mode_layout(m);
        for (int s = 0; s < l->n_sub; s++) {
            const float *o = feat + s * SOTTO_FEAT_DIM;
            for (int b = 0; b < SOTTO_FEAT_BANDS; b++)
                ck_assert_msg(o[b] < -60.0f, "mode %d band %d: %g dB", (int)m, b, o[b]);
            ck_assert_float_lt(o[SOTTO_FEAT_VOICING], 0.3f);
        }
        free(pkts);
        free(pcm);
    }
}
END_TEST

START_TEST(encode_sine_finds_its_pitch_and_band)
{
    const sotto_mode modes[] = {SOTTO_MODE_3200, SOTTO_MODE_2000};
    const double hz = 200.0;       /* lag 80 samples */
    for (size_t mi = 0; mi < 2; mi++) {
        sotto_mode m = modes[mi];
        size_t frame = sotto_mode_frame_samples(m), n = 8;
        int16_t *pcm = calloc(n * frame, sizeof(int16_t));
        ck_assert_ptr_nonnull(pcm);
        for (size_t i = 0; i < n * frame; i++)
            pcm[i] = (int16_t)lrint(12000.0 * sin(2.0 * TEST_PI * hz * (double)i / 16000.0));
        float feat[SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_DIM];
        free(encode_and_dequantise(m, pcm, n, feat));
        sotto_features *f = NULL;
        ck_assert_int_eq(sotto__features_create(&f), 0);
        int bin = (int)lrint(hz * SOTTO_FEAT_NFFT / SOTTO_FEAT_SR), want_band = 0;
        for (int b = 1; b < SOTTO_FEAT_BANDS; b++)
            if (sotto__features_band_weights(f, b)[bin] >
                sotto__features_band_weights(f, want_band)[bin])
                want_band = b;
        sotto__features_destroy(&f);
        const sotto_mode_layout *l = sotto__mode_layout(m);
        for (int s = 0; s < l->n_sub; s++) {
            const float *o = feat + s * SOTTO_FEAT_DIM;
            ck_assert_msg(fabs(o[SOTTO_FEAT_LAG] - 80.0) < 80.0 * 0.03, "lag %g",
                          o[SOTTO_FEAT_LAG]);
            ck_assert_float_gt(o[SOTTO_FEAT_VOICING], 0.7f);
            int peak = 0;
            for (int b = 1; b < SOTTO_FEAT_BANDS; b++)
                if (o[b] > o[peak])
                    peak = b;
            ck_assert_msg(abs(peak - want_band) <= 1, "peak band %d, want %d", peak, want_band);
        }
        free(pcm);
    }
}
END_TEST

START_TEST(encoder_rejects_bad_arguments)
{
    sotto_encoder *e = NULL;
    ck_assert_int_eq(sotto_encoder_create(NULL, SOTTO_MODE_3200), -EINVAL);
    ck_assert_int_eq(sotto_encoder_create(&e, (sotto_mode)2), -EINVAL);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(sotto_encoder_create(&e, SOTTO_MODE_3200), 0);
    int16_t pcm[320] = {0};
    uint8_t pkt[8];
    ck_assert_int_eq(sotto_encode(NULL, pcm, pkt), -EINVAL);
    ck_assert_int_eq(sotto_encode(e, NULL, pkt), -EINVAL);
    ck_assert_int_eq(sotto_encode(e, pcm, NULL), -EINVAL);
    ck_assert_int_eq(sotto_encoder_reset(NULL), -EINVAL);
    sotto_encoder_destroy(&e);
    ck_assert_ptr_null(e);
    sotto_encoder_destroy(&e);
    sotto_encoder_destroy(NULL);
}
END_TEST

static Suite *encoder_suite(void)
{
    Suite *s = suite_create("sotto_encoder");
    TCase *fft = tcase_create("fft");
    tcase_add_test(fft, fft_matches_naive_dft);
    tcase_add_test(fft, fft_inverse_round_trips_and_scales_like_irfft);
    tcase_add_test(fft, fft_single_bin_inverse_is_a_cosine);
    tcase_add_test(fft, fft_rejects_bad_sizes);
    suite_add_tcase(s, fft);
    TCase *feat = tcase_create("features");
    tcase_add_test(feat, features_match_golden);
    tcase_add_test(feat, features_band_weights_have_unit_sum);
    tcase_add_test(feat, features_white_noise_reads_its_variance);
    suite_add_tcase(s, feat);
    TCase *quant = tcase_create("bitstream");
    tcase_add_test(quant, quantiser_matches_golden_3200);
    tcase_add_test(quant, quantiser_matches_golden_2000);
    tcase_add_test(quant, pack_unpack_round_trip_is_bit_exact);
    tcase_add_test(quant, pack_puts_fields_msb_first);
    tcase_add_test(quant, pack_and_unpack_reject_bad_input);
    tcase_add_test(quant, codebooks_bind_reports_missing_tensor);
    tcase_add_test(quant, bitrate_is_exact);
    tcase_add_test(quant, sot_header_round_trips);
    tcase_add_test(quant, sot_header_rejects_truncation_and_garbage);
    tcase_add_test(quant, sot_packet_count_checks_payload);
    suite_add_tcase(s, quant);
    TCase *enc = tcase_create("encoder");
    tcase_add_test(enc, encoder_stream_matches_golden_3200);
    tcase_add_test(enc, encoder_stream_matches_golden_2000);
    tcase_add_test(enc, encode_silence_gives_quiet_unvoiced_packets);
    tcase_add_test(enc, encode_sine_finds_its_pitch_and_band);
    tcase_add_test(enc, encoder_rejects_bad_arguments);
    suite_add_tcase(s, enc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(encoder_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
