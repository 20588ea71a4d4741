"""The few SciPy routines the scoring path needs, with NumPy equivalents.

SciPy is used when it is installed (the test and training machines have it).
Without it (the demo installs only NumPy: SciPy and its dependencies are about
700 MB on a fresh Debian 12), the same results come from NumPy alone:
`resample_poly` designs SciPy's default filter (Kaiser window, beta 5, 10
taps per side per rate step) and trims its output exactly as SciPy does, so
the scores agree to rounding; tests/quality/test_numeric.py checks that
against SciPy.
"""

import math
import wave

import numpy as np

try:  # pragma: no cover - which branch runs depends on the machine
    from scipy.fft import irfft, next_fast_len, rfft
    from scipy.io import wavfile as _wavfile
    from scipy.signal import resample_poly
    HAVE_SCIPY = True
except ImportError:
    HAVE_SCIPY = False
    _wavfile = None
    rfft = np.fft.rfft
    irfft = np.fft.irfft


def _numpy_next_fast_len(target):
    """Smallest 5-smooth number (factors 2, 3, 5) >= target: fast for any FFT."""
    if target <= 6:
        return max(1, int(target))
    best = 1 << int(math.ceil(math.log2(target)))
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            n = p35
            while n < target:
                n *= 2
            best = min(best, n)
            p35 *= 3
        p5 *= 5
    return best


def _firwin_kaiser(numtaps, cutoff, beta):
    """scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta)), scaled at DC."""
    alpha = 0.5 * (numtaps - 1)
    m = np.arange(numtaps) - alpha
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return h / np.sum(h)


def _numpy_resample_poly(x, up, down):
    """scipy.signal.resample_poly(x, up, down) along the last axis of a 1-D signal."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError("resample_poly fallback takes 1-D signals")
    if up < 1 or down < 1:
        raise ValueError("up and down must be positive")
    g = math.gcd(up, down)
    up //= g
    down //= g
    if up == down == 1:
        return x.copy()
    n_in = len(x)
    n_out = n_in * up // down + bool(n_in * up % down)
    max_rate = max(up, down)
    half_len = 10 * max_rate
    h = _firwin_kaiser(2 * half_len + 1, 1.0 / max_rate, 5.0) * up
    n_pre_pad = down - half_len % down
    n_pre_remove = (half_len + n_pre_pad) // down

    def output_len(len_h):
        return ((n_in - 1) * up + len_h - 1) // down + 1

    n_post_pad = 0
    while output_len(len(h) + n_pre_pad + n_post_pad) < n_out + n_pre_remove:
        n_post_pad += 1
    h = np.concatenate((np.zeros(n_pre_pad), h, np.zeros(n_post_pad)))
    # Polyphase: output m is sample k = (m + n_pre_remove) * down of the
    # zero-stuffed signal filtered by h, which only x[k // up - t] and
    # h[k % up + t * up] reach. Computed in blocks to bound memory.
    taps = -(-len(h) // up)
    h_padded = np.concatenate((h, np.zeros(taps * up - len(h) + up)))
    t = np.arange(taps)
    y = np.empty(n_out)
    for start in range(0, n_out, 16384):
        k = (np.arange(start, min(n_out, start + 16384)) + n_pre_remove) * down
        i = (k // up)[:, None] - t[None, :]
        j = (k % up)[:, None] + up * t[None, :]
        valid = (i >= 0) & (i < n_in)
        y[start:start + len(k)] = np.sum(np.where(valid, h_padded[j] * x[np.clip(i, 0, n_in - 1)],
                                                  0.0), axis=1)
    return y


def read_wav(path):
    """(rate, samples as stored: int16/int32/uint8/float, 1-D or frames x channels)."""
    if HAVE_SCIPY:
        return _wavfile.read(path)
    try:
        with wave.open(path, "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as err:
        raise ValueError("%s: %s" % (path, err)) from err
    types = {1: np.uint8, 2: np.int16, 4: np.int32}
    if width not in types:
        raise ValueError("%s: unsupported WAV sample width %d" % (path, width))
    data = np.frombuffer(raw, dtype="<" + np.dtype(types[width]).str[1:])
    if channels > 1:
        data = data.reshape(-1, channels)
    return rate, data


def write_wav_int16(path, rate, data):
    """Write mono int16 samples."""
    if HAVE_SCIPY:
        _wavfile.write(path, int(rate), data)
        return
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(np.asarray(data, dtype="<i2").tobytes())


if not HAVE_SCIPY:
    next_fast_len = _numpy_next_fast_len
    resample_poly = _numpy_resample_poly
