/* RTCP compound and reduced-size packets (RFC 3550 section 6, RFC 5506):
 * walk and build; REMB and transport-cc feedback; NTP timestamps and
 * round-trip time. */
#include "net/net.h"

#include <errno.h>
#include <string.h>

#include "net/wire.h"

#define RTCP_VERSION 2
#define RTCP_HEADER 4               /* bytes: V/P/count, type, length */
#define RTCP_SR_INFO 24             /* bytes: SSRC + sender info */
#define RTCP_REPORT_BLOCK 24        /* bytes per report block */
#define RTCP_SDES_END 0
#define RTCP_SDES_CNAME 1
#define RTCP_TYPE_FIRST 192         /* RFC 5761: RTCP packet types lie in 192..223 */
#define RTCP_TYPE_LAST 223
#define RTCP_FB_SSRCS 8             /* bytes: sender and media SSRC of a feedback packet */
#define REMB_FIXED 16               /* bytes: SSRCs, "REMB", count, exponent and mantissa */
#define REMB_MANTISSA_MAX 0x3FFFFu  /* 18 bits */
#define TCC_MIN 18                  /* bytes: fixed fields and one status chunk */
#define NTP_UNIX_OFFSET 2208988800ull  /* seconds from 1900 to 1970 */
#define NTP_ERA_SECONDS 4294967296ull
#define NS_PER_S 1000000000ull

static size_t rtcp_align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static void rtcp_read_block(const uint8_t *p, sotto_rtcp_report_block *b)
{
    uint32_t lost = wire_get24(p + 5);
    b->ssrc = wire_get32(p);
    b->fraction_lost = p[4];
    b->cumulative_lost = (lost & 0x800000u) ? (int32_t)lost - 0x1000000 : (int32_t)lost;
    b->ext_highest_seq = wire_get32(p + 8);
    b->jitter = wire_get32(p + 12);
    b->lsr = wire_get32(p + 16);
    b->dlsr = wire_get32(p + 20);
}

static void rtcp_read_blocks(sotto_rtcp_info *info, const uint8_t *p, unsigned count)
{
    for (unsigned i = 0; i < count; i++, p += RTCP_REPORT_BLOCK) {
        if (info->report_count == SOTTO_RTCP_MAX_COUNT) {
            info->reports_dropped++;
            continue;
        }
        rtcp_read_block(p, &info->reports[info->report_count++]);
    }
}

static int rtcp_parse_sr(sotto_rtcp_info *info, const uint8_t *body, size_t len, unsigned count)
{
    /* Profile-specific extensions may follow the blocks: ignored. */
    if (len < RTCP_SR_INFO + (size_t)count * RTCP_REPORT_BLOCK)
        return -EINVAL;
    if (!info->has_sr) {
        info->has_sr = 1;
        info->sr.ssrc = wire_get32(body);
        info->sr.ntp = ((uint64_t)wire_get32(body + 4) << 32) | wire_get32(body + 8);
        info->sr.rtp_ts = wire_get32(body + 12);
        info->sr.packet_count = wire_get32(body + 16);
        info->sr.octet_count = wire_get32(body + 20);
    }
    rtcp_read_blocks(info, body + RTCP_SR_INFO, count);
    return 0;
}

static int rtcp_parse_rr(sotto_rtcp_info *info, const uint8_t *body, size_t len, unsigned count)
{
    if (len < 4 + (size_t)count * RTCP_REPORT_BLOCK)
        return -EINVAL;
    if (!info->has_rr) {
        info->has_rr = 1;
        info->rr_ssrc = wire_get32(body);
    }
    rtcp_read_blocks(info, body + 4, count);
    return 0;
}

/* One SDES chunk from *pos: SSRC, items up to a null octet, padding to
 * 32 bits. Keeps the CNAME. */
