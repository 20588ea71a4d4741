"""A Janus AudioBridge room with one participant behind an emulated link.

usage: scripts/netem room PROFILE [--seconds S] [--build DIR] [--json OUT]
           [--keep DIR] [--backend auto|netem|fallback] [--set SECTION.KEY=VALUE ...]
           [--mix-bitrate BPS]

Namespace a runs Debian's janus (AudioBridge, plain HTTP transport) and two
sottods, "alice" and "bob", on the clean side; namespace b runs "remote",
the sottod behind the profile's link, which gets the profile's rate as
[network] link_kbps like `scripts/netem call`. Alice and bob take turns
(alice speaks while bob is silent, then the other way round) and remote
speaks all along. Reported: every participant's wire rate up and down
(IP packets as the daemon counts them, every header included), remote's
link controller, and the ESTOI of remote's mix against alice's and bob's
clean speech on one time axis (scoring.intelligibility, which re-aligns
each segment). Needs root and janus.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

from netem_lib import scoring, speech
from netem_lib.call import (CallError, Sottod, _link_override, audio_start, config_text,
                            parse_setting)
from netem_lib.emulator import Emulator
from netem_lib.profiles import get_profile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JANUS = "/usr/bin/janus"
JANUS_LIB = "/usr/lib/x86_64-linux-gnu/janus"
JANUS_PORT = 8088
ROOM = 4242
LEAD_S = 6.0              # silence while everyone joins, seconds
TAIL_S = 3.0
PEOPLE = (("alice", "a"), ("bob", "a"), ("remote", "b"))


def janus_config(folder, address):
    """Writes a Janus configuration for one room on address; returns janus.jcfg."""
    plugins = ",".join(sorted(f for f in os.listdir(os.path.join(JANUS_LIB, "plugins"))
                              if f.endswith(".so") and "audiobridge" not in f))
    transports = ",".join(sorted(f for f in os.listdir(os.path.join(JANUS_LIB, "transports"))
                                 if f.endswith(".so") and "http" not in f))
    with open(os.path.join(folder, "janus.jcfg"), "w") as f:
        f.write('general: {\n configs_folder = "%s"\n plugins_folder = "%s/plugins"\n'
                ' transports_folder = "%s/transports"\n events_folder = "%s/events"\n'
                ' loggers_folder = "%s/loggers"\n debug_level = 4\n}\n'
                'nat: {\n ice_enforce_list = "%s"\n}\nplugins: {\n disable = "%s"\n}\n'
                'transports: {\n disable = "%s"\n}\n'
                % (folder, JANUS_LIB, JANUS_LIB, JANUS_LIB, JANUS_LIB, address, plugins,
                   transports))
    with open(os.path.join(folder, "janus.plugin.audiobridge.jcfg"), "w") as f:
        f.write('general: {\n}\nroom-%d: {\n description = "slow-link room"\n'
                ' sampling_rate = 16000\n}\n' % ROOM)
    with open(os.path.join(folder, "janus.transport.http.jcfg"), "w") as f:
        f.write('general: {\n json = "plain"\n base_path = "/janus"\n http = true\n port = %d\n'
                ' ip = "%s"\n https = false\n}\nadmin: {\n admin_http = false\n}\n'
                % (JANUS_PORT, address))
    return os.path.join(folder, "janus.jcfg")


def speeches(seconds, work):
    """Inputs on one axis: alice then bob in turns, remote all along."""
    half = seconds / 2.0
    a = speech.prepare(half, 0, work)
    b = speech.prepare(half, 1, work)
    r = speech.prepare(seconds, 2, work)
    quiet = np.zeros(a.samples.size)
    return {"alice": np.concatenate([a.samples, quiet]),
            "bob": np.concatenate([np.zeros(a.samples.size), b.samples]),
            "remote": r.samples}


def wire(samples, who, key, t0, t1):
    rate = scoring.counter_rate(samples, lambda s: ((s.get(who) or {}).get("media") or {})
                                .get(key), t0, t1, 8.0 / 1000.0)
    return None if rate is None else round(rate, 2)


def run(profile, seconds, options):
    work = options["work"]
    sottod = os.path.join(options["build"], "daemon", "sottod")
    inputs = speeches(seconds, work)
    result = {"profile": profile.name, "description": profile.description, "seconds": seconds,
              "participants": {}}
    with Emulator(profile, backend=options["backend"]) as emu:
        jdir = os.path.join(work, "janus")
        os.makedirs(jdir, exist_ok=True)
        jlog = open(os.path.join(jdir, "janus.log"), "wb")
        janus = subprocess.Popen(emu.prefix(emu.ns_a) + [JANUS, "-F", jdir, "-C",
                                 janus_config(jdir, emu.addr_a), "-o"],
                                 stdout=jlog, stderr=jlog)
        daemons = {}
        notes = []
        try:
            time.sleep(2.0)
            link = _link_override(sottod, profile, [], work, notes)
            for name, side in PEOPLE:
                folder = os.path.join(work, name)
                os.makedirs(folder, exist_ok=True)
                path = os.path.join(folder, "input.wav")
                speech.write_input(path, speech.Speech(inputs[name], name), LEAD_S)
                cfg = {"audio": {"backend": "wav", "input_file": path,
                                 "output_file": os.path.join(folder, "received.wav")},
                       "network": {"ice_address": emu.addr_a if side == "a" else emu.addr_b,
                                   "state_dir": os.path.join(folder, "state"),
                                   "signal_port": "0"}}
                for section, key, value in (link if side == "b" else []) + options["overrides"]:
                    cfg.setdefault(section, {})[key] = value
                d = Sottod(name, folder, sottod, emu.prefix(emu.ns_a if side == "a" else emu.ns_b))
                with open(d.config, "w") as fh:
                    fh.write(config_text(cfg))
                daemons[name] = d
            t_ref = time.monotonic()
            for d in daemons.values():
                d.start()
            url = "janus+http://%s:%d/janus" % (emu.addr_a, JANUS_PORT)
            for name, d in daemons.items():
                join = {"url": url, "room": str(ROOM), "display": name}
                if options.get("mix_bitrate"):
                    join["bitrate"] = str(options["mix_bitrate"])
                d.ctl.request("join", join, timeout=30)
            starts = {n: audio_start(d.ctl, t_ref)[0] for n, d in daemons.items()}
            until = max(starts.values()) + LEAD_S + seconds + TAIL_S
            samples = []
            while time.monotonic() - t_ref < until:
                rec = {"t": round(time.monotonic() - t_ref, 3)}
                for n, d in daemons.items():
                    calls = d.ctl.request("stats")["calls"]
                    rec[n] = calls[0] if calls else None
                samples.append(rec)
                time.sleep(1.0)
        finally:
            for d in daemons.values():
                d.stop()
            janus.terminate()
            janus.wait(10)
            jlog.close()
    with open(os.path.join(work, "stats.jsonl"), "w") as fh:
        for s in samples:
            fh.write(json.dumps(s) + "\n")
    t0, t1 = min(starts.values()) + LEAD_S + 1.0, min(starts.values()) + LEAD_S + seconds
    for name, _ in PEOPLE:
        last = next((s[name] for s in reversed(samples) if (s.get(name) or {}).get("media")), {})
        media = last.get("media", {})
        result["participants"][name] = {
            "wire_kbps_up": wire(samples, name, "wire_bytes_sent", t0, t1),
            "wire_kbps_down": wire(samples, name, "wire_bytes_received", t0, t1),
            "payload_kbps_up": wire(samples, name, "payload_bytes_sent", t0, t1),
            "payload_kbps_down": wire(samples, name, "payload_bytes_received", t0, t1),
            "ptime_ms": media.get("ptime_ms"), "srtp_profile": media.get("srtp_profile"),
            "loss_pct_down": None if media.get("loss_fraction") is None
            else round(100.0 * media["loss_fraction"], 2),
            "controller": (media.get("controller") or {}).get("reason"),
        }
    # Remote's mix against alice's and bob's clean speech, on alice's axis.
    lead = int(LEAD_S * scoring.RATE)
    ref = np.zeros(lead + inputs["alice"].size)
    ref[lead:] += inputs["alice"]
    shift = int(round((starts["bob"] - starts["alice"]) * scoring.RATE))
    bob = np.concatenate([np.zeros(lead), inputs["bob"]])
    bob = np.concatenate([np.zeros(shift), bob]) if shift >= 0 else bob[-shift:]
    ref[:min(ref.size, bob.size)] += bob[:min(ref.size, bob.size)]
    mix = scoring.place(scoring.load(os.path.join(work, "remote", "received.wav")),
                        starts["remote"], starts["alice"])
    scored = scoring.intelligibility(ref, mix, LEAD_S, LEAD_S + seconds)
    result["remote_mix"] = {k: scored[k] for k in ("estoi", "stoi", "latency_ms",
                                                    "segments_scored")}
    result["notes"] = notes
    return result


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="netem room", description=__doc__.split("\n\n")[0])
    ap.add_argument("profile")
    ap.add_argument("--seconds", type=float, default=30.0, help="speech seconds (default 30)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--backend", choices=["auto", "netem", "fallback"], default="auto")
    ap.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                    help="a setting for every sottod (e.g. codec.opus_bitrate=12000)")
    ap.add_argument("--mix-bitrate", type=int,
                    help="bit/s of the mix Janus sends each (join --bitrate)")
    ap.add_argument("--json", help="write the result here too")
    ap.add_argument("--keep", help="keep the recordings and logs in this folder")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0 or not os.access(JANUS, os.X_OK):
        print("netem room: needs root and janus (Debian: janus)", file=sys.stderr)
        return 1
    work = args.keep or tempfile.mkdtemp(prefix="sotto-room-")
    os.makedirs(work, exist_ok=True)
    try:
        result = run(get_profile(args.profile), args.seconds,
                     {"work": work, "build": args.build, "backend": args.backend,
                      "mix_bitrate": args.mix_bitrate,
                      "overrides": [parse_setting(s) for s in args.set]})
    except (CallError, OSError, ValueError) as exc:
        print("netem room: %s" % exc, file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text + "\n")
    return 0
