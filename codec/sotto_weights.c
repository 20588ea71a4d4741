/* SOTTOW01 / SOTTOH01 blob parser: see sotto_weights.h for the format. */
#include "codec/sotto_weights.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[SOTTO_WEIGHTS_MAX_NAME + 1]; /* NUL-terminated */
    int ndim;                              /* 0..SOTTO_WEIGHTS_MAX_DIM */
    uint32_t dims[SOTTO_WEIGHTS_MAX_DIM];  /* sizes, row-major */
    size_t offset;                         /* first value in sotto_weights.values */
} weights_tensor;

struct sotto_weights {
    weights_tensor *tensors; /* count entries */
    size_t count;            /* tensors kept */
    float *values;           /* all kept tensors' data */
};

typedef struct {
    const uint8_t *p; /* blob */
    size_t len;       /* bytes */
    size_t pos;       /* read position */
    int half_format;  /* 1 for SOTTOH01 */
} blob_reader;

static int fail_msg(char *err, size_t err_len, const char *msg, size_t where)
{
    if (err && err_len > 0)
        snprintf(err, err_len, "weights blob: %s at byte %zu", msg, where);
    return -EINVAL;
}

static int take(blob_reader *r, size_t n, const uint8_t **out)
{
    if (n > r->len - r->pos)
        return -EINVAL;
    *out = r->p + r->pos;
    r->pos += n;
    return 0;
}

static uint32_t le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

float sotto_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    uint32_t bits;
    float f;

    if (exp == 0) {
        /* zero or subnormal: man * 2^-24, exact in float */
        f = (float)man * 5.9604644775390625e-8f;
        return sign ? -f : f;
    }
    if (exp == 31)
        bits = sign | 0x7f800000u | (man << 13);
    else
        bits = sign | ((exp + 112) << 23) | (man << 13);
    memcpy(&f, &bits, sizeof f);
    return f;
}

typedef struct {
    char name[SOTTO_WEIGHTS_MAX_NAME + 1]; /* NUL-terminated */
    int ndim;                              /* dimensions */
    uint32_t dims[SOTTO_WEIGHTS_MAX_DIM];  /* sizes */
    size_t values;                         /* prod(dims) */
    int half;                              /* 1: binary16 data */
    const uint8_t *data;                   /* inside the blob */
} tensor_header;

/* Reads one tensor header and skips its data, checking every bound. */
static int read_tensor(blob_reader *r, tensor_header *t, const char **why)
{
    const uint8_t *b;
    size_t nlen, values = 1, width;

    *why = "truncated name length";
    if (take(r, 2, &b))
        return -EINVAL;
    nlen = (size_t)b[0] | (size_t)b[1] << 8;
    *why = "bad name length";
    if (nlen == 0 || nlen > SOTTO_WEIGHTS_MAX_NAME || take(r, nlen, &b))
        return -EINVAL;
    if (memchr(b, 0, nlen))
        return -EINVAL;
    memcpy(t->name, b, nlen);
    t->name[nlen] = '\0';
    *why = "bad ndim";
    if (take(r, 1, &b) || b[0] > SOTTO_WEIGHTS_MAX_DIM)
        return -EINVAL;
    t->ndim = b[0];
    *why = "truncated dims";
    for (int i = 0; i < t->ndim; i++) {
        if (take(r, 4, &b))
            return -EINVAL;
        t->dims[i] = le32(b);
        *why = "tensor too large";
        if (t->dims[i] == 0 || t->dims[i] > SOTTO_WEIGHTS_MAX_VALUES ||
            values > SOTTO_WEIGHTS_MAX_VALUES / t->dims[i])
            return -EINVAL;
        values *= t->dims[i];
        *why = "truncated dims";
    }
    t->values = values;
    t->half = 0;
    if (r->half_format) {
        *why = "bad data type";
        if (take(r, 1, &b) || b[0] > 1)
            return -EINVAL;
        t->half = b[0];
    }
    width = t->half ? 2 : 4;
    *why = "truncated data";
    if (take(r, values * width, &t->data))
        return -EINVAL;
    return 0;
}

