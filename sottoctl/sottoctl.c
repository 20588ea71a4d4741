/* sottoctl: command-line client for sottod's control socket
 * (protocol described in sotto-control(7), usage in sottoctl(1)).
 *
 * One sorted option table and one sorted command table drive both parsing
 * and --help, so the two cannot drift apart; tests/integration/
 * check_sottoctl_docs.sh holds the man page to the same lists. */
#include "config.h"
#include "sottoctl/sottoctl_conn.h"
#include "sottoctl/sottoctl_output.h"
#include "sottoctl/sottoctl_table.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "sottoctl"
#define WATCH_INTERVAL_S 1.0   /* stats --watch: pause between samples */
#define REQUEST_ID 1           /* id of the first request on a connection */
#define ERROR_MAX 512          /* bytes for one error message */
#define HELP_COLUMN 26         /* width of the first column of --help */

/* Exit statuses, documented in sottoctl(1). */
enum {
    EXIT_DONE = 0,          /* success */
    EXIT_DAEMON_ERROR = 1,  /* the daemon answered with an error */
    EXIT_USAGE = 2,         /* bad command line */
    EXIT_NO_CONNECT = 3,    /* the socket could not be connected */
    EXIT_PROTOCOL = 4,      /* protocol or communication error, timeout */
    EXIT_STOPPED = -1,      /* internal: a stop signal ended --follow or --watch; exits 0 */
};


/* What the command line asked for. */
typedef struct ctl_args {
    const char *socket_path;     /* --socket; NULL: SOTTO_SOCKET or the default */
    double timeout_s;            /* --timeout, seconds; default: the command's; 0 = forever */
    bool timeout_given;          /* --timeout was given; default false */
    bool json;                   /* --json; default false */
    bool follow;                 /* events --follow; default false */
    bool watch;                  /* stats --watch; default false */
    const ctl_command *command;  /* NULL until a command word is seen */
    const char *argument;        /* the command's positional argument; NULL: none given */
    const char *argument2;       /* ARG_TWO: the second one; NULL: none given */
    bool rejoin;                 /* join --rejoin; default false */
    const char *option_values[SOTTOCTL_OPTION_COUNT]; /* each option's value; NULL: not given */
} ctl_args;

enum parse_outcome { PARSE_RUN, PARSE_EXIT_OK, PARSE_USAGE_ERROR, PARSE_FAILED };

__attribute__((format(printf, 1, 2)))
static void fail_message(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

__attribute__((format(printf, 1, 2)))
static enum parse_outcome usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry '" PROG " --help' for more information.\n", stderr);
    return PARSE_USAGE_ERROR;
}

/* "--token TOKEN", "--watch": an option as --help shows it. Caller frees;
 * NULL: no memory. */
static char *option_synopsis(const ctl_option *opt)
{
    return sottoctl_strdup_printf("--%s%s%s", opt->name, opt->arg_name ? " " : "",
                                  opt->arg_name ? opt->arg_name : "");
}

/* "stats [ID] [--watch]": the command's words, its argument and the
 * options only it takes. Caller frees; NULL: no memory. */
static char *command_synopsis(const ctl_command *command)
{
    char *text = command->arg_kind == ARG_NONE
                 ? sottoctl_strdup_printf("%s", command->name)
                 : command->arg_kind == ARG_TWO
                 ? sottoctl_strdup_printf("%s %s %s", command->name, command->arg_name,
                                          command->arg2_name)
                 : sottoctl_strdup_printf(command->arg_kind == ARG_REQUIRED ? "%s %s" : "%s [%s]",
                                          command->name, command->arg_name);

    for (size_t i = 0; i < SOTTOCTL_OPTION_COUNT && text; i++) {
        char *head;
        char *longer;

        if (!sottoctl_options[i].command || strcmp(sottoctl_options[i].command, command->name) != 0)
            continue;
        head = option_synopsis(&sottoctl_options[i]);
        longer = head ? sottoctl_strdup_printf("%s [%s]", text, head) : NULL;
        free(head);
        free(text);
        text = longer;
    }
    return text;
}

/* The default --timeout of the commands that wait longer, as one line. */
static void print_slow_commands(FILE *out)
{
    const char *separator = "";

    fprintf(out, "The timeout is %g s, or %g s for:", DEFAULT_TIMEOUT_S, SLOW_TIMEOUT_S);
    for (size_t i = 0; i < sottoctl_command_count; i++) {
        if (sottoctl_commands[i].timeout_s == DEFAULT_TIMEOUT_S)
            continue;
        fprintf(out, "%s %s", separator, sottoctl_commands[i].name);
        separator = ",";
    }
    fputs(".\n", out);
}

