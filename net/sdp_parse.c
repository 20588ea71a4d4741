/* SDP text to sotto_sdp: line framing, the session lines (v, o, s, t, c)
 * and m-lines. Attributes are in sdp_attr.c. The text comes from a remote
 * peer: every length is bounded before use and every number range-checked. */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sotto__sdp_fail(sotto__sdp_parser *p, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sotto__net_errf(p->err, p->errlen, "line %u: %s", p->line_no, msg);
    return code;
}

int sotto__sdp_parse_connection(sotto__sdp_parser *p, sotto__sdp_fields *f,
                                   sotto_sdp_connection *out, const char *what)
{
    const char *t;
    size_t n;
    sotto_sdp_addr_type type;

    if (!sotto__sdp_next_field(f, &t, &n) || !(n == 2 && memcmp(t, "IN", 2) == 0))
        return sotto__sdp_fail(p, -EINVAL, "%s network type must be IN", what);
    if (!sotto__sdp_next_field(f, &t, &n))
        return sotto__sdp_fail(p, -EINVAL, "%s address type missing", what);
    if (n == 3 && memcmp(t, "IP4", 3) == 0)
        type = SOTTO_SDP_ADDR_IP4;
    else if (n == 3 && memcmp(t, "IP6", 3) == 0)
        type = SOTTO_SDP_ADDR_IP6;
    else
        return sotto__sdp_fail(p, -EINVAL, "%s address type must be IP4 or IP6", what);
    if (!sotto__sdp_next_field(f, &t, &n))
        return sotto__sdp_fail(p, -EINVAL, "%s address missing", what);
    if (sotto__sdp_copy(out->address, sizeof(out->address), t, n) != 0)
        return sotto__sdp_fail(p, -EINVAL, "%s address longer than %d bytes", what,
                               SOTTO_SDP_ADDR_LEN - 1);
    if (sotto__sdp_next_field(f, &t, &n)) {
        out->address[0] = '\0';
        return sotto__sdp_fail(p, -EINVAL, "%s has extra fields", what);
    }
    out->addr_type = type;
    return 0;
}

static int parse_origin(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    const char *t;
    size_t tn;
    sotto_sdp *sdp = p->sdp;

    if (!sotto__sdp_next_field(&f, &t, &tn) || !sotto__sdp_is_visible(t, tn) ||
        sotto__sdp_copy(sdp->origin_user, sizeof(sdp->origin_user), t, tn) != 0)
        return sotto__sdp_fail(p, -EINVAL, "o= user name missing or longer than %d bytes",
                               SOTTO_SDP_TOKEN_LEN - 1);
    if (!sotto__sdp_next_field(&f, &t, &tn) ||
        sotto__sdp_parse_uint(t, tn, 0, UINT64_MAX, &sdp->session_id) != 0)
        return sotto__sdp_fail(p, -EINVAL, "o= session id must be a 64-bit decimal number");
    if (!sotto__sdp_next_field(&f, &t, &tn) ||
        sotto__sdp_parse_uint(t, tn, 0, UINT64_MAX, &sdp->session_version) != 0)
        return sotto__sdp_fail(p, -EINVAL, "o= session version must be a 64-bit decimal number");
    for (int i = 0; i < 3; i++)
        if (!sotto__sdp_next_field(&f, &t, &tn))
            return sotto__sdp_fail(p, -EINVAL, "o= needs nettype, addrtype and address");
    if (sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "o= has more than 6 fields");
    p->seen_o = 1;
    return 0;
}

static int parse_time(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    const char *t;
    size_t tn;
    uint64_t ignored;

    for (int i = 0; i < 2; i++)
        if (!sotto__sdp_next_field(&f, &t, &tn) ||
            sotto__sdp_parse_uint(t, tn, 0, UINT64_MAX, &ignored) != 0)
            return sotto__sdp_fail(p, -EINVAL, "t= needs two decimal times");
    if (sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "t= has more than 2 fields");
    p->seen_t = 1;
    return 0;
}

static int parse_rtp_formats(sotto__sdp_parser *p, sotto__sdp_fields *f, sotto_sdp_media *m)
{
    const char *t;
    size_t n;
    uint64_t pt;
    int any = 0;

    while (sotto__sdp_next_field(f, &t, &n)) {
        any = 1;
        if (sotto__sdp_parse_uint(t, n, 0, 127, &pt) != 0)
            return sotto__sdp_fail(p, -EINVAL, "m= payload type '%.*s' is not 0..127",
                                   (int)(n < 16 ? n : 16), t);
        for (size_t i = 0; i < m->pt_count; i++)
            if (m->pts[i] == pt)
                return sotto__sdp_fail(p, -EINVAL, "m= lists payload type %u twice",
                                       (unsigned)pt);
        if (m->pt_count == SOTTO_SDP_MAX_PT) {
            m->dropped++;
            continue;
        }
        m->pts[m->pt_count++] = (uint8_t)pt;
    }
    if (!any)
        return sotto__sdp_fail(p, -EINVAL, "m= has no formats");
    return 0;
}

