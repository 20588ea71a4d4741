"""Network-emulation report: every profile, Sotto against Opus at a like bit rate.

usage: scripts/netem --report [--profiles a,b,...] [--seconds S] [--out DIR]
           [--build DIR] [--speech-dir DIR] [--backend auto|netem|fallback] [--wer]

Runs one scored call (call.run_call) per profile and codec set-up: Sotto
and Opus with the daemons' defaults (what a user gets), Sotto at 60 ms
packets, and Opus at its lowest usable settings (6 kbit/s, 60 ms packets,
in-band FEC), the nearest Opus comes to Sotto's wire rate; on edge, lossy10
and slow8k also a Chromium peer (browser.py) calling a daemon with its
defaults. Writes
DIR/netem-report.md (a table and the emulator commands), DIR/netem-report.png
(ESTOI, latency, wire rate and concealment per profile) and
DIR/netem-report.json (every figure), and keeps each call's files under
DIR/runs/. Needs root.
"""

import argparse
import json
import os
import statistics
import sys
import time

from netem_lib import call, speech
from netem_lib.profiles import PROFILES

# label -> (codec, config overrides); the "defaults" rows are what a user
# gets: the daemons' defaults and the profile's link_kbps, nothing tuned.
SETUPS = (
    ("Sotto defaults", "sotto", []),
    ("Opus defaults", "opus", []),
    # The same at Opus's packet time: a wire rate below Opus's, for a like-for-like row.
    ("Sotto 60ms", "sotto", [("codec", "ptime_ms", "60")]),
    ("Opus 6k/60ms/FEC", "opus", [("codec", "opus_bitrate", "6000"),
                                  ("codec", "ptime_ms", "60"), ("codec", "opus_fec", "true")]),
)
BASELINE = "clean"
SLOW_LINK_KBIT = 16
DEFAULTS_SUFFIX = " defaults"
# The Chromium peer (browser.py) calls the daemon's page over these.
BROWSER_PROFILES = ("edge", "lossy10", "slow8k")
BROWSER_SETUP = "Chromium peer, daemon defaults"


def setup_overrides(profile, codec, overrides):
    """Opus's lowest-rate packetisation where its 60 ms packets cannot fit:
    120 ms packets on links under 16 kbit/s (6 kbit/s plus headers)."""
    rate = PROFILES[profile].rate_kbit
    if codec == "opus" and overrides and rate and rate < SLOW_LINK_KBIT:
        return [o for o in overrides if o[1] != "ptime_ms"] + [("codec", "ptime_ms", "120")]
    return overrides


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="netem --report", description=__doc__.split("\n\n")[0])
    ap.add_argument("--profiles", help="comma-separated profile names (default: all)")
    ap.add_argument("--seconds", type=float, default=20.0, help="speech per direction")
    ap.add_argument("--out", default=os.path.join(call.ROOT, "build", "netem-report"))
    ap.add_argument("--build", default=os.path.join(call.ROOT, "build"))
    ap.add_argument("--speech-dir", help="folder of *.wav or *.flac speech, searched recursively (default: espeak-ng)")
    ap.add_argument("--backend", choices=("auto", "netem", "fallback"), default="auto")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--wer", action="store_true", help="also score WER with pocketsphinx")
    ap.add_argument("--no-browser", action="store_true",
                    help="leave out the Chromium rows (%s)" % ", ".join(BROWSER_PROFILES))
    args = ap.parse_args(argv)
    names = args.profiles.split(",") if args.profiles else list(PROFILES)
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        ap.error("unknown profile(s) %s (known: %s)" % (", ".join(unknown), ", ".join(PROFILES)))
    # The ESTOI drop is measured against the clean link: always run it, first.
    args.names = [BASELINE] + [n for n in names if n != BASELINE]
    if not 2.0 <= args.seconds <= 600.0:
        ap.error("--seconds must be within 2..600")
    return args


def _mean(values):
    values = [v for v in values if v is not None]
    return round(statistics.fmean(values), 4) if values else None


def row_of(profile, label, result):
    """The report's figures of one call; two-way figures are the mean of both ways."""
    dirs = list(result["directions"].values())
    controller = []
    for role, info in result["daemons"].items():
        for change in info["controller_stats"][-4:]:
            ctl = change["controller"]
            text = ctl.get("reason") if isinstance(ctl, dict) and ctl.get("reason") else \
                json.dumps(ctl, sort_keys=True)
            controller.append("%s at %.0f s: %s" % (role, change["t"], text))
        if not info["controller_stats"]:
            controller.extend("%s log: %s" % (role, line.split("controller:", 1)[1].strip())
                              for line in info["controller_log"][-4:])
    return {
        "profile": profile, "setup": label, "codec": result["codec"],
        "backend": result["backend"],
        "estoi": _mean(d["estoi"] for d in dirs), "stoi": _mean(d["stoi"] for d in dirs),
        "latency_ms": _mean(d["latency_ms"] for d in dirs),
        "wire_kbps": [d["wire_kbps"] for d in dirs],
        "payload_kbps": [d["payload_kbps"] for d in dirs],
        "loss_pct": _mean(d["loss_pct"] for d in dirs),
        "concealed_pct": _mean(d["concealed_pct"] for d in dirs),
        "jitter_buffer_ms": _mean(d["jitter_buffer_ms"] for d in dirs),
        "wer": _mean(d.get("wer") for d in dirs),
        "controller": controller,
        "notes": result["notes"],
        "call_lost_s": result.get("call_lost_s"),
    }


