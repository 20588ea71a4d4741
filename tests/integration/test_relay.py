"""A call forced through a real TURN server (coturn, started here) works:
only relayed candidates are signalled, and audio arrives."""
import atexit
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import wait_for  # noqa: E402
from test_calls import Pair, decode_token, read_wav, rpc, tone_power  # noqa: E402

TURNSERVER = shutil.which("turnserver")
CLI_PASSWORD = "turn-cli-test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Coturn:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sotto-turn-")
        atexit.register(shutil.rmtree, self.dir, True)
        self.port = free_port()
        self.cli_port = free_port()
        self.log = open(os.path.join(self.dir, "turn.log"), "w")
        self.proc = subprocess.Popen(
            [TURNSERVER, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
             "--listening-port=%d" % self.port, "--min-port=49160", "--max-port=49999",
             "--lt-cred-mech", "--user=sotto:relay-secret", "--realm=sotto.test",
             "--no-tls", "--no-dtls", "--cli-ip=127.0.0.1", "--cli-port=%d" % self.cli_port,
             "--cli-password=%s" % CLI_PASSWORD, "--allow-loopback-peers",
             "--pidfile=%s/turn.pid" % self.dir, "--log-file=stdout", "--simple-log", "-v"],
            stdout=self.log, stderr=subprocess.STDOUT)
        ok = wait_for(self.listening, 10)
        if not ok:
            self.stop()
            raise RuntimeError("coturn did not start")

    def sessions(self):
        """Allocations coturn holds now, from "ps" on its CLI (telnet) port."""
        with socket.create_connection(("127.0.0.1", self.cli_port), timeout=5) as s:
            def read_until(marker):
                buf = b""
                while marker not in buf:
                    chunk = s.recv(4096)
                    if not chunk:
                        raise ConnectionError("coturn CLI closed: %r" % buf)
                    buf += chunk
                return buf.decode(errors="replace")
            read_until(b"password:")
            s.sendall(CLI_PASSWORD.encode() + b"\r\n")
            read_until(b"> ")
            s.sendall(b"ps\r\n")
            out = read_until(b"> ")
        m = re.search(r"Total sessions: (\d+)", out)
        if not m:
            raise AssertionError("no session count in coturn's ps: " + out)
        return int(m.group(1))

    def read_log(self):
        self.log.flush()
        with open(os.path.join(self.dir, "turn.log"), errors="replace") as f:
            return f.read()

    def listening(self):
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@unittest.skipUnless(TURNSERVER, "coturn is not installed")
class RelayOnly(unittest.TestCase):
    def relay_call(self, transport):
        turn = Coturn()
        p = None
        try:
            extra = ("turn_server = 127.0.0.1:%d\nturn_transport = %s\nturn_username = sotto\n"
                     "turn_password = relay-secret\nrelay_only = true\n" % (turn.port, transport))
            p = Pair(network_extra=extra)
            offer = rpc(p.a, "offer", timeout=30)
            cands = [l for l in decode_token(offer["token"]).split("\r\n")
                     if l.startswith("a=candidate:")]
            self.assertTrue(cands, "no candidates in the offer")
            for c in cands:
                self.assertIn(" typ relay", c)
            answer = rpc(p.b, "accept", {"token": offer["token"]}, timeout=30)
            rpc(p.a, "complete", {"token": answer["token"]})
            self.assertTrue(wait_for(lambda: Pair.state(p.a) == "active" and
                                     Pair.state(p.b) == "active", 20),
                            p.a.read_log() + p.b.read_log())
            time.sleep(2)
            self.assertGreater(rpc(p.b, "stats")["calls"][0]["media"]["packets_received"], 40)
        finally:
            if p:
                p.stop()
            turn.stop()
        rate, x = read_wav(os.path.join(p.b.dir, "received.wav"))
        loud = [i for i, v in enumerate(x) if abs(v) > 3000]
        self.assertTrue(loud, "nothing arrived through the relay")
        seg = x[loud[0] + rate // 2: loud[0] + rate // 2 + rate]
        self.assertGreater(tone_power(seg, rate, p.freqs[0]), 0.8)

    def relayed_call_then_hangup(self, p, turn):
        """One relayed call hung up by the caller: returns (allocations
        during the call, seconds until coturn held none, or None)."""
        p.connect_by_token()
        held = turn.sessions()
        time.sleep(1)
        t0 = time.monotonic()
        rpc(p.a, "hangup")
        counts = []
        released = wait_for(lambda: counts.append((round(time.monotonic() - t0, 2),
                                                   turn.sessions())) or counts[-1][1] == 0,
                            3, step=0.1)
        return held, counts[-1][0] if released else None

    def test_hangup_releases_the_turn_allocations_and_descriptors(self):
        # Each side deletes its allocation at hang-up with a Refresh of
        # lifetime 0 (RFC 8656 section 7), rather than leaving it to time out
        # on the server (600 s). coturn frees a deleted allocation on its
        # own timer, about a second later: the count is polled up to 3 s.
        # The first call leaves one-time state (GLib's worker, the WAV
        # file); a second one must leave nothing more.
        turn = Coturn()
        p = None
        try:
            extra = ("turn_server = 127.0.0.1:%d\nturn_transport = udp\nturn_username = sotto\n"
                     "turn_password = relay-secret\nrelay_only = true\n" % turn.port)
            p = Pair(network_extra=extra)
            procs, times = [p.a.ctl_json("status")["process"]], []
            for _ in range(2):
                held, released_s = self.relayed_call_then_hangup(p, turn)
                self.assertGreaterEqual(held, 2, "the call held no TURN allocation of each side")
                self.assertIsNotNone(released_s, "coturn still holds allocations 3 s after "
                                     "hang-up:\n" + turn.read_log())
                times.append(released_s)
                wait_for(lambda: Pair.state(p.b) is None, 5)
                procs.append(p.a.ctl_json("status")["process"])
            print("TURN allocations gone %s s after hang-up; caller fds/sockets %s" %
                  (times, [(x["fds"], x["sockets"]) for x in procs]), file=sys.stderr)
            log = turn.read_log()
            deleted = re.findall(r"session (\d+): refreshed, .*lifetime=0", log)
            self.assertGreaterEqual(len(set(deleted)), 4, "no Refresh with lifetime 0:\n" + log)
            self.assertEqual((procs[2]["fds"], procs[2]["sockets"]),
                             (procs[1]["fds"], procs[1]["sockets"]),
                             "the second call left descriptors behind")
        finally:
            if p:
                p.stop()
            turn.stop()

    def test_relay_only_call_over_turn_udp(self):
        self.relay_call("udp")

    def test_relay_only_call_over_turn_tcp(self):
        self.relay_call("tcp")


if __name__ == "__main__":
    unittest.main(verbosity=2)
