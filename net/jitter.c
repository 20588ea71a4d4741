/* Adaptive jitter buffer: frame slots addressed by frame number, a delay
 * history for the target, and the pull-side playout controller. */
#include "net/jitter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JB_SEQ_MAX_JUMP 3000 /* packets: a larger sequence jump restarts loss counting */
#define JB_MAX_CAPACITY 65536u
#define JB_MAX_FRAME_BYTES 65536u
#define JB_MAX_SPAN_TS (1 << 30) /* buffer span in timestamp units, well inside int32 */
#define JB_US_PER_MS 1000
#define JB_MAX_NOW_US (1ull << 62) /* keeps every time difference inside int64 */

enum jb_slot_state {
    SLOT_EMPTY = 0,        /* never used since the last restart */
    SLOT_PRIMARY,          /* held: the frame from its own packet */
    SLOT_REDUNDANT,        /* held: only a redundant copy so far */
    SLOT_PLAYED,           /* handed out from the primary */
    SLOT_PLAYED_REDUNDANT, /* handed out from a redundant copy */
    SLOT_CONCEALED,        /* its period passed without the frame */
    SLOT_DROPPED           /* thrown away unplayed on overflow */
};

typedef struct jb_slot {
    int64_t frame;       /* frame number last stored here (see jb_frame_of) */
    uint32_t timestamp;  /* RTP timestamp of that frame */
    uint32_t len;        /* payload bytes */
    uint8_t state;       /* enum jb_slot_state */
    uint8_t silent;      /* 1 = caller marked the frame low-energy */
    uint64_t arrival_us; /* when the frame (or its copy) came */
} jb_slot;

typedef struct jb_sample {
    uint64_t arrival_us; /* when the packet arrived */
    int64_t transit_us;  /* arrival minus the media time of its first frame */
    int late;            /* 1 = the target must cover it: a frame of it came after its
                             * playout, or it is a redundant copy that was needed */
} jb_sample;

enum jb_store_result {
    STORE_OK,
    STORE_DUPLICATE,
    STORE_LATE,
    STORE_IGNORED
};

struct sotto_jitter {
    sotto_jitter_config cfg;
    uint32_t frame_ts;     /* timestamp units per frame */
    int64_t frame_us;      /* microseconds per frame */
    int64_t span_ts;       /* capacity in timestamp units; larger jumps restart */
    int64_t min_target_us; /* max(min_delay, one frame + margin) */
    jb_slot *slots;        /* capacity_frames, indexed by frame mod capacity */
    uint8_t *storage;      /* capacity_frames * max_frame_bytes payload bytes */
    jb_sample *samples;    /* ring of history_capacity delay samples */
    int64_t *scratch;      /* history_capacity values for the percentile */
    size_t sample_first;   /* index of the oldest sample */
    size_t sample_count;   /* samples in the ring */

    int has_source;           /* 0 until the first packet after a restart */
    uint32_t ssrc;            /* current source */
    int has_prev_ssrc;        /* 1 after an SSRC change */
    uint32_t prev_ssrc;       /* the source left behind at that change */
    uint64_t source_since_us; /* when the current source took over */
    int64_t ts_origin;        /* unwrapped timestamp of frame number 0 */
    int64_t ts_highest;       /* highest unwrapped timestamp: the unwrap reference */
    int has_jump;             /* a timestamp jump waits for confirmation */
    uint32_t jump_next_ts;    /* timestamp expected next if the jump is real */
    int64_t seq_highest;      /* highest unwrapped sequence number */
    int64_t seq_lowest;       /* lowest unwrapped sequence number */
    uint64_t seq_unique;      /* packets counted between those, duplicates excluded */
    uint64_t lost_before;     /* packets lost before the last loss-count restart */

