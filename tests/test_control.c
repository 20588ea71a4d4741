/* Control socket: framing, validation, limits and socket-file handling. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control.h"
#include "daemon/control_framing.h"
#include "daemon/control_socket.h"
#include "daemon/json_round.h"

/* ---- framing ---- */

typedef struct lines_seen {
    char text[8][64];
    int count;
    int too_long;
} lines_seen;

static int collect(void *opaque, const char *line, size_t len, int too_long)
{
    lines_seen *seen = opaque;

    if (too_long) {
        seen->too_long++;
        return 0;
    }
    if (seen->count < 8 && len < 64) {
        memcpy(seen->text[seen->count], line, len);
        seen->text[seen->count][len] = '\0';
    }
    seen->count++;
    return 0;
}

START_TEST(framer_joins_partial_lines)
{
    sotto__line_framer f;
    lines_seen seen = {0};

    sotto__framer_init(&f, 64);
    ck_assert_int_eq(sotto__framer_feed(&f, "ab", 2, collect, &seen), 0);
    ck_assert_int_eq(seen.count, 0);
    ck_assert_int_eq(sotto__framer_feed(&f, "c\r\nde\n\nf", 8, collect, &seen), 0);
    ck_assert_int_eq(seen.count, 2);
    ck_assert_str_eq(seen.text[0], "abc");
    ck_assert_str_eq(seen.text[1], "de");
    ck_assert_int_eq(sotto__framer_feed(&f, "\n", 1, collect, &seen), 0);
    ck_assert_str_eq(seen.text[2], "f");
    sotto__framer_clear(&f);
}
END_TEST

START_TEST(framer_reports_long_line_once_and_recovers)
{
    sotto__line_framer f;
    lines_seen seen = {0};
    char big[100];

    memset(big, 'x', sizeof(big));
    sotto__framer_init(&f, 16);
    ck_assert_int_eq(sotto__framer_feed(&f, big, sizeof(big), collect, &seen), 0);
    ck_assert_int_eq(sotto__framer_feed(&f, big, sizeof(big), collect, &seen), 0);
    ck_assert_int_eq(seen.too_long, 1);
    ck_assert_int_eq(sotto__framer_feed(&f, "x\nok\n", 5, collect, &seen), 0);
    ck_assert_int_eq(seen.too_long, 1);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_str_eq(seen.text[0], "ok");
    ck_assert_uint_le(f.cap, 16);
    sotto__framer_clear(&f);
}
END_TEST

START_TEST(framer_accepts_line_of_exactly_max)
{
    sotto__line_framer f;
    lines_seen seen = {0};

    sotto__framer_init(&f, 4);
    ck_assert_int_eq(sotto__framer_feed(&f, "abcd\nabcde\n", 11, collect, &seen), 0);
    ck_assert_int_eq(seen.count, 1);
    ck_assert_int_eq(seen.too_long, 1);
    sotto__framer_clear(&f);
}
END_TEST

static const char *parse_code(const char *line)
{
    sotto__control_request req;
    const char *code = NULL;
    json_t *id = NULL;
    char msg[128];

    if (sotto__control_parse(line, strlen(line), &req, &code, &id, msg, sizeof(msg)) == 0) {
        json_decref(req.req);
        return "ok";
    }
    ck_assert_ptr_nonnull(code);
    ck_assert(msg[0] != '\0');
    json_decref(id);
    return code;
}

START_TEST(parse_classifies_bad_requests)
{
    ck_assert_str_eq(parse_code("{\"cmd\":\"status\"}"), "ok");
    ck_assert_str_eq(parse_code("{\"id\":\"x\",\"cmd\":\"status\",\"args\":{}}"), "ok");
    ck_assert_str_eq(parse_code("{\"cmd\":"), "bad-json");
    ck_assert_str_eq(parse_code("\xff\xfe"), "bad-json");
    ck_assert_str_eq(parse_code("{\"cmd\":1,\"cmd\":2}"), "bad-json");
    ck_assert_str_eq(parse_code("[]"), "bad-request");
    ck_assert_str_eq(parse_code("\"status\""), "bad-request");
    ck_assert_str_eq(parse_code("{}"), "bad-request");
    ck_assert_str_eq(parse_code("{\"cmd\":[]}"), "bad-request");
    ck_assert_str_eq(parse_code("{\"cmd\":\"x\",\"args\":3}"), "bad-request");
    ck_assert_str_eq(parse_code("{\"cmd\":\"x\",\"id\":1.5}"), "bad-request");
}
END_TEST

START_TEST(parse_keeps_id_of_rejected_request)
{
    sotto__control_request req;
    const char *code = NULL;
    json_t *id = NULL;
    char msg[128];
    const char *line = "{\"id\":42,\"cmd\":7}";

    ck_assert_int_eq(sotto__control_parse(line, strlen(line), &req, &code, &id, msg,
                                          sizeof(msg)), -EINVAL);
    ck_assert(json_is_integer(id));
    ck_assert_int_eq(json_integer_value(id), 42);
    json_decref(id);
}
END_TEST

/* ---- sockets ---- */

