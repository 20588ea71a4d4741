/* The receive half of a call's media: RTP packets split into frames for
 * the jitter buffer (with Sotto's redundant copies offered beside them),
 * RTCP reports fed to the rate controller, and wire accounting. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "codec/sotto_payload.h"
#include "media/media_internal.h"
#include "net/red.h"

/* Frames of one framed payload: header format or plain concatenation. */
static int split_framed(const sotto_media *m, const uint8_t *payload, size_t len,
                        sotto_payload_view *v)
{
    if (m->p.inband_redundancy)
        return sotto_payload_parse(payload, len, v);
    if (len == 0 || len % m->frame_bytes || len / m->frame_bytes > SOTTO_PAYLOAD_MAX_PRIMARY)
        return -1;
    v->frame_bytes = m->frame_bytes;
    v->redundant = NULL;
    v->redundant_count = 0;
    v->primary = payload;
    v->primary_count = len / m->frame_bytes;
    return 0;
}

/* Playout periods (our frames) one received frame of bytes fills: 1, or
 * for a low-rate mode frame its duration in periods; 0 for a size we
 * cannot play. */
static size_t periods_of(const sotto_media *m, size_t bytes)
{
    if (bytes == m->frame_bytes)
        return 1;
    if (m->low_frame_ms && bytes == m->low_frame_bytes)
        return m->low_frame_ms / m->frame_ms;
    return 0;
}

/* Fills periods slots from one frame: the frame, then empty slots for the
 * rest of its duration (the codec hands out the rest of a long frame when
 * asked to fill a period that has no frame). */
static void frame_slots(const uint8_t *frame, size_t bytes, size_t periods, sotto_jitter_frame *out)
{
    for (size_t k = 0; k < periods; k++) {
        out[k].payload = k == 0 ? frame : NULL;
        out[k].len = k == 0 ? bytes : 0;
        out[k].silent = 0;
    }
}

static void insert_framed(sotto_media *m, const sotto_rtp_packet *rtp, uint64_t now_us)
{
    sotto_jitter_frame frames[SOTTO_PAYLOAD_MAX_PRIMARY * MAX_PERIODS_PER_FRAME];
    sotto_jitter_packet jp;
    sotto_payload_view v;
    size_t i, periods;

    if (split_framed(m, rtp->payload, rtp->payload_len, &v) < 0 ||
        (periods = periods_of(m, v.frame_bytes)) == 0 || periods > MAX_PERIODS_PER_FRAME) {
        m->bad_payloads++;
        return;
    }
    for (i = 0; i < v.primary_count; i++)
        frame_slots(v.primary + i * v.frame_bytes, v.frame_bytes, periods, frames + i * periods);
    jp.ssrc = rtp->ssrc;
    jp.seq = rtp->seq;
    jp.timestamp = rtp->timestamp;
    jp.frame_duration = m->ts_step;
    jp.untimed = 0;
    jp.frames = frames;
    jp.frame_count = v.primary_count * periods;
    sotto_jitter_insert(m->jitter, &jp, now_us);
    /* Copies of earlier frames: used only where the primary never came. */
    for (i = 0; i < v.redundant_count; i++) {
        sotto_jitter_frame f[MAX_PERIODS_PER_FRAME];
        uint32_t ts = rtp->timestamp - (uint32_t)((v.redundant_count - i) * periods) * m->ts_step;

        frame_slots(v.redundant + i * v.frame_bytes, v.frame_bytes, periods, f);
        for (size_t k = 0; k < periods; k++)
            sotto_jitter_insert_redundant(m->jitter, rtp->ssrc, ts + (uint32_t)k * m->ts_step,
                                          &f[k], now_us);
    }
    m->rx_redundant_frames = (uint32_t)v.redundant_count;
    m->rx_ptime_ms = (uint32_t)(v.primary_count * periods) * m->frame_ms;
    m->rx_low_mode = periods > 1;
}

/* Playout periods one payload of a variable-rate codec fills: an Opus
 * packet of up to 120 ms spans several of our frames (its first slot holds
 * the payload, the rest stay empty and play the rest of its decoded
 * audio); 1 when the codec cannot tell, 0 for a duration we cannot play. */
