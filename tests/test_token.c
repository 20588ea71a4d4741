/* Unit tests for net/token: the copy-paste call token (version byte + raw
 * DEFLATE, base64url, "sotto1:" prefix). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "net/token.h"

/* A typical browser-style audio offer, about 1 KiB. */
static const char typical_sdp[] =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS sotto\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:1467250027 1 udp 2122260223 192.168.1.20 46243 typ host generation 0\r\n"
    "a=candidate:842163049 1 udp 1686052607 203.0.113.7 46243 typ srflx raddr "
    "192.168.1.20 rport 46243 generation 0\r\n"
    "a=ice-ufrag:EsAw\r\n"
    "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:2C:C2:A2:C0:"
    "3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=sendrecv\r\n"
    "a=msid:sotto a0b1c2d3-e4f5-4607-8899-aabbccddeeff\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1;maxaveragebitrate=12000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6\r\n"
    "a=ssrc:3735928559 msid:sotto a0b1c2d3-e4f5-4607-8899-aabbccddeeff\r\n";

static char err[256];

static size_t test_b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* Independent encoder for hand-made tokens: prefix + base64url(raw). */
static char *make_token(const uint8_t *raw, size_t len)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t plen = strlen(SOTTO_TOKEN_PREFIX), o = plen;
    char *t = malloc(plen + test_b64url_len(len) + 1);
    uint32_t acc = 0;
    int bits = 0;

    ck_assert_ptr_nonnull(t);
    memcpy(t, SOTTO_TOKEN_PREFIX, plen);
    for (size_t i = 0; i < len; i++) {
        acc = acc << 8 | raw[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            t[o++] = al[acc >> bits & 63];
        }
    }
    if (bits > 0)
        t[o++] = al[(acc << (6 - bits)) & 63];
    t[o] = '\0';
    return t;
}

/* version byte + raw DEFLATE of data, as the token format prescribes. */
static uint8_t *raw_deflate(uint8_t version, const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    uint8_t *buf;
    uLong bound;

    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY), Z_OK);
    bound = deflateBound(&zs, (uLong)len);
    buf = malloc(bound + 1);
    ck_assert_ptr_nonnull(buf);
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf + 1;
    zs.avail_out = (uInt)bound;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out + 1;
    deflateEnd(&zs);
    buf[0] = version;
    return buf;
}

static char *token_of(uint8_t version, const void *data, size_t len)
{
    size_t raw_len;
    uint8_t *raw = raw_deflate(version, data, len, &raw_len);
    char *t = make_token(raw, raw_len);
    free(raw);
    return t;
}

