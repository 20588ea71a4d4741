/* GLib main context polled from libuv on the loop thread; see glib_uv.h. */
#include "net/glib_uv.h"

#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One uv_poll per distinct fd: libuv forbids two active poll handles on the
 * same descriptor, while GLib may list one fd several times. */
typedef struct glib_uv_watch {
    uv_poll_t poll;      /* data points back to the owner */
    int fd;
    dev_t dev;           /* the file the fd named when the watch began */
    ino_t ino;
    int uv_events;       /* UV_READABLE|... currently started; 0 = stopped */
    unsigned revents;    /* G_IO_* seen since the last check */
    int wanted;          /* UV_* events GLib asks for, set while syncing */
    int listed;          /* set while syncing: GLib still lists the fd */
} glib_uv_watch;

struct sotto_glib_uv {
    uv_loop_t *loop;            /* not owned */
    GMainContext *ctx;          /* owned, acquired by the loop thread */
    uv_prepare_t prepare;
    uv_check_t check;
    uv_timer_t timer;           /* stands in for GLib's poll timeout */
    GPollFD *fds;               /* last query result; fds_cap entries */
    glib_uv_watch **fd_watch;   /* fds[i] -> its watch; fds_cap entries */
    int fds_cap;
    int nfds;
    glib_uv_watch **watches;    /* distinct fds being polled */
    size_t nwatches;
    size_t watches_cap;
    gint max_priority;          /* from the last prepare */
    int prepared;               /* a prepare is waiting for its check */
    int dispatching;            /* inside g_main_context_dispatch */
    int destroy_pending;        /* destroy was called during a dispatch */
    int handles_open;           /* prepare, check, timer not yet closed: 0..3 */
    sotto_glib_uv_stats stats;
};

static unsigned uv_to_gio(int uv_events)
{
    unsigned g = 0;

    if (uv_events & UV_READABLE)
        g |= G_IO_IN;
    if (uv_events & UV_WRITABLE)
        g |= G_IO_OUT;
    if (uv_events & UV_PRIORITIZED)
        g |= G_IO_PRI;
    if (uv_events & UV_DISCONNECT)
        g |= G_IO_HUP;
    return g;
}

static int gio_to_uv(unsigned gio)
{
    int e = 0;

    if (gio & G_IO_IN)
        e |= UV_READABLE;
    if (gio & G_IO_OUT)
        e |= UV_WRITABLE;
    if (gio & G_IO_PRI)
        e |= UV_PRIORITIZED;
    return e;
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    glib_uv_watch *w = h->data;

    if (status < 0) {
        /* libuv has stopped the handle; GLib decides what the error means
         * and the next prepare restarts the poll if the fd is still listed. */
        w->revents |= G_IO_ERR;
        w->uv_events = 0;
        return;
    }
    w->revents |= uv_to_gio(events);
}

static void on_watch_closed(uv_handle_t *h)
{
    free(h->data);
}

static void watch_close(glib_uv_watch *w)
{
    uv_close((uv_handle_t *)&w->poll, on_watch_closed);
}

static glib_uv_watch *watch_find(const sotto_glib_uv *g, int fd)
{
    for (size_t i = 0; i < g->nwatches; i++)
        if (g->watches[i]->fd == fd)
            return g->watches[i];
    return NULL;
}

static void file_id(int fd, dev_t *dev, ino_t *ino)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof(st));
    *dev = st.st_dev;
    *ino = st.st_ino;
}

static glib_uv_watch *watch_add(sotto_glib_uv *g, int fd)
{
    glib_uv_watch *w;

    if (g->nwatches == g->watches_cap) {
        size_t cap = g->watches_cap ? g->watches_cap * 2 : 8;
        glib_uv_watch **grown = realloc(g->watches, cap * sizeof(*grown));
        if (!grown)
            return NULL;
        g->watches = grown;
        g->watches_cap = cap;
    }
    w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    if (uv_poll_init(g->loop, &w->poll, fd) != 0) {
        free(w);
        return NULL;
    }
    w->poll.data = w;
    w->fd = fd;
    file_id(fd, &w->dev, &w->ino);
    g->watches[g->nwatches++] = w;
    return w;
}

