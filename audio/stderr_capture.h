/* Catches what third-party audio libraries print on stderr. ALSA and JACK,
 * loaded by PortAudio, report every probe that fails (no card, no JACK
 * server) there; PortAudio's own error codes already say what matters, so
 * the text is passed line by line to a callback (the daemon logs it at
 * debug level) instead of reaching the user's terminal or journal. */
#ifndef SOTTO_AUDIO_STDERR_CAPTURE_H
#define SOTTO_AUDIO_STDERR_CAPTURE_H

#include "audio/audio.h"

typedef struct sotto_stderr_capture {
    int saved_fd;   /* the real stderr while capturing; -1: not capturing */
    int capture_fd; /* memory file receiving fd 2; -1: none */
} sotto_stderr_capture;

/* Points fd 2 at a memory file. On any failure stderr stays as it was
 * (the noise then shows, nothing else is lost). Loop thread only. */
void sotto__stderr_capture_begin(sotto_stderr_capture *c);

/* Restores fd 2 and hands each non-empty captured line to cb (NULL: drop). */
void sotto__stderr_capture_end(sotto_stderr_capture *c, sotto_audio_library_line_cb cb,
                               void *opaque);

#endif
