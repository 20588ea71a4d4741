/* A WebSocket client connection (RFC 6455) on the signalling object's lws
 * context, for servers that speak JSON over WebSocket (Janus' WebSocket
 * transport). As with the HTTP client, libuv resolves the host name and
 * lws connects to each resolved address in turn.
 *
 * The connection finds its object through its opaque user data; detaching
 * clears that link, so lws callbacks that come later find nothing. The
 * object is freed once its user has closed it and neither a name lookup
 * nor a connection still refers to it. */
#include "net/err.h"
#include "net/signal_http_internal.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_MESSAGE 65536
#define MAX_QUEUED 64      /* messages waiting to be written */
#define FLUSH_TIMEOUT_S 3  /* a closing connection's time to write what is queued */
#define REASON_MAX 160     /* bytes of a failure reason, NUL included */
#define SUBPROTOCOL_MAX 64 /* bytes of the subprotocol name, NUL included */

typedef struct ws_out {
    struct ws_out *next;
    size_t len;          /* bytes of text */
    unsigned char buf[]; /* LWS_PRE bytes, then the text */
} ws_out;

struct sotto_signal_ws {
    sotto_signal_http *sig; /* NULL once the connection is over */
    sotto_signal_ws *prev;  /* sig's list of connections */
    sotto_signal_ws *next;
    struct lws *wsi;            /* the connection, or NULL */
    uv_getaddrinfo_t resolve;   /* data = this */
    int resolving;              /* resolve is in flight */
    struct addrinfo *addrs;     /* freed with the object */
    struct addrinfo *next_addr; /* next one to try */
    int open;                   /* the handshake is done */
    int over;                   /* on_closed was made (or the user closed): no more callbacks */
    int released;               /* the user closed it: free when nothing refers to it */
    int busy;                   /* inside one of our callbacks: the free waits for its end */
    sotto_http_url url;         /* path points into url_text */
    char *url_text;             /* http:// form of the URL; owned */
    char host_header[SOTTO_HTTP_HOST_MAX + 8];
    char address[INET6_ADDRSTRLEN];
    char subprotocol[SUBPROTOCOL_MAX];
    ws_out *out_head; /* queued messages, oldest first */
    ws_out *out_tail;
    size_t out_count;
    char *rx; /* the message being received; max_message + 1 bytes */
    size_t rx_len;
    size_t max_message;
    sotto_signal_ws_open_cb on_open;
    sotto_signal_ws_message_cb on_message;
    sotto_signal_ws_closed_cb on_closed;
    void *opaque;
};

static void ws_unlink(sotto_signal_ws *ws);

static void ws_free(sotto_signal_ws *ws)
{
    ws_out *o, *next;

    ws_unlink(ws);
    for (o = ws->out_head; o; o = next) {
        next = o->next;
        free(o);
    }
    if (ws->addrs)
        uv_freeaddrinfo(ws->addrs);
    free(ws->url_text);
    free(ws->rx);
    free(ws);
}

static void maybe_free(sotto_signal_ws *ws)
{
    if (ws->released && !ws->wsi && !ws->resolving && !ws->busy)
        ws_free(ws);
}

static void ws_unlink(sotto_signal_ws *ws)
{
    if (!ws->sig)
        return;
    if (ws->prev)
        ws->prev->next = ws->next;
    else
        ws->sig->websockets = ws->next;
    if (ws->next)
        ws->next->prev = ws->prev;
    ws->sig = NULL;
    ws->prev = ws->next = NULL;
}

/* Cuts the link to the connection; outside lws callbacks lws is also told
 * to close it. */
static void detach_wsi(sotto_signal_ws *ws, int in_callback)
{
    if (!ws->wsi)
        return;
    lws_set_opaque_user_data(ws->wsi, NULL);
    if (!in_callback)
        lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    ws->wsi = NULL;
}

