/* Unit tests for codec/: G.711 bit-exactness, concealment, the codec
 * table and the Opus wrapper. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/codec.h"
#include "codec/g711.h"

#define TEST_PI 3.14159265358979323846

static void make_sine(int16_t *out, size_t n, double freq, double rate, double amp, size_t offset)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (int16_t)lrint(amp * sin(2.0 * TEST_PI * freq * (double)(i + offset) / rate));
}

/* A voiced-like 8 kHz signal: 100 Hz fundamental with falling harmonics,
 * so one period is 80 samples. */
static int16_t voiced_sample(size_t i)
{
    double t = (double)i / 8000.0;
    double v = 0.0;
    for (int h = 1; h <= 5; h++)
        v += (6000.0 / h) * sin(2.0 * TEST_PI * 100.0 * h * t + 0.3 * h);
    return (int16_t)lrint(v);
}

static double rms(const int16_t *x, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e += (double)x[i] * x[i];
    return sqrt(e / (double)n);
}

START_TEST(ulaw_known_codes)
{
    const struct { int16_t in; uint8_t code; } enc[] = {
        {0, 0xFF}, {1, 0xFF}, {8, 0xFE}, {100, 0xF2}, {1000, 0xCE}, {5000, 0xAB},
        {12345, 0x97}, {32767, 0x80}, {-1, 0x7F}, {-4, 0x7F}, {-5, 0x7E},
        {-1000, 0x4E}, {-32768, 0x00},
    };
    const struct { uint8_t code; int16_t out; } dec[] = {
        {0xFF, 0}, {0x7F, 0}, {0x00, -32124}, {0x80, 32124}, {0xFE, 8}, {0x7E, -8},
        {0x9F, 8316}, {0x1F, -8316}, {0x40, -1884},
    };
    for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++)
        ck_assert_msg(sotto_g711_ulaw_encode(enc[i].in) == enc[i].code, "ulaw(%d) = 0x%02X",
                      enc[i].in, sotto_g711_ulaw_encode(enc[i].in));
    for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
        ck_assert_int_eq(sotto_g711_ulaw_decode(dec[i].code), dec[i].out);
}
END_TEST

START_TEST(alaw_known_codes)
{
    const struct { int16_t in; uint8_t code; } enc[] = {
        {0, 0xD5}, {1, 0xD5}, {100, 0xD3}, {1000, 0xFA}, {-1000, 0x7A}, {5000, 0x86},
        {-5000, 0x06}, {32767, 0xAA}, {-32768, 0x2A}, {-1, 0x55},
    };
    const struct { uint8_t code; int16_t out; } dec[] = {
        {0xD5, 8}, {0x55, -8}, {0xAA, 32256}, {0x2A, -32256}, {0x80, 5504}, {0x00, -5504},
        {0xC5, 264},
    };
    for (size_t i = 0; i < sizeof(enc) / sizeof(enc[0]); i++)
        ck_assert_msg(sotto_g711_alaw_encode(enc[i].in) == enc[i].code, "alaw(%d) = 0x%02X",
                      enc[i].in, sotto_g711_alaw_encode(enc[i].in));
    for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++)
        ck_assert_int_eq(sotto_g711_alaw_decode(dec[i].code), dec[i].out);
}
END_TEST

START_TEST(ulaw_every_code_round_trips)
{
    for (int c = 0; c < 256; c++) {
        uint8_t again = sotto_g711_ulaw_encode(sotto_g711_ulaw_decode((uint8_t)c));
        /* 0x7F is "negative zero": it decodes to 0, which encodes as 0xFF. */
        ck_assert_uint_eq(again, c == 0x7F ? 0xFF : c);
    }
}
END_TEST

START_TEST(alaw_every_code_round_trips)
{
    for (int c = 0; c < 256; c++)
        ck_assert_uint_eq(sotto_g711_alaw_encode(sotto_g711_alaw_decode((uint8_t)c)), c);
}
END_TEST

/* Over all 65536 inputs: error within half a segment step (about |x|/32
 * plus the smallest step), monotonic, and symmetric between x and -x-1. */
