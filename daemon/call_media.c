#include "daemon/call_media.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "audio/resample.h"
#include "net/jitter.h"
#include "net/net.h"

#define MAX_CODEC_FRAME 2880        /* samples: 60 ms at 48 kHz */
#define MAX_PAYLOAD 1275            /* bytes: the largest Opus frame */
#define RATE_BUCKETS 8
#define RATE_BUCKET_US 500000       /* 8 x 0.5 s: bitrates over the last 4 s */
#define IPV4_UDP_HEADERS 28         /* bytes the kernel adds to every datagram */

typedef struct rate_meter {
    uint64_t bucket_start[RATE_BUCKETS]; /* us; which half-second each bucket holds */
    uint64_t bytes[RATE_BUCKETS];
} rate_meter;

struct sottod_media {
    sottod_media_params p;
    char cname[64];
    sotto_codec *codec;
    sotto_jitter *jitter;
    sotto_resampler *to_codec;      /* daemon rate -> codec rate */
    sotto_resampler *from_codec;    /* codec rate -> daemon rate */
    size_t codec_frame;             /* samples per packet at the codec's rate */
    uint32_t ts_step;               /* RTP timestamp units per packet */
    /* sending */
    uint32_t ssrc;
    uint16_t seq;
    uint32_t timestamp;
    int16_t enc_buf[2 * MAX_CODEC_FRAME];
    size_t enc_len;
    uint64_t packets_sent, payload_sent, rtp_octets_sent;
    /* receiving */
    uint32_t remote_ssrc;
    int have_remote;
    sotto_rtp_seq rx_seq;
    sotto_rtp_jitter rx_jitter;
    uint64_t packets_received, payload_received, decode_errors;
    int16_t out_fifo[4 * MAX_CODEC_FRAME];  /* decoded audio at the daemon rate */
    size_t out_len;
    int16_t dec_buf[MAX_CODEC_FRAME];
    int16_t dec_buf2[MAX_CODEC_FRAME];
    /* RTCP */
    uint32_t last_sr_ntp_short;     /* middle 32 bits of the peer's last SR; 0 = none */
    uint64_t last_sr_arrival_us;
    double rtt_ms;
    double remote_loss;
    uint64_t rtcp_sent, rtcp_received;
    /* wire accounting */
    uint64_t wire_sent, wire_received;
    rate_meter wire_out, wire_in, payload_out, payload_in;
};

static void meter_add(rate_meter *m, uint64_t now_us, size_t bytes)
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
static double meter_kbps(const rate_meter *m, uint64_t now_us)
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

int sottod_media_create(sottod_media **out, const sottod_media_params *p)
{
    sotto_jitter_config jc;
    sottod_media *m;
    int rc;

    if (!out || !p || !p->codec || !p->transport || p->rate <= 0)
        return -EINVAL;
    m = calloc(1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    m->p = *p;
    snprintf(m->cname, sizeof(m->cname), "%s", p->cname ? p->cname : "sotto");
    m->p.cname = m->cname;
    rc = sotto_codec_create(&m->codec, p->codec, &p->codec_params);
    if (rc < 0)
        goto fail;
    m->codec_frame = sotto_codec_frame_samples(m->codec);
    if (m->codec_frame == 0 || m->codec_frame > MAX_CODEC_FRAME) {
        rc = -EINVAL;
        goto fail;
    }
    m->ts_step = (uint32_t)((uint64_t)p->codec->clock_rate * (uint64_t)p->codec_params.frame_ms /
                            1000);
    sotto_jitter_config_default(&jc);
    jc.clock_rate = (uint32_t)p->codec->clock_rate;
    jc.frame_us = (uint32_t)p->codec_params.frame_ms * 1000;
    jc.max_frame_bytes = MAX_PAYLOAD;
    /* After call set-up the first packets come in bursts (the loop was busy
     * with the handshake), which inflates the delay; shed it within about a
     * second rather than several: one compression per 80 ms of speech. */
    jc.speech_compress_interval_frames = 4;
    rc = sotto_jitter_create(&m->jitter, &jc);
    if (rc == 0)
        rc = sotto_resampler_create(&m->to_codec, p->rate, p->codec->sample_rate,
                                    SOTTO_RESAMPLER_QUALITY);
    if (rc == 0)
        rc = sotto_resampler_create(&m->from_codec, p->codec->sample_rate, p->rate,
                                    SOTTO_RESAMPLER_QUALITY);
    if (rc < 0)
        goto fail;
    m->ssrc = random_u32();
    m->seq = (uint16_t)random_u32();
    m->timestamp = random_u32();
    m->rtt_ms = -1;
    m->remote_loss = -1;
    sotto_rtp_jitter_init(&m->rx_jitter);
    *out = m;
    return 0;
fail:
    sottod_media_destroy(&m);
    return rc;
}

void sottod_media_destroy(sottod_media **pm)
{
    sottod_media *m;

    if (!pm || !*pm)
        return;
    m = *pm;
    sotto_codec_destroy(&m->codec);
    sotto_jitter_destroy(&m->jitter);
    sotto_resampler_destroy(&m->to_codec);
    sotto_resampler_destroy(&m->from_codec);
    free(m);
    *pm = NULL;
}

static void send_packet(sottod_media *m, const uint8_t *payload, size_t len, uint64_t now_us)
{
    sotto_rtp_packet pkt;
    uint8_t buf[SOTTO_TRANSPORT_MAX_PACKET];
    size_t out_len;

    memset(&pkt, 0, sizeof(pkt));
    pkt.payload_type = m->p.payload_type;
    pkt.seq = m->seq++;
    pkt.timestamp = m->timestamp;
    pkt.ssrc = m->ssrc;
    pkt.marker = m->packets_sent == 0;
    pkt.payload = payload;
    pkt.payload_len = len;
    m->timestamp += m->ts_step;
    if (sotto_rtp_pack(&pkt, buf, sizeof(buf) - 16, &out_len) < 0)
        return;
    /* A refused send (before SECURE, or ICE busy) is a lost packet. */
    if (sotto_transport_send_rtp(m->p.transport, buf, out_len) == 0) {
        m->packets_sent++;
        m->payload_sent += len;
        m->rtp_octets_sent += len;
        meter_add(&m->payload_out, now_us, len);
    }
}

static void encode_and_send(sottod_media *m, const int16_t *pcm, size_t samples,
                            uint64_t now_us)
{
    uint8_t payload[MAX_PAYLOAD];
    size_t in = samples, room, len, done = 0;

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
                                   sizeof(payload), &len) == 0)
                send_packet(m, payload, len, now_us);
            m->enc_len -= m->codec_frame;
            memmove(m->enc_buf, m->enc_buf + m->codec_frame, m->enc_len * sizeof(int16_t));
        }
        if (in == 0 && room == 0)
            break;
    }
}

