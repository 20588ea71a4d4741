/* SDP a= lines: one handler per modelled attribute, found through a table
 * that also says at which level the attribute means something. Attributes
 * not in the table, or met at the wrong level, are ignored (RFC 8866 5.13). */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <string.h>

#define SHOW(n) ((int)((n) < 24 ? (n) : 24))

enum attr_level {
    AT_SESSION = 1,     /* before the first m= */
    AT_MEDIA = 2,       /* inside any m-section */
    AT_BOTH = 3,
    AT_RTP = 4,         /* inside an m-section whose proto carries RTP */
};

typedef int (*attr_fn)(sotto__sdp_parser *p, const char *v, size_t n);

typedef struct attr_handler {
    const char *name;   /* attribute name, case-sensitive */
    int level;          /* enum attr_level */
    int has_value;      /* 1: "name:value" required; 0: a flag, no value */
    attr_fn fn;         /* gets the value, or for a flag its name */
} attr_handler;

static sotto_sdp_ice_dtls *level_ice(sotto__sdp_parser *p)
{
    return p->media ? &p->media->ice_dtls : &p->sdp->ice_dtls;
}

static void count_drop(sotto__sdp_parser *p)
{
    if (p->media)
        p->media->dropped++;
    else
        p->sdp->dropped++;
}

/* Copies one field of class cls into dst[size] or fails naming what. */
static int take(sotto__sdp_parser *p, char *dst, size_t size, const char *t, size_t n,
                int (*cls)(const char *, size_t), const char *what)
{
    if (!cls(t, n))
        return sotto__sdp_fail(p, -EINVAL, "bad %s '%.*s'", what, SHOW(n), t);
    if (sotto__sdp_copy(dst, size, t, n) != 0)
        return sotto__sdp_fail(p, -EINVAL, "%s longer than %zu bytes", what, size - 1);
    return 0;
}

static int no_more(sotto__sdp_parser *p, sotto__sdp_fields *f, const char *what)
{
    const char *t;
    size_t n;

    if (sotto__sdp_next_field(f, &t, &n))
        return sotto__sdp_fail(p, -EINVAL, "a=%s has extra fields", what);
    return 0;
}

static int attr_ice_ufrag(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto_sdp_ice_dtls *ice = level_ice(p);

    if (ice->ice_ufrag[0])
        return sotto__sdp_fail(p, -EINVAL, "repeated a=ice-ufrag");
    if (n < 4 || n > 256 || !sotto__sdp_is_ice_chars(v, n))
        return sotto__sdp_fail(p, -EINVAL, "a=ice-ufrag must be 4..256 ice-chars");
    return sotto__sdp_copy(ice->ice_ufrag, sizeof(ice->ice_ufrag), v, n);
}

static int attr_ice_pwd(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto_sdp_ice_dtls *ice = level_ice(p);

    if (ice->ice_pwd[0])
        return sotto__sdp_fail(p, -EINVAL, "repeated a=ice-pwd");
    if (n < 22 || n > 256 || !sotto__sdp_is_ice_chars(v, n))
        return sotto__sdp_fail(p, -EINVAL, "a=ice-pwd must be 22..256 ice-chars");
    return sotto__sdp_copy(ice->ice_pwd, sizeof(ice->ice_pwd), v, n);
}

