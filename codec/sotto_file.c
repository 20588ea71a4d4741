/* The public face of the .sot format and of the codec's delay and cost:
 * thin wrappers over the codec's internals, which stay private. */
#include "codec/sotto_file.h"

#include <errno.h>
#include <math.h>

#include "codec/sotto_features.h"
#include "codec/sotto_quant.h"

#define CODEC_RATE 16000
#define DECODER_DELAY 240 /* samples, see sotto_decode */

_Static_assert(SOTTO_FILE_HEADER_BYTES == SOTTO_SOT_HEADER_BYTES, "one .sot header size");

int sotto_file_write_header(sotto_mode m, uint64_t samples, uint8_t *out)
{
    return sotto__sot_write_header(m, samples, out);
}

int sotto_file_parse_header(const uint8_t *buf, size_t len, sotto_mode *out_mode,
                            uint64_t *out_samples)
{
    return sotto__sot_parse_header(buf, len, out_mode, out_samples);
}

int sotto_file_packet_count(sotto_mode m, uint64_t samples, uint64_t payload_len,
                            uint64_t *out_packets)
{
    return sotto__sot_packet_count(m, samples, payload_len, out_packets);
}

size_t sotto_codec_delay_samples(void)
{
    return SOTTO_FEAT_LOOKAHEAD + DECODER_DELAY;
}

double sotto_encoder_mflop_per_second(sotto_mode m)
{
    const sotto_mode_layout *l = sotto__mode_layout(m);
    if (l == NULL || sotto_mode_frame_samples(m) == 0)
        return 0.0;
    double blocks_per_s = CODEC_RATE / (double)SOTTO_FEAT_PKT;
    double fft = 2.5 * SOTTO_FEAT_NFFT * log2((double)SOTTO_FEAT_NFFT);
    double bands = 2.0 * (fft + SOTTO_FEAT_WIN + 3.0 * SOTTO_FEAT_NBINS + 4.0 * SOTTO_FEAT_NBINS);
    double yin = 3.0 * SOTTO_FEAT_LAG_MAX * SOTTO_FEAT_PKT;
    double vq = 0.0;
    for (int s = 0; s < l->n_stages; s++) /* M-best: 4 paths after the first stage */
        vq += (s == 0 ? 1.0 : 4.0) * (1 << l->bits[l->first_stage + s]) * 2.0 * SOTTO_SHAPE_DIM;
    double packets_per_s = CODEC_RATE / (double)sotto_mode_frame_samples(m);
    return ((bands + yin) * blocks_per_s + vq * packets_per_s) / 1e6;
}

/* ~90 MFLOP/s for the network plus per 10 ms subframe two forward and one
 * inverse 512-point FFT and a 257-bin cepstrum (two more FFTs). */
double sotto_decoder_mflop_per_second(void)
{
    double fft = 2.5 * SOTTO_FEAT_NFFT * log2((double)SOTTO_FEAT_NFFT);
    return 90.0 + 100.0 * 5.0 * fft / 1e6;
}