typedef struct fixture {
    uv_loop_t loop;
    char dir[32];
    char path[96];
    sotto_control *ctl;
    int closed;
    int commands;
} fixture;

static void handler(void *opaque, const char *cmd, json_t *args, sotto_control_reply *reply)
{
    fixture *fx = opaque;

    (void)args;
    fx->commands++;
    if (strcmp(cmd, "ping") == 0) {
        reply->result = json_pack("{s:s}", "pong", "yes");
        return;
    }
    reply->error_code = "unknown-command";
    snprintf(reply->error_message, sizeof(reply->error_message), "no %s", cmd);
}

static void on_closed(void *opaque)
{
    ((fixture *)opaque)->closed = 1;
}

static void fixture_open(fixture *fx, size_t max_line, size_t max_queue)
{
    sotto_control_params p;
    char err[256] = "";

    memset(fx, 0, sizeof(*fx));
    ck_assert_int_eq(uv_loop_init(&fx->loop), 0);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/sotto-ctl-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof(fx->path), "%s/sub/ctl.sock", fx->dir);
    memset(&p, 0, sizeof(p));
    p.path = fx->path;
    p.listen_fd = -1;
    sotto_control_limits_default(&p.limits);
    p.limits.max_line = max_line;
    p.limits.max_queue = max_queue;
    p.version = "test";
    p.protocol = 1;
    p.handler = handler;
    p.opaque = fx;
    ck_assert_msg(sotto_control_create(&fx->ctl, &fx->loop, &p, err, sizeof(err)) == 0, "%s",
                  err);
}

static void fixture_close(fixture *fx)
{
    char sub[160];

    sotto_control_close(fx->ctl, on_closed, fx);
    uv_run(&fx->loop, UV_RUN_DEFAULT);
    ck_assert_int_eq(fx->closed, 1);
    ck_assert_int_eq(uv_loop_close(&fx->loop), 0);
    ck_assert_int_ne(access(fx->path, F_OK), 0);
    snprintf(sub, sizeof(sub), "%s/sub", fx->dir);
    rmdir(sub);
    rmdir(fx->dir);
}

static int connect_to(const char *path)
{
    size_t len = strlen(path);
    struct sockaddr_un addr;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    ck_assert_uint_lt(len, sizeof(addr.sun_path));
    memcpy(addr.sun_path, path, len + 1);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void pump(fixture *fx, int turns)
{
    while (turns-- > 0) {
        uv_run(&fx->loop, UV_RUN_NOWAIT);
        usleep(2000);
    }
}

/* Reads whatever arrived into buf (NUL-terminated). */
static size_t drain(fixture *fx, int fd, char *buf, size_t cap)
{
    size_t have = 0;
    ssize_t n;
    int idle = 0;

    while (idle < 20 && have + 1 < cap) {
        pump(fx, 1);
        n = read(fd, buf + have, cap - 1 - have);
        if (n > 0) {
            have += (size_t)n;
            idle = 0;
        } else {
            idle++;
        }
    }
    buf[have] = '\0';
    return have;
}

START_TEST(control_socket_is_private_and_answers)
{
    fixture fx;
    struct stat st;
    char buf[4096];
    int fd;

    fixture_open(&fx, 1024, 65536);
    ck_assert_int_eq(stat(fx.path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    fd = connect_to(fx.path);
    ck_assert_int_eq(write(fd, "{\"id\":3,\"cmd\":\"ping\"}\n{\"cmd\":\"nope\"}\n", 37), 37);
    drain(&fx, fd, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "\"type\":\"hello\""));
    ck_assert_ptr_nonnull(strstr(buf, "\"id\":3"));
    ck_assert_ptr_nonnull(strstr(buf, "\"pong\":\"yes\""));
    ck_assert_ptr_nonnull(strstr(buf, "\"code\":\"unknown-command\""));
    ck_assert_int_eq(fx.commands, 2);
    close(fd);
    fixture_close(&fx);
}
END_TEST

START_TEST(control_long_line_gets_error_and_connection_survives)
{
    fixture fx;
    char buf[4096], big[3000];
    int fd;

    fixture_open(&fx, 256, 65536);
    fd = connect_to(fx.path);
    memset(big, '{', sizeof(big));
    ck_assert_int_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
    ck_assert_int_eq(write(fd, "\n{\"cmd\":\"ping\"}\n", 16), 16);
    drain(&fx, fd, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "line-too-long"));
    ck_assert_ptr_nonnull(strstr(buf, "pong"));
    ck_assert_int_eq(fx.commands, 1);
    close(fd);
    fixture_close(&fx);
}
END_TEST

START_TEST(control_drops_client_that_never_reads)
{
    fixture fx;
    sotto_control_stats stats;
    char line[] = "{\"cmd\":\"ping\"}\n";
    int fd, i, rcvbuf = 4096;

    fixture_open(&fx, 256, 4096);
    fd = connect_to(fx.path);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    for (i = 0; i < 20000; i++) {
        if (write(fd, line, sizeof(line) - 1) < 0)
            break;
        if (i % 64 == 0)
            pump(&fx, 1);
        sotto_control_get_stats(fx.ctl, &stats);
        if (stats.dropped_clients > 0)
            break;
    }
    pump(&fx, 5);
    sotto_control_get_stats(fx.ctl, &stats);
    ck_assert_uint_eq(stats.dropped_clients, 1);
    ck_assert_int_eq(stats.clients, 0);
    close(fd);
    fixture_close(&fx);
}
END_TEST

START_TEST(control_refuses_live_socket_and_replaces_stale_one)
{
    fixture fx;
    sotto_control_params p;
    sotto_control *second = NULL;
    struct sockaddr_un addr;
    char err[256] = "", stale[100];
    int fd;

    fixture_open(&fx, 1024, 65536);
    memset(&p, 0, sizeof(p));
    p.path = fx.path;
    p.listen_fd = -1;
    sotto_control_limits_default(&p.limits);
    p.version = "test";
    p.handler = handler;
    ck_assert_int_eq(sotto_control_create(&second, &fx.loop, &p, err, sizeof(err)),
                     -EADDRINUSE);
    ck_assert_ptr_null(second);
    ck_assert_ptr_nonnull(strstr(err, "already listening"));

    /* A socket bound and closed without unlink is what a killed daemon leaves. */
    snprintf(stale, sizeof(stale), "%s/stale.sock", fx.dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", stale);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(fd);
    fd = sotto__control_listen(stale, 4, err, sizeof(err));
    ck_assert_msg(fd >= 0, "%s", err);
    close(fd);
    unlink(stale);

    /* A regular file is never replaced. */
    fd = open(stale, O_CREAT | O_WRONLY, 0600);
    close(fd);
    ck_assert_int_eq(sotto__control_listen(stale, 4, err, sizeof(err)), -EEXIST);
    unlink(stale);
    fixture_close(&fx);
}
END_TEST

START_TEST(control_history_keeps_last_events_in_order)
{
    fixture fx;
    json_t *list;
    int i;

    fixture_open(&fx, 1024, 65536);
    for (i = 0; i < SOTTO_CONTROL_EVENT_HISTORY + 10; i++)
        sotto_control_emit(fx.ctl, "tick", json_pack("{s:i}", "n", i));
    list = sotto_control_history(fx.ctl);
    ck_assert_uint_eq(json_array_size(list), SOTTO_CONTROL_EVENT_HISTORY);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_object_get(json_array_get(list, 0), "data"), "n")),
                     10);
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(list, 0), "seq")), 11);
    json_decref(list);
    fixture_close(&fx);
}
END_TEST

