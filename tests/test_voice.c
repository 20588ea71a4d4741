/* The capture chain: settings checks, whole-block calls, the bulk delay
 * it finds between playout and capture, echo removed on a synthetic case,
 * and both engines built from the same table. */
#include "voice/voice.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RATE 16000
#define BLOCK 160
#define SECONDS 8

/* Syllable-like bursts of noise: an envelope the delay tracker can follow. */
static void far_signal(int16_t *out, size_t n)
{
    uint32_t seed = 12345;

    for (size_t i = 0; i < n; i++) {
        double env = 0.5 + 0.5 * sin(2 * M_PI * 3.0 * (double)i / RATE);
        double burst = ((i / 2400) % 3 == 2) ? 0.05 : 1.0;

        seed = seed * 1664525u + 1013904223u;
        out[i] = (int16_t)(((double)(seed >> 16) / 65536.0 - 0.5) * 12000.0 * env * burst);
    }
}

static double power(const int16_t *x, size_t n)
{
    double s = 0;

    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return s / (double)n;
}

/* Runs echo of far (delay samples, gain 0.5) through a chain; returns the
 * power ratio in dB over the last two seconds and the delay estimate. */
static double run_echo(sotto_voice_engine engine, size_t delay, int *out_delay_ms)
{
    const size_t n = SECONDS * RATE;
    int16_t *far = calloc(n, sizeof(int16_t)), *near = calloc(n, sizeof(int16_t));
    int16_t *in = calloc(n, sizeof(int16_t));
    sotto_voice_config cfg;
    sotto_voice_stats st;
    sotto_voice *v = NULL;
    double ratio;

    ck_assert_ptr_nonnull(far);
    ck_assert_ptr_nonnull(near);
    ck_assert_ptr_nonnull(in);
    far_signal(far, n);
    for (size_t i = delay; i < n; i++)
        near[i] = (int16_t)(far[i - delay] / 2);
    memcpy(in, near, n * sizeof(int16_t));
    sotto_voice_config_default(&cfg);
    cfg.engine = engine;
    cfg.gain_control = 0;
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), 0);
    for (size_t i = 0; i < n; i += BLOCK) {
        ck_assert_int_eq(sotto_voice_far(v, far + i, BLOCK), 0);
        ck_assert_int_eq(sotto_voice_near(v, near + i, BLOCK, NULL), 0);
    }
    sotto_voice_get_stats(v, &st);
    ck_assert_str_eq(st.engine, sotto_voice_engine_name(engine));
    ck_assert_uint_eq(st.blocks, n / BLOCK);
    *out_delay_ms = st.delay_ms;
    ratio = 10 * log10(power(in + n - 2 * RATE, 2 * RATE) /
                       (power(near + n - 2 * RATE, 2 * RATE) + 1e-9));
    sotto_voice_destroy(&v);
    ck_assert_ptr_null(v);
    free(far);
    free(near);
    free(in);
    return ratio;
}

START_TEST(voice_rejects_bad_settings)
{
    sotto_voice_config cfg;
    sotto_voice *v = NULL;

    sotto_voice_config_default(&cfg);
    cfg.rate = 11025;
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), -EINVAL);
    sotto_voice_config_default(&cfg);
    cfg.echo_suppression = 3;
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), -EINVAL);
    sotto_voice_config_default(&cfg);
    cfg.noise_level = -1;
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), -EINVAL);
    sotto_voice_config_default(&cfg);
    cfg.delay_ms = 1001;
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), -EINVAL);
    sotto_voice_config_default(&cfg);
    cfg.engine = (sotto_voice_engine)7;
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), -EINVAL);
    ck_assert_int_eq(sotto_voice_create(NULL, &cfg), -EINVAL);
    ck_assert_int_eq(sotto_voice_create(&v, NULL), -EINVAL);
    ck_assert_ptr_null(v);
    sotto_voice_destroy(NULL);
    sotto_voice_destroy(&v);
}
END_TEST

START_TEST(voice_takes_whole_blocks_only)
{
    int16_t pcm[3 * BLOCK] = { 0 };
    sotto_voice_config cfg;
    sotto_voice *v = NULL;
    int speech = -1;

    sotto_voice_config_default(&cfg);
    ck_assert_int_eq(sotto_voice_create(&v, &cfg), 0);
    ck_assert_uint_eq(sotto_voice_block_samples(v), BLOCK);
    ck_assert_int_eq(sotto_voice_far(v, pcm, BLOCK + 1), -EINVAL);
    ck_assert_int_eq(sotto_voice_near(v, pcm, 2 * BLOCK - 3, NULL), -EINVAL);
    ck_assert_int_eq(sotto_voice_near(v, NULL, BLOCK, NULL), -EINVAL);
    ck_assert_int_eq(sotto_voice_far(v, pcm, 3 * BLOCK), 0);
    ck_assert_int_eq(sotto_voice_near(v, pcm, 3 * BLOCK, &speech), 0);
    ck_assert_int_eq(speech, 0);
    sotto_voice_destroy(&v);
}
END_TEST

START_TEST(voice_engine_names_round_trip)
{
    sotto_voice_engine e;

    ck_assert_int_eq(sotto_voice_engine_parse("speex", &e), 0);
    ck_assert_int_eq(e, SOTTO_VOICE_SPEEX);
    ck_assert_int_eq(sotto_voice_engine_parse("webrtc", &e), 0);
    ck_assert_int_eq(e, SOTTO_VOICE_WEBRTC);
    ck_assert_int_eq(sotto_voice_engine_parse("WebRTC", &e), -EINVAL);
    ck_assert_int_eq(sotto_voice_engine_parse(NULL, &e), -EINVAL);
}
END_TEST

START_TEST(voice_finds_a_200_ms_delay_and_cancels_the_echo)
{
    int delay_ms = -1;
    double erle = run_echo(SOTTO_VOICE_WEBRTC, 200 * RATE / 1000, &delay_ms);

    ck_assert_msg(delay_ms >= 190 && delay_ms <= 220, "delay estimate %d ms", delay_ms);
    ck_assert_msg(erle >= 25.0, "ERLE %.1f dB", erle);
}
END_TEST

START_TEST(voice_speex_engine_runs_the_same_case)
{
    int delay_ms = -1;
    double erle = run_echo(SOTTO_VOICE_SPEEX, 50 * RATE / 1000, &delay_ms);

    ck_assert_msg(delay_ms >= 40 && delay_ms <= 70, "delay estimate %d ms", delay_ms);
    ck_assert_msg(erle >= 6.0, "ERLE %.1f dB", erle);
}
END_TEST

static Suite *voice_suite(void)
{
    Suite *s = suite_create("voice");
    TCase *tc = tcase_create("voice");

    tcase_add_test(tc, voice_rejects_bad_settings);
    tcase_add_test(tc, voice_takes_whole_blocks_only);
    tcase_add_test(tc, voice_engine_names_round_trip);
    tcase_add_test(tc, voice_finds_a_200_ms_delay_and_cancels_the_echo);
    tcase_add_test(tc, voice_speex_engine_runs_the_same_case);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(voice_suite());
    int failed;

    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
