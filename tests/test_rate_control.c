/* Unit tests for the rate and packetisation controller. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "net/rate_control.h"

#define S 1000000ull /* one second in microseconds */

static sotto_ratectl *make(uint32_t link_kbps)
{
    sotto_ratectl_config cfg;
    sotto_ratectl *c = NULL;

    sotto_ratectl_config_default(&cfg);
    cfg.link_kbps = link_kbps;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    return c;
}

static sotto_ratectl_decision get(const sotto_ratectl *c)
{
    sotto_ratectl_decision d;

    ck_assert_int_eq(sotto_ratectl_get(c, &d), 0);
    return d;
}

static int report(sotto_ratectl *c, double loss, uint64_t t)
{
    sotto_ratectl_feedback fb = {loss, 100.0, 0};

    return sotto_ratectl_update(c, &fb, t);
}

START_TEST(ratectl_defaults_send_20_ms_without_redundancy)
{
    sotto_ratectl *c = make(0);
    sotto_ratectl_decision d = get(c);

    ck_assert_uint_eq(d.ptime_ms, 20);
    ck_assert_uint_eq(d.redundant_frames, 0);
    ck_assert_uint_eq(d.wire_bps, (8 + 45) * 8 * 50);
    ck_assert_uint_eq(d.bitrate, 3200);
    ck_assert_uint_eq(d.changes, 0);
    sotto_ratectl_destroy(&c);
    ck_assert_ptr_null(c);
}
END_TEST

/* 8 kbit/s leaves 7.2 for media: 100 ms packets (6.8 kbit/s) are the
 * shortest that fit; 80 ms would need 7.7. */
START_TEST(ratectl_slow_link_chooses_shortest_packet_that_fits)
{
    sotto_ratectl *c = make(8);
    sotto_ratectl_decision d = get(c);

    ck_assert_uint_eq(d.ptime_ms, 100);
    ck_assert_uint_le(d.wire_bps, 7200);
    ck_assert_uint_eq(d.cap_bps, 7200);
    sotto_ratectl_destroy(&c);
}
END_TEST

START_TEST(ratectl_loss_adds_redundancy_after_one_report)
{
    sotto_ratectl *c = make(0);
    sotto_ratectl_decision d;

    ck_assert_int_eq(report(c, 0.0, 5 * S), 0);
    ck_assert_int_eq(report(c, 0.05, 10 * S), 1);
    d = get(c);
    ck_assert_uint_eq(d.ptime_ms, 20);
    ck_assert_uint_eq(d.redundant_frames, 2); /* 5 %: depth 2 */
    /* A report inside the hold time waits; the next one applies. */
    ck_assert_int_eq(report(c, 0.10, 11 * S), 0);
    ck_assert_int_eq(report(c, 0.10, 15 * S), 1);
    d = get(c);
    ck_assert_uint_eq(d.redundant_frames, 3); /* 10 %: depth 3 */
    ck_assert_uint_eq(d.redundancy_packets, 3);
    ck_assert_str_ne(d.reason, "");
    sotto_ratectl_destroy(&c);
}
END_TEST

START_TEST(ratectl_relaxes_only_after_two_reports_and_hold)
{
    sotto_ratectl *c = make(0);
    uint64_t t = 0;
    int i, changed_at = -1;

    for (i = 0; i < 4; i++)
        report(c, 0.15, t += 5 * S);
    ck_assert_uint_eq(get(c).redundant_frames, 4);
    for (i = 0; i < 30 && changed_at < 0; i++) {
        if (report(c, 0.0, t += 5 * S) == 1)
            changed_at = i;
    }
    /* Loss decays by a quarter per report; the first relax comes once it is
     * under 60 % of 14 %, confirmed by a second report. */
    ck_assert_int_ge(changed_at, 2);
    ck_assert_uint_lt(get(c).redundant_frames, 4);
    sotto_ratectl_destroy(&c);
}
END_TEST

