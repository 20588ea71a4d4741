/* sotto-impair's model without the kernel: argument parsing (good and bad),
 * the random source, netem's Gilbert-Elliott semantics, loss, jitter, FIFO
 * order, reordering, duplication, the release heap, statistics and the IPv4
 * header check used before resending duplicates. */
#include "tests/netem/impair.h"
#include "tests/tmpdir.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000LL

static int parse(struct impair_options *opts, char *err, size_t err_len, int argc, ...)
{
    char *argv[24];
    va_list ap;
    va_start(ap, argc);
    argv[0] = "sotto-impair";
    for (int i = 1; i < argc && i < 24; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    return impair_parse_args(argc, argv, err, err_len, opts);
}

START_TEST(args_parse_every_option)
{
    struct impair_options o;
    char err[128];
    ck_assert_int_eq(parse(&o, err, sizeof err, 18, "--queue", "7", "--delay-ms", "150",
                           "--jitter-ms=20.5", "--dup", "1", "--reorder", "2.5",
                           "--seed", "42", "--limit", "100", "--stats", "s.json",
                           "--loss", "1"), 0);
    ck_assert_uint_eq(o.queue, 7);
    ck_assert_double_eq_tol(o.delay_ms, 150.0, 1e-9);
    ck_assert_double_eq_tol(o.jitter_ms, 20.5, 1e-9);
    ck_assert_double_eq_tol(o.loss_pct, 1.0, 1e-9);
    ck_assert_double_eq_tol(o.dup_pct, 1.0, 1e-9);
    ck_assert_double_eq_tol(o.reorder_pct, 2.5, 1e-9);
    ck_assert_uint_eq(o.seed, 42);
    ck_assert(o.seed_given);
    ck_assert_uint_eq(o.limit, 100);
    ck_assert_str_eq(o.stats_path, "s.json");
    ck_assert(!o.ge_enabled);
    ck_assert(!o.help);
}
END_TEST

START_TEST(args_ge_takes_netem_defaults)
{
    struct impair_options o;
    char err[128];
    ck_assert_int_eq(parse(&o, err, sizeof err, 5, "--queue", "1", "--ge", "5"), 0);
    ck_assert(o.ge_enabled);
    ck_assert_double_eq_tol(o.ge_p, 5.0, 1e-9);
    ck_assert_double_eq_tol(o.ge_r, 95.0, 1e-9);
    ck_assert_double_eq_tol(o.ge_h, 0.0, 1e-9);
    ck_assert_double_eq_tol(o.ge_k, 100.0, 1e-9);
    ck_assert_int_eq(parse(&o, err, sizeof err, 5, "--queue", "1", "--ge", "5.9,33.3,10,99"), 0);
    ck_assert_double_eq_tol(o.ge_r, 33.3, 1e-9);
    ck_assert_double_eq_tol(o.ge_h, 10.0, 1e-9);
    ck_assert_double_eq_tol(o.ge_k, 99.0, 1e-9);
    ck_assert_uint_eq(o.limit, IMPAIR_DEFAULT_LIMIT);
}
END_TEST

START_TEST(args_reject_bad_values)
{
    static const char *const bad[][2] = {
        {"--delay-ms", "10x"}, {"--delay-ms", ""}, {"--delay-ms", "nan"},
        {"--delay-ms", "inf"}, {"--delay-ms", "-1"}, {"--delay-ms", "60001"},
        {"--loss", "101"}, {"--loss", "-0.5"}, {"--queue", "65536"}, {"--queue", "-1"},
        {"--queue", " 3"}, {"--seed", "abc"}, {"--seed", "99999999999999999999"},
        {"--limit", "0"}, {"--limit", "65537"}, {"--ge", "1,2,3,4,5"}, {"--ge", "1,,2"},
        {"--ge", ""}, {"--ge", "1,"}, {"--ge", "200"}, {"--stats", ""}, {"--bogus", "1"},
        {"--dup", "1e999"}, {"--reorder", "0x"},
    };
    struct impair_options o;
    char err[128];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.queue = 999;
        int rc = parse(&o, err, sizeof err, 5, "--queue", "1", bad[i][0], bad[i][1]);
        ck_assert_msg(rc == -EINVAL, "accepted %s '%s'", bad[i][0], bad[i][1]);
        ck_assert_msg(err[0] != '\0', "no message for %s", bad[i][0]);
        ck_assert_uint_eq(o.queue, 999); /* outputs untouched on error */
    }
}
END_TEST

