/* The echo path: a ring of what was played and three taps on it. Capture
 * and playback advance together (the WAV backend delivers one capture
 * frame, then writes one playback frame per period), so played sample t
 * and captured sample t are the same instant. */
#include "audio/echo_path.h"

#include <errno.h>
#include <stdlib.h>

/* Reflections: extra delay in ms and gain relative to the direct path. */
static const struct {
    int ms;
    double gain;
} taps[] = { { 0, 1.0 }, { 7, 0.5 }, { 19, 0.25 } };

#define TAPS (sizeof(taps) / sizeof(taps[0]))

struct sotto__echo_path {
    int16_t *line; /* played samples, ring of len */
    size_t len;
    uint64_t played;    /* samples recorded */
    uint64_t captured;  /* samples mixed */
    size_t delay[TAPS]; /* samples */
    double gain[TAPS];
};

int sotto__echo_path_create(sotto__echo_path **out, size_t delay, double gain, size_t frame,
                            int rate)
{
    sotto__echo_path *p;

    if (!out || delay == 0 || delay > 1u << 20 || !(gain >= 0 && gain <= 1) || rate <= 0)
        return -EINVAL;
    p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    for (size_t i = 0; i < TAPS; i++) {
        p->delay[i] = delay + (size_t)taps[i].ms * (size_t)rate / 1000;
        p->gain[i] = gain * taps[i].gain;
    }
    p->len = p->delay[TAPS - 1] + 2 * frame;
    p->line = calloc(p->len, sizeof(int16_t));
    if (!p->line) {
        free(p);
        return -ENOMEM;
    }
    *out = p;
    return 0;
}

void sotto__echo_path_destroy(sotto__echo_path **p)
{
    if (!p || !*p)
        return;
    free((*p)->line);
    free(*p);
    *p = NULL;
}

void sotto__echo_path_mix(sotto__echo_path *p, int16_t *capture, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t t = p->captured + i;
        double v = capture[i];

        for (size_t k = 0; k < TAPS; k++) {
            if (t >= p->delay[k] && t - p->delay[k] < p->played &&
                p->played - (t - p->delay[k]) <= p->len)
                v += p->gain[k] * p->line[(t - p->delay[k]) % p->len];
        }
        capture[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
    }
    p->captured += n;
}

void sotto__echo_path_played(sotto__echo_path *p, const int16_t *played, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p->line[(p->played + i) % p->len] = played[i];
    p->played += n;
}