    int playing;                 /* 0 while prebuffering */
    int in_comfort;              /* the last frame played was an empty silent one (comfort
                                 * noise): a missing frame after it is the peer's silence */
    int64_t play_frame;          /* next frame number to hand out */
    int64_t newest_frame;        /* highest frame number stored */
    uint32_t held;               /* frames held, not yet played */
    int has_base;                /* 1 once a delay sample exists */
    int64_t base_us;             /* lowest transit in the history */
    int64_t target_us;           /* target delay */
    int64_t current_us;          /* delay at the last pull */
    uint32_t since_adjust;       /* pulls since the last expand or compress */
    int has_pulled;              /* 1 after the first pull */
    uint64_t burst_start_us;     /* time of the first pull of the current burst */
    uint32_t burst_pulls;        /* pulls after that one with (nearly) the same time */
    int64_t burst_lead_us;       /* fetch-ahead of the current burst so far */
    int64_t lead_seen_us;        /* largest fetch-ahead of an earlier burst lately */
    int64_t lead_seen_recent_us; /* the same in the current half */
    int64_t lead_peak_us;        /* largest fetch-ahead lately (see jb_playout_time) */
    int64_t lead_recent_us;      /* largest fetch-ahead in the current half of that */
    uint32_t lead_pulls;         /* pulls in the current half */
    sotto_jitter_stats stats;    /* counters; delay fields filled by get_stats */
};

void sotto_jitter_config_default(sotto_jitter_config *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->clock_rate = 48000;
    out->frame_us = 20000;
    out->capacity_frames = 256;
    out->max_frame_bytes = 1500;
    out->min_delay_ms = 20;
    out->max_delay_ms = 1000;
    out->margin_ms = 10;
    out->quantile_pct = 95;
    out->window_ms = 4000;
    out->history_capacity = 512;
    out->adjust_interval_frames = 3;
    out->speech_compress_interval_frames = 10;
}

static int64_t jb_min_target_us(const sotto_jitter_config *c)
{
    int64_t floor_us = (int64_t)c->frame_us + (int64_t)c->margin_ms * JB_US_PER_MS;
    int64_t min_us = (int64_t)c->min_delay_ms * JB_US_PER_MS;
    return min_us > floor_us ? min_us : floor_us;
}

static int jb_config_valid(const sotto_jitter_config *c)
{
    if (c->clock_rate < 1000 || c->clock_rate > 1000000)
        return 0;
    if (c->frame_us < 1000 || c->frame_us > 200000)
        return 0;
    /* The frame must be a whole number of timestamp units. */
    if (((uint64_t)c->clock_rate * c->frame_us) % 1000000u != 0)
        return 0;
    uint64_t frame_ts = (uint64_t)c->clock_rate * c->frame_us / 1000000u;
    if (c->capacity_frames < 4 || c->capacity_frames > JB_MAX_CAPACITY ||
        frame_ts * c->capacity_frames > JB_MAX_SPAN_TS)
        return 0;
    if (c->max_frame_bytes < 1 || c->max_frame_bytes > JB_MAX_FRAME_BYTES)
        return 0;
    if (c->max_delay_ms > 60000 || c->margin_ms > 1000 || c->min_delay_ms > c->max_delay_ms)
        return 0;
    if (jb_min_target_us(c) > (int64_t)c->max_delay_ms * JB_US_PER_MS)
        return 0;
    /* The target must fit in what the buffer can hold. */
    if ((uint64_t)c->max_delay_ms * JB_US_PER_MS >= (uint64_t)c->capacity_frames * c->frame_us)
        return 0;
    if (c->quantile_pct < 50 || c->quantile_pct > 100)
        return 0;
    if (c->window_ms < 500 || c->window_ms > 60000)
        return 0;
    if (c->history_capacity < 16 || c->history_capacity > 4096)
        return 0;
    if (c->adjust_interval_frames < 1 || c->adjust_interval_frames > 1000 ||
        c->speech_compress_interval_frames < c->adjust_interval_frames ||
        c->speech_compress_interval_frames > 1000 ||
        (c->fast_shed_ms != 0 && (c->fast_shed_ms < 50 || c->fast_shed_ms > 5000)))
        return 0;
    return 1;
}

/* Forgets the source and everything held; counters and target stay. */
static void jb_restart(sotto_jitter *jb)
{
    int64_t span = jb->seq_highest - jb->seq_lowest + 1;

    if (jb->has_source && span > (int64_t)jb->seq_unique)
        jb->lost_before += (uint64_t)span - jb->seq_unique;
    memset(jb->slots, 0, sizeof(*jb->slots) * jb->cfg.capacity_frames);
    jb->sample_first = 0;
    jb->sample_count = 0;
    jb->has_source = 0;
    jb->has_jump = 0;
    jb->seq_unique = 0;
    jb->playing = 0;
    jb->in_comfort = 0;
    jb->held = 0;
    jb->has_base = 0;
    jb->current_us = 0;
    jb->since_adjust = 0;
}

