/* libFuzzer target for the HTTP signalling server: each input is the byte
 * stream one client sends on one connection (pipelined requests, bodies,
 * garbage), written over loopback TCP to a real server on the same libuv
 * loop, then half-closed. The server must answer and close the connection
 * (it saw EOF) within a bound; a connection it keeps open, or a loop that
 * stops turning, is a bug, reported by abort(). Offers are answered at once
 * and every other DELETE hangs up a call, so every route is reached. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/signal_http.h"

#define CONNECTION_LIMIT_MS 15000 /* lws' own timeouts are 10 s: a margin above them */
#define INPUT_CAP 65536           /* bytes of one input used */

static const char answer_sdp[] =
    "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";

typedef struct client {
    uv_tcp_t tcp;
    uv_connect_t connect;
    uv_write_t write;
    uv_shutdown_t shutdown;
    uv_timer_t limit;
    uv_buf_t data;
    int closed_handles; /* of tcp and limit */
    int peer_closed;    /* the server ended the connection */
    char buf[65536];
} client;

typedef struct server {
    uv_loop_t loop;
    sotto_signal_http *sig;
    unsigned port;
    unsigned offers;
    unsigned hangups;
} server;

static void on_offer(void *opaque, sotto_signal_http_offer *offer, const char *sdp, size_t len)
{
    server *srv = opaque;

    (void)sdp;
    (void)len;
    if (srv->offers++ % 2 == 0)
        sotto_signal_http_answer(&offer, answer_sdp, "call-1");
    else
        sotto_signal_http_fail(&offer, 503, NULL);
}

/* A PATCH (ICE restart): answered or refused like an offer. */
static void on_update(void *opaque, sotto_signal_http_offer *offer, const char *call_id,
                      const char *sdp, size_t len)
{
    (void)call_id;
    on_offer(opaque, offer, sdp, len);
}

static int on_hangup(void *opaque, const char *call_id)
{
    server *srv = opaque;

    (void)call_id;
    return srv->hangups++ % 2 == 0 ? 0 : -ENOENT;
}

static server *server_get(void)
{
    static server *srv;
    sotto_signal_http_params p;
    char err[256] = "";

    if (srv)
        return srv;
    srv = calloc(1, sizeof(*srv));
    if (!srv || uv_loop_init(&srv->loop) != 0)
        abort();
    sotto_signal_http_library_log(0);
    sotto_signal_http_params_default(&p);
    p.bind_address = "127.0.0.1";
    p.max_body = 4096;
    p.answer_timeout_ms = 1000;
    p.on_offer = on_offer;
    p.on_hangup = on_hangup;
    p.on_update = on_update;
    p.opaque = srv;
    if (sotto_signal_http_create(&srv->sig, &srv->loop, &p, err, sizeof(err)) != 0 ||
        sotto_signal_http_port(srv->sig, &srv->port) != 0) {
        fprintf(stderr, "fuzz_signal_http: cannot start the server: %s\n", err);
        abort();
    }
    return srv;
}

static void on_closed(uv_handle_t *h)
{
    client *c = h->data;

    c->closed_handles++;
}

static void client_close(client *c)
{
    if (!uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_closed);
    if (!uv_is_closing((uv_handle_t *)&c->limit))
        uv_close((uv_handle_t *)&c->limit, on_closed);
}

static void on_limit(uv_timer_t *t)
{
    (void)t;
    fprintf(stderr, "fuzz_signal_http: the server kept the connection open past EOF for %d ms\n",
            CONNECTION_LIMIT_MS);
    abort();
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    client *c = h->data;

    (void)suggested;
    *buf = uv_buf_init(c->buf, sizeof(c->buf));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    client *c = s->data;

    (void)buf;
    if (nread < 0) {
        c->peer_closed = 1;
        client_close(c);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
}

static void on_written(uv_write_t *req, int status)
{
    client *c = req->data;

    /* A server that closed early makes the write fail: that is an answer. */
    if (status == 0 && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown);
}

static void on_connect(uv_connect_t *req, int status)
{
    client *c = req->data;

    if (status != 0) {
        fprintf(stderr, "fuzz_signal_http: connect: %s\n", uv_strerror(status));
        abort();
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    c->write.data = c;
    if (uv_write(&c->write, (uv_stream_t *)&c->tcp, &c->data, 1, on_written) != 0)
        client_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    server *srv = server_get();
    static client c;
    struct sockaddr_in addr;

    memset(&c, 0, sizeof(c));
    if (size > INPUT_CAP)
        size = INPUT_CAP;
    c.data = uv_buf_init((char *)data, (unsigned)size);
    uv_tcp_init(&srv->loop, &c.tcp);
    uv_timer_init(&srv->loop, &c.limit);
    c.tcp.data = c.limit.data = c.connect.data = &c;
    uv_ip4_addr("127.0.0.1", (int)srv->port, &addr);
    uv_timer_start(&c.limit, on_limit, CONNECTION_LIMIT_MS, 0);
    if (uv_tcp_connect(&c.connect, &c.tcp, (const struct sockaddr *)&addr, on_connect) != 0)
        abort();
    /* The server's handles keep the loop alive: turn it until this client
     * is done with. */
    while (c.closed_handles < 2)
        uv_run(&srv->loop, UV_RUN_ONCE);
    return 0;
}
