/* Known peers, pinned by certificate fingerprint: the file "contacts" in
 * the state directory, one "NAME [sha-256] AB:CD:..." per line ('#' starts
 * a comment). Read at each incoming call, so edits apply without a reload. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "daemon/contacts.h"

#define LINE_MAX_BYTES 512

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* "sha-256 AB:..." and "AB:..." name the same certificate (sha-256 is the
 * only hash Sotto pins). */
static const char *digest_part(const char *fp)
{
    return strncasecmp(fp, "sha-256 ", 8) == 0 ? fp + 8 : fp;
}

int sottod_contacts_lookup(const char *path, const char *fingerprint, char *out_name,
                           size_t name_len)
{
    char line[LINE_MAX_BYTES];
    FILE *f;
    int rc = -ENOENT;

    if (!path || !fingerprint || !out_name || name_len == 0)
        return -EINVAL;
    f = fopen(path, "re");
    if (!f)
        return -ENOENT;
    while (fgets(line, sizeof(line), f)) {
        char *s = trim(line), *space;

        if (*s == '\0' || *s == '#')
            continue;
        space = strpbrk(s, " \t");
        if (!space)
            continue;
        *space = '\0';
        /* The fingerprint is compared ignoring case: hex digits. */
        if (strcasecmp(digest_part(trim(space + 1)), digest_part(fingerprint)) == 0) {
            snprintf(out_name, name_len, "%s", s);
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}
