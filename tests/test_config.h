/* Helpers shared by the three files of the "config" Check suite. */
#ifndef SOTTO_TESTS_TEST_CONFIG_H
#define SOTTO_TESTS_TEST_CONFIG_H

#include <check.h>

#include "config/config.h"

/* Bytes enough for sotto_config_format of any settings. */
#define CONFIG_TEXT_MAX 16384

/* sotto_config_parse of a NUL-terminated text named "test.conf"; err must
 * hold SOTTO_CONFIG_ERROR_MAX bytes. */
int parse_text(const char *text, sotto_config *out, char *err);

/* Fails the test unless part occurs in text. */
void assert_contains(const char *text, const char *part);

/* Settings with every key off its default, strings that need quoting, and
 * values that parsing accepts (so they round-trip). */
void fill_non_defaults(sotto_config *cfg);

/* The test cases of test_config_format.c and test_config_webrtc.c. */
TCase *config_format_tcase(void);
TCase *config_webrtc_tcase(void);

#endif
