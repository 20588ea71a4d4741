/* libFuzzer target: the Sotto RTP payload parser. Whatever parses must
 * pack back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/sotto_payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1 + (SOTTO_PAYLOAD_MAX_REDUNDANT + SOTTO_PAYLOAD_MAX_PRIMARY) * 10];
    sotto_payload_view v;
    size_t len = 0, frame_bytes;

    if (size < 1)
        return 0;
    frame_bytes = data[0] & 1 ? 10 : 8;
    data++;
    size--;
    if (sotto_payload_parse(data, size, frame_bytes, &v) != 0)
        return 0;
    if (sotto_payload_pack(frame_bytes, v.redundant_count ? v.redundant : NULL,
                           v.redundant_count, v.primary, v.primary_count, out, sizeof(out),
                           &len) != 0 ||
        len != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
