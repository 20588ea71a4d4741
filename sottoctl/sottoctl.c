/* sottoctl: command-line client for sottod's control socket
 * (protocol described in sotto-control(7), usage in sottoctl(1)).
 *
 * One sorted option table and one sorted command table drive both parsing
 * and --help, so the two cannot drift apart; tests/integration/
 * check_sottoctl_docs.sh holds the man page to the same lists. */
#include "config.h"
#include "sottoctl/sottoctl_conn.h"
#include "sottoctl/sottoctl_output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROG "sottoctl"
#define DEFAULT_TIMEOUT_S 5.0  /* most commands answer at once */
#define SLOW_TIMEOUT_S 30.0    /* ICE gathering with STUN/TURN, an HTTP round trip */
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

enum option_id { OPT_BITRATE, OPT_DISPLAY, OPT_FOLLOW, OPT_HELP, OPT_ID, OPT_JSON, OPT_PIN,
                 OPT_REJOIN, OPT_SOCKET, OPT_TIMEOUT, OPT_TOKEN, OPT_VERSION, OPT_WATCH };

enum command_id { CMD_ACCEPT, CMD_ANSWER, CMD_CALL, CMD_CALLS, CMD_COMPLETE, CMD_CONFIG_SHOW,
                  CMD_DEVICES, CMD_EVENTS, CMD_HANGUP, CMD_JOIN, CMD_MUTE, CMD_OFFER, CMD_REJECT,
                  CMD_RELOAD, CMD_SHUTDOWN, CMD_STATS, CMD_STATUS, CMD_UNMUTE, CMD_VERSION };

/* Whether a command takes a positional argument after its words
 * (ARG_TWO: two required ones, the second named by arg2_name). */
enum arg_kind { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL, ARG_TWO };

typedef struct ctl_option {
    const char *name;      /* long name without "--" */
    const char *arg_name;  /* placeholder of its value in --help; NULL: takes none */
    const char *command;   /* the only command accepting it; NULL: accepted anywhere */
    const char *wire_key;  /* member of "args" its value is sent as; NULL: not sent */
    enum option_id id;
    const char *help;      /* one line for --help */
} ctl_option;

typedef struct ctl_command {
    const char *name;      /* the words typed, space separated */
    const char *wire_cmd;  /* "cmd" sent to the daemon */
    enum command_id id;
    enum arg_kind arg_kind;
    const char *arg_name;  /* placeholder of the argument in --help; NULL with ARG_NONE */
    const char *arg_key;   /* member of "args" the argument is sent as; NULL with ARG_NONE */
    double timeout_s;      /* --timeout when none is given, seconds */
    const char *help;      /* one line for --help */
    const char *arg2_name; /* ARG_TWO: placeholder of the second argument; else NULL */
    const char *arg2_key;  /* ARG_TWO: member of "args" it is sent as; else NULL */
} ctl_command;

/* Sorted by name; --help lists them in this order. */
static const ctl_option options[] = {
    { "bitrate", "BPS", "join", "bitrate", OPT_BITRATE,
      "bit rate of the room's mix sent to us (default: fits [network] link_kbps)" },
    { "display", "NAME", "join", "display", OPT_DISPLAY, "the name others see in the room" },
    { "follow", NULL, "events", NULL, OPT_FOLLOW, "keep printing events as they happen" },
    { "help", NULL, NULL, NULL, OPT_HELP, "print this help and exit" },
    { "id", "ID", "complete", "id", OPT_ID, "the offered call to complete" },
    { "json", NULL, NULL, NULL, OPT_JSON, "print the daemon's result as one line of JSON" },
    { "pin", "PIN", "join", "pin", OPT_PIN, "the room's PIN" },
    { "rejoin", NULL, "join", NULL, OPT_REJOIN, "join again when the Janus session is lost" },
    { "socket", "PATH", NULL, NULL, OPT_SOCKET, "connect to PATH instead of the default socket" },
    { "timeout", "SECONDS", NULL, NULL, OPT_TIMEOUT,
      "wait at most SECONDS for sottod (0: no limit)" },
    { "token", "TOKEN", "call", "token", OPT_TOKEN,
      "bearer token for the remote sottod" },
    { "version", NULL, NULL, NULL, OPT_VERSION, "print sottoctl's version and exit" },
    { "watch", NULL, "stats", NULL, OPT_WATCH, "print a new sample every second" },
};

