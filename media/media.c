/* A call's media: creation, the audio tick that drives both directions,
 * playout from the jitter buffer, RTCP reports and statistics. The send
 * half is in media_tx.c, the receive half in media_rx.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "media/media_internal.h"

void sotto__media_meter_add(rate_meter *m, uint64_t now_us, size_t bytes)
{
    uint64_t start = now_us - now_us % RATE_BUCKET_US;
    size_t i = (size_t)(start / RATE_BUCKET_US) % RATE_BUCKETS;

    if (m->bucket_start[i] != start) {
        m->bucket_start[i] = start;
        m->bytes[i] = 0;
    }
    m->bytes[i] += bytes;
}

/* kbit/s over the completed buckets of the window (the current one is partial). */
double sotto__media_meter_kbps(const rate_meter *m, uint64_t now_us)
{
    uint64_t current = now_us - now_us % RATE_BUCKET_US;
    uint64_t oldest = current >= (RATE_BUCKETS - 1) * (uint64_t)RATE_BUCKET_US
                          ? current - (RATE_BUCKETS - 1) * (uint64_t)RATE_BUCKET_US
                          : 0;
    uint64_t bytes = 0;
    size_t i, n = 0;

    for (i = 0; i < RATE_BUCKETS; i++) {
        if (m->bucket_start[i] >= oldest && m->bucket_start[i] < current) {
            bytes += m->bytes[i];
            n++;
        }
    }
    return n ? (double)bytes * 8.0 / ((double)n * RATE_BUCKET_US / 1e6) / 1000.0 : 0.0;
}

static uint32_t random_u32(void)
{
    uint32_t v = 0;

    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint32_t)time(NULL) ^ (uint32_t)(uintptr_t)&v;
    return v;
}

#define RTP_HEADER 12
#define FEC_MIN_BITRATE 12000 /* Opus in-band FEC only where speech keeps this much */

/* What the controller may choose from, for this codec and these peers. */
static void controller_config(const sotto_media *m, sotto_ratectl_config *rc)
{
    const sotto_media_params *p = &m->p;
    uint32_t tag = p->srtp_tag_bytes > 0 ? (uint32_t)p->srtp_tag_bytes : 10;

    sotto_ratectl_config_default(rc);
    rc->link_kbps = p->link_kbps > 0 ? (uint32_t)p->link_kbps : 0;
    rc->packet_overhead_bytes = LINK_FRAMING + IPV4_UDP_HEADERS + RTP_HEADER + tag;
    if (m->framed) {
        uint32_t ptime = (uint32_t)p->codec_params.frame_ms;
        uint32_t max = p->max_ptime_ms > 0 ? (uint32_t)p->max_ptime_ms : ptime;

        ptime = ptime < m->frame_ms ? m->frame_ms : ptime - ptime % m->frame_ms;
        max -= max % m->frame_ms;
        rc->kind = SOTTO_RATECTL_FRAMED;
        rc->frame_ms = m->frame_ms;
        rc->frame_bytes = (uint32_t)m->frame_bytes;
        rc->ptime_ms = ptime;
        rc->max_ptime_ms = max > ptime ? max : ptime;
        rc->packet_overhead_bytes += p->inband_redundancy ? 1u : 0u;
        /* Up to 12 frames: four 60 ms packets' worth rides out loss bursts. */
        rc->max_redundant_frames = p->redundancy && p->inband_redundancy ? 12 : 0;
        /* A low-rate mode whose frame fits the longest packet we may send. */
        if (m->low_frame_ms && p->redundancy && m->low_frame_ms <= rc->max_ptime_ms) {
            rc->low_frame_ms = m->low_frame_ms;
            rc->low_frame_bytes = (uint32_t)m->low_frame_bytes;
        }
        return;
    }
    rc->frame_ms = m->frame_ms;
    rc->ptime_ms = m->frame_ms;
    rc->max_ptime_ms = m->frame_ms;
    if (p->codec->set_rate) {
        uint32_t max = p->max_ptime_ms > 0 ? (uint32_t)p->max_ptime_ms : m->frame_ms;

        /* Packets of up to 120 ms, encoded whole (media_tx.c). */
        max = max > MAX_CODEC_FRAME_MS ? MAX_CODEC_FRAME_MS : max;
        max -= max % m->frame_ms;
        rc->max_ptime_ms = max > m->frame_ms ? max : m->frame_ms;
        rc->kind = SOTTO_RATECTL_BITRATE;
        if (p->codec->min_bitrate > 0)
            rc->min_bitrate = (uint32_t)p->codec->min_bitrate;
        rc->fec_min_bitrate = p->codec_params.fec ? FEC_MIN_BITRATE : 0;
        rc->max_redundant_frames = p->red_pt >= 0 ? 1 : 0;
        rc->bitrate = p->codec_params.bitrate > 0 ? (uint32_t)p->codec_params.bitrate : 24000;
    } else {
        rc->kind = SOTTO_RATECTL_FIXED;
        rc->max_redundant_frames = 0;
        rc->bitrate = (uint32_t)p->codec->clock_rate * 8u;
    }
}