static void print_help(FILE *out)
{
    char *socket_path = sottoctl_default_socket_path();

    fputs("Usage: " PROG " [OPTION...] COMMAND [ARGUMENT] [COMMAND-OPTION...]\n"
          "Control a running sottod through its control socket.\n\nOptions:\n", out);
    for (size_t i = 0; i < SOTTOCTL_OPTION_COUNT; i++) {
        char *head = sottoctl_options[i].command ? NULL : option_synopsis(&sottoctl_options[i]);

        if (head)
            fprintf(out, "  %-*s  %s\n", HELP_COLUMN, head, sottoctl_options[i].help);
        free(head);
    }
    fputs("\nCommands:\n", out);
    for (size_t i = 0; i < sottoctl_command_count; i++) {
        char *head = command_synopsis(&sottoctl_commands[i]);

        fprintf(out, "  %-*s  %s\n", HELP_COLUMN, head ? head : sottoctl_commands[i].name,
                sottoctl_commands[i].help);
        free(head);
    }
    /* Grouped by command, in the command table's order. */
    fputs("\nCommand options:\n", out);
    for (size_t c = 0; c < sottoctl_command_count; c++) {
        for (size_t i = 0; i < SOTTOCTL_OPTION_COUNT; i++) {
            char *head;

            if (!sottoctl_options[i].command || strcmp(sottoctl_options[i].command, sottoctl_commands[c].name) != 0)
                continue;
            head = option_synopsis(&sottoctl_options[i]);
            fprintf(out, "  %-*s  %s: %s\n", HELP_COLUMN, head ? head : sottoctl_options[i].name,
                    sottoctl_options[i].command, sottoctl_options[i].help);
            free(head);
        }
    }
    fprintf(out, "\nThe socket is --socket, else $SOTTO_SOCKET, else %s.\n",
            socket_path ? socket_path : "the daemon's default");
    print_slow_commands(out);
    fputs("Exit status: 0 done, 1 the daemon reported an error, 2 usage error,\n"
          "3 cannot connect, 4 protocol or communication error or timeout.\n", out);
    free(socket_path);
}

/* Text sent to the daemon must be non-empty UTF-8: JSON strings are. */
static enum parse_outcome check_sent_text(const char *what, const char *value)
{
    json_t *checked;
    json_t *unchecked;

    if (value[0] == '\0')
        return usage_error("%s must not be empty", what);
    checked = json_string(value);
    if (checked) {
        json_decref(checked);
        return PARSE_RUN;
    }
    /* json_string also fails without memory; only this tells the two apart. */
    unchecked = json_string_nocheck(value);
    if (!unchecked) {
        fail_message("out of memory");
        return PARSE_FAILED;
    }
    json_decref(unchecked);
    return usage_error("%s is not valid UTF-8", what);
}

/* Matches the command starting at argv[*index]; advances *index past its words. */
static const ctl_command *find_command(int argc, char **argv, int *index)
{
    for (size_t i = 0; i < sottoctl_command_count; i++) {
        const char *word = sottoctl_commands[i].name;
        int at = *index;

        while (at < argc) {
            size_t len = strcspn(word, " ");

            if (strlen(argv[at]) != len || strncmp(argv[at], word, len) != 0)
                break;
            at++;
            word += len;
            if (*word == '\0') {
                *index = at;
                return &sottoctl_commands[i];
            }
            word++;
        }
    }
    return NULL;
}

/* Reports an unknown command word, naming the full command when only the
 * first of its words was typed ("config" for "config show"). */
static enum parse_outcome unknown_command(const char *word)
{
    size_t len = strlen(word);

    for (size_t i = 0; i < sottoctl_command_count; i++) {
        if (strncmp(sottoctl_commands[i].name, word, len) == 0 && sottoctl_commands[i].name[len] == ' ')
            return usage_error("'%s' needs more words: did you mean '%s'?", word,
                               sottoctl_commands[i].name);
    }
    return usage_error("unknown command '%s'", word);
}

/* A word after the command: its positional argument, if it takes one. */
static enum parse_outcome take_argument(ctl_args *args, const char *word)
{
    const ctl_command *command = args->command;