START_TEST(args_reject_missing_and_conflicting)
{
    struct impair_options o;
    char err[128];
    ck_assert_int_eq(parse(&o, err, sizeof err, 1), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "--queue"));
    ck_assert_int_eq(parse(&o, err, sizeof err, 2, "--queue"), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "needs a value"));
    ck_assert_int_eq(parse(&o, err, sizeof err, 4, "--queue", "1", "stray"), -EINVAL);
    ck_assert_int_eq(parse(&o, err, sizeof err, 4, "--queue", "1", "--"), -EINVAL);
    ck_assert_int_eq(parse(&o, err, sizeof err, 7, "--queue", "1", "--loss", "1",
                           "--ge", "1,30"), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "exclusive"));
    ck_assert_int_eq(parse(&o, err, sizeof err, 2, "--help"), 0);
    ck_assert(o.help);
    ck_assert_int_eq(impair_parse_args(0, NULL, err, sizeof err, &o), -EINVAL);
}
END_TEST

START_TEST(rng_is_reproducible_and_uniform)
{
    struct impair_rng a, b;
    impair_rng_seed(&a, 7);
    impair_rng_seed(&b, 7);
    double sum = 0.0;
    for (int i = 0; i < 100000; i++) {
        double u = impair_rng_uniform(&a);
        ck_assert(u >= 0.0 && u < 1.0);
        ck_assert_double_eq(u, impair_rng_uniform(&b));
        sum += u;
    }
    ck_assert_double_eq_tol(sum / 100000.0, 0.5, 0.01);
    impair_rng_seed(&b, 8);
    ck_assert_uint_ne(impair_rng_next(&a), impair_rng_next(&b));
}
END_TEST

START_TEST(rng_normal_is_standard_and_clipped)
{
    struct impair_rng rng;
    impair_rng_seed(&rng, 3);
    double sum = 0.0, sq = 0.0, lo = 0.0, hi = 0.0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = impair_rng_normal3(&rng);
        sum += z;
        sq += z * z;
        lo = fmin(lo, z);
        hi = fmax(hi, z);
    }
    ck_assert_double_eq_tol(sum / n, 0.0, 0.01);
    ck_assert_double_eq_tol(sqrt(sq / n), 1.0, 0.02);
    ck_assert(lo >= -3.0 && hi <= 3.0);
    ck_assert(lo < -2.9 && hi > 2.9); /* the tails reach the clip */
}
END_TEST

/* Loss rate and mean length of loss runs over n packets. */
static void ge_run(struct impair_ge *ge, int n, double *out_loss, double *out_burst)
{
    struct impair_rng rng;
    impair_rng_seed(&rng, 11);
    long lost = 0, bursts = 0;
    bool prev = false;
    for (int i = 0; i < n; i++) {
        bool l = impair_ge_lost(ge, &rng);
        lost += l;
        bursts += l && !prev;
        prev = l;
    }
    *out_loss = (double)lost / n;
    *out_burst = bursts ? (double)lost / (double)bursts : 0.0;
}

START_TEST(ge_bursty_profile_loses_15pct_in_runs_of_3)
{
    /* r = 1/3 gives runs of 3; p/(p+r) = 0.15; all lost in bad, none in good. */
    double r = 1.0 / 3.0, p = 0.15 * r / 0.85, loss, burst;
    struct impair_ge ge = {.p = p, .r = r, .h = 0.0, .k = 1.0};
    ge_run(&ge, 400000, &loss, &burst);
    ck_assert_double_eq_tol(loss, 0.15, 0.005);
    ck_assert_double_eq_tol(burst, 3.0, 0.1);
}
END_TEST

START_TEST(ge_h_and_k_are_delivery_probabilities)
{
    double loss, burst;
    struct impair_ge good_only = {.p = 0.0, .r = 1.0, .h = 0.0, .k = 0.9};
    ge_run(&good_only, 200000, &loss, &burst);
    ck_assert_double_eq_tol(loss, 0.10, 0.005);   /* 1 - k */
    struct impair_ge bad_only = {.p = 1.0, .r = 0.0, .h = 0.7, .k = 1.0};
    ge_run(&bad_only, 200000, &loss, &burst);
    ck_assert_double_eq_tol(loss, 0.30, 0.005);   /* 1 - h */
    ck_assert(bad_only.bad);
}
END_TEST

