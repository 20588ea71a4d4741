/* Packet loss concealment by pitch repetition (see plc.h). */
#include "codec/plc.h"

#include <math.h>
#include <string.h>

#define PLC_CORR_LEN 160   /* samples (20 ms) compared when searching the pitch */
#define PLC_OLA_STEP 32    /* samples (4 ms) of extra recovery cross-fade per 10 ms lost */
#define PLC_OLA_MAX 80     /* samples (10 ms): longest recovery cross-fade */
#define PLC_ERASED_CAP 1000000 /* stops the loss counter from overflowing in long outages */

void sotto__g711_plc_reset(sotto_plc *plc)
{
    memset(plc, 0, sizeof(*plc));
}

int sotto__g711_plc_find_pitch(const int16_t *history)
{
    const int16_t *ref = history + SOTTO_PLC_HISTORY - PLC_CORR_LEN;
    int best_pitch = SOTTO_PLC_PITCH_MIN;
    double best_score = 0.0;

    for (int p = SOTTO_PLC_PITCH_MIN; p <= SOTTO_PLC_PITCH_MAX; p++) {
        const int16_t *lagged = ref - p;
        double corr = 0.0;
        double energy = 0.0;
        for (int i = 0; i < PLC_CORR_LEN; i++) {
            corr += (double)ref[i] * lagged[i];
            energy += (double)lagged[i] * lagged[i];
        }
        if (energy <= 0.0 || corr <= 0.0)
            continue;
        /* Normalised by the lagged energy only: the reference energy is
         * the same for every candidate. Prefer the shortest period unless
         * a longer one is clearly better, so multiples of the true period
         * do not win by rounding. */
        double score = corr / sqrt(energy);
        if (score > best_score * 1.02) {
            best_score = score;
            best_pitch = p;
        }
    }
    return best_pitch;
}

static float plc_gain(int erased)
{
    if (erased < SOTTO_PLC_FULL_LEVEL)
        return 1.0f;
    if (erased >= SOTTO_PLC_FADE_END)
        return 0.0f;
    return 1.0f - (float)(erased - SOTTO_PLC_FULL_LEVEL)
                  / (float)(SOTTO_PLC_FADE_END - SOTTO_PLC_FULL_LEVEL);
}

/* One sample of the repeated segment (the last periods*pitch samples of
 * the frozen history) at the current phase. The segment's last quarter
 * period is blended towards the samples that precede its start, so the
 * jump back to the start is smooth. Then advances the phase. */
static float plc_next_loop_sample(sotto_plc *plc)
{
    int len = plc->periods * plc->pitch;
    int quarter = plc->pitch / 4;
    int start = SOTTO_PLC_HISTORY - len;
    float v = plc->loop[start + plc->phase];

    if (plc->phase >= len - quarter) {
        int j = plc->phase - (len - quarter);
        float w = (float)(j + 1) / (float)(quarter + 1);
        v = (1.0f - w) * v + w * plc->loop[start - quarter + j];
    }
    plc->phase++;
    if (plc->phase == len) {
        plc->phase = 0;
        /* Widen the segment at a wrap so the output continues with the
         * very sample that follows (start moves back one period). */
        if (plc->periods < 3 && plc->erased >= SOTTO_PLC_FULL_LEVEL * plc->periods) {
            plc->periods++;
            plc->phase = plc->pitch;
        }
    }
    return v;
}

static int16_t plc_clamp(float v)
{
    if (v > 32767.0f)
        return 32767;
    if (v < -32768.0f)
        return -32768;
    return (int16_t)lrintf(v);
}

static void plc_push_history(sotto_plc *plc, const int16_t *pcm, size_t samples)
{
    if (samples >= SOTTO_PLC_HISTORY) {
        memcpy(plc->history, pcm + samples - SOTTO_PLC_HISTORY, sizeof(plc->history));
        return;
    }
    size_t keep = SOTTO_PLC_HISTORY - samples;
    memmove(plc->history, plc->history + samples, keep * sizeof(int16_t));
    memcpy(plc->history + keep, pcm, samples * sizeof(int16_t));
}

void sotto__g711_plc_good_frame(sotto_plc *plc, int16_t *pcm, size_t samples)
{
    if (plc->erased > 0) {
        size_t ola = (size_t)(plc->pitch / 4)
                     + (size_t)PLC_OLA_STEP * (size_t)((plc->erased - 1) / SOTTO_PLC_FULL_LEVEL);
        if (ola > PLC_OLA_MAX)
            ola = PLC_OLA_MAX;
        if (ola > samples)
            ola = samples;
        for (size_t i = 0; i < ola; i++) {
            float synth = plc_next_loop_sample(plc) * plc_gain(plc->erased);
            float w = (float)(i + 1) / (float)(ola + 1);
            pcm[i] = plc_clamp(w * (float)pcm[i] + (1.0f - w) * synth);
            if (plc->erased < PLC_ERASED_CAP)
                plc->erased++;
        }
        plc->erased = 0;
    }
    plc_push_history(plc, pcm, samples);
}

void sotto__g711_plc_conceal(sotto_plc *plc, int16_t *out, size_t samples)
{
    if (plc->erased == 0) {
        plc->pitch = sotto__g711_plc_find_pitch(plc->history);
        plc->periods = 1;
        plc->phase = 0;
        for (int i = 0; i < SOTTO_PLC_HISTORY; i++)
            plc->loop[i] = (float)plc->history[i];
    }
    for (size_t i = 0; i < samples; i++) {
        if (plc->erased >= SOTTO_PLC_FADE_END) {
            out[i] = 0;
        } else {
            float v = plc_next_loop_sample(plc) * plc_gain(plc->erased);
            out[i] = plc_clamp(v);
        }
        if (plc->erased < PLC_ERASED_CAP)
            plc->erased++;
    }
    plc_push_history(plc, out, samples);
}