static void check_full_range(uint8_t (*enc)(int16_t), int16_t (*dec)(uint8_t), int peak, int min_err)
{
    int prev = -40000;
    for (int x = -32768; x <= 32767; x++) {
        uint8_t code = enc((int16_t)x);
        int y = dec(code);
        int ax = abs(x);
        if (ax <= peak) {
            int bound = ax / 32 + min_err;
            ck_assert_msg(abs(y - x) <= bound, "x=%d y=%d bound=%d", x, y, bound);
        } else {
            ck_assert_int_eq(abs(y), peak);
        }
        ck_assert_msg(y >= prev, "not monotonic at %d", x);
        prev = y;
        ck_assert_uint_eq((uint8_t)(code ^ enc((int16_t)(-x - 1))), 0x80);
    }
}

START_TEST(ulaw_full_range_error_bound)
{
    check_full_range(sotto_g711_ulaw_encode, sotto_g711_ulaw_decode, 32124, 8);
}
END_TEST

START_TEST(alaw_full_range_error_bound)
{
    check_full_range(sotto_g711_alaw_encode, sotto_g711_alaw_decode, 32256, 16);
}
END_TEST

static void check_sine_snr(const char *name)
{
    enum { N = 8000 };
    static int16_t pcm[N], back[N];
    static uint8_t bytes[N];
    sotto_codec *c = NULL;
    size_t len = 0, got = 0;

    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find(name), NULL), 0);
    make_sine(pcm, N, 440.0, 8000.0, 10000.0, 0);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, N, bytes, sizeof(bytes), &len), 0);
    ck_assert_uint_eq(len, N);
    ck_assert_int_eq(sotto_codec_decode(c, bytes, len, back, N, &got), 0);
    ck_assert_uint_eq(got, N);
    double sig = 0.0, noise = 0.0;
    for (size_t i = 0; i < N; i++) {
        sig += (double)pcm[i] * pcm[i];
        noise += (double)(pcm[i] - back[i]) * (pcm[i] - back[i]);
    }
    double snr = 10.0 * log10(sig / noise);
    ck_assert_msg(snr > 30.0, "%s SNR %.1f dB", name, snr);
    sotto_codec_destroy(&c);
    ck_assert_ptr_null(c);
}

START_TEST(pcmu_sine_snr_above_30db)
{
    check_sine_snr("PCMU");
}
END_TEST

START_TEST(pcma_sine_snr_above_30db)
{
    check_sine_snr("PCMA");
}
END_TEST

/* Feeds 200 ms of the voiced signal through PCMU in 20 ms frames. */
static sotto_codec *pcmu_with_history(size_t *out_pos)
{
    sotto_codec *c = NULL;
    int16_t frame[160], back[160];
    uint8_t bytes[160];
    size_t len, got, pos = 0;

    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("PCMU"), NULL), 0);
    for (int f = 0; f < 10; f++) {
        for (size_t i = 0; i < 160; i++)
            frame[i] = voiced_sample(pos + i);
        ck_assert_int_eq(sotto_codec_encode(c, frame, 160, bytes, sizeof(bytes), &len), 0);
        ck_assert_int_eq(sotto_codec_decode(c, bytes, len, back, 160, &got), 0);
        pos += 160;
    }
    *out_pos = pos;
    return c;
}

START_TEST(g711_conceal_continues_then_fades_to_silence)
{
    size_t pos = 0, got = 0;
    sotto_codec *c = pcmu_with_history(&pos);
    int16_t lost[800];
    int peak = 0;

    for (size_t i = 0; i < 200; i++) {
        int v = abs(voiced_sample(i));
        if (v > peak)
            peak = v;
    }
    /* 100 ms lost, asked for in 10 ms pieces. */
    for (int k = 0; k < 10; k++) {
        ck_assert_int_eq(sotto_codec_conceal(c, lost + 80 * k, 80, &got), 0);
        ck_assert_uint_eq(got, 80);
    }
    /* First 10 ms: a continuation of the periodic signal. */
    double dot = 0.0, e_a = 0.0, e_b = 0.0;
    for (size_t i = 0; i < 80; i++) {
        double truth = voiced_sample(pos + i);
        dot += truth * lost[i];
        e_a += truth * truth;
        e_b += (double)lost[i] * lost[i];
    }
    double corr = dot / sqrt(e_a * e_b);
    ck_assert_msg(corr > 0.9, "continuation correlation %.3f", corr);
    double level0 = rms(lost, 80);
    ck_assert_msg(level0 > 0.7 * sqrt(e_a / 80), "first 10 ms too quiet: %.0f", level0);
    /* Bounded by the history's peak (plus quantisation) and fading. */
    for (size_t i = 0; i < 800; i++)
        ck_assert_int_le(abs(lost[i]), peak + 300);
    double level3 = rms(lost + 240, 80);       /* 30..40 ms: 40..60% level */
    ck_assert_msg(level3 < 0.75 * level0 && level3 > 0.25 * level0, "30 ms level %.0f of %.0f",
                  level3, level0);
    ck_assert_double_lt(rms(lost + 400, 80), 0.25 * level0);
    for (size_t i = 480; i < 800; i++)
        ck_assert_int_eq(lost[i], 0);
    sotto_codec_destroy(&c);
}
END_TEST

