/* Loading sotto.conf with inih: line reader, key handler, cross-checks and
 * formatting. The key table itself lives in config/keys.c.
 *
 * inih (as packaged) has quirks that would silently change meaning, so the
 * line reader below feeds it normalised lines and rejects what it would
 * misread:
 *  - lines longer than its buffer are split in two: rejected here;
 *  - an indented line after a key continues that key's value: leading
 *    white space is removed, so indentation is only cosmetic;
 *  - a section header with no keys never reaches the handler: headers are
 *    checked here, so an unknown empty section is still an error;
 *  - NUL bytes end a line early: rejected here.
 * Duplicate keys (and repeated sections) are allowed; the last value wins. */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/keys.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* bytes; larger files are refused */
#define CONFIG_READ_CHUNK 4096        /* first buffer for files of unknown size */
#define SHOWN_MAX 64                  /* buffer for one quoted value in messages */
#define COMMENT_WIDTH 76              /* columns of help comments in formatted text */

typedef struct parse_state {
    const char *text;                    /* the whole input; not NUL-terminated */
    size_t len;                          /* bytes in text */
    size_t pos;                          /* reader: offset of the next line */
    int line;                            /* reader: number of the current line, 1-based */
    const char *name;                    /* file name for messages */
    sotto_config cfg;                    /* defaults, then the file's keys */
    int set_line[SOTTO_CONFIG_KEY_COUNT]; /* line that last set each key; 0 = default */
    bool failed;                         /* an error was recorded; stop reading */
    int error_line;                      /* line of the recorded error */
    char *err;                           /* caller's message buffer; not owned */
    size_t errlen;                       /* bytes in err */
} parse_state;

