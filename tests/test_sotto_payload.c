/* Unit tests for the Sotto RTP payload with in-band redundancy and for
 * changing an encoder's rate while it runs. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/sotto_payload.h"

#define FB 8

static void fill_frames(uint8_t *out, size_t frames, uint8_t first)
{
    for (size_t i = 0; i < frames * FB; i++)
        out[i] = (uint8_t)(first + i / FB);
}

START_TEST(payload_round_trip_with_redundancy)
{
    uint8_t red[3 * FB], prim[2 * FB], buf[64];
    sotto_payload_view v;
    size_t len = 0;

    fill_frames(red, 3, 10);
    fill_frames(prim, 2, 20);
    ck_assert_int_eq(sotto_payload_pack(FB, red, 3, prim, 2, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 1 + 5 * FB);
    ck_assert_uint_eq(buf[0], 0x40 | 3);
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), 0);
    ck_assert_uint_eq(v.redundant_count, 3);
    ck_assert_uint_eq(v.primary_count, 2);
    ck_assert_mem_eq(v.redundant, red, sizeof(red));
    ck_assert_mem_eq(v.primary, prim, sizeof(prim));
    ck_assert_uint_eq(v.frame_bytes, FB);
}
END_TEST

/* 2 kbit/s frames are 10 bytes and set the mode bit: the receiver learns
 * the frame size from the header, so the sender may switch modes from one
 * packet to the next. */
START_TEST(payload_mode_bit_names_the_frame_size)
{
    uint8_t frames[4 * 10], buf[64];
    sotto_payload_view v;
    size_t len = 0;

    for (size_t i = 0; i < sizeof(frames); i++)
        frames[i] = (uint8_t)(i * 7);
    ck_assert_int_eq(sotto_payload_pack(10, frames, 1, frames + 10, 3, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 41);
    ck_assert_uint_eq(buf[0], 0xC0 | 1);
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), 0);
    ck_assert_uint_eq(v.frame_bytes, 10);
    ck_assert_uint_eq(v.redundant_count, 1);
    ck_assert_uint_eq(v.primary_count, 3);
    ck_assert_mem_eq(v.primary, frames + 10, 30);
    /* The same 41 bytes with the mode bit cleared are five 8-byte frames. */
    buf[0] = 0x40 | 1;
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), 0);
    ck_assert_uint_eq(v.frame_bytes, 8);
    ck_assert_uint_eq(v.primary_count, 4);
}
END_TEST

START_TEST(payload_without_redundancy)
{
    uint8_t prim[6 * FB], buf[64];
    sotto_payload_view v;
    size_t len = 0;

    fill_frames(prim, 6, 1);
    ck_assert_int_eq(sotto_payload_pack(FB, NULL, 0, prim, 6, buf, sizeof(buf), &len), 0);
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), 0);
    ck_assert_uint_eq(v.redundant_count, 0);
    ck_assert_uint_eq(v.primary_count, 6);
    ck_assert_ptr_eq(v.primary, buf + 1);
}
END_TEST

START_TEST(payload_pack_rejects_bad_arguments)
{
    uint8_t prim[FB] = {0}, buf[16];
    size_t len = 99;

    ck_assert_int_eq(sotto_payload_pack(FB, NULL, 0, prim, 0, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_payload_pack(0, NULL, 0, prim, 1, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_payload_pack(9, NULL, 0, prim, 1, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_payload_pack(FB, NULL, 1, prim, 1, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_payload_pack(FB, prim, 64, prim, 1, buf, sizeof(buf), &len),
                     -EINVAL);
    ck_assert_int_eq(sotto_payload_pack(FB, NULL, 0, prim, 1, buf, FB, &len), -ENOSPC);
    ck_assert_uint_eq(len, 99);
}
END_TEST

START_TEST(payload_parse_rejects_every_bad_length)
{
    uint8_t red[2 * FB], prim[FB], buf[64];
    sotto_payload_view v;
    size_t len = 0, cut;

    fill_frames(red, 2, 3);
    fill_frames(prim, 1, 7);
    ck_assert_int_eq(sotto_payload_pack(FB, red, 2, prim, 1, buf, sizeof(buf), &len), 0);
    /* Every truncation either breaks the frame grid or leaves no primary. */
    for (cut = 0; cut < len; cut++)
        ck_assert_int_eq(sotto_payload_parse(buf, cut, &v), -EBADMSG);
    /* R claiming every frame leaves no primary frame. */
    buf[0] = 0x40 | 3;
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), -EBADMSG);
    /* Bit 6 clear, in either mode. */
    buf[0] = 0x00 | 2;
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), -EBADMSG);
    buf[0] = 0x80 | 2;
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), -EBADMSG);
    /* The 2 kbit/s mode bit on 8-byte frames: 25 bytes are no grid of 10. */
    buf[0] = 0xC0 | 2;
    ck_assert_int_eq(sotto_payload_parse(buf, len, &v), -EBADMSG);
    ck_assert_int_eq(sotto_payload_parse(NULL, len, &v), -EINVAL);
    ck_assert_int_eq(sotto_payload_parse(buf, len, NULL), -EINVAL);
}
END_TEST

