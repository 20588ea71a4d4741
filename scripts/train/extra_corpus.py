#!/usr/bin/python3
"""Build extra real-human speech for codec training from local bare git copies of the source repositories.

Reads audio blobs straight out of bare git repositories (git cat-file --batch),
never from a work tree. Output: 16 kHz, mono, 16-bit FLAC, trimmed, level-normalised
to about -26 dBov, clips under 1 s dropped, plus OUT/manifest.tsv in the same form as
the base corpus manifest.tsv (path, speaker_id, source, license, seconds, transcript)
and OUT/speakers.tsv. Deterministic: fixed source list, sorted order, no randomness.

Usage:
  /usr/bin/python3 build.py --mirror-root DIR --out DIR [--include-inferred] [--include-unclear]
                                  [--only NAME ...]

A mirror for GitHub repository OWNER/NAME is looked up as DIR/OWNER+NAME/repo (the
layout of the local copies) or DIR/OWNER+NAME if that is itself a git dir.
Needs numpy, scipy and soundfile (Debian: python3-numpy python3-scipy python3-soundfile).
"""
import argparse
import hashlib
import io
import os
import re
import subprocess
import sys
import time
from math import gcd

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

TARGET_SR = 16000
MIN_SECONDS = 1.0
TARGET_DBOV = -26.0
PEAK_CEIL_DBFS = -1.0

# --------------------------------------------------------------------------------------
# Held-out evaluation material: must never enter training.
# --------------------------------------------------------------------------------------
BLOCKED_REPOS = {  # whole repositories that are skipped, whatever path is asked for
    "resemble-ai/resemblyzer", "openai/whisper", "mozilla/deepspeech", "google/lyra",
    # also reserved by the base training corpus README for the independent evaluation set:
    "librosa/librosa", "librosa/data", "ggerganov/whisper.cpp", "pytorch/audio",
    "corentinj/real-time-voice-cloning",
}
# LibriSpeech eval speakers (test-other first; test-clean, dev-clean, dev-other too,
# since the base training corpus README reserves all LibriSpeech test and dev sets).
LIBRI_TEST_OTHER = {
    367, 533, 1688, 1998, 2033, 2414, 2609, 3005, 3080, 3331, 3528, 3538, 3764, 3997,
    4198, 4294, 4350, 4852, 5442, 5484, 5764, 6070, 6128, 6432, 6938, 7018, 7105, 7902,
    7975, 8131, 8188, 8280, 8461,
}
LIBRI_TEST_CLEAN = {
    61, 121, 237, 260, 672, 908, 1089, 1188, 1221, 1284, 1320, 1580, 1995, 2094, 2300,
    2830, 2961, 3570, 3575, 3729, 4077, 4446, 4507, 4970, 4992, 5105, 5142, 5639, 5683,
    6829, 6930, 7021, 7127, 7176, 7729, 8224, 8230, 8455, 8463, 8555,
}
LIBRI_DEV = {
    84, 174, 251, 422, 652, 777, 1272, 1462, 1673, 1919, 1988, 1993, 2035, 2078, 2086,
    2277, 2412, 2428, 2803, 2902, 3000, 3081, 3170, 3536, 3576, 3752, 3853, 5338, 5536,
    5694, 5895, 6241, 6295, 6313, 6319, 6345, 7850, 7976, 8297, 8842,
    116, 1255, 1585, 1630, 1650, 1651, 1686, 1701, 2506, 3660, 3663, 3915, 4153, 4323,
    4515, 4570, 4572, 4831, 5543, 5849, 6123, 6267, 6455, 6467, 6599, 6841, 7601, 7641,
    7697, 8173, 8254, 8288,
}
LIBRI_BLOCKED_SPEAKERS = LIBRI_TEST_OTHER | LIBRI_TEST_CLEAN | LIBRI_DEV
# LibriSpeech "SPK-CH-UTT.flac" and LibriTTS "SPK_CH_PARA_SENT.wav" names
LIBRI_NAME = re.compile(r"(?:^|/)(\d+)[-_](\d+)[-_](\d+)(?:_\d+)?\.(?:flac|wav)$")
BLOCKED_PATH = re.compile(
    r"(test[-_]?other|test[-_]?clean|dev[-_]?other|dev[-_]?clean|"
    r"(?:^|/)jfk\.(?:flac|wav)$|arctic_a0024|smoke[-_]?test|"
    r"clean_test|noise_test|audio_data/|testdata/)", re.I)


