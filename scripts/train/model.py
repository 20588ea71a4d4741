"""Sotto decoder and packet-loss feature predictor (PyTorch, C-portable by construction).

Decoder = small frame-rate network + fixed DSP synthesis (a neural source-filter /
harmonic-plus-noise design):

  per 10 ms subframe, input x = [32 band dB, log2 f0, voicing, low-mode flag]
    -> causal conv1d k=3 (35->128, tanh) -> causal conv1d k=3 (128->128, tanh)
    -> GRU(128->256) -> dense 256->256 tanh -> dense 256->96 (zero-initialised)
  the 96 outputs are corrections on the 32 band centres: harmonic-envelope dB (x10),
  noise-envelope dB (x10) and harmonic/noise mix logit (x4).  With all corrections zero
  the decoder is a classic harmonic+noise vocoder driven by the received envelope, so
  training starts from a sensible sound and only has to learn the residual.

  synthesis (all of it deterministic DSP the C port copies):
    * envelopes on the 257 FFT bins by linear interpolation between band centres
    * harmonic power Ph = m * 10^(H/10), noise power Pn = (1-m) * 10^(N/10),
      m = sigmoid(12 (voicing - 0.5) - 6 f/8000 + mix correction)
    * harmonic source: phase-coherent pulse train sum_k cos(k phi(t)) up to 7.6 kHz, phi the
      running phase of f0; per-sample f0 ramps linearly from the previous subframe's value
      to the current one (no look-ahead)
    * noise source: uniform white noise
    * per subframe (hop 160) both sources are Hann-windowed (320), 512-pt FFT, multiplied by
      the harmonic filter (magnitude sqrt(4 Ph f0 / fs) so each harmonic gets the envelope's
      power, minimum phase from the folded real cepstrum of that magnitude) and the noise
      filter (sqrt(Pn), zero phase), inverse FFT and the 512-sample frames overlap-added
  output sample t reproduces input sample t - DELAY (5 ms), which is what the causal
  ramps amount to; total algorithmic delay 20 ms packet + 5 ms envelope look-ahead
  + 5 ms = 30 ms.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as Fn

import features as F

SR = F.SR
SUB = F.SUB
NB = F.NBANDS
NBINS = F.NFFT // 2 + 1
DELAY = 80
IN_DIM = NB + 3


def make_input(bands, f0, voicing, mode_flag):
    """bands [B,S,32] dB, f0 [B,S] Hz, voicing [B,S], mode_flag [B,S] -> [B,S,35]."""
    return torch.cat([(bands + 50.0) / 20.0, (torch.log2(f0) - 7.5)[..., None],
                      (voicing - 0.5)[..., None], mode_flag[..., None]], dim=-1)


class CausalConv(nn.Conv1d):
    def forward(self, x):                          # x [B, C, S]
        return super().forward(Fn.pad(x, (self.kernel_size[0] - 1, 0)))


class Decoder(nn.Module):
    def __init__(self, cond=128, hidden=256):
        super().__init__()
        self.conv1 = CausalConv(IN_DIM, cond, 3)
        self.conv2 = CausalConv(cond, cond, 3)
        self.gru = nn.GRU(cond, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, 3 * NB)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.register_buffer("interp", torch.from_numpy(F.interp_matrix()))      # [257, 32]
        bins_hz = torch.arange(NBINS, dtype=torch.float32) * SR / F.NFFT
        self.register_buffer("bins_hz", bins_hz)
        win = torch.sqrt(0.5 - 0.5 * torch.cos(2 * math.pi * torch.arange(2 * SUB) / (2 * SUB)))
        self.register_buffer("sqrt_hann", win)

    # ------------------------------------------------------------ frame-rate network
    def params(self, x, h0=None):
        """x [B,S,35] -> (corrections [B,S,96], gru state)."""
        y = torch.tanh(self.conv1(x.transpose(1, 2)))
        y = torch.tanh(self.conv2(y)).transpose(1, 2)
        y, h = self.gru(y, h0)
        y = torch.tanh(self.fc(y))
        return self.out(y), h

    def envelopes(self, bands, voicing, corr):
        """Per-bin log harmonic power, log noise power, harmonic log-amplitude (natural log)."""
        e = bands @ self.interp.T                                          # [B,S,257] dB
        ch, cn, cm = corr[..., :NB] * 10.0, corr[..., NB:2 * NB] * 10.0, corr[..., 2 * NB:] * 4.0
        h_db = e + ch @ self.interp.T
        n_db = e + cn @ self.interp.T
        logit = 12.0 * (voicing[..., None] - 0.5) - 6.0 * self.bins_hz / 8000.0 + cm @ self.interp.T
        ln10 = math.log(10.0)
        log_ph = Fn.logsigmoid(logit) + h_db * ln10 / 10.0
        log_pn = Fn.logsigmoid(-logit) + n_db * ln10 / 10.0
        return log_ph, log_pn, h_db * ln10 / 20.0

    @staticmethod
    def min_phase(log_amp):
        """Minimum phase (radians) on the bins from a natural-log amplitude [.., 257]."""
        n = F.NFFT
        c = torch.fft.irfft(log_amp, n=n)
        fold = torch.zeros(n, device=log_amp.device)
        fold[0] = 1.0
        fold[1:n // 2] = 2.0
        fold[n // 2] = 1.0
        return torch.fft.rfft(c * fold, n=n).imag

    @staticmethod
    def sample_bins(v, pos):
        """Linear interpolation of v [B,S,257] at fractional bin positions pos [B,S,K]."""
        p0 = pos.floor().clamp(0, NBINS - 2)
        frac = (pos - p0).clamp(0, 1)
        i0 = p0.long()
        a = torch.gather(v, -1, i0)
        b = torch.gather(v, -1, i0 + 1)
        return a + (b - a) * frac

    # ------------------------------------------------------------ synthesis
    @staticmethod
    def pulse_train(f0_t):
        """Phase-coherent unit-amplitude harmonic source sum_{k=1..K(t)} cos(k phi(t)),
        K(t) = floor(7600 / f0(t)), in closed form (Dirichlet kernel).  f0_t [B, T] Hz."""
        phase = torch.remainder(torch.cumsum(f0_t.double() / SR, dim=1), 1.0)
        k = torch.floor(7600.0 / f0_t.double())
        den = 2.0 * torch.sin(math.pi * phase)
        safe = den.abs() > 1e-6
        val = torch.sin((k + 0.5) * 2.0 * math.pi * phase) / torch.where(safe, den, torch.ones_like(den)) - 0.5
        return torch.where(safe, val, k).float()

    def synth(self, bands, f0, voicing, corr, noise):
        """bands/f0/voicing/corr over S+1 subframes (index 0 = the previous subframe);
        noise [B, S*160 + 320] uniform, unit variance, covering output samples
        [-160, S*160 + 160).  Returns audio [B, S*160].

        Frame i (i = 0..S, parameters of entry i) covers output samples
        [160 (i-1), 160 (i-1) + 320): both sources are cut with a Hann window, shaped in a
        512-point FFT by the harmonic filter (magnitude sqrt(4 Ph f0 / fs), minimum phase)
        and by the noise filter (magnitude sqrt(Pn), zero phase), and the 512-sample
        results are overlap-added.  Only the previous and current subframe's parameters
        reach a sample, so the decoder has no look-ahead."""
        bsz, s1, _ = bands.shape
        s = s1 - 1
        log_ph, log_pn, _ = self.envelopes(bands, voicing, corr)
        log_hmag = 0.5 * (log_ph + torch.log(4.0 * f0[..., None] / SR))            # [B,S1,257]
        h_filt = torch.polar(torch.exp(log_hmag), self.min_phase(log_hmag))
        n_filt = torch.exp(0.5 * log_pn)
        with torch.no_grad():
            ramp = (torch.arange(SUB, device=bands.device, dtype=torch.float32) + 1.0) / SUB
            f0_t = f0[:, :-1, None] + (f0[:, 1:] - f0[:, :-1])[..., None] * ramp
            f0_t = torch.cat([f0[:, :1].expand(bsz, SUB), f0_t.reshape(bsz, s * SUB),
                              f0[:, -1:].expand(bsz, SUB)], dim=1)
            exc = self.pulse_train(f0_t)
        win = self.sqrt_hann ** 2
        spec = (torch.fft.rfft(exc.unfold(1, 2 * SUB, SUB) * win, n=F.NFFT) * h_filt
                + torch.fft.rfft(noise.unfold(1, 2 * SUB, SUB) * win, n=F.NFFT) * n_filt)
        out = torch.fft.irfft(spec, n=F.NFFT)                                     # [B,S1,512]
        total = (s1 - 1) * SUB + F.NFFT
        ola = Fn.fold(out.transpose(1, 2), output_size=(1, total),
                      kernel_size=(1, F.NFFT), stride=(1, SUB)).reshape(bsz, -1)
        return ola[:, SUB:(s + 1) * SUB]

    def forward(self, bands, f0, voicing, mode_flag, n_skip, noise=None, h0=None):
        """Runs the network over all S subframes and synthesises subframes n_skip..S-1
        (n_skip >= 1 warm-up subframes are used as context only)."""
        x = make_input(bands, f0, voicing, mode_flag)
        corr, _ = self.params(x, h0)
        sl = slice(n_skip - 1, None)
        s = bands.shape[1] - n_skip
        if noise is None:
            noise = (torch.rand(bands.shape[0], (s + 2) * SUB, device=bands.device) - 0.5) * math.sqrt(12.0)
        return self.synth(bands[:, sl], f0[:, sl], voicing[:, sl], corr[:, sl], noise)


def decode_utterance(model, bands, f0, voicing, mode_flag, noise=None):
    """Whole utterance, one sequence: bands [S,32] etc. (numpy). Returns float32 audio [S*160]
    aligned so that out[t] ~ input[t - DELAY]; the first subframe repeats as warm-up."""
    b = torch.from_numpy(np.concatenate([bands[:1], bands]))[None]
    f = torch.from_numpy(np.concatenate([f0[:1], f0]).astype(np.float32))[None]
    v = torch.from_numpy(np.concatenate([voicing[:1], voicing]).astype(np.float32))[None]
    m = torch.full_like(v, float(mode_flag))
    with torch.no_grad():
        y = model(b, f, v, m, n_skip=1, noise=noise)
    return y[0].numpy()


class MultiResSTFTLoss(nn.Module):
    def __init__(self, sizes=((2048, 512), (1024, 256), (512, 128), (256, 64), (128, 32))):
        super().__init__()
        self.sizes = sizes
        for n, _ in sizes:
            self.register_buffer(f"win{n}", torch.hann_window(n))

    def forward(self, y, t):
        total = 0.0
        for n, hop in self.sizes:
            w = getattr(self, f"win{n}")
            sy = torch.stft(y, n, hop, window=w, return_complex=True).abs()
            st = torch.stft(t, n, hop, window=w, return_complex=True).abs()
            sc = torch.linalg.norm(st - sy) / (torch.linalg.norm(st) + 1e-7)
            mag = (torch.log(st + 1e-5) - torch.log(sy + 1e-5)).abs().mean()
            total = total + sc + mag
        return total / len(self.sizes)


# ------------------------------------------------------------------ packet-loss concealment

PLC_DIM = 2 * NB + 2           # two subframes of bands, log2 f0, voicing (per 20 ms packet)


def plc_pack(bands, lag, voicing):
    """numpy per-utterance features -> [n_pkt, 66] normalised vectors."""
    n = len(lag)
    f0 = SR / lag
    return np.concatenate([(bands.reshape(n, 2 * NB) + 50.0) / 20.0,
                           (np.log2(f0) - 7.5)[:, None], (voicing - 0.5)[:, None]],
                          axis=1).astype(np.float32)


class PLC(nn.Module):
    """Predicts packet t+1's normalised features from packets <= t (GRU, residual output)."""

    def __init__(self, hidden=192):
        super().__init__()
        self.inp = nn.Linear(PLC_DIM, hidden)
        self.gru = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, PLC_DIM)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, h0=None):
        y, h = self.gru(torch.tanh(self.inp(x)), h0)
        return x + self.out(y), h
