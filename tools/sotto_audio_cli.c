/* sotto-audio: runs the capture processing chain (voice/voice.h) on files,
 * for tests and for tuning a room.
 *
 *   sotto-audio process --near NEAR.wav --far FAR.wav --out OUT.wav [options]
 *
 * NEAR is what the microphone picked up (local speech plus the echo of
 * FAR), FAR what was played, sample-aligned in time from the first sample
 * (the echo's delay is the chain's to find). Both are read as mono at
 * NEAR's rate; a shorter FAR is continued with silence. OUT gets the
 * processed capture, as long as NEAR. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/wav.h"
#include "config.h"
#include "voice/voice.h"

#define MAX_INPUT_FRAMES (UINT64_C(1) << 31)

typedef struct options {
    const char *near, *far, *out;
    int json;
    sotto_voice_config cfg;
} options;

typedef struct pcm_buf {
    int16_t *data; /* mono samples, owned */
    size_t len;
    int rate;
} pcm_buf;

static void usage(FILE *to)
{
    fputs("usage: sotto-audio process --near NEAR.wav --far FAR.wav --out OUT.wav [options]\n"
          "  --delay-ms N          first guess of the echo delay (default 0: tracked)\n"
          "  --echo-suppression L  low, moderate or high (default low)\n"
          "  --engine E            webrtc (default) or speex\n"
          "  --gain-max-db N       most gain the AGC adds (default 9)\n"
          "  --gain-target-dbfs N  AGC target, dB below full scale (default 3)\n"
          "  --help                this text\n"
          "  --json                print the figures as one JSON object\n"
          "  --no-aec, --no-agc, --no-ns, --no-vad   turn a stage off\n"
          "  --noise-level L       low, moderate, high or very-high (default very-high)\n"
          "  --version             print the version\n",
          to);
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

static int parse_word(const char *s, const char *const *words, int n, int *out)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(s, words[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    return -EINVAL;
}

static const char *const suppression_words[] = { "low", "moderate", "high" };
static const char *const noise_words[] = { "low", "moderate", "high", "very-high" };

/* One option with a value at argv[*i + 1]; returns 0, or -EINVAL after
 * printing what was wrong. */
static int value_option(options *o, const char *name, const char *v)
{
    sotto_voice_config *c = &o->cfg;
    int rc = -EINVAL;

    if (strcmp(name, "--near") == 0)
        o->near = v, rc = 0;
    else if (strcmp(name, "--far") == 0)
        o->far = v, rc = 0;
    else if (strcmp(name, "--out") == 0)
        o->out = v, rc = 0;
    else if (strcmp(name, "--delay-ms") == 0)
        rc = parse_int(v, 0, 1000, &c->delay_ms);
    else if (strcmp(name, "--echo-suppression") == 0)
        rc = parse_word(v, suppression_words, 3, &c->echo_suppression);
    else if (strcmp(name, "--engine") == 0)
        rc = sotto_voice_engine_parse(v, &c->engine);
    else if (strcmp(name, "--gain-max-db") == 0)
        rc = parse_int(v, 0, 90, &c->gain_max_db);
    else if (strcmp(name, "--gain-target-dbfs") == 0)
        rc = parse_int(v, 0, 31, &c->gain_target_dbfs);
    else if (strcmp(name, "--noise-level") == 0)
        rc = parse_word(v, noise_words, 4, &c->noise_level);
    else {
        fprintf(stderr, "sotto-audio: unknown option %s\n", name);
        return -EINVAL;
    }
    if (rc < 0)
        fprintf(stderr, "sotto-audio: bad value for %s: %s\n", name, v);
    return rc;
}

static int flag_option(options *o, const char *name)
{
    if (strcmp(name, "--json") == 0)
        o->json = 1;
    else if (strcmp(name, "--no-aec") == 0)
        o->cfg.echo_cancel = 0;
    else if (strcmp(name, "--no-agc") == 0)
        o->cfg.gain_control = 0;
    else if (strcmp(name, "--no-ns") == 0)
        o->cfg.noise_suppression = 0;
    else if (strcmp(name, "--no-vad") == 0)
        o->cfg.vad = 0;
    else
        return 1; /* not a flag */
    return 0;
}

/* Returns 0, 1 when --help was printed, or -EINVAL after a message. */
static int parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof(*o));
    sotto_voice_config_default(&o->cfg);
    for (int i = 2; i < argc; i++) {
        int rc = flag_option(o, argv[i]);

        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 1;
        }
        if (rc == 0)
            continue;
        if (i + 1 >= argc) {
            fprintf(stderr, "sotto-audio: %s needs a value\n", argv[i]);
            return -EINVAL;
        }
        if (value_option(o, argv[i], argv[i + 1]) < 0)
            return -EINVAL;
        i++;
    }
    if (!o->near || !o->far || !o->out) {
        fprintf(stderr, "sotto-audio: process needs --near, --far and --out\n");
        return -EINVAL;
    }
    return 0;
}

