/* Contacts: peers known by their certificate fingerprint. */
#ifndef SOTTO_DAEMON_CONTACTS_H
#define SOTTO_DAEMON_CONTACTS_H

#include <stddef.h>

/* Finds fingerprint ("sha-256 AB:CD:...") in the contacts file at path.
 * Returns 0 and writes the contact's name, -ENOENT when it is not there
 * (or the file does not exist), -EINVAL. */
int sottod_contacts_lookup(const char *path, const char *fingerprint, char *out_name,
                           size_t name_len);

#endif
