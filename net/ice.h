/* Private to net/: one ICE agent (libnice, RFC 8445 full mode) with one
 * stream of one component, RTP and RTCP multiplexed on it (rtcp-mux).
 *
 * Trickle ICE: local candidates reach on_candidate as they are gathered and
 * on_gathering_done follows the last; remote candidates may be added at any
 * time after the remote credentials, and sotto_ice_remote_candidates_done
 * says none will follow (until then the agent does not declare failure).
 * Consent freshness (RFC 7675) is on: a peer that stops answering checks
 * moves the state to failed within about 30 s.
 *
 * Candidates travel as SDP attribute values ("candidate:1 1 UDP ...",
 * without "a="). Server addresses must be IP literals: resolving names is
 * the caller's job, so nothing here blocks or resolves behind the loop's
 * back. Remote mDNS candidates ("<uuid>.local") are rejected with -ENOTSUP:
 * libnice 0.1.21 parses only numeric addresses and has no mDNS resolver.
 *
 * Everything runs on the loop thread that drives the sotto_glib_uv given
 * at create; callbacks are called from its dispatch. */
#ifndef SOTTO_NET_ICE_H
#define SOTTO_NET_ICE_H

#include <stddef.h>
#include <stdint.h>

#include "net/glib_uv.h"

#define SOTTO_ICE_MAX_TURN 4           /* TURN servers per agent */
#define SOTTO_ICE_MAX_LOCAL_ADDRS 8    /* addresses to gather host candidates on */
#define SOTTO_ICE_UFRAG_MAX 256        /* buffer size for a ufrag, NUL included */
#define SOTTO_ICE_PWD_MAX 256          /* buffer size for a password, NUL included */
#define SOTTO_ICE_CANDIDATE_MAX 512    /* buffer size for one candidate attribute */

typedef struct sotto_ice sotto_ice;

typedef enum sotto_ice_state {
    SOTTO_ICE_NEW = 0,          /* nothing started */
    SOTTO_ICE_GATHERING,        /* gathering local candidates, no checks yet */
    SOTTO_ICE_CHECKING,         /* connectivity checks running */
    SOTTO_ICE_CONNECTED,        /* a working pair exists; data flows */
    SOTTO_ICE_READY,            /* checks finished, pair nominated */
    SOTTO_ICE_FAILED,           /* every pair failed, or consent was lost */
} sotto_ice_state;

typedef enum sotto_ice_relay_transport {
    SOTTO_ICE_RELAY_UDP = 0,    /* TURN over UDP */
    SOTTO_ICE_RELAY_TCP,        /* TURN over TCP (RFC 6062 transport to the server) */
    SOTTO_ICE_RELAY_TLS,        /* TURN over TLS */
} sotto_ice_relay_transport;

typedef struct sotto_ice_turn_server {
    const char *address;                  /* IP literal; copied at create */
    uint16_t port;                        /* default none: must be set */
    const char *username;                 /* long-term credential; copied */
    const char *password;                 /* copied */
    sotto_ice_relay_transport transport;  /* default UDP */
} sotto_ice_turn_server;

/* One local candidate as an SDP attribute value, NUL-terminated; valid for
 * the duration of the call. */
typedef void (*sotto_ice_candidate_cb)(void *opaque, const char *candidate);
typedef void (*sotto_ice_gathering_done_cb)(void *opaque);
typedef void (*sotto_ice_state_cb)(void *opaque, sotto_ice_state state);
/* One received datagram (not STUN: libnice consumes those); data is valid
 * for the duration of the call. */
typedef void (*sotto_ice_receive_cb)(void *opaque, const uint8_t *data, size_t len);

/* Where and how to gather candidates; shared with net/transport.h. */
typedef struct sotto_ice_config {
    const char *stun_address;                 /* IP literal; NULL = no server-reflexive gathering */
    uint16_t stun_port;                       /* default 3478 */
    sotto_ice_turn_server turn[SOTTO_ICE_MAX_TURN];
    size_t turn_count;                        /* 0..SOTTO_ICE_MAX_TURN; default 0 */
    const char *local_addresses[SOTTO_ICE_MAX_LOCAL_ADDRS]; /* IP literals; none = every interface but loopback */
    size_t local_address_count;               /* default 0 */
    uint16_t min_port;                        /* local UDP port range; 0/0 = any (default) */
    uint16_t max_port;
    int consent_freshness;                    /* 1 = RFC 7675 consent checks (default 1) */
    int force_relay;                          /* 1 = only relayed candidates (default 0) */
    unsigned stun_max_retransmissions;        /* tries of each check before its pair fails:
                                               * more ride out bursts of loss but find a dead
                                               * pair later; 0 = libnice's default (7),
                                               * at most 30 */
} sotto_ice_config;

typedef struct sotto_ice_params {
    int controlling;                          /* 1 = controlling (offerer); default 0 */
    sotto_ice_config config;                  /* strings copied by libnice at create */
    sotto_ice_candidate_cb on_candidate;      /* required */
    sotto_ice_gathering_done_cb on_gathering_done; /* required */
    sotto_ice_state_cb on_state;              /* required */
    sotto_ice_receive_cb on_receive;          /* required */
    void *opaque;                             /* passed to callbacks; not owned */
} sotto_ice_params;

