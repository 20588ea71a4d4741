/* Opus (RFC 6716, RTP per RFC 7587) through libopus: 48 kHz mono at the
 * API, VoIP application mode. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include <opus.h>

#include "codec/codec_impl.h"

#define OPUS_RATE 48000
#define OPUS_DEFAULT_BITRATE 24000   /* bit/s: wideband speech with room for FEC */
#define OPUS_MIN_BITRATE 6000        /* created with: what a configured rate may be */
/* Retuned to, by a rate controller: libopus keeps to rates this low only
 * at a constant rate (its variable rate does not go below about 4.2
 * kbit/s whatever it is asked), where speech stays intelligible. */
#define OPUS_MIN_RUNNING_BITRATE 2500
#define OPUS_MAX_BITRATE 510000
#define OPUS_MAX_FRAME 5760          /* samples: 120 ms, the longest packet */
#define OPUS_MIN_STEP 120            /* samples: 2.5 ms, the concealment granularity */

typedef struct opus_state {
    OpusEncoder *enc;    /* points into this allocation */
    OpusDecoder *dec;    /* points into this allocation */
} opus_state;

static int opus_to_errno(int err)
{
    switch (err) {
    case OPUS_BAD_ARG:
        return -EINVAL;
    case OPUS_BUFFER_TOO_SMALL:
        return -ENOBUFS;
    case OPUS_INVALID_PACKET:
    case OPUS_INVALID_STATE:
        return -EBADMSG;
    case OPUS_ALLOC_FAIL:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

/* One Opus packet at 48 kHz: 2.5 to 60 ms, or 80, 100, 120 ms (libopus 1.2
 * and later code these as several frames in one packet). */
static int opus_frame_size_valid(size_t samples)
{
    static const size_t sizes[] = {120, 240, 480, 960, 1920, 2880, 3840, 4800, 5760};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (samples == sizes[i])
            return 1;
    }
    return 0;
}

static int opus_apply_params(OpusEncoder *enc, const sotto_codec_params *p)
{
    int bitrate = p->bitrate ? p->bitrate : OPUS_DEFAULT_BITRATE;
    if (opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate)) != OPUS_OK
        || opus_encoder_ctl(enc, OPUS_SET_INBAND_FEC(p->fec ? 1 : 0)) != OPUS_OK
        || opus_encoder_ctl(enc, OPUS_SET_DTX(p->dtx ? 1 : 0)) != OPUS_OK
        || opus_encoder_ctl(enc, OPUS_SET_PACKET_LOSS_PERC(p->expected_loss_pct)) != OPUS_OK
        || opus_encoder_ctl(enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK)
        return -EINVAL;
    return 0;
}

static int opus_codec_create(void **out_state, const sotto_codec_params *p)
{
    if (p->bitrate != 0 && (p->bitrate < OPUS_MIN_BITRATE || p->bitrate > OPUS_MAX_BITRATE))
        return -EINVAL;

    /* One block: state header, then encoder, then decoder. */
    size_t head = (sizeof(opus_state) + 15) & ~(size_t)15;
    size_t enc_size = ((size_t)opus_encoder_get_size(1) + 15) & ~(size_t)15;
    size_t dec_size = (size_t)opus_decoder_get_size(1);
    unsigned char *block = calloc(1, head + enc_size + dec_size);
    if (!block)
        return -ENOMEM;

    opus_state *st = (opus_state *)block;
    st->enc = (OpusEncoder *)(block + head);
    st->dec = (OpusDecoder *)(block + head + enc_size);
    int rc = opus_encoder_init(st->enc, OPUS_RATE, 1, OPUS_APPLICATION_VOIP);
    if (rc == OPUS_OK)
        rc = opus_decoder_init(st->dec, OPUS_RATE, 1);
    if (rc != OPUS_OK) {
        rc = opus_to_errno(rc);
        goto fail;
    }
    rc = opus_apply_params(st->enc, p);
    if (rc != 0)
        goto fail;
    *out_state = st;
    return 0;

fail:
    free(block);
    return rc;
}

static int opus_codec_set_rate(void *state, int bitrate, int expected_loss_pct)
{
    opus_state *st = state;

    if (bitrate < OPUS_MIN_RUNNING_BITRATE || bitrate > OPUS_MAX_BITRATE)
        return -EINVAL;
    if (opus_encoder_ctl(st->enc, OPUS_SET_BITRATE(bitrate)) != OPUS_OK ||
        opus_encoder_ctl(st->enc, OPUS_SET_PACKET_LOSS_PERC(expected_loss_pct)) != OPUS_OK)
        return -EIO;
    return 0;
}

static int opus_codec_set_constant_rate(void *state, int on)
{
    opus_state *st = state;

    return opus_encoder_ctl(st->enc, OPUS_SET_VBR(on ? 0 : 1)) == OPUS_OK ? 0 : -EIO;
}

