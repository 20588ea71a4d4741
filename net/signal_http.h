/* HTTP signalling for calls, WHIP-like (offer/answer over HTTP as in RFC
 * 9725), served and spoken on the daemon's libuv loop and thread through
 * libwebsockets (its libuv event library, attached to our loop).
 *
 * One sotto_signal_http object per daemon: it always holds the client
 * (post_offer, delete_call: to another daemon, host names resolved by
 * libuv) and, with params.listen, the server. Create it at start and
 * destroy it at shutdown, not per call: libwebsockets 4.1 closes one of
 * its descriptors twice while a context is torn down, so a descriptor
 * another thread opens at that instant can be closed under it (the loop
 * thread is protected; see net/signal_http_lws.c).
 *
 * Server routes (HTTP/1.1 only; upgrades to WebSocket or h2c are refused):
 *   POST    /v1/calls        Content-Type application/sdp, body = offer.
 *                            The daemon answers later (on_offer gets a
 *                            handle): 201 Created, Content-Type
 *                            application/sdp, Location /v1/calls/<id>,
 *                            body = answer. Wrong type 415, chunked
 *                            (no Content-Length) 411, body over max_body
 *                            413, empty or NUL-containing body 400,
 *                            no answer within answer_timeout_ms 504.
 *   PATCH   /v1/calls/<id>   (with on_update) Content-Type application/sdp,
 *                            body = a new offer for that call: 200 with
 *                            the answer, or what on_update fails it with
 *                            (404 unknown call); bad type, framing or body
 *                            as for POST.
 *   DELETE  /v1/calls/<id>   on_hangup(id): 200, or 404 when unknown.
 *   OPTIONS any route        204 with Allow.
 *   GET/HEAD /               <static_dir>/index.html      (when static_dir)
 *   GET/HEAD /static/<path>  <static_dir>/<path>          (when static_dir)
 *   anything else            404; a known path with another method 405.
 * Every request must carry "Authorization: Bearer <token>" when a token is
 * set (compared in constant time); without a token only loopback clients
 * are served. Both failures answer 401 with WWW-Authenticate: Bearer.
 * Every response carries Content-Security-Policy: default-src 'self';
 * frame-ancestors 'none', X-Content-Type-Options: nosniff, Referrer-Policy:
 * no-referrer, and Cache-Control: no-store (API, errors) or max-age=300
 * (static files). Static paths are walked one component at a time: only
 * [A-Za-z0-9._-] names not starting with '.', no symbolic links at all,
 * regular files of at most 16 MiB; anything else is 404.
 *
 * Everything runs on the loop's thread; no function here is thread-safe.
 * Teardown is asynchronous, as libuv handle closes are: after destroy,
 * keep running the loop until it has nothing left (then uv_loop_close()
 * succeeds). libwebsockets sets SIGPIPE to ignored when its first context
 * is created. */
#ifndef SOTTO_NET_SIGNAL_HTTP_H
#define SOTTO_NET_SIGNAL_HTTP_H

#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

#define SOTTO_SIGNAL_HTTP_DEFAULT_BIND "127.0.0.1"
#define SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY 65536    /* bytes of request or response body */
#define SOTTO_SIGNAL_HTTP_MAX_HEADERS 8192          /* bytes of request headers; more is refused */
#define SOTTO_SIGNAL_HTTP_MAX_TOKEN 255             /* bytes of a bearer token */
#define SOTTO_SIGNAL_HTTP_MAX_CALL_ID 64            /* bytes of a call id: [A-Za-z0-9_-] */
#define SOTTO_SIGNAL_HTTP_MAX_URL 2048              /* bytes of a client URL */

/* The signalling object: the lws context, the server, the client. */
typedef struct sotto_signal_http sotto_signal_http;
/* One POST /v1/calls waiting for the daemon's answer. */
typedef struct sotto_signal_http_offer sotto_signal_http_offer;
/* One client request in flight. */
typedef struct sotto_signal_http_request sotto_signal_http_request;

