/* RFC 3389 comfort noise (CN) payloads: what a sender transmits instead of
 * audio while nobody speaks, so the receiver can play noise of the same
 * level (and, when given, spectrum) rather than digital silence.
 *
 * Layout: one noise-level byte (its top bit 0, the level in -dBov 0..127:
 * 0 is a full-scale signal, 127 the quietest), then optionally up to
 * SOTTO_CN_MAX_COEFFS reflection-coefficient bytes of the noise's spectral
 * envelope (each k = (byte - 127) / 128).
 *
 * Pure functions over caller buffers: nothing here allocates or keeps
 * state. */
#ifndef SOTTO_NET_CN_H
#define SOTTO_NET_CN_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_CN_MAX_LEVEL 127 /* -dBov */
#define SOTTO_CN_MAX_COEFFS 32 /* spectral coefficients kept; RFC 3389 has no limit */

typedef struct sotto_cn {
    uint8_t level;       /* -dBov, 0..127 */
    uint8_t coeff_count; /* 0..SOTTO_CN_MAX_COEFFS */
    uint8_t coeffs[SOTTO_CN_MAX_COEFFS];
} sotto_cn;

/* Reads a CN payload of len bytes. Returns 0 and fills *out, -EINVAL for
 * NULL arguments, -EBADMSG for an empty payload or a level byte with its
 * top bit set, -EMSGSIZE for more coefficients than SOTTO_CN_MAX_COEFFS.
 * Nothing is written on error. */
int sotto_cn_parse(const uint8_t *payload, size_t len, sotto_cn *out);

/* Writes cn into out (cap bytes): 1 + coeff_count bytes. Returns 0 and
 * sets *out_len, -EINVAL for NULL arguments, a level over 127 or too many
 * coefficients, -ENOSPC when cap is too small. */
int sotto_cn_build(const sotto_cn *cn, uint8_t *out, size_t cap, size_t *out_len);

/* The level of 16-bit audio of this RMS (in sample units, 0..32768):
 * -dBov rounded and clamped to 0..127 (0 RMS gives 127). */
uint8_t sotto_cn_level_of_rms(double rms);

/* The RMS in sample units (16-bit full scale 32768) of a level. */
double sotto_cn_rms_of_level(uint8_t level);

#endif
