/* Conference calls through a Janus AudioBridge room (daemon side). Private
 * to daemon/calls*.c. */
#ifndef SOTTO_DAEMON_CALL_JANUS_H
#define SOTTO_DAEMON_CALL_JANUS_H

#include "daemon/call_internal.h"

/* `join URL ROOM`: args url, room, pin, display, rejoin, bitrate. */
void sottod__janus_cmd_join(sottod_calls *mgr, json_t *args, sotto_control_reply *reply);
/* `mute` / `unmute` of a conference call (args id optional). */
void sottod__janus_cmd_mute(sottod_calls *mgr, json_t *args, sotto_control_reply *reply, int muted);
/* Our offer is complete: hand it to Janus. */
void sottod__janus_description_ready(sottod_call *call, const char *sdp);
/* The call ended: leave the room (the goodbye finishes on its own). */
void sottod__janus_call_ended(sottod_call *call);

/* The conference's media transport failed or was closed by Janus: ends
 * the call as a lost session (rejoining when asked). */
void sottod__janus_media_lost(sottod_call *call, const char *why);
/* The room's members for `calls` and `stats`: adds "room" to o. */
void sottod__janus_describe(const sottod_call *call, json_t *o);
/* The rate controller changed its mind: the mix's FEC follows the loss. */
void sottod__janus_rate_changed(sottod_call *call, const sotto_ratectl_decision *d);

#endif
