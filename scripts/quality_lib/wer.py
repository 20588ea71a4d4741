"""Word error rate and a wrapper around the pocketsphinx command-line recogniser."""

import os
import re
import shutil
import subprocess

_NON_WORD = re.compile(r"[^a-z0-9']+")


def normalise_words(text):
    """Lower-case, drop punctuation (keeping in-word apostrophes), split into words."""
    words = _NON_WORD.sub(" ", text.lower()).split()
    return [w.strip("'") for w in words if w.strip("'")]


def edit_distance(reference, hypothesis):
    """Levenshtein distance between two word sequences (substitutions, deletions, insertions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, start=1):
            current[j] = min(previous[j] + 1,          # deletion
                             current[j - 1] + 1,       # insertion
                             previous[j - 1] + (ref_word != hyp_word))
        previous = current
    return previous[-1]


def word_errors(reference_text, hypothesis_text):
    """Return (errors, reference_word_count) after normalising both texts."""
    ref = normalise_words(reference_text)
    hyp = normalise_words(hypothesis_text)
    return edit_distance(ref, hyp), len(ref)


def word_error_rate(reference_text, hypothesis_text):
    """Errors divided by reference words; raises ValueError for an empty reference."""
    errors, count = word_errors(reference_text, hypothesis_text)
    if count == 0:
        raise ValueError("reference transcript has no words")
    return errors / count


class PocketSphinx:
    """Runs `pocketsphinx_continuous -infile` with its default US-English models.

    The input must be a 16 kHz mono 16-bit WAV file; the caller owns it.
    """

    PROGRAM = "pocketsphinx_continuous"

    def __init__(self, program=None):
        self.program = program or shutil.which(self.PROGRAM)
        if not self.program:
            raise FileNotFoundError("%s not found (Debian: pocketsphinx pocketsphinx-en-us)"
                                    % self.PROGRAM)

    def transcribe(self, wav_path):
        """Return the recognised text (utterances joined by spaces)."""
        proc = subprocess.run([self.program, "-infile", wav_path, "-logfn", os.devnull],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              check=False, text=True)
        if proc.returncode != 0:
            raise RuntimeError("%s failed on %s: %s"
                               % (self.PROGRAM, wav_path, proc.stderr.strip()[-500:]))
        return " ".join(line.strip() for line in proc.stdout.splitlines() if line.strip())
