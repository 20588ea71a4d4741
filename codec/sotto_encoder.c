/* Sotto encoder: feature analysis, quantisation and packing per packet.
 *
 * The envelope window of the last subframe reaches 80 samples (5 ms) past
 * the packet end, so the encoder analyses its input delayed by 80 samples:
 * packet k describes input samples [P k - 80, P k + P - 80) (P = packet
 * samples). This is the 5 ms look-ahead of the algorithmic delay. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec/sotto.h"
#include "codec/sotto_features.h"
#include "codec/sotto_quant.h"
#include "codec/sotto_weights.h"

#define HISTORY SOTTO_FEAT_LAG_MAX /* past samples YIN reads */
#define MAX_FRAME (SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_SUB)
#define BUF_LEN (HISTORY + MAX_FRAME + SOTTO_FEAT_LOOKAHEAD)

struct sotto_encoder {
    sotto_mode mode;          /* bit rate mode of the next packet */
    size_t frame;             /* input samples per packet: 320 or 640 */
    size_t last_frame;        /* samples of the packet before: buf shifts by it */
    sotto_weights *weights;   /* the embedded blob's "quant." tensors */
    sotto_codebooks books;    /* borrowed from weights */
    sotto_vq_norms norms[2];  /* codeword norms of each mode's stages */
    sotto_features *features; /* analyser and pitch tracker */
    sotto_pred_state pred;    /* inter-packet shape prediction, as the decoder's */
    /* delayed signal y[t] = x[t - 80] for t in [P k - 256, P k + P + 80):
     * history, the packet, then the look-ahead; zero at reset */
    float buf[BUF_LEN];
};

int sotto_encoder_create(sotto_encoder **out, sotto_mode mode)
{
    if (out == NULL || sotto__mode_layout(mode) == NULL)
        return -EINVAL;
    sotto_encoder *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return -ENOMEM;
    e->mode = mode;
    e->frame = sotto_mode_frame_samples(mode);
    e->last_frame = e->frame;
    const uint8_t *blob;
    size_t len;
    static const char *const prefixes[] = { "quant.", NULL };
    sotto_weights_embedded(&blob, &len);
    int rc = sotto_weights_parse(&e->weights, blob, len, prefixes, NULL, 0);
    if (rc == 0)
        rc = sotto__codebooks_from_weights(&e->books, e->weights, NULL, 0) ? -EINVAL : 0;
    if (rc == 0)
        rc = sotto__vq_norms_init(&e->norms[SOTTO_MODE_3200], &e->books, SOTTO_MODE_3200);
    if (rc == 0)
        rc = sotto__vq_norms_init(&e->norms[SOTTO_MODE_2000], &e->books, SOTTO_MODE_2000);
    if (rc == 0)
        rc = sotto__features_create(&e->features);
    if (rc == 0)
        sotto__pred_reset(&e->books, mode, &e->pred);
    if (rc != 0)
        goto fail;
    *out = e;
    return 0;
fail:
    sotto_encoder_destroy(&e);
    return rc;
}

void sotto_encoder_destroy(sotto_encoder **e)
{
    if (e == NULL || *e == NULL)
        return;
    sotto__features_destroy(&(*e)->features);
    sotto_weights_destroy(&(*e)->weights);
    free(*e);
    *e = NULL;
}

int sotto_encoder_reset(sotto_encoder *e)
{
    if (e == NULL)
        return -EINVAL;
    memset(e->buf, 0, sizeof(e->buf));
    e->last_frame = e->frame;
    sotto__features_reset(e->features);
    sotto__pred_reset(&e->books, e->mode, &e->pred);
    return 0;
}

int sotto_encoder_restart_prediction(sotto_encoder *e)
{
    if (e == NULL)
        return -EINVAL;
    sotto__pred_reset(&e->books, e->mode, &e->pred);
    return 0;
}

int sotto_encoder_set_mode(sotto_encoder *e, sotto_mode mode)
{
    if (e == NULL || sotto__mode_layout(mode) == NULL)
        return -EINVAL;
    if (mode == e->mode)
        return 0;
    e->mode = mode;
    e->frame = sotto_mode_frame_samples(mode);
    sotto__pred_reset(&e->books, mode, &e->pred);
    return 0;
}

sotto_mode sotto_encoder_get_mode(const sotto_encoder *e)
{
    return e ? e->mode : SOTTO_MODE_3200;
}

int sotto_encode(sotto_encoder *e, const int16_t *pcm, uint8_t *out)
{
    if (e == NULL || pcm == NULL || out == NULL)
        return -EINVAL;
    /* Keep the history and look-ahead the last packet left (its end moved
     * by its own length, which differs from this one's after a switch). */
    size_t used = HISTORY + e->frame + SOTTO_FEAT_LOOKAHEAD;
    memmove(e->buf, e->buf + e->last_frame, (HISTORY + SOTTO_FEAT_LOOKAHEAD) * sizeof(float));
    e->last_frame = e->frame;
    float *in = e->buf + used - e->frame;
    for (size_t i = 0; i < e->frame; i++)
        in[i] = pcm[i] / 32768.0f;
    /* packet start in buf: y[P k] */
    const float *pkt = e->buf + HISTORY;
    int n_sub = (int)(e->frame / SOTTO_FEAT_SUB), n_blocks = n_sub / 2;
    float bands[SOTTO_MAX_SUBFRAMES * SOTTO_NBANDS];
    float lag[SOTTO_MAX_SUBFRAMES / 2], voicing[SOTTO_MAX_SUBFRAMES / 2];
    for (int s = 0; s < n_sub; s++)
        sotto__features_bands(e->features, pkt + s * SOTTO_FEAT_SUB - SOTTO_FEAT_LOOKAHEAD,
                              bands + s * SOTTO_NBANDS);
    for (int b = 0; b < n_blocks; b++)
        sotto__features_pitch(e->features, pkt + b * SOTTO_FEAT_PKT, &lag[b], &voicing[b]);
    uint16_t idx[SOTTO_MAX_FIELDS];
    int rc =
        sotto__quantise(&e->books, &e->norms[e->mode], e->mode, bands, lag, voicing, &e->pred, idx);
    if (rc == 0)
        rc = sotto__pack(e->mode, idx, out);
    return rc;
}
