#!/usr/bin/env python3
"""Deterministic feature extraction for the Sotto speech codec, and the feature cache.

Everything here is plain DSP so the C encoder can reproduce it bit-for-bit in spirit
(float rounding aside):

  * 16 kHz mono, 20 ms packets (320 samples) made of two 10 ms subframes (160 samples).
  * Envelope: one 320-sample periodic Hann window per subframe, centred on the
    subframe centre (window j covers samples [160j-80, 160j+240)), zero-padded to a
    512-point FFT.  Power per bin is |X|^2 / sum(w^2), so white noise of variance s^2
    reads s^2 in every bin.  32 triangular mel bands (edges mel-spaced 0..8000 Hz,
    each triangle normalised to unit sum) average that power; the feature is
    10*log10(P + 1e-10) dB.  Look-ahead past the packet end: 80 samples (5 ms).
  * Pitch: one YIN estimate per packet, with a backward-looking difference
    d(tau) = sum_{n in [c-160, c+160)} (x[n] - x[n-tau])^2 around the packet centre c,
    tau in [32, 256] (500 .. 62.5 Hz), cumulative-mean normalisation, absolute
    threshold 0.15, parabolic refinement and a causal continuity rule (prefer the
    local minimum near the previous lag when it is nearly as good).  It needs no
    look-ahead beyond the packet end.  Voicing = clip(1 - d'(tau), 0, 1).

Cache layout (one directory per split and augmentation variant):
  <cache>/<split>/<variant>/audio.npy    int16, utterances concatenated, each cut to whole packets
  <cache>/<split>/<variant>/bands.npy    float32 [n_subframes, 32] dB
  <cache>/<split>/<variant>/lag.npy      float32 [n_packets] pitch lag in samples
  <cache>/<split>/<variant>/voicing.npy  float32 [n_packets] in [0, 1]
  <cache>/<split>/<variant>/utts.json    [{"name", "pkt_start", "n_pkt"}]
Variant "clean" is the untouched audio; "aug1".."augN" are seeded augmentations.
"""
import argparse
import json
import os
import sys
import zlib

import numpy as np

SR = 16000
SUB = 160            # subframe hop, samples (10 ms)
PKT = 320            # packet, samples (20 ms)
WIN = 320            # envelope analysis window, samples
NFFT = 512
NBANDS = 32
LAG_MIN = 32         # 500 Hz
LAG_MAX = 256        # 62.5 Hz
YIN_THRESHOLD = 0.15
DB_FLOOR = 1e-10


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def band_layout():
    """Returns (weights [NBANDS, NFFT/2+1], centres_hz [NBANDS])."""
    nbins = NFFT // 2 + 1
    edges = mel_to_hz(np.linspace(0.0, hz_to_mel(SR / 2), NBANDS + 2))
    freqs = np.arange(nbins) * SR / NFFT
    w = np.zeros((NBANDS, nbins))
    for b in range(NBANDS):
        lo, mid, hi = edges[b], edges[b + 1], edges[b + 2]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        w[b] = np.clip(np.minimum(up, down), 0.0, None)
        w[b] /= w[b].sum()
    return w.astype(np.float32), edges[1:-1].astype(np.float32)


def interp_matrix():
    """[nbins, NBANDS]: piecewise-linear interpolation of band values (placed at band
    centres) onto FFT bins, flat outside the first/last centre.  Used by the decoder."""
    _, centres = band_layout()
    nbins = NFFT // 2 + 1
    freqs = np.arange(nbins) * SR / NFFT
    m = np.zeros((nbins, NBANDS), dtype=np.float32)
    for k, f in enumerate(freqs):
        if f <= centres[0]:
            m[k, 0] = 1.0
        elif f >= centres[-1]:
            m[k, -1] = 1.0
        else:
            b = int(np.searchsorted(centres, f)) - 1
            t = (f - centres[b]) / (centres[b + 1] - centres[b])
            m[k, b] = 1.0 - t
            m[k, b + 1] = t
    return m


def hann(n):
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float64)


