/* Checks that a sotto_sdp built by hand would be written and read back
 * unchanged (the parser's rules, seen from the model), and the field by
 * field comparison the tests and the fuzzer use to prove it. */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <string.h>

#define FAIL(...)                                        \
    do {                                                 \
        sotto__net_errf(err, errlen, __VA_ARGS__);       \
        return -EINVAL;                                  \
    } while (0)

/* A string buffer holding "" (when may_be_empty) or a value of class cls
 * that does not start with a space (the parser skips leading spaces). */
static int str_ok(const char *s, size_t size, int (*cls)(const char *, size_t), int may_be_empty)
{
    size_t n = sotto__sdp_strlen(s, size);

    if (n == size)
        return 0;
    if (n == 0)
        return may_be_empty;
    return s[0] != ' ' && cls(s, n);
}

static int is_nonempty_text(const char *s, size_t len)
{
    return len > 0 && sotto__sdp_is_text(s, len);
}

static int is_token_list(const char *s, size_t len)
{
    sotto__sdp_fields f = {s, s + len};
    const char *t;
    size_t n;
    int any = 0;

    while (sotto__sdp_next_field(&f, &t, &n)) {
        if (!sotto__sdp_is_token(t, n))
            return 0;
        any = 1;
    }
    return any && sotto__sdp_is_text(s, len);
}

static int flag_ok(int v)
{
    return v == 0 || v == 1;
}

static int connection_ok(const sotto_sdp_connection *c)
{
    if (c->addr_type == SOTTO_SDP_ADDR_NONE)
        return 1;
    if (c->addr_type != SOTTO_SDP_ADDR_IP4 && c->addr_type != SOTTO_SDP_ADDR_IP6)
        return 0;
    return str_ok(c->address, sizeof(c->address), sotto__sdp_is_visible, 0);
}

static int ice_dtls_ok(const sotto_sdp_ice_dtls *d)
{
    size_t ulen = sotto__sdp_strlen(d->ice_ufrag, sizeof(d->ice_ufrag));
    size_t plen = sotto__sdp_strlen(d->ice_pwd, sizeof(d->ice_pwd));

    /* RFC 8839: ufrag 4..256, pwd 22..256 ice-chars; "" = absent */
    if (ulen == sizeof(d->ice_ufrag) ||
        (ulen > 0 && (ulen < 4 || !sotto__sdp_is_ice_chars(d->ice_ufrag, ulen))))
        return 0;
    if (plen == sizeof(d->ice_pwd) ||
        (plen > 0 && (plen < 22 || !sotto__sdp_is_ice_chars(d->ice_pwd, plen))))
        return 0;
    if (d->ice_options & ~(SOTTO_SDP_ICE_OPT_TRICKLE | SOTTO_SDP_ICE_OPT_ICE2 |
                           SOTTO_SDP_ICE_OPT_RENOMINATION))
        return 0;
    if (d->fingerprint.hash != SOTTO_SDP_HASH_NONE &&
        (!sotto__sdp_hash_name(d->fingerprint.hash) ||
         d->fingerprint.len != sotto__sdp_hash_len(d->fingerprint.hash)))
        return 0;
    return (unsigned)d->setup <= SOTTO_SDP_SETUP_HOLDCONN;
}

static int check_formats(const sotto_sdp_media *m, char *err, size_t errlen)
{
    if (!sotto__sdp_proto_is_rtp(m->proto_kind)) {
        if (m->pt_count || m->rtpmap_count || m->fmtp_count || m->rtcp_fb_count ||
            !str_ok(m->fmt, sizeof(m->fmt), is_token_list, 0))
            FAIL("non-RTP section needs formats in fmt and no payload types");
        return 0;
    }
    if (m->pt_count == 0 || m->pt_count > SOTTO_SDP_MAX_PT || m->fmt[0])
        FAIL("RTP section needs 1..%d payload types and an empty fmt", SOTTO_SDP_MAX_PT);
    for (size_t i = 0; i < m->pt_count; i++) {
        if (m->pts[i] > 127)
            FAIL("payload type %u out of range", (unsigned)m->pts[i]);
        for (size_t j = 0; j < i; j++)
            if (m->pts[j] == m->pts[i])
                FAIL("payload type %u listed twice", (unsigned)m->pts[i]);
    }
    return 0;
}

