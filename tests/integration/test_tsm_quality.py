#!/usr/bin/python3
"""What time-scale modification (audio/tsm.h) costs speech: ESTOI of 5 % and
10 % speed-up and slow-down against the original, time-aligned.

The tsm-stretch helper ($TSM_STRETCH) plays espeak-ng speech through the
stretcher as a jitter buffer does (20 ms periods; one compress or expand
every 100/PERCENT periods) and names the output sample where each begins.
Between two such events the output is the input at one fixed lag, so the
reference is built on the output's time line: each stretch of output gets
the original at that stretch's lag (found by cross-correlation near the
lag the events predict). What the splices add beyond the time they remove
or insert (clicks, doubled or missing syllables, phasiness) is what ESTOI
then sees: the cost is 1 - ESTOI, bounded by MAX_COST.

Needs numpy and scipy (Debian's /usr/bin/python3) and espeak-ng; exits 77
(skipped) without them.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
    import scipy  # noqa: F401  (the quality harness needs it)
except ImportError as missing:
    print("skipping: %s (use a Python with numpy and scipy)" % missing)
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from quality_lib import audio_io, stoi  # noqa: E402
from quality_lib.numeric import resample_poly  # noqa: E402

RATE = 16000
FRAME = 320
MAX_COST = 0.05          # ESTOI the stretcher may cost, per the bound
SEARCH = 2 * FRAME       # lag search around the predicted lag, samples
TEXT = ("The quick brown fox jumps over the lazy dog. Please call Stella and ask her to "
        "bring these things with her from the store. Six spoons of fresh snow peas, five "
        "thick slabs of blue cheese. Is the meeting on Tuesday at half past nine, or on "
        "Thursday? We measured the temperature at seven hundred and forty two points.")


def espeak(path):
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", path, TEXT], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x, rate = audio_io.read_wav(path)
    if rate != RATE:
        g = np.gcd(int(rate), RATE)
        x = resample_poly(x, RATE // g, int(rate) // g)
    return x


def stretch(x, percent, workdir):
    """The helper's output for speech x (floats, -1..1) and its event samples."""
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2").tobytes()
    events = os.path.join(workdir, "events")
    out = subprocess.run([os.environ.get("TSM_STRETCH", "tsm-stretch"), str(percent), events],
                         input=pcm, stdout=subprocess.PIPE, check=True).stdout
    with open(events) as f:
        marks = [int(line) for line in f if line.strip()]
    return np.frombuffer(out, dtype="<i2").astype(np.float64) / 32768.0, marks


def best_lag(x, y, start, end, predicted):
    """The lag L with y[start:end] closest to x[start+L:end+L], near predicted."""
    seg = y[start:end]
    if np.dot(seg, seg) < 1e-6 * len(seg):
        return predicted            # silence: any lag does
    best, best_corr = predicted, -np.inf
    for lag in range(predicted - SEARCH, predicted + SEARCH + 1):
        a, b = start + lag, end + lag
        if a < 0 or b > len(x):
            continue
        ref = x[a:b]
        corr = np.dot(seg, ref) / (np.sqrt(np.dot(ref, ref) * np.dot(seg, seg)) + 1e-12)
        if corr > best_corr:
            best, best_corr = lag, corr
    return best


def aligned_reference(x, y, marks, percent):
    """The original on y's time line: each stretch between events at its own lag."""
    ref = np.zeros_like(y)
    bounds = [0] + marks + [len(y)]
    step = FRAME if percent > 0 else -FRAME
    predicted = 0
    for i in range(len(bounds) - 1):
        start, end = bounds[i], bounds[i + 1]
        if i > 0:
            predicted += step
        # The event's own period (the splice) belongs to what follows it.
        lag = best_lag(x, y, start + FRAME if i > 0 else start, end, predicted)
        predicted = lag
        for n in range(start, end):
            ref[n] = x[n + lag] if 0 <= n + lag < len(x) else 0.0
    return ref


def cost(x, percent, workdir):
    y, marks = stretch(x, percent, workdir)
    ref = aligned_reference(x, y, marks, percent)
    n = min(len(ref), len(y))
    return 1.0 - float(stoi.estoi(ref[:n], y[:n], RATE)), y, ref, marks


@unittest.skipUnless(shutil.which("espeak-ng"), "espeak-ng is not installed")
class TsmQuality(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.x = espeak(os.path.join(cls.tmp.name, "speech.wav"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_speed_up_and_slow_down_cost_at_most_the_bound(self):
        for percent in (5, 10, -5, -10):
            with self.subTest(percent=percent):
                c, y, _, marks = cost(self.x, percent, self.tmp.name)
                print("tsm %+d %%: ESTOI cost %.3f (%d events, %.2f s -> %.2f s)"
                      % (percent, c, len(marks), len(self.x) / RATE, len(y) / RATE))
                self.assertGreater(len(marks), 10)
                # The output's length moved by the asked share (each event is one frame).
                self.assertAlmostEqual(len(y) / len(self.x), 1 - percent / 100.0, delta=0.02)
                self.assertLessEqual(c, MAX_COST)

    def test_the_measure_sees_a_bad_splice(self):
        """The same alignment scores a stretcher that leaves 20 ms gaps at its
        splices well above the bound: the test can fail."""
        _, y, ref, marks = cost(self.x, 10, self.tmp.name)
        gappy = y.copy()
        for m in marks:
            gappy[m:m + FRAME] = 0.0
        n = min(len(ref), len(gappy))
        bad = 1.0 - float(stoi.estoi(ref[:n], gappy[:n], RATE))
        print("tsm +10 %% with 20 ms gaps at the splices: ESTOI cost %.3f" % bad)
        self.assertGreater(bad, MAX_COST)


if __name__ == "__main__":
    unittest.main(verbosity=2)
