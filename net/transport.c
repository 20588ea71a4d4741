/* One call's ICE + DTLS + SRTP; see transport.h. */
#include "net/err.h"
#include "net/transport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/dtls.h"
#include "net/glib_uv.h"

/* Largest RTP/RTCP packet accepted for sending: room for the SRTP tag and
 * the SRTCP index within SOTTO_TRANSPORT_MAX_PACKET. */
#define MEDIA_MAX (SOTTO_TRANSPORT_MAX_PACKET - 20)

struct sotto_transport {
    uv_loop_t *loop;                /* not owned */
    uv_idle_t reaper;               /* runs a teardown deferred out of a callback */
    uv_timer_t ice_grace;           /* a provisional ICE failure becomes final */
    int open_handles;               /* reaper and ice_grace: freed when both closed */
    sotto_glib_uv *glue;            /* owned: this call's GLib context */
    sotto_ice *ice;                 /* owned */
    sotto_dtls *dtls;               /* owned; created once the role is known */
    sotto_srtp *srtp;               /* owned; created once DTLS is verified */
    const sotto_identity *identity; /* not owned */
    sotto_transport_state state;    /* starts NEW */
    sotto_srtp_profile profile;     /* negotiated; NONE until SECURE */
    int offerer;                    /* 1 = ICE controlling, a=setup:actpass */
    int role_decided;               /* set_remote has fixed role */
    sotto_dtls_role role;
    int ice_connected;                        /* ICE has worked at least once */
    int ice_attempt_connected;                /* ... since it was last (re)started */
    uint8_t remote_fp[SOTTO_FINGERPRINT_LEN]; /* from the first set_remote */
    sotto_srtp_profile profiles[SOTTO_SRTP_PROFILE_COUNT];
    size_t profile_count;     /* 0 = DTLS defaults */
    unsigned dtls_mtu;        /* bytes; default 1200 */
    unsigned dtls_timeout_ms; /* default 20000 */
    unsigned link_kbps;       /* for DTLS retransmission timing; 0 = fast */
    int depth;                /* user callbacks on the stack */
    int closing;              /* destroy was called: no more callbacks */
    char fingerprint[sizeof(SOTTO_DTLS_FINGERPRINT_PREFIX) + SOTTO_FINGERPRINT_TEXT];
    uint8_t rx_buf[SOTTO_TRANSPORT_MAX_PACKET]; /* in-place SRTP unprotect */
    uint8_t tx_buf[SOTTO_TRANSPORT_MAX_PACKET + SOTTO_SRTP_MAX_OVERHEAD]; /* in-place protect */
    sotto_transport_stats stats;
    sotto_transport_candidate_cb on_candidate;
    sotto_transport_state_cb on_state;
    sotto_transport_packet_cb on_packet;
    sotto_transport_wire_cb on_wire;
    void *opaque;
};

const char *sotto_transport_state_name(sotto_transport_state state)
{
    switch (state) {
    case SOTTO_TRANSPORT_NEW:
        return "new";
    case SOTTO_TRANSPORT_ICE_CONNECTED:
        return "ice-connected";
    case SOTTO_TRANSPORT_SECURE:
        return "secure";
    case SOTTO_TRANSPORT_FAILED:
        return "failed";
    }
    return "unknown";
}

/* User callbacks go through these: none after destroy, and depth tells
 * destroy whether it is being called from inside one. */
static void notify_state(sotto_transport *t, sotto_transport_state state, const char *reason)
{
    if (t->closing)
        return;
    t->depth++;
    t->on_state(t->opaque, state, reason);
    t->depth--;
}

static void notify_candidate(sotto_transport *t, const char *candidate)
{
    if (t->closing)
        return;
    t->depth++;
    t->on_candidate(t->opaque, candidate);
    t->depth--;
}

static void notify_packet(sotto_transport *t, const uint8_t *pkt, size_t len, int is_rtcp)
{
    if (t->closing)
        return;
    t->depth++;
    t->on_packet(t->opaque, pkt, len, is_rtcp);
    t->depth--;
}

static void tap(sotto_transport *t, int outbound, const uint8_t *data, size_t len)
{
    if (!t->on_wire || t->closing)
        return;
    t->depth++;
    t->on_wire(t->opaque, outbound, data, len);
    t->depth--;
}

