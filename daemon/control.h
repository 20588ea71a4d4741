/* The control socket: newline-delimited JSON over a Unix stream socket
 * (protocol in sotto-control(7)). It owns framing, limits, client lifetime
 * and the event history; the daemon supplies one handler for commands. */
#ifndef SOTTO_DAEMON_CONTROL_H
#define SOTTO_DAEMON_CONTROL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SOTTO_CONTROL_EVENT_HISTORY 64

typedef struct sotto_control sotto_control;
typedef struct sotto_control_client sotto_control_client;
typedef struct sotto_control_deferred sotto_control_deferred;

/* What a command handler fills in. result is owned by the reply (one
 * reference, released by the control server); leave it NULL for "{}".
 * error_code non-NULL (a static string) makes it an error reply. */
typedef struct sotto_control_reply {
    json_t *result;
    const char *error_code;
    char error_message[512];
    int subscribe;            /* set to 1 to stream events to this client after the reply */
    int defer;                /* set by sotto_control_defer */
    sotto_control_client *client;      /* internal: who asked */
    json_t *id;                        /* internal: the request's id */
} sotto_control_reply;

typedef void (*sotto_control_handler)(void *opaque, const char *cmd, json_t *args,
                                      sotto_control_reply *reply);
typedef void (*sotto_control_closed_cb)(void *opaque);

typedef struct sotto_control_limits {
    int max_clients;          /* connections, default 64 */
    size_t max_line;          /* bytes per request line, default 65536 */
    size_t max_queue;         /* unsent bytes per client before it is dropped, default 1 MiB */
    uint64_t idle_timeout_ms; /* ms without a request before a client that is not subscribed
                                 and awaits no answer is closed; 0 = never, default 30000 */
} sotto_control_limits;

typedef struct sotto_control_params {
    const char *path;         /* socket path; kept as a copy */
    int listen_fd;            /* an already listening socket (socket activation), or -1 */
    sotto_control_limits limits;
    const char *version;      /* announced in the hello line */
    int protocol;             /* protocol version, announced in hello */
    sotto_control_handler handler;
    void *opaque;             /* passed to handler; not owned */
} sotto_control_params;

typedef struct sotto_control_stats {
    int clients;              /* connected now */
    uint64_t accepted;        /* connections ever accepted */
    uint64_t dropped_clients; /* disconnected for exceeding max_queue */
    uint64_t refused_clients; /* refused for exceeding max_clients */
    uint64_t idle_clients;    /* closed for idling past idle_timeout_ms */
    uint64_t bad_requests;    /* lines answered with an error code */
} sotto_control_stats;

void sotto_control_limits_default(sotto_control_limits *out);

/* Binds and listens on params->path (0600; parent directory created 0700
 * when missing). A stale socket left by a killed daemon is replaced; a live
 * one makes this fail with -EADDRINUSE. On failure *out stays NULL and err
 * holds a one-line reason. */
int sotto_control_create(sotto_control **out, uv_loop_t *loop,
                         const sotto_control_params *params, char *err, size_t errlen);

/* Called by a handler that answers later: returns the handle to pass to
 * sotto_control_finish exactly once (NULL when out of memory: then reply
 * normally). */
sotto_control_deferred *sotto_control_defer(sotto_control_reply *reply);

/* Completes a deferred request: result (one reference taken over; NULL
 * means {}) or, when error_code is non-NULL, an error reply. The reply is
 * dropped when the client has gone. Frees the handle; accepts NULL. */
void sotto_control_finish(sotto_control_deferred *pending, json_t *result,
                          const char *error_code, const char *error_message);

/* New limits apply to new lines and queues; existing clients are kept. */
void sotto_control_set_limits(sotto_control *ctl, const sotto_control_limits *limits);

/* Records an event (data: one reference is taken over; NULL means {}) and
 * sends it to every subscribed client. */
void sotto_control_emit(sotto_control *ctl, const char *event, json_t *data);

/* A new array (caller owns the reference) of the last events, oldest first. */
json_t *sotto_control_history(const sotto_control *ctl);

void sotto_control_get_stats(const sotto_control *ctl, sotto_control_stats *out);

/* Disconnects every client, stops listening, removes the socket file (when
 * this object created it) and frees everything once libuv has closed the
 * handles; done (may be NULL) is then called. Accepts NULL. */
void sotto_control_close(sotto_control *ctl, sotto_control_closed_cb done, void *opaque);

#endif
