#include "net/rate_control.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVEL 4              /* redundancy depth in packets */
#define RELAX_FACTOR 0.6         /* relax a level only below 60 % of its threshold */
#define RELAX_REPORTS 2          /* ... in this many reports in a row */
#define LINK_SHARE 0.9           /* of the link cap for media: RTCP, ICE consent, headroom */
#define REMB_SHARE 0.95
#define MAX_EXPECTED_LOSS 30

/* Loss at which each redundancy depth (in packets) starts. */
static const double level_threshold[MAX_LEVEL + 1] = {0.0, 0.02, 0.05, 0.10, 0.14};
/* A framed codec's first copy starts lower: one earlier Sotto frame costs 8
 * bytes a packet, and on a link that loses 1 % (edge) the concealed frames
 * cost the call 0.03..0.09 ESTOI against the codec on files, where a copy
 * in the next packet replaces nearly every one of them (random losses
 * seldom come two in a row). */
#define FRAMED_FIRST_THRESHOLD 0.005

struct sotto_ratectl {
    sotto_ratectl_config cfg;
    sotto_ratectl_decision cur;
    uint32_t level;              /* redundancy depth wanted from loss, in packets */
    int have_loss;
    uint32_t remb_bps;
    uint64_t last_change_us;
    int changed_once;
    int relax_reports;           /* consecutive reports that asked for less */
};

void sotto_ratectl_config_default(sotto_ratectl_config *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->kind = SOTTO_RATECTL_FRAMED;
    out->frame_ms = 20;
    out->frame_bytes = 8;
    out->ptime_ms = 20;
    out->max_ptime_ms = 120;
    out->packet_overhead_bytes = 45;
    out->max_redundant_frames = 8;
    out->bitrate = 24000;
    out->min_bitrate = 6000;
    out->good_bitrate = 12000;
    out->hold_up_ms = 2000;
    out->hold_down_ms = 10000;
}

uint32_t sotto_ratectl_wire_bps(uint32_t ptime_ms, uint32_t payload_bytes,
                                uint32_t overhead_bytes)
{
    if (ptime_ms == 0)
        return 0;
    return (uint32_t)(((uint64_t)payload_bytes + overhead_bytes) * 8u * 1000u / ptime_ms);
}

static int config_valid(const sotto_ratectl_config *c)
{
    if (c->kind > SOTTO_RATECTL_FIXED || c->frame_ms < 10 || c->frame_ms > 120 ||
        c->ptime_ms < c->frame_ms || c->ptime_ms % c->frame_ms || c->packet_overhead_bytes > 1000 ||
        c->link_kbps > 1000000 || c->hold_up_ms > 600000 || c->hold_down_ms > 600000)
        return 0;
    if (c->kind == SOTTO_RATECTL_FRAMED)
        return c->frame_bytes >= 1 && c->frame_bytes <= 1275 && c->max_ptime_ms >= c->ptime_ms &&
               (c->low_frame_ms == 0 ||
                (c->low_frame_ms % c->frame_ms == 0 && c->low_frame_ms <= c->max_ptime_ms &&
                 c->low_frame_bytes >= 1 && c->low_frame_bytes <= 1275)) &&
               c->max_ptime_ms % c->frame_ms == 0 && c->max_ptime_ms <= 1000 &&
               c->max_redundant_frames <= 63;
    if (c->kind == SOTTO_RATECTL_BITRATE &&
        (c->max_ptime_ms < c->ptime_ms || c->max_ptime_ms > 120 || c->max_ptime_ms % c->frame_ms))
        return 0;
    return c->bitrate > 0 && c->max_redundant_frames <= 2 &&
           (c->kind == SOTTO_RATECTL_FIXED ||
            (c->min_bitrate > 0 && c->min_bitrate <= c->bitrate));
}

