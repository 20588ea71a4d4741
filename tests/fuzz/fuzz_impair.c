/* libFuzzer target for what sotto-impair reads from outside: its command
 * line (NUL-separated words) and the IPv4 header of packets it resends. */
#include "tests/netem/impair.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t daddr;
    (void)impair_ipv4_dest(data, size, &daddr);

    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_WORDS + 1];
    int argc = 0;
    argv[argc++] = "sotto-impair";
    for (size_t i = 0; i <= size && argc < MAX_WORDS;) {
        argv[argc++] = text + i;
        i += strlen(text + i) + 1;
    }
    struct impair_options opts;
    char err[128];
    if (impair_parse_args(argc, argv, err, sizeof err, &opts) == 0) {
        struct impair_model model;
        struct impair_decision d;
        impair_model_init(&model, &opts);
        for (int i = 0; i < 8; i++)
            impair_decide(&model, (int64_t)i * 1000000, &d);
    }
    free(text);
    return 0;
}
