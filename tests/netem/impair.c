/* sotto-impair: delay, jitter, loss, duplication and reordering for the
 * packets an iptables NFQUEUE rule hands over, for kernels without netem.
 * Packets wait for their verdict in a bounded heap ordered by release time;
 * one thread, ppoll() with a timeout until the next release. */
#include "tests/netem/impair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECV_BUF_LEN (65536 + 4096)
#define NETLINK_RCVBUF (8 * 1024 * 1024)
#define STATS_PERIOD_NS 1000000000LL
#define DRAIN_BATCH 64

struct impair_app {
    struct impair_model model;   /* options and random state */
    struct impair_heap *heap;    /* packets waiting for their release */
    struct impair_stats *stats;  /* counters and delay histogram */
    struct nfq_handle *nfq;      /* netlink connection */
    struct nfq_q_handle *queue;  /* the bound queue */
    int raw_fd;                  /* raw IPv4 socket for duplicates; -1 without --dup */
    uint64_t order;              /* arrival counter for FIFO ties */
    uint8_t *buf;                /* RECV_BUF_LEN bytes for netlink messages */
};

/* The one piece of file-scope state: a sigaction handler can reach nothing
 * else. It is only read in the loop, with the signals blocked outside ppoll. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int signo)
{
    (void)signo;
    stop_requested = 1;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE *out)
{
    fputs("usage: sotto-impair --queue N [--delay-ms D] [--jitter-ms J] [--loss PCT]\n"
          "                    [--ge p,r,h,k] [--dup PCT] [--reorder PCT] [--seed S]\n"
          "                    [--limit PACKETS] [--stats FILE]\n"
          "Impairs the packets of NFQUEUE N like netem: normal jitter (clipped to\n"
          "3 sigma), random or Gilbert-Elliott loss (p good->bad, r bad->good, h and\n"
          "k delivery in the bad and good states, percent), duplicates, and a share\n"
          "sent at once (reorder). Keeps FIFO order otherwise. SIGTERM or SIGINT\n"
          "accepts every held packet, writes the statistics and exits 0.\n", out);
}

static void resend_copy(struct impair_app *app, const uint8_t *copy, size_t len)
{
    uint32_t daddr = 0;
    if (app->raw_fd < 0 || impair_ipv4_dest(copy, len, &daddr) != 0) {
        impair_stats_count(app->stats, IMPAIR_COUNT_ERRORS);
        return;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = daddr};
    if (sendto(app->raw_fd, copy, len, 0, (const struct sockaddr *)&to, sizeof to) < 0)
        impair_stats_count(app->stats, IMPAIR_COUNT_ERRORS);
    else
        impair_stats_count(app->stats, IMPAIR_COUNT_DUPLICATED);
}

static void verdict(struct impair_app *app, uint32_t id, uint32_t what)
{
    if (nfq_set_verdict(app->queue, id, what, 0, NULL) < 0)
        impair_stats_count(app->stats, IMPAIR_COUNT_ERRORS);
}

/* Accepts a packet now, records the delay it got and sends its duplicate. */
static void release(struct impair_app *app, uint32_t id, int64_t arrival_ns,
                    const uint8_t *copy, size_t copy_len)
{
    verdict(app, id, NF_ACCEPT);
    impair_stats_delay(app->stats, now_ns() - arrival_ns);
    if (copy)
        resend_copy(app, copy, copy_len);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg,
                     struct nfq_data *nfa, void *data)
{
    (void)qh;
    (void)msg;
    struct impair_app *app = data;
    struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
    if (!ph)
        return 0;
    uint32_t id = ntohl(ph->packet_id);
    int64_t now = now_ns();
    struct impair_decision d;
    impair_stats_count(app->stats, IMPAIR_COUNT_PACKETS);
    impair_decide(&app->model, now, &d);
    if (d.fate == IMPAIR_DROP) {
        verdict(app, id, NF_DROP);
        impair_stats_count(app->stats, IMPAIR_COUNT_DROPPED);
        return 0;
    }
    struct impair_held held = {.release_ns = d.release_ns, .arrival_ns = now,
                               .order = app->order++, .packet_id = id};
    if (d.duplicate) {
        unsigned char *payload = NULL;
        int len = nfq_get_payload(nfa, &payload);
        if (len > 0 && (held.copy = malloc((size_t)len)) != NULL) {
            memcpy(held.copy, payload, (size_t)len);
            held.copy_len = (size_t)len;
        } else {
            impair_stats_count(app->stats, IMPAIR_COUNT_ERRORS);
        }
    }
    if (d.fate == IMPAIR_HOLD && impair_heap_push(app->heap, &held) == 0) {
        impair_stats_held(app->stats, impair_heap_len(app->heap));
        return 0;
    }
    if (d.fate == IMPAIR_HOLD)
        impair_stats_count(app->stats, IMPAIR_COUNT_OVERFLOW);
    if (d.reordered)
        impair_stats_count(app->stats, IMPAIR_COUNT_REORDERED);
    release(app, id, now, held.copy, held.copy_len);
    free(held.copy);
    return 0;
}

