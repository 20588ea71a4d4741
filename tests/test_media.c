/* The call media library driven packet by packet, without sockets: one
 * sender's packets (caught by its send callback) go to a receiver with
 * loss, reordering and duplication applied here; receiver reports go back
 * to the sender to move its rate controller. A dummy codec defined in this
 * file shows that the media path asks only the codec's description. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/sotto_payload.h"
#include "media/media.h"
#include "net/net.h"
#include "net/red.h"

#define RATE 16000 /* Hz at the daemon side */
#define TICK 320   /* samples: 20 ms at RATE */
#define MAX_CAUGHT 1024

typedef struct caught {
    uint8_t data[SOTTO_MEDIA_MAX_PACKET];
    size_t len;
    int is_rtcp;
} caught;

typedef struct wire {
    caught pkts[MAX_CAUGHT];
    size_t count;
    int refuse; /* 1 = the send callback fails (transport not ready) */
} wire;

static int catch_packet(void *opaque, int is_rtcp, const uint8_t *pkt, size_t len)
{
    wire *w = opaque;

    ck_assert_uint_le(len, SOTTO_MEDIA_MAX_PACKET);
    if (w->refuse)
        return -EAGAIN;
    ck_assert_uint_lt(w->count, MAX_CAUGHT);
    memcpy(w->pkts[w->count].data, pkt, len);
    w->pkts[w->count].len = len;
    w->pkts[w->count].is_rtcp = is_rtcp;
    w->count++;
    return 0;
}

/* A framed codec of 4 bytes per 20 ms at 8 kHz: each frame carries the
 * mean level of its samples; decoding plays that level back. */
static int dummy_create(void **out_state, const sotto_codec_params *p)
{
    (void)p;
    *out_state = calloc(1, sizeof(int));
    return *out_state ? 0 : -ENOMEM;
}

static void dummy_destroy(void *state)
{
    free(state);
}

static int dummy_encode(void *state, const int16_t *pcm, size_t samples, uint8_t *out,
                        size_t outcap, size_t *out_len)
{
    int64_t sum = 0;

    (void)state;
    if (outcap < 4)
        return -ENOBUFS;
    for (size_t i = 0; i < samples; i++)
        sum += pcm[i];
    int16_t mean = (int16_t)(sum / (int64_t)samples);
    out[0] = 0xd5;
    out[1] = (uint8_t)((uint16_t)mean >> 8);
    out[2] = (uint8_t)mean;
    out[3] = 0x5d;
    *out_len = 4;
    return 0;
}

static int dummy_decode(void *state, const uint8_t *payload, size_t len, int16_t *out_pcm,
                        size_t cap, size_t *out_samples)
{
    int *decoded = state;

    if (len != 4 || payload[0] != 0xd5 || payload[3] != 0x5d)
        return -EBADMSG;
    if (cap < 160)
        return -ENOBUFS;
    for (size_t i = 0; i < 160; i++)
        out_pcm[i] = (int16_t)(uint16_t)((payload[1] << 8) | payload[2]);
    (*decoded)++;
    *out_samples = 160;
    return 0;
}

static int dummy_conceal(void *state, int16_t *out_pcm, size_t samples, size_t *out_samples)
{
    (void)state;
    memset(out_pcm, 0, samples * sizeof(int16_t));
    *out_samples = samples;
    return 0;
}

static void dummy_reset(void *state)
{
    *(int *)state = 0;
}

static int dummy_fmtp(const sotto_codec_params *p, char *buf, size_t buflen)
{
    (void)p;
    return snprintf(buf, buflen, "%s", "");
}

static const sotto_codec_desc dummy_desc = {
    .name = "X-DUMMY",
    .clock_rate = 8000,
    .channels = 1,
    .sample_rate = 8000,
    .static_pt = -1,
    .default_pt = 120,
    .red_pt = -1,
    .frame_ms = 20,
    .frame_bytes = 4,
    .min_ptime_ms = 20,
    .max_ptime_ms = 120,
    .create = dummy_create,
    .destroy = dummy_destroy,
    .encode = dummy_encode,
    .decode = dummy_decode,
    .conceal = dummy_conceal,
    .reset = dummy_reset,
    .fmtp = dummy_fmtp,
};

static void params_for(sotto_media_params *mp, const sotto_codec_desc *codec, uint8_t pt,
                       int ptime_ms, wire *w)
{
    memset(mp, 0, sizeof(*mp));
    mp->codec = codec;
    sotto_codec_params_default(&mp->codec_params);
    mp->codec_params.frame_ms = ptime_ms;
    mp->payload_type = pt;
    mp->rate = RATE;
    mp->send = catch_packet;
    mp->send_opaque = w;
    mp->cname = "test";
    mp->max_ptime_ms = ptime_ms;
    mp->srtp_tag_bytes = 10;
    mp->red_pt = -1;
    mp->cn_pt = -1;
}

/* A 440 Hz tone at -12 dBFS, continuous across ticks. */
static void tone(int16_t *pcm, size_t n, uint64_t *phase)
{
    for (size_t i = 0; i < n; i++, (*phase)++)
        pcm[i] = (int16_t)(8000.0 * sin(2.0 * M_PI * 440.0 * (double)*phase / RATE));
}

/* Runs ticks 20 ms ticks of the tone into m; returns the new time. */
static uint64_t run_ticks(sotto_media *m, int ticks, uint64_t now_us, uint64_t *phase)
{
    int16_t pcm[TICK], play[TICK];

    for (int i = 0; i < ticks; i++) {
        tone(pcm, TICK, phase);
        sotto_media_tick(m, pcm, TICK, play, now_us);
        now_us += 20000;
    }
    return now_us;
}

static sotto_rtp_packet parse_rtp(const caught *c)
{
    sotto_rtp_packet p;

    ck_assert(!c->is_rtcp);
    ck_assert_int_eq(sotto_rtp_parse(c->data, c->len, &p), 0);
    return p;
}

/* Delivers w's RTP packets in the order given (indices into w), then
 * plays out enough ticks for the receiver to drain them. */
static void deliver(sotto_media *rx, const wire *w, const size_t *order, size_t n,
                    uint64_t start_us, uint64_t step_us)
{
    int16_t silence[TICK] = { 0 }, play[TICK];
    uint64_t now = start_us;

    for (size_t i = 0; i < n; i++) {
        const caught *c = &w->pkts[order[i]];

        sotto_media_receive(rx, c->data, c->len, c->is_rtcp, now);
        /* The receiver's own audio clock runs meanwhile. */
        if (step_us) {
            now += step_us;
            /* One 20 ms audio tick per 20 ms of arrivals. */
            if (now / 20000 != (now - step_us) / 20000 || step_us >= 20000)
                for (uint64_t t = 0; t < (step_us + 19999) / 20000; t++)
                    sotto_media_tick(rx, silence, TICK, play, now);
        }
    }
    for (int i = 0; i < 50; i++, now += 20000)
        sotto_media_tick(rx, silence, TICK, play, now);
}

