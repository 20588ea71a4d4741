/* Codec registry and the argument-checking wrappers around each table. */
#include "codec/codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec/codec_impl.h"

#define CODEC_FMTP_MAX 256 /* bytes: longest fmtp string any codec writes */

struct sotto_codec {
    const sotto_codec_desc *desc; /* static table, not owned */
    void *state;                  /* owned: released by desc->destroy */
    sotto_codec_params params;    /* as given at create */
};

static const sotto_codec_desc *const codec_table[] = {
    &sotto_codec_sotto_desc,
    &sotto_codec_opus_desc,
    &sotto_codec_pcmu_desc,
    &sotto_codec_pcma_desc,
    NULL,
};

void sotto_codec_params_default(sotto_codec_params *out)
{
    if (!out)
        return;
    out->frame_ms = 20;
    out->bitrate = 0;
    out->fec = 1;
    out->dtx = 0;
    out->expected_loss_pct = 10;
}

int sotto_codec_frame_ms_valid(int frame_ms)
{
    return frame_ms == 10 || frame_ms == 20 || frame_ms == 40 || frame_ms == 60 || frame_ms == 80 ||
           frame_ms == 100 || frame_ms == 120;
}

static int codec_params_valid(const sotto_codec_params *p)
{
    return sotto_codec_frame_ms_valid(p->frame_ms) && p->bitrate >= 0 &&
           (p->fec == 0 || p->fec == 1) && (p->dtx == 0 || p->dtx == 1) &&
           p->expected_loss_pct >= 0 && p->expected_loss_pct <= 100;
}

/* *out = *p, or the defaults when p is NULL; -EINVAL when the result is invalid. */
static int resolve_params(const sotto_codec_params *p, sotto_codec_params *out)
{
    if (p)
        *out = *p;
    else
        sotto_codec_params_default(out);
    return codec_params_valid(out) ? 0 : -EINVAL;
}

const sotto_codec_desc *sotto_codec_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; codec_table[i]; i++) {
        if (strcasecmp(codec_table[i]->name, name) == 0)
            return codec_table[i];
    }
    return NULL;
}

const sotto_codec_desc *const *sotto_codec_list(void)
{
    return codec_table;
}

int sotto_codec_create(sotto_codec **out, const sotto_codec_desc *desc, const sotto_codec_params *p)
{
    sotto_codec_params params;
    sotto_codec *c = NULL;
    int rc;

    if (!out || !desc || !desc->create)
        return -EINVAL;
    if (resolve_params(p, &params) < 0)
        return -EINVAL;

    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->desc = desc;
    c->params = params;
    rc = desc->create(&c->state, &c->params);
    if (rc != 0)
        goto fail;
    *out = c;
    return 0;

fail:
    free(c);
    return rc;
}

void sotto_codec_destroy(sotto_codec **c)
{
    if (!c || !*c)
        return;
    (*c)->desc->destroy((*c)->state);
    free(*c);
    *c = NULL;
}

const sotto_codec_desc *sotto_codec_get_desc(const sotto_codec *c)
{
    return c ? c->desc : NULL;
}

int sotto_codec_set_rate(sotto_codec *c, int bitrate, int expected_loss_pct)
{
    if (!c || bitrate <= 0 || expected_loss_pct < 0 || expected_loss_pct > 100)
        return -EINVAL;
    if (!c->desc->set_rate)
        return -ENOTSUP;
    return c->desc->set_rate(c->state, bitrate, expected_loss_pct);
}

int sotto_codec_set_constant_rate(sotto_codec *c, int on)
{
    if (!c || (on != 0 && on != 1))
        return -EINVAL;
    if (!c->desc->set_constant_rate)
        return -ENOTSUP;
    return c->desc->set_constant_rate(c->state, on);
}

int sotto_codec_packet_samples(const sotto_codec_desc *desc, const uint8_t *payload, size_t len)
{
    if (!desc || !payload || len == 0 || len > 65535)
        return -EINVAL;
    if (!desc->packet_samples)
        return -ENOTSUP;
    return desc->packet_samples(payload, len);
}

