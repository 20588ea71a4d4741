/* The server half of net/signal_http: routes, authorisation, offers
 * waiting for the daemon's answer, static files. libwebsockets parses
 * HTTP/1.1; this file decides what to answer and writes every reply
 * itself, one piece per WRITEABLE callback. */
#include "net/signal_http_internal.h"

#include <errno.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#if !defined(LWS_WITH_HTTP_UNCOMMON_HEADERS)
#error "libwebsockets must be built with LWS_WITH_HTTP_UNCOMMON_HEADERS (DELETE, OPTIONS)"
#endif

#define HEAD_CAP 2048                 /* bytes of one reply's header block */
#define CHUNK 4096                    /* bytes written per WRITEABLE */
#define MAX_STATIC_FILE (16u << 20)   /* largest static file served, bytes */
#define MAX_REASON 256                /* bytes of a fail() reason */
#define BODY_TIMEOUT_S 10             /* to receive a request body */
#define SEND_TIMEOUT_S 30             /* to send a reply */
#define CALLS_PATH "/v1/calls"
#define MAX_BODY_COMPLETIONS 8        /* BODY_COMPLETION callbacks of one request */

enum http_method {
    METHOD_OTHER = 0,
    METHOD_GET,
    METHOD_HEAD,
    METHOD_POST,
    METHOD_PUT,
    METHOD_PATCH,
    METHOD_DELETE,
    METHOD_OPTIONS,
};

enum session_state {
    SESSION_IDLE = 0,          /* between requests */
    SESSION_READING_OFFER,     /* collecting the body of POST /v1/calls */
    SESSION_WAITING_ANSWER,    /* the offer is with the daemon */
    SESSION_SENDING,           /* a reply is prepared and being written */
};

/* Per-connection state, allocated and zeroed by libwebsockets. */
typedef struct http_session {
    enum session_state state;           /* see above */
    unsigned char *body;                /* offer body, body_expected + 1 bytes; owned */
    size_t body_len;                    /* bytes received */
    size_t body_expected;               /* Content-Length */
    sotto_signal_http_offer *offer;     /* offer waiting on this connection, or NULL */
    unsigned char head[LWS_PRE + HEAD_CAP]; /* the reply's header block after LWS_PRE */
    size_t head_len;                    /* bytes of header block */
    int head_sent;                      /* header block written */
    unsigned char *out;                 /* reply body copy; owned; NULL for none or file */
    size_t out_len;                     /* bytes of out to send */
    size_t out_sent;                    /* bytes of out sent */
    int has_file;                       /* file_fd is open and owned */
    int file_fd;                        /* static file being sent */
    uint64_t file_len;                  /* bytes of the file to send */
    uint64_t file_sent;                 /* bytes of the file sent */
    int close_after;                    /* drop the connection after this reply */
    int head_request;                   /* HEAD: every reply goes without its body */
    int body_completed;                 /* BODY_COMPLETION callbacks of this request */
    int update;                         /* the body is a PATCH of call_id */
    char call_id[SOTTO_SIGNAL_HTTP_MAX_CALL_ID + 1]; /* of a PATCH */
} http_session;

struct sotto_signal_http_offer {
    sotto_signal_http *sig;             /* NULL once the object is destroyed */
    struct lws *wsi;                    /* the client's connection; NULL once gone */
    http_session *session;              /* that connection's state; NULL once gone */
    sotto_signal_http_offer *prev;      /* sig's list of pending offers */
    sotto_signal_http_offer *next;
    int update;                         /* a PATCH: answered 200 */
};

typedef struct http_reply {
    unsigned status;             /* HTTP status code */
    const char *content_type;    /* NULL: no Content-Type */
    const char *body;            /* copied; may be NULL when body_len is 0 */
    size_t body_len;             /* bytes */
    const char *location;        /* Location header or NULL */
    const char *allow;           /* Allow header or NULL */
    int www_authenticate;        /* add WWW-Authenticate: Bearer */
    int static_file;             /* Cache-Control max-age=300 instead of no-store */
    int file_fd;                 /* -1, or a file whose ownership passes on success */
    uint64_t file_len;           /* bytes of file_fd to send */
    int close;                   /* Connection: close, then close */
} http_reply;

