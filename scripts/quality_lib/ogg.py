"""Minimal Ogg reader: enough to list the packets of a single logical stream.

Used to measure a codec's payload bitrate without container overhead and to
feed Opus packets to a decoder under simulated loss. Input is untrusted file
content: every length is bounds-checked and malformed data raises OggError.
Page CRCs are not verified (the files come from local encoders).
"""

import struct
from dataclasses import dataclass

# capture pattern, version, flags, granule, serial, sequence, CRC, segment count
_PAGE_HEADER = struct.Struct("<4sBBqIIIB")
_CAPTURE = b"OggS"
_FLAG_CONTINUED = 0x01


class OggError(ValueError):
    """Malformed or truncated Ogg data."""


@dataclass
class OggPacket:
    data: bytes        # packet payload
    granule: int       # granule position of the page the packet ends on (-1: not the last on it)
    serial: int        # logical stream serial number


def _read_page(buf, pos):
    if pos + _PAGE_HEADER.size > len(buf):
        raise OggError("truncated page header at offset %d" % pos)
    capture, version, flags, granule, serial, _seq, _crc, nseg = _PAGE_HEADER.unpack_from(buf, pos)
    if capture != _CAPTURE:
        raise OggError("missing OggS capture pattern at offset %d" % pos)
    if version != 0:
        raise OggError("unsupported Ogg version %d" % version)
    table_start = pos + _PAGE_HEADER.size
    if table_start + nseg > len(buf):
        raise OggError("truncated segment table at offset %d" % pos)
    lacing = buf[table_start: table_start + nseg]
    body_start = table_start + nseg
    body_end = body_start + sum(lacing)
    if body_end > len(buf):
        raise OggError("truncated page body at offset %d" % pos)
    return flags, granule, serial, lacing, body_start, body_end


def read_packets(buf):
    """Return the list of OggPacket in `buf` (bytes); raises OggError on malformed data.

    Only single-stream files are supported: a second serial number is an error.
    """
    packets = []
    pending = bytearray()
    pending_open = False
    stream_serial = None
    pos = 0
    while pos < len(buf):
        flags, granule, serial, lacing, body, end = _read_page(buf, pos)
        if stream_serial is None:
            stream_serial = serial
        elif serial != stream_serial:
            raise OggError("multiplexed Ogg streams are not supported")
        if bool(flags & _FLAG_CONTINUED) != pending_open:
            raise OggError("continuation flag disagrees with the previous page at %d" % pos)
        finished = []
        for size in lacing:
            pending += buf[body: body + size]
            body += size
            pending_open = size == 255
            if not pending_open:
                finished.append(bytes(pending))
                pending = bytearray()
        for i, data in enumerate(finished):
            packets.append(OggPacket(data, granule if i == len(finished) - 1 else -1, serial))
        pos = end
    if pending_open:
        raise OggError("stream ends inside a packet")
    return packets


def read_packets_file(path):
    """read_packets() on the content of the file at `path`."""
    with open(path, "rb") as handle:
        return read_packets(handle.read())


_OPUS_HEAD = struct.Struct("<8sBBHIhB")


@dataclass
class OpusHead:
    channels: int       # channel count
    pre_skip: int       # samples at 48 kHz to drop at the start
    input_rate: int     # Hz, informational


def parse_opus_head(packet):
    """Parse an OpusHead identification packet (RFC 7845, section 5.1)."""
    if len(packet) < _OPUS_HEAD.size:
        raise OggError("OpusHead too short")
    magic, version, channels, pre_skip, rate, _gain, _mapping = _OPUS_HEAD.unpack_from(packet)
    if magic != b"OpusHead" or version >> 4 != 0 or channels == 0:
        raise OggError("not an OpusHead packet")
    return OpusHead(channels, pre_skip, rate)


def audio_packets(packets, header_packets=2):
    """Packets after the codec headers (Opus and Speex both have 2: identification, comments)."""
    if len(packets) < header_packets:
        raise OggError("stream has no header packets")
    return packets[header_packets:]
