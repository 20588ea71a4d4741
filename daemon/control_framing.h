/* Request framing and validation for the control protocol, apart from the
 * sockets so that tests and fuzzers reach them directly. */
#ifndef SOTTO_DAEMON_CONTROL_FRAMING_H
#define SOTTO_DAEMON_CONTROL_FRAMING_H

#include <jansson.h>
#include <stddef.h>

typedef struct sotto__line_framer {
    char *line;          /* partial line; grows up to max_line */
    size_t len;
    size_t cap;
    size_t max_line;     /* bytes, excluding the newline */
    int discarding;      /* inside an over-long line: drop up to the newline */
} sotto__line_framer;

/* Called once per complete line (without '\n' or a trailing '\r'), or once
 * with too_long = 1 when a line exceeds max_line (its bytes are dropped up
 * to the next newline). Return non-zero to stop feeding. */
typedef int (*sotto__line_cb)(void *opaque, const char *line, size_t len, int too_long);

void sotto__framer_init(sotto__line_framer *f, size_t max_line);
void sotto__framer_clear(sotto__line_framer *f);

/* Returns 0, -ENOMEM, or the callback's non-zero value (feeding stopped). */
int sotto__framer_feed(sotto__line_framer *f, const char *data, size_t len,
                       sotto__line_cb cb, void *opaque);

/* A validated request. cmd and args point into req (one reference, the
 * caller's to release); id is NULL when absent. */
typedef struct sotto__control_request {
    json_t *req;
    json_t *id;
    const char *cmd;
    json_t *args;
} sotto__control_request;

/* Parses one line. On failure returns -EINVAL, sets *out_code to a protocol
 * error code and writes message; *out_id then holds the request's id when
 * one could be read (a new reference, or NULL). */
int sotto__control_parse(const char *line, size_t len, sotto__control_request *out,
                         const char **out_code, json_t **out_id, char *message,
                         size_t msglen);

#endif
