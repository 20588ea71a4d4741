/* A participant of a Janus AudioBridge room (Janus' documented JSON API,
 * plain HTTP transport with long polling).
 *
 * Two parts:
 *  - sotto_janus_parse: one message from a Janus server, untrusted text,
 *    read into a fixed struct with explicit bounds (pure, no I/O; fuzzed).
 *  - sotto_janus: one room membership on the daemon's loop, spoken through
 *    the signalling object's HTTP client: create a session, attach
 *    janus.plugin.audiobridge, join the room, configure it with our JSEP
 *    offer, keep the session alive, and at the end leave, detach and
 *    destroy the session.
 *
 * Janus numbers sessions, handles, rooms and participants with integers
 * (below 2^53 so that JavaScript clients can hold them). */
#ifndef SOTTO_NET_JANUS_H
#define SOTTO_NET_JANUS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/signal_http.h"

#define SOTTO_JANUS_MAX_MESSAGE 65536          /* bytes of one message accepted */
#define SOTTO_JANUS_MAX_TEXT 256               /* bytes of an error or reason, NUL included */
#define SOTTO_JANUS_MAX_TRANSACTION 64         /* bytes of a transaction id, NUL included */
#define SOTTO_JANUS_MAX_DISPLAY 128            /* bytes of a display name, NUL included */
#define SOTTO_JANUS_MAX_PARTICIPANTS 64        /* participants kept from one message */
#define SOTTO_JANUS_MAX_SDP 32768              /* bytes of a JSEP SDP, NUL included */
#define SOTTO_JANUS_MAX_ID 9007199254740991ull /* 2^53 - 1 */

/* The "janus" member of a message. */
typedef enum sotto_janus_kind {
    SOTTO_JANUS_SUCCESS = 0, /* a request succeeded (data.id or plugindata) */
    SOTTO_JANUS_ACK,         /* a request was taken; its result comes as an event */
    SOTTO_JANUS_ERROR,       /* a request failed: error_code, error */
    SOTTO_JANUS_EVENT,       /* a plugin event (plugindata, jsep) */
    SOTTO_JANUS_KEEPALIVE,   /* nothing happened during a long poll */
    SOTTO_JANUS_WEBRTCUP,    /* the PeerConnection is up */
    SOTTO_JANUS_MEDIA,       /* media started or stopped flowing */
    SOTTO_JANUS_SLOWLINK,    /* Janus sees loss towards or from us */
    SOTTO_JANUS_HANGUP,      /* the PeerConnection is gone: reason */
    SOTTO_JANUS_DETACHED,    /* the plugin handle is gone */
    SOTTO_JANUS_TIMEOUT,     /* the session timed out */
    SOTTO_JANUS_OTHER,       /* any other kind Janus may add (ignored) */
} sotto_janus_kind;

typedef struct sotto_janus_participant {
    uint64_t id;                           /* Janus participant id */
    char display[SOTTO_JANUS_MAX_DISPLAY]; /* "" when none */
    int muted;                             /* 1 when muted; default 0 */
    int setup;                             /* 1 when its PeerConnection is up */
} sotto_janus_participant;

/* One parsed message. Members absent from the text are 0 or "". */
typedef struct sotto_janus_msg {
    sotto_janus_kind kind;
    char transaction[SOTTO_JANUS_MAX_TRANSACTION];
    uint64_t session_id;              /* "session_id" */
    uint64_t sender;                  /* "sender": the handle */
    uint64_t data_id;                 /* success: data.id (new session or handle) */
    int error_code;                   /* error.code, or the plugin's error_code */
    char error[SOTTO_JANUS_MAX_TEXT]; /* error.reason, the plugin's error, hangup reason */
    int has_plugindata;               /* plugindata.data was an object */
    char plugin_event[32];            /* data.audiobridge: joined, event, left, ... */
    uint64_t room;                    /* data.room */
    uint64_t self_id;                 /* joined: data.id, our participant id */
    uint64_t leaving;                 /* data.leaving: who left; 0 = none */
    int result_ok;                    /* data.result == "ok" */
    int media_receiving;              /* media: 1 receiving, 0 stopped */
    size_t participant_count;         /* entries of participants */
    int participants_truncated;       /* more than SOTTO_JANUS_MAX_PARTICIPANTS came */
    sotto_janus_participant participants[SOTTO_JANUS_MAX_PARTICIPANTS];
    char jsep_type[8];                  /* "offer", "answer" or "" */
    char jsep_sdp[SOTTO_JANUS_MAX_SDP]; /* its sdp, "" when none */
} sotto_janus_msg;

