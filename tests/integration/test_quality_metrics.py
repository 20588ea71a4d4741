#!/usr/bin/python3
"""Unit tests of the codec quality harness (scripts/quality_lib) on synthetic signals.

Run with a Python that has numpy and scipy (Debian's /usr/bin/python3):
    python3 -m unittest tests/integration/test_quality_metrics.py -v
No corpus is needed. Tests that drive external programs (sox, opusenc) or
libopus skip themselves when those are not installed; run as a script without
numpy/scipy it exits with 77 (skipped).
"""

import ctypes.util
import importlib
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

try:
    import numpy as np
    importlib.import_module("scipy")   # the harness needs it: checked here to skip cleanly
except ImportError as missing:
    if __name__ == "__main__":
        print("skipping: %s (use a Python with numpy and scipy)" % missing)
        sys.exit(77)   # the "skipped" exit status of meson and automake
    raise

SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts")
sys.path.insert(0, SCRIPTS)

from quality_lib import (align, audio_io, codecs, corpus, evaluate, loss,  # noqa: E402
                         noise, ogg, pesq, report, spectral, stoi, wer)

FS = 16000


def synthetic_speech(seconds=3.0, fs=FS, seed=7):
    """Speech-like test signal: voiced syllables (gliding harmonic complex with
    formant-like emphasis, 4 Hz syllabic envelope), fricative noise bursts and pauses."""
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    t = np.arange(n) / fs
    f0 = 120.0 + 40.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / fs
    voiced = np.zeros(n)
    for k in range(1, 30):
        freq = k * f0
        # three formant regions around 500, 1500 and 2500 Hz
        gain = sum(np.exp(-((freq - fc) / 250.0) ** 2) for fc in (500.0, 1500.0, 2500.0)) + 0.05
        voiced += gain * np.sin(k * phase) * (freq < fs / 2)
    syllables = np.clip(np.sin(2 * np.pi * 4.0 * t + 0.3), 0.0, None) ** 2
    pauses = ((t % 1.5) < 1.2).astype(float)
    fricative = np.convolve(rng.standard_normal(n), [1.0, -0.9], mode="same")
    fricative *= (np.sin(2 * np.pi * 4.0 * t + 0.3 + np.pi) > 0.7) * 0.3
    signal = (voiced * syllables + fricative) * pauses
    return 0.3 * signal / np.max(np.abs(signal))


def add_white(x, snr_db, seed=1):
    return noise.add_noise(x, snr_db, "white", np.random.default_rng(seed))


class ReferenceStoi:
    """Loop-by-loop transcription of the authors' MATLAB stoi.m/estoi.m (fs = 10 kHz input),
    used to check the vectorised implementation."""

    @staticmethod
    def silent_removal(x, y):
        n, k = 256, 128
        w = np.hanning(n + 2)[1:-1]
        frames = list(range(0, len(x) - n, k))
        with np.errstate(divide="ignore"):    # all-zero frames give -inf, as in MATLAB
            msk = np.array([20 * np.log10(np.linalg.norm(x[j:j + n] * w) / np.sqrt(n))
                            for j in frames])
        msk = (msk - msk.max() + 40) > 0
        x_sil, y_sil = np.zeros(len(x)), np.zeros(len(y))
        count, end = 0, 0
        for j, keep in zip(frames, msk):
            if keep:
                out = frames[count]
                x_sil[out:out + n] += x[j:j + n] * w
                y_sil[out:out + n] += y[j:j + n] * w
                end = out + n
                count += 1
        return x_sil[:end], y_sil[:end]

    @staticmethod
    def octave_bands(x, obm):
        n, k = 256, 128
        w = np.hanning(n + 2)[1:-1]
        frames = list(range(0, len(x) - n, k))
        out = np.zeros((obm.shape[0], len(frames)))
        for i, j in enumerate(frames):
            spec = np.fft.fft(x[j:j + n] * w, 512)[:257]
            out[:, i] = np.sqrt(obm @ np.abs(spec) ** 2)
        return out

    @classmethod
    def measure(cls, x, y, extended):
        obm, _ = stoi.third_octave_matrix()
        x, y = cls.silent_removal(x, y)
        xb, yb = cls.octave_bands(x, obm), cls.octave_bands(y, obm)
        scores = []
        for m in range(30, xb.shape[1] + 1):
            xs, ys = xb[:, m - 30:m], yb[:, m - 30:m]
            if extended:
                xr = xs - xs.mean(axis=1, keepdims=True)
                yr = ys - ys.mean(axis=1, keepdims=True)
                xr /= np.linalg.norm(xr, axis=1, keepdims=True)
                yr /= np.linalg.norm(yr, axis=1, keepdims=True)
                xc = xr - xr.mean(axis=0, keepdims=True)
                yc = yr - yr.mean(axis=0, keepdims=True)
                xc /= np.linalg.norm(xc, axis=0, keepdims=True)
                yc /= np.linalg.norm(yc, axis=0, keepdims=True)
                scores.append(np.sum(xc * yc) / 30)
                continue
            alpha = np.sqrt(np.sum(xs ** 2, axis=1) / np.sum(ys ** 2, axis=1))
            for j in range(xs.shape[0]):
                yp = np.minimum(ys[j] * alpha[j], xs[j] * (1 + 10 ** (15 / 20)))
                scores.append(np.corrcoef(xs[j], yp)[0, 1])
        return float(np.mean(scores))