static void expect_reject(const char *token, size_t len, const char *reason_part)
{
    char *sdp = (char *)0x1;
    size_t sdp_len = 12345;

    err[0] = '\0';
    ck_assert_int_eq(sotto_token_decode(token, len, &sdp, &sdp_len, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_eq(sdp, (char *)0x1);
    ck_assert_uint_eq(sdp_len, 12345);
    ck_assert_msg(err[0] != '\0', "no reason given");
    if (reason_part)
        ck_assert_msg(strstr(err, reason_part) != NULL, "reason \"%s\" lacks \"%s\"", err,
                      reason_part);
}

START_TEST(token_round_trip_typical_sdp)
{
    char *token = NULL, *sdp = NULL;
    size_t sdp_len = 0, tlen, plen = strlen(SOTTO_TOKEN_PREFIX);

    ck_assert_int_eq(sotto_token_encode(typical_sdp, strlen(typical_sdp), &token, err,
                                        sizeof(err)), 0);
    tlen = strlen(token);
    ck_assert_int_eq(strncmp(token, SOTTO_TOKEN_PREFIX, plen), 0);
    ck_assert_uint_eq(strspn(token + plen, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789-_"),
                      tlen - plen);
    /* DEFLATE must more than pay for base64's 4/3 on SDP text. */
    ck_assert_msg(tlen < strlen(typical_sdp), "token %zu bytes for %zu bytes of SDP", tlen,
                  strlen(typical_sdp));
    ck_assert_int_eq(sotto_token_decode(token, tlen, &sdp, &sdp_len, err, sizeof(err)), 0);
    ck_assert_uint_eq(sdp_len, strlen(typical_sdp));
    ck_assert_str_eq(sdp, typical_sdp);
    free(sdp);
    free(token);
}
END_TEST

START_TEST(token_round_trip_sizes_at_the_limits)
{
    static const size_t sizes[] = {1, 2, 3, 4, 100, SOTTO_TOKEN_MAX_SDP};
    char *text = malloc(SOTTO_TOKEN_MAX_SDP);
    uint32_t x = 12345;

    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; i < SOTTO_TOKEN_MAX_SDP; i++) {
        x = x * 1103515245u + 12345u;    /* printable, barely compressible */
        text[i] = (char)(' ' + (x >> 16) % 95);
    }
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char *token = NULL, *sdp = NULL;
        size_t sdp_len = 0;
        ck_assert_int_eq(sotto_token_encode(text, sizes[k], &token, err, sizeof(err)), 0);
        ck_assert_int_eq(sotto_token_decode(token, strlen(token), &sdp, &sdp_len, err,
                                            sizeof(err)), 0);
        ck_assert_uint_eq(sdp_len, sizes[k]);
        ck_assert_int_eq(memcmp(sdp, text, sizes[k]), 0);
        ck_assert_int_eq(sdp[sdp_len], '\0');
        free(sdp);
        free(token);
    }
    free(text);
}
END_TEST

START_TEST(token_decode_ignores_surrounding_whitespace)
{
    char *token = NULL, *sdp = NULL, *padded;
    size_t sdp_len = 0, n;

    ck_assert_int_eq(sotto_token_encode("v=0\r\n", 5, &token, err, sizeof(err)), 0);
    n = strlen(token) + 8;
    padded = malloc(n + 1);
    ck_assert_ptr_nonnull(padded);
    snprintf(padded, n + 1, " \t\n%s\r\n  ", token);
    ck_assert_int_eq(sotto_token_decode(padded, strlen(padded), &sdp, &sdp_len, err,
                                        sizeof(err)), 0);
    ck_assert_str_eq(sdp, "v=0\r\n");
    free(sdp);
    /* ...but not inside it. */
    memmove(padded + 13, padded + 12, strlen(padded + 12) + 1);
    padded[12] = ' ';
    expect_reject(padded, strlen(padded), "not base64url");
    free(padded);
    free(token);
}
END_TEST

START_TEST(token_encode_rejects_bad_input)
{
    char *token = (char *)0x1;
    char *big = calloc(1, SOTTO_TOKEN_MAX_SDP + 2);

    ck_assert_ptr_nonnull(big);
    memset(big, 'a', SOTTO_TOKEN_MAX_SDP + 1);
    ck_assert_int_eq(sotto_token_encode(NULL, 3, &token, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_token_encode("abc", 3, NULL, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_token_encode("abc", 0, &token, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_token_encode("a\0c", 3, &token, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_token_encode(big, SOTTO_TOKEN_MAX_SDP + 1, &token, err, sizeof(err)),
                     -EINVAL);
    ck_assert_ptr_eq(token, (char *)0x1);
    /* err may be absent. */
    ck_assert_int_eq(sotto_token_encode(NULL, 3, &token, NULL, 0), -EINVAL);
    free(big);
}
END_TEST

START_TEST(token_decode_rejects_null_arguments)
{
    char *sdp;
    size_t len;

    ck_assert_int_eq(sotto_token_decode(NULL, 3, &sdp, &len, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_token_decode("sotto1:AA", 9, NULL, &len, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_token_decode("sotto1:AA", 9, &sdp, NULL, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(token_rejects_bad_prefix)
{
    char *good = token_of(SOTTO_TOKEN_VERSION, "v=0\r\n", 5);
    char *bad = strdup(good);

    ck_assert_ptr_nonnull(bad);
    expect_reject("", 0, "sotto1:");
    expect_reject("sotto1", 6, "sotto1:");
    bad[0] = 'S';
    expect_reject(bad, strlen(bad), "sotto1:");
    bad[0] = 's';
    bad[5] = '2';
    expect_reject(bad, strlen(bad), "sotto1:");
    /* The base64 part alone is not a token. */
    expect_reject(good + 7, strlen(good + 7), "sotto1:");
    free(bad);
    free(good);
}
END_TEST

START_TEST(token_rejects_characters_outside_base64url)
{
    static const char bad_chars[] = {'+', '/', '=', '.', ' ', '\0', '\x80', '\xff', '~'};
    char *good = token_of(SOTTO_TOKEN_VERSION, "v=0\r\n", 5);
    size_t len = strlen(good);

    for (size_t k = 0; k < sizeof(bad_chars); k++) {
        for (size_t pos = 7; pos < len; pos += 3) {
            char *t = strdup(good);
            ck_assert_ptr_nonnull(t);
            t[pos] = bad_chars[k];
            if (bad_chars[k] == ' ' && pos == len - 1)
                expect_reject(t, len, NULL);    /* trimmed: now a truncation */
            else
                expect_reject(t, len, "not base64url");
            free(t);
        }
    }
    free(good);
}
END_TEST

START_TEST(token_rejects_every_truncation)
{
    char *token = NULL;
    size_t len;

    ck_assert_int_eq(sotto_token_encode(typical_sdp, strlen(typical_sdp), &token, err,
                                        sizeof(err)), 0);
    len = strlen(token);
    for (size_t cut = 0; cut < len; cut++)
        expect_reject(token, cut, NULL);
    free(token);
}
END_TEST

START_TEST(token_rejects_noncanonical_trailing_bits)
{
    /* 2 raw bytes -> 3 chars; the last char carries 2 unused bits. */
    static const uint8_t raw[] = {SOTTO_TOKEN_VERSION, 0x03};
    char *t = make_token(raw, sizeof(raw));
    size_t len = strlen(t);

    ck_assert_uint_eq(len, 7 + 3);
    ck_assert_int_eq(t[len - 1], 'M');    /* 0011 + 00 = 12 */
    t[len - 1] = 'N';                     /* 13: an unused bit set */
    expect_reject(t, len, "padding bits");
    free(t);
}
END_TEST

START_TEST(token_rejects_unknown_version)
{
    char *t0 = token_of(0, "v=0\r\n", 5);
    char *t2 = token_of(2, "v=0\r\n", 5);
    char *t255 = token_of(255, "v=0\r\n", 5);

    expect_reject(t0, strlen(t0), "version 0");
    expect_reject(t2, strlen(t2), "version 2");
    expect_reject(t255, strlen(t255), "version 255");
    free(t0);
    free(t2);
    free(t255);
}
END_TEST

START_TEST(token_rejects_corrupt_deflate)
{
    /* BTYPE 11 is reserved; a stored block whose LEN and NLEN disagree. */
    static const uint8_t reserved_type[] = {SOTTO_TOKEN_VERSION, 0x07, 0x00};
    static const uint8_t bad_stored[] = {SOTTO_TOKEN_VERSION, 0x01, 0x05, 0x00, 0x00, 0x00,
                                         'v', '=', '0', '\r', '\n'};
    char *a = make_token(reserved_type, sizeof(reserved_type));
    char *b = make_token(bad_stored, sizeof(bad_stored));

    expect_reject(a, strlen(a), "corrupt");
    expect_reject(b, strlen(b), "corrupt");
    free(a);
    free(b);
}
END_TEST

START_TEST(token_rejects_trailing_bytes_after_stream)
{
    size_t raw_len;
    uint8_t *raw = raw_deflate(SOTTO_TOKEN_VERSION, "v=0\r\n", 5, &raw_len);
    uint8_t *longer = malloc(raw_len + 3);
    char *t;

    ck_assert_ptr_nonnull(longer);
    memcpy(longer, raw, raw_len);
    memcpy(longer + raw_len, "xyz", 3);
    t = make_token(longer, raw_len + 3);
    expect_reject(t, strlen(t), "after the end");
    free(t);
    free(longer);
    free(raw);
}
END_TEST

START_TEST(token_rejects_decompression_bomb)
{
    const size_t bomb_len = 16u << 20;    /* 16 MiB of zeros: ~16 KiB compressed */
    uint8_t *zeros = calloc(1, bomb_len);
    char *sdp = NULL, *at_limit, *over_limit, *bomb;
    size_t sdp_len = 0;

    ck_assert_ptr_nonnull(zeros);
    bomb = token_of(SOTTO_TOKEN_VERSION, zeros, bomb_len);
    ck_assert_uint_lt(strlen(bomb), SOTTO_TOKEN_MAX_LEN);
    expect_reject(bomb, strlen(bomb), "exceeds");

    memset(zeros, 'a', SOTTO_TOKEN_MAX_SDP + 1);
    over_limit = token_of(SOTTO_TOKEN_VERSION, zeros, SOTTO_TOKEN_MAX_SDP + 1);
    expect_reject(over_limit, strlen(over_limit), "exceeds");

    at_limit = token_of(SOTTO_TOKEN_VERSION, zeros, SOTTO_TOKEN_MAX_SDP);
    ck_assert_int_eq(sotto_token_decode(at_limit, strlen(at_limit), &sdp, &sdp_len, err,
                                        sizeof(err)), 0);
    ck_assert_uint_eq(sdp_len, SOTTO_TOKEN_MAX_SDP);
    free(sdp);
    free(at_limit);
    free(over_limit);
    free(bomb);
    free(zeros);
}
END_TEST

START_TEST(token_rejects_nul_and_empty_sdp)
{
    char *with_nul = token_of(SOTTO_TOKEN_VERSION, "v=0\0x", 5);
    char *empty = token_of(SOTTO_TOKEN_VERSION, "", 0);

    expect_reject(with_nul, strlen(with_nul), "NUL");
    expect_reject(empty, strlen(empty), "empty");
    free(with_nul);
    free(empty);
}
END_TEST

START_TEST(token_rejects_oversized_token_text)
{
    size_t len = SOTTO_TOKEN_MAX_LEN + 1;
    char *t = malloc(len);

    ck_assert_ptr_nonnull(t);
    memcpy(t, SOTTO_TOKEN_PREFIX, 7);
    memset(t + 7, 'A', len - 7);
    expect_reject(t, len, "longer than");
    free(t);
}
END_TEST

static Suite *token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("token");

    tcase_add_test(tc, token_round_trip_typical_sdp);
    tcase_add_test(tc, token_round_trip_sizes_at_the_limits);
    tcase_add_test(tc, token_decode_ignores_surrounding_whitespace);
    tcase_add_test(tc, token_encode_rejects_bad_input);
    tcase_add_test(tc, token_decode_rejects_null_arguments);
    tcase_add_test(tc, token_rejects_bad_prefix);
    tcase_add_test(tc, token_rejects_characters_outside_base64url);
    tcase_add_test(tc, token_rejects_every_truncation);
    tcase_add_test(tc, token_rejects_noncanonical_trailing_bits);
    tcase_add_test(tc, token_rejects_unknown_version);
    tcase_add_test(tc, token_rejects_corrupt_deflate);
    tcase_add_test(tc, token_rejects_trailing_bytes_after_stream);
    tcase_add_test(tc, token_rejects_decompression_bomb);
    tcase_add_test(tc, token_rejects_nul_and_empty_sdp);
    tcase_add_test(tc, token_rejects_oversized_token_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(token_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