/* The low-rate mode a framed codec may switch to mid-call: only with the
 * payload header (it names each packet's mode), and when its frames are
 * whole multiples of ours. The receiver takes it from any such peer; the
 * controller uses it only where redundancy is allowed (the mode exists to
 * buy it). */
static void low_mode_framing(sotto_media *m)
{
    sotto_codec_params cp = m->p.codec_params;
    size_t bytes;
    int ms;

    m->low_frame_ms = 0;
    m->low_frame_bytes = 0;
    if (!m->p.codec->switch_bitrate || !m->p.inband_redundancy)
        return;
    cp.bitrate = m->p.codec->switch_bitrate;
    if (sotto_codec_framing(m->p.codec, &cp, &ms, &bytes) < 0 || bytes == m->frame_bytes ||
        bytes > MAX_FRAME_BYTES || (uint32_t)ms % m->frame_ms || (uint32_t)ms <= m->frame_ms)
        return;
    m->low_frame_ms = (uint32_t)ms;
    m->low_frame_bytes = bytes;
}

static int create_codec(sotto_media *m)
{
    sotto_codec_params cp = m->p.codec_params;
    int rc;

    /* Framed codecs (Sotto) are encoded one frame at a time; packets are
     * made here, from the frame the codec describes. */
    m->framed = m->p.codec->frame_ms > 0;
    if (m->framed) {
        int ms;

        rc = sotto_codec_framing(m->p.codec, &cp, &ms, &m->frame_bytes);
        if (rc < 0)
            return rc;
        if (m->frame_bytes > MAX_FRAME_BYTES)
            return -EINVAL;
        cp.frame_ms = ms;
    }
    rc = sotto_codec_create(&m->codec, m->p.codec, &cp);
    if (rc < 0)
        return rc;
    m->frame_ms = (uint32_t)cp.frame_ms;
    m->codec_frame = sotto_codec_frame_samples(m->codec);
    if (m->codec_frame == 0 || m->codec_frame > MAX_CODEC_FRAME)
        return -EINVAL;
    m->ts_step = (uint32_t)((uint64_t)m->p.codec->clock_rate * m->frame_ms / 1000);
    if (m->framed)
        low_mode_framing(m);
    return 0;
}

