"""STOI (Taal et al., IEEE TASLP 2011) and ESTOI (Jensen & Taal, IEEE TASLP 2016).

Follows the authors' reference MATLAB code step by step:
  1. resample both signals to 10 kHz;
  2. drop frames of the clean signal more than 40 dB below its loudest frame
     (256-sample Hann frames, 50 % overlap), in both signals, and overlap-add the rest;
  3. short-time DFT: 256-sample Hann frames, 50 % overlap, 512-point FFT;
  4. 15 one-third-octave bands, the first centred at 150 Hz (band envelope =
     sqrt of summed bin power);
  5. segments of 30 frames (384 ms), one per frame position (sliding);
  6. STOI: scale the degraded band envelope to the clean energy, clip it at
     -15 dB SDR (beta), correlate per band, average over bands and segments;
     ESTOI: normalise each segment's rows (bands over time) and then columns
     (frames over bands) to zero mean and unit norm, average the column inner
     products, then average over segments.

The only departure: where MATLAB would divide by zero (a band or frame with no
energy at all) the normalised vector is taken as zero instead of NaN, and
ESTOI adds no random dither, so the result is deterministic.
"""

import math

import numpy as np
from quality_lib.numeric import resample_poly

FS_STOI = 10000       # Hz, internal sample rate of the measure
FRAME_LEN = 256       # samples at 10 kHz (25.6 ms)
FRAME_HOP = 128       # samples, 50 % overlap
NFFT = 512            # DFT size
NUM_BANDS = 15        # one-third-octave bands
MIN_FREQ = 150.0      # Hz, centre of the first band
SEGMENT_FRAMES = 30   # frames per intermediate segment (384 ms)
BETA_DB = -15.0       # lower signal-to-distortion bound for clipping
DYN_RANGE_DB = 40.0   # frames below (max - 40 dB) are silent


def matlab_hanning(n):
    """MATLAB's hanning(n): a Hann window without its zero end points."""
    return np.hanning(n + 2)[1:-1]


