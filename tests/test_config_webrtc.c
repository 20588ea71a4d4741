/* Check cases for the [network], [call] and [codec] settings: defaults,
 * parsing, value rules (host:port, IP addresses, codec lists, paths) and the
 * rules between keys. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/keys.h"
#include "tests/test_config.h"

START_TEST(webrtc_defaults_have_documented_values)
{
    sotto_config cfg;
    memset(&cfg, 0x5a, sizeof cfg);
    sotto_config_default(&cfg);
    ck_assert_str_eq(cfg.network.signal_address, "127.0.0.1");
    ck_assert_int_eq(cfg.network.signal_port, 8787);
    ck_assert_str_eq(cfg.network.signal_token, "");
    ck_assert_str_eq(cfg.network.stun_server, "");
    ck_assert_str_eq(cfg.network.turn_server, "");
    ck_assert_int_eq(cfg.network.turn_transport, SOTTO_TURN_UDP);
    ck_assert_str_eq(cfg.network.turn_username, "");
    ck_assert_str_eq(cfg.network.turn_password, "");
    ck_assert_int_eq(cfg.network.relay_only, 0);
    ck_assert_str_eq(cfg.network.ice_address, "");
    ck_assert_int_eq(cfg.network.ice_port_min, 0);
    ck_assert_int_eq(cfg.network.ice_port_max, 0);
    ck_assert_str_eq(cfg.network.state_dir, "");
    ck_assert_str_eq(cfg.network.web_root, "");
    ck_assert_int_eq(cfg.call.incoming, SOTTO_INCOMING_RING);
    ck_assert_int_eq(cfg.call.unknown_peer, SOTTO_UNKNOWN_PEER_ALLOW);
    ck_assert_int_eq(cfg.call.ring_timeout_s, 30);
    ck_assert_int_eq(cfg.call.max_calls, 4);
    ck_assert_str_eq(cfg.codec.order, "sotto,opus,pcmu,pcma");
    ck_assert_int_eq(cfg.codec.opus_bitrate, 24000);
    ck_assert_int_eq(cfg.codec.ptime_ms, 20);
    ck_assert_int_eq(cfg.codec.opus_fec, 1);
}
END_TEST

START_TEST(webrtc_keys_are_parsed)
{
    const char *text = "[network]\n"
                       "signal_address = 0.0.0.0\n"
                       "signal_port = 9000\n"
                       "signal_token = \"s3cret token\"\n"
                       "stun_server = stun.example.org:3478\n"
                       "turn_server = [2001:db8::5]:443\n"
                       "turn_transport = tcp\n"
                       "turn_username = alice\n"
                       "turn_password = pa55:word\n"
                       "relay_only = yes\n"
                       "ice_address = 2001:db8::7\n"
                       "ice_port_min = 50000\n"
                       "ice_port_max = 50100\n"
                       "state_dir = /var/lib/sotto-test\n"
                       "web_root = /usr/local/share/sotto/web\n"
                       "[call]\n"
                       "incoming = auto\n"
                       "unknown_peer = reject\n"
                       "ring_timeout_s = 45\n"
                       "max_calls = 2\n"
                       "[codec]\n"
                       "order = PCMA, opus\n"
                       "opus_bitrate = 64000\n"
                       "ptime_ms = 40\n"
                       "opus_fec = off\n";
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_str_eq(err, "");
    ck_assert_str_eq(cfg.network.signal_address, "0.0.0.0");
    ck_assert_int_eq(cfg.network.signal_port, 9000);
    ck_assert_str_eq(cfg.network.signal_token, "s3cret token");
    ck_assert_str_eq(cfg.network.stun_server, "stun.example.org:3478");
    ck_assert_str_eq(cfg.network.turn_server, "[2001:db8::5]:443");
    ck_assert_int_eq(cfg.network.turn_transport, SOTTO_TURN_TCP);
    ck_assert_str_eq(cfg.network.turn_username, "alice");
    ck_assert_str_eq(cfg.network.turn_password, "pa55:word");
    ck_assert_int_eq(cfg.network.relay_only, 1);
    ck_assert_str_eq(cfg.network.ice_address, "2001:db8::7");
    ck_assert_int_eq(cfg.network.ice_port_min, 50000);
    ck_assert_int_eq(cfg.network.ice_port_max, 50100);
    ck_assert_str_eq(cfg.network.state_dir, "/var/lib/sotto-test");
    ck_assert_str_eq(cfg.network.web_root, "/usr/local/share/sotto/web");
    ck_assert_int_eq(cfg.call.incoming, SOTTO_INCOMING_AUTO);
    ck_assert_int_eq(cfg.call.unknown_peer, SOTTO_UNKNOWN_PEER_REJECT);
    ck_assert_int_eq(cfg.call.ring_timeout_s, 45);
    ck_assert_int_eq(cfg.call.max_calls, 2);
    ck_assert_str_eq(cfg.codec.order, "pcma,opus");
    ck_assert_int_eq(cfg.codec.opus_bitrate, 64000);
    ck_assert_int_eq(cfg.codec.ptime_ms, 40);
    ck_assert_int_eq(cfg.codec.opus_fec, 0);
}
END_TEST

START_TEST(webrtc_range_limits_are_inclusive)
{
    const char *low = "[network]\nsignal_port = 1\nice_port_min = 1024\nice_port_max = 1024\n"
                      "[call]\nring_timeout_s = 5\nmax_calls = 1\n"
                      "[codec]\nopus_bitrate = 6000\nptime_ms = 10\n";
    const char *high = "[network]\nsignal_port = 65535\nice_port_min = 65535\n"
                       "ice_port_max = 65535\n[call]\nring_timeout_s = 300\nmax_calls = 64\n"
                       "[codec]\nopus_bitrate = 510000\nptime_ms = 60\n";
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_msg(parse_text(low, &cfg, err) == 0, "%s", err);
    ck_assert_int_eq(cfg.network.signal_port, 1);
    ck_assert_int_eq(cfg.network.ice_port_min, 1024);
    ck_assert_int_eq(cfg.network.ice_port_max, 1024);
    ck_assert_int_eq(cfg.call.ring_timeout_s, 5);
    ck_assert_int_eq(cfg.call.max_calls, 1);
    ck_assert_int_eq(cfg.codec.opus_bitrate, 6000);
    ck_assert_int_eq(cfg.codec.ptime_ms, 10);
    ck_assert_msg(parse_text(high, &cfg, err) == 0, "%s", err);
    ck_assert_int_eq(cfg.network.signal_port, 65535);
    ck_assert_int_eq(cfg.network.ice_port_max, 65535);
    ck_assert_int_eq(cfg.call.ring_timeout_s, 300);
    ck_assert_int_eq(cfg.call.max_calls, 64);
    ck_assert_int_eq(cfg.codec.opus_bitrate, 510000);
    ck_assert_int_eq(cfg.codec.ptime_ms, 60);
    /* 0 means "pick a free port" or "any" where it is allowed. */
    ck_assert_msg(parse_text("[network]\nsignal_port = 0\nice_port_min = 0\n", &cfg, err) == 0,
                  "%s", err);
    ck_assert_int_eq(cfg.network.signal_port, 0);
    ck_assert_msg(parse_text("[codec]\nptime_ms = 20\n[codec]\nptime_ms = 40\n", &cfg, err) == 0,
                  "%s", err);
    ck_assert_int_eq(cfg.codec.ptime_ms, 40);
}
END_TEST

