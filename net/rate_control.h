/* Rate and packetisation control for one outgoing audio stream.
 *
 * From what the peer reports over RTCP (loss, round-trip time), an
 * optional receiver estimate (REMB) and the link cap the user configured,
 * the controller chooses how many milliseconds each packet carries, how
 * many earlier frames each packet repeats (in-band redundancy), and, for a
 * variable-rate codec, its bit rate and the loss its FEC should expect.
 *
 * Why packetisation: on a slow link headers dominate (IPv4+UDP+RTP+SRTP
 * tag = 44 bytes against 8 bytes per 20 ms of Sotto speech), so the
 * packet time is the smallest that fits the cap. Why redundancy depth from
 * loss: a copy costs a few bytes and repairs a loss before concealment
 * has to. It must not oscillate: more protection is granted after one
 * report, less only after two reports in a row and a longer hold, and
 * every change is spaced from the one before; each change carries a
 * reason for the log.
 *
 * For a variable-rate codec (Opus) the controller also chooses the packet
 * time: under a cap, the shortest that leaves the payload a good rate,
 * else the longest (Opus takes up to 120 ms), and asks for a constant rate
 * so that what goes on the wire is what was planned.
 *
 * Why a low-rate mode: on a capped link with loss, a framed codec with a
 * cheaper mode (Sotto's 2 kbit/s) buys redundancy that its normal mode
 * cannot fit; the switch has its own hysteresis (choose_framed_mode).
 *
 * Pure logic: time is passed in, no clock, no I/O, no allocation after
 * create. Not thread-safe. */
#ifndef SOTTO_NET_RATE_CONTROL_H
#define SOTTO_NET_RATE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto_ratectl sotto_ratectl;

typedef enum sotto_ratectl_kind {
    SOTTO_RATECTL_FRAMED = 0, /* fixed-size frames (Sotto): packet time + redundancy */
    SOTTO_RATECTL_BITRATE,    /* variable bit rate (Opus): bit rate + FEC tuning */
    SOTTO_RATECTL_FIXED       /* constant rate (G.711): nothing to choose, only reported */
} sotto_ratectl_kind;

typedef struct sotto_ratectl_config {
    sotto_ratectl_kind kind;        /* default FRAMED */
    uint32_t frame_ms;              /* codec frame, 10..120 ms; default 20 */
    uint32_t frame_bytes;           /* FRAMED: bytes per frame, 1..1275; default 8 */
    uint32_t ptime_ms;              /* preferred (shortest) packet time, a multiple of
                                     * frame_ms (the only one for FIXED); default 20 */
    uint32_t max_ptime_ms;          /* FRAMED, BITRATE: longest packet time; default 120.
                                     * BITRATE chooses among 10, 20, 40, 60, 80, 100 and
                                     * 120 ms (the durations of one Opus packet) */
    uint32_t link_kbps;             /* cap per direction on the wire, all headers; 0 = none */
    uint32_t packet_overhead_bytes; /* per packet: IPv4+UDP+RTP+SRTP tag+payload header;
                                     * default 45 */
    uint32_t max_redundant_frames;  /* FRAMED: 0 = redundancy off; up to 63; default 8.
                                     * BITRATE: earlier packets a RED payload may
                                     * repeat, 0..2 (set 0 without RED) */
    uint32_t bitrate;               /* BITRATE: configured payload bit/s (FIXED: the
                                     * codec's); default 24000 */
    uint32_t min_bitrate;           /* BITRATE: lowest payload bit/s; default 6000 */
    uint32_t good_bitrate;          /* BITRATE under a cap: the shortest packet time whose
                                     * payload gets at least this (or bitrate, if lower)
                                     * is chosen, else the longest; default 12000 */
    uint32_t fec_min_bitrate;       /* BITRATE: below this payload rate the codec's in-band
                                     * FEC is given 0 % expected loss (it would take the
                                     * bits speech needs); default 0 = always */
    uint32_t hold_up_ms;            /* least time between changes towards more protection
                                     * or less rate; default 2000 */
    uint32_t hold_down_ms;          /* least time before relaxing; default 10000 */
    uint32_t low_frame_ms;          /* FRAMED: frame of a lower-rate mode the codec can
                                     * switch to mid-call (Sotto 2 kbit/s: 40), a multiple
                                     * of frame_ms; 0 = none (default) */
    uint32_t low_frame_bytes;       /* FRAMED: its bytes per frame (Sotto: 10) */
} sotto_ratectl_config;

/* Fills *out with the defaults above. NULL is ignored. */
void sotto_ratectl_config_default(sotto_ratectl_config *out);

/* One receiver report on our stream. */
typedef struct sotto_ratectl_feedback {
    double fraction_lost;   /* 0..1 over the report interval; < 0 when not reported */
    double rtt_ms;          /* < 0 when unknown */
    uint32_t remb_bps;      /* receiver's estimate of the path, bit/s; 0 = none */
} sotto_ratectl_feedback;

typedef struct sotto_ratectl_decision {
    uint32_t ptime_ms;            /* packet time to send now */
    uint32_t redundant_frames;    /* earlier frames (BITRATE: packets, in RED) repeated */
    uint32_t redundancy_packets;  /* how many earlier packets those cover */
    uint32_t bitrate;             /* BITRATE: payload bit/s; others: the payload rate */
    uint32_t expected_loss_pct;   /* BITRATE: for the FEC; 0..30 */
    int constant_rate;            /* BITRATE: 1 = under a cap: the encoder must keep to
                                   * bitrate in every packet (no variable-rate peaks) */
    uint32_t wire_bps;            /* predicted rate on the wire with every header */
    uint32_t cap_bps;             /* the cap in force (link and REMB); 0 = none */
    double loss;                  /* smoothed loss the choice is based on, 0..1 */
    int low_mode;                 /* FRAMED: 1 = frames of the low-rate mode (low_frame_ms,
                                   * low_frame_bytes): redundant_frames counts those */
    uint64_t changes;             /* decisions changed since create */
    uint64_t reports;             /* feedback reports taken */
    char reason[160];             /* why the last change was made ("initial" at first) */
} sotto_ratectl_decision;

/* Allocates a controller and makes its first decision from cfg alone.
 * Returns 0 and sets *out (free with sotto_ratectl_destroy), -EINVAL for a
 * NULL out or a field out of range (ptime not a multiple of frame_ms,
 * ptime above max_ptime), -ENOMEM. */
int sotto_ratectl_create(sotto_ratectl **out, const sotto_ratectl_config *cfg);

/* Frees *c and sets it to NULL; accepts NULL and *c == NULL. */
void sotto_ratectl_destroy(sotto_ratectl **c);

/* Takes one report at now_us (monotonic microseconds). Returns 1 when the
 * decision changed (read it with sotto_ratectl_get), 0 when not, -EINVAL
 * for NULL arguments or a fraction above 1. */
int sotto_ratectl_update(sotto_ratectl *c, const sotto_ratectl_feedback *fb, uint64_t now_us);

/* Copies the decision in force into *out. Returns 0 or -EINVAL. */
int sotto_ratectl_get(const sotto_ratectl *c, sotto_ratectl_decision *out);

/* Predicted wire rate in bit/s for packets of ptime_ms carrying
 * payload_bytes each plus overhead_bytes of headers; 0 for ptime 0. */
uint32_t sotto_ratectl_wire_bps(uint32_t ptime_ms, uint32_t payload_bytes,
                                uint32_t overhead_bytes);

#endif
