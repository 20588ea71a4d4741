/* Time-scale modification of mono int16 speech for the jitter buffer:
 * shrink the playout delay by one frame (compress: two frames into one
 * period) or grow it by one frame (expand: continue the signal), without
 * gaps or clicks, the way WebRTC NetEQ's Accelerate and Expand do.
 *
 * Compress removes whole pitch periods, found by normalised
 * autocorrelation, with a one-period cross-fade at the splice; unvoiced
 * audio and silence get one long cross-fade instead. Expand repeats the
 * last pitch period (a smoothed copy) and fades when called again and
 * again.
 *
 * Splicing contract. Whole pitch periods rarely add up to exactly one
 * frame, so the object keeps the stream it produces: every period of the
 * stream goes through exactly one call, in playout order, and each call
 * writes exactly frame_samples samples:
 *   - sotto_tsm_play for a frame decoded (or concealed by the codec),
 *   - sotto_tsm_compress for two consecutive decoded frames,
 *   - sotto_tsm_expand for a period with no frame consumed.
 * Samples produced beyond the frame stay inside (sotto_tsm_pending, less
 * than the pitch period plus half a frame) and lead the next call's
 * output, so the stream is continuous across calls. After an expand the
 * next frame is cross-faded in from the expansion's continuation. A
 * caller that skips the object for a period (or starts a new stream)
 * calls sotto_tsm_reset.
 *
 * All memory is allocated at create; the other calls never allocate. Not
 * thread-safe: one thread, or serialised calls. */
#ifndef SOTTO_AUDIO_TSM_H
#define SOTTO_AUDIO_TSM_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto_tsm sotto_tsm;

/* Creates a stretcher for rate Hz (8000..48000) and frames of
 * frame_samples (5 ms..120 ms of audio). The caller owns *out_tsm and frees
 * it with sotto_tsm_destroy. Returns 0, -EINVAL or -ENOMEM. */
int sotto_tsm_create(sotto_tsm **out_tsm, uint32_t rate, size_t frame_samples);

/* Frees the stretcher; accepts NULL and *tsm == NULL, sets *tsm to NULL. */
void sotto_tsm_destroy(sotto_tsm **tsm);

/* Passes one frame (in_len == frame_samples) through unchanged except for
 * the pending lead and the cross-fade after an expand; writes exactly
 * frame_samples to out (out_len must be frame_samples). in and out are the
 * caller's and may not overlap. Returns 0 or -EINVAL. */
int sotto_tsm_play(sotto_tsm *tsm, const int16_t *in, size_t in_len, int16_t *out,
                   size_t out_len);

/* Shortens two consecutive frames (in_len == 2 * frame_samples) to about
 * one by removing whole pitch periods, and writes exactly frame_samples to
 * out (out_len == frame_samples). in and out are the caller's and may not
 * overlap. Returns 0 or -EINVAL. */
int sotto_tsm_compress(sotto_tsm *tsm, const int16_t *in, size_t in_len, int16_t *out,
                       size_t out_len);

/* Continues the stream by one period without input: repeats the last
 * pitch period of what the object has produced (silence stays silence),
 * full level on the first call, fading on each call after it until a play
 * or compress. Writes exactly frame_samples to out (out_len ==
 * frame_samples; out is the caller's). Returns 0 or -EINVAL. */
int sotto_tsm_expand(sotto_tsm *tsm, int16_t *out, size_t out_len);

/* Samples produced and not yet written out: the extra delay the object
 * adds right now, in samples. 0 for NULL. */
size_t sotto_tsm_pending(const sotto_tsm *tsm);

/* Forgets the stream (history, pending samples, expansion state), as for a
 * new call. Returns 0 or -EINVAL. */
int sotto_tsm_reset(sotto_tsm *tsm);

#endif
