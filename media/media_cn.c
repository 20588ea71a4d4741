/* Silence suppression and comfort noise (RFC 3389). Sending: while voice
 * activity (or, without it, the capture level) says nobody speaks for a
 * hangover of HANGOVER_MS, the codec's packets are held back and a CN
 * packet with the noise level goes at the start of the silence, then every
 * CN_REFRESH_US or when the level moves by more than CN_LEVEL_STEP dB; the
 * first packet of the next talkspurt has the marker bit. Opus with the
 * peer's usedtx=1 uses its own DTX instead (its 1-2 byte frames are not
 * sent). Receiving: a CN packet sets the level; once the jitter buffer has
 * played everything before it, the buffer restarts (the silence is neither
 * loss nor delay to learn) and the playout is white noise shaped by a
 * gentle low-pass at that level until speech plays again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/media_internal.h"
#include "net/cn.h"

#define HANGOVER_MS 200
#define CN_REFRESH_US 2000000u
#define CN_LEVEL_STEP 2
#define GATE_DBFS (-50.0) /* without voice activity: quieter than this is silence */

void sotto_media_set_speech(sotto_media *m, int speech)
{
    if (m)
        m->cn.speech_hint = speech < 0 ? -1 : speech > 0;
}

static double power_of(const int16_t *pcm, size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * pcm[i];
    return n ? sum / (double)n : 0;
}

static void send_cn(sotto_media *m, uint8_t level, uint64_t now_us)
{
    sotto_rtp_packet pkt;
    sotto_cn cn;
    uint8_t payload[4], buf[64];
    size_t len, out_len;

    memset(&cn, 0, sizeof(cn));
    cn.level = level;
    if (sotto_cn_build(&cn, payload, sizeof(payload), &len) < 0)
        return;
    memset(&pkt, 0, sizeof(pkt));
    pkt.payload_type = (uint8_t)m->p.cn_pt;
    pkt.seq = m->seq;
    pkt.timestamp = m->timestamp;
    pkt.ssrc = m->ssrc;
    pkt.payload = payload;
    pkt.payload_len = len;
    if (sotto_rtp_pack(&pkt, buf, sizeof(buf), &out_len) < 0)
        return;
    m->seq++;
    m->cn.last_cn_us = now_us;
    m->cn.last_level = level;
    if (m->p.send(m->p.send_opaque, 0, buf, out_len) == 0) {
        m->packets_sent++;
        m->payload_sent += len;
        m->rtp_octets_sent += len;
        m->cn.packets_sent++;
        sotto__media_meter_add(&m->payload_out, now_us, len);
    }
}

int sotto__media_cn_tx(sotto_media *m, const int16_t *pcm, size_t samples, uint64_t now_us)
{
    double power = power_of(pcm, samples);
    uint32_t ms = (uint32_t)(samples * 1000u / (size_t)m->p.rate);
    int speech;
    uint8_t level;

    if (!m->p.silence_suppression || m->p.cn_pt < 0 || m->p.codec_params.dtx)
        return 0;
    speech = m->cn.speech_hint >= 0 ? m->cn.speech_hint
                                    : power > pow(10.0, GATE_DBFS / 10.0) * 32768.0 * 32768.0;
    if (speech) {
        m->cn.silent_ms = 0;
        if (m->cn.suppress) {
            m->cn.marker = 1;
            sotto_codec_talkspurt(m->codec, 0);
        }
        m->cn.suppress = 0;
        return 0;
    }
    m->cn.silent_ms += ms;
    m->cn.noise_power = m->cn.silent_ms <= ms ? power : 0.8 * m->cn.noise_power + 0.2 * power;
    if (m->cn.silent_ms < HANGOVER_MS)
        return 0;
    level = sotto_cn_level_of_rms(sqrt(m->cn.noise_power));
    if (!m->cn.suppress) {
        m->cn.suppress = 1;
        m->pending = 0; /* framed: hangover frames waiting for a packet are silence */
        send_cn(m, level, now_us);
    } else if (now_us - m->cn.last_cn_us >= CN_REFRESH_US ||
               abs((int)level - (int)m->cn.last_level) > CN_LEVEL_STEP) {
        send_cn(m, level, now_us);
    }
    m->cn.silence_ms_sent += ms;
    return 1;
}