static int rtcp_parse_sdes_chunk(sotto_rtcp_info *info, const uint8_t *body, size_t len, size_t *pos)
{
    size_t p = *pos;
    if (len - p < 4)
        return -EINVAL;
    uint32_t ssrc = wire_get32(body + p);
    p += 4;
    for (;;) {
        if (p >= len)
            return -EINVAL;                 /* no end marker */
        uint8_t type = body[p];
        if (type == RTCP_SDES_END)
            break;
        if (len - p < 2 || len - p - 2 < body[p + 1])
            return -EINVAL;
        uint8_t item_len = body[p + 1];
        if (type == RTCP_SDES_CNAME && info->cname_count < SOTTO_RTCP_MAX_COUNT) {
            sotto_rtcp_cname *c = &info->cnames[info->cname_count++];
            c->ssrc = ssrc;
            c->text = (const char *)body + p + 2;
            c->len = item_len;
        }
        p += 2u + item_len;
    }
    p = rtcp_align4(p + 1);
    if (p > len)
        return -EINVAL;
    *pos = p;
    return 0;
}

static int rtcp_parse_sdes(sotto_rtcp_info *info, const uint8_t *body, size_t len, unsigned count)
{
    size_t pos = 0;
    for (unsigned i = 0; i < count; i++) {
        int rc = rtcp_parse_sdes_chunk(info, body, len, &pos);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int rtcp_parse_bye(sotto_rtcp_info *info, const uint8_t *body, size_t len, unsigned count)
{
    size_t pos = 4u * count;
    if (len < pos)
        return -EINVAL;
    info->has_bye = 1;
    for (unsigned i = 0; i < count && info->bye_count < SOTTO_RTCP_MAX_COUNT; i++)
        info->bye_ssrc[info->bye_count++] = wire_get32(body + 4 * i);
    if (len > pos) {
        uint8_t reason_len = body[pos];
        if (len - pos - 1 < reason_len)
            return -EINVAL;
        if (!info->bye_reason) {
            info->bye_reason = (const char *)body + pos + 1;
            info->bye_reason_len = reason_len;
        }
    }
    return 0;
}

static void rtcp_keep_other(sotto_rtcp_info *info, uint8_t type, unsigned count,
                            const uint8_t *body, size_t len)
{
    if (info->other_count < SOTTO_RTCP_MAX_OTHER) {
        sotto_rtcp_other *o = &info->other[info->other_count];
        o->type = type;
        o->count = (uint8_t)count;
        o->body = body;
        o->len = len;
    }
    info->other_count++;
}

static int rtcp_is_remb(const uint8_t *body, size_t len)
{
    return len >= RTCP_FB_SSRCS + 4 && memcmp(body + RTCP_FB_SSRCS, "REMB", 4) == 0;
}

/* PSFB: decodes a REMB; other payload-specific feedback is only listed. */
static int rtcp_parse_psfb(sotto_rtcp_info *info, unsigned fmt, const uint8_t *body, size_t len)
{
    rtcp_keep_other(info, SOTTO_RTCP_PSFB, fmt, body, len);
    if (fmt != SOTTO_RTCP_FMT_REMB || !rtcp_is_remb(body, len))
        return 0;
    if (len < REMB_FIXED)
        return -EINVAL;
    size_t ssrc_count = body[12];
    if (len != REMB_FIXED + 4 * ssrc_count)
        return -EINVAL;
    unsigned exponent = body[13] >> 2;
    uint64_t mantissa = wire_get24(body + 13) & REMB_MANTISSA_MAX;
    uint64_t bitrate = mantissa << exponent;
    if (bitrate >> exponent != mantissa)
        return -EINVAL;                     /* does not fit 64 bits */
    if (info->has_remb)
        return 0;
    info->has_remb = 1;
    info->remb.sender_ssrc = wire_get32(body);
    info->remb.bitrate_bps = bitrate;
    info->remb.ssrc_count = ssrc_count;
    for (size_t i = 0; i < ssrc_count && i < SOTTO_RTCP_REMB_MAX_SSRC; i++)
        info->remb.ssrcs[i] = wire_get32(body + REMB_FIXED + 4 * i);
    return 0;
}

/* RTPFB: counts transport-cc feedback and keeps its first fixed fields. */
static int rtcp_parse_rtpfb(sotto_rtcp_info *info, unsigned fmt, const uint8_t *body, size_t len)
{
    rtcp_keep_other(info, SOTTO_RTCP_RTPFB, fmt, body, len);
    if (fmt != SOTTO_RTCP_FMT_TCC)
        return 0;
    if (len < TCC_MIN || wire_get16(body + 10) == 0)
        return -EINVAL;
    if (info->tcc_count++ > 0)
        return 0;
    uint32_t ref = wire_get24(body + 12);
    info->tcc.sender_ssrc = wire_get32(body);
    info->tcc.media_ssrc = wire_get32(body + 4);
    info->tcc.base_seq = wire_get16(body + 8);
    info->tcc.status_count = wire_get16(body + 10);
    info->tcc.reference_time = (ref & 0x800000u) ? (int32_t)ref - 0x1000000 : (int32_t)ref;
    info->tcc.feedback_count = body[15];
    return 0;
}

static int rtcp_parse_packet(sotto_rtcp_info *info, uint8_t type, unsigned count,
                             const uint8_t *body, size_t len)
{
    switch (type) {
    case SOTTO_RTCP_SR:
        return rtcp_parse_sr(info, body, len, count);
    case SOTTO_RTCP_RR:
        return rtcp_parse_rr(info, body, len, count);
    case SOTTO_RTCP_SDES:
        return rtcp_parse_sdes(info, body, len, count);
    case SOTTO_RTCP_BYE:
        return rtcp_parse_bye(info, body, len, count);
    case SOTTO_RTCP_RTPFB:
        return rtcp_parse_rtpfb(info, count, body, len);
    case SOTTO_RTCP_PSFB:
        return rtcp_parse_psfb(info, count, body, len);
    default:
        rtcp_keep_other(info, type, count, body, len);
        return 0;
    }
}

int sotto_rtcp_parse(const uint8_t *buf, size_t len, sotto_rtcp_info *out_info)
{
    sotto_rtcp_info info;
    size_t pos = 0;
    int starts_with_report = 0;

    if (!buf || !out_info || len < RTCP_HEADER)
        return -EINVAL;
    memset(&info, 0, sizeof(info));
    while (pos < len) {
        if (len - pos < RTCP_HEADER || (buf[pos] >> 6) != RTCP_VERSION)
            return -EINVAL;
        const uint8_t *hdr = buf + pos;
        unsigned count = hdr[0] & 0x1F;
        uint8_t type = hdr[1];
        size_t packet_len = 4u * ((size_t)wire_get16(hdr + 2) + 1);
        if (packet_len > len - pos)
            return -EINVAL;
        size_t body_len = packet_len - RTCP_HEADER;
        if (hdr[0] & 0x20) {
            /* Only the last packet of a compound may carry padding. */
            uint8_t pad = hdr[packet_len - 1];
            if (pos + packet_len != len || pad == 0 || pad > body_len)
                return -EINVAL;
            body_len -= pad;
        }
        if (type < RTCP_TYPE_FIRST || type > RTCP_TYPE_LAST)
            return -EINVAL;                 /* not RTCP: RTP or garbage */
        if (info.packet_count == 0) {
            if (type < SOTTO_RTCP_SR || type > SOTTO_RTCP_XR)
                return -EINVAL;             /* no datagram may start with it */
            starts_with_report = type == SOTTO_RTCP_SR || type == SOTTO_RTCP_RR;
        }
        int rc = rtcp_parse_packet(&info, type, count, hdr + RTCP_HEADER, body_len);
        if (rc != 0)
            return rc;
        info.packet_count++;
        pos += packet_len;
    }
    info.reduced_size = !starts_with_report || info.cname_count == 0;
    *out_info = info;
    return 0;
}

static int rtcp_build_sizes(const sotto_rtcp_build_params *p, size_t *out_report,
                            size_t *out_sdes, size_t *out_bye)
{
    if (p->report_count > SOTTO_RTCP_MAX_COUNT || (p->report_count > 0 && !p->reports)
        || (p->reduced_size != 0 && p->reduced_size != 1) || (!p->reduced_size && !p->cname)
        || (p->is_sender != 0 && p->is_sender != 1) || (p->bye != 0 && p->bye != 1))
        return -EINVAL;
    size_t cname_len = p->reduced_size ? 0 : strlen(p->cname);
    size_t reason_len = p->bye && p->bye_reason ? strlen(p->bye_reason) : 0;
    if ((!p->reduced_size && cname_len < 1) || cname_len > 255 || reason_len > 255)
        return -EINVAL;
    *out_report = RTCP_HEADER + (p->is_sender ? RTCP_SR_INFO : 4u)
                  + p->report_count * RTCP_REPORT_BLOCK;
    *out_sdes = p->reduced_size ? 0 : RTCP_HEADER + rtcp_align4(4 + 2 + cname_len + 1);
    *out_bye = p->bye ? RTCP_HEADER + 4 + (reason_len > 0 ? rtcp_align4(1 + reason_len) : 0) : 0;
    return 0;
}

static void rtcp_put_header(uint8_t *p, unsigned count, uint8_t type, size_t packet_len)
{
    p[0] = (uint8_t)((RTCP_VERSION << 6) | count);
    p[1] = type;
    wire_put16(p + 2, (uint16_t)(packet_len / 4 - 1));
}

static void rtcp_put_block(uint8_t *p, const sotto_rtcp_report_block *b)
{
    int32_t lost = b->cumulative_lost;
    if (lost > 0x7FFFFF)
        lost = 0x7FFFFF;
    if (lost < -0x800000)
        lost = -0x800000;
    wire_put32(p, b->ssrc);
    p[4] = b->fraction_lost;
    wire_put24(p + 5, (uint32_t)lost & 0xFFFFFFu);
    wire_put32(p + 8, b->ext_highest_seq);
    wire_put32(p + 12, b->jitter);
    wire_put32(p + 16, b->lsr);
    wire_put32(p + 20, b->dlsr);
}

int sotto_rtcp_build(const sotto_rtcp_build_params *p, uint8_t *buf, size_t cap, size_t *out_len)
{
    size_t report_len, sdes_len, bye_len;

    if (!p || !buf || !out_len || rtcp_build_sizes(p, &report_len, &sdes_len, &bye_len) != 0)
        return -EINVAL;
    size_t total = report_len + sdes_len + bye_len;
    if (total > cap)
        return -ENOSPC;
    memset(buf, 0, total);

    uint32_t ssrc = p->is_sender ? p->sr.ssrc : p->ssrc;
    uint8_t *w = buf;
    rtcp_put_header(w, (unsigned)p->report_count, p->is_sender ? SOTTO_RTCP_SR : SOTTO_RTCP_RR,
                    report_len);
    wire_put32(w + 4, ssrc);
    w += 8;
    if (p->is_sender) {
        wire_put32(w, (uint32_t)(p->sr.ntp >> 32));
        wire_put32(w + 4, (uint32_t)p->sr.ntp);
        wire_put32(w + 8, p->sr.rtp_ts);
        wire_put32(w + 12, p->sr.packet_count);
        wire_put32(w + 16, p->sr.octet_count);
        w += 20;
    }
    for (size_t i = 0; i < p->report_count; i++, w += RTCP_REPORT_BLOCK)
        rtcp_put_block(w, &p->reports[i]);

    if (sdes_len > 0) {
        size_t cname_len = strlen(p->cname);
        rtcp_put_header(w, 1, SOTTO_RTCP_SDES, sdes_len);
        wire_put32(w + 4, ssrc);
        w[8] = RTCP_SDES_CNAME;
        w[9] = (uint8_t)cname_len;
        memcpy(w + 10, p->cname, cname_len);   /* end marker and padding are the zeroed bytes */
        w += sdes_len;
    }

    if (p->bye) {
        size_t reason_len = p->bye_reason ? strlen(p->bye_reason) : 0;
        rtcp_put_header(w, 1, SOTTO_RTCP_BYE, bye_len);
        wire_put32(w + 4, ssrc);
        if (reason_len > 0) {
            w[8] = (uint8_t)reason_len;
            memcpy(w + 9, p->bye_reason, reason_len);
        }
    }
    *out_len = total;
    return 0;
}

int sotto_rtcp_build_remb(const sotto_rtcp_remb *remb, uint8_t *buf, size_t cap, size_t *out_len)
{
    unsigned exponent = 0;

    if (!remb || !buf || !out_len || remb->ssrc_count > SOTTO_RTCP_REMB_MAX_SSRC)
        return -EINVAL;
    size_t total = SOTTO_RTCP_REMB_SIZE(remb->ssrc_count);
    if (total > cap)
        return -ENOSPC;
    /* Smallest exponent that fits: keeps the most precision. At most 46
     * for any 64-bit rate, so the 6-bit field always suffices. */
    while ((remb->bitrate_bps >> exponent) > REMB_MANTISSA_MAX)
        exponent++;
    uint32_t mantissa = (uint32_t)(remb->bitrate_bps >> exponent);
    memset(buf, 0, total);
    rtcp_put_header(buf, SOTTO_RTCP_FMT_REMB, SOTTO_RTCP_PSFB, total);
    wire_put32(buf + 4, remb->sender_ssrc);   /* media SSRC at 8 stays 0 */
    memcpy(buf + 12, "REMB", 4);
    buf[16] = (uint8_t)remb->ssrc_count;
    wire_put24(buf + 17, ((uint32_t)exponent << 18) | mantissa);
    for (size_t i = 0; i < remb->ssrc_count; i++)
        wire_put32(buf + 20 + 4 * i, remb->ssrcs[i]);
    *out_len = total;
    return 0;
}

uint64_t sotto_ntp_from_unix_ns(uint64_t unix_ns)
{
    uint64_t seconds = unix_ns / NS_PER_S + NTP_UNIX_OFFSET;
    uint64_t frac = ((unix_ns % NS_PER_S) << 32) / NS_PER_S;
    return ((seconds % NTP_ERA_SECONDS) << 32) | frac;
}

uint64_t sotto_ntp_to_unix_ns(uint64_t ntp)
{
    uint64_t seconds = ntp >> 32;
    uint64_t frac = ntp & 0xFFFFFFFFu;
    uint64_t unix_s;

    /* RFC 4330: MSB set means era 0 (1968-2036), clear means era 1. */
    if (seconds & 0x80000000u) {
        if (seconds < NTP_UNIX_OFFSET)
            return 0;                       /* before 1970: not representable */
        unix_s = seconds - NTP_UNIX_OFFSET;
    } else {
        unix_s = seconds + NTP_ERA_SECONDS - NTP_UNIX_OFFSET;
    }
    return unix_s * NS_PER_S + ((frac * NS_PER_S + (1ull << 31)) >> 32);
}

uint32_t sotto_ntp_short(uint64_t ntp)
{
    return (uint32_t)(ntp >> 16);
}

int sotto_rtcp_rtt(uint32_t arrival, uint32_t lsr, uint32_t dlsr, uint32_t *out_rtt)
{
    if (!out_rtt)
        return -EINVAL;
    if (lsr == 0)
        return -ENODATA;
    uint32_t since_sr = arrival - lsr;    /* modular: the short clock wraps every 18 h */
    if (since_sr < dlsr)
        return -ERANGE;
    *out_rtt = since_sr - dlsr;
    return 0;
}
