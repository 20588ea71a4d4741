#!/usr/bin/python3
"""Builds the held-out report set from local bare copies of the source repositories.

Every source here is reserved for evaluation and disjoint from the training corpus
(REPORTSET.md lists each one, its pinned commit, licence and attribution).  Audio
blobs are read straight out of bare git repositories (`git cat-file --batch`) at
pinned commits, decoded, downmixed, resampled to 16 kHz (scipy resample_poly),
edge silence trimmed, cut to at most --max-seconds at the quietest 20 ms frame
near the limit, set to -26 dBov active level (peak capped at -1 dBFS) and written
as 16-bit FLAC, with OUT/manifest.tsv holding one row per file and its group
columns (speaker, gender, age, accent, language, source, lossless, licence).

A mirror of GitHub repository OWNER/NAME is looked up as DIR/OWNER+NAME/repo or
DIR/OWNER+NAME.  Deterministic: fixed file lists, sorted order, no randomness.

  /usr/bin/python3 scripts/train/reportset.py --mirror-root DIR --out OUT [--lossless-only]
"""
import argparse
import io
import os
import re
import sys
from math import gcd

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

# the bare-repository reader and the corpus's silence rules, shared with the training data
from extra_corpus import GitReader, find_git_dir, frame_db, trim  # noqa: E402

SR = 16000
TARGET_DBOV = -26.0
PEAK_DBFS = -1.0
FRAME = 320                       # 20 ms
MIN_SECONDS = 1.0
COLUMNS = ("path", "speaker_id", "source", "gender", "age", "accent", "language",
           "lossless", "seconds", "license")

RESEMBLYZER = "15d828edebe06bc72b9cabc8ef8ca5ab2cb457ce"
RTVC = "865eba8826bb6d76721a9d828a546724779c23ab"
LIBROSA = "450cdd8a002c98e7bdbfebb309fc1ed024001f77"
WHISPER_CPP = "86a277f78dbcd8c7f23ebf3d6826c00e9048ce9b"
DEEPSPEECH = "6913ae817bc09159c64def7f130708682c197ba3"
LYRA = "47698dadf0010abff6a848e02642f55f806d4842"
LYRA_V1 = "7c06abcd06030bc5f854eb616ecaaf8dbf8bf4a2"   # initial commit: top-level testdata/ (removed later)
LIBRI_LICENSE = "CC-BY-4.0 (LibriSpeech, V. Panayotov et al.)"
LIBRI_ACCENT = "English, accent not recorded (LibriVox reader)"
LIBRI_SPEAKERS = ("resemble-ai/Resemblyzer", RESEMBLYZER,
                  "audio_data/librispeech_train-clean-100/SPEAKERS.TXT")
TEST_OTHER = (367, 533, 1688, 1998, 2033, 2414, 2609, 3005, 3080, 3331)
# One train-clean-100 file per speaker in the Resemblyzer copy; these 8 (4 F, 4 M,
# the lowest ids of each gender) widen the speaker count.  Training on LibriSpeech
# train-clean-100 later must leave these speakers out.
TRAIN100_F = (19, 32, 39, 40)
TRAIN100_M = (26, 27, 60, 78)
FILES_PER_TEST_OTHER_SPEAKER = 3


def libri_files():
    """(repo, commit, path, source, speaker number, lossless) for the LibriSpeech material."""
    rows = []
    for spk in TEST_OTHER:
        rows.append(("resemble-ai/Resemblyzer", RESEMBLYZER,
                     f"audio_data/librispeech_test-other/{spk}/", "libri_test_other", spk, True))
    for spk in TRAIN100_F + TRAIN100_M:
        rows.append(("resemble-ai/Resemblyzer", RESEMBLYZER,
                     f"audio_data/librispeech_train-clean-100/{spk}-", "libri_train100", spk, True))
    for name, spk in (("1320_00000", 1320), ("3575_00000", 3575), ("6829_00000", 6829),
                      ("8230_00000", 8230)):
        rows.append(("CorentinJ/Real-Time-Voice-Cloning", RTVC, f"samples/{name}.mp3",
                     "libri_test_clean_mp3", spk, False))
    for name in ("198-209-0000", "3436-172162-0000", "5703-47212-0000"):
        rows.append(("librosa/data", LIBROSA, f"audio/{name}.hq.ogg", "libri_train_ogg",
                     int(name.split("-")[0]), False))
    return rows