START_TEST(control_path_too_long_is_refused)
{
    char path[300], err[256];

    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    ck_assert_int_eq(sotto__control_listen(path, 4, err, sizeof(err)), -ENAMETOOLONG);
    ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

static void assert_dumps(json_t *v, const char *want)
{
    char *text;

    sotto_json_round_reals(v);
    text = json_dumps(v, SOTTO_JSON_DUMP_FLAGS | JSON_ENCODE_ANY);
    ck_assert_str_eq(text, want);
    free(text);
    json_decref(v);
}

START_TEST(reals_print_with_meaningful_precision)
{
    assert_dumps(json_real(21.466999999999999), "21.467");
    assert_dumps(json_real(3.61234567), "3.612");
    assert_dumps(json_real(0.0123456), "0.01235");
    assert_dumps(json_real(-0.5), "-0.5");
    assert_dumps(json_real(0.0), "0.0");
    assert_dumps(json_real(1765100000.1234567), "1765100000.123");
    assert_dumps(json_pack("{s:[f], s:{s:f}}", "a", 1.0 / 3.0, "o", "x", 2.0 / 3.0 * 100),
                 "{\"a\":[0.3333],\"o\":{\"x\":66.667}}");
    ck_assert(sotto_json_round_real(1e300) == 1e300);
}
END_TEST

static Suite *control_suite(void)
{
    Suite *s = suite_create("control");
    TCase *framing = tcase_create("framing");
    TCase *sockets = tcase_create("sockets");

    tcase_add_test(framing, framer_joins_partial_lines);
    tcase_add_test(framing, reals_print_with_meaningful_precision);
    tcase_add_test(framing, framer_reports_long_line_once_and_recovers);
    tcase_add_test(framing, framer_accepts_line_of_exactly_max);
    tcase_add_test(framing, parse_classifies_bad_requests);
    tcase_add_test(framing, parse_keeps_id_of_rejected_request);
    tcase_add_test(sockets, control_socket_is_private_and_answers);
    tcase_add_test(sockets, control_long_line_gets_error_and_connection_survives);
    tcase_add_test(sockets, control_drops_client_that_never_reads);
    tcase_add_test(sockets, control_refuses_live_socket_and_replaces_stale_one);
    tcase_add_test(sockets, control_history_keeps_last_events_in_order);
    tcase_add_test(sockets, control_path_too_long_is_refused);
    tcase_set_timeout(sockets, 30);
    suite_add_tcase(s, framing);
    suite_add_tcase(s, sockets);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(control_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