/* Produces one codec frame of audio for the jitter buffer's decision. */
static size_t playout_frame(sottod_media *m, uint64_t now_us, int16_t *pcm)
{
    sotto_jitter_out jo;
    size_t n = 0, n2 = 0, i;

    if (sotto_jitter_pull(m->jitter, now_us, &jo) < 0)
        jo.action = SOTTO_JITTER_PREBUFFER;
    switch (jo.action) {
    case SOTTO_JITTER_PLAY:
        if (jo.payload_len &&
            sotto_codec_decode(m->codec, jo.payload, jo.payload_len, pcm, MAX_CODEC_FRAME,
                               &n) == 0 && n == m->codec_frame)
            return n;
        m->decode_errors += jo.payload_len ? 1 : 0;
        break;
    case SOTTO_JITTER_CONCEAL:
        if (jo.next_payload && m->p.codec_params.fec &&
            sotto_codec_decode_fec(m->codec, jo.next_payload, jo.next_payload_len, pcm,
                                   m->codec_frame, &n) == 0 && n == m->codec_frame)
            return n;
        break;
    case SOTTO_JITTER_EXPAND:
        break;
    case SOTTO_JITTER_COMPRESS:
        /* Two frames share one period: decode both (keeping the decoder's
         * state continuous) and cross-fade from the first into the second. */
        if (jo.payload_len)
            sotto_codec_decode(m->codec, jo.payload, jo.payload_len, pcm, MAX_CODEC_FRAME, &n);
        if (jo.next_payload_len &&
            sotto_codec_decode(m->codec, jo.next_payload, jo.next_payload_len, m->dec_buf2,
                               MAX_CODEC_FRAME, &n2) == 0 && n2 == m->codec_frame) {
            for (i = 0; i < m->codec_frame; i++) {
                double w = (double)i / (double)m->codec_frame;
                double a = n == m->codec_frame ? pcm[i] : 0.0;
                pcm[i] = (int16_t)(a * (1.0 - w) + m->dec_buf2[i] * w);
            }
            return m->codec_frame;
        }
        break;
    case SOTTO_JITTER_PREBUFFER:
    default:
        memset(pcm, 0, m->codec_frame * sizeof(int16_t));
        return m->codec_frame;
    }
    if (sotto_codec_conceal(m->codec, pcm, m->codec_frame, &n) == 0 && n == m->codec_frame)
        return n;
    memset(pcm, 0, m->codec_frame * sizeof(int16_t));
    return m->codec_frame;
}

static void fill_playout(sottod_media *m, size_t want, uint64_t now_us)
{
    const size_t cap = sizeof(m->out_fifo) / sizeof(m->out_fifo[0]);

    while (m->out_len < want) {
        size_t n = playout_frame(m, now_us, m->dec_buf), in = n, room = cap - m->out_len;

        if (sotto_resampler_process(m->from_codec, m->dec_buf, &in, m->out_fifo + m->out_len,
                                    &room) < 0 || room == 0)
            break;
        m->out_len += room;
    }
}