static int opus_codec_packet_samples(const uint8_t *payload, size_t len)
{
    int n = opus_packet_get_nb_samples(payload, (opus_int32)len, OPUS_RATE);

    return n < 0 ? opus_to_errno(n) : n;
}

static void opus_codec_destroy(void *state)
{
    free(state);
}

static int opus_codec_encode(void *state, const int16_t *pcm, size_t samples,
                             uint8_t *out, size_t outcap, size_t *out_len)
{
    opus_state *st = state;
    if (!opus_frame_size_valid(samples))
        return -EINVAL;
    opus_int32 cap = outcap > INT_MAX ? INT_MAX : (opus_int32)outcap;
    opus_int32 n = opus_encode(st->enc, pcm, (int)samples, out, cap);
    if (n < 0)
        return opus_to_errno(n);
    *out_len = (size_t)n;
    return 0;
}

static int opus_decode_into(opus_state *st, const uint8_t *data, size_t len,
                            int16_t *out_pcm, size_t cap, int fec, size_t *out_samples)
{
    if (len > INT_MAX)
        return -EINVAL;
    int frames = cap > OPUS_MAX_FRAME ? OPUS_MAX_FRAME : (int)cap;
    int n = opus_decode(st->dec, data, (opus_int32)len, out_pcm, frames, fec);
    if (n < 0)
        return opus_to_errno(n);
    *out_samples = (size_t)n;
    return 0;
}

static int opus_codec_decode(void *state, const uint8_t *payload, size_t len,
                             int16_t *out_pcm, size_t cap, size_t *out_samples)
{
    /* Say ENOBUFS rather than libopus's generic bad-argument answer. */
    int duration = opus_packet_get_nb_samples(payload, (opus_int32)(len > INT_MAX ? INT_MAX : len),
                                              OPUS_RATE);
    if (duration < 0)
        return opus_to_errno(duration);
    if ((size_t)duration > cap)
        return -ENOBUFS;
    return opus_decode_into(state, payload, len, out_pcm, cap, 0, out_samples);
}

static int opus_codec_conceal(void *state, int16_t *out_pcm, size_t samples, size_t *out_samples)
{
    if (samples == 0 || samples > OPUS_MAX_FRAME || samples % OPUS_MIN_STEP != 0)
        return -EINVAL;
    return opus_decode_into(state, NULL, 0, out_pcm, samples, 0, out_samples);
}

static int opus_codec_decode_fec(void *state, const uint8_t *next_payload, size_t len,
                                 int16_t *out_pcm, size_t samples, size_t *out_samples)
{
    if (samples == 0 || samples > OPUS_MAX_FRAME || samples % OPUS_MIN_STEP != 0)
        return -EINVAL;
    return opus_decode_into(state, next_payload, len, out_pcm, samples, 1, out_samples);
}

static void opus_codec_reset(void *state)
{
    opus_state *st = state;
    opus_encoder_ctl(st->enc, OPUS_RESET_STATE);
    opus_decoder_ctl(st->dec, OPUS_RESET_STATE);
}

static int opus_codec_fmtp(const sotto_codec_params *p, char *buf, size_t buflen)
{
    return snprintf(buf, buflen, "minptime=10%s%s",
                    p->fec ? ";useinbandfec=1" : "",
                    p->dtx ? ";usedtx=1" : "");
}

/* Opus codes silence and near-silence in a few bytes. */
static int opus_codec_payload_silent(const uint8_t *payload, size_t len)
{
    (void)payload;
    return len <= 10;
}

const sotto_codec_desc sotto_codec_opus_desc = {
    .name = "opus",
    .clock_rate = OPUS_RATE,
    .channels = 2,
    .sample_rate = OPUS_RATE,
    .static_pt = -1,
    .default_pt = 111,
    /* RFC 2198 redundancy as browsers offer it: red/48000/2 "111/111". */
    .red_pt = 63,
    .caps = SOTTO_CODEC_CAP_RED | SOTTO_CODEC_CAP_DTX,
    .min_ptime_ms = 10,
    .max_ptime_ms = 120,
    .create = opus_codec_create,
    .destroy = opus_codec_destroy,
    .encode = opus_codec_encode,
    .decode = opus_codec_decode,
    .conceal = opus_codec_conceal,
    .decode_fec = opus_codec_decode_fec,
    .reset = opus_codec_reset,
    .fmtp = opus_codec_fmtp,
    .set_rate = opus_codec_set_rate,
    .set_constant_rate = opus_codec_set_constant_rate,
    .packet_samples = opus_codec_packet_samples,
    .min_bitrate = OPUS_MIN_RUNNING_BITRATE,
    .payload_silent = opus_codec_payload_silent,
};