int sotto__media_cn_dtx_skip(sotto_media *m, size_t len)
{
    if (!m->p.codec_params.dtx || len > 2) {
        if (m->p.codec_params.dtx && m->cn.suppress)
            m->cn.marker = 1;
        m->cn.suppress = 0;
        return 0;
    }
    m->cn.suppress = 1;
    m->cn.silence_ms_sent += m->frame_ms;
    return 1;
}

int sotto__media_cn_marker(sotto_media *m)
{
    int marker = m->cn.marker;

    m->cn.marker = 0;
    return marker;
}

void sotto__media_cn_rx(sotto_media *m, const sotto_rtp_packet *rtp, uint64_t now_us)
{
    sotto_jitter_frame gap = { NULL, 0, 1 };
    sotto_jitter_packet jp;
    sotto_cn cn;

    if (sotto_cn_parse(rtp->payload, rtp->payload_len, &cn) < 0) {
        m->bad_payloads++;
        return;
    }
    m->cn.packets_received++;
    m->cn.level = cn.level;
    if (!m->cn.active) {
        m->cn.active = 1;
        m->cn.reset_done = 0;
    }
    if (m->cn.reset_done)
        return;
    m->cn.ts = rtp->timestamp;
    /* While the buffer still plays the talkspurt, the CN takes its place in
     * the sequence as an empty frame (played as comfort noise), so that a
     * talkspurt resuming before the buffer runs dry shows no lost packet. */
    jp.ssrc = rtp->ssrc;
    jp.seq = rtp->seq;
    jp.timestamp = rtp->timestamp;
    jp.frame_duration = m->ts_step;
    jp.frames = &gap;
    jp.frame_count = 1;
    jp.untimed = 1;
    sotto_jitter_insert(m->jitter, &jp, now_us);
}

void sotto__media_cn_before_pull(sotto_media *m)
{
    sotto_jitter_stats js;

    if (!m->cn.active || m->cn.reset_done || sotto_jitter_get_stats(m->jitter, &js) < 0 ||
        js.buffered_frames)
        return;
    sotto_jitter_reset(m->jitter);
    m->cn.reset_done = 1;
}

int sotto__media_cn_fill(sotto_media *m, int16_t *pcm, size_t n, int gap)
{
    /* Uniform noise of variance a^2/3, low-passed by y += (x - y) / 2,
     * which keeps a third of its power: a = rms * 3. */
    double a = sotto_cn_rms_of_level(m->cn.level) * 3.0;

    if (!m->cn.active || (!m->cn.reset_done && !gap))
        return 0;
    if (!m->cn.rng)
        m->cn.rng = m->ssrc | 1u;
    for (size_t i = 0; i < n; i++) {
        double x, y;

        m->cn.rng ^= m->cn.rng << 13;
        m->cn.rng ^= m->cn.rng >> 17;
        m->cn.rng ^= m->cn.rng << 5;
        x = ((double)m->cn.rng / 4294967295.0 * 2.0 - 1.0) * a;
        m->cn.lp += (x - m->cn.lp) * 0.5;
        y = m->cn.lp;
        pcm[i] = (int16_t)(y > 32767 ? 32767 : y < -32768 ? -32768 : y);
    }
    m->cn.noise_ms += n * 1000u / (size_t)m->p.codec->sample_rate;
    return 1;
}

void sotto__media_cn_played(sotto_media *m, uint32_t ts)
{
    /* Frames of the talkspurt still ahead of the CN frame do not end it. */
    if (!m->cn.active || (!m->cn.reset_done && (int32_t)(ts - m->cn.ts) <= 0))
        return;
    m->cn.active = 0;
    m->cn.reset_done = 0;
    sotto_codec_talkspurt(m->codec, 1);
}
