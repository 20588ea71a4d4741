/* Unit tests for net/: RTP pack/parse, sequence and jitter bookkeeping,
 * NTP/RTT arithmetic, RTCP compound and reduced-size packets, REMB and
 * transport-cc feedback. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

#define BUF_MAX 2048

static const uint8_t ext_a[1] = {0x42};
static const uint8_t ext_b[3] = {0x10, 0x20, 0x30};

/* A packet using every header feature: 2 CSRCs, a one-byte extension with
 * two elements, 20 bytes of 0xFF payload and 4 bytes of padding. */
static void sample_packet(sotto_rtp_packet *pkt, const uint8_t *payload, size_t payload_len)
{
    memset(pkt, 0, sizeof(*pkt));
    pkt->marker = 1;
    pkt->payload_type = 111;
    pkt->seq = 0xABCD;
    pkt->timestamp = 0x01020304;
    pkt->ssrc = 0xDEADBEEF;
    pkt->csrc_count = 2;
    pkt->csrc[0] = 0x11111111;
    pkt->csrc[1] = 0x22222222;
    pkt->has_extension = 1;
    pkt->ext_profile = SOTTO_RTP_EXT_ONE_BYTE;
    pkt->ext_count = 2;
    pkt->ext[0] = (sotto_rtp_ext){.id = 1, .len = 1, .data = ext_a};
    pkt->ext[1] = (sotto_rtp_ext){.id = 3, .len = 3, .data = ext_b};
    pkt->payload = payload;
    pkt->payload_len = payload_len;
    pkt->padding_len = 4;
}

START_TEST(rtp_pack_parse_round_trip)
{
    uint8_t payload[20];
    uint8_t buf[BUF_MAX];
    sotto_rtp_packet in, out;
    size_t len = 0;

    memset(payload, 0xFF, sizeof(payload));
    sample_packet(&in, payload, sizeof(payload));
    ck_assert_int_eq(sotto_rtp_pack(&in, buf, sizeof(buf), &len), 0);
    /* 12 + 8 CSRC + 4 ext header + 8 ext body (2 + 4 bytes, padded) + 20 + 4 */
    ck_assert_uint_eq(len, 56);
    ck_assert_uint_eq(sotto_rtp_packed_size(&in), 56);
    ck_assert_uint_eq(buf[0], 0x80 | 0x20 | 0x10 | 2);
    ck_assert_uint_eq(buf[1], 0x80 | 111);
    ck_assert_uint_eq(buf[20], 0xBE);
    ck_assert_uint_eq(buf[21], 0xDE);
    ck_assert_uint_eq(buf[23], 2);          /* two 32-bit words */
    ck_assert_uint_eq(buf[24], 0x10);       /* id 1, len-1 = 0 */
    ck_assert_uint_eq(buf[25], 0x42);
    ck_assert_uint_eq(buf[26], 0x32);       /* id 3, len-1 = 2 */
    ck_assert_uint_eq(buf[55], 4);

    ck_assert_int_eq(sotto_rtp_parse(buf, len, &out), 0);
    ck_assert_int_eq(out.marker, 1);
    ck_assert_uint_eq(out.payload_type, 111);
    ck_assert_uint_eq(out.seq, 0xABCD);
    ck_assert_uint_eq(out.timestamp, 0x01020304);
    ck_assert_uint_eq(out.ssrc, 0xDEADBEEF);
    ck_assert_uint_eq(out.csrc_count, 2);
    ck_assert_uint_eq(out.csrc[1], 0x22222222);
    ck_assert_int_eq(out.has_extension, 1);
    ck_assert_uint_eq(out.ext_profile, SOTTO_RTP_EXT_ONE_BYTE);
    ck_assert_uint_eq(out.ext_body_len, 8);
    ck_assert_uint_eq(out.ext_count, 2);
    ck_assert_uint_eq(out.ext[0].id, 1);
    ck_assert_uint_eq(out.ext[0].len, 1);
    ck_assert_uint_eq(out.ext[0].data[0], 0x42);
    ck_assert_uint_eq(out.ext[1].id, 3);
    ck_assert_uint_eq(out.ext[1].len, 3);
    ck_assert_mem_eq(out.ext[1].data, ext_b, 3);
    ck_assert_uint_eq(out.payload_len, 20);
    ck_assert_ptr_eq(out.payload, buf + 32);
    ck_assert_mem_eq(out.payload, payload, 20);
    ck_assert_uint_eq(out.padding_len, 4);
}
END_TEST

START_TEST(rtp_two_byte_extension_round_trip)
{
    uint8_t long_data[17];
    uint8_t payload[3] = {1, 2, 3};
    uint8_t buf[BUF_MAX];
    sotto_rtp_packet in, out;
    size_t len = 0;

    for (size_t i = 0; i < sizeof(long_data); i++)
        long_data[i] = (uint8_t)(0xA0 + i);
    memset(&in, 0, sizeof(in));
    in.payload_type = 0;
    in.has_extension = 1;
    in.ext_profile = SOTTO_RTP_EXT_TWO_BYTE;
    in.ext_count = 2;
    in.ext[0] = (sotto_rtp_ext){.id = 200, .len = 0, .data = NULL};
    in.ext[1] = (sotto_rtp_ext){.id = 20, .len = 17, .data = long_data};
    in.payload = payload;
    in.payload_len = 3;
    ck_assert_int_eq(sotto_rtp_pack(&in, buf, sizeof(buf), &len), 0);
    /* body: 2 + 19 = 21 bytes, padded to 24 */
    ck_assert_uint_eq(len, 12 + 4 + 24 + 3);
    ck_assert_int_eq(sotto_rtp_parse(buf, len, &out), 0);
    ck_assert_uint_eq(out.ext_profile, SOTTO_RTP_EXT_TWO_BYTE);
    ck_assert_uint_eq(out.ext_count, 2);
    ck_assert_uint_eq(out.ext[0].id, 200);
    ck_assert_uint_eq(out.ext[0].len, 0);
    ck_assert_uint_eq(out.ext[1].id, 20);
    ck_assert_uint_eq(out.ext[1].len, 17);
    ck_assert_mem_eq(out.ext[1].data, long_data, 17);
    ck_assert_uint_eq(out.payload_len, 3);
    ck_assert_mem_eq(out.payload, payload, 3);
    ck_assert_uint_eq(out.padding_len, 0);
}
END_TEST

START_TEST(rtp_parse_known_bytes)
{
    /* PCMU, seq 1, ts 160, ssrc 0x12345678, 4-byte payload. */
    const uint8_t pkt[] = {0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0,
                           0x12, 0x34, 0x56, 0x78, 0xFF, 0xFE, 0x7F, 0x00};
    sotto_rtp_packet out;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_int_eq(out.marker, 0);
    ck_assert_uint_eq(out.payload_type, 0);
    ck_assert_uint_eq(out.seq, 1);
    ck_assert_uint_eq(out.timestamp, 160);
    ck_assert_uint_eq(out.ssrc, 0x12345678);
    ck_assert_uint_eq(out.csrc_count, 0);
    ck_assert_int_eq(out.has_extension, 0);
    ck_assert_ptr_null(out.ext_body);
    ck_assert_uint_eq(out.payload_len, 4);
    ck_assert_ptr_eq(out.payload, pkt + 12);
    /* A header alone is a valid packet with an empty payload. */
    ck_assert_int_eq(sotto_rtp_parse(pkt, 12, &out), 0);
    ck_assert_uint_eq(out.payload_len, 0);
}
END_TEST

START_TEST(rtp_rejects_every_truncation)
{
    uint8_t payload[20];
    uint8_t buf[BUF_MAX];
    sotto_rtp_packet in, out, sentinel;
    size_t len = 0;

    /* Payload bytes of 0xFF and zero padding: wherever the cut falls, the
     * new last byte is a padding count of 0 or one larger than the packet. */
    memset(payload, 0xFF, sizeof(payload));
    sample_packet(&in, payload, sizeof(payload));
    ck_assert_int_eq(sotto_rtp_pack(&in, buf, sizeof(buf), &len), 0);
    memset(&sentinel, 0x5A, sizeof(sentinel));
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);   /* exact size: ASan sees overreads */
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, buf, n);
        out = sentinel;
        ck_assert_msg(sotto_rtp_parse(copy, n, &out) == -EINVAL, "length %zu accepted", n);
        ck_assert_msg(memcmp(&out, &sentinel, sizeof(out)) == 0, "output written at %zu", n);
        free(copy);
    }
    ck_assert_int_eq(sotto_rtp_parse(buf, len, &out), 0);
}
END_TEST

