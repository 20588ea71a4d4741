/* Calls signalled over HTTP (WHIP-like): incoming offers from the
 * signalling server, outgoing `call URL`, ringing, and HTTP hang-up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon/call_http.h"
#include "daemon/call_watch.h"
#include "daemon/log.h"
#include "net/signal_http.h"

static void release_slot(http_slot *slot);

/* Reasons come from parsers and peers: if one is not acceptable as an
 * HTTP body, the status text is sent instead. */
static void refuse(sotto_signal_http_offer **offer, int status, const char *reason)
{
    if (sotto_signal_http_fail(offer, status, reason) < 0)
        sotto_signal_http_fail(offer, status, NULL);
}

static void answer_offer(sottod_call *call, int status, const char *reason)
{
    sotto_signal_http_offer *offer = call->http_request;

    if (!offer)
        return;
    call->http_request = NULL;
    refuse(&offer, status, reason);
}

void sottod__http_refuse(sottod_call *call, int status, const char *reason)
{
    answer_offer(call, status, reason);
}

static void on_ring_timeout(uv_timer_t *t)
{
    sottod_call *call = t->data;

    answer_offer(call, 480, "nobody answered");
    sottod__call_end(call, "not answered in time");
}

static void on_http_offer(void *opaque, sotto_signal_http_offer *offer, const char *sdp,
                          size_t len)
{
    sottod_calls *mgr = opaque;
    const sotto_config *cfg = mgr->cfg;
    char err[256] = "";
    sottod_call *call;

    if (cfg->call.incoming == SOTTO_INCOMING_REJECT) {
        refuse(&offer, 403, "this daemon does not take calls");
        return;
    }
    call = sottod__call_new(mgr, 0, SIGNAL_HTTP, err, sizeof(err));
    if (!call) {
        refuse(&offer, 503, err);
        return;
    }
    snprintf(call->peer, sizeof(call->peer), "http");
    if (sottod__call_parse_remote(call, sdp, len, err, sizeof(err)) < 0 ||
        sottod__apply_remote(call, 1, err, sizeof(err)) < 0) {
        refuse(&offer, 400, err);
        sottod__call_end(call, err);
        return;
    }
    if (sottod__call_check_peer(call, err, sizeof(err)) < 0) {
        refuse(&offer, 403, err);
        sottod__call_end(call, err);
        return;
    }
    call->http_request = offer;
    sotto_control_emit(mgr->control, "call-incoming",
                       json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", call->id, "direction",
                                 "incoming", "from", call->peer, "fingerprint",
                                 call->remote_fingerprint, "contact",
                                 call->contact[0] ? call->contact : NULL));
    if (cfg->call.incoming == SOTTO_INCOMING_RING) {
        sottod__call_set_state(call, CALL_RINGING);
        uv_timer_start(&call->ring_timer, on_ring_timeout,
                       (uint64_t)cfg->call.ring_timeout_s * 1000u, 0);
        return;
    }
    if (sottod__call_start(call, err, sizeof(err)) < 0) {
        answer_offer(call, 500, err);
        sottod__call_end(call, err);
    }
}

static void ice_restarted(sottod_call *call)
{
    call->ice_restarting = 0;
    call->auto_restarting = 0;
    log_info("call %s: ICE restarted (%u so far)", call->id, call->ice_restarts);
    sotto_control_emit(call->mgr->control, "call-ice-restarted",
                       json_pack("{s:s, s:i}", "id", call->id, "restarts",
                                 (int)call->ice_restarts));
}

/* PATCH /v1/calls/<id>: the caller restarts ICE (a new offer with new
 * credentials, the same certificate). We restart ours and answer 200. */
static void on_http_update(void *opaque, sotto_signal_http_offer *offer, const char *call_id,
                           const char *sdp, size_t len)
{
    sottod_call *call = sottod__call_find(opaque, call_id);
    char err[256] = "";
    sotto_sdp *parsed = NULL;
    int rc;

    if (!call || call->state == CALL_ENDED) {
        refuse(&offer, 404, "no such call");
        return;
    }
    if (call->outgoing || call->signalling != SIGNAL_HTTP ||
        (call->state != CALL_CONNECTING && call->state != CALL_ACTIVE) || call->http_request ||
        call->ice_restarting) {
        refuse(&offer, 409, "the call cannot restart ICE now");
        return;
    }
    rc = sottod__ice_restart_parse(call, sdp, len, &parsed, err, sizeof(err));
    if (rc < 0) {
        log_warning("call %s: ICE restart refused: %s", call->id, err);
        refuse(&offer, rc == -EPERM ? 403 : 400, err);
        return;
    }
    call->hold_description = 1;
    rc = sottod__call_restart_ice(call);
    call->hold_description = 0;
    if (rc < 0 || sottod__ice_restart_apply(call, parsed, err, sizeof(err)) < 0) {
        if (rc < 0)
            free(parsed);
        refuse(&offer, 500, "ICE restart failed");
        sottod__call_end(call, "ICE restart failed");
        return;
    }
    call->http_request = offer;
    if (call->gathering_done)
        sottod__call_description_ready(call);
}

