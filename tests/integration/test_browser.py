"""Interop with a real browser: headless Chromium loads the call page that
sottod serves, calls the daemon, and hangs up from either side.

Chromium is driven through chromedriver's W3C WebDriver HTTP API with a few
lines of urllib (no Selenium). When the test may create a network namespace
(root), the whole test runs in a fresh one that has only a loopback
interface, so neither side can gather or use any other address; otherwise
the daemon is bound to 127.0.0.1 and only loopback pairs can connect."""
import base64
import ctypes
import json
import math
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, wait_for  # noqa: E402
from test_aiortc import check_tone  # noqa: E402
from test_calls import rpc, write_tone  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEB_ROOT = os.path.join(REPO, "daemon", "web")
W3C_ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CLONE_NEWNET = 0x40000000


# Injected into the page: POSTed offers get their host candidate addresses
# replaced by mDNS names, as browsers without media permission send them.
MDNS_ONLY_OFFER = r"""
const realFetch = window.fetch;
window.fetch = function (url, init) {
  if (init && init.method === 'POST' && typeof init.body === 'string') {
    const names = new Map();
    const name = (ip) => {
      if (!names.has(ip))
        names.set(ip, crypto.randomUUID() + '.local');
      return names.get(ip);
    };
    init = Object.assign({}, init, {body: init.body
      .replace(/^(a=candidate:\S+ \d+ \S+ \d+ )(\S+)( \d+ typ host)/gm,
               (m, a, ip, b) => a + name(ip) + b)
      .replace(/^c=IN IP4 .*$/gm, 'c=IN IP4 0.0.0.0')});
    window.sottoTestOffer = init.body;
  }
  return realFetch.call(this, url, init);
};
"""


def have_chromium():
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