static void jb_source_begin(sotto_jitter *jb, const sotto_jitter_packet *pkt, uint64_t now_us)
{
    jb->has_source = 1;
    jb->ssrc = pkt->ssrc;
    jb->source_since_us = now_us;
    jb->ts_origin = pkt->timestamp;
    jb->ts_highest = pkt->timestamp;
    jb->seq_highest = pkt->seq;
    jb->seq_lowest = pkt->seq;
    jb->seq_unique = 0;
    jb->play_frame = 0;
    jb->newest_frame = 0;
}

int sotto_jitter_create(sotto_jitter **out_jb, const sotto_jitter_config *cfg)
{
    sotto_jitter_config defaults;
    sotto_jitter *jb = NULL;

    if (!out_jb)
        return -EINVAL;
    if (!cfg) {
        sotto_jitter_config_default(&defaults);
        cfg = &defaults;
    }
    if (!jb_config_valid(cfg))
        return -EINVAL;
    jb = calloc(1, sizeof(*jb));
    if (!jb)
        goto fail;
    jb->cfg = *cfg;
    jb->frame_ts = (uint32_t)((uint64_t)cfg->clock_rate * cfg->frame_us / 1000000u);
    jb->frame_us = cfg->frame_us;
    jb->span_ts = (int64_t)jb->frame_ts * cfg->capacity_frames;
    jb->min_target_us = jb_min_target_us(cfg);
    jb->target_us = jb->min_target_us;
    jb->slots = calloc(cfg->capacity_frames, sizeof(*jb->slots));
    jb->storage = calloc(cfg->capacity_frames, cfg->max_frame_bytes);
    jb->samples = calloc(cfg->history_capacity, sizeof(*jb->samples));
    jb->scratch = calloc(cfg->history_capacity, sizeof(*jb->scratch));
    if (!jb->slots || !jb->storage || !jb->samples || !jb->scratch)
        goto fail;
    *out_jb = jb;
    return 0;
fail:
    sotto_jitter_destroy(&jb);
    return -ENOMEM;
}

void sotto_jitter_destroy(sotto_jitter **jb)
{
    if (!jb || !*jb)
        return;
    free((*jb)->slots);
    free((*jb)->storage);
    free((*jb)->samples);
    free((*jb)->scratch);
    free(*jb);
    *jb = NULL;
}

/* Signed distance from a 32-bit reference, without implementation-defined
 * conversions. */
static int64_t jb_delta32(uint32_t value, uint32_t ref)
{
    uint32_t d = value - ref;
    return d >= 0x80000000u ? -(int64_t)(0x100000000ull - d) : (int64_t)d;
}

static int64_t jb_unwrap_ts(const sotto_jitter *jb, uint32_t ts)
{
    return jb->ts_highest + jb_delta32(ts, (uint32_t)jb->ts_highest);
}

/* Frame number of an unwrapped timestamp, rounded to the nearest frame so a
 * slightly misaligned sender still lands in one slot. */
static int64_t jb_frame_of(const sotto_jitter *jb, int64_t ext_ts)
{
    int64_t rel = ext_ts - jb->ts_origin + jb->frame_ts / 2;
    int64_t n = rel / jb->frame_ts;
    if (rel % jb->frame_ts != 0 && rel < 0)
        n--;
    return n;
}

static jb_slot *jb_slot_at(sotto_jitter *jb, int64_t frame)
{
    uint64_t cap = jb->cfg.capacity_frames;
    return &jb->slots[(uint64_t)(frame % (int64_t)cap + (int64_t)cap) % cap];
}

static uint8_t *jb_payload_at(sotto_jitter *jb, const jb_slot *slot)
{
    return jb->storage + (size_t)(slot - jb->slots) * jb->cfg.max_frame_bytes;
}

static int jb_slot_held(const jb_slot *slot, int64_t frame)
{
    return slot->frame == frame && (slot->state == SLOT_PRIMARY || slot->state == SLOT_REDUNDANT);
}

