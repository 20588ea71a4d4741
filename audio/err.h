/* Caller error buffers: the module never logs, it writes one line here. */
#ifndef SOTTO_AUDIO_ERR_H
#define SOTTO_AUDIO_ERR_H

#include <stddef.h>

/* printf-style into err[errlen] (truncating); a NULL err or errlen 0 is ignored. */
void sotto__audio_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
