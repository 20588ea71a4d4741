/* Unit tests for the receive side of a call: the adaptive jitter buffer
 * (net/jitter.h) driven by simulated networks on a virtual clock, and the
 * RTCP receive/send statistics (net/rtp_stats.h). */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/jitter.h"
#include "net/rtp_stats.h"

#define T0_US 1000000000ull /* arbitrary origin of the virtual monotonic clock */
#define FRAME_US 20000u     /* 20 ms frames */
#define FRAME_TS 960u       /* 20 ms at 48 kHz */
#define PULL_PHASE_US 7000u /* pulls are not aligned with sends */
#define MS 1000ull
#define SEC 1000000ull
#define SSRC_A 0x11223344u
#define SSRC_B 0x55667788u
#define MARK_PRIMARY 0xAB
#define MARK_REDUNDANT 0xEE
#define MAX_FPP 6
#define MAX_CONCEAL 64
#define NEVER_US UINT64_MAX /* a packet that is lost */

enum {
    PKT_PRIMARY,
    PKT_REDUNDANT
};

typedef struct sim_packet {
    uint64_t arrival_us; /* when it reaches the buffer */
    uint32_t index;      /* payload index of its first frame */
    uint32_t ssrc;       /* source */
    uint16_t seq;        /* RTP sequence number */
    uint32_t ts;         /* RTP timestamp of its first frame */
    int kind;            /* PKT_PRIMARY or PKT_REDUNDANT (one frame) */
    size_t order;        /* insertion order, breaks arrival ties */
} sim_packet;

/* A simulated call: packets with arrival times, pulled every 20 ms. */
typedef struct sim {
    sotto_jitter *jb;
    uint16_t seq0; /* sequence number of packet 0 */
    uint32_t ts0;  /* timestamp of frame 0 */
    size_t fpp;    /* frames per packet */
    int silent;    /* mark every frame silent */
    sim_packet *pkts;
    size_t npkts, cap_pkts, next_pkt;
    uint64_t next_pull_us;
    uint64_t pull_period_us;  /* FRAME_US unless the playout clock drifts */
    uint64_t measure_from_us; /* counts below cover pulls from this time on */
    size_t n_pulls, n_play, n_conceal, n_expand, n_compress, n_prebuffer;
    int64_t last_index;        /* payload index handed out last */
    size_t disorder;           /* payloads handed out not after the previous one */
    size_t marker_errors;      /* recovered flag disagreeing with the payload */
    size_t ts_errors;          /* PLAY timestamp not ts0 + index * FRAME_TS */
    size_t last_adjust_pull;   /* pull number of the last EXPAND or COMPRESS */
    size_t min_adjust_gap;     /* fewest pulls from one adjustment to the next */
    size_t min_compress_gap;   /* fewest pulls from one COMPRESS to the next */
    size_t last_compress_pull; /* pull number of the last COMPRESS */
    size_t pull_no;            /* pulls so far */
    uint8_t *handed;           /* per payload index: times handed out */
    size_t max_index;
    size_t n_recovered_idx;
    uint32_t recovered_idx[MAX_CONCEAL];
    size_t n_conceal_ts;
    uint32_t conceal_ts[MAX_CONCEAL];  /* CONCEAL timestamps, in order */
    int64_t conceal_next[MAX_CONCEAL]; /* index in next_payload, -1 when none */
} sim;

/* xorshift32: the same "random" network on every run. */
static uint32_t prng_next(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static void sim_init(sim *s, const sotto_jitter_config *cfg, size_t max_index, size_t fpp)
{
    memset(s, 0, sizeof(*s));
    ck_assert_int_eq(sotto_jitter_create(&s->jb, cfg), 0);
    s->seq0 = 1000;
    s->ts0 = 123456;
    s->fpp = fpp;
    s->cap_pkts = max_index * 3 + 16;
    s->pkts = calloc(s->cap_pkts, sizeof(*s->pkts));
    s->max_index = max_index;
    s->handed = calloc(max_index, 1);
    ck_assert_ptr_nonnull(s->pkts);
    ck_assert_ptr_nonnull(s->handed);
    s->last_index = -1;
    s->next_pull_us = T0_US + PULL_PHASE_US;
    s->pull_period_us = FRAME_US;
    s->min_adjust_gap = s->min_compress_gap = SIZE_MAX;
}

static void sim_free(sim *s)
{
    sotto_jitter_destroy(&s->jb);
    ck_assert_ptr_null(s->jb);
    free(s->pkts);
    free(s->handed);
}

/* When packet k leaves the sender: once its last frame is complete. */
static uint64_t sim_send_us(const sim *s, size_t k)
{
    return T0_US + (uint64_t)(k + 1) * s->fpp * FRAME_US;
}

static sim_packet *sim_add(sim *s, uint64_t arrival_us, uint32_t index, int kind)
{
    ck_assert_uint_lt(s->npkts, s->cap_pkts);
    sim_packet *p = &s->pkts[s->npkts];
    p->arrival_us = arrival_us;
    p->index = index;
    p->ssrc = SSRC_A;
    p->seq = (uint16_t)(s->seq0 + index / s->fpp);
    p->ts = s->ts0 + index * FRAME_TS;
    p->kind = kind;
    p->order = s->npkts++;
    return p;
}

/* Packet k (frames k*fpp...) arriving transit_us after it was sent. */
static sim_packet *sim_add_packet(sim *s, size_t k, uint64_t transit_us)
{
    return sim_add(s, sim_send_us(s, k) + transit_us, (uint32_t)(k * s->fpp), PKT_PRIMARY);
}

static int sim_cmp(const void *a, const void *b)
{
    const sim_packet *x = a, *y = b;
    if (x->arrival_us != y->arrival_us)
        return x->arrival_us < y->arrival_us ? -1 : 1;
    return (x->order > y->order) - (x->order < y->order);
}

/* Arrival order; call after adding packets and before running. */
static void sim_sort(sim *s)
{
    qsort(s->pkts + s->next_pkt, s->npkts - s->next_pkt, sizeof(*s->pkts), sim_cmp);
}

static void put_index(uint8_t *buf, uint32_t index, uint8_t mark)
{
    buf[0] = (uint8_t)(index >> 24);
    buf[1] = (uint8_t)(index >> 16);
    buf[2] = (uint8_t)(index >> 8);
    buf[3] = (uint8_t)index;
    buf[4] = mark;
}

static uint32_t get_index(const uint8_t *buf)
{
    return ((uint32_t)buf[0] << 24) | ((uint32_t)buf[1] << 16) | ((uint32_t)buf[2] << 8) | buf[3];
}

static void sim_insert(sim *s, const sim_packet *p)
{
    uint8_t bufs[MAX_FPP][5];
    sotto_jitter_frame frames[MAX_FPP];
    size_t count = p->kind == PKT_PRIMARY ? s->fpp : 1;

    for (size_t i = 0; i < count; i++) {
        put_index(bufs[i], p->index + (uint32_t)i,
                  p->kind == PKT_PRIMARY ? MARK_PRIMARY : MARK_REDUNDANT);
        frames[i] = (sotto_jitter_frame){ .payload = bufs[i], .len = 5, .silent = s->silent };
    }
    if (p->kind == PKT_REDUNDANT) {
        ck_assert_int_eq(
            sotto_jitter_insert_redundant(s->jb, p->ssrc, p->ts, &frames[0], p->arrival_us), 0);
        return;
    }
    sotto_jitter_packet pkt = { .ssrc = p->ssrc,
                                .seq = p->seq,
                                .timestamp = p->ts,
                                .frame_duration = FRAME_TS,
                                .frames = frames,
                                .frame_count = count };
    ck_assert_int_eq(sotto_jitter_insert(s->jb, &pkt, p->arrival_us), 0);
}

static void sim_hand_out(sim *s, const uint8_t *payload, size_t len, int recovered)
{
    ck_assert_ptr_nonnull(payload);
    ck_assert_uint_eq(len, 5);
    uint32_t idx = get_index(payload);
    if ((int64_t)idx <= s->last_index)
        s->disorder++;
    s->last_index = idx;
    if (idx < s->max_index)
        s->handed[idx]++;
    if ((payload[4] == MARK_REDUNDANT) != (recovered != 0))
        s->marker_errors++;
    if (recovered && s->n_recovered_idx < MAX_CONCEAL)
        s->recovered_idx[s->n_recovered_idx++] = idx;
}

/* Pulls between adjustments, to check the configured spacing. */
static void sim_note_adjust(sim *s, int compress)
{
    if (s->last_adjust_pull > 0 && s->pull_no - s->last_adjust_pull < s->min_adjust_gap)
        s->min_adjust_gap = s->pull_no - s->last_adjust_pull;
    s->last_adjust_pull = s->pull_no;
    if (!compress)
        return;
    if (s->last_compress_pull > 0 && s->pull_no - s->last_compress_pull < s->min_compress_gap)
        s->min_compress_gap = s->pull_no - s->last_compress_pull;
    s->last_compress_pull = s->pull_no;
}

static void sim_record(sim *s, const sotto_jitter_out *o, int measured)
{
    s->pull_no++;
    if (o->action == SOTTO_JITTER_EXPAND || o->action == SOTTO_JITTER_COMPRESS)
        sim_note_adjust(s, o->action == SOTTO_JITTER_COMPRESS);
    switch (o->action) {
    case SOTTO_JITTER_PREBUFFER:
        s->n_prebuffer += (size_t)measured;
        break;
    case SOTTO_JITTER_EXPAND:
        s->n_expand += (size_t)measured;
        break;
    case SOTTO_JITTER_PLAY:
        s->n_play += (size_t)measured;
        sim_hand_out(s, o->payload, o->payload_len, o->recovered);
        if (o->timestamp != s->ts0 + get_index(o->payload) * FRAME_TS)
            s->ts_errors++;
        break;
    case SOTTO_JITTER_COMPRESS:
        s->n_compress += (size_t)measured;
        sim_hand_out(s, o->payload, o->payload_len, o->recovered);
        sim_hand_out(s, o->next_payload, o->next_payload_len, 0);
        break;
    case SOTTO_JITTER_CONCEAL:
        s->n_conceal += (size_t)measured;
        if (measured && s->n_conceal_ts < MAX_CONCEAL) {
            s->conceal_next[s->n_conceal_ts] =
                o->next_payload ? (int64_t)get_index(o->next_payload) : -1;
            s->conceal_ts[s->n_conceal_ts++] = o->timestamp;
        }
        break;
    }
}

/* Delivers packets and pulls every frame period up to until_us. */
static void sim_run(sim *s, uint64_t until_us)
{
    sotto_jitter_out out;

    while (s->next_pull_us <= until_us) {
        while (s->next_pkt < s->npkts && s->pkts[s->next_pkt].arrival_us <= s->next_pull_us)
            sim_insert(s, &s->pkts[s->next_pkt++]);
        ck_assert_int_eq(sotto_jitter_pull(s->jb, s->next_pull_us, &out), 0);
        int measured = s->next_pull_us >= s->measure_from_us;
        s->n_pulls += (size_t)measured;
        sim_record(s, &out, measured);
        s->next_pull_us += s->pull_period_us;
    }
}

/* Runs until the payload with the highest index has been handed out. */
static void sim_run_until_done(sim *s, uint64_t limit_us)
{
    while (s->handed[s->max_index - 1] == 0 && s->next_pull_us <= limit_us)
        sim_run(s, s->next_pull_us);
    ck_assert_msg(s->handed[s->max_index - 1] > 0, "last frame never played");
}

static sotto_jitter_stats sim_stats(const sim *s)
{
    sotto_jitter_stats st;
    ck_assert_int_eq(sotto_jitter_get_stats(s->jb, &st), 0);
    return st;
}

/* Every index in [from, to) handed out exactly once, in order. */
static void assert_handed_once(const sim *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        ck_assert_msg(s->handed[i] == 1, "frame %zu handed out %u times", i, s->handed[i]);
    ck_assert_uint_eq(s->disorder, 0);
    ck_assert_uint_eq(s->marker_errors, 0);
}

static void cfg_with_min(sotto_jitter_config *cfg, uint32_t min_delay_ms)
{
    sotto_jitter_config_default(cfg);
    cfg->min_delay_ms = min_delay_ms;
}

START_TEST(jitter_in_order_stream_plays_exactly)
{
    sim s;
    sim_init(&s, NULL, 200, 1);
    for (size_t k = 0; k < 200; k++)
        sim_add_packet(&s, k, 30 * MS);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    assert_handed_once(&s, 0, 200);
    ck_assert_uint_eq(s.ts_errors, 0);
    ck_assert_uint_eq(s.n_play, 200);
    ck_assert_uint_eq(s.n_conceal + s.n_expand + s.n_compress, 0);
    ck_assert_uint_ge(s.n_prebuffer, 1);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_received, 200);
    ck_assert_uint_eq(st.frames_played, 200);
    ck_assert_uint_eq(st.packets_duplicate + st.packets_late + st.packets_lost, 0);
    ck_assert_uint_eq(st.concealed_ms, 0);
    ck_assert_uint_eq(st.target_delay_ms, 30); /* one frame + 10 ms margin */
    ck_assert_int_ge(st.current_delay_ms, 30);
    ck_assert_int_lt(st.current_delay_ms, 50);
    ck_assert_uint_eq(st.buffered_frames, 0);
    ck_assert_int_eq(st.playing, 1);
    sim_free(&s);
}
END_TEST

