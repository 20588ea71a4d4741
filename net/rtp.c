/* RTP fixed header, CSRC list, RFC 8285 header extensions and padding;
 * receive-side sequence and jitter bookkeeping from RFC 3550 appendix A. */
#include "net/net.h"

#include <errno.h>
#include <string.h>

#include "net/wire.h"

#define RTP_VERSION 2
#define RTP_EXT_MAX_BODY (65535u * 4u)   /* bytes: 16-bit length in 32-bit words */
#define RTP_SEQ_MOD 65536u
#define RTP_MAX_DROPOUT 3000u            /* packets ahead still taken as in sequence */
#define RTP_MAX_MISORDER 100u            /* packets behind still taken as reordered */
#define RTP_MIN_SEQUENTIAL_MAX 100u

static int rtp_ext_is_one_byte(uint16_t profile)
{
    return profile == SOTTO_RTP_EXT_ONE_BYTE;
}

static int rtp_ext_is_two_byte(uint16_t profile)
{
    return (profile & 0xFFF0u) == SOTTO_RTP_EXT_TWO_BYTE;
}

/* Splits an RFC 8285 extension block into elements. */
static int rtp_parse_ext_elements(sotto_rtp_packet *pkt)
{
    const uint8_t *body = pkt->ext_body;
    size_t len = pkt->ext_body_len;
    int one_byte = rtp_ext_is_one_byte(pkt->ext_profile);
    size_t pos = 0;

    while (pos < len) {
        uint8_t first = body[pos];
        uint8_t id, elem_len;
        size_t head;

        if (first == 0) {           /* padding byte, allowed between elements */
            pos++;
            continue;
        }
        if (one_byte) {
            id = first >> 4;
            if (id == 15)           /* reserved: RFC 8285 says stop parsing here */
                break;
            if (id == 0)            /* id 0 is padding only, never with a length */
                return -EINVAL;
            elem_len = (uint8_t)((first & 0x0F) + 1);
            head = 1;
        } else {
            if (len - pos < 2)
                return -EINVAL;
            id = first;
            elem_len = body[pos + 1];
            head = 2;
        }
        if (len - pos - head < elem_len)
            return -EINVAL;
        if (pkt->ext_count == SOTTO_RTP_MAX_EXT)
            return -EINVAL;
        pkt->ext[pkt->ext_count].id = id;
        pkt->ext[pkt->ext_count].len = elem_len;
        pkt->ext[pkt->ext_count].data = body + pos + head;
        pkt->ext_count++;
        pos += head + elem_len;
    }
    return 0;
}

int sotto_rtp_parse(const uint8_t *buf, size_t len, sotto_rtp_packet *out_pkt)
{
    sotto_rtp_packet pkt;
    size_t pos, end;

    if (!buf || !out_pkt || len < SOTTO_RTP_HEADER_MIN)
        return -EINVAL;
    if ((buf[0] >> 6) != RTP_VERSION)
        return -EINVAL;
    memset(&pkt, 0, sizeof(pkt));
    pkt.has_extension = (buf[0] >> 4) & 1;
    pkt.csrc_count = buf[0] & 0x0F;
    pkt.marker = buf[1] >> 7;
    pkt.payload_type = buf[1] & 0x7F;
    pkt.seq = wire_get16(buf + 2);
    pkt.timestamp = wire_get32(buf + 4);
    pkt.ssrc = wire_get32(buf + 8);

    pos = SOTTO_RTP_HEADER_MIN;
    if (len - pos < 4u * pkt.csrc_count)
        return -EINVAL;
    for (unsigned i = 0; i < pkt.csrc_count; i++, pos += 4)
        pkt.csrc[i] = wire_get32(buf + pos);

    if (pkt.has_extension) {
        if (len - pos < 4)
            return -EINVAL;
        pkt.ext_profile = wire_get16(buf + pos);
        pkt.ext_body_len = 4u * wire_get16(buf + pos + 2);
        pos += 4;
        if (len - pos < pkt.ext_body_len)
            return -EINVAL;
        pkt.ext_body = buf + pos;
        pos += pkt.ext_body_len;
        if (rtp_ext_is_one_byte(pkt.ext_profile) || rtp_ext_is_two_byte(pkt.ext_profile)) {
            int rc = rtp_parse_ext_elements(&pkt);
            if (rc != 0)
                return rc;
        }
    }

    end = len;
    if (buf[0] & 0x20) {
        /* The count includes itself and must fit after the headers. */
        uint8_t count = buf[len - 1];
        if (count == 0 || count > len - pos)
            return -EINVAL;
        pkt.padding_len = count;
        end -= count;
    }
    pkt.payload = buf + pos;
    pkt.payload_len = end - pos;
    *out_pkt = pkt;
    return 0;
}

/* Bytes of the extension body the elements need, 32-bit aligned; 0 when
 * an element cannot be written in the profile's form. */
