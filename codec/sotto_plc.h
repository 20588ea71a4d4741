/* Sotto packet-loss concealment (private to codec/): a GRU that predicts the next
 * 20 ms packet's features from the previous ones, and the fade to comfort noise on
 * long gaps.  Port of model.py PLC. */
#ifndef SOTTO_CODEC_SOTTO_PLC_H
#define SOTTO_CODEC_SOTTO_PLC_H

#include "codec/nnet.h"
#include "codec/sotto_quant.h"
#include "codec/sotto_weights.h"

#define SOTTO_PLC_DIM (2 * SOTTO_NBANDS + 2) /* normalised packet features */
#define SOTTO_PLC_HIDDEN 192                 /* GRU state */
#define SOTTO_PLC_PREDICT_SUB 6   /* subframes (60 ms) concealed from predictions */
#define SOTTO_PLC_FADE_DB 3.0f    /* attenuation per subframe after that, dB */
#define SOTTO_PLC_FLOOR_DB 40.0f  /* comfort noise level under the last speech, dB */

typedef struct {
    sotto_dense inp;                   /* 66 -> 192, tanh */
    sotto_gru gru;                     /* 192 -> 192 */
    sotto_dense out;                   /* 192 -> 66, residual */
} sotto_plc_net;

typedef struct {
    float h[SOTTO_PLC_HIDDEN];         /* GRU state, zero at start */
    float next[SOTTO_PLC_DIM];         /* prediction of the next packet */
    int have_next;                     /* 0 until a packet was seen */
    int lost_sub;                      /* subframes concealed in the current gap */
    float last[2 * SOTTO_FEAT_DIM];    /* features of the last packet (decoded or concealed) */
} sotto_plc_state;

/* Binds the PLC tensors of w (borrowed; w must outlive net).  Returns 0 or -EINVAL
 * when a tensor is missing or has the wrong shape (its name goes to err). */
int sotto_plc_bind(sotto_plc_net *net, const sotto_weights *w, char *err, size_t err_len);

void sotto_plc_reset(sotto_plc_state *s);

/* Feeds one received 20 ms packet (two subframes of SOTTO_FEAT_DIM features) and
 * ends any gap. */
void sotto_plc_update(const sotto_plc_net *net, const sotto_nnet_kernels *k,
                      sotto_plc_state *s, const float *feat2);

/* Writes two subframes of features for one lost 20 ms packet (prediction, then fade)
 * to out_feat2 and advances the predictor on its own output. */
void sotto_plc_conceal(const sotto_plc_net *net, const sotto_nnet_kernels *k,
                       sotto_plc_state *s, float *out_feat2);

#endif
