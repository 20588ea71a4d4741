"""Packet-loss patterns and Opus decoding with packet-loss concealment.

opusdec's own --packet-loss draws from an unseeded rand() and only models
independent losses, so losses are simulated here instead: a seeded pattern
marks lost packets and the Ogg Opus stream is decoded packet by packet through
libopus (ctypes), calling the decoder's concealment (data=NULL) for lost ones,
exactly as a receiver that sees a gap in RTP sequence numbers would. No in-band
FEC is used (the encoder is not asked for it).

Patterns:
  random  independent (Bernoulli) losses with probability p;
  burst   two-state Gilbert model: the good state never loses, the bad state
          always loses, mean bad-state run `burst_len` packets, stationary loss p.
"""

import ctypes
import ctypes.util
import functools

import numpy as np

from quality_lib.ogg import audio_packets, parse_opus_head, read_packets_file

LOSS_MODELS = ("random", "burst")


def loss_pattern(model, n_packets, loss_rate, rng, burst_len=3.0):
    """Boolean array, True where the packet is lost.

    loss_rate in [0, 1); burst_len (packets, >= 1) only for the burst model.
    """
    if not 0.0 <= loss_rate < 1.0:
        raise ValueError("loss rate must be in [0, 1)")
    if model == "random":
        return rng.random(n_packets) < loss_rate
    if model != "burst":
        raise ValueError("unknown loss model %r" % model)
    if burst_len < 1.0:
        raise ValueError("mean burst length must be >= 1 packet")
    p_bad_to_good = 1.0 / burst_len
    p_good_to_bad = loss_rate * p_bad_to_good / (1.0 - loss_rate)
    if p_good_to_bad > 1.0:
        raise ValueError("loss rate too high for this burst length")
    draws = rng.random(n_packets + 1)
    lost = np.zeros(n_packets, dtype=bool)
    bad = draws[0] < loss_rate          # start in the stationary distribution
    for i in range(n_packets):
        lost[i] = bad
        bad = draws[i + 1] >= p_bad_to_good if bad else draws[i + 1] < p_good_to_bad
    return lost


@functools.lru_cache(maxsize=1)
def _libopus():
    """Load libopus and declare the few calls used (once per process, on first use)."""
    lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
    lib.opus_decoder_create.restype = ctypes.c_void_p
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.opus_decoder_destroy.restype = None
    lib.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    lib.opus_decode.restype = ctypes.c_int
    lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                ctypes.POINTER(ctypes.c_int16), ctypes.c_int, ctypes.c_int]
    lib.opus_packet_get_nb_samples.restype = ctypes.c_int
    lib.opus_packet_get_nb_samples.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]
    return lib


def decode_opus_with_loss(opus_path, lost, fs=16000):
    """Decode a mono Ogg Opus file at `fs`, concealing packets where `lost` is True.

    `lost` has one entry per audio packet (extra entries are ignored, missing
    ones mean "received"). Returns float64 samples in [-1, 1), trimmed by the
    pre-skip and end granule like opusdec does.
    """
    if fs not in (8000, 12000, 16000, 24000, 48000):
        raise ValueError("Opus decodes only at 8/12/16/24/48 kHz")
    packets = read_packets_file(opus_path)
    head = parse_opus_head(packets[0].data)
    if head.channels != 1:
        raise ValueError("only mono Opus streams are supported")
    lib = _libopus()
    error = ctypes.c_int(0)
    decoder = lib.opus_decoder_create(fs, 1, ctypes.byref(error))
    if not decoder or error.value != 0:
        raise RuntimeError("opus_decoder_create failed (%d)" % error.value)
    try:
        pcm, last_granule = _decode_packets(lib, decoder, audio_packets(packets), lost, fs)
    finally:
        lib.opus_decoder_destroy(decoder)
    scale = fs / 48000.0
    start = int(round(head.pre_skip * scale))
    end = int(round(last_granule * scale)) if last_granule >= 0 else pcm.size
    return pcm[start:max(start, min(end, pcm.size))].astype(np.float64) / 32768.0


def _decode_packets(lib, decoder, packets, lost, fs):
    max_samples = fs * 120 // 1000
    buffer = (ctypes.c_int16 * max_samples)()
    chunks = []
    last_granule = -1
    for index, packet in enumerate(packets):
        if packet.granule >= 0:
            last_granule = packet.granule
        samples = lib.opus_packet_get_nb_samples(packet.data, len(packet.data), fs)
        if samples <= 0:
            raise ValueError("invalid Opus packet %d" % index)
        if index < len(lost) and lost[index]:
            got = lib.opus_decode(decoder, None, 0, buffer, samples, 0)
        else:
            got = lib.opus_decode(decoder, packet.data, len(packet.data), buffer, max_samples, 0)
        if got < 0:
            raise RuntimeError("opus_decode failed on packet %d (%d)" % (index, got))
        chunks.append(np.ctypeslib.as_array(buffer)[:got].copy())
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    return pcm, last_granule
