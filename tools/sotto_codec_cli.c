/* sotto-codec: command-line front end of the Sotto speech codec.
 *
 *   sotto-codec encode IN.wav OUT.sot [--bitrate 3200|2000]
 *   sotto-codec decode IN.sot OUT.wav [--loss P] [--burst N] [--seed S]
 *   sotto-codec bench IN.wav
 *
 * Input WAV files of any rate and channel count are downmixed and resampled
 * to 16 kHz mono. The .sot file (codec/BITSTREAM.md) carries enough packets
 * to cover the input plus the codec delay, and decode drops that delay, so
 * its 16 kHz mono 16-bit output lines up sample for sample with the input. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audio/resample.h"
#include "audio/wav.h"
#include "codec/sotto.h"
#include "codec/sotto_file.h"

#define CODEC_RATE 16000
#define CODEC_DELAY sotto_codec_delay_samples() /* input to output, samples */
#define MAX_INPUT_FRAMES (UINT64_C(1) << 31)    /* ~37 h at 16 kHz: refuse more */
#define MAX_SOT_BYTES (UINT64_C(1) << 30)

typedef struct pcm_buf {
    int16_t *data;      /* 16 kHz mono samples, owned */
    size_t len;         /* samples */
} pcm_buf;

static void usage(FILE *to)
{
    fputs("usage: sotto-codec encode IN.wav OUT.sot [--bitrate 3200|2000]\n"
          "       sotto-codec decode IN.sot OUT.wav [--loss P] [--burst N] [--seed S]\n"
          "       sotto-codec bench IN.wav\n"
          "  --loss P   drop packets with average probability P (0..1)\n"
          "  --burst N  each loss event drops N consecutive packets (default 1)\n"
          "  --seed S   loss pattern seed (default 1)\n", to);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
        return -EINVAL;
    *out = v;
    return 0;
}

/* Reads the whole WAV file as mono int16 at its own rate. */
static int read_wav_mono(const char *path, pcm_buf *out, int *out_rate)
{
    char err[256] = "";
    sotto_wav_reader *r = NULL;
    int rc = sotto_wav_reader_open(&r, path, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "sotto-codec: %s: %s\n", path, err[0] ? err : strerror(-rc));
        return rc;
    }
    sotto_wav_info info;
    sotto_wav_reader_get_info(r, &info);
    if (info.frames > MAX_INPUT_FRAMES) {
        fprintf(stderr, "sotto-codec: %s: too long\n", path);
        sotto_wav_reader_close(&r);
        return -EFBIG;
    }
    int16_t *data = malloc(((size_t)info.frames + 1) * sizeof(int16_t));
    size_t len = 0, got = 0;
    rc = data ? 0 : -ENOMEM;
    while (rc == 0 && len < info.frames) {
        rc = sotto_wav_reader_read_mono(r, data + len, (size_t)info.frames - len, &got);
        if (rc == 0 && got == 0)
            break;
        len += got;
    }
    sotto_wav_reader_close(&r);
    if (rc != 0) {
        fprintf(stderr, "sotto-codec: %s: read error\n", path);
        free(data);
        return rc;
    }
    out->data = data;
    out->len = len;
    *out_rate = info.rate;
    return 0;
}

/* Resamples in (rate Hz) to 16 kHz, compensating the filter delay so that
 * output sample t is input time t / 16000 s. Frees in->data on success. */