class StoiTest(unittest.TestCase):
    def setUp(self):
        self.x = synthetic_speech()

    def test_identical_signals_score_one(self):
        self.assertAlmostEqual(stoi.stoi(self.x, self.x, FS), 1.0, delta=1e-6)
        self.assertAlmostEqual(stoi.estoi(self.x, self.x, FS), 1.0, delta=1e-6)

    def test_gain_change_does_not_matter(self):
        self.assertAlmostEqual(stoi.stoi(self.x, 0.25 * self.x, FS), 1.0, delta=1e-6)
        self.assertAlmostEqual(stoi.estoi(self.x, 3.0 * self.x, FS), 1.0, delta=1e-6)

    def test_heavy_noise_scores_much_lower(self):
        noisy = add_white(self.x, -10.0)
        self.assertLess(stoi.stoi(self.x, noisy, FS), 0.7)
        self.assertLess(stoi.estoi(self.x, noisy, FS), 0.5)

    def test_scores_rise_monotonically_with_snr(self):
        snrs = [-15, -10, -5, 0, 5, 10, 20, 30]
        short = [stoi.stoi(self.x, add_white(self.x, s), FS) for s in snrs]
        extended = [stoi.estoi(self.x, add_white(self.x, s), FS) for s in snrs]
        self.assertTrue(all(a < b for a, b in zip(short, short[1:])), short)
        self.assertTrue(all(a < b for a, b in zip(extended, extended[1:])), extended)
        self.assertGreater(short[-1], 0.97)

    def test_matches_literal_port_of_reference_code(self):
        x10 = synthetic_speech(fs=10000, seed=3)
        y10 = add_white(x10, 0.0, seed=4)
        for extended in (False, True):
            expected = ReferenceStoi.measure(x10, y10, extended)
            got = stoi.stoi(x10, y10, 10000, extended=extended)
            self.assertAlmostEqual(got, expected, delta=1e-9)

    def test_resampling_path_agrees_with_native_rate(self):
        # The same content scored at 16 kHz (resampled inside) or at 10 kHz.
        x16 = synthetic_speech(fs=16000, seed=5)
        y16 = add_white(x16, 0.0, seed=6)
        native = stoi.stoi(stoi._resample_to_stoi_rate(x16, FS),
                           stoi._resample_to_stoi_rate(y16, FS), 10000)
        self.assertAlmostEqual(stoi.stoi(x16, y16, FS), native, delta=1e-12)

    def test_third_octave_bands_follow_the_paper(self):
        matrix, centres = stoi.third_octave_matrix()
        self.assertEqual(matrix.shape, (15, 257))
        self.assertAlmostEqual(centres[0], 150.0)
        self.assertAlmostEqual(centres[3] / centres[0], 2.0)   # three bands per octave
        self.assertTrue(np.all(matrix.sum(axis=1) > 0))
        self.assertTrue(np.all(matrix.sum(axis=0) <= 1))        # bands do not overlap
        bin_hz = 10000 / 512
        self.assertLess(abs(np.argmax(matrix[0]) * bin_hz - 150 * 2 ** (-1 / 6)), bin_hz)

    def test_silent_frames_are_removed(self):
        gap = np.zeros(FS)
        with_gap = np.concatenate([self.x, gap, self.x])
        x_kept, y_kept = stoi.remove_silent_frames(with_gap, with_gap)
        self.assertEqual(x_kept.size, y_kept.size)
        self.assertLess(x_kept.size, 2 * self.x.size)
        noisy = add_white(with_gap, 5.0)
        # silence in the middle changes little: the score is about speech frames
        plain = stoi.stoi(np.concatenate([self.x, self.x]),
                          np.concatenate([noisy[:self.x.size], noisy[-self.x.size:]]), FS)
        self.assertAlmostEqual(stoi.stoi(with_gap, noisy, FS), plain, delta=0.02)

    def test_rejects_unequal_lengths_and_bad_input(self):
        with self.assertRaises(ValueError):
            stoi.stoi(self.x, self.x[:-1], FS)
        with self.assertRaises(ValueError):
            stoi.stoi(self.x.reshape(-1, 2), self.x.reshape(-1, 2), FS)
        bad = self.x.copy()
        bad[10] = np.nan
        with self.assertRaises(ValueError):
            stoi.stoi(self.x, bad, FS)

    def test_too_short_signal_gives_nan(self):
        short = self.x[:3000]   # under one 384 ms segment
        self.assertTrue(math.isnan(stoi.stoi(short, short, FS)))


