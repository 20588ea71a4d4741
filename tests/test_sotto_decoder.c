/* Sotto decoder: golden vectors from scripts/train (model.py), weights blob parser,
 * hostile packets, concealment, SIMD against scalar. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/nnet.h"
#include "codec/nnet_avx2.h"
#include "codec/sotto.h"
#include "codec/sotto_decoder.h"
#include "codec/sotto_plc.h"
#include "codec/sotto_quant.h"
#include "codec/sotto_weights.h"

/* Golden tolerance against model.py, full scale 1.0 (measured: ~5e-7, ~119 dB). */
#define GOLDEN_MAX_ABS 1e-4
#define GOLDEN_MIN_SNR_DB 80.0
#define GOLDEN_SUB 40 /* subframes in golden.bin (0.4 s) */

/* ------------------------------------------------------------------ helpers */

static uint8_t *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *out_len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* golden.bin lives with the training scripts: $SOTTO_GOLDEN, else found from the
 * test data folder the test setup exports. */
static sotto_weights *load_golden(void)
{
    char path[4096];
    const char *env = getenv("SOTTO_GOLDEN");
    const char *data = getenv("SOTTO_TEST_DATA");
    sotto_weights *g = NULL;
    char err[256] = "";
    size_t len = 0;

    if (env)
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/../../scripts/train/golden/golden.bin",
                 data ? data : "tests/data");
    uint8_t *blob = read_all(path, &len);
    ck_assert_msg(blob != NULL, "cannot read golden vectors %s", path);
    ck_assert_int_eq(sotto_weights_parse(&g, blob, len, NULL, err, sizeof err), 0);
    free(blob);
    return g;
}

static const float *golden_tensor(const sotto_weights *g, const char *mode, const char *name,
                                  size_t want)
{
    char full[96];
    size_t n = 0;
    snprintf(full, sizeof full, "%s%s%s", mode, *mode ? "." : "", name);
    const float *p = sotto_weights_find(g, full, &n);
    ck_assert_msg(p != NULL, "golden tensor %s missing", full);
    ck_assert_uint_eq(n, want);
    return p;
}

static sotto_decoder *make_decoder(sotto_mode mode, int simd)
{
    const uint8_t *blob;
    size_t len;
    sotto_decoder *d = NULL;
    char err[256] = "";

    sotto_weights_embedded(&blob, &len);
    int rc = sotto__decoder_create_from(&d, mode, blob, len, simd, err, sizeof err);
    ck_assert_msg(rc == 0, "decoder create: %d %s", rc, err);
    return d;
}

static double rms16(const int16_t *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return sqrt(s / (double)n);
}

static void check_golden(sotto_mode mode, int simd)
{
    const char *pre = mode == SOTTO_MODE_2000 ? "l80" : "n64";
    sotto_weights *g = load_golden();
    const float *bands = golden_tensor(g, pre, "dq_bands", GOLDEN_SUB * SOTTO_NBANDS);
    const float *lag = golden_tensor(g, pre, "dq_lag", GOLDEN_SUB / 2);
    const float *voicing = golden_tensor(g, pre, "dq_voicing", GOLDEN_SUB / 2);
    const float *ref = golden_tensor(g, pre, "output", GOLDEN_SUB * SOTTO_SUB);
    static float feat[GOLDEN_SUB * SOTTO_FEAT_DIM], out[GOLDEN_SUB * SOTTO_SUB];
    sotto_decoder *d = make_decoder(mode, simd);
    double max_err = 0.0, err2 = 0.0, sig2 = 0.0;

    for (int s = 0; s < GOLDEN_SUB; s++) {
        memcpy(feat + s * SOTTO_FEAT_DIM, bands + s * SOTTO_NBANDS, SOTTO_NBANDS * sizeof *feat);
        feat[s * SOTTO_FEAT_DIM + SOTTO_FEAT_LAG] = lag[s / 2];
        feat[s * SOTTO_FEAT_DIM + SOTTO_FEAT_VOICING] = voicing[s / 2];
    }
    ck_assert_int_eq(sotto__decode_features(d, feat, GOLDEN_SUB, out), 0);
    /* our sample t + 160 is model.py's sample t; its last block needs the next entry */
    for (int t = 0; t < (GOLDEN_SUB - 1) * SOTTO_SUB; t++) {
        double e = (double)out[t + SOTTO_DEC_ALIGN] - ref[t];
        max_err = fmax(max_err, fabs(e));
        err2 += e * e;
        sig2 += (double)ref[t] * ref[t];
    }
    ck_assert_msg(sig2 > 1.0, "golden output is silent");
    double snr = 10.0 * log10(sig2 / fmax(err2, 1e-30));
    ck_assert_msg(max_err < GOLDEN_MAX_ABS && snr > GOLDEN_MIN_SNR_DB,
                  "%s simd=%d: max err %g, SNR %.1f dB", pre, simd, max_err, snr);
    sotto_decoder_destroy(&d);
    sotto_weights_destroy(&g);
}

/* ------------------------------------------------------------------ golden */

START_TEST(decoder_matches_golden_3200_scalar)
{
    check_golden(SOTTO_MODE_3200, 0);
}
END_TEST