static int to_codec_rate(pcm_buf *in, int rate)
{
    if (rate == CODEC_RATE)
        return 0;
    sotto_resampler *rs = NULL;
    int rc = sotto_resampler_create(&rs, rate, CODEC_RATE, SOTTO_RESAMPLER_QUALITY);
    if (rc != 0)
        return rc;
    size_t lat = sotto_resampler_input_latency(rs);
    size_t want = (size_t)(((uint64_t)in->len * CODEC_RATE + (uint64_t)rate / 2) / (uint64_t)rate);
    size_t skip = (size_t)(((uint64_t)lat * CODEC_RATE + (uint64_t)rate / 2) / (uint64_t)rate);
    int16_t *src = calloc(in->len + lat, sizeof(int16_t));
    size_t cap = sotto_resampler_output_bound(rs, in->len + lat);
    int16_t *dst = malloc((cap + 1) * sizeof(int16_t));
    if (src == NULL || dst == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    memcpy(src, in->data, in->len * sizeof(int16_t));
    size_t in_count = in->len + lat, out_count = cap;
    rc = sotto_resampler_process(rs, src, &in_count, dst, &out_count);
    if (rc != 0)
        goto done;
    size_t have = out_count > skip ? out_count - skip : 0;
    size_t n = have < want ? have : want;
    memmove(dst, dst + (out_count > skip ? skip : out_count), n * sizeof(int16_t));
    for (size_t i = n; i < want && i < cap; i++)
        dst[i] = 0;
    free(in->data);
    in->data = dst;
    in->len = want < cap ? want : cap;
    dst = NULL;
done:
    free(src);
    free(dst);
    sotto_resampler_destroy(&rs);
    return rc;
}

static int load_input(const char *path, pcm_buf *out)
{
    int rate = 0;
    int rc = read_wav_mono(path, out, &rate);
    if (rc != 0)
        return rc;
    rc = to_codec_rate(out, rate);
    if (rc != 0) {
        fprintf(stderr, "sotto-codec: %s: resampling failed (%s)\n", path, strerror(-rc));
        free(out->data);
        out->data = NULL;
    }
    return rc;
}

/* CPU time of this (only) thread: the cost on one core, unaffected by
 * other processes competing for the machine. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Packets covering pcm plus the codec delay (zeros after the input). The
 * caller frees *out_packets. *out_seconds: time spent in sotto_encode. */
static int encode_all(const pcm_buf *pcm, sotto_mode m, uint8_t **out_packets, size_t *out_n,
                      double *out_seconds)
{
    size_t frame = sotto_mode_frame_samples(m), bytes = sotto_mode_packet_bytes(m);
    size_t n = (pcm->len + CODEC_DELAY + frame - 1) / frame;
    sotto_encoder *enc = NULL;
    int16_t *block = calloc(frame, sizeof(int16_t));
    uint8_t *packets = malloc(n * bytes + 1);
    int rc = block && packets ? sotto_encoder_create(&enc, m) : -ENOMEM;
    double spent = 0.0;
    for (size_t p = 0; rc == 0 && p < n; p++) {
        size_t start = p * frame, avail = start < pcm->len ? pcm->len - start : 0;
        size_t take = avail < frame ? avail : frame;
        memcpy(block, pcm->data + start, take * sizeof(int16_t));
        memset(block + take, 0, (frame - take) * sizeof(int16_t));
        double t0 = now_seconds();
        rc = sotto_encode(enc, block, packets + p * bytes);
        spent += now_seconds() - t0;
    }
    sotto_encoder_destroy(&enc);
    free(block);
    if (rc != 0) {
        free(packets);
        return rc;
    }
    *out_packets = packets;
    *out_n = n;
    *out_seconds = spent;
    return 0;
}

typedef struct loss_model {
    double start_p;     /* probability that a loss event starts at a received packet */
    long burst;         /* packets lost per event */
    uint64_t state;     /* xorshift64 state, never 0 */
    long left;          /* packets still to drop in the current event */
} loss_model;

/* A loss event of burst packets starting with probability q at each
 * received packet loses burst / (burst + (1 - q) / q) of all packets; q is
 * solved so that this equals loss. */
static void loss_init(loss_model *lm, double loss, long burst, uint64_t seed)
{
    lm->burst = burst;
    lm->start_p = loss >= 1.0 ? 1.0 : loss / ((double)burst * (1.0 - loss) + loss);
    lm->state = seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    if (lm->state == 0)
        lm->state = 1;
    lm->left = 0;
}

static int loss_next(loss_model *lm)
{
    if (lm->left > 0) {
        lm->left--;
        return 1;
    }
    lm->state ^= lm->state << 13;
    lm->state ^= lm->state >> 7;
    lm->state ^= lm->state << 17;
    double u = (double)(lm->state >> 11) / 9007199254740992.0;
    if (u < lm->start_p) {
        lm->left = lm->burst - 1;
        return 1;
    }
    return 0;
}

/* Decodes n packets into n * frame samples (*out_pcm, caller frees); lost
 * packets (per lm, NULL for none) are concealed. */
static int decode_all(sotto_mode m, const uint8_t *packets, size_t n, loss_model *lm,
                      int16_t **out_pcm, size_t *out_lost, double *out_seconds)
{
    size_t frame = sotto_mode_frame_samples(m), bytes = sotto_mode_packet_bytes(m);
    int16_t *pcm = malloc((n * frame + 1) * sizeof(int16_t));
    sotto_decoder *dec = NULL;
    int rc = pcm ? sotto_decoder_create(&dec, m) : -ENOMEM;
    size_t lost = 0;
    double spent = 0.0;
    for (size_t p = 0; rc == 0 && p < n; p++) {
        int drop = lm != NULL && loss_next(lm);
        double t0 = now_seconds();
        if (drop)
            rc = sotto_conceal(dec, pcm + p * frame);
        else
            rc = sotto_decode(dec, packets + p * bytes, bytes, pcm + p * frame);
        spent += now_seconds() - t0;
        lost += (size_t)drop;
    }
    sotto_decoder_destroy(&dec);
    if (rc != 0) {
        free(pcm);
        return rc;
    }
    *out_pcm = pcm;
    *out_lost = lost;
    *out_seconds = spent;
    return 0;
}

static int write_sot(const char *path, sotto_mode m, uint64_t samples, const uint8_t *packets,
                     size_t n)
{
    uint8_t hdr[SOTTO_FILE_HEADER_BYTES];
    int rc = sotto_file_write_header(m, samples, hdr);
    if (rc != 0)
        return rc;
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "sotto-codec: %s: %s\n", path, strerror(errno));
        return -errno;
    }
    size_t bytes = sotto_mode_packet_bytes(m);
    int ok = fwrite(hdr, 1, sizeof(hdr), f) == sizeof(hdr) &&
             fwrite(packets, bytes, n, f) == n;
    if (fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "sotto-codec: %s: write error\n", path);
        return -EIO;
    }
    return 0;
}

