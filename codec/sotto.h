/* Sotto neural speech codec: 16 kHz mono speech at 3.2 or 2.0 kbit/s.
 *
 * Plain C11 + libm; the model weights are compiled into the library.  Encoder and
 * decoder instances are independent (no shared mutable state): use one instance per
 * thread or stream.  No heap allocation happens after create. */
#ifndef SOTTO_CODEC_SOTTO_H
#define SOTTO_CODEC_SOTTO_H

#include <stddef.h>
#include <stdint.h>

/* The bitstream this library reads and writes (codec/BITSTREAM.md): the
 * .sot magic "SOT2" and the SDP fmtp "v=2" name it. */
#define SOTTO_BITSTREAM_VERSION 2

typedef struct sotto_encoder sotto_encoder;
typedef struct sotto_decoder sotto_decoder;

typedef enum {
    SOTTO_MODE_3200 = 0, /* 64 bits per 20 ms packet */
    SOTTO_MODE_2000 = 1  /* 80 bits per 40 ms packet */
} sotto_mode;

/* PCM samples per packet at 16 kHz: 320 (SOTTO_MODE_3200) or 640 (SOTTO_MODE_2000);
 * 0 for an unknown mode. */
size_t sotto_mode_frame_samples(sotto_mode m);

/* Packet size in bytes: 8 or 10; 0 for an unknown mode. */
size_t sotto_mode_packet_bytes(sotto_mode m);

/* Creates an encoder; the caller owns *out and frees it with sotto_encoder_destroy.
 * Returns 0, -EINVAL (NULL out, unknown mode) or -ENOMEM. */
int sotto_encoder_create(sotto_encoder **out, sotto_mode mode);

/* Frees *e (NULL and *e == NULL are accepted) and sets *e = NULL. */
void sotto_encoder_destroy(sotto_encoder **e);

/* Forgets all history, as if newly created.  Returns 0 or -EINVAL. */
int sotto_encoder_reset(sotto_encoder *e);

/* Switches the mode of the packets that follow (a rate controller moving a
 * call between 3.2 and 2 kbit/s).  The analysis runs on without a gap: the
 * next packet starts where the last one ended.  The shape predictor
 * restarts from the new mode's mean, as at the start of a stream; a decoder
 * does the same when its packets change mode (codec/BITSTREAM.md, "Mode
 * switches").  Setting the mode in force changes nothing.  Returns 0 or
 * -EINVAL (NULL, unknown mode). */
int sotto_encoder_set_mode(sotto_encoder *e, sotto_mode mode);

/* The mode of the next packet; SOTTO_MODE_3200 for NULL. */
sotto_mode sotto_encoder_get_mode(const sotto_encoder *e);

/* Restarts the shape predictor (prev = the mode's mean) before the first
 * packet of a talkspurt after comfort noise, where the packets encoded in
 * the silence were not sent; the decoder does the same before decoding
 * that packet (codec/BITSTREAM.md, "Talkspurts"). Returns 0 or -EINVAL. */
int sotto_encoder_restart_prediction(sotto_encoder *e);

/* Encodes one packet: pcm holds sotto_mode_frame_samples() samples, out receives
 * sotto_mode_packet_bytes() bytes.  Both buffers stay owned by the caller.
 * Returns 0 or -EINVAL. */
int sotto_encode(sotto_encoder *e, const int16_t *pcm, uint8_t *out);

/* Creates a decoder (the embedded weights are copied into it); the caller owns *out
 * and frees it with sotto_decoder_destroy.  Returns 0, -EINVAL (NULL out, unknown
 * mode, damaged embedded weights) or -ENOMEM. */
int sotto_decoder_create(sotto_decoder **out, sotto_mode mode);

/* Frees *d (NULL and *d == NULL are accepted) and sets *d = NULL. */
void sotto_decoder_destroy(sotto_decoder **d);

/* Forgets all history (network state, overlap, noise generator), as if newly
 * created.  Returns 0 or -EINVAL. */
int sotto_decoder_reset(sotto_decoder *d);

/* Switches the mode of the packets that follow, keeping the synthesis and
 * network state (the audio goes on without a click) and restarting the
 * shape predictor from the new mode's mean, as the encoder does.
 * Concealment after it conceals packets of the new mode.  Setting the mode
 * in force changes nothing.  Returns 0 or -EINVAL. */
int sotto_decoder_set_mode(sotto_decoder *d, sotto_mode mode);

/* The mode of the packets it decodes now; SOTTO_MODE_3200 for NULL. */
sotto_mode sotto_decoder_get_mode(const sotto_decoder *d);

/* The decoder's side of sotto_encoder_restart_prediction: before the first
 * packet of a talkspurt after comfort noise. Synthesis state is kept.
 * Returns 0 or -EINVAL. */
int sotto_decoder_restart_prediction(sotto_decoder *d);

/* Decodes one packet of len == sotto_mode_packet_bytes() bytes into
 * sotto_mode_frame_samples() samples at out (caller-owned).  Every bit pattern is a
 * valid packet.  Output lags the encoder input by 240 samples (15 ms: 5 ms
 * alignment plus 10 ms that the synthesis overlap needs).  Returns 0 or -EINVAL
 * (NULL argument, wrong len; out is then untouched). */
int sotto_decode(sotto_decoder *d, const uint8_t *packet, size_t len, int16_t *out);

/* Fills out (sotto_mode_frame_samples() samples, caller-owned) for one lost packet:
 * features predicted from the previous packets for the first 60 ms of a gap, then a
 * fade to low comfort noise; the next good packet is blended in without a click.
 * Returns 0 or -EINVAL. */
int sotto_conceal(sotto_decoder *d, int16_t *out);

#endif
