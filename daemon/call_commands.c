/* Control commands for calls (sotto-control(7)): calls, offer, accept,
 * complete, answer, reject, hangup, stats. */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/call_http.h"
#include "daemon/call_janus.h"
#include "daemon/call_internal.h"
#include "daemon/log.h"
#include "net/token.h"

static void fail(sotto_control_reply *reply, const char *code, const char *fmt, const char *arg)
{
    reply->error_code = code;
    snprintf(reply->error_message, sizeof(reply->error_message), fmt, arg);
}

static const char *string_arg(json_t *args, const char *name)
{
    json_t *v = args ? json_object_get(args, name) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The call named by args.id, or the only one in a usable state. */
static sottod_call *target_call(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    const char *id = string_arg(args, "id");
    sottod_call *c, *found = NULL;
    int n = 0;

    if (id) {
        found = sottod__call_find(mgr, id);
        if (!found)
            fail(reply, "failed", "no call with id %s", id);
        return found;
    }
    for (c = mgr->calls; c; c = c->next) {
        if (c->state != CALL_ENDED) {
            found = c;
            n++;
        }
    }
    if (n == 0)
        fail(reply, "failed", "%s", "there is no call");
    else if (n > 1)
        fail(reply, "bad-args", "%s", "several calls: give an id");
    return n == 1 ? found : NULL;
}

static const char *const signalling_names[] = { "token", "http", "janus" };

static json_t *call_json(const sottod_call *c)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s?, s:s, s:s?, s:f}", "id", c->id, "direction",
        c->outgoing ? "outgoing" : "incoming", "state", sottod__call_state_name(c->state),
        "signalling", signalling_names[c->signalling], "codec", c->codec ? c->codec->name : NULL,
        "remote_fingerprint", c->remote_fingerprint, "contact", c->contact[0] ? c->contact : NULL,
        "age_s", (double)(uv_now(c->mgr->loop) - c->created_ms) / 1000.0);

    sottod__janus_describe(c, o);
    return o;
}

static void cmd_calls(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    json_t *list = json_array();
    sottod_call *c;

    (void)args;
    for (c = mgr->calls; c; c = c->next)
        if (c->state != CALL_ENDED)
            json_array_append_new(list, call_json(c));
    reply->result = json_pack("{s:o}", "calls", list);
}

static void start_or_fail(sottod_call *call, sotto_control_reply *reply)
{
    char err[256] = "";

    call->pending = sotto_control_defer(reply);
    if (!call->pending) {
        sottod__call_end(call, "out of memory");
        fail(reply, "internal", "%s", "out of memory");
        return;
    }
    if (sottod__call_start(call, err, sizeof(err)) < 0)
        sottod__call_end(call, err); /* also answers the deferred request */
}

static void cmd_offer(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    char err[256] = "";
    sottod_call *call;

    (void)args;
    call = sottod__call_new(mgr, 1, SIGNAL_TOKEN, err, sizeof(err));
    if (!call) {
        fail(reply, "failed", "%s", err);
        return;
    }
    snprintf(call->peer, sizeof(call->peer), "token");
    start_or_fail(call, reply);
}

static char *decode_token(json_t *args, sotto_control_reply *reply, size_t *len)
{
    const char *token = string_arg(args, "token");
    char err[256] = "";
    char *sdp = NULL;

    if (!token) {
        fail(reply, "bad-args", "%s", "\"token\" (a string) is required");
        return NULL;
    }
    if (sotto_token_decode(token, strlen(token), &sdp, len, err, sizeof(err)) < 0) {
        fail(reply, "bad-args", "bad token: %s", err);
        return NULL;
    }
    return sdp;
}

static void cmd_accept(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    char err[256] = "";
    sottod_call *call;
    size_t len;
    char *sdp = decode_token(args, reply, &len);

    if (!sdp)
        return;
    call = sottod__call_new(mgr, 0, SIGNAL_TOKEN, err, sizeof(err));
    if (!call) {
        free(sdp);
        fail(reply, "failed", "%s", err);
        return;
    }
    snprintf(call->peer, sizeof(call->peer), "token");
    if (sottod__call_parse_remote(call, sdp, len, err, sizeof(err)) < 0 ||
        sottod__apply_remote(call, 1, err, sizeof(err)) < 0 ||
        sottod__call_check_peer(call, err, sizeof(err)) < 0) {
        free(sdp);
        sottod__call_end(call, err);
        fail(reply, "failed", "cannot accept this offer: %s", err);
        return;
    }
    free(sdp);
    start_or_fail(call, reply);
}

