/* Private to net/: one DTLS 1.2 association (OpenSSL) that exists only to
 * key SRTP (RFC 5763/5764).
 *
 * OpenSSL never sees a socket: datagrams from ICE are written into a memory
 * BIO, and what OpenSSL writes to its output memory BIO is cut back into
 * records and packed into datagrams of at most mtu bytes for send. The
 * peer's certificate is self-signed; it is accepted only when its sha-256
 * fingerprint equals the one from the remote SDP. If the handshake
 * finishes before that fingerprint is known (the answer SDP can trail the
 * peer's ClientHello), the keys are held back until it is set. Handshake
 * retransmissions run on a uv_timer from DTLSv1_get_timeout, and the whole
 * handshake has a deadline.
 *
 * Runs on the loop thread; callbacks are called from inside sotto_dtls_*
 * calls and timers and must not destroy the object (defer that). */
#ifndef SOTTO_NET_DTLS_H
#define SOTTO_NET_DTLS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/identity.h"
#include "net/srtp.h"

#define SOTTO_DTLS_REASON_FINGERPRINT "remote certificate fingerprint does not match the SDP"
#define SOTTO_DTLS_FINGERPRINT_PREFIX "sha-256"

typedef struct sotto_dtls sotto_dtls;

typedef enum sotto_dtls_role {
    SOTTO_DTLS_CLIENT = 0,   /* a=setup:active: sends the ClientHello */
    SOTTO_DTLS_SERVER,       /* a=setup:passive: waits for it */
} sotto_dtls_role;

typedef enum sotto_dtls_state {
    SOTTO_DTLS_NEW = 0,          /* created, not started */
    SOTTO_DTLS_HANDSHAKING,
    SOTTO_DTLS_AWAITING_FINGERPRINT, /* handshake done, remote fingerprint not set yet */
    SOTTO_DTLS_CONNECTED,        /* peer verified, keys delivered */
    SOTTO_DTLS_FAILED,           /* handshake failed, timed out, or the peer closed */
} sotto_dtls_state;

/* Sends one datagram to the peer. Returns 0 or a negative errno (the
 * datagram is then lost, as on any UDP path; DTLS retransmits). */
typedef int (*sotto_dtls_send_cb)(void *opaque, const uint8_t *data, size_t len);
/* The association is verified: keys (valid for the call; copy them) hold
 * the negotiated profile and this side's and the peer's master keys. */
typedef void (*sotto_dtls_connected_cb)(void *opaque, const sotto_srtp_keys *keys);
/* Terminal failure with a one-line reason (valid for the call). */
typedef void (*sotto_dtls_failed_cb)(void *opaque, const char *reason);

typedef struct sotto_dtls_params {
    sotto_dtls_role role;                 /* default client */
    const sotto_identity *identity;       /* required; not retained after create */
    const char *remote_fingerprint;       /* a=fingerprint value; NULL = set later */
    sotto_srtp_profile profiles[SOTTO_SRTP_PROFILE_COUNT]; /* preference order */
    size_t profile_count;                 /* 0 = AEAD_AES_128_GCM, AES128_CM_SHA1_80, _32 */
    unsigned mtu;                         /* bytes per datagram; default 1200 */
    unsigned handshake_timeout_ms;        /* default 20000 */
    unsigned link_kbps;                   /* rate of the slowest link on the path, kbit/s;
                                           * 0 = fast (default). A flight is retransmitted
                                           * only after it could have left and an answer
                                           * come back over such a link */
    sotto_dtls_send_cb send;              /* required */
    sotto_dtls_connected_cb on_connected; /* required */
    sotto_dtls_failed_cb on_failed;       /* required */
    void *opaque;                         /* passed to callbacks; not owned */
} sotto_dtls_params;

void sotto_dtls_params_default(sotto_dtls_params *out);

/* Creates the association (nothing is sent yet). loop is kept, not owned.
 * Returns 0 and sets *out_dtls (release with sotto_dtls_destroy); -EINVAL
 * for NULL, a bad profile list or a malformed fingerprint; -ENOTSUP for a
 * fingerprint hash other than sha-256; -ENOMEM; -EIO when OpenSSL refuses
 * the configuration. A one-line reason goes into err. */
int sotto_dtls_create(sotto_dtls **out_dtls, uv_loop_t *loop, const sotto_dtls_params *params,
                      char *err, size_t errlen);

/* Starts the handshake: a client sends its ClientHello, a server starts
 * listening. Either way the handshake deadline starts. Call once the ICE
 * pair works. Returns 0, -EINVAL, -EALREADY. */
int sotto_dtls_start(sotto_dtls *d);

/* Sets the remote SDP fingerprint ("sha-256 AB:CD:..."). When the
 * handshake already finished, the peer is verified now and on_connected or
 * on_failed is called before this returns. Returns 0; -EINVAL or -ENOTSUP
 * as for create; -EALREADY when one was already set. */
int sotto_dtls_set_remote_fingerprint(sotto_dtls *d, const char *fingerprint);

/* Feeds one datagram that RFC 7983 classified as DTLS. Returns 0 (also
 * when OpenSSL silently discards it, as DTLS does with bad records);
 * -EBADMSG when the record framing is malformed (nothing reaches
 * OpenSSL); -EINVAL for NULL; -EPIPE after a failure. */
int sotto_dtls_receive(sotto_dtls *d, const uint8_t *data, size_t len);

/* Sends close_notify when connected (best effort, no callback). Returns 0
 * or -EINVAL. */
int sotto_dtls_close_notify(sotto_dtls *d);

sotto_dtls_state sotto_dtls_get_state(const sotto_dtls *d);

/* Parses an SDP fingerprint value: "sha-256" (any case), one or more
 * spaces, then 32 hex pairs (any case) joined by ':'. Returns 0 and fills
 * out; -ENOTSUP for another hash name; -EINVAL otherwise. */
int sotto_dtls_parse_fingerprint(const char *text, uint8_t out[SOTTO_FINGERPRINT_LEN]);

/* Checks that data holds only whole DTLS records (13-byte header with
 * content type 20..63 and version major 254, length inside data). Returns
 * the record count (>= 1), or -EBADMSG. */
int sotto_dtls_check_records(const uint8_t *data, size_t len);

/* Frees OpenSSL state at once; the timers are closed and freed by the
 * loop. Nothing is sent (see sotto_dtls_close_notify). Accepts NULL and
 * *d == NULL; sets *d to NULL. */
void sotto_dtls_destroy(sotto_dtls **d);

#endif
