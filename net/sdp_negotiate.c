/* Offer/answer: choosing the audio codec from an offer in our order of
 * preference, building the answer skeleton around that choice, and finding
 * what a remote section offers for lossy links (RED, congestion feedback). */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANSWER_PORT 9           /* JSEP: real addresses travel in candidates */
#define ANY_ADDRESS "0.0.0.0"

/* RFC 3551 static audio payload types an offer may list without rtpmap. */
static const sotto_sdp_rtpmap static_pts[] = {
    {0, "PCMU", 8000, 1},
    {3, "GSM", 8000, 1},
    {8, "PCMA", 8000, 1},
    {9, "G722", 8000, 1},
    {18, "G729", 8000, 1},
};

/* Counts from a caller-built description are clamped to the arrays. */
static size_t clamp(size_t n, size_t max)
{
    return n < max ? n : max;
}

/* Copies src (at most size - 1 bytes of it) and a NUL into dst[size]. */
static void copy_bounded(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static const sotto_sdp_rtpmap *lookup_rtpmap(const sotto_sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < clamp(m->rtpmap_count, SOTTO_SDP_MAX_RTPMAP); i++)
        if (m->rtpmap[i].pt == pt)
            return &m->rtpmap[i];
    for (size_t i = 0; i < sizeof(static_pts) / sizeof(static_pts[0]); i++)
        if (static_pts[i].pt == pt)
            return &static_pts[i];
    return NULL;
}

const char *sotto_sdp_media_fmtp(const sotto_sdp_media *m, uint8_t pt)
{
    if (!m)
        return "";
    for (size_t i = 0; i < clamp(m->fmtp_count, SOTTO_SDP_MAX_FMTP); i++)
        if (m->fmtp[i].pt == pt)
            return m->fmtp[i].params;
    return "";
}

/* name lies in a buffer of size bytes that a caller may have left unterminated. */
static int name_is(const char *name, size_t size, const char *want)
{
    return strnlen(name, size) < size && strcasecmp(name, want) == 0;
}

static int is_telephone_event(const char *name)
{
    return strcasecmp(name, "telephone-event") == 0;
}

static int is_listed(const sotto_sdp_media *m, uint8_t pt)
{
    for (size_t i = 0; i < clamp(m->pt_count, SOTTO_SDP_MAX_PT); i++)
        if (m->pts[i] == pt)
            return 1;
    return 0;
}

/* "P/P" or "P/P/P" exactly, every P equal to primary. */
static int red_fmtp_matches(const char *params, int primary)
{
    const char *p = params;
    int entries = 0;

    for (;;) {
        char *end;
        if (*p < '0' || *p > '9')
            return 0;
        long v = strtol(p, &end, 10);
        if (v != primary || end - p > 3)
            return 0;
        entries++;
        if (*end == '\0')
            break;
        if (*end != '/')
            return 0;
        p = end + 1;
    }
    return entries >= 2 && entries <= 3;
}

int sotto_sdp_find_red(const sotto_sdp_media *m, int primary_pt, int *out_red_pt)
{
    const sotto_sdp_rtpmap *primary;

    if (!m || !out_red_pt || primary_pt < 0 || primary_pt > 127)
        return -EINVAL;
    primary = lookup_rtpmap(m, (uint8_t)primary_pt);
    if (!primary || !is_listed(m, (uint8_t)primary_pt))
        return -ENOENT;
    for (size_t i = 0; i < clamp(m->pt_count, SOTTO_SDP_MAX_PT); i++) {
        const sotto_sdp_rtpmap *r = lookup_rtpmap(m, m->pts[i]);
        const char *fmtp = sotto_sdp_media_fmtp(m, m->pts[i]);
        if (r && name_is(r->name, sizeof(r->name), "red") && r->clock_hz == primary->clock_hz &&
            (r->channels ? r->channels : 1u) == (primary->channels ? primary->channels : 1u) &&
            strnlen(fmtp, SOTTO_SDP_FMTP_LEN) < SOTTO_SDP_FMTP_LEN &&
            red_fmtp_matches(fmtp, primary_pt)) {
            *out_red_pt = m->pts[i];
            return 0;
        }
    }
    return -ENOENT;
}