static void cmd_complete(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    char err[256] = "";
    sottod_call *call = NULL, *c;
    const char *id = string_arg(args, "id");
    size_t len;
    char *sdp = decode_token(args, reply, &len);

    if (!sdp)
        return;
    for (c = mgr->calls; c; c = c->next)
        if (c->state == CALL_OFFERED && c->signalling == SIGNAL_TOKEN &&
            (!id || strcmp(c->id, id) == 0))
            call = c;
    if (!call) {
        free(sdp);
        fail(reply, "failed", "%s", "no outgoing call is waiting for an answer");
        return;
    }
    if (sottod__call_parse_remote(call, sdp, len, err, sizeof(err)) < 0 ||
        sottod__apply_remote(call, 0, err, sizeof(err)) < 0) {
        free(sdp);
        fail(reply, "failed", "cannot use this answer: %s", err);
        sottod__call_end(call, err);
        return;
    }
    free(sdp);
    sottod__call_set_state(call, CALL_CONNECTING);
    reply->result = json_pack("{s:s, s:s}", "id", call->id, "state", "connecting");
}

static void cmd_call(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    const char *url = string_arg(args, "url"), *token = string_arg(args, "token");
    char err[256] = "";
    sottod_call *call;

    if (!url || strncmp(url, "http://", 7) != 0 || strlen(url) >= sizeof(call->remote_url)) {
        fail(reply, "bad-args", "%s", "\"url\" must be an http:// URL of a sottod");
        return;
    }
    if (token && strlen(token) >= sizeof(call->http_token)) {
        fail(reply, "bad-args", "%s", "\"token\" is too long");
        return;
    }
    call = sottod__call_new(mgr, 1, SIGNAL_HTTP, err, sizeof(err));
    if (!call) {
        fail(reply, "failed", "%s", err);
        return;
    }
    snprintf(call->remote_url, sizeof(call->remote_url), "%s", url);
    snprintf(call->http_token, sizeof(call->http_token), "%s", token ? token : "");
    snprintf(call->peer, sizeof(call->peer), "%.120s", url);
    start_or_fail(call, reply);
}

static sottod_call *ringing_call(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod_call *call = target_call(mgr, args, reply);

    if (call && call->state != CALL_RINGING) {
        fail(reply, "failed", "call %s is not ringing", call->id);
        return NULL;
    }
    return call;
}

static void cmd_answer(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod_call *call = ringing_call(mgr, args, reply);
    char err[256] = "";

    if (!call)
        return;
    uv_timer_stop(&call->ring_timer);
    sottod__call_set_state(call, CALL_GATHERING);
    if (sottod__call_start(call, err, sizeof(err)) < 0) {
        sottod__call_end(call, err);
        fail(reply, "failed", "%s", err);
        return;
    }
    reply->result = json_pack("{s:s}", "id", call->id);
}

static void cmd_reject(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod_call *call = ringing_call(mgr, args, reply);

    if (!call)
        return;
    reply->result = json_pack("{s:s}", "id", call->id);
    sottod__http_refuse(call, 486, "the callee rejected the call");
    sottod__call_end(call, "rejected");
}

static void cmd_hangup(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod_call *call = target_call(mgr, args, reply);

    if (!call)
        return;
    reply->result = json_pack("{s:s}", "id", call->id);
    sottod__call_end(call, "hung up locally");
}

static void cmd_ice_restart(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod_call *call = target_call(mgr, args, reply);
    int rc;

    if (!call)
        return;
    if (!call->outgoing || call->signalling != SIGNAL_HTTP || !call->remote_answered ||
        (call->state != CALL_CONNECTING && call->state != CALL_ACTIVE) || call->ice_restarting) {
        fail(reply, "failed", "%s", "only an outgoing HTTP call in progress can restart ICE");
        return;
    }
    rc = sottod__call_restart_ice(call);
    if (rc < 0) {
        fail(reply, "failed", "ICE restart failed: %s", strerror(-rc));
        return;
    }
    reply->result =
        json_pack("{s:s, s:i}", "id", call->id, "ice_restarts", (int)call->ice_restarts);
}