/* A device asking for 60 ms at a time pulls three frames with one time. */
START_TEST(jitter_bursts_of_pulls_at_one_time)
{
    sim s;
    sotto_jitter_out out;
    sim_init(&s, NULL, 300, 1);
    for (size_t k = 0; k < 300; k++)
        sim_add_packet(&s, k, 30 * MS);
    uint64_t now = T0_US + PULL_PHASE_US;
    while (s.handed[299] == 0 && now < T0_US + 10 * SEC) {
        while (s.next_pkt < s.npkts && s.pkts[s.next_pkt].arrival_us <= now)
            sim_insert(&s, &s.pkts[s.next_pkt++]);
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(sotto_jitter_pull(s.jb, now, &out), 0);
            s.n_pulls++;
            sim_record(&s, &out, 1);
        }
        now += 3 * FRAME_US;
    }
    assert_handed_once(&s, 0, 300);
    /* It grows by the 40 ms lead once at the start, and stays put. */
    ck_assert_uint_eq(s.n_conceal + s.n_compress, 0);
    ck_assert_uint_le(s.n_expand, 2);
    ck_assert_int_ge(sim_stats(&s).current_delay_ms, 70);
    sim_free(&s);
}
END_TEST

/* A loop that stalls once for 200 ms and then catches up pulls ten periods
 * with one time: those were due, not fetched ahead, so the delay is not
 * raised to cover them as a lead (which seconds later had to be
 * compressed out of the speech). */
