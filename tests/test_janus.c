/* Unit tests for net/janus_msg.c: the parser of Janus API messages, with
 * real messages of Janus 1.1 and every kind of bad input. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/janus.h"

static sotto_janus_msg *msg;
static char err[256];

static void setup(void)
{
    msg = malloc(sizeof(*msg));
    ck_assert_ptr_nonnull(msg);
    err[0] = '\0';
}

static void teardown(void)
{
    free(msg);
}

static int parse(const char *text)
{
    return sotto_janus_parse(text, strlen(text), msg, err, sizeof(err));
}

/* What Janus 1.1.2 sent in the integration test. */
static const char joined[] =
    "{\"janus\": \"event\", \"session_id\": 1184774510821871, \"transaction\": \"sotto-3\", "
    "\"sender\": 6639311629852781, \"plugindata\": {\"plugin\": \"janus.plugin.audiobridge\", "
    "\"data\": {\"audiobridge\": \"joined\", \"room\": 1234, \"id\": 6771426914128005, "
    "\"participants\": [{\"id\": 5308995669000, \"display\": \"p0\", \"setup\": true, "
    "\"muted\": false}, {\"id\": 915623172812418, \"display\": \"p1\", \"setup\": false, "
    "\"muted\": true}]}}}";

START_TEST(janus_parses_create_success)
{
    ck_assert_int_eq(parse("{\"janus\": \"success\", \"transaction\": \"a\", "
                           "\"data\": {\"id\": 1777084516808289}}"),
                     0);
    ck_assert_int_eq(msg->kind, SOTTO_JANUS_SUCCESS);
    ck_assert_str_eq(msg->transaction, "a");
    ck_assert_uint_eq(msg->data_id, 1777084516808289ull);
}
END_TEST

START_TEST(janus_parses_joined_with_participants)
{
    ck_assert_int_eq(parse(joined), 0);
    ck_assert_int_eq(msg->kind, SOTTO_JANUS_EVENT);
    ck_assert_int_eq(msg->has_plugindata, 1);
    ck_assert_str_eq(msg->plugin_event, "joined");
    ck_assert_uint_eq(msg->room, 1234);
    ck_assert_uint_eq(msg->self_id, 6771426914128005ull);
    ck_assert_uint_eq(msg->sender, 6639311629852781ull);
    ck_assert_uint_eq(msg->participant_count, 2);
    ck_assert_str_eq(msg->participants[0].display, "p0");
    ck_assert_int_eq(msg->participants[0].setup, 1);
    ck_assert_int_eq(msg->participants[1].muted, 1);
    ck_assert_int_eq(msg->participants_truncated, 0);
}
END_TEST

START_TEST(janus_others_joining_has_no_self_id)
{
    ck_assert_int_eq(parse("{\"janus\": \"event\", \"plugindata\": {\"data\": {\"audiobridge\": "
                           "\"joined\", \"room\": 1, \"participants\": [{\"id\": 5}]}}}"),
                     0);
    ck_assert_uint_eq(msg->self_id, 0);
    ck_assert_uint_eq(msg->participant_count, 1);
}
END_TEST

START_TEST(janus_parses_answer_and_leaving)
{
    ck_assert_int_eq(parse("{\"janus\": \"event\", \"plugindata\": {\"data\": {\"audiobridge\": "
                           "\"event\", \"result\": \"ok\", \"leaving\": 42}}, \"jsep\": "
                           "{\"type\": \"answer\", \"sdp\": \"v=0\\r\\n\"}}"),
                     0);
    ck_assert_int_eq(msg->result_ok, 1);
    ck_assert_uint_eq(msg->leaving, 42);
    ck_assert_str_eq(msg->jsep_type, "answer");
    ck_assert_str_eq(msg->jsep_sdp, "v=0\r\n");
}
END_TEST

