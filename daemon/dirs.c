#include "daemon/dirs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int make_one(const char *path, const char *shown, char *err, size_t errlen)
{
    struct stat st;

    if (mkdir(path, 0700) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (errno == EEXIST)
        errno = ENOTDIR;
    snprintf(err, errlen, "cannot create directory %s: %s", shown, strerror(errno));
    return -errno;
}

int sottod_make_dirs(const char *path, char *err, size_t errlen)
{
    char copy[PATH_MAX];
    size_t len = strlen(path);
    int rc;

    if (len == 0)
        return 0;
    if (len >= sizeof(copy)) {
        snprintf(err, errlen, "directory path too long: %s", path);
        return -ENAMETOOLONG;
    }
    memcpy(copy, path, len + 1);
    for (size_t i = 1; i < len; i++) {
        if (copy[i] != '/')
            continue;
        copy[i] = '\0';
        rc = make_one(copy, path, err, errlen);
        copy[i] = '/';
        if (rc < 0)
            return rc;
    }
    return make_one(copy, path, err, errlen);
}

int sottod_make_parent_dirs(const char *file, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(file, '/');
    size_t len;

    if (!slash || slash == file)
        return 0;
    len = (size_t)(slash - file);
    if (len >= sizeof(dir)) {
        snprintf(err, errlen, "directory path too long: %s", file);
        return -ENAMETOOLONG;
    }
    memcpy(dir, file, len);
    dir[len] = '\0';
    return sottod_make_dirs(dir, err, errlen);
}

int sottod_user_config_path(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n;

    if (xdg && xdg[0] == '/')
        n = snprintf(buf, len, "%s/sotto/sotto.conf", xdg);
    else if (home && home[0] == '/')
        n = snprintf(buf, len, "%s/.config/sotto/sotto.conf", home);
    else
        return -ENOENT;
    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
