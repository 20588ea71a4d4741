/* ICE agent over libnice; see ice.h. */
#include "net/err.h"
#include "net/ice.h"

/* libnice: its pkg-config file and its meson subproject both put agent.h on the path. */
#include <agent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ICE_COMPONENT 1   /* rtcp-mux: RTP and RTCP share component 1 */

/* A TURN server as the stream needs it again at each restart. */
typedef struct ice_turn {
    char address[INET6_ADDRSTRLEN];
    uint16_t port;
    char *username;              /* owned */
    char *password;              /* owned; zeroed before free */
    sotto_ice_relay_transport transport;
} ice_turn;

struct sotto_ice {
    NiceAgent *agent;            /* owned; freed once its TURN allocations are released */
    GMainContext *ctx;           /* the agent's (the glue's); not owned */
    guint stream_id;             /* the current stream; a restart replaces it */
    ice_turn turn[SOTTO_ICE_MAX_TURN];
    size_t turn_count;
    uint16_t min_port;           /* local port range of every stream; 0/0 = any */
    uint16_t max_port;
    sotto_ice_state state;       /* last state reported; starts NEW */
    int gathering_started;       /* sotto_ice_gather called */
    int has_remote_credentials;  /* cleared again by a restart */
    gulong signal_ids[3];        /* handlers to disconnect before unref */
    sotto_ice_candidate_cb on_candidate;
    sotto_ice_gathering_done_cb on_gathering_done;
    sotto_ice_state_cb on_state;
    sotto_ice_receive_cb on_receive;
    void *opaque;
};


void sotto_ice_config_default(sotto_ice_config *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->stun_port = 3478;
    out->consent_freshness = 1;
}

void sotto_ice_params_default(sotto_ice_params *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    sotto_ice_config_default(&out->config);
}

static int is_ip_literal(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

const char *sotto_ice_state_name(sotto_ice_state state)
{
    switch (state) {
    case SOTTO_ICE_NEW: return "new";
    case SOTTO_ICE_GATHERING: return "gathering";
    case SOTTO_ICE_CHECKING: return "checking";
    case SOTTO_ICE_CONNECTED: return "connected";
    case SOTTO_ICE_READY: return "ready";
    case SOTTO_ICE_FAILED: return "failed";
    }
    return "unknown";
}

static sotto_ice_state map_state(guint nice_state)
{
    switch (nice_state) {
    case NICE_COMPONENT_STATE_GATHERING: return SOTTO_ICE_GATHERING;
    case NICE_COMPONENT_STATE_CONNECTING: return SOTTO_ICE_CHECKING;
    case NICE_COMPONENT_STATE_CONNECTED: return SOTTO_ICE_CONNECTED;
    case NICE_COMPONENT_STATE_READY: return SOTTO_ICE_READY;
    case NICE_COMPONENT_STATE_FAILED: return SOTTO_ICE_FAILED;
    default: return SOTTO_ICE_NEW;
    }
}

/* Delivers one local candidate as "candidate:..." (libnice writes "a=..."). */
static void emit_candidate(sotto_ice *ice, NiceCandidate *cand)
{
    gchar *sdp = nice_agent_generate_local_candidate_sdp(ice->agent, cand);
    const char *value = sdp;

    if (!sdp)
        return;
    if (strncmp(value, "a=", 2) == 0)
        value += 2;
    ice->on_candidate(ice->opaque, value);
    g_free(sdp);
}

static void on_new_candidate(NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
    sotto_ice *ice = data;

    (void)agent;
    if (cand->stream_id == ice->stream_id && cand->component_id == ICE_COMPONENT)
        emit_candidate(ice, cand);
}

static void on_gathering_done(NiceAgent *agent, guint stream_id, gpointer data)
{
    sotto_ice *ice = data;

    (void)agent;
    if (stream_id == ice->stream_id)
        ice->on_gathering_done(ice->opaque);
}

static void on_component_state(NiceAgent *agent, guint stream_id, guint component_id,
                               guint nice_state, gpointer data)
{
    sotto_ice *ice = data;
    sotto_ice_state state = map_state(nice_state);

    (void)agent;
    if (stream_id != ice->stream_id || component_id != ICE_COMPONENT || state == ice->state)
        return;
    ice->state = state;
    ice->on_state(ice->opaque, state);
}

static void on_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len,
                    gchar *buf, gpointer data)
{
    sotto_ice *ice = data;

    (void)agent;
    (void)component_id;
    if (stream_id == ice->stream_id)
        ice->on_receive(ice->opaque, (const uint8_t *)buf, len);
}