/* Moves the playout point to new_play, dropping what is held before it:
 * the oldest frames go when a newer one does not fit. */
static void jb_drop_oldest(sotto_jitter *jb, int64_t new_play)
{
    int64_t end = jb->play_frame + (int64_t)jb->cfg.capacity_frames;

    /* Everything held lies in [play_frame, play_frame + capacity). */
    if (end > new_play)
        end = new_play;
    for (int64_t k = jb->play_frame; k < end; k++) {
        jb_slot *slot = jb_slot_at(jb, k);
        if (jb_slot_held(slot, k)) {
            slot->state = SLOT_DROPPED;
            jb->held--;
            jb->stats.frames_overflow++;
        }
    }
    jb->play_frame = new_play;
}

/* Where a frame before the playout point goes: a second copy of a frame
 * played from its primary is a duplicate; anything else came too late. */
static enum jb_store_result jb_classify_past(sotto_jitter *jb, int64_t frame, int redundant)
{
    const jb_slot *slot = jb_slot_at(jb, frame);

    if (redundant)
        return STORE_IGNORED;
    if (slot->frame == frame && slot->state == SLOT_PLAYED)
        return STORE_DUPLICATE;
    return STORE_LATE;
}

static enum jb_store_result jb_store(sotto_jitter *jb, int64_t frame, uint32_t ts,
                                     const sotto_jitter_frame *f, int redundant, uint64_t now_us)
{
    int64_t cap = jb->cfg.capacity_frames;
    jb_slot *slot;

    if (!jb->playing && jb->held == 0) {
        jb->play_frame = frame; /* the first frame held starts the stream */
        jb->newest_frame = frame;
    } else if (frame < jb->play_frame) {
        /* While prebuffering, an earlier frame may still move the start back. */
        if (jb->playing || jb->newest_frame - frame >= cap)
            return jb_classify_past(jb, frame, redundant);
        jb->play_frame = frame;
    }
    if (frame >= jb->play_frame + cap)
        jb_drop_oldest(jb, frame - cap + 1);
    slot = jb_slot_at(jb, frame);
    if (jb_slot_held(slot, frame)) {
        if (redundant)
            return STORE_IGNORED;
        if (slot->state == SLOT_PRIMARY)
            return STORE_DUPLICATE;
    } else {
        jb->held++;
    }
    slot->frame = frame;
    slot->timestamp = ts;
    slot->len = (uint32_t)f->len;
    slot->state = redundant ? SLOT_REDUNDANT : SLOT_PRIMARY;
    slot->silent = f->silent ? 1 : 0;
    slot->arrival_us = now_us;
    if (f->len > 0)
        memcpy(jb_payload_at(jb, slot), f->payload, f->len);
    if (frame > jb->newest_frame)
        jb->newest_frame = frame;
    return STORE_OK;
}

static int jb_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Target = the configured percentile of relative delay (transit above the
 * fastest packet in the window), raised at once to cover any packet that
 * came late, plus the margin, within the configured bounds. */
static void jb_update_target(sotto_jitter *jb)
{
    size_t cap = jb->cfg.history_capacity, n = jb->sample_count;
    int64_t base = INT64_MAX, late_max = 0;

    for (size_t i = 0; i < n; i++) {
        const jb_sample *s = &jb->samples[(jb->sample_first + i) % cap];
        if (s->transit_us < base)
            base = s->transit_us;
    }
    for (size_t i = 0; i < n; i++) {
        const jb_sample *s = &jb->samples[(jb->sample_first + i) % cap];
        jb->scratch[i] = s->transit_us - base;
        if (s->late && jb->scratch[i] > late_max)
            late_max = jb->scratch[i];
    }
    qsort(jb->scratch, n, sizeof(*jb->scratch), jb_cmp_i64);
    size_t rank = (n * jb->cfg.quantile_pct + 99) / 100;
    int64_t spread = jb->scratch[rank > 0 ? rank - 1 : 0];
    int64_t margin = (int64_t)jb->cfg.margin_ms * JB_US_PER_MS;
    int64_t want = (spread > late_max ? spread : late_max) + margin;
    int64_t max_us = (int64_t)jb->cfg.max_delay_ms * JB_US_PER_MS;

    jb->base_us = base;
    jb->has_base = 1;
    jb->target_us = want < jb->min_target_us ? jb->min_target_us : want > max_us ? max_us : want;
}