def third_octave_matrix(fs=FS_STOI, nfft=NFFT, num_bands=NUM_BANDS, min_freq=MIN_FREQ):
    """Return (A, centre_freqs): A[band, bin] is 1 where the DFT bin belongs to the band."""
    freqs = np.linspace(0, fs, nfft + 1)[: nfft // 2 + 1]
    k = np.arange(num_bands)
    centres = 2.0 ** (k / 3.0) * min_freq
    low_edges = np.sqrt(centres * 2.0 ** ((k - 1) / 3.0) * min_freq)
    high_edges = np.sqrt(centres * 2.0 ** ((k + 1) / 3.0) * min_freq)
    matrix = np.zeros((num_bands, freqs.size))
    for band in range(num_bands):
        lo = int(np.argmin((freqs - low_edges[band]) ** 2))
        hi = int(np.argmin((freqs - high_edges[band]) ** 2))
        matrix[band, lo:hi] = 1.0
    return matrix, centres


_BAND_MATRIX, _ = third_octave_matrix()


def _frame_starts(n_samples):
    # MATLAB 1:K:(length(x)-N), i.e. 0-based starts strictly below n - N.
    return np.arange(0, max(n_samples - FRAME_LEN, 0), FRAME_HOP)


def _frames(x):
    starts = _frame_starts(x.size)
    return x[starts[:, None] + np.arange(FRAME_LEN)[None, :]] * matlab_hanning(FRAME_LEN)


def remove_silent_frames(clean, degraded, dyn_range=DYN_RANGE_DB):
    """Drop frames where `clean` is dyn_range dB below its loudest frame; overlap-add the rest.

    Returns new arrays (the inputs are not modified).
    """
    clean_frames = _frames(clean)
    degraded_frames = _frames(degraded)
    if clean_frames.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    with np.errstate(divide="ignore"):
        energy_db = 20.0 * np.log10(np.linalg.norm(clean_frames, axis=1) / math.sqrt(FRAME_LEN))
    keep = (energy_db - np.max(energy_db) + dyn_range) > 0
    return _overlap_add(clean_frames[keep]), _overlap_add(degraded_frames[keep])


def _overlap_add(frames):
    # With hop = FRAME_LEN / 2 every output sample gets one first half and one second half.
    count = frames.shape[0]
    out = np.zeros((count - 1) * FRAME_HOP + FRAME_LEN) if count else np.zeros(0)
    out[: count * FRAME_HOP] += frames[:, :FRAME_HOP].reshape(-1)
    out[FRAME_HOP: FRAME_HOP + count * FRAME_HOP] += frames[:, FRAME_HOP:].reshape(-1)
    return out


def band_envelopes(x):
    """One-third-octave band magnitudes, shape (NUM_BANDS, frames)."""
    spectrum = np.fft.rfft(_frames(x), NFFT, axis=1)
    return np.sqrt(_BAND_MATRIX @ (np.abs(spectrum) ** 2).T)


def _segments(envelopes):
    # (bands, frames) -> (segments, bands, SEGMENT_FRAMES), one segment per end frame.
    view = np.lib.stride_tricks.sliding_window_view(envelopes, SEGMENT_FRAMES, axis=1)
    return np.transpose(view, (1, 0, 2))


def _unit_rows(x, axis):
    centred = x - np.mean(x, axis=axis, keepdims=True)
    norm = np.sqrt(np.sum(centred ** 2, axis=axis, keepdims=True))
    safe = np.where(norm > 0, norm, 1.0)
    return np.where(norm > 0, centred / safe, 0.0)


def _stoi_from_segments(clean_seg, degraded_seg):
    clean_energy = np.sum(clean_seg ** 2, axis=2, keepdims=True)
    degraded_energy = np.sum(degraded_seg ** 2, axis=2, keepdims=True)
    safe_energy = np.where(degraded_energy > 0, degraded_energy, 1.0)
    alpha = np.where(degraded_energy > 0, np.sqrt(clean_energy / safe_energy), 0.0)
    clip_factor = 1.0 + 10.0 ** (-BETA_DB / 20.0)
    degraded_clipped = np.minimum(degraded_seg * alpha, clean_seg * clip_factor)
    correlation = np.sum(_unit_rows(clean_seg, 2) * _unit_rows(degraded_clipped, 2), axis=2)
    return float(np.mean(correlation))


def _estoi_from_segments(clean_seg, degraded_seg):
    clean_norm = _unit_rows(_unit_rows(clean_seg, 2), 1)
    degraded_norm = _unit_rows(_unit_rows(degraded_seg, 2), 1)
    per_segment = np.sum(clean_norm * degraded_norm, axis=(1, 2)) / SEGMENT_FRAMES
    return float(np.mean(per_segment))


def _check_pair(clean, degraded, fs):
    clean = np.asarray(clean, dtype=np.float64)
    degraded = np.asarray(degraded, dtype=np.float64)
    if clean.ndim != 1 or degraded.ndim != 1:
        raise ValueError("signals must be one-dimensional")
    if clean.size != degraded.size:
        raise ValueError("signals must have the same length (align them first)")
    if not (np.all(np.isfinite(clean)) and np.all(np.isfinite(degraded))):
        raise ValueError("signals must be finite")
    if int(fs) != fs or fs <= 0:
        raise ValueError("sample rate must be a positive integer")
    return clean, degraded


def _resample_to_stoi_rate(x, fs):
    if fs == FS_STOI:
        return x
    g = math.gcd(int(fs), FS_STOI)
    # scipy's default Kaiser (beta 5) filter of 10 * max(up, down) taps per side
    # matches MATLAB resample()'s length and window.
    return resample_poly(x, FS_STOI // g, int(fs) // g)


def stoi(clean, degraded, fs, extended=False):
    """STOI (or ESTOI when extended=True) of `degraded` against `clean`, both at `fs` Hz.

    The signals must already be time-aligned and of equal length. Returns a float
    (about 0..1, higher is more intelligible), or NaN when less than one 384 ms
    segment of speech remains after silent-frame removal.
    """
    clean, degraded = _check_pair(clean, degraded, fs)
    clean = _resample_to_stoi_rate(clean, fs)
    degraded = _resample_to_stoi_rate(degraded, fs)
    clean, degraded = remove_silent_frames(clean, degraded)
    clean_env = band_envelopes(clean)
    degraded_env = band_envelopes(degraded)
    if clean_env.shape[1] < SEGMENT_FRAMES:
        return float("nan")
    clean_seg = _segments(clean_env)
    degraded_seg = _segments(degraded_env)
    if extended:
        return _estoi_from_segments(clean_seg, degraded_seg)
    return _stoi_from_segments(clean_seg, degraded_seg)


def estoi(clean, degraded, fs):
    """ESTOI of `degraded` against `clean`; see stoi()."""
    return stoi(clean, degraded, fs, extended=True)
