/* Sotto codec feature analysis (private), a port of scripts/train/features.py:
 * 32 mel band energies per 10 ms subframe and one YIN pitch lag and voicing
 * per 20 ms, at 16 kHz. Tests include this header directly. */
#ifndef SOTTO_CODEC_SOTTO_FEATURES_H
#define SOTTO_CODEC_SOTTO_FEATURES_H

#define SOTTO_FEAT_SR 16000          /* Hz */
#define SOTTO_FEAT_SUB 160           /* subframe hop, samples (10 ms) */
#define SOTTO_FEAT_PKT 320           /* pitch analysis block, samples (20 ms) */
#define SOTTO_FEAT_WIN 320           /* envelope window, samples */
#define SOTTO_FEAT_NFFT 512          /* envelope FFT size */
#define SOTTO_FEAT_NBINS 257         /* NFFT / 2 + 1 */
#define SOTTO_FEAT_BANDS 32
#define SOTTO_FEAT_LAG_MIN 32        /* samples (500 Hz) */
#define SOTTO_FEAT_LAG_MAX 256       /* samples (62.5 Hz) */
#define SOTTO_FEAT_LOOKAHEAD 80      /* envelope samples past the 20 ms block end */

typedef struct sotto_features sotto_features;

/* Creates an analyser (band layout, window, FFT plan and scratch). The
 * caller owns *out and frees it with sotto__features_destroy. Returns 0,
 * -EINVAL or -ENOMEM. */
int sotto__features_create(sotto_features **out);

/* Frees the analyser; accepts NULL and *f == NULL, sets *f to NULL. */
void sotto__features_destroy(sotto_features **f);

/* Forgets the pitch tracker's history (previous lag 100, unvoiced). */
void sotto__features_reset(sotto_features *f);

/* Band energies of one subframe: frame holds the SOTTO_FEAT_WIN samples
 * centred on the subframe (subframe j of a signal y: y[160 j - 80 ..
 * 160 j + 240)), in [-1, 1] full scale. Writes 32 values,
 * 10 log10(band power + 1e-10) dB, to out_bands. Uses the analyser's
 * scratch, so one analyser serves one thread. Does nothing on NULL. */
void sotto__features_bands(sotto_features *f, const float *frame, float *out_bands);

/* Pitch lag (samples, fractional) and voicing (0..1) of one 20 ms block
 * starting at block: block[-256 .. 320) must be readable. Updates the
 * tracker's continuity state. Does nothing on NULL. */
void sotto__features_pitch(sotto_features *f, const float *block, float *out_lag,
                           float *out_voicing);

/* The band weights row of band b (SOTTO_FEAT_NBINS values, unit sum), or
 * NULL when f is NULL or b is out of range; owned by f. */
const float *sotto__features_band_weights(const sotto_features *f, int b);

#endif