START_TEST(jitter_one_catch_up_is_not_a_lead)
{
    sim s;
    sotto_jitter_out out;
    sim_init(&s, NULL, 400, 1);
    for (size_t k = 0; k < 400; k++)
        sim_add_packet(&s, k, 30 * MS);
    uint64_t now = T0_US + PULL_PHASE_US;
    size_t pulls = 0, compressed_after = 0;
    while (s.handed[399] == 0 && now < T0_US + 12 * SEC) {
        while (s.next_pkt < s.npkts && s.pkts[s.next_pkt].arrival_us <= now)
            sim_insert(&s, &s.pkts[s.next_pkt++]);
        /* At 1 s the caller was away for 200 ms: it pulls the ten periods
         * it missed and the one due now, all at once. */
        int n = 1;
        if (pulls == 50) {
            now += 10 * FRAME_US;
            n = 11;
        }
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(sotto_jitter_pull(s.jb, now, &out), 0);
            s.n_pulls++;
            sim_record(&s, &out, 1);
            pulls++;
        }
        if (pulls == 61)
            compressed_after = s.n_compress;
        now = T0_US + PULL_PHASE_US + pulls * FRAME_US;
    }
    /* Nothing held for seconds and shed later; expands only at the start. */
    ck_assert_uint_eq(s.n_compress, compressed_after);
    ck_assert_uint_le(s.n_expand, 2);
    ck_assert_int_lt(sim_stats(&s).current_delay_ms, 60);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_reordered_pairs_and_bursts_play_in_order)
{
    sotto_jitter_config cfg;
    sim s;
    cfg_with_min(&cfg, 60);
    sim_init(&s, &cfg, 300, 1);
    for (size_t k = 0; k < 150; k++) /* swapped pairs: 1, 0, 3, 2, ... */
        sim_add_packet(&s, k, k % 2 == 0 ? 51 * MS : 30 * MS);
    for (size_t k = 150; k < 300; k++) { /* reversed bursts of three: 152, 151, 150, ... */
        size_t last = 150 + (k - 150) / 3 * 3 + 2;
        sim_add(&s, sim_send_us(&s, last) + 30 * MS + (last - k) * 1000, (uint32_t)k, PKT_PRIMARY);
    }
    sim_sort(&s);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    assert_handed_once(&s, 0, 300);
    ck_assert_uint_eq(s.n_conceal + s.n_expand + s.n_compress, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_late + st.packets_lost + st.packets_duplicate, 0);
    ck_assert_uint_eq(st.target_delay_ms, 60);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_duplicates_dropped_and_counted)
{
    sim s;
    sim_init(&s, NULL, 100, 1);
    for (size_t k = 0; k < 100; k++) {
        sim_add_packet(&s, k, 30 * MS);
        sim_add_packet(&s, k, 33 * MS);
    }
    sim_add_packet(&s, 10, 400 * MS); /* long after frame 10 was played */
    sim_add_packet(&s, 20, 400 * MS);
    sim_sort(&s);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    assert_handed_once(&s, 0, 100);
    ck_assert_uint_eq(s.n_conceal, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_received, 202);
    ck_assert_uint_eq(st.packets_duplicate, 102);
    ck_assert_uint_eq(st.packets_late + st.packets_lost, 0);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_late_packet_counted_not_played)
{
    sim s;
    sim_init(&s, NULL, 100, 1);
    for (size_t k = 0; k < 100; k++)
        sim_add_packet(&s, k, k == 50 ? 300 * MS : 30 * MS);
    sim_sort(&s);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    ck_assert_uint_eq(s.handed[50], 0);
    for (size_t k = 0; k < 100; k++)
        ck_assert_uint_eq(s.handed[k], k == 50 ? 0 : 1);
    ck_assert_uint_eq(s.n_conceal_ts, 1);
    ck_assert_uint_eq(s.conceal_ts[0], s.ts0 + 50 * FRAME_TS);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_late, 1);
    ck_assert_uint_eq(st.packets_lost, 0); /* it did arrive */
    ck_assert_uint_eq(st.frames_concealed, 1);
    ck_assert_uint_ge(st.target_delay_ms, 280); /* grown at once: 270 ms late + margin */
    ck_assert_uint_ge(st.expands, 1);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_losses_conceal_exactly_the_missing_frames)
{
    sim s;
    sim_init(&s, NULL, 200, 1);
    for (size_t k = 0; k < 200; k++)
        if (k != 20 && (k < 100 || k > 104))
            sim_add_packet(&s, k, 30 * MS);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    ck_assert_uint_eq(s.n_conceal_ts, 6);
    const uint32_t lost[6] = { 20, 100, 101, 102, 103, 104 };
    const int64_t next[6] = { 21, -1, -1, -1, -1, 105 }; /* FEC source when held */
    for (size_t i = 0; i < 6; i++) {
        ck_assert_uint_eq(s.conceal_ts[i], s.ts0 + lost[i] * FRAME_TS);
        ck_assert_int_eq(s.conceal_next[i], next[i]);
    }
    for (size_t k = 0; k < 200; k++)
        ck_assert_uint_eq(s.handed[k], k == 20 || (k >= 100 && k <= 104) ? 0 : 1);
    ck_assert_uint_eq(s.disorder, 0);
    ck_assert_uint_eq(s.n_expand + s.n_compress, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_lost, 6);
    ck_assert_uint_eq(st.frames_concealed, 6);
    ck_assert_uint_eq(st.concealed_ms, 120);
    ck_assert_uint_eq(st.packets_late, 0);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_redundant_copy_fills_gap)
{
    sim s;
    sim_init(&s, NULL, 100, 1);
    for (size_t k = 0; k < 100; k++) {
        if (k != 20)
            sim_add_packet(&s, k, k == 30 ? 55 * MS : 30 * MS);
        if (k > 0) /* every packet also carries the frame before it */
            sim_add(&s, sim_send_us(&s, k) + 30 * MS, (uint32_t)(k - 1), PKT_REDUNDANT);
    }
    sim_sort(&s);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    assert_handed_once(&s, 0, 100);
    ck_assert_uint_eq(s.n_recovered_idx, 1);
    ck_assert_uint_eq(s.recovered_idx[0], 20); /* 30 came late but its primary won */
    ck_assert_uint_eq(s.n_conceal, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.frames_recovered, 1);
    ck_assert_uint_eq(st.frames_concealed, 0);
    ck_assert_uint_eq(st.packets_lost, 1);

    /* A "redundant" frame from the future must not push anything out, and
     * one from another source is ignored. */
    uint8_t b[5];
    put_index(b, 7, MARK_REDUNDANT);
    sotto_jitter_frame f = { .payload = b, .len = 5, .silent = 0 };
    ck_assert_int_eq(
        sotto_jitter_insert_redundant(s.jb, SSRC_A, s.ts0 + 5000 * FRAME_TS, &f, s.next_pull_us),
        0);
    ck_assert_int_eq(sotto_jitter_insert_redundant(s.jb, SSRC_B, s.ts0, &f, s.next_pull_us), 0);
    sotto_jitter_stats after = sim_stats(&s);
    ck_assert_uint_eq(after.buffered_frames, st.buffered_frames);
    ck_assert_uint_eq(after.frames_overflow, 0);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_sequence_and_timestamp_wrap_without_glitch)
{
    sotto_jitter_config cfg;
    sim s;
    cfg_with_min(&cfg, 60);
    sim_init(&s, &cfg, 100, 1);
    s.seq0 = 65531;                           /* packet 4 is 65535, packet 5 is 0 */
    s.ts0 = 0xFFFFFFFFu - 4 * FRAME_TS - 500; /* frame 5 wraps to 459 */
    for (size_t k = 0; k < 100; k++)          /* 4 and 5 swapped across both wraps */
        sim_add_packet(&s, k, k == 4 ? 51 * MS : 30 * MS);
    sim_sort(&s);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    assert_handed_once(&s, 0, 100);
    ck_assert_uint_eq(s.ts_errors, 0);
    ck_assert_uint_eq(s.n_conceal + s.n_expand + s.n_compress, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_lost + st.packets_late + st.packets_duplicate, 0);
    ck_assert_uint_eq(st.resets, 0);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_ssrc_change_resets)
{
    sim s;
    sim_init(&s, NULL, 1100, 1);
    for (size_t k = 0; k < 60; k++) /* A's last two come after B has begun */
        sim_add_packet(&s, k, k >= 58 ? 130 * MS : 30 * MS);
    for (size_t j = 0; j < 100; j++) {
        sim_packet *p = sim_add_packet(&s, 60 + j, 30 * MS);
        p->ssrc = SSRC_B;
        p->index = 1000 + (uint32_t)j;
        p->seq = (uint16_t)(40000 + j);
        p->ts = 777777u + (uint32_t)j * FRAME_TS;
    }
    sim_sort(&s);
    s.measure_from_us = sim_send_us(&s, 60) + 30 * MS; /* B's first packet comes */
    sim_run(&s, s.measure_from_us + FRAME_US);
    ck_assert_uint_eq(sim_stats(&s).resets, 1);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    ck_assert_uint_ge(s.n_prebuffer, 1); /* B prebuffers from scratch */
    assert_handed_once(&s, 1000, 1100);  /* and nothing of A after B */
    ck_assert_uint_eq(s.handed[58] + s.handed[59], 0);
    ck_assert_uint_eq(s.n_conceal, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.resets, 1); /* A's stragglers did not switch back */
    ck_assert_uint_eq(st.packets_late, 2);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_grows_to_cover_random_jitter)
{
    sim s;
    uint32_t prng = 0xC0FFEE;
    sim_init(&s, NULL, 3000, 1);
    for (size_t k = 0; k < 3000; k++) /* 100 ms +- 60 ms, uniform */
        sim_add_packet(&s, k, 40 * MS + prng_next(&prng) % (120 * MS + 1));
    sim_sort(&s);
    s.measure_from_us = T0_US + 10 * SEC;
    sim_run(&s, T0_US + 58 * SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_ge(st.target_delay_ms, 100);
    ck_assert_uint_le(st.target_delay_ms, 200);
    ck_assert_uint_ge(st.expands, 1);
    ck_assert_msg(s.n_conceal * 100 < s.n_pulls, "concealed %zu of %zu", s.n_conceal, s.n_pulls);
    ck_assert_uint_gt(s.n_play + s.n_compress, s.n_pulls * 9 / 10);
    ck_assert_uint_eq(s.disorder, 0);
    for (size_t k = 0; k < 3000; k++)
        ck_assert_uint_le(s.handed[k], 1);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_target_follows_jitter_down_slowly)
{
    sim s;
    uint32_t prng = 0xBEEF;
    sim_init(&s, NULL, 2000, 1);
    for (size_t k = 0; k < 2000; k++) { /* 0..120 ms extra for 20 s, then 0..40 ms */
        uint64_t spread = k < 1000 ? 120 * MS : 40 * MS;
        sim_add_packet(&s, k, 40 * MS + prng_next(&prng) % (spread + 1));
    }
    sim_sort(&s);
    s.measure_from_us = T0_US + 30 * SEC;
    sim_run(&s, T0_US + 21 * SEC);
    ck_assert_uint_ge(sim_stats(&s).target_delay_ms, 100); /* still remembered */
    for (uint64_t t = 30 * SEC; t <= 39 * SEC; t += SEC) {
        sim_run(&s, T0_US + t);
        sotto_jitter_stats st = sim_stats(&s);
        /* The 95th percentile of 0..40 ms plus the margin: about 48 ms. */
        ck_assert_uint_ge(st.target_delay_ms, 40);
        ck_assert_uint_le(st.target_delay_ms, 55);
        ck_assert_int_lt(st.current_delay_ms, 90);
    }
    ck_assert_msg(s.n_conceal * 100 < s.n_pulls, "concealed %zu of %zu", s.n_conceal, s.n_pulls);
    ck_assert_uint_eq(s.disorder, 0);
    sim_free(&s);
}
END_TEST

/* A 500 ms network freeze at 10 s, then a burst; returns the time after
 * the freeze until the delay is back within the band over the minimum. */
static uint64_t spike_recovery_us(int silent)
{
    sim s;
    uint64_t freeze = T0_US + 10 * SEC, recovered_at = 0;
    sim_init(&s, NULL, 1500, 1);
    s.silent = silent;
    for (size_t k = 0; k < 1500; k++) {
        uint64_t send = sim_send_us(&s, k);
        uint64_t arrival = send + 40 * MS;
        if (send >= freeze && send < freeze + 500 * MS)
            arrival = freeze + 540 * MS;
        sim_add(&s, arrival, (uint32_t)k, PKT_PRIMARY);
    }
    sim_sort(&s);
    sim_run(&s, freeze + SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_ge(st.target_delay_ms, 450); /* grew within a second */
    ck_assert_uint_ge(st.packets_late, 15);
    while (s.next_pull_us < T0_US + 29 * SEC) {
        sim_run(&s, s.next_pull_us);
        st = sim_stats(&s);
        ck_assert_uint_le(st.target_delay_ms, 1000);
        if (!recovered_at && st.target_delay_ms == 30 && st.current_delay_ms < 60)
            recovered_at = s.next_pull_us;
    }
    ck_assert_msg(recovered_at > 0, "delay never came back");
    /* Frames were there all along the adjustments: the spacing held. */
    ck_assert_uint_ge(s.min_adjust_gap, 3);
    ck_assert_uint_ge(s.min_compress_gap, silent ? 3 : 10);
    st = sim_stats(&s);
    ck_assert_uint_ge(st.compresses, 20);
    /* After recovery the stream plays cleanly again. */
    s.measure_from_us = recovered_at;
    s.n_conceal = s.n_expand = 0;
    sim_run(&s, T0_US + 30 * SEC);
    ck_assert_uint_eq(s.n_conceal + s.n_expand, 0);
    ck_assert_uint_eq(s.disorder, 0);
    sim_free(&s);
    return recovered_at - freeze;
}

START_TEST(jitter_recovers_after_delay_spike)
{
    uint64_t speech = spike_recovery_us(0);
    ck_assert_msg(speech <= 14 * SEC, "speech recovery took %llu us", (unsigned long long)speech);
}
END_TEST

START_TEST(jitter_shrinks_faster_on_silent_frames)
{
    uint64_t speech = spike_recovery_us(0);
    uint64_t silence = spike_recovery_us(1);
    ck_assert_msg(silence + 2 * SEC < speech, "silent %llu vs speech %llu",
                  (unsigned long long)silence, (unsigned long long)speech);
}
END_TEST

/* The first 35 packets queue 700 ms behind a handshake and arrive at once;
 * the rest take 20 ms. Returns how long after the first arrival the delay
 * is back under 100 ms. The target stays up while the late arrivals are in
 * its window (4 s); then the excess is shed. */
static uint64_t drain_recovery_us(uint32_t fast_shed_ms)
{
    sotto_jitter_config cfg;
    sim s;
    uint64_t start = T0_US, back_at = 0;

    sotto_jitter_config_default(&cfg);
    cfg.fast_shed_ms = fast_shed_ms;
    sim_init(&s, &cfg, 1000, 1);
    for (size_t k = 0; k < 1000; k++) {
        uint64_t send = sim_send_us(&s, k);
        sim_add(&s, k < 35 ? start + 700 * MS : send + 20 * MS, (uint32_t)k, PKT_PRIMARY);
    }
    sim_sort(&s);
    while (s.next_pull_us < T0_US + 19 * SEC) {
        sim_run(&s, s.next_pull_us);
        sotto_jitter_stats st = sim_stats(&s);
        if (!back_at && st.playing && s.next_pull_us > start + 1400 * MS &&
            st.current_delay_ms < 100)
            back_at = s.next_pull_us;
    }
    ck_assert_msg(back_at > 0, "the excess never drained");
    ck_assert_uint_eq(s.disorder, 0);
    sim_free(&s);
    return back_at - start - 700 * MS;
}

START_TEST(jitter_fast_shed_drains_a_queued_start_quickly)
{
    uint64_t fast = drain_recovery_us(200), slow = drain_recovery_us(0);

    ck_assert_msg(fast <= 6 * SEC, "fast shedding took %llu us", (unsigned long long)fast);
    ck_assert_msg(fast + 3 * SEC / 2 < slow, "fast %llu vs default %llu", (unsigned long long)fast,
                  (unsigned long long)slow);
}
END_TEST

START_TEST(jitter_constant_delay_keeps_minimum_target)
{
    sim s;
    sim_init(&s, NULL, 3000, 1);
    for (size_t k = 0; k < 3000; k++)
        sim_add_packet(&s, k, 80 * MS);
    for (int step = 1; step <= 30; step++) {
        sim_run(&s, T0_US + (uint64_t)step * 2 * SEC);
        sotto_jitter_stats st = sim_stats(&s);
        ck_assert_uint_eq(st.target_delay_ms, 30);
        ck_assert_int_lt(st.current_delay_ms, 50);
    }
    ck_assert_uint_eq(s.n_conceal + s.n_expand + s.n_compress, 0);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_delay_step_and_drift_do_not_accumulate)
{
    sim s;
    sim_init(&s, NULL, 3000, 1);
    for (size_t k = 0; k < 3000; k++) {
        uint64_t t = (uint64_t)k * FRAME_US;   /* since the start */
        uint64_t transit = 80 * MS + t / 2000; /* drifts 0.5 ms per second */
        if (t >= 20 * SEC)
            transit += 300 * MS; /* and steps up for good */
        sim_add_packet(&s, k, transit);
    }
    sim_sort(&s);
    s.measure_from_us = T0_US + 40 * SEC;
    sim_run(&s, s.measure_from_us);
    for (int step = 0; step < 10; step++) {
        sim_run(&s, T0_US + 40 * SEC + (uint64_t)step * 2 * SEC);
        sotto_jitter_stats st = sim_stats(&s);
        ck_assert_uint_le(st.target_delay_ms, 35);
        ck_assert_int_lt(st.current_delay_ms, 70);
    }
    ck_assert_uint_eq(s.n_conceal, 0);
    ck_assert_uint_eq(s.disorder, 0);
    sim_free(&s);
}
END_TEST

/* The sound card's clock runs 1% fast, then 1% slow, against the sender's. */
START_TEST(jitter_follows_playout_clock_drift)
{
    for (int dir = -1; dir <= 1; dir += 2) {
        sim s;
        sim_init(&s, NULL, 3000, 1);
        s.pull_period_us = (uint64_t)((int64_t)FRAME_US + dir * (int64_t)FRAME_US / 100);
        for (size_t k = 0; k < 3000; k++)
            sim_add_packet(&s, k, 30 * MS);
        for (int step = 1; step <= 25; step++) {
            sim_run(&s, T0_US + (uint64_t)step * 2 * SEC);
            sotto_jitter_stats st = sim_stats(&s);
            ck_assert_uint_eq(st.target_delay_ms, 30);
            ck_assert_int_ge(st.current_delay_ms, 20);
            ck_assert_int_lt(st.current_delay_ms, 70);
        }
        ck_assert_uint_eq(s.n_conceal, 0);
        ck_assert_uint_eq(s.disorder, 0);
        /* About 25 frames in 50 s to make up, one way or the other. */
        ck_assert_uint_ge(dir < 0 ? s.n_expand : s.n_compress, 20);
        ck_assert_uint_eq(dir < 0 ? s.n_compress : s.n_expand, 0);
        sim_free(&s);
    }
}
END_TEST

START_TEST(jitter_overflow_drops_oldest)
{
    sotto_jitter_config cfg;
    sim s;
    sotto_jitter_config_default(&cfg);
    cfg.capacity_frames = 16;
    cfg.max_delay_ms = 200;
    sim_init(&s, &cfg, 40, 1);
    for (size_t k = 0; k < 40; k++)
        sim_add_packet(&s, k, 30 * MS);
    s.next_pull_us = sim_send_us(&s, 40) + 30 * MS; /* nobody pulled until all were in */
    sim_run_until_done(&s, T0_US + 10 * SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.frames_overflow, 24);
    for (size_t k = 0; k < 24; k++)
        ck_assert_uint_eq(s.handed[k], 0);
    assert_handed_once(&s, 24, 40);
    ck_assert_uint_eq(s.n_conceal, 0);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_multi_frame_packets)
{
    sim s;
    sim_init(&s, NULL, 300, 3);
    for (size_t k = 0; k < 100; k++)
        if (k != 50)
            sim_add_packet(&s, k, 30 * MS);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    ck_assert_uint_eq(s.n_conceal_ts, 3);
    for (uint32_t i = 0; i < 3; i++)
        ck_assert_uint_eq(s.conceal_ts[i], s.ts0 + (150 + i) * FRAME_TS);
    for (size_t f = 0; f < 300; f++)
        ck_assert_uint_eq(s.handed[f], f >= 150 && f < 153 ? 0 : 1);
    ck_assert_uint_eq(s.disorder + s.ts_errors, 0);
    ck_assert_uint_eq(s.n_expand + s.n_compress, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_received, 99);
    ck_assert_uint_eq(st.packets_lost, 1);
    ck_assert_uint_eq(st.frames_played, 297);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_timestamp_jump_needs_confirmation)
{
    sim s;
    sim_init(&s, NULL, 100, 1);
    for (size_t k = 0; k < 100; k++) {
        sim_packet *p = sim_add_packet(&s, k, 30 * MS);
        if (k == 30 || k == 32)
            p->ts += 10000000u; /* wild timestamps, not back to back */
        if (k >= 60)
            p->ts += 50000000u; /* the sender really jumped */
    }
    sim_run_until_done(&s, T0_US + 10 * SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_discarded, 3); /* 30, 32, and 60 until 61 confirmed */
    ck_assert_uint_eq(st.resets, 1);
    ck_assert_uint_eq(s.handed[30] + s.handed[32] + s.handed[60], 0);
    assert_handed_once(&s, 61, 100);
    assert_handed_once(&s, 0, 30);
    ck_assert_uint_eq(s.handed[31], 1);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_sequence_jump_restarts_loss_count)
{
    sim s;
    sim_init(&s, NULL, 100, 1);
    for (size_t k = 0; k < 100; k++) {
        sim_packet *p = sim_add_packet(&s, k, 30 * MS);
        if (k >= 50)
            p->seq = (uint16_t)(p->seq + 20000); /* sender renumbered, timing intact */
        if (k == 70)
            p->arrival_us = NEVER_US;
    }
    sim_sort(&s);
    sim_run_until_done(&s, T0_US + 10 * SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.packets_lost, 1);
    ck_assert_uint_eq(st.resets, 0);
    ck_assert_uint_eq(s.n_conceal, 1);
    sim_free(&s);
}
END_TEST

/* ---- Bad links: deterministic traces ---- */

/* Normal deviate, mean 0 and deviation 1 (sum of twelve uniforms: no libm,
 * tails cut at 6 sigma). */
static double prng_gauss(uint32_t *state)
{
    double sum = 0;
    for (int i = 0; i < 12; i++)
        sum += (double)prng_next(state) / 4294967296.0;
    return sum - 6.0;
}

/* Transit of 300 ms plus normal jitter of the given deviation, never below
 * 100 ms (the path's floor). */
static uint64_t satellite_transit(uint32_t *state, double sigma_ms)
{
    double ms = 300.0 + sigma_ms * prng_gauss(state);
    return (uint64_t)((ms < 100.0 ? 100.0 : ms) * MS);
}

/* Geostationary hop: 300 ms one way, 30 ms of normal jitter, one minute.
 * The target (relative to the fastest packet) settles near the spread of
 * the jitter, about 4.5 sigma, and stays there. */
START_TEST(jitter_satellite_delay_with_normal_jitter)
{
    sim s;
    uint32_t prng = 0x5A7E11;
    uint32_t peak_target = 0, low_target = UINT32_MAX;
    int32_t peak_current = 0;
    sim_init(&s, NULL, 3000, 1);
    for (size_t k = 0; k < 3000; k++)
        sim_add_packet(&s, k, satellite_transit(&prng, 30.0));
    sim_sort(&s);
    s.measure_from_us = T0_US + 10 * SEC;
    for (uint64_t t = SEC; t <= 60 * SEC; t += SEC) {
        sim_run(&s, T0_US + t);
        sotto_jitter_stats st = sim_stats(&s);
        if (t < 10 * SEC)
            continue;
        peak_target = st.target_delay_ms > peak_target ? st.target_delay_ms : peak_target;
        low_target = st.target_delay_ms < low_target ? st.target_delay_ms : low_target;
        peak_current = st.current_delay_ms > peak_current ? st.current_delay_ms : peak_current;
    }
    ck_assert_msg(s.n_conceal * 100 < s.n_pulls, "concealed %zu of %zu", s.n_conceal, s.n_pulls);
    ck_assert_msg(low_target >= 50 && peak_target <= 200, "target %u..%u ms", low_target,
                  peak_target);
    ck_assert_msg(peak_current <= (int32_t)peak_target + 60, "delay %d ms, target %u ms",
                  peak_current, peak_target);
    ck_assert_uint_eq(s.disorder, 0);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(st.frames_overflow, 0);
    sim_free(&s);
}
END_TEST

/* Time after `from_us` until the target is back at `target_ms` (within
 * 5 ms) with the delay within a frame and a half of it; 0 when never. */
static uint64_t sim_time_to_settle(sim *s, uint64_t from_us, uint64_t until_us, uint32_t target_ms,
                                   uint32_t *out_peak_ms)
{
    uint64_t settled_at = 0;
    *out_peak_ms = 0;
    while (s->next_pull_us < until_us) {
        sim_run(s, s->next_pull_us);
        sotto_jitter_stats st = sim_stats(s);
        if (st.target_delay_ms > *out_peak_ms)
            *out_peak_ms = st.target_delay_ms;
        int back =
            st.target_delay_ms <= target_ms + 5 && st.current_delay_ms <= (int32_t)(target_ms + 30);
        if (back && !settled_at)
            settled_at = s->next_pull_us;
        else if (!back)
            settled_at = 0;
    }
    return settled_at ? settled_at - from_us : 0;
}

/* A 1 s spike: the path holds every packet sent in [10 s, 11 s) and lets
 * them all go at once at 11 s. The frames due while nothing came are
 * concealed (nothing can be done about them), the buffer grows at once to
 * cover the burst, keeps it while the spike is in its 4 s history, then
 * sheds the excess second with one compression per 4 frames of speech
 * (the call code's setting: 25% faster playout), so 4 + 4 s, plus two for
 * the tail: back to the old target within 10 s of the spike's start. */
START_TEST(jitter_recovers_from_one_second_spike)
{
    sotto_jitter_config cfg;
    sim s;
    uint32_t prng = 0x5B1CE;
    uint64_t spike = T0_US + 10 * SEC, release = spike + SEC + 40 * MS;
    sotto_jitter_config_default(&cfg);
    cfg.speech_compress_interval_frames = 4;
    sim_init(&s, &cfg, 1500, 1);
    for (size_t k = 0; k < 1500; k++) {
        uint64_t send = sim_send_us(&s, k);
        uint64_t arrival = send + 40 * MS + (uint64_t)(3000.0 * (prng_gauss(&prng) + 6.0));
        if (send >= spike && send < spike + SEC)
            arrival = release;
        sim_add(&s, arrival, (uint32_t)k, PKT_PRIMARY);
    }
    sim_sort(&s);
    sim_run(&s, spike - FRAME_US);
    uint32_t before_ms = sim_stats(&s).target_delay_ms;
    size_t concealed_before = s.n_conceal;
    uint32_t peak_ms;
    uint64_t took = sim_time_to_settle(&s, spike, T0_US + 29 * SEC, before_ms, &peak_ms);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_ge(peak_ms, 900); /* covered the burst */
    ck_assert_msg(took > 0 && took <= 10 * SEC, "back after %llu us", (unsigned long long)took);
    /* At most the 50 frames of the spike are lost; nothing after it. */
    ck_assert_uint_le(s.n_conceal - concealed_before, 50);
    ck_assert_uint_eq(st.frames_overflow, 0);
    assert_handed_once(&s, (size_t)((release - T0_US) / FRAME_US), 1400);
    ck_assert_uint_ge(st.compresses, 45);
    sim_free(&s);
}
END_TEST

/* Gilbert-Elliott loss: 15% of packets in bursts of 3 on average. Exactly
 * the lost frames are concealed, and the target does not creep up. */
START_TEST(jitter_burst_loss_conceals_exactly_the_lost)
{
    sim s;
    uint32_t prng = 0x6E1107;
    static uint8_t lost[3000];
    size_t n_lost = 0;
    int bad = 0;
    sim_init(&s, NULL, 3000, 1);
    for (size_t k = 0; k < 3000; k++) {
        /* Bad -> good with 1/3 (bursts of 3), good -> bad with 0.0588:
         * 0.0588 / (0.0588 + 0.3333) = 15% of the time bad. */
        double u = (double)prng_next(&prng) / 4294967296.0;
        bad = bad ? u >= 1.0 / 3.0 : u < 0.0588;
        lost[k] = (uint8_t)(bad && k > 0 && k < 2990);
        n_lost += lost[k];
        if (!lost[k])
            sim_add_packet(&s, k, 40 * MS + (uint64_t)(2000.0 * (prng_gauss(&prng) + 6.0)));
    }
    sim_sort(&s);
    uint32_t target_at[3];
    for (int i = 0; i < 3; i++) {
        sim_run(&s, T0_US + (uint64_t)(20 + 20 * i) * SEC - 500 * MS);
        target_at[i] = sim_stats(&s).target_delay_ms;
    }
    sim_run_until_done(&s, T0_US + 70 * SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_gt(n_lost, 350); /* about 15% of 3000 */
    ck_assert_uint_lt(n_lost, 550);
    for (size_t k = 0; k < 3000; k++)
        ck_assert_msg(s.handed[k] == !lost[k], "frame %zu handed %u, lost %u", k, s.handed[k],
                      lost[k]);
    ck_assert_uint_eq(s.n_conceal, n_lost);
    ck_assert_uint_eq(st.frames_concealed, n_lost);
    ck_assert_uint_eq(st.packets_lost, n_lost);
    ck_assert_uint_eq(st.packets_late, 0);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_le(target_at[i], 60);
    ck_assert_uint_le(target_at[2], target_at[0] + 10);
    sim_free(&s);
}
END_TEST

/* Six 20 ms frames per packet, a packet every 120 ms, 40 ms of jitter. A
 * packet's frames arrive together: the delay is measured once per packet,
 * from its first frame, so frames 2..6 are not taken for early arrivals
 * and the 120 ms of packetisation sits in the fastest transit (the base),
 * not in the target. The buffer still holds a whole packet when one comes. */
START_TEST(jitter_six_frame_packets_with_jitter)
{
    sim s;
    uint32_t prng = 0x6F9;
    uint32_t peak_buffered = 0, peak_target = 0;
    sim_init(&s, NULL, 3000, 6);
    for (size_t k = 0; k < 500; k++)
        sim_add_packet(&s, k, 50 * MS + prng_next(&prng) % (40 * MS + 1));
    sim_sort(&s);
    s.measure_from_us = T0_US + 10 * SEC;
    while (s.next_pull_us < T0_US + 59 * SEC) {
        sim_run(&s, s.next_pull_us);
        sotto_jitter_stats st = sim_stats(&s);
        if (s.next_pull_us < s.measure_from_us)
            continue;
        peak_buffered = st.buffered_ms > peak_buffered ? st.buffered_ms : peak_buffered;
        peak_target = st.target_delay_ms > peak_target ? st.target_delay_ms : peak_target;
    }
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_eq(s.n_conceal, 0);
    ck_assert_uint_ge(st.target_delay_ms, 40);
    ck_assert_uint_le(peak_target, 100);
    ck_assert_uint_ge(peak_buffered, 100);
    ck_assert_uint_eq(s.disorder, 0);
    ck_assert_uint_eq(st.packets_late, 0);
    sim_free(&s);
}
END_TEST

/* Single losses (5%), 40 ms of jitter, each packet also carrying the frame
 * before it: a lost frame's copy comes a packet (20 ms) after the frame
 * would have, plus its own jitter, so the buffer must learn to wait for
 * copies once it needs them. After that every lost frame is played from
 * its copy (flagged recovered), none concealed. */
START_TEST(jitter_redundant_copies_fill_single_losses)
{
    sim s;
    uint32_t prng = 0x4ED;
    static uint8_t lost[3000];
    static uint64_t arrival[3000];
    size_t n_lost = 0, n_lost_measured = 0;
    sim_init(&s, NULL, 3000, 1);
    for (size_t k = 0; k < 3000; k++) {
        lost[k] = (uint8_t)(k > 0 && k < 2990 && !lost[k - 1] && prng_next(&prng) % 100 < 5);
        arrival[k] = sim_send_us(&s, k) + 30 * MS + prng_next(&prng) % (40 * MS + 1);
    }
    for (size_t k = 0; k < 3000; k++) {
        if (!lost[k])
            sim_add(&s, arrival[k], (uint32_t)k, PKT_PRIMARY);
        if (k > 0)
            sim_add(&s, arrival[k], (uint32_t)(k - 1), PKT_REDUNDANT);
        n_lost += lost[k];
        n_lost_measured += lost[k] && k >= 500;
    }
    sim_sort(&s);
    s.measure_from_us = T0_US + 10 * SEC; /* from about frame 500 */
    sim_run_until_done(&s, T0_US + 70 * SEC);
    sotto_jitter_stats st = sim_stats(&s);
    ck_assert_uint_ge(n_lost, n_lost_measured);
    ck_assert_uint_gt(n_lost_measured, 80);
    ck_assert_uint_eq(s.n_conceal, 0);
    ck_assert_uint_ge(st.frames_recovered, n_lost_measured);
    for (size_t k = 500; k < 3000; k++) /* the lost ones from their copies */
        ck_assert_msg(s.handed[k] == 1, "frame %zu handed %u times", k, s.handed[k]);
    ck_assert_uint_eq(s.marker_errors + s.disorder, 0);
    ck_assert_uint_le(st.target_delay_ms, 80);
    sim_free(&s);
}
END_TEST

START_TEST(jitter_rejects_bad_config)
{
    sotto_jitter_config cfg;
    sotto_jitter *jb = NULL;

    ck_assert_int_eq(sotto_jitter_create(NULL, NULL), -EINVAL);
    const struct {
        size_t off;
        uint32_t value;
    } broken[] = {
        { offsetof(sotto_jitter_config, frame_us), 1100 }, /* 52.8 timestamp units */
        { offsetof(sotto_jitter_config, capacity_frames), 0 },
        { offsetof(sotto_jitter_config, min_delay_ms), 2000 }, /* above max */
        { offsetof(sotto_jitter_config, max_delay_ms), 6000 }, /* beyond the 5.12 s span */
        { offsetof(sotto_jitter_config, quantile_pct), 101 },
        { offsetof(sotto_jitter_config, adjust_interval_frames), 0 },
        { offsetof(sotto_jitter_config, speech_compress_interval_frames), 2 },
        { offsetof(sotto_jitter_config, clock_rate), 0 },
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        sotto_jitter_config_default(&cfg);
        memcpy((char *)&cfg + broken[i].off, &broken[i].value, sizeof(uint32_t));
        ck_assert_msg(sotto_jitter_create(&jb, &cfg) == -EINVAL, "case %zu accepted", i);
        ck_assert_ptr_null(jb);
    }
    sotto_jitter_config_default(&cfg);
    cfg.max_frame_bytes = 0;
    ck_assert_int_eq(sotto_jitter_create(&jb, &cfg), -EINVAL);
    ck_assert_ptr_null(jb);
    sotto_jitter_config_default(&cfg); /* 8 kHz, 2.5 ms: 20 units, fine */
    cfg.clock_rate = 8000;
    cfg.frame_us = 2500;
    cfg.max_delay_ms = 500; /* below the 640 ms span */
    cfg.margin_ms = 0;
    ck_assert_int_eq(sotto_jitter_create(&jb, &cfg), 0);
    sotto_jitter_destroy(&jb);
}
END_TEST

/* 120 ms packets (6 frames), then the peer's comfort noise: one empty
 * silent frame sent at once (untimed), then nothing for 60 ms, then speech
 * again. The periods the peer did not send play as empty frames (comfort
 * noise), not concealment, and the early CN packet does not widen the
 * delay; counted as a delay sample it would (checked last). */
static void comfort_run(int untimed, sotto_jitter_stats *st, size_t *empty_plays)
{
    sotto_jitter *jb = NULL;
    uint8_t pay[6][4] = { { 0 } };
    sotto_jitter_frame speech[6], cn = { .payload = NULL, .len = 0, .silent = 1 };
    sotto_jitter_out out;
    uint16_t seq = 1;
    uint64_t pull_us = T0_US + PULL_PHASE_US;
    int64_t frame = 0;

    for (int i = 0; i < 6; i++)
        speech[i] = (sotto_jitter_frame){ .payload = pay[i], .len = 4, .silent = 0 };
    ck_assert_int_eq(sotto_jitter_create(&jb, NULL), 0);
    *empty_plays = 0;
    for (int round = 0; round < 40; round++) {
        /* Packet k carries frames 6k..6k+5, sent when the last is captured. */
        uint64_t sent_us = T0_US + (uint64_t)(frame + 6) * FRAME_US;
        if (round == 20) {
            /* Silence from frame 6*20: one CN frame sent at once, then
             * speech resumes 3 frames later in the packets' cadence. */
            sotto_jitter_packet p = { .ssrc = SSRC_A,
                                      .seq = seq++,
                                      .timestamp = (uint32_t)(frame * FRAME_TS),
                                      .frame_duration = FRAME_TS,
                                      .frames = &cn,
                                      .frame_count = 1,
                                      .untimed = untimed };
            uint64_t at = T0_US + (uint64_t)(frame + 1) * FRAME_US;
            while (pull_us < at) {
                ck_assert_int_eq(sotto_jitter_pull(jb, pull_us, &out), 0);
                pull_us += FRAME_US;
            }
            ck_assert_int_eq(sotto_jitter_insert(jb, &p, at), 0);
            frame += 4;
            sent_us = T0_US + (uint64_t)(frame + 6) * FRAME_US;
        }
        sotto_jitter_packet p = { .ssrc = SSRC_A,
                                  .seq = seq++,
                                  .timestamp = (uint32_t)(frame * FRAME_TS),
                                  .frame_duration = FRAME_TS,
                                  .frames = speech,
                                  .frame_count = 6 };
        while (pull_us < sent_us) {
            ck_assert_int_eq(sotto_jitter_pull(jb, pull_us, &out), 0);
            if (out.action == SOTTO_JITTER_PLAY && !out.payload)
                (*empty_plays)++;
            pull_us += FRAME_US;
        }
        ck_assert_int_eq(sotto_jitter_insert(jb, &p, sent_us), 0);
        frame += 6;
    }
    ck_assert_int_eq(sotto_jitter_get_stats(jb, st), 0);
    sotto_jitter_destroy(&jb);
}

START_TEST(jitter_plays_the_peers_silence_as_comfort_noise)
{
    sotto_jitter_stats timed, untimed;
    size_t empty_timed, empty_untimed;

    comfort_run(1, &untimed, &empty_untimed);
    ck_assert_uint_eq(untimed.packets_lost, 0);
    ck_assert_uint_eq(untimed.frames_concealed, 0);
    /* The CN frame and the 3 periods not sent. */
    ck_assert_uint_ge(empty_untimed, 4);
    ck_assert_uint_ge(untimed.frames_comfort, 3);
    comfort_run(0, &timed, &empty_timed);
    ck_assert_uint_gt(timed.target_delay_ms, untimed.target_delay_ms + 50);
}
END_TEST

START_TEST(jitter_rejects_bad_arguments)
{
    sotto_jitter *jb = NULL;
    uint8_t big[1501] = { 0 };
    sotto_jitter_frame ok = { .payload = big, .len = 10, .silent = 0 };
    sotto_jitter_frame bad[3] = { { .payload = big, .len = 1501, .silent = 0 },
                                  { .payload = NULL, .len = 4, .silent = 0 },
                                  { .payload = NULL, .len = 0, .silent = 0 } };
    sotto_jitter_out out;
    sotto_jitter_stats st;

    ck_assert_int_eq(sotto_jitter_create(&jb, NULL), 0);
    sotto_jitter_packet pkt = { .ssrc = SSRC_A,
                                .seq = 1,
                                .timestamp = 0,
                                .frame_duration = FRAME_TS,
                                .frames = &ok,
                                .frame_count = 1 };
    sotto_jitter_packet p = pkt;
    ck_assert_int_eq(sotto_jitter_insert(NULL, &p, 0), -EINVAL);
    ck_assert_int_eq(sotto_jitter_insert(jb, NULL, 0), -EINVAL);
    p.frame_duration = 480;
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, 0), -EINVAL);
    p = pkt;
    p.frame_count = 0;
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, 0), -EINVAL);
    p.frame_count = 257;
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, 0), -EINVAL);
    p = pkt;
    p.frames = NULL;
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, 0), -EINVAL);
    p.frames = bad;
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, 0), -EINVAL);
    p.frames = &bad[1];
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, 0), -EINVAL);
    ck_assert_int_eq(sotto_jitter_insert_redundant(jb, SSRC_A, 0, &bad[0], 0), -EINVAL);
    ck_assert_int_eq(sotto_jitter_insert_redundant(jb, SSRC_A, 0, NULL, 0), -EINVAL);
    ck_assert_int_eq(sotto_jitter_insert_redundant(NULL, SSRC_A, 0, &ok, 0), -EINVAL);
    ck_assert_int_eq(sotto_jitter_pull(jb, 0, NULL), -EINVAL);
    ck_assert_int_eq(sotto_jitter_pull(NULL, 0, &out), -EINVAL);
    ck_assert_int_eq(sotto_jitter_pull(jb, 1ull << 62, &out), -EINVAL);
    ck_assert_int_eq(sotto_jitter_insert(jb, &pkt, 1ull << 62), -EINVAL);
    ck_assert_int_eq(sotto_jitter_get_stats(jb, NULL), -EINVAL);
    ck_assert_int_eq(sotto_jitter_get_stats(NULL, &st), -EINVAL);
    ck_assert_int_eq(sotto_jitter_reset(NULL), -EINVAL);
    ck_assert_int_eq(sotto_jitter_get_stats(jb, &st), 0);
    ck_assert_uint_eq(st.packets_received, 0); /* nothing above was taken */

    /* An empty frame is fine (codecs use it for "no data"). */
    p = pkt;
    p.frames = &bad[2];
    ck_assert_int_eq(sotto_jitter_insert(jb, &p, T0_US), 0);
    ck_assert_int_eq(sotto_jitter_pull(jb, T0_US, &out), 0);
    ck_assert_int_eq(out.action, SOTTO_JITTER_PREBUFFER);
    ck_assert_int_eq(sotto_jitter_pull(jb, T0_US + 40 * MS, &out), 0);
    ck_assert_int_eq(out.action, SOTTO_JITTER_PLAY);
    ck_assert_ptr_null(out.payload);
    ck_assert_uint_eq(out.payload_len, 0);
    ck_assert_int_eq(sotto_jitter_reset(jb), 0);
    ck_assert_int_eq(sotto_jitter_pull(jb, T0_US + 60 * MS, &out), 0);
    ck_assert_int_eq(out.action, SOTTO_JITTER_PREBUFFER);
    sotto_jitter_destroy(&jb);
    ck_assert_ptr_null(jb);
    sotto_jitter_destroy(&jb);
    sotto_jitter_destroy(NULL);
}
END_TEST

