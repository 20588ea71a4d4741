#!/usr/bin/env python3
"""Trains the Sotto feature quantiser (k-means MSVQ + Lloyd-Max scalars), reports the bit
allocation and the quantisation error, and writes dequantised feature caches that the
decoder is trained on.

Modes (see README.md for the bit order inside a packet):
  n64: 64 bits per 20 ms packet (3.2 kbps):
       pitch 7 (log-lag uniform, 32..256 samples) | voicing 2 (Lloyd-Max) |
       gain 6 (Lloyd-Max, mean dB of the packet) | shape 49 = MSVQ 10+10+10+10+9 bits of the
       64-dim mean-removed envelope of the packet's two subframes (2 x 32 bands).
  l80: 80 bits per 40 ms packet (2.0 kbps):
       pitch 7 + pitch delta 3 | voicing 2 | gain 6 + gain delta 3 |
       shape 59 = MSVQ 10+10+10+10+10+9 of [env(first 20 ms), env(second 20 ms)], each the
       mean of its two subframes, each with its own gain removed.
The encoder searches the MSVQ with an M-best tree search (M = 4); codebooks are trained
stage by stage with k-means on the residual of the previous stages.

Inter-packet prediction (bitstream v2, `--predict`): the envelope shape is coded as the
residual from a prediction out of the previous packet's decoded shape,
    pred[d] = mean[d] + coef[d] * (prev[32 + d % 32] - mean[32 + d % 32]),
i.e. each band of both halves is predicted from the same band of the previous packet's
last 20/10 ms, per-dimension coefficients fitted by least squares and shrunk (so an
error decays by at least that factor per packet).  After a lost packet the decoder
predicts from its concealed envelope; the error then fades geometrically (documented
bounded dependency, covered by the concealment).  A stream starts from prev = mean.
"""
import argparse
import os
import sys

import numpy as np
from scipy import sparse

import features as F

MODES = {
    "n64": {"pkt_sub": 2, "stages": [10, 10, 10, 10, 9], "pitch_bits": 7, "dpitch_bits": 0,
            "voicing_bits": 2, "gain_bits": 6, "dgain_bits": 0},
    "l80": {"pkt_sub": 4, "stages": [10, 10, 10, 10, 10, 9], "pitch_bits": 7, "dpitch_bits": 3,
            "voicing_bits": 2, "gain_bits": 6, "dgain_bits": 3},
}
MBEST = 4
SHAPE_LIMIT = np.float32(80.0)   # decoded predictive shapes are held to +-80 dB (C: SHAPE_LIMIT)
BAND_LIMIT = np.float32(12.0)    # and decoded band levels to +12 dB (C: BAND_LIMIT)
LOG_LAG_MIN = np.log(F.LAG_MIN)
LOG_LAG_MAX = np.log(F.LAG_MAX)


def mode_bits(mode):
    m = MODES[mode]
    return (m["pitch_bits"] + m["dpitch_bits"] + m["voicing_bits"] + m["gain_bits"]
            + m["dgain_bits"] + sum(m["stages"]))


# ---------------------------------------------------------------- training helpers

def kmeans(x, k, iters, rng):
    x = np.ascontiguousarray(x, dtype=np.float32)
    cent = x[rng.choice(len(x), k, replace=False)].copy()
    for _ in range(iters):
        assign = nearest(x, cent)
        counts = np.bincount(assign, minlength=k)
        # per-cluster sums as a sparse one-hot product: np.add.at is ~100x slower
        onehot = sparse.csr_matrix((np.ones(len(x), np.float32), (assign, np.arange(len(x)))),
                                   shape=(k, len(x)))
        sums = np.asarray(onehot @ x, dtype=np.float32)
        empty = counts == 0
        cent[~empty] = sums[~empty] / counts[~empty, None]
        if empty.any():
            cent[empty] = x[rng.choice(len(x), int(empty.sum()), replace=False)]
    return cent