static int check_params(const sotto_ice_params *params, char *err, size_t errlen)
{
    const sotto_ice_config *p = &params->config;

    if (!params->on_candidate || !params->on_gathering_done || !params->on_state ||
        !params->on_receive) {
        sotto__net_errf(err, errlen, "ICE: every callback is required");
        return -EINVAL;
    }
    if (p->stun_address && (!is_ip_literal(p->stun_address) || p->stun_port == 0)) {
        sotto__net_errf(err, errlen, "ICE: STUN server must be an IP address with a port");
        return -EINVAL;
    }
    if (p->stun_max_retransmissions > 30) {
        sotto__net_errf(err, errlen, "ICE: at most 30 STUN retransmissions");
        return -EINVAL;
    }
    if (p->turn_count > SOTTO_ICE_MAX_TURN || p->local_address_count > SOTTO_ICE_MAX_LOCAL_ADDRS) {
        sotto__net_errf(err, errlen, "ICE: too many TURN servers or local addresses");
        return -EINVAL;
    }
    for (size_t i = 0; i < p->turn_count; i++) {
        const sotto_ice_turn_server *t = &p->turn[i];
        if (!is_ip_literal(t->address) || t->port == 0 || !t->username || !t->password ||
            t->transport > SOTTO_ICE_RELAY_TLS) {
            sotto__net_errf(err, errlen, "ICE: TURN server %zu needs an IP address, port, username and password", i);
            return -EINVAL;
        }
    }
    for (size_t i = 0; i < p->local_address_count; i++) {
        if (!is_ip_literal(p->local_addresses[i])) {
            sotto__net_errf(err, errlen, "ICE: local address %zu is not an IP address", i);
            return -EINVAL;
        }
    }
    if (p->min_port > p->max_port) {
        sotto__net_errf(err, errlen, "ICE: min_port above max_port");
        return -EINVAL;
    }
    return 0;
}

static void free_turn(sotto_ice *ice)
{
    for (size_t i = 0; i < ice->turn_count; i++) {
        ice_turn *t = &ice->turn[i];
        if (t->password)
            explicit_bzero(t->password, strlen(t->password));
        free(t->username);
        free(t->password);
        t->username = t->password = NULL;
    }
    ice->turn_count = 0;
}

/* The settings a restart's new stream needs again are kept here: libnice
 * ties TURN servers and the port range to a stream, not to the agent. */
static int keep_stream_settings(sotto_ice *ice, const sotto_ice_config *p)
{
    ice->min_port = p->min_port;
    ice->max_port = p->max_port;
    for (size_t i = 0; i < p->turn_count; i++) {
        ice_turn *t = &ice->turn[i];
        snprintf(t->address, sizeof(t->address), "%s", p->turn[i].address);
        t->port = p->turn[i].port;
        t->transport = p->turn[i].transport;
        t->username = strdup(p->turn[i].username);
        t->password = strdup(p->turn[i].password);
        ice->turn_count = i + 1;
        if (!t->username || !t->password)
            return -ENOMEM;
    }
    return 0;
}

/* STUN server and local addresses belong to the agent and so survive a
 * restart. No local address means every interface, as they are when the
 * stream gathers: that is what lets a restart find a new address. */
static int add_agent_settings(sotto_ice *ice, const sotto_ice_config *p, char *err, size_t errlen)
{
    if (p->stun_address)
        g_object_set(ice->agent, "stun-server", p->stun_address,
                     "stun-server-port", (guint)p->stun_port, NULL);
    for (size_t i = 0; i < p->local_address_count; i++) {
        NiceAddress addr;
        nice_address_init(&addr);
        if (!nice_address_set_from_string(&addr, p->local_addresses[i]) ||
            !nice_agent_add_local_address(ice->agent, &addr)) {
            sotto__net_errf(err, errlen, "ICE: libnice refused local address %s", p->local_addresses[i]);
            return -EIO;
        }
    }
    return 0;
}

