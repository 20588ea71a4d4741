/* Unit tests for pitch-synchronous time-scale modification (audio/tsm.h):
 * a harmonic tone and a synthetic vowel are compressed and expanded inside
 * a stream of played frames, and the stream is checked for pitch, joins,
 * timing and level. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audio/tsm.h"

#define RATE 16000u
#define FRAME 320u                  /* 20 ms at 16 kHz */
#define MAX_RATE 48000u
#define MAX_FRAME (MAX_RATE / 50)   /* 20 ms at 48 kHz */
#define SIGNAL_FRAMES 40
#define CANARY 0x5A5A
#define PI 3.14159265358979323846

/* 200 Hz with its 2nd and 3rd harmonics, peak about 12000. */
static void make_tone(int16_t *x, size_t n, uint32_t rate, double f0)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / rate;
        double v = sin(2 * PI * f0 * t) + 0.5 * sin(2 * PI * 2 * f0 * t + 0.3)
                   + 0.25 * sin(2 * PI * 3 * f0 * t + 1.1);
        x[i] = (int16_t)lrint(v * 6500.0);
    }
}

/* A vowel like /a/: a pulse train at f0 through three formant resonators
 * (700, 1220, 2600 Hz), scaled to a peak of about 12000. */
static void make_vowel(int16_t *x, size_t n, uint32_t rate, double f0)
{
    static const double formant_hz[3] = {700, 1220, 2600};
    static const double bandwidth_hz[3] = {130, 70, 160};
    double *v = calloc(n, sizeof(*v));
    double next_pulse = 0, peak = 0;

    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) {
        if ((double)i >= next_pulse) {
            v[i] = 1.0;
            next_pulse += rate / f0;
        }
    }
    for (int f = 0; f < 3; f++) {
        double r = exp(-PI * bandwidth_hz[f] / rate);
        double a1 = 2 * r * cos(2 * PI * formant_hz[f] / rate), a2 = -r * r;
        double y1 = 0, y2 = 0;
        for (size_t i = 0; i < n; i++) {
            double y = v[i] + a1 * y1 + a2 * y2;
            y2 = y1;
            y1 = y;
            v[i] = y;
        }
    }
    for (size_t i = 0; i < n; i++)
        peak = fabs(v[i]) > peak ? fabs(v[i]) : peak;
    for (size_t i = 0; i < n; i++)
        x[i] = (int16_t)lrint(v[i] / peak * 12000.0);
    free(v);
}

static int max_jump(const int16_t *x, size_t n)
{
    int m = 0;
    for (size_t i = 1; i < n; i++) {
        int d = abs((int)x[i] - (int)x[i - 1]);
        m = d > m ? d : m;
    }
    return m;
}

static double corr(const int16_t *a, const int16_t *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

static double rms(const int16_t *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return sqrt(s / (double)n);
}

/* Period of x in samples: the shortest strong autocorrelation peak
 * between lo and hi, refined by a parabola through its neighbours. */
static double estimate_period(const int16_t *x, size_t n, size_t lo, size_t hi)
{
    double r[MAX_FRAME], best = 0;
    ck_assert_uint_lt(hi + 1, MAX_FRAME);
    ck_assert_uint_gt(n, 2 * hi);
    for (size_t lag = lo - 1; lag <= hi + 1; lag++) {
        r[lag] = corr(x, x + lag, n - hi - 1);
        if (lag >= lo && lag <= hi && r[lag] > best)
            best = r[lag];
    }
    for (size_t lag = lo; lag <= hi; lag++) {
        if (r[lag] >= 0.95 * best && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1]) {
            double den = r[lag - 1] - 2 * r[lag] + r[lag + 1];
            return den < 0 ? (double)lag + 0.5 * (r[lag - 1] - r[lag + 1]) / den : (double)lag;
        }
    }
    return 0;
}

/* Plays frames [0, before), compresses the next two, plays up to `frames`
 * of input; out receives frames - 1 frames. Returns the pending count. */
static size_t stream_with_compress(sotto_tsm *t, const int16_t *in, size_t frame, size_t frames,
                                   size_t before, int16_t *out)
{
    size_t o = 0;
    for (size_t f = 0; f < frames; o++) {
        if (f == before) {
            ck_assert_int_eq(sotto_tsm_compress(t, in + f * frame, 2 * frame, out + o * frame,
                                                frame), 0);
            f += 2;
        } else {
            ck_assert_int_eq(sotto_tsm_play(t, in + f * frame, frame, out + o * frame, frame), 0);
            f++;
        }
    }
    return sotto_tsm_pending(t);
}

