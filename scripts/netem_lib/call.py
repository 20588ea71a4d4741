"""One scored call between two sottods across an emulated link.

usage: scripts/netem call PROFILE [--codec sotto|opus|pcmu] [--seconds S]
           [--build DIR] [--speech-dir DIR] [--set SECTION.KEY=VALUE ...]
           [--json OUT] [--keep DIR] [--backend auto|netem|fallback]

Inside an Emulator (two network namespaces joined by an impaired link) each
namespace runs one sottod with the WAV audio backend: its input_file is that
side's test speech (after a few seconds of silence, so the call is up before
the first word), its output_file records what it hears. The caller calls the
callee over HTTP signalling with a bearer token; both daemons' statistics are
sampled every second; after the speech both are stopped and each direction
is scored (see scoring.py). Needs root.
"""

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from netem_lib import scoring, speech
from netem_lib.profiles import get_profile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CODECS = ("sotto", "opus", "pcmu")
SIGNAL_PORT = 8787
LEAD_S = 3.0          # silence before the speech: time for the call to connect, seconds
LEAD_PER_DELAY = 8.0  # plus this many one-way delays (set-up takes several round trips)
TAIL_S = 3.0          # kept running after the speech so its end arrives, seconds
CONNECT_TIMEOUT_S = 20.0
SAMPLE_PERIOD_S = 1.0
ROLES = ("caller", "callee")
DIRECTIONS = (("caller_to_callee", "caller", "callee"), ("callee_to_caller", "callee", "caller"))


class CallError(RuntimeError):
    """The call could not be set up or run."""


def parse_setting(text):
    """'section.key=value' -> (section, key, value); raises ValueError when malformed."""
    name, sep, value = text.partition("=")
    section, dot, key = name.strip().partition(".")
    if not sep or not dot or not section or not key or "\n" in value:
        raise ValueError("bad --set %r: expected SECTION.KEY=VALUE" % text)
    return section, key.strip(), value.strip()


def config_text(sections):
    """INI text of an ordered {section: {key: value}}."""
    lines = []
    for section, keys in sections.items():
        lines.append("[%s]" % section)
        lines.extend("%s = %s" % (k, v) for k, v in keys.items())
    return "\n".join(lines) + "\n"


def check_config(sottod, path):
    """None when `sottod --check-config` accepts the file, else its message."""
    proc = subprocess.run([sottod, "--check-config", "--config", path],
                          capture_output=True, text=True, check=False, timeout=20)
    return None if proc.returncode == 0 else (proc.stderr or proc.stdout).strip()


def daemon_accepts(sottod, section, key, value, workdir):
    """Whether this sottod knows [section] key (probes --check-config with that key alone)."""
    path = os.path.join(workdir, "probe.conf")
    with open(path, "w") as fh:
        fh.write(config_text({section: {key: value}}))
    try:
        return check_config(sottod, path) is None
    finally:
        os.remove(path)


class Control:
    """Minimal client of one daemon's control socket (one request per connection)."""

    def __init__(self, path):
        self.path = path

    def request(self, cmd, args=None, timeout=20.0):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.path)
            msg = {"id": 1, "cmd": cmd}
            if args is not None:
                msg["args"] = args
            s.sendall(json.dumps(msg).encode() + b"\n")
            buf = b""
            while True:
                while b"\n" not in buf:
                    chunk = s.recv(65536)
                    if not chunk:
                        raise CallError("control socket closed during %s" % cmd)
                    buf += chunk
                line, buf = buf.split(b"\n", 1)
                reply = json.loads(line)
                if reply.get("type") == "response":
                    if not reply.get("ok"):
                        raise CallError("%s: %s" % (cmd, reply.get("error")))
                    return reply["result"]


class Sottod:
    """One sottod process in a namespace, with its own folder, socket and log."""

    def __init__(self, role, folder, sottod, prefix):
        self.role, self.dir, self.sottod, self.prefix = role, folder, sottod, list(prefix)
        self.config = os.path.join(folder, "sotto.conf")
        self.socket = os.path.join(folder, "ctl.sock")
        self.log_path = os.path.join(folder, "sottod.log")
        self.ctl = Control(self.socket)
        self.proc = None

    def start(self):
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.prefix + [self.sottod, "--config", self.config, "--socket", self.socket,
                               "--log-level", "debug"],
                stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CallError("%s sottod exited: %s" % (self.role, self.log_tail()))
            try:
                self.ctl.request("version", timeout=1)
                return
            except (OSError, CallError, ValueError):
                time.sleep(0.02)
        raise CallError("%s sottod did not come up: %s" % (self.role, self.log_tail()))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def log_tail(self, chars=1500):
        try:
            with open(self.log_path, "rb") as fh:
                return fh.read().decode(errors="replace")[-chars:]
        except OSError:
            return ""

    def log_lines(self, needle):
        """Lines of the log that contain `needle`."""
        try:
            with open(self.log_path, "rb") as fh:
                text = fh.read().decode(errors="replace")
        except OSError:
            return []
        return [line.strip() for line in text.splitlines() if needle in line]