static int on_http_hangup(void *opaque, const char *call_id)
{
    sottod_call *call = sottod__call_find(opaque, call_id);

    if (!call)
        return -ENOENT;
    sottod__call_end(call, "hung up by the peer");
    return 0;
}

int sottod__http_start(sottod_calls *mgr, char *err, size_t errlen)
{
    sotto_signal_http_params p;
    unsigned port = 0;
    int rc;

    sotto_signal_http_params_default(&p);
    /* Without an address the object still serves as the client of `call`. */
    p.listen = mgr->cfg->network.signal_address[0] != '\0';
    p.bind_address = mgr->cfg->network.signal_address;
    p.port = (unsigned)mgr->cfg->network.signal_port;
    p.bearer_token = mgr->cfg->network.signal_token;
    p.answer_timeout_ms = (unsigned)mgr->cfg->call.ring_timeout_s * 1000u + 10000u;
    /* A web_root that is set must work (create fails otherwise); the
     * installed page is optional, so its absence just means no page. */
    if (mgr->cfg->network.web_root[0])
        p.static_dir = mgr->cfg->network.web_root;
    else if (access(SOTTO_WEB_DIR "/index.html", R_OK) == 0)
        p.static_dir = SOTTO_WEB_DIR;
    p.on_offer = on_http_offer;
    p.on_hangup = on_http_hangup;
    p.on_update = on_http_update;
    p.opaque = mgr;
    rc = sotto_signal_http_create((sotto_signal_http **)&mgr->http, mgr->loop, &p, err, errlen);
    if (rc < 0)
        return rc;
    if (!p.listen)
        return 0;
    sotto_signal_http_port(mgr->http, &port);
    mgr->http_port = (uint16_t)port;
    log_info("HTTP signalling on %s port %u%s", p.bind_address, port,
             p.bearer_token[0] ? " (bearer token required)" : " (loopback clients only)");
    return 0;
}

void sottod__http_stop(sottod_calls *mgr)
{
    size_t i;

    mgr->closing_http = 1;
    for (i = 0; i < SOTTOD_MAX_HTTP_REQUESTS; i++) {
        if (mgr->http_slots[i].busy) {
            sotto_signal_http_request_cancel(
                (sotto_signal_http_request **)&mgr->http_slots[i].req);
            release_slot(&mgr->http_slots[i]);
        }
    }
    sotto_signal_http_destroy((sotto_signal_http **)&mgr->http);
}

static http_slot *take_slot(sottod_calls *mgr, sottod_call *call)
{
    size_t i;

    for (i = 0; i < SOTTOD_MAX_HTTP_REQUESTS; i++) {
        if (!mgr->http_slots[i].busy) {
            mgr->http_slots[i].busy = 1;
            mgr->http_slots[i].mgr = mgr;
            mgr->http_slots[i].call = call;
            mgr->http_slots[i].req = NULL;
            return &mgr->http_slots[i];
        }
    }
    return NULL;
}

static void release_slot(http_slot *slot)
{
    if (slot->call && slot->call->http_slot == slot)
        slot->call->http_slot = NULL;
    memset(slot, 0, sizeof(*slot));
}

/* The answer to our HTTP offer. */
static void on_offer_response(void *opaque, int rc, const sotto_signal_http_response *resp,
                              const char *reason)
{
    http_slot *slot = opaque;
    sottod_call *call = slot->call;
    char err[300] = "", url[sizeof(call->remote_url)];

    release_slot(slot);
    if (rc < 0 || !resp || resp->status != 201) {
        if (resp)
            snprintf(err, sizeof(err), "the callee answered HTTP %d: %.*s", resp->status,
                     (int)(resp->body_len > 200 ? 200 : resp->body_len),
                     resp->body ? resp->body : "");
        else
            snprintf(err, sizeof(err), "HTTP request failed: %s", reason ? reason : "?");
        sottod__call_end(call, err);
        return;
    }
    call->remote_answered = 1;
    if (resp->location &&
        sotto_signal_http_call_url(call->remote_url, resp->location, url, sizeof(url)) == 0)
        memcpy(call->remote_url, url, sizeof(url));
    if (sottod__call_parse_remote(call, resp->body, resp->body_len, err, sizeof(err)) < 0 ||
        sottod__apply_remote(call, 0, err, sizeof(err)) < 0) {
        sottod__call_end(call, err);
        return;
    }
    sottod__call_set_state(call, CALL_CONNECTING);
    sotto_control_finish(call->pending,
                         json_pack("{s:s, s:s, s:s}", "id", call->id, "state", "connecting",
                                   "location", call->remote_url),
                         NULL, NULL);
    call->pending = NULL;
}

