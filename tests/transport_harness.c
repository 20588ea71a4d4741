/* Two transports in one process and one loop, with optional on-path
 * relay; used by test_transport.c. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/dtls.h"
#include "net/identity.h"
#include "net/transport.h"
#include "tests/transport_test.h"

static uint16_t udp_port(const uv_udp_t *u)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);

    ck_assert_int_eq(uv_udp_getsockname(u, (struct sockaddr *)&ss, &len), 0);
    return ntohs(((const struct sockaddr_in *)&ss)->sin_port);
}

/* Replaces the port (field 5) of a host candidate, remembering the real
 * address in *out_real. */
static void rewrite_candidate(const char *cand, uint16_t port, struct sockaddr_in *out_real,
                              char *out, size_t size)
{
    char fields[8][64];
    const char *p = cand;
    char *end;
    int n = 0;
    long real_port;

    while (n < 8 && *p) {
        size_t len = strcspn(p, " ");
        ck_assert_uint_lt(len, 64);
        memcpy(fields[n], p, len);
        fields[n++][len] = '\0';
        p += len;
        p += strspn(p, " ");
    }
    ck_assert_int_eq(n, 8);
    ck_assert_str_eq(fields[7], "host");
    real_port = strtol(fields[5], &end, 10);
    ck_assert(*end == '\0' && real_port > 0 && real_port < 65536);
    ck_assert_int_eq(uv_ip4_addr(fields[4], (int)real_port, out_real), 0);
    snprintf(out, size, "%s %s %s %s %s %u typ host", fields[0], fields[1], fields[2], fields[3],
             fields[4], port);
}

static void give_candidate(peer *from, const char *cand)
{
    char rewritten[SOTTO_ICE_CANDIDATE_MAX];
    relay *r = from->relay;
    int rc;

    if (r) {
        int from_a = strcmp(from->name, "a") == 0;
        rewrite_candidate(cand, udp_port(from_a ? &r->to_b : &r->to_a),
                          from_a ? &r->addr_a : &r->addr_b, rewritten, sizeof(rewritten));
        cand = rewritten;
    }
    rc = sotto_transport_add_remote_candidate(from->other->t, cand);
    ck_assert_msg(rc == 0, "%s: add candidate \"%s\" gave %d", from->other->name, cand, rc);
}

static void relay_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    relay *r = h->data;

    (void)suggested;
    *buf = uv_buf_init((char *)r->buf, sizeof(r->buf));
}

static void relay_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
                       unsigned flags)
{
    relay *r = u->data;
    int from_a = u == &r->to_a;
    const uint8_t *d = (const uint8_t *)buf->base;
    uv_buf_t out = uv_buf_init(buf->base, (unsigned)nread);

    (void)from;
    (void)flags;
    if (nread <= 0)
        return;
    if (memmem(d, (size_t)nread, MARKER, strlen(MARKER)))
        r->plaintext_seen++;
    if (from_a && d[0] >= 128 && d[0] <= 191 && (size_t)nread <= sizeof(r->last_srtp)) {
        r->srtp_to_b++;
        memcpy(r->last_srtp, d, (size_t)nread);
        r->last_srtp_len = (size_t)nread;
        if (r->tamper_next && nread > 20) {
            r->tamper_next = 0;
            r->buf[14] ^= 0x01;
        }
    }
    uv_udp_try_send(from_a ? &r->to_b : &r->to_a, &out, 1,
                    (const struct sockaddr *)(from_a ? &r->addr_b : &r->addr_a));
}

void relay_open(harness *h)
{
    struct sockaddr_in any;
    relay *r = &h->relay;

    h->use_relay = 1;
    h->a.relay = r;
    h->b.relay = r;
    ck_assert_int_eq(uv_ip4_addr("127.0.0.1", 0, &any), 0);
    ck_assert_int_eq(uv_udp_init(&h->loop, &r->to_a), 0);
    ck_assert_int_eq(uv_udp_init(&h->loop, &r->to_b), 0);
    r->to_a.data = r;
    r->to_b.data = r;
    ck_assert_int_eq(uv_udp_bind(&r->to_a, (const struct sockaddr *)&any, 0), 0);
    ck_assert_int_eq(uv_udp_bind(&r->to_b, (const struct sockaddr *)&any, 0), 0);
    ck_assert_int_eq(uv_udp_recv_start(&r->to_a, relay_alloc, relay_recv), 0);
    ck_assert_int_eq(uv_udp_recv_start(&r->to_b, relay_alloc, relay_recv), 0);
}