/* Loss wobbling around a threshold must not flip the choice back and forth. */
START_TEST(ratectl_does_not_oscillate_around_a_threshold)
{
    sotto_ratectl *c = make(0);
    uint64_t t = 0;
    int i;

    for (i = 0; i < 200; i++)
        report(c, i % 2 ? 0.04 : 0.065, t += 5 * S);
    ck_assert_uint_le(get(c).changes, 2);
    for (i = 0; i < 200; i++)
        report(c, i % 3 ? 0.08 : 0.13, t += 5 * S);
    ck_assert_uint_le(get(c).changes, 4);
    sotto_ratectl_destroy(&c);
}
END_TEST

/* Sotto on an 8 kbit/s link: 3.2 kbit/s frames fill 120 ms packets with no
 * room for a copy, 2 kbit/s (40 ms, 10-byte) frames leave room for one. */
static sotto_ratectl *make_switching(uint32_t link_kbps)
{
    sotto_ratectl_config cfg;
    sotto_ratectl *c = NULL;

    sotto_ratectl_config_default(&cfg);
    cfg.link_kbps = link_kbps;
    cfg.packet_overhead_bytes = 59; /* link framing + IPv4/UDP + RTP + 4-byte tag + header */
    cfg.max_redundant_frames = 12;
    cfg.low_frame_ms = 40;
    cfg.low_frame_bytes = 10;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    return c;
}

/* Loss of 5 % or more on a capped link moves to the low-rate mode, which
 * buys a redundant frame; it stays there while some loss remains (3 %),
 * and comes back only after loss has cleared, two reports and the hold. */
START_TEST(ratectl_slow_lossy_link_switches_to_the_low_mode_with_hysteresis)
{
    sotto_ratectl *c = make_switching(8);
    sotto_ratectl_decision d = get(c);
    uint64_t t = 0;
    int i, back_at = -1;

    ck_assert_int_eq(d.low_mode, 0);
    ck_assert_uint_eq(d.ptime_ms, 120);
    ck_assert_uint_eq(d.redundant_frames, 0);
    ck_assert_int_eq(report(c, 0.03, t += 5 * S), 0); /* 3 %: not enough to switch */
    ck_assert_int_eq(get(c).low_mode, 0);
    ck_assert_int_eq(report(c, 0.08, t += 5 * S), 1);
    d = get(c);
    ck_assert_int_eq(d.low_mode, 1);
    ck_assert_uint_eq(d.ptime_ms, 120);
    ck_assert_uint_eq(d.redundant_frames, 1); /* one 40 ms copy */
    ck_assert_uint_eq(d.bitrate, 2000);
    ck_assert_uint_eq(d.wire_bps, (4 * 10 + 59) * 8 * 1000 / 120);
    ck_assert_uint_le(d.wire_bps, d.cap_bps);
    ck_assert_ptr_nonnull(strstr(d.reason, "low-rate mode"));
    /* Loss that goes on at 3 % keeps it. */
    for (i = 0; i < 20; i++)
        report(c, 0.03, t += 5 * S);
    ck_assert_int_eq(get(c).low_mode, 1);
    /* Loss gone: back to the normal mode once the smoothed loss is under
     * 1.2 %, confirmed by a second report. */
    for (i = 0; i < 30 && back_at < 0; i++) {
        if (report(c, 0.0, t += 5 * S) == 1)
            back_at = i;
    }
    ck_assert_int_ge(back_at, 3);
    d = get(c);
    ck_assert_int_eq(d.low_mode, 0);
    ck_assert_uint_eq(d.bitrate, 3200);
    ck_assert_uint_eq(d.ptime_ms, 120);
    ck_assert_ptr_null(strstr(d.reason, "low-rate mode"));
    /* Loss wobbling across the entry level switches at most once each way. */
    uint64_t before = get(c).changes;
    for (i = 0; i < 200; i++)
        report(c, i % 2 ? 0.02 : 0.06, t += 5 * S);
    ck_assert_uint_le(get(c).changes - before, 2);
    sotto_ratectl_destroy(&c);
}
END_TEST

/* Without a cap the normal mode fits any redundancy: loss never switches
 * modes; nor does a controller without a low mode. */
