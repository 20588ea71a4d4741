"""Time alignment of a decoded signal to its reference.

Codecs add a fixed delay (look-ahead, resampler, container pre-skip). Metrics
compare frame by frame, so the decoded signal is shifted by a lag found by
cross-correlation within +-max_lag, then both are trimmed to the common length.

The search is two-stage because low-rate codecs do not keep the waveform:
Codec 2 synthesises its own phases and 4 kbit/s Speex is vocoder-like, so the
raw cross-correlation has peaks one pitch period apart, often higher than the
true delay's. Stage 1 cross-correlates one-third-octave band envelopes (the
representation STOI scores; 16 ms frames, 1 ms hop, each band normalised)
over the whole range; stage 2 cross-correlates the waveforms within +-1 ms of
that lag, which lands on the exact sample for waveform-preserving codecs.
"""

import numpy as np
from quality_lib.numeric import irfft, next_fast_len, rfft

from quality_lib.stoi import third_octave_matrix

ENVELOPE_FRAME = 256    # samples per envelope frame at 16 kHz (16 ms)
ENVELOPE_HOP_S = 0.001  # envelope hop, seconds: the coarse lag resolution
ENVELOPE_NFFT = 512     # DFT size of the envelope frames
REFINE_S = 0.001        # waveform search range around the coarse lag, seconds
_CHUNK_FRAMES = 2048    # frames transformed at once (bounds memory on long files)


def estimate_lag(reference, degraded, max_lag, centre=0, bound=None):
    """Return the lag (samples) by which `degraded` trails `reference`.

    Positive: degraded[n + lag] matches reference[n]; negative: it leads. Lags
    within centre +- max_lag, |lag| <= bound (when given) and the signal
    lengths are searched. The largest |correlation| wins, so a
    polarity-inverting codec still aligns.
    """
    reference = np.asarray(reference, dtype=np.float64)
    degraded = np.asarray(degraded, dtype=np.float64)
    if reference.ndim != 1 or degraded.ndim != 1 or reference.size == 0 or degraded.size == 0:
        raise ValueError("signals must be non-empty and one-dimensional")
    if max_lag < 0:
        raise ValueError("max_lag must be >= 0")
    nfft = next_fast_len(reference.size + degraded.size - 1)
    # corr[k] = sum_n degraded[n + k] * reference[n]; negative k wraps to the end.
    corr = irfft(rfft(degraded, nfft) * np.conj(rfft(reference, nfft)), nfft)
    low = max(int(centre) - int(max_lag), -(reference.size - 1))
    high = min(int(centre) + int(max_lag), degraded.size - 1)
    if bound is not None:
        low, high = max(low, -int(bound)), min(high, int(bound))
    if low > high:
        raise ValueError("no lag to search: centre is beyond the signals")
    lags = np.arange(low, high + 1)
    return int(lags[int(np.argmax(np.abs(corr[lags % nfft])))])


def band_envelopes(x, fs):
    """Return (envelopes, hop): one-third-octave band magnitudes every hop samples.

    envelopes has shape (bands, frames), 15 bands from 150 Hz; each band has
    zero mean and unit norm (an all-zero band stays zero) so loud low bands do
    not dominate the correlation.
    """
    x = np.asarray(x, dtype=np.float64)
    hop = max(1, int(round(ENVELOPE_HOP_S * fs)))
    bands, _ = third_octave_matrix(fs, ENVELOPE_NFFT)
    starts = np.arange(0, max(x.size - ENVELOPE_FRAME, 0) + 1, hop)
    window = np.hanning(ENVELOPE_FRAME)
    envelopes = np.zeros((bands.shape[0], starts.size))
    for first in range(0, starts.size, _CHUNK_FRAMES):
        chunk = starts[first: first + _CHUNK_FRAMES]
        frames = np.zeros((chunk.size, ENVELOPE_FRAME))
        idx = chunk[:, None] + np.arange(ENVELOPE_FRAME)[None, :]
        valid = idx < x.size
        frames[valid] = x[idx[valid]]
        power = np.abs(np.fft.rfft(frames * window, ENVELOPE_NFFT, axis=1)) ** 2
        envelopes[:, first: first + chunk.size] = np.sqrt(bands @ power.T)
    envelopes -= envelopes.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(envelopes, axis=1, keepdims=True)
    return np.where(norms > 0, envelopes / np.where(norms > 0, norms, 1.0), 0.0), hop


def envelope_lag(reference, degraded, fs, max_lag):
    """Coarse lag (samples, a multiple of the envelope hop) from band-envelope correlation."""
    ref_env, hop = band_envelopes(reference, fs)
    deg_env, _ = band_envelopes(degraded, fs)
    nfft = next_fast_len(ref_env.shape[1] + deg_env.shape[1] - 1)
    corr = irfft(np.sum(rfft(deg_env, nfft, axis=1) * np.conj(rfft(ref_env, nfft, axis=1)),
                        axis=0), nfft)
    max_steps = int(max_lag // hop)
    low = max(-max_steps, -(ref_env.shape[1] - 1))
    high = min(max_steps, deg_env.shape[1] - 1)
    steps = np.arange(low, high + 1)
    return int(steps[int(np.argmax(corr[steps % nfft]))]) * hop


def align_signals(reference, degraded, fs, max_lag_s=0.2):
    """Align `degraded` to `reference` and trim both to the common length.

    Returns (reference_aligned, degraded_aligned, lag_samples); the arrays are
    views or copies of the inputs, which are not modified.
    """
    max_lag = int(round(max_lag_s * fs))
    coarse = envelope_lag(reference, degraded, fs, max_lag)
    lag = estimate_lag(reference, degraded, int(round(REFINE_S * fs)), centre=coarse,
                       bound=max_lag)
    if lag >= 0:
        ref, deg = reference, degraded[lag:]
    else:
        ref, deg = reference[-lag:], degraded
    length = min(ref.size, deg.size)
    return np.asarray(ref[:length]), np.asarray(deg[:length]), lag
