/* Conference calls: this daemon as one participant of a Janus AudioBridge
 * room. The call is an ordinary outgoing call (ICE, DTLS-SRTP, Opus, the
 * rate controller) whose offer and answer travel through Janus' API
 * (net/janus.h); the room's members are kept here for `calls` and events.
 * With --rejoin a lost session (server restart, network cut) starts a new
 * call to the same room after a pause, on the new call's ring timer. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/call_janus.h"
#include "daemon/log.h"
#include "net/janus.h"

#define REJOIN_DELAY_MS 2000
#define MAX_REJOINS 30 /* attempts after one loss before giving up */

struct sottod_conference {
    char url[512];       /* http:// or ws:// URL of the Janus API */
    char shown_url[512]; /* as the user wrote it (janus+ws://...) */
    uint64_t room;
    char pin[128];
    char display[128];
    int rejoin;         /* rejoin after a lost session */
    int bitrate;        /* bit/s of the mix asked for; 0 = room default */
    unsigned rejoins;   /* attempts made since the last good join */
    sotto_janus *janus; /* the membership; NULL before and after */
    uint64_t self_id;   /* our participant id; 0 before the join */
    int muted;
    int expected_loss; /* % last sent for the mix's FEC; -1 = none */
    size_t member_count;
    sotto_janus_participant members[SOTTO_JANUS_MAX_PARTICIPANTS];
};

static void fail(sotto_control_reply *reply, const char *code, const char *fmt, const char *arg)
{
    reply->error_code = code;
    snprintf(reply->error_message, sizeof(reply->error_message), fmt, arg);
}

static json_t *member_json(const sotto_janus_participant *p)
{
    return json_pack("{s:I, s:s?, s:b}", "participant_id", (json_int_t)p->id, "display",
                     p->display[0] ? p->display : NULL, "muted", p->muted);
}

static json_t *members_json(const sottod_conference *conf)
{
    json_t *list = json_array();

    for (size_t i = 0; i < conf->member_count; i++)
        json_array_append_new(list, member_json(&conf->members[i]));
    return list;
}

static void emit(sottod_call *call, const char *event, json_t *data)
{
    json_object_set_new(data, "id", json_string(call->id));
    json_object_set_new(data, "room", json_integer((json_int_t)call->conference->room));
    sotto_control_emit(call->mgr->control, event, data);
}

/* Adds or updates a member; emits joined or changed. Our own entry is not kept. */
static void member_seen(sottod_call *call, const sotto_janus_participant *p)
{
    sottod_conference *conf = call->conference;
    size_t i;

    if (p->id == conf->self_id)
        return;
    for (i = 0; i < conf->member_count; i++) {
        if (conf->members[i].id != p->id)
            continue;
        if (conf->members[i].muted != p->muted) {
            conf->members[i] = *p;
            emit(call, "conference-participant-changed", member_json(p));
        }
        return;
    }
    if (conf->member_count == SOTTO_JANUS_MAX_PARTICIPANTS)
        return;
    conf->members[conf->member_count++] = *p;
    log_info("call %s: room %" PRIu64 ": %s (%" PRIu64 ") joined", call->id, conf->room,
             p->display[0] ? p->display : "someone", p->id);
    emit(call, "conference-participant-joined", member_json(p));
}

static void member_left(sottod_call *call, uint64_t id)
{
    sottod_conference *conf = call->conference;

    for (size_t i = 0; i < conf->member_count; i++) {
        if (conf->members[i].id != id)
            continue;
        log_info("call %s: room %" PRIu64 ": %s (%" PRIu64 ") left", call->id, conf->room,
                 conf->members[i].display[0] ? conf->members[i].display : "someone", id);
        emit(call, "conference-participant-left", member_json(&conf->members[i]));
        conf->members[i] = conf->members[--conf->member_count];
        return;
    }
}

static void on_joined(sottod_call *call, const sotto_janus_event *ev)
{
    sottod_conference *conf = call->conference;

    conf->self_id = ev->id;
    conf->rejoins = 0;
    log_info("call %s: joined room %" PRIu64 " at %s as participant %" PRIu64 " (%zu others)",
             call->id, conf->room, conf->shown_url, ev->id, ev->participant_count);
    emit(call, "conference-joined",
         json_pack("{s:I, s:s}", "participant_id", (json_int_t)ev->id, "url", conf->shown_url));
    for (size_t i = 0; i < ev->participant_count; i++)
        member_seen(call, &ev->participants[i]);
    if (call->pending) {
        json_t *result =
            json_pack("{s:s, s:I, s:I, s:s}", "id", call->id, "room", (json_int_t)conf->room,
                      "participant_id", (json_int_t)ev->id, "state", "joined");

        json_object_set_new(result, "participants", members_json(conf));
        sotto_control_finish(call->pending, result, NULL, NULL);
        call->pending = NULL;
    }
}

