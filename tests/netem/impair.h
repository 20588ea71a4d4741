/* The impairment model behind sotto-impair, kept apart from the NFQUEUE
 * plumbing so that it can be unit-tested and fuzzed without privileges:
 * option parsing, the random source, netem's Gilbert-Elliott loss model,
 * the per-packet decision, the release-time heap and the statistics. */
#ifndef SOTTO_NETEM_IMPAIR_H
#define SOTTO_NETEM_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMPAIR_DEFAULT_LIMIT 4096u
#define IMPAIR_MAX_LIMIT 65536u
#define IMPAIR_MAX_DELAY_MS 60000.0
/* Packets resent as duplicates carry this mark; the iptables rule skips it. */
#define IMPAIR_BYPASS_MARK 0x50770000u

struct impair_options {
    uint16_t queue;          /* NFQUEUE number; required */
    double delay_ms;         /* mean one-way delay, ms; default 0 */
    double jitter_ms;        /* standard deviation of the delay, ms; default 0 */
    double loss_pct;         /* random loss, percent; default 0 */
    bool ge_enabled;         /* Gilbert-Elliott instead of random loss; default off */
    double ge_p;             /* good->bad transition, percent */
    double ge_r;             /* bad->good transition, percent */
    double ge_h;             /* delivery probability in the bad state, percent */
    double ge_k;             /* delivery probability in the good state, percent */
    double dup_pct;          /* duplication, percent; default 0 */
    double reorder_pct;      /* share sent at once past the delay, percent; default 0 */
    uint64_t seed;           /* random seed; default from the clock and pid */
    bool seed_given;         /* whether --seed was on the command line */
    uint32_t limit;          /* packets held at most; default 4096 */
    const char *stats_path;  /* JSON statistics file (borrowed from argv); default none */
    bool help;               /* --help was asked for */
};

/* Parses sotto-impair's arguments (argv[0] is the program name). Strings in
 * out_opts point into argv, which the caller keeps alive. On error returns
 * -EINVAL and writes a message to err. */
int impair_parse_args(int argc, char *const argv[], char *err, size_t err_len,
                      struct impair_options *out_opts);

/* xoshiro256** seeded through splitmix64: fast, reproducible per seed. */
struct impair_rng {
    uint64_t s[4]; /* generator state; set by impair_rng_seed */
};

void impair_rng_seed(struct impair_rng *rng, uint64_t seed);
uint64_t impair_rng_next(struct impair_rng *rng);
/* Uniform in [0, 1). */
double impair_rng_uniform(struct impair_rng *rng);
/* Standard normal, clipped to +-3 (the helper's jitter never exceeds 3 sigma). */
double impair_rng_normal3(struct impair_rng *rng);

/* netem's gemodel: first the state moves (p: good->bad, r: bad->good), then
 * the packet is lost with 1-h in the bad state or 1-k in the good one. */
struct impair_ge {
    double p, r, h, k; /* probabilities in [0, 1] */
    bool bad;          /* current state; starts good */
};

bool impair_ge_lost(struct impair_ge *ge, struct impair_rng *rng);

/* Everything a packet's fate depends on; owns no memory. */
struct impair_model {
    struct impair_options opts;   /* the parsed options */
    struct impair_rng rng;        /* random source */
    struct impair_ge ge;          /* loss state when opts.ge_enabled */
    int64_t last_release_ns;      /* latest release time handed out, ns; keeps FIFO order */
};

void impair_model_init(struct impair_model *model, const struct impair_options *opts);

enum impair_fate {
    IMPAIR_DROP,      /* lost */
    IMPAIR_NOW,       /* sent at once (reordered, or nothing to delay) */
    IMPAIR_HOLD,      /* held until release_ns */
};

struct impair_decision {
    enum impair_fate fate; /* what happens to the packet */
    bool duplicate;        /* a copy is sent as well */
    bool reordered;        /* sent ahead of packets held before it */
    int64_t release_ns;    /* release time for IMPAIR_HOLD, CLOCK_MONOTONIC ns */
};

