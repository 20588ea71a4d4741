/* Parser of one Janus API message (see net/janus.h). The text is untrusted:
 * every member is checked for its type and bounds before it is kept, and
 * anything not understood is left alone rather than guessed at. */
#include "net/err.h"
#include "net/janus.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

static const struct {
    const char *name;
    sotto_janus_kind kind;
} kinds[] = {
    { "ack", SOTTO_JANUS_ACK },           { "detached", SOTTO_JANUS_DETACHED },
    { "error", SOTTO_JANUS_ERROR },       { "event", SOTTO_JANUS_EVENT },
    { "hangup", SOTTO_JANUS_HANGUP },     { "keepalive", SOTTO_JANUS_KEEPALIVE },
    { "media", SOTTO_JANUS_MEDIA },       { "slowlink", SOTTO_JANUS_SLOWLINK },
    { "success", SOTTO_JANUS_SUCCESS },   { "timeout", SOTTO_JANUS_TIMEOUT },
    { "webrtcup", SOTTO_JANUS_WEBRTCUP },
};

/* Copies the string member name of obj into out (cap bytes). Absent: 0
 * and out untouched; present and fitting: 0; anything else -EINVAL. */
static int get_string(const json_t *obj, const char *name, char *out, size_t cap, char *err,
                      size_t errlen)
{
    const json_t *v = json_object_get(obj, name);
    size_t len;

    if (!v)
        return 0;
    if (!json_is_string(v)) {
        sotto__net_errf(err, errlen, "\"%s\" is not a string", name);
        return -EINVAL;
    }
    len = json_string_length(v);
    if (len >= cap || memchr(json_string_value(v), '\0', len)) {
        sotto__net_errf(err, errlen, "\"%s\" is over %zu bytes or holds a NUL", name, cap - 1);
        return -EINVAL;
    }
    memcpy(out, json_string_value(v), len + 1);
    return 0;
}

/* An id member: absent 0; a JSON integer 1..2^53-1; anything else -EINVAL. */
static int get_id(const json_t *obj, const char *name, uint64_t *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, name);
    json_int_t n;

    if (!v)
        return 0;
    n = json_is_integer(v) ? json_integer_value(v) : -1;
    if (n <= 0 || (uint64_t)n > SOTTO_JANUS_MAX_ID) {
        sotto__net_errf(err, errlen, "\"%s\" is not an id (an integer 1..2^53-1)", name);
        return -EINVAL;
    }
    *out = (uint64_t)n;
    return 0;
}

/* A code member: absent 0; an integer 0..99999; else -EINVAL. */
static int get_code(const json_t *obj, const char *name, int *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, name);
    json_int_t n;

    if (!v)
        return 0;
    n = json_is_integer(v) ? json_integer_value(v) : -1;
    if (n < 0 || n > 99999) {
        sotto__net_errf(err, errlen, "\"%s\" is not an error code", name);
        return -EINVAL;
    }
    *out = (int)n;
    return 0;
}

/* A boolean member: absent leaves *out; true/false 1/0; else -EINVAL. */
static int get_bool(const json_t *obj, const char *name, int *out, char *err, size_t errlen)
{
    const json_t *v = json_object_get(obj, name);

    if (!v)
        return 0;
    if (!json_is_boolean(v)) {
        sotto__net_errf(err, errlen, "\"%s\" is not true or false", name);
        return -EINVAL;
    }
    *out = json_is_true(v);
    return 0;
}

static int parse_participant(const json_t *p, sotto_janus_participant *out, char *err,
                             size_t errlen)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(p)) {
        sotto__net_errf(err, errlen, "a participant is not an object");
        return -EINVAL;
    }
    rc = get_id(p, "id", &out->id, err, errlen);
    if (rc == 0 && out->id == 0) {
        sotto__net_errf(err, errlen, "a participant has no id");
        rc = -EINVAL;
    }
    if (rc == 0)
        rc = get_string(p, "display", out->display, sizeof(out->display), err, errlen);
    if (rc == 0)
        rc = get_bool(p, "muted", &out->muted, err, errlen);
    if (rc == 0)
        rc = get_bool(p, "setup", &out->setup, err, errlen);
    return rc;
}

static int parse_participants(const json_t *list, sotto_janus_msg *out, char *err, size_t errlen)
{
    size_t i, n;

    if (!list)
        return 0;
    if (!json_is_array(list)) {
        sotto__net_errf(err, errlen, "\"participants\" is not an array");
        return -EINVAL;
    }
    n = json_array_size(list);
    out->participants_truncated = n > SOTTO_JANUS_MAX_PARTICIPANTS;
    for (i = 0; i < n && i < SOTTO_JANUS_MAX_PARTICIPANTS; i++) {
        int rc = parse_participant(json_array_get(list, i), &out->participants[i], err, errlen);

        if (rc < 0)
            return rc;
    }
    out->participant_count = i;
    return 0;
}