static int check_codecs(const sotto_sdp_media *m, char *err, size_t errlen)
{
    if (m->rtpmap_count > SOTTO_SDP_MAX_RTPMAP || m->fmtp_count > SOTTO_SDP_MAX_FMTP ||
        m->rtcp_fb_count > SOTTO_SDP_MAX_RTCP_FB)
        FAIL("too many rtpmap, fmtp or rtcp-fb entries");
    for (size_t i = 0; i < m->rtpmap_count; i++) {
        const sotto_sdp_rtpmap *r = &m->rtpmap[i];
        if (r->pt > 127 || !str_ok(r->name, sizeof(r->name), sotto__sdp_is_token, 0) ||
            r->clock_hz < 1 || r->clock_hz > SOTTO__SDP_MAX_CLOCK)
            FAIL("bad rtpmap %zu", i);
        for (size_t j = 0; j < i; j++)
            if (m->rtpmap[j].pt == r->pt)
                FAIL("two rtpmap entries for payload type %u", (unsigned)r->pt);
    }
    for (size_t i = 0; i < m->fmtp_count; i++) {
        const sotto_sdp_fmtp *f = &m->fmtp[i];
        if (f->pt > 127 || !str_ok(f->params, sizeof(f->params), is_nonempty_text, 0))
            FAIL("bad fmtp %zu", i);
        for (size_t j = 0; j < i; j++)
            if (m->fmtp[j].pt == f->pt)
                FAIL("two fmtp entries for payload type %u", (unsigned)f->pt);
    }
    for (size_t i = 0; i < m->rtcp_fb_count; i++) {
        const sotto_sdp_rtcp_fb *fb = &m->rtcp_fb[i];
        if (fb->pt < -1 || fb->pt > 127 ||
            !str_ok(fb->value, sizeof(fb->value), is_nonempty_text, 0))
            FAIL("bad rtcp-fb %zu", i);
    }
    return 0;
}

static int check_attrs(const sotto_sdp_media *m, char *err, size_t errlen)
{
    if (m->extmap_count > SOTTO_SDP_MAX_EXTMAP || m->ssrc_count > SOTTO_SDP_MAX_SSRC)
        FAIL("too many extmap or ssrc entries");
    for (size_t i = 0; i < m->extmap_count; i++) {
        const sotto_sdp_extmap *e = &m->extmap[i];
        if (e->id < 1 || e->id > SOTTO__SDP_MAX_EXTMAP_ID ||
            (unsigned)e->direction > SOTTO_SDP_DIR_INACTIVE ||
            !str_ok(e->uri, sizeof(e->uri), sotto__sdp_is_visible, 0) ||
            !str_ok(e->attributes, sizeof(e->attributes), sotto__sdp_is_text, 1))
            FAIL("bad extmap %zu", i);
        for (size_t j = 0; j < i; j++)
            if (m->extmap[j].id == e->id)
                FAIL("two extmap entries with id %u", (unsigned)e->id);
    }
    for (size_t i = 0; i < m->ssrc_count; i++) {
        const sotto_sdp_ssrc *s = &m->ssrc[i];
        /* A value may start with a space here: it follows "cname:" directly. */
        size_t cn = sotto__sdp_strlen(s->cname, sizeof(s->cname));
        size_t mn = sotto__sdp_strlen(s->msid, sizeof(s->msid));
        if (cn == sizeof(s->cname) || mn == sizeof(s->msid) || (cn == 0 && mn == 0) ||
            !sotto__sdp_is_text(s->cname, cn) || !sotto__sdp_is_text(s->msid, mn))
            FAIL("bad ssrc %zu (needs a cname or msid)", i);
        for (size_t j = 0; j < i; j++)
            if (m->ssrc[j].ssrc == s->ssrc)
                FAIL("two ssrc entries for %u", (unsigned)s->ssrc);
    }
    if (!str_ok(m->msid_stream, sizeof(m->msid_stream), sotto__sdp_is_token, 1) ||
        !str_ok(m->msid_track, sizeof(m->msid_track), sotto__sdp_is_token, 1) ||
        (!m->msid_stream[0] && m->msid_track[0]))
        FAIL("bad msid");
    if (m->ptime_ms > SOTTO__SDP_MAX_PTIME || m->maxptime_ms > SOTTO__SDP_MAX_PTIME)
        FAIL("ptime or maxptime over %u ms", SOTTO__SDP_MAX_PTIME);
    if (m->candidate_count > SOTTO_SDP_MAX_CANDIDATES)
        FAIL("too many candidates");
    for (size_t i = 0; i < m->candidate_count; i++)
        if (sotto__sdp_candidate_check(&m->candidates[i]) != 0)
            FAIL("bad candidate %zu", i);
    return 0;
}

