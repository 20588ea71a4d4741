/* Private to net/: the daemon's DTLS identity, an ECDSA P-256 key and a
 * self-signed X.509 certificate, kept in <state_dir>/identity.pem.
 *
 * WebRTC peers do not check certificate chains: each side pins the other's
 * certificate by the sha-256 fingerprint carried in SDP. Keeping the
 * identity across restarts keeps that fingerprint stable. The file holds a
 * PKCS#8 PEM private key followed by the PEM certificate; it is created
 * with mode 0600 and refused when group or others can read it. */
#ifndef SOTTO_NET_IDENTITY_H
#define SOTTO_NET_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_IDENTITY_FILE "identity.pem"
#define SOTTO_FINGERPRINT_LEN 32       /* sha-256 bytes */
#define SOTTO_FINGERPRINT_TEXT 96      /* "AB:CD:...:EF" (95 chars) + NUL */
#define SOTTO_IDENTITY_VALID_DAYS 365  /* certificate lifetime */
#define SOTTO_IDENTITY_RENEW_DAYS 30   /* reissue when fewer days remain */

/* OpenSSL's own tag, so users of this header need not include OpenSSL. */
struct ssl_ctx_st;

typedef struct sotto_identity sotto_identity;

/* Loads <state_dir>/identity.pem, or creates it (and state_dir, mode 0700,
 * when missing). A certificate with fewer than SOTTO_IDENTITY_RENEW_DAYS
 * left is reissued for the same key, so the fingerprint changes but the key
 * does not. Returns 0 and sets *out_id (release with
 * sotto_identity_destroy); -EINVAL for NULL; -EACCES when the file is
 * readable by group or others or not owned by us; -EBADMSG when it does
 * not hold a matching P-256 key and certificate; -ENAMETOOLONG; -ENOMEM;
 * or the negative errno of a failed system call. A one-line reason goes
 * into err. */
int sotto_identity_load_or_create(sotto_identity **out_id, const char *state_dir, char *err,
                                  size_t errlen);

/* A fresh identity kept only in memory (tests, or no state directory).
 * Returns 0 and sets *out_id, -EINVAL, -ENOMEM, -EIO. */
int sotto_identity_create_ephemeral(sotto_identity **out_id, char *err, size_t errlen);

/* The certificate's sha-256 fingerprint as SDP writes it: uppercase hex
 * pairs joined by ':' (95 chars). Owned by id; "" for NULL. */
const char *sotto_identity_fingerprint(const sotto_identity *id);

/* Copies the 32 fingerprint bytes into out. Returns 0 or -EINVAL. */
int sotto_identity_fingerprint_bytes(const sotto_identity *id, uint8_t out[SOTTO_FINGERPRINT_LEN]);

/* Installs the certificate and key in an OpenSSL SSL_CTX, which takes its
 * own references: id may be destroyed afterwards. Returns 0, -EINVAL, -EIO. */
int sotto_identity_use_in(const sotto_identity *id, struct ssl_ctx_st *ctx);

/* Frees the key (OpenSSL clears private key memory on free) and the
 * certificate. Accepts NULL and *id == NULL; sets *id to NULL. */
void sotto_identity_destroy(sotto_identity **id);

#endif