/* The checks shared by the tone and the vowel at one rate. */
static void check_compress(const int16_t *in, uint32_t rate, double period)
{
    size_t frame = rate / 50, frames = 12, before = 5;
    size_t n_out = (frames - 1) * frame;
    int16_t *out = calloc(n_out + 8, sizeof(*out));
    sotto_tsm *t = NULL;

    ck_assert_ptr_nonnull(out);
    for (size_t i = n_out; i < n_out + 8; i++)
        out[i] = CANARY;
    ck_assert_int_eq(sotto_tsm_create(&t, rate, frame), 0);
    size_t pending = stream_with_compress(t, in, frame, frames, before, out);
    for (size_t i = n_out; i < n_out + 8; i++)      /* exactly one frame per call */
        ck_assert_int_eq(out[i], CANARY);
    ck_assert_uint_lt(pending, (size_t)(period + 1) + frame / 2);
    /* Before the compress the stream is the input itself... */
    ck_assert_int_eq(memcmp(out, in, before * frame * sizeof(*in)), 0);
    /* ...and after the splice it is the input moved earlier by what was
     * removed: frame - pending samples, sample for sample. */
    size_t shift = frame - pending;
    for (size_t i = (before + 2) * frame; i < n_out; i++)
        ck_assert_msg(out[i] == in[i + shift], "sample %zu: %d vs %d", i, out[i], in[i + shift]);
    /* Whole periods went: the shift is a multiple of the period... */
    double periods = (double)shift / period;
    ck_assert_msg(fabs(periods - lrint(periods)) * period <= 2.0 + period * 0.02,
                  "removed %zu samples, period %.2f", shift, period);
    /* ...the pitch over the splice is kept within 2%... */
    size_t lo = rate / 400, hi = rate * 15 / 1000;
    const int16_t *around = out + (before - 1) * frame;
    double est = estimate_period(around, 3 * frame, lo, hi);
    ck_assert_msg(fabs(est - period) <= 0.02 * period, "period %.2f, want %.2f", est, period);
    /* ...and there is no click: no step much above the input's largest. */
    int in_jump = max_jump(in, frames * frame);
    int out_jump = max_jump(out, n_out);
    ck_assert_msg(out_jump <= in_jump * 5 / 4, "step %d vs input %d", out_jump, in_jump);
    sotto_tsm_destroy(&t);
    ck_assert_ptr_null(t);
    free(out);
}

START_TEST(tsm_compress_keeps_pitch_of_harmonic_tone)
{
    static const uint32_t rates[3] = {8000, 16000, 48000};
    static int16_t in[SIGNAL_FRAMES * MAX_FRAME];
    for (size_t r = 0; r < 3; r++) {
        make_tone(in, 12 * rates[r] / 50, rates[r], 200.0);
        check_compress(in, rates[r], rates[r] / 200.0);
    }
}
END_TEST

START_TEST(tsm_compress_keeps_pitch_of_vowel)
{
    static const double f0[3] = {120.0, 155.0, 230.0};  /* periods 133.3, 103.2, 69.6 */
    static int16_t in[SIGNAL_FRAMES * FRAME];
    for (size_t k = 0; k < 3; k++) {
        make_vowel(in, 12 * FRAME, RATE, f0[k]);
        check_compress(in, RATE, RATE / f0[k]);
    }
}
END_TEST

START_TEST(tsm_compress_noise_fades_and_keeps_length)
{
    static int16_t in[12 * FRAME], out[11 * FRAME + 4];
    uint32_t s = 12345;
    sotto_tsm *t = NULL;
    for (size_t i = 0; i < 12 * FRAME; i++) {
        s = s * 1664525u + 1013904223u;
        in[i] = (int16_t)((int32_t)(s >> 16) % 4000 - 2000);
    }
    for (size_t i = 0; i < 4; i++)
        out[11 * FRAME + i] = CANARY;
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, FRAME), 0);
    size_t pending = stream_with_compress(t, in, FRAME, 12, 5, out);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(out[11 * FRAME + i], CANARY);
    /* No period to find: exactly one frame removed, with a long fade. */
    ck_assert_uint_eq(pending, 0);
    for (size_t i = 7 * FRAME; i < 11 * FRAME; i++)
        ck_assert_int_eq(out[i], in[i + FRAME]);
    ck_assert_double_gt(rms(out + 5 * FRAME, FRAME), 0.5 * rms(in, 12 * FRAME));
    sotto_tsm_destroy(&t);
}
END_TEST

