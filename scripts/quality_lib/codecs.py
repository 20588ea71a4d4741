"""Encode+decode pipelines: the baseline codecs' command-line tools and command templates.

Every system reads a 16 kHz mono 16-bit WAV file and writes a decoded audio file
(any rate or format sox reads). `code()` returns the payload size in bits
(None when unknown), which gives the measured bitrate without container
overhead: Ogg packet bytes for Opus and Speex, the raw frame file for Codec 2,
the size of the {tmp} file for a command template.
"""

import hashlib
import os
import shlex
import shutil

import numpy as np

from quality_lib import audio_io, loss, ogg

FS = 16000            # Hz, rate of the harness's reference and input files
LOSS_FRAME_MS = 20    # frame duration of loss patterns handed to command templates


class System:
    """Base: name (unique, used in tables), nominal kbps (None when variable)."""

    name = "system"
    nominal_kbps = None
    supports_loss = False
    tools = ()

    def code(self, in_wav, out_path, workdir):
        """Encode+decode in_wav into out_path; return payload bits or None."""
        raise NotImplementedError

    def code_lossy(self, in_wav, out_path, workdir, pattern_for, condition):
        """Like code() under packet loss; pattern_for(n) gives the n-packet loss mask.

        `condition` (evaluate.Condition) names the loss model, rate and burst
        length. Returns (payload bits or None, realised loss fraction).
        """
        raise NotImplementedError

    def missing_tools(self):
        """Names of the external programs this system needs and cannot find."""
        return [tool for tool in self.tools if shutil.which(tool) is None]


class Uncoded(System):
    """The input itself (16-bit PCM): the reference point of each condition."""

    name = "uncoded"
    nominal_kbps = 256.0

    def code(self, in_wav, out_path, workdir):
        shutil.copyfile(in_wav, out_path)
        samples, _ = audio_io.read_wav(in_wav)
        return 16 * samples.size


class Opus(System):
    """opusenc (VBR, 20 ms frames, complexity 10, tuned for speech), decoded by libopus.

    Every condition, clean included, decodes natively at 16 kHz through libopus
    (loss.decode_opus_with_loss), so clean and lossy results differ only by the
    lost packets. opusdec --rate 16000 decodes at 48 kHz and resamples, which
    differs from this by a 1-sample shift and about -43 dB of resampler error.
    """

    supports_loss = True
    tools = ("opusenc",)

    def __init__(self, kbps):
        self.nominal_kbps = float(kbps)
        self.name = "opus-%g" % kbps

    def _encode(self, in_wav, workdir):
        # One bitstream per input content: the loss conditions re-decode it.
        with open(in_wav, "rb") as handle:
            digest = hashlib.sha1(handle.read()).hexdigest()[:16]
        bitstream = os.path.join(workdir, "%s_%s.opus" % (self.name, digest))
        if not os.path.exists(bitstream):
            audio_io.run_tool(["opusenc", "--quiet", "--bitrate", "%g" % self.nominal_kbps,
                               "--framesize", "20", "--comp", "10", "--speech",
                               in_wav, bitstream])
        return bitstream

    @staticmethod
    def _payload_bits(bitstream):
        packets = ogg.audio_packets(ogg.read_packets_file(bitstream))
        return 8 * sum(len(p.data) for p in packets), len(packets)

    def code(self, in_wav, out_path, workdir):
        bits, _ = self.code_lossy(in_wav, out_path, workdir, lambda n: np.zeros(n, dtype=bool),
                                  None)
        return bits

    def code_lossy(self, in_wav, out_path, workdir, pattern_for, condition):
        bitstream = self._encode(in_wav, workdir)
        bits, n_packets = self._payload_bits(bitstream)
        lost = pattern_for(n_packets)
        audio_io.write_wav16(out_path, loss.decode_opus_with_loss(bitstream, lost, FS), FS)
        return bits, float(np.mean(lost)) if n_packets else 0.0


