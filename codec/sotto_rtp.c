/* The Sotto codec behind the codec interface, for RTP: one RTP payload is
 * frame_ms of audio made of whole Sotto packets concatenated (20 ms / 8
 * bytes each at 3.2 kbit/s; 40 ms / 10 bytes at 2 kbit/s when the bitrate
 * asked for is 2000 or less). SDP: a=rtpmap:PT SOTTO/16000, fmtp "mode=...;
 * redundancy=1". The daemon encodes one packet per call and makes RTP
 * payloads itself (codec/sotto_payload.h, codec/BITSTREAM.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "codec/codec_impl.h"
#include "codec/sotto.h"

#define VERSION_TEXT_(n) #n
#define VERSION_TEXT(n) VERSION_TEXT_(n)

typedef struct sotto_rtp_state {
    sotto_mode mode;
    size_t frame_samples;   /* per Sotto packet: 320 or 640 */
    size_t packet_bytes;    /* per Sotto packet: 8 or 10 */
    size_t per_payload;     /* Sotto packets per RTP payload */
    sotto_encoder *enc;
    sotto_decoder *dec;
} sotto_rtp_state;

static sotto_mode mode_for(const sotto_codec_params *p)
{
    return p->bitrate > 0 && p->bitrate <= 2000 ? SOTTO_MODE_2000 : SOTTO_MODE_3200;
}

static void sotto_rtp_destroy(void *state)
{
    sotto_rtp_state *s = state;

    if (!s)
        return;
    sotto_encoder_destroy(&s->enc);
    sotto_decoder_destroy(&s->dec);
    free(s);
}

static int sotto_rtp_create(void **out_state, const sotto_codec_params *p)
{
    sotto_rtp_state *s = calloc(1, sizeof(*s));
    size_t payload_samples = (size_t)p->frame_ms * 16;
    int rc;

    if (!s)
        return -ENOMEM;
    s->mode = mode_for(p);
    s->frame_samples = sotto_mode_frame_samples(s->mode);
    s->packet_bytes = sotto_mode_packet_bytes(s->mode);
    if (payload_samples < s->frame_samples || payload_samples % s->frame_samples) {
        free(s);
        return -EINVAL;
    }
    s->per_payload = payload_samples / s->frame_samples;
    rc = sotto_encoder_create(&s->enc, s->mode);
    if (rc == 0)
        rc = sotto_decoder_create(&s->dec, s->mode);
    if (rc < 0) {
        sotto_rtp_destroy(s);
        return rc;
    }
    *out_state = s;
    return 0;
}

static int sotto_rtp_encode(void *state, const int16_t *pcm, size_t samples, uint8_t *out,
                            size_t outcap, size_t *out_len)
{
    sotto_rtp_state *s = state;
    size_t n = samples / s->frame_samples, i;
    int rc;

    if (samples % s->frame_samples)
        return -EINVAL;
    if (outcap < n * s->packet_bytes)
        return -ENOBUFS;
    for (i = 0; i < n; i++) {
        rc = sotto_encode(s->enc, pcm + i * s->frame_samples, out + i * s->packet_bytes);
        if (rc < 0)
            return rc;
    }
    *out_len = n * s->packet_bytes;
    return 0;
}

static int sotto_rtp_decode(void *state, const uint8_t *payload, size_t len, int16_t *out,
                            size_t cap, size_t *out_samples)
{
    sotto_rtp_state *s = state;
    size_t n = len / s->packet_bytes, i;
    int rc;

    if (len == 0 || len % s->packet_bytes)
        return -EBADMSG;
    if (cap < n * s->frame_samples)
        return -ENOBUFS;
    for (i = 0; i < n; i++) {
        rc = sotto_decode(s->dec, payload + i * s->packet_bytes, s->packet_bytes,
                          out + i * s->frame_samples);
        if (rc < 0)
            return rc;
    }
    *out_samples = n * s->frame_samples;
    return 0;
}

/* Generative concealment: the decoder keeps speaking from predicted features. */
static int sotto_rtp_conceal(void *state, int16_t *out, size_t samples, size_t *out_samples)
{
    sotto_rtp_state *s = state;
    size_t done = 0;
    int rc;

    while (done + s->frame_samples <= samples) {
        rc = sotto_conceal(s->dec, out + done);
        if (rc < 0)
            return rc;
        done += s->frame_samples;
    }
    *out_samples = done;
    return 0;
}

static void sotto_rtp_reset(void *state)
{
    sotto_rtp_state *s = state;

    sotto_encoder_reset(s->enc);
    sotto_decoder_reset(s->dec);
}

static int sotto_rtp_fmtp(const sotto_codec_params *p, char *buf, size_t buflen)
{
    /* redundancy=1: this end reads the payload of codec/sotto_payload.h;
     * v: the bitstream version, which a peer must announce alike. */
    return snprintf(buf, buflen, "mode=%d;redundancy=1;v=%d",
                    mode_for(p) == SOTTO_MODE_2000 ? 2000 : 3200, SOTTO_BITSTREAM_VERSION);
}

static int sotto_rtp_framing(const sotto_codec_params *p, int *out_ms, size_t *out_bytes)
{
    sotto_mode mode = mode_for(p);

    *out_ms = (int)(sotto_mode_frame_samples(mode) * 1000 / 16000);
    *out_bytes = sotto_mode_packet_bytes(mode);
    return 0;
}

const sotto_codec_desc sotto_codec_sotto_desc = {
    .name = "SOTTO",
    .clock_rate = 16000,
    .channels = 1,
    .sample_rate = 16000,
    .static_pt = -1,
    .default_pt = 100,
    .red_pt = -1,
    .caps = SOTTO_CODEC_CAP_INBAND_REDUNDANCY,
    /* Encoded one 20 ms packet at a time; the daemon makes the RTP payloads. */
    .frame_ms = 20,
    .frame_bytes = 8,
    .min_ptime_ms = 20,
    .max_ptime_ms = 120,
    .redundancy_fmtp = "redundancy",
    .version_fmtp = "v",
    .version = VERSION_TEXT(SOTTO_BITSTREAM_VERSION),
    .create = sotto_rtp_create,
    .destroy = sotto_rtp_destroy,
    .encode = sotto_rtp_encode,
    .decode = sotto_rtp_decode,
    .conceal = sotto_rtp_conceal,
    .decode_fec = NULL,
    .reset = sotto_rtp_reset,
    .fmtp = sotto_rtp_fmtp,
    .framing = sotto_rtp_framing,
};
