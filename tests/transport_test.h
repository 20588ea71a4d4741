/* Shared by the transport test files (one Check suite, one executable). */
#ifndef SOTTO_TESTS_TRANSPORT_TEST_H
#define SOTTO_TESTS_TRANSPORT_TEST_H

#include <check.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/identity.h"
#include "net/srtp.h"
#include "net/transport.h"

#define MARKER "SOTTO-PLAINTEXT-MARKER"   /* starts every test payload; must never appear on the wire */
#define PAYLOAD_LEN 160
#define PACKETS 50

/* RTP, payload type 111, payload = MARKER then bytes derived from seq. */
size_t build_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc);

/* Receiver report with no blocks: 8 bytes. */
size_t build_rtcp_rr(uint8_t *buf, uint32_t ssrc);

/* Runs loop until cond(arg) holds or ms pass; returns cond(arg). */
int run_until(uv_loop_t *loop, int (*cond)(void *), void *arg, unsigned ms);

/* The three DTLS-SRTP profiles, in the default preference order. */
extern const sotto_srtp_profile all_profiles[SOTTO_SRTP_PROFILE_COUNT];

/* Adds the "units" test case: GLib on libuv, identity, DTLS, SRTP, ICE. */
void transport_add_unit_tests(Suite *s);

/* ---- two transports over loopback (transport_harness.c) ---- */
#define MAX_PENDING 16

typedef struct relay relay;

typedef struct peer {
    const char *name;
    relay *relay;                        /* NULL: candidates go to the other side as they are */
    sotto_transport *t;
    struct peer *other;
    int remote_set;                      /* set_remote done on this side */
    char pending[MAX_PENDING][SOTTO_ICE_CANDIDATE_MAX]; /* our candidates the other cannot take yet */
    int npending;
    int gathered;                        /* our end-of-candidates seen */
    int done_sent;                       /* remote_candidates_done given to the other */
    sotto_transport_state state;
    int failed_events;
    char reason[256];
    int rtp_ok;                          /* intact packets, sequence numbers rising */
    int rtp_bad;                         /* packets that arrived damaged or out of order */
    int next_seq;                        /* lowest sequence number still acceptable */
    int rtcp_ok;
    int srtp_out;                        /* SRTP datagrams seen leaving */
    int plaintext_out;                   /* datagrams leaving that contain MARKER */
    int destroy_on_secure;               /* destroy self from the state callback */
    uint8_t captured[SOTTO_TRANSPORT_MAX_PACKET]; /* last SRTP datagram sent */
    size_t captured_len;
} peer;

/* An on-path UDP relay between a and b: each is told the other's host
 * candidate lives at the relay's socket facing it, and the relay forwards
 * between the two sockets. It sees the real wire bytes and can inject
 * datagrams that ICE accepts, since they come from a valid pair. */
struct relay {
    uv_udp_t to_a;                       /* faces a; a believes b is here */
    uv_udp_t to_b;                       /* faces b */
    struct sockaddr_in addr_a;           /* a's real host candidate */
    struct sockaddr_in addr_b;
    int srtp_to_b;                       /* SRTP datagrams forwarded a -> b */
    int plaintext_seen;                  /* forwarded datagrams containing MARKER */
    int tamper_next;                     /* flip one bit of the next SRTP a -> b */
    uint8_t last_srtp[SOTTO_TRANSPORT_MAX_PACKET]; /* last SRTP a -> b */
    size_t last_srtp_len;
    uint8_t buf[65536];
};

typedef struct harness {
    uv_loop_t loop;
    relay relay;
    int use_relay;
    sotto_identity *id_a;
    sotto_identity *id_b;
    sotto_identity *id_other;            /* for a wrong fingerprint */
    peer a;
    peer b;
} harness;

/* Puts the relay between a and b; call before harness_connect. */
void relay_open(harness *h);
/* Sends one datagram to b from the relay, as if a had sent it. */
void relay_inject_to_b(harness *h, const uint8_t *data, size_t len);
/* A loop, three identities, two peers that know each other. */
void harness_init(harness *h);
/* Creates p's transport on loopback; only_profile NONE = defaults. */
void peer_create(harness *h, peer *p, int offerer, sotto_srtp_profile only_profile);
/* Hands `to` the SDP values of `from`; fingerprint_override replaces the
 * fingerprint when not NULL. */
void give_remote(peer *from, peer *to, const char *fingerprint_override);
/* Creates both, gathers, and runs offer/answer (the answerer is the DTLS
 * client); wrong_fp_for names the peer ("a"/"b") given a wrong fingerprint. */
void harness_connect(harness *h, int a_offers, sotto_srtp_profile profile, const char *wrong_fp_for);
/* Conditions for run_until over a harness. */
int settled(void *arg);
int both_failed(void *arg);
int all_received(void *arg);
/* Destroys everything and checks that uv_loop_close succeeds. */
void harness_close(harness *h);
/* PACKETS RTP packets and one RTCP report each way, all delivered. */
void send_media(harness *h);

#endif
