/* Sotto voice codecs behind one interface: G.711 (PCMU, PCMA) and Opus.
 *
 * A codec is described by a constant table (sotto_codec_desc) found by its
 * RTP encoding name; an instance (sotto_codec) holds one encoder and one
 * decoder for a single mono stream. All state is allocated at create time:
 * encode, decode and concealment never touch the heap. An instance is not
 * thread-safe; use it from one thread at a time. */
#ifndef SOTTO_CODEC_CODEC_H
#define SOTTO_CODEC_CODEC_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto_codec sotto_codec;

typedef struct sotto_codec_params {
    int frame_ms; /* ms per packet: 10, 20, 40, 60, 80, 100 or 120; default 20 */
    int bitrate;  /* bit/s, Opus 6000..510000; 0 = codec default (Opus 24000); G.711 ignores it */
    int fec;      /* 1 = Opus in-band FEC (LBRR) on; default 1 */
    int dtx;      /* 1 = Opus discontinuous transmission; default 0 */
    int expected_loss_pct; /* 0..100, tunes Opus FEC redundancy; default 10 */
} sotto_codec_params;

/* What a codec can do on the wire, beyond encoding and decoding: the rest
 * of the program asks these bits instead of comparing codec names. */
enum {
    SOTTO_CODEC_CAP_INBAND_REDUNDANCY = 1 << 0, /* payloads may repeat earlier frames in the
                                                 * codec's own header, when both ends announce
                                                 * desc->redundancy_fmtp=1 */
    SOTTO_CODEC_CAP_RED = 1 << 1,               /* RFC 2198 RED around it (desc->red_pt) */
    SOTTO_CODEC_CAP_DTX = 1 << 2,               /* discontinuous transmission (params.dtx) */
    SOTTO_CODEC_CAP_CN = 1 << 3,                /* RFC 3389 comfort noise payloads */
};

/* One codec: what it is on the wire (SDP, RTP, packetisation) and its
 * implementation hooks. Callers use the sotto_codec_* functions below,
 * which validate arguments before calling the hooks. state is the codec's
 * own private object created by create. A new codec is one file in codec/
 * with such a table, plus its entry in the registry (codec.c). */
typedef struct sotto_codec_desc {
    const char *name;   /* RTP encoding name (SDP rtpmap), e.g. "PCMU"; the [codec] order
                         * names it ignoring case */
    int clock_rate;     /* RTP timestamp clock, Hz (SDP) */
    int channels;       /* channel count in SDP rtpmap (Opus: 2 per RFC 7587; audio is mono) */
    int sample_rate;    /* PCM rate at this API, Hz */
    int static_pt;      /* static RTP payload type (RFC 3551), -1 for dynamic */
    int default_pt;     /* payload type an offer gives it: static_pt, or a dynamic 96..127 */
    int red_pt;         /* payload type of RFC 2198 RED offered beside it; -1 = none */
    unsigned caps;      /* SOTTO_CODEC_CAP_* */
    int frame_ms;       /* ms: fixed frame the packetiser packs whole frames of (Sotto 20);
                         * 0 = the codec encodes one payload per packet time */
    size_t frame_bytes; /* bytes per fixed frame with the default params; 0 = variable */
    int min_ptime_ms;   /* shortest packet time it is sent with, ms */
    int max_ptime_ms;   /* longest packet time it takes from a peer, ms */
    const char *redundancy_fmtp; /* fmtp parameter announcing in-band redundancy ("=1");
                                  * NULL without SOTTO_CODEC_CAP_INBAND_REDUNDANCY */
    const char *version_fmtp;    /* fmtp parameter naming the bitstream version (Sotto "v"):
                                  * a peer's format is this codec only when it carries
                                  * version_fmtp=version; NULL = one version only */
    const char *version;         /* e.g. "2"; with version_fmtp */
    int min_bitrate;             /* lowest bit/s set_rate takes (a rate controller's floor);
                                  * 0 = set_rate's range is the create range */
    int switch_bitrate;          /* framed codecs: a lower bit rate (Sotto 2000) whose frames
                                  * (sotto_codec_framing with it) set_rate may switch a
                                  * running encoder to, the payload header telling the
                                  * receiver; 0 = none */
    /* Hooks with the semantics of the sotto_codec_* function of the same
     * name; arguments arrive already checked (non-NULL, non-zero sizes,
     * valid params). */
    int (*create)(void **out_state, const sotto_codec_params *p);
    void (*destroy)(void *state);
    int (*encode)(void *state, const int16_t *pcm, size_t samples, uint8_t *out, size_t outcap,
                  size_t *out_len);
    int (*decode)(void *state, const uint8_t *payload, size_t len, int16_t *out_pcm, size_t cap,
                  size_t *out_samples);
    int (*conceal)(void *state, int16_t *out_pcm, size_t samples, size_t *out_samples);
    /* NULL when the codec carries no forward error correction. */
    int (*decode_fec)(void *state, const uint8_t *next_payload, size_t len, int16_t *out_pcm,
                      size_t samples, size_t *out_samples);
    void (*reset)(void *state);
    /* A talkspurt starts after comfort noise: decoder 0 before the encoder
     * codes its first frame, 1 before the decoder decodes it. NULL when the
     * codec keeps no inter-frame state that the silence would desynchronise. */
    void (*talkspurt)(void *state, int decoder);
    /* Writes the SDP a=fmtp parameters ("" when none); returns the length
     * the full string needs, like snprintf. */
    int (*fmtp)(const sotto_codec_params *p, char *buf, size_t buflen);
    /* 1 when an encoded payload holds only silence or near-silence, judged
     * without decoding (a jitter buffer shrinks its delay there); NULL when
     * the codec cannot tell. */
    int (*payload_silent)(const uint8_t *payload, size_t len);
    /* Changes the encoder's bit rate and expected loss while running; NULL
     * when the codec has one fixed rate per instance. */
    int (*set_rate)(void *state, int bitrate, int expected_loss_pct);
    /* 1: every packet keeps to the set bit rate (no variable-rate peaks);
     * 0: variable rate. NULL when the codec's rate is constant anyway. */
    int (*set_constant_rate)(void *state, int on);
    /* Samples at sample_rate in one RTP payload (Opus: 2.5..120 ms), or a
     * negative errno for a payload it cannot parse; NULL = one frame. */
    int (*packet_samples)(const uint8_t *payload, size_t len);
    /* Frame duration (ms) and bytes with params p, for codecs whose frame
     * depends on them; NULL = desc->frame_ms and desc->frame_bytes. */
    int (*framing)(const sotto_codec_params *p, int *out_ms, size_t *out_bytes);
} sotto_codec_desc;

