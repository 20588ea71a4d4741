"""A Chromium peer calls one sottod across an emulated link.

usage: scripts/netem browser PROFILE [--seconds S] [--build DIR]
           [--speech-dir DIR] [--set SECTION.KEY=VALUE ...] [--json OUT]
           [--keep DIR] [--backend auto|netem|fallback]

The daemon (WAV audio backend, its defaults plus the profile's link_kbps)
runs in one namespace and serves its call page; headless Chromium, driven
by the WebDriver client of tests/integration/test_browser.py, runs in the
other, with the test speech as its fake microphone (processing off, so the
score is the link's and not the noise suppressor's). The page calls the
daemon as a user would. Every second the runner samples the daemon's
statistics and the browser's own getStats (outbound, inbound and transport
counters). The daemon's recording is scored against the browser's
microphone file (scoring.py); the browser's side is reported from its
counters only (it keeps no recording). Needs root.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

from netem_lib import call, scoring, speech

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(call.ROOT, "tests", "integration")
WEB_ROOT = os.path.join(call.ROOT, "daemon", "web")
IP_UDP_BYTES = 28          # IPv4 + UDP headers, which getStats does not count
TAIL_S = 3.0
PEER_START_S = 60.0        # Chromium's start and the page's connection, at most

# Keeps the page's RTCPeerConnection reachable for the runner's getStats.
CAPTURE_PC = r"""
if (!window.sottoNetemPc) {
  const Real = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...args) {
    const pc = new Real(...args);
    window.sottoNetemPc = pc;
    return pc;
  };
  window.RTCPeerConnection.prototype = Real.prototype;
  window.sottoNetemPc = null;
}
"""

# The counters the report needs, one object per stats type.
GET_STATS = r"""
const done = arguments[arguments.length - 1];
const pc = window.sottoNetemPc;
if (!pc) { done(null); return; }
pc.getStats().then((report) => {
  const out = {};
  report.forEach((st) => {
    if (st.type === 'outbound-rtp' && st.kind === 'audio')
      out.outbound = {bytesSent: st.bytesSent, headerBytesSent: st.headerBytesSent,
                      packetsSent: st.packetsSent, targetBitrate: st.targetBitrate};
    else if (st.type === 'inbound-rtp' && st.kind === 'audio')
      out.inbound = {bytesReceived: st.bytesReceived, headerBytesReceived: st.headerBytesReceived,
                     packetsReceived: st.packetsReceived, packetsLost: st.packetsLost,
                     jitter: st.jitter, concealedSamples: st.concealedSamples,
                     totalSamplesReceived: st.totalSamplesReceived,
                     jitterBufferDelay: st.jitterBufferDelay,
                     jitterBufferEmittedCount: st.jitterBufferEmittedCount};
    else if (st.type === 'remote-inbound-rtp' && st.kind === 'audio')
      out.remoteInbound = {packetsLost: st.packetsLost, fractionLost: st.fractionLost,
                           jitter: st.jitter, roundTripTime: st.roundTripTime};
    else if (st.type === 'transport')
      out.transport = {bytesSent: st.bytesSent, bytesReceived: st.bytesReceived,
                       packetsSent: st.packetsSent, packetsReceived: st.packetsReceived};
    else if (st.type === 'codec')
      (out.codecs = out.codecs || []).push(st.mimeType + ' ' + (st.sdpFmtpLine || ''));
  });
  out.state = pc.connectionState;
  done(out);
}, (err) => done({error: String(err)}));
"""


def peer(args):
    """The browser side, run inside the browser's namespace; writes args.out."""
    sys.path.insert(0, TESTS)
    from test_browser import Browser  # noqa: E402 (the test's WebDriver client)
    origin = args.page.rstrip("/")
    browser = Browser(args.workdir, args.audio,
                      ["--unsafely-treat-insecure-origin-as-secure=" + origin])
    result = {"samples": [], "error": None}
    try:
        browser.open(args.page)
        browser.js(CAPTURE_PC)
        browser.js("document.getElementById('token').value = arguments[0];", args.token)
        browser.click("#processing")   # echo cancellation, noise suppression, AGC off
        result["click_t"] = time.monotonic()
        browser.click("#call")
        end = result["click_t"] + args.duration
        while time.monotonic() < end:
            t = time.monotonic()
            stats = browser.js_async(GET_STATS)
            if stats:
                stats["t"] = t
                result["samples"].append(stats)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t)))
        result["page"] = browser.call_state()
        result["local_sdp"] = browser.js(
            "return window.sottoNetemPc && window.sottoNetemPc.localDescription.sdp;")
        result["remote_sdp"] = browser.js(
            "return window.sottoNetemPc && window.sottoNetemPc.remoteDescription &&"
            " window.sottoNetemPc.remoteDescription.sdp;")
        browser.click("#hangup")
        time.sleep(0.5)
    except Exception as e:  # the runner reports it; the browser must still close
        result["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        browser.close()
        with open(args.out, "w") as fh:
            json.dump(result, fh)
    return 0 if result["error"] is None else 1


def _at(samples, key, field):
    return lambda s: ((s.get(key) or {}).get(field))


def browser_stats(samples, t0, t1):
    """Rates of the browser's counters over [t0, t1] (runner clock)."""
    kbit = 8.0 / 1000.0

    def wire(s):
        t = s.get("transport") or {}
        if t.get("bytesSent") is None or t.get("packetsSent") is None:
            return None
        return t["bytesSent"] + IP_UDP_BYTES * t["packetsSent"]

    def wire_in(s):
        t = s.get("transport") or {}
        if t.get("bytesReceived") is None or t.get("packetsReceived") is None:
            return None
        return t["bytesReceived"] + IP_UDP_BYTES * t["packetsReceived"]

    def rnd(v, d=2):
        return None if v is None else round(v, d)
    lost = scoring.counter_rate(samples, _at(samples, "inbound", "packetsLost"), t0, t1)
    got = scoring.counter_rate(samples, _at(samples, "inbound", "packetsReceived"), t0, t1)
    sent_pkts = scoring.counter_rate(samples, _at(samples, "outbound", "packetsSent"), t0, t1)
    jitter, _ = scoring.gauge_summary(samples, _at(samples, "inbound", "jitter"), t0, t1)
    last = samples[-1] if samples else {}
    return {
        "wire_kbps_sent": rnd(scoring.counter_rate(samples, wire, t0, t1, kbit)),
        "wire_kbps_sent_max4s": rnd(scoring.peak_window_rate(samples, wire, t0, t1, kbit)),
        "payload_kbps_sent": rnd(scoring.counter_rate(
            samples, _at(samples, "outbound", "bytesSent"), t0, t1, kbit)),
        "packets_per_s_sent": rnd(sent_pkts),
        "wire_kbps_received": rnd(scoring.counter_rate(samples, wire_in, t0, t1, kbit)),
        "payload_kbps_received": rnd(scoring.counter_rate(
            samples, _at(samples, "inbound", "bytesReceived"), t0, t1, kbit)),
        "loss_pct_received": rnd(100.0 * lost / (lost + got))
        if lost is not None and got and lost + got > 0 else None,
        "packets_lost_total": (last.get("inbound") or {}).get("packetsLost"),
        "jitter_ms_received": rnd(1000.0 * jitter) if jitter is not None else None,
        "target_bitrate": (last.get("outbound") or {}).get("targetBitrate"),
        "codecs": last.get("codecs"),
    }


def _daemon_config(emu, workdir, input_wav, token, overrides, notes, build):
    sottod = os.path.join(build, "daemon", "sottod")
    cfg = {
        "audio": {"backend": "wav", "input_file": input_wav,
                  "output_file": os.path.join(workdir, "received.wav")},
        "network": {"ice_address": emu.addr_b, "state_dir": os.path.join(workdir, "state"),
                    "signal_address": emu.addr_b, "signal_port": str(call.SIGNAL_PORT),
                    "signal_token": token, "web_root": WEB_ROOT},
        "call": {"incoming": "auto"},
    }
    overrides = list(overrides) + call._link_override(sottod, emu.profile, overrides, workdir,
                                                      notes)
    for section, key, value in overrides:
        cfg.setdefault(section, {})[key] = value
    return cfg


def _sample_daemon(daemon, t_ref, proc, stats_path, deadline):
    samples, clocks = [], []
    with open(stats_path, "w") as out:
        while proc.poll() is None and time.monotonic() < deadline:
            t = time.monotonic() - t_ref
            record = {"t": round(t, 3), "callee": call._call_record(daemon)}
            clocks.append(call.audio_start(daemon.ctl, t_ref))
            samples.append(record)
            out.write(json.dumps(record) + "\n")
            time.sleep(max(0.0, call.SAMPLE_PERIOD_S - (time.monotonic() - t_ref - t)))
    return samples, clocks


def run_browser_call(profile, build_dir, seconds, options=None):
    """One Chromium call over `profile`; returns the result dict (see the module comment)."""
    if os.geteuid() != 0:
        raise call.CallError("network namespaces need root")
    opts = dict(options or {})
    build = os.path.abspath(build_dir)
    sottod = os.path.join(build, "daemon", "sottod")
    if not os.access(sottod, os.X_OK):
        raise call.CallError("no sottod in %s/daemon (build first)" % build)
    delay_s = call.get_profile(profile).delay_ms / 1000.0
    lead_s = opts.get("lead_s") or round(call.LEAD_S + 5.0 + call.LEAD_PER_DELAY * delay_s, 2)
    work = opts.get("keep") or tempfile.mkdtemp(prefix="sotto-netem-browser-")
    os.makedirs(work, exist_ok=True)
    notes = []
    try:
        speeches = opts.get("speeches") or [
            speech.prepare(seconds, d, work, opts.get("speech_dir")) for d in (0, 1)]
        mic = os.path.join(work, "browser-mic.wav")
        # Lead silence, the speech, then silence: Chromium loops the file.
        speech.write_input(mic, speeches[0], lead_s)
        _pad_file(mic, 60.0)
        daemon_dir = os.path.join(work, "daemon")
        os.makedirs(daemon_dir, exist_ok=True)
        daemon_input = os.path.join(daemon_dir, "input.wav")
        speech.write_input(daemon_input, speeches[1], lead_s)
        token = secrets.token_hex(12)
        with call._emulator(profile, {"build": build, "backend": opts.get("backend", "auto"),
                                      "seed": opts.get("seed", 1)}) as emu:
            commands = call._emulator_commands(emu)
            cfg = _daemon_config(emu, daemon_dir, daemon_input, token,
                                 opts.get("overrides", []), notes, build)
            daemon = call.Sottod("callee", daemon_dir, sottod, emu.prefix(emu.ns_b))
            with open(daemon.config, "w") as fh:
                fh.write(call.config_text(cfg))
            problem = call.check_config(sottod, daemon.config)
            if problem:
                raise call.CallError("configuration refused: %s" % problem)
            t_ref = time.monotonic()
            daemon.start()
            peer_out = os.path.join(work, "browser.json")
            browser_dir = os.path.join(work, "browser")
            os.makedirs(browser_dir, exist_ok=True)
            duration = lead_s + seconds + TAIL_S
            argv = emu.prefix(emu.ns_a) + [
                sys.executable, os.path.abspath(__file__), "peer",
                "--page", "http://%s:%d/" % (emu.addr_b, call.SIGNAL_PORT),
                "--audio", mic, "--token", token, "--duration", str(duration),
                "--workdir", browser_dir, "--out", peer_out]
            with open(os.path.join(work, "peer.log"), "wb") as log:
                proc = subprocess.Popen(argv, stdout=log, stderr=log,
                                        env=dict(os.environ, PYTHONPATH=HERE + "/.."))
                try:
                    samples, clocks = _sample_daemon(
                        daemon, t_ref, proc, os.path.join(daemon_dir, "stats.jsonl"),
                        time.monotonic() + duration + PEER_START_S)
                finally:
                    if proc.poll() is None:
                        proc.terminate()
                    proc.wait(30)
            code = daemon.stop()
        with open(peer_out) as fh:
            peer_result = json.load(fh)
        if peer_result.get("error"):
            raise call.CallError("browser: %s" % peer_result["error"])
        bsamples = [dict(s, t=s["t"] - t_ref) for s in peer_result["samples"]]
        click = peer_result["click_t"] - t_ref
        start = call._median_start(clocks)
        sent = scoring.load(mic)
        heard = scoring.load(os.path.join(daemon_dir, "received.wav"))
        # The fake microphone starts when the page's getUserMedia opens it,
        # just after the click: a few tens of ms of that start land in the
        # latency figure, never in ESTOI (segments are re-aligned).
        on_axis = scoring.place(heard, start["audio_start_s"], click)
        to_daemon = {"direction": "browser_to_daemon", "speech": speeches[0].source}
        to_daemon.update(scoring.intelligibility(sent, on_axis, lead_s, lead_s + seconds))
        lat = (to_daemon["latency_ms"] or 0.0) / 1000.0
        t0, t1 = click + lead_s, click + lead_s + seconds
        to_daemon.update(call.direction_stats(samples, "browser", "callee", t0, t1, lat))
        connected = next((s["t"] for s in bsamples if s.get("state") == "connected"), None)
        if connected is not None and connected > t0:
            notes.append("the page connected %.1f s after the click, after the speech began "
                         "(lead %.1f s)" % (connected - click, lead_s))
        result = {"profile": call._describe_profile(emu.profile), "backend": emu.backend,
                  "emulator_commands": commands, "codec": "browser", "seconds": seconds,
                  "lead_s": lead_s, "config": cfg, "daemon_exit": code,
                  "connected_s": round(connected - click, 3) if connected else None,
                  "browser": browser_stats(bsamples, t0, t1),
                  "daemon_received": to_daemon,
                  "daemon_sent": _daemon_sent(samples, t0, t1),
                  "answer_sdp": peer_result.get("remote_sdp"),
                  "offer_sdp": peer_result.get("local_sdp"),
                  "controller_log": daemon.log_lines("controller:")[-10:],
                  "notes": notes, "keep": opts.get("keep")}
        return result
    finally:
        if not opts.get("keep"):
            shutil.rmtree(work, ignore_errors=True)


def _pad_file(path, seconds):
    """Appends `seconds` of silence to a 16-bit WAV (Chromium loops its fake microphone)."""
    samples, rate = scoring.audio_io.read_wav(path)
    scoring.audio_io.write_wav16(path, scoring.np.concatenate(
        [samples, scoring.np.zeros(int(seconds * rate))]), rate)


def _daemon_sent(samples, t0, t1):
    """The daemon's own figures of what it sent to the browser."""
    kbit = 8.0 / 1000.0
    f = call._field("callee", "wire_bytes_sent")
    last = next((s["callee"]["media"] for s in reversed(samples)
                 if (s.get("callee") or {}).get("media")), {})
    rate = scoring.counter_rate(samples, f, t0, t1, kbit)
    peak = scoring.peak_window_rate(samples, f, t0, t1, kbit)
    return {"wire_kbps": None if rate is None else round(rate, 2),
            "wire_kbps_max4s": None if peak is None else round(peak, 2),
            "codec": last.get("codec"), "ptime_ms": last.get("ptime_ms"),
            "planned_kbps": last.get("planned_kbps_sent")}


def summary(result):
    b, d, s = result["browser"], result["daemon_received"], result["daemon_sent"]

    def f(v, digits=1):
        return "-" if v is None else ("%.*f" % (digits, v) if isinstance(v, float) else str(v))
    p = result["profile"]
    return [
        "profile %s, backend %s, Chromium peer, %s s of speech, connected %s s after the click"
        % (p["name"], result["backend"], result["seconds"], f(result["connected_s"], 2)),
        "  browser->daemon: getStats wire %s kbit/s (4-s peak %s), payload %s kbit/s, "
        "%s packets/s; daemon: loss %s %%, ESTOI %s, mouth-to-ear %s ms, concealed %s %%"
        % (f(b["wire_kbps_sent"]), f(b["wire_kbps_sent_max4s"]), f(b["payload_kbps_sent"]),
           f(b["packets_per_s_sent"]), f(d["loss_pct"]), f(d["estoi"], 3),
           f(d["latency_ms"], 0), f(d["concealed_pct"])),
        "  daemon->browser: daemon wire %s kbit/s (4-s peak %s, %s ms packets); getStats "
        "received %s kbit/s wire, loss %s %%, jitter %s ms"
        % (f(s["wire_kbps"]), f(s["wire_kbps_max4s"]), f(s["ptime_ms"]),
           f(b["wire_kbps_received"]), f(b["loss_pct_received"]), f(b["jitter_ms_received"])),
    ] + ["  note: " + n for n in result["notes"]]


def parse_args(argv):
    if argv and argv[0] == "peer":
        ap = argparse.ArgumentParser(prog="netem browser peer")
        for name in ("--page", "--audio", "--token", "--workdir", "--out"):
            ap.add_argument(name, required=True)
        ap.add_argument("--duration", type=float, required=True)
        return ap.parse_args(argv[1:]), True
    ap = argparse.ArgumentParser(prog="netem browser", description=__doc__.split("\n\n")[0])
    ap.add_argument("profile")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--build", default=os.path.join(call.ROOT, "build"))
    ap.add_argument("--speech-dir")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE")
    ap.add_argument("--json")
    ap.add_argument("--keep")
    ap.add_argument("--backend", choices=("auto", "netem", "fallback"), default="auto")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if not 2.0 <= args.seconds <= 600.0:
        ap.error("--seconds must be within 2..600")
    try:
        args.overrides = [call.parse_setting(s) for s in args.set]
    except ValueError as e:
        ap.error(str(e))
    return args, False


def main(argv=None):
    args, is_peer = parse_args(sys.argv[1:] if argv is None else argv)
    if is_peer:
        return peer(args)
    options = {"speech_dir": args.speech_dir, "overrides": args.overrides,
               "keep": os.path.abspath(args.keep) if args.keep else None,
               "backend": args.backend, "seed": args.seed}
    try:
        result = run_browser_call(args.profile, args.build, args.seconds, options)
    except (RuntimeError, KeyError, OSError, ValueError) as e:
        print("netem browser: %s" % e, file=sys.stderr)
        return 1
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    print("\n".join(summary(result)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(HERE))
    sys.exit(main())
