#!/usr/bin/python3
"""Scores a Sotto checkpoint and the reference codecs on the report set and the valid split.

Systems: Sotto 3.2 kbit/s (64 bit / 20 ms) and 2 kbit/s (80 bit / 40 ms) through the
Python reference chain (features -> quantiser -> decoder, as eval.py), Opus 6/8/10
kbit/s (libopus through ctypes: OPUS_APPLICATION_VOIP, 20 ms frames, VBR, 16 kHz,
raw packets, no container) and Codec 2 3200 (c2enc/c2dec at 8 kHz).
Conditions: clean; 10 dB babble (4 talkers from other speakers of the same set);
10 dB pink noise; for Sotto 3.2 and Opus 8 also 10 % random loss and 20 % bursty
loss (Gilbert model, mean burst 3 packets, quality_lib.loss).  Sotto's concealment is
a feature-domain port of codec/sotto_plc.c (the PLC GRU of the checkpoint, fed on its
own predictions, faded to comfort noise after 60 ms); Opus uses its decoder's own.
Every score compares the output with the clean input: STOI and ESTOI (eval.py's
implementation), wideband PESQ (P.862.2, external program, quality_lib.pesq).
Sotto's output is aligned by its known delay, Opus by its encoder look-ahead, Codec 2
by energy-envelope cross-correlation (eval.align).

  /usr/bin/python3 scripts/train/report.py CHECKPOINT --reportset DIR \
      [--valid-corpus SPEECH_DIR --valid-per-speaker N] --md OUT.md --json OUT.json
"""
import argparse
import ctypes
import ctypes.util
import functools
import json
import os
import sys
import time

import numpy as np
import soundfile as sf
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))          # scripts/, for quality_lib

import eval as E                                     # noqa: E402  (scripts/train/eval.py)
import features as F                                 # noqa: E402
import model as M                                    # noqa: E402
from quantise import Quantiser                       # noqa: E402
from quality_lib import loss as L                    # noqa: E402
from quality_lib import pesq as P                    # noqa: E402

SNR_DB = 10.0
BABBLE_TALKERS = 4
LOSS_CONDITIONS = {"loss10": ("random", 0.10), "burst20": ("burst", 0.20)}
OPUS_APPLICATION_VOIP = 2048
OPUS_SET_BITRATE = 4002
OPUS_SET_VBR = 4006
OPUS_GET_LOOKAHEAD = 4027
PLC_PREDICT_SUB = 6          # codec/sotto_plc.h
PLC_FADE_DB = 3.0
PLC_FLOOR_DB = 40.0
LAG_MIN, LAG_MAX = 32.0, 256.0