/* Fills *out with the defaults above. NULL is ignored. */
void sotto_codec_params_default(sotto_codec_params *out);

/* Returns the codec whose RTP encoding name matches name ignoring case
 * ("pcmu", "PCMA", "opus"), or NULL when unknown or name is NULL. The table
 * is static: never freed. */
const sotto_codec_desc *sotto_codec_find(const char *name);

/* The fixed frame of a framed codec (desc->frame_ms != 0) with params p
 * (NULL = defaults): *out_ms and *out_bytes. Returns 0, -EINVAL for NULL
 * arguments or bad params, -ENOTSUP for a codec without fixed frames. */
int sotto_codec_framing(const sotto_codec_desc *desc, const sotto_codec_params *p, int *out_ms,
                        size_t *out_bytes);

/* 1 when a peer's packet time of ms may be used with desc: one of the
 * durations every codec takes, at most desc->max_ptime_ms; else 0. */
int sotto_codec_ptime_usable(const sotto_codec_desc *desc, int ms);

/* Returns every known codec as a static NULL-terminated array (not freed),
 * in order of preference for an SDP offer. */
const sotto_codec_desc *const *sotto_codec_list(void);

/* Creates an encoder/decoder pair. p may be NULL for the defaults.
 * Returns 0 and sets *out (release with sotto_codec_destroy), -EINVAL for
 * a NULL argument or a parameter out of range, -ENOMEM. */
int sotto_codec_create(sotto_codec **out, const sotto_codec_desc *desc,
                       const sotto_codec_params *p);

/* Frees the instance and sets *c to NULL. Accepts NULL and *c == NULL. */
void sotto_codec_destroy(sotto_codec **c);

/* The table the instance was created from (static, not freed); NULL for NULL. */
const sotto_codec_desc *sotto_codec_get_desc(const sotto_codec *c);

/* Samples per frame at the API rate (sample_rate * frame_ms / 1000); 0 for NULL. */
size_t sotto_codec_frame_samples(const sotto_codec *c);

/* Encodes samples of mono PCM at desc->sample_rate into out (caller's
 * buffer of outcap bytes). G.711 takes any count; Opus takes one frame of
 * 2.5, 5, 10, 20, 40 or 60 ms; Sotto whole 20 ms blocks, writing the
 * packets they complete. Returns 0 and sets *out_len (Opus DTX may give
 * 1..2 bytes; Sotto in its 2 kbit/s mode 0 for the first 20 ms of a 40 ms
 * packet), -EINVAL for bad arguments or frame size, -ENOBUFS when
 * outcap is too small, -EIO for an internal codec failure. */