START_TEST(janus_parses_errors_of_core_and_plugin)
{
    ck_assert_int_eq(parse("{\"janus\": \"error\", \"error\": {\"code\": 458, \"reason\": "
                           "\"No such session 5\"}}"),
                     0);
    ck_assert_int_eq(msg->kind, SOTTO_JANUS_ERROR);
    ck_assert_int_eq(msg->error_code, 458);
    ck_assert_str_eq(msg->error, "No such session 5");
    ck_assert_int_eq(parse("{\"janus\": \"event\", \"plugindata\": {\"data\": {\"audiobridge\": "
                           "\"event\", \"error_code\": 489, \"error\": \"Unauthorized (wrong "
                           "pin)\"}}}"),
                     0);
    ck_assert_int_eq(msg->error_code, 489);
    ck_assert_str_eq(sotto_janus_error_text(msg->error_code, msg->error), "wrong PIN");
    ck_assert_str_eq(sotto_janus_error_text(485, "No such room (9)"), "no such room");
    ck_assert_str_eq(sotto_janus_error_text(458, NULL), "no such session");
    ck_assert_str_eq(sotto_janus_error_text(1, ""), "refused");
}
END_TEST

START_TEST(janus_parses_core_events)
{
    ck_assert_int_eq(parse("{\"janus\": \"hangup\", \"reason\": \"DTLS alert\"}"), 0);
    ck_assert_int_eq(msg->kind, SOTTO_JANUS_HANGUP);
    ck_assert_str_eq(msg->error, "DTLS alert");
    ck_assert_int_eq(parse("{\"janus\": \"media\", \"receiving\": true}"), 0);
    ck_assert_int_eq(msg->media_receiving, 1);
    ck_assert_int_eq(parse("{\"janus\": \"keepalive\"}"), 0);
    ck_assert_int_eq(msg->kind, SOTTO_JANUS_KEEPALIVE);
    ck_assert_int_eq(parse("{\"janus\": \"something-new\", \"x\": [1]}"), 0);
    ck_assert_int_eq(msg->kind, SOTTO_JANUS_OTHER);
}
END_TEST

static const char *const bad_messages[] = {
    "",
    "{",
    "[]",
    "\"janus\"",
    "{}",
    "{\"janus\": 1}",
    "{\"janus\": \"\"}",
    "{\"janus\": \"success\", \"janus\": \"error\"}",
    "{\"janus\": \"success\", \"data\": 5}",
    "{\"janus\": \"success\", \"data\": {\"id\": -1}}",
    "{\"janus\": \"success\", \"data\": {\"id\": 0}}",
    "{\"janus\": \"success\", \"data\": {\"id\": 9007199254740992}}",
    "{\"janus\": \"success\", \"data\": {\"id\": 1.5}}",
    "{\"janus\": \"success\", \"data\": {\"id\": \"7\"}}",
    "{\"janus\": \"event\", \"session_id\": true}",
    "{\"janus\": \"event\", \"transaction\": 3}",
    "{\"janus\": \"event\", \"transaction\": \"a\\u0000b\"}",
    "{\"janus\": \"error\", \"error\": \"bad\"}",
    "{\"janus\": \"error\", \"error\": {\"code\": -3}}",
    "{\"janus\": \"error\", \"error\": {\"code\": 100000}}",
    "{\"janus\": \"event\", \"plugindata\": 1}",
    "{\"janus\": \"event\", \"plugindata\": {\"data\": []}}",
    "{\"janus\": \"event\", \"plugindata\": {\"data\": {\"audiobridge\": 5}}}",
    "{\"janus\": \"event\", \"plugindata\": {\"data\": {\"participants\": {}}}}",
    "{\"janus\": \"event\", \"plugindata\": {\"data\": {\"participants\": [1]}}}",
    "{\"janus\": \"event\", \"plugindata\": {\"data\": {\"participants\": [{}]}}}",
    ("{\"janus\": \"event\", \"plugindata\": {\"data\": {\"participants\": [{\"id\": 1, "
     "\"muted\": 0}]}}}"),
    "{\"janus\": \"event\", \"plugindata\": {\"data\": {\"leaving\": \"me\"}}}",
    "{\"janus\": \"event\", \"jsep\": \"v=0\"}",
    "{\"janus\": \"event\", \"jsep\": {\"type\": \"answer\"}}",
    "{\"janus\": \"event\", \"jsep\": {\"sdp\": \"v=0\"}}",
    "{\"janus\": \"event\", \"jsep\": {\"type\": \"answer-but-longer\", \"sdp\": \"v=0\"}}",
    "{\"janus\": \"media\", \"receiving\": \"yes\"}",
    "{\"janus\": \"hangup\", \"reason\": {}}",
    "{\"janus\": \"keepalive\"} trailing",
};