# ------------------------------------------------------------------ data
def read_manifest(path):
    with open(path, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        return [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def load_reportset(root):
    items = []
    for r in read_manifest(os.path.join(root, "manifest.tsv")):
        x, sr = sf.read(os.path.join(root, r["path"]), dtype="float64")
        if sr != F.SR:
            raise ValueError(f"{r['path']}: {sr} Hz, expected {F.SR}")
        groups = {"gender": r["gender"], "age": r["age"], "accent": r["accent"],
                  "language": r["language"], "source": r["source"],
                  "lossless": r["lossless"]}
        items.append(dict(name=r["path"], speaker=r["speaker_id"], audio=x, groups=groups))
    return items


def load_valid(corpus, per_speaker):
    """The valid split of the training corpus (speech/: manifest.tsv, speakers.tsv),
    the first `per_speaker` files of each speaker in manifest order (0 = all)."""
    spk = {r["speaker_id"]: r for r in read_manifest(os.path.join(corpus, "speakers.tsv"))}
    items, count = [], {}
    for r in read_manifest(os.path.join(corpus, "manifest.tsv")):
        if not r["path"].startswith("valid/"):
            continue
        s = r["speaker_id"]
        count[s] = count.get(s, 0) + 1
        if per_speaker and count[s] > per_speaker:
            continue
        info = spk.get(s, {})
        age = info.get("age", "")
        age_group = ("child" if int(age) < 18 else "adult") if age.isdigit() else \
            ("child" if "child" in info.get("accent_or_language", "") else "adult")
        x, _ = sf.read(os.path.join(corpus, r["path"]), dtype="float64")
        items.append(dict(name=r["path"], speaker=s, audio=x, groups={
            "gender": info.get("gender", "unknown") or "unknown", "age": age_group,
            "accent": info.get("accent_or_language", "unknown"), "language": "en",
            "source": r["source"]}))
    return items


def mix(clean, noise, snr_db):
    noise = noise[:len(clean)]
    scale = np.sqrt(np.mean(clean ** 2) / (np.mean(noise ** 2) * 10 ** (snr_db / 10)))
    return clean + scale * noise


def babble(items, index, rng):
    """Sum of BABBLE_TALKERS other speakers' files, each at equal level, looped to length."""
    n = len(items[index]["audio"])
    others = [i for i, it in enumerate(items) if it["speaker"] != items[index]["speaker"]]
    pick = rng.choice(others, size=min(BABBLE_TALKERS, len(others)), replace=False)
    out = np.zeros(n)
    for i in pick:
        a = items[int(i)]["audio"]
        a = np.tile(a, n // len(a) + 1)
        start = int(rng.integers(0, len(a) - n + 1))
        seg = a[start:start + n]
        out += seg / (np.sqrt(np.mean(seg ** 2)) + 1e-9)
    return out


def condition_input(items, index, cond):
    x = items[index]["audio"]
    rng = np.random.default_rng(1000 + index)
    if cond == "babble10":
        return mix(x, babble(items, index, rng), SNR_DB)
    if cond == "pink10":
        return mix(x, F.pink_noise(len(x), rng), SNR_DB)
    return x


# ------------------------------------------------------------------ Sotto
def plc_conceal_features(plc, bands, lag, voic, lost):
    """Feature-domain port of codec/sotto_plc.c: returns bands/lag/voicing with the
    lost 20 ms packets replaced by the predictor's output (then the fade)."""
    bands, lag, voic = bands.copy(), lag.copy(), voic.copy()
    h, nxt, last, lost_sub = None, None, None, 0
    nb = bands.shape[1]

    def predict(x):
        nonlocal h
        with torch.no_grad():
            y, h = plc(torch.from_numpy(x[None, None].astype(np.float32)), h)
        return y[0, 0].numpy().astype(np.float64)

    for t in range(len(lag)):
        if not lost[t]:
            x = M.plc_pack(bands[2 * t:2 * t + 2], lag[t:t + 1], voic[t:t + 1])[0]
            nxt = predict(x)
            last = (bands[2 * t:2 * t + 2].copy(), lag[t], voic[t])
            lost_sub = 0
            continue
        if nxt is None:
            bands[2 * t:2 * t + 2], lag[t], voic[t] = -100.0, 100.0, 0.0
            continue
        if lost_sub < PLC_PREDICT_SUB:
            b = nxt[:2 * nb].reshape(2, nb) * 20.0 - 50.0
            lg = float(np.clip(F.SR / 2.0 ** (nxt[2 * nb] + 7.5), LAG_MIN, LAG_MAX))
            v = float(np.clip(nxt[2 * nb + 1] + 0.5, 0.0, 1.0))
            bands[2 * t:2 * t + 2], lag[t], voic[t] = b, lg, v
            last = (b.copy(), lg, v)
            nxt = predict(nxt.astype(np.float32))
        else:
            b = last[0].copy()
            v = last[2]
            for i in range(2):
                att = min(PLC_FADE_DB * (lost_sub + i - PLC_PREDICT_SUB + 1), PLC_FLOOR_DB)
                flat = att / PLC_FLOOR_DB
                mean = 10.0 * np.log10(np.mean(10.0 ** (b[i] / 10.0)) + 1e-10)
                b[i] = mean + (b[i] - mean) * (1.0 - flat) - att
                v *= max(0.0, 1.0 - flat * 4.0)       # C fades each subframe's voicing
            bands[2 * t:2 * t + 2], lag[t], voic[t] = b, last[1], v
        if lost_sub < PLC_PREDICT_SUB + 1000:
            lost_sub += 2
    return bands, lag, voic


def sotto(dec, plc, q, x, mode, seed, lost=None):
    """Encodes and decodes x; returns (reference, output), aligned by the codec's delay."""
    feats = F.extract(x.astype(np.float64))
    n = feats["n_pkt"]
    bands, lag, voic = q.roundtrip(feats["bands"], feats["lag"], feats["voicing"], mode)
    if lost is not None:
        bands, lag, voic = plc_conceal_features(plc, np.asarray(bands, np.float64),
                                                np.asarray(lag, np.float64),
                                                np.asarray(voic, np.float64), lost[:n])
    torch.manual_seed(seed)
    y = M.decode_utterance(dec, np.asarray(bands, np.float32), np.repeat(F.SR / lag, 2),
                           np.repeat(voic, 2), 1.0 if mode == "l80" else 0.0)
    return n * F.PKT, y[M.DELAY:].astype(np.float64)


C_LOSS = {"loss10 (C model)": ["--loss", "0.1", "--burst", "1"],
          "burst20 (C model)": ["--loss", "0.2", "--burst", "3"]}


def sotto_c(cli, x, bitrate, decode_args=(), seed=1):
    """x through the C codec's command-line tool (sotto-codec encode/decode); output is
    already aligned by the tool.  decode_args: the tool's own loss model (bursts of a
    fixed length, its own seeded generator), not the Gilbert model used for Python."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory(prefix="sotto-report-") as tmp:
        wav, sot, out = (os.path.join(tmp, n) for n in ("in.wav", "enc.sot", "out.wav"))
        sf.write(wav, np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16), F.SR,
                 subtype="PCM_16")
        subprocess.run([cli, "encode", wav, sot, "--bitrate", str(bitrate)], check=True,
                       capture_output=True)
        extra = list(decode_args) + (["--seed", str(seed)] if decode_args else [])
        subprocess.run([cli, "decode", sot, out] + extra, check=True, capture_output=True)
        y, _ = sf.read(out, dtype="float64")
    return y


# ------------------------------------------------------------------ Opus (libopus, VOIP)
@functools.lru_cache(maxsize=1)
def libopus():
    lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
    lib.opus_encoder_create.restype = ctypes.c_void_p
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.c_int,
                                        ctypes.POINTER(ctypes.c_int)]
    lib.opus_encoder_ctl.restype = ctypes.c_int
    lib.opus_encode.restype = ctypes.c_int32
    lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16), ctypes.c_int,
                                ctypes.c_char_p, ctypes.c_int32]
    lib.opus_encoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_decode.restype = ctypes.c_int
    lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    return lib


def opus(x, kbps, lost=None):
    """(output aligned to x, payload bits) through libopus in VOIP mode, 20 ms, VBR."""
    lib, frame = libopus(), F.PKT
    err = ctypes.c_int(0)
    enc = lib.opus_encoder_create(F.SR, 1, OPUS_APPLICATION_VOIP, ctypes.byref(err))
    if not enc or err.value:
        raise RuntimeError(f"opus_encoder_create failed ({err.value})")
    dec = lib.opus_decoder_create(F.SR, 1, ctypes.byref(err))
    if not dec or err.value:
        lib.opus_encoder_destroy(enc)
        raise RuntimeError(f"opus_decoder_create failed ({err.value})")
    try:
        for req, val in ((OPUS_SET_BITRATE, int(kbps * 1000)), (OPUS_SET_VBR, 1)):
            if lib.opus_encoder_ctl(ctypes.c_void_p(enc), ctypes.c_int(req), ctypes.c_int32(val)):
                raise RuntimeError(f"opus_encoder_ctl({req}) failed")
        look = ctypes.c_int32(0)
        lib.opus_encoder_ctl(ctypes.c_void_p(enc), ctypes.c_int(OPUS_GET_LOOKAHEAD), ctypes.byref(look))
        pcm = np.clip(np.round(x * 32768), -32768, 32767).astype(np.int16)
        n_frames = -(-(len(pcm) + look.value) // frame)
        pcm = np.concatenate([pcm, np.zeros(n_frames * frame - len(pcm), np.int16)])
        out = np.zeros(n_frames * frame, np.int16)
        buf = ctypes.create_string_buffer(1500)
        obuf = (ctypes.c_int16 * frame)()
        bits = 0
        for i in range(n_frames):
            fr = np.ascontiguousarray(pcm[i * frame:(i + 1) * frame])
            nbytes = lib.opus_encode(enc, fr.ctypes.data_as(ctypes.POINTER(ctypes.c_int16)),
                                     frame, buf, len(buf))
            if nbytes < 0:
                raise RuntimeError(f"opus_encode failed ({nbytes})")
            bits += 8 * nbytes
            if lost is not None and i < len(lost) and lost[i]:
                got = lib.opus_decode(dec, None, 0, obuf, frame, 0)
            else:
                got = lib.opus_decode(dec, buf.raw[:nbytes], nbytes, obuf, frame, 0)
            if got != frame:
                raise RuntimeError(f"opus_decode returned {got}")
            out[i * frame:(i + 1) * frame] = np.ctypeslib.as_array(obuf)
    finally:
        lib.opus_encoder_destroy(enc)
        lib.opus_decoder_destroy(dec)
    y = out.astype(np.float64)[look.value:look.value + len(x)] / 32768.0
    return y, bits


# ------------------------------------------------------------------ scoring
def score(ref, out, pesq_prog):
    s, e = E.stoi_estoi(ref, out)
    try:
        p = P.pesq_wb(ref, out, pesq_prog) if pesq_prog else float("nan")
    except ValueError:
        p = float("nan")
    return s, e, p


def systems(with_loss, with_c=False, python_loss=True):
    rows = [("Sotto 3.2", c) for c in ("clean", "babble10", "pink10")]
    if with_c:
        rows += [(f"Sotto {r} (C)", c) for r in ("3.2", "2.0") for c in ("clean", "babble10", "pink10")]
        if with_loss:
            rows += [("Sotto 3.2 (C)", c) for c in C_LOSS]
    if with_loss and python_loss:
        rows += [("Sotto 3.2", c) for c in LOSS_CONDITIONS]
    rows += [("Sotto 2.0", c) for c in ("clean", "babble10", "pink10")]
    for name in ("Opus 6", "Opus 8", "Opus 10", "Codec2 3200"):
        rows += [(name, c) for c in ("clean", "babble10", "pink10")]
    if with_loss:
        rows += [("Opus 8", c) for c in LOSS_CONDITIONS]
    return rows


def run_set(items, dec, plc, q, pesq_prog, with_loss, label, c_cli=None, only=None):
    results = []            # one dict per (system, condition, file)
    t0 = time.time()
    # The feature-domain concealment port does not feed concealed envelopes back into
    # the inter-packet predictor (bitstream v2), so with prediction only the C codec's
    # loss rows are exact; the Python ones would flatter it.
    python_loss = not q.predictive("n64")
    for sysname, cond in systems(with_loss, c_cli is not None, python_loss):
        if only and not sysname.startswith(tuple(only)):
            continue
        bits, secs = 0, 0.0
        for i, it in enumerate(items):
            clean = it["audio"]
            lost = None
            if cond in C_LOSS:
                x = clean
            elif cond in LOSS_CONDITIONS:
                model, rate = LOSS_CONDITIONS[cond]
                lost = L.loss_pattern(model, len(clean) // F.PKT + 8, rate,
                                      np.random.default_rng(2000 + i))
                x = clean
            else:
                x = condition_input(items, i, cond)
            if sysname.endswith("(C)"):
                rate = 3200 if "3.2" in sysname else 2000
                y = sotto_c(c_cli, x, rate, C_LOSS.get(cond, ()), 1 + i)
                m = min(len(y), len(clean))
                ref, y = clean[:m], y[:m]
                bits += rate * m / F.SR
            elif sysname.startswith("Sotto"):
                mode = "n64" if sysname == "Sotto 3.2" else "l80"
                n, y = sotto(dec, plc, q, x, mode, i, lost)
                ref = clean[:n - M.DELAY]
                y = y[:len(ref)]
                bits += (64 if mode == "n64" else 40) * (n // F.PKT)
            elif sysname.startswith("Opus"):
                y, b = opus(x, float(sysname.split()[1]), lost)
                ref, bits = clean, bits + b
            else:
                y, size = E.run_codec("codec2", x)
                y, ref = E.align(clean, y), clean
                bits += 8 * size
            secs += len(ref) / F.SR
            s, e, p = score(ref, y, pesq_prog)
            results.append(dict(system=sysname, condition=cond, file=it["name"],
                                speaker=it["speaker"], groups=it["groups"],
                                stoi=s, estoi=e, pesq=p))
        kbps = bits / secs / 1000
        for r in results:
            if r["system"] == sysname and r["condition"] == cond:
                r["kbps"] = kbps
        sel = [r for r in results if r["system"] == sysname and r["condition"] == cond]
        print(f"[{label}] {sysname:12s} {cond:9s} {kbps:5.2f} kbit/s  "
              f"STOI {np.nanmean([r['stoi'] for r in sel]):.3f}  "
              f"ESTOI {np.nanmean([r['estoi'] for r in sel]):.3f}  "
              f"PESQ-WB {np.nanmean([r['pesq'] for r in sel]):.2f}  ({time.time() - t0:.0f} s)",
              flush=True)
    return results


def summarise(results):
    out = {}
    for r in results:
        k = (r["system"], r["condition"])
        d = out.setdefault(k, {"kbps": r["kbps"], "stoi": [], "estoi": [], "pesq": []})
        for m in ("stoi", "estoi", "pesq"):
            d[m].append(r[m])
    return {k: {"kbps": v["kbps"], "n": len(v["stoi"]),
                **{m: float(np.nanmean(v[m])) for m in ("stoi", "estoi", "pesq")}}
            for k, v in out.items()}


def accent_group(accent):
    """Coarse accent class of a manifest's accent text, so groups are not single files."""
    if "US English" in accent or "UK English" in accent:
        return "US/UK English (labelled)"
    if accent.startswith("English"):
        return "English, accent not recorded"
    if accent.startswith("Mandarin-L1"):
        return "Mandarin-L1 English"
    if accent in ("", "unknown", "not recorded"):
        return "unknown"
    return accent


def by_group(results, condition="clean"):
    """{group kind: {value: {system: (n files, ESTOI, PESQ)}}} for one condition."""
    out = {}
    for r in results:
        if r["condition"] != condition:
            continue
        derived = [("accent group", accent_group(r["groups"].get("accent", ""))), ("all", "all")]
        for kind, val in list(r["groups"].items()) + derived:
            d = out.setdefault(kind, {}).setdefault(val, {}).setdefault(r["system"], [[], []])
            d[0].append(r["estoi"])
            d[1].append(r["pesq"])
    return {kind: {val: {s: (len(v[0]), float(np.nanmean(v[0])), float(np.nanmean(v[1])))
                         for s, v in systems_.items()} for val, systems_ in vals.items()}
            for kind, vals in out.items()}


def markdown(title, n_files, n_speakers, summary, groups):
    lines = [f"### {title}: {n_files} files, {n_speakers} speakers", "",
             "| system | condition | kbit/s | STOI | ESTOI | PESQ-WB |", "|---|---|---|---|---|---|"]
    first = {}
    for s, _c in summary:
        first.setdefault(s, len(first))
    for (s, c), v in sorted(summary.items(), key=lambda kv: first[kv[0][0]]):
        lines.append(f"| {s} | {c} | {v['kbps']:.2f} | {v['stoi']:.3f} | {v['estoi']:.3f} | "
                     f"{v['pesq']:.2f} |")
    for s, lo, bu, what in (("Sotto 3.2", "loss10", "burst20", "mean burst 3"),
                            ("Opus 8", "loss10", "burst20", "mean burst 3"),
                            ("Sotto 3.2 (C)", "loss10 (C model)", "burst20 (C model)",
                             "bursts of exactly 3")):
        if (s, "clean") in summary and (s, lo) in summary and (s, bu) in summary:
            c = summary[(s, "clean")]["estoi"]
            lines += ["", f"{s}: ESTOI cost of 10 % random loss {c - summary[(s, lo)]['estoi']:.3f}, "
                      f"of 20 % bursty loss ({what}) {c - summary[(s, bu)]['estoi']:.3f}."]
    names = ["Sotto 3.2", "Sotto 2.0", "Opus 6", "Opus 8", "Opus 10", "Codec2 3200"]
    lines += ["", "Clean speech per group, ESTOI / PESQ-WB (files in brackets); "
              "the last column is Sotto 3.2's ESTOI minus the set's mean:", "",
              "| group | value | " + " | ".join(names) + " | Sotto 3.2 vs mean |",
              "|---|---|" + "---|" * (len(names) + 1)]
    mean = groups["all"]["all"]["Sotto 3.2"][1]
    for kind in ("age", "gender", "accent group", "accent", "language", "source", "lossless"):
        for val, row in sorted(groups.get(kind, {}).items()):
            n = row["Sotto 3.2"][0]
            cells = [f"{row[s][1]:.3f} / {row[s][2]:.2f}" if s in row else "-" for s in names]
            lines.append(f"| {kind} | {val} ({n}) | " + " | ".join(cells)
                         + f" | {row['Sotto 3.2'][1] - mean:+.3f} |")
    worst = min(((kind, val, row["Sotto 3.2"][1]) for kind, vals in groups.items() if kind != "all"
                 for val, row in vals.items() if "Sotto 3.2" in row and row["Sotto 3.2"][0] >= 2),
                key=lambda t: t[2], default=None)
    if worst:
        lines += ["", f"Worst group for Sotto 3.2 (of those with 2 or more files): {worst[0]} = "
                  f"{worst[1]}, ESTOI {worst[2]:.3f} ({worst[2] - mean:+.3f} against the mean)."]
    return "\n".join(lines) + "\n"


def render(blob, pesq_measured=True):
    """Markdown of a saved JSON blob (the per-file scores), so tables can be redrawn."""
    md = [f"Checkpoint `{blob['checkpoint']}` (step {blob.get('step', '?')}); Sotto through the "
          f"Python reference chain; PESQ-WB = ITU-T P.862.2 MOS-LQO"
          f"{'' if pesq_measured else ' (not measured)'}.\n"]
    for label, d in blob["sets"].items():
        res = d["files"]
        md.append(markdown(label, len({r["file"] for r in res}), len({r["speaker"] for r in res}),
                           summarise(res), by_group(res)))
    return "\n".join(md)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint", nargs="?", help="compact checkpoint (scripts/train/checkpoints/*.pt)")
    ap.add_argument("--reportset", help="folder built by reportset.py")
    ap.add_argument("--from-json", default=None, help="only redraw the tables of a saved --json file")
    ap.add_argument("--valid-corpus", default=None, help="speech/ folder of the training corpus")
    ap.add_argument("--valid-per-speaker", type=int, default=0, help="files per valid speaker (0 = all)")
    ap.add_argument("--limit", type=int, default=0, help="first N report-set files only")
    ap.add_argument("--pesq", default=None, help=f"PESQ program (default ${P.ENV})")
    ap.add_argument("--no-pesq", action="store_true", help="skip PESQ (STOI/ESTOI only)")
    ap.add_argument("--no-loss", action="store_true", help="skip the packet-loss conditions")
    ap.add_argument("--md", default=None, help="write the markdown tables here")
    ap.add_argument("--json", default=None, help="write per-file scores and summaries here")
    ap.add_argument("--json-summary", default=None, help="write the summaries only (no per-file rows)")
    ap.add_argument("--c-codec", default=None, help="also score the C codec through this "
                    "sotto-codec program (clean and noisy input, both modes)")
    ap.add_argument("--systems", default=None,
                    help="comma-separated name prefixes of the systems to score (e.g. 'Sotto' "
                         "when only the checkpoint changed; default all)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            text = render(json.load(f))
        print(text)
        if args.md:
            with open(args.md, "w", encoding="utf-8") as f:
                f.write(text)
        return 0
    if not args.checkpoint or not args.reportset:
        ap.error("a checkpoint and --reportset are needed (or --from-json)")
    pesq_prog = None
    if not args.no_pesq:
        try:
            pesq_prog = P.find_program(args.pesq)
        except P.PesqUnavailable as e:
            print(f"error: {e} (or pass --no-pesq)", file=sys.stderr)
            return 2
    ck = torch.load(args.checkpoint, map_location="cpu")
    if "codebooks" not in ck or not ck.get("plc"):
        print("error: needs a compact checkpoint with codebooks and PLC (export.py)", file=sys.stderr)
        return 2
    dec, _ = E.load_decoder(args.checkpoint)
    plc = M.PLC()
    plc.load_state_dict({k: v.float() for k, v in ck["plc"].items()})
    plc.eval()
    q = Quantiser({k: v.float().numpy() for k, v in ck["codebooks"].items()})
    sets = [("report set", load_reportset(args.reportset))]
    if args.limit:
        sets[0] = (sets[0][0], sets[0][1][:args.limit])
    if args.valid_corpus:
        sets.append(("valid split", load_valid(args.valid_corpus, args.valid_per_speaker)))
    blob = {"checkpoint": os.path.basename(args.checkpoint),
            "step": ck.get("state", {}).get("step", "?"), "sets": {}}
    for label, items in sets:
        res = run_set(items, dec, plc, q, pesq_prog, not args.no_loss, label, args.c_codec,
                      args.systems.split(",") if args.systems else None)
        summ = summarise(res)
        blob["sets"][label] = {
            "summary": [dict(system=s, condition=c, **v) for (s, c), v in summ.items()],
            "groups_clean": by_group(res), "files": res}
    text = render(blob, pesq_prog is not None)
    print(text)
    if args.md:
        with open(args.md, "w", encoding="utf-8") as f:
            f.write(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(blob, f, indent=1, default=float)
    if args.json_summary:
        small = dict(blob, sets={k: {kk: vv for kk, vv in v.items() if kk != "files"}
                                 for k, v in blob["sets"].items()})
        with open(args.json_summary, "w", encoding="utf-8") as f:
            json.dump(small, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