# Single files whose speaker metadata comes from their sources (REPORTSET.md).
# (repo, commit, path, source, speaker_id, gender, age, accent, language, lossless, licence)
SINGLE = [
    ("ggerganov/whisper.cpp", WHISPER_CPP, "bindings/go/samples/jfk.wav", "jfk_1961",
     "jfk", "M", "adult", "US English (Boston)", "en", True,
     "public domain (US government work, 1961 inaugural address)"),
    ("CorentinJ/Real-Time-Voice-Cloning", RTVC, "samples/p240_00000.mp3", "vctk_mp3",
     "vctk_p240", "F", "adult", "UK English (Southern England)", "en", False,
     "CC-BY-4.0 (CSTR VCTK Corpus 0.92)"),
    ("CorentinJ/Real-Time-Voice-Cloning", RTVC, "samples/p260_00000.mp3", "vctk_mp3",
     "vctk_p260", "M", "adult", "UK English (Scottish)", "en", False,
     "CC-BY-4.0 (CSTR VCTK Corpus 0.92)"),
    ("mozilla/DeepSpeech", DEEPSPEECH, "data/smoke_test/russian_sample_data/ru.wav",
     "deepspeech_ru", "deepspeech_ru", "unknown", "adult", "Russian (native)", "ru", True,
     "MPL-2.0 (repository licence; recording's origin not stated)"),
    ("mozilla/DeepSpeech", DEEPSPEECH, "data/smoke_test/LDC93S1.wav", "timit_sample",
     "ldc93s1", "F", "adult", "US English", "en", True,
     "LDC TIMIT sample (LDC93S1), freely distributed sample; measurement use only"),
    ("mozilla/DeepSpeech", DEEPSPEECH, "data/smoke_test/new-home-in-the-stars-16k.wav",
     "deepspeech_en", "deepspeech_newhome", "unknown", "adult", "English, accent not recorded",
     "en", True, "MPL-2.0 (repository licence; recording's origin not stated)"),
    ("google/lyra", LYRA, "lyra/testdata/sample1_48kHz.wav", "lyra", "lyra_sample1",
     "unknown", "unknown", "not recorded", "unknown", True, "Apache-2.0 (repository licence)"),
    ("google/lyra", LYRA, "lyra/testdata/sample2_48kHz.wav", "lyra", "lyra_sample2",
     "unknown", "unknown", "not recorded", "unknown", True, "Apache-2.0 (repository licence)"),
    ("google/lyra", LYRA_V1, "testdata/48khz_sample_000003.wav", "lyra", "lyra_000003",
     "unknown", "unknown", "not recorded", "unknown", True, "Apache-2.0 (repository licence)"),
    ("google/lyra", LYRA_V1, "testdata/32khz_sample_000002.wav", "lyra", "lyra_000002",
     "unknown", "unknown", "not recorded", "unknown", True, "Apache-2.0 (repository licence)"),
    ("google/lyra", LYRA_V1, "testdata/16khz_sample_000001.wav", "lyra", "lyra_000001",
     "unknown", "unknown", "not recorded", "unknown", True, "Apache-2.0 (repository licence)"),
]


def list_paths(reader, commit, prefix):
    """Blob paths under prefix, which may end in a partial file name ("dir/name-")."""
    return sorted(p for p, _sha in reader.ls_tree(commit, os.path.dirname(prefix) or ".")
                  if p.startswith(prefix))


def cut(x, max_seconds):
    """At most max_seconds, ending at the quietest 20 ms frame of the last 2 s before it."""
    n = int(max_seconds * SR)
    if len(x) <= n:
        return x
    lo = max(0, n - 2 * SR)
    e = frame_db(x[lo:n])
    return x[:lo + (int(np.argmin(e)) + 1) * FRAME]


def normalise(x):
    e = frame_db(x)
    act = e[e > max(e.max() - 30.0, -60.0)]
    level = 10 * np.log10(np.mean(10 ** (act / 10)))
    gain_db = min(TARGET_DBOV - level, PEAK_DBFS - 20 * np.log10(np.abs(x).max()))
    return x * 10 ** (gain_db / 20)


