#!/usr/bin/env python3
"""Decodes the held-out valid set through the whole chain and scores it.

Conditions: unquantised features -> decoder; 64-bit/20 ms quantised -> decoder;
80-bit/40 ms quantised -> decoder; and the untrained DSP vocoder (network corrections
zero) on unquantised and 64-bit features, which separates what the quantiser costs from
what the decoder costs and what training bought.

Metrics (implemented here, no third-party metric package):
  STOI  (Taal et al. 2011) and ESTOI (Jensen & Taal 2016): resample to 10 kHz,
        remove frames more than 40 dB below the loudest clean frame (256-pt Hann, hop 128,
        applied to both signals by overlap-add), 512-pt FFT of 256-sample frames,
        15 one-third octave bands from 150 Hz, 30-frame (384 ms) segments; STOI clips the
        normalised degraded envelope at -15 dB SDR and averages band correlations, ESTOI
        normalises each segment's band rows then its frame columns and averages the inner
        products.
  LSD   log-spectral distance in dB (512-pt FFT of 320-sample Hann frames, hop 160, 16 kHz),
        over frames within 40 dB of the loudest clean frame, both spectra floored 50 dB
        under the clean peak bin so inaudible bins do not dominate.
The decoder output is compared with the input delayed by model.DELAY samples (its true
algorithmic alignment; no search).
"""
import argparse
import datetime
import os
import sys

import numpy as np
import torch
from scipy.signal import resample_poly

import features as F
import model as M
from quantise import Quantiser

FS_STOI = 10000
N_FRAME = 256
N_FFT_STOI = 512
N_BANDS = 15
MIN_FREQ = 150.0
N_SEG = 30
BETA_DB = -15.0
DYN_RANGE = 40.0


def third_octave_matrix():
    f = np.linspace(0, FS_STOI, N_FFT_STOI + 1)[:N_FFT_STOI // 2 + 1]
    k = np.arange(N_BANDS)
    lo = MIN_FREQ * 2.0 ** ((2 * k - 1) / 6.0)
    hi = MIN_FREQ * 2.0 ** ((2 * k + 1) / 6.0)
    m = np.zeros((N_BANDS, len(f)))
    for i in range(N_BANDS):
        a = int(np.argmin((f - lo[i]) ** 2))
        b = int(np.argmin((f - hi[i]) ** 2))
        m[i, a:b] = 1.0
    return m


def stoi_window():
    return np.hanning(N_FRAME + 2)[1:-1]


def frames(x, n, hop):
    count = 1 + (len(x) - n) // hop
    idx = np.arange(count)[:, None] * hop + np.arange(n)[None, :]
    return x[idx]


def remove_silent(x, y):
    w = stoi_window()
    hop = N_FRAME // 2
    fx = frames(x, N_FRAME, hop) * w
    fy = frames(y, N_FRAME, hop) * w
    energy = 20 * np.log10(np.linalg.norm(fx, axis=1) + np.finfo(float).eps)
    keep = energy > energy.max() - DYN_RANGE
    fx, fy = fx[keep], fy[keep]
    n = len(fx)
    out_x = np.zeros((n - 1) * hop + N_FRAME)
    out_y = np.zeros_like(out_x)
    for i in range(n):
        out_x[i * hop:i * hop + N_FRAME] += fx[i]
        out_y[i * hop:i * hop + N_FRAME] += fy[i]
    return out_x, out_y


def band_envelopes(x):
    spec = np.fft.rfft(frames(x, N_FRAME, N_FRAME // 2) * stoi_window(), N_FFT_STOI, axis=1)
    return np.sqrt(third_octave_matrix() @ (np.abs(spec) ** 2).T)     # [bands, frames]


def stoi_estoi(clean, degraded, fs=F.SR):
    """Returns (STOI, ESTOI) of degraded against clean (same length, same rate)."""
    x = resample_poly(clean, FS_STOI, fs)
    y = resample_poly(degraded, FS_STOI, fs)
    x, y = remove_silent(x, y)
    xe, ye = band_envelopes(x), band_envelopes(y)
    if xe.shape[1] < N_SEG:
        return float("nan"), float("nan")
    clip = 10 ** (-BETA_DB / 20)
    d_stoi, d_estoi = [], []
    eps = np.finfo(float).eps
    for m in range(N_SEG, xe.shape[1] + 1):
        xs, ys = xe[:, m - N_SEG:m], ye[:, m - N_SEG:m]
        alpha = np.linalg.norm(xs, axis=1, keepdims=True) / (np.linalg.norm(ys, axis=1, keepdims=True) + eps)
        yc = np.minimum(ys * alpha, xs * (1 + clip))
        xm = xs - xs.mean(axis=1, keepdims=True)
        ym = yc - yc.mean(axis=1, keepdims=True)
        corr = np.sum(xm * ym, axis=1) / (np.linalg.norm(xm, axis=1) * np.linalg.norm(ym, axis=1) + eps)
        d_stoi.append(corr.mean())
        xn = xs - xs.mean(axis=1, keepdims=True)
        xn = xn / (np.linalg.norm(xn, axis=1, keepdims=True) + eps)
        yn = ys - ys.mean(axis=1, keepdims=True)
        yn = yn / (np.linalg.norm(yn, axis=1, keepdims=True) + eps)
        xn = xn - xn.mean(axis=0, keepdims=True)
        xn = xn / (np.linalg.norm(xn, axis=0, keepdims=True) + eps)
        yn = yn - yn.mean(axis=0, keepdims=True)
        yn = yn / (np.linalg.norm(yn, axis=0, keepdims=True) + eps)
        d_estoi.append(np.sum(xn * yn) / N_SEG)
    return float(np.mean(d_stoi)), float(np.mean(d_estoi))


def lsd(clean, degraded):
    w = F.hann(F.WIN)
    px = np.abs(np.fft.rfft(frames(clean, F.WIN, F.SUB) * w, F.NFFT, axis=1)) ** 2
    py = np.abs(np.fft.rfft(frames(degraded, F.WIN, F.SUB) * w, F.NFFT, axis=1)) ** 2
    e = 10 * np.log10(px.sum(axis=1) + 1e-12)
    keep = e > e.max() - DYN_RANGE
    floor = 1e-5 * px.max()             # bins 50 dB under the peak count as the floor
    d = 10 * np.log10(np.maximum(px[keep], floor)) - 10 * np.log10(np.maximum(py[keep], floor))
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=1))))


