/* Check suite for config/: defaults, parsing, errors, formatting, docs.
 * Formatting is tested in test_config_format.c, the [network], [call] and
 * [codec] keys in test_config_webrtc.c. */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/keys.h"
#include "tests/test_config.h"

#define FILE_MAX (1024 * 1024)

int parse_text(const char *text, sotto_config *out, char *err)
{
    return sotto_config_parse(text, strlen(text), "test.conf", out, err, SOTTO_CONFIG_ERROR_MAX);
}

void assert_contains(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "expected \"%s\" in \"%s\"", part, text);
}

/* Reads a whole file into a NUL-terminated malloc'ed buffer. */
static char *read_whole(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            cap *= 2;
            char *grown = realloc(buf, cap);
            ck_assert_ptr_nonnull(grown);
            buf = grown;
        }
    }
    fclose(f);
    buf[len] = '\0';
    if (out_len != NULL)
        *out_len = len;
    return buf;
}

/* Path of a file in the source tree, from the tests/data directory. */
static void source_path(const char *relative, char *buf, size_t buflen)
{
    const char *data = getenv("SOTTO_TEST_DATA");
    ck_assert_msg(data != NULL, "SOTTO_TEST_DATA must name tests/data in the source tree");
    int n = snprintf(buf, buflen, "%s/../../%s", data, relative);
    ck_assert(n > 0 && (size_t)n < buflen);
}

static char temp_dir[512];

static void make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(temp_dir, sizeof temp_dir, "%s/sotto-config-XXXXXX",
                     base != NULL && base[0] != '\0' ? base : "/tmp");
    ck_assert(n > 0 && (size_t)n < sizeof temp_dir);
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(defaults_have_documented_values)
{
    sotto_config cfg;
    memset(&cfg, 0x5a, sizeof cfg);
    sotto_config_default(&cfg);
    ck_assert_int_eq(cfg.audio.backend, SOTTO_AUDIO_AUTO);
    ck_assert_str_eq(cfg.audio.capture_device, "");
    ck_assert_str_eq(cfg.audio.playback_device, "");
    ck_assert_int_eq(cfg.audio.device_rate, 0);
    ck_assert_int_eq(cfg.audio.frame_ms, 20);
    ck_assert_int_eq(cfg.audio.buffer_ms, 200);
    ck_assert_str_eq(cfg.audio.input_file, "");
    ck_assert_str_eq(cfg.audio.output_file, "");
    ck_assert_int_eq(cfg.audio.loopback, 0);
    ck_assert_str_eq(cfg.control.socket, "");
    ck_assert_int_eq(cfg.control.max_clients, 64);
    ck_assert_int_eq(cfg.control.max_line, 65536);
    ck_assert_int_eq(cfg.control.max_queue, 1048576);
    ck_assert_int_eq(cfg.log.level, SOTTO_LOG_INFO);
}
END_TEST

START_TEST(empty_and_comment_only_text_give_defaults)
{
    static const char *const texts[] = {
        "", "\n\n", "# comment\n; other comment\n", "[audio]\n[control]\n[log]\n",
        "\xEF\xBB\xBF# byte order mark\n", "  \t\n   # indented comment"};
    sotto_config want, cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    sotto_config_default(&want);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        memset(&cfg, 0, sizeof cfg);
        ck_assert_msg(parse_text(texts[i], &cfg, err) == 0, "text %zu: %s", i, err);
        ck_assert_msg(sotto_config_equal(&cfg, &want), "text %zu", i);
        ck_assert_int_eq(cfg.control.max_line, 65536);
    }
}
END_TEST

