"""Two daemons in two network namespaces joined by veth: a call over HTTP
signalling with a bearer token, and the 401 an unauthenticated offer from a
non-loopback address gets."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netns  # noqa: E402
from daemon_harness import Client, Daemon, wait_for  # noqa: E402
from test_calls import read_wav, rpc, tone_power, write_tone  # noqa: E402


def config(d, addr, tone, signal, token=""):
    return ("[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s/received.wav\n"
            "[network]\nice_address = %s\nstate_dir = %s/state\nsignal_address = %s\n"
            "signal_port = 8787\nsignal_token = %s\n[call]\nincoming = auto\n"
            % (tone, d.dir, addr, d.dir, addr if signal else "", token))


@unittest.skipUnless(netns.available(), "needs root and network namespaces")
class Namespaces(unittest.TestCase):
    def setUp(self):
        self.ns = netns.NetnsPair()
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            d.stop()
        self.ns.close()

    def start(self, ns, addr, freq, signal, token=""):
        d = Daemon(prefix=self.ns.prefix(ns))
        tone = os.path.join(d.dir, "tone.wav")
        write_tone(tone, freq, seconds=60)
        d.config = os.path.join(d.dir, "sotto.conf")
        with open(d.config, "w") as fh:
            fh.write(config(d, addr, tone, signal, token))
        self.daemons.append(d.start())
        return d

    def test_offer_without_token_from_another_host_gets_401(self):
        self.start(self.ns.b, netns.ADDR_B, 1000.0, signal=True)
        a = self.start(self.ns.a, netns.ADDR_A, 440.0, signal=False)
        c = Client(a.socket, timeout=30)
        r = c.request("call", {"url": "http://%s:8787/v1/calls" % netns.ADDR_B})
        c.close()
        self.assertFalse(r["ok"])
        self.assertIn("401", r["error"]["message"])

    def test_call_between_namespaces_with_token(self):
        b = self.start(self.ns.b, netns.ADDR_B, 260.0, signal=True, token="s3cret-token")
        a = self.start(self.ns.a, netns.ADDR_A, 180.0, signal=False)
        c = Client(a.socket, timeout=30)
        r = c.request("call", {"url": "http://%s:8787/v1/calls" % netns.ADDR_B,
                               "token": "wrong"})
        self.assertFalse(r["ok"])
        self.assertIn("401", r["error"]["message"])
        r = c.request("call", {"url": "http://%s:8787/v1/calls" % netns.ADDR_B,
                               "token": "s3cret-token"})
        c.close()
        self.assertTrue(r["ok"], r)
        self.assertTrue(wait_for(lambda: rpc(b, "calls")["calls"] and
                                 rpc(b, "calls")["calls"][0]["state"] == "active", 15))
        time.sleep(3)
        for d in (a, b):
            # Two sottods prefer the Sotto codec (the default order).
            self.assertEqual(rpc(d, "stats")["calls"][0]["codec"], "SOTTO")
            m = rpc(d, "stats")["calls"][0]["media"]
            self.assertGreater(m["packets_sent"], 80)
            self.assertGreater(m["packets_received"], 80)
        self.assertTrue(wait_for(lambda: rpc(a, "stats")["calls"][0]["media"]["rtt_ms"] >= 0,
                                 8))
        rpc(a, "hangup")
        self.assertTrue(wait_for(lambda: rpc(b, "calls")["calls"] == [], 5))
        for d in self.daemons:
            self.assertEqual(d.stop(), 0)
        for d, freq in ((a, 260.0), (b, 180.0)):
            rate, x = read_wav(os.path.join(d.dir, "received.wav"))
            loud = [i for i, v in enumerate(x) if abs(v) > 1000]
            self.assertTrue(loud)
            seg = x[loud[0] + rate // 2: loud[0] + rate // 2 + 2 * rate]
            self.assertGreater(tone_power(seg, rate, freq), 0.8)


if __name__ == "__main__":
    unittest.main(verbosity=2)
