/* sottoctl output formatting. Everything is computed from the reply JSON;
 * fields the protocol may add later are shown too (status) or ignored
 * (devices, events), as protocol version 1 asks of clients. */
#include "daemon/sottoctl_output.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEVICE_COLUMNS 7
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
    text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return -ENOMEM;
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

/* Visits the leaves of obj in the daemon's order. With out == NULL it
 * only widens *width to the longest dotted key; otherwise it prints. */
static int walk_status(FILE *out, const json_t *obj, const char *prefix, size_t *width)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value) {
        char *dotted = prefix ? sottoctl_strdup_printf("%s.%s", prefix, key)
                              : sottoctl_strdup_printf("%s", key);
        char *shown = dotted ? escape_dup(dotted, false) : NULL;
        int rc = 0;

        if (!shown) {
            rc = -ENOMEM;
        } else if (json_is_object(value)) {
            rc = walk_status(out, value, dotted, width);
        } else if (!out) {
            if (strlen(shown) > *width)
                *width = strlen(shown);
        } else {
            char *text = value_text(value);

            if (text)
                fprintf(out, "%s:%*s %s\n", shown, (int)(*width - strlen(shown)), "", text);
            else
                rc = -ENOMEM;
            free(text);
        }
        free(shown);
        free(dotted);
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
    rc = walk_status(NULL, result, NULL, &width);
    if (rc == 0)
        rc = walk_status(out, result, NULL, &width);
    return rc;
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
        const json_t *value = keys[col] ? json_object_get(device, keys[col]) : NULL;

        if (!keys[col])
            cells[col] = sottoctl_strdup_printf("%s", in && out ? "in+out"
                                                : in ? "in" : out ? "out" : "-");
        else
            cells[col] = value ? value_text(value) : sottoctl_strdup_printf("-");
        if (!cells[col])
            return -ENOMEM;
    }
    return 0;
}

static void print_row(FILE *out, char *const *cells, const size_t *widths)
{
    for (size_t col = 0; col < DEVICE_COLUMNS; col++) {
        if (col + 1 < DEVICE_COLUMNS)
            fprintf(out, "%-*s  ", (int)widths[col], cells[col]);
        else
            fprintf(out, "%s\n", cells[col]);
    }
}

int sottoctl_print_devices(FILE *out, const json_t *result, char *err, size_t err_size)
{
    static const char *const headers[DEVICE_COLUMNS] = {
        "INDEX", "DEFAULT", "IN", "OUT", "RATE", "HOST API", "NAME",
    };
    const json_t *devices = json_object_get(result, "devices");
    size_t widths[DEVICE_COLUMNS];
    size_t rows;
    char **cells = NULL;
    int rc = 0;

    if (!out || !result)
        return -EINVAL;
    if (!json_is_array(devices)) {
        set_error(err, err_size, "the devices reply has no \"devices\" list");
        return -EPROTO;
    }
    rows = json_array_size(devices);
    cells = calloc(rows * DEVICE_COLUMNS + 1, sizeof *cells);
    if (!cells)
        return -ENOMEM;
    for (size_t col = 0; col < DEVICE_COLUMNS; col++)
        widths[col] = strlen(headers[col]);
    for (size_t row = 0; row < rows && rc == 0; row++) {
        const json_t *device = json_array_get(devices, row);

        if (!json_is_object(device)) {
            set_error(err, err_size, "device %zu in the devices reply is not an object", row);
            rc = -EPROTO;
            break;
        }
        rc = device_row(device, cells + row * DEVICE_COLUMNS);
        for (size_t col = 0; col < DEVICE_COLUMNS && rc == 0; col++) {
            size_t len = strlen(cells[row * DEVICE_COLUMNS + col]);

            if (len > widths[col])
                widths[col] = len;
        }
    }
    if (rc == 0) {
        print_row(out, (char *const *)headers, widths);
        for (size_t row = 0; row < rows; row++)
            print_row(out, cells + row * DEVICE_COLUMNS, widths);
    }
    for (size_t i = 0; i < rows * DEVICE_COLUMNS; i++)
        free(cells[i]);
    free(cells);
    return rc;
}

/* ISO-8601 local time with milliseconds and UTC offset, or "-" when the
 * value is missing or out of range. */
static void format_time(char *buf, size_t size, const json_t *time_value)
{
    double t = json_number_value(time_value);
    struct tm tm;
    time_t secs;
    long ms;
    long offset;
    size_t len;

    snprintf(buf, size, "-");
    if (!json_is_number(time_value) || !(t >= 0.0 && t <= LATEST_PRINTABLE_TIME))
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
    format_time(when, sizeof when, json_object_get(event, "time"));
    fprintf(out, "%s ", when);
    put_escaped(out, name ? name : "?", false);
    fputc(' ', out);
    put_escaped(out, data_text, false);
    fputc('\n', out);
    free(data_text);
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
