/* Fuzzes control-request framing and validation with arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "daemon/control_framing.h"

static int on_line(void *opaque, const char *line, size_t len, int too_long)
{
    sotto__control_request req;
    const char *code = NULL;
    json_t *id = NULL;
    char msg[128];

    (void)opaque;
    if (too_long)
        return 0;
    if (sotto__control_parse(line, len, &req, &code, &id, msg, sizeof(msg)) == 0)
        json_decref(req.req);
    json_decref(id);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sotto__line_framer f;
    size_t half = size / 2;

    sotto__framer_init(&f, 1024);
    sotto__framer_feed(&f, (const char *)data, half, on_line, NULL);
    sotto__framer_feed(&f, (const char *)data + half, size - half, on_line, NULL);
    sotto__framer_feed(&f, "\n", 1, on_line, NULL);
    sotto__framer_clear(&f);
    return 0;
}