int sotto_media_create(sotto_media **out, const sotto_media_params *p)
{
    sotto_ratectl_config rcfg;
    sotto_jitter_config jc;
    sotto_media *m;
    int rc;

    if (!out || !p || !p->codec || !p->send || p->rate <= 0)
        return -EINVAL;
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->p = *p;
    snprintf(m->cname, sizeof(m->cname), "%s", p->cname ? p->cname : "sotto");
    m->p.cname = m->cname;
    rc = create_codec(m);
    if (rc < 0)
        goto fail;
    controller_config(m, &rcfg);
    rc = sotto_ratectl_create(&m->ratectl, &rcfg);
    if (rc < 0)
        goto fail;
    sotto_ratectl_get(m->ratectl, &m->decision);
    sotto__media_apply_codec_rate(m);
    sotto_jitter_config_default(&jc);
    jc.clock_rate = (uint32_t)p->codec->clock_rate;
    jc.frame_us = m->frame_ms * 1000;
    jc.max_frame_bytes = MAX_PAYLOAD;
    /* Shrinking the delay waits up to a second for a silent frame, where
     * dropping one costs nothing: compressions inside speech cost 0.1..0.3
     * ESTOI in the 2-s segment that held them (edge, satellite: a late
     * packet's rise of the target falls again 4 s later). A start-up
     * backlog is shed by fast_shed_ms below, not here. */
    jc.speech_compress_interval_frames = 50;
    /* On a slow link the first packets queue behind the DTLS handshake and
     * arrive up to a second late at once: shed that excess within about as
     * long, rather than over ten seconds of sped-up speech. 120 ms: the
     * start-up excess (about 200 ms on a clean link) goes in a few tenths
     * of a second instead of ten seconds of waiting for silent frames,
     * while a late packet's rise of the target (60..100 ms on edge and
     * satellite) still waits for silence when it falls again. */
    jc.fast_shed_ms = 120;
    rc = sotto_jitter_create(&m->jitter, &jc);
    if (rc == 0)
        rc = sotto_tsm_create(&m->tsm, (uint32_t)p->codec->sample_rate, m->codec_frame);
    if (rc == 0)
        rc = sotto_resampler_create(&m->to_codec, p->rate, p->codec->sample_rate,
                                    SOTTO_RESAMPLER_QUALITY);
    if (rc == 0)
        rc = sotto_resampler_create(&m->from_codec, p->codec->sample_rate, p->rate,
                                    SOTTO_RESAMPLER_QUALITY);
    if (rc < 0)
        goto fail;
    m->ssrc = p->ssrc ? p->ssrc : random_u32();
    m->seq = (uint16_t)random_u32();
    m->timestamp = random_u32();
    m->rtt_ms = -1;
    m->cn.speech_hint = -1;
    m->remote_loss = -1;
    sotto_rtp_jitter_init(&m->rx_jitter);
    *out = m;
    return 0;
fail:
    sotto_media_destroy(&m);
    return rc;
}

int sotto_media_plan(const sotto_media_params *p, sotto_ratectl_decision *out)
{
    sotto_ratectl_config rcfg;
    sotto_ratectl *ctl = NULL;
    sotto_media *m;
    int rc;

    if (!p || !p->codec || !out)
        return -EINVAL;
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->p = *p;
    rc = create_codec(m);
    if (rc == 0) {
        controller_config(m, &rcfg);
        rc = sotto_ratectl_create(&ctl, &rcfg);
    }
    if (rc == 0)
        rc = sotto_ratectl_get(ctl, out);
    sotto_ratectl_destroy(&ctl);
    sotto_media_destroy(&m);
    return rc;
}

void sotto_media_destroy(sotto_media **pm)
{
    sotto_media *m;

    if (!pm || !*pm)
        return;
    m = *pm;
    sotto_codec_destroy(&m->codec);
    sotto_ratectl_destroy(&m->ratectl);
    sotto_jitter_destroy(&m->jitter);
    sotto_tsm_destroy(&m->tsm);
    sotto_resampler_destroy(&m->to_codec);
    sotto_resampler_destroy(&m->from_codec);
    free(m);
    *pm = NULL;
}

/* Decodes payload and puts its first frame period into pcm; the rest of a
 * packet longer than one period (Opus up to 120 ms) waits in spill for the
 * periods that follow, which the receive half left empty. */
