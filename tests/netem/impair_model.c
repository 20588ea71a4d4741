/* sotto-impair's model: options, random source, Gilbert-Elliott, decisions. */
#include "tests/netem/impair.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int parse_double(const char *text, double lo, double hi, double *out_value)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v) || v < lo || v > hi)
        return -EINVAL;
    *out_value = v;
    return 0;
}

static int parse_u64(const char *text, uint64_t hi, uint64_t *out_value)
{
    char *end = NULL;
    if (text[0] < '0' || text[0] > '9')
        return -EINVAL; /* strtoull would accept "-1" and wrap it */
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0' || errno != 0 || v > hi)
        return -EINVAL;
    *out_value = v;
    return 0;
}

/* "p,r,h,k": four percentages; fewer take netem's defaults (r = 100 - p,
 * h = 0, k = 100). */
static int parse_ge(const char *text, struct impair_options *opts)
{
    double v[4] = {0.0, 0.0, 0.0, 100.0};
    char field[64];
    size_t n = 0;
    const char *at = text;
    for (;;) {
        const char *comma = strchr(at, ',');
        size_t len = comma ? (size_t)(comma - at) : strlen(at);
        if (n == 4 || len == 0 || len >= sizeof field)
            return -EINVAL;
        memcpy(field, at, len);
        field[len] = '\0';
        if (parse_double(field, 0.0, 100.0, &v[n]) != 0)
            return -EINVAL;
        n++;
        if (!comma)
            break;
        at = comma + 1;
    }
    if (n < 2)
        v[1] = 100.0 - v[0];
    opts->ge_enabled = true;
    opts->ge_p = v[0];
    opts->ge_r = v[1];
    opts->ge_h = v[2];
    opts->ge_k = v[3];
    return 0;
}

static int set_option(struct impair_options *o, const char *name, const char *value)
{
    uint64_t u = 0;
    int rc = -ENOENT;
    if (strcmp(name, "queue") == 0) {
        rc = parse_u64(value, 65535, &u);
        o->queue = (uint16_t)u;
    } else if (strcmp(name, "delay-ms") == 0) {
        rc = parse_double(value, 0.0, IMPAIR_MAX_DELAY_MS, &o->delay_ms);
    } else if (strcmp(name, "jitter-ms") == 0) {
        rc = parse_double(value, 0.0, IMPAIR_MAX_DELAY_MS, &o->jitter_ms);
    } else if (strcmp(name, "loss") == 0) {
        rc = parse_double(value, 0.0, 100.0, &o->loss_pct);
    } else if (strcmp(name, "ge") == 0) {
        rc = parse_ge(value, o);
    } else if (strcmp(name, "dup") == 0) {
        rc = parse_double(value, 0.0, 100.0, &o->dup_pct);
    } else if (strcmp(name, "reorder") == 0) {
        rc = parse_double(value, 0.0, 100.0, &o->reorder_pct);
    } else if (strcmp(name, "seed") == 0) {
        rc = parse_u64(value, UINT64_MAX, &o->seed);
        o->seed_given = true;
    } else if (strcmp(name, "limit") == 0) {
        rc = parse_u64(value, IMPAIR_MAX_LIMIT, &u);
        if (rc == 0 && u == 0)
            rc = -EINVAL;
        o->limit = (uint32_t)u;
    } else if (strcmp(name, "stats") == 0) {
        rc = value[0] ? 0 : -EINVAL;
        o->stats_path = value;
    }
    return rc;
}