START_TEST(rtp_rejects_bad_version)
{
    uint8_t pkt[16] = {0x80, 0x00, 0x00, 0x01};
    sotto_rtp_packet out;
    for (int v = 0; v < 4; v++) {
        pkt[0] = (uint8_t)(v << 6);
        ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), v == 2 ? 0 : -EINVAL);
    }
    ck_assert_int_eq(sotto_rtp_parse(NULL, sizeof(pkt), &out), -EINVAL);
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), NULL), -EINVAL);
}
END_TEST

START_TEST(rtp_rejects_bad_padding)
{
    uint8_t pkt[16] = {0xA0, 0x00, 0x00, 0x01};
    sotto_rtp_packet out;

    pkt[15] = 5;                /* 4 bytes after the header: 5 is too many */
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), -EINVAL);
    pkt[15] = 0;                /* the count includes itself: 0 is impossible */
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), -EINVAL);
    pkt[15] = 255;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), -EINVAL);
    pkt[15] = 4;                /* all of it padding */
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_uint_eq(out.payload_len, 0);
    ck_assert_uint_eq(out.padding_len, 4);
    pkt[15] = 1;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_uint_eq(out.payload_len, 3);
    /* P bit with a bare header: no room for the count byte. */
    ck_assert_int_eq(sotto_rtp_parse(pkt, 12, &out), -EINVAL);
}
END_TEST

START_TEST(rtp_rejects_csrc_count_beyond_length)
{
    uint8_t pkt[12 + 4 * 15] = {0};
    sotto_rtp_packet out;

    pkt[0] = 0x80 | 15;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_uint_eq(out.csrc_count, 15);
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt) - 1, &out), -EINVAL);
    pkt[0] = 0x80 | 3;
    ck_assert_int_eq(sotto_rtp_parse(pkt, 12 + 11, &out), -EINVAL);
    ck_assert_int_eq(sotto_rtp_parse(pkt, 12 + 12, &out), 0);
}
END_TEST

START_TEST(rtp_rejects_extension_beyond_packet)
{
    uint8_t pkt[24] = {0x90, 0x00, 0x00, 0x01};
    sotto_rtp_packet out;

    /* Extension header claims 2 words; only 1 follows. */
    pkt[12] = 0xBE;
    pkt[13] = 0xDE;
    pkt[15] = 2;
    ck_assert_int_eq(sotto_rtp_parse(pkt, 20, &out), -EINVAL);
    ck_assert_int_eq(sotto_rtp_parse(pkt, 24, &out), 0);
    /* Extension header itself cut short. */
    ck_assert_int_eq(sotto_rtp_parse(pkt, 14, &out), -EINVAL);
    /* Length 0xFFFF words. */
    pkt[14] = 0xFF;
    pkt[15] = 0xFF;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), -EINVAL);
}
END_TEST

START_TEST(rtp_rejects_extension_element_overrun)
{
    /* One-byte form: element id 2 says 4 bytes, block has 3 after it. */
    uint8_t one[20] = {0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                       0xBE, 0xDE, 0x00, 0x01, 0x23, 0xAA, 0xBB, 0xCC};
    /* Two-byte form: id 7 says 3 bytes, block has 2 after it. */
    uint8_t two[20] = {0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                       0x10, 0x00, 0x00, 0x01, 0x07, 0x03, 0xAA, 0xBB};
    /* Two-byte form: a lone id byte with no length byte. */
    uint8_t lone[20] = {0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                        0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09};
    sotto_rtp_packet out;

    ck_assert_int_eq(sotto_rtp_parse(one, sizeof(one), &out), -EINVAL);
    one[16] = 0x22;             /* now 3 bytes: fits exactly */
    ck_assert_int_eq(sotto_rtp_parse(one, sizeof(one), &out), 0);
    ck_assert_uint_eq(out.ext_count, 1);
    ck_assert_uint_eq(out.ext[0].len, 3);
    ck_assert_int_eq(sotto_rtp_parse(two, sizeof(two), &out), -EINVAL);
    two[17] = 0x02;
    ck_assert_int_eq(sotto_rtp_parse(two, sizeof(two), &out), 0);
    ck_assert_uint_eq(out.ext[0].id, 7);
    ck_assert_int_eq(sotto_rtp_parse(lone, sizeof(lone), &out), -EINVAL);
    /* One-byte form: id 0 with a non-zero length is not padding. */
    one[16] = 0x02;
    ck_assert_int_eq(sotto_rtp_parse(one, sizeof(one), &out), -EINVAL);
}
END_TEST

START_TEST(rtp_extension_padding_and_id15)
{
    /* pad, id 1 (1 byte), pad, pad, id 15 (stop), then junk. */
    uint8_t pkt[24] = {0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                       0xBE, 0xDE, 0x00, 0x02, 0x00, 0x10, 0x55, 0x00,
                       0x00, 0xF3, 0xEE, 0xEE};
    sotto_rtp_packet out;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_uint_eq(out.ext_count, 1);
    ck_assert_uint_eq(out.ext[0].id, 1);
    ck_assert_uint_eq(out.ext[0].data[0], 0x55);
    ck_assert_uint_eq(out.payload_len, 0);
}
END_TEST

START_TEST(rtp_rejects_too_many_extension_elements)
{
    uint8_t pkt[12 + 4 + 36] = {0x90, 0x00, 0x00, 0x01};
    sotto_rtp_packet out;

    pkt[12] = 0xBE;
    pkt[13] = 0xDE;
    pkt[15] = 9;                            /* 36 bytes of body */
    for (int i = 0; i < 17; i++) {          /* 17 elements of 1 data byte */
        pkt[16 + 2 * i] = (uint8_t)(((i % 14) + 1) << 4);
        pkt[17 + 2 * i] = (uint8_t)i;
    }
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), -EINVAL);
    pkt[16 + 2 * 16] = 0;                   /* 17th becomes padding: 16 fit */
    pkt[17 + 2 * 16] = 0;
    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_uint_eq(out.ext_count, SOTTO_RTP_MAX_EXT);
    ck_assert_uint_eq(out.ext[15].data[0], 15);
}
END_TEST

START_TEST(rtp_unknown_extension_profile_kept_raw)
{
    uint8_t pkt[20] = {0x90, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
                       0x12, 0x34, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF};
    uint8_t buf[64];
    sotto_rtp_packet out, again;
    size_t len = 0;

    ck_assert_int_eq(sotto_rtp_parse(pkt, sizeof(pkt), &out), 0);
    ck_assert_uint_eq(out.ext_profile, 0x1234);
    ck_assert_uint_eq(out.ext_count, 0);
    ck_assert_uint_eq(out.ext_body_len, 4);
    ck_assert_ptr_eq(out.ext_body, pkt + 16);
    /* Packing the parsed packet reproduces the bytes. */
    ck_assert_int_eq(sotto_rtp_pack(&out, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, sizeof(pkt));
    ck_assert_mem_eq(buf, pkt, sizeof(pkt));
    ck_assert_int_eq(sotto_rtp_parse(buf, len, &again), 0);
}
END_TEST

START_TEST(rtp_pack_rejects_invalid_fields)
{
    uint8_t payload[20];
    uint8_t buf[BUF_MAX];
    sotto_rtp_packet pkt;
    size_t len = 77;

    memset(payload, 0xFF, sizeof(payload));
    sample_packet(&pkt, payload, sizeof(payload));
    pkt.payload_type = 128;
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_uint_eq(sotto_rtp_packed_size(&pkt), 0);
    sample_packet(&pkt, payload, sizeof(payload));
    pkt.csrc_count = 16;
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    sample_packet(&pkt, payload, sizeof(payload));
    pkt.ext[0].id = 15;         /* reserved in the one-byte form */
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    sample_packet(&pkt, payload, sizeof(payload));
    pkt.ext[1].len = 17;        /* one-byte form holds at most 16 */
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    sample_packet(&pkt, payload, sizeof(payload));
    pkt.has_extension = 0;      /* elements without the X bit */
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    sample_packet(&pkt, payload, sizeof(payload));
    pkt.ext_profile = 0x1234;   /* elements need an RFC 8285 profile */
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    sample_packet(&pkt, NULL, 4);
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_uint_eq(len, 77);

    /* Too small by one byte: -ENOSPC and the buffer untouched. */
    sample_packet(&pkt, payload, sizeof(payload));
    memset(buf, 0xC3, sizeof(buf));
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, 55, &len), -ENOSPC);
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0xC3);
    ck_assert_uint_eq(len, 77);
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, 56, &len), 0);
    ck_assert_uint_eq(len, 56);
}
END_TEST