int sotto_sdp_find_cn(const sotto_sdp_media *m, uint32_t clock_hz, int *out_cn_pt)
{
    if (!m || !out_cn_pt || clock_hz == 0)
        return -EINVAL;
    for (size_t i = 0; i < clamp(m->pt_count, SOTTO_SDP_MAX_PT); i++) {
        const sotto_sdp_rtpmap *r = lookup_rtpmap(m, m->pts[i]);

        if (r ? name_is(r->name, sizeof(r->name), SOTTO_SDP_CN_NAME) && r->clock_hz == clock_hz &&
                    r->channels <= 1
              : m->pts[i] == SOTTO_SDP_CN_STATIC_PT && clock_hz == 8000) {
            *out_cn_pt = m->pts[i];
            return 0;
        }
    }
    return -ENOENT;
}

int sotto_sdp_has_rtcp_fb(const sotto_sdp_media *m, int pt, const char *value)
{
    if (!m || !value || !value[0] || pt < 0 || pt > 127)
        return -EINVAL;
    for (size_t i = 0; i < clamp(m->rtcp_fb_count, SOTTO_SDP_MAX_RTCP_FB); i++) {
        const sotto_sdp_rtcp_fb *fb = &m->rtcp_fb[i];
        if ((fb->pt == pt || fb->pt == -1) && name_is(fb->value, sizeof(fb->value), value))
            return 0;
    }
    return -ENOENT;
}

static int first_audio_section(const sotto_sdp *offer, size_t *out_index)
{
    for (size_t i = 0; i < offer->media_count && i < SOTTO_SDP_MAX_MEDIA; i++) {
        const sotto_sdp_media *m = &offer->media[i];
        if (m->type == SOTTO_SDP_MEDIA_AUDIO && m->port != 0 &&
            sotto__sdp_proto_is_rtp(m->proto_kind)) {
            *out_index = i;
            return 0;
        }
    }
    return -ENOENT;
}

/* 1 when pref names no required fmtp parameter or the format's fmtp has it
 * with the required value: a peer speaking another version of a codec's
 * bitstream (or not saying which) must not be matched to it. */
static int fmtp_required_present(const sotto_sdp_media *m, uint8_t pt,
                                 const sotto_sdp_codec_pref *pref)
{
    char value[SOTTO_SDP_FMTP_LEN];
    const char *fmtp;

    if (!pref->fmtp_key)
        return 1;
    fmtp = sotto_sdp_media_fmtp(m, pt);
    return pref->fmtp_value && strnlen(fmtp, SOTTO_SDP_FMTP_LEN) < SOTTO_SDP_FMTP_LEN &&
           sotto_sdp_fmtp_get(fmtp, pref->fmtp_key, value, sizeof(value)) == 0 &&
           strcmp(value, pref->fmtp_value) == 0;
}

/* The offered payload type matching pref, or -1. */
static int find_offered(const sotto_sdp_media *m, const sotto_sdp_codec_pref *pref)
{
    unsigned want_ch = pref->channels ? pref->channels : 1;

    for (size_t i = 0; i < clamp(m->pt_count, SOTTO_SDP_MAX_PT); i++) {
        const sotto_sdp_rtpmap *r = lookup_rtpmap(m, m->pts[i]);
        if (r && name_is(r->name, sizeof(r->name), pref->name) && r->clock_hz == pref->clock_hz &&
            (r->channels ? r->channels : 1u) == want_ch && fmtp_required_present(m, r->pt, pref))
            return m->pts[i];
    }
    return -1;
}