START_TEST(g711_recovery_cross_fades_then_matches_decoder)
{
    size_t pos = 0, got = 0, len = 0;
    sotto_codec *c = pcmu_with_history(&pos);
    int16_t lost[160], frame[160], back[160];
    uint8_t bytes[160];

    ck_assert_int_eq(sotto_codec_conceal(c, lost, 160, &got), 0);
    pos += 160;
    for (size_t i = 0; i < 160; i++)
        frame[i] = (int16_t)(-voiced_sample(pos + i));   /* phase-inverted: the fade shows */
    ck_assert_int_eq(sotto_codec_encode(c, frame, 160, bytes, sizeof(bytes), &len), 0);
    ck_assert_int_eq(sotto_codec_decode(c, bytes, len, back, 160, &got), 0);
    ck_assert_uint_eq(got, 160);
    /* After at most 10 ms of cross-fade the output is the plain decode. */
    for (size_t i = 80; i < 160; i++)
        ck_assert_int_eq(back[i], sotto_g711_ulaw_decode(bytes[i]));
    /* At the start it is not: the concealed signal is faded out. */
    int differs = 0;
    for (size_t i = 0; i < 10; i++)
        differs += back[i] != sotto_g711_ulaw_decode(bytes[i]);
    ck_assert_int_ge(differs, 8);
    sotto_codec_destroy(&c);
}
END_TEST

START_TEST(g711_reset_forgets_history)
{
    size_t pos = 0, got = 0;
    sotto_codec *c = pcmu_with_history(&pos);
    int16_t out[160];

    ck_assert_int_eq(sotto_codec_reset(c), 0);
    ck_assert_int_eq(sotto_codec_conceal(c, out, 160, &got), 0);
    for (size_t i = 0; i < 160; i++)
        ck_assert_int_eq(out[i], 0);
    ck_assert_int_eq(sotto_codec_reset(NULL), -EINVAL);
    sotto_codec_destroy(&c);
}
END_TEST

START_TEST(codec_payload_silent_per_codec)
{
    const sotto_codec_desc *pcmu = sotto_codec_find("PCMU"), *pcma = sotto_codec_find("PCMA");
    uint8_t quiet_u[160], quiet_a[160], loud[160];

    memset(quiet_u, 0xff, sizeof(quiet_u));   /* mu-law of 0 */
    memset(quiet_a, 0xd5, sizeof(quiet_a));   /* A-law of 0 */
    for (size_t i = 0; i < sizeof(loud); i++)
        loud[i] = (uint8_t)(i * 37);
    ck_assert_int_eq(sotto_codec_payload_silent(pcmu, quiet_u, sizeof(quiet_u)), 1);
    ck_assert_int_eq(sotto_codec_payload_silent(pcmu, loud, sizeof(loud)), 0);
    ck_assert_int_eq(sotto_codec_payload_silent(pcma, quiet_a, sizeof(quiet_a)), 1);
    ck_assert_int_eq(sotto_codec_payload_silent(pcma, quiet_u, sizeof(quiet_u)), 0);
    ck_assert_int_eq(sotto_codec_payload_silent(sotto_codec_find("opus"), loud, 3), 1);
    ck_assert_int_eq(sotto_codec_payload_silent(sotto_codec_find("opus"), loud, 60), 0);
    ck_assert_int_eq(sotto_codec_payload_silent(sotto_codec_find("SOTTO"), quiet_u, 8), 0);
    ck_assert_int_eq(sotto_codec_payload_silent(pcmu, quiet_u, 0), 0);
    ck_assert_int_eq(sotto_codec_payload_silent(NULL, quiet_u, 8), 0);
}
END_TEST

