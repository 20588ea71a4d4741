/* libFuzzer target for net/token: decode arbitrary bytes. Whatever decodes
 * must be bounded NUL-free text that encodes again and decodes back to the
 * same SDP; whatever fails must say why. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const char *sdp, size_t len)
{
    char err[256], *token = NULL, *again = NULL;
    size_t again_len = 0;

    if (sotto_token_encode(sdp, len, &token, err, sizeof(err)) != 0)
        abort();
    if (sotto_token_decode(token, strlen(token), &again, &again_len, err, sizeof(err)) != 0)
        abort();
    if (again_len != len || memcmp(again, sdp, len) != 0)
        abort();
    free(again);
    free(token);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    char *sdp = NULL;
    size_t len = 0;
    /* Exact-size copy so the sanitizer sees any read past the end. */
    char *copy = malloc(size ? size : 1);
    int rc;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    rc = sotto_token_decode(copy, size, &sdp, &len, err, sizeof(err));
    if (rc == 0) {
        if (!sdp || len == 0 || len > SOTTO_TOKEN_MAX_SDP || sdp[len] != '\0'
            || memchr(sdp, '\0', len) != NULL)
            abort();
        check_round_trip(sdp, len);
        free(sdp);
    } else if (rc != -EINVAL || err[0] == '\0' || sdp != NULL) {
        abort();
    }
    free(copy);
    return 0;
}
