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

    def test_status_prints_aligned_dotted_keys(self):
        r, reqs = self.ctl(answer(STATUS), "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(reqs[0]["cmd"], "status")
        lines = r.stdout.splitlines()
        self.assertIn("audio.frames_captured:    150", lines)
        self.assertIn("config_file:              -", lines)
        self.assertIn("audio.loopback:           yes", lines)
        value_columns = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in lines}
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
                              timeout=10)

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

    def test_version_option_stays_offline(self):
        env = dict(os.environ, SOTTO_SOCKET="/nonexistent-dir/s.sock")
        r = self.run_ctl("--version", env=env)
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sottoctl \d+\.\d+\.\d+ \(control protocol 1\)\n$")


if __name__ == "__main__":
    unittest.main(verbosity=2)
