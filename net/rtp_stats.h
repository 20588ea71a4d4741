/* RTP statistics for one media stream: what RTCP reports need.
 *
 * Receive side, per remote SSRC: RFC 3550 A.1 sequence validation, A.3
 * expected/lost counts with the per-interval fraction lost, A.8
 * interarrival jitter, and the LSR/DLSR pair from that source's last
 * sender report. Send side: packet and payload octet counts for our own
 * sender reports. Both directions: wire bitrate (the caller passes the
 * on-the-wire size of each packet, headers included) over a sliding
 * window.
 *
 * Time is the caller's monotonic clock in microseconds, passed to every
 * call. All memory is allocated at create. Not thread-safe. */
#ifndef SOTTO_NET_RTP_STATS_H
#define SOTTO_NET_RTP_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "net/net.h"

typedef struct sotto_rtp_stats sotto_rtp_stats;

typedef struct sotto_rtp_stats_config {
    uint32_t clock_rate;      /* RTP clock of the received stream, 1000..1000000 Hz;
                               * default 48000 */
    uint32_t max_sources;     /* remote SSRCs tracked at once, 1..64; default 4 */
    uint32_t window_ms;       /* bitrate window, 100..10000 ms, kept in 20 steps; default 1000 */
    uint32_t min_sequential;  /* in-order packets that validate a source, 1..100; default 2 */
} sotto_rtp_stats_config;

/* Fills *out with the defaults above. NULL is ignored. */
void sotto_rtp_stats_config_default(sotto_rtp_stats_config *out);

typedef struct sotto_rtp_source_stats {
    uint32_t ssrc;            /* the source */
    int valid;                /* 1 once out of probation (RFC 3550 A.1) */
    uint64_t packets;         /* packets seen, probation and duplicates included */
    uint64_t octets;          /* payload bytes of those */
    uint64_t wire_bytes;      /* on-the-wire bytes of those */
    uint32_t received;        /* packets counted since validation (A.1; duplicates count) */
    uint32_t expected;        /* extended highest - base + 1 (A.3); 0 before validation */
    int32_t cumulative_lost;  /* expected - received; negative with duplicates */
    uint32_t ext_highest_seq; /* extended highest sequence number */
    uint32_t jitter;          /* interarrival jitter, timestamp units (A.8) */
    double jitter_ms;         /* the same in milliseconds */
} sotto_rtp_source_stats;

typedef struct sotto_rtp_send_stats {
    uint64_t packets;         /* packets sent */
    uint64_t octets;          /* payload bytes sent (the SR octet count) */
    uint64_t wire_bytes;      /* on-the-wire bytes sent */
    uint64_t bitrate_bps;     /* wire bits per second over the window */
} sotto_rtp_send_stats;

/* Allocates the statistics. cfg may be NULL for the defaults. Returns 0 and
 * sets *out_stats (the caller owns it; free with sotto_rtp_stats_destroy),
 * -EINVAL for a NULL out_stats or a field out of range, -ENOMEM. */
int sotto_rtp_stats_create(sotto_rtp_stats **out_stats, const sotto_rtp_stats_config *cfg);

/* Frees st; accepts NULL and *st == NULL, sets *st to NULL. */
void sotto_rtp_stats_destroy(sotto_rtp_stats **st);

/* Records a received RTP packet: its header fields, payload bytes and
 * on-the-wire bytes, arriving at now_us. A new SSRC takes a free place, or
 * the place of the source heard from least recently when all are taken.
 * Returns 0 (also for packets on probation or after a sequence jump, which
 * RFC 3550 A.1 does not count), or -EINVAL for NULL st. */
int sotto_rtp_stats_on_receive(sotto_rtp_stats *st, uint32_t ssrc, uint16_t seq, uint32_t rtp_ts,
                               size_t payload_len, size_t wire_len, uint64_t now_us);

/* Records a packet we sent. Returns 0 or -EINVAL for NULL st. */
int sotto_rtp_stats_on_send(sotto_rtp_stats *st, size_t payload_len, size_t wire_len,
                            uint64_t now_us);

/* Records a sender report from ssrc (its 64-bit NTP time) received at
 * now_us, for the LSR and DLSR of later report blocks. Returns 0, -ENOENT
 * when ssrc has sent no RTP yet, or -EINVAL for NULL st. */
int sotto_rtp_stats_on_sender_report(sotto_rtp_stats *st, uint32_t ssrc, uint64_t ntp,
                                     uint64_t now_us);

/* Fills up to cap report blocks (caller's array) for the validated sources
 * heard from since the previous call, and starts a new loss interval for
 * each one written; sources that did not fit wait for the next call.
 * Returns 0 and sets *out_count, or -EINVAL for NULL arguments (blocks may
 * be NULL when cap is 0). */
int sotto_rtp_stats_report_blocks(sotto_rtp_stats *st, uint64_t now_us,
                                  sotto_rtcp_report_block *blocks, size_t cap, size_t *out_count);

/* Copies the receive figures of ssrc into *out_src without starting a new
 * interval. Returns 0, -ENOENT for an unknown source, or -EINVAL. */
int sotto_rtp_stats_source(const sotto_rtp_stats *st, uint32_t ssrc,
                           sotto_rtp_source_stats *out_src);

/* Copies the send figures, with the bitrate over the window ending at
 * now_us, into *out_send. Returns 0 or -EINVAL. */
int sotto_rtp_stats_send(const sotto_rtp_stats *st, uint64_t now_us,
                         sotto_rtp_send_stats *out_send);

/* Received wire bits per second, all sources together, over the window
 * ending at now_us. Returns 0 and sets *out_bps, or -EINVAL. */
int sotto_rtp_stats_receive_bitrate(const sotto_rtp_stats *st, uint64_t now_us,
                                    uint64_t *out_bps);

#endif