#define HOST_PORT_ACCEPTED "accepted: host:port or [IPv6 address]:port, or empty; at most 127 characters)"
#define IP_ACCEPTED "accepted: an IPv4 or IPv6 address, or empty; at most 127 characters)"

/* Each bad value: where it is, and what the message must say about it. */
static const struct {
    const char *text;
    const char *where;   /* "test.conf:LINE:" */
    const char *key;     /* "[section] key" */
    const char *details; /* further text the message must contain */
} bad_values[] = {
    {"[network]\nsignal_address = localhost\n", "test.conf:2:", "[network] signal_address", "bad value \"localhost\" (not an IP address (host names are not looked up here); " IP_ACCEPTED},
    {"[network]\nsignal_address = [::1]\n", "test.conf:2:", "[network] signal_address", "(write an IPv6 address without brackets; "},
    {"[network]\nsignal_address = 127.0.0.1:80\n", "test.conf:2:", "[network] signal_address", "\"127.0.0.1:80\" (not an IP address"},
    {"[network]\nsignal_address = 256.1.1.1\n", "test.conf:2:", "[network] signal_address", "\"256.1.1.1\" (not an IP address"},
    {"[network]\nsignal_address = \" 127.0.0.1\"\n", "test.conf:2:", "[network] signal_address", "(not an IP address"},
    {"[network]\nsignal_port = 65536\n", "test.conf:2:", "[network] signal_port", "bad value \"65536\" (accepted: 0 or 1..65535)"},
    {"[network]\nsignal_port = -1\n", "test.conf:2:", "[network] signal_port", "\"-1\""},
    {"[network]\nstun_server = stun.example.org\n", "test.conf:2:", "[network] stun_server", "bad value \"stun.example.org\" (port missing; " HOST_PORT_ACCEPTED},
    {"[network]\nstun_server = :3478\n", "test.conf:2:", "[network] stun_server", "(host missing before ':'; "},
    {"[network]\nstun_server = host:0\n", "test.conf:2:", "[network] stun_server", "(port is not 1..65535; "},
    {"[network]\nstun_server = host:65536\n", "test.conf:2:", "[network] stun_server", "(port is not 1..65535; "},
    {"[network]\nstun_server = host:\n", "test.conf:2:", "[network] stun_server", "(port is not 1..65535; "},
    {"[network]\nstun_server = host:+80\n", "test.conf:2:", "[network] stun_server", "(port is not 1..65535; "},
    {"[network]\nstun_server = host:80x\n", "test.conf:2:", "[network] stun_server", "(port is not 1..65535; "},
    {"[network]\nstun_server = host:123456\n", "test.conf:2:", "[network] stun_server", "(port is not 1..65535; "},
    {"[network]\nstun_server = 2001:db8::1:3478\n", "test.conf:2:", "[network] stun_server", "(an IPv6 address goes in brackets; "},
    {"[network]\nstun_server = [2001:db8::1]3478\n", "test.conf:2:", "[network] stun_server", "(port missing after ']'; "},
    {"[network]\nstun_server = [2001:db8::1]\n", "test.conf:2:", "[network] stun_server", "(port missing after ']'; "},
    {"[network]\nstun_server = [2001:db8::1:3478\n", "test.conf:2:", "[network] stun_server", "(']' missing after the IPv6 address; "},
    {"[network]\nstun_server = [host.example]:3478\n", "test.conf:2:", "[network] stun_server", "(not an IPv6 address inside [ ]; "},
    {"[network]\nstun_server = [192.0.2.1]:3478\n", "test.conf:2:", "[network] stun_server", "(not an IPv6 address inside [ ]; "},
    {"[network]\nstun_server = stun:stun.example.org:19302\n", "test.conf:2:", "[network] stun_server", "(write host:port without a scheme; "},
    {"[network]\nturn_server = turn:turn.example.org:3478\n", "test.conf:2:", "[network] turn_server", "(write host:port without a scheme; "},
    {"[network]\nturn_server = https://x:443\n", "test.conf:2:", "[network] turn_server", "(write host:port without a scheme; "},
    {"[network]\nturn_server = \"bad host:3478\"\n", "test.conf:2:", "[network] turn_server", "(' ' is not allowed in a host name; "},
    {"[network]\nturn_server = a/b:3478\n", "test.conf:2:", "[network] turn_server", "('/' is not allowed in a host name; "},
    {"[network]\nturn_server = h\xc3\xa9llo:3478\n", "test.conf:2:", "[network] turn_server", "(non-ASCII character in the host name; "},
    {"[network]\nturn_server = 1.2.3:3478\n", "test.conf:2:", "[network] turn_server", "(not an IPv4 address; "},
    {"[network]\nturn_server = 999.1.1.1:3478\n", "test.conf:2:", "[network] turn_server", "(not an IPv4 address; "},
    {"[network]\nturn_transport = tls\n", "test.conf:2:", "[network] turn_transport", "bad value \"tls\" (accepted: udp, tcp)"},
    {"[network]\nturn_transport = UDP\n", "test.conf:2:", "[network] turn_transport", "\"UDP\""},
    {"[network]\nrelay_only = sometimes\n", "test.conf:2:", "[network] relay_only", "accepted: true, false, yes, no, on, off, 1, 0"},
    {"[network]\nice_address = eth0\n", "test.conf:2:", "[network] ice_address", "bad value \"eth0\" (not an IP address (host names are not looked up here); " IP_ACCEPTED},
    {"[network]\nice_port_min = 1023\n", "test.conf:2:", "[network] ice_port_min", "bad value \"1023\" (accepted: 0 or 1024..65535)"},
    {"[network]\nice_port_max = 65536\n", "test.conf:2:", "[network] ice_port_max", "\"65536\" (accepted: 0 or 1024..65535)"},
    {"[network]\nstate_dir = relative/dir\n", "test.conf:2:", "[network] state_dir", "bad value \"relative/dir\" (not an absolute path; accepted: an absolute path, or empty; at most 183 characters)"},
    {"[network]\nstate_dir = ~/sotto\n", "test.conf:2:", "[network] state_dir", "(not an absolute path; "},
    {"[network]\nweb_root = web\n", "test.conf:2:", "[network] web_root", "bad value \"web\" (not an absolute path; accepted: an absolute path, or empty; at most 184 characters)"},
    {"[network]\nweb_root = ./share/sotto/web\n", "test.conf:2:", "[network] web_root", "(not an absolute path; "},
    {"[call]\nincoming = answer\n", "test.conf:2:", "[call] incoming", "bad value \"answer\" (accepted: auto, ring, reject)"},
    {"[call]\nincoming = RING\n", "test.conf:2:", "[call] incoming", "\"RING\""},
    {"[call]\nunknown_peer = deny\n", "test.conf:2:", "[call] unknown_peer", "bad value \"deny\" (accepted: allow, reject)"},
    {"[call]\nring_timeout_s = 4\n", "test.conf:2:", "[call] ring_timeout_s", "bad value \"4\" (accepted: 5..300)"},
    {"[call]\nring_timeout_s = 301\n", "test.conf:2:", "[call] ring_timeout_s", "\"301\""},
    {"[call]\nmax_calls = 0\n", "test.conf:2:", "[call] max_calls", "bad value \"0\" (accepted: 1..64)"},
    {"[call]\nmax_calls = 65\n", "test.conf:2:", "[call] max_calls", "\"65\""},
    {"[codec]\norder = \"\"\n", "test.conf:2:", "[codec] order", "bad value \"\" (no codec named; "},
    {"[codec]\norder =\n", "test.conf:2:", "[codec] order", "(no codec named; "},
    {"[codec]\norder = opus,,pcmu\n", "test.conf:2:", "[codec] order", "(empty name in the list; "},
    {"[codec]\norder = opus,\n", "test.conf:2:", "[codec] order", "(empty name in the list; "},
    {"[codec]\norder = \" , opus\"\n", "test.conf:2:", "[codec] order", "(empty name in the list; "},
    {"[codec]\norder = opus,pcmu,opus\n", "test.conf:2:", "[codec] order", "(repeated codec \"opus\"; "},
    {"[codec]\norder = opus, OPUS\n", "test.conf:2:", "[codec] order", "(repeated codec \"OPUS\"; "},
    {"[codec]\norder = opus pcmu\n", "test.conf:2:", "[codec] order", "(unknown codec \"opus pcmu\"; "},
    {"[codec]\norder = opu\n", "test.conf:2:", "[codec] order", "(unknown codec \"opu\"; "},
    {"[codec]\norder = opus;pcmu\n", "test.conf:2:", "[codec] order", "(unknown codec \"opus;pcmu\"; "},
    {"[codec]\nopus_bitrate = 5999\n", "test.conf:2:", "[codec] opus_bitrate", "bad value \"5999\" (accepted: 6000..510000)"},
    {"[codec]\nopus_bitrate = 510001\n", "test.conf:2:", "[codec] opus_bitrate", "\"510001\""},
    {"[codec]\nptime_ms = 30\n", "test.conf:2:", "[codec] ptime_ms", "bad value \"30\" (accepted: 10, 20, 40, 60, 80, 100, 120)"},
    {"[codec]\nopus_fec = 2\n", "test.conf:2:", "[codec] opus_fec", "accepted: true, false, yes, no, on, off, 1, 0"},
    {"[codec]\nmax_ptime_ms = 30\n", "test.conf:2:", "[codec] max_ptime_ms", "bad value \"30\" (accepted: 20, 40, 60, 80, 100, 120)"},
    {"[codec]\nptime_ms = 60\nmax_ptime_ms = 40\n", "test.conf:3:", "[codec] max_ptime_ms", "40 is below ptime_ms (60)"},
    {"[network]\nlink_kbps = -1\n", "test.conf:2:", "[network] link_kbps", "(accepted: 0..100000)"},
    {"[codec]\nredundancy = maybe\n", "test.conf:2:", "[codec] redundancy", "accepted: true, false"},
};

