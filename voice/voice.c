/* The capture chain's C side: argument checks, splitting into 10 ms
 * blocks, the engine table, and the figures the engines do not give
 * alike (ERLE over far-end activity, the capture's noise floor). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "voice/delay.h"
#include "voice/engine.h"
#include "voice/voice.h"

/* Blocks of the bulk delay estimate left to the engine's own fine tracking
 * (and its filter's first taps): a reference a little early is harmless,
 * a late one cannot be cancelled. WebRTC's AEC wants about 40 ms of lead
 * (measured: 0-20 ms of lead left 10-15 dB of ERLE, 40-80 ms 45 dB). */
#define DELAY_MARGIN_BLOCKS 5
/* Far-end blocks quieter than this carry no echo worth measuring. */
#define FAR_ACTIVE_DBFS -50.0
/* ERLE averages over about one second of far-end activity. */
#define ERLE_SMOOTH 0.01
/* The noise floor follows a quieter block at once and rises by this much
 * per block (1 dB/s): speech passes over it, a louder fan is caught up. */
#define NOISE_RISE_DB 0.01

static const sotto__voice_engine_ops *const engines[] = {
    [SOTTO_VOICE_WEBRTC] = &sotto__voice_webrtc,
    [SOTTO_VOICE_SPEEX] = &sotto__voice_speex,
};

struct sotto_voice {
    const sotto__voice_engine_ops *ops;
    void *st;
    size_t block;         /* samples per 10 ms */
    int16_t *far_ring;    /* the far end's last SOTTO__DELAY_MAX_BLOCKS + 1 blocks */
    uint64_t far_written; /* blocks written to far_ring */
    uint64_t near_done;   /* near blocks processed */
    int shift_blocks;     /* far-end reference delay applied before the engine */
    int echo_cancel;
    sotto__delay delay;
    double far_dbfs;   /* level of the latest far-end block */
    double power_in;   /* smoothed capture power while the far end is active */
    double power_out;  /* the same after processing */
    int have_erle;     /* 1 once a far-active block was measured */
    double noise_dbfs; /* capture noise floor */
    double speech_probability;
    uint64_t blocks, speech_blocks;
};

void sotto_voice_config_default(sotto_voice_config *out)
{
    memset(out, 0, sizeof(*out));
    out->engine = SOTTO_VOICE_WEBRTC;
    out->rate = 16000;
    out->echo_cancel = 1;
    out->echo_suppression = 0;
    out->noise_suppression = 1;
    out->noise_level = 3;
    out->gain_control = 1;
    out->gain_target_dbfs = 3;
    out->gain_max_db = 9;
    out->vad = 1;
}

static int config_valid(const sotto_voice_config *c)
{
    return (c->engine == SOTTO_VOICE_WEBRTC || c->engine == SOTTO_VOICE_SPEEX) &&
           (c->rate == 8000 || c->rate == 16000 || c->rate == 32000 || c->rate == 48000) &&
           c->echo_suppression >= 0 && c->echo_suppression <= 2 && c->delay_ms >= 0 &&
           c->delay_ms <= 1000 && c->noise_level >= 0 && c->noise_level <= 3 &&
           c->gain_target_dbfs >= 0 && c->gain_target_dbfs <= 31 && c->gain_max_db >= 0 &&
           c->gain_max_db <= 90;
}

