/* signal_http tests without a client thread: the header, URL and file
 * helpers, and the client API talking to the server on the same loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "net/signal_http_internal.h"
#include "tests/signal_http_test.h"

/* ---- helpers ---- */

START_TEST(is_loopback_recognises_ipv4_ipv6_and_mapped)
{
    static const struct {
        const char *addr;
        int loopback;
    } cases[] = {
        {"127.0.0.1", 1}, {"127.255.3.4", 1}, {"128.0.0.1", 0}, {"10.0.0.1", 0},
        {"0.0.0.0", 0}, {"126.255.255.255", 0}, {"::1", 1}, {"::", 0}, {"::2", 0},
        {"::ffff:127.0.0.1", 1}, {"::ffff:127.9.9.9", 1}, {"::ffff:10.0.0.1", 0},
        {"fe80::1", 0}, {"2001:db8::1", 0}, {"::127.0.0.1", 0},
    };
    struct sockaddr_un un;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        memset(&ss, 0, sizeof(ss));
        if (strchr(cases[i].addr, ':')) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
            s6->sin6_family = AF_INET6;
            ck_assert_int_eq(inet_pton(AF_INET6, cases[i].addr, &s6->sin6_addr), 1);
            len = sizeof(*s6);
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
            s4->sin_family = AF_INET;
            ck_assert_int_eq(inet_pton(AF_INET, cases[i].addr, &s4->sin_addr), 1);
            len = sizeof(*s4);
        }
        ck_assert_msg(sotto_signal_http_is_loopback((struct sockaddr *)&ss, len)
                          == cases[i].loopback, "%s", cases[i].addr);
        /* A truncated address is never loopback. */
        ck_assert_int_eq(sotto_signal_http_is_loopback((struct sockaddr *)&ss, len - 1), 0);
    }
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    ck_assert_int_eq(sotto_signal_http_is_loopback((struct sockaddr *)&un, sizeof(un)), 0);
    ck_assert_int_eq(sotto_signal_http_is_loopback(NULL, 16), 0);
}
END_TEST

START_TEST(media_type_matching)
{
    ck_assert_int_eq(sotto_http_media_type_is("application/sdp", 15, "application/sdp"), 1);
    ck_assert_int_eq(sotto_http_media_type_is(" Application/SDP ; charset=utf-8", 32,
                                              "application/sdp"), 1);
    ck_assert_int_eq(sotto_http_media_type_is("application/sdpx", 16, "application/sdp"), 0);
    ck_assert_int_eq(sotto_http_media_type_is("application/sd", 14, "application/sdp"), 0);
    ck_assert_int_eq(sotto_http_media_type_is("text/plain", 10, "application/sdp"), 0);
    ck_assert_int_eq(sotto_http_media_type_is("", 0, "application/sdp"), 0);
    ck_assert_int_eq(sotto_http_media_type_is(NULL, 0, "application/sdp"), 0);
}
END_TEST