/* The negotiated profile without the DTLS "SRTP_" prefix; "none" before one. */
static const char *srtp_profile_name(const sottod_call *c)
{
    const char *name =
        c->transport ? sotto_srtp_profile_name(sotto_transport_profile(c->transport)) : NULL;

    return name ? name + strlen("SRTP_") : "none";
}

/* Packetisation, redundancy and the rate controller's decision. */
static void media_extras(json_t *media, const sotto_media_stats *s, const sottod_call *c)
{
    const sotto_ratectl_decision *d = &s->controller;

    if (!media)
        return;
    json_object_set_new(media, "jitter_buffered_ms", json_integer(s->jitter_buffered_ms));
    json_object_update_new(
        media,
        json_pack("{s:i, s:i, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:s, s:i}", "red_payload_type",
                  c->red_pt, "redundant_frames", (int)s->redundant_frames, "remote_ptime_ms",
                  s->remote_ptime_ms, "remote_redundant_frames", (int)s->remote_redundant_frames,
                  "frames_recovered", (json_int_t)s->frames_recovered, "frames_played",
                  (json_int_t)s->frames_played, "bad_payloads", (json_int_t)s->bad_payloads,
                  "expands", (json_int_t)s->expands, "compresses", (json_int_t)s->compresses,
                  "srtp_profile", srtp_profile_name(c), "max_ptime_ms", c->max_ptime_ms));
    /* The controller's plan for the wire beside what left, both counted
     * down to the link layer's framing. */
    json_object_update_new(media,
                           json_pack("{s:f, s:f, s:I, s:I, s:I}", "planned_kbps_sent",
                                     s->planned_kbps_sent, "link_kbps_sent", s->link_kbps_sent,
                                     "over_plan_ms", (json_int_t)s->over_plan_ms, "rate_mismatches",
                                     (json_int_t)s->rate_mismatches, "start_dropped_ms",
                                     (json_int_t)s->start_dropped_ms));
    /* Silence suppression: RFC 3389 comfort noise or Opus DTX. */
    json_object_update_new(media, json_pack("{s:i, s:b, s:I, s:I, s:I, s:I}", "cn_payload_type",
                                            c->cn_pt, "dtx", c->media_dtx, "cn_packets_sent",
                                            (json_int_t)s->cn_packets_sent, "cn_packets_received",
                                            (json_int_t)s->cn_packets_received, "silence_ms_sent",
                                            (json_int_t)s->silence_ms_sent, "comfort_noise_ms",
                                            (json_int_t)s->comfort_noise_ms));
    /* A framed codec's mode (Sotto: 3.2 or 2 kbit/s), which the controller
     * may switch mid-call on a slow lossy link. */
    if (c->codec && c->codec->switch_bitrate)
        json_object_update_new(media,
                               json_pack("{s:b, s:b, s:I}", "low_rate_mode", s->low_rate_mode,
                                         "remote_low_rate_mode", s->remote_low_rate_mode,
                                         "mode_switches", (json_int_t)s->mode_switches));
    json_object_set_new(media, "controller",
                        json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:b, s:I, s:I, s:s}",
                                  "ptime_ms", (int)d->ptime_ms, "redundant_frames",
                                  (int)d->redundant_frames, "bitrate", (int)d->bitrate,
                                  "expected_loss_pct", (int)d->expected_loss_pct, "wire_bps",
                                  (int)d->wire_bps, "cap_bps", (int)d->cap_bps, "loss", d->loss,
                                  "low_mode", d->low_mode, "changes", (json_int_t)d->changes,
                                  "reports", (json_int_t)d->reports, "reason", d->reason));
}

/* The capture chain's figures: they describe the local microphone, the
 * same for every call, and are shown with each. */
static json_t *processing_json(const sotto_voice *v)
{
    sotto_voice_stats s;

    sotto_voice_get_stats(v, &s);
    return json_pack("{s:s, s:f, s:i, s:f, s:f, s:f}", "engine", s.engine, "erle_db",
                     round(s.erle_db * 10) / 10, "echo_delay_ms", s.delay_ms, "speech_probability",
                     round(s.speech_probability * 100) / 100, "speech_fraction",
                     s.blocks ? round(1000.0 * s.speech_blocks / s.blocks) / 1000 : 0.0,
                     "noise_dbfs", round(s.noise_dbfs * 10) / 10);
}