START_TEST(rtp_pack_payload_already_in_place)
{
    uint8_t buf[64];
    sotto_rtp_packet pkt, out;
    size_t len = 0;

    memset(&pkt, 0, sizeof(pkt));
    for (int i = 0; i < 8; i++)
        buf[12 + i] = (uint8_t)(i * 3);
    pkt.payload_type = 8;
    pkt.payload = buf + 12;
    pkt.payload_len = 8;
    ck_assert_int_eq(sotto_rtp_pack(&pkt, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 20);
    ck_assert_int_eq(sotto_rtp_parse(buf, len, &out), 0);
    for (int i = 0; i < 8; i++)
        ck_assert_uint_eq(out.payload[i], i * 3);
}
END_TEST

START_TEST(seq_wraparound_increments_cycles)
{
    sotto_rtp_seq s;
    int64_t ext = -1;

    ck_assert_int_eq(sotto_rtp_seq_init(&s, 65530, 1), 0);
    for (uint32_t i = 0; i < 12; i++) {
        uint16_t seq = (uint16_t)(65530 + i);
        ck_assert_int_eq(sotto_rtp_seq_update(&s, seq, &ext), 0);
        ck_assert_int_eq(ext, 65530 + (int64_t)i);
    }
    ck_assert_uint_eq(s.cycles, 65536);
    ck_assert_uint_eq(s.max_seq, 5);
    ck_assert_uint_eq(s.received, 12);
}
END_TEST

START_TEST(seq_reorder_near_wrap)
{
    sotto_rtp_seq s;
    int64_t ext = -1;

    ck_assert_int_eq(sotto_rtp_seq_init(&s, 65533, 1), 0);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 65533, &ext), 0);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 65535, &ext), 0);
    ck_assert_int_eq(ext, 65535);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 1, &ext), 0);       /* wrapped, 0 missing */
    ck_assert_int_eq(ext, 65537);
    ck_assert_uint_eq(s.cycles, 65536);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 0, &ext), 0);       /* late, after the wrap */
    ck_assert_int_eq(ext, 65536);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 65534, &ext), 0);   /* late, before the wrap */
    ck_assert_int_eq(ext, 65534);
    ck_assert_uint_eq(s.cycles, 65536);                             /* no second wrap */
    ck_assert_uint_eq(s.max_seq, 1);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 2, &ext), 0);
    ck_assert_int_eq(ext, 65538);

    /* Late packet arriving before the wrap is seen. */
    ck_assert_int_eq(sotto_rtp_seq_init(&s, 65535, 1), 0);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 65535, &ext), 0);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 65530, &ext), 0);
    ck_assert_int_eq(ext, 65530);
    ck_assert_uint_eq(s.cycles, 0);
}
END_TEST

START_TEST(seq_probation_and_large_jump)
{
    sotto_rtp_seq s;
    int64_t ext = -1;

    ck_assert_int_eq(sotto_rtp_seq_init(&s, 100, 2), 0);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 100, &ext), -EAGAIN);
    ck_assert_int_eq(ext, -1);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 101, &ext), 0);
    ck_assert_int_eq(ext, 101);
    ck_assert_uint_eq(s.base_seq, 101);
    ck_assert_uint_eq(s.received, 1);

    /* A jump of 5000 is dropped until the packet after it confirms it. */
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 5101, &ext), -ERANGE);
    ck_assert_uint_eq(s.received, 1);
    ck_assert_int_eq(sotto_rtp_seq_update(&s, 5102, &ext), 0);
    ck_assert_int_eq(ext, 5102);
    ck_assert_uint_eq(s.base_seq, 5102);

    ck_assert_int_eq(sotto_rtp_seq_init(&s, 1, 0), -EINVAL);
    ck_assert_int_eq(sotto_rtp_seq_init(&s, 1, 101), -EINVAL);
    ck_assert_int_eq(sotto_rtp_seq_update(NULL, 1, &ext), -EINVAL);
}
END_TEST

START_TEST(seq_report_counts_losses)
{
    sotto_rtp_seq s;
    int64_t ext;
    uint8_t fraction = 0;
    int32_t cumulative = 0;
    uint32_t ext_max = 0;

    ck_assert_int_eq(sotto_rtp_seq_init(&s, 65486, 1), 0);
    for (uint32_t i = 0; i < 100; i++) {        /* crosses the wrap */
        if (i % 10 == 3)
            continue;                            /* 10 of 100 lost */
        ck_assert_int_eq(sotto_rtp_seq_update(&s, (uint16_t)(65486 + i), &ext), 0);
    }
    ck_assert_int_eq(sotto_rtp_seq_report(&s, &fraction, &cumulative, &ext_max), 0);
    ck_assert_uint_eq(fraction, (10 << 8) / 100);
    ck_assert_int_eq(cumulative, 10);
    ck_assert_uint_eq(ext_max, 65486 + 99);

    /* Next interval: 50 more, none lost. */
    for (uint32_t i = 100; i < 150; i++)
        ck_assert_int_eq(sotto_rtp_seq_update(&s, (uint16_t)(65486 + i), &ext), 0);
    ck_assert_int_eq(sotto_rtp_seq_report(&s, &fraction, &cumulative, &ext_max), 0);
    ck_assert_uint_eq(fraction, 0);
    ck_assert_int_eq(cumulative, 10);
    ck_assert_uint_eq(ext_max, 65486 + 149);
}
END_TEST

START_TEST(jitter_known_sequence)
{
    sotto_rtp_jitter j;
    /* Transit times 100, 110, 105, 125, 125: |D| = 10, 5, 20, 0.
     * J += |D| - (J + 8) / 16 in 1/16 units: 10, 14, 33, 31. */
    const uint32_t transit[] = {100, 110, 105, 125, 125};
    const uint32_t expect_q4[] = {0, 10, 14, 33, 31};

    ck_assert_int_eq(sotto_rtp_jitter_init(&j), 0);
    for (size_t i = 0; i < 5; i++) {
        uint32_t ts = 160u * (uint32_t)i;
        ck_assert_int_eq(sotto_rtp_jitter_update(&j, ts, ts + transit[i]), 0);
        ck_assert_uint_eq(j.jitter_q4, expect_q4[i]);
    }
    ck_assert_uint_eq(sotto_rtp_jitter_value(&j), 1);   /* 31 / 16; float form gives 1.96 */

    /* Alternating +-160 converges to 160 (the float form's limit). */
    ck_assert_int_eq(sotto_rtp_jitter_init(&j), 0);
    for (uint32_t i = 0; i < 400; i++) {
        uint32_t ts = 960u * i;
        ck_assert_int_eq(sotto_rtp_jitter_update(&j, ts, ts + (i % 2 ? 160u : 0u)), 0);
    }
    ck_assert_uint_ge(sotto_rtp_jitter_value(&j), 158);
    ck_assert_uint_le(sotto_rtp_jitter_value(&j), 160);
}
END_TEST

