/* Call lifecycle: creation, gathering, the transport's events, media
 * start, hang-up and teardown. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "daemon/call_http.h"
#include "daemon/call_janus.h"
#include "daemon/call_watch.h"
#include "daemon/call_internal.h"
#include "daemon/contacts.h"
#include "daemon/dirs.h"
#include "daemon/log.h"
#include "net/token.h"

static const char *const state_names[] = { "gathering",  "offered", "ringing",
                                           "connecting", "active",  "ended" };

const char *sottod__call_state_name(call_state state)
{
    return state <= CALL_ENDED ? state_names[state] : "?";
}

uint64_t sottod__now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void emit(sottod_call *call, const char *event, json_t *extra)
{
    json_t *data = extra ? extra : json_object();

    json_object_set_new(data, "id", json_string(call->id));
    json_object_set_new(data, "direction", json_string(call->outgoing ? "outgoing" : "incoming"));
    sotto_control_emit(call->mgr->control, event, data);
}

static void on_rtcp_timer(uv_timer_t *t);

/* ICE plus DTLS get this long once descriptions are exchanged. libnice is
 * told to retry its checks longer than it would (a burst of loss can eat a
 * check and all its default retries), so the call sets the deadline. */
#define CONNECT_TIMEOUT_MS 30000
#define ICE_STUN_RETRANSMISSIONS 12

void sottod__call_set_state(sottod_call *call, call_state state)
{
    if (call->state == state)
        return;
    call->state = state;
    /* The RTCP timer is idle until media starts: it keeps the deadline. */
    if (state == CALL_CONNECTING)
        uv_timer_start(&call->rtcp_timer, on_rtcp_timer, CONNECT_TIMEOUT_MS, 0);
    log_info("call %s: %s", call->id, sottod__call_state_name(state));
    emit(call, "call-state", json_pack("{s:s}", "state", sottod__call_state_name(state)));
}

sottod_call *sottod__call_find(sottod_calls *mgr, const char *id)
{
    sottod_call *c;

    for (c = mgr->calls; c; c = c->next)
        if (c->state != CALL_ENDED && (!id || strcmp(c->id, id) == 0))
            return c;
    return NULL;
}

static void on_call_handle_closed(uv_handle_t *h)
{
    sottod_call *call = h->data;
    sottod_calls *mgr = call->mgr;
    sottod_call **p;

    if (--call->open_handles > 0)
        return;
    for (p = &mgr->calls; *p; p = &(*p)->next) {
        if (*p == call) {
            *p = call->next;
            break;
        }
    }
    free(call->remote);
    free(call->conference);
    free(call);
    if (mgr->closing && !mgr->calls) {
        sotto_identity_destroy(&mgr->identity);
        if (mgr->done)
            mgr->done(mgr->done_opaque);
        free(mgr);
    }
}

void sottod__call_end(sottod_call *call, const char *reason)
{
    if (call->state == CALL_ENDED)
        return;
    snprintf(call->end_reason, sizeof(call->end_reason), "%s", reason);
    /* The BYE tells the peer even when the signalling's hang-up is slow or
     * lost; twice, so that one lost datagram does not hide it. */
    if (call->media && call->transport && !call->peer_bye)
        for (int i = 0; i < 2; i++)
            sotto_media_send_rtcp(call->media, 1, sottod__now_us());
    call->state = CALL_ENDED;
    log_info("call %s ended: %s", call->id, reason);
    emit(call, "call-ended",
         json_pack("{s:s, s:f}", "reason", reason, "duration_s",
                   (double)(uv_now(call->mgr->loop) - call->created_ms) / 1000.0));
    if (call->pending) {
        sotto_control_finish(call->pending, NULL, "failed", reason);
        call->pending = NULL;
    }
    sottod__http_call_ended(call);
    sottod__janus_call_ended(call);
    sotto_media_destroy(&call->media);
    sotto_transport_destroy(&call->transport);
    uv_close((uv_handle_t *)&call->rtcp_timer, on_call_handle_closed);
    uv_close((uv_handle_t *)&call->ring_timer, on_call_handle_closed);
    uv_close((uv_handle_t *)&call->watch_timer, on_call_handle_closed);
}