START_TEST(payload_parse_rejects_too_many_primary_frames)
{
    static uint8_t buf[1 + 65 * FB];

    memset(buf, 0, sizeof(buf));
    buf[0] = 0x40;
    sotto_payload_view v;
    ck_assert_int_eq(sotto_payload_parse(buf, sizeof(buf), &v), -EBADMSG);
    ck_assert_int_eq(sotto_payload_parse(buf, 1 + 64 * FB, &v), 0);
    ck_assert_uint_eq(v.primary_count, 64);
}
END_TEST

/* A 6 kbit/s Opus encoder makes smaller packets than a 24 kbit/s one; the
 * fixed-rate codecs refuse. */
START_TEST(set_rate_changes_opus_and_refuses_fixed_codecs)
{
    sotto_codec_params p;
    sotto_codec *c = NULL;
    int16_t pcm[960];
    uint8_t out[1275];
    size_t len_high = 0, len_low = 0, total_high = 0, total_low = 0;
    int i;

    for (i = 0; i < 960; i++)
        pcm[i] = (int16_t)((i * 37 % 200 - 100) * 60);
    sotto_codec_params_default(&p);
    p.bitrate = 24000;
    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), &p), 0);
    for (i = 0; i < 20; i++) {
        ck_assert_int_eq(sotto_codec_encode(c, pcm, 960, out, sizeof(out), &len_high), 0);
        total_high += len_high;
    }
    ck_assert_int_eq(sotto_codec_set_rate(c, 6000, 20), 0);
    for (i = 0; i < 20; i++) {
        ck_assert_int_eq(sotto_codec_encode(c, pcm, 960, out, sizeof(out), &len_low), 0);
        total_low += len_low;
    }
    ck_assert_uint_lt(total_low * 2, total_high);
    ck_assert_int_eq(sotto_codec_set_rate(c, 100, 0), -EINVAL);
    ck_assert_int_eq(sotto_codec_set_rate(c, 6000, 101), -EINVAL);
    sotto_codec_destroy(&c);
    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("PCMU"), NULL), 0);
    ck_assert_int_eq(sotto_codec_set_rate(c, 64000, 0), -ENOTSUP);
    sotto_codec_destroy(&c);
    ck_assert_int_eq(sotto_codec_set_rate(NULL, 6000, 0), -EINVAL);
}
END_TEST

/* Opus packets of 120 ms (several frames in one packet) encode and decode. */
START_TEST(opus_takes_120_ms_packets)
{
    sotto_codec_params p;
    sotto_codec *c = NULL;
    static int16_t pcm[5760], dec[5760];
    uint8_t out[1500];
    size_t len = 0, n = 0;

    sotto_codec_params_default(&p);
    p.frame_ms = 120;
    p.bitrate = 6000;
    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), &p), 0);
    ck_assert_uint_eq(sotto_codec_frame_samples(c), 5760);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 5760, out, sizeof(out), &len), 0);
    ck_assert_int_eq(sotto_codec_decode(c, out, len, dec, 5760, &n), 0);
    ck_assert_uint_eq(n, 5760);
    sotto_codec_destroy(&c);
    p.frame_ms = 30;
    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), &p), -EINVAL);
}
END_TEST

static Suite *payload_suite(void)
{
    Suite *s = suite_create("sotto_payload");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, payload_mode_bit_names_the_frame_size);
    tcase_add_test(tc, payload_round_trip_with_redundancy);
    tcase_add_test(tc, payload_without_redundancy);
    tcase_add_test(tc, payload_pack_rejects_bad_arguments);
    tcase_add_test(tc, payload_parse_rejects_every_bad_length);
    tcase_add_test(tc, payload_parse_rejects_too_many_primary_frames);
    tcase_add_test(tc, set_rate_changes_opus_and_refuses_fixed_codecs);
    tcase_add_test(tc, opus_takes_120_ms_packets);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(payload_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