static uint32_t cap_bps(const sotto_ratectl *c)
{
    uint32_t cap = c->cfg.link_kbps ? (uint32_t)(c->cfg.link_kbps * 1000.0 * LINK_SHARE) : 0;
    uint32_t remb = c->remb_bps ? (uint32_t)(c->remb_bps * REMB_SHARE) : 0;

    if (remb && (!cap || remb < cap))
        cap = remb;
    return cap;
}

/* Framed codecs: the deepest redundancy up to level, at the shortest
 * packet time that fits the cap; without a fit, the longest packets. */
static void choose_framed(const sotto_ratectl *c, uint32_t level, sotto_ratectl_decision *d)
{
    const sotto_ratectl_config *k = &c->cfg;
    uint32_t cap = cap_bps(c), lvl, ptime;

    for (lvl = level + 1; lvl-- > 0;) {
        for (ptime = k->ptime_ms; ptime <= k->max_ptime_ms; ptime += k->frame_ms) {
            uint32_t n = ptime / k->frame_ms, red = lvl * n;
            uint32_t wire;

            if (red > k->max_redundant_frames)
                red = k->max_redundant_frames;
            wire = sotto_ratectl_wire_bps(ptime, (n + red) * k->frame_bytes,
                                          k->packet_overhead_bytes);
            if (!cap || wire <= cap) {
                d->ptime_ms = ptime;
                d->redundant_frames = red;
                d->redundancy_packets = red ? (red + n - 1) / n : 0;
                d->wire_bps = wire;
                d->bitrate = n * k->frame_bytes * 8u * 1000u / ptime;
                return;
            }
        }
    }
    d->ptime_ms = k->max_ptime_ms;
    d->redundant_frames = 0;
    d->redundancy_packets = 0;
    d->bitrate = k->frame_bytes * 8u * 1000u / k->frame_ms;
    d->wire_bps = sotto_ratectl_wire_bps(k->max_ptime_ms,
                                         k->max_ptime_ms / k->frame_ms * k->frame_bytes,
                                         k->packet_overhead_bytes);
}

#define LOW_MODE_ENTER_LEVEL 2 /* loss (5 %) that may move to the low-rate mode */

/* Most audio (ms) that redundant copies of frame_ms frames can cover at
 * redundancy depth level under the cap, at any packet time and any number
 * of copies up to level packets' worth: what the low mode can offer. */
static uint32_t framed_cover_ms(const sotto_ratectl *c, uint32_t level, uint32_t frame_ms,
                                uint32_t frame_bytes)
{
    const sotto_ratectl_config *k = &c->cfg;
    uint32_t cap = cap_bps(c), best = 0, ptime, red;

    for (ptime = k->ptime_ms + (frame_ms - k->ptime_ms % frame_ms) % frame_ms;
         ptime <= k->max_ptime_ms; ptime += frame_ms) {
        uint32_t n = ptime / frame_ms, most = level * n;

        if (most > k->max_redundant_frames)
            most = k->max_redundant_frames;
        for (red = most; red > 0; red--) {
            if (cap && sotto_ratectl_wire_bps(ptime, (n + red) * frame_bytes,
                                              k->packet_overhead_bytes) > cap)
                continue;
            if (red * frame_ms > best)
                best = red * frame_ms;
            break;
        }
    }
    return best;
}

/* Framed codecs with a low-rate mode, in one rule (d holds the normal
 * mode's choice): move to it when loss asks for at least
 * LOW_MODE_ENTER_LEVEL packets of redundancy, the normal mode cannot give
 * them all under the cap, and the low mode's smaller frames cover more lost
 * audio than the normal mode's copies do (a slow link with loss); stay in
 * it until no redundancy is wanted (loss below 60 % of the first level's
 * 2 %) or the normal mode gives it all again (the cap went). In the low mode the packets are the low mode's:
 * every packet time a multiple of its frame, redundant copies as many of
 * its frames as fit, up to level packets' worth. The update's hold times
 * space the switches like any change. */
