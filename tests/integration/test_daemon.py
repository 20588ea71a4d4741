"""Integration tests: a real sottod driven over its socket and by sottoctl."""
import json
import os
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import threading
import time
import unittest
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Client, Daemon, SOTTOCTL, SOTTOD, wait_for  # noqa: E402

NULL_AUDIO = "[audio]\nbackend = null\n"


class DaemonLifecycle(unittest.TestCase):
    def test_starts_without_config_and_stops_on_sigterm_within_1s(self):
        d = Daemon(extra_args=[])
        d.start()
        try:
            st = d.ctl_json("status")
            self.assertEqual(st["protocol"], 1)
            self.assertEqual(st["pid"], d.proc.pid)
            self.assertIsNone(st["config_file"])
            mode = stat.S_IMODE(os.stat(d.socket).st_mode)
            self.assertEqual(mode, 0o600, "socket mode %o" % mode)
        finally:
            t0 = time.monotonic()
            rc = d.stop(signal.SIGTERM)
            elapsed = time.monotonic() - t0
        self.assertEqual(rc, 0, d.read_log())
        self.assertLess(elapsed, 1.0)
        self.assertFalse(os.path.exists(d.socket), "socket left behind")

    def test_reads_the_users_config_file_unless_told_not_to(self):
        d = Daemon(extra_args=[])
        user_file = os.path.join(d.dir, "sotto", "sotto.conf")
        os.makedirs(os.path.dirname(user_file))
        with open(user_file, "w") as f:
            f.write("[audio]\nbackend = null\n[log]\nlevel = warning\n"
                    "[network]\nsignal_port = 0\n")
        d.start()
        try:
            st = d.ctl_json("status")
            self.assertEqual(st["config_file"], user_file)
            self.assertEqual(st["audio"]["backend"], "null")
        finally:
            self.assertEqual(d.stop(signal.SIGTERM), 0, d.read_log())
        plain = Daemon(extra_args=["--no-config"], workdir=d.dir)
        plain.socket = os.path.join(d.dir, "ctl2.sock")
        plain.start()
        try:
            self.assertIsNone(plain.ctl_json("status")["config_file"])
        finally:
            plain.stop(signal.SIGTERM)
        both = subprocess.run([SOTTOD, "--no-config", "--config", user_file],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(both.returncode, 2)
        self.assertIn("exclude each other", both.stderr)

    def test_sigint_also_stops_cleanly(self):
        d = Daemon(NULL_AUDIO).start()
        self.assertEqual(d.stop(signal.SIGINT), 0)
        self.assertFalse(os.path.exists(d.socket))

    def test_bad_config_line_is_one_line_error_and_nonzero_exit(self):
        d = Daemon("[audio]\nbackend = null\nframe_ms = 33\n")
        d.start(wait=False)
        rc = d.proc.wait(5)
        d.log.close()
        self.assertNotEqual(rc, 0)
        log = d.read_log().strip().splitlines()
        errors = [l for l in log if "frame_ms" in l]
        self.assertEqual(len(errors), 1, log)
        self.assertIn("sotto.conf:3", errors[0])
        self.assertIn("10", errors[0])  # accepted values are named
        self.assertFalse(os.path.exists(d.socket))

    def test_unknown_key_is_rejected(self):
        d = Daemon("[audio]\nbackend = null\nvolume = 11\n")
        d.start(wait=False)
        self.assertNotEqual(d.proc.wait(5), 0)
        d.log.close()
        self.assertIn("volume", d.read_log())

    def test_stale_socket_from_killed_daemon_is_replaced(self):
        d = Daemon(NULL_AUDIO).start()
        d.stop(signal.SIGKILL)
        self.assertTrue(os.path.exists(d.socket), "SIGKILL should leave the socket")
        d2 = Daemon(NULL_AUDIO, workdir=d.dir).start()
        try:
            self.assertEqual(d2.ctl_json("version")["protocol"], 1)
        finally:
            self.assertEqual(d2.stop(), 0)

    def test_second_daemon_on_same_socket_refuses(self):
        d = Daemon(NULL_AUDIO).start()
        try:
            d2 = Daemon(NULL_AUDIO, workdir=d.dir)
            d2.log_path = os.path.join(d.dir, "second.log")
            d2.start(wait=False)
            rc = d2.proc.wait(5)
            d2.log.close()
            self.assertNotEqual(rc, 0)
            self.assertIn("already listening", d2.read_log())
            self.assertEqual(d.ctl_json("version")["protocol"], 1)
        finally:
            self.assertEqual(d.stop(), 0)

    def test_notifies_systemd_ready_and_stopping(self):
        if os.environ.get("SOTTO_HAVE_SYSTEMD") == "0":
            self.skipTest("built without libsystemd")
        d = Daemon(NULL_AUDIO)
        notify_path = os.path.join(d.dir, "notify.sock")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(notify_path)
        ns.settimeout(5)
        os.environ["NOTIFY_SOCKET"] = notify_path
        try:
            d.isolate_network()
            d.log = open(d.log_path, "ab")
            d.proc = subprocess.Popen(d.args(), stdout=d.log, stderr=d.log)
        finally:
            del os.environ["NOTIFY_SOCKET"]
        try:
            msg = ns.recv(4096).decode()
            self.assertIn("READY=1", msg)
            self.assertTrue(d.connectable(), "READY=1 before the socket was listening")
        finally:
            self.assertEqual(d.stop(), 0)
        self.assertIn("STOPPING=1", ns.recv(4096).decode())
        ns.close()

    def test_socket_activation_serves_the_inherited_socket(self):
        if os.environ.get("SOTTO_HAVE_SYSTEMD") == "0":
            self.skipTest("built without libsystemd")
        activate = shutil.which("systemd-socket-activate")
        if not activate:
            self.skipTest("systemd-socket-activate is not installed")
        # What sottod.socket does: systemd listens, the daemon inherits the
        # socket (LISTEN_FDS) on the first connection and serves it.
        d = Daemon(NULL_AUDIO)
        d.isolate_network()
        path = os.path.join(d.dir, "activated.sock")
        d.log = open(d.log_path, "ab")
        d.proc = subprocess.Popen([activate, "-l", path, SOTTOD, "--config", d.config,
                                   "--socket", d.socket], stdout=d.log, stderr=d.log)
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(path)), d.read_log())
            r = subprocess.run([SOTTOCTL, "--socket", path, "--json", "status"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr + d.read_log())
            self.assertEqual(json.loads(r.stdout)["socket"], path)
            self.assertFalse(os.path.exists(d.socket), "created its own socket as well")
        finally:
            self.assertEqual(d.stop(), 0, d.read_log())

    def test_shutdown_command(self):
        d = Daemon(NULL_AUDIO).start()
        r = d.ctl("shutdown")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(d.proc.wait(2), 0)
        d.log.close()
        self.assertFalse(os.path.exists(d.socket))


class ControlProtocol(unittest.TestCase):
    def setUp(self):
        self.d = Daemon(NULL_AUDIO + "[control]\nmax_line = 4096\nmax_queue = 65536\n"
                        "max_clients = 40\n").start()

    def tearDown(self):
        self.assertEqual(self.d.stop(), 0, self.d.read_log())

    def test_hello_then_status_with_id(self):
        c = Client(self.d.socket)
        self.assertEqual(c.hello["type"], "hello")
        self.assertEqual(c.hello["protocol"], 1)
        r = c.request("status", rid="abc")
        self.assertEqual(r["id"], "abc")
        self.assertTrue(r["ok"])
        self.assertEqual(r["result"]["audio"]["backend"], "null")
        c.close()

    def test_invalid_json_unknown_command_and_bad_requests(self):
        c = Client(self.d.socket)
        c.send_raw(b"{not json\n")
        self.assertEqual(c.read_response()["error"]["code"], "bad-json")
        self.assertEqual(c.request("frobnicate")["error"]["code"], "unknown-command")
        c.send_raw(b"[1,2]\n")
        self.assertEqual(c.read_response()["error"]["code"], "bad-request")
        c.send_raw(b'{"cmd": 5}\n')
        self.assertEqual(c.read_response()["error"]["code"], "bad-request")
        self.assertEqual(c.request("events", {"follow": "yes"})["error"]["code"], "bad-args")
        self.assertTrue(c.request("version")["ok"])
        c.close()

    def test_request_split_across_writes(self):
        c = Client(self.d.socket)
        for part in (b'{"id": 7, "cm', b'd": "vers', b'ion"}', b"\n"):
            c.send_raw(part)
            time.sleep(0.05)
        r = c.read_response()
        self.assertEqual(r["id"], 7)
        self.assertEqual(r["result"]["protocol"], 1)
        c.close()

    def test_one_mib_of_garbage_gets_error_and_others_are_served(self):
        other = Client(self.d.socket)
        c = Client(self.d.socket)
        garbage = bytes((i * 7919 + 13) % 251 for i in range(1 << 20)).replace(b"\n", b"x")
        sender = threading.Thread(target=c.send_raw, args=(garbage,))
        sender.start()
        self.assertTrue(other.request("status")["ok"])
        sender.join(10)
        r = c.read_response()
        self.assertFalse(r["ok"])
        self.assertEqual(r["error"]["code"], "line-too-long")
        # The rest of the line is discarded; after the newline the client works.
        c.send_raw(b"\n")
        self.assertTrue(c.request("version")["ok"])
        self.assertTrue(other.request("status")["ok"])
        c.close()
        other.close()

    def test_client_that_never_reads_is_dropped_and_loop_keeps_serving(self):
        hog = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hog.connect(self.d.socket)
        hog.setblocking(False)
        line = b'{"cmd":"config-show"}\n'
        sent = 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and sent < 8 << 20:
            try:
                sent += hog.send(line * 64)
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:
                break  # dropped by the daemon
        c = Client(self.d.socket)
        ok = wait_for(lambda: c.request("status")["result"]["control"]["dropped_clients"] >= 1,
                      timeout=10)
        self.assertTrue(ok, "slow client was not dropped")
        self.assertTrue(c.request("status")["ok"])
        hog.close()
        c.close()

    def test_many_clients_at_once(self):
        clients = [Client(self.d.socket) for _ in range(30)]
        for i, c in enumerate(clients):
            c.send_raw(json.dumps({"id": i, "cmd": "version"}).encode() + b"\n")
        for i, c in enumerate(clients):
            self.assertEqual(c.read_response()["id"], i)
        st = clients[0].request("status")["result"]
        self.assertEqual(st["control"]["clients"], 30)
        for c in clients:
            c.close()

    def test_too_many_clients_get_busy(self):
        clients = [Client(self.d.socket) for _ in range(40)]
        extra = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        extra.settimeout(5)
        extra.connect(self.d.socket)
        data = b""
        while not data.endswith(b"\n"):
            chunk = extra.recv(4096)
            if not chunk:
                break
            data += chunk
        msg = json.loads(data.splitlines()[0])
        self.assertEqual(msg["error"]["code"], "busy")
        extra.close()
        for c in clients:
            c.close()

    def test_events_follow_streams_new_events(self):
        c = Client(self.d.socket)
        r = c.request("events", {"follow": True})
        self.assertTrue(r["ok"])
        names = [e["event"] for e in r["result"]["events"]]
        self.assertIn("started", names)
        os.kill(self.d.proc.pid, signal.SIGHUP)
        ev = c.read_message()
        self.assertEqual(ev["type"], "event")
        self.assertEqual(ev["event"], "config-reloaded")
        self.assertEqual(ev["data"]["file"], self.d.config)
        self.d.ctl("shutdown")
        ev = c.read_message()
        self.assertEqual(ev["type"], "event")
        self.assertEqual(ev["event"], "shutdown")
        self.d.proc.wait(2)


class Reload(unittest.TestCase):
    def test_sighup_applies_valid_and_rejects_invalid_config(self):
        d = Daemon(NULL_AUDIO + "[log]\nlevel = info\n").start()
        try:
            self.assertEqual(d.ctl_json("status")["log_level"], "debug")  # --log-level wins
            with open(d.config, "w") as f:
                f.write(NULL_AUDIO + "[control]\nmax_clients = 7\n")
            os.kill(d.proc.pid, signal.SIGHUP)
            self.assertTrue(wait_for(
                lambda: d.ctl_json("status")["control"]["max_clients"] == 7))
            with open(d.config, "w") as f:
                f.write(NULL_AUDIO + "[control]\nmax_clients = many\n")
            os.kill(d.proc.pid, signal.SIGHUP)
            self.assertTrue(wait_for(lambda: "config-rejected" in
                                     [e["event"] for e in d.ctl_json("events")["events"]]))
            self.assertEqual(d.ctl_json("status")["control"]["max_clients"], 7)
            self.assertIn("max_clients = 7", d.ctl_json("config", "show")["text"])
            r = d.ctl("reload", check=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("max_clients", r.stderr)
        finally:
            self.assertEqual(d.stop(), 0)


class Sottoctl(unittest.TestCase):
    def test_cannot_connect_message_and_exit_code(self):
        path = "/nonexistent-dir/sottod.sock"
        r = subprocess.run([SOTTOCTL, "--socket", path, "status"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot connect to %s: is sottod running?" % path, r.stderr)

    def test_human_and_json_output(self):
        d = Daemon(NULL_AUDIO).start()
        try:
            human = d.ctl("status").stdout
            self.assertIn("null", human)
            self.assertEqual(d.ctl_json("version")["protocol"], 1)
            self.assertIn("[audio]", d.ctl("config", "show").stdout)
            self.assertEqual(d.ctl("no-such-command", check=False).returncode, 2)
        finally:
            d.stop()


class Devices(unittest.TestCase):
    def test_devices_lists_portaudio_devices(self):
        asoundrc = os.path.join(os.environ.get("SOTTO_TEST_DATA", ""), "asoundrc-test")
        if not os.path.exists(asoundrc):
            self.fail("SOTTO_TEST_DATA must point at tests/data")
        os.environ["ALSA_CONFIG_PATH"] = asoundrc
        try:
            d = Daemon(NULL_AUDIO).start()
        finally:
            del os.environ["ALSA_CONFIG_PATH"]
        try:
            devices = d.ctl_json("devices")["devices"]
            names = [x["name"] for x in devices]
            self.assertIn("default", names, devices)
            default = devices[names.index("default")]
            self.assertTrue(default["default_output"])
            self.assertGreater(default["max_output_channels"], 0)
            self.assertIn("default", d.ctl("devices").stdout)
        finally:
            self.assertEqual(d.stop(), 0)


class AudioFallback(unittest.TestCase):
    """A machine without a sound card: the daemon says in one line that it
    uses the null backend and why; what ALSA and JACK print while PortAudio
    probes stays out of the default output. (An empty ALSA configuration
    would be deterministic, but PortAudio 19.6 asserts on one.)"""

    def start(self, level):
        try:
            with open("/proc/asound/cards") as f:
                if "[" in f.read():
                    self.skipTest("this machine has a sound card")
        except OSError:
            pass
        return Daemon("", extra_args=["--log-level", level]).start()

    def test_fallback_line_and_no_library_noise(self):
        d = self.start("info")
        try:
            r = d.ctl("devices")
            self.assertEqual(r.stdout, "no audio devices found (using the null backend)\n")
        finally:
            self.assertEqual(d.stop(), 0)
        log = d.read_log().splitlines()
        self.assertEqual([l for l in log if not l.startswith("sottod: ")], [], log)
        fallback = [l for l in log if "null backend" in l]
        self.assertEqual(len(fallback), 1, log)
        self.assertIn("no sound device opened (", fallback[0])

    def test_library_noise_shows_at_debug_level(self):
        d = self.start("debug")
        d.ctl("devices")
        self.assertEqual(d.stop(), 0)
        log = d.read_log().splitlines()
        self.assertEqual([l for l in log if not l.startswith("sottod: ")], [], log)
        self.assertTrue(any("audio library: ALSA lib" in l for l in log), log)


def write_sine_wav(path, rate, seconds, freq, amp=0.5):
    n = int(rate * seconds)
    import math
    frames = b"".join(struct.pack("<h", int(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)))
                      for i in range(n))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)


class WavLoopback(unittest.TestCase):
    def test_wav_backend_loopback_records_input(self):
        d = Daemon()
        src = os.path.join(d.dir, "in.wav")
        out = os.path.join(d.dir, "out.wav")
        write_sine_wav(src, 48000, 1.0, 500.0)
        with open(os.path.join(d.dir, "sotto.conf"), "w") as f:
            f.write("[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\n"
                    "loopback = true\n" % (src, out))
        d.config = os.path.join(d.dir, "sotto.conf")
        d.start()
        try:
            self.assertTrue(wait_for(lambda: "audio-input-ended" in
                                     [e["event"] for e in d.ctl_json("events")["events"]],
                                     timeout=5))
            st = d.ctl_json("status")["audio"]
            self.assertEqual(st["backend"], "wav")
            self.assertGreaterEqual(st["frames_captured"], 50)
        finally:
            self.assertEqual(d.stop(), 0)
        with wave.open(out, "rb") as w:
            rate = w.getframerate()
            data = w.readframes(w.getnframes())
        samples = struct.unpack("<%dh" % (len(data) // 2), data)
        self.assertGreaterEqual(len(samples), rate * 0.9)
        # Count zero crossings in the loud part to check the tone's frequency.
        loud = [i for i, s in enumerate(samples) if abs(s) > 8000]
        self.assertTrue(loud, "output is silent")
        seg = samples[loud[0]:loud[0] + rate // 2]
        crossings = sum(1 for a, b in zip(seg, seg[1:]) if a < 0 <= b)
        self.assertAlmostEqual(crossings / (len(seg) / rate), 500.0, delta=10.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