class NumpyFallbackTest(unittest.TestCase):
    """The NumPy-only routines the demo scores with (no SciPy there) match SciPy's."""

    def test_resample_poly_matches_scipy(self):
        from scipy.signal import resample_poly as scipy_resample
        from quality_lib import numeric
        rng = np.random.default_rng(3)
        for n in (1, 7, 160, 16001, 48000):
            x = rng.standard_normal(n)
            for up, down in ((5, 8), (8, 5), (1, 3), (2, 1), (10, 16), (4, 4)):
                ours = numeric._numpy_resample_poly(x, up, down)
                ref = scipy_resample(x, up, down)
                self.assertEqual(ours.shape, ref.shape, (n, up, down))
                self.assertLess(np.max(np.abs(ours - ref)), 1e-9, (n, up, down))

    def test_next_fast_len_is_five_smooth_and_minimal(self):
        from quality_lib import numeric

        def five_smooth(n):
            for p in (2, 3, 5):
                while n % p == 0:
                    n //= p
            return n == 1
        for target in list(range(1, 400)) + [4801, 65537, 100003]:
            ours = numeric._numpy_next_fast_len(target)
            expected = next(n for n in range(target, 2 * target + 2) if five_smooth(n))
            self.assertEqual(ours, expected, target)

    def test_estoi_without_scipy_matches(self):
        """The whole scoring path, run with SciPy hidden, gives SciPy's ESTOI."""
        clean = synthetic_speech(2.5)
        noisy = clean + 0.05 * np.random.default_rng(5).standard_normal(len(clean))
        with tempfile.TemporaryDirectory() as tmp:
            a, b = os.path.join(tmp, "a.wav"), os.path.join(tmp, "b.wav")
            audio_io.write_wav16(a, clean * 0.5, FS)
            audio_io.write_wav16(b, noisy * 0.5, FS)
            code = ("import sys; sys.modules['scipy'] = None; sys.path.insert(0, %r)\n"
                    "from quality_lib import audio_io, numeric, stoi\n"
                    "assert not numeric.HAVE_SCIPY\n"
                    "x, _ = audio_io.read_wav(%r); y, _ = audio_io.read_wav(%r)\n"
                    "print(repr(stoi.stoi(x, y, 16000, extended=True)))\n"
                    % (SCRIPTS, a, b))
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 check=True).stdout
            x, _ = audio_io.read_wav(a)
            y, _ = audio_io.read_wav(b)
            with_scipy = stoi.stoi(x, y, FS, extended=True)
        self.assertAlmostEqual(float(out), with_scipy, places=9)

    def test_resample_rejects_bad_rates(self):
        from quality_lib import numeric
        with self.assertRaises(ValueError):
            numeric._numpy_resample_poly(np.zeros(10), 0, 3)
        with self.assertRaises(ValueError):
            numeric._numpy_resample_poly(np.zeros((2, 10)), 1, 3)


