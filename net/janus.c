/* One AudioBridge room membership over one of Janus' two transports (see
 * net/janus.h):
 *  - plain HTTP: requests are POSTs to /janus, /janus/<session> and
 *    /janus/<session>/<handle>; asynchronous results and the room's news
 *    come back through one long-polled GET of /janus/<session> at all times;
 *  - WebSocket (subprotocol "janus-protocol"): the same JSON on one
 *    connection, with session_id and handle_id in the body; replies carry
 *    our transaction and everything else is news. */
#include "net/err.h"
#include "net/janus.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KEEPALIVE_MS 25000 /* Janus drops a session after 60 s of silence */
#define DEFAULT_REQUEST_MS 10000
#define POLL_TIMEOUT_MS 45000 /* Janus answers a long poll within 30 s */
#define URL_MAX 600           /* bytes of a request URL, NUL included */
#define MAX_REQUESTS 8        /* requests of one membership in flight */
#define WS_TICK_MS 1000       /* WebSocket transport: request deadlines are checked this often */
#define TXN_MAX 24            /* bytes of one of our transaction ids, NUL included */

typedef enum janus_stage {
    STAGE_CREATING = 0, /* POST /janus {"create"} */
    STAGE_ATTACHING,    /* attaching janus.plugin.audiobridge */
    STAGE_JOINING,      /* the join is out */
    STAGE_JOINED,       /* in the room */
    STAGE_ENDED,        /* ENDED was reported */
} janus_stage;

typedef enum request_purpose {
    REQ_CREATE = 0,
    REQ_ATTACH,
    REQ_MESSAGE,
    REQ_KEEPALIVE,
    REQ_POLL,
} request_purpose;

typedef struct janus_request {
    sotto_janus *janus; /* owner; NULL when the slot is free */
    request_purpose purpose;
    sotto_signal_http_request *req; /* HTTP: in flight */
    char txn[TXN_MAX];              /* WebSocket: the transaction awaiting its reply */
    uint64_t deadline;              /* WebSocket: uv_now() by which it must come, ms */
} janus_request;

struct sotto_janus {
    uv_loop_t *loop;         /* not owned */
    sotto_signal_http *sig;  /* not owned */
    sotto_signal_ws *ws;     /* the WebSocket transport's connection; NULL for HTTP */
    uint64_t keepalive_due;  /* WebSocket: uv_now() of the next keepalive, ms */
    char base[URL_MAX - 48]; /* the API URL without a trailing "/" (room for 2 ids) */
    uint64_t room;
    char pin[SOTTO_JANUS_MAX_TEXT];
    char display[SOTTO_JANUS_MAX_DISPLAY];
    int bitrate;       /* bit/s; 0 = room default */
    int expected_loss; /* %; -1 = room default */
    unsigned keepalive_ms;
    unsigned request_timeout_ms;
    sotto_janus_event_cb on_event;
    void *opaque;
    janus_stage stage;
    uint64_t session_id;
    uint64_t handle_id;
    uint64_t self_id;
    unsigned next_transaction;
    char *offer; /* waiting for the join; owned */
    int offer_sent;
    uv_timer_t keepalive; /* data = this; freed in its close callback */
    int in_callback;      /* on_event is running */
    sotto_janus_msg *msg; /* parse buffer (large); owned */
    janus_request requests[MAX_REQUESTS];
};

/* The goodbye after destroy: leave, detach, destroy, one after another. */
typedef struct farewell {
    sotto_signal_http *sig;
    char session_url[URL_MAX];
    char handle_url[URL_MAX];
    unsigned timeout_ms;
    int step; /* 0 leave, 1 detach, 2 destroy */
    sotto_signal_http_request *req;
} farewell;

static void on_response(void *opaque, int rc, const sotto_signal_http_response *resp,
                        const char *reason);

static void session_url(const sotto_janus *j, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%" PRIu64, j->base, j->session_id);
}

static void handle_url(const sotto_janus *j, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%" PRIu64 "/%" PRIu64, j->base, j->session_id, j->handle_id);
}

