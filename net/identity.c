/* DTLS identity: P-256 key and self-signed certificate; see identity.h. */
#include "net/err.h"
#include "net/identity.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDENTITY_MAX_FILE (64 * 1024)  /* a key and one certificate are ~1.2 KiB */
#define DAY_SECONDS (24L * 60 * 60)

struct sotto_identity {
    EVP_PKEY *key;                               /* owned */
    X509 *cert;                                  /* owned */
    uint8_t fingerprint[SOTTO_FINGERPRINT_LEN];  /* sha-256 of the DER certificate */
    char fingerprint_text[SOTTO_FINGERPRINT_TEXT];
};


static EVP_PKEY *generate_key(void)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);

    if (kctx && EVP_PKEY_keygen_init(kctx) > 0 &&
        EVP_PKEY_CTX_set_group_name(kctx, "P-256") > 0)
        EVP_PKEY_keygen(kctx, &key);
    EVP_PKEY_CTX_free(kctx);
    return key;
}

static int is_p256(EVP_PKEY *key)
{
    char group[64];
    size_t len = 0;

    if (!EVP_PKEY_is_a(key, "EC") ||
        !EVP_PKEY_get_group_name(key, group, sizeof(group), &len))
        return 0;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

/* Serial: 159 random bits, positive as RFC 5280 requires. */
static int set_random_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    int ok = bn && BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;

    BN_free(bn);
    return ok;
}

static X509 *issue_certificate(EVP_PKEY *key)
{
    X509 *cert = X509_new();
    X509_NAME *name;
    int ok;

    if (!cert)
        return NULL;
    name = X509_get_subject_name(cert);
    /* Valid from a day ago so peers with slow clocks accept it. */
    ok = X509_set_version(cert, 2) && set_random_serial(cert) &&
         X509_gmtime_adj(X509_getm_notBefore(cert), -DAY_SECONDS) &&
         X509_gmtime_adj(X509_getm_notAfter(cert), SOTTO_IDENTITY_VALID_DAYS * DAY_SECONDS) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"sotto",
                                    -1, -1, 0) &&
         X509_set_issuer_name(cert, name) && X509_set_pubkey(cert, key) &&
         X509_sign(cert, key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

static int compute_fingerprint(sotto_identity *id)
{
    unsigned int len = 0;
    static const char hex[] = "0123456789ABCDEF";

    if (!X509_digest(id->cert, EVP_sha256(), id->fingerprint, &len) || len != SOTTO_FINGERPRINT_LEN)
        return -EIO;
    for (size_t i = 0; i < SOTTO_FINGERPRINT_LEN; i++) {
        id->fingerprint_text[i * 3] = hex[id->fingerprint[i] >> 4];
        id->fingerprint_text[i * 3 + 1] = hex[id->fingerprint[i] & 15];
        id->fingerprint_text[i * 3 + 2] = (i + 1 < SOTTO_FINGERPRINT_LEN) ? ':' : '\0';
    }
    return 0;
}

/* True when the certificate expires within SOTTO_IDENTITY_RENEW_DAYS. */
static int needs_renewal(X509 *cert)
{
    time_t limit = time(NULL) + SOTTO_IDENTITY_RENEW_DAYS * DAY_SECONDS;

    return X509_cmp_time(X509_get0_notAfter(cert), &limit) <= 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* PEM of the key then the certificate, in a memory BIO (whose buffer
 * OpenSSL clears when the BIO is freed). */
static BIO *encode_pem(EVP_PKEY *key, X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_secmem());

    if (!bio)
        return NULL;
    if (!PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(bio, cert)) {
        BIO_free(bio);
        return NULL;
    }
    return bio;
}

/* Writes path atomically: a 0600 temporary file, fsync, rename, fsync of
 * the directory, so a crash leaves either the old file or the new one. */
static int store_identity(const char *dir, const char *path, EVP_PKEY *key, X509 *cert,
                          char *err, size_t errlen)
{
    char tmp[PATH_MAX];
    char *data = NULL;
    long len;
    BIO *pem;
    int fd, rc, dfd;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    pem = encode_pem(key, cert);
    if (!pem)
        return -ENOMEM;
    len = BIO_get_mem_data(pem, &data);
    if (unlink(tmp) != 0 && errno != ENOENT) {
        rc = -errno;
        goto done;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        goto done;
    }
    rc = write_all(fd, data, (size_t)len);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    close(fd);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0) {
        unlink(tmp);
        goto done;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
done:
    if (rc != 0)
        sotto__net_errf(err, errlen, "identity: cannot write %s: %s", path, strerror(-rc));
    BIO_free(pem);
    return rc;
}

/* Reads the whole file after checking it is ours and private. Returns 0
 * and a heap buffer the caller must cleanse and free, or a negative errno
 * (-ENOENT when there is no file yet). */
static int read_private_file(const char *path, char **out_data, size_t *out_len, char *err,
                             size_t errlen)
{
    struct stat st;
    char *data;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0) {
        int e = errno;
        if (e != ENOENT)
            sotto__net_errf(err, errlen, "identity: cannot open %s: %s", path, strerror(e));
        return -e;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        sotto__net_errf(err, errlen, "identity: %s must be a regular file owned by us with mode 0600", path);
        close(fd);
        return -EACCES;
    }
    if (st.st_size <= 0 || st.st_size > IDENTITY_MAX_FILE) {
        sotto__net_errf(err, errlen, "identity: %s has an implausible size", path);
        close(fd);
        return -EBADMSG;
    }
    data = malloc((size_t)st.st_size);
    if (!data) {
        close(fd);
        return -ENOMEM;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, data + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    *out_data = data;
    *out_len = len;
    return 0;
}

static int parse_identity(const char *data, size_t len, sotto_identity *id)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    int rc = -EBADMSG;

    if (!bio)
        return -ENOMEM;
    id->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (id->key)
        id->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (id->key && id->cert && is_p256(id->key) && X509_check_private_key(id->cert, id->key))
        rc = 0;
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

static int load_existing(const char *path, sotto_identity *id, char *err, size_t errlen)
{
    char *data = NULL;
    size_t len = 0;
    int rc = read_private_file(path, &data, &len, err, errlen);

    if (rc != 0)
        return rc;
    rc = parse_identity(data, len, id);
    OPENSSL_cleanse(data, len);
    free(data);
    if (rc == -EBADMSG)
        sotto__net_errf(err, errlen, "identity: %s does not hold a P-256 key and its certificate", path);
    return rc;
}

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    int e;

    if (mkdir(dir, 0700) == 0)
        return 0;
    e = errno;
    if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    sotto__net_errf(err, errlen, "identity: cannot use state directory %s: %s", dir,
         strerror(e == EEXIST ? ENOTDIR : e));
    return e == EEXIST ? -ENOTDIR : -e;
}

