/* Secure transport building blocks: GLib driven by libuv, the identity
 * file, DTLS parsing, retransmission and key export, SRTP, ICE parameters. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "net/dtls.h"
#include "net/glib_uv.h"
#include "net/ice.h"
#include "net/identity.h"
#include "net/srtp.h"
#include "tests/transport_test.h"

/* ---- helpers ---- */

static void make_temp_dir(char *buf, size_t size)
{
    const char *base = getenv("TMPDIR");

    snprintf(buf, size, "%s/sotto-transport-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(buf));
}

static void remove_temp_dir(const char *dir)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, SOTTO_IDENTITY_FILE);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s.tmp", dir, SOTTO_IDENTITY_FILE);
    unlink(path);
    rmdir(dir);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RTP, payload type 111, payload = MARKER then bytes derived from seq. */
size_t build_rtp(uint8_t *buf, uint16_t seq, uint32_t ssrc)
{
    buf[0] = 0x80;
    buf[1] = 111;
    put16(buf + 2, seq);
    put32(buf + 4, (uint32_t)seq * 320u);
    put32(buf + 8, ssrc);
    memcpy(buf + 12, MARKER, strlen(MARKER));
    for (size_t i = strlen(MARKER); i < PAYLOAD_LEN; i++)
        buf[12 + i] = (uint8_t)(seq * 7 + i);
    return 12 + PAYLOAD_LEN;
}

/* Receiver report with no blocks: 8 bytes. */
size_t build_rtcp_rr(uint8_t *buf, uint32_t ssrc)
{
    buf[0] = 0x80;
    buf[1] = 201;
    put16(buf + 2, 1);
    put32(buf + 4, ssrc);
    return 8;
}

static void on_tick(uv_timer_t *h)
{
    (void)h;
}

/* Runs loop until cond(arg) holds or ms pass; a 10 ms tick keeps
 * UV_RUN_ONCE from blocking when nothing else is due. */
int run_until(uv_loop_t *loop, int (*cond)(void *), void *arg, unsigned ms)
{
    uv_timer_t tick;
    uint64_t deadline = uv_hrtime() + (uint64_t)ms * 1000000u;
    int ok;

    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, on_tick, 10, 10);
    while (!cond(arg) && uv_hrtime() < deadline)
        uv_run(loop, UV_RUN_ONCE);
    ok = cond(arg);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return ok;
}

/* ---- GLib driven by libuv ---- */

typedef struct glib_seen {
    int timeouts;
    int fd_reads;
    uint64_t first_timeout_ns;
} glib_seen;

