#include "daemon/sottod.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "daemon/control_socket.h"
#include "daemon/dirs.h"
#include "daemon/log.h"
#include "net/signal_http.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void notify(const char *state)
{
#if HAVE_LIBSYSTEMD
    sd_notify(0, state);
#else
    (void)state;
#endif
}

/* Socket activation hands us an already listening socket; its path, not
 * the configured one, is what status and the log then report. */
static int activated_fd(sottod *d)
{
#if HAVE_LIBSYSTEMD
    struct sockaddr_un addr;
    socklen_t len = sizeof(addr);

    if (sd_listen_fds(1) != 1)
        return -1;
    memset(&addr, 0, sizeof(addr));
    if (getsockname(SD_LISTEN_FDS_START, (struct sockaddr *)&addr, &len) == 0 &&
        addr.sun_family == AF_UNIX && addr.sun_path[0] != '\0')
        snprintf(d->socket_path, sizeof(d->socket_path), "%.*s",
                 (int)sizeof(addr.sun_path), addr.sun_path);
    return SD_LISTEN_FDS_START;
#else
    (void)d;
    return -1;
#endif
}

static sotto_audio_kind audio_kind(sotto_audio_backend_kind kind)
{
    switch (kind) {
    case SOTTO_AUDIO_PORTAUDIO: return SOTTO_AUDIO_KIND_PORTAUDIO;
    case SOTTO_AUDIO_WAV: return SOTTO_AUDIO_KIND_WAV;
    case SOTTO_AUDIO_NULL: return SOTTO_AUDIO_KIND_NULL;
    case SOTTO_AUDIO_AUTO: break;
    }
    return SOTTO_AUDIO_KIND_AUTO;
}

static void on_capture(void *opaque, const int16_t *pcm, size_t samples)
{
    sottod *d = opaque;
    uint64_t now = uv_now(d->loop);
    size_t i;

    for (i = 0; i < samples; i++) {
        double v = fabs((double)pcm[i]) / 32768.0;
        if (v > d->level_peak)
            d->level_peak = v;
    }
    if (now - d->level_window_start >= 1000) {
        d->level_report = d->level_peak;
        d->level_peak = 0;
        d->level_window_start = now;
    }
    if (!d->audio)
        return;
    if (d->voice && samples <= sizeof(d->capture_buf) / sizeof(d->capture_buf[0])) {
        memcpy(d->capture_buf, pcm, samples * sizeof(int16_t));
        if (sotto_voice_near(d->voice, d->capture_buf, samples, NULL) == 0)
            pcm = d->capture_buf;
    }
    /* A call owns the audio; without one, loopback is a mic/speaker test.
     * The chain is told exactly what is played, silence included, so that
     * its echo reference keeps time with the capture. */
    if (sottod_calls_audio(d->calls, pcm, samples, d->play_buf)) {
        sotto_audio_play(d->audio, d->play_buf, samples);
    } else if (d->cfg.audio.loopback) {
        memcpy(d->play_buf, pcm, samples * sizeof(int16_t));
        sotto_audio_play(d->audio, d->play_buf, samples);
    } else {
        memset(d->play_buf, 0, samples * sizeof(int16_t));
    }
    if (d->voice)
        sotto_voice_far(d->voice, d->play_buf, samples);
}

/* [audio] processing into the chain's settings; returns 0 with *on 0 when
 * the chain is off. auto: on with a sound device, off with files and the
 * null device (their audio is clean and tests compare it bit for bit). */
