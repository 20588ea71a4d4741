/* Secure transport end to end: two transports over loopback in one
 * process and one libuv loop, directly or through an on-path UDP relay.
 * The building blocks' own cases are in transport_units.c (same suite). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/dtls.h"
#include "net/identity.h"
#include "net/transport.h"
#include "tests/transport_test.h"

/* _i: profile index * 2 + which side offers. */
START_TEST(transport_carries_media_for_each_profile_and_role)
{
    harness h;
    sotto_srtp_profile profile = all_profiles[_i / 2];
    int a_offers = _i % 2 == 0;
    sotto_transport_stats sa, sb;
    char path[128];

    harness_init(&h);
    harness_connect(&h, a_offers, profile, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert_msg(h.a.state == SOTTO_TRANSPORT_SECURE, "a: %s", h.a.reason);
    ck_assert_msg(h.b.state == SOTTO_TRANSPORT_SECURE, "b: %s", h.b.reason);
    ck_assert_int_eq(sotto_transport_profile(h.a.t), profile);
    ck_assert_int_eq(sotto_transport_profile(h.b.t), profile);
    ck_assert_int_eq(sotto_transport_describe_path(h.a.t, path, sizeof(path)), 0);
    ck_assert_ptr_nonnull(strstr(path, "127.0.0.1:"));

    send_media(&h);
    ck_assert_int_eq(h.a.rtp_ok, PACKETS);
    ck_assert_int_eq(h.b.rtp_ok, PACKETS);
    ck_assert_int_eq(h.a.rtp_bad + h.b.rtp_bad, 0);
    ck_assert_int_eq(h.a.rtcp_ok, 1);
    ck_assert_int_eq(h.b.rtcp_ok, 1);
    ck_assert_int_eq(sotto_transport_get_stats(h.a.t, &sa), 0);
    ck_assert_int_eq(sotto_transport_get_stats(h.b.t, &sb), 0);
    ck_assert_uint_eq(sa.rtp_sent, PACKETS);
    ck_assert_uint_eq(sb.rtp_received, PACKETS);
    ck_assert_uint_eq(sa.rtcp_received, 1);
    ck_assert_uint_eq(sa.dropped_auth + sa.dropped_malformed + sa.dropped_replay, 0);
    ck_assert_uint_eq(sb.dropped_auth + sb.dropped_malformed + sb.dropped_replay, 0);
    ck_assert_uint_gt(sa.dtls_received, 0);
    harness_close(&h);
}
END_TEST

START_TEST(transport_sends_only_ciphertext)
{
    harness h;

    harness_init(&h);
    harness_connect(&h, 1, SOTTO_SRTP_NONE, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert_int_eq(h.a.state, SOTTO_TRANSPORT_SECURE);
    /* With both defaults, the first preference wins. */
    ck_assert_int_eq(sotto_transport_profile(h.a.t), SOTTO_SRTP_AEAD_AES_128_GCM);
    send_media(&h);
    ck_assert_int_eq(h.b.rtp_ok, PACKETS);
    /* Every media datagram that left either side was SRTP, and none held
     * the plaintext payload marker. */
    ck_assert_int_eq(h.a.srtp_out, PACKETS + 1);
    ck_assert_int_eq(h.b.srtp_out, PACKETS + 1);
    ck_assert_int_eq(h.a.plaintext_out + h.b.plaintext_out, 0);
    harness_close(&h);
}
END_TEST

/* _i 0: the DTLS server (offerer a) holds the wrong fingerprint; 1: the
 * client (answerer b) does. */
START_TEST(transport_wrong_fingerprint_fails_with_clear_reason)
{
    harness h;
    const char *victim = _i == 0 ? "a" : "b";
    peer *v;
    uint8_t pkt[SOTTO_TRANSPORT_MAX_PACKET];
    size_t len;

    harness_init(&h);
    harness_connect(&h, 1, SOTTO_SRTP_NONE, victim);
    v = _i == 0 ? &h.a : &h.b;
    ck_assert(run_until(&h.loop, both_failed, &h, 8000));
    ck_assert_str_eq(v->reason, SOTTO_DTLS_REASON_FINGERPRINT);
    ck_assert_int_eq(v->failed_events, 1);
    ck_assert_int_eq(v->other->failed_events, 1);
    ck_assert_uint_gt(strlen(v->other->reason), 0);
    len = build_rtp(pkt, 1, 1);
    ck_assert_int_eq(sotto_transport_send_rtp(h.a.t, pkt, len), -EPIPE);
    ck_assert_int_eq(sotto_transport_profile(h.a.t), SOTTO_SRTP_NONE);
    harness_close(&h);
}
END_TEST

START_TEST(transport_relay_sees_only_ciphertext)
{
    harness h;

    harness_init(&h);
    relay_open(&h);
    harness_connect(&h, 0, SOTTO_SRTP_AES128_CM_SHA1_80, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert_msg(h.b.state == SOTTO_TRANSPORT_SECURE, "b: %s", h.b.reason);
    send_media(&h);
    ck_assert_int_eq(h.b.rtp_ok, PACKETS);
    /* An on-path observer saw every packet, none in the clear. */
    ck_assert_int_eq(h.relay.srtp_to_b, PACKETS + 1);
    ck_assert_int_eq(h.relay.plaintext_seen, 0);
    harness_close(&h);
}
END_TEST

typedef struct drop_wait {
    harness *h;
    uint64_t target; /* total drops to wait for at b */
} drop_wait;

static uint64_t dropped_total(const sotto_transport *t)
{
    sotto_transport_stats st;

    ck_assert_int_eq(sotto_transport_get_stats(t, &st), 0);
    return st.dropped_malformed + st.dropped_auth + st.dropped_replay + st.dropped_stun +
           st.dropped_not_secure;
}

static int drops_reached(void *arg)
{
    drop_wait *w = arg;

    return dropped_total(w->h->b.t) >= w->target;
}

static void send_one_rtp(harness *h, uint16_t seq)
{
    uint8_t pkt[SOTTO_TRANSPORT_MAX_PACKET];
    size_t len = build_rtp(pkt, seq, 0xC0FFEE);

    ck_assert_int_eq(sotto_transport_send_rtp(h->a.t, pkt, len), 0);
}

static int b_got_51(void *arg)
{
    const harness *h = arg;

    return h->b.rtp_ok + h->b.rtp_bad >= PACKETS + 1;
}

START_TEST(transport_counts_and_ignores_garbage)
{
    harness h;
    uint8_t junk[SOTTO_TRANSPORT_MAX_PACKET + 100];
    uint8_t dtls_bad[16] = { 22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 1, 2, 3 };
    sotto_transport_stats st;
    drop_wait w = { &h, 0 };

    harness_init(&h);
    relay_open(&h);
    harness_connect(&h, 1, SOTTO_SRTP_NONE, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert_msg(h.b.state == SOTTO_TRANSPORT_SECURE, "b: %s", h.b.reason);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 31 + 5);

    /* Outside every RFC 7983 range; DTLS whose length runs past the end;
     * an RTP runt; an oversize datagram: all malformed. */
    junk[0] = 0x50;
    relay_inject_to_b(&h, junk, 40);
    relay_inject_to_b(&h, dtls_bad, sizeof(dtls_bad));
    junk[0] = 0x80;
    relay_inject_to_b(&h, junk, 5);
    relay_inject_to_b(&h, junk, sizeof(junk));
    /* SRTP-looking noise fails authentication. */
    relay_inject_to_b(&h, junk, 200);
    /* STUN-range bytes that are not valid STUN: libnice passes them up. */
    junk[0] = 0x01;
    relay_inject_to_b(&h, junk, 60);
    memcpy(junk, "\x00\x01\x00\x08", 4); /* binding request claiming 8 bytes, no cookie */
    relay_inject_to_b(&h, junk, 28);
    w.target = 7;
    ck_assert(run_until(&h.loop, drops_reached, &w, 2000));
    ck_assert_int_eq(sotto_transport_get_stats(h.b.t, &st), 0);
    ck_assert_uint_eq(st.dropped_malformed, 4);
    ck_assert_uint_eq(st.dropped_auth, 1);
    ck_assert_uint_eq(st.dropped_stun, 2);

    send_media(&h);
    /* A genuine packet replayed, and a fresh one altered on the way. */
    ck_assert_uint_gt(h.relay.last_srtp_len, 20);
    relay_inject_to_b(&h, h.relay.last_srtp, h.relay.last_srtp_len);
    h.relay.tamper_next = 1;
    send_one_rtp(&h, PACKETS);
    w.target = 9;
    ck_assert(run_until(&h.loop, drops_reached, &w, 2000));
    send_one_rtp(&h, PACKETS + 1);
    ck_assert(run_until(&h.loop, b_got_51, &h, 2000));
    ck_assert_int_eq(sotto_transport_get_stats(h.b.t, &st), 0);
    ck_assert_uint_eq(st.dropped_replay, 1);
    ck_assert_uint_eq(st.dropped_auth, 2);
    ck_assert_uint_eq(st.dropped_malformed, 4);
    /* Nothing damaged reached the application and the call goes on. */
    ck_assert_int_eq(h.b.rtp_bad, 0);
    ck_assert_int_eq(h.b.rtp_ok, PACKETS + 1);
    ck_assert_int_eq(h.b.next_seq, PACKETS + 2);
    ck_assert_int_eq(h.b.rtcp_ok, 1);
    ck_assert_int_eq(h.b.state, SOTTO_TRANSPORT_SECURE);
    harness_close(&h);
}
END_TEST

static int a_failed(void *arg)
{
    const harness *h = arg;

    return h->a.state == SOTTO_TRANSPORT_FAILED;
}

static int b_failed(void *arg)
{
    const harness *h = arg;

    return h->b.state == SOTTO_TRANSPORT_FAILED;
}

START_TEST(transport_destroyed_from_its_callback_closes_cleanly)
{
    harness h;

    harness_init(&h);
    h.a.destroy_on_secure = 1;
    harness_connect(&h, 1, SOTTO_SRTP_NONE, NULL);
    /* a destroys itself inside its SECURE callback; its close_notify then
     * tells b the call is over. */
    ck_assert(run_until(&h.loop, b_failed, &h, 8000));
    ck_assert_ptr_null(h.a.t);
    ck_assert_int_eq(h.a.state, SOTTO_TRANSPORT_SECURE);
    ck_assert_str_eq(h.b.reason, "DTLS: the peer closed the association");
    harness_close(&h);
}
END_TEST

START_TEST(transport_validates_arguments_and_order)
{
    harness h;
    sotto_transport_params tp;
    sotto_transport *t = NULL;
    sotto_transport_remote r;
    uint8_t pkt[SOTTO_TRANSPORT_MAX_PACKET + 8];
    char ufrag[SOTTO_ICE_UFRAG_MAX], pwd[SOTTO_ICE_PWD_MAX];
    char fp[sizeof(SOTTO_DTLS_FINGERPRINT_PREFIX) + SOTTO_FINGERPRINT_TEXT];
    char err[256] = "";
    size_t len;

    harness_init(&h);
    sotto_transport_params_default(&tp);
    ck_assert_int_eq(sotto_transport_create(&t, &h.loop, &tp, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "required"));
    ck_assert_ptr_null(t);

    peer_create(&h, &h.a, 1, SOTTO_SRTP_NONE);
    ck_assert_str_eq(sotto_transport_state_name(sotto_transport_get_state(h.a.t)), "new");
    snprintf(fp, sizeof(fp), "%s", sotto_transport_local_fingerprint(h.a.t));
    ck_assert_int_eq(strncmp(fp, "sha-256 ", 8), 0);
    ck_assert_str_eq(fp + 8, sotto_identity_fingerprint(h.id_a));

    /* Media and candidates before their time. */
    len = build_rtp(pkt, 1, 1);
    ck_assert_int_eq(sotto_transport_send_rtp(h.a.t, pkt, len), -EAGAIN);
    ck_assert_int_eq(sotto_transport_add_remote_candidate(
                         h.a.t, "candidate:1 1 UDP 2015364095 127.0.0.1 5000 typ host"),
                     -EAGAIN);
    /* Packets that are not what the call says. */
    ck_assert_int_eq(sotto_transport_send_rtp(h.a.t, pkt, 11), -EINVAL);
    pkt[1] = 200;
    ck_assert_int_eq(sotto_transport_send_rtp(h.a.t, pkt, len), -EINVAL);
    ck_assert_int_eq(sotto_transport_send_rtcp(h.a.t, pkt, 7), -EINVAL);
    pkt[1] = 111;
    ck_assert_int_eq(sotto_transport_send_rtcp(h.a.t, pkt, len), -EINVAL);
    ck_assert_int_eq(sotto_transport_send_rtp(h.a.t, pkt, sizeof(pkt)), -EMSGSIZE);
    ck_assert_int_eq(sotto_transport_send_rtp(NULL, pkt, len), -EINVAL);

    /* Remote descriptions: an offerer cannot be answered with actpass. */
    ck_assert_int_eq(
        sotto_transport_local_ice_credentials(h.a.t, ufrag, sizeof(ufrag), pwd, sizeof(pwd)), 0);
    r.ice_ufrag = ufrag;
    r.ice_pwd = pwd;
    r.fingerprint = fp;
    r.setup = "actpass";
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), -EINVAL);
    r.setup = "holdconn";
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), -EINVAL);
    r.setup = "active";
    r.fingerprint = "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33";
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), -ENOTSUP);
    r.fingerprint = "sha-256 00:11";
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), -EINVAL);
    r.fingerprint = fp;
    r.ice_pwd = "short";
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), -EINVAL);
    ck_assert_str_eq(sotto_transport_local_setup(h.a.t), "actpass");
    r.ice_pwd = pwd;
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), 0);
    ck_assert_str_eq(sotto_transport_local_setup(h.a.t), "passive");
    /* Later descriptions keep the DTLS identity. */
    r.fingerprint = "sha-256 "
                    "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:"
                    "AA:BB:CC:DD:EE:FF";
    ck_assert_int_eq(sotto_transport_set_remote(h.a.t, &r), -EINVAL);
    ck_assert_int_eq(sotto_transport_set_remote(NULL, &r), -EINVAL);
    harness_close(&h);
}
END_TEST