/* Adds the stream (the call's only one) with the kept settings and the
 * receive callback; sets ice->stream_id. */
static int open_stream(sotto_ice *ice, char *err, size_t errlen)
{
    static const NiceRelayType relay_types[] = {
        [SOTTO_ICE_RELAY_UDP] = NICE_RELAY_TYPE_TURN_UDP,
        [SOTTO_ICE_RELAY_TCP] = NICE_RELAY_TYPE_TURN_TCP,
        [SOTTO_ICE_RELAY_TLS] = NICE_RELAY_TYPE_TURN_TLS,
    };
    guint id = nice_agent_add_stream(ice->agent, 1);

    if (id == 0) {
        sotto__net_errf(err, errlen, "ICE: libnice could not add a stream");
        return -EIO;
    }
    ice->stream_id = id;
    nice_agent_set_stream_name(ice->agent, id, "audio");
    if (ice->min_port || ice->max_port)
        nice_agent_set_port_range(ice->agent, id, ICE_COMPONENT, ice->min_port, ice->max_port);
    for (size_t i = 0; i < ice->turn_count; i++) {
        const ice_turn *t = &ice->turn[i];
        if (!nice_agent_set_relay_info(ice->agent, id, ICE_COMPONENT, t->address, t->port,
                                       t->username, t->password, relay_types[t->transport])) {
            sotto__net_errf(err, errlen, "ICE: libnice refused TURN server %zu", i);
            return -EIO;
        }
    }
    if (!nice_agent_attach_recv(ice->agent, id, ICE_COMPONENT, ice->ctx, on_recv, ice)) {
        sotto__net_errf(err, errlen, "ICE: libnice could not attach the receive callback");
        return -EIO;
    }
    return 0;
}

static void connect_signals(sotto_ice *ice)
{
    ice->signal_ids[0] = g_signal_connect(ice->agent, "new-candidate-full",
                                          G_CALLBACK(on_new_candidate), ice);
    ice->signal_ids[1] = g_signal_connect(ice->agent, "candidate-gathering-done",
                                          G_CALLBACK(on_gathering_done), ice);
    ice->signal_ids[2] = g_signal_connect(ice->agent, "component-state-changed",
                                          G_CALLBACK(on_component_state), ice);
}

int sotto_ice_create(sotto_ice **out_ice, sotto_glib_uv *glue, const sotto_ice_params *params,
                     char *err, size_t errlen)
{
    GMainContext *ctx = sotto_glib_uv_context(glue);
    NiceAgentOption options = NICE_AGENT_OPTION_ICE_TRICKLE | NICE_AGENT_OPTION_REGULAR_NOMINATION;
    sotto_ice *ice;
    int rc;

    if (!out_ice || !ctx || !params) {
        sotto__net_errf(err, errlen, "ICE: missing argument");
        return -EINVAL;
    }
    rc = check_params(params, err, errlen);
    if (rc != 0)
        return rc;
    ice = calloc(1, sizeof(*ice));
    if (!ice)
        return -ENOMEM;
    ice->on_candidate = params->on_candidate;
    ice->on_gathering_done = params->on_gathering_done;
    ice->on_state = params->on_state;
    ice->on_receive = params->on_receive;
    ice->opaque = params->opaque;
    if (params->config.consent_freshness)
        options |= NICE_AGENT_OPTION_CONSENT_FRESHNESS;
    ice->ctx = ctx;
    ice->agent = nice_agent_new_full(ctx, NICE_COMPATIBILITY_RFC5245, options);
    if (!ice->agent) {
        rc = -ENOMEM;
        goto fail;
    }
    /* UPnP would probe the LAN and delay gathering; ICE-TCP host candidates
     * are of little use for voice: UDP host, srflx and relays suffice. */
    g_object_set(ice->agent, "controlling-mode", params->controlling ? TRUE : FALSE,
                 "upnp", FALSE, "ice-tcp", FALSE, NULL);
    if (params->config.stun_max_retransmissions)
        g_object_set(ice->agent, "stun-max-retransmissions",
                     (guint)params->config.stun_max_retransmissions, NULL);
    /* Relay-only: every candidate pair goes through the TURN server, for
     * networks where direct paths must not be used (and for testing). */
    if (params->config.force_relay)
        g_object_set(ice->agent, "force-relay", TRUE, NULL);
    rc = add_agent_settings(ice, &params->config, err, errlen);
    if (rc == 0)
        rc = keep_stream_settings(ice, &params->config);
    if (rc == 0)
        rc = open_stream(ice, err, errlen);
    if (rc != 0)
        goto fail;
    connect_signals(ice);
    *out_ice = ice;
    return 0;
fail:
    sotto_ice_destroy(&ice);
    return rc;
}