/* The pref naming r's codec whose required fmtp parameter r lacks, or NULL. */
static const sotto_sdp_codec_pref *missing_fmtp(const sotto_sdp_media *m, const sotto_sdp_rtpmap *r,
                                                const sotto_sdp_codec_pref *prefs, size_t nprefs)
{
    for (size_t i = 0; i < nprefs; i++)
        if (prefs[i].fmtp_key && name_is(r->name, sizeof(r->name), prefs[i].name) &&
            r->clock_hz == prefs[i].clock_hz && !fmtp_required_present(m, r->pt, &prefs[i]))
            return &prefs[i];
    return NULL;
}

/* "no shared codec; offer has opus/48000/2 PCMU/8000 SOTTO/16000 (not v=2) ..."
 * into err. */
static void explain_no_codec(const sotto_sdp_media *m, const sotto_sdp_codec_pref *prefs,
                             size_t nprefs, char *err, size_t errlen)
{
    sotto__sdp_out o = {err, errlen, 0};

    if (!err || errlen == 0)
        return;
    err[0] = '\0';
    sotto__sdp_outf(&o, "no shared audio codec; the offer has");
    for (size_t i = 0; i < clamp(m->pt_count, SOTTO_SDP_MAX_PT); i++) {
        const sotto_sdp_rtpmap *r = lookup_rtpmap(m, m->pts[i]);
        const sotto_sdp_codec_pref *p = r ? missing_fmtp(m, r, prefs, nprefs) : NULL;

        if (r)
            sotto__sdp_outf(&o, " %.*s/%u", (int)strnlen(r->name, sizeof(r->name)), r->name,
                            (unsigned)r->clock_hz);
        if (p)
            sotto__sdp_outf(&o, " (not %s=%s)", p->fmtp_key, p->fmtp_value ? p->fmtp_value : "");
        if (!r)
            sotto__sdp_outf(&o, " pt%u", (unsigned)m->pts[i]);
    }
}

static void add_telephone_event(const sotto_sdp_media *m, sotto_sdp_codec_choice *c)
{
    for (size_t i = 0; i < clamp(m->pt_count, SOTTO_SDP_MAX_PT); i++) {
        const sotto_sdp_rtpmap *r = lookup_rtpmap(m, m->pts[i]);
        if (r && name_is(r->name, sizeof(r->name), "telephone-event") &&
            r->clock_hz == c->clock_hz) {
            c->has_telephone_event = 1;
            c->telephone_event_pt = r->pt;
            copy_bounded(c->telephone_event_fmtp, sizeof(c->telephone_event_fmtp),
                         sotto_sdp_media_fmtp(m, r->pt));
            return;
        }
    }
}