static void free_object(uv_handle_t *h)
{
    sotto_janus *j = h->data;

    free(j->offer);
    free(j->msg);
    free(j);
}

/* Reports an event. A destroy inside the callback only closes the timer,
 * so the object stays readable until the callback's caller returns. */
static void report(sotto_janus *j, const sotto_janus_event *ev)
{
    j->in_callback++;
    j->on_event(j->opaque, ev);
    j->in_callback--;
}

static void cancel_requests(sotto_janus *j)
{
    for (size_t i = 0; i < MAX_REQUESTS; i++) {
        if (!j->requests[i].janus)
            continue;
        sotto_signal_http_request_cancel(&j->requests[i].req);
        j->requests[i].janus = NULL;
    }
}

static void end(sotto_janus *j, const char *reason, int code, int lost)
{
    sotto_janus_event ev;

    if (j->stage == STAGE_ENDED)
        return;
    j->stage = STAGE_ENDED;
    uv_timer_stop(&j->keepalive);
    memset(&ev, 0, sizeof(ev));
    ev.kind = SOTTO_JANUS_EV_ENDED;
    ev.reason = reason;
    ev.error_code = code;
    ev.session_lost = lost;
    report(j, &ev);
}

/* WebSocket: the request goes out on the connection (its body already
 * names the session and handle); the slot waits for its transaction,
 * which send_request noted in it. */
static int send_ws_request(sotto_janus *j, janus_request *slot, request_purpose purpose, char *text,
                           char *err, size_t errlen)
{
    int rc = sotto_signal_ws_send(j->ws, text, strlen(text));

    free(text);
    if (rc < 0) {
        sotto__net_errf(err, errlen, "cannot send to Janus: %s", strerror(-rc));
        return rc;
    }
    slot->janus = j;
    slot->purpose = purpose;
    slot->deadline = uv_now(j->loop) + j->request_timeout_ms;
    return 0;
}

/* Names the session (and handle) in the body, as the WebSocket transport
 * wants; the HTTP transport has them in the URL. */
static json_t *address_json(const sotto_janus *j, json_t *json, int with_handle)
{
    if (!j->ws || !json)
        return json;
    json_object_set_new(json, "session_id", json_integer((json_int_t)j->session_id));
    if (with_handle)
        json_object_set_new(json, "handle_id", json_integer((json_int_t)j->handle_id));
    return json;
}

/* Sends json (a new reference, taken over) to url, or GETs url when json
 * is NULL. 0 or a negative errno with the reason in err. */
static int send_request(sotto_janus *j, request_purpose purpose, const char *url, json_t *json,
                        char *err, size_t errlen)
{
    sotto_signal_http_client_params cp;
    janus_request *slot = NULL;
    char *text = NULL;
    int rc;

    for (size_t i = 0; i < MAX_REQUESTS && !slot; i++)
        if (!j->requests[i].janus)
            slot = &j->requests[i];
    if (!slot) {
        json_decref(json);
        sotto__net_errf(err, errlen, "too many Janus requests in flight");
        return -EBUSY;
    }
    if (json) {
        const char *txn = json_string_value(json_object_get(json, "transaction"));

        snprintf(slot->txn, sizeof(slot->txn), "%s", txn ? txn : "");
        text = json_dumps(json, JSON_COMPACT);
        json_decref(json);
        if (!text) {
            sotto__net_errf(err, errlen, "out of memory");
            return -ENOMEM;
        }
    }
    if (j->ws)
        return send_ws_request(j, slot, purpose, text, err, errlen);
    memset(&cp, 0, sizeof(cp));
    cp.url = url;
    cp.timeout_ms = purpose == REQ_POLL ? POLL_TIMEOUT_MS : j->request_timeout_ms;
    cp.max_response = SOTTO_JANUS_MAX_MESSAGE;
    cp.on_response = on_response;
    cp.opaque = slot;
    slot->janus = j;
    slot->purpose = purpose;
    rc = sotto_signal_http_send_json(&slot->req, j->sig, &cp, text, err, errlen);
    free(text);
    if (rc < 0)
        slot->janus = NULL;
    return rc;
}