static gboolean on_glib_timeout(gpointer data)
{
    glib_seen *seen = data;

    if (seen->timeouts++ == 0)
        seen->first_timeout_ns = uv_hrtime();
    return seen->timeouts < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean on_glib_fd(GIOChannel *ch, GIOCondition cond, gpointer data)
{
    glib_seen *seen = data;
    char buf[16];

    (void)cond;
    ck_assert_int_eq(read(g_io_channel_unix_get_fd(ch), buf, sizeof(buf)), 1);
    seen->fd_reads++;
    return G_SOURCE_CONTINUE;
}

static int glib_done(void *arg)
{
    const glib_seen *seen = arg;

    return seen->timeouts >= 3 && seen->fd_reads >= 1;
}

START_TEST(glib_uv_dispatches_timers_and_fds_then_closes)
{
    uv_loop_t loop;
    sotto_glib_uv *glue = NULL;
    glib_seen seen = { 0 };
    sotto_glib_uv_stats stats;
    int fds[2];
    GIOChannel *ch;
    GSource *timer, *watch;
    uint64_t start;

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    ck_assert_int_eq(sotto_glib_uv_create(NULL, &loop), -EINVAL);
    ck_assert_int_eq(sotto_glib_uv_create(&glue, &loop), 0);
    ck_assert_int_eq(pipe(fds), 0);

    /* The timeout counts from its creation: a preemption between the two
     * (a loaded machine) must not look like an early timer. */
    start = uv_hrtime();
    timer = g_timeout_source_new(50);
    g_source_set_callback(timer, on_glib_timeout, &seen, NULL);
    g_source_attach(timer, sotto_glib_uv_context(glue));
    ch = g_io_channel_unix_new(fds[0]);
    watch = g_io_create_watch(ch, G_IO_IN);
    g_source_set_callback(watch, (GSourceFunc)(void (*)(void))on_glib_fd, &seen, NULL);
    g_source_attach(watch, sotto_glib_uv_context(glue));

    ck_assert_int_eq(write(fds[1], "x", 1), 1);
    ck_assert(run_until(&loop, glib_done, &seen, 2000));
    ck_assert_int_eq(seen.timeouts, 3);
    ck_assert_int_eq(seen.fd_reads, 1);
    /* The first 50 ms timeout fired neither early nor very late. */
    ck_assert_uint_ge(seen.first_timeout_ns - start, 45000000ull);
    ck_assert_uint_le(seen.first_timeout_ns - start, 500000000ull);
    ck_assert_int_eq(sotto_glib_uv_get_stats(glue, &stats), 0);
    ck_assert_uint_ge(stats.dispatches, 4);
    ck_assert_uint_ge(stats.fd_count, 2); /* the pipe and GLib's own wakeup fd */

    g_source_destroy(watch);
    g_source_unref(watch);
    g_source_unref(timer);
    g_io_channel_unref(ch);
    sotto_glib_uv_destroy(&glue);
    ck_assert_ptr_null(glue);
    sotto_glib_uv_destroy(&glue);
    sotto_glib_uv_destroy(NULL);
    close(fds[0]);
    close(fds[1]);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static int glib_read_once(void *arg)
{
    return ((const glib_seen *)arg)->fd_reads >= 1;
}

static int glib_read_twice(void *arg)
{
    return ((const glib_seen *)arg)->fd_reads >= 2;
}

static GSource *watch_fd(sotto_glib_uv *glue, int fd, glib_seen *seen, GIOChannel **out_ch)
{
    GSource *watch;

    *out_ch = g_io_channel_unix_new(fd);
    watch = g_io_create_watch(*out_ch, G_IO_IN);
    g_source_set_callback(watch, (GSourceFunc)(void (*)(void))on_glib_fd, seen, NULL);
    g_source_attach(watch, sotto_glib_uv_context(glue));
    return watch;
}

/* An ICE restart closes its sockets and opens new ones between two loop
 * turns, and the kernel hands out the same fd numbers: the new file must be
 * watched (epoll forgot the closed one). */
START_TEST(glib_uv_watches_a_new_file_on_a_reused_fd)
{
    uv_loop_t loop;
    sotto_glib_uv *glue = NULL;
    glib_seen seen = { 0 };
    int p1[2], p2[2], fd;
    GIOChannel *ch;
    GSource *watch;

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    ck_assert_int_eq(sotto_glib_uv_create(&glue, &loop), 0);
    ck_assert_int_eq(pipe(p1), 0);
    fd = p1[0];
    watch = watch_fd(glue, fd, &seen, &ch);
    ck_assert_int_eq(write(p1[1], "x", 1), 1);
    ck_assert(run_until(&loop, glib_read_once, &seen, 1000));

    /* No loop turn between closing the old pipe and watching the new one
     * on the same number. */
    g_source_destroy(watch);
    g_source_unref(watch);
    g_io_channel_unref(ch);
    close(p1[0]);
    close(p1[1]);
    ck_assert_int_eq(pipe(p2), 0);
    if (p2[0] != fd) {
        ck_assert_int_eq(dup2(p2[0], fd), fd);
        close(p2[0]);
    }
    watch = watch_fd(glue, fd, &seen, &ch);
    ck_assert_int_eq(write(p2[1], "y", 1), 1);
    ck_assert_msg(run_until(&loop, glib_read_twice, &seen, 1000),
                  "the new file on fd %d was never reported readable", fd);

    g_source_destroy(watch);
    g_source_unref(watch);
    g_io_channel_unref(ch);
    sotto_glib_uv_destroy(&glue);
    close(fd);
    close(p2[1]);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* ---- identity ---- */

static int is_fingerprint_text(const char *s)
{
    if (strlen(s) != 95)
        return 0;
    for (int i = 0; i < 95; i++) {
        int colon = (i % 3) == 2;
        if (colon ? s[i] != ':' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    }
    return 1;
}

START_TEST(identity_is_created_private_and_reloaded_unchanged)
{
    char dir[256], sub[300], path[400], err[256] = "";
    sotto_identity *first = NULL, *second = NULL;
    char fp[SOTTO_FINGERPRINT_TEXT];
    struct stat st;

    make_temp_dir(dir, sizeof(dir));
    /* A missing state directory is created, mode 0700. */
    snprintf(sub, sizeof(sub), "%s/state", dir);
    ck_assert_int_eq(sotto_identity_load_or_create(&first, sub, err, sizeof(err)), 0);
    ck_assert_int_eq(stat(sub, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    snprintf(path, sizeof(path), "%s/%s", sub, SOTTO_IDENTITY_FILE);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert(is_fingerprint_text(sotto_identity_fingerprint(first)));
    snprintf(fp, sizeof(fp), "%s", sotto_identity_fingerprint(first));

    ck_assert_int_eq(sotto_identity_load_or_create(&second, sub, err, sizeof(err)), 0);
    ck_assert_str_eq(sotto_identity_fingerprint(second), fp);
    sotto_identity_destroy(&first);
    sotto_identity_destroy(&second);
    ck_assert_ptr_null(first);
    sotto_identity_destroy(NULL);

    /* Two ephemeral identities differ (random key and serial). */
    ck_assert_int_eq(sotto_identity_create_ephemeral(&first, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&second, err, sizeof(err)), 0);
    ck_assert_str_ne(sotto_identity_fingerprint(first), sotto_identity_fingerprint(second));
    ck_assert_str_ne(sotto_identity_fingerprint(first), fp);
    sotto_identity_destroy(&first);
    sotto_identity_destroy(&second);

    unlink(path);
    rmdir(sub);
    remove_temp_dir(dir);
}
END_TEST

static void write_file(const char *path, const char *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
}

START_TEST(identity_refuses_readable_or_garbage_files)
{
    char dir[256], path[400], err[256] = "";
    sotto_identity *id = NULL;
    char *pem;
    size_t len = 0;
    struct stat st;
    FILE *f;

    make_temp_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, SOTTO_IDENTITY_FILE);
    ck_assert_int_eq(sotto_identity_load_or_create(NULL, dir, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, NULL, err, sizeof(err)), -EINVAL);

    /* Keep a valid file's text to damage it in several ways. */
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), 0);
    sotto_identity_destroy(&id);
    ck_assert_int_eq(stat(path, &st), 0);
    pem = calloc(1, (size_t)st.st_size + 1);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    len = fread(pem, 1, (size_t)st.st_size, f);
    fclose(f);
    ck_assert_uint_eq(len, (size_t)st.st_size);

    ck_assert_int_eq(chmod(path, 0640), 0);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), -EACCES);
    ck_assert_ptr_null(id);
    ck_assert_ptr_nonnull(strstr(err, "0600"));

    write_file(path, "garbage\n", 8, 0600);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), -EBADMSG);

    /* The key alone, and the file cut inside the certificate. */
    write_file(path, pem, (size_t)(strstr(pem, "-----BEGIN CERTIFICATE") - pem), 0600);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), -EBADMSG);
    write_file(path, pem, len - 40, 0600);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), -EBADMSG);
    write_file(path, "", 0, 0600);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), -EBADMSG);
    ck_assert_ptr_null(id);

    /* The intact text loads again. */
    write_file(path, pem, len, 0600);
    ck_assert_int_eq(sotto_identity_load_or_create(&id, dir, err, sizeof(err)), 0);
    sotto_identity_destroy(&id);
    free(pem);
    remove_temp_dir(dir);
}
END_TEST

