/* ICE candidate attributes (RFC 8839 section 5.1, RFC 6544 tcptype):
 * parsing, checking and writing, for SDP and for trickled candidates. */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* Names that have their own fields: never kept as unknown extensions. */
static const char *const known_ext_names[] = {"typ", "raddr", "rport", "tcptype", "generation"};

static int is_known_ext_name(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof(known_ext_names) / sizeof(known_ext_names[0]); i++)
        if (strlen(known_ext_names[i]) == len && memcmp(s, known_ext_names[i], len) == 0)
            return 1;
    return 0;
}

/* Dot-separated labels of letters, digits and '-', each 1..63 bytes. */
static int is_host_name(const char *s, size_t len)
{
    size_t label = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
        if (++label > 63)
            return 0;
    }
    return label > 0;
}

int sotto__sdp_cand_address_kind(const char *s, size_t len, sotto_sdp_cand_addr *out)
{
    char buf[SOTTO_SDP_ADDR_LEN];
    unsigned char bin[16];
    static const char suffix[] = ".local";
    const size_t suffix_len = sizeof(suffix) - 1;

    if (len == 0 || sotto__sdp_copy(buf, sizeof(buf), s, len) != 0)
        return -EINVAL;
    if (inet_pton(AF_INET, buf, bin) == 1) {
        *out = SOTTO_SDP_CAND_ADDR_IP4;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, bin) == 1) {
        *out = SOTTO_SDP_CAND_ADDR_IP6;
        return 0;
    }
    if (!is_host_name(buf, len))
        return -EINVAL;
    if (len > suffix_len && sotto__sdp_ieq(buf + len - suffix_len, suffix_len, suffix)) {
        *out = SOTTO_SDP_CAND_ADDR_MDNS;
        return 0;
    }
    return -ENOTSUP;
}

/* The tokens shown in messages are screened (no control bytes) but may be
 * long: print at most this many. */
#define SHOW 40

/* foundation, component, transport, priority */
static int parse_identity(sotto__sdp_fields *f, sotto_sdp_candidate *c, int *unusable,
                          char *err, size_t errlen)
{
    const char *t;
    size_t n;
    uint64_t v;

    if (!sotto__sdp_next_field(f, &t, &n) || n >= SOTTO_SDP_FOUNDATION_LEN ||
        !sotto__sdp_is_ice_chars(t, n)) {
        sotto__net_errf(err, errlen, "candidate foundation must be 1..32 ice-chars");
        return -EINVAL;
    }
    memcpy(c->foundation, t, n);
    if (!sotto__sdp_next_field(f, &t, &n) ||
        sotto__sdp_parse_uint(t, n, 1, SOTTO__SDP_MAX_COMPONENT, &v) != 0) {
        sotto__net_errf(err, errlen, "candidate component must be 1..256");
        return -EINVAL;
    }
    c->component = (uint16_t)v;
    if (!sotto__sdp_next_field(f, &t, &n) || !sotto__sdp_is_token(t, n)) {
        sotto__net_errf(err, errlen, "candidate transport missing");
        return -EINVAL;
    }
    if (sotto__sdp_ieq(t, n, "udp"))
        c->transport = SOTTO_SDP_CAND_UDP;
    else if (sotto__sdp_ieq(t, n, "tcp"))
        c->transport = SOTTO_SDP_CAND_TCP;
    else
        *unusable = 1;
    if (!sotto__sdp_next_field(f, &t, &n) ||
        sotto__sdp_parse_uint(t, n, 1, SOTTO__SDP_MAX_PRIORITY, &v) != 0) {
        sotto__net_errf(err, errlen, "candidate priority must be 1..2147483647");
        return -EINVAL;
    }
    c->priority = (uint32_t)v;
    return 0;
}

/* address, port, "typ" type */
static int parse_location(sotto__sdp_fields *f, sotto_sdp_candidate *c, int *unusable,
                          char *err, size_t errlen)
{
    const char *t;
    size_t n;
    uint64_t v;
    int rc;

    if (!sotto__sdp_next_field(f, &t, &n)) {
        sotto__net_errf(err, errlen, "candidate address missing");
        return -EINVAL;
    }
    rc = sotto__sdp_cand_address_kind(t, n, &c->address_kind);
    if (rc == -EINVAL) {
        sotto__net_errf(err, errlen, "bad candidate address '%.*s'", (int)(n < SHOW ? n : SHOW), t);
        return -EINVAL;
    }
    if (rc == -ENOTSUP)
        *unusable = 1;
    memcpy(c->address, t, n);
    if (!sotto__sdp_next_field(f, &t, &n) || sotto__sdp_parse_uint(t, n, 0, 65535, &v) != 0) {
        sotto__net_errf(err, errlen, "candidate port must be 0..65535");
        return -EINVAL;
    }
    c->port = (uint16_t)v;
    if (!sotto__sdp_next_field(f, &t, &n) || n != 3 || memcmp(t, "typ", 3) != 0 ||
        !sotto__sdp_next_field(f, &t, &n) || !sotto__sdp_is_token(t, n)) {
        sotto__net_errf(err, errlen, "candidate needs 'typ <type>' after the port");
        return -EINVAL;
    }
    for (unsigned i = SOTTO_SDP_CAND_HOST; i <= SOTTO_SDP_CAND_RELAY; i++)
        if (sotto__sdp_ieq(t, n, sotto__sdp_cand_type_name((sotto_sdp_cand_type)i)))
            c->type = (sotto_sdp_cand_type)i;
    if (c->type == 0)
        *unusable = 1;
    return 0;
}

