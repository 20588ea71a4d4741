/* SDP helpers shared by the parser, the writer and negotiation: character
 * classes, bounded copies, name tables, fmtp lookup and resolution of
 * session-level defaults. */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void sotto__sdp_outf(sotto__sdp_out *o, const char *fmt, ...)
{
    va_list ap;
    size_t room = 0;
    int n;
    char *dst = NULL;

    if (o->buf && o->len < o->cap) {
        room = o->cap - o->len;
        dst = o->buf + o->len;
    }
    va_start(ap, fmt);
    n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

static int is_token_char(unsigned char c)
{
    /* RFC 8866 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E */
    return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D ||
           c == 0x2E || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) ||
           (c >= 0x5E && c <= 0x7E);
}

int sotto__sdp_is_token(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_token_char((unsigned char)s[i]))
            return 0;
    return 1;
}

int sotto__sdp_is_ice_chars(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return 0;
    }
    return 1;
}

int sotto__sdp_is_visible(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F)
            return 0;
    }
    return 1;
}

int sotto__sdp_is_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            return 0;
    }
    return 1;
}

int sotto__sdp_is_proto(const char *s, size_t len)
{
    size_t start = 0;

    /* proto = token *("/" token) */
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '/') {
            if (!sotto__sdp_is_token(s + start, i - start))
                return 0;
            start = i + 1;
        }
    }
    return len > 0;
}