/* Formats of a non-RTP proto, kept as written: one or more tokens. */
static int parse_other_formats(sotto__sdp_parser *p, sotto__sdp_fields *f, sotto_sdp_media *m)
{
    const char *rest, *t;
    size_t rn, n;
    sotto__sdp_fields check;

    sotto__sdp_rest(f, &rest, &rn);
    check.p = rest;
    check.end = rest + rn;
    if (rn == 0)
        return sotto__sdp_fail(p, -EINVAL, "m= has no formats");
    while (sotto__sdp_next_field(&check, &t, &n))
        if (!sotto__sdp_is_token(t, n))
            return sotto__sdp_fail(p, -EINVAL, "m= format is not a token");
    if (sotto__sdp_copy(m->fmt, sizeof(m->fmt), rest, rn) != 0)
        return sotto__sdp_fail(p, -EINVAL, "m= formats longer than %d bytes",
                               SOTTO_SDP_TEXT_LEN - 1);
    return 0;
}

static int parse_media_line(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m;
    const char *t;
    size_t tn;
    uint64_t port;

    if (!p->seen_t)
        return sotto__sdp_fail(p, -EINVAL, "m= before t=");
    if (p->sdp->media_count == SOTTO_SDP_MAX_MEDIA)
        return sotto__sdp_fail(p, -ENOTSUP, "more than %d m-sections", SOTTO_SDP_MAX_MEDIA);
    m = &p->sdp->media[p->sdp->media_count];
    if (!sotto__sdp_next_field(&f, &t, &tn) || !sotto__sdp_is_token(t, tn) ||
        sotto__sdp_copy(m->name, sizeof(m->name), t, tn) != 0)
        return sotto__sdp_fail(p, -EINVAL, "m= media must be a token of at most %d bytes",
                               SOTTO_SDP_TOKEN_LEN - 1);
    m->type = sotto__sdp_media_type(t, tn);
    if (!sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "m= port missing");
    if (memchr(t, '/', tn))
        return sotto__sdp_fail(p, -ENOTSUP, "m= port ranges are not supported");
    if (sotto__sdp_parse_uint(t, tn, 0, 65535, &port) != 0)
        return sotto__sdp_fail(p, -EINVAL, "m= port '%.*s' is not 0..65535",
                               (int)(tn < 16 ? tn : 16), t);
    m->port = (uint16_t)port;
    if (!sotto__sdp_next_field(&f, &t, &tn) || !sotto__sdp_is_proto(t, tn) ||
        sotto__sdp_copy(m->proto, sizeof(m->proto), t, tn) != 0)
        return sotto__sdp_fail(p, -EINVAL, "m= proto missing, malformed or too long");
    m->proto_kind = sotto__sdp_proto_kind(t, tn);
    if (sotto__sdp_proto_is_rtp(m->proto_kind)) {
        int rc = parse_rtp_formats(p, &f, m);
        if (rc != 0)
            return rc;
    } else {
        int rc = parse_other_formats(p, &f, m);
        if (rc != 0)
            return rc;
    }
    p->sdp->media_count++;
    p->media = m;
    return 0;
}

/* v=0, then o=, then s=: the fixed opening of every description. */
static int parse_opening(sotto__sdp_parser *p, char type, const char *v, size_t n)
{
    sotto_sdp *sdp = p->sdp;

    if (!p->seen_v) {
        if (type != 'v' || n != 1 || v[0] != '0')
            return sotto__sdp_fail(p, -EINVAL, "the first line must be v=0");
        p->seen_v = 1;
        return 0;
    }
    if (!p->seen_o) {
        if (type != 'o')
            return sotto__sdp_fail(p, -EINVAL, "o= must follow v=");
        return parse_origin(p, v, n);
    }
    if (type != 's')
        return sotto__sdp_fail(p, -EINVAL, "s= must follow o=");
    if (sotto__sdp_copy(sdp->session_name, sizeof(sdp->session_name), v, n) != 0)
        return sotto__sdp_fail(p, -EINVAL, "s= longer than %d bytes", SOTTO_SDP_TEXT_LEN - 1);
    p->seen_s = 1;
    return 0;
}

