/* sottoctl's option and command tables, shared by its parser and --help
 * (sottoctl.c) and kept here so that each file stays small. */
#ifndef SOTTO_SOTTOCTL_SOTTOCTL_TABLE_H
#define SOTTO_SOTTOCTL_SOTTOCTL_TABLE_H

#include <stddef.h>

#define DEFAULT_TIMEOUT_S 5.0 /* most commands answer at once */
#define SLOW_TIMEOUT_S 30.0   /* ICE gathering with STUN/TURN, an HTTP round trip */

enum option_id {
    OPT_BITRATE,
    OPT_DISPLAY,
    OPT_FOLLOW,
    OPT_HELP,
    OPT_ID,
    OPT_JSON,
    OPT_PIN,
    OPT_REJOIN,
    OPT_SOCKET,
    OPT_TIMEOUT,
    OPT_TOKEN,
    OPT_VERSION,
    OPT_WATCH
};

enum command_id {
    CMD_ACCEPT,
    CMD_ANSWER,
    CMD_CALL,
    CMD_CALLS,
    CMD_COMPLETE,
    CMD_CONFIG_SHOW,
    CMD_DEVICES,
    CMD_EVENTS,
    CMD_HANGUP,
    CMD_ICE_RESTART,
    CMD_JOIN,
    CMD_MUTE,
    CMD_OFFER,
    CMD_REJECT,
    CMD_RELOAD,
    CMD_SHUTDOWN,
    CMD_STATS,
    CMD_STATUS,
    CMD_UNMUTE,
    CMD_VERSION
};

/* Whether a command takes a positional argument after its words
 * (ARG_TWO: two required ones, the second named by arg2_name). */
enum arg_kind {
    ARG_NONE,
    ARG_REQUIRED,
    ARG_OPTIONAL,
    ARG_TWO
};

typedef struct ctl_option {
    const char *name;     /* long name without "--" */
    const char *arg_name; /* placeholder of its value in --help; NULL: takes none */
    const char *command;  /* the only command accepting it; NULL: accepted anywhere */
    const char *wire_key; /* member of "args" its value is sent as; NULL: not sent */
    enum option_id id;
    const char *help; /* one line for --help */
} ctl_option;

typedef struct ctl_command {
    const char *name;     /* the words typed, space separated */
    const char *wire_cmd; /* "cmd" sent to the daemon */
    enum command_id id;
    enum arg_kind arg_kind;
    const char *arg_name;  /* placeholder of the argument in --help; NULL with ARG_NONE */
    const char *arg_key;   /* member of "args" the argument is sent as; NULL with ARG_NONE */
    double timeout_s;      /* --timeout when none is given, seconds */
    const char *help;      /* one line for --help */
    const char *arg2_name; /* ARG_TWO: placeholder of the second argument; else NULL */
    const char *arg2_key;  /* ARG_TWO: member of "args" it is sent as; else NULL */
} ctl_command;

#define SOTTOCTL_OPTION_COUNT (OPT_WATCH + 1)

/* Sorted by name (--help lists them in this order); indexed by nothing. */
extern const ctl_option sottoctl_options[SOTTOCTL_OPTION_COUNT];
extern const ctl_command sottoctl_commands[];
extern const size_t sottoctl_command_count;

#endif
