/* Adaptive jitter buffer for one received audio stream.
 *
 * The network side inserts encoded frames as packets arrive; the playout
 * side pulls once per frame period and always gets exactly one period's
 * worth of instruction: play a frame, conceal a missing one, stretch
 * (expand) to grow the delay, compress two frames into one period to
 * shrink it, or output silence while prebuffering. Time is never read from
 * a clock: every call takes the caller's monotonic time in microseconds,
 * so behaviour is deterministic and testable.
 *
 * Frames are keyed by RTP timestamp (unwrapped to 64 bits), so packets
 * carrying several frames, reordering, duplicates and redundant copies
 * (RFC 2198 style, or any earlier frame repeated later) all meet in one
 * place. The target delay follows a high percentile of the packets'
 * relative delay over a sliding window, rises at once when packets arrive
 * after their playout time, covers the arrival of redundant copies while
 * they are needed (a copy played, or one that came after its frame was
 * concealed), and falls as old samples leave the window. A packet of
 * several frames is one delay sample, taken from its first frame: its
 * other frames are not early arrivals.
 *
 * All memory (frame slots, payload storage, delay history) is allocated at
 * create; insert and pull never allocate. Not thread-safe: call from one
 * thread, or serialise the calls. */
#ifndef SOTTO_NET_JITTER_H
#define SOTTO_NET_JITTER_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto_jitter sotto_jitter;

typedef struct sotto_jitter_config {
    uint32_t clock_rate;             /* RTP timestamp clock, 1000..1000000 Hz; default 48000 */
    uint32_t frame_us;               /* playout period = one frame, 1000..200000 us, a whole
                                   * number of timestamp units; default 20000 */
    uint32_t capacity_frames;        /* frames held (the buffer's span), 4..65536; default 256 */
    size_t max_frame_bytes;          /* payload bytes per frame, 1..65536; default 1500 */
    uint32_t min_delay_ms;           /* lowest target delay, never below one frame + margin;
                                   * default 20 */
    uint32_t max_delay_ms;           /* highest target delay, up to 60000 and below the span;
                                   * default 1000 */
    uint32_t margin_ms;              /* added to the delay percentile, 0..1000; default 10 */
    uint32_t quantile_pct;           /* relative-delay percentile to cover, 50..100; default 95 */
    uint32_t window_ms;              /* delay history kept, 500..60000 ms; default 4000 */
    uint32_t history_capacity;       /* delay samples kept at most, 16..4096; default 512 */
    uint32_t adjust_interval_frames; /* pulls between two delay adjustments, 1..1000;
                                       * default 3 (see SOTTO_JITTER_EXPAND) */
    uint32_t speech_compress_interval_frames; /* pulls before compressing a frame not marked
                                               * silent, adjust_interval_frames..1000;
                                               * default 10 */
    uint32_t fast_shed_ms;                    /* this far above the target (a queue that drained at
                                   * once, as after a handshake crossed a slow link),
                                   * compress every period, not every adjust interval:
                                   * a few hundred ms of fast speech beat seconds of it;
                                   * 0 = off, else 50..5000; default 0 */
} sotto_jitter_config;

/* Fills *out with the defaults above. NULL is ignored. */
void sotto_jitter_config_default(sotto_jitter_config *out);

/* One encoded frame offered to the buffer. */
typedef struct sotto_jitter_frame {
    const uint8_t *payload; /* not owned; copied on insert; may be NULL when len is 0 */
    size_t len;             /* bytes, 0..max_frame_bytes */
    int silent;             /* 1 = low-energy frame, a good place to compress; default 0 */
} sotto_jitter_frame;

/* One received RTP packet, split by the caller into its frames. */
typedef struct sotto_jitter_packet {
    uint32_t ssrc;           /* source; a new one resets the buffer */
    uint16_t seq;            /* RTP sequence number */
    uint32_t timestamp;      /* RTP timestamp of frames[0] */
    uint32_t frame_duration; /* timestamp units per frame; must equal the configured frame */
    const sotto_jitter_frame *frames; /* not owned; frame i has timestamp + i * frame_duration */
    size_t frame_count;               /* 1..capacity_frames */
    int untimed;                      /* 1: not a delay sample (comfort noise, sent at once rather
                                   * than after a packet's worth of audio); default 0 */
} sotto_jitter_packet;

typedef enum sotto_jitter_action {
    SOTTO_JITTER_PREBUFFER = 0, /* not started yet: output silence for one period */
    SOTTO_JITTER_PLAY,          /* decode payload and play it */
    SOTTO_JITTER_CONCEAL,       /* the frame is missing: conceal one period (PLC, or FEC
                                   * from next_payload when the codec carries it) */
    SOTTO_JITTER_EXPAND,        /* growing the delay: produce one period by stretching the
                                   * audio played last (or concealing); no frame is consumed,
                                   * the frame due now comes at a later pull. Spaced by
                                   * adjust_interval_frames, except when the frame due is
                                   * missing: that period is concealment either way, so the
                                   * buffer waits for the frame instead of skipping it */
    SOTTO_JITTER_COMPRESS       /* shrinking the delay: payload and next_payload (the next
                                   * frame) share this one period; decode both and
                                   * time-compress, or drop the first when silent */
} sotto_jitter_action;

/* What one pull asks the caller to do. Payload pointers refer to the
 * buffer's own storage: valid until the next insert, pull, reset or
 * destroy on the same buffer. */
