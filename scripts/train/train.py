#!/usr/bin/env python3
"""Trains the Sotto decoder (`decoder`) or the packet-loss feature predictor (`plc`).

Both are resumable: every --ckpt-minutes the full state (weights, optimiser, step, seed,
trained minutes) is written atomically to <ckpt-dir>/<what>-last.pt; --resume continues
from it.  Batches are drawn from a generator seeded with (seed, step), so a resumed run
sees the same data it would have seen without the interruption.

Decoder batches mix feature conditions so it learns to cope with quantisation:
  60% 64-bit/20 ms dequantised, 20% 80-bit/40 ms (low mode) dequantised, 20% unquantised;
and input variants: 50% clean, 50% augmented (the target is always the decoder's own
input audio, delayed by model.DELAY samples).
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

import features as F
import model as M

PRE = 8                  # warm-up subframes fed to the network before the loss window
# feature conditions of a decoder batch and their default shares; the lossy ones
# (lossy.py caches: 64-bit stream decoded through concealment + predictor after random 10 %
# or Gilbert 20 %/burst 3 losses) are used only when --mix names them
DEFAULT_MIX = {"n64": 0.6, "l80": 0.2, "raw": 0.2}
LOSSY = ("n64r10", "n64b20")


def parse_mix(text):
    if not text:
        return None
    out = {}
    for part in text.split(","):
        k, v = part.split(":")
        out[k] = float(v)
    return out


class Corpus:
    """Memory-mapped cached features + audio for one split, all variants, all conditions."""

    def __init__(self, cache, split, variants):
        self.v = []
        for var in variants:
            d = F.load_split(cache, split, var)
            path = os.path.join(cache, split, var)
            cond = {"raw": (d["bands"], d["lag"], d["voicing"])}
            for mode in ("n64", "l80") + LOSSY:
                f = os.path.join(path, f"{mode}_lost.npy" if mode in LOSSY else f"{mode}_bands.npy")
                if os.path.exists(f):                # (a lossy cache is complete once its mask is)
                    cond[mode] = tuple(np.load(os.path.join(path, f"{mode}_{k}.npy"), mmap_mode="r")
                                       for k in ("bands", "lag", "voicing"))
            lens = np.array([u["n_pkt"] for u in d["utts"]])
            self.v.append({"audio": d["audio"], "utts": d["utts"], "cond": cond,
                           "p": lens / lens.sum()})

    def batch(self, rng, bsz, crop_pkt, clean_frac=0.5, mix=None):
        mix = mix or DEFAULT_MIX
        s_tot = 2 * crop_pkt + PRE
        bands = np.zeros((bsz, s_tot, F.NBANDS), np.float32)
        f0 = np.zeros((bsz, s_tot), np.float32)
        voic = np.zeros((bsz, s_tot), np.float32)
        flag = np.zeros((bsz, s_tot), np.float32)
        audio = np.zeros((bsz, 2 * crop_pkt * F.SUB), np.float32)
        for b in range(bsz):
            vi = 0 if (rng.random() < clean_frac or len(self.v) == 1) else 1 + rng.integers(len(self.v) - 1)
            var = self.v[vi]
            names = [c for c in mix if c in var["cond"] and mix[c] > 0]
            probs = np.array([mix[c] for c in names])
            cname = names[rng.choice(len(names), p=probs / probs.sum())]
            u = var["utts"][rng.choice(len(var["utts"]), p=var["p"])]
            n = u["n_pkt"]
            # even start keeps 40 ms low-mode packets whole; PRE//2 warm-up packets before it
            hi = max(n - crop_pkt, PRE // 2)
            start = PRE // 2 + 2 * int(rng.integers((hi - PRE // 2) // 2 + 1))
            p0 = u["pkt_start"] + start - PRE // 2
            cb, cl, cv = var["cond"][cname]
            sl = slice(2 * p0, 2 * p0 + s_tot)
            got = np.asarray(cb[sl])
            bands[b, :len(got)] = got
            lag = np.repeat(np.asarray(cl[p0:p0 + s_tot // 2]), 2)
            f0[b, :len(lag)] = F.SR / lag
            if len(cv) == 2 * len(cl):                # lossy caches: voicing per subframe
                vv = np.asarray(cv[2 * p0:2 * p0 + s_tot])
            else:
                vv = np.repeat(np.asarray(cv[p0:p0 + s_tot // 2]), 2)
            voic[b, :len(vv)] = vv
            flag[b] = 1.0 if cname == "l80" else 0.0
            a0 = (u["pkt_start"] + start) * F.PKT - M.DELAY
            seg = np.asarray(var["audio"][a0:a0 + audio.shape[1]], np.float32) / 32768.0
            audio[b, :len(seg)] = seg
            if len(got) < s_tot:                      # utterance too short: pad by edge
                bands[b, len(got):] = got[-1]
                f0[b, len(lag):] = f0[b, len(lag) - 1]
                voic[b, len(vv):] = 0.0
        f0 = np.where(f0 > 0, f0, 100.0)
        return [torch.from_numpy(x) for x in (bands, f0, voic, flag, audio)]


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def log_line(path, text):
    print(text, flush=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(text + "\n")


def lr_at(step, base, warm=200, half=6000, floor=0.05):
    return base * min(1.0, (step + 1) / warm) * max(floor, 0.5 ** (step / half))


def init_weights(model, path, key, dev):
    """Starts from an earlier model: a full training checkpoint (its "model") or a compact
    committed one (float16 "model" for the decoder, "plc" for the predictor).  Fine-tuning
    a trained decoder on new data or new codebooks needs far fewer CPU hours than
    training from scratch."""
    ck = torch.load(path, map_location=dev)
    sd = ck.get(key) if key in ck and isinstance(ck.get(key), dict) else ck["model"]
    if key == "plc" and "plc" not in ck and "opt" not in ck:
        raise SystemExit(f"{path}: no PLC weights")
    model.load_state_dict({k: v.float() for k, v in sd.items()})


def train_decoder(args, dev):
    corpus = Corpus(args.cache, "train", args.variants.split(","))
    model = M.Decoder(cond=args.cond, hidden=args.hidden).to(dev)
    loss_fn = M.MultiResSTFTLoss().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-5)
    state = {"step": 0, "minutes": 0.0}
    last = os.path.join(args.ckpt_dir, "decoder-last.pt")
    if args.init and not (args.resume and os.path.exists(last)):
        init_weights(model, args.init, "model", dev)
        log_line(args.log, f"initialised from {args.init}")
    if args.resume and os.path.exists(last):
        ck = torch.load(last, map_location=dev)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        log_line(args.log, f"resumed at step {state['step']} ({state['minutes']:.1f} min)")
    t_start = time.time()
    t_ckpt = t_start
    base_min = state["minutes"]
    run_loss, n_loss = 0.0, 0
    while True:
        step = state["step"]
        rng = np.random.default_rng([args.seed, step])
        torch.manual_seed(args.seed * 1000003 + step)
        bands, f0, voic, flag, audio = (t.to(dev) for t in corpus.batch(rng, args.batch, args.crop,
                                                                        mix=args.mix))
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.lr)
        y = model(bands, f0, voic, flag, PRE)
        loss = loss_fn(y, audio)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] = step + 1
        run_loss += loss.item()
        n_loss += 1
        now = time.time()
        state["minutes"] = base_min + (now - t_start) / 60.0
        if state["step"] % args.log_every == 0:
            log_line(args.log, f"step {state['step']} min {state['minutes']:.1f} "
                               f"loss {run_loss / n_loss:.4f} lr {lr_at(step, args.lr):.2e}")
            run_loss, n_loss = 0.0, 0
        done = (now - t_start) / 60.0 >= args.minutes
        if done or now - t_ckpt >= args.ckpt_minutes * 60.0:
            ck = {"model": model.state_dict(), "opt": opt.state_dict(), "state": state,
                  "config": {"cond": args.cond, "hidden": args.hidden}}
            save_atomic(ck, last)
            save_atomic(ck, os.path.join(args.ckpt_dir, f"decoder-{state['step']:07d}.pt"))
            log_line(args.log, f"checkpoint step {state['step']} min {state['minutes']:.1f}")
            t_ckpt = now
        if done:
            break


def plc_sequences(cache, split, variants, cond):
    seqs = []
    for var in variants:
        path = os.path.join(cache, split, var)
        d = F.load_split(cache, split, var)
        if cond == "raw":
            b, l, v = d["bands"], d["lag"], d["voicing"]
        else:
            b, l, v = (np.load(os.path.join(path, f"{cond}_{k}.npy"), mmap_mode="r")
                       for k in ("bands", "lag", "voicing"))
        for u in d["utts"]:
            p0, n = u["pkt_start"], u["n_pkt"]
            seqs.append(M.plc_pack(np.asarray(b[2 * p0:2 * (p0 + n)]), np.asarray(l[p0:p0 + n]),
                                   np.asarray(v[p0:p0 + n])))
    return seqs


def plc_lossy_sequences(cache, split, variants, patterns=LOSSY):
    """(true [n, 66], received [n, 66], lost [n]) per utterance and loss pattern: the
    64-bit stream's features, what the decoder had after lossy.py's losses (concealed
    packets and the predictor's carried error in the packets after them), the mask."""
    out = []
    for var in variants:
        path = os.path.join(cache, split, var)
        d = F.load_split(cache, split, var)
        tb, tl, tv = (np.load(os.path.join(path, f"n64_{k}.npy"), mmap_mode="r")
                      for k in ("bands", "lag", "voicing"))
        for pat in patterns:
            if not os.path.exists(os.path.join(path, f"{pat}_lost.npy")):
                continue
            lb, ll, lv = (np.load(os.path.join(path, f"{pat}_{k}.npy"), mmap_mode="r")
                          for k in ("bands", "lag", "voicing"))
            lost = np.load(os.path.join(path, f"{pat}_lost.npy"))
            for u in d["utts"]:
                p0, n = u["pkt_start"], u["n_pkt"]
                true = M.plc_pack(np.asarray(tb[2 * p0:2 * (p0 + n)]), np.asarray(tl[p0:p0 + n]),
                                  np.asarray(tv[p0:p0 + n]))
                rx = M.plc_pack(np.asarray(lb[2 * p0:2 * (p0 + n)]), np.asarray(ll[p0:p0 + n]),
                                np.asarray(lv[2 * p0:2 * (p0 + n):2]))
                out.append((true, rx, np.asarray(lost[p0:p0 + n])))
    return out


def plc_rollout(model, true, rx, lost, lost_weight=3.0):
    """Runs the predictor as the decoder does: received packets' features in, its own
    prediction in place of a lost packet; L1 of every one-step prediction against the
    true next packet, lost packets weighted lost_weight + 1."""
    h, nxt, preds = None, None, []
    for t in range(true.shape[1] - 1):
        inp = rx[:, t] if nxt is None else torch.where(lost[:, t, None], nxt, rx[:, t])
        y, h = model(inp[:, None], h)
        nxt = y[:, 0]
        preds.append(nxt)
    pred = torch.stack(preds, 1)
    w = 1.0 + lost_weight * lost[:, 1:].float()
    return ((pred - true[:, 1:]).abs().mean(-1) * w).sum() / w.sum()


def plc_eval_rollout(model, seqs, dev):
    """Mean abs error (normalised units) of the concealed packets of lossy sequences
    (all sequences at once, padded; padding counts as received)."""
    n_max = max(len(t) for t, _, _ in seqs)
    true = np.zeros((len(seqs), n_max, M.PLC_DIM), np.float32)
    rx, lost = np.zeros_like(true), np.zeros((len(seqs), n_max), bool)
    for i, (t, r, lo) in enumerate(seqs):
        true[i, :len(t)], rx[i, :len(t)], lost[i, :len(t)] = t, r, lo
    true, rx, lost = (torch.from_numpy(a).to(dev) for a in (true, rx, lost))
    err, n, h, nxt = 0.0, 0, None, None
    with torch.no_grad():
        for i in range(n_max - 1):
            inp = rx[:, i] if nxt is None else torch.where(lost[:, i, None], nxt, rx[:, i])
            y, h = model(inp[:, None], h)
            nxt = y[:, 0]
            sel = lost[:, i + 1]
            err += (nxt - true[:, i + 1]).abs()[sel].sum().item()
            n += int(sel.sum()) * true.shape[-1]
    return err / max(n, 1)


def plc_eval(model, seqs, dev):
    """Mean abs error (normalised units) of one-step prediction vs repeating the last packet."""
    err_m, err_r, n = 0.0, 0.0, 0
    with torch.no_grad():
        for s in seqs:
            x = torch.from_numpy(s)[None].to(dev)
            pred, _ = model(x[:, :-1])
            err_m += (pred - x[:, 1:]).abs().sum().item()
            err_r += (x[:, :-1] - x[:, 1:]).abs().sum().item()
            n += x[:, 1:].numel()
    return err_m / n, err_r / n


def train_plc(args, dev):
    seqs = plc_sequences(args.cache, "train", args.variants.split(","), "n64")
    valid = plc_sequences(args.cache, "valid", ["clean"], "n64")
    model = M.PLC().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    state = {"step": 0, "minutes": 0.0}
    last = os.path.join(args.ckpt_dir, "plc-last.pt")
    if args.init and not (args.resume and os.path.exists(last)):
        init_weights(model, args.init, "plc", dev)
    if args.resume and os.path.exists(last):
        ck = torch.load(last, map_location=dev)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
    t_start, t_ckpt, base_min = time.time(), time.time(), state["minutes"]
    crop = 100
    lossy = plc_lossy_sequences(args.cache, "train", args.variants.split(",")) \
        if args.plc_rollout > 0 else []
    # a fixed subset (every third sequence, at most 400 packets) keeps the check quick
    lossy_valid = [tuple(a[:400] for a in v) for v in
                   plc_lossy_sequences(args.cache, "valid", ["clean"])[::3]] if lossy else []
    if lossy:
        log_line(args.log, f"plc rollout on {len(lossy)} lossy sequences, share {args.plc_rollout}")
        log_line(args.log, f"plc step {state['step']} valid rollout L1 "
                           f"{plc_eval_rollout(model, lossy_valid, dev):.4f} (lost packets only)")
    while True:
        step = state["step"]
        rng = np.random.default_rng([args.seed, step])
        torch.manual_seed(args.seed + step)
        rollout = lossy and rng.random() < args.plc_rollout
        if rollout:
            xt = np.zeros((args.batch, crop, M.PLC_DIM), np.float32)
            xr = np.zeros_like(xt)
            xl = np.zeros((args.batch, crop), bool)
            for b in range(args.batch):
                tr, rx, lo = lossy[rng.integers(len(lossy))]
                o = rng.integers(max(1, len(tr) - crop + 1))
                m = len(tr[o:o + crop])
                xt[b, :m], xr[b, :m], xl[b, :m] = tr[o:o + crop], rx[o:o + crop], lo[o:o + crop]
                xt[b, m:], xr[b, m:] = tr[o + m - 1], rx[o + m - 1]
            loss = plc_rollout(model, torch.from_numpy(xt).to(dev), torch.from_numpy(xr).to(dev),
                               torch.from_numpy(xl).to(dev))
        else:
            x = np.zeros((args.batch, crop, M.PLC_DIM), np.float32)
            for b in range(args.batch):
                s = seqs[rng.integers(len(seqs))]
                o = rng.integers(max(1, len(s) - crop + 1))
                seg = s[o:o + crop]
                x[b, :len(seg)] = seg
                x[b, len(seg):] = seg[-1]
            x = torch.from_numpy(x).to(dev)
            noisy = x + 0.02 * torch.randn_like(x)      # robustness to its own prediction errors
            pred, _ = model(noisy[:, :-1])
            loss = (pred - x[:, 1:]).abs().mean()
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.lr, warm=100, half=4000)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state["step"] = step + 1
        now = time.time()
        state["minutes"] = base_min + (now - t_start) / 60.0
        done = (now - t_start) / 60.0 >= args.minutes
        if state["step"] % args.log_every == 0 or done:
            em, er = plc_eval(model, valid, dev)
            line = (f"plc step {state['step']} min {state['minutes']:.1f} "
                    f"{'rollout' if rollout else 'train'} {loss.item():.4f} "
                    f"valid L1 {em:.4f} (repeat-last {er:.4f})")
            if rollout:
                er2 = plc_eval_rollout(model, lossy_valid, dev) if lossy_valid else float("nan")
                line += f" valid rollout L1 on lost packets {er2:.4f}"
            log_line(args.log, line)
        if done or now - t_ckpt >= args.ckpt_minutes * 60.0:
            save_atomic({"model": model.state_dict(), "opt": opt.state_dict(), "state": state},
                        last)
            t_ckpt = now
        if done:
            break


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["decoder", "plc"])
    ap.add_argument("--cache", default=F.default_cache())
    ap.add_argument("--ckpt-dir", default=None, help="default <cache>/ckpt")
    ap.add_argument("--log", default=None, help="default <ckpt-dir>/<what>.log")
    ap.add_argument("--variants", default="clean,aug1,aug2")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget of this run")
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", default=None,
                    help="start from this checkpoint's weights (fresh optimiser and schedule)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=32, help="packets (20 ms) per training crop")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--cond", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--plc-rollout", type=float, default=0.0,
                    help="plc: share of steps run through lossy.py's loss patterns, fed back "
                         "on its own predictions where packets were lost (0 = none)")
    ap.add_argument("--mix", type=parse_mix, default=None,
                    help="decoder: condition shares, e.g. n64:0.4,n64r10:0.15,n64b20:0.15,"
                         "l80:0.15,raw:0.15 (default n64:0.6,l80:0.2,raw:0.2)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.ckpt_dir = args.ckpt_dir or os.path.join(args.cache, "ckpt")
    os.makedirs(args.ckpt_dir, exist_ok=True)
    args.log = args.log or os.path.join(args.ckpt_dir, f"{args.what}.log")
    dev = torch.device(args.device)
    if args.what == "decoder":
        train_decoder(args, dev)
    else:
        train_plc(args, dev)


if __name__ == "__main__":
    main(sys.argv[1:])
