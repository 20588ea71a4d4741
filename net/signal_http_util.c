/* Small pure pieces of net/signal_http: header checks, names, URLs and the
 * static file walk. Nothing here touches libwebsockets or the loop. */
#include "net/signal_http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_STATIC_DEPTH 8        /* path components below the static root */
#define MAX_NAME 255              /* bytes of one path component */
#define MAX_LENGTH_DIGITS 16      /* Content-Length digits; 2^53 has 16 */
#define MAX_EXACT_LENGTH (UINT64_C(1) << 53)

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int sotto_http_media_type_is(const char *header, size_t len, const char *type)
{
    size_t tlen, i = 0;

    if (!header || !type)
        return 0;
    tlen = strlen(type);
    while (i < len && is_ows(header[i]))
        i++;
    if (len - i < tlen || strncasecmp(header + i, type, tlen) != 0)
        return 0;
    i += tlen;
    while (i < len && is_ows(header[i]))
        i++;
    return i == len || header[i] == ';';
}

int sotto_http_bearer_matches(const char *header, size_t len, const char *token,
                              size_t token_len)
{
    unsigned char given[SOTTO_SIGNAL_HTTP_MAX_TOKEN] = {0};
    unsigned char want[SOTTO_SIGNAL_HTTP_MAX_TOKEN] = {0};
    volatile unsigned char diff = 0;
    size_t start = 0;

    if (!header || !token || token_len == 0 || token_len > SOTTO_SIGNAL_HTTP_MAX_TOKEN)
        return 0;
    while (len > 0 && is_ows(header[len - 1]))
        len--;
    while (start < len && is_ows(header[start]))
        start++;
    if (len - start < 7 || strncasecmp(header + start, "Bearer", 6) != 0
        || header[start + 6] != ' ')
        return 0;
    start += 6;
    while (start < len && header[start] == ' ')
        start++;
    len -= start;
    if (len == 0 || len > SOTTO_SIGNAL_HTTP_MAX_TOKEN)
        return 0;
    /* Fixed-size buffers: the loop below runs the same whatever the
     * lengths or bytes, so timing tells nothing about the token. */
    memcpy(given, header + start, len);
    memcpy(want, token, token_len);
    diff = (unsigned char)(len ^ token_len);
    for (size_t i = 0; i < sizeof(given); i++)
        diff |= (unsigned char)(given[i] ^ want[i]);
    return diff == 0;
}

int sotto_http_token_valid(const char *token)
{
    size_t n = 0, pad = 0;

    if (!token)
        return 0;
    for (; token[n]; n++) {
        char c = token[n];
        if (n >= SOTTO_SIGNAL_HTTP_MAX_TOKEN)
            return 0;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad > 0 || !(is_alnum(c) || strchr("-._~+/", c)))
            return 0;
    }
    return n > pad;
}

int sotto_http_call_id_valid(const char *id)
{
    size_t n = 0;

    if (!id)
        return 0;
    for (; id[n]; n++) {
        if (n >= SOTTO_SIGNAL_HTTP_MAX_CALL_ID || !(is_alnum(id[n]) || id[n] == '-'
                                                   || id[n] == '_'))
            return 0;
    }
    return n > 0;
}

int sotto_http_parse_length(const char *text, size_t len, uint64_t *out)
{
    uint64_t v = 0;

    if (!text || !out || len == 0)
        return -EINVAL;
    if (len > MAX_LENGTH_DIGITS)
        return -ERANGE;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -EINVAL;
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    if (v > MAX_EXACT_LENGTH)
        return -ERANGE;
    *out = v;
    return 0;
}

const char *sotto_http_content_type(const char *name)
{
    static const struct {
        const char *ext;
        const char *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},  {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"}, {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},    {"json", "application/json"},
        {"map", "application/json"},           {"txt", "text/plain; charset=utf-8"},
        {"svg", "image/svg+xml"},              {"png", "image/png"},
        {"jpg", "image/jpeg"},                 {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},                  {"webp", "image/webp"},
        {"ico", "image/x-icon"},               {"wasm", "application/wasm"},
        {"woff2", "font/woff2"},               {"woff", "font/woff"},
        {"webmanifest", "application/manifest+json"},
    };
    const char *dot = name ? strrchr(name, '.') : NULL;

    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
        }
    }
    return "application/octet-stream";
}

static int static_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > MAX_NAME || name[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!(is_alnum(name[i]) || name[i] == '.' || name[i] == '_' || name[i] == '-'))
            return 0;
    }
    return 1;
}

/* Opens the final file under dir and checks what it is. */
static int open_static_leaf(int dir, const char *name, uint64_t max_size, int *out_fd,
                            uint64_t *out_size)
{
    struct stat st;
    /* O_NONBLOCK: opening a FIFO must not hang the loop. */
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    if ((uint64_t)st.st_size > max_size) {
        close(fd);
        return -EFBIG;
    }
    *out_fd = fd;
    *out_size = (uint64_t)st.st_size;
    return 0;
}

