/* RFC 2198 RED payloads: split into blocks and build from blocks. */
#include "net/red.h"

#include <errno.h>
#include <string.h>

#define RED_F_BIT 0x80u          /* set: another header follows this one */
#define RED_PT_MASK 0x7Fu
#define RED_MAX_PT 127u

static uint16_t red_header_offset(const uint8_t *h)
{
    return (uint16_t)(((unsigned)h[1] << 6) | (h[2] >> 2));
}

static size_t red_header_len(const uint8_t *h)
{
    return ((size_t)(h[2] & 0x03u) << 8) | h[3];
}

/* Walks the headers without writing anything: counts the blocks, finds
 * where the data starts and checks every length against len. */
static int red_scan(const uint8_t *payload, size_t len, size_t max_blocks, size_t *count,
                    size_t *data_start)
{
    size_t pos = 0, n = 0, redundant_bytes = 0;

    for (;;) {
        if (pos >= len || n == max_blocks)
            return -EBADMSG;
        if (!(payload[pos] & RED_F_BIT)) {
            pos += SOTTO_RED_PRIMARY_HEADER;
            n++;
            break;
        }
        if (len - pos < SOTTO_RED_HEADER)
            return -EBADMSG;
        redundant_bytes += red_header_len(payload + pos);
        pos += SOTTO_RED_HEADER;
        n++;
    }
    if (redundant_bytes > len - pos)
        return -EBADMSG;
    *count = n;
    *data_start = pos;
    return 0;
}

int sotto_red_parse(const uint8_t *payload, size_t len, sotto_red_block *out_blocks,
                    size_t max_blocks, size_t *out_count)
{
    size_t count = 0, data = 0;
    int rc;

    if (!payload || !out_blocks || max_blocks == 0 || !out_count)
        return -EINVAL;
    rc = red_scan(payload, len, max_blocks, &count, &data);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *h = payload + i * SOTTO_RED_HEADER;
        sotto_red_block *b = &out_blocks[i];
        b->payload_type = (uint8_t)(h[0] & RED_PT_MASK);
        if (i + 1 < count) {
            b->ts_offset = red_header_offset(h);
            b->len = red_header_len(h);
        } else {
            b->ts_offset = 0;
            b->len = len - data;     /* the primary runs to the end */
        }
        b->data = payload + data;
        data += b->len;
    }
    *out_count = count;
    return 0;
}

static int red_block_ok(const sotto_red_block *b, int is_primary)
{
    if (b->payload_type > RED_MAX_PT || (b->len > 0 && !b->data))
        return 0;
    if (is_primary)
        return b->ts_offset == 0;
    return b->ts_offset <= SOTTO_RED_MAX_TS_OFFSET && b->len <= SOTTO_RED_MAX_BLOCK_LEN;
}

size_t sotto_red_size(const sotto_red_block *blocks, size_t count)
{
    size_t total = 0;

    if (!blocks || count == 0)
        return 0;
    for (size_t i = 0; i < count; i++) {
        int is_primary = i + 1 == count;
        size_t header = is_primary ? SOTTO_RED_PRIMARY_HEADER : SOTTO_RED_HEADER;
        if (!red_block_ok(&blocks[i], is_primary) || blocks[i].len > SIZE_MAX - total - header)
            return 0;
        total += header + blocks[i].len;
    }
    return total;
}

int sotto_red_build(const sotto_red_block *blocks, size_t count, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    size_t total, pos;

    if (!out || !out_len)
        return -EINVAL;
    total = sotto_red_size(blocks, count);
    if (total == 0)
        return -EINVAL;
    if (total > cap)
        return -ENOSPC;
    for (size_t i = 0; i + 1 < count; i++) {
        uint8_t *h = out + i * SOTTO_RED_HEADER;
        h[0] = (uint8_t)(RED_F_BIT | blocks[i].payload_type);
        h[1] = (uint8_t)(blocks[i].ts_offset >> 6);
        h[2] = (uint8_t)(((blocks[i].ts_offset & 0x3Fu) << 2) | (blocks[i].len >> 8));
        h[3] = (uint8_t)blocks[i].len;
    }
    pos = (count - 1) * SOTTO_RED_HEADER;
    out[pos++] = blocks[count - 1].payload_type;
    for (size_t i = 0; i < count; i++) {
        if (blocks[i].len > 0)
            memcpy(out + pos, blocks[i].data, blocks[i].len);
        pos += blocks[i].len;
    }
    *out_len = total;
    return 0;
}
