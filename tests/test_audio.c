/* Audio object through a real libuv loop: WAV loopback (level, frequency and
 * time alignment of what comes out), null pacing, and the real PortAudio path
 * over ALSA with a fake sound card (tests/data/asoundrc-test): two FIFOs read
 * at real-time pace by threads here stand in for the hardware clock. */
#include "audio/audio.h"
#include "audio/wav.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "tests/tmpdir.h"

#define LOOP_RATE 16000
#define FRAME 320                 /* 20 ms at LOOP_RATE */
#define AMPLITUDE 16384.0         /* -6 dBFS */

static void make_tmp_dir(void)
{
    make_tmp_dir_named("sotto-audio");
}

static double rms(const int16_t *x, size_t n)
{
    double sum = 0.0;

    for (size_t i = 0; i < n; i++)
        sum += (double)x[i] * (double)x[i];
    return n ? sqrt(sum / (double)n) : 0.0;
}

/* Frequency from the first and last rising zero crossing (interpolated). */
static double tone_frequency(const int16_t *x, size_t n, int rate)
{
    double first = -1.0, last = -1.0;
    int crossings = 0;

    for (size_t i = 1; i < n; i++) {
        if (x[i - 1] < 0 && x[i] >= 0) {
            double t = (double)(i - 1) + (double)-x[i - 1] / (double)(x[i] - x[i - 1]);

            if (first < 0.0)
                first = t;
            last = t;
            crossings++;
        }
    }
    return crossings < 2 ? 0.0 : (double)(crossings - 1) * (double)rate / (last - first);
}

static double level_db(double measured, double amplitude)
{
    return 20.0 * log10(measured / (amplitude / sqrt(2.0)));
}

/* First and last index whose magnitude exceeds threshold; 0 when none. */
static int find_extent(const int16_t *x, size_t n, int threshold, size_t *first, size_t *last)
{
    int found = 0;

    for (size_t i = 0; i < n; i++) {
        if (abs(x[i]) > threshold) {
            if (!found)
                *first = i;
            *last = i;
            found = 1;
        }
    }
    return found;
}

static void run_and_close_loop(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(loop), 0);
}

static void on_closed(void *opaque)
{
    (*(int *)opaque)++;
}

/* ---- WAV loopback ---------------------------------------------------- */

typedef struct loopback {
    sotto_audio *audio;
    uv_timer_t linger;          /* runs a little past the end of input */
    int ends;                   /* on_input_end calls */
    uint64_t frames_at_end;     /* frames_captured when the input ended */
    int play_errors;            /* sotto_audio_play failures */
    int bad_sizes;              /* frames of the wrong size */
    int closed;                 /* done callbacks */
} loopback;

static void loopback_capture(void *opaque, const int16_t *pcm, size_t samples)
{
    loopback *lb = opaque;

    if (samples != FRAME)
        lb->bad_sizes++;
    if (sotto_audio_play(lb->audio, pcm, samples) != 0)
        lb->play_errors++;
}

static void loopback_linger_done(uv_timer_t *timer)
{
    loopback *lb = timer->data;

    uv_close((uv_handle_t *)&lb->linger, NULL);
    sotto_audio_close(lb->audio, on_closed, &lb->closed);
}

static void loopback_input_end(void *opaque)
{
    loopback *lb = opaque;
    sotto_audio_stats st;

    lb->ends++;
    sotto_audio_get_stats(lb->audio, &st);
    lb->frames_at_end = st.frames_captured;
    uv_timer_start(&lb->linger, loopback_linger_done, 100, 0);
}

/* 48 kHz: 1 s of 440 Hz at -6 dBFS, then 60 ms of silence. */
static void write_tone_wav(const char *path)
{
    sotto_wav_writer *w = NULL;
    int16_t *pcm = calloc(50880, sizeof(int16_t));

    ck_assert_ptr_nonnull(pcm);
    for (int i = 0; i < 48000; i++)
        pcm[i] = (int16_t)lrint(AMPLITUDE * sin(2.0 * M_PI * 440.0 * i / 48000.0));
    ck_assert_int_eq(sotto_wav_writer_open(&w, path, 48000, 1, NULL, 0), 0);
    ck_assert_int_eq(sotto_wav_writer_write(w, pcm, 50880), 0);
    ck_assert_int_eq(sotto_wav_writer_close(&w), 0);
    free(pcm);
}