static void jb_add_sample(sotto_jitter *jb, int64_t first_frame, int late, uint64_t now_us)
{
    size_t cap = jb->cfg.history_capacity;
    uint64_t window_us = (uint64_t)jb->cfg.window_ms * JB_US_PER_MS;

    if (jb->sample_count == cap) {
        jb->sample_first = (jb->sample_first + 1) % cap;
        jb->sample_count--;
    }
    jb_sample *s = &jb->samples[(jb->sample_first + jb->sample_count) % cap];
    s->arrival_us = now_us;
    s->transit_us = (int64_t)now_us - first_frame * jb->frame_us;
    s->late = late;
    jb->sample_count++;
    while (jb->sample_count > 1 && jb->samples[jb->sample_first].arrival_us + window_us < now_us) {
        jb->sample_first = (jb->sample_first + 1) % cap;
        jb->sample_count--;
    }
    jb_update_target(jb);
}

/* Unwraps the sequence number for loss counting; a wild jump restarts it. */
static void jb_count_seq(sotto_jitter *jb, uint16_t seq)
{
    uint16_t udelta = (uint16_t)(seq - (uint16_t)jb->seq_highest);
    int64_t d = udelta >= 0x8000 ? (int64_t)udelta - 0x10000 : (int64_t)udelta;
    int64_t ext = jb->seq_highest + d;

    if (d > JB_SEQ_MAX_JUMP || d < -JB_SEQ_MAX_JUMP) {
        int64_t span = jb->seq_highest - jb->seq_lowest + 1;
        if (span > (int64_t)jb->seq_unique)
            jb->lost_before += (uint64_t)span - jb->seq_unique;
        jb->seq_highest = ext;
        jb->seq_lowest = ext;
        jb->seq_unique = 0;
        return;
    }
    if (ext > jb->seq_highest)
        jb->seq_highest = ext;
    if (ext < jb->seq_lowest)
        jb->seq_lowest = ext;
}

/* Sorts out the source: a new SSRC or a confirmed timestamp jump restarts
 * the buffer. Returns 1 when the packet should be stored, 0 when it was
 * dropped (and counted). */
static int jb_accept_source(sotto_jitter *jb, const sotto_jitter_packet *pkt, uint64_t now_us)
{
    uint64_t straggle_us = (uint64_t)jb->cfg.max_delay_ms * JB_US_PER_MS;

    if (jb->has_source && pkt->ssrc != jb->ssrc) {
        /* Reordered leftovers of the source just replaced are late, not a
         * reason to switch back. */
        if (jb->has_prev_ssrc && pkt->ssrc == jb->prev_ssrc &&
            now_us - jb->source_since_us <= straggle_us) {
            jb->stats.packets_late++;
            return 0;
        }
        jb->prev_ssrc = jb->ssrc;
        jb->has_prev_ssrc = 1;
        jb_restart(jb);
        jb->stats.resets++;
    }
    if (!jb->has_source) {
        jb_source_begin(jb, pkt, now_us);
        return 1;
    }
    int64_t ext = jb_unwrap_ts(jb, pkt->timestamp);
    if (ext - jb->ts_highest <= jb->span_ts && jb->ts_highest - ext <= jb->span_ts) {
        jb->has_jump = 0;
        return 1;
    }
    /* A jump: believe it when the next packet continues from it. */
    if (jb->has_jump && jb_delta32(pkt->timestamp, jb->jump_next_ts) <= jb->span_ts &&
        jb_delta32(jb->jump_next_ts, pkt->timestamp) <= jb->span_ts) {
        jb_restart(jb);
        jb->stats.resets++;
        jb_source_begin(jb, pkt, now_us);
        return 1;
    }
    jb->has_jump = 1;
    jb->jump_next_ts = pkt->timestamp + (uint32_t)(pkt->frame_count * jb->frame_ts);
    jb->stats.packets_discarded++;
    return 0;
}

static int jb_frame_valid(const sotto_jitter *jb, const sotto_jitter_frame *f)
{
    return f->len <= jb->cfg.max_frame_bytes && (f->len == 0 || f->payload);
}

