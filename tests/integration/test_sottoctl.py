"""sottoctl against a scripted fake daemon: output formats, exit codes and
every way a daemon can misbehave (bad hello, other protocol, bad JSON,
early close, oversized line, silence, busy). Needs $SOTTOCTL."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

SOTTOCTL = os.environ.get("SOTTOCTL", "sottoctl")
HELLO = {"type": "hello", "protocol": 1, "version": "0.1.0", "pid": 1}


def event(seq, name, data, when=1714567890.25):
    return {"type": "event", "event": name, "seq": seq, "time": when, "data": data}


class FakeDaemon:
    """Accepts one connection and runs script(conn, request_reader) on it."""

    def __init__(self, script):
        self.dir = tempfile.mkdtemp(prefix="sottoctl-test-")
        self.path = os.path.join(self.dir, "s.sock")
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(4)
        self.requests = []
        self.thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self.thread.start()

    def _serve(self, script):
        conn, _ = self.srv.accept()
        buf = b""

        def send(obj):
            conn.sendall(obj if isinstance(obj, bytes) else json.dumps(obj).encode() + b"\n")

        def request():
            nonlocal buf
            while b"\n" not in buf:
                chunk = conn.recv(4096)
                if not chunk:
                    return None
                buf += chunk
            line, buf = buf.split(b"\n", 1)
            self.requests.append(json.loads(line))
            return self.requests[-1]
        try:
            script(send, request)
        except OSError:
            pass
        finally:
            conn.close()

    def run(self, *args, env=None, timeout=10):
        return subprocess.run([SOTTOCTL, "--socket", self.path] + list(args), capture_output=True,
                              text=True, timeout=timeout, env=env)

    def close(self):
        self.thread.join(5)
        self.srv.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def answer(result):
    """Script: hello, then answer the one request with result."""
    def script(send, request):
        send(HELLO)
        req = request()
        send({"type": "response", "id": req.get("id"), "ok": True, "result": result})
    return script


STATUS = {"version": "0.1.0", "protocol": 1, "pid": 42, "uptime_s": 12.5, "config_file": None,
          "socket": "/run/x.sock", "log_level": "info",
          "audio": {"backend": "wav", "frames_captured": 150, "playback_underruns": 2,
                    "loopback": True},
          "control": {"clients": 1, "max_clients": 64}}


class Output(unittest.TestCase):
    def ctl(self, script, *args, **kw):
        d = FakeDaemon(script)
        try:
            return d.run(*args, **kw), d.requests
        finally:
            d.close()

    def test_status_prints_aligned_labels_in_words(self):
        r, reqs = self.ctl(answer(STATUS), "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(reqs[0]["cmd"], "status")
        lines = r.stdout.splitlines()
        self.assertIn("audio:", lines)
        self.assertIn("  frames captured:    150", lines)
        self.assertIn("config file:          -", lines)
        self.assertIn("uptime (s):           12.5", lines)
        self.assertIn("  loopback:           yes", lines)
        value_columns = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in lines
                         if line.split(":", 1)[1].strip()}
        self.assertEqual(len(value_columns), 1, "values are not aligned")

    def test_json_prints_result_on_one_line(self):
        r, _ = self.ctl(answer(STATUS), "--json", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("\n"), 1)
        self.assertEqual(json.loads(r.stdout), STATUS)

    def test_devices_table_escapes_control_characters(self):
        devs = {"devices": [{"index": 3, "name": "Mic\x1b[31m", "host_api": "ALSA",
                             "max_input_channels": 2, "max_output_channels": 0,
                             "default_rate": 48000.0, "default_input": True,
                             "default_output": False}]}
        r, _ = self.ctl(answer(devs), "devices")
        self.assertEqual(r.returncode, 0, r.stderr)
        header, row = r.stdout.splitlines()
        self.assertEqual(header.split(), ["INDEX", "DEFAULT", "IN", "OUT", "RATE", "HOST", "API",
                                          "NAME"])
        self.assertEqual(row.split(), ["3", "in", "2", "0", "48000", "ALSA", "Mic\\x1b[31m"])

    def test_no_devices_is_said_in_words(self):
        r, _ = self.ctl(answer({"devices": []}), "devices")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "no audio devices found (using the null backend)\n")

    def test_config_show_prints_text(self):
        r, reqs = self.ctl(answer({"file": None, "text": "[audio]\nframe_ms = 20\n"}),
                           "config", "show")
        self.assertEqual((r.returncode, r.stdout), (0, "[audio]\nframe_ms = 20\n"), r.stderr)
        self.assertEqual(reqs[0]["cmd"], "config-show")

    def test_events_one_line_each_in_local_iso_time(self):
        evs = {"events": [event(1, "started", {}), event(2, "config-reloaded", {"file": "/a"})]}
        env = dict(os.environ, TZ="Asia/Kolkata")
        r, reqs = self.ctl(answer(evs), "events", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(reqs[0]["args"], {"follow": False})
        self.assertEqual(r.stdout.splitlines(),
                         ['2024-05-01T18:21:30.250+05:30 started {}',
                          '2024-05-01T18:21:30.250+05:30 config-reloaded {"file":"/a"}'])

    def test_follow_prints_each_event_once_and_exits_0_on_shutdown(self):
        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "response", "id": req["id"], "ok": True,
                  "result": {"events": [event(1, "started", {})]}})
            send(event(1, "started", {}))  # already in the reply: not printed again
            send(event(2, "audio-input-ended", {}))
            send(event(3, "shutdown", {"reason": "signal"}))
        r, reqs = self.ctl(script, "events", "--follow", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(reqs[0]["args"], {"follow": True})
        self.assertEqual([json.loads(x)["seq"] for x in r.stdout.splitlines()], [1, 2, 3])

    def test_follow_exits_4_when_closed_without_shutdown(self):
        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "response", "id": req["id"], "ok": True, "result": {"events": []}})
        r, _ = self.ctl(script, "events", "--follow")
        self.assertEqual(r.returncode, 4)
        self.assertIn("connection closed by the daemon", r.stderr)

    def test_follow_exits_0_on_sigterm(self):
        stop = threading.Event()

        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "response", "id": req["id"], "ok": True, "result": {"events": []}})
            stop.wait(10)
        d = FakeDaemon(script)
        try:
            p = subprocess.Popen([SOTTOCTL, "--socket", d.path, "events", "--follow"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 5
            while not d.requests and time.monotonic() < deadline:
                time.sleep(0.02)
            p.send_signal(signal.SIGTERM)
            self.assertEqual(p.wait(5), 0)
            p.stdout.close()
            p.stderr.close()
        finally:
            stop.set()
            d.close()


CALL_ID = "3f9c2a1b7d4e8f60"
TOKEN = "sotto1:dj0wDQpvPS0gMzQ2"

MEDIA = {"codec": "opus", "payload_type": 111, "ptime_ms": 20, "packets_sent": 500,
         "packets_received": 498, "payload_bytes_sent": 40000, "payload_bytes_received": 39840,
         "wire_bytes_sent": 60000, "wire_bytes_received": 59760, "payload_kbps_sent": 32.04,
         "wire_kbps_sent": 48.06, "payload_kbps_received": 31.96, "wire_kbps_received": 47.94,
         "packets_lost": 2, "loss_fraction": 0.004, "jitter_ms": 1.25, "rtt_ms": -1.0,
         "remote_loss_fraction": -1.0, "jitter_buffer_ms": 40, "concealed_ms": 40,
         "packets_late": 0, "rtcp_sent": 2, "rtcp_received": 1}


def call_entry(call_id=CALL_ID, state="active", codec="opus", age=72.4, **extra):
    entry = {"id": call_id, "direction": "outgoing", "state": state, "signalling": "token",
             "codec": codec, "remote_fingerprint": "sha-256 AB:CD", "age_s": age}
    entry.update(extra)
    return entry


def serve_forever(result):
    """Script: hello, then answer every request with result until the client leaves."""
    def script(send, request):
        send(HELLO)
        while True:
            req = request()
            if req is None:
                return
            send({"type": "response", "id": req.get("id"), "ok": True, "result": result})
    return script


def grouped(text):
    """sottoctl's human status/stats output as {"group/label": value}."""
    values, group = {}, None
    for line in text.splitlines():
        label, value = line.split(":", 1)
        if not line.startswith(" "):
            group = None
        if not value.strip() and not line.startswith(" "):
            group = label
            continue
        values[(group + "/" if group and line.startswith(" ") else "") + label.strip()] = \
            value.strip()
    return values


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class CallCommands(unittest.TestCase):
    def ctl(self, script, *args, **kw):
        d = FakeDaemon(script)
        try:
            return d.run(*args, **kw), d.requests
        finally:
            d.close()

    def test_offer_prints_the_bare_token_on_stdout_and_the_hint_on_stderr(self):
        r, reqs = self.ctl(answer({"id": CALL_ID, "token": TOKEN, "sdp_bytes": 642}), "offer")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((reqs[0]["cmd"], reqs[0]["args"]), ("offer", {}))
        self.assertEqual(r.stdout, TOKEN + "\n")
        self.assertEqual(r.stderr, "call %s: give this token to the callee; then run: "
                         "sottoctl complete ANSWER-TOKEN\n" % CALL_ID)

    def test_offer_json_prints_the_result(self):
        result = {"id": CALL_ID, "token": TOKEN, "sdp_bytes": 642}
        r, _ = self.ctl(answer(result), "--json", "offer")
        self.assertEqual((r.returncode, json.loads(r.stdout), r.stderr), (0, result, ""))

    def test_offer_reply_without_token_is_a_protocol_error(self):
        r, _ = self.ctl(answer({"id": CALL_ID}), "offer")
        self.assertEqual((r.returncode, r.stdout), (4, ""))
        self.assertIn('the offer reply has no "token" string', r.stderr)

    def test_offer_waits_longer_than_5_s_by_default(self):
        def script(send, request):
            send(HELLO)
            req = request()
            time.sleep(5.6)
            send({"type": "response", "id": req["id"], "ok": True,
                  "result": {"id": CALL_ID, "token": TOKEN, "sdp_bytes": 1}})
        r, _ = self.ctl(script, "offer", timeout=20)
        self.assertEqual((r.returncode, r.stdout), (0, TOKEN + "\n"), r.stderr)

    def test_offer_timeout_option_overrides_the_default(self):
        def script(send, request):
            send(HELLO)
            request()
            time.sleep(1.5)
        r, _ = self.ctl(script, "offer", "--timeout", "0.4")
        self.assertEqual(r.returncode, 4)
        self.assertIn("timed out after 0.4 s", r.stderr)

    def test_accept_sends_the_token_and_prints_the_answer_token(self):
        r, reqs = self.ctl(answer({"id": CALL_ID, "token": "sotto1:answer", "sdp_bytes": 600}),
                           "accept", TOKEN)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((reqs[0]["cmd"], reqs[0]["args"]), ("accept", {"token": TOKEN}))
        self.assertEqual(r.stdout, "sotto1:answer\n")
        self.assertEqual(r.stderr,
                         "call %s: give this answer token back to the caller\n" % CALL_ID)

    def test_complete_sends_token_and_id(self):
        r, reqs = self.ctl(answer({"id": CALL_ID, "state": "connecting"}),
                           "complete", "sotto1:answer", "--id", CALL_ID)
        self.assertEqual((r.returncode, r.stdout), (0, "call %s: connecting\n" % CALL_ID),
                         r.stderr)
        self.assertEqual(reqs[0]["args"], {"token": "sotto1:answer", "id": CALL_ID})

    def test_complete_without_id_sends_only_the_token(self):
        r, reqs = self.ctl(answer({"id": CALL_ID, "state": "connecting"}), "complete", "t")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((reqs[0]["cmd"], reqs[0]["args"]), ("complete", {"token": "t"}))

    def test_call_sends_url_and_bearer_token(self):
        url = "http://bob.example.org:8787/v1/calls"
        r, reqs = self.ctl(answer({"id": CALL_ID, "state": "connecting",
                                   "location": url + "/x"}),
                           "call", url, "--token=change me")
        self.assertEqual((r.returncode, r.stdout), (0, "call %s: connecting\n" % CALL_ID),
                         r.stderr)
        self.assertEqual((reqs[0]["cmd"], reqs[0]["args"]),
                         ("call", {"url": url, "token": "change me"}))

    def test_answer_reject_hangup_with_and_without_id(self):
        for cmd, word in (("answer", "answered"), ("reject", "rejected"), ("hangup", "hung up")):
            r, reqs = self.ctl(answer({"id": CALL_ID}), cmd)
            self.assertEqual((r.returncode, r.stdout), (0, "call %s: %s\n" % (CALL_ID, word)),
                             (cmd, r.stderr))
            self.assertEqual((reqs[0]["cmd"], reqs[0]["args"]), (cmd, {}))
            r, reqs = self.ctl(answer({"id": "other"}), cmd, "other")
            self.assertEqual((r.returncode, r.stdout), (0, "call other: %s\n" % word))
            self.assertEqual(reqs[0]["args"], {"id": "other"})

    def test_daemon_error_message_is_escaped(self):
        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "response", "id": req["id"], "ok": False,
                  "error": {"code": "failed", "message": "no call with id \x1b[2J"}})
        r, _ = self.ctl(script, "hangup", "x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("'failed': no call with id \\x1b[2J", r.stderr)

    def test_calls_table(self):
        r, reqs = self.ctl(answer({"calls": [call_entry(), call_entry("b2", "ringing", None, 4.9),
                                             call_entry("c3", "gathering", age=7322)]}),
                           "calls")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(reqs[0]["cmd"], "calls")
        self.assertEqual([line.split() for line in r.stdout.splitlines()],
                         [["ID", "DIRECTION", "STATE", "CODEC", "AGE", "ROOM"],
                          [CALL_ID, "outgoing", "active", "opus", "1m12s", "-"],
                          ["b2", "outgoing", "ringing", "-", "4s", "-"],
                          ["c3", "outgoing", "gathering", "opus", "2h02m", "-"]])
        lines = r.stdout.splitlines()
        column = lines[0].index("STATE")
        self.assertEqual([line[column:].split()[0] for line in lines[1:]],
                         ["active", "ringing", "gathering"], "columns are not aligned")

    def test_calls_table_shows_a_conference_room(self):
        room = call_entry()
        room["room"] = {"room": 1234, "muted": True, "participants": [
            {"participant_id": 7, "display": "alice", "muted": True},
            {"participant_id": 8, "display": "bob\x1b[2J", "muted": False},
            {"participant_id": 9, "muted": False}]}
        lonely = call_entry("b2")
        lonely["room"] = {"room": 5, "muted": False, "participants": []}
        r, _ = self.ctl(answer({"calls": [room, lonely]}), "calls")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[1].endswith(
            "1234 (we are muted): alice (muted), bob\\x1b[2J, (no name)"), lines[1])
        self.assertTrue(lines[2].endswith("5: nobody else"), lines[2])

    def test_calls_without_codec_member_and_no_calls(self):
        entry = call_entry()
        del entry["codec"]
        r, _ = self.ctl(answer({"calls": [entry]}), "calls")
        self.assertEqual(r.stdout.splitlines()[1].split()[3], "-", r.stderr)
        r, _ = self.ctl(answer({"calls": []}), "calls")
        self.assertEqual((r.returncode, r.stdout), (0, "no calls\n"))

    def test_stats_block_formats_rates_loss_and_unknowns(self):
        calls = [call_entry(transport={"dropped_malformed": 0, "dropped_auth": 1,
                                       "dropped_replay": 0, "rtp_sent": 500,
                                       "rtp_received": 498}, media=MEDIA),
                 call_entry("b2", "gathering", None, 1.0)]
        r, reqs = self.ctl(answer({"calls": calls}), "stats")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual((reqs[0]["cmd"], reqs[0]["args"]), ("stats", {}))
        first, second = r.stdout.split("\n\n")
        values = grouped(first)
        self.assertEqual(values["id"], CALL_ID)
        self.assertEqual(values["media/payload sent (kbit/s)"], "32.0")
        self.assertEqual(values["media/wire received (kbit/s)"], "47.9")
        self.assertEqual(values["media/loss"], "0.4%")
        self.assertEqual(values["media/rtt (ms)"], "unknown")
        self.assertEqual(values["media/remote loss"], "unknown")
        self.assertEqual(values["media/jitter (ms)"], "1.25")
        self.assertEqual(values["transport/dropped auth"], "1")
        columns = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in first.splitlines()
                   if line.split(":", 1)[1].strip()}
        self.assertEqual(len(columns), 1, "values are not aligned")
        self.assertIn("codec:", second)
        self.assertRegex(second, r"codec: +-\n")

    def test_stats_known_rtt_and_remote_loss(self):
        media = dict(MEDIA, rtt_ms=23.456, remote_loss_fraction=0.125)
        r, reqs = self.ctl(answer({"calls": [call_entry(media=media)]}), "stats", CALL_ID)
        self.assertEqual(reqs[0]["args"], {"id": CALL_ID})
        self.assertRegex(r.stdout, r"\n  rtt \(ms\): +23\.5\n")
        self.assertRegex(r.stdout, r"\n  remote loss: +12\.5%\n")

    def test_stats_without_calls(self):
        r, _ = self.ctl(answer({"calls": []}), "stats")
        self.assertEqual((r.returncode, r.stdout), (0, "no calls\n"))

    def test_status_shows_the_calls_object(self):
        status = dict(STATUS, calls={"calls": 1, "active": 1, "fingerprint": "sha-256 AB:CD",
                                     "http_port": 8787})
        r, _ = self.ctl(answer(status), "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = grouped(r.stdout)
        self.assertEqual((shown["calls/calls"], shown["calls/active"], shown["calls/fingerprint"],
                          shown["calls/http port"]), ("1", "1", "sha-256 AB:CD", "8787"))
        self.assertEqual(shown["uptime (s)"], str(STATUS["uptime_s"]))


class StatsWatch(unittest.TestCase):
    def start(self, script, *args):
        d = FakeDaemon(script)
        p = subprocess.Popen([SOTTOCTL, "--socket", d.path, "stats"] + list(args),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return d, p

    def stop_after_samples(self, signo, *args):
        d, p = self.start(serve_forever({"calls": [call_entry(media=MEDIA)]}), *args)
        try:
            self.assertTrue(wait_until(lambda: len(d.requests) >= 3), "fewer than 3 samples")
            started = time.monotonic()
            p.send_signal(signo)
            out, err = p.communicate(timeout=5)
            self.assertLess(time.monotonic() - started, 2.0)
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
            d.close()
        self.assertEqual(p.returncode, 0, err)
        self.assertEqual([req["id"] for req in d.requests], list(range(1, len(d.requests) + 1)))
        self.assertTrue(all(req["cmd"] == "stats" for req in d.requests))
        return out, d.requests

    def test_watch_prints_stamped_samples_until_sigint(self):
        out, reqs = self.stop_after_samples(signal.SIGINT, "--watch")
        stamps = [line for line in out.splitlines() if line.startswith("--- ")]
        self.assertGreaterEqual(len(stamps), 3)
        self.assertEqual(out.count("  packets sent:"), len(stamps))
        for stamp in stamps:
            self.assertRegex(stamp, r"^--- \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$")

    def test_watch_json_one_line_per_sample_and_sigterm(self):
        before = time.time()
        out, reqs = self.stop_after_samples(signal.SIGTERM, CALL_ID, "--watch", "--json")
        samples = [json.loads(line) for line in out.splitlines()]
        self.assertGreaterEqual(len(samples), 3)
        self.assertTrue(all(req["args"] == {"id": CALL_ID} for req in reqs))
        times = [sample["time"] for sample in samples]
        self.assertEqual(times, sorted(times))
        self.assertGreaterEqual(times[0], before - 1)
        self.assertGreaterEqual(times[-1] - times[0], 1.5, "samples are not a second apart")
        self.assertEqual(samples[0]["calls"][0]["media"]["packets_sent"], 500)

    def test_watch_exits_4_when_the_daemon_goes_away(self):
        d, p = self.start(answer({"calls": []}), "--watch")
        try:
            out, err = p.communicate(timeout=10)
        finally:
            d.close()
        self.assertEqual(p.returncode, 4, err)
        self.assertIn("connection closed by the daemon", err)
        self.assertEqual(out.count("no calls"), 1)

    def test_watch_exits_1_when_the_call_is_gone(self):
        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "response", "id": req["id"], "ok": True, "result": {"calls": []}})
            req = request()
            send({"type": "response", "id": req["id"], "ok": False,
                  "error": {"code": "failed", "message": "no call with id x"}})
        d, p = self.start(script, "x", "--watch")
        try:
            out, err = p.communicate(timeout=10)
        finally:
            d.close()
        self.assertEqual(p.returncode, 1, err)
        self.assertIn("no call with id x", err)