static int parse_line(sotto__sdp_parser *p, const char *s, size_t len)
{
    char type;
    const char *v;
    size_t n;

    if (len < 2 || s[1] != '=')
        return sotto__sdp_fail(p, -EINVAL, "not of the form x=value");
    type = s[0];
    v = s + 2;
    n = len - 2;
    if (type < 'a' || type > 'z')
        return sotto__sdp_fail(p, -EINVAL, "line type must be one lowercase letter");
    if (!p->seen_s)
        return parse_opening(p, type, v, n);
    switch (type) {
    case 'v':
    case 'o':
    case 's':
        return sotto__sdp_fail(p, -EINVAL, "repeated %c= line", type);
    case 't':
        if (p->media)
            return sotto__sdp_fail(p, -EINVAL, "t= inside a media section");
        return parse_time(p, v, n);
    case 'c': {
        sotto__sdp_fields f = {v, v + n};
        sotto_sdp_connection *c = p->media ? &p->media->connection : &p->sdp->connection;
        if (c->addr_type != SOTTO_SDP_ADDR_NONE)
            return sotto__sdp_fail(p, -EINVAL, "repeated c= line");
        return sotto__sdp_parse_connection(p, &f, c, "c=");
    }
    case 'm':
        return parse_media_line(p, v, n);
    case 'a':
        return sotto__sdp_parse_attribute(p, v, n);
    case 'i': case 'u': case 'e': case 'p': case 'b': case 'z': case 'k': case 'r':
        return 0; /* known types whose values Sotto does not use */
    default:
        return sotto__sdp_fail(p, -EINVAL, "unknown line type '%c'", type);
    }
}

/* Checks one line's bytes: no NUL or other control characters. */
static int check_line_bytes(sotto__sdp_parser *p, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0)
            return sotto__sdp_fail(p, -EINVAL, "NUL byte");
        if (c < 0x20 || c == 0x7F)
            return sotto__sdp_fail(p, -EINVAL, "control character 0x%02x", c);
    }
    return 0;
}

static int only_line_ends(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

static int parse_lines(sotto__sdp_parser *p, const char *text, size_t len)
{
    size_t pos = 0;

    while (pos < len) {
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - start) : len - pos;
        int rc;

        pos += linelen + (nl ? 1 : 0);
        p->line_no++;
        if (linelen > 0 && start[linelen - 1] == '\r')
            linelen--;
        if (linelen > SOTTO_SDP_MAX_LINE)
            return sotto__sdp_fail(p, -EMSGSIZE, "line longer than %d bytes", SOTTO_SDP_MAX_LINE);
        rc = check_line_bytes(p, start, linelen);
        if (rc != 0)
            return rc;
        if (linelen == 0) {
            if (only_line_ends(text + pos, len - pos))
                break; /* trailing blank lines, as some signalling layers add */
            return sotto__sdp_fail(p, -EINVAL, "empty line");
        }
        rc = parse_line(p, start, linelen);
        if (rc != 0)
            return rc;
    }
    if (!p->seen_v)
        return sotto__sdp_fail(p, -EINVAL, "missing v=0 line");
    if (!p->seen_o)
        return sotto__sdp_fail(p, -EINVAL, "missing o= line");
    if (!p->seen_s)
        return sotto__sdp_fail(p, -EINVAL, "missing s= line");
    if (!p->seen_t)
        return sotto__sdp_fail(p, -EINVAL, "missing t= line");
    return 0;
}

int sotto__sdp_parse_into(const char *text, size_t len, sotto_sdp *work, char *err,
                          size_t errlen)
{
    sotto__sdp_parser p;

    if (len > SOTTO_SDP_MAX_TEXT) {
        sotto__net_errf(err, errlen, "SDP is %zu bytes (max %d)", len, SOTTO_SDP_MAX_TEXT);
        return -EMSGSIZE;
    }
    memset(&p, 0, sizeof(p));
    p.err = err;
    p.errlen = errlen;
    p.sdp = work;
    return parse_lines(&p, text, len);
}

int sotto_sdp_parse(const char *text, size_t len, sotto_sdp *out_sdp, char *err, size_t errlen)
{
    sotto_sdp *work;
    int rc;

    if (!text || !out_sdp) {
        sotto__net_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    if (len > SOTTO_SDP_MAX_TEXT) {
        sotto__net_errf(err, errlen, "SDP is %zu bytes (max %d)", len, SOTTO_SDP_MAX_TEXT);
        return -EMSGSIZE;
    }
    /* A zeroed scratch copy, so *out_sdp changes only on success. */
    work = calloc(1, sizeof(*work));
    if (!work) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    rc = sotto__sdp_parse_into(text, len, work, err, errlen);
    if (rc != 0)
        goto fail;
    memcpy(out_sdp, work, sizeof(*out_sdp));
fail:
    free(work);
    return rc;
}