static int check_media(const sotto_sdp_media *m, char *err, size_t errlen)
{
    size_t n = sotto__sdp_strlen(m->name, sizeof(m->name));
    int rc;

    if (!str_ok(m->name, sizeof(m->name), sotto__sdp_is_token, 0) ||
        m->type != sotto__sdp_media_type(m->name, n))
        FAIL("media name missing or not matching type");
    n = sotto__sdp_strlen(m->proto, sizeof(m->proto));
    if (!str_ok(m->proto, sizeof(m->proto), sotto__sdp_is_proto, 0) ||
        m->proto_kind != sotto__sdp_proto_kind(m->proto, n))
        FAIL("proto missing or not matching proto_kind");
    if (!connection_ok(&m->connection) || !flag_ok(m->has_rtcp) ||
        (m->has_rtcp && !connection_ok(&m->rtcp_connection)))
        FAIL("bad c= or a=rtcp");
    if (!str_ok(m->mid, sizeof(m->mid), sotto__sdp_is_token, 1) ||
        (unsigned)m->direction > SOTTO_SDP_DIR_INACTIVE || !flag_ok(m->rtcp_mux) ||
        !flag_ok(m->rtcp_rsize) || !flag_ok(m->extmap_allow_mixed) ||
        !flag_ok(m->end_of_candidates) || !ice_dtls_ok(&m->ice_dtls))
        FAIL("bad mid, direction, flag or ICE/DTLS parameters");
    rc = check_formats(m, err, errlen);
    if (rc == 0)
        rc = check_codecs(m, err, errlen);
    if (rc == 0)
        rc = check_attrs(m, err, errlen);
    return rc;
}

int sotto__sdp_check(const sotto_sdp *sdp, char *err, size_t errlen)
{
    size_t name_len = sotto__sdp_strlen(sdp->session_name, sizeof(sdp->session_name));

    if (!str_ok(sdp->origin_user, sizeof(sdp->origin_user), sotto__sdp_is_visible, 0) ||
        name_len == sizeof(sdp->session_name) || !sotto__sdp_is_text(sdp->session_name, name_len))
        FAIL("bad origin user or session name");
    if (!connection_ok(&sdp->connection) || (unsigned)sdp->direction > SOTTO_SDP_DIR_INACTIVE ||
        !flag_ok(sdp->ice_lite) || !flag_ok(sdp->extmap_allow_mixed) ||
        !flag_ok(sdp->end_of_candidates) || !ice_dtls_ok(&sdp->ice_dtls))
        FAIL("bad session c=, direction, flag or ICE/DTLS parameters");
    if (sdp->bundle_count > SOTTO_SDP_MAX_BUNDLE)
        FAIL("too many BUNDLE mids");
    for (size_t i = 0; i < sdp->bundle_count; i++)
        if (!str_ok(sdp->bundle_mids[i], SOTTO_SDP_MID_LEN, sotto__sdp_is_token, 0))
            FAIL("bad BUNDLE mid %zu", i);
    if (!str_ok(sdp->msid_semantic, sizeof(sdp->msid_semantic), sotto__sdp_is_token, 1) ||
        !str_ok(sdp->msid_semantic_ids, sizeof(sdp->msid_semantic_ids), sotto__sdp_is_text, 1) ||
        (!sdp->msid_semantic[0] && sdp->msid_semantic_ids[0]))
        FAIL("bad msid-semantic");
    if (sdp->media_count > SOTTO_SDP_MAX_MEDIA)
        FAIL("more than %d m-sections", SOTTO_SDP_MAX_MEDIA);
    for (size_t i = 0; i < sdp->media_count; i++) {
        char inner[160];
        if (check_media(&sdp->media[i], inner, sizeof(inner)) != 0)
            FAIL("m-section %zu: %s", i, inner);
    }
    return 0;
}