START_TEST(ratectl_low_mode_only_where_it_buys_protection)
{
    sotto_ratectl *c = make_switching(0);
    uint64_t t = 0;

    report(c, 0.20, t += 5 * S);
    ck_assert_int_eq(get(c).low_mode, 0);
    ck_assert_uint_eq(get(c).redundant_frames, 4);
    sotto_ratectl_destroy(&c);
    c = make(8);
    report(c, 0.20, t += 5 * S);
    ck_assert_int_eq(get(c).low_mode, 0);
    sotto_ratectl_destroy(&c);
    /* A 40 kbit/s link fits full protection in the normal mode too. */
    c = make_switching(40);
    report(c, 0.20, t += 5 * S);
    ck_assert_int_eq(get(c).low_mode, 0);
    sotto_ratectl_destroy(&c);
}
END_TEST

START_TEST(ratectl_cap_and_loss_share_the_budget)
{
    sotto_ratectl *c = make(16);
    sotto_ratectl_decision d;
    uint64_t t = 0;
    int i;

    for (i = 0; i < 5; i++)
        report(c, 0.12, t += 5 * S);
    d = get(c);
    ck_assert_uint_le(d.wire_bps, 14400);
    ck_assert_uint_gt(d.redundant_frames, 0);
    ck_assert_uint_gt(d.ptime_ms, 20);
    sotto_ratectl_destroy(&c);
}
END_TEST

START_TEST(ratectl_remb_lowers_the_cap)
{
    sotto_ratectl *c = make(0);
    sotto_ratectl_feedback fb = {0.0, 50.0, 10000};

    ck_assert_int_eq(sotto_ratectl_update(c, &fb, 5 * S), 1);
    ck_assert_uint_eq(get(c).cap_bps, 9500);
    ck_assert_uint_le(get(c).wire_bps, 9500);
    sotto_ratectl_destroy(&c);
}
END_TEST

START_TEST(ratectl_bitrate_codec_fits_cap_above_floor)
{
    sotto_ratectl_config cfg;
    sotto_ratectl *c = NULL;
    uint64_t t = 0;
    int i;

    sotto_ratectl_config_default(&cfg);
    cfg.kind = SOTTO_RATECTL_BITRATE;
    cfg.ptime_ms = 60;
    cfg.frame_ms = 60;
    cfg.max_ptime_ms = 60; /* the packet time fixed: the rate alone fits the cap */
    cfg.packet_overhead_bytes = 44;
    cfg.max_redundant_frames = 0;
    cfg.link_kbps = 16;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    /* 14.4 kbit/s for media minus 44 bytes per 60 ms of headers. */
    ck_assert_uint_eq(get(c).bitrate, 14400 - 44 * 8 * 1000 / 60);
    for (i = 0; i < 4; i++)
        report(c, 0.09, t += 5 * S);
    ck_assert_uint_eq(get(c).expected_loss_pct, 10);
    /* Loss wandering between 5 and 9 % keeps FEC tuned for 10 %. */
    for (i = 0; i < 40; i++)
        report(c, i % 2 ? 0.05 : 0.09, t += 5 * S);
    ck_assert_uint_eq(get(c).expected_loss_pct, 10);
    ck_assert_uint_le(get(c).changes, 2);
    sotto_ratectl_destroy(&c);
    cfg.link_kbps = 8;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    ck_assert_uint_eq(get(c).bitrate, 6000);
    sotto_ratectl_destroy(&c);
}
END_TEST

/* With RED, loss adds one copy of the previous packet; under a cap the
 * codec's rate halves to make room for it. */