static int attr_ice_options(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_ice_dtls *ice = level_ice(p);
    const char *t;
    size_t tn;

    while (sotto__sdp_next_field(&f, &t, &tn)) {
        if (!sotto__sdp_is_token(t, tn))
            return sotto__sdp_fail(p, -EINVAL, "bad ice option '%.*s'", SHOW(tn), t);
        if (tn == 7 && memcmp(t, "trickle", 7) == 0)
            ice->ice_options |= SOTTO_SDP_ICE_OPT_TRICKLE;
        else if (tn == 4 && memcmp(t, "ice2", 4) == 0)
            ice->ice_options |= SOTTO_SDP_ICE_OPT_ICE2;
        else if (tn == 12 && memcmp(t, "renomination", 12) == 0)
            ice->ice_options |= SOTTO_SDP_ICE_OPT_RENOMINATION;
    }
    return 0;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "HH:HH:...": exactly want bytes, two hex digits each. */
static int parse_hex_bytes(const char *t, size_t n, size_t want, uint8_t *out)
{
    if (want == 0 || n != want * 3 - 1)
        return -EINVAL;
    for (size_t i = 0; i < want; i++) {
        int hi = hex_value(t[i * 3]), lo = hex_value(t[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < want && t[i * 3 + 2] != ':'))
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int attr_fingerprint(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_ice_dtls *ice = level_ice(p);
    sotto_sdp_fingerprint fp;
    const char *t;
    size_t tn;

    memset(&fp, 0, sizeof(fp));
    if (!sotto__sdp_next_field(&f, &t, &tn) || !sotto__sdp_is_token(t, tn))
        return sotto__sdp_fail(p, -EINVAL, "a=fingerprint hash name missing");
    if (sotto__sdp_hash_from(t, tn, &fp.hash) != 0) {
        count_drop(p); /* md5, md2 or a future hash: not ours to check */
        return 0;
    }
    fp.len = (uint8_t)sotto__sdp_hash_len(fp.hash);
    if (!sotto__sdp_next_field(&f, &t, &tn) || parse_hex_bytes(t, tn, fp.len, fp.bytes) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=fingerprint %s needs %u colon-separated hex bytes",
                               sotto__sdp_hash_name(fp.hash), (unsigned)fp.len);
    if (no_more(p, &f, "fingerprint") != 0)
        return -EINVAL;
    if (ice->fingerprint.hash != SOTTO_SDP_HASH_NONE) {
        count_drop(p);
        return 0;
    }
    ice->fingerprint = fp;
    return 0;
}

static int attr_setup(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto_sdp_ice_dtls *ice = level_ice(p);

    if (ice->setup != SOTTO_SDP_SETUP_NONE)
        return sotto__sdp_fail(p, -EINVAL, "repeated a=setup");
    if (sotto__sdp_setup_from(v, n, &ice->setup) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=setup must be actpass, active, passive or holdconn");
    return 0;
}

static int attr_group(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp *sdp = p->sdp;
    const char *t;
    size_t tn;
    int keep;

    if (!sotto__sdp_next_field(&f, &t, &tn) || !sotto__sdp_is_token(t, tn))
        return sotto__sdp_fail(p, -EINVAL, "a=group semantics missing");
    if (!sotto__sdp_ieq(t, tn, "BUNDLE"))
        return 0; /* LS, FID, ...: not used */
    keep = !p->seen_bundle;
    if (p->seen_bundle)
        sdp->dropped++;
    p->seen_bundle = 1;
    while (sotto__sdp_next_field(&f, &t, &tn)) {
        char mid[SOTTO_SDP_MID_LEN];
        int rc = take(p, mid, sizeof(mid), t, tn, sotto__sdp_is_token, "BUNDLE mid");
        if (rc != 0)
            return rc;
        if (!keep)
            continue;
        if (sdp->bundle_count == SOTTO_SDP_MAX_BUNDLE) {
            sdp->dropped++;
            continue;
        }
        memcpy(sdp->bundle_mids[sdp->bundle_count++], mid, sizeof(mid));
    }
    return 0;
}

static int attr_msid_semantic(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp *sdp = p->sdp;
    const char *t;
    size_t tn;
    int rc;

    if (sdp->msid_semantic[0])
        return sotto__sdp_fail(p, -EINVAL, "repeated a=msid-semantic");
    if (!sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "a=msid-semantic is empty");
    rc = take(p, sdp->msid_semantic, sizeof(sdp->msid_semantic), t, tn, sotto__sdp_is_token,
              "msid semantic");
    if (rc != 0)
        return rc;
    sotto__sdp_rest(&f, &t, &tn);
    if (sotto__sdp_copy(sdp->msid_semantic_ids, sizeof(sdp->msid_semantic_ids), t, tn) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=msid-semantic ids longer than %d bytes",
                               SOTTO_SDP_TEXT_LEN - 1);
    return 0;
}

static int attr_direction(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto_sdp_direction *dir = p->media ? &p->media->direction : &p->sdp->direction;

    if (*dir != SOTTO_SDP_DIR_NONE)
        return sotto__sdp_fail(p, -EINVAL, "more than one direction attribute");
    return sotto__sdp_direction_from(v, n, dir);
}

static int attr_flag(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto_sdp_media *m = p->media;

    if (sotto__sdp_ieq(v, n, "ice-lite"))
        p->sdp->ice_lite = 1;
    else if (sotto__sdp_ieq(v, n, "extmap-allow-mixed"))
        *(m ? &m->extmap_allow_mixed : &p->sdp->extmap_allow_mixed) = 1;
    else if (sotto__sdp_ieq(v, n, "end-of-candidates"))
        *(m ? &m->end_of_candidates : &p->sdp->end_of_candidates) = 1;
    else if (sotto__sdp_ieq(v, n, "rtcp-mux"))
        m->rtcp_mux = 1;
    else if (sotto__sdp_ieq(v, n, "rtcp-rsize"))
        m->rtcp_rsize = 1;
    return 0;
}

static int attr_mid(sotto__sdp_parser *p, const char *v, size_t n)
{
    if (p->media->mid[0])
        return sotto__sdp_fail(p, -EINVAL, "repeated a=mid");
    return take(p, p->media->mid, sizeof(p->media->mid), v, n, sotto__sdp_is_token, "mid");
}

static int attr_rtcp(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n}, peek;
    sotto_sdp_media *m = p->media;
    const char *t;
    size_t tn;
    uint64_t port;

    if (m->has_rtcp)
        return sotto__sdp_fail(p, -EINVAL, "repeated a=rtcp");
    if (!sotto__sdp_next_field(&f, &t, &tn) || sotto__sdp_parse_uint(t, tn, 0, 65535, &port) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=rtcp port must be 0..65535");
    peek = f;
    if (sotto__sdp_next_field(&peek, &t, &tn)) {
        int rc = sotto__sdp_parse_connection(p, &f, &m->rtcp_connection, "a=rtcp");
        if (rc != 0)
            return rc;
    }
    m->has_rtcp = 1;
    m->rtcp_port = (uint16_t)port;
    return 0;
}

/* "<pt> ..." with pt 0..127; also "*" when wildcard is allowed (-1). */
static int take_pt(sotto__sdp_parser *p, sotto__sdp_fields *f, int wildcard, int *out,
                   const char *what)
{
    const char *t;
    size_t tn;
    uint64_t pt;

    if (!sotto__sdp_next_field(f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "a=%s payload type missing", what);
    if (wildcard && tn == 1 && t[0] == '*') {
        *out = -1;
        return 0;
    }
    if (sotto__sdp_parse_uint(t, tn, 0, 127, &pt) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=%s payload type '%.*s' is not 0..127", what,
                               SHOW(tn), t);
    *out = (int)pt;
    return 0;
}

static int attr_rtpmap(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m = p->media;
    sotto_sdp_rtpmap r;
    const char *t, *slash, *end;
    size_t tn;
    uint64_t clock, channels = 0;
    int pt, rc;

    memset(&r, 0, sizeof(r));
    rc = take_pt(p, &f, 0, &pt, "rtpmap");
    if (rc != 0)
        return rc;
    if (!sotto__sdp_next_field(&f, &t, &tn) || no_more(p, &f, "rtpmap") != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=rtpmap needs '<pt> <name>/<clock>[/<channels>]'");
    end = t + tn;
    slash = memchr(t, '/', tn);
    if (!slash)
        return sotto__sdp_fail(p, -EINVAL, "a=rtpmap clock rate missing");
    rc = take(p, r.name, sizeof(r.name), t, (size_t)(slash - t), sotto__sdp_is_token,
              "encoding name");
    if (rc != 0)
        return rc;
    t = slash + 1;
    slash = memchr(t, '/', (size_t)(end - t));
    if (sotto__sdp_parse_uint(t, (size_t)((slash ? slash : end) - t), 1, SOTTO__SDP_MAX_CLOCK,
                              &clock) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=rtpmap clock rate is not 1..192000");
    if (slash && sotto__sdp_parse_uint(slash + 1, (size_t)(end - slash - 1), 1, 255,
                                       &channels) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=rtpmap channels is not 1..255");
    for (size_t i = 0; i < m->rtpmap_count; i++)
        if (m->rtpmap[i].pt == pt)
            return sotto__sdp_fail(p, -EINVAL, "repeated a=rtpmap for payload type %d", pt);
    if (m->rtpmap_count == SOTTO_SDP_MAX_RTPMAP) {
        m->dropped++;
        return 0;
    }
    r.pt = (uint8_t)pt;
    r.clock_hz = (uint32_t)clock;
    r.channels = (uint8_t)channels;
    m->rtpmap[m->rtpmap_count++] = r;
    return 0;
}

static int attr_fmtp(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m = p->media;
    const char *t;
    size_t tn;
    int pt, rc;

    rc = take_pt(p, &f, 0, &pt, "fmtp");
    if (rc != 0)
        return rc;
    sotto__sdp_rest(&f, &t, &tn);
    if (tn == 0)
        return sotto__sdp_fail(p, -EINVAL, "a=fmtp without parameters");
    if (tn >= SOTTO_SDP_FMTP_LEN)
        return sotto__sdp_fail(p, -EINVAL, "a=fmtp parameters longer than %d bytes",
                               SOTTO_SDP_FMTP_LEN - 1);
    for (size_t i = 0; i < m->fmtp_count; i++)
        if (m->fmtp[i].pt == pt)
            return sotto__sdp_fail(p, -EINVAL, "repeated a=fmtp for payload type %d", pt);
    if (m->fmtp_count == SOTTO_SDP_MAX_FMTP) {
        m->dropped++;
        return 0;
    }
    m->fmtp[m->fmtp_count].pt = (uint8_t)pt;
    sotto__sdp_copy(m->fmtp[m->fmtp_count].params, SOTTO_SDP_FMTP_LEN, t, tn);
    m->fmtp_count++;
    return 0;
}

static int attr_rtcp_fb(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m = p->media;
    const char *t;
    size_t tn;
    int pt, rc;

    rc = take_pt(p, &f, 1, &pt, "rtcp-fb");
    if (rc != 0)
        return rc;
    sotto__sdp_rest(&f, &t, &tn);
    if (tn == 0 || tn >= SOTTO_SDP_TOKEN_LEN)
        return sotto__sdp_fail(p, -EINVAL, "a=rtcp-fb value missing or longer than %d bytes",
                               SOTTO_SDP_TOKEN_LEN - 1);
    if (m->rtcp_fb_count == SOTTO_SDP_MAX_RTCP_FB) {
        m->dropped++;
        return 0;
    }
    m->rtcp_fb[m->rtcp_fb_count].pt = (int16_t)pt;
    sotto__sdp_copy(m->rtcp_fb[m->rtcp_fb_count].value, SOTTO_SDP_TOKEN_LEN, t, tn);
    m->rtcp_fb_count++;
    return 0;
}

static int attr_extmap(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m = p->media;
    sotto_sdp_extmap e;
    const char *t, *slash;
    size_t tn;
    uint64_t id;
    int rc;

    memset(&e, 0, sizeof(e));
    if (!sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "a=extmap id missing");
    slash = memchr(t, '/', tn);
    if (sotto__sdp_parse_uint(t, slash ? (size_t)(slash - t) : tn, 1, SOTTO__SDP_MAX_EXTMAP_ID,
                              &id) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=extmap id is not 1..255");
    if (slash && (sotto__sdp_direction_from(slash + 1, (size_t)(t + tn - slash - 1),
                                            &e.direction) != 0))
        return sotto__sdp_fail(p, -EINVAL, "a=extmap direction is not a direction");
    if (!sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "a=extmap URI missing");
    rc = take(p, e.uri, sizeof(e.uri), t, tn, sotto__sdp_is_visible, "extmap URI");
    if (rc != 0)
        return rc;
    sotto__sdp_rest(&f, &t, &tn);
    if (sotto__sdp_copy(e.attributes, sizeof(e.attributes), t, tn) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=extmap attributes longer than %d bytes",
                               SOTTO_SDP_TEXT_LEN - 1);
    for (size_t i = 0; i < m->extmap_count; i++)
        if (m->extmap[i].id == id)
            return sotto__sdp_fail(p, -EINVAL, "repeated a=extmap id %u", (unsigned)id);
    if (m->extmap_count == SOTTO_SDP_MAX_EXTMAP) {
        m->dropped++;
        return 0;
    }
    e.id = (uint16_t)id;
    m->extmap[m->extmap_count++] = e;
    return 0;
}

static int take_ptime(sotto__sdp_parser *p, const char *v, size_t n, uint32_t *dst,
                      const char *what)
{
    uint64_t ms;

    if (*dst)
        return sotto__sdp_fail(p, -EINVAL, "repeated a=%s", what);
    if (sotto__sdp_parse_uint(v, n, 1, SOTTO__SDP_MAX_PTIME, &ms) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=%s is not 1..%u ms", what, SOTTO__SDP_MAX_PTIME);
    *dst = (uint32_t)ms;
    return 0;
}

static int attr_ptime(sotto__sdp_parser *p, const char *v, size_t n)
{
    return take_ptime(p, v, n, &p->media->ptime_ms, "ptime");
}

static int attr_maxptime(sotto__sdp_parser *p, const char *v, size_t n)
{
    return take_ptime(p, v, n, &p->media->maxptime_ms, "maxptime");
}

static int attr_msid(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m = p->media;
    char stream[SOTTO_SDP_MSID_LEN], track[SOTTO_SDP_MSID_LEN] = "";
    const char *t;
    size_t tn;
    int rc;

    if (!sotto__sdp_next_field(&f, &t, &tn))
        return sotto__sdp_fail(p, -EINVAL, "a=msid is empty");
    rc = take(p, stream, sizeof(stream), t, tn, sotto__sdp_is_token, "msid stream id");
    if (rc == 0 && sotto__sdp_next_field(&f, &t, &tn))
        rc = take(p, track, sizeof(track), t, tn, sotto__sdp_is_token, "msid track id");
    if (rc == 0)
        rc = no_more(p, &f, "msid");
    if (rc != 0)
        return rc;
    if (m->msid_stream[0]) {
        m->dropped++;
        return 0;
    }
    memcpy(m->msid_stream, stream, sizeof(stream));
    memcpy(m->msid_track, track, sizeof(track));
    return 0;
}

/* "a=ssrc:<ssrc> <attribute>:<value>": cname and msid are kept, per source. */
static int attr_ssrc(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto__sdp_fields f = {v, v + n};
    sotto_sdp_media *m = p->media;
    sotto_sdp_ssrc *entry = NULL;
    const char *t, *colon;
    size_t tn, vn;
    uint64_t ssrc;
    char *dst;

    if (!sotto__sdp_next_field(&f, &t, &tn) ||
        sotto__sdp_parse_uint(t, tn, 0, UINT32_MAX, &ssrc) != 0)
        return sotto__sdp_fail(p, -EINVAL, "a=ssrc id is not a 32-bit number");
    sotto__sdp_rest(&f, &t, &tn);
    colon = memchr(t, ':', tn);
    if (tn == 0 || !sotto__sdp_is_token(t, colon ? (size_t)(colon - t) : tn))
        return sotto__sdp_fail(p, -EINVAL, "a=ssrc attribute missing");
    if (!colon || !(sotto__sdp_ieq(t, (size_t)(colon - t), "cname") ||
                    sotto__sdp_ieq(t, (size_t)(colon - t), "msid")))
        return 0; /* label, mslabel, ...: not used */
    vn = tn - (size_t)(colon + 1 - t);
    if (vn == 0 || vn >= SOTTO_SDP_CNAME_LEN)
        return sotto__sdp_fail(p, -EINVAL, "a=ssrc %.*s value empty or longer than %d bytes",
                               (int)(colon - t), t, SOTTO_SDP_CNAME_LEN - 1);
    for (size_t i = 0; i < m->ssrc_count; i++)
        if (m->ssrc[i].ssrc == ssrc)
            entry = &m->ssrc[i];
    if (!entry) {
        if (m->ssrc_count == SOTTO_SDP_MAX_SSRC) {
            m->dropped++;
            return 0;
        }
        entry = &m->ssrc[m->ssrc_count++];
        entry->ssrc = (uint32_t)ssrc;
    }
    dst = sotto__sdp_ieq(t, (size_t)(colon - t), "cname") ? entry->cname : entry->msid;
    if (dst[0])
        return sotto__sdp_fail(p, -EINVAL, "repeated a=ssrc %.*s for %u", (int)(colon - t), t,
                               (unsigned)ssrc);
    return sotto__sdp_copy(dst, SOTTO_SDP_CNAME_LEN, colon + 1, vn);
}

static int attr_candidate(sotto__sdp_parser *p, const char *v, size_t n)
{
    sotto_sdp_media *m = p->media;
    sotto_sdp_candidate c;
    char msg[160];
    int rc;

    rc = sotto__sdp_candidate_parse(v, n, &c, msg, sizeof(msg));
    if (rc == -ENOTSUP || (rc == 0 && m->candidate_count == SOTTO_SDP_MAX_CANDIDATES)) {
        m->dropped++;
        return 0;
    }
    if (rc != 0)
        return sotto__sdp_fail(p, rc, "%s", msg);
    m->candidates[m->candidate_count++] = c;
    return 0;
}

static const attr_handler handlers[] = {
    {"candidate", AT_MEDIA, 1, attr_candidate},
    {"ice-ufrag", AT_BOTH, 1, attr_ice_ufrag},
    {"ice-pwd", AT_BOTH, 1, attr_ice_pwd},
    {"ice-options", AT_BOTH, 1, attr_ice_options},
    {"fingerprint", AT_BOTH, 1, attr_fingerprint},
    {"setup", AT_BOTH, 1, attr_setup},
    {"group", AT_SESSION, 1, attr_group},
    {"msid-semantic", AT_SESSION, 1, attr_msid_semantic},
    {"ice-lite", AT_SESSION, 0, attr_flag},
    {"extmap-allow-mixed", AT_BOTH, 0, attr_flag},
    {"end-of-candidates", AT_BOTH, 0, attr_flag},
    {"sendrecv", AT_BOTH, 0, attr_direction},
    {"sendonly", AT_BOTH, 0, attr_direction},
    {"recvonly", AT_BOTH, 0, attr_direction},
    {"inactive", AT_BOTH, 0, attr_direction},
    {"mid", AT_MEDIA, 1, attr_mid},
    {"rtcp", AT_MEDIA, 1, attr_rtcp},
    {"rtcp-mux", AT_MEDIA, 0, attr_flag},
    {"rtcp-rsize", AT_MEDIA, 0, attr_flag},
    {"rtpmap", AT_RTP, 1, attr_rtpmap},
    {"fmtp", AT_RTP, 1, attr_fmtp},
    {"rtcp-fb", AT_RTP, 1, attr_rtcp_fb},
    {"extmap", AT_MEDIA, 1, attr_extmap},
    {"ptime", AT_MEDIA, 1, attr_ptime},
    {"maxptime", AT_MEDIA, 1, attr_maxptime},
    {"ssrc", AT_MEDIA, 1, attr_ssrc},
    {"msid", AT_MEDIA, 1, attr_msid},
};

static int level_matches(const sotto__sdp_parser *p, int level)
{
    if (!p->media)
        return (level & AT_SESSION) != 0;
    if (level == AT_RTP)
        return sotto__sdp_proto_is_rtp(p->media->proto_kind);
    return (level & AT_MEDIA) != 0;
}

int sotto__sdp_parse_attribute(sotto__sdp_parser *p, const char *value, size_t len)
{
    const char *colon = memchr(value, ':', len);
    size_t namelen = colon ? (size_t)(colon - value) : len;

    if (!sotto__sdp_is_token(value, namelen))
        return sotto__sdp_fail(p, -EINVAL, "bad attribute name");
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        const attr_handler *h = &handlers[i];
        if (strlen(h->name) != namelen || memcmp(h->name, value, namelen) != 0)
            continue;
        if (!level_matches(p, h->level))
            return 0;
        if (h->has_value && !colon)
            return sotto__sdp_fail(p, -EINVAL, "a=%s needs a value", h->name);
        if (!h->has_value && colon)
            return sotto__sdp_fail(p, -EINVAL, "a=%s takes no value", h->name);
        /* Flags get their own name, so one handler serves several. */
        if (!h->has_value)
            return h->fn(p, value, len);
        return h->fn(p, colon + 1, len - namelen - 1);
    }
    return 0;
}
