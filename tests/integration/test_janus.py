"""Conference calls through Debian's Janus: an AudioBridge room with three
sottods (WAV backend, a different tone each) and one headless Chromium page
(a fourth tone). Each participant must hear the other three in its mix and
not itself; leaving, rejoining, muting, a lost session and bad servers are
checked too.

Janus never gathers loopback candidates, so as root the test runs in a
network namespace of its own with a veth pair for the media; without
root the media use this machine's first non-loopback address (local
delivery only: nothing leaves the machine)."""
import ctypes
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, wait_for  # noqa: E402
from janus_harness import PIN, ROOM, Janus, have_janus  # noqa: E402
from test_calls import rpc, write_tone  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLONE_NEWNET = 0x40000000
MEDIA_ADDRESS = "10.203.0.1"
OPEN_ROOM = 5678                    # a second room, without a PIN
# No sum, difference or third-order product of any three lands within 60 Hz
# of the fourth, so what the mixer's distortion makes is never taken for a
# participant; each tone at 0.15 of full scale keeps the sum from clipping.
TONES = (400.0, 620.0, 1160.0)      # the three sottods
BROWSER_TONE = 480.0
AMPLITUDE = 0.15
HEARD = 0.05                        # share of the mix's power that counts as heard
ABSENT = 0.005                      # share below which a tone counts as absent


def media_address():
    """The address for ICE, in a private network namespace when root."""
    libc = ctypes.CDLL(None, use_errno=True)
    if os.geteuid() == 0 and shutil.which("ip") and libc.unshare(CLONE_NEWNET) == 0:
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "add", "sotto-j0", "type", "veth", "peer", "name", "sotto-j1"],
                    ["ip", "link", "set", "sotto-j1", "up"],
                    ["ip", "addr", "add", MEDIA_ADDRESS + "/24", "dev", "sotto-j0"],
                    ["ip", "link", "set", "sotto-j0", "up"]):
            subprocess.run(cmd, check=True, capture_output=True)
        return MEDIA_ADDRESS
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                         capture_output=True, text=True).stdout.split()
    return out[out.index("inet") + 1].split("/")[0] if "inet" in out else None


def band_levels(path, freqs, seconds=2.0):
    """Share of the last seconds' power within 20 Hz of each frequency."""
    with wave.open(path) as w:
        rate = w.getframerate()
    # The daemon writes a streamed WAV (its sizes say "unknown"): the
    # samples are whatever follows the data chunk's header so far.
    with open(path, "rb") as f:
        raw = f.read()
    start = raw.find(b"data") + 8
    raw = raw[start: start + (len(raw) - start) // 2 * 2]
    x = np.frombuffer(raw, dtype=np.int16).astype(float)
    x = x[-int(seconds * rate):]
    if len(x) < rate // 2:
        return {f: 0.0 for f in freqs}
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    hz = np.fft.rfftfreq(len(x), 1.0 / rate)
    total = spectrum.sum() + 1e-9
    return {f: float(spectrum[np.abs(hz - f) < 20].sum() / total) for f in freqs}


def events(d, name=None):
    return [e for e in rpc(d, "events")["events"] if name is None or e["event"] == name]


class FakeJanus:
    """A broken Janus API: 'garbage' answers the create with text that is
    not JSON; 'close' creates a session, then drops the connection of the
    attach without an answer (a server dying mid-join)."""

    def __init__(self, mode):
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(body)
                if mode == "garbage":
                    self.reply(b'{"janus": "success", "transaction": "x", "data": {"id": ')
                elif json.loads(body).get("janus") == "create":
                    self.reply(json.dumps({"janus": "success", "transaction": "x",
                                           "data": {"id": 77}}).encode())
                else:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)

            def do_GET(self):
                time.sleep(0.5)
                self.reply(b'{"janus": "keepalive"}')

            def reply(self, data):
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass    # sottod gave up on this connection: that is the point

        self.requests = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "janus+http://127.0.0.1:%d/janus" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class PageServer:
    """Serves the browser's room page on loopback (a secure context)."""

    def __init__(self):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **kw):
                super().__init__(*a, directory=HERE, **kw)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/janus_page.html" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@unittest.skipUnless(have_janus(), "janus (with its AudioBridge and HTTP transport) is not "
                     "installed")
