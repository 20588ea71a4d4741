"""Test speech for emulated calls, with no external corpus needed.

By default each direction gets synthetic speech: a fixed list of varied
English sentences spoken by espeak-ng, a different voice (and a different
starting sentence) per direction so the two directions are never confused,
resampled with sox to 16 kHz mono and joined with short pauses. The words
are kept, so the received audio can be scored by word error rate as well.

With a speech directory, its *.wav files (sorted by name) are used instead,
resampled the same way; transcripts come from a manifest.tsv beside them
when there is one (see quality_lib.corpus).
"""

import glob
import os
import shutil
from dataclasses import dataclass, field

import numpy as np

from quality_lib import audio_io, corpus

RATE = 16000            # Hz: every signal this suite scores is at this rate
PAUSE_S = 0.45          # silence after each sentence, seconds
ESPEAK_WPM = 150        # espeak-ng speaking rate, words per minute

# Sentences of different lengths and sound classes (fricatives, plosives,
# nasals, numbers, questions) so that losses anywhere in the band show up.
SENTENCES = (
    "The quick brown fox jumps over the lazy dog.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "Six spoons of fresh snow peas, five thick slabs of blue cheese.",
    "Is the meeting on Tuesday at half past nine, or on Thursday?",
    "We measured the temperature at seven hundred and forty two points.",
    "A rainbow is a division of white light into many beautiful colours.",
    "She sells sea shells by the sea shore every summer morning.",
    "Turn left at the second bridge, then keep going until the old mill.",
    "My phone number is four one five, two six eight, three nine zero one.",
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "Could you repeat the last part? The line was breaking up.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.",
    "Help the woman get back to her feet.",
)

# espeak-ng voices per direction: an American male and a British female.
VOICES = ("en-us", "en-gb+f3")


class SpeechError(RuntimeError):
    """Test speech could not be prepared."""


@dataclass
class Speech:
    samples: np.ndarray           # mono float64 at RATE, exactly the requested length
    source: str                   # "espeak-ng VOICE" or "DIR (N files)"
    transcript: str = ""          # words spoken in full, "" when unknown
    parts: list = field(default_factory=list)  # (start_s, end_s, text or file name)

    @property
    def seconds(self):
        return self.samples.size / RATE


def _espeak_sentence(text, voice, workdir, index):
    raw = os.path.join(workdir, "espeak-%d.wav" % index)
    audio_io.run_tool(["espeak-ng", "-v", voice, "-s", str(ESPEAK_WPM), "-w", raw, text])
    try:
        return audio_io.load_audio(raw, RATE, workdir)
    finally:
        os.remove(raw)


def _fill(pieces, seconds):
    """Join (samples, label, text) pieces with pauses; only whole pieces fit.

    Returns (samples, parts, transcript). The result is padded with silence
    to exactly `seconds`; a piece that would cross the end is left out so
    the transcript stays exact (a piece longer than the whole is cut).
    """
    total = int(round(seconds * RATE))
    pause = np.zeros(int(PAUSE_S * RATE))
    out, parts, words, used = [], [], [], 0
    for samples, label, text in pieces:
        if used + samples.size > total:
            if used == 0:
                out.append(samples[:total])
                parts.append((0.0, seconds, label))
                used = total
            break
        out.append(samples)
        parts.append((used / RATE, (used + samples.size) / RATE, label))
        if text:
            words.append(text)
        used += samples.size
        gap = pause[: max(0, min(pause.size, total - used))]
        out.append(gap)
        used += gap.size
    joined = np.concatenate(out) if out else np.zeros(0)
    joined = np.concatenate([joined, np.zeros(total - joined.size)])
    return joined, parts, " ".join(words)


def espeak_speech(seconds, direction, workdir):
    """Synthetic speech for direction 0 (caller) or 1 (callee); needs espeak-ng and sox.

    Sentences are taken in order from a direction-dependent start, wrapping
    around, until `seconds` is filled. `workdir` (the caller's) holds temporary files.
    """
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    for tool in ("espeak-ng", "sox"):
        if not shutil.which(tool):
            raise SpeechError("%s not found (Debian: espeak-ng sox)" % tool)
    voice = VOICES[direction % len(VOICES)]
    first = (direction * len(SENTENCES) // 2) % len(SENTENCES)

    def pieces():
        # Enough sentences for any length: cycling may repeat them.
        for i in range(10 * len(SENTENCES)):
            text = SENTENCES[(first + i) % len(SENTENCES)]
            yield _espeak_sentence(text, voice, workdir, i), text, text

    samples, parts, transcript = _fill(pieces(), seconds)
    return Speech(samples, "espeak-ng %s" % voice, transcript, parts)


def _directory_transcripts(speech_dir):
    try:
        manifest = corpus.find_manifest(speech_dir)
        return corpus.load_manifest(manifest) if manifest else {}
    except (OSError, ValueError):
        return {}   # transcripts are optional: a bad manifest only loses WER


def directory_speech(speech_dir, seconds, direction, workdir):
    """Speech from the sorted *.wav and *.flac files under `speech_dir`.

    Direction 1 starts half-way through the list so the two directions carry
    different files; the list wraps around until `seconds` is filled. The
    transcript is kept only when every file used has one in a manifest.tsv.
    """
    root = glob.escape(speech_dir)
    files = sorted(glob.glob(os.path.join(root, "**", "*.wav"), recursive=True) +
                   glob.glob(os.path.join(root, "**", "*.flac"), recursive=True))
    if not files:
        raise SpeechError("no *.wav or *.flac files under %s" % speech_dir)
    texts = _directory_transcripts(speech_dir)
    first = (direction * len(files) // 2) % len(files)

    def pieces():
        budget = seconds
        for i in range(len(files) * 100):
            if budget <= 0:
                return
            path = files[(first + i) % len(files)]
            samples = audio_io.load_audio(path, RATE, workdir)
            budget -= samples.size / RATE + PAUSE_S
            text = texts.get(os.path.normpath(os.path.abspath(path)), ("", ""))[1]
            yield samples, os.path.basename(path), text

    chosen = list(pieces())
    samples, parts, transcript = _fill(chosen, seconds)
    has_all = all(t for _, _, t in chosen[: len(parts)])
    return Speech(samples, "%s (%d files)" % (speech_dir, len(files)),
                  transcript if has_all else "", parts)


def prepare(seconds, direction, workdir, speech_dir=None):
    """Speech for one direction: from `speech_dir` when given, else espeak-ng."""
    if speech_dir:
        return directory_speech(speech_dir, seconds, direction, workdir)
    return espeak_speech(seconds, direction, workdir)


def write_input(path, speech, lead_s):
    """Write `speech` to a 16-bit WAV file after `lead_s` seconds of silence.

    The lead gives the call time to connect before the first word.
    """
    lead = np.zeros(int(round(lead_s * RATE)))
    audio_io.write_wav16(path, np.concatenate([lead, speech.samples]), RATE)