static void voice_config(const sottod *d, int *on, sotto_voice_config *out)
{
    const sotto_config *c = &d->cfg;
    sotto_audio_stats st;

    sotto_voice_config_default(out);
    sotto_audio_get_stats(d->audio, &st);
    switch (c->audio.processing) {
    case SOTTO_PROCESSING_WEBRTC:
        *on = 1;
        break;
    case SOTTO_PROCESSING_SPEEX:
        *on = 1;
        out->engine = SOTTO_VOICE_SPEEX;
        break;
    case SOTTO_PROCESSING_OFF:
        *on = 0;
        break;
    case SOTTO_PROCESSING_AUTO:
    default:
        *on = st.backend && strcmp(st.backend, "portaudio") == 0;
        break;
    }
    out->rate = SOTTOD_CODEC_RATE;
    out->echo_cancel = c->audio.echo_cancel;
    out->echo_suppression = c->audio.echo_suppression;
    out->delay_ms = c->audio.echo_delay_ms;
    out->noise_suppression = c->audio.noise_suppression;
    out->noise_level = c->audio.noise_level;
    out->gain_control = c->audio.gain_control;
    out->gain_target_dbfs = c->audio.gain_target_dbfs;
    out->gain_max_db = c->audio.gain_max_db;
    out->vad = c->audio.voice_activity;
}

static void open_voice(sottod *d)
{
    sotto_voice_config vc;
    int on = 0, rc;

    sottod_calls_set_voice(d->calls, NULL);
    sotto_voice_destroy(&d->voice);
    voice_config(d, &on, &vc);
    if (!on) {
        log_info("audio processing: off");
        return;
    }
    rc = sotto_voice_create(&d->voice, &vc);
    if (rc < 0) {
        log_error("audio processing: cannot start %s: %s", sotto_voice_engine_name(vc.engine),
                  strerror(-rc));
        return;
    }
    sottod_calls_set_voice(d->calls, d->voice);
    log_info("audio processing: %s (echo %s, noise %s, gain %s)",
             sotto_voice_engine_name(vc.engine), vc.echo_cancel ? "on" : "off",
             vc.noise_suppression ? "on" : "off", vc.gain_control ? "on" : "off");
}

static void on_input_end(void *opaque)
{
    sottod *d = opaque;

    log_info("audio input reached its end");
    sotto_control_emit(d->control, "audio-input-ended", NULL);
}

void sottod_log_audio_library(void *opaque, const char *line)
{
    (void)opaque;
    log_debug("audio library: %s", line);
}

void sottod_audio_params(const sottod *d, sotto_audio_params *out)
{
    const sotto_config *c = &d->cfg;

    sotto_audio_params_default(out);
    out->kind = audio_kind(c->audio.backend);
    out->rate = SOTTOD_CODEC_RATE;
    out->capture_device = c->audio.capture_device;
    out->playback_device = c->audio.playback_device;
    out->device_rate = c->audio.device_rate;
    out->frame_ms = c->audio.frame_ms;
    out->buffer_ms = c->audio.buffer_ms;
    out->input_file = c->audio.input_file[0] ? c->audio.input_file : NULL;
    out->output_file = c->audio.output_file[0] ? c->audio.output_file : NULL;
    out->echo_ms = c->audio.wav_echo_ms;
    out->echo_gain_db = c->audio.wav_echo_db;
    out->on_capture = on_capture;
    out->on_input_end = on_input_end;
    out->on_library_line = sottod_log_audio_library;
    out->opaque = (void *)d;
}

static int open_audio(sottod *d)
{
    sotto_audio_params params;
    sotto_audio_stats stats;
    char err[512] = "";
    int rc;

    sottod_audio_params(d, &params);
    rc = sotto_audio_create(&d->audio, d->loop, &params, err, sizeof(err));
    if (rc < 0) {
        log_error("audio: %s", err[0] ? err : strerror(-rc));
        return rc;
    }
    sotto_audio_get_stats(d->audio, &stats);
    log_info("audio: %s (%d Hz, %d ms frames)", sotto_audio_description(d->audio),
             stats.device_rate, params.frame_ms);
    open_voice(d);
    return 0;
}

static int load_config(const char *path, sotto_config *out)
{
    char err[SOTTO_CONFIG_ERROR_MAX];
    int rc;

    if (!path) {
        sotto_config_default(out);
        log_info("configuration: built-in defaults (no file)");
        return 0;
    }
    rc = sotto_config_load(path, out, err, sizeof(err));
    if (rc < 0)
        log_error("%s", err);
    else
        log_info("configuration: %s", path);
    return rc;
}

