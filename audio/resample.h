/* Mono int16 sample-rate conversion (speexdsp), or a plain copy when the
 * rates are equal. Runs on the loop thread only, never in a device callback:
 * speexdsp's filter is too costly to bound there. */
#ifndef SOTTO_AUDIO_RESAMPLE_H
#define SOTTO_AUDIO_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_RESAMPLER_QUALITY 5   /* speexdsp 0..10; 5 is its "desktop" grade */

typedef struct sotto_resampler sotto_resampler;

/* Creates a converter from in_rate to out_rate Hz (1..768000 each) with a
 * speexdsp quality 0..10. The caller owns *out_resampler and frees it with
 * sotto_resampler_destroy. Returns 0, -EINVAL or -ENOMEM. */
int sotto_resampler_create(sotto_resampler **out_resampler, int in_rate, int out_rate,
                           int quality);

/* Converts: *in_count holds the samples available in in and receives how
 * many were consumed; *out_count holds the room in out and receives how many
 * were produced. Input not consumed (out was full) must be offered again.
 * Returns 0 or -EINVAL. */
int sotto_resampler_process(sotto_resampler *resampler, const int16_t *in, size_t *in_count,
                            int16_t *out, size_t *out_count);

/* Most samples process can produce from in_count input samples; an out
 * buffer this large always takes all of the input. */
size_t sotto_resampler_output_bound(const sotto_resampler *resampler, size_t in_count);

/* Filter delay in input samples (0 for a copy): feeding this many zeros
 * after the last input flushes its tail out. */
size_t sotto_resampler_input_latency(const sotto_resampler *resampler);

/* Frees the resampler; accepts NULL and *resampler == NULL, sets it NULL. */
void sotto_resampler_destroy(sotto_resampler **resampler);

#endif