/* Lag (in samples) maximising the cross-correlation of out against ref. */
static long best_lag(const int16_t *out, size_t out_n, const int16_t *ref, size_t ref_n, long range)
{
    double best = -1e300;
    long best_lag_found = 0;

    for (long lag = -range; lag <= range; lag++) {
        double sum = 0.0;

        for (size_t i = 0; i < ref_n; i++) {
            long j = (long)i + lag;

            if (j >= 0 && (size_t)j < out_n)
                sum += (double)ref[i] * (double)out[j];
        }
        if (sum > best) {
            best = sum;
            best_lag_found = lag;
        }
    }
    return best_lag_found;
}

START_TEST(audio_wav_loopback_keeps_level_and_time_alignment)
{
    const char *in_path = tmp_path("in.wav"), *out_path = tmp_path("out.wav");
    uv_loop_t loop;
    loopback lb = { 0 };
    sotto_audio_params p;
    sotto_audio_stats st;
    sotto_wav_reader *r = NULL;
    sotto_wav_info info;
    int16_t *out = calloc(LOOP_RATE * 3, sizeof(int16_t)), ref[LOOP_RATE];
    size_t n = 0, got, first = 0, last = 0;
    char err[256] = "";

    ck_assert_ptr_nonnull(out);
    write_tone_wav(in_path);
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    uv_timer_init(&loop, &lb.linger);
    lb.linger.data = &lb;
    sotto_audio_params_default(&p);
    p.kind = SOTTO_AUDIO_KIND_WAV;
    p.rate = LOOP_RATE;
    p.frame_ms = 20;
    p.input_file = in_path;
    p.output_file = out_path;
    p.on_capture = loopback_capture;
    p.on_input_end = loopback_input_end;
    p.opaque = &lb;
    ck_assert_msg(sotto_audio_create(&lb.audio, &loop, &p, err, sizeof(err)) == 0, "%s", err);
    sotto_audio_get_stats(lb.audio, &st);
    ck_assert_str_eq(st.backend, "wav");
    ck_assert_int_eq(st.device_rate, 48000);
    run_and_close_loop(&loop);
    ck_assert_int_eq(lb.closed, 1);
    ck_assert_int_eq(lb.ends, 1);
    ck_assert_int_eq(lb.play_errors, 0);
    ck_assert_int_eq(lb.bad_sizes, 0);
    /* 1.06 s is 53 frames; the resampler's flushed tail may add one. */
    ck_assert_uint_ge(lb.frames_at_end, 53);
    ck_assert_uint_le(lb.frames_at_end, 54);

    ck_assert_int_eq(sotto_wav_reader_open(&r, out_path, err, sizeof(err)), 0);
    sotto_wav_reader_get_info(r, &info);
    ck_assert_int_eq(info.rate, LOOP_RATE);
    do {
        ck_assert_int_eq(sotto_wav_reader_read_mono(r, out + n, LOOP_RATE * 3 - n, &got), 0);
        n += got;
    } while (got > 0);
    sotto_wav_reader_close(&r);
    /* One output frame per capture frame, the linger adds a few silent ones. */
    ck_assert_uint_ge(n, (lb.frames_at_end + 2) * FRAME);
    ck_assert_uint_eq(n % FRAME, 0);
    ck_assert(find_extent(out, n, 4000, &first, &last));
    ck_assert_uint_le(first, FRAME);
    ck_assert_int_le(labs((long)last - LOOP_RATE), FRAME);
    ck_assert_double_le(fabs(tone_frequency(out + 1600, 12800, LOOP_RATE) - 440.0), 4.4);
    ck_assert_double_le(fabs(level_db(rms(out + 1600, 12800), AMPLITUDE)), 0.5);
    for (int i = 0; i < LOOP_RATE; i++)
        ref[i] = (int16_t)lrint(AMPLITUDE * sin(2.0 * M_PI * 440.0 * i / LOOP_RATE));
    ck_assert_int_le(labs(best_lag(out, n, ref, LOOP_RATE, 2 * FRAME)), FRAME);
    free(out);
}
END_TEST

/* ---- WAV backend without input: silence, underruns, output rate ----- */

typedef struct ticker {
    sotto_audio *audio;
    uv_timer_t timer;
    int ticks;              /* timer callbacks so far */
    int stop_after;         /* close the audio after this many */
    int closed;             /* done callbacks */
    uint64_t frames;        /* frames_captured seen at close */
    size_t captured;        /* samples delivered */
} ticker;