/* Sends one datagram to b from the relay, as if a had sent it. */
void relay_inject_to_b(harness *h, const uint8_t *data, size_t len)
{
    uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);

    ck_assert_int_eq(uv_udp_try_send(&h->relay.to_b, &b, 1, (const struct sockaddr *)&h->relay.addr_b),
                     (int)len);
}

static void flush_pending(peer *from)
{
    if (!from->other->remote_set || !from->other->t)
        return;
    for (int i = 0; i < from->npending; i++)
        give_candidate(from, from->pending[i]);
    from->npending = 0;
    if (from->gathered && !from->done_sent) {
        ck_assert_int_eq(sotto_transport_remote_candidates_done(from->other->t), 0);
        from->done_sent = 1;
    }
}

static void on_candidate(void *opaque, const char *cand)
{
    peer *p = opaque;

    if (!cand) {
        p->gathered = 1;
    } else {
        ck_assert_int_lt(p->npending, MAX_PENDING);
        snprintf(p->pending[p->npending++], SOTTO_ICE_CANDIDATE_MAX, "%s", cand);
    }
    flush_pending(p);
}

static void on_state(void *opaque, sotto_transport_state state, const char *reason)
{
    peer *p = opaque;

    ck_assert_int_ne(p->state, SOTTO_TRANSPORT_FAILED);   /* FAILED is terminal */
    p->state = state;
    if (state == SOTTO_TRANSPORT_FAILED) {
        ck_assert_ptr_nonnull(reason);
        p->failed_events++;
        snprintf(p->reason, sizeof(p->reason), "%s", reason);
    } else {
        ck_assert_ptr_null(reason);
    }
    if (state == SOTTO_TRANSPORT_SECURE && p->destroy_on_secure)
        sotto_transport_destroy(&p->t);
}

static void on_packet(void *opaque, const uint8_t *pkt, size_t len, int is_rtcp)
{
    peer *p = opaque;
    uint8_t expect[SOTTO_TRANSPORT_MAX_PACKET];
    size_t expect_len;
    uint16_t seq;

    if (is_rtcp) {
        expect_len = build_rtcp_rr(expect, 0xC0FFEE);
        if (len == expect_len && memcmp(pkt, expect, len) == 0)
            p->rtcp_ok++;
        return;
    }
    if (len < 12) {
        p->rtp_bad++;
        return;
    }
    seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
    expect_len = build_rtp(expect, seq, 0xC0FFEE);
    if (len == expect_len && memcmp(pkt, expect, len) == 0 && seq >= p->next_seq) {
        p->rtp_ok++;
        p->next_seq = seq + 1;
    } else {
        p->rtp_bad++;
    }
}

static void on_wire(void *opaque, int outbound, const uint8_t *data, size_t len)
{
    peer *p = opaque;

    if (!outbound)
        return;
    if (memmem(data, len, MARKER, strlen(MARKER)))
        p->plaintext_out++;
    if (len > 0 && data[0] >= 128 && data[0] <= 191) {
        p->srtp_out++;
        memcpy(p->captured, data, len);
        p->captured_len = len;
    }
}

void harness_init(harness *h)
{
    char err[256] = "";

    memset(h, 0, sizeof(*h));
    ck_assert_int_eq(uv_loop_init(&h->loop), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&h->id_a, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&h->id_b, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&h->id_other, err, sizeof(err)), 0);
    h->a.name = "a";
    h->b.name = "b";
    h->a.other = &h->b;
    h->b.other = &h->a;
}

void peer_create(harness *h, peer *p, int offerer, sotto_srtp_profile only_profile)
{
    sotto_transport_params tp;
    char err[256] = "";

    sotto_transport_params_default(&tp);
    tp.offerer = offerer;
    tp.identity = p == &h->a ? h->id_a : h->id_b;
    tp.ice.local_addresses[0] = "127.0.0.1";
    tp.ice.local_address_count = 1;
    if (only_profile != SOTTO_SRTP_NONE) {
        tp.profiles[0] = only_profile;
        tp.profile_count = 1;
    }
    tp.dtls_timeout_ms = 5000;
    tp.on_candidate = on_candidate;
    tp.on_state = on_state;
    tp.on_packet = on_packet;
    tp.on_wire = on_wire;
    tp.opaque = p;
    ck_assert_msg(sotto_transport_create(&p->t, &h->loop, &tp, err, sizeof(err)) == 0, "%s", err);
    ck_assert_str_eq(sotto_transport_local_setup(p->t), "actpass");
}

/* Hands `to` the SDP values of `from`; fingerprint_override replaces the
 * fingerprint when not NULL. */
