#include "daemon/control.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/control_framing.h"
#include "daemon/control_socket.h"
#include "daemon/json_round.h"

#define READ_CHUNK 16384
#define IDLE_SWEEP_MS 500  /* how often idle clients are looked for */

struct sotto_control_deferred {
    sotto_control_client *client;    /* NULL once the client has gone */
    json_t *id;                      /* the request's id, or NULL */
    sotto_control_deferred *next;    /* in the client's list */
};

struct sotto_control_client {
    uv_pipe_t pipe;                  /* first: the handle's data points back here */
    sotto_control_deferred *pending; /* requests answered later */
    sotto_control *ctl;
    sotto_control_client *next;
    sotto__line_framer framer;       /* partial request line */
    uint64_t last_active;            /* uv_now() ms of the connection or last bytes read */
    int subscribed;
    int closing;
    char read_buf[READ_CHUNK];
};

struct sotto_control {
    uv_pipe_t server;
    uv_timer_t idle_timer;           /* closes idle clients, every IDLE_SWEEP_MS */
    uv_loop_t *loop;
    char *path;
    int owns_path;
    int closing;
    int open_handles;                /* server, idle timer + clients not yet closed */
    sotto_control_limits limits;
    char *version;
    int protocol;
    sotto_control_handler handler;
    void *opaque;
    sotto_control_client *clients;
    sotto_control_stats stats;
    json_t *history[SOTTO_CONTROL_EVENT_HISTORY];
    size_t history_next;
    uint64_t event_seq;
    sotto_control_closed_cb done;
    void *done_opaque;
};

typedef struct write_req {
    uv_write_t req;
    uv_buf_t buf;
    char data[];
} write_req;

void sotto_control_limits_default(sotto_control_limits *out)
{
    out->max_clients = 64;
    out->max_line = 65536;
    out->max_queue = 1048576;
    out->idle_timeout_ms = 30000;
}

static void maybe_finish(sotto_control *ctl)
{
    size_t i;

    if (!ctl->closing || ctl->open_handles > 0)
        return;
    for (i = 0; i < SOTTO_CONTROL_EVENT_HISTORY; i++)
        json_decref(ctl->history[i]);
    if (ctl->owns_path)
        unlink(ctl->path);
    free(ctl->path);
    free(ctl->version);
    if (ctl->done)
        ctl->done(ctl->done_opaque);
    free(ctl);
}

static void on_client_closed(uv_handle_t *handle)
{
    sotto_control_client *c = handle->data;
    sotto_control *ctl = c->ctl;

    sotto__framer_clear(&c->framer);
    free(c);
    ctl->open_handles--;
    maybe_finish(ctl);
}

static void client_close(sotto_control_client *c)
{
    sotto_control_client **p;

    sotto_control_deferred *d;

    if (c->closing)
        return;
    c->closing = 1;
    /* Requests still in progress outlive the client; their answers are dropped. */
    for (d = c->pending; d; d = d->next)
        d->client = NULL;
    c->pending = NULL;
    for (p = &c->ctl->clients; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    c->ctl->stats.clients--;
    uv_close((uv_handle_t *)&c->pipe, on_client_closed);
}

static void on_write_done(uv_write_t *req, int status)
{
    (void)status;
    free(req->data);
}

/* Queues one line. A client that lets its unsent output grow past
 * max_queue is not reading; it is dropped so that it cannot pin memory. */
static void client_send(sotto_control_client *c, json_t *msg)
{
    write_req *w;
    char *text;
    size_t len;

    if (c->closing)
        return;
    sotto_json_round_reals(msg);
    text = json_dumps(msg, SOTTO_JSON_DUMP_FLAGS);
    if (!text)
        return;
    len = strlen(text);
    w = malloc(sizeof(*w) + len + 1);
    if (!w) {
        free(text);
        client_close(c);
        return;
    }
    memcpy(w->data, text, len);
    w->data[len] = '\n';
    free(text);
    w->buf = uv_buf_init(w->data, (unsigned)(len + 1));
    w->req.data = w;
    if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &w->buf, 1, on_write_done) != 0) {
        free(w);
        client_close(c);
        return;
    }
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) > c->ctl->limits.max_queue) {
        c->ctl->stats.dropped_clients++;
        client_close(c);
    }
}

static void send_failure(sotto_control_client *c, json_t *id, const char *code,
                         const char *message)
{
    json_t *msg = json_pack("{s:s, s:O?, s:b, s:{s:s, s:s}}", "type", "response", "id", id,
                            "ok", 0, "error", "code", code, "message", message);

    if (msg)
        client_send(c, msg);
    json_decref(msg);
}

static void send_error(sotto_control_client *c, json_t *id, const char *code, const char *message)
{
    c->ctl->stats.bad_requests++;
    send_failure(c, id, code, message);
}

