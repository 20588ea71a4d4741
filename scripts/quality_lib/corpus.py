"""Speech file discovery and the optional manifest.tsv (speaker ids, transcripts).

manifest.tsv: tab-separated with a header row naming at least `path`; the
columns speaker_id and transcript are used when present. `path` is relative
to the manifest's folder. Rows naming files outside the data directory are
ignored.
"""

import os
from dataclasses import dataclass

AUDIO_EXTENSIONS = (".wav", ".flac")
MANIFEST_NAME = "manifest.tsv"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024   # refuse absurd manifests rather than read them


class ManifestError(ValueError):
    """Malformed manifest file."""


@dataclass
class Item:
    path: str                 # absolute path of the audio file
    rel: str                  # path relative to the data directory (stable id, seeds)
    speaker: str              # speaker id (manifest) or the parent folder's name
    transcript: str = ""      # reference words; "" when none


def find_manifest(data_dir, explicit=None):
    """Manifest path: `explicit`, else data_dir's or its parent's manifest.tsv, else None."""
    if explicit:
        if not os.path.isfile(explicit):
            raise FileNotFoundError("manifest not found: %s" % explicit)
        return explicit
    for folder in (data_dir, os.path.dirname(os.path.abspath(data_dir))):
        candidate = os.path.join(folder, MANIFEST_NAME)
        if os.path.isfile(candidate):
            return candidate
    return None


def parse_manifest(text, base_dir):
    """Map absolute file path -> (speaker_id, transcript) from manifest text."""
    lines = text.splitlines()
    if not lines:
        raise ManifestError("manifest is empty")
    header = lines[0].split("\t")
    if "path" not in header:
        raise ManifestError("manifest header has no 'path' column")
    col_path = header.index("path")
    col_speaker = header.index("speaker_id") if "speaker_id" in header else None
    col_text = header.index("transcript") if "transcript" in header else None
    entries = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise ManifestError("line %d has %d fields, header has %d"
                                % (number, len(fields), len(header)))
        path = os.path.normpath(os.path.join(base_dir, fields[col_path]))
        speaker = fields[col_speaker] if col_speaker is not None else ""
        transcript = fields[col_text].strip() if col_text is not None else ""
        entries[path] = (speaker, transcript)
    return entries


def load_manifest(path):
    """parse_manifest() of the file at `path` (UTF-8), relative to its folder."""
    if os.path.getsize(path) > MAX_MANIFEST_BYTES:
        raise ManifestError("manifest larger than %d bytes" % MAX_MANIFEST_BYTES)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return parse_manifest(text, os.path.dirname(os.path.abspath(path)))


def discover(data_dir, manifest=None):
    """Sorted list of Item for every audio file under data_dir (recursively)."""
    data_dir = os.path.abspath(data_dir)
    if not os.path.isdir(data_dir):
        raise FileNotFoundError("data directory not found: %s" % data_dir)
    entries = load_manifest(manifest) if manifest else {}
    items = []
    for root, dirs, files in os.walk(data_dir):
        dirs.sort()
        for name in sorted(files):
            if not name.lower().endswith(AUDIO_EXTENSIONS):
                continue
            path = os.path.normpath(os.path.join(root, name))
            speaker, transcript = entries.get(path, ("", ""))
            items.append(Item(path, os.path.relpath(path, data_dir),
                              speaker or os.path.basename(root), transcript))
    items.sort(key=lambda item: item.rel)
    return items


def select_evenly(items, limit):
    """Up to `limit` items spread evenly over the sorted list (covers every speaker block)."""
    if limit is None or limit >= len(items):
        return list(items)
    if limit <= 0:
        return []
    step = len(items) / float(limit)
    return [items[int(i * step)] for i in range(limit)]