#define CONSENT_TIMEOUT_MS 30000 /* RFC 7675: consent expires after 30 s */

static void on_rtcp_timer(uv_timer_t *t)
{
    sottod_call *call = t->data;

    if (!call->media) {
        if (call->state == CALL_CONNECTING)
            sottod__call_end(call, "no working network path to the peer within 30 s");
        return;
    }
    if (uv_now(call->mgr->loop) - call->last_rx_ms > CONSENT_TIMEOUT_MS) {
        sottod__call_end(call, "the peer went silent (no packet for 30 s: consent expired)");
        return;
    }
    sotto_media_send_rtcp(call->media, 0, sottod__now_us());
    uv_timer_start(&call->rtcp_timer, on_rtcp_timer, sotto_media_rtcp_interval_ms(call->media), 0);
}

/* Every change of the rate controller is logged and announced, so a slow
 * link's choices can be followed (and checked for oscillation). */
static void on_media_decision(void *opaque, const sotto_ratectl_decision *d)
{
    sottod_call *call = opaque;

    log_info("call %s: controller: %s (change %llu)", call->id, d->reason,
             (unsigned long long)d->changes);
    if (call->codec && call->codec->switch_bitrate && d->low_mode != call->low_rate_mode) {
        log_info("call %s: %s switches to %u bit/s frames (%s)", call->id, call->codec->name,
                 (unsigned)d->bitrate, d->low_mode ? "loss on a capped link" : "loss cleared");
        call->low_rate_mode = d->low_mode;
    }
    emit(call, "call-rate-changed",
         json_pack("{s:i, s:i, s:i, s:i, s:f, s:b, s:s}", "ptime_ms", (int)d->ptime_ms,
                   "redundant_frames", (int)d->redundant_frames, "bitrate", (int)d->bitrate,
                   "wire_bps", (int)d->wire_bps, "loss", d->loss, "low_mode", d->low_mode, "reason",
                   d->reason));
    sottod__janus_rate_changed(call, d);
}

/* What left stayed over the plan: the plan (or an encoder) is wrong. */
static void on_media_peer_bye(void *opaque)
{
    sottod_call *call = opaque;

    call->peer_bye = 1; /* ended by on_transport_packet, once media has returned */
}

static void on_rate_mismatch(void *opaque, uint32_t planned_bps, uint32_t measured_bps)
{
    sottod_call *call = opaque;

    log_warning("call %s: sending %.1f kbit/s on the link against %.1f kbit/s planned "
                "(over 10%% for 10 s)",
                call->id, measured_bps / 1000.0, planned_bps / 1000.0);
}

static void log_first_decision(const sottod_call *call)
{
    sotto_media_stats st;

    sotto_media_get_stats(call->media, sottod__now_us(), &st);
    log_info("call %s: controller: %s", call->id, st.controller.reason);
}

/* The media library reaches the network only through this. */
static int send_media(void *opaque, int is_rtcp, const uint8_t *pkt, size_t len)
{
    sotto_transport *t = opaque;

    return is_rtcp ? sotto_transport_send_rtcp(t, pkt, len) : sotto_transport_send_rtp(t, pkt, len);
}

/* The queue of our side of a slow link ([network] link_kbps): what every
 * datagram we sent (with IPv4, UDP and link framing) added, less what the
 * link carried since. At the start of the media it tells how long the
 * handshake's flights still hold the link. */
static uint64_t link_queue_bits(sottod_call *call, uint64_t now_us)
{
    uint64_t kbps = (uint64_t)call->mgr->cfg->network.link_kbps;
    uint64_t carried = call->link_queue_us ? (now_us - call->link_queue_us) * kbps / 1000u : 0;

    call->link_queue_bits = carried < call->link_queue_bits ? call->link_queue_bits - carried : 0;
    call->link_queue_us = now_us;
    return call->link_queue_bits;
}

/* The stream's parameters from the negotiated terms and the configuration;
 * cname (32 bytes) holds the name mp->cname points to. */
