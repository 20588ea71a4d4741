/* The codec registry: every codec's description agrees with the codec
 * itself, and the capability queries answer from the description. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/sotto.h"

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

/* Speech-like test signal: a gliding pulse-ish harmonic series under a
 * 4 Hz syllable envelope (the codec models voiced speech). */
static void voiced(int16_t *out, size_t n)
{
    double phase = 0.0;

    for (size_t i = 0; i < n; i++) {
        double t = (double)i / 16000.0, f0 = 120.0 + 60.0 * sin(2.0 * M_PI * 0.7 * t), v = 0.0;

        phase += f0 / 16000.0;
        for (int h = 1; h <= 20; h++)
            v += sin(2.0 * M_PI * h * phase) / h * (1.0 + cos(2.0 * M_PI * h * f0 / 1400.0));
        out[i] = (int16_t)(2500.0 * v * (0.55 + 0.45 * sin(2.0 * M_PI * 4.0 * t)));
    }
}

/* A running Sotto instance switched by set_rate between 3.2 and 2 kbit/s,
 * 20 ms at a time as a call drives it: the encoder gives 8-byte packets,
 * then (from the next packet boundary) nothing and a 10-byte packet per
 * 40 ms, then 8-byte ones again; the bytes equal an encoder switched
 * directly, and decoding those packets one at a time (the 40 ms packet
 * giving 20 ms, the held 20 ms coming from the next conceal) equals a
 * decoder following the modes directly, sample for sample. */
START_TEST(codec_sotto_switches_modes_mid_stream)
{
    enum {
        UNITS = 60
    };
    static int16_t pcm[UNITS * 320], out[UNITS * 320], want[UNITS * 320];
    uint8_t bytes[UNITS][16], direct[16];
    size_t lens[UNITS], n, done = 0;
    sotto_codec_params p;
    sotto_codec *c = NULL;
    sotto_encoder *enc = NULL;
    sotto_decoder *dec = NULL;
    int16_t block[640];

    voiced(pcm, UNITS * 320);
    sotto_codec_params_default(&p);
    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("SOTTO"), &p), 0);
    ck_assert_int_eq(sotto_encoder_create(&enc, SOTTO_MODE_3200), 0);
    ck_assert_int_eq(sotto_decoder_create(&dec, SOTTO_MODE_3200), 0);
    for (int u = 0; u < UNITS; u++) {
        /* Asked at unit 11 (mid-packet would not matter: a switch waits). */
        if (u == 11 || u == 40)
            ck_assert_int_eq(sotto_codec_set_rate(c, u == 11 ? 2000 : 3200, 0), 0);
        ck_assert_int_eq(
            sotto_codec_encode(c, pcm + u * 320, 320, bytes[u], sizeof(bytes[u]), &lens[u]), 0);
    }
    /* 3.2 kbit/s until the request at unit 11, 2 kbit/s packets from unit
     * 11 (complete at 12, 14, ... 40: the switch back waits for the packet
     * 39-40 to end), then 3.2 again from 41. */
    for (int u = 0; u < UNITS; u++) {
        size_t expect = u < 11 ? 8 : u <= 40 ? (u % 2 == 0 ? 10 : 0) : 8;
        ck_assert_msg(lens[u] == expect, "unit %d: %zu bytes, want %zu", u, lens[u], expect);
    }
    /* The same packets from the encoder switched directly. */
    for (int u = 0; u < UNITS; u++) {
        if (lens[u] == 0)
            continue;
        sotto_mode m = lens[u] == 10 ? SOTTO_MODE_2000 : SOTTO_MODE_3200;
        size_t frame = sotto_mode_frame_samples(m);

        ck_assert_int_eq(sotto_encoder_set_mode(enc, m), 0);
        ck_assert_int_eq(sotto_encode(enc, pcm + (u + 1) * 320 - frame, direct), 0);
        ck_assert_mem_eq(direct, bytes[u], lens[u]);
    }
    /* Decoding in 20 ms periods: a 10-byte packet's period, then a period
     * without a packet that the held half fills. */
    for (int u = 0; u < UNITS; u++) {
        if (lens[u] == 0)
            continue;
        if (lens[u] == 10) {
            ck_assert_int_eq(sotto_codec_decode(c, bytes[u], 10, out + done, 320, &n), 0);
            ck_assert_uint_eq(n, 320);
            ck_assert_int_eq(sotto_codec_conceal(c, out + done + 320, 320, &n), 0);
            ck_assert_uint_eq(n, 320);
            done += 640;
        } else {
            ck_assert_int_eq(sotto_codec_decode(c, bytes[u], 8, out + done, 320, &n), 0);
            ck_assert_uint_eq(n, 320);
            done += 320;
        }
    }
    ck_assert_uint_eq(done, (size_t)(UNITS * 320));
    done = 0;
    for (int u = 0; u < UNITS; u++) {
        if (lens[u] == 0)
            continue;
        sotto_mode m = lens[u] == 10 ? SOTTO_MODE_2000 : SOTTO_MODE_3200;

        ck_assert_int_eq(sotto_decoder_set_mode(dec, m), 0);
        ck_assert_int_eq(sotto_decode(dec, bytes[u], lens[u], block), 0);
        memcpy(want + done, block, sotto_mode_frame_samples(m) * sizeof(int16_t));
        done += sotto_mode_frame_samples(m);
    }
    ck_assert_mem_eq(out, want, sizeof(out));
    /* A lost 40 ms packet is concealed in 20 ms periods too. */
    ck_assert_int_eq(sotto_codec_decode(c, bytes[12], 10, out, 320, &n), 0);
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(sotto_codec_conceal(c, out, 320, &n), 0);
        ck_assert_uint_eq(n, 320);
    }
    ck_assert_int_eq(sotto_codec_decode(c, bytes[20], 7, out, 320, &n), -EBADMSG);
    sotto_encoder_destroy(&enc);
    sotto_decoder_destroy(&dec);
    sotto_codec_destroy(&c);
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
    tcase_add_test(reg, codec_sotto_switches_modes_mid_stream);
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
