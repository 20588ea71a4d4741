"""Per-file evaluation: run every system under every condition and score the result.

Conditions:
  clean          the file as is;
  noisy          noise added to the INPUT at a given SNR; scored against the clean file;
  loss-<m>-<p>   clean input, packet-loss model m at p %, for systems that support loss.

All randomness comes from numpy Generators seeded with (seed, file, purpose), so
results do not depend on which files are selected or in which order.
"""

import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass

import numpy as np

from quality_lib import audio_io, codecs, loss, noise, spectral
from quality_lib.align import align_signals
from quality_lib.stoi import estoi, stoi
from quality_lib.wer import word_errors

FS = codecs.FS
HEADROOM = 0.99        # peak allowed for the noisy input (full scale 1.0)


@dataclass
class Condition:
    name: str                   # label in tables
    kind: str                   # "clean", "noisy" or "loss"
    loss_model: str = ""        # "random" or "burst" (kind "loss")
    loss_rate: float = 0.0      # fraction of packets lost (kind "loss")
    burst_len: float = 1.0      # mean burst, packets (model "burst")


@dataclass
class Settings:
    seed: int = 1                     # master seed
    snr_db: float = 10.0              # noisy-condition SNR, dB
    noise_kind: str = "speech"        # "speech" (speech-shaped) or "white"
    max_lag_s: float = 0.2            # alignment search range, seconds
    audio_dir: str = ""               # keep decoded audio here; "" = discard
    wer_on_loss: bool = False         # also transcribe loss conditions (slow)


def make_conditions(snr_db, loss_rates, burst_len, with_noise=True):
    """Standard condition list: clean, noisy, then random and burst loss at each rate."""
    conditions = [Condition("clean", "clean")]
    if with_noise:
        conditions.append(Condition("noisy-%gdB" % snr_db, "noisy"))
    for model in loss.LOSS_MODELS:
        for rate in loss_rates:
            conditions.append(Condition("loss-%s-%g%%" % (model, 100.0 * rate), "loss",
                                        model, rate, burst_len if model == "burst" else 1.0))
    return conditions


def rng_for(seed, *labels):
    """A Generator that depends only on the seed and the given labels."""
    keys = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng(keys)


def score(reference, decoded, max_lag_s):
    """Align decoded to reference and compute STOI, ESTOI, LSD, MCD; returns a dict."""
    ref, deg, lag = align_signals(reference, decoded, FS, max_lag_s)
    metrics = {"lag_ms": 1000.0 * lag / FS, "scored_s": ref.size / FS}
    if ref.size == 0:
        nan = float("nan")
        metrics.update(stoi=nan, estoi=nan, lsd=nan, mcd=nan)
        return metrics
    metrics["stoi"] = stoi(ref, deg, FS)
    metrics["estoi"] = estoi(ref, deg, FS)
    metrics["lsd"] = spectral.log_spectral_distance(ref, deg, FS)
    metrics["mcd"] = spectral.mel_cepstral_distortion(ref, deg, FS)
    return metrics


def _prepare_inputs(item, settings, work):
    clean = audio_io.load_audio(item.path, FS, work)
    clean_wav = os.path.join(work, "input_clean.wav")
    audio_io.write_wav16(clean_wav, clean, FS)
    clean, _ = audio_io.read_wav(clean_wav)      # the exact 16-bit samples the codecs see
    noisy = noise.add_noise(clean, settings.snr_db, settings.noise_kind,
                            rng_for(settings.seed, item.rel, "noise"))
    # Scale reference and input together if the mixture would clip.
    gain = min(1.0, HEADROOM / max(float(np.max(np.abs(noisy))), 1e-12))
    noisy_wav = os.path.join(work, "input_noisy.wav")
    audio_io.write_wav16(noisy_wav, noisy * gain, FS)
    return {"clean": (clean_wav, clean), "noisy": (noisy_wav, clean * gain)}


def _run_system(system, condition, inputs, item, settings, work):
    """Returns (decoded path, payload bits or None, realised loss or None, reference)."""
    kind = "noisy" if condition.kind == "noisy" else "clean"
    in_wav, reference = inputs[kind]
    out_path = os.path.join(work, "%s__%s.wav" % (system.name, condition.name.replace("%", "pct")))
    if condition.kind != "loss":
        return out_path, system.code(in_wav, out_path, work), None, reference

    def pattern_for(n_packets):
        rng = rng_for(settings.seed, item.rel, condition.name)
        return loss.loss_pattern(condition.loss_model, n_packets, condition.loss_rate, rng,
                                 condition.burst_len)

    bits, realised = system.code_lossy(in_wav, out_path, work, pattern_for, condition)
    return out_path, bits, realised, reference


def _keep_audio(path, item, settings):
    folder = os.path.join(settings.audio_dir, os.path.splitext(item.rel)[0])
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(path, os.path.join(folder, os.path.basename(path)))


def evaluate_item(item, systems, conditions, settings, recogniser=None, work_root=None):
    """Return one result dict per (system, condition) pair run on `item`.

    Loss conditions run only for systems with supports_loss. `recogniser` (or
    None) transcribes decoded audio when the item has a transcript.
    """
    rows = []
    with tempfile.TemporaryDirectory(prefix="quality-", dir=work_root) as work:
        inputs = _prepare_inputs(item, settings, work)
        seconds = inputs["clean"][1].size / FS
        for condition in conditions:
            for system in systems:
                if condition.kind == "loss" and not system.supports_loss:
                    continue
                out_path, bits, realised, reference = _run_system(
                    system, condition, inputs, item, settings, work)
                decoded = audio_io.load_audio(out_path, FS, work)
                row = {"file": item.rel, "speaker": item.speaker, "system": system.name,
                       "condition": condition.name, "seconds": seconds,
                       "payload_bits": bits, "loss_realised": realised}
                row["kbps"] = bits / seconds / 1000.0 if bits is not None else None
                row.update(score(reference, decoded, settings.max_lag_s))
                transcribe = condition.kind != "loss" or settings.wer_on_loss
                row.update(_transcribe(recogniser if transcribe else None, item, decoded, work))
                if settings.audio_dir:
                    _keep_audio(out_path, item, settings)
                rows.append(row)
    return rows


def _transcribe(recogniser, item, decoded, work):
    if recogniser is None or not item.transcript:
        return {"wer_errors": None, "wer_words": None, "hypothesis": None}
    asr_wav = os.path.join(work, "_asr.wav")
    peak = float(np.max(np.abs(decoded))) if decoded.size else 0.0
    audio_io.write_wav16(asr_wav, decoded / peak * HEADROOM if peak > 1.0 else decoded, FS)
    hypothesis = recogniser.transcribe(asr_wav)
    errors, words = word_errors(item.transcript, hypothesis)
    return {"wer_errors": errors, "wer_words": words, "hypothesis": hypothesis}