static int parse_known_ext(sotto_sdp_candidate *c, const char *name, size_t nlen,
                           const char *val, size_t vlen, char *err, size_t errlen)
{
    uint64_t v;

    if (nlen == 5 && memcmp(name, "raddr", 5) == 0) {
        if (c->related_address[0] || !sotto__sdp_is_visible(val, vlen) ||
            sotto__sdp_copy(c->related_address, sizeof(c->related_address), val, vlen) != 0)
            goto bad;
    } else if (nlen == 5 && memcmp(name, "rport", 5) == 0) {
        if (c->has_related_port || sotto__sdp_parse_uint(val, vlen, 0, 65535, &v) != 0)
            goto bad;
        c->has_related_port = 1;
        c->related_port = (uint16_t)v;
    } else if (nlen == 7 && memcmp(name, "tcptype", 7) == 0) {
        if (c->tcptype != SOTTO_SDP_TCPTYPE_NONE)
            goto bad;
        for (unsigned i = SOTTO_SDP_TCPTYPE_ACTIVE; i <= SOTTO_SDP_TCPTYPE_SO; i++)
            if (sotto__sdp_ieq(val, vlen, sotto__sdp_tcptype_name((sotto_sdp_tcptype)i)))
                c->tcptype = (sotto_sdp_tcptype)i;
        if (c->tcptype == SOTTO_SDP_TCPTYPE_NONE)
            goto bad;
    } else if (nlen == 10 && memcmp(name, "generation", 10) == 0) {
        if (c->has_generation || sotto__sdp_parse_uint(val, vlen, 0, UINT32_MAX, &v) != 0)
            goto bad;
        c->has_generation = 1;
        c->generation = (uint32_t)v;
    } else {
        goto bad; /* "typ" a second time */
    }
    return 0;
bad:
    sotto__net_errf(err, errlen, "bad or repeated candidate '%.*s' value", (int)nlen, name);
    return -EINVAL;
}

int sotto__sdp_candidate_parse(const char *value, size_t len, sotto_sdp_candidate *out,
                               char *err, size_t errlen)
{
    sotto__sdp_fields f = {value, value + len};
    sotto_sdp_candidate c;
    int unusable = 0;
    const char *name, *val;
    size_t nlen, vlen;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = parse_identity(&f, &c, &unusable, err, errlen);
    if (rc == 0)
        rc = parse_location(&f, &c, &unusable, err, errlen);
    if (rc != 0)
        return rc;
    while (sotto__sdp_next_field(&f, &name, &nlen)) {
        if (!sotto__sdp_next_field(&f, &val, &vlen)) {
            sotto__net_errf(err, errlen, "candidate extension '%.*s' has no value",
                            (int)(nlen < SHOW ? nlen : SHOW), name);
            return -EINVAL;
        }
        if (is_known_ext_name(name, nlen)) {
            rc = parse_known_ext(&c, name, nlen, val, vlen, err, errlen);
            if (rc != 0)
                return rc;
            continue;
        }
        if (nlen >= SOTTO_SDP_EXT_NAME_LEN || vlen >= SOTTO_SDP_EXT_VALUE_LEN) {
            sotto__net_errf(err, errlen, "candidate extension '%.*s' too long",
                            (int)(nlen < SHOW ? nlen : SHOW), name);
            return -EINVAL;
        }
        if (c.ext_count == SOTTO_SDP_MAX_CAND_EXT) {
            c.ext_dropped++;
            continue;
        }
        memcpy(c.ext[c.ext_count].name, name, nlen);
        memcpy(c.ext[c.ext_count].value, val, vlen);
        c.ext_count++;
    }
    if (unusable) {
        sotto__net_errf(err, errlen, "candidate with an unsupported transport, type or host name");
        return -ENOTSUP;
    }
    *out = c;
    return 0;
}

static int field_ok(const char *s, size_t size, int (*cls)(const char *, size_t))
{
    size_t n = sotto__sdp_strlen(s, size);

    return n < size && cls(s, n);
}

