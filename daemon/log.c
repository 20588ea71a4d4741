#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sotto_log_level current_level = SOTTO_LOG_INFO;

void sotto_log_set_level(sotto_log_level level)
{
    current_level = level;
}

sotto_log_level sotto_log_get_level(void)
{
    return current_level;
}

/* When stderr is the journal (JOURNAL_STREAM is set by systemd), a "<N>"
 * prefix carries the syslog priority and the journal adds timestamps. */
static int stderr_is_journal(void)
{
    return getenv("JOURNAL_STREAM") != NULL;
}

void sotto_log(sotto_log_level level, const char *fmt, ...)
{
    static const int syslog_priority[] = {3, 4, 6, 7};
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char line[1024];
    va_list ap;

    if (level > current_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (stderr_is_journal())
        fprintf(stderr, "<%d>%s\n", syslog_priority[level], line);
    else
        fprintf(stderr, "sottod: %s: %s\n", names[level], line);
}
