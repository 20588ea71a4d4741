/* The client half of net/signal_http: one request (POST an offer, DELETE
 * a call) to another daemon. libuv resolves the host name (lws would block
 * the loop in getaddrinfo); lws, on the signalling object's context,
 * speaks HTTP/1.1 to each resolved address in turn until one connects.
 *
 * A connection finds its request through its opaque user data; finishing
 * a request clears that link first, so lws callbacks that come later (the
 * close, or a context teardown) find nothing and touch nothing. */
#include "net/err.h"
#include "net/signal_http_internal.h"

#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000
#define CHUNK 4096                    /* bytes written or read per callback */
#define LOCATION_MAX 1024             /* bytes of a Location header, NUL included */
#define CONTENT_TYPE_MAX 128          /* bytes of a Content-Type header, NUL included */
#define REASON_MAX 160                /* bytes of a failure reason, NUL included */

struct sotto_signal_http_request {
    sotto_signal_http *sig;           /* owner; NULL once finished */
    sotto_signal_http_request *prev;  /* sig's list of requests in flight */
    sotto_signal_http_request *next;
    struct lws *wsi;                  /* connection in progress, or NULL */
    uv_getaddrinfo_t resolve;         /* name lookup; data = this */
    int resolving;                    /* resolve is in flight */
    struct addrinfo *addrs;           /* resolved addresses; freed with the request */
    struct addrinfo *next_addr;       /* next one to try */
    uv_timer_t deadline;              /* whole-exchange timeout; data = this */
    int deadline_closed;              /* its close callback ran */
    int finished;                     /* on_response made, or cancelled */
    int cancelled;                    /* cancelled: no callback */
    int connected;                    /* TCP up: the request headers are being sent */
    unsigned timeout_ms;              /* for the reason text */
    uint64_t deadline_at;             /* uv_now() when the exchange times out, ms */
    const char *method;               /* "POST", "PATCH", "GET" or "DELETE" (static) */
    const char *body_type;            /* Content-Type of body (static); NULL: no body */
    sotto_http_url url;               /* host, port; path points into url_text */
    char *url_text;                   /* copy of the URL; owned */
    char host_header[SOTTO_HTTP_HOST_MAX + 8]; /* host[:port] as sent in Host */
    char address[INET6_ADDRSTRLEN];   /* numeric address being tried */
    char auth[SOTTO_SIGNAL_HTTP_MAX_TOKEN + 8]; /* "Bearer <token>" or "" */
    char *body;                       /* request body; owned; NULL for none */
    size_t body_len;                  /* bytes */
    size_t body_sent;                 /* bytes */
    int status;                       /* response status */
    char location[LOCATION_MAX];      /* response Location or "" */
    char content_type[CONTENT_TYPE_MAX]; /* response Content-Type or "" */
    char *resp;                       /* response body; owned; max_response + 1 bytes */
    size_t resp_len;                  /* bytes */
    size_t max_response;              /* bytes */
    sotto_signal_http_response_cb on_response; /* required */
    void *opaque;                     /* not owned */
};

static void request_free(sotto_signal_http_request *req)
{
    if (req->addrs)
        uv_freeaddrinfo(req->addrs);
    free(req->url_text);
    free(req->body);
    free(req->resp);
    free(req);
}

/* The request is freed once nothing of libuv still refers to it. */
static void maybe_free(sotto_signal_http_request *req)
{
    if (req->finished && req->deadline_closed && !req->resolving)
        request_free(req);
}

static void deadline_closed(uv_handle_t *h)
{
    sotto_signal_http_request *req = h->data;

    req->deadline_closed = 1;
    maybe_free(req);
}

static void request_unlink(sotto_signal_http_request *req)
{
    if (!req->sig)
        return;
    if (req->prev)
        req->prev->next = req->next;
    else
        req->sig->requests = req->next;
    if (req->next)
        req->next->prev = req->prev;
    req->sig = NULL;
    req->prev = req->next = NULL;
}

/* Cuts the link between req and its connection. Outside lws callbacks the
 * connection is also closed (soon, by lws); inside one (in_callback) lws
 * is closing it already or the callback returns -1. */