START_TEST(decoder_matches_golden_3200_simd)
{
    check_golden(SOTTO_MODE_3200, 1);
}
END_TEST

START_TEST(decoder_matches_golden_2000_scalar)
{
    check_golden(SOTTO_MODE_2000, 0);
}
END_TEST

START_TEST(decoder_matches_golden_2000_simd)
{
    check_golden(SOTTO_MODE_2000, 1);
}
END_TEST

START_TEST(decode_of_golden_packets_matches_feature_path)
{
    sotto_weights *g = load_golden();
    const float *packed = golden_tensor(g, "n64", "packed", 20 * 8);
    const float *ref = golden_tensor(g, "n64", "output", GOLDEN_SUB * SOTTO_SUB);
    sotto_decoder *d = NULL;
    int16_t pcm[320];
    double max_err = 0.0;

    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_3200), 0);
    for (int p = 0; p < 20; p++) {
        uint8_t pkt[8];
        for (int i = 0; i < 8; i++)
            pkt[i] = (uint8_t)packed[p * 8 + i];
        ck_assert_int_eq(sotto_decode(d, pkt, sizeof pkt, pcm), 0);
        for (int i = 0; i < 320; i++) {
            int t = p * 320 + i - SOTTO_DEC_ALIGN;
            if (t >= 0)
                max_err = fmax(max_err, fabs(pcm[i] / 32768.0 - ref[t]));
        }
    }
    /* int16 rounding is half a step: 1.5e-5 of full scale */
    ck_assert_msg(max_err < 2e-5 + GOLDEN_MAX_ABS, "max err %g", max_err);
    sotto_decoder_destroy(&d);
    sotto_weights_destroy(&g);
}
END_TEST

START_TEST(plc_predictor_matches_golden)
{
    sotto_weights *g = load_golden();
    const float *in = golden_tensor(g, "", "plc.input", 20 * SOTTO_PLC_DIM);
    const float *ref = golden_tensor(g, "", "plc.output", 20 * SOTTO_PLC_DIM);
    const uint8_t *blob;
    size_t len;
    sotto_weights *w = NULL;
    sotto_plc_net net;
    sotto_plc_state st;
    sotto_nnet_kernels k;
    double max_err = 0.0;

    sotto_weights_embedded(&blob, &len);
    ck_assert_int_eq(sotto_weights_parse(&w, blob, len, NULL, NULL, 0), 0);
    ck_assert_int_eq(sotto_plc_bind(&net, w, NULL, 0), 0);
    sotto_nnet_kernels_init(&k, 1);
    sotto_plc_reset(&st);
    for (int p = 0; p < 20; p++) {
        const float *x = in + p * SOTTO_PLC_DIM;
        float feat[2 * SOTTO_FEAT_DIM];
        for (int s = 0; s < 2; s++) {
            for (int b = 0; b < SOTTO_NBANDS; b++)
                feat[s * SOTTO_FEAT_DIM + b] = x[s * SOTTO_NBANDS + b] * 20.0f - 50.0f;
            feat[s * SOTTO_FEAT_DIM + SOTTO_FEAT_LAG] = 16000.0f / exp2f(x[64] + 7.5f);
            feat[s * SOTTO_FEAT_DIM + SOTTO_FEAT_VOICING] = x[65] + 0.5f;
        }
        sotto_plc_update(&net, &k, &st, feat);
        for (int i = 0; i < SOTTO_PLC_DIM; i++)
            max_err = fmax(max_err, fabs(st.next[i] - ref[p * SOTTO_PLC_DIM + i]));
    }
    ck_assert_msg(max_err < 1e-4, "PLC max err %g", max_err);
    sotto_weights_destroy(&w);
    sotto_weights_destroy(&g);
}
END_TEST

/* ------------------------------------------------------------------ lifecycle */

START_TEST(decoder_create_rejects_bad_arguments)
{
    sotto_decoder *d = NULL;
    ck_assert_int_eq(sotto_decoder_create(NULL, SOTTO_MODE_3200), -EINVAL);
    ck_assert_int_eq(sotto_decoder_create(&d, (sotto_mode)7), -EINVAL);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(sotto_decoder_reset(NULL), -EINVAL);
    sotto_decoder_destroy(NULL);
    sotto_decoder_destroy(&d);
    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_2000), 0);
    ck_assert_ptr_nonnull(d);
    sotto_decoder_destroy(&d);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(decoder_reset_restarts_identically)
{
    sotto_decoder *d = NULL;
    static int16_t a[10][320], b[10][320];
    uint8_t pkt[8];

    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_3200), 0);
    for (int run = 0; run < 2; run++) {
        uint32_t s = 12345;
        for (int p = 0; p < 10; p++) {
            for (int i = 0; i < 8; i++) {
                s = s * 1103515245u + 12345u;
                pkt[i] = (uint8_t)(s >> 24);
            }
            ck_assert_int_eq(sotto_decode(d, pkt, sizeof pkt, run ? b[p] : a[p]), 0);
        }
        ck_assert_int_eq(sotto_decoder_reset(d), 0);
    }
    ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
    ck_assert_double_gt(rms16(a[5], 320), 1.0);
    sotto_decoder_destroy(&d);
}
END_TEST

