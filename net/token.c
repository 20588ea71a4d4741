/* The copy-paste call token: version byte + raw DEFLATE, base64url. */
#include "net/err.h"
#include "net/token.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PREFIX_LEN (sizeof(SOTTO_TOKEN_PREFIX) - 1)
#define DEFLATE_WINDOW_BITS (-15)   /* negative: raw DEFLATE, no zlib header */
#define DEFLATE_MEM_LEVEL 9

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/* Characters of unpadded base64url for len bytes. */
static size_t b64url_encoded_len(size_t len)
{
    return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

/* Writes base64url of in[0..len) without padding plus a NUL into out,
 * which must hold b64url_encoded_len(len) + 1 bytes. */
static void b64url_encode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0, i = 0;

    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
}

/* Decodes len characters into out (len / 4 * 3 + 2 bytes suffice). Rejects
 * characters outside the alphabet, a length of 1 mod 4, and non-zero unused
 * bits in the last character (so every byte string has exactly one
 * token). Returns the byte count or -1 with the reason in err. */
static long b64url_decode(const char *in, size_t len, uint8_t *out, char *err, size_t errlen)
{
    size_t o = 0, i;
    uint32_t acc = 0;
    int bits = 0;

    if (len % 4 == 1) {
        sotto__net_errf(err, errlen, "token length is impossible for base64url (truncated?)");
        return -1;
    }
    for (i = 0; i < len; i++) {
        int v = b64url_value((unsigned char)in[i]);
        if (v < 0) {
            sotto__net_errf(err, errlen, "character %zu of the token is not base64url", i + 1);
            return -1;
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) {
        sotto__net_errf(err, errlen, "token has non-zero padding bits (truncated or altered)");
        return -1;
    }
    return (long)o;
}

static int has_nul(const char *s, size_t len)
{
    return memchr(s, '\0', len) != NULL;
}

/* Raw DEFLATE at level 9 into a fresh buffer; out_buf has room for one
 * version byte in front. */
static int deflate_sdp(const char *sdp, size_t len, uint8_t **out_buf, size_t *out_len)
{
    z_stream zs;
    uint8_t *buf;
    uLong bound;
    int rc;

    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 9, Z_DEFLATED, DEFLATE_WINDOW_BITS, DEFLATE_MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -EIO;
    bound = deflateBound(&zs, (uLong)len);
    buf = malloc(bound + 1);
    if (!buf) {
        deflateEnd(&zs);
        return -ENOMEM;
    }
    zs.next_in = (Bytef *)(uintptr_t)sdp;
    zs.avail_in = (uInt)len;
    zs.next_out = buf + 1;
    zs.avail_out = (uInt)bound;
    rc = deflate(&zs, Z_FINISH);
    if (rc != Z_STREAM_END) {
        deflateEnd(&zs);
        free(buf);
        return -EIO;
    }
    *out_len = zs.total_out + 1;
    deflateEnd(&zs);
    *out_buf = buf;
    return 0;
}

int sotto_token_encode(const char *sdp, size_t sdp_len, char **out_token, char *err,
                       size_t errlen)
{
    uint8_t *raw = NULL;
    size_t raw_len = 0, text_len;
    char *token;
    int rc;

    if (!sdp || !out_token) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    if (sdp_len == 0 || sdp_len > SOTTO_TOKEN_MAX_SDP) {
        sotto__net_errf(err, errlen, "SDP must be 1..%d bytes, not %zu", SOTTO_TOKEN_MAX_SDP,
                        sdp_len);
        return -EINVAL;
    }
    if (has_nul(sdp, sdp_len)) {
        sotto__net_errf(err, errlen, "SDP contains a NUL byte");
        return -EINVAL;
    }
    rc = deflate_sdp(sdp, sdp_len, &raw, &raw_len);
    if (rc != 0) {
        sotto__net_errf(err, errlen, rc == -ENOMEM ? "out of memory" : "zlib deflate failed");
        return rc;
    }
    raw[0] = SOTTO_TOKEN_VERSION;
    text_len = PREFIX_LEN + b64url_encoded_len(raw_len);
    token = malloc(text_len + 1);
    if (!token) {
        free(raw);
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    memcpy(token, SOTTO_TOKEN_PREFIX, PREFIX_LEN);
    b64url_encode(raw, raw_len, token + PREFIX_LEN);
    free(raw);
    *out_token = token;
    return 0;
}

/* Inflates exactly one raw DEFLATE stream of in_len bytes into a buffer of
 * at most SOTTO_TOKEN_MAX_SDP bytes. Output beyond that is never
 * produced: the stream is rejected the moment it needs more room. */
static int inflate_sdp(const uint8_t *in, size_t in_len, char **out_sdp, size_t *out_len,
                       char *err, size_t errlen)
{
    /* One spare byte tells "exactly at the limit" from "over it". */
    const size_t cap = SOTTO_TOKEN_MAX_SDP + 1;
    z_stream zs;
    char *buf;
    int rc;

    buf = malloc(cap + 1);
    if (!buf) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, DEFLATE_WINDOW_BITS) != Z_OK) {
        free(buf);
        sotto__net_errf(err, errlen, "zlib inflate init failed");
        return -ENOMEM;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)in_len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    rc = inflate(&zs, Z_FINISH);
    if (rc == Z_STREAM_END && zs.total_out > SOTTO_TOKEN_MAX_SDP)
        rc = Z_BUF_ERROR;
    if (rc != Z_STREAM_END) {
        if (zs.avail_out == 0 || zs.total_out > SOTTO_TOKEN_MAX_SDP)
            sotto__net_errf(err, errlen, "decompressed SDP exceeds %d bytes", SOTTO_TOKEN_MAX_SDP);
        else if (rc == Z_DATA_ERROR)
            sotto__net_errf(err, errlen, "corrupt compressed data: %s", zs.msg ? zs.msg : "?");
        else
            sotto__net_errf(err, errlen, "compressed data is truncated");
        goto fail;
    }
    if (zs.avail_in != 0) {
        sotto__net_errf(err, errlen, "%u bytes after the end of the compressed data", zs.avail_in);
        goto fail;
    }
    if (zs.total_out == 0 || has_nul(buf, zs.total_out)) {
        sotto__net_errf(err, errlen, zs.total_out ? "SDP contains a NUL byte" : "SDP is empty");
        goto fail;
    }
    buf[zs.total_out] = '\0';
    *out_len = zs.total_out;
    *out_sdp = buf;
    inflateEnd(&zs);
    return 0;

fail:
    inflateEnd(&zs);
    free(buf);
    return -EINVAL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int sotto_token_decode(const char *token, size_t token_len, char **out_sdp, size_t *out_len,
                       char *err, size_t errlen)
{
    uint8_t *raw;
    long raw_len;
    int rc;

    if (!token || !out_sdp || !out_len) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    while (token_len > 0 && is_space(token[0])) {
        token++;
        token_len--;
    }
    while (token_len > 0 && is_space(token[token_len - 1]))
        token_len--;
    if (token_len > SOTTO_TOKEN_MAX_LEN) {
        sotto__net_errf(err, errlen, "token is longer than %d bytes", SOTTO_TOKEN_MAX_LEN);
        return -EINVAL;
    }
    if (token_len < PREFIX_LEN || memcmp(token, SOTTO_TOKEN_PREFIX, PREFIX_LEN) != 0) {
        sotto__net_errf(err, errlen, "token does not start with \"%s\"", SOTTO_TOKEN_PREFIX);
        return -EINVAL;
    }
    token += PREFIX_LEN;
    token_len -= PREFIX_LEN;
    raw = malloc(token_len / 4 * 3 + 3);
    if (!raw) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    raw_len = b64url_decode(token, token_len, raw, err, errlen);
    if (raw_len < 0) {
        free(raw);
        return -EINVAL;
    }
    if (raw_len < 2) {
        free(raw);
        sotto__net_errf(err, errlen, "token is truncated");
        return -EINVAL;
    }
    if (raw[0] != SOTTO_TOKEN_VERSION) {
        sotto__net_errf(err, errlen, "unsupported token version %u (this build reads %d)", raw[0],
                SOTTO_TOKEN_VERSION);
        free(raw);
        return -EINVAL;
    }
    rc = inflate_sdp(raw + 1, (size_t)raw_len - 1, out_sdp, out_len, err, errlen);
    free(raw);
    return rc;
}
