/* Private to daemon/calls*.c and call_sdp.c. */
#ifndef SOTTO_DAEMON_CALL_INTERNAL_H
#define SOTTO_DAEMON_CALL_INTERNAL_H

#include "codec/codec.h"
#include "media/media.h"
#include "daemon/calls.h"
#include "net/identity.h"
#include "net/sdp.h"
#include "net/transport.h"

#define CALL_ID_LEN 17
#define CALL_MAX_CANDIDATES SOTTO_SDP_MAX_CANDIDATES
#define CALL_CANDIDATE_LEN 256

typedef enum call_state {
    CALL_GATHERING = 0, /* collecting our candidates before sending a description */
    CALL_OFFERED,       /* our offer is out; waiting for the answer */
    CALL_RINGING,       /* an offer came in; waiting for `answer` */
    CALL_CONNECTING,    /* descriptions exchanged; ICE and DTLS running */
    CALL_ACTIVE,        /* SRTP keyed: media flows */
    CALL_ENDED,
} call_state;

typedef enum call_signalling {
    SIGNAL_TOKEN = 0, /* copy-paste tokens through sottoctl */
    SIGNAL_HTTP,      /* WHIP-like HTTP */
    SIGNAL_JANUS,     /* a Janus AudioBridge room (call_janus.c) */
} call_signalling;

typedef struct sottod_call sottod_call;
typedef struct sottod_conference sottod_conference;

#define SOTTOD_MAX_HTTP_REQUESTS 16

/* One outgoing HTTP request in flight (an offer or a hang-up). */
typedef struct http_slot {
    int busy;
    sottod_calls *mgr;
    sottod_call *call; /* the call it belongs to; NULL for hang-ups */
    void *req;         /* sotto_signal_http_request */
} http_slot;

struct sottod_call {
    sottod_calls *mgr;
    sottod_call *next;
    char id[CALL_ID_LEN];
    int outgoing; /* 1 = we sent the offer */
    call_signalling signalling;
    call_state state;
    char end_reason[160];
    sotto_transport *transport;
    sotto_media *media;
    sotto_sdp *remote;             /* the peer's offer or answer */
    sotto_sdp_codec_choice choice; /* negotiated codec */
    const sotto_codec_desc *codec;
    int ptime_ms;          /* packet time to start with */
    int max_ptime_ms;      /* longest packet time both ends take */
    int inband_redundancy; /* Sotto payload header (fmtp redundancy=1) both ways */
    int low_rate_mode;     /* the controller's mode last logged (Sotto 2 kbit/s) */
    int rtcp_reduced_size; /* the peer announced a=rtcp-rsize */
    int cn_pt;             /* RFC 3389 CN at the codec's clock both ends take;
                                         * -1 = none */
    int peer_dtx;          /* 1 = the peer's fmtp has usedtx=1 (Opus DTX) */
    int media_dtx;         /* 1 = we send with Opus DTX */
    int red_pt;            /* RFC 2198 RED for the codec both ends take; -1 = none */
    char candidates[CALL_MAX_CANDIDATES][CALL_CANDIDATE_LEN]; /* ours */
    size_t candidate_count;
    int gathering_done;
    char remote_fingerprint[160];    /* "sha-256 AB:..." */
    char peer[128];                  /* who: URL or remote address */
    char contact[64];                /* the peer's name in contacts; "" = unknown */
    sotto_control_deferred *pending; /* a sottoctl request waiting on this call */
    void *http_request;              /* an HTTP offer waiting for our answer */
    char remote_url[512];            /* HTTP: the offer URL, then the call URL to DELETE */
    char http_token[256];            /* bearer token for remote_url; "" = none */
    http_slot *http_slot;            /* our HTTP offer in flight */
    int remote_answered;             /* the callee's 201 arrived */
    sottod_conference *conference;   /* the room of a SIGNAL_JANUS call; owned */
    uint32_t ssrc;                   /* our RTP SSRC, as a=ssrc announces it */
    uv_timer_t rtcp_timer;
    uv_timer_t ring_timer;
    int open_handles;
    uint64_t created_ms;
    uint64_t secure_ms;
    uint64_t link_queue_bits; /* model of our link's queue ([network] link_kbps) */
    uint64_t link_queue_us;   /* when it was last updated */
    uint64_t first_audio_ms;
    uint64_t last_rx_ms;        /* loop time of the last RTP/RTCP from the peer */
    int ice_restarting;         /* an ICE restart's offer/answer is being made */
    int peer_bye;               /* the peer's RTCP BYE came: end after this packet */
    int hold_description;       /* gathering done, but do not send it yet */
    unsigned ice_restarts;      /* ICE restarts of this call */
    unsigned ice_auto_restarts; /* of which the path watch started */
    uv_timer_t watch_timer;     /* call_watch.c: 1 s while active (callers) */
    uint64_t address_hash;      /* the local addresses at the last poll */
    int address_changed;        /* they changed while none was usable */
    int auto_restarting;        /* the restart in progress is the watch's */
    int auto_restart_attempts;  /* restarts in a row with nothing received */
    uint64_t auto_restart_ms;   /* loop time of the watch's last restart */
};