static void apply_log_level(const sottod *d)
{
    if (d->options.log_level >= 0)
        sotto_log_set_level((sotto_log_level)d->options.log_level);
    else
        sotto_log_set_level(d->cfg.log.level);
}

static void control_limits(const sotto_config *cfg, sotto_control_limits *out)
{
    out->max_clients = cfg->control.max_clients;
    out->max_line = (size_t)cfg->control.max_line;
    out->max_queue = (size_t)cfg->control.max_queue;
    out->idle_timeout_ms = (uint64_t)cfg->control.idle_timeout * 1000;
}

static int choose_socket_path(sottod *d)
{
    const char *chosen = d->options.socket_path;
    int n;

    if (!chosen && d->cfg.control.socket[0])
        chosen = d->cfg.control.socket;
    if (!chosen)
        return sotto_control_default_path(d->socket_path, sizeof(d->socket_path));
    n = snprintf(d->socket_path, sizeof(d->socket_path), "%s", chosen);
    return (n < 0 || (size_t)n >= sizeof(d->socket_path)) ? -ENAMETOOLONG : 0;
}

static int open_control(sottod *d)
{
    sotto_control_params params;
    char err[512] = "";
    int rc;

    memset(&params, 0, sizeof(params));
    params.path = d->socket_path;
    params.listen_fd = activated_fd(d);
    if (params.listen_fd < 0) {
        rc = sottod_make_parent_dirs(d->socket_path, err, sizeof(err));
        if (rc < 0) {
            log_error("control socket: %s", err);
            return rc;
        }
    }
    control_limits(&d->cfg, &params.limits);
    params.version = SOTTO_VERSION;
    params.protocol = SOTTO_CONTROL_PROTOCOL;
    params.handler = sottod_handle_command;
    params.opaque = d;
    rc = sotto_control_create(&d->control, d->loop, &params, err, sizeof(err));
    if (rc < 0)
        log_error("control socket: %s", err[0] ? err : strerror(-rc));
    return rc;
}

static int open_calls(sottod *d)
{
    sottod_calls_params p;
    char err[512] = "";
    int rc;

    /* libwebsockets logs to stderr itself; its errors repeat ours (a port in
     * use), so they show only at debug level. */
    sotto_signal_http_library_log(sotto_log_get_level() >= SOTTO_LOG_DEBUG);
    memset(&p, 0, sizeof(p));
    p.loop = d->loop;
    p.cfg = &d->cfg;
    p.rate = SOTTOD_CODEC_RATE;
    rc = sottod_calls_create(&d->calls, &p, err, sizeof(err));
    if (rc == 0)
        sottod_calls_set_voice(d->calls, d->voice);
    if (rc == -EADDRINUSE)
        log_error("HTTP signalling: %s; [network] signal_port = 0 picks a free port", err);
    else if (rc < 0)
        log_error("%s", err[0] ? err : strerror(-rc));
    return rc;
}

