/* The speexdsp engine: its echo canceller (MDF) with the preprocessor's
 * residual echo suppression, denoiser, AGC and VAD. Kept beside the WebRTC
 * engine so that both run on the same cases (sotto-audio --engine speex);
 * the figures that chose WebRTC are in the README. */
#include <errno.h>
#include <stdlib.h>

#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

#include "voice/engine.h"

/* Filter length: 500 ms covers a 250 ms bulk delay plus the room's tail;
 * MDF has no delay estimator, so the filter must span the whole delay. */
#define TAIL_MS 500

typedef struct speex_state {
    SpeexEchoState *echo; /* NULL when echo cancellation is off */
    SpeexPreprocessState *pre;
    int16_t out[480]; /* one 10 ms block at up to 48 kHz */
    int vad;
} speex_state;

static void sp_destroy(void *st)
{
    speex_state *s = st;

    if (!s)
        return;
    if (s->pre)
        speex_preprocess_state_destroy(s->pre);
    if (s->echo)
        speex_echo_state_destroy(s->echo);
    free(s);
}

static void preprocess_config(speex_state *s, const sotto_voice_config *cfg)
{
    spx_int32_t on = 1, off = 0, v;

    speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_DENOISE, cfg->noise_suppression ? &on : &off);
    v = -15 - 5 * cfg->noise_level;
    speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, &v);
    speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_AGC, cfg->gain_control ? &on : &off);
    v = cfg->gain_max_db;
    speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, &v);
    speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_VAD, cfg->vad ? &on : &off);
    if (s->echo) {
        speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_ECHO_STATE, s->echo);
        v = -20 - 10 * cfg->echo_suppression;
        speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, &v);
    }
}

static int sp_create(void **out, const sotto_voice_config *cfg)
{
    int block = cfg->rate / 100;
    speex_state *s = calloc(1, sizeof(*s));
    spx_int32_t rate = cfg->rate;

    if (!s)
        return -ENOMEM;
    if (cfg->echo_cancel) {
        s->echo = speex_echo_state_init(block, cfg->rate * TAIL_MS / 1000);
        if (!s->echo)
            goto fail;
        speex_echo_ctl(s->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
    }
    s->pre = speex_preprocess_state_init(block, cfg->rate);
    if (!s->pre)
        goto fail;
    s->vad = cfg->vad;
    preprocess_config(s, cfg);
    *out = s;
    return 0;
fail:
    sp_destroy(s);
    return -ENOMEM;
}

static int sp_far(void *st, const int16_t *pcm, size_t n)
{
    speex_state *s = st;

    (void)n;
    if (s->echo)
        speex_echo_playback(s->echo, pcm);
    return 0;
}

static int sp_near(void *st, int16_t *pcm, size_t n, sotto__voice_block_info *out)
{
    speex_state *s = st;
    spx_int32_t prob = 0;
    int speech;

    if (s->echo) {
        speex_echo_capture(s->echo, pcm, s->out);
        for (size_t i = 0; i < n; i++)
            pcm[i] = s->out[i];
    }
    speech = speex_preprocess_run(s->pre, pcm);
    speex_preprocess_ctl(s->pre, SPEEX_PREPROCESS_GET_PROB, &prob);
    out->speech = s->vad ? speech : 0;
    out->speech_probability = prob / 100.0;
    return 0;
}

static void sp_restart_echo(void *st)
{
    speex_state *s = st;

    if (s->echo)
        speex_echo_state_reset(s->echo);
}

const sotto__voice_engine_ops sotto__voice_speex = {
    .name = "speex",
    .create = sp_create,
    .destroy = sp_destroy,
    .far = sp_far,
    .near = sp_near,
    .restart_echo = sp_restart_echo,
};
