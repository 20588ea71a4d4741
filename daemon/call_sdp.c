/* SDP for calls: our offer, our answer, and applying the peer's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "daemon/call_internal.h"

/* Janus' AudioBridge (1.1) mixes one decoded packet per 20 ms tick: of a
 * 60 ms packet a third is heard (measured: that speaker's tone at 0.085 of
 * the mix's power against 0.74 for a 20 ms speaker). Its calls keep 20 ms;
 * the rate controller still sets their bit rate and FEC. */
#define JANUS_PTIME_MS 20

/* The codec a [codec] order entry names (len bytes at name), or NULL. */
static const sotto_codec_desc *codec_by_config(const char *name, size_t len)
{
    char word[SOTTO_SDP_TOKEN_LEN];

    if (len == 0 || len >= sizeof(word))
        return NULL;
    memcpy(word, name, len);
    word[len] = '\0';
    return sotto_codec_find(word);
}

/* The codec an rtpmap (name and clock) names, or NULL. */
static const sotto_codec_desc *codec_by_rtp(const char *name, uint32_t clock)
{
    const sotto_codec_desc *c = sotto_codec_find(name);

    return c && (uint32_t)c->clock_rate == clock ? c : NULL;
}

/* The configured order, skipping codecs this build cannot run yet. */
int sottod__codec_prefs(const sotto_config *cfg, sotto_sdp_codec_pref *prefs, size_t max)
{
    const char *p = cfg->codec.order;
    size_t n = 0;

    while (*p && n < max) {
        size_t len = strcspn(p, ", ");
        const sotto_codec_desc *c = codec_by_config(p, len);

        if (c) {
            prefs[n].name = c->name;
            prefs[n].clock_hz = (uint32_t)c->clock_rate;
            prefs[n].channels = (uint8_t)c->channels;
            prefs[n].fmtp_key = c->version_fmtp;
            prefs[n].fmtp_value = c->version;
            n++;
        }
        p += len;
        p += strspn(p, ", ");
    }
    return (int)n;
}

static void fingerprint_to_sdp(const sotto_identity *id, sotto_sdp_fingerprint *out)
{
    memset(out, 0, sizeof(*out));
    out->hash = SOTTO_SDP_HASH_SHA256;
    out->len = SOTTO_FINGERPRINT_LEN;
    sotto_identity_fingerprint_bytes(id, out->bytes);
}

static int add_candidates(const sottod_call *call, sotto_sdp_candidate *out, size_t max,
                          size_t *out_count)
{
    char err[128];
    size_t i, n = 0;

    for (i = 0; i < call->candidate_count && n < max; i++) {
        const char *c = call->candidates[i];

        if (sotto_sdp_parse_candidate(c, strlen(c), &out[n], err, sizeof(err)) == 0)
            n++;
    }
    *out_count = n;
    return 0;
}

static uint64_t random_u64(void)
{
    uint64_t v = 0;

    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        v = (uint64_t)(uintptr_t)&v;
    return v & 0x7fffffffffffffffull;
}

static int local_credentials(sottod_call *call, char *ufrag, size_t ulen, char *pwd, size_t plen)
{
    return sotto_transport_local_ice_credentials(call->transport, ufrag, ulen, pwd, plen);
}

#define OFFER_MAX_FORMATS 24

/* RFC 3389 comfort noise at one RTP clock: the static type at 8 kHz, the
 * types browsers have used for the others. */
static int cn_pt_for(uint32_t clock)
{
    switch (clock) {
    case 8000:
        return SOTTO_SDP_CN_STATIC_PT;
    case 16000:
        return 105;
    case 32000:
        return 106;
    case 48000:
        return 107;
    default:
        return -1;
    }
}

/* CN at each distinct clock of the offered codecs, after them (we play
 * comfort noise whatever [audio] silence_suppression says about sending). */
