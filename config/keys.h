/* Private to config/ (and its tests): the one table of settings keys.
 *
 * Parsing, sotto_config_format, the example file and the man page all follow
 * this table, so a key added here is a key added everywhere (the tests check
 * that the example file and the man page name every key). */
#ifndef SOTTO_CONFIG_KEYS_H
#define SOTTO_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

typedef enum sotto_config_key_type {
    SOTTO_KEY_ENUM,   /* int-sized enum; the value is the index in names[] */
    SOTTO_KEY_INT,    /* int: one of choices[], or min..max (and 0 if zero_ok) */
    SOTTO_KEY_BOOL,   /* int 0 or 1 */
    SOTTO_KEY_STRING, /* char[size], NUL-terminated */
} sotto_config_key_type;

typedef struct sotto_config_section {
    const char *name; /* without brackets, e.g. "audio" */
    const char *help; /* one line: what the section is for */
} sotto_config_section;

/* Extra rule for a SOTTO_KEY_STRING value, run after the length and
 * control-character checks. value is a NUL-terminated scratch copy that may
 * be rewritten in place to a normal form no longer than itself (e.g. lower
 * case); the field gets the result. Returns 0, or -EINVAL with a short
 * reason (without the value) in why. */
typedef int (*sotto_config_string_check)(char *value, char *why, size_t whylen);

typedef struct sotto_config_key {
    const char *section;      /* section name, as in sotto_config_section */
    const char *name;         /* key name, matched exactly (case-sensitive) */
    sotto_config_key_type type;
    size_t offset;            /* offset of the field in sotto_config */
    size_t size;              /* size of the field in bytes (strings: with NUL) */
    long min;                 /* SOTTO_KEY_INT: lowest accepted value */
    long max;                 /* SOTTO_KEY_INT: highest accepted value */
    bool zero_ok;             /* SOTTO_KEY_INT: 0 accepted besides min..max */
    const int *choices;       /* SOTTO_KEY_INT: the only accepted values; NULL = range */
    size_t choice_count;      /* entries in choices */
    const char *const *names; /* SOTTO_KEY_ENUM: names[value], NULL-terminated */
    sotto_config_string_check check; /* SOTTO_KEY_STRING: extra rule; NULL = any text */
    const char *accepted;     /* SOTTO_KEY_STRING with check: what it accepts, for messages and docs */
    bool secret;              /* SOTTO_KEY_STRING: redacted by sotto_config_format_redacted */
    const char *help;         /* one line: what it does and why change it */
} sotto_config_key;

/* Characters in one line of the file, without its line end. inih (as
 * packaged) reads lines into a 200-byte buffer that also holds "\r\n" and
 * the NUL; longer lines are refused. String values are limited so that
 * sotto_config_format's `key = "value"` line fits too. */
#define SOTTO_CONFIG_LINE_MAX 197

/* Entries in sotto_config_keys (checked against the table at compile time);
 * a constant so per-key arrays need no allocation. */
#define SOTTO_CONFIG_KEY_COUNT 53

extern const sotto_config_section sotto_config_sections[];
extern const size_t sotto_config_section_count;
extern const sotto_config_key sotto_config_keys[];
extern const size_t sotto_config_key_count;
extern const sotto_config sotto_config_defaults;

/* snprintf into a growing position of buf: `need` counts every byte asked
 * for, so a too-small buffer still reports the full length (like
 * snprintf), while buf stays NUL-terminated. buf may be NULL when cap is 0. */
typedef struct sotto_config_text {
    char *buf;   /* caller's buffer; not owned */
    size_t cap;  /* bytes in buf */
    size_t need; /* bytes the full text needs, without the NUL; starts at 0 */
} sotto_config_text;

void sotto_config_text_add(sotto_config_text *text, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Returns the table entry for a section name, or NULL. */
const sotto_config_section *sotto_config_section_find(const char *name);

/* Returns the table entry for section + key, or NULL. */
const sotto_config_key *sotto_config_key_find(const char *section, const char *name);

/* Parses value (as inih hands it: trimmed, NUL-terminated; one pair of
 * surrounding double quotes is removed) into key's field of cfg. Returns 0,
 * or -EINVAL with a reason such as `bad value "x" (accepted: a, b)` in why
 * (NUL-terminated when whylen > 0); cfg is unchanged on failure. */
int sotto_config_key_set(const sotto_config_key *key, sotto_config *cfg,
                         const char *value, char *why, size_t whylen);

/* Writes key's value in cfg as file text (strings quoted) into buf; returns
 * the length the full text needs, like snprintf. */
size_t sotto_config_key_format(const sotto_config_key *key, const sotto_config *cfg,
                               char *buf, size_t buflen);

/* Longest accepted value of a SOTTO_KEY_STRING key: the field's size less
 * its NUL, or less when `key = "value"` would not fit in one line. */
size_t sotto_config_key_string_max(const sotto_config_key *key);

/* Writes the accepted values of key for messages and docs, e.g.
 * "10, 20, 40" or "0 or 8000..192000"; returns the length needed. The text
 * holds no hyphen, quote or backslash, so the man page can quote it as is. */
size_t sotto_config_key_accepted(const sotto_config_key *key, char *buf, size_t buflen);

/* Writes "a, b, c": the known key names of section (or the known sections
 * when section is NULL); returns the length needed. */
size_t sotto_config_known_names(const char *section, char *buf, size_t buflen);

/* Copies s for an error message: at most 48 characters (then "..."), with
 * control characters shown as '?'. Returns buf. */
const char *sotto_config_quote_for_message(const char *s, size_t len, char *buf,
                                           size_t buflen);

/* True when every key has the same value in a and b (strings compared up to
 * their NUL, so bytes after it do not matter). */
bool sotto_config_equal(const sotto_config *a, const sotto_config *b);

#endif