/* The connection is over: one on_closed, unless the user closed first. */
static void fail(sotto_signal_ws *ws, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(sotto_signal_ws *ws, int err, const char *fmt, ...)
{
    char reason[REASON_MAX];
    va_list ap;

    ws_unlink(ws);
    if (ws->over)
        return;
    ws->over = 1;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    ws->on_closed(ws->opaque, err, reason);
}

static int connect_next(sotto_signal_ws *ws)
{
    struct lws_client_connect_info ci;

    while (ws->next_addr && ws->sig) {
        const struct addrinfo *ai = ws->next_addr;
        int ok = -1;

        ws->next_addr = ai->ai_next;
        if (ai->ai_family == AF_INET)
            ok = uv_ip4_name((const struct sockaddr_in *)(const void *)ai->ai_addr, ws->address,
                             sizeof(ws->address));
        else if (ai->ai_family == AF_INET6)
            ok = uv_ip6_name((const struct sockaddr_in6 *)(const void *)ai->ai_addr, ws->address,
                             sizeof(ws->address));
        if (ok != 0)
            continue;
        memset(&ci, 0, sizeof(ci));
        ci.context = sotto_lws_holder_context(ws->sig->lws);
        ci.address = ws->address;
        ci.port = (int)ws->url.port;
        ci.path = ws->url.path;
        ci.host = ws->host_header;
        ci.origin = ws->host_header;
        ci.protocol = ws->subprotocol[0] ? ws->subprotocol : NULL;
        ci.local_protocol_name = SOTTO_WS_CLIENT_PROTOCOL;
        ci.opaque_user_data = ws;
        ws->wsi = lws_client_connect_via_info(&ci);
        if (ws->wsi || ws->over)
            return 0;
    }
    return -1;
}

static void on_resolved(uv_getaddrinfo_t *resolve, int status, struct addrinfo *res)
{
    sotto_signal_ws *ws = resolve->data;

    ws->resolving = 0;
    ws->addrs = res;
    if (ws->over || !ws->sig) {
        maybe_free(ws);
        return;
    }
    if (status < 0) {
        fail(ws, -ECONNREFUSED, "cannot resolve %s: %s", ws->url.host, uv_strerror(status));
        return;
    }
    ws->next_addr = res;
    ws->busy++;
    if (connect_next(ws) != 0 && !ws->over)
        fail(ws, -ECONNREFUSED, "cannot connect to %s port %u", ws->url.host, ws->url.port);
    ws->busy--;
    maybe_free(ws);
}

/* Writes the oldest queued message; asks for the next turn while more wait.
 * A closing connection ends once its queue is empty. */
static int on_writeable(struct lws *wsi, sotto_signal_ws *ws)
{
    ws_out *o = ws->out_head;

    if (!o) {
        if (!ws->released)
            return 0;
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
        detach_wsi(ws, 1);
        return -1;
    }
    if (lws_write(wsi, o->buf + LWS_PRE, o->len, LWS_WRITE_TEXT) < (int)o->len) {
        detach_wsi(ws, 1);
        fail(ws, -EIO, "write to %s port %u failed", ws->url.host, ws->url.port);
        return -1;
    }
    ws->out_head = o->next;
    if (!ws->out_head)
        ws->out_tail = NULL;
    ws->out_count--;
    free(o);
    if (ws->out_head || ws->released)
        lws_callback_on_writable(wsi);
    return 0;
}

static int on_receive(struct lws *wsi, sotto_signal_ws *ws, const void *in, size_t len)
{
    if (lws_frame_is_binary(wsi)) {
        detach_wsi(ws, 1);
        fail(ws, -EPROTO, "the server sent a binary message");
        return -1;
    }
    if (len > ws->max_message - ws->rx_len) {
        detach_wsi(ws, 1);
        fail(ws, -EMSGSIZE, "message over %zu bytes", ws->max_message);
        return -1;
    }
    memcpy(ws->rx + ws->rx_len, in, len);
    ws->rx_len += len;
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0)
        return 0;
    ws->rx[ws->rx_len] = '\0';
    len = ws->rx_len;
    ws->rx_len = 0;
    if (!ws->over)
        ws->on_message(ws->opaque, ws->rx, len);
    return 0;
}

