/* The Sotto codec behind the codec interface, for RTP: one RTP payload is
 * frame_ms of audio made of whole Sotto packets concatenated (20 ms / 8
 * bytes each at 3.2 kbit/s; 40 ms / 10 bytes at 2 kbit/s when the bitrate
 * asked for is 2000 or less). SDP: a=rtpmap:PT SOTTO/16000, fmtp "mode=...;
 * redundancy=1;v=2". The daemon encodes one frame_ms unit per call and
 * makes RTP payloads itself (codec/sotto_payload.h, codec/BITSTREAM.md).
 *
 * Mid-call mode switches (set_rate): with 20 ms units, a 2 kbit/s packet
 * spans two of them. encode then gives no bytes for the first unit and the
 * 10-byte packet for the second; decode of a one-packet payload follows
 * that packet's mode (its length tells: 8 or 10 bytes), returns the first
 * unit and holds the second, which the next conceal returns (the caller's
 * playout has no packet for that period) before any real concealment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec_impl.h"
#include "codec/sotto.h"

#define VERSION_TEXT_(n) #n
#define VERSION_TEXT(n) VERSION_TEXT_(n)
#define MAX_PACKET_SAMPLES 640 /* the 2 kbit/s mode's 40 ms */

typedef struct sotto_rtp_state {
    size_t unit;          /* samples per encode/decode unit: params.frame_ms at 16 kHz */
    sotto_mode want_mode; /* set_rate's choice, taken at the next packet boundary */
    sotto_encoder *enc;
    sotto_decoder *dec;
    int16_t in[MAX_PACKET_SAMPLES]; /* encoder: input of a packet not yet complete */
    size_t in_len;
    int16_t held[MAX_PACKET_SAMPLES]; /* decoder: decoded audio beyond the last unit given */
    size_t held_len, held_pos;
} sotto_rtp_state;

static sotto_mode mode_for_rate(int bitrate)
{
    return bitrate > 0 && bitrate <= 2000 ? SOTTO_MODE_2000 : SOTTO_MODE_3200;
}

static sotto_mode mode_for(const sotto_codec_params *p)
{
    return mode_for_rate(p->bitrate);
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
    sotto_mode mode = mode_for(p);
    size_t frame = sotto_mode_frame_samples(mode);
    int rc;

    if (!s)
        return -ENOMEM;
    s->unit = (size_t)p->frame_ms * 16;
    s->want_mode = mode;
    if (s->unit < frame || s->unit % frame) {
        free(s);
        return -EINVAL;
    }
    rc = sotto_encoder_create(&s->enc, mode);
    if (rc == 0)
        rc = sotto_decoder_create(&s->dec, mode);
    if (rc < 0) {
        sotto_rtp_destroy(s);
        return rc;
    }
    *out_state = s;
    return 0;
}

/* Takes samples (a whole number of 20 ms blocks) and writes every packet
 * they complete; a switch asked for by set_rate starts at a packet boundary. */
static int sotto_rtp_encode(void *state, const int16_t *pcm, size_t samples, uint8_t *out,
                            size_t outcap, size_t *out_len)
{
    sotto_rtp_state *s = state;
    size_t len = 0, done = 0;
    int rc;

    if (samples % 320)
        return -EINVAL;
    while (done < samples) {
        sotto_mode mode;
        size_t frame, take;

        if (s->in_len == 0)
            sotto_encoder_set_mode(s->enc, s->want_mode);
        mode = sotto_encoder_get_mode(s->enc);
        frame = sotto_mode_frame_samples(mode);
        take = frame - s->in_len < samples - done ? frame - s->in_len : samples - done;
        memcpy(s->in + s->in_len, pcm + done, take * sizeof(int16_t));
        s->in_len += take;
        done += take;
        if (s->in_len < frame)
            break;
        if (outcap < len + sotto_mode_packet_bytes(mode))
            return -ENOBUFS;
        rc = sotto_encode(s->enc, s->in, out + len);
        if (rc < 0)
            return rc;
        len += sotto_mode_packet_bytes(mode);
        s->in_len = 0;
    }
    *out_len = len;
    return 0;
}

/* The mode of a payload: a single packet's own (8 or 10 bytes), else the
 * one in force, whose packets it must be a whole number of. */
static int payload_mode(const sotto_rtp_state *s, size_t len, sotto_mode *out)
{
    sotto_mode cur = sotto_decoder_get_mode(s->dec);

    if (len == sotto_mode_packet_bytes(SOTTO_MODE_3200))
        *out = SOTTO_MODE_3200;
    else if (len == sotto_mode_packet_bytes(SOTTO_MODE_2000))
        *out = SOTTO_MODE_2000;
    else if (len % sotto_mode_packet_bytes(cur) == 0)
        *out = cur;
    else
        return -EBADMSG;
    return 0;
}

