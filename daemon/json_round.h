/* Reals on the control socket carry the precision they mean: a bit rate
 * of 21.467 kbit/s, not the 21.466999999999999 that printing a double's
 * full 17 digits gives. */
#ifndef SOTTO_DAEMON_JSON_ROUND_H
#define SOTTO_DAEMON_JSON_ROUND_H

#include <jansson.h>

/* json_dumps flags for rounded reals: 15 significant digits print every
 * value sotto_json_round_reals leaves exactly as its decimal text. */
#define SOTTO_JSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* Rounds, in place, every real in value (objects and arrays included):
 * three decimals from 1 up (milliseconds of a time in seconds), four
 * significant digits below 1 (a loss fraction of 0.01234). */
void sotto_json_round_reals(json_t *value);

/* The rounding of one real, as above. */
double sotto_json_round_real(double x);

#endif
