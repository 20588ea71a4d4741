#include "daemon/control_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int sotto_control_default_path(char *buf, size_t buflen)
{
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    int n;

    if (runtime && runtime[0] == '/')
        n = snprintf(buf, buflen, "%s/sotto/sottod.sock", runtime);
    else if (geteuid() == 0)
        n = snprintf(buf, buflen, "/run/sotto/sottod.sock");
    else
        n = snprintf(buf, buflen, "/tmp/sotto-%u/sottod.sock", (unsigned)geteuid());
    if (n < 0 || (size_t)n >= buflen)
        return -ENAMETOOLONG;
    return 0;
}

static int fill_address(struct sockaddr_un *addr, const char *path)
{
    size_t len = strlen(path);

    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (len == 0 || len >= sizeof(addr->sun_path))
        return -ENAMETOOLONG;
    memcpy(addr->sun_path, path, len + 1);
    return 0;
}

/* The directory holding the socket decides who can replace it: anyone who
 * may write there can move our socket aside and listen in its place, reading
 * every request (tokens included) and forging replies. So it must be a real
 * directory (not a symlink: O_NOFOLLOW) owned by us, or by root, which is
 * trusted anyway (systemd's RuntimeDirectory, /run/sotto), and writable by
 * nobody else. The checks run on the opened directory (fstat), so what is
 * checked is what was opened. */
static int check_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = 0;

    if (fd < 0) {
        rc = -errno;
        if (errno == ELOOP || errno == ENOTDIR)
            snprintf(err, errlen, "socket directory %s is not a directory (a symlink?); "
                     "refusing it", dir);
        else
            snprintf(err, errlen, "cannot open socket directory %s: %s", dir, strerror(errno));
        return rc;
    }
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot stat socket directory %s: %s", dir, strerror(errno));
    } else if (st.st_uid != geteuid() && st.st_uid != 0) {
        snprintf(err, errlen, "socket directory %s is owned by uid %u, not by us (uid %u) "
                 "or root; refusing it (remove it, or choose another socket path)", dir,
                 (unsigned)st.st_uid, (unsigned)geteuid());
        rc = -EPERM;
    } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen, "socket directory %s is writable by group or others (mode %04o); "
                 "refusing it (chmod go-w it, or choose another socket path)", dir,
                 (unsigned)(st.st_mode & 07777));
        rc = -EPERM;
    }
    close(fd);
    return rc;
}

/* Creates the socket's directory (one level) private to us when missing,
 * then checks it whether new or not. */
static int ensure_parent(const char *path, char *err, size_t errlen)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    const char *slash = strrchr(path, '/');
    size_t len;

    if (!slash)
        return check_dir(".", err, errlen);
    if (slash == path)
        return check_dir("/", err, errlen);
    len = (size_t)(slash - path);
    if (len >= sizeof(dir))
        return -ENAMETOOLONG;
    memcpy(dir, path, len);
    dir[len] = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
        return -errno;
    }
    return check_dir(dir, err, errlen);
}

/* A socket file that refuses connections belongs to a daemon that died
 * without cleaning up; anything else at that path is not ours to remove. */
static int clear_stale(const char *path, const struct sockaddr_un *addr, char *err,
                       size_t errlen)
{
    struct stat st;
    int probe, rc;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -errno;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket; refusing to replace it", path);
        return -EEXIST;
    }
    probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return -errno;
    rc = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
    close(probe);
    if (rc == 0) {
        snprintf(err, errlen, "another sottod is already listening on %s", path);
        return -EADDRINUSE;
    }
    if (errno != ECONNREFUSED && errno != ENOENT) {
        snprintf(err, errlen, "cannot probe %s: %s", path, strerror(errno));
        return -errno;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
        return -errno;
    }
    return 0;
}

int sotto__control_listen(const char *path, int backlog, char *err, size_t errlen)
{
    struct sockaddr_un addr;
    mode_t old_mask;
    int fd, rc;

    if (fill_address(&addr, path) < 0) {
        snprintf(err, errlen, "socket path too long (max %zu bytes): %s",
                 sizeof(addr.sun_path) - 1, path);
        return -ENAMETOOLONG;
    }
    rc = ensure_parent(path, err, errlen);
    if (rc < 0)
        return rc;
    rc = clear_stale(path, &addr, err, errlen);
    if (rc < 0)
        return rc;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return rc;
    }
    /* The umask makes the file 0600 from the moment it exists: a chmod
     * after bind would leave a window where others could connect. */
    old_mask = umask(0177);
    rc = bind(fd, (const struct sockaddr *)&addr, sizeof(addr));
    umask(old_mask);
    if (rc != 0 || listen(fd, backlog) != 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    return fd;
}