static size_t rtp_ext_elements_size(const sotto_rtp_packet *pkt)
{
    int one_byte = rtp_ext_is_one_byte(pkt->ext_profile);
    size_t total = 0;

    if (!one_byte && !rtp_ext_is_two_byte(pkt->ext_profile))
        return 0;
    for (size_t i = 0; i < pkt->ext_count; i++) {
        const sotto_rtp_ext *e = &pkt->ext[i];
        if (e->len > 0 && !e->data)
            return 0;
        if (one_byte && (e->id < 1 || e->id > 14 || e->len < 1 || e->len > 16))
            return 0;
        if (!one_byte && e->id < 1)
            return 0;
        total += (one_byte ? 1u : 2u) + e->len;
    }
    return (total + 3) & ~(size_t)3;
}

/* Bytes between the fixed header (with CSRCs) and the payload. */
static int rtp_ext_size(const sotto_rtp_packet *pkt, size_t *out_size)
{
    size_t body;

    if (!pkt->has_extension) {
        if (pkt->ext_count != 0)
            return -EINVAL;
        *out_size = 0;
        return 0;
    }
    if (pkt->ext_count > SOTTO_RTP_MAX_EXT)
        return -EINVAL;
    if (pkt->ext_count > 0) {
        body = rtp_ext_elements_size(pkt);
        if (body == 0)
            return -EINVAL;
    } else {
        body = pkt->ext_body_len;
        if (body % 4 != 0 || (body > 0 && !pkt->ext_body))
            return -EINVAL;
    }
    if (body > RTP_EXT_MAX_BODY)
        return -EINVAL;
    *out_size = 4 + body;
    return 0;
}

size_t sotto_rtp_packed_size(const sotto_rtp_packet *pkt)
{
    size_t ext_size, head;

    if (!pkt || pkt->payload_type > 127 || (pkt->marker != 0 && pkt->marker != 1)
        || pkt->csrc_count > SOTTO_RTP_MAX_CSRC
        || (pkt->has_extension != 0 && pkt->has_extension != 1)
        || (pkt->payload_len > 0 && !pkt->payload))
        return 0;
    if (rtp_ext_size(pkt, &ext_size) != 0)
        return 0;
    head = SOTTO_RTP_HEADER_MIN + 4u * pkt->csrc_count + ext_size;
    if (pkt->payload_len > SIZE_MAX - head - pkt->padding_len)
        return 0;
    return head + pkt->payload_len + pkt->padding_len;
}

static void rtp_write_ext(const sotto_rtp_packet *pkt, uint8_t *p, size_t ext_size)
{
    size_t body = ext_size - 4;
    size_t pos = 4;

    wire_put16(p, pkt->ext_profile);
    wire_put16(p + 2, (uint16_t)(body / 4));
    if (pkt->ext_count == 0) {
        if (body > 0)
            memcpy(p + 4, pkt->ext_body, body);
        return;
    }
    memset(p + 4, 0, body);
    for (size_t i = 0; i < pkt->ext_count; i++) {
        const sotto_rtp_ext *e = &pkt->ext[i];
        if (rtp_ext_is_one_byte(pkt->ext_profile)) {
            p[pos++] = (uint8_t)((e->id << 4) | (e->len - 1));
        } else {
            p[pos++] = e->id;
            p[pos++] = e->len;
        }
        if (e->len > 0)
            memcpy(p + pos, e->data, e->len);
        pos += e->len;
    }
}

int sotto_rtp_pack(const sotto_rtp_packet *pkt, uint8_t *buf, size_t cap, size_t *out_len)
{
    size_t total, ext_size, head;

    if (!pkt || !buf || !out_len)
        return -EINVAL;
    total = sotto_rtp_packed_size(pkt);
    if (total == 0 || rtp_ext_size(pkt, &ext_size) != 0)
        return -EINVAL;
    if (total > cap)
        return -ENOSPC;
    head = SOTTO_RTP_HEADER_MIN + 4u * pkt->csrc_count + ext_size;

    /* Payload first: it may already sit in buf where it belongs. */
    if (pkt->payload_len > 0)
        memmove(buf + head, pkt->payload, pkt->payload_len);
    if (pkt->padding_len > 0) {
        memset(buf + head + pkt->payload_len, 0, pkt->padding_len);
        buf[total - 1] = pkt->padding_len;
    }
    buf[0] = (uint8_t)((RTP_VERSION << 6) | (pkt->padding_len > 0 ? 0x20 : 0)
                       | (pkt->has_extension << 4) | pkt->csrc_count);
    buf[1] = (uint8_t)((pkt->marker << 7) | pkt->payload_type);
    wire_put16(buf + 2, pkt->seq);
    wire_put32(buf + 4, pkt->timestamp);
    wire_put32(buf + 8, pkt->ssrc);
    for (unsigned i = 0; i < pkt->csrc_count; i++)
        wire_put32(buf + SOTTO_RTP_HEADER_MIN + 4 * i, pkt->csrc[i]);
    if (pkt->has_extension)
        rtp_write_ext(pkt, buf + SOTTO_RTP_HEADER_MIN + 4u * pkt->csrc_count, ext_size);
    *out_len = total;
    return 0;
}