int sotto_jitter_insert(sotto_jitter *jb, const sotto_jitter_packet *pkt, uint64_t now_us)
{
    size_t duplicate = 0, late = 0;

    if (!jb || !pkt || !pkt->frames || pkt->frame_count == 0 || now_us >= JB_MAX_NOW_US ||
        pkt->frame_count > jb->cfg.capacity_frames || pkt->frame_duration != jb->frame_ts)
        return -EINVAL;
    for (size_t i = 0; i < pkt->frame_count; i++)
        if (!jb_frame_valid(jb, &pkt->frames[i]))
            return -EINVAL;
    jb->stats.packets_received++;
    if (!jb_accept_source(jb, pkt, now_us))
        return 0;

    int64_t ext = jb_unwrap_ts(jb, pkt->timestamp);
    int64_t last_ext = ext + (int64_t)(pkt->frame_count - 1) * jb->frame_ts;
    int64_t first_frame = jb_frame_of(jb, ext);
    if (last_ext > jb->ts_highest)
        jb->ts_highest = last_ext;
    jb_count_seq(jb, pkt->seq);

    for (size_t i = 0; i < pkt->frame_count; i++) {
        uint32_t ts = pkt->timestamp + (uint32_t)(i * jb->frame_ts);
        switch (jb_store(jb, first_frame + (int64_t)i, ts, &pkt->frames[i], 0, now_us)) {
        case STORE_DUPLICATE:
            duplicate++;
            break;
        case STORE_LATE:
            late++;
            break;
        case STORE_OK:
        case STORE_IGNORED:
            break;
        }
    }
    if (duplicate == pkt->frame_count) {
        jb->stats.packets_duplicate++;
        return 0;
    }
    jb->seq_unique++;
    if (late > 0)
        jb->stats.packets_late++;
    /* A packet sent out of the stream's packetisation cadence would look
     * early by up to a packet time and widen the measured spread. */
    if (!pkt->untimed)
        jb_add_sample(jb, first_frame, late > 0, now_us);
    return 0;
}

int sotto_jitter_insert_redundant(sotto_jitter *jb, uint32_t ssrc, uint32_t timestamp,
                                  const sotto_jitter_frame *frame, uint64_t now_us)
{
    if (!jb || !frame || !jb_frame_valid(jb, frame) || now_us >= JB_MAX_NOW_US)
        return -EINVAL;
    if (!jb->has_source || ssrc != jb->ssrc)
        return 0;
    int64_t ext = jb_unwrap_ts(jb, timestamp);
    int64_t n = jb_frame_of(jb, ext);
    /* Redundancy repeats earlier frames: one from the future is bogus and
     * must not push held frames out. */
    if (jb->ts_highest - ext > jb->span_ts || n > jb->newest_frame)
        return 0;
    /* A copy is delay information only when it was the frame's one
     * chance: here, when it comes after its frame was concealed (the
     * target must grow to wait for copies), and at pull when it is played
     * (jb_consume: keep waiting for them). Copies of frames that arrived
     * say nothing, and redundancy on a clean path costs no delay. */
    const jb_slot *slot = jb_slot_at(jb, n);
    if (jb->playing && n < jb->play_frame &&
        jb->play_frame - n < (int64_t)jb->cfg.capacity_frames && slot->frame == n &&
        slot->state == SLOT_CONCEALED) {
        jb_add_sample(jb, n, 1, now_us);
        return 0;
    }
    jb_store(jb, n, timestamp, frame, 1, now_us);
    return 0;
}

/* Hands out the held frame at the playout point and advances past it. */
static void jb_consume(sotto_jitter *jb, jb_slot *slot, const uint8_t **out_payload,
                       size_t *out_len, int *out_recovered)
{
    int recovered = slot->state == SLOT_REDUNDANT;

    *out_payload = slot->len > 0 ? jb_payload_at(jb, slot) : NULL;
    *out_len = slot->len;
    if (out_recovered)
        *out_recovered = recovered;
    slot->state = recovered ? SLOT_PLAYED_REDUNDANT : SLOT_PLAYED;
    jb->held--;
    jb->play_frame++;
    jb->stats.frames_played++;
    if (recovered) {
        jb->stats.frames_recovered++;
        jb_add_sample(jb, slot->frame, 1, slot->arrival_us);
    }
}