/* Accepts every held packet due by `until` (all of them with INT64_MAX). */
static void release_due(struct impair_app *app, int64_t until)
{
    const struct impair_held *next;
    while ((next = impair_heap_peek(app->heap)) && next->release_ns <= until) {
        struct impair_held held;
        impair_heap_pop(app->heap, &held);
        release(app, held.packet_id, held.arrival_ns, held.copy, held.copy_len);
        free(held.copy);
    }
}

/* Reads what the kernel queued, a batch at a time so releases stay on time. */
static void drain(struct impair_app *app)
{
    int fd = nfq_fd(app->nfq);
    for (int i = 0; i < DRAIN_BATCH; i++) {
        ssize_t n = recv(fd, app->buf, RECV_BUF_LEN, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == ENOBUFS) { /* the kernel dropped messages: count, go on */
                impair_stats_count(app->stats, IMPAIR_COUNT_ERRORS);
                continue;
            }
            return;
        }
        nfq_handle_packet(app->nfq, (char *)app->buf, (int)n);
    }
}

static int bind_queue(struct impair_app *app)
{
    const struct impair_options *o = &app->model.opts;
    app->nfq = nfq_open();
    if (!app->nfq) {
        fprintf(stderr, "sotto-impair: cannot open netfilter queue netlink: %s "
                "(needs CAP_NET_ADMIN)\n", strerror(errno));
        return -1;
    }
    app->queue = nfq_create_queue(app->nfq, o->queue, on_packet, app);
    if (!app->queue) {
        fprintf(stderr, "sotto-impair: cannot bind NFQUEUE %u: %s (is another "
                "process bound to it?)\n", o->queue, strerror(errno));
        return -1;
    }
    /* Copies are only needed to resend duplicates. */
    uint8_t mode = o->dup_pct > 0.0 ? NFQNL_COPY_PACKET : NFQNL_COPY_META;
    if (nfq_set_mode(app->queue, mode, 0xffff) < 0 ||
        nfq_set_queue_maxlen(app->queue, o->limit + 64) < 0) {
        fprintf(stderr, "sotto-impair: cannot configure NFQUEUE %u: %s\n", o->queue,
                strerror(errno));
        return -1;
    }
    /* A full kernel queue accepts rather than drops: the helper adds no loss
     * of its own. Older kernels lack the flag; that is not fatal. */
    nfq_set_queue_flags(app->queue, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
    nfnl_rcvbufsiz(nfq_nfnlh(app->nfq), NETLINK_RCVBUF);
    if (o->dup_pct > 0.0) {
        uint32_t mark = IMPAIR_BYPASS_MARK;
        app->raw_fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
        if (app->raw_fd < 0 ||
            setsockopt(app->raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
            fprintf(stderr, "sotto-impair: cannot open the raw socket for "
                    "duplicates: %s\n", strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int write_stats(struct impair_app *app, bool final)
{
    const char *path = app->model.opts.stats_path;
    if (!path)
        return 0;
    int rc = impair_stats_write(app->stats, final, path);
    if (rc != 0)
        fprintf(stderr, "sotto-impair: cannot write %s: %s\n", path, strerror(-rc));
    return rc;
}

static struct timespec until_ts(int64_t now, int64_t deadline)
{
    int64_t wait = deadline > now ? deadline - now : 0;
    struct timespec ts = {.tv_sec = wait / 1000000000LL, .tv_nsec = wait % 1000000000LL};
    return ts;
}

static int run(struct impair_app *app, const sigset_t *wait_mask)
{
    struct pollfd pfd = {.fd = nfq_fd(app->nfq), .events = POLLIN};
    int64_t next_stats = now_ns() + STATS_PERIOD_NS;
    while (!stop_requested) {
        int64_t now = now_ns();
        release_due(app, now);
        if (now >= next_stats) {
            write_stats(app, false);
            next_stats = now + STATS_PERIOD_NS;
        }
        int64_t deadline = next_stats;
        const struct impair_held *next = impair_heap_peek(app->heap);
        if (next && next->release_ns < deadline)
            deadline = next->release_ns;
        struct timespec ts = until_ts(now_ns(), deadline);
        int rc = ppoll(&pfd, 1, &ts, wait_mask);
        if (rc < 0 && errno != EINTR) {
            fprintf(stderr, "sotto-impair: poll: %s\n", strerror(errno));
            return -1;
        }
        if (rc > 0 && (pfd.revents & POLLIN))
            drain(app);
    }
    release_due(app, INT64_MAX);
    return write_stats(app, true) == 0 ? 0 : -1;
}

/* SIGTERM and SIGINT stay blocked except inside ppoll, so a stop request
 * can never slip in between the flag test and the wait. */
static int setup_signals(sigset_t *out_wait_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
        sigprocmask(SIG_BLOCK, &block, out_wait_mask) != 0)
        return -1;
    sigdelset(out_wait_mask, SIGTERM);
    sigdelset(out_wait_mask, SIGINT);
    return 0;
}

int main(int argc, char **argv)
{
    struct impair_options opts;
    char err[256];
    if (impair_parse_args(argc, argv, err, sizeof err, &opts) != 0) {
        fprintf(stderr, "sotto-impair: %s\n", err);
        usage(stderr);
        return 2;
    }
    if (opts.help) {
        usage(stdout);
        return 0;
    }
    struct impair_app app = {.raw_fd = -1};
    sigset_t wait_mask;
    int status = 1;
    impair_model_init(&app.model, &opts);
    if (impair_heap_create(opts.limit, &app.heap) != 0 ||
        impair_stats_create(&app.stats) != 0 || !(app.buf = malloc(RECV_BUF_LEN))) {
        fprintf(stderr, "sotto-impair: out of memory\n");
        goto fail;
    }
    if (setup_signals(&wait_mask) != 0) {
        fprintf(stderr, "sotto-impair: cannot set up signals: %s\n", strerror(errno));
        goto fail;
    }
    if (bind_queue(&app) != 0)
        goto fail;
    /* The first statistics file tells whoever started us that we are ready. */
    if (write_stats(&app, false) != 0)
        goto fail;
    status = run(&app, &wait_mask) == 0 ? 0 : 1;
fail:
    if (app.queue) {
        release_due(&app, INT64_MAX);
        nfq_destroy_queue(app.queue);
    }
    if (app.nfq)
        nfq_close(app.nfq);
    if (app.raw_fd >= 0)
        close(app.raw_fd);
    impair_heap_destroy(&app.heap);
    impair_stats_destroy(&app.stats);
    free(app.buf);
    return status;
}
