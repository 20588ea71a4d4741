/* sottoctl connection: nonblocking Unix socket driven by ppoll() so one
 * deadline covers connect, hello, request and reply, and so a stop signal
 * can end a wait without a race (it is unblocked only inside ppoll). */
#include "sottoctl/sottoctl_conn.h"
#include "sottoctl/sottoctl_output.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_CHUNK 4096             /* bytes asked of read() at least */
#define CONNECT_RETRY_NS 10000000L  /* 10 ms between tries while the backlog is full */

/* Set by the SIGINT/SIGTERM handler. A handler can reach nothing else, so
 * this is the program's one piece of global state. */
static volatile sig_atomic_t stop_requested;

struct sottoctl_conn {
    int fd;                        /* connected socket, nonblocking; -1 when closed */
    sottoctl_interrupt interrupt;  /* copy of the caller's signal setup */
    char *buf;                     /* bytes received, not yet returned as lines */
    size_t len;                    /* bytes used in buf */
    size_t cap;                    /* bytes allocated for buf */
    size_t scanned;                /* prefix of buf known to hold no '\n' */
};

__attribute__((format(printf, 3, 4)))
static void set_error(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (!err || err_size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

int sottoctl_deadline_init(sottoctl_deadline *out_deadline, double seconds)
{
    struct timespec now;
    time_t whole;
    long nsec;

    /* Written this way round so that NaN fails too. */
    if (!out_deadline || !(seconds >= 0.0 && seconds <= SOTTOCTL_TIMEOUT_MAX_S))
        return -EINVAL;
    if (seconds == 0.0) {
        out_deadline->at.tv_sec = 0;
        out_deadline->at.tv_nsec = 0;
        out_deadline->forever = true;
        return 0;
    }
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return -errno;
    whole = (time_t)seconds;
    nsec = (long)((seconds - (double)whole) * 1e9);
    now.tv_sec += whole;
    now.tv_nsec += nsec;
    if (now.tv_nsec >= 1000000000L) {
        now.tv_sec += 1;
        now.tv_nsec -= 1000000000L;
    }
    out_deadline->at = now;
    out_deadline->forever = false;
    return 0;
}

/* Time left until the deadline; -ETIMEDOUT when it has passed. */
static int time_left(const sottoctl_deadline *deadline, struct timespec *out_left)
{
    struct timespec now;

    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return -errno;
    out_left->tv_sec = deadline->at.tv_sec - now.tv_sec;
    out_left->tv_nsec = deadline->at.tv_nsec - now.tv_nsec;
    if (out_left->tv_nsec < 0) {
        out_left->tv_sec -= 1;
        out_left->tv_nsec += 1000000000L;
    }
    if (out_left->tv_sec < 0 || (out_left->tv_sec == 0 && out_left->tv_nsec == 0))
        return -ETIMEDOUT;
    return 0;
}

static bool earlier(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* One ppoll() over pfd (may be empty) bounded by the deadline and, when
 * cap_ns > 0, by cap_ns. Returns 0 when an fd is ready or the cap ran out,
 * -ETIMEDOUT at the deadline, -EINTR on a stop signal. */
static int wait_until(const sottoctl_conn *conn, struct pollfd *pfd, nfds_t nfds,
                      const sottoctl_deadline *deadline, long cap_ns)
{
    for (;;) {
        struct timespec left = { .tv_sec = 0, .tv_nsec = cap_ns };
        const struct timespec *timeout = cap_ns > 0 ? &left : NULL;
        int n;

        if (!deadline->forever) {
            struct timespec remaining;
            int rc = time_left(deadline, &remaining);

            if (rc != 0)
                return rc;
            if (!timeout || earlier(&remaining, &left))
                left = remaining;
            timeout = &left;
        }
        n = ppoll(pfd, nfds, timeout, conn->interrupt.wait_mask);
        if (n > 0)
            return 0;
        if (n == 0)
            return cap_ns > 0 ? 0 : -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
        if (conn->interrupt.stop && *conn->interrupt.stop)
            return -EINTR;
    }
}

/* Waits until the socket is ready for events. Hangup and error count as
 * ready: the next read or write reports them. */
static int wait_ready(const sottoctl_conn *conn, short events,
                      const sottoctl_deadline *deadline)
{
    struct pollfd pfd = { .fd = conn->fd, .events = events, .revents = 0 };

    return wait_until(conn, &pfd, 1, deadline, 0);
}

/* A nonblocking connect on a Unix socket either completes at once, fails,
 * or reports EAGAIN when the listener's backlog is full; the last is
 * retried until the deadline. */
static int connect_socket(sottoctl_conn *conn, const struct sockaddr_un *addr,
                          const sottoctl_deadline *deadline)
{
    for (;;) {
        int soerr = 0;
        socklen_t soerr_len = sizeof soerr;
        int rc;

        if (connect(conn->fd, (const struct sockaddr *)addr, sizeof *addr) == 0)
            return 0;
        if (errno == EAGAIN) {
            rc = wait_until(conn, NULL, 0, deadline, CONNECT_RETRY_NS);
            if (rc != 0)
                return rc;
            continue;
        }
        if (errno != EINPROGRESS && errno != EINTR)
            return -errno;
        rc = wait_ready(conn, POLLOUT, deadline);
        if (rc != 0)
            return rc;
        if (getsockopt(conn->fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) != 0)
            return -errno;
        return -soerr;
    }
}

/* True when the directory above the socket's directory is root's alone
 * (as /run is for /run/sotto): then only root can have made the socket's
 * directory and handed it to the service account. */
static bool placed_by_root(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct stat st;
    char *slash;

    snprintf(dir, sizeof dir, "%s", path);
    for (int level = 0; level < 2; level++) {
        slash = strrchr(dir, '/');
        if (!slash)
            return false;
        *slash = '\0';
    }
    if (dir[0] == '\0')
        snprintf(dir, sizeof dir, "/");
    return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == 0 &&
           !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Whoever listens on the socket reads our requests (tokens included) and
 * writes the answers we print, so it must be us or root (a socket unit's
 * listener is systemd's, uid 0). Root may also talk to a service account's
 * daemon whose directory root made (see placed_by_root). The kernel's
 * SO_PEERCRED names the listener, whatever the file's owner claims. */
static int check_peer(int fd, const char *path, char *err, size_t err_size)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    uid_t self = geteuid();

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        int rc = -errno;

        set_error(err, err_size, "cannot learn who listens on the socket: %s", strerror(-rc));
        return rc;
    }
    if (cred.uid == self || cred.uid == 0)
        return 0;
    if (self == 0 && placed_by_root(path))
        return 0;
    set_error(err, err_size,
              "the socket is served by uid %u (pid %ld), not by uid %u or root; refusing to "
              "talk to it", (unsigned)cred.uid, (long)cred.pid, (unsigned)self);
    return -EPERM;
}

int sottoctl_conn_open(sottoctl_conn **out_conn, const char *path,
                       const sottoctl_interrupt *interrupt,
                       const sottoctl_deadline *deadline,
                       char *err, size_t err_size)
{
    struct sockaddr_un addr;
    sottoctl_conn *conn = NULL;
    size_t path_len;
    int rc;

    if (!out_conn || !path || !deadline || (!err && err_size > 0))
        return -EINVAL;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    path_len = strlen(path);
    if (path_len == 0 || path_len >= sizeof addr.sun_path) {
        set_error(err, err_size, "socket path must be 1 to %zu bytes long",
                  sizeof addr.sun_path - 1);
        return -ENAMETOOLONG;
    }
    memcpy(addr.sun_path, path, path_len + 1);

    conn = calloc(1, sizeof *conn);
    if (!conn) {
        rc = -ENOMEM;
        set_error(err, err_size, "out of memory");
        goto fail;
    }
    conn->fd = -1;
    if (interrupt)
        conn->interrupt = *interrupt;
    conn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (conn->fd < 0) {
        rc = -errno;
        set_error(err, err_size, "socket: %s", strerror(-rc));
        goto fail;
    }
    rc = connect_socket(conn, &addr, deadline);
    if (rc != 0) {
        set_error(err, err_size, "%s", strerror(-rc));
        goto fail;
    }
    rc = check_peer(conn->fd, path, err, err_size);
    if (rc != 0)
        goto fail;
    *out_conn = conn;
    return 0;

fail:
    sottoctl_conn_destroy(&conn);
    return rc;
}

void sottoctl_conn_destroy(sottoctl_conn **conn)
{
    if (!conn || !*conn)
        return;
    if ((*conn)->fd >= 0)
        close((*conn)->fd);
    free((*conn)->buf);
    free(*conn);
    *conn = NULL;
}

static int send_all(sottoctl_conn *conn, const char *data, size_t len,
                    const sottoctl_deadline *deadline)
{
    while (len > 0) {
        /* MSG_NOSIGNAL: a daemon that went away must give EPIPE, not kill us. */
        ssize_t n = send(conn->fd, data, len, MSG_NOSIGNAL);

        if (n >= 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int rc = wait_ready(conn, POLLOUT, deadline);

            if (rc != 0)
                return rc;
            continue;
        }
        if (errno == ECONNRESET)
            return -EPIPE;
        return -errno;
    }
    return 0;
}

int sottoctl_conn_send(sottoctl_conn *conn, const json_t *msg,
                       const sottoctl_deadline *deadline,
                       char *err, size_t err_size)
{
    char *text;
    int rc;

    if (!conn || !msg || !deadline || (!err && err_size > 0))
        return -EINVAL;
    text = json_dumps(msg, JSON_COMPACT);
    if (!text) {
        set_error(err, err_size, "cannot encode the request");
        return -ENOMEM;
    }
    rc = send_all(conn, text, strlen(text), deadline);
    if (rc == 0)
        rc = send_all(conn, "\n", 1, deadline);
    free(text);
    if (rc == -EPIPE)
        set_error(err, err_size, "connection closed by the daemon");
    else if (rc != 0)
        set_error(err, err_size, "cannot send the request: %s", strerror(-rc));
    return rc;
}

/* Makes room for at least one more byte, never beyond the line cap plus
 * its newline. The caller has already rejected len > SOTTOCTL_MAX_LINE. */
static int reserve(sottoctl_conn *conn)
{
    size_t limit = SOTTOCTL_MAX_LINE + 1;
    size_t new_cap;
    char *grown;

    if (conn->cap - conn->len >= READ_CHUNK || conn->cap == limit)
        return 0;
    new_cap = conn->cap ? conn->cap * 2 : READ_CHUNK * 4;
    if (new_cap > limit)
        new_cap = limit;
    grown = realloc(conn->buf, new_cap);
    if (!grown)
        return -ENOMEM;
    conn->buf = grown;
    conn->cap = new_cap;
    return 0;
}

/* Reads whatever is available (waiting for it) into the buffer. */
static int fill(sottoctl_conn *conn, const sottoctl_deadline *deadline,
                char *err, size_t err_size)
{
    int rc = reserve(conn);

    if (rc != 0) {
        set_error(err, err_size, "out of memory");
        return rc;
    }
    for (;;) {
        ssize_t n = read(conn->fd, conn->buf + conn->len, conn->cap - conn->len);

        if (n > 0) {
            conn->len += (size_t)n;
            return 0;
        }
        if (n == 0) {
            if (conn->len > 0) {
                set_error(err, err_size,
                          "connection closed by the daemon in the middle of a line");
                return -EPROTO;
            }
            set_error(err, err_size, "connection closed by the daemon");
            return -ECONNRESET;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            rc = -errno;
            set_error(err, err_size, "cannot read from the daemon: %s", strerror(-rc));
            return rc;
        }
        rc = wait_ready(conn, POLLIN, deadline);
        if (rc != 0) {
            set_error(err, err_size, "%s", strerror(-rc));
            return rc;
        }
    }
}

/* Parses buf[0..line_len) and drops it and its newline from the buffer. */
static int take_line(sottoctl_conn *conn, size_t line_len, json_t **out_msg,
                     char *err, size_t err_size)
{
    json_error_t jerr;
    json_t *msg = json_loadb(conn->buf, line_len, 0, &jerr);
    size_t rest = conn->len - line_len - 1;

    memmove(conn->buf, conn->buf + line_len + 1, rest);
    conn->len = rest;
    conn->scanned = 0;
    if (!msg) {
        set_error(err, err_size, "daemon sent invalid JSON: %s (column %d)",
                  jerr.text, jerr.column);
        return -EPROTO;
    }
    if (!json_is_object(msg)) {
        json_decref(msg);
        set_error(err, err_size, "daemon sent a JSON line that is not an object");
        return -EPROTO;
    }
    *out_msg = msg;
    return 0;
}

int sottoctl_conn_read_message(sottoctl_conn *conn,
                               const sottoctl_deadline *deadline,
                               json_t **out_msg, char *err, size_t err_size)
{
    if (!conn || !deadline || !out_msg || (!err && err_size > 0))
        return -EINVAL;
    for (;;) {
        if (conn->len > conn->scanned) {
            const char *nl = memchr(conn->buf + conn->scanned, '\n',
                                    conn->len - conn->scanned);

            if (nl)
                return take_line(conn, (size_t)(nl - conn->buf), out_msg,
                                 err, err_size);
            conn->scanned = conn->len;
        }
        if (conn->len > SOTTOCTL_MAX_LINE) {
            set_error(err, err_size, "daemon sent a line longer than %zu MiB",
                      SOTTOCTL_MAX_LINE >> 20);
            return -EMSGSIZE;
        }
        int rc = fill(conn, deadline, err, err_size);

        if (rc != 0)
            return rc;
    }
}

int sottoctl_conn_request(sottoctl_conn *conn, const json_t *request,
                          const sottoctl_deadline *deadline,
                          json_t **out_response, char *err, size_t err_size)
{
    const json_t *request_id = json_object_get(request, "id");
    const json_t *ok;
    json_t *msg = NULL;
    int rc;

    if (!conn || !json_is_integer(request_id) || !deadline || !out_response
        || (!err && err_size > 0))
        return -EINVAL;
    rc = sottoctl_conn_send(conn, request, deadline, err, err_size);
    /* On EPIPE the daemon may still have said why (busy) before closing. */
    if (rc != 0 && rc != -EPIPE)
        return rc;
    for (;;) {
        rc = sottoctl_conn_read_message(conn, deadline, &msg, err, err_size);
        if (rc != 0)
            return rc;
        if (sottoctl_is_response_to(msg, json_integer_value(request_id)))
            break;
        json_decref(msg);
    }
    ok = json_object_get(msg, "ok");
    if (!json_is_boolean(ok)) {
        set_error(err, err_size, "the response has no \"ok\" boolean");
        rc = -EPROTO;
    } else if (json_is_true(ok) && !json_is_object(json_object_get(msg, "result"))) {
        set_error(err, err_size, "the response has no result object");
        rc = -EPROTO;
    }
    if (rc != 0) {
        json_decref(msg);
        return rc;
    }
    *out_response = msg;
    return 0;
}

bool sottoctl_is_response_to(const json_t *msg, json_int_t request_id)
{
    const char *type = json_string_value(json_object_get(msg, "type"));
    const json_t *id = json_object_get(msg, "id");

    if (!type || strcmp(type, "response") != 0)
        return false;
    return !id || json_is_null(id)
           || (json_is_integer(id) && json_integer_value(id) == request_id);
}

static void on_stop_signal(int signo)
{
    stop_requested = signo;
}

/* Blocking the signals except inside ppoll(), where the handler ends the
 * wait, leaves no window in which one could slip by unnoticed. */
int sottoctl_catch_stop_signals(sigset_t *wait_mask, sottoctl_interrupt *out_interrupt)
{
    static const int stop_signals[] = { SIGINT, SIGTERM };
    const size_t count = sizeof stop_signals / sizeof stop_signals[0];
    struct sigaction action;
    sigset_t stop_set;

    if (!wait_mask || !out_interrupt)
        return -EINVAL;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigemptyset(&stop_set);
    for (size_t i = 0; i < count; i++)
        sigaddset(&stop_set, stop_signals[i]);
    if (sigprocmask(SIG_BLOCK, &stop_set, wait_mask) != 0)
        return -errno;
    for (size_t i = 0; i < count; i++) {
        struct sigaction previous;

        if (sigaction(stop_signals[i], NULL, &previous) != 0)
            return -errno;
        if (previous.sa_handler == SIG_IGN)
            continue;
        if (sigaction(stop_signals[i], &action, NULL) != 0)
            return -errno;
        sigdelset(wait_mask, stop_signals[i]);
    }
    out_interrupt->wait_mask = wait_mask;
    out_interrupt->stop = &stop_requested;
    return 0;
}

/* The daemon's rule, repeated so that both find each other without any
 * configuration: $SOTTO_SOCKET (sottoctl only), $XDG_RUNTIME_DIR/sotto when
 * that is an absolute path, /run/sotto for root, else /tmp/sotto-EUID.
 * Caller frees; NULL: no memory. */
char *sottoctl_default_socket_path(void)
{
    const char *env = getenv("SOTTO_SOCKET");
    const char *runtime_dir = getenv("XDG_RUNTIME_DIR");

    if (env && env[0] != '\0')
        return sottoctl_strdup_printf("%s", env);
    if (runtime_dir && runtime_dir[0] == '/')
        return sottoctl_strdup_printf("%s/sotto/sottod.sock", runtime_dir);
    if (geteuid() == 0)
        return sottoctl_strdup_printf("/run/sotto/sottod.sock");
    return sottoctl_strdup_printf("/tmp/sotto-%lu/sottod.sock", (unsigned long)geteuid());
}

/* Parses a --timeout value: a decimal number of seconds. */
bool sottoctl_parse_timeout(const char *text, double *out_seconds)
{
    char *end = NULL;
    double value;

    errno = 0;
    value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0')
        return false;
    if (!(value >= 0.0 && value <= SOTTOCTL_TIMEOUT_MAX_S))
        return false;
    *out_seconds = value;
    return true;
}