static const char *status_text(unsigned status)
{
    static const struct {
        unsigned code;
        const char *text;
    } texts[] = {
        {200, "OK"}, {201, "Created"}, {204, "No Content"}, {400, "Bad Request"},
        {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
        {405, "Method Not Allowed"}, {408, "Request Timeout"}, {409, "Conflict"},
        {411, "Length Required"}, {413, "Content Too Large"},
        {415, "Unsupported Media Type"}, {422, "Unprocessable Content"},
        {429, "Too Many Requests"}, {500, "Internal Server Error"},
        {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (texts[i].code == status)
            return texts[i].text;
    }
    return status < 500 ? "Client Error" : "Server Error";
}

/* ---- per-connection state ---- */

static void session_clear_reply(http_session *s)
{
    free(s->out);
    s->out = NULL;
    s->out_len = s->out_sent = 0;
    if (s->has_file)
        close(s->file_fd);
    s->has_file = 0;
    s->file_len = s->file_sent = 0;
    s->head_len = 0;
    s->head_sent = 0;
    s->close_after = 0;
}

/* Frees everything the session owns and orphans its offer. Called when
 * lws drops the connection or the protocol binding; safe to repeat. */
static void session_cleanup(http_session *s)
{
    if (s->offer) {
        s->offer->wsi = NULL;
        s->offer->session = NULL;
        s->offer = NULL;
    }
    free(s->body);
    s->body = NULL;
    s->body_len = s->body_expected = 0;
    session_clear_reply(s);
    s->state = SESSION_IDLE;
}

static void offer_unlink(sotto_signal_http_offer *o)
{
    if (o->sig) {
        if (o->prev)
            o->prev->next = o->next;
        else
            o->sig->offers = o->next;
        if (o->next)
            o->next->prev = o->prev;
    }
    o->sig = NULL;
    o->prev = o->next = NULL;
}

/* ---- replies ---- */

static int add_header(struct lws *wsi, const char *name, const char *value, unsigned char **p,
                      unsigned char *end)
{
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)value, (int)strlen(value), p,
                                       end);
}

static int write_head(struct lws *wsi, http_session *s, const http_reply *r, uint64_t body_len)
{
    unsigned char *start = s->head + LWS_PRE, *p = start, *end = start + HEAD_CAP - 1;
    char line[64];
    int n = snprintf(line, sizeof(line), "HTTP/1.1 %u %s", r->status, status_text(r->status));

    if (lws_add_http_header_by_name(wsi, NULL, (const unsigned char *)line, n, &p, end)
        || add_header(wsi, "content-security-policy:", SOTTO_HTTP_CSP, &p, end)
        || add_header(wsi, "x-content-type-options:", "nosniff", &p, end)
        || add_header(wsi, "referrer-policy:", "no-referrer", &p, end)
        || add_header(wsi, "cache-control:", r->static_file ? "max-age=300" : "no-store", &p,
                      end))
        return -ENOSPC;
    if (r->content_type && add_header(wsi, "content-type:", r->content_type, &p, end))
        return -ENOSPC;
    if (r->status != 204 && lws_add_http_header_content_length(wsi, body_len, &p, end))
        return -ENOSPC;
    if ((r->location && add_header(wsi, "location:", r->location, &p, end))
        || (r->allow && add_header(wsi, "allow:", r->allow, &p, end))
        || (r->www_authenticate
            && add_header(wsi, "www-authenticate:", "Bearer realm=\"sotto\"", &p, end))
        || (r->close && add_header(wsi, "connection:", "close", &p, end))
        || lws_finalize_http_header(wsi, &p, end))
        return -ENOSPC;
    s->head_len = (size_t)(p - start);
    return 0;
}

/* Prepares r on the session and asks for WRITEABLE. On success the session
 * owns r->file_fd; on failure nothing changed and the caller keeps it. */
static int prepare_reply(struct lws *wsi, http_session *s, const http_reply *r)
{
    int has_file = r->file_fd >= 0, head_only = s->head_request;
    uint64_t body_len = has_file ? r->file_len : r->body_len;
    unsigned char *copy = NULL;
    int rc;

    session_clear_reply(s);
    rc = write_head(wsi, s, r, body_len);
    if (rc != 0)
        return rc;
    if (!has_file && !head_only && r->body_len > 0) {
        copy = malloc(r->body_len);
        if (!copy) {
            s->head_len = 0;
            return -ENOMEM;
        }
        memcpy(copy, r->body, r->body_len);
    }
    s->out = copy;
    s->out_len = copy ? r->body_len : 0;
    s->has_file = has_file;
    s->file_fd = r->file_fd;
    s->file_len = has_file && !head_only ? r->file_len : 0;
    s->close_after = r->close;
    s->state = SESSION_SENDING;
    lws_callback_on_writable(wsi);
    return 0;
}