/* A receiver report from the peer on m's stream: fraction_lost of 256. */
static void report_loss(sotto_media *m, uint32_t media_ssrc, int fraction_lost, uint64_t now_us)
{
    sotto_rtcp_build_params bp;
    sotto_rtcp_report_block rb;
    uint8_t buf[256];
    size_t len;

    memset(&bp, 0, sizeof(bp));
    memset(&rb, 0, sizeof(rb));
    rb.ssrc = media_ssrc;
    rb.fraction_lost = (uint8_t)fraction_lost;
    bp.ssrc = 0x1234;
    bp.cname = "peer";
    bp.reports = &rb;
    bp.report_count = 1;
    ck_assert_int_eq(sotto_rtcp_build(&bp, buf, sizeof(buf), &len), 0);
    sotto_media_receive(m, buf, len, 1, now_us);
}

static size_t rtp_count(const wire *w, size_t *order)
{
    size_t n = 0;

    for (size_t i = 0; i < w->count; i++)
        if (!w->pkts[i].is_rtcp)
            order[n++] = i;
    return n;
}

/* Noise of about rms at every sample (uniform, deterministic). */
static void low_noise(int16_t *pcm, size_t n, double rms, uint32_t *rng)
{
    for (size_t i = 0; i < n; i++) {
        *rng = *rng * 1664525u + 1013904223u;
        pcm[i] = (int16_t)(((double)(*rng >> 8) / 16777216.0 * 2.0 - 1.0) * rms * 1.732);
    }
}

static double rms_of(const int16_t *pcm, size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * pcm[i];
    return sqrt(sum / (double)n);
}

/* One second of tone, three of -60 dBFS noise, one of tone, packets
 * delivered as they go: the silence goes as a few CN packets, the
 * listener plays noise near that level (not zeros, not loss), and the
 * talkspurt after it starts with the marker bit. */
START_TEST(media_silence_goes_as_comfort_noise)
{
    static wire w, back;
    sotto_media_params mp, rp;
    sotto_media *tx = NULL, *rx = NULL;
    sotto_media_stats ts, rs;
    int16_t pcm[TICK], play[TICK];
    uint64_t phase = 0, now = 1000000;
    uint32_t rng = 1;
    size_t delivered = 0, silent_rtp = 0, cn_seen = 0, marker_after = 0;
    double play_rms_sum = 0;
    int play_rms_n = 0, min_level = 200, max_level = -1;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    mp.cn_pt = 13;
    mp.silence_suppression = 1;
    memset(&back, 0, sizeof(back));
    params_for(&rp, sotto_codec_find("PCMU"), 0, 20, &back);
    rp.cn_pt = 13;
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    ck_assert_int_eq(sotto_media_create(&rx, &rp), 0);
    for (int i = 0; i < 250; i++, now += 20000) {
        int silent = i >= 50 && i < 200;

        if (silent)
            low_noise(pcm, TICK, 32.8, &rng);
        else
            tone(pcm, TICK, &phase);
        sotto_media_tick(tx, pcm, TICK, play, now);
        for (; delivered < w.count; delivered++) {
            const caught *c = &w.pkts[delivered];

            if (!c->is_rtcp) {
                sotto_rtp_packet p = parse_rtp(c);

                if (i >= 62 && silent)
                    silent_rtp++;
                if (p.payload_type == 13) {
                    cn_seen++;
                    ck_assert_uint_eq(p.payload_len, 1);
                    min_level = p.payload[0] < min_level ? p.payload[0] : min_level;
                    max_level = p.payload[0] > max_level ? p.payload[0] : max_level;
                    ck_assert_int_eq(p.marker, 0);
                } else if (i >= 200 && !marker_after) {
                    ck_assert_int_eq(p.marker, 1);
                    marker_after = 1;
                } else if (i > 0) {
                    ck_assert_msg(p.marker == 0, "marker at tick %d", i);
                }
            }
            sotto_media_receive(rx, c->data, c->len, c->is_rtcp, now);
        }
        back.count = 0;
        sotto_media_tick(rx, pcm, TICK, play, now);
        if (i >= 80 && i < 200) {
            play_rms_sum += rms_of(play, TICK);
            play_rms_n++;
        }
    }
    sotto_media_get_stats(tx, now, &ts);
    sotto_media_get_stats(rx, now, &rs);
    /* 3 s of silence less the 200 ms hangover: a CN at its start and one
     * every 2 s, each a single level byte near 60 (-dBov). */
    ck_assert_uint_ge(cn_seen, 1);
    ck_assert_uint_le(cn_seen, 4);
    ck_assert_uint_eq(ts.cn_packets_sent, cn_seen);
    ck_assert_uint_le(silent_rtp, 3);
    ck_assert_int_ge(min_level, 57);
    ck_assert_int_le(max_level, 63);
    ck_assert_uint_ge(ts.silence_ms_sent, 2700);
    ck_assert_uint_le(ts.silence_ms_sent, 2900);
    ck_assert_int_eq(marker_after, 1);
    /* The listener: noise at about the sender's level, no loss. */
    ck_assert_uint_eq(rs.cn_packets_received, cn_seen);
    ck_assert_uint_ge(rs.comfort_noise_ms, 2000);
    ck_assert_uint_eq(rs.packets_lost, 0);
    ck_assert_uint_le(rs.concealed_ms, 40);
    ck_assert_uint_le(rs.jitter_buffer_ms, 100);
    ck_assert_msg(play_rms_sum / play_rms_n > 20 && play_rms_sum / play_rms_n < 55,
                  "listener's silence rms %.1f", play_rms_sum / play_rms_n);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}
END_TEST

/* Without negotiated CN, or with the setting off, silence is sent as
 * audio; voice activity, when given, decides over the level. */
START_TEST(media_silence_suppression_needs_cn_and_follows_voice_activity)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    int16_t pcm[TICK] = { 0 }, play[TICK];
    uint64_t now = 1000000, phase = 0;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    mp.cn_pt = -1;
    mp.silence_suppression = 1;
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    for (int i = 0; i < 50; i++, now += 20000)
        sotto_media_tick(m, pcm, TICK, play, now);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.packets_sent, 50);
    ck_assert_uint_eq(st.cn_packets_sent, 0);
    sotto_media_destroy(&m);

    memset(&w, 0, sizeof(w));
    mp.cn_pt = 13;
    mp.silence_suppression = 0;
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    for (int i = 0; i < 50; i++, now += 20000)
        sotto_media_tick(m, pcm, TICK, play, now);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.packets_sent, 50);
    sotto_media_destroy(&m);

    /* A tone the detector calls silence is suppressed; zeros it calls
     * speech are sent. */
    memset(&w, 0, sizeof(w));
    mp.silence_suppression = 1;
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    sotto_media_set_speech(m, 0);
    now = run_ticks(m, 50, now, &phase);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.packets_sent, 9 + st.cn_packets_sent); /* 180 ms hangover sent */
    ck_assert_uint_eq(st.cn_packets_sent, 1);
    sotto_media_set_speech(m, 1);
    for (int i = 0; i < 50; i++, now += 20000)
        sotto_media_tick(m, pcm, TICK, play, now);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.packets_sent, 60);
    sotto_media_set_speech(NULL, 1);
    sotto_media_destroy(&m);
}
END_TEST