/* ---- RTP statistics ---- */

static sotto_rtp_stats *stats_new(uint32_t clock_rate, uint32_t min_sequential)
{
    sotto_rtp_stats_config cfg;
    sotto_rtp_stats *st = NULL;
    sotto_rtp_stats_config_default(&cfg);
    cfg.clock_rate = clock_rate;
    cfg.min_sequential = min_sequential;
    ck_assert_int_eq(sotto_rtp_stats_create(&st, &cfg), 0);
    return st;
}

START_TEST(rtp_stats_fraction_lost_for_known_pattern)
{
    sotto_rtp_stats *st = stats_new(8000, 1);
    sotto_rtcp_report_block b;
    size_t n = 0;
    uint64_t t = T0_US;

    for (uint32_t i = 0; i < 200; i++, t += FRAME_US) /* every tenth lost */
        if (i % 10 != 9)
            ck_assert_int_eq(
                sotto_rtp_stats_on_receive(st, SSRC_A, (uint16_t)(65500 + i), i * 160, 160, 200, t),
                0);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, t, &b, 1, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(b.ssrc, SSRC_A);
    /* The 200th is lost too but not yet expected: 19 of 199, 24.4/256. */
    ck_assert_uint_eq(b.fraction_lost, 24);
    ck_assert_int_eq(b.cumulative_lost, 19);
    ck_assert_uint_eq(b.ext_highest_seq, 65500u + 198u); /* across the wrap */
    for (uint32_t i = 200; i < 300; i++, t += FRAME_US)
        sotto_rtp_stats_on_receive(st, SSRC_A, (uint16_t)(65500 + i), i * 160, 160, 200, t);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, t, &b, 1, &n), 0);
    ck_assert_uint_eq(b.fraction_lost, 2); /* the 200th: 1 of 101, 2.5/256 */
    ck_assert_int_eq(b.cumulative_lost, 20);
    ck_assert_uint_eq(b.ext_highest_seq, 65500u + 299u);
    /* Duplicates make up for losses within an interval: fraction 0. */
    for (uint32_t i = 300; i < 350; i++, t += FRAME_US) {
        if (i % 10 == 0)
            continue;
        sotto_rtp_stats_on_receive(st, SSRC_A, (uint16_t)(65500 + i), i * 160, 160, 200, t);
        if (i % 10 == 1)
            sotto_rtp_stats_on_receive(st, SSRC_A, (uint16_t)(65500 + i), i * 160, 160, 200, t);
    }
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, t, &b, 1, &n), 0);
    ck_assert_uint_eq(b.fraction_lost, 0);
    ck_assert_int_eq(b.cumulative_lost, 20);
    sotto_rtp_source_stats src;
    ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_A, &src), 0);
    ck_assert_uint_eq(src.expected, 350);
    ck_assert_uint_eq(src.received, 330);
    ck_assert_uint_eq(src.packets, 330);
    ck_assert_uint_eq(src.octets, 330 * 160);
    ck_assert_uint_eq(src.wire_bytes, 330 * 200);
    sotto_rtp_stats_destroy(&st);
    ck_assert_ptr_null(st);
}
END_TEST