START_TEST(jitter_zero_for_steady_arrival_across_wrap)
{
    sotto_rtp_jitter j;
    ck_assert_int_eq(sotto_rtp_jitter_init(&j), 0);
    for (uint32_t i = 0; i < 100; i++) {
        uint32_t ts = 0xFFFFF000u + 160u * i;           /* RTP clock wraps */
        uint32_t arrival = 0x7FFFFF00u + 160u * i + 5;  /* arrival clock wraps too */
        ck_assert_int_eq(sotto_rtp_jitter_update(&j, ts, arrival), 0);
    }
    ck_assert_uint_eq(j.jitter_q4, 0);
    ck_assert_int_eq(sotto_rtp_jitter_update(NULL, 0, 0), -EINVAL);
    ck_assert_uint_eq(sotto_rtp_jitter_value(NULL), 0);
}
END_TEST

START_TEST(ntp_conversions)
{
    const uint64_t ns_per_s = 1000000000ull;

    ck_assert_uint_eq(sotto_ntp_from_unix_ns(0), 2208988800ull << 32);
    ck_assert_uint_eq(sotto_ntp_from_unix_ns(ns_per_s + ns_per_s / 2),
                      ((2208988801ull) << 32) | 0x80000000u);
    ck_assert_uint_eq(sotto_ntp_to_unix_ns((2208988802ull << 32) | 0x40000000u),
                      2 * ns_per_s + ns_per_s / 4);
    /* 2036-02-07 06:28:17 UTC is NTP era 1, second 1. */
    uint64_t era1 = (4294967296ull - 2208988800ull + 1) * ns_per_s;
    ck_assert_uint_eq(sotto_ntp_from_unix_ns(era1), 1ull << 32);
    ck_assert_uint_eq(sotto_ntp_to_unix_ns(1ull << 32), era1);
    /* Before 1970 cannot be expressed. */
    ck_assert_uint_eq(sotto_ntp_to_unix_ns(0x80000000ull << 32), 0);

    uint64_t t = 1700000000ull * ns_per_s;
    for (uint64_t i = 0; i < 2000; i++) {
        uint64_t ns = t + i * 123456789ull + i * i;
        uint64_t back = sotto_ntp_to_unix_ns(sotto_ntp_from_unix_ns(ns));
        ck_assert_uint_le(back > ns ? back - ns : ns - back, 1);
    }
    ck_assert_uint_eq(sotto_ntp_short(0xB7108000ABCD1234ull), 0x8000ABCDu);
}
END_TEST

START_TEST(rtt_from_lsr_dlsr)
{
    uint32_t rtt = 0;
    /* RFC 3550 section 6.4.1: A = 46864.500 s, LSR = 46853.125 s,
     * DLSR = 5.250 s; the round trip is 6.125 s. */
    ck_assert_int_eq(sotto_rtcp_rtt(0xB7108000u, 0xB7052000u, 0x00054000u, &rtt), 0);
    ck_assert_uint_eq(rtt, 0x00062000u);
    /* Across the wrap of the 32-bit short clock. */
    ck_assert_int_eq(sotto_rtcp_rtt(0x00010000u, 0xFFFF0000u, 0x00010000u, &rtt), 0);
    ck_assert_uint_eq(rtt, 0x00010000u);
    rtt = 99;
    ck_assert_int_eq(sotto_rtcp_rtt(0xB7108000u, 0, 0x00054000u, &rtt), -ENODATA);
    ck_assert_int_eq(sotto_rtcp_rtt(0xB7052100u, 0xB7052000u, 0x00054000u, &rtt), -ERANGE);
    ck_assert_uint_eq(rtt, 99);
    ck_assert_int_eq(sotto_rtcp_rtt(1, 1, 0, NULL), -EINVAL);
}
END_TEST

/* SR (1 block) + SDES (CNAME "ab") + BYE (reason "bye"), by hand. */
static const uint8_t compound_sr_sdes_bye[] = {
    /* SR, RC=1, length 12 words */
    0x81, 200, 0x00, 0x0C,
    0x11, 0x22, 0x33, 0x44,                         /* sender SSRC */
    0xE0, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00, /* NTP */
    0x00, 0x00, 0x10, 0x00,                         /* RTP ts */
    0x00, 0x00, 0x00, 0x05,                         /* packets */
    0x00, 0x00, 0x03, 0x20,                         /* octets */
    0xAA, 0xBB, 0xCC, 0xDD,                         /* block: SSRC */
    0x40, 0xFF, 0xFF, 0xFE,                         /* 25% lost, cumulative -2 */
    0x00, 0x01, 0x00, 0x10,                         /* ext highest seq */
    0x00, 0x00, 0x00, 0x2A,                         /* jitter 42 */
    0xB7, 0x05, 0x20, 0x00,                         /* LSR */
    0x00, 0x05, 0x40, 0x00,                         /* DLSR */
    /* SDES, SC=1, length 3 words: SSRC, CNAME "ab", end, pad */
    0x81, 202, 0x00, 0x03,
    0x11, 0x22, 0x33, 0x44,
    0x01, 0x02, 'a', 'b',
    0x00, 0x00, 0x00, 0x00,
    /* BYE, SC=1, length 2 words: SSRC, reason "bye" */
    0x81, 203, 0x00, 0x02,
    0x11, 0x22, 0x33, 0x44,
    0x03, 'b', 'y', 'e',
};

START_TEST(rtcp_parse_sr_sdes_bye)
{
    sotto_rtcp_info info;
    ck_assert_int_eq(sotto_rtcp_parse(compound_sr_sdes_bye, sizeof(compound_sr_sdes_bye), &info), 0);
    ck_assert_uint_eq(info.packet_count, 3);
    ck_assert_int_eq(info.reduced_size, 0);
    ck_assert_int_eq(info.has_sr, 1);
    ck_assert_uint_eq(info.sr.ssrc, 0x11223344);
    ck_assert_uint_eq(info.sr.ntp, 0xE000000180000000ull);
    ck_assert_uint_eq(info.sr.rtp_ts, 0x1000);
    ck_assert_uint_eq(info.sr.packet_count, 5);
    ck_assert_uint_eq(info.sr.octet_count, 800);
    ck_assert_uint_eq(info.report_count, 1);
    ck_assert_uint_eq(info.reports[0].ssrc, 0xAABBCCDD);
    ck_assert_uint_eq(info.reports[0].fraction_lost, 0x40);
    ck_assert_int_eq(info.reports[0].cumulative_lost, -2);
    ck_assert_uint_eq(info.reports[0].ext_highest_seq, 0x10010);
    ck_assert_uint_eq(info.reports[0].jitter, 42);
    ck_assert_uint_eq(info.reports[0].lsr, 0xB7052000u);
    ck_assert_uint_eq(info.reports[0].dlsr, 0x00054000u);
    ck_assert_uint_eq(info.cname_count, 1);
    ck_assert_uint_eq(info.cnames[0].ssrc, 0x11223344);
    ck_assert_uint_eq(info.cnames[0].len, 2);
    ck_assert_mem_eq(info.cnames[0].text, "ab", 2);
    ck_assert_int_eq(info.has_bye, 1);
    ck_assert_uint_eq(info.bye_count, 1);
    ck_assert_uint_eq(info.bye_ssrc[0], 0x11223344);
    ck_assert_uint_eq(info.bye_reason_len, 3);
    ck_assert_mem_eq(info.bye_reason, "bye", 3);
    ck_assert_int_eq(info.has_rr, 0);
    ck_assert_uint_eq(info.other_count, 0);
}
END_TEST

START_TEST(rtcp_sdes_chunks_are_word_aligned)
{
    /* RR, then SDES with two chunks: "abc" (10 bytes, padded to 12) and
     * a NOTE item before "xy" in the second. */
    const uint8_t pkt[] = {
        0x80, 201, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
        0x82, 202, 0x00, 0x06,
        0x00, 0x00, 0x00, 0x01, 0x01, 0x03, 'a', 'b', 'c', 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x02, 0x07, 0x01, 'n', 0x01, 0x02, 'x', 'y', 0x00,
    };
    sotto_rtcp_info info;
    ck_assert_int_eq(sotto_rtcp_parse(pkt, sizeof(pkt), &info), 0);
    ck_assert_int_eq(info.reduced_size, 0);
    ck_assert_uint_eq(info.cname_count, 2);
    ck_assert_uint_eq(info.cnames[0].ssrc, 1);
    ck_assert_mem_eq(info.cnames[0].text, "abc", 3);
    ck_assert_uint_eq(info.cnames[1].ssrc, 2);
    ck_assert_uint_eq(info.cnames[1].len, 2);
    ck_assert_mem_eq(info.cnames[1].text, "xy", 2);
}
END_TEST