static int ws_event(struct lws *wsi, sotto_signal_ws *ws, enum lws_callback_reasons reason,
                    void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        detach_wsi(ws, 1);
        if (!ws->open && !ws->released && connect_next(ws) == 0)
            return 0;
        fail(ws, -ECONNREFUSED, "%s port %u: %s", ws->url.host, ws->url.port,
             in ? (const char *)in : "connection failed");
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        ws->open = 1;
        if (ws->out_head || ws->released)
            lws_callback_on_writable(wsi);
        if (!ws->over)
            ws->on_open(ws->opaque);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return on_receive(wsi, ws, in, len);
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return on_writeable(wsi, ws);
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        detach_wsi(ws, 1);
        fail(ws, ws->open ? -ECONNRESET : -ECONNREFUSED,
             ws->open ? "the server closed the connection" : "the WebSocket handshake failed");
        return 0;
    default:
        return 0;
    }
}

/* The user may close the object inside any callback it gets from here:
 * it is freed, if at all, once the event is handled. */
int sotto_ws_client_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    sotto_signal_ws *ws = lws_get_opaque_user_data(wsi);
    int rc;

    (void)user;
    if (!ws)
        return reason == LWS_CALLBACK_CLIENT_WRITEABLE || reason == LWS_CALLBACK_CLIENT_RECEIVE ? -1
                                                                                                : 0;
    ws->busy++;
    rc = ws_event(wsi, ws, reason, in, len);
    ws->busy--;
    maybe_free(ws);
    return rc;
}

static int check_params(const sotto_signal_ws_params *p, char *err, size_t errlen)
{
    if (!p->url || !p->on_open || !p->on_message || !p->on_closed) {
        sotto__net_errf(err, errlen, "url, on_open, on_message and on_closed are required");
        return -EINVAL;
    }
    if (strncmp(p->url, "ws://", 5) != 0 || strlen(p->url) > SOTTO_SIGNAL_HTTP_MAX_URL) {
        sotto__net_errf(err, errlen, "the URL must be ws://host[:port]/path");
        return -EINVAL;
    }
    if (p->subprotocol && strlen(p->subprotocol) >= SUBPROTOCOL_MAX) {
        sotto__net_errf(err, errlen, "subprotocol name too long");
        return -EINVAL;
    }
    if (p->max_message > (16u << 20)) {
        sotto__net_errf(err, errlen, "max_message over 16 MiB");
        return -EINVAL;
    }
    return 0;
}

/* The URL in its http:// form, parsed by the HTTP client's parser (the
 * two share host, port and path rules). */
static int ws_parse_url(sotto_signal_ws *ws, const char *url, char *err, size_t errlen)
{
    size_t len = strlen(url) - 5 + 8;

    ws->url_text = malloc(len);
    if (!ws->url_text) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    snprintf(ws->url_text, len, "http://%s", url + 5);
    if (sotto_http_url_parse(ws->url_text, &ws->url) != 0) {
        sotto__net_errf(err, errlen, "malformed URL (want ws://host[:port]/path)");
        return -EINVAL;
    }
    ws->url.path =
        ws->url.authority_end < strlen(ws->url_text) ? ws->url_text + ws->url.authority_end : "/";
    snprintf(ws->host_header, sizeof(ws->host_header), ws->url.host_is_ipv6 ? "[%s]:%u" : "%s:%u",
             ws->url.host, ws->url.port);
    return 0;
}