/* Decides the fate of a packet arriving at now_ns, in netem's order:
 * duplication, loss, then reordering or delay. */
void impair_decide(struct impair_model *model, int64_t now_ns,
                   struct impair_decision *out_decision);

/* A packet waiting for its verdict. */
struct impair_held {
    int64_t release_ns;  /* when to accept it, CLOCK_MONOTONIC ns */
    int64_t arrival_ns;  /* when it was queued, CLOCK_MONOTONIC ns */
    uint64_t order;      /* arrival counter; breaks ties in arrival order */
    uint32_t packet_id;  /* NFQUEUE verdict id */
    uint8_t *copy;       /* packet bytes for a duplicate (owned), or NULL */
    size_t copy_len;     /* bytes in copy */
};

struct impair_heap;

/* Creates a min-heap of capacity packets ordered by (release_ns, order).
 * The caller frees it with impair_heap_destroy. */
int impair_heap_create(size_t capacity, struct impair_heap **out_heap);
/* Frees the heap and any copies still held; accepts NULL, sets *heap = NULL. */
void impair_heap_destroy(struct impair_heap **heap);
size_t impair_heap_len(const struct impair_heap *heap);
/* Adds a packet; the heap takes ownership of item->copy. -EAGAIN when full
 * (ownership stays with the caller then). */
int impair_heap_push(struct impair_heap *heap, const struct impair_held *item);
/* The earliest packet, or NULL when empty; owned by the heap. */
const struct impair_held *impair_heap_peek(const struct impair_heap *heap);
/* Removes the earliest packet into out_item (the caller now owns its copy). */
int impair_heap_pop(struct impair_heap *heap, struct impair_held *out_item);

struct impair_stats;

/* Counters and a histogram of applied delays (0.1 ms bins up to 60 s).
 * The caller frees it with impair_stats_destroy. */
int impair_stats_create(struct impair_stats **out_stats);
void impair_stats_destroy(struct impair_stats **stats);

enum impair_counter {
    IMPAIR_COUNT_PACKETS,     /* packets seen */
    IMPAIR_COUNT_DROPPED,     /* lost on purpose */
    IMPAIR_COUNT_DUPLICATED,  /* copies sent */
    IMPAIR_COUNT_REORDERED,   /* sent ahead of held packets */
    IMPAIR_COUNT_OVERFLOW,    /* accepted at once because the heap was full */
    IMPAIR_COUNT_ERRORS,      /* verdicts or resends that failed */
    IMPAIR_COUNT_N
};

void impair_stats_count(struct impair_stats *stats, enum impair_counter which);
uint64_t impair_stats_get(const struct impair_stats *stats, enum impair_counter which);
void impair_stats_held(struct impair_stats *stats, size_t held_now);
/* Records the delay a packet really got (release minus arrival), ns. */
void impair_stats_delay(struct impair_stats *stats, int64_t delay_ns);
/* Delay percentile q in [0, 1] in ms (bin centre); 0 when nothing recorded. */
double impair_stats_delay_percentile(const struct impair_stats *stats, double q);
double impair_stats_delay_mean(const struct impair_stats *stats);

/* Writes the statistics as one JSON object to buf; returns the length, or
 * -ENOSPC when buf is too small. */
int impair_stats_json(const struct impair_stats *stats, bool final, char *buf,
                      size_t buf_len);
/* Writes the JSON to path via a temporary file and rename, so readers never
 * see half a file. Returns 0 or a negative errno. */
int impair_stats_write(const struct impair_stats *stats, bool final, const char *path);

/* The destination of an IPv4 packet (network byte order) after checking that
 * the header is complete and consistent; -EINVAL otherwise. */
int impair_ipv4_dest(const uint8_t *packet, size_t len, uint32_t *out_daddr);

#endif