/* Set the defaults documented above (stun_port 3478, consent on). */
void sotto_ice_config_default(sotto_ice_config *out);
void sotto_ice_params_default(sotto_ice_params *out);

/* Creates the agent on glue's context (glue not owned; must outlive the
 * agent). Strings in params are copied. Returns 0 and sets *out_ice
 * (release with sotto_ice_destroy); -EINVAL for a NULL or out-of-range
 * parameter or an address that is not an IP literal, -ENOMEM, -EIO when
 * libnice refuses; on error a one-line reason is written into err. */
int sotto_ice_create(sotto_ice **out_ice, sotto_glib_uv *glue, const sotto_ice_params *params,
                     char *err, size_t errlen);

/* Starts gathering local candidates. Returns 0, -EINVAL, -EALREADY when
 * already started, -EIO when libnice cannot open any socket. */
int sotto_ice_gather(sotto_ice *ice);

/* Copies the local ufrag and password (NUL-terminated) into the caller's
 * buffers. Returns 0, -EINVAL, -ENOSPC when a buffer is too small. */
int sotto_ice_get_local_credentials(const sotto_ice *ice, char *ufrag, size_t ufrag_size,
                                    char *pwd, size_t pwd_size);

/* Sets the peer's ufrag (4..256 chars) and password (22..256 chars), as
 * RFC 8839 requires. Returns 0, -EINVAL. */
int sotto_ice_set_remote_credentials(sotto_ice *ice, const char *ufrag, const char *pwd);

/* Adds one remote candidate given as an SDP attribute value ("candidate:"
 * with or without a leading "a="). Returns 0; -EINVAL for NULL or a string
 * libnice cannot parse; -ENOTSUP for an mDNS (.local) or TCP candidate;
 * -EAGAIN before sotto_ice_set_remote_credentials. */
int sotto_ice_add_remote_candidate(sotto_ice *ice, const char *candidate);

/* Tells the agent the peer has sent its last candidate. Returns 0, -EINVAL. */
int sotto_ice_remote_candidates_done(sotto_ice *ice);

/* Sends one datagram on the selected pair. Returns 0; -EINVAL; -EAGAIN
 * when no pair is usable yet or the socket would block (the datagram is
 * dropped); -EMSGSIZE above 65535 bytes. */
int sotto_ice_send(sotto_ice *ice, const uint8_t *data, size_t len);

/* ICE restart (RFC 8445 section 9): the stream is replaced by a new one
 * that gathers again on the interfaces as they are now (a changed local
 * address is found; the old sockets close and the old TURN allocations
 * are released), with new local credentials; the TURN servers and port
 * range of create are kept. The remote side must be set again
 * (credentials, then candidates). on_candidate is called for the new
 * stream's candidates (host candidates before this returns, server ones
 * as they arrive), then on_gathering_done. Until the new stream connects,
 * sends fail with -EAGAIN. Returns 0; -EINVAL; -EIO before
 * sotto_ice_gather or when libnice refuses (the agent then has no usable
 * stream). */
int sotto_ice_restart(sotto_ice *ice);

/* Writes "local-address:port -> remote-address:port" of the selected pair.
 * Returns 0, -EINVAL, -ENOENT when no pair is selected, -ENOSPC. */
int sotto_ice_describe_selected_pair(const sotto_ice *ice, char *buf, size_t size);

/* The selected pair's local port (host order), or 0 when none. */
uint16_t sotto_ice_selected_local_port(const sotto_ice *ice);

sotto_ice_state sotto_ice_get_state(const sotto_ice *ice);

/* 1 when the state allows sending (connected or ready), else 0. A send may
 * still fail with -EAGAIN, e.g. in the moment after a restart. */
int sotto_ice_can_send(const sotto_ice *ice);

/* "new", "gathering", "checking", "connected", "ready", "failed"; static. */
const char *sotto_ice_state_name(sotto_ice_state state);

/* Called once the agent is gone after sotto_ice_close, from a dispatch of
 * the glue's context (or at once when there was nothing to release). */
typedef void (*sotto_ice_closed_cb)(void *opaque);

#define SOTTO_ICE_CLOSE_CAP_MS 2000  /* longest wait for the TURN server at close */

/* Stops the agent: no callback of params is called after this returns.
 * Must not be called from inside one of this agent's callbacks (defer it
 * to the loop). Its TURN allocations are released on the server (Refresh
 * with lifetime 0); the libnice agent lives on the glue's context until
 * the server answered or SOTTO_ICE_CLOSE_CAP_MS passed, then done(opaque)
 * is called (done may be NULL): keep the glue until then. Accepts NULL and
 * *ice == NULL; sets *ice to NULL. */
void sotto_ice_close(sotto_ice **ice, sotto_ice_closed_cb done, void *opaque);

/* sotto_ice_close without a callback; the glue must still outlive the
 * release, or the allocations time out on the server instead. */
void sotto_ice_destroy(sotto_ice **ice);

#endif
