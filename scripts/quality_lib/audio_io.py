"""Audio file helpers: signals are mono float64 in [-1, 1) at a known rate.

WAV files are read with scipy (or, without it, the standard library); anything else (FLAC, other rates, stereo) is
converted with sox first. sox runs with -R so its dither is repeatable.
"""

import os
import subprocess

import numpy as np
from quality_lib import numeric


class ToolError(RuntimeError):
    """An external program failed."""


def run_tool(argv, cwd=None):
    """Run an external program; raise ToolError with its stderr tail when it fails."""
    proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-800:]
        raise ToolError("%s exited with %d: %s" % (argv[0], proc.returncode, tail))
    return proc


def run_shell(command, cwd=None):
    """Run a shell command line (a user-given template); raise ToolError on failure."""
    proc = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-800:]
        raise ToolError("command exited with %d: %s\n%s" % (proc.returncode, command, tail))
    return proc


def _to_float(data):
    if data.dtype == np.int16:
        return data.astype(np.float64) / 32768.0
    if data.dtype == np.int32:
        return data.astype(np.float64) / 2147483648.0
    if data.dtype == np.uint8:
        return (data.astype(np.float64) - 128.0) / 128.0
    if data.dtype in (np.float32, np.float64):
        return data.astype(np.float64)
    raise ValueError("unsupported WAV sample type %s" % data.dtype)


def read_wav(path):
    """Return (samples, rate): mono float64 (channels averaged)."""
    rate, data = numeric.read_wav(path)
    samples = _to_float(data)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    return samples, int(rate)


def write_wav16(path, samples, rate):
    """Write mono 16-bit PCM; samples outside [-1, 1) are clipped."""
    scaled = np.round(np.asarray(samples, dtype=np.float64) * 32768.0)
    numeric.write_wav_int16(path, rate, np.clip(scaled, -32768, 32767).astype(np.int16))


def sox_convert(src, dst, rate, extra_out=()):
    """Convert any sox-readable file to mono 16-bit signed PCM at `rate`."""
    run_tool(["sox", "-R", "-V1", src, "-c", "1", "-b", "16", "-e", "signed-integer",
              "-r", str(rate), *extra_out, dst])


def load_audio(path, rate, workdir):
    """Load `path` as mono float64 at `rate`, converting with sox when needed.

    A temporary file may be written in `workdir` (owned by the caller) and is removed.
    """
    if path.lower().endswith(".wav"):
        try:
            samples, file_rate = read_wav(path)
            if file_rate == rate:
                return samples
        except ValueError:
            pass  # a WAV variant scipy cannot read: let sox handle it
    converted = os.path.join(workdir, "_load_%d.wav" % os.getpid())
    try:
        sox_convert(path, converted, rate)
        samples, _ = read_wav(converted)
    finally:
        if os.path.exists(converted):
            os.remove(converted)
    return samples