static void media_params(sottod_call *call, sotto_media_params *out, char *cname)
{
    sotto_media_params mp;

    memset(&mp, 0, sizeof(mp));
    mp.codec = call->codec;
    sotto_codec_params_default(&mp.codec_params);
    mp.codec_params.frame_ms = call->ptime_ms;
    mp.codec_params.fec = call->mgr->cfg->codec.opus_fec;
    /* [codec] opus_bitrate: the rate of the codec that is retuned while running. */
    if (call->codec->set_rate)
        mp.codec_params.bitrate = call->mgr->cfg->codec.opus_bitrate;
    mp.payload_type = call->choice.pt;
    mp.rate = call->mgr->rate;
    mp.send = send_media;
    mp.send_opaque = call->transport;
    snprintf(cname, 32, "sotto-%s", call->id);
    mp.cname = cname;
    mp.ssrc = call->ssrc;
    mp.inband_redundancy = call->inband_redundancy;
    mp.redundancy = call->mgr->cfg->codec.redundancy;
    mp.max_ptime_ms = call->max_ptime_ms;
    mp.link_kbps = call->mgr->cfg->network.link_kbps;
    mp.srtp_tag_bytes = (int)sotto_srtp_profile_tag_bytes(sotto_transport_profile(call->transport));
    mp.rtcp_reduced_size = call->rtcp_reduced_size;
    mp.red_pt = call->red_pt;
    mp.cn_pt = call->cn_pt;
    mp.silence_suppression = call->mgr->cfg->audio.silence_suppression;
    /* Opus DTX where the peer asked for it; it replaces CN for Opus. */
    call->media_dtx = mp.silence_suppression && call->peer_dtx;
    mp.codec_params.dtx = call->media_dtx;
    mp.on_decision = on_media_decision;
    mp.on_rate_mismatch = on_rate_mismatch;
    mp.on_peer_bye = on_media_peer_bye;
    mp.opaque = call;
    *out = mp;
}

int sottod__media_plan(sottod_call *call, sotto_ratectl_decision *out)
{
    sotto_media_params mp;
    char cname[32];

    media_params(call, &mp, cname);
    return sotto_media_plan(&mp, out);
}

static int start_media(sottod_call *call)
{
    sotto_media_params mp;
    char cname[32];
    int rc;

    media_params(call, &mp, cname);
    if (call->mgr->cfg->network.link_kbps > 0)
        mp.start_delay_us = link_queue_bits(call, sottod__now_us()) * 1000u /
                            (uint64_t)call->mgr->cfg->network.link_kbps;
    rc = sotto_media_create(&call->media, &mp);
    if (rc < 0)
        return rc;
    log_first_decision(call);
    call->last_rx_ms = uv_now(call->mgr->loop);
    /* The first report goes out quickly for the RTT; the next ones keep
     * RTCP within 5 % of the session's rate (sotto_media_rtcp_interval_ms). */
    uv_timer_start(&call->rtcp_timer, on_rtcp_timer, 500, 0);
    return 0;
}

static void on_transport_state(void *opaque, sotto_transport_state state, const char *reason)
{
    sottod_call *call = opaque;
    char msg[200];

    switch (state) {
    case SOTTO_TRANSPORT_ICE_CONNECTED:
        emit(call, "call-ice-connected", NULL);
        break;
    case SOTTO_TRANSPORT_SECURE:
        call->secure_ms = uv_now(call->mgr->loop);
        if (start_media(call) < 0) {
            sottod__call_end(call, "cannot start media");
            return;
        }
        sottod__call_set_state(call, CALL_ACTIVE);
        sottod__watch_start(call);
        emit(call, "call-connected",
             json_pack("{s:s, s:i, s:i, s:s, s:f}", "codec", call->codec->name, "payload_type",
                       call->choice.pt, "ptime_ms", call->ptime_ms, "remote_fingerprint",
                       call->remote_fingerprint, "setup_ms",
                       (double)(call->secure_ms - call->created_ms)));
        break;
    case SOTTO_TRANSPORT_FAILED:
        /* A DTLS close_notify is how WebRTC peers hang up. */
        if (reason && strstr(reason, "peer closed"))
            snprintf(msg, sizeof(msg), "hung up by the peer");
        else
            snprintf(msg, sizeof(msg), "transport failed: %s", reason ? reason : "unknown");
        if (call->conference)
            sottod__janus_media_lost(call, msg);
        else
            sottod__call_end(call, msg);
        break;
    case SOTTO_TRANSPORT_NEW:
        break;
    }
}