START_TEST(decode_rejects_wrong_length_and_null)
{
    sotto_decoder *d = NULL;
    uint8_t pkt[11] = { 0 };
    int16_t out[640];

    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_2000), 0);
    for (size_t i = 0; i < 640; i++)
        out[i] = 77;
    ck_assert_int_eq(sotto_decode(d, pkt, 9, out), -EINVAL);
    ck_assert_int_eq(sotto_decode(d, pkt, 11, out), -EINVAL);
    ck_assert_int_eq(sotto_decode(d, pkt, 0, out), -EINVAL);
    ck_assert_int_eq(sotto_decode(d, NULL, 10, out), -EINVAL);
    ck_assert_int_eq(sotto_decode(d, pkt, 10, NULL), -EINVAL);
    ck_assert_int_eq(sotto_decode(NULL, pkt, 10, out), -EINVAL);
    ck_assert_int_eq(sotto_conceal(NULL, out), -EINVAL);
    ck_assert_int_eq(sotto_conceal(d, NULL), -EINVAL);
    for (size_t i = 0; i < 640; i++)
        ck_assert_int_eq(out[i], 77);
    sotto_decoder_destroy(&d);
}
END_TEST

/* Random, all-ones and all-zero packets give bounded audio and leave no bad state. */
START_TEST(decode_hostile_packets_bounded)
{
    for (int mode = 0; mode < 2; mode++) {
        sotto_decoder *d = make_decoder((sotto_mode)mode, 1);
        size_t bytes = sotto_mode_packet_bytes((sotto_mode)mode);
        size_t samples = sotto_mode_frame_samples((sotto_mode)mode);
        static int16_t out[640];
        uint8_t pkt[10];
        uint32_t s = 99;

        for (int p = 0; p < 60; p++) {
            for (size_t i = 0; i < bytes; i++) {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                pkt[i] = p < 20 ? (uint8_t)s : p < 40 ? 0xff : 0x00;
            }
            ck_assert_int_eq(sotto_decode(d, pkt, bytes, out), 0);
            size_t clipped = 0;
            for (size_t i = 0; i < samples; i++)
                clipped += out[i] == 32767 || out[i] == -32768;
            /* garbage may be loud (peaky pulse trains), never saturated throughout */
            ck_assert_msg(clipped < samples / 2, "mode %d packet %d: %zu clipped", mode, p,
                          clipped);
        }
        /* after the all-zero (lowest gain) packets the state has recovered: quiet */
        ck_assert_double_lt(rms16(out, samples), 100.0);
        /* the float path too: no NaN or infinity, whatever the features */
        float feat[4 * SOTTO_FEAT_DIM], fout[4 * SOTTO_SUB];
        for (int i = 0; i < 4 * SOTTO_FEAT_DIM; i++)
            feat[i] = (i % 3) ? 200.0f : -300.0f;
        feat[SOTTO_FEAT_LAG] = NAN;
        feat[SOTTO_FEAT_DIM + SOTTO_FEAT_LAG] = 1e9f;
        ck_assert_int_eq(sotto__decode_features(d, feat, 4, fout), 0);
        for (int i = 0; i < 4 * SOTTO_SUB; i++)
            ck_assert_msg(isfinite(fout[i]), "sample %d not finite", i);
        sotto_decoder_destroy(&d);
    }
}
END_TEST

/* ------------------------------------------------------------------ concealment */

START_TEST(conceal_continues_speech_then_fades)
{
    sotto_weights *g = load_golden();
    const float *packed = golden_tensor(g, "n64", "packed", 20 * 8);
    sotto_decoder *d = NULL;
    static int16_t good[12][320], lost[30][320], back[320];

    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_3200), 0);
    for (int p = 0; p < 12; p++) {
        uint8_t pkt[8];
        for (int i = 0; i < 8; i++)
            pkt[i] = (uint8_t)packed[p * 8 + i];
        ck_assert_int_eq(sotto_decode(d, pkt, 8, good[p]), 0);
    }
    double speech = rms16(good[11], 320);
    ck_assert_double_gt(speech, 300.0);
    for (int p = 0; p < 30; p++)
        ck_assert_int_eq(sotto_conceal(d, lost[p]), 0);
    /* 60 ms of predicted speech: not silent, not louder than speech by much */
    for (int p = 0; p < 3; p++) {
        double r = rms16(lost[p], 320);
        ck_assert_msg(r > 0.2 * speech && r < 4.0 * speech, "packet %d rms %g vs %g", p, r, speech);
    }
    /* then a fade: monotone-ish, and far down after 600 ms */
    ck_assert_double_lt(rms16(lost[12], 320), rms16(lost[4], 320));
    ck_assert_double_lt(rms16(lost[29], 320), 0.05 * speech);
    ck_assert_double_gt(rms16(lost[29], 320), 0.0);
    /* the next good packet comes back without a click: no step larger than the
     * largest within ordinary decoded speech */
    uint8_t pkt[8];
    for (int i = 0; i < 8; i++)
        pkt[i] = (uint8_t)packed[12 * 8 + i];
    ck_assert_int_eq(sotto_decode(d, pkt, 8, back), 0);
    int max_step = 0, speech_step = 0;
    for (int i = 1; i < 320; i++) {
        speech_step = abs(good[11][i] - good[11][i - 1]) > speech_step
                          ? abs(good[11][i] - good[11][i - 1])
                          : speech_step;
        int st = abs(back[i] - back[i - 1]);
        max_step = st > max_step ? st : max_step;
    }
    max_step = abs(back[0] - lost[29][319]) > max_step ? abs(back[0] - lost[29][319]) : max_step;
    ck_assert_msg(max_step <= speech_step, "step %d > %d", max_step, speech_step);
    ck_assert_double_gt(rms16(back, 320), rms16(lost[29], 320));
    sotto_decoder_destroy(&d);
    sotto_weights_destroy(&g);
}
END_TEST