class AlignTest(unittest.TestCase):
    def setUp(self):
        self.x = synthetic_speech()

    def delayed(self, delay, length=None):
        length = length or self.x.size + 4000
        out = np.zeros(length)
        if delay >= 0:
            out[delay:delay + self.x.size] = self.x[:length - delay]
        else:
            out[:self.x.size + delay] = self.x[-delay:]
        return out

    def test_recovers_known_delay_exactly(self):
        for delay in (0, 1, 37, 160, 1234, 3199, -1, -523):
            degraded = add_white(self.delayed(delay), 20.0, seed=delay & 0xFF)
            ref, deg, lag = align.align_signals(self.x, degraded, FS, 0.2)
            self.assertEqual(lag, delay)
            self.assertEqual(ref.size, deg.size)
            start = max(delay, 0)
            np.testing.assert_allclose(deg[:100] - degraded[start:start + 100], 0.0)

    def test_polarity_inversion_still_aligns(self):
        _, _, lag = align.align_signals(self.x, -self.delayed(250), FS)
        self.assertEqual(lag, 250)

    def test_search_stays_within_max_lag(self):
        _, _, lag = align.align_signals(self.x, self.delayed(3200 + 800, self.x.size + 8000),
                                        FS, 0.2)
        self.assertLessEqual(abs(lag), 3200)

    def test_aligned_pair_scores_one(self):
        ref, deg, _ = align.align_signals(self.x, self.delayed(777), FS)
        self.assertAlmostEqual(stoi.stoi(ref, deg, FS), 1.0, delta=1e-6)

    def test_estimate_lag_rejects_empty_input(self):
        with self.assertRaises(ValueError):
            align.estimate_lag(np.zeros(0), self.x, 10)
        with self.assertRaises(ValueError):
            align.estimate_lag(self.x, self.x, -1)


class SpectralTest(unittest.TestCase):
    def setUp(self):
        self.x = synthetic_speech()

    def test_identical_signals_have_zero_distance(self):
        self.assertEqual(spectral.log_spectral_distance(self.x, self.x, FS), 0.0)
        self.assertEqual(spectral.mel_cepstral_distortion(self.x, self.x, FS), 0.0)

    def test_distances_grow_with_noise(self):
        lsd = [spectral.log_spectral_distance(self.x, add_white(self.x, s), FS)
               for s in (30, 10, 0)]
        mcd = [spectral.mel_cepstral_distortion(self.x, add_white(self.x, s), FS)
               for s in (30, 10, 0)]
        self.assertTrue(lsd[0] < lsd[1] < lsd[2], lsd)
        self.assertTrue(mcd[0] < mcd[1] < mcd[2], mcd)

    def test_gain_costs_nothing_in_mcd_and_its_db_in_lsd(self):
        # Broadband content well above the 16-bit floor, so logs see the pure gain.
        x = add_white(self.x, 40.0)
        self.assertLess(spectral.mel_cepstral_distortion(x, 0.5 * x, FS), 0.01)   # c0 excluded
        self.assertAlmostEqual(spectral.log_spectral_distance(x, 0.5 * x, FS),
                               20 * np.log10(2.0), delta=0.1)

    def test_speech_frame_mask_skips_silence(self):
        power = spectral.power_spectrogram(np.concatenate([np.zeros(FS), self.x]), FS)
        mask = spectral.speech_frames(power)
        self.assertFalse(mask[:90].any())
        self.assertTrue(mask[100:].any())

    def test_rejects_unaligned_input(self):
        with self.assertRaises(ValueError):
            spectral.log_spectral_distance(self.x, self.x[:-5], FS)


class WerTest(unittest.TestCase):
    def test_known_strings(self):
        self.assertEqual(wer.word_error_rate("the cat sat on the mat", "the cat sat on the mat"),
                         0.0)
        self.assertAlmostEqual(wer.word_error_rate("the cat sat on the mat", "the cat sat on mat"),
                               1 / 6)
        self.assertAlmostEqual(wer.word_error_rate("a b c d", "a x c d e"), 2 / 4)
        self.assertEqual(wer.word_error_rate("one two", ""), 1.0)
        self.assertEqual(wer.word_error_rate("one", "two three four"), 3.0)

    def test_normalisation_ignores_case_and_punctuation(self):
        self.assertEqual(wer.normalise_words("Hello, World!  It's 'ok'."),
                         ["hello", "world", "it's", "ok"])
        self.assertEqual(wer.word_error_rate("Hello, world.", "HELLO WORLD"), 0.0)

    def test_edit_distance_counts_each_operation(self):
        self.assertEqual(wer.edit_distance(list("kitten"), list("sitting")), 3)
        self.assertEqual(wer.edit_distance([], ["a", "b"]), 2)
        self.assertEqual(wer.word_errors("a b c", "c b a"), (2, 3))

    def test_empty_reference_is_rejected(self):
        with self.assertRaises(ValueError):
            wer.word_error_rate(" ... ", "words")