/* Opus with the peer's usedtx=1: the encoder's DTX frames (1-2 bytes)
 * are not sent, so a silence costs a packet every 400 ms or so instead of
 * fifty a second; speech after it starts with the marker bit. */
START_TEST(media_opus_dtx_sends_little_in_silence)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    int16_t pcm[TICK], play[TICK];
    uint64_t now = 1000000, phase = 0;
    uint32_t rng = 7;
    size_t before, settled = 0, bytes = 0, marker_at = 0;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("opus"), 111, 20, &w);
    mp.codec_params.dtx = 1;
    mp.silence_suppression = 1;
    mp.cn_pt = 107; /* DTX wins over CN for Opus */
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    now = run_ticks(m, 50, now, &phase);
    before = w.count;
    for (int i = 0; i < 250; i++, now += 20000) {
        if (i == 100)
            settled = w.count; /* the encoder takes about a second to call it noise */
        low_noise(pcm, TICK, 32.8, &rng);
        sotto_media_tick(m, pcm, TICK, play, now);
    }
    for (size_t i = before; i < w.count; i++) {
        ck_assert_uint_eq(parse_rtp(&w.pkts[i]).payload_type, 111);
        if (i >= settled)
            bytes += w.pkts[i].len + 10 + 28; /* SRTP tag, IPv4 + UDP */
    }
    sotto_media_get_stats(m, now, &st);
    printf("opus dtx: %zu packets in the last 3 s of 5 s of -60 dBFS noise, %.0f bit/s on "
           "the wire (RTP)\n",
           w.count - settled, (double)bytes * 8.0 / 3.0);
    /* One packet per 400 ms or so, each of the codec's normal size. */
    ck_assert_uint_le(w.count - settled, 10);
    ck_assert_uint_ge(w.count - settled, 5);
    ck_assert_uint_ge(st.silence_ms_sent, 3000);
    ck_assert_uint_eq(st.cn_packets_sent, 0);
    before = w.count;
    run_ticks(m, 10, now, &phase);
    ck_assert_uint_ge(w.count, before + 9);
    for (size_t i = before; i < w.count; i++)
        if (parse_rtp(&w.pkts[i]).marker)
            marker_at++;
    ck_assert_uint_eq(marker_at, 1);
    ck_assert_int_eq(parse_rtp(&w.pkts[before]).marker, 1);
    sotto_media_destroy(&m);
}
END_TEST

START_TEST(media_pcmu_sends_one_packet_per_ptime)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    uint64_t phase = 0;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    run_ticks(m, 10, 1000000, &phase);
    ck_assert_uint_eq(w.count, 10);
    sotto_rtp_packet first = parse_rtp(&w.pkts[0]);
    ck_assert_int_eq(first.marker, 1);
    for (size_t i = 1; i < w.count; i++) {
        sotto_rtp_packet p = parse_rtp(&w.pkts[i]);

        ck_assert_uint_eq(p.payload_type, 0);
        ck_assert_int_eq(p.marker, 0);
        ck_assert_uint_eq(p.payload_len, 160);
        ck_assert_uint_eq((uint16_t)(p.seq - first.seq), i);
        ck_assert_uint_eq(p.timestamp - first.timestamp, 160u * i);
        ck_assert_uint_eq(p.ssrc, first.ssrc);
    }
    sotto_media_stats st;
    sotto_media_get_stats(m, 1200000, &st);
    ck_assert_uint_eq(st.packets_sent, 10);
    ck_assert_uint_eq(st.payload_bytes_sent, 1600);
    ck_assert_str_eq(st.codec, "PCMU");
    sotto_media_destroy(&m);
    ck_assert_ptr_null(m);
}
END_TEST

START_TEST(media_refused_send_is_not_counted)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    uint64_t phase = 0;

    memset(&w, 0, sizeof(w));
    w.refuse = 1;
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    run_ticks(m, 5, 0, &phase);
    sotto_media_get_stats(m, 200000, &st);
    ck_assert_uint_eq(st.packets_sent, 0);
    ck_assert_int_lt(sotto_media_send_rtcp(m, 0, 200000), 0);
    w.refuse = 0;
    run_ticks(m, 1, 200000, &phase);
    sotto_media_get_stats(m, 220000, &st);
    ck_assert_uint_eq(st.packets_sent, 1);
    /* The first packet that left is the one with the marker bit. */
    ck_assert_int_eq(parse_rtp(&w.pkts[0]).marker, 1);
    sotto_media_destroy(&m);
}
END_TEST

START_TEST(media_create_rejects_bad_params)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;

    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    mp.send = NULL;
    ck_assert_int_eq(sotto_media_create(&m, &mp), -EINVAL);
    params_for(&mp, NULL, 0, 20, &w);
    ck_assert_int_eq(sotto_media_create(&m, &mp), -EINVAL);
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    mp.rate = 0;
    ck_assert_int_eq(sotto_media_create(&m, &mp), -EINVAL);
    ck_assert_int_eq(sotto_media_create(NULL, &mp), -EINVAL);
    ck_assert_ptr_null(m);
    sotto_media_destroy(NULL);
    sotto_media_destroy(&m);
}
END_TEST

/* Sender and receiver on PCMU; what the receiver sees for a given order. */
static void pcmu_run(size_t (*shape)(size_t *order, size_t n), sotto_media_stats *out_rx,
                     uint64_t step_us)
{
    static wire w, back;
    static size_t order[2 * MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *tx = NULL, *rx = NULL;
    uint64_t phase = 0;

    memset(&w, 0, sizeof(w));
    memset(&back, 0, sizeof(back));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &back);
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    run_ticks(tx, 100, 0, &phase);
    size_t n = rtp_count(&w, order);
    ck_assert_uint_eq(n, 100);
    n = shape(order, n);
    deliver(rx, &w, order, n, 100000, step_us);
    sotto_media_get_stats(rx, 10000000, out_rx);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}

static size_t shape_none(size_t *order, size_t n)
{
    (void)order;
    return n;
}

/* Every fifth packet lost (not the first). */
static size_t shape_loss(size_t *order, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (i % 5 != 4)
            order[k++] = order[i];
    return k;
}

/* Neighbours swapped: 1 0 3 2 5 4 ... */
static size_t shape_reorder(size_t *order, size_t n)
{
    for (size_t i = 2; i + 1 < n; i += 2) {
        size_t t = order[i];

        order[i] = order[i + 1];
        order[i + 1] = t;
    }
    return n;
}

/* Every packet twice. */
static size_t shape_duplicate(size_t *order, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        order[2 * i] = order[i];
        order[2 * i + 1] = order[i];
    }
    return 2 * n;
}

START_TEST(media_clean_stream_plays_without_loss)
{
    sotto_media_stats st;

    pcmu_run(shape_none, &st, 20000);
    ck_assert_uint_eq(st.packets_received, 100);
    ck_assert_uint_eq(st.packets_lost, 0);
    ck_assert_double_eq(st.loss_fraction, 0.0);
    ck_assert_uint_eq(st.packets_duplicate, 0);
    ck_assert_uint_ge(st.frames_played, 95);
    ck_assert_uint_eq(st.decode_errors, 0);
    ck_assert_int_eq(st.remote_ptime_ms, 20);
}
END_TEST

