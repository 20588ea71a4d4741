/* The codec registry: every codec's description agrees with the codec
 * itself, and the capability queries answer from the description. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"

START_TEST(codec_descriptions_are_consistent)
{
    const sotto_codec_desc *const *list = sotto_codec_list();
    size_t n = 0;

    for (; list[n]; n++) {
        const sotto_codec_desc *d = list[n];
        char lower[32];
        size_t i;

        for (i = 0; d->name[i] && i + 1 < sizeof(lower); i++)
            lower[i] = (char)(d->name[i] | 0x20);
        lower[i] = '\0';
        ck_assert_ptr_eq(sotto_codec_find(lower), d);
        ck_assert_int_ge(d->default_pt, 0);
        ck_assert_int_le(d->default_pt, 127);
        if (d->static_pt >= 0)
            ck_assert_int_eq(d->default_pt, d->static_pt);
        else
            ck_assert_int_ge(d->default_pt, 96);
        ck_assert_int_eq(!!(d->caps & SOTTO_CODEC_CAP_RED), d->red_pt >= 0);
        ck_assert_int_eq(!!(d->caps & SOTTO_CODEC_CAP_INBAND_REDUNDANCY),
                         d->redundancy_fmtp != NULL);
        ck_assert_int_le(d->min_ptime_ms, d->max_ptime_ms);
        ck_assert(sotto_codec_ptime_usable(d, d->max_ptime_ms));
        ck_assert(!sotto_codec_ptime_usable(d, d->max_ptime_ms + 10));
        ck_assert(d->clock_rate > 0 && d->sample_rate > 0 && d->channels >= 1);
        for (size_t k = 0; k < n; k++)
            ck_assert_int_ne(list[k]->default_pt, d->default_pt);
    }
    ck_assert_uint_ge(n, 4);
    ck_assert_ptr_null(sotto_codec_find("G722"));
    ck_assert_ptr_null(sotto_codec_find(NULL));
}
END_TEST

/* A framed codec's description says what its encoder really gives. */
START_TEST(codec_framing_matches_the_encoder)
{
    const sotto_codec_desc *const *list = sotto_codec_list();

    for (size_t n = 0; list[n]; n++) {
        const sotto_codec_desc *d = list[n];
        sotto_codec_params p;
        sotto_codec *c = NULL;
        int16_t pcm[1920] = { 0 };
        uint8_t out[1500];
        size_t len, bytes;
        int ms;

        if (d->frame_ms == 0) {
            ck_assert_int_eq(sotto_codec_framing(d, NULL, &ms, &bytes), -ENOTSUP);
            continue;
        }
        ck_assert_int_eq(sotto_codec_framing(d, NULL, &ms, &bytes), 0);
        ck_assert_int_eq(ms, d->frame_ms);
        ck_assert_uint_eq(bytes, d->frame_bytes);
        ck_assert_int_eq(d->min_ptime_ms % ms, 0);
        sotto_codec_params_default(&p);
        p.frame_ms = ms;
        ck_assert_int_eq(sotto_codec_create(&c, d, &p), 0);
        ck_assert_int_eq(
            sotto_codec_encode(c, pcm, sotto_codec_frame_samples(c), out, sizeof(out), &len), 0);
        ck_assert_uint_eq(len, bytes);
        sotto_codec_destroy(&c);
    }
}
END_TEST

START_TEST(codec_sotto_framing_follows_its_mode)
{
    const sotto_codec_desc *d = sotto_codec_find("SOTTO");
    sotto_codec_params p;
    char fmtp[64];
    size_t bytes;
    int ms;

    ck_assert_ptr_nonnull(d);
    sotto_codec_params_default(&p);
    p.bitrate = 2000;
    ck_assert_int_eq(sotto_codec_framing(d, &p, &ms, &bytes), 0);
    ck_assert_int_eq(ms, 40);
    ck_assert_uint_eq(bytes, 10);
    /* The fmtp parameter that announces in-band redundancy is the one the
     * codec writes. */
    ck_assert_int_eq(sotto_codec_fmtp(d, NULL, fmtp, sizeof(fmtp)), 0);
    char want[32];
    snprintf(want, sizeof(want), "%s=1", d->redundancy_fmtp);
    ck_assert_ptr_nonnull(strstr(fmtp, want));
    p.frame_ms = 30;
    ck_assert_int_eq(sotto_codec_framing(d, &p, &ms, &bytes), -EINVAL);
    ck_assert_int_eq(sotto_codec_framing(NULL, NULL, &ms, &bytes), -EINVAL);
    ck_assert_int_eq(sotto_codec_ptime_usable(NULL, 20), 0);
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *reg = tcase_create("registry");

    tcase_set_timeout(reg, 60);
    tcase_add_test(reg, codec_descriptions_are_consistent);
    tcase_add_test(reg, codec_framing_matches_the_encoder);
    tcase_add_test(reg, codec_sotto_framing_follows_its_mode);
    suite_add_tcase(s, reg);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