def ogg_page(serial, seq, granule, segments, flags=0):
    """One Ogg page (CRC left zero: the reader does not verify it) from lacing segments."""
    lacing = bytes(len(s) for s in segments)
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing))
    return header + lacing + b"".join(segments)


def lace(packet):
    """Split a packet into lacing segments (255-byte runs, then the remainder)."""
    segments = [packet[i:i + 255] for i in range(0, len(packet) - len(packet) % 255, 255)]
    return segments + [packet[len(packet) - len(packet) % 255:]]


class OggTest(unittest.TestCase):
    def setUp(self):
        self.packets = [b"OpusHead" + bytes([1, 1, 0x38, 1]) + b"\x80\x3e\x00\x00\x00\x00\x00",
                        b"OpusTags", bytes(range(200)), bytes(300), b"\x01\x02"]
        big = lace(self.packets[3])       # [255 bytes, 45 bytes]: split across two pages
        self.stream = (ogg_page(9, 0, 0, lace(self.packets[0]), flags=2)
                       + ogg_page(9, 1, 0, lace(self.packets[1]))
                       + ogg_page(9, 2, 960, lace(self.packets[2]) + big[:1])
                       + ogg_page(9, 3, 1920, big[1:] + lace(self.packets[4]), flags=1))

    def test_reads_packets_across_pages(self):
        packets = ogg.read_packets(self.stream)
        self.assertEqual([p.data for p in packets], self.packets)
        # A page's granule belongs to the last packet finished on it.
        self.assertEqual([p.granule for p in packets[2:]], [960, -1, 1920])
        head = ogg.parse_opus_head(packets[0].data)
        self.assertEqual((head.channels, head.pre_skip, head.input_rate), (1, 312, 16000))
        self.assertEqual(len(ogg.audio_packets(packets)), 3)

    def test_every_truncation_is_an_error_or_a_clean_prefix(self):
        page_ends = []
        pos = 0
        while pos < len(self.stream):
            nseg = self.stream[pos + 26]
            pos += 27 + nseg + sum(self.stream[pos + 27: pos + 27 + nseg])
            page_ends.append(pos)
        for cut in range(1, len(self.stream)):
            if cut in page_ends:
                continue
            with self.assertRaises(ogg.OggError, msg="cut at %d" % cut):
                ogg.read_packets(self.stream[:cut])
        self.assertEqual([p.data for p in ogg.read_packets(self.stream[:page_ends[1]])],
                         self.packets[:2])
        with self.assertRaises(ogg.OggError):    # page boundary, but inside a packet
            ogg.read_packets(self.stream[:page_ends[2]])
        self.assertEqual(ogg.read_packets(b""), [])

    def test_rejects_garbage_and_inconsistent_pages(self):
        with self.assertRaises(ogg.OggError):
            ogg.read_packets(b"RIFF" + bytes(60))
        with self.assertRaises(ogg.OggError):   # continuation flag without an open packet
            ogg.read_packets(ogg_page(1, 0, 0, [b"abc"], flags=1))
        with self.assertRaises(ogg.OggError):   # second logical stream
            ogg.read_packets(ogg_page(1, 0, 0, [b"a"]) + ogg_page(2, 0, 0, [b"b"]))
        with self.assertRaises(ogg.OggError):
            ogg.parse_opus_head(b"OpusHead\x01")
        with self.assertRaises(ogg.OggError):
            ogg.audio_packets([])