START_TEST(media_loss_is_counted_and_concealed)
{
    sotto_media_stats st;

    pcmu_run(shape_loss, &st, 20000);
    ck_assert_uint_eq(st.packets_received, 80);
    ck_assert_uint_eq(st.packets_lost, 20 - 1); /* the last loss is the stream's end */
    ck_assert(st.loss_fraction > 0.18 && st.loss_fraction < 0.21);
    ck_assert_uint_ge(st.concealed_ms, 19 * 20);
}
END_TEST

START_TEST(media_reordered_packets_are_all_played)
{
    sotto_media_stats st;

    pcmu_run(shape_reorder, &st, 20000);
    ck_assert_uint_eq(st.packets_received, 100);
    ck_assert_uint_eq(st.packets_lost, 0);
    ck_assert_uint_eq(st.packets_late, 0);
    ck_assert_uint_ge(st.frames_played, 95);
}
END_TEST

START_TEST(media_duplicates_are_dropped_once_each)
{
    sotto_media_stats st;

    pcmu_run(shape_duplicate, &st, 10000);
    ck_assert_uint_eq(st.packets_received, 200);
    /* A copy that arrives after its frame played counts as late instead. */
    ck_assert_uint_eq(st.packets_duplicate + st.packets_late, 100);
    ck_assert_uint_ge(st.packets_duplicate, 40);
    ck_assert_uint_eq(st.packets_lost, 0);
    ck_assert_uint_ge(st.frames_played, 95);
}
END_TEST

/* Sotto with in-band redundancy: frames per packet, redundant copies. */
static void sotto_params(sotto_media_params *mp, int ptime_ms, int max_ptime_ms, wire *w)
{
    params_for(mp, sotto_codec_find("SOTTO"), 100, ptime_ms, w);
    mp->inband_redundancy = 1;
    mp->redundancy = 1;
    mp->max_ptime_ms = max_ptime_ms;
}

START_TEST(media_sotto_packs_frames_per_ptime)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_payload_view v;
    uint64_t phase = 0;

    memset(&w, 0, sizeof(w));
    sotto_params(&mp, 60, 60, &w);
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    run_ticks(m, 30, 0, &phase);
    ck_assert_uint_eq(w.count, 10);
    for (size_t i = 0; i < w.count; i++) {
        sotto_rtp_packet p = parse_rtp(&w.pkts[i]);

        ck_assert_int_eq(sotto_payload_parse(p.payload, p.payload_len, &v), 0);
        ck_assert_uint_eq(v.primary_count, 3);
        ck_assert_uint_eq(v.redundant_count, 0);
        if (i)
            ck_assert_uint_eq(p.timestamp - parse_rtp(&w.pkts[i - 1]).timestamp, 960);
    }
    sotto_media_destroy(&m);
}
END_TEST

/* Loss reports raise the redundancy depth; the packets then repeat the
 * frames before them, byte for byte; clean reports lower it again. */
START_TEST(media_redundancy_depth_follows_reports)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    sotto_payload_view v, prev;
    uint64_t phase = 0, now = 0;

    memset(&w, 0, sizeof(w));
    sotto_params(&mp, 20, 20, &w);
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    now = run_ticks(m, 10, now, &phase);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.redundant_frames, 0);
    uint32_t ssrc = parse_rtp(&w.pkts[0]).ssrc;
    for (int i = 0; i < 5; i++) {
        report_loss(m, ssrc, 64, now); /* 25 % lost */
        now = run_ticks(m, 150, now, &phase);
    }
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_gt(st.redundant_frames, 0);
    uint32_t depth = st.redundant_frames;
    size_t last = w.count - 1;
    sotto_rtp_packet p = parse_rtp(&w.pkts[last]), q = parse_rtp(&w.pkts[last - 1]);
    ck_assert_int_eq(sotto_payload_parse(p.payload, p.payload_len, &v), 0);
    ck_assert_int_eq(sotto_payload_parse(q.payload, q.payload_len, &prev), 0);
    ck_assert_uint_eq(v.redundant_count, depth);
    /* The newest redundant frame is the previous packet's primary. */
    ck_assert_mem_eq(v.redundant + (v.redundant_count - 1) * 8, prev.primary, 8);
    ck_assert_uint_gt(st.controller.changes, 0);
    /* Clean reports for long enough bring the depth down. */
    for (int i = 0; i < 12; i++) {
        report_loss(m, ssrc, 0, now);
        now = run_ticks(m, 250, now, &phase);
        w.count = 0;
    }
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_lt(st.redundant_frames, depth);
    sotto_media_destroy(&m);
}
END_TEST