/* An fd that was closed and whose number went to a new socket between two
 * prepares (an ICE restart replaces its sockets so) looks listed as
 * before, but epoll dropped the closed file and libuv would never report
 * the new one: such a watch is started afresh. */
static int watch_is_stale(const glib_uv_watch *w)
{
    dev_t dev;
    ino_t ino;

    file_id(w->fd, &dev, &ino);
    return dev != w->dev || ino != w->ino;
}

/* Makes the set of started uv_polls match fds[0..nfds): one watch per fd
 * with the union of the events GLib asked for. */
static void watches_sync(sotto_glib_uv *g)
{
    for (size_t i = 0; i < g->nwatches; i++) {
        g->watches[i]->wanted = 0;
        g->watches[i]->listed = 0;
    }
    for (size_t i = 0; i < g->nwatches;) {
        glib_uv_watch *w = g->watches[i];
        if (watch_is_stale(w)) {
            watch_close(w);
            g->watches[i] = g->watches[--g->nwatches];
            continue;
        }
        i++;
    }
    for (int i = 0; i < g->nfds; i++) {
        glib_uv_watch *w = watch_find(g, g->fds[i].fd);
        if (!w)
            w = watch_add(g, g->fds[i].fd);
        g->fd_watch[i] = w;
        if (w) {
            w->wanted |= gio_to_uv(g->fds[i].events);
            w->listed = 1;
        }
        /* An fd we cannot watch is still checked: it just never wakes us. */
    }
    for (size_t i = 0; i < g->nwatches;) {
        glib_uv_watch *w = g->watches[i];
        if (!w->listed) {
            watch_close(w);
            g->watches[i] = g->watches[--g->nwatches];
            continue;
        }
        if (w->wanted != w->uv_events) {
            if (!w->wanted)
                uv_poll_stop(&w->poll);
            if (!w->wanted || uv_poll_start(&w->poll, w->wanted, on_poll) == 0)
                w->uv_events = w->wanted;
        }
        i++;
    }
}

/* Runs g_main_context_query until fds is large enough for every fd. */
static int query_fds(sotto_glib_uv *g, gint *out_timeout_ms)
{
    for (;;) {
        gint timeout_ms = -1;
        gint n = g_main_context_query(g->ctx, g->max_priority, &timeout_ms, g->fds, g->fds_cap);
        if (n <= g->fds_cap) {
            g->nfds = n;
            *out_timeout_ms = timeout_ms;
            return 0;
        }
        GPollFD *fds = realloc(g->fds, (size_t)n * sizeof(*fds));
        if (!fds)
            return -ENOMEM;
        g->fds = fds;
        glib_uv_watch **map = realloc(g->fd_watch, (size_t)n * sizeof(*map));
        if (!map)
            return -ENOMEM;
        g->fd_watch = map;
        g->fds_cap = n;
    }
}

static void on_timer(uv_timer_t *h)
{
    /* Nothing to do: the timer only bounds how long libuv polls, and the
     * check that follows the poll asks GLib what is due. */
    (void)h;
}

static void on_prepare(uv_prepare_t *h)
{
    sotto_glib_uv *g = h->data;
    gint timeout_ms = -1;

    if (g->prepared)
        return;
    g_main_context_prepare(g->ctx, &g->max_priority);
    if (query_fds(g, &timeout_ms) != 0) {
        /* Out of memory: poll nothing this turn and come back at once
         * rather than sleeping through GLib's timers. */
        g->nfds = 0;
        timeout_ms = 0;
    }
    watches_sync(g);
    g->stats.fd_count = g->nwatches;
    /* GLib measured its timeout from now; libuv's cached clock may lag
     * behind after slow callbacks, which would fire the timer early. */
    uv_update_time(g->loop);
    if (timeout_ms >= 0)
        uv_timer_start(&g->timer, on_timer, (uint64_t)timeout_ms, 0);
    else
        uv_timer_stop(&g->timer);
    g->prepared = 1;
}