static void count_capture(void *opaque, const int16_t *pcm, size_t samples)
{
    ticker *t = opaque;

    (void)pcm;
    t->captured += samples;
}

static void ticker_fire(uv_timer_t *timer)
{
    ticker *t = timer->data;
    sotto_audio_stats st;

    if (++t->ticks < t->stop_after)
        return;
    sotto_audio_get_stats(t->audio, &st);
    t->frames = st.frames_captured;
    uv_close((uv_handle_t *)&t->timer, NULL);
    sotto_audio_close(t->audio, on_closed, &t->closed);
}

START_TEST(audio_wav_without_input_writes_silence_at_output_rate)
{
    const char *out_path = tmp_path("silence.wav");
    uv_loop_t loop;
    ticker t = { .stop_after = 1 };
    sotto_audio_params p;
    sotto_audio_stats st;
    sotto_wav_reader *r = NULL;
    sotto_wav_info info;
    int16_t tooth[2048] = { 0 };

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    p.kind = SOTTO_AUDIO_KIND_WAV;
    p.output_file = out_path;
    p.output_rate = 8000;
    p.buffer_ms = 40;
    p.on_capture = count_capture;
    p.opaque = &t;
    ck_assert_int_eq(sotto_audio_create(&t.audio, &loop, &p, NULL, 0), 0);
    /* 40 ms at 16 kHz rounds up to a 1024-sample queue: more is refused whole. */
    ck_assert_int_eq(sotto_audio_play(t.audio, tooth, 1025), -EAGAIN);
    ck_assert_int_eq(sotto_audio_play(t.audio, tooth, 320), 0);
    sotto_audio_get_stats(t.audio, &st);
    ck_assert_uint_eq(st.playback_overruns, 1);
    ck_assert_uint_eq(st.frames_played, 1);
    uv_timer_init(&loop, &t.timer);
    t.timer.data = &t;
    uv_timer_start(&t.timer, ticker_fire, 210, 0);
    run_and_close_loop(&loop);
    ck_assert_int_eq(t.closed, 1);
    ck_assert_uint_ge(t.frames, 7);
    ck_assert_uint_le(t.frames, 13);
    ck_assert_uint_eq(t.captured, t.frames * FRAME);
    ck_assert_int_eq(sotto_wav_reader_open(&r, out_path, NULL, 0), 0);
    sotto_wav_reader_get_info(r, &info);
    sotto_wav_reader_close(&r);
    ck_assert_int_eq(info.rate, 8000);
    ck_assert_uint_eq(info.frames, t.frames * 160);
}
END_TEST

START_TEST(audio_null_delivers_frames_in_real_time)
{
    uv_loop_t loop;
    ticker t = { .stop_after = 1 };
    sotto_audio_params p;
    sotto_audio_stats st;
    char err[128] = "";

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    p.kind = SOTTO_AUDIO_KIND_NULL;
    p.on_capture = count_capture;
    p.opaque = &t;
    ck_assert_msg(sotto_audio_create(&t.audio, &loop, &p, err, sizeof(err)) == 0, "%s", err);
    sotto_audio_get_stats(t.audio, &st);
    ck_assert_str_eq(st.backend, "null");
    ck_assert_int_eq(st.device_rate, LOOP_RATE);
    ck_assert_int_eq(sotto_audio_play(t.audio, (const int16_t[2]){ 1, 2 }, 2), 0);
    uv_timer_init(&loop, &t.timer);
    t.timer.data = &t;
    uv_timer_start(&t.timer, ticker_fire, 200, 0);
    run_and_close_loop(&loop);
    ck_assert_int_eq(t.closed, 1);
    /* 10 frames in 200 ms, +-60 ms */
    ck_assert_uint_ge(t.frames, 7);
    ck_assert_uint_le(t.frames, 13);
    ck_assert_uint_eq(t.captured, t.frames * FRAME);
}
END_TEST

/* A loop that is blocked for 150 ms shows as a late pacer tick: what a
 * daemon with too many calls for its core reports. */
static void block_loop(uv_timer_t *timer)
{
    ticker *t = timer->data;
    sotto_audio_stats st;

    if (++t->ticks == 1) {
        usleep(150 * 1000);
        uv_timer_start(timer, block_loop, 100, 0);
        return;
    }
    sotto_audio_get_stats(t->audio, &st);
    ck_assert_uint_ge(st.late_ticks, 1);
    ck_assert_uint_ge(st.max_late_ms, 100);
    t->frames = st.frames_captured;
    uv_close((uv_handle_t *)&t->timer, NULL);
    sotto_audio_close(t->audio, on_closed, &t->closed);
}

