/* Sotto codec quantiser and bitstream (private): scalar quantisers, the
 * M-best multi-stage VQ search, bit packing and dequantisation, a port of
 * scripts/train/quantise.py. The bitstream is described in codec/BITSTREAM.md.
 *
 * FOR THE DECODER / WEIGHTS LOADER: the codebooks live in the weights blob.
 * Fill a sotto_codebooks with sotto__codebooks_bind, giving it a lookup
 * callback over the blob: it is called once per tensor with the name (for
 * example "quant.n64_stage0") and the exact shape expected (the same
 * arguments as sotto_weights_get, which can serve as the callback through
 * sotto__codebooks_from_weights); return a pointer to that tensor's data,
 * or NULL when the name is missing or its shape differs. The struct only borrows the
 * pointers: the blob must outlive it. Names and sizes, per mode prefix
 * "n64" (SOTTO_MODE_3200) and "l80" (SOTTO_MODE_2000):
 *   quant.<m>_stage<i>  [2^bits_i, 64]  MSVQ stage i (bits from the tables in
 *                                        sotto_quant.c: 10,10,10,10,9 and
 *                                        10,10,10,10,10,9)
 *   quant.<m>_gain      [64]     quant.<m>_voicing [4]
 *   quant.l80_dgain     [8]      quant.l80_dpitch  [8]
 *   quant.<m>_pred_mean [64]     quant.<m>_pred_coef [64]   optional: both
 *                                present make the mode predictive (v2)
 *
 * sotto_mode_frame_samples and sotto_mode_packet_bytes (declared in
 * codec/sotto.h) are implemented in sotto_quant.c. */
#ifndef SOTTO_CODEC_SOTTO_QUANT_H
#define SOTTO_CODEC_SOTTO_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "codec/sotto.h"

#define SOTTO_NBANDS 32                 /* mel bands per subframe */
#define SOTTO_SHAPE_DIM 64              /* MSVQ vector: 2 x 32 bands */
#define SOTTO_MAX_STAGES 6              /* MSVQ stages, most of any mode */
#define SOTTO_MAX_FIELDS 11             /* indices per packet, most of any mode */
#define SOTTO_MAX_SUBFRAMES 4           /* 10 ms subframes per packet, most of any mode */
#define SOTTO_MAX_PACKET_BYTES 10
#define SOTTO_LAG_MIN 32.0f             /* samples at 16 kHz (500 Hz) */
#define SOTTO_LAG_MAX 256.0f            /* samples (62.5 Hz) */

/* One subframe of dequantised features in out_features of sotto__dequantise:
 * SOTTO_FEAT_DIM floats, bands first. */
#define SOTTO_FEAT_LAG SOTTO_NBANDS             /* pitch lag, samples (f0 = 16000 / lag) */
#define SOTTO_FEAT_VOICING (SOTTO_NBANDS + 1)   /* voicing, 0..1 */
#define SOTTO_FEAT_DIM (SOTTO_NBANDS + 2)

/* Codebooks of one mode; all pointers borrowed (see the top comment). */
typedef struct sotto_mode_books {
    const float *stage[SOTTO_MAX_STAGES]; /* [2^bits][64] dB; unused stages NULL */
    const float *gain;                    /* [64] packet mean dB levels, ascending */
    const float *voicing;                 /* [4] voicing levels, ascending */
    const float *dgain;                   /* [8] second-half gain delta dB (l80 only, else NULL) */
    const float *dpitch;                  /* [8] second-half log-lag delta (l80 only, else NULL) */
    const float *pred_mean;               /* [64] predictor mean shape, or NULL: no prediction */
    const float *pred_coef;               /* [64] predictor coefficients (NULL with pred_mean) */
} sotto_mode_books;

/* Inter-packet prediction state of one stream, encoder or decoder: the
 * previous packet's decoded mean-removed shape. Each shape value of a packet
 * is predicted as mean[d] + coef[d] * (prev[32 + d % 32] - mean[32 + d % 32])
 * and only the residual is vector-quantised (codec/BITSTREAM.md). A stream
 * starts from prev = mean (sotto__pred_reset). */
typedef struct sotto_pred_state {
    float prev[SOTTO_SHAPE_DIM];
} sotto_pred_state;

typedef struct sotto_codebooks {
    sotto_mode_books mode[2];             /* indexed by sotto_mode */
} sotto_codebooks;

/* Layout of one mode's packet, fields in packing order (MSB first):
 * pitch, [dpitch], voicing, gain, [dgain], shape stage 0..n-1. */
typedef struct sotto_mode_layout {
    int n_fields;                         /* indices per packet: 8 or 11 */
    int bits[SOTTO_MAX_FIELDS];           /* width of each field */
    int n_stages;                         /* MSVQ stages: 5 or 6 */
    int first_stage;                      /* field index of shape stage 0 */
    int n_sub;                            /* 10 ms subframes per packet: 2 or 4 */
    int total_bits;                       /* 64 or 80 */
} sotto_mode_layout;

/* Field positions inside an index array (packing order). */
enum {
    SOTTO_F_PITCH = 0,
    SOTTO_F64_VOICING = 1, SOTTO_F64_GAIN = 2,
    SOTTO_F80_DPITCH = 1, SOTTO_F80_VOICING = 2, SOTTO_F80_GAIN = 3, SOTTO_F80_DGAIN = 4
};

typedef const float *(*sotto_tensor_lookup)(const void *ctx, const char *name, int ndim,
                                            const uint32_t *dims);
struct sotto_weights;

/* Static layout of mode m (never freed), or NULL for an unknown mode. */
const sotto_mode_layout *sotto__mode_layout(sotto_mode m);