static void on_answer(sottod_call *call, const char *sdp)
{
    char err[256] = "";

    log_debug("call %s: Janus' answer:\n%s", call->id, sdp);
    if (sottod__call_parse_remote(call, sdp, strlen(sdp), err, sizeof(err)) < 0 ||
        sottod__apply_remote(call, 0, err, sizeof(err)) < 0) {
        char reason[300];

        snprintf(reason, sizeof(reason), "Janus' answer is unusable: %s", err);
        sottod__call_end(call, reason);
        return;
    }
    call->remote_answered = 1;
    sottod__call_set_state(call, CALL_CONNECTING);
}

static int start_membership(sottod_call *call, char *err, size_t errlen);

/* A new call for the same room after a lost session (--rejoin). */
static void on_rejoin_timer(uv_timer_t *t)
{
    sottod_call *call = t->data;
    char err[256] = "";

    if (start_membership(call, err, sizeof(err)) < 0 ||
        sottod__call_start(call, err, sizeof(err)) < 0)
        sottod__call_end(call, err);
}

static void schedule_rejoin(sottod_call *old)
{
    sottod_conference *conf = old->conference, *copy;
    char err[256] = "";
    sottod_call *call;

    if (old->mgr->closing || conf->rejoins >= MAX_REJOINS)
        return;
    copy = malloc(sizeof(*copy));
    call = copy ? sottod__call_new(old->mgr, 1, SIGNAL_JANUS, err, sizeof(err)) : NULL;
    if (!call) {
        free(copy);
        log_warning("room %" PRIu64 ": cannot rejoin: %s", conf->room, err[0] ? err : "no memory");
        return;
    }
    *copy = *conf;
    copy->janus = NULL;
    copy->self_id = 0;
    copy->member_count = 0;
    copy->rejoins++;
    call->conference = copy;
    snprintf(call->peer, sizeof(call->peer), "%s", old->peer);
    log_info("call %s: rejoining room %" PRIu64 " in %d ms (attempt %u)", call->id, copy->room,
             REJOIN_DELAY_MS, copy->rejoins);
    emit(call, "conference-rejoining",
         json_pack("{s:s, s:i}", "previous_id", old->id, "attempt", (int)copy->rejoins));
    uv_timer_start(&call->ring_timer, on_rejoin_timer, REJOIN_DELAY_MS, 0);
}

static void on_ended(sottod_call *call, const sotto_janus_event *ev)
{
    sottod_conference *conf = call->conference;
    int rejoin = conf->rejoin && ev->session_lost && !call->pending;

    emit(call, "conference-ended",
         json_pack("{s:s, s:i, s:b, s:b}", "reason", ev->reason, "error_code", ev->error_code,
                   "session_lost", ev->session_lost, "rejoining", rejoin));
    if (rejoin)
        schedule_rejoin(call);
    sottod__call_end(call, ev->reason);
}

/* Janus closing the PeerConnection (a DTLS close or ICE failure) can come
 * before the session's own end is seen, as when Janus shuts down: that is
 * the server lost too, and a --rejoin participant comes back. */
void sottod__janus_media_lost(sottod_call *call, const char *why)
{
    sotto_janus_event ev;
    char reason[256];

    snprintf(reason, sizeof(reason), "lost the Janus server: its media ended (%s)", why);
    memset(&ev, 0, sizeof(ev));
    ev.kind = SOTTO_JANUS_EV_ENDED;
    ev.reason = reason;
    ev.session_lost = 1;
    on_ended(call, &ev);
}

static void on_janus_event(void *opaque, const sotto_janus_event *ev)
{
    sottod_call *call = opaque;

    switch (ev->kind) {
    case SOTTO_JANUS_EV_JOINED:
        on_joined(call, ev);
        break;
    case SOTTO_JANUS_EV_ANSWER:
        on_answer(call, ev->sdp);
        break;
    case SOTTO_JANUS_EV_PARTICIPANTS:
        for (size_t i = 0; i < ev->participant_count; i++)
            member_seen(call, &ev->participants[i]);
        break;
    case SOTTO_JANUS_EV_LEFT:
        member_left(call, ev->id);
        break;
    case SOTTO_JANUS_EV_CONFIGURED:
        emit(call, "conference-configured", json_pack("{s:b}", "muted", call->conference->muted));
        break;
    case SOTTO_JANUS_EV_ENDED:
        on_ended(call, ev);
        break;
    }
}

