/* ITU-T G.711 PCMU (mu-law) and PCMA (A-law) with pitch-repetition
 * concealment. The segment arithmetic follows the ITU-T G.191 reference
 * so every code matches it bit for bit. */
#include "codec/g711.h"

#include <errno.h>
#include <stdlib.h>

#include "codec/codec_impl.h"
#include "codec/plc.h"

#define ULAW_BIAS 33          /* 14-bit domain offset that makes mu-law segments start at powers of two */
#define ULAW_MAX_BIASED 0x1FFF

uint8_t sotto_g711_ulaw_encode(int16_t sample)
{
    /* One's complement for negatives keeps the shifts on non-negative values. */
    int magnitude = sample < 0 ? (~(int)sample) >> 2 : (int)sample >> 2;
    magnitude += ULAW_BIAS;
    if (magnitude > ULAW_MAX_BIASED)
        magnitude = ULAW_MAX_BIASED;

    int segment = 1;
    for (int rest = magnitude >> 6; rest != 0; rest >>= 1)
        segment++;

    int high = 8 - segment;
    int low = 0x0F - ((magnitude >> segment) & 0x0F);
    int code = (high << 4) | low;
    if (sample >= 0)
        code |= 0x80;
    return (uint8_t)code;
}

int16_t sotto_g711_ulaw_decode(uint8_t code)
{
    int inverted = code ^ 0xFF;
    int exponent = (inverted >> 4) & 0x07;
    int mantissa = inverted & 0x0F;
    int step = 4 << (exponent + 1);
    int magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * ULAW_BIAS;
    return (int16_t)(code & 0x80 ? magnitude : -magnitude);
}

uint8_t sotto_g711_alaw_encode(int16_t sample)
{
    int index = sample < 0 ? (~(int)sample) >> 4 : (int)sample >> 4;

    if (index > 15) {
        int exponent = 1;
        while (index > 16 + 15) {
            index >>= 1;
            exponent++;
        }
        index -= 16;              /* drop the implied leading one */
        index += exponent << 4;
    }
    if (sample >= 0)
        index |= 0x80;
    return (uint8_t)(index ^ 0x55); /* even bits are inverted on the line */
}

int16_t sotto_g711_alaw_decode(uint8_t code)
{
    int index = (code ^ 0x55) & 0x7F;
    int exponent = index >> 4;
    int mantissa = index & 0x0F;

    if (exponent > 0)
        mantissa += 16;
    mantissa = (mantissa << 4) + 8; /* half a step: reconstruct mid-interval */
    if (exponent > 1)
        mantissa <<= exponent - 1;
    return (int16_t)(code & 0x80 ? mantissa : -mantissa);
}

typedef struct g711_state {
    int alaw;          /* 1 = PCMA, 0 = PCMU */
    sotto_plc plc;     /* concealment history */
} g711_state;

static int g711_create(void **out_state, const sotto_codec_params *p, int alaw)
{
    (void)p;
    g711_state *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    st->alaw = alaw;
    sotto__g711_plc_reset(&st->plc);
    *out_state = st;
    return 0;
}

static int pcmu_create(void **out_state, const sotto_codec_params *p)
{
    return g711_create(out_state, p, 0);
}

static int pcma_create(void **out_state, const sotto_codec_params *p)
{
    return g711_create(out_state, p, 1);
}

static void g711_destroy(void *state)
{
    free(state);
}

static int g711_encode(void *state, const int16_t *pcm, size_t samples,
                       uint8_t *out, size_t outcap, size_t *out_len)
{
    const g711_state *st = state;
    if (outcap < samples)
        return -ENOBUFS;
    for (size_t i = 0; i < samples; i++)
        out[i] = st->alaw ? sotto_g711_alaw_encode(pcm[i]) : sotto_g711_ulaw_encode(pcm[i]);
    *out_len = samples;
    return 0;
}

static int g711_decode(void *state, const uint8_t *payload, size_t len,
                       int16_t *out_pcm, size_t cap, size_t *out_samples)
{
    g711_state *st = state;
    if (cap < len)
        return -ENOBUFS;
    for (size_t i = 0; i < len; i++)
        out_pcm[i] = st->alaw ? sotto_g711_alaw_decode(payload[i]) : sotto_g711_ulaw_decode(payload[i]);
    sotto__g711_plc_good_frame(&st->plc, out_pcm, len);
    *out_samples = len;
    return 0;
}

static int g711_conceal(void *state, int16_t *out_pcm, size_t samples, size_t *out_samples)
{
    g711_state *st = state;
    sotto__g711_plc_conceal(&st->plc, out_pcm, samples);
    *out_samples = samples;
    return 0;
}

static void g711_reset(void *state)
{
    g711_state *st = state;
    sotto__g711_plc_reset(&st->plc);
}

static int g711_fmtp(const sotto_codec_params *p, char *buf, size_t buflen)
{
    (void)p;
    if (buflen > 0)
        buf[0] = '\0';
    return 0;
}

/* Silence is codes next to zero: 9 in 10 of magnitude 2 or less. The
 * magnitude bits are inverted in mu-law and XORed with 0x55 in A-law. */
static int mostly_quiet(const uint8_t *p, size_t len, uint8_t flip)
{
    size_t i, quiet = 0;

    for (i = 0; i < len; i++)
        quiet += ((p[i] ^ flip) & 0x7f) <= 2;
    return quiet * 10 >= len * 9;
}

static int pcmu_payload_silent(const uint8_t *p, size_t len)
{
    return mostly_quiet(p, len, 0xff);
}

static int pcma_payload_silent(const uint8_t *p, size_t len)
{
    return mostly_quiet(p, len, 0x55);
}

const sotto_codec_desc sotto_codec_pcmu_desc = {
    .name = "PCMU",
    .clock_rate = 8000,
    .channels = 1,
    .sample_rate = 8000,
    .static_pt = 0,
    .default_pt = 0,
    .red_pt = -1,
    .min_ptime_ms = 10,
    .max_ptime_ms = 60,
    .create = pcmu_create,
    .destroy = g711_destroy,
    .encode = g711_encode,
    .decode = g711_decode,
    .conceal = g711_conceal,
    .decode_fec = NULL,
    .reset = g711_reset,
    .fmtp = g711_fmtp,
    .payload_silent = pcmu_payload_silent,
};

const sotto_codec_desc sotto_codec_pcma_desc = {
    .name = "PCMA",
    .clock_rate = 8000,
    .channels = 1,
    .sample_rate = 8000,
    .static_pt = 8,
    .default_pt = 8,
    .red_pt = -1,
    .min_ptime_ms = 10,
    .max_ptime_ms = 60,
    .create = pcma_create,
    .destroy = g711_destroy,
    .encode = g711_encode,
    .decode = g711_decode,
    .conceal = g711_conceal,
    .decode_fec = NULL,
    .reset = g711_reset,
    .fmtp = g711_fmtp,
    .payload_silent = pcma_payload_silent,
};