START_TEST(webrtc_bad_value_is_rejected_with_file_line_and_key)
{
    sotto_config cfg;
    memset(&cfg, 0xa5, sizeof cfg);
    sotto_config before = cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    int rc = parse_text(bad_values[_i].text, &cfg, err);
    ck_assert_msg(rc == -EINVAL, "case %d returned %d", _i, rc);
    ck_assert_msg(strncmp(err, bad_values[_i].where, strlen(bad_values[_i].where)) == 0,
                  "case %d: \"%s\" should start with %s", _i, err, bad_values[_i].where);
    assert_contains(err, bad_values[_i].key);
    assert_contains(err, bad_values[_i].details);
    ck_assert_msg(memcmp(&cfg, &before, sizeof cfg) == 0, "case %d changed *out", _i);
}
END_TEST

START_TEST(unknown_codec_message_names_it_and_the_accepted_ones)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[codec]\n\norder = opus, g722\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: [codec] order: bad value \"opus, g722\" (unknown codec "
                          "\"g722\"; accepted: comma separated names from sotto, opus, pcmu, "
                          "pcma, each at most once; at most 127 characters)");
}
END_TEST

START_TEST(host_port_accepts_names_ipv4_and_bracketed_ipv6)
{
    static const char *const good[] = {
        "stun.example.org:3478", "localhost:1", "192.0.2.1:65535", "[2001:db8::1]:3478",
        "[::1]:19302", "[::ffff:192.0.2.1]:3478", "a_b-c.example:443", "STUN.Example.ORG:03478",
        ""};
    char text[256], err[SOTTO_CONFIG_ERROR_MAX];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sotto_config cfg;
        snprintf(text, sizeof text, "[network]\nstun_server = \"%s\"\nturn_server = \"%s\"\n",
                 good[i], good[i]);
        ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s: %s", good[i], err);
        /* Stored as written: the daemon resolves names when it uses them. */
        ck_assert_str_eq(cfg.network.stun_server, good[i]);
        ck_assert_str_eq(cfg.network.turn_server, good[i]);
    }
}
END_TEST