/* Plays `before` frames, expands `count` times, then plays the rest. */
static void check_expand(const int16_t *in, double period)
{
    static int16_t out[SIGNAL_FRAMES * FRAME];
    size_t before = 6, o = 0;
    sotto_tsm *t = NULL;

    ck_assert_int_eq(sotto_tsm_create(&t, RATE, FRAME), 0);
    for (size_t f = 0; f < before; f++, o++)
        ck_assert_int_eq(sotto_tsm_play(t, in + f * FRAME, FRAME, out + o * FRAME, FRAME), 0);
    ck_assert_int_eq(sotto_tsm_expand(t, out + o * FRAME, FRAME), 0);
    o++;
    /* The expansion is what the signal would have done next. */
    double c = corr(out + before * FRAME, in + before * FRAME, FRAME);
    ck_assert_msg(c > 0.9, "correlation with the continuation %.3f", c);
    size_t pending = sotto_tsm_pending(t);
    ck_assert_uint_lt(pending, (size_t)period + 1);
    for (size_t f = before; f < 12; f++, o++)
        ck_assert_int_eq(sotto_tsm_play(t, in + f * FRAME, FRAME, out + o * FRAME, FRAME), 0);
    /* One frame plus the pending lead later, the input goes on unchanged
     * (after the first frame, which is faded in from the expansion). */
    size_t delay = FRAME + pending;
    for (size_t i = (before + 2) * FRAME; i < o * FRAME; i++)
        ck_assert_int_eq(out[i], in[i - delay]);
    /* Whole periods were added, and no click anywhere. */
    double periods = (double)delay / period;
    ck_assert_msg(fabs(periods - lrint(periods)) * period <= 2.0, "added %zu, period %.2f",
                  delay, period);
    int in_jump = max_jump(in, 12 * FRAME);
    int out_jump = max_jump(out, o * FRAME);
    ck_assert_msg(out_jump <= in_jump * 5 / 4, "step %d vs input %d", out_jump, in_jump);
    double est = estimate_period(out + (before - 1) * FRAME, 3 * FRAME, 40, 240);
    ck_assert_msg(fabs(est - period) <= 0.02 * period, "period %.2f, want %.2f", est, period);
    sotto_tsm_destroy(&t);
}

START_TEST(tsm_expand_continues_tone)
{
    static int16_t in[12 * FRAME];
    make_tone(in, 12 * FRAME, RATE, 200.0);
    check_expand(in, 80.0);
}
END_TEST

START_TEST(tsm_expand_continues_vowel)
{
    static int16_t in[12 * FRAME];
    make_vowel(in, 12 * FRAME, RATE, 125.0);
    check_expand(in, 128.0);
}
END_TEST

START_TEST(tsm_repeated_expand_fades_slowly)
{
    static int16_t in[6 * FRAME], out[3 * FRAME];
    double level[8];
    sotto_tsm *t = NULL;

    make_vowel(in, 6 * FRAME, RATE, 140.0);
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, FRAME), 0);
    for (size_t f = 0; f < 6; f++)
        ck_assert_int_eq(sotto_tsm_play(t, in + f * FRAME, FRAME, out, FRAME), 0);
    double ref = rms(in + 5 * FRAME, FRAME);
    for (size_t k = 0; k < 8; k++) {
        ck_assert_int_eq(sotto_tsm_expand(t, out, FRAME), 0);
        level[k] = rms(out, FRAME);
    }
    ck_assert_double_gt(level[0], 0.8 * ref);       /* the first is full level */
    for (size_t k = 1; k < 8; k++) {
        ck_assert_double_lt(level[k], level[k - 1]);
        ck_assert_double_gt(level[k], 0.5 * level[k - 1]);  /* slowly */
    }
    ck_assert_double_lt(level[7], 0.15 * ref);
    /* Speech again, from its loudest sample: back to full level at once,
     * faded in from the quiet expansion without a step. */
    size_t loud = FRAME;
    for (size_t i = FRAME; i < 2 * FRAME; i++)
        loud = abs(in[i]) > abs(in[loud]) ? i : loud;
    size_t join = FRAME + sotto_tsm_pending(t);     /* the lead comes first */
    ck_assert_int_eq(sotto_tsm_play(t, in + loud, FRAME, out + FRAME, FRAME), 0);
    ck_assert_int_eq(sotto_tsm_play(t, in + loud + FRAME, FRAME, out + 2 * FRAME, FRAME), 0);
    ck_assert_double_gt(rms(out + 2 * FRAME, FRAME), 0.8 * rms(in + loud + FRAME, FRAME));
    ck_assert_int_lt(abs(out[join] - out[join - 1]), abs(in[loud]) / 4);
    sotto_tsm_destroy(&t);
}
END_TEST

START_TEST(tsm_silence_stays_silent)
{
    static int16_t zero[2 * FRAME], out[FRAME];
    sotto_tsm *t = NULL;
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, FRAME), 0);
    for (int round = 0; round < 2; round++) {
        ck_assert_int_eq(sotto_tsm_expand(t, out, FRAME), 0);   /* nothing heard yet */
        for (size_t i = 0; i < FRAME; i++)
            ck_assert_int_eq(out[i], 0);
        ck_assert_int_eq(sotto_tsm_play(t, zero, FRAME, out, FRAME), 0);
        ck_assert_int_eq(sotto_tsm_compress(t, zero, 2 * FRAME, out, FRAME), 0);
        for (size_t i = 0; i < FRAME; i++)
            ck_assert_int_eq(out[i], 0);
        ck_assert_int_eq(sotto_tsm_reset(t), 0);
        ck_assert_uint_eq(sotto_tsm_pending(t), 0);
    }
    sotto_tsm_destroy(&t);
}
END_TEST