/* With redundancy on, a lost packet's frames come from the next packet. */
START_TEST(media_redundant_copies_recover_lost_frames)
{
    static wire w, back;
    static size_t order[MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *tx = NULL, *rx = NULL;
    sotto_media_stats st;
    uint64_t phase = 0, now = 0;

    memset(&w, 0, sizeof(w));
    memset(&back, 0, sizeof(back));
    sotto_params(&mp, 20, 20, &w);
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    sotto_params(&mp, 20, 20, &back);
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    now = run_ticks(tx, 2, now, &phase);
    uint32_t ssrc = parse_rtp(&w.pkts[0]).ssrc;
    for (int i = 0; i < 3; i++) {
        report_loss(tx, ssrc, 64, now);
        now = run_ticks(tx, 100, now, &phase);
    }
    w.count = 0;
    now = run_ticks(tx, 100, now, &phase);
    size_t n = rtp_count(&w, order), k = 0;
    for (size_t i = 0; i < n; i++)
        if (i % 4 != 2)
            order[k++] = order[i];
    deliver(rx, &w, order, k, now, 20000);
    sotto_media_get_stats(rx, now + 5000000, &st);
    ck_assert_uint_gt(st.remote_redundant_frames, 0);
    ck_assert_uint_ge(st.frames_recovered, 20);
    ck_assert_uint_eq(st.bad_payloads, 0);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}
END_TEST

/* Sotto on an 8 kbit/s link: a loss report moves the sender to the 2
 * kbit/s mode (header mode bit, 10-byte frames, one redundant copy in each
 * 120 ms packet); the receiver follows packet by packet and plays on
 * without concealing anything; clean reports bring the 3.2 kbit/s mode
 * back. */
START_TEST(media_sotto_switches_to_2_kbit_on_a_slow_lossy_link_and_back)
{
    static wire w, back;
    static size_t order[MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *tx = NULL, *rx = NULL;
    sotto_media_stats st;
    sotto_payload_view v;
    uint64_t phase = 0, now = 0;

    memset(&w, 0, sizeof(w));
    memset(&back, 0, sizeof(back));
    sotto_params(&mp, 20, 120, &w);
    mp.link_kbps = 8;
    mp.srtp_tag_bytes = 4;
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    sotto_params(&mp, 20, 120, &back);
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    now = run_ticks(tx, 60, now, &phase);
    sotto_rtp_packet p = parse_rtp(&w.pkts[w.count - 1]);
    ck_assert_int_eq(sotto_payload_parse(p.payload, p.payload_len, &v), 0);
    ck_assert_uint_eq(v.frame_bytes, 8);
    ck_assert_uint_eq(v.primary_count, 6);
    ck_assert_uint_eq(v.redundant_count, 0);
    report_loss(tx, p.ssrc, 26, now); /* 10 % lost */
    now = run_ticks(tx, 120, now, &phase);
    sotto_media_get_stats(tx, now, &st);
    ck_assert_int_eq(st.controller.low_mode, 1);
    ck_assert_uint_eq(st.controller.bitrate, 2000);
    p = parse_rtp(&w.pkts[w.count - 1]);
    ck_assert_int_eq(sotto_payload_parse(p.payload, p.payload_len, &v), 0);
    ck_assert_uint_eq(p.payload[0] & 0xC0, 0xC0);
    ck_assert_uint_eq(v.frame_bytes, 10);
    ck_assert_uint_eq(v.primary_count, 3);
    ck_assert_uint_eq(v.redundant_count, 1);
    /* Timestamps stay on the 20 ms grid across the switch: 120 ms apart. */
    sotto_rtp_packet before = parse_rtp(&w.pkts[w.count - 2]);
    ck_assert_uint_eq(p.timestamp - before.timestamp, 1920);
    /* The receiver plays the 3.2 and then the 2 kbit/s packets without a gap. */
    size_t n = rtp_count(&w, order);
    deliver(rx, &w, order, n, now, 120000);
    sotto_media_get_stats(rx, now + 60000000, &st);
    ck_assert_uint_eq(st.bad_payloads, 0);
    ck_assert_uint_eq(st.decode_errors, 0);
    ck_assert_uint_eq(st.remote_ptime_ms, 120);
    ck_assert_uint_eq(st.remote_redundant_frames, 1);
    /* Every 20 ms period of both modes was played from a packet (the
     * second half of each 40 ms frame too): none concealed, none late. */
    ck_assert_uint_eq(st.frames_played, n * 6);
    ck_assert_uint_eq(st.packets_late, 0);
    /* Lost packets in the 2 kbit/s stream: their last 40 ms comes back from
     * the next packet's copy. This receiver would itself send 20 ms packets
     * without redundancy (it never switches): it still takes the peer's. */
    sotto_media_destroy(&rx);
    memset(&back, 0, sizeof(back));
    sotto_params(&mp, 20, 20, &back);
    mp.redundancy = 0;
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    w.count = 0;
    now = run_ticks(tx, 120, now, &phase);
    n = rtp_count(&w, order);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i % 4 != 2)
            order[k++] = order[i];
    deliver(rx, &w, order, k, now, 120000);
    sotto_media_get_stats(rx, now + 60000000, &st);
    ck_assert_uint_ge(st.frames_recovered, 2 * (n / 4 - 1));
    ck_assert_uint_eq(st.bad_payloads, 0);
    /* Clean reports: back to 3.2 kbit/s once loss has cleared. */
    for (int i = 0; i < 14; i++) {
        report_loss(tx, p.ssrc, 0, now);
        w.count = 0;
        now = run_ticks(tx, 200, now, &phase);
    }
    sotto_media_get_stats(tx, now, &st);
    ck_assert_int_eq(st.controller.low_mode, 0);
    p = parse_rtp(&w.pkts[w.count - 1]);
    ck_assert_int_eq(sotto_payload_parse(p.payload, p.payload_len, &v), 0);
    ck_assert_uint_eq(v.frame_bytes, 8);
    ck_assert_uint_eq(st.controller.bitrate, 3200);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}
END_TEST

/* The peer changes its packet time mid-stream (20 ms, then 60 ms): the
 * receiver follows, loses nothing and reports the new packet time. */
START_TEST(media_receiver_follows_packet_time_change)
{
    static wire w20, w60, back;
    static size_t order[MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *a = NULL, *b = NULL, *rx = NULL;
    sotto_media_stats st;
    uint64_t phase = 0;

    memset(&w20, 0, sizeof(w20));
    memset(&w60, 0, sizeof(w60));
    sotto_params(&mp, 20, 20, &w20);
    ck_assert_int_eq(sotto_media_create(&a, &mp), 0);
    sotto_params(&mp, 60, 60, &w60);
    ck_assert_int_eq(sotto_media_create(&b, &mp), 0);
    sotto_params(&mp, 20, 20, &back);
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    run_ticks(a, 30, 0, &phase);
    run_ticks(b, 30, 600000, &phase);
    /* One stream: b's packets continue a's sequence, timestamps and SSRC. */
    sotto_rtp_packet last = parse_rtp(&w20.pkts[w20.count - 1]);
    uint32_t ts0 = parse_rtp(&w60.pkts[0]).timestamp;
    uint16_t seq0 = parse_rtp(&w60.pkts[0]).seq;
    for (size_t i = 0; i < w60.count; i++) {
        sotto_rtp_packet p = parse_rtp(&w60.pkts[i]);
        uint8_t payload[256];

        memcpy(payload, p.payload, p.payload_len);
        p.ssrc = last.ssrc;
        p.seq = (uint16_t)(last.seq + 1 + (uint16_t)(p.seq - seq0));
        p.timestamp = last.timestamp + 320 + (p.timestamp - ts0);
        p.marker = 0;
        p.payload = payload;
        ck_assert_int_eq(sotto_rtp_pack(&p, w20.pkts[w20.count].data, SOTTO_MEDIA_MAX_PACKET,
                                        &w20.pkts[w20.count].len),
                         0);
        w20.pkts[w20.count++].is_rtcp = 0;
    }
    size_t n = rtp_count(&w20, order);
    ck_assert_uint_eq(n, 40);
    int16_t silence[TICK] = { 0 }, play[TICK];
    uint64_t now = 0;
    for (size_t i = 0; i < 30; i++, now += 20000) {
        sotto_media_receive(rx, w20.pkts[order[i]].data, w20.pkts[order[i]].len, 0, now);
        sotto_media_tick(rx, silence, TICK, play, now);
    }
    sotto_media_get_stats(rx, now, &st);
    ck_assert_int_eq(st.remote_ptime_ms, 20);
    deliver(rx, &w20, order + 30, 10, now, 60000);
    sotto_media_get_stats(rx, now + 5000000, &st);
    ck_assert_int_eq(st.remote_ptime_ms, 60);
    ck_assert_uint_eq(st.packets_received, 40);
    ck_assert_uint_eq(st.packets_lost, 0);
    ck_assert_uint_eq(st.bad_payloads, 0);
    ck_assert_uint_ge(st.frames_played, 55);
    sotto_media_destroy(&a);
    sotto_media_destroy(&b);
    sotto_media_destroy(&rx);
}
END_TEST

/* A slow link cap makes the sender choose longer packets than asked for. */
START_TEST(media_link_cap_lengthens_packets)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    sotto_payload_view v;
    uint64_t phase = 0;

    memset(&w, 0, sizeof(w));
    sotto_params(&mp, 20, 120, &w);
    mp.link_kbps = 8;
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    run_ticks(m, 60, 0, &phase);
    sotto_media_get_stats(m, 1200000, &st);
    ck_assert_int_gt(st.ptime_ms, 20);
    ck_assert_uint_le(st.controller.wire_bps, 8000);
    sotto_rtp_packet p = parse_rtp(&w.pkts[0]);
    ck_assert_int_eq(sotto_payload_parse(p.payload, p.payload_len, &v), 0);
    ck_assert_uint_eq(v.primary_count * 20, (size_t)st.ptime_ms);
    ck_assert_uint_eq(w.count * (size_t)st.ptime_ms, 60 * 20);
    sotto_media_destroy(&m);
}
END_TEST

START_TEST(media_framed_payload_garbage_is_counted)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *rx = NULL;
    sotto_media_stats st;
    sotto_rtp_packet p;
    uint8_t payload[64], buf[128];
    size_t len;

    sotto_params(&mp, 20, 20, &w);
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    memset(&p, 0, sizeof(p));
    p.payload_type = 100;
    p.ssrc = 7;
    p.payload = payload;
    for (size_t n = 1; n < sizeof(payload); n += 3) {
        memset(payload, 0xff, n);
        p.payload_len = n;
        p.seq++;
        p.timestamp += 320;
        ck_assert_int_eq(sotto_rtp_pack(&p, buf, sizeof(buf), &len), 0);
        sotto_media_receive(rx, buf, len, 0, 1000 * n);
    }
    /* Wrong payload type and truncated packets are ignored outright. */
    p.payload_type = 101;
    ck_assert_int_eq(sotto_rtp_pack(&p, buf, sizeof(buf), &len), 0);
    sotto_media_receive(rx, buf, len, 0, 100000);
    sotto_media_receive(rx, buf, 5, 0, 100000);
    sotto_media_receive(rx, buf, 3, 1, 100000);
    sotto_media_get_stats(rx, 200000, &st);
    ck_assert_uint_gt(st.bad_payloads, 0);
    ck_assert_uint_eq(st.packets_received, 21);
    ck_assert_uint_eq(st.rtcp_received, 0);
    sotto_media_destroy(&rx);
}
END_TEST