int sotto_ice_gather(sotto_ice *ice)
{
    if (!ice)
        return -EINVAL;
    if (ice->gathering_started)
        return -EALREADY;
    ice->gathering_started = 1;
    if (!nice_agent_gather_candidates(ice->agent, ice->stream_id))
        return -EIO;
    return 0;
}

static int copy_string(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);

    if (len >= size)
        return -ENOSPC;
    memcpy(dst, src, len + 1);
    return 0;
}

int sotto_ice_get_local_credentials(const sotto_ice *ice, char *ufrag, size_t ufrag_size,
                                    char *pwd, size_t pwd_size)
{
    gchar *u = NULL;
    gchar *p = NULL;
    int rc;

    if (!ice || !ufrag || !pwd)
        return -EINVAL;
    if (!nice_agent_get_local_credentials(ice->agent, ice->stream_id, &u, &p))
        return -EINVAL;
    rc = (strlen(u) < ufrag_size && strlen(p) < pwd_size) ? 0 : -ENOSPC;
    if (rc == 0) {
        copy_string(ufrag, ufrag_size, u);
        copy_string(pwd, pwd_size, p);
    }
    g_free(u);
    g_free(p);
    return rc;
}

/* RFC 8839 section 5.4: ice-char = ALPHA / DIGIT / "+" / "/". */
static int valid_ice_chars(const char *s, size_t min, size_t max)
{
    size_t n = 0;

    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '+' || c == '/';
        if (!ok || n >= max)
            return 0;
    }
    return n >= min;
}

int sotto_ice_set_remote_credentials(sotto_ice *ice, const char *ufrag, const char *pwd)
{
    if (!ice || !ufrag || !pwd || !valid_ice_chars(ufrag, 4, 256) || !valid_ice_chars(pwd, 22, 256))
        return -EINVAL;
    if (!nice_agent_set_remote_credentials(ice->agent, ice->stream_id, ufrag, pwd))
        return -EINVAL;
    ice->has_remote_credentials = 1;
    return 0;
}

/* Copies the index-th space-separated field of s into out (NUL-terminated).
 * Returns 0, or -EINVAL when s has fewer fields or the field does not fit. */
static int candidate_field(const char *s, int index, char *out, size_t cap)
{
    int field = 0;

    while (*s) {
        size_t len = strcspn(s, " ");
        if (field == index) {
            if (len == 0 || len >= cap)
                return -EINVAL;
            memcpy(out, s, len);
            out[len] = '\0';
            return 0;
        }
        s += len;
        s += strspn(s, " ");
        field++;
    }
    return -EINVAL;
}

/* mDNS names and TCP candidates cannot be used here (see ice.h). */
static int candidate_supported(const char *value)
{
    char transport[16];
    char address[256];
    char port[8];
    char *end;
    size_t alen;
    long port_value;

    if (candidate_field(value, 2, transport, sizeof(transport)) != 0 ||
        candidate_field(value, 4, address, sizeof(address)) != 0 ||
        candidate_field(value, 5, port, sizeof(port)) != 0)
        return -EINVAL;
    errno = 0;
    port_value = strtol(port, &end, 10);
    if (errno != 0 || *end != '\0' || port_value < 1 || port_value > 65535)
        return -EINVAL;
    alen = strlen(address);
    if (alen > 6 && strcasecmp(address + alen - 6, ".local") == 0)
        return -ENOTSUP;
    if (strcasecmp(transport, "udp") != 0)
        return -ENOTSUP;
    return 0;
}

