#!/usr/bin/python3
"""The decoder-side chain under packet loss, as codec/sotto_decoder.c runs it, for training
and scoring the decoder on what it really receives after a loss.

For each 20 ms packet of the 64-bit mode (bitstream v2, predictive shape):
  received: shape = clip(codewords + predict(prev)), prev = shape, bands = min(shape + gain,
            BAND_LIMIT); the PLC GRU is updated with the packet's features;
  lost:     the PLC conceals (its prediction fed back on itself for SOTTO_PLC_PREDICT_SUB
            subframes, then the last prediction frozen and faded to comfort noise, voicing
            faded per subframe), and the predictor state becomes the concealed packet's
            mean-removed envelope (codec/sotto_quant.c sotto__pred_conceal), so the
            concealment error carries into the following packets' shapes.
Everything is vectorised over a batch of utterances (one PLC step per packet for all).

Loss patterns: `c_pattern` ports `sotto-codec decode --loss P --burst N --seed S`
(events of exactly N packets, xorshift64), so the report's "C model" rows can be
reproduced in Python; `quality_lib.loss` gives the random and Gilbert patterns.

  # lossy training caches next to the dequantised ones (<variant>/n64<name>_*.npy):
  /usr/bin/python3 scripts/train/lossy.py caches --cache CACHE --checkpoint CKPT.pt
"""
import argparse
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))           # scripts/, for quality_lib

import features as F                                 # noqa: E402
import model as M                                    # noqa: E402
from quantise import BAND_LIMIT, MODES, SHAPE_LIMIT, Quantiser, pitch_decode   # noqa: E402
from quality_lib import loss as L                    # noqa: E402

PLC_PREDICT_SUB = 6          # codec/sotto_plc.h
PLC_FADE_DB = 3.0
PLC_FLOOR_DB = 40.0
SILENT_DB, SILENT_LAG = -100.0, 100.0
NB = F.NBANDS
MASK64 = (1 << 64) - 1

# training patterns: name -> (model, rate, mean burst); drawn per utterance and variant
PATTERNS = {"r10": ("random", 0.10, 1.0), "b20": ("burst", 0.20, 3.0)}


def c_pattern(n, loss, burst, seed):
    """sotto-codec's loss model (tools/sotto_codec_cli.c loss_next): True = lost."""
    start_p = 1.0 if loss >= 1.0 else loss / (burst * (1.0 - loss) + loss)
    state = (seed * 0x9E3779B97F4A7C15 + 1) & MASK64 or 1
    left, out = 0, np.zeros(n, bool)
    for i in range(n):
        if left > 0:
            left -= 1
            out[i] = True
            continue
        state ^= (state << 13) & MASK64
        state ^= state >> 7
        state ^= (state << 17) & MASK64
        if (state >> 11) / 9007199254740992.0 < start_p:
            left = burst - 1
            out[i] = True
    return out


