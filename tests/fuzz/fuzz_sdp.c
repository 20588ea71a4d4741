/* Fuzzes the SDP parser with arbitrary bytes. Whatever parses must write
 * and parse back to an equal description; the same input also goes
 * through the trickle candidate parser and, when an offer parses, through
 * negotiation and the answer builder. Any broken promise aborts.
 *
 * Parsing goes through sotto__sdp_parse_into with static descriptions:
 * sotto_sdp_parse's scratch allocation (a few hundred KiB) is an mmap per
 * input under ASan and would cut the fuzzer's speed tenfold. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sdp.h"
#include "net/sdp_internal.h"

/* Large: kept out of the stack and reused between runs. */
static sotto_sdp first, second, answer;
static char text[SOTTO_SDP_MAX_TEXT + 1];

static int parse(const char *data, size_t size, sotto_sdp *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    return sotto__sdp_parse_into(data, size, out, err, errlen);
}

static void check_round_trip(const sotto_sdp *sdp)
{
    char err[256], where[128];
    size_t len = 0;
    int rc = sotto_sdp_write(sdp, text, sizeof(text), &len);

    if (rc == -EMSGSIZE)
        return; /* LF input grows by a CR per line when written: may pass the limit */
    if (rc != 0) {
        fprintf(stderr, "write of a parsed description failed: %d\n", rc);
        abort();
    }
    if (parse(text, len, &second, err, sizeof(err)) != 0) {
        fprintf(stderr, "written text does not parse: %s\n%s", err, text);
        abort();
    }
    if (!sotto__sdp_equal(sdp, &second, where, sizeof(where))) {
        fprintf(stderr, "round trip changed %s\n%s", where, text);
        abort();
    }
}

static void check_answer(const sotto_sdp *offer)
{
    static const sotto_sdp_codec_pref prefs[] = {
        {"SOTTO", 16000, 1, "v", "2"}, {"opus", 48000, 2, NULL, NULL},
        {"PCMU", 8000, 1, NULL, NULL}, {"telephone-event", 0, 0, NULL, NULL}};
    sotto_sdp_codec_choice choice;
    sotto_sdp_fingerprint fp;
    sotto_sdp_answer_params a;

    if (sotto_sdp_negotiate_audio(offer, prefs, 4, &choice, NULL, 0) != 0)
        return;
    memset(&fp, 0x5A, sizeof(fp));
    fp.hash = SOTTO_SDP_HASH_SHA256;
    fp.len = 32;
    memset(&a, 0, sizeof(a));
    a.choice = &choice;
    a.ice_ufrag = "fuzz";
    a.ice_pwd = "fuzzfuzzfuzzfuzzfuzzfu";
    a.fingerprint = &fp;
    a.cname = "fuzz";
    if (sotto_sdp_build_answer(offer, &a, &answer, NULL, 0) == 0)
        check_round_trip(&answer);
}

static void check_candidate(const uint8_t *data, size_t size)
{
    sotto_sdp_candidate c, back;
    char line[SOTTO_SDP_MAX_LINE + 1], again[SOTTO_SDP_MAX_LINE + 1];
    size_t len, len2;

    if (sotto_sdp_parse_candidate((const char *)data, size, &c, NULL, 0) != 0)
        return;
    if (sotto_sdp_write_candidate(&c, line, sizeof(line), &len) != 0 ||
        sotto_sdp_parse_candidate(line, len, &back, NULL, 0) != 0 ||
        sotto_sdp_write_candidate(&back, again, sizeof(again), &len2) != 0 ||
        strcmp(line, again) != 0) {
        fprintf(stderr, "candidate does not round-trip\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];

    if (parse((const char *)data, size, &first, err, sizeof(err)) == 0) {
        check_round_trip(&first);
        check_answer(&first);
    } else if (strncmp(err, "line ", 5) != 0 && size <= SOTTO_SDP_MAX_TEXT) {
        fprintf(stderr, "error without a line number: %s\n", err);
        abort();
    }
    check_candidate(data, size);
    return 0;
}