def decode(data, path):
    """Any format libsndfile reads (WAV, FLAC, Ogg Vorbis, MP3) -> (mono float64 at 16 kHz,
    original rate)."""
    x, sr = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
    x = x.mean(axis=1)
    if sr < SR:
        raise ValueError(f"{path}: {sr} Hz is under 16 kHz")
    if sr != SR:
        g = gcd(SR, sr)
        x = resample_poly(x, SR // g, sr // g)
    return x, sr


def libri_genders(readers):
    repo, commit, path = LIBRI_SPEAKERS
    text = readers[repo].read(f"{commit}:{path}").decode("utf-8", "replace")
    out = {}
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) >= 3 and parts[0].isdigit():
            out[int(parts[0])] = parts[1]
    return out


def plan(readers, genders):
    """Every file to build, as (repo, commit, path, metadata dict)."""
    items = []
    for repo, commit, prefix, source, spk, lossless in libri_files():
        paths = list_paths(readers[repo], commit, prefix) if prefix.endswith(("/", "-")) else [prefix]
        if source == "libri_test_other":
            paths = paths[:FILES_PER_TEST_OTHER_SPEAKER]
        for p in paths:
            items.append((repo, commit, p, dict(
                speaker_id=f"libri_{spk}", source=source, gender=genders.get(spk, "unknown"),
                age="adult", accent=LIBRI_ACCENT, language="en",
                lossless="yes" if lossless else "no", license=LIBRI_LICENSE)))
    for (repo, commit, p, source, spk, gender, age, accent, lang, lossless, lic) in SINGLE:
        items.append((repo, commit, p, dict(
            speaker_id=spk, source=source, gender=gender, age=age, accent=accent,
            language=lang, lossless="yes" if lossless else "no", license=lic)))
    return items


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror-root", required=True, help="folder of bare copies (OWNER+NAME/repo)")
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--max-seconds", type=float, default=10.0)
    ap.add_argument("--lossless-only", action="store_true",
                    help="leave out the MP3 and Ogg Vorbis sources")
    args = ap.parse_args(argv)
    repos = sorted({r for r, *_ in libri_files()} | {s[0] for s in SINGLE} | {LIBRI_SPEAKERS[0]})
    readers = {}
    for repo in repos:
        gd = find_git_dir(args.mirror_root, repo)
        if gd is None:
            print(f"error: no bare copy of {repo} under {args.mirror_root} "
                  f"(expected {repo.replace('/', '+')}/repo)", file=sys.stderr)
            return 2
        readers[repo] = GitReader(gd)
    genders = libri_genders(readers)
    rows, seen = [], set()
    for repo, commit, path, meta in plan(readers, genders):
        if meta["lossless"] == "no" and args.lossless_only:
            continue
        data = readers[repo].read(f"{commit}:{path}")
        if data.startswith(b"version https://git-lfs"):
            print(f"error: {repo}:{path} is a Git LFS pointer", file=sys.stderr)
            return 1
        x, _sr = decode(data, path)
        key = hash(np.round(x[:SR] * 32768).astype(np.int16).tobytes())
        if key in seen:
            print(f"skipped duplicate audio {repo}:{path}")
            continue
        seen.add(key)
        y = trim(x)
        y = cut(y, args.max_seconds)
        if len(y) < MIN_SECONDS * SR:
            print(f"skipped {repo}:{path}: under {MIN_SECONDS} s of speech")
            continue
        y = normalise(y)
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.splitext(os.path.basename(path))[0])
        rel = f"{meta['source']}/{meta['speaker_id']}/{stem}.flac"
        dst = os.path.join(args.out, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        pcm = np.clip(np.round(y * 32767.0), -32768, 32767).astype(np.int16)
        sf.write(dst, pcm, SR, format="FLAC", subtype="PCM_16")
        rows.append(dict(meta, path=rel, seconds=f"{len(y) / SR:.3f}"))
    for r in readers.values():
        r.close()
    rows.sort(key=lambda r: r["path"])
    with open(os.path.join(args.out, "manifest.tsv"), "w", encoding="utf-8") as f:
        f.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            f.write("\t".join(str(r[c]).replace("\t", " ") for c in COLUMNS) + "\n")
    secs = sum(float(r["seconds"]) for r in rows)
    print(f"{len(rows)} files, {len({r['speaker_id'] for r in rows})} speakers, "
          f"{secs / 60:.1f} min -> {args.out}/manifest.tsv")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
