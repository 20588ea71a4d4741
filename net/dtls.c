/* DTLS-SRTP key agreement over memory BIOs; see dtls.h. */
#include "net/err.h"
#include "net/dtls.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DTLS_HEADER 13            /* type, version, epoch, sequence, length */
#define DTLS_MTU_MIN 512
#define DTLS_MTU_MAX 1500
#define DTLS_EXPORTER_LABEL "EXTRACTOR-dtls_srtp"
/* Forward-secret AEAD suites first; ECDSA for our own certificate, RSA
 * only so that a peer with an RSA certificate can still be a server. */
#define DTLS_CIPHERS "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:" \
                     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:" \
                     "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384"

struct sotto_dtls {
    uv_loop_t *loop;                   /* not owned */
    uv_timer_t retransmit;             /* DTLSv1_get_timeout */
    uv_timer_t deadline;               /* whole handshake, handshake_timeout_ms */
    int handles_open;                  /* timers not yet closed: 0..2 */
    SSL_CTX *ctx;                      /* owned */
    SSL *ssl;                          /* owned; owns rbio and wbio */
    BIO *rbio;                         /* datagrams from the peer */
    BIO *wbio;                         /* records for the peer */
    sotto_dtls_role role;
    sotto_dtls_state state;            /* starts NEW */
    int has_fingerprint;               /* remote_fp is set */
    uint8_t remote_fp[SOTTO_FINGERPRINT_LEN];
    int fingerprint_mismatch;          /* the verify callback refused the peer */
    sotto_srtp_keys keys;              /* held while AWAITING_FINGERPRINT; wiped after */
    unsigned mtu;                      /* bytes per datagram; default 1200 */
    unsigned timeout_ms;               /* handshake deadline; default 20000 */
    unsigned link_kbps;                /* slowest link on the path; 0 = fast */
    size_t flight_bytes;               /* sent since the peer's last datagram */
    sotto_dtls_send_cb send;
    sotto_dtls_connected_cb on_connected;
    sotto_dtls_failed_cb on_failed;
    void *opaque;
};