/* plugindata.data of an AudioBridge message. */
static int parse_plugin_data(const json_t *data, sotto_janus_msg *out, char *err, size_t errlen)
{
    char result[8] = "";
    int rc;

    if (!json_is_object(data)) {
        sotto__net_errf(err, errlen, "plugindata.data is not an object");
        return -EINVAL;
    }
    out->has_plugindata = 1;
    rc = get_string(data, "audiobridge", out->plugin_event, sizeof(out->plugin_event), err, errlen);
    if (rc == 0)
        rc = get_id(data, "room", &out->room, err, errlen);
    if (rc == 0 && strcmp(out->plugin_event, "joined") == 0)
        rc = get_id(data, "id", &out->self_id, err, errlen);
    if (rc == 0)
        rc = get_id(data, "leaving", &out->leaving, err, errlen);
    if (rc == 0)
        rc = get_code(data, "error_code", &out->error_code, err, errlen);
    if (rc == 0)
        rc = get_string(data, "error", out->error, sizeof(out->error), err, errlen);
    /* "result" is "ok" on success; other plugins put objects there. */
    if (rc == 0 && json_is_string(json_object_get(data, "result")))
        rc = get_string(data, "result", result, sizeof(result), err, errlen);
    out->result_ok = strcmp(result, "ok") == 0;
    if (rc == 0)
        rc = parse_participants(json_object_get(data, "participants"), out, err, errlen);
    return rc;
}

static int parse_jsep(const json_t *jsep, sotto_janus_msg *out, char *err, size_t errlen)
{
    int rc;

    if (!jsep)
        return 0;
    if (!json_is_object(jsep)) {
        sotto__net_errf(err, errlen, "\"jsep\" is not an object");
        return -EINVAL;
    }
    rc = get_string(jsep, "type", out->jsep_type, sizeof(out->jsep_type), err, errlen);
    if (rc == 0)
        rc = get_string(jsep, "sdp", out->jsep_sdp, sizeof(out->jsep_sdp), err, errlen);
    if (rc == 0 && (out->jsep_type[0] == '\0') != (out->jsep_sdp[0] == '\0')) {
        sotto__net_errf(err, errlen, "\"jsep\" needs both a type and an sdp");
        rc = -EINVAL;
    }
    return rc;
}

static int parse_object(const json_t *root, sotto_janus_msg *out, char *err, size_t errlen)
{
    const json_t *v, *plugindata;
    char kind[16] = "";
    size_t i;
    int rc;

    rc = get_string(root, "janus", kind, sizeof(kind), err, errlen);
    if (rc == 0 && kind[0] == '\0') {
        sotto__net_errf(err, errlen, "no \"janus\" member naming the message");
        return -EINVAL;
    }
    out->kind = SOTTO_JANUS_OTHER;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].name, kind) == 0)
            out->kind = kinds[i].kind;
    if (rc == 0)
        rc = get_string(root, "transaction", out->transaction, sizeof(out->transaction), err,
                        errlen);
    if (rc == 0)
        rc = get_id(root, "session_id", &out->session_id, err, errlen);
    if (rc == 0)
        rc = get_id(root, "sender", &out->sender, err, errlen);
    if (rc == 0 && (v = json_object_get(root, "data")) != NULL && out->kind == SOTTO_JANUS_SUCCESS)
        rc = json_is_object(v) ? get_id(v, "id", &out->data_id, err, errlen) : -EINVAL;
    if (rc == -EINVAL && err && !err[0])
        sotto__net_errf(err, errlen, "\"data\" is not an object");
    if (rc == 0 && (v = json_object_get(root, "error")) != NULL) {
        if (!json_is_object(v)) {
            sotto__net_errf(err, errlen, "\"error\" is not an object");
            return -EINVAL;
        }
        rc = get_code(v, "code", &out->error_code, err, errlen);
        if (rc == 0)
            rc = get_string(v, "reason", out->error, sizeof(out->error), err, errlen);
    }
    if (rc == 0 && out->kind == SOTTO_JANUS_HANGUP)
        rc = get_string(root, "reason", out->error, sizeof(out->error), err, errlen);
    if (rc == 0 && out->kind == SOTTO_JANUS_MEDIA)
        rc = get_bool(root, "receiving", &out->media_receiving, err, errlen);
    plugindata = json_object_get(root, "plugindata");
    if (rc == 0 && plugindata) {
        if (!json_is_object(plugindata)) {
            sotto__net_errf(err, errlen, "\"plugindata\" is not an object");
            return -EINVAL;
        }
        v = json_object_get(plugindata, "data");
        if (v)
            rc = parse_plugin_data(v, out, err, errlen);
    }
    if (rc == 0)
        rc = parse_jsep(json_object_get(root, "jsep"), out, err, errlen);
    return rc;
}

int sotto_janus_parse(const char *text, size_t len, sotto_janus_msg *out, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!text || !out) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    if (len > SOTTO_JANUS_MAX_MESSAGE) {
        sotto__net_errf(err, errlen, "message over %d bytes", SOTTO_JANUS_MAX_MESSAGE);
        return -EMSGSIZE;
    }
    memset(out, 0, sizeof(*out));
    /* Duplicate keys would let two readers see two messages: refuse them. */
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        sotto__net_errf(err, errlen, "not JSON: %s (at byte %d)", jerr.text, jerr.position);
        return -EINVAL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        sotto__net_errf(err, errlen, "not a JSON object");
        return -EINVAL;
    }
    rc = parse_object(root, out, err, errlen);
    json_decref(root);
    return rc;
}

/* AudioBridge's numbering of its errors changed between releases (1.1
 * calls a wrong PIN 489, older ones 487), so its own words decide. */
const char *sotto_janus_error_text(int code, const char *text)
{
    if (text && strcasestr(text, "wrong pin"))
        return "wrong PIN";
    if (text && strcasestr(text, "no such room"))
        return "no such room";
    if (text && strcasestr(text, "unauthorized"))
        return "unauthorized";
    switch (code) {
    case 403:
        return "unauthorized";
    case 458:
        return "no such session";
    case 459:
        return "no such handle";
    default:
        return "refused";
    }
}
