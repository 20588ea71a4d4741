/* libFuzzer target for net/janus_msg.c: parse arbitrary bytes as a Janus
 * API message. Whatever parses must hold bounded, NUL-terminated strings
 * and counts within their arrays; whatever fails must say why. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/janus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s, size_t cap)
{
    if (memchr(s, '\0', cap) == NULL)
        abort();
}

static void check_parsed(const sotto_janus_msg *m)
{
    if (m->kind > SOTTO_JANUS_OTHER || m->participant_count > SOTTO_JANUS_MAX_PARTICIPANTS ||
        m->session_id > SOTTO_JANUS_MAX_ID || m->sender > SOTTO_JANUS_MAX_ID ||
        m->data_id > SOTTO_JANUS_MAX_ID || m->self_id > SOTTO_JANUS_MAX_ID || m->error_code < 0 ||
        m->error_code > 99999)
        abort();
    check_string(m->transaction, sizeof(m->transaction));
    check_string(m->error, sizeof(m->error));
    check_string(m->plugin_event, sizeof(m->plugin_event));
    check_string(m->jsep_type, sizeof(m->jsep_type));
    check_string(m->jsep_sdp, sizeof(m->jsep_sdp));
    for (size_t i = 0; i < m->participant_count; i++) {
        if (m->participants[i].id == 0 || m->participants[i].id > SOTTO_JANUS_MAX_ID)
            abort();
        check_string(m->participants[i].display, sizeof(m->participants[i].display));
    }
    if (!sotto_janus_error_text(m->error_code, m->error))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sotto_janus_msg *msg = malloc(sizeof(*msg));
    char err[256] = "";
    /* Exact-size copy so the sanitizer sees any read past the end. */
    char *copy = malloc(size ? size : 1);
    int rc;

    if (!copy || !msg) {
        free(copy);
        free(msg);
        return 0;
    }
    memcpy(copy, data, size);
    rc = sotto_janus_parse(copy, size, msg, err, sizeof(err));
    if (rc == 0)
        check_parsed(msg);
    else if ((rc != -EINVAL && rc != -EMSGSIZE && rc != -ENOMEM) || err[0] == '\0')
        abort();
    free(msg);
    free(copy);
    return 0;
}
