/* Resampler: a 1 kHz tone at -6 dBFS keeps its frequency (within 1 %), its
 * level (within 0.5 dB) and the expected length through each conversion. */
#include "audio/resample.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TONE_HZ 1000.0
#define TONE_AMPLITUDE 16384.0 /* -6 dBFS */
#define CHUNK 441              /* odd-sized chunks exercise the fractional phase */

static double rms(const int16_t *x, size_t n)
{
    double sum = 0.0;

    for (size_t i = 0; i < n; i++)
        sum += (double)x[i] * (double)x[i];
    return sqrt(sum / (double)n);
}

/* Frequency from the first and last rising zero crossing (interpolated). */
static double tone_frequency(const int16_t *x, size_t n, int rate)
{
    double first = -1.0, last = -1.0;
    int crossings = 0;

    for (size_t i = 1; i < n; i++) {
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + (double)-x[i - 1] / (double)(x[i] - x[i - 1]);

            if (first < 0.0)
                first = t;
            last = t;
            crossings++;
        }
    }
    if (crossings < 2)
        return 0.0;
    return (double)(crossings - 1) * (double)rate / (last - first);
}

static int16_t *make_tone(int rate, size_t n)
{
    int16_t *x = malloc(n * sizeof(int16_t));

    ck_assert_ptr_nonnull(x);
    for (size_t i = 0; i < n; i++)
        x[i] = (int16_t)lrint(TONE_AMPLITUDE * sin(2.0 * M_PI * TONE_HZ * (double)i / rate));
    return x;
}

static void check_conversion(int in_rate, int out_rate)
{
    size_t n_in = (size_t)in_rate; /* one second */
    int16_t *in = make_tone(in_rate, n_in);
    size_t cap = (size_t)out_rate + 64, produced = 0, expected = (size_t)out_rate;
    int16_t *out = malloc(cap * sizeof(int16_t));
    sotto_resampler *r = NULL;
    size_t skip = (size_t)out_rate / 10; /* filter warm-up and tail */
    double in_level, out_level, freq;

    ck_assert_ptr_nonnull(out);
    ck_assert_int_eq(sotto_resampler_create(&r, in_rate, out_rate, SOTTO_RESAMPLER_QUALITY), 0);
    for (size_t done = 0; done < n_in;) {
        size_t in_n = n_in - done < CHUNK ? n_in - done : CHUNK;
        size_t out_n = cap - produced;

        ck_assert_uint_ge(out_n, sotto_resampler_output_bound(r, in_n));
        ck_assert_int_eq(sotto_resampler_process(r, in + done, &in_n, out + produced, &out_n), 0);
        ck_assert_uint_gt(in_n, 0);
        done += in_n;
        produced += out_n;
    }
    ck_assert_msg(produced + 4 >= expected && produced <= expected + 4,
                  "%d->%d: %zu samples, expected %zu", in_rate, out_rate, produced, expected);
    freq = tone_frequency(out + skip, produced - 2 * skip, out_rate);
    ck_assert_msg(fabs(freq - TONE_HZ) <= TONE_HZ * 0.01, "%d->%d: %.2f Hz", in_rate, out_rate, freq);
    in_level = rms(in, n_in);
    out_level = rms(out + skip, produced - 2 * skip);
    ck_assert_msg(fabs(20.0 * log10(out_level / in_level)) <= 0.5, "%d->%d: level %.1f vs %.1f",
                  in_rate, out_rate, out_level, in_level);
    ck_assert_double_eq_tol(in_level, TONE_AMPLITUDE / sqrt(2.0), 2.0);
    sotto_resampler_destroy(&r);
    ck_assert_ptr_null(r);
    free(in);
    free(out);
}

START_TEST(resample_48000_to_16000_keeps_tone)
{
    check_conversion(48000, 16000);
}
END_TEST

START_TEST(resample_16000_to_48000_keeps_tone)
{
    check_conversion(16000, 48000);
}
END_TEST

START_TEST(resample_44100_to_16000_keeps_tone)
{
    check_conversion(44100, 16000);
}
END_TEST

START_TEST(resample_equal_rates_copy_exactly)
{
    sotto_resampler *r = NULL;
    int16_t in[10] = { 1, -2, 3, -4, 5, -6, 7, -8, 9, -10 }, out[10] = { 0 };
    size_t in_n = 10, out_n = 6;

    ck_assert_int_eq(sotto_resampler_create(&r, 16000, 16000, SOTTO_RESAMPLER_QUALITY), 0);
    ck_assert_uint_eq(sotto_resampler_input_latency(r), 0);
    ck_assert_uint_eq(sotto_resampler_output_bound(r, 10), 10);
    ck_assert_int_eq(sotto_resampler_process(r, in, &in_n, out, &out_n), 0);
    ck_assert_uint_eq(in_n, 6); /* out was smaller: only 6 consumed */
    ck_assert_uint_eq(out_n, 6);
    ck_assert_mem_eq(out, in, 6 * sizeof(int16_t));
    sotto_resampler_destroy(&r);
}
END_TEST

START_TEST(resample_small_output_consumes_partially)
{
    sotto_resampler *r = NULL;
    int16_t *in = make_tone(48000, 960);
    int16_t out[320];
    size_t in_n = 960, out_n = 100;

    ck_assert_int_eq(sotto_resampler_create(&r, 48000, 16000, SOTTO_RESAMPLER_QUALITY), 0);
    ck_assert_uint_gt(sotto_resampler_input_latency(r), 0);
    ck_assert_int_eq(sotto_resampler_process(r, in, &in_n, out, &out_n), 0);
    ck_assert_uint_eq(out_n, 100);
    ck_assert_uint_le(in_n, 303);
    ck_assert_uint_ge(in_n, 297);
    sotto_resampler_destroy(&r);
    free(in);
}
END_TEST

START_TEST(resample_rejects_bad_arguments)
{
    sotto_resampler *r = NULL;
    int16_t buf[4] = { 0 };
    size_t in_n = 4, out_n = 4;

    ck_assert_int_eq(sotto_resampler_create(NULL, 16000, 8000, 5), -EINVAL);
    ck_assert_int_eq(sotto_resampler_create(&r, 0, 8000, 5), -EINVAL);
    ck_assert_int_eq(sotto_resampler_create(&r, 16000, -1, 5), -EINVAL);
    ck_assert_int_eq(sotto_resampler_create(&r, 16000, 8000, 11), -EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(sotto_resampler_create(&r, 16000, 8000, 5), 0);
    ck_assert_int_eq(sotto_resampler_process(r, NULL, &in_n, buf, &out_n), -EINVAL);
    ck_assert_int_eq(sotto_resampler_process(r, buf, NULL, buf, &out_n), -EINVAL);
    ck_assert_int_eq(sotto_resampler_process(NULL, buf, &in_n, buf, &out_n), -EINVAL);
    sotto_resampler_destroy(&r);
    sotto_resampler_destroy(&r);
    sotto_resampler_destroy(NULL);
}
END_TEST

static Suite *resample_suite(void)
{
    Suite *s = suite_create("resample");
    TCase *tc = tcase_create("resample");

    tcase_add_test(tc, resample_48000_to_16000_keeps_tone);
    tcase_add_test(tc, resample_16000_to_48000_keeps_tone);
    tcase_add_test(tc, resample_44100_to_16000_keeps_tone);
    tcase_add_test(tc, resample_equal_rates_copy_exactly);
    tcase_add_test(tc, resample_small_output_consumes_partially);
    tcase_add_test(tc, resample_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(resample_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
