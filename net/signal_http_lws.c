/* A libwebsockets context living on the daemon's libuv loop.
 *
 * With a foreign loop, libwebsockets 4.1 tears a context down in two
 * calls: the first lws_context_destroy() closes every connection and then
 * lws' own idle and timer handles, asynchronously; a second call, once
 * those close callbacks have run, frees the context (and sets
 * info.pcontext to NULL). Calling it too early frees memory libuv still
 * points at; never calling it leaks the context. Newer releases finish by
 * themselves; the pcontext check below covers both.
 *
 * lws does not say when its handles are gone, so we note which idle and
 * timer handles appear on the loop while lws_create_context() runs (they
 * live inside the context and are the last to close) and wait until none
 * of them is left in uv_walk(). All of this runs from our own timer, never
 * from inside an lws callback.
 *
 * lws 4.1 also closes the descriptor of its event pipe twice: in the first
 * destroy, and again when the pipe's libuv handle has closed (later in the
 * same loop turn). A descriptor the loop opened in between would be closed
 * under its owner (seen: a new client socket, then libuv aborting on
 * EBADF), so we fill that number with a placeholder right after the first
 * destroy and the second close hits the placeholder. Another thread that
 * opens a descriptor in the few microseconds before we do can still lose
 * it: hence one long-lived context per daemon (net/signal_http.h). */
#include "net/err.h"
#include "net/signal_http_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(LWS_WITH_LIBUV)
#error "libwebsockets must be built with libuv support (LWS_WITH_LIBUV)"
#endif

#define MAX_LWS_HANDLES 8        /* lws 4.1 adds one idle and one timer per thread */
#define REAPER_PERIOD_MS 1       /* teardown polling; runs for a few loop turns only */
#define UNKNOWN_LAYOUT_GRACE_MS 200 /* wait when no lws handle was recognised */

enum holder_stage {
    STAGE_LIVE = 0,     /* serving */
    STAGE_RELEASED,     /* owner gone; first destroy not yet made */
    STAGE_CLOSING,      /* first destroy made; lws handles closing */
    STAGE_FINISHED,     /* second destroy made; waiting for pcontext to clear */
};

struct sotto_lws_holder {
    struct lws_context *ctx;        /* cleared by lws when it frees the context */
    uv_timer_t reaper;              /* drives the teardown; data = this holder */
    uv_handle_t *lws_handles[MAX_LWS_HANDLES]; /* lws' idle/timer handles, closed last */
    size_t lws_handle_count;        /* entries in lws_handles */
    void *owner;                    /* the signalling object; NULL once released */
    enum holder_stage stage;        /* see above */
    uint64_t closing_since;         /* uv_now() at the first destroy, ms */
    int pipe_fd;                    /* lws' event pipe descriptor; -1 = unknown */
    int placeholder_fd;             /* holds pipe_fd's number after the first destroy; -1 */
    dev_t placeholder_dev;          /* identity of the placeholder (a pipe of ours) */
    ino_t placeholder_ino;
};

typedef struct handle_set {
    uv_handle_t **items;    /* growable array */
    size_t count;           /* entries used */
    size_t cap;             /* entries allocated */
    int oom;                /* an append failed */
} handle_set;

static void collect_handle(uv_handle_t *h, void *arg)
{
    handle_set *set = arg;

    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        uv_handle_t **items = realloc(set->items, cap * sizeof(*items));
        if (!items) {
            set->oom = 1;
            return;
        }
        set->items = items;
        set->cap = cap;
    }
    set->items[set->count++] = h;
}

static int set_contains(const handle_set *set, const uv_handle_t *h)
{
    for (size_t i = 0; i < set->count; i++) {
        if (set->items[i] == h)
            return 1;
    }
    return 0;
}

/* Records the idle and timer handles lws added between the two walks, and
 * the descriptor of its event pipe (the only poll handle at this point). */
static void note_lws_handles(sotto_lws_holder *h, uv_loop_t *loop, const handle_set *before)
{
    handle_set after = {0};
    uv_os_fd_t fd;

    uv_walk(loop, collect_handle, &after);
    for (size_t i = 0; i < after.count; i++) {
        uv_handle_t *u = after.items[i];
        if (u == (uv_handle_t *)&h->reaper || set_contains(before, u))
            continue;
        if ((u->type == UV_IDLE || u->type == UV_TIMER) && h->lws_handle_count < MAX_LWS_HANDLES)
            h->lws_handles[h->lws_handle_count++] = u;
        if (u->type == UV_POLL && h->pipe_fd < 0 && uv_fileno(u, &fd) == 0)
            h->pipe_fd = fd;
    }
    free(after.items);
}

/* The first destroy, then the pipe's descriptor number is taken if lws
 * freed it. The placeholder pipe is made first so that it cannot land on
 * that number itself; F_DUPFD gives the lowest free number from pipe_fd
 * up, so a number someone else holds is never touched. */