static void on_transport_packet(void *opaque, const uint8_t *pkt, size_t len, int is_rtcp)
{
    sottod_call *call = opaque;

    if (!call->media)
        return;
    if (!is_rtcp && !call->first_audio_ms) {
        call->first_audio_ms = uv_now(call->mgr->loop);
        emit(call, "call-first-audio",
             json_pack("{s:f}", "since_start_ms",
                       (double)(call->first_audio_ms - call->created_ms)));
    }
    call->last_rx_ms = uv_now(call->mgr->loop);
    sotto_media_receive(call->media, pkt, len, is_rtcp, sottod__now_us());
    /* A Janus room's media ends through the room's own signalling. */
    if (call->peer_bye && !call->conference) {
        log_debug("call %s: RTCP BYE from the peer", call->id);
        sottod__call_end(call, "hung up by the peer");
    }
}

static void on_transport_wire(void *opaque, int outbound, const uint8_t *data, size_t len)
{
    sottod_call *call = opaque;

    (void)data;
    if (outbound && call->mgr->cfg->network.link_kbps > 0)
        call->link_queue_bits = link_queue_bits(call, sottod__now_us()) + (len + 28 + 14) * 8u;
    sotto_media_count_wire(call->media, outbound, len, sottod__now_us());
}

static void description_ready(sottod_call *call);

static void on_transport_candidate(void *opaque, const char *candidate)
{
    sottod_call *call = opaque;

    if (!candidate) {
        if (!call->gathering_done) {
            call->gathering_done = 1;
            if (!call->hold_description)
                description_ready(call);
        }
        return;
    }
    if (call->candidate_count < CALL_MAX_CANDIDATES)
        snprintf(call->candidates[call->candidate_count++], CALL_CANDIDATE_LEN, "%s", candidate);
}

/* Host names are resolved here, once per call; literals pass straight. */
static int resolve(const char *hostport, char *addr, size_t addrlen, uint16_t *port)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints, *res = NULL;
    size_t hlen;
    long p;
    char *end;

    if (!colon)
        return -EINVAL;
    hlen = (size_t)(colon - hostport);
    if (hlen >= sizeof(host) || hlen == 0)
        return -EINVAL;
    memcpy(host, hostport, hlen);
    host[hlen] = '\0';
    if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        host[hlen - 2] = '\0';
    }
    p = strtol(colon + 1, &end, 10);
    if (*end || p < 1 || p > 65535)
        return -EINVAL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return -EHOSTUNREACH;
    getnameinfo(res->ai_addr, res->ai_addrlen, addr, (socklen_t)addrlen, NULL, 0, NI_NUMERICHOST);
    freeaddrinfo(res);
    *port = (uint16_t)p;
    return 0;
}

