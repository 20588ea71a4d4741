/* RFC 3389 comfort noise payloads: round trips, the level scale, and bad
 * input (empty, reserved bit, too many coefficients, NULL, small buffers). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/cn.h"

START_TEST(cn_parses_level_only_and_with_coefficients)
{
    const uint8_t level_only[] = { 60 };
    const uint8_t with_coeffs[] = { 45, 127, 100, 200 };
    sotto_cn cn;

    ck_assert_int_eq(sotto_cn_parse(level_only, sizeof(level_only), &cn), 0);
    ck_assert_uint_eq(cn.level, 60);
    ck_assert_uint_eq(cn.coeff_count, 0);
    ck_assert_int_eq(sotto_cn_parse(with_coeffs, sizeof(with_coeffs), &cn), 0);
    ck_assert_uint_eq(cn.level, 45);
    ck_assert_uint_eq(cn.coeff_count, 3);
    ck_assert_uint_eq(cn.coeffs[0], 127);
    ck_assert_uint_eq(cn.coeffs[2], 200);
}
END_TEST

START_TEST(cn_round_trips)
{
    sotto_cn in, out;
    uint8_t buf[1 + SOTTO_CN_MAX_COEFFS];
    size_t len = 0;

    memset(&in, 0, sizeof(in));
    in.level = SOTTO_CN_MAX_LEVEL;
    in.coeff_count = SOTTO_CN_MAX_COEFFS;
    for (int i = 0; i < SOTTO_CN_MAX_COEFFS; i++)
        in.coeffs[i] = (uint8_t)(i * 7);
    ck_assert_int_eq(sotto_cn_build(&in, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, sizeof(buf));
    ck_assert_int_eq(sotto_cn_parse(buf, len, &out), 0);
    ck_assert_mem_eq(&in, &out, sizeof(in));
}
END_TEST

START_TEST(cn_level_scale)
{
    ck_assert_uint_eq(sotto_cn_level_of_rms(32768.0), 0);
    ck_assert_uint_eq(sotto_cn_level_of_rms(1e9), 0);
    ck_assert_uint_eq(sotto_cn_level_of_rms(0.0), 127);
    ck_assert_uint_eq(sotto_cn_level_of_rms(-5.0), 127);
    ck_assert_uint_eq(sotto_cn_level_of_rms(NAN), 127);
    ck_assert_uint_eq(sotto_cn_level_of_rms(32768.0 / 1000.0), 60);
    ck_assert(fabs(sotto_cn_rms_of_level(60) - 32.768) < 0.01);
    ck_assert(fabs(sotto_cn_rms_of_level(200) - sotto_cn_rms_of_level(127)) < 1e-9);
    for (unsigned l = 0; l <= SOTTO_CN_MAX_LEVEL; l++)
        ck_assert_uint_eq(sotto_cn_level_of_rms(sotto_cn_rms_of_level((uint8_t)l)), l);
}
END_TEST

START_TEST(cn_rejects_bad_payloads)
{
    uint8_t big[2 + SOTTO_CN_MAX_COEFFS];
    const uint8_t reserved[] = { 0x80 };
    const uint8_t reserved_max[] = { 0xff, 1 };
    sotto_cn cn, before;

    memset(big, 10, sizeof(big));
    memset(&cn, 0xa5, sizeof(cn));
    before = cn;
    ck_assert_int_eq(sotto_cn_parse(big, 0, &cn), -EBADMSG);
    ck_assert_int_eq(sotto_cn_parse(reserved, sizeof(reserved), &cn), -EBADMSG);
    ck_assert_int_eq(sotto_cn_parse(reserved_max, sizeof(reserved_max), &cn), -EBADMSG);
    ck_assert_int_eq(sotto_cn_parse(big, sizeof(big), &cn), -EMSGSIZE);
    ck_assert_int_eq(sotto_cn_parse(NULL, 1, &cn), -EINVAL);
    ck_assert_int_eq(sotto_cn_parse(big, 1, NULL), -EINVAL);
    ck_assert_mem_eq(&cn, &before, sizeof(cn));
    ck_assert_int_eq(sotto_cn_parse(big, sizeof(big) - 1, &cn), 0);
}
END_TEST

START_TEST(cn_build_rejects_bad_fields_and_small_buffers)
{
    sotto_cn cn;
    uint8_t buf[4];
    size_t len = 99;

    memset(&cn, 0, sizeof(cn));
    cn.level = 128;
    ck_assert_int_eq(sotto_cn_build(&cn, buf, sizeof(buf), &len), -EINVAL);
    cn.level = 30;
    cn.coeff_count = SOTTO_CN_MAX_COEFFS + 1;
    ck_assert_int_eq(sotto_cn_build(&cn, buf, sizeof(buf), &len), -EINVAL);
    cn.coeff_count = 4;
    ck_assert_int_eq(sotto_cn_build(&cn, buf, sizeof(buf), &len), -ENOSPC);
    ck_assert_int_eq(sotto_cn_build(NULL, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_cn_build(&cn, NULL, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_cn_build(&cn, buf, sizeof(buf), NULL), -EINVAL);
    ck_assert_uint_eq(len, 99);
    cn.coeff_count = 3;
    ck_assert_int_eq(sotto_cn_build(&cn, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 4);
}
END_TEST

static Suite *cn_suite(void)
{
    Suite *s = suite_create("cn");
    TCase *wire = tcase_create("wire");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(wire, cn_parses_level_only_and_with_coefficients);
    tcase_add_test(wire, cn_round_trips);
    tcase_add_test(wire, cn_level_scale);
    tcase_add_test(bad, cn_rejects_bad_payloads);
    tcase_add_test(bad, cn_build_rejects_bad_fields_and_small_buffers);
    suite_add_tcase(s, wire);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cn_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