static void detach_wsi(sotto_signal_http_request *req, int in_callback)
{
    if (!req->wsi)
        return;
    lws_set_opaque_user_data(req->wsi, NULL);
    if (!in_callback)
        lws_set_timeout(req->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    req->wsi = NULL;
}

/* Makes the one callback (unless cancelled) and starts the teardown. Must
 * not touch req afterwards: it may be freed from the loop's next turn. */
static void finish(sotto_signal_http_request *req, int err, const char *reason)
{
    if (req->finished)
        return;
    req->finished = 1;
    request_unlink(req);
    detach_wsi(req, 0);
    if (!req->cancelled) {
        if (err == 0) {
            sotto_signal_http_response resp = {req->status, req->resp, req->resp_len,
                                               req->location, req->content_type};
            req->resp[req->resp_len] = '\0';
            req->on_response(req->opaque, 0, &resp, NULL);
        } else {
            req->on_response(req->opaque, err, NULL, reason);
        }
    }
    if (req->resolving)
        uv_cancel((uv_req_t *)&req->resolve);
    uv_timer_stop(&req->deadline);
    uv_close((uv_handle_t *)&req->deadline, deadline_closed);
}

static void fail(sotto_signal_http_request *req, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(sotto_signal_http_request *req, int err, const char *fmt, ...)
{
    char reason[REASON_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    finish(req, err, reason);
}

/* lws gives a server SOTTO_HTTP_LWS_TIMEOUT_S to start its reply, which a
 * long poll (Janus holds one for 30 s) outlives: while the request's own
 * deadline is still ahead, its lws timeout is renewed every REFRESH_MS. */
#define REFRESH_MS 4000

static void on_deadline(uv_timer_t *t)
{
    sotto_signal_http_request *req = t->data;
    uint64_t now = uv_now(t->loop);

    if (now < req->deadline_at) {
        if (req->wsi && req->connected)
            lws_set_timeout(req->wsi, PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE,
                            SOTTO_HTTP_LWS_TIMEOUT_S);
        uv_timer_start(t, on_deadline,
                       req->deadline_at - now < REFRESH_MS ? req->deadline_at - now : REFRESH_MS,
                       0);
        return;
    }
    fail(req, -ETIMEDOUT, "no response within %u ms", req->timeout_ms);
}

/* Starts a connection to the next resolved address. 0, or -1 when none is
 * left or lws refused at once. */
static int connect_next(sotto_signal_http_request *req)
{
    struct lws_client_connect_info ci;

    while (req->next_addr) {
        const struct addrinfo *ai = req->next_addr;
        int ok = -1;

        req->next_addr = ai->ai_next;
        if (ai->ai_family == AF_INET)
            ok = uv_ip4_name((const struct sockaddr_in *)(const void *)ai->ai_addr,
                             req->address, sizeof(req->address));
        else if (ai->ai_family == AF_INET6)
            ok = uv_ip6_name((const struct sockaddr_in6 *)(const void *)ai->ai_addr,
                             req->address, sizeof(req->address));
        if (ok != 0)
            continue;
        memset(&ci, 0, sizeof(ci));
        ci.context = sotto_lws_holder_context(req->sig->lws);
        ci.address = req->address;
        ci.port = (int)req->url.port;
        ci.path = req->url.path;
        ci.host = req->host_header;
        ci.method = req->method;
        ci.local_protocol_name = SOTTO_HTTP_CLIENT_PROTOCOL;
        ci.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
        ci.alpn = "http/1.1";
        ci.opaque_user_data = req;
        req->wsi = lws_client_connect_via_info(&ci);
        if (req->wsi || req->finished)
            return 0;    /* connecting, or lws already reported the failure */
    }
    return -1;
}

static void on_resolved(uv_getaddrinfo_t *resolve, int status, struct addrinfo *res)
{
    sotto_signal_http_request *req = resolve->data;

    req->resolving = 0;
    req->addrs = res;
    if (req->finished) {
        maybe_free(req);
        return;
    }
    if (status < 0) {
        fail(req, -ECONNREFUSED, "cannot resolve %s: %s", req->url.host, uv_strerror(status));
        return;
    }
    req->next_addr = res;
    if (connect_next(req) != 0 && !req->finished)
        fail(req, -ECONNREFUSED, "cannot connect to %s port %u", req->url.host, req->url.port);
}

static int append_headers(struct lws *wsi, sotto_signal_http_request *req, unsigned char **p,
                          unsigned char *end)
{
    char length[24];

    if (req->auth[0]
        && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                        (const unsigned char *)req->auth,
                                        (int)strlen(req->auth), p, end))
        return -1;
    if (!req->body)
        return 0;
    snprintf(length, sizeof(length), "%zu", req->body_len);
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)req->body_type,
                                     (int)strlen(req->body_type), p, end)
        || lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
                                        (const unsigned char *)length, (int)strlen(length), p,
                                        end))
        return -1;
    lws_client_http_body_pending(wsi, 1);
    lws_callback_on_writable(wsi);
    return 0;
}