static json_t *request_json(sotto_janus *j, const char *kind)
{
    char txn[24];

    snprintf(txn, sizeof(txn), "sotto-%u", ++j->next_transaction);
    return json_pack("{s:s, s:s}", "janus", kind, "transaction", txn);
}

/* Sends or ends: for requests whose failure leaves nothing to do. */
static void send_or_end(sotto_janus *j, request_purpose purpose, const char *url, json_t *json)
{
    char err[160] = "";

    if (send_request(j, purpose, url, json, err, sizeof(err)) < 0)
        end(j, err, 0, 0);
}

static void poll_events(sotto_janus *j)
{
    char url[URL_MAX + 16];

    if (j->stage == STAGE_ENDED || j->ws)
        return;
    snprintf(url, sizeof(url), "%s/%" PRIu64 "?maxev=1", j->base, j->session_id);
    send_or_end(j, REQ_POLL, url, NULL);
}

static void send_message(sotto_janus *j, json_t *body, const char *offer)
{
    char url[URL_MAX];
    json_t *msg = request_json(j, "message");

    json_object_set_new(msg, "body", body);
    /* trickle false: every candidate of ours is in the SDP already. */
    if (offer)
        json_object_set_new(
            msg, "jsep", json_pack("{s:s, s:s, s:b}", "type", "offer", "sdp", offer, "trickle", 0));
    handle_url(j, url, sizeof(url));
    send_or_end(j, REQ_MESSAGE, url, address_json(j, msg, 1));
}

static void send_join(sotto_janus *j)
{
    json_t *body = json_pack("{s:s, s:I}", "request", "join", "room", (json_int_t)j->room);

    if (j->pin[0])
        json_object_set_new(body, "pin", json_string(j->pin));
    if (j->display[0])
        json_object_set_new(body, "display", json_string(j->display));
    if (j->bitrate > 0)
        json_object_set_new(body, "bitrate", json_integer(j->bitrate));
    if (j->expected_loss >= 0)
        json_object_set_new(body, "expected_loss", json_integer(j->expected_loss));
    j->stage = STAGE_JOINING;
    send_message(j, body, NULL);
}

static void send_offer(sotto_janus *j)
{
    json_t *body = json_pack("{s:s, s:b}", "request", "configure", "muted", 0);

    j->offer_sent = 1;
    send_message(j, body, j->offer);
    free(j->offer);
    j->offer = NULL;
}

static void on_keepalive(uv_timer_t *t)
{
    sotto_janus *j = t->data;
    char url[URL_MAX];

    session_url(j, url, sizeof(url));
    send_or_end(j, REQ_KEEPALIVE, url, address_json(j, request_json(j, "keepalive"), 0));
}

/* WebSocket transport: one timer sends the keepalives and ends a membership
 * whose request went unanswered (HTTP requests carry their own timeout). */
static void on_ws_tick(uv_timer_t *t)
{
    sotto_janus *j = t->data;
    uint64_t now = uv_now(j->loop);
    char reason[96];

    for (size_t i = 0; i < MAX_REQUESTS; i++) {
        if (j->requests[i].janus && now >= j->requests[i].deadline) {
            snprintf(reason, sizeof(reason), "lost the Janus server: no answer within %u ms",
                     j->request_timeout_ms);
            end(j, reason, 0, 1);
            return;
        }
    }
    if (j->session_id && now >= j->keepalive_due) {
        j->keepalive_due = now + j->keepalive_ms;
        on_keepalive(t);
    }
}

static void error_end(sotto_janus *j, const char *what, const sotto_janus_msg *m, int lost)
{
    char reason[SOTTO_JANUS_MAX_TEXT + 96];

    snprintf(reason, sizeof(reason), "%s: %s (Janus error %d: %s)", what,
             sotto_janus_error_text(m->error_code, m->error), m->error_code,
             m->error[0] ? m->error : "no reason given");
    end(j, reason, m->error_code, lost);
}

