/* sottoctl output formatting. Everything is computed from the reply JSON;
 * fields the protocol may add later are shown too (status) or ignored
 * (devices, events), as protocol version 1 asks of clients. */
#include "sottoctl/sottoctl_output.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEVICE_COLUMNS 7
#define CALL_COLUMNS 6
#define MAX_COLUMNS 8                  /* widest table printed */
#define LARGEST_PLAIN_REAL 1e15        /* beyond this, reals print as %g */
#define LATEST_PRINTABLE_TIME 253402300799.0  /* 9999-12-31T23:59:59Z */

__attribute__((format(printf, 3, 4)))
static void set_error(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (!err || err_size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

char *sottoctl_strdup_printf(const char *fmt, ...)
{
    va_list ap;
    char *text;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    text = malloc((size_t)len + 1);
    if (!text)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return text;
}

/* Escapes C0 controls, DEL and the UTF-8 encoded C1 controls (U+0080..
 * U+009F, which some terminals obey) as \xNN; keep_layout spares '\n' and
 * '\t'. Writes into dst when it is not NULL; returns the escaped length. */
static size_t escape_text(const char *src, bool keep_layout, char *dst)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)src;
    size_t len = 0;

    for (size_t i = 0; s[i] != '\0'; i++) {
        bool c1 = s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f;
        bool layout = keep_layout && (s[i] == '\n' || s[i] == '\t');
        size_t count = c1 ? 2 : 1;

        if (!(s[i] < 0x20 || s[i] == 0x7f || c1) || layout) {
            if (dst)
                dst[len] = (char)s[i];
            len++;
            continue;
        }
        for (size_t k = 0; k < count; k++) {
            if (dst) {
                dst[len] = '\\';
                dst[len + 1] = 'x';
                dst[len + 2] = hex[s[i + k] >> 4];
                dst[len + 3] = hex[s[i + k] & 0x0f];
            }
            len += 4;
        }
        i += count - 1;
    }
    if (dst)
        dst[len] = '\0';
    return len;
}

/* Heap copy of src made safe to print; NULL when out of memory. */
static char *escape_dup(const char *src, bool keep_layout)
{
    char *copy = malloc(escape_text(src, keep_layout, NULL) + 1);

    if (copy)
        escape_text(src, keep_layout, copy);
    return copy;
}

char *sottoctl_escape_dup(const char *src)
{
    return src ? escape_dup(src, false) : NULL;
}

static void put_escaped(FILE *out, const char *src, bool keep_layout)
{
    char *copy = escape_dup(src, keep_layout);

    if (copy)
        fputs(copy, out);
    free(copy);
}

/* Reals for people: three decimals at most, trailing zeros dropped. */
static char *real_text(double value)
{
    char *text;
    size_t len;

    if (!(value > -LARGEST_PLAIN_REAL && value < LARGEST_PLAIN_REAL))
        return sottoctl_strdup_printf("%g", value);
    text = sottoctl_strdup_printf("%.3f", value);
    if (!text)
        return NULL;
    len = strlen(text);
    while (len > 0 && text[len - 1] == '0')
        text[--len] = '\0';
    if (len > 0 && text[len - 1] == '.')
        text[--len] = '\0';
    return text;
}

/* One JSON value as a printable heap string; NULL when out of memory. */
static char *value_text(const json_t *value)
{
    char *dumped;
    char *text;

    switch (json_typeof(value)) {
    case JSON_STRING:
        return escape_dup(json_string_value(value), false);
    case JSON_INTEGER:
        return sottoctl_strdup_printf("%" JSON_INTEGER_FORMAT, json_integer_value(value));
    case JSON_REAL:
        return real_text(json_real_value(value));
    case JSON_TRUE:
        return sottoctl_strdup_printf("yes");
    case JSON_FALSE:
        return sottoctl_strdup_printf("no");
    case JSON_NULL:
        return sottoctl_strdup_printf("-");
    case JSON_OBJECT:
    case JSON_ARRAY:
    default:
        dumped = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!dumped)
            return NULL;
        text = escape_dup(dumped, false);
        free(dumped);
        return text;
    }
}

