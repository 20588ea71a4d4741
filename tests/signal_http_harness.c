/* The raw HTTP client and the fixture of the signal_http tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "tests/signal_http_test.h"

/* ---- a blocking HTTP/1.1 client for the client thread ---- */

int conn_open(unsigned port)
{
    struct sockaddr_in sa;
    struct timeval tv = {5, 0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

const char *find_header(const http_result *res, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *line = strstr(res->head, "\r\n");

    while (line && line[2] != '\0') {
        const char *next;
        line += 2;
        next = strstr(line, "\r\n");
        if (!next)
            break;
        if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
            const char *v = line + nlen + 1;
            size_t n;
            while (*v == ' ')
                v++;
            n = (size_t)(next - v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        line = next;
    }
    return NULL;
}

int read_response(int fd, http_result *res, int no_body)
{
    size_t have = 0, want = 0;
    char *end = NULL, value[64];

    memset(res, 0, sizeof(*res));
    while (!end) {
        ssize_t n;
        if (have + 1 >= sizeof(res->head))
            return -1;
        n = recv(fd, res->head + have, 1, 0);    /* byte by byte: never read past the head */
        if (n <= 0)
            return -1;
        have += (size_t)n;
        res->head[have] = '\0';
        end = strstr(res->head, "\r\n\r\n");
    }
    if (strncmp(res->head, "HTTP/1.1 ", 9) != 0 && strncmp(res->head, "HTTP/1.0 ", 9) != 0)
        return -1;
    res->status = (int)strtol(res->head + 9, NULL, 10);
    if (!no_body && find_header(res, "content-length", value, sizeof(value)))
        want = (size_t)strtoul(value, NULL, 10);
    if (want >= sizeof(res->body))
        return -1;
    while (res->body_len < want) {
        ssize_t n = recv(fd, res->body + res->body_len, want - res->body_len, 0);
        if (n <= 0) {
            res->status = 0;
            return -1;
        }
        res->body_len += (size_t)n;
    }
    res->body[res->body_len] = '\0';
    return 0;
}

int peer_closed(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, 0);

    return n == 0 || (n < 0 && errno == ECONNRESET);
}

int exchange(unsigned port, const char *request, size_t len, http_result *res, int head)
{
    int fd = conn_open(port);

    if (fd < 0)
        return -1;
    if (send_all(fd, request, len) != 0 || read_response(fd, res, head) != 0)
        res->status = 0;
    return fd;
}

void exchange_close(unsigned port, const char *request, http_result *res)
{
    int fd = exchange(port, request, strlen(request), res, strncmp(request, "HEAD ", 5) == 0);

    if (fd >= 0)
        close(fd);
}

/* ---- the fixture: a loop, the object, a client thread ---- */

static void answer_now(uv_timer_t *t)
{
    fixture *fx = t->data;

    if (!fx->pending)
        return;
    if (fx->mode == FAIL_LATER)
        fx->answer_rc = sotto_signal_http_fail(&fx->pending, 503, "busy, try later");
    else
        fx->answer_rc = sotto_signal_http_answer(&fx->pending, ANSWER, "call-1");
}

static void on_offer(void *opaque, sotto_signal_http_offer *offer, const char *sdp, size_t len)
{
    fixture *fx = opaque;

    fx->offers++;
    fx->offer_len = len < sizeof(fx->offer) - 1 ? len : sizeof(fx->offer) - 1;
    memcpy(fx->offer, sdp, fx->offer_len);
    fx->offer[fx->offer_len] = '\0';
    if (fx->pending)    /* one at a time in these tests: refuse extras at once */
        sotto_signal_http_fail(&offer, 409, NULL);
    else
        fx->pending = offer;
    if (fx->mode != NEVER)
        uv_timer_start(&fx->answer_timer, answer_now, fx->answer_delay_ms, 0);
}

/* A PATCH: the live call is answered (from the timer, as an offer), any
 * other id is refused 404 at once. */
static void on_update(void *opaque, sotto_signal_http_offer *offer, const char *call_id,
                      const char *sdp, size_t len)
{
    fixture *fx = opaque;

    fx->updates++;
    snprintf(fx->update_id, sizeof(fx->update_id), "%s", call_id);
    if (!fx->live_call[0] || strcmp(call_id, fx->live_call) != 0) {
        sotto_signal_http_fail(&offer, 404, "no such call");
        return;
    }
    on_offer(opaque, offer, sdp, len);
    fx->offers--;
}

static int on_hangup(void *opaque, const char *call_id)
{
    fixture *fx = opaque;

    fx->hangups++;
    snprintf(fx->hangup_id, sizeof(fx->hangup_id), "%s", call_id);
    if (fx->live_call[0] && strcmp(call_id, fx->live_call) == 0) {
        fx->live_call[0] = '\0';
        return 0;
    }
    return -ENOENT;
}

void teardown_handles(fixture *fx)
{
    sotto_signal_http_destroy(&fx->sig);
    if (fx->pending)    /* an orphan now: answering only frees it */
        fx->answer_rc = sotto_signal_http_answer(&fx->pending, ANSWER, "call-1");
    uv_close((uv_handle_t *)&fx->answer_timer, NULL);
    uv_close((uv_handle_t *)&fx->client_done, NULL);
}

static void on_client_done(uv_async_t *a)
{
    teardown_handles(a->data);
}

static void *client_thread(void *arg)
{
    fixture *fx = arg;

    fx->client(fx);
    uv_async_send(&fx->client_done);
    return NULL;
}

fixture *fixture_new(const sotto_signal_http_params *overrides,
                     sotto_signal_http_offer_cb offer_cb)
{
    fixture *fx = calloc(1, sizeof(*fx));
    sotto_signal_http_params p;
    char err[256] = "";

    ck_assert_ptr_nonnull(fx);
    ck_assert_int_eq(uv_loop_init(&fx->loop), 0);
    if (overrides)
        p = *overrides;
    else
        sotto_signal_http_params_default(&p);
    p.bind_address = "127.0.0.1";
    p.on_offer = offer_cb ? offer_cb : on_offer;
    p.on_hangup = on_hangup;
    p.on_update = on_update;
    p.opaque = fx;
    ck_assert_msg(sotto_signal_http_create(&fx->sig, &fx->loop, &p, err, sizeof(err)) == 0,
                  "create: %s", err);
    ck_assert_int_eq(sotto_signal_http_port(fx->sig, &fx->port), 0);
    ck_assert_uint_gt(fx->port, 0);
    uv_timer_init(&fx->loop, &fx->answer_timer);
    fx->answer_timer.data = fx;
    uv_async_init(&fx->loop, &fx->client_done, on_client_done);
    fx->client_done.data = fx;
    fx->answer_delay_ms = 20;
    snprintf(fx->live_call, sizeof(fx->live_call), "call-1");
    return fx;
}

void run_client(fixture *fx, client_fn fn)
{
    fx->client = fn;
    ck_assert_int_eq(pthread_create(&fx->thread, NULL, client_thread, fx), 0);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    pthread_join(fx->thread, NULL);
}

void fixture_free(fixture *fx)
{
    ck_assert_int_eq(uv_loop_close(&fx->loop), 0);
    free(fx);
}

void expect_security_headers(const http_result *res, const char *cache)
{
    char v[256];

    ck_assert_ptr_nonnull(find_header(res, "content-security-policy", v, sizeof(v)));
    ck_assert_ptr_nonnull(strstr(v, "default-src 'self'"));
    ck_assert_ptr_null(strstr(v, "unsafe-inline"));
    ck_assert_ptr_nonnull(find_header(res, "x-content-type-options", v, sizeof(v)));
    ck_assert_str_eq(v, "nosniff");
    ck_assert_ptr_nonnull(find_header(res, "referrer-policy", v, sizeof(v)));
    ck_assert_str_eq(v, "no-referrer");
    ck_assert_ptr_nonnull(find_header(res, "cache-control", v, sizeof(v)));
    ck_assert_str_eq(v, cache);
}

void post_offer_request(char *buf, size_t cap, const char *extra_headers, const char *body)
{
    snprintf(buf, cap,
             "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
             "Content-Length: %zu\r\n%s\r\n%s",
             strlen(body), extra_headers, body);
}

/* ---- temp directories for static files ---- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

void make_static_tree(char *dir, size_t cap)
{
    const char *base = getenv("TMPDIR");
    char path[512];

    snprintf(dir, cap, "%s/sotto-http-XXXXXX", base && base[0] ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    write_file(dir, "secret.txt", SECRET_MARK "\n");
    snprintf(path, sizeof(path), "%s/www", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/www/sub", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/www", dir);
    write_file(path, "index.html", "<!doctype html><script src=\"/static/app.js\"></script>\n");
    write_file(path, "app.js", "console.log('sotto');\n");
    write_file(path, "sub/style.css", "body{}\n");
    write_file(path, ".hidden", SECRET_MARK "\n");
    snprintf(path, sizeof(path), "%s/www/fifo", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    snprintf(path, sizeof(path), "%s/www/link.txt", dir);
    ck_assert_int_eq(symlink("../secret.txt", path), 0);
    snprintf(path, sizeof(path), "%s/www/uplink", dir);
    ck_assert_int_eq(symlink("..", path), 0);
}

void remove_static_tree(const char *dir)
{
    static const char *const names[] = {
        "www/uplink", "www/link.txt", "www/fifo", "www/.hidden", "www/sub/style.css",
        "www/app.js", "www/index.html", "www/sub", "www", "secret.txt", "",
    };
    char path[512];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        ck_assert_int_eq(remove(path), 0);
    }
}

void drain(uv_loop_t *loop)
{
    while (uv_run(loop, UV_RUN_DEFAULT) != 0)
        ;
}

void finish_loop(fixture *fx)
{
    teardown_handles(fx);
    drain(&fx->loop);
    fixture_free(fx);
}