class LossPatternTest(unittest.TestCase):
    def test_random_loss_rate(self):
        lost = loss.loss_pattern("random", 200000, 0.1, np.random.default_rng(1))
        self.assertAlmostEqual(lost.mean(), 0.1, delta=0.005)

    def test_burst_loss_rate_and_burst_length(self):
        lost = loss.loss_pattern("burst", 400000, 0.1, np.random.default_rng(2), burst_len=3.0)
        self.assertAlmostEqual(lost.mean(), 0.1, delta=0.01)
        edges = np.diff(np.concatenate([[0], lost.astype(int), [0]]))
        runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
        self.assertAlmostEqual(runs.mean(), 3.0, delta=0.1)
        random_runs = loss.loss_pattern("random", 400000, 0.1, np.random.default_rng(2))
        edges = np.diff(np.concatenate([[0], random_runs.astype(int), [0]]))
        self.assertLess((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).mean(), 1.2)

    def test_patterns_are_deterministic_per_seed(self):
        a = loss.loss_pattern("burst", 500, 0.2, evaluate.rng_for(5, "f.wav", "loss"))
        b = loss.loss_pattern("burst", 500, 0.2, evaluate.rng_for(5, "f.wav", "loss"))
        c = loss.loss_pattern("burst", 500, 0.2, evaluate.rng_for(6, "f.wav", "loss"))
        np.testing.assert_array_equal(a, b)
        self.assertFalse(np.array_equal(a, c))

    def test_bad_parameters_are_rejected(self):
        rng = np.random.default_rng(0)
        for args in (("random", 10, 1.0), ("random", 10, -0.1), ("gilbert", 10, 0.1)):
            with self.assertRaises(ValueError):
                loss.loss_pattern(*args, rng)
        with self.assertRaises(ValueError):
            loss.loss_pattern("burst", 10, 0.1, rng, burst_len=0.5)


class NoiseTest(unittest.TestCase):
    def setUp(self):
        self.x = synthetic_speech()

    def test_snr_is_exact_for_both_kinds(self):
        for kind in noise.NOISE_KINDS:
            noisy = noise.add_noise(self.x, 10.0, kind, np.random.default_rng(3))
            self.assertAlmostEqual(noise.measured_snr_db(self.x, noisy), 10.0, delta=1e-9)

    def test_noise_is_deterministic_per_seed(self):
        a = noise.add_noise(self.x, 5.0, "speech", evaluate.rng_for(1, "a.wav", "noise"))
        b = noise.add_noise(self.x, 5.0, "speech", evaluate.rng_for(1, "a.wav", "noise"))
        c = noise.add_noise(self.x, 5.0, "speech", evaluate.rng_for(1, "b.wav", "noise"))
        np.testing.assert_array_equal(a, b)
        self.assertFalse(np.array_equal(a, c))

    def test_speech_shaped_noise_follows_the_speech_spectrum(self):
        rng = np.random.default_rng(4)
        shaped = noise.make_noise(self.x, "speech", rng)
        white = noise.make_noise(self.x, "white", rng)

        def band_db(sig):
            spec = np.abs(np.fft.rfft(sig)) ** 2
            edges = np.linspace(0, spec.size, 17).astype(int)
            return 10 * np.log10([spec[a:b].mean() for a, b in zip(edges, edges[1:])])
        speech = band_db(self.x)
        self.assertGreater(np.corrcoef(speech, band_db(shaped))[0, 1], 0.8)
        self.assertLess(np.ptp(band_db(white)), 3.0)

    def test_silent_input_is_rejected(self):
        with self.assertRaises(ValueError):
            noise.add_noise(np.zeros(1000), 10.0, "white", np.random.default_rng(0))


class CorpusTest(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="quality-test-")
        self.data = os.path.join(self.root, "valid")
        for speaker in ("spk_a", "spk_b"):
            os.makedirs(os.path.join(self.data, speaker))
            for i in range(3):
                audio_io.write_wav16(os.path.join(self.data, speaker, "u%d.wav" % i),
                                     np.zeros(160), FS)
        with open(os.path.join(self.data, "notes.txt"), "w", encoding="utf-8") as handle:
            handle.write("not audio")

    def tearDown(self):
        shutil.rmtree(self.root)

    def write_manifest(self, text):
        path = os.path.join(self.root, "manifest.tsv")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def test_discovers_audio_and_reads_transcripts(self):
        self.write_manifest("path\tspeaker_id\tsource\tlicense\tseconds\ttranscript\n"
                            "valid/spk_a/u1.wav\tA\ts\tl\t0.01\tHello there\n"
                            "valid/spk_b/u0.wav\tB\ts\tl\t0.01\t\n"
                            "train/x.wav\tC\ts\tl\t0.01\tignored\n")
        manifest = corpus.find_manifest(self.data)
        items = corpus.discover(self.data, manifest)
        self.assertEqual([i.rel for i in items],
                         ["spk_a/u0.wav", "spk_a/u1.wav", "spk_a/u2.wav",
                          "spk_b/u0.wav", "spk_b/u1.wav", "spk_b/u2.wav"])
        self.assertEqual((items[1].speaker, items[1].transcript), ("A", "Hello there"))
        self.assertEqual((items[3].speaker, items[3].transcript), ("B", ""))
        self.assertEqual(items[0].speaker, "spk_a")   # not in the manifest: folder name

    def test_select_evenly_covers_the_list(self):
        items = corpus.discover(self.data)
        picked = corpus.select_evenly(items, 2)
        self.assertEqual([i.rel for i in picked], ["spk_a/u0.wav", "spk_b/u0.wav"])
        self.assertEqual(len(corpus.select_evenly(items, 50)), 6)

    def test_malformed_manifests_are_rejected(self):
        for text in ("", "file\ttranscript\nx\ty\n", "path\ttranscript\nvalid/a.wav\n"):
            with self.assertRaises(corpus.ManifestError):
                corpus.load_manifest(self.write_manifest(text))
        with self.assertRaises(FileNotFoundError):
            corpus.find_manifest(self.data, os.path.join(self.root, "missing.tsv"))