def align(ref, out, max_lag=1600):
    """Shifts `out` by the lag (|lag| <= max_lag) that maximises the cross-correlation of
    the two signals' 10 ms energy envelopes (robust for vocoders whose waveform does not
    follow the input); used only for third-party codecs whose delay is not known here."""
    def env(v):
        return np.sqrt(np.convolve(v ** 2, np.ones(160) / 160, mode="same"))
    a, b = env(ref), env(out)
    a, b = a - a.mean(), b - b.mean()
    n = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    c = np.fft.irfft(np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n)), n)
    lags = np.concatenate([np.arange(0, max_lag + 1), np.arange(-max_lag, 0)])
    lag = int(lags[np.argmax(c[lags])])
    y = np.zeros_like(ref)
    src = out[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag), out])
    m = min(len(ref), len(src))
    y[:m] = src[:m]
    return y


def run_codec(name, x):
    """Encodes and decodes x (16 kHz float) with an installed reference codec:
    opus<kbps> (opusenc --speech --framesize 20 --hard-cbr) or codec2 (c2enc 3200, 8 kHz)."""
    import subprocess
    import tempfile
    import soundfile as sf
    with tempfile.TemporaryDirectory() as tmp:
        wav, enc, dec = (os.path.join(tmp, n) for n in ("in.wav", "enc", "out.wav"))
        if name.startswith("opus"):
            sf.write(wav, x, F.SR, subtype="PCM_16")
            subprocess.run(["opusenc", "--quiet", "--speech", "--hard-cbr", "--framesize", "20",
                            "--bitrate", name[4:], wav, enc], check=True)
            subprocess.run(["opusdec", "--quiet", "--rate", "16000", enc, dec], check=True)
            y, _ = sf.read(dec, dtype="float64")
            return y, os.path.getsize(enc)
        x8 = resample_poly(x, 1, 2)
        raw = os.path.join(tmp, "in.raw")
        np.clip(np.round(x8 * 32768), -32768, 32767).astype("<i2").tofile(raw)
        subprocess.run(["c2enc", "3200", raw, enc], check=True)
        subprocess.run(["c2dec", "3200", enc, dec], check=True)
        y8 = np.fromfile(dec, "<i2").astype(np.float64) / 32768.0
        return resample_poly(y8, 2, 1), os.path.getsize(enc)


def baselines(cache, limit, names=("opus6", "opus8", "codec2")):
    d = F.load_split(cache, "valid", "clean")
    utts = d["utts"][:limit] if limit else d["utts"]
    rows = []
    for name in names:
        scores, nbytes, secs = [], 0, 0.0
        for u in utts:
            p0, n = u["pkt_start"], u["n_pkt"]
            x = np.asarray(d["audio"][p0 * F.PKT:(p0 + n) * F.PKT], np.float64) / 32768.0
            y, size = run_codec(name, x)
            y = align(x, y)
            s, e = stoi_estoi(x, y)
            scores.append((s, e, lsd(x, y)))
            nbytes += size
            secs += len(x) / F.SR
        s = np.nanmean(np.array(scores), axis=0)
        label = f"{name} (file {8 * nbytes / secs / 1000:.1f} kbps incl. container)"
        rows.append((label, s[0], s[1], s[2]))
        print(f"{label:40s} STOI {s[0]:.3f}  ESTOI {s[1]:.3f}  LSD {s[2]:.2f} dB", flush=True)
    return rows, len(utts)


