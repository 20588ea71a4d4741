/* Control commands of protocol version 1 (sotto-control(7)). Each builds
 * its result from the daemon's state; none blocks the loop. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon/log.h"
#include "daemon/sottod.h"

#define MAX_DEVICES 128

typedef void (*command_fn)(sottod *d, json_t *args, sotto_control_reply *reply);

static void fail(sotto_control_reply *reply, const char *code, const char *message)
{
    reply->error_code = code;
    snprintf(reply->error_message, sizeof(reply->error_message), "%s", message);
}

static void cmd_version(sottod *d, json_t *args, sotto_control_reply *reply)
{
    (void)d;
    (void)args;
    reply->result = json_pack("{s:s, s:i}", "version", SOTTO_VERSION, "protocol",
                              SOTTO_CONTROL_PROTOCOL);
}

static json_t *audio_status(const sottod *d)
{
    sotto_audio_stats s;

    if (!d->audio)
        return json_pack("{s:s}", "backend", "none");
    sotto_audio_get_stats(d->audio, &s);
    return json_pack("{s:s, s:i, s:i, s:i, s:b, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:i}",
                     "backend",
                     s.backend, "device_rate", s.device_rate, "rate", SOTTOD_CODEC_RATE, "frame_ms",
                     d->cfg.audio.frame_ms, "loopback", d->cfg.audio.loopback,
                     "input_peak", d->level_report, "frames_captured",
                     (json_int_t)s.frames_captured, "frames_played",
                     (json_int_t)s.frames_played, "capture_overruns",
                     (json_int_t)s.capture_overruns, "playback_underruns",
                     (json_int_t)s.playback_underruns, "playback_overruns",
                     (json_int_t)s.playback_overruns, "device_xruns",
                     (json_int_t)s.device_xruns, "late_ticks", (json_int_t)s.late_ticks,
                     "max_late_ms", (int)s.max_late_ms);
}

/* What the process holds, from /proc/self, so that a leak of descriptors
 * or memory shows over a long run: open fds (those of the listing itself
 * not counted), how many are sockets, resident memory. -1 for what cannot
 * be read. */
static json_t *process_status(void)
{
    long long fds = -1, sockets = -1, rss_kib = -1;
    char link[64], text[128];
    struct dirent *e;
    DIR *dir = opendir("/proc/self/fd");
    int fd;

    if (dir) {
        fds = sockets = 0;
        while ((e = readdir(dir)) != NULL) {
            char path[PATH_MAX];
            ssize_t n;

            if (e->d_name[0] == '.' || strtoll(e->d_name, NULL, 10) == dirfd(dir))
                continue;
            fds++;
            snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
            n = readlink(path, link, sizeof(link) - 1);
            if (n > 0 && strncmp(link, "socket:", 7) == 0)
                sockets++;
        }
        closedir(dir);
    }
    fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, text, sizeof(text) - 1);
        char *end;

        close(fd);
        if (n > 0) {
            const char *second;

            text[n] = '\0';
            second = strchr(text, ' ');
            if (second) {
                unsigned long long pages = strtoull(second + 1, &end, 10);

                if (end != second + 1)
                    rss_kib = (long long)(pages * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024);
            }
        }
    }
    return json_pack("{s:I, s:I, s:I}", "fds", (json_int_t)fds, "sockets", (json_int_t)sockets,
                     "rss_kib", (json_int_t)rss_kib);
}

static void cmd_status(sottod *d, json_t *args, sotto_control_reply *reply)
{
    sotto_control_stats cs;

    (void)args;
    sotto_control_get_stats(d->control, &cs);
    reply->result = json_pack(
        "{s:s, s:i, s:I, s:f, s:s?, s:s, s:s, s:o, s:o, s:o, s:{s:i, s:i, s:I, s:I, s:I, s:I}}", "version",
        SOTTO_VERSION, "protocol", SOTTO_CONTROL_PROTOCOL, "pid", (json_int_t)getpid(),
        "uptime_s", (double)(uv_now(d->loop) - d->start_ms) / 1000.0, "config_file",
        d->options.config_path, "socket", d->socket_path, "log_level",
        sotto_config_log_level_name(sotto_log_get_level()), "audio", audio_status(d), "calls",
        sottod_calls_status(d->calls), "process", process_status(),
        "control", "clients", cs.clients, "max_clients", d->cfg.control.max_clients,
        "dropped_clients", (json_int_t)cs.dropped_clients, "refused_clients",
        (json_int_t)cs.refused_clients, "idle_clients", (json_int_t)cs.idle_clients,
        "bad_requests", (json_int_t)cs.bad_requests);
}

