#include "daemon/json_round.h"

#include <math.h>

double sotto_json_round_real(double x)
{
    double scale;

    if (!isfinite(x) || x == 0.0)
        return x;
    if (fabs(x) >= 1.0)
        scale = 1e3;
    else
        scale = pow(10.0, 3.0 - floor(log10(fabs(x))));
    /* Beyond 2^53 / 1000 a double has no decimals left to round. */
    if (fabs(x) * scale >= 9007199254740992.0)
        return x;
    return round(x * scale) / scale;
}

void sotto_json_round_reals(json_t *value)
{
    const char *key;
    json_t *member;
    size_t i;

    switch (json_typeof(value)) {
    case JSON_REAL:
        json_real_set(value, sotto_json_round_real(json_real_value(value)));
        break;
    case JSON_OBJECT:
        json_object_foreach(value, key, member) sotto_json_round_reals(member);
        break;
    case JSON_ARRAY:
        json_array_foreach(value, i, member) sotto_json_round_reals(member);
        break;
    default:
        break;
    }
}