static size_t packet_periods(const sotto_media *m, const uint8_t *payload, size_t len)
{
    int n = sotto_codec_packet_samples(m->p.codec, payload, len);

    if (n == -ENOTSUP)
        return 1;
    if (n <= 0 || (size_t)n % m->codec_frame || (size_t)n / m->codec_frame > MAX_PERIODS_PER_PACKET)
        return 0;
    return (size_t)n / m->codec_frame;
}

static void insert_single(sotto_media *m, const sotto_rtp_packet *rtp, uint64_t now_us)
{
    sotto_jitter_frame frames[MAX_PERIODS_PER_PACKET];
    sotto_jitter_packet jp;
    size_t periods = packet_periods(m, rtp->payload, rtp->payload_len);

    if (periods == 0) {
        m->bad_payloads++;
        return;
    }
    frame_slots(rtp->payload, rtp->payload_len, periods, frames);
    /* Silent frames are where the jitter buffer prefers to shrink its delay. */
    frames[0].silent = sotto_codec_payload_silent(m->p.codec, rtp->payload, rtp->payload_len);
    jp.ssrc = rtp->ssrc;
    jp.seq = rtp->seq;
    jp.timestamp = rtp->timestamp;
    jp.frame_duration = m->ts_step;
    jp.untimed = 0;
    jp.frames = frames;
    jp.frame_count = periods;
    sotto_jitter_insert(m->jitter, &jp, now_us);
    m->rx_ptime_ms = (uint32_t)periods * m->frame_ms;
}

/* RFC 2198: the primary block is played, earlier copies fill losses. */
static void insert_red(sotto_media *m, const sotto_rtp_packet *rtp, uint64_t now_us)
{
    sotto_red_block blocks[4];
    sotto_rtp_packet primary = *rtp;
    size_t count, i;

    if (sotto_red_parse(rtp->payload, rtp->payload_len, blocks, 4, &count) < 0 ||
        blocks[count - 1].payload_type != m->p.payload_type) {
        m->bad_payloads++;
        return;
    }
    primary.payload = blocks[count - 1].data;
    primary.payload_len = blocks[count - 1].len;
    if (primary.payload_len)
        insert_single(m, &primary, now_us);
    for (i = 0; i + 1 < count; i++) {
        sotto_jitter_frame f[MAX_PERIODS_PER_PACKET];
        size_t periods, k;

        if (blocks[i].payload_type != m->p.payload_type || blocks[i].len == 0)
            continue;
        /* A copy of an earlier packet of one or more periods, ending where
         * the primary begins. */
        periods = packet_periods(m, blocks[i].data, blocks[i].len);
        if (periods == 0 || blocks[i].ts_offset != periods * m->ts_step)
            continue;
        frame_slots(blocks[i].data, blocks[i].len, periods, f);
        for (k = 0; k < periods; k++)
            sotto_jitter_insert_redundant(
                m->jitter, rtp->ssrc,
                rtp->timestamp - blocks[i].ts_offset + (uint32_t)k * m->ts_step, &f[k], now_us);
    }
    m->rx_redundant_frames = (uint32_t)(count - 1);
}

static void report_to_controller(sotto_media *m, const sotto_rtcp_report_block *rb,
                                 const sotto_rtcp_info *info, uint64_t now_us)
{
    sotto_ratectl_feedback fb;

    memset(&fb, 0, sizeof(fb));
    fb.fraction_lost = rb ? rb->fraction_lost / 256.0 : -1.0;
    fb.rtt_ms = m->rtt_ms;
    /* A browser's receive-side estimate caps what we send. */
    if (info->has_remb && info->remb.bitrate_bps > 0)
        fb.remb_bps =
            info->remb.bitrate_bps > UINT32_MAX ? UINT32_MAX : (uint32_t)info->remb.bitrate_bps;
    if (!rb && !fb.remb_bps)
        return;
    if (sotto_ratectl_update(m->ratectl, &fb, now_us) == 1)
        sotto__media_apply_decision(m);
}