@unittest.skipUnless(shutil.which("sox"), "sox not installed")
class PipelineTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="quality-test-")
        self.in_wav = os.path.join(self.work, "in.wav")
        audio_io.write_wav16(self.in_wav, synthetic_speech(), FS)

    def tearDown(self):
        shutil.rmtree(self.work)

    def test_passthrough_command_scores_perfectly(self):
        system = codecs.Command("pass", "sox {in} {out} && cp {in} {tmp}")
        out = os.path.join(self.work, "out.wav")
        bits = system.code(self.in_wav, out, self.work)
        self.assertEqual(bits, 8 * os.path.getsize(self.in_wav))
        reference, _ = audio_io.read_wav(self.in_wav)
        scores = evaluate.score(reference, audio_io.load_audio(out, FS, self.work), 0.2)
        self.assertEqual(scores["lag_ms"], 0.0)
        self.assertAlmostEqual(scores["stoi"], 1.0, delta=1e-6)
        self.assertEqual(scores["lsd"], 0.0)

    def test_command_failure_and_bad_template_are_reported(self):
        with self.assertRaises(audio_io.ToolError):
            codecs.Command("bad", "false").code(self.in_wav, "x.wav", self.work)
        with self.assertRaises(ValueError):
            codecs.expand_template("cat {input}", out="o")

    def test_loss_template_gets_the_pattern(self):
        template = "cp {pattern} {tmp} && sox {in} {out}"
        system = codecs.Command("pass", "sox {in} {out}", template, seed=3)
        condition = evaluate.Condition("loss-random-50%", "loss", "random", 0.5)
        pattern = np.tile([True, False], 100)
        bits, realised = system.code_lossy(self.in_wav, os.path.join(self.work, "o.wav"),
                                           self.work, lambda n: pattern[:n], condition)
        self.assertEqual(bits, 8 * 2 * 150)     # 3 s = 150 frames of 20 ms, "0\n" or "1\n"
        self.assertAlmostEqual(realised, 0.5)

    def test_evaluate_item_runs_every_condition(self):
        item = corpus.Item(self.in_wav, "in.wav", "spk")
        systems = [codecs.Uncoded(), codecs.Command("pass", "sox {in} {out}", "sox {in} {out}")]
        conditions = evaluate.make_conditions(10.0, [0.1], 3.0)
        rows = evaluate.evaluate_item(item, systems, conditions, evaluate.Settings(seed=2))
        self.assertEqual(len(rows), 2 * 2 + 2)   # loss only for the command system
        by_key = {(r["system"], r["condition"]): r for r in rows}
        self.assertAlmostEqual(by_key[("uncoded", "clean")]["kbps"], 256.0)
        self.assertAlmostEqual(by_key[("pass", "clean")]["stoi"], 1.0, delta=1e-6)
        noisy = by_key[("pass", "noisy-10dB")]
        self.assertLess(noisy["stoi"], 0.99)
        self.assertAlmostEqual(noisy["stoi"], by_key[("uncoded", "noisy-10dB")]["stoi"])
        summary = report.aggregate(rows, ["uncoded", "pass"], [c.name for c in conditions])
        self.assertEqual(len(summary), 6)
        table = report.markdown_table(summary, "clean")
        self.assertIn("| uncoded | 256.00 | 1.000 | 1.000 | 0.00 | 0.00 | - | 1 |", table)