int sotto_http_open_static(int dir_fd, const char *rel, uint64_t max_size, int *out_fd,
                           uint64_t *out_size)
{
    char name[MAX_NAME + 1];
    const char *p = rel;
    int cur = dir_fd, rc = 0;

    if (dir_fd < 0 || !rel || !out_fd || !out_size)
        return -EINVAL;
    for (int depth = 1;; depth++) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        int next;

        if (depth > MAX_STATIC_DEPTH || !static_name_ok(p, n)) {
            rc = -ENOENT;
            break;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        if (!slash) {
            rc = open_static_leaf(cur, name, max_size, out_fd, out_size);
            break;
        }
        next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            rc = -errno;
            break;
        }
        if (cur != dir_fd)
            close(cur);
        cur = next;
        p = slash + 1;
    }
    if (cur != dir_fd)
        close(cur);
    return rc;
}

int sotto_signal_http_is_loopback(const struct sockaddr *addr, socklen_t len)
{
    if (!addr || len < (socklen_t)sizeof(sa_family_t))
        return 0;
    if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)addr;
        return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
    }
    if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

static int path_chars_ok(const char *path)
{
    for (; *path; path++) {
        unsigned char c = (unsigned char)*path;
        if (c <= 0x20 || c >= 0x7f || c == '#')
            return 0;
    }
    return 1;
}

/* Host of an http URL at p: "[v6]" or a name/IPv4 of [A-Za-z0-9.-]. Returns
 * the position after it, or NULL. */
static const char *parse_host(const char *p, sotto_http_url *out)
{
    struct in6_addr a6;
    const char *end;
    size_t n;

    if (*p == '[') {
        end = strchr(p + 1, ']');
        n = end ? (size_t)(end - p - 1) : 0;
        if (n == 0 || n >= sizeof(out->host))
            return NULL;
        memcpy(out->host, p + 1, n);
        out->host[n] = '\0';
        if (inet_pton(AF_INET6, out->host, &a6) != 1)
            return NULL;
        out->host_is_ipv6 = 1;
        return end + 1;
    }
    for (end = p; is_alnum(*end) || *end == '.' || *end == '-'; end++)
        ;
    n = (size_t)(end - p);
    if (n == 0 || n >= sizeof(out->host) || p[0] == '.' || p[0] == '-')
        return NULL;
    memcpy(out->host, p, n);
    out->host[n] = '\0';
    out->host_is_ipv6 = 0;
    return end;
}

int sotto_http_url_parse(const char *url, sotto_http_url *out)
{
    sotto_http_url u;
    const char *p;
    size_t len;

    if (!url || !out)
        return -EINVAL;
    len = strnlen(url, SOTTO_SIGNAL_HTTP_MAX_URL + 1);
    if (len == 0 || len > SOTTO_SIGNAL_HTTP_MAX_URL)
        return -EINVAL;
    if (strncasecmp(url, "http://", 7) != 0)
        return strstr(url, "://") ? -ENOTSUP : -EINVAL;
    memset(&u, 0, sizeof(u));
    p = parse_host(url + 7, &u);
    if (!p)
        return -EINVAL;
    u.port = 80;
    if (*p == ':') {
        unsigned long port = 0;
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
            port = port * 10 + (unsigned long)(*p - '0');
        if (digits == 0 || digits > 5 || port == 0 || port > 65535)
            return -EINVAL;
        u.port = (unsigned)port;
    }
    if (*p != '\0' && *p != '/')
        return -EINVAL;
    u.authority_end = (size_t)(p - url);
    u.path = *p ? p : "/";
    if (!path_chars_ok(u.path))
        return -EINVAL;
    *out = u;
    return 0;
}

int sotto_signal_http_call_url(const char *offer_url, const char *location, char *out,
                               size_t cap)
{
    char url[2 * SOTTO_SIGNAL_HTTP_MAX_URL + 1];
    sotto_http_url base, loc;
    size_t llen;
    int n;

    if (!offer_url || !location || !out || cap == 0)
        return -EINVAL;
    if (sotto_http_url_parse(offer_url, &base) != 0)
        return -EINVAL;
    llen = strnlen(location, SOTTO_SIGNAL_HTTP_MAX_URL + 1);
    if (llen == 0 || llen > SOTTO_SIGNAL_HTTP_MAX_URL)
        return -EINVAL;
    if (location[0] == '/' && location[1] != '/') {
        if (!path_chars_ok(location))
            return -EINVAL;
        n = snprintf(url, sizeof(url), "%.*s%s", (int)base.authority_end, offer_url, location);
    } else if (sotto_http_url_parse(location, &loc) == 0) {
        n = snprintf(url, sizeof(url), "%s", location);
    } else {
        return -EINVAL;
    }
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    memcpy(out, url, (size_t)n + 1);
    return 0;
}
