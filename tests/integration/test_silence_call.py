#!/usr/bin/env python3
"""Two sottods in a call on the WAV backend. The caller talks (espeak-ng
speech) for 4 s, is silent (microphone noise at -65 dBFS) for 12 s, talks
for 4 s and is silent again: silent more than half the time. The callee is
silent throughout. With silence suppression on, over a window
where the caller's stats say all of its audio went as silence, its wire
rate (every datagram: comfort noise, RTCP, ICE consent checks, with
IPv4+UDP headers) stays under 1 kbit/s, and the callee's recording holds
comfort noise there: well above digital silence, far below the speech.
Run for Opus (CN/48000 between two sottods) and Sotto (CN/16000), silence
told by the capture level (the chain is off with files) and, for Opus, by
the WebRTC capture chain's voice activity."""
import os
import sys
import time
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import echo_cases as ec  # noqa: E402
from daemon_harness import Daemon  # noqa: E402
from test_calls import Pair, rpc  # noqa: E402

TALK_S, SILENT_S = 4.0, 12.0
CALL_S = 18.0
WINDOW_S = 6.0       # the silent window the wire rate is measured over
MAX_SILENT_BPS = 1000.0


def config(d, input_file, order, processing="auto"):
    return ("[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\nprocessing = %s\n"
            "silence_suppression = on\n"
            "[network]\nice_address = 127.0.0.1\nsignal_address =\nstate_dir = %s\n"
            "[codec]\norder = %s\n"
            % (input_file, os.path.join(d.dir, "received.wav"), processing,
               os.path.join(d.dir, "state"), order))


def talker_input():
    speech = ec.fit(ec.speak(ec.FAR_TEXT, "en-us"), int(TALK_S * ec.RATE))
    quiet = ec.mic_noise(int(SILENT_S * ec.RATE), 3)
    return np.concatenate([speech, quiet, speech, quiet])


def media_of(d):
    return rpc(d, "stats")["calls"][0]["media"]


def silent_window(samples):
    """(seconds, wire bytes, RTCP sent, CN sent) over the longest run of
    sampling intervals in which the talker's audio went as silence, less the
    run's first and last interval (they may hold the hangover or the next
    talkspurt's start), or None."""
    silent = [m1["silence_ms_sent"] - m0["silence_ms_sent"] >= 0.9 * (t1 - t0) * 1000.0
              for (t0, m0), (t1, m1) in zip(samples, samples[1:])]
    best, start = None, None
    for k, q in enumerate(silent + [False]):
        if q and start is None:
            start = k
        elif not q and start is not None:
            if best is None or k - start > best[1] - best[0]:
                best = (start, k)
            start = None
    if best is None or best[1] - best[0] < 3:
        return None
    (t0, m0), (t1, m1) = samples[best[0] + 1], samples[best[1] - 1]
    if t1 - t0 < WINDOW_S:
        return None
    return (t1 - t0, m1["wire_bytes_sent"] - m0["wire_bytes_sent"],
            m1["rtcp_sent"] - m0["rtcp_sent"], m1["cn_packets_sent"] - m0["cn_packets_sent"])


def frame_dbfs(x, frame=1600):
    n = x.size // frame
    f = x[:n * frame].reshape(n, frame)
    return 10 * np.log10(np.mean(f ** 2, axis=1) + 1e-15)


def run_call(order, processing):
    a, b = Daemon(extra_args=[]), Daemon(extra_args=[])
    a_in, b_in = os.path.join(a.dir, "talk.wav"), os.path.join(b.dir, "quiet.wav")
    ec.write_wav(a_in, talker_input())
    ec.write_wav(b_in, ec.mic_noise(int(40 * ec.RATE), 4))
    for d, path, proc in ((a, a_in, processing), (b, b_in, "auto")):
        d.config = os.path.join(d.dir, "sotto.conf")
        with open(d.config, "w") as fh:
            fh.write(config(d, path, order, proc))
        d.start()
    pair = Pair.__new__(Pair)
    pair.a, pair.b = a, b
    samples, listener = [], None
    try:
        pair.connect_by_token()
        end = time.monotonic() + CALL_S
        while time.monotonic() < end:
            samples.append((time.monotonic(), media_of(a)))
            time.sleep(0.5)
        listener = media_of(b)
    finally:
        codes = pair.stop()
    assert codes == (0, 0), codes
    return samples, listener, ec.read_wav(os.path.join(b.dir, "received.wav"))


