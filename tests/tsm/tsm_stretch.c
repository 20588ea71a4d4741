/* Drives audio/tsm.h as a jitter buffer would, to measure what time-scale
 * modification costs speech (tests/integration/test_tsm_quality.py):
 *
 *     tsm-stretch PERCENT EVENTS < in.raw > out.raw
 *
 * reads 16 kHz mono s16le speech in 20 ms frames and writes it sped up
 * (PERCENT > 0: one compress, two frames into one period, per 100/PERCENT
 * frames) or slowed down (PERCENT < 0: one expand per 100/-PERCENT frames),
 * |PERCENT| 1..50. EVENTS gets the output sample at which each compress or
 * expand period begins, one a line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/tsm.h"

#define RATE 16000
#define FRAME 320 /* 20 ms */

static int parse_percent(const char *s, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || !end || *end || v == 0 || v < -50 || v > 50)
        return -1;
    *out = v;
    return 0;
}

/* Reads the whole of stdin as samples; *n gets their count. */
static int16_t *read_all(size_t *n)
{
    size_t cap = 1 << 16, len = 0, got;
    int16_t *buf = malloc(cap * sizeof(int16_t)), *grown;

    while (buf && (got = fread(buf + len, sizeof(int16_t), cap - len, stdin)) > 0) {
        len += got;
        if (len == cap) {
            grown = realloc(buf, 2 * cap * sizeof(int16_t));
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    *n = len;
    return buf;
}

int main(int argc, char **argv)
{
    sotto_tsm *tsm = NULL;
    int16_t out[FRAME], *in;
    size_t n, f = 0, frames, since = 0, produced = 0, every;
    long percent;
    FILE *events;
    int rc = 0;

    if (argc != 3 || parse_percent(argv[1], &percent) < 0) {
        fputs("usage: tsm-stretch PERCENT EVENTS < in.raw > out.raw (PERCENT -50..50, not 0)\n",
              stderr);
        return 2;
    }
    every = (size_t)(100 / (percent > 0 ? percent : -percent));
    in = read_all(&n);
    if (!in || sotto_tsm_create(&tsm, RATE, FRAME) < 0) {
        fputs("tsm-stretch: out of memory\n", stderr);
        return 1;
    }
    events = fopen(argv[2], "w");
    if (!events) {
        perror(argv[2]);
        return 1;
    }
    frames = n / FRAME;
    while (f < frames && rc == 0) {
        int event = ++since >= every;

        if (event && percent > 0 && f + 1 < frames) {
            fprintf(events, "%zu\n", produced);
            rc = sotto_tsm_compress(tsm, in + f * FRAME, 2 * FRAME, out, FRAME);
            f += 2;
            since = 0;
        } else if (event && percent < 0) {
            fprintf(events, "%zu\n", produced);
            rc = sotto_tsm_expand(tsm, out, FRAME);
            since = 0;
        } else {
            rc = sotto_tsm_play(tsm, in + f * FRAME, FRAME, out, FRAME);
            f++;
        }
        if (rc == 0 && fwrite(out, sizeof(int16_t), FRAME, stdout) != FRAME)
            rc = -EIO;
        produced += FRAME;
    }
    fclose(events);
    sotto_tsm_destroy(&tsm);
    free(in);
    if (rc < 0)
        fprintf(stderr, "tsm-stretch: %s\n", strerror(-rc));
    return rc < 0 ? 1 : 0;
}
