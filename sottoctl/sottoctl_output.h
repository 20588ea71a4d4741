/* sottoctl's printing of daemon replies, human-readable or JSON.
 *
 * Private to sottoctl. The functions only read the JSON they are given
 * (the caller keeps ownership). Strings from the daemon are printed with
 * control characters escaped as \xNN, so a hostile or broken daemon cannot
 * drive the terminal. They return 0, -EPROTO when the reply lacks what the
 * protocol promises (a reason goes into err), or -ENOMEM. Write errors on
 * out are left for the caller to find with ferror()/fflush(). */
#ifndef SOTTO_SOTTOCTL_SOTTOCTL_OUTPUT_H
#define SOTTO_SOTTOCTL_SOTTOCTL_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* printf into a new heap string; NULL when out of memory. Caller frees. */
__attribute__((format(printf, 1, 2)))
char *sottoctl_strdup_printf(const char *fmt, ...);

/* Heap copy of src with control characters escaped as \xNN; NULL when src
 * is NULL or out of memory. Caller frees. */
char *sottoctl_escape_dup(const char *src);

/* Prints value as compact JSON on one line. */
int sottoctl_print_json(FILE *out, const json_t *value);

/* "status": one aligned "key: value" line per field; nested objects are
 * flattened with dotted keys (audio.frames_captured). */
int sottoctl_print_status(FILE *out, const json_t *result, char *err, size_t err_size);

/* "devices": a table with one row per device. */
int sottoctl_print_devices(FILE *out, const json_t *result, char *err, size_t err_size);

/* "calls": a table with one row per call (ID, DIRECTION, STATE, CODEC,
 * AGE), or "no calls". */
int sottoctl_print_calls(FILE *out, const json_t *result, char *err, size_t err_size);

/* "stats": per call a block of aligned "key: value" lines, nested objects
 * flattened with dotted keys (media.jitter_ms) as in status; kbps with one
 * decimal, loss fractions as percentages, negative rtt_ms and
 * remote_loss_fraction as "unknown". Blocks are separated by a blank
 * line; no calls prints "no calls". */
int sottoctl_print_stats(FILE *out, const json_t *result, char *err, size_t err_size);

/* One sample of stats --watch taken at now_s (seconds since the epoch):
 * with json, the result with a "time" member added, on one line; else a
 * line "--- TIME" (local ISO-8601) and sottoctl_print_stats. */
int sottoctl_print_stats_sample(FILE *out, const json_t *result, double now_s, bool json,
                                char *err, size_t err_size);

/* Replies of offer, accept, complete, call, answer, reject and hangup
 * (wire_cmd names which): offer and accept print the token alone on out
 * and a "call ID: what to do next" line on hint_out; the others print
 * "call ID: OUTCOME" on out (answered, rejected, hung up, or the state
 * the daemon reports). -EINVAL for any other wire_cmd. */
int sottoctl_print_call_result(FILE *out, FILE *hint_out, const char *wire_cmd,
                               const json_t *result, char *err, size_t err_size);

/* One event: ISO-8601 local time, event name, data as compact JSON. */
int sottoctl_print_event(FILE *out, const json_t *event);

/* Which events a follower has printed: they may arrive twice (in the
 * reply's history and as a live event line), so each seq is printed once. */
typedef struct sottoctl_event_stream {
    json_int_t last_seq;  /* highest seq printed; -1 before the first */
    bool saw_shutdown;    /* a "shutdown" event was printed; default false */
    bool json;            /* print events as JSON lines; default false */
} sottoctl_event_stream;

/* Prints event (JSON or as sottoctl_print_event) unless its seq was
 * printed before, then flushes out. Returns 0 or a negative errno. */
int sottoctl_show_event(FILE *out, sottoctl_event_stream *stream, const json_t *event);

/* "events": each event of the reply through sottoctl_show_event, or, with
 * whole_json, the whole result as one JSON line. */
int sottoctl_print_events(FILE *out, sottoctl_event_stream *stream, const json_t *result,
                          bool whole_json, char *err, size_t err_size);

/* "config-show": the INI text as sent, ending with a newline. */
int sottoctl_print_config(FILE *out, const json_t *result, char *err, size_t err_size);

/* "version": the daemon's version and control protocol. */
int sottoctl_print_version(FILE *out, const json_t *result, char *err, size_t err_size);

/* "reload": which file the daemon now runs with. */
int sottoctl_print_reload(FILE *out, const json_t *result);

#endif