size_t sotto_codec_frame_samples(const sotto_codec *c)
{
    if (!c)
        return 0;
    return (size_t)c->desc->sample_rate * (size_t)c->params.frame_ms / 1000;
}

int sotto_codec_encode(sotto_codec *c, const int16_t *pcm, size_t samples, uint8_t *out,
                       size_t outcap, size_t *out_len)
{
    if (!c || !pcm || !out || !out_len || samples == 0)
        return -EINVAL;
    return c->desc->encode(c->state, pcm, samples, out, outcap, out_len);
}

int sotto_codec_decode(sotto_codec *c, const uint8_t *payload, size_t len, int16_t *out_pcm,
                       size_t cap, size_t *out_samples)
{
    if (!c || !payload || !out_pcm || !out_samples || len == 0)
        return -EINVAL;
    return c->desc->decode(c->state, payload, len, out_pcm, cap, out_samples);
}

int sotto_codec_conceal(sotto_codec *c, int16_t *out_pcm, size_t samples, size_t *out_samples)
{
    if (!c || !out_pcm || !out_samples || samples == 0)
        return -EINVAL;
    return c->desc->conceal(c->state, out_pcm, samples, out_samples);
}

int sotto_codec_decode_fec(sotto_codec *c, const uint8_t *next_payload, size_t len,
                           int16_t *out_pcm, size_t samples, size_t *out_samples)
{
    if (!c || !next_payload || !out_pcm || !out_samples || len == 0 || samples == 0)
        return -EINVAL;
    if (!c->desc->decode_fec)
        return -ENOTSUP;
    return c->desc->decode_fec(c->state, next_payload, len, out_pcm, samples, out_samples);
}

int sotto_codec_reset(sotto_codec *c)
{
    if (!c)
        return -EINVAL;
    c->desc->reset(c->state);
    return 0;
}

int sotto_codec_talkspurt(sotto_codec *c, int decoder)
{
    if (!c)
        return -EINVAL;
    if (c->desc->talkspurt)
        c->desc->talkspurt(c->state, decoder ? 1 : 0);
    return 0;
}

int sotto_codec_payload_silent(const sotto_codec_desc *desc, const uint8_t *payload, size_t len)
{
    if (!desc || !payload || len == 0 || !desc->payload_silent)
        return 0;
    return desc->payload_silent(payload, len);
}

int sotto_codec_framing(const sotto_codec_desc *desc, const sotto_codec_params *p, int *out_ms,
                        size_t *out_bytes)
{
    sotto_codec_params params;
    int ms = 0;
    size_t bytes = 0;

    if (!desc || !out_ms || !out_bytes)
        return -EINVAL;
    if (desc->frame_ms <= 0)
        return -ENOTSUP;
    if (resolve_params(p, &params) < 0)
        return -EINVAL;
    if (desc->framing) {
        int rc = desc->framing(&params, &ms, &bytes);
        if (rc < 0)
            return rc;
    } else {
        ms = desc->frame_ms;
        bytes = desc->frame_bytes;
    }
    if (ms <= 0 || bytes == 0)
        return -EINVAL;
    *out_ms = ms;
    *out_bytes = bytes;
    return 0;
}

int sotto_codec_ptime_usable(const sotto_codec_desc *desc, int ms)
{
    return desc && sotto_codec_frame_ms_valid(ms) && ms <= desc->max_ptime_ms;
}

int sotto_codec_fmtp(const sotto_codec_desc *desc, const sotto_codec_params *p, char *buf,
                     size_t buflen)
{
    sotto_codec_params params;
    char text[CODEC_FMTP_MAX];

    if (!desc || !desc->fmtp || !buf)
        return -EINVAL;
    if (resolve_params(p, &params) < 0)
        return -EINVAL;
    int n = desc->fmtp(&params, text, sizeof(text));
    if (n < 0 || (size_t)n >= sizeof(text))
        return -EINVAL;
    if ((size_t)n >= buflen)
        return -ENOSPC;
    memcpy(buf, text, (size_t)n + 1);
    return 0;
}