START_TEST(ratectl_bitrate_codec_adds_red_copies_within_cap)
{
    sotto_ratectl_config cfg;
    sotto_ratectl *c = NULL;
    sotto_ratectl_decision d;

    sotto_ratectl_config_default(&cfg);
    cfg.kind = SOTTO_RATECTL_BITRATE;
    cfg.ptime_ms = 20;
    cfg.frame_ms = 20;
    cfg.max_ptime_ms = 20;
    cfg.good_bitrate = 8000;
    cfg.packet_overhead_bytes = 44;
    cfg.max_redundant_frames = 1;
    cfg.bitrate = 16000;
    cfg.link_kbps = 40;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    ck_assert_uint_eq(get(c).bitrate, 16000);
    ck_assert_uint_eq(get(c).redundant_frames, 0);
    ck_assert_int_eq(report(c, 0.08, 5 * S), 1);
    d = get(c);
    ck_assert_uint_eq(d.redundant_frames, 1);
    /* 36 kbit/s for media less 49 bytes of headers per 20 ms, shared by
     * the primary and its copy: 8.2 kbit/s each. */
    ck_assert_uint_eq(d.bitrate, (36000 - 49 * 8 * 50) / 2);
    ck_assert_uint_le(d.wire_bps, 36000);
    sotto_ratectl_destroy(&c);
    /* On a link where a copy would push the rate under the codec's floor,
     * loss gets FEC tuning but no copy. */
    cfg.link_kbps = 20;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    report(c, 0.08, 5 * S);
    ck_assert_uint_eq(get(c).redundant_frames, 0);
    ck_assert_uint_eq(get(c).expected_loss_pct, 10);
    sotto_ratectl_destroy(&c);
    cfg.max_redundant_frames = 3;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), -EINVAL);
}
END_TEST

/* Opus as the media path configures it: every header to the link layer
 * (Ethernet 14 + IPv4/UDP 28 + RTP 12 + SRTP tag 10), packets of 20 to
 * 120 ms, RED with one copy, FEC where 12 kbit/s remain. */
static sotto_ratectl_config opus_config(uint32_t link_kbps)
{
    sotto_ratectl_config cfg;

    sotto_ratectl_config_default(&cfg);
    cfg.kind = SOTTO_RATECTL_BITRATE;
    cfg.frame_ms = 20;
    cfg.ptime_ms = 20;
    cfg.max_ptime_ms = 120;
    cfg.packet_overhead_bytes = 64;
    cfg.max_redundant_frames = 1;
    cfg.bitrate = 24000;
    cfg.min_bitrate = 2500;
    cfg.fec_min_bitrate = 12000;
    cfg.link_kbps = link_kbps;
    return cfg;
}

/* An 8 kbit/s link: headers of 20 ms packets alone (25.6 kbit/s) would
 * overfill it, so 120 ms packets with what is left, at a constant rate;
 * loss gets neither a copy nor FEC, which would not fit. */
START_TEST(ratectl_opus_on_an_8_kbit_link_sends_120_ms_packets_within_it)
{
    sotto_ratectl_config cfg = opus_config(8);
    sotto_ratectl *c = NULL;
    sotto_ratectl_decision d;

    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    d = get(c);
    ck_assert_uint_eq(d.ptime_ms, 120);
    ck_assert_uint_eq(d.bitrate, 7200 - 64 * 8 * 1000 / 120);
    ck_assert_uint_le(d.wire_bps, 7200);
    ck_assert_uint_eq(d.wire_bps, d.bitrate + 64 * 8 * 1000 / 120);
    ck_assert_int_eq(d.constant_rate, 1);
    ck_assert_uint_eq(d.redundant_frames, 0);
    report(c, 0.10, 5 * S);
    report(c, 0.10, 10 * S);
    d = get(c);
    ck_assert_uint_eq(d.redundant_frames, 0);
    ck_assert_uint_eq(d.expected_loss_pct, 0);
    ck_assert_uint_le(d.wire_bps, 7200);
    ck_assert(strstr(d.reason, "120 ms packets") != NULL);
    sotto_ratectl_destroy(&c);
}
END_TEST

/* A 40 kbit/s link: the shortest packets that leave 12 kbit/s (40 ms);
 * with loss one RED copy at the packet time that still leaves 12 kbit/s
 * to each copy (60 ms), FEC tuned since the rate allows it. */
START_TEST(ratectl_opus_on_a_40_kbit_link_takes_the_shortest_good_packets)
{
    sotto_ratectl_config cfg = opus_config(40);
    sotto_ratectl *c = NULL;
    sotto_ratectl_decision d;

    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    d = get(c);
    ck_assert_uint_eq(d.ptime_ms, 40);
    ck_assert_uint_eq(d.bitrate, 36000 - 64 * 8 * 25);
    ck_assert_uint_le(d.wire_bps, 36000);
    ck_assert_int_eq(report(c, 0.08, 5 * S), 1);
    d = get(c);
    ck_assert_uint_eq(d.redundant_frames, 1);
    ck_assert_uint_eq(d.ptime_ms, 60);
    ck_assert_uint_eq(d.bitrate, (36000 - (64 + 5) * 8 * 1000 / 60) / 2);
    ck_assert_uint_le(d.wire_bps, 36000);
    ck_assert_uint_eq(d.expected_loss_pct, 10);
    sotto_ratectl_destroy(&c);
}
END_TEST

