"""Two real sottods call each other; the audio each one sends must arrive at
the other (checked by frequency and level), and the media on the wire must
be SRTP, never plaintext RTP."""
import json
import math
import os
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_harness import Client, Daemon, wait_for  # noqa: E402


def write_tone(path, freq, seconds=6.0, rate=16000, amp=0.4):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(
            struct.pack("<h", int(amp * 32767 * math.sin(2 * math.pi * freq * i / rate)))
            for i in range(int(rate * seconds))))


def read_wav(path):
    """A recording still being written has the streaming sizes (0xffffffff)
    in its header: read it in blocks up to where the file ends, never one
    read of the size the header claims (a 4 GiB buffer, which meson's
    MALLOC_PERTURB_ then fills byte by byte for many seconds)."""
    blocks = []
    with wave.open(path, "rb") as w:
        rate = w.getframerate()
        while True:
            block = w.readframes(1 << 16)
            if not block:
                break
            blocks.append(block)
    data = b"".join(blocks)
    return rate, list(struct.unpack("<%dh" % (len(data) // 2), data))


def received_segment(d, skip_s, seconds=2.0, threshold=1000):
    """(rate, samples): seconds of d's recording from skip_s after its first
    sample above threshold; samples is None when nothing that loud came."""
    rate, x = read_wav(os.path.join(d.dir, "received.wav"))
    loud = next((i for i, v in enumerate(x) if abs(v) > threshold), None)
    if loud is None:
        return rate, None
    start = loud + int(skip_s * rate)
    return rate, x[start: start + int(seconds * rate)]


def tone_power(samples, rate, freq, block=800):
    """Median over 50 ms blocks of the power at freq relative to the block's
    total (0..1): robust to a rare concealed or time-stretched frame, whose
    phase jump would spoil one long coherent measurement."""
    powers = sorted(block_power(samples[i:i + block], rate, freq)
                    for i in range(0, len(samples) - block + 1, block))
    return powers[len(powers) // 2]


def block_power(samples, rate, freq):
    n = len(samples)
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    p = s1 * s1 + s2 * s2 - k * s1 * s2
    total = sum(x * x for x in samples) * n / 2
    return p / total if total else 0.0


def call_config(workdir, tone_file, order="opus,pcmu,pcma", backend="wav", network_extra=""):
    audio = ("[audio]\nbackend = wav\ninput_file = %s\noutput_file = %s\n"
             % (tone_file, os.path.join(workdir, "received.wav"))
             # The null device captures digital silence: these tests count a
             # continuous stream, which silence suppression would stop.
             if backend == "wav" else "[audio]\nbackend = null\nsilence_suppression = false\n")
    return (audio + "[network]\nice_address = 127.0.0.1\nsignal_address =\n"
            "state_dir = %s\n%s[codec]\norder = %s\n"
            % (os.path.join(workdir, "state"), network_extra, order))


def rpc(d, cmd, args=None, timeout=20):
    c = Client(d.socket, timeout=timeout)
    try:
        r = c.request(cmd, args)
    finally:
        c.close()
    assert r["ok"], r
    return r["result"]


def encode_token(sdp):
    import base64
    import zlib
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = bytes([1]) + z.compress(sdp.encode()) + z.flush()
    return "sotto1:" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token):
    import base64
    import zlib
    body = token[len("sotto1:"):]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert raw[0] == 1
    return zlib.decompress(raw[1:], -15).decode()


class Pair:
    """Caller A and callee B, each with its own tone."""

    def __init__(self, order="opus,pcmu,pcma", backend="wav", freqs=(440.0, 1000.0),
                 network_extra=""):
        self.a = Daemon(extra_args=[])
        self.b = Daemon(extra_args=[])
        self.freqs = freqs
        for d, f in ((self.a, freqs[0]), (self.b, freqs[1])):
            tone = os.path.join(d.dir, "tone.wav")
            write_tone(tone, f)
            d.config = os.path.join(d.dir, "sotto.conf")
            with open(d.config, "w") as fh:
                fh.write(call_config(d.dir, tone, order, backend, network_extra))
            d.start()

    def connect_by_token(self):
        ca = Client(self.a.socket, timeout=20)
        offer = ca.request("offer")
        assert offer["ok"], offer
        cb = Client(self.b.socket, timeout=20)
        answer = cb.request("accept", {"token": offer["result"]["token"]})
        assert answer["ok"], answer
        done = ca.request("complete", {"token": answer["result"]["token"]})
        assert done["ok"], done
        ca.close()
        cb.close()
        ok = wait_for(lambda: all(self.state(d) == "active" for d in (self.a, self.b)), 10)
        assert ok, (self.a.read_log(), self.b.read_log())
        return offer["result"]["id"], answer["result"]["id"]

    @staticmethod
    def state(d):
        calls = rpc(d, "calls")["calls"]
        return calls[0]["state"] if calls else None

    def stop(self):
        return self.a.stop(), self.b.stop()


class TokenCall(unittest.TestCase):
    def test_call_over_tokens_carries_audio_both_ways(self):
        p = Pair()
        try:
            p.connect_by_token()
            time.sleep(3)
            sa = rpc(p.a, "stats")["calls"][0]
            sb = rpc(p.b, "stats")["calls"][0]
            for s in (sa, sb):
                self.assertEqual(s["codec"], "opus")
                self.assertGreater(s["media"]["packets_sent"], 50)
                self.assertGreater(s["media"]["packets_received"], 50)
                self.assertGreater(s["media"]["wire_kbps_sent"], s["media"]["payload_kbps_sent"])
                self.assertEqual(s["transport"]["dropped_auth"], 0)
            self.assertTrue(wait_for(lambda: rpc(p.a, "stats")["calls"][0]["media"]
                                     ["rtt_ms"] >= 0, 8), "no RTT from RTCP")
            rpc(p.a, "hangup")
            self.assertTrue(wait_for(lambda: p.state(p.b) is None, 5), "callee did not hang up")
            ended = [e for e in rpc(p.b, "events")["events"] if e["event"] == "call-ended"]
            self.assertEqual(ended[0]["data"]["reason"], "hung up by the peer")
        finally:
            self.assertEqual(p.stop(), (0, 0))
        for d, expect, other in ((p.a, p.freqs[1], p.freqs[0]), (p.b, p.freqs[0], p.freqs[1])):
            rate, seg = received_segment(d, 0.5, threshold=3000)
            self.assertIsNotNone(seg, "nothing arrived at " + d.dir)
            self.assertGreater(tone_power(seg, rate, expect), 0.8)
            self.assertLess(tone_power(seg, rate, other), 0.05)
            rms = math.sqrt(sum(v * v for v in seg) / len(seg))
            self.assertAlmostEqual(20 * math.log10(rms / (0.4 * 32767 / math.sqrt(2))), 0.0,
                                   delta=3.0)

    def test_pcmu_call_is_srtp_on_the_wire(self):
        """Silence in PCMU is all 0xFF bytes in plaintext RTP; captured on the
        loopback interface, every RTP-looking datagram between the daemons
        must carry an authentication tag and a payload that is not that."""
        if os.geteuid() != 0:
            self.skipTest("capturing on lo needs root")
        sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
        sniff.bind(("lo", 0))
        sniff.settimeout(0.2)
        seen = []
        stop = threading.Event()

        def capture():
            while not stop.is_set():
                try:
                    frame = sniff.recv(65535)
                except socket.timeout:
                    continue
                ip = frame[14:]
                if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
                    continue
                udp = ip[(ip[0] & 15) * 4:]
                seen.append(bytes(udp[8:]))

        t = threading.Thread(target=capture)
        t.start()
        p = Pair(order="pcmu", backend="null")
        try:
            p.connect_by_token()
            time.sleep(2)
            self.assertEqual(rpc(p.a, "stats")["calls"][0]["codec"], "PCMU")
        finally:
            p.stop()
            stop.set()
            t.join()
            sniff.close()
        rtp = [d for d in seen if len(d) >= 172 and d[0] == 0x80 and (d[1] & 0x7f) == 0]
        self.assertGreater(len(rtp), 50, "no RTP-like datagrams captured")
        for d in rtp:
            payload = d[12:]
            self.assertGreater(len(payload), 160, "no SRTP authentication tag")
            self.assertNotEqual(payload[:160], b"\xff" * 160, "plaintext RTP on the wire")
            self.assertGreater(len(set(payload[:160])), 64, "payload does not look encrypted")

    def test_wrong_fingerprint_is_refused_with_reason(self):
        p = Pair(backend="null")
        try:
            offer = rpc(p.a, "offer")
            answer = rpc(p.b, "accept", {"token": offer["token"]})
            sdp = decode_token(answer["token"])
            lines = sdp.split("\r\n")
            for i, line in enumerate(lines):
                if line.startswith("a=fingerprint:sha-256 "):
                    hexes = line.split(" ", 1)[1].split(":")
                    hexes[0] = "%02X" % (int(hexes[0], 16) ^ 0xFF)
                    lines[i] = "a=fingerprint:sha-256 " + ":".join(hexes)
            rpc(p.a, "complete", {"token": encode_token("\r\n".join(lines))})
            self.assertTrue(wait_for(lambda: p.state(p.a) is None, 15), "call was not refused")
            ended = [e for e in rpc(p.a, "events")["events"] if e["event"] == "call-ended"]
            self.assertIn("fingerprint does not match", ended[0]["data"]["reason"])
            states = [e["data"]["state"] for e in rpc(p.a, "events")["events"]
                      if e["event"] == "call-state"]
            self.assertNotIn("active", states)
        finally:
            p.stop()

    def test_unknown_peers_are_refused_and_contacts_are_named(self):
        p = Pair(backend="null")
        try:
            with open(p.b.config, "a") as fh:
                fh.write("[call]\nunknown_peer = reject\n")
            p.b.stop()
            p.b.start()
            offer = rpc(p.a, "offer")
            c = Client(p.b.socket)
            r = c.request("accept", {"token": offer["token"]})
            self.assertFalse(r["ok"])
            self.assertIn("not in contacts", r["error"]["message"])
            fingerprint = rpc(p.a, "status")["calls"]["fingerprint"]
            with open(os.path.join(p.b.dir, "state", "contacts"), "w") as fh:
                fh.write("# name fingerprint\nbob 00:11\nalice %s\n" % fingerprint.lower())
            r = c.request("accept", {"token": offer["token"]})
            c.close()
            self.assertTrue(r["ok"], r)
            self.assertEqual(rpc(p.b, "calls")["calls"][0]["contact"], "alice")
        finally:
            p.stop()

    def test_bad_tokens_are_refused(self):
        d = Daemon()
        with open(os.path.join(d.dir, "sotto.conf"), "w") as fh:
            fh.write("[audio]\nbackend = null\n[network]\nsignal_address =\n"
                     "ice_address = 127.0.0.1\nstate_dir = %s/state\n" % d.dir)
        d.config = os.path.join(d.dir, "sotto.conf")
        d.start()
        try:
            c = Client(d.socket)
            for bad in ("", "sotto1:", "sotto1:!!!", "nonsense", "sotto1:" + "A" * 5000):
                r = c.request("accept", {"token": bad})
                self.assertFalse(r["ok"])
                self.assertEqual(r["error"]["code"], "bad-args")
            r = c.request("complete", {"token": "sotto1:AAAA"})
            self.assertFalse(r["ok"])
            self.assertEqual(c.request("calls")["result"]["calls"], [])
            c.close()
        finally:
            self.assertEqual(d.stop(), 0)


class SottoCodecCall(unittest.TestCase):
    def test_two_sottods_use_the_sotto_codec_at_3200_bits(self):
        # Pitch-range tones: the codec models voiced speech (f0 62-500 Hz).
        p = Pair(order="sotto,opus,pcmu", freqs=(180.0, 260.0))
        try:
            p.connect_by_token()
            time.sleep(3)
            for d in (p.a, p.b):
                s = rpc(d, "stats")["calls"][0]
                self.assertEqual(s["codec"], "SOTTO")
                m = s["media"]
                self.assertGreater(m["packets_received"], 100)
                # A loss-free link: one 8-byte frame per 20 ms packet after
                # the one-byte payload header, no redundant copies.
                self.assertEqual(m["ptime_ms"], 20)
                self.assertEqual(m["redundant_frames"], 0)
                self.assertEqual(m["payload_bytes_sent"], 9 * m["packets_sent"])
                self.assertEqual(m["controller"]["changes"], 0)
        finally:
            self.assertEqual(p.stop(), (0, 0))
        for d, freq in ((p.a, p.freqs[1]), (p.b, p.freqs[0])):
            rate, seg = received_segment(d, 0.5)
            self.assertIsNotNone(seg, "nothing arrived at " + d.dir)
            self.assertGreater(tone_power(seg, rate, freq), 0.8)

    def test_a_peer_of_another_sotto_bitstream_gets_opus(self):
        # An offer whose SOTTO format has no v=2 (a version 1 sottod) must
        # not get SOTTO: the two would decode each other's packets wrongly.
        p = Pair(order="sotto,opus,pcmu", backend="null")
        try:
            offer = rpc(p.a, "offer")
            sdp = decode_token(offer["token"])
            self.assertIn("mode=3200;redundancy=1;v=2", sdp)
            old = sdp.replace(";v=2", "")
            answer = rpc(p.b, "accept", {"token": encode_token(old)})
            answer_sdp = decode_token(answer["token"])
            self.assertNotIn("SOTTO", answer_sdp)
            self.assertIn("opus/48000/2", answer_sdp)
            rpc(p.a, "complete", {"token": answer["token"]})
            ok = wait_for(lambda: all(p.state(d) == "active" for d in (p.a, p.b)), 10)
            self.assertTrue(ok, (p.a.read_log(), p.b.read_log()))
            for d in (p.a, p.b):
                self.assertEqual(rpc(d, "stats")["calls"][0]["codec"], "opus")
        finally:
            self.assertEqual(p.stop(), (0, 0))

    def test_an_answer_of_another_sotto_bitstream_is_refused(self):
        p = Pair(order="sotto,opus", backend="null")
        try:
            offer = rpc(p.a, "offer")
            answer = rpc(p.b, "accept", {"token": offer["token"]})
            sdp = decode_token(answer["token"])
            self.assertIn(";v=2", sdp)
            c = Client(p.a.socket, timeout=20)
            r = c.request("complete", {"token": encode_token(sdp.replace(";v=2", ";v=1"))})
            c.close()
            self.assertFalse(r["ok"])
            self.assertIn("chose SOTTO without fmtp v=2", r["error"]["message"])
            self.assertNotEqual(p.state(p.a), "active")
        finally:
            p.stop()


class SlowLinkCall(unittest.TestCase):
    def test_an_8_kbit_link_gets_long_packets_and_the_short_srtp_tag(self):
        # The cap is configured: the controller packs 120 ms per packet, the
        # shortest that keeps the rate under 90 % of 8 kbit/s with the link
        # layer's framing counted.
        p = Pair(order="sotto,opus", freqs=(180.0, 260.0), network_extra="link_kbps = 8\n")
        try:
            p.connect_by_token()
            time.sleep(6)
            for d in (p.a, p.b):
                s = rpc(d, "stats")["calls"][0]
                m = s["media"]
                self.assertEqual(s["codec"], "SOTTO")
                self.assertEqual(m["srtp_profile"], "AES128_CM_SHA1_32")
                self.assertEqual(m["ptime_ms"], 120)
                self.assertEqual(m["remote_ptime_ms"], 120)
                self.assertEqual(m["controller"]["cap_bps"], 7200)
                # Six frames and a header byte per packet; once the 6 s tone
                # file has ended, comfort noise packets of one level byte.
                cn = m["cn_packets_sent"]
                self.assertEqual(m["payload_bytes_sent"], 49 * (m["packets_sent"] - cn) + cn)
                self.assertGreater(m["packets_received"], 30)
                # Everything on the wire (RTP, RTCP, ICE consent) counted.
                self.assertLess(m["wire_kbps_sent"], 8.0)
                self.assertGreater(m["wire_kbps_sent"], 5.0)
            log = p.a.read_log()
            self.assertIn("controller: loss 0.0%, cap 7.2 kbit/s: 120 ms packets", log)
        finally:
            self.assertEqual(p.stop(), (0, 0))
        for d, freq in ((p.a, p.freqs[1]), (p.b, p.freqs[0])):
            rate, seg = received_segment(d, 1.0)
            self.assertIsNotNone(seg, "nothing arrived at " + d.dir)
            self.assertGreater(tone_power(seg, rate, freq), 0.8)

    def test_opus_on_an_8_kbit_link_keeps_to_the_plan(self):
        # Opus too: the controller's 120 ms packets at a constant rate the
        # running encoder was given, and what leaves (every header down to
        # the link layer) beside the plan, within 10 %.
        p = Pair(order="opus", freqs=(180.0, 260.0), network_extra="link_kbps = 8\n")
        try:
            p.connect_by_token()
            time.sleep(8)
            for d in (p.a, p.b):
                s = rpc(d, "stats")["calls"][0]
                m = s["media"]
                self.assertEqual(s["codec"], "opus")
                self.assertEqual(m["ptime_ms"], 120)
                self.assertEqual(m["remote_ptime_ms"], 120)
                c = m["controller"]
                self.assertEqual(c["cap_bps"], 7200)
                self.assertLessEqual(c["wire_bps"], 7200)
                # Constant rate: every Opus packet has the bytes the plan gives
                # it (the tone ends after 6 s: comfort-noise packets, 1 byte of
                # level each, follow and are left out).
                cn = m["cn_packets_sent"]
                self.assertAlmostEqual((m["payload_bytes_sent"] - cn) / (m["packets_sent"] - cn),
                                       c["bitrate"] * 0.12 / 8, delta=1.5)
                self.assertLess(m["wire_kbps_sent"], 8.0)
                self.assertAlmostEqual(m["link_kbps_sent"], m["planned_kbps_sent"],
                                       delta=0.1 * m["planned_kbps_sent"])
                self.assertEqual(m["rate_mismatches"], 0)
                self.assertEqual(m["bad_payloads"], 0)
                self.assertGreater(m["packets_received"], 40)
            log = p.a.read_log()
            self.assertIn("cap 7.2 kbit/s: 120 ms packets", log)
            self.assertIn("payload constant", log)
        finally:
            self.assertEqual(p.stop(), (0, 0))
        # Audio arrived both ways. (Not its tone: libopus at a constant 3.3
        # kbit/s keeps a 180 Hz tone, 0.7 of the power, but not a 260 Hz one.)
        for d in (p.a, p.b):
            rate, seg = received_segment(d, 1.0)
            self.assertIsNotNone(seg, "nothing arrived at " + d.dir)


class HttpCall(unittest.TestCase):
    def test_call_over_http_and_hangup_by_delete(self):
        p = Pair(backend="wav")
        try:
            # B takes calls over HTTP on an ephemeral loopback port, answering at once.
            with open(p.b.config, "a") as fh:
                fh.write("[call]\nincoming = auto\n")
            with open(p.b.config) as fh:
                text = fh.read().replace("signal_address =\n",
                                         "signal_address = 127.0.0.1\nsignal_port = 0\n")
            with open(p.b.config, "w") as fh:
                fh.write(text)
            os.kill(p.b.proc.pid, 1)
            self.assertTrue(wait_for(lambda: "config-reloaded" in
                                     [e["event"] for e in rpc(p.b, "events")["events"]]))
            p.b.stop()
            p.b.start()
            port = rpc(p.b, "status")["calls"]["http_port"]
            self.assertGreater(port, 0)
            t0 = time.monotonic()
            r = rpc(p.a, "call", {"url": "http://127.0.0.1:%d/v1/calls" % port}, timeout=30)
            self.assertIn("/v1/calls/", r["location"])
            self.assertTrue(wait_for(lambda: p.state(p.a) == "active" and
                                     p.state(p.b) == "active", 10))
            setup = time.monotonic() - t0
            self.assertLess(setup, 5.0)
            time.sleep(2)
            sb = rpc(p.b, "stats")["calls"][0]["media"]
            self.assertGreater(sb["packets_received"], 40)
            rpc(p.a, "hangup")
            self.assertTrue(wait_for(lambda: p.state(p.b) is None, 5))
        finally:
            self.assertEqual(p.stop(), (0, 0))

    def test_ice_restart_over_http_keeps_the_call_and_its_audio(self):
        p = Pair(backend="wav")
        try:
            with open(p.b.config) as fh:
                text = fh.read().replace("signal_address =\n",
                                         "signal_address = 127.0.0.1\nsignal_port = 0\n")
            with open(p.b.config, "w") as fh:
                fh.write(text + "[call]\nincoming = auto\n")
            p.b.stop()
            p.b.start()
            port = rpc(p.b, "status")["calls"]["http_port"]
            r = rpc(p.a, "call", {"url": "http://127.0.0.1:%d/v1/calls" % port}, timeout=30)
            self.assertTrue(wait_for(lambda: p.state(p.a) == "active" and
                                     p.state(p.b) == "active", 10))
            t_active = time.monotonic()
            ida, idb = rpc(p.a, "calls")["calls"][0]["id"], rpc(p.b, "calls")["calls"][0]["id"]
            self.assertTrue(r["location"].endswith("/v1/calls/" + idb))
            # Bad PATCHes never touch the call.
            def patch(path, body, ctype="application/sdp"):
                req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path),
                                             data=body, method="PATCH",
                                             headers={"Content-Type": ctype})
                try:
                    with urllib.request.urlopen(req, timeout=5) as resp:
                        return resp.status
                except urllib.error.HTTPError as e:
                    return e.code
            self.assertEqual(patch("/v1/calls/no-such-call", b"v=0\r\n"), 404)
            self.assertEqual(patch("/v1/calls/" + idb, b"not an sdp\r\n"), 400)
            self.assertEqual(patch("/v1/calls/" + idb, b"v=0\r\n", "text/plain"), 415)
            time.sleep(1.5)
            before = rpc(p.b, "stats")["calls"][0]["media"]["packets_received"]
            t_restart = time.monotonic()
            res = rpc(p.a, "ice-restart")
            self.assertEqual(res["id"], ida)
            self.assertEqual(res["ice_restarts"], 1)
            for d in (p.a, p.b):
                self.assertTrue(wait_for(lambda: "call-ice-restarted" in
                                         [e["event"] for e in rpc(d, "events")["events"]], 5),
                                d.read_log())
            restarted = time.monotonic() - t_restart
            time.sleep(2)
            sa, sb = rpc(p.a, "stats")["calls"][0], rpc(p.b, "stats")["calls"][0]
            self.assertEqual((sa["id"], sb["id"]), (ida, idb))
            self.assertEqual((sa["ice_restarts"], sb["ice_restarts"]), (1, 1))
            self.assertEqual((sa["state"], sb["state"]), ("active", "active"))
            after = sb["media"]["packets_received"]
            # 20 ms packets: at least 1.5 s of the 2 s after the restart arrived.
            self.assertGreater(after - before, 75, (before, after))
            # The callee's recording: no gap of silence longer than 0.5 s
            # between the first and the last of the caller's tone (which
            # spans the restart: 6 s of tone, the restart 1.5 s in), read
            # once the whole tone has had time to arrive.
            time.sleep(max(0.0, t_active + 6.5 - time.monotonic()))
            rate, x = read_wav(os.path.join(p.b.dir, "received.wav"))
            first = next(i for i, v in enumerate(x) if abs(v) > 1000)
            last = max(i for i, v in enumerate(x) if abs(v) > 1000)
            longest = run = 0
            for v in x[first:last]:
                run = run + 1 if abs(v) < 300 else 0
                longest = max(longest, run)
            print("ICE restart: exchanged in %.3f s, longest quiet run %.3f s, "
                  "%d packets in the 2 s after, tone heard over %.3f s"
                  % (restarted, longest / rate, after - before, (last - first) / rate))
            self.assertGreater((last - first) / rate, 4.0)
            self.assertLess(longest / rate, 0.5)
            rpc(p.a, "hangup")
            self.assertTrue(wait_for(lambda: p.state(p.b) is None, 5))
        finally:
            self.assertEqual(p.stop(), (0, 0))

    def test_ringing_call_can_be_rejected(self):
        p = Pair(backend="null")
        try:
            with open(p.b.config) as fh:
                text = fh.read().replace(
                    "signal_address =\n", "signal_address = 127.0.0.1\nsignal_port = 0\n")
            with open(p.b.config, "w") as fh:
                fh.write(text + "[call]\nincoming = ring\n")
            p.b.stop()
            p.b.start()
            port = rpc(p.b, "status")["calls"]["http_port"]
            c = Client(p.a.socket, timeout=30)
            c.send_raw(json.dumps({"id": 9, "cmd": "call", "args": {
                "url": "http://127.0.0.1:%d/v1/calls" % port}}).encode() + b"\n")
            self.assertTrue(wait_for(lambda: p.state(p.b) == "ringing", 10))
            incoming = [e for e in rpc(p.b, "events")["events"] if e["event"] == "call-incoming"]
            self.assertEqual(len(incoming), 1)
            self.assertTrue(incoming[0]["data"]["fingerprint"].startswith("sha-256 "))
            rpc(p.b, "reject")
            r = c.read_response()
            c.close()
            self.assertFalse(r["ok"])
            self.assertIn("486", r["error"]["message"])
            self.assertTrue(wait_for(lambda: p.state(p.a) is None, 5))
        finally:
            p.stop()


class TwoCallsAtOnce(unittest.TestCase):
    def test_both_active_calls_hear_the_microphone_and_are_mixed(self):
        tones = {"hub": 1000.0, "one": 500.0, "two": 700.0}
        ds = {}
        try:
            for name, freq in tones.items():
                d = Daemon()
                tone = os.path.join(d.dir, "tone.wav")
                write_tone(tone, freq, seconds=30)
                d.config = os.path.join(d.dir, "sotto.conf")
                text = call_config(d.dir, tone)
                if name == "hub":
                    text = text.replace("signal_address =\n",
                                        "signal_address = 127.0.0.1\nsignal_port = 0\n")
                    text += "[call]\nincoming = auto\nmax_calls = 2\n"
                with open(d.config, "w") as fh:
                    fh.write(text)
                ds[name] = d.start()
            port = rpc(ds["hub"], "status")["calls"]["http_port"]
            for name in ("one", "two"):
                rpc(ds[name], "call", {"url": "http://127.0.0.1:%d/v1/calls" % port}, timeout=30)
            self.assertTrue(wait_for(lambda: rpc(ds["hub"], "status")["calls"]["active"] == 2,
                                     15), ds["hub"].read_log()[-2000:])
            time.sleep(4)
            rate, x = read_wav(os.path.join(ds["hub"].dir, "received.wav"))
            tail = x[-2 * rate:]
            for name in ("one", "two"):
                self.assertGreater(tone_power(tail, rate, tones[name]), 0.1,
                                   "hub does not hear %s" % name)
                rate_c, y = read_wav(os.path.join(ds[name].dir, "received.wav"))
                self.assertGreater(tone_power(y[-2 * rate_c:], rate_c, tones["hub"]), 0.5,
                                   "%s does not hear the hub" % name)
        finally:
            for d in ds.values():
                d.stop()

if __name__ == "__main__":
    unittest.main(verbosity=2)