int sotto_codec_encode(sotto_codec *c, const int16_t *pcm, size_t samples, uint8_t *out,
                       size_t outcap, size_t *out_len);

/* Decodes one RTP payload into out_pcm (cap samples, caller-owned).
 * Sotto: a payload of one packet is decoded in that packet's mode (8 bytes
 * 3.2 kbit/s, 10 bytes 2 kbit/s), following the sender's switches; a
 * packet longer than the instance's frame_ms gives frame_ms and the rest
 * comes from the next sotto_codec_conceal.
 * Returns 0 and sets *out_samples, -EINVAL for bad arguments or an empty
 * payload, -ENOBUFS when cap is too small, -EBADMSG for a corrupt payload.
 * Decoding right after a concealment cross-fades from the concealed signal. */
int sotto_codec_decode(sotto_codec *c, const uint8_t *payload, size_t len, int16_t *out_pcm,
                       size_t cap, size_t *out_samples);

/* Synthesises samples of audio for a lost packet into out_pcm (caller
 * buffer of at least samples). G.711 repeats the last pitch period, fading
 * to silence within 60 ms; Opus runs its decoder's own concealment and
 * needs a multiple of 2.5 ms (at most 120 ms). Returns 0 and sets
 * *out_samples, -EINVAL for bad arguments. */
int sotto_codec_conceal(sotto_codec *c, int16_t *out_pcm, size_t samples, size_t *out_samples);

/* Recovers a lost packet from the redundancy carried by the packet that
 * followed it (next_payload); samples is the lost packet's duration.
 * Without redundancy in next_payload Opus falls back to concealment. The
 * caller then decodes next_payload normally. Returns 0 and sets
 * *out_samples, -ENOTSUP for codecs without FEC (G.711), -EINVAL,
 * -EBADMSG for a corrupt payload. */
int sotto_codec_decode_fec(sotto_codec *c, const uint8_t *next_payload, size_t len,
                           int16_t *out_pcm, size_t samples, size_t *out_samples);

/* Returns the decoder and encoder to their freshly created state (new
 * stream, e.g. after an SSRC change). 0, or -EINVAL for NULL. */
int sotto_codec_reset(sotto_codec *c);

/* Tells the codec that a talkspurt starts after comfort noise (the frames
 * of the silence were not sent): decoder 0 for the encoder, before the
 * first frame is encoded; 1 for the decoder, before that frame is decoded.
 * 0, or -EINVAL for NULL. */
int sotto_codec_talkspurt(sotto_codec *c, int decoder);

/* 1 when payload (len bytes, as sent in RTP) holds only silence for desc's
 * codec, judged without decoding; 0 otherwise or when the codec cannot tell. */
int sotto_codec_payload_silent(const sotto_codec_desc *desc, const uint8_t *payload, size_t len);

/* Retunes a running encoder (a rate controller's decision): bitrate in
 * bit/s within the codec's range (down to desc->min_bitrate), expected_loss_pct 0..100 for its FEC.
 * Sotto takes its mode from the next packet on: 2000 bit/s or less is the
 * 2 kbit/s mode, more the 3.2 kbit/s one. Returns 0, -EINVAL for NULL or
 * values out of range, -ENOTSUP for codecs with a fixed rate (G.711). */
int sotto_codec_set_rate(sotto_codec *c, int bitrate, int expected_loss_pct);

/* Makes a running encoder keep to its bit rate in every packet (on = 1:
 * what a rate-limited link needs) or vary it with the signal (on = 0).
 * Returns 0, -EINVAL, -ENOTSUP for codecs without the choice. */
int sotto_codec_set_constant_rate(sotto_codec *c, int on);

/* Samples (at desc->sample_rate) one RTP payload of desc's codec holds,
 * judged without decoding: several frames for an Opus packet of up to
 * 120 ms. Returns the count, -EINVAL for bad arguments, -EBADMSG for a
 * payload the codec cannot parse, -ENOTSUP for codecs without the hook. */
int sotto_codec_packet_samples(const sotto_codec_desc *desc, const uint8_t *payload, size_t len);

/* Writes the SDP a=fmtp parameter string for desc with params p (NULL =
 * defaults) into buf, e.g. "minptime=10;useinbandfec=1" for Opus and ""
 * for G.711. Returns 0, -EINVAL, or -ENOSPC when buflen is too small (buf
 * is then left untouched). */
int sotto_codec_fmtp(const sotto_codec_desc *desc, const sotto_codec_params *p, char *buf,
                     size_t buflen);

#endif