static void on_joined(sotto_janus *j, const sotto_janus_msg *m)
{
    sotto_janus_event ev;

    j->stage = STAGE_JOINED;
    j->self_id = m->self_id;
    memset(&ev, 0, sizeof(ev));
    ev.kind = SOTTO_JANUS_EV_JOINED;
    ev.id = m->self_id;
    ev.participants = m->participants;
    ev.participant_count = m->participant_count;
    report(j, &ev);
    if (j->stage == STAGE_JOINED && j->offer)
        send_offer(j);
}

/* An AudioBridge event (plugindata), with its JSEP if any. */
static void on_plugin_event(sotto_janus *j, const sotto_janus_msg *m)
{
    sotto_janus_event ev;

    memset(&ev, 0, sizeof(ev));
    if (m->error_code) {
        error_end(j, j->stage == STAGE_JOINING ? "cannot join the room" : "the room refused", m, 0);
        return;
    }
    if (strcmp(m->plugin_event, "joined") == 0 && m->self_id && j->stage == STAGE_JOINING) {
        on_joined(j, m);
        return;
    }
    if (strcmp(m->plugin_event, "destroyed") == 0) {
        end(j, "the room was destroyed on the server", 0, 0);
        return;
    }
    if (strcmp(m->plugin_event, "kicked") == 0) {
        end(j, "kicked out of the room", 0, 0);
        return;
    }
    if (strcmp(m->jsep_type, "answer") == 0) {
        ev.kind = SOTTO_JANUS_EV_ANSWER;
        ev.sdp = m->jsep_sdp;
        report(j, &ev);
    } else if (m->result_ok) {
        ev.kind = SOTTO_JANUS_EV_CONFIGURED;
        report(j, &ev);
    }
    if (j->stage == STAGE_ENDED)
        return;
    if (m->leaving) {
        memset(&ev, 0, sizeof(ev));
        ev.kind = SOTTO_JANUS_EV_LEFT;
        ev.id = m->leaving;
        report(j, &ev);
    }
    if (j->stage != STAGE_ENDED && m->participant_count) {
        memset(&ev, 0, sizeof(ev));
        ev.kind = SOTTO_JANUS_EV_PARTICIPANTS;
        ev.participants = m->participants;
        ev.participant_count = m->participant_count;
        report(j, &ev);
    }
}

/* A message from the long poll: the session's news. */
static void on_news(sotto_janus *j, const sotto_janus_msg *m)
{
    char reason[SOTTO_JANUS_MAX_TEXT + 64];

    switch (m->kind) {
    case SOTTO_JANUS_EVENT:
        if (m->has_plugindata)
            on_plugin_event(j, m);
        break;
    case SOTTO_JANUS_ERROR:
        error_end(j, "the Janus session failed", m, m->error_code == 458);
        break;
    case SOTTO_JANUS_HANGUP:
        /* Janus hangs up the PeerConnection as it shuts down or when ICE or
         * DTLS fail: the membership has lost its server's media either way. */
        snprintf(reason, sizeof(reason), "lost the Janus server: it hung up the media (%s)",
                 m->error[0] ? m->error : "no reason given");
        end(j, reason, 0, 1);
        break;
    case SOTTO_JANUS_DETACHED:
        end(j, "Janus detached us from the AudioBridge", 0, 0);
        break;
    case SOTTO_JANUS_TIMEOUT:
        end(j, "the Janus session timed out", 0, 1);
        break;
    default:
        break;
    }
}

/* The immediate answer to one of our requests. */
static void on_reply(sotto_janus *j, request_purpose purpose, const sotto_janus_msg *m)
{
    char url[URL_MAX];
    json_t *attach;

    if (m->kind == SOTTO_JANUS_ERROR) {
        error_end(j,
                  purpose == REQ_CREATE   ? "Janus refused a session"
                  : purpose == REQ_ATTACH ? "Janus refused the AudioBridge plugin"
                                          : "Janus refused a request",
                  m, m->error_code == 458);
        return;
    }
    if (purpose == REQ_CREATE || purpose == REQ_ATTACH) {
        if (m->kind != SOTTO_JANUS_SUCCESS || !m->data_id) {
            end(j, "Janus answered without an id", 0, 0);
            return;
        }
    }
    if (purpose == REQ_CREATE) {
        j->session_id = m->data_id;
        j->stage = STAGE_ATTACHING;
        if (!j->ws)
            uv_timer_start(&j->keepalive, on_keepalive, j->keepalive_ms, j->keepalive_ms);
        j->keepalive_due = uv_now(j->loop) + j->keepalive_ms;
        attach = request_json(j, "attach");
        json_object_set_new(attach, "plugin", json_string("janus.plugin.audiobridge"));
        session_url(j, url, sizeof(url));
        send_or_end(j, REQ_ATTACH, url, address_json(j, attach, 0));
        poll_events(j);
    } else if (purpose == REQ_ATTACH) {
        j->handle_id = m->data_id;
        send_join(j);
    } else if (purpose == REQ_MESSAGE && m->has_plugindata) {
        on_plugin_event(j, m); /* a synchronous plugin answer */
    }
}

