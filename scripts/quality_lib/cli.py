"""Command-line entry point of the codec quality harness (see `scripts/quality --help`)."""

import argparse
import os
import shutil
import sys
import tempfile

from quality_lib import codecs, corpus, evaluate, report
from quality_lib.audio_io import ToolError, run_tool
from quality_lib.wer import PocketSphinx

BASELINES = ("opus-6", "opus-8", "codec2-3200", "codec2-1600", "speex-wb-q0")
DEBIAN_PACKAGES = {"opusenc": "opus-tools", "opusdec": "opus-tools", "c2enc": "codec2",
                   "c2dec": "codec2", "speexenc": "speex", "speexdec": "speex", "sox": "sox",
                   "pocketsphinx_continuous": "pocketsphinx pocketsphinx-en-us"}

EPILOG = """\
command templates (--sotto-cmd, --sotto-loss-cmd) run with /bin/sh; placeholders
are replaced by shell-quoted paths:
  {in}       input, 16 kHz mono 16-bit WAV
  {out}      decoded audio to write (any format and rate sox reads)
  {tmp}      bitstream file; if the command creates it, its size gives the bitrate
loss template only:
  {pattern}  text file, one line per 20 ms frame, 1 = frame lost, 0 = received
  {loss} {model} {burst} {seed}   target loss percent, random|burst, mean burst
             length in frames, master seed
example: --sotto-cmd 'sotto-codec encode {in} {tmp} && sotto-codec decode {tmp} {out}'
"""


def parse_args(argv):
    p = argparse.ArgumentParser(prog="quality", description=(
        "Encode+decode speech through baseline codecs (and the Sotto codec via a command "
        "template), score STOI, ESTOI, LSD, MCD and WER, write a markdown table and plots."),
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="directory of speech files (.wav/.flac)")
    p.add_argument("--manifest", help="manifest.tsv with transcripts (default: data dir's "
                   "or its parent's manifest.tsv when present)")
    p.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "sotto-quality"),
                   help="output directory (default: %(default)s)")
    p.add_argument("--limit", type=int, help="use N files spread evenly over the sorted list")
    p.add_argument("--seed", type=int, default=1, help="master seed (default: %(default)s)")
    p.add_argument("--systems", default=",".join(BASELINES),
                   help="comma-separated baselines, or 'none' (default: %(default)s)")
    p.add_argument("--sotto-cmd", help="encode+decode command template for the Sotto codec")
    p.add_argument("--sotto-loss-cmd", help="command template for Sotto under packet loss")
    p.add_argument("--sotto-name", default="sotto", help="table name of the command system")
    p.add_argument("--snr", type=float, default=10.0, help="noisy-condition SNR in dB")
    p.add_argument("--noise", choices=("speech", "white"), default="speech",
                   help="noise added to the input (default: speech-shaped)")
    p.add_argument("--loss-rates", default="5,10,20", help="loss percentages (default: 5,10,20)")
    p.add_argument("--burst-len", type=float, default=3.0,
                   help="mean burst length in packets for burst loss (default: 3)")
    p.add_argument("--no-noise", action="store_true", help="skip the noisy condition")
    p.add_argument("--no-loss", action="store_true", help="skip packet-loss conditions")
    p.add_argument("--no-wer", action="store_true", help="skip speech recognition")
    p.add_argument("--wer-loss", action="store_true",
                   help="also run speech recognition on the packet-loss conditions (slow)")
    p.add_argument("--keep-audio", action="store_true", help="keep decoded audio under OUT/audio")
    p.add_argument("--max-lag-ms", type=float, default=200.0, help="alignment search range")
    p.add_argument("--report-only", action="store_true",
                   help="rebuild report, summary and plots from OUT/results.csv of an earlier "
                   "run with the same options, without evaluating again")
    args = p.parse_args(argv)
    if args.limit is not None and args.limit <= 0:
        p.error("--limit must be positive")
    if args.sotto_loss_cmd and not args.sotto_cmd:
        p.error("--sotto-loss-cmd needs --sotto-cmd")
    try:
        args.loss_rates = [float(x) / 100.0 for x in args.loss_rates.split(",") if x.strip()]
    except ValueError:
        p.error("--loss-rates must be comma-separated numbers")
    if any(not 0.0 < r < 1.0 for r in args.loss_rates):
        p.error("loss rates must be between 0 and 100 (exclusive)")
    return args