static size_t offer_cn(const sotto_codec_desc *const *codecs, size_t n, sotto_sdp_format *out)
{
    size_t count = 0;

    for (size_t k = 0; k < n; k++) {
        uint32_t clock = (uint32_t)codecs[k]->clock_rate;
        int pt = cn_pt_for(clock), seen = 0;

        for (size_t j = 0; j < k; j++)
            seen |= (uint32_t)codecs[j]->clock_rate == clock;
        if (pt < 0 || seen)
            continue;
        out[count++] = (sotto_sdp_format){ (uint8_t)pt, SOTTO_SDP_CN_NAME, clock, 0, "" };
    }
    return count;
}

/* Our formats in the configured order, each codec's RED after them all
 * (as browsers order it). fmtp holds the text the formats point to. */
static size_t offer_formats(const sotto_config *cfg, const sotto_sdp_codec_pref *prefs, int n,
                            sotto_sdp_format *out, char (*fmtp)[SOTTO_SDP_FMTP_LEN])
{
    const sotto_codec_desc *codecs[OFFER_MAX_FORMATS / 2];
    size_t count = 0, i;

    for (i = 0; i < (size_t)n && i < OFFER_MAX_FORMATS / 2; i++) {
        const sotto_codec_desc *c = codec_by_rtp(prefs[i].name, prefs[i].clock_hz);
        sotto_codec_params cp;

        codecs[i] = c;
        sotto_codec_params_default(&cp);
        cp.fec = cfg->codec.opus_fec;
        if (sotto_codec_fmtp(c, &cp, fmtp[count], SOTTO_SDP_FMTP_LEN) < 0)
            fmtp[count][0] = '\0';
        out[count] =
            (sotto_sdp_format){ (uint8_t)c->default_pt, c->name, (uint32_t)c->clock_rate,
                                (uint8_t)(c->channels > 1 ? c->channels : 0), fmtp[count] };
        count++;
    }
    for (size_t k = 0; k < i; k++) {
        const sotto_codec_desc *c = codecs[k];

        if (!(c->caps & SOTTO_CODEC_CAP_RED) || c->red_pt < 0)
            continue;
        snprintf(fmtp[count], SOTTO_SDP_FMTP_LEN, "%d/%d", c->default_pt, c->default_pt);
        out[count] =
            (sotto_sdp_format){ (uint8_t)c->red_pt, SOTTO_SDP_RED_NAME, (uint32_t)c->clock_rate,
                                (uint8_t)c->channels, fmtp[count] };
        count++;
    }
    return count + offer_cn(codecs, i, out + count);
}

