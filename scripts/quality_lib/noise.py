"""Deterministic additive noise for the noisy-input condition.

The SNR is global: total speech power over total noise power of the file.
"Speech-shaped" noise is white Gaussian noise filtered to the long-term average
spectrum of the utterance itself, so it masks every band about equally.
"""

import numpy as np
from scipy.signal import firwin2, lfilter, welch

NOISE_KINDS = ("white", "speech")
_SHAPE_TAPS = 257        # FIR length of the spectral-shaping filter
_WELCH_SEGMENT = 512     # samples per Welch segment for the long-term spectrum


def _speech_shaped(clean, rng):
    nperseg = min(_WELCH_SEGMENT, clean.size)
    freqs, psd = welch(clean, nperseg=nperseg)
    gain = np.sqrt(psd / max(float(np.max(psd)), 1e-30))
    # firwin2 wants a grid from 0 to 1 (Nyquist) with matching gains.
    taps = firwin2(_SHAPE_TAPS, freqs / freqs[-1], gain)
    white = rng.standard_normal(clean.size + _SHAPE_TAPS)
    return lfilter(taps, [1.0], white)[_SHAPE_TAPS:]


def make_noise(clean, kind, rng):
    """Unscaled noise of the same length as `clean` (float64, 1-D)."""
    clean = np.asarray(clean, dtype=np.float64)
    if kind == "white":
        return rng.standard_normal(clean.size)
    if kind == "speech":
        return _speech_shaped(clean, rng)
    raise ValueError("unknown noise kind %r" % kind)


def add_noise(clean, snr_db, kind, rng):
    """Return clean + noise scaled to `snr_db` (global SNR). Inputs are not modified."""
    clean = np.asarray(clean, dtype=np.float64)
    noise = make_noise(clean, kind, rng)
    speech_power = float(np.mean(clean ** 2))
    noise_power = float(np.mean(noise ** 2))
    if speech_power <= 0.0 or noise_power <= 0.0:
        raise ValueError("cannot set an SNR on a silent signal")
    scale = np.sqrt(speech_power / (noise_power * 10.0 ** (snr_db / 10.0)))
    return clean + noise * scale


def measured_snr_db(clean, noisy):
    """Global SNR of `noisy` relative to `clean` (same length), in dB."""
    clean = np.asarray(clean, dtype=np.float64)
    noise = np.asarray(noisy, dtype=np.float64) - clean
    return float(10.0 * np.log10(np.sum(clean ** 2) / np.sum(noise ** 2)))
