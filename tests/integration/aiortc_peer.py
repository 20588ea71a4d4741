"""A third-party WebRTC peer for interop tests: aiortc plays a WAV file and
records what it receives, as the caller (POSTs its offer to sottod's HTTP
signalling) or as the callee (serves one POST /v1/calls, like a WHIP
endpoint). Prints one JSON line with what was negotiated.

usage: aiortc_peer.py caller URL PLAY.wav RECORD.wav SECONDS
       aiortc_peer.py callee PORTFILE PLAY.wav RECORD.wav SECONDS
"""
import asyncio
import json
import sys
import urllib.request

import aioice.ice
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaPlayer, MediaRecorder

# aioice leaves loopback out of its host candidates; the tests keep every
# packet on this machine's loopback interface.
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]


def negotiated_codec(sdp):
    for line in sdp.splitlines():
        if line.startswith("m=audio"):
            pt = line.split()[3]
            for l2 in sdp.splitlines():
                if l2.startswith("a=rtpmap:%s " % pt):
                    return l2.split(" ", 1)[1]
    return None


async def caller(url, play, record, seconds):
    pc = RTCPeerConnection()
    player = MediaPlayer(play)
    pc.addTrack(player.audio)
    recorder = MediaRecorder(record)
    pc.on("track", lambda track: recorder.addTrack(track))
    await pc.setLocalDescription(await pc.createOffer())
    req = urllib.request.Request(url, data=pc.localDescription.sdp.encode(),
                                 headers={"Content-Type": "application/sdp"}, method="POST")
    loop = asyncio.get_event_loop()
    resp = await loop.run_in_executor(None, lambda: urllib.request.urlopen(req, timeout=20))
    answer = resp.read().decode()
    location = resp.headers.get("Location")
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    await recorder.start()
    await asyncio.sleep(seconds)
    await recorder.stop()
    result = {"status": resp.status, "location": location, "codec": negotiated_codec(answer),
              "ice": pc.iceConnectionState, "connection": pc.connectionState}
    await pc.close()
    return result


async def callee(portfile, play, record, seconds):
    pc = RTCPeerConnection()
    player = MediaPlayer(play)
    recorder = MediaRecorder(record)
    pc.on("track", lambda track: recorder.addTrack(track))
    got_offer = asyncio.Event()
    info = {}

    async def handle(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.decode().split("\r\n"):
            if line.lower().startswith("content-length:"):
                length = int(line.split(":", 1)[1])
        offer = (await reader.readexactly(length)).decode()
        info["request"] = head.decode().split("\r\n", 1)[0]
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        pc.addTrack(player.audio)
        await pc.setLocalDescription(await pc.createAnswer())
        body = pc.localDescription.sdp.encode()
        writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/sdp\r\n"
                     b"Location: /v1/calls/aiortc\r\nContent-Length: %d\r\n"
                     b"Connection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()
        info["codec"] = negotiated_codec(pc.localDescription.sdp)
        got_offer.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(portfile, "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    await asyncio.wait_for(got_offer.wait(), 30)
    await recorder.start()
    await asyncio.sleep(seconds)
    await recorder.stop()
    info.update({"ice": pc.iceConnectionState, "connection": pc.connectionState})
    server.close()
    await pc.close()
    return info


def main():
    role, target, play, record, seconds = sys.argv[1:6]
    fn = caller if role == "caller" else callee
    result = asyncio.run(fn(target, play, record, float(seconds)))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