/* ------------------------------------------------------------------ mode switches */

#define SW_SEG_UNITS 20 /* 400 ms per mode segment */
#define SW_SEGS 4
#define SW_N (SW_SEG_UNITS * SW_SEGS * 320)
#define SW_DELAY 240 /* codec delay, samples */
#define SW_BANDS 16

/* Speech-like: a gliding harmonic series, formant-ish tilt, 4 Hz syllables. */
static void voiced_signal(int16_t *out, size_t n)
{
    double phase = 0.0;

    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 16000.0, f0 = 120.0 + 60.0 * sin(2.0 * M_PI * 0.7 * t), v = 0.0;
        double formant = 700.0 + 500.0 * sin(2.0 * M_PI * 1.3 * t);

        phase += f0 / 16000.0;
        for (int h = 1; h * f0 < 7000.0; h++)
            v += sin(2.0 * M_PI * h * phase) / (1.0 + pow((h * f0 - formant) / 300.0, 2.0));
        out[i] = (int16_t)(3000.0 * v * (0.55 + 0.45 * sin(2.0 * M_PI * 4.0 * t)));
    }
}

/* Encodes x with the mode of each segment (mode_of(seg)), switching the
 * encoder between packets and the decoder with it, into y (delayed by
 * SW_DELAY like any decode). */
static void switched_round_trip(const int16_t *x, const sotto_mode *seg_mode, int16_t *y)
{
    sotto_encoder *e = NULL;
    sotto_decoder *d = NULL;
    uint8_t pkt[10];
    size_t t = 0;

    ck_assert_int_eq(sotto_encoder_create(&e, seg_mode[0]), 0);
    ck_assert_int_eq(sotto_decoder_create(&d, seg_mode[0]), 0);
    while (t < SW_N) {
        sotto_mode m = seg_mode[t / (SW_SEG_UNITS * 320)];
        size_t frame = sotto_mode_frame_samples(m);

        ck_assert_int_eq(sotto_encoder_set_mode(e, m), 0);
        ck_assert_int_eq(sotto_encode(e, x + t, pkt), 0);
        ck_assert_int_eq(sotto_decoder_set_mode(d, m), 0);
        ck_assert_int_eq(sotto_decode(d, pkt, sotto_mode_packet_bytes(m), y + t), 0);
        t += frame;
    }
    sotto_encoder_destroy(&e);
    sotto_decoder_destroy(&d);
}

/* Log-spectral distance (dB) of decoded y against x over 20 ms blocks
 * [first, last): 16 bands of a Hann-windowed DFT. */
static double block_lsd(const int16_t *x, const int16_t *y, int first, int last)
{
    double total = 0.0;

    for (int b = first; b < last; b++) {
        double ex[SW_BANDS] = { 0 }, ey[SW_BANDS] = { 0 }, d2 = 0.0;

        for (int k = 1; k <= 160; k++) {
            double xr = 0, xi = 0, yr = 0, yi = 0;
            for (int i = 0; i < 320; i++) {
                double w = 0.5 - 0.5 * cos(2.0 * M_PI * i / 320.0), a = 2.0 * M_PI * k * i / 320.0;
                double xv = x[b * 320 + i] * w, yv = y[b * 320 + i + SW_DELAY] * w;
                xr += xv * cos(a);
                xi -= xv * sin(a);
                yr += yv * cos(a);
                yi -= yv * sin(a);
            }
            ex[(k - 1) / 10] += xr * xr + xi * xi;
            ey[(k - 1) / 10] += yr * yr + yi * yi;
        }
        for (int j = 0; j < SW_BANDS; j++) {
            double dd = 10.0 * log10((ex[j] + 1e3) / (ey[j] + 1e3));
            d2 += dd * dd;
        }
        total += sqrt(d2 / SW_BANDS);
    }
    return total / (last - first);
}

/* Switching 3.2 -> 2 -> 3.2 -> 2 kbit/s between packets (the rule of
 * BITSTREAM.md: the first packet after a switch is predicted from the new
 * mode's mean on both sides) sounds like each mode on its own: the
 * spectral distance to the input in the 60 ms after every switch is
 * within 1 dB of a stream that never switched. A decoder that missed the
 * predictor restart, or an encoder whose analysis slipped at the switch,
 * fails this. */
