/* Check cases for sotto_config_format and sotto_config_format_redacted:
 * round trips, content, truncation and the hiding of secrets. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/keys.h"
#include "tests/test_config.h"


void fill_non_defaults(sotto_config *cfg)
{
    sotto_config_default(cfg);
    cfg->audio.backend = SOTTO_AUDIO_WAV;
    snprintf(cfg->audio.capture_device, sizeof cfg->audio.capture_device, " Mic \"2\" ");
    snprintf(cfg->audio.playback_device, sizeof cfg->audio.playback_device, "\"Speakers");
    cfg->audio.device_rate = 44100;
    cfg->audio.frame_ms = 10;
    cfg->audio.buffer_ms = 1999;
    snprintf(cfg->audio.input_file, sizeof cfg->audio.input_file, "/srv/in put.wav");
    snprintf(cfg->audio.output_file, sizeof cfg->audio.output_file, "#out;put.wav");
    cfg->audio.loopback = 1;
    snprintf(cfg->control.socket, sizeof cfg->control.socket, "@abstract=name:1");
    cfg->control.max_clients = 1;
    cfg->control.max_line = 4096;
    cfg->control.max_queue = 4096;
    cfg->log.level = SOTTO_LOG_WARNING;
    snprintf(cfg->network.signal_address, sizeof cfg->network.signal_address, "::");
    cfg->network.signal_port = 0;
    snprintf(cfg->network.signal_token, sizeof cfg->network.signal_token, " tok;en# ");
    snprintf(cfg->network.stun_server, sizeof cfg->network.stun_server, "[2001:db8::1]:3478");
    snprintf(cfg->network.turn_server, sizeof cfg->network.turn_server, "turn.example.org:443");
    cfg->network.turn_transport = SOTTO_TURN_TCP;
    snprintf(cfg->network.turn_username, sizeof cfg->network.turn_username, "user:1");
    snprintf(cfg->network.turn_password, sizeof cfg->network.turn_password, "\"pass word\"");
    cfg->network.relay_only = 1;
    snprintf(cfg->network.ice_address, sizeof cfg->network.ice_address, "192.0.2.7");
    cfg->network.ice_port_min = 50000;
    cfg->network.ice_port_max = 50000;
    snprintf(cfg->network.state_dir, sizeof cfg->network.state_dir, "/var/lib/sotto test");
    snprintf(cfg->network.web_root, sizeof cfg->network.web_root, "/srv/sotto web;#1");
    cfg->call.incoming = SOTTO_INCOMING_REJECT;
    cfg->call.unknown_peer = SOTTO_UNKNOWN_PEER_REJECT;
    cfg->call.ring_timeout_s = 300;
    cfg->call.max_calls = 16;
    snprintf(cfg->codec.order, sizeof cfg->codec.order, "pcma,sotto");
    cfg->codec.opus_bitrate = 510000;
    cfg->codec.ptime_ms = 60;
    cfg->codec.opus_fec = 0;
}

START_TEST(format_then_parse_round_trips)
{
    sotto_config configs[2];
    sotto_config_default(&configs[0]);
    fill_non_defaults(&configs[1]);
    for (size_t i = 0; i < 2; i++) {
        char text[CONFIG_TEXT_MAX], err[SOTTO_CONFIG_ERROR_MAX];
        size_t need = sotto_config_format(&configs[i], text, sizeof text);
        ck_assert_uint_gt(need, 0);
        ck_assert_uint_lt(need, sizeof text);
        ck_assert_uint_eq(strlen(text), need);
        sotto_config back;
        memset(&back, 0x33, sizeof back);
        ck_assert_msg(sotto_config_parse(text, need, "formatted", &back, err, sizeof err) == 0,
                      "config %zu: %s\n%s", i, err, text);
        ck_assert_msg(sotto_config_equal(&back, &configs[i]), "config %zu:\n%s", i, text);
        ck_assert_str_eq(back.audio.capture_device, configs[i].audio.capture_device);
        ck_assert_int_eq(back.audio.buffer_ms, configs[i].audio.buffer_ms);
        /* The exact format keeps secrets, unlike the redacted one. */
        ck_assert_str_eq(back.network.turn_password, configs[i].network.turn_password);
        ck_assert_str_eq(back.network.signal_token, configs[i].network.signal_token);
        ck_assert_str_eq(back.codec.order, configs[i].codec.order);
    }
}
END_TEST