def browser_row(profile, result):
    """The report's figures of one Chromium call: ESTOI and loss of the
    daemon's recording (browser to daemon), rates from the browser's own
    getStats (sent / received, IP and UDP headers added)."""
    b, d = result["browser"], result["daemon_received"]
    return {
        "profile": profile, "setup": BROWSER_SETUP, "codec": "opus",
        "backend": result["backend"], "estoi": d["estoi"], "stoi": d["stoi"],
        "latency_ms": d["latency_ms"],
        "wire_kbps": [b["wire_kbps_sent"], b["wire_kbps_received"]],
        "payload_kbps": [b["payload_kbps_sent"], b["payload_kbps_received"]],
        "loss_pct": d["loss_pct"], "concealed_pct": d["concealed_pct"],
        "jitter_buffer_ms": d["jitter_buffer_ms"], "wer": None,
        "controller": ["browser sent %s kbit/s wire (4-s peak %s), %s packets/s, target %s "
                       "bit/s; browser received: loss %s %%, jitter %s ms" % (
                           b["wire_kbps_sent"], b["wire_kbps_sent_max4s"],
                           b["packets_per_s_sent"], b["target_bitrate"],
                           b["loss_pct_received"], b["jitter_ms_received"])]
        + result["controller_log"][-1:],
        "notes": result["notes"], "call_lost_s": None, "browser": b,
    }


def add_drops(rows):
    """ESTOI drop of each row against the same set-up on the clean link."""
    clean = {r["setup"]: r["estoi"] for r in rows if r["profile"] == BASELINE}
    for r in rows:
        base = clean.get(r["setup"])
        r["estoi_drop"] = (round(base - r["estoi"], 4)
                           if base is not None and r["estoi"] is not None else None)


def _cell(value, digits=2):
    if value is None:
        return "-"
    if isinstance(value, list):
        return " / ".join(_cell(v, digits) for v in value)
    return ("%%.%df" % digits) % value if isinstance(value, (int, float)) else str(value)


def markdown(rows, meta, commands):
    """The report text: settings, the table, controller choices, emulator commands."""
    out = ["# Sotto over emulated links", "",
           "%s s of speech each way per call (%s); Sotto and Opus with the daemons' defaults "
           "(what a user gets: only [network] link_kbps from the profile), Sotto at Opus's "
           "packet time, and %s (120 ms packets on links under 16 kbit/s); on %s a "
           "Chromium peer calls a daemon with its defaults (ESTOI and loss of the daemon's "
           "recording, wire rates from the browser's getStats, sent / received). "
           "Figures are the mean of both directions; wire and payload rates are caller→callee "
           "/ callee→caller. ESTOI drop is against the same codec on the clean link. "
           "Generated %s." % (meta["seconds"], meta["speech"], SETUPS[3][0],
                                ", ".join(BROWSER_PROFILES), meta["date"]), "",
           "| profile | backend | codec | ESTOI | STOI | ESTOI drop | mouth-to-ear ms "
           "| wire kbit/s | payload kbit/s | loss % | concealed % | jitter buffer ms | call |"
           + (" WER |" if meta["wer"] else ""),
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|" if meta["wer"] else "")]
    for r in rows:
        if r.get("error"):
            out.append("| %s | - | %s | failed: %s |" % (r["profile"], r["setup"], r["error"]))
            continue
        call_state = "ok" if r["call_lost_s"] is None else \
            "lost %.0f s into the speech" % r["call_lost_s"]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%s" % (
            r["profile"], r["backend"], r["setup"], _cell(r["estoi"], 3), _cell(r["stoi"], 3),
            _cell(r["estoi_drop"], 3), _cell(r["latency_ms"], 0), _cell(r["wire_kbps"], 1),
            _cell(r["payload_kbps"], 1), _cell(r["loss_pct"], 1), _cell(r["concealed_pct"], 1),
            _cell(r["jitter_buffer_ms"], 0), call_state,
            (" %s |" % _cell(r["wer"], 2)) if meta["wer"] else ""))
    out += ["", "## Controller choices", ""]
    for r in rows:
        lines = r.get("controller") or []
        out.append("- %s, %s: %s" % (r["profile"], r["setup"],
                                     "; ".join(lines) if lines else "none reported"))
        out.extend("  - note: %s" % n for n in r.get("notes") or [])
    out += ["", "## Emulator commands", ""]
    for profile, (backend, lines) in commands.items():
        out.append("- %s (%s): %s" % (profile, backend, "no impairment" if not lines else ""))
        out.extend("    %s" % line for line in lines)
    return "\n".join(out) + "\n"