static void cmd_devices(sottod *d, json_t *args, sotto_control_reply *reply)
{
    sotto_audio_device *list;
    json_t *devices;
    size_t count = 0, i;
    int rc;

    (void)d;
    (void)args;
    list = calloc(MAX_DEVICES, sizeof(*list));
    if (!list) {
        fail(reply, "internal", "out of memory");
        return;
    }
    rc = sotto_audio_list_devices(list, MAX_DEVICES, &count, sottod_log_audio_library, NULL);
    if (rc < 0) {
        free(list);
        fail(reply, "failed", "cannot list audio devices: PortAudio did not initialise");
        return;
    }
    devices = json_array();
    for (i = 0; i < count && i < MAX_DEVICES; i++) {
        json_array_append_new(
            devices,
            json_pack("{s:i, s:s, s:s, s:i, s:i, s:f, s:b, s:b}", "index", list[i].index,
                      "name", list[i].name, "host_api", list[i].host_api,
                      "max_input_channels", list[i].max_input_channels,
                      "max_output_channels", list[i].max_output_channels, "default_rate",
                      list[i].default_rate, "default_input", list[i].is_default_input,
                      "default_output", list[i].is_default_output));
    }
    free(list);
    reply->result = json_pack("{s:o}", "devices", devices);
}

static void cmd_events(sottod *d, json_t *args, sotto_control_reply *reply)
{
    json_t *follow = args ? json_object_get(args, "follow") : NULL;

    if (follow && !json_is_boolean(follow)) {
        fail(reply, "bad-args", "\"follow\" must be true or false");
        return;
    }
    reply->result = json_pack("{s:o}", "events", sotto_control_history(d->control));
    reply->subscribe = follow && json_is_true(follow);
}

static void cmd_config_show(sottod *d, json_t *args, sotto_control_reply *reply)
{
    size_t need = sotto_config_format_redacted(&d->cfg, NULL, 0) + 1;
    char *text = malloc(need);

    (void)args;
    if (!text) {
        fail(reply, "internal", "out of memory");
        return;
    }
    sotto_config_format_redacted(&d->cfg, text, need);
    reply->result = json_pack("{s:s?, s:s}", "file", d->options.config_path, "text", text);
    free(text);
}

static void cmd_reload(sottod *d, json_t *args, sotto_control_reply *reply)
{
    char msg[SOTTO_CONFIG_ERROR_MAX];

    (void)args;
    if (sottod_reload(d, msg, sizeof(msg)) < 0) {
        fail(reply, "failed", msg);
        return;
    }
    reply->result = json_pack("{s:s?, s:s}", "file", d->options.config_path, "message", msg);
}

static void cmd_shutdown(sottod *d, json_t *args, sotto_control_reply *reply)
{
    (void)args;
    log_info("shutdown requested over the control socket");
    sottod_shutdown(d, "control request");
    reply->result = json_object();
}

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"config-show", cmd_config_show},
    {"devices", cmd_devices},
    {"events", cmd_events},
    {"reload", cmd_reload},
    {"shutdown", cmd_shutdown},
    {"status", cmd_status},
    {"version", cmd_version},
};

void sottod_handle_command(void *opaque, const char *cmd, json_t *args,
                           sotto_control_reply *reply)
{
    size_t i;
    char message[160];

    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, cmd) == 0) {
            commands[i].fn(opaque, args, reply);
            if (!reply->error_code && !reply->result)
                fail(reply, "internal", "out of memory");
            return;
        }
    }
    if (sottod_calls_command(((sottod *)opaque)->calls, cmd, args, reply)) {
        if (!reply->error_code && !reply->result && !reply->defer)
            fail(reply, "internal", "out of memory");
        return;
    }
    snprintf(message, sizeof(message), "unknown command \"%.64s\"", cmd);
    fail(reply, "unknown-command", message);
}
