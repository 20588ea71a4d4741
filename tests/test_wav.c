/* WAV reader/writer: round trips, every supported encoding built byte by
 * byte here, chunk skipping, and bad input: truncations, garbage, bad sizes. */
#include "audio/wav.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tmpdir.h"

static void make_tmp_dir(void)
{
    make_tmp_dir_named("sotto-wav");
}

typedef struct wbuf {
    uint8_t data[40000];
    size_t len;
} wbuf;

static void w_bytes(wbuf *b, const void *p, size_t n)
{
    ck_assert_uint_le(b->len + n, sizeof(b->data));
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void w_u16(wbuf *b, uint16_t v)
{
    uint8_t x[2] = { (uint8_t)(v & 0xFF), (uint8_t)(v >> 8) };

    w_bytes(b, x, 2);
}

static void w_u32(wbuf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v & 0xFF), (uint8_t)((v >> 8) & 0xFF), (uint8_t)((v >> 16) & 0xFF),
                     (uint8_t)(v >> 24) };

    w_bytes(b, x, 4);
}

static void w_chunk(wbuf *b, const char *id, uint32_t size)
{
    w_bytes(b, id, 4);
    w_u32(b, size);
}

static void w_riff(wbuf *b)
{
    b->len = 0;
    w_chunk(b, "RIFF", 0);
    w_bytes(b, "WAVE", 4);
}

static void w_fmt_raw(wbuf *b, uint16_t tag, uint16_t channels, uint32_t rate, uint16_t block_align,
                      uint16_t bits)
{
    w_chunk(b, "fmt ", 16);
    w_u16(b, tag);
    w_u16(b, channels);
    w_u32(b, rate);
    w_u32(b, rate * block_align);
    w_u16(b, block_align);
    w_u16(b, bits);
}

static void w_fmt(wbuf *b, uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits)
{
    w_fmt_raw(b, tag, channels, rate, (uint16_t)(channels * bits / 8), bits);
}

static void w_fmt_ext(wbuf *b, uint16_t sub_tag, uint16_t channels, uint32_t rate, uint16_t bits)
{
    static const uint8_t tail[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                      0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 };
    uint16_t align = (uint16_t)(channels * bits / 8);

    w_chunk(b, "fmt ", 40);
    w_u16(b, 0xFFFE);
    w_u16(b, channels);
    w_u32(b, rate);
    w_u32(b, rate * align);
    w_u16(b, align);
    w_u16(b, bits);
    w_u16(b, 22);
    w_u16(b, bits);
    w_u32(b, channels == 2 ? 3u : 4u);
    w_u16(b, sub_tag);
    w_bytes(b, tail, sizeof(tail));
}

