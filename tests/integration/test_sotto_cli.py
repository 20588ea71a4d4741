"""sotto-codec on generated speech (espeak-ng): exact bitrate, time-aligned
output of the input's length, speech energy where the input speaks, and
concealment that keeps talking through lost packets."""
import math
import os
import shutil
import struct
import subprocess
import tempfile
import unittest
import wave

CLI = os.environ.get("SOTTO_CODEC", "sotto-codec")


def read(path):
    with wave.open(path) as w:
        return w.getframerate(), w.getnchannels(), struct.unpack(
            "<%dh" % (w.getnframes() * w.getnchannels()), w.readframes(w.getnframes()))


def frame_energy(x, n=320):
    return [math.sqrt(sum(v * v for v in x[i:i + n]) / n) for i in range(0, len(x) - n + 1, n)]


def correlation(a, b):
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    ma, mb = sum(a) / n, sum(b) / n
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den else 0.0


@unittest.skipUnless(shutil.which("espeak-ng"), "espeak-ng is not installed")
class SottoCodecCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sotto-cli-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        cls.speech = os.path.join(cls.dir, "speech.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", cls.speech,
                        "The quick brown fox jumps over the lazy dog near the river bank."],
                       check=True)

    def roundtrip(self, bitrate, *decode_args):
        sot = os.path.join(self.dir, "out-%d.sot" % bitrate)
        out = os.path.join(self.dir, "out-%d-%d.wav" % (bitrate, len(decode_args)))
        subprocess.run([CLI, "encode", self.speech, sot, "--bitrate", str(bitrate)], check=True)
        subprocess.run([CLI, "decode", sot, out] + list(decode_args), check=True)
        return sot, out

    def check(self, bitrate, packet_bytes, packet_ms):
        sot, out = self.roundtrip(bitrate)
        rate_in, _, x = read(self.speech)
        rate, ch, y = read(out)
        self.assertEqual((rate, ch), (16000, 1))
        seconds = len(x) / rate_in
        self.assertAlmostEqual(len(y) / 16000, seconds, delta=0.001)
        packets = math.ceil(seconds * 1000 / packet_ms)
        header = os.path.getsize(sot) - packets * packet_bytes
        self.assertTrue(0 < header <= 64, "unexpected .sot size %d" % os.path.getsize(sot))
        self.assertEqual(packet_bytes * 8 * 1000 // packet_ms, bitrate)
        # Speech energy follows the input's, frame by frame (time-aligned).
        x16 = x[::2] if rate_in == 32000 else x
        if rate_in == 22050:
            x16 = [x[int(i * 22050 / 16000)] for i in range(int(len(x) * 16000 / 22050))]
        c = correlation(frame_energy(x16), frame_energy(y))
        self.assertGreater(c, 0.7, "energy envelope correlation %.2f" % c)
        peak = max(abs(v) for v in y)
        self.assertLess(peak, 32767)
        self.assertGreater(peak, 2000)

    def test_pitch_is_kept_on_voiced_frames(self):
        import numpy as np
        _, out = self.roundtrip(3200)
        rate_in, _, x = read(self.speech)
        _, _, y = read(out)
        x = np.interp(np.arange(0, len(x) * 16000 // rate_in) * rate_in / 16000,
                      np.arange(len(x)), np.asarray(x, float))
        y = np.asarray(y, float)

        def pitch(sig, start):
            f = sig[start:start + 640]
            f = f - f.mean()
            ac = np.correlate(f, f, "full")[639:]
            if ac[0] <= 0:
                return None
            lags = np.arange(40, 267)  # 60..400 Hz
            best = lags[np.argmax(ac[lags])]
            return 16000.0 / best if ac[best] / ac[0] > 0.6 else None

        ratios = []
        for start in range(0, min(len(x), len(y)) - 640, 320):
            a, b = pitch(x, start), pitch(y, start)
            if a and b:
                ratios.append(abs(np.log2(b / a)))
        self.assertGreater(len(ratios), 20, "too few voiced frames to compare")
        # Within a semitone on most voiced frames (octave errors are rare).
        within = sum(1 for r in ratios if r < 1 / 12) / len(ratios)
        print("pitch within a semitone on %.0f %% of %d voiced frames" % (100 * within, len(ratios)))
        self.assertGreater(within, 0.85, "pitch kept on %.0f %% of voiced frames" % (100 * within))

    def test_3200_bits(self):
        self.check(3200, 8, 20)

    def test_2000_bits(self):
        self.check(2000, 10, 40)

    def test_concealment_keeps_speaking_through_loss(self):
        _, clean = self.roundtrip(3200)
        _, lossy = self.roundtrip(3200, "--loss", "0.2", "--burst", "2", "--seed", "3")
        _, _, a = read(clean)
        _, _, b = read(lossy)
        ea, eb = frame_energy(a), frame_energy(b)
        speaking = [i for i, e in enumerate(ea) if e > 500]
        silent_in_lossy = sum(1 for i in speaking if eb[i] < 50)
        # Concealment fills gaps with speech-like sound, not silence.
        self.assertLess(silent_in_lossy, len(speaking) * 0.05)
        self.assertGreater(correlation(ea, eb), 0.6)

    def test_bad_input_is_refused(self):
        bad = os.path.join(self.dir, "bad.sot")
        with open(bad, "wb") as f:
            f.write(b"SOT1garbage")
        r = subprocess.run([CLI, "decode", bad, os.path.join(self.dir, "x.wav")],
                           capture_output=True)
        self.assertNotEqual(r.returncode, 0)
        r = subprocess.run([CLI, "encode", "/nonexistent.wav", bad], capture_output=True)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