static json_t *stats_json(const sottod_call *c)
{
    sotto_media_stats s;
    sotto_transport_stats ts;
    json_t *o = call_json(c);

    json_object_set_new(o, "ice_restarts", json_integer((json_int_t)c->ice_restarts));
    json_object_set_new(o, "ice_auto_restarts", json_integer((json_int_t)c->ice_auto_restarts));
    if (c->transport && sotto_transport_get_stats(c->transport, &ts) == 0)
        json_object_set_new(
            o, "transport",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "dropped_malformed",
                      (json_int_t)ts.dropped_malformed, "dropped_auth", (json_int_t)ts.dropped_auth,
                      "dropped_replay", (json_int_t)ts.dropped_replay, "rtp_sent",
                      (json_int_t)ts.rtp_sent, "rtp_received", (json_int_t)ts.rtp_received,
                      "ice_provisional_failures", (json_int_t)ts.ice_provisional_failures));
    if (c->mgr->voice)
        json_object_set_new(o, "processing", processing_json(c->mgr->voice));
    if (!c->media)
        return o;
    sotto_media_get_stats(c->media, sottod__now_us(), &s);
    json_object_set_new(
        o, "media",
        json_pack(
            "{s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:f,"
            " s:f, s:f, s:f, s:i, s:I, s:I, s:I, s:I}",
            "codec", s.codec, "payload_type", s.payload_type, "ptime_ms", s.ptime_ms,
            "packets_sent", (json_int_t)s.packets_sent, "packets_received",
            (json_int_t)s.packets_received, "payload_bytes_sent", (json_int_t)s.payload_bytes_sent,
            "payload_bytes_received", (json_int_t)s.payload_bytes_received, "wire_bytes_sent",
            (json_int_t)s.wire_bytes_sent, "wire_bytes_received", (json_int_t)s.wire_bytes_received,
            "payload_kbps_sent", s.payload_kbps_sent, "wire_kbps_sent", s.wire_kbps_sent,
            "payload_kbps_received", s.payload_kbps_received, "wire_kbps_received",
            s.wire_kbps_received, "packets_lost", (json_int_t)s.packets_lost, "loss_fraction",
            s.loss_fraction, "jitter_ms", s.jitter_ms, "rtt_ms", s.rtt_ms, "remote_loss_fraction",
            s.remote_loss_fraction, "jitter_buffer_ms", (int)s.jitter_buffer_ms, "concealed_ms",
            (json_int_t)s.concealed_ms, "packets_late", (json_int_t)s.packets_late, "rtcp_sent",
            (json_int_t)s.rtcp_sent, "rtcp_received", (json_int_t)s.rtcp_received));
    media_extras(json_object_get(o, "media"), &s, c);
    return o;
}

static void cmd_stats(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    json_t *list = json_array();
    const char *id = string_arg(args, "id");
    sottod_call *c;

    for (c = mgr->calls; c; c = c->next)
        if (c->state != CALL_ENDED && (!id || strcmp(id, c->id) == 0))
            json_array_append_new(list, stats_json(c));
    if (id && json_array_size(list) == 0) {
        json_decref(list);
        fail(reply, "failed", "no call with id %s", id);
        return;
    }
    reply->result = json_pack("{s:o}", "calls", list);
}

static void cmd_join(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod__janus_cmd_join(mgr, args, reply);
}

static void cmd_mute(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod__janus_cmd_mute(mgr, args, reply, 1);
}

static void cmd_unmute(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod__janus_cmd_mute(mgr, args, reply, 0);
}

static const struct {
    const char *name;
    void (*fn)(sottod_calls *mgr, json_t *args, sotto_control_reply *reply);
} commands[] = {
    { "accept", cmd_accept },
    { "answer", cmd_answer },
    { "call", cmd_call },
    { "calls", cmd_calls },
    { "complete", cmd_complete },
    { "hangup", cmd_hangup },
    { "ice-restart", cmd_ice_restart },
    { "join", cmd_join },
    { "mute", cmd_mute },
    { "offer", cmd_offer },
    { "reject", cmd_reject },
    { "stats", cmd_stats },
    { "unmute", cmd_unmute },
};

int sottod_calls_command(sottod_calls *mgr, const char *cmd, json_t *args,
                         sotto_control_reply *reply)
{
    size_t i;

    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, cmd) == 0) {
            if (!mgr)
                fail(reply, "failed", "%s", "calls are not available");
            else
                commands[i].fn(mgr, args, reply);
            return 1;
        }
    }
    return 0;
}