static int start_membership(sottod_call *call, char *err, size_t errlen)
{
    sottod_conference *conf = call->conference;
    sotto_janus_params jp;

    memset(&jp, 0, sizeof(jp));
    jp.url = conf->url;
    jp.room = conf->room;
    jp.pin = conf->pin;
    jp.display = conf->display;
    jp.bitrate = conf->bitrate;
    jp.expected_loss = -1;
    jp.on_event = on_janus_event;
    jp.opaque = call;
    return sotto_janus_create(&conf->janus, call->mgr->loop, call->mgr->http, &jp, err, errlen);
}

/* "janus+http://host:port/path" or "janus+ws://host:port/path" into
 * conf->url (http:// or ws://); 0 or a reason in err. */
static int take_url(sottod_conference *conf, const char *url, char *err, size_t errlen)
{
    static const char http[] = "janus+http://", ws[] = "janus+ws://";
    int is_ws = strncmp(url, ws, sizeof(ws) - 1) == 0;
    size_t prefix = is_ws ? sizeof(ws) - 1 : sizeof(http) - 1;

    if (strncmp(url, "janus+wss://", 12) == 0 || strncmp(url, "janus+https://", 14) == 0) {
        snprintf(err, errlen,
                 "TLS to Janus is not supported: use janus+ws:// or janus+http:// on a "
                 "trusted network or through a TLS tunnel");
        return -ENOTSUP;
    }
    if ((!is_ws && strncmp(url, http, sizeof(http) - 1) != 0) ||
        strlen(url) >= sizeof(conf->url) - 1 || !url[prefix]) {
        snprintf(err, errlen,
                 "the room URL must be janus+ws://HOST:PORT/ or janus+http://HOST:PORT/PATH");
        return -EINVAL;
    }
    snprintf(conf->shown_url, sizeof(conf->shown_url), "%s", url);
    snprintf(conf->url, sizeof(conf->url), "%s%s", is_ws ? "ws://" : "http://", url + prefix);
    if (is_ws)
        return 0; /* Janus' WebSocket transport answers on any path */
    /* The HTTP API lives at /janus unless the URL names another path. */
    if (!strchr(conf->url + 7, '/') || strcmp(strchr(conf->url + 7, '/'), "/") == 0) {
        char *slash = strchr(conf->url + 7, '/');

        if (slash)
            *slash = '\0';
        strncat(conf->url, "/janus", sizeof(conf->url) - strlen(conf->url) - 1);
    }
    return 0;
}

/* A room is a decimal number (Janus' default, numeric room ids). */
static int take_room(sottod_conference *conf, json_t *v, char *err, size_t errlen)
{
    const char *text = json_string_value(v);
    char *end = NULL;
    unsigned long long n;

    if (json_is_integer(v) && json_integer_value(v) > 0) {
        conf->room = (uint64_t)json_integer_value(v);
        return conf->room <= SOTTO_JANUS_MAX_ID ? 0 : -EINVAL;
    }
    if (!text || !text[0] || text[0] < '0' || text[0] > '9') {
        snprintf(err, errlen, "the room must be a number (Janus' numeric room id)");
        return -EINVAL;
    }
    errno = 0;
    n = strtoull(text, &end, 10);
    if (errno || *end || n == 0 || n > SOTTO_JANUS_MAX_ID) {
        snprintf(err, errlen, "the room must be a number from 1 to 2^53-1");
        return -EINVAL;
    }
    conf->room = n;
    return 0;
}