int sotto_ice_add_remote_candidate(sotto_ice *ice, const char *candidate)
{
    char line[SOTTO_ICE_CANDIDATE_MAX + 2];
    NiceCandidate *cand;
    GSList *list;
    int rc, added;

    if (!ice || !candidate)
        return -EINVAL;
    if (strncmp(candidate, "a=", 2) == 0)
        candidate += 2;
    if (strncmp(candidate, "candidate:", 10) != 0 || strlen(candidate) >= SOTTO_ICE_CANDIDATE_MAX)
        return -EINVAL;
    rc = candidate_supported(candidate + 10);
    if (rc != 0)
        return rc;
    if (!ice->has_remote_credentials)
        return -EAGAIN;
    /* libnice parses only the "a=candidate:" form. */
    snprintf(line, sizeof(line), "a=%s", candidate);
    cand = nice_agent_parse_remote_candidate_sdp(ice->agent, ice->stream_id, line);
    if (!cand)
        return -EINVAL;
    if (cand->component_id != ICE_COMPONENT) {
        nice_candidate_free(cand);
        return -ENOTSUP;
    }
    list = g_slist_append(NULL, cand);
    added = nice_agent_set_remote_candidates(ice->agent, ice->stream_id, ICE_COMPONENT, list);
    g_slist_free_full(list, (GDestroyNotify)nice_candidate_free);
    return added == 1 ? 0 : -EINVAL;
}

int sotto_ice_remote_candidates_done(sotto_ice *ice)
{
    if (!ice)
        return -EINVAL;
    return nice_agent_peer_candidate_gathering_done(ice->agent, ice->stream_id) ? 0 : -EINVAL;
}

int sotto_ice_send(sotto_ice *ice, const uint8_t *data, size_t len)
{
    gint sent;

    if (!ice || !data || len == 0)
        return -EINVAL;
    if (len > 65535)
        return -EMSGSIZE;
    if (!sotto_ice_can_send(ice))
        return -EAGAIN;
    sent = nice_agent_send(ice->agent, ice->stream_id, ICE_COMPONENT, (guint)len, (const gchar *)data);
    return sent == (gint)len ? 0 : -EAGAIN;
}

/* libnice's own restart (nice_agent_restart_stream) keeps the stream's
 * sockets and local candidates: after the local address changed they are
 * bound to an address that is gone, and no new pair can work. So the
 * stream is replaced: removing it closes its sockets (and releases its
 * TURN allocations), the new one gathers on the interfaces as they are
 * now, with new credentials. The old stream goes first, so a narrow port
 * range has its ports free again. DTLS and SRTP above never see stream
 * ids: they send through sotto_ice_send, which uses the current one. */
int sotto_ice_restart(sotto_ice *ice)
{
    guint old;
    int rc;

    if (!ice)
        return -EINVAL;
    if (!ice->gathering_started || ice->stream_id == 0)
        return -EIO;
    old = ice->stream_id;
    /* From here the old stream's signals do not match ice->stream_id. */
    ice->stream_id = 0;
    nice_agent_remove_stream(ice->agent, old);
    ice->state = SOTTO_ICE_NEW;
    ice->has_remote_credentials = 0;
    rc = open_stream(ice, NULL, 0);
    if (rc != 0)
        return rc;
    if (!nice_agent_gather_candidates(ice->agent, ice->stream_id))
        return -EIO;
    return 0;
}

static int selected_pair(const sotto_ice *ice, NiceCandidate **out_local, NiceCandidate **out_remote)
{
    NiceCandidate *local = NULL;
    NiceCandidate *remote = NULL;

    if (!nice_agent_get_selected_pair(ice->agent, ice->stream_id, ICE_COMPONENT, &local, &remote))
        return -ENOENT;
    *out_local = local;
    *out_remote = remote;
    return 0;
}

int sotto_ice_describe_selected_pair(const sotto_ice *ice, char *buf, size_t size)
{
    NiceCandidate *local, *remote;
    char la[NICE_ADDRESS_STRING_LEN];
    char ra[NICE_ADDRESS_STRING_LEN];
    int n;

    if (!ice || !buf || size == 0)
        return -EINVAL;
    if (selected_pair(ice, &local, &remote) != 0)
        return -ENOENT;
    nice_address_to_string(&local->addr, la);
    nice_address_to_string(&remote->addr, ra);
    n = snprintf(buf, size, "%s:%u -> %s:%u", la, nice_address_get_port(&local->addr), ra,
                 nice_address_get_port(&remote->addr));
    return (n < 0 || (size_t)n >= size) ? -ENOSPC : 0;
}