def load_decoder(path):
    ck = torch.load(path, map_location="cpu")
    cfg = ck.get("config", {"cond": 128, "hidden": 256})
    model = M.Decoder(**cfg)
    sd = {k: v.float() for k, v in ck["model"].items()}
    model.load_state_dict(sd)
    model.eval()
    return model, ck.get("state", {})


def evaluate(model, base, q, cache, limit, wav_dir):
    d = F.load_split(cache, "valid", "clean")
    utts = d["utts"][:limit] if limit else d["utts"]
    conds = [("unquantised", model, "raw"), ("64 bit/20 ms (3.2 kbps)", model, "n64"),
             ("80 bit/40 ms (2.0 kbps)", model, "l80"),
             ("DSP vocoder, no training, unquantised", base, "raw"),
             ("DSP vocoder, no training, 64 bit", base, "n64")]
    rows = []
    for name, net, mode in conds:
        scores = []
        for i, u in enumerate(utts):
            p0, n = u["pkt_start"], u["n_pkt"]
            bands = np.asarray(d["bands"][2 * p0:2 * (p0 + n)])
            lag = np.asarray(d["lag"][p0:p0 + n])
            voic = np.asarray(d["voicing"][p0:p0 + n])
            if mode != "raw":
                bands, lag, voic = q.roundtrip(bands, lag, voic, mode)
            torch.manual_seed(i)
            y = M.decode_utterance(net, bands, np.repeat(F.SR / lag, 2), np.repeat(voic, 2),
                                   1.0 if mode == "l80" else 0.0)
            x = np.asarray(d["audio"][p0 * F.PKT:(p0 + n) * F.PKT], np.float64) / 32768.0
            ref, out = x[:len(x) - M.DELAY], y[M.DELAY:].astype(np.float64)
            s, e = stoi_estoi(ref, out)
            scores.append((s, e, lsd(ref, out)))
            if wav_dir and i < 8:
                import soundfile as sf
                os.makedirs(wav_dir, exist_ok=True)
                sf.write(os.path.join(wav_dir, f"{i:02d}_{mode}_{'base' if net is base else 'net'}.wav"),
                         out.astype(np.float32), F.SR)
        s = np.nanmean(np.array(scores), axis=0)
        rows.append((name, s[0], s[1], s[2]))
        print(f"{name:40s} STOI {s[0]:.3f}  ESTOI {s[1]:.3f}  LSD {s[2]:.2f} dB", flush=True)
    return rows, len(utts)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint", nargs="?", help="decoder checkpoint (.pt, full or compact)")
    ap.add_argument("--baselines", action="store_true",
                    help="score installed Opus 6/8 kbps and Codec2 3200 on the same files instead")
    ap.add_argument("--cache", default=F.default_cache())
    ap.add_argument("--codebooks", default=None, help="default: the checkpoint's own, else <cache>/codebooks.npz")
    ap.add_argument("--limit", type=int, default=0, help="first N valid files only")
    ap.add_argument("--results", default=None, help="append a markdown entry to this file")
    ap.add_argument("--wav-dir", default=None, help="write a few decoded files here")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.baselines:
        rows, n = baselines(args.cache, args.limit)
        if args.results:
            with open(args.results, "a", encoding="utf-8") as f:
                f.write(f"\n## Reference codecs on the same {n} valid files "
                        "(aligned by energy-envelope cross-correlation)\n\n"
                        "| codec | STOI | ESTOI | LSD (dB) |\n|---|---|---|---|\n")
                for name, s, e, l in rows:
                    f.write(f"| {name} | {s:.3f} | {e:.3f} | {l:.2f} |\n")
        return
    model, state = load_decoder(args.checkpoint)
    base = M.Decoder(cond=model.conv1.out_channels,
                     hidden=model.fc.in_features)
    base.eval()
    books = torch.load(args.checkpoint, map_location="cpu").get("codebooks")
    if books is not None and not args.codebooks:        # compact checkpoint carries its own
        q = Quantiser({k: v.float().numpy() for k, v in books.items()})
    else:
        q = Quantiser.load(args.codebooks or os.path.join(args.cache, "codebooks.npz"))
    rows, n = evaluate(model, base, q, args.cache, args.limit, args.wav_dir)
    if args.results:
        today = datetime.date.today().isoformat()
        with open(args.results, "a", encoding="utf-8") as f:
            f.write(f"\n## {today}: {os.path.basename(args.checkpoint)}, step {state.get('step', '?')}, "
                    f"{state.get('minutes', 0.0):.0f} min trained, {n} valid files (13 unseen speakers)\n\n")
            f.write("| condition | STOI | ESTOI | LSD (dB) |\n|---|---|---|---|\n")
            for name, s, e, l in rows:
                f.write(f"| {name} | {s:.3f} | {e:.3f} | {l:.2f} |\n")


if __name__ == "__main__":
    main(sys.argv[1:])