START_TEST(codec_find_by_name)
{
    const sotto_codec_desc *pcmu = sotto_codec_find("pcmu");
    const sotto_codec_desc *pcma = sotto_codec_find("PCMA");
    const sotto_codec_desc *opus = sotto_codec_find("OPUS");

    ck_assert_ptr_nonnull(pcmu);
    ck_assert_ptr_eq(pcmu, sotto_codec_find("PCMU"));
    ck_assert_str_eq(pcmu->name, "PCMU");
    ck_assert_int_eq(pcmu->static_pt, 0);
    ck_assert_int_eq(pcmu->clock_rate, 8000);
    ck_assert_int_eq(pcmu->sample_rate, 8000);
    ck_assert_int_eq(pcmu->channels, 1);
    ck_assert_ptr_nonnull(pcma);
    ck_assert_int_eq(pcma->static_pt, 8);
    ck_assert_ptr_nonnull(opus);
    ck_assert_str_eq(opus->name, "opus");
    ck_assert_int_eq(opus->static_pt, -1);
    ck_assert_int_eq(opus->clock_rate, 48000);
    ck_assert_int_eq(opus->sample_rate, 48000);
    ck_assert_int_eq(opus->channels, 2);
    ck_assert_ptr_null(sotto_codec_find("G722"));
    ck_assert_ptr_null(sotto_codec_find(""));
    ck_assert_ptr_null(sotto_codec_find("PCM"));
    ck_assert_ptr_null(sotto_codec_find(NULL));

    const sotto_codec_desc *const *list = sotto_codec_list();
    size_t n = 0;
    while (list[n]) {
        ck_assert_ptr_eq(sotto_codec_find(list[n]->name), list[n]);
        n++;
    }
    ck_assert_uint_eq(n, 4);
    ck_assert_ptr_eq(list[0], sotto_codec_find("sotto"));
    ck_assert_int_eq(list[0]->clock_rate, 16000);
    ck_assert_int_eq(list[0]->static_pt, -1);
}
END_TEST

START_TEST(codec_create_rejects_bad_params)
{
    sotto_codec *c = NULL;
    sotto_codec_params p;
    const sotto_codec_desc *opus = sotto_codec_find("opus");

    sotto_codec_params_default(&p);
    ck_assert_int_eq(p.frame_ms, 20);
    ck_assert_int_eq(p.fec, 1);
    p.frame_ms = 30;
    ck_assert_int_eq(sotto_codec_create(&c, opus, &p), -EINVAL);
    sotto_codec_params_default(&p);
    p.expected_loss_pct = 101;
    ck_assert_int_eq(sotto_codec_create(&c, opus, &p), -EINVAL);
    sotto_codec_params_default(&p);
    p.bitrate = 1000;
    ck_assert_int_eq(sotto_codec_create(&c, opus, &p), -EINVAL);
    p.bitrate = 600000;
    ck_assert_int_eq(sotto_codec_create(&c, opus, &p), -EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(sotto_codec_create(NULL, opus, NULL), -EINVAL);
    ck_assert_int_eq(sotto_codec_create(&c, NULL, NULL), -EINVAL);

    sotto_codec_params_default(&p);
    p.frame_ms = 60;
    ck_assert_int_eq(sotto_codec_create(&c, opus, &p), 0);
    ck_assert_uint_eq(sotto_codec_frame_samples(c), 2880);
    ck_assert_ptr_eq(sotto_codec_get_desc(c), opus);
    sotto_codec_destroy(&c);
    ck_assert_ptr_null(c);
    sotto_codec_destroy(&c);            /* NULL is fine twice */
    sotto_codec_destroy(NULL);
    ck_assert_uint_eq(sotto_codec_frame_samples(NULL), 0);
}
END_TEST

START_TEST(codec_rejects_bad_buffers)
{
    sotto_codec *c = NULL;
    int16_t pcm[960] = {0};
    uint8_t out[960];
    size_t len = 1234, got = 1234;

    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("PCMA"), NULL), 0);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 160, out, 159, &len), -ENOBUFS);
    ck_assert_int_eq(sotto_codec_encode(c, NULL, 160, out, 160, &len), -EINVAL);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 0, out, 160, &len), -EINVAL);
    ck_assert_int_eq(sotto_codec_decode(c, out, 160, pcm, 159, &got), -ENOBUFS);
    ck_assert_int_eq(sotto_codec_decode(c, out, 0, pcm, 160, &got), -EINVAL);
    ck_assert_int_eq(sotto_codec_decode_fec(c, out, 160, pcm, 160, &got), -ENOTSUP);
    ck_assert_uint_eq(len, 1234);
    ck_assert_uint_eq(got, 1234);
    sotto_codec_destroy(&c);

    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), NULL), 0);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 1000, out, sizeof(out), &len), -EINVAL);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 720, out, sizeof(out), &len), -EINVAL);   /* 15 ms */
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 480, out, sizeof(out), &len), 0);
    ck_assert_int_eq(sotto_codec_encode(c, pcm, 960, out, sizeof(out), &len), 0);
    ck_assert_int_eq(sotto_codec_decode(c, out, len, pcm, 959, &got), -ENOBUFS);
    ck_assert_int_eq(sotto_codec_decode(c, out, len, pcm, 960, &got), 0);
    ck_assert_uint_eq(got, 960);
    ck_assert_int_eq(sotto_codec_conceal(c, pcm, 100, &got), -EINVAL);
    ck_assert_int_eq(sotto_codec_conceal(NULL, pcm, 960, &got), -EINVAL);
    sotto_codec_destroy(&c);
}
END_TEST