    if (command->arg_kind == ARG_NONE)
        return usage_error("unexpected argument '%s': '%s' takes none", word, command->name);
    if (command->arg_kind == ARG_TWO && args->argument && !args->argument2) {
        args->argument2 = word;
        return check_sent_text(command->arg2_name, word);
    }
    if (args->argument && command->arg_kind == ARG_TWO)
        return usage_error("unexpected argument '%s': '%s' takes only %s and %s", word,
                           command->name, command->arg_name, command->arg2_name);
    if (args->argument)
        return usage_error("unexpected argument '%s': '%s' takes only one %s", word,
                           command->name, command->arg_name);
    args->argument = word;
    return check_sent_text(command->arg_name, word);
}

static const ctl_option *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < SOTTOCTL_OPTION_COUNT; i++) {
        if (strlen(sottoctl_options[i].name) == len && strncmp(sottoctl_options[i].name, name, len) == 0)
            return &sottoctl_options[i];
    }
    return NULL;
}

/* Acts on an option whose value (NULL when it takes none) is known. */
static enum parse_outcome apply_option(const ctl_option *opt, const char *value, ctl_args *args)
{
    switch (opt->id) {
    case OPT_FOLLOW:
        args->follow = true;
        break;
    case OPT_HELP:
        print_help(stdout);
        return PARSE_EXIT_OK;
    case OPT_BITRATE:
    case OPT_DISPLAY:
    case OPT_ID:
    case OPT_PIN:
    case OPT_TOKEN:
        break;
    case OPT_REJOIN:
        args->rejoin = true;
        break;
    case OPT_JSON:
        args->json = true;
        break;
    case OPT_SOCKET:
        if (value[0] == '\0')
            return usage_error("option '--socket' needs a non-empty path");
        args->socket_path = value;
        break;
    case OPT_TIMEOUT:
        if (!sottoctl_parse_timeout(value, &args->timeout_s))
            return usage_error("option '--timeout' needs seconds from 0 to %.0f, not '%s'",
                               SOTTOCTL_TIMEOUT_MAX_S, value);
        args->timeout_given = true;
        break;
    case OPT_VERSION:
        printf("%s %s (control protocol %d)\n", PROG, SOTTO_VERSION, SOTTO_CONTROL_PROTOCOL);
        return PARSE_EXIT_OK;
    case OPT_WATCH:
        args->watch = true;
        break;
    }
    args->option_values[opt - sottoctl_options] = value;
    if (opt->wire_key) {
        char what[64];

        snprintf(what, sizeof what, "the value of '--%s'", opt->name);
        return check_sent_text(what, value);
    }
    return PARSE_RUN;
}

/* Applies one "--name" or "--name=value" at argv[*index]. */
static enum parse_outcome parse_option(int argc, char **argv, int *index, ctl_args *args)
{
    const char *arg = argv[*index] + 2;
    const char *equals = strchr(arg, '=');
    const ctl_option *opt = find_option(arg, equals ? (size_t)(equals - arg) : strlen(arg));
    const char *value = equals ? equals + 1 : NULL;

    if (!opt)
        return usage_error("unknown option '%s'", argv[*index]);
    if (opt->command && (!args->command || strcmp(args->command->name, opt->command) != 0))
        return usage_error("option '--%s' only goes after the '%s' command", opt->name,
                           opt->command);
    if (!opt->arg_name && value)
        return usage_error("option '--%s' takes no value", opt->name);
    if (opt->arg_name && !value) {
        if (*index + 1 >= argc)
            return usage_error("option '--%s' needs a value (%s)", opt->name, opt->arg_name);
        *index += 1;
        value = argv[*index];
    }
    return apply_option(opt, value, args);
}

/* Options may come before or after the command; "--" ends options. */
static enum parse_outcome parse_args(int argc, char **argv, ctl_args *args)
{
    bool options_done = false;
    int index = 1;

    while (index < argc) {
        const char *arg = argv[index];
        enum parse_outcome outcome = PARSE_RUN;

        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            index++;
        } else if (!options_done && arg[0] == '-' && arg[1] == '-') {
            outcome = parse_option(argc, argv, &index, args);
            index++;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown option '%s'", arg);
        } else if (args->command) {
            outcome = take_argument(args, arg);
            index++;
        } else {
            args->command = find_command(argc, argv, &index);
            if (!args->command)
                return unknown_command(arg);
        }
        if (outcome != PARSE_RUN)
            return outcome;
    }
    if (!args->command)
        return usage_error("no command given");
    if ((args->command->arg_kind == ARG_REQUIRED || args->command->arg_kind == ARG_TWO) &&
        !args->argument)
        return usage_error("'%s' needs its %s argument", args->command->name,
                           args->command->arg_name);
    if (args->command->arg_kind == ARG_TWO && !args->argument2)
        return usage_error("'%s' needs its %s argument after %s", args->command->name,
                           args->command->arg2_name, args->command->arg_name);
    if (!args->timeout_given)
        args->timeout_s = args->command->timeout_s;
    return PARSE_RUN;
}