static int on_line(void *opaque, const char *line, size_t len, int too_long)
{
    sotto_control_client *c = opaque;
    sotto__control_request req;
    sotto_control_reply reply;
    const char *code = NULL;
    json_t *id = NULL, *msg;
    char message[256];

    if (too_long) {
        snprintf(message, sizeof(message), "request line longer than %zu bytes",
                 c->framer.max_line);
        send_error(c, NULL, "line-too-long", message);
        return c->closing;
    }
    if (sotto__control_parse(line, len, &req, &code, &id, message, sizeof(message)) < 0) {
        send_error(c, id, code, message);
        json_decref(id);
        return c->closing;
    }
    memset(&reply, 0, sizeof(reply));
    reply.client = c;
    reply.id = req.id;
    c->ctl->handler(c->ctl->opaque, req.cmd, req.args, &reply);
    if (reply.defer) {
        /* The answer comes through sotto_control_finish (maybe already did). */
        json_decref(req.req);
        return c->closing;
    }
    if (reply.error_code) {
        json_decref(reply.result);
        send_error(c, req.id, reply.error_code, reply.error_message);
    } else {
        msg = json_pack("{s:s, s:O?, s:b, s:o}", "type", "response", "id", req.id, "ok", 1,
                        "result", reply.result ? reply.result : json_object());
        if (msg)
            client_send(c, msg);
        json_decref(msg);
        if (reply.subscribe)
            c->subscribed = 1;
    }
    json_decref(req.req);
    return c->closing;
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    sotto_control_client *c = handle->data;

    (void)suggested;
    *buf = uv_buf_init(c->read_buf, sizeof(c->read_buf));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    sotto_control_client *c = stream->data;

    if (nread < 0) {
        client_close(c);
        return;
    }
    c->last_active = uv_now(c->ctl->loop);
    /* New limits from a reload apply from the next line on. */
    if (c->framer.len == 0)
        c->framer.max_line = c->ctl->limits.max_line;
    if (sotto__framer_feed(&c->framer, buf->base, (size_t)nread, on_line, c) == -ENOMEM)
        client_close(c);
}

static void send_hello(sotto_control *ctl, sotto_control_client *c)
{
    json_t *hello = json_pack("{s:s, s:i, s:s, s:I}", "type", "hello", "protocol", ctl->protocol,
                              "version", ctl->version, "pid", (json_int_t)getpid());

    if (hello)
        client_send(c, hello);
    json_decref(hello);
}

static void on_connection(uv_stream_t *server, int status)
{
    sotto_control *ctl = server->data;
    sotto_control_client *c;

    if (status < 0 || ctl->closing)
        return;
    c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->ctl = ctl;
    c->last_active = uv_now(ctl->loop);
    sotto__framer_init(&c->framer, ctl->limits.max_line);
    uv_pipe_init(ctl->loop, &c->pipe, 0);
    c->pipe.data = c;
    ctl->open_handles++;
    ctl->stats.clients++;
    c->next = ctl->clients;
    ctl->clients = c;
    if (uv_accept(server, (uv_stream_t *)&c->pipe) != 0) {
        client_close(c);
        return;
    }
    ctl->stats.accepted++;
    if (ctl->stats.clients > ctl->limits.max_clients) {
        ctl->stats.refused_clients++;
        send_error(c, NULL, "busy", "too many clients");
        client_close(c);
        return;
    }
    send_hello(ctl, c);
    uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
}

static void on_own_handle_closed(uv_handle_t *handle)
{
    sotto_control *ctl = handle->data;

    ctl->open_handles--;
    maybe_finish(ctl);
}

/* A connection that neither asks anything nor listens to events only holds
 * one of the max_clients slots; enough of them would lock every other
 * client out. Subscribers and clients waiting for a deferred answer are
 * busy by definition and are kept. */
static void on_idle_sweep(uv_timer_t *timer)
{
    sotto_control *ctl = timer->data;
    uint64_t now = uv_now(ctl->loop), limit = ctl->limits.idle_timeout_ms;
    sotto_control_client *c, *next;
    char message[128];

    if (limit == 0)
        return;
    for (c = ctl->clients; c; c = next) {
        next = c->next;
        if (c->subscribed || c->pending || now - c->last_active < limit)
            continue;
        snprintf(message, sizeof(message), "no request for %llu ms; connection closed",
                 (unsigned long long)limit);
        ctl->stats.idle_clients++;
        send_failure(c, NULL, "idle", message);
        client_close(c);
    }
}