static uint32_t jb_frame_timestamp(const sotto_jitter *jb, int64_t frame)
{
    return (uint32_t)(uint64_t)(jb->ts_origin + frame * (int64_t)jb->frame_ts);
}

/* A caller that fetches several periods at once (a device asking for
 * 60 ms) pulls them with one time; each is heard a frame after the one
 * before, but all must be here now. Returns when this period will be
 * heard, and keeps the largest such lead over the last one or two windows
 * so the delay can cover it. Regular pulls one period apart have no lead,
 * and a caller clock that drifts does not add up.
 *
 * A lead counts only as far as an earlier burst in the window had it too:
 * a device that asks ahead does so at every callback, while a loop that
 * stalled once (the call's set-up) and catches up pulls periods that are
 * already due, not ahead. Counted as a lead, one such catch-up of 200 ms
 * held the delay 200 ms high for 4..8 s, which was then compressed out of
 * the speech (0.1..0.3 ESTOI in that segment on a clean link). */
static uint64_t jb_playout_time(sotto_jitter *jb, uint64_t now_us)
{
    int64_t max_lead = (int64_t)jb->cfg.max_delay_ms * JB_US_PER_MS;
    uint32_t half_pulls = (uint32_t)((uint64_t)jb->cfg.window_ms * JB_US_PER_MS / jb->frame_us);

    if (jb->has_pulled && now_us - jb->burst_start_us < (uint64_t)jb->frame_us / 2) {
        jb->burst_pulls++;
    } else {
        if (jb->burst_lead_us > jb->lead_seen_us)
            jb->lead_seen_us = jb->burst_lead_us;
        if (jb->burst_lead_us > jb->lead_seen_recent_us)
            jb->lead_seen_recent_us = jb->burst_lead_us;
        jb->burst_start_us = now_us;
        jb->burst_pulls = 0;
    }
    jb->has_pulled = 1;
    int64_t lead = (int64_t)jb->burst_pulls * jb->frame_us;
    if (lead > max_lead)
        lead = max_lead;
    jb->burst_lead_us = lead;
    if (lead > jb->lead_seen_us)
        lead = jb->lead_seen_us;
    if (lead > jb->lead_peak_us)
        jb->lead_peak_us = lead;
    if (lead > jb->lead_recent_us)
        jb->lead_recent_us = lead;
    if (++jb->lead_pulls >= half_pulls) {
        jb->lead_peak_us = jb->lead_recent_us;
        jb->lead_recent_us = 0;
        jb->lead_seen_us = jb->lead_seen_recent_us;
        jb->lead_seen_recent_us = 0;
        jb->lead_pulls = 0;
    }
    return now_us + (uint64_t)lead;
}

/* Prebuffering ends once the first frame has waited the target delay. */
static int jb_ready_to_start(sotto_jitter *jb, uint64_t play_us)
{
    if (!jb->has_base || jb->held == 0)
        return 0;
    int64_t waited = (int64_t)play_us - (jb->play_frame * jb->frame_us + jb->base_us);
    if (waited < jb->target_us + jb->lead_peak_us)
        return 0;
    jb->playing = 1;
    jb->since_adjust = 0;
    return 1;
}