void sotto_dtls_params_default(sotto_dtls_params *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->mtu = 1200;
    out->handshake_timeout_ms = 20000;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sotto_dtls_parse_fingerprint(const char *text, uint8_t out[SOTTO_FINGERPRINT_LEN])
{
    uint8_t bytes[SOTTO_FINGERPRINT_LEN];
    size_t name_len;
    const char *p;

    if (!text || !out)
        return -EINVAL;
    name_len = strcspn(text, " ");
    if (name_len == 0 || text[name_len] != ' ')
        return -EINVAL;
    if (name_len != strlen(SOTTO_DTLS_FINGERPRINT_PREFIX) ||
        strncasecmp(text, SOTTO_DTLS_FINGERPRINT_PREFIX, name_len) != 0)
        return -ENOTSUP;
    p = text + name_len;
    while (*p == ' ')
        p++;
    for (size_t i = 0; i < SOTTO_FINGERPRINT_LEN; i++) {
        int hi = hex_value(p[0]);
        int lo = hi < 0 ? -1 : hex_value(p[1]);
        if (lo < 0)
            return -EINVAL;
        bytes[i] = (uint8_t)(hi << 4 | lo);
        p += 2;
        if (i + 1 < SOTTO_FINGERPRINT_LEN && *p++ != ':')
            return -EINVAL;
    }
    if (*p != '\0')
        return -EINVAL;
    memcpy(out, bytes, sizeof(bytes));
    return 0;
}

int sotto_dtls_check_records(const uint8_t *data, size_t len)
{
    size_t off = 0;
    int count = 0;

    if (!data || len == 0)
        return -EBADMSG;
    while (off < len) {
        const uint8_t *r = data + off;
        size_t body;
        if (len - off < DTLS_HEADER || r[0] < 20 || r[0] > 63 || r[1] != 254)
            return -EBADMSG;
        body = (size_t)r[11] << 8 | r[12];
        if (body > len - off - DTLS_HEADER)
            return -EBADMSG;
        off += DTLS_HEADER + body;
        count++;
    }
    return count;
}

static int cert_matches(X509 *cert, const uint8_t expected[SOTTO_FINGERPRINT_LEN])
{
    uint8_t md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    if (!cert || !X509_digest(cert, EVP_sha256(), md, &len) || len != SOTTO_FINGERPRINT_LEN)
        return 0;
    return CRYPTO_memcmp(md, expected, SOTTO_FINGERPRINT_LEN) == 0;
}

/* The chain is self-signed, so OpenSSL's own verdict is ignored; what
 * counts is the leaf's fingerprint against the SDP, when already known. */
static int verify_cb(int preverify_ok, X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    sotto_dtls *d = ssl ? SSL_get_app_data(ssl) : NULL;

    (void)preverify_ok;
    if (!d || X509_STORE_CTX_get_error_depth(store) != 0 || !d->has_fingerprint)
        return 1;
    if (cert_matches(X509_STORE_CTX_get_current_cert(store), d->remote_fp))
        return 1;
    d->fingerprint_mismatch = 1;
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
}

/* Sends what OpenSSL wrote: whole records, packed into datagrams of at
 * most mtu bytes (a record larger than mtu goes alone). */
static void flush_output(sotto_dtls *d)
{
    char *data = NULL;
    long n = BIO_get_mem_data(d->wbio, &data);
    size_t len, off = 0, start = 0;

    if (n <= 0 || !data)
        return;
    len = (size_t)n;
    while (off < len) {
        size_t rec = len - off;
        if (rec >= DTLS_HEADER) {
            size_t body = (size_t)(uint8_t)data[off + 11] << 8 | (uint8_t)data[off + 12];
            if (DTLS_HEADER + body < rec)
                rec = DTLS_HEADER + body;
        }
        if (off > start && off + rec - start > d->mtu) {
            d->send(d->opaque, (const uint8_t *)data + start, off - start);
            start = off;
        }
        off += rec;
    }
    if (off > start)
        d->send(d->opaque, (const uint8_t *)data + start, off - start);
    d->flight_bytes += len;
    (void)BIO_reset(d->wbio);
}

static void stop_timers(sotto_dtls *d)
{
    uv_timer_stop(&d->retransmit);
    uv_timer_stop(&d->deadline);
}

static void fail(sotto_dtls *d, const char *reason)
{
    if (d->state == SOTTO_DTLS_FAILED)
        return;
    d->state = SOTTO_DTLS_FAILED;
    stop_timers(d);
    flush_output(d);   /* the alert OpenSSL queued, if any */
    OPENSSL_cleanse(&d->keys, sizeof(d->keys));
    ERR_clear_error();
    d->on_failed(d->opaque, reason);
}

/* Fails with OpenSSL's first queued reason, or ours. */
static void fail_with_openssl(sotto_dtls *d, const char *what)
{
    char reason[200];
    unsigned long e = ERR_peek_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;

    if (d->fingerprint_mismatch) {
        fail(d, SOTTO_DTLS_REASON_FINGERPRINT);
        return;
    }
    snprintf(reason, sizeof(reason), "%s: %s", what, why ? why : "unknown error");
    fail(d, reason);
}

static void on_retransmit(uv_timer_t *h);

static void arm_retransmit(sotto_dtls *d)
{
    struct timeval tv;

    if (DTLSv1_get_timeout(d->ssl, &tv) == 1) {
        uint64_t ms = (uint64_t)tv.tv_sec * 1000 + ((uint64_t)tv.tv_usec + 999) / 1000;
        /* OpenSSL's timeout runs from now; libuv's cached clock may lag. */
        uv_update_time(d->loop);
        uv_timer_start(&d->retransmit, on_retransmit, ms, 0);
    } else {
        uv_timer_stop(&d->retransmit);
    }
}

static void deliver_keys(sotto_dtls *d)
{
    X509 *peer = SSL_get0_peer_certificate(d->ssl);

    if (!cert_matches(peer, d->remote_fp)) {
        fail(d, SOTTO_DTLS_REASON_FINGERPRINT);
        return;
    }
    d->state = SOTTO_DTLS_CONNECTED;
    uv_timer_stop(&d->deadline);
    d->on_connected(d->opaque, &d->keys);
    OPENSSL_cleanse(&d->keys, sizeof(d->keys));
}

/* RFC 5764 section 4.2: client key, server key, client salt, server salt. */
static int export_keys(sotto_dtls *d)
{
    const SRTP_PROTECTION_PROFILE *prof = SSL_get_selected_srtp_profile(d->ssl);
    uint8_t material[2 * SOTTO_SRTP_MAX_MASTER];
    sotto_srtp_keys *k = &d->keys;
    const uint8_t *client_key, *server_key, *client_salt, *server_salt;

    if (!prof || sotto_srtp_profile_lengths((sotto_srtp_profile)prof->id, &k->key_len,
                                            &k->salt_len) != 0)
        return -ENOTSUP;
    k->profile = (sotto_srtp_profile)prof->id;
    if (SSL_export_keying_material(d->ssl, material, 2 * (k->key_len + k->salt_len),
                                   DTLS_EXPORTER_LABEL, strlen(DTLS_EXPORTER_LABEL),
                                   NULL, 0, 0) != 1)
        return -EIO;
    client_key = material;
    server_key = client_key + k->key_len;
    client_salt = server_key + k->key_len;
    server_salt = client_salt + k->salt_len;
    if (d->role == SOTTO_DTLS_CLIENT) {
        memcpy(k->local_master, client_key, k->key_len);
        memcpy(k->local_master + k->key_len, client_salt, k->salt_len);
        memcpy(k->remote_master, server_key, k->key_len);
        memcpy(k->remote_master + k->key_len, server_salt, k->salt_len);
    } else {
        memcpy(k->local_master, server_key, k->key_len);
        memcpy(k->local_master + k->key_len, server_salt, k->salt_len);
        memcpy(k->remote_master, client_key, k->key_len);
        memcpy(k->remote_master + k->key_len, client_salt, k->salt_len);
    }
    OPENSSL_cleanse(material, sizeof(material));
    return 0;
}

static void handshake_done(sotto_dtls *d)
{
    int rc;

    uv_timer_stop(&d->retransmit);
    rc = export_keys(d);
    if (rc == -ENOTSUP) {
        fail(d, "DTLS: the peer did not negotiate a DTLS-SRTP profile");
        return;
    }
    if (rc != 0) {
        fail_with_openssl(d, "DTLS: exporting SRTP keys failed");
        return;
    }
    if (!d->has_fingerprint) {
        d->state = SOTTO_DTLS_AWAITING_FINGERPRINT;
        return;
    }
    deliver_keys(d);
}

static void handshake_step(sotto_dtls *d)
{
    int r, e;

    ERR_clear_error();
    r = SSL_do_handshake(d->ssl);
    flush_output(d);
    if (r == 1) {
        handshake_done(d);
        return;
    }
    e = SSL_get_error(d->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        arm_retransmit(d);
        return;
    }
    fail_with_openssl(d, "DTLS handshake failed");
}

static void on_retransmit(uv_timer_t *h)
{
    sotto_dtls *d = h->data;

    if (d->state != SOTTO_DTLS_HANDSHAKING)
        return;
    ERR_clear_error();
    if (DTLSv1_handle_timeout(d->ssl) < 0) {
        fail_with_openssl(d, "DTLS handshake gave up retransmitting");
        return;
    }
    flush_output(d);
    arm_retransmit(d);
}

static void on_deadline(uv_timer_t *h)
{
    sotto_dtls *d = h->data;

    if (d->state == SOTTO_DTLS_HANDSHAKING)
        fail(d, "DTLS handshake timed out");
    else if (d->state == SOTTO_DTLS_AWAITING_FINGERPRINT)
        fail(d, "DTLS: the remote fingerprint never arrived");
}

int sotto_dtls_start(sotto_dtls *d)
{
    if (!d)
        return -EINVAL;
    if (d->state != SOTTO_DTLS_NEW)
        return -EALREADY;
    d->state = SOTTO_DTLS_HANDSHAKING;
    uv_update_time(d->loop);
    uv_timer_start(&d->deadline, on_deadline, d->timeout_ms, 0);
    if (d->role == SOTTO_DTLS_CLIENT)
        handshake_step(d);
    return 0;
}

int sotto_dtls_set_remote_fingerprint(sotto_dtls *d, const char *fingerprint)
{
    int rc;

    if (!d || !fingerprint)
        return -EINVAL;
    if (d->has_fingerprint)
        return -EALREADY;
    rc = sotto_dtls_parse_fingerprint(fingerprint, d->remote_fp);
    if (rc != 0)
        return rc;
    d->has_fingerprint = 1;
    if (d->state == SOTTO_DTLS_AWAITING_FINGERPRINT)
        deliver_keys(d);
    return 0;
}

/* After the handshake: alerts, a retransmitted Finished (answered by
 * OpenSSL with our last flight), or application data, which SRTP-only
 * DTLS does not use and drops. */
static void read_connected(sotto_dtls *d)
{
    uint8_t sink[2048];
    int r, e;

    ERR_clear_error();
    do {
        r = SSL_read(d->ssl, sink, sizeof(sink));
    } while (r > 0);
    flush_output(d);
    e = SSL_get_error(d->ssl, r);
    if (e == SSL_ERROR_ZERO_RETURN)
        fail(d, "DTLS: the peer closed the association");
    else if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        fail_with_openssl(d, "DTLS failed");
    ERR_clear_error();
}

int sotto_dtls_receive(sotto_dtls *d, const uint8_t *data, size_t len)
{
    if (!d || !data)
        return -EINVAL;
    if (d->state == SOTTO_DTLS_FAILED)
        return -EPIPE;
    if (sotto_dtls_check_records(data, len) < 0)
        return -EBADMSG;
    if (d->state == SOTTO_DTLS_NEW) {
        /* A client waits for start; a server may hear the ClientHello
         * before its own ICE side reports the pair working. */
        if (d->role == SOTTO_DTLS_CLIENT)
            return 0;
        sotto_dtls_start(d);
    }
    /* One datagram at a time: stale bytes must not prefix the next one. */
    (void)BIO_reset(d->rbio);
    d->flight_bytes = 0; /* the peer answered: what we send next is a new flight */
    if (BIO_write(d->rbio, data, (int)len) != (int)len)
        return -ENOMEM;
    if (d->state == SOTTO_DTLS_HANDSHAKING)
        handshake_step(d);
    else
        read_connected(d);
    return 0;
}

int sotto_dtls_close_notify(sotto_dtls *d)
{
    if (!d)
        return -EINVAL;
    if (d->state == SOTTO_DTLS_CONNECTED) {
        ERR_clear_error();
        SSL_shutdown(d->ssl);
        flush_output(d);
        ERR_clear_error();
    }
    return 0;
}

sotto_dtls_state sotto_dtls_get_state(const sotto_dtls *d)
{
    return d ? d->state : SOTTO_DTLS_FAILED;
}

/* "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80" in preference order. */
static int profile_list(const sotto_dtls_params *p, char *buf, size_t size)
{
    static const sotto_srtp_profile defaults[] = {
        SOTTO_SRTP_AEAD_AES_128_GCM, SOTTO_SRTP_AES128_CM_SHA1_80, SOTTO_SRTP_AES128_CM_SHA1_32,
    };
    const sotto_srtp_profile *list = p->profile_count ? p->profiles : defaults;
    size_t count = p->profile_count ? p->profile_count : SOTTO_SRTP_PROFILE_COUNT;
    size_t used = 0;

    if (count > SOTTO_SRTP_PROFILE_COUNT)
        return -EINVAL;
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *name = sotto_srtp_profile_name(list[i]);
        int n;
        if (!name)
            return -EINVAL;
        n = snprintf(buf + used, size - used, "%s%s", i ? ":" : "", name);
        if (n < 0 || (size_t)n >= size - used)
            return -EINVAL;
        used += (size_t)n;
    }
    return 0;
}