/* Sorted by name; --help lists them in this order. */
static const ctl_command commands[] = {
    { "accept", "accept", CMD_ACCEPT, ARG_REQUIRED, "TOKEN", "token", SLOW_TIMEOUT_S,
      "accept an offer token; print the answer token", NULL, NULL },
    { "answer", "answer", CMD_ANSWER, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "pick up a ringing incoming call", NULL, NULL },
    { "call", "call", CMD_CALL, ARG_REQUIRED, "URL", "url", SLOW_TIMEOUT_S,
      "call another sottod through its HTTP signalling", NULL, NULL },
    { "calls", "calls", CMD_CALLS, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "list the calls in progress", NULL, NULL },
    { "complete", "complete", CMD_COMPLETE, ARG_REQUIRED, "TOKEN", "token", DEFAULT_TIMEOUT_S,
      "connect an offered call using the answer token", NULL, NULL },
    { "config show", "config-show", CMD_CONFIG_SHOW, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "print the settings in force as INI text", NULL, NULL },
    { "devices", "devices", CMD_DEVICES, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "list the audio devices sottod can open", NULL, NULL },
    { "events", "events", CMD_EVENTS, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "print the latest events sottod kept", NULL, NULL },
    { "hangup", "hangup", CMD_HANGUP, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "end a call", NULL, NULL },
    { "join", "join", CMD_JOIN, ARG_TWO, "URL", "url", SLOW_TIMEOUT_S,
      "join a Janus AudioBridge room (janus+http://HOST:PORT/PATH)", "ROOM", "room" },
    { "mute", "mute", CMD_MUTE, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "stop sending our voice to a conference room", NULL, NULL },
    { "offer", "offer", CMD_OFFER, ARG_NONE, NULL, NULL, SLOW_TIMEOUT_S,
      "start an outgoing call; print its offer token", NULL, NULL },
    { "reject", "reject", CMD_REJECT, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "turn down a ringing incoming call", NULL, NULL },
    { "reload", "reload", CMD_RELOAD, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "re-read the configuration file, like SIGHUP", NULL, NULL },
    { "shutdown", "shutdown", CMD_SHUTDOWN, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "ask sottod to exit", NULL, NULL },
    { "stats", "stats", CMD_STATS, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "print transport and media statistics of calls", NULL, NULL },
    { "status", "status", CMD_STATUS, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "print sottod's state and its counters", NULL, NULL },
    { "unmute", "unmute", CMD_UNMUTE, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "send our voice to a conference room again", NULL, NULL },
    { "version", "version", CMD_VERSION, ARG_NONE, NULL, NULL, DEFAULT_TIMEOUT_S,
      "print sottod's version and control protocol", NULL, NULL },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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
    const char *option_values[COUNT(options)];  /* value of each option given; NULL: not given */
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

    for (size_t i = 0; i < COUNT(options) && text; i++) {
        char *head;
        char *longer;

        if (!options[i].command || strcmp(options[i].command, command->name) != 0)
            continue;
        head = option_synopsis(&options[i]);
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
    for (size_t i = 0; i < COUNT(commands); i++) {
        if (commands[i].timeout_s == DEFAULT_TIMEOUT_S)
            continue;
        fprintf(out, "%s %s", separator, commands[i].name);
        separator = ",";
    }
    fputs(".\n", out);
}

static void print_help(FILE *out)
{
    char *socket_path = sottoctl_default_socket_path();

    fputs("Usage: " PROG " [OPTION...] COMMAND [ARGUMENT] [COMMAND-OPTION...]\n"
          "Control a running sottod through its control socket.\n\nOptions:\n", out);
    for (size_t i = 0; i < COUNT(options); i++) {
        char *head = options[i].command ? NULL : option_synopsis(&options[i]);

        if (head)
            fprintf(out, "  %-*s  %s\n", HELP_COLUMN, head, options[i].help);
        free(head);
    }
    fputs("\nCommands:\n", out);
    for (size_t i = 0; i < COUNT(commands); i++) {
        char *head = command_synopsis(&commands[i]);

        fprintf(out, "  %-*s  %s\n", HELP_COLUMN, head ? head : commands[i].name,
                commands[i].help);
        free(head);
    }
    /* Grouped by command, in the command table's order. */
    fputs("\nCommand options:\n", out);
    for (size_t c = 0; c < COUNT(commands); c++) {
        for (size_t i = 0; i < COUNT(options); i++) {
            char *head;

            if (!options[i].command || strcmp(options[i].command, commands[c].name) != 0)
                continue;
            head = option_synopsis(&options[i]);
            fprintf(out, "  %-*s  %s: %s\n", HELP_COLUMN, head ? head : options[i].name,
                    options[i].command, options[i].help);
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
    for (size_t i = 0; i < COUNT(options); i++) {
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
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
    args->option_values[opt - options] = value;
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
    for (size_t i = 0; ok && i < COUNT(options); i++) {
        if (options[i].wire_key && args->option_values[i])
            ok = json_object_set_new(cmd_args, options[i].wire_key,
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