START_TEST(address_keys_accept_only_ip_literals)
{
    static const char *const good[] = {"0.0.0.0", "::", "::1", "192.0.2.7", "2001:db8::7",
                                       "fe80::1", ""};
    char text[256], err[SOTTO_CONFIG_ERROR_MAX];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sotto_config cfg;
        snprintf(text, sizeof text, "[network]\nsignal_address = \"%s\"\nice_address = \"%s\"\n",
                 good[i], good[i]);
        ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s: %s", good[i], err);
        ck_assert_str_eq(cfg.network.signal_address, good[i]);
        ck_assert_str_eq(cfg.network.ice_address, good[i]);
    }
}
END_TEST

START_TEST(codec_order_is_stored_lower_case_without_spaces)
{
    static const struct {
        const char *value;
        const char *stored;
    } cases[] = {
        {"PCMU , Opus,SOTTO", "pcmu,opus,sotto"},
        {"\" opus \"", "opus"},
        {"pcma", "pcma"},
        {"sotto,  opus ,pcmu,pcma", "sotto,opus,pcmu,pcma"},
        {"Pcma,PcMu", "pcma,pcmu"},
    };
    char text[256], err[SOTTO_CONFIG_ERROR_MAX], formatted[CONFIG_TEXT_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sotto_config cfg, back;
        snprintf(text, sizeof text, "[codec]\norder = %s\n", cases[i].value);
        ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s: %s", cases[i].value, err);
        ck_assert_str_eq(cfg.codec.order, cases[i].stored);
        /* The stored form is its own normal form: formatting keeps it. */
        size_t need = sotto_config_format(&cfg, formatted, sizeof formatted);
        ck_assert_int_eq(sotto_config_parse(formatted, need, "formatted", &back, err, sizeof err),
                         0);
        ck_assert_str_eq(back.codec.order, cases[i].stored);
    }
}
END_TEST

