/* The Sotto RTP payload with in-band redundancy (SDP fmtp "redundancy=1").
 *
 * Sotto frames have one fixed size per mode (8 bytes per 20 ms at 3.2
 * kbit/s, 10 bytes per 40 ms at 2 kbit/s), so a packet can carry earlier
 * frames again for a few bytes each:
 *
 *   byte 0        bit 7: mode M of every frame here, 0 = 3.2 kbit/s (8-byte
 *                 frames), 1 = 2 kbit/s (10-byte frames); bit 6: 1;
 *                 bits 5-0: R, redundant frames (0..63)
 *   R frames      copies of the R frames just before the first primary frame,
 *                 oldest first
 *   N frames      the primary frames, N >= 1; the RTP timestamp is the first's
 *
 * Frame i of the redundant part has timestamp ts - (R - i) * frame duration.
 * The mode bit lets the sender switch modes from one packet to the next
 * (a rate controller's choice); the receiver's decoder follows it. Peers
 * that do not announce redundancy=1 get the plain payload: N frames of the
 * negotiated mode concatenated, no header, no switching
 * (codec/BITSTREAM.md). Pure functions: no state, no allocation. */
#ifndef SOTTO_CODEC_SOTTO_PAYLOAD_H
#define SOTTO_CODEC_SOTTO_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_PAYLOAD_MAX_REDUNDANT 63   /* R fits in six bits */
#define SOTTO_PAYLOAD_MAX_PRIMARY 64     /* frames per packet a receiver accepts */
#define SOTTO_PAYLOAD_NORMAL_BYTES 8     /* 3.2 kbit/s frame (20 ms): mode bit 0 */
#define SOTTO_PAYLOAD_LOW_BYTES 10       /* 2 kbit/s frame (40 ms): mode bit 1 */

/* A parsed payload; pointers refer into the caller's buffer. */
typedef struct sotto_payload_view {
    size_t frame_bytes;         /* of every frame: SOTTO_PAYLOAD_NORMAL_BYTES or _LOW_BYTES */
    const uint8_t *redundant;   /* redundant_count frames of frame_bytes, oldest first */
    size_t redundant_count;     /* 0..SOTTO_PAYLOAD_MAX_REDUNDANT */
    const uint8_t *primary;     /* primary_count frames of frame_bytes */
    size_t primary_count;       /* 1..SOTTO_PAYLOAD_MAX_PRIMARY */
} sotto_payload_view;

/* Writes header, redundant_count frames from redundant (may be NULL when 0)
 * and primary_count frames from primary into out (cap bytes, caller-owned);
 * frame_bytes (SOTTO_PAYLOAD_NORMAL_BYTES or SOTTO_PAYLOAD_LOW_BYTES) gives
 * the mode bit. Returns 0 and sets *out_len; -EINVAL for NULL arguments,
 * another frame size, no primary frame or counts above the limits; -ENOSPC
 * when cap is too small (out is then untouched). */
int sotto_payload_pack(size_t frame_bytes, const uint8_t *redundant, size_t redundant_count,
                       const uint8_t *primary, size_t primary_count, uint8_t *out,
                       size_t cap, size_t *out_len);

/* Splits a received payload of len bytes into its parts, with the frame
 * size its mode bit names (no copy: *out points into payload, valid as long
 * as it is). Returns 0, -EINVAL for NULL arguments, -EBADMSG for bit 6
 * clear, a length that is not a whole number of frames, no primary frame,
 * or more frames than the limits (nothing is written then). */
int sotto_payload_parse(const uint8_t *payload, size_t len, sotto_payload_view *out);

#endif
