/* The daemon's own directories, made as the XDG base directory spec asks:
 * missing components, parents included, are created with mode 0700. */
#ifndef SOTTO_DAEMON_DIRS_H
#define SOTTO_DAEMON_DIRS_H

#include <stddef.h>

/* Creates path and each missing parent (0700); existing ones are kept as
 * they are. Returns 0 or a negative errno with a one-line reason in err. */
int sottod_make_dirs(const char *path, char *err, size_t errlen);

/* Creates the directory holding file (see sottod_make_dirs). */
int sottod_make_parent_dirs(const char *file, char *err, size_t errlen);

/* The user's configuration file, $XDG_CONFIG_HOME/sotto/sotto.conf (or
 * ~/.config/sotto/sotto.conf), written into buf. Returns 0, -ENOENT when
 * neither variable gives an absolute directory, or -ENAMETOOLONG. Whether
 * the file exists is the caller's question. */
int sottod_user_config_path(char *buf, size_t len);

#endif