static void rtp_seq_restart(sotto_rtp_seq *s, uint16_t seq)
{
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = RTP_SEQ_MOD + 1;   /* so seq == bad_seq is false */
    s->cycles = 0;
    s->received = 0;
    s->received_prior = 0;
    s->expected_prior = 0;
}

int sotto_rtp_seq_init(sotto_rtp_seq *s, uint16_t seq, unsigned min_sequential)
{
    if (!s || min_sequential < 1 || min_sequential > RTP_MIN_SEQUENTIAL_MAX)
        return -EINVAL;
    rtp_seq_restart(s, seq);
    s->max_seq = (uint16_t)(seq - 1);
    s->probation = min_sequential;
    s->min_sequential = min_sequential;
    return 0;
}

/* Extended number of seq relative to the (already updated) highest one:
 * the 16-bit distance is taken as signed, so late packets from before a
 * wrap land in the previous cycle. */
static int64_t rtp_seq_extended(const sotto_rtp_seq *s, uint16_t seq)
{
    int16_t delta = (int16_t)(uint16_t)(seq - s->max_seq);
    return (int64_t)s->cycles + s->max_seq + delta;
}

int sotto_rtp_seq_update(sotto_rtp_seq *s, uint16_t seq, int64_t *out_ext_seq)
{
    if (!s || !out_ext_seq)
        return -EINVAL;
    uint16_t udelta = (uint16_t)(seq - s->max_seq);

    if (s->probation > 0) {
        if (seq == (uint16_t)(s->max_seq + 1))
            s->probation--;
        else
            s->probation = s->min_sequential - 1;
        s->max_seq = seq;
        if (s->probation > 0)
            return -EAGAIN;
        rtp_seq_restart(s, seq);
    } else if (udelta < RTP_MAX_DROPOUT) {
        if (seq < s->max_seq)
            s->cycles += RTP_SEQ_MOD;
        s->max_seq = seq;
    } else if (udelta <= RTP_SEQ_MOD - RTP_MAX_MISORDER) {
        /* A big jump: believe it only when the next packet confirms it. */
        if (seq != s->bad_seq) {
            s->bad_seq = (seq + 1u) & (RTP_SEQ_MOD - 1);
            return -ERANGE;
        }
        rtp_seq_restart(s, seq);
    }
    /* Otherwise a duplicate or reordered packet: counted, max unchanged. */
    s->received++;
    *out_ext_seq = rtp_seq_extended(s, seq);
    return 0;
}

int sotto_rtp_seq_report(sotto_rtp_seq *s, uint8_t *out_fraction_lost,
                         int32_t *out_cumulative_lost, uint32_t *out_ext_max_seq)
{
    if (!s || !out_fraction_lost || !out_cumulative_lost || !out_ext_max_seq)
        return -EINVAL;
    uint32_t ext_max = s->cycles + s->max_seq;
    int64_t expected = (int64_t)ext_max - s->base_seq + 1;
    int64_t lost = expected - s->received;
    /* The wire field is 24-bit signed. */
    if (lost > 0x7FFFFF)
        lost = 0x7FFFFF;
    if (lost < -0x800000)
        lost = -0x800000;

    int64_t expected_interval = expected - s->expected_prior;
    int64_t received_interval = (int64_t)s->received - s->received_prior;
    int64_t lost_interval = expected_interval - received_interval;
    s->expected_prior = (uint32_t)expected;
    s->received_prior = s->received;

    uint8_t fraction = 0;
    if (expected_interval > 0 && lost_interval > 0) {
        int64_t f = (lost_interval << 8) / expected_interval;
        fraction = (uint8_t)(f > 255 ? 255 : f);
    }
    *out_fraction_lost = fraction;
    *out_cumulative_lost = (int32_t)lost;
    *out_ext_max_seq = ext_max;
    return 0;
}

int sotto_rtp_jitter_init(sotto_rtp_jitter *j)
{
    if (!j)
        return -EINVAL;
    memset(j, 0, sizeof(*j));
    return 0;
}

int sotto_rtp_jitter_update(sotto_rtp_jitter *j, uint32_t rtp_ts, uint32_t arrival)
{
    if (!j)
        return -EINVAL;
    uint32_t transit = arrival - rtp_ts;
    if (!j->has_transit) {
        j->last_transit = transit;
        j->has_transit = 1;
        return 0;
    }
    /* |D| from the modular difference, so either clock may wrap. */
    uint32_t d = transit - j->last_transit;
    if (d & 0x80000000u)
        d = 0u - d;
    j->last_transit = transit;
    uint64_t next = (uint64_t)j->jitter_q4 + d - (((uint64_t)j->jitter_q4 + 8u) >> 4);
    j->jitter_q4 = next > UINT32_MAX ? UINT32_MAX : (uint32_t)next;
    return 0;
}

uint32_t sotto_rtp_jitter_value(const sotto_rtp_jitter *j)
{
    return j ? j->jitter_q4 >> 4 : 0;
}
