#!/usr/bin/env python3
"""Two sottods in a call, both on the WAV backend; the callee's backend
plays what it receives back into its own capture (wav_echo_ms: a laptop's
speaker-to-microphone echo, 120 ms, -6 dB, two reflections). The caller talks
(espeak-ng speech), the callee is silent. With the callee's capture chain
on, the caller must not hear itself: the level of what comes back is
compared with the same call with the chain off, and the callee's `stats`
must show the chain's figures."""
import os
import sys
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_cases as ec  # noqa: E402
from daemon_harness import Daemon  # noqa: E402
from test_calls import Pair, rpc  # noqa: E402

CALL_S = 14.0
MEASURE_S = 7.0  # the last seconds of the caller's recording


def config(d, input_file, processing, echo):
    audio = ("[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\nprocessing = %s\n"
             % (input_file, os.path.join(d.dir, "received.wav"), processing))
    if echo:
        audio += "wav_echo_ms = 120\nwav_echo_db = -6\n"
    return (audio + "[network]\nice_address = 127.0.0.1\nsignal_address =\nstate_dir = %s\n"
            "[codec]\norder = opus\n" % os.path.join(d.dir, "state"))


def run_call(processing):
    """(caller's returned level dB relative to what it sent, callee's stats)."""
    a, b = Daemon(extra_args=[]), Daemon(extra_args=[])
    speech = ec.fit(ec.speak(ec.FAR_TEXT, "en-us"), int(20 * ec.RATE))
    a_in, b_in = os.path.join(a.dir, "talk.wav"), os.path.join(b.dir, "quiet.wav")
    ec.write_wav(a_in, speech)
    ec.write_wav(b_in, ec.mic_noise(int(20 * ec.RATE), 4))
    for d, path, echo, proc in ((a, a_in, False, "off"), (b, b_in, True, processing)):
        d.config = os.path.join(d.dir, "sotto.conf")
        with open(d.config, "w") as fh:
            fh.write(config(d, path, proc, echo))
        d.start()
    pair = Pair.__new__(Pair)
    pair.a, pair.b = a, b
    stats = None
    try:
        pair.connect_by_token()
        time.sleep(CALL_S)
        stats = rpc(b, "stats")["calls"][0]
    finally:
        codes = pair.stop()
    assert codes == (0, 0), codes
    got = ec.read_wav(os.path.join(a.dir, "received.wav"))
    tail = got[-int(MEASURE_S * ec.RATE):]
    return ec.power_db(tail) - ec.power_db(speech), stats


class EchoCall(unittest.TestCase):
    def test_callee_chain_removes_the_callers_echo(self):
        off_db, _ = run_call("off")
        on_db, stats = run_call("webrtc")
        erle = off_db - on_db
        print("caller hears its echo at %.1f dB with the chain off, %.1f dB with it on: "
              "ERLE through the call %.1f dB; callee's stats %s"
              % (off_db, on_db, erle, stats.get("processing")), flush=True)
        # Without the chain the echo comes back about as loud as the path makes it.
        self.assertGreater(off_db, -20.0)
        self.assertGreaterEqual(erle, 25.0)
        self.assertLess(on_db, -35.0)
        proc = stats["processing"]
        self.assertEqual(proc["engine"], "webrtc")
        self.assertGreaterEqual(proc["erle_db"], 15.0)
        self.assertTrue(100 <= proc["echo_delay_ms"] <= 400, proc)
        for key in ("speech_probability", "speech_fraction", "noise_dbfs"):
            self.assertIn(key, proc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