static void set_state(sotto_transport *t, sotto_transport_state state)
{
    if (t->state == state || t->state == SOTTO_TRANSPORT_FAILED)
        return;
    t->state = state;
    notify_state(t, state, NULL);
}

static void transport_fail(sotto_transport *t, const char *reason)
{
    if (t->state == SOTTO_TRANSPORT_FAILED)
        return;
    t->state = SOTTO_TRANSPORT_FAILED;
    notify_state(t, SOTTO_TRANSPORT_FAILED, reason);
}

static int send_datagram(sotto_transport *t, const uint8_t *data, size_t len)
{
    int rc;

    tap(t, 1, data, len);
    rc = sotto_ice_send(t->ice, data, len);
    if (rc != 0)
        t->stats.send_failed++;
    return rc;
}

/* ---- DTLS ---- */

static int dtls_send(void *opaque, const uint8_t *data, size_t len)
{
    return send_datagram(opaque, data, len);
}

static void dtls_connected(void *opaque, const sotto_srtp_keys *keys)
{
    sotto_transport *t = opaque;
    char reason[96];
    int rc = sotto_srtp_create(&t->srtp, keys);

    if (rc != 0) {
        snprintf(reason, sizeof(reason), "SRTP setup failed: %s", strerror(-rc));
        transport_fail(t, reason);
        return;
    }
    t->profile = keys->profile;
    set_state(t, SOTTO_TRANSPORT_SECURE);
}

static void dtls_failed(void *opaque, const char *reason)
{
    transport_fail(opaque, reason);
}

static void maybe_start_dtls(sotto_transport *t)
{
    if (t->dtls && t->ice_connected && sotto_dtls_get_state(t->dtls) == SOTTO_DTLS_NEW)
        sotto_dtls_start(t->dtls);
}

static void feed_dtls(sotto_transport *t, const uint8_t *data, size_t len)
{
    int rc = sotto_dtls_receive(t->dtls, data, len);

    if (rc == -EBADMSG)
        t->stats.dropped_malformed++;
    else if (rc == 0)
        t->stats.dtls_received++;
}

/* Until set_remote there is no DTLS object. The peer cannot be sending
 * DTLS yet anyway: libnice holds its connectivity checks until it knows
 * the peer's credentials, which arrive in the same set_remote call. */
static void on_dtls_datagram(sotto_transport *t, const uint8_t *data, size_t len)
{
    if (!t->dtls) {
        t->stats.dropped_not_secure++;
        return;
    }
    feed_dtls(t, data, len);
}

/* ---- SRTP ---- */

static void on_srtp_datagram(sotto_transport *t, const uint8_t *data, size_t len)
{
    int is_rtcp = sotto_srtp_is_rtcp(data, len);
    size_t plain_len = 0;
    int rc;

    if (len < (is_rtcp ? 8u : 12u)) {
        t->stats.dropped_malformed++;
        return;
    }
    if (!t->srtp) {
        t->stats.dropped_not_secure++;
        return;
    }
    memcpy(t->rx_buf, data, len);
    rc = sotto_srtp_unprotect(t->srtp, t->rx_buf, len, is_rtcp, &plain_len);
    if (rc == -EBADMSG) {
        t->stats.dropped_auth++;
        return;
    }
    if (rc == -EALREADY) {
        t->stats.dropped_replay++;
        return;
    }
    if (rc != 0) {
        t->stats.dropped_malformed++;
        return;
    }
    if (is_rtcp)
        t->stats.rtcp_received++;
    else
        t->stats.rtp_received++;
    notify_packet(t, t->rx_buf, plain_len, is_rtcp);
}

/* ---- ICE ---- */

static void ice_candidate(void *opaque, const char *candidate)
{
    notify_candidate(opaque, candidate);
}

static void ice_gathering_done(void *opaque)
{
    notify_candidate(opaque, NULL);
}

static void on_ice_grace(uv_timer_t *timer)
{
    sotto_transport *t = timer->data;

    if (!t->closing && !t->ice_attempt_connected)
        transport_fail(t, "ICE: no candidate pair works");
}