static void w_finish(wbuf *b)
{
    uint32_t size = (uint32_t)(b->len - 8);

    b->data[4] = (uint8_t)(size & 0xFF);
    b->data[5] = (uint8_t)((size >> 8) & 0xFF);
    b->data[6] = (uint8_t)((size >> 16) & 0xFF);
    b->data[7] = (uint8_t)(size >> 24);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* Reads all of path as mono; returns the frame count. */
static size_t read_all(const char *path, int16_t *out, size_t max, sotto_wav_info *info)
{
    sotto_wav_reader *r = NULL;
    char err[128] = "";
    size_t total = 0, got;

    ck_assert_msg(sotto_wav_reader_open(&r, path, err, sizeof(err)) == 0, "open: %s", err);
    sotto_wav_reader_get_info(r, info);
    do {
        ck_assert_int_eq(sotto_wav_reader_read_mono(r, out + total, max - total, &got), 0);
        total += got;
    } while (got > 0 && total < max);
    sotto_wav_reader_close(&r);
    ck_assert_ptr_null(r);
    return total;
}

static int parse(const wbuf *b, sotto_wav_info *info, char *err, size_t errlen)
{
    err[0] = '\0';
    return sotto__wav_parse_header(b->data, b->len, info, err, errlen);
}

START_TEST(wav_write_then_read_is_sample_exact)
{
    const char *path = tmp_path("mono.wav");
    sotto_wav_writer *w = NULL;
    int16_t pcm[1000], back[1100];
    sotto_wav_info info;
    char err[128];

    for (int i = 0; i < 1000; i++)
        pcm[i] = (int16_t)((i * 7919) % 65536 - 32768);
    pcm[0] = INT16_MIN;
    pcm[1] = INT16_MAX;
    pcm[2] = -1;
    ck_assert_int_eq(sotto_wav_writer_open(&w, path, 16000, 1, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_wav_writer_write(w, pcm, 600), 0);
    ck_assert_int_eq(sotto_wav_writer_write(w, pcm + 600, 400), 0);
    ck_assert_uint_eq(sotto_wav_writer_frames(w), 1000);
    ck_assert_int_eq(sotto_wav_writer_close(&w), 0);
    ck_assert_ptr_null(w);
    ck_assert_uint_eq(read_all(path, back, 1100, &info), 1000);
    ck_assert_int_eq(info.rate, 16000);
    ck_assert_int_eq(info.channels, 1);
    ck_assert_int_eq(info.bits, 16);
    ck_assert_uint_eq(info.frames, 1000);
    ck_assert_uint_eq(info.data_offset, 44);
    ck_assert_mem_eq(back, pcm, sizeof(pcm));
}
END_TEST

START_TEST(wav_writer_patches_sizes_on_close)
{
    const char *path = tmp_path("sizes.wav");
    sotto_wav_writer *w = NULL;
    int16_t pcm[6] = { 1, 2, 3, 4, 5, 6 };
    uint8_t file[64];
    FILE *f;

    ck_assert_int_eq(sotto_wav_writer_open(&w, path, 48000, 2, NULL, 0), 0);
    ck_assert_int_eq(sotto_wav_writer_write(w, pcm, 3), 0);
    ck_assert_int_eq(sotto_wav_writer_close(&w), 0);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(file, 1, sizeof(file), f), 56);
    fclose(f);
    ck_assert_mem_eq(file, "RIFF\x30\x00\x00\x00WAVEfmt ", 16);
    ck_assert_mem_eq(file + 36, "data\x0c\x00\x00\x00", 8);
    ck_assert_int_eq(file[22], 2);
}
END_TEST

START_TEST(wav_reader_reads_file_of_killed_writer)
{
    const char *path = tmp_path("killed.wav");
    int16_t pcm[20000], back[20000];
    sotto_wav_info info;
    size_t frames;
    pid_t pid;
    int status = 0;
    uint8_t header[44];
    FILE *f;

    for (int i = 0; i < 20000; i++)
        pcm[i] = (int16_t)(i - 10000);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sotto_wav_writer *w = NULL;

        if (sotto_wav_writer_open(&w, path, 8000, 1, NULL, 0) == 0)
            sotto_wav_writer_write(w, pcm, 20000);
        _exit(0); /* no close: sizes stay "to end of file" */
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(header, 1, sizeof(header), f), sizeof(header));
    fclose(f);
    ck_assert_mem_eq(header + 36, "data\xff\xff\xff\xff", 8); /* never patched */
    frames = read_all(path, back, 20000, &info);
    /* Whatever stdio had flushed when the writer died must read back exactly. */
    ck_assert_uint_gt(frames, 10000);
    ck_assert_uint_le(frames, 20000);
    ck_assert_mem_eq(back, pcm, frames * sizeof(int16_t));
}
END_TEST

START_TEST(wav_stereo_is_downmixed_to_rounded_average)
{
    const char *path = tmp_path("stereo.wav");
    sotto_wav_writer *w = NULL;
    int16_t pcm[8] = { 100, 200, -100, -201, 32767, 32767, -32768, -32768 }, back[4];
    sotto_wav_info info;

    ck_assert_int_eq(sotto_wav_writer_open(&w, path, 44100, 2, NULL, 0), 0);
    ck_assert_int_eq(sotto_wav_writer_write(w, pcm, 4), 0);
    ck_assert_int_eq(sotto_wav_writer_close(&w), 0);
    ck_assert_uint_eq(read_all(path, back, 4, &info), 4);
    ck_assert_int_eq(info.channels, 2);
    ck_assert_int_eq(info.rate, 44100);
    ck_assert_int_eq(back[0], 150);
    ck_assert_int_eq(back[1], -150);
    ck_assert_int_eq(back[2], 32767);
    ck_assert_int_eq(back[3], -32768);
}
END_TEST