/* A long run of every operation in turn on a vowel whose pitch glides:
 * the lead stays bounded and the stream never clicks. */
START_TEST(tsm_mixed_operations_stay_bounded)
{
    static int16_t in[SIGNAL_FRAMES * FRAME], out[2 * SIGNAL_FRAMES * FRAME];
    sotto_tsm *t = NULL;
    size_t f = 0, o = 0;

    make_vowel(in, SIGNAL_FRAMES * FRAME / 2, RATE, 110.0);
    make_vowel(in + SIGNAL_FRAMES * FRAME / 2, SIGNAL_FRAMES * FRAME / 2, RATE, 180.0);
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, FRAME), 0);
    for (size_t step = 0; f + 2 <= SIGNAL_FRAMES; step++, o++) {
        int16_t *dst = out + o * FRAME;
        if (step % 3 == 1) {
            ck_assert_int_eq(sotto_tsm_compress(t, in + f * FRAME, 2 * FRAME, dst, FRAME), 0);
            f += 2;
        } else if (step % 5 == 2) {
            ck_assert_int_eq(sotto_tsm_expand(t, dst, FRAME), 0);
        } else {
            ck_assert_int_eq(sotto_tsm_play(t, in + f * FRAME, FRAME, dst, FRAME), 0);
            f++;
        }
        /* 15 ms of pitch plus half a frame at most. */
        ck_assert_uint_le(sotto_tsm_pending(t), 240 + FRAME / 2);
    }
    int in_jump = max_jump(in, SIGNAL_FRAMES * FRAME);
    ck_assert_int_le(max_jump(out, o * FRAME), in_jump * 3 / 2);
    sotto_tsm_destroy(&t);
}
END_TEST

START_TEST(tsm_rejects_bad_arguments)
{
    static int16_t buf[2 * FRAME];
    sotto_tsm *t = NULL;

    ck_assert_int_eq(sotto_tsm_create(NULL, RATE, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_create(&t, 7999, 160), -EINVAL);
    ck_assert_int_eq(sotto_tsm_create(&t, 48001, 960), -EINVAL);
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, 79), -EINVAL);       /* under 5 ms */
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, 1921), -EINVAL);     /* over 120 ms */
    ck_assert_ptr_null(t);
    ck_assert_int_eq(sotto_tsm_create(&t, RATE, FRAME), 0);
    ck_assert_int_eq(sotto_tsm_play(NULL, buf, FRAME, buf + FRAME, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_play(t, NULL, FRAME, buf, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_play(t, buf, FRAME, NULL, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_play(t, buf, FRAME - 1, buf + FRAME, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_play(t, buf, FRAME, buf + FRAME, FRAME + 1), -EINVAL);
    ck_assert_int_eq(sotto_tsm_compress(NULL, buf, 2 * FRAME, buf, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_compress(t, NULL, 2 * FRAME, buf, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_compress(t, buf, 2 * FRAME, NULL, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_compress(t, buf, FRAME, buf, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_compress(t, buf, 2 * FRAME, buf, 2 * FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_expand(NULL, buf, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_expand(t, NULL, FRAME), -EINVAL);
    ck_assert_int_eq(sotto_tsm_expand(t, buf, FRAME - 1), -EINVAL);
    ck_assert_int_eq(sotto_tsm_reset(NULL), -EINVAL);
    ck_assert_uint_eq(sotto_tsm_pending(NULL), 0);
    ck_assert_uint_eq(sotto_tsm_pending(t), 0);         /* nothing above was taken */
    sotto_tsm_destroy(&t);
    ck_assert_ptr_null(t);
    sotto_tsm_destroy(&t);
    sotto_tsm_destroy(NULL);
}
END_TEST

static Suite *tsm_suite(void)
{
    Suite *s = suite_create("tsm");
    TCase *tc = tcase_create("tsm");
    tcase_add_test(tc, tsm_compress_keeps_pitch_of_harmonic_tone);
    tcase_add_test(tc, tsm_compress_keeps_pitch_of_vowel);
    tcase_add_test(tc, tsm_compress_noise_fades_and_keeps_length);
    tcase_add_test(tc, tsm_expand_continues_tone);
    tcase_add_test(tc, tsm_expand_continues_vowel);
    tcase_add_test(tc, tsm_repeated_expand_fades_slowly);
    tcase_add_test(tc, tsm_silence_stays_silent);
    tcase_add_test(tc, tsm_mixed_operations_stay_bounded);
    tcase_add_test(tc, tsm_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tsm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