/* Maps a conn failure to an exit status and prints why. */
static int comm_failure(int rc, const char *err, const char *what, const ctl_args *args)
{
    if (rc == -EINTR)
        return EXIT_STOPPED;
    if (rc == -ETIMEDOUT)
        fail_message("%s: timed out after %g s (see --timeout)", what, args->timeout_s);
    else
        fail_message("%s: %s", what, err);
    return EXIT_PROTOCOL;
}

/* Prints a response with "ok": false and returns EXIT_DAEMON_ERROR. */
static int daemon_error(const json_t *response)
{
    const json_t *error = json_object_get(response, "error");
    const char *code = json_string_value(json_object_get(error, "code"));
    const char *message = json_string_value(json_object_get(error, "message"));
    char *shown = sottoctl_escape_dup(message ? message : "(no message)");

    fail_message("sottod answered with error '%s': %s", code ? code : "?",
                 shown ? shown : "(no memory to show the message)");
    free(shown);
    return EXIT_DAEMON_ERROR;
}

/* Checks the greeting; a daemon at its client limit may send its "busy"
 * response instead of a hello. */
static int check_hello(const json_t *hello)
{
    const char *type = json_string_value(json_object_get(hello, "type"));
    const json_t *protocol = json_object_get(hello, "protocol");

    if (type && strcmp(type, "response") == 0 && json_is_false(json_object_get(hello, "ok")))
        return daemon_error(hello);
    if (!type || strcmp(type, "hello") != 0 || !json_is_integer(protocol)) {
        fail_message("expected a hello from sottod, got something else");
        return EXIT_PROTOCOL;
    }
    if (json_integer_value(protocol) != SOTTO_CONTROL_PROTOCOL) {
        fail_message("daemon speaks control protocol %" JSON_INTEGER_FORMAT
                     ", this sottoctl speaks %d", json_integer_value(protocol),
                     SOTTO_CONTROL_PROTOCOL);
        return EXIT_PROTOCOL;
    }
    return EXIT_DONE;
}

/* The request line: the command, its argument and the values of its
 * options that go to the daemon. NULL: no memory (the texts were checked
 * for UTF-8 while parsing). */
static json_t *build_request(const ctl_args *args, json_int_t request_id)
{
    json_t *cmd_args = json_object();
    bool ok = cmd_args != NULL;

    if (ok && args->command->id == CMD_EVENTS)
        ok = json_object_set_new(cmd_args, "follow", json_boolean(args->follow)) == 0;
    if (ok && args->argument)
        ok = json_object_set_new(cmd_args, args->command->arg_key,
                                 json_string(args->argument)) == 0;
    if (ok && args->argument2)
        ok = json_object_set_new(cmd_args, args->command->arg2_key,
                                 json_string(args->argument2)) == 0;
    if (ok && args->rejoin)
        ok = json_object_set_new(cmd_args, "rejoin", json_true()) == 0;
    for (size_t i = 0; ok && i < SOTTOCTL_OPTION_COUNT; i++) {
        if (sottoctl_options[i].wire_key && args->option_values[i])
            ok = json_object_set_new(cmd_args, sottoctl_options[i].wire_key,
                                     json_string(args->option_values[i])) == 0;
    }
    if (!ok) {
        json_decref(cmd_args);
        return NULL;
    }
    return json_pack("{s:I, s:s, s:o}", "id", request_id, "cmd", args->command->wire_cmd,
                     "args", cmd_args);
}