class JanusRoom(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Before any thread or child exists: they all inherit the namespace.
        cls.address = media_address()
        if not cls.address:
            raise unittest.SkipTest("no address for media: Janus ignores loopback")
        cls.dir = tempfile.mkdtemp(prefix="sotto-janus-")
        cls.janus = Janus(cls.dir, cls.address, rooms=((ROOM, PIN), (OPEN_ROOM, None)))
        cls.janus.start()

    @classmethod
    def tearDownClass(cls):
        cls.janus.stop()
        artifacts = os.environ.get("SOTTO_TEST_ARTIFACTS")
        if artifacts:
            os.makedirs(artifacts, exist_ok=True)
            shutil.copy(cls.janus.log_path, os.path.join(artifacts, "janus.log"))
            for name in os.listdir(cls.dir):
                log = os.path.join(cls.dir, name, "sottod.log")
                if os.path.exists(log):
                    shutil.copy(log, os.path.join(artifacts, "janus-%s-sottod.log" % name))
        shutil.rmtree(cls.dir, ignore_errors=True)

    def daemon(self, name, tone_hz, extra=""):
        workdir = os.path.join(self.dir, name)
        os.makedirs(workdir, exist_ok=True)
        tone = os.path.join(workdir, "tone.wav")
        write_tone(tone, tone_hz, seconds=120, amp=AMPLITUDE)
        d = Daemon(workdir=workdir, config_text=(
            "[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s/received.wav\n"
            "[network]\nice_address = %s\nstate_dir = %s/state\n%s"
            % (tone, workdir, self.address, workdir, extra)))
        d.start()
        self.addCleanup(d.stop)
        return d

    def join(self, d, name, room=ROOM, pin=PIN, *extra, check=True, ws=False):
        url = self.janus.ws_url if ws else self.janus.url
        args = ["join", url, str(room), "--display", name] + list(extra)
        if pin:
            args += ["--pin", pin]
        r = d.ctl(*args, check=False, timeout=40)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr + d.read_log()[-3000:])
        return r

    def wait_active(self, d, timeout=20):
        def active():
            calls = rpc(d, "calls")["calls"]
            return calls and calls[0]["state"] == "active"
        self.assertTrue(wait_for(active, timeout, 0.2), d.read_log()[-3000:])

    def assert_mix(self, d, heard, absent, what):
        levels = band_levels(os.path.join(d.dir, "received.wav"), list(heard) + list(absent))
        media = [c.get("media", {}) for c in rpc(d, "stats")["calls"]]
        if not media:
            self.fail("%s: no call any more: %s" % (what, d.read_log()[-1500:]))
        counts = [{k: m.get(k) for k in ("packets_sent", "packets_received", "frames_played",
                                          "payload_kbps_received")} for m in media]
        for f in heard:
            self.assertGreater(levels[f], HEARD, "%s: %g Hz not heard: %s, %s"
                               % (what, f, levels, counts))
        for f in absent:
            self.assertLess(levels[f], ABSENT, "%s: %g Hz heard: %s, %s"
                            % (what, f, levels, counts))
        return levels

    def open_browser(self):
        from test_browser import Browser, have_chromium
        if not have_chromium():
            self.skipTest("chromium and chromium-driver are not installed")
        fake = os.path.join(self.dir, "browser-tone.wav")
        write_tone(fake, BROWSER_TONE, seconds=10, rate=48000, amp=AMPLITUDE)
        page = PageServer()
        self.addCleanup(page.close)
        browser = Browser(self.dir, fake)
        self.addCleanup(browser.close)
        browser.open(page.url)
        browser.js("window.joinRoom(arguments[0], arguments[1], arguments[2], 'browser');",
                   self.janus.http_url, ROOM, PIN)
        return browser

    def test_three_daemons_and_a_browser_hear_each_other_not_themselves(self):
        ds = [self.daemon("p%d" % i, f) for i, f in enumerate(TONES)]
        # p1 speaks Janus' WebSocket transport, the others its HTTP one.
        for i, d in enumerate(ds):
            self.join(d, "p%d" % i, ws=(i == 1))
        browser = self.open_browser()
        for d in ds:
            self.wait_active(d)
        self.assertTrue(wait_for(lambda: (browser.js("return window.roomState;") or {})
                                 .get("pc") == "connected", 30, 0.3),
                        browser.js("return window.roomState;"))
        table = ds[0].ctl("calls").stdout
        self.assertIn("1234: ", table)
        for name in ("p1", "p2", "browser"):
            self.assertIn(name, table)
        time.sleep(4)
        everyone = TONES + (BROWSER_TONE,)
        for i, d in enumerate(ds):
            self.assert_mix(d, [f for f in everyone if f != TONES[i]], [TONES[i]], "p%d" % i)
        levels = browser.js("return window.bandLevels(arguments[0]);", list(everyone))
        for f in TONES:
            self.assertGreater(levels[str(int(f))], HEARD, "browser: %s" % levels)
        self.assertLess(levels[str(int(BROWSER_TONE))], ABSENT, "browser hears itself: %s" % levels)

        # p2 leaves: the others are told, and stop hearing it.
        ds[2].ctl("hangup")
        self.assertTrue(wait_for(lambda: any(e["data"].get("display") == "p2" for e in
                                             events(ds[0], "conference-participant-left")), 10))
        time.sleep(3)
        self.assert_mix(ds[0], [TONES[1], BROWSER_TONE], [TONES[0], TONES[2]], "p0 after p2 left")
        # p2 comes back: heard again, and it hears the room again.
        self.join(ds[2], "p2")
        self.wait_active(ds[2])
        time.sleep(3)
        self.assert_mix(ds[0], [TONES[1], TONES[2], BROWSER_TONE], [TONES[0]], "p0 after rejoin")
        self.assert_mix(ds[2], [TONES[0], TONES[1], BROWSER_TONE], [TONES[2]], "p2 after rejoin")

        # Muted, p0 is not in the others' mix; the room tells everyone.
        self.assertIn("muted", ds[0].ctl("mute").stdout)
        self.assertTrue(wait_for(lambda: any(e["data"].get("display") == "p0" and
                                             e["data"]["muted"] for e in
                                             events(ds[1], "conference-participant-changed")), 10))
        time.sleep(2.5)
        self.assert_mix(ds[1], [TONES[2]], [TONES[0]], "p1 while p0 is muted")
        ds[0].ctl("unmute")
        time.sleep(2.5)
        self.assert_mix(ds[1], [TONES[0], TONES[2]], [TONES[1]], "p1 after p0 unmuted")

    def test_wrong_pin_and_unknown_room_are_refused_clearly(self):
        d = self.daemon("refused", 500.0)
        r = self.join(d, "x", ROOM, "0000", check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("wrong PIN", r.stderr)
        r = self.join(d, "x", 999, None, check=False)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("no such room", r.stderr)
        r = d.ctl("join", "janus+http://127.0.0.1:1/janus", "abc", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("must be a number", r.stderr)
        r = d.ctl("join", "janus+wss://127.0.0.1:1/", "1", check=False)
        self.assertIn("TLS to Janus is not supported", r.stderr)
        # The same refusals over the WebSocket transport.
        r = self.join(d, "x", ROOM, "0000", check=False, ws=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("wrong PIN", r.stderr)
        r = self.join(d, "x", 999, None, check=False, ws=True)
        self.assertIn("no such room", r.stderr)
        # Still serving: the open room takes it at once.
        self.assertEqual(rpc(d, "calls")["calls"], [])
        self.join(d, "x", OPEN_ROOM, None)
        self.wait_active(d)
        # Alone and quiet for longer than Janus holds a long poll (30 s):
        # still in the room, kept alive.
        time.sleep(35)
        calls = rpc(d, "calls")["calls"]
        self.assertEqual([c["state"] for c in calls], ["active"], d.read_log()[-2000:])

    def test_broken_servers_give_clear_errors_and_the_daemon_keeps_serving(self):
        d = self.daemon("broken", 500.0)
        for mode, expected in (("close", "lost the Janus server"),
                               ("garbage", "malformed message from Janus")):
            fake = FakeJanus(mode)
            self.addCleanup(fake.close)
            r = d.ctl("join", fake.url, "1", check=False, timeout=30)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(expected, r.stderr)
        r = d.ctl("join", "janus+http://127.0.0.1:1/janus", "1", check=False, timeout=30)
        self.assertIn("lost the Janus server", r.stderr)
        r = d.ctl("join", "janus+ws://127.0.0.1:1/", "1", check=False, timeout=30)
        self.assertIn("lost the Janus server", r.stderr)
        self.assertEqual(rpc(d, "calls")["calls"], [])
        self.assertEqual(rpc(d, "status")["calls"]["calls"], 0)

    def test_z_lost_session_ends_the_call_or_rejoins(self):
        plain = self.daemon("plain", 500.0)
        keen = self.daemon("keen", 800.0)
        self.join(plain, "plain")
        self.join(keen, "keen", ROOM, PIN, "--rejoin", ws=True)
        self.wait_active(plain)
        self.wait_active(keen)
        self.janus.stop()
        try:
            self.assertTrue(wait_for(lambda: events(plain, "conference-ended"), 15))
            ended = events(plain, "conference-ended")[0]["data"]
            self.assertTrue(ended["session_lost"], ended)
            self.assertIn("lost the Janus server", ended["reason"])
            self.assertFalse(ended["rejoining"])
            self.assertTrue(wait_for(lambda: events(keen, "conference-rejoining"), 15),
                            keen.read_log()[-3000:])
        finally:
            self.janus.start()
        self.assertTrue(wait_for(lambda: len(events(keen, "conference-joined")) >= 2, 30),
                        keen.read_log()[-3000:])
        self.wait_active(keen)
        self.assertEqual(rpc(plain, "calls")["calls"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
