/* The send half of a call's media: capture -> codec -> packets. Framed
 * codecs (Sotto) are encoded one frame at a time and packed here, as many
 * frames per packet and as many repeated earlier frames as the rate
 * controller decided; other codecs send one encoded packet per ptime and
 * get their bit rate retuned. */
#include <string.h>

#include "codec/sotto_payload.h"
#include "media/media_internal.h"
#include "net/red.h"

static void send_payload_as(sotto_media *m, uint8_t pt, const uint8_t *payload, size_t len,
                            uint32_t timestamp, uint64_t now_us)
{
    sotto_rtp_packet pkt;
    uint8_t buf[SOTTO_MEDIA_MAX_PACKET];
    size_t out_len;

    memset(&pkt, 0, sizeof(pkt));
    pkt.payload_type = pt;
    pkt.seq = m->seq;
    pkt.timestamp = timestamp;
    pkt.ssrc = m->ssrc;
    pkt.marker = sotto__media_cn_marker(m) || m->packets_sent == 0;
    pkt.payload = payload;
    pkt.payload_len = len;
    if (sotto_rtp_pack(&pkt, buf, sizeof(buf) - 16, &out_len) < 0)
        return;
    m->seq++;
    /* A refused send (before SECURE, or ICE busy) is a lost packet. */
    if (m->p.send(m->p.send_opaque, 0, buf, out_len) == 0) {
        m->packets_sent++;
        m->payload_sent += len;
        m->rtp_octets_sent += len;
        sotto__media_meter_add(&m->payload_out, now_us, len);
    }
}

static void send_payload(sotto_media *m, const uint8_t *payload, size_t len, uint32_t timestamp,
                         uint64_t now_us)
{
    send_payload_as(m, m->p.payload_type, payload, len, timestamp, now_us);
}

/* Variable-rate codecs with RED negotiated: while the controller asks for
 * redundancy, each packet also carries the one before it (RFC 2198). */
static void send_coded(sotto_media *m, const uint8_t *payload, size_t len, uint64_t now_us)
{
    uint8_t red[2 * MAX_PAYLOAD + 8];
    sotto_red_block blocks[2];
    size_t red_len, n = 0;
    uint32_t offset = m->timestamp - m->last_timestamp;

    if (m->p.red_pt < 0) {
        send_payload(m, payload, len, m->timestamp, now_us);
        return;
    }
    if (m->decision.redundant_frames && m->last_payload_len && m->last_payload_len < 1024 &&
        offset < 16384) {
        blocks[n].payload_type = m->p.payload_type;
        blocks[n].ts_offset = (uint16_t)offset;
        blocks[n].data = m->last_payload;
        blocks[n++].len = m->last_payload_len;
    }
    blocks[n].payload_type = m->p.payload_type;
    blocks[n].ts_offset = 0;
    blocks[n].data = payload;
    blocks[n++].len = len;
    if (n > 1 && sotto_red_build(blocks, n, red, sizeof(red), &red_len) == 0) {
        send_payload_as(m, (uint8_t)m->p.red_pt, red, red_len, m->timestamp, now_us);
        m->redundant_frames_sent++;
    } else {
        send_payload(m, payload, len, m->timestamp, now_us);
    }
    memcpy(m->last_payload, payload, len);
    m->last_payload_len = len;
    m->last_timestamp = m->timestamp;
}

/* Copies count frames of bytes each ending before frame number end (oldest first). */
static void copy_history(const sotto_media *m, uint64_t end, size_t count, size_t bytes,
                         uint8_t *out)
{
    for (size_t i = 0; i < count; i++)
        memcpy(out + i * bytes, m->history[(end - count + i) % HISTORY_FRAMES], bytes);
}

/* Frames just before frame number end that are of the same mode (size) as
 * bytes, up to want: a payload carries frames of one mode only. */
static size_t same_mode_before(const sotto_media *m, uint64_t end, size_t want, size_t bytes)
{
    size_t n = 0;

    while (n < want && n < end && m->history_len[(end - n - 1) % HISTORY_FRAMES] == bytes)
        n++;
    return n;
}

