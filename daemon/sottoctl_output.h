/* sottoctl's printing of daemon replies, human-readable or JSON.
 *
 * Private to sottoctl. The functions only read the JSON they are given
 * (the caller keeps ownership). Strings from the daemon are printed with
 * control characters escaped as \xNN, so a hostile or broken daemon cannot
 * drive the terminal. They return 0, -EPROTO when the reply lacks what the
 * protocol promises (a reason goes into err), or -ENOMEM. Write errors on
 * out are left for the caller to find with ferror()/fflush(). */
#ifndef SOTTO_DAEMON_SOTTOCTL_OUTPUT_H
#define SOTTO_DAEMON_SOTTOCTL_OUTPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* printf into a new heap string; NULL when out of memory. Caller frees. */
__attribute__((format(printf, 1, 2)))
char *sottoctl_strdup_printf(const char *fmt, ...);

/* Prints value as compact JSON on one line. */
int sottoctl_print_json(FILE *out, const json_t *value);

/* "status": one aligned "key: value" line per field; nested objects are
 * flattened with dotted keys (audio.frames_captured). */
int sottoctl_print_status(FILE *out, const json_t *result, char *err, size_t err_size);

/* "devices": a table with one row per device. */
int sottoctl_print_devices(FILE *out, const json_t *result, char *err, size_t err_size);

/* One event: ISO-8601 local time, event name, data as compact JSON. */
int sottoctl_print_event(FILE *out, const json_t *event);

/* "config-show": the INI text as sent, ending with a newline. */
int sottoctl_print_config(FILE *out, const json_t *result, char *err, size_t err_size);

/* "version": the daemon's version and control protocol. */
int sottoctl_print_version(FILE *out, const json_t *result, char *err, size_t err_size);

/* "reload": which file the daemon now runs with. */
int sottoctl_print_reload(FILE *out, const json_t *result);

#endif