START_TEST(rtp_stats_jitter_for_known_arrivals)
{
    sotto_rtp_stats *st = stats_new(8000, 1);
    sotto_rtp_source_stats src;
    double expect = 0;

    /* 20 ms packets; every odd one 5 ms (40 units) late: |D| = 40 each time. */
    for (uint32_t i = 0; i < 300; i++) {
        uint64_t arrival = T0_US + i * 20 * MS + (i % 2) * 5 * MS;
        sotto_rtp_stats_on_receive(st, SSRC_A, (uint16_t)i, 4000000000u + i * 160, 160, 200,
                                   arrival);
        if (i > 0)
            expect += (40.0 - expect) / 16.0;
        if (i == 2) {
            ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_A, &src), 0);
            ck_assert_uint_eq(src.jitter, (uint32_t)expect); /* 4.84 -> 4 */
        }
    }
    ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_A, &src), 0);
    /* The integer form of A.8 settles half a unit under the real 40. */
    ck_assert_double_eq_tol(expect, 40.0, 0.01);
    ck_assert_uint_eq(src.jitter, 39);
    ck_assert_double_eq_tol(src.jitter_ms, 39 * 1000.0 / 8000, 1e-9);
    sotto_rtcp_report_block b;
    size_t n = 0;
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, T0_US + 7 * SEC, &b, 1, &n), 0);
    ck_assert_uint_eq(b.jitter, 39);
    sotto_rtp_stats_destroy(&st);
}
END_TEST