/* A reply without a payload of its own: the status text as body for
 * errors, Allow on 204/405, WWW-Authenticate on 401. 0, or -1 to close. */
static int reply_plain(struct lws *wsi, http_session *s, unsigned status, const char *allow,
                       int close_after)
{
    char text[64];
    http_reply r = {.status = status, .allow = allow, .file_fd = -1, .close = close_after};

    if (status >= 300) {
        int n = snprintf(text, sizeof(text), "%s\n", status_text(status));
        r.content_type = "text/plain; charset=utf-8";
        r.body = text;
        r.body_len = (size_t)n;
    }
    r.www_authenticate = status == 401;
    return prepare_reply(wsi, s, &r) == 0 ? 0 : -1;
}

static int reply_status(struct lws *wsi, http_session *s, unsigned status, int close_after)
{
    return reply_plain(wsi, s, status, NULL, close_after);
}

static int reply_allow(struct lws *wsi, http_session *s, unsigned status, const char *allow)
{
    return reply_plain(wsi, s, status, allow, 0);
}

/* Writes the next piece of the prepared reply; 0 to go on, -1 to close. */
static int on_writeable(struct lws *wsi, http_session *s)
{
    unsigned char buf[LWS_PRE + CHUNK];
    size_t n, left;
    int final, close_after;

    if (s->state != SESSION_SENDING)
        return 0;
    if (!s->head_sent) {
        if (lws_write(wsi, s->head + LWS_PRE, s->head_len, LWS_WRITE_HTTP_HEADERS)
            != (int)s->head_len)
            return -1;
        s->head_sent = 1;
    } else if (s->file_sent < s->file_len) {
        left = (size_t)(s->file_len - s->file_sent);
        n = left < CHUNK ? left : CHUNK;
        if (pread(s->file_fd, buf + LWS_PRE, n, (off_t)s->file_sent) != (ssize_t)n)
            return -1;    /* the file shrank under us: the promised length is wrong */
        final = n == left;
        if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
            != (int)n)
            return -1;
        s->file_sent += n;
    } else if (s->out_sent < s->out_len) {
        left = s->out_len - s->out_sent;
        n = left < CHUNK ? left : CHUNK;
        memcpy(buf + LWS_PRE, s->out + s->out_sent, n);
        final = n == left;
        if (lws_write(wsi, buf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP)
            != (int)n)
            return -1;
        s->out_sent += n;
    }
    if (s->file_sent < s->file_len || s->out_sent < s->out_len) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    close_after = s->close_after;
    session_clear_reply(s);
    s->state = SESSION_IDLE;
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    if (close_after || lws_http_transaction_completed(wsi))
        return -1;
    return 0;
}

/* ---- requests ---- */

static enum http_method request_method(struct lws *wsi)
{
    static const struct {
        enum lws_token_indexes token;
        enum http_method method;
    } methods[] = {
        {WSI_TOKEN_GET_URI, METHOD_GET},         {WSI_TOKEN_HEAD_URI, METHOD_HEAD},
        {WSI_TOKEN_POST_URI, METHOD_POST},       {WSI_TOKEN_PUT_URI, METHOD_PUT},
        {WSI_TOKEN_PATCH_URI, METHOD_PATCH},     {WSI_TOKEN_DELETE_URI, METHOD_DELETE},
        {WSI_TOKEN_OPTIONS_URI, METHOD_OPTIONS},
    };

    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (lws_hdr_total_length(wsi, methods[i].token) > 0)
            return methods[i].method;
    }
    return METHOD_OTHER;
}

/* Copies header token into buf (cap bytes, NUL-terminated). Returns its
 * length, 0 when absent, -1 when it does not fit. */
static int copy_header(struct lws *wsi, enum lws_token_indexes token, char *buf, size_t cap)
{
    int total = lws_hdr_total_length(wsi, token);

    buf[0] = '\0';
    if (total <= 0)
        return 0;
    if ((size_t)total >= cap)
        return -1;
    return lws_hdr_copy(wsi, buf, (int)cap, token);
}

/* 0 with *out_len (0 = no body), or the status to refuse the request with
 * (the connection is then closed: its framing cannot be trusted). */