static void ice_state(void *opaque, sotto_ice_state state)
{
    sotto_transport *t = opaque;

    if (state == SOTTO_ICE_CONNECTED || state == SOTTO_ICE_READY) {
        t->ice_attempt_connected = 1;
        uv_timer_stop(&t->ice_grace);
        if (t->ice_connected)
            return;
        t->ice_connected = 1;
        set_state(t, SOTTO_TRANSPORT_ICE_CONNECTED);
        maybe_start_dtls(t);
    } else if (state == SOTTO_ICE_FAILED) {
        if (t->ice_attempt_connected) {
            transport_fail(t, "ICE: connectivity lost (consent expired)");
            return;
        }
        /* Not final yet: libnice reports FAILED when its own checks are
         * done but the peer's nomination has not arrived (lost on a lossy
         * link), and goes on to CONNECTED when a late check or nomination
         * comes. Give the peer's retransmissions that long. */
        t->stats.ice_provisional_failures++;
        if (!uv_is_active((uv_handle_t *)&t->ice_grace))
            uv_timer_start(&t->ice_grace, on_ice_grace, SOTTO_TRANSPORT_ICE_FAIL_GRACE_MS, 0);
    }
}

/* RFC 7983 section 7: the first byte says which protocol a datagram is. */
static void ice_receive(void *opaque, const uint8_t *data, size_t len)
{
    sotto_transport *t = opaque;

    if (t->closing || t->state == SOTTO_TRANSPORT_FAILED)
        return;
    tap(t, 0, data, len);
    if (len == 0 || len > SOTTO_TRANSPORT_MAX_PACKET) {
        t->stats.dropped_malformed++;
    } else if (data[0] <= 3) {
        t->stats.dropped_stun++;
    } else if (data[0] >= 20 && data[0] <= 63) {
        on_dtls_datagram(t, data, len);
    } else if (data[0] >= 128 && data[0] <= 191) {
        on_srtp_datagram(t, data, len);
    } else {
        t->stats.dropped_malformed++;
    }
}

/* ---- lifecycle ---- */

void sotto_transport_params_default(sotto_transport_params *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    sotto_ice_config_default(&out->ice);
    out->dtls_mtu = 1200;
    out->dtls_timeout_ms = 20000;
}

static int make_ice(sotto_transport *t, const sotto_transport_params *p, char *err, size_t errlen)
{
    sotto_ice_params ip;

    sotto_ice_params_default(&ip);
    ip.controlling = p->offerer;
    ip.config = p->ice;
    ip.on_candidate = ice_candidate;
    ip.on_gathering_done = ice_gathering_done;
    ip.on_state = ice_state;
    ip.on_receive = ice_receive;
    ip.opaque = t;
    return sotto_ice_create(&t->ice, t->glue, &ip, err, errlen);
}

static void free_transport(uv_handle_t *h)
{
    sotto_transport *t = h->data;

    if (--t->open_handles == 0)
        free(t);
}

static void release_glue(void *glue)
{
    sotto_glib_uv *g = glue;

    sotto_glib_uv_destroy(&g);
}

static void teardown(sotto_transport *t)
{
    if (t->state == SOTTO_TRANSPORT_SECURE)
        sotto_dtls_close_notify(t->dtls);
    sotto_dtls_destroy(&t->dtls);
    sotto_srtp_destroy(&t->srtp);
    /* The glue drives the agent's release of its TURN allocations, so it
     * goes when that is done. */
    if (t->ice)
        sotto_ice_close(&t->ice, release_glue, t->glue);
    else
        sotto_glib_uv_destroy(&t->glue);
    t->glue = NULL;
    uv_close((uv_handle_t *)&t->ice_grace, free_transport);
    uv_close((uv_handle_t *)&t->reaper, free_transport);
}

