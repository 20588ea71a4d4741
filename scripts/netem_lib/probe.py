"""Measures an emulated link: a paced UDP sender in one namespace, a receiver
in the other. Each datagram carries its sequence number and its send time on
CLOCK_MONOTONIC, which all network namespaces share, so one-way delay is the
receive time minus the send time."""
import ast
import math
import subprocess

PYTHON = "/usr/bin/python3"
IP_UDP_HEADER = 28       # bytes a datagram adds on the wire above Ethernet
HEADER = 12              # seq (uint32) + send time (uint64, ns)
PORT = 47000

SENDER = r"""
import os, socket, struct, sys, time
addr, port, pps, size, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE: held packets count
except OSError:
    pass
pad = b"\0" * (size - 12)
n = int(round(pps * seconds))
start = time.monotonic_ns() + 20000000
errors = 0
for seq in range(n):
    due = start + int(seq * 1e9 / pps)
    wait = due - time.monotonic_ns()
    if wait > 0:
        time.sleep(wait / 1e9)
    try:
        s.sendto(struct.pack("!IQ", seq, time.monotonic_ns()) + pad, (addr, port))
    except OSError:
        errors += 1
print(n, errors, flush=True)
"""

RECEIVER = r"""
import select, socket, struct, sys, time
addr, port, linger = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind((addr, port))
print("ready", flush=True)
rows = []
deadline = None                # set once the parent says the sender is done
while deadline is None or time.monotonic() < deadline:
    ready, _, _ = select.select([s, sys.stdin], [], [], 0.05)
    if s in ready:
        data = s.recv(65536)
        now = time.monotonic_ns()
        if len(data) >= 12:
            seq, sent = struct.unpack("!IQ", data[:12])
            rows.append((seq, sent, now, len(data)))
    if sys.stdin in ready and deadline is None:
        sys.stdin.readline()
        deadline = time.monotonic() + linger
sys.stdout.write(repr(rows) + "\n")
"""


class ProbeError(RuntimeError):
    """The probe's sender or receiver failed."""


