/* The caller's path watch: an outgoing HTTP call restarts ICE by itself
 * when the peer has gone quiet or the machine's addresses changed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/call_internal.h"
#include "daemon/call_watch.h"
#include "daemon/log.h"

#define WATCH_PERIOD_MS 1000 /* interface poll and silence check */
#define SILENCE_MS 3000      /* nothing from the peer this long: restart */
#define MIN_INTERVAL_MS 3000 /* at most one automatic restart in this time */
#define MAX_ATTEMPTS 5       /* restarts in a row that bring nothing back */

static int compare_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* FNV-1a over the sorted list of usable addresses (not loopback, not
 * IPv6 link-local: libnice gathers on neither). *out_count says how many. */
static uint64_t address_set_hash(int *out_count)
{
    uv_interface_address_t *ifs = NULL;
    char names[64][48];
    uint64_t h = 14695981039346656037ull;
    int n = 0, count = 0;

    if (uv_interface_addresses(&ifs, &count) != 0)
        count = 0;
    for (int i = 0; i < count && n < 64; i++) {
        const uv_interface_address_t *a = &ifs[i];
        if (a->is_internal)
            continue;
        if (a->address.address4.sin_family == AF_INET)
            uv_ip4_name(&a->address.address4, names[n], sizeof(names[n]));
        else if (a->address.address6.sin6_family == AF_INET6 &&
                 !(a->address.address6.sin6_addr.s6_addr[0] == 0xfe &&
                   (a->address.address6.sin6_addr.s6_addr[1] & 0xc0) == 0x80))
            uv_ip6_name(&a->address.address6, names[n], sizeof(names[n]));
        else
            continue;
        n++;
    }
    uv_free_interface_addresses(ifs, count);
    qsort(names, (size_t)n, sizeof(names[0]), compare_names);
    for (int i = 0; i < n; i++)
        for (const char *p = names[i];; p++) {
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
            if (!*p)
                break;
        }
    *out_count = n;
    return h;
}

static int can_restart(const sottod_call *call)
{
    return call->state == CALL_ACTIVE && !call->ice_restarting && call->gathering_done &&
           !call->http_request && !call->http_slot;
}

static void restart(sottod_call *call, const char *reason)
{
    uint64_t now = uv_now(call->mgr->loop);
    int rc;

    if (call->auto_restart_attempts >= MAX_ATTEMPTS) {
        char msg[160];
        snprintf(msg, sizeof(msg), "no path to the peer after %d ICE restarts (%s)", MAX_ATTEMPTS,
                 reason);
        sottod__call_end(call, msg);
        return;
    }
    call->auto_restart_attempts++;
    call->auto_restart_ms = now;
    call->ice_auto_restarts++;
    log_info("call %s: restarting ICE by itself (%s), attempt %d of %d", call->id, reason,
             call->auto_restart_attempts, MAX_ATTEMPTS);
    sotto_control_emit(call->mgr->control, "call-ice-restart",
                       json_pack("{s:s, s:s, s:i}", "id", call->id, "reason", reason, "attempt",
                                 call->auto_restart_attempts));
    call->auto_restarting = 1;
    rc = sottod__call_restart_ice(call);
    if (rc < 0) {
        char msg[160];
        snprintf(msg, sizeof(msg), "ICE restart failed: %s", strerror(-rc));
        sottod__call_end(call, msg);
    }
}

static void on_watch(uv_timer_t *t)
{
    sottod_call *call = t->data;
    uint64_t now = uv_now(call->mgr->loop);
    int count = 0;
    uint64_t h = address_set_hash(&count);
    int changed = h != call->address_hash;

    call->address_hash = h;
    /* Media since the last restart: the path works, the count starts over. */
    if (call->auto_restart_attempts && call->last_rx_ms > call->auto_restart_ms &&
        !call->ice_restarting)
        call->auto_restart_attempts = 0;
    if (!can_restart(call) || now - call->auto_restart_ms < MIN_INTERVAL_MS)
        return;
    if (count == 0) {
        /* No address to gather on: wait for one (the poll sees it come). */
        call->address_changed = call->address_changed || changed;
        return;
    }
    if (changed || call->address_changed) {
        call->address_changed = 0;
        restart(call, "local addresses changed");
    } else if (now - call->last_rx_ms >= SILENCE_MS) {
        restart(call, "nothing received from the peer for 3 s");
    }
}

void sottod__watch_start(sottod_call *call)
{
    int count;

    if (!call->outgoing || call->signalling != SIGNAL_HTTP ||
        uv_is_active((uv_handle_t *)&call->watch_timer))
        return;
    call->address_hash = address_set_hash(&count);
    uv_timer_start(&call->watch_timer, on_watch, WATCH_PERIOD_MS, WATCH_PERIOD_MS);
}

int sottod__watch_patch_failed(sottod_call *call, int answered)
{
    if (!call->auto_restarting || answered)
        return 0;
    /* The callee did not answer (a link that is down carries no PATCH
     * either): our side has restarted, so the next attempt restarts again
     * once MIN_INTERVAL_MS have passed since this one. */
    call->auto_restarting = 0;
    call->ice_restarting = 0;
    return 1;
}
