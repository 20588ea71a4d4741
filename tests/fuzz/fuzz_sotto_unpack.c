/* libFuzzer target: the Sotto bitstream readers on arbitrary bytes. The
 * first byte picks the mode; the rest is read as one packet (unpack,
 * dequantise, repack must give the same bytes) and as a .sot header. */
#include "codec/sotto_quant.h"
#include "codec/sotto_weights.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parsed once: the harness may keep state, the library may not. */
static sotto_weights *books_weights;
static sotto_codebooks books;

static void load_books(void)
{
    static const char *const prefixes[] = {"quant.", NULL};
    const uint8_t *blob = NULL;
    size_t len = 0;
    sotto_weights_embedded(&blob, &len);
    if (sotto_weights_parse(&books_weights, blob, len, prefixes, NULL, 0) != 0 ||
        sotto__codebooks_from_weights(&books, books_weights, NULL, 0) != 0)
        abort();
}

static void check_packet(sotto_mode m, const uint8_t *pkt, size_t len)
{
    uint16_t idx[SOTTO_MAX_FIELDS];
    if (sotto__unpack(m, pkt, len, idx) != 0) {
        if (len == sotto_mode_packet_bytes(m))
            abort();
        return;
    }
    uint8_t again[SOTTO_MAX_PACKET_BYTES];
    if (sotto__pack(m, idx, again) != 0 || memcmp(again, pkt, len) != 0)
        abort();
    float feat[SOTTO_MAX_SUBFRAMES * SOTTO_FEAT_DIM];
    const sotto_mode_layout *l = sotto__mode_layout(m);
    sotto_pred_state pred;
    sotto__pred_reset(&books, m, &pred);
    /* twice: the second packet is predicted from the first */
    sotto__dequantise(&books, m, idx, &pred, feat);
    sotto__dequantise(&books, m, idx, &pred, feat);
    for (int i = 0; i < l->n_sub * SOTTO_FEAT_DIM; i++)
        if (!isfinite(feat[i]))
            abort();
    for (int s = 0; s < l->n_sub; s++) {
        float lag = feat[s * SOTTO_FEAT_DIM + SOTTO_FEAT_LAG];
        if (lag < SOTTO_LAG_MIN - 0.01f || lag > SOTTO_LAG_MAX + 0.01f)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (books_weights == NULL)
        load_books();
    if (size < 1)
        return 0;
    sotto_mode m = (data[0] & 1) ? SOTTO_MODE_2000 : SOTTO_MODE_3200;
    check_packet(m, data + 1, size - 1);
    sotto_mode hm;
    uint64_t samples, packets;
    if (sotto__sot_parse_header(data + 1, size - 1, &hm, &samples) == 0) {
        if (samples > SOTTO_SOT_MAX_SAMPLES || sotto__mode_layout(hm) == NULL)
            abort();
        uint64_t payload = size - 1 - SOTTO_SOT_HEADER_BYTES;
        if (sotto__sot_packet_count(hm, samples, payload, &packets) == 0 &&
            packets * sotto_mode_packet_bytes(hm) != payload)
            abort();
    }
    return 0;
}