def _percentile(sorted_values, q):
    if not sorted_values:
        return None
    pos = q * (len(sorted_values) - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(rows, sent, pps, size, seconds, warmup_s=1.0):
    """Statistics of one direction from the receiver's (seq, sent_ns,
    received_ns, bytes) rows: loss, loss bursts, one-way delay, duplicates,
    reordering (late packets, and the packets that overtook them) and the received rate (IP bytes; the first warmup_s seconds
    are left out so a token bucket's initial burst does not count)."""
    seen = set()
    firsts = []
    duplicates = reordered = 0
    highest = -1
    for seq, sent_ns, recv_ns, nbytes in rows:
        if seq >= sent:
            continue
        if seq in seen:
            duplicates += 1
            continue
        seen.add(seq)
        if seq < highest:
            reordered += 1
        highest = max(highest, seq)
        firsts.append((seq, sent_ns, recv_ns, nbytes))
    # Packets that overtook others (netem's "reorder" sends these at once).
    early = 0
    lowest_later = None
    for seq, *_ in reversed(firsts):
        early += lowest_later is not None and seq > lowest_later
        lowest_later = seq if lowest_later is None else min(lowest_later, seq)
    lost = sent - len(seen)
    runs = 0
    prev_lost = False
    for seq in range(sent):
        is_lost = seq not in seen
        runs += is_lost and not prev_lost
        prev_lost = is_lost
    delays = sorted((r[2] - r[1]) / 1e6 for r in firsts)
    mean = sum(delays) / len(delays) if delays else None
    stdev = (math.sqrt(sum((d - mean) ** 2 for d in delays) / len(delays))
             if delays else None)
    throughput = None
    if rows:
        t0 = min(r[2] for r in rows)
        start = t0 + int(warmup_s * 1e9) if seconds > 3 * warmup_s else t0
        window = [r for r in rows if r[2] >= start]
        if len(window) >= 2:
            span = (window[-1][2] - window[0][2]) / 1e9
            bits = sum((r[3] + IP_UDP_HEADER) * 8 for r in window[1:])
            throughput = bits / span / 1000.0 if span > 0 else None
    return {
        "sent": sent,
        "received": len(seen),
        "lost": lost,
        "loss_pct": 100.0 * lost / sent if sent else 0.0,
        "loss_bursts": runs,
        "mean_burst": lost / runs if runs else 0.0,
        "delay_ms": {
            "mean": mean, "stdev": stdev,
            "min": delays[0] if delays else None,
            "p5": _percentile(delays, 0.05), "p50": _percentile(delays, 0.50),
            "p95": _percentile(delays, 0.95),
            "max": delays[-1] if delays else None,
        },
        "duplicates": duplicates,
        "reordered": reordered,          # RFC 4737: arrived after a higher number
        "overtaking": early,             # arrived before a lower number
        "throughput_kbit": throughput,
        "offered_kbit": pps * (size + IP_UDP_HEADER) * 8 / 1000.0,
        "packet_bytes": size + IP_UDP_HEADER,
        "pps": pps,
        "seconds": seconds,
    }


def linger_s(profile):
    """How long the receiver keeps listening after the sender is done: the
    longest delay the profile gives plus a full tbf queue draining."""
    worst = profile.delay_ms + 3 * profile.jitter_ms
    if profile.rate_kbit:
        worst += 1600 * 8 / profile.rate_kbit * 2     # ms: two full frames of queue
    return 0.5 + worst / 1000.0


def _start(prefix, code, args):
    return subprocess.Popen(prefix + [PYTHON, "-c", code] + [str(a) for a in args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def run(emu, directions=("a_to_b",), pps=50.0, size=160, seconds=5.0, warmup_s=1.0):
    """Probes each direction (at the same time) and returns {direction:
    statistics}. size is the UDP payload in bytes (at least 12)."""
    if size < HEADER or size > 1472:
        raise ValueError("probe payload must be 12..1472 bytes")
    if pps <= 0 or seconds <= 0:
        raise ValueError("pps and seconds must be positive")
    ends = {"a_to_b": (emu.ns_a, emu.ns_b, emu.addr_b),
            "b_to_a": (emu.ns_b, emu.ns_a, emu.addr_a)}
    procs = {}
    try:
        for i, d in enumerate(directions):
            src, dst, addr = ends[d]
            rx = _start(emu.prefix(dst), RECEIVER, [addr, PORT + i, linger_s(emu.profile)])
            procs[d] = [rx, None]
        for d, pair in procs.items():
            line = pair[0].stdout.readline()
            if line.strip() != "ready":
                raise ProbeError("receiver for %s did not start: %s" % (
                    d, pair[0].stderr.read().strip()))
        for i, d in enumerate(directions):
            src, dst, addr = ends[d]
            procs[d][1] = _start(emu.prefix(src), SENDER, [addr, PORT + i, pps, size, seconds])
        results = {}
        for d, (rx, tx) in procs.items():
            out, err = tx.communicate(timeout=seconds + 30)
            if tx.returncode != 0:
                raise ProbeError("sender for %s failed: %s" % (d, err.strip()))
            sent = int(out.split()[0])
            results[d] = sent
        for d, (rx, tx) in procs.items():
            rx.stdin.write("done\n")
            rx.stdin.flush()
        stats = {}
        for d, (rx, tx) in procs.items():
            out, err = rx.communicate(timeout=linger_s(emu.profile) + 30)
            if rx.returncode != 0:
                raise ProbeError("receiver for %s failed: %s" % (d, err.strip()))
            rows = ast.literal_eval(out.strip().splitlines()[-1])
            stats[d] = summarize(rows, results[d], pps, size, seconds, warmup_s)
            stats[d]["direction"] = d
        return stats
    finally:
        for pair in procs.values():
            for p in pair:
                if p and p.poll() is None:
                    p.kill()
                    p.wait()



ETHERNET_HEADER = 14     # tbf and netem count the frame the veth sends


def delay_plan(profile, seconds):
    """Probe settings for loss and delay: voice-like 50 packets/s of 160
    bytes, slower where the jitter is large (FIFO order lifts the mean when
    packets come faster than the jitter) or the link slow (the probe must
    use under half of the rate, or it would measure queueing), faster on
    unshaped links without jitter so loss figures rest on more packets."""
    size = 160
    pps = 50.0
    if profile.jitter_ms:
        pps = min(pps, 1000.0 / (2 * profile.jitter_ms))
    elif not profile.rate_kbit:
        pps = 200.0
    if profile.rate_kbit:
        frame_bits = (size + IP_UDP_HEADER + ETHERNET_HEADER) * 8
        pps = min(pps, 0.5 * profile.rate_kbit * 1000 / frame_bits)
    return {"pps": round(pps, 3), "size": size, "seconds": seconds}


def throughput_plan(profile, seconds):
    """Twice the link rate in large datagrams: what arrives is the capacity."""
    size = 372 if profile.rate_kbit <= 64 else 972
    pps = 2 * profile.rate_kbit * 1000 / ((size + IP_UDP_HEADER) * 8)
    return {"pps": round(pps, 3), "size": size, "seconds": seconds}


def measure(emu, seconds, directions=("a_to_b", "b_to_a")):
    """The delay/loss probe, and for shaped links the throughput probe, each
    direction at once. Returns {direction: {"delay": stats, "throughput":
    stats or None}}."""
    plan = delay_plan(emu.profile, seconds)
    delay = run(emu, directions, plan["pps"], plan["size"], plan["seconds"])
    tput = None
    if emu.profile.rate_kbit:
        plan = throughput_plan(emu.profile, seconds)
        tput = run(emu, directions, plan["pps"], plan["size"], plan["seconds"])
    return {d: {"delay": delay[d], "throughput": tput[d] if tput else None}
            for d in directions}


def nominal(profile, packet_bytes=None):
    """What a probe should see on this profile: loss, burst, one-way delay,
    its 5-95% spread, and the time one probe frame takes at the link rate.
    netem adds that time to every packet; tbf lets a packet through at once
    while its bucket holds tokens, so the fallback's delay lies between
    delay_ms and delay_ms + serialization_ms."""
    ser = 0.0
    if profile.rate_kbit and packet_bytes:
        ser = (packet_bytes + ETHERNET_HEADER) * 8 / profile.rate_kbit
    return {"loss_pct": profile.expected_loss_pct(), "mean_burst": profile.expected_burst(),
            "delay_ms": profile.delay_ms, "serialization_ms": ser,
            "spread_ms": 3.29 * profile.jitter_ms, "rate_kbit": profile.rate_kbit or None}


def loss_tolerance(loss_pct, n, burst):
    """Four standard deviations of a loss share over n packets; bursts make
    losses correlated, which widens it by about sqrt(2 * burst - 1)."""
    p = loss_pct / 100.0
    widen = math.sqrt(max(1.0, 2 * (burst or 1.0) - 1))
    return max(0.5, 400.0 * math.sqrt(p * (1 - p) / max(n, 1)) * widen)


def _check(results, name, ok, measured, expected):
    results.append({"check": name, "ok": bool(ok), "measured": measured, "expected": expected})


def compare_nominal(profile, measured):
    """Checks one direction's measurement against the profile. Returns a
    list of {"check", "ok", "measured", "expected"}."""
    out = []
    d = measured["delay"]
    nom = nominal(profile, d["packet_bytes"])
    tol = loss_tolerance(nom["loss_pct"], d["sent"], nom["mean_burst"])
    _check(out, "loss_pct", abs(d["loss_pct"] - nom["loss_pct"]) <= tol,
           round(d["loss_pct"], 2), "%.2f +- %.2f" % (nom["loss_pct"], tol))
    if profile.ge and nom["mean_burst"]:
        _check(out, "mean_burst", abs(d["mean_burst"] - nom["mean_burst"]) <= 1.0,
               round(d["mean_burst"], 2), "%.2f +- 1" % nom["mean_burst"])
    mean = d["delay_ms"]["mean"]
    if profile.is_clean():
        _check(out, "delay_mean_ms", mean is not None and mean < 5.0,
               mean and round(mean, 2), "< 5")
    elif mean is not None:
        tol = max(5.0, 0.05 * nom["delay_ms"], 0.15 * profile.jitter_ms)
        lo, hi = nom["delay_ms"] - tol, nom["delay_ms"] + nom["serialization_ms"] + tol
        _check(out, "delay_mean_ms", lo <= mean <= hi, round(mean, 2),
               "%.1f..%.1f" % (lo, hi))
    if profile.jitter_ms >= 5 and d["delay_ms"]["p95"] is not None:
        spread = d["delay_ms"]["p95"] - d["delay_ms"]["p5"]
        _check(out, "delay_spread_p5_p95_ms",
               0.6 * nom["spread_ms"] <= spread <= 1.35 * nom["spread_ms"],
               round(spread, 1), "%.1f (0.6x..1.35x)" % nom["spread_ms"])
    _check(out, "duplicates", d["duplicates"] <= max(2, 3 * profile.dup_pct * d["sent"] / 100),
           d["duplicates"], "about %.0f" % (profile.dup_pct * d["sent"] / 100))
    t = measured.get("throughput")
    if profile.rate_kbit and t and t["throughput_kbit"] is not None:
        # The rate counts Ethernet frames; the probe counts IP bytes.
        ip_share = t["packet_bytes"] / (t["packet_bytes"] + ETHERNET_HEADER)
        lo, hi = 0.85 * profile.rate_kbit * ip_share, 1.07 * profile.rate_kbit
        _check(out, "throughput_kbit", lo <= t["throughput_kbit"] <= hi,
               round(t["throughput_kbit"], 2), "%.1f..%.1f" % (lo, hi))
    return out


def compare_backends(profile, netem, fallback):
    """Checks that two back ends' measurements of one direction agree."""
    out = []
    a, b = netem["delay"], fallback["delay"]
    tol = math.sqrt(2) * loss_tolerance(profile.expected_loss_pct(), min(a["sent"], b["sent"]),
                                        profile.expected_burst())
    _check(out, "loss_pct netem vs fallback", abs(a["loss_pct"] - b["loss_pct"]) <= tol,
           "%.2f vs %.2f" % (a["loss_pct"], b["loss_pct"]), "difference <= %.2f" % tol)
    ma, mb = a["delay_ms"]["mean"], b["delay_ms"]["mean"]
    if ma is not None and mb is not None:
        tol = (max(5.0, 0.05 * profile.delay_ms, 0.15 * profile.jitter_ms)
               + nominal(profile, a["packet_bytes"])["serialization_ms"])
        _check(out, "delay_mean_ms netem vs fallback", abs(ma - mb) <= tol,
               "%.1f vs %.1f" % (ma, mb), "difference <= %.1f" % tol)
    if profile.jitter_ms >= 5 and a["delay_ms"]["p95"] is not None and b["delay_ms"]["p95"]:
        sa = a["delay_ms"]["p95"] - a["delay_ms"]["p5"]
        sb = b["delay_ms"]["p95"] - b["delay_ms"]["p5"]
        _check(out, "delay_spread_ms netem vs fallback", 0.7 <= sa / max(sb, 1e-3) <= 1.4,
               "%.1f vs %.1f" % (sa, sb), "ratio 0.7..1.4")
    ta, tb = netem.get("throughput"), fallback.get("throughput")
    if ta and tb and ta["throughput_kbit"] and tb["throughput_kbit"]:
        ratio = ta["throughput_kbit"] / tb["throughput_kbit"]
        _check(out, "throughput_kbit netem vs fallback", 0.85 <= ratio <= 1.15,
               "%.2f vs %.2f" % (ta["throughput_kbit"], tb["throughput_kbit"]),
               "ratio 0.85..1.15")
    return out
