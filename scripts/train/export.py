#!/usr/bin/env python3
"""Exports a trained Sotto codec for commit and for the C port.

Writes:
  * a compact checkpoint (float16 decoder + PLC weights, codebooks, config), < 3 MB;
  * a float32 weights blob for the C code (format "SOTTOW01", see README.md);
  * golden vectors in the same blob format: a short synthetic input (no corpus audio),
    its features, the quantiser indices and packed bytes of both modes, the dequantised
    features, the noise sequence and the decoder output.

Input may be a full training checkpoint or a compact one (so the blob can be rebuilt
from the committed compact file).
"""
import argparse
import datetime
import math
import os
import struct
import sys

import numpy as np
import torch

import features as F
import model as M
from quantise import MODES, Quantiser, pack_bits

MAGIC = b"SOTTOW01"


def write_blob(path, tensors):
    """tensors: list of (name, ndarray).  Little-endian: magic, u32 count, then per tensor
    u16 name length, name bytes (UTF-8), u8 ndim, u32 dims, float32 data (row-major)."""
    with open(path, "wb") as f:
        f.write(MAGIC)
        f.write(struct.pack("<I", len(tensors)))
        for name, arr in tensors:
            a = np.ascontiguousarray(np.asarray(arr, dtype="<f4"))
            nb = name.encode("utf-8")
            f.write(struct.pack("<H", len(nb)))
            f.write(nb)
            f.write(struct.pack("<B", a.ndim))
            f.write(struct.pack(f"<{a.ndim}I", *a.shape))
            f.write(a.tobytes())