/* The answer to our ICE restart's PATCH. */
static void on_patch_response(void *opaque, int rc, const sotto_signal_http_response *resp,
                              const char *reason)
{
    http_slot *slot = opaque;
    sottod_call *call = slot->call;
    char err[300] = "";
    sotto_sdp *parsed = NULL;

    release_slot(slot);
    /* Our side has new credentials already: without the callee's the
     * call has no path left. */
    if (rc < 0 || !resp || resp->status != 200) {
        if (sottod__watch_patch_failed(call, resp != NULL)) {
            log_warning("call %s: the ICE restart was not answered (%s); trying again",
                        call->id, reason ? reason : "?");
            return;
        }
        if (resp)
            snprintf(err, sizeof(err), "the callee refused the ICE restart: HTTP %d",
                     resp->status);
        else
            snprintf(err, sizeof(err), "ICE restart not answered: %s", reason ? reason : "?");
        sottod__call_end(call, err);
        return;
    }
    if (sottod__ice_restart_parse(call, resp->body, resp->body_len, &parsed, err,
                                  sizeof(err)) < 0 ||
        sottod__ice_restart_apply(call, parsed, err, sizeof(err)) < 0) {
        sottod__call_end(call, err);
        return;
    }
    ice_restarted(call);
}

void sottod__http_description_ready(sottod_call *call, const char *sdp)
{
    sotto_signal_http_client_params cp;
    sotto_signal_http_offer *offer = call->http_request;
    char err[256] = "";
    http_slot *slot;

    if (!call->outgoing) {
        call->http_request = NULL;
        if (sotto_signal_http_answer(&offer, sdp, call->id) < 0) {
            refuse(&offer, 500, "cannot send the answer");
            sottod__call_end(call, "cannot send the answer");
            return;
        }
        if (call->ice_restarting)
            ice_restarted(call);
        else
            sottod__call_set_state(call, CALL_CONNECTING);
        return;
    }
    slot = take_slot(call->mgr, call);
    if (!slot) {
        sottod__call_end(call, "too many HTTP requests in flight");
        return;
    }
    memset(&cp, 0, sizeof(cp));
    cp.url = call->remote_url;
    cp.bearer_token = call->http_token;
    cp.on_response = on_offer_response;
    cp.opaque = slot;
    if (call->ice_restarting) {
        cp.on_response = on_patch_response;
        /* The watch tries again after a short wait rather than waiting
         * long on a link that may be down. */
        cp.timeout_ms = call->auto_restarting ? 2000 : 5000;
        if (sotto_signal_http_patch_call((sotto_signal_http_request **)&slot->req,
                                         call->mgr->http, &cp, sdp, err, sizeof(err)) < 0) {
            release_slot(slot);
            sottod__call_end(call, err);
            return;
        }
        call->http_slot = slot;
        return;
    }
    if (sotto_signal_http_post_offer((sotto_signal_http_request **)&slot->req, call->mgr->http,
                                     &cp, sdp, err, sizeof(err)) < 0) {
        release_slot(slot);
        sottod__call_end(call, err);
        return;
    }
    call->http_slot = slot;
    sottod__call_set_state(call, CALL_OFFERED);
}

static void on_delete_response(void *opaque, int rc, const sotto_signal_http_response *resp,
                               const char *reason)
{
    (void)rc;
    (void)resp;
    (void)reason;
    release_slot(opaque);
}

void sottod__http_call_ended(sottod_call *call)
{
    sotto_signal_http_client_params cp;
    char err[128];
    http_slot *slot;

    answer_offer(call, 500, call->end_reason[0] ? call->end_reason : "call ended");
    if (call->http_slot) {
        sotto_signal_http_request_cancel((sotto_signal_http_request **)&call->http_slot->req);
        release_slot(call->http_slot);
    }
    /* Tell the callee when we hang up an HTTP call it answered. */
    if (!call->outgoing || call->signalling != SIGNAL_HTTP || !call->remote_url[0] ||
        !call->remote_answered || call->mgr->closing_http)
        return;
    slot = take_slot(call->mgr, NULL);
    if (!slot)
        return;
    memset(&cp, 0, sizeof(cp));
    cp.url = call->remote_url;
    cp.bearer_token = call->http_token;
    cp.timeout_ms = 3000;
    cp.on_response = on_delete_response;
    cp.opaque = slot;
    if (sotto_signal_http_delete_call((sotto_signal_http_request **)&slot->req, call->mgr->http,
                                      &cp, err, sizeof(err)) < 0)
        release_slot(slot);
}