static void choose_framed_mode(const sotto_ratectl *c, uint32_t level, sotto_ratectl_decision *d)
{
    const sotto_ratectl_config *k = &c->cfg;
    uint32_t cap = cap_bps(c), ptime, red, low_cover;

    d->low_mode = 0;
    if (!k->low_frame_ms || level == 0 || (!c->cur.low_mode && level < LOW_MODE_ENTER_LEVEL))
        return;
    if (d->redundancy_packets >= level)
        return; /* the normal mode gives all the protection loss asks for */
    low_cover = framed_cover_ms(c, level, k->low_frame_ms, k->low_frame_bytes);
    if (low_cover <= d->redundant_frames * k->frame_ms)
        return;
    /* The shortest packets whose copies cover low_cover. */
    for (ptime = k->ptime_ms + (k->low_frame_ms - k->ptime_ms % k->low_frame_ms) %
                                   k->low_frame_ms;
         ptime <= k->max_ptime_ms; ptime += k->low_frame_ms) {
        uint32_t n = ptime / k->low_frame_ms, wire;

        red = low_cover / k->low_frame_ms;
        if (red > level * n)
            continue;
        wire = sotto_ratectl_wire_bps(ptime, (n + red) * k->low_frame_bytes,
                                      k->packet_overhead_bytes);
        if (cap && wire > cap)
            continue;
        d->low_mode = 1;
        d->ptime_ms = ptime;
        d->redundant_frames = red;
        d->redundancy_packets = (red + n - 1) / n;
        d->wire_bps = wire;
        d->bitrate = k->low_frame_bytes * 8u * 1000u / k->low_frame_ms;
        return;
    }
}

/* The packet times a variable-rate codec takes: the durations of one Opus
 * packet of 10 ms or more (RFC 6716: up to 120 ms). */
static const uint32_t bitrate_ptimes[] = {10, 20, 40, 60, 80, 100, 120};

/* Payload bit/s per copy left by cap at ptime with copies RED copies (a
 * 4-byte block header each and a 1-byte primary header); 0 when the
 * headers alone fill it. *headers_out gets the headers' bit/s. */
static uint32_t bitrate_room(const sotto_ratectl *c, uint32_t cap, uint32_t ptime,
                             uint32_t copies, uint32_t *headers_out)
{
    uint32_t overhead = c->cfg.packet_overhead_bytes + (copies ? 1 + 4 * copies : 0);
    uint32_t headers = sotto_ratectl_wire_bps(ptime, 0, overhead);

    *headers_out = headers;
    return cap > headers ? (cap - headers) / (1 + copies) : 0;
}

static int bitrate_ptime_allowed(const sotto_ratectl_config *k, uint32_t ptime)
{
    return ptime >= k->ptime_ms && ptime <= k->max_ptime_ms && ptime % k->frame_ms == 0;
}

/* Variable-rate codecs. Without a cap: the configured rate at the preferred
 * packet time, with the copies loss asks for. Under a cap: as many of those
 * copies as still leave a good rate, at the shortest packet time that
 * leaves it (headers shrink as packets grow); where none does, no copies at
 * the longest packet time with what the cap leaves, never below the codec's
 * floor. The rate is then constant: variable-rate peaks would overfill the
 * link. */