@unittest.skipUnless(shutil.which("opusenc") and shutil.which("opusdec")
                     and ctypes.util.find_library("opus"), "opus-tools or libopus missing")
class OpusTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="quality-test-")
        self.in_wav = os.path.join(self.work, "in.wav")
        audio_io.write_wav16(self.in_wav, synthetic_speech(), FS)
        self.system = codecs.Opus(8)

    def tearDown(self):
        shutil.rmtree(self.work)

    def test_libopus_decoding_matches_opusdec(self):
        out = os.path.join(self.work, "out.wav")
        bits = self.system.code(self.in_wav, out, self.work)
        seconds = synthetic_speech().size / FS
        self.assertGreater(bits / seconds / 1000, 4.0)
        self.assertLess(bits / seconds / 1000, 12.0)
        bitstream = [f for f in os.listdir(self.work) if f.endswith(".opus")][0]
        reference_wav = os.path.join(self.work, "opusdec.wav")
        subprocess.run(["opusdec", "--quiet", "--rate", "16000", "--no-dither",
                        os.path.join(self.work, bitstream), reference_wav], check=True)
        ours, _ = audio_io.read_wav(out)
        theirs, _ = audio_io.read_wav(reference_wav)
        self.assertEqual(ours.size, theirs.size)
        ref, deg, lag = align.align_signals(theirs, ours, FS)
        self.assertLessEqual(abs(lag), 2)      # opusdec resamples from 48 kHz
        snr = 10 * np.log10(np.sum(ref ** 2) / np.sum((ref - deg) ** 2))
        self.assertGreater(snr, 30.0)

    def test_loss_lowers_quality_and_zero_loss_changes_nothing(self):
        reference, _ = audio_io.read_wav(self.in_wav)
        clean = os.path.join(self.work, "clean.wav")
        self.system.code(self.in_wav, clean, self.work)
        results = {}
        for rate in (0.0, 0.3):
            out = os.path.join(self.work, "loss%g.wav" % rate)
            condition = evaluate.Condition("l", "loss", "random", rate)
            _, realised = self.system.code_lossy(
                self.in_wav, out, self.work,
                lambda n, r=rate: loss.loss_pattern("random", n, r, np.random.default_rng(1)),
                condition)
            results[rate] = (realised, audio_io.read_wav(out)[0])
        np.testing.assert_array_equal(results[0.0][1], audio_io.read_wav(clean)[0])
        self.assertGreater(results[0.3][0], 0.15)
        clean_score = evaluate.score(reference, results[0.0][1], 0.2)["stoi"]
        lossy_score = evaluate.score(reference, results[0.3][1], 0.2)["stoi"]
        self.assertLess(lossy_score, clean_score - 0.05)


class PesqWrapperTest(unittest.TestCase):
    """The wrapper around an external P.862 program (none ships with the project)."""

    def test_parses_the_wideband_result_line(self):
        out = "Perceptual Evaluation of Speech Quality (PESQ)\n\nP.862.2 Prediction (MOS-LQO):  = 3.127\n"
        self.assertAlmostEqual(pesq.parse_score(out), 3.127)

    def test_narrowband_or_error_output_gives_no_score(self):
        self.assertIsNone(pesq.parse_score("P.862 Prediction (Raw MOS, MOS-LQO):  = 1.969\t1.607\n"))
        self.assertIsNone(pesq.parse_score("An error of type 2  (No utterances detected) occurred"))

    def test_missing_program_is_a_clear_error(self):
        saved = os.environ.pop(pesq.ENV, None)
        try:
            with self.assertRaisesRegex(pesq.PesqUnavailable, pesq.ENV):
                pesq.pesq_wb(np.zeros(FS), np.zeros(FS))
            with tempfile.NamedTemporaryFile() as f:      # exists but is not executable
                with self.assertRaises(pesq.PesqUnavailable):
                    pesq.find_program(f.name)
        finally:
            if saved is not None:
                os.environ[pesq.ENV] = saved

    @unittest.skipUnless(os.environ.get(pesq.ENV), "no P.862 program in " + pesq.ENV)
    def test_identical_signal_scores_top_and_noise_lowers_it(self):
        same, noisy = pesq.self_check()
        self.assertAlmostEqual(same, 4.644, delta=0.01)
        self.assertLess(noisy, 2.5)


if __name__ == "__main__":
    unittest.main()
