/* Private to codec/ (and its tests): packet loss concealment for 8 kHz
 * waveform codecs, after ITU-T G.711 Appendix I.
 *
 * A lost frame is filled by repeating the last pitch period of the output
 * history (one period for the first 10 ms, then two, then three, to avoid a
 * buzzy tone), at full level for 10 ms and then fading linearly to silence
 * at 60 ms. The first good frame after a loss is cross-faded from the
 * synthetic signal. Unlike Appendix I there is no 3.75 ms output delay, so
 * the joint at the start of a loss is not smoothed. */
#ifndef SOTTO_CODEC_PLC_H
#define SOTTO_CODEC_PLC_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_PLC_RATE 8000          /* Hz: the only rate this concealment runs at */
#define SOTTO_PLC_PITCH_MIN 40       /* samples: 200 Hz */
#define SOTTO_PLC_PITCH_MAX 120      /* samples: 66.7 Hz */
#define SOTTO_PLC_HISTORY 390        /* samples: 3 longest periods + a quarter period */
#define SOTTO_PLC_FULL_LEVEL 80      /* samples (10 ms) repeated at full level */
#define SOTTO_PLC_FADE_END 480       /* samples (60 ms) after which the output is silence */

typedef struct sotto_plc {
    int16_t history[SOTTO_PLC_HISTORY]; /* last output samples, oldest first; zeros at start */
    float loop[SOTTO_PLC_HISTORY];      /* history frozen when the loss began */
    int pitch;                          /* samples per period found at loss start; 0 before */
    int periods;                        /* 1..3 periods being repeated */
    int phase;                          /* samples into the repeated segment */
    int erased;                         /* samples concealed in this loss; 0 = no loss */
} sotto_plc;

/* Clears the history: the stream starts from silence. */
void sotto__g711_plc_reset(sotto_plc *plc);

/* Takes one decoded frame (in place): cross-fades its start when it ends a
 * loss, then records it as history. */
void sotto__g711_plc_good_frame(sotto_plc *plc, int16_t *pcm, size_t samples);

/* Writes samples of concealment into out and records them as history. */
void sotto__g711_plc_conceal(sotto_plc *plc, int16_t *out, size_t samples);

/* The pitch period (samples, PITCH_MIN..PITCH_MAX) that best explains the
 * end of history, by normalised cross-correlation. */
int sotto__g711_plc_find_pitch(const int16_t *history);

#endif
