/* RFC 2198 RED payloads: the RFC's example, round trips, field limits,
 * and bad input (every truncation, bad lengths, garbage). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/red.h"

#define MAX_BLOCKS 8

/* RFC 2198 section 3: LPC (PT 7, 14 bytes) as redundancy for DVI4 (PT 5,
 * 84 bytes). The figure leaves the offset symbolic: 160 here, one 20 ms
 * frame at 8 kHz. */
#define EXAMPLE_LPC 14
#define EXAMPLE_DVI4 84
#define EXAMPLE_LEN (4 + 1 + EXAMPLE_LPC + EXAMPLE_DVI4)

static void example_payload(uint8_t *p)
{
    const uint8_t headers[5] = {
        0x87,               /* F=1, block PT=7 */
        0x02, 0x80,         /* timestamp offset 160 (14 bits) then ... */
        0x0E,               /* ... block length 14 (10 bits) */
        0x05,               /* F=0, primary PT=5 */
    };
    memcpy(p, headers, sizeof(headers));
    for (size_t i = 0; i < EXAMPLE_LPC; i++)
        p[5 + i] = (uint8_t)(0xA0 + i);
    for (size_t i = 0; i < EXAMPLE_DVI4; i++)
        p[5 + EXAMPLE_LPC + i] = (uint8_t)i;
}

/* Three blocks: two redundant (20 and 40 ms back at 48 kHz) and a primary. */
static const uint8_t red2_data[7] = {1, 2, 3, 4, 5, 6, 7};
static const uint8_t red1_data[5] = {11, 12, 13, 14, 15};
static const uint8_t primary_data[9] = {21, 22, 23, 24, 25, 26, 27, 28, 29};

static void three_blocks(sotto_red_block b[3])
{
    b[0] = (sotto_red_block){.payload_type = 111, .ts_offset = 1920,
                             .data = red2_data, .len = sizeof(red2_data)};
    b[1] = (sotto_red_block){.payload_type = 111, .ts_offset = 960,
                             .data = red1_data, .len = sizeof(red1_data)};
    b[2] = (sotto_red_block){.payload_type = 111, .ts_offset = 0,
                             .data = primary_data, .len = sizeof(primary_data)};
}

#define THREE_HEADERS (4 + 4 + 1)
#define THREE_LEN (THREE_HEADERS + sizeof(red2_data) + sizeof(red1_data) + sizeof(primary_data))