START_TEST(rtcp_reduced_size_accepted)
{
    /* RR with one block and no SDES. */
    const uint8_t rr[] = {
        0x81, 201, 0x00, 0x07, 0x01, 0x02, 0x03, 0x04,
        0x05, 0x06, 0x07, 0x08, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    /* A lone PSFB PLI (RFC 4585): type 206, FMT 1. */
    const uint8_t pli[] = {0x81, 206, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04,
                           0x05, 0x06, 0x07, 0x08};
    sotto_rtcp_info info;

    ck_assert_int_eq(sotto_rtcp_parse(rr, sizeof(rr), &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_int_eq(info.has_rr, 1);
    ck_assert_uint_eq(info.rr_ssrc, 0x01020304);
    ck_assert_uint_eq(info.report_count, 1);
    ck_assert_uint_eq(info.reports[0].ssrc, 0x05060708);
    ck_assert_int_eq(info.reports[0].cumulative_lost, 7);
    ck_assert_uint_eq(info.reports[0].ext_highest_seq, 0x1234);
    ck_assert_uint_eq(info.reports[0].jitter, 3);

    ck_assert_int_eq(sotto_rtcp_parse(pli, sizeof(pli), &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_uint_eq(info.packet_count, 1);
    ck_assert_uint_eq(info.other_count, 1);
    ck_assert_uint_eq(info.other[0].type, 206);
    ck_assert_uint_eq(info.other[0].count, 1);
    ck_assert_uint_eq(info.other[0].len, 8);
    ck_assert_ptr_eq(info.other[0].body, pli + 4);
}
END_TEST

START_TEST(rtcp_build_parse_round_trip)
{
    sotto_rtcp_report_block blocks[2] = {
        {.ssrc = 0xA, .fraction_lost = 12, .cumulative_lost = -5, .ext_highest_seq = 70000,
         .jitter = 33, .lsr = 0x12345678, .dlsr = 0x00010000},
        {.ssrc = 0xB, .fraction_lost = 0, .cumulative_lost = 9000000, .ext_highest_seq = 1,
         .jitter = 0, .lsr = 0, .dlsr = 0},
    };
    sotto_rtcp_build_params p;
    uint8_t buf[BUF_MAX];
    sotto_rtcp_info info;
    size_t len = 0;

    memset(&p, 0, sizeof(p));
    p.is_sender = 1;
    p.sr = (sotto_rtcp_sender_info){.ssrc = 0x5050, .ntp = 0x0102030405060708ull,
                                    .rtp_ts = 48000, .packet_count = 50, .octet_count = 4000};
    p.reports = blocks;
    p.report_count = 2;
    p.cname = "sotto@host";
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), 0);
    /* SR 28+48, SDES 4 + align4(4+2+10+1)=20 */
    ck_assert_uint_eq(len, 76 + 24);
    ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
    ck_assert_int_eq(info.reduced_size, 0);
    ck_assert_uint_eq(info.packet_count, 2);
    ck_assert_uint_eq(info.sr.ssrc, 0x5050);
    ck_assert_uint_eq(info.sr.ntp, 0x0102030405060708ull);
    ck_assert_uint_eq(info.sr.rtp_ts, 48000);
    ck_assert_uint_eq(info.sr.packet_count, 50);
    ck_assert_uint_eq(info.sr.octet_count, 4000);
    ck_assert_uint_eq(info.report_count, 2);
    ck_assert_int_eq(info.reports[0].cumulative_lost, -5);
    ck_assert_uint_eq(info.reports[0].ext_highest_seq, 70000);
    ck_assert_uint_eq(info.reports[0].lsr, 0x12345678);
    ck_assert_int_eq(info.reports[1].cumulative_lost, 0x7FFFFF);   /* clamped to 24 bits */
    ck_assert_uint_eq(info.cname_count, 1);
    ck_assert_uint_eq(info.cnames[0].ssrc, 0x5050);
    ck_assert_uint_eq(info.cnames[0].len, 10);
    ck_assert_mem_eq(info.cnames[0].text, "sotto@host", 10);
    ck_assert_int_eq(info.has_bye, 0);

    /* RR + SDES + BYE with a reason. */
    memset(&p, 0, sizeof(p));
    p.ssrc = 0x7070;
    p.cname = "x";
    p.bye = 1;
    p.bye_reason = "hangup";
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 8 + 12 + 16);
    ck_assert_uint_eq(buf[0], 0x80);
    ck_assert_uint_eq(buf[1], 201);
    ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
    ck_assert_int_eq(info.has_rr, 1);
    ck_assert_uint_eq(info.rr_ssrc, 0x7070);
    ck_assert_uint_eq(info.report_count, 0);
    ck_assert_uint_eq(info.cnames[0].len, 1);
    ck_assert_int_eq(info.has_bye, 1);
    ck_assert_uint_eq(info.bye_ssrc[0], 0x7070);
    ck_assert_uint_eq(info.bye_reason_len, 6);
    ck_assert_mem_eq(info.bye_reason, "hangup", 6);
    ck_assert_int_eq(info.reduced_size, 0);
}
END_TEST

START_TEST(rtcp_build_rejects_bad_params)
{
    char long_name[300];
    sotto_rtcp_build_params p;
    uint8_t buf[BUF_MAX];
    size_t len = 5;

    memset(long_name, 'n', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    memset(&p, 0, sizeof(p));
    p.cname = "";
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.cname = NULL;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.cname = long_name;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.cname = "ok";
    p.report_count = 1;                 /* count without blocks */
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.report_count = 0;
    p.bye = 1;
    p.bye_reason = long_name;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.bye = 0;
    memset(buf, 0xC3, sizeof(buf));
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, 23, &len), -ENOSPC);   /* needs 8 + 16 */
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0xC3);
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, 24, &len), 0);
    ck_assert_uint_eq(len, 24);
}
END_TEST

static int parse_modified(const uint8_t *base, size_t len, size_t at, uint8_t value)
{
    uint8_t copy[sizeof(compound_sr_sdes_bye)];
    sotto_rtcp_info info;
    memcpy(copy, base, len);
    copy[at] = value;
    return sotto_rtcp_parse(copy, len, &info);
}

START_TEST(rtcp_rejects_malformed)
{
    const uint8_t *c = compound_sr_sdes_bye;
    const size_t n = sizeof(compound_sr_sdes_bye);
    const size_t sdes = 52, bye = 68;
    sotto_rtcp_info info;

    ck_assert_int_eq(parse_modified(c, n, 0, 0x41), -EINVAL);          /* version 1 */
    ck_assert_int_eq(parse_modified(c, n, sdes, 0x41), -EINVAL);       /* version 1 later */
    ck_assert_int_eq(parse_modified(c, n, bye + 3, 0x03), -EINVAL);    /* length past end */
    ck_assert_int_eq(parse_modified(c, n, 0, 0xA1), -EINVAL);          /* padding, not last */
    ck_assert_int_eq(parse_modified(c, n, 0, 0x82), -EINVAL);          /* 2 blocks: too long */
    ck_assert_int_eq(parse_modified(c, n, 0, 0x9F), -EINVAL);          /* 31 blocks */
    ck_assert_int_eq(parse_modified(c, n, sdes + 9, 0x07), -EINVAL);   /* CNAME past packet */
    ck_assert_int_eq(parse_modified(c, n, sdes + 9, 0x06), -EINVAL);   /* no end marker */
    ck_assert_int_eq(parse_modified(c, n, sdes, 0x82), -EINVAL);       /* 2 chunks, 1 present */
    ck_assert_int_eq(parse_modified(c, n, bye + 8, 0x04), -EINVAL);    /* reason past end */
    ck_assert_int_eq(parse_modified(c, n, bye, 0x83), -EINVAL);        /* 3 SSRCs in 2 words */
    /* Padding on the last packet: count 0, and larger than its body. */
    ck_assert_int_eq(parse_modified(c, n, bye, 0xA1), -EINVAL);        /* pad count 'e' */
    uint8_t padded[sizeof(compound_sr_sdes_bye)];
    memcpy(padded, c, n);
    padded[bye] = 0xA1;
    padded[bye + 11] = 4;                /* the whole reason word is padding */
    ck_assert_int_eq(sotto_rtcp_parse(padded, n, &info), 0);
    ck_assert_uint_eq(info.bye_reason_len, 0);
    padded[bye + 11] = 0;
    ck_assert_int_eq(sotto_rtcp_parse(padded, n, &info), -EINVAL);
    padded[bye + 11] = 9;
    ck_assert_int_eq(sotto_rtcp_parse(padded, n, &info), -EINVAL);
    /* Trailing bytes that are not a whole header. */
    uint8_t longer[sizeof(compound_sr_sdes_bye) + 2];
    memcpy(longer, c, n);
    longer[n] = 0x80;
    longer[n + 1] = 200;
    ck_assert_int_eq(sotto_rtcp_parse(longer, sizeof(longer), &info), -EINVAL);
    ck_assert_int_eq(sotto_rtcp_parse(NULL, n, &info), -EINVAL);
    ck_assert_int_eq(sotto_rtcp_parse(c, n, NULL), -EINVAL);
    ck_assert_int_eq(sotto_rtcp_parse(c, 0, &info), -EINVAL);
}
END_TEST