class Codec2(System):
    """c2enc/c2dec (8 kHz raw PCM; sox resamples in and out)."""

    tools = ("c2enc", "c2dec", "sox")

    def __init__(self, mode):
        self.mode = str(mode)
        self.nominal_kbps = int(mode) / 1000.0
        self.name = "codec2-%s" % mode

    def code(self, in_wav, out_path, workdir):
        raw_in = os.path.join(workdir, "%s_in.raw" % self.name)
        frames = os.path.join(workdir, "%s.bin" % self.name)
        raw_out = os.path.join(workdir, "%s_out.raw" % self.name)
        audio_io.sox_convert(in_wav, raw_in, 8000)
        audio_io.run_tool(["c2enc", self.mode, raw_in, frames])
        audio_io.run_tool(["c2dec", self.mode, frames, raw_out])
        audio_io.run_tool(["sox", "-R", "-V1", "-t", "raw", "-r", "8000", "-c", "1", "-b", "16",
                           "-e", "signed-integer", raw_out, "-r", str(FS), out_path])
        return 8 * os.path.getsize(frames)


class Speex(System):
    """speexenc/speexdec wideband at quality 0 (its lowest wideband rate)."""

    tools = ("speexenc", "speexdec")

    def __init__(self, quality=0):
        self.quality = int(quality)
        self.name = "speex-wb-q%d" % self.quality

    def code(self, in_wav, out_path, workdir):
        bitstream = os.path.join(workdir, "%s.spx" % self.name)
        audio_io.run_tool(["speexenc", "--wideband", "--quality", str(self.quality),
                           in_wav, bitstream])
        audio_io.run_tool(["speexdec", bitstream, out_path])
        packets = ogg.audio_packets(ogg.read_packets_file(bitstream))
        return 8 * sum(len(p.data) for p in packets)


def expand_template(template, **paths):
    """Substitute {in}, {out}, {tmp}, ... with shell-quoted values."""
    quoted = {key: shlex.quote(str(value)) for key, value in paths.items()}
    try:
        return template.format(**quoted)
    except (KeyError, IndexError) as exc:
        raise ValueError("unknown placeholder in command template: %s" % exc) from exc


class Command(System):
    """A user-given shell command template (for the Sotto codec CLI).

    code():       `template` with {in} (16 kHz WAV), {out} (decoded audio) and
                  {tmp} (bitstream file; its size gives the bitrate).
    code_lossy(): `loss_template` with the same plus {pattern} (text file, one
                  0/1 per 20 ms frame, 1 = lost), {loss} (target percent),
                  {model} (random|burst), {burst} (mean burst frames), {seed}.
    """

    def __init__(self, name, template, loss_template=None, seed=0, nominal_kbps=None):
        self.name = name
        self.template = template
        self.loss_template = loss_template
        self.supports_loss = loss_template is not None
        self.seed = seed
        self.nominal_kbps = nominal_kbps

    def _run(self, template, out_path, workdir, **extra):
        tmp = os.path.join(workdir, "%s.bits" % self.name)
        if os.path.exists(tmp):
            os.remove(tmp)
        audio_io.run_shell(expand_template(template, out=out_path, tmp=tmp, **extra), cwd=workdir)
        if not os.path.exists(out_path):
            raise audio_io.ToolError("command produced no output file: %s" % template)
        return 8 * os.path.getsize(tmp) if os.path.exists(tmp) else None

    def code(self, in_wav, out_path, workdir):
        return self._run(self.template, out_path, workdir, **{"in": in_wav})

    def code_lossy(self, in_wav, out_path, workdir, pattern_for, condition):
        samples, rate = audio_io.read_wav(in_wav)
        frame = rate * LOSS_FRAME_MS // 1000
        lost = pattern_for(-(-samples.size // frame))
        pattern_path = os.path.join(workdir, "%s_loss.txt" % self.name)
        with open(pattern_path, "w", encoding="ascii") as handle:
            handle.write("".join("1\n" if x else "0\n" for x in lost))
        fields = {"in": in_wav, "pattern": pattern_path, "seed": self.seed,
                  "loss": "%g" % (100.0 * condition.loss_rate),
                  "model": condition.loss_model, "burst": "%g" % condition.burst_len}
        bits = self._run(self.loss_template, out_path, workdir, **fields)
        return bits, float(np.mean(lost)) if lost.size else 0.0