int impair_parse_args(int argc, char *const argv[], char *err, size_t err_len,
                      struct impair_options *out_opts)
{
    if (argc < 1 || !argv || !err || err_len == 0 || !out_opts)
        return -EINVAL;
    struct impair_options o = {.limit = IMPAIR_DEFAULT_LIMIT};
    bool have_queue = false;
    err[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!arg || strncmp(arg, "--", 2) != 0) {
            snprintf(err, err_len, "unexpected argument '%s'", arg ? arg : "(null)");
            return -EINVAL;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            o.help = true;
            continue;
        }
        char name[32];
        const char *value;
        const char *eq = strchr(arg + 2, '=');
        size_t name_len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
        if (name_len == 0 || name_len >= sizeof name) {
            snprintf(err, err_len, "unknown option '%s'", arg);
            return -EINVAL;
        }
        memcpy(name, arg + 2, name_len);
        name[name_len] = '\0';
        if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc && argv[i + 1]) {
            value = argv[++i];
        } else {
            snprintf(err, err_len, "option --%s needs a value", name);
            return -EINVAL;
        }
        int rc = set_option(&o, name, value);
        if (rc == -ENOENT) {
            snprintf(err, err_len, "unknown option '--%s'", name);
            return -EINVAL;
        }
        if (rc != 0) {
            snprintf(err, err_len, "bad value '%s' for --%s", value, name);
            return -EINVAL;
        }
        have_queue |= strcmp(name, "queue") == 0;
    }
    if (!have_queue && !o.help) {
        snprintf(err, err_len, "--queue N is required");
        return -EINVAL;
    }
    if (o.ge_enabled && o.loss_pct > 0.0) {
        snprintf(err, err_len, "--loss and --ge are exclusive");
        return -EINVAL;
    }
    *out_opts = o;
    return 0;
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void impair_rng_seed(struct impair_rng *rng, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t impair_rng_next(struct impair_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double impair_rng_uniform(struct impair_rng *rng)
{
    return (double)(impair_rng_next(rng) >> 11) * 0x1.0p-53;
}

double impair_rng_normal3(struct impair_rng *rng)
{
    /* Box-Muller; redrawing beyond 3 sigma would bias the spread less than
     * clipping, but netem's tables clip, so this clips too. */
    double u1 = 1.0 - impair_rng_uniform(rng); /* (0, 1]: log() stays finite */
    double u2 = impair_rng_uniform(rng);
    double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    if (z > 3.0)
        z = 3.0;
    if (z < -3.0)
        z = -3.0;
    return z;
}

bool impair_ge_lost(struct impair_ge *ge, struct impair_rng *rng)
{
    if (ge->bad) {
        if (impair_rng_uniform(rng) < ge->r)
            ge->bad = false;
    } else {
        if (impair_rng_uniform(rng) < ge->p)
            ge->bad = true;
    }
    double deliver = ge->bad ? ge->h : ge->k;
    return impair_rng_uniform(rng) >= deliver;
}

void impair_model_init(struct impair_model *model, const struct impair_options *opts)
{
    memset(model, 0, sizeof *model);
    model->opts = *opts;
    uint64_t seed = opts->seed;
    if (!opts->seed_given) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
    }
    impair_rng_seed(&model->rng, seed);
    model->ge.p = opts->ge_p / 100.0;
    model->ge.r = opts->ge_r / 100.0;
    model->ge.h = opts->ge_h / 100.0;
    model->ge.k = opts->ge_k / 100.0;
}

static bool chance(struct impair_rng *rng, double pct)
{
    return pct > 0.0 && impair_rng_uniform(rng) * 100.0 < pct;
}

void impair_decide(struct impair_model *model, int64_t now_ns,
                   struct impair_decision *out_decision)
{
    const struct impair_options *o = &model->opts;
    struct impair_decision d = {.fate = IMPAIR_NOW};
    /* netem counts copies: a duplicated packet that is "lost" still leaves one. */
    int copies = 1 + chance(&model->rng, o->dup_pct);
    bool lost = o->ge_enabled ? impair_ge_lost(&model->ge, &model->rng)
                              : chance(&model->rng, o->loss_pct);
    copies -= lost;
    if (copies == 0) {
        d.fate = IMPAIR_DROP;
        *out_decision = d;
        return;
    }
    d.duplicate = copies == 2;
    bool delayed = o->delay_ms > 0.0 || o->jitter_ms > 0.0;
    if (delayed && chance(&model->rng, o->reorder_pct)) {
        d.reordered = true;
        *out_decision = d;
        return;
    }
    if (!delayed) {
        *out_decision = d;
        return;
    }
    double delay_ms = o->delay_ms;
    if (o->jitter_ms > 0.0)
        delay_ms += o->jitter_ms * impair_rng_normal3(&model->rng);
    if (delay_ms < 0.0)
        delay_ms = 0.0;
    int64_t release = now_ns + (int64_t)(delay_ms * 1e6);
    /* FIFO: never before the packet queued ahead of this one. */
    if (release < model->last_release_ns)
        release = model->last_release_ns;
    model->last_release_ns = release;
    d.fate = IMPAIR_HOLD;
    d.release_ns = release;
    *out_decision = d;
}

int impair_ipv4_dest(const uint8_t *packet, size_t len, uint32_t *out_daddr)
{
    if (!packet || !out_daddr || len < 20)
        return -EINVAL;
    if ((packet[0] >> 4) != 4)
        return -EINVAL;
    size_t header_len = (size_t)(packet[0] & 0x0f) * 4;
    size_t total_len = ((size_t)packet[2] << 8) | packet[3];
    if (header_len < 20 || header_len > len || total_len < header_len || total_len > len)
        return -EINVAL;
    uint32_t daddr;
    memcpy(&daddr, packet + 16, sizeof daddr);
    *out_daddr = daddr;
    return 0;
}