class Failures(unittest.TestCase):
    def check(self, script, code, message, *args):
        d = FakeDaemon(script)
        try:
            r = d.run(*(args or ("status",)))
        finally:
            d.close()
        self.assertEqual(r.returncode, code, r.stderr)
        self.assertIn(message, r.stderr)
        self.assertTrue(r.stderr.startswith("sottoctl: "), r.stderr)

    def test_other_protocol_version(self):
        self.check(lambda send, request: send(dict(HELLO, protocol=2)), 4,
                   "daemon speaks control protocol 2, this sottoctl speaks 1")

    def test_busy_instead_of_hello(self):
        self.check(lambda send, request: send({"type": "response", "id": None, "ok": False,
                                               "error": {"code": "busy",
                                                         "message": "too many clients"}}),
                   1, "'busy': too many clients")

    def test_daemon_error_is_exit_1_with_code_and_message(self):
        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "response", "id": req["id"], "ok": False,
                  "error": {"code": "failed", "message": "line 3: bad frame_ms"}})
        self.check(script, 1, "'failed': line 3: bad frame_ms", "reload")

    def test_not_a_hello(self):
        self.check(lambda send, request: send({"type": "hullo"}), 4, "expected a hello")

    def test_invalid_json(self):
        def script(send, request):
            send(HELLO)
            request()
            send(b'{"type":"response","ok":tru\n')
        self.check(script, 4, "invalid JSON")

    def test_closed_mid_line(self):
        def script(send, request):
            send(HELLO)
            request()
            send(b'{"type":"resp')
        self.check(script, 4, "middle of a line")

    def test_closed_before_reply(self):
        def script(send, request):
            send(HELLO)
            request()
        self.check(script, 4, "connection closed by the daemon")

    def test_line_over_16_mib(self):
        def script(send, request):
            for _ in range(17):
                send(b"x" * (1 << 20))
        self.check(script, 4, "longer than 16 MiB")

    def test_timeout_is_named(self):
        def script(send, request):
            time.sleep(1.5)
        self.check(script, 4, "timed out after 0.3 s", "--timeout", "0.3", "status")

    def test_unknown_messages_and_other_ids_are_skipped(self):
        def script(send, request):
            send(HELLO)
            req = request()
            send({"type": "something-new"})
            send(event(5, "started", {}))
            send({"type": "response", "id": 999, "ok": False,
                  "error": {"code": "x", "message": "not ours"}})
            send({"type": "response", "id": req["id"], "ok": True,
                  "result": {"version": "9.9", "protocol": 1}})
        d = FakeDaemon(script)
        try:
            r = d.run("version")
        finally:
            d.close()
        self.assertEqual((r.returncode, r.stdout), (0, "sottod 9.9, control protocol 1\n"),
                         r.stderr)


