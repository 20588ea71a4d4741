/* libFuzzer target for net/: the RTP and RTCP parsers on arbitrary bytes.
 * Every RTP packet that parses must pack again and parse back to the same
 * fields; every RTCP pointer must stay inside the input; every REMB must
 * build again and parse back to the same estimate. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const void *p, size_t len, const uint8_t *data, size_t size)
{
    const uint8_t *b = p;
    return b >= data && b <= data + size && len <= (size_t)(data + size - b);
}

static void check_rtp(const uint8_t *data, size_t size)
{
    sotto_rtp_packet pkt, again;
    static uint8_t buf[70000 + 512];
    size_t len = 0;

    if (sotto_rtp_parse(data, size, &pkt) != 0)
        return;
    if (!inside(pkt.payload, pkt.payload_len, data, size)
        || (pkt.ext_body && !inside(pkt.ext_body, pkt.ext_body_len, data, size)))
        abort();
    for (size_t i = 0; i < pkt.ext_count; i++) {
        if (!inside(pkt.ext[i].data, pkt.ext[i].len, data, size))
            abort();
    }
    if (sotto_rtp_pack(&pkt, buf, sizeof(buf), &len) != 0 || len > size)
        abort();
    if (sotto_rtp_parse(buf, len, &again) != 0)
        abort();
    if (again.seq != pkt.seq || again.timestamp != pkt.timestamp || again.ssrc != pkt.ssrc
        || again.marker != pkt.marker || again.payload_type != pkt.payload_type
        || again.csrc_count != pkt.csrc_count
        || memcmp(again.csrc, pkt.csrc, sizeof(pkt.csrc[0]) * pkt.csrc_count) != 0
        || again.ext_count != pkt.ext_count || again.payload_len != pkt.payload_len
        || again.padding_len != pkt.padding_len
        || memcmp(again.payload, pkt.payload, pkt.payload_len) != 0)
        abort();
    for (size_t i = 0; i < pkt.ext_count; i++) {
        if (again.ext[i].id != pkt.ext[i].id || again.ext[i].len != pkt.ext[i].len
            || memcmp(again.ext[i].data, pkt.ext[i].data, pkt.ext[i].len) != 0)
            abort();
    }
}

/* A REMB that parsed carries an exactly representable bitrate: built
 * again (with the SSRCs kept) it must parse back to the same values. */
static void check_remb(const sotto_rtcp_remb *remb)
{
    sotto_rtcp_remb again = *remb;
    sotto_rtcp_info info;
    uint8_t buf[SOTTO_RTCP_REMB_SIZE(SOTTO_RTCP_REMB_MAX_SSRC)];
    size_t len = 0;

    if (remb->ssrc_count > 255)
        abort();
    if (again.ssrc_count > SOTTO_RTCP_REMB_MAX_SSRC)
        again.ssrc_count = SOTTO_RTCP_REMB_MAX_SSRC;
    if (sotto_rtcp_build_remb(&again, buf, sizeof(buf), &len) != 0
        || sotto_rtcp_parse(buf, len, &info) != 0 || !info.has_remb
        || info.remb.bitrate_bps != remb->bitrate_bps
        || info.remb.sender_ssrc != remb->sender_ssrc
        || info.remb.ssrc_count != again.ssrc_count
        || memcmp(info.remb.ssrcs, remb->ssrcs, again.ssrc_count * sizeof(uint32_t)) != 0)
        abort();
}

static void check_rtcp(const uint8_t *data, size_t size)
{
    sotto_rtcp_info info;

    if (sotto_rtcp_parse(data, size, &info) != 0)
        return;
    if (info.report_count > SOTTO_RTCP_MAX_COUNT || info.cname_count > SOTTO_RTCP_MAX_COUNT
        || info.bye_count > SOTTO_RTCP_MAX_COUNT || info.packet_count == 0)
        abort();
    for (size_t i = 0; i < info.cname_count; i++) {
        if (!inside(info.cnames[i].text, info.cnames[i].len, data, size))
            abort();
    }
    if (info.bye_reason && !inside(info.bye_reason, info.bye_reason_len, data, size))
        abort();
    for (size_t i = 0; i < info.other_count && i < SOTTO_RTCP_MAX_OTHER; i++) {
        if (!inside(info.other[i].body, info.other[i].len, data, size))
            abort();
    }
    if ((info.tcc_count > 0 && info.tcc.status_count == 0) || info.tcc_count > info.other_count)
        abort();
    if (info.has_remb)
        check_remb(&info.remb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy so the sanitizer sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    check_rtp(copy, size);
    check_rtcp(copy, size);
    free(copy);
    return 0;
}
