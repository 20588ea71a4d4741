/* libFuzzer target for the receive side: drives the jitter buffer and the
 * RTP statistics with packet headers, times and sizes taken from the input
 * (all of which come from the network in a call) and checks invariants. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/jitter.h"
#include "net/rtp_stats.h"

#define FUZZ_MAX_FRAMES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Takes n bytes from the input as a big-endian number; 0 when exhausted. */
static uint32_t take(const uint8_t **p, size_t *left, size_t n)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n && *left > 0; i++, (*p)++, (*left)--)
        v = (v << 8) | **p;
    return v;
}

/* Payload bytes all equal the frame's timestamp low byte, so a frame
 * handed out for the wrong timestamp is caught. */
static void fill_frame(uint8_t *buf, size_t len, uint32_t ts)
{
    memset(buf, (int)(ts & 0xFF), len);
}

static void check_out(const sotto_jitter_out *o)
{
    if (o->action == SOTTO_JITTER_PLAY || o->action == SOTTO_JITTER_COMPRESS) {
        for (size_t i = 0; i < o->payload_len; i++)
            if (o->payload[i] != (uint8_t)(o->timestamp & 0xFF))
                abort();
        if (o->payload_len > 64 || (o->payload_len > 0 && !o->payload))
            abort();
    }
    if (o->action == SOTTO_JITTER_COMPRESS && o->next_payload_len > 64)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sotto_jitter_config cfg;
    sotto_jitter *jb = NULL;
    sotto_rtp_stats *st = NULL;
    uint8_t bufs[FUZZ_MAX_FRAMES][64];
    sotto_jitter_frame frames[FUZZ_MAX_FRAMES];
    uint64_t now = 1000000;
    uint16_t seq = 0;
    uint32_t ts = 0;

    sotto_jitter_config_default(&cfg);
    cfg.capacity_frames = 16;
    cfg.max_delay_ms = 300;
    cfg.max_frame_bytes = 64;
    cfg.history_capacity = 16;
    if (sotto_jitter_create(&jb, &cfg) != 0 || sotto_rtp_stats_create(&st, NULL) != 0)
        abort();
    while (size > 0) {
        uint8_t op = (uint8_t)take(&data, &size, 1);
        now += take(&data, &size, 2) * 10u;     /* 0..655 ms per step */
        if (op < 128) {
            size_t count = 1 + op % 6;
            seq = (uint16_t)(seq + (int8_t)take(&data, &size, 1));
            ts += (uint32_t)((int16_t)take(&data, &size, 2)) * (op & 0x40 ? 960u : 1u);
            uint32_t ssrc = op & 0x20 ? 1u : 2u;
            for (size_t i = 0; i < count; i++) {
                size_t len = take(&data, &size, 1) % 65;
                fill_frame(bufs[i], len, ts + (uint32_t)i * 960u);
                frames[i] = (sotto_jitter_frame){.payload = bufs[i], .len = len,
                                                 .silent = (int)(op & 1)};
            }
            sotto_jitter_packet pkt = {.ssrc = ssrc, .seq = seq, .timestamp = ts,
                                       .frame_duration = 960, .frames = frames,
                                       .frame_count = count};
            if (sotto_jitter_insert(jb, &pkt, now) != 0)
                abort();
            sotto_rtp_stats_on_receive(st, ssrc, seq, ts, count * 20, count * 20 + 40, now);
        } else if (op < 160) {
            uint32_t red_ts = ts - (uint32_t)take(&data, &size, 1) * 960u;
            size_t len = take(&data, &size, 1) % 65;
            fill_frame(bufs[0], len, red_ts);
            frames[0] = (sotto_jitter_frame){.payload = bufs[0], .len = len, .silent = 0};
            if (sotto_jitter_insert_redundant(jb, op & 1 ? 1u : 2u, red_ts, &frames[0], now) != 0)
                abort();
        } else if (op < 250) {
            sotto_jitter_out out;
            for (unsigned n = 1 + op % 4; n > 0; n--, now += 20000) {
                if (sotto_jitter_pull(jb, now, &out) != 0)
                    abort();
                check_out(&out);
            }
        } else if (op < 254) {
            sotto_rtcp_report_block blocks[4];
            size_t n = 0;
            sotto_rtp_stats_on_sender_report(st, op & 1 ? 1u : 2u, now * 4295u, now);
            if (sotto_rtp_stats_report_blocks(st, now, blocks, 4, &n) != 0 || n > 4)
                abort();
        } else {
            sotto_jitter_reset(jb);
        }
        sotto_jitter_stats s;
        if (sotto_jitter_get_stats(jb, &s) != 0 || s.buffered_frames > cfg.capacity_frames
            || s.target_delay_ms > cfg.max_delay_ms)
            abort();
    }
    sotto_jitter_destroy(&jb);
    sotto_rtp_stats_destroy(&st);
    return 0;
}