def plot(rows, path):
    """Four panels (ESTOI, latency, wire rate, concealment) per profile, one bar per set-up."""
    import matplotlib  # lazily: only the report needs it
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    profiles = list(dict.fromkeys(r["profile"] for r in rows))
    setups = [s[0] for s in SETUPS] + ([BROWSER_SETUP] if any(
        r["setup"] == BROWSER_SETUP for r in rows) else [])
    panels = (("estoi", "ESTOI", lambda r: r["estoi"]),
              ("latency_ms", "mouth-to-ear latency (ms)", lambda r: r["latency_ms"]),
              ("wire_kbps", "wire bit rate, mean of both ways (kbit/s)",
               lambda r: _mean(r["wire_kbps"])),
              ("concealed_pct", "concealed time (%)", lambda r: r["concealed_pct"]))
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    width = 0.8 / len(setups)
    for ax, (_, title, value) in zip(axes.flat, panels):
        for i, setup in enumerate(setups):
            ys = []
            for p in profiles:
                r = next((r for r in rows if r["profile"] == p and r["setup"] == setup
                          and not r.get("error")), None)
                v = value(r) if r else None
                ys.append(float("nan") if v is None else v)
            ax.bar([x + (i - (len(setups) - 1) / 2) * width for x in range(len(profiles))],
                   ys, width, label=setup)
        ax.set_title(title)
        ax.set_xticks(range(len(profiles)))
        ax.set_xticklabels(profiles, rotation=30, ha="right")
        ax.grid(axis="y", alpha=0.3)
    axes.flat[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(args):
    """All calls; returns (rows, results, commands, speeches)."""
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.out, "speech")
    os.makedirs(work, exist_ok=True)
    speeches = [speech.prepare(args.seconds, d, work, args.speech_dir) for d in (0, 1)]
    rows, results, commands = [], {}, {}
    for profile in args.names:
        for label, codec, overrides in SETUPS:
            slug = "".join(ch if ch.isalnum() else "-" for ch in label.lower())
            keep = os.path.join(args.out, "runs", "%s-%s" % (profile, slug))
            options = {"overrides": setup_overrides(profile, codec, overrides), "keep": keep, "backend": args.backend,
                       "seed": args.seed, "wer": args.wer, "speeches": speeches}
            print("netem report: %s, %s ..." % (profile, label), file=sys.stderr, flush=True)
            try:
                result = call.run_call(profile, codec, args.build, args.seconds, True, options)
            except (RuntimeError, OSError, ValueError) as e:
                rows.append({"profile": profile, "setup": label, "error": str(e)})
                continue
            results["%s/%s" % (profile, label)] = result
            commands.setdefault(profile, (result["backend"], result["emulator_commands"]))
            rows.append(row_of(profile, label, result))
            print("\n".join(call.summary(result)), file=sys.stderr, flush=True)
        if profile in BROWSER_PROFILES and not args.no_browser:
            rows.append(run_browser(profile, args, speeches))
    add_drops([r for r in rows if not r.get("error")])
    return rows, results, commands, speeches


def run_browser(profile, args, speeches):
    """The Chromium row of one profile (an error row when the browser cannot run)."""
    from netem_lib import browser
    keep = os.path.join(args.out, "runs", "%s-chromium" % profile)
    print("netem report: %s, %s ..." % (profile, BROWSER_SETUP), file=sys.stderr, flush=True)
    try:
        result = browser.run_browser_call(profile, args.build, args.seconds, {
            "keep": keep, "backend": args.backend, "seed": args.seed, "speeches": speeches})
    except (RuntimeError, OSError, ValueError) as e:
        return {"profile": profile, "setup": BROWSER_SETUP, "error": str(e)}
    print("\n".join(browser.summary(result)), file=sys.stderr, flush=True)
    with open(os.path.join(keep, "result.json"), "w") as fh:
        json.dump(result, fh, indent=2)
    return browser_row(profile, result)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        rows, results, commands, speeches = run(args)
    except (RuntimeError, OSError) as e:
        print("netem report: %s" % e, file=sys.stderr)
        return 1
    meta = {"seconds": args.seconds, "speech": speeches[0].source + " / " + speeches[1].source,
            "date": time.strftime("%Y-%m-%d %H:%M"), "wer": args.wer,
            "profiles": args.names, "setups": [{"label": l, "codec": c,
                                                "overrides": ["%s.%s=%s" % o for o in ov]}
                                               for l, c, ov in SETUPS]}
    md = os.path.join(args.out, "netem-report.md")
    with open(md, "w") as fh:
        fh.write(markdown(rows, meta, commands))
    with open(os.path.join(args.out, "netem-report.json"), "w") as fh:
        json.dump({"meta": meta, "rows": rows, "calls": results}, fh, indent=2)
    plot([r for r in rows if not r.get("error")], os.path.join(args.out, "netem-report.png"))
    print("wrote %s, netem-report.png and netem-report.json" % md)
    return 0 if all(not r.get("error") for r in rows) else 1
