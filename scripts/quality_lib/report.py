"""Aggregation of per-file results, markdown report, CSV/JSON dumps and plots."""

import csv
import json
import math

import numpy as np

ROW_FIELDS = ("file", "speaker", "system", "condition", "seconds", "payload_bits", "kbps",
              "loss_realised", "lag_ms", "scored_s", "stoi", "estoi", "lsd", "mcd",
              "wer_errors", "wer_words", "hypothesis")
METRICS = ("stoi", "estoi", "lsd", "mcd")


def _finite(values):
    return [float(v) for v in values
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def _mean_or_none(values):
    finite = _finite(values)
    return float(np.mean(finite)) if finite else None


def _summarise_group(group):
    entry = {"files": len(group)}
    seconds = sum(r["seconds"] for r in group)
    bits = [r["payload_bits"] for r in group]
    entry["kbps"] = (sum(bits) / seconds / 1000.0
                     if seconds > 0 and all(b is not None for b in bits) else None)
    for metric in METRICS:
        entry[metric] = _mean_or_none(r[metric] for r in group)
        entry[metric + "_files"] = len(_finite(r[metric] for r in group))
    entry["lag_ms_median"] = (float(np.median(_finite(r["lag_ms"] for r in group)))
                              if group else None)
    entry["loss_realised"] = _mean_or_none(r["loss_realised"] for r in group)
    scored = [r for r in group if r.get("wer_words")]
    words = sum(r["wer_words"] for r in scored)
    entry["wer"] = sum(r["wer_errors"] for r in scored) / words if words else None
    entry["wer_files"] = len(scored)
    return entry


def aggregate(rows, system_order, condition_order):
    """One summary dict per (condition, system) present in rows, in the given orders.

    kbps is total payload bits over total input seconds; metrics are means over
    files (NaN results skipped); WER is total word errors over total reference words.
    """
    summary = []
    for condition in condition_order:
        for system in system_order:
            group = [r for r in rows if r["system"] == system and r["condition"] == condition]
            if group:
                entry = _summarise_group(group)
                entry.update(system=system, condition=condition)
                summary.append(entry)
    return summary


def _fmt(value, digits):
    return "-" if value is None else "%.*f" % (digits, value)


def markdown_table(summary, condition):
    """Markdown table of one condition's systems."""
    lines = ["| system | kbps (measured) | STOI | ESTOI | LSD (dB) | MCD (dB) | WER | files |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e in (e for e in summary if e["condition"] == condition):
        wer = "-" if e["wer"] is None else "%.1f %%" % (100.0 * e["wer"])
        loss_note = ""
        if e["loss_realised"] is not None:
            loss_note = " (lost %.1f %%)" % (100.0 * e["loss_realised"])
        lines.append("| %s%s | %s | %s | %s | %s | %s | %s | %d |" % (
            e["system"], loss_note, _fmt(e["kbps"], 2), _fmt(e["stoi"], 3), _fmt(e["estoi"], 3),
            _fmt(e["lsd"], 2), _fmt(e["mcd"], 2), wer, e["files"]))
    return "\n".join(lines)


def markdown_report(summary, meta, notes):
    """Full report: settings, one table per condition, then method notes."""
    out = ["# Codec quality report", ""]
    out += ["- %s: %s" % (key, value) for key, value in meta.items()]
    conditions = []
    for e in summary:
        if e["condition"] not in conditions:
            conditions.append(e["condition"])
    for condition in conditions:
        out += ["", "## %s" % condition, "", markdown_table(summary, condition)]
    out += ["", "## Method", ""] + ["- " + note for note in notes]
    return "\n".join(out) + "\n"


def write_csv(rows, path):
    """Per-file results, one line per (file, system, condition)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ROW_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in ROW_FIELDS})


_INT_FIELDS = ("payload_bits", "wer_errors", "wer_words")
_TEXT_FIELDS = ("file", "speaker", "system", "condition", "hypothesis")


def read_csv(path):
    """Rows written by write_csv(), with numbers converted back ("" becomes None)."""
    rows = []
    with open(path, newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            if set(raw) != set(ROW_FIELDS):
                raise ValueError("%s: unexpected columns" % path)
            row = {}
            for key, value in raw.items():
                if key in _TEXT_FIELDS or value == "":
                    row[key] = value if value != "" else None
                elif key in _INT_FIELDS:
                    row[key] = int(value)
                else:
                    row[key] = float(value)
            rows.append(row)
    return rows


def write_json(summary, meta, path):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"meta": meta, "summary": summary}, handle, indent=2, sort_keys=True)
        handle.write("\n")


def _pyplot():
    import matplotlib  # imported lazily: only plotting needs it
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _bitrate_axis(ax, rates):
    # Log axis with plain-number ticks, widened so point labels fit on the right.
    from matplotlib.ticker import NullFormatter, ScalarFormatter
    ax.set_xscale("log")
    if rates:
        ax.set_xlim(min(rates) / 1.25, max(rates) * 1.6)
    ticks = [t for t in (0.5, 0.7, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
             if not rates or min(rates) / 1.25 <= t <= max(rates) * 1.6]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())


def plot_quality_vs_bitrate(summary, conditions, path, reference_system="uncoded"):
    """STOI and ESTOI against measured kbps, one marker style per condition."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    markers = ["o", "s", "^", "D"]
    for ax, metric in zip(axes, ("stoi", "estoi")):
        for index, condition in enumerate(conditions):
            entries = [e for e in summary if e["condition"] == condition
                       and e["kbps"] is not None and e[metric] is not None]
            points = [e for e in entries if e["system"] != reference_system]
            colour = "C%d" % index
            ax.scatter([e["kbps"] for e in points], [e[metric] for e in points],
                       marker=markers[index % len(markers)], color=colour, label=condition)
            for e in points:
                ax.annotate(e["system"], (e["kbps"], e[metric]), fontsize=7,
                            xytext=(4, 3), textcoords="offset points")
            for e in entries:
                if e["system"] == reference_system:
                    ax.axhline(e[metric], color=colour, linestyle="--", linewidth=0.8,
                               label="%s %s" % (reference_system, condition))
        _bitrate_axis(ax, [e["kbps"] for e in summary if e["kbps"] is not None
                           and e["system"] != reference_system])
        ax.set_xlabel("measured payload bitrate (kbit/s)")
        ax.set_ylabel(metric.upper())
        ax.set_title("%s against bitrate" % metric.upper())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_quality_vs_loss(summary, loss_conditions, path):
    """ESTOI and STOI against realised loss for systems run under loss, 0 % = clean."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    systems = sorted({e["system"] for e in summary if e["condition"] in loss_conditions})
    for ax, metric in zip(axes, ("estoi", "stoi")):
        for system in systems:
            clean = [e for e in summary if e["system"] == system and e["condition"] == "clean"]
            for model, style in (("random", "-o"), ("burst", "--s")):
                entries = [e for e in summary if e["system"] == system
                           and e["condition"] in loss_conditions
                           and "-%s-" % model in e["condition"] and e[metric] is not None]
                xs = [0.0] * len(clean) + [100.0 * e["loss_realised"] for e in entries]
                ys = [e[metric] for e in clean] + [e[metric] for e in entries]
                if entries:
                    ax.plot(xs, ys, style, label="%s %s" % (system, model))
        ax.set_xlabel("packets lost (%)")
        ax.set_ylabel(metric.upper())
        ax.set_title("%s under packet loss" % metric.upper())
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
