"""Log-spectral distance and mel-cepstral distortion on aligned 16 kHz signals.

Both use the same short-time analysis: 25 ms periodic-Hann frames every 10 ms,
512-point FFT, and score only speech frames, i.e. frames where the reference is
within 40 dB of its loudest frame. A power floor equal to the per-bin power of
16-bit quantisation noise is added before every log: digital silence (a
narrowband codec's empty 4-8 kHz) then counts like the noise floor every 16-bit
signal already has, instead of an arbitrary -inf stand-in.
"""

import math

import numpy as np
from scipy.fft import dct
from scipy.signal import get_window

WINDOW_S = 0.025           # analysis window, seconds
HOP_S = 0.010              # hop, seconds
NFFT = 512                 # DFT size at 16 kHz
SPEECH_RANGE_DB = 40.0     # speech frames: within this range of the loudest frame
NUM_MELS = 40              # mel filters for MCD
MCD_ORDER = 24             # cepstral coefficients c1..c24 (c0, the level, is excluded)
MCD_SCALE = 10.0 / math.log(10.0) * math.sqrt(2.0)


def power_spectrogram(x, fs):
    """Return |STFT|^2 of x, shape (frames, NFFT/2 + 1); no frame when x is too short."""
    win_len = int(round(WINDOW_S * fs))
    hop = int(round(HOP_S * fs))
    if win_len > NFFT:
        raise ValueError("sample rate too high for the %d-point analysis" % NFFT)
    x = np.asarray(x, dtype=np.float64)
    if x.size < win_len:
        return np.zeros((0, NFFT // 2 + 1))
    starts = np.arange(0, x.size - win_len + 1, hop)
    frames = x[starts[:, None] + np.arange(win_len)[None, :]] * get_window("hann", win_len)
    return np.abs(np.fft.rfft(frames, NFFT, axis=1)) ** 2


def power_floor(fs):
    """Per-bin power of 16-bit quantisation noise (variance LSB^2 / 12) after the window."""
    window = get_window("hann", int(round(WINDOW_S * fs)))
    return float(np.sum(window ** 2)) * (2.0 ** -15) ** 2 / 12.0


def speech_frames(reference_power):
    """Boolean mask of frames within SPEECH_RANGE_DB of the loudest reference frame."""
    energy_db = 10.0 * np.log10(np.sum(reference_power, axis=1) + 1e-30)
    if energy_db.size == 0:
        return np.zeros(0, dtype=bool)
    return energy_db > np.max(energy_db) - SPEECH_RANGE_DB


def _paired_power(reference, degraded, fs):
    reference = np.asarray(reference, dtype=np.float64)
    degraded = np.asarray(degraded, dtype=np.float64)
    if reference.shape != degraded.shape or reference.ndim != 1:
        raise ValueError("signals must be one-dimensional and of equal length (align them first)")
    ref_power = power_spectrogram(reference, fs)
    deg_power = power_spectrogram(degraded, fs)
    mask = speech_frames(ref_power)
    return ref_power[mask], deg_power[mask]


def log_spectral_distance(reference, degraded, fs):
    """Mean over speech frames of the RMS (over DFT bins) difference of log power, in dB.

    Returns NaN when no frame qualifies.
    """
    ref_power, deg_power = _paired_power(reference, degraded, fs)
    if ref_power.shape[0] == 0:
        return float("nan")
    floor = power_floor(fs)
    diff_db = 10.0 * (np.log10(ref_power + floor) - np.log10(deg_power + floor))
    return float(np.mean(np.sqrt(np.mean(diff_db ** 2, axis=1))))


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_filterbank(fs, nfft=NFFT, num_mels=NUM_MELS):
    """Triangular HTK-mel filters from 0 Hz to fs/2, shape (num_mels, nfft/2 + 1)."""
    bin_freqs = np.linspace(0.0, fs / 2.0, nfft // 2 + 1)
    edges = _mel_to_hz(np.linspace(0.0, _hz_to_mel(fs / 2.0), num_mels + 2))
    bank = np.zeros((num_mels, bin_freqs.size))
    for m in range(num_mels):
        lo, centre, hi = edges[m], edges[m + 1], edges[m + 2]
        rising = (bin_freqs - lo) / (centre - lo)
        falling = (hi - bin_freqs) / (hi - centre)
        bank[m] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


def mel_cepstrum(power, fs, order=MCD_ORDER):
    """Mel cepstra c1..c_order per frame from power spectra (frames, bins).

    Scaled as a real cepstrum of the log amplitude, ln|S(w)| = c0 + 2 sum c_m cos(m w),
    which is the convention the MCD constant 10/ln10 * sqrt(2) assumes.
    """
    if order < 1 or order >= NUM_MELS:
        raise ValueError("cepstral order must be in 1..%d" % (NUM_MELS - 1))
    mel_power = (power + power_floor(fs)) @ mel_filterbank(fs).T
    log_amplitude = 0.5 * np.log(mel_power)
    # Unnormalised DCT-II sums 2 * x_k cos(...); dividing by 2K gives the cepstrum.
    cepstrum = dct(log_amplitude, type=2, axis=1) / (2.0 * NUM_MELS)
    return cepstrum[:, 1: order + 1]


def mel_cepstral_distortion(reference, degraded, fs, order=MCD_ORDER):
    """Mean MCD in dB over speech frames of time-aligned signals (c0 excluded).

    Returns NaN when no frame qualifies.
    """
    ref_power, deg_power = _paired_power(reference, degraded, fs)
    if ref_power.shape[0] == 0:
        return float("nan")
    diff = mel_cepstrum(ref_power, fs, order) - mel_cepstrum(deg_power, fs, order)
    return float(np.mean(MCD_SCALE * np.sqrt(np.sum(diff ** 2, axis=1))))