static int keep_name(const char *name, const char *const *prefixes)
{
    if (!prefixes)
        return 1;
    for (size_t i = 0; prefixes[i]; i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

static int convert_values(const tensor_header *h, float *dst)
{
    for (size_t i = 0; i < h->values; i++) {
        float v;
        if (h->half) {
            v = sotto_half_to_float((uint16_t)(h->data[2 * i] | h->data[2 * i + 1] << 8));
        } else {
            uint32_t bits = le32(h->data + 4 * i);
            memcpy(&v, &bits, sizeof v);
        }
        if (!isfinite(v))
            return -EINVAL;
        dst[i] = v;
    }
    return 0;
}

/* First pass: validates the layout and counts the kept tensors and values. */
static int scan_blob(blob_reader *r, uint32_t count, const char *const *prefixes,
                     size_t *kept, size_t *kept_values, char *err, size_t err_len)
{
    tensor_header h;
    const char *why;

    *kept = 0;
    *kept_values = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t at = r->pos;
        if (read_tensor(r, &h, &why))
            return fail_msg(err, err_len, why, at);
        if (!keep_name(h.name, prefixes))
            continue;
        if (*kept_values > SOTTO_WEIGHTS_MAX_VALUES - h.values)
            return fail_msg(err, err_len, "blob too large", at);
        *kept_values += h.values;
        (*kept)++;
    }
    if (r->pos != r->len)
        return fail_msg(err, err_len, "trailing bytes", r->pos);
    return 0;
}

/* Second pass over the validated blob: copies names, shapes and values. */
static int fill_weights(sotto_weights *w, blob_reader *r, uint32_t count,
                        const char *const *prefixes, char *err, size_t err_len)
{
    tensor_header h;
    const char *why;
    size_t offset = 0;

    for (uint32_t i = 0; i < count; i++) {
        size_t at = r->pos;
        if (read_tensor(r, &h, &why))
            return fail_msg(err, err_len, why, at);
        if (!keep_name(h.name, prefixes))
            continue;
        for (size_t j = 0; j < w->count; j++)
            if (strcmp(w->tensors[j].name, h.name) == 0)
                return fail_msg(err, err_len, "duplicate tensor name", at);
        if (convert_values(&h, w->values + offset))
            return fail_msg(err, err_len, "non-finite value", at);
        weights_tensor *t = &w->tensors[w->count++];
        memcpy(t->name, h.name, sizeof t->name);
        t->ndim = h.ndim;
        memcpy(t->dims, h.dims, sizeof t->dims);
        t->offset = offset;
        offset += h.values;
    }
    return 0;
}

int sotto_weights_parse(sotto_weights **out, const uint8_t *blob, size_t len,
                        const char *const *prefixes, char *err, size_t err_len)
{
    blob_reader r = {blob, len, 0, 0};
    sotto_weights *w = NULL;
    const uint8_t *b;
    uint32_t count;
    size_t kept, kept_values;
    int rc;

    if (!out || !blob)
        return -EINVAL;
    if (take(&r, 8, &b))
        return fail_msg(err, err_len, "truncated magic", 0);
    if (memcmp(b, "SOTTOH01", 8) == 0)
        r.half_format = 1;
    else if (memcmp(b, "SOTTOW01", 8) != 0)
        return fail_msg(err, err_len, "bad magic", 0);
    if (take(&r, 4, &b))
        return fail_msg(err, err_len, "truncated count", 8);
    count = le32(b);
    if (count == 0 || count > SOTTO_WEIGHTS_MAX_TENSORS)
        return fail_msg(err, err_len, "bad tensor count", 8);
    rc = scan_blob(&r, count, prefixes, &kept, &kept_values, err, err_len);
    if (rc)
        return rc;
    rc = -ENOMEM;
    w = calloc(1, sizeof *w);
    if (!w)
        goto fail;
    w->tensors = calloc(kept ? kept : 1, sizeof *w->tensors);
    w->values = malloc((kept_values ? kept_values : 1) * sizeof *w->values);
    if (!w->tensors || !w->values)
        goto fail;
    r.pos = 12;
    rc = fill_weights(w, &r, count, prefixes, err, err_len);
    if (rc)
        goto fail;
    *out = w;
    return 0;
fail:
    sotto_weights_destroy(&w);
    return rc;
}

void sotto_weights_destroy(sotto_weights **w)
{
    if (!w || !*w)
        return;
    free((*w)->tensors);
    free((*w)->values);
    free(*w);
    *w = NULL;
}

const float *sotto_weights_get(const sotto_weights *w, const char *name, int ndim,
                               const uint32_t *dims)
{
    if (!w || !name || ndim < 0 || ndim > SOTTO_WEIGHTS_MAX_DIM || (ndim > 0 && !dims))
        return NULL;
    for (size_t i = 0; i < w->count; i++) {
        const weights_tensor *t = &w->tensors[i];
        if (strcmp(t->name, name) != 0)
            continue;
        if (t->ndim != ndim)
            return NULL;
        for (int d = 0; d < ndim; d++)
            if (t->dims[d] != dims[d])
                return NULL;
        return w->values + t->offset;
    }
    return NULL;
}

const float *sotto_weights_find(const sotto_weights *w, const char *name, size_t *out_count)
{
    if (!w || !name || !out_count)
        return NULL;
    for (size_t i = 0; i < w->count; i++) {
        const weights_tensor *t = &w->tensors[i];
        size_t n = 1;
        if (strcmp(t->name, name) != 0)
            continue;
        for (int d = 0; d < t->ndim; d++)
            n *= t->dims[d];
        *out_count = n;
        return w->values + t->offset;
    }
    return NULL;
}

size_t sotto_weights_count(const sotto_weights *w)
{
    return w ? w->count : 0;
}

void sotto_weights_embedded(const uint8_t **out_data, size_t *out_len)
{
    if (out_data)
        *out_data = sotto_weights_blob_data;
    if (out_len)
        *out_len = sotto_weights_blob_size;
}