START_TEST(mode_switches_sound_like_each_mode)
{
    static int16_t x[SW_N], y_sw[SW_N + 640], y_ref[2][SW_N + 640];
    const sotto_mode plan[SW_SEGS] = { SOTTO_MODE_3200, SOTTO_MODE_2000, SOTTO_MODE_3200,
                                       SOTTO_MODE_2000 };
    const sotto_mode only[2][SW_SEGS] = {
        { SOTTO_MODE_3200, SOTTO_MODE_3200, SOTTO_MODE_3200, SOTTO_MODE_3200 },
        { SOTTO_MODE_2000, SOTTO_MODE_2000, SOTTO_MODE_2000, SOTTO_MODE_2000 }
    };

    voiced_signal(x, SW_N);
    switched_round_trip(x, plan, y_sw);
    switched_round_trip(x, only[0], y_ref[0]);
    switched_round_trip(x, only[1], y_ref[1]);
    for (int seg = 1; seg < SW_SEGS; seg++) {
        int first = seg * SW_SEG_UNITS, last = first + 3;
        double sw = block_lsd(x, y_sw, first, last);
        double ref = block_lsd(x, y_ref[plan[seg]], first, last);

        ck_assert_msg(sw <= ref + 1.0, "segment %d: %.2f dB after the switch, %.2f unswitched", seg,
                      sw, ref);
        ck_assert_msg(ref < 8.0, "segment %d: reference %.2f dB: the codec lost the signal", seg,
                      ref);
    }
    /* The whole switched stream, against the mode-by-mode references. */
    double sw_all = block_lsd(x, y_sw, 5, SW_SEGS * SW_SEG_UNITS - 2);
    double ref_all = 0.0;
    for (int seg = 0; seg < SW_SEGS; seg++) {
        int first = seg ? seg * SW_SEG_UNITS : 5;
        int last = seg == SW_SEGS - 1 ? SW_SEGS * SW_SEG_UNITS - 2 : (seg + 1) * SW_SEG_UNITS;
        ref_all += block_lsd(x, y_ref[plan[seg]], first, last) * (last - first);
    }
    ref_all /= SW_SEGS * SW_SEG_UNITS - 7;
    ck_assert_msg(sw_all <= ref_all + 0.5, "switched %.2f dB, unswitched %.2f dB", sw_all, ref_all);
}
END_TEST

/* 3.2 kbit/s round trip of x where the packets of 20 ms units
 * [gap_first, gap_last) are encoded but not sent (a silence sent as
 * comfort noise); restart: both sides restart the shape predictor at the
 * talkspurt (BITSTREAM.md, "Talkspurts"). The decoder is not run in the gap. */
static void talkspurt_round_trip(const int16_t *x, int gap_first, int gap_last, int restart,
                                 int16_t *y)
{
    sotto_encoder *e = NULL;
    sotto_decoder *d = NULL;
    uint8_t pkt[10];

    ck_assert_int_eq(sotto_encoder_create(&e, SOTTO_MODE_3200), 0);
    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_3200), 0);
    memset(y, 0, (SW_N + 640) * sizeof(int16_t));
    for (int u = 0; u < SW_N / 320; u++) {
        if (u == gap_last && restart) {
            ck_assert_int_eq(sotto_encoder_restart_prediction(e), 0);
            ck_assert_int_eq(sotto_decoder_restart_prediction(d), 0);
        }
        ck_assert_int_eq(sotto_encode(e, x + u * 320, pkt), 0);
        if (u >= gap_first && u < gap_last)
            continue;
        ck_assert_int_eq(
            sotto_decode(d, pkt, sotto_mode_packet_bytes(SOTTO_MODE_3200), y + u * 320), 0);
    }
    sotto_encoder_destroy(&e);
    sotto_decoder_destroy(&d);
}

/* The first 100 ms of a talkspurt after a 200 ms silence sound like the
 * same stretch of an unbroken stream (within 1 dB of spectral distance)
 * when both sides restart the predictor; a decoder still predicting from
 * the packet before the silence, while the encoder predicted from the
 * silence's unsent packets, does not (printed for comparison). */
START_TEST(talkspurt_after_comfort_noise_restarts_prediction)
{
    static int16_t x[SW_N], y_ref[SW_N + 640], y_rs[SW_N + 640], y_no[SW_N + 640];
    const int gap_first = 30, gap_last = 40;

    voiced_signal(x, SW_N);
    /* The silence itself: faint noise, which the encoder's predictor follows. */
    for (int i = gap_first * 320; i < gap_last * 320; i++)
        x[i] = (int16_t)((i * 7919) % 61 - 30);
    talkspurt_round_trip(x, 0, 0, 0, y_ref);
    talkspurt_round_trip(x, gap_first, gap_last, 1, y_rs);
    talkspurt_round_trip(x, gap_first, gap_last, 0, y_no);
    /* From the second unit on: the decoder's synthesis restarts after the gap. */
    double ref = block_lsd(x, y_ref, gap_last + 1, gap_last + 6);
    double rs = block_lsd(x, y_rs, gap_last + 1, gap_last + 6);
    double no = block_lsd(x, y_no, gap_last + 1, gap_last + 6);
    printf("talkspurt: %.2f dB with the predictor restart, %.2f dB without, %.2f dB unbroken\n", rs,
           no, ref);
    ck_assert_msg(rs <= ref + 1.0, "%.2f dB after the silence, %.2f dB unbroken", rs, ref);
}
END_TEST