static void model_with(struct impair_model *m, double delay, double jitter, double loss,
                       double dup, double reorder)
{
    struct impair_options o = {.delay_ms = delay, .jitter_ms = jitter, .loss_pct = loss,
                               .dup_pct = dup, .reorder_pct = reorder, .seed = 5,
                               .seed_given = true, .limit = IMPAIR_DEFAULT_LIMIT};
    impair_model_init(m, &o);
}

START_TEST(decide_random_loss_matches_rate)
{
    struct impair_model m;
    struct impair_decision d;
    model_with(&m, 0, 0, 10.0, 0, 0);
    int dropped = 0;
    for (int i = 0; i < 100000; i++) {
        impair_decide(&m, i * MS, &d);
        dropped += d.fate == IMPAIR_DROP;
        if (d.fate != IMPAIR_DROP)
            ck_assert_int_eq(d.fate, IMPAIR_NOW); /* nothing to delay */
    }
    ck_assert_int_ge(dropped, 9500);
    ck_assert_int_le(dropped, 10500);
}
END_TEST

START_TEST(decide_jitter_is_normal_clipped_and_never_negative)
{
    struct impair_model m;
    struct impair_decision d;
    model_with(&m, 100.0, 10.0, 0, 0, 0);
    double sum = 0.0, sq = 0.0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        int64_t now = (int64_t)i * 1000 * MS; /* far apart: FIFO never binds */
        impair_decide(&m, now, &d);
        ck_assert_int_eq(d.fate, IMPAIR_HOLD);
        double ms = (double)(d.release_ns - now) / MS;
        ck_assert(ms >= 70.0 - 1e-6 && ms <= 130.0 + 1e-6);
        sum += ms;
        sq += ms * ms;
    }
    double mean = sum / n;
    ck_assert_double_eq_tol(mean, 100.0, 0.3);
    ck_assert_double_eq_tol(sqrt(sq / n - mean * mean), 10.0, 0.4);
    model_with(&m, 5.0, 10.0, 0, 0, 0);
    for (int i = 0; i < n; i++) {
        int64_t now = (int64_t)i * 1000 * MS;
        impair_decide(&m, now, &d);
        ck_assert_int_ge(d.release_ns, now);
    }
}
END_TEST

START_TEST(decide_keeps_fifo_order_under_jitter)
{
    struct impair_model m;
    struct impair_decision d;
    model_with(&m, 50.0, 30.0, 0, 0, 0);
    int64_t last = 0;
    for (int i = 0; i < 10000; i++) {
        impair_decide(&m, i * MS, &d);
        ck_assert_int_eq(d.fate, IMPAIR_HOLD);
        ck_assert_int_ge(d.release_ns, last);
        ck_assert_int_ge(d.release_ns, i * MS);
        last = d.release_ns;
    }
}
END_TEST

START_TEST(decide_reorders_a_share_only_when_delaying)
{
    struct impair_model m;
    struct impair_decision d;
    model_with(&m, 50.0, 0, 0, 0, 25.0);
    int now_count = 0;
    for (int i = 0; i < 40000; i++) {
        impair_decide(&m, i * MS, &d);
        if (d.fate == IMPAIR_NOW) {
            ck_assert(d.reordered);
            now_count++;
        }
    }
    ck_assert_int_ge(now_count, 9500);
    ck_assert_int_le(now_count, 10500);
    model_with(&m, 0, 0, 0, 0, 50.0);
    for (int i = 0; i < 1000; i++) {
        impair_decide(&m, i * MS, &d);
        ck_assert(!d.reordered);
    }
}
END_TEST

START_TEST(decide_counts_copies_like_netem)
{
    struct impair_model m;
    struct impair_decision d;
    model_with(&m, 0, 0, 100.0, 100.0, 0);
    for (int i = 0; i < 100; i++) {
        impair_decide(&m, i * MS, &d); /* duplicated then lost: one copy left */
        ck_assert_int_eq(d.fate, IMPAIR_NOW);
        ck_assert(!d.duplicate);
    }
    model_with(&m, 0, 0, 0, 100.0, 0);
    impair_decide(&m, 0, &d);
    ck_assert(d.duplicate);
    model_with(&m, 0, 0, 0, 30.0, 0);
    int dups = 0;
    for (int i = 0; i < 20000; i++) {
        impair_decide(&m, i * MS, &d);
        dups += d.duplicate;
    }
    ck_assert_int_ge(dups, 5600);
    ck_assert_int_le(dups, 6400);
}
END_TEST