START_TEST(rtp_stats_bitrate_window)
{
    sotto_rtp_stats *st = stats_new(48000, 2);
    sotto_rtp_send_stats snd;
    uint64_t bps = 0;

    for (uint32_t i = 0; i < 100; i++) { /* 200 wire bytes every 10 ms: 160 kbit/s */
        uint64_t t = T0_US + i * 10 * MS;
        ck_assert_int_eq(sotto_rtp_stats_on_send(st, 172, 200, t), 0);
        ck_assert_int_eq(sotto_rtp_stats_on_receive(st, SSRC_A, (uint16_t)i, i * 480, 100, 150, t),
                         0);
    }
    ck_assert_int_eq(sotto_rtp_stats_send(st, T0_US + 990 * MS, &snd), 0);
    ck_assert_uint_eq(snd.packets, 100);
    ck_assert_uint_eq(snd.octets, 17200);
    ck_assert_uint_eq(snd.wire_bytes, 20000);
    ck_assert_uint_eq(snd.bitrate_bps, 160000);
    ck_assert_int_eq(sotto_rtp_stats_receive_bitrate(st, T0_US + 990 * MS, &bps), 0);
    ck_assert_uint_eq(bps, 120000);
    /* Half a second later only [550 ms, 1 s) is in the window: 45 packets. */
    ck_assert_int_eq(sotto_rtp_stats_send(st, T0_US + 1500 * MS, &snd), 0);
    ck_assert_uint_eq(snd.bitrate_bps, 45 * 200 * 8);
    ck_assert_int_eq(sotto_rtp_stats_receive_bitrate(st, T0_US + 3 * SEC, &bps), 0);
    ck_assert_uint_eq(bps, 0);
    ck_assert_int_eq(sotto_rtp_stats_send(st, T0_US + 3 * SEC, &snd), 0);
    ck_assert_uint_eq(snd.bitrate_bps, 0);
    sotto_rtp_stats_destroy(&st);
}
END_TEST