def blocked(repo, path):
    """Return a reason string if (repo, path) is held-out material, else None."""
    if repo.lower() in BLOCKED_REPOS:
        return "blocked repository"
    if BLOCKED_PATH.search(path):
        return "blocked path pattern"
    m = LIBRI_NAME.search(path)
    if m and int(m.group(1)) in LIBRI_BLOCKED_SPEAKERS:
        return "LibriSpeech eval speaker"
    return None


# --------------------------------------------------------------------------------------
# Sources. Each: repo, pinned commit, folder, how to name speakers, licence text.
# tier: "verified"  licence and provenance both checked -> always built;
#       "inferred"  licence clear, provenance inferred from file naming -> --include-inferred;
#       "unclear"   real speech, licence not explicit                   -> --include-unclear.
# --------------------------------------------------------------------------------------
def _vcc_speaker(path):
    return "vcc2016_" + path.split("/")[-2]


def _dctts_transcripts(read_blob_by_path):
    text = read_blob_by_path("LJSpeech-1.1/transcript.csv").decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        parts = line.split("|")
        if len(parts) >= 2:
            out[parts[0].strip()] = parts[1].strip()
    return out


SOURCES = [
    dict(
        name="vcc2016",
        repo="k2kobayashi/sprocket",
        commit="cab2e150686fbad87ba15959ca8741d709556943",
        prefix="example/data/wav/",
        speaker=_vcc_speaker,
        license="ODC-By-1.0 (VCC2016 database, Edinburgh DataShare 10283/2211)",
        transcripts=None,
        tier="verified",
    ),
    dict(
        name="mssnsd_syn",
        repo="haroitman/nsnet_implementation",
        commit="9335f8a8069f737e37b31fe980f8097dd39495fc",
        prefix="CleanSpeech_training/",
        # MS-SNSD synthesizer output: 1-3 clean clips concatenated, speakers not recorded.
        speaker=lambda path: "mssnsd_mixed",
        license="CC-BY-4.0 (Edinburgh 56-speaker set) / ODbL-1.0 (PTDB-TUG), via MS-SNSD clean_train",
        transcripts=None,
        tier="inferred",
    ),
    dict(
        name="dctts_pm",
        repo="PhilippMatthes/dc_tts",
        commit="5f20e75b5c454b22f9f7dcaa2f7282bada93c1eb",
        prefix="LJSpeech-1.1/wavs/",
        speaker=lambda path: "dctts_pmatthes",
        license="Apache-2.0 (repository LICENSE; no separate notice on the recordings)",
        transcripts=_dctts_transcripts,
        tier="unclear",
    ),
]
AUDIO_EXT = (".wav", ".flac")
LOSSY_EXT = (".mp3", ".ogg", ".opus", ".m4a", ".aac", ".wma", ".webm")


