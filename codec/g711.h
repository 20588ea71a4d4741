/* Private to codec/ (and its tests): ITU-T G.711 sample conversion.
 *
 * Bit-exact with the ITU-T G.191 (STL) reference: the 16-bit input is the
 * left-justified 13-bit (A-law) or 14-bit (mu-law) uniform code, and
 * negative samples are folded by one's complement so the quantiser is
 * symmetric around -0.5. */
#ifndef SOTTO_CODEC_G711_H
#define SOTTO_CODEC_G711_H

#include <stdint.h>

uint8_t sotto_g711_ulaw_encode(int16_t sample);
int16_t sotto_g711_ulaw_decode(uint8_t code);
uint8_t sotto_g711_alaw_encode(int16_t sample);
int16_t sotto_g711_alaw_decode(uint8_t code);

#endif