static void teardown(sotto_glib_uv *g);

static void on_check(uv_check_t *h)
{
    sotto_glib_uv *g = h->data;

    if (!g->prepared)
        return;
    g->prepared = 0;
    g->stats.iterations++;
    for (int i = 0; i < g->nfds; i++) {
        glib_uv_watch *w = g->fd_watch[i];
        unsigned want = g->fds[i].events | G_IO_ERR | G_IO_HUP | G_IO_NVAL;
        g->fds[i].revents = w ? (gushort)(w->revents & want) : 0;
    }
    for (size_t i = 0; i < g->nwatches; i++)
        g->watches[i]->revents = 0;
    if (g_main_context_check(g->ctx, g->max_priority, g->fds, g->nfds)) {
        g->stats.dispatches++;
        g->dispatching = 1;
        g_main_context_dispatch(g->ctx);
        g->dispatching = 0;
        if (g->destroy_pending)
            teardown(g);
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    sotto_glib_uv *g = h->data;

    if (--g->handles_open == 0)
        free(g);
}

static void teardown(sotto_glib_uv *g)
{
    for (size_t i = 0; i < g->nwatches; i++)
        watch_close(g->watches[i]);
    free(g->watches);
    free(g->fds);
    free(g->fd_watch);
    g->watches = NULL;
    g->nwatches = 0;
    g->nfds = 0;
    g_main_context_release(g->ctx);
    g_main_context_unref(g->ctx);
    g->ctx = NULL;
    uv_close((uv_handle_t *)&g->prepare, on_handle_closed);
    uv_close((uv_handle_t *)&g->check, on_handle_closed);
    uv_close((uv_handle_t *)&g->timer, on_handle_closed);
}

int sotto_glib_uv_create(sotto_glib_uv **out_glue, uv_loop_t *loop)
{
    sotto_glib_uv *g;
    int rc;

    if (!out_glue || !loop)
        return -EINVAL;
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->loop = loop;
    g->ctx = g_main_context_new();
    if (!g_main_context_acquire(g->ctx)) {
        /* A fresh context is owned by nobody, so this cannot happen. */
        g_main_context_unref(g->ctx);
        free(g);
        return -EBUSY;
    }
    /* init cannot fail for prepare, check and timer on a live loop; start
     * can only fail for a NULL callback. */
    uv_prepare_init(loop, &g->prepare);
    uv_check_init(loop, &g->check);
    uv_timer_init(loop, &g->timer);
    g->prepare.data = g;
    g->check.data = g;
    g->timer.data = g;
    g->handles_open = 3;
    rc = uv_prepare_start(&g->prepare, on_prepare);
    if (rc == 0)
        rc = uv_check_start(&g->check, on_check);
    if (rc != 0)
        goto fail;
    *out_glue = g;
    return 0;
fail:
    teardown(g);
    return rc;
}

GMainContext *sotto_glib_uv_context(const sotto_glib_uv *glue)
{
    return glue ? glue->ctx : NULL;
}

int sotto_glib_uv_get_stats(const sotto_glib_uv *glue, sotto_glib_uv_stats *out)
{
    if (!glue || !out)
        return -EINVAL;
    *out = glue->stats;
    return 0;
}

void sotto_glib_uv_destroy(sotto_glib_uv **glue)
{
    sotto_glib_uv *g;

    if (!glue || !*glue)
        return;
    g = *glue;
    *glue = NULL;
    if (g->dispatching) {
        g->destroy_pending = 1;
        return;
    }
    teardown(g);
}