/* Opus with RED negotiated: loss reports turn RED on (payload type 63,
 * the previous packet repeated), and the receiver recovers from it. */
START_TEST(media_opus_red_carries_previous_packet)
{
    static wire w, back;
    static size_t order[MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *tx = NULL, *rx = NULL;
    sotto_media_stats st;
    sotto_red_block blocks[4];
    size_t count;
    uint64_t phase = 0, now = 0;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("opus"), 111, 20, &w);
    mp.red_pt = 63;
    mp.codec_params.fec = 0;
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    params_for(&mp, sotto_codec_find("opus"), 111, 20, &back);
    mp.red_pt = 63;
    mp.codec_params.fec = 0;
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    now = run_ticks(tx, 5, now, &phase);
    ck_assert_uint_eq(parse_rtp(&w.pkts[4]).payload_type, 111);
    uint32_t ssrc = parse_rtp(&w.pkts[0]).ssrc;
    for (int i = 0; i < 3; i++) {
        report_loss(tx, ssrc, 64, now);
        now = run_ticks(tx, 100, now, &phase);
    }
    w.count = 0;
    now = run_ticks(tx, 100, now, &phase);
    sotto_rtp_packet p = parse_rtp(&w.pkts[50]), q = parse_rtp(&w.pkts[49]);
    ck_assert_uint_eq(p.payload_type, 63);
    ck_assert_int_eq(sotto_red_parse(p.payload, p.payload_len, blocks, 4, &count), 0);
    ck_assert_uint_eq(count, 2);
    ck_assert_uint_eq(blocks[0].ts_offset, 960);
    ck_assert_uint_eq(blocks[1].payload_type, 111);
    sotto_red_block qb[4];
    size_t qcount;
    ck_assert_int_eq(sotto_red_parse(q.payload, q.payload_len, qb, 4, &qcount), 0);
    ck_assert_uint_eq(blocks[0].len, qb[qcount - 1].len);
    ck_assert_mem_eq(blocks[0].data, qb[qcount - 1].data, blocks[0].len);
    size_t n = rtp_count(&w, order), k = 0;
    for (size_t i = 0; i < n; i++)
        if (i % 5 != 3)
            order[k++] = order[i];
    deliver(rx, &w, order, k, now, 20000);
    sotto_media_get_stats(rx, now + 5000000, &st);
    ck_assert_uint_eq(st.remote_redundant_frames, 1);
    ck_assert_uint_ge(st.frames_recovered, 15);
    ck_assert_uint_eq(st.bad_payloads, 0);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}
END_TEST

static uint32_t mismatch_planned, mismatch_measured;
static int mismatches;

static void note_mismatch(void *opaque, uint32_t planned_bps, uint32_t measured_bps)
{
    (void)opaque;
    mismatch_planned = planned_bps;
    mismatch_measured = measured_bps;
    mismatches++;
}

/* Opus on an 8 kbit/s link: the controller's 120 ms packets, each with
 * the bytes its constant rate plans (the rate is applied to the running
 * encoder from the start), decoded whole by a receiver whose frame is
 * 20 ms; the datagrams counted on the way out match the plan, and a
 * sender going over it for 10 s is told once. */
START_TEST(media_opus_on_a_slow_link_sends_what_the_controller_planned)
{
    static wire w, back;
    static size_t order[MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *tx = NULL, *rx = NULL;
    sotto_media_stats st;
    uint64_t phase = 0, now = 1000000;
    size_t n, i, bytes;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("opus"), 111, 20, &w);
    mp.max_ptime_ms = 120;
    mp.link_kbps = 8;
    mp.red_pt = 63;
    mp.on_rate_mismatch = note_mismatch;
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    params_for(&mp, sotto_codec_find("opus"), 111, 20, &back);
    mp.max_ptime_ms = 120;
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    mismatches = 0;
    now = run_ticks(tx, 300, now, &phase);
    sotto_media_get_stats(tx, now, &st);
    ck_assert_int_eq(st.ptime_ms, 120);
    ck_assert_int_eq(st.controller.constant_rate, 1);
    ck_assert_uint_le(st.controller.wire_bps, 7200);
    n = rtp_count(&w, order);
    ck_assert_uint_ge(n, 49);
    ck_assert_uint_le(n, 50);
    bytes = st.controller.bitrate * 120 / 8000;
    for (i = 0; i < n; i++) {
        sotto_rtp_packet p = parse_rtp(&w.pkts[order[i]]);

        ck_assert_uint_eq(p.payload_type, 111);
        ck_assert_int_eq(sotto_codec_packet_samples(mp.codec, p.payload, p.payload_len), 5760);
        ck_assert_uint_le(p.payload_len, bytes + 1);
        ck_assert_uint_ge(p.payload_len + 2, bytes);
        if (i)
            ck_assert_uint_eq(p.timestamp - parse_rtp(&w.pkts[order[i - 1]]).timestamp, 5760);
    }
    /* The wire as the transport counts it (SRTP adds the tag): as planned. */
    for (i = 0; i < n; i++)
        sotto_media_count_wire(tx, 1, w.pkts[order[i]].len + 10, 1000000 + i * 120000);
    sotto_media_get_stats(tx, 1000000 + n * 120000, &st);
    ck_assert_double_le(fabs(st.link_kbps_sent - st.planned_kbps_sent), 0.1 * st.planned_kbps_sent);
    ck_assert_uint_eq(st.over_plan_ms, 0);
    ck_assert_int_eq(mismatches, 0);
    deliver(rx, &w, order, n, now, 120000);
    sotto_media_get_stats(rx, now + 10000000, &st);
    ck_assert_int_eq(st.remote_ptime_ms, 120);
    ck_assert_uint_eq(st.bad_payloads, 0);
    ck_assert_uint_eq(st.decode_errors, 0);
    ck_assert_uint_ge(st.frames_played, n * 6);
    /* Twice the plan for 12 s: one warning. */
    for (i = 0; i < 100; i++)
        sotto_media_count_wire(tx, 1, 2 * (w.pkts[order[0]].len + 10) + 42, 20000000 + i * 120000);
    ck_assert_int_eq(mismatches, 1);
    ck_assert_uint_gt(mismatch_measured, mismatch_planned * 11 / 10);
    sotto_media_get_stats(tx, 20000000 + 100 * 120000, &st);
    ck_assert_uint_ge(st.over_plan_ms, 10000);
    ck_assert_uint_eq(st.rate_mismatches, 1);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}