START_TEST(red_parses_rfc2198_example)
{
    uint8_t p[EXAMPLE_LEN];
    sotto_red_block b[MAX_BLOCKS];
    size_t n = 0;

    example_payload(p);
    ck_assert_int_eq(sotto_red_parse(p, sizeof(p), b, MAX_BLOCKS, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(b[0].payload_type, 7);
    ck_assert_uint_eq(b[0].ts_offset, 160);
    ck_assert_uint_eq(b[0].len, EXAMPLE_LPC);
    ck_assert_ptr_eq(b[0].data, p + 5);
    ck_assert_uint_eq(b[1].payload_type, 5);
    ck_assert_uint_eq(b[1].ts_offset, 0);
    ck_assert_uint_eq(b[1].len, EXAMPLE_DVI4);
    ck_assert_ptr_eq(b[1].data, p + 5 + EXAMPLE_LPC);
}
END_TEST

START_TEST(red_builds_rfc2198_example_bytes)
{
    uint8_t want[EXAMPLE_LEN], got[EXAMPLE_LEN + 8];
    sotto_red_block b[2];
    size_t len = 0;

    example_payload(want);
    b[0] = (sotto_red_block){.payload_type = 7, .ts_offset = 160, .data = want + 5,
                             .len = EXAMPLE_LPC};
    b[1] = (sotto_red_block){.payload_type = 5, .data = want + 5 + EXAMPLE_LPC,
                             .len = EXAMPLE_DVI4};
    ck_assert_uint_eq(sotto_red_size(b, 2), EXAMPLE_LEN);
    ck_assert_int_eq(sotto_red_build(b, 2, got, sizeof(got), &len), 0);
    ck_assert_uint_eq(len, EXAMPLE_LEN);
    ck_assert_mem_eq(got, want, EXAMPLE_LEN);
}
END_TEST

START_TEST(red_round_trips_three_blocks)
{
    sotto_red_block in[3], back[MAX_BLOCKS];
    uint8_t buf[64];
    size_t len = 0, n = 0;

    three_blocks(in);
    ck_assert_int_eq(sotto_red_build(in, 3, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, THREE_LEN);
    /* F bits: set on both redundant headers, clear on the primary's. */
    ck_assert_uint_eq(buf[0], 0x80 | 111);
    ck_assert_uint_eq(buf[4], 0x80 | 111);
    ck_assert_uint_eq(buf[8], 111);
    ck_assert_int_eq(sotto_red_parse(buf, len, back, MAX_BLOCKS, &n), 0);
    ck_assert_uint_eq(n, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_uint_eq(back[i].payload_type, in[i].payload_type);
        ck_assert_uint_eq(back[i].ts_offset, in[i].ts_offset);
        ck_assert_uint_eq(back[i].len, in[i].len);
        ck_assert_mem_eq(back[i].data, in[i].data, in[i].len);
    }
}
END_TEST

START_TEST(red_field_limits_round_trip)
{
    static uint8_t big_red[SOTTO_RED_MAX_BLOCK_LEN], big_primary[3000];
    static uint8_t buf[SOTTO_RED_MAX_BLOCK_LEN + sizeof(big_primary) + 8];
    sotto_red_block in[2], back[2];
    size_t len = 0, n = 0;

    memset(big_red, 0x5C, sizeof(big_red));
    memset(big_primary, 0xC5, sizeof(big_primary));
    in[0] = (sotto_red_block){.payload_type = 127, .ts_offset = SOTTO_RED_MAX_TS_OFFSET,
                              .data = big_red, .len = sizeof(big_red)};
    in[1] = (sotto_red_block){.payload_type = 0, .data = big_primary, .len = sizeof(big_primary)};
    ck_assert_int_eq(sotto_red_build(in, 2, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 5 + sizeof(big_red) + sizeof(big_primary));
    ck_assert_mem_eq(buf, "\xFF\xFF\xFF\xFF\x00", 5);
    ck_assert_int_eq(sotto_red_parse(buf, len, back, 2, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(back[0].payload_type, 127);
    ck_assert_uint_eq(back[0].ts_offset, SOTTO_RED_MAX_TS_OFFSET);
    ck_assert_uint_eq(back[0].len, SOTTO_RED_MAX_BLOCK_LEN);
    ck_assert_uint_eq(back[1].payload_type, 0);
    ck_assert_uint_eq(back[1].len, sizeof(big_primary));
    ck_assert_mem_eq(back[1].data, big_primary, sizeof(big_primary));
}
END_TEST

START_TEST(red_primary_only_and_empty_blocks)
{
    const uint8_t only[] = {0x60, 9, 8, 7};
    const uint8_t empty_primary[] = {0x80 | 96, 0x00, 0x04, 0x02, 96, 0xAA, 0xBB};
    sotto_red_block b[MAX_BLOCKS];
    size_t n = 0;

    ck_assert_int_eq(sotto_red_parse(only, sizeof(only), b, MAX_BLOCKS, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(b[0].payload_type, 0x60);
    ck_assert_uint_eq(b[0].len, 3);
    ck_assert_ptr_eq(b[0].data, only + 1);
    /* One redundant block (offset 1, 2 bytes) and a primary with no data. */
    ck_assert_int_eq(sotto_red_parse(empty_primary, sizeof(empty_primary), b, MAX_BLOCKS, &n), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(b[0].ts_offset, 1);
    ck_assert_uint_eq(b[0].len, 2);
    ck_assert_uint_eq(b[1].len, 0);
    ck_assert_ptr_eq(b[1].data, empty_primary + sizeof(empty_primary));
}
END_TEST

START_TEST(red_rejects_every_truncation_of_three_blocks)
{
    sotto_red_block in[3], out[MAX_BLOCKS], sentinel[MAX_BLOCKS];
    uint8_t full[64];
    size_t len = 0;
    const size_t primary_start = THREE_LEN - sizeof(primary_data);

    three_blocks(in);
    ck_assert_int_eq(sotto_red_build(in, 3, full, sizeof(full), &len), 0);
    memset(sentinel, 0x5A, sizeof(sentinel));
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1);   /* exact size: no slack to read */
        size_t n = 77;
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, full, cut);
        memcpy(out, sentinel, sizeof(out));
        int rc = sotto_red_parse(copy, cut, out, MAX_BLOCKS, &n);
        if (cut >= primary_start) {
            /* Only primary bytes are gone: a shorter primary, still valid. */
            ck_assert_int_eq(rc, 0);
            ck_assert_uint_eq(n, 3);
            ck_assert_uint_eq(out[2].len, cut - primary_start);
        } else {
            ck_assert_msg(rc == -EBADMSG, "cut %zu: rc %d", cut, rc);
            ck_assert_uint_eq(n, 77);
            ck_assert_msg(memcmp(out, sentinel, sizeof(out)) == 0, "written at cut %zu", cut);
        }
        free(copy);
    }
}
END_TEST

START_TEST(red_rejects_bad_lengths_and_block_counts)
{
    sotto_red_block in[3], out[MAX_BLOCKS];
    uint8_t buf[64];
    size_t len = 0, n = 0;

    three_blocks(in);
    ck_assert_int_eq(sotto_red_build(in, 3, buf, sizeof(buf), &len), 0);
    ck_assert_int_eq(sotto_red_parse(buf, len, out, 2, &n), -EBADMSG);   /* 3 blocks > 2 */
    ck_assert_int_eq(sotto_red_parse(buf, len, out, 3, &n), 0);
    ck_assert_uint_eq(n, 3);
    /* Second block claims the primary's bytes and one more. */
    buf[7] = (uint8_t)(sizeof(red1_data) + sizeof(primary_data) + 1);
    ck_assert_int_eq(sotto_red_parse(buf, len, out, MAX_BLOCKS, &n), -EBADMSG);
    /* Exactly all of them: valid, the primary is empty. */
    buf[7] = (uint8_t)(sizeof(red1_data) + sizeof(primary_data));
    ck_assert_int_eq(sotto_red_parse(buf, len, out, MAX_BLOCKS, &n), 0);
    ck_assert_uint_eq(out[2].len, 0);
    /* Length high bits: 256 + 5 bytes cannot be there. */
    buf[7] = (uint8_t)sizeof(red1_data);
    buf[6] |= 0x01;
    ck_assert_int_eq(sotto_red_parse(buf, len, out, MAX_BLOCKS, &n), -EBADMSG);
    /* The primary header turned into a redundant one: no final header. */
    three_blocks(in);
    ck_assert_int_eq(sotto_red_build(in, 3, buf, sizeof(buf), &len), 0);
    buf[8] |= 0x80;
    ck_assert_int_eq(sotto_red_parse(buf, len, out, MAX_BLOCKS, &n), -EBADMSG);
}
END_TEST

START_TEST(red_rejects_empty_null_and_garbage)
{
    uint8_t ff[40], one = 0;
    sotto_red_block out[MAX_BLOCKS];
    size_t n = 0;

    ck_assert_int_eq(sotto_red_parse(&one, 0, out, MAX_BLOCKS, &n), -EBADMSG);   /* no blocks */
    ck_assert_int_eq(sotto_red_parse(NULL, 4, out, MAX_BLOCKS, &n), -EINVAL);
    ck_assert_int_eq(sotto_red_parse(&one, 1, NULL, MAX_BLOCKS, &n), -EINVAL);
    ck_assert_int_eq(sotto_red_parse(&one, 1, out, 0, &n), -EINVAL);
    ck_assert_int_eq(sotto_red_parse(&one, 1, out, MAX_BLOCKS, NULL), -EINVAL);
    /* Every byte has F set: headers never end. */
    memset(ff, 0xFF, sizeof(ff));
    ck_assert_int_eq(sotto_red_parse(ff, sizeof(ff), out, MAX_BLOCKS, &n), -EBADMSG);
    ck_assert_int_eq(sotto_red_parse(ff, sizeof(ff), out, 64, &n), -EBADMSG);
}
END_TEST

/* Pseudo-random bytes (fixed seed): whatever parses must tile the payload
 * exactly, headers then data in order. */
START_TEST(red_random_bytes_parse_consistently)
{
    uint32_t state = 12345;
    uint8_t buf[48];
    sotto_red_block out[MAX_BLOCKS];
    int accepted = 0;

    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(round % (int)sizeof(buf)), n = 0;
        for (size_t i = 0; i < len; i++) {
            state = state * 1103515245u + 12345u;
            buf[i] = (uint8_t)(state >> 16);
        }
        if (sotto_red_parse(buf, len, out, MAX_BLOCKS, &n) != 0)
            continue;
        accepted++;
        size_t pos = (n - 1) * SOTTO_RED_HEADER + SOTTO_RED_PRIMARY_HEADER;
        ck_assert_uint_ge(n, 1);
        ck_assert_uint_le(n, MAX_BLOCKS);
        for (size_t i = 0; i < n; i++) {
            ck_assert_ptr_eq(out[i].data, buf + pos);
            pos += out[i].len;
        }
        ck_assert_uint_eq(pos, len);
    }
    ck_assert_int_gt(accepted, 0);
}
END_TEST

START_TEST(red_build_rejects_bad_blocks_and_small_buffers)
{
    sotto_red_block b[3];
    uint8_t buf[64];
    size_t len = 99;

    three_blocks(b);
    b[0].ts_offset = SOTTO_RED_MAX_TS_OFFSET + 1;
    ck_assert_int_eq(sotto_red_build(b, 3, buf, sizeof(buf), &len), -EINVAL);
    three_blocks(b);
    b[1].len = SOTTO_RED_MAX_BLOCK_LEN + 1;
    ck_assert_int_eq(sotto_red_build(b, 3, buf, sizeof(buf), &len), -EINVAL);
    three_blocks(b);
    b[1].payload_type = 128;
    ck_assert_int_eq(sotto_red_build(b, 3, buf, sizeof(buf), &len), -EINVAL);
    three_blocks(b);
    b[2].ts_offset = 1;                 /* the primary sits at the packet's timestamp */
    ck_assert_int_eq(sotto_red_build(b, 3, buf, sizeof(buf), &len), -EINVAL);
    three_blocks(b);
    b[0].data = NULL;
    ck_assert_int_eq(sotto_red_build(b, 3, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_uint_eq(sotto_red_size(b, 3), 0);
    three_blocks(b);
    ck_assert_int_eq(sotto_red_build(b, 0, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_red_build(NULL, 3, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_red_build(b, 3, NULL, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_red_build(b, 3, buf, sizeof(buf), NULL), -EINVAL);
    ck_assert_uint_eq(len, 99);
    memset(buf, 0xC3, sizeof(buf));
    ck_assert_int_eq(sotto_red_build(b, 3, buf, THREE_LEN - 1, &len), -ENOSPC);
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0xC3);
    ck_assert_uint_eq(len, 99);
    ck_assert_int_eq(sotto_red_build(b, 3, buf, THREE_LEN, &len), 0);
    ck_assert_uint_eq(len, THREE_LEN);
    ck_assert_uint_eq(buf[THREE_LEN], 0xC3);
}
END_TEST

static Suite *red_suite(void)
{
    Suite *s = suite_create("red");
    TCase *wire = tcase_create("wire");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(wire, red_parses_rfc2198_example);
    tcase_add_test(wire, red_builds_rfc2198_example_bytes);
    tcase_add_test(wire, red_round_trips_three_blocks);
    tcase_add_test(wire, red_field_limits_round_trip);
    tcase_add_test(wire, red_primary_only_and_empty_blocks);
    tcase_add_test(bad, red_rejects_every_truncation_of_three_blocks);
    tcase_add_test(bad, red_rejects_bad_lengths_and_block_counts);
    tcase_add_test(bad, red_rejects_empty_null_and_garbage);
    tcase_add_test(bad, red_random_bytes_parse_consistently);
    tcase_add_test(bad, red_build_rejects_bad_blocks_and_small_buffers);
    suite_add_tcase(s, wire);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(red_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