START_TEST(relay_only_needs_turn_server)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[network]\nstun_server = s.example:3478\nrelay_only = true\n",
                                &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: [network] relay_only: needs turn_server to be set (only "
                          "a TURN server gives relayed addresses)");
    /* Emptied again after relay_only: still refused, at relay_only's line. */
    memset(&cfg, 0x77, sizeof cfg);
    sotto_config before = cfg;
    ck_assert_int_eq(parse_text("[network]\nturn_server = t.example:3478\nrelay_only = on\n"
                                "turn_server = \"\"\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:3: [network] relay_only: needs turn_server");
    ck_assert(memcmp(&cfg, &before, sizeof cfg) == 0);
    ck_assert_msg(parse_text("[network]\nrelay_only = on\nturn_server = t.example:3478\n", &cfg,
                             err) == 0, "%s", err);
    ck_assert_int_eq(cfg.network.relay_only, 1);
    ck_assert_str_eq(cfg.network.turn_server, "t.example:3478");
}
END_TEST

START_TEST(ice_port_range_must_be_ordered)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[network]\nice_port_min = 50001\nice_port_max = 50000\n", &cfg,
                                err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: [network] ice_port_max: 50000 is smaller than "
                          "ice_port_min (50001)");
    ck_assert_int_eq(parse_text("[network]\nice_port_max = 50000\nice_port_min = 60000\n", &cfg,
                                err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: [network] ice_port_min: 60000 is larger than "
                          "ice_port_max (50000)");
    /* One end alone, or a single port, is a range. */
    ck_assert_int_eq(parse_text("[network]\nice_port_min = 60000\n", &cfg, err), 0);
    ck_assert_int_eq(cfg.network.ice_port_min, 60000);
    ck_assert_int_eq(cfg.network.ice_port_max, 0);
    ck_assert_int_eq(parse_text("[network]\nice_port_max = 2000\n", &cfg, err), 0);
    ck_assert_int_eq(cfg.network.ice_port_max, 2000);
    ck_assert_int_eq(parse_text("[network]\nice_port_min = 5000\nice_port_max = 5000\n", &cfg,
                                err), 0);
    ck_assert_int_eq(cfg.network.ice_port_min, 5000);
}
END_TEST

