/* Private to net/: a GLib main context driven by the daemon's libuv loop.
 *
 * libnice runs its sockets and timers on a GMainContext. Instead of a second
 * thread, the context is polled from the one loop thread: a uv_prepare runs
 * g_main_context_prepare/query, one uv_poll per distinct file descriptor and
 * one uv_timer stand in for GLib's poll, and a uv_check runs
 * g_main_context_check/dispatch. net/DESIGN-ice-loop.md explains the choice
 * and gives measurements. Everything here runs on the loop thread. */
#ifndef SOTTO_NET_GLIB_UV_H
#define SOTTO_NET_GLIB_UV_H

#include <stdint.h>
#include <uv.h>

/* GLib's own tag, so users of this header need not include glib.h. */
typedef struct _GMainContext GMainContext;

typedef struct sotto_glib_uv sotto_glib_uv;

typedef struct sotto_glib_uv_stats {
    uint64_t iterations;    /* prepare/check cycles run; starts 0 */
    uint64_t dispatches;    /* cycles in which some GLib source was dispatched */
    uint64_t fd_count;      /* file descriptors watched after the last prepare */
} sotto_glib_uv_stats;

/* Creates a new GMainContext, acquires it for the calling (loop) thread and
 * starts driving it from loop (kept, not owned; must outlive the object and
 * be run by the same thread). Returns 0 and sets *out_glue (release with
 * sotto_glib_uv_destroy), -EINVAL for NULL arguments, -ENOMEM, or the
 * negative libuv error when a handle cannot be started. */
int sotto_glib_uv_create(sotto_glib_uv **out_glue, uv_loop_t *loop);

/* The driven context; owned by glue, valid until sotto_glib_uv_destroy.
 * NULL for NULL. */
GMainContext *sotto_glib_uv_context(const sotto_glib_uv *glue);

/* Copies the counters into *out. Returns 0 or -EINVAL. */
int sotto_glib_uv_get_stats(const sotto_glib_uv *glue, sotto_glib_uv_stats *out);

/* Stops driving the context, releases and unrefs it, and closes the libuv
 * handles; their memory is freed by the loop's close callbacks, so run the
 * loop afterwards before uv_loop_close. Sources still attached to the
 * context are never dispatched again. Called from inside a GLib dispatch,
 * the teardown waits until that dispatch returns. Accepts NULL and
 * *glue == NULL; sets *glue to NULL. */
void sotto_glib_uv_destroy(sotto_glib_uv **glue);

#endif