def nearest(x, cent, chunk=8192):
    cn = np.sum(cent ** 2, axis=1)
    out = np.empty(len(x), dtype=np.int64)
    for i in range(0, len(x), chunk):
        d = cn[None, :] - 2.0 * x[i:i + chunk] @ cent.T
        out[i:i + chunk] = np.argmin(d, axis=1)
    return out


def lloyd_max(v, levels, iters=50):
    v = np.sort(np.asarray(v, dtype=np.float64))
    q = np.quantile(v, (np.arange(levels) + 0.5) / levels)
    for _ in range(iters):
        edges = 0.5 * (q[1:] + q[:-1])
        idx = np.searchsorted(edges, v)
        for i in range(levels):
            sel = v[idx == i]
            if sel.size:
                q[i] = sel.mean()
        q = np.sort(q)
    return q.astype(np.float32)


def scalar_encode(v, levels):
    edges = 0.5 * (levels[1:] + levels[:-1])
    return np.searchsorted(edges, np.asarray(v, dtype=np.float32)).astype(np.int64)


def pitch_encode(lag, bits):
    n = (1 << bits) - 1
    t = (np.log(np.clip(lag, F.LAG_MIN, F.LAG_MAX)) - LOG_LAG_MIN) / (LOG_LAG_MAX - LOG_LAG_MIN)
    return np.round(t * n).astype(np.int64)


def pitch_decode(idx, bits):
    n = (1 << bits) - 1
    return np.exp(LOG_LAG_MIN + idx / n * (LOG_LAG_MAX - LOG_LAG_MIN)).astype(np.float32)


# ---------------------------------------------------------------- packet views

def packets(bands, lag, voicing, mode):
    """Splits per-subframe features into the mode's packets.  Returns
    (env [n, 64] dB, gains [n, slots], lag [n, slots], voicing [n], n_pkt20)."""
    n20 = len(lag)
    if mode == "n64":
        env = bands.reshape(n20, 2 * F.NBANDS)
        gains = env.mean(axis=1, keepdims=True)
        shape = env - gains
        return shape, gains, lag[:, None], voicing, n20
    n40 = (n20 + 1) // 2
    pad20 = 2 * n40 - n20
    b = np.concatenate([bands, np.repeat(bands[-2:], pad20, axis=0)]) if pad20 else bands
    lg = np.concatenate([lag, lag[-1:]]) if pad20 else lag
    vc = np.concatenate([voicing, voicing[-1:]]) if pad20 else voicing
    halves = b.reshape(n40, 2, 2, F.NBANDS).mean(axis=2)       # [n40, half, bands]
    gains = halves.mean(axis=2)                                # [n40, 2]
    shape = (halves - gains[:, :, None]).reshape(n40, 2 * F.NBANDS)
    return shape, gains, lg.reshape(n40, 2), vc.reshape(n40, 2).mean(axis=1), n20


