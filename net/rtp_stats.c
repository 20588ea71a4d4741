/* Per-source receive statistics and send counters for RTCP, on top of the
 * RFC 3550 sequence and jitter helpers in rtp.c; wire bitrate windows. */
#include "net/rtp_stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RS_RATE_BUCKETS 20          /* steps of the sliding bitrate window */
#define RS_MAX_SOURCES 64
#define RS_US_PER_S 1000000u

/* Bytes per time bucket; a bucket holds the count for the bucket number in
 * index and is cleared when a later bucket lands on it. */
typedef struct rs_rate {
    uint64_t bucket_us;                   /* window / RS_RATE_BUCKETS */
    uint64_t index[RS_RATE_BUCKETS];      /* absolute bucket number held */
    uint64_t bytes[RS_RATE_BUCKETS];      /* bytes in that bucket */
} rs_rate;

typedef struct rs_source {
    int used;                   /* 1 = this place tracks a source */
    uint32_t ssrc;              /* the source */
    sotto_rtp_seq seq;          /* RFC 3550 A.1 state */
    sotto_rtp_jitter jitter;    /* RFC 3550 A.8 state */
    uint64_t packets;           /* packets seen */
    uint64_t octets;            /* payload bytes */
    uint64_t wire_bytes;        /* on-the-wire bytes */
    uint64_t last_heard_us;     /* arrival of the latest packet */
    int heard_since_report;     /* 1 = a packet came since its last report block */
    int has_sr;                 /* 1 once a sender report came */
    uint32_t lsr;               /* middle 32 bits of that report's NTP time */
    uint64_t sr_arrival_us;     /* when it came */
} rs_source;

struct sotto_rtp_stats {
    sotto_rtp_stats_config cfg;
    rs_source *sources;         /* cfg.max_sources places */
    rs_rate recv_rate;          /* all received packets */
    rs_rate send_rate;          /* all sent packets */
    uint64_t sent_packets;      /* packets sent */
    uint64_t sent_octets;       /* payload bytes sent */
    uint64_t sent_wire_bytes;   /* on-the-wire bytes sent */
};

void sotto_rtp_stats_config_default(sotto_rtp_stats_config *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->clock_rate = 48000;
    out->max_sources = 4;
    out->window_ms = 1000;
    out->min_sequential = 2;
}

static int rs_config_valid(const sotto_rtp_stats_config *c)
{
    return c->clock_rate >= 1000 && c->clock_rate <= 1000000
           && c->max_sources >= 1 && c->max_sources <= RS_MAX_SOURCES
           && c->window_ms >= 100 && c->window_ms <= 10000
           && c->min_sequential >= 1 && c->min_sequential <= 100;
}

static void rs_rate_init(rs_rate *r, uint32_t window_ms)
{
    memset(r, 0, sizeof(*r));
    r->bucket_us = (uint64_t)window_ms * 1000u / RS_RATE_BUCKETS;
}

static void rs_rate_add(rs_rate *r, uint64_t now_us, size_t bytes)
{
    uint64_t idx = now_us / r->bucket_us;
    size_t slot = (size_t)(idx % RS_RATE_BUCKETS);

    if (r->index[slot] != idx) {
        r->index[slot] = idx;
        r->bytes[slot] = 0;
    }
    r->bytes[slot] += bytes;
}

/* Bits per second over the RS_RATE_BUCKETS buckets ending with the one
 * now_us falls in (the newest one partly filled). */
static uint64_t rs_rate_bps(const rs_rate *r, uint64_t now_us)
{
    uint64_t cur = now_us / r->bucket_us;
    uint64_t sum = 0;

    for (size_t i = 0; i < RS_RATE_BUCKETS; i++)
        if (r->index[i] <= cur && cur - r->index[i] < RS_RATE_BUCKETS)
            sum += r->bytes[i];
    return sum * 8u * RS_US_PER_S / (r->bucket_us * RS_RATE_BUCKETS);
}