int sottod__build_offer(sottod_call *call, char *buf, size_t buflen, char *err, size_t errlen)
{
    const sotto_config *cfg = call->mgr->cfg;
    sotto_sdp_codec_pref prefs[8];
    sotto_sdp_format formats[OFFER_MAX_FORMATS];
    char(*fmtp)[SOTTO_SDP_FMTP_LEN];
    sotto_sdp_offer_params op;
    sotto_sdp_fingerprint fp;
    sotto_sdp_candidate *cands;
    sotto_sdp *sdp;
    char ufrag[SOTTO_SDP_ICE_LEN], pwd[SOTTO_SDP_ICE_LEN];
    size_t len, ncand = 0;
    int n, rc;

    n = sottod__codec_prefs(cfg, prefs, 8);
    /* An AudioBridge room mixes Opus: offering anything else only costs bytes. */
    if (call->signalling == SIGNAL_JANUS) {
        const sotto_codec_desc *opus = sotto_codec_find("opus");

        n = opus ? 1 : 0;
        if (opus)
            prefs[0] = (sotto_sdp_codec_pref){ opus->name, (uint32_t)opus->clock_rate,
                                               (uint8_t)opus->channels, NULL, NULL };
    }
    if (n <= 0) {
        snprintf(err, errlen, "no usable codec in [codec] order");
        return -EINVAL;
    }
    sdp = calloc(1, sizeof(*sdp));
    cands = calloc(SOTTO_SDP_MAX_CANDIDATES, sizeof(*cands));
    fmtp = calloc(OFFER_MAX_FORMATS, sizeof(*fmtp));
    rc = sdp && cands && fmtp ? 0 : -ENOMEM;
    if (rc == 0)
        rc = local_credentials(call, ufrag, sizeof(ufrag), pwd, sizeof(pwd));
    if (rc < 0)
        goto out;
    add_candidates(call, cands, SOTTO_SDP_MAX_CANDIDATES, &ncand);
    fingerprint_to_sdp(call->mgr->identity, &fp);
    memset(&op, 0, sizeof(op));
    op.formats = formats;
    op.format_count = offer_formats(cfg, prefs, n, formats, fmtp);
    op.ice_ufrag = ufrag;
    op.ice_pwd = pwd;
    op.fingerprint = &fp;
    op.candidates = cands;
    op.candidate_count = ncand;
    op.candidates_complete = 1;
    op.session_id = random_u64();
    op.session_version = 2;
    op.ptime_ms = (uint32_t)cfg->codec.ptime_ms;
    op.maxptime_ms = (uint32_t)cfg->codec.max_ptime_ms;
    if (call->signalling == SIGNAL_JANUS)
        op.ptime_ms = op.maxptime_ms = JANUS_PTIME_MS;
    rc = sotto_sdp_build_offer(&op, sdp, err, errlen);
    /* Janus drops RTP from a source the offer did not announce. */
    if (rc == 0 && call->signalling == SIGNAL_JANUS && sdp->media_count == 1) {
        sdp->media[0].ssrc_count = 1;
        sdp->media[0].ssrc[0].ssrc = call->ssrc;
        snprintf(sdp->media[0].ssrc[0].cname, sizeof(sdp->media[0].ssrc[0].cname), "sotto-%s",
                 call->id);
    }
    if (rc == 0) {
        rc = sotto_sdp_write(sdp, buf, buflen, &len);
        if (rc < 0)
            snprintf(err, errlen, "cannot write the offer: %s", strerror(-rc));
    }
out:
    free(fmtp);
    free(cands);
    free(sdp);
    return rc;
}

/* The answer takes the offer's RED payload type for our primary. */
static void add_red_answer(sotto_sdp_media *m, const sottod_call *call)
{
    sotto_sdp_media_add_red(m, call->red_pt, call->choice.pt, call->choice.clock_hz,
                            call->choice.channels);
}

/* RFC 7587 section 6.1: maxaveragebitrate ranges from 6000 bit/s. */
#define OPUS_FMTP_MIN_BITRATE 6000
/* In-band FEC only from the rate where our own controller keeps it (media.c). */
#define OPUS_FMTP_FEC_BITRATE 12000

/* The fmtp entry of pt in m, added when absent; NULL when m is full. */
static sotto_sdp_fmtp *answer_fmtp(sotto_sdp_media *m, uint8_t pt)
{
    size_t i;

    for (i = 0; i < m->fmtp_count; i++)
        if (m->fmtp[i].pt == pt)
            return &m->fmtp[i];
    if (m->fmtp_count >= SOTTO_SDP_MAX_FMTP)
        return NULL;
    m->fmtp[m->fmtp_count].pt = pt;
    m->fmtp[m->fmtp_count].params[0] = '\0';
    return &m->fmtp[m->fmtp_count++];
}

/* On a capped link ([network] link_kbps) the answer tells a variable-rate
 * peer what the link allows, in the terms a WebRTC Opus encoder obeys: our
 * plan's packet time as a=ptime (its frame size, up to 120 ms), a constant
 * rate (cbr=1) at the plan's payload rate as maxaveragebitrate (6000 at
 * least, the parameter's floor), in-band FEC only where our own plan keeps
 * it, and no RED where a second copy of each packet does not fit. Without
 * this Chromium sent 20 ms packets at 32 kbit/s over an 8 kbit/s link.
 * Returns whether RED is still answered. */