START_TEST(webrtc_enum_names_match_values)
{
    ck_assert_str_eq(sotto_config_incoming_name(SOTTO_INCOMING_AUTO), "auto");
    ck_assert_str_eq(sotto_config_incoming_name(SOTTO_INCOMING_RING), "ring");
    ck_assert_str_eq(sotto_config_incoming_name(SOTTO_INCOMING_REJECT), "reject");
    ck_assert_ptr_null(sotto_config_incoming_name((sotto_incoming_policy)3));
    ck_assert_ptr_null(sotto_config_incoming_name((sotto_incoming_policy)-1));
    ck_assert_str_eq(sotto_config_unknown_peer_name(SOTTO_UNKNOWN_PEER_ALLOW), "allow");
    ck_assert_str_eq(sotto_config_unknown_peer_name(SOTTO_UNKNOWN_PEER_REJECT), "reject");
    ck_assert_ptr_null(sotto_config_unknown_peer_name((sotto_unknown_peer_policy)2));
    ck_assert_str_eq(sotto_config_turn_transport_name(SOTTO_TURN_UDP), "udp");
    ck_assert_str_eq(sotto_config_turn_transport_name(SOTTO_TURN_TCP), "tcp");
    ck_assert_ptr_null(sotto_config_turn_transport_name((sotto_turn_transport)2));
    /* The file's names are the same words. */
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[call]\nincoming = reject\n[network]\nturn_transport = tcp\n",
                                &cfg, err), 0);
    ck_assert_str_eq(sotto_config_incoming_name((sotto_incoming_policy)cfg.call.incoming),
                     "reject");
    ck_assert_str_eq(
        sotto_config_turn_transport_name((sotto_turn_transport)cfg.network.turn_transport), "tcp");
}
END_TEST

TCase *config_webrtc_tcase(void)
{
    TCase *tc = tcase_create("webrtc");
    tcase_add_test(tc, webrtc_defaults_have_documented_values);
    tcase_add_test(tc, webrtc_keys_are_parsed);
    tcase_add_test(tc, webrtc_range_limits_are_inclusive);
    tcase_add_loop_test(tc, webrtc_bad_value_is_rejected_with_file_line_and_key, 0,
                        (int)(sizeof bad_values / sizeof bad_values[0]));
    tcase_add_test(tc, unknown_codec_message_names_it_and_the_accepted_ones);
    tcase_add_test(tc, host_port_accepts_names_ipv4_and_bracketed_ipv6);
    tcase_add_test(tc, address_keys_accept_only_ip_literals);
    tcase_add_test(tc, codec_order_is_stored_lower_case_without_spaces);
    tcase_add_test(tc, relay_only_needs_turn_server);
    tcase_add_test(tc, ice_port_range_must_be_ordered);
    tcase_add_test(tc, webrtc_enum_names_match_values);
    return tc;
}