static void receive_rtcp(sotto_media *m, const uint8_t *pkt, size_t len, uint64_t now_us)
{
    const sotto_rtcp_report_block *ours = NULL;
    sotto_rtcp_info info;
    uint32_t rtt;
    size_t i;

    if (sotto_rtcp_parse(pkt, len, &info) < 0)
        return;
    m->rtcp_received++;
    if (info.has_sr) {
        m->last_sr_ntp_short = sotto_ntp_short(info.sr.ntp);
        m->last_sr_arrival_us = now_us;
    }
    for (i = 0; i < info.report_count && i < SOTTO_RTCP_MAX_COUNT; i++) {
        const sotto_rtcp_report_block *rb = &info.reports[i];
        struct timespec ts;

        if (rb->ssrc != m->ssrc)
            continue;
        ours = rb;
        m->remote_loss = rb->fraction_lost / 256.0;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (rb->lsr &&
            sotto_rtcp_rtt(sotto_ntp_short(sotto_ntp_from_unix_ns(
                               (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec)),
                           rb->lsr, rb->dlsr, &rtt) == 0)
            m->rtt_ms = rtt * 1000.0 / 65536.0;
    }
    report_to_controller(m, ours, &info, now_us);
    for (i = 0; info.has_bye && i < info.bye_count && m->have_remote; i++)
        if (info.bye_ssrc[i] == m->remote_ssrc && !m->peer_bye_seen) {
            m->peer_bye_seen = 1;
            if (m->p.on_peer_bye)
                m->p.on_peer_bye(m->p.opaque);
        }
}

void sotto_media_receive(sotto_media *m, const uint8_t *pkt, size_t len, int is_rtcp,
                         uint64_t now_us)
{
    sotto_rtp_packet rtp;
    int64_t ext;

    if (!m)
        return;
    if (is_rtcp) {
        receive_rtcp(m, pkt, len, now_us);
        return;
    }
    if (sotto_rtp_parse(pkt, len, &rtp) < 0 ||
        (rtp.payload_type != m->p.payload_type && (int)rtp.payload_type != m->p.red_pt &&
         (int)rtp.payload_type != m->p.cn_pt))
        return;
    if (!m->have_remote || rtp.ssrc != m->remote_ssrc) {
        m->have_remote = 1;
        m->remote_ssrc = rtp.ssrc;
        sotto_rtp_seq_init(&m->rx_seq, rtp.seq, 1);
        sotto_rtp_jitter_init(&m->rx_jitter);
    }
    sotto_rtp_seq_update(&m->rx_seq, rtp.seq, &ext);
    sotto_rtp_jitter_update(&m->rx_jitter, rtp.timestamp,
                            (uint32_t)(now_us * (uint64_t)m->p.codec->clock_rate / 1000000u));
    m->packets_received++;
    m->payload_received += rtp.payload_len;
    sotto__media_meter_add(&m->payload_in, now_us, rtp.payload_len);
    if ((int)rtp.payload_type == m->p.cn_pt && rtp.payload_type != m->p.payload_type) {
        sotto__media_cn_rx(m, &rtp, now_us);
        return;
    }
    if (m->framed)
        insert_framed(m, &rtp, now_us);
    else if ((int)rtp.payload_type == m->p.red_pt)
        insert_red(m, &rtp, now_us);
    else
        insert_single(m, &rtp, now_us);
}

void sotto_media_count_wire(sotto_media *m, int outbound, size_t len, uint64_t now_us)
{
    size_t bytes = len + IPV4_UDP_HEADERS;

    if (!m)
        return;
    if (outbound) {
        m->wire_sent += bytes;
        sotto__media_meter_add(&m->wire_out, now_us, bytes);
        sotto__media_meter_add(&m->link_out, now_us, bytes + LINK_FRAMING);
        sotto__media_check_rate(m, now_us);
    } else {
        m->wire_received += bytes;
        sotto__media_meter_add(&m->wire_in, now_us, bytes);
    }
}
