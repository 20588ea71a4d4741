/* libFuzzer target for RFC 3389 comfort noise payloads (net/cn.h): every
 * payload that parses builds back to exactly the input bytes, and one that
 * does not is empty, has the reserved bit set or too many coefficients. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/cn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    uint8_t again[1 + SOTTO_CN_MAX_COEFFS];
    sotto_cn cn;
    size_t len = 0;
    int rc;

    if (!copy)
        return 0;
    memcpy(copy, data, size); /* exact size: the sanitizer sees any overread */
    rc = sotto_cn_parse(copy, size, &cn);
    if (rc == 0) {
        if (cn.level > SOTTO_CN_MAX_LEVEL || cn.coeff_count + 1u != size ||
            sotto_cn_build(&cn, again, sizeof(again), &len) != 0 || len != size ||
            memcmp(again, copy, size) != 0)
            abort();
        (void)sotto_cn_rms_of_level(cn.level);
    } else if (size != 0 && copy[0] <= SOTTO_CN_MAX_LEVEL && size - 1 <= SOTTO_CN_MAX_COEFFS) {
        abort();
    }
    free(copy);
    return 0;
}