END_TEST

/* Real-time start: while the link still carries the handshake, captured
 * audio is dropped, not queued; the first packet then carries the frame
 * of its own time (its timestamp counts the dropped audio), and nothing
 * older follows it. */
START_TEST(media_start_delay_drops_audio_instead_of_queueing_it)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    uint64_t phase = 0, now;
    size_t i;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    mp.start_delay_us = 500000;
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    /* The first 25 ticks (500 ms) are held: nothing sent, nothing kept. */
    now = run_ticks(m, 25, 1000000, &phase);
    ck_assert_uint_eq(w.count, 0);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.start_dropped_ms, 500);
    /* Then one packet per tick, each of its own tick's audio: no backlog. */
    now = run_ticks(m, 10, now, &phase);
    ck_assert_uint_eq(w.count, 10);
    ck_assert(parse_rtp(&w.pkts[0]).marker);
    for (i = 1; i < w.count; i++)
        ck_assert_uint_eq(parse_rtp(&w.pkts[i]).timestamp - parse_rtp(&w.pkts[i - 1]).timestamp,
                          160);
    sotto_media_get_stats(m, now, &st);
    ck_assert_uint_eq(st.start_dropped_ms, 500);
    ck_assert_uint_eq(st.packets_sent, 10);
    sotto_media_destroy(&m);
}
END_TEST

/* A codec the registry does not know: the media path packs its fixed
 * frames and plays them back from its description alone. */
START_TEST(media_dummy_codec_round_trips)
{
    static wire w, back;
    static size_t order[MAX_CAUGHT];
    sotto_media_params mp;
    sotto_media *tx = NULL, *rx = NULL;
    sotto_media_stats st;
    uint64_t phase = 0;
    int ms;
    size_t bytes;

    ck_assert_int_eq(sotto_codec_framing(&dummy_desc, NULL, &ms, &bytes), 0);
    ck_assert_int_eq(ms, 20);
    ck_assert_uint_eq(bytes, 4);
    ck_assert(sotto_codec_ptime_usable(&dummy_desc, 120));
    ck_assert(!sotto_codec_ptime_usable(&dummy_desc, 30));
    memset(&w, 0, sizeof(w));
    params_for(&mp, &dummy_desc, 120, 60, &w);
    ck_assert_int_eq(sotto_media_create(&tx, &mp), 0);
    params_for(&mp, &dummy_desc, 120, 60, &back);
    ck_assert_int_eq(sotto_media_create(&rx, &mp), 0);
    run_ticks(tx, 30, 0, &phase);
    ck_assert_uint_eq(w.count, 10);
    sotto_rtp_packet p = parse_rtp(&w.pkts[1]);
    ck_assert_uint_eq(p.payload_len, 12); /* three frames, no header without in-band */
    ck_assert_uint_eq(p.timestamp - parse_rtp(&w.pkts[0]).timestamp, 480);
    size_t n = rtp_count(&w, order);
    deliver(rx, &w, order, n, 0, 60000);
    sotto_media_get_stats(rx, 10000000, &st);
    ck_assert_str_eq(st.codec, "X-DUMMY");
    ck_assert_uint_eq(st.packets_received, 10);
    ck_assert_uint_eq(st.decode_errors, 0);
    ck_assert_int_eq(st.remote_ptime_ms, 60);
    ck_assert_uint_ge(st.frames_played, 28);
    sotto_media_destroy(&tx);
    sotto_media_destroy(&rx);
}
END_TEST

/* RTCP: a sender report goes out, the peer's SR and its report block on
 * our stream give the round-trip time and the remote loss. */
START_TEST(media_rtcp_reports_and_rtt)
{
    static wire wa, wb;
    sotto_media_params mp;
    sotto_media *a = NULL, *b = NULL;
    sotto_media_stats st;
    sotto_rtcp_info info;
    uint64_t phase = 0;

    memset(&wa, 0, sizeof(wa));
    memset(&wb, 0, sizeof(wb));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &wa);
    mp.rtcp_reduced_size = 1;
    ck_assert_int_eq(sotto_media_create(&a, &mp), 0);
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &wb);
    ck_assert_int_eq(sotto_media_create(&b, &mp), 0);
    /* Before sending anything, a report is an RR. */
    ck_assert_int_eq(sotto_media_send_rtcp(a, 0, 0), 0);
    ck_assert_int_eq(sotto_rtcp_parse(wa.pkts[0].data, wa.pkts[0].len, &info), 0);
    ck_assert(!info.has_sr);
    wa.count = 0;
    run_ticks(a, 10, 0, &phase);
    run_ticks(b, 10, 0, &phase);
    for (size_t i = 0; i < wa.count; i++)
        sotto_media_receive(b, wa.pkts[i].data, wa.pkts[i].len, 0, 200000);
    for (size_t i = 0; i < wb.count; i++)
        sotto_media_receive(a, wb.pkts[i].data, wb.pkts[i].len, 0, 200000);
    wa.count = wb.count = 0;
    ck_assert_int_eq(sotto_media_send_rtcp(a, 0, 300000), 0);
    ck_assert_int_eq(sotto_rtcp_parse(wa.pkts[0].data, wa.pkts[0].len, &info), 0);
    ck_assert(info.has_sr);
    ck_assert_uint_eq(info.sr.packet_count, 10);
    ck_assert_uint_eq(info.report_count, 1);
    sotto_media_receive(b, wa.pkts[0].data, wa.pkts[0].len, 1, 300000);
    /* No delay since the SR (the NTP clock is real time; this one is not). */
    ck_assert_int_eq(sotto_media_send_rtcp(b, 0, 300000), 0);
    sotto_media_receive(a, wb.pkts[0].data, wb.pkts[0].len, 1, 320000);
    sotto_media_get_stats(a, 400000, &st);
    ck_assert_uint_eq(st.rtcp_sent, 2);
    ck_assert_uint_eq(st.rtcp_received, 1);
    ck_assert(st.rtt_ms >= 0.0 && st.rtt_ms < 1000.0);
    ck_assert_double_eq(st.remote_loss_fraction, 0.0);
    /* Reduced size: the second report of a has no SDES; a BYE always has. */
    wa.count = 0;
    ck_assert_int_eq(sotto_media_send_rtcp(a, 1, 500000), 0);
    ck_assert_int_eq(sotto_rtcp_parse(wa.pkts[0].data, wa.pkts[0].len, &info), 0);
    ck_assert(info.has_bye);
    uint32_t ms = sotto_media_rtcp_interval_ms(a);
    ck_assert_uint_ge(ms, 2500);
    ck_assert_uint_le(ms, 7500);
    sotto_media_destroy(&a);
    sotto_media_destroy(&b);
}
END_TEST