int sotto_rtp_stats_create(sotto_rtp_stats **out_stats, const sotto_rtp_stats_config *cfg)
{
    sotto_rtp_stats_config defaults;
    sotto_rtp_stats *st = NULL;

    if (!out_stats)
        return -EINVAL;
    if (!cfg) {
        sotto_rtp_stats_config_default(&defaults);
        cfg = &defaults;
    }
    if (!rs_config_valid(cfg))
        return -EINVAL;
    st = calloc(1, sizeof(*st));
    if (!st)
        goto fail;
    st->cfg = *cfg;
    st->sources = calloc(cfg->max_sources, sizeof(*st->sources));
    if (!st->sources)
        goto fail;
    rs_rate_init(&st->recv_rate, cfg->window_ms);
    rs_rate_init(&st->send_rate, cfg->window_ms);
    *out_stats = st;
    return 0;
fail:
    sotto_rtp_stats_destroy(&st);
    return -ENOMEM;
}

void sotto_rtp_stats_destroy(sotto_rtp_stats **st)
{
    if (!st || !*st)
        return;
    free((*st)->sources);
    free(*st);
    *st = NULL;
}

static rs_source *rs_find(const sotto_rtp_stats *st, uint32_t ssrc)
{
    for (size_t i = 0; i < st->cfg.max_sources; i++)
        if (st->sources[i].used && st->sources[i].ssrc == ssrc)
            return &st->sources[i];
    return NULL;
}

/* A free place, else the one heard from least recently. */
static rs_source *rs_take_place(sotto_rtp_stats *st)
{
    rs_source *oldest = &st->sources[0];

    for (size_t i = 0; i < st->cfg.max_sources; i++) {
        rs_source *s = &st->sources[i];
        if (!s->used)
            return s;
        if (s->last_heard_us < oldest->last_heard_us)
            oldest = s;
    }
    return oldest;
}

/* now_us in RTP clock units, modulo 2^32 as A.8 wants; split so the
 * product cannot overflow. */
static uint32_t rs_arrival_ts(uint32_t clock_rate, uint64_t now_us)
{
    uint64_t whole = (now_us / RS_US_PER_S) * clock_rate;
    uint64_t part = (now_us % RS_US_PER_S) * clock_rate / RS_US_PER_S;
    return (uint32_t)(whole + part);
}

int sotto_rtp_stats_on_receive(sotto_rtp_stats *st, uint32_t ssrc, uint16_t seq, uint32_t rtp_ts,
                               size_t payload_len, size_t wire_len, uint64_t now_us)
{
    int64_t ext_seq;

    if (!st)
        return -EINVAL;
    rs_source *s = rs_find(st, ssrc);
    if (!s) {
        s = rs_take_place(st);
        memset(s, 0, sizeof(*s));
        s->used = 1;
        s->ssrc = ssrc;
        sotto_rtp_seq_init(&s->seq, seq, st->cfg.min_sequential);
        sotto_rtp_jitter_init(&s->jitter);
    }
    s->packets++;
    s->octets += payload_len;
    s->wire_bytes += wire_len;
    s->last_heard_us = now_us;
    rs_rate_add(&st->recv_rate, now_us, wire_len);
    sotto_rtp_jitter_update(&s->jitter, rtp_ts, rs_arrival_ts(st->cfg.clock_rate, now_us));
    /* Probation and unconfirmed jumps are not counted (A.1). */
    if (sotto_rtp_seq_update(&s->seq, seq, &ext_seq) == 0)
        s->heard_since_report = 1;
    return 0;
}

int sotto_rtp_stats_on_send(sotto_rtp_stats *st, size_t payload_len, size_t wire_len,
                            uint64_t now_us)
{
    if (!st)
        return -EINVAL;
    st->sent_packets++;
    st->sent_octets += payload_len;
    st->sent_wire_bytes += wire_len;
    rs_rate_add(&st->send_rate, now_us, wire_len);
    return 0;
}

int sotto_rtp_stats_on_sender_report(sotto_rtp_stats *st, uint32_t ssrc, uint64_t ntp,
                                     uint64_t now_us)
{
    if (!st)
        return -EINVAL;
    rs_source *s = rs_find(st, ssrc);
    if (!s)
        return -ENOENT;
    s->has_sr = 1;
    s->lsr = sotto_ntp_short(ntp);
    s->sr_arrival_us = now_us;
    return 0;
}