START_TEST(codec_fmtp_lines)
{
    char buf[64];
    sotto_codec_params p;
    const sotto_codec_desc *opus = sotto_codec_find("opus");

    ck_assert_int_eq(sotto_codec_fmtp(opus, NULL, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "minptime=10;useinbandfec=1");
    sotto_codec_params_default(&p);
    p.fec = 0;
    p.dtx = 1;
    ck_assert_int_eq(sotto_codec_fmtp(opus, &p, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "minptime=10;usedtx=1");
    ck_assert_int_eq(sotto_codec_fmtp(sotto_codec_find("PCMU"), NULL, buf, sizeof(buf)), 0);
    ck_assert_str_eq(buf, "");
    memcpy(buf, "keep", 5);
    ck_assert_int_eq(sotto_codec_fmtp(opus, NULL, buf, 26), -ENOSPC);   /* needs 27 */
    ck_assert_str_eq(buf, "keep");
    ck_assert_int_eq(sotto_codec_fmtp(opus, NULL, buf, 27), 0);
    ck_assert_int_eq(sotto_codec_fmtp(NULL, NULL, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* Power of x at freq (Goertzel). */
static double tone_power(const int16_t *x, size_t n, double freq, double rate)
{
    double k = 2.0 * cos(2.0 * TEST_PI * freq / rate);
    double s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s0 = x[i] + k * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - k * s1 * s2;
}

enum { OPUS_FRAME = 960, OPUS_FRAMES = 50 };

/* Encodes and decodes 1 s of a 1 kHz sine into out; returns the bytes sent. */
static size_t opus_sine_through(sotto_codec *c, int16_t *in, int16_t *out)
{
    uint8_t packet[1500];
    size_t len, got, total = 0;

    make_sine(in, OPUS_FRAME * OPUS_FRAMES, 1000.0, 48000.0, 8000.0, 0);
    for (size_t f = 0; f < OPUS_FRAMES; f++) {
        ck_assert_int_eq(sotto_codec_encode(c, in + f * OPUS_FRAME, OPUS_FRAME, packet,
                                            sizeof(packet), &len), 0);
        ck_assert_uint_gt(len, 0);
        total += len;
        ck_assert_int_eq(sotto_codec_decode(c, packet, len, out + f * OPUS_FRAME, OPUS_FRAME, &got), 0);
        ck_assert_uint_eq(got, OPUS_FRAME);
    }
    return total;
}

START_TEST(opus_sine_keeps_frequency_and_level)
{
    static int16_t in[OPUS_FRAME * OPUS_FRAMES], out[OPUS_FRAME * OPUS_FRAMES];
    sotto_codec *c = NULL;
    sotto_codec_params p;

    sotto_codec_params_default(&p);
    p.bitrate = 16000;
    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), &p), 0);
    size_t bytes = opus_sine_through(c, in, out);
    /* The bitrate setting took: 1 s at 16 kbit/s is about 2000 bytes
     * (VBR overshoots on a pure tone; the 24 kbit/s default gives ~3400). */
    ck_assert_uint_gt(bytes, 1500);
    ck_assert_uint_lt(bytes, 3000);

    /* Skip 200 ms (codec delay and start-up), analyse 0.5 s. */
    const int16_t *win = out + 9600;
    const size_t n = 24000;
    double best = 0.0, best_freq = 0.0;
    for (double f = 100.0; f <= 8000.0; f += 10.0) {
        double pw = tone_power(win, n, f, 48000.0);
        if (pw > best) {
            best = pw;
            best_freq = f;
        }
    }
    ck_assert_msg(fabs(best_freq - 1000.0) <= 10.0, "peak at %.0f Hz", best_freq);
    double level_db = 20.0 * log10(rms(win, n) / rms(in + 9600, n));
    ck_assert_msg(fabs(level_db) < 2.0, "level off by %.2f dB", level_db);
    sotto_codec_destroy(&c);
}
END_TEST

START_TEST(opus_conceal_returns_requested_length)
{
    static int16_t in[OPUS_FRAME * OPUS_FRAMES], out[OPUS_FRAME * OPUS_FRAMES];
    int16_t lost[2880];
    sotto_codec *c = NULL;
    size_t got = 0;

    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), NULL), 0);
    opus_sine_through(c, in, out);
    const size_t sizes[] = {960, 480, 2880, 120};
    for (size_t k = 0; k < 4; k++) {
        ck_assert_int_eq(sotto_codec_conceal(c, lost, sizes[k], &got), 0);
        ck_assert_uint_eq(got, sizes[k]);
    }
    /* Right after the tone the concealment is not silence. */
    ck_assert_int_eq(sotto_codec_reset(c), 0);
    opus_sine_through(c, in, out);
    ck_assert_int_eq(sotto_codec_conceal(c, lost, 960, &got), 0);
    ck_assert_double_gt(rms(lost, 960), 1000.0);
    sotto_codec_destroy(&c);
}
END_TEST

