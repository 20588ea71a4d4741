/* The send half of a call's media: capture -> codec -> packets. Framed
 * codecs (Sotto) are encoded one frame at a time and packed here, as many
 * frames per packet and as many repeated earlier frames as the rate
 * controller decided; other codecs send one encoded packet per ptime and
 * get their bit rate retuned. */
#include <string.h>

#include "codec/sotto_payload.h"
#include "daemon/call_media_internal.h"

static void send_payload(sottod_media *m, const uint8_t *payload, size_t len, uint32_t timestamp,
                         uint64_t now_us)
{
    sotto_rtp_packet pkt;
    uint8_t buf[SOTTO_TRANSPORT_MAX_PACKET];
    size_t out_len;

    memset(&pkt, 0, sizeof(pkt));
    pkt.payload_type = m->p.payload_type;
    pkt.seq = m->seq;
    pkt.timestamp = timestamp;
    pkt.ssrc = m->ssrc;
    pkt.marker = m->packets_sent == 0;
    pkt.payload = payload;
    pkt.payload_len = len;
    if (sotto_rtp_pack(&pkt, buf, sizeof(buf) - 16, &out_len) < 0)
        return;
    m->seq++;
    /* A refused send (before SECURE, or ICE busy) is a lost packet. */
    if (sotto_transport_send_rtp(m->p.transport, buf, out_len) == 0) {
        m->packets_sent++;
        m->payload_sent += len;
        m->rtp_octets_sent += len;
        sottod__meter_add(&m->payload_out, now_us, len);
    }
}

/* Copies count frames ending before frame number end (oldest first). */
static void copy_history(const sottod_media *m, uint64_t end, size_t count, uint8_t *out)
{
    for (size_t i = 0; i < count; i++)
        memcpy(out + i * m->frame_bytes, m->history[(end - count + i) % HISTORY_FRAMES],
               m->frame_bytes);
}

static void send_framed_packet(sottod_media *m, uint64_t now_us)
{
    uint8_t primary[SOTTO_PAYLOAD_MAX_PRIMARY * MAX_FRAME_BYTES];
    uint8_t redundant[SOTTO_PAYLOAD_MAX_REDUNDANT * MAX_FRAME_BYTES];
    uint8_t payload[1 + (SOTTO_PAYLOAD_MAX_PRIMARY + SOTTO_PAYLOAD_MAX_REDUNDANT) *
                            MAX_FRAME_BYTES];
    uint64_t first = m->frames_encoded - m->pending;
    size_t red = m->p.sotto_inband ? m->decision.redundant_frames : 0, len;

    if (red > first)
        red = (size_t)first;
    if (red + m->pending > HISTORY_FRAMES)
        red = HISTORY_FRAMES - m->pending;
    copy_history(m, m->frames_encoded, m->pending, primary);
    copy_history(m, first, red, redundant);
    if (m->p.sotto_inband) {
        if (sotto_payload_pack(m->frame_bytes, red ? redundant : NULL, red, primary, m->pending,
                               payload, sizeof(payload), &len) < 0)
            return;
    } else {
        len = m->pending * m->frame_bytes;
        memcpy(payload, primary, len);
    }
    send_payload(m, payload, len, m->pending_timestamp, now_us);
    m->redundant_frames_sent += red;
    m->pending = 0;
}

static void framed_frame(sottod_media *m, const uint8_t *frame, size_t len, uint64_t now_us)
{
    size_t per_packet = m->decision.ptime_ms / m->frame_ms;

    if (len != m->frame_bytes)
        return;
    if (m->pending == 0)
        m->pending_timestamp = m->timestamp;
    memcpy(m->history[m->frames_encoded % HISTORY_FRAMES], frame, len);
    m->frames_encoded++;
    m->pending++;
    if (m->pending >= per_packet || m->pending >= SOTTO_PAYLOAD_MAX_PRIMARY)
        send_framed_packet(m, now_us);
}

void sottod__media_encode_and_send(sottod_media *m, const int16_t *pcm, size_t samples,
                                   uint64_t now_us)
{
    uint8_t payload[MAX_PAYLOAD];
    size_t in, room, len, done = 0;

    while (done < samples) {
        in = samples - done;
        room = sizeof(m->enc_buf) / sizeof(m->enc_buf[0]) - m->enc_len;
        if (sotto_resampler_process(m->to_codec, pcm + done, &in, m->enc_buf + m->enc_len,
                                    &room) < 0)
            return;
        done += in;
        m->enc_len += room;
        while (m->enc_len >= m->codec_frame) {
            if (sotto_codec_encode(m->codec, m->enc_buf, m->codec_frame, payload,
                                   sizeof(payload), &len) == 0) {
                if (m->framed)
                    framed_frame(m, payload, len, now_us);
                else
                    send_payload(m, payload, len, m->timestamp, now_us);
            }
            m->timestamp += m->ts_step;
            m->enc_len -= m->codec_frame;
            memmove(m->enc_buf, m->enc_buf + m->codec_frame, m->enc_len * sizeof(int16_t));
        }
        if (in == 0 && room == 0)
            break;
    }
}

void sottod__media_apply_decision(sottod_media *m)
{
    sotto_ratectl_get(m->ratectl, &m->decision);
    if (!m->framed && m->decision.bitrate)
        sotto_codec_set_rate(m->codec, (int)m->decision.bitrate,
                             (int)m->decision.expected_loss_pct);
    if (m->p.on_decision)
        m->p.on_decision(m->p.opaque, &m->decision);
}
