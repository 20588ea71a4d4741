/* The offer skeleton: one audio m-section for WebRTC (BUNDLE, rtcp-mux,
 * reduced-size RTCP, DTLS-SRTP), the formats the caller lists in its
 * order, ICE credentials, fingerprint and candidates. The answer skeleton
 * is built beside it, in sdp_negotiate.c. */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFFER_PORT 9 /* JSEP: real addresses travel in candidates */

static int offer_params_ok(const sotto_sdp_offer_params *p, char *err, size_t errlen)
{
    if (!p->formats || p->format_count == 0 || p->format_count > SOTTO_SDP_MAX_PT ||
        !p->ice_ufrag || !p->ice_pwd || !p->fingerprint || (p->candidate_count && !p->candidates) ||
        p->candidate_count > SOTTO_SDP_MAX_CANDIDATES) {
        sotto__net_errf(err, errlen,
                        "offer params need 1..%d formats, ICE credentials, "
                        "fingerprint and at most %d candidates",
                        SOTTO_SDP_MAX_PT, SOTTO_SDP_MAX_CANDIDATES);
        return -EINVAL;
    }
    return 0;
}

static void fill_offer_session(const sotto_sdp_offer_params *p, sotto_sdp *sdp)
{
    memcpy(sdp->origin_user, "-", 2);
    sdp->session_id = p->session_id;
    sdp->session_version = p->session_version;
    memcpy(sdp->session_name, "-", 2);
    sdp->bundle_count = 1;
    memcpy(sdp->bundle_mids[0], "0", 2);
    memcpy(sdp->msid_semantic, "WMS", 4);
    memcpy(sdp->msid_semantic_ids, "*", 2);
    sdp->media_count = 1;
}

static int fill_offer_audio(const sotto_sdp_offer_params *p, sotto_sdp_media *m, char *err,
                            size_t errlen)
{
    m->type = SOTTO_SDP_MEDIA_AUDIO;
    memcpy(m->name, "audio", 6);
    m->port = OFFER_PORT;
    snprintf(m->proto, sizeof(m->proto), "UDP/TLS/RTP/SAVPF");
    m->proto_kind = SOTTO_SDP_PROTO_DTLS_SRTP;
    m->connection.addr_type = SOTTO_SDP_ADDR_IP4;
    memcpy(m->connection.address, "0.0.0.0", 8);
    for (size_t i = 0; i < p->format_count; i++) {
        const sotto_sdp_format *f = &p->formats[i];

        if (!f->name || sotto_sdp_media_add_format(m, f->pt, f->name, f->clock_hz, f->channels,
                                                   f->fmtp ? f->fmtp : "") < 0) {
            sotto__net_errf(err, errlen, "format %zu of the offer is invalid", i);
            return -EINVAL;
        }
    }
    memcpy(m->mid, "0", 2);
    m->direction = SOTTO_SDP_DIR_SENDRECV;
    m->rtcp_mux = 1;
    m->rtcp_rsize = 1;
    m->ptime_ms = p->ptime_ms;
    m->maxptime_ms = p->maxptime_ms;
    snprintf(m->ice_dtls.ice_ufrag, sizeof(m->ice_dtls.ice_ufrag), "%s", p->ice_ufrag);
    snprintf(m->ice_dtls.ice_pwd, sizeof(m->ice_dtls.ice_pwd), "%s", p->ice_pwd);
    m->ice_dtls.fingerprint = *p->fingerprint;
    m->ice_dtls.setup = SOTTO_SDP_SETUP_ACTPASS;
    if (p->candidate_count)
        memcpy(m->candidates, p->candidates, p->candidate_count * sizeof(*p->candidates));
    m->candidate_count = p->candidate_count;
    m->end_of_candidates = p->candidates_complete ? 1 : 0;
    return 0;
}

int sotto_sdp_build_offer(const sotto_sdp_offer_params *params, sotto_sdp *out_offer, char *err,
                          size_t errlen)
{
    sotto_sdp *sdp;
    int rc;

    if (!params || !out_offer) {
        sotto__net_errf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    rc = offer_params_ok(params, err, errlen);
    if (rc != 0)
        return rc;
    sdp = calloc(1, sizeof(*sdp));
    if (!sdp) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    fill_offer_session(params, sdp);
    rc = fill_offer_audio(params, &sdp->media[0], err, errlen);
    if (rc == 0)
        memcpy(out_offer, sdp, sizeof(*out_offer));
    free(sdp);
    return rc;
}

int sotto_sdp_media_add_red(sotto_sdp_media *m, int red_pt, int primary_pt, uint32_t clock,
                            uint8_t channels)
{
    char fmtp[16];

    if (!m || red_pt < 0 || red_pt > 127 || primary_pt < 0 || primary_pt > 127)
        return -EINVAL;
    snprintf(fmtp, sizeof(fmtp), "%d/%d", primary_pt, primary_pt);
    return sotto_sdp_media_add_format(m, (uint8_t)red_pt, SOTTO_SDP_RED_NAME, clock, channels,
                                      fmtp);
}