void sottod_media_tick(sottod_media *m, const int16_t *pcm, size_t samples, int16_t *play,
                       uint64_t now_us)
{
    size_t n;

    encode_and_send(m, pcm, samples, now_us);
    fill_playout(m, samples, now_us);
    n = m->out_len < samples ? m->out_len : samples;
    memcpy(play, m->out_fifo, n * sizeof(int16_t));
    memset(play + n, 0, (samples - n) * sizeof(int16_t));
    m->out_len -= n;
    memmove(m->out_fifo, m->out_fifo + n, m->out_len * sizeof(int16_t));
}

static void receive_rtcp(sottod_media *m, const uint8_t *pkt, size_t len, uint64_t now_us)
{
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
        m->remote_loss = rb->fraction_lost / 256.0;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (rb->lsr &&
            sotto_rtcp_rtt(sotto_ntp_short(sotto_ntp_from_unix_ns(
                               (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec)),
                           rb->lsr, rb->dlsr, &rtt) == 0)
            m->rtt_ms = rtt * 1000.0 / 65536.0;
    }
}

void sottod_media_receive(sottod_media *m, const uint8_t *pkt, size_t len, int is_rtcp,
                          uint64_t now_us)
{
    sotto_rtp_packet rtp;
    sotto_jitter_packet jp;
    sotto_jitter_frame frame;
    int64_t ext;

    if (!m)
        return;
    if (is_rtcp) {
        receive_rtcp(m, pkt, len, now_us);
        return;
    }
    if (sotto_rtp_parse(pkt, len, &rtp) < 0 || rtp.payload_type != m->p.payload_type)
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
    meter_add(&m->payload_in, now_us, rtp.payload_len);
    frame.payload = rtp.payload;
    frame.len = rtp.payload_len;
    /* Silent frames are where the jitter buffer prefers to shrink its delay. */
    frame.silent = sotto_codec_payload_silent(m->p.codec, rtp.payload, rtp.payload_len);
    jp.ssrc = rtp.ssrc;
    jp.seq = rtp.seq;
    jp.timestamp = rtp.timestamp;
    jp.frame_duration = m->ts_step;
    jp.frames = &frame;
    jp.frame_count = 1;
    sotto_jitter_insert(m->jitter, &jp, now_us);
}

void sottod_media_count_wire(sottod_media *m, int outbound, size_t len, uint64_t now_us)
{
    size_t bytes = len + IPV4_UDP_HEADERS;

    if (!m)
        return;
    if (outbound) {
        m->wire_sent += bytes;
        meter_add(&m->wire_out, now_us, bytes);
    } else {
        m->wire_received += bytes;
        meter_add(&m->wire_in, now_us, bytes);
    }
}

int sottod_media_send_rtcp(sottod_media *m, int bye, uint64_t now_us)
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
        rc = sotto_transport_send_rtcp(m->p.transport, buf, len);
    if (rc == 0)
        m->rtcp_sent++;
    return rc;
}

void sottod_media_get_stats(const sottod_media *m, uint64_t now_us, sottod_media_stats *out)
{
    sotto_jitter_stats js;
    uint64_t expected;

    memset(out, 0, sizeof(*out));
    if (!m)
        return;
    sotto_jitter_get_stats(m->jitter, &js);
    out->codec = m->p.codec->name;
    out->payload_type = m->p.payload_type;
    out->ptime_ms = m->p.codec_params.frame_ms;
    out->ssrc = m->ssrc;
    out->remote_ssrc = m->remote_ssrc;
    out->packets_sent = m->packets_sent;
    out->packets_received = m->packets_received;
    out->payload_bytes_sent = m->payload_sent;
    out->payload_bytes_received = m->payload_received;
    out->wire_bytes_sent = m->wire_sent;
    out->wire_bytes_received = m->wire_received;
    out->payload_kbps_sent = meter_kbps(&m->payload_out, now_us);
    out->wire_kbps_sent = meter_kbps(&m->wire_out, now_us);
    out->payload_kbps_received = meter_kbps(&m->payload_in, now_us);
    out->wire_kbps_received = meter_kbps(&m->wire_in, now_us);
    out->packets_lost = js.packets_lost;
    expected = js.packets_lost + m->packets_received;
    out->loss_fraction = expected ? (double)js.packets_lost / (double)expected : 0.0;
    out->jitter_ms = m->p.codec->clock_rate
                         ? sotto_rtp_jitter_value(&m->rx_jitter) * 1000.0 / m->p.codec->clock_rate
                         : 0.0;
    out->rtt_ms = m->rtt_ms;
    out->remote_loss_fraction = m->remote_loss;
    out->jitter_buffer_ms = js.target_delay_ms;
    out->concealed_ms = js.concealed_ms;
    out->frames_played = js.frames_played;
    out->packets_late = js.packets_late;
    out->packets_duplicate = js.packets_duplicate;
    out->rtcp_sent = m->rtcp_sent;
    out->rtcp_received = m->rtcp_received;
    out->decode_errors = m->decode_errors;
}