def build_systems(args):
    """Uncoded reference, then the selected baselines, then the command system."""
    systems = [codecs.Uncoded()]
    factories = {"opus-6": lambda: codecs.Opus(6), "opus-8": lambda: codecs.Opus(8),
                 "codec2-3200": lambda: codecs.Codec2(3200),
                 "codec2-1600": lambda: codecs.Codec2(1600),
                 "speex-wb-q0": lambda: codecs.Speex(0)}
    names = [] if args.systems.strip() == "none" else [
        s.strip() for s in args.systems.split(",") if s.strip()]
    for name in names:
        if name not in factories:
            raise SystemExit("unknown system %r (known: %s)" % (name, ", ".join(BASELINES)))
        systems.append(factories[name]())
    if args.sotto_cmd:
        systems.append(codecs.Command(args.sotto_name, args.sotto_cmd, args.sotto_loss_cmd,
                                      args.seed))
    missing = sorted({t for s in systems for t in s.missing_tools()} |
                     ({"sox"} if shutil.which("sox") is None else set()))
    if missing:
        packages = sorted({DEBIAN_PACKAGES.get(t, t) for t in missing})
        raise SystemExit("missing programs: %s (Debian packages: %s)"
                         % (", ".join(missing), " ".join(packages)))
    return systems


def tool_versions(systems, with_wer):
    """First line of each tool's version output, for the report's header."""
    probes = {"opusenc": ["opusenc", "--version"], "speexenc": ["speexenc", "-v"],
              "sox": ["sox", "--version"]}
    versions = {}
    used = {t for s in systems for t in s.tools} | {"sox"}
    for tool, argv in probes.items():
        if tool in used:
            try:
                text = run_tool(argv).stdout.decode("utf-8", "replace").strip()
                versions[tool] = text.splitlines()[0] if text else "?"
            except (ToolError, OSError):
                versions[tool] = "?"
    if with_wer:
        versions["asr"] = "pocketsphinx_continuous, default en-us acoustic model and LM"
    return versions


METHOD_NOTES = [
    "Alignment: cross-correlation of one-third-octave band envelopes (1 ms steps) within "
    "+-max lag, refined to the sample by waveform cross-correlation within +-1 ms; both "
    "signals trimmed to the common length.",
    "STOI (Taal et al. 2011) / ESTOI (Jensen & Taal 2016): 10 kHz, 256-sample Hann frames "
    "50 % overlap, 512-point FFT, 15 third-octave bands from 150 Hz, 30-frame (384 ms) "
    "segments, 40 dB silent-frame removal, STOI clipping at beta = -15 dB; mean over files.",
    "LSD: RMS over bins of the log-power difference (dB), 25 ms Hann / 10 ms hop / 512-point "
    "FFT at 16 kHz, frames within 40 dB of the reference's loudest; power floored at the "
    "16-bit quantisation-noise level; mean over frames, then files. Full band (0-8 kHz): "
    "narrowband codecs score high because their 4-8 kHz is empty.",
    "MCD: 10/ln10 * sqrt(2 * sum (dc_m)^2), m = 1..24, cepstra from a 40-band mel filterbank "
    "+ DCT of log amplitude on the same frames (no DTW: frames are aligned by the lag).",
    "kbps: codec payload bits (Ogg packet bytes for Opus/Speex, frame file for Codec 2, "
    "{tmp} file for commands) over input seconds; no container overhead.",
    "WER: pocketsphinx_continuous on the decoded audio; lower-cased, punctuation dropped, "
    "total edits over total reference words, only files with a manifest transcript "
    "(loss conditions only with --wer-loss). The uncoded row is the recogniser's own "
    "error on the input.",
    "Noisy: noise added to the codec INPUT at the given global SNR (seeded per file); "
    "scores are against the clean reference.",
    "Opus: opusenc VBR, 20 ms frames, complexity 10, --speech; decoded at 16 kHz by "
    "libopus in every condition. Codec 2: c2enc/c2dec at 8 kHz (sox resampling). "
    "Speex: speexenc --wideband --quality 0.",
    "Loss: Opus packets dropped by a seeded pattern (random: Bernoulli; burst: Gilbert "
    "model with the given mean burst length) and concealed by libopus PLC (no FEC); the "
    "same pattern is used for every system on a file. 'lost' is the realised rate.",
]