static int write_body(struct lws *wsi, sotto_signal_http_request *req)
{
    unsigned char buf[LWS_PRE + CHUNK];
    size_t left = req->body_len - req->body_sent, n = left < CHUNK ? left : CHUNK;
    int final = n == left;

    if (!req->body || left == 0)
        return 0;
    memcpy(buf + LWS_PRE, req->body + req->body_sent, n);
    if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
        != (int)n)
        return -1;
    req->body_sent += n;
    if (final)
        lws_client_http_body_pending(wsi, 0);
    else
        lws_callback_on_writable(wsi);
    return 0;
}

static int on_established(struct lws *wsi, sotto_signal_http_request *req)
{
    req->status = (int)lws_http_client_http_response(wsi);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_LOCATION) >= LOCATION_MAX
        || lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE) >= CONTENT_TYPE_MAX
        || lws_hdr_copy(wsi, req->location, sizeof(req->location), WSI_TOKEN_HTTP_LOCATION) < 0
        || lws_hdr_copy(wsi, req->content_type, sizeof(req->content_type),
                        WSI_TOKEN_HTTP_CONTENT_TYPE) < 0) {
        detach_wsi(req, 1);
        fail(req, -EPROTO, "response header too long or unreadable");
        return -1;
    }
    return 0;
}

static int on_body_piece(sotto_signal_http_request *req, const void *in, size_t len)
{
    if (len > req->max_response - req->resp_len) {
        detach_wsi(req, 1);
        fail(req, -EMSGSIZE, "response body over %zu bytes", req->max_response);
        return -1;
    }
    memcpy(req->resp + req->resp_len, in, len);
    req->resp_len += len;
    return 0;
}

/* Callbacks that move an exchange on; a finished request's connection is
 * closed on any of them. */
static int is_exchange_step(enum lws_callback_reasons reason)
{
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        return 1;
    default:
        return 0;
    }
}

int sotto_http_client_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                               void *in, size_t len)
{
    sotto_signal_http_request *req = lws_get_opaque_user_data(wsi);
    char buf[LWS_PRE + CHUNK], *px = buf + LWS_PRE;
    int lenx = CHUNK;

    (void)user;
    if (!req)
        return is_exchange_step(reason) ? -1 : 0;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        detach_wsi(req, 1);
        if (!req->connected && connect_next(req) == 0)
            return 0;
        fail(req, req->connected ? -EPROTO : -ECONNREFUSED, "%s port %u: %s", req->url.host,
             req->url.port, in ? (const char *)in : "connection failed");
        return 0;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        req->connected = 1;
        return append_headers(wsi, req, (unsigned char **)in, *(unsigned char **)in + len);
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return write_body(wsi, req);
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        return on_established(wsi, req);
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
        return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        return on_body_piece(req, in, len);
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        detach_wsi(req, 1);
        finish(req, 0, NULL);
        return -1;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
    case LWS_CALLBACK_CLIENT_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_WSI_DESTROY:
        detach_wsi(req, 1);
        fail(req, req->connected ? -ECONNRESET : -ECONNREFUSED,
             "connection closed before the response was complete");
        return 0;
    default:
        return 0;
    }
}

static int check_client_params(const sotto_signal_http_client_params *p, sotto_http_url *url,
                               char *err, size_t errlen)
{
    int rc;

    if (!p->url || !p->on_response) {
        sotto__net_errf(err, errlen, "url and on_response are required");
        return -EINVAL;
    }
    rc = sotto_http_url_parse(p->url, url);
    if (rc != 0) {
        sotto__net_errf(err, errlen, rc == -ENOTSUP ? "only http:// URLs are supported"
                                            : "malformed URL (want http://host[:port]/path)");
        return rc;
    }
    if (p->bearer_token && p->bearer_token[0] && !sotto_http_token_valid(p->bearer_token)) {
        sotto__net_errf(err, errlen, "malformed bearer token");
        return -EINVAL;
    }
    if (p->max_response > (16u << 20)) {
        sotto__net_errf(err, errlen, "max_response over 16 MiB");
        return -EINVAL;
    }
    return 0;
}

/* Builds the request; nothing is sent yet. */
static int request_new(sotto_signal_http_request **out_req,
                       const sotto_signal_http_client_params *p, const sotto_http_url *url,
                       const char *body, char *err, size_t errlen)
{
    sotto_signal_http_request *req = calloc(1, sizeof(*req));

    if (!req)
        goto oom;
    req->url_text = strdup(p->url);
    req->max_response = p->max_response ? p->max_response : SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY;
    req->resp = malloc(req->max_response + 1);
    req->body = body ? strdup(body) : NULL;
    if (!req->url_text || !req->resp || (body && !req->body))
        goto oom;
    req->body_len = body ? strlen(body) : 0;
    req->url = *url;
    req->url.path = url->authority_end < strlen(p->url) ? req->url_text + url->authority_end : "/";
    snprintf(req->host_header, sizeof(req->host_header), url->host_is_ipv6 ? "[%s]:%u" : "%s:%u",
             url->host, url->port);
    if (p->bearer_token && p->bearer_token[0])
        snprintf(req->auth, sizeof(req->auth), "Bearer %s", p->bearer_token);
    req->timeout_ms = p->timeout_ms ? p->timeout_ms : DEFAULT_TIMEOUT_MS;
    req->on_response = p->on_response;
    req->opaque = p->opaque;
    *out_req = req;
    return 0;

oom:
    sotto__net_errf(err, errlen, "out of memory");
    if (req)
        request_free(req);
    return -ENOMEM;
}

