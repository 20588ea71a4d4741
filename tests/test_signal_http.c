/* Unit tests for net/signal_http: the server on a real libuv loop, driven
 * by a raw TCP client in a thread (this file); helpers and the client API
 * (signal_http_units.c); the harness (signal_http_harness.c). Every test
 * that starts a loop ends with uv_loop_close() == 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/signal_http_test.h"

/* ---- server ---- */

static void client_post_offer(fixture *fx)
{
    char req[1024];

    post_offer_request(req, sizeof(req), "", OFFER);
    exchange_close(fx->port, req, &fx->res[0]);
}

START_TEST(http_post_offer_gets_async_answer_201)
{
    fixture *fx = fixture_new(NULL, NULL);
    char v[256];

    run_client(fx, client_post_offer);
    ck_assert_int_eq(fx->offers, 1);
    ck_assert_str_eq(fx->offer, OFFER);
    ck_assert_int_eq(fx->answer_rc, 0);
    ck_assert_int_eq(fx->res[0].status, 201);
    ck_assert_str_eq(fx->res[0].body, ANSWER);
    ck_assert_ptr_nonnull(find_header(&fx->res[0], "location", v, sizeof(v)));
    ck_assert_str_eq(v, "/v1/calls/call-1");
    ck_assert_ptr_nonnull(find_header(&fx->res[0], "content-type", v, sizeof(v)));
    ck_assert_str_eq(v, "application/sdp");
    expect_security_headers(&fx->res[0], "no-store");
    fixture_free(fx);
}
END_TEST

static void client_delete_twice(fixture *fx)
{
    const char *req = "DELETE /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n";
    int fd = conn_open(fx->port);

    /* Both on one keep-alive connection. */
    if (fd < 0)
        return;
    if (send_all(fd, req, strlen(req)) == 0)
        read_response(fd, &fx->res[0], 0);
    if (send_all(fd, req, strlen(req)) == 0)
        read_response(fd, &fx->res[1], 0);
    close(fd);
}

START_TEST(http_delete_call_200_then_404)
{
    fixture *fx = fixture_new(NULL, NULL);

    run_client(fx, client_delete_twice);
    ck_assert_int_eq(fx->hangups, 2);
    ck_assert_str_eq(fx->hangup_id, "call-1");
    ck_assert_int_eq(fx->res[0].status, 200);
    ck_assert_uint_eq(fx->res[0].body_len, 0);
    expect_security_headers(&fx->res[0], "no-store");
    ck_assert_int_eq(fx->res[1].status, 404);
    fixture_free(fx);
}
END_TEST