START_TEST(heap_releases_by_time_then_arrival)
{
    struct impair_heap *heap = NULL;
    ck_assert_int_eq(impair_heap_create(0, &heap), -EINVAL);
    ck_assert_int_eq(impair_heap_create(64, &heap), 0);
    ck_assert_ptr_null(impair_heap_peek(heap));
    struct impair_rng rng;
    impair_rng_seed(&rng, 9);
    for (uint32_t i = 0; i < 64; i++) {
        struct impair_held h = {.release_ns = (int64_t)(impair_rng_next(&rng) % 8),
                                .order = i, .packet_id = i};
        ck_assert_int_eq(impair_heap_push(heap, &h), 0);
    }
    struct impair_held extra = {.release_ns = 0};
    ck_assert_int_eq(impair_heap_push(heap, &extra), -EAGAIN);
    ck_assert_uint_eq(impair_heap_len(heap), 64);
    struct impair_held prev = {.release_ns = -1}, cur;
    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(impair_heap_pop(heap, &cur), 0);
        ck_assert(cur.release_ns > prev.release_ns ||
                  (cur.release_ns == prev.release_ns && cur.order > prev.order));
        prev = cur;
    }
    ck_assert_int_eq(impair_heap_pop(heap, &cur), -EAGAIN);
    impair_heap_destroy(&heap);
    ck_assert_ptr_null(heap);
    impair_heap_destroy(&heap);
    impair_heap_destroy(NULL);
}
END_TEST

START_TEST(heap_destroy_frees_held_copies)
{
    struct impair_heap *heap = NULL;
    ck_assert_int_eq(impair_heap_create(4, &heap), 0);
    struct impair_held h = {.release_ns = 1, .copy = malloc(100), .copy_len = 100};
    ck_assert_ptr_nonnull(h.copy);
    ck_assert_int_eq(impair_heap_push(heap, &h), 0);
    impair_heap_destroy(&heap); /* the sanitizer or valgrind would flag a leak */
    ck_assert_ptr_null(heap);
}
END_TEST