static void on_response(void *opaque, int rc, const sotto_signal_http_response *resp,
                        const char *reason)
{
    janus_request *slot = opaque;
    sotto_janus *j = slot->janus;
    request_purpose purpose = slot->purpose;
    char err[SOTTO_JANUS_MAX_TEXT], text[SOTTO_JANUS_MAX_TEXT + 64];

    slot->janus = NULL;
    slot->req = NULL;
    if (!j || j->stage == STAGE_ENDED || rc == -ECANCELED)
        return;
    if (rc < 0) {
        snprintf(text, sizeof(text), "lost the Janus server: %s", reason ? reason : "?");
        end(j, text, 0, 1);
        return;
    }
    /* A Janus that is shutting down answers the long poll with nothing. */
    if (resp->status == 200 && resp->body_len == 0) {
        end(j, "lost the Janus server: it answered with nothing (shutting down?)", 0, 1);
        return;
    }
    if (resp->status != 200) {
        snprintf(text, sizeof(text), "Janus answered HTTP %d", resp->status);
        end(j, text, 0, resp->status == 404);
        return;
    }
    if (sotto_janus_parse(resp->body, resp->body_len, j->msg, err, sizeof(err)) < 0) {
        snprintf(text, sizeof(text), "malformed message from Janus: %s", err);
        end(j, text, 0, 0);
        return;
    }
    if (purpose == REQ_POLL) {
        on_news(j, j->msg);
        poll_events(j);
    } else {
        on_reply(j, purpose, j->msg);
    }
}

static void on_ws_open(void *opaque)
{
    (void)opaque; /* the create went into the connection's queue already */
}

/* A reply frees the slot of its transaction; anything else is news. */
static void on_ws_message(void *opaque, const char *text, size_t len)
{
    sotto_janus *j = opaque;
    char err[SOTTO_JANUS_MAX_TEXT], reason[SOTTO_JANUS_MAX_TEXT + 64];
    sotto_janus_msg *m = j->msg;

    if (j->stage == STAGE_ENDED)
        return;
    if (sotto_janus_parse(text, len, m, err, sizeof(err)) < 0) {
        snprintf(reason, sizeof(reason), "malformed message from Janus: %s", err);
        end(j, reason, 0, 0);
        return;
    }
    if (m->transaction[0] && (m->kind == SOTTO_JANUS_SUCCESS || m->kind == SOTTO_JANUS_ERROR ||
                              m->kind == SOTTO_JANUS_ACK)) {
        for (size_t i = 0; i < MAX_REQUESTS; i++) {
            janus_request *slot = &j->requests[i];

            if (slot->janus && strcmp(slot->txn, m->transaction) == 0) {
                slot->janus = NULL;
                on_reply(j, slot->purpose, m);
                return;
            }
        }
    }
    on_news(j, m);
}

static void on_ws_closed(void *opaque, int rc, const char *why)
{
    sotto_janus *j = opaque;
    char reason[SOTTO_JANUS_MAX_TEXT + 64];

    (void)rc;
    snprintf(reason, sizeof(reason), "lost the Janus server: %s", why ? why : "?");
    end(j, reason, 0, 1);
}