static unsigned body_framing(struct lws *wsi, const sotto_signal_http *sig, uint64_t *out_len)
{
    char text[32];
    int n, rc;

    *out_len = 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0)
        return lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 ? 400 : 411;
    n = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, text, sizeof(text));
    if (n == 0)
        return 0;
    rc = n < 0 ? -ERANGE : sotto_http_parse_length(text, (size_t)n, out_len);
    if (rc == -ERANGE || (rc == 0 && *out_len > sig->max_body))
        return 413;
    return rc == 0 ? 0 : 400;
}

static int peer_is_loopback(struct lws *wsi)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = lws_get_socket_fd(wsi);

    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    return sotto_signal_http_is_loopback((const struct sockaddr *)&ss, len);
}

static int authorized(struct lws *wsi, const sotto_signal_http *sig)
{
    char auth[SOTTO_SIGNAL_HTTP_MAX_TOKEN + 64];
    int n;

    if (sig->token_len == 0)
        return peer_is_loopback(wsi);
    n = copy_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, auth, sizeof(auth));
    return n > 0 && sotto_http_bearer_matches(auth, (size_t)n, sig->token, sig->token_len);
}

/* Starts reading an SDP body (an offer, or a PATCH's new offer). */
static int read_sdp_body(struct lws *wsi, http_session *s, uint64_t body_len)
{
    char type[128];
    int n;

    n = copy_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, type, sizeof(type));
    if (n <= 0 || !sotto_http_media_type_is(type, (size_t)n, "application/sdp"))
        return reply_status(wsi, s, 415, 0);
    if (body_len == 0)
        return reply_status(wsi, s, 400, 0);
    s->body = malloc((size_t)body_len + 1);
    if (!s->body)
        return reply_status(wsi, s, 503, 1);
    s->body_expected = (size_t)body_len;
    s->body_len = 0;
    s->state = SESSION_READING_OFFER;
    lws_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, BODY_TIMEOUT_S);
    return 0;
}

static int route_calls(struct lws *wsi, http_session *s, enum http_method m, uint64_t body_len)
{
    if (m == METHOD_OPTIONS)
        return reply_allow(wsi, s, 204, "POST, OPTIONS");
    if (m != METHOD_POST)
        return reply_allow(wsi, s, 405, "POST, OPTIONS");
    s->update = 0;
    return read_sdp_body(wsi, s, body_len);
}

static int route_call(struct lws *wsi, sotto_signal_http *sig, http_session *s,
                      enum http_method m, const char *id, uint64_t body_len)
{
    const char *allow = sig->on_update ? "PATCH, DELETE, OPTIONS" : "DELETE, OPTIONS";
    int rc;

    if (!sotto_http_call_id_valid(id))
        return reply_status(wsi, s, 404, 0);
    if (m == METHOD_OPTIONS)
        return reply_allow(wsi, s, 204, allow);
    if (m == METHOD_PATCH && sig->on_update) {
        /* sotto_http_call_id_valid bounds the id to the buffer. */
        snprintf(s->call_id, sizeof(s->call_id), "%s", id);
        s->update = 1;
        return read_sdp_body(wsi, s, body_len);
    }
    if (m != METHOD_DELETE)
        return reply_allow(wsi, s, 405, allow);
    rc = sig->on_hangup(sig->opaque, id);
    /* sig may be destroyed by now: only the session is used below. */
    return reply_status(wsi, s, rc == 0 ? 200 : rc == -ENOENT ? 404 : 500, 0);
}

static int route_static(struct lws *wsi, const sotto_signal_http *sig, http_session *s,
                        enum http_method m, const char *rel)
{
    http_reply r = {.status = 200, .static_file = 1};
    const char *name = strrchr(rel, '/');
    uint64_t size = 0;
    int fd = -1;

    if (m == METHOD_OPTIONS)
        return reply_allow(wsi, s, 204, "GET, HEAD, OPTIONS");
    if (m != METHOD_GET && m != METHOD_HEAD)
        return reply_allow(wsi, s, 405, "GET, HEAD, OPTIONS");
    /* Every failure is the same 404: no hint what exists or why. */
    if (sotto_http_open_static(sig->static_fd, rel, MAX_STATIC_FILE, &fd, &size) != 0)
        return reply_status(wsi, s, 404, 0);
    r.content_type = sotto_http_content_type(name ? name + 1 : rel);
    r.file_fd = fd;
    r.file_len = size;
    if (prepare_reply(wsi, s, &r) != 0) {
        close(fd);
        return -1;
    }
    return 0;
}