static void send_framed_packet(sotto_media *m, uint64_t now_us)
{
    uint8_t primary[SOTTO_PAYLOAD_MAX_PRIMARY * MAX_FRAME_BYTES];
    uint8_t redundant[SOTTO_PAYLOAD_MAX_REDUNDANT * MAX_FRAME_BYTES];
    uint8_t
        payload[1 + (SOTTO_PAYLOAD_MAX_PRIMARY + SOTTO_PAYLOAD_MAX_REDUNDANT) * MAX_FRAME_BYTES];
    uint64_t first = m->frames_encoded - m->pending;
    size_t red = m->p.inband_redundancy ? m->decision.redundant_frames : 0, len;
    size_t bytes = m->pending_bytes;

    if (red + m->pending > HISTORY_FRAMES)
        red = HISTORY_FRAMES - m->pending;
    red = same_mode_before(m, first, red, bytes);
    copy_history(m, m->frames_encoded, m->pending, bytes, primary);
    copy_history(m, first, red, bytes, redundant);
    if (m->p.inband_redundancy) {
        if (sotto_payload_pack(bytes, red ? redundant : NULL, red, primary, m->pending, payload,
                               sizeof(payload), &len) < 0)
            return;
    } else {
        len = m->pending * bytes;
        memcpy(payload, primary, len);
    }
    send_payload(m, payload, len, m->pending_timestamp, now_us);
    m->redundant_frames_sent += red;
    m->pending = 0;
}

/* One encoded frame: the negotiated mode's, the low-rate mode's (after a
 * switch; it began partial_frames periods ago), or nothing yet (the codec
 * holds the start of a low-mode frame). */
static void framed_frame(sotto_media *m, const uint8_t *frame, size_t len, uint64_t now_us)
{
    uint32_t ms = len == m->frame_bytes ? m->frame_ms : m->low_frame_ms;
    size_t per_packet;

    if (len == 0 && m->low_frame_ms) {
        m->partial_frames++;
        return;
    }
    if (len != m->frame_bytes && (!m->low_frame_ms || len != m->low_frame_bytes))
        return;
    if (m->pending && len != m->pending_bytes)
        send_framed_packet(m, now_us); /* the mode changed: its frames go in a new packet */
    per_packet = m->decision.ptime_ms / ms ? m->decision.ptime_ms / ms : 1;
    if (m->pending == 0) {
        m->pending_timestamp = m->timestamp - m->partial_frames * m->ts_step;
        m->pending_bytes = len;
    }
    m->partial_frames = 0;
    memcpy(m->history[m->frames_encoded % HISTORY_FRAMES], frame, len);
    m->history_len[m->frames_encoded % HISTORY_FRAMES] = (uint8_t)len;
    m->frames_encoded++;
    m->pending++;
    if (m->pending >= per_packet || m->pending >= SOTTO_PAYLOAD_MAX_PRIMARY)
        send_framed_packet(m, now_us);
}

/* Samples encoded into one payload: one frame for framed and fixed-rate
 * codecs; for a variable-rate codec (Opus) the whole packet time the
 * controller chose, up to 120 ms, in one encoder call. */
static size_t payload_samples(const sotto_media *m)
{
    size_t periods;

    if (m->framed || !m->p.codec->set_rate || m->decision.ptime_ms <= m->frame_ms)
        return m->codec_frame;
    periods = m->decision.ptime_ms / m->frame_ms;
    return periods * m->codec_frame <= MAX_CODEC_FRAME ? periods * m->codec_frame : m->codec_frame;
}

/* Real-time start: until the link has drained what the handshake left in
 * its queue, captured audio is dropped (the RTP clock runs on), so that the
 * first packet carries the current frame instead of audio that would be
 * played a queue's time late and then have to be caught up. Returns 1
 * while holding. */
