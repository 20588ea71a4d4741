/* Private to daemon/: automatic ICE restarts of an outgoing HTTP call. */
#ifndef SOTTO_DAEMON_CALL_WATCH_H
#define SOTTO_DAEMON_CALL_WATCH_H

#include "daemon/call_internal.h"

/* Starts the call's watch (once it is active): every second the local
 * interface addresses are compared with the last poll, and the time since
 * the peer's last packet with 3 s; either restarts ICE over the call's
 * HTTP resource, at most once per 3 s, and after 5 restarts in a row with
 * no packet from the peer the call ends. Only for outgoing HTTP calls
 * (the caller restarts; the callee answers). */
void sottod__watch_start(sottod_call *call);

/* Our automatic restart's PATCH failed. answered: the callee sent an HTTP
 * status. Returns 1 when the watch will try again (keep the call), 0 when
 * the call must end. */
int sottod__watch_patch_failed(sottod_call *call, int answered);

#endif