/* ---- DTLS parsing ---- */

START_TEST(fingerprint_parser_accepts_sdp_form_and_rejects_the_rest)
{
    static const char *const bad[] = {
        "",
        "sha-256",
        "sha-256 ",
        "sha-256AB:CD",
        "sha-256 AB:CD",
        "sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE",
        "sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE:F",
        "sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE:FF:",
        "sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE:FF ",
        "sha-256 "
        "00-11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE:FF",
        "sha-256 "
        "0G:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE:FF",
        " sha-256 "
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:"
        "EE:FF",
    };
    uint8_t out[SOTTO_FINGERPRINT_LEN];
    uint8_t untouched[SOTTO_FINGERPRINT_LEN];

    ck_assert_int_eq(sotto_dtls_parse_fingerprint("SHA-256  "
                                                  "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:"
                                                  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:Ff",
                                                  out),
                     0);
    ck_assert_uint_eq(out[0], 0x00);
    ck_assert_uint_eq(out[10], 0xAA);
    ck_assert_uint_eq(out[31], 0xFF);
    memset(out, 0x5A, sizeof(out));
    memset(untouched, 0x5A, sizeof(untouched));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(sotto_dtls_parse_fingerprint(bad[i], out) == -EINVAL, "accepted \"%s\"",
                      bad[i]);
        ck_assert_mem_eq(out, untouched, sizeof(out));
    }
    ck_assert_int_eq(sotto_dtls_parse_fingerprint(
                         "sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33", out),
                     -ENOTSUP);
    ck_assert_int_eq(sotto_dtls_parse_fingerprint(NULL, out), -EINVAL);
}
END_TEST

