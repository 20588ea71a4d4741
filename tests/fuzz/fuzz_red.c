/* libFuzzer target for RFC 2198 RED payloads (net/red.h): every payload
 * that parses must lie inside the input block by block, and building the
 * parsed blocks again must give back exactly the input bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/red.h"

#define FUZZ_MAX_BLOCKS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sotto_red_block blocks[FUZZ_MAX_BLOCKS];
    size_t count = 0, len = 0, pos;
    /* Exact-size copy so the sanitizer sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    uint8_t *again = malloc(size ? size : 1);

    if (!copy || !again)
        goto done;
    memcpy(copy, data, size);
    if (sotto_red_parse(copy, size, blocks, FUZZ_MAX_BLOCKS, &count) != 0)
        goto done;
    if (count == 0 || count > FUZZ_MAX_BLOCKS)
        abort();
    pos = (count - 1) * SOTTO_RED_HEADER + SOTTO_RED_PRIMARY_HEADER;
    for (size_t i = 0; i < count; i++) {
        if (blocks[i].data != copy + pos || blocks[i].len > size - pos)
            abort();
        pos += blocks[i].len;
    }
    if (pos != size || sotto_red_size(blocks, count) != size)
        abort();
    if (sotto_red_build(blocks, count, again, size, &len) != 0 || len != size
        || memcmp(again, copy, size) != 0)
        abort();
done:
    free(copy);
    free(again);
    return 0;
}
