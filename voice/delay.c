/* Bulk delay by normalised cross-correlation of log-energy envelopes: a
 * speech envelope is shaped by syllables, so the lag at which the capture
 * follows the playout stands out within a second. A new lag is taken only
 * after estimates in a row agree and only when its peak stands clearly
 * above the lag in force, so that double talk does not throw the
 * canceller off: near-end speech over the echo lifts chance peaks
 * elsewhere (measured on the double-talk cases of test_voice.py: without
 * that margin the tracker jumped to 40-90 ms wrong lags two to eight times
 * in 16 s, each jump a canceller restart; with it, none). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "voice/delay.h"

/* A path in transition blurs into a peak between the old and new lags:
 * leaving a lag takes a peak of CHANGE_CORR that beats the lag in force by
 * CHANGE_MARGIN, except for a move of NEAR_MOVE blocks or less (a blurred
 * peak settling), which needs only CHANGE_HITS agreeing estimates. */
#define EVERY 5           /* blocks between estimates: 50 ms */
#define FIRST_EVERY 10    /* before the first estimate: 100 ms */
#define HYSTERESIS 3      /* blocks: the engine copes with 30 ms of drift */
#define MIN_WINDOW 60     /* blocks before a first estimate: 600 ms */
#define MIN_CORR 0.5      /* weaker peaks are not trusted */
#define CHANGE_CORR 0.6   /* weakest peak that may replace the lag in force */
#define CHANGE_MARGIN 0.2 /* by how much it must beat the lag in force */
#define NEAR_MOVE 10      /* blocks */
#define CHANGE_HITS 3     /* agreeing estimates (150 ms) before a change */
#define FLOOR_DB -70.0    /* envelopes clip here: below it is noise */
#define MIN_FAR_VAR 20.0  /* dB^2: the far end must have said something */

void sotto__delay_init(sotto__delay *d)
{
    memset(d, 0, sizeof(*d));
    d->blocks = -1;
    d->candidate = -1;
}

static float env_db(double power)
{
    double db = 10.0 * log10(power + 1e-12);

    return (float)(db < FLOOR_DB ? FLOOR_DB : db);
}

void sotto__delay_far(sotto__delay *d, double power)
{
    d->far_db[d->far_blocks % SOTTO__DELAY_HISTORY] = env_db(power);
    d->far_blocks++;
}

/* Pearson correlation of the last WINDOW near blocks with far lag blocks before. */
static double correlate(const sotto__delay *d, int lag, uint64_t window, double *out_far_var)
{
    double sn = 0, sf = 0, snn = 0, sff = 0, snf = 0, n = (double)window, var_n, var_f;
    uint64_t end = d->near_blocks;

    for (uint64_t j = end - window; j < end; j++) {
        double a = d->near_db[j % SOTTO__DELAY_HISTORY];
        double b = d->far_db[(j - (uint64_t)lag) % SOTTO__DELAY_HISTORY];

        sn += a, sf += b, snn += a * a, sff += b * b, snf += a * b;
    }
    var_n = snn / n - (sn / n) * (sn / n);
    var_f = sff / n - (sf / n) * (sf / n);
    *out_far_var = var_f;
    if (var_n <= 1e-6 || var_f <= 1e-6)
        return 0;
    return (snf / n - (sn / n) * (sf / n)) / sqrt(var_n * var_f);
}

static void estimate(sotto__delay *d)
{
    uint64_t window = d->near_blocks < SOTTO__DELAY_WINDOW ? d->near_blocks : SOTTO__DELAY_WINDOW;
    double best = 0, current = 0, far_var = 0, v;
    int best_lag = -1;

    for (int lag = 0; lag < SOTTO__DELAY_MAX_BLOCKS; lag++) {
        /* Only lags whose far blocks are all still in the history and were seen. */
        if (d->near_blocks < window + (uint64_t)lag ||
            d->far_blocks + (uint64_t)lag < d->near_blocks ||
            d->far_blocks - (d->near_blocks - window - (uint64_t)lag) > SOTTO__DELAY_HISTORY)
            continue;
        v = correlate(d, lag, window, &far_var);
        if (d->blocks >= 0 && abs(lag - d->blocks) <= HYSTERESIS && v > current)
            current = v;
        if (far_var >= MIN_FAR_VAR && v > best) {
            best = v;
            best_lag = lag;
        }
    }
    if (best_lag < 0 || best < MIN_CORR)
        return;
    /* A lag within HYSTERESIS blocks of the one in force is the same path (a
     * reverberant room blurs the peak): keeping it spares the canceller a
     * restart for nothing. */
    if (d->blocks >= 0 && abs(best_lag - d->blocks) <= HYSTERESIS) {
        d->candidate_hits = 0;
        return;
    }
    if (d->blocks >= 0 && abs(best_lag - d->blocks) > NEAR_MOVE &&
        (best < CHANGE_CORR || best < current + CHANGE_MARGIN)) {
        d->candidate_hits = 0;
        return;
    }
    /* Two agreeing estimates set the first delay, CHANGE_HITS + 1 change it. */
    if (abs(best_lag - d->candidate) <= 1 &&
        ++d->candidate_hits >= (d->blocks < 0 ? 1 : CHANGE_HITS)) {
        d->blocks = best_lag;
        d->candidate_hits = 0;
        return;
    }
    if (abs(best_lag - d->candidate) > 1)
        d->candidate_hits = 0;
    d->candidate = best_lag;
}

int sotto__delay_near(sotto__delay *d, double power)
{
    d->near_db[d->near_blocks % SOTTO__DELAY_HISTORY] = env_db(power);
    d->near_blocks++;
    if (d->near_blocks >= MIN_WINDOW && d->near_blocks % (d->blocks < 0 ? FIRST_EVERY : EVERY) == 0)
        estimate(d);
    return d->blocks;
}
