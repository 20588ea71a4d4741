/* libFuzzer target: sotto_config_parse on arbitrary bytes.
 *
 * Besides "no crash" (ASan/UBSan), it checks the parser's contract: a
 * failure is -EINVAL or -EFBIG with a message naming the input, and leaves
 * the output untouched; a success formats back to text that parses to the
 * same settings. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const sotto_config *cfg)
{
    char err[SOTTO_CONFIG_ERROR_MAX];
    size_t need = sotto_config_format(cfg, NULL, 0);
    char *text = malloc(need + 1);
    if (text == NULL)
        return;
    if (sotto_config_format(cfg, text, need + 1) != need || strlen(text) != need)
        abort();
    sotto_config back;
    if (sotto_config_parse(text, need, "formatted", &back, err, sizeof err) != 0)
        abort();
    if (!sotto_config_equal(cfg, &back))
        abort();
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[SOTTO_CONFIG_ERROR_MAX];
    sotto_config cfg;
    memset(&cfg, 0xa5, sizeof cfg);
    sotto_config untouched = cfg;
    int rc = sotto_config_parse((const char *)data, size, "fuzz.conf", &cfg, err, sizeof err);
    if (rc != 0) {
        if (rc != -EINVAL && rc != -EFBIG)
            abort();
        if (strncmp(err, "fuzz.conf:", strlen("fuzz.conf:")) != 0)
            abort();
        if (memcmp(&cfg, &untouched, sizeof cfg) != 0)
            abort();
        return 0;
    }
    check_round_trip(&cfg);
    return 0;
}
