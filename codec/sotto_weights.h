/* Sotto model weights: parser for the SOTTOW01 / SOTTOH01 tensor blobs and access to
 * the blob embedded in the library.  Private to codec/ (tests include it).
 *
 * SOTTOW01 (written by the training export), little-endian:
 *   8 bytes magic, u32 tensor count, per tensor: u16 name length, name (UTF-8, no
 *   terminator), u8 ndim, u32 dims[ndim], float32 data (row-major, prod(dims) values).
 * SOTTOH01 (the embedded form, half the size): as SOTTOW01, but after dims each tensor
 *   has a u8 type, 0 = float32 data, 1 = IEEE binary16 data.  gen_embed stores a tensor
 *   as binary16 only when every value converts exactly, so nothing is lost.
 *
 * codec/sotto_weights.h16 is the committed SOTTOH01 blob.  After a new checkpoint:
 *   scripts/train/export.py CHECKPOINT --compact SCRATCH.pt --weights SCRATCH.bin
 *   gen_embed pack SCRATCH.bin codec/sotto_weights.h16
 * (export.py also rewrites scripts/train/golden/golden.bin, which the decoder tests
 * compare against, so blob and golden vectors always change together). */
#ifndef SOTTO_CODEC_SOTTO_WEIGHTS_H
#define SOTTO_CODEC_SOTTO_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_WEIGHTS_MAX_TENSORS 1024 /* more is a damaged blob */
#define SOTTO_WEIGHTS_MAX_NAME 127     /* bytes, without terminator */
#define SOTTO_WEIGHTS_MAX_DIM 4
#define SOTTO_WEIGHTS_MAX_VALUES (64u * 1024u * 1024u) /* per blob, floats */

typedef struct sotto_weights sotto_weights;

/* Parses blob[0..len) (caller keeps ownership; nothing points into it afterwards) and
 * keeps the tensors whose names start with one of the NULL-terminated prefixes
 * (prefixes == NULL keeps all), converted to float32.  Every length, count and size is
 * bounds-checked; non-finite values, duplicate names and trailing bytes are rejected.
 * The caller owns *out (sotto_weights_destroy).  Returns 0, -EINVAL (damaged blob; a
 * reason goes to err when err_len > 0) or -ENOMEM. */
int sotto_weights_parse(sotto_weights **out, const uint8_t *blob, size_t len,
                        const char *const *prefixes, char *err, size_t err_len);

/* Frees *w (NULL and *w == NULL accepted) and sets *w = NULL. */
void sotto_weights_destroy(sotto_weights **w);

/* The tensor called name if it has exactly ndim dimensions equal to dims[0..ndim),
 * else NULL.  The data stays owned by w. */
const float *sotto_weights_get(const sotto_weights *w, const char *name, int ndim,
                               const uint32_t *dims);

/* The tensor called name, whatever its shape; its value count goes to *out_count.
 * NULL when absent. */
const float *sotto_weights_find(const sotto_weights *w, const char *name, size_t *out_count);

/* Number of tensors kept by the parse (0 for NULL). */
size_t sotto_weights_count(const sotto_weights *w);

/* The SOTTOH01 blob compiled into the library (static storage, never freed). */
void sotto_weights_embedded(const uint8_t **out_data, size_t *out_len);

/* Defined by the source that gen_embed writes at build time. */
extern const uint8_t sotto_weights_blob_data[];
extern const size_t sotto_weights_blob_size;

/* IEEE binary16 to float32 (exact, including subnormals, infinities and NaN). */
float sotto_half_to_float(uint16_t h);

#endif
