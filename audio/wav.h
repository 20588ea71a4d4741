/* WAV (RIFF/WAVE) files: a reader that delivers mono int16 and a 16-bit PCM
 * writer.
 *
 * The reader accepts PCM 16/24/32-bit integer and 32-bit float, plain or
 * WAVE_FORMAT_EXTENSIBLE, 1..8 channels, 8000..192000 Hz. Unknown chunks are
 * skipped (with RIFF odd-size padding); a data size of 0 or 0xFFFFFFFF
 * (streamed writers) means "to end of file" and a data chunk cut short is
 * read as far as it goes. Every length read from the file is checked against
 * the file size before it is used. */
#ifndef SOTTO_AUDIO_WAV_H
#define SOTTO_AUDIO_WAV_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_WAV_MAX_CHANNELS 8
#define SOTTO_WAV_MIN_RATE 8000
#define SOTTO_WAV_MAX_RATE 192000
#define SOTTO_WAV_MAX_FMT_BYTES 1024   /* larger fmt chunks are rejected as corrupt */
#define SOTTO_WAV_MAX_CHUNKS 4096      /* chunk walk limit before data */

typedef struct sotto_wav_info {
    int channels;           /* 1..8 */
    int rate;               /* Hz */
    int bits;               /* bits per stored sample: 16, 24 or 32 */
    int is_float;           /* 1: IEEE float samples (bits 32), 0: signed integer */
    size_t block_align;     /* bytes per frame: channels * bits / 8 */
    uint64_t data_offset;   /* bytes from start of file to the first sample */
    uint64_t data_bytes;    /* sample bytes present in the file (after clamping) */
    uint64_t frames;        /* whole frames present: data_bytes / block_align */
} sotto_wav_info;

typedef struct sotto_wav_reader sotto_wav_reader;
typedef struct sotto_wav_writer sotto_wav_writer;

/* Parses a WAV header from memory: buf holds the file from its first byte
 * (the whole file, or a prefix of it, in which case data_bytes is clamped to
 * what buf holds). Nothing is retained. Returns 0 and fills *out_info, or
 * -EINVAL (malformed) / -ENOTSUP (valid but unsupported) with a reason in err. */
int sotto__wav_parse_header(const uint8_t *buf, size_t len, sotto_wav_info *out_info,
                            char *err, size_t errlen);

/* Converts frames of raw sample bytes laid out as info describes into mono
 * int16 (channel average, rounded). bytes must hold frames * block_align. */
void sotto__wav_decode_mono(const sotto_wav_info *info, const uint8_t *bytes, size_t frames,
                            int16_t *out);

/* Opens and parses path (a seekable file). The caller owns *out_reader and
 * releases it with sotto_wav_reader_close. Errors: -ENOENT etc. from fopen,
 * -EINVAL / -ENOTSUP from the header, -EIO on read errors; reason in err. */
int sotto_wav_reader_open(sotto_wav_reader **out_reader, const char *path,
                          char *err, size_t errlen);

/* Copies the parsed header into *out_info (original channels, rate, format). */
void sotto_wav_reader_get_info(const sotto_wav_reader *reader, sotto_wav_info *out_info);

/* Reads up to max_frames frames as mono int16 into out; *out_frames is 0 at
 * the end of the data. Returns 0, -EINVAL or -EIO. */
int sotto_wav_reader_read_mono(sotto_wav_reader *reader, int16_t *out, size_t max_frames,
                               size_t *out_frames);

/* Closes the file and frees the reader; accepts NULL, sets *reader to NULL. */
void sotto_wav_reader_close(sotto_wav_reader **reader);

/* Creates path (truncating it) as 16-bit PCM with channels 1..8 at rate Hz and
 * writes the header at once, its sizes marked "to end of file" until close
 * patches them. The caller owns *out_writer and must sotto_wav_writer_close it. */
int sotto_wav_writer_open(sotto_wav_writer **out_writer, const char *path, int rate,
                          int channels, char *err, size_t errlen);

/* Appends frames of interleaved samples (frames * channels values).
 * Returns 0, -EINVAL, -EFBIG (past the 4 GiB RIFF limit) or -EIO. */
int sotto_wav_writer_write(sotto_wav_writer *writer, const int16_t *pcm, size_t frames);

/* Frames written so far. */
uint64_t sotto_wav_writer_frames(const sotto_wav_writer *writer);

/* Patches the RIFF and data sizes, closes the file and frees the writer.
 * Accepts NULL; sets *writer to NULL. Returns 0 or -EIO if any write failed. */
int sotto_wav_writer_close(sotto_wav_writer **writer);

#endif