int sottoctl_print_json(FILE *out, const json_t *value)
{
    char *text;

    if (!out || !value)
        return -EINVAL;
    /* The daemon rounds its reals; 15 digits print them back as they came. */
    text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    if (!text)
        return -ENOMEM;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

/* Turns the value of a leaf named key into printable heap text. */
typedef char *(*value_formatter)(const char *key, const json_t *value);

static char *plain_value_text(const char *key, const json_t *value)
{
    (void)key;
    return value_text(value);
}

/* A unit at the end of a protocol key, shown in brackets after the words. */
static const struct key_unit {
    const char *token;
    const char *shown;
} key_units[] = {
    {"bps", "bit/s"}, {"fraction", NULL}, {"hz", "Hz"}, {"kbps", "kbit/s"}, {"kib", "KiB"},
    {"ms", "ms"},
    {"pct", "%"},     {"s", "s"},
};

static const char *unit_of(const char *token, size_t len)
{
    for (size_t i = 0; i < sizeof(key_units) / sizeof(key_units[0]); i++)
        if (strlen(key_units[i].token) == len && memcmp(key_units[i].token, token, len) == 0)
            return key_units[i].shown ? key_units[i].shown : "";
    return NULL;
}

/* A protocol key as words for people: "payload_kbps_sent" reads "payload
 * sent (kbit/s)", "uptime_s" "uptime (s)", "loss_fraction" "loss" (its
 * value is shown as a percentage). Heap text; NULL when out of memory. */
static char *key_words(const char *key)
{
    size_t len = strlen(key);
    char *words = malloc(len + 16), *unit = NULL;
    const char *unit_text = NULL;
    size_t n = 0;

    if (!words)
        return NULL;
    for (const char *p = key; *p;) {
        const char *end = strchr(p, '_');
        size_t tlen = end ? (size_t)(end - p) : strlen(p);
        const char *u = p == key ? NULL : unit_of(p, tlen);

        if (u && !unit_text) {
            unit_text = u;
        } else {
            if (n > 0)
                words[n++] = ' ';
            memcpy(words + n, p, tlen);
            n += tlen;
        }
        p += tlen + (end ? 1 : 0);
    }
    words[n] = '\0';
    if (unit_text && unit_text[0]) {
        unit = sottoctl_strdup_printf("%s (%s)", words, unit_text);
        free(words);
        return unit;
    }
    return words;
}

/* Visits the members of obj in the daemon's order: a leaf is one line
 * "label: value", an object a heading line with its members indented
 * under it. With out == NULL it only widens *width to the longest label
 * (indent included); otherwise it prints. */
static int walk_status(FILE *out, const json_t *obj, int depth, size_t *width,
                       value_formatter format)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value) {
        char *words = key_words(key);
        char *shown = words ? escape_dup(words, false) : NULL;
        size_t indent = 2 * (size_t)depth;
        int rc = 0;

        if (!shown) {
            rc = -ENOMEM;
        } else if (json_is_object(value)) {
            if (out)
                fprintf(out, "%*s%s:\n", (int)indent, "", shown);
            rc = walk_status(out, value, depth + 1, width, format);
        } else if (!out) {
            if (indent + strlen(shown) > *width)
                *width = indent + strlen(shown);
        } else {
            char *text = format(key, value);

            if (text)
                fprintf(out, "%*s%s:%*s %s\n", (int)indent, "", shown,
                        (int)(*width - indent - strlen(shown)), "", text);
            else
                rc = -ENOMEM;
            free(text);
        }
        free(shown);
        free(words);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sottoctl_print_status(FILE *out, const json_t *result, char *err, size_t err_size)
{
    size_t width = 0;
    int rc;

    if (!out || !result)
        return -EINVAL;
    if (!json_is_object(result)) {
        set_error(err, err_size, "the status reply is not an object");
        return -EPROTO;
    }
    rc = walk_status(NULL, result, 0, &width, plain_value_text);
    if (rc == 0)
        rc = walk_status(out, result, 0, &width, plain_value_text);
    return rc;
}

/* The member key of obj as printable text; "-" when it is absent. */
static char *member_text(const json_t *obj, const char *key)
{
    const json_t *value = json_object_get(obj, key);

    return value ? value_text(value) : sottoctl_strdup_printf("-");
}

/* Fills the DEVICE_COLUMNS cells of one table row from a device object. */
static int device_row(const json_t *device, char **cells)
{
    bool in = json_is_true(json_object_get(device, "default_input"));
    bool out = json_is_true(json_object_get(device, "default_output"));
    static const char *const keys[DEVICE_COLUMNS] = {
        "index", NULL, "max_input_channels", "max_output_channels",
        "default_rate", "host_api", "name",
    };

    for (size_t col = 0; col < DEVICE_COLUMNS; col++) {
        if (!keys[col])
            cells[col] = sottoctl_strdup_printf("%s", in && out ? "in+out"
                                                : in ? "in" : out ? "out" : "-");
        else
            cells[col] = member_text(device, keys[col]);
        if (!cells[col])
            return -ENOMEM;
    }
    return 0;
}

/* "45s", "3m07s", "2h05m": an age in seconds for people; "-" when it is
 * missing or out of range. */
static char *age_text(const json_t *value)
{
    double seconds = json_number_value(value);
    long long whole;

    if (!json_is_number(value) || !(seconds >= 0.0 && seconds < LARGEST_PLAIN_REAL))
        return sottoctl_strdup_printf("-");
    whole = (long long)seconds;
    if (whole < 60)
        return sottoctl_strdup_printf("%llds", whole);
    if (whole < 3600)
        return sottoctl_strdup_printf("%lldm%02llds", whole / 60, whole % 60);
    return sottoctl_strdup_printf("%lldh%02lldm", whole / 3600, whole % 3600 / 60);
}

/* "1234: alice, bob (muted)" for a conference call, "-" otherwise. NULL:
 * no memory. */
static char *room_text(const json_t *call)
{
    const json_t *room = json_object_get(call, "room");
    const json_t *members = json_object_get(room, "participants");
    char *text;

    if (!json_is_object(room))
        return sottoctl_strdup_printf("-");
    text = sottoctl_strdup_printf("%" JSON_INTEGER_FORMAT "%s%s",
                                  json_integer_value(json_object_get(room, "room")),
                                  json_is_true(json_object_get(room, "muted")) ? " (we are muted)"
                                                                               : "",
                                  json_array_size(members) ? ":" : ": nobody else");
    for (size_t i = 0; text && i < json_array_size(members); i++) {
        const json_t *m = json_array_get(members, i);
        const char *name = json_string_value(json_object_get(m, "display"));
        /* Names come from other people through the server: shown escaped. */
        char *shown = sottoctl_escape_dup(name ? name : "(no name)");
        char *longer = shown ? sottoctl_strdup_printf(
                                   "%s%s %s%s", text, i ? "," : "", shown,
                                   json_is_true(json_object_get(m, "muted")) ? " (muted)" : "")
                             : NULL;

        free(shown);
        free(text);
        text = longer;
    }
    return text;
}

/* Fills the CALL_COLUMNS cells of one table row from a call object. */
static int call_row(const json_t *call, char **cells)
{
    const json_t *codec = json_object_get(call, "codec");

    cells[0] = member_text(call, "id");
    cells[1] = member_text(call, "direction");
    cells[2] = member_text(call, "state");
    cells[3] = codec ? value_text(codec) : sottoctl_strdup_printf("-");
    cells[4] = age_text(json_object_get(call, "age_s"));
    cells[5] = room_text(call);
    for (size_t col = 0; col < CALL_COLUMNS; col++) {
        if (!cells[col])
            return -ENOMEM;
    }
    return 0;
}

static void print_row(FILE *out, const char *const *cells, const size_t *widths, size_t columns)
{
    for (size_t col = 0; col < columns; col++) {
        if (col + 1 < columns)
            fprintf(out, "%-*s  ", (int)widths[col], cells[col]);
        else
            fprintf(out, "%s\n", cells[col]);
    }
}

/* What a table looks like and where its rows come from. */
typedef struct table_spec {
    const char *list_key;        /* member of the result holding the array of objects */
    const char *row_name;        /* what one row is, for error messages */
    const char *const *headers;  /* column titles */
    size_t columns;              /* number of headers, at most MAX_COLUMNS */
    int (*fill_row)(const json_t *item, char **cells);  /* one cell per column */
} table_spec;

/* Prints a header row and one row per object of the list, every column
 * but the last padded to its widest cell. */
static int print_table(FILE *out, const json_t *result, const table_spec *spec, char *err,
                       size_t err_size)
{
    const json_t *list = json_object_get(result, spec->list_key);
    size_t widths[MAX_COLUMNS];
    size_t rows;
    char **cells = NULL;
    int rc = 0;

    if (!json_is_array(list)) {
        set_error(err, err_size, "the reply has no \"%s\" list", spec->list_key);
        return -EPROTO;
    }
    rows = json_array_size(list);
    cells = calloc(rows * spec->columns + 1, sizeof *cells);
    if (!cells)
        return -ENOMEM;
    for (size_t col = 0; col < spec->columns; col++)
        widths[col] = strlen(spec->headers[col]);
    for (size_t row = 0; row < rows && rc == 0; row++) {
        const json_t *item = json_array_get(list, row);

        if (!json_is_object(item)) {
            set_error(err, err_size, "%s %zu in the reply is not an object", spec->row_name, row);
            rc = -EPROTO;
            break;
        }
        rc = spec->fill_row(item, cells + row * spec->columns);
        for (size_t col = 0; col < spec->columns && rc == 0; col++) {
            size_t len = strlen(cells[row * spec->columns + col]);

            if (len > widths[col])
                widths[col] = len;
        }
    }
    if (rc == 0) {
        print_row(out, spec->headers, widths, spec->columns);
        for (size_t row = 0; row < rows; row++)
            print_row(out, (const char *const *)cells + row * spec->columns, widths,
                      spec->columns);
    }
    for (size_t i = 0; i < rows * spec->columns; i++)
        free(cells[i]);
    free(cells);
    return rc;
}

int sottoctl_print_devices(FILE *out, const json_t *result, char *err, size_t err_size)
{
    static const char *const headers[DEVICE_COLUMNS] = {
        "INDEX", "DEFAULT", "IN", "OUT", "RATE", "HOST API", "NAME",
    };
    static const table_spec spec = { "devices", "device", headers, DEVICE_COLUMNS, device_row };
    const json_t *devices = json_object_get(result, "devices");

    if (!out || !result)
        return -EINVAL;
    /* The daemon's auto backend falls back to null exactly when there is none. */
    if (json_is_array(devices) && json_array_size(devices) == 0) {
        fputs("no audio devices found (using the null backend)\n", out);
        return 0;
    }
    return print_table(out, result, &spec, err, err_size);
}

int sottoctl_print_calls(FILE *out, const json_t *result, char *err, size_t err_size)
{
    static const char *const headers[CALL_COLUMNS] = {
        "ID", "DIRECTION", "STATE", "CODEC", "AGE", "ROOM",
    };
    static const table_spec spec = { "calls", "call", headers, CALL_COLUMNS, call_row };
    const json_t *calls = json_object_get(result, "calls");

    if (!out || !result)
        return -EINVAL;
    if (json_is_array(calls) && json_array_size(calls) == 0) {
        fputs("no calls\n", out);
        return 0;
    }
    return print_table(out, result, &spec, err, err_size);
}

/* ISO-8601 local time with milliseconds and UTC offset, or "-" when t
 * (seconds since the epoch) is out of range. */
static void format_time(char *buf, size_t size, double t)
{
    struct tm tm;
    time_t secs;
    long ms;
    long offset;
    size_t len;

    snprintf(buf, size, "-");
    if (!(t >= 0.0 && t <= LATEST_PRINTABLE_TIME))
        return;
    secs = (time_t)t;
    ms = (long)((t - (double)secs) * 1000.0 + 0.5);
    if (ms >= 1000) {
        secs += 1;
        ms -= 1000;
    }
    if (!localtime_r(&secs, &tm))
        return;
    len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (len == 0) {
        snprintf(buf, size, "-");
        return;
    }
    offset = tm.tm_gmtoff;
    snprintf(buf + len, size - len, ".%03ld%c%02ld:%02ld", ms, offset < 0 ? '-' : '+',
             labs(offset) / 3600, labs(offset) % 3600 / 60);
}

int sottoctl_print_event(FILE *out, const json_t *event)
{
    const char *name;
    const json_t *data;
    const json_t *time_value;
    char *data_text;
    char when[64];

    if (!out || !event)
        return -EINVAL;
    name = json_string_value(json_object_get(event, "event"));
    data = json_object_get(event, "data");
    data_text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY)
                     : sottoctl_strdup_printf("{}");
    if (!data_text)
        return -ENOMEM;
    time_value = json_object_get(event, "time");
    format_time(when, sizeof when,
                json_is_number(time_value) ? json_number_value(time_value) : -1.0);
    fprintf(out, "%s ", when);
    put_escaped(out, name ? name : "?", false);
    fputc(' ', out);
    put_escaped(out, data_text, false);
    fputc('\n', out);
    free(data_text);
    return 0;
}