static void first_destroy(sotto_lws_holder *h)
{
    struct stat st;
    int p[2] = {-1, -1}, fd;

    if (h->pipe_fd >= 0 && pipe2(p, O_CLOEXEC) != 0)
        p[0] = p[1] = -1;
    lws_context_destroy(h->ctx);
    if (p[0] < 0)
        return;
    fd = fcntl(p[0], F_DUPFD_CLOEXEC, h->pipe_fd);
    if (fd >= 0 && (fd != h->pipe_fd || fstat(fd, &st) != 0)) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0) {
        h->placeholder_fd = fd;
        h->placeholder_dev = st.st_dev;
        h->placeholder_ino = st.st_ino;
    }
    close(p[0]);
    close(p[1]);
}

/* After teardown: closes the placeholder if lws did not (a release that
 * closes once); leaves the number alone when it now names something else. */
static void drop_placeholder(sotto_lws_holder *h)
{
    struct stat st;

    if (h->placeholder_fd >= 0 && fstat(h->placeholder_fd, &st) == 0
        && st.st_dev == h->placeholder_dev && st.st_ino == h->placeholder_ino)
        close(h->placeholder_fd);
    h->placeholder_fd = -1;
}

typedef struct handle_probe {
    const sotto_lws_holder *holder; /* whose lws handles to look for */
    int found;                      /* one of them is still on the loop */
} handle_probe;

static void probe_handle(uv_handle_t *u, void *arg)
{
    handle_probe *probe = arg;

    for (size_t i = 0; i < probe->holder->lws_handle_count; i++) {
        if (probe->holder->lws_handles[i] == u)
            probe->found = 1;
    }
}

/* uv_walk lists closing handles too, until their close callback has run. */
static int lws_handles_left(const sotto_lws_holder *h)
{
    handle_probe probe = {h, 0};

    uv_walk(h->reaper.loop, probe_handle, &probe);
    return probe.found;
}

static void holder_free(uv_handle_t *handle)
{
    free(handle->data);
}

static void reaper_tick(uv_timer_t *t)
{
    sotto_lws_holder *h = t->data;
    uint64_t grace = h->lws_handle_count ? 0 : UNKNOWN_LAYOUT_GRACE_MS;

    if (h->stage == STAGE_RELEASED && h->ctx) {
        h->stage = STAGE_CLOSING;
        h->closing_since = uv_now(t->loop);
        first_destroy(h);
        return;
    }
    if (h->stage == STAGE_CLOSING && h->ctx) {
        if (lws_handles_left(h) || uv_now(t->loop) - h->closing_since < grace)
            return;
        h->stage = STAGE_FINISHED;
        lws_context_destroy(h->ctx);
    }
    if (h->ctx)
        return;
    drop_placeholder(h);
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, holder_free);
}

int sotto_lws_holder_create(sotto_lws_holder **out_holder, uv_loop_t *loop, void *owner,
                            char *err, size_t errlen)
{
    struct lws_context_creation_info info;
    handle_set before = {0};
    void *foreign_loops[1];
    sotto_lws_holder *h;

    if (!out_holder || !loop) {
        sotto__net_errf(err, errlen, "NULL argument");
        return -EINVAL;
    }
    h = calloc(1, sizeof(*h));
    if (!h) {
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    h->owner = owner;
    h->pipe_fd = -1;
    h->placeholder_fd = -1;
    uv_timer_init(loop, &h->reaper);
    h->reaper.data = h;
    uv_walk(loop, collect_handle, &before);
    if (before.oom) {
        free(before.items);
        uv_close((uv_handle_t *)&h->reaper, holder_free);
        sotto__net_errf(err, errlen, "out of memory");
        return -ENOMEM;
    }

    memset(&info, 0, sizeof(info));
    foreign_loops[0] = loop;
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.foreign_loops = foreign_loops;
    info.pcontext = &h->ctx;
    info.user = h;
    info.max_http_header_data = SOTTO_SIGNAL_HTTP_MAX_HEADERS;
    info.timeout_secs = SOTTO_HTTP_LWS_TIMEOUT_S;
    h->ctx = lws_create_context(&info);
    if (!h->ctx) {
        free(before.items);
        uv_close((uv_handle_t *)&h->reaper, holder_free);
        sotto__net_errf(err, errlen, "libwebsockets could not start on the libuv loop "
                             "(is its libuv event library installed?)");
        return -EIO;
    }
    note_lws_handles(h, loop, &before);
    free(before.items);
    *out_holder = h;
    return 0;
}

struct lws_context *sotto_lws_holder_context(const sotto_lws_holder *holder)
{
    return holder ? holder->ctx : NULL;
}

void *sotto_lws_owner(struct lws *wsi)
{
    sotto_lws_holder *h = wsi ? lws_context_user(lws_get_context(wsi)) : NULL;

    return h ? h->owner : NULL;
}

void sotto_lws_holder_release(sotto_lws_holder *holder)
{
    if (!holder || holder->stage != STAGE_LIVE)
        return;
    holder->owner = NULL;
    holder->stage = STAGE_RELEASED;
    uv_timer_start(&holder->reaper, reaper_tick, 0, REAPER_PERIOD_MS);
}

void sotto_signal_http_library_log(int errors_only)
{
    lws_set_log_level(errors_only ? LLL_ERR : 0, NULL);
}