/* Parses one message (len bytes, need not be NUL-terminated, at most
 * SOTTO_JANUS_MAX_MESSAGE). Returns 0 and fills *out; -EINVAL for text
 * that is not a JSON object with a string "janus", for a member of the
 * wrong type or out of range (ids above SOTTO_JANUS_MAX_ID, strings too
 * long), with the reason in err; -EMSGSIZE for oversized text; -ENOMEM.
 * *out is undefined on failure. */
int sotto_janus_parse(const char *text, size_t len, sotto_janus_msg *out, char *err, size_t errlen);

/* A short name for a Janus or AudioBridge error ("wrong PIN", "no such
 * room") from its code and its reason text (NULL allowed); never NULL. */
const char *sotto_janus_error_text(int code, const char *text);

/* ---- a room membership on the loop ---- */

typedef struct sotto_janus sotto_janus;

typedef enum sotto_janus_event_kind {
    SOTTO_JANUS_EV_JOINED = 0,   /* in the room: id = our participant id; participants */
    SOTTO_JANUS_EV_ANSWER,       /* sdp = Janus' answer to our offer */
    SOTTO_JANUS_EV_PARTICIPANTS, /* participants joined or changed (mute, set-up) */
    SOTTO_JANUS_EV_LEFT,         /* participant id left */
    SOTTO_JANUS_EV_CONFIGURED,   /* a configure without offer was applied */
    SOTTO_JANUS_EV_ENDED,        /* over: reason, error_code (0 = we left); no more events */
} sotto_janus_event_kind;

/* All pointers valid during the callback only. */
typedef struct sotto_janus_event {
    sotto_janus_event_kind kind;
    uint64_t id;                                 /* JOINED, LEFT */
    const sotto_janus_participant *participants; /* JOINED, PARTICIPANTS */
    size_t participant_count;
    const char *sdp;    /* ANSWER */
    const char *reason; /* ENDED */
    int error_code;     /* ENDED: Janus/AudioBridge code or 0 */
    int session_lost;   /* ENDED: the server or session went away */
} sotto_janus_event;

typedef void (*sotto_janus_event_cb)(void *opaque, const sotto_janus_event *ev);

typedef struct sotto_janus_params {
    const char *url;               /* required: http://host[:port]/path of the Janus API */
    uint64_t room;                 /* required: 1..SOTTO_JANUS_MAX_ID */
    const char *pin;               /* NULL or "" = none */
    const char *display;           /* NULL or "" = none */
    int bitrate;                   /* bit/s of the mix Janus encodes for us; 0 = room default */
    int expected_loss;             /* % for the mix's Opus FEC, 0..20; -1 = room default */
    unsigned keepalive_ms;         /* 0 = 25000 (Janus' session timeout is 60 s) */
    unsigned request_timeout_ms;   /* each request; 0 = 10000 */
    sotto_janus_event_cb on_event; /* required */
    void *opaque;                  /* passed to on_event; not owned */
} sotto_janus_params;

/* Starts joining: strings are copied, sig and loop are kept (not owned)
 * and must outlive the object. Returns 0 and *out_janus; -EINVAL with a
 * reason for bad params, -ENOMEM, or the error of the first request. */
int sotto_janus_create(sotto_janus **out_janus, uv_loop_t *loop, sotto_signal_http *sig,
                       const sotto_janus_params *params, char *err, size_t errlen);

/* Sends our JSEP offer (sdp, NUL-terminated) once joined (it is kept and
 * sent at the join if that is still in flight). Returns 0, -EINVAL,
 * -ENOMEM, -EALREADY for a second offer. */
int sotto_janus_offer(sotto_janus *janus, const char *sdp);

/* Room settings for us: muted (0/1, -1 keeps), bitrate of our mix in
 * bit/s (0 keeps), expected_loss % (-1 keeps). Returns 0, -ENOTCONN before
 * the join, -EINVAL, -ENOMEM. SOTTO_JANUS_EV_CONFIGURED follows. */
int sotto_janus_configure(sotto_janus *janus, int muted, int bitrate, int expected_loss);

/* Our participant id, 0 before the join. */
uint64_t sotto_janus_self_id(const sotto_janus *janus);

/* Leaves: no event is made from here on. A "leave", "detach" and
 * "destroy" go out on their own when the session exists (they finish
 * after this returns, without the object). Accepts NULL and *janus ==
 * NULL; sets *janus to NULL. Safe inside on_event. */
void sotto_janus_destroy(sotto_janus **janus);

#endif
