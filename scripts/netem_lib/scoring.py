"""Scores one direction of an emulated call: intelligibility, latency, rates.

Both daemons run the WAV audio backend, whose files are paced in real time
from each daemon's start: the sender's input_file sample n was captured at
sender_start + n / rate and the receiver's output_file sample m was played at
receiver_start + m / rate. With both starts on one clock the received
recording is moved onto the sender's time axis, where its lag behind the
sent speech is the mouth-to-ear latency.

The lag is found in two steps. A global search (band-envelope correlation,
the representation STOI scores) over 0..3 s finds the latency; then each
2-s segment is re-aligned within +-120 ms of the previous segment's lag,
because the jitter buffer grows and shrinks during the call and one fixed
lag would score the later parts misaligned (on a clean link the delay
steps from about 125 to 85 ms in the first seconds; 4-s segments scored
such calls 0.03..0.09 ESTOI lower than 1..2-s ones). On slow links the
delay can jump by hundreds of ms, so a segment that matches poorly there
is also searched over the whole range. STOI and ESTOI are computed per
segment and averaged, weighted by length; segments silent in the reference
are skipped. The latency is the median lag of the segments that matched.
"""

import os
import statistics
import tempfile

import numpy as np

from quality_lib import align, audio_io, stoi, wer
from quality_lib.numeric import irfft, next_fast_len, resample_poly, rfft

RATE = 16000              # Hz, the scoring rate
MAX_LATENCY_S = 3.0       # widest mouth-to-ear latency searched, seconds
SEGMENT_S = 2.0           # piecewise alignment segment, seconds (see the module comment)
REFINE_S = 0.120          # per-segment search around the global lag, seconds
MIN_SPEECH_S = 0.5        # a segment with less active speech is not scored
SILENCE_DB = 40.0         # frames this far below the loudest are silence
WINDOW_S = 4.0            # window of the peak bit rate, seconds
LATENCY_CORR = 0.3        # segments matched at least this well give the latency
TRACK_CORR = 0.5          # a segment matched this well re-centres the next one's search
WIDE_ACCEPT_CORR = 0.5    # a local match below this also tries the whole range...
WIDE_MARGIN = 0.1         # ...and takes its peak when better by this much