START_TEST(rtp_stats_report_blocks_lsr_dlsr_and_sources)
{
    sotto_rtp_stats_config cfg;
    sotto_rtp_stats *st = NULL;
    sotto_rtcp_report_block b[4];
    sotto_rtp_source_stats src;
    size_t n = 9;

    sotto_rtp_stats_config_default(&cfg);
    cfg.max_sources = 2;
    ck_assert_int_eq(sotto_rtp_stats_create(&st, &cfg), 0);
    ck_assert_int_eq(sotto_rtp_stats_on_sender_report(st, SSRC_A, 1, T0_US), -ENOENT);
    sotto_rtp_stats_on_receive(st, SSRC_A, 10, 0, 50, 90, T0_US);
    /* On probation (RFC 3550 A.1 default of two in sequence): no block yet. */
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, T0_US, b, 4, &n), 0);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_A, &src), 0);
    ck_assert_int_eq(src.valid, 0);
    sotto_rtp_stats_on_receive(st, SSRC_A, 11, 960, 50, 90, T0_US + 20 * MS);
    sotto_rtp_stats_on_receive(st, SSRC_B, 500, 0, 50, 90, T0_US + 20 * MS);
    sotto_rtp_stats_on_receive(st, SSRC_B, 501, 960, 50, 90, T0_US + 40 * MS);
    uint64_t ntp = 0x0123456789ABCDEFull;
    ck_assert_int_eq(sotto_rtp_stats_on_sender_report(st, SSRC_A, ntp, T0_US + 100 * MS), 0);
    /* Room for one block: A now, B at the next report. */
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, T0_US + 1600 * MS, b, 1, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(b[0].ssrc, SSRC_A);
    ck_assert_uint_eq(b[0].lsr, 0x456789ABu);
    ck_assert_uint_eq(b[0].dlsr, 98304); /* 1.5 s in 1/65536 s */
    ck_assert_uint_eq(b[0].ext_highest_seq, 11);
    ck_assert_int_eq(b[0].cumulative_lost, 0);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, T0_US + 1700 * MS, b, 4, &n), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(b[0].ssrc, SSRC_B);
    ck_assert_uint_eq(b[0].lsr, 0);
    ck_assert_uint_eq(b[0].dlsr, 0);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, T0_US + 1800 * MS, b, 4, &n), 0);
    ck_assert_uint_eq(n, 0); /* nobody heard since */
    /* A third source takes the place of the one heard least recently (A). */
    sotto_rtp_stats_on_receive(st, 0x99u, 7, 0, 50, 90, T0_US + 2 * SEC);
    ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_A, &src), -ENOENT);
    ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_B, &src), 0);
    ck_assert_int_eq(sotto_rtp_stats_source(st, 0x99u, &src), 0);
    ck_assert_uint_eq(src.packets, 1);
    sotto_rtp_stats_destroy(&st);
}
END_TEST

