/* The .sot file format of the Sotto codec (codec/BITSTREAM.md), as a
 * public API: a 16-byte header ("SOT2", u8 mode, 3 zero bytes, u64
 * little-endian count of 16 kHz samples the packets describe), then the
 * packets back to back. Also the codec's fixed delay and counted cost,
 * which tools report. Plain C, no allocation. */
#ifndef SOTTO_CODEC_SOTTO_FILE_H
#define SOTTO_CODEC_SOTTO_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/sotto.h"

#define SOTTO_FILE_HEADER_BYTES 16

/* Writes the header for mode m and samples into out
 * (SOTTO_FILE_HEADER_BYTES bytes, caller-owned). Returns 0 or -EINVAL
 * (NULL, unknown mode, samples over the format's limit). */
int sotto_file_write_header(sotto_mode m, uint64_t samples, uint8_t *out);

/* Parses a header from buf[0..len). Returns 0 and fills *out_mode and
 * *out_samples; -EINVAL when len is short, the magic, mode or reserved
 * bytes are wrong, or the sample count is over the limit (outputs then
 * untouched). */
int sotto_file_parse_header(const uint8_t *buf, size_t len, sotto_mode *out_mode,
                            uint64_t *out_samples);

/* Packets in a payload of payload_len bytes after a header for mode m and
 * samples: 0 and *out_packets when the payload is whole packets covering
 * at least samples; -EINVAL otherwise. */
int sotto_file_packet_count(sotto_mode m, uint64_t samples, uint64_t payload_len,
                            uint64_t *out_packets);

/* Samples (16 kHz) from encoder input to decoder output: the encoder's
 * look-ahead plus the decoder's lag (sotto_decode). */
size_t sotto_codec_delay_samples(void);

/* Floating-point operations per second of audio, counted from the
 * algorithm (multiply and add each count one), not measured: the encoder
 * in mode m (0 for an unknown mode), and the decoder (codec/MODEL.md). */
double sotto_encoder_mflop_per_second(sotto_mode m);
double sotto_decoder_mflop_per_second(void);

#endif
