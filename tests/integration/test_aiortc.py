"""Interop with a third-party WebRTC stack (aiortc): it calls sottod and
sottod calls it; audio is verified both ways by frequency and level."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Daemon, wait_for  # noqa: E402
from test_calls import read_wav, rpc, tone_power, write_tone  # noqa: E402

PEER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aiortc_peer.py")
PYTHON = "/usr/bin/python3"


def have_aiortc():
    return subprocess.run([PYTHON, "-c", "import aiortc"], capture_output=True).returncode == 0


def mono(samples, channels):
    return samples[::channels]


def check_tone(test, path, freq):
    rate, x = read_wav(path)
    import wave
    with wave.open(path) as w:
        channels = w.getnchannels()
    x = mono(x, channels)
    loud = [i for i, v in enumerate(x) if abs(v) > 3000]
    test.assertTrue(loud, "%s is silent" % path)
    seg = x[loud[0] + rate // 4: loud[0] + rate // 4 + rate]
    test.assertGreater(len(seg), rate // 2, "%s too short" % path)
    test.assertGreater(tone_power(seg, rate, freq, block=rate // 20), 0.8, path)


@unittest.skipUnless(have_aiortc(), "python3-aiortc is not installed")
class Aiortc(unittest.TestCase):
    def daemon(self, tone_hz, http):
        d = Daemon()
        tone = os.path.join(d.dir, "tone.wav")
        write_tone(tone, tone_hz, seconds=60)
        d.config = os.path.join(d.dir, "sotto.conf")
        with open(d.config, "w") as fh:
            fh.write("[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\n"
                     "[network]\nice_address = 127.0.0.1\nstate_dir = %s/state\n"
                     "signal_address = %s\nsignal_port = 0\n[call]\nincoming = auto\n"
                     % (tone, os.path.join(d.dir, "received.wav"), d.dir,
                        "127.0.0.1" if http else ""))
        return d.start()

    def test_aiortc_calls_sottod(self):
        d = self.daemon(1000.0, http=True)
        play = os.path.join(d.dir, "aiortc-play.wav")
        rec = os.path.join(d.dir, "aiortc-rec.wav")
        write_tone(play, 700.0, seconds=10, rate=48000)
        try:
            port = rpc(d, "status")["calls"]["http_port"]
            r = subprocess.run([PYTHON, PEER, "caller", "http://127.0.0.1:%d/v1/calls" % port,
                                play, rec, "4"], capture_output=True, text=True, timeout=90)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('"codec": "opus/48000/2"', r.stdout)
            self.assertIn('"connection": "connected"', r.stdout)
            self.assertTrue(wait_for(lambda: rpc(d, "calls")["calls"] == [], 10),
                            "sottod did not see the hang-up")
        finally:
            self.assertEqual(d.stop(), 0)
        check_tone(self, rec, 1000.0)
        check_tone(self, os.path.join(d.dir, "received.wav"), 700.0)

    def test_sottod_calls_aiortc(self):
        d = self.daemon(440.0, http=False)
        play = os.path.join(d.dir, "aiortc-play.wav")
        rec = os.path.join(d.dir, "aiortc-rec.wav")
        portfile = os.path.join(d.dir, "port")
        write_tone(play, 700.0, seconds=10, rate=48000)
        peer = subprocess.Popen([PYTHON, PEER, "callee", portfile, play, rec, "4"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            def port_written():
                if not os.path.exists(portfile):
                    return False
                with open(portfile) as fh:
                    return fh.read().strip() != ""
            self.assertTrue(wait_for(port_written, 60), "aiortc did not start")
            with open(portfile) as fh:
                url = "http://127.0.0.1:%s/v1/calls" % fh.read().strip()
            r = rpc(d, "call", {"url": url}, timeout=30)
            self.assertEqual(r["state"], "connecting")
            self.assertTrue(wait_for(lambda: rpc(d, "calls")["calls"][0]["state"] == "active",
                                     15))
            self.assertEqual(rpc(d, "calls")["calls"][0]["codec"], "opus")
            out, err = peer.communicate(timeout=60)
            self.assertEqual(peer.returncode, 0, err)
            self.assertIn('"codec": "opus/48000/2"', out)
        finally:
            if peer.poll() is None:
                peer.kill()
                peer.wait()
            self.assertEqual(d.stop(), 0)
        check_tone(self, rec, 440.0)
        check_tone(self, os.path.join(d.dir, "received.wav"), 700.0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
