/* WAV reader and writer. The header parser walks chunks through a small
 * "read at offset" source so that files and memory (the fuzzer) share one
 * code path; every offset is checked against the source size first. */
#include "audio/wav.h"

#include "audio/err.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define RIFF_HEADER_BYTES 12
#define CHUNK_HEADER_BYTES 8
#define FMT_BASIC_BYTES 16
#define FMT_EXTENSIBLE_BYTES 40
#define WRITER_HEADER_BYTES 44
#define WAV_SIZE_STREAMED 0xFFFFFFFFu
#define TAG_PCM 0x0001
#define TAG_FLOAT 0x0003
#define TAG_EXTENSIBLE 0xFFFE
#define READER_BLOCK_FRAMES 1024

/* Bytes 2..15 shared by the KSDATAFORMAT_SUBTYPE_PCM/IEEE_FLOAT GUIDs. */
static const uint8_t ks_guid_tail[14] = {
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
};

typedef struct wav_source {
    int (*read_at)(void *ctx, uint64_t offset, uint8_t *buf, size_t len); /* 0 or -EIO */
    void *ctx;          /* the memory block or FILE */
    uint64_t size;      /* bytes in the source */
} wav_source;

typedef struct mem_source {
    const uint8_t *data; /* not owned */
    size_t len;          /* bytes */
} mem_source;

struct sotto_wav_reader {
    FILE *file;             /* owned */
    sotto_wav_info info;    /* parsed header */
    uint64_t remaining;     /* data bytes not read yet */
    uint8_t *block;         /* raw bytes for READER_BLOCK_FRAMES frames */
};

struct sotto_wav_writer {
    FILE *file;             /* owned */
    int channels;           /* 1..8 */
    uint64_t data_bytes;    /* sample bytes written */
    int failed;             /* 1 after any failed write: close returns -EIO */
    uint8_t block[4096];    /* little-endian staging for fwrite */
};

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xFF);
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xFF);
    p[1] = (uint8_t)((v >> 8) & 0xFF);
    p[2] = (uint8_t)((v >> 16) & 0xFF);
    p[3] = (uint8_t)(v >> 24);
}

/* Chunk ids go into error messages: keep them printable. */
static void printable_id(const uint8_t *id, char out[5])
{
    for (int i = 0; i < 4; i++)
        out[i] = (id[i] >= 0x20 && id[i] < 0x7F) ? (char)id[i] : '?';
    out[4] = '\0';
}

static int check_guid(const uint8_t *guid, uint16_t *out_tag, char *err, size_t errlen)
{
    if (memcmp(guid + 2, ks_guid_tail, sizeof(ks_guid_tail)) != 0) {
        sotto__audio_errf(err, errlen, "unsupported WAVE_FORMAT_EXTENSIBLE subformat GUID");
        return -ENOTSUP;
    }
    *out_tag = le16(guid);
    return 0;
}

static int check_sample_format(uint16_t tag, int bits, char *err, size_t errlen)
{
    if (tag == TAG_PCM) {
        if (bits == 16 || bits == 24 || bits == 32)
            return 0;
        sotto__audio_errf(err, errlen, "unsupported PCM sample size %d bits (16, 24, 32)", bits);
        return bits == 8 ? -ENOTSUP : -EINVAL;
    }
    if (tag == TAG_FLOAT) {
        if (bits == 32)
            return 0;
        sotto__audio_errf(err, errlen, "unsupported float sample size %d bits (32)", bits);
        return bits == 64 ? -ENOTSUP : -EINVAL;
    }
    sotto__audio_errf(err, errlen, "unsupported format tag 0x%04x (PCM or float only)", tag);
    return -ENOTSUP;
}