/* Fills a missing key and/or certificate of id, then its fingerprint. */
static int complete_identity(sotto_identity *id, char *err, size_t errlen)
{
    if (!id->key)
        id->key = generate_key();
    if (id->key && !id->cert)
        id->cert = issue_certificate(id->key);
    ERR_clear_error();
    if (!id->key || !id->cert) {
        sotto__net_errf(err, errlen, "identity: OpenSSL could not generate a key and certificate");
        return -EIO;
    }
    return compute_fingerprint(id);
}

int sotto_identity_load_or_create(sotto_identity **out_id, const char *state_dir, char *err,
                                  size_t errlen)
{
    char path[PATH_MAX];
    sotto_identity *id;
    int rc, dirty = 0;

    if (!out_id || !state_dir || !*state_dir)
        return -EINVAL;
    if (snprintf(path, sizeof(path), "%s/%s", state_dir, SOTTO_IDENTITY_FILE) >= (int)sizeof(path) - 4)
        return -ENAMETOOLONG;
    id = calloc(1, sizeof(*id));
    if (!id)
        return -ENOMEM;
    rc = ensure_dir(state_dir, err, errlen);
    if (rc != 0)
        goto fail;
    rc = load_existing(path, id, err, errlen);
    if (rc == -ENOENT) {
        dirty = 1;
    } else if (rc != 0) {
        goto fail;
    } else if (needs_renewal(id->cert)) {
        X509_free(id->cert);
        id->cert = NULL;
        dirty = 1;
    }
    rc = complete_identity(id, err, errlen);
    if (rc == 0 && dirty)
        rc = store_identity(state_dir, path, id->key, id->cert, err, errlen);
    if (rc != 0)
        goto fail;
    *out_id = id;
    return 0;
fail:
    sotto_identity_destroy(&id);
    return rc;
}

int sotto_identity_create_ephemeral(sotto_identity **out_id, char *err, size_t errlen)
{
    sotto_identity *id;
    int rc;

    if (!out_id)
        return -EINVAL;
    id = calloc(1, sizeof(*id));
    if (!id)
        return -ENOMEM;
    rc = complete_identity(id, err, errlen);
    if (rc != 0) {
        sotto_identity_destroy(&id);
        return rc;
    }
    *out_id = id;
    return 0;
}

const char *sotto_identity_fingerprint(const sotto_identity *id)
{
    return id ? id->fingerprint_text : "";
}

int sotto_identity_fingerprint_bytes(const sotto_identity *id, uint8_t out[SOTTO_FINGERPRINT_LEN])
{
    if (!id || !out)
        return -EINVAL;
    memcpy(out, id->fingerprint, SOTTO_FINGERPRINT_LEN);
    return 0;
}

int sotto_identity_use_in(const sotto_identity *id, struct ssl_ctx_st *ctx)
{
    int ok;

    if (!id || !ctx)
        return -EINVAL;
    ok = SSL_CTX_use_certificate(ctx, id->cert) == 1 && SSL_CTX_use_PrivateKey(ctx, id->key) == 1 &&
         SSL_CTX_check_private_key(ctx) == 1;
    ERR_clear_error();
    return ok ? 0 : -EIO;
}

void sotto_identity_destroy(sotto_identity **id)
{
    if (!id || !*id)
        return;
    EVP_PKEY_free((*id)->key);
    X509_free((*id)->cert);
    OPENSSL_cleanse(*id, sizeof(**id));
    free(*id);
    *id = NULL;
}