START_TEST(dtls_record_check_rejects_bad_framing)
{
    uint8_t rec[64] = { 0 };
    uint8_t two[64] = { 0 };

    /* Handshake record, DTLS 1.2, 3-byte body. */
    rec[0] = 22;
    rec[1] = 254;
    rec[2] = 253;
    rec[12] = 3;
    ck_assert_int_eq(sotto_dtls_check_records(rec, 16), 1);
    memcpy(two, rec, 16);
    memcpy(two + 16, rec, 16);
    ck_assert_int_eq(sotto_dtls_check_records(two, 32), 2);
    /* Every truncation of one record is refused. */
    for (size_t len = 1; len < 16; len++)
        ck_assert_int_eq(sotto_dtls_check_records(rec, len), -EBADMSG);
    ck_assert_int_eq(sotto_dtls_check_records(two, 31), -EBADMSG);
    ck_assert_int_eq(sotto_dtls_check_records(rec, 0), -EBADMSG);
    ck_assert_int_eq(sotto_dtls_check_records(NULL, 16), -EBADMSG);
    /* Trailing bytes, a length past the end, bad type, bad version. */
    ck_assert_int_eq(sotto_dtls_check_records(rec, 17), -EBADMSG);
    rec[12] = 200;
    ck_assert_int_eq(sotto_dtls_check_records(rec, 64), -EBADMSG);
    rec[12] = 3;
    rec[0] = 19;
    ck_assert_int_eq(sotto_dtls_check_records(rec, 16), -EBADMSG);
    rec[0] = 64;
    ck_assert_int_eq(sotto_dtls_check_records(rec, 16), -EBADMSG);
    rec[0] = 22;
    rec[1] = 3;
    ck_assert_int_eq(sotto_dtls_check_records(rec, 16), -EBADMSG);
}
END_TEST

/* An OpenSSL DTLS client written here, independently of net/dtls.c,
 * handshakes with a sotto_dtls server; both sides' SRTP keys must match
 * RFC 5764 section 4.2 as computed here. Two sotto_dtls objects could not
 * catch a client/server mix-up: they would make the same mistake. */
typedef struct kat_server {
    uint8_t out[16][2048]; /* datagrams the server sent */
    size_t out_len[16];
    int out_count;
    int connected;
    sotto_srtp_keys keys;
} kat_server;

static int kat_send(void *opaque, const uint8_t *data, size_t len)
{
    kat_server *k = opaque;

    ck_assert_int_lt(k->out_count, 16);
    ck_assert_uint_le(len, 1200); /* the MTU is respected */
    memcpy(k->out[k->out_count], data, len);
    k->out_len[k->out_count++] = len;
    return 0;
}

static void kat_connected(void *opaque, const sotto_srtp_keys *keys)
{
    kat_server *k = opaque;

    k->connected = 1;
    k->keys = *keys;
}

static void kat_failed(void *opaque, const char *reason)
{
    (void)opaque;
    ck_abort_msg("server failed: %s", reason);
}

/* Ferries datagrams between the OpenSSL client and the server until both
 * are done. Returns 1 when the client finished its handshake. */
static int kat_pump(SSL *ssl, BIO *wbio, BIO *rbio, sotto_dtls *server, kat_server *k)
{
    int done = 0;

    for (int round = 0; round < 10 && !(done && k->connected); round++) {
        char *data = NULL;
        long n;
        done = SSL_do_handshake(ssl) == 1;
        n = BIO_get_mem_data(wbio, &data);
        if (n > 0) {
            ck_assert_int_eq(sotto_dtls_receive(server, (const uint8_t *)data, (size_t)n), 0);
            (void)BIO_reset(wbio);
        }
        for (int i = 0; i < k->out_count; i++)
            ck_assert_int_eq(BIO_write(rbio, k->out[i], (int)k->out_len[i]), (int)k->out_len[i]);
        k->out_count = 0;
    }
    return done;
}