START_TEST(conceal_before_any_packet_is_quiet)
{
    sotto_decoder *d = NULL;
    int16_t out[640];
    ck_assert_int_eq(sotto_decoder_create(&d, SOTTO_MODE_2000), 0);
    ck_assert_int_eq(sotto_conceal(d, out), 0);
    ck_assert_double_lt(rms16(out, 640), 2.0);
    sotto_decoder_destroy(&d);
}
END_TEST

/* ------------------------------------------------------------------ nnet */

START_TEST(simd_matvec_matches_scalar)
{
    enum {
        ROWS = 37,
        COLS = 203
    };
    static float w[ROWS * COLS];
    float x[COLS], b[ROWS], ys[ROWS], yv[ROWS];
    uint32_t s = 7;
    sotto_nnet_kernels k;

    for (int i = 0; i < ROWS * COLS; i++) {
        s = s * 1664525u + 1013904223u;
        w[i] = (float)(s >> 8) / 16777216.0f - 0.5f;
    }
    for (int i = 0; i < COLS; i++)
        x[i] = sinf((float)i * 0.37f);
    for (int i = 0; i < ROWS; i++)
        b[i] = 0.01f * (float)i;
    sotto_nnet_kernels_init(&k, 1);
    ck_assert_int_eq(k.simd, sotto_nnet_simd_available());
    if (!k.simd)
        return; /* scalar-only build or CPU: nothing to compare */
    sotto_matvec_scalar(w, b, x, ROWS, COLS, ys);
    sotto_matvec_avx2(w, b, x, ROWS, COLS, yv);
    for (int r = 0; r < ROWS; r++) {
        double row_mag = 0.0;
        for (int c = 0; c < COLS; c++)
            row_mag += fabs(w[r * COLS + c] * x[c]);
        ck_assert_msg(fabs(ys[r] - yv[r]) <= 1e-5 * (row_mag + fabs(b[r])), "row %d: %g vs %g", r,
                      ys[r], yv[r]);
    }
}
END_TEST

START_TEST(gru_step_follows_torch_equations)
{
    /* hidden 1, input 1: r = s(1*x + .1 + 2*h + .2), z = s(-x + 0 + h + 0),
     * n = tanh(.5x + 0 + r (3h + .3)), h' = (1-z) n + z h */
    const float w_ih[3] = { 1.0f, -1.0f, 0.5f }, w_hh[3] = { 2.0f, 1.0f, 3.0f };
    const float b_ih[3] = { 0.1f, 0.0f, 0.0f }, b_hh[3] = { 0.2f, 0.0f, 0.3f };
    sotto_gru g = { w_ih, w_hh, b_ih, b_hh, 1, 1 };
    sotto_nnet_kernels k;
    float h = 0.25f, x = 0.7f;

    sotto_nnet_kernels_init(&k, 0);
    sotto_gru_run(&k, &g, &h, &x);
    double r = 1.0 / (1.0 + exp(-(0.7 + 0.1 + 0.5 + 0.2)));
    double z = 1.0 / (1.0 + exp(-(-0.7 + 0.25)));
    double n = tanh(0.35 + r * (0.75 + 0.3));
    ck_assert_double_eq_tol(h, (1.0 - z) * n + z * 0.25, 1e-6);
}
END_TEST

START_TEST(conv1d_is_causal_with_torch_layout)
{
    /* 1 in, 1 out, kernel 3, torch weights [w0 w1 w2] apply to x(t-2) x(t-1) x(t) */
    const float tw[3] = { 1.0f, 10.0f, 100.0f }, bias[1] = { 0.5f };
    float w[3], hist[2] = { 0.0f, 0.0f }, y;
    sotto_nnet_kernels k;

    sotto_nnet_kernels_init(&k, 0);
    sotto_conv1d_reorder(tw, 1, 1, 3, w);
    sotto_conv1d l = { w, bias, 1, 1, 3 };
    const float xs[4] = { 1.0f, 2.0f, 3.0f, 4.0f };
    const float want[4] = { 100.5f, 210.5f, 321.5f, 432.5f };
    for (int t = 0; t < 4; t++) {
        sotto_conv1d_run(&k, &l, hist, &xs[t], &y, SOTTO_ACT_LINEAR);
        ck_assert_double_eq_tol(y, want[t], 1e-4);
    }
}
END_TEST

/* ------------------------------------------------------------------ weights blob */

typedef struct {
    uint8_t b[512]; /* blob bytes */
    size_t n;       /* used */
} blob_buf;

static void put(blob_buf *bb, const void *p, size_t n)
{
    ck_assert_uint_le(bb->n + n, sizeof bb->b);
    memcpy(bb->b + bb->n, p, n);
    bb->n += n;
}

static void put32(blob_buf *bb, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(bb, b, 4);
}