# --------------------------------------------------------------------------------------
class GitReader:
    """Reads blobs from a bare repository through one `git cat-file --batch` process."""

    def __init__(self, git_dir):
        self.git_dir = git_dir
        self.proc = subprocess.Popen(
            ["git", "--git-dir", git_dir, "cat-file", "--batch"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def read(self, spec):
        self.proc.stdin.write(spec.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            raise KeyError(f"{spec}: {' '.join(header)}")
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # trailing LF
        return data

    def ls_tree(self, commit, prefix):
        out = subprocess.run(
            ["git", "--git-dir", self.git_dir, "ls-tree", "-r", "-z", commit, "--", prefix],
            check=True, capture_output=True).stdout.decode()
        rows = []
        for entry in filter(None, out.split("\0")):
            meta, path = entry.split("\t", 1)
            _mode, typ, sha = meta.split()
            if typ == "blob":
                rows.append((path, sha))
        return sorted(rows)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def find_git_dir(mirror_root, repo):
    base = os.path.join(mirror_root, repo.replace("/", "+"))
    for cand in (os.path.join(base, "repo"), base):
        if os.path.isfile(os.path.join(cand, "HEAD")) and os.path.isdir(os.path.join(cand, "objects")):
            return cand
    return None


# --------------------------------------------------------------------------------------
def to_16k_mono(x, sr):
    if x.ndim == 2:
        x = x.mean(axis=1)
    if sr != TARGET_SR:
        g = gcd(TARGET_SR, sr)
        x = resample_poly(x, TARGET_SR // g, sr // g)  # Kaiser-windowed FIR, deterministic
    return x.astype(np.float64)


def frame_db(x, n=320):
    m = len(x) // n
    if m == 0:
        return np.array([-120.0])
    f = x[: m * n].reshape(m, n)
    return 10 * np.log10((f ** 2).mean(axis=1) + 1e-12)


def trim(x, n=320, margin=2400):
    """Same rule as the base corpus: 20 ms frames, threshold max(peak-40 dB, -55 dBFS),
    keep 150 ms of margin either side."""
    e = frame_db(x, n)
    thr = max(e.max() - 40.0, -55.0)
    idx = np.nonzero(e > thr)[0]
    if len(idx) == 0:
        return x[:0]
    a = max(0, idx[0] * n - margin)
    b = min(len(x), (idx[-1] + 1) * n + margin)
    return x[a:b]


def active_level_db(x, n=320):
    """Active-speech RMS (dBov, full scale = 1.0): RMS over 20 ms frames louder than
    max(loudest frame - 30 dB, -60 dBov). A simple stand-in for ITU-T P.56."""
    e = frame_db(x, n)
    thr = max(e.max() - 30.0, -60.0)
    act = e[e > thr]
    return 10 * np.log10(np.mean(10 ** (act / 10))) if len(act) else -120.0


def normalise(x):
    lvl = active_level_db(x)
    gain_db = TARGET_DBOV - lvl
    peak = np.abs(x).max()
    if peak > 0:
        gain_db = min(gain_db, PEAK_CEIL_DBFS - 20 * np.log10(peak))
    y = x * 10 ** (gain_db / 20)
    return y, lvl + gain_db


def encode_pcm16(x):
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


# --------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror-root", required=True,
                    help="folder holding the bare repository copies (OWNER+NAME/repo)")
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--include-inferred", action="store_true",
                    help="also build sources whose provenance is inferred, not verified (see codec/MODEL.md, training data)")
    ap.add_argument("--include-unclear", action="store_true",
                    help="also build sources whose licence is not explicit (see codec/MODEL.md, training data)")
    ap.add_argument("--only", nargs="*", default=None, help="build only these source names")
    args = ap.parse_args()

    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    rows, stats = [], []
    seen_blobs, seen_pcm = set(), set()  # exact-duplicate removal across all sources
    for src in SOURCES:
        if args.only is not None and src["name"] not in args.only:
            continue
        if src["tier"] == "inferred" and not args.include_inferred:
            print(f"[{src['name']}] skipped: provenance inferred (use --include-inferred)")
            continue
        if src["tier"] == "unclear" and not args.include_unclear:
            print(f"[{src['name']}] skipped: licence not explicit (use --include-unclear)")
            continue
        reason = blocked(src["repo"], "")
        if reason:
            print(f"[{src['name']}] refused: {reason}")
            continue
        gd = find_git_dir(args.mirror_root, src["repo"])
        if gd is None:
            print(f"[{src['name']}] missing mirror of {src['repo']} under --mirror-root; skipped")
            continue
        g = GitReader(gd)
        trans = {}
        if src["transcripts"]:
            trans = src["transcripts"](lambda p: g.read(f"{src['commit']}:{p}"))
        c = dict(name=src["name"], seen=0, kept=0, secs=0.0, lfs=0, lossy=0, lowsr=0, dup=0,
                 short=0, held_out=0, bad=0, limited=0, speakers=set())
        for path, sha in g.ls_tree(src["commit"], src["prefix"]):
            low = path.lower()
            if low.endswith(LOSSY_EXT):
                c["lossy"] += 1
                continue
            if not low.endswith(AUDIO_EXT):
                continue
            c["seen"] += 1
            if blocked(src["repo"], path):
                c["held_out"] += 1
                continue
            if sha in seen_blobs:
                c["dup"] += 1
                continue
            seen_blobs.add(sha)
            data = g.read(sha)
            if data.startswith(b"version https://git-lfs"):
                c["lfs"] += 1
                continue
            try:
                info = sf.info(io.BytesIO(data))
                if info.format not in ("WAV", "WAVEX", "FLAC", "RF64"):
                    c["lossy"] += 1
                    continue
                x, sr = sf.read(io.BytesIO(data), dtype="float64", always_2d=False)
            except Exception as e:  # noqa: BLE001
                print(f"  unreadable {path}: {e}")
                c["bad"] += 1
                continue
            if sr < TARGET_SR:
                c["lowsr"] += 1
                continue
            pcm_key = hashlib.sha1(np.ascontiguousarray(x).tobytes()).digest()
            if pcm_key in seen_pcm:
                c["dup"] += 1
                continue
            seen_pcm.add(pcm_key)
            y = trim(to_16k_mono(x, sr))
            if len(y) < MIN_SECONDS * TARGET_SR:
                c["short"] += 1
                continue
            y, lvl = normalise(y)
            if lvl < TARGET_DBOV - 0.5:
                c["limited"] += 1
            spk = src["speaker"](path)
            stem = os.path.splitext(os.path.basename(path))[0]
            rel = f"train/{src['name']}/{spk}/{spk}_{stem}.flac"
            dst = os.path.join(args.out, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            sf.write(dst, encode_pcm16(y), TARGET_SR, format="FLAC", subtype="PCM_16")
            secs = len(y) / TARGET_SR
            rows.append((rel, spk, src["name"], src["license"], f"{secs:.3f}",
                         trans.get(stem, "").replace("\t", " ")))
            c["kept"] += 1
            c["secs"] += secs
            c["speakers"].add(spk)
        g.close()
        stats.append(c)
        print(f"[{c['name']}] {src['repo']}@{src['commit'][:7]}: kept {c['kept']}/{c['seen']} "
              f"({c['secs'] / 3600:.3f} h, {len(c['speakers'])} speakers); dropped: short {c['short']}, "
              f"held-out {c['held_out']}, duplicate {c['dup']}, LFS {c['lfs']}, lossy {c['lossy']}, <16 kHz {c['lowsr']}, "
              f"unreadable {c['bad']}; peak-limited below target {c['limited']}")

    rows.sort()
    with open(os.path.join(args.out, "manifest.tsv"), "w", newline="") as f:
        f.write("path\tspeaker_id\tsource\tlicense\tseconds\ttranscript\n")
        for r in rows:  # plain TSV, no quoting (same form as the base corpus manifest.tsv)
            f.write("\t".join(str(v).replace("\t", " ").replace("\n", " ") for v in r) + "\n")
    spk = {}
    for rel, s, srcname, _lic, secs, _t in rows:
        d = spk.setdefault(s, [srcname, 0, 0.0])
        d[1] += 1
        d[2] += float(secs)
    with open(os.path.join(args.out, "speakers.tsv"), "w") as f:
        f.write("speaker_id\tsource\tfiles\tseconds\n")
        for s in sorted(spk):
            f.write(f"{s}\t{spk[s][0]}\t{spk[s][1]}\t{spk[s][2]:.3f}\n")
    total = sum(float(r[4]) for r in rows)
    print(f"TOTAL {len(rows)} files, {total / 3600:.3f} h, {len(spk)} speakers, "
          f"{time.time() - t0:.1f} s")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