static void choose_bitrate(const sotto_ratectl *c, uint32_t level, sotto_ratectl_decision *d)
{
    const sotto_ratectl_config *k = &c->cfg;
    uint32_t want = k->kind != SOTTO_RATECTL_BITRATE ? 0
                    : level < k->max_redundant_frames ? level : k->max_redundant_frames;
    uint32_t cap = cap_bps(c), good = k->good_bitrate < k->bitrate ? k->good_bitrate : k->bitrate;
    uint32_t copies = want + 1, ptime = k->ptime_ms, headers = 0, rate = k->bitrate, loss_pct, i;
    int found = 0;

    if (!cap || k->kind == SOTTO_RATECTL_FIXED) {
        copies = want;
        bitrate_room(c, 0, ptime, copies, &headers);
        found = 1;
    }
    while (!found && copies-- > 0) {
        for (i = 0; i < sizeof(bitrate_ptimes) / sizeof(bitrate_ptimes[0]); i++) {
            uint32_t room;

            if (!bitrate_ptime_allowed(k, bitrate_ptimes[i]))
                continue;
            room = bitrate_room(c, cap, bitrate_ptimes[i], copies, &headers);
            /* A copy is worth sending only while a good rate remains. */
            if (room >= good) {
                ptime = bitrate_ptimes[i];
                rate = room < k->bitrate ? room : k->bitrate;
                found = 1;
                break;
            }
        }
    }
    if (!found) {
        copies = 0;
        for (i = 0; i < sizeof(bitrate_ptimes) / sizeof(bitrate_ptimes[0]); i++)
            if (bitrate_ptime_allowed(k, bitrate_ptimes[i]))
                ptime = bitrate_ptimes[i];
        rate = bitrate_room(c, cap, ptime, 0, &headers);
        if (rate > k->bitrate)
            rate = k->bitrate;
    }
    if (k->kind == SOTTO_RATECTL_BITRATE && rate < k->min_bitrate)
        rate = k->min_bitrate;
    d->ptime_ms = ptime;
    d->bitrate = rate;
    d->redundant_frames = copies;
    d->redundancy_packets = copies;
    d->wire_bps = rate * (1 + copies) + headers;
    d->constant_rate = k->kind == SOTTO_RATECTL_BITRATE && cap != 0;
    /* Whole steps of 5 %, and a step down only once loss is a full step
     * below the value in force: loss wobbling around a step's edge does not
     * retune the FEC back and forth. */
    loss_pct = (uint32_t)(floor(d->loss * 100.0 / 5.0 + 0.5) * 5.0);
    if (loss_pct < c->cur.expected_loss_pct && d->loss * 100.0 > c->cur.expected_loss_pct - 7.5)
        loss_pct = c->cur.expected_loss_pct;
    /* In-band FEC takes its bits from the speech: only where a rate is left. */
    if (rate < k->fec_min_bitrate)
        loss_pct = 0;
    d->expected_loss_pct = loss_pct > MAX_EXPECTED_LOSS ? MAX_EXPECTED_LOSS : loss_pct;
}

static void choose(const sotto_ratectl *c, uint32_t level, sotto_ratectl_decision *d)
{
    d->cap_bps = cap_bps(c);
    if (c->cfg.kind == SOTTO_RATECTL_FRAMED) {
        choose_framed(c, c->cfg.max_redundant_frames ? level : 0, d);
        choose_framed_mode(c, c->cfg.max_redundant_frames ? level : 0, d);
    } else
        choose_bitrate(c, level, d);
}

static void describe(const sotto_ratectl *c, const sotto_ratectl_decision *d, char *buf,
                     size_t len)
{
    char cap[32] = "no cap";

    if (d->cap_bps)
        snprintf(cap, sizeof(cap), "cap %.1f kbit/s", d->cap_bps / 1000.0);
    if (c->cfg.kind == SOTTO_RATECTL_FRAMED)
        snprintf(buf, len, "loss %.1f%%, %s: %u ms packets, %u redundant frames, %.1f kbit/s%s",
                 d->loss * 100.0, cap, d->ptime_ms, d->redundant_frames, d->wire_bps / 1000.0,
                 d->low_mode ? ", low-rate mode" : "");
    else
        snprintf(buf, len,
                 "loss %.1f%%, %s: %u ms packets, %.1f kbit/s payload%s, %u copies, FEC for "
                 "%u%% loss, %.1f kbit/s",
                 d->loss * 100.0, cap, d->ptime_ms, d->bitrate / 1000.0,
                 d->constant_rate ? " constant" : "", d->redundant_frames, d->expected_loss_pct,
                 d->wire_bps / 1000.0);
}