static int sotto_rtp_decode(void *state, const uint8_t *payload, size_t len, int16_t *out,
                            size_t cap, size_t *out_samples)
{
    sotto_rtp_state *s = state;
    sotto_mode mode;
    size_t bytes, frame, n, i;
    int rc;

    if (len == 0 || payload_mode(s, len, &mode) < 0)
        return -EBADMSG;
    bytes = sotto_mode_packet_bytes(mode);
    frame = sotto_mode_frame_samples(mode);
    n = len / bytes;
    if (cap < (frame > s->unit ? s->unit : n * frame))
        return -ENOBUFS;
    sotto_decoder_set_mode(s->dec, mode);
    s->held_len = s->held_pos = 0;
    if (frame > s->unit) {
        /* A 40 ms packet in 20 ms units: hand out the first, hold the rest. */
        if (n != 1)
            return -EBADMSG;
        rc = sotto_decode(s->dec, payload, bytes, s->held);
        if (rc < 0)
            return rc;
        memcpy(out, s->held, s->unit * sizeof(int16_t));
        s->held_pos = s->unit;
        s->held_len = frame;
        *out_samples = s->unit;
        return 0;
    }
    for (i = 0; i < n; i++) {
        rc = sotto_decode(s->dec, payload + i * bytes, bytes, out + i * frame);
        if (rc < 0)
            return rc;
    }
    *out_samples = n * frame;
    return 0;
}

/* Audio for a period without a packet: what the last decode or
 * concealment holds beyond what it handed out, then generative
 * concealment (the decoder keeps speaking from predicted features). */
static int sotto_rtp_conceal(void *state, int16_t *out, size_t samples, size_t *out_samples)
{
    sotto_rtp_state *s = state;
    size_t done = 0, frame = sotto_mode_frame_samples(sotto_decoder_get_mode(s->dec));
    int rc;

    while (done < samples) {
        size_t take;

        if (s->held_pos >= s->held_len) {
            if (frame <= samples - done) {
                rc = sotto_conceal(s->dec, out + done);
                if (rc < 0)
                    return rc;
                done += frame;
                continue;
            }
            if (samples - done < 320)
                break;
            rc = sotto_conceal(s->dec, s->held);
            if (rc < 0)
                return rc;
            s->held_len = frame;
            s->held_pos = 0;
        }
        take = s->held_len - s->held_pos;
        if (take > samples - done)
            take = samples - done;
        memcpy(out + done, s->held + s->held_pos, take * sizeof(int16_t));
        s->held_pos += take;
        done += take;
    }
    *out_samples = done;
    return 0;
}

static void sotto_rtp_talkspurt(void *state, int decoder)
{
    sotto_rtp_state *s = state;

    if (decoder)
        sotto_decoder_restart_prediction(s->dec);
    else
        sotto_encoder_restart_prediction(s->enc);
}

static void sotto_rtp_reset(void *state)
{
    sotto_rtp_state *s = state;

    sotto_encoder_reset(s->enc);
    sotto_decoder_reset(s->dec);
    s->in_len = 0;
    s->held_len = s->held_pos = 0;
}

/* Rate control: 2000 bit/s or less is the 2 kbit/s mode, more the 3.2
 * kbit/s one, from the next packet on (expected loss does not matter: the
 * caller sends redundant copies itself). */
static int sotto_rtp_set_rate(void *state, int bitrate, int expected_loss_pct)
{
    sotto_rtp_state *s = state;

    (void)expected_loss_pct;
    s->want_mode = mode_for_rate(bitrate);
    return 0;
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
    /* The 2 kbit/s mode a running call may switch to (set_rate), its
     * payloads marked by the header's mode bit. */
    .switch_bitrate = 2000,
    .version_fmtp = "v",
    .version = VERSION_TEXT(SOTTO_BITSTREAM_VERSION),
    .create = sotto_rtp_create,
    .destroy = sotto_rtp_destroy,
    .encode = sotto_rtp_encode,
    .decode = sotto_rtp_decode,
    .conceal = sotto_rtp_conceal,
    .decode_fec = NULL,
    .reset = sotto_rtp_reset,
    .talkspurt = sotto_rtp_talkspurt,
    .set_rate = sotto_rtp_set_rate,
    .fmtp = sotto_rtp_fmtp,
    .framing = sotto_rtp_framing,
};
