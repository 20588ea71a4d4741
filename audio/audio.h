/* Sotto audio I/O: one interface over PortAudio, WAV files and a null device.
 *
 * All functions are called on the loop thread that owns the object. Device
 * callbacks (PortAudio's own thread) only touch lock-free rings; frames reach
 * the loop through uv_async and are delivered to on_capture in whole frames
 * of frame_ms at the caller's rate, mono 16-bit. */
#ifndef SOTTO_AUDIO_AUDIO_H
#define SOTTO_AUDIO_AUDIO_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct sotto_audio sotto_audio;

typedef enum sotto_audio_kind {
    SOTTO_AUDIO_KIND_AUTO = 0,  /* portaudio when a default device opens, else null */
    SOTTO_AUDIO_KIND_PORTAUDIO,
    SOTTO_AUDIO_KIND_WAV,
    SOTTO_AUDIO_KIND_NULL,
} sotto_audio_kind;

/* Called on the loop thread with one frame (rate * frame_ms / 1000 samples). */
typedef void (*sotto_audio_capture_cb)(void *opaque, const int16_t *pcm, size_t samples);
/* Called once on the loop thread when a finite input (WAV) has been read to its end. */
typedef void (*sotto_audio_input_end_cb)(void *opaque);
/* One line that ALSA or JACK printed while PortAudio opened or probed
 * devices; called on the loop thread before the function returns. */
typedef void (*sotto_audio_library_line_cb)(void *opaque, const char *line);
/* Called once when sotto_audio_close has released everything. */
typedef void (*sotto_audio_closed_cb)(void *opaque);

typedef struct sotto_audio_params {
    sotto_audio_kind kind;          /* default auto */
    const char *capture_device;     /* name substring or index; NULL/"" = default */
    const char *playback_device;    /* same */
    int device_rate;                /* Hz; 0 = device's native rate (WAV: file's rate) */
    int rate;                       /* Hz at the loop side; default 16000 */
    int frame_ms;                   /* 10, 20 or 40; default 20 */
    int buffer_ms;                  /* ring capacity per direction; default 200 */
    const char *input_file;         /* WAV backend: capture source (NULL = silence) */
    const char *output_file;        /* WAV backend: playback sink (NULL = discard) */
    int output_rate;                /* WAV backend: output file rate; 0 = rate */
    int echo_ms;                    /* WAV backend: played audio comes back into the
                                     * capture after this delay (a speaker-to-microphone
                                     * echo, for tests); 0 = none */
    int echo_gain_db;               /* its level, dB (<= 0); default -6 */
    sotto_audio_capture_cb on_capture;
    sotto_audio_input_end_cb on_input_end;
    sotto_audio_library_line_cb on_library_line; /* NULL: library noise dropped */
    void *opaque;                   /* passed to the callbacks; not owned */
} sotto_audio_params;

typedef struct sotto_audio_stats {
    const char *backend;            /* static string: "portaudio", "wav", "null" */
    int device_rate;                /* Hz actually opened */
    uint64_t frames_captured;       /* frames delivered to on_capture */
    uint64_t frames_played;         /* frames accepted by sotto_audio_play */
    uint64_t capture_overruns;      /* capture samples dropped: loop too slow */
    uint64_t playback_underruns;    /* device wanted samples the loop had not supplied */
    uint64_t playback_overruns;     /* sotto_audio_play calls refused: ring full */
    uint64_t device_xruns;          /* overflow/underflow flags reported by the device */
    uint64_t late_ticks;            /* WAV and null backends: loop ticks that ran a whole
                                     * frame or more after their frame was due */
    uint32_t max_late_ms;           /* WAV and null backends: the latest tick, ms */
} sotto_audio_stats;

typedef struct sotto_audio_device {
    int index;
    char name[128];
    char host_api[64];
    int max_input_channels;
    int max_output_channels;
    double default_rate;
    int is_default_input;
    int is_default_output;
} sotto_audio_device;

void sotto_audio_params_default(sotto_audio_params *out);

/* Opens the backend and starts it. loop is kept (not owned). On failure
 * returns a negative errno, leaves *out NULL and writes a one-line reason
 * into err. Success: *out must be released with sotto_audio_close. */
int sotto_audio_create(sotto_audio **out, uv_loop_t *loop, const sotto_audio_params *params,
                       char *err, size_t errlen);

/* Queues one frame or part of one for playback (loop-side rate, mono).
 * Returns 0, or -EAGAIN when the playback ring is full (counted, dropped). */
int sotto_audio_play(sotto_audio *a, const int16_t *pcm, size_t samples);

void sotto_audio_get_stats(const sotto_audio *a, sotto_audio_stats *out);

/* What is in use and why, for one log line: the PortAudio devices opened,
 * or, for the null backend chosen by auto, why no device opened. Owned by
 * the object, valid until it is closed. */
const char *sotto_audio_description(const sotto_audio *a);

/* Stops the device, finishes output files and frees the object once every
 * libuv handle has closed; done (may be NULL) is then called from the loop.
 * Accepts NULL (done is not called then). */
void sotto_audio_close(sotto_audio *a, sotto_audio_closed_cb done, void *opaque);

/* Lists PortAudio devices into out (up to max); *out_count receives the total.
 * What ALSA/JACK print meanwhile goes to on_line (NULL: dropped).
 * Returns 0 or a negative errno (-EIO when PortAudio cannot initialise). */
int sotto_audio_list_devices(sotto_audio_device *out, size_t max, size_t *out_count,
                             sotto_audio_library_line_cb on_line, void *opaque);

const char *sotto_audio_kind_name(sotto_audio_kind kind);

#endif
