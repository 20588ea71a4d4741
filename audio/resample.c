#include "audio/resample.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <speex/speex_resampler.h>

#define MAX_RATE 768000
#define CHUNK_LIMIT 0x10000000u /* keeps every count well inside spx_uint32_t */

struct sotto_resampler {
    SpeexResamplerState *state; /* NULL when the rates are equal (copy) */
    int in_rate;                /* Hz */
    int out_rate;               /* Hz */
};

int sotto_resampler_create(sotto_resampler **out_resampler, int in_rate, int out_rate,
                           int quality)
{
    sotto_resampler *r;
    int err = RESAMPLER_ERR_SUCCESS;

    if (!out_resampler || in_rate <= 0 || out_rate <= 0 || in_rate > MAX_RATE ||
        out_rate > MAX_RATE || quality < SPEEX_RESAMPLER_QUALITY_MIN ||
        quality > SPEEX_RESAMPLER_QUALITY_MAX)
        return -EINVAL;
    r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    r->in_rate = in_rate;
    r->out_rate = out_rate;
    if (in_rate != out_rate) {
        r->state = speex_resampler_init(1, (spx_uint32_t)in_rate, (spx_uint32_t)out_rate,
                                        quality, &err);
        if (!r->state) {
            free(r);
            return err == RESAMPLER_ERR_ALLOC_FAILED ? -ENOMEM : -EINVAL;
        }
    }
    *out_resampler = r;
    return 0;
}

int sotto_resampler_process(sotto_resampler *resampler, const int16_t *in, size_t *in_count,
                            int16_t *out, size_t *out_count)
{
    spx_uint32_t in_len, out_len;

    if (!resampler || !in_count || !out_count || (!in && *in_count > 0) ||
        (!out && *out_count > 0))
        return -EINVAL;
    if (!resampler->state) {
        size_t n = *in_count < *out_count ? *in_count : *out_count;

        if (n > 0)
            memcpy(out, in, n * sizeof(int16_t));
        *in_count = n;
        *out_count = n;
        return 0;
    }
    in_len = (spx_uint32_t)(*in_count < CHUNK_LIMIT ? *in_count : CHUNK_LIMIT);
    out_len = (spx_uint32_t)(*out_count < CHUNK_LIMIT ? *out_count : CHUNK_LIMIT);
    if (in_len == 0 || out_len == 0) {
        *in_count = 0;
        *out_count = 0;
        return 0;
    }
    if (speex_resampler_process_int(resampler->state, 0, in, &in_len, out, &out_len) !=
        RESAMPLER_ERR_SUCCESS)
        return -EINVAL;
    *in_count = in_len;
    *out_count = out_len;
    return 0;
}

size_t sotto_resampler_output_bound(const sotto_resampler *resampler, size_t in_count)
{
    if (!resampler)
        return 0;
    if (!resampler->state)
        return in_count;
    /* The fractional phase can carry one extra sample across calls. */
    return (size_t)(((uint64_t)in_count * (uint64_t)resampler->out_rate +
                     (uint64_t)resampler->in_rate - 1) / (uint64_t)resampler->in_rate) + 2;
}

size_t sotto_resampler_input_latency(const sotto_resampler *resampler)
{
    int latency;

    if (!resampler || !resampler->state)
        return 0;
    latency = speex_resampler_get_input_latency(resampler->state);
    return latency > 0 ? (size_t)latency : 0;
}

void sotto_resampler_destroy(sotto_resampler **resampler)
{
    if (!resampler || !*resampler)
        return;
    if ((*resampler)->state)
        speex_resampler_destroy((*resampler)->state);
    free(*resampler);
    *resampler = NULL;
}
