/* Sotto capture processing: acoustic echo cancellation against the exact
 * signal played out, noise suppression, automatic gain control and voice
 * activity, on 16-bit mono audio in whole 10 ms blocks.
 *
 * No event loop, no threads, no locks: the owner calls sotto_voice_far with
 * each block it hands to playback and sotto_voice_near with each captured
 * block, both on the same thread (the loop thread in the daemon, a file
 * loop in sotto-audio). The echo path's delay (device buffers plus room) is
 * tracked by the engine; delay_ms is only its starting guess. */
#ifndef SOTTO_VOICE_VOICE_H
#define SOTTO_VOICE_VOICE_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto_voice sotto_voice;

typedef enum sotto_voice_engine {
    SOTTO_VOICE_WEBRTC = 0, /* libwebrtc-audio-processing (AEC, NS, AGC, VAD) */
    SOTTO_VOICE_SPEEX,      /* speexdsp echo canceller + preprocessor */
} sotto_voice_engine;

typedef struct sotto_voice_config {
    sotto_voice_engine engine; /* default webrtc */
    int rate;                  /* Hz: 8000, 16000, 32000 or 48000; default 16000 */
    int echo_cancel;           /* 1 = cancel the echo of what is played; default 1 */
    int echo_suppression;      /* residual echo suppression 0 low, 1 moderate, 2 high;
                                * default 0 (keeps a local talker in double talk) */
    int delay_ms;              /* first guess of the echo delay; default 0 (tracked) */
    int noise_suppression;     /* default 1 */
    int noise_level;           /* 0 low, 1 moderate, 2 high, 3 very high; default 3 */
    int gain_control;          /* automatic gain control; default 1 */
    int gain_target_dbfs;      /* level the AGC aims for, dB below full scale; default 3 */
    int gain_max_db;           /* most gain the AGC adds, dB; default 9 */
    int vad;                   /* voice activity detection; default 1 */
} sotto_voice_config;

typedef struct sotto_voice_stats {
    const char *engine;        /* static string: "webrtc" or "speex" */
    double erle_db;            /* echo return loss enhancement over the last second of
                                * far-end activity (capture in / out); 0 before any */
    int delay_ms;              /* the engine's estimate of the echo delay; -1 unknown */
    double speech_probability; /* of the last block, 0..1 */
    double noise_dbfs;         /* noise floor of the capture, dBFS */
    uint64_t blocks;           /* 10 ms capture blocks processed */
    uint64_t speech_blocks;    /* of which voice activity said speech */
} sotto_voice_stats;

void sotto_voice_config_default(sotto_voice_config *out);

/* Creates a chain. cfg is copied. Returns 0 or a negative errno (-EINVAL
 * for a bad field, -ENOMEM, -EIO when the library refused its settings);
 * *out is written only on success and freed with sotto_voice_destroy. */
int sotto_voice_create(sotto_voice **out, const sotto_voice_config *cfg);

/* Accepts NULL and *v NULL; sets *v to NULL. */
void sotto_voice_destroy(sotto_voice **v);

/* Samples per block: rate / 100. Both calls take whole multiples of it. */
size_t sotto_voice_block_samples(const sotto_voice *v);

/* What was just handed to playback (pcm is not kept). Returns 0 or -EINVAL
 * when samples is not a whole number of blocks. */
int sotto_voice_far(sotto_voice *v, const int16_t *pcm, size_t samples);

/* Processes captured audio in place. *out_speech (may be NULL) receives 1
 * when any of its blocks held speech. Returns 0 or a negative errno; on
 * error pcm holds what was processed so far and the rest unchanged. */
int sotto_voice_near(sotto_voice *v, int16_t *pcm, size_t samples, int *out_speech);

void sotto_voice_get_stats(const sotto_voice *v, sotto_voice_stats *out);

/* "webrtc" / "speex"; parses the same names (returns -EINVAL otherwise). */
const char *sotto_voice_engine_name(sotto_voice_engine e);
int sotto_voice_engine_parse(const char *name, sotto_voice_engine *out);

#endif