static int capped_answer(sottod_call *call, sotto_sdp_media *m)
{
    sotto_ratectl_decision plan;
    sotto_sdp_fmtp *f;
    uint32_t rate;

    /* Framed codecs (Sotto) keep their own fmtp: the packetiser packs
     * whole frames, and the peer is one of ours. */
    if (call->mgr->cfg->network.link_kbps <= 0 || !call->codec->set_rate ||
        call->codec->frame_ms > 0 || sottod__media_plan(call, &plan) < 0)
        return call->red_pt >= 0;
    m->ptime_ms = plan.ptime_ms;
    if (m->maxptime_ms && m->maxptime_ms < plan.ptime_ms)
        m->maxptime_ms = plan.ptime_ms;
    rate = plan.bitrate > OPUS_FMTP_MIN_BITRATE ? plan.bitrate : OPUS_FMTP_MIN_BITRATE;
    f = answer_fmtp(m, (uint8_t)call->choice.pt);
    if (f)
        snprintf(f->params, sizeof(f->params),
                 "minptime=10;useinbandfec=%d;maxaveragebitrate=%u;cbr=1",
                 call->mgr->cfg->codec.opus_fec && rate >= OPUS_FMTP_FEC_BITRATE ? 1 : 0,
                 (unsigned)rate);
    /* RED repeats the previous payload in each packet: about rate more. */
    return call->red_pt >= 0 && plan.cap_bps && plan.wire_bps + rate <= plan.cap_bps;
}

int sottod__build_answer(sottod_call *call, char *buf, size_t buflen, char *err, size_t errlen)
{
    sotto_sdp_answer_params ap;
    sotto_sdp_fingerprint fp;
    sotto_sdp_candidate *cands;
    sotto_sdp *answer;
    char ufrag[SOTTO_SDP_ICE_LEN], pwd[SOTTO_SDP_ICE_LEN];
    size_t n = 0, len;
    int rc;

    cands = calloc(SOTTO_SDP_MAX_CANDIDATES, sizeof(*cands));
    answer = calloc(1, sizeof(*answer));
    rc = (cands && answer) ? 0 : -ENOMEM;
    if (rc == 0)
        rc = local_credentials(call, ufrag, sizeof(ufrag), pwd, sizeof(pwd));
    if (rc < 0)
        goto out;
    add_candidates(call, cands, SOTTO_SDP_MAX_CANDIDATES, &n);
    fingerprint_to_sdp(call->mgr->identity, &fp);
    memset(&ap, 0, sizeof(ap));
    ap.choice = &call->choice;
    ap.ice_ufrag = ufrag;
    ap.ice_pwd = pwd;
    ap.fingerprint = &fp;
    ap.candidates = cands;
    ap.candidate_count = n;
    ap.candidates_complete = 1;
    ap.session_id = random_u64();
    ap.session_version = 2;
    ap.ptime_ms = (uint32_t)call->ptime_ms;
    rc = sotto_sdp_build_answer(call->remote, &ap, answer, err, errlen);
    if (rc == 0 && call->choice.media_index < answer->media_count) {
        answer->media[call->choice.media_index].maxptime_ms =
            (uint32_t)call->mgr->cfg->codec.max_ptime_ms;
        if (!capped_answer(call, &answer->media[call->choice.media_index]))
            call->red_pt = -1;
        if (call->red_pt >= 0)
            add_red_answer(&answer->media[call->choice.media_index], call);
        if (call->cn_pt >= 0)
            sotto_sdp_media_add_format(&answer->media[call->choice.media_index],
                                       (uint8_t)call->cn_pt, SOTTO_SDP_CN_NAME,
                                       call->choice.clock_hz, 0, "");
    }
    if (rc == 0) {
        rc = sotto_sdp_write(answer, buf, buflen, &len);
        if (rc < 0)
            snprintf(err, errlen, "cannot write the answer: %s", strerror(-rc));
    }
out:
    free(cands);
    free(answer);
    return rc;
}