static int open_ws(sotto_janus *j, char *err, size_t errlen)
{
    sotto_signal_ws_params wp;

    memset(&wp, 0, sizeof(wp));
    wp.url = j->base;
    wp.subprotocol = "janus-protocol";
    wp.max_message = SOTTO_JANUS_MAX_MESSAGE;
    wp.on_open = on_ws_open;
    wp.on_message = on_ws_message;
    wp.on_closed = on_ws_closed;
    wp.opaque = j;
    return sotto_signal_ws_open(&j->ws, j->sig, &wp, err, errlen);
}

static int check_params(const sotto_janus_params *p, char *err, size_t errlen)
{
    size_t len;

    if (!p || !p->url || !p->on_event) {
        sotto__net_errf(err, errlen, "url and on_event are required");
        return -EINVAL;
    }
    len = strlen(p->url);
    if ((strncmp(p->url, "http://", 7) != 0 && strncmp(p->url, "ws://", 5) != 0) ||
        len >= URL_MAX - 48 - 1) {
        sotto__net_errf(err, errlen, "the Janus URL must be http://host[:port]/path or ws://...");
        return -EINVAL;
    }
    if (p->room == 0 || p->room > SOTTO_JANUS_MAX_ID) {
        sotto__net_errf(err, errlen, "the room must be a number from 1 to 2^53-1");
        return -EINVAL;
    }
    if ((p->pin && strlen(p->pin) >= SOTTO_JANUS_MAX_TEXT) ||
        (p->display && strlen(p->display) >= SOTTO_JANUS_MAX_DISPLAY)) {
        sotto__net_errf(err, errlen, "the PIN or display name is too long");
        return -EINVAL;
    }
    if (p->bitrate < 0 || p->bitrate > 512000 || p->expected_loss < -1 || p->expected_loss > 20) {
        sotto__net_errf(err, errlen, "bitrate or expected_loss out of range");
        return -EINVAL;
    }
    return 0;
}