def run(args):
    """Evaluate everything and write OUT/report.md, results.csv, summary.json and plots."""
    systems = build_systems(args)
    manifest = corpus.find_manifest(args.data, args.manifest)
    items = corpus.select_evenly(corpus.discover(args.data, manifest), args.limit)
    if not items:
        raise SystemExit("no .wav/.flac files under %s" % args.data)
    recogniser = None if args.no_wer or args.report_only else PocketSphinx()
    conditions = evaluate.make_conditions(args.snr, [] if args.no_loss else args.loss_rates,
                                          args.burst_len, not args.no_noise)
    if not args.report_only:
        os.makedirs(args.out, exist_ok=True)
    audio_dir = os.path.join(args.out, "audio") if args.keep_audio else ""
    settings = evaluate.Settings(seed=args.seed, snr_db=args.snr, noise_kind=args.noise,
                                 max_lag_s=args.max_lag_ms / 1000.0, audio_dir=audio_dir,
                                 wer_on_loss=args.wer_loss)
    if args.report_only:
        rows = report.read_csv(os.path.join(args.out, "results.csv"))
        write_outputs(args, systems, conditions, items, manifest, rows)
        return 0
    rows = []
    for index, item in enumerate(items, start=1):
        print("[%d/%d] %s" % (index, len(items), item.rel), file=sys.stderr, flush=True)
        rows += evaluate.evaluate_item(item, systems, conditions, settings, recogniser)
        report.write_csv(rows, os.path.join(args.out, "results.csv"))
    write_outputs(args, systems, conditions, items, manifest, rows)
    return 0


def write_outputs(args, systems, conditions, items, manifest, rows):
    """Aggregate rows into OUT/report.md, summary.json and the plots; print the tables."""
    summary = report.aggregate(rows, [s.name for s in systems], [c.name for c in conditions])
    meta = {"data": args.data, "manifest": manifest or "none",
            "files": "%d (%d with transcripts)" % (len(items),
                                                   sum(1 for i in items if i.transcript)),
            "seconds": "%.1f" % sum(r["seconds"] for r in rows if r["system"] == "uncoded"
                                    and r["condition"] == "clean"),
            "seed": args.seed, "noise": "%s, %g dB SNR" % (args.noise, args.snr),
            "loss": "none" if args.no_loss else "%s %% (burst mean %g packets)" % (
                ", ".join("%g" % (100 * r) for r in args.loss_rates), args.burst_len)}
    meta.update(tool_versions(systems, not args.no_wer))
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as handle:
        handle.write(report.markdown_report(summary, meta, METHOD_NOTES))
    report.write_json(summary, meta, os.path.join(args.out, "summary.json"))
    plain = [c.name for c in conditions if c.kind != "loss"]
    report.plot_quality_vs_bitrate(summary, plain,
                                   os.path.join(args.out, "quality_vs_bitrate.png"))
    lossy = [c.name for c in conditions if c.kind == "loss"]
    if lossy:
        report.plot_quality_vs_loss(summary, lossy, os.path.join(args.out, "quality_vs_loss.png"))
    print(report.markdown_report(summary, meta, []), end="")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except (ToolError, ValueError, OSError) as exc:
        print("quality: error: %s" % exc, file=sys.stderr)
        return 1