int sotto_transport_create(sotto_transport **out_t, uv_loop_t *loop,
                           const sotto_transport_params *params, char *err, size_t errlen)
{
    sotto_transport *t;
    int rc;

    if (!out_t || !loop || !params || !params->identity || !params->on_candidate ||
        !params->on_state || !params->on_packet ||
        params->profile_count > SOTTO_SRTP_PROFILE_COUNT) {
        sotto__net_errf(
            err, errlen,
            "transport: identity and the candidate, state and packet callbacks are required");
        return -EINVAL;
    }
    t = calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->loop = loop;
    uv_idle_init(loop, &t->reaper);
    t->reaper.data = t;
    uv_timer_init(loop, &t->ice_grace);
    t->ice_grace.data = t;
    t->open_handles = 2;
    t->identity = params->identity;
    t->offerer = params->offerer ? 1 : 0;
    memcpy(t->profiles, params->profiles, sizeof(t->profiles));
    t->profile_count = params->profile_count;
    t->dtls_mtu = params->dtls_mtu;
    t->dtls_timeout_ms = params->dtls_timeout_ms;
    t->link_kbps = params->link_kbps;
    t->on_candidate = params->on_candidate;
    t->on_state = params->on_state;
    t->on_packet = params->on_packet;
    t->on_wire = params->on_wire;
    t->opaque = params->opaque;
    snprintf(t->fingerprint, sizeof(t->fingerprint), "%s %s", SOTTO_DTLS_FINGERPRINT_PREFIX,
             sotto_identity_fingerprint(params->identity));
    rc = sotto_glib_uv_create(&t->glue, loop);
    if (rc == 0)
        rc = make_ice(t, params, err, errlen);
    if (rc != 0)
        goto fail;
    *out_t = t;
    return 0;
fail:
    teardown(t);
    return rc;
}

static void on_reap(uv_idle_t *h)
{
    uv_idle_stop(h);
    teardown(h->data);
}

void sotto_transport_destroy(sotto_transport **t)
{
    sotto_transport *x;

    if (!t || !*t)
        return;
    x = *t;
    *t = NULL;
    x->closing = 1;
    if (x->depth > 0)
        uv_idle_start(&x->reaper, on_reap);
    else
        teardown(x);
}

/* ---- signalling ---- */

int sotto_transport_gather(sotto_transport *t)
{
    return t ? sotto_ice_gather(t->ice) : -EINVAL;
}

int sotto_transport_local_ice_credentials(const sotto_transport *t, char *ufrag, size_t ufrag_size,
                                          char *pwd, size_t pwd_size)
{
    return t ? sotto_ice_get_local_credentials(t->ice, ufrag, ufrag_size, pwd, pwd_size) : -EINVAL;
}

const char *sotto_transport_local_fingerprint(const sotto_transport *t)
{
    return t ? t->fingerprint : "";
}

const char *sotto_transport_local_setup(const sotto_transport *t)
{
    if (!t || !t->role_decided)
        return "actpass";
    return t->role == SOTTO_DTLS_CLIENT ? "active" : "passive";
}

/* RFC 5763 section 5 / RFC 8842 section 5.1. */
static int role_from_setup(const sotto_transport *t, const char *setup, sotto_dtls_role *out_role)
{
    if (strcasecmp(setup, "active") == 0)
        *out_role = SOTTO_DTLS_SERVER;
    else if (strcasecmp(setup, "passive") == 0)
        *out_role = SOTTO_DTLS_CLIENT;
    else if (strcasecmp(setup, "actpass") == 0 && !t->offerer)
        *out_role = SOTTO_DTLS_CLIENT;
    else
        return -EINVAL;
    return 0;
}

static int make_dtls(sotto_transport *t, const char *fingerprint)
{
    sotto_dtls_params dp;

    sotto_dtls_params_default(&dp);
    dp.role = t->role;
    dp.identity = t->identity;
    dp.remote_fingerprint = fingerprint;
    memcpy(dp.profiles, t->profiles, sizeof(dp.profiles));
    dp.profile_count = t->profile_count;
    if (t->dtls_mtu)
        dp.mtu = t->dtls_mtu;
    if (t->dtls_timeout_ms)
        dp.handshake_timeout_ms = t->dtls_timeout_ms;
    dp.link_kbps = t->link_kbps;
    dp.send = dtls_send;
    dp.on_connected = dtls_connected;
    dp.on_failed = dtls_failed;
    dp.opaque = t;
    return sotto_dtls_create(&t->dtls, t->loop, &dp, NULL, 0);
}