def build_configs(emu, codec, workdirs, inputs, overrides, token):
    """{role: {section: {key: value}}} for both daemons, overrides applied last."""
    configs = {}
    for role in ROLES:
        callee = role == "callee"
        addr = emu.addr_b if callee else emu.addr_a
        audio = {"backend": "wav", "output_file": os.path.join(workdirs[role], "received.wav")}
        if inputs.get(role):
            audio["input_file"] = inputs[role]
        configs[role] = {
            "audio": audio,
            "network": {"ice_address": addr,
                        "state_dir": os.path.join(workdirs[role], "state"),
                        "signal_address": addr if callee else "",
                        "signal_port": str(SIGNAL_PORT),
                        "signal_token": token if callee else ""},
            "call": {"incoming": "auto"},
            "codec": {"order": codec},
        }
        for section, key, value in overrides:
            configs[role].setdefault(section, {})[key] = value
    return configs


def _link_override(sottod, profile, overrides, workdir, notes):
    """[network] link_kbps from the profile's rate when this sottod knows the key."""
    rate = getattr(profile, "rate_kbit", 0) or 0
    if not rate or any(s == "network" and k == "link_kbps" for s, k, _ in overrides):
        return []
    value = str(int(round(rate)))
    if daemon_accepts(sottod, "network", "link_kbps", value, workdir):
        return [("network", "link_kbps", value)]
    notes.append("this sottod has no [network] link_kbps: the %s kbit/s link cap was not "
                 "passed to the daemons" % value)
    return []


def audio_start(ctl, t_ref):
    """(audio_start_s, uptime_start_s) on the runner's clock from one status request.

    The WAV files are indexed by captured frames, so frames_captured times
    frame_ms is the input file's position now; uptime_s is kept as a check.
    """
    before = time.monotonic()
    status = ctl.request("status")
    now = (before + time.monotonic()) / 2 - t_ref
    audio = status.get("audio", {})
    frames, frame_ms = audio.get("frames_captured"), audio.get("frame_ms")
    by_frames = now - frames * frame_ms / 1000.0 if frames is not None and frame_ms else None
    return by_frames, now - status["uptime_s"]


def _call_record(daemon):
    calls = daemon.ctl.request("stats")["calls"]
    return calls[0] if calls else None


def _wait_connected(caller, callee, deadline):
    while time.monotonic() < deadline:
        a, b = _call_record(caller), _call_record(callee)
        if a and b and a.get("state") == "active" and b.get("state") == "active" \
                and "media" in a and "media" in b:
            return True
        time.sleep(0.05)
    return False


def _sample_until(daemons, t_ref, until, stats_path):
    """Stats of both daemons every second until `until` (runner clock); returns the list."""
    samples, clocks = [], {role: [] for role in ROLES}
    with open(stats_path, "w") as out:
        while True:
            t = time.monotonic() - t_ref
            record = {"t": round(t, 3)}
            for role in ROLES:
                record[role] = _call_record(daemons[role])
                clocks[role].append(audio_start(daemons[role].ctl, t_ref))
            samples.append(record)
            out.write(json.dumps(record) + "\n")
            if t >= until:
                return samples, clocks
            time.sleep(max(0.0, SAMPLE_PERIOD_S - (time.monotonic() - t_ref - t)))


