/* Fuzzes what the secure transport parses from the network and from SDP:
 * DTLS record framing, a DTLS server fed arbitrary datagrams, SRTP/SRTCP
 * unprotect, the SDP fingerprint and ICE candidate parsers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/dtls.h"
#include "net/glib_uv.h"
#include "net/ice.h"
#include "net/identity.h"
#include "net/srtp.h"

/* Built once and kept for the whole run (libFuzzer has no teardown). */
static uv_loop_t loop;
static sotto_identity *identity;
static sotto_srtp *srtp;
static sotto_glib_uv *glue;
static sotto_ice *ice;
static unsigned inputs;   /* the agent is renewed now and then: remote candidates pile up */

static int fuzz_send(void *opaque, const uint8_t *data, size_t len)
{
    (void)opaque;
    (void)data;
    (void)len;
    return 0;
}

static void fuzz_connected(void *opaque, const sotto_srtp_keys *keys)
{
    (void)opaque;
    (void)keys;
}

static void fuzz_failed(void *opaque, const char *reason)
{
    (void)opaque;
    (void)reason;
}

static void ice_candidate(void *opaque, const char *c)
{
    (void)opaque;
    (void)c;
}

static void ice_done(void *opaque)
{
    (void)opaque;
}

static void ice_state(void *opaque, sotto_ice_state s)
{
    (void)opaque;
    (void)s;
}

static void ice_receive(void *opaque, const uint8_t *d, size_t n)
{
    (void)opaque;
    (void)d;
    (void)n;
}

static void renew_ice(void)
{
    sotto_ice_params ip;

    sotto_ice_destroy(&ice);
    sotto_ice_params_default(&ip);
    ip.config.local_addresses[0] = "127.0.0.1";
    ip.config.local_address_count = 1;
    ip.on_candidate = ice_candidate;
    ip.on_gathering_done = ice_done;
    ip.on_state = ice_state;
    ip.on_receive = ice_receive;
    if (sotto_ice_create(&ice, glue, &ip, NULL, 0) != 0 ||
        sotto_ice_set_remote_credentials(ice, "fuzz", "0123456789012345678901") != 0)
        abort();
}

static void setup_once(void)
{
    sotto_srtp_keys keys;

    if (inputs++ % 256 == 0 && ice)
        renew_ice();
    if (identity)
        return;
    if (uv_loop_init(&loop) != 0 || sotto_identity_create_ephemeral(&identity, NULL, 0) != 0)
        abort();
    memset(&keys, 0, sizeof(keys));
    keys.profile = SOTTO_SRTP_AES128_CM_SHA1_80;
    keys.key_len = 16;
    keys.salt_len = 14;
    if (sotto_srtp_create(&srtp, &keys) != 0 || sotto_glib_uv_create(&glue, &loop) != 0)
        abort();
    renew_ice();
}

static void fuzz_dtls_server(const uint8_t *data, size_t size)
{
    sotto_dtls_params p;
    sotto_dtls *d = NULL;

    sotto_dtls_params_default(&p);
    p.role = SOTTO_DTLS_SERVER;
    p.identity = identity;
    p.send = fuzz_send;
    p.on_connected = fuzz_connected;
    p.on_failed = fuzz_failed;
    if (sotto_dtls_create(&d, &loop, &p, NULL, 0) != 0)
        abort();
    sotto_dtls_receive(d, data, size);
    sotto_dtls_destroy(&d);
    uv_run(&loop, UV_RUN_NOWAIT);   /* frees the closed timers */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t fp[SOTTO_FINGERPRINT_LEN];
    uint8_t buf[2048];
    char *text;
    size_t out_len;

    setup_once();
    /* Only well-framed records reach OpenSSL; the rest stop in the check
     * (and building a server per input is the slow part). */
    if (sotto_dtls_check_records(data, size) > 0)
        fuzz_dtls_server(data, size);
    if (size <= sizeof(buf)) {
        memcpy(buf, data, size);
        sotto_srtp_unprotect(srtp, buf, size, sotto_srtp_is_rtcp(buf, size), &out_len);
    }
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    sotto_dtls_parse_fingerprint(text, fp);
    sotto_ice_add_remote_candidate(ice, text);
    free(text);
    return 0;
}