static int both_secure(void *arg)
{
    const harness *h = arg;

    return h->a.state == SOTTO_TRANSPORT_SECURE && h->b.state == SOTTO_TRANSPORT_SECURE;
}

START_TEST(transport_answer_may_trail_the_peer_handshake)
{
    harness h;

    harness_init(&h);
    peer_create(&h, &h.a, 1, SOTTO_SRTP_NONE);
    peer_create(&h, &h.b, 0, SOTTO_SRTP_NONE);
    ck_assert_int_eq(sotto_transport_gather(h.a.t), 0);
    ck_assert_int_eq(sotto_transport_gather(h.b.t), 0);
    /* b has the offer and starts checking at once; the answer reaches a
     * 600 ms later. libnice holds b's checks meanwhile, then both connect. */
    give_remote(&h.a, &h.b, NULL);
    run_until(&h.loop, both_secure, &h, 600);
    ck_assert_int_ne(h.a.state, SOTTO_TRANSPORT_SECURE);
    give_remote(&h.b, &h.a, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert_msg(both_secure(&h), "a: %s / b: %s", h.a.reason, h.b.reason);
    send_media(&h);
    ck_assert_int_eq(h.a.rtp_ok, PACKETS);
    ck_assert_int_eq(h.b.rtp_ok, PACKETS);
    harness_close(&h);
}
END_TEST

typedef struct restart_wait {
    harness *h;
    int a_before; /* rtp_ok counts when the probe started */
    int b_before;
} restart_wait;

static int both_heard_again(void *arg)
{
    const restart_wait *w = arg;

    return w->h->a.rtp_ok > w->a_before && w->h->b.rtp_ok > w->b_before;
}

static int both_got(void *arg)
{
    const restart_wait *w = arg;

    return w->h->a.rtp_ok >= w->a_before + PACKETS && w->h->b.rtp_ok >= w->b_before + PACKETS;
}

/* The local port of a "127.0.0.1:port -> ..." path; 0 when unreadable. */
static unsigned path_local_port(const sotto_transport *t)
{
    char path[128];
    const char *colon;

    if (sotto_transport_describe_path(t, path, sizeof(path)) != 0)
        return 0;
    colon = strchr(path, ':');
    return colon ? (unsigned)strtoul(colon + 1, NULL, 10) : 0;
}

static int pending_use_port(const peer *p, unsigned port)
{
    char needle[24];

    snprintf(needle, sizeof(needle), " %u typ ", port);
    for (int i = 0; i < p->npending; i++)
        if (strstr(p->pending[i], needle))
            return 1;
    return 0;
}

START_TEST(transport_survives_ice_restart)
{
    unsigned old_port;
    harness h;
    char old_ufrag[SOTTO_ICE_UFRAG_MAX], new_ufrag[SOTTO_ICE_UFRAG_MAX], pwd[SOTTO_ICE_PWD_MAX];
    uint8_t pkt[SOTTO_TRANSPORT_MAX_PACKET];
    restart_wait w = { &h, 0, 0 };
    uint16_t seq = PACKETS;
    uint64_t deadline;
    size_t len;

    harness_init(&h);
    harness_connect(&h, 1, SOTTO_SRTP_NONE, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert(both_secure(&h));
    send_media(&h);
    ck_assert_int_eq(sotto_transport_local_ice_credentials(h.a.t, old_ufrag, sizeof(old_ufrag), pwd,
                                                           sizeof(pwd)),
                     0);
    old_port = path_local_port(h.a.t);
    ck_assert_uint_ne(old_port, 0);

    /* Both restart; new candidates wait for the new descriptions. */
    h.a.remote_set = h.b.remote_set = 0;
    h.a.gathered = h.b.gathered = 0;
    h.a.done_sent = h.b.done_sent = 0;
    ck_assert_int_eq(sotto_transport_restart_ice(h.a.t), 0);
    ck_assert_int_eq(sotto_transport_restart_ice(h.b.t), 0);
    ck_assert_int_gt(h.a.npending, 0);
    ck_assert(h.a.gathered);
    ck_assert_int_eq(sotto_transport_local_ice_credentials(h.a.t, new_ufrag, sizeof(new_ufrag), pwd,
                                                           sizeof(pwd)),
                     0);
    ck_assert_str_ne(old_ufrag, new_ufrag);
    /* The restart gathers anew (a changed local address is found): new
     * sockets, so none of the new candidates is on the old port. */
    ck_assert_msg(!pending_use_port(&h.a, old_port), "a candidate kept port %u", old_port);
    give_remote(&h.a, &h.b, NULL);
    give_remote(&h.b, &h.a, NULL);
    ck_assert_int_eq(h.a.npending + h.b.npending, 0);

    /* Probe every 20 ms until both hear each other again; packets refused
     * or lost meanwhile are just lost, as on any network. */
    w.a_before = h.a.rtp_ok;
    w.b_before = h.b.rtp_ok;
    deadline = uv_hrtime() + 5000000000ull;
    while (!both_heard_again(&w) && uv_hrtime() < deadline) {
        len = build_rtp(pkt, seq++, 0xC0FFEE);
        sotto_transport_send_rtp(h.a.t, pkt, len);
        sotto_transport_send_rtp(h.b.t, pkt, len);
        run_until(&h.loop, both_heard_again, &w, 20);
    }
    ck_assert(both_heard_again(&w));
    /* The same SRTP sessions carry a full burst again, none lost. */
    w.a_before = h.a.rtp_ok;
    w.b_before = h.b.rtp_ok;
    for (int i = 0; i < PACKETS; i++) {
        len = build_rtp(pkt, seq++, 0xC0FFEE);
        ck_assert_int_eq(sotto_transport_send_rtp(h.a.t, pkt, len), 0);
        ck_assert_int_eq(sotto_transport_send_rtp(h.b.t, pkt, len), 0);
        uv_run(&h.loop, UV_RUN_NOWAIT);
    }
    ck_assert(run_until(&h.loop, both_got, &w, 3000));
    ck_assert(both_secure(&h));
    ck_assert_int_eq(h.a.rtp_bad + h.b.rtp_bad, 0);
    ck_assert_uint_ne(path_local_port(h.a.t), old_port);
    harness_close(&h);
}
END_TEST

/* to (the offerer) gets from's credentials and fingerprint but, instead
 * of from's candidates, only one where nothing listens: every check of its
 * own fails. */
static void point_at_dead_port(const peer *from, peer *to)
{
    char ufrag[SOTTO_ICE_UFRAG_MAX], pwd[SOTTO_ICE_PWD_MAX];
    sotto_transport_remote r;

    ck_assert_int_eq(
        sotto_transport_local_ice_credentials(from->t, ufrag, sizeof(ufrag), pwd, sizeof(pwd)), 0);
    r.ice_ufrag = ufrag;
    r.ice_pwd = pwd;
    r.fingerprint = sotto_transport_local_fingerprint(from->t);
    r.setup = "active"; /* what from will answer to's actpass with */
    ck_assert_int_eq(sotto_transport_set_remote(to->t, &r), 0);
    ck_assert_int_eq(sotto_transport_add_remote_candidate(
                         to->t, "candidate:1 1 UDP 2015364095 127.0.0.1 9 typ host"),
                     0);
    ck_assert_int_eq(sotto_transport_remote_candidates_done(to->t), 0);
}

START_TEST(transport_reports_ice_failure)
{
    harness h;

    harness_init(&h);
    peer_create(&h, &h.a, 1, SOTTO_SRTP_NONE);
    peer_create(&h, &h.b, 0, SOTTO_SRTP_NONE);
    ck_assert_int_eq(sotto_transport_gather(h.a.t), 0);
    point_at_dead_port(&h.b, &h.a);
    ck_assert(run_until(&h.loop, a_failed, &h, 15000 + SOTTO_TRANSPORT_ICE_FAIL_GRACE_MS));
    ck_assert_str_eq(h.a.reason, "ICE: no candidate pair works");
    harness_close(&h);
}
END_TEST

static int a_failed_provisionally(void *arg)
{
    const harness *h = arg;
    sotto_transport_stats st;

    return sotto_transport_get_stats(h->a.t, &st) == 0 && st.ice_provisional_failures > 0;
}

/* libnice reports FAILED once its own checks are done, also when the
 * peer's checks have simply not arrived yet (their packets lost on a lossy
 * link): the transport waits, and connects when they come. */
START_TEST(transport_survives_a_provisional_ice_failure)
{
    harness h;

    harness_init(&h);
    peer_create(&h, &h.a, 1, SOTTO_SRTP_NONE);
    peer_create(&h, &h.b, 0, SOTTO_SRTP_NONE);
    ck_assert_int_eq(sotto_transport_gather(h.a.t), 0);
    ck_assert_int_eq(sotto_transport_gather(h.b.t), 0);
    point_at_dead_port(&h.b, &h.a);
    ck_assert(run_until(&h.loop, a_failed_provisionally, &h, 20000));
    ck_assert_int_ne(h.a.state, SOTTO_TRANSPORT_FAILED);
    /* Now b learns a's candidates and checks it: a answers and connects. */
    give_remote(&h.a, &h.b, NULL);
    ck_assert(run_until(&h.loop, both_secure, &h, SOTTO_TRANSPORT_ICE_FAIL_GRACE_MS));
    send_media(&h);
    ck_assert_int_eq(h.a.rtp_ok, PACKETS);
    ck_assert_int_eq(h.b.rtp_ok, PACKETS);
    harness_close(&h);
}
END_TEST

static void count_iteration(uv_prepare_t *p)
{
    (*(uint64_t *)p->data)++;
}

static int never(void *arg)
{
    (void)arg;
    return 0;
}

/* A connected, silent call must not keep the loop spinning: libnice's
 * timers (keepalives, consent checks) are all it should wake for. */
START_TEST(transport_idle_call_wakes_the_loop_rarely)
{
    harness h;
    uv_prepare_t counter;
    uint64_t iterations = 0;

    harness_init(&h);
    harness_connect(&h, 1, SOTTO_SRTP_NONE, NULL);
    ck_assert(run_until(&h.loop, settled, &h, 8000));
    ck_assert(both_secure(&h));
    run_until(&h.loop, never, NULL, 1000); /* let the checks wind down */
    uv_prepare_init(&h.loop, &counter);
    counter.data = &iterations;
    uv_prepare_start(&counter, count_iteration);
    run_until(&h.loop, never, NULL, 2000);
    uv_close((uv_handle_t *)&counter, NULL);
    /* run_until's own 10 ms tick accounts for 100/s; a spinning loop
     * would show many thousands. */
    ck_assert_uint_lt(iterations, 2 * 200);
    harness_close(&h);
}
END_TEST

static Suite *transport_suite(void)
{
    Suite *s = suite_create("transport");
    TCase *pair = tcase_create("pair");

    tcase_add_loop_test(pair, transport_carries_media_for_each_profile_and_role, 0, 6);
    tcase_add_test(pair, transport_sends_only_ciphertext);
    tcase_add_loop_test(pair, transport_wrong_fingerprint_fails_with_clear_reason, 0, 2);
    tcase_add_test(pair, transport_relay_sees_only_ciphertext);
    tcase_add_test(pair, transport_counts_and_ignores_garbage);
    tcase_add_test(pair, transport_destroyed_from_its_callback_closes_cleanly);
    tcase_add_test(pair, transport_validates_arguments_and_order);
    tcase_add_test(pair, transport_answer_may_trail_the_peer_handshake);
    tcase_add_test(pair, transport_survives_ice_restart);
    tcase_add_test(pair, transport_idle_call_wakes_the_loop_rarely);
    tcase_add_test(pair, transport_reports_ice_failure);
    tcase_add_test(pair, transport_survives_a_provisional_ice_failure);
    tcase_set_timeout(pair, 60);
    transport_add_unit_tests(s);
    suite_add_tcase(s, pair);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(transport_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