def _median_start(estimates):
    by_frames = sorted(e[0] for e in estimates if e[0] is not None)
    by_uptime = sorted(e[1] for e in estimates)
    uptime = by_uptime[len(by_uptime) // 2]
    # Without frame counts the daemon's uptime stands in (it starts a little earlier).
    return {"audio_start_s": by_frames[len(by_frames) // 2] if by_frames else uptime,
            "uptime_start_s": uptime}


def _controller_changes(samples, role):
    """The controller objects of `role`'s stats, each kept when it changed."""
    changes, last = [], None
    for s in samples:
        record = s.get(role) or {}
        ctl = record.get("controller", (record.get("media") or {}).get("controller"))
        if ctl is None:
            continue
        # Its own change counter when it has one: loss and report counts move every second.
        signature = ctl.get("changes", ctl) if isinstance(ctl, dict) else ctl
        if signature != last:
            changes.append({"t": s["t"], "controller": ctl})
            last = signature
    return changes


def call_lost_at(samples):
    """Runner time of the first sample where a daemon no longer had the call, or None."""
    for s in samples:
        if not s.get("caller") or not s.get("callee"):
            return s["t"]
    return None


def _media(role):
    return lambda s: (s.get(role) or {}).get("media")


def _field(role, key):
    media = _media(role)
    return lambda s: (media(s) or {}).get(key)


def direction_stats(samples, sender, receiver, t0, t1, latency_s):
    """Rates and gauges for sender -> receiver over the speech period [t0, t1]."""
    r0, r1 = t0 + latency_s, t1 + latency_s
    kbit = 8.0 / 1000.0
    lost = scoring.counter_rate(samples, _field(receiver, "packets_lost"), r0, r1)
    got = scoring.counter_rate(samples, _field(receiver, "packets_received"), r0, r1)
    concealed = scoring.counter_rate(samples, _field(receiver, "concealed_ms"), r0, r1)
    jitter, _ = scoring.gauge_summary(samples, _field(receiver, "jitter_ms"), r0, r1)
    jb, jb_max = scoring.gauge_summary(samples, _field(receiver, "jitter_buffer_ms"), r0, r1)
    rtt, _ = scoring.gauge_summary(
        samples, lambda s: (lambda v: v if v is not None and v >= 0 else None)(
            _field(sender, "rtt_ms")(s)), t0, t1)
    last = next((s[receiver]["media"] for s in reversed(samples)
                 if (s.get(receiver) or {}).get("media")), {})

    def rnd(v, digits=2):
        return None if v is None else round(v, digits)

    total = (lost or 0) + (got or 0)
    return {
        "codec": last.get("codec"), "ptime_ms": last.get("ptime_ms"),
        "wire_kbps": rnd(scoring.counter_rate(samples, _field(sender, "wire_bytes_sent"),
                                              t0, t1, kbit)),
        "wire_kbps_max4s": rnd(scoring.peak_window_rate(
            samples, _field(sender, "wire_bytes_sent"), t0, t1, kbit)),
        "wire_kbps_received": rnd(scoring.counter_rate(
            samples, _field(receiver, "wire_bytes_received"), r0, r1, kbit)),
        "payload_kbps": rnd(scoring.counter_rate(
            samples, _field(sender, "payload_bytes_sent"), t0, t1, kbit)),
        "payload_kbps_max4s": rnd(scoring.peak_window_rate(
            samples, _field(sender, "payload_bytes_sent"), t0, t1, kbit)),
        "loss_pct": rnd(100.0 * lost / total) if lost is not None and total > 0 else None,
        "loss_pct_reported": rnd(100.0 * last["loss_fraction"])
        if last.get("loss_fraction") is not None else None,
        "packets_late": last.get("packets_late"),
        "concealed_ms": rnd(concealed * (t1 - t0), 0) if concealed is not None else None,
        "concealed_pct": rnd(concealed / 10.0) if concealed is not None else None,
        "jitter_ms": rnd(jitter), "jitter_buffer_ms": rnd(jb), "jitter_buffer_ms_max": jb_max,
        "rtt_ms": rnd(rtt),
    }


def score_direction(result_dir, speech_sent, starts, samples, name, sender, receiver,
                    lead_s, options, workdir):
    """All figures of one direction (see scoring.py)."""
    sent = scoring.load(os.path.join(result_dir[sender], "input.wav"))
    heard = scoring.load(os.path.join(result_dir[receiver], "received.wav"))
    s_start = starts[sender]["audio_start_s"]
    r_start = starts[receiver]["audio_start_s"]
    on_axis = scoring.place(heard, r_start, s_start)
    out = {"direction": name, "speech": speech_sent.source, "transcript": speech_sent.transcript}
    out.update(scoring.intelligibility(sent, on_axis, lead_s, lead_s + speech_sent.seconds))
    latency_s = (out["latency_ms"] or 0.0) / 1000.0
    t0 = s_start + lead_s
    out.update(direction_stats(samples, sender, receiver, t0, t0 + speech_sent.seconds,
                               latency_s))
    out["wer"] = out["wer_sent"] = None
    out["estoi_files"] = out["estoi_vs_files"] = None
    if out.get("codec") and out["codec"].lower() == "sotto" and options.get("files", True):
        ref = files_reference(options["build"], os.path.join(result_dir[sender], "input.wav"),
                              lead_s, speech_sent.seconds, workdir)
        if ref and ref["estoi"] is not None and out["estoi"] is not None:
            out["estoi_files"] = ref["estoi"]
            out["estoi_vs_files"] = round(out["estoi"] - ref["estoi"], 4)
            out["segments_files"] = ref["segments"]
    if options.get("wer") and speech_sent.transcript and out["latency_ms"] is not None:
        first = int(lead_s * scoring.RATE)
        found = scoring.transcribe_wer(speech_sent.transcript, sent, on_axis, first,
                                       first + speech_sent.samples.size,
                                       int(latency_s * scoring.RATE), workdir)
        if found:
            out.update(found)
    return out


def files_reference(build, sent_path, lead_s, seconds, workdir):
    """The sent speech coded to files by sotto-codec (encode, decode, no
    network), scored like the call: the codec's own ESTOI on this speech,
    which the call's ESTOI is compared with. None without sotto-codec."""
    tool = os.path.join(build, "tools", "sotto-codec")
    if not os.access(tool, os.X_OK):
        return None
    coded, decoded = os.path.join(workdir, "files.sot"), os.path.join(workdir, "files.wav")
    try:
        for argv in ([tool, "encode", sent_path, coded], [tool, "decode", coded, decoded]):
            subprocess.run(argv, check=True, capture_output=True, timeout=300)
        scored = scoring.intelligibility(scoring.load(sent_path), scoring.load(decoded),
                                         lead_s, lead_s + seconds)
    except (subprocess.SubprocessError, OSError):
        return None
    finally:
        for path in (coded, decoded):
            if os.path.exists(path):
                os.remove(path)
    return scored


def _emulator(profile, options):
    from netem_lib.emulator import Emulator  # the emulator needs root and its helper
    build = options["build"]
    impair = os.path.join(build, "tests", "netem", "sotto-impair")
    return Emulator(profile, backend=options.get("backend", "auto"),
                    impair_bin=impair if os.access(impair, os.X_OK) else None,
                    seed=options.get("seed", 1))


def _emulator_commands(emu):
    """The commands that impaired the link, as the emulator ran them."""
    return [shlex.join(argv) for argv in emu.commands]


def _describe_profile(profile):
    fields = ("name", "description", "rate_kbit", "delay_ms", "jitter_ms", "loss_pct", "ge",
              "dup_pct", "reorder_pct")
    return {f: getattr(profile, f, None) for f in fields}


def _run_daemons(emu, codec, seconds, options, work, speeches, notes):
    """Configures, starts and calls; returns (samples, starts, configs, logs...)."""
    sottod = os.path.join(options["build"], "daemon", "sottod")
    dirs = {role: os.path.join(work, role) for role in ROLES}
    inputs = {}
    for index, role in enumerate(ROLES):
        os.makedirs(dirs[role], exist_ok=True)
        if role == "caller" or options.get("bidirectional", True):
            inputs[role] = os.path.join(dirs[role], "input.wav")
            speech.write_input(inputs[role], speeches[index], options["lead_s"])
    overrides = list(options.get("overrides", []))
    overrides += _link_override(sottod, emu.profile, overrides, work, notes)
    configs = build_configs(emu, codec, dirs, inputs, overrides, secrets.token_hex(12))
    daemons = {}
    for role in ROLES:
        daemons[role] = Sottod(role, dirs[role], sottod,
                               emu.prefix(emu.ns_b if role == "callee" else emu.ns_a))
        with open(daemons[role].config, "w") as fh:
            fh.write(config_text(configs[role]))
        problem = check_config(sottod, daemons[role].config)
        if problem:
            raise CallError("%s configuration refused: %s" % (role, problem))
    t_ref = time.monotonic()
    try:
        daemons["callee"].start()
        daemons["caller"].start()   # its speech starts now: call at once
        daemons["caller"].ctl.request("call", {
            "url": "http://%s:%d/v1/calls" % (emu.addr_b, SIGNAL_PORT),
            "token": configs["callee"]["network"]["signal_token"]}, timeout=CONNECT_TIMEOUT_S)
        if not _wait_connected(daemons["caller"], daemons["callee"],
                               time.monotonic() + CONNECT_TIMEOUT_S):
            raise CallError("the call did not connect within %.0f s" % CONNECT_TIMEOUT_S)
        connected = time.monotonic() - t_ref
        by_frames, by_uptime = audio_start(daemons["caller"].ctl, t_ref)
        start_a = by_uptime if by_frames is None else by_frames
        if connected - start_a > options["lead_s"]:
            notes.append("the call connected %.1f s after the caller started, after its "
                         "speech began (lead %.1f s)" % (connected - start_a, options["lead_s"]))
        until = start_a + options["lead_s"] + seconds + TAIL_S
        samples, clocks = _sample_until(daemons, t_ref, until, os.path.join(work, "stats.jsonl"))
        try:
            daemons["caller"].ctl.request("hangup")
        except CallError as e:
            notes.append("hang-up refused (%s): the call had already ended" % e)
        time.sleep(0.3)
    finally:
        codes = {role: daemons[role].stop() for role in ROLES if role in daemons}
    starts = {role: _median_start(clocks[role]) for role in ROLES}
    daemon_info = {role: {"exit_code": codes.get(role), "log": daemons[role].log_path,
                          "controller_log": daemons[role].log_lines("controller:")[-50:],
                          "call_end_log": daemons[role].log_lines(" ended: ")[-5:],
                          "controller_stats": _controller_changes(samples, role)}
                   for role in ROLES}
    return samples, starts, configs, dirs, daemon_info, round(connected, 3)


def run_call(profile, codec, build_dir, seconds, bidirectional=True, options=None):
    """Run one emulated call and score it; returns the result dict (see main()).

    options: speech_dir, overrides [(section, key, value)], keep (folder kept
    with configs, WAVs, logs and stats; else a temporary folder is removed),
    backend, seed, wer (bool), lead_s, speeches (two prepared speech.Speech
    to reuse). Raises CallError when the call cannot run.
    """
    if codec not in CODECS:
        raise ValueError("codec must be one of %s" % ", ".join(CODECS))
    if os.geteuid() != 0:
        raise CallError("network namespaces need root")
    opts = dict(options or {})
    opts.update(build=os.path.abspath(build_dir), bidirectional=bidirectional)
    if "lead_s" not in opts:   # an unknown profile name fails here (KeyError)
        delay_s = getattr(get_profile(profile) if isinstance(profile, str) else profile,
                          "delay_ms", 0) / 1000.0
        opts["lead_s"] = round(LEAD_S + LEAD_PER_DELAY * delay_s, 2)
    if not os.access(os.path.join(opts["build"], "daemon", "sottod"), os.X_OK):
        raise CallError("no sottod in %s/daemon (build first)" % opts["build"])
    work = opts.get("keep") or tempfile.mkdtemp(prefix="sotto-netem-")
    os.makedirs(work, exist_ok=True)
    notes = []
    try:
        speeches = opts.get("speeches") or [
            speech.prepare(seconds, d, work, opts.get("speech_dir")) for d in (0, 1)]
        with _emulator(profile, opts) as emu:
            commands = _emulator_commands(emu)
            samples, starts, configs, dirs, daemons, connected = _run_daemons(
                emu, codec, seconds, opts, work, speeches, notes)
        # After close() the fallback helpers' final counters are in.
        impair = emu.impair_stats()
        described, backend = _describe_profile(emu.profile), emu.backend
        result = {"profile": described, "backend": backend, "emulator_commands": commands,
                  "impair_stats": impair, "codec": codec, "seconds": seconds,
                  "lead_s": opts["lead_s"], "bidirectional": bidirectional,
                  "config": configs, "overrides": ["%s.%s=%s" % o for o in
                                                   opts.get("overrides", [])],
                  "connected_s": connected, "clock": starts, "daemons": daemons,
                  "call_lost_s": None,
                  "samples": len(samples), "notes": notes, "directions": {},
                  "keep": opts.get("keep")}
        lost = call_lost_at(samples)
        if lost is not None:
            # Seconds into the caller's speech; the silence after it is scored as heard.
            result["call_lost_s"] = round(lost - starts["caller"]["audio_start_s"]
                                          - opts["lead_s"], 2)
            notes.append("the call ended %.1f s into the speech: %s" % (
                result["call_lost_s"], "; ".join(daemons["caller"]["call_end_log"]
                                                 + daemons["callee"]["call_end_log"])))
        result["clock_disagreement_ms"] = {
            role: round(1000 * (starts[role]["audio_start_s"] - starts[role]["uptime_start_s"]), 1)
            for role in ROLES}
        for name, sender, receiver in DIRECTIONS:
            if sender == "callee" and not bidirectional:
                continue
            result["directions"][name] = score_direction(
                dirs, speeches[ROLES.index(sender)], starts, samples, name, sender, receiver,
                opts["lead_s"], opts, work)
        return result
    finally:
        if not opts.get("keep"):
            shutil.rmtree(work, ignore_errors=True)


def _fmt(value, digits=2):
    if value is None:
        return "-"
    return ("%%.%df" % digits) % value if isinstance(value, float) else str(value)


def summary(result):
    """Human-readable lines of one result."""
    p = result["profile"]
    lines = ["profile %s (%s), backend %s, codec %s, %s s of speech, connected after %.2f s"
             % (p["name"], p.get("description") or "", result["backend"], result["codec"],
                result["seconds"], result["connected_s"])]
    for name, d in result["directions"].items():
        lines.append(
            "  %-17s ESTOI %s  STOI %s  mouth-to-ear %s ms (%s..%s)  wire %s kbit/s (peak %s)"
            "  payload %s kbit/s  loss %s %%  concealed %s %%  jitter buffer %s ms  WER %s"
            "  ESTOI on files %s (call minus files %s)"
            % (name, _fmt(d["estoi"], 3), _fmt(d["stoi"], 3), _fmt(d["latency_ms"], 0),
               _fmt(d["latency_ms_min"], 0), _fmt(d["latency_ms_max"], 0),
               _fmt(d["wire_kbps"], 1), _fmt(d["wire_kbps_max4s"], 1),
               _fmt(d["payload_kbps"], 1), _fmt(d["loss_pct"], 1), _fmt(d["concealed_pct"], 1),
               _fmt(d["jitter_buffer_ms"], 0), _fmt(d["wer"], 2),
               _fmt(d.get("estoi_files"), 3), _fmt(d.get("estoi_vs_files"), 3)))
    for role, info in result["daemons"].items():
        if info["controller_stats"] or info["controller_log"]:
            lines.append("  %s controller: %d changes in stats, last log line: %s"
                         % (role, len(info["controller_stats"]),
                            info["controller_log"][-1] if info["controller_log"] else "-"))
    lines.extend("  note: " + n for n in result["notes"])
    return lines


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="netem call", description=__doc__.split("\n\n")[0])
    ap.add_argument("profile", help="emulator profile name")
    ap.add_argument("--codec", choices=CODECS, default="sotto")
    ap.add_argument("--seconds", type=float, default=20.0, help="speech per direction")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="meson build folder")
    ap.add_argument("--speech-dir", help="folder of *.wav or *.flac speech, searched recursively (default: espeak-ng)")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="config override for both daemons (repeatable)")
    ap.add_argument("--json", help="write the result JSON here")
    ap.add_argument("--keep", help="keep configs, WAVs, logs and stats in this folder")
    ap.add_argument("--backend", choices=("auto", "netem", "fallback"), default="auto")
    ap.add_argument("--seed", type=int, default=1, help="emulator random seed")
    ap.add_argument("--one-way", action="store_true", help="only the caller speaks")
    ap.add_argument("--wer", action="store_true", help="also score WER with pocketsphinx")
    args = ap.parse_args(argv)
    if not 2.0 <= args.seconds <= 600.0:
        ap.error("--seconds must be within 2..600")
    try:
        args.overrides = [parse_setting(s) for s in args.set]
    except ValueError as e:
        ap.error(str(e))
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    options = {"speech_dir": args.speech_dir, "overrides": args.overrides,
               "keep": os.path.abspath(args.keep) if args.keep else None,
               "backend": args.backend, "seed": args.seed, "wer": args.wer}
    try:
        result = run_call(args.profile, args.codec, args.build, args.seconds,
                          bidirectional=not args.one_way, options=options)
    except (RuntimeError, KeyError, OSError, ValueError) as e:
        print("netem call: %s" % (e.args[0] if isinstance(e, KeyError) else e), file=sys.stderr)
        return 1
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    print("\n".join(summary(result)))
    return 0