/* A valid SOTTOW01 blob: "a.x" [2,3] = 0..5 and "b" [1] = -1.5 */
static void small_blob(blob_buf *bb)
{
    uint8_t u8;
    bb->n = 0;
    put(bb, "SOTTOW01", 8);
    put32(bb, 2);
    put(bb,
        "\x03\x00"
        "a.x",
        5);
    u8 = 2;
    put(bb, &u8, 1);
    put32(bb, 2);
    put32(bb, 3);
    for (int i = 0; i < 6; i++) {
        float f = (float)i;
        uint32_t bits;
        memcpy(&bits, &f, 4);
        put32(bb, bits);
    }
    put(bb,
        "\x01\x00"
        "b",
        3);
    u8 = 1;
    put(bb, &u8, 1);
    put32(bb, 1);
    put32(bb, 0xbfc00000u); /* -1.5f */
}

START_TEST(weights_parse_valid_blob)
{
    blob_buf bb;
    sotto_weights *w = NULL;
    const uint32_t dims[2] = { 2, 3 }, wrong[2] = { 3, 2 }, one[1] = { 1 };

    small_blob(&bb);
    ck_assert_int_eq(sotto_weights_parse(&w, bb.b, bb.n, NULL, NULL, 0), 0);
    ck_assert_uint_eq(sotto_weights_count(w), 2);
    const float *a = sotto_weights_get(w, "a.x", 2, dims);
    ck_assert_ptr_nonnull(a);
    ck_assert_float_eq(a[5], 5.0f);
    ck_assert_ptr_null(sotto_weights_get(w, "a.x", 2, wrong));
    ck_assert_ptr_null(sotto_weights_get(w, "a.x", 1, dims));
    ck_assert_ptr_null(sotto_weights_get(w, "nope", 1, one));
    ck_assert_float_eq(sotto_weights_get(w, "b", 1, one)[0], -1.5f);
    sotto_weights_destroy(&w);
    ck_assert_ptr_null(w);
    /* prefix filter keeps only "a." */
    const char *const keep[] = { "a.", NULL };
    ck_assert_int_eq(sotto_weights_parse(&w, bb.b, bb.n, keep, NULL, 0), 0);
    ck_assert_uint_eq(sotto_weights_count(w), 1);
    ck_assert_ptr_null(sotto_weights_get(w, "b", 1, one));
    sotto_weights_destroy(&w);
}
END_TEST