static int read_wav(const char *path, pcm_buf *out)
{
    sotto_wav_reader *r = NULL;
    sotto_wav_info info;
    char err[256] = "";
    size_t got = 0;
    int rc = sotto_wav_reader_open(&r, path, err, sizeof(err));

    if (rc < 0) {
        fprintf(stderr, "sotto-audio: %s: %s\n", path, err[0] ? err : strerror(-rc));
        return rc;
    }
    sotto_wav_reader_get_info(r, &info);
    if (info.frames > MAX_INPUT_FRAMES) {
        fprintf(stderr, "sotto-audio: %s: too long\n", path);
        sotto_wav_reader_close(&r);
        return -EFBIG;
    }
    out->data = malloc(((size_t)info.frames + 1) * sizeof(int16_t));
    out->len = 0;
    out->rate = info.rate;
    rc = out->data ? 0 : -ENOMEM;
    while (rc == 0 && out->len < info.frames) {
        rc = sotto_wav_reader_read_mono(r, out->data + out->len, (size_t)info.frames - out->len,
                                        &got);
        if (rc == 0 && got == 0)
            break;
        out->len += got;
    }
    sotto_wav_reader_close(&r);
    if (rc < 0) {
        fprintf(stderr, "sotto-audio: %s: read error\n", path);
        free(out->data);
        out->data = NULL;
    }
    return rc;
}

static double cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs the chain block by block: far first (it was played before its echo
 * could reach the microphone), then near. */
static int run_chain(sotto_voice *v, const pcm_buf *near, const pcm_buf *far, int16_t *out,
                     double *out_cpu)
{
    size_t block = sotto_voice_block_samples(v);
    int16_t zeros[480] = { 0 };
    double start = cpu_seconds();
    int rc;

    memcpy(out, near->data, near->len * sizeof(int16_t));
    for (size_t i = 0; i + block <= near->len; i += block) {
        rc = sotto_voice_far(v, i + block <= far->len ? far->data + i : zeros, block);
        if (rc == 0)
            rc = sotto_voice_near(v, out + i, block, NULL);
        if (rc < 0)
            return rc;
    }
    *out_cpu = cpu_seconds() - start;
    return 0;
}

static void report(const options *o, const sotto_voice *v, double seconds, double cpu)
{
    sotto_voice_stats st;
    double speech, per_s = seconds > 0 ? cpu / seconds : 0;

    sotto_voice_get_stats(v, &st);
    speech = st.blocks ? (double)st.speech_blocks / (double)st.blocks : 0;
    if (o->json) {
        printf("{\"engine\": \"%s\", \"seconds\": %.3f, \"erle_db\": %.2f, \"delay_ms\": %d, "
               "\"speech_fraction\": %.4f, \"noise_dbfs\": %.2f, \"cpu_s_per_s\": %.5f, "
               "\"cpu_percent\": %.3f}\n",
               st.engine, seconds, st.erle_db, st.delay_ms, speech, st.noise_dbfs, per_s,
               per_s * 100.0);
        return;
    }
    printf("engine           %s\n", st.engine);
    printf("audio            %.3f s\n", seconds);
    printf("ERLE             %.2f dB (last second of far-end activity)\n", st.erle_db);
    if (st.delay_ms >= 0)
        printf("echo delay       %d ms\n", st.delay_ms);
    else
        printf("echo delay       unknown\n");
    printf("speech fraction  %.4f\n", speech);
    printf("noise floor      %.2f dBFS\n", st.noise_dbfs);
    printf("CPU              %.3f %% of a core (%.5f s per s of audio)\n", per_s * 100.0, per_s);
}

static int process(int argc, char **argv)
{
    pcm_buf near = { 0 }, far = { 0 };
    sotto_wav_writer *w = NULL;
    sotto_voice *v = NULL;
    int16_t *out = NULL;
    char err[256] = "";
    double cpu = 0;
    options o;
    int rc;

    rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    rc = read_wav(o.near, &near);
    if (rc == 0)
        rc = read_wav(o.far, &far);
    if (rc < 0)
        goto done;
    if (far.rate != near.rate) {
        fprintf(stderr, "sotto-audio: %s is %d Hz but %s is %d Hz\n", o.far, far.rate, o.near,
                near.rate);
        rc = -EINVAL;
        goto done;
    }
    o.cfg.rate = near.rate;
    rc = sotto_voice_create(&v, &o.cfg);
    if (rc < 0) {
        fprintf(stderr, "sotto-audio: cannot set up the chain at %d Hz: %s\n", near.rate,
                strerror(-rc));
        goto done;
    }
    out = malloc((near.len + 1) * sizeof(int16_t));
    rc = out ? run_chain(v, &near, &far, out, &cpu) : -ENOMEM;
    if (rc == 0)
        rc = sotto_wav_writer_open(&w, o.out, near.rate, 1, err, sizeof(err));
    if (rc == 0)
        rc = sotto_wav_writer_write(w, out, near.len);
    if (w && sotto_wav_writer_close(&w) < 0 && rc == 0)
        rc = -EIO;
    if (rc < 0)
        fprintf(stderr, "sotto-audio: %s: %s\n", o.out, err[0] ? err : strerror(-rc));
    else
        report(&o, v, (double)near.len / near.rate, cpu);
done:
    sotto_voice_destroy(&v);
    free(near.data);
    free(far.data);
    free(out);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "process") == 0)
        return process(argc, argv);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("sotto-audio %s\n", SOTTO_VERSION);
        return 0;
    }
    usage(stderr);
    return 2;
}