#define RETRANSMIT_FIRST_US 400000u  /* first flight retransmitted after 400 ms */
#define RETRANSMIT_MAX_US 2000000u    /* backoff ends at 2 s */

#define LINK_HEADERS 48              /* per datagram on a link: IPv4, UDP, link framing */

/* OpenSSL's default backoff (1, 2, 4, 8 s...) fits four tries into a 20 s
 * deadline; on a link losing 15 % in bursts a flight of several datagrams
 * needs more, so retry sooner and cap the backoff (as browsers do). On a
 * slow link a flight (a certificate: about a kilobyte) takes a second or
 * more to leave, and the answer as long to come back: a retransmission
 * before that only queues a second copy behind the first, and delays
 * everything after it (the call's first audio). So every wait is at least
 * twice the flight's time on the link, on top of the fast-link wait. */
static unsigned int retransmit_backoff(SSL *ssl, unsigned int previous_us)
{
    const sotto_dtls *d = SSL_get_app_data(ssl);
    unsigned int next = previous_us ? previous_us * 2 : RETRANSMIT_FIRST_US;
    unsigned int most = RETRANSMIT_MAX_US;

    if (d && d->link_kbps) {
        /* The flight: sent already, or still in the write buffer when
         * OpenSSL starts the timer before we pass the flight on. */
        size_t bytes = d->flight_bytes + BIO_ctrl_pending(d->wbio);
        size_t datagrams = bytes / d->mtu + 1;
        uint64_t bits = (uint64_t)(bytes + datagrams * LINK_HEADERS) * 8u;
        uint64_t floor_us = RETRANSMIT_FIRST_US + 2u * bits * 1000u / d->link_kbps;

        if (floor_us > 30000000u)
            floor_us = 30000000u;
        if (next < floor_us)
            next = (unsigned int)floor_us;
        if (most < floor_us)
            most = (unsigned int)floor_us;
    }
    return next > most ? most : next;
}