static void format_fingerprint(const sotto_sdp_fingerprint *fp, char *out, size_t outlen)
{
    static const char *const names[] = { "", "sha-1", "sha-224", "sha-256", "sha-384", "sha-512" };
    size_t pos, i;

    pos = (size_t)snprintf(out, outlen, "%s ", names[fp->hash]);
    for (i = 0; i < fp->len && pos + 3 < outlen; i++)
        pos += (size_t)snprintf(out + pos, outlen - pos, i ? ":%02X" : "%02X", fp->bytes[i]);
}

/* 1 when the codec has in-band redundancy and the fmtp parameters turn it
 * on (Sotto: redundancy=1, the peer reads payloads with its header). */
static int fmtp_has_redundancy(const sotto_codec_desc *codec, const char *fmtp)
{
    char value[8];

    return (codec->caps & SOTTO_CODEC_CAP_INBAND_REDUNDANCY) && codec->redundancy_fmtp &&
           sotto_sdp_fmtp_get(fmtp, codec->redundancy_fmtp, value, sizeof(value)) == 0 &&
           strcmp(value, "1") == 0;
}

/* Silence: RFC 3389 CN when the peer takes it at the codec's clock, and
 * Opus DTX when its fmtp asks for usedtx=1. */
static void cn_terms(sottod_call *call, const sotto_sdp_media *m)
{
    char value[8];

    call->cn_pt = -1;
    if (sotto_sdp_find_cn(m, call->choice.clock_hz, &call->cn_pt) < 0)
        call->cn_pt = -1;
    call->peer_dtx = (call->codec->caps & SOTTO_CODEC_CAP_DTX) &&
                     sotto_sdp_fmtp_get(sotto_sdp_media_fmtp(m, call->choice.pt), "usedtx", value,
                                        sizeof(value)) == 0 &&
                     strcmp(value, "1") == 0;
}

/* What the packetiser may do with this peer: in-band redundancy (Sotto)
 * when both ends announce it, RED when the codec takes it, and the longest
 * packet both accept. Our own fmtp for an in-band redundancy codec
 * replaces the offer's in the answer we write. */
static void packet_terms(sottod_call *call, const sotto_sdp_media *m, int is_offer)
{
    const sotto_config *cfg = call->mgr->cfg;
    sotto_codec_params cp;

    call->ptime_ms = cfg->codec.ptime_ms;
    if (m->ptime_ms <= 120 && sotto_codec_ptime_usable(call->codec, (int)m->ptime_ms))
        call->ptime_ms = (int)m->ptime_ms;
    if (call->ptime_ms < call->codec->min_ptime_ms)
        call->ptime_ms = call->codec->min_ptime_ms;
    call->max_ptime_ms = cfg->codec.max_ptime_ms;
    if (m->maxptime_ms && (int)m->maxptime_ms < call->max_ptime_ms)
        call->max_ptime_ms = (int)m->maxptime_ms;
    if (call->max_ptime_ms < call->ptime_ms)
        call->max_ptime_ms = call->ptime_ms;
    call->rtcp_reduced_size = m->rtcp_rsize;
    call->red_pt = -1;
    if ((call->codec->caps & SOTTO_CODEC_CAP_RED) &&
        sotto_sdp_find_red(m, call->choice.pt, &call->red_pt) < 0)
        call->red_pt = -1;
    cn_terms(call, m);
    call->inband_redundancy =
        fmtp_has_redundancy(call->codec, sotto_sdp_media_fmtp(m, call->choice.pt));
    if (is_offer && (call->codec->caps & SOTTO_CODEC_CAP_INBAND_REDUNDANCY)) {
        sotto_codec_params_default(&cp);
        sotto_codec_fmtp(call->codec, &cp, call->choice.fmtp, sizeof(call->choice.fmtp));
    }
}

/* 1 when fmtp announces the bitstream version of codec (or it has one only). */
static int same_version(const sotto_codec_desc *codec, const char *fmtp)
{
    char value[8];

    return !codec->version_fmtp ||
           (sotto_sdp_fmtp_get(fmtp, codec->version_fmtp, value, sizeof(value)) == 0 &&
            strcmp(value, codec->version) == 0);
}