/* body holds min(size, FMT_EXTENSIBLE_BYTES) bytes of a fmt chunk of size bytes. */
static int parse_fmt(const uint8_t *body, uint32_t size, sotto_wav_info *info,
                     char *err, size_t errlen)
{
    uint16_t tag = le16(body);
    int channels = le16(body + 2);
    uint32_t rate = le32(body + 4);
    uint16_t block_align = le16(body + 12);
    int bits = le16(body + 14);
    int rc;

    if (tag == TAG_EXTENSIBLE) {
        if (size < FMT_EXTENSIBLE_BYTES || le16(body + 16) < 22) {
            sotto__audio_errf(err, errlen, "WAVE_FORMAT_EXTENSIBLE fmt chunk too short (%u bytes)",
                              (unsigned)size);
            return -EINVAL;
        }
        if (le16(body + 18) > bits) {
            sotto__audio_errf(err, errlen, "valid bits %u exceed container of %d bits",
                              (unsigned)le16(body + 18), bits);
            return -EINVAL;
        }
        rc = check_guid(body + 24, &tag, err, errlen);
        if (rc < 0)
            return rc;
    }
    if (channels == 0) {
        sotto__audio_errf(err, errlen, "zero channels");
        return -EINVAL;
    }
    if (channels > SOTTO_WAV_MAX_CHANNELS) {
        sotto__audio_errf(err, errlen, "%d channels (at most %d supported)", channels,
                          SOTTO_WAV_MAX_CHANNELS);
        return -ENOTSUP;
    }
    if (rate == 0) {
        sotto__audio_errf(err, errlen, "zero sample rate");
        return -EINVAL;
    }
    if (rate < SOTTO_WAV_MIN_RATE || rate > SOTTO_WAV_MAX_RATE) {
        sotto__audio_errf(err, errlen, "sample rate %u Hz outside %d..%d", (unsigned)rate,
                          SOTTO_WAV_MIN_RATE, SOTTO_WAV_MAX_RATE);
        return -ENOTSUP;
    }
    rc = check_sample_format(tag, bits, err, errlen);
    if (rc < 0)
        return rc;
    if (block_align != (size_t)channels * (size_t)(bits / 8)) {
        sotto__audio_errf(err, errlen, "bad block align %u (expected %d)", (unsigned)block_align,
                          channels * (bits / 8));
        return -EINVAL;
    }
    info->channels = channels;
    info->rate = (int)rate;
    info->bits = bits;
    info->is_float = tag == TAG_FLOAT;
    info->block_align = block_align;
    return 0;
}

static int read_fmt_chunk(const wav_source *src, uint64_t body_off, uint32_t size,
                          sotto_wav_info *info, char *err, size_t errlen)
{
    uint8_t body[FMT_EXTENSIBLE_BYTES];
    size_t want = size < sizeof(body) ? size : sizeof(body);

    if (size < FMT_BASIC_BYTES) {
        sotto__audio_errf(err, errlen, "fmt chunk too short (%u bytes)", (unsigned)size);
        return -EINVAL;
    }
    if (size > SOTTO_WAV_MAX_FMT_BYTES) {
        sotto__audio_errf(err, errlen, "fmt chunk too large (%u bytes)", (unsigned)size);
        return -EINVAL;
    }
    if (body_off + size > src->size) {
        sotto__audio_errf(err, errlen, "truncated fmt chunk");
        return -EINVAL;
    }
    if (src->read_at(src->ctx, body_off, body, want) < 0) {
        sotto__audio_errf(err, errlen, "read error in fmt chunk");
        return -EIO;
    }
    return parse_fmt(body, size, info, err, errlen);
}

static int check_riff(const wav_source *src, char *err, size_t errlen)
{
    uint8_t head[RIFF_HEADER_BYTES];

    if (src->size < RIFF_HEADER_BYTES) {
        sotto__audio_errf(err, errlen, "truncated RIFF header (%llu bytes)",
                          (unsigned long long)src->size);
        return -EINVAL;
    }
    if (src->read_at(src->ctx, 0, head, sizeof(head)) < 0) {
        sotto__audio_errf(err, errlen, "read error in RIFF header");
        return -EIO;
    }
    if (memcmp(head, "RF64", 4) == 0) {
        sotto__audio_errf(err, errlen, "RF64 files are not supported");
        return -ENOTSUP;
    }
    if (memcmp(head, "RIFF", 4) != 0) {
        sotto__audio_errf(err, errlen, "not a RIFF file");
        return -EINVAL;
    }
    if (memcmp(head + 8, "WAVE", 4) != 0) {
        sotto__audio_errf(err, errlen, "not a WAVE file");
        return -EINVAL;
    }
    return 0;
}