def read_blob(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != MAGIC:
        raise ValueError("not a SOTTOW01 blob")
    (count,), pos, out = struct.unpack_from("<I", data, 8), 12, {}
    for _ in range(count):
        (nlen,) = struct.unpack_from("<H", data, pos)
        name = data[pos + 2:pos + 2 + nlen].decode("utf-8")
        pos += 2 + nlen
        (ndim,) = struct.unpack_from("<B", data, pos)
        dims = struct.unpack_from(f"<{ndim}I", data, pos + 1)
        pos += 1 + 4 * ndim
        n = int(np.prod(dims)) if ndim else 1
        out[name] = np.frombuffer(data, "<f4", n, pos).reshape(dims)
        pos += 4 * n
    return out


def xorshift_noise(n, seed=1):
    """The decoder's noise source, reproducible in C: xorshift32 (13, 17, 5) from `seed`,
    u = (state >> 8) / 2^24, noise = (u - 0.5) * sqrt(12)."""
    out = np.empty(n, np.float32)
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = ((s >> 8) / 16777216.0 - 0.5) * math.sqrt(12.0)
    return out


def synthetic_input(seconds=0.4):
    """Vowel-like test signal: glottal pulses gliding 120 -> 180 Hz through three formant
    resonators, then a short noise burst.  Deterministic, no corpus audio."""
    from scipy import signal
    n = int(seconds * F.SR)
    t = np.arange(n) / F.SR
    f0 = 120.0 + 60.0 * t / seconds
    phase = np.cumsum(f0 / F.SR)
    pulses = np.diff(np.floor(phase), prepend=0.0)
    x = pulses
    for fc, bw in ((700.0, 80.0), (1200.0, 90.0), (2600.0, 120.0)):
        r = math.exp(-math.pi * bw / F.SR)
        x = signal.lfilter([1.0 - r], [1.0, -2 * r * math.cos(2 * math.pi * fc / F.SR), r * r], x)
    x = x / (np.max(np.abs(x)) + 1e-9) * 0.5
    burst = np.random.default_rng(5).standard_normal(n) * 0.05
    x[int(0.75 * n):] = burst[int(0.75 * n):]
    return np.round(x * 32767.0) / 32768.0


def load_any(path):
    ck = torch.load(path, map_location="cpu")
    cfg = ck.get("config", {"cond": 128, "hidden": 256})
    dec = M.Decoder(**cfg)
    dec.load_state_dict({k: v.float() for k, v in ck["model"].items()})
    dec.eval()
    plc = None
    if ck.get("plc"):
        plc = M.PLC()
        plc.load_state_dict({k: v.float() for k, v in ck["plc"].items()})
    books = {k: np.asarray(v, np.float32) for k, v in ck["codebooks"].items()} if "codebooks" in ck else None
    return dec, plc, ck, books


def golden(dec, plc, q, path):
    x = synthetic_input()
    feats = F.extract(x)
    n = feats["n_pkt"]
    x = x[:n * F.PKT]
    tensors = [("input", x), ("bands", feats["bands"]), ("lag", feats["lag"]),
               ("voicing", feats["voicing"])]
    for mode in MODES:
        ind = q.encode(feats["bands"], feats["lag"], feats["voicing"], mode)
        bands, lag, voic = q.decode(ind, mode, n)
        s = 2 * n
        noise = xorshift_noise((s + 2) * F.SUB)
        y = M.decode_utterance(dec, bands, np.repeat(F.SR / lag, 2), np.repeat(voic, 2),
                               1.0 if mode == "l80" else 0.0, noise=torch.from_numpy(noise)[None])
        for k in sorted(ind):
            tensors.append((f"{mode}.index.{k}", ind[k]))
        tensors += [(f"{mode}.packed", pack_bits(ind, mode)), (f"{mode}.dq_bands", bands),
                    (f"{mode}.dq_lag", lag), (f"{mode}.dq_voicing", voic),
                    (f"{mode}.noise", noise), (f"{mode}.output", y)]
        if plc is not None and mode == "n64":
            x_plc = M.plc_pack(bands, lag, voic)
            with torch.no_grad():
                pred, _ = plc(torch.from_numpy(x_plc)[None])
            tensors += [("plc.input", x_plc), ("plc.output", pred[0].numpy())]
    write_blob(path, tensors)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint", help="decoder checkpoint (full or compact)")
    ap.add_argument("--cache", default=F.default_cache())
    ap.add_argument("--codebooks", default=None, help="default: from a compact checkpoint, "
                    "else <cache>/codebooks.npz")
    ap.add_argument("--plc", default=None, help="PLC checkpoint (plc-last.pt)")
    ap.add_argument("--compact", default=None, help="output compact checkpoint "
                    "(default scripts/train/checkpoints/sotto-<date>.pt)")
    ap.add_argument("--weights", default=None, help="output float32 blob (default <cache>/export/sotto-weights.bin)")
    ap.add_argument("--golden", default=None, help="output golden vectors (default scripts/train/golden/golden.bin)")
    args = ap.parse_args(argv)
    here = os.path.dirname(os.path.abspath(__file__))
    dec, plc, ck, books = load_any(args.checkpoint)
    if args.codebooks or books is None:
        q = Quantiser.load(args.codebooks or os.path.join(args.cache, "codebooks.npz"))
    else:
        q = Quantiser(books)
    if args.plc:
        plc = M.PLC()
        plc.load_state_dict(torch.load(args.plc, map_location="cpu")["model"])
    compact = args.compact or os.path.join(here, "checkpoints",
                                           f"sotto-{datetime.date.today().isoformat()}.pt")
    os.makedirs(os.path.dirname(compact), exist_ok=True)
    half = {k: v.half() for k, v in dec.state_dict().items()}
    obj = {"model": half, "config": ck.get("config", {"cond": 128, "hidden": 256}),
           "state": ck.get("state", {}),
           "codebooks": {k: torch.from_numpy(np.asarray(v, np.float32)).half() for k, v in q.t.items()}}
    if plc is not None:
        obj["plc"] = {k: v.half() for k, v in plc.state_dict().items()}
    torch.save(obj, compact)
    print(f"compact checkpoint {compact}: {os.path.getsize(compact) / 1e6:.2f} MB")
    # the C side gets exactly what the compact checkpoint holds, widened to float32
    dec, plc, _, books = load_any(compact)
    q = Quantiser(books)
    tensors = [(f"decoder.{k}", v.numpy()) for k, v in dec.state_dict().items()]
    if plc is not None:
        tensors += [(f"plc.{k}", v.numpy()) for k, v in plc.state_dict().items()]
    tensors += [(f"quant.{k}", v) for k, v in sorted(q.t.items())]
    tensors += [("features.band_weights", F.band_layout()[0]),
                ("features.band_centres_hz", F.band_layout()[1])]
    weights = args.weights or os.path.join(args.cache, "export", "sotto-weights.bin")
    os.makedirs(os.path.dirname(weights), exist_ok=True)
    write_blob(weights, tensors)
    print(f"weights blob {weights}: {os.path.getsize(weights) / 1e6:.2f} MB, {len(tensors)} tensors")
    gpath = args.golden or os.path.join(here, "golden", "golden.bin")
    os.makedirs(os.path.dirname(gpath), exist_ok=True)
    golden(dec, plc, q, gpath)
    back = read_blob(gpath)
    print(f"golden vectors {gpath}: {os.path.getsize(gpath) / 1e3:.0f} kB, {len(back)} tensors")


if __name__ == "__main__":
    main(sys.argv[1:])
