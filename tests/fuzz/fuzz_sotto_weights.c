/* libFuzzer target: the SOTTOW01 / SOTTOH01 weights blob parser on arbitrary bytes.
 * An accepted blob must hold only finite values in tensors that lookups can find, and
 * decoder creation from it must fail cleanly or succeed (never crash). */
#include "codec/sotto_decoder.h"
#include "codec/sotto_weights.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sotto_weights *w = NULL;
    sotto_decoder *d = NULL;
    char err[160];
    size_t n = 0;

    if (sotto_weights_parse(&w, data, size, NULL, err, sizeof err) != 0) {
        if (w)
            abort();
        return 0;
    }
    if (sotto_weights_count(w) == 0 || sotto_weights_count(w) > SOTTO_WEIGHTS_MAX_TENSORS)
        abort();
    const float *a = sotto_weights_find(w, "a", &n);
    for (size_t i = 0; a && i < n; i++)
        if (!isfinite(a[i]))
            abort();
    sotto_weights_destroy(&w);
    if (sotto__decoder_create_from(&d, SOTTO_MODE_3200, data, size, 0, err, sizeof err) == 0)
        sotto_decoder_destroy(&d);
    return 0;
}
