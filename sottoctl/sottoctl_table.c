/* The tables of sottoctl_table.h. */
#include "sottoctl/sottoctl_table.h"

#include <stddef.h>

/* Sorted by name; --help lists them in this order. */
/* The declaration's size makes a missing or extra entry a compile error. */
const ctl_option sottoctl_options[] = {
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
    { "token", "TOKEN", "call", "token", OPT_TOKEN, "bearer token for the remote sottod" },
    { "version", NULL, NULL, NULL, OPT_VERSION, "print sottoctl's version and exit" },
    { "watch", NULL, "stats", NULL, OPT_WATCH, "print a new sample every second" },
};

/* Sorted by name; --help lists them in this order. */
const ctl_command sottoctl_commands[] = {
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
    { "hangup", "hangup", CMD_HANGUP, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S, "end a call",
      NULL, NULL },
    { "ice-restart", "ice-restart", CMD_ICE_RESTART, ARG_OPTIONAL, "ID", "id", DEFAULT_TIMEOUT_S,
      "restart ICE of an outgoing HTTP call (a new path)", NULL, NULL },
    { "join", "join", CMD_JOIN, ARG_TWO, "URL", "url", SLOW_TIMEOUT_S,
      "join a Janus AudioBridge room (janus+ws://HOST:PORT/ or janus+http://...)", "ROOM", "room" },
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

const size_t sottoctl_command_count = sizeof(sottoctl_commands) / sizeof(sottoctl_commands[0]);