int sotto__sdp_parse_uint(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (len == 0)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        unsigned d;
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -EINVAL;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

int sotto__sdp_copy(char *dst, size_t dstsize, const char *src, size_t len)
{
    if (len >= dstsize)
        return -EINVAL;
    memcpy(dst, src, len);
    dst[len] = '\0';
    return 0;
}

size_t sotto__sdp_strlen(const char *s, size_t size)
{
    const char *nul = memchr(s, '\0', size);

    return nul ? (size_t)(nul - s) : size;
}

int sotto__sdp_next_field(sotto__sdp_fields *f, const char **out_tok, size_t *out_len)
{
    const char *start;

    while (f->p < f->end && *f->p == ' ')
        f->p++;
    if (f->p == f->end)
        return 0;
    start = f->p;
    while (f->p < f->end && *f->p != ' ')
        f->p++;
    *out_tok = start;
    *out_len = (size_t)(f->p - start);
    return 1;
}

void sotto__sdp_rest(sotto__sdp_fields *f, const char **out_tok, size_t *out_len)
{
    while (f->p < f->end && *f->p == ' ')
        f->p++;
    *out_tok = f->p;
    *out_len = (size_t)(f->end - f->p);
    f->p = f->end;
}

int sotto__sdp_ieq(const char *a, size_t alen, const char *b)
{
    return strlen(b) == alen && strncasecmp(a, b, alen) == 0;
}

sotto_sdp_media_type sotto__sdp_media_type(const char *name, size_t len)
{
    if (len == 5 && memcmp(name, "audio", 5) == 0)
        return SOTTO_SDP_MEDIA_AUDIO;
    if (len == 5 && memcmp(name, "video", 5) == 0)
        return SOTTO_SDP_MEDIA_VIDEO;
    if (len == 11 && memcmp(name, "application", 11) == 0)
        return SOTTO_SDP_MEDIA_APPLICATION;
    return SOTTO_SDP_MEDIA_OTHER;
}

sotto_sdp_proto sotto__sdp_proto_kind(const char *proto, size_t len)
{
    static const struct {
        const char *name;
        sotto_sdp_proto kind;
    } protos[] = {
        {"UDP/TLS/RTP/SAVPF", SOTTO_SDP_PROTO_DTLS_SRTP},
        {"UDP/TLS/RTP/SAVP", SOTTO_SDP_PROTO_DTLS_SRTP},
        {"TCP/DTLS/RTP/SAVPF", SOTTO_SDP_PROTO_DTLS_SRTP},
        {"TCP/DTLS/RTP/SAVP", SOTTO_SDP_PROTO_DTLS_SRTP},
        {"RTP/AVP", SOTTO_SDP_PROTO_RTP},
        {"RTP/AVPF", SOTTO_SDP_PROTO_RTP},
        {"RTP/SAVP", SOTTO_SDP_PROTO_RTP},
        {"RTP/SAVPF", SOTTO_SDP_PROTO_RTP},
        {"UDP/DTLS/SCTP", SOTTO_SDP_PROTO_SCTP},
        {"TCP/DTLS/SCTP", SOTTO_SDP_PROTO_SCTP},
        {"DTLS/SCTP", SOTTO_SDP_PROTO_SCTP},
    };

    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
        if (sotto__sdp_ieq(proto, len, protos[i].name))
            return protos[i].kind;
    return SOTTO_SDP_PROTO_OTHER;
}

int sotto__sdp_proto_is_rtp(sotto_sdp_proto kind)
{
    return kind == SOTTO_SDP_PROTO_DTLS_SRTP || kind == SOTTO_SDP_PROTO_RTP;
}

static const char *const hash_names[] = {NULL, "sha-1", "sha-224", "sha-256", "sha-384", "sha-512"};
static const size_t hash_lens[] = {0, 20, 28, 32, 48, 64};
static const char *const setup_names[] = {NULL, "actpass", "active", "passive", "holdconn"};
static const char *const direction_names[] = {NULL, "sendrecv", "sendonly", "recvonly", "inactive"};
static const char *const cand_type_names[] = {NULL, "host", "srflx", "prflx", "relay"};
static const char *const tcptype_names[] = {NULL, "active", "passive", "so"};

#define TABLE_GET(table, v) \
    ((unsigned)(v) < sizeof(table) / sizeof(table[0]) ? table[(unsigned)(v)] : NULL)

const char *sotto__sdp_hash_name(sotto_sdp_hash hash)
{
    return TABLE_GET(hash_names, hash);
}

size_t sotto__sdp_hash_len(sotto_sdp_hash hash)
{
    return (unsigned)hash < sizeof(hash_lens) / sizeof(hash_lens[0]) ? hash_lens[hash] : 0;
}

const char *sotto__sdp_setup_name(sotto_sdp_setup setup)
{
    return TABLE_GET(setup_names, setup);
}

const char *sotto__sdp_direction_name(sotto_sdp_direction dir)
{
    return TABLE_GET(direction_names, dir);
}

const char *sotto__sdp_cand_type_name(sotto_sdp_cand_type type)
{
    return TABLE_GET(cand_type_names, type);
}

const char *sotto__sdp_tcptype_name(sotto_sdp_tcptype type)
{
    return TABLE_GET(tcptype_names, type);
}

/* Index 1.. of s in a NULL-first table, compared ignoring case; 0 if absent. */
static unsigned table_find(const char *const *table, size_t n, const char *s, size_t len)
{
    for (size_t i = 1; i < n; i++)
        if (sotto__sdp_ieq(s, len, table[i]))
            return (unsigned)i;
    return 0;
}

int sotto__sdp_hash_from(const char *s, size_t len, sotto_sdp_hash *out)
{
    unsigned i = table_find(hash_names, sizeof(hash_names) / sizeof(hash_names[0]), s, len);

    if (!i)
        return -EINVAL;
    *out = (sotto_sdp_hash)i;
    return 0;
}

int sotto__sdp_setup_from(const char *s, size_t len, sotto_sdp_setup *out)
{
    unsigned i = table_find(setup_names, sizeof(setup_names) / sizeof(setup_names[0]), s, len);

    if (!i)
        return -EINVAL;
    *out = (sotto_sdp_setup)i;
    return 0;
}

int sotto__sdp_direction_from(const char *s, size_t len, sotto_sdp_direction *out)
{
    unsigned i = table_find(direction_names, sizeof(direction_names) / sizeof(direction_names[0]),
                            s, len);

    if (!i)
        return -EINVAL;
    *out = (sotto_sdp_direction)i;
    return 0;
}

int sotto_sdp_fmtp_get(const char *params, const char *key, char *out_value, size_t out_len)
{
    size_t keylen;
    const char *p;

    if (!params || !key || !out_value || out_len == 0)
        return -EINVAL;
    keylen = strlen(key);
    p = params;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t partlen, namelen;
        const char *eq;

        while (*p == ' ')
            p++;
        partlen = end ? (size_t)(end - p) : strlen(p);
        eq = memchr(p, '=', partlen);
        namelen = eq ? (size_t)(eq - p) : partlen;
        while (namelen > 0 && p[namelen - 1] == ' ')
            namelen--;
        if (namelen == keylen && strncasecmp(p, key, keylen) == 0) {
            const char *val = eq ? eq + 1 : p + partlen;
            size_t vallen = (size_t)(p + partlen - val);
            while (vallen > 0 && *val == ' ') {
                val++;
                vallen--;
            }
            while (vallen > 0 && val[vallen - 1] == ' ')
                vallen--;
            return sotto__sdp_copy(out_value, out_len, val, vallen) == 0 ? 0 : -ENOSPC;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return -ENOENT;
}

int sotto_sdp_resolve_media(const sotto_sdp *sdp, size_t media_index,
                            sotto_sdp_resolved *out_resolved)
{
    const sotto_sdp_media *m;
    const sotto_sdp_ice_dtls *mi, *si;
    sotto_sdp_resolved r;

    if (!sdp || !out_resolved || media_index >= sdp->media_count ||
        media_index >= SOTTO_SDP_MAX_MEDIA)
        return -EINVAL;
    m = &sdp->media[media_index];
    mi = &m->ice_dtls;
    si = &sdp->ice_dtls;
    r.ice_ufrag = mi->ice_ufrag[0] ? mi->ice_ufrag : si->ice_ufrag;
    r.ice_pwd = mi->ice_pwd[0] ? mi->ice_pwd : si->ice_pwd;
    r.ice_options = mi->ice_options ? mi->ice_options : si->ice_options;
    if (mi->fingerprint.hash != SOTTO_SDP_HASH_NONE)
        r.fingerprint = &mi->fingerprint;
    else if (si->fingerprint.hash != SOTTO_SDP_HASH_NONE)
        r.fingerprint = &si->fingerprint;
    else
        r.fingerprint = NULL;
    r.setup = mi->setup != SOTTO_SDP_SETUP_NONE ? mi->setup : si->setup;
    r.direction = m->direction != SOTTO_SDP_DIR_NONE ? m->direction : sdp->direction;
    if (r.direction == SOTTO_SDP_DIR_NONE)
        r.direction = SOTTO_SDP_DIR_SENDRECV;
    r.end_of_candidates = m->end_of_candidates || sdp->end_of_candidates;
    r.ice_lite = sdp->ice_lite;
    *out_resolved = r;
    return 0;
}