static void write_error(parse_state *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at(parse_state *st, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void write_error_v(parse_state *st, int line, const char *fmt, va_list ap)
{
    st->failed = true;
    st->error_line = line;
    if (st->errlen == 0)
        return;
    int n = line > 0 ? snprintf(st->err, st->errlen, "%s:%d: ", st->name, line)
                     : snprintf(st->err, st->errlen, "%s: ", st->name);
    if (n < 0 || (size_t)n >= st->errlen)
        return;
    vsnprintf(st->err + n, st->errlen - (size_t)n, fmt, ap);
}

/* Records an error, replacing any earlier one. */
static void write_error(parse_state *st, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    write_error_v(st, line, fmt, ap);
    va_end(ap);
}

/* Records an error unless one is already recorded: the first one counts. */
static void fail_at(parse_state *st, int line, const char *fmt, ...)
{
    if (st->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    write_error_v(st, line, fmt, ap);
    va_end(ap);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A line starting with '[': the name must be known and only a comment may
 * follow the ']'. Without a ']' inih reports the syntax error itself. */
static bool check_section_line(parse_state *st, const char *s, size_t len)
{
    char shown[SHOWN_MAX];
    char known[128];
    const char *close = memchr(s, ']', len);
    if (close == NULL)
        return true;
    const char *name = s + 1;
    size_t name_len = (size_t)(close - name);
    bool found = false;
    for (size_t i = 0; i < sotto_config_section_count && !found; i++) {
        const char *candidate = sotto_config_sections[i].name;
        found = strlen(candidate) == name_len && memcmp(candidate, name, name_len) == 0;
    }
    if (!found) {
        sotto_config_known_names(NULL, known, sizeof known);
        fail_at(st, st->line, "unknown section [%s] (known sections: %s)",
                sotto_config_quote_for_message(name, name_len, shown, sizeof shown), known);
        return false;
    }
    const char *rest = close + 1;
    const char *end = s + len;
    while (rest < end && is_blank(*rest))
        rest++;
    if (rest < end && *rest != ';' && *rest != '#') {
        fail_at(st, st->line, "unexpected text after [%.*s]: \"%s\"", (int)name_len, name,
                sotto_config_quote_for_message(rest, (size_t)(end - rest), shown, sizeof shown));
        return false;
    }
    return true;
}

/* inih's ini_reader: hands over one normalised line per call (so inih's
 * line numbers and st->line agree), or NULL at the end or after an error. */
static char *next_line(char *str, int num, void *stream)
{
    parse_state *st = stream;
    if (st->failed || st->pos >= st->len)
        return NULL;
    const char *start = st->text + st->pos;
    size_t avail = st->len - st->pos;
    const char *newline = memchr(start, '\n', avail);
    size_t raw_len = newline != NULL ? (size_t)(newline - start) : avail;
    st->pos += raw_len + (newline != NULL ? 1 : 0);
    st->line++;

    size_t len = raw_len;
    if (len > 0 && start[len - 1] == '\r')
        len--;
    if (memchr(start, '\0', raw_len) != NULL) {
        fail_at(st, st->line, "NUL byte in line");
        return NULL;
    }
    /* inih's buffer needs room for the line, '\n' and NUL (its rule: 3 more). */
    size_t max = SOTTO_CONFIG_LINE_MAX;
    if (num > 3 && (size_t)num - 3 < max)
        max = (size_t)num - 3;
    if (num <= 3 || len > max) {
        fail_at(st, st->line, "line is longer than %zu characters", max);
        return NULL;
    }
    if (st->line == 1 && len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0) {
        start += 3; /* UTF-8 byte order mark */
        len -= 3;
    }
    while (len > 0 && is_blank(*start)) {
        start++;
        len--;
    }
    if (len > 0 && start[0] == '[' && !check_section_line(st, start, len))
        return NULL;
    memcpy(str, start, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    return str;
}

/* inih's handler: one call per "key = value" line. Returns 1 to go on. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_state *st = user;
    char why[SOTTO_CONFIG_ERROR_MAX];
    char shown[SHOWN_MAX];
    char known[512];
    if (st->failed)
        return 0;
    const char *quoted = sotto_config_quote_for_message(name, strlen(name), shown, sizeof shown);
    if (value == NULL) { /* only if someone enabled inih's ini_allow_no_value */
        fail_at(st, st->line, "syntax error: key \"%s\" without '='", quoted);
        return 0;
    }
    if (section[0] == '\0') {
        sotto_config_known_names(NULL, known, sizeof known);
        fail_at(st, st->line, "key \"%s\" is outside any section (known sections: %s)",
                quoted, known);
        return 0;
    }
    const sotto_config_key *key = sotto_config_key_find(section, name);
    if (key == NULL) {
        sotto_config_known_names(section, known, sizeof known);
        fail_at(st, st->line, "unknown key \"%s\" in [%s] (known keys: %s)", quoted, section,
                known);
        return 0;
    }
    if (sotto_config_key_set(key, &st->cfg, value, why, sizeof why) != 0) {
        fail_at(st, st->line, "[%s] %s: %s", section, name, why);
        return 0;
    }
    st->set_line[key - sotto_config_keys] = st->line;
    return 1;
}

static int line_of(const parse_state *st, const char *section, const char *name)
{
    const sotto_config_key *key = sotto_config_key_find(section, name);
    return key != NULL ? st->set_line[key - sotto_config_keys] : 0;
}

/* ice_port_min..ice_port_max must be a range when both ends are set. */
static void check_ice_ports(parse_state *st)
{
    const sotto_config *cfg = &st->cfg;
    int min = cfg->network.ice_port_min;
    int max = cfg->network.ice_port_max;
    if (min == 0 || max == 0 || min <= max)
        return;
    int min_line = line_of(st, "network", "ice_port_min");
    int max_line = line_of(st, "network", "ice_port_max");
    /* As for max_line: blame the key written last. */
    if (min_line >= max_line)
        fail_at(st, min_line, "[network] ice_port_min: %d is larger than ice_port_max (%d)",
                min, max);
    else
        fail_at(st, max_line, "[network] ice_port_max: %d is smaller than ice_port_min (%d)",
                max, min);
}

/* Rules between keys, checked once the whole file is read. */
static void check_cross_keys(parse_state *st)
{
    const sotto_config *cfg = &st->cfg;
    if (cfg->network.relay_only && cfg->network.turn_server[0] == '\0') {
        fail_at(st, line_of(st, "network", "relay_only"),
                "[network] relay_only: needs turn_server to be set (only a TURN server "
                "gives relayed addresses)");
        return;
    }
    check_ice_ports(st);
    if (cfg->codec.max_ptime_ms < cfg->codec.ptime_ms) {
        fail_at(st, line_of(st, "codec", "max_ptime_ms"),
                "[codec] max_ptime_ms: %d is below ptime_ms (%d)", cfg->codec.max_ptime_ms,
                cfg->codec.ptime_ms);
        return;
    }
    if (cfg->audio.backend == SOTTO_AUDIO_WAV && cfg->audio.input_file[0] == '\0' &&
        cfg->audio.output_file[0] == '\0') {
        fail_at(st, line_of(st, "audio", "backend"),
                "[audio] backend: \"wav\" needs input_file or output_file to be set");
        return;
    }
    if (cfg->control.max_line > cfg->control.max_queue) {
        int line_line = line_of(st, "control", "max_line");
        int queue_line = line_of(st, "control", "max_queue");
        /* Blame the key written last: that is the one most likely just edited. */
        if (line_line >= queue_line)
            fail_at(st, line_line,
                    "[control] max_line: %d is larger than max_queue (%d); a whole request "
                    "line must fit in the queue",
                    cfg->control.max_line, cfg->control.max_queue);
        else
            fail_at(st, queue_line,
                    "[control] max_queue: %d is smaller than max_line (%d); a whole request "
                    "line must fit in the queue",
                    cfg->control.max_queue, cfg->control.max_line);
    }
}

/* inih only reports the number of a line it could not parse. */
static void report_syntax_error(parse_state *st, int line)
{
    char shown[SHOWN_MAX];
    const char *start = st->text;
    const char *end = st->text + st->len;
    for (int i = 1; i < line && start < end; i++) {
        const char *newline = memchr(start, '\n', (size_t)(end - start));
        start = newline != NULL ? newline + 1 : end;
    }
    const char *newline = memchr(start, '\n', (size_t)(end - start));
    size_t len = (size_t)((newline != NULL ? newline : end) - start);
    while (len > 0 && is_blank(*start)) {
        start++;
        len--;
    }
    while (len > 0 && is_blank(start[len - 1]))
        len--;
    write_error(st, line,
                "syntax error: expected [section], key = value or a comment, got \"%s\"",
                sotto_config_quote_for_message(start, len, shown, sizeof shown));
}

void sotto_config_default(sotto_config *out)
{
    if (out != NULL)
        *out = sotto_config_defaults;
}

int sotto_config_parse(const char *text, size_t len, const char *name, sotto_config *out,
                       char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (text == NULL || name == NULL || out == NULL || (err == NULL && errlen > 0)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    if (len > CONFIG_FILE_MAX) {
        snprintf(err, errlen, "%s: file is larger than %d bytes", name, CONFIG_FILE_MAX);
        return -EFBIG;
    }
    /* Parsed into a copy, so *out is untouched unless everything is valid. */
    parse_state st = {.text = text, .len = len, .name = name, .err = err, .errlen = errlen,
                      .cfg = sotto_config_defaults};
    int ret = ini_parse_stream(next_line, &st, on_key, &st);
    if (ret < 0) { /* inih's -2: its heap line buffer (not used by stock builds) */
        snprintf(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    if (ret > 0 && (!st.failed || ret < st.error_line))
        report_syntax_error(&st, ret);
    if (!st.failed)
        check_cross_keys(&st);
    if (st.failed)
        return -EINVAL;
    *out = st.cfg;
    return 0;
}

static const char *errno_text(int code)
{
    switch (code) {
    case ENOENT: return "no such file";
    case EACCES: return "permission denied";
    case EISDIR: return "is a directory";
    case ENOTDIR: return "a path component is not a directory";
    case ELOOP: return "too many symbolic links";
    case ENAMETOOLONG: return "file name too long";
    case ENOMEM: return "out of memory";
    case EIO: return "input/output error";
    default: return "cannot read";
    }
}

/* Reads at most CONFIG_FILE_MAX bytes; -EFBIG beyond that (also for pipes
 * and files that grow while read). On success *out_text is malloc'ed. */
static int read_file(const char *path, char **out_text, size_t *out_len)
{
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    struct stat info;
    if (fstat(fd, &info) != 0) {
        rc = -errno;
        goto fail;
    }
    if (S_ISDIR(info.st_mode)) {
        rc = -EISDIR;
        goto fail;
    }
    if (S_ISREG(info.st_mode) && info.st_size > CONFIG_FILE_MAX) {
        rc = -EFBIG;
        goto fail;
    }
    /* One spare byte, so a file that grew past its stat size is noticed. */
    size_t cap = S_ISREG(info.st_mode) ? (size_t)info.st_size + 1 : CONFIG_READ_CHUNK;
    text = malloc(cap);
    if (text == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    for (;;) {
        if (len == cap) {
            if (cap > CONFIG_FILE_MAX) {
                rc = -EFBIG;
                goto fail;
            }
            size_t bigger = cap * 2 > CONFIG_FILE_MAX + 1 ? CONFIG_FILE_MAX + 1 : cap * 2;
            char *grown = realloc(text, bigger);
            if (grown == NULL) {
                rc = -ENOMEM;
                goto fail;
            }
            text = grown;
            cap = bigger;
        }
        ssize_t n = read(fd, text + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            goto fail;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    *out_text = text;
    *out_len = len;
    return 0;
fail:
    free(text);
    close(fd);
    return rc;
}

int sotto_config_load(const char *path, sotto_config *out, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (path == NULL || out == NULL || (err == NULL && errlen > 0)) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "invalid argument");
        return -EINVAL;
    }
    char *text = NULL;
    size_t len = 0;
    int rc = read_file(path, &text, &len);
    if (rc == -EFBIG) {
        snprintf(err, errlen, "%s: file is larger than %d bytes", path, CONFIG_FILE_MAX);
        goto fail;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, errno_text(-rc));
        goto fail;
    }
    rc = sotto_config_parse(text, len, path, out, err, errlen);
fail:
    free(text);
    return rc;
}

/* Writes words as "# " comment lines of at most COMMENT_WIDTH columns
 * (a longer word gets a line of its own). */
static void add_comment(sotto_config_text *text, const char *words)
{
    const char *p = words;
    while (*p != '\0') {
        size_t line_len = 0;
        const char *scan = p;
        for (;;) {
            const char *space = strchr(scan, ' ');
            size_t word_end = space != NULL ? (size_t)(space - p) : strlen(p);
            if (line_len > 0 && word_end > COMMENT_WIDTH - 2)
                break;
            line_len = word_end;
            if (space == NULL)
                break;
            scan = space + 1;
        }
        sotto_config_text_add(text, "# %.*s\n", (int)line_len, p);
        p += line_len;
        while (*p == ' ')
            p++;
    }
}

/* sotto_config_format, with secrets replaced by SOTTO_CONFIG_REDACTED when
 * redact is set. */
static size_t format_settings(const sotto_config *cfg, bool redact, char *buf, size_t buflen)
{
    char value[SOTTO_CONFIG_PATH_MAX + 8];
    char fallback[32];
    char accepted[256];
    char line[sizeof accepted + sizeof fallback + 32];
    if (buf != NULL && buflen > 0)
        buf[0] = '\0';
    if (cfg == NULL || (buf == NULL && buflen > 0))
        return 0;
    sotto_config_text text = {buf, buflen, 0};
    sotto_config_text_add(&text, "# Sotto settings, every key with its value; see sotto.conf(5).\n");
    if (redact)
        sotto_config_text_add(&text, "# Secrets that are set are shown as %s.\n",
                              SOTTO_CONFIG_REDACTED);
    for (size_t s = 0; s < sotto_config_section_count; s++) {
        const sotto_config_section *section = &sotto_config_sections[s];
        sotto_config_text_add(&text, "\n# [%s] %s\n[%s]\n", section->name, section->help,
                              section->name);
        for (size_t k = 0; k < sotto_config_key_count; k++) {
            const sotto_config_key *key = &sotto_config_keys[k];
            if (strcmp(key->section, section->name) != 0)
                continue;
            sotto_config_key_accepted(key, accepted, sizeof accepted);
            sotto_config_key_format(key, &sotto_config_defaults, fallback, sizeof fallback);
            if (redact && key->secret && *((const char *)cfg + key->offset) != '\0')
                snprintf(value, sizeof value, "\"%s\"", SOTTO_CONFIG_REDACTED);
            else
                sotto_config_key_format(key, cfg, value, sizeof value);
            snprintf(line, sizeof line, "Accepted: %s. Default: %s.", accepted, fallback);
            sotto_config_text_add(&text, "\n");
            add_comment(&text, key->help);
            add_comment(&text, line);
            sotto_config_text_add(&text, "%s = %s\n", key->name, value);
        }
    }
    return text.need;
}

size_t sotto_config_format(const sotto_config *cfg, char *buf, size_t buflen)
{
    return format_settings(cfg, false, buf, buflen);
}

size_t sotto_config_format_redacted(const sotto_config *cfg, char *buf, size_t buflen)
{
    return format_settings(cfg, true, buf, buflen);
}