static int on_request(struct lws *wsi, sotto_signal_http *sig, http_session *s, const char *path)
{
    static const char call_prefix[] = CALLS_PATH "/";
    enum http_method m = request_method(wsi);
    uint64_t body_len = 0;
    unsigned refuse;

    session_cleanup(s);
    s->body_completed = 0;
    s->head_request = m == METHOD_HEAD;
    refuse = body_framing(wsi, sig, &body_len);
    if (refuse)
        return reply_status(wsi, s, refuse, 1);
    /* The page holds no secret and asks the person for the token, so with a
     * token configured it is served to anyone; the call API never is. */
    int is_static = sig->static_fd >= 0 && (strcmp(path, "/") == 0 ||
                                            strncmp(path, "/static/", 8) == 0);
    if (!(is_static && sig->token_len > 0) && !authorized(wsi, sig))
        return reply_status(wsi, s, 401, 0);
    if (strcmp(path, CALLS_PATH) == 0)
        return route_calls(wsi, s, m, body_len);
    if (strncmp(path, call_prefix, sizeof(call_prefix) - 1) == 0)
        return route_call(wsi, sig, s, m, path + sizeof(call_prefix) - 1, body_len);
    if (sig->static_fd >= 0 && strcmp(path, "/") == 0)
        return route_static(wsi, sig, s, m, "index.html");
    if (sig->static_fd >= 0 && strncmp(path, "/static/", 8) == 0)
        return route_static(wsi, sig, s, m, path + 8);
    return reply_status(wsi, s, 404, 0);
}

static int on_body(http_session *s, const void *in, size_t len)
{
    if (s->state != SESSION_READING_OFFER)
        return 0;    /* a refused request's body: lws discards it */
    if (len > s->body_expected - s->body_len)
        return -1;
    memcpy(s->body + s->body_len, in, len);
    s->body_len += len;
    return 0;
}

static int start_offer(struct lws *wsi, sotto_signal_http *sig, http_session *s)
{
    sotto_signal_http_offer *o = calloc(1, sizeof(*o));

    if (!o)
        return reply_status(wsi, s, 503, 1);
    o->sig = sig;
    o->wsi = wsi;
    o->session = s;
    o->next = sig->offers;
    if (sig->offers)
        sig->offers->prev = o;
    sig->offers = o;
    s->offer = o;
    s->state = SESSION_WAITING_ANSWER;
    o->update = s->update;
    lws_set_timer_usecs(wsi, (lws_usec_t)sig->answer_timeout_ms * 1000);
    if (s->update)
        sig->on_update(sig->opaque, o, s->call_id, (const char *)s->body, s->body_len);
    else
        sig->on_offer(sig->opaque, o, (const char *)s->body, s->body_len);
    /* sig (and o) may be gone by now: only the session is used below. */
    free(s->body);
    s->body = NULL;
    return 0;
}

static int on_body_done(struct lws *wsi, sotto_signal_http *sig, http_session *s)
{
    if (s->state != SESSION_READING_OFFER)
        return 0;
    if (s->body_len != s->body_expected)
        return -1;
    s->body[s->body_len] = '\0';
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    if (memchr(s->body, '\0', s->body_len)) {
        session_cleanup(s);
        return reply_status(wsi, s, 400, 0);
    }
    return start_offer(wsi, sig, s);
}

/* The daemon did not answer in time: 504, and the offer is an orphan. */
static int on_answer_timeout(struct lws *wsi, http_session *s)
{
    if (s->state != SESSION_WAITING_ANSWER)
        return 0;
    session_cleanup(s);
    return reply_status(wsi, s, 504, 0);
}

