/* Fuzzes sottoctl's handling of what a daemon sends: the bytes go over a
 * real Unix socket into sottoctl's line reader, and every message read is
 * run through every output formatter, as if it were each kind of reply. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sottoctl/sottoctl_conn.h"
#include "sottoctl/sottoctl_output.h"

/* Inputs must fit in the socket buffer, since one thread writes and reads. */
#define MAX_INPUT 65536

/* The listening socket, made once per fuzzing process. */
typedef struct fuzz_server {
    int listen_fd;                /* bound and listening; -1 before setup */
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];  /* its path */
    FILE *sink;                   /* /dev/null, for the formatters */
} fuzz_server;

static fuzz_server server = { .listen_fd = -1, .path = "", .sink = NULL };

static void remove_socket(void)
{
    char dir[sizeof server.path];
    char *slash;

    unlink(server.path);
    memcpy(dir, server.path, sizeof dir);
    slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        rmdir(dir);
    }
}

/* A socket path must fit sun_path, so a long $TMPDIR falls back to /tmp. */
static int setup_server(void)
{
    const char *tmpdir = getenv("TMPDIR");
    char dir[sizeof server.path - sizeof "/s.sock"];
    struct sockaddr_un addr;
    int len;

    if (!tmpdir || tmpdir[0] != '/')
        tmpdir = "/tmp";
    len = snprintf(dir, sizeof dir, "%s/fuzz-sottoctl.XXXXXX", tmpdir);
    if (len < 0 || (size_t)len >= sizeof dir)
        snprintf(dir, sizeof dir, "/tmp/fuzz-sottoctl.XXXXXX");
    if (!mkdtemp(dir))
        return -errno;
    snprintf(server.path, sizeof server.path, "%s/s.sock", dir);
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, server.path, strlen(server.path) + 1);
    server.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (server.listen_fd < 0 || bind(server.listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0
        || listen(server.listen_fd, 4) != 0)
        return -errno;
    server.sink = fopen("/dev/null", "w");
    if (!server.sink)
        return -errno;
    atexit(remove_socket);
    return 0;
}

static void format_everything(const json_t *msg)
{
    const json_t *result = json_object_get(msg, "result");
    const json_t *target = result ? result : msg;
    char err[256];

    sottoctl_print_json(server.sink, msg);
    sottoctl_print_event(server.sink, msg);
    sottoctl_print_status(server.sink, target, err, sizeof err);
    sottoctl_print_devices(server.sink, target, err, sizeof err);
    sottoctl_print_config(server.sink, target, err, sizeof err);
    sottoctl_print_version(server.sink, target, err, sizeof err);
    sottoctl_print_reload(server.sink, target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sottoctl_deadline deadline;
    sottoctl_conn *conn = NULL;
    char err[256];
    int peer;

    if (size > MAX_INPUT)
        return 0;
    if (server.listen_fd < 0 && setup_server() != 0)
        abort();
    if (sottoctl_deadline_init(&deadline, 5.0) != 0
        || sottoctl_conn_open(&conn, server.path, NULL, &deadline, err, sizeof err) != 0)
        abort();
    peer = accept(server.listen_fd, NULL, NULL);
    if (peer < 0 || (size > 0 && write(peer, data, size) != (ssize_t)size))
        abort();
    close(peer);
    for (;;) {
        json_t *msg = NULL;
        int rc = sottoctl_conn_read_message(conn, &deadline, &msg, err, sizeof err);

        if (rc == -EPROTO && strstr(err, "middle of a line") == NULL)
            continue;          /* a bad line is dropped; the reader goes on */
        if (rc != 0)
            break;
        format_everything(msg);
        json_decref(msg);
    }
    sottoctl_conn_destroy(&conn);
    return 0;
}
