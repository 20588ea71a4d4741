#include "codec/sotto_payload.h"

#include <errno.h>
#include <string.h>

#define LOW_MODE_BIT 0x80u
#define FIXED_BIT 0x40u /* was the version field 01: 3.2 kbit/s payloads are unchanged */
#define COUNT_MASK 0x3Fu

int sotto_payload_pack(size_t frame_bytes, const uint8_t *redundant, size_t redundant_count,
                       const uint8_t *primary, size_t primary_count, uint8_t *out,
                       size_t cap, size_t *out_len)
{
    size_t need;

    if (!primary || !out || !out_len ||
        (frame_bytes != SOTTO_PAYLOAD_NORMAL_BYTES && frame_bytes != SOTTO_PAYLOAD_LOW_BYTES) ||
        primary_count == 0 ||
        primary_count > SOTTO_PAYLOAD_MAX_PRIMARY ||
        redundant_count > SOTTO_PAYLOAD_MAX_REDUNDANT || (redundant_count && !redundant))
        return -EINVAL;
    need = 1 + (redundant_count + primary_count) * frame_bytes;
    if (cap < need)
        return -ENOSPC;
    out[0] = (uint8_t)(FIXED_BIT | (frame_bytes == SOTTO_PAYLOAD_LOW_BYTES ? LOW_MODE_BIT : 0) |
                       (uint8_t)redundant_count);
    if (redundant_count)
        memcpy(out + 1, redundant, redundant_count * frame_bytes);
    memcpy(out + 1 + redundant_count * frame_bytes, primary, primary_count * frame_bytes);
    *out_len = need;
    return 0;
}

int sotto_payload_parse(const uint8_t *payload, size_t len, sotto_payload_view *out)
{
    size_t frames, redundant, frame_bytes;

    if (!payload || !out)
        return -EINVAL;
    if (len == 0 || !(payload[0] & FIXED_BIT))
        return -EBADMSG;
    frame_bytes =
        payload[0] & LOW_MODE_BIT ? SOTTO_PAYLOAD_LOW_BYTES : SOTTO_PAYLOAD_NORMAL_BYTES;
    if (len < 1 + frame_bytes || (len - 1) % frame_bytes != 0)
        return -EBADMSG;
    frames = (len - 1) / frame_bytes;
    redundant = payload[0] & COUNT_MASK;
    if (frames <= redundant || frames - redundant > SOTTO_PAYLOAD_MAX_PRIMARY)
        return -EBADMSG;
    out->frame_bytes = frame_bytes;
    out->redundant = payload + 1;
    out->redundant_count = redundant;
    out->primary = payload + 1 + redundant * frame_bytes;
    out->primary_count = frames - redundant;
    return 0;
}
