/* HTTP signalling for calls (daemon side). Private to daemon/calls*.c. */
#ifndef SOTTO_DAEMON_CALL_HTTP_H
#define SOTTO_DAEMON_CALL_HTTP_H

#include "daemon/call_internal.h"

/* Starts the server when [network] signal_address is set. */
int sottod__http_start(sottod_calls *mgr, char *err, size_t errlen);
void sottod__http_stop(sottod_calls *mgr);
/* Our description is ready: answer the HTTP offer, or POST ours. */
void sottod__http_description_ready(sottod_call *call, const char *sdp);
/* Refuses the call's pending HTTP offer (ringing): status 4xx/5xx. */
void sottod__http_refuse(sottod_call *call, int status, const char *reason);
/* The call ended: fail its pending HTTP exchange, DELETE on the callee. */
void sottod__http_call_ended(sottod_call *call);

#endif