START_TEST(weights_rejects_every_truncation)
{
    blob_buf bb;
    sotto_weights *w = NULL;
    char err[128];

    small_blob(&bb);
    for (size_t n = 0; n < bb.n; n++) {
        err[0] = '\0';
        ck_assert_int_eq(sotto_weights_parse(&w, bb.b, n, NULL, err, sizeof err), -EINVAL);
        ck_assert_ptr_null(w);
        ck_assert_msg(strlen(err) > 0, "no reason for length %zu", n);
    }
    /* trailing garbage too */
    uint8_t longer[600];
    memcpy(longer, bb.b, bb.n);
    longer[bb.n] = 0;
    ck_assert_int_eq(sotto_weights_parse(&w, longer, bb.n + 1, NULL, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(weights_rejects_bad_fields)
{
    blob_buf bb, bad;
    sotto_weights *w = NULL;
    const float nan_value = NAN;
    uint32_t nan_bits;

    small_blob(&bb);
    bad = bb;
    bad.b[0] = 'X'; /* magic */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    memset(bad.b + 8, 0, 4); /* zero tensors */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    memset(bad.b + 8, 0xff, 4); /* absurd count */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    bad.b[12] = 0; /* empty name */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    bad.b[12] = 0xff; /* name longer than the blob */
    bad.b[13] = 0xff;
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    bad.b[17] = 5; /* ndim > 4 */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    memset(bad.b + 18, 0xff, 4); /* dims product overflows */
    memset(bad.b + 22, 0xff, 4);
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    memset(bad.b + 18, 0, 4); /* zero dim */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    bad = bb;
    memcpy(&nan_bits, &nan_value, 4);
    memcpy(bad.b + 26, &nan_bits, 4); /* non-finite value */
    ck_assert_int_eq(sotto_weights_parse(&w, bad.b, bad.n, NULL, NULL, 0), -EINVAL);
    ck_assert_int_eq(sotto_weights_parse(NULL, bb.b, bb.n, NULL, NULL, 0), -EINVAL);
    ck_assert_int_eq(sotto_weights_parse(&w, NULL, bb.n, NULL, NULL, 0), -EINVAL);
    ck_assert_ptr_null(w);
}
END_TEST

START_TEST(weights_rejects_duplicate_names)
{
    blob_buf bb;
    sotto_weights *w = NULL;
    small_blob(&bb);
    /* the first tensor twice */
    blob_buf dup = bb;
    dup.n = 12;
    put(&dup, bb.b + 12, 5 + 1 + 8 + 24); /* first tensor */
    put(&dup, bb.b + 12, 5 + 1 + 8 + 24); /* same again */
    ck_assert_int_eq(sotto_weights_parse(&w, dup.b, dup.n, NULL, NULL, 0), -EINVAL);
    ck_assert_ptr_null(w);
}
END_TEST

START_TEST(weights_half_format_converts_exactly)
{
    static const uint8_t blob[] = { 'S', 'O', 'T', 'T', 'O', 'H', '0', '1', 2, 0, 0, 0,
                                    /* "h" [4] binary16 */
                                    1, 0, 'h', 1, 4, 0, 0, 0, 1, 0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00,
                                    0xff, 0x7b,
                                    /* "f" [1] float32 */
                                    1, 0, 'f', 1, 1, 0, 0, 0, 0, 0x00, 0x00, 0xc0, 0x3f };
    sotto_weights *w = NULL;
    const uint32_t four[1] = { 4 }, one[1] = { 1 };

    ck_assert_int_eq(sotto_weights_parse(&w, blob, sizeof blob, NULL, NULL, 0), 0);
    const float *h = sotto_weights_get(w, "h", 1, four);
    ck_assert_ptr_nonnull(h);
    ck_assert_float_eq(h[0], 1.0f);
    ck_assert_float_eq(h[1], -2.0f);
    ck_assert_float_eq(h[2], ldexpf(1.0f, -24));
    ck_assert_float_eq(h[3], 65504.0f);
    ck_assert_float_eq(sotto_weights_get(w, "f", 1, one)[0], 1.5f);
    sotto_weights_destroy(&w);
    ck_assert(isinf(sotto_half_to_float(0x7c00)));
    /* bad type byte */
    uint8_t bad[sizeof blob];
    memcpy(bad, blob, sizeof blob);
    bad[20] = 2;
    ck_assert_int_eq(sotto_weights_parse(&w, bad, sizeof bad, NULL, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(decoder_rejects_incomplete_weights)
{
    blob_buf bb;
    sotto_decoder *d = NULL;
    char err[128] = "";

    small_blob(&bb);
    ck_assert_int_eq(
        sotto__decoder_create_from(&d, SOTTO_MODE_3200, bb.b, bb.n, 1, err, sizeof err), -EINVAL);
    ck_assert_ptr_null(d);
    ck_assert_msg(strstr(err, "decoder.") != NULL, "err: %s", err);
}
END_TEST

START_TEST(embedded_weights_are_complete)
{
    const uint8_t *blob;
    size_t len;
    sotto_weights *w = NULL;

    sotto_weights_embedded(&blob, &len);
    ck_assert_uint_gt(len, 1000000);
    ck_assert_int_eq(memcmp(blob, "SOTTOH01", 8), 0);
    ck_assert_int_eq(sotto_weights_parse(&w, blob, len, NULL, NULL, 0), 0);
    ck_assert_uint_eq(sotto_weights_count(w), 46); /* 42 + 2 modes x predictor mean, coef */
    sotto_weights_destroy(&w);
}
END_TEST

static Suite *decoder_suite(void)
{
    Suite *s = suite_create("sotto_decoder");
    TCase *golden = tcase_create("golden");
    TCase *api = tcase_create("decoder");
    TCase *plc = tcase_create("conceal");
    TCase *nnet = tcase_create("nnet");
    TCase *weights = tcase_create("weights");

    tcase_set_timeout(golden, 60);
    tcase_add_test(golden, decoder_matches_golden_3200_scalar);
    tcase_add_test(golden, decoder_matches_golden_3200_simd);
    tcase_add_test(golden, decoder_matches_golden_2000_scalar);
    tcase_add_test(golden, decoder_matches_golden_2000_simd);
    tcase_add_test(golden, decode_of_golden_packets_matches_feature_path);
    tcase_add_test(golden, plc_predictor_matches_golden);
    tcase_add_test(api, decoder_create_rejects_bad_arguments);
    tcase_add_test(api, decoder_reset_restarts_identically);
    tcase_add_test(api, decode_rejects_wrong_length_and_null);
    tcase_add_test(api, decode_hostile_packets_bounded);
    tcase_add_test(plc, conceal_continues_speech_then_fades);
    tcase_add_test(plc, conceal_before_any_packet_is_quiet);
    tcase_add_test(api, mode_switches_sound_like_each_mode);
    tcase_add_test(api, talkspurt_after_comfort_noise_restarts_prediction);
    tcase_add_test(nnet, simd_matvec_matches_scalar);
    tcase_add_test(nnet, gru_step_follows_torch_equations);
    tcase_add_test(nnet, conv1d_is_causal_with_torch_layout);
    tcase_add_test(weights, weights_parse_valid_blob);
    tcase_add_test(weights, weights_rejects_every_truncation);
    tcase_add_test(weights, weights_rejects_bad_fields);
    tcase_add_test(weights, weights_rejects_duplicate_names);
    tcase_add_test(weights, weights_half_format_converts_exactly);
    tcase_add_test(weights, decoder_rejects_incomplete_weights);
    tcase_add_test(weights, embedded_weights_are_complete);
    suite_add_tcase(s, golden);
    suite_add_tcase(s, api);
    suite_add_tcase(s, plc);
    suite_add_tcase(s, nnet);
    suite_add_tcase(s, weights);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(decoder_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