int sottoctl_show_event(FILE *out, sottoctl_event_stream *stream, const json_t *event)
{
    const json_t *seq = json_object_get(event, "seq");
    const char *name = json_string_value(json_object_get(event, "event"));
    int rc;

    if (!out || !stream || !event)
        return -EINVAL;
    if (!json_is_object(event))
        return 0;
    if (json_is_integer(seq)) {
        if (json_integer_value(seq) <= stream->last_seq)
            return 0;
        stream->last_seq = json_integer_value(seq);
    }
    if (name && strcmp(name, "shutdown") == 0)
        stream->saw_shutdown = true;
    rc = stream->json ? sottoctl_print_json(out, event) : sottoctl_print_event(out, event);
    if (fflush(out) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

int sottoctl_print_events(FILE *out, sottoctl_event_stream *stream, const json_t *result,
                          bool whole_json, char *err, size_t err_size)
{
    const json_t *events = json_object_get(result, "events");
    size_t i;
    json_t *event;

    if (!out || !stream || !result)
        return -EINVAL;
    if (!json_is_array(events)) {
        set_error(err, err_size, "the events reply has no \"events\" list");
        return -EPROTO;
    }
    if (whole_json)
        return sottoctl_print_json(out, result);
    json_array_foreach(events, i, event) {
        int rc = sottoctl_show_event(out, stream, event);

        if (rc != 0) {
            set_error(err, err_size, "cannot write output: %s", strerror(-rc));
            return rc;
        }
    }
    return 0;
}

int sottoctl_print_config(FILE *out, const json_t *result, char *err, size_t err_size)
{
    const char *text = json_string_value(json_object_get(result, "text"));
    size_t len;

    if (!out || !result)
        return -EINVAL;
    if (!text) {
        set_error(err, err_size, "the config-show reply has no \"text\" string");
        return -EPROTO;
    }
    put_escaped(out, text, true);
    len = strlen(text);
    if (len > 0 && text[len - 1] != '\n')
        fputc('\n', out);
    return 0;
}

int sottoctl_print_version(FILE *out, const json_t *result, char *err, size_t err_size)
{
    const json_t *version = json_object_get(result, "version");
    const json_t *protocol = json_object_get(result, "protocol");

    if (!out || !result)
        return -EINVAL;
    if (!json_is_string(version) || !json_is_integer(protocol)) {
        set_error(err, err_size, "the version reply lacks \"version\" or \"protocol\"");
        return -EPROTO;
    }
    fputs("sottod ", out);
    put_escaped(out, json_string_value(version), false);
    fprintf(out, ", control protocol %" JSON_INTEGER_FORMAT "\n", json_integer_value(protocol));
    return 0;
}

int sottoctl_print_reload(FILE *out, const json_t *result)
{
    const char *file = json_string_value(json_object_get(result, "file"));

    if (!out || !result)
        return -EINVAL;
    if (!file) {
        fputs("reloaded: no configuration file, built-in defaults in force\n", out);
        return 0;
    }
    fputs("reloaded ", out);
    put_escaped(out, file, false);
    fputc('\n', out);
    return 0;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t len = strlen(text);
    size_t suffix_len = strlen(suffix);

    return len >= suffix_len && strcmp(text + len - suffix_len, suffix) == 0;
}

/* Statistics for people: rates with one decimal, fractions as percentages,
 * the daemon's "not known yet" (a negative value) spelled out. */
static char *stats_value_text(const char *key, const json_t *value)
{
    double number = json_number_value(value);

    if (!json_is_number(value))
        return value_text(value);
    if (strstr(key, "_kbps_"))
        return sottoctl_strdup_printf("%.1f", number);
    if (ends_with(key, "loss_fraction"))
        return number < 0.0 ? sottoctl_strdup_printf("unknown")
                            : sottoctl_strdup_printf("%.1f%%", number * 100.0);
    if (strcmp(key, "rtt_ms") == 0)
        return number < 0.0 ? sottoctl_strdup_printf("unknown")
                            : sottoctl_strdup_printf("%.1f", number);
    return value_text(value);
}

int sottoctl_print_stats(FILE *out, const json_t *result, char *err, size_t err_size)
{
    const json_t *calls = json_object_get(result, "calls");
    const json_t *call;
    size_t i;

    if (!out || !result)
        return -EINVAL;
    if (!json_is_array(calls)) {
        set_error(err, err_size, "the stats reply has no \"calls\" list");
        return -EPROTO;
    }
    json_array_foreach(calls, i, call) {
        if (!json_is_object(call)) {
            set_error(err, err_size, "call %zu in the stats reply is not an object", i);
            return -EPROTO;
        }
    }
    if (json_array_size(calls) == 0)
        fputs("no calls\n", out);
    json_array_foreach(calls, i, call) {
        size_t width = 0;
        int rc = walk_status(NULL, call, 0, &width, stats_value_text);

        if (i > 0)
            fputc('\n', out);
        if (rc == 0)
            rc = walk_status(out, call, 0, &width, stats_value_text);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int sottoctl_print_stats_sample(FILE *out, const json_t *result, double now_s, bool json,
                                char *err, size_t err_size)
{
    char when[64];
    json_t *stamped;
    int rc;

    if (!out || !result)
        return -EINVAL;
    if (!json) {
        format_time(when, sizeof when, now_s);
        fprintf(out, "--- %s\n", when);
        return sottoctl_print_stats(out, result, err, err_size);
    }
    stamped = json_copy((json_t *)result);
    if (!stamped || json_object_set_new(stamped, "time", json_real(round(now_s * 1000.0) / 1000.0)) != 0) {
        json_decref(stamped);
        return -ENOMEM;
    }
    rc = sottoctl_print_json(out, stamped);
    json_decref(stamped);
    return rc;
}

/* What the call commands print; sorted by command. */
static const struct call_reply_text {
    const char *wire_cmd;  /* the command sent */
    const char *outcome;   /* "call ID: OUTCOME"; NULL: the reported state, or a token */
    const char *hint;      /* non-NULL: the reply carries a token; this goes to hint_out */
} call_reply_texts[] = {
    { "accept", NULL, "give this answer token back to the caller" },
    { "answer", "answered", NULL },
    { "call", NULL, NULL },
    { "complete", NULL, NULL },
    { "hangup", "hung up", NULL },
    { "ice-restart", "restarting ICE", NULL },
    { "join", NULL, NULL },
    { "mute", "muted", NULL },
    { "offer", NULL, "give this token to the callee; then run: sottoctl complete ANSWER-TOKEN" },
    { "reject", "rejected", NULL },
    { "unmute", "unmuted", NULL },
};

int sottoctl_print_call_result(FILE *out, FILE *hint_out, const char *wire_cmd,
                               const json_t *result, char *err, size_t err_size)
{
    const struct call_reply_text *text = NULL;
    const char *id = json_string_value(json_object_get(result, "id"));
    const char *token = json_string_value(json_object_get(result, "token"));
    const char *state = json_string_value(json_object_get(result, "state"));
    const char *missing;

    for (size_t i = 0; wire_cmd && i < sizeof call_reply_texts / sizeof call_reply_texts[0]; i++) {
        if (strcmp(call_reply_texts[i].wire_cmd, wire_cmd) == 0)
            text = &call_reply_texts[i];
    }
    if (!out || !hint_out || !text || !result)
        return -EINVAL;
    missing = !id ? "id" : text->hint && (!token || token[0] == '\0') ? "token"
              : !text->hint && !text->outcome && !state ? "state" : NULL;
    if (missing) {
        set_error(err, err_size, "the %s reply has no \"%s\" string", wire_cmd, missing);
        return -EPROTO;
    }
    if (text->hint) {
        put_escaped(out, token, false);
        fputc('\n', out);
        fputs("call ", hint_out);
        put_escaped(hint_out, id, false);
        fprintf(hint_out, ": %s\n", text->hint);
        return 0;
    }
    fputs("call ", out);
    put_escaped(out, id, false);
    fputs(": ", out);
    put_escaped(out, text->outcome ? text->outcome : state, false);
    fputc('\n', out);
    return 0;
}