/* Fills *out_books from lookup (see the top comment). Returns 0, -EINVAL on
 * NULL arguments, or -ENOENT when a tensor is missing or has the wrong size
 * (its name then goes to err, when err is not NULL). */
int sotto__codebooks_bind(sotto_codebooks *out_books, sotto_tensor_lookup lookup, const void *ctx,
                          char *err, size_t errlen);

/* sotto__codebooks_bind over a parsed weights blob (codec/sotto_weights.h);
 * the codebooks borrow w's tensors, so w must outlive them. Same returns. */
int sotto__codebooks_from_weights(sotto_codebooks *out_books, const struct sotto_weights *w,
                                  char *err, size_t errlen);

/* 1 when mode m of cb codes the shape predictively, else 0. */
int sotto__mode_predictive(const sotto_codebooks *cb, sotto_mode m);

/* Starts a stream: prev = the predictor mean (zero for a mode without
 * prediction). Does nothing on NULL or an unknown mode. */
void sotto__pred_reset(const sotto_codebooks *cb, sotto_mode m, sotto_pred_state *st);

/* After a concealed packet: the decoder predicts the next packet from the
 * shape of the features it played (n_sub x SOTTO_FEAT_DIM floats, as
 * sotto__dequantise writes them), so encoder and decoder drift apart only by
 * the concealment's error, which then decays by coef per packet. */
void sotto__pred_conceal(const sotto_codebooks *cb, sotto_mode m, sotto_pred_state *st,
                         const float *features);

/* Packs out_indices-style values into sotto_mode_packet_bytes(m) bytes at
 * out. Returns 0, or -EINVAL for NULL, an unknown mode or an index that does
 * not fit its field. */
int sotto__pack(sotto_mode m, const uint16_t *indices, uint8_t *out);

/* Unpacks a packet. len must equal sotto_mode_packet_bytes(m); every bit
 * pattern is a valid packet. Writes sotto__mode_layout(m)->n_fields indices.
 * Returns 0 or -EINVAL (NULL, unknown mode, wrong length). */
int sotto__unpack(sotto_mode m, const uint8_t *pkt, size_t len, uint16_t *out_indices);

/* Dequantises one packet's indices (as sotto__unpack writes them) into
 * n_sub x SOTTO_FEAT_DIM floats: per subframe the 32 band dB, the pitch lag
 * in samples and the voicing, exactly as quantise.py Quantiser.decode
 * (l80: each 20 ms half's envelope repeated over its two subframes, lag
 * clipped to 32..256). Indices are masked to their field width, so any
 * input is safe. pred: the stream's prediction state, advanced past this
 * packet (may be NULL only for a mode without prediction). Does nothing
 * when another argument is NULL or the mode unknown. */
void sotto__dequantise(const sotto_codebooks *cb, sotto_mode m, const uint16_t *idx,
                       sotto_pred_state *pred, float *out_features);

/* Squared norms of one mode's MSVQ codewords, precomputed so the search
 * costs one dot product per codeword. */
typedef struct sotto_vq_norms {
    float norm[SOTTO_MAX_STAGES][1 << 10];  /* |codeword|^2, dB^2; stage sizes up to 2^10 */
} sotto_vq_norms;

/* Fills *out_norms for mode m from cb. Returns 0 or -EINVAL (NULL, unknown
 * mode, codebooks not bound). */
int sotto__vq_norms_init(sotto_vq_norms *out_norms, const sotto_codebooks *cb, sotto_mode m);

/* Quantises one packet's features: bands [n_sub][32] dB, lag [n_sub / 2]
 * samples and voicing [n_sub / 2] (one per 20 ms, as features.py gives
 * them); norms from sotto__vq_norms_init for the same cb and m; pred: the
 * stream's prediction state, advanced past this packet exactly as the
 * decoder's will be (NULL only for a mode without prediction). Writes
 * n_fields indices to out_indices. Returns 0 or -EINVAL. */
int sotto__quantise(const sotto_codebooks *cb, const sotto_vq_norms *norms, sotto_mode m,
                    const float *bands, const float *lag, const float *voicing,
                    sotto_pred_state *pred, uint16_t *out_indices);

/* .sot files (codec/BITSTREAM.md): a 16-byte header, then packets back to
 * back. Header: "SOT2" (bitstream version 2), u8 mode, 3 zero bytes, u64 little-endian count of
 * 16 kHz samples the packets describe. */
#define SOTTO_SOT_HEADER_BYTES 16
#define SOTTO_SOT_MAX_SAMPLES (UINT64_C(1) << 40)   /* ~2 years of audio: more is corrupt */

/* Writes the header for mode m and samples into out (SOTTO_SOT_HEADER_BYTES).
 * Returns 0 or -EINVAL (NULL, unknown mode, samples over the limit). */
int sotto__sot_write_header(sotto_mode m, uint64_t samples, uint8_t *out);

/* Parses a header from buf[0..len). On success fills *out_mode and
 * *out_samples and returns 0; -EINVAL when len is short, the magic, mode or
 * reserved bytes are wrong, or the sample count is over the limit. */
int sotto__sot_parse_header(const uint8_t *buf, size_t len, sotto_mode *out_mode,
                            uint64_t *out_samples);

/* Number of packets in a payload of payload_len bytes following a header
 * for mode m and samples: 0 and *out_packets set when the payload is whole
 * packets covering at least samples; -EINVAL otherwise. */
int sotto__sot_packet_count(sotto_mode m, uint64_t samples, uint64_t payload_len,
                            uint64_t *out_packets);

#endif
