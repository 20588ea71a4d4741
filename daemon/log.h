/* Daemon logging: one line per message on stderr, which systemd's journal
 * captures. Only daemon/ logs; libraries return errors instead. */
#ifndef SOTTO_DAEMON_LOG_H
#define SOTTO_DAEMON_LOG_H

#include "config/config.h"

/* The one mutable global the house rules allow besides parsed options. */
void sotto_log_set_level(sotto_log_level level);
sotto_log_level sotto_log_get_level(void);

void sotto_log(sotto_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) sotto_log(SOTTO_LOG_ERROR, __VA_ARGS__)
#define log_warning(...) sotto_log(SOTTO_LOG_WARNING, __VA_ARGS__)
#define log_info(...) sotto_log(SOTTO_LOG_INFO, __VA_ARGS__)
#define log_debug(...) sotto_log(SOTTO_LOG_DEBUG, __VA_ARGS__)

#endif