class Quantiser:
    def __init__(self, tables, mbest=MBEST):
        self.t = tables
        self.mbest = mbest                 # encoder search width; 1 = greedy

    @classmethod
    def load(cls, path):
        with np.load(path) as z:
            return cls({k: z[k] for k in z.files})

    def save(self, path):
        np.savez(path, **self.t)

    # -- MSVQ with M-best search
    def vq_encode(self, mode, x):
        books = [self.t[f"{mode}_stage{i}"] for i in range(len(MODES[mode]["stages"]))]
        out = np.zeros((len(x), len(books)), dtype=np.int64)
        for s in range(0, len(x), 2048):
            out[s:s + 2048] = self._mbest(books, x[s:s + 2048].astype(np.float32), self.mbest)
        return out

    @staticmethod
    def _mbest(books, x, mbest):
        n, dim = x.shape
        res = x[:, None, :]                              # [n, paths, dim]
        paths = np.zeros((n, 1, 0), dtype=np.int64)
        for cb in books:
            p = res.shape[1]
            cn = np.sum(cb ** 2, axis=1)
            d = (np.sum(res ** 2, axis=2)[:, :, None]
                 + (cn[None, :] - 2.0 * (res.reshape(n * p, dim) @ cb.T)).reshape(n, p, -1))
            flat = d.reshape(n, -1)
            m = min(mbest, flat.shape[1])
            best = np.argpartition(flat, m - 1, axis=1)[:, :m]
            order = np.take_along_axis(flat, best, axis=1).argsort(axis=1)
            best = np.take_along_axis(best, order, axis=1)
            src, code = best // cb.shape[0], best % cb.shape[0]
            res = np.take_along_axis(res, src[:, :, None], axis=1) - cb[code]
            paths = np.concatenate([np.take_along_axis(paths, src[:, :, None], axis=1),
                                    code[:, :, None]], axis=2)
        return paths[:, 0, :]

    def vq_decode(self, mode, idx):
        out = 0.0
        for i in range(idx.shape[1]):
            out = out + self.t[f"{mode}_stage{i}"][idx[:, i]]
        return out

    def predictive(self, mode):
        return f"{mode}_pred_coef" in self.t

    def predict(self, mode, prev):
        """prev [n, 64] decoded shapes of the previous packets -> predictions [n, 64].
        float32 throughout, in the C code's order of operations."""
        mean = self.t[f"{mode}_pred_mean"].astype(np.float32)
        coef = self.t[f"{mode}_pred_coef"].astype(np.float32)
        half = F.NBANDS
        base = np.tile(prev[:, half:] - mean[None, half:], 2).astype(np.float32)
        return (mean[None, :] + coef[None, :] * base).astype(np.float32)

    @staticmethod
    def _sequences(n, starts):
        starts = np.asarray([0] if starts is None else starts, dtype=np.int64)
        ends = np.append(starts[1:], n)
        return starts, ends - starts

    def pred_encode(self, mode, shape, starts=None):
        """Closed-loop predictive MSVQ over sequences beginning at `starts` (packet indices;
        default one sequence).  Returns (codes [n, stages], decoded shapes [n, 64])."""
        books = [self.t[f"{mode}_stage{i}"] for i in range(len(MODES[mode]["stages"]))]
        n = len(shape)
        st, ln = self._sequences(n, starts)
        codes = np.zeros((n, len(books)), dtype=np.int64)
        rec = np.zeros((n, shape.shape[1]), dtype=np.float32)
        mean = self.t[f"{mode}_pred_mean"].astype(np.float32)
        for t in range(int(ln.max()) if n else 0):
            sel = st[ln > t] + t
            prev = rec[sel - 1] if t else np.broadcast_to(mean, (len(sel), shape.shape[1]))
            pred = self.predict(mode, prev)
            target = (shape[sel].astype(np.float32) - pred).astype(np.float32)
            c = self._mbest(books, target, self.mbest)
            codes[sel] = c
            rec[sel] = np.clip((self.vq_decode(mode, c) + pred).astype(np.float32),
                               -SHAPE_LIMIT, SHAPE_LIMIT)
        return codes, rec

    def pred_decode(self, mode, codes, starts=None):
        n = len(codes)
        st, ln = self._sequences(n, starts)
        vq = self.vq_decode(mode, codes).astype(np.float32)
        rec = np.zeros_like(vq)
        mean = self.t[f"{mode}_pred_mean"].astype(np.float32)
        for t in range(int(ln.max()) if n else 0):
            sel = st[ln > t] + t
            prev = rec[sel - 1] if t else np.broadcast_to(mean, (len(sel), vq.shape[1]))
            rec[sel] = np.clip((vq[sel] + self.predict(mode, prev)).astype(np.float32),
                               -SHAPE_LIMIT, SHAPE_LIMIT)
        return rec

    # -- whole-feature encode/decode
    def encode(self, bands, lag, voicing, mode, starts=None):
        m = MODES[mode]
        shape, gains, lags, voic, _ = packets(bands, lag, voicing, mode)
        codes = (self.pred_encode(mode, shape, starts)[0] if self.predictive(mode)
                 else self.vq_encode(mode, shape))
        ind = {"shape": codes,
               "voicing": scalar_encode(voic, self.t[f"{mode}_voicing"]),
               "gain": scalar_encode(gains[:, 0], self.t[f"{mode}_gain"]),
               "pitch": pitch_encode(lags[:, 0], m["pitch_bits"])}
        if m["dgain_bits"]:
            g0 = self.t[f"{mode}_gain"][ind["gain"]]
            ind["dgain"] = scalar_encode(gains[:, 1] - g0, self.t[f"{mode}_dgain"])
        if m["dpitch_bits"]:
            l0 = np.log(pitch_decode(ind["pitch"], m["pitch_bits"]))
            dl = np.log(np.clip(lags[:, 1], F.LAG_MIN, F.LAG_MAX)) - l0
            ind["dpitch"] = scalar_encode(dl, self.t[f"{mode}_dpitch"])
        return ind

    def decode(self, ind, mode, n20, starts=None):
        """Returns per-subframe bands [2*n20, 32], per-20ms lag [n20], voicing [n20]."""
        m = MODES[mode]
        shape = (self.pred_decode(mode, ind["shape"], starts) if self.predictive(mode)
                 else self.vq_decode(mode, ind["shape"]))
        g0 = self.t[f"{mode}_gain"][ind["gain"]]
        lag0 = pitch_decode(ind["pitch"], m["pitch_bits"])
        voic = self.t[f"{mode}_voicing"][ind["voicing"]]
        cap = (lambda e: np.minimum(e, BAND_LIMIT)) if self.predictive(mode) else (lambda e: e)
        if mode == "n64":
            env = cap((shape + g0[:, None]).astype(np.float32)).reshape(-1, F.NBANDS)
            return env.astype(np.float32), lag0, voic.astype(np.float32)
        g1 = g0 + self.t[f"{mode}_dgain"][ind["dgain"]]
        lag1 = np.exp(np.log(lag0) + self.t[f"{mode}_dpitch"][ind["dpitch"]])
        halves = cap((shape.reshape(-1, 2, F.NBANDS)
                      + np.stack([g0, g1], axis=1)[:, :, None]).astype(np.float32))
        env = np.repeat(halves, 2, axis=1).reshape(-1, F.NBANDS)[:2 * n20]
        lags = np.clip(np.stack([lag0, lag1], axis=1).reshape(-1), F.LAG_MIN, F.LAG_MAX)[:n20]
        return env.astype(np.float32), lags.astype(np.float32), np.repeat(voic, 2)[:n20]

    def roundtrip(self, bands, lag, voicing, mode, starts=None):
        """starts: first packet (of this mode) of each independent sequence."""
        return self.decode(self.encode(bands, lag, voicing, mode, starts), mode, len(lag),
                           starts)


