/* The signalling object: one libwebsockets context on the daemon's loop,
 * with the server listening when asked and client requests made through
 * the same context. One long-lived context, because tearing one down is
 * the delicate part (see signal_http_lws.c). */
#include "net/err.h"
#include "net/signal_http_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BODY_LIMIT (16u << 20)    /* largest max_body accepted, bytes */
#define KEEPALIVE_TIMEOUT_S 5         /* idle keep-alive connection */
#define DEFAULT_ANSWER_TIMEOUT_MS 30000

/* Security headers on replies libwebsockets writes itself (bad upgrades). */
static const struct lws_protocol_vhost_options security_headers[] = {
    {&security_headers[1], NULL, "content-security-policy:", SOTTO_HTTP_CSP},
    {&security_headers[2], NULL, "x-content-type-options:", "nosniff"},
    {&security_headers[3], NULL, "referrer-policy:", "no-referrer"},
    {NULL, NULL, "cache-control:", "no-store"},
};

void sotto_signal_http_params_default(sotto_signal_http_params *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    out->listen = 1;
    out->bind_address = SOTTO_SIGNAL_HTTP_DEFAULT_BIND;
    out->max_body = SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY;
    out->answer_timeout_ms = DEFAULT_ANSWER_TIMEOUT_MS;
}

static int check_params(const sotto_signal_http_params *p, int *out_is_ipv4, char *err,
                        size_t errlen)
{
    const char *bind_address = p->bind_address ? p->bind_address : SOTTO_SIGNAL_HTTP_DEFAULT_BIND;
    unsigned char addr[sizeof(struct in6_addr)];

    *out_is_ipv4 = 0;
    if (!p->listen)
        return 0;
    if (!p->on_offer || !p->on_hangup) {
        sotto__net_errf(err, errlen, "on_offer and on_hangup are required to listen");
        return -EINVAL;
    }
    *out_is_ipv4 = inet_pton(AF_INET, bind_address, addr) == 1;
    if (!*out_is_ipv4 && inet_pton(AF_INET6, bind_address, addr) != 1) {
        sotto__net_errf(err, errlen, "bind address \"%.64s\" is not a numeric IPv4 or IPv6 address",
                bind_address);
        return -EINVAL;
    }
    if (p->port > 65535) {
        sotto__net_errf(err, errlen, "port %u is out of range", p->port);
        return -EINVAL;
    }
    if (p->bearer_token && p->bearer_token[0] && !sotto_http_token_valid(p->bearer_token)) {
        sotto__net_errf(err, errlen,
                        "bearer token must be 1..%d characters of A-Z a-z 0-9 - . _ ~ + / "
                        "with = only at the end", SOTTO_SIGNAL_HTTP_MAX_TOKEN);
        return -EINVAL;
    }
    if (p->max_body > MAX_BODY_LIMIT) {
        sotto__net_errf(err, errlen, "max_body %zu is over %u bytes", p->max_body, MAX_BODY_LIMIT);
        return -EINVAL;
    }
    return 0;
}

static int open_static_root(sotto_signal_http *sig, const char *dir, char *err, size_t errlen)
{
    if (!dir)
        return 0;
    sig->static_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sig->static_fd < 0) {
        int rc = -errno;
        sotto__net_errf(err, errlen, "static directory \"%.200s\": %s", dir, strerror(-rc));
        return rc;
    }
    return 0;
}

/* The one vhost: listening when the server is on, client-only otherwise. */
static int create_vhost(sotto_signal_http *sig, const char *bind_address, unsigned port,
                        int is_ipv4, char *err, size_t errlen)
{
    struct lws_context_creation_info vi;
    struct lws_vhost *vhost;

    memset(&vi, 0, sizeof(vi));
    vi.vhost_name = "sotto-signal";
    vi.protocols = sotto_http_protocols;
    vi.port = CONTEXT_PORT_NO_LISTEN;
    if (sig->listening) {
        vi.port = (int)port;
        vi.iface = bind_address;
        vi.headers = security_headers;
        vi.keepalive_timeout = KEEPALIVE_TIMEOUT_S;
        vi.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND
                     | (is_ipv4 ? LWS_SERVER_OPTION_DISABLE_IPV6 : 0);
    }
    vhost = lws_create_vhost(sotto_lws_holder_context(sig->lws), &vi);
    if (!vhost && sig->listening) {
        sotto__net_errf(err, errlen, "cannot listen on %s port %u (in use or not a local address)",
                bind_address, port);
        return -EADDRINUSE;
    }
    if (!vhost) {
        sotto__net_errf(err, errlen, "libwebsockets could not create its client");
        return -EIO;
    }
    sig->port = sig->listening ? (unsigned)lws_get_vhost_listen_port(vhost) : 0;
    return 0;
}

static void copy_server_params(sotto_signal_http *sig, const sotto_signal_http_params *p)
{
    sig->listening = p->listen != 0;
    if (p->bearer_token) {
        sig->token_len = strlen(p->bearer_token);
        memcpy(sig->token, p->bearer_token, sig->token_len + 1);
    }
    sig->max_body = p->max_body ? p->max_body : SOTTO_SIGNAL_HTTP_DEFAULT_MAX_BODY;
    sig->answer_timeout_ms = p->answer_timeout_ms ? p->answer_timeout_ms
                                                  : DEFAULT_ANSWER_TIMEOUT_MS;
    sig->on_offer = p->on_offer;
    sig->on_hangup = p->on_hangup;
    sig->on_update = p->on_update;
    sig->opaque = p->opaque;
}

int sotto_signal_http_create(sotto_signal_http **out_sig, uv_loop_t *loop,
                             const sotto_signal_http_params *params, char *err, size_t errlen)
{
    sotto_signal_http *sig;
    const char *bind_address;
    int is_ipv4 = 0, rc;

    if (!out_sig || !loop || !params) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    rc = check_params(params, &is_ipv4, err, errlen);
    if (rc != 0)
        return rc;
    bind_address = params->bind_address ? params->bind_address : SOTTO_SIGNAL_HTTP_DEFAULT_BIND;
    sig = calloc(1, sizeof(*sig));
    if (!sig) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    sig->loop = loop;
    sig->static_fd = -1;
    copy_server_params(sig, params);
    if (sig->listening) {
        rc = open_static_root(sig, params->static_dir, err, errlen);
        if (rc != 0)
            goto fail;
    }
    rc = sotto_lws_holder_create(&sig->lws, loop, sig, err, errlen);
    if (rc != 0)
        goto fail;
    rc = create_vhost(sig, bind_address, params->port, is_ipv4, err, errlen);
    if (rc != 0)
        goto fail;
    *out_sig = sig;
    return 0;

fail:
    sotto_lws_holder_release(sig->lws);
    if (sig->static_fd >= 0)
        close(sig->static_fd);
    free(sig);
    return rc;
}

int sotto_signal_http_port(const sotto_signal_http *sig, unsigned *out_port)
{
    if (!sig || !out_port)
        return -EINVAL;
    if (!sig->listening)
        return -ENOTCONN;
    *out_port = sig->port;
    return 0;
}

void sotto_signal_http_destroy(sotto_signal_http **sig)
{
    sotto_signal_http *s;

    if (!sig || !*sig)
        return;
    s = *sig;
    *sig = NULL;
    s->closing = 1;
    sotto_http_client_cancel_all(s);
    sotto_ws_client_cancel_all(s);
    sotto_http_server_orphan_offers(s);
    sotto_lws_holder_release(s->lws);
    if (s->static_fd >= 0)
        close(s->static_fd);
    free(s);
}
