/* sotto_sdp to SDP text in the layout JSEP implementations (Chromium,
 * Firefox, aiortc) produce, so that peers and people reading logs see the
 * familiar order. The text is produced twice: once to count, once into the
 * caller's buffer, so that nothing is written when it does not fit. */
#include "net/sdp.h"

#include "net/sdp_internal.h"

#include <errno.h>
#include <string.h>

#define CRLF "\r\n"

static void write_connection(sotto__sdp_out *o, const char *prefix, const sotto_sdp_connection *c)
{
    sotto__sdp_outf(o, "%sIN %s %s", prefix, c->addr_type == SOTTO_SDP_ADDR_IP6 ? "IP6" : "IP4",
                    c->address);
}

static void write_fingerprint(sotto__sdp_out *o, const sotto_sdp_fingerprint *fp)
{
    sotto__sdp_outf(o, "a=fingerprint:%s ", sotto__sdp_hash_name(fp->hash));
    for (size_t i = 0; i < fp->len; i++)
        sotto__sdp_outf(o, i ? ":%02X" : "%02X", fp->bytes[i]);
    sotto__sdp_outf(o, CRLF);
}

static void write_ice_dtls(sotto__sdp_out *o, const sotto_sdp_ice_dtls *d)
{
    if (d->ice_ufrag[0])
        sotto__sdp_outf(o, "a=ice-ufrag:%s" CRLF, d->ice_ufrag);
    if (d->ice_pwd[0])
        sotto__sdp_outf(o, "a=ice-pwd:%s" CRLF, d->ice_pwd);
    if (d->ice_options) {
        const char *sep = "";
        sotto__sdp_outf(o, "a=ice-options:");
        if (d->ice_options & SOTTO_SDP_ICE_OPT_TRICKLE) {
            sotto__sdp_outf(o, "%strickle", sep);
            sep = " ";
        }
        if (d->ice_options & SOTTO_SDP_ICE_OPT_ICE2) {
            sotto__sdp_outf(o, "%sice2", sep);
            sep = " ";
        }
        if (d->ice_options & SOTTO_SDP_ICE_OPT_RENOMINATION)
            sotto__sdp_outf(o, "%srenomination", sep);
        sotto__sdp_outf(o, CRLF);
    }
    if (d->fingerprint.hash != SOTTO_SDP_HASH_NONE)
        write_fingerprint(o, &d->fingerprint);
    if (d->setup != SOTTO_SDP_SETUP_NONE)
        sotto__sdp_outf(o, "a=setup:%s" CRLF, sotto__sdp_setup_name(d->setup));
}

static void write_session(sotto__sdp_out *o, const sotto_sdp *sdp)
{
    sotto__sdp_outf(o, "v=0" CRLF "o=%s %llu %llu IN IP4 127.0.0.1" CRLF "s=%s" CRLF,
                    sdp->origin_user, (unsigned long long)sdp->session_id,
                    (unsigned long long)sdp->session_version, sdp->session_name);
    if (sdp->connection.addr_type != SOTTO_SDP_ADDR_NONE) {
        write_connection(o, "c=", &sdp->connection);
        sotto__sdp_outf(o, CRLF);
    }
    sotto__sdp_outf(o, "t=0 0" CRLF);
    if (sdp->ice_lite)
        sotto__sdp_outf(o, "a=ice-lite" CRLF);
    if (sdp->bundle_count) {
        sotto__sdp_outf(o, "a=group:BUNDLE");
        for (size_t i = 0; i < sdp->bundle_count; i++)
            sotto__sdp_outf(o, " %s", sdp->bundle_mids[i]);
        sotto__sdp_outf(o, CRLF);
    }
    if (sdp->extmap_allow_mixed)
        sotto__sdp_outf(o, "a=extmap-allow-mixed" CRLF);
    if (sdp->msid_semantic[0])
        sotto__sdp_outf(o, "a=msid-semantic: %s%s%s" CRLF, sdp->msid_semantic,
                        sdp->msid_semantic_ids[0] ? " " : "", sdp->msid_semantic_ids);
    write_ice_dtls(o, &sdp->ice_dtls);
    if (sdp->direction != SOTTO_SDP_DIR_NONE)
        sotto__sdp_outf(o, "a=%s" CRLF, sotto__sdp_direction_name(sdp->direction));
    if (sdp->end_of_candidates)
        sotto__sdp_outf(o, "a=end-of-candidates" CRLF);
}

static int has_rtpmap(const sotto_sdp_media *m, int pt)
{
    for (size_t i = 0; i < m->rtpmap_count; i++)
        if (m->rtpmap[i].pt == pt)
            return 1;
    return 0;
}

static void write_feedback_and_fmtp(sotto__sdp_out *o, const sotto_sdp_media *m, int pt)
{
    for (size_t i = 0; i < m->rtcp_fb_count; i++) {
        const sotto_sdp_rtcp_fb *fb = &m->rtcp_fb[i];
        if (fb->pt != pt)
            continue;
        if (fb->pt < 0)
            sotto__sdp_outf(o, "a=rtcp-fb:* %s" CRLF, fb->value);
        else
            sotto__sdp_outf(o, "a=rtcp-fb:%d %s" CRLF, fb->pt, fb->value);
    }
    for (size_t i = 0; i < m->fmtp_count; i++)
        if (m->fmtp[i].pt == pt)
            sotto__sdp_outf(o, "a=fmtp:%u %s" CRLF, (unsigned)m->fmtp[i].pt, m->fmtp[i].params);
}

/* Each rtpmap followed by its rtcp-fb and fmtp, as Chromium lays them out;
 * then feedback and parameters for formats without an rtpmap. */