static int transport_params(sottod_call *call, sotto_transport_params *tp, char *stun, char *turn,
                            char *err, size_t errlen)
{
    const sotto_config *cfg = call->mgr->cfg;
    uint16_t port;

    sotto_transport_params_default(tp);
    tp->offerer = call->outgoing;
    tp->identity = call->mgr->identity;
    tp->on_candidate = on_transport_candidate;
    tp->on_state = on_transport_state;
    tp->on_packet = on_transport_packet;
    tp->on_wire = on_transport_wire;
    tp->opaque = call;
    if (cfg->network.ice_address[0]) {
        tp->ice.local_addresses[0] = cfg->network.ice_address;
        tp->ice.local_address_count = 1;
    }
    tp->ice.min_port = (uint16_t)cfg->network.ice_port_min;
    tp->ice.max_port = (uint16_t)cfg->network.ice_port_max;
    if (cfg->network.stun_server[0]) {
        if (resolve(cfg->network.stun_server, stun, 64, &port) < 0) {
            snprintf(err, errlen, "cannot resolve STUN server %s", cfg->network.stun_server);
            return -EHOSTUNREACH;
        }
        tp->ice.stun_address = stun;
        tp->ice.stun_port = port;
    }
    if (cfg->network.turn_server[0]) {
        if (resolve(cfg->network.turn_server, turn, 64, &port) < 0) {
            snprintf(err, errlen, "cannot resolve TURN server %s", cfg->network.turn_server);
            return -EHOSTUNREACH;
        }
        tp->ice.turn[0].address = turn;
        tp->ice.turn[0].port = port;
        tp->ice.turn[0].username = cfg->network.turn_username;
        tp->ice.turn[0].password = cfg->network.turn_password;
        tp->ice.turn[0].transport = cfg->network.turn_transport == SOTTO_TURN_TCP
                                        ? SOTTO_ICE_RELAY_TCP
                                        : SOTTO_ICE_RELAY_UDP;
        tp->ice.turn_count = 1;
    }
    tp->ice.force_relay = cfg->network.relay_only;
    /* libnice 0.1.21 declares consent lost when a single consent check goes
     * unanswered, so 10 % packet loss ends a call within seconds. Liveness is
     * judged here instead, as RFC 7675 does, over 30 s without any packet from
     * the peer (on_rtcp_timer); libnice still answers the peer's checks. */
    tp->ice.consent_freshness = 0;
    tp->ice.stun_max_retransmissions = ICE_STUN_RETRANSMISSIONS;
    /* On a slow link the 32-bit SRTP tag saves 6-12 bytes per packet; the
     * DTLS server picks from its own order, so both ends prefer it. */
    tp->link_kbps = cfg->network.link_kbps > 0 ? (unsigned)cfg->network.link_kbps : 0;
    if (cfg->network.link_kbps > 0 && cfg->network.link_kbps < 64) {
        tp->profiles[0] = SOTTO_SRTP_AES128_CM_SHA1_32;
        tp->profiles[1] = SOTTO_SRTP_AES128_CM_SHA1_80;
        tp->profiles[2] = SOTTO_SRTP_AEAD_AES_128_GCM;
        tp->profile_count = 3;
    }
    return 0;
}

sottod_call *sottod__call_new(sottod_calls *mgr, int outgoing, call_signalling sig, char *err,
                              size_t errlen)
{
    sotto_transport_params tp;
    sottod_call *call, *c;
    char stun[64], turn[64];
    uint8_t rnd[8];
    int active = 0, i;

    for (c = mgr->calls; c; c = c->next)
        active += c->state != CALL_ENDED;
    if (active >= mgr->cfg->call.max_calls) {
        snprintf(err, errlen, "too many calls (max_calls = %d)", mgr->cfg->call.max_calls);
        return NULL;
    }
    call = calloc(1, sizeof(*call));
    if (!call) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    call->mgr = mgr;
    call->outgoing = outgoing;
    call->signalling = sig;
    call->state = CALL_GATHERING;
    call->created_ms = uv_now(mgr->loop);
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        memset(rnd, 0x5a, sizeof(rnd));
    for (i = 0; i < 8; i++)
        snprintf(call->id + 2 * i, 3, "%02x", rnd[i]);
    call->ssrc =
        ((uint32_t)rnd[0] << 24 | (uint32_t)rnd[3] << 16 | (uint32_t)rnd[5] << 8 | rnd[7]) | 1u;
    uv_timer_init(mgr->loop, &call->rtcp_timer);
    uv_timer_init(mgr->loop, &call->ring_timer);
    uv_timer_init(mgr->loop, &call->watch_timer);
    call->rtcp_timer.data = call;
    call->ring_timer.data = call;
    call->watch_timer.data = call;
    call->open_handles = 3;
    call->next = mgr->calls;
    mgr->calls = call;
    if (transport_params(call, &tp, stun, turn, err, errlen) < 0 ||
        sotto_transport_create(&call->transport, mgr->loop, &tp, err, errlen) < 0) {
        sottod__call_end(call, err);
        return NULL;
    }
    return call;
}

