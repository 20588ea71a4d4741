/* RFC 2198 redundant audio (RED) payloads: the payload of one RTP packet
 * whose payload type was negotiated as "red" carries earlier frames again
 * next to the current one, so a lost packet can be rebuilt from the next.
 *
 * Layout: one 4-byte header per redundant block (F=1, block payload type,
 * 14-bit timestamp offset back from the packet's timestamp, 10-bit block
 * length), then a 1-byte header (F=0, payload type) for the primary block,
 * then the block data in header order; the primary's data runs to the end.
 *
 * Pure functions over caller buffers: nothing here allocates or keeps
 * state. Parsed blocks point into the payload that was parsed (not owned)
 * and stay valid only while it does. */
#ifndef SOTTO_NET_RED_H
#define SOTTO_NET_RED_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_RED_MAX_TS_OFFSET 16383u   /* 14-bit timestamp offset field */
#define SOTTO_RED_MAX_BLOCK_LEN 1023u    /* 10-bit length of a redundant block */
#define SOTTO_RED_HEADER 4u              /* bytes of a redundant block's header */
#define SOTTO_RED_PRIMARY_HEADER 1u      /* bytes of the primary block's header */

/* One block of a RED payload; the last block of a payload is the primary. */
typedef struct sotto_red_block {
    uint8_t payload_type;    /* 0..127: the codec that encoded data */
    uint16_t ts_offset;      /* 0..16383 RTP timestamp units before the packet's; 0 for primary */
    const uint8_t *data;     /* not owned: into the parsed payload, or the caller's bytes */
    size_t len;              /* bytes of data; redundant blocks 0..1023, primary any */
} sotto_red_block;

/* Splits a RED payload of len bytes into blocks, oldest redundant block
 * first and the primary last. On success writes *out_count blocks into
 * out_blocks (max_blocks entries, caller-owned) whose data points into
 * payload, and returns 0. Returns -EINVAL for NULL arguments or max_blocks
 * 0, -EBADMSG for an empty payload, a header or block length that runs
 * past the end, or more blocks than max_blocks. Nothing is written on
 * error. */
int sotto_red_parse(const uint8_t *payload, size_t len, sotto_red_block *out_blocks,
                    size_t max_blocks, size_t *out_count);

/* Bytes sotto_red_build needs for blocks, or 0 when they are invalid. */
size_t sotto_red_size(const sotto_red_block *blocks, size_t count);

/* Writes count blocks (the last one is the primary; blocks and their data
 * stay the caller's and must not overlap out) as a RED payload into out
 * (cap bytes, caller-owned). Returns 0 and sets *out_len, -EINVAL for NULL
 * arguments, count 0, a payload type over 127, a timestamp offset over
 * 16383 (or not 0 on the primary), a redundant block over 1023 bytes, or
 * data NULL with a non-zero length; -ENOSPC when cap is too small. Nothing
 * is written on error. */
int sotto_red_build(const sotto_red_block *blocks, size_t count, uint8_t *out, size_t cap,
                    size_t *out_len);

#endif