/* An answer names the codec by the first payload type of its m-line; one
 * of another bitstream version is refused (our offer required ours). */
static int choice_from_answer(sottod_call *call, size_t mi, char *err, size_t errlen)
{
    const sotto_sdp_media *m = &call->remote->media[mi];
    size_t i;

    for (i = 0; i < m->rtpmap_count; i++) {
        const sotto_sdp_rtpmap *r = &m->rtpmap[i];
        const sotto_codec_desc *codec;

        if (m->pt_count == 0 || r->pt != m->pts[0])
            continue;
        codec = codec_by_rtp(r->name, r->clock_hz);
        if (!codec)
            break;
        if (!same_version(codec, sotto_sdp_media_fmtp(m, r->pt))) {
            snprintf(err, errlen,
                     "the answer chose %s without fmtp %s=%s (another bitstream version)", r->name,
                     codec->version_fmtp, codec->version);
            return -EPROTO;
        }
        memset(&call->choice, 0, sizeof(call->choice));
        call->choice.media_index = mi;
        call->choice.pt = r->pt;
        snprintf(call->choice.name, sizeof(call->choice.name), "%s", r->name);
        call->choice.clock_hz = r->clock_hz;
        call->choice.channels = r->channels;
        return 0;
    }
    snprintf(err, errlen, "the answer chose no codec that was offered");
    return -ENOENT;
}

static int first_audio(const sotto_sdp *sdp)
{
    size_t i;

    for (i = 0; i < sdp->media_count; i++)
        if (sdp->media[i].type == SOTTO_SDP_MEDIA_AUDIO && sdp->media[i].port != 0)
            return (int)i;
    return -1;
}

static void add_remote_candidates(sottod_call *call, const sotto_sdp_media *m,
                                  const sotto_sdp_resolved *r)
{
    char text[512];
    size_t i, len;

    for (i = 0; i < m->candidate_count; i++) {
        if (m->candidates[i].component != 1)
            continue;
        if (sotto_sdp_write_candidate(&m->candidates[i], text, sizeof(text), &len) == 0)
            sotto_transport_add_remote_candidate(call->transport, text);
    }
    if (r->end_of_candidates)
        sotto_transport_remote_candidates_done(call->transport);
}

/* The transport's view of a resolved audio section: ICE credentials, our
 * record of the peer's fingerprint and its DTLS role (default_setup when
 * the section names none). */
static void remote_params(const sotto_sdp_resolved *r, const char *fingerprint,
                          const char *default_setup, sotto_transport_remote *out)
{
    static const char *const setups[] = { "", "actpass", "active", "passive", "holdconn" };

    memset(out, 0, sizeof(*out));
    out->ice_ufrag = r->ice_ufrag;
    out->ice_pwd = r->ice_pwd;
    out->fingerprint = fingerprint;
    out->setup = setups[r->setup <= SOTTO_SDP_SETUP_HOLDCONN ? r->setup : 0];
    if (!out->setup[0])
        out->setup = default_setup;
}