int sottod__call_parse_remote(sottod_call *call, const char *sdp, size_t len, char *err,
                              size_t errlen)
{
    if (!call->remote)
        call->remote = calloc(1, sizeof(*call->remote));
    if (!call->remote) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    return sotto_sdp_parse(sdp, len, call->remote, err, errlen);
}

int sottod__call_check_peer(sottod_call *call, char *err, size_t errlen)
{
    call->contact[0] = '\0';
    if (sottod_contacts_lookup(call->mgr->contacts_path, call->remote_fingerprint, call->contact,
                               sizeof(call->contact)) == 0)
        return 0;
    if (call->mgr->cfg->call.unknown_peer == SOTTO_UNKNOWN_PEER_REJECT) {
        snprintf(err, errlen, "the caller's certificate is not in contacts");
        return -EPERM;
    }
    return 0;
}

int sottod__call_start(sottod_call *call, char *err, size_t errlen)
{
    int rc = sotto_transport_gather(call->transport);

    if (rc < 0)
        snprintf(err, errlen, "ICE gathering failed: %s", strerror(-rc));
    return rc;
}

int sottod__call_restart_ice(sottod_call *call)
{
    if (!call->transport || !call->gathering_done)
        return -EAGAIN;
    call->candidate_count = 0;
    call->gathering_done = 0;
    call->ice_restarting = 1;
    call->ice_restarts++;
    return sotto_transport_restart_ice(call->transport);
}

void sottod__call_description_ready(sottod_call *call)
{
    description_ready(call);
}

/* Our description is complete (all candidates): send it on its way. */
static void description_ready(sottod_call *call)
{
    char *sdp = malloc(SOTTO_SDP_MAX_TEXT), *token = NULL;
    char err[256] = "";
    int rc;

    if (!sdp) {
        sottod__call_end(call, "out of memory");
        return;
    }
    rc = call->outgoing ? sottod__build_offer(call, sdp, SOTTO_SDP_MAX_TEXT, err, sizeof(err))
                        : sottod__build_answer(call, sdp, SOTTO_SDP_MAX_TEXT, err, sizeof(err));
    if (rc == 0 && call->signalling == SIGNAL_TOKEN)
        rc = sotto_token_encode(sdp, strlen(sdp), &token, err, sizeof(err));
    if (rc < 0) {
        free(sdp);
        sottod__call_end(call, err[0] ? err : "cannot build the session description");
        return;
    }
    if (call->signalling == SIGNAL_TOKEN) {
        sotto_control_finish(call->pending,
                             json_pack("{s:s, s:s, s:i}", "id", call->id, "token", token,
                                       "sdp_bytes", (int)strlen(sdp)),
                             NULL, NULL);
        call->pending = NULL;
        sottod__call_set_state(call, call->outgoing ? CALL_OFFERED : CALL_CONNECTING);
    } else if (call->signalling == SIGNAL_JANUS) {
        sottod__janus_description_ready(call, sdp);
    } else {
        sottod__http_description_ready(call, sdp);
    }
    free(token);
    free(sdp);
}

int sottod_calls_create(sottod_calls **out, const sottod_calls_params *p, char *err, size_t errlen)
{
    sottod_calls *mgr;
    char dir[SOTTO_CONFIG_PATH_MAX];
    const char *state = p->cfg->network.state_dir;
    int rc;

    mgr = calloc(1, sizeof(*mgr));
    if (!mgr)
        return -ENOMEM;
    mgr->loop = p->loop;
    mgr->cfg = p->cfg;
    mgr->control = p->control;
    mgr->rate = p->rate;
    if (!state[0]) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

        if (xdg && xdg[0] == '/')
            snprintf(dir, sizeof(dir), "%s/sotto", xdg);
        else if (geteuid() == 0)
            snprintf(dir, sizeof(dir), "/var/lib/sotto");
        else
            snprintf(dir, sizeof(dir), "%s/.local/state/sotto", home ? home : "/tmp");
        state = dir;
    }
    snprintf(mgr->contacts_path, sizeof(mgr->contacts_path), "%s/contacts", state);
    rc = sottod_make_dirs(state, err, errlen);
    if (rc == 0)
        rc = sotto_identity_load_or_create(&mgr->identity, state, err, errlen);
    if (rc == 0)
        rc = sottod__http_start(mgr, err, errlen);
    if (rc < 0) {
        sotto_identity_destroy(&mgr->identity);
        free(mgr);
        return rc;
    }
    *out = mgr;
    return 0;
}