START_TEST(audio_null_reports_late_ticks_of_a_blocked_loop)
{
    uv_loop_t loop;
    ticker t = { .stop_after = 2 };
    sotto_audio_params p;
    char err[128] = "";

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    p.kind = SOTTO_AUDIO_KIND_NULL;
    p.on_capture = count_capture;
    p.opaque = &t;
    ck_assert_msg(sotto_audio_create(&t.audio, &loop, &p, err, sizeof(err)) == 0, "%s", err);
    uv_timer_init(&loop, &t.timer);
    t.timer.data = &t;
    uv_timer_start(&t.timer, block_loop, 50, 0);
    run_and_close_loop(&loop);
    ck_assert_int_eq(t.closed, 1);
}
END_TEST

START_TEST(audio_rejects_bad_parameters_with_reason)
{
    uv_loop_t loop;
    sotto_audio *a = (sotto_audio *)&loop; /* non-NULL sentinel: failures must reset it */
    sotto_audio_params p;
    char err[256] = "";

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    ck_assert_int_eq(p.kind, SOTTO_AUDIO_KIND_AUTO);
    ck_assert_int_eq(p.rate, 16000);
    ck_assert_int_eq(p.frame_ms, 20);
    ck_assert_int_eq(p.buffer_ms, 200);
    p.kind = SOTTO_AUDIO_KIND_NULL;
    p.frame_ms = 15;
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err, "frame_ms 15"));
    p.frame_ms = 10;
    p.rate = 11025; /* 110.25 samples per 10 ms frame */
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "11025"));
    p.rate = 16000;
    p.buffer_ms = 10;
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "buffer_ms"));
    p.buffer_ms = 200;
    p.kind = (sotto_audio_kind)42;
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -EINVAL);
    p.kind = SOTTO_AUDIO_KIND_WAV;
    p.input_file = tmp_path("does-not-exist.wav");
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "does-not-exist.wav"));
    ck_assert_ptr_null(a);
    ck_assert_int_eq(sotto_audio_create(NULL, &loop, &p, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_audio_create(&a, NULL, &p, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_audio_play(NULL, NULL, 0), -EINVAL);
    sotto_audio_close(NULL, NULL, NULL);
    ck_assert_str_eq(sotto_audio_kind_name(SOTTO_AUDIO_KIND_PORTAUDIO), "portaudio");
    ck_assert_str_eq(sotto_audio_kind_name(SOTTO_AUDIO_KIND_NULL), "null");
    ck_assert_str_eq(sotto_audio_kind_name(SOTTO_AUDIO_KIND_WAV), "wav");
    ck_assert_str_eq(sotto_audio_kind_name(SOTTO_AUDIO_KIND_AUTO), "auto");
    ck_assert_int_eq(sotto_audio_list_devices(NULL, 4, NULL, NULL, NULL), -EINVAL);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* ---- PortAudio over the fake ALSA card -------------------------------- */

#define DEVICE_RATE 48000
#define CARD_BYTES_PER_S (DEVICE_RATE * 2)   /* mono S16_LE */
#define CARD_BURST_BYTES (CARD_BYTES_PER_S / 50) /* at most 20 ms ahead */

typedef struct fifo_reader {
    char path[320];
    int fd;
    int16_t *kept;              /* first kept_cap samples received */
    size_t kept_cap;
    size_t kept_len;
    size_t total;               /* bytes read */
    atomic_int stop;
    pthread_t thread;
} fifo_reader;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Consumes the FIFO at CARD_BYTES_PER_S: the ALSA file plugin blocks on the
 * full pipe, which paces the PortAudio stream like a sound card clock. */
static void *fifo_reader_main(void *arg)
{
    fifo_reader *fr = arg;
    double start = now_s(), allowed = 0.0;
    uint8_t buf[4096];

    while (!atomic_load(&fr->stop)) {
        double budget = (now_s() - start) * CARD_BYTES_PER_S - allowed;
        ssize_t n;

        if (budget > CARD_BURST_BYTES) {
            allowed += budget - CARD_BURST_BYTES;
            budget = CARD_BURST_BYTES;
        }
        if (budget < 64) {
            usleep(2000);
            continue;
        }
        n = read(fr->fd, buf, budget < (double)sizeof(buf) ? (size_t)budget & ~(size_t)1 : sizeof(buf));
        if (n <= 0) {
            usleep(2000);
            continue;
        }
        allowed += (double)n;
        fr->total += (size_t)n;
        for (ssize_t i = 0; i + 1 < n && fr->kept_len < fr->kept_cap; i += 2)
            fr->kept[fr->kept_len++] = (int16_t)(uint16_t)(buf[i] | (buf[i + 1] << 8));
    }
    return NULL;
}

static void fifo_reader_start(fifo_reader *fr, const char *path, size_t keep)
{
    memset(fr, 0, sizeof(*fr));
    snprintf(fr->path, sizeof(fr->path), "%s", path);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    /* O_RDWR never blocks and never sees EOF when ALSA closes and reopens. */
    fr->fd = open(path, O_RDWR | O_NONBLOCK);
    ck_assert_int_ge(fr->fd, 0);
    fcntl(fr->fd, F_SETPIPE_SZ, 4096);
    fr->kept_cap = keep;
    fr->kept = calloc(keep ? keep : 1, sizeof(int16_t));
    ck_assert_ptr_nonnull(fr->kept);
    atomic_init(&fr->stop, 0);
    ck_assert_int_eq(pthread_create(&fr->thread, NULL, fifo_reader_main, fr), 0);
}

static void fifo_reader_stop(fifo_reader *fr)
{
    atomic_store(&fr->stop, 1);
    pthread_join(fr->thread, NULL);
    close(fr->fd);
}

typedef struct fake_card {
    fifo_reader playback;       /* what the device played */
    fifo_reader capture_copy;   /* paces capture; content not needed */
} fake_card;

/* 48 kHz capture source: 3 s of 600 Hz at -6 dBFS. */
static void fake_card_start(fake_card *card)
{
    const char *data = getenv("SOTTO_TEST_DATA");
    char conf[512];
    FILE *f;

    ck_assert_msg(data != NULL, "SOTTO_TEST_DATA must point to tests/data");
    snprintf(conf, sizeof(conf), "%s/asoundrc-test", data);
    ck_assert_int_eq(access(conf, R_OK), 0);
    setenv("ALSA_CONFIG_PATH", conf, 1);
    setenv("SOTTO_TEST_ALSA_DIR", tmp_dir, 1);
    setenv("JACK_NO_START_SERVER", "1", 1);
    f = fopen(tmp_path("capture.raw"), "wb");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 3 * DEVICE_RATE; i++) {
        int16_t v = (int16_t)lrint(AMPLITUDE * sin(2.0 * M_PI * 600.0 * i / DEVICE_RATE));
        uint8_t le[2] = { (uint8_t)((uint16_t)v & 0xFF), (uint8_t)((uint16_t)v >> 8) };

        ck_assert_uint_eq(fwrite(le, 1, 2, f), 2);
    }
    ck_assert_int_eq(fclose(f), 0);
    fifo_reader_start(&card->playback, tmp_path("playback.fifo"), 3 * DEVICE_RATE);
    fifo_reader_start(&card->capture_copy, tmp_path("capture.fifo"), 0);
}

/* Stops the readers; what they kept stays readable until fake_card_free. */
static void fake_card_stop(fake_card *card)
{
    fifo_reader_stop(&card->playback);
    fifo_reader_stop(&card->capture_copy);
}

static void fake_card_free(fake_card *card)
{
    free(card->playback.kept);
    free(card->capture_copy.kept);
}

typedef struct pa_run {
    sotto_audio *audio;
    uv_timer_t timer;           /* every 20 ms */
    uint64_t start_ms;          /* uv_now() when the audio was created */
    int played;                 /* tone frames accepted */
    int refused;                /* tone frames refused */
    double phase;               /* tone phase, radians */
    int16_t *captured;          /* loop-rate capture, up to captured_cap */
    size_t captured_cap;
    size_t captured_len;
    int bad_sizes;
    int closed;
    sotto_audio_stats at_close;
} pa_run;

static void pa_capture(void *opaque, const int16_t *pcm, size_t samples)
{
    pa_run *run = opaque;

    if (samples != FRAME)
        run->bad_sizes++;
    for (size_t i = 0; i < samples && run->captured_len < run->captured_cap; i++)
        run->captured[run->captured_len++] = pcm[i];
}

/* From 200 ms on (the device has filled its pipeline with silence by then)
 * keeps 80 ms of a 1 kHz tone queued ahead of the device until 25 frames
 * (0.5 s) went out. Frames due follow elapsed time, not timer ticks: libuv's
 * repeating timer runs late by a little every period and would starve the
 * device into gaps. */
static void pa_feed(pa_run *run, uint64_t elapsed_ms)
{
    uint64_t due = elapsed_ms < 200 ? 0 : (elapsed_ms - 200) / 20 + 4;

    while (run->played + run->refused < 25 && (uint64_t)(run->played + run->refused) < due) {
        int16_t frame[FRAME];

        for (int i = 0; i < FRAME; i++) {
            frame[i] = (int16_t)lrint(AMPLITUDE * sin(run->phase));
            run->phase += 2.0 * M_PI * 1000.0 / LOOP_RATE;
        }
        if (sotto_audio_play(run->audio, frame, FRAME) == 0)
            run->played++;
        else
            run->refused++;
    }
}

/* Feeds the tone, then lets the device run on to 1 s and closes. */
static void pa_tick(uv_timer_t *timer)
{
    pa_run *run = timer->data;
    uint64_t elapsed = uv_now(timer->loop) - run->start_ms;

    pa_feed(run, elapsed);
    if (elapsed >= 1000) {
        sotto_audio_get_stats(run->audio, &run->at_close);
        uv_close((uv_handle_t *)&run->timer, NULL);
        sotto_audio_close(run->audio, on_closed, &run->closed);
    }
}

/* The device received a 1 kHz tone about 0.5 s long, gap-free, at the played level. */
static void check_played_tone(const int16_t *played, size_t n)
{
    size_t first = 0, last = 0;

    ck_assert_msg(find_extent(played, n, 8000, &first, &last), "no tone among %zu played samples", n);
    ck_assert_int_le(labs((long)(last - first) - DEVICE_RATE / 2), DEVICE_RATE / 10);
    ck_assert_double_le(fabs(tone_frequency(played + first + 480, last - first - 960, DEVICE_RATE) -
                             1000.0), 10.0);
    ck_assert_double_le(fabs(level_db(rms(played + first + 480, last - first - 960), AMPLITUDE)), 1.0);
}

/* Capture ran at about real time and carried the 600 Hz of capture.raw. */
static void check_captured_tone(const pa_run *run)
{
    ck_assert_uint_ge(run->at_close.frames_captured, 30);
    ck_assert_uint_le(run->at_close.frames_captured, 75);
    ck_assert_uint_ge(run->captured_len, 20 * FRAME);
    ck_assert_double_le(fabs(tone_frequency(run->captured + 2 * FRAME, 16 * FRAME, LOOP_RATE) - 600.0),
                        6.0);
    ck_assert_double_le(fabs(level_db(rms(run->captured + 2 * FRAME, 16 * FRAME), AMPLITUDE)), 1.0);
}

START_TEST(audio_portaudio_plays_and_captures_through_alsa)
{
    fake_card card;
    uv_loop_t loop;
    pa_run run = { 0 };
    sotto_audio_params p;
    sotto_audio_device devices[16];
    size_t count = 0, have_default = 0;
    char err[256] = "";

    fake_card_start(&card);
    ck_assert_int_eq(sotto_audio_list_devices(devices, 16, &count, NULL, NULL), 0);
    for (size_t i = 0; i < count && i < 16; i++) {
        if (strcmp(devices[i].name, "default") == 0 && devices[i].is_default_input &&
            devices[i].is_default_output && devices[i].max_input_channels > 0)
            have_default = 1;
    }
    ck_assert_msg(have_default, "no default device among %zu", count);

    run.captured_cap = 2 * LOOP_RATE;
    run.captured = calloc(run.captured_cap, sizeof(int16_t));
    ck_assert_ptr_nonnull(run.captured);
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    p.kind = SOTTO_AUDIO_KIND_PORTAUDIO;
    p.capture_device = "DEFAULT"; /* case-insensitive name match */
    p.device_rate = DEVICE_RATE;
    p.on_capture = pa_capture;
    p.opaque = &run;
    ck_assert_msg(sotto_audio_create(&run.audio, &loop, &p, err, sizeof(err)) == 0, "%s", err);
    uv_update_time(&loop);
    run.start_ms = uv_now(&loop);
    pa_feed(&run, 0);
    uv_timer_init(&loop, &run.timer);
    run.timer.data = &run;
    uv_timer_start(&run.timer, pa_tick, 20, 20);
    run_and_close_loop(&loop);
    fake_card_stop(&card);

    ck_assert_int_eq(run.closed, 1);
    ck_assert_str_eq(run.at_close.backend, "portaudio");
    ck_assert_int_eq(run.at_close.device_rate, DEVICE_RATE);
    ck_assert_int_eq(run.played, 25);
    ck_assert_uint_eq(run.at_close.frames_played, 25);
    ck_assert_int_eq(run.bad_sizes, 0);

    check_played_tone(card.playback.kept, card.playback.kept_len);
    check_captured_tone(&run);
    free(run.captured);
    fake_card_free(&card);
}
END_TEST

START_TEST(audio_portaudio_reports_unknown_device)
{
    fake_card card;
    uv_loop_t loop;
    sotto_audio *a = NULL;
    sotto_audio_params p;
    char err[256] = "";

    fake_card_start(&card);
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    p.kind = SOTTO_AUDIO_KIND_PORTAUDIO;
    p.playback_device = "no-such-speaker";
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -ENODEV);
    ck_assert_ptr_null(a);
    ck_assert_ptr_nonnull(strstr(err, "no-such-speaker"));
    p.playback_device = "97";
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, err, sizeof(err)), -ENODEV);
    ck_assert_ptr_nonnull(strstr(err, "index 97"));
    run_and_close_loop(&loop);
    fake_card_stop(&card);
    fake_card_free(&card);
}
END_TEST