class CommandLine(unittest.TestCase):
    def run_ctl(self, *args, env=None):
        return subprocess.run([SOTTOCTL] + list(args), capture_output=True, text=True, env=env,
                              timeout=10, errors="surrogateescape")

    def test_cannot_connect_is_exit_3_with_exact_message(self):
        r = self.run_ctl("--socket", "/nonexistent-dir/s.sock", "status")
        self.assertEqual(r.returncode, 3)
        self.assertTrue(r.stderr.startswith(
            "sottoctl: cannot connect to /nonexistent-dir/s.sock: is sottod running?"), r.stderr)

    def test_socket_from_environment(self):
        env = dict(os.environ, SOTTO_SOCKET="/nonexistent-dir/env.sock")
        r = self.run_ctl("status", env=env)
        self.assertEqual(r.returncode, 3)
        self.assertIn("/nonexistent-dir/env.sock", r.stderr)

    def test_usage_errors_are_exit_2(self):
        for args in (["frobnicate"], [], ["--bogus", "status"], ["status", "extra"],
                     ["config"], ["--timeout", "abc", "status"], ["--socket"],
                     ["status", "--follow"], ["--json=1", "status"]):
            r = self.run_ctl(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.startswith("sottoctl: "), (args, r.stderr))

    def test_call_command_argument_errors_are_exit_2_and_named(self):
        cases = [(["accept"], "TOKEN"), (["complete"], "TOKEN"), (["call"], "URL"),
                 (["accept", "a", "b"], "'b'"), (["answer", "a", "b"], "'b'"),
                 (["stats", "a", "b"], "'b'"), (["offer", "x"], "'x'"), (["calls", "x"], "'x'"),
                 (["--id", "x", "complete", "t"], "--id"), (["complete", "t", "--id"], "--id"),
                 (["stats", "--follow"], "--follow"), (["events", "--watch"], "--watch"),
                 (["offer", "--token", "t"], "--token"), (["accept", ""], "TOKEN"),
                 (["complete", "t", "--id="], "--id"), (["call", "http://x", "--token", ""],
                                                        "--token"),
                 (["accept", "\udcff"], "UTF-8")]
        for args, named in cases:
            r = self.run_ctl("--socket", "/nonexistent-dir/s.sock", *args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertTrue(r.stderr.startswith("sottoctl: "), (args, r.stderr))
            self.assertIn(named, r.stderr.splitlines()[0], args)

    def test_call_commands_reach_the_socket_with_their_arguments(self):
        for args in (["offer"], ["accept", "t"], ["complete", "t", "--id", "x"],
                     ["call", "http://x", "--token", "t"], ["answer"], ["reject", "x"],
                     ["hangup"], ["calls"], ["stats"], ["stats", "x", "--watch"],
                     ["--", "accept", "-starts-with-dash"]):
            r = self.run_ctl("--socket", "/nonexistent-dir/s.sock", *args)
            self.assertEqual(r.returncode, 3, (args, r.stderr))

    def test_version_option_stays_offline(self):
        env = dict(os.environ, SOTTO_SOCKET="/nonexistent-dir/s.sock")
        r = self.run_ctl("--version", env=env)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sottoctl \d+\.\d+\.\d+ \(control protocol 1\)\n$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
