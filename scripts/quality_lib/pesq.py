"""Wideband PESQ (ITU-T P.862.2) through an external measuring program.

The P.862 reference code is not part of this project and is never shipped with
it; a developer builds it locally from a public copy (see
scripts/train/REPORTSET.md) and names the program in SOTTO_PESQ or with
`program=`. It is run like the ITU program: `PROGRAM +16000 +wb REF DEG`, on
raw native-endian 16-bit files, and its "P.862.2 Prediction (MOS-LQO): = X"
line is parsed.
"""

import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

ENV = "SOTTO_PESQ"
FS = 16000
_SCORE = re.compile(r"P\.862\.2 Prediction \(MOS-LQO\):\s*=\s*([0-9.]+)")
_TIMEOUT_S = 120


class PesqUnavailable(RuntimeError):
    """No PESQ program was configured or it cannot be run."""


def find_program(program=None):
    """Path of the PESQ program (argument, else $SOTTO_PESQ); raises PesqUnavailable."""
    name = program or os.environ.get(ENV)
    if not name:
        raise PesqUnavailable(
            "wideband PESQ needs the ITU-T P.862 reference program: build it from a public "
            "copy (scripts/train/REPORTSET.md) and set %s to its path" % ENV)
    path = name if os.path.sep in name else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise PesqUnavailable("%s=%s is not an executable program" % (ENV, name))
    return path


def _write_raw(path, x):
    pcm = np.clip(np.round(np.asarray(x, np.float64) * 32768.0), -32768, 32767)
    pcm.astype(np.int16).tofile(path)


def parse_score(text):
    """MOS-LQO from the program's output, or None when it printed no wideband score."""
    m = _SCORE.search(text)
    return float(m.group(1)) if m else None


def pesq_wb(ref, deg, program=None):
    """P.862.2 MOS-LQO of `deg` against `ref` (16 kHz float arrays in [-1, 1)).

    The program aligns the two itself (per utterance), so no alignment is needed
    here beyond what the caller already did. Raises ValueError on input the
    program rejects (too short, silent) and PesqUnavailable without a program.
    """
    prog = find_program(program)
    ref = np.asarray(ref, np.float64).ravel()
    deg = np.asarray(deg, np.float64).ravel()
    if ref.size < FS // 4 or deg.size < FS // 4:
        raise ValueError("PESQ needs at least 0.25 s of audio")
    with tempfile.TemporaryDirectory(prefix="sotto-pesq-") as tmp:
        rp, dp = os.path.join(tmp, "ref.raw"), os.path.join(tmp, "deg.raw")
        _write_raw(rp, ref)
        _write_raw(dp, deg)
        try:
            run = subprocess.run([prog, "+%d" % FS, "+wb", rp, dp], capture_output=True,
                                 text=True, timeout=_TIMEOUT_S, check=False)
        except OSError as e:
            raise PesqUnavailable("cannot run %s: %s" % (prog, e)) from e
        except subprocess.TimeoutExpired as e:
            raise RuntimeError("PESQ program took over %d s" % _TIMEOUT_S) from e
    score = parse_score(run.stdout)
    if score is None:
        tail = (run.stdout + run.stderr).strip().splitlines()[-2:]
        raise ValueError("PESQ gave no wideband score (exit %d): %s"
                         % (run.returncode, " | ".join(tail)))
    return score


def self_check(program=None, seconds=3.0):
    """(score of a signal against itself, score against a 5 dB SNR noisy copy) on a
    synthetic vowel-like signal; the first should be about 4.64, the second far lower."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * FS)) / FS
    f0 = 120.0 + 20.0 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / FS
    x = sum(np.sin(k * phase) / k for k in range(1, 30))
    x *= (0.5 + 0.5 * np.sin(2 * np.pi * 2.0 * t) ** 2)          # syllable-rate envelope
    x = 0.2 * x / np.max(np.abs(x))
    noise = rng.standard_normal(x.size)
    noisy = x + noise * np.sqrt(np.mean(x ** 2) / np.mean(noise ** 2) / 10 ** 0.5)
    return pesq_wb(x, x, program), pesq_wb(x, noisy, program)