int sotto_sdp_validate(const sotto_sdp *sdp, char *err, size_t errlen)
{
    if (!sdp) {
        sotto__net_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    return sotto__sdp_check(sdp, err, errlen);
}

/* ---- comparison ---- */

#define DIFF(cond, ...)                                      \
    do {                                                     \
        if (cond) {                                          \
            sotto__net_errf(where, wherelen, __VA_ARGS__);   \
            return 0;                                        \
        }                                                    \
    } while (0)

static int conn_eq(const sotto_sdp_connection *a, const sotto_sdp_connection *b)
{
    return a->addr_type == b->addr_type &&
           (a->addr_type == SOTTO_SDP_ADDR_NONE || strcmp(a->address, b->address) == 0);
}

static int ice_eq(const sotto_sdp_ice_dtls *a, const sotto_sdp_ice_dtls *b)
{
    const sotto_sdp_fingerprint *fa = &a->fingerprint, *fb = &b->fingerprint;

    if (strcmp(a->ice_ufrag, b->ice_ufrag) || strcmp(a->ice_pwd, b->ice_pwd) ||
        a->ice_options != b->ice_options || a->setup != b->setup || fa->hash != fb->hash)
        return 0;
    return fa->hash == SOTTO_SDP_HASH_NONE ||
           (fa->len == fb->len && fa->len <= SOTTO_SDP_MAX_FINGERPRINT &&
            memcmp(fa->bytes, fb->bytes, fa->len) == 0);
}

static int cand_eq(const sotto_sdp_candidate *a, const sotto_sdp_candidate *b)
{
    if (strcmp(a->foundation, b->foundation) || a->component != b->component ||
        a->transport != b->transport || a->priority != b->priority ||
        strcmp(a->address, b->address) || a->address_kind != b->address_kind ||
        a->port != b->port || a->type != b->type ||
        strcmp(a->related_address, b->related_address) ||
        a->has_related_port != b->has_related_port ||
        (a->has_related_port && a->related_port != b->related_port) || a->tcptype != b->tcptype ||
        a->has_generation != b->has_generation ||
        (a->has_generation && a->generation != b->generation) || a->ext_count != b->ext_count ||
        a->ext_count > SOTTO_SDP_MAX_CAND_EXT)
        return 0;
    for (size_t i = 0; i < a->ext_count; i++)
        if (strcmp(a->ext[i].name, b->ext[i].name) || strcmp(a->ext[i].value, b->ext[i].value))
            return 0;
    return 1;
}

static size_t fb_occurrences(const sotto_sdp_media *m, const sotto_sdp_rtcp_fb *fb)
{
    size_t n = 0;

    for (size_t i = 0; i < m->rtcp_fb_count && i < SOTTO_SDP_MAX_RTCP_FB; i++)
        n += m->rtcp_fb[i].pt == fb->pt && strcmp(m->rtcp_fb[i].value, fb->value) == 0;
    return n;
}

/* fmtp by payload type and rtcp-fb as a multiset: their order is free. */
static int codecs_eq(const sotto_sdp_media *a, const sotto_sdp_media *b, size_t mi, char *where,
                     size_t wherelen)
{
    DIFF(a->rtpmap_count != b->rtpmap_count || a->rtpmap_count > SOTTO_SDP_MAX_RTPMAP,
         "media[%zu].rtpmap_count", mi);
    for (size_t i = 0; i < a->rtpmap_count; i++) {
        const sotto_sdp_rtpmap *x = &a->rtpmap[i], *y = &b->rtpmap[i];
        DIFF(x->pt != y->pt || strcmp(x->name, y->name) || x->clock_hz != y->clock_hz ||
             x->channels != y->channels, "media[%zu].rtpmap[%zu]", mi, i);
    }
    DIFF(a->fmtp_count != b->fmtp_count || a->fmtp_count > SOTTO_SDP_MAX_FMTP,
         "media[%zu].fmtp_count", mi);
    for (size_t i = 0; i < a->fmtp_count; i++) {
        int found = 0;
        for (size_t j = 0; j < b->fmtp_count; j++)
            found |= b->fmtp[j].pt == a->fmtp[i].pt &&
                     strcmp(b->fmtp[j].params, a->fmtp[i].params) == 0;
        DIFF(!found, "media[%zu].fmtp[%zu] (pt %u)", mi, i, (unsigned)a->fmtp[i].pt);
    }
    DIFF(a->rtcp_fb_count != b->rtcp_fb_count || a->rtcp_fb_count > SOTTO_SDP_MAX_RTCP_FB,
         "media[%zu].rtcp_fb_count", mi);
    for (size_t i = 0; i < a->rtcp_fb_count; i++)
        DIFF(fb_occurrences(a, &a->rtcp_fb[i]) != fb_occurrences(b, &a->rtcp_fb[i]),
             "media[%zu].rtcp_fb[%zu]", mi, i);
    return 1;
}

static int lists_eq(const sotto_sdp_media *a, const sotto_sdp_media *b, size_t mi, char *where,
                    size_t wherelen)
{
    DIFF(a->extmap_count != b->extmap_count || a->extmap_count > SOTTO_SDP_MAX_EXTMAP,
         "media[%zu].extmap_count", mi);
    for (size_t i = 0; i < a->extmap_count; i++) {
        const sotto_sdp_extmap *x = &a->extmap[i], *y = &b->extmap[i];
        DIFF(x->id != y->id || x->direction != y->direction || strcmp(x->uri, y->uri) ||
             strcmp(x->attributes, y->attributes), "media[%zu].extmap[%zu]", mi, i);
    }
    DIFF(a->ssrc_count != b->ssrc_count || a->ssrc_count > SOTTO_SDP_MAX_SSRC,
         "media[%zu].ssrc_count", mi);
    for (size_t i = 0; i < a->ssrc_count; i++) {
        const sotto_sdp_ssrc *x = &a->ssrc[i], *y = &b->ssrc[i];
        DIFF(x->ssrc != y->ssrc || strcmp(x->cname, y->cname) || strcmp(x->msid, y->msid),
             "media[%zu].ssrc[%zu]", mi, i);
    }
    DIFF(a->candidate_count != b->candidate_count ||
         a->candidate_count > SOTTO_SDP_MAX_CANDIDATES, "media[%zu].candidate_count", mi);
    for (size_t i = 0; i < a->candidate_count; i++)
        DIFF(!cand_eq(&a->candidates[i], &b->candidates[i]), "media[%zu].candidates[%zu]", mi, i);
    return 1;
}

static int media_eq(const sotto_sdp_media *a, const sotto_sdp_media *b, size_t mi, char *where,
                    size_t wherelen)
{
    DIFF(a->type != b->type || strcmp(a->name, b->name) || a->port != b->port ||
         strcmp(a->proto, b->proto) || a->proto_kind != b->proto_kind,
         "media[%zu] m-line", mi);
    DIFF(a->pt_count != b->pt_count || a->pt_count > SOTTO_SDP_MAX_PT ||
         memcmp(a->pts, b->pts, a->pt_count) || strcmp(a->fmt, b->fmt), "media[%zu] formats", mi);
    DIFF(!conn_eq(&a->connection, &b->connection), "media[%zu].connection", mi);
    DIFF(a->has_rtcp != b->has_rtcp || (a->has_rtcp && (a->rtcp_port != b->rtcp_port ||
         !conn_eq(&a->rtcp_connection, &b->rtcp_connection))), "media[%zu] a=rtcp", mi);
    DIFF(strcmp(a->mid, b->mid), "media[%zu].mid", mi);
    DIFF(a->direction != b->direction, "media[%zu].direction", mi);
    DIFF(a->rtcp_mux != b->rtcp_mux || a->rtcp_rsize != b->rtcp_rsize ||
         a->extmap_allow_mixed != b->extmap_allow_mixed ||
         a->end_of_candidates != b->end_of_candidates, "media[%zu] flags", mi);
    DIFF(a->ptime_ms != b->ptime_ms || a->maxptime_ms != b->maxptime_ms, "media[%zu] ptime", mi);
    DIFF(strcmp(a->msid_stream, b->msid_stream) || strcmp(a->msid_track, b->msid_track),
         "media[%zu].msid", mi);
    DIFF(!ice_eq(&a->ice_dtls, &b->ice_dtls), "media[%zu].ice_dtls", mi);
    return codecs_eq(a, b, mi, where, wherelen) && lists_eq(a, b, mi, where, wherelen);
}

int sotto__sdp_equal(const sotto_sdp *a, const sotto_sdp *b, char *where, size_t wherelen)
{
    DIFF(strcmp(a->origin_user, b->origin_user) || a->session_id != b->session_id ||
         a->session_version != b->session_version, "origin");
    DIFF(strcmp(a->session_name, b->session_name), "session_name");
    DIFF(!conn_eq(&a->connection, &b->connection), "connection");
    DIFF(a->direction != b->direction, "direction");
    DIFF(a->ice_lite != b->ice_lite || a->extmap_allow_mixed != b->extmap_allow_mixed ||
         a->end_of_candidates != b->end_of_candidates, "session flags");
    DIFF(!ice_eq(&a->ice_dtls, &b->ice_dtls), "ice_dtls");
    DIFF(a->bundle_count != b->bundle_count || a->bundle_count > SOTTO_SDP_MAX_BUNDLE,
         "bundle_count");
    for (size_t i = 0; i < a->bundle_count; i++)
        DIFF(strcmp(a->bundle_mids[i], b->bundle_mids[i]), "bundle_mids[%zu]", i);
    DIFF(strcmp(a->msid_semantic, b->msid_semantic) ||
         strcmp(a->msid_semantic_ids, b->msid_semantic_ids), "msid_semantic");
    DIFF(a->media_count != b->media_count || a->media_count > SOTTO_SDP_MAX_MEDIA, "media_count");
    for (size_t i = 0; i < a->media_count; i++)
        if (!media_eq(&a->media[i], &b->media[i], i, where, wherelen))
            return 0;
    return 1;
}