static int print_result(const ctl_args *args, const json_t *result,
                        sottoctl_event_stream *stream)
{
    char err[ERROR_MAX] = "";
    int rc = 0;

    if (args->command->id == CMD_EVENTS)
        rc = sottoctl_print_events(stdout, stream, result, args->json && !args->follow, err,
                                   sizeof err);
    else if (args->json)
        rc = sottoctl_print_json(stdout, result);
    else if (args->command->id == CMD_CALLS)
        rc = sottoctl_print_calls(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_CONFIG_SHOW)
        rc = sottoctl_print_config(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_DEVICES)
        rc = sottoctl_print_devices(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_RELOAD)
        rc = sottoctl_print_reload(stdout, result);
    else if (args->command->id == CMD_SHUTDOWN)
        fputs("sottod is shutting down\n", stdout);
    else if (args->command->id == CMD_STATS)
        rc = sottoctl_print_stats(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_STATUS)
        rc = sottoctl_print_status(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_VERSION)
        rc = sottoctl_print_version(stdout, result, err, sizeof err);
    else
        rc = sottoctl_print_call_result(stdout, stderr, args->command->wire_cmd, result, err,
                                        sizeof err);
    if (rc == 0)
        return EXIT_DONE;
    fail_message("%s", err[0] != '\0' ? err : strerror(-rc));
    return EXIT_PROTOCOL;
}

/* Sends the request with request_id and waits for its response. On
 * EXIT_DONE *out_response is a successful response whose "result" is an
 * object; the caller releases it with json_decref. */
static int request(sottoctl_conn *conn, const ctl_args *args, json_int_t request_id,
                   const sottoctl_deadline *deadline, json_t **out_response)
{
    char err[ERROR_MAX] = "";
    json_t *msg = build_request(args, request_id);
    json_t *response = NULL;
    int rc;

    if (!msg) {
        fail_message("out of memory");
        return EXIT_PROTOCOL;
    }
    rc = sottoctl_conn_request(conn, msg, deadline, &response, err, sizeof err);
    json_decref(msg);
    if (rc != 0)
        return comm_failure(rc, err, "waiting for the reply from sottod", args);
    if (json_is_false(json_object_get(response, "ok"))) {
        int status = daemon_error(response);

        json_decref(response);
        return status;
    }
    *out_response = response;
    return EXIT_DONE;
}

/* After the reply to events --follow: print event lines until the daemon
 * closes the connection or a stop signal arrives. */
static int follow_events(sottoctl_conn *conn, const ctl_args *args,
                         sottoctl_event_stream *stream)
{
    const sottoctl_deadline forever = { .at = { 0, 0 }, .forever = true };

    for (;;) {
        char err[ERROR_MAX] = "";
        json_t *msg = NULL;
        const char *type;
        int rc = sottoctl_conn_read_message(conn, &forever, &msg, err, sizeof err);

        if (rc == -ECONNRESET && stream->saw_shutdown)
            return EXIT_DONE;
        if (rc != 0)
            return comm_failure(rc, err, "following events", args);
        type = json_string_value(json_object_get(msg, "type"));
        if (type && strcmp(type, "event") == 0)
            rc = sottoctl_show_event(stdout, stream, msg);
        json_decref(msg);
        if (rc != 0) {
            fail_message("cannot write output: %s", strerror(-rc));
            return EXIT_PROTOCOL;
        }
    }
}

/* One stats --watch sample, stamped with the current time. */
static int print_sample(const ctl_args *args, const json_t *result)
{
    char err[ERROR_MAX] = "";
    struct timespec now;
    int rc = clock_gettime(CLOCK_REALTIME, &now) == 0 ? 0 : -errno;

    if (rc == 0)
        rc = sottoctl_print_stats_sample(stdout, result,
                                         (double)now.tv_sec + (double)now.tv_nsec / 1e9,
                                         args->json, err, sizeof err);
    if (rc == 0 && fflush(stdout) != 0)
        rc = -errno;
    if (rc == 0)
        return EXIT_DONE;
    fail_message("%s", err[0] != '\0' ? err : strerror(-rc));
    return EXIT_PROTOCOL;
}

/* The pause between two samples. The connection is read meanwhile so that
 * a daemon going away is noticed at once, not at the next request. */
static int pause_between_samples(sottoctl_conn *conn, const ctl_args *args)
{
    sottoctl_deadline pause;
    int rc = sottoctl_deadline_init(&pause, WATCH_INTERVAL_S);

    if (rc != 0)
        return comm_failure(rc, strerror(-rc), "reading the clock", args);
    for (;;) {
        char err[ERROR_MAX] = "";
        json_t *msg = NULL;

        rc = sottoctl_conn_read_message(conn, &pause, &msg, err, sizeof err);
        if (rc == -ETIMEDOUT)
            return EXIT_DONE;
        if (rc != 0)
            return comm_failure(rc, err, "watching statistics", args);
        json_decref(msg);
    }
}

/* stats --watch: one request per sample on the same connection, each with
 * its own id and --timeout, until a stop signal or a failure. */