/* Without a cap nothing changes: 20 ms at the configured variable rate. */
START_TEST(ratectl_opus_without_a_cap_keeps_20_ms_variable_rate)
{
    sotto_ratectl_config cfg = opus_config(0);
    sotto_ratectl *c = NULL;
    sotto_ratectl_decision d;

    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), 0);
    d = get(c);
    ck_assert_uint_eq(d.ptime_ms, 20);
    ck_assert_uint_eq(d.bitrate, 24000);
    ck_assert_int_eq(d.constant_rate, 0);
    ck_assert_uint_eq(d.wire_bps, 24000 + 64 * 8 * 50);
    sotto_ratectl_destroy(&c);
    /* A longest packet time above 120 ms or off the frame is refused. */
    cfg.max_ptime_ms = 140;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), -EINVAL);
    cfg.max_ptime_ms = 10;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), -EINVAL);
}
END_TEST

START_TEST(ratectl_rejects_bad_config_and_feedback)
{
    sotto_ratectl_config cfg;
    sotto_ratectl *c = NULL;
    sotto_ratectl_feedback fb = {1.5, 0, 0};

    sotto_ratectl_config_default(&cfg);
    cfg.ptime_ms = 30;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), -EINVAL);
    sotto_ratectl_config_default(&cfg);
    cfg.max_ptime_ms = 10;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), -EINVAL);
    sotto_ratectl_config_default(&cfg);
    cfg.max_redundant_frames = 64;
    ck_assert_int_eq(sotto_ratectl_create(&c, &cfg), -EINVAL);
    ck_assert_int_eq(sotto_ratectl_create(NULL, NULL), -EINVAL);
    ck_assert_ptr_null(c);
    ck_assert_int_eq(sotto_ratectl_create(&c, NULL), 0);
    ck_assert_int_eq(sotto_ratectl_update(c, &fb, 0), -EINVAL);
    ck_assert_int_eq(sotto_ratectl_update(c, NULL, 0), -EINVAL);
    sotto_ratectl_destroy(&c);
    sotto_ratectl_destroy(NULL);
}
END_TEST

static Suite *ratectl_suite(void)
{
    Suite *s = suite_create("rate_control");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, ratectl_defaults_send_20_ms_without_redundancy);
    tcase_add_test(tc, ratectl_slow_link_chooses_shortest_packet_that_fits);
    tcase_add_test(tc, ratectl_loss_adds_redundancy_after_one_report);
    tcase_add_test(tc, ratectl_relaxes_only_after_two_reports_and_hold);
    tcase_add_test(tc, ratectl_does_not_oscillate_around_a_threshold);
    tcase_add_test(tc, ratectl_cap_and_loss_share_the_budget);
    tcase_add_test(tc, ratectl_remb_lowers_the_cap);
    tcase_add_test(tc, ratectl_bitrate_codec_fits_cap_above_floor);
    tcase_add_test(tc, ratectl_bitrate_codec_adds_red_copies_within_cap);
    tcase_add_test(tc, ratectl_opus_on_an_8_kbit_link_sends_120_ms_packets_within_it);
    tcase_add_test(tc, ratectl_opus_on_a_40_kbit_link_takes_the_shortest_good_packets);
    tcase_add_test(tc, ratectl_opus_without_a_cap_keeps_20_ms_variable_rate);
    tcase_add_test(tc, ratectl_rejects_bad_config_and_feedback);
    tcase_add_test(tc, ratectl_slow_lossy_link_switches_to_the_low_mode_with_hysteresis);
    tcase_add_test(tc, ratectl_low_mode_only_where_it_buys_protection);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ratectl_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