def pack_bits(ind, mode):
    """Packs one mode's indices into bytes, MSB first, fields in the order
    pitch, dpitch, voicing, gain, dgain, shape stages.  Returns [n, bytes] uint8."""
    m = MODES[mode]
    fields = [("pitch", m["pitch_bits"]), ("dpitch", m["dpitch_bits"]),
              ("voicing", m["voicing_bits"]), ("gain", m["gain_bits"]),
              ("dgain", m["dgain_bits"])]
    n = len(ind["pitch"])
    nbits = mode_bits(mode)
    out = np.zeros((n, nbits // 8), dtype=np.uint8)
    for p in range(n):
        acc, width = 0, 0
        vals = [(int(ind[k][p]), b) for k, b in fields if b]
        vals += [(int(ind["shape"][p, i]), b) for i, b in enumerate(m["stages"])]
        for v, b in vals:
            assert 0 <= v < (1 << b)
            acc = (acc << b) | v
            width += b
        assert width == nbits
        out[p] = np.frombuffer(acc.to_bytes(nbits // 8, "big"), dtype=np.uint8)
    return out


# ---------------------------------------------------------------- train / report

def load_feats(cache, split, variants, with_utts=False):
    b, l, v, utts, off = [], [], [], [], 0
    for var in variants:
        d = F.load_split(cache, split, var)
        b.append(np.asarray(d["bands"]))
        l.append(np.asarray(d["lag"]))
        v.append(np.asarray(d["voicing"]))
        utts += [dict(u, pkt_start=u["pkt_start"] + off) for u in d["utts"]]
        off += len(l[-1])
    out = (np.concatenate(b), np.concatenate(l), np.concatenate(v))
    return out + (utts,) if with_utts else out


def seq_starts(utts, mode):
    """Packet index (of this mode) where each utterance begins, for arrays made by
    concatenating utterances (the 40 ms mode: each utterance padded to an even count)."""
    starts, pos = [], 0
    for u in utts:
        starts.append(pos)
        pos += u["n_pkt"] if mode == "n64" else (u["n_pkt"] + 1) // 2
    return np.asarray(starts, dtype=np.int64)


def pad_even(bands, lag, voicing, utts):
    """Concatenated arrays with each utterance padded to an even number of 20 ms packets
    (repeating its last one), so 40 ms packets never straddle two utterances."""
    idx = []
    for u in utts:
        p0, n = u["pkt_start"], u["n_pkt"]
        idx.append(np.arange(p0, p0 + n))
        if n % 2:
            idx.append(np.array([p0 + n - 1]))
    idx = np.concatenate(idx)
    sub = np.stack([2 * idx, 2 * idx + 1], axis=1).reshape(-1)
    return bands[sub], lag[idx], voicing[idx], idx


def roundtrip_utts(q, bands, lag, voicing, utts, mode):
    """Quantiser round trip of concatenated utterances, each an independent sequence
    (40 ms mode: padded to whole packets, the padding dropped again)."""
    if mode == "n64":
        return q.roundtrip(bands, lag, voicing, mode, seq_starts(utts, mode))
    b2, l2, v2, idx = pad_even(bands, lag, voicing, utts)
    b, l, v = q.roundtrip(b2, l2, v2, mode, seq_starts(utts, mode))
    keep = np.ones(len(idx), bool)
    keep[np.nonzero(np.diff(idx) == 0)[0] + 1] = False     # the padding copies
    return b.reshape(-1, 2, F.NBANDS)[keep].reshape(-1, F.NBANDS), l[keep], v[keep]


def train_stages(res, stages, iters, rng, label):
    books = []
    for i, b in enumerate(stages):
        cb = kmeans(res, 1 << b, iters, rng)
        books.append(cb)
        res = res - cb[nearest(res, cb)]
        print(f"{label} stage {i} ({b} bits): residual rms {np.sqrt(np.mean(res ** 2)):.2f} dB",
              flush=True)
    return books


def train_predictor(t, mode, shape, starts, shrink, stages, iters, max_points, rng):
    """Fits the inter-packet predictor and trains the residual codebooks: open-loop
    residuals first, then once more on the closed-loop targets the encoder really sees."""
    half = F.NBANDS
    first = np.zeros(len(shape), bool)
    first[starts] = True
    cur = shape[1:][~first[1:]].astype(np.float64)
    prev = shape[:-1][~first[1:]].astype(np.float64)
    mean = shape.astype(np.float64).mean(axis=0)
    base = np.tile(prev[:, half:] - mean[half:], 2)
    coef = ((cur - mean) * base).sum(axis=0) / np.maximum((base ** 2).sum(axis=0), 1e-9)
    coef = np.clip(coef * shrink, 0.0, 0.95)
    t[f"{mode}_pred_mean"] = mean.astype(np.float32)
    t[f"{mode}_pred_coef"] = coef.astype(np.float32)
    resid = (cur - mean - coef * base).astype(np.float32)
    print(f"{mode} predictor: coef mean {coef.mean():.2f}, residual/shape variance "
          f"{np.mean(resid ** 2) / np.mean((cur - mean) ** 2):.3f}", flush=True)
    sel = rng.choice(len(resid), min(max_points, len(resid)), replace=False)
    books = train_stages(resid[sel], stages, iters, rng, f"{mode} open-loop")
    for i, cb in enumerate(books):
        t[f"{mode}_stage{i}"] = cb
    # closed loop over a subset of whole sequences, greedy search
    q = Quantiser(t, mbest=1)
    order = rng.permutation(len(starts))
    ends = np.append(starts[1:], len(shape))
    chosen, total = [], 0
    for k in order:
        chosen.append(k)
        total += ends[k] - starts[k]
        if total >= max_points:
            break
    chosen = np.sort(np.asarray(chosen))
    parts = [shape[starts[k]:ends[k]] for k in chosen]
    sub_starts = np.cumsum([0] + [len(p) for p in parts[:-1]])
    sub = np.concatenate(parts).astype(np.float32)
    _, rec = q.pred_encode(mode, sub, sub_starts)
    prev_rec = np.concatenate([np.broadcast_to(mean.astype(np.float32), (1, sub.shape[1])),
                               rec[:-1]])
    prev_rec[sub_starts] = mean.astype(np.float32)
    target = (sub - q.predict(mode, prev_rec)).astype(np.float32)
    books = train_stages(target, stages, iters, rng, f"{mode} closed-loop")
    for i, cb in enumerate(books):
        t[f"{mode}_stage{i}"] = cb


def train_tables(bands, lag, voicing, iters, max_points, seed, utts=None, shrink=0.0):
    rng = np.random.default_rng(seed)
    t = {}
    for mode, m in MODES.items():
        if shrink > 0 and mode == "l80":        # sequences must not share 40 ms packets
            shape, gains, lags, voic, _ = packets(*pad_even(bands, lag, voicing, utts)[:3], mode)
        else:
            shape, gains, lags, voic, _ = packets(bands, lag, voicing, mode)
        t[f"{mode}_gain"] = lloyd_max(gains[:, 0], 1 << m["gain_bits"])
        t[f"{mode}_voicing"] = lloyd_max(voic, 1 << m["voicing_bits"])
        if m["dgain_bits"]:
            g0 = t[f"{mode}_gain"][scalar_encode(gains[:, 0], t[f"{mode}_gain"])]
            t[f"{mode}_dgain"] = lloyd_max(gains[:, 1] - g0, 1 << m["dgain_bits"])
        if m["dpitch_bits"]:
            l0 = np.log(pitch_decode(pitch_encode(lags[:, 0], m["pitch_bits"]), m["pitch_bits"]))
            dl = np.log(np.clip(lags[:, 1], F.LAG_MIN, F.LAG_MAX)) - l0
            voiced = voic > 0.5
            t[f"{mode}_dpitch"] = lloyd_max(dl[voiced], 1 << m["dpitch_bits"])
        if shrink > 0:
            train_predictor(t, mode, shape, seq_starts(utts, mode), shrink, m["stages"], iters,
                            max_points, rng)
            continue
        sel = rng.choice(len(shape), min(max_points, len(shape)), replace=False)
        for i, cb in enumerate(train_stages(shape[sel].astype(np.float32), m["stages"], iters,
                                            rng, mode)):
            t[f"{mode}_stage{i}"] = cb
    return t


def report(q, bands, lag, voicing, utts=None):
    lines = []
    for mode, m in MODES.items():
        if utts is not None:
            qb, ql, qv = roundtrip_utts(q, bands, lag, voicing, utts, mode)
        else:
            qb, ql, qv = q.roundtrip(bands, lag, voicing, mode)
        err = qb - bands
        active = bands.mean(axis=1) > np.percentile(bands.mean(axis=1), 30)
        sd = np.sqrt(np.mean(err ** 2, axis=1))
        voiced = voicing > 0.5
        cents = 1200 * np.abs(np.log2(ql[voiced] / lag[voiced]))
        bits = mode_bits(mode)
        dur = 20 * m["pkt_sub"] // 2
        lines.append(f"mode {mode}: {bits} bits / {dur} ms = {bits * 1000 // dur} bit/s; "
                     f"pitch {m['pitch_bits']}+{m['dpitch_bits']}, voicing {m['voicing_bits']}, "
                     f"gain {m['gain_bits']}+{m['dgain_bits']}, shape {'+'.join(map(str, m['stages']))}")
        lines.append(f"  envelope error (rms dB per subframe): all {sd.mean():.2f}, "
                     f"active (top 70% energy) {sd[active].mean():.2f}; "
                     f"pitch error (voiced) median {np.median(cents):.1f} cents, "
                     f"p95 {np.percentile(cents, 95):.1f}; voicing rms {np.sqrt(np.mean((qv - voicing) ** 2)):.3f}")
    return "\n".join(lines)


def write_dequantised(q, cache, split, variant):
    """Dequantised copies of a cached split for every mode, aligned with the raw arrays.
    All packets are coded in one vectorised pass; for the 40 ms mode each utterance is
    padded to an even number of 20 ms packets first so packet pairs never straddle two
    utterances."""
    d = os.path.join(cache, split, variant)
    src = F.load_split(cache, split, variant)
    bands, lag, voic = (np.asarray(src[k]) for k in ("bands", "lag", "voicing"))
    utts = src["utts"]
    for mode in MODES:
        out = roundtrip_utts(q, bands, lag, voic, utts, mode)
        for k, arr in zip(("bands", "lag", "voicing"), out):
            np.save(os.path.join(d, f"{mode}_{k}.npy"), arr.astype(np.float32))
        print(f"dequantised {split}/{variant}/{mode}", flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=F.default_cache())
    ap.add_argument("--codebooks", default=None, help="output .npz (default <cache>/codebooks.npz)")
    ap.add_argument("--iters", type=int, default=12, help="k-means iterations per stage")
    ap.add_argument("--max-points", type=int, default=150000)
    ap.add_argument("--variants", default="clean,aug1,aug2")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-train", action="store_true", help="reuse existing codebooks")
    ap.add_argument("--train-mbest", type=int, default=1, help="search width for train caches")
    ap.add_argument("--skip-report", action="store_true")
    ap.add_argument("--predict", type=float, default=0.0, metavar="SHRINK",
                    help="inter-packet prediction (bitstream v2): least-squares coefficients "
                         "times SHRINK (0 = none, v1)")
    args = ap.parse_args(argv)
    path = args.codebooks or os.path.join(args.cache, "codebooks.npz")
    variants = [v for v in args.variants.split(",")
                if os.path.isdir(os.path.join(args.cache, "train", v))]
    if args.skip_train:
        q = Quantiser.load(path)
    else:
        b, l, v, utts = load_feats(args.cache, "train", variants, with_utts=True)
        q = Quantiser(train_tables(b, l, v, args.iters, args.max_points, args.seed, utts,
                                   args.predict))
        q.save(path)
    if not args.skip_report:
        print("valid (unseen speakers, clean):")
        print(report(q, *load_feats(args.cache, "valid", ["clean"], with_utts=True)), flush=True)
    for split, vs in (("valid", ["clean"]), ("train", variants)):
        # the training copies use the greedy search (4x faster to make); the decoder then
        # trains on slightly coarser features than the M-best encoder sends
        q.mbest = MBEST if split == "valid" else args.train_mbest
        for v in vs:
            write_dequantised(q, args.cache, split, v)
    print("wrote dequantised caches", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
