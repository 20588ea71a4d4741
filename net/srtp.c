/* SRTP sessions over libsrtp2; see srtp.h. */
#include "net/srtp.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(SOTTO_SRTP_MAX_OVERHEAD >= SRTP_MAX_TRAILER_LEN + 4,
               "SRTCP adds its 4-byte index after libsrtp's trailer");

struct sotto_srtp {
    srtp_t outbound;    /* protects what we send */
    srtp_t inbound;     /* checks what the peer sends */
};

/* The one process-wide state: libsrtp's crypto kernel, set up once. */
static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t srtp_init_status = srtp_err_status_fail;

static void srtp_init_once(void)
{
    srtp_init_status = srtp_init();
}

static int status_to_errno(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok:
        return 0;
    case srtp_err_status_bad_param:
        return -EINVAL;
    case srtp_err_status_alloc_fail:
        return -ENOMEM;
    case srtp_err_status_auth_fail:
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_mki:
        return -EBADMSG;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old:
        return -EALREADY;
    case srtp_err_status_key_expired:
        return -EKEYEXPIRED;
    default:
        return -EIO;
    }
}

int sotto_srtp_profile_lengths(sotto_srtp_profile profile, size_t *out_key_len,
                               size_t *out_salt_len)
{
    size_t salt;

    switch (profile) {
    case SOTTO_SRTP_AES128_CM_SHA1_80:
    case SOTTO_SRTP_AES128_CM_SHA1_32:
        salt = 14;
        break;
    case SOTTO_SRTP_AEAD_AES_128_GCM:
        salt = 12;
        break;
    default:
        return -ENOTSUP;
    }
    if (out_key_len)
        *out_key_len = 16;
    if (out_salt_len)
        *out_salt_len = salt;
    return 0;
}

const char *sotto_srtp_profile_name(sotto_srtp_profile profile)
{
    switch (profile) {
    case SOTTO_SRTP_AES128_CM_SHA1_80: return "SRTP_AES128_CM_SHA1_80";
    case SOTTO_SRTP_AES128_CM_SHA1_32: return "SRTP_AES128_CM_SHA1_32";
    case SOTTO_SRTP_AEAD_AES_128_GCM: return "SRTP_AEAD_AES_128_GCM";
    default: return NULL;
    }
}

size_t sotto_srtp_profile_tag_bytes(sotto_srtp_profile profile)
{
    switch (profile) {
    case SOTTO_SRTP_AES128_CM_SHA1_80: return 10;
    case SOTTO_SRTP_AES128_CM_SHA1_32: return 4;
    case SOTTO_SRTP_AEAD_AES_128_GCM: return 16;
    default: return 0;
    }
}

/* RFC 5764 section 4.1.2 profiles map one to one onto libsrtp's, whose
 * enum uses the same IANA numbers (RTCP of the _32 profile keeps an
 * 80-bit tag, as that section requires; libsrtp does this). */
static int make_session(srtp_t *out, const sotto_srtp_keys *k, const uint8_t *master,
                        srtp_ssrc_type_t direction)
{
    srtp_policy_t policy;
    uint8_t key[SOTTO_SRTP_MAX_MASTER];
    srtp_err_status_t st;

    memset(&policy, 0, sizeof(policy));
    st = srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, (srtp_profile_t)k->profile);
    if (st == srtp_err_status_ok)
        st = srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, (srtp_profile_t)k->profile);
    if (st != srtp_err_status_ok)
        return -ENOTSUP;
    memcpy(key, master, k->key_len + k->salt_len);
    policy.ssrc.type = direction;
    policy.key = key;
    policy.window_size = 0;      /* 0 = libsrtp's default, 128 */
    policy.allow_repeat_tx = 0;  /* a resend of the same index is refused */
    st = srtp_create(out, &policy);
    explicit_bzero(key, sizeof(key));
    return status_to_errno(st);
}

int sotto_srtp_create(sotto_srtp **out_srtp, const sotto_srtp_keys *keys)
{
    size_t key_len, salt_len;
    sotto_srtp *s;
    int rc;

    if (!out_srtp || !keys)
        return -EINVAL;
    rc = sotto_srtp_profile_lengths(keys->profile, &key_len, &salt_len);
    if (rc != 0)
        return rc;
    if (keys->key_len != key_len || keys->salt_len != salt_len)
        return -EINVAL;
    pthread_once(&srtp_once, srtp_init_once);
    if (srtp_init_status != srtp_err_status_ok)
        return -EIO;
    s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    rc = make_session(&s->outbound, keys, keys->local_master, ssrc_any_outbound);
    if (rc == 0)
        rc = make_session(&s->inbound, keys, keys->remote_master, ssrc_any_inbound);
    if (rc != 0)
        goto fail;
    *out_srtp = s;
    return 0;
fail:
    sotto_srtp_destroy(&s);
    return rc;
}

static int protect(sotto_srtp *s, uint8_t *buf, size_t len, size_t cap, size_t *out_len, int rtcp)
{
    size_t header = rtcp ? 8 : 12;
    int n;
    srtp_err_status_t st;

    if (!s || !buf || !out_len)
        return -EINVAL;
    if (len < header || (buf[0] >> 6) != 2 || len > INT_MAX - SOTTO_SRTP_MAX_OVERHEAD)
        return -EINVAL;
    if (cap < len + SOTTO_SRTP_MAX_OVERHEAD)
        return -ENOSPC;
    n = (int)len;
    st = rtcp ? srtp_protect_rtcp(s->outbound, buf, &n) : srtp_protect(s->outbound, buf, &n);
    if (st != srtp_err_status_ok)
        return status_to_errno(st) == -EINVAL ? -EINVAL : -EIO;
    *out_len = (size_t)n;
    return 0;
}

int sotto_srtp_protect_rtp(sotto_srtp *s, uint8_t *buf, size_t len, size_t cap, size_t *out_len)
{
    return protect(s, buf, len, cap, out_len, 0);
}

int sotto_srtp_protect_rtcp(sotto_srtp *s, uint8_t *buf, size_t len, size_t cap, size_t *out_len)
{
    return protect(s, buf, len, cap, out_len, 1);
}

int sotto_srtp_unprotect(sotto_srtp *s, uint8_t *buf, size_t len, int is_rtcp, size_t *out_len)
{
    int n;
    srtp_err_status_t st;

    if (!s || !buf || !out_len)
        return -EINVAL;
    /* Smallest packets that can carry a header and a tag; libsrtp checks
     * again, but a runt never needs to reach it. */
    if (len < (is_rtcp ? 8u + 4u + 4u : 12u + 4u) || len > INT_MAX || (buf[0] >> 6) != 2)
        return -EBADMSG;
    n = (int)len;
    st = is_rtcp ? srtp_unprotect_rtcp(s->inbound, buf, &n) : srtp_unprotect(s->inbound, buf, &n);
    if (st != srtp_err_status_ok) {
        int rc = status_to_errno(st);
        return rc == -EINVAL ? -EBADMSG : rc;
    }
    *out_len = (size_t)n;
    return 0;
}

int sotto_srtp_is_rtcp(const uint8_t *buf, size_t len)
{
    return buf && len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

void sotto_srtp_destroy(sotto_srtp **s)
{
    if (!s || !*s)
        return;
    if ((*s)->outbound)
        srtp_dealloc((*s)->outbound);
    if ((*s)->inbound)
        srtp_dealloc((*s)->inbound);
    free(*s);
    *s = NULL;
}