START_TEST(audio_auto_uses_portaudio_when_default_device_opens)
{
    fake_card card;
    uv_loop_t loop;
    sotto_audio *a = NULL;
    sotto_audio_params p;
    sotto_audio_stats st;
    int closed = 0;
    char err[256] = "";

    fake_card_start(&card);
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    p.device_rate = DEVICE_RATE;
    ck_assert_msg(sotto_audio_create(&a, &loop, &p, err, sizeof(err)) == 0, "%s", err);
    sotto_audio_get_stats(a, &st);
    ck_assert_str_eq(st.backend, "portaudio");
    sotto_audio_close(a, on_closed, &closed);
    run_and_close_loop(&loop);
    ck_assert_int_eq(closed, 1);
    fake_card_stop(&card);
    fake_card_free(&card);
}
END_TEST

START_TEST(audio_auto_falls_back_to_null_without_devices)
{
    const char *conf = tmp_path("empty-asoundrc");
    uv_loop_t loop;
    sotto_audio *a = NULL;
    sotto_audio_params p;
    sotto_audio_stats st;
    int closed = 0;
    FILE *f = fopen(conf, "w");

    /* A default PCM on a card that does not exist, as on a machine without
     * sound hardware (a config with no PCM at all trips a PortAudio assert). */
    ck_assert_ptr_nonnull(f);
    fputs("pcm.!default { type hw card 31 }\n", f);
    fclose(f);
    setenv("ALSA_CONFIG_PATH", conf, 1);
    setenv("JACK_NO_START_SERVER", "1", 1);
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_audio_params_default(&p);
    ck_assert_int_eq(sotto_audio_create(&a, &loop, &p, NULL, 0), 0);
    sotto_audio_get_stats(a, &st);
    ck_assert_str_eq(st.backend, "null");
    sotto_audio_close(a, on_closed, &closed);
    run_and_close_loop(&loop);
    ck_assert_int_eq(closed, 1);
}
END_TEST

static Suite *audio_suite(void)
{
    Suite *s = suite_create("audio");
    TCase *tc = tcase_create("audio");

    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, make_tmp_dir, remove_tmp_dir);
    tcase_add_test(tc, audio_wav_loopback_keeps_level_and_time_alignment);
    tcase_add_test(tc, audio_wav_without_input_writes_silence_at_output_rate);
    tcase_add_test(tc, audio_null_delivers_frames_in_real_time);
    tcase_add_test(tc, audio_null_reports_late_ticks_of_a_blocked_loop);
    tcase_add_test(tc, audio_rejects_bad_parameters_with_reason);
    tcase_add_test(tc, audio_portaudio_plays_and_captures_through_alsa);
    tcase_add_test(tc, audio_portaudio_reports_unknown_device);
    tcase_add_test(tc, audio_auto_uses_portaudio_when_default_device_opens);
    tcase_add_test(tc, audio_auto_falls_back_to_null_without_devices);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(audio_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