typedef struct sotto_jitter_out {
    sotto_jitter_action action;
    uint32_t timestamp;          /* RTP timestamp of the frame this period is for
                                   * (PLAY, CONCEAL, first of COMPRESS; EXPAND: the frame
                                   * still waiting); 0 for PREBUFFER */
    const uint8_t *payload;      /* PLAY, COMPRESS; NULL otherwise or for an empty frame */
    size_t payload_len;          /* bytes */
    int recovered;               /* PLAY, COMPRESS: 1 when payload is a redundant copy */
    const uint8_t *next_payload; /* COMPRESS: the second frame; CONCEAL: the next frame when
                                   * already held (for FEC), else NULL */
    size_t next_payload_len;     /* bytes */
} sotto_jitter_out;

typedef struct sotto_jitter_stats {
    uint64_t packets_received;  /* packets offered for the current and earlier sources */
    uint64_t packets_duplicate; /* packets whose every frame was already held or played */
    uint64_t packets_late;      /* packets with a frame that arrived after its playout */
    uint64_t packets_lost;      /* sequence numbers never received (late ones do not count) */
    uint64_t packets_discarded; /* packets with a timestamp jump not confirmed by the next */
    uint64_t frames_played;     /* frames handed out by PLAY or COMPRESS */
    uint64_t frames_recovered;  /* of those, frames that came only as a redundant copy */
    uint64_t frames_concealed;  /* CONCEAL results */
    uint64_t frames_comfort;    /* missing frames after an empty silent one (the peer's
                                   * comfort noise): PLAY of an empty frame, not loss */
    uint64_t concealed_ms;      /* frames_concealed in milliseconds */
    uint64_t frames_overflow;   /* held frames dropped unplayed because the buffer was full */
    uint64_t expands;           /* EXPAND results (delay grown by one frame each) */
    uint64_t compresses;        /* COMPRESS results (delay shrunk by one frame each) */
    uint64_t resets;            /* restarts: new SSRC, confirmed timestamp jump, reset call */
    uint32_t target_delay_ms;   /* delay the buffer steers towards */
    int32_t current_delay_ms;   /* at the last pull: from when the frame would have come
                                   * with the fastest transit to when it is heard */
    uint32_t buffered_frames;   /* frames held now, not yet played */
    uint32_t buffered_ms;       /* buffered_frames in milliseconds */
    int playing;                /* 1 once prebuffering has ended */
} sotto_jitter_stats;

/* Every call below that takes now_us rejects values from 2^62 on
 * (-EINVAL); a monotonic microsecond clock never gets there. */

/* Allocates a buffer. cfg may be NULL for the defaults. Returns 0 and sets
 * *out_jb (the caller owns it; free with sotto_jitter_destroy), -EINVAL for
 * a NULL out_jb or a config field out of range (including a frame that is
 * not a whole number of timestamp units, or min delay above max), or
 * -ENOMEM. */
int sotto_jitter_create(sotto_jitter **out_jb, const sotto_jitter_config *cfg);

/* Frees the buffer and everything it holds; accepts NULL and *jb == NULL,
 * sets *jb to NULL. Payload pointers from earlier pulls become invalid. */
void sotto_jitter_destroy(sotto_jitter **jb);

/* Offers one packet that arrived at now_us. Its frames are copied; the
 * caller keeps ownership of pkt and its payloads. Duplicates, late frames
 * and overflow are not errors: they are counted in the stats. A new SSRC
 * restarts the buffer, except that packets of the SSRC just replaced,
 * arriving within max_delay_ms of the change, count as late. A timestamp
 * more than the buffer's span from the newest one is believed only when
 * the next packet continues from it (then the buffer restarts there);
 * otherwise the packet is discarded. Returns 0,
 * or -EINVAL for NULL arguments, no frames, a frame_duration other than
 * the configured frame, or a frame longer than max_frame_bytes (nothing is
 * stored then). */
int sotto_jitter_insert(sotto_jitter *jb, const sotto_jitter_packet *pkt, uint64_t now_us);

/* Offers a redundant copy of an earlier frame (timestamp, same source)
 * that arrived at now_us, used only when the primary frame has not arrived
 * by its playout; the primary always replaces it. Copies from another SSRC
 * than the current one, or for frames already played, are ignored; one for
 * a frame already concealed raises the target so later copies are waited
 * for. The frame is copied.
 * Returns 0, or -EINVAL for NULL arguments or a frame that is too long. */
int sotto_jitter_insert_redundant(sotto_jitter *jb, uint32_t ssrc, uint32_t timestamp,
                                  const sotto_jitter_frame *frame, uint64_t now_us);

/* Asks what to output for the next frame period, at now_us. Call once per
 * period; a caller that fetches several periods at once may pull them back
 * to back with the same now_us: each is then taken to be heard one frame
 * after the one before, and the delay grows to cover that lead. Returns 0
 * and fills *out (see sotto_jitter_out for how long its pointers live), or
 * -EINVAL for NULL arguments. */
int sotto_jitter_pull(sotto_jitter *jb, uint64_t now_us, sotto_jitter_out *out);

/* Drops every held frame, the stream's timing and its delay history, as
 * for a new source (the target is learnt again from the next packets);
 * the cumulative counters stay. Returns 0 or -EINVAL. */
int sotto_jitter_reset(sotto_jitter *jb);

/* Copies the counters and the current delay figures into *out_stats.
 * Returns 0 or -EINVAL. */
int sotto_jitter_get_stats(const sotto_jitter *jb, sotto_jitter_stats *out_stats);

#endif
