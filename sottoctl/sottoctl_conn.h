/* sottoctl's side of a control-socket connection: connect, send JSON
 * lines, read JSON lines back and match responses to requests, all under
 * a deadline; and the signal setup that lets SIGINT/SIGTERM end a wait.
 *
 * Private to sottoctl. Functions return 0 or a negative errno and, on
 * failure, write a one-line reason into err (NUL-terminated when
 * err_size > 0). The errno says what kind of failure it was:
 *   -ETIMEDOUT    the deadline passed
 *   -EINTR        a stop signal arrived (only with an interrupt set up)
 *   -ECONNRESET   the daemon closed the connection between two lines
 *   -EPROTO       the daemon sent something that is not a JSON object line
 *   -EMSGSIZE     a line from the daemon exceeded SOTTOCTL_MAX_LINE
 *   other         the system call's errno (connect, send, ...) */
#ifndef SOTTO_SOTTOCTL_SOTTOCTL_CONN_H
#define SOTTO_SOTTOCTL_SOTTOCTL_CONN_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Longest line accepted from the daemon, in bytes without the newline.
 * Far above any real reply; it only stops a broken peer from eating memory. */
#define SOTTOCTL_MAX_LINE ((size_t)16 << 20)

/* Largest --timeout accepted, in seconds (one day). */
#define SOTTOCTL_TIMEOUT_MAX_S 86400.0

typedef struct sottoctl_conn sottoctl_conn;

/* The instant after which waiting fails with -ETIMEDOUT. */
typedef struct sottoctl_deadline {
    struct timespec at;   /* CLOCK_MONOTONIC instant; unused when forever */
    bool forever;         /* true: never expires; default false */
} sottoctl_deadline;

/* How waits react to signals. Both NULL: signals keep their usual effect
 * and an interrupted wait is simply resumed. */
typedef struct sottoctl_interrupt {
    const sigset_t *wait_mask;          /* signal mask in force only while waiting; NULL: unchanged */
    const volatile sig_atomic_t *stop;  /* nonzero after a stop signal: waits end with -EINTR; NULL: never */
} sottoctl_interrupt;

/* Sets *out_deadline to now + seconds; 0 seconds means never.
 * Returns -EINVAL for a negative, NaN or too large value. */
int sottoctl_deadline_init(sottoctl_deadline *out_deadline, double seconds);

/* Connects to the Unix stream socket at path before the deadline.
 * interrupt may be NULL; when given, it (and what it points to) must outlive
 * the connection. The listener must run as our effective uid or root (or,
 * for root, as the account root gave the socket's directory to); another
 * gives -EPERM. On success *out_conn is a new connection that the caller
 * releases with sottoctl_conn_destroy. */
int sottoctl_conn_open(sottoctl_conn **out_conn, const char *path,
                       const sottoctl_interrupt *interrupt,
                       const sottoctl_deadline *deadline,
                       char *err, size_t err_size);

/* Closes the socket and frees the connection; accepts NULL and *conn == NULL;
 * sets *conn to NULL. */
void sottoctl_conn_destroy(sottoctl_conn **conn);

/* Sends msg as one compact JSON line. msg stays owned by the caller.
 * A daemon that has closed its end gives -EPIPE. */
int sottoctl_conn_send(sottoctl_conn *conn, const json_t *msg,
                       const sottoctl_deadline *deadline,
                       char *err, size_t err_size);

/* Reads the next line and parses it as a JSON object. On success
 * *out_msg is a new reference the caller releases with json_decref.
 * Bytes after the line stay buffered for the next call. */
int sottoctl_conn_read_message(sottoctl_conn *conn,
                               const sottoctl_deadline *deadline,
                               json_t **out_msg, char *err, size_t err_size);

/* Sends request (an object with an integer "id"; the caller keeps it) and
 * reads until the response to it, skipping event lines and message types
 * this version does not know. On success *out_response is a new reference
 * the caller releases with json_decref: a response whose "ok" is a boolean
 * and, when true, whose "result" is an object. "ok": false (a daemon
 * error) is a success here; the caller reports it. */
int sottoctl_conn_request(sottoctl_conn *conn, const json_t *request,
                          const sottoctl_deadline *deadline,
                          json_t **out_response, char *err, size_t err_size);

/* True when msg is the response to request_id: that id echoed, or no or
 * a null id, as in replies to a request the daemon could not read
 * (bad-json, busy). msg stays owned by the caller. */
bool sottoctl_is_response_to(const json_t *msg, json_int_t request_id);

/* Makes SIGINT and SIGTERM end waits with -EINTR instead of the process:
 * installs a handler and blocks both signals except while waiting.
 * Signals ignored by whoever started the program stay ignored. Fills
 * *wait_mask (storage owned by the caller, which must outlive every
 * connection using it) and *out_interrupt, to pass to sottoctl_conn_open.
 * Meant to be called once per process. */
int sottoctl_catch_stop_signals(sigset_t *wait_mask, sottoctl_interrupt *out_interrupt);

/* The control socket's path by the daemon's rule: $SOTTO_SOCKET,
 * $XDG_RUNTIME_DIR/sotto/sottod.sock when that is absolute, /run/sotto for
 * root, else /tmp/sotto-EUID. Caller frees; NULL: no memory. */
char *sottoctl_default_socket_path(void);

/* Parses a --timeout value: decimal seconds, 0..SOTTOCTL_TIMEOUT_MAX_S.
 * true and *out_seconds set, false for anything else (untouched). */
bool sottoctl_parse_timeout(const char *text, double *out_seconds);

#endif
