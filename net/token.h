/* The copy-paste call token: an SDP offer or answer carried as one line of
 * text when neither side has an endpoint the other can reach.
 *
 * Format: "sotto1:" then base64url without padding (RFC 4648 section 5)
 * of one version byte (SOTTO_TOKEN_VERSION) followed by the raw DEFLATE
 * stream (RFC 1951, no zlib or gzip wrapper) of the SDP text.
 *
 * Decoding is strict: exact prefix, base64url alphabet only, canonical
 * trailing bits, known version, one complete DEFLATE stream with nothing
 * after it, and at most SOTTO_TOKEN_MAX_SDP bytes of output (a stream that
 * would inflate further is rejected as soon as it passes the limit).
 * Leading and trailing spaces, tabs and line breaks are ignored because
 * copy and paste adds them. */
#ifndef SOTTO_NET_TOKEN_H
#define SOTTO_NET_TOKEN_H

#include <stddef.h>

#define SOTTO_TOKEN_PREFIX "sotto1:"
#define SOTTO_TOKEN_VERSION 1          /* the version byte this code writes and reads */
#define SOTTO_TOKEN_MAX_SDP 65536      /* bytes of SDP text encoded or decoded */
#define SOTTO_TOKEN_MAX_LEN 131072     /* bytes of token text accepted by decode */

/* Encodes sdp (sdp_len bytes, 1..SOTTO_TOKEN_MAX_SDP, no NUL bytes) as a
 * token. Returns 0 and sets *out_token to a NUL-terminated string the
 * caller frees with free(); -EINVAL for NULL, empty, oversized or
 * NUL-containing input; -ENOMEM; -EIO if zlib fails. A one-line reason
 * goes into err (errlen bytes, may be 0). */
int sotto_token_encode(const char *sdp, size_t sdp_len, char **out_token, char *err,
                       size_t errlen);

/* Decodes token (token_len bytes; need not be NUL-terminated). Returns 0,
 * sets *out_sdp to the NUL-terminated SDP text (caller frees with free())
 * and *out_len to its length without the NUL; -EINVAL for NULL arguments
 * or any malformed token, with the reason in err; -ENOMEM. Nothing is
 * written to the outputs on error. */
int sotto_token_decode(const char *token, size_t token_len, char **out_sdp, size_t *out_len,
                       char *err, size_t errlen);

#endif