static void client_token_cases(fixture *fx)
{
    char req[1024];

    post_offer_request(req, sizeof(req), "", OFFER);
    exchange_close(fx->port, req, &fx->res[0]);
    post_offer_request(req, sizeof(req), "Authorization: Bearer wrong\r\n", OFFER);
    exchange_close(fx->port, req, &fx->res[1]);
    post_offer_request(req, sizeof(req), "Authorization: Bearer s3cret-Token_1.x\r\n", OFFER);
    exchange_close(fx->port, req, &fx->res[2]);
    post_offer_request(req, sizeof(req), "Authorization: Basic " TOKEN "\r\n", OFFER);
    exchange_close(fx->port, req, &fx->res[3]);
    exchange_close(fx->port, "OPTIONS /v1/calls HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[4]);
    exchange_close(fx->port, "DELETE /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[5]);
    post_offer_request(req, sizeof(req), "Authorization: Bearer " TOKEN "\r\n", OFFER);
    exchange_close(fx->port, req, &fx->res[6]);
}

static void patch_request(char *buf, size_t cap, const char *id, const char *type,
                          const char *body)
{
    snprintf(buf, cap,
             "PATCH /v1/calls/%s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
             "Content-Length: %zu\r\n\r\n%s",
             id, type, strlen(body), body);
}

static void client_patches(fixture *fx)
{
    char req[1024];

    patch_request(req, sizeof(req), "call-1", "application/sdp", OFFER);
    exchange_close(fx->port, req, &fx->res[0]);
    patch_request(req, sizeof(req), "call-2", "application/sdp", OFFER);
    exchange_close(fx->port, req, &fx->res[1]);
    patch_request(req, sizeof(req), "call-1", "text/plain", OFFER);
    exchange_close(fx->port, req, &fx->res[2]);
    patch_request(req, sizeof(req), "call-1", "application/sdp", "");
    exchange_close(fx->port, req, &fx->res[3]);
    patch_request(req, sizeof(req), "a.b", "application/sdp", OFFER);
    exchange_close(fx->port, req, &fx->res[4]);
    exchange_close(fx->port,
                   "PATCH /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   "application/sdp\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   &fx->res[5]);
    exchange_close(fx->port, "OPTIONS /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n",
                   &fx->res[6]);
}

/* A PATCH of a live call is answered 200 with the new answer; an unknown
 * call is 404 from the daemon; bad type, empty body, bad id and chunked
 * framing never reach it. */
START_TEST(http_patch_call_200_and_bad_input_refused)
{
    fixture *fx = fixture_new(NULL, NULL);
    char v[128];

    run_client(fx, client_patches);
    ck_assert_int_eq(fx->res[0].status, 200);
    ck_assert_str_eq(fx->res[0].body, ANSWER);
    ck_assert_ptr_nonnull(find_header(&fx->res[0], "content-type", v, sizeof(v)));
    ck_assert_str_eq(v, "application/sdp");
    expect_security_headers(&fx->res[0], "no-store");
    ck_assert_str_eq(fx->offer, OFFER);
    ck_assert_int_eq(fx->offers, 0);
    ck_assert_int_eq(fx->res[1].status, 404);
    ck_assert_int_eq(fx->res[2].status, 415);
    ck_assert_int_eq(fx->res[3].status, 400);
    ck_assert_int_eq(fx->res[4].status, 404);
    ck_assert_int_eq(fx->res[5].status, 411);
    ck_assert_int_eq(fx->updates, 2);
    ck_assert_str_eq(fx->update_id, "call-2");
    ck_assert_int_eq(fx->res[6].status, 204);
    ck_assert_ptr_nonnull(find_header(&fx->res[6], "allow", v, sizeof(v)));
    ck_assert_str_eq(v, "PATCH, DELETE, OPTIONS");
    fixture_free(fx);
}
END_TEST

START_TEST(http_token_required_401_then_201)
{
    sotto_signal_http_params p;
    fixture *fx;
    char v[128];

    sotto_signal_http_params_default(&p);
    p.bearer_token = TOKEN;
    fx = fixture_new(&p, NULL);
    run_client(fx, client_token_cases);
    for (int i = 0; i < 6; i++) {
        ck_assert_msg(fx->res[i].status == 401, "case %d: %d", i, fx->res[i].status);
        ck_assert_ptr_nonnull(find_header(&fx->res[i], "www-authenticate", v, sizeof(v)));
        ck_assert_int_eq(strncmp(v, "Bearer", 6), 0);
        expect_security_headers(&fx->res[i], "no-store");
    }
    ck_assert_int_eq(fx->hangups, 0);
    ck_assert_int_eq(fx->offers, 1);
    ck_assert_int_eq(fx->res[6].status, 201);
    ck_assert_str_eq(fx->res[6].body, ANSWER);
    fixture_free(fx);
}
END_TEST

static void client_oversized_body(fixture *fx)
{
    char req[4096], body[2001];
    int fd;

    memset(body, 'a', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    post_offer_request(req, sizeof(req), "", body);
    fd = exchange(fx->port, req, strlen(req), &fx->res[0], 0);
    fx->flags[0] = fd >= 0 && peer_closed(fd);
    if (fd >= 0)
        close(fd);
    /* Exactly at the limit is fine. */
    body[1024] = '\0';
    post_offer_request(req, sizeof(req), "", body);
    exchange_close(fx->port, req, &fx->res[1]);
}

START_TEST(http_body_over_limit_413)
{
    sotto_signal_http_params p;
    fixture *fx;

    sotto_signal_http_params_default(&p);
    p.max_body = 1024;
    fx = fixture_new(&p, NULL);
    run_client(fx, client_oversized_body);
    ck_assert_int_eq(fx->res[0].status, 413);
    ck_assert_int_eq(fx->flags[0], 1);
    expect_security_headers(&fx->res[0], "no-store");
    ck_assert_int_eq(fx->res[1].status, 201);
    ck_assert_int_eq(fx->offers, 1);
    ck_assert_uint_eq(fx->offer_len, 1024);
    fixture_free(fx);
}
END_TEST

static void client_content_types(fixture *fx)
{
    char req[1024];
    const char *plain = "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
                        "Content-Length: 5\r\n\r\nv=0\r\n";
    const char *none = "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nv=0\r\n";
    int fd = conn_open(fx->port);

    /* A refused body is discarded and the connection stays usable. */
    if (fd < 0)
        return;
    if (send_all(fd, plain, strlen(plain)) == 0)
        read_response(fd, &fx->res[0], 0);
    if (send_all(fd, none, strlen(none)) == 0)
        read_response(fd, &fx->res[1], 0);
    snprintf(req, sizeof(req),
             "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: Application/SDP; charset=utf-8"
             "\r\nContent-Length: %zu\r\n\r\n%s", strlen(OFFER), OFFER);
    if (send_all(fd, req, strlen(req)) == 0)
        read_response(fd, &fx->res[2], 0);
    close(fd);
}

START_TEST(http_wrong_content_type_415)
{
    fixture *fx = fixture_new(NULL, NULL);

    run_client(fx, client_content_types);
    ck_assert_int_eq(fx->res[0].status, 415);
    expect_security_headers(&fx->res[0], "no-store");
    ck_assert_int_eq(fx->res[1].status, 415);
    ck_assert_int_eq(fx->res[2].status, 201);
    ck_assert_int_eq(fx->offers, 1);
    fixture_free(fx);
}
END_TEST

static void client_bad_framing(fixture *fx)
{
    static const char chunked[] =
        "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\nv=0\r\n\r\n0\r\n\r\n";
    static const char with_nul[] =
        "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
        "Content-Length: 5\r\n\r\nv=\0\r\n";
    char req[1024];
    int fd;

    fd = exchange(fx->port, chunked, strlen(chunked), &fx->res[0], 0);
    if (fd >= 0)
        close(fd);
    exchange_close(fx->port,
                   "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
                   "Content-Length: 5x\r\n\r\nv=0\r\n", &fx->res[1]);
    snprintf(req, sizeof(req),
             "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
             "Content-Length: 0\r\n\r\n");
    exchange_close(fx->port, req, &fx->res[2]);
    /* A NUL byte inside the offer. */
    fd = exchange(fx->port, with_nul, sizeof(with_nul) - 1, &fx->res[3], 0);
    if (fd >= 0)
        close(fd);
}

START_TEST(http_bad_body_framing_refused)
{
    fixture *fx = fixture_new(NULL, NULL);

    run_client(fx, client_bad_framing);
    ck_assert_int_eq(fx->res[0].status, 411);
    ck_assert_int_eq(fx->res[1].status, 400);
    ck_assert_int_eq(fx->res[2].status, 400);
    ck_assert_int_eq(fx->res[3].status, 400);
    ck_assert_int_eq(fx->offers, 0);
    fixture_free(fx);
}
END_TEST

static void client_routes(fixture *fx)
{
    const char *head = "HEAD /v1/calls HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *options = "OPTIONS /v1/calls HTTP/1.1\r\nHost: x\r\n\r\n";
    int fd;

    exchange_close(fx->port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[0]);
    exchange_close(fx->port, "GET /v1/calls HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[1]);
    exchange_close(fx->port, "PUT /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[2]);
    exchange_close(fx->port, "OPTIONS /v1/calls HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[3]);
    exchange_close(fx->port, "OPTIONS /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[4]);
    exchange_close(fx->port, "DELETE /v1/calls/a.b HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[5]);
    exchange_close(fx->port, "DELETE /v1/calls/ HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[6]);
    exchange_close(fx->port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[7]);
    exchange_close(fx->port, "DELETE /v1/calls/call-1/x HTTP/1.1\r\nHost: x\r\n\r\n",
                   &fx->res[8]);
    /* A HEAD reply has no body, so the next reply on the connection parses. */
    fd = exchange(fx->port, head, strlen(head), &fx->res[9], 1);
    if (fd >= 0 && send_all(fd, options, strlen(options)) == 0)
        read_response(fd, &fx->res[10], 0);
    if (fd >= 0)
        close(fd);
}

START_TEST(http_unknown_path_404_and_wrong_method_405)
{
    fixture *fx = fixture_new(NULL, NULL);
    char v[128];

    run_client(fx, client_routes);
    ck_assert_int_eq(fx->res[0].status, 404);
    expect_security_headers(&fx->res[0], "no-store");
    ck_assert_int_eq(fx->res[1].status, 405);
    ck_assert_ptr_nonnull(find_header(&fx->res[1], "allow", v, sizeof(v)));
    ck_assert_str_eq(v, "POST, OPTIONS");
    ck_assert_int_eq(fx->res[2].status, 405);
    ck_assert_ptr_nonnull(find_header(&fx->res[2], "allow", v, sizeof(v)));
    ck_assert_str_eq(v, "PATCH, DELETE, OPTIONS");
    ck_assert_int_eq(fx->res[3].status, 204);
    ck_assert_ptr_nonnull(find_header(&fx->res[3], "allow", v, sizeof(v)));
    ck_assert_str_eq(v, "POST, OPTIONS");
    ck_assert_ptr_null(find_header(&fx->res[3], "content-length", v, sizeof(v)));
    expect_security_headers(&fx->res[3], "no-store");
    ck_assert_int_eq(fx->res[4].status, 204);
    ck_assert_int_eq(fx->res[5].status, 404);
    ck_assert_int_eq(fx->res[6].status, 404);
    ck_assert_int_eq(fx->res[7].status, 404);    /* no static_dir */
    ck_assert_int_eq(fx->res[8].status, 404);
    ck_assert_int_eq(fx->res[9].status, 405);
    ck_assert_uint_eq(fx->res[9].body_len, 0);
    ck_assert_int_eq(fx->res[10].status, 204);
    ck_assert_int_eq(fx->hangups, 0);
    fixture_free(fx);
}
END_TEST

/* Requests refused before their body is read, each followed on the same
 * connection by another request: the body must be consumed, not taken for
 * the next request, and the server must neither spin nor stall. */
static void client_refused_bodies(fixture *fx)
{
    static const char not_found[] =
        "POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        "GET /nope2 HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char bad_type[] =
        "POST /v1/calls HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        "Content-Length: 4\r\n\r\nv=0\n"
        "DELETE /v1/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char put_head[] =
        "PUT /v1/calls/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n";
    char offer[1024];
    int fd;

    fd = exchange(fx->port, not_found, sizeof(not_found) - 1, &fx->res[0], 0);
    if (fd >= 0) {
        read_response(fd, &fx->res[1], 0);
        close(fd);
    }
    fd = exchange(fx->port, bad_type, sizeof(bad_type) - 1, &fx->res[2], 0);
    if (fd >= 0) {
        read_response(fd, &fx->res[3], 0);
        /* The body's bytes split from its head still do not leak into the
         * next request. */
        post_offer_request(offer, sizeof(offer), "", OFFER);
        send_all(fd, put_head, sizeof(put_head) - 1);
        usleep(50000);
        send_all(fd, "abc", 3);
        read_response(fd, &fx->res[4], 0);
        send_all(fd, offer, strlen(offer));
        read_response(fd, &fx->res[5], 0);
        close(fd);
    }
}

/* The input fuzz_signal_http found: a 404, then a POST whose 21-byte body
 * is followed by stray bytes. libwebsockets used to spin in
 * BODY_COMPLETION; the server now closes that connection. */
static void client_body_completion_spin(fixture *fx)
{
    static const char input[] =
        "DELETE /v3/calls/call-1 HTTP/1.1\r\nHost: x\r\n\r\n"
        "OPTIONS /v2/callsPOST /v1/calls HTTst: x\r\nContent-Type: application/sdp\r\n"
        "Content-Length: 21\r\n\r\nv=0=o-\n\r 1 1 IN %P4 \r\nS /x\r\n\r\n";
    int fd = exchange(fx->port, input, sizeof(input) - 1, &fx->res[6], 0);

    if (fd >= 0) {
        fx->flags[0] = peer_closed(fd);
        close(fd);
    }
    exchange_close(fx->port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[7]);
}

START_TEST(http_stray_bytes_after_a_body_close_the_connection)
{
    fixture *fx = fixture_new(NULL, NULL);

    run_client(fx, client_body_completion_spin);
    ck_assert_int_eq(fx->res[6].status, 404);
    ck_assert_int_eq(fx->flags[0], 1);
    ck_assert_int_eq(fx->res[7].status, 404);
    fixture_free(fx);
}
END_TEST

START_TEST(http_refused_body_is_consumed_before_the_next_request)
{
    fixture *fx = fixture_new(NULL, NULL);

    run_client(fx, client_refused_bodies);
    ck_assert_int_eq(fx->res[0].status, 404);
    ck_assert_int_eq(fx->res[1].status, 404);
    ck_assert_int_eq(fx->res[2].status, 415);
    ck_assert_int_eq(fx->res[3].status, 200);
    ck_assert_int_eq(fx->res[4].status, 405);
    ck_assert_int_eq(fx->res[5].status, 201);
    ck_assert_int_eq(fx->hangups, 1);
    ck_assert_int_eq(fx->offers, 1);
    fixture_free(fx);
}
END_TEST

static void client_static(fixture *fx)
{
    exchange_close(fx->port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[0]);
    exchange_close(fx->port, "GET /static/app.js HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[1]);
    exchange_close(fx->port, "HEAD /static/sub/style.css HTTP/1.1\r\nHost: x\r\n\r\n",
                   &fx->res[2]);
    exchange_close(fx->port, "POST /static/app.js HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[3]);
    exchange_close(fx->port, "GET /static/app.js?v=2 HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[4]);
}

START_TEST(http_static_file_served_with_security_headers)
{
    sotto_signal_http_params p;
    char dir[256], root[300], v[128];
    fixture *fx;

    make_static_tree(dir, sizeof(dir));
    snprintf(root, sizeof(root), "%s/www", dir);
    sotto_signal_http_params_default(&p);
    p.static_dir = root;
    fx = fixture_new(&p, NULL);
    run_client(fx, client_static);
    ck_assert_int_eq(fx->res[0].status, 200);
    ck_assert_ptr_nonnull(strstr(fx->res[0].body, "<script src=\"/static/app.js\">"));
    ck_assert_ptr_nonnull(find_header(&fx->res[0], "content-type", v, sizeof(v)));
    ck_assert_str_eq(v, "text/html; charset=utf-8");
    expect_security_headers(&fx->res[0], "max-age=300");
    ck_assert_int_eq(fx->res[1].status, 200);
    ck_assert_str_eq(fx->res[1].body, "console.log('sotto');\n");
    ck_assert_ptr_nonnull(find_header(&fx->res[1], "content-type", v, sizeof(v)));
    ck_assert_str_eq(v, "text/javascript; charset=utf-8");
    expect_security_headers(&fx->res[1], "max-age=300");
    ck_assert_int_eq(fx->res[2].status, 200);
    ck_assert_ptr_nonnull(find_header(&fx->res[2], "content-length", v, sizeof(v)));
    ck_assert_str_eq(v, "7");
    ck_assert_uint_eq(fx->res[2].body_len, 0);
    ck_assert_int_eq(fx->res[3].status, 405);
    ck_assert_ptr_nonnull(find_header(&fx->res[3], "allow", v, sizeof(v)));
    ck_assert_str_eq(v, "GET, HEAD, OPTIONS");
    ck_assert_int_eq(fx->res[4].status, 200);
    fixture_free(fx);
    remove_static_tree(dir);
}
END_TEST

static void client_traversal(fixture *fx)
{
    static const char *const paths[] = {
        "/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/..%2fsecret.txt",
        "/static/link.txt", "/static/uplink/secret.txt", "/static/.hidden",
        "/static/sub", "/static/fifo", "/../secret.txt", "/static//etc/passwd",
        "/static/%00app.js", "/static/sub/%2e%2e/%2e%2e/secret.txt",
    };
    char req[256];

    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && i < MAX_RESULTS; i++) {
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", paths[i]);
        exchange_close(fx->port, req, &fx->res[i]);
        fx->flags[i] = 1;
    }
}

START_TEST(http_static_refuses_traversal_and_symlinks)
{
    sotto_signal_http_params p;
    char dir[256], root[300];
    fixture *fx;

    make_static_tree(dir, sizeof(dir));
    snprintf(root, sizeof(root), "%s/www", dir);
    sotto_signal_http_params_default(&p);
    p.static_dir = root;
    fx = fixture_new(&p, NULL);
    run_client(fx, client_traversal);
    for (int i = 0; i < MAX_RESULTS; i++) {
        if (!fx->flags[i])
            continue;
        ck_assert_msg(fx->res[i].status == 0 || fx->res[i].status == 400
                          || fx->res[i].status == 403 || fx->res[i].status == 404,
                      "path %d answered %d", i, fx->res[i].status);
        ck_assert_ptr_null(strstr(fx->res[i].body, SECRET_MARK));
    }
    fixture_free(fx);
    remove_static_tree(dir);
}
END_TEST

static void client_garbage(fixture *fx)
{
    static const char garbage[] = "\x16\x03\x01\x00\xff garbage \x00\x01\r\n\r\n";
    static const char upgrade[] =
        "GET /x HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    static const char brew[] = "BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n";
    char *big = malloc(12000);
    int fd;

    /* libwebsockets answers what it cannot parse with 403 (400 would do). */
    fd = exchange(fx->port, garbage, sizeof(garbage) - 1, &fx->res[0], 0);
    fx->flags[0] = fd >= 0 && (fx->res[0].status == 400 || fx->res[0].status == 403
                               || (fx->res[0].status == 0 && peer_closed(fd)));
    if (fd >= 0)
        close(fd);
    if (big) {
        int n = snprintf(big, 12000, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
        memset(big + n, 'a', 12000 - (size_t)n - 5);
        memcpy(big + 12000 - 5, "\r\n\r\n", 5);
        fd = exchange(fx->port, big, strlen(big), &fx->res[1], 0);
        fx->flags[1] = fd >= 0 && (fx->res[1].status == 400 || fx->res[1].status == 431
                                   || (fx->res[1].status == 0 && peer_closed(fd)));
        if (fd >= 0)
            close(fd);
        free(big);
    }
    fd = exchange(fx->port, upgrade, strlen(upgrade), &fx->res[2], 0);
    fx->flags[2] = fd >= 0 && fx->res[2].status != 101;
    if (fd >= 0)
        close(fd);
    fd = exchange(fx->port, brew, strlen(brew), &fx->res[3], 0);
    fx->flags[3] = fd >= 0 && fx->res[3].status != 200 && fx->res[3].status != 201;
    if (fd >= 0)
        close(fd);
    /* Still serving. */
    exchange_close(fx->port, "OPTIONS /v1/calls HTTP/1.1\r\nHost: x\r\n\r\n", &fx->res[4]);
}

START_TEST(http_garbage_and_oversized_headers_refused_server_survives)
{
    fixture *fx = fixture_new(NULL, NULL);

    run_client(fx, client_garbage);
    ck_assert_int_eq(fx->flags[0], 1);
    if (fx->res[0].status != 0)    /* written by libwebsockets: still our headers */
        expect_security_headers(&fx->res[0], "no-store");
    ck_assert_int_eq(fx->flags[1], 1);
    ck_assert_int_eq(fx->flags[2], 1);
    ck_assert_int_eq(fx->flags[3], 1);
    ck_assert_int_eq(fx->res[4].status, 204);
    ck_assert_int_eq(fx->offers, 0);
    fixture_free(fx);
}
END_TEST

START_TEST(http_fail_sends_status_and_reason)
{
    fixture *fx = fixture_new(NULL, NULL);

    fx->mode = FAIL_LATER;
    run_client(fx, client_post_offer);
    ck_assert_int_eq(fx->answer_rc, 0);
    ck_assert_int_eq(fx->res[0].status, 503);
    ck_assert_str_eq(fx->res[0].body, "busy, try later\n");
    expect_security_headers(&fx->res[0], "no-store");
    fixture_free(fx);
}
END_TEST

static void client_post_then_leave(fixture *fx)
{
    char req[1024];
    int fd = conn_open(fx->port);

    post_offer_request(req, sizeof(req), "", OFFER);
    if (fd >= 0 && send_all(fd, req, strlen(req)) == 0) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);    /* the offer reaches the daemon */
    }
    if (fd >= 0)
        close(fd);
    {
        struct timespec ts = {0, 900 * 1000 * 1000};
        nanosleep(&ts, NULL);    /* the answer timer fires after the close */
    }
}

START_TEST(http_answer_after_client_left_is_enotconn)
{
    fixture *fx = fixture_new(NULL, NULL);

    fx->answer_delay_ms = 500;
    run_client(fx, client_post_then_leave);
    ck_assert_int_eq(fx->offers, 1);
    ck_assert_ptr_null(fx->pending);
    ck_assert_int_eq(fx->answer_rc, -ENOTCONN);
    fixture_free(fx);
}
END_TEST

/* Posts an offer and returns with the connection still open (its fd in
 * flags[0]), so that teardown destroys the object under it. */
static void client_post_and_stay(fixture *fx)
{
    char req[1024];
    struct timespec ts = {0, 200 * 1000 * 1000};
    int fd = conn_open(fx->port);

    fx->flags[0] = fd;
    post_offer_request(req, sizeof(req), "", OFFER);
    if (fd >= 0 && send_all(fd, req, strlen(req)) == 0)
        nanosleep(&ts, NULL);    /* the offer reaches the daemon */
}

START_TEST(http_pending_offer_orphaned_by_destroy)
{
    fixture *fx = fixture_new(NULL, NULL);

    fx->mode = NEVER;
    run_client(fx, client_post_and_stay);
    ck_assert_int_ge(fx->flags[0], 0);
    ck_assert_int_eq(fx->offers, 1);
    /* Teardown answered the offer after destroy: an orphan, only freed. */
    ck_assert_ptr_null(fx->pending);
    ck_assert_int_eq(fx->answer_rc, -ENOTCONN);
    /* The loop has run the teardown: the client's connection was dropped. */
    ck_assert_int_eq(peer_closed(fx->flags[0]), 1);
    close(fx->flags[0]);
    fixture_free(fx);
}
END_TEST

/* Offer handles before they are consumed: built by a server, answered with
 * bad arguments (kept), then failed properly. */
static void on_offer_check_args(void *opaque, sotto_signal_http_offer *offer, const char *sdp,
                                size_t len)
{
    fixture *fx = opaque;
    char big[SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY + 2];

    (void)sdp;
    (void)len;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    fx->flags[10] = sotto_signal_http_answer(&offer, ANSWER, "bad/id") == -EINVAL
                    && sotto_signal_http_answer(&offer, "", "ok") == -EINVAL
                    && sotto_signal_http_answer(&offer, big, "ok") == -EINVAL
                    && sotto_signal_http_answer(&offer, NULL, "ok") == -EINVAL
                    && sotto_signal_http_fail(&offer, 200, NULL) == -EINVAL
                    && sotto_signal_http_fail(&offer, 600, NULL) == -EINVAL
                    && sotto_signal_http_fail(&offer, 500, "bad\nreason") == -EINVAL
                    && offer != NULL;
    fx->answer_rc = sotto_signal_http_fail(&offer, 488, NULL);
    fx->flags[11] = offer == NULL;
}

START_TEST(http_bad_answer_arguments_keep_the_offer)
{
    fixture *fx = fixture_new(NULL, on_offer_check_args);
    sotto_signal_http_offer *none = NULL;

    run_client(fx, client_post_offer);
    ck_assert_int_eq(fx->flags[10], 1);
    ck_assert_int_eq(fx->flags[11], 1);
    ck_assert_int_eq(fx->answer_rc, 0);
    ck_assert_int_eq(fx->res[0].status, 488);
    ck_assert_int_eq(sotto_signal_http_answer(NULL, ANSWER, "a"), -EINVAL);
    ck_assert_int_eq(sotto_signal_http_answer(&none, ANSWER, "a"), -EINVAL);
    ck_assert_int_eq(sotto_signal_http_fail(&none, 500, NULL), -EINVAL);
    fixture_free(fx);
}
END_TEST

START_TEST(http_unanswered_offer_gets_504)
{
    sotto_signal_http_params p;
    fixture *fx;

    sotto_signal_http_params_default(&p);
    p.answer_timeout_ms = 200;
    fx = fixture_new(&p, NULL);
    fx->mode = NEVER;
    run_client(fx, client_post_offer);
    ck_assert_int_eq(fx->offers, 1);
    ck_assert_int_eq(fx->res[0].status, 504);
    expect_security_headers(&fx->res[0], "no-store");
    /* The handle was an orphan by the time teardown answered it. */
    ck_assert_int_eq(fx->answer_rc, -ENOTCONN);
    fixture_free(fx);
}
END_TEST

static void refuse_offer(void *opaque, sotto_signal_http_offer *offer, const char *sdp,
                         size_t len)
{
    (void)opaque;
    (void)sdp;
    (void)len;
    sotto_signal_http_fail(&offer, 503, NULL);
}

static int no_such_call(void *opaque, const char *call_id)
{
    (void)opaque;
    (void)call_id;
    return -ENOENT;
}

static void stop_loop_soon(uv_timer_t *t)
{
    uv_close((uv_handle_t *)t, NULL);
}

START_TEST(http_create_rejects_bad_params)
{
    sotto_signal_http_params p;
    sotto_signal_http *sig = NULL, *second = NULL;
    uv_loop_t loop;
    uv_timer_t t;
    char err[256], big_token[SOTTO_SIGNAL_HTTP_MAX_TOKEN + 2];
    unsigned port = 0;

    ck_assert_int_eq(uv_loop_init(&loop), 0);
    sotto_signal_http_params_default(&p);
    p.on_offer = refuse_offer;
    p.on_hangup = no_such_call;
    ck_assert_int_eq(sotto_signal_http_create(NULL, &loop, &p, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_signal_http_create(&sig, NULL, &p, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, NULL, err, sizeof(err)), -EINVAL);
    p.bind_address = "localhost";
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "numeric"));
    p.bind_address = "127.0.0.1";
    p.port = 70000;
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -EINVAL);
    p.port = 0;
    p.bearer_token = "has space";
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -EINVAL);
    memset(big_token, 'a', sizeof(big_token) - 1);
    big_token[sizeof(big_token) - 1] = '\0';
    p.bearer_token = big_token;
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -EINVAL);
    p.bearer_token = NULL;
    p.max_body = 1u << 30;
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -EINVAL);
    p.max_body = 0;
    p.static_dir = "/nonexistent-sotto-dir";
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -ENOENT);
    p.static_dir = NULL;
    p.on_hangup = NULL;
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), -EINVAL);
    p.on_hangup = no_such_call;
    ck_assert_ptr_null(sig);

    /* The same port twice. */
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_signal_http_port(sig, &port), 0);
    p.port = port;
    ck_assert_int_eq(sotto_signal_http_create(&second, &loop, &p, err, sizeof(err)),
                     -EADDRINUSE);
    ck_assert_ptr_null(second);
    ck_assert_int_eq(sotto_signal_http_port(NULL, &port), -EINVAL);
    sotto_signal_http_destroy(&sig);
    ck_assert_ptr_null(sig);
    sotto_signal_http_destroy(&sig);
    sotto_signal_http_destroy(NULL);

    /* IPv6 loopback, when the host has it. */
    p.port = 0;
    p.bind_address = "::1";
    if (sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)) == 0)
        sotto_signal_http_destroy(&sig);

    /* Client only: no port. */
    memset(&p, 0, sizeof(p));
    ck_assert_int_eq(sotto_signal_http_create(&sig, &loop, &p, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_signal_http_port(sig, &port), -ENOTCONN);
    sotto_signal_http_destroy(&sig);

    uv_timer_init(&loop, &t);
    uv_timer_start(&t, stop_loop_soon, 10, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

static Suite *signal_http_suite(void)
{
    Suite *s = suite_create("signal_http");
    TCase *server = tcase_create("server");

    signal_http_add_unit_tests(s);
    tcase_set_timeout(server, 30);
    tcase_add_test(server, http_post_offer_gets_async_answer_201);
    tcase_add_test(server, http_delete_call_200_then_404);
    tcase_add_test(server, http_patch_call_200_and_bad_input_refused);
    tcase_add_test(server, http_token_required_401_then_201);
    tcase_add_test(server, http_body_over_limit_413);
    tcase_add_test(server, http_wrong_content_type_415);
    tcase_add_test(server, http_bad_body_framing_refused);
    tcase_add_test(server, http_unknown_path_404_and_wrong_method_405);
    tcase_add_test(server, http_refused_body_is_consumed_before_the_next_request);
    tcase_add_test(server, http_stray_bytes_after_a_body_close_the_connection);
    tcase_add_test(server, http_static_file_served_with_security_headers);
    tcase_add_test(server, http_static_refuses_traversal_and_symlinks);
    tcase_add_test(server, http_garbage_and_oversized_headers_refused_server_survives);
    tcase_add_test(server, http_fail_sends_status_and_reason);
    tcase_add_test(server, http_answer_after_client_left_is_enotconn);
    tcase_add_test(server, http_pending_offer_orphaned_by_destroy);
    tcase_add_test(server, http_bad_answer_arguments_keep_the_offer);
    tcase_add_test(server, http_unanswered_offer_gets_504);
    tcase_add_test(server, http_create_rejects_bad_params);
    suite_add_tcase(s, server);
    signal_http_add_client_tests(s);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    sotto_signal_http_library_log(0);    /* the refusals tested here are expected */
    sr = srunner_create(signal_http_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