static void set_data_extent(const wav_source *src, uint64_t data_off, uint32_t size,
                            sotto_wav_info *info)
{
    uint64_t avail = src->size - data_off;
    uint64_t bytes = size;

    /* Streaming writers cannot patch the size: 0 and 0xFFFFFFFF mean "to EOF". */
    if (size == 0 || size == WAV_SIZE_STREAMED || bytes > avail)
        bytes = avail;
    info->data_offset = data_off;
    info->data_bytes = bytes;
    info->frames = bytes / info->block_align;
}

static int parse_source(const wav_source *src, sotto_wav_info *out_info, char *err, size_t errlen)
{
    sotto_wav_info info;
    uint64_t off = RIFF_HEADER_BYTES;
    int have_fmt = 0;
    int rc = check_riff(src, err, errlen);

    memset(&info, 0, sizeof(info));
    for (int n = 0; rc == 0; n++) {
        uint8_t hdr[CHUNK_HEADER_BYTES];
        uint64_t span;
        char id[5];

        if (n >= SOTTO_WAV_MAX_CHUNKS) {
            sotto__audio_errf(err, errlen, "more than %d chunks before data", SOTTO_WAV_MAX_CHUNKS);
            return -EINVAL;
        }
        if (src->size - off < CHUNK_HEADER_BYTES) {
            sotto__audio_errf(err, errlen, have_fmt ? "missing data chunk" : "missing fmt chunk");
            return -EINVAL;
        }
        if (src->read_at(src->ctx, off, hdr, sizeof(hdr)) < 0) {
            sotto__audio_errf(err, errlen, "read error in chunk header");
            return -EIO;
        }
        off += CHUNK_HEADER_BYTES;
        span = (uint64_t)le32(hdr + 4);
        if (memcmp(hdr, "data", 4) == 0) {
            if (!have_fmt) {
                sotto__audio_errf(err, errlen, "data chunk before fmt chunk");
                return -EINVAL;
            }
            set_data_extent(src, off, le32(hdr + 4), &info);
            *out_info = info;
            return 0;
        }
        if (memcmp(hdr, "fmt ", 4) == 0) {
            if (have_fmt) {
                sotto__audio_errf(err, errlen, "duplicate fmt chunk");
                return -EINVAL;
            }
            rc = read_fmt_chunk(src, off, le32(hdr + 4), &info, err, errlen);
            have_fmt = 1;
        }
        span += span & 1u; /* chunks are word-aligned */
        if (rc == 0 && span > src->size - off) {
            printable_id(hdr, id);
            sotto__audio_errf(err, errlen, "chunk '%s' runs past end of file before data", id);
            return -EINVAL;
        }
        off += span;
    }
    return rc;
}

static int mem_read_at(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    const mem_source *mem = ctx;

    if (offset > mem->len || len > mem->len - offset)
        return -EIO;
    memcpy(buf, mem->data + offset, len);
    return 0;
}