void sottod_calls_set_config(sottod_calls *calls, const sotto_config *cfg)
{
    if (calls)
        calls->cfg = cfg;
}

void sottod_calls_set_control(sottod_calls *calls, sotto_control *control)
{
    if (calls)
        calls->control = control;
}

void sottod_calls_close(sottod_calls *mgr, void (*done)(void *), void *opaque)
{
    sottod_call *c;

    if (!mgr)
        return;
    mgr->closing = 1;
    mgr->done = done;
    mgr->done_opaque = opaque;
    for (c = mgr->calls; c; c = c->next)
        sottod__call_end(c, "daemon shutting down");
    sottod__http_stop(mgr);
    if (!mgr->calls) {
        sotto_identity_destroy(&mgr->identity);
        if (done)
            done(opaque);
        free(mgr);
    }
}

void sottod_calls_set_voice(sottod_calls *mgr, const sotto_voice *voice)
{
    if (mgr)
        mgr->voice = voice;
}

/* What the capture chain's voice activity said of the frame just
 * processed (a new speech block since the last frame): 1 or 0; -1 when
 * there is no chain or it does not detect voice. */
static int capture_speech(sottod_calls *mgr)
{
    sotto_voice_stats vs;
    int speech;

    if (!mgr || !mgr->voice || !mgr->cfg->audio.voice_activity)
        return -1;
    sotto_voice_get_stats(mgr->voice, &vs);
    speech = vs.speech_blocks != mgr->speech_blocks;
    mgr->speech_blocks = vs.speech_blocks;
    return speech;
}

int sottod_calls_audio(sottod_calls *mgr, const int16_t *pcm, size_t samples, int16_t *play)
{
    sottod_call *c;
    int active = 0, speech = capture_speech(mgr);

    if (!mgr || samples > sizeof(mgr->play_buf) / sizeof(mgr->play_buf[0]))
        return 0;
    /* Every active call hears the microphone; what they play is summed
     * (clipped), as a phone with two lines open does. */
    for (c = mgr->calls; c; c = c->next) {
        if (c->state != CALL_ACTIVE || !c->media)
            continue;
        sotto_media_set_speech(c->media, speech);
        if (!active) {
            sotto_media_tick(c->media, pcm, samples, play, sottod__now_us());
        } else {
            sotto_media_tick(c->media, pcm, samples, mgr->play_buf, sottod__now_us());
            for (size_t i = 0; i < samples; i++) {
                int32_t sum = (int32_t)play[i] + mgr->play_buf[i];

                play[i] = (int16_t)(sum > INT16_MAX   ? INT16_MAX
                                    : sum < INT16_MIN ? INT16_MIN
                                                      : sum);
            }
        }
        active++;
    }
    return active > 0;
}

json_t *sottod_calls_status(const sottod_calls *mgr)
{
    const sottod_call *c;
    int active = 0, total = 0;

    if (!mgr)
        return json_pack("{s:i, s:i}", "calls", 0, "active", 0);
    for (c = mgr->calls; c; c = c->next) {
        total += c->state != CALL_ENDED;
        active += c->state == CALL_ACTIVE;
    }
    return json_pack("{s:i, s:i, s:s, s:i}", "calls", total, "active", active, "fingerprint",
                     sotto_identity_fingerprint(mgr->identity), "http_port", mgr->http_port);
}