int sotto_transport_set_remote(sotto_transport *t, const sotto_transport_remote *remote)
{
    uint8_t fp[SOTTO_FINGERPRINT_LEN];
    sotto_dtls_role role;
    int rc;

    if (!t || !remote || !remote->ice_ufrag || !remote->ice_pwd || !remote->fingerprint ||
        !remote->setup)
        return -EINVAL;
    if (t->state == SOTTO_TRANSPORT_FAILED)
        return -EPIPE;
    rc = sotto_dtls_parse_fingerprint(remote->fingerprint, fp);
    if (rc != 0)
        return rc;
    if (t->role_decided) {
        /* A re-offer after an ICE restart keeps the DTLS association. */
        if (memcmp(fp, t->remote_fp, sizeof(fp)) != 0)
            return -EINVAL;
        return sotto_ice_set_remote_credentials(t->ice, remote->ice_ufrag, remote->ice_pwd);
    }
    rc = role_from_setup(t, remote->setup, &role);
    if (rc == 0)
        rc = sotto_ice_set_remote_credentials(t->ice, remote->ice_ufrag, remote->ice_pwd);
    if (rc != 0)
        return rc;
    t->role = role;
    rc = make_dtls(t, remote->fingerprint);
    if (rc != 0)
        return rc;
    t->role_decided = 1;
    memcpy(t->remote_fp, fp, sizeof(fp));
    maybe_start_dtls(t);
    return 0;
}

int sotto_transport_add_remote_candidate(sotto_transport *t, const char *candidate)
{
    return t ? sotto_ice_add_remote_candidate(t->ice, candidate) : -EINVAL;
}

int sotto_transport_remote_candidates_done(sotto_transport *t)
{
    return t ? sotto_ice_remote_candidates_done(t->ice) : -EINVAL;
}

int sotto_transport_restart_ice(sotto_transport *t)
{
    if (!t)
        return -EINVAL;
    if (t->state == SOTTO_TRANSPORT_FAILED)
        return -EPIPE;
    t->ice_attempt_connected = 0;
    uv_timer_stop(&t->ice_grace);
    return sotto_ice_restart(t->ice);
}

/* ---- media ---- */

static int send_media(sotto_transport *t, const uint8_t *pkt, size_t len, int is_rtcp)
{
    size_t out_len = 0;
    int rc;

    if (!t || !pkt || len < (is_rtcp ? 8u : 12u) || (pkt[0] >> 6) != 2 ||
        sotto_srtp_is_rtcp(pkt, len) != is_rtcp)
        return -EINVAL;
    if (len > MEDIA_MAX)
        return -EMSGSIZE;
    if (t->state == SOTTO_TRANSPORT_FAILED)
        return -EPIPE;
    /* Checked before protecting: a protected packet uses up its SRTP index
     * even when ICE then drops it. */
    if (!t->srtp || !sotto_ice_can_send(t->ice))
        return -EAGAIN;
    memcpy(t->tx_buf, pkt, len);
    rc = is_rtcp ? sotto_srtp_protect_rtcp(t->srtp, t->tx_buf, len, sizeof(t->tx_buf), &out_len)
                 : sotto_srtp_protect_rtp(t->srtp, t->tx_buf, len, sizeof(t->tx_buf), &out_len);
    if (rc != 0)
        return rc;
    rc = send_datagram(t, t->tx_buf, out_len);
    if (rc != 0)
        return -EAGAIN;
    if (is_rtcp)
        t->stats.rtcp_sent++;
    else
        t->stats.rtp_sent++;
    return 0;
}

int sotto_transport_send_rtp(sotto_transport *t, const uint8_t *pkt, size_t len)
{
    return send_media(t, pkt, len, 0);
}

int sotto_transport_send_rtcp(sotto_transport *t, const uint8_t *pkt, size_t len)
{
    return send_media(t, pkt, len, 1);
}

/* ---- queries ---- */

sotto_transport_state sotto_transport_get_state(const sotto_transport *t)
{
    return t ? t->state : SOTTO_TRANSPORT_FAILED;
}

sotto_srtp_profile sotto_transport_profile(const sotto_transport *t)
{
    return (t && t->state == SOTTO_TRANSPORT_SECURE) ? t->profile : SOTTO_SRTP_NONE;
}

int sotto_transport_get_stats(const sotto_transport *t, sotto_transport_stats *out)
{
    if (!t || !out)
        return -EINVAL;
    *out = t->stats;
    return 0;
}

int sotto_transport_describe_path(const sotto_transport *t, char *buf, size_t size)
{
    return t ? sotto_ice_describe_selected_pair(t->ice, buf, size) : -EINVAL;
}