def isolate_network():
    """Moves this process (and so its children) into a new network
    namespace with only loopback up. Returns False when not permitted."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        return False
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, capture_output=True)
    return True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(RuntimeError):
    pass


class Browser:
    """One chromedriver and one Chromium session."""

    def __init__(self, workdir, fake_audio, extra_args=()):
        """extra_args: more Chromium switches (the emulated-link report
        treats the daemon's plain-HTTP page on its namespace address as a
        secure origin, so that getUserMedia works there)."""
        self.workdir = workdir
        # Never through a proxy from the environment: everything is local.
        self.http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.base = "http://127.0.0.1:%d" % free_port()
        self.log = open(os.path.join(workdir, "chromedriver.log"), "ab")
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, "--port=%s" % self.base.rsplit(":", 1)[1],
             "--log-path=" + os.path.join(workdir, "chromedriver-verbose.log")],
            stdout=self.log, stderr=self.log)
        self.session = None
        if not wait_for(self._ready, 20, 0.1):
            self.close()
            raise WebDriverError("chromedriver did not start")
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                "--use-file-for-fake-audio-capture=" + fake_audio,
                "--autoplay-policy=no-user-gesture-required",
                # Host candidates on loopback, the only interface in use.
                "--allow-loopback-in-peer-connection",
                "--user-data-dir=" + os.path.join(workdir, "chromium-profile"),
                # Plain IP host candidates, never mDNS .local names (see
                # test_mdns_only_offer_connects_peer_reflexive for those).
                "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--window-size=800,1000"] + list(extra_args)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}}}}
        try:
            self.session = self.command("POST", "/session", caps)["sessionId"]
        except Exception:
            self.close()
            raise

    def _ready(self):
        try:
            return self.command("GET", "/status", timeout=2).get("ready", False)
        except (OSError, WebDriverError):
            return False

    def command(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with self.http.open(req, timeout=timeout) as resp:
                reply = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")[:500]
            raise WebDriverError("%s %s: HTTP %d %s" % (method, path, e.code, detail))
        return reply.get("value", reply) if isinstance(reply, dict) else reply

    def _session(self, method, path, body=None):
        return self.command(method, "/session/%s%s" % (self.session, path), body)

    def open(self, url):
        self._session("POST", "/url", {"url": url})

    def click(self, css):
        found = self._session("POST", "/element", {"using": "css selector", "value": css})
        self._session("POST", "/element/%s/click" % found[W3C_ELEMENT], {})

    def js(self, script, *args):
        return self._session("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        """Runs script with a callback as its last argument; returns what it passes."""
        return self._session("POST", "/execute/async", {"script": script, "args": list(args)})

    def console(self):
        """Console messages since the last call (chromedriver's log API)."""
        return self._session("POST", "/se/log", {"type": "browser"})

    def call_state(self):
        return self.js("return window.sottoCall;")

    def screenshot(self, path):
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(self._session("GET", "/screenshot")))

    def close(self):
        if self.session:
            try:
                self.command("DELETE", "/session/" + self.session, timeout=20)
            except (OSError, WebDriverError):
                pass
            self.session = None
        if self.driver.poll() is None:
            self.driver.terminate()
            try:
                self.driver.wait(10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
                self.driver.wait()
        self.log.close()


class WebRoot(unittest.TestCase):
    """[network] web_root, without a browser."""

    def daemon(self, web_root):
        d = Daemon(config_text="[audio]\nbackend = null\n[network]\nsignal_address = 127.0.0.1\n"
                   "signal_port = 0\nweb_root = %s\n" % web_root)
        self.addCleanup(shutil.rmtree, d.dir, True)
        return d

    def test_page_and_assets_are_served_with_their_types(self):
        d = self.daemon(WEB_ROOT).start()
        self.addCleanup(d.stop)
        base = "http://127.0.0.1:%d" % rpc(d, "status")["calls"]["http_port"]
        http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for path, mime, marker in (("/", "text/html", b"<title>Sotto call</title>"),
                                   ("/static/app.js", "javascript", b"/v1/calls"),
                                   ("/static/style.css", "text/css", b"meter"),
                                   ("/static/favicon.svg", "image/svg+xml", b"<svg")):
            with http.open(base + path, timeout=5) as resp:
                self.assertEqual(resp.status, 200, path)
                self.assertIn(mime, resp.headers["Content-Type"], path)
                self.assertIn("default-src 'self'", resp.headers["Content-Security-Policy"])
                self.assertIn(marker, resp.read(), path)

    def test_missing_web_root_stops_the_daemon_with_a_reason(self):
        d = self.daemon("/nonexistent/sotto-web")
        d.start(wait=False)
        self.assertTrue(wait_for(lambda: d.proc.poll() is not None, 10), "sottod kept running")
        self.assertNotEqual(d.stop(), 0)
        self.assertIn("/nonexistent/sotto-web", d.read_log())


@unittest.skipUnless(have_chromium(), "chromium and chromium-driver are not installed")
class BrowserCall(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Before any thread or child exists: they all inherit the namespace.
        cls.isolated = isolate_network()

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sotto-browser-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        tone = os.path.join(self.dir, "daemon-tone.wav")
        write_tone(tone, 1000.0, seconds=60)
        self.received = os.path.join(self.dir, "received.wav")
        self.daemon = Daemon(workdir=self.dir, config_text=(
            "[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\n"
            "[network]\nice_address = 127.0.0.1\nstate_dir = %s/state\n"
            "signal_address = 127.0.0.1\nsignal_port = 0\nweb_root = %s\n"
            "[call]\nincoming = auto\n" % (tone, self.received, self.dir, WEB_ROOT)))
        self.daemon.start()
        self.addCleanup(self.daemon.stop)
        # Chromium's fake microphone plays this file in a loop.
        self.browser_tone = os.path.join(self.dir, "browser-tone.wav")
        write_tone(self.browser_tone, 700.0, seconds=10, rate=48000)
        port = rpc(self.daemon, "status")["calls"]["http_port"]
        self.page = "http://127.0.0.1:%d/" % port

    def open_page(self):
        self.browser = Browser(self.dir, self.browser_tone)
        self.addCleanup(self.browser.close)
        self.browser.open(self.page)
        self.assertEqual(self.browser.js("return document.title;"), "Sotto call")
        # A steady tone is what noise suppression removes: send it raw.
        self.browser.click("#processing")
        self.assertFalse(self.browser.js("return document.getElementById('processing').checked;"))

    def wait_page(self, predicate, timeout, what):
        last = {}

        def check():
            last["state"] = self.browser.call_state()
            return predicate(last["state"])
        if not wait_for(check, timeout, 0.1):
            self.fail("%s; page: %s\ndaemon log:\n%s" % (
                what, json.dumps(last.get("state"), indent=1), self.daemon.read_log()[-3000:]))
        return last["state"]

    def start_call(self):
        self.browser.click("#call")
        state = self.wait_page(lambda s: s["connectionState"] == "connected", 20,
                               "the page did not connect")
        calls = rpc(self.daemon, "calls")["calls"]
        self.assertEqual(len(calls), 1, calls)
        self.assertEqual(calls[0]["direction"], "incoming")
        self.assertTrue(wait_for(
            lambda: rpc(self.daemon, "calls")["calls"][0]["state"] == "active", 10),
            "the daemon did not see the call become active")
        self.assertEqual(state["state"], "connected")
        return calls[0]["id"]

    def test_page_calls_daemon_and_hangs_up_both_ways(self):
        print("\nnetwork: %s" % ("own namespace, loopback only" if self.isolated
                                 else "host namespace, daemon on 127.0.0.1"))
        self.open_page()
        call_id = self.start_call()
        first = self.wait_page(lambda s: s["stats"] and s["stats"]["packetsReceived"] > 0
                               and s["firstAudioMs"] is not None, 10, "no audio arrived")
        time.sleep(3)
        later = self.browser.call_state()
        stats = later["stats"]
        self.assertGreater(stats["packetsReceived"], first["stats"]["packetsReceived"] + 50)
        self.assertGreater(stats["totalAudioEnergy"], 0)
        self.assertEqual(stats["codec"], "opus/48000")
        self.assertLess(stats["concealmentRatio"], 0.05)
        self.assertIsNotNone(stats["rttMs"])
        self.assertGreater(stats["bitrateOutBps"], 5000)
        self.assertIn("127.0.0.1", stats["localCandidate"])
        self.assertIn("127.0.0.1", stats["remoteCandidate"])
        daemon_side = rpc(self.daemon, "stats", {"id": call_id})["calls"][0]["media"]
        self.assertGreater(daemon_side["packets_received"], 100)
        self.assertEqual(daemon_side["codec"], "opus")
        shot = os.path.join(self.dir, "browser-call.png")
        self.browser.screenshot(shot)
        with open(shot, "rb") as fh:
            self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        keep = os.environ.get("SOTTO_TEST_ARTIFACTS")
        if keep:
            os.makedirs(keep, exist_ok=True)
            print("screenshot: %s" % shutil.copy(shot, os.path.join(keep, "browser-call.png")))
        else:
            print("screenshot: %s (removed with the test directory; set SOTTO_TEST_ARTIFACTS "
                  "to a directory to keep it)" % shot)
        print("selected pair: %s -> %s" % (stats["localCandidate"], stats["remoteCandidate"]))
        print("click to first audio: %d ms" % later["firstAudioMs"])
        print("jitterBufferDelay/jitterBufferEmittedCount: %.1f ms (%.3f s / %d samples)" % (
            stats["jitterBufferMs"], stats["jitterBufferDelay"],
            stats["jitterBufferEmittedCount"]))
        print("concealment: %.3f %%, packets lost: %d, jitter %.1f ms, RTT %.1f ms" % (
            100 * stats["concealmentRatio"], stats["packetsLost"], stats["jitterMs"],
            stats["rttMs"]))

        # Hang-up on the page: DELETE reaches the daemon.
        self.browser.click("#hangup")
        self.assertTrue(wait_for(lambda: rpc(self.daemon, "calls")["calls"] == [], 10),
                        "the daemon did not see the page hang up")
        ended = self.wait_page(lambda s: s["state"] == "ended", 5, "the page did not end")
        self.assertEqual(ended["connectionState"], "closed")

        # Hang-up on the daemon: the page notices through DTLS or ICE.
        call_id = self.start_call()
        hung_at = time.monotonic()
        rpc(self.daemon, "hangup", {"id": call_id})
        ended = self.wait_page(lambda s: s["state"] == "ended", 20,
                               "the page did not notice the daemon hang up")
        print("page saw the daemon hang up after %.1f s (%s)" % (
            time.monotonic() - hung_at, ended["message"]))
        self.assertIn(ended["connectionState"], ("closed", "failed", "disconnected"))

        # The page works under the server's CSP and loads nothing missing.
        errors = [m for m in self.browser.console()
                  if m["level"] == "SEVERE" and not m["message"].startswith("chrome://")]
        self.assertEqual(errors, [])

        self.assertEqual(self.daemon.stop(), 0)
        check_tone(self, self.received, 700.0)

    def test_pcmu_call_negotiates_comfort_noise(self):
        """Chromium offers CN/8000 beside PCMU: with [codec] order = pcmu the
        daemon takes it, sends only comfort noise through the silences of
        its input (tone bursts of 2 s, 4 s of silence), and the call still
        carries audio both ways."""
        self.daemon.stop()
        bursts = os.path.join(self.dir, "daemon-bursts.wav")
        with wave.open(bursts, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            period = [int(0.4 * 32767 * math.sin(2 * math.pi * 1000.0 * i / 16000))
                      if i < 2 * 16000 else 0 for i in range(6 * 16000)]
            w.writeframes(struct.pack("<%dh" % len(period), *period) * 10)
        self.daemon = Daemon(workdir=self.dir, config_text=(
            "[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\n"
            "silence_suppression = on\n"
            "[network]\nice_address = 127.0.0.1\nstate_dir = %s/state\n"
            "signal_address = 127.0.0.1\nsignal_port = 0\nweb_root = %s\n"
            "[call]\nincoming = auto\n[codec]\norder = pcmu\n"
            % (bursts, self.received, self.dir, WEB_ROOT)))
        self.daemon.start()
        self.addCleanup(self.daemon.stop)
        port = rpc(self.daemon, "status")["calls"]["http_port"]
        self.page = "http://127.0.0.1:%d/" % port
        self.open_page()
        call_id = self.start_call()
        first = self.wait_page(lambda s: s["stats"] and s["stats"]["packetsReceived"] > 0,
                               10, "no audio arrived")
        time.sleep(9)
        stats = self.browser.call_state()["stats"]
        daemon_side = rpc(self.daemon, "stats", {"id": call_id})["calls"][0]["media"]
        got = stats["packetsReceived"] - first["stats"]["packetsReceived"]
        print("\nPCMU + CN with Chromium: the page received %d packets in 9 s (50/s without "
              "silence suppression), audio energy %.3f, concealment %.3f %%; the daemon sent "
              "%d CN packets and %d ms of silence as CN, received %d packets (%d of them CN) and "
              "played %d ms of comfort noise" % (
                  got, stats["totalAudioEnergy"], 100 * (stats["concealmentRatio"] or 0),
                  daemon_side["cn_packets_sent"], daemon_side["silence_ms_sent"],
                  daemon_side["packets_received"], daemon_side["cn_packets_received"],
                  daemon_side["comfort_noise_ms"]))
        self.assertEqual(stats["codec"], "PCMU/8000")
        self.assertEqual(daemon_side["codec"], "PCMU")
        self.assertEqual(daemon_side["cn_payload_type"], 13)
        self.assertGreaterEqual(daemon_side["cn_packets_sent"], 2)
        self.assertGreater(daemon_side["silence_ms_sent"], 4000)
        self.assertGreater(stats["totalAudioEnergy"], 0)
        self.assertGreater(got, 100)          # the bursts arrive
        self.assertLess(got, 0.8 * 9 * 50)    # the silences do not
        # With CN negotiated, Chromium's own voice activity calls its fake
        # microphone's steady tone noise and sends CN (every 100 ms) for most
        # of it: the daemon parses those and plays comfort noise.
        self.assertGreater(daemon_side["packets_received"], 50)
        self.assertGreater(daemon_side["cn_packets_received"], 10)
        self.assertGreater(daemon_side["comfort_noise_ms"], 1000)
        self.assertEqual(daemon_side["bad_payloads"], 0)
        rpc(self.daemon, "hangup", {"id": call_id})
        self.wait_page(lambda s: s["state"] == "ended", 20,
                       "the page did not notice the daemon hang up")
        self.assertEqual(self.daemon.stop(), 0)

    def test_mdns_only_offer_connects_peer_reflexive(self):
        # A browser that has no microphone permission yet for the page
        # offers mDNS .local names, which sottod cannot resolve (Chromium
        # offers plain addresses once getUserMedia is allowed, as here, so
        # the test rewrites the offer to names). The browser's checks still
        # reach the daemon's host candidate, which learns the browser's
        # address from them (peer-reflexive).
        self.open_page()
        self.browser.js(MDNS_ONLY_OFFER)
        call_id = self.start_call()
        offer = self.browser.js("return window.sottoTestOffer;")
        self.assertRegex(offer, r"a=candidate:\S+ 1 udp \d+ [0-9a-f-]{36}\.local \d+ typ host")
        self.assertNotRegex(offer, r"(a=candidate:[^\r\n]* |c=IN IP4 )127\.0\.0\.1")
        state = self.wait_page(lambda s: s["stats"] and s["stats"]["packetsReceived"] > 100, 10,
                               "no audio arrived")
        print("\nmDNS-only offer: selected pair %s -> %s" % (state["stats"]["localCandidate"],
                                                           state["stats"]["remoteCandidate"]))
        self.assertTrue(wait_for(lambda: rpc(self.daemon, "stats", {"id": call_id})["calls"][0]
                                 ["media"]["packets_received"] > 100, 10),
                        "the daemon got no audio from the browser")
        self.browser.click("#hangup")
        self.assertTrue(wait_for(lambda: rpc(self.daemon, "calls")["calls"] == [], 10),
                        "the daemon did not see the page hang up")

if __name__ == "__main__":
    unittest.main(verbosity=2)
