/* Private to codec/: the built-in codec tables and shared helpers. */
#ifndef SOTTO_CODEC_CODEC_IMPL_H
#define SOTTO_CODEC_CODEC_IMPL_H

#include "codec/codec.h"

extern const sotto_codec_desc sotto_codec_pcmu_desc;
extern const sotto_codec_desc sotto_codec_pcma_desc;
extern const sotto_codec_desc sotto_codec_opus_desc;
extern const sotto_codec_desc sotto_codec_sotto_desc;

/* 1 when frame_ms is one of the packet durations every codec accepts. */
int sotto_codec_frame_ms_valid(int frame_ms);

#endif