int sotto_jitter_pull(sotto_jitter *jb, uint64_t now_us, sotto_jitter_out *out)
{
    sotto_jitter_out res;

    if (!jb || !out || now_us >= JB_MAX_NOW_US)
        return -EINVAL;
    memset(&res, 0, sizeof(res));
    res.action = SOTTO_JITTER_PREBUFFER;
    uint64_t play_us = jb_playout_time(jb, now_us);
    if (!jb->playing && !jb_ready_to_start(jb, play_us)) {
        *out = res;
        return 0;
    }
    /* Delay of the frame due against a packet with the fastest transit;
     * when fetched ahead it must also have waited the lead. */
    int64_t cur = (int64_t)play_us - (jb->play_frame * jb->frame_us + jb->base_us);
    int64_t need = jb->target_us + jb->lead_peak_us;
    uint32_t pulls = jb->since_adjust;
    int can_adjust = pulls >= jb->cfg.adjust_interval_frames;
    jb_slot *slot = jb_slot_at(jb, jb->play_frame);
    jb_slot *next = jb_slot_at(jb, jb->play_frame + 1);
    int has_next = jb_slot_held(next, jb->play_frame + 1);

    jb->current_us = cur;
    if (jb->since_adjust < UINT32_MAX)
        jb->since_adjust++; /* an adjustment below sets it back to 1 */
    res.timestamp = jb_frame_timestamp(jb, jb->play_frame);
    /* During the peer's silence (RFC 3389 sends nothing between comfort
     * noise updates) the periods it did not send are comfort noise: an
     * empty frame, neither concealment nor a reason to grow the delay. */
    if (jb->in_comfort && !jb_slot_held(slot, jb->play_frame)) {
        res.action = SOTTO_JITTER_PLAY;
        slot->frame = jb->play_frame;
        slot->state = SLOT_CONCEALED;
        jb->play_frame++;
        jb->stats.frames_comfort++;
        *out = res;
        return 0;
    }
    /* Below target a missing frame is waited for rather than skipped: the
     * period is concealment either way, and the frame may still come. */
    if (cur < need && (can_adjust || !jb_slot_held(slot, jb->play_frame))) {
        res.action = SOTTO_JITTER_EXPAND;
        jb->since_adjust = 1;
        jb->stats.expands++;
    } else if (!jb_slot_held(slot, jb->play_frame)) {
        res.action = SOTTO_JITTER_CONCEAL;
        if (has_next) {
            res.next_payload = next->len > 0 ? jb_payload_at(jb, next) : NULL;
            res.next_payload_len = next->len;
        }
        slot->frame = jb->play_frame;
        slot->state = SLOT_CONCEALED;
        jb->play_frame++;
        jb->stats.frames_concealed++;
    } else if (has_next &&
               ((jb->cfg.fast_shed_ms && cur >= need + (int64_t)jb->cfg.fast_shed_ms * 1000) ||
                (can_adjust && cur >= need + jb->frame_us + jb->frame_us / 2 &&
                 (slot->silent || pulls >= jb->cfg.speech_compress_interval_frames)))) {
        res.action = SOTTO_JITTER_COMPRESS;
        res.timestamp = slot->timestamp;
        jb->in_comfort = next->len == 0 && next->silent;
        jb_consume(jb, slot, &res.payload, &res.payload_len, &res.recovered);
        jb_consume(jb, next, &res.next_payload, &res.next_payload_len, NULL);
        jb->since_adjust = 1;
        jb->stats.compresses++;
    } else {
        res.action = SOTTO_JITTER_PLAY;
        res.timestamp = slot->timestamp;
        jb->in_comfort = slot->len == 0 && slot->silent;
        jb_consume(jb, slot, &res.payload, &res.payload_len, &res.recovered);
    }
    *out = res;
    return 0;
}

int sotto_jitter_reset(sotto_jitter *jb)
{
    if (!jb)
        return -EINVAL;
    jb_restart(jb);
    jb->has_prev_ssrc = 0;
    jb->stats.resets++;
    return 0;
}

int sotto_jitter_get_stats(const sotto_jitter *jb, sotto_jitter_stats *out_stats)
{
    sotto_jitter_stats s;

    if (!jb || !out_stats)
        return -EINVAL;
    s = jb->stats;
    s.packets_lost = jb->lost_before;
    if (jb->has_source) {
        int64_t span = jb->seq_highest - jb->seq_lowest + 1;
        if (span > (int64_t)jb->seq_unique)
            s.packets_lost += (uint64_t)span - jb->seq_unique;
    }
    s.concealed_ms = s.frames_concealed * (uint64_t)jb->frame_us / JB_US_PER_MS;
    s.target_delay_ms = (uint32_t)(jb->target_us / JB_US_PER_MS);
    s.current_delay_ms = (int32_t)(jb->current_us / JB_US_PER_MS);
    s.buffered_frames = jb->held;
    s.buffered_ms = (uint32_t)((uint64_t)jb->held * jb->frame_us / JB_US_PER_MS);
    s.playing = jb->playing;
    *out_stats = s;
    return 0;
}