static void count_bye(void *opaque)
{
    (*(int *)opaque)++;
}

/* The peer's RTCP BYE for the stream we play is reported once; a BYE for
 * another SSRC, or before any of the peer's RTP, is not. */
START_TEST(media_peer_bye_is_reported_once)
{
    static wire wa, wb;
    sotto_media_params mp;
    sotto_media *a = NULL, *b = NULL;
    uint64_t phase = 0;
    int byes = 0;

    memset(&wa, 0, sizeof(wa));
    memset(&wb, 0, sizeof(wb));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &wa);
    ck_assert_int_eq(sotto_media_create(&a, &mp), 0);
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &wb);
    mp.on_peer_bye = count_bye;
    mp.opaque = &byes;
    ck_assert_int_eq(sotto_media_create(&b, &mp), 0);
    /* a's BYE before b has heard any RTP of a's: not yet a known stream. */
    ck_assert_int_eq(sotto_media_send_rtcp(a, 1, 0), 0);
    sotto_media_receive(b, wa.pkts[0].data, wa.pkts[0].len, 1, 0);
    ck_assert_int_eq(byes, 0);
    wa.count = 0;
    run_ticks(a, 5, 0, &phase);
    for (size_t i = 0; i < wa.count; i++)
        sotto_media_receive(b, wa.pkts[i].data, wa.pkts[i].len, 0, 100000);
    /* b's own BYE names b's SSRC, not the stream b plays. */
    wb.count = 0;
    ck_assert_int_eq(sotto_media_send_rtcp(b, 1, 100000), 0);
    sotto_media_receive(b, wb.pkts[0].data, wb.pkts[0].len, 1, 100000);
    ck_assert_int_eq(byes, 0);
    /* A report without BYE, then the BYE, twice. */
    wa.count = 0;
    ck_assert_int_eq(sotto_media_send_rtcp(a, 0, 200000), 0);
    ck_assert_int_eq(sotto_media_send_rtcp(a, 1, 200000), 0);
    ck_assert_int_eq(sotto_media_send_rtcp(a, 1, 200000), 0);
    sotto_media_receive(b, wa.pkts[0].data, wa.pkts[0].len, 1, 200000);
    ck_assert_int_eq(byes, 0);
    sotto_media_receive(b, wa.pkts[1].data, wa.pkts[1].len, 1, 200000);
    ck_assert_int_eq(byes, 1);
    sotto_media_receive(b, wa.pkts[2].data, wa.pkts[2].len, 1, 200000);
    ck_assert_int_eq(byes, 1);
    sotto_media_destroy(&a);
    sotto_media_destroy(&b);
}
END_TEST

/* The meters: payload and wire kbit/s over the last seconds. */
START_TEST(media_meters_measure_rates)
{
    static wire w;
    sotto_media_params mp;
    sotto_media *m = NULL;
    sotto_media_stats st;
    uint64_t phase = 0, now = 0;

    memset(&w, 0, sizeof(w));
    params_for(&mp, sotto_codec_find("PCMU"), 0, 20, &w);
    ck_assert_int_eq(sotto_media_create(&m, &mp), 0);
    for (int i = 0; i < 250; i++) {
        now = run_ticks(m, 1, now, &phase);
        sotto_media_count_wire(m, 1, w.pkts[w.count - 1].len + 10, now);
        sotto_media_count_wire(m, 0, 100, now);
        w.count = 0;
    }
    sotto_media_get_stats(m, now, &st);
    ck_assert(fabs(st.payload_kbps_sent - 64.0) < 1.0);
    /* 160 + 12 RTP + 10 tag + 28 IPv4/UDP bytes per 20 ms. */
    ck_assert(fabs(st.wire_kbps_sent - 84.0) < 1.5);
    ck_assert(fabs(st.wire_kbps_received - 51.2) < 1.0);
    ck_assert_uint_eq(st.wire_bytes_sent, 250u * 210u);
    sotto_media_count_wire(NULL, 1, 10, now);
    sotto_media_receive(NULL, NULL, 0, 0, now);
    sotto_media_destroy(&m);
}
END_TEST

static Suite *media_suite(void)
{
    Suite *s = suite_create("media");
    TCase *tx = tcase_create("send");
    TCase *rx = tcase_create("receive");
    TCase *ctl = tcase_create("control");

    tcase_set_timeout(tx, 60);
    tcase_set_timeout(rx, 60);
    tcase_set_timeout(ctl, 120);
    tcase_add_test(tx, media_pcmu_sends_one_packet_per_ptime);
    tcase_add_test(tx, media_silence_goes_as_comfort_noise);
    tcase_add_test(tx, media_opus_dtx_sends_little_in_silence);
    tcase_add_test(tx, media_silence_suppression_needs_cn_and_follows_voice_activity);
    tcase_add_test(tx, media_refused_send_is_not_counted);
    tcase_add_test(tx, media_create_rejects_bad_params);
    tcase_add_test(tx, media_sotto_packs_frames_per_ptime);
    tcase_add_test(tx, media_link_cap_lengthens_packets);
    tcase_add_test(tx, media_meters_measure_rates);
    tcase_add_test(rx, media_clean_stream_plays_without_loss);
    tcase_add_test(rx, media_loss_is_counted_and_concealed);
    tcase_add_test(rx, media_reordered_packets_are_all_played);
    tcase_add_test(rx, media_duplicates_are_dropped_once_each);
    tcase_add_test(rx, media_receiver_follows_packet_time_change);
    tcase_add_test(rx, media_framed_payload_garbage_is_counted);
    tcase_add_test(rx, media_dummy_codec_round_trips);
    tcase_add_test(ctl, media_redundancy_depth_follows_reports);
    tcase_add_test(ctl, media_redundant_copies_recover_lost_frames);
    tcase_add_test(ctl, media_sotto_switches_to_2_kbit_on_a_slow_lossy_link_and_back);
    tcase_add_test(ctl, media_opus_red_carries_previous_packet);
    tcase_add_test(ctl, media_opus_on_a_slow_link_sends_what_the_controller_planned);
    tcase_add_test(ctl, media_start_delay_drops_audio_instead_of_queueing_it);
    tcase_add_test(ctl, media_rtcp_reports_and_rtt);
    tcase_add_test(ctl, media_peer_bye_is_reported_once);
    suite_add_tcase(s, tx);
    suite_add_tcase(s, rx);
    suite_add_tcase(s, ctl);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(media_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
