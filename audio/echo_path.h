/* Private to audio/: an emulated speaker-to-microphone path for the WAV
 * backend, so that tests can give a call a laptop's echo: what is played
 * comes back into the capture after a delay, attenuated, with two weaker
 * reflections after it. */
#ifndef SOTTO_AUDIO_ECHO_PATH_H
#define SOTTO_AUDIO_ECHO_PATH_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto__echo_path sotto__echo_path;

/* delay in samples (> 0), gain of the direct path (0..1), rate in Hz. Returns 0,
 * -EINVAL or -ENOMEM; *out written on success only. */
int sotto__echo_path_create(sotto__echo_path **out, size_t delay, double gain, size_t frame,
                            int rate);
void sotto__echo_path_destroy(sotto__echo_path **p);
/* Adds the echo of what was played to n captured samples. */
void sotto__echo_path_mix(sotto__echo_path *p, int16_t *capture, size_t n);
/* Records n samples just played. */
void sotto__echo_path_played(sotto__echo_path *p, const int16_t *played, size_t n);

#endif