int sottod__apply_remote(sottod_call *call, int is_offer, char *err, size_t errlen)
{
    sotto_sdp_codec_pref prefs[8];
    sotto_transport_remote remote;
    sotto_sdp_resolved r;
    int mi, n, rc;

    mi = first_audio(call->remote);
    if (mi < 0) {
        snprintf(err, errlen, "the description has no audio section");
        return -ENOENT;
    }
    if (call->remote->media[mi].proto_kind != SOTTO_SDP_PROTO_DTLS_SRTP) {
        snprintf(err, errlen, "the audio section is not DTLS-SRTP (%s)",
                 call->remote->media[mi].proto);
        return -EPROTONOSUPPORT;
    }
    if (is_offer) {
        n = sottod__codec_prefs(call->mgr->cfg, prefs, 8);
        rc = sotto_sdp_negotiate_audio(call->remote, prefs, (size_t)n, &call->choice, err, errlen);
    } else {
        rc = choice_from_answer(call, (size_t)mi, err, errlen);
    }
    if (rc < 0)
        return rc;
    call->codec = sotto_codec_find(call->choice.name);
    if (!call->codec) {
        snprintf(err, errlen, "codec %s is not available", call->choice.name);
        return -ENOENT;
    }
    packet_terms(call, &call->remote->media[mi], is_offer);
    if (call->signalling == SIGNAL_JANUS && call->codec->min_ptime_ms <= JANUS_PTIME_MS)
        call->ptime_ms = call->max_ptime_ms = JANUS_PTIME_MS;
    sotto_sdp_resolve_media(call->remote, (size_t)mi, &r);
    if (!r.fingerprint || r.fingerprint->hash != SOTTO_SDP_HASH_SHA256) {
        snprintf(err, errlen, "the description has no sha-256 fingerprint");
        return -EPROTO;
    }
    format_fingerprint(r.fingerprint, call->remote_fingerprint, sizeof(call->remote_fingerprint));
    remote_params(&r, call->remote_fingerprint, is_offer ? "actpass" : "active", &remote);
    rc = sotto_transport_set_remote(call->transport, &remote);
    if (rc < 0) {
        snprintf(err, errlen, "the peer's ICE/DTLS parameters were refused (%s)", strerror(-rc));
        return rc;
    }
    add_remote_candidates(call, &call->remote->media[mi], &r);
    return 0;
}

/* An ICE restart's new offer or answer (RFC 8839 section 4.4.1.1.1): same
 * DTLS certificate, new ICE credentials and candidates. Parsed and checked
 * here; nothing is applied. */
int sottod__ice_restart_parse(sottod_call *call, const char *sdp, size_t len, sotto_sdp **out,
                              char *err, size_t errlen)
{
    sotto_sdp *s = calloc(1, sizeof(*s));
    sotto_sdp_resolved r;
    char fp[sizeof(call->remote_fingerprint)];
    int mi, rc;

    *out = NULL;
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    rc = sotto_sdp_parse(sdp, len, s, err, errlen);
    mi = rc < 0 ? -1 : first_audio(s);
    if (rc == 0 && mi < 0) {
        snprintf(err, errlen, "the description has no audio section");
        rc = -ENOENT;
    }
    if (rc == 0) {
        sotto_sdp_resolve_media(s, (size_t)mi, &r);
        if (!r.fingerprint || r.fingerprint->hash != SOTTO_SDP_HASH_SHA256) {
            snprintf(err, errlen, "the description has no sha-256 fingerprint");
            rc = -EPROTO;
        } else if (!r.ice_ufrag[0] || !r.ice_pwd[0]) {
            snprintf(err, errlen, "the description has no ICE credentials");
            rc = -EPROTO;
        } else {
            format_fingerprint(r.fingerprint, fp, sizeof(fp));
            if (strcmp(fp, call->remote_fingerprint) != 0) {
                snprintf(err, errlen, "the DTLS fingerprint is not the call's");
                rc = -EPERM;
            }
        }
    }
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Applies a description from sottod__ice_restart_parse (taken over) to the
 * transport, whose ICE side has been restarted: the peer's new credentials
 * and candidates; the DTLS association stays. */
int sottod__ice_restart_apply(sottod_call *call, sotto_sdp *sdp, char *err, size_t errlen)
{
    sotto_transport_remote remote;
    sotto_sdp_resolved r;
    int mi = first_audio(sdp), rc;

    sotto_sdp_resolve_media(sdp, (size_t)mi, &r);
    remote_params(&r, call->remote_fingerprint, "actpass", &remote);
    rc = sotto_transport_set_remote(call->transport, &remote);
    if (rc < 0) {
        snprintf(err, errlen, "the peer's new ICE parameters were refused (%s)", strerror(-rc));
        free(sdp);
        return rc;
    }
    add_remote_candidates(call, &sdp->media[mi], &r);
    free(call->remote);
    call->remote = sdp;
    return 0;
}