static int make_ssl(sotto_dtls *d, const sotto_dtls_params *p, const char *profiles, char *err,
                    size_t errlen)
{
    d->ctx = SSL_CTX_new(DTLS_method());
    if (!d->ctx)
        return -ENOMEM;
    SSL_CTX_set_min_proto_version(d->ctx, DTLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(d->ctx, DTLS1_2_VERSION);
    SSL_CTX_set_options(d->ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(d->ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_cb);
    /* SSL_CTX_set_tlsext_use_srtp returns 0 on success. */
    if (SSL_CTX_set_cipher_list(d->ctx, DTLS_CIPHERS) != 1 ||
        SSL_CTX_set1_groups_list(d->ctx, "X25519:P-256") != 1 ||
        SSL_CTX_set_tlsext_use_srtp(d->ctx, profiles) != 0 ||
        sotto_identity_use_in(p->identity, d->ctx) != 0) {
        sotto__net_errf(err, errlen, "DTLS: OpenSSL refused the configuration");
        return -EIO;
    }
    d->ssl = SSL_new(d->ctx);
    d->rbio = BIO_new(BIO_s_mem());
    d->wbio = BIO_new(BIO_s_mem());
    if (!d->ssl || !d->rbio || !d->wbio) {
        BIO_free(d->rbio);
        BIO_free(d->wbio);
        d->rbio = d->wbio = NULL;
        return -ENOMEM;
    }
    /* An empty BIO means "no datagram yet", not end of file. */
    BIO_set_mem_eof_return(d->rbio, -1);
    BIO_set_mem_eof_return(d->wbio, -1);
    SSL_set_bio(d->ssl, d->rbio, d->wbio);
    SSL_set_app_data(d->ssl, d);
    DTLS_set_timer_cb(d->ssl, retransmit_backoff);
    if (SSL_set_mtu(d->ssl, d->mtu) <= 0) {
        sotto__net_errf(err, errlen, "DTLS: OpenSSL refused an MTU of %u", d->mtu);
        return -EINVAL;
    }
    if (p->role == SOTTO_DTLS_CLIENT)
        SSL_set_connect_state(d->ssl);
    else
        SSL_set_accept_state(d->ssl);
    return 0;
}

static int check_params(const sotto_dtls_params *p, char *profiles, size_t size, char *err,
                        size_t errlen)
{
    uint8_t fp[SOTTO_FINGERPRINT_LEN];
    int rc;

    if (!p->identity || !p->send || !p->on_connected || !p->on_failed ||
        (p->role != SOTTO_DTLS_CLIENT && p->role != SOTTO_DTLS_SERVER)) {
        sotto__net_errf(err, errlen, "DTLS: identity, role and every callback are required");
        return -EINVAL;
    }
    if (p->mtu < DTLS_MTU_MIN || p->mtu > DTLS_MTU_MAX || p->handshake_timeout_ms == 0) {
        sotto__net_errf(err, errlen, "DTLS: mtu must be %d..%d and the timeout positive", DTLS_MTU_MIN,
             DTLS_MTU_MAX);
        return -EINVAL;
    }
    if (profile_list(p, profiles, size) != 0) {
        sotto__net_errf(err, errlen, "DTLS: unknown or too many SRTP profiles");
        return -EINVAL;
    }
    if (p->remote_fingerprint) {
        rc = sotto_dtls_parse_fingerprint(p->remote_fingerprint, fp);
        if (rc != 0) {
            sotto__net_errf(err, errlen, "DTLS: remote fingerprint is not \"sha-256\" and 32 hex pairs");
            return rc;
        }
    }
    return 0;
}

static void on_timer_closed(uv_handle_t *h)
{
    sotto_dtls *d = h->data;

    if (--d->handles_open == 0) {
        OPENSSL_cleanse(d, sizeof(*d));
        free(d);
    }
}

int sotto_dtls_create(sotto_dtls **out_dtls, uv_loop_t *loop, const sotto_dtls_params *params,
                      char *err, size_t errlen)
{
    char profiles[128];
    sotto_dtls *d;
    int rc;

    if (!out_dtls || !loop || !params) {
        sotto__net_errf(err, errlen, "DTLS: missing argument");
        return -EINVAL;
    }
    rc = check_params(params, profiles, sizeof(profiles), err, errlen);
    if (rc != 0)
        return rc;
    d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->loop = loop;
    d->role = params->role;
    d->mtu = params->mtu;
    d->timeout_ms = params->handshake_timeout_ms;
    d->link_kbps = params->link_kbps;
    d->send = params->send;
    d->on_connected = params->on_connected;
    d->on_failed = params->on_failed;
    d->opaque = params->opaque;
    uv_timer_init(loop, &d->retransmit);
    uv_timer_init(loop, &d->deadline);
    d->retransmit.data = d;
    d->deadline.data = d;
    d->handles_open = 2;
    rc = make_ssl(d, params, profiles, err, errlen);
    ERR_clear_error();
    if (rc != 0)
        goto fail;
    if (params->remote_fingerprint)
        sotto_dtls_set_remote_fingerprint(d, params->remote_fingerprint);
    *out_dtls = d;
    return 0;
fail:
    sotto_dtls_destroy(&d);
    return rc;
}

void sotto_dtls_destroy(sotto_dtls **d)
{
    sotto_dtls *x;

    if (!d || !*d)
        return;
    x = *d;
    *d = NULL;
    SSL_free(x->ssl);
    SSL_CTX_free(x->ctx);
    x->ssl = NULL;
    x->ctx = NULL;
    OPENSSL_cleanse(&x->keys, sizeof(x->keys));
    uv_close((uv_handle_t *)&x->retransmit, on_timer_closed);
    uv_close((uv_handle_t *)&x->deadline, on_timer_closed);
}