int sotto_signal_ws_open(sotto_signal_ws **out_ws, sotto_signal_http *sig,
                         const sotto_signal_ws_params *p, char *err, size_t errlen)
{
    struct addrinfo hints;
    sotto_signal_ws *ws;
    char port[8];
    int rc;

    if (!out_ws || !sig || !p) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    if (sig->closing) {
        sotto__net_errf(err, errlen, "the signalling service is shutting down");
        return -ESHUTDOWN;
    }
    rc = check_params(p, err, errlen);
    if (rc < 0)
        return rc;
    ws = calloc(1, sizeof(*ws));
    if (!ws) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    ws->max_message = p->max_message ? p->max_message : DEFAULT_MAX_MESSAGE;
    ws->rx = malloc(ws->max_message + 1);
    if (!ws->rx) {
        ws_free(ws);
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    rc = ws_parse_url(ws, p->url, err, errlen);
    if (rc < 0) {
        ws_free(ws);
        return rc;
    }
    snprintf(ws->subprotocol, sizeof(ws->subprotocol), "%s", p->subprotocol ? p->subprotocol : "");
    ws->on_open = p->on_open;
    ws->on_message = p->on_message;
    ws->on_closed = p->on_closed;
    ws->opaque = p->opaque;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%u", ws->url.port);
    ws->resolve.data = ws;
    rc = uv_getaddrinfo(sig->loop, &ws->resolve, on_resolved, ws->url.host, port, &hints);
    if (rc != 0) {
        ws_free(ws);
        sotto__net_errf(err, errlen, "name lookup failed to start: %s", uv_strerror(rc));
        return -EIO;
    }
    ws->resolving = 1;
    ws->sig = sig;
    ws->next = sig->websockets;
    if (sig->websockets)
        sig->websockets->prev = ws;
    sig->websockets = ws;
    *out_ws = ws;
    return 0;
}

int sotto_signal_ws_send(sotto_signal_ws *ws, const char *text, size_t len)
{
    ws_out *o;

    if (!ws || !text)
        return -EINVAL;
    if (ws->over || ws->released || !ws->sig)
        return -ENOTCONN;
    if (len == 0 || len > ws->max_message)
        return -EMSGSIZE;
    if (ws->out_count >= MAX_QUEUED)
        return -ENOBUFS;
    o = malloc(sizeof(*o) + LWS_PRE + len);
    if (!o)
        return -ENOMEM;
    o->next = NULL;
    o->len = len;
    memcpy(o->buf + LWS_PRE, text, len);
    if (ws->out_tail)
        ws->out_tail->next = o;
    else
        ws->out_head = o;
    ws->out_tail = o;
    ws->out_count++;
    if (ws->open && ws->wsi)
        lws_callback_on_writable(ws->wsi);
    return 0;
}

void sotto_signal_ws_close(sotto_signal_ws **pws)
{
    sotto_signal_ws *ws;

    if (!pws || !*pws)
        return;
    ws = *pws;
    *pws = NULL;
    ws->over = 1;
    ws->released = 1;
    if (ws->wsi && ws->open && ws->sig) {
        /* What is queued still goes out, for at most FLUSH_TIMEOUT_S. */
        lws_set_timeout(ws->wsi, PENDING_TIMEOUT_USER_OK, FLUSH_TIMEOUT_S);
        lws_callback_on_writable(ws->wsi);
        return;
    }
    ws_unlink(ws);
    detach_wsi(ws, 0);
    if (ws->resolving)
        uv_cancel((uv_req_t *)&ws->resolve);
    maybe_free(ws);
}

void sotto_ws_client_cancel_all(sotto_signal_http *sig)
{
    while (sig->websockets) {
        sotto_signal_ws *ws = sig->websockets;

        detach_wsi(ws, 0);
        if (ws->resolving)
            uv_cancel((uv_req_t *)&ws->resolve);
        ws->busy++;
        fail(ws, -ECANCELED, "the signalling service is shutting down");
        ws->busy--;
        maybe_free(ws);
    }
}
