/* libFuzzer target: the Sotto RTP payload parser (either mode). Whatever
 * parses must pack back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/sotto_payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1 + (SOTTO_PAYLOAD_MAX_REDUNDANT + SOTTO_PAYLOAD_MAX_PRIMARY) * 10];
    sotto_payload_view v;
    size_t len = 0;

    if (sotto_payload_parse(data, size, &v) != 0)
        return 0;
    if (v.frame_bytes != SOTTO_PAYLOAD_NORMAL_BYTES && v.frame_bytes != SOTTO_PAYLOAD_LOW_BYTES)
        abort();
    if (sotto_payload_pack(v.frame_bytes, v.redundant_count ? v.redundant : NULL,
                           v.redundant_count, v.primary, v.primary_count, out, sizeof(out),
                           &len) != 0 ||
        len != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