/* Reads a .sot file: *out_data (caller frees) holds the whole file. */
static int read_sot(const char *path, uint8_t **out_data, sotto_mode *out_mode,
                    uint64_t *out_samples, uint64_t *out_packets)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "sotto-codec: %s: %s\n", path, strerror(errno));
        return -ENOENT;
    }
    uint8_t *data = NULL;
    long size = -1;
    int rc = -EIO;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (uint64_t)size <= MAX_SOT_BYTES && (data = malloc((size_t)size + 1)) != NULL &&
        fread(data, 1, (size_t)size, f) == (size_t)size)
        rc = 0;
    fclose(f);
    if (rc == 0)
        rc = sotto_file_parse_header(data, (size_t)size, out_mode, out_samples);
    if (rc == 0)
        rc = sotto_file_packet_count(*out_mode, *out_samples,
                                     (uint64_t)size - SOTTO_FILE_HEADER_BYTES, out_packets);
    if (rc != 0) {
        fprintf(stderr, "sotto-codec: %s: not a valid .sot file\n", path);
        free(data);
        return rc;
    }
    *out_data = data;
    return 0;
}

static int cmd_encode(int argc, char **argv)
{
    sotto_mode m = SOTTO_MODE_3200;
    for (int i = 2; i < argc; i += 2) {
        long bitrate = 0;
        if (strcmp(argv[i], "--bitrate") != 0 || i + 1 >= argc ||
            parse_long(argv[i + 1], 0, 100000, &bitrate) != 0 ||
            (bitrate != 3200 && bitrate != 2000)) {
            usage(stderr);
            return 2;
        }
        m = bitrate == 3200 ? SOTTO_MODE_3200 : SOTTO_MODE_2000;
    }
    pcm_buf pcm = {0};
    if (load_input(argv[0], &pcm) != 0)
        return 1;
    uint8_t *packets = NULL;
    size_t n = 0;
    double spent = 0.0;
    int rc = encode_all(&pcm, m, &packets, &n, &spent);
    if (rc == 0)
        rc = write_sot(argv[1], m, pcm.len, packets, n);
    else
        fprintf(stderr, "sotto-codec: encoder failed: %s\n", strerror(-rc));
    free(packets);
    free(pcm.data);
    return rc == 0 ? 0 : 1;
}