/* Delay since the source's last SR in 1/65536 s (RFC 3550 6.4.1). */
static uint32_t rs_dlsr(const rs_source *s, uint64_t now_us)
{
    if (!s->has_sr || now_us < s->sr_arrival_us)
        return 0;
    uint64_t d_us = now_us - s->sr_arrival_us;
    if (d_us / RS_US_PER_S >= 65536u)
        return UINT32_MAX;      /* the field saturates after 18 hours */
    return (uint32_t)(d_us * 65536u / RS_US_PER_S);
}

int sotto_rtp_stats_report_blocks(sotto_rtp_stats *st, uint64_t now_us,
                                  sotto_rtcp_report_block *blocks, size_t cap, size_t *out_count)
{
    size_t n = 0;

    if (!st || !out_count || (cap > 0 && !blocks))
        return -EINVAL;
    for (size_t i = 0; i < st->cfg.max_sources && n < cap; i++) {
        rs_source *s = &st->sources[i];
        sotto_rtcp_report_block b;

        if (!s->used || !s->heard_since_report || s->seq.probation > 0)
            continue;
        memset(&b, 0, sizeof(b));
        b.ssrc = s->ssrc;
        sotto_rtp_seq_report(&s->seq, &b.fraction_lost, &b.cumulative_lost, &b.ext_highest_seq);
        b.jitter = sotto_rtp_jitter_value(&s->jitter);
        b.lsr = s->has_sr ? s->lsr : 0;
        b.dlsr = rs_dlsr(s, now_us);
        blocks[n++] = b;
        s->heard_since_report = 0;
    }
    *out_count = n;
    return 0;
}

int sotto_rtp_stats_source(const sotto_rtp_stats *st, uint32_t ssrc,
                           sotto_rtp_source_stats *out_src)
{
    sotto_rtp_source_stats r;

    if (!st || !out_src)
        return -EINVAL;
    const rs_source *s = rs_find(st, ssrc);
    if (!s)
        return -ENOENT;
    memset(&r, 0, sizeof(r));
    r.ssrc = ssrc;
    r.valid = s->seq.probation == 0;
    r.packets = s->packets;
    r.octets = s->octets;
    r.wire_bytes = s->wire_bytes;
    r.jitter = sotto_rtp_jitter_value(&s->jitter);
    r.jitter_ms = (double)r.jitter * 1000.0 / st->cfg.clock_rate;
    if (r.valid) {
        uint32_t ext_max = s->seq.cycles + s->seq.max_seq;
        int64_t expected = (int64_t)ext_max - s->seq.base_seq + 1;
        int64_t lost = expected - s->seq.received;
        r.received = s->seq.received;
        r.expected = expected > 0 ? (uint32_t)expected : 0;
        /* Clamped like the 24-bit field of a report block. */
        if (lost > 0x7FFFFF)
            lost = 0x7FFFFF;
        if (lost < -0x800000)
            lost = -0x800000;
        r.cumulative_lost = (int32_t)lost;
        r.ext_highest_seq = ext_max;
    }
    *out_src = r;
    return 0;
}

int sotto_rtp_stats_send(const sotto_rtp_stats *st, uint64_t now_us,
                         sotto_rtp_send_stats *out_send)
{
    if (!st || !out_send)
        return -EINVAL;
    out_send->packets = st->sent_packets;
    out_send->octets = st->sent_octets;
    out_send->wire_bytes = st->sent_wire_bytes;
    out_send->bitrate_bps = rs_rate_bps(&st->send_rate, now_us);
    return 0;
}

int sotto_rtp_stats_receive_bitrate(const sotto_rtp_stats *st, uint64_t now_us,
                                    uint64_t *out_bps)
{
    if (!st || !out_bps)
        return -EINVAL;
    *out_bps = rs_rate_bps(&st->recv_rate, now_us);
    return 0;
}