int sotto_sdp_negotiate_audio(const sotto_sdp *offer, const sotto_sdp_codec_pref *prefs,
                              size_t nprefs, sotto_sdp_codec_choice *out_choice,
                              char *err, size_t errlen)
{
    sotto_sdp_codec_choice c;
    const sotto_sdp_media *m;
    int want_events = 0;
    size_t mi;

    if (!offer || !prefs || nprefs == 0 || !out_choice) {
        sotto__net_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    for (size_t i = 0; i < nprefs; i++) {
        if (!prefs[i].name) {
            sotto__net_errf(err, errlen, "codec preference %zu has no name", i);
            return -EINVAL;
        }
        want_events |= is_telephone_event(prefs[i].name);
    }
    if (first_audio_section(offer, &mi) != 0) {
        sotto__net_errf(err, errlen, "the offer has no audio section with a port and RTP formats");
        return -ENOENT;
    }
    m = &offer->media[mi];
    for (size_t i = 0; i < nprefs; i++) {
        const sotto_sdp_rtpmap *r;
        int pt;
        if (is_telephone_event(prefs[i].name) || (pt = find_offered(m, &prefs[i])) < 0)
            continue;
        r = lookup_rtpmap(m, (uint8_t)pt);
        memset(&c, 0, sizeof(c));
        c.media_index = mi;
        c.pref_index = i;
        c.pt = (uint8_t)pt;
        copy_bounded(c.name, sizeof(c.name), r->name);
        c.clock_hz = r->clock_hz;
        c.channels = r->channels;
        copy_bounded(c.fmtp, sizeof(c.fmtp), sotto_sdp_media_fmtp(m, c.pt));
        if (want_events)
            add_telephone_event(m, &c);
        *out_choice = c;
        return 0;
    }
    explain_no_codec(m, prefs, nprefs, err, errlen);
    return -ENOENT;
}

static sotto_sdp_direction answer_direction(sotto_sdp_direction offered)
{
    switch (offered) {
    case SOTTO_SDP_DIR_SENDONLY:
        return SOTTO_SDP_DIR_RECVONLY;
    case SOTTO_SDP_DIR_RECVONLY:
        return SOTTO_SDP_DIR_SENDONLY;
    case SOTTO_SDP_DIR_INACTIVE:
        return SOTTO_SDP_DIR_INACTIVE;
    default:
        return SOTTO_SDP_DIR_SENDRECV;
    }
}

static void set_any_address(sotto_sdp_connection *c)
{
    c->addr_type = SOTTO_SDP_ADDR_IP4;
    memcpy(c->address, ANY_ADDRESS, sizeof(ANY_ADDRESS));
}

/* Rejected: port 0, the offer's m-line and mid, nothing else (RFC 3264 6). */
static void reject_section(const sotto_sdp_media *offered, sotto_sdp_media *m)
{
    memcpy(m->name, offered->name, sizeof(m->name));
    m->type = offered->type;
    memcpy(m->proto, offered->proto, sizeof(m->proto));
    m->proto_kind = offered->proto_kind;
    m->port = 0;
    if (sotto__sdp_proto_is_rtp(offered->proto_kind)) {
        m->pt_count = 1;
        m->pts[0] = offered->pts[0];
    } else {
        memcpy(m->fmt, offered->fmt, sizeof(m->fmt));
    }
    set_any_address(&m->connection);
    memcpy(m->mid, offered->mid, sizeof(m->mid));
}

static int copy_param(char *dst, size_t size, const char *src, const char *what, char *err,
                      size_t errlen)
{
    if (!src)
        return 0;
    if (sotto__sdp_copy(dst, size, src, strlen(src)) != 0) {
        sotto__net_errf(err, errlen, "%s longer than %zu bytes", what, size - 1);
        return -EINVAL;
    }
    return 0;
}

static int set_setup(sotto_sdp_setup offered, sotto_sdp_setup *out, char *err, size_t errlen)
{
    switch (offered) {
    case SOTTO_SDP_SETUP_ACTPASS:
    case SOTTO_SDP_SETUP_PASSIVE:
        *out = SOTTO_SDP_SETUP_ACTIVE;
        return 0;
    case SOTTO_SDP_SETUP_ACTIVE:
    case SOTTO_SDP_SETUP_NONE: /* RFC 4145: absent means active */
        *out = SOTTO_SDP_SETUP_PASSIVE;
        return 0;
    default:
        sotto__net_errf(err, errlen, "the offer's a=setup:holdconn cannot be answered");
        return -ENOTSUP;
    }
}

int sotto_sdp_media_add_format(sotto_sdp_media *m, uint8_t pt, const char *name, uint32_t clock,
                               uint8_t channels, const char *fmtp)
{
    sotto_sdp_rtpmap *r;

    if (!m || !name || !fmtp)
        return -EINVAL;
    if (m->pt_count >= SOTTO_SDP_MAX_PT || m->rtpmap_count >= SOTTO_SDP_MAX_RTPMAP ||
        (fmtp[0] && m->fmtp_count >= SOTTO_SDP_MAX_FMTP))
        return -ENOSPC;
    r = &m->rtpmap[m->rtpmap_count++];
    m->pts[m->pt_count++] = pt;
    r->pt = pt;
    copy_bounded(r->name, sizeof(r->name), name);
    r->clock_hz = clock;
    r->channels = channels;
    if (fmtp[0]) {
        m->fmtp[m->fmtp_count].pt = pt;
        copy_bounded(m->fmtp[m->fmtp_count].params, SOTTO_SDP_FMTP_LEN, fmtp);
        m->fmtp_count++;
    }
    return 0;
}

static int uri_wanted(const sotto_sdp_answer_params *a, const char *uri)
{
    for (size_t i = 0; a->extmap_uris && i < a->extmap_uri_count; i++)
        if (a->extmap_uris[i] && strnlen(uri, SOTTO_SDP_TEXT_LEN) < SOTTO_SDP_TEXT_LEN &&
            strcmp(uri, a->extmap_uris[i]) == 0)
            return 1;
    return 0;
}

/* Our credentials, candidates and stream identity. */
static int add_local_params(const sotto_sdp_answer_params *a, sotto_sdp_media *m, char *err,
                            size_t errlen)
{
    int rc;

    m->ice_dtls.fingerprint = *a->fingerprint;
    if (a->candidate_count)
        memcpy(m->candidates, a->candidates, a->candidate_count * sizeof(*a->candidates));
    m->candidate_count = a->candidate_count;
    m->end_of_candidates = a->candidates_complete ? 1 : 0;
    rc = copy_param(m->ice_dtls.ice_ufrag, SOTTO_SDP_ICE_LEN, a->ice_ufrag, "ice_ufrag",
                    err, errlen);
    if (rc == 0)
        rc = copy_param(m->ice_dtls.ice_pwd, SOTTO_SDP_ICE_LEN, a->ice_pwd, "ice_pwd", err,
                        errlen);
    if (rc == 0)
        rc = copy_param(m->msid_stream, SOTTO_SDP_MSID_LEN, a->msid_stream, "msid_stream",
                        err, errlen);
    if (rc == 0 && a->msid_stream)
        rc = copy_param(m->msid_track, SOTTO_SDP_MSID_LEN, a->msid_track, "msid_track", err,
                        errlen);
    if (rc == 0 && a->cname) {
        m->ssrc_count = 1;
        m->ssrc[0].ssrc = a->ssrc;
        rc = copy_param(m->ssrc[0].cname, SOTTO_SDP_CNAME_LEN, a->cname, "cname", err, errlen);
    }
    return rc;
}

/* The accepted audio section: codec, transport and our stream. */
static int accept_section(const sotto_sdp *offer, const sotto_sdp_media *om,
                          const sotto_sdp_answer_params *a, sotto_sdp_media *m, char *err,
                          size_t errlen)
{
    const sotto_sdp_codec_choice *c = a->choice;
    sotto_sdp_resolved res;
    int rc;

    sotto_sdp_resolve_media(offer, c->media_index, &res);
    if (om->proto_kind != SOTTO_SDP_PROTO_DTLS_SRTP) {
        sotto__net_errf(err, errlen, "the offered audio uses %.*s; WebRTC needs DTLS-SRTP",
                        (int)strnlen(om->proto, sizeof(om->proto)), om->proto);
        return -ENOTSUP;
    }
    if (!res.ice_ufrag[0] || !res.ice_pwd[0] || !res.fingerprint) {
        sotto__net_errf(err, errlen, "the offered audio lacks ICE credentials or a fingerprint");
        return -EINVAL;
    }
    rc = set_setup(res.setup, &m->ice_dtls.setup, err, errlen);
    if (rc != 0)
        return rc;
    memcpy(m->name, om->name, sizeof(m->name));
    m->type = om->type;
    memcpy(m->proto, om->proto, sizeof(m->proto));
    m->proto_kind = om->proto_kind;
    m->port = ANSWER_PORT;
    set_any_address(&m->connection);
    m->has_rtcp = 1;
    m->rtcp_port = ANSWER_PORT;
    set_any_address(&m->rtcp_connection);
    memcpy(m->mid, om->mid, sizeof(m->mid));
    m->direction = answer_direction(res.direction);
    m->rtcp_mux = om->rtcp_mux;
    m->rtcp_rsize = om->rtcp_rsize;
    /* An empty section has room for both. */
    sotto_sdp_media_add_format(m, c->pt, c->name, c->clock_hz, c->channels, c->fmtp);
    if (c->has_telephone_event && c->telephone_event_pt != c->pt)
        sotto_sdp_media_add_format(m, c->telephone_event_pt, "telephone-event", c->clock_hz, 0,
                                   c->telephone_event_fmtp);
    for (size_t i = 0; i < clamp(om->extmap_count, SOTTO_SDP_MAX_EXTMAP); i++)
        if (uri_wanted(a, om->extmap[i].uri)) {
            m->extmap[m->extmap_count] = om->extmap[i];
            m->extmap[m->extmap_count++].direction = SOTTO_SDP_DIR_NONE;
        }
    m->ptime_ms = a->ptime_ms;
    m->ice_dtls.ice_options = res.ice_options & SOTTO_SDP_ICE_OPT_TRICKLE;
    return add_local_params(a, m, err, errlen);
}
static int params_ok(const sotto_sdp *offer, const sotto_sdp_answer_params *a, char *err,
                     size_t errlen)
{
    const sotto_sdp_codec_choice *c = a->choice;

    if (!c || !a->ice_ufrag || !a->ice_pwd || !a->fingerprint ||
        (a->candidate_count && !a->candidates) || a->candidate_count > SOTTO_SDP_MAX_CANDIDATES) {
        sotto__net_errf(err, errlen, "answer params need choice, ICE credentials, fingerprint "
                                     "and at most %d candidates", SOTTO_SDP_MAX_CANDIDATES);
        return -EINVAL;
    }
    if (offer->media_count > SOTTO_SDP_MAX_MEDIA || c->media_index >= offer->media_count ||
        offer->media[c->media_index].type != SOTTO_SDP_MEDIA_AUDIO) {
        sotto__net_errf(err, errlen, "the codec choice does not belong to this offer");
        return -EINVAL;
    }
    return 0;
}

static int offer_bundles(const sotto_sdp *offer, const char *mid)
{
    for (size_t i = 0; i < offer->bundle_count && i < SOTTO_SDP_MAX_BUNDLE; i++)
        if (mid[0] && strcmp(offer->bundle_mids[i], mid) == 0)
            return 1;
    return 0;
}

static void fill_session(const sotto_sdp *offer, const sotto_sdp_answer_params *a, sotto_sdp *ans)
{
    const sotto_sdp_media *om = &offer->media[a->choice->media_index];

    memcpy(ans->origin_user, "-", 2);
    ans->session_id = a->session_id;
    ans->session_version = a->session_version;
    memcpy(ans->session_name, "-", 2);
    ans->ice_lite = a->ice_lite ? 1 : 0;
    ans->extmap_allow_mixed = offer->extmap_allow_mixed;
    if (offer_bundles(offer, om->mid)) {
        memcpy(ans->bundle_mids[0], om->mid, sizeof(om->mid));
        ans->bundle_count = 1;
    }
    if (a->msid_stream) {
        memcpy(ans->msid_semantic, "WMS", 4);
        memcpy(ans->msid_semantic_ids, "*", 2);
    }
}

int sotto_sdp_build_answer(const sotto_sdp *offer, const sotto_sdp_answer_params *params,
                           sotto_sdp *out_answer, char *err, size_t errlen)
{
    sotto_sdp *ans = NULL;
    int rc;

    if (!offer || !params || !out_answer) {
        sotto__net_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    rc = params_ok(offer, params, err, errlen);
    if (rc != 0)
        return rc;
    ans = calloc(1, sizeof(*ans));
    if (!ans) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    fill_session(offer, params, ans);
    ans->media_count = offer->media_count;
    for (size_t i = 0; i < offer->media_count && rc == 0; i++) {
        if (i == params->choice->media_index)
            rc = accept_section(offer, &offer->media[i], params, &ans->media[i], err, errlen);
        else
            reject_section(&offer->media[i], &ans->media[i]);
    }
    if (rc != 0)
        goto fail;
    rc = sotto__sdp_check(ans, err, errlen);
    if (rc != 0)
        goto fail;
    memcpy(out_answer, ans, sizeof(*out_answer));
fail:
    free(ans);
    return rc;
}