/* A new offer. sdp is NUL-terminated text of sdp_len bytes (no NUL bytes
 * inside), valid only during the call. The daemon owns offer from now on
 * and must finish it exactly once, with sotto_signal_http_answer or
 * sotto_signal_http_fail, now or later, even after the client went away
 * or the server was destroyed (the handle then only frees). */
typedef void (*sotto_signal_http_offer_cb)(void *opaque, sotto_signal_http_offer *offer,
                                           const char *sdp, size_t sdp_len);
/* DELETE /v1/calls/<call_id>: return 0 (ended: 200), -ENOENT (unknown:
 * 404) or another negative errno (500). call_id is valid during the call. */
typedef int (*sotto_signal_http_hangup_cb)(void *opaque, const char *call_id);
/* PATCH /v1/calls/<call_id> with a new offer (an ICE restart, RFC 8839
 * section 4.4.1.1.1): as on_offer, and finished the same way exactly once;
 * sotto_signal_http_answer then sends 200 (not 201) with the answer.
 * call_id is valid during the call; fail with 404 for an unknown call. */
typedef void (*sotto_signal_http_update_cb)(void *opaque, sotto_signal_http_offer *offer,
                                            const char *call_id, const char *sdp,
                                            size_t sdp_len);

/* With listen 0 every other field is ignored (client only). */
typedef struct sotto_signal_http_params {
    int listen;                 /* 1 = serve (default), 0 = client only */
    const char *bind_address;   /* numeric IPv4 or IPv6; NULL = SOTTO_SIGNAL_HTTP_DEFAULT_BIND */
    unsigned port;              /* TCP port; 0 = ephemeral (see sotto_signal_http_port) */
    const char *bearer_token;   /* NULL or "" = none (loopback clients only); else 1..255
                                   RFC 6750 b64token characters */
    size_t max_body;            /* bytes; 0 = SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY */
    unsigned answer_timeout_ms; /* an offer unanswered this long gets 504 and its handle
                                   becomes an orphan; 0 = 30000 */
    const char *static_dir;     /* directory served at / and /static/; NULL = none */
    sotto_signal_http_offer_cb on_offer;   /* required to listen */
    sotto_signal_http_hangup_cb on_hangup; /* required to listen */
    sotto_signal_http_update_cb on_update; /* optional: NULL = PATCH is 405 */
    void *opaque;               /* passed to callbacks; not owned */
} sotto_signal_http_params;

/* Zeroes *out and fills the defaults above. */
void sotto_signal_http_params_default(sotto_signal_http_params *out);

/* Creates the object and, with params->listen, starts listening. loop is
 * kept (not owned) and must outlive the teardown; strings in params are
 * copied. Returns 0 and sets *out_sig (release with
 * sotto_signal_http_destroy); -EINVAL for NULL or bad params;
 * -ENOENT/-ENOTDIR/-EACCES for an unusable static_dir; -EADDRINUSE when
 * the address cannot be bound; -ENOMEM; -EIO when libwebsockets (or its
 * libuv event library) fails. A one-line reason goes into err. On failure
 * some cleanup may still be queued on the loop: run it before closing it. */
int sotto_signal_http_create(sotto_signal_http **out_sig, uv_loop_t *loop,
                             const sotto_signal_http_params *params, char *err, size_t errlen);

/* The TCP port actually bound. Returns 0 and sets *out_port, -ENOTCONN
 * when not listening, -EINVAL. */
int sotto_signal_http_port(const sotto_signal_http *sig, unsigned *out_port);

/* Stops everything. Every client request in flight gets its on_response
 * with -ECANCELED before this returns; after it returns no callback is
 * made. Open connections are dropped; pending offers become orphans
 * (answer/fail then return -ENOTCONN and free them). Safe inside this
 * object's callbacks. Sockets and libwebsockets' state are released by
 * the loop shortly after. Accepts NULL and *sig == NULL; sets *sig to
 * NULL. */