START_TEST(opus_decode_garbage_returns_error)
{
    sotto_codec *c = NULL;
    int16_t pcm[5760];
    size_t got = 777;
    /* Code 3 packet with a frame count of 0, and one of 63 x 20 ms (over 120 ms). */
    const uint8_t zero_frames[] = {0x03, 0x00};
    const uint8_t too_long[] = {0x0B, 0x3F, 0x01, 0x02};
    /* Code 2 packet whose first frame length runs past the end. */
    const uint8_t overrun[] = {0x02, 0xFB, 0x10, 0x20};

    ck_assert_int_eq(sotto_codec_create(&c, sotto_codec_find("opus"), NULL), 0);
    ck_assert_int_eq(sotto_codec_decode(c, zero_frames, sizeof(zero_frames), pcm, 5760, &got), -EBADMSG);
    ck_assert_int_eq(sotto_codec_decode(c, too_long, sizeof(too_long), pcm, 5760, &got), -EBADMSG);
    ck_assert_int_eq(sotto_codec_decode(c, overrun, sizeof(overrun), pcm, 5760, &got), -EBADMSG);
    ck_assert_uint_eq(got, 777);

    /* Random bytes: every call answers 0 or a negative errno, never more
     * samples than the buffer holds. */
    uint32_t seed = 12345;
    uint8_t junk[200];
    for (int round = 0; round < 2000; round++) {
        size_t len = 1 + (size_t)(round % 200);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (uint8_t)(seed >> 16);
        }
        got = 0;
        int rc = sotto_codec_decode(c, junk, len, pcm, 5760, &got);
        ck_assert(rc == 0 || rc == -EBADMSG || rc == -ENOBUFS);
        ck_assert_uint_le(got, 5760);
    }
    sotto_codec_destroy(&c);
}
END_TEST

static double correlation(const int16_t *a, const int16_t *b, size_t n)
{
    double dot = 0.0, e_a = 0.0, e_b = 0.0;
    for (size_t i = 0; i < n; i++) {
        dot += (double)a[i] * b[i];
        e_a += (double)a[i] * a[i];
        e_b += (double)b[i] * b[i];
    }
    return dot / sqrt(e_a * e_b + 1e-9);
}

