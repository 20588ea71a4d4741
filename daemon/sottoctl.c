/* sottoctl: command-line client for sottod's control socket
 * (protocol described in sotto-control(7), usage in sottoctl(1)).
 *
 * One sorted option table and one sorted command table drive both parsing
 * and --help, so the two cannot drift apart; tests/integration/
 * check_sottoctl_docs.sh holds the man page to the same lists. */
#include "config.h"
#include "daemon/sottoctl_conn.h"
#include "daemon/sottoctl_output.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "sottoctl"
#define DEFAULT_TIMEOUT_S 5.0
#define REQUEST_ID 1           /* one request per connection, so any fixed id will do */
#define ERROR_MAX 512          /* bytes for one error message */

/* Exit statuses, documented in sottoctl(1). */
enum {
    EXIT_DONE = 0,          /* success */
    EXIT_DAEMON_ERROR = 1,  /* the daemon answered with an error */
    EXIT_USAGE = 2,         /* bad command line */
    EXIT_NO_CONNECT = 3,    /* the socket could not be connected */
    EXIT_PROTOCOL = 4,      /* protocol or communication error, timeout */
    EXIT_STOPPED = -1,      /* internal: a stop signal ended events --follow; exits 0 */
};

enum option_id { OPT_FOLLOW, OPT_HELP, OPT_JSON, OPT_SOCKET, OPT_TIMEOUT, OPT_VERSION };

enum command_id { CMD_CONFIG_SHOW, CMD_DEVICES, CMD_EVENTS, CMD_RELOAD, CMD_SHUTDOWN,
                  CMD_STATUS, CMD_VERSION };

typedef struct ctl_option {
    const char *name;      /* long name without "--" */
    const char *arg_name;  /* placeholder of its value in --help; NULL: takes none */
    const char *command;   /* the only command accepting it; NULL: accepted anywhere */
    enum option_id id;
    const char *help;      /* one line for --help */
} ctl_option;

typedef struct ctl_command {
    const char *name;      /* the words typed, space separated */
    const char *wire_cmd;  /* "cmd" sent to the daemon */
    enum command_id id;
    const char *help;      /* one line for --help */
} ctl_command;

/* Sorted by name; --help lists them in this order. */
static const ctl_option options[] = {
    { "follow", NULL, "events", OPT_FOLLOW,
      "keep printing events as they happen" },
    { "help", NULL, NULL, OPT_HELP, "print this help and exit" },
    { "json", NULL, NULL, OPT_JSON, "print the daemon's result as one line of JSON" },
    { "socket", "PATH", NULL, OPT_SOCKET, "connect to PATH instead of the default socket" },
    { "timeout", "SECONDS", NULL, OPT_TIMEOUT,
      "wait at most SECONDS for sottod (default 5, 0: no limit)" },
    { "version", NULL, NULL, OPT_VERSION, "print sottoctl's version and exit" },
};