void sotto_signal_http_destroy(sotto_signal_http **sig);

/* Answers an offer: 201 (200 for a PATCH) with Location /v1/calls/<call_id> and sdp_answer
 * (NUL-terminated, 1..max_body bytes) as body. Returns 0, or -ENOTCONN
 * when the client is gone or the object destroyed; both free the offer and
 * set *offer to NULL. -EINVAL (NULL, an empty or oversized answer, a bad
 * call_id) and -ENOMEM leave the offer untouched: finish it with
 * sotto_signal_http_fail. */
int sotto_signal_http_answer(sotto_signal_http_offer **offer, const char *sdp_answer,
                             const char *call_id);

/* Refuses an offer with status (400..599) and reason as a text/plain body
 * (NULL = the status text; at most 256 bytes of printable ASCII). Returns
 * and consumes like sotto_signal_http_answer; -EINVAL for a bad status or
 * reason leaves the offer untouched. */
int sotto_signal_http_fail(sotto_signal_http_offer **offer, int status, const char *reason);

/* 1 when addr is a loopback address: 127.0.0.0/8, ::1, or IPv4-mapped
 * ::ffff:127.0.0.0/104. 0 otherwise, also for NULL, a short len or another
 * family. */
int sotto_signal_http_is_loopback(const struct sockaddr *addr, socklen_t len);

/* libwebsockets prints notices to stderr, process-wide. The daemon (or a
 * test) calls this once to keep only errors (errors_only 1) or nothing. */
void sotto_signal_http_library_log(int errors_only);

/* ---- client (works with or without listen) ---- */

/* What came back. body is NUL-terminated (body_len bytes, may contain
 * NULs); location and content_type are "" when absent. All valid only
 * during the callback. */
typedef struct sotto_signal_http_response {
    int status;                /* HTTP status code */
    const char *body;          /* response body */
    size_t body_len;           /* bytes */
    const char *location;      /* Location header */
    const char *content_type;  /* Content-Type header */
} sotto_signal_http_response;

/* Called once per request, unless it was cancelled. err 0: resp holds the
 * response, whatever its status. err < 0: no response (resp NULL) and
 * reason says why: -ETIMEDOUT, -ECONNREFUSED (could not connect or
 * resolve), -ECONNRESET (closed early), -EMSGSIZE (response too large),
 * -EPROTO (not a usable HTTP response). The request is freed when the
 * callback returns. */
typedef void (*sotto_signal_http_response_cb)(void *opaque, int err,
                                              const sotto_signal_http_response *resp,
                                              const char *reason);

typedef struct sotto_signal_http_client_params {
    const char *url;            /* required: http://host[:port]/path, host a name, IPv4
                                   or [IPv6]; port default 80; <= SOTTO_SIGNAL_HTTP_MAX_URL */
    const char *bearer_token;   /* NULL or "" = no Authorization header */
    unsigned timeout_ms;        /* the whole exchange, name lookup included; 0 = 10000 */
    size_t max_response;        /* bytes of body accepted; 0 = SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY */
    sotto_signal_http_response_cb on_response;  /* required */
    void *opaque;               /* passed to on_response; not owned */
} sotto_signal_http_client_params;

/* POSTs sdp (NUL-terminated, 1..SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY bytes)
 * with Content-Type application/sdp to params->url through sig. Strings
 * are copied. Returns 0 and sets *out_req (valid until on_response
 * returns or sotto_signal_http_request_cancel); -EINVAL for NULL, a bad
 * URL or token; -ENOTSUP for a scheme other than http; -ESHUTDOWN while
 * sig is being destroyed; -ENOMEM; -EIO. Reason in err. */
int sotto_signal_http_post_offer(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                 const sotto_signal_http_client_params *params, const char *sdp,
                                 char *err, size_t errlen);

/* PATCHes sdp (a new offer, as for sotto_signal_http_post_offer) to
 * params->url (a call URL, see sotto_signal_http_call_url); a 200 carries
 * the answer. Returns as sotto_signal_http_post_offer. */