START_TEST(dtls_exports_keys_in_rfc5764_order)
{
    uv_loop_t loop;
    sotto_identity *server_id = NULL, *client_id = NULL;
    sotto_dtls *server = NULL;
    sotto_dtls_params p;
    kat_server k;
    char fp[sizeof(SOTTO_DTLS_FINGERPRINT_PREFIX) + SOTTO_FINGERPRINT_TEXT];
    char err[256] = "";
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *rbio, *wbio;
    uint8_t material[60];
    int done;

    memset(&k, 0, sizeof(k));
    ck_assert_int_eq(uv_loop_init(&loop), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&server_id, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&client_id, err, sizeof(err)), 0);
    snprintf(fp, sizeof(fp), "sha-256 %s", sotto_identity_fingerprint(client_id));
    sotto_dtls_params_default(&p);
    p.role = SOTTO_DTLS_SERVER;
    p.identity = server_id;
    p.remote_fingerprint = fp;
    p.send = kat_send;
    p.on_connected = kat_connected;
    p.on_failed = kat_failed;
    p.opaque = &k;
    ck_assert_int_eq(sotto_dtls_create(&server, &loop, &p, err, sizeof(err)), 0);

    ctx = SSL_CTX_new(DTLS_client_method());
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(sotto_identity_use_in(client_id, ctx), 0);
    ck_assert_int_eq(SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AES128_CM_SHA1_80"), 0);
    ssl = SSL_new(ctx);
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    done = kat_pump(ssl, wbio, rbio, server, &k);
    ck_assert(done);
    ck_assert(k.connected);
    ck_assert_int_eq(sotto_dtls_get_state(server), SOTTO_DTLS_CONNECTED);
    ck_assert_int_eq(k.keys.profile, SOTTO_SRTP_AES128_CM_SHA1_80);
    ck_assert_int_eq(SSL_export_keying_material(ssl, material, sizeof(material),
                                                "EXTRACTOR-dtls_srtp", 19, NULL, 0, 0),
                     1);
    /* client key | server key | client salt | server salt */
    ck_assert_mem_eq(k.keys.remote_master, material, 16);
    ck_assert_mem_eq(k.keys.remote_master + 16, material + 32, 14);
    ck_assert_mem_eq(k.keys.local_master, material + 16, 16);
    ck_assert_mem_eq(k.keys.local_master + 16, material + 46, 14);

    SSL_free(ssl);
    SSL_CTX_free(ctx);
    sotto_dtls_destroy(&server);
    ck_assert_ptr_null(server);
    sotto_identity_destroy(&server_id);
    sotto_identity_destroy(&client_id);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

typedef struct silent_peer {
    int sends;
    int failed;
    char reason[128];
    uint64_t failed_at;
} silent_peer;

static int silent_send(void *opaque, const uint8_t *data, size_t len)
{
    silent_peer *sp = opaque;

    ck_assert_int_eq(data[0], 22); /* a handshake record */
    ck_assert_uint_gt(len, 13);
    sp->sends++;
    return 0;
}

static void silent_connected(void *opaque, const sotto_srtp_keys *keys)
{
    (void)opaque;
    (void)keys;
    ck_abort_msg("connected to nobody");
}

static void silent_failed(void *opaque, const char *reason)
{
    silent_peer *sp = opaque;

    sp->failed++;
    sp->failed_at = uv_hrtime();
    snprintf(sp->reason, sizeof(sp->reason), "%s", reason);
}

static int silent_done(void *arg)
{
    return ((const silent_peer *)arg)->failed > 0;
}

START_TEST(dtls_client_retransmits_then_times_out)
{
    uv_loop_t loop;
    sotto_identity *id = NULL;
    sotto_dtls *d = NULL;
    sotto_dtls_params p;
    silent_peer sp = { 0 };
    char err[256] = "";
    uint64_t start;

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    ck_assert_int_eq(sotto_identity_create_ephemeral(&id, err, sizeof(err)), 0);
    sotto_dtls_params_default(&p);
    p.role = SOTTO_DTLS_CLIENT;
    p.identity = id;
    p.handshake_timeout_ms = 2500;
    p.send = silent_send;
    p.on_connected = silent_connected;
    p.on_failed = silent_failed;
    p.opaque = &sp;
    p.mtu = 100;
    ck_assert_int_eq(sotto_dtls_create(&d, &loop, &p, err, sizeof(err)), -EINVAL);
    p.mtu = 1200;
    p.profiles[0] = (sotto_srtp_profile)5;
    p.profile_count = 1;
    ck_assert_int_eq(sotto_dtls_create(&d, &loop, &p, err, sizeof(err)), -EINVAL);
    p.profile_count = 0;
    ck_assert_int_eq(sotto_dtls_create(&d, &loop, &p, err, sizeof(err)), 0);
    /* A client ignores DTLS before it is started. */
    ck_assert_int_eq(sotto_dtls_receive(d, (const uint8_t *)"\x16\xfe\xfd\0\0\0\0\0\0\0\0\0\0", 13),
                     0);
    ck_assert_int_eq(sp.sends, 0);

    start = uv_hrtime();
    ck_assert_int_eq(sotto_dtls_start(d), 0);
    ck_assert_int_eq(sotto_dtls_start(d), -EALREADY);
    ck_assert_int_eq(sp.sends, 1); /* the ClientHello */
    ck_assert(run_until(&loop, silent_done, &sp, 5000));
    /* Retransmitted after 400 ms and 800 ms more; the next, 1.6 s later,
     * would be past the deadline. */
    ck_assert_int_eq(sp.sends, 3);
    ck_assert_str_eq(sp.reason, "DTLS handshake timed out");
    ck_assert_uint_ge(sp.failed_at - start, 2400000000ull);
    ck_assert_int_eq(sotto_dtls_get_state(d), SOTTO_DTLS_FAILED);
    ck_assert_int_eq(sotto_dtls_receive(d, (const uint8_t *)"\x16\xfe\xfd\0\0\0\0\0\0\0\0\0\0", 13),
                     -EPIPE);
    ck_assert_int_eq(sp.failed, 1);
    sotto_dtls_destroy(&d);
    sotto_identity_destroy(&id);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

/* ---- SRTP ---- */

const sotto_srtp_profile all_profiles[SOTTO_SRTP_PROFILE_COUNT] = {
    SOTTO_SRTP_AEAD_AES_128_GCM,
    SOTTO_SRTP_AES128_CM_SHA1_80,
    SOTTO_SRTP_AES128_CM_SHA1_32,
};

/* A sender and a receiver keyed as the two ends of one association. */
static void make_srtp_pair(sotto_srtp_profile profile, sotto_srtp **out_tx, sotto_srtp **out_rx)
{
    sotto_srtp_keys tx_keys, rx_keys;

    memset(&tx_keys, 0, sizeof(tx_keys));
    tx_keys.profile = profile;
    ck_assert_int_eq(sotto_srtp_profile_lengths(profile, &tx_keys.key_len, &tx_keys.salt_len), 0);
    for (size_t i = 0; i < SOTTO_SRTP_MAX_MASTER; i++) {
        tx_keys.local_master[i] = (uint8_t)(i * 13 + 1);
        tx_keys.remote_master[i] = (uint8_t)(i * 29 + 7);
    }
    rx_keys = tx_keys;
    memcpy(rx_keys.local_master, tx_keys.remote_master, SOTTO_SRTP_MAX_MASTER);
    memcpy(rx_keys.remote_master, tx_keys.local_master, SOTTO_SRTP_MAX_MASTER);
    ck_assert_int_eq(sotto_srtp_create(out_tx, &tx_keys), 0);
    ck_assert_int_eq(sotto_srtp_create(out_rx, &rx_keys), 0);
}

START_TEST(srtp_round_trips_rtp_and_rtcp_for_each_profile)
{
    sotto_srtp_profile profile = all_profiles[_i];
    sotto_srtp *tx = NULL, *rx = NULL;
    uint8_t plain[256], buf[256 + SOTTO_SRTP_MAX_OVERHEAD];
    size_t len, out_len = 0,
                tag = profile == SOTTO_SRTP_AES128_CM_SHA1_32
                          ? 4
                          : (profile == SOTTO_SRTP_AEAD_AES_128_GCM ? 16 : 10);

    make_srtp_pair(profile, &tx, &rx);
    for (uint16_t seq = 1; seq <= 5; seq++) {
        len = build_rtp(plain, seq, 0x11223344);
        memcpy(buf, plain, len);
        ck_assert_int_eq(sotto_srtp_protect_rtp(tx, buf, len, sizeof(buf), &out_len), 0);
        ck_assert_uint_eq(out_len, len + tag);
        ck_assert_mem_eq(buf, plain, 12); /* header stays clear */
        ck_assert(memcmp(buf + 12, plain + 12, len - 12) != 0);
        ck_assert_int_eq(sotto_srtp_unprotect(rx, buf, out_len, 0, &out_len), 0);
        ck_assert_uint_eq(out_len, len);
        ck_assert_mem_eq(buf, plain, len);
    }
    len = build_rtcp_rr(plain, 0x11223344);
    memcpy(buf, plain, len);
    ck_assert(sotto_srtp_is_rtcp(buf, len));
    ck_assert_int_eq(sotto_srtp_protect_rtcp(tx, buf, len, sizeof(buf), &out_len), 0);
    ck_assert_uint_gt(out_len, len + 4);
    ck_assert_int_eq(sotto_srtp_unprotect(rx, buf, out_len, 1, &out_len), 0);
    ck_assert_uint_eq(out_len, len);
    ck_assert_mem_eq(buf, plain, len);
    sotto_srtp_destroy(&tx);
    sotto_srtp_destroy(&rx);
    ck_assert_ptr_null(tx);
}
END_TEST

START_TEST(srtp_rejects_tampered_replayed_and_truncated_packets)
{
    sotto_srtp *tx = NULL, *rx = NULL;
    uint8_t plain[256], wire[256 + SOTTO_SRTP_MAX_OVERHEAD], buf[sizeof(wire)];
    size_t len, wire_len = 0, out_len = 0;

    make_srtp_pair(SOTTO_SRTP_AES128_CM_SHA1_80, &tx, &rx);
    len = build_rtp(plain, 100, 1);
    memcpy(wire, plain, len);
    ck_assert_int_eq(sotto_srtp_protect_rtp(tx, wire, len, sizeof(wire), &wire_len), 0);

    /* Every single-bit flip fails authentication. */
    for (size_t i = 0; i < wire_len; i += 7) {
        memcpy(buf, wire, wire_len);
        buf[i] ^= 0x10;
        int rc = sotto_srtp_unprotect(rx, buf, wire_len, 0, &out_len);
        ck_assert_msg(rc == -EBADMSG, "flip at %zu gave %d", i, rc);
    }
    /* Every truncation is refused. */
    for (size_t cut = 0; cut < wire_len; cut++) {
        memcpy(buf, wire, wire_len);
        ck_assert_int_lt(sotto_srtp_unprotect(rx, buf, cut, 0, &out_len), 0);
    }
    memcpy(buf, wire, wire_len);
    ck_assert_int_eq(sotto_srtp_unprotect(rx, buf, wire_len, 0, &out_len), 0);
    memcpy(buf, wire, wire_len);
    ck_assert_int_eq(sotto_srtp_unprotect(rx, buf, wire_len, 0, &out_len), -EALREADY);

    /* Protect refuses a buffer without room for the tag, and non-RTP. */
    memcpy(buf, plain, len);
    ck_assert_int_eq(sotto_srtp_protect_rtp(tx, buf, len, len + 4, &out_len), -ENOSPC);
    buf[0] = 0x40;
    ck_assert_int_eq(sotto_srtp_protect_rtp(tx, buf, len, sizeof(buf), &out_len), -EINVAL);
    ck_assert_int_eq(sotto_srtp_protect_rtp(tx, buf, 11, sizeof(buf), &out_len), -EINVAL);
    ck_assert_int_eq(sotto_srtp_protect_rtp(NULL, buf, len, sizeof(buf), &out_len), -EINVAL);
    sotto_srtp_destroy(&tx);
    sotto_srtp_destroy(&rx);
}
END_TEST

START_TEST(srtp_detects_rtcp_and_validates_keys)
{
    uint8_t pkt[2] = { 0x80, 0 };
    sotto_srtp_keys keys;
    sotto_srtp *s = NULL;

    for (int b = 0; b < 256; b++) {
        pkt[1] = (uint8_t)b;
        ck_assert_int_eq(sotto_srtp_is_rtcp(pkt, 2), b >= 192 && b <= 223);
    }
    ck_assert_int_eq(sotto_srtp_is_rtcp(pkt, 1), 0);
    memset(&keys, 0, sizeof(keys));
    keys.profile = SOTTO_SRTP_AEAD_AES_128_GCM;
    keys.key_len = 16;
    keys.salt_len = 14; /* GCM wants 12 */
    ck_assert_int_eq(sotto_srtp_create(&s, &keys), -EINVAL);
    keys.profile = (sotto_srtp_profile)3;
    ck_assert_int_eq(sotto_srtp_create(&s, &keys), -ENOTSUP);
    ck_assert_ptr_null(s);
    ck_assert_ptr_null(sotto_srtp_profile_name((sotto_srtp_profile)99));
    ck_assert_str_eq(sotto_srtp_profile_name(SOTTO_SRTP_AEAD_AES_128_GCM), "SRTP_AEAD_AES_128_GCM");
}
END_TEST

/* ---- ICE ---- */

static void ice_noop_candidate(void *opaque, const char *c)
{
    (void)opaque;
    (void)c;
}

static void ice_noop_done(void *opaque)
{
    (void)opaque;
}

static void ice_noop_state(void *opaque, sotto_ice_state s)
{
    (void)opaque;
    (void)s;
}

static void ice_noop_receive(void *opaque, const uint8_t *d, size_t n)
{
    (void)opaque;
    (void)d;
    (void)n;
}

START_TEST(ice_validates_parameters_and_remote_candidates)
{
    static const char *const malformed[] = {
        "",
        "candidate:",
        "candidate:1 1 UDP 2015364095 127.0.0.1",
        "x=candidate:1 1 UDP 1 1.2.3.4 5 typ host",
        "candidate:1 1 UDP 2015364095 127.0.0.1 0 typ host",
        "candidate:1 1 UDP 2015364095 127.0.0.1 65536 typ host",
        "candidate:1 1 UDP 2015364095 127.0.0.1 12x typ host",
        "candidate:1 1 UDP 2015364095 127.0.0.1 5000 typ bogus",
        "candidate:1 1 UDP 2015364095 not-an-address 5000 typ host",
    };
    uv_loop_t loop;
    sotto_glib_uv *glue = NULL;
    sotto_ice *ice = NULL;
    sotto_ice_params p;
    char err[256] = "", ufrag[SOTTO_ICE_UFRAG_MAX], pwd[SOTTO_ICE_PWD_MAX];

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    ck_assert_int_eq(sotto_glib_uv_create(&glue, &loop), 0);
    sotto_ice_params_default(&p);
    ck_assert_int_eq(sotto_ice_create(&ice, glue, &p, err, sizeof(err)), -EINVAL);
    p.on_candidate = ice_noop_candidate;
    p.on_gathering_done = ice_noop_done;
    p.on_state = ice_noop_state;
    p.on_receive = ice_noop_receive;
    p.config.stun_address = "stun.example.org";
    ck_assert_int_eq(sotto_ice_create(&ice, glue, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "IP address"));
    p.config.stun_address = "192.0.2.1";
    p.config.turn_count = 1;
    p.config.turn[0].address = "192.0.2.2";
    p.config.turn[0].port = 3478;
    ck_assert_int_eq(sotto_ice_create(&ice, glue, &p, err, sizeof(err)),
                     -EINVAL); /* no credentials */
    p.config.turn[0].username = "user";
    p.config.turn[0].password = "secret";
    p.config.turn[0].transport = SOTTO_ICE_RELAY_TCP;
    p.config.local_addresses[0] = "127.0.0.1";
    p.config.local_address_count = 1;
    ck_assert_int_eq(sotto_ice_create(&ice, glue, &p, err, sizeof(err)), 0);

    ck_assert_int_eq(sotto_ice_get_local_credentials(ice, ufrag, sizeof(ufrag), pwd, sizeof(pwd)),
                     0);
    ck_assert_uint_ge(strlen(ufrag), 4);
    ck_assert_uint_ge(strlen(pwd), 22);
    ck_assert_int_eq(sotto_ice_get_local_credentials(ice, ufrag, 2, pwd, sizeof(pwd)), -ENOSPC);

    /* Candidates before credentials wait; credentials are checked. */
    ck_assert_int_eq(
        sotto_ice_add_remote_candidate(ice, "candidate:1 1 UDP 2015364095 127.0.0.1 5000 typ host"),
        -EAGAIN);
    ck_assert_int_eq(sotto_ice_set_remote_credentials(ice, "abc", "0123456789012345678901"),
                     -EINVAL);
    ck_assert_int_eq(sotto_ice_set_remote_credentials(ice, "abcd", "short"), -EINVAL);
    ck_assert_int_eq(sotto_ice_set_remote_credentials(ice, "ab d", "0123456789012345678901"),
                     -EINVAL);
    ck_assert_int_eq(sotto_ice_set_remote_credentials(ice, "abcd", "0123456789012345678901"), 0);

    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
        ck_assert_msg(sotto_ice_add_remote_candidate(ice, malformed[i]) == -EINVAL,
                      "accepted \"%s\"", malformed[i]);
    ck_assert_int_eq(sotto_ice_add_remote_candidate(
                         ice, "candidate:1 1 udp 2122260223 "
                              "3f1e2b7c-1111-2222-3333-444455556666.local 5000 typ host"),
                     -ENOTSUP);
    ck_assert_int_eq(sotto_ice_add_remote_candidate(
                         ice, "candidate:1 1 tcp 2122260223 127.0.0.1 9 typ host tcptype active"),
                     -ENOTSUP);
    ck_assert_int_eq(
        sotto_ice_add_remote_candidate(ice, "candidate:1 2 UDP 2015364095 127.0.0.1 5001 typ host"),
        -ENOTSUP);
    ck_assert_int_eq(
        sotto_ice_add_remote_candidate(
            ice, "a=candidate:1 1 UDP 2015364095 127.0.0.1 5000 typ host generation 0"),
        0);
    ck_assert_int_eq(
        sotto_ice_add_remote_candidate(
            ice,
            "candidate:2 1 UDP 1686052607 192.0.2.9 6000 typ srflx raddr 127.0.0.1 rport 5000"),
        0);
    ck_assert_int_eq(sotto_ice_send(ice, (const uint8_t *)"x", 1), -EAGAIN);

    sotto_ice_destroy(&ice);
    ck_assert_ptr_null(ice);
    sotto_ice_destroy(&ice);
    sotto_glib_uv_destroy(&glue);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

void transport_add_unit_tests(Suite *s)
{
    TCase *units = tcase_create("units");

    tcase_add_test(units, glib_uv_dispatches_timers_and_fds_then_closes);
    tcase_add_test(units, glib_uv_watches_a_new_file_on_a_reused_fd);
    tcase_add_test(units, identity_is_created_private_and_reloaded_unchanged);
    tcase_add_test(units, identity_refuses_readable_or_garbage_files);
    tcase_add_test(units, fingerprint_parser_accepts_sdp_form_and_rejects_the_rest);
    tcase_add_test(units, dtls_record_check_rejects_bad_framing);
    tcase_add_test(units, dtls_exports_keys_in_rfc5764_order);
    tcase_add_test(units, dtls_client_retransmits_then_times_out);
    tcase_add_loop_test(units, srtp_round_trips_rtp_and_rtcp_for_each_profile, 0, 3);
    tcase_add_test(units, srtp_rejects_tampered_replayed_and_truncated_packets);
    tcase_add_test(units, srtp_detects_rtcp_and_validates_keys);
    tcase_add_test(units, ice_validates_parameters_and_remote_candidates);
    suite_add_tcase(s, units);
}