/* Sorted by name; --help lists them in this order. */
static const ctl_command commands[] = {
    { "config show", "config-show", CMD_CONFIG_SHOW, "print the settings in force as INI text" },
    { "devices", "devices", CMD_DEVICES, "list the audio devices sottod can open" },
    { "events", "events", CMD_EVENTS, "print the latest events sottod kept" },
    { "reload", "reload", CMD_RELOAD, "re-read the configuration file, like SIGHUP" },
    { "shutdown", "shutdown", CMD_SHUTDOWN, "ask sottod to exit" },
    { "status", "status", CMD_STATUS, "print sottod's state, audio and control counters" },
    { "version", "version", CMD_VERSION, "print sottod's version and control protocol" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* What the command line asked for. */
typedef struct ctl_args {
    const char *socket_path;     /* --socket; NULL: SOTTO_SOCKET or the default */
    double timeout_s;            /* --timeout, seconds; default 5, 0 = forever */
    bool json;                   /* --json; default false */
    bool follow;                 /* events --follow; default false */
    const ctl_command *command;  /* NULL until a command word is seen */
} ctl_args;

enum parse_outcome { PARSE_RUN, PARSE_EXIT_OK, PARSE_USAGE_ERROR };

/* Set by the SIGINT/SIGTERM handler of events --follow. A handler can
 * reach nothing else, so this is the program's one piece of global state. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int signo)
{
    stop_requested = signo;
}

/* The daemon's rule, repeated so that both find each other without any
 * configuration: $SOTTO_SOCKET (sottoctl only), $XDG_RUNTIME_DIR/sotto when
 * that is an absolute path, /run/sotto for root, else /tmp/sotto-EUID.
 * Caller frees; NULL: no memory. */
static char *default_socket_path(void)
{
    const char *env = getenv("SOTTO_SOCKET");
    const char *runtime_dir = getenv("XDG_RUNTIME_DIR");

    if (env && env[0] != '\0')
        return sottoctl_strdup_printf("%s", env);
    if (runtime_dir && runtime_dir[0] == '/')
        return sottoctl_strdup_printf("%s/sotto/sottod.sock", runtime_dir);
    if (geteuid() == 0)
        return sottoctl_strdup_printf("/run/sotto/sottod.sock");
    return sottoctl_strdup_printf("/tmp/sotto-%lu/sottod.sock", (unsigned long)geteuid());
}

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

/* "events [--follow]": the command's words and the options only it takes.
 * Caller frees; NULL: no memory. */
static char *command_synopsis(const ctl_command *command)
{
    char *text = sottoctl_strdup_printf("%s", command->name);

    for (size_t i = 0; i < COUNT(options) && text; i++) {
        char *longer;

        if (!options[i].command || strcmp(options[i].command, command->name) != 0)
            continue;
        longer = sottoctl_strdup_printf("%s [--%s]", text, options[i].name);
        free(text);
        text = longer;
    }
    return text;
}

static void print_help(FILE *out)
{
    char *socket_path = default_socket_path();

    fputs("Usage: " PROG " [OPTION...] COMMAND [COMMAND-OPTION...]\n"
          "Control a running sottod through its control socket.\n\nOptions:\n", out);
    for (size_t i = 0; i < COUNT(options); i++) {
        char *head;

        if (options[i].command)
            continue;
        head = sottoctl_strdup_printf("--%s%s%s", options[i].name,
                                      options[i].arg_name ? " " : "",
                                      options[i].arg_name ? options[i].arg_name : "");
        fprintf(out, "  %-20s  %s\n", head ? head : options[i].name, options[i].help);
        free(head);
    }
    fputs("\nCommands:\n", out);
    for (size_t i = 0; i < COUNT(commands); i++) {
        char *head = command_synopsis(&commands[i]);

        fprintf(out, "  %-20s  %s\n", head ? head : commands[i].name, commands[i].help);
        free(head);
    }
    fputs("\nCommand options:\n", out);
    for (size_t i = 0; i < COUNT(options); i++) {
        if (options[i].command)
            fprintf(out, "  --%-18s  %s: %s\n", options[i].name, options[i].command,
                    options[i].help);
    }
    fprintf(out, "\nThe socket is --socket, else $SOTTO_SOCKET, else %s.\n"
            "Exit status: 0 done, 1 the daemon reported an error, 2 usage error,\n"
            "3 cannot connect, 4 protocol or communication error or timeout.\n",
            socket_path ? socket_path : "the daemon's default");
    free(socket_path);
}

/* Parses a --timeout value: a decimal number of seconds. */
static bool parse_timeout(const char *text, double *out_seconds)
{
    char *end = NULL;
    double value;

    errno = 0;
    value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0')
        return false;
    if (!(value >= 0.0 && value <= SOTTOCTL_TIMEOUT_MAX_S))
        return false;
    *out_seconds = value;
    return true;
}

/* Matches the command starting at argv[*index]; advances *index past its words. */
static const ctl_command *find_command(int argc, char **argv, int *index)
{
    for (size_t i = 0; i < COUNT(commands); i++) {
        const char *word = commands[i].name;
        int at = *index;

        while (at < argc) {
            size_t len = strcspn(word, " ");

            if (strlen(argv[at]) != len || strncmp(argv[at], word, len) != 0)
                break;
            at++;
            word += len;
            if (*word == '\0') {
                *index = at;
                return &commands[i];
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

    for (size_t i = 0; i < COUNT(commands); i++) {
        if (strncmp(commands[i].name, word, len) == 0 && commands[i].name[len] == ' ')
            return usage_error("'%s' needs more words: did you mean '%s'?", word,
                               commands[i].name);
    }
    return usage_error("unknown command '%s'", word);
}

static const ctl_option *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < COUNT(options); i++) {
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    }
    return NULL;
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
    switch (opt->id) {
    case OPT_FOLLOW:
        args->follow = true;
        break;
    case OPT_HELP:
        print_help(stdout);
        return PARSE_EXIT_OK;
    case OPT_JSON:
        args->json = true;
        break;
    case OPT_SOCKET:
        if (value[0] == '\0')
            return usage_error("option '--socket' needs a non-empty path");
        args->socket_path = value;
        break;
    case OPT_TIMEOUT:
        if (!parse_timeout(value, &args->timeout_s))
            return usage_error("option '--timeout' needs seconds from 0 to %.0f, not '%s'",
                               SOTTOCTL_TIMEOUT_MAX_S, value);
        break;
    case OPT_VERSION:
        printf("%s %s (control protocol %d)\n", PROG, SOTTO_VERSION, SOTTO_CONTROL_PROTOCOL);
        return PARSE_EXIT_OK;
    }
    return PARSE_RUN;
}

/* Options may come before or after the command; "--" ends options. */
static enum parse_outcome parse_args(int argc, char **argv, ctl_args *args)
{
    bool options_done = false;
    int index = 1;

    while (index < argc) {
        const char *arg = argv[index];
        enum parse_outcome outcome;

        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            index++;
        } else if (!options_done && arg[0] == '-' && arg[1] == '-') {
            outcome = parse_option(argc, argv, &index, args);
            if (outcome != PARSE_RUN)
                return outcome;
            index++;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown option '%s'", arg);
        } else if (args->command) {
            return usage_error("unexpected argument '%s' after '%s'", arg, args->command->name);
        } else {
            args->command = find_command(argc, argv, &index);
            if (!args->command)
                return unknown_command(arg);
        }
    }
    if (!args->command)
        return usage_error("no command given");
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

    fail_message("sottod answered with error '%s': %s", code ? code : "?",
                 message ? message : "(no message)");
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

/* True when msg is the response to our request: our id echoed, or null
 * for replies to a request the daemon could not read (bad-json, busy). */
static bool is_our_response(const json_t *msg)
{
    const char *type = json_string_value(json_object_get(msg, "type"));
    const json_t *id = json_object_get(msg, "id");

    if (!type || strcmp(type, "response") != 0)
        return false;
    return !id || json_is_null(id)
           || (json_is_integer(id) && json_integer_value(id) == REQUEST_ID);
}

static json_t *build_request(const ctl_args *args)
{
    json_t *cmd_args = args->command->id == CMD_EVENTS
                       ? json_pack("{s:b}", "follow", args->follow) : json_object();

    if (!cmd_args)
        return NULL;
    return json_pack("{s:i, s:s, s:o}", "id", REQUEST_ID, "cmd", args->command->wire_cmd,
                     "args", cmd_args);
}

/* Follow-mode bookkeeping: events may reach us twice (in the reply's
 * history and as a live event line), so each seq is printed once. */
typedef struct event_stream {
    json_int_t last_seq;  /* highest seq printed; -1 before the first */
    bool saw_shutdown;    /* a "shutdown" event was printed */
    bool json;            /* print events as JSON lines */
} event_stream;

static int show_event(event_stream *stream, const json_t *event)
{
    const json_t *seq = json_object_get(event, "seq");
    const char *name = json_string_value(json_object_get(event, "event"));
    int rc;

    if (!json_is_object(event))
        return 0;
    if (json_is_integer(seq)) {
        if (json_integer_value(seq) <= stream->last_seq)
            return 0;
        stream->last_seq = json_integer_value(seq);
    }
    if (name && strcmp(name, "shutdown") == 0)
        stream->saw_shutdown = true;
    rc = stream->json ? sottoctl_print_json(stdout, event) : sottoctl_print_event(stdout, event);
    if (fflush(stdout) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

static int print_events_result(const ctl_args *args, const json_t *result,
                               event_stream *stream, char *err, size_t err_size)
{
    const json_t *events = json_object_get(result, "events");
    size_t i;
    json_t *event;

    if (!json_is_array(events)) {
        snprintf(err, err_size, "the events reply has no \"events\" list");
        return -EPROTO;
    }
    if (args->json && !args->follow)
        return sottoctl_print_json(stdout, result);
    json_array_foreach(events, i, event) {
        int rc = show_event(stream, event);

        if (rc != 0) {
            snprintf(err, err_size, "cannot write output: %s", strerror(-rc));
            return rc;
        }
    }
    return 0;
}

static int print_result(const ctl_args *args, const json_t *result, event_stream *stream)
{
    char err[ERROR_MAX] = "";
    int rc = 0;

    if (args->command->id == CMD_EVENTS)
        rc = print_events_result(args, result, stream, err, sizeof err);
    else if (args->json)
        rc = sottoctl_print_json(stdout, result);
    else if (args->command->id == CMD_CONFIG_SHOW)
        rc = sottoctl_print_config(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_DEVICES)
        rc = sottoctl_print_devices(stdout, result, err, sizeof err);
    else if (args->command->id == CMD_RELOAD)
        rc = sottoctl_print_reload(stdout, result);
    else if (args->command->id == CMD_SHUTDOWN)
        fputs("sottod is shutting down\n", stdout);
    else if (args->command->id == CMD_STATUS)
        rc = sottoctl_print_status(stdout, result, err, sizeof err);
    else
        rc = sottoctl_print_version(stdout, result, err, sizeof err);
    if (rc == 0)
        return EXIT_DONE;
    fail_message("%s", err[0] != '\0' ? err : strerror(-rc));
    return EXIT_PROTOCOL;
}

/* Reads until the response to our request, skipping events that were
 * already on their way and message types this version does not know. */
static int await_response(sottoctl_conn *conn, const ctl_args *args,
                          const sottoctl_deadline *deadline, json_t **out_response)
{
    for (;;) {
        char err[ERROR_MAX] = "";
        json_t *msg = NULL;
        int rc = sottoctl_conn_read_message(conn, deadline, &msg, err, sizeof err);

        if (rc != 0)
            return comm_failure(rc, err, "waiting for the reply from sottod", args);
        if (is_our_response(msg)) {
            *out_response = msg;
            return EXIT_DONE;
        }
        json_decref(msg);
    }
}

/* After the reply to events --follow: print event lines until the daemon
 * closes the connection or a stop signal arrives. */
static int follow_events(sottoctl_conn *conn, const ctl_args *args, event_stream *stream)
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
            rc = show_event(stream, msg);
        json_decref(msg);
        if (rc != 0) {
            fail_message("cannot write output: %s", strerror(-rc));
            return EXIT_PROTOCOL;
        }
    }
}

/* Hello, request, reply, and for events --follow the event stream. */
static int exchange(sottoctl_conn *conn, const ctl_args *args, const sottoctl_deadline *deadline)
{
    event_stream stream = { .last_seq = -1, .saw_shutdown = false, .json = args->json };
    char err[ERROR_MAX] = "";
    json_t *msg = NULL;
    json_t *request = NULL;
    int status;
    int rc = sottoctl_conn_read_message(conn, deadline, &msg, err, sizeof err);

    if (rc != 0)
        return comm_failure(rc, err, "waiting for the hello from sottod", args);
    status = check_hello(msg);
    json_decref(msg);
    msg = NULL;
    if (status != EXIT_DONE)
        return status;
    request = build_request(args);
    if (!request) {
        fail_message("out of memory");
        return EXIT_PROTOCOL;
    }
    rc = sottoctl_conn_send(conn, request, deadline, err, sizeof err);
    json_decref(request);
    /* On EPIPE the daemon may still have said why (busy) before closing. */
    if (rc != 0 && rc != -EPIPE)
        return comm_failure(rc, err, "sending the request", args);
    status = await_response(conn, args, deadline, &msg);
    if (status != EXIT_DONE)
        return status;
    if (json_is_false(json_object_get(msg, "ok")))
        status = daemon_error(msg);
    else if (!json_is_true(json_object_get(msg, "ok")))
        status = comm_failure(-EPROTO, "the response has no \"ok\" boolean", "reading the reply",
                              args);
    else if (!json_is_object(json_object_get(msg, "result")))
        status = comm_failure(-EPROTO, "the response has no result object", "reading the reply",
                              args);
    else
        status = print_result(args, json_object_get(msg, "result"), &stream);
    json_decref(msg);
    if (status == EXIT_DONE && args->follow)
        status = follow_events(conn, args, &stream);
    return status;
}

/* Blocks SIGINT and SIGTERM except inside ppoll(), where their handler
 * ends the wait: no window in which a signal could slip by unnoticed.
 * A signal ignored by whoever started us stays ignored. */
static int setup_stop_signals(sigset_t *out_wait_mask)
{
    static const int stop_signals[] = { SIGINT, SIGTERM };
    struct sigaction action;
    sigset_t stop_set;
    sigset_t wait_mask;

    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigemptyset(&stop_set);
    for (size_t i = 0; i < COUNT(stop_signals); i++)
        sigaddset(&stop_set, stop_signals[i]);
    if (sigprocmask(SIG_BLOCK, &stop_set, &wait_mask) != 0)
        return -errno;
    for (size_t i = 0; i < COUNT(stop_signals); i++) {
        struct sigaction previous;

        if (sigaction(stop_signals[i], NULL, &previous) != 0)
            return -errno;
        if (previous.sa_handler == SIG_IGN)
            continue;
        if (sigaction(stop_signals[i], &action, NULL) != 0)
            return -errno;
        sigdelset(&wait_mask, stop_signals[i]);
    }
    *out_wait_mask = wait_mask;
    return 0;
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

    if (args->follow) {
        rc = setup_stop_signals(&wait_mask);
        if (rc != 0) {
            fail_message("cannot set up signal handling: %s", strerror(-rc));
            return EXIT_PROTOCOL;
        }
        interrupt.wait_mask = &wait_mask;
        interrupt.stop = &stop_requested;
    }
    rc = sottoctl_deadline_init(&deadline, args->timeout_s);
    if (rc != 0) {
        fail_message("cannot read the clock: %s", strerror(-rc));
        return EXIT_PROTOCOL;
    }
    rc = sottoctl_conn_open(&conn, socket_path, &interrupt, &deadline, err, sizeof err);
    if (rc == -ETIMEDOUT || rc == -EINTR || rc == -ENOMEM)
        return comm_failure(rc, err, "connecting to sottod", args);
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
    ctl_args args = { .socket_path = NULL, .timeout_s = DEFAULT_TIMEOUT_S, .json = false,
                      .follow = false, .command = NULL };
    char *socket_path;
    int status;

    switch (parse_args(argc, argv, &args)) {
    case PARSE_EXIT_OK:
        return finish_output(EXIT_DONE);
    case PARSE_USAGE_ERROR:
        return EXIT_USAGE;
    case PARSE_RUN:
        break;
    }
    socket_path = args.socket_path ? sottoctl_strdup_printf("%s", args.socket_path)
                                   : default_socket_path();
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