int sotto_signal_http_patch_call(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                 const sotto_signal_http_client_params *params, const char *sdp,
                                 char *err, size_t errlen);

/* DELETEs params->url (a call URL, see sotto_signal_http_call_url).
 * Returns as sotto_signal_http_post_offer. */
int sotto_signal_http_delete_call(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                  const sotto_signal_http_client_params *params, char *err,
                                  size_t errlen);

/* POSTs json (NUL-terminated, 1..SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY bytes)
 * with Content-Type application/json to params->url, or GETs it when json
 * is NULL (a long poll: give a timeout_ms above the server's hold time).
 * Returns as sotto_signal_http_post_offer. */
int sotto_signal_http_send_json(sotto_signal_http_request **out_req, sotto_signal_http *sig,
                                const sotto_signal_http_client_params *params, const char *json,
                                char *err, size_t errlen);

/* Abandons a request: on_response will not be called. Not for use inside
 * that request's on_response. Accepts NULL and *req == NULL; sets *req to
 * NULL. */
void sotto_signal_http_request_cancel(sotto_signal_http_request **req);

/* ---- a WebSocket client connection (text messages), e.g. to Janus ---- */

typedef struct sotto_signal_ws sotto_signal_ws;

typedef void (*sotto_signal_ws_open_cb)(void *opaque);
/* text is NUL-terminated (len bytes before the NUL); valid during the call. */
typedef void (*sotto_signal_ws_message_cb)(void *opaque, const char *text, size_t len);
/* The connection is over (err: -ECONNREFUSED, -ECONNRESET, -EMSGSIZE,
 * -EPROTO, -EIO, -ECANCELED at the signalling object's destroy); the
 * object stays valid until sotto_signal_ws_close. */
typedef void (*sotto_signal_ws_closed_cb)(void *opaque, int err, const char *reason);

typedef struct sotto_signal_ws_params {
    const char *url;            /* required: ws://host[:port]/path, as the HTTP client's URLs */
    const char *subprotocol;    /* Sec-WebSocket-Protocol, NULL = none; < 64 bytes */
    size_t max_message;         /* bytes of one received message; 0 = 65536 */
    sotto_signal_ws_open_cb on_open;       /* required */
    sotto_signal_ws_message_cb on_message; /* required */
    sotto_signal_ws_closed_cb on_closed;   /* required: at most once */
    void *opaque;               /* passed to the callbacks; not owned */
} sotto_signal_ws_params;

/* Starts connecting (name lookup, TCP, the WebSocket handshake). Returns 0
 * and *out_ws; -EINVAL with a reason, -ESHUTDOWN, -ENOMEM, -EIO. A failure
 * after this returns comes through on_closed. */
int sotto_signal_ws_open(sotto_signal_ws **out_ws, sotto_signal_http *sig,
                         const sotto_signal_ws_params *params, char *err, size_t errlen);

/* Queues one text message (copied); it is written once the connection is
 * open, in order. Returns 0, -EINVAL, -ENOTCONN once over, -EMSGSIZE,
 * -ENOBUFS when 64 messages wait, -ENOMEM. */
int sotto_signal_ws_send(sotto_signal_ws *ws, const char *text, size_t len);

/* Ends the connection: no callback from here on. Messages queued on an
 * open connection are still written (for at most 3 s), then it closes with
 * status 1000. Safe inside the callbacks. Accepts NULL and *ws == NULL;
 * sets *ws to NULL. */
void sotto_signal_ws_close(sotto_signal_ws **ws);

/* The call URL from the offer URL and the Location of its 201: an absolute
 * path keeps the offer URL's scheme, host and port; an absolute http URL
 * is taken as is. Writes a NUL-terminated URL into out (cap bytes).
 * Returns 0, -EINVAL (bad input, other forms of Location) or -ENOSPC. */
int sotto_signal_http_call_url(const char *offer_url, const char *location, char *out,
                               size_t cap);

#endif