struct sottod_calls {
    uv_loop_t *loop;
    const sotto_voice *voice; /* the daemon's capture chain; not owned, may be NULL */
    uint64_t speech_blocks;   /* the chain's speech block count at the last frame */
    const sotto_config *cfg;
    sotto_control *control;
    int rate;
    sotto_identity *identity;
    sottod_call *calls;
    int closing;
    int open_handles;
    void (*done)(void *);
    void *done_opaque;
    void *http; /* the HTTP signalling server, when enabled */
    uint16_t http_port;
    http_slot http_slots[SOTTOD_MAX_HTTP_REQUESTS];
    char contacts_path[SOTTO_CONFIG_PATH_MAX + 16]; /* the state directory's "contacts" */
    int closing_http;
    int16_t play_buf[4096];
};

/* call_sdp.c */
int sottod__codec_prefs(const sotto_config *cfg, sotto_sdp_codec_pref *prefs, size_t max);
int sottod__build_offer(sottod_call *call, char *buf, size_t buflen, char *err, size_t errlen);
/* The controller's first plan for this call's stream (sotto_media_plan). */
int sottod__media_plan(sottod_call *call, sotto_ratectl_decision *out);
int sottod__build_answer(sottod_call *call, char *buf, size_t buflen, char *err, size_t errlen);
/* Applies a parsed remote description (offer when answering, answer when
 * calling) to the call's transport and codec choice. */
int sottod__apply_remote(sottod_call *call, int is_offer, char *err, size_t errlen);
int sottod__ice_restart_parse(sottod_call *call, const char *sdp, size_t len, sotto_sdp **out,
                              char *err, size_t errlen);
int sottod__ice_restart_apply(sottod_call *call, sotto_sdp *sdp, char *err, size_t errlen);

/* calls.c */
void sottod__call_end(sottod_call *call, const char *reason);
sottod_call *sottod__call_new(sottod_calls *mgr, int outgoing, call_signalling sig, char *err,
                              size_t errlen);
sottod_call *sottod__call_find(sottod_calls *mgr, const char *id);
void sottod__call_set_state(sottod_call *call, call_state state);
const char *sottod__call_state_name(call_state state);
uint64_t sottod__now_us(void);
/* Parses remote SDP text into call->remote. */
int sottod__call_parse_remote(sottod_call *call, const char *sdp, size_t len, char *err,
                              size_t errlen);
/* Looks the peer's fingerprint up in contacts (call->contact) and applies
 * [call] unknown_peer: -EPERM with a reason when the call must be refused. */
int sottod__call_check_peer(sottod_call *call, char *err, size_t errlen);
/* Starts gathering; when done, the call's description is sent on. */
int sottod__call_start(sottod_call *call, char *err, size_t errlen);
/* Restarts ICE: new local credentials; our description goes out again
 * (unless hold_description is set). Returns 0 or a negative errno. */
int sottod__call_restart_ice(sottod_call *call);
/* Sends our description now (after a held restart). */
void sottod__call_description_ready(sottod_call *call);

#endif