void give_remote(peer *from, peer *to, const char *fingerprint_override)
{
    char ufrag[SOTTO_ICE_UFRAG_MAX], pwd[SOTTO_ICE_PWD_MAX];
    sotto_transport_remote r;

    ck_assert_int_eq(sotto_transport_local_ice_credentials(from->t, ufrag, sizeof(ufrag), pwd,
                                                           sizeof(pwd)), 0);
    r.ice_ufrag = ufrag;
    r.ice_pwd = pwd;
    r.fingerprint = fingerprint_override ? fingerprint_override
                                         : sotto_transport_local_fingerprint(from->t);
    r.setup = sotto_transport_local_setup(from->t);
    ck_assert_int_eq(sotto_transport_set_remote(to->t, &r), 0);
    to->remote_set = 1;
    flush_pending(from);
}

/* Offer/answer between the two, trickling candidates as they come. */
void harness_connect(harness *h, int a_offers, sotto_srtp_profile profile,
                            const char *wrong_fp_for)
{
    peer *offerer = a_offers ? &h->a : &h->b;
    peer *answerer = a_offers ? &h->b : &h->a;
    char wrong[sizeof(SOTTO_DTLS_FINGERPRINT_PREFIX) + SOTTO_FINGERPRINT_TEXT];

    snprintf(wrong, sizeof(wrong), "sha-256 %s", sotto_identity_fingerprint(h->id_other));
    peer_create(h, &h->a, a_offers, profile);
    peer_create(h, &h->b, !a_offers, profile);
    ck_assert_int_eq(sotto_transport_gather(h->a.t), 0);
    ck_assert_int_eq(sotto_transport_gather(h->b.t), 0);
    ck_assert_int_eq(sotto_transport_gather(h->b.t), -EALREADY);
    give_remote(offerer, answerer,
                wrong_fp_for && strcmp(wrong_fp_for, answerer->name) == 0 ? wrong : NULL);
    /* The answerer chose to be the DTLS client (RFC 8842: active). */
    ck_assert_str_eq(sotto_transport_local_setup(answerer->t), "active");
    give_remote(answerer, offerer,
                wrong_fp_for && strcmp(wrong_fp_for, offerer->name) == 0 ? wrong : NULL);
    ck_assert_str_eq(sotto_transport_local_setup(offerer->t), "passive");
}

int settled(void *arg)
{
    harness *h = arg;

    return (h->a.state == SOTTO_TRANSPORT_SECURE || h->a.state == SOTTO_TRANSPORT_FAILED) &&
           (h->b.state == SOTTO_TRANSPORT_SECURE || h->b.state == SOTTO_TRANSPORT_FAILED);
}

int both_failed(void *arg)
{
    harness *h = arg;

    return h->a.state == SOTTO_TRANSPORT_FAILED && h->b.state == SOTTO_TRANSPORT_FAILED;
}

int all_received(void *arg)
{
    harness *h = arg;

    return h->a.rtp_ok + h->a.rtp_bad >= PACKETS && h->b.rtp_ok + h->b.rtp_bad >= PACKETS &&
           h->a.rtcp_ok >= 1 && h->b.rtcp_ok >= 1;
}

void harness_close(harness *h)
{
    sotto_transport_destroy(&h->a.t);
    sotto_transport_destroy(&h->b.t);
    if (h->use_relay) {
        uv_close((uv_handle_t *)&h->relay.to_a, NULL);
        uv_close((uv_handle_t *)&h->relay.to_b, NULL);
    }
    sotto_identity_destroy(&h->id_a);
    sotto_identity_destroy(&h->id_b);
    sotto_identity_destroy(&h->id_other);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&h->loop), 0);
}

void send_media(harness *h)
{
    uint8_t pkt[SOTTO_TRANSPORT_MAX_PACKET];
    size_t len;

    for (uint16_t i = 0; i < PACKETS; i++) {
        len = build_rtp(pkt, i, 0xC0FFEE);
        ck_assert_int_eq(sotto_transport_send_rtp(h->a.t, pkt, len), 0);
        ck_assert_int_eq(sotto_transport_send_rtp(h->b.t, pkt, len), 0);
        /* Let the loop deliver as we go, as a 20 ms sender would. */
        uv_run(&h->loop, UV_RUN_NOWAIT);
    }
    len = build_rtcp_rr(pkt, 0xC0FFEE);
    ck_assert_int_eq(sotto_transport_send_rtcp(h->a.t, pkt, len), 0);
    ck_assert_int_eq(sotto_transport_send_rtcp(h->b.t, pkt, len), 0);
    ck_assert(run_until(&h->loop, all_received, h, 3000));
}