static int parse_decode_options(int argc, char **argv, double *loss, long *burst, long *seed)
{
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc)
            return -EINVAL;
        int rc;
        if (strcmp(argv[i], "--loss") == 0)
            rc = parse_double(argv[i + 1], 0.0, 1.0, loss);
        else if (strcmp(argv[i], "--burst") == 0)
            rc = parse_long(argv[i + 1], 1, 1000, burst);
        else if (strcmp(argv[i], "--seed") == 0)
            rc = parse_long(argv[i + 1], 0, 0x7FFFFFFFL, seed);
        else
            rc = -EINVAL;
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int write_aligned_wav(const char *path, const int16_t *pcm, size_t have, uint64_t samples)
{
    char err[256] = "";
    sotto_wav_writer *w = NULL;
    int rc = sotto_wav_writer_open(&w, path, CODEC_RATE, 1, err, sizeof(err));
    if (rc != 0) {
        fprintf(stderr, "sotto-codec: %s: %s\n", path, err);
        return rc;
    }
    /* packets cover samples + CODEC_DELAY, so have always suffices */
    size_t n = have > CODEC_DELAY ? have - CODEC_DELAY : 0;
    if ((uint64_t)n > samples)
        n = (size_t)samples;
    rc = sotto_wav_writer_write(w, pcm + CODEC_DELAY, n);
    int rc_close = sotto_wav_writer_close(&w);
    return rc != 0 ? rc : rc_close;
}

static int cmd_decode(int argc, char **argv)
{
    double loss = 0.0;
    long burst = 1, seed = 1;
    if (parse_decode_options(argc, argv, &loss, &burst, &seed) != 0) {
        usage(stderr);
        return 2;
    }
    uint8_t *data = NULL;
    sotto_mode m;
    uint64_t samples = 0, n = 0;
    if (read_sot(argv[0], &data, &m, &samples, &n) != 0)
        return 1;
    loss_model lm;
    loss_init(&lm, loss, burst, (uint64_t)seed);
    int16_t *pcm = NULL;
    size_t lost = 0;
    double spent = 0.0;
    int rc = decode_all(m, data + SOTTO_FILE_HEADER_BYTES, (size_t)n, loss > 0.0 ? &lm : NULL,
                        &pcm, &lost, &spent);
    if (rc == 0)
        rc = write_aligned_wav(argv[1], pcm, (size_t)n * sotto_mode_frame_samples(m), samples);
    if (rc != 0)
        fprintf(stderr, "sotto-codec: decode failed: %s\n", strerror(-rc));
    else if (loss > 0.0)
        fprintf(stderr, "sotto-codec: %zu of %" PRIu64 " packets lost (%.1f %%)\n", lost, n,
                n ? 100.0 * (double)lost / (double)n : 0.0);
    free(pcm);
    free(data);
    return rc == 0 ? 0 : 1;
}

static int cmd_bench(int argc, char **argv)
{
    if (argc != 1) {
        usage(stderr);
        return 2;
    }
    pcm_buf pcm = {0};
    if (load_input(argv[0], &pcm) != 0)
        return 1;
    double audio_s = (double)pcm.len / CODEC_RATE;
    printf("input: %.2f s at 16 kHz\n", audio_s);
    const sotto_mode modes[] = {SOTTO_MODE_3200, SOTTO_MODE_2000};
    int rc = 0;
    for (size_t i = 0; i < 2 && rc == 0 && audio_s > 0.0; i++) {
        sotto_mode m = modes[i];
        uint8_t *packets = NULL;
        int16_t *out = NULL;
        size_t n = 0, lost = 0;
        double enc_s = 0.0, dec_s = 0.0;
        rc = encode_all(&pcm, m, &packets, &n, &enc_s);
        if (rc == 0)
            rc = decode_all(m, packets, n, NULL, &out, &lost, &dec_s);
        if (rc == 0) {
            double coded_s = (double)n * sotto_mode_frame_samples(m) / CODEC_RATE;
            printf("%d bit/s (CPU time, one core): encode RTF %.4f (%.0fx real time, ~%.0f MFLOP/s of audio), "
                   "decode RTF %.4f (%.0fx real time, ~%.0f MFLOP/s of audio)\n",
                   m == SOTTO_MODE_3200 ? 3200 : 2000, enc_s / coded_s, coded_s / enc_s,
                   sotto_encoder_mflop_per_second(m), dec_s / coded_s, coded_s / dec_s,
                   sotto_decoder_mflop_per_second());
        }
        free(packets);
        free(out);
    }
    free(pcm.data);
    if (rc != 0)
        fprintf(stderr, "sotto-codec: bench failed: %s\n", strerror(-rc));
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 2, argv + 2);
    if (argc >= 4 && strcmp(argv[1], "encode") == 0)
        return cmd_encode(argc - 2, argv + 2);
    if (argc >= 4 && strcmp(argv[1], "decode") == 0)
        return cmd_decode(argc - 2, argv + 2);
    usage(stderr);
    return 2;
}
