/* libFuzzer target: the WAV header parser and sample decoder on arbitrary
 * bytes. Any header it accepts must describe data inside the input, which is
 * then decoded in full. */
#include "audio/wav.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sotto_wav_info info;
    char err[160];
    int16_t mono[256];

    if (sotto__wav_parse_header(data, size, &info, err, sizeof(err)) != 0)
        return 0;
    if (info.data_offset > size || info.data_bytes > size - info.data_offset ||
        info.frames * info.block_align > info.data_bytes || info.channels < 1 ||
        info.channels > SOTTO_WAV_MAX_CHANNELS)
        abort();
    for (uint64_t done = 0; done < info.frames;) {
        size_t n = info.frames - done < 256 ? (size_t)(info.frames - done) : 256;

        sotto__wav_decode_mono(&info, data + info.data_offset + done * info.block_align, n, mono);
        done += n;
    }
    return 0;
}
