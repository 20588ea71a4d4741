/* Shared by the signal_http test files (one Check suite, one executable):
 * a blocking raw HTTP/1.1 client for a test thread, and the fixture that
 * runs the signalling object on a libuv loop against it. */
#ifndef SOTTO_TESTS_SIGNAL_HTTP_TEST_H
#define SOTTO_TESTS_SIGNAL_HTTP_TEST_H

#include <check.h>
#include <pthread.h>
#include <stddef.h>
#include <uv.h>

#include "net/signal_http.h"

#define OFFER \
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
#define ANSWER \
    "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
#define TOKEN "s3cret-Token_1.x~"
#define MAX_RESULTS 12
#define SECRET_MARK "TOP-SECRET-CONTENT"   /* in files the server must never serve */

/* ---- a blocking HTTP/1.1 client (signal_http_harness.c) ---- */

typedef struct http_result {
    int status;              /* 0: no complete response (closed or timed out) */
    char head[16384];        /* status line and headers, NUL-terminated */
    char body[70000];        /* NUL-terminated */
    size_t body_len;         /* bytes */
} http_result;

/* A connected loopback socket with 5 s send/receive timeouts, or -1. */
int conn_open(unsigned port);
int send_all(int fd, const void *data, size_t len);
/* Value of header name (case-insensitive) copied into out, or NULL. */
const char *find_header(const http_result *res, const char *name, char *out, size_t cap);
/* Reads one response (no_body: to a HEAD). Returns 0 or -1. */
int read_response(int fd, http_result *res, int no_body);
/* 1 when the server closed the connection (EOF or reset) within 5 s. */
int peer_closed(int fd);
/* One request on a fresh connection; returns the connection (or -1). */
int exchange(unsigned port, const char *request, size_t len, http_result *res, int head);
/* The same, closing the connection. */
void exchange_close(unsigned port, const char *request, http_result *res);
/* A POST /v1/calls request with body. */
void post_offer_request(char *buf, size_t cap, const char *extra_headers, const char *body);
/* Fails the test unless res carries the security headers and Cache-Control cache. */
void expect_security_headers(const http_result *res, const char *cache);

/* ---- the fixture (signal_http_harness.c) ---- */

typedef enum answer_mode {
    ANSWER_LATER = 0,   /* answer from a timer */
    FAIL_LATER,         /* fail 503 from a timer */
    NEVER,              /* keep the offer until teardown */
} answer_mode;

typedef struct fixture fixture;
typedef void (*client_fn)(fixture *fx);

struct fixture {
    uv_loop_t loop;
    sotto_signal_http *sig;
    unsigned port;                   /* the server's */
    uv_async_t client_done;          /* the client thread is finished */
    uv_timer_t answer_timer;         /* answers the pending offer */
    sotto_signal_http_offer *pending;
    answer_mode mode;                /* default ANSWER_LATER */
    unsigned answer_delay_ms;        /* default 20 */
    int answer_rc;                   /* last answer/fail result */
    int offers;                      /* on_offer calls */
    char offer[4096];                /* last offer */
    size_t offer_len;                /* bytes */
    int hangups;                     /* on_hangup calls */
    char hangup_id[80];              /* last id */
    int updates;                     /* on_update calls */
    char update_id[80];              /* last PATCHed id */
    char live_call[80];              /* the call id hangup accepts once; default "call-1" */
    client_fn client;
    pthread_t thread;
    http_result res[MAX_RESULTS];    /* written by the client thread */
    int flags[MAX_RESULTS];          /* per-step observations */
    int resp_count;                  /* client API: on_response calls */
    int resp_err;                    /* client API: last err */
    int resp_status;                 /* client API: last status */
    char resp_location[256];
    char resp_body[4096];
    sotto_signal_http_request *req;  /* client API: request in flight */
};

/* A loop and a listening object on 127.0.0.1 port 0 (overrides: other
 * params, or NULL; offer_cb: NULL for the fixture's own). */
fixture *fixture_new(const sotto_signal_http_params *overrides,
                     sotto_signal_http_offer_cb offer_cb);
/* Runs fn in a thread against the server, then tears everything down. */
void run_client(fixture *fx, client_fn fn);
/* Destroys the object (answering any orphan) and closes the fixture's handles. */
void teardown_handles(fixture *fx);
/* Runs the loop until nothing is left on it (uv_stop only pauses it). */
void drain(uv_loop_t *loop);
/* teardown_handles, drain, fixture_free. */
void finish_loop(fixture *fx);
/* Fails the test unless uv_loop_close() succeeds; frees fx. */
void fixture_free(fixture *fx);

/* <tmp>/secret.txt outside the root; <tmp>/www is the root with
 * index.html, app.js, sub/style.css, .hidden, a FIFO, and symbolic links
 * out of the root. dir receives <tmp>. */
void make_static_tree(char *dir, size_t cap);
void remove_static_tree(const char *dir);

/* Test cases of signal_http_units.c. */
void signal_http_add_unit_tests(Suite *s);
void signal_http_add_client_tests(Suite *s);

#endif