START_TEST(wav_reads_24bit_pcm)
{
    static const uint8_t samples[] = {
        0xFF, 0xFF, 0x7F, /* max */
        0x00, 0x00, 0x80, /* min */
        0x00, 0x01, 0x00, /* 256: exactly 1 in 16-bit */
        0x80, 0x00, 0x00, /* 128: half an LSB, rounds up */
        0x00, 0x00, 0xC0, /* -0.5 full scale */
    };
    wbuf b;
    int16_t back[5];
    sotto_wav_info info;
    const char *path = tmp_path("pcm24.wav");

    w_riff(&b);
    w_fmt(&b, 1, 1, 48000, 24);
    w_chunk(&b, "data", sizeof(samples));
    w_bytes(&b, samples, sizeof(samples));
    w_finish(&b);
    write_file(path, b.data, b.len);
    ck_assert_uint_eq(read_all(path, back, 5, &info), 5);
    ck_assert_int_eq(info.bits, 24);
    ck_assert_int_eq(back[0], 32767);
    ck_assert_int_eq(back[1], -32768);
    ck_assert_int_eq(back[2], 1);
    ck_assert_int_eq(back[3], 1);
    ck_assert_int_eq(back[4], -16384);
}
END_TEST

START_TEST(wav_reads_32bit_int_and_float)
{
    const float values[] = { 0.5f, -1.0f, 2.0f, -0.25f };
    wbuf b;
    int16_t back[4];
    sotto_wav_info info;
    const char *ipath = tmp_path("pcm32.wav"), *fpath = tmp_path("float.wav");

    w_riff(&b);
    w_fmt(&b, 1, 1, 16000, 32);
    w_chunk(&b, "data", 8);
    w_u32(&b, 0x40000000u);
    w_u32(&b, 0xC0000000u);
    w_finish(&b);
    write_file(ipath, b.data, b.len);
    ck_assert_uint_eq(read_all(ipath, back, 4, &info), 2);
    ck_assert_int_eq(info.is_float, 0);
    ck_assert_int_eq(back[0], 16384);
    ck_assert_int_eq(back[1], -16384);

    w_riff(&b);
    w_fmt(&b, 3, 1, 16000, 32);
    w_chunk(&b, "data", sizeof(values));
    for (size_t i = 0; i < 4; i++) {
        uint32_t u;

        memcpy(&u, &values[i], 4);
        w_u32(&b, u);
    }
    w_finish(&b);
    write_file(fpath, b.data, b.len);
    ck_assert_uint_eq(read_all(fpath, back, 4, &info), 4);
    ck_assert_int_eq(info.is_float, 1);
    ck_assert_int_eq(back[0], 16384);
    ck_assert_int_eq(back[1], -32768);
    ck_assert_int_eq(back[2], 32767);
    ck_assert_int_eq(back[3], -8192);
}
END_TEST