int sotto_janus_create(sotto_janus **out_janus, uv_loop_t *loop, sotto_signal_http *sig,
                       const sotto_janus_params *p, char *err, size_t errlen)
{
    sotto_janus *j;
    int rc;

    if (!out_janus || !loop || !sig) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    rc = check_params(p, err, errlen);
    if (rc < 0)
        return rc;
    j = calloc(1, sizeof(*j));
    if (j)
        j->msg = malloc(sizeof(*j->msg));
    if (!j || !j->msg) {
        free(j);
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    j->loop = loop;
    j->sig = sig;
    snprintf(j->base, sizeof(j->base), "%s", p->url);
    if (strncmp(j->base, "http://", 7) == 0)
        while (strlen(j->base) > 7 && j->base[strlen(j->base) - 1] == '/')
            j->base[strlen(j->base) - 1] = '\0';
    j->room = p->room;
    snprintf(j->pin, sizeof(j->pin), "%s", p->pin ? p->pin : "");
    snprintf(j->display, sizeof(j->display), "%s", p->display ? p->display : "");
    j->bitrate = p->bitrate;
    j->expected_loss = p->expected_loss;
    j->keepalive_ms = p->keepalive_ms ? p->keepalive_ms : DEFAULT_KEEPALIVE_MS;
    j->request_timeout_ms = p->request_timeout_ms ? p->request_timeout_ms : DEFAULT_REQUEST_MS;
    j->on_event = p->on_event;
    j->opaque = p->opaque;
    uv_timer_init(loop, &j->keepalive);
    j->keepalive.data = j;
    rc = strncmp(j->base, "ws://", 5) == 0 ? open_ws(j, err, errlen) : 0;
    if (rc == 0)
        rc = send_request(j, REQ_CREATE, j->base, request_json(j, "create"), err, errlen);
    if (rc < 0) {
        sotto_signal_ws_close(&j->ws);
        uv_close((uv_handle_t *)&j->keepalive, free_object);
        return rc;
    }
    if (j->ws)
        uv_timer_start(&j->keepalive, on_ws_tick, WS_TICK_MS, WS_TICK_MS);
    *out_janus = j;
    return 0;
}

int sotto_janus_offer(sotto_janus *j, const char *sdp)
{
    if (!j || !sdp || !sdp[0] || j->stage == STAGE_ENDED)
        return -EINVAL;
    if (j->offer || j->offer_sent)
        return -EALREADY;
    j->offer = strdup(sdp);
    if (!j->offer)
        return -ENOMEM;
    if (j->stage == STAGE_JOINED)
        send_offer(j);
    return 0;
}

int sotto_janus_configure(sotto_janus *j, int muted, int bitrate, int expected_loss)
{
    json_t *body;

    if (!j || muted < -1 || muted > 1 || bitrate < 0 || bitrate > 512000 || expected_loss < -1 ||
        expected_loss > 20)
        return -EINVAL;
    if (j->stage != STAGE_JOINED)
        return -ENOTCONN;
    body = json_pack("{s:s}", "request", "configure");
    if (!body)
        return -ENOMEM;
    if (muted >= 0)
        json_object_set_new(body, "muted", json_boolean(muted));
    if (bitrate > 0)
        json_object_set_new(body, "bitrate", json_integer(bitrate));
    if (expected_loss >= 0)
        json_object_set_new(body, "expected_loss", json_integer(expected_loss));
    send_message(j, body, NULL);
    return 0;
}

uint64_t sotto_janus_self_id(const sotto_janus *j)
{
    return j ? j->self_id : 0;
}

static void farewell_step(farewell *f);

/* Step 0 "leave" (a message to the plugin), 1 "detach", 2 "destroy". */
static json_t *farewell_json(int step)
{
    static const char *const kinds[] = { "message", "detach", "destroy" };
    json_t *msg = json_pack("{s:s, s:s}", "janus", kinds[step], "transaction", "sotto-bye");

    if (msg && step == 0)
        json_object_set_new(msg, "body", json_pack("{s:s}", "request", "leave"));
    return msg;
}

static void on_farewell(void *opaque, int rc, const sotto_signal_http_response *resp,
                        const char *reason)
{
    farewell *f = opaque;

    (void)resp;
    (void)reason;
    f->req = NULL;
    f->step++;
    if (rc == -ECANCELED || f->step > 2)
        free(f);
    else
        farewell_step(f);
}

static void farewell_step(farewell *f)
{
    sotto_signal_http_client_params cp;
    char err[128], *text;
    json_t *msg;
    int rc;

    if (f->step == 0 && !f->handle_url[0])
        f->step = 2;
    msg = farewell_json(f->step);
    text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    memset(&cp, 0, sizeof(cp));
    cp.url = f->step == 2 ? f->session_url : f->handle_url;
    cp.timeout_ms = f->timeout_ms;
    cp.on_response = on_farewell;
    cp.opaque = f;
    rc = text ? sotto_signal_http_send_json(&f->req, f->sig, &cp, text, err, sizeof(err)) : -ENOMEM;
    free(text);
    if (rc < 0)
        free(f);
}

/* WebSocket: leave, detach and destroy go into the connection's queue, which
 * is written out as it closes. */
static void ws_farewell(sotto_janus *j)
{
    for (int step = j->handle_id ? 0 : 2; step < 3 && j->session_id; step++) {
        json_t *msg = address_json(j, farewell_json(step), step < 2);
        char *text;

        text = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
        json_decref(msg);
        if (text)
            sotto_signal_ws_send(j->ws, text, strlen(text));
        free(text);
    }
    sotto_signal_ws_close(&j->ws);
}

void sotto_janus_destroy(sotto_janus **pj)
{
    sotto_janus *j;
    farewell *f;

    if (!pj || !*pj)
        return;
    j = *pj;
    *pj = NULL;
    j->stage = STAGE_ENDED;
    cancel_requests(j);
    if (j->ws) {
        ws_farewell(j);
    } else if (j->session_id && (f = calloc(1, sizeof(*f))) != NULL) {
        f->sig = j->sig;
        f->timeout_ms = 3000;
        session_url(j, f->session_url, sizeof(f->session_url));
        if (j->handle_id)
            handle_url(j, f->handle_url, sizeof(f->handle_url));
        farewell_step(f);
    }
    uv_timer_stop(&j->keepalive);
    uv_close((uv_handle_t *)&j->keepalive, free_object);
}
