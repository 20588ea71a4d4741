/* Private to voice/: one engine behind a const table, fed 10 ms blocks. */
#ifndef SOTTO_VOICE_ENGINE_H
#define SOTTO_VOICE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "voice/voice.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sotto__voice_block_info {
    int speech;                /* 1 = voice activity in this block */
    double speech_probability; /* 0..1 */
} sotto__voice_block_info;

typedef struct sotto__voice_engine_ops {
    const char *name;
    /* Returns 0 or a negative errno; *out written on success only. */
    int (*create)(void **out, const sotto_voice_config *cfg);
    void (*destroy)(void *st);
    int (*far)(void *st, const int16_t *pcm, size_t n);
    int (*near)(void *st, int16_t *pcm, size_t n, sotto__voice_block_info *out);
    /* The reference's delay changed: the echo canceller restarts from an
     * empty filter, which converges faster than one tracking a jump. */
    void (*restart_echo)(void *st);
} sotto__voice_engine_ops;

extern const sotto__voice_engine_ops sotto__voice_webrtc;
extern const sotto__voice_engine_ops sotto__voice_speex;

#ifdef __cplusplus
}
#endif

#endif