START_TEST(format_writes_every_key_and_commented_headers)
{
    sotto_config cfg;
    fill_non_defaults(&cfg);
    char text[CONFIG_TEXT_MAX], line[700];
    sotto_config_format(&cfg, text, sizeof text);
    for (size_t i = 0; i < sotto_config_key_count; i++) {
        const sotto_config_key *key = &sotto_config_keys[i];
        char value[600];
        sotto_config_key_format(key, &cfg, value, sizeof value);
        snprintf(line, sizeof line, "\n%s = %s\n", key->name, value);
        assert_contains(text, line);
    }
    for (size_t i = 0; i < sotto_config_section_count; i++) {
        snprintf(line, sizeof line, "\n# [%s] %s\n[%s]\n", sotto_config_sections[i].name,
                 sotto_config_sections[i].help, sotto_config_sections[i].name);
        assert_contains(text, line);
    }
    assert_contains(text, "\nbackend = wav\n");
    assert_contains(text, "\nframe_ms = 10\n");
    assert_contains(text, "\nloopback = true\n");
    assert_contains(text, "\nlevel = warning\n");
    assert_contains(text, "\ninput_file = \"/srv/in put.wav\"\n");
    assert_contains(text, "# Accepted: 10, 20, 40. Default: 20.\n");
    assert_contains(text, "\norder = \"pcma,sotto\"\n");
    assert_contains(text, "\nincoming = reject\n");
    assert_contains(text, "\nturn_transport = tcp\n");
    assert_contains(text, "\nsignal_token = \" tok;en# \"\n");
    /* Long accepted texts are wrapped like the help above them. */
    assert_contains(text, "# Accepted: host:port or [IPv6 address]:port, or empty; at most 127\n"
                          "# characters. Default: \"\".\nstun_server = ");
}
END_TEST

START_TEST(format_truncates_like_snprintf)
{
    sotto_config cfg;
    sotto_config_default(&cfg);
    char full[CONFIG_TEXT_MAX], small[40];
    size_t need = sotto_config_format(&cfg, full, sizeof full);
    ck_assert_uint_eq(sotto_config_format(&cfg, NULL, 0), need);
    memset(small, 'z', sizeof small);
    ck_assert_uint_eq(sotto_config_format(&cfg, small, sizeof small), need);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
    ck_assert(strncmp(small, full, sizeof small - 1) == 0);
    ck_assert_uint_eq(sotto_config_format(NULL, full, sizeof full), 0);
    ck_assert_str_eq(full, "");
}
END_TEST


START_TEST(redacted_format_hides_set_secrets)
{
    sotto_config cfg;
    fill_non_defaults(&cfg);
    char redacted[CONFIG_TEXT_MAX], expected[CONFIG_TEXT_MAX];
    size_t need = sotto_config_format_redacted(&cfg, redacted, sizeof redacted);
    ck_assert_uint_eq(strlen(redacted), need);
    ck_assert_uint_eq(sotto_config_format_redacted(&cfg, NULL, 0), need);
    assert_contains(redacted, "\nsignal_token = \"********\"\n");
    assert_contains(redacted, "\nturn_password = \"********\"\n");
    ck_assert_ptr_null(strstr(redacted, "pass word"));
    ck_assert_ptr_null(strstr(redacted, "tok;en"));
    assert_contains(redacted, "\nturn_username = \"user:1\"\n");

    /* Everything else is the exact text: the same as formatting settings
     * whose secrets are the mask, less the one note line of the header. */
    sotto_config masked = cfg;
    snprintf(masked.network.signal_token, sizeof masked.network.signal_token, "%s",
             SOTTO_CONFIG_REDACTED);
    snprintf(masked.network.turn_password, sizeof masked.network.turn_password, "%s",
             SOTTO_CONFIG_REDACTED);
    sotto_config_format(&masked, expected, sizeof expected);
    const char *note = "# Secrets that are set are shown as ********.\n";
    char *at = strstr(redacted, note);
    ck_assert_ptr_nonnull(at);
    memmove(at, at + strlen(note), strlen(at + strlen(note)) + 1);
    ck_assert_str_eq(redacted, expected);
}
END_TEST

START_TEST(redacted_format_shows_unset_secrets_as_empty)
{
    sotto_config cfg;
    sotto_config_default(&cfg);
    char redacted[CONFIG_TEXT_MAX];
    sotto_config_format_redacted(&cfg, redacted, sizeof redacted);
    assert_contains(redacted, "\nsignal_token = \"\"\n");
    assert_contains(redacted, "\nturn_password = \"\"\n");
    ck_assert_ptr_null(strstr(redacted, "= \"********\""));
    ck_assert_uint_eq(sotto_config_format_redacted(NULL, redacted, sizeof redacted), 0);
    ck_assert_str_eq(redacted, "");
}
END_TEST

START_TEST(only_token_and_password_are_secret)
{
    size_t secrets = 0;
    for (size_t i = 0; i < sotto_config_key_count; i++) {
        const sotto_config_key *key = &sotto_config_keys[i];
        if (!key->secret)
            continue;
        secrets++;
        ck_assert_int_eq(key->type, SOTTO_KEY_STRING);
        ck_assert_msg(strcmp(key->name, "signal_token") == 0 ||
                          strcmp(key->name, "turn_password") == 0,
                      "%s should not be secret", key->name);
    }
    ck_assert_uint_eq(secrets, 2);
}
END_TEST

TCase *config_format_tcase(void)
{
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, format_then_parse_round_trips);
    tcase_add_test(tc, format_writes_every_key_and_commented_headers);
    tcase_add_test(tc, format_truncates_like_snprintf);
    tcase_add_test(tc, redacted_format_hides_set_secrets);
    tcase_add_test(tc, redacted_format_shows_unset_secrets_as_empty);
    tcase_add_test(tc, only_token_and_password_are_secret);
    return tc;
}