int sotto_ratectl_create(sotto_ratectl **out, const sotto_ratectl_config *cfg)
{
    sotto_ratectl *c;

    if (!out)
        return -EINVAL;
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    if (cfg)
        c->cfg = *cfg;
    else
        sotto_ratectl_config_default(&c->cfg);
    if (!config_valid(&c->cfg)) {
        free(c);
        return -EINVAL;
    }
    choose(c, 0, &c->cur);
    describe(c, &c->cur, c->cur.reason, sizeof(c->cur.reason));
    *out = c;
    return 0;
}

void sotto_ratectl_destroy(sotto_ratectl **c)
{
    if (!c || !*c)
        return;
    free(*c);
    *c = NULL;
}

static double threshold_of(const sotto_ratectl *c, uint32_t level)
{
    return level == 1 && c->cfg.kind == SOTTO_RATECTL_FRAMED ? FRAMED_FIRST_THRESHOLD
                                                             : level_threshold[level];
}

static uint32_t level_for_loss(const sotto_ratectl *c, uint32_t current, double loss)
{
    uint32_t want = 0, l;

    for (l = 1; l <= MAX_LEVEL; l++) {
        if (loss >= threshold_of(c, l))
            want = l;
    }
    /* Hysteresis: a level stays until loss falls well below where it began. */
    while (want < current && loss >= threshold_of(c, current) * RELAX_FACTOR)
        want = current;
    return want;
}

static int decision_differs(const sotto_ratectl_decision *a, const sotto_ratectl_decision *b)
{
    return a->ptime_ms != b->ptime_ms || a->redundant_frames != b->redundant_frames ||
           a->bitrate != b->bitrate || a->expected_loss_pct != b->expected_loss_pct ||
           a->low_mode != b->low_mode || a->constant_rate != b->constant_rate;
}

/* More protection or less rate on the wire: the safe direction. */
static int tightens(const sotto_ratectl_decision *next, const sotto_ratectl_decision *cur)
{
    if (next->low_mode != cur->low_mode)
        return next->low_mode; /* into the low-rate mode: for protection */
    return next->redundant_frames > cur->redundant_frames ||
           next->expected_loss_pct > cur->expected_loss_pct ||
           (next->redundant_frames == cur->redundant_frames && next->wire_bps < cur->wire_bps);
}

int sotto_ratectl_update(sotto_ratectl *c, const sotto_ratectl_feedback *fb, uint64_t now_us)
{
    sotto_ratectl_decision next;
    uint64_t since;
    uint32_t level;

    if (!c || !fb || fb->fraction_lost > 1.0)
        return -EINVAL;
    c->cur.reports++;
    if (fb->fraction_lost >= 0) {
        double f = fb->fraction_lost;

        /* Rise at once, fall slowly: one bad report protects (a copy costs a
         * few bytes), one good report does not undo it. */
        c->cur.loss = c->have_loss && f < c->cur.loss ? c->cur.loss + 0.25 * (f - c->cur.loss) : f;
        c->have_loss = 1;
    }
    if (fb->remb_bps)
        c->remb_bps = fb->remb_bps;
    level = level_for_loss(c, c->level, c->cur.loss);
    next = c->cur;
    choose(c, level, &next);
    if (!decision_differs(&next, &c->cur)) {
        c->level = level;
        c->relax_reports = 0;
        return 0;
    }
    since = c->changed_once ? (now_us - c->last_change_us) / 1000u : UINT64_MAX;
    if (tightens(&next, &c->cur)) {
        c->relax_reports = 0;
        if (since < c->cfg.hold_up_ms)
            return 0;
    } else if (++c->relax_reports < RELAX_REPORTS || since < c->cfg.hold_down_ms) {
        return 0;
    }
    c->level = level;
    c->relax_reports = 0;
    next.changes = c->cur.changes + 1;
    describe(c, &next, next.reason, sizeof(next.reason));
    c->cur = next;
    c->last_change_us = now_us;
    c->changed_once = 1;
    return 1;
}

int sotto_ratectl_get(const sotto_ratectl *c, sotto_ratectl_decision *out)
{
    if (!c || !out)
        return -EINVAL;
    *out = c->cur;
    return 0;
}