START_TEST(janus_refuses_bad_messages_with_a_reason)
{
    const char *text = bad_messages[_i];

    err[0] = '\0';
    ck_assert_msg(parse(text) == -EINVAL, "accepted: %s", text);
    ck_assert_msg(err[0] != '\0', "no reason for: %s", text);
}
END_TEST

START_TEST(janus_refuses_every_truncation_of_a_real_message)
{
    for (size_t len = 0; len < sizeof(joined) - 1; len++) {
        /* An exact-size copy: a read past the end is a sanitizer error. */
        char *copy = malloc(len ? len : 1);

        memcpy(copy, joined, len);
        ck_assert_int_eq(sotto_janus_parse(copy, len, msg, err, sizeof(err)), -EINVAL);
        free(copy);
    }
}
END_TEST

START_TEST(janus_bounds_sizes_and_counts)
{
    size_t big = SOTTO_JANUS_MAX_MESSAGE + 1, n;
    char *text = malloc(big + 1);

    memset(text, ' ', big);
    text[big] = '\0';
    ck_assert_int_eq(sotto_janus_parse(text, big, msg, err, sizeof(err)), -EMSGSIZE);
    /* A display name one byte too long. */
    n = (size_t)snprintf(text, big,
                         "{\"janus\": \"event\", \"plugindata\": {\"data\": "
                         "{\"participants\": [{\"id\": 1, \"display\": \"");
    memset(text + n, 'a', SOTTO_JANUS_MAX_DISPLAY);
    snprintf(text + n + SOTTO_JANUS_MAX_DISPLAY, big - n - SOTTO_JANUS_MAX_DISPLAY, "\"}]}}}");
    ck_assert_int_eq(parse(text), -EINVAL);
    /* More participants than kept: the first ones, and a flag. */
    n = (size_t)snprintf(text, big,
                         "{\"janus\": \"event\", \"plugindata\": {\"data\": "
                         "{\"participants\": [");
    for (int i = 1; i <= SOTTO_JANUS_MAX_PARTICIPANTS + 5; i++)
        n += (size_t)snprintf(text + n, big - n, "%s{\"id\": %d}", i > 1 ? ", " : "", i);
    snprintf(text + n, big - n, "]}}}");
    ck_assert_int_eq(parse(text), 0);
    ck_assert_uint_eq(msg->participant_count, SOTTO_JANUS_MAX_PARTICIPANTS);
    ck_assert_int_eq(msg->participants_truncated, 1);
    ck_assert_int_eq(sotto_janus_parse(NULL, 0, msg, err, sizeof(err)), -EINVAL);
    free(text);
}
END_TEST

static Suite *janus_suite(void)
{
    Suite *s = suite_create("janus");
    TCase *tc = tcase_create("parse");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, janus_parses_create_success);
    tcase_add_test(tc, janus_parses_joined_with_participants);
    tcase_add_test(tc, janus_others_joining_has_no_self_id);
    tcase_add_test(tc, janus_parses_answer_and_leaving);
    tcase_add_test(tc, janus_parses_errors_of_core_and_plugin);
    tcase_add_test(tc, janus_parses_core_events);
    tcase_add_loop_test(tc, janus_refuses_bad_messages_with_a_reason, 0,
                        (int)(sizeof(bad_messages) / sizeof(bad_messages[0])));
    tcase_add_test(tc, janus_refuses_every_truncation_of_a_real_message);
    tcase_add_test(tc, janus_bounds_sizes_and_counts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(janus_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
