/* Private to net/sdp*.c (tests may use it): shared character classes,
 * number parsing, name tables, the text output buffer, candidates and the
 * checks the writer and the tests share with the parser. */
#ifndef SOTTO_NET_SDP_INTERNAL_H
#define SOTTO_NET_SDP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "net/err.h"
#include "net/sdp.h"

#define SOTTO__SDP_MAX_CLOCK 192000u
#define SOTTO__SDP_MAX_PTIME 5000u
#define SOTTO__SDP_MAX_PRIORITY 0x7FFFFFFFu
#define SOTTO__SDP_MAX_COMPONENT 256u
#define SOTTO__SDP_MAX_EXTMAP_ID 255u

/* Character classes over len bytes; all return 0 for len 0. */
int sotto__sdp_is_token(const char *s, size_t len);    /* RFC 8866 token-char */
int sotto__sdp_is_ice_chars(const char *s, size_t len); /* ALPHA / DIGIT / "+" / "/" */
int sotto__sdp_is_visible(const char *s, size_t len);  /* no space, no control (non-ws-string) */
int sotto__sdp_is_proto(const char *s, size_t len);   /* token *("/" token) */
/* Text without control characters; may be empty (returns 1 for len 0). */
int sotto__sdp_is_text(const char *s, size_t len);

/* Decimal digits only (no sign or space), value within [min, max].
 * Returns 0 and sets *out, or -EINVAL. */
int sotto__sdp_parse_uint(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out);

/* Copies len bytes and a NUL into dst[dstsize]; -EINVAL when it does not
 * fit (dst untouched). */
int sotto__sdp_copy(char *dst, size_t dstsize, const char *src, size_t len);

/* Length of a NUL-terminated string held in a buffer of size bytes, or
 * size when there is no NUL (an invalid model). */
size_t sotto__sdp_strlen(const char *s, size_t size);

/* Space-separated fields of one value; runs of spaces count as one. */
typedef struct sotto__sdp_fields {
    const char *p;      /* next unread byte */
    const char *end;    /* one past the value */
} sotto__sdp_fields;

/* Next field into *out_tok and *out_len; returns 0 at the end of the value. */
int sotto__sdp_next_field(sotto__sdp_fields *f, const char **out_tok, size_t *out_len);

/* What is left after skipping spaces (may be empty). */
void sotto__sdp_rest(sotto__sdp_fields *f, const char **out_tok, size_t *out_len);

/* a (alen bytes) equals NUL-terminated b, ignoring case. */
int sotto__sdp_ieq(const char *a, size_t alen, const char *b);

sotto_sdp_media_type sotto__sdp_media_type(const char *name, size_t len);
sotto_sdp_proto sotto__sdp_proto_kind(const char *proto, size_t len);
int sotto__sdp_proto_is_rtp(sotto_sdp_proto kind);

/* Name tables; NULL for values outside the enum. */
const char *sotto__sdp_hash_name(sotto_sdp_hash hash);
size_t sotto__sdp_hash_len(sotto_sdp_hash hash);
const char *sotto__sdp_setup_name(sotto_sdp_setup setup);
const char *sotto__sdp_direction_name(sotto_sdp_direction dir);
const char *sotto__sdp_cand_type_name(sotto_sdp_cand_type type);
const char *sotto__sdp_tcptype_name(sotto_sdp_tcptype type);
/* 0 and *out for a known name, -EINVAL otherwise. */
int sotto__sdp_hash_from(const char *s, size_t len, sotto_sdp_hash *out);
int sotto__sdp_setup_from(const char *s, size_t len, sotto_sdp_setup *out);
int sotto__sdp_direction_from(const char *s, size_t len, sotto_sdp_direction *out);

/* Text output that counts what would be written: bytes go into buf only
 * while they fit in cap (buf may be NULL with cap 0). */
typedef struct sotto__sdp_out {
    char *buf;          /* caller's buffer or NULL */
    size_t cap;         /* bytes available in buf */
    size_t len;         /* bytes produced so far, written or not */
} sotto__sdp_out;

void sotto__sdp_outf(sotto__sdp_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Classifies a candidate address: 0 and *out for IPv4, IPv6 or an mDNS
 * .local name; -ENOTSUP for another well-formed host name; -EINVAL for
 * garbage. */
int sotto__sdp_cand_address_kind(const char *s, size_t len, sotto_sdp_cand_addr *out);

/* Parses the part after "candidate:" (len bytes, NUL-terminated at len).
 * Returns 0, -EINVAL (malformed) or -ENOTSUP (unusable); reason in err
 * without a line number. */
int sotto__sdp_candidate_parse(const char *value, size_t len, sotto_sdp_candidate *out,
                               char *err, size_t errlen);

/* 0 when the candidate would be written and read back unchanged, else -EINVAL. */
int sotto__sdp_candidate_check(const sotto_sdp_candidate *c);

/* Appends "candidate:..." (no line end) to o. c must have passed the check. */
void sotto__sdp_candidate_format(sotto__sdp_out *o, const sotto_sdp_candidate *c);

/* Parser state shared by sdp_parse.c (lines) and sdp_attr.c (a= lines). */
typedef struct sotto__sdp_parser {
    sotto_sdp *sdp;             /* being filled (zeroed at start) */
    sotto_sdp_media *media;     /* current m-section; NULL at session level */
    unsigned line_no;           /* 1-based line being parsed */
    int seen_v, seen_o, seen_s, seen_t; /* required lines met so far */
    int seen_bundle;            /* a first a=group:BUNDLE was met */
    char *err;                  /* caller's error buffer or NULL */
    size_t errlen;              /* bytes in err */
} sotto__sdp_parser;

/* Writes "line N: <message>" into the error buffer and returns code. */
int sotto__sdp_fail(sotto__sdp_parser *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* sotto_sdp_parse without the scratch copy: parses into work, which the
 * caller has zero-filled; on error work holds a partial result. The
 * fuzzer uses it to avoid a large allocation per input. */
int sotto__sdp_parse_into(const char *text, size_t len, sotto_sdp *work, char *err,
                          size_t errlen);

/* Parses "IN IP4|IP6 <address>" (c= and a=rtcp) into *out; what names the
 * line in messages. */
int sotto__sdp_parse_connection(sotto__sdp_parser *p, sotto__sdp_fields *f,
                                sotto_sdp_connection *out, const char *what);

/* Parses the value of one a= line (after "a=", len bytes). */
int sotto__sdp_parse_attribute(sotto__sdp_parser *p, const char *value, size_t len);

/* 0 when sotto_sdp_write would accept sdp, else -EINVAL with the first
 * problem in err. */
int sotto__sdp_check(const sotto_sdp *sdp, char *err, size_t errlen);

/* Compares every modelled field (not the dropped counts; fmtp and rtcp-fb
 * as sets, since their order carries no meaning). Returns 1 when equal,
 * else 0 with the first difference named in where. */
int sotto__sdp_equal(const sotto_sdp *a, const sotto_sdp *b, char *where, size_t wherelen);

#endif
