#include "daemon/control_framing.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sotto__framer_init(sotto__line_framer *f, size_t max_line)
{
    memset(f, 0, sizeof(*f));
    f->max_line = max_line;
}

void sotto__framer_clear(sotto__line_framer *f)
{
    free(f->line);
    memset(f, 0, sizeof(*f));
}

static int append(sotto__line_framer *f, const char *data, size_t n)
{
    if (f->len + n > f->cap) {
        /* Grow geometrically but never beyond the limit. */
        size_t cap = f->cap ? f->cap * 2 : 256;
        char *grown;
        while (cap < f->len + n)
            cap *= 2;
        if (cap > f->max_line)
            cap = f->max_line;
        grown = realloc(f->line, cap);
        if (!grown)
            return -ENOMEM;
        f->line = grown;
        f->cap = cap;
    }
    memcpy(f->line + f->len, data, n);
    f->len += n;
    return 0;
}

int sotto__framer_feed(sotto__line_framer *f, const char *data, size_t len,
                       sotto__line_cb cb, void *opaque)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t part = nl ? (size_t)(nl - data) : len;
        int rc;

        if (!f->discarding && f->len + part > f->max_line) {
            f->discarding = 1;
            f->len = 0;
            rc = cb(opaque, NULL, 0, 1);
            if (rc)
                return rc;
        }
        if (!f->discarding && part > 0 && append(f, data, part) < 0)
            return -ENOMEM;
        if (!nl)
            return 0;
        if (!f->discarding) {
            size_t n = f->len;
            /* Tolerate CRLF from people typing into a terminal. */
            if (n > 0 && f->line[n - 1] == '\r')
                n--;
            f->len = 0;
            rc = n > 0 ? cb(opaque, f->line, n, 0) : 0;
            if (rc)
                return rc;
        }
        f->discarding = 0;
        f->len = 0;
        data += part + 1;
        len -= part + 1;
    }
    return 0;
}

static int reject(const char **out_code, const char *code, char *message, size_t msglen,
                  const char *text)
{
    *out_code = code;
    snprintf(message, msglen, "%s", text);
    return -EINVAL;
}

int sotto__control_parse(const char *line, size_t len, sotto__control_request *out,
                         const char **out_code, json_t **out_id, char *message, size_t msglen)
{
    json_error_t error;
    json_t *req, *id, *cmd, *args;

    *out_id = NULL;
    req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
    if (!req) {
        *out_code = "bad-json";
        snprintf(message, msglen, "invalid JSON at column %d: %s", error.column, error.text);
        return -EINVAL;
    }
    if (!json_is_object(req)) {
        json_decref(req);
        return reject(out_code, "bad-request", message, msglen,
                      "a request must be a JSON object");
    }
    id = json_object_get(req, "id");
    if (id && !json_is_integer(id) && !json_is_string(id)) {
        json_decref(req);
        return reject(out_code, "bad-request", message, msglen,
                      "\"id\" must be an integer or a string");
    }
    *out_id = json_incref(id);
    cmd = json_object_get(req, "cmd");
    args = json_object_get(req, "args");
    if (!json_is_string(cmd) || (args && !json_is_object(args))) {
        const char *why = json_is_string(cmd) ? "\"args\" must be an object"
                                              : "\"cmd\" must be a string";
        json_decref(req);
        return reject(out_code, "bad-request", message, msglen, why);
    }
    out->req = req;
    out->id = id;
    out->cmd = json_string_value(cmd);
    out->args = args;
    json_decref(*out_id);
    *out_id = NULL;
    return 0;
}