START_TEST(opus_fec_recovers_lost_frame)
{
    enum { FRAMES = 30, LOST = 20 };
    static int16_t in[OPUS_FRAME * FRAMES], clean[OPUS_FRAME * FRAMES];
    static uint8_t packets[FRAMES][400];
    size_t lens[FRAMES], got = 0;
    int16_t rec[OPUS_FRAME], guess[OPUS_FRAME];
    sotto_codec *tx = NULL, *rx = NULL;
    sotto_codec_params p;
    double phase = 0.0;

    sotto_codec_params_default(&p);
    p.bitrate = 32000;
    p.expected_loss_pct = 20;
    ck_assert_int_eq(sotto_codec_create(&tx, sotto_codec_find("opus"), &p), 0);
    ck_assert_int_eq(sotto_codec_create(&rx, sotto_codec_find("opus"), &p), 0);
    /* 300 Hz, switching to 700 Hz exactly at the lost frame: concealment
     * cannot guess the new pitch, only the redundancy can carry it. */
    for (size_t t = 0; t < OPUS_FRAME * FRAMES; t++) {
        phase += 2.0 * TEST_PI * (t < LOST * OPUS_FRAME ? 300.0 : 700.0) / 48000.0;
        in[t] = (int16_t)lrint(5000.0 * sin(phase));
    }
    for (size_t f = 0; f < FRAMES; f++) {
        ck_assert_int_eq(sotto_codec_encode(tx, in + f * OPUS_FRAME, OPUS_FRAME, packets[f],
                                            sizeof(packets[f]), &lens[f]), 0);
        ck_assert_int_eq(sotto_codec_decode(rx, packets[f], lens[f], clean + f * OPUS_FRAME,
                                            OPUS_FRAME, &got), 0);
    }
    const int16_t *truth = clean + LOST * OPUS_FRAME;

    /* Packet LOST is lost; rebuild it from packet LOST + 1. */
    ck_assert_int_eq(sotto_codec_reset(rx), 0);
    for (size_t f = 0; f < LOST; f++)
        ck_assert_int_eq(sotto_codec_decode(rx, packets[f], lens[f], rec, OPUS_FRAME, &got), 0);
    ck_assert_int_eq(sotto_codec_decode_fec(rx, packets[LOST + 1], lens[LOST + 1], rec,
                                            OPUS_FRAME, &got), 0);
    ck_assert_uint_eq(got, OPUS_FRAME);
    double fec_corr = correlation(truth, rec, OPUS_FRAME);

    /* The same loss concealed without redundancy, for comparison. */
    ck_assert_int_eq(sotto_codec_reset(rx), 0);
    for (size_t f = 0; f < LOST; f++)
        ck_assert_int_eq(sotto_codec_decode(rx, packets[f], lens[f], guess, OPUS_FRAME, &got), 0);
    ck_assert_int_eq(sotto_codec_conceal(rx, guess, OPUS_FRAME, &got), 0);
    double plc_corr = correlation(truth, guess, OPUS_FRAME);

    ck_assert_msg(fec_corr > 0.9, "FEC frame correlation %.3f", fec_corr);
    ck_assert_msg(plc_corr < 0.7, "concealment alone already matched (%.3f)", plc_corr);
    ck_assert_int_eq(sotto_codec_decode_fec(rx, packets[LOST + 1], lens[LOST + 1], rec, 100, &got),
                     -EINVAL);
    sotto_codec_destroy(&tx);
    sotto_codec_destroy(&rx);
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *g711 = tcase_create("g711");
    tcase_add_test(g711, ulaw_known_codes);
    tcase_add_test(g711, alaw_known_codes);
    tcase_add_test(g711, ulaw_every_code_round_trips);
    tcase_add_test(g711, alaw_every_code_round_trips);
    tcase_add_test(g711, ulaw_full_range_error_bound);
    tcase_add_test(g711, alaw_full_range_error_bound);
    tcase_add_test(g711, pcmu_sine_snr_above_30db);
    tcase_add_test(g711, pcma_sine_snr_above_30db);
    tcase_add_test(g711, g711_conceal_continues_then_fades_to_silence);
    tcase_add_test(g711, g711_recovery_cross_fades_then_matches_decoder);
    tcase_add_test(g711, g711_reset_forgets_history);
    suite_add_tcase(s, g711);

    TCase *table = tcase_create("table");
    tcase_add_test(table, codec_find_by_name);
    tcase_add_test(table, codec_payload_silent_per_codec);
    tcase_add_test(table, codec_create_rejects_bad_params);
    tcase_add_test(table, codec_rejects_bad_buffers);
    tcase_add_test(table, codec_fmtp_lines);
    suite_add_tcase(s, table);

    TCase *opus = tcase_create("opus");
    tcase_set_timeout(opus, 60);
    tcase_add_test(opus, opus_sine_keeps_frequency_and_level);
    tcase_add_test(opus, opus_conceal_returns_requested_length);
    tcase_add_test(opus, opus_decode_garbage_returns_error);
    tcase_add_test(opus, opus_fec_recovers_lost_frame);
    suite_add_tcase(s, opus);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
