/* RFC 3389 comfort noise payloads (net/cn.h). */
#include "net/cn.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define FULL_SCALE 32768.0

int sotto_cn_parse(const uint8_t *payload, size_t len, sotto_cn *out)
{
    if (!payload || !out)
        return -EINVAL;
    if (len == 0 || payload[0] > SOTTO_CN_MAX_LEVEL)
        return -EBADMSG;
    if (len - 1 > SOTTO_CN_MAX_COEFFS)
        return -EMSGSIZE;
    out->level = payload[0];
    out->coeff_count = (uint8_t)(len - 1);
    memset(out->coeffs, 0, sizeof(out->coeffs));
    memcpy(out->coeffs, payload + 1, len - 1);
    return 0;
}

int sotto_cn_build(const sotto_cn *cn, uint8_t *out, size_t cap, size_t *out_len)
{
    if (!cn || !out || !out_len || cn->level > SOTTO_CN_MAX_LEVEL ||
        cn->coeff_count > SOTTO_CN_MAX_COEFFS)
        return -EINVAL;
    if (cap < 1u + cn->coeff_count)
        return -ENOSPC;
    out[0] = cn->level;
    memcpy(out + 1, cn->coeffs, cn->coeff_count);
    *out_len = 1u + cn->coeff_count;
    return 0;
}

uint8_t sotto_cn_level_of_rms(double rms)
{
    double db;

    if (!(rms > 0.0))
        return SOTTO_CN_MAX_LEVEL;
    db = -20.0 * log10(rms / FULL_SCALE);
    if (db < 0.0)
        return 0;
    if (db > SOTTO_CN_MAX_LEVEL)
        return SOTTO_CN_MAX_LEVEL;
    return (uint8_t)lround(db);
}

double sotto_cn_rms_of_level(uint8_t level)
{
    if (level > SOTTO_CN_MAX_LEVEL)
        level = SOTTO_CN_MAX_LEVEL;
    return FULL_SCALE * pow(10.0, -(double)level / 20.0);
}