START_TEST(every_key_is_parsed)
{
    const char *text = "[audio]\n"
                       "backend = wav\n"
                       "capture_device = USB Mic\n"
                       "playback_device = 3\n"
                       "device_rate = 48000\n"
                       "frame_ms = 40\n"
                       "buffer_ms = 500\n"
                       "input_file = in.wav\n"
                       "output_file = /srv/sotto/out.wav\n"
                       "loopback = yes\n"
                       "[control]\n"
                       "socket = /run/sotto/ctl.sock\n"
                       "max_clients = 8\n"
                       "max_line = 1024\n"
                       "max_queue = 8192\n"
                       "[log]\n"
                       "level = debug\n";
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(cfg.audio.backend, SOTTO_AUDIO_WAV);
    ck_assert_str_eq(cfg.audio.capture_device, "USB Mic");
    ck_assert_str_eq(cfg.audio.playback_device, "3");
    ck_assert_int_eq(cfg.audio.device_rate, 48000);
    ck_assert_int_eq(cfg.audio.frame_ms, 40);
    ck_assert_int_eq(cfg.audio.buffer_ms, 500);
    ck_assert_str_eq(cfg.audio.input_file, "in.wav");
    ck_assert_str_eq(cfg.audio.output_file, "/srv/sotto/out.wav");
    ck_assert_int_eq(cfg.audio.loopback, 1);
    ck_assert_str_eq(cfg.control.socket, "/run/sotto/ctl.sock");
    ck_assert_int_eq(cfg.control.max_clients, 8);
    ck_assert_int_eq(cfg.control.max_line, 1024);
    ck_assert_int_eq(cfg.control.max_queue, 8192);
    ck_assert_int_eq(cfg.log.level, SOTTO_LOG_DEBUG);
}
END_TEST

START_TEST(boolean_spellings_are_accepted)
{
    static const struct {
        const char *word;
        int value;
    } words[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0},
                 {"on", 1},   {"off", 0},   {"1", 1},   {"0", 0}};
    char text[128], err[SOTTO_CONFIG_ERROR_MAX];
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        sotto_config cfg;
        snprintf(text, sizeof text, "[audio]\nloopback = %s\n", words[i].word);
        ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s: %s", words[i].word, err);
        ck_assert_int_eq(cfg.audio.loopback, words[i].value);
    }
}
END_TEST

START_TEST(range_limits_are_inclusive)
{
    const char *text = "[audio]\ndevice_rate = 8000\nbuffer_ms = 40\n"
                       "[control]\nmax_clients = 1024\nmax_line = 256\nmax_queue = 67108864\n";
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_int_eq(cfg.audio.device_rate, 8000);
    ck_assert_int_eq(cfg.audio.buffer_ms, 40);
    ck_assert_int_eq(cfg.control.max_clients, 1024);
    ck_assert_int_eq(cfg.control.max_line, 256);
    ck_assert_int_eq(cfg.control.max_queue, 67108864);
    ck_assert_int_eq(parse_text("[audio]\ndevice_rate = 192000\nbuffer_ms = 2000\n", &cfg, err), 0);
    ck_assert_int_eq(cfg.audio.device_rate, 192000);
    ck_assert_int_eq(cfg.audio.buffer_ms, 2000);
}
END_TEST

