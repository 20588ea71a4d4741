/* Private to net/: SRTP/SRTCP sessions (libsrtp2) keyed by DTLS-SRTP.
 *
 * One sotto_srtp holds an outbound session (what we send, our keys) and an
 * inbound session (what the peer sends, its keys), each matching any SSRC,
 * with replay protection on (libsrtp's default window of 128 packets).
 * RTP and RTCP share one transport (rtcp-mux, RFC 5761). libsrtp status
 * codes become negative errno values here and go no further.
 *
 * libsrtp keeps process-wide state (its crypto kernel): srtp_init runs once
 * per process behind pthread_once, and srtp_shutdown never runs. This is
 * the one global Sotto cannot avoid. Sessions are used from one thread. */
#ifndef SOTTO_NET_SRTP_H
#define SOTTO_NET_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* DTLS-SRTP protection profiles; the values are the IANA identifiers. */
typedef enum sotto_srtp_profile {
    SOTTO_SRTP_NONE = 0,
    SOTTO_SRTP_AES128_CM_SHA1_80 = 0x0001,
    SOTTO_SRTP_AES128_CM_SHA1_32 = 0x0002,
    SOTTO_SRTP_AEAD_AES_128_GCM = 0x0007,
} sotto_srtp_profile;

#define SOTTO_SRTP_PROFILE_COUNT 3
#define SOTTO_SRTP_MAX_MASTER 30   /* bytes: 16 key + 14 salt (GCM: 16 + 12) */
/* Room sotto_srtp_protect_* may add after the packet (tag, SRTCP index). */
#define SOTTO_SRTP_MAX_OVERHEAD 148

typedef struct sotto_srtp_keys {
    sotto_srtp_profile profile;
    size_t key_len;                              /* master key bytes: 16 */
    size_t salt_len;                             /* master salt bytes: 14, GCM 12 */
    uint8_t local_master[SOTTO_SRTP_MAX_MASTER]; /* key || salt protecting what we send */
    uint8_t remote_master[SOTTO_SRTP_MAX_MASTER];/* key || salt of what the peer sends */
} sotto_srtp_keys;

typedef struct sotto_srtp sotto_srtp;

/* Master key and salt lengths of profile. Returns 0, or -ENOTSUP for a
 * profile this build does not know. */
int sotto_srtp_profile_lengths(sotto_srtp_profile profile, size_t *out_key_len,
                               size_t *out_salt_len);

/* "SRTP_AES128_CM_SHA1_80" etc. (the DTLS use_srtp names); static. NULL
 * for an unknown profile. */
const char *sotto_srtp_profile_name(sotto_srtp_profile profile);

/* Bytes the profile's authentication tag adds to each SRTP packet: 10,
 * 4 or 16 (GCM); 0 for an unknown profile. */
size_t sotto_srtp_profile_tag_bytes(sotto_srtp_profile profile);

/* Creates both sessions from keys (copied; the caller should wipe its
 * copy). Returns 0 and sets *out_srtp (release with sotto_srtp_destroy);
 * -EINVAL for NULL or lengths that do not match the profile, -ENOTSUP for
 * an unknown profile, -ENOMEM, -EIO when libsrtp cannot initialise. */
int sotto_srtp_create(sotto_srtp **out_srtp, const sotto_srtp_keys *keys);

/* Encrypts and authenticates, in place, the RTP packet of len bytes in buf
 * (cap bytes, caller-owned; cap must exceed len by SOTTO_SRTP_MAX_OVERHEAD).
 * Returns 0 and sets *out_len; -EINVAL for a malformed packet or NULL,
 * -ENOSPC when cap is too small, -EIO for any other libsrtp failure. */
int sotto_srtp_protect_rtp(sotto_srtp *s, uint8_t *buf, size_t len, size_t cap, size_t *out_len);

/* Same for one (compound) RTCP packet. */
int sotto_srtp_protect_rtcp(sotto_srtp *s, uint8_t *buf, size_t len, size_t cap, size_t *out_len);

/* Verifies and decrypts, in place, one SRTP (or SRTCP, when is_rtcp)
 * packet of len bytes. Returns 0 and sets *out_len; -EBADMSG when
 * authentication fails or the packet is malformed, -EALREADY for a replay
 * or a packet older than the window, -EINVAL for NULL, -EIO otherwise. */
int sotto_srtp_unprotect(sotto_srtp *s, uint8_t *buf, size_t len, int is_rtcp, size_t *out_len);

/* RFC 5761 section 4: on a muxed transport, a second byte (marker bit and
 * payload type) of 192..223 means RTCP. Returns 1 for RTCP, 0 for RTP; 0
 * when len < 2. */
int sotto_srtp_is_rtcp(const uint8_t *buf, size_t len);

/* Frees both sessions (libsrtp owns and releases their key schedules). Accepts NULL and *s == NULL;
 * sets *s to NULL. */
void sotto_srtp_destroy(sotto_srtp **s);

#endif