static const char *string_arg(json_t *args, const char *name)
{
    json_t *v = json_object_get(args, name);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int parse_join(sottod_conference *conf, json_t *args, char *err, size_t errlen)
{
    const char *url = string_arg(args, "url"), *pin = string_arg(args, "pin");
    const char *display = string_arg(args, "display"), *bitrate = string_arg(args, "bitrate");
    json_t *rejoin = json_object_get(args, "rejoin");
    char *end = NULL;

    if (!url) {
        snprintf(err, errlen,
                 "\"url\" (janus+ws://HOST:PORT/ or janus+http://HOST:PORT/PATH) is required");
        return -EINVAL;
    }
    if (take_url(conf, url, err, errlen) < 0 ||
        take_room(conf, json_object_get(args, "room"), err, errlen) < 0)
        return -EINVAL;
    if ((pin && strlen(pin) >= sizeof(conf->pin)) ||
        (display && strlen(display) >= sizeof(conf->display))) {
        snprintf(err, errlen, "the PIN or display name is too long");
        return -EINVAL;
    }
    snprintf(conf->pin, sizeof(conf->pin), "%s", pin ? pin : "");
    snprintf(conf->display, sizeof(conf->display), "%s", display ? display : "");
    conf->rejoin = json_is_true(rejoin) ||
                   (json_is_string(rejoin) && strcmp(json_string_value(rejoin), "true") == 0);
    if (bitrate) {
        long b = strtol(bitrate, &end, 10);

        if (*end || b < 500 || b > 512000) {
            snprintf(err, errlen, "the bitrate must be 500..512000 bit/s");
            return -EINVAL;
        }
        conf->bitrate = (int)b;
    }
    conf->expected_loss = -1;
    return 0;
}

/* The mix's bit rate when none was asked for: what fits the link's cap
 * after the 20 ms packets' headers (50 packets/s of IP, UDP, RTP, SRTP). */
static int mix_bitrate(const sotto_config *cfg)
{
    int cap = cfg->network.link_kbps * 900 - 50 * (20 + 8 + 12 + 10) * 8;

    if (cfg->network.link_kbps <= 0)
        return 0;
    return cap < 6000 ? 6000 : cap > 32000 ? 32000 : cap;
}

void sottod__janus_cmd_join(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    sottod_conference *conf = calloc(1, sizeof(*conf));
    char err[256] = "";
    sottod_call *call;

    if (!conf) {
        fail(reply, "internal", "%s", "out of memory");
        return;
    }
    if (parse_join(conf, args, err, sizeof(err)) < 0) {
        free(conf);
        fail(reply, "bad-args", "%s", err);
        return;
    }
    if (!conf->bitrate)
        conf->bitrate = mix_bitrate(mgr->cfg);
    call = sottod__call_new(mgr, 1, SIGNAL_JANUS, err, sizeof(err));
    if (!call) {
        free(conf);
        fail(reply, "failed", "%s", err);
        return;
    }
    call->conference = conf;
    snprintf(call->peer, sizeof(call->peer), "%.100s room %" PRIu64, conf->shown_url, conf->room);
    call->pending = sotto_control_defer(reply);
    if (start_membership(call, err, sizeof(err)) < 0 ||
        sottod__call_start(call, err, sizeof(err)) < 0) {
        if (!call->pending)
            fail(reply, "failed", "%s", err);
        sottod__call_end(call, err);
    }
}

static sottod_call *conference_call(sottod_calls *mgr, json_t *args, sotto_control_reply *reply)
{
    const char *id = string_arg(args, "id");
    sottod_call *c, *found = NULL;
    int n = 0;

    for (c = mgr->calls; c; c = c->next) {
        if (c->state == CALL_ENDED || !c->conference || (id && strcmp(c->id, id) != 0))
            continue;
        found = c;
        n++;
    }
    if (n == 0)
        fail(reply, "failed", "%s", id ? "no conference call with that id" : "no conference call");
    else if (n > 1)
        fail(reply, "bad-args", "%s", "several conference calls: give an id");
    return n == 1 ? found : NULL;
}

void sottod__janus_cmd_mute(sottod_calls *mgr, json_t *args, sotto_control_reply *reply, int muted)
{
    sottod_call *call = conference_call(mgr, args, reply);
    int rc;

    if (!call)
        return;
    rc = sotto_janus_configure(call->conference->janus, muted, 0, -1);
    if (rc < 0) {
        fail(reply, "failed", "%s", rc == -ENOTCONN ? "not in the room yet" : strerror(-rc));
        return;
    }
    call->conference->muted = muted;
    log_info("call %s: %s in room %" PRIu64, call->id, muted ? "muted" : "unmuted",
             call->conference->room);
    reply->result = json_pack("{s:s, s:b}", "id", call->id, "muted", muted);
}

void sottod__janus_description_ready(sottod_call *call, const char *sdp)
{
    int rc = call->conference->janus ? sotto_janus_offer(call->conference->janus, sdp) : -EINVAL;

    if (rc < 0) {
        sottod__call_end(call, "cannot send the offer to Janus");
        return;
    }
    sottod__call_set_state(call, CALL_OFFERED);
}

void sottod__janus_call_ended(sottod_call *call)
{
    if (call->conference)
        sotto_janus_destroy(&call->conference->janus);
}

void sottod__janus_describe(const sottod_call *call, json_t *o)
{
    const sottod_conference *conf = call->conference;

    if (!conf)
        return;
    json_object_set_new(o, "room",
                        json_pack("{s:I, s:s, s:I, s:b, s:b, s:o}", "room", (json_int_t)conf->room,
                                  "url", conf->shown_url, "participant_id",
                                  (json_int_t)conf->self_id, "muted", conf->muted, "rejoin",
                                  conf->rejoin, "participants", members_json(conf)));
}

void sottod__janus_rate_changed(sottod_call *call, const sotto_ratectl_decision *d)
{
    sottod_conference *conf = call->conference;
    int loss = d->expected_loss_pct > 20 ? 20 : (int)d->expected_loss_pct;

    /* The mix Janus sends us carries Opus FEC as our own loss reports ask. */
    if (!conf || !conf->janus || loss == conf->expected_loss)
        return;
    if (sotto_janus_configure(conf->janus, -1, 0, loss) == 0)
        conf->expected_loss = loss;
}