class SilenceCall(unittest.TestCase):
    def check(self, order, codec, processing="auto", level=(-75.0, -55.0)):
        """level: where the listener's comfort noise must lie, dBFS (the
        talker's -65 dBFS room noise, or less after noise suppression)."""
        samples, listener, heard = run_call(order, processing)
        talker = samples[-1][1]
        self.assertEqual(talker["codec"].lower(), codec)
        self.assertGreaterEqual(talker["cn_payload_type"], 0, talker)
        window = silent_window(samples)
        self.assertIsNotNone(window, [(round(t - samples[0][0], 1), m["silence_ms_sent"])
                                      for t, m in samples])
        bps = window[1] * 8.0 / window[0]
        db = frame_dbfs(heard)
        # The listener's recording: speech, then the comfort noise of the
        # long silence (the middle of the longest run below speech level).
        quiet = db < -45.0
        runs, start = [], None
        for k, q in enumerate(np.append(quiet, False)):
            if q and start is None:
                start = k
            elif not q and start is not None:
                runs.append((k - start, start))
                start = None
        length, first = max(runs)
        middle = db[first + length // 4:first + 3 * length // 4]
        print("%s (talker's processing %s): talker's wire rate while silent %.0f bit/s over %.1f s (%d CN and %d RTCP "
              "in it; %d CN sent, %d ms of silence); listener: speech peak %.1f dBFS, silence %.1f s at median "
              "%.1f dBFS (min %.1f), %d CN received, %d ms of comfort noise, "
              "%d ms concealed, %d lost, jitter buffer %d ms"
              % (codec, processing, bps, window[0], window[3], window[2], talker["cn_packets_sent"], talker["silence_ms_sent"],
                 float(np.max(db)), length * 0.1, float(np.median(middle)),
                 float(np.min(middle)), listener["cn_packets_received"],
                 listener["comfort_noise_ms"], listener["concealed_ms"],
                 listener["packets_lost"], listener["jitter_buffer_ms"]), flush=True)
        self.assertLess(bps, MAX_SILENT_BPS)
        self.assertGreater(float(np.max(db)), -30.0)        # the speech came through
        self.assertGreaterEqual(length * 0.1, 8.0)           # one long silence
        self.assertGreater(float(np.min(middle)), -100.0)    # never digital silence
        self.assertTrue(level[0] < float(np.median(middle)) < level[1], np.median(middle))
        self.assertGreaterEqual(listener["cn_packets_received"], 3)
        self.assertGreaterEqual(listener["comfort_noise_ms"], 8000)
        # The silences are neither loss nor a reason to hold more delay.
        self.assertEqual(listener["packets_lost"], 0)
        self.assertLess(listener["concealed_ms"], 500)
        self.assertLess(listener["jitter_buffer_ms"], 200)

    def test_opus_silence_goes_as_comfort_noise(self):
        self.check("opus", "opus")

    def test_opus_with_voice_activity_of_the_capture_chain(self):
        # The WebRTC chain's voice activity decides, not the level gate; its
        # noise suppression takes the room noise down, and the CN level with it.
        self.check("opus", "opus", "webrtc", level=(-95.0, -70.0))

    def test_sotto_silence_goes_as_comfort_noise(self):
        self.check("sotto", "sotto")


if __name__ == "__main__":
    unittest.main(verbosity=2)