int sotto__sdp_candidate_check(const sotto_sdp_candidate *c)
{
    size_t n;
    sotto_sdp_cand_addr kind;

    if (!field_ok(c->foundation, sizeof(c->foundation), sotto__sdp_is_ice_chars) ||
        c->component < 1 || c->component > SOTTO__SDP_MAX_COMPONENT ||
        (c->transport != SOTTO_SDP_CAND_UDP && c->transport != SOTTO_SDP_CAND_TCP) ||
        c->priority < 1 || c->priority > SOTTO__SDP_MAX_PRIORITY ||
        !sotto__sdp_cand_type_name(c->type) || (unsigned)c->tcptype > SOTTO_SDP_TCPTYPE_SO ||
        c->ext_count > SOTTO_SDP_MAX_CAND_EXT)
        return -EINVAL;
    n = sotto__sdp_strlen(c->address, sizeof(c->address));
    if (n == sizeof(c->address) || sotto__sdp_cand_address_kind(c->address, n, &kind) != 0 ||
        kind != c->address_kind)
        return -EINVAL;
    n = sotto__sdp_strlen(c->related_address, sizeof(c->related_address));
    if (n == sizeof(c->related_address) || (n > 0 && !sotto__sdp_is_visible(c->related_address, n)))
        return -EINVAL;
    if ((c->has_related_port != 0 && c->has_related_port != 1) ||
        (c->has_generation != 0 && c->has_generation != 1))
        return -EINVAL;
    for (size_t i = 0; i < c->ext_count; i++) {
        const sotto_sdp_cand_ext *e = &c->ext[i];
        if (!field_ok(e->name, sizeof(e->name), sotto__sdp_is_visible) ||
            !field_ok(e->value, sizeof(e->value), sotto__sdp_is_visible) ||
            is_known_ext_name(e->name, strlen(e->name)))
            return -EINVAL;
    }
    return 0;
}

void sotto__sdp_candidate_format(sotto__sdp_out *o, const sotto_sdp_candidate *c)
{
    sotto__sdp_outf(o, "candidate:%s %u %s %u %s %u typ %s", c->foundation,
                    (unsigned)c->component, c->transport == SOTTO_SDP_CAND_TCP ? "tcp" : "udp",
                    (unsigned)c->priority, c->address, (unsigned)c->port,
                    sotto__sdp_cand_type_name(c->type));
    if (c->related_address[0])
        sotto__sdp_outf(o, " raddr %s", c->related_address);
    if (c->has_related_port)
        sotto__sdp_outf(o, " rport %u", (unsigned)c->related_port);
    if (c->tcptype != SOTTO_SDP_TCPTYPE_NONE)
        sotto__sdp_outf(o, " tcptype %s", sotto__sdp_tcptype_name(c->tcptype));
    if (c->has_generation)
        sotto__sdp_outf(o, " generation %u", (unsigned)c->generation);
    for (size_t i = 0; i < c->ext_count; i++)
        sotto__sdp_outf(o, " %s %s", c->ext[i].name, c->ext[i].value);
}

int sotto_sdp_parse_candidate(const char *text, size_t len, sotto_sdp_candidate *out_cand,
                              char *err, size_t errlen)
{
    char line[SOTTO_SDP_MAX_LINE + 1];
    static const char prefix[] = "candidate:";
    const size_t prefix_len = sizeof(prefix) - 1;

    if (!text || !out_cand) {
        sotto__net_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    if (len >= 2 && text[0] == 'a' && text[1] == '=') {
        text += 2;
        len -= 2;
    }
    if (len > SOTTO_SDP_MAX_LINE || !sotto__sdp_is_text(text, len)) {
        sotto__net_errf(err, errlen, "candidate too long or has control characters");
        return -EINVAL;
    }
    if (len < prefix_len || memcmp(text, prefix, prefix_len) != 0) {
        sotto__net_errf(err, errlen, "candidate must start with 'candidate:'");
        return -EINVAL;
    }
    memcpy(line, text + prefix_len, len - prefix_len);
    line[len - prefix_len] = '\0';
    return sotto__sdp_candidate_parse(line, len - prefix_len, out_cand, err, errlen);
}

int sotto_sdp_write_candidate(const sotto_sdp_candidate *cand, char *buf, size_t buflen,
                              size_t *out_len)
{
    sotto__sdp_out count = {NULL, 0, 0};
    sotto__sdp_out o = {buf, buflen, 0};

    if (!cand || !out_len || (!buf && buflen != 0))
        return -EINVAL;
    if (sotto__sdp_candidate_check(cand) != 0)
        return -EINVAL;
    sotto__sdp_candidate_format(&count, cand);
    if (count.len >= buflen)
        return -ENOSPC;
    sotto__sdp_candidate_format(&o, cand);
    *out_len = o.len;
    return 0;
}