START_TEST(rtp_stats_rejects_bad_arguments)
{
    sotto_rtp_stats_config cfg;
    sotto_rtp_stats *st = NULL;
    sotto_rtcp_report_block b[1];
    size_t n = 0;
    uint64_t bps = 0;

    ck_assert_int_eq(sotto_rtp_stats_create(&st, NULL), 0);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, 0, NULL, 1, &n), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, 0, NULL, 0, &n), 0);
    ck_assert_int_eq(sotto_rtp_stats_report_blocks(st, 0, b, 1, NULL), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_on_receive(NULL, 1, 1, 1, 1, 1, 0), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_on_send(NULL, 1, 1, 0), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_on_sender_report(NULL, 1, 1, 0), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_source(st, SSRC_B, NULL), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_source(NULL, SSRC_B, NULL), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_send(st, 0, NULL), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_receive_bitrate(NULL, 0, &bps), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_receive_bitrate(st, 0, NULL), -EINVAL);
    ck_assert_int_eq(sotto_rtp_stats_create(NULL, NULL), -EINVAL);
    sotto_rtp_stats_destroy(&st);
    ck_assert_ptr_null(st);
    sotto_rtp_stats_config_default(&cfg);
    cfg.max_sources = 0;
    ck_assert_int_eq(sotto_rtp_stats_create(&st, &cfg), -EINVAL);
    sotto_rtp_stats_config_default(&cfg);
    cfg.window_ms = 50;
    ck_assert_int_eq(sotto_rtp_stats_create(&st, &cfg), -EINVAL);
    ck_assert_ptr_null(st);
    sotto_rtp_stats_destroy(NULL);
}
END_TEST

static Suite *jitter_suite(void)
{
    Suite *s = suite_create("jitter");
    TCase *jb = tcase_create("buffer");
    tcase_set_timeout(jb, 60);
    tcase_add_test(jb, jitter_in_order_stream_plays_exactly);
    tcase_add_test(jb, jitter_bursts_of_pulls_at_one_time);
    tcase_add_test(jb, jitter_one_catch_up_is_not_a_lead);
    tcase_add_test(jb, jitter_reordered_pairs_and_bursts_play_in_order);
    tcase_add_test(jb, jitter_duplicates_dropped_and_counted);
    tcase_add_test(jb, jitter_late_packet_counted_not_played);
    tcase_add_test(jb, jitter_losses_conceal_exactly_the_missing_frames);
    tcase_add_test(jb, jitter_redundant_copy_fills_gap);
    tcase_add_test(jb, jitter_sequence_and_timestamp_wrap_without_glitch);
    tcase_add_test(jb, jitter_ssrc_change_resets);
    tcase_add_test(jb, jitter_grows_to_cover_random_jitter);
    tcase_add_test(jb, jitter_target_follows_jitter_down_slowly);
    tcase_add_test(jb, jitter_recovers_after_delay_spike);
    tcase_add_test(jb, jitter_shrinks_faster_on_silent_frames);
    tcase_add_test(jb, jitter_fast_shed_drains_a_queued_start_quickly);
    tcase_add_test(jb, jitter_constant_delay_keeps_minimum_target);
    tcase_add_test(jb, jitter_delay_step_and_drift_do_not_accumulate);
    tcase_add_test(jb, jitter_follows_playout_clock_drift);
    tcase_add_test(jb, jitter_overflow_drops_oldest);
    tcase_add_test(jb, jitter_multi_frame_packets);
    tcase_add_test(jb, jitter_timestamp_jump_needs_confirmation);
    tcase_add_test(jb, jitter_sequence_jump_restarts_loss_count);
    tcase_add_test(jb, jitter_satellite_delay_with_normal_jitter);
    tcase_add_test(jb, jitter_recovers_from_one_second_spike);
    tcase_add_test(jb, jitter_burst_loss_conceals_exactly_the_lost);
    tcase_add_test(jb, jitter_six_frame_packets_with_jitter);
    tcase_add_test(jb, jitter_redundant_copies_fill_single_losses);
    tcase_add_test(jb, jitter_rejects_bad_config);
    tcase_add_test(jb, jitter_rejects_bad_arguments);
    tcase_add_test(jb, jitter_plays_the_peers_silence_as_comfort_noise);
    suite_add_tcase(s, jb);

    TCase *rs = tcase_create("rtp_stats");
    tcase_add_test(rs, rtp_stats_fraction_lost_for_known_pattern);
    tcase_add_test(rs, rtp_stats_jitter_for_known_arrivals);
    tcase_add_test(rs, rtp_stats_bitrate_window);
    tcase_add_test(rs, rtp_stats_report_blocks_lsr_dlsr_and_sources);
    tcase_add_test(rs, rtp_stats_rejects_bad_arguments);
    suite_add_tcase(s, rs);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(jitter_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