static void on_signal(uv_signal_t *handle, int signum)
{
    sottod *d = handle->data;
    char msg[SOTTO_CONFIG_ERROR_MAX];

    if (signum == SIGHUP) {
        sottod_reload(d, msg, sizeof(msg));
        return;
    }
    log_info("received %s, shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    sottod_shutdown(d, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void start_signal(sottod *d, uv_signal_t *sig, int signum)
{
    uv_signal_init(d->loop, sig);
    sig->data = d;
    uv_signal_start(sig, on_signal, signum);
}

int sottod_start(sottod *d, uv_loop_t *loop, const sottod_options *opts)
{
    int rc;

    memset(d, 0, sizeof(*d));
    d->loop = loop;
    d->options = *opts;
    d->start_ms = uv_now(loop);
    rc = load_config(opts->config_path, &d->cfg);
    if (rc < 0)
        return rc;
    apply_log_level(d);
    rc = choose_socket_path(d);
    if (rc < 0) {
        log_error("control socket path too long");
        return rc;
    }
    uv_timer_init(loop, &d->shutdown_timer);
    d->shutdown_timer.data = d;
    start_signal(d, &d->sig_term, SIGTERM);
    start_signal(d, &d->sig_int, SIGINT);
    start_signal(d, &d->sig_hup, SIGHUP);
    /* Every listening port is bound before the control socket exists, so a
     * port in use stops the start before any client can connect. */
    rc = open_calls(d);
    if (rc == 0)
        rc = open_control(d);
    if (rc == 0) {
        sottod_calls_set_control(d->calls, d->control);
        rc = open_audio(d);
    }
    if (rc < 0) {
        d->exit_code = 1;
        sottod_shutdown(d, "start-up failed");
        return rc;
    }
    log_info("sottod %s listening on %s", SOTTO_VERSION, d->socket_path);
    sotto_control_emit(d->control, "started",
                       json_pack("{s:s, s:s?}", "socket", d->socket_path, "config",
                                 opts->config_path));
    notify("READY=1");
    return 0;
}

static void on_old_audio_closed(void *opaque)
{
    sottod *d = opaque;

    d->audio_restarting = 0;
    if (!d->shutting_down)
        open_audio(d);
}

static int audio_settings_changed(const sotto_config *a, const sotto_config *b)
{
    return memcmp(&a->audio, &b->audio, sizeof(a->audio)) != 0;
}

int sottod_reload(sottod *d, char *msg, size_t msglen)
{
    sotto_config next;
    sotto_control_limits limits;
    char err[SOTTO_CONFIG_ERROR_MAX] = "";
    int rc;

    if (!d->options.config_path) {
        snprintf(msg, msglen, "no configuration file in use; nothing to reload");
        log_info("%s", msg);
        return 0;
    }
    notify("RELOADING=1");
    rc = sotto_config_load(d->options.config_path, &next, err, sizeof(err));
    if (rc < 0) {
        snprintf(msg, msglen, "%s", err);
        log_error("reload rejected, keeping the previous configuration: %s", err);
        sotto_control_emit(d->control, "config-rejected",
                           json_pack("{s:s, s:s}", "file", d->options.config_path, "message",
                                     err));
        notify("READY=1");
        return rc;
    }
    if (strcmp(next.control.socket, d->cfg.control.socket) != 0)
        log_warning("[control] socket changes take effect at the next start");
    if (audio_settings_changed(&d->cfg, &next) && d->audio && !d->audio_restarting) {
        d->audio_restarting = 1;
        sotto_audio_close(d->audio, on_old_audio_closed, d);
        d->audio = NULL;
    }
    d->cfg = next;
    apply_log_level(d);
    control_limits(&d->cfg, &limits);
    sotto_control_set_limits(d->control, &limits);
    snprintf(msg, msglen, "reloaded %s", d->options.config_path);
    log_info("%s", msg);
    sotto_control_emit(d->control, "config-reloaded",
                       json_pack("{s:s}", "file", d->options.config_path));
    notify("READY=1");
    return 0;
}

static void on_handle_closed(uv_handle_t *handle)
{
    (void)handle;
}

static void on_shutdown_timer(uv_timer_t *timer)
{
    sottod *d = timer->data;

    uv_close((uv_handle_t *)&d->sig_term, on_handle_closed);
    uv_close((uv_handle_t *)&d->sig_int, on_handle_closed);
    uv_close((uv_handle_t *)&d->sig_hup, on_handle_closed);
    uv_close((uv_handle_t *)&d->shutdown_timer, on_handle_closed);
    sottod_calls_close(d->calls, NULL, NULL);
    d->calls = NULL;
    sotto_control_close(d->control, NULL, NULL);
    d->control = NULL;
    sotto_audio_close(d->audio, NULL, NULL);
    d->audio = NULL;
    sotto_voice_destroy(&d->voice);
}

void sottod_shutdown(sottod *d, const char *reason)
{
    if (d->shutting_down)
        return;
    d->shutting_down = 1;
    notify("STOPPING=1");
    sotto_control_emit(d->control, "shutdown", json_pack("{s:s}", "reason", reason));
    /* One loop turn lets replies and the shutdown event reach clients. */
    uv_timer_start(&d->shutdown_timer, on_shutdown_timer, 0, 0);
}