int sotto__wav_parse_header(const uint8_t *buf, size_t len, sotto_wav_info *out_info,
                            char *err, size_t errlen)
{
    mem_source mem = { .data = buf, .len = len };
    wav_source src = { .read_at = mem_read_at, .ctx = &mem, .size = len };

    if ((!buf && len > 0) || !out_info) {
        sotto__audio_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    return parse_source(&src, out_info, err, errlen);
}

/* a / b rounded toward minus infinity, b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if (a % b != 0 && a < 0)
        q--;
    return q;
}

/* One stored sample scaled to the full signed 32-bit range. */
static int64_t sample_s32(const uint8_t *p, const sotto_wav_info *info)
{
    if (info->is_float) {
        uint32_t u = le32(p);
        float f;

        memcpy(&f, &u, sizeof(f));
        if (isnan(f))
            return 0;
        if (f > 1.0f)
            f = 1.0f;
        if (f < -1.0f)
            f = -1.0f;
        return (int64_t)lrint((double)f * 2147483647.0);
    }
    if (info->bits == 16)
        return (int64_t)(int16_t)le16(p) * 65536;
    if (info->bits == 24) {
        int64_t v = (int64_t)p[0] | ((int64_t)p[1] << 8) | ((int64_t)p[2] << 16);

        if (v & 0x800000)
            v -= 0x1000000;
        return v * 256;
    }
    {
        int64_t v = (int64_t)le32(p);

        if (v & 0x80000000LL)
            v -= 0x100000000LL;
        return v;
    }
}

void sotto__wav_decode_mono(const sotto_wav_info *info, const uint8_t *bytes, size_t frames,
                            int16_t *out)
{
    size_t width;

    if (!info || !bytes || !out || info->channels <= 0 || info->bits <= 0)
        return;
    width = (size_t)info->bits / 8;
    for (size_t f = 0; f < frames; f++) {
        const uint8_t *frame = bytes + f * info->block_align;
        int64_t sum = 0;
        int64_t v;

        for (int c = 0; c < info->channels; c++)
            sum += sample_s32(frame + (size_t)c * width, info);
        v = floor_div(sum / info->channels + 32768, 65536);
        if (v > INT16_MAX)
            v = INT16_MAX;
        if (v < INT16_MIN)
            v = INT16_MIN;
        out[f] = (int16_t)v;
    }
}

static int file_read_at(void *ctx, uint64_t offset, uint8_t *buf, size_t len)
{
    FILE *file = ctx;

    if (offset > (uint64_t)INT64_MAX || fseeko(file, (off_t)offset, SEEK_SET) != 0)
        return -EIO;
    return fread(buf, 1, len, file) == len ? 0 : -EIO;
}

static int file_size(FILE *file, uint64_t *out_size)
{
    off_t end;

    if (fseeko(file, 0, SEEK_END) != 0)
        return -ESPIPE;
    end = ftello(file);
    if (end < 0)
        return -ESPIPE;
    *out_size = (uint64_t)end;
    return 0;
}

int sotto_wav_reader_open(sotto_wav_reader **out_reader, const char *path,
                          char *err, size_t errlen)
{
    sotto_wav_reader *reader = NULL;
    wav_source src = { .read_at = file_read_at };
    int rc;

    if (!out_reader || !path) {
        sotto__audio_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    reader = calloc(1, sizeof(*reader));
    if (!reader) {
        rc = -ENOMEM;
        sotto__audio_errf(err, errlen, "out of memory");
        goto fail;
    }
    reader->file = fopen(path, "rb");
    if (!reader->file) {
        rc = -errno;
        sotto__audio_errf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    src.ctx = reader->file;
    rc = file_size(reader->file, &src.size);
    if (rc < 0) {
        sotto__audio_errf(err, errlen, "%s: not a seekable file", path);
        goto fail;
    }
    rc = parse_source(&src, &reader->info, err, errlen);
    if (rc < 0)
        goto fail;
    reader->block = malloc(READER_BLOCK_FRAMES * reader->info.block_align);
    if (!reader->block) {
        rc = -ENOMEM;
        sotto__audio_errf(err, errlen, "out of memory");
        goto fail;
    }
    if (fseeko(reader->file, (off_t)reader->info.data_offset, SEEK_SET) != 0) {
        rc = -EIO;
        sotto__audio_errf(err, errlen, "%s: seek failed", path);
        goto fail;
    }
    reader->remaining = reader->info.data_bytes;
    *out_reader = reader;
    return 0;
fail:
    sotto_wav_reader_close(&reader);
    return rc;
}

void sotto_wav_reader_get_info(const sotto_wav_reader *reader, sotto_wav_info *out_info)
{
    if (!reader || !out_info)
        return;
    *out_info = reader->info;
}

int sotto_wav_reader_read_mono(sotto_wav_reader *reader, int16_t *out, size_t max_frames,
                               size_t *out_frames)
{
    size_t want, got;
    uint64_t left;

    if (!reader || !out || !out_frames)
        return -EINVAL;
    left = reader->remaining / reader->info.block_align;
    want = max_frames < READER_BLOCK_FRAMES ? max_frames : READER_BLOCK_FRAMES;
    if ((uint64_t)want > left)
        want = (size_t)left;
    if (want == 0) {
        *out_frames = 0;
        return 0;
    }
    got = fread(reader->block, reader->info.block_align, want, reader->file);
    if (got < want) {
        if (ferror(reader->file))
            return -EIO;
        reader->remaining = 0; /* the file shrank under us: stop at what was there */
    } else {
        reader->remaining -= (uint64_t)got * reader->info.block_align;
    }
    sotto__wav_decode_mono(&reader->info, reader->block, got, out);
    *out_frames = got;
    return 0;
}

void sotto_wav_reader_close(sotto_wav_reader **reader)
{
    if (!reader || !*reader)
        return;
    if ((*reader)->file)
        fclose((*reader)->file);
    free((*reader)->block);
    free(*reader);
    *reader = NULL;
}

static void build_header(uint8_t *h, int rate, int channels, uint32_t riff_size,
                         uint32_t data_size)
{
    memcpy(h, "RIFF", 4);
    put_le32(h + 4, riff_size);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le32(h + 16, FMT_BASIC_BYTES);
    put_le16(h + 20, TAG_PCM);
    put_le16(h + 22, (uint16_t)channels);
    put_le32(h + 24, (uint32_t)rate);
    put_le32(h + 28, (uint32_t)rate * (uint32_t)channels * 2u);
    put_le16(h + 32, (uint16_t)(channels * 2));
    put_le16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    put_le32(h + 40, data_size);
}

int sotto_wav_writer_open(sotto_wav_writer **out_writer, const char *path, int rate,
                          int channels, char *err, size_t errlen)
{
    sotto_wav_writer *writer = NULL;
    uint8_t header[WRITER_HEADER_BYTES];
    int rc;

    if (!out_writer || !path || channels < 1 || channels > SOTTO_WAV_MAX_CHANNELS ||
        rate < SOTTO_WAV_MIN_RATE || rate > SOTTO_WAV_MAX_RATE) {
        sotto__audio_errf(err, errlen, "invalid WAV writer arguments");
        return -EINVAL;
    }
    writer = calloc(1, sizeof(*writer));
    if (!writer) {
        sotto__audio_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    writer->channels = channels;
    writer->file = fopen(path, "wb");
    if (!writer->file) {
        rc = -errno;
        sotto__audio_errf(err, errlen, "%s: %s", path, strerror(errno));
        goto fail;
    }
    build_header(header, rate, channels, WAV_SIZE_STREAMED, WAV_SIZE_STREAMED);
    if (fwrite(header, 1, sizeof(header), writer->file) != sizeof(header)) {
        rc = -EIO;
        sotto__audio_errf(err, errlen, "%s: write failed", path);
        goto fail;
    }
    *out_writer = writer;
    return 0;
fail:
    if (writer->file)
        fclose(writer->file);
    free(writer);
    return rc;
}

int sotto_wav_writer_write(sotto_wav_writer *writer, const int16_t *pcm, size_t frames)
{
    size_t samples, per_block = sizeof(writer->block) / 2;
    uint64_t bytes;

    if (!writer || (!pcm && frames > 0))
        return -EINVAL;
    if (frames > SIZE_MAX / 2 / (size_t)writer->channels)
        return -EFBIG;
    samples = frames * (size_t)writer->channels;
    bytes = (uint64_t)samples * 2u;
    if (bytes > WAV_SIZE_STREAMED - (WRITER_HEADER_BYTES - 8) - writer->data_bytes)
        return -EFBIG;
    for (size_t done = 0; done < samples;) {
        size_t n = samples - done < per_block ? samples - done : per_block;

        for (size_t i = 0; i < n; i++)
            put_le16(writer->block + 2 * i, (uint16_t)pcm[done + i]);
        if (fwrite(writer->block, 2, n, writer->file) != n) {
            writer->failed = 1;
            return -EIO;
        }
        writer->data_bytes += 2u * n;
        done += n;
    }
    return 0;
}

uint64_t sotto_wav_writer_frames(const sotto_wav_writer *writer)
{
    if (!writer)
        return 0;
    return writer->data_bytes / (2u * (uint64_t)writer->channels);
}

static int patch_u32(FILE *file, long offset, uint32_t value)
{
    uint8_t b[4];

    put_le32(b, value);
    if (fseek(file, offset, SEEK_SET) != 0 || fwrite(b, 1, sizeof(b), file) != sizeof(b))
        return -EIO;
    return 0;
}

int sotto_wav_writer_close(sotto_wav_writer **writer)
{
    sotto_wav_writer *w;
    int rc = 0;

    if (!writer || !*writer)
        return 0;
    w = *writer;
    /* Sizes fit: writes past the RIFF limit were refused. */
    if (patch_u32(w->file, 4, (uint32_t)(w->data_bytes + WRITER_HEADER_BYTES - 8)) < 0 ||
        patch_u32(w->file, 40, (uint32_t)w->data_bytes) < 0)
        rc = -EIO;
    if (fclose(w->file) != 0 || w->failed)
        rc = -EIO;
    free(w);
    *writer = NULL;
    return rc;
}