START_TEST(rtcp_every_truncation)
{
    const size_t n = sizeof(compound_sr_sdes_bye);
    sotto_rtcp_info info, sentinel;

    memset(&sentinel, 0x5A, sizeof(sentinel));
    for (size_t len = 0; len < n; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, compound_sr_sdes_bye, len);
        info = sentinel;
        int rc = sotto_rtcp_parse(copy, len, &info);
        if (len == 52 || len == 68) {
            /* Cut at a packet boundary: a shorter valid compound. */
            ck_assert_int_eq(rc, 0);
            ck_assert_uint_eq(info.packet_count, len == 52 ? 1 : 2);
        } else {
            ck_assert_msg(rc == -EINVAL, "length %zu accepted", len);
            ck_assert_msg(memcmp(&info, &sentinel, sizeof(info)) == 0, "output written at %zu", len);
        }
        free(copy);
    }
}
END_TEST

START_TEST(rtcp_build_reduced_size_omits_sdes)
{
    sotto_rtcp_report_block block = {.ssrc = 0xB0B, .fraction_lost = 64, .cumulative_lost = 3,
                                      .ext_highest_seq = 100, .jitter = 7};
    sotto_rtcp_build_params p;
    uint8_t buf[BUF_MAX];
    sotto_rtcp_info info;
    size_t len = 0;

    /* RR with one block and nothing else; no CNAME needed. */
    memset(&p, 0, sizeof(p));
    p.ssrc = 0x7070;
    p.reports = &block;
    p.report_count = 1;
    p.reduced_size = 1;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 8 + 24);
    ck_assert_uint_eq(buf[0], 0x81);
    ck_assert_uint_eq(buf[1], SOTTO_RTCP_RR);
    ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_uint_eq(info.packet_count, 1);
    ck_assert_uint_eq(info.rr_ssrc, 0x7070);
    ck_assert_uint_eq(info.report_count, 1);
    ck_assert_uint_eq(info.reports[0].ssrc, 0xB0B);
    ck_assert_uint_eq(info.cname_count, 0);

    /* SR plus the BYE that was asked for, still no SDES; a CNAME given
     * anyway is left out. */
    memset(&p, 0, sizeof(p));
    p.is_sender = 1;
    p.sr = (sotto_rtcp_sender_info){.ssrc = 0x5050, .ntp = 1, .rtp_ts = 2,
                                    .packet_count = 3, .octet_count = 4};
    p.cname = "ignored";
    p.bye = 1;
    p.reduced_size = 1;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 28 + 8);
    ck_assert_uint_eq(buf[1], SOTTO_RTCP_SR);
    ck_assert_uint_eq(buf[29], SOTTO_RTCP_BYE);
    ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_uint_eq(info.packet_count, 2);
    ck_assert_int_eq(info.has_sr, 1);
    ck_assert_uint_eq(info.sr.octet_count, 4);
    ck_assert_int_eq(info.has_bye, 1);
    ck_assert_uint_eq(info.bye_ssrc[0], 0x5050);
    ck_assert_uint_eq(info.cname_count, 0);

    /* The same without reduced_size is a full compound again. */
    p.reduced_size = 0;
    p.cname = "c";
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 28 + 12 + 8);
    ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
    ck_assert_int_eq(info.reduced_size, 0);

    /* Flags are 0 or 1; without reduced_size the CNAME is required. */
    p.reduced_size = 2;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.reduced_size = 0;
    p.cname = NULL;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, sizeof(buf), &len), -EINVAL);
    p.reduced_size = 1;
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, 35, &len), -ENOSPC);
    ck_assert_int_eq(sotto_rtcp_build(&p, buf, 36, &len), 0);
}
END_TEST

/* NACK (RTPFB FMT 1) for sequence 0x1234 and no others. */
static const uint8_t generic_nack[] = {0x81, 205, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
                                       0x00, 0x00, 0x00, 0x02, 0x12, 0x34, 0x00, 0x00};