START_TEST(wav_reads_extensible_pcm_and_float)
{
    wbuf b;
    sotto_wav_info info;
    char err[128];
    int16_t mono[2];
    uint8_t stereo16[8] = { 0x10, 0x00, 0x30, 0x00, 0xF0, 0xFF, 0xD0, 0xFF }; /* (16,48) (-16,-48) */

    w_riff(&b);
    w_fmt_ext(&b, 1, 2, 32000, 16);
    w_chunk(&b, "data", sizeof(stereo16));
    w_bytes(&b, stereo16, sizeof(stereo16));
    w_finish(&b);
    ck_assert_msg(parse(&b, &info, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(info.channels, 2);
    ck_assert_int_eq(info.rate, 32000);
    ck_assert_int_eq(info.is_float, 0);
    ck_assert_uint_eq(info.frames, 2);
    sotto__wav_decode_mono(&info, b.data + info.data_offset, 2, mono);
    ck_assert_int_eq(mono[0], 32);
    ck_assert_int_eq(mono[1], -32);

    w_riff(&b);
    w_fmt_ext(&b, 3, 1, 96000, 32);
    w_chunk(&b, "data", 4);
    w_u32(&b, 0x3F000000u); /* 0.5f */
    w_finish(&b);
    ck_assert_msg(parse(&b, &info, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(info.is_float, 1);
    sotto__wav_decode_mono(&info, b.data + info.data_offset, 1, mono);
    ck_assert_int_eq(mono[0], 16384);
}
END_TEST

START_TEST(wav_rejects_unknown_extensible_subformat)
{
    wbuf b;
    sotto_wav_info info;
    char err[128];

    w_riff(&b);
    w_fmt_ext(&b, 1, 1, 16000, 16);
    b.data[b.len - 1] ^= 0xFF; /* corrupt the GUID tail */
    w_chunk(&b, "data", 0);
    w_finish(&b);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -ENOTSUP);
    ck_assert_ptr_nonnull(strstr(err, "subformat"));

    w_riff(&b);
    w_fmt_ext(&b, 2, 1, 16000, 16); /* ADPCM inside extensible */
    w_chunk(&b, "data", 0);
    w_finish(&b);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -ENOTSUP);
}
END_TEST

START_TEST(wav_skips_odd_sized_unknown_chunks)
{
    wbuf b;
    sotto_wav_info info;
    char err[128];
    int16_t mono[2];

    w_riff(&b);
    w_chunk(&b, "LIST", 3);
    w_bytes(&b, "abc\0", 4); /* 3 bytes + pad */
    w_fmt(&b, 1, 1, 8000, 16);
    w_chunk(&b, "fact", 5);
    w_bytes(&b, "\x01\x02\x03\x04\x05\x00", 6);
    w_chunk(&b, "data", 4);
    w_u16(&b, 1234);
    w_u16(&b, (uint16_t)-1234);
    w_finish(&b);
    ck_assert_msg(parse(&b, &info, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(info.data_offset, b.len - 4);
    ck_assert_uint_eq(info.frames, 2);
    sotto__wav_decode_mono(&info, b.data + info.data_offset, 2, mono);
    ck_assert_int_eq(mono[0], 1234);
    ck_assert_int_eq(mono[1], -1234);
}
END_TEST

START_TEST(wav_streamed_data_size_reads_to_end_of_file)
{
    const uint32_t sizes[] = { 0xFFFFFFFFu, 0u };

    for (size_t k = 0; k < 2; k++) {
        wbuf b;
        sotto_wav_info info;
        char err[128];

        w_riff(&b);
        w_fmt(&b, 1, 1, 16000, 16);
        w_chunk(&b, "data", sizes[k]);
        for (int i = 0; i < 300; i++)
            w_u16(&b, (uint16_t)i);
        ck_assert_msg(parse(&b, &info, err, sizeof(err)) == 0, "%s", err);
        ck_assert_uint_eq(info.frames, 300);
        ck_assert_uint_eq(info.data_bytes, 600);
    }
}
END_TEST

START_TEST(wav_truncated_data_reads_what_is_there)
{
    const char *path = tmp_path("short.wav");
    wbuf b;
    sotto_wav_info info;
    int16_t back[64];

    w_riff(&b);
    w_fmt(&b, 1, 2, 16000, 16);
    w_chunk(&b, "data", 4000); /* claims 1000 frames */
    for (int i = 0; i < 21; i++)  /* 10 frames and half of one */
        w_u16(&b, 100);
    write_file(path, b.data, b.len);
    ck_assert_uint_eq(read_all(path, back, 64, &info), 10);
    ck_assert_uint_eq(info.frames, 10);
    ck_assert_int_eq(back[9], 100);
}
END_TEST

/* A valid header cut at every length must fail cleanly or describe only bytes present. */
START_TEST(wav_every_truncation_is_rejected_or_read_safely)
{
    const char *path = tmp_path("trunc.wav");
    wbuf b;
    size_t full;

    w_riff(&b);
    w_chunk(&b, "LIST", 5);
    w_bytes(&b, "hello\0", 6);
    w_fmt_ext(&b, 1, 2, 22050, 24);
    w_chunk(&b, "data", 60);
    for (int i = 0; i < 60; i++)
        w_bytes(&b, "\x11", 1);
    w_finish(&b);
    full = b.len;
    for (size_t len = 0; len <= full; len++) {
        sotto_wav_info info;
        char err[128] = "";
        int rc = sotto__wav_parse_header(b.data, len, &info, err, sizeof(err));

        /* Only a cut before the first sample may fail. */
        ck_assert_msg((rc < 0) == (len < full - 60), "length %zu: rc %d (%s)", len, rc, err);
        if (rc < 0) {
            ck_assert_int_eq(rc, -EINVAL);
            ck_assert_msg(err[0] != '\0', "no reason at length %zu", len);
            continue;
        }
        ck_assert_uint_le(info.data_offset + info.data_bytes, len);
        ck_assert_uint_eq(info.frames, (len - info.data_offset) / 6);
        if (len % 7 == 0 || len == full) {
            int16_t mono[16];
            sotto_wav_info finfo;

            write_file(path, b.data, len);
            ck_assert_uint_eq(read_all(path, mono, 16, &finfo), info.frames);
        }
    }
}
END_TEST

START_TEST(wav_garbage_is_rejected)
{
    uint8_t junk[512];
    uint32_t seed = 12345;
    sotto_wav_info info;
    char err[128];

    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)(round * 2 + 1);

        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (uint8_t)(seed >> 16);
        }
        ck_assert_int_lt(sotto__wav_parse_header(junk, len, &info, err, sizeof(err)), 0);
    }
    /* A valid RIFF/WAVE start followed by noise walks chunks and stays in bounds. */
    for (int round = 0; round < 500; round++) {
        size_t len = 12 + (size_t)(round % 480);
        int rc;

        for (size_t i = 12; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (uint8_t)(seed >> 16);
        }
        memcpy(junk, "RIFF\0\0\0\0WAVE", 12);
        if (round % 3 == 0 && len >= 36)
            memcpy(junk + 12, "fmt \x10\0\0\0", 8);
        rc = sotto__wav_parse_header(junk, len, &info, err, sizeof(err));
        if (rc == 0)
            ck_assert_uint_le(info.data_offset + info.data_bytes, len);
        else
            ck_assert(err[0] != '\0');
    }
    memcpy(junk, "RIFX\x10\0\0\0WAVE", 12);
    ck_assert_int_eq(sotto__wav_parse_header(junk, 12, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "not a RIFF file");
    memcpy(junk, "RIFF\x10\0\0\0AVI ", 12);
    ck_assert_int_eq(sotto__wav_parse_header(junk, 12, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "not a WAVE file");
    memcpy(junk, "RF64\x10\0\0\0WAVE", 12);
    ck_assert_int_eq(sotto__wav_parse_header(junk, 12, &info, err, sizeof(err)), -ENOTSUP);
    ck_assert_int_eq(sotto__wav_parse_header(NULL, 12, &info, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto__wav_parse_header(junk, 12, NULL, err, sizeof(err)), -EINVAL);
}
END_TEST

typedef struct bad_fmt_case {
    uint16_t tag, channels;
    uint32_t rate;
    uint16_t align, bits;
    int expect;
    const char *reason;
} bad_fmt_case;

START_TEST(wav_rejects_bad_fmt_fields_with_reason)
{
    static const bad_fmt_case cases[] = {
        { 1, 1, 0, 2, 16, -EINVAL, "zero sample rate" },
        { 1, 0, 16000, 2, 16, -EINVAL, "zero channels" },
        { 1, 1, 16000, 3, 16, -EINVAL, "bad block align" },
        { 1, 2, 16000, 2, 16, -EINVAL, "bad block align" },
        { 1, 9, 16000, 18, 16, -ENOTSUP, "channels" },
        { 1, 1, 4000, 2, 16, -ENOTSUP, "sample rate" },
        { 1, 1, 384000, 2, 16, -ENOTSUP, "sample rate" },
        { 1, 1, 16000, 1, 8, -ENOTSUP, "8 bits" },
        { 1, 1, 16000, 2, 12, -EINVAL, "12 bits" },
        { 3, 1, 16000, 8, 64, -ENOTSUP, "float" },
        { 2, 1, 16000, 2, 16, -ENOTSUP, "format tag 0x0002" },
        { 7, 1, 8000, 1, 8, -ENOTSUP, "format tag 0x0007" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const bad_fmt_case *c = &cases[i];
        wbuf b;
        sotto_wav_info info;
        char err[128];

        w_riff(&b);
        w_fmt_raw(&b, c->tag, c->channels, c->rate, c->align, c->bits);
        w_chunk(&b, "data", 4);
        w_u32(&b, 0);
        w_finish(&b);
        ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), c->expect);
        ck_assert_msg(strstr(err, c->reason) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                      c->reason);
    }
}
END_TEST

START_TEST(wav_rejects_bad_chunk_structure_with_reason)
{
    wbuf b;
    sotto_wav_info info;
    char err[128];

    w_riff(&b); /* huge fmt length */
    w_chunk(&b, "fmt ", 0x7FFFFFF0u);
    w_bytes(&b, "0123456789abcdef", 16);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "fmt chunk too large (2147483632 bytes)");

    w_riff(&b); /* short fmt */
    w_chunk(&b, "fmt ", 8);
    w_bytes(&b, "01234567", 8);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "too short"));

    w_riff(&b); /* fmt longer than the file */
    w_chunk(&b, "fmt ", 100);
    w_bytes(&b, "0123456789abcdef", 16);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "truncated fmt chunk");

    w_riff(&b); /* no fmt at all */
    w_chunk(&b, "data", 2);
    w_u16(&b, 0);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "data chunk before fmt chunk");

    w_riff(&b); /* nothing after RIFF header */
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "missing fmt chunk");

    w_riff(&b); /* fmt but no data */
    w_fmt(&b, 1, 1, 16000, 16);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "missing data chunk");

    w_riff(&b); /* unknown chunk running past the end */
    w_fmt(&b, 1, 1, 16000, 16);
    w_chunk(&b, "junk", 0xFFFFFFF0u);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "'junk' runs past end"));

    w_riff(&b); /* duplicate fmt */
    w_fmt(&b, 1, 1, 16000, 16);
    w_fmt(&b, 1, 1, 16000, 16);
    w_chunk(&b, "data", 0);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "duplicate fmt chunk");

    w_riff(&b); /* endless tiny chunks */
    w_fmt(&b, 1, 1, 16000, 16);
    for (int i = 0; i < SOTTO_WAV_MAX_CHUNKS + 10; i++)
        w_chunk(&b, "pad ", 0);
    w_chunk(&b, "data", 0);
    ck_assert_int_eq(parse(&b, &info, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "more than 4096 chunks before data");
}
END_TEST

