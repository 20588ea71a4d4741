"""Echo and noise cases for the capture chain, built from espeak-ng speech.

A far-end talker is played through a synthetic room: a bulk delay (device
buffers plus the way to the microphone), a direct path and an exponentially
decaying diffuse tail of the given RT60. Halfway through, the path changes
(another delay, another tail, 6 dB louder) as when a laptop is moved.
Everything is deterministic: fixed texts, fixed random seeds.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy.signal import lfilter, resample_poly

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
from quality_lib.stoi import estoi  # noqa: E402

RATE = 16000

FAR_TEXT = ("The quick brown fox jumps over the lazy dog. A large fawn jumped "
            "quickly over white zinc boxes. Pack my box with five dozen liquor "
            "jugs. How vexingly quick daft zebras jump. The five boxing wizards "
            "jump quickly. Sphinx of black quartz, judge my vow. Jackdaws love "
            "my big sphinx of quartz. The early bird catches the worm, but the "
            "second mouse gets the cheese.")
NEAR_TEXT = ("Please call Stella. Ask her to bring these things with her from "
             "the store: six spoons of fresh snow peas, five thick slabs of blue "
             "cheese, and maybe a snack for her brother Bob. We also need a small "
             "plastic snake and a big toy frog for the kids. She can scoop these "
             "things into three red bags, and we will go meet her Wednesday at "
             "the train station.")
BABBLE_TEXTS = (FAR_TEXT, NEAR_TEXT[::-1].title(),
                "Numbers one two three four five six seven eight nine ten eleven.",
                "It was the best of times, it was the worst of times, it was the "
                "age of wisdom, it was the age of foolishness.")


def speak(text, voice, speed=150):
    """espeak-ng speech at RATE, float64 in [-1, 1], peak 0.5."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", path, text],
                       check=True, capture_output=True)
        data = np.frombuffer(open(path, "rb").read()[44:], dtype="<i2").astype(np.float64)
    x = resample_poly(data / 32768.0, 160, 221)  # espeak-ng writes 22050 Hz
    return 0.5 * x / max(float(np.max(np.abs(x))), 1e-9)


def fit(x, n):
    """x cut or repeated to n samples."""
    reps = int(np.ceil(n / max(x.size, 1)))
    return np.tile(x, reps)[:n]


def room(rt60_s, delay_ms, gain, seed):
    """Impulse response: bulk delay, direct path, diffuse tail (-60 dB at rt60_s)."""
    rng = np.random.default_rng(seed)
    bulk = int(delay_ms * RATE / 1000)
    tail = int(rt60_s * RATE)
    t = np.arange(tail) / RATE
    diffuse = rng.standard_normal(tail) * 10.0 ** (-3.0 * t / rt60_s) * 0.03
    h = np.zeros(bulk + tail)
    h[bulk] = 1.0
    h[bulk + 1:] += diffuse[1:]
    return gain * h / np.sqrt(np.sum(h ** 2))


def echo(far, first, second, change):
    """far through room `first` until sample `change`, then through `second`."""
    a = lfilter(first, [1.0], far)
    b = lfilter(second, [1.0], far)
    out = a.copy()
    out[change:] = b[change:]
    return out


def mic_noise(n, seed, dbfs=-65.0):
    return np.random.default_rng(seed).standard_normal(n) * 10.0 ** (dbfs / 20.0)


def babble(n, seed):
    voices = ("en-us", "en+f3", "en+m3", "en+f4")
    rng = np.random.default_rng(seed)
    mix = np.zeros(n)
    for text, voice in zip(BABBLE_TEXTS, voices):
        s = fit(speak(text, voice, 170), n + RATE)
        off = int(rng.integers(0, RATE))
        mix += s[off:off + n]
    return mix


def fan(n, seed):
    """Broadband noise falling 6 dB/octave above 200 Hz plus blade-pass tones."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(n)
    pole = np.exp(-2 * np.pi * 200 / RATE)
    x = lfilter([1 - pole], [1, -pole], w) * 8.0 + 0.05 * w
    t = np.arange(n) / RATE
    for k, f in enumerate((120.0, 240.0, 360.0)):
        x += 0.3 / (k + 1) * np.sin(2 * np.pi * f * t)
    return x


def at_snr(clean, noise, snr_db):
    scale = np.sqrt(np.mean(clean ** 2) / (np.mean(noise ** 2) * 10 ** (snr_db / 10)))
    return clean + noise * scale


def write_wav(path, x):
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with open(path, "wb") as f:
        n = pcm.size * 2
        f.write(b"RIFF" + (36 + n).to_bytes(4, "little") + b"WAVEfmt " +
                (16).to_bytes(4, "little") + (1).to_bytes(2, "little") +
                (1).to_bytes(2, "little") + RATE.to_bytes(4, "little") +
                (RATE * 2).to_bytes(4, "little") + (2).to_bytes(2, "little") +
                (16).to_bytes(2, "little") + b"data" + n.to_bytes(4, "little"))
        f.write(pcm.tobytes())


def read_wav(path):
    raw = open(path, "rb").read()
    pos = 12
    while pos + 8 <= len(raw):
        size = int.from_bytes(raw[pos + 4:pos + 8], "little")
        if raw[pos:pos + 4] == b"data":
            return np.frombuffer(raw[pos + 8:pos + 8 + size], dtype="<i2") / 32768.0
        pos += 8 + size + (size & 1)
    raise ValueError("%s: no data chunk" % path)


def power_db(x):
    return 10 * np.log10(np.mean(np.asarray(x) ** 2) + 1e-15)


def erle_db(near, out, start, end, floor_dbfs=-50.0):
    """Echo return loss enhancement over [start, end): input over output power
    in the 20 ms blocks where the echo is above floor_dbfs."""
    blk = RATE // 50
    pin = pout = 0.0
    for i in range(start, end - blk + 1, blk):
        p = np.mean(near[i:i + blk] ** 2)
        if 10 * np.log10(p + 1e-15) > floor_dbfs:
            pin += p
            pout += np.mean(out[i:i + blk] ** 2)
    return 10 * np.log10((pin + 1e-15) / (pout + 1e-15))


def reconvergence_s(near, out, change, target_db, window_s=1.0, step_s=0.1):
    """Seconds after `change` until a window_s ERLE window first reaches
    target_db (None if never)."""
    win, step = int(window_s * RATE), int(step_s * RATE)
    for start in range(change, near.size - win + 1, step):
        if erle_db(near, out, start, start + win) >= target_db:
            return (start + win - change) / RATE
    return None


__all__ = ["RATE", "FAR_TEXT", "NEAR_TEXT", "speak", "fit", "room", "echo", "mic_noise",
           "babble", "fan", "at_snr", "write_wav", "read_wav", "power_db", "erle_db",
           "reconvergence_s", "estoi"]