START_TEST(rtcp_reduced_size_may_start_with_feedback)
{
    uint8_t dgram[sizeof(generic_nack) + 8];
    sotto_rtcp_info info;

    ck_assert_int_eq(sotto_rtcp_parse(generic_nack, sizeof(generic_nack), &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_uint_eq(info.other_count, 1);
    ck_assert_uint_eq(info.other[0].type, SOTTO_RTCP_RTPFB);
    ck_assert_uint_eq(info.other[0].count, 1);
    ck_assert_uint_eq(info.tcc_count, 0);
    /* Feedback first, an empty RR after it. */
    memcpy(dgram, generic_nack, sizeof(generic_nack));
    memcpy(dgram + sizeof(generic_nack), "\x80\xC9\x00\x01\x00\x00\x00\x09", 8);
    ck_assert_int_eq(sotto_rtcp_parse(dgram, sizeof(dgram), &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_uint_eq(info.packet_count, 2);
    ck_assert_int_eq(info.has_rr, 1);
    ck_assert_uint_eq(info.rr_ssrc, 9);
}
END_TEST

START_TEST(rtcp_rejects_types_outside_rtcp_range)
{
    /* An RTP header (PT 96) is version 2 and length-consistent by chance. */
    const uint8_t rtp_like[] = {0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01};
    uint8_t dgram[8 + 8];
    sotto_rtcp_info info;

    ck_assert_int_eq(sotto_rtcp_parse(rtp_like, sizeof(rtp_like), &info), -EINVAL);
    /* RFC 5761 range, but no datagram may start with 192..199 or 208..223. */
    for (unsigned type = 192; type <= 223; type++) {
        uint8_t one[28] = {0x80, (uint8_t)type, 0x00, 0x06};   /* room for an SR */
        int rc = sotto_rtcp_parse(one, sizeof(one), &info);
        if (type >= 200 && type <= 207)
            ck_assert_msg(rc == 0, "type %u rejected", type);
        else
            ck_assert_msg(rc == -EINVAL, "type %u accepted first", type);
    }
    /* After an RR, other RTCP types are listed, non-RTCP types rejected. */
    memcpy(dgram, "\x80\xC9\x00\x01\x00\x00\x00\x09", 8);
    memcpy(dgram + 8, "\x80\xD0\x00\x01\x00\x00\x00\x01", 8);   /* type 208 */
    ck_assert_int_eq(sotto_rtcp_parse(dgram, sizeof(dgram), &info), 0);
    ck_assert_uint_eq(info.other_count, 1);
    ck_assert_uint_eq(info.other[0].type, 208);
    dgram[9] = 224;
    ck_assert_int_eq(sotto_rtcp_parse(dgram, sizeof(dgram), &info), -EINVAL);
    dgram[9] = 191;
    ck_assert_int_eq(sotto_rtcp_parse(dgram, sizeof(dgram), &info), -EINVAL);
}
END_TEST

/* REMB: 522022 bps (mantissa 0x3FB93, exponent 1) for three SSRCs. */
static const uint8_t remb_packet[] = {
    0x8F, 206, 0x00, 0x07,
    0x12, 0x34, 0x56, 0x78,             /* sender SSRC */
    0x00, 0x00, 0x00, 0x00,             /* media SSRC: always 0 */
    'R', 'E', 'M', 'B',
    0x03, 0x07, 0xFB, 0x93,             /* 3 SSRCs; exponent 1, mantissa 0x3FB93 */
    0x23, 0x45, 0x67, 0x89,
    0x23, 0x45, 0x67, 0x8A,
    0x23, 0x45, 0x67, 0x8B,
};

START_TEST(remb_parses_known_bytes_and_builds_them_back)
{
    sotto_rtcp_info info;
    uint8_t buf[BUF_MAX];
    size_t len = 0;

    ck_assert_int_eq(sotto_rtcp_parse(remb_packet, sizeof(remb_packet), &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_int_eq(info.has_remb, 1);
    ck_assert_uint_eq(info.remb.sender_ssrc, 0x12345678);
    ck_assert_uint_eq(info.remb.bitrate_bps, 0x3FB93 * 2);
    ck_assert_uint_eq(info.remb.ssrc_count, 3);
    ck_assert_uint_eq(info.remb.ssrcs[0], 0x23456789);
    ck_assert_uint_eq(info.remb.ssrcs[2], 0x2345678B);
    ck_assert_uint_eq(info.other_count, 1);
    ck_assert_uint_eq(info.other[0].type, SOTTO_RTCP_PSFB);
    ck_assert_uint_eq(info.other[0].count, SOTTO_RTCP_FMT_REMB);

    ck_assert_uint_eq(SOTTO_RTCP_REMB_SIZE(3), sizeof(remb_packet));
    ck_assert_int_eq(sotto_rtcp_build_remb(&info.remb, buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, sizeof(remb_packet));
    ck_assert_mem_eq(buf, remb_packet, sizeof(remb_packet));
}
END_TEST

START_TEST(remb_bitrates_round_trip_and_round_down)
{
    const uint64_t rates[] = {0, 1, 0x3FFFF, 0x40000, 0x40001, 32000, 2500000,
                              (uint64_t)0x3FB93 << 30, UINT64_MAX};
    sotto_rtcp_remb remb, sent;
    sotto_rtcp_info info;
    uint8_t buf[64];
    size_t len = 0;

    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        memset(&remb, 0, sizeof(remb));
        remb.sender_ssrc = 1;
        remb.bitrate_bps = rates[i];
        remb.ssrc_count = 1;
        remb.ssrcs[0] = 0xCAFE;
        ck_assert_int_eq(sotto_rtcp_build_remb(&remb, buf, sizeof(buf), &len), 0);
        ck_assert_uint_eq(len, 24);
        ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
        ck_assert_int_eq(info.has_remb, 1);
        /* Rounded down, by less than one part in 2^17. */
        ck_assert_uint_le(info.remb.bitrate_bps, rates[i]);
        ck_assert_uint_le(rates[i] - info.remb.bitrate_bps, rates[i] >> 17);
        ck_assert_uint_eq(info.remb.ssrcs[0], 0xCAFE);
        /* What arrived is exactly representable: it goes back unchanged. */
        sent = info.remb;
        ck_assert_int_eq(sotto_rtcp_build_remb(&sent, buf, sizeof(buf), &len), 0);
        ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
        ck_assert_uint_eq(info.remb.bitrate_bps, sent.bitrate_bps);
    }
    ck_assert_uint_eq(0x40001 - 1, 0x40000);   /* 0x40001 needs exponent 1: loses its low bit */
    remb.bitrate_bps = 0x40001;
    ck_assert_int_eq(sotto_rtcp_build_remb(&remb, buf, sizeof(buf), &len), 0);
    ck_assert_int_eq(sotto_rtcp_parse(buf, len, &info), 0);
    ck_assert_uint_eq(info.remb.bitrate_bps, 0x40000);
}
END_TEST

START_TEST(remb_keeps_first_ssrcs_of_a_long_list)
{
    uint8_t buf[20 + 4 * 12];
    sotto_rtcp_info info;

    memcpy(buf, remb_packet, 16);
    buf[3] = (uint8_t)(sizeof(buf) / 4 - 1);
    buf[16] = 12;
    memcpy(buf + 17, "\x00\x7D\x00", 3);     /* 32000 bps, exponent 0 */
    for (int i = 0; i < 12; i++)
        memcpy(buf + 20 + 4 * i, (uint8_t[4]){0, 0, 0, (uint8_t)(i + 1)}, 4);
    ck_assert_int_eq(sotto_rtcp_parse(buf, sizeof(buf), &info), 0);
    ck_assert_uint_eq(info.remb.bitrate_bps, 32000);
    ck_assert_uint_eq(info.remb.ssrc_count, 12);
    for (int i = 0; i < SOTTO_RTCP_REMB_MAX_SSRC; i++)
        ck_assert_uint_eq(info.remb.ssrcs[i], (uint32_t)(i + 1));
}
END_TEST

static int parse_remb_modified(size_t at, uint8_t value)
{
    uint8_t copy[sizeof(remb_packet)];
    sotto_rtcp_info info;

    memcpy(copy, remb_packet, sizeof(copy));
    copy[at] = value;
    return sotto_rtcp_parse(copy, sizeof(copy), &info);
}

START_TEST(remb_rejects_bad_counts_lengths_and_bitrates)
{
    uint8_t short_remb[16];
    sotto_rtcp_info info;

    ck_assert_int_eq(parse_remb_modified(16, 4), -EINVAL);     /* 4 SSRCs in room for 3 */
    ck_assert_int_eq(parse_remb_modified(16, 2), -EINVAL);     /* 2 SSRCs and a spare word */
    ck_assert_int_eq(parse_remb_modified(16, 255), -EINVAL);
    ck_assert_int_eq(parse_remb_modified(17, 0xFF), -EINVAL);  /* 0x3FFFF << 63 overflows */
    ck_assert_int_eq(parse_remb_modified(17, 0xBB), 0);        /* 0x3FB93 << 46 fits */
    /* Not "REMB": other application feedback, listed but not decoded. */
    ck_assert_int_eq(parse_remb_modified(15, 'X'), 0);
    memcpy(short_remb, remb_packet, sizeof(short_remb));
    short_remb[3] = 3;
    ck_assert_int_eq(sotto_rtcp_parse(short_remb, sizeof(short_remb), &info), -EINVAL);
    short_remb[15] = 'X';
    ck_assert_int_eq(sotto_rtcp_parse(short_remb, sizeof(short_remb), &info), 0);
    ck_assert_int_eq(info.has_remb, 0);
    ck_assert_uint_eq(info.other_count, 1);
    /* FMT other than 15 is not REMB even with the identifier. */
    ck_assert_int_eq(parse_remb_modified(0, 0x81), 0);
}
END_TEST

START_TEST(remb_every_truncation_after_a_report)
{
    uint8_t full[8 + sizeof(remb_packet)];
    sotto_rtcp_info info, sentinel;

    memcpy(full, "\x80\xC9\x00\x01\x00\x00\x00\x09", 8);
    memcpy(full + 8, remb_packet, sizeof(remb_packet));
    ck_assert_int_eq(sotto_rtcp_parse(full, sizeof(full), &info), 0);
    ck_assert_int_eq(info.has_remb, 1);
    memset(&sentinel, 0x5A, sizeof(sentinel));
    for (size_t len = 0; len < sizeof(full); len++) {
        uint8_t *copy = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, full, len);
        info = sentinel;
        int rc = sotto_rtcp_parse(copy, len, &info);
        if (len == 8) {
            ck_assert_int_eq(rc, 0);
            ck_assert_int_eq(info.has_remb, 0);
        } else {
            ck_assert_msg(rc == -EINVAL, "length %zu accepted", len);
            ck_assert_msg(memcmp(&info, &sentinel, sizeof(info)) == 0, "output written at %zu", len);
        }
        free(copy);
    }
}
END_TEST

START_TEST(remb_build_rejects_bad_arguments)
{
    sotto_rtcp_remb remb;
    uint8_t buf[64];
    size_t len = 3;

    memset(&remb, 0, sizeof(remb));
    remb.bitrate_bps = 64000;
    remb.ssrc_count = SOTTO_RTCP_REMB_MAX_SSRC + 1;
    ck_assert_int_eq(sotto_rtcp_build_remb(&remb, buf, sizeof(buf), &len), -EINVAL);
    remb.ssrc_count = 2;
    ck_assert_int_eq(sotto_rtcp_build_remb(NULL, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_rtcp_build_remb(&remb, NULL, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_rtcp_build_remb(&remb, buf, sizeof(buf), NULL), -EINVAL);
    memset(buf, 0xC3, sizeof(buf));
    ck_assert_int_eq(sotto_rtcp_build_remb(&remb, buf, 27, &len), -ENOSPC);
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_uint_eq(buf[i], 0xC3);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(sotto_rtcp_build_remb(&remb, buf, 28, &len), 0);
    ck_assert_uint_eq(len, 28);
    ck_assert_uint_eq(buf[28], 0xC3);
}
END_TEST

/* Transport-cc feedback: base 0x0102, 3 packets, reference time -2,
 * feedback count 7, one run-length chunk, one delta, one padding byte. */
static const uint8_t tcc_packet[] = {
    0x8F, 205, 0x00, 0x05,
    0x00, 0x00, 0x00, 0x0A,             /* sender SSRC */
    0x00, 0x00, 0x00, 0x0B,             /* media SSRC */
    0x01, 0x02, 0x00, 0x03,             /* base sequence, status count */
    0xFF, 0xFF, 0xFE, 0x07,             /* reference time, feedback count */
    0x20, 0x03, 0x04, 0x00,             /* chunk: 3 x "small delta"; delta; pad */
};

START_TEST(tcc_feedback_counted_with_header_fields)
{
    uint8_t two[2 * sizeof(tcc_packet)];
    sotto_rtcp_info info;

    ck_assert_int_eq(sotto_rtcp_parse(tcc_packet, sizeof(tcc_packet), &info), 0);
    ck_assert_int_eq(info.reduced_size, 1);
    ck_assert_uint_eq(info.tcc_count, 1);
    ck_assert_uint_eq(info.tcc.sender_ssrc, 0x0A);
    ck_assert_uint_eq(info.tcc.media_ssrc, 0x0B);
    ck_assert_uint_eq(info.tcc.base_seq, 0x0102);
    ck_assert_uint_eq(info.tcc.status_count, 3);
    ck_assert_int_eq(info.tcc.reference_time, -2);
    ck_assert_uint_eq(info.tcc.feedback_count, 7);
    ck_assert_uint_eq(info.other_count, 1);
    ck_assert_uint_eq(info.other[0].type, SOTTO_RTCP_RTPFB);
    ck_assert_int_eq(info.has_remb, 0);
    /* Two in one datagram: both counted, the first one's fields kept. */
    memcpy(two, tcc_packet, sizeof(tcc_packet));
    memcpy(two + sizeof(tcc_packet), tcc_packet, sizeof(tcc_packet));
    two[sizeof(tcc_packet) + 13] = 0x09;
    ck_assert_int_eq(sotto_rtcp_parse(two, sizeof(two), &info), 0);
    ck_assert_uint_eq(info.tcc_count, 2);
    ck_assert_uint_eq(info.tcc.base_seq, 0x0102);
}
END_TEST

START_TEST(tcc_rejects_empty_and_short_feedback)
{
    uint8_t copy[sizeof(tcc_packet)];
    sotto_rtcp_info info;

    memcpy(copy, tcc_packet, sizeof(copy));
    copy[15] = 0;                            /* status count 0 */
    ck_assert_int_eq(sotto_rtcp_parse(copy, sizeof(copy), &info), -EINVAL);
    memcpy(copy, tcc_packet, sizeof(copy));
    copy[3] = 4;                             /* fixed fields only, no chunk */
    ck_assert_int_eq(sotto_rtcp_parse(copy, 20, &info), -EINVAL);
    copy[0] = 0xAF;                          /* same, padded: 2 bytes of chunk remain */
    copy[3] = 5;
    copy[23] = 2;
    ck_assert_int_eq(sotto_rtcp_parse(copy, sizeof(copy), &info), 0);
    copy[23] = 3;                            /* padding eats into the chunk */
    ck_assert_int_eq(sotto_rtcp_parse(copy, sizeof(copy), &info), -EINVAL);
    /* Other RTPFB formats are not transport-cc. */
    memcpy(copy, tcc_packet, sizeof(copy));
    copy[0] = 0x81;
    copy[15] = 0;
    ck_assert_int_eq(sotto_rtcp_parse(copy, sizeof(copy), &info), 0);
    ck_assert_uint_eq(info.tcc_count, 0);
}
END_TEST

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *rtp = tcase_create("rtp");
    tcase_add_test(rtp, rtp_pack_parse_round_trip);
    tcase_add_test(rtp, rtp_two_byte_extension_round_trip);
    tcase_add_test(rtp, rtp_parse_known_bytes);
    tcase_add_test(rtp, rtp_rejects_every_truncation);
    tcase_add_test(rtp, rtp_rejects_bad_version);
    tcase_add_test(rtp, rtp_rejects_bad_padding);
    tcase_add_test(rtp, rtp_rejects_csrc_count_beyond_length);
    tcase_add_test(rtp, rtp_rejects_extension_beyond_packet);
    tcase_add_test(rtp, rtp_rejects_extension_element_overrun);
    tcase_add_test(rtp, rtp_extension_padding_and_id15);
    tcase_add_test(rtp, rtp_rejects_too_many_extension_elements);
    tcase_add_test(rtp, rtp_unknown_extension_profile_kept_raw);
    tcase_add_test(rtp, rtp_pack_rejects_invalid_fields);
    tcase_add_test(rtp, rtp_pack_payload_already_in_place);
    suite_add_tcase(s, rtp);

    TCase *stats = tcase_create("stats");
    tcase_add_test(stats, seq_wraparound_increments_cycles);
    tcase_add_test(stats, seq_reorder_near_wrap);
    tcase_add_test(stats, seq_probation_and_large_jump);
    tcase_add_test(stats, seq_report_counts_losses);
    tcase_add_test(stats, jitter_known_sequence);
    tcase_add_test(stats, jitter_zero_for_steady_arrival_across_wrap);
    tcase_add_test(stats, ntp_conversions);
    tcase_add_test(stats, rtt_from_lsr_dlsr);
    suite_add_tcase(s, stats);

    TCase *rtcp = tcase_create("rtcp");
    tcase_add_test(rtcp, rtcp_parse_sr_sdes_bye);
    tcase_add_test(rtcp, rtcp_sdes_chunks_are_word_aligned);
    tcase_add_test(rtcp, rtcp_reduced_size_accepted);
    tcase_add_test(rtcp, rtcp_build_parse_round_trip);
    tcase_add_test(rtcp, rtcp_build_rejects_bad_params);
    tcase_add_test(rtcp, rtcp_rejects_malformed);
    tcase_add_test(rtcp, rtcp_every_truncation);
    tcase_add_test(rtcp, rtcp_build_reduced_size_omits_sdes);
    tcase_add_test(rtcp, rtcp_reduced_size_may_start_with_feedback);
    tcase_add_test(rtcp, rtcp_rejects_types_outside_rtcp_range);
    suite_add_tcase(s, rtcp);

    TCase *feedback = tcase_create("feedback");
    tcase_add_test(feedback, remb_parses_known_bytes_and_builds_them_back);
    tcase_add_test(feedback, remb_bitrates_round_trip_and_round_down);
    tcase_add_test(feedback, remb_keeps_first_ssrcs_of_a_long_list);
    tcase_add_test(feedback, remb_rejects_bad_counts_lengths_and_bitrates);
    tcase_add_test(feedback, remb_every_truncation_after_a_report);
    tcase_add_test(feedback, remb_build_rejects_bad_arguments);
    tcase_add_test(feedback, tcc_feedback_counted_with_header_fields);
    tcase_add_test(feedback, tcc_rejects_empty_and_short_feedback);
    suite_add_tcase(s, feedback);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(net_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