static void write_codecs(sotto__sdp_out *o, const sotto_sdp_media *m)
{
    for (size_t i = 0; i < m->rtpmap_count; i++) {
        const sotto_sdp_rtpmap *r = &m->rtpmap[i];
        sotto__sdp_outf(o, "a=rtpmap:%u %s/%u", (unsigned)r->pt, r->name, (unsigned)r->clock_hz);
        if (r->channels)
            sotto__sdp_outf(o, "/%u", (unsigned)r->channels);
        sotto__sdp_outf(o, CRLF);
        write_feedback_and_fmtp(o, m, r->pt);
    }
    for (int pt = -1; pt <= 127; pt++)
        if (!has_rtpmap(m, pt))
            write_feedback_and_fmtp(o, m, pt);
}

static void write_media_line(sotto__sdp_out *o, const sotto_sdp_media *m)
{
    sotto__sdp_outf(o, "m=%s %u %s", m->name, (unsigned)m->port, m->proto);
    if (sotto__sdp_proto_is_rtp(m->proto_kind))
        for (size_t i = 0; i < m->pt_count; i++)
            sotto__sdp_outf(o, " %u", (unsigned)m->pts[i]);
    else
        sotto__sdp_outf(o, " %s", m->fmt);
    sotto__sdp_outf(o, CRLF);
    if (m->connection.addr_type != SOTTO_SDP_ADDR_NONE) {
        write_connection(o, "c=", &m->connection);
        sotto__sdp_outf(o, CRLF);
    }
    if (m->has_rtcp) {
        sotto__sdp_outf(o, "a=rtcp:%u", (unsigned)m->rtcp_port);
        if (m->rtcp_connection.addr_type != SOTTO_SDP_ADDR_NONE)
            write_connection(o, " ", &m->rtcp_connection);
        sotto__sdp_outf(o, CRLF);
    }
}

static void write_media(sotto__sdp_out *o, const sotto_sdp_media *m)
{
    write_media_line(o, m);
    for (size_t i = 0; i < m->candidate_count; i++) {
        sotto__sdp_outf(o, "a=");
        sotto__sdp_candidate_format(o, &m->candidates[i]);
        sotto__sdp_outf(o, CRLF);
    }
    if (m->end_of_candidates)
        sotto__sdp_outf(o, "a=end-of-candidates" CRLF);
    write_ice_dtls(o, &m->ice_dtls);
    if (m->mid[0])
        sotto__sdp_outf(o, "a=mid:%s" CRLF, m->mid);
    for (size_t i = 0; i < m->extmap_count; i++) {
        const sotto_sdp_extmap *e = &m->extmap[i];
        sotto__sdp_outf(o, "a=extmap:%u", (unsigned)e->id);
        if (e->direction != SOTTO_SDP_DIR_NONE)
            sotto__sdp_outf(o, "/%s", sotto__sdp_direction_name(e->direction));
        sotto__sdp_outf(o, " %s%s%s" CRLF, e->uri, e->attributes[0] ? " " : "", e->attributes);
    }
    if (m->direction != SOTTO_SDP_DIR_NONE)
        sotto__sdp_outf(o, "a=%s" CRLF, sotto__sdp_direction_name(m->direction));
    if (m->msid_stream[0])
        sotto__sdp_outf(o, "a=msid:%s%s%s" CRLF, m->msid_stream, m->msid_track[0] ? " " : "",
                        m->msid_track);
    if (m->rtcp_mux)
        sotto__sdp_outf(o, "a=rtcp-mux" CRLF);
    if (m->rtcp_rsize)
        sotto__sdp_outf(o, "a=rtcp-rsize" CRLF);
    if (m->extmap_allow_mixed)
        sotto__sdp_outf(o, "a=extmap-allow-mixed" CRLF);
    write_codecs(o, m);
    if (m->ptime_ms)
        sotto__sdp_outf(o, "a=ptime:%u" CRLF, (unsigned)m->ptime_ms);
    if (m->maxptime_ms)
        sotto__sdp_outf(o, "a=maxptime:%u" CRLF, (unsigned)m->maxptime_ms);
    for (size_t i = 0; i < m->ssrc_count; i++) {
        const sotto_sdp_ssrc *s = &m->ssrc[i];
        if (s->cname[0])
            sotto__sdp_outf(o, "a=ssrc:%u cname:%s" CRLF, (unsigned)s->ssrc, s->cname);
        if (s->msid[0])
            sotto__sdp_outf(o, "a=ssrc:%u msid:%s" CRLF, (unsigned)s->ssrc, s->msid);
    }
}

static void write_all(sotto__sdp_out *o, const sotto_sdp *sdp)
{
    write_session(o, sdp);
    for (size_t i = 0; i < sdp->media_count; i++)
        write_media(o, &sdp->media[i]);
}

int sotto_sdp_write(const sotto_sdp *sdp, char *buf, size_t buflen, size_t *out_len)
{
    sotto__sdp_out count = {NULL, 0, 0};
    sotto__sdp_out o = {buf, buflen, 0};

    if (!sdp || !out_len || (!buf && buflen != 0))
        return -EINVAL;
    if (sotto__sdp_check(sdp, NULL, 0) != 0)
        return -EINVAL;
    write_all(&count, sdp);
    if (count.len > SOTTO_SDP_MAX_TEXT)
        return -EMSGSIZE;
    if (!buf) {
        *out_len = count.len;
        return 0;
    }
    if (count.len >= buflen)
        return -ENOSPC;
    write_all(&o, sdp);
    *out_len = o.len;
    return 0;
}
