/* Secure media transport of one call: ICE (libnice) + DTLS-SRTP (OpenSSL,
 * libsrtp2), RTP and RTCP multiplexed on one ICE component.
 *
 * Signalling is the caller's: it puts local_ice_credentials, the
 * fingerprint, local_setup and the candidates into its SDP, and hands the
 * peer's values to set_remote and add_remote_candidate. Then:
 *   ICE checks -> ICE_CONNECTED -> DTLS handshake (client = a=setup:active)
 *   -> the peer's certificate is pinned by its SDP fingerprint -> SRTP keys
 *   -> SECURE: send_rtp/send_rtcp work and on_packet delivers decrypted
 *   packets.
 * Received datagrams are sorted by their first byte (RFC 7983): 0..3 STUN
 * (libnice's), 20..63 DTLS, 128..191 SRTP/SRTCP; anything else, and any
 * packet that fails to parse or authenticate, is counted and dropped.
 *
 * One libuv loop thread does everything. GLib is driven from that loop
 * (net/glib_uv.h); no thread is created. Callbacks come from the loop and
 * may call sotto_transport_destroy (teardown then waits for the callback to
 * return). */
#ifndef SOTTO_NET_TRANSPORT_H
#define SOTTO_NET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/ice.h"
#include "net/identity.h"
#include "net/srtp.h"

#define SOTTO_TRANSPORT_MAX_PACKET 1500 /* bytes of one SRTP datagram, in or out */
/* After ICE reports failure before it has connected, the transport waits this
 * long for the peer's late checks or nomination before it gives up. */
#define SOTTO_TRANSPORT_ICE_FAIL_GRACE_MS 8000

typedef struct sotto_transport sotto_transport;

typedef enum sotto_transport_state {
    SOTTO_TRANSPORT_NEW = 0,       /* created; gathering may run */
    SOTTO_TRANSPORT_ICE_CONNECTED, /* a candidate pair works; DTLS runs */
    SOTTO_TRANSPORT_SECURE,        /* DTLS verified, SRTP keyed: media flows */
    SOTTO_TRANSPORT_FAILED,        /* terminal; reason says why */
} sotto_transport_state;

/* One local candidate attribute value ("candidate:..."); NULL marks the end
 * of candidates (send a=end-of-candidates). Valid for the call. */
typedef void (*sotto_transport_candidate_cb)(void *opaque, const char *candidate);
/* reason is NULL except for FAILED; valid for the call. */
typedef void (*sotto_transport_state_cb)(void *opaque, sotto_transport_state state,
                                         const char *reason);
/* One decrypted RTP packet (is_rtcp 0) or RTCP compound (is_rtcp 1); pkt
 * is valid for the call. */
typedef void (*sotto_transport_packet_cb)(void *opaque, const uint8_t *pkt, size_t len,
                                          int is_rtcp);
/* Every datagram as it crosses ICE (outbound 1: after encryption, 0: before
 * any processing); for diagnostics and capture. Valid for the call. */
typedef void (*sotto_transport_wire_cb)(void *opaque, int outbound, const uint8_t *data,
                                        size_t len);

typedef struct sotto_transport_params {
    int offerer;                    /* 1 = we sent the offer: ICE controlling, a=setup:actpass */
    const sotto_identity *identity; /* required; not owned, must outlive the transport */
    sotto_ice_config ice;           /* servers, addresses, ports; see net/ice.h */
    sotto_srtp_profile profiles[SOTTO_SRTP_PROFILE_COUNT]; /* preference order */
    size_t profile_count;     /* 0 = AEAD_AES_128_GCM, AES128_CM_SHA1_80, _32 */
    unsigned dtls_mtu;        /* bytes; default 1200 */
    unsigned dtls_timeout_ms; /* handshake deadline after ICE connects; default 20000 */
    unsigned link_kbps;       /* slowest link on the path (DTLS retransmission
                                           * timing); 0 = fast (default) */
    sotto_transport_candidate_cb on_candidate; /* required */
    sotto_transport_state_cb on_state;         /* required */
    sotto_transport_packet_cb on_packet;       /* required */
    sotto_transport_wire_cb on_wire;           /* optional; default NULL */
    void *opaque;                              /* passed to callbacks; not owned */
} sotto_transport_params;

/* What the peer's SDP says; strings are copied as needed. */
typedef struct sotto_transport_remote {
    const char *ice_ufrag;   /* a=ice-ufrag */
    const char *ice_pwd;     /* a=ice-pwd */
    const char *fingerprint; /* a=fingerprint value, "sha-256 AB:CD:..." */
    const char *setup;       /* a=setup value: "active", "passive" or "actpass" */
} sotto_transport_remote;

typedef struct sotto_transport_stats {
    uint64_t rtp_sent; /* packets protected and handed to ICE */
    uint64_t rtcp_sent;
    uint64_t rtp_received; /* packets decrypted and delivered */
    uint64_t rtcp_received;
    uint64_t dtls_received; /* datagrams handed to DTLS */
    uint64_t
        dropped_malformed; /* outside every RFC 7983 range, bad DTLS framing, runts, oversize */
    uint64_t dropped_not_secure;       /* SRTP before keys existed, DTLS before set_remote */
    uint64_t dropped_auth;             /* SRTP/SRTCP that failed authentication */
    uint64_t dropped_replay;           /* SRTP/SRTCP replays or too old */
    uint64_t dropped_stun;             /* STUN that libnice passed up instead of consuming */
    uint64_t send_failed;              /* outbound datagrams ICE refused */
    uint64_t ice_provisional_failures; /* ICE failures before connecting, given the grace period */
} sotto_transport_stats;