def band_energies(x, n_pkt):
    """x: float64 audio cut to n_pkt*PKT samples. Returns float32 [2*n_pkt, NBANDS] dB."""
    n_sub = 2 * n_pkt
    pad = np.concatenate([np.zeros(WIN // 4), x, np.zeros(WIN)])
    idx = np.arange(n_sub)[:, None] * SUB + np.arange(WIN)[None, :]
    w = hann(WIN)
    frames = pad[idx] * w
    spec = np.fft.rfft(frames, n=NFFT, axis=1)
    power = (spec.real ** 2 + spec.imag ** 2) / np.sum(w ** 2)
    weights, _ = band_layout()
    bands = power @ weights.T.astype(np.float64)
    return (10.0 * np.log10(bands + DB_FLOOR)).astype(np.float32)


def yin_cmnd(x, n_pkt):
    """Cumulative-mean-normalised difference d'(tau), tau = 0..LAG_MAX, per packet."""
    pad = np.concatenate([np.zeros(LAG_MAX), x, np.zeros(PKT)])
    centres = np.arange(n_pkt) * PKT + PKT // 2 + LAG_MAX
    a_idx = centres[:, None] - PKT // 2 + np.arange(PKT)[None, :]
    seg_idx = centres[:, None] - PKT // 2 - LAG_MAX + np.arange(PKT + LAG_MAX)[None, :]
    a = pad[a_idx]
    seg = pad[seg_idx]
    nfft = 1024
    corr = np.fft.irfft(np.conj(np.fft.rfft(a, nfft, axis=1)) * np.fft.rfft(seg, nfft, axis=1),
                        nfft, axis=1)[:, :LAG_MAX + 1]
    r = corr[:, ::-1]                              # r[:, tau] = sum a[i] * x[n - tau]
    csum = np.concatenate([np.zeros((n_pkt, 1)), np.cumsum(seg ** 2, axis=1)], axis=1)
    taus = np.arange(LAG_MAX + 1)
    start = LAG_MAX - taus
    e_lag = csum[:, start + PKT] - csum[:, start]
    e_a = np.sum(a ** 2, axis=1, keepdims=True)
    d = np.maximum(e_a + e_lag - 2.0 * r, 0.0)
    cum = np.cumsum(d[:, 1:], axis=1)
    cmnd = np.ones_like(d)
    cmnd[:, 1:] = d[:, 1:] * taus[1:] / np.maximum(cum, 1e-12)
    return cmnd, e_a[:, 0]


def refine(c, t):
    if t <= LAG_MIN or t >= LAG_MAX:
        return float(t)
    den = c[t - 1] - 2.0 * c[t] + c[t + 1]
    if den <= 1e-12:
        return float(t)
    return float(t) + float(np.clip(0.5 * (c[t - 1] - c[t + 1]) / den, -0.5, 0.5))


def local_min(c, t):
    while t + 1 <= LAG_MAX and c[t + 1] < c[t]:
        t += 1
    return t


def pitch_track(x, n_pkt):
    """Returns (lag [n_pkt] float32 samples, voicing [n_pkt] float32)."""
    cmnd, energy = yin_cmnd(x, n_pkt)
    lags = np.zeros(n_pkt, dtype=np.float32)
    voicing = np.zeros(n_pkt, dtype=np.float32)
    prev_lag, prev_v = 100.0, 0.0
    for k in range(n_pkt):
        c = cmnd[k]
        if energy[k] < 1e-7 * PKT:          # digital silence: keep the last lag
            lags[k], voicing[k] = prev_lag, 0.0
            prev_v = 0.0
            continue
        below = np.nonzero(c[LAG_MIN:LAG_MAX + 1] < YIN_THRESHOLD)[0]
        if below.size:
            t = local_min(c, LAG_MIN + int(below[0]))
        else:
            t = LAG_MIN + int(np.argmin(c[LAG_MIN:LAG_MAX + 1]))
        if prev_v > 0.5:                    # causal continuity: avoid octave jumps
            lo = max(LAG_MIN, int(prev_lag * 0.85))
            hi = min(LAG_MAX, int(np.ceil(prev_lag * 1.15)))
            tc = lo + int(np.argmin(c[lo:hi + 1])) if lo <= hi else t
            if c[tc] < c[t] + 0.1:
                t = tc
        lag = refine(c, t)
        v = float(np.clip(1.0 - c[t], 0.0, 1.0))
        lags[k], voicing[k] = lag, v
        prev_lag, prev_v = lag, v
    return lags, voicing


def extract(x):
    """x: float audio in [-1, 1]. Returns dict of features for whole packets."""
    n_pkt = len(x) // PKT
    x = np.asarray(x[:n_pkt * PKT], dtype=np.float64)
    bands = band_energies(x, n_pkt)
    lag, voicing = pitch_track(x, n_pkt)
    return {"bands": bands, "lag": lag, "voicing": voicing, "n_pkt": n_pkt}


# ---------------------------------------------------------------- augmentation

def pink_noise(n, rng):
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0
    return np.fft.irfft(spec / np.sqrt(f), n)


def synthetic_rir(rng):
    rt60 = rng.uniform(0.15, 0.6)
    n = int(rt60 * SR)
    t = np.arange(n) / SR
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    tail[:int(0.002 * SR)] = 0.0
    drr_db = rng.uniform(0.0, 12.0)
    tail *= np.sqrt(1.0 / (np.sum(tail ** 2) * 10 ** (drr_db / 10)))
    tail[0] = 1.0
    return tail


def voice_warp(x, rng):
    """Speed perturbation by resampling: factor < 1 lowers pitch and formants together
    (a child's vocal tract towards an adult's, a woman's towards a man's), > 1 raises
    them.  The corpus is half children and mostly one accent; this widens the voices
    the codec hears without new recordings."""
    from scipy import signal
    factor = float(rng.choice([0.80, 0.85, 0.90, 0.95, 1.05, 1.10]))
    up = 100
    down = int(round(100 * factor))
    return signal.resample_poly(x, down, up)


def mic_colour(x, rng):
    """Microphone / room colouring: two random peaking filters of +-9 dB and a random
    first-order tilt, as a cheap headset, laptop or phone microphone would add."""
    from scipy import signal
    y = x
    for _ in range(2):
        f0 = float(np.exp(rng.uniform(np.log(200.0), np.log(6000.0))))
        gain_db = rng.uniform(-9.0, 9.0)
        q = rng.uniform(0.7, 3.0)
        a_lin = 10 ** (gain_db / 40)
        w0 = 2 * np.pi * f0 / SR
        alpha = np.sin(w0) / (2 * q)
        b = [1 + alpha * a_lin, -2 * np.cos(w0), 1 - alpha * a_lin]
        a = [1 + alpha / a_lin, -2 * np.cos(w0), 1 - alpha / a_lin]
        y = signal.lfilter(b, a, y)
    tilt = rng.uniform(-0.5, 0.5)
    return signal.lfilter([1.0, -tilt], [1.0], y)


def augment(x, rng, others, voice=False):
    """One seeded augmentation: noise (white/pink/babble) and/or band-limit, reverb, gain.
    others: list of float arrays (other speakers) used for babble.  voice: also apply
    speed/formant perturbation (p = 0.7) and microphone colouring (p = 0.4)."""
    from scipy import signal
    y = x.copy()
    if voice:
        if rng.random() < 0.7:
            y = voice_warp(y, rng)
        if rng.random() < 0.4:
            y = mic_colour(y, rng)
        x = y
    if rng.random() < 0.3:
        y = signal.fftconvolve(y, synthetic_rir(rng))[:len(x)]
    if rng.random() < 0.3:
        kind = rng.integers(3)
        if kind == 0:
            sos = signal.butter(6, 3400, "lowpass", fs=SR, output="sos")
        elif kind == 1:
            sos = signal.butter(4, [300, 3400], "bandpass", fs=SR, output="sos")
        else:
            sos = signal.butter(6, 5000, "lowpass", fs=SR, output="sos")
        y = signal.sosfilt(sos, y)
    if rng.random() < 0.6:
        kind = rng.integers(3)
        if kind == 0:
            noise = rng.standard_normal(len(y))
        elif kind == 1:
            noise = pink_noise(len(y), rng)
        else:
            noise = np.zeros(len(y))
            for _ in range(4):
                o = others[rng.integers(len(others))]
                if len(o) < len(y):
                    o = np.tile(o, len(y) // len(o) + 1)
                off = rng.integers(len(o) - len(y) + 1)
                seg = o[off:off + len(y)]
                noise += seg / (np.std(seg) + 1e-9)
        snr = float(rng.choice([5.0, 10.0, 15.0, 20.0, 30.0]))
        ps = np.mean(y ** 2) + 1e-12
        pn = np.mean(noise ** 2) + 1e-12
        y = y + noise * np.sqrt(ps / (pn * 10 ** (snr / 10)))
    gain_db = rng.uniform(-20.0, 6.0)
    y = y * 10 ** (gain_db / 20)
    peak = np.max(np.abs(y)) + 1e-9
    if peak > 0.99:
        y *= 0.99 / peak
    return y


# ---------------------------------------------------------------- cache

def list_files(corpus, split):
    rows = []
    with open(os.path.join(corpus, "manifest.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rec = dict(zip(header, line.rstrip("\n").split("\t")))
            if rec["path"].startswith(split + "/"):
                rows.append(rec)
    rows.sort(key=lambda r: r["path"])
    return rows


def read_audio(path):
    import soundfile as sf
    x, sr = sf.read(path, dtype="float64", always_2d=False)
    if sr != SR or x.ndim != 1:
        raise ValueError(f"{path}: expected {SR} Hz mono, got {sr} Hz {x.shape}")
    return x


def write_split(out_dir, items):
    """items: list of (name, int16 audio, feats)."""
    os.makedirs(out_dir, exist_ok=True)
    utts, pkt = [], 0
    for name, _, feats in items:
        utts.append({"name": name, "pkt_start": pkt, "n_pkt": feats["n_pkt"]})
        pkt += feats["n_pkt"]
    np.save(os.path.join(out_dir, "audio.npy"), np.concatenate([a for _, a, _ in items]))
    np.save(os.path.join(out_dir, "bands.npy"), np.concatenate([f["bands"] for _, _, f in items]))
    np.save(os.path.join(out_dir, "lag.npy"), np.concatenate([f["lag"] for _, _, f in items]))
    np.save(os.path.join(out_dir, "voicing.npy"),
            np.concatenate([f["voicing"] for _, _, f in items]))
    with open(os.path.join(out_dir, "utts.json"), "w", encoding="utf-8") as f:
        json.dump(utts, f)


def load_split(cache, split, variant):
    d = os.path.join(cache, split, variant)
    with open(os.path.join(d, "utts.json"), encoding="utf-8") as f:
        utts = json.load(f)
    out = {k: np.load(os.path.join(d, k + ".npy"), mmap_mode="r")
           for k in ("audio", "bands", "lag", "voicing")}
    out["utts"] = utts
    return out


def to_int16(y):
    return np.clip(np.round(y * 32768.0), -32768, 32767).astype(np.int16)


def cache_split(corpora, cache, split, n_aug, seed, limit, n_voice):
    """corpora: corpus roots (each with manifest.tsv); their `split` files are pooled.
    Variants aug1..aug<n_voice> also perturb the voice (see augment)."""
    rows, audios = [], []
    for corpus in corpora:
        sel = list_files(corpus, split)
        if limit:
            sel = sel[:limit]
        rows += sel
        audios += [read_audio(os.path.join(corpus, r["path"])) for r in sel]
    variants = ["clean"] + [f"aug{i + 1}" for i in range(n_aug)]
    for v_i, variant in enumerate(variants):
        items = []
        for u, (r, x) in enumerate(zip(rows, audios)):
            if variant != "clean":
                rng = np.random.default_rng([seed, v_i, u])
                others = [audios[j] for j in rng.choice(len(audios), 8, replace=False)
                          if rows[j]["speaker_id"] != r["speaker_id"]]
                x = augment(x, rng, others or [audios[(u + 1) % len(audios)]],
                            voice=v_i <= n_voice)
            q = to_int16(x)
            feats = extract(q.astype(np.float64) / 32768.0)
            items.append((r["path"], q[:feats["n_pkt"] * PKT], feats))
        write_split(os.path.join(cache, split, variant), items)
        print(f"{split}/{variant}: {len(items)} files, "
              f"{sum(i[2]['n_pkt'] for i in items) * PKT / SR / 3600:.2f} h", flush=True)


def default_cache():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "sotto-train")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True, action="append",
                    help="speech corpus root (has manifest.tsv); repeat to pool several")
    ap.add_argument("--cache", default=default_cache(), help="feature cache directory")
    ap.add_argument("--aug", type=int, default=2, help="augmented variants of train")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--limit", type=int, default=0, help="only the first N files (smoke test)")
    ap.add_argument("--splits", default="train,valid")
    ap.add_argument("--voice-aug", type=int, default=2,
                    help="how many of the augmented variants also perturb the voice")
    args = ap.parse_args(argv)
    for split in args.splits.split(","):
        # valid is the first corpus's only: the extra corpora have no held-out speakers
        corpora = args.corpus if split == "train" else args.corpus[:1]
        cache_split(corpora, args.cache, split, args.aug if split == "train" else 0,
                    args.seed + zlib.crc32(split.encode()), args.limit, args.voice_aug)


if __name__ == "__main__":
    main(sys.argv[1:])