static int request_start(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                         const sotto_signal_http_client_params *p, const char *method,
                         const char *body_type, const char *body, char *err, size_t errlen)
{
    struct addrinfo hints;
    sotto_signal_http_request *req = NULL;
    sotto_http_url url;
    char port[8];
    int rc;

    if (!out_req || !sig || !p) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    if (sig->closing) {
        sotto__net_errf(err, errlen, "the signalling service is shutting down");
        return -ESHUTDOWN;
    }
    rc = check_client_params(p, &url, err, errlen);
    if (rc == 0)
        rc = request_new(&req, p, &url, body, err, errlen);
    if (rc != 0)
        return rc;
    req->method = method;
    req->body_type = body_type;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%u", req->url.port);
    req->resolve.data = req;
    rc = uv_getaddrinfo(sig->loop, &req->resolve, on_resolved, req->url.host, port, &hints);
    if (rc != 0) {
        request_free(req);
        sotto__net_errf(err, errlen, "name lookup failed to start: %s", uv_strerror(rc));
        return -EIO;
    }
    req->resolving = 1;
    uv_timer_init(sig->loop, &req->deadline);
    req->deadline.data = req;
    req->deadline_at = uv_now(sig->loop) + req->timeout_ms;
    /* Beyond lws' own timeout, the timer also renews it (on_deadline). */
    uv_timer_start(&req->deadline, on_deadline,
                   req->timeout_ms > SOTTO_HTTP_LWS_TIMEOUT_S * 1000u ? REFRESH_MS
                                                                       : req->timeout_ms,
                   0);
    req->sig = sig;
    req->next = sig->requests;
    if (sig->requests)
        sig->requests->prev = req;
    sig->requests = req;
    *out_req = req;
    return 0;
}

static int sdp_request(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                       const char *method, const sotto_signal_http_client_params *params,
                       const char *sdp, char *err, size_t errlen)
{
    size_t len;

    if (!sdp) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    len = strnlen(sdp, SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY + 1);
    if (len == 0 || len > SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY) {
        sotto__net_errf(err, errlen, "SDP must be 1..%d bytes", SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY);
        return -EINVAL;
    }
    return request_start(out_req, sig, params, method, "application/sdp", sdp, err, errlen);
}

int sotto_signal_http_post_offer(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                 const sotto_signal_http_client_params *params, const char *sdp,
                                 char *err, size_t errlen)
{
    return sdp_request(out_req, sig, "POST", params, sdp, err, errlen);
}

int sotto_signal_http_patch_call(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                 const sotto_signal_http_client_params *params, const char *sdp,
                                 char *err, size_t errlen)
{
    return sdp_request(out_req, sig, "PATCH", params, sdp, err, errlen);
}

int sotto_signal_http_delete_call(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                  const sotto_signal_http_client_params *params, char *err,
                                  size_t errlen)
{
    return request_start(out_req, sig, params, "DELETE", NULL, NULL, err, errlen);
}

int sotto_signal_http_send_json(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                const sotto_signal_http_client_params *params, const char *json,
                                char *err, size_t errlen)
{
    size_t len;

    if (!json)
        return request_start(out_req, sig, params, "GET", NULL, NULL, err, errlen);
    len = strnlen(json, SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY + 1);
    if (len == 0 || len > SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY) {
        sotto__net_errf(err, errlen, "JSON body must be 1..%d bytes",
                        SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY);
        return -EINVAL;
    }
    return request_start(out_req, sig, params, "POST", "application/json", json, err, errlen);
}

void sotto_signal_http_request_cancel(sotto_signal_http_request **req)
{
    sotto_signal_http_request *r;

    if (!req || !*req)
        return;
    r = *req;
    *req = NULL;
    if (r->finished)
        return;
    r->cancelled = 1;
    finish(r, -ECANCELED, NULL);
}

void sotto_http_client_cancel_all(sotto_signal_http *sig)
{
    while (sig->requests)
        finish(sig->requests, -ECANCELED, "the signalling service is shutting down");
}