START_TEST(wav_open_errors_are_reported)
{
    sotto_wav_reader *r = NULL;
    sotto_wav_writer *w = NULL;
    char err[256] = "";
    int16_t pcm[2] = { 0, 0 };

    ck_assert_int_eq(sotto_wav_reader_open(&r, tmp_path("missing.wav"), err, sizeof(err)), -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "missing.wav"));
    ck_assert_ptr_null(r);
    ck_assert_int_eq(sotto_wav_reader_open(NULL, "x", err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_wav_writer_open(&w, "/nonexistent-dir/x.wav", 16000, 1, err, sizeof(err)),
                     -ENOENT);
    ck_assert_int_eq(sotto_wav_writer_open(&w, tmp_path("x.wav"), 16000, 0, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_wav_writer_open(&w, tmp_path("y.wav"), 1000, 1, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_null(w);
    ck_assert_int_eq(sotto_wav_writer_write(NULL, pcm, 1), -EINVAL);
    ck_assert_int_eq(sotto_wav_writer_close(NULL), 0);
    sotto_wav_reader_close(NULL);
    sotto_wav_reader_close(&r);
}
END_TEST

static Suite *wav_suite(void)
{
    Suite *s = suite_create("wav");
    TCase *tc = tcase_create("wav");

    tcase_add_checked_fixture(tc, make_tmp_dir, remove_tmp_dir);
    tcase_add_test(tc, wav_write_then_read_is_sample_exact);
    tcase_add_test(tc, wav_writer_patches_sizes_on_close);
    tcase_add_test(tc, wav_reader_reads_file_of_killed_writer);
    tcase_add_test(tc, wav_stereo_is_downmixed_to_rounded_average);
    tcase_add_test(tc, wav_reads_24bit_pcm);
    tcase_add_test(tc, wav_reads_32bit_int_and_float);
    tcase_add_test(tc, wav_reads_extensible_pcm_and_float);
    tcase_add_test(tc, wav_rejects_unknown_extensible_subformat);
    tcase_add_test(tc, wav_skips_odd_sized_unknown_chunks);
    tcase_add_test(tc, wav_streamed_data_size_reads_to_end_of_file);
    tcase_add_test(tc, wav_truncated_data_reads_what_is_there);
    tcase_add_test(tc, wav_every_truncation_is_rejected_or_read_safely);
    tcase_add_test(tc, wav_garbage_is_rejected);
    tcase_add_test(tc, wav_rejects_bad_fmt_fields_with_reason);
    tcase_add_test(tc, wav_rejects_bad_chunk_structure_with_reason);
    tcase_add_test(tc, wav_open_errors_are_reported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(wav_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