/* Fills the defaults documented in the struct (ICE defaults included). */
void sotto_transport_params_default(sotto_transport_params *out);

/* Creates the transport on loop (kept, not owned; run by the calling
 * thread). Returns 0 and sets *out_t (release with
 * sotto_transport_destroy); -EINVAL for NULL or bad parameters; -ENOMEM;
 * -EIO when libnice or OpenSSL refuses. A one-line reason goes into err. */
int sotto_transport_create(sotto_transport **out_t, uv_loop_t *loop,
                           const sotto_transport_params *params, char *err, size_t errlen);

/* Starts gathering; candidates arrive through on_candidate. Returns 0,
 * -EINVAL, -EALREADY, -EIO. */
int sotto_transport_gather(sotto_transport *t);

/* Local a=ice-ufrag and a=ice-pwd (NUL-terminated into the caller's
 * buffers). Returns 0, -EINVAL, -ENOSPC. */
int sotto_transport_local_ice_credentials(const sotto_transport *t, char *ufrag, size_t ufrag_size,
                                          char *pwd, size_t pwd_size);

/* Local a=fingerprint value ("sha-256 AB:CD:..."); owned by t. "" for NULL. */
const char *sotto_transport_local_fingerprint(const sotto_transport *t);

/* Local a=setup value: "actpass" for an offerer until the answer is set,
 * then "active" or "passive"; owned by t (static). */
const char *sotto_transport_local_setup(const sotto_transport *t);

/* Applies the peer's SDP. The DTLS role follows from setup: the peer's
 * "active" makes us the server, "passive" the client, and "actpass" (only
 * valid when we answer) makes us the client. After an ICE restart, call it
 * again with new credentials; fingerprint and setup must not change.
 * Returns 0; -EINVAL for NULL, a malformed value or an actpass answer;
 * -ENOTSUP for a fingerprint hash other than sha-256; -EPIPE when failed. */
int sotto_transport_set_remote(sotto_transport *t, const sotto_transport_remote *remote);

/* Adds one peer candidate ("candidate:...", with or without "a="). Returns
 * 0; -EAGAIN before set_remote; -ENOTSUP for mDNS/TCP candidates (skip
 * them); -EINVAL when malformed. */
int sotto_transport_add_remote_candidate(sotto_transport *t, const char *candidate);

/* The peer sent a=end-of-candidates. Returns 0 or -EINVAL. */
int sotto_transport_remote_candidates_done(sotto_transport *t);

/* Protects one complete RTP packet (copied; at most
 * SOTTO_TRANSPORT_MAX_PACKET minus the SRTP tag) and sends it. Returns 0;
 * -EINVAL for NULL or a malformed packet; -EMSGSIZE when too large;
 * -EAGAIN before SECURE or when ICE cannot send: the packet is dropped like
 * any lost packet (send the next one, not the same sequence number again:
 * SRTP refuses to reuse an index); -EPIPE after FAILED. */
int sotto_transport_send_rtp(sotto_transport *t, const uint8_t *pkt, size_t len);

/* Same for one RTCP compound packet. */
int sotto_transport_send_rtcp(sotto_transport *t, const uint8_t *pkt, size_t len);

/* ICE restart: the ICE stream is gathered anew on the current local
 * addresses with new credentials; on_candidate reports its candidates then
 * NULL; the peer's new credentials go to set_remote. The DTLS association
 * and the SRTP keys stay and continue over the new path. Returns 0,
 * -EINVAL, -EPIPE, -EIO. */
int sotto_transport_restart_ice(sotto_transport *t);

sotto_transport_state sotto_transport_get_state(const sotto_transport *t);

/* "new", "ice-connected", "secure", "failed"; static. */
const char *sotto_transport_state_name(sotto_transport_state state);

/* The negotiated profile once SECURE, else SOTTO_SRTP_NONE. */
sotto_srtp_profile sotto_transport_profile(const sotto_transport *t);

/* Copies the counters. Returns 0 or -EINVAL. */
int sotto_transport_get_stats(const sotto_transport *t, sotto_transport_stats *out);

/* "local:port -> remote:port" of the selected ICE pair. Returns 0,
 * -EINVAL, -ENOENT, -ENOSPC. */
int sotto_transport_describe_path(const sotto_transport *t, char *buf, size_t size);

/* Sends DTLS close_notify when secure, stops ICE and frees everything; no
 * callback runs after this returns. libuv handles are closed and freed by
 * the loop, so run it before uv_loop_close. From inside one of t's
 * callbacks, the teardown runs on the next loop iteration. Accepts NULL
 * and *t == NULL; sets *t to NULL. */
void sotto_transport_destroy(sotto_transport **t);

#endif