static int server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                           void *in, size_t len)
{
    http_session *s = user;
    sotto_signal_http *sig;

    switch (reason) {
    case LWS_CALLBACK_WSI_DESTROY:
        /* Comes to the first protocol for every connection, client ones too
         * (lws keeps its own copy of the protocols: compare callbacks). */
        if (lws_get_protocol(wsi)
            && lws_get_protocol(wsi)->callback == sotto_http_client_callback)
            return sotto_http_client_callback(wsi, reason, user, in, len);
        if (lws_get_protocol(wsi) && lws_get_protocol(wsi)->callback == sotto_ws_client_callback)
            return sotto_ws_client_callback(wsi, reason, user, in, len);
        if (s && lws_get_protocol(wsi) && lws_get_protocol(wsi)->callback == server_callback)
            session_cleanup(s);
        return 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (s)
            session_cleanup(s);
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
    case LWS_CALLBACK_RAW_ADOPT:
        return -1;    /* HTTP/1.1 only: no WebSocket, h2c or CONNECT */
    default:
        break;
    }
    sig = sotto_lws_owner(wsi);
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        if (!sig || !s || !in)
            return -1;
        return on_request(wsi, sig, s, in);
    case LWS_CALLBACK_HTTP_BODY:
        return s ? on_body(s, in, len) : -1;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        /* libwebsockets 4.1 repeats this while the reply to a request whose
         * body arrived is not out yet; with some stray bytes after the body
         * it repeats forever, never serving WRITEABLE (found by
         * fuzz_signal_http): the connection would spin. Past a few
         * repeats the connection is closed instead. */
        if (!s || ++s->body_completed > MAX_BODY_COMPLETIONS)
            return -1;
        if (!sig)
            return s->state == SESSION_READING_OFFER ? -1 : 0;
        return on_body_done(wsi, sig, s);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return s ? on_writeable(wsi, s) : -1;
    case LWS_CALLBACK_TIMER:
        return s ? on_answer_timeout(wsi, s) : 0;
    default:
        return 0;
    }
}

const struct lws_protocols sotto_http_protocols[] = {
    {SOTTO_HTTP_SERVER_PROTOCOL, server_callback, sizeof(http_session), 0, 0, NULL, 0},
    {SOTTO_HTTP_CLIENT_PROTOCOL, sotto_http_client_callback, 0, 0, 0, NULL, 0},
    {SOTTO_WS_CLIENT_PROTOCOL, sotto_ws_client_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

void sotto_http_server_orphan_offers(sotto_signal_http *sig)
{
    sotto_signal_http_offer *o, *next;

    for (o = sig->offers; o; o = next) {
        next = o->next;
        if (o->session)
            o->session->offer = NULL;
        o->session = NULL;
        o->wsi = NULL;
        o->sig = NULL;
        o->prev = o->next = NULL;
    }
    sig->offers = NULL;
}

/* Sends r for the offer, or finds its client gone; frees the offer unless
 * the reply could not be prepared. */
static int finish_offer(sotto_signal_http_offer **offer, const http_reply *r)
{
    sotto_signal_http_offer *o = *offer;
    int rc = -ENOTCONN;

    if (o->wsi && o->session) {
        rc = prepare_reply(o->wsi, o->session, r);
        if (rc != 0)
            return rc;
        o->session->offer = NULL;
        lws_set_timer_usecs(o->wsi, LWS_SET_TIMER_USEC_CANCEL);
        lws_set_timeout(o->wsi, PENDING_TIMEOUT_HTTP_CONTENT, SEND_TIMEOUT_S);
    }
    offer_unlink(o);
    free(o);
    *offer = NULL;
    return rc;
}

int sotto_signal_http_answer(sotto_signal_http_offer **offer, const char *sdp_answer,
                             const char *call_id)
{
    char location[sizeof(CALLS_PATH) + SOTTO_SIGNAL_HTTP_MAX_CALL_ID + 1];
    size_t max, len;
    http_reply r = {.status = 201, .content_type = "application/sdp", .file_fd = -1};

    if (!offer || !*offer || !sdp_answer || !sotto_http_call_id_valid(call_id))
        return -EINVAL;
    max = (*offer)->sig ? (*offer)->sig->max_body : SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY;
    len = strnlen(sdp_answer, max + 1);
    if (len == 0 || len > max)
        return -EINVAL;
    snprintf(location, sizeof(location), CALLS_PATH "/%s", call_id);
    if ((*offer)->update)
        r.status = 200;
    r.body = sdp_answer;
    r.body_len = len;
    r.location = location;
    return finish_offer(offer, &r);
}

int sotto_signal_http_fail(sotto_signal_http_offer **offer, int status, const char *reason)
{
    char text[MAX_REASON + 2];
    http_reply r = {.content_type = "text/plain; charset=utf-8", .file_fd = -1};
    int n;

    if (!offer || !*offer || status < 400 || status > 599)
        return -EINVAL;
    if (!reason)
        reason = status_text((unsigned)status);
    n = (int)strnlen(reason, MAX_REASON + 1);
    if (n > MAX_REASON)
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        if (reason[i] < 0x20 || reason[i] > 0x7e)
            return -EINVAL;
    }
    n = snprintf(text, sizeof(text), "%s\n", reason);
    r.status = (unsigned)status;
    r.body = text;
    r.body_len = (size_t)n;
    return finish_offer(offer, &r);
}
