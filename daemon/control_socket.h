/* Creating the control socket file safely: private permissions, stale
 * sockets from killed daemons replaced, live ones refused. */
#ifndef SOTTO_DAEMON_CONTROL_SOCKET_H
#define SOTTO_DAEMON_CONTROL_SOCKET_H

#include <stddef.h>

/* Returns a listening, non-blocking, close-on-exec socket fd bound to path
 * (mode 0600), or a negative errno with a reason in err. The directory of
 * path is created 0700 when missing; one that is a symlink, owned by
 * another user than us or root, or writable by group or others is refused
 * with -EPERM (-ELOOP, -ENOTDIR for a symlink). */
int sotto__control_listen(const char *path, int backlog, char *err, size_t errlen);

/* The default socket path: $XDG_RUNTIME_DIR/sotto/sottod.sock, else
 * /run/sotto/sottod.sock for root, else /tmp/sotto-UID/sottod.sock.
 * Returns 0, or -ENAMETOOLONG when it does not fit. */
int sotto_control_default_path(char *buf, size_t buflen);

#endif
