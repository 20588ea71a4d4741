"""The slow-link emulator measured: profiles applied through the fallback back
end (tbf + iptables NFQUEUE + sotto-impair) must give the loss, loss bursts,
delay, jitter and rate they promise, and the helper's own counters must agree
with what the probe saw. Where the kernel has netem, both back ends are also
compared with each other. Needs root, network namespaces, iptables NFQUEUE
and sotto-impair ($SOTTO_IMPAIR); exits 77 (skipped) without them."""
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
from netem_lib import probe  # noqa: E402
from netem_lib.emulator import (Emulator, find_impair_bin, namespaces_available,  # noqa: E402
                                netem_available, nfqueue_available)
from netem_lib.profiles import get_profile  # noqa: E402

BOTH = ("a_to_b", "b_to_a")


def skip_reason():
    if os.geteuid() != 0:
        return "needs root"
    if not namespaces_available():
        return "cannot create network namespaces"
    if not nfqueue_available():
        return "iptables NFQUEUE is not available"
    if not find_impair_bin():
        return "sotto-impair not built (set SOTTO_IMPAIR)"
    return None


def measure(name, pps, size, seconds, backend="fallback", directions=("a_to_b",)):
    """Probe results per direction, the link statistics after the helpers
    stopped, and their exit codes."""
    with Emulator(name, backend=backend, seed=1) as emu:
        stats = probe.run(emu, directions, pps=pps, size=size, seconds=seconds)
    return stats, emu.impair_stats(), emu.helper_exit_codes()


class FallbackBackend(unittest.TestCase):
    def assert_helper_agrees(self, stats, link, codes, directions):
        self.assertEqual(set(codes), set(BOTH))
        self.assertTrue(all(c == 0 for c in codes.values()), codes)
        for d in directions:
            helper = link[d]
            self.assertTrue(helper["final"])
            # Only the probe crosses the link: every datagram met the helper.
            self.assertEqual(helper["packets"], stats[d]["sent"])
            self.assertAlmostEqual(100.0 * helper["dropped"] / helper["packets"],
                                   stats[d]["loss_pct"], delta=1.0)
            self.assertEqual(helper["errors"], 0)
            self.assertEqual(helper["overflow"], 0)

    def test_lossy10_loses_ten_percent_at_random(self):
        stats, link, codes = measure("lossy10", pps=400, size=100, seconds=6,
                                     directions=BOTH)
        for d in BOTH:
            s = stats[d]
            self.assertGreaterEqual(s["sent"], 2000)
            self.assertAlmostEqual(s["loss_pct"], 10.0, delta=2.5)
            self.assertLess(s["mean_burst"], 1.5)   # random: runs of about 1.1
            self.assertAlmostEqual(s["delay_ms"]["mean"], 20.0, delta=5.0)
            self.assertEqual(s["duplicates"], 0)
            self.assertEqual(s["reordered"], 0)
        self.assert_helper_agrees(stats, link, codes, BOTH)
        print("lossy10", {d: (round(stats[d]["loss_pct"], 2), round(stats[d]["mean_burst"], 2),
                              round(stats[d]["delay_ms"]["mean"], 1)) for d in BOTH},
              file=sys.stderr)

    def test_bursty_loses_fifteen_percent_in_bursts_of_three(self):
        stats, link, codes = measure("bursty", pps=400, size=100, seconds=7)
        s = stats["a_to_b"]
        self.assertGreaterEqual(s["sent"], 2000)
        self.assertAlmostEqual(s["loss_pct"], 15.0, delta=4.0)
        self.assertAlmostEqual(s["mean_burst"], 3.0, delta=1.0)
        self.assert_helper_agrees(stats, link, codes, ("a_to_b",))
        print("bursty", round(s["loss_pct"], 2), round(s["mean_burst"], 2), file=sys.stderr)

    def test_satellite_delays_300ms_with_its_jitter(self):
        # 20 packets/s: slower than the jitter, so FIFO order barely lifts the mean.
        stats, link, codes = measure("satellite", pps=20, size=160, seconds=6,
                                     directions=BOTH)
        jitter = get_profile("satellite").jitter_ms
        for d in BOTH:
            dm = stats[d]["delay_ms"]
            self.assertEqual(stats[d]["lost"], 0)
            self.assertAlmostEqual(dm["mean"], 300.0, delta=15.0)
            spread = dm["p95"] - dm["p5"]     # 3.29 sigma for a normal spread
            self.assertGreater(spread, 0.6 * 3.29 * jitter)
            self.assertLess(spread, 1.35 * 3.29 * jitter)
            self.assertGreaterEqual(dm["min"], 300.0 - 3 * jitter - 1)
            self.assertLessEqual(dm["max"], 300.0 + 3 * jitter + 25)
        self.assert_helper_agrees(stats, link, codes, BOTH)
        print("satellite", {d: (round(stats[d]["delay_ms"]["mean"], 1),
                                round(stats[d]["delay_ms"]["p95"] - stats[d]["delay_ms"]["p5"], 1))
                            for d in BOTH}, file=sys.stderr)

    def test_slow8k_caps_the_rate_at_8_kbit(self):
        # 400-byte datagrams at 5/s: 16 kbit/s offered, twice the link.
        stats, link, codes = measure("slow8k", pps=5, size=372, seconds=8)
        s = stats["a_to_b"]
        self.assertAlmostEqual(s["offered_kbit"], 16.0, delta=0.1)
        self.assertLessEqual(s["throughput_kbit"], 8.6)
        self.assertGreaterEqual(s["throughput_kbit"], 7.0)
        self.assertGreater(s["loss_pct"], 25.0)   # the excess is dropped, not queued forever
        self.assertGreaterEqual(s["delay_ms"]["min"], 100.0)
        self.assertEqual(codes, {"a_to_b": 0, "b_to_a": 0})
        print("slow8k", round(s["throughput_kbit"], 2), round(s["loss_pct"], 1),
              file=sys.stderr)

    def test_clean_link_is_untouched(self):
        with Emulator("clean", backend="fallback") as emu:
            self.assertEqual(emu.backend, "none")
            stats = probe.run(emu, BOTH, pps=100, size=160, seconds=2)
        for d in BOTH:
            self.assertEqual(stats[d]["lost"], 0)
            self.assertLess(stats[d]["delay_ms"]["mean"], 5.0)

    def test_helper_rejects_a_queue_already_bound(self):
        with Emulator("lossy10", backend="fallback", seed=3) as emu:
            proc = subprocess.run(emu.prefix(emu.ns_a) + [emu.impair_bin, "--queue", "7"],
                                  capture_output=True, text=True, timeout=10)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("cannot bind NFQUEUE 7", proc.stderr)


@unittest.skipUnless(os.geteuid() == 0 and netem_available(), "the kernel has no netem")
class NetemAgainstFallback(unittest.TestCase):
    """Runs only where sch_netem exists (not on the project's CI kernel)."""

    def test_backends_agree(self):
        for name in ("lossy10", "bursty", "satellite", "slow8k"):
            profile = get_profile(name)
            runs = {}
            for backend in ("netem", "fallback"):
                with Emulator(name, backend=backend, seed=1) as emu:
                    self.assertEqual(emu.backend, backend)
                    runs[backend] = probe.measure(emu, 6, directions=("a_to_b",))["a_to_b"]
            for c in probe.compare_backends(profile, runs["netem"], runs["fallback"]):
                self.assertTrue(c["ok"], "%s: %s" % (name, c))


if __name__ == "__main__":
    reason = skip_reason()
    if reason:
        print("skipping: %s" % reason)
        sys.exit(77)
    unittest.main(verbosity=2)