int sotto_voice_create(sotto_voice **out, const sotto_voice_config *cfg)
{
    sotto_voice *v;
    int rc;

    if (!out || !cfg || !config_valid(cfg))
        return -EINVAL;
    v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->ops = engines[cfg->engine];
    v->block = (size_t)cfg->rate / 100;
    v->echo_cancel = cfg->echo_cancel;
    v->shift_blocks = cfg->delay_ms / 10;
    v->far_ring = calloc((SOTTO__DELAY_MAX_BLOCKS + 1) * v->block, sizeof(int16_t));
    if (!v->far_ring) {
        free(v);
        return -ENOMEM;
    }
    sotto__delay_init(&v->delay);
    v->far_dbfs = -100.0;
    v->noise_dbfs = 0.0;
    rc = v->ops->create(&v->st, cfg);
    if (rc < 0) {
        free(v->far_ring);
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

void sotto_voice_destroy(sotto_voice **pv)
{
    if (!pv || !*pv)
        return;
    (*pv)->ops->destroy((*pv)->st);
    free((*pv)->far_ring);
    free(*pv);
    *pv = NULL;
}

size_t sotto_voice_block_samples(const sotto_voice *v)
{
    return v ? v->block : 0;
}

static double block_power(const int16_t *pcm, size_t n)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += (double)pcm[i] * pcm[i];
    return sum / (double)n / (32768.0 * 32768.0);
}

static double to_dbfs(double power)
{
    return 10.0 * log10(power + 1e-12);
}

/* The far end is only stored here; each near block first hands the
 * engine the far block shift_blocks before it, so that the engine sees
 * the reference about when its echo arrives. */
int sotto_voice_far(sotto_voice *v, const int16_t *pcm, size_t samples)
{
    const size_t slots = SOTTO__DELAY_MAX_BLOCKS + 1;

    if (!v || (!pcm && samples) || samples % v->block)
        return -EINVAL;
    for (size_t i = 0; i < samples; i += v->block) {
        double p = block_power(pcm + i, v->block);

        memcpy(v->far_ring + (v->far_written % slots) * v->block, pcm + i,
               v->block * sizeof(int16_t));
        v->far_written++;
        if (v->echo_cancel)
            sotto__delay_far(&v->delay, p);
    }
    return 0;
}

static void apply_delay(sotto_voice *v, int blocks)
{
    int shift = blocks > DELAY_MARGIN_BLOCKS ? blocks - DELAY_MARGIN_BLOCKS : 0;

    if (shift == v->shift_blocks)
        return;
    v->shift_blocks = shift;
    v->ops->restart_echo(v->st);
}

/* Feeds the engine the far block that lines up with near block near_done. */
static int feed_far(sotto_voice *v)
{
    const size_t slots = SOTTO__DELAY_MAX_BLOCKS + 1;
    static const int16_t silence[480];
    const int16_t *ref = silence;
    uint64_t want = v->near_done - (uint64_t)v->shift_blocks;

    if (v->near_done >= (uint64_t)v->shift_blocks && want < v->far_written &&
        v->far_written - want <= slots)
        ref = v->far_ring + (want % slots) * v->block;
    v->far_dbfs = to_dbfs(block_power(ref, v->block));
    return v->ops->far(v->st, ref, v->block);
}

static void measure(sotto_voice *v, double in, double out)
{
    double in_db = to_dbfs(in);

    if (in_db < v->noise_dbfs || v->blocks == 0)
        v->noise_dbfs = in_db;
    else
        v->noise_dbfs += NOISE_RISE_DB;
    if (v->far_dbfs < FAR_ACTIVE_DBFS)
        return;
    if (!v->have_erle) {
        v->power_in = in;
        v->power_out = out;
        v->have_erle = 1;
        return;
    }
    v->power_in += ERLE_SMOOTH * (in - v->power_in);
    v->power_out += ERLE_SMOOTH * (out - v->power_out);
}

int sotto_voice_near(sotto_voice *v, int16_t *pcm, size_t samples, int *out_speech)
{
    sotto__voice_block_info info;
    int speech = 0, rc;

    if (!v || (!pcm && samples) || samples % v->block)
        return -EINVAL;
    for (size_t i = 0; i < samples; i += v->block) {
        double in = block_power(pcm + i, v->block);

        memset(&info, 0, sizeof(info));
        if (v->echo_cancel) {
            int est = sotto__delay_near(&v->delay, in);

            if (est >= 0)
                apply_delay(v, est);
            rc = feed_far(v);
            if (rc < 0)
                return rc;
        }
        v->near_done++;
        rc = v->ops->near(v->st, pcm + i, v->block, &info);
        if (rc < 0)
            return rc;
        measure(v, in, block_power(pcm + i, v->block));
        v->blocks++;
        v->speech_blocks += info.speech != 0;
        v->speech_probability = info.speech_probability;
        speech |= info.speech;
    }
    if (out_speech)
        *out_speech = speech;
    return 0;
}

void sotto_voice_get_stats(const sotto_voice *v, sotto_voice_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->delay_ms = -1;
    if (!v)
        return;
    out->engine = v->ops->name;
    out->erle_db = v->have_erle ? to_dbfs(v->power_in) - to_dbfs(v->power_out) : 0.0;
    out->delay_ms = v->delay.blocks >= 0 ? v->delay.blocks * 10 : -1;
    out->speech_probability = v->speech_probability;
    out->noise_dbfs = v->noise_dbfs;
    out->blocks = v->blocks;
    out->speech_blocks = v->speech_blocks;
}

const char *sotto_voice_engine_name(sotto_voice_engine e)
{
    return e == SOTTO_VOICE_SPEEX ? "speex" : "webrtc";
}

int sotto_voice_engine_parse(const char *name, sotto_voice_engine *out)
{
    if (!name || !out)
        return -EINVAL;
    if (strcmp(name, "webrtc") == 0)
        *out = SOTTO_VOICE_WEBRTC;
    else if (strcmp(name, "speex") == 0)
        *out = SOTTO_VOICE_SPEEX;
    else
        return -EINVAL;
    return 0;
}