static int decode_payload(sotto_media *m, const uint8_t *payload, size_t len, int16_t *pcm)
{
    size_t n = 0;

    m->spill_len = m->spill_off = 0;
    if (sotto_codec_decode(m->codec, payload, len, m->spill, MAX_CODEC_FRAME, &n) < 0 ||
        n < m->codec_frame || n % m->codec_frame)
        return -1;
    memcpy(pcm, m->spill, m->codec_frame * sizeof(int16_t));
    m->spill_len = n;
    m->spill_off = m->codec_frame;
    return 0;
}

/* The next period of a long packet decoded before; 0 when there is none. */
static int take_spill(sotto_media *m, int16_t *pcm)
{
    if (m->spill_off + m->codec_frame > m->spill_len)
        return 0;
    memcpy(pcm, m->spill + m->spill_off, m->codec_frame * sizeof(int16_t));
    m->spill_off += m->codec_frame;
    return 1;
}

/* One frame period of decoded audio into pcm: the payload, else the rest
 * of the long packet before it, else the codec's FEC from the next frame,
 * else its concealment, else silence. */
static void decode_frame(sotto_media *m, const uint8_t *payload, size_t len, const uint8_t *next,
                         size_t next_len, int16_t *pcm)
{
    size_t n = 0;

    if (payload && len) {
        if (decode_payload(m, payload, len, pcm) == 0)
            return;
        m->decode_errors++;
    } else if (take_spill(m, pcm)) {
        return;
    } else if (next && next_len && m->p.codec_params.fec &&
               sotto_codec_decode_fec(m->codec, next, next_len, pcm, m->codec_frame, &n) == 0 &&
               n == m->codec_frame) {
        return;
    }
    m->spill_len = m->spill_off = 0;
    if (sotto_codec_conceal(m->codec, pcm, m->codec_frame, &n) == 0 && n == m->codec_frame)
        return;
    memset(pcm, 0, m->codec_frame * sizeof(int16_t));
}

/* Produces one codec frame of audio for the jitter buffer's decision.
 * Everything played passes through the time-scaler, which keeps the
 * history that expansion and compression splice on (audio/tsm.h). */
static size_t playout_frame(sotto_media *m, uint64_t now_us, int16_t *pcm)
{
    const size_t n = m->codec_frame;
    sotto_jitter_out jo;
    int rc = 0;

    sotto__media_cn_before_pull(m);
    if (sotto_jitter_pull(m->jitter, now_us, &jo) < 0)
        jo.action = SOTTO_JITTER_PREBUFFER;
    switch (jo.action) {
    case SOTTO_JITTER_PLAY:
        /* An empty frame is the peer's silence: comfort noise while CN is
         * on; speech ends it. */
        if (jo.payload_len || !sotto__media_cn_fill(m, m->raw_buf, n, 1)) {
            sotto__media_cn_played(m, jo.timestamp);
            decode_frame(m, jo.payload, jo.payload_len, NULL, 0, m->raw_buf);
        }
        rc = sotto_tsm_play(m->tsm, m->raw_buf, n, pcm, n);
        break;
    case SOTTO_JITTER_CONCEAL:
        decode_frame(m, NULL, 0, jo.next_payload, jo.next_payload_len, m->raw_buf);
        rc = sotto_tsm_play(m->tsm, m->raw_buf, n, pcm, n);
        break;
    case SOTTO_JITTER_EXPAND:
        /* Growing the delay: repeat pitch periods of what was just heard. */
        rc = sotto_tsm_expand(m->tsm, pcm, n);
        if (rc < 0) {
            decode_frame(m, NULL, 0, NULL, 0, m->raw_buf);
            memcpy(pcm, m->raw_buf, n * sizeof(int16_t));
            rc = 0;
        }
        break;
    case SOTTO_JITTER_COMPRESS:
        sotto__media_cn_played(m, jo.timestamp);
        /* Two frames in one period: decode both (the decoder's state stays
         * continuous) and remove whole pitch periods. */
        decode_frame(m, jo.payload, jo.payload_len, NULL, 0, m->raw_buf);
        decode_frame(m, jo.next_payload, jo.next_payload_len, NULL, 0, m->raw_buf + n);
        rc = sotto_tsm_compress(m->tsm, m->raw_buf, 2 * n, pcm, n);
        break;
    case SOTTO_JITTER_PREBUFFER:
    default:
        if (!sotto__media_cn_fill(m, pcm, n, 0))
            memset(pcm, 0, n * sizeof(int16_t));
        sotto_tsm_reset(m->tsm);
        return n;
    }
    if (rc < 0)
        memcpy(pcm, m->raw_buf, n * sizeof(int16_t));
    return n;
}