/* Each bad value: where it is, and what the message must say about it. */
static const struct {
    const char *text;
    const char *where;   /* "test.conf:LINE:" */
    const char *key;     /* "[section] key" */
    const char *details; /* further text the message must contain */
} bad_values[] = {
    {"[audio]\nframe_ms = abc\n", "test.conf:2:", "[audio] frame_ms", "bad value \"abc\" (accepted: 10, 20, 40)"},
    {"[audio]\nframe_ms = 15\n", "test.conf:2:", "[audio] frame_ms", "\"15\""},
    {"[audio]\nframe_ms = 20ms\n", "test.conf:2:", "[audio] frame_ms", "\"20ms\""},
    {"[audio]\nframe_ms =\n", "test.conf:2:", "[audio] frame_ms", "bad value \"\""},
    {"[audio]\nframe_ms = \" 20\"\n", "test.conf:2:", "[audio] frame_ms", "\" 20\""},
    {"[audio]\nframe_ms = 0x14\n", "test.conf:2:", "[audio] frame_ms", "\"0x14\""},
    {"[audio]\n\nbuffer_ms = 39\n", "test.conf:3:", "[audio] buffer_ms", "accepted: 40..2000"},
    {"[audio]\nbuffer_ms = 2001\n", "test.conf:2:", "[audio] buffer_ms", "\"2001\""},
    {"[audio]\nbuffer_ms = 99999999999999999999\n", "test.conf:2:", "[audio] buffer_ms", "99999999999999999999"},
    {"[audio]\ndevice_rate = 7999\n", "test.conf:2:", "[audio] device_rate", "accepted: 0 or 8000..192000"},
    {"[audio]\ndevice_rate = -1\n", "test.conf:2:", "[audio] device_rate", "\"-1\""},
    {"[audio]\ndevice_rate = 192001\n", "test.conf:2:", "[audio] device_rate", "\"192001\""},
    {"[control]\nmax_clients = 0\n", "test.conf:2:", "[control] max_clients", "accepted: 1..1024"},
    {"[control]\nmax_clients = 1025\n", "test.conf:2:", "[control] max_clients", "\"1025\""},
    {"[control]\nmax_line = 255\n", "test.conf:2:", "[control] max_line", "accepted: 256..1048576"},
    {"[control]\nmax_queue = 67108865\n", "test.conf:2:", "[control] max_queue", "accepted: 4096..67108864"},
    {"[audio]\nbackend = alsa\n", "test.conf:2:", "[audio] backend", "bad value \"alsa\" (accepted: auto, portaudio, wav, null)"},
    {"[audio]\nbackend = AUTO\n", "test.conf:2:", "[audio] backend", "\"AUTO\""},
    {"[log]\nlevel = verbose\n", "test.conf:2:", "[log] level", "accepted: error, warning, info, debug"},
    {"[audio]\nloopback = maybe\n", "test.conf:2:", "[audio] loopback", "accepted: true, false, yes, no, on, off, 1, 0"},
    {"[audio]\nloopback = 2\n", "test.conf:2:", "[audio] loopback", "\"2\""},
    {"[audio]\ncapture_device = \"USB\n", "test.conf:2:", "[audio] capture_device", "closing quote missing"},
    {"[audio]\ncapture_device = a\x01" "b\n", "test.conf:2:", "[audio] capture_device", "control characters"},
    {"[audio]\nbackend = wav # not a comment\n", "test.conf:2:", "[audio] backend", "\"wav # not a comment\""},
};

START_TEST(bad_value_is_rejected_with_file_line_and_key)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    int rc = parse_text(bad_values[_i].text, &cfg, err);
    ck_assert_msg(rc == -EINVAL, "case %d returned %d", _i, rc);
    ck_assert_msg(strncmp(err, bad_values[_i].where, strlen(bad_values[_i].where)) == 0,
                  "case %d: \"%s\" should start with %s", _i, err, bad_values[_i].where);
    assert_contains(err, bad_values[_i].key);
    assert_contains(err, bad_values[_i].details);
}
END_TEST