static int start_held(sotto_media *m, size_t samples, uint64_t now_us)
{
    if (m->started == 2)
        return 0;
    if (m->started == 0) {
        m->started = 1;
        m->send_from_us = now_us + m->p.start_delay_us;
    }
    if (now_us >= m->send_from_us) {
        m->started = 2;
        return 0;
    }
    m->start_dropped += samples;
    m->timestamp +=
        (uint32_t)((uint64_t)samples * (uint64_t)m->p.codec->clock_rate / (uint64_t)m->p.rate);
    return 1;
}

void sotto__media_encode_and_send(sotto_media *m, const int16_t *pcm, size_t samples,
                                  uint64_t now_us)
{
    uint8_t payload[MAX_PAYLOAD];
    size_t in, room, len, done = 0, chunk;
    int quiet;

    if (start_held(m, samples, now_us))
        return;
    quiet = sotto__media_cn_tx(m, pcm, samples, now_us);

    while (done < samples) {
        in = samples - done;
        room = sizeof(m->enc_buf) / sizeof(m->enc_buf[0]) - m->enc_len;
        if (sotto_resampler_process(m->to_codec, pcm + done, &in, m->enc_buf + m->enc_len, &room) <
            0)
            return;
        done += in;
        m->enc_len += room;
        while (m->enc_len >= (chunk = payload_samples(m))) {
            if (sotto_codec_encode(m->codec, m->enc_buf, chunk, payload, sizeof(payload), &len) ==
                    0 &&
                !quiet) {
                if (m->framed)
                    framed_frame(m, payload, len, now_us);
                else if (!sotto__media_cn_dtx_skip(m, len))
                    send_coded(m, payload, len, now_us);
            }
            m->timestamp += m->ts_step * (uint32_t)(chunk / m->codec_frame);
            m->enc_len -= chunk;
            memmove(m->enc_buf, m->enc_buf + chunk, m->enc_len * sizeof(int16_t));
        }
        if (in == 0 && room == 0)
            break;
    }
}

void sotto__media_apply_codec_rate(sotto_media *m)
{
    if (m->framed || !m->p.codec->set_rate || !m->decision.bitrate)
        return;
    sotto_codec_set_rate(m->codec, (int)m->decision.bitrate, (int)m->decision.expected_loss_pct);
    if (m->p.codec->set_constant_rate)
        sotto_codec_set_constant_rate(m->codec, m->decision.constant_rate);
}

/* What left (link_out, every datagram with its headers down to the link
 * layer, over the meter's 4 s) against the plan: more than 10 % above it
 * for RATE_MISMATCH_US is told to the owner once. Below the plan is no
 * mismatch: a variable-rate codec spends less on silence. */
void sotto__media_check_rate(sotto_media *m, uint64_t now_us)
{
    double measured = sotto__media_meter_kbps(&m->link_out, now_us) * 1000.0;
    uint32_t planned = m->decision.wire_bps;

    if (!planned || measured <= planned * 1.1) {
        m->over_plan_since_us = 0;
        m->mismatch_told = 0;
        return;
    }
    if (!m->over_plan_since_us)
        m->over_plan_since_us = now_us ? now_us : 1;
    if (m->mismatch_told || now_us - m->over_plan_since_us < RATE_MISMATCH_US)
        return;
    m->mismatch_told = 1;
    m->rate_mismatches++;
    if (m->p.on_rate_mismatch)
        m->p.on_rate_mismatch(m->p.opaque, planned, (uint32_t)measured);
}

void sotto__media_apply_decision(sotto_media *m)
{
    int was_low = m->decision.low_mode;

    sotto_ratectl_get(m->ratectl, &m->decision);
    sotto__media_apply_codec_rate(m);
    if (m->framed && m->low_frame_ms && m->decision.low_mode != was_low) {
        /* The codec switches at its next frame boundary; the frames say which. */
        sotto_codec_set_rate(m->codec,
                             m->decision.low_mode ? m->p.codec->switch_bitrate
                                                  : (int)(m->frame_bytes * 8000u / m->frame_ms),
                             0);
        m->mode_switches++;
    }
    if (m->p.on_decision)
        m->p.on_decision(m->p.opaque, &m->decision);
}