static void fill_playout(sotto_media *m, size_t want, uint64_t now_us)
{
    const size_t cap = sizeof(m->out_fifo) / sizeof(m->out_fifo[0]);

    while (m->out_len < want) {
        size_t n = playout_frame(m, now_us, m->dec_buf), in = n, room = cap - m->out_len;

        if (sotto_resampler_process(m->from_codec, m->dec_buf, &in, m->out_fifo + m->out_len,
                                    &room) < 0 ||
            room == 0)
            break;
        m->out_len += room;
    }
}

void sotto_media_tick(sotto_media *m, const int16_t *pcm, size_t samples, int16_t *play,
                      uint64_t now_us)
{
    size_t n;

    sotto__media_encode_and_send(m, pcm, samples, now_us);
    fill_playout(m, samples, now_us);
    n = m->out_len < samples ? m->out_len : samples;
    memcpy(play, m->out_fifo, n * sizeof(int16_t));
    memset(play + n, 0, (samples - n) * sizeof(int16_t));
    m->out_len -= n;
    memmove(m->out_fifo, m->out_fifo + n, m->out_len * sizeof(int16_t));
}

int sotto_media_send_rtcp(sotto_media *m, int bye, uint64_t now_us)
{
    sotto_rtcp_build_params bp;
    sotto_rtcp_report_block rb;
    struct timespec ts;
    uint8_t buf[512];
    size_t len;
    int rc;

    memset(&bp, 0, sizeof(bp));
    clock_gettime(CLOCK_REALTIME, &ts);
    bp.is_sender = m->packets_sent > 0;
    bp.sr.ssrc = m->ssrc;
    bp.sr.ntp = sotto_ntp_from_unix_ns((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    bp.sr.rtp_ts = m->timestamp;
    bp.sr.packet_count = (uint32_t)m->packets_sent;
    bp.sr.octet_count = (uint32_t)m->rtp_octets_sent;
    bp.ssrc = m->ssrc;
    bp.cname = m->cname;
    bp.bye = bye;
    bp.reduced_size = m->p.rtcp_reduced_size && !bye && m->rtcp_sent % 4 != 0;
    if (m->have_remote) {
        memset(&rb, 0, sizeof(rb));
        rb.ssrc = m->remote_ssrc;
        sotto_rtp_seq_report(&m->rx_seq, &rb.fraction_lost, &rb.cumulative_lost,
                             &rb.ext_highest_seq);
        rb.jitter = sotto_rtp_jitter_value(&m->rx_jitter);
        rb.lsr = m->last_sr_ntp_short;
        if (m->last_sr_ntp_short)
            rb.dlsr = (uint32_t)((now_us - m->last_sr_arrival_us) * 65536u / 1000000u);
        bp.reports = &rb;
        bp.report_count = 1;
    }
    rc = sotto_rtcp_build(&bp, buf, sizeof(buf), &len);
    if (rc == 0)
        rc = m->p.send(m->p.send_opaque, 1, buf, len);
    if (rc == 0)
        m->rtcp_sent++;
    return rc;
}

#define RTCP_MIN_INTERVAL_MS 5000
#define RTCP_SHARE 0.05
#define RTCP_TYPICAL_BYTES 100 /* SR + report block + SRTCP trailer + IP/UDP */

uint32_t sotto_media_rtcp_interval_ms(const sotto_media *m)
{
    double bw = m->decision.wire_bps > 0 ? m->decision.wire_bps : 24000.0;
    double ms = RTCP_TYPICAL_BYTES * 8.0 * 2.0 / (bw * RTCP_SHARE) * 1000.0;

    if (ms < RTCP_MIN_INTERVAL_MS)
        ms = RTCP_MIN_INTERVAL_MS;
    return (uint32_t)(ms * (0.5 + (random_u32() % 1001) / 1000.0));
}

void sotto_media_get_stats(const sotto_media *m, uint64_t now_us, sotto_media_stats *out)
{
    sotto_jitter_stats js;
    uint64_t expected;

    memset(out, 0, sizeof(*out));
    if (!m)
        return;
    sotto_jitter_get_stats(m->jitter, &js);
    out->codec = m->p.codec->name;
    out->payload_type = m->p.payload_type;
    out->ptime_ms = (int)m->decision.ptime_ms;
    out->redundant_frames =
        m->p.inband_redundancy || m->p.red_pt >= 0 ? m->decision.redundant_frames : 0;
    out->remote_ptime_ms = (int)m->rx_ptime_ms;
    out->remote_redundant_frames = m->rx_redundant_frames;
    out->frames_recovered = js.frames_recovered;
    out->expands = js.expands;
    out->compresses = js.compresses;
    out->bad_payloads = m->bad_payloads;
    out->low_rate_mode = m->decision.low_mode;
    out->remote_low_rate_mode = m->rx_low_mode;
    out->mode_switches = m->mode_switches;
    out->controller = m->decision;
    out->ssrc = m->ssrc;
    out->remote_ssrc = m->remote_ssrc;
    out->packets_sent = m->packets_sent;
    out->packets_received = m->packets_received;
    out->payload_bytes_sent = m->payload_sent;
    out->payload_bytes_received = m->payload_received;
    out->wire_bytes_sent = m->wire_sent;
    out->wire_bytes_received = m->wire_received;
    out->payload_kbps_sent = sotto__media_meter_kbps(&m->payload_out, now_us);
    out->wire_kbps_sent = sotto__media_meter_kbps(&m->wire_out, now_us);
    out->payload_kbps_received = sotto__media_meter_kbps(&m->payload_in, now_us);
    out->wire_kbps_received = sotto__media_meter_kbps(&m->wire_in, now_us);
    out->planned_kbps_sent = m->decision.wire_bps / 1000.0;
    out->link_kbps_sent = sotto__media_meter_kbps(&m->link_out, now_us);
    out->over_plan_ms = m->over_plan_since_us && now_us > m->over_plan_since_us
                            ? (now_us - m->over_plan_since_us) / 1000u
                            : 0;
    out->rate_mismatches = m->rate_mismatches;
    out->start_dropped_ms = m->start_dropped * 1000u / (uint64_t)m->p.rate;
    out->packets_lost = js.packets_lost;
    expected = js.packets_lost + m->packets_received;
    out->loss_fraction = expected ? (double)js.packets_lost / (double)expected : 0.0;
    out->jitter_ms = m->p.codec->clock_rate
                         ? sotto_rtp_jitter_value(&m->rx_jitter) * 1000.0 / m->p.codec->clock_rate
                         : 0.0;
    out->rtt_ms = m->rtt_ms;
    out->remote_loss_fraction = m->remote_loss;
    out->jitter_buffer_ms = js.target_delay_ms;
    out->jitter_buffered_ms = js.buffered_ms;
    out->concealed_ms = js.concealed_ms;
    out->frames_played = js.frames_played;
    out->packets_late = js.packets_late;
    out->packets_duplicate = js.packets_duplicate;
    out->rtcp_sent = m->rtcp_sent;
    out->rtcp_received = m->rtcp_received;
    out->decode_errors = m->decode_errors;
    out->cn_packets_sent = m->cn.packets_sent;
    out->cn_packets_received = m->cn.packets_received;
    out->silence_ms_sent = m->cn.silence_ms_sent;
    out->comfort_noise_ms = m->cn.noise_ms;
}
