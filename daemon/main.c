/* sottod: the Sotto voice-call daemon. Runs in the foreground (systemd
 * supervises it); see sottod(8). */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon/dirs.h"
#include "daemon/log.h"
#include "daemon/sottod.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: sottod [OPTIONS]\n"
            "Sotto voice-call daemon (runs in the foreground).\n\n"
            "  -c, --config FILE       read settings from FILE (default: the user's\n"
            "                          ~/.config/sotto/sotto.conf if it exists, else\n"
            "                          built-in defaults)\n"
            "      --no-config         use built-in defaults, read no file\n"
            "  -s, --socket PATH       control socket path (overrides [control] socket)\n"
            "  -l, --log-level LEVEL   error, warning, info or debug (overrides [log] level)\n"
            "      --check-config      parse the configuration, report, and exit\n"
            "  -h, --help              show this help and exit\n"
            "  -V, --version           show the version and exit\n");
}

static int parse_level(const char *name)
{
    int level;

    for (level = SOTTO_LOG_ERROR; level <= SOTTO_LOG_DEBUG; level++)
        if (strcmp(name, sotto_config_log_level_name((sotto_log_level)level)) == 0)
            return level;
    return -1;
}

static int check_config(const char *path)
{
    sotto_config cfg;
    char err[SOTTO_CONFIG_ERROR_MAX];

    if (!path) {
        printf("no configuration file given; built-in defaults are valid\n");
        return 0;
    }
    if (sotto_config_load(path, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "sottod: %s\n", err);
        return 1;
    }
    printf("%s: configuration is valid\n", path);
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_CHECK_CONFIG = 256, OPT_NO_CONFIG };
    static const struct option long_options[] = {
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
        {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"log-level", required_argument, NULL, 'l'},
        {"no-config", no_argument, NULL, OPT_NO_CONFIG},
        {"socket", required_argument, NULL, 's'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    sottod_options opts = {NULL, NULL, -1};
    struct sigaction ignore;
    uv_loop_t loop;
    sottod daemon;
    char user_config[PATH_MAX];
    int opt, only_check = 0, no_config = 0, rc;

    while ((opt = getopt_long(argc, argv, "c:hl:s:V", long_options, NULL)) != -1) {
        switch (opt) {
        case 'c': opts.config_path = optarg; break;
        case 's': opts.socket_path = optarg; break;
        case 'l':
            opts.log_level = parse_level(optarg);
            if (opts.log_level < 0) {
                fprintf(stderr, "sottod: bad --log-level \"%s\" "
                                "(accepted: error, warning, info, debug)\n", optarg);
                return 2;
            }
            break;
        case OPT_CHECK_CONFIG: only_check = 1; break;
        case OPT_NO_CONFIG: no_config = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("sottod %s (control protocol %d)\n", SOTTO_VERSION,
                         SOTTO_CONTROL_PROTOCOL); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sottod: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (no_config && opts.config_path) {
        fprintf(stderr, "sottod: --config and --no-config exclude each other\n");
        return 2;
    }
    /* As the XDG base directory spec has it: a user's own file when present. */
    if (!opts.config_path && !no_config &&
        sottod_user_config_path(user_config, sizeof(user_config)) == 0 &&
        access(user_config, F_OK) == 0)
        opts.config_path = user_config;
    if (only_check)
        return check_config(opts.config_path);

    /* A client that disconnects mid-write must not kill the daemon. */
    memset(&ignore, 0, sizeof(ignore));
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, NULL);

    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "sottod: cannot create the event loop\n");
        return 1;
    }
    rc = sottod_start(&daemon, &loop, &opts);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0)
        log_warning("event loop closed with handles still open");
    if (rc < 0)
        return 1;
    log_info("stopped");
    return daemon.exit_code;
}