START_TEST(bearer_matching_is_exact)
{
    const char *t = TOKEN;
    size_t n = strlen(t);
    char big[600];

    ck_assert_int_eq(sotto_http_bearer_matches("Bearer " TOKEN, 7 + n, t, n), 1);
    ck_assert_int_eq(sotto_http_bearer_matches("bearer   " TOKEN "  ", 11 + n, t, n), 1);
    ck_assert_int_eq(sotto_http_bearer_matches("Bearer " TOKEN "x", 8 + n, t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches("Bearer s3cret", 13, t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches("Basic " TOKEN, 6 + n, t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches("Bearer", 6, t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches("Bearer ", 7, t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches(TOKEN, n, t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches("BearerX" TOKEN, 7 + n, t, n), 0);
    memset(big, 'a', sizeof(big));
    memcpy(big, "Bearer ", 7);
    ck_assert_int_eq(sotto_http_bearer_matches(big, sizeof(big), t, n), 0);
    ck_assert_int_eq(sotto_http_bearer_matches("Bearer a", 8, "a", 1), 1);
    ck_assert_int_eq(sotto_http_bearer_matches("Bearer a", 8, "", 0), 0);
}
END_TEST

START_TEST(token_and_call_id_validation)
{
    char long_token[SOTTO_SIGNAL_HTTP_MAX_TOKEN + 2];

    ck_assert_int_eq(sotto_http_token_valid(TOKEN), 1);
    ck_assert_int_eq(sotto_http_token_valid("abc+/=="), 1);
    ck_assert_int_eq(sotto_http_token_valid("ab=c"), 0);
    ck_assert_int_eq(sotto_http_token_valid("=="), 0);
    ck_assert_int_eq(sotto_http_token_valid("a b"), 0);
    ck_assert_int_eq(sotto_http_token_valid("a\"b"), 0);
    ck_assert_int_eq(sotto_http_token_valid(""), 0);
    memset(long_token, 'a', sizeof(long_token));
    long_token[SOTTO_SIGNAL_HTTP_MAX_TOKEN] = '\0';
    ck_assert_int_eq(sotto_http_token_valid(long_token), 1);
    long_token[SOTTO_SIGNAL_HTTP_MAX_TOKEN] = 'a';
    long_token[SOTTO_SIGNAL_HTTP_MAX_TOKEN + 1] = '\0';
    ck_assert_int_eq(sotto_http_token_valid(long_token), 0);

    ck_assert_int_eq(sotto_http_call_id_valid("call-1_X"), 1);
    ck_assert_int_eq(sotto_http_call_id_valid(""), 0);
    ck_assert_int_eq(sotto_http_call_id_valid("a/b"), 0);
    ck_assert_int_eq(sotto_http_call_id_valid(".."), 0);
    ck_assert_int_eq(sotto_http_call_id_valid("a b"), 0);
    ck_assert_int_eq(sotto_http_call_id_valid(NULL), 0);
    ck_assert_int_eq(sotto_http_call_id_valid(
                         "0123456789012345678901234567890123456789012345678901234567890123"), 1);
    ck_assert_int_eq(sotto_http_call_id_valid(
                         "01234567890123456789012345678901234567890123456789012345678901234"), 0);
}
END_TEST

START_TEST(content_length_parsing)
{
    uint64_t v = 7;

    ck_assert_int_eq(sotto_http_parse_length("0", 1, &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(sotto_http_parse_length("65536", 5, &v), 0);
    ck_assert_uint_eq(v, 65536);
    v = 7;
    ck_assert_int_eq(sotto_http_parse_length("", 0, &v), -EINVAL);
    ck_assert_int_eq(sotto_http_parse_length("-1", 2, &v), -EINVAL);
    ck_assert_int_eq(sotto_http_parse_length("+1", 2, &v), -EINVAL);
    ck_assert_int_eq(sotto_http_parse_length(" 1", 2, &v), -EINVAL);
    ck_assert_int_eq(sotto_http_parse_length("1,1", 3, &v), -EINVAL);
    ck_assert_int_eq(sotto_http_parse_length("0x10", 4, &v), -EINVAL);
    ck_assert_int_eq(sotto_http_parse_length("99999999999999999999", 20, &v), -ERANGE);
    ck_assert_int_eq(sotto_http_parse_length("9999999999999999", 16, &v), -ERANGE);
    ck_assert_uint_eq(v, 7);
}
END_TEST

START_TEST(url_parsing)
{
    sotto_http_url u;
    char long_url[SOTTO_SIGNAL_HTTP_MAX_URL + 16];

    ck_assert_int_eq(sotto_http_url_parse("http://example.net:8443/v1/calls", &u), 0);
    ck_assert_str_eq(u.host, "example.net");
    ck_assert_uint_eq(u.port, 8443);
    ck_assert_str_eq(u.path, "/v1/calls");
    ck_assert_uint_eq(u.authority_end, 23);
    ck_assert_int_eq(sotto_http_url_parse("HTTP://10.1.2.3/v1/calls", &u), 0);
    ck_assert_str_eq(u.host, "10.1.2.3");
    ck_assert_uint_eq(u.port, 80);
    ck_assert_int_eq(sotto_http_url_parse("http://[::1]:9000", &u), 0);
    ck_assert_str_eq(u.host, "::1");
    ck_assert_int_eq(u.host_is_ipv6, 1);
    ck_assert_str_eq(u.path, "/");
    ck_assert_int_eq(sotto_http_url_parse("https://example.net/", &u), -ENOTSUP);
    ck_assert_int_eq(sotto_http_url_parse("ftp://example.net/", &u), -ENOTSUP);
    ck_assert_int_eq(sotto_http_url_parse("example.net/v1/calls", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://user@host/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host:0/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host:65536/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host:123456/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host:/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host/a b", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host/a#frag", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://[::1/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://[zz::1]/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://.host/", &u), -EINVAL);
    ck_assert_int_eq(sotto_http_url_parse("http://host?x=1", &u), -EINVAL);
    memset(long_url, 'a', sizeof(long_url));
    memcpy(long_url, "http://h/", 9);
    long_url[sizeof(long_url) - 1] = '\0';
    ck_assert_int_eq(sotto_http_url_parse(long_url, &u), -EINVAL);
}
END_TEST

START_TEST(call_url_from_location)
{
    char out[256];

    ck_assert_int_eq(sotto_signal_http_call_url("http://h:81/v1/calls", "/v1/calls/abc", out,
                                                sizeof(out)), 0);
    ck_assert_str_eq(out, "http://h:81/v1/calls/abc");
    ck_assert_int_eq(sotto_signal_http_call_url("http://[::1]:81/v1/calls", "/v1/calls/abc",
                                                out, sizeof(out)), 0);
    ck_assert_str_eq(out, "http://[::1]:81/v1/calls/abc");
    ck_assert_int_eq(sotto_signal_http_call_url("http://h/v1/calls", "http://o:9/v1/calls/z",
                                                out, sizeof(out)), 0);
    ck_assert_str_eq(out, "http://o:9/v1/calls/z");
    ck_assert_int_eq(sotto_signal_http_call_url("http://h/v1/calls", "//evil/x", out,
                                                sizeof(out)), -EINVAL);
    ck_assert_int_eq(sotto_signal_http_call_url("http://h/v1/calls", "abc", out, sizeof(out)),
                     -EINVAL);
    ck_assert_int_eq(sotto_signal_http_call_url("http://h/v1/calls", "", out, sizeof(out)),
                     -EINVAL);
    ck_assert_int_eq(sotto_signal_http_call_url("http://h/v1/calls", "/a b", out, sizeof(out)),
                     -EINVAL);
    snprintf(out, sizeof(out), "untouched");
    ck_assert_int_eq(sotto_signal_http_call_url("http://h/v1/calls", "/v1/calls/abc", out, 10),
                     -ENOSPC);
    ck_assert_str_eq(out, "untouched");
}
END_TEST

START_TEST(content_types_by_extension)
{
    ck_assert_str_eq(sotto_http_content_type("index.html"), "text/html; charset=utf-8");
    ck_assert_str_eq(sotto_http_content_type("app.JS"), "text/javascript; charset=utf-8");
    ck_assert_str_eq(sotto_http_content_type("a.b.css"), "text/css; charset=utf-8");
    ck_assert_str_eq(sotto_http_content_type("x.wasm"), "application/wasm");
    ck_assert_str_eq(sotto_http_content_type("noext"), "application/octet-stream");
    ck_assert_str_eq(sotto_http_content_type("x.exe"), "application/octet-stream");
    ck_assert_str_eq(sotto_http_content_type(NULL), "application/octet-stream");
}
END_TEST

START_TEST(open_static_walks_safely)
{
    char dir[256], root[300];
    static const char *const refused[] = {
        "../secret.txt", "link.txt", "uplink/secret.txt", ".hidden", "sub", "sub/", "",
        "fifo", "sub//style.css", "a/b/c/d/e/f/g/h/i", "bad name", "nope.txt", "sub/../app.js",
    };
    uint64_t size = 0;
    int root_fd, fd = -1;

    make_static_tree(dir, sizeof(dir));
    snprintf(root, sizeof(root), "%s/www", dir);
    root_fd = open(root, O_RDONLY | O_DIRECTORY);
    ck_assert_int_ge(root_fd, 0);
    ck_assert_int_eq(sotto_http_open_static(root_fd, "app.js", 1 << 20, &fd, &size), 0);
    ck_assert_uint_eq(size, strlen("console.log('sotto');\n"));
    close(fd);
    ck_assert_int_eq(sotto_http_open_static(root_fd, "sub/style.css", 1 << 20, &fd, &size), 0);
    close(fd);
    ck_assert_int_eq(sotto_http_open_static(root_fd, "app.js", 4, &fd, &size), -EFBIG);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        fd = -1;
        ck_assert_msg(sotto_http_open_static(root_fd, refused[i], 1 << 20, &fd, &size) < 0,
                      "\"%s\" was opened", refused[i]);
        ck_assert_int_eq(fd, -1);
    }
    close(root_fd);
    remove_static_tree(dir);
}
END_TEST

/* ---- client ---- */

static void on_response(void *opaque, int err, const sotto_signal_http_response *resp,
                        const char *reason)
{
    fixture *fx = opaque;

    fx->resp_count++;
    fx->resp_err = err;
    fx->req = NULL;
    if (err == 0) {
        fx->resp_status = resp->status;
        snprintf(fx->resp_location, sizeof(fx->resp_location), "%s", resp->location);
        snprintf(fx->resp_body, sizeof(fx->resp_body), "%s", resp->body);
    } else {
        ck_assert_ptr_null(resp);
        ck_assert_ptr_nonnull(reason);
    }
    uv_stop(&fx->loop);
}

/* Starts a request and runs the loop until its response. */
static void client_round(fixture *fx, const char *method, const char *url, const char *token,
                         unsigned timeout_ms)
{
    sotto_signal_http_client_params cp;
    char err[256] = "";
    int rc;

    memset(&cp, 0, sizeof(cp));
    cp.url = url;
    cp.bearer_token = token;
    cp.timeout_ms = timeout_ms;
    cp.on_response = on_response;
    cp.opaque = fx;
    fx->resp_count = 0;
    if (strcmp(method, "POST") == 0)
        rc = sotto_signal_http_post_offer(&fx->req, fx->sig, &cp, OFFER, err, sizeof(err));
    else if (strcmp(method, "PATCH") == 0)
        rc = sotto_signal_http_patch_call(&fx->req, fx->sig, &cp, OFFER, err, sizeof(err));
    else
        rc = sotto_signal_http_delete_call(&fx->req, fx->sig, &cp, err, sizeof(err));
    ck_assert_msg(rc == 0, "start: %s", err);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(fx->resp_count, 1);
}

START_TEST(client_post_offer_and_delete_round_trip)
{
    sotto_signal_http_params p;
    fixture *fx;
    char url[128], call_url[256];

    sotto_signal_http_params_default(&p);
    p.bearer_token = TOKEN;
    fx = fixture_new(&p, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/calls", fx->port);
    client_round(fx, "POST", url, TOKEN, 5000);
    ck_assert_int_eq(fx->resp_err, 0);
    ck_assert_int_eq(fx->resp_status, 201);
    ck_assert_str_eq(fx->resp_body, ANSWER);
    ck_assert_str_eq(fx->offer, OFFER);
    ck_assert_str_eq(fx->resp_location, "/v1/calls/call-1");
    ck_assert_int_eq(sotto_signal_http_call_url(url, fx->resp_location, call_url,
                                                sizeof(call_url)), 0);
    /* An ICE restart's new offer on the call URL: 200 with the answer. */
    fx->resp_body[0] = '\0';
    client_round(fx, "PATCH", call_url, TOKEN, 5000);
    ck_assert_int_eq(fx->resp_err, 0);
    ck_assert_int_eq(fx->resp_status, 200);
    ck_assert_str_eq(fx->resp_body, ANSWER);
    ck_assert_int_eq(fx->updates, 1);
    ck_assert_str_eq(fx->update_id, "call-1");
    client_round(fx, "DELETE", call_url, TOKEN, 5000);
    ck_assert_int_eq(fx->resp_err, 0);
    ck_assert_int_eq(fx->resp_status, 200);
    client_round(fx, "DELETE", call_url, TOKEN, 5000);
    ck_assert_int_eq(fx->resp_status, 404);
    /* Without the token: the server's 401 comes back as a response. */
    client_round(fx, "DELETE", call_url, NULL, 5000);
    ck_assert_int_eq(fx->resp_err, 0);
    ck_assert_int_eq(fx->resp_status, 401);
    ck_assert_int_eq(fx->hangups, 2);
    /* By host name. */
    snprintf(url, sizeof(url), "http://localhost:%u/v1/calls/call-9", fx->port);
    client_round(fx, "DELETE", url, TOKEN, 5000);
    ck_assert_int_eq(fx->resp_status, 404);
    ck_assert_str_eq(fx->hangup_id, "call-9");
    finish_loop(fx);
}
END_TEST

START_TEST(client_reports_refused_and_timeout)
{
    fixture *fx = fixture_new(NULL, NULL);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    char url[128];

    /* A port with nobody listening. */
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/calls", ntohs(sa.sin_port));
    client_round(fx, "POST", url, NULL, 5000);
    ck_assert_int_eq(fx->resp_err, -ECONNREFUSED);
    /* Listening but never answering. */
    ck_assert_int_eq(listen(fd, 4), 0);
    client_round(fx, "POST", url, NULL, 300);
    ck_assert_int_eq(fx->resp_err, -ETIMEDOUT);
    close(fd);
    /* The daemon never answers the offer: the client gives up. */
    fx->mode = NEVER;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/calls", fx->port);
    client_round(fx, "POST", url, NULL, 300);
    ck_assert_int_eq(fx->resp_err, -ETIMEDOUT);
    ck_assert_int_eq(fx->offers, 1);
    finish_loop(fx);
}
END_TEST

static void cancel_soon(uv_timer_t *t)
{
    fixture *fx = t->data;

    sotto_signal_http_request_cancel(&fx->req);
    ck_assert_ptr_null(fx->req);
    uv_stop(&fx->loop);
}

START_TEST(client_cancel_and_destroy_in_flight)
{
    fixture *fx = fixture_new(NULL, NULL);
    sotto_signal_http_client_params cp;
    char url[128], err[256];

    fx->mode = NEVER;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/calls", fx->port);
    memset(&cp, 0, sizeof(cp));
    cp.url = url;
    cp.on_response = on_response;
    cp.opaque = fx;
    /* Cancelled: no callback. */
    ck_assert_int_eq(sotto_signal_http_post_offer(&fx->req, fx->sig, &cp, OFFER, err,
                                                  sizeof(err)), 0);
    uv_timer_start(&fx->answer_timer, cancel_soon, 100, 0);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(fx->resp_count, 0);
    /* Destroyed with a request in flight: -ECANCELED before destroy returns. */
    ck_assert_int_eq(sotto_signal_http_post_offer(&fx->req, fx->sig, &cp, OFFER, err,
                                                  sizeof(err)), 0);
    teardown_handles(fx);
    ck_assert_int_eq(fx->resp_count, 1);
    ck_assert_int_eq(fx->resp_err, -ECANCELED);
    ck_assert_ptr_null(fx->req);
    drain(&fx->loop);
    fixture_free(fx);
}
END_TEST

START_TEST(client_rejects_bad_requests)
{
    fixture *fx = fixture_new(NULL, NULL);
    sotto_signal_http_client_params cp;
    sotto_signal_http_request *req = NULL;
    char err[256];

    memset(&cp, 0, sizeof(cp));
    cp.on_response = on_response;
    cp.url = "https://example.net/v1/calls";
    ck_assert_int_eq(sotto_signal_http_post_offer(&req, fx->sig, &cp, OFFER, err, sizeof(err)),
                     -ENOTSUP);
    cp.url = "http://exa mple/";
    ck_assert_int_eq(sotto_signal_http_post_offer(&req, fx->sig, &cp, OFFER, err, sizeof(err)),
                     -EINVAL);
    cp.url = "http://127.0.0.1:1/v1/calls";
    ck_assert_int_eq(sotto_signal_http_post_offer(&req, fx->sig, &cp, "", err, sizeof(err)),
                     -EINVAL);
    ck_assert_int_eq(sotto_signal_http_post_offer(&req, fx->sig, &cp, NULL, err, sizeof(err)),
                     -EINVAL);
    cp.bearer_token = "bad token";
    ck_assert_int_eq(sotto_signal_http_post_offer(&req, fx->sig, &cp, OFFER, err, sizeof(err)),
                     -EINVAL);
    cp.bearer_token = NULL;
    cp.on_response = NULL;
    ck_assert_int_eq(sotto_signal_http_delete_call(&req, fx->sig, &cp, err, sizeof(err)),
                     -EINVAL);
    ck_assert_int_eq(sotto_signal_http_delete_call(&req, NULL, &cp, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_null(req);
    sotto_signal_http_request_cancel(NULL);
    sotto_signal_http_request_cancel(&req);
    finish_loop(fx);
}
END_TEST

void signal_http_add_unit_tests(Suite *s)
{
    TCase *tc = tcase_create("helpers");

    tcase_add_test(tc, is_loopback_recognises_ipv4_ipv6_and_mapped);
    tcase_add_test(tc, media_type_matching);
    tcase_add_test(tc, bearer_matching_is_exact);
    tcase_add_test(tc, token_and_call_id_validation);
    tcase_add_test(tc, content_length_parsing);
    tcase_add_test(tc, url_parsing);
    tcase_add_test(tc, call_url_from_location);
    tcase_add_test(tc, content_types_by_extension);
    tcase_add_test(tc, open_static_walks_safely);
    suite_add_tcase(s, tc);
}

void signal_http_add_client_tests(Suite *s)
{
    TCase *tc = tcase_create("client");

    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, client_post_offer_and_delete_round_trip);
    tcase_add_test(tc, client_reports_refused_and_timeout);
    tcase_add_test(tc, client_cancel_and_destroy_in_flight);
    tcase_add_test(tc, client_rejects_bad_requests);
    suite_add_tcase(s, tc);
}