def load(path):
    """Mono float64 at RATE from a WAV file (resampled when needed)."""
    samples, rate = audio_io.read_wav(path)
    if rate != RATE:
        g = np.gcd(int(rate), RATE)
        samples = resample_poly(samples, RATE // g, int(rate) // g)
    return samples


def place(received, receiver_start, sender_start):
    """`received` re-indexed on the sender's axis (both starts in seconds, one clock).

    Sample m of the receiver played at receiver_start + m / RATE, which is
    sender sample m + (receiver_start - sender_start) * RATE.
    """
    shift = int(round((receiver_start - sender_start) * RATE))
    if shift >= 0:
        return np.concatenate([np.zeros(shift), received])
    return received[-shift:]


def _window(x, start, length):
    """x[start:start + length], zero-padded where it runs off either end."""
    out = np.zeros(length)
    lo, hi = max(start, 0), min(start + length, x.size)
    if hi > lo:
        out[lo - start: hi - start] = x[lo:hi]
    return out


def envelope_lag_range(reference, degraded, low, high):
    """Lag in [low, high] samples maximising band-envelope correlation.

    degraded[n + lag] is compared with reference[n]; both start at the same
    index. Returns (lag_samples, correlation), the correlation being the
    mean over bands with energy (about -1..1; near 0 when nothing matches).
    """
    ref_env, hop = align.band_envelopes(reference, RATE)
    deg_env, _ = align.band_envelopes(degraded, RATE)
    live = int(np.count_nonzero(np.any(ref_env != 0, axis=1)))
    if live == 0 or not np.any(deg_env):
        return low, 0.0
    nfft = next_fast_len(ref_env.shape[1] + deg_env.shape[1] - 1)
    corr = irfft(np.sum(rfft(deg_env, nfft, axis=1) * np.conj(rfft(ref_env, nfft, axis=1)),
                        axis=0), nfft)
    steps = np.arange(int(np.ceil(low / hop)), int(high // hop) + 1)
    best = int(np.argmax(corr[steps % nfft]))
    return int(steps[best]) * hop, float(corr[steps[best] % nfft]) / live


def _active_seconds(segment, loudest_power):
    """Seconds of 32-ms frames within SILENCE_DB of the reference's loudest frame."""
    frame = 512
    count = segment.size // frame
    if count == 0:
        return 0.0
    power = np.mean(segment[: count * frame].reshape(count, frame) ** 2, axis=1)
    return float(np.sum(power > loudest_power * 10 ** (-SILENCE_DB / 10))) * frame / RATE


def _loudest_frame_power(x):
    frame = 512
    count = x.size // frame
    if count == 0:
        return 0.0
    return float(np.max(np.mean(x[: count * frame].reshape(count, frame) ** 2, axis=1)))


def _segment_bounds(first, last, segment_s):
    """[first, last) cut into segment_s pieces; a short remainder joins the last piece."""
    step = int(segment_s * RATE)
    bounds = []
    start = first
    while start < last:
        end = min(start + step, last)
        if bounds and end - start < step // 4:
            bounds[-1] = (bounds[-1][0], end)
        else:
            bounds.append((start, end))
        start = end
    return bounds


def _segment_lag(ref_seg, degraded, start, centre):
    """(lag, correlation, search) of one segment: near `centre`, else anywhere.

    The local search (+-REFINE_S) follows the jitter buffer's small steps; on
    a slow link the delay can also jump by hundreds of ms, so a weak local
    match is checked against the whole 0..MAX_LATENCY_S range, whose peak is
    taken only when it is clearly better and itself convincing.
    """
    radius = int(REFINE_S * RATE)
    window = _window(degraded, start + centre - radius, ref_seg.size + 2 * radius)
    coarse, corr = envelope_lag_range(ref_seg, window, 0, 2 * radius)
    lag, search = centre - radius + coarse, "local"
    if corr < WIDE_ACCEPT_CORR:
        span = int(MAX_LATENCY_S * RATE)
        wide, wide_corr = envelope_lag_range(
            ref_seg, _window(degraded, start, ref_seg.size + span), 0, span)
        if wide_corr >= WIDE_ACCEPT_CORR and wide_corr > corr + WIDE_MARGIN:
            lag, corr, search = wide, wide_corr, "wide"
    return lag, corr, search


def _score_segment(reference, degraded, start, end, centre):
    """Re-align one segment around `centre` and score it; None when it is silent."""
    length = end - start
    ref_seg = reference[start:end]
    lag, corr, search = _segment_lag(ref_seg, degraded, start, centre)
    # Waveform-preserving codecs then land on the exact sample (+-1 ms).
    near = _window(degraded, start, length + lag + 64)
    lag = align.estimate_lag(ref_seg, near, int(0.001 * RATE), centre=lag,
                             bound=abs(lag) + int(0.001 * RATE))
    deg_seg = _window(degraded, start + lag, length)
    s = stoi.stoi(ref_seg, deg_seg, RATE)
    e = stoi.estoi(ref_seg, deg_seg, RATE)
    if not (np.isfinite(s) and np.isfinite(e)):
        return None
    return {"start_s": round(start / RATE, 3), "seconds": round(length / RATE, 3),
            "lag_ms": round(lag * 1000.0 / RATE, 1), "corr": round(corr, 3),
            "search": search, "stoi": round(float(s), 4), "estoi": round(float(e), 4)}


def intelligibility(reference, degraded, speech_start_s, speech_end_s, segment_s=SEGMENT_S):
    """Latency and piecewise STOI/ESTOI of `degraded` (already on the reference's axis).

    Only reference[speech_start_s:speech_end_s] is scored. Returns a dict;
    estoi/stoi/latency are None when no segment held speech.
    """
    first = int(speech_start_s * RATE)
    last = min(int(speech_end_s * RATE), reference.size)
    span = reference[first:last]
    search = _window(degraded, first, span.size + int(MAX_LATENCY_S * RATE))
    global_lag, global_corr = envelope_lag_range(span, search, 0, int(MAX_LATENCY_S * RATE))
    loudest = _loudest_frame_power(span)
    segments, skipped, centre = [], 0, global_lag
    for start, end in _segment_bounds(first, last, segment_s):
        if loudest == 0 or _active_seconds(reference[start:end], loudest) < MIN_SPEECH_S:
            skipped += 1
            continue
        scored = _score_segment(reference, degraded, start, end, centre)
        if scored is None:
            skipped += 1
            continue
        segments.append(scored)
        if scored["corr"] >= TRACK_CORR:
            # Follow the delay as it drifts: the next segment searches near here.
            centre = int(round(scored["lag_ms"] * RATE / 1000.0))
    result = {"latency_ms_global": round(global_lag * 1000.0 / RATE, 1),
              "alignment_corr": round(global_corr, 3), "segments_scored": len(segments),
              "segments_skipped": skipped, "segment_s": segment_s, "segments": segments,
              "estoi": None, "stoi": None, "latency_ms": None, "latency_ms_min": None,
              "latency_ms_max": None}
    if segments:
        weights = np.array([s["seconds"] for s in segments])
        for key in ("estoi", "stoi"):
            values = np.array([s[key] for s in segments])
            result[key] = round(float(np.sum(values * weights) / np.sum(weights)), 4)
        # A segment that matched nothing (the call was lost, all concealment)
        # still counts for ESTOI, but its lag means nothing.
        lags = [s["lag_ms"] for s in segments if s["corr"] >= LATENCY_CORR] or \
            [result["latency_ms_global"]]
        result["latency_ms"] = round(statistics.median(lags), 1)
        result["latency_ms_min"] = min(lags)
        result["latency_ms_max"] = max(lags)
    return result


def _interpolate(samples, value, t):
    """Linear interpolation of a cumulative counter value(sample) at time t."""
    points = [(s["t"], value(s)) for s in samples if value(s) is not None]
    if not points:
        return None
    if t <= points[0][0]:
        return float(points[0][1])
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if t0 <= t <= t1:
            return v0 + (v1 - v0) * ((t - t0) / (t1 - t0) if t1 > t0 else 0.0)
    return float(points[-1][1])


def counter_rate(samples, value, t0, t1, scale=1.0):
    """(value(t1) - value(t0)) / (t1 - t0) * scale, or None without data."""
    a, b = _interpolate(samples, value, t0), _interpolate(samples, value, t1)
    if a is None or b is None or t1 <= t0:
        return None
    return (b - a) / (t1 - t0) * scale


def peak_window_rate(samples, value, t0, t1, scale=1.0):
    """Highest rate of a cumulative counter over any WINDOW_S window inside [t0, t1]."""
    points = [(s["t"], value(s)) for s in samples
              if value(s) is not None and t0 - 0.5 <= s["t"] <= t1 + 0.5]
    best = None
    for i, (ta, va) in enumerate(points):
        for tb, vb in points[i + 1:]:
            if tb - ta >= WINDOW_S - 0.25:
                rate = (vb - va) / (tb - ta) * scale
                best = rate if best is None else max(best, rate)
                break
    return best


def gauge_summary(samples, value, t0, t1):
    """(median, max) of a gauge sampled inside [t0, t1]; (None, None) without data."""
    values = [value(s) for s in samples if t0 <= s["t"] <= t1 and value(s) is not None]
    if not values:
        return None, None
    return statistics.median(values), max(values)


def transcribe_wer(transcript, reference, degraded, first, last, lag, workdir):
    """WER of the received speech (and of the sent speech, the recogniser's floor).

    Needs pocketsphinx_continuous; returns None without it. Files go to
    `workdir` (the caller's) and are removed.
    """
    try:
        recogniser = wer.PocketSphinx()
    except FileNotFoundError:
        return None
    out = {}
    fd, path = tempfile.mkstemp(suffix=".wav", dir=workdir)
    os.close(fd)
    try:
        for key, signal in (("wer_sent", reference[first:last]),
                            ("wer", _window(degraded, first + lag, last - first))):
            # Half a second of silence each side helps the recogniser find the first word.
            pad = np.zeros(RATE // 2)
            audio_io.write_wav16(path, np.concatenate([pad, signal, pad]), RATE)
            out[key] = round(wer.word_error_rate(transcript, recogniser.transcribe(path)), 3)
    finally:
        os.remove(path)
    return out
