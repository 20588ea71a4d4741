/* Internals of net/signal_http shared by its server, client and tests. */
#ifndef SOTTO_NET_SIGNAL_HTTP_INTERNAL_H
#define SOTTO_NET_SIGNAL_HTTP_INTERNAL_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/signal_http.h"

#define SOTTO_HTTP_SERVER_PROTOCOL "sotto-signal-http"
#define SOTTO_HTTP_CLIENT_PROTOCOL "sotto-signal-client"
#define SOTTO_WS_CLIENT_PROTOCOL "sotto-signal-ws-client"
#define SOTTO_HTTP_CSP "default-src 'self'; frame-ancestors 'none'"
#define SOTTO_HTTP_LWS_TIMEOUT_S 10   /* lws' own idle timeouts (headers, connect, reply) */

/* ---- a libwebsockets context on a foreign libuv loop (signal_http_lws.c)
 *
 * libuv closes handles asynchronously, so an lws context cannot be freed
 * in one call. The holder owns the context and outlives the object using
 * it (the owner): release() detaches the owner at once (callbacks then see
 * NULL) and a timer of the holder finishes the teardown on the loop. */
typedef struct sotto_lws_holder sotto_lws_holder;

/* Creates an lws context bound to loop with no vhost yet; owner is what
 * sotto_lws_owner returns for its connections. Returns 0, -ENOMEM, -EIO. */
int sotto_lws_holder_create(sotto_lws_holder **out_holder, uv_loop_t *loop, void *owner,
                            char *err, size_t errlen);
struct lws_context *sotto_lws_holder_context(const sotto_lws_holder *holder);
/* The owner of wsi's context, or NULL once released. */
void *sotto_lws_owner(struct lws *wsi);
/* Detaches the owner and starts the teardown; the holder frees itself. */
void sotto_lws_holder_release(sotto_lws_holder *holder);

/* ---- the signalling object (signal_http.c) ---- */

struct sotto_signal_http {
    sotto_lws_holder *lws;              /* the one lws context; released at destroy */
    uv_loop_t *loop;                    /* not owned */
    int listening;                      /* the server part is on */
    int closing;                        /* destroy has begun: no new requests */
    unsigned port;                      /* bound TCP port; 0 when not listening */
    char token[SOTTO_SIGNAL_HTTP_MAX_TOKEN + 1]; /* bearer token; "" = loopback only */
    size_t token_len;                   /* bytes */
    size_t max_body;                    /* bytes of request body accepted */
    unsigned answer_timeout_ms;         /* an offer unanswered this long gets 504 */
    int static_fd;                      /* static root directory; -1 = none */
    sotto_signal_http_offer_cb on_offer;
    sotto_signal_http_hangup_cb on_hangup;
    sotto_signal_http_update_cb on_update;
    void *opaque;                       /* for the callbacks; not owned */
    sotto_signal_http_offer *offers;    /* pending offers, orphaned at destroy */
    sotto_signal_http_request *requests; /* client requests in flight, cancelled at destroy */
    sotto_signal_ws *websockets;        /* WebSocket clients, cancelled at destroy */
};

/* The vhost's protocols: the server's, then the client's (signal_http_server.c). */
extern const struct lws_protocols sotto_http_protocols[];

/* Orphans every pending offer of sig (signal_http_server.c). */
void sotto_http_server_orphan_offers(sotto_signal_http *sig);

/* The client's lws callback, and the end of every request in flight with
 * -ECANCELED (signal_http_client.c). */
int sotto_http_client_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                               void *in, size_t len);
void sotto_http_client_cancel_all(sotto_signal_http *sig);

/* The WebSocket client's lws callback, and the end of every connection
 * with -ECANCELED (signal_ws_client.c). */
int sotto_ws_client_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len);
void sotto_ws_client_cancel_all(sotto_signal_http *sig);

/* ---- pure helpers (signal_http_util.c) ---- */

/* 1 when header (len bytes) is the media type type (case-insensitive),
 * optionally followed by parameters after ';'. */
int sotto_http_media_type_is(const char *header, size_t len, const char *type);

/* 1 when header (len bytes) is "Bearer <token>" (scheme case-insensitive)
 * for exactly token (token_len bytes); the comparison takes the same time
 * whatever the bytes. */
int sotto_http_bearer_matches(const char *header, size_t len, const char *token,
                              size_t token_len);

/* 1 when token is 1..SOTTO_SIGNAL_HTTP_MAX_TOKEN RFC 6750 b64token chars. */
int sotto_http_token_valid(const char *token);

/* 1 when id is 1..SOTTO_SIGNAL_HTTP_MAX_CALL_ID chars of [A-Za-z0-9_-]. */
int sotto_http_call_id_valid(const char *id);

/* Parses a decimal Content-Length (digits only, no sign or spaces). Returns
 * 0 and sets *out, or -EINVAL (malformed) or -ERANGE (over 2^53). */
int sotto_http_parse_length(const char *text, size_t len, uint64_t *out);

/* Content-Type for a file name by its extension; never NULL. */
const char *sotto_http_content_type(const char *name);

/* Opens rel (a URL path below the static root, without the leading '/')
 * under dir_fd: at most 8 components, each 1..255 chars of [A-Za-z0-9._-]
 * not starting with '.', no symbolic link anywhere, a regular file of at
 * most max_size bytes at the end. Returns 0 with *out_fd (O_RDONLY,
 * close-on-exec) and *out_size; -ENOENT for a bad or missing path,
 * -ELOOP for a symbolic link, -EFBIG, or another negative errno. */
int sotto_http_open_static(int dir_fd, const char *rel, uint64_t max_size, int *out_fd,
                           uint64_t *out_size);

#define SOTTO_HTTP_HOST_MAX 256    /* bytes of a URL host, NUL included */

typedef struct sotto_http_url {
    char host[SOTTO_HTTP_HOST_MAX];  /* name or address, IPv6 without brackets */
    int host_is_ipv6;                /* 1 when written [..] in the URL */
    unsigned port;                   /* 1..65535; default 80 */
    const char *path;                /* points into the parsed URL: '/' and the rest */
    size_t authority_end;            /* offset of the path in the URL */
} sotto_http_url;

/* Parses "http://host[:port][/path]" (scheme case-insensitive). No user
 * info, no fragment; the path is visible ASCII without '#'. Returns 0,
 * -ENOTSUP for another scheme, -EINVAL otherwise. */
int sotto_http_url_parse(const char *url, sotto_http_url *out);

#endif