def decode_lossy(q, plc, codes, lost):
    """codes: list of per-utterance index dicts of the n64 mode (Quantiser.encode),
    lost: list of bool arrays (same lengths).  Returns a list of (bands [2n, 32],
    lag [n], voicing [2n]) as the C decoder's features, float32."""
    mode = "n64"
    B = len(codes)
    lens = np.array([len(c["pitch"]) for c in codes])
    T = int(lens.max())
    dim = 2 * NB
    vq = np.zeros((B, T, dim), np.float32)
    g0 = np.zeros((B, T), np.float32)
    lag0 = np.full((B, T), SILENT_LAG, np.float32)
    voic0 = np.zeros((B, T), np.float32)
    lst = np.zeros((B, T), bool)
    for b, c in enumerate(codes):
        n = lens[b]
        vq[b, :n] = q.vq_decode(mode, c["shape"]).astype(np.float32)
        g0[b, :n] = q.t[f"{mode}_gain"][c["gain"]]
        lag0[b, :n] = pitch_decode(c["pitch"], MODES[mode]["pitch_bits"])
        voic0[b, :n] = q.t[f"{mode}_voicing"][c["voicing"]]
        lst[b, :n] = lost[b][:n]
    out_b = np.zeros((B, T, 2, NB), np.float32)
    out_l = np.zeros((B, T), np.float32)
    out_v = np.zeros((B, T, 2), np.float32)
    prev = np.broadcast_to(q.t[f"{mode}_pred_mean"].astype(np.float32), (B, dim)).copy()
    h = None
    nxt = np.zeros((B, M.PLC_DIM), np.float32)
    have_next = np.zeros(B, bool)
    lost_sub = np.zeros(B, np.int64)
    last_b = np.zeros((B, 2, NB), np.float32)
    last_l = np.zeros(B, np.float32)
    last_v = np.zeros((B, 2), np.float32)
    for t in range(T):
        rx = ~lst[:, t]
        # received packets
        shape = np.clip(vq[:, t] + q.predict(mode, prev), -SHAPE_LIMIT, SHAPE_LIMIT)
        rb = np.minimum(shape + g0[:, t, None], BAND_LIMIT).reshape(B, 2, NB)
        # concealment
        cb = np.full((B, 2, NB), SILENT_DB, np.float32)
        cl = np.full(B, SILENT_LAG, np.float32)
        cv = np.zeros((B, 2), np.float32)
        pred_rows = have_next & (lost_sub < PLC_PREDICT_SUB) & ~rx
        fade_rows = have_next & (lost_sub >= PLC_PREDICT_SUB) & ~rx
        if pred_rows.any():
            x = nxt[pred_rows]
            lg = np.clip(F.SR / np.exp2(x[:, dim] + 7.5), F.LAG_MIN, F.LAG_MAX)
            v = np.clip(x[:, dim + 1] + 0.5, 0.0, 1.0)
            cb[pred_rows] = (x[:, :dim] * 20.0 - 50.0).reshape(-1, 2, NB)
            cl[pred_rows] = lg
            cv[pred_rows] = v[:, None]
        if fade_rows.any():
            fb = last_b[fade_rows].copy()
            fv = last_v[fade_rows].copy()
            for i in range(2):
                n = lost_sub[fade_rows] + i - PLC_PREDICT_SUB + 1
                att = np.minimum(PLC_FADE_DB * n, PLC_FLOOR_DB).astype(np.float32)
                flat = att / PLC_FLOOR_DB
                mean = 10.0 * np.log10(np.mean(10.0 ** (fb[:, i] / 10.0), axis=1) + 1e-10)
                fb[:, i] = mean[:, None] + (fb[:, i] - mean[:, None]) * (1.0 - flat[:, None]) - att[:, None]
                fv[:, i] = fv[:, i] * np.maximum(0.0, 1.0 - flat * 4.0)
            cb[fade_rows] = fb
            cl[fade_rows] = last_l[fade_rows]
            cv[fade_rows] = fv
        band = np.where(rx[:, None, None], rb, cb)
        lagv = np.where(rx, lag0[:, t], cl)
        vv = np.where(rx[:, None], voic0[:, t, None], cv)
        out_b[:, t], out_l[:, t], out_v[:, t] = band, lagv, vv
        # predictor state: decoded shape, or the concealed packet's mean-removed envelope
        env = band.reshape(B, dim)
        cshape = np.clip(env - env.mean(axis=1, keepdims=True), -SHAPE_LIMIT, SHAPE_LIMIT)
        prev = np.where(rx[:, None], shape, cshape).astype(np.float32)
        # PLC: update on received packets (from their features), step on its own prediction
        # while predicting; frozen rows keep their state
        x_in = np.concatenate([(band.reshape(B, dim) + 50.0) / 20.0,
                               (np.log2(F.SR / lagv) - 7.5)[:, None],
                               (vv[:, 0] - 0.5)[:, None]], axis=1).astype(np.float32)
        x_in = np.where(pred_rows[:, None], nxt, x_in)
        step = rx | pred_rows
        with torch.no_grad():
            y, h_new = plc(torch.from_numpy(x_in)[:, None], h)
        y = y[:, 0].numpy()
        if h is None:
            h = torch.zeros_like(h_new)
        sel = torch.from_numpy(step)[None, :, None]
        h = torch.where(sel, h_new, h)
        nxt = np.where(step[:, None], y, nxt)
        have_next |= rx
        last_b = np.where(step[:, None, None], band, last_b)
        last_l = np.where(step, lagv, last_l)
        last_v = np.where(step[:, None], vv, last_v)
        lost_sub = np.where(rx, 0, np.where(have_next & (lost_sub < PLC_PREDICT_SUB + 1000),
                                            lost_sub + 2, lost_sub))
    return [(out_b[b, :lens[b]].reshape(-1, NB), out_l[b, :lens[b]],
             out_v[b, :lens[b]].reshape(-1)) for b in range(B)]


def load_plc(path):
    ck = torch.load(path, map_location="cpu")
    sd = ck["plc"] if isinstance(ck.get("plc"), dict) else ck["model"]
    plc = M.PLC()
    plc.load_state_dict({k: v.float() for k, v in sd.items()})
    plc.eval()
    return plc


def load_quantiser(path):
    ck = torch.load(path, map_location="cpu")
    return Quantiser({k: v.float().numpy() for k, v in ck["codebooks"].items()})