START_TEST(too_long_string_names_the_max_length)
{
    char text[400], err[SOTTO_CONFIG_ERROR_MAX];
    char name[SOTTO_CONFIG_NAME_MAX + 1];
    sotto_config cfg;
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    /* 128 characters: one more than the field holds. */
    snprintf(text, sizeof text, "[audio]\ncapture_device = %s\n", name);
    ck_assert_int_eq(parse_text(text, &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: [audio] capture_device: value is 128 characters long (max 127)");
    /* 127 fit. */
    name[sizeof name - 2] = '\0';
    snprintf(text, sizeof text, "[audio]\nplayback_device = %s\n", name);
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_str_eq(cfg.audio.playback_device, name);
}
END_TEST

START_TEST(longest_file_name_still_formats_to_a_parseable_line)
{
    /* 182 characters is the most input_file takes, so that
     * `input_file = "..."` from sotto_config_format fits in one line. */
    char text[400], err[SOTTO_CONFIG_ERROR_MAX], formatted[CONFIG_TEXT_MAX];
    char name[184];
    sotto_config cfg, back;
    memset(name, 'f', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    snprintf(text, sizeof text, "[audio]\ninput_file=%s\n", name);
    ck_assert_int_eq(parse_text(text, &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: [audio] input_file: value is 183 characters long (max 182)");
    name[182] = '\0';
    snprintf(text, sizeof text, "[audio]\ninput_file=%s\n", name);
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_str_eq(cfg.audio.input_file, name);
    size_t need = sotto_config_format(&cfg, formatted, sizeof formatted);
    ck_assert_msg(sotto_config_parse(formatted, need, "formatted", &back, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_str_eq(back.audio.input_file, name);
}
END_TEST

START_TEST(unknown_key_lists_known_keys)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[audio]\nbackend = null\nfoo = 1\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: unknown key \"foo\" in [audio] (known keys: backend, "
                          "capture_device, playback_device, device_rate, frame_ms, buffer_ms, "
                          "input_file, output_file, loopback, processing, echo_cancel, "
                          "echo_suppression, echo_delay_ms, noise_suppression, noise_level, "
                          "gain_control, gain_target_dbfs, gain_max_db, voice_activity, "
                          "silence_suppression, wav_echo_ms, wav_echo_db)");
    /* Keys are case-sensitive, and belong to one section only. */
    ck_assert_int_eq(parse_text("[audio]\nBackend = null\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: unknown key \"Backend\" in [audio]");
    ck_assert_int_eq(parse_text("[log]\nsocket = x\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:2: unknown key \"socket\" in [log] (known keys: level)");
}
END_TEST

START_TEST(unknown_section_is_rejected_even_when_empty)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[audio]\n\n[foo]\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: unknown section [foo] (known sections: audio, control, log, "
                          "network, call, codec)");
    ck_assert_int_eq(parse_text("[Audio]\nbackend = null\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:1: unknown section [Audio]");
    ck_assert_int_eq(parse_text("[]\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:1: unknown section []");
    ck_assert_int_eq(parse_text("[audio] junk\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:1: unexpected text after [audio]: \"junk\"");
    /* A comment after the header is fine. */
    ck_assert_int_eq(parse_text("[audio] ; sound\n  [log]  # logs\nlevel = error\n", &cfg, err), 0);
    ck_assert_int_eq(cfg.log.level, SOTTO_LOG_ERROR);
}
END_TEST

START_TEST(key_outside_section_is_rejected)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("# top\nbackend = null\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:2: key \"backend\" is outside any section (known sections: "
                          "audio, control, log, network, call, codec)");
}
END_TEST

START_TEST(syntax_errors_name_the_line)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[audio]\nbackend\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:2: syntax error: expected [section], key = value or a "
                          "comment, got \"backend\"");
    ck_assert_int_eq(parse_text("# x\n[audio\nbackend = null\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: syntax error");
    assert_contains(err, "\"[audio\"");
    /* The first error in the file is the one reported, whoever found it. */
    ck_assert_int_eq(parse_text("[audio]\nnonsense\nframe_ms = 7\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: syntax error");
    ck_assert_int_eq(parse_text("[audio]\nframe_ms = 7\nnonsense\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: [audio] frame_ms");
    ck_assert_int_eq(parse_text("[audio]\nnonsense\n[bogus]\n", &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: syntax error");
}
END_TEST

START_TEST(long_line_is_rejected_not_split)
{
    /* inih would cut this line in two and read "frame_ms = 40" from its tail. */
    char text[600], err[SOTTO_CONFIG_ERROR_MAX];
    sotto_config cfg;
    char filler[400];
    memset(filler, 'a', sizeof filler - 1);
    filler[sizeof filler - 1] = '\0';
    snprintf(text, sizeof text, "[audio]\ninput_file = %s\nframe_ms = 40\n", filler);
    ck_assert_int_eq(parse_text(text, &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: line is longer than");
    snprintf(text, sizeof text, "[audio]\n# %s frame_ms = 40\n", filler);
    ck_assert_int_eq(parse_text(text, &cfg, err), -EINVAL);
    assert_contains(err, "test.conf:2: line is longer than");
}
END_TEST

START_TEST(nul_byte_is_rejected)
{
    static const char text[] = "[audio]\nbackend = null\0junk\n";
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(sotto_config_parse(text, sizeof text - 1, "nul.conf", &cfg, err, sizeof err),
                     -EINVAL);
    ck_assert_str_eq(err, "nul.conf:2: NUL byte in line");
}
END_TEST

START_TEST(truncated_text_parses_only_what_is_given)
{
    /* Every prefix of a valid file either parses or fails with a message,
     * and never reads past len (the buffer has no NUL after the prefix). */
    static const char full[] = "[audio]\nbackend = portaudio\nframe_ms = 40\n[log]\nlevel = debug\n";
    size_t n = sizeof full - 1;
    for (size_t len = 0; len <= n; len++) {
        char *copy = malloc(len > 0 ? len : 1);
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, full, len);
        sotto_config cfg;
        char err[SOTTO_CONFIG_ERROR_MAX];
        int rc = sotto_config_parse(copy, len, "cut.conf", &cfg, err, sizeof err);
        ck_assert_msg(rc == 0 || (rc == -EINVAL && strncmp(err, "cut.conf:", 9) == 0),
                      "prefix %zu: %d %s", len, rc, err);
        free(copy);
    }
    /* A cut in the middle of a value gives that shorter value or an error. */
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(sotto_config_parse(full, 40, "cut.conf", &cfg, err, sizeof err), -EINVAL);
    assert_contains(err, "cut.conf:3: [audio] frame_ms: bad value \"4\"");
    ck_assert_int_eq(sotto_config_parse(full, 24, "cut.conf", &cfg, err, sizeof err), -EINVAL);
    assert_contains(err, "cut.conf:2: [audio] backend: bad value \"portau\"");
}
END_TEST

START_TEST(oversized_text_is_rejected_before_parsing)
{
    /* Exactly the limit, made of comment lines: accepted. */
    char *text = malloc(FILE_MAX + 1);
    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; i < FILE_MAX; i += 64) {
        memset(text + i, ' ', 64);
        text[i] = '#';
        text[i + 63] = '\n';
    }
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_msg(sotto_config_parse(text, FILE_MAX, "big.conf", &cfg, err, sizeof err) == 0,
                  "%s", err);
    /* One byte more: refused, even though it is still only comments. */
    text[FILE_MAX] = '\n';
    ck_assert_int_eq(sotto_config_parse(text, FILE_MAX + 1, "big.conf", &cfg, err, sizeof err),
                     -EFBIG);
    ck_assert_str_eq(err, "big.conf: file is larger than 1048576 bytes");

    make_temp_dir();
    char path[600];
    snprintf(path, sizeof path, "%s/big.conf", temp_dir);
    write_file(path, text, FILE_MAX + 1);
    memset(&cfg, 0x11, sizeof cfg);
    sotto_config before = cfg;
    ck_assert_int_eq(sotto_config_load(path, &cfg, err, sizeof err), -EFBIG);
    assert_contains(err, path);
    assert_contains(err, "larger than 1048576 bytes");
    ck_assert(memcmp(&cfg, &before, sizeof cfg) == 0);
    write_file(path, text, FILE_MAX);
    ck_assert_msg(sotto_config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
    free(text);
}
END_TEST

START_TEST(missing_file_is_enoent)
{
    make_temp_dir();
    char path[600], err[SOTTO_CONFIG_ERROR_MAX];
    snprintf(path, sizeof path, "%s/absent.conf", temp_dir);
    sotto_config cfg;
    memset(&cfg, 0x22, sizeof cfg);
    sotto_config before = cfg;
    ck_assert_int_eq(sotto_config_load(path, &cfg, err, sizeof err), -ENOENT);
    assert_contains(err, path);
    assert_contains(err, "no such file");
    ck_assert(memcmp(&cfg, &before, sizeof cfg) == 0);
    /* A directory is not a config file. */
    ck_assert_int_eq(sotto_config_load(temp_dir, &cfg, err, sizeof err), -EISDIR);
    ck_assert(memcmp(&cfg, &before, sizeof cfg) == 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
}
END_TEST

START_TEST(load_reads_file_and_names_it_in_errors)
{
    make_temp_dir();
    char path[600], err[SOTTO_CONFIG_ERROR_MAX];
    snprintf(path, sizeof path, "%s/sotto.conf", temp_dir);
    const char *good = "[audio]\r\nbackend = null\r\nframe_ms = 10\r\n";
    write_file(path, good, strlen(good));
    sotto_config cfg;
    ck_assert_msg(sotto_config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(cfg.audio.backend, SOTTO_AUDIO_NULL);
    ck_assert_int_eq(cfg.audio.frame_ms, 10);
    const char *bad = "[audio]\nframe_ms = 11\n";
    write_file(path, bad, strlen(bad));
    ck_assert_int_eq(sotto_config_load(path, &cfg, err, sizeof err), -EINVAL);
    char want[700];
    snprintf(want, sizeof want, "%s:2: [audio] frame_ms: bad value \"11\"", path);
    assert_contains(err, want);
    ck_assert_int_eq(cfg.audio.frame_ms, 10);
    write_file(path, "", 0);
    ck_assert_msg(sotto_config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(cfg.audio.frame_ms, 20);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(temp_dir), 0);
}
END_TEST

START_TEST(out_is_untouched_on_failure)
{
    static const char *const bad[] = {
        "[audio]\nframe_ms = 40\nbackend = bogus\n", "[audio]\nframe_ms = 40\n[x]\n",
        "[audio]\nframe_ms = 40\nbackend = wav\n", "[audio]\nframe_ms = 40\nbroken\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sotto_config cfg;
        memset(&cfg, 0xa5, sizeof cfg);
        sotto_config before = cfg;
        char err[SOTTO_CONFIG_ERROR_MAX];
        ck_assert_int_eq(parse_text(bad[i], &cfg, err), -EINVAL);
        ck_assert_msg(memcmp(&cfg, &before, sizeof cfg) == 0, "case %zu changed *out", i);
    }
}
END_TEST

START_TEST(wav_backend_needs_a_file)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[audio]\nframe_ms = 40\nbackend = wav\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:3: [audio] backend: \"wav\" needs input_file or output_file "
                          "to be set");
    ck_assert_int_eq(parse_text("[audio]\nbackend = wav\ninput_file = \"\"\n", &cfg, err), -EINVAL);
    ck_assert_int_eq(parse_text("[audio]\nbackend = wav\ninput_file = a.wav\n", &cfg, err), 0);
    ck_assert_str_eq(cfg.audio.input_file, "a.wav");
    ck_assert_int_eq(parse_text("[audio]\noutput_file = b.wav\nbackend = wav\n", &cfg, err), 0);
    ck_assert_str_eq(cfg.audio.output_file, "b.wav");
    /* Files without the wav backend are allowed (ignored by the daemon). */
    ck_assert_int_eq(parse_text("[audio]\ninput_file = a.wav\n", &cfg, err), 0);
}
END_TEST

START_TEST(max_line_must_fit_in_max_queue)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(parse_text("[control]\nmax_queue = 8192\n", &cfg, err), -EINVAL);
    ck_assert_str_eq(err, "test.conf:2: [control] max_queue: 8192 is smaller than max_line "
                          "(65536); a whole request line must fit in the queue");
    ck_assert_int_eq(parse_text("[control]\nmax_queue = 8192\nmax_line = 9000\n", &cfg, err),
                     -EINVAL);
    assert_contains(err, "test.conf:3: [control] max_line: 9000 is larger than max_queue (8192)");
    ck_assert_int_eq(parse_text("[control]\nmax_queue = 8192\nmax_line = 8192\n", &cfg, err), 0);
    ck_assert_int_eq(cfg.control.max_line, 8192);
}
END_TEST

START_TEST(duplicate_key_last_wins_and_sections_merge)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    const char *text = "[audio]\nframe_ms = 10\n[log]\nlevel = error\n[audio]\nframe_ms = 40\n";
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_int_eq(cfg.audio.frame_ms, 40);
    ck_assert_int_eq(cfg.log.level, SOTTO_LOG_ERROR);
}
END_TEST

START_TEST(indentation_quotes_and_comments)
{
    /* Indented keys stay keys (inih alone would glue them to the line above). */
    const char *text = "\xEF\xBB\xBF[audio]\r\n"
                       "  backend = wav ; a comment\r\n"
                       "\tinput_file = \"  spaced name.wav  \"\r\n"
                       "    capture_device = a;b\n"
                       "  playback_device = \"\"quoted\"\"\n"
                       "loopback : on\n"
                       "; frame_ms = 10\n"
                       "# frame_ms = 10\n";
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_msg(parse_text(text, &cfg, err) == 0, "%s", err);
    ck_assert_int_eq(cfg.audio.backend, SOTTO_AUDIO_WAV);
    ck_assert_str_eq(cfg.audio.input_file, "  spaced name.wav  ");
    ck_assert_str_eq(cfg.audio.capture_device, "a;b");
    ck_assert_str_eq(cfg.audio.playback_device, "\"quoted\"");
    ck_assert_int_eq(cfg.audio.loopback, 1);
    ck_assert_int_eq(cfg.audio.frame_ms, 20);
}
END_TEST

START_TEST(bad_arguments_are_einval)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];
    ck_assert_int_eq(sotto_config_parse(NULL, 0, "x", &cfg, err, sizeof err), -EINVAL);
    ck_assert_str_eq(err, "invalid argument");
    ck_assert_int_eq(sotto_config_parse("", 0, NULL, &cfg, err, sizeof err), -EINVAL);
    ck_assert_int_eq(sotto_config_parse("", 0, "x", NULL, err, sizeof err), -EINVAL);
    ck_assert_int_eq(sotto_config_parse("", 0, "x", &cfg, NULL, 10), -EINVAL);
    ck_assert_int_eq(sotto_config_load(NULL, &cfg, err, sizeof err), -EINVAL);
    ck_assert_int_eq(sotto_config_load("x", NULL, err, sizeof err), -EINVAL);
    /* No message buffer at all is allowed. */
    ck_assert_int_eq(sotto_config_parse("[audio]\nframe_ms = 1\n", 21, "x", &cfg, NULL, 0), -EINVAL);
    ck_assert_int_eq(sotto_config_parse("[audio]\nframe_ms = 10\n", 22, "x", &cfg, NULL, 0), 0);
    ck_assert_int_eq(cfg.audio.frame_ms, 10);
    /* A short buffer gets a truncated, terminated message. */
    char tiny[8];
    memset(tiny, 'z', sizeof tiny);
    ck_assert_int_eq(sotto_config_parse("[audio]\nframe_ms = 1\n", 21, "x.conf", &cfg, tiny,
                                        sizeof tiny), -EINVAL);
    ck_assert_str_eq(tiny, "x.conf:");
    sotto_config_default(NULL); /* must not crash */
}
END_TEST

START_TEST(enum_names_match_values)
{
    ck_assert_str_eq(sotto_config_backend_name(SOTTO_AUDIO_AUTO), "auto");
    ck_assert_str_eq(sotto_config_backend_name(SOTTO_AUDIO_PORTAUDIO), "portaudio");
    ck_assert_str_eq(sotto_config_backend_name(SOTTO_AUDIO_WAV), "wav");
    ck_assert_str_eq(sotto_config_backend_name(SOTTO_AUDIO_NULL), "null");
    ck_assert_ptr_null(sotto_config_backend_name((sotto_audio_backend_kind)4));
    ck_assert_str_eq(sotto_config_log_level_name(SOTTO_LOG_ERROR), "error");
    ck_assert_str_eq(sotto_config_log_level_name(SOTTO_LOG_WARNING), "warning");
    ck_assert_str_eq(sotto_config_log_level_name(SOTTO_LOG_INFO), "info");
    ck_assert_str_eq(sotto_config_log_level_name(SOTTO_LOG_DEBUG), "debug");
    ck_assert_ptr_null(sotto_config_log_level_name((sotto_log_level)-1));
}
END_TEST

/* "#key = value" lines of the example, uncommented. */
static char *uncomment_settings(const char *text)
{
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    ck_assert_ptr_nonnull(out);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        bool line_start = i == 0 || text[i - 1] == '\n';
        if (line_start && text[i] == '#' && text[i + 1] >= 'a' && text[i + 1] <= 'z')
            continue;
        out[o++] = text[i];
    }
    out[o] = '\0';
    return out;
}

START_TEST(example_file_parses_and_matches_format)
{
    char path[1024], err[SOTTO_CONFIG_ERROR_MAX];
    source_path("config/sotto.conf.example", path, sizeof path);
    size_t len;
    char *example = read_whole(path, &len);
    sotto_config cfg, defaults;
    sotto_config_default(&defaults);
    ck_assert_msg(sotto_config_load(path, &cfg, err, sizeof err) == 0, "%s", err);
    ck_assert(sotto_config_equal(&cfg, &defaults));

    /* With every setting uncommented it still parses, to the defaults. */
    char *uncommented = uncomment_settings(example);
    ck_assert_msg(sotto_config_parse(uncommented, strlen(uncommented), "uncommented", &cfg, err,
                                     sizeof err) == 0, "%s", err);
    ck_assert(sotto_config_equal(&cfg, &defaults));

    /* Below its own header, the example is sotto_config_format(defaults)
     * with each setting commented out: keys, help, accepted values and
     * defaults cannot drift from the table. */
    char formatted[CONFIG_TEXT_MAX];
    sotto_config_format(&defaults, formatted, sizeof formatted);
    char *body = strstr(formatted, "\n\n");
    ck_assert_ptr_nonnull(body);
    char expected[CONFIG_TEXT_MAX];
    size_t o = 0;
    for (const char *p = body + 2; *p != '\0'; p++) {
        bool line_start = p[-1] == '\n';
        if (line_start && *p != '#' && *p != '[' && *p != '\n')
            expected[o++] = '#';
        expected[o++] = *p;
        ck_assert_uint_lt(o, sizeof expected - 1);
    }
    expected[o] = '\0';
    char *example_body = strstr(example, "\n\n");
    ck_assert_ptr_nonnull(example_body);
    ck_assert_msg(strcmp(example_body + 2, expected) == 0,
                  "config/sotto.conf.example is out of date; below its header it must read:\n%s",
                  expected);
    free(uncommented);
    free(example);
}
END_TEST

START_TEST(man_page_names_every_key_and_section)
{
    char path[1024], want[256];
    source_path("man/sotto.conf.5", path, sizeof path);
    char *page = read_whole(path, NULL);
    for (size_t i = 0; i < sotto_config_section_count; i++) {
        snprintf(want, sizeof want, "\n.SS [%s]\n", sotto_config_sections[i].name);
        assert_contains(page, want);
    }
    for (size_t i = 0; i < sotto_config_key_count; i++) {
        const sotto_config_key *key = &sotto_config_keys[i];
        char accepted[200], fallback[64];
        sotto_config_key_accepted(key, accepted, sizeof accepted);
        sotto_config_key_format(key, &sotto_config_defaults, fallback, sizeof fallback);
        snprintf(want, sizeof want, "\n.TP\n.B %s\n", key->name);
        assert_contains(page, want);
        /* Accepted values and the default appear in the key's entry. */
        const char *entry = strstr(page, want);
        const char *next = strstr(entry + 1, "\n.TP\n");
        size_t entry_len = next != NULL ? (size_t)(next - entry) : strlen(entry);
        char *copy = strndup(entry, entry_len);
        ck_assert_ptr_nonnull(copy);
        snprintf(want, sizeof want, "Accepted: %s.", accepted);
        assert_contains(copy, want);
        snprintf(want, sizeof want, "Default: %s.", fallback);
        assert_contains(copy, want);
        free(copy);
    }
    free(page);
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, defaults_have_documented_values);
    tcase_add_test(tc, empty_and_comment_only_text_give_defaults);
    tcase_add_test(tc, every_key_is_parsed);
    tcase_add_test(tc, boolean_spellings_are_accepted);
    tcase_add_test(tc, range_limits_are_inclusive);
    tcase_add_loop_test(tc, bad_value_is_rejected_with_file_line_and_key, 0,
                        (int)(sizeof bad_values / sizeof bad_values[0]));
    tcase_add_test(tc, too_long_string_names_the_max_length);
    tcase_add_test(tc, longest_file_name_still_formats_to_a_parseable_line);
    tcase_add_test(tc, unknown_key_lists_known_keys);
    tcase_add_test(tc, unknown_section_is_rejected_even_when_empty);
    tcase_add_test(tc, key_outside_section_is_rejected);
    tcase_add_test(tc, syntax_errors_name_the_line);
    tcase_add_test(tc, long_line_is_rejected_not_split);
    tcase_add_test(tc, nul_byte_is_rejected);
    tcase_add_test(tc, truncated_text_parses_only_what_is_given);
    tcase_add_test(tc, oversized_text_is_rejected_before_parsing);
    tcase_add_test(tc, missing_file_is_enoent);
    tcase_add_test(tc, load_reads_file_and_names_it_in_errors);
    tcase_add_test(tc, out_is_untouched_on_failure);
    tcase_add_test(tc, wav_backend_needs_a_file);
    tcase_add_test(tc, max_line_must_fit_in_max_queue);
    tcase_add_test(tc, duplicate_key_last_wins_and_sections_merge);
    tcase_add_test(tc, indentation_quotes_and_comments);
    tcase_add_test(tc, bad_arguments_are_einval);
    tcase_add_test(tc, enum_names_match_values);
    tcase_add_test(tc, example_file_parses_and_matches_format);
    tcase_add_test(tc, man_page_names_every_key_and_section);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, config_format_tcase());
    suite_add_tcase(s, config_webrtc_tcase());
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(config_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