uint16_t sotto_ice_selected_local_port(const sotto_ice *ice)
{
    NiceCandidate *local, *remote;

    if (!ice || selected_pair(ice, &local, &remote) != 0)
        return 0;
    return (uint16_t)nice_address_get_port(&local->addr);
}

sotto_ice_state sotto_ice_get_state(const sotto_ice *ice)
{
    return ice ? ice->state : SOTTO_ICE_NEW;
}

int sotto_ice_can_send(const sotto_ice *ice)
{
    return ice && (ice->state == SOTTO_ICE_CONNECTED || ice->state == SOTTO_ICE_READY);
}

/* What arrives on a closing agent's sockets goes nowhere. */
static void drop_recv(NiceAgent *agent, guint stream_id, guint component_id, guint len,
                      gchar *buf, gpointer data)
{
    (void)agent;
    (void)stream_id;
    (void)component_id;
    (void)len;
    (void)buf;
    (void)data;
}

/* An agent releasing its TURN allocations after sotto_ice_close. Two
 * owners: the close task's callback and the cap; the last one frees it. */
typedef struct ice_closing {
    NiceAgent *agent;            /* the reference sotto_ice held */
    sotto_ice_closed_cb done;    /* called once; may be NULL */
    void *opaque;
    int finished;                /* done called, agent reference dropped */
    int refs;                    /* of the task callback and the cap */
} ice_closing;

static void closing_finish(ice_closing *c)
{
    if (c->finished)
        return;
    c->finished = 1;
    g_object_unref(c->agent);
    if (c->done)
        c->done(c->opaque);
}

static void closing_unref(ice_closing *c)
{
    if (--c->refs == 0)
        free(c);
}

static void on_agent_closed(GObject *agent, GAsyncResult *result, gpointer data)
{
    (void)agent;
    (void)result;
    closing_finish(data);
    closing_unref(data);
}

/* A TURN server that does not answer would hold the agent for libnice's
 * whole retransmission schedule (some 25 s); past the cap the agent is
 * let go (the close task keeps its own reference until it ends). */
static gboolean on_close_cap(gpointer data)
{
    closing_finish(data);
    return G_SOURCE_REMOVE;
}

void sotto_ice_close(sotto_ice **ice, sotto_ice_closed_cb done, void *opaque)
{
    ice_closing *c;
    GSource *cap;
    sotto_ice *x;

    if (!ice || !*ice)
        return;
    x = *ice;
    *ice = NULL;
    c = x->agent ? calloc(1, sizeof(*c)) : NULL;
    if (x->agent) {
        for (size_t i = 0; i < sizeof(x->signal_ids) / sizeof(x->signal_ids[0]); i++)
            if (x->signal_ids[i])
                g_signal_handler_disconnect(x->agent, x->signal_ids[i]);
        /* Detaching the receive callback (NULL) would stop the agent
         * reading its sockets, and so the TURN server's answers to the
         * releases below: each would wait out its retransmissions. */
        if (x->stream_id)
            nice_agent_attach_recv(x->agent, x->stream_id, ICE_COMPONENT, x->ctx, drop_recv,
                                   NULL);
    }
    if (!c) {
        if (x->agent)
            g_object_unref(x->agent);
        free_turn(x);
        free(x);
        if (done)
            done(opaque);
        return;
    }
    c->agent = x->agent;
    c->done = done;
    c->opaque = opaque;
    c->refs = 2;
    /* Releases the TURN allocations (Refresh with lifetime 0, RFC 8656
     * section 7) before the agent goes. GTask calls back on the context
     * that is thread-default when the task starts: the agent's own. */
    g_main_context_push_thread_default(x->ctx);
    nice_agent_close_async(x->agent, on_agent_closed, c);
    g_main_context_pop_thread_default(x->ctx);
    cap = g_timeout_source_new(SOTTO_ICE_CLOSE_CAP_MS);
    g_source_set_callback(cap, on_close_cap, c, (GDestroyNotify)closing_unref);
    g_source_attach(cap, x->ctx);
    g_source_unref(cap);
    free_turn(x);
    free(x);
}

void sotto_ice_destroy(sotto_ice **ice)
{
    sotto_ice_close(ice, NULL, NULL);
}