def write_caches(args):
    q = load_quantiser(args.checkpoint)
    q.mbest = args.mbest
    plc = load_plc(args.plc or args.checkpoint)
    torch.set_num_threads(args.threads)
    for vi, var in enumerate(args.variants.split(",")):
        d = F.load_split(args.cache, args.split, var)
        path = os.path.join(args.cache, args.split, var)
        utts = d["utts"]
        for pi, (name, (model, rate, burst)) in enumerate(PATTERNS.items()):
            nb = np.zeros_like(np.asarray(d["bands"]))
            nl = np.zeros(len(d["lag"]), np.float32)
            nv = np.zeros(2 * len(d["lag"]), np.float32)
            nm = np.zeros(len(d["lag"]), bool)
            nlost = 0
            if pi == 0:      # one vectorised closed-loop encode of the whole variant
                starts = np.array([u["pkt_start"] for u in utts])
                allc = q.encode(np.asarray(d["bands"]), np.asarray(d["lag"]),
                                np.asarray(d["voicing"]), "n64", starts)
            for s in range(0, len(utts), args.batch):
                chunk = utts[s:s + args.batch]
                codes, lost = [], []
                for k, u in enumerate(chunk):
                    p0, n = u["pkt_start"], u["n_pkt"]
                    codes.append({f: allc[f][p0:p0 + n] for f in allc})
                    rng = np.random.default_rng([args.seed, pi, vi, s + k])
                    lost.append(L.loss_pattern(model, n, rate, rng, burst))
                    nlost += int(lost[-1].sum())
                    nm[p0:p0 + n] = lost[-1]
                for u, (b, lg, v) in zip(chunk, decode_lossy(q, plc, codes, lost)):
                    p0, n = u["pkt_start"], u["n_pkt"]
                    nb[2 * p0:2 * (p0 + n)] = b
                    nl[p0:p0 + n] = lg
                    nv[2 * p0:2 * (p0 + n)] = v
            for k, arr in (("bands", nb), ("lag", nl), ("voicing", nv)):
                np.save(os.path.join(path, f"n64{name}_{k}.npy"), arr.astype(np.float32))
            np.save(os.path.join(path, f"n64{name}_lost.npy"), nm)
            print(f"{args.split}/{var}/n64{name}: {nlost / len(nl):.3f} of packets lost", flush=True)


def score(args):
    """Clean and lossy ESTOI of a decoder on the report set through this chain, with the
    C tool's loss model and the report's seeds (file i: seed 1 + i), optionally next to
    the C codec itself on the same files."""
    import subprocess  # noqa: F401
    import eval as E
    import report as R
    torch.set_num_threads(args.threads)
    dec, _ = E.load_decoder(args.checkpoint)
    q = load_quantiser(args.codebooks or args.checkpoint)
    plc = load_plc(args.plc or args.checkpoint)
    items = R.load_reportset(args.reportset)
    if args.every > 1:
        items = items[::args.every]
    conds = {"clean": None, "loss10 (C model)": (0.1, 1), "burst20 (C model)": (0.2, 3)}
    res = {c: [] for c in conds}
    resc = {c: [] for c in conds}
    for i, it in enumerate(items):
        x = it["audio"]
        idx = i * args.every
        feats = F.extract(x.astype(np.float64))
        n = feats["n_pkt"]
        codes = q.encode(feats["bands"], feats["lag"], feats["voicing"], "n64")
        for c, lm in conds.items():
            lost = np.zeros(n, bool) if lm is None else c_pattern(n, lm[0], lm[1], 1 + idx)
            b, lg, v = decode_lossy(q, plc, [codes], [lost])[0]
            torch.manual_seed(idx)
            y = M.decode_utterance(dec, b, np.repeat(F.SR / lg, 2).astype(np.float32), v, 0.0)
            y = y[M.DELAY:].astype(np.float64)
            ref = x[:n * F.PKT - M.DELAY]
            res[c].append(E.stoi_estoi(ref, y[:len(ref)])[1])
            if args.c_codec:
                yc = R.sotto_c(args.c_codec, x, 3200, R.C_LOSS.get(c, ()), 1 + idx)
                m = min(len(yc), len(x))
                resc[c].append(E.stoi_estoi(x[:m], yc[:m])[1])
    clean = np.mean(res["clean"])
    line = [f"{args.checkpoint}: {len(items)} files, ESTOI clean {clean:.4f}"]
    for c in conds:
        if c != "clean":
            line.append(f"{c} {np.mean(res[c]):.4f} (cost {clean - np.mean(res[c]):.4f})")
    if args.c_codec:
        cc = np.mean(resc["clean"])
        line.append(f"| C codec: clean {cc:.4f}, " + ", ".join(
            f"{c} cost {cc - np.mean(resc[c]):.4f}" for c in conds if c != "clean"))
    print("; ".join(line), flush=True)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["caches", "score"])
    ap.add_argument("--cache", default=F.default_cache())
    ap.add_argument("--checkpoint", required=True,
                    help="compact checkpoint (codebooks, PLC); for score: the decoder")
    ap.add_argument("--codebooks", default=None, help="score: compact checkpoint with codebooks")
    ap.add_argument("--reportset", default=None, help="score: report set folder")
    ap.add_argument("--every", type=int, default=1, help="score: every Nth file")
    ap.add_argument("--c-codec", default=None, help="score: also the sotto-codec tool")
    ap.add_argument("--plc", default=None, help="PLC weights from here instead")
    ap.add_argument("--variants", default="clean,aug1,aug2,aug3")
    ap.add_argument("--split", default="train", help="caches: train or valid")
    ap.add_argument("--mbest", type=int, default=1, help="encoder search width (train caches: 1)")
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    if args.what == "caches":
        write_caches(args)
    else:
        score(args)


if __name__ == "__main__":
    main(sys.argv[1:])