int sotto_control_create(sotto_control **out, uv_loop_t *loop,
                         const sotto_control_params *params, char *err, size_t errlen)
{
    sotto_control *ctl;
    int fd, rc;

    if (!out || !loop || !params || !params->path || !params->handler || !params->version)
        return -EINVAL;
    ctl = calloc(1, sizeof(*ctl));
    if (!ctl)
        return -ENOMEM;
    ctl->loop = loop;
    ctl->limits = params->limits;
    ctl->protocol = params->protocol;
    ctl->handler = params->handler;
    ctl->opaque = params->opaque;
    ctl->path = strdup(params->path);
    ctl->version = strdup(params->version);
    if (!ctl->path || !ctl->version) {
        rc = -ENOMEM;
        goto fail;
    }
    fd = params->listen_fd;
    if (fd < 0) {
        fd = sotto__control_listen(params->path, 64, err, errlen);
        if (fd < 0) {
            rc = fd;
            goto fail;
        }
        ctl->owns_path = 1;
    }
    uv_pipe_init(loop, &ctl->server, 0);
    ctl->server.data = ctl;
    uv_timer_init(loop, &ctl->idle_timer);
    ctl->idle_timer.data = ctl;
    ctl->open_handles = 2;
    uv_timer_start(&ctl->idle_timer, on_idle_sweep, IDLE_SWEEP_MS, IDLE_SWEEP_MS);
    uv_unref((uv_handle_t *)&ctl->idle_timer);
    rc = uv_pipe_open(&ctl->server, fd);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&ctl->server, 64, on_connection);
    if (rc != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", params->path, uv_strerror(rc));
        sotto_control_close(ctl, NULL, NULL);
        return rc;
    }
    *out = ctl;
    return 0;
fail:
    free(ctl->path);
    free(ctl->version);
    free(ctl);
    if (rc == -ENOMEM)
        snprintf(err, errlen, "out of memory");
    return rc;
}

void sotto_control_set_limits(sotto_control *ctl, const sotto_control_limits *limits)
{
    if (ctl && limits)
        ctl->limits = *limits;
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sotto_control_emit(sotto_control *ctl, const char *event, json_t *data)
{
    sotto_control_client *c, *next;
    json_t *msg;
    size_t slot;

    if (!ctl || !event) {
        json_decref(data);
        return;
    }
    msg = json_pack("{s:s, s:s, s:I, s:f, s:o}", "type", "event", "event", event, "seq",
                    (json_int_t)++ctl->event_seq, "time", now_seconds(), "data",
                    data ? data : json_object());
    if (!msg)
        return;
    slot = ctl->history_next++ % SOTTO_CONTROL_EVENT_HISTORY;
    json_decref(ctl->history[slot]);
    ctl->history[slot] = msg;
    for (c = ctl->clients; c; c = next) {
        next = c->next;
        if (c->subscribed)
            client_send(c, msg);
    }
}

sotto_control_deferred *sotto_control_defer(sotto_control_reply *reply)
{
    sotto_control_deferred *d;

    if (!reply || !reply->client)
        return NULL;
    d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    reply->defer = 1;
    d->client = reply->client;
    d->id = json_incref(reply->id);
    d->next = reply->client->pending;
    reply->client->pending = d;
    return d;
}

void sotto_control_finish(sotto_control_deferred *pending, json_t *result,
                          const char *error_code, const char *error_message)
{
    sotto_control_client *c;
    sotto_control_deferred **p;
    json_t *msg;

    if (!pending) {
        json_decref(result);
        return;
    }
    if (!result)
        result = json_object();
    c = pending->client;
    if (c) {
        for (p = &c->pending; *p; p = &(*p)->next) {
            if (*p == pending) {
                *p = pending->next;
                break;
            }
        }
        if (error_code) {
            send_error(c, pending->id, error_code, error_message ? error_message : "");
        } else {
            msg = json_pack("{s:s, s:O?, s:b, s:O}", "type", "response", "id", pending->id,
                            "ok", 1, "result", result);
            if (msg)
                client_send(c, msg);
            json_decref(msg);
        }
    }
    json_decref(result);
    json_decref(pending->id);
    free(pending);
}

json_t *sotto_control_history(const sotto_control *ctl)
{
    json_t *list = json_array();
    size_t i, n, start;

    if (!ctl || !list)
        return list;
    n = ctl->history_next < SOTTO_CONTROL_EVENT_HISTORY ? ctl->history_next
                                                        : SOTTO_CONTROL_EVENT_HISTORY;
    start = ctl->history_next - n;
    for (i = 0; i < n; i++)
        json_array_append(list, ctl->history[(start + i) % SOTTO_CONTROL_EVENT_HISTORY]);
    return list;
}

void sotto_control_get_stats(const sotto_control *ctl, sotto_control_stats *out)
{
    if (ctl && out)
        *out = ctl->stats;
}

void sotto_control_close(sotto_control *ctl, sotto_control_closed_cb done, void *opaque)
{
    if (!ctl)
        return;
    if (ctl->closing)
        return;
    ctl->closing = 1;
    ctl->done = done;
    ctl->done_opaque = opaque;
    while (ctl->clients)
        client_close(ctl->clients);
    uv_close((uv_handle_t *)&ctl->idle_timer, on_own_handle_closed);
    uv_close((uv_handle_t *)&ctl->server, on_own_handle_closed);
}
