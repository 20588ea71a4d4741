/* Private to net/: the one-line error message every public function of
 * this folder writes into its caller's buffer. */
#ifndef SOTTO_NET_ERR_H
#define SOTTO_NET_ERR_H

#include <stddef.h>

/* printf into err (errlen bytes); does nothing for NULL or errlen 0. */
void sotto__net_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
