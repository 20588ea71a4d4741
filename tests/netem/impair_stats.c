/* sotto-impair's counters, delay histogram and JSON statistics file. */
#include "tests/netem/impair.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* 0.1 ms bins up to the largest delay the options allow. */
#define BIN_NS 100000
#define N_BINS ((size_t)(IMPAIR_MAX_DELAY_MS * 10.0) + 1)

struct impair_stats {
    uint64_t counters[IMPAIR_COUNT_N]; /* see enum impair_counter */
    size_t held_max;                   /* most packets held at once */
    uint64_t delays;                   /* delays recorded */
    double delay_sum_ms;               /* their sum, ms */
    uint32_t *bins;                    /* N_BINS counts of 0.1 ms each */
};

int impair_stats_create(struct impair_stats **out_stats)
{
    if (!out_stats)
        return -EINVAL;
    struct impair_stats *stats = calloc(1, sizeof *stats);
    if (!stats)
        goto fail;
    stats->bins = calloc(N_BINS, sizeof *stats->bins);
    if (!stats->bins)
        goto fail;
    *out_stats = stats;
    return 0;
fail:
    free(stats);
    return -ENOMEM;
}

void impair_stats_destroy(struct impair_stats **stats)
{
    if (!stats || !*stats)
        return;
    free((*stats)->bins);
    free(*stats);
    *stats = NULL;
}

void impair_stats_count(struct impair_stats *stats, enum impair_counter which)
{
    if (stats && which < IMPAIR_COUNT_N)
        stats->counters[which]++;
}

uint64_t impair_stats_get(const struct impair_stats *stats, enum impair_counter which)
{
    return stats && which < IMPAIR_COUNT_N ? stats->counters[which] : 0;
}

void impair_stats_held(struct impair_stats *stats, size_t held_now)
{
    if (stats && held_now > stats->held_max)
        stats->held_max = held_now;
}

void impair_stats_delay(struct impair_stats *stats, int64_t delay_ns)
{
    if (!stats)
        return;
    if (delay_ns < 0)
        delay_ns = 0;
    size_t bin = (size_t)(delay_ns / BIN_NS);
    if (bin >= N_BINS)
        bin = N_BINS - 1;
    if (stats->bins[bin] < UINT32_MAX)
        stats->bins[bin]++;
    stats->delays++;
    stats->delay_sum_ms += (double)delay_ns / 1e6;
}

double impair_stats_delay_mean(const struct impair_stats *stats)
{
    return stats && stats->delays ? stats->delay_sum_ms / (double)stats->delays : 0.0;
}

double impair_stats_delay_percentile(const struct impair_stats *stats, double q)
{
    if (!stats || stats->delays == 0)
        return 0.0;
    if (q < 0.0)
        q = 0.0;
    if (q > 1.0)
        q = 1.0;
    uint64_t total = 0;
    for (size_t i = 0; i < N_BINS; i++)
        total += stats->bins[i];
    /* The smallest bin whose cumulative count reaches q of the total. */
    double want = q * (double)total;
    uint64_t seen = 0;
    for (size_t i = 0; i < N_BINS; i++) {
        seen += stats->bins[i];
        if (seen > 0 && (double)seen >= want)
            return ((double)i + 0.5) * BIN_NS / 1e6;
    }
    return ((double)N_BINS - 0.5) * BIN_NS / 1e6;
}

int impair_stats_json(const struct impair_stats *stats, bool final, char *buf,
                      size_t buf_len)
{
    if (!stats || !buf || buf_len == 0)
        return -EINVAL;
    const uint64_t *c = stats->counters;
    int n = snprintf(buf, buf_len,
        "{\"packets\": %llu, \"dropped\": %llu, \"duplicated\": %llu, "
        "\"reordered\": %llu, \"overflow\": %llu, \"errors\": %llu, "
        "\"held_max\": %zu, \"delayed\": %llu, \"delay_mean_ms\": %.3f, "
        "\"delay_p50_ms\": %.3f, \"delay_p95_ms\": %.3f, \"final\": %s}\n",
        (unsigned long long)c[IMPAIR_COUNT_PACKETS],
        (unsigned long long)c[IMPAIR_COUNT_DROPPED],
        (unsigned long long)c[IMPAIR_COUNT_DUPLICATED],
        (unsigned long long)c[IMPAIR_COUNT_REORDERED],
        (unsigned long long)c[IMPAIR_COUNT_OVERFLOW],
        (unsigned long long)c[IMPAIR_COUNT_ERRORS],
        stats->held_max, (unsigned long long)stats->delays,
        impair_stats_delay_mean(stats),
        impair_stats_delay_percentile(stats, 0.5),
        impair_stats_delay_percentile(stats, 0.95),
        final ? "true" : "false");
    if (n < 0)
        return -EIO;
    if ((size_t)n >= buf_len)
        return -ENOSPC;
    return n;
}

int impair_stats_write(const struct impair_stats *stats, bool final, const char *path)
{
    if (!stats || !path)
        return -EINVAL;
    char json[1024];
    char tmp[4096];
    int len = impair_stats_json(stats, final, json, sizeof json);
    if (len < 0)
        return len;
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return -ENAMETOOLONG;
    FILE *fh = fopen(tmp, "w");
    if (!fh)
        return -errno;
    size_t wrote = fwrite(json, 1, (size_t)len, fh);
    int rc = fclose(fh);
    if (wrote != (size_t)len || rc != 0) {
        unlink(tmp);
        return -EIO;
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}