START_TEST(stats_report_counters_and_percentiles)
{
    struct impair_stats *s = NULL;
    ck_assert_int_eq(impair_stats_create(&s), 0);
    ck_assert_double_eq(impair_stats_delay_percentile(s, 0.5), 0.0);
    for (int ms = 1; ms <= 100; ms++)
        impair_stats_delay(s, ms * MS);
    impair_stats_delay(s, -5); /* clamped to 0 */
    impair_stats_delay(s, 1000000 * MS); /* beyond the histogram: last bin */
    for (int i = 0; i < 3; i++)
        impair_stats_count(s, IMPAIR_COUNT_PACKETS);
    impair_stats_count(s, IMPAIR_COUNT_DROPPED);
    impair_stats_held(s, 5);
    impair_stats_held(s, 2);
    ck_assert_uint_eq(impair_stats_get(s, IMPAIR_COUNT_PACKETS), 3);
    /* 102 delays (0, 1..100 ms, one huge): the 51st and the 97th, bin centres. */
    ck_assert_double_eq_tol(impair_stats_delay_percentile(s, 0.5), 50.05, 0.001);
    ck_assert_double_eq_tol(impair_stats_delay_percentile(s, 0.95), 96.05, 0.001);
    ck_assert_double_eq_tol(impair_stats_delay_percentile(s, 1.0), 60000.05, 0.001);
    char buf[1024];
    int n = impair_stats_json(s, true, buf, sizeof buf);
    ck_assert_int_gt(n, 0);
    ck_assert_ptr_nonnull(strstr(buf, "\"packets\": 3,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"dropped\": 1,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"held_max\": 5,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"delayed\": 102,"));
    ck_assert_ptr_nonnull(strstr(buf, "\"final\": true}"));
    ck_assert_int_eq(impair_stats_json(s, false, buf, 20), -ENOSPC);
    impair_stats_destroy(&s);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(stats_file_is_replaced_whole)
{
    struct impair_stats *s = NULL;
    ck_assert_int_eq(impair_stats_create(&s), 0);
    make_tmp_dir_named("sotto-impair");
    const char *path = tmp_path("stats.json");
    impair_stats_count(s, IMPAIR_COUNT_PACKETS);
    ck_assert_int_eq(impair_stats_write(s, false, path), 0);
    impair_stats_count(s, IMPAIR_COUNT_PACKETS);
    ck_assert_int_eq(impair_stats_write(s, true, path), 0);
    char text[1024] = {0};
    FILE *fh = fopen(path, "r");
    ck_assert_ptr_nonnull(fh);
    size_t n = fread(text, 1, sizeof text - 1, fh);
    fclose(fh);
    ck_assert_uint_gt(n, 0);
    ck_assert_ptr_nonnull(strstr(text, "\"packets\": 2,"));
    ck_assert_ptr_nonnull(strstr(text, "\"final\": true"));
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ck_assert_int_ne(access(tmp, F_OK), 0);
    ck_assert_int_lt(impair_stats_write(s, true, "/nonexistent-dir/x/stats.json"), 0);
    remove_tmp_dir();
    impair_stats_destroy(&s);
}
END_TEST

START_TEST(ipv4_dest_checks_every_header_field)
{
    uint8_t pkt[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0,
                       192, 0, 2, 1, 192, 0, 2, 2};
    uint32_t daddr = 0;
    ck_assert_int_eq(impair_ipv4_dest(pkt, sizeof pkt, &daddr), 0);
    const uint8_t want[4] = {192, 0, 2, 2};
    ck_assert_int_eq(memcmp(&daddr, want, 4), 0);
    for (size_t len = 0; len < sizeof pkt; len++)
        ck_assert_int_eq(impair_ipv4_dest(pkt, len, &daddr), -EINVAL);
    pkt[0] = 0x65; /* IPv6 version nibble */
    ck_assert_int_eq(impair_ipv4_dest(pkt, sizeof pkt, &daddr), -EINVAL);
    pkt[0] = 0x44; /* header shorter than 20 bytes */
    ck_assert_int_eq(impair_ipv4_dest(pkt, sizeof pkt, &daddr), -EINVAL);
    pkt[0] = 0x48; /* 32-byte header in a 28-byte packet */
    ck_assert_int_eq(impair_ipv4_dest(pkt, sizeof pkt, &daddr), -EINVAL);
    pkt[0] = 0x45;
    pkt[3] = 19; /* total length below the header */
    ck_assert_int_eq(impair_ipv4_dest(pkt, sizeof pkt, &daddr), -EINVAL);
    pkt[3] = 29; /* total length past the buffer */
    ck_assert_int_eq(impair_ipv4_dest(pkt, sizeof pkt, &daddr), -EINVAL);
    ck_assert_int_eq(impair_ipv4_dest(NULL, 28, &daddr), -EINVAL);
}
END_TEST

static Suite *impair_suite(void)
{
    Suite *s = suite_create("impair");
    TCase *tc = tcase_create("impair");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, args_parse_every_option);
    tcase_add_test(tc, args_ge_takes_netem_defaults);
    tcase_add_test(tc, args_reject_bad_values);
    tcase_add_test(tc, args_reject_missing_and_conflicting);
    tcase_add_test(tc, rng_is_reproducible_and_uniform);
    tcase_add_test(tc, rng_normal_is_standard_and_clipped);
    tcase_add_test(tc, ge_bursty_profile_loses_15pct_in_runs_of_3);
    tcase_add_test(tc, ge_h_and_k_are_delivery_probabilities);
    tcase_add_test(tc, decide_random_loss_matches_rate);
    tcase_add_test(tc, decide_jitter_is_normal_clipped_and_never_negative);
    tcase_add_test(tc, decide_keeps_fifo_order_under_jitter);
    tcase_add_test(tc, decide_reorders_a_share_only_when_delaying);
    tcase_add_test(tc, decide_counts_copies_like_netem);
    tcase_add_test(tc, heap_releases_by_time_then_arrival);
    tcase_add_test(tc, heap_destroy_frees_held_copies);
    tcase_add_test(tc, stats_report_counters_and_percentiles);
    tcase_add_test(tc, stats_file_is_replaced_whole);
    tcase_add_test(tc, ipv4_dest_checks_every_header_field);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(impair_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