static int watch_stats(sottoctl_conn *conn, const ctl_args *args)
{
    for (json_int_t request_id = REQUEST_ID;; request_id++) {
        sottoctl_deadline deadline;
        json_t *response = NULL;
        int status;
        int rc = sottoctl_deadline_init(&deadline, args->timeout_s);

        if (rc != 0)
            return comm_failure(rc, strerror(-rc), "reading the clock", args);
        status = request(conn, args, request_id, &deadline, &response);
        if (status != EXIT_DONE)
            return status;
        status = print_sample(args, json_object_get(response, "result"));
        json_decref(response);
        if (status == EXIT_DONE)
            status = pause_between_samples(conn, args);
        if (status != EXIT_DONE)
            return status;
    }
}

/* Hello, request, reply, and for events --follow the event stream. */
static int exchange(sottoctl_conn *conn, const ctl_args *args, const sottoctl_deadline *deadline)
{
    sottoctl_event_stream stream = { .last_seq = -1, .saw_shutdown = false, .json = args->json };
    char err[ERROR_MAX] = "";
    json_t *msg = NULL;
    int status;
    int rc = sottoctl_conn_read_message(conn, deadline, &msg, err, sizeof err);

    if (rc != 0)
        return comm_failure(rc, err, "waiting for the hello from sottod", args);
    status = check_hello(msg);
    json_decref(msg);
    msg = NULL;
    if (status != EXIT_DONE)
        return status;
    if (args->watch)
        return watch_stats(conn, args);
    status = request(conn, args, REQUEST_ID, deadline, &msg);
    if (status != EXIT_DONE)
        return status;
    status = print_result(args, json_object_get(msg, "result"), &stream);
    json_decref(msg);
    if (status == EXIT_DONE && args->follow)
        status = follow_events(conn, args, &stream);
    return status;
}

static int run(const ctl_args *args, const char *socket_path)
{
    sottoctl_interrupt interrupt = { .wait_mask = NULL, .stop = NULL };
    sottoctl_deadline deadline;
    sottoctl_conn *conn = NULL;
    sigset_t wait_mask;
    char err[ERROR_MAX] = "";
    int status;
    int rc;

    if (args->follow || args->watch) {
        rc = sottoctl_catch_stop_signals(&wait_mask, &interrupt);
        if (rc != 0) {
            fail_message("cannot set up signal handling: %s", strerror(-rc));
            return EXIT_PROTOCOL;
        }
    }
    rc = sottoctl_deadline_init(&deadline, args->timeout_s);
    if (rc != 0) {
        fail_message("cannot read the clock: %s", strerror(-rc));
        return EXIT_PROTOCOL;
    }
    rc = sottoctl_conn_open(&conn, socket_path, &interrupt, &deadline, err, sizeof err);
    if (rc == -ETIMEDOUT || rc == -EINTR || rc == -ENOMEM)
        return comm_failure(rc, err, "connecting to sottod", args);
    if (rc == -EPERM) {
        fail_message("not talking to %s: %s", socket_path, err);
        return EXIT_NO_CONNECT;
    }
    if (rc != 0) {
        fail_message("cannot connect to %s: is sottod running? (%s)", socket_path, err);
        return EXIT_NO_CONNECT;
    }
    status = exchange(conn, args, &deadline);
    sottoctl_conn_destroy(&conn);
    return status;
}

/* Output that could not be written is a failure even after a good reply. */
static int finish_output(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fail_message("cannot write output: %s", strerror(errno));
        return status == EXIT_DONE ? EXIT_PROTOCOL : status;
    }
    return status;
}

int main(int argc, char **argv)
{
    ctl_args args = { .socket_path = NULL, .timeout_s = DEFAULT_TIMEOUT_S, .command = NULL };
    char *socket_path;
    int status;

    switch (parse_args(argc, argv, &args)) {
    case PARSE_EXIT_OK:
        return finish_output(EXIT_DONE);
    case PARSE_USAGE_ERROR:
        return EXIT_USAGE;
    case PARSE_FAILED:
        return EXIT_PROTOCOL;
    case PARSE_RUN:
        break;
    }
    socket_path = args.socket_path ? sottoctl_strdup_printf("%s", args.socket_path)
                                   : sottoctl_default_socket_path();
    if (!socket_path) {
        fail_message("out of memory");
        return EXIT_PROTOCOL;
    }
    status = run(&args, socket_path);
    free(socket_path);
    if (status == EXIT_STOPPED)
        status = EXIT_DONE;
    return finish_output(status);
}
