/* SDP: parsing real browser and aiortc offers, writing, round trips,
 * negotiation, answers, and bad input of every kind. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sdp.h"
#include "net/sdp_internal.h"

/* The opening every hand-written test SDP shares, and one audio m-line. */
#define HEADER "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
#define AUDIO_M "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\n"

/* ---- helpers ---- */

/* Reads $SOTTO_TEST_DATA/sdp/<name> into a NUL-terminated malloc'd buffer. */
static char *load_sample(const char *name, size_t *out_len)
{
    const char *dir = getenv("SOTTO_TEST_DATA");
    char path[512];
    FILE *f;
    char *buf;
    long size;

    ck_assert_msg(dir != NULL, "SOTTO_TEST_DATA must point at tests/data");
    snprintf(path, sizeof(path), "%s/sdp/%s", dir, name);
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    ck_assert_int_gt(size, 0);
    rewind(f);
    buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *out_len = (size_t)size;
    return buf;
}

static sotto_sdp *new_sdp(void)
{
    sotto_sdp *s = calloc(1, sizeof(*s));

    ck_assert_ptr_nonnull(s);
    return s;
}

/* Parses a sample that must be valid. */
static sotto_sdp *parse_sample(const char *name)
{
    size_t len;
    char *text = load_sample(name, &len);
    sotto_sdp *s = new_sdp();
    char err[256] = "";
    int rc = sotto_sdp_parse(text, len, s, err, sizeof(err));

    ck_assert_msg(rc == 0, "%s: rc %d: %s", name, rc, err);
    free(text);
    return s;
}

static int parse_text(const char *text, sotto_sdp *out, char *err, size_t errlen)
{
    return sotto_sdp_parse(text, strlen(text), out, err, errlen);
}

/* Writes s, parses the text back and fails unless both are equal. */
static void assert_round_trip(const sotto_sdp *s)
{
    static char text[SOTTO_SDP_MAX_TEXT + 1];
    sotto_sdp *back = new_sdp();
    char err[256] = "", where[128] = "";
    size_t len = 0;

    ck_assert_int_eq(sotto_sdp_write(s, text, sizeof(text), &len), 0);
    ck_assert_uint_eq(strlen(text), len);
    ck_assert_msg(sotto_sdp_parse(text, len, back, err, sizeof(err)) == 0, "reparse: %s\n%s",
                  err, text);
    ck_assert_msg(sotto__sdp_equal(s, back, where, sizeof(where)), "differs at %s\n%s", where,
                  text);
    free(back);
}

/* ---- parsing real offers ---- */

START_TEST(parse_reads_chromium_offer)
{
    sotto_sdp *s = parse_sample("chromium-offer.sdp");
    const sotto_sdp_media *m = &s->media[0];
    static const uint8_t pts[] = {111, 63, 9, 0, 8, 13, 110, 126};
    char val[32];

    ck_assert_str_eq(s->origin_user, "-");
    ck_assert(s->session_id == 4215775240449105457ull);
    ck_assert(s->session_version == 2);
    ck_assert_str_eq(s->session_name, "-");
    ck_assert_uint_eq(s->bundle_count, 1);
    ck_assert_str_eq(s->bundle_mids[0], "0");
    ck_assert_int_eq(s->extmap_allow_mixed, 1);
    ck_assert_str_eq(s->msid_semantic, "WMS");
    ck_assert_str_eq(s->msid_semantic_ids, "7c9e3a5f-0d4b-4a8e-9b67-2f3c1d5e6a7b");
    ck_assert_uint_eq(s->media_count, 1);
    ck_assert_int_eq(m->type, SOTTO_SDP_MEDIA_AUDIO);
    ck_assert_uint_eq(m->port, 54400);
    ck_assert_str_eq(m->proto, "UDP/TLS/RTP/SAVPF");
    ck_assert_int_eq(m->proto_kind, SOTTO_SDP_PROTO_DTLS_SRTP);
    ck_assert_uint_eq(m->pt_count, sizeof(pts));
    ck_assert_mem_eq(m->pts, pts, sizeof(pts));
    ck_assert_int_eq(m->connection.addr_type, SOTTO_SDP_ADDR_IP4);
    ck_assert_str_eq(m->connection.address, "203.0.113.5");
    ck_assert_int_eq(m->has_rtcp, 1);
    ck_assert_uint_eq(m->rtcp_port, 9);
    ck_assert_str_eq(m->rtcp_connection.address, "0.0.0.0");
    ck_assert_str_eq(m->ice_dtls.ice_ufrag, "Kx4L");
    ck_assert_str_eq(m->ice_dtls.ice_pwd, "Rz0TqLwuBv7FYa6hmGxKp9Xy");
    ck_assert_uint_eq(m->ice_dtls.ice_options, SOTTO_SDP_ICE_OPT_TRICKLE);
    ck_assert_int_eq(m->ice_dtls.fingerprint.hash, SOTTO_SDP_HASH_SHA256);
    ck_assert_uint_eq(m->ice_dtls.fingerprint.len, 32);
    ck_assert_uint_eq(m->ice_dtls.fingerprint.bytes[0], 0x7B);
    ck_assert_uint_eq(m->ice_dtls.fingerprint.bytes[31], 0x08);
    ck_assert_int_eq(m->ice_dtls.setup, SOTTO_SDP_SETUP_ACTPASS);
    ck_assert_str_eq(m->mid, "0");
    ck_assert_int_eq(m->direction, SOTTO_SDP_DIR_SENDRECV);
    ck_assert_str_eq(m->msid_stream, "7c9e3a5f-0d4b-4a8e-9b67-2f3c1d5e6a7b");
    ck_assert_str_eq(m->msid_track, "3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8");
    ck_assert_int_eq(m->rtcp_mux, 1);
    ck_assert_int_eq(m->rtcp_rsize, 1);
    ck_assert_uint_eq(m->extmap_count, 4);
    ck_assert_uint_eq(m->extmap[2].id, 3);
    ck_assert_str_eq(m->extmap[2].uri,
                     "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01");
    ck_assert_uint_eq(m->rtpmap_count, 8);
    ck_assert_uint_eq(m->rtpmap[0].pt, 111);
    ck_assert_str_eq(m->rtpmap[0].name, "opus");
    ck_assert_uint_eq(m->rtpmap[0].clock_hz, 48000);
    ck_assert_uint_eq(m->rtpmap[0].channels, 2);
    ck_assert_uint_eq(m->rtpmap[6].pt, 110);
    ck_assert_str_eq(m->rtpmap[6].name, "telephone-event");
    ck_assert_uint_eq(m->rtpmap[6].channels, 0);
    ck_assert_uint_eq(m->fmtp_count, 2);
    ck_assert_str_eq(m->fmtp[0].params, "minptime=10;useinbandfec=1");
    ck_assert_str_eq(m->fmtp[1].params, "111/111");
    ck_assert_uint_eq(m->rtcp_fb_count, 1);
    ck_assert_int_eq(m->rtcp_fb[0].pt, 111);
    ck_assert_str_eq(m->rtcp_fb[0].value, "transport-cc");
    ck_assert_uint_eq(m->ssrc_count, 1);
    ck_assert_uint_eq(m->ssrc[0].ssrc, 2750319562u);
    ck_assert_str_eq(m->ssrc[0].cname, "R9bq1yU3oJmXqYzT");
    ck_assert_str_eq(m->ssrc[0].msid,
                     "7c9e3a5f-0d4b-4a8e-9b67-2f3c1d5e6a7b 3f1a2b4c-5d6e-4f70-8192-a3b4c5d6e7f8");
    ck_assert_uint_eq(m->candidate_count, 2);
    ck_assert_int_eq(m->candidates[0].address_kind, SOTTO_SDP_CAND_ADDR_MDNS);
    ck_assert_str_eq(m->candidates[0].address, "7d2f6e3c-5e4b-4ac5-9dbe-0b1d8b4c4c1a.local");
    ck_assert_uint_eq(m->candidates[0].priority, 2113937151u);
    ck_assert_int_eq(m->candidates[0].type, SOTTO_SDP_CAND_HOST);
    ck_assert_int_eq(m->candidates[0].has_generation, 1);
    ck_assert_uint_eq(m->candidates[0].ext_count, 1);
    ck_assert_str_eq(m->candidates[0].ext[0].name, "network-cost");
    ck_assert_str_eq(m->candidates[0].ext[0].value, "999");
    ck_assert_int_eq(m->candidates[1].type, SOTTO_SDP_CAND_SRFLX);
    ck_assert_str_eq(m->candidates[1].related_address, "0.0.0.0");
    ck_assert_int_eq(m->candidates[1].has_related_port, 1);
    ck_assert_uint_eq(m->candidates[1].related_port, 0);
    ck_assert_int_eq(m->end_of_candidates, 0);
    ck_assert_uint_eq(m->dropped, 0);
    ck_assert_int_eq(sotto_sdp_fmtp_get(m->fmtp[0].params, "useinbandfec", val, sizeof(val)), 0);
    ck_assert_str_eq(val, "1");
    ck_assert_int_eq(sotto_sdp_fmtp_get(m->fmtp[0].params, "minptime", val, sizeof(val)), 0);
    ck_assert_str_eq(val, "10");
    free(s);
}
END_TEST

START_TEST(parse_reads_aiortc_offer)
{
    sotto_sdp *s = parse_sample("aiortc-offer.sdp");
    const sotto_sdp_media *m = &s->media[0];
    sotto_sdp_resolved r;

    ck_assert_str_eq(s->msid_semantic, "WMS");
    ck_assert_str_eq(s->msid_semantic_ids, "*");
    ck_assert_uint_eq(m->pt_count, 3);
    ck_assert_uint_eq(m->rtpmap_count, 3);
    ck_assert_str_eq(m->rtpmap[1].name, "PCMU");
    ck_assert_uint_eq(m->fmtp_count, 0);
    ck_assert_str_eq(m->connection.address, "192.168.1.10");
    ck_assert_uint_eq(m->candidate_count, 3);
    ck_assert_int_eq(m->candidates[1].address_kind, SOTTO_SDP_CAND_ADDR_IP6);
    ck_assert_str_eq(m->candidates[1].address, "2001:db8::10");
    ck_assert_str_eq(m->candidates[2].related_address, "192.168.1.10");
    ck_assert_uint_eq(m->candidates[2].related_port, 46371);
    ck_assert_int_eq(m->candidates[2].has_generation, 0);
    ck_assert_int_eq(m->end_of_candidates, 1);
    ck_assert_str_eq(m->ice_dtls.ice_ufrag, "Ilk6");
    ck_assert_int_eq(sotto_sdp_resolve_media(s, 0, &r), 0);
    ck_assert_int_eq(r.setup, SOTTO_SDP_SETUP_ACTPASS);
    ck_assert_int_eq(r.direction, SOTTO_SDP_DIR_SENDRECV);
    ck_assert_int_eq(r.end_of_candidates, 1);
    ck_assert_int_eq(sotto_sdp_resolve_media(s, 1, &r), -EINVAL);
    free(s);
}
END_TEST

START_TEST(parse_reads_firefox_session_level_fingerprint)
{
    sotto_sdp *s = parse_sample("firefox-offer.sdp");
    const sotto_sdp_media *m = &s->media[0];
    sotto_sdp_resolved r;

    ck_assert_str_eq(s->origin_user, "mozilla...THIS_IS_SDPARTA-99.0");
    ck_assert_int_eq(s->ice_dtls.fingerprint.hash, SOTTO_SDP_HASH_SHA256);
    ck_assert_uint_eq(s->ice_dtls.fingerprint.bytes[0], 0xA1);
    ck_assert_uint_eq(s->ice_dtls.ice_options, SOTTO_SDP_ICE_OPT_TRICKLE);
    ck_assert_int_eq(m->ice_dtls.fingerprint.hash, SOTTO_SDP_HASH_NONE);
    ck_assert_uint_eq(m->candidate_count, 3);
    ck_assert_int_eq(m->candidates[1].transport, SOTTO_SDP_CAND_TCP);
    ck_assert_int_eq(m->candidates[1].tcptype, SOTTO_SDP_TCPTYPE_ACTIVE);
    ck_assert_uint_eq(m->candidates[1].port, 9);
    ck_assert_int_eq(m->extmap[1].direction, SOTTO_SDP_DIR_RECVONLY);
    ck_assert_str_eq(m->msid_stream, "{f8d6a4b2-3c1e-4f5a-9b7d-2e4c6a8b0d1f}");
    ck_assert_uint_eq(m->rtpmap[1].channels, 1);
    ck_assert_str_eq(m->fmtp[1].params, "0-15");
    ck_assert_int_eq(sotto_sdp_resolve_media(s, 0, &r), 0);
    ck_assert_ptr_eq(r.fingerprint, &s->ice_dtls.fingerprint);
    ck_assert_str_eq(r.ice_ufrag, "b3f1e2a7");
    ck_assert_uint_eq(r.ice_options, SOTTO_SDP_ICE_OPT_TRICKLE);
    free(s);
}
END_TEST

START_TEST(parse_media_level_overrides_session_level)
{
    const char *text = HEADER "a=ice-ufrag:sess\r\na=ice-pwd:ssssssssssssssssssssss\r\n"
                              "a=setup:passive\r\na=inactive\r\n" AUDIO_M
                              "a=ice-ufrag:medi\r\na=recvonly\r\n";
    sotto_sdp *s = new_sdp();
    sotto_sdp_resolved r;

    ck_assert_int_eq(parse_text(text, s, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_resolve_media(s, 0, &r), 0);
    ck_assert_str_eq(r.ice_ufrag, "medi");
    ck_assert_str_eq(r.ice_pwd, "ssssssssssssssssssssss");
    ck_assert_int_eq(r.setup, SOTTO_SDP_SETUP_PASSIVE);
    ck_assert_int_eq(r.direction, SOTTO_SDP_DIR_RECVONLY);
    ck_assert_ptr_null(r.fingerprint);
    free(s);
}
END_TEST

START_TEST(parse_accepts_lf_line_ends)
{
    size_t len, j = 0;
    char *text = load_sample("chromium-offer.sdp", &len);
    char *lf = malloc(len + 1);
    sotto_sdp *a = new_sdp(), *b = new_sdp();
    char where[128] = "";

    for (size_t i = 0; i < len; i++)
        if (text[i] != '\r')
            lf[j++] = text[i];
    ck_assert_uint_lt(j, len);
    ck_assert_int_eq(sotto_sdp_parse(text, len, a, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_parse(lf, j, b, NULL, 0), 0);
    ck_assert_msg(sotto__sdp_equal(a, b, where, sizeof(where)), "differs at %s", where);
    /* The last line may lack its line end. */
    ck_assert_int_eq(sotto_sdp_parse(lf, j - 1, b, NULL, 0), 0);
    ck_assert_uint_eq(b->media[0].ssrc_count, 1);
    free(text);
    free(lf);
    free(a);
    free(b);
}
END_TEST

START_TEST(parse_ignores_unknown_and_misplaced_attributes)
{
    const char *text = HEADER "a=mid:session-level-is-ignored\r\na=x-google-flag:conference\r\n"
                              "b=AS:30\r\n" AUDIO_M "a=group:BUNDLE 0\r\na=sctp-port:5000\r\n"
                              "a=rtcp:9 \r\n"
                              "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                              "a=rtpmap:5000 nonsense\r\na=sctp-port:5000\r\na=mid:1\r\n";
    sotto_sdp *s = new_sdp();
    char err[128] = "";

    ck_assert_msg(parse_text(text, s, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(s->bundle_count, 0);
    ck_assert_uint_eq(s->media_count, 2);
    ck_assert_str_eq(s->media[0].mid, "");
    ck_assert_int_eq(s->media[0].has_rtcp, 1);
    ck_assert_int_eq(s->media[0].rtcp_connection.addr_type, SOTTO_SDP_ADDR_NONE);
    ck_assert_int_eq(s->media[1].type, SOTTO_SDP_MEDIA_APPLICATION);
    ck_assert_int_eq(s->media[1].proto_kind, SOTTO_SDP_PROTO_SCTP);
    ck_assert_str_eq(s->media[1].fmt, "webrtc-datachannel");
    ck_assert_uint_eq(s->media[1].rtpmap_count, 0);
    ck_assert_str_eq(s->media[1].mid, "1");
    assert_round_trip(s);
    free(s);
}
END_TEST

/* ---- writing and round trips ---- */

START_TEST(write_round_trips_every_sample)
{
    static const char *const names[] = {"chromium-offer.sdp", "aiortc-offer.sdp",
                                        "firefox-offer.sdp", "chromium-video-offer.sdp"};
    static char first[SOTTO_SDP_MAX_TEXT + 1], second[SOTTO_SDP_MAX_TEXT + 1];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        sotto_sdp *s = parse_sample(names[i]), *back = new_sdp();
        size_t len1, len2;
        assert_round_trip(s);
        /* Writing is a fixed point: write(parse(write(x))) == write(x). */
        ck_assert_int_eq(sotto_sdp_write(s, first, sizeof(first), &len1), 0);
        ck_assert_int_eq(sotto_sdp_parse(first, len1, back, NULL, 0), 0);
        ck_assert_int_eq(sotto_sdp_write(back, second, sizeof(second), &len2), 0);
        ck_assert_str_eq(first, second);
        free(s);
        free(back);
    }
}
END_TEST

START_TEST(write_reports_size_and_refuses_small_buffer)
{
    sotto_sdp *s = parse_sample("chromium-offer.sdp");
    char small[64];
    size_t need = 0, len = 0;
    char *big;

    ck_assert_int_eq(sotto_sdp_write(s, NULL, 0, &need), 0);
    ck_assert_uint_gt(need, 1000);
    memset(small, 'x', sizeof(small));
    ck_assert_int_eq(sotto_sdp_write(s, small, sizeof(small), &len), -ENOSPC);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(small[0], 'x');
    big = malloc(need + 1);
    ck_assert_int_eq(sotto_sdp_write(s, big, need, &len), -ENOSPC);
    ck_assert_int_eq(sotto_sdp_write(s, big, need + 1, &len), 0);
    ck_assert_uint_eq(len, need);
    ck_assert_int_eq(big[need], '\0');
    ck_assert_int_eq(sotto_sdp_write(NULL, big, need + 1, &len), -EINVAL);
    free(big);
    free(s);
}
END_TEST

START_TEST(write_rejects_models_the_parser_would_not_read_back)
{
    sotto_sdp *s = parse_sample("chromium-offer.sdp");
    sotto_sdp *bad = new_sdp();
    char buf[8192];
    size_t len;

    memcpy(bad, s, sizeof(*s));
    memcpy(bad->media[0].ice_dtls.ice_ufrag, "bad ufrag", 10);
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    memcpy(bad->media[0].mid, "a b", 4);
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    bad->media[0].pt_count = 0;
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    memset(bad->session_name, 'x', sizeof(bad->session_name)); /* no NUL */
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    memcpy(bad->media[0].fmtp[0].params, "a\r\nb=c", 7);
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    bad->media[0].type = SOTTO_SDP_MEDIA_VIDEO; /* name says audio */
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    bad->media[0].candidates[1].priority = 0;
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    ck_assert_int_eq(sotto_sdp_validate(bad, buf, sizeof(buf)), -EINVAL);
    ck_assert_str_eq(buf, "m-section 0: bad candidate 1");
    ck_assert_int_eq(sotto_sdp_validate(s, buf, sizeof(buf)), 0);
    ck_assert_int_eq(sotto_sdp_validate(NULL, buf, sizeof(buf)), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    bad->media[0].ice_dtls.fingerprint.len = 20; /* sha-256 needs 32 */
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    memcpy(bad, s, sizeof(*s));
    bad->media_count = SOTTO_SDP_MAX_MEDIA + 1;
    ck_assert_int_eq(sotto_sdp_write(bad, buf, sizeof(buf), &len), -EINVAL);
    free(bad);
    free(s);
}
END_TEST

START_TEST(candidate_parses_and_writes_back_exactly)
{
    const char *line = "candidate:842163049 1 udp 1677729535 203.0.113.5 54400 typ srflx "
                       "raddr 192.168.0.2 rport 54400 generation 0 ufrag Kx4L network-id 1 "
                       "network-cost 10";
    sotto_sdp_candidate c;
    char buf[512], err[128];
    size_t len;

    ck_assert_int_eq(sotto_sdp_parse_candidate(line, strlen(line), &c, err, sizeof(err)), 0);
    ck_assert_str_eq(c.foundation, "842163049");
    ck_assert_int_eq(c.type, SOTTO_SDP_CAND_SRFLX);
    ck_assert_uint_eq(c.ext_count, 3);
    ck_assert_str_eq(c.ext[0].name, "ufrag");
    ck_assert_str_eq(c.ext[2].value, "10");
    ck_assert_int_eq(sotto_sdp_write_candidate(&c, buf, sizeof(buf), &len), 0);
    ck_assert_str_eq(buf, line);
    ck_assert_uint_eq(len, strlen(line));
    ck_assert_int_eq(sotto_sdp_write_candidate(&c, buf, len, &len), -ENOSPC);
    line = "a=candidate:1 1 UDP 5 10.0.0.1 9 typ host";
    ck_assert_int_eq(sotto_sdp_parse_candidate(line, strlen(line), &c, NULL, 0), 0);
    ck_assert_int_eq(c.transport, SOTTO_SDP_CAND_UDP);
}
END_TEST

START_TEST(candidate_sorts_unusable_from_malformed)
{
    static const struct {
        const char *text;
        int rc;
    } cases[] = {
        {"candidate:1 1 sctp 5 10.0.0.1 9 typ host", -ENOTSUP},
        {"candidate:1 1 udp 5 turn.example.com 9 typ host", -ENOTSUP},
        {"candidate:1 1 udp 5 10.0.0.1 9 typ tunnel", -ENOTSUP},
        {"candidate:1 1 udp 5 10.0.0.1 9 typ host", 0},
        {"candidate:1 1 udp 5 10.0.0.1 9 host", -EINVAL},
        {"candidate:1 0 udp 5 10.0.0.1 9 typ host", -EINVAL},
        {"candidate:1 1 udp 0 10.0.0.1 9 typ host", -EINVAL},
        {"candidate:1 1 udp 2147483648 10.0.0.1 9 typ host", -EINVAL},
        {"candidate:1 1 udp 5 10.0.0.1 65536 typ host", -EINVAL},
        {"candidate:1 1 udp 5 10.0.0.1 9 typ host raddr", -EINVAL},
        {"candidate:1 1 udp 5 10.0.0.1 9 typ host rport x", -EINVAL},
        {"candidate:1 1 udp 5 10.0.0.1 9 typ host tcptype sideways", -EINVAL},
        {"candidate:1 1 udp 5 10.0.0.1 9 typ host generation 1 generation 2", -EINVAL},
        {"candidate:1 1 udp 5 ::1%eth0 9 typ host", -EINVAL},
        {"candidate:!! 1 udp 5 10.0.0.1 9 typ host", -EINVAL},
        {"candidate:", -EINVAL},
        {"cand:1 1 udp 5 10.0.0.1 9 typ host", -EINVAL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sotto_sdp_candidate c;
        char err[128] = "";
        int rc = sotto_sdp_parse_candidate(cases[i].text, strlen(cases[i].text), &c, err,
                                           sizeof(err));
        ck_assert_msg(rc == cases[i].rc, "'%s': rc %d, want %d (%s)", cases[i].text, rc,
                      cases[i].rc, err);
        if (rc != 0)
            ck_assert_msg(err[0] != '\0', "'%s': no reason", cases[i].text);
    }
}
END_TEST

START_TEST(fmtp_get_handles_spaces_case_and_limits)
{
    const char *p = "minptime=10; UseInbandFEC=1;mode=3;flag";
    char v[8];

    ck_assert_int_eq(sotto_sdp_fmtp_get(p, "useinbandfec", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "1");
    ck_assert_int_eq(sotto_sdp_fmtp_get(p, "mode", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "3");
    ck_assert_int_eq(sotto_sdp_fmtp_get(p, "flag", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "");
    ck_assert_int_eq(sotto_sdp_fmtp_get(p, "stereo", v, sizeof(v)), -ENOENT);
    ck_assert_int_eq(sotto_sdp_fmtp_get(p, "min", v, sizeof(v)), -ENOENT);
    ck_assert_int_eq(sotto_sdp_fmtp_get("maxplaybackrate=48000", "maxplaybackrate", v, 3),
                     -ENOSPC);
    ck_assert_int_eq(sotto_sdp_fmtp_get(NULL, "mode", v, sizeof(v)), -EINVAL);
}
END_TEST

START_TEST(equal_detects_each_kind_of_difference)
{
    sotto_sdp *a = parse_sample("chromium-offer.sdp"), *b = new_sdp();
    char where[128] = "";

    memcpy(b, a, sizeof(*a));
    b->media[0].dropped = 7; /* not a modelled field */
    ck_assert(sotto__sdp_equal(a, b, where, sizeof(where)));
    b->media[0].ice_dtls.fingerprint.bytes[31] ^= 1;
    ck_assert(!sotto__sdp_equal(a, b, where, sizeof(where)));
    ck_assert_str_eq(where, "media[0].ice_dtls");
    memcpy(b, a, sizeof(*a));
    b->media[0].fmtp[1].params[0] = '2';
    ck_assert(!sotto__sdp_equal(a, b, where, sizeof(where)));
    ck_assert_str_eq(where, "media[0].fmtp[1] (pt 63)");
    memcpy(b, a, sizeof(*a));
    b->media[0].candidates[0].ext[0].value[0] = '8';
    ck_assert(!sotto__sdp_equal(a, b, where, sizeof(where)));
    ck_assert_str_eq(where, "media[0].candidates[0]");
    memcpy(b, a, sizeof(*a));
    b->session_version++;
    ck_assert(!sotto__sdp_equal(a, b, where, sizeof(where)));
    ck_assert_str_eq(where, "origin");
    memcpy(b, a, sizeof(*a));
    b->media[0].rtcp_rsize = 0;
    ck_assert(!sotto__sdp_equal(a, b, where, sizeof(where)));
    free(a);
    free(b);
}
END_TEST

/* ---- negotiation and answers ---- */

static const sotto_sdp_codec_pref opus_first[] = {
    {"opus", 48000, 2, NULL, NULL}, {"PCMU", 8000, 1, NULL, NULL},
    {"telephone-event", 0, 0, NULL, NULL}};
static const sotto_sdp_codec_pref pcmu_first[] = {
    {"PCMU", 8000, 1, NULL, NULL}, {"OPUS", 48000, 2, NULL, NULL},
    {"telephone-event", 0, 0, NULL, NULL}};

START_TEST(negotiate_picks_first_of_our_codecs_the_offer_has)
{
    sotto_sdp *s = parse_sample("chromium-offer.sdp");
    sotto_sdp_codec_choice c;
    static const sotto_sdp_codec_pref mono_opus[] = {{"opus", 48000, 1, NULL, NULL},
                                                       {"PCMA", 8000, 1, NULL, NULL}};

    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, opus_first, 3, &c, NULL, 0), 0);
    ck_assert_uint_eq(c.pt, 111);
    ck_assert_str_eq(c.name, "opus");
    ck_assert_uint_eq(c.pref_index, 0);
    ck_assert_str_eq(c.fmtp, "minptime=10;useinbandfec=1");
    ck_assert_int_eq(c.has_telephone_event, 1);
    ck_assert_uint_eq(c.telephone_event_pt, 110);

    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, pcmu_first, 3, &c, NULL, 0), 0);
    ck_assert_uint_eq(c.pt, 0);
    ck_assert_str_eq(c.name, "PCMU");
    ck_assert_str_eq(c.fmtp, "");
    ck_assert_uint_eq(c.telephone_event_pt, 126);

    /* opus is always 2 channels in SDP: a mono preference does not match it. */
    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, mono_opus, 2, &c, NULL, 0), 0);
    ck_assert_uint_eq(c.pt, 8);
    ck_assert_uint_eq(c.pref_index, 1);
    ck_assert_int_eq(c.has_telephone_event, 0);
    free(s);
}
END_TEST

START_TEST(negotiate_uses_static_payload_types_without_rtpmap)
{
    const char *text = HEADER "m=audio 5004 RTP/AVP 0 8\r\nc=IN IP4 192.0.2.1\r\n";
    static const sotto_sdp_codec_pref prefs[] = {{"PCMA", 8000, 1, NULL, NULL}};
    sotto_sdp *s = new_sdp();
    sotto_sdp_codec_choice c;

    ck_assert_int_eq(parse_text(text, s, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, prefs, 1, &c, NULL, 0), 0);
    ck_assert_uint_eq(c.pt, 8);
    ck_assert_uint_eq(c.clock_hz, 8000);
    free(s);
}
END_TEST

START_TEST(negotiate_fails_with_enoent_when_nothing_is_shared)
{
    sotto_sdp *video = parse_sample("chromium-video-offer.sdp");
    sotto_sdp *audio = parse_sample("aiortc-offer.sdp");
    static const sotto_sdp_codec_pref g729[] = {{"G729", 8000, 1, NULL, NULL}};
    sotto_sdp_codec_choice c;
    char err[256] = "";

    memset(&c, 0xAB, sizeof(c));
    ck_assert_int_eq(sotto_sdp_negotiate_audio(video, opus_first, 3, &c, err, sizeof(err)),
                     -ENOENT);
    ck_assert_ptr_nonnull(strstr(err, "no audio section"));
    ck_assert_uint_eq(c.pt, 0xAB);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(audio, g729, 1, &c, err, sizeof(err)), -ENOENT);
    ck_assert_msg(strstr(err, "opus/48000") && strstr(err, "PCMA/8000"), "%s", err);
    ck_assert_uint_eq(c.pt, 0xAB);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(audio, g729, 0, &c, err, sizeof(err)), -EINVAL);
    free(video);
    free(audio);
}
END_TEST

static sotto_sdp_candidate host_candidate(void)
{
    sotto_sdp_candidate c;
    const char *t = "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host generation 0";

    ck_assert_int_eq(sotto_sdp_parse_candidate(t, strlen(t), &c, NULL, 0), 0);
    return c;
}

static void fill_params(sotto_sdp_answer_params *a, const sotto_sdp_codec_choice *choice,
                        const sotto_sdp_fingerprint *fp, const sotto_sdp_candidate *cand)
{
    static const char *const uris[] = {"urn:ietf:params:rtp-hdrext:sdes:mid"};

    memset(a, 0, sizeof(*a));
    a->choice = choice;
    a->ice_ufrag = "S0tt";
    a->ice_pwd = "abcdefghijklmnopqrstuvwx";
    a->fingerprint = fp;
    a->candidates = cand;
    a->candidate_count = 1;
    a->candidates_complete = 1;
    a->session_id = 123456789;
    a->session_version = 1;
    a->cname = "sotto-cname";
    a->ssrc = 0x11223344;
    a->msid_stream = "sotto";
    a->msid_track = "voice";
    a->extmap_uris = uris;
    a->extmap_uri_count = 1;
}

static sotto_sdp_fingerprint our_fingerprint(void)
{
    sotto_sdp_fingerprint fp;

    memset(&fp, 0, sizeof(fp));
    fp.hash = SOTTO_SDP_HASH_SHA256;
    fp.len = 32;
    for (int i = 0; i < 32; i++)
        fp.bytes[i] = (uint8_t)(i * 7 + 1);
    return fp;
}

/* Positions of needles in text must increase: the JSEP layout. */
static void assert_in_order(const char *text, const char *const *needles, size_t n)
{
    const char *at = text;

    for (size_t i = 0; i < n; i++) {
        const char *hit = strstr(at, needles[i]);
        ck_assert_msg(hit != NULL, "missing or out of order: %s\n%s", needles[i], text);
        at = hit + strlen(needles[i]);
    }
}

START_TEST(answer_to_chromium_offer_is_jsep_shaped)
{
    sotto_sdp *offer = parse_sample("chromium-offer.sdp"), *ans = new_sdp();
    sotto_sdp_codec_choice c;
    sotto_sdp_fingerprint fp = our_fingerprint();
    sotto_sdp_candidate cand = host_candidate();
    sotto_sdp_answer_params a;
    static char text[SOTTO_SDP_MAX_TEXT];
    char err[256] = "";
    size_t len;
    static const char *const layout[] = {
        "v=0\r\n", "o=- 123456789 1 IN IP4 127.0.0.1\r\n", "s=-\r\n", "t=0 0\r\n",
        "a=group:BUNDLE 0\r\n", "a=extmap-allow-mixed\r\n", "a=msid-semantic: WMS *\r\n",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 110\r\n", "c=IN IP4 0.0.0.0\r\n",
        "a=rtcp:9 IN IP4 0.0.0.0\r\n",
        "a=candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host generation 0\r\n",
        "a=end-of-candidates\r\n", "a=ice-ufrag:S0tt\r\n", "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n",
        "a=ice-options:trickle\r\n", "a=fingerprint:sha-256 01:08:0F:16:", "a=setup:active\r\n",
        "a=mid:0\r\n", "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", "a=sendrecv\r\n",
        "a=msid:sotto voice\r\n", "a=rtcp-mux\r\n", "a=rtcp-rsize\r\n",
        "a=rtpmap:111 opus/48000/2\r\n", "a=fmtp:111 minptime=10;useinbandfec=1\r\n",
        "a=rtpmap:110 telephone-event/48000\r\n", "a=ssrc:287454020 cname:sotto-cname\r\n"};

    ck_assert_int_eq(sotto_sdp_negotiate_audio(offer, opus_first, 3, &c, NULL, 0), 0);
    fill_params(&a, &c, &fp, &cand);
    ck_assert_msg(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sotto_sdp_write(ans, text, sizeof(text), &len), 0);
    assert_in_order(text, layout, sizeof(layout) / sizeof(layout[0]));
    ck_assert_ptr_null(strstr(text, "transport-cc"));
    ck_assert_uint_eq(ans->media[0].extmap_count, 1);
    assert_round_trip(ans);
    free(offer);
    free(ans);
}
END_TEST

START_TEST(answer_rejects_other_sections_and_mirrors_setup)
{
    const char *text =
        HEADER "a=group:BUNDLE a v\r\na=fingerprint:sha-1 "
               "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n"
               "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\na=mid:v\r\n"
               "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:a\r\na=setup:active\r\na=sendonly\r\n"
               "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n";
    sotto_sdp *offer = new_sdp(), *ans = new_sdp();
    sotto_sdp_codec_choice c;
    sotto_sdp_fingerprint fp = our_fingerprint();
    sotto_sdp_candidate cand = host_candidate();
    sotto_sdp_answer_params a;
    char err[256] = "";

    ck_assert_int_eq(parse_text(text, offer, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(offer, pcmu_first, 3, &c, NULL, 0), 0);
    ck_assert_uint_eq(c.media_index, 1);
    fill_params(&a, &c, &fp, &cand);
    a.candidates_complete = 0;
    ck_assert_msg(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)) == 0, "%s", err);
    ck_assert_uint_eq(ans->media_count, 2);
    ck_assert_uint_eq(ans->media[0].port, 0);
    ck_assert_str_eq(ans->media[0].mid, "v");
    ck_assert_str_eq(ans->media[0].name, "video");
    ck_assert_uint_eq(ans->media[1].port, 9);
    ck_assert_str_eq(ans->media[1].mid, "a");
    ck_assert_int_eq(ans->media[1].ice_dtls.setup, SOTTO_SDP_SETUP_PASSIVE);
    ck_assert_int_eq(ans->media[1].direction, SOTTO_SDP_DIR_RECVONLY);
    ck_assert_int_eq(ans->media[1].end_of_candidates, 0);
    ck_assert_uint_eq(ans->media[1].ice_dtls.ice_options, 0);
    ck_assert_uint_eq(ans->bundle_count, 1);
    ck_assert_str_eq(ans->bundle_mids[0], "a");
    assert_round_trip(ans);
    free(offer);
    free(ans);
}
END_TEST

START_TEST(answer_refuses_offers_it_cannot_meet)
{
    static const struct {
        const char *media;
        int rc;
    } cases[] = {
        /* plain RTP: no DTLS-SRTP */
        {"m=audio 9 RTP/AVP 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
         "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n",
         -ENOTSUP},
        /* no fingerprint */
        {"m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:abcd\r\n"
         "a=ice-pwd:abcdefghijklmnopqrstuv\r\n",
         -EINVAL},
        /* holdconn */
        {"m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
         "a=setup:holdconn\r\n"
         "a=fingerprint:sha-1 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33\r\n",
         -ENOTSUP},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[1024];
        sotto_sdp *offer = new_sdp(), *ans = new_sdp();
        sotto_sdp_codec_choice c;
        sotto_sdp_fingerprint fp = our_fingerprint();
        sotto_sdp_candidate cand = host_candidate();
        sotto_sdp_answer_params a;
        char err[256] = "";

        snprintf(text, sizeof(text), HEADER "%s", cases[i].media);
        ck_assert_int_eq(parse_text(text, offer, NULL, 0), 0);
        ck_assert_int_eq(sotto_sdp_negotiate_audio(offer, pcmu_first, 3, &c, NULL, 0), 0);
        fill_params(&a, &c, &fp, &cand);
        ans->media_count = 77;
        ck_assert_int_eq(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)), cases[i].rc);
        ck_assert_msg(err[0] != '\0', "case %zu: no reason", i);
        ck_assert_uint_eq(ans->media_count, 77);
        free(offer);
        free(ans);
    }
}
END_TEST

START_TEST(answer_rejects_bad_local_parameters)
{
    sotto_sdp *offer = parse_sample("aiortc-offer.sdp"), *ans = new_sdp();
    sotto_sdp_codec_choice c;
    sotto_sdp_fingerprint fp = our_fingerprint();
    sotto_sdp_candidate cand = host_candidate();
    sotto_sdp_answer_params a;
    char err[256];

    ck_assert_int_eq(sotto_sdp_negotiate_audio(offer, opus_first, 3, &c, NULL, 0), 0);
    fill_params(&a, &c, &fp, &cand);
    a.ice_pwd = "short";
    ck_assert_int_eq(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)), -EINVAL);
    fill_params(&a, &c, &fp, &cand);
    a.fingerprint = NULL;
    ck_assert_int_eq(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)), -EINVAL);
    fill_params(&a, &c, &fp, &cand);
    a.candidate_count = SOTTO_SDP_MAX_CANDIDATES + 1;
    ck_assert_int_eq(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)), -EINVAL);
    fill_params(&a, &c, &fp, &cand);
    a.msid_stream = "has space";
    ck_assert_int_eq(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)), -EINVAL);
    fill_params(&a, &c, &fp, &cand);
    ck_assert_int_eq(sotto_sdp_build_answer(offer, &a, ans, err, sizeof(err)), 0);
    free(offer);
    free(ans);
}
END_TEST

/* ---- bad input ---- */

START_TEST(every_truncation_parses_or_fails_cleanly)
{
    size_t len;
    char *text = load_sample("chromium-offer.sdp", &len);
    sotto_sdp *s = new_sdp();
    size_t ok = 0, failed = 0;

    for (size_t cut = 0; cut <= len; cut++) {
        char err[256] = "";
        int rc;
        /* A copy of exactly cut bytes, so that reading past it is an ASan error. */
        char *part = malloc(cut ? cut : 1);
        memcpy(part, text, cut);
        s->media_count = 99;
        rc = sotto_sdp_parse(part, cut, s, err, sizeof(err));
        if (rc == 0) {
            ok++;
            assert_round_trip(s);
        } else {
            failed++;
            ck_assert_msg(rc == -EINVAL || rc == -EMSGSIZE || rc == -ENOTSUP, "cut %zu: rc %d",
                          cut, rc);
            ck_assert_msg(strncmp(err, "line ", 5) == 0, "cut %zu: '%s'", cut, err);
            ck_assert_uint_eq(s->media_count, 99);
        }
        free(part);
    }
    ck_assert_uint_gt(ok, 10);
    ck_assert_uint_gt(failed, 100);
    free(text);
    free(s);
}
END_TEST

START_TEST(parse_rejects_nul_byte)
{
    size_t len;
    char *text = load_sample("chromium-offer.sdp", &len);
    sotto_sdp *s = new_sdp();
    char err[128] = "";
    char *line5 = strstr(text, "a=group");

    line5[3] = '\0';
    ck_assert_int_eq(sotto_sdp_parse(text, len, s, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "line 5") && strstr(err, "NUL"), "%s", err);
    free(text);
    free(s);
}
END_TEST

START_TEST(parse_rejects_over_long_line_and_text)
{
    size_t cap = SOTTO_SDP_MAX_TEXT + 2048;
    char *text = malloc(cap);
    sotto_sdp *s = new_sdp();
    char err[128] = "";
    size_t n = (size_t)snprintf(text, cap, HEADER AUDIO_M "a=x-long:");

    /* A line of exactly SOTTO_SDP_MAX_LINE bytes is fine... */
    memset(text + n, 'A', SOTTO_SDP_MAX_LINE - 9);
    n += SOTTO_SDP_MAX_LINE - 9;
    memcpy(text + n, "\r\n", 3);
    ck_assert_int_eq(sotto_sdp_parse(text, n + 2, s, err, sizeof(err)), 0);
    /* ...one more byte is not. */
    memcpy(text + n, "A\r\n", 4);
    ck_assert_int_eq(sotto_sdp_parse(text, n + 3, s, err, sizeof(err)), -EMSGSIZE);
    ck_assert_msg(strstr(err, "line 6"), "%s", err);
    memset(text, 'a', cap);
    ck_assert_int_eq(sotto_sdp_parse(text, SOTTO_SDP_MAX_TEXT + 1, s, err, sizeof(err)),
                     -EMSGSIZE);
    free(text);
    free(s);
}
END_TEST

/* Each case: lines after HEADER AUDIO_M (or a whole text), the return code,
 * and a word the error must contain. */
typedef struct bad_case {
    const char *text;
    int whole;      /* 1: text is the whole SDP */
    int rc;
    const char *says;
} bad_case;

static const bad_case bad_cases[] = {
    {HEADER "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n", 1, -EINVAL, "line 5: m= port"},
    {HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 200\r\n", 1, -EINVAL, "line 5: m= payload type"},
    {HEADER "m=audio 9/2 RTP/AVP 0\r\n", 1, -ENOTSUP, "port ranges"},
    {HEADER "m=audio 9 RTP/AVP\r\n", 1, -EINVAL, "no formats"},
    {HEADER "m=audio 9 RTP/AVP 0 0\r\n", 1, -EINVAL, "twice"},
    {HEADER "m=audio -1 RTP/AVP 0\r\n", 1, -EINVAL, "port"},
    {"o=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", 1, -EINVAL,
     "line 1: the first line must be v=0"},
    {"v=1\r\n", 1, -EINVAL, "v=0"},
    {"v=0\r\ns=-\r\nt=0 0\r\n", 1, -EINVAL, "line 2: o= must follow"},
    {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nt=0 0\r\n", 1, -EINVAL, "s= must follow"},
    {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n", 1, -EINVAL, "missing t="},
    {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\n" AUDIO_M, 1, -EINVAL, "m= before t="},
    {"v=0\r\n", 1, -EINVAL, "missing o="},
    {"", 1, -EINVAL, "missing v=0"},
    {"v=0\r\no=- x 1 IN IP4 0.0.0.0\r\n", 1, -EINVAL, "session id"},
    {"v=0\r\no=- 99999999999999999999 1 IN IP4 0.0.0.0\r\n", 1, -EINVAL, "session id"},
    {"v=0\r\no=- 1 1 IN IP4\r\n", 1, -EINVAL, "o= needs"},
    {HEADER "t=0\r\n", 1, -EINVAL, "t= needs"},
    {HEADER "v=0\r\n", 1, -EINVAL, "repeated v="},
    {HEADER "x=1\r\n", 1, -EINVAL, "unknown line type 'x'"},
    {HEADER "A=1\r\n", 1, -EINVAL, "lowercase"},
    {HEADER "a line\r\n", 1, -EINVAL, "x=value"},
    {HEADER "\r\na=ice-lite\r\n", 1, -EINVAL, "line 5: empty line"},
    {HEADER "a=ice-lite\r\r\n", 1, -EINVAL, "control character 0x0d"},
    {HEADER "c=IN IP5 1.2.3.4\r\n", 1, -EINVAL, "IP4 or IP6"},
    {HEADER "c=ATM IP4 1.2.3.4\r\n", 1, -EINVAL, "network type"},
    {HEADER "c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n", 1, -EINVAL, "repeated c="},
    {HEADER AUDIO_M AUDIO_M AUDIO_M AUDIO_M AUDIO_M, 1, -ENOTSUP, "line 9: more than 4"},
    {"a=rtpmap:200 opus/48000/2", 0, -EINVAL, "line 6: a=rtpmap payload type"},
    {"a=rtpmap:111 opus/0/2", 0, -EINVAL, "clock"},
    {"a=rtpmap:111 opus/192001", 0, -EINVAL, "clock"},
    {"a=rtpmap:111 opus/48000/0", 0, -EINVAL, "channels"},
    {"a=rtpmap:111 opus", 0, -EINVAL, "clock rate missing"},
    {"a=rtpmap:111 opus/48000/2 extra", 0, -EINVAL, "rtpmap"},
    {"a=rtpmap:111 opus/48000\r\na=rtpmap:111 opus/48000", 0, -EINVAL, "repeated a=rtpmap"},
    {"a=rtpmap:0x10 PCMU/8000", 0, -EINVAL, "payload type"},
    {"a=rtpmap:+5 PCMU/8000", 0, -EINVAL, "payload type"},
    {"a=fmtp:111", 0, -EINVAL, "without parameters"},
    {"a=fmtp:111 a=1\r\na=fmtp:111 a=2", 0, -EINVAL, "repeated a=fmtp"},
    {"a=rtcp-fb:111", 0, -EINVAL, "rtcp-fb"},
    {"a=extmap:0 urn:x", 0, -EINVAL, "extmap id"},
    {"a=extmap:256 urn:x", 0, -EINVAL, "extmap id"},
    {"a=extmap:1/sideways urn:x", 0, -EINVAL, "direction"},
    {"a=extmap:1 urn:x\r\na=extmap:1 urn:y", 0, -EINVAL, "repeated a=extmap"},
    {"a=ptime:0", 0, -EINVAL, "ptime"},
    {"a=ptime:20.5", 0, -EINVAL, "ptime"},
    {"a=maxptime:5001", 0, -EINVAL, "maxptime"},
    {"a=ssrc:4294967296 cname:x", 0, -EINVAL, "ssrc"},
    {"a=ssrc:1 cname:", 0, -EINVAL, "cname"},
    {"a=ssrc:1 cname:a\r\na=ssrc:1 cname:b", 0, -EINVAL, "repeated a=ssrc"},
    {"a=mid:0\r\na=mid:1", 0, -EINVAL, "line 7: repeated a=mid"},
    {"a=mid:0123456789012345678901234567890123", 0, -EINVAL, "longer than"},
    {"a=setup:sideways", 0, -EINVAL, "a=setup"},
    {"a=setup:active\r\na=setup:active", 0, -EINVAL, "repeated a=setup"},
    {"a=sendrecv\r\na=inactive", 0, -EINVAL, "direction"},
    {"a=sendrecv:x", 0, -EINVAL, "takes no value"},
    {"a=rtcp-mux:1", 0, -EINVAL, "takes no value"},
    {"a=mid", 0, -EINVAL, "needs a value"},
    {"a=ice-ufrag:abc", 0, -EINVAL, "ice-ufrag"},
    {"a=ice-ufrag:ab\"cd", 0, -EINVAL, "ice-ufrag"},
    {"a=ice-pwd:tooshort", 0, -EINVAL, "ice-pwd"},
    {"a=ice-options:tr\"ickle", 0, -EINVAL, "ice option"},
    {"a=rtcp:70000", 0, -EINVAL, "a=rtcp port"},
    {"a=rtcp:9 IN IP4", 0, -EINVAL, "address missing"},
    {"a=msid:a b c", 0, -EINVAL, "extra fields"},
    {"a=candidate:1 1 udp 1 1.2.3.4 99999 typ host", 0, -EINVAL, "line 6: candidate port"},
    {"a=group:BUNDLE 0 \"x\"", 1, -EINVAL, "BUNDLE mid"},
    {"a=msid-semantic:", 0, 0, NULL}, /* ignored at media level */
    {"a=fingerprint:sha-256 ZZ:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:"
     "43:F0:A1:58:D0:A1:2C:19:08", 0, -EINVAL, "line 6: a=fingerprint sha-256 needs 32"},
    {"a=fingerprint:sha-256 7B:8B", 0, -EINVAL, "fingerprint"},
    {"a=fingerprint:sha-256 7B8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:"
     "43:F0:A1:58:D0:A1:2C:19:08:", 0, -EINVAL, "fingerprint"},
    {"a=fingerprint:sha-1 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A", 0,
     -EINVAL, "sha-1 needs 20"},
    {"a=fingerprint:", 0, -EINVAL, "hash name"},
};

START_TEST(parse_rejects_bad_input_naming_the_line)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *bc = &bad_cases[i];
        char text[2048], err[256] = "";
        sotto_sdp *s = new_sdp();
        int rc;

        if (bc->whole)
            snprintf(text, sizeof(text), "%s", bc->text);
        else
            snprintf(text, sizeof(text), HEADER AUDIO_M "%s\r\n", bc->text);
        if (bc->whole && strncmp(bc->text, "a=", 2) == 0)
            snprintf(text, sizeof(text), HEADER "%s\r\n", bc->text);
        rc = parse_text(text, s, err, sizeof(err));
        ck_assert_msg(rc == bc->rc, "case %zu (%s): rc %d, want %d: %s", i, bc->text, rc, bc->rc,
                      err);
        if (bc->says)
            ck_assert_msg(strstr(err, bc->says) != NULL, "case %zu: '%s' lacks '%s'", i, err,
                          bc->says);
        free(s);
    }
}
END_TEST

START_TEST(parse_rejects_garbage_bytes)
{
    uint32_t seed = 12345;
    sotto_sdp *s = new_sdp();

    for (int round = 0; round < 2000; round++) {
        char buf[300], err[128] = "";
        size_t len = 1 + (size_t)(round % 299);
        int rc;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)(seed >> 16);
        }
        if (round % 2) /* half of them start like an SDP, to get deeper */
            memcpy(buf, "v=0\n", len < 4 ? len : 4);
        /* The parser proper, without sotto_sdp_parse's scratch allocation
         * per call, which would make this loop slow under ASan. */
        memset(s, 0, sizeof(*s));
        rc = sotto__sdp_parse_into(buf, len, s, err, sizeof(err));
        ck_assert_msg(rc == -EINVAL || rc == -EMSGSIZE, "round %d: rc %d", round, rc);
        ck_assert_msg(strncmp(err, "line ", 5) == 0, "round %d: '%s'", round, err);
    }
    ck_assert_int_eq(sotto_sdp_parse("v=0", 3, NULL, NULL, 0), -EINVAL);
    ck_assert_int_eq(sotto_sdp_parse(NULL, 3, s, NULL, 0), -EINVAL);
    free(s);
}
END_TEST

START_TEST(parse_keeps_32_of_100_candidates_and_counts_the_rest)
{
    size_t len;
    char *sample = load_sample("chromium-offer.sdp", &len);
    size_t cap = len + 100 * 100;
    char *text = malloc(cap);
    sotto_sdp *s = new_sdp();
    size_t n;

    memcpy(text, sample, len);
    n = len;
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(text + n, cap - n,
                              "a=candidate:%d 1 udp %d 10.0.%d.%d 5000 typ host\r\n", i, 1000 + i,
                              i / 250, i % 250);
    ck_assert_int_eq(sotto_sdp_parse(text, n, s, NULL, 0), 0);
    ck_assert_uint_eq(s->media[0].candidate_count, SOTTO_SDP_MAX_CANDIDATES);
    ck_assert_uint_eq(s->media[0].dropped, 102 - SOTTO_SDP_MAX_CANDIDATES);
    ck_assert_str_eq(s->media[0].candidates[31].foundation, "29");
    assert_round_trip(s);
    free(sample);
    free(text);
    free(s);
}
END_TEST

START_TEST(parse_counts_dropped_lists_and_unusable_candidates)
{
    char text[8192];
    sotto_sdp *s = new_sdp();
    size_t n = (size_t)snprintf(text, sizeof(text), HEADER "a=group:BUNDLE 0 1 2 3 4 5\r\n"
                                                           "a=group:BUNDLE 9\r\nm=audio 9 RTP/AVP");

    for (int pt = 0; pt < 40; pt++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, " %d", pt);
    n += (size_t)snprintf(text + n, sizeof(text) - n,
                          "\r\na=candidate:1 1 sctp 5 10.0.0.1 9 typ host\r\n"
                          "a=candidate:1 1 udp 5 stun.example.org 9 typ host\r\n"
                          "a=fingerprint:md5 00:11\r\n"
                          "a=msid:a b\r\na=msid:c d\r\n");
    ck_assert_int_eq(sotto_sdp_parse(text, n, s, NULL, 0), 0);
    ck_assert_uint_eq(s->bundle_count, SOTTO_SDP_MAX_BUNDLE);
    ck_assert_uint_eq(s->dropped, 2 + 1); /* mids 4 and 5, the second group */
    ck_assert_uint_eq(s->media[0].pt_count, SOTTO_SDP_MAX_PT);
    ck_assert_uint_eq(s->media[0].candidate_count, 0);
    ck_assert_int_eq(s->media[0].ice_dtls.fingerprint.hash, SOTTO_SDP_HASH_NONE);
    ck_assert_str_eq(s->media[0].msid_stream, "a");
    ck_assert_uint_eq(s->media[0].dropped, 8 + 2 + 1 + 1);
    free(s);
}
END_TEST

/* ---- lossy-link helpers: RED, congestion feedback, rtcp-rsize, maxptime ---- */

START_TEST(find_red_in_chromium_offer)
{
    sotto_sdp *offer = parse_sample("chromium-offer.sdp");
    int red = -1;

    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], 111, &red), 0);
    ck_assert_int_eq(red, 63);
    red = -1;
    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], 0, &red), -ENOENT);   /* PCMU */
    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], 13, &red), -ENOENT);
    ck_assert_int_eq(red, -1);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 111, "transport-cc"), 0);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 111, "goog-remb"), -ENOENT);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 63, "transport-cc"), -ENOENT);
    free(offer);
}
END_TEST

/* ---- comfort noise (RFC 3389) ---- */

START_TEST(find_cn_in_chromium_offer)
{
    sotto_sdp *offer = parse_sample("chromium-offer.sdp");
    int cn = -1;

    ck_assert_int_eq(sotto_sdp_find_cn(&offer->media[0], 8000, &cn), 0);
    ck_assert_int_eq(cn, 13);
    cn = -1;
    /* Opus runs at 48 kHz: the browser's CN/8000 does not go with it. */
    ck_assert_int_eq(sotto_sdp_find_cn(&offer->media[0], 48000, &cn), -ENOENT);
    ck_assert_int_eq(sotto_sdp_find_cn(&offer->media[0], 16000, &cn), -ENOENT);
    ck_assert_int_eq(cn, -1);
    free(offer);
}
END_TEST

/* One offer with sotto 96 at 16 kHz and the given CN lines. */
static int find_cn_with(const char *mline_pts, const char *lines, uint32_t clock, int *out_cn)
{
    char text[1024];
    sotto_sdp *s = new_sdp();
    char err[256] = "";
    int rc;

    snprintf(text, sizeof(text), HEADER "m=audio 9 UDP/TLS/RTP/SAVPF %s\r\n"
                                        "a=rtpmap:96 sotto/16000\r\n%s",
             mline_pts, lines);
    ck_assert_msg(parse_text(text, s, err, sizeof(err)) == 0, "%s: %s", lines, err);
    rc = sotto_sdp_find_cn(&s->media[0], clock, out_cn);
    free(s);
    return rc;
}

START_TEST(find_cn_matches_clock_and_rejects_what_does_not_fit)
{
    static const struct {
        const char *pts, *lines;
    } misses[] = {
        {"96 105", "a=rtpmap:105 CN/8000\r\n"},        /* clock */
        {"96 105", "a=rtpmap:105 CN/16000/2\r\n"},     /* stereo */
        {"96 105", "a=rtpmap:105 CNX/16000\r\n"},
        {"96 105", "a=rtpmap:105 C/16000\r\n"},
        {"96", "a=rtpmap:105 CN/16000\r\n"},           /* not listed */
        {"96 13", ""},                                  /* static 13 is 8 kHz */
        {"96 13", "a=rtpmap:13 PCMU/16000\r\n"},       /* 13 renamed */
    };
    int cn = -1;

    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
        ck_assert_msg(find_cn_with(misses[i].pts, misses[i].lines, 16000, &cn) == -ENOENT,
                      "case %zu matched", i);
    ck_assert_int_eq(cn, -1);
    ck_assert_int_eq(find_cn_with("96 105", "a=rtpmap:105 cn/16000\r\n", 16000, &cn), 0);
    ck_assert_int_eq(cn, 105);
    ck_assert_int_eq(find_cn_with("96 105", "a=rtpmap:105 CN/16000/1\r\n", 16000, &cn), 0);
    ck_assert_int_eq(find_cn_with("96 13", "", 8000, &cn), 0);
    ck_assert_int_eq(cn, 13);
    /* The first of several in m-line order. */
    ck_assert_int_eq(find_cn_with("96 106 105", "a=rtpmap:105 CN/16000\r\na=rtpmap:106 CN/16000\r\n",
                                  16000, &cn), 0);
    ck_assert_int_eq(cn, 106);
}
END_TEST

START_TEST(find_cn_rejects_bad_arguments)
{
    sotto_sdp *offer = parse_sample("chromium-offer.sdp");
    int cn = -1;

    ck_assert_int_eq(sotto_sdp_find_cn(NULL, 8000, &cn), -EINVAL);
    ck_assert_int_eq(sotto_sdp_find_cn(&offer->media[0], 8000, NULL), -EINVAL);
    ck_assert_int_eq(sotto_sdp_find_cn(&offer->media[0], 0, &cn), -EINVAL);
    ck_assert_int_eq(cn, -1);
    /* Counts past the arrays, as a hand-built description might have. */
    offer->media[0].pt_count = 1000;
    offer->media[0].rtpmap_count = 1000;
    ck_assert_int_eq(sotto_sdp_find_cn(&offer->media[0], 8000, &cn), 0);
    ck_assert_int_eq(cn, 13);
    free(offer);
}
END_TEST

/* A format added to a section is found again, and a full list refuses
 * more without changing the section. */
START_TEST(media_add_format_appends_and_stops_when_full)
{
    static sotto_sdp_media m;
    sotto_sdp_media before;
    int red = -1;

    memset(&m, 0, sizeof(m));
    ck_assert_int_eq(sotto_sdp_media_add_format(&m, 111, "opus", 48000, 2, "useinbandfec=1"), 0);
    ck_assert_int_eq(sotto_sdp_media_add_format(&m, 63, "red", 48000, 2, "111/111"), 0);
    ck_assert_int_eq(sotto_sdp_media_add_format(&m, 0, "PCMU", 8000, 0, ""), 0);
    ck_assert_uint_eq(m.pt_count, 3);
    ck_assert_uint_eq(m.rtpmap_count, 3);
    ck_assert_uint_eq(m.fmtp_count, 2);
    ck_assert_str_eq(sotto_sdp_media_fmtp(&m, 111), "useinbandfec=1");
    ck_assert_str_eq(sotto_sdp_media_fmtp(&m, 0), "");
    ck_assert_str_eq(sotto_sdp_media_fmtp(NULL, 0), "");
    ck_assert_int_eq(sotto_sdp_find_red(&m, 111, &red), 0);
    ck_assert_int_eq(red, 63);
    m.pt_count = SOTTO_SDP_MAX_PT;
    before = m;
    ck_assert_int_eq(sotto_sdp_media_add_format(&m, 8, "PCMA", 8000, 0, ""), -ENOSPC);
    ck_assert_mem_eq(&m, &before, sizeof(m));
    ck_assert_int_eq(sotto_sdp_media_add_format(NULL, 8, "PCMA", 8000, 0, ""), -EINVAL);
    ck_assert_int_eq(sotto_sdp_media_add_format(&m, 8, NULL, 8000, 0, ""), -EINVAL);
}
END_TEST

START_TEST(find_red_matches_16k_mono_primary_and_triple_fmtp)
{
    const char *text = HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 96 111 98 97 63\r\n"
                              "a=rtpmap:96 sotto/16000\r\n"
                              "a=rtpmap:111 opus/48000/2\r\n"
                              "a=rtpmap:98 red/48000/2\r\na=fmtp:98 96/96\r\n"   /* wrong clock */
                              "a=rtpmap:97 RED/16000/1\r\na=fmtp:97 96/96/96\r\n"
                              "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111/111\r\n";
    sotto_sdp *s = new_sdp();
    char err[256] = "";
    int red = -1;

    ck_assert_msg(parse_text(text, s, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sotto_sdp_find_red(&s->media[0], 96, &red), 0);
    ck_assert_int_eq(red, 97);
    ck_assert_int_eq(sotto_sdp_find_red(&s->media[0], 111, &red), 0);
    ck_assert_int_eq(red, 63);
    free(s);
}
END_TEST

/* One offer with opus 111 and a red/48000/2 at 63 described by lines. */
static int find_red_with(const char *mline_pts, const char *red_lines, int *out_red)
{
    char text[1024];
    sotto_sdp *s = new_sdp();
    char err[256] = "";
    int rc;

    snprintf(text, sizeof(text), HEADER "m=audio 9 UDP/TLS/RTP/SAVPF %s\r\n"
                                        "a=rtpmap:111 opus/48000/2\r\n%s",
             mline_pts, red_lines);
    ck_assert_msg(parse_text(text, s, err, sizeof(err)) == 0, "%s: %s", red_lines, err);
    rc = sotto_sdp_find_red(&s->media[0], 111, out_red);
    free(s);
    return rc;
}

START_TEST(find_red_rejects_formats_that_do_not_fit)
{
    static const struct {
        const char *pts, *lines;
    } misses[] = {
        {"111 63", "a=rtpmap:63 red/48000/2\r\n"},                               /* no fmtp */
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/0\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111/111/111\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111/\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111//111\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 0111/111\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111;x=1\r\n"},
        {"111 63", "a=rtpmap:63 red/48000/1\r\na=fmtp:63 111/111\r\n"},         /* channels */
        {"111 63", "a=rtpmap:63 red/16000/2\r\na=fmtp:63 111/111\r\n"},         /* clock */
        {"111 63", "a=rtpmap:63 redx/48000/2\r\na=fmtp:63 111/111\r\n"},
        {"111", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"},            /* not listed */
        {"63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n"},             /* no primary */
    };
    int red = -1;

    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++)
        ck_assert_msg(find_red_with(misses[i].pts, misses[i].lines, &red) == -ENOENT,
                      "case %zu matched", i);
    ck_assert_int_eq(red, -1);
    /* The control: the same offer with a fitting line matches. */
    ck_assert_int_eq(find_red_with("111 63", "a=rtpmap:63 red/48000/2\r\na=fmtp:63 111/111\r\n",
                                   &red), 0);
    ck_assert_int_eq(red, 63);
}
END_TEST

START_TEST(find_red_and_feedback_reject_bad_arguments)
{
    sotto_sdp *offer = parse_sample("chromium-offer.sdp");
    int red = -1;

    ck_assert_int_eq(sotto_sdp_find_red(NULL, 111, &red), -EINVAL);
    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], 111, NULL), -EINVAL);
    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], -1, &red), -EINVAL);
    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], 128, &red), -EINVAL);
    ck_assert_int_eq(red, -1);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(NULL, 111, "nack"), -EINVAL);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 111, NULL), -EINVAL);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 111, ""), -EINVAL);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 128, "nack"), -EINVAL);
    /* Counts past the arrays, as a hand-built description might have. */
    offer->media[0].pt_count = 1000;
    offer->media[0].rtcp_fb_count = 1000;
    ck_assert_int_eq(sotto_sdp_find_red(&offer->media[0], 111, &red), 0);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&offer->media[0], 111, "transport-cc"), 0);
    free(offer);
}
END_TEST

START_TEST(has_rtcp_fb_matches_pt_wildcard_and_whole_value)
{
    const char *text = HEADER AUDIO_M "a=rtpmap:111 opus/48000/2\r\n"
                                      "a=rtcp-fb:111 goog-remb\r\n"
                                      "a=rtcp-fb:* nack pli\r\n"
                                      "a=rtcp-fb:0 Transport-CC\r\n";
    sotto_sdp *s = new_sdp();
    char err[256] = "";

    ck_assert_msg(parse_text(text, s, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 111, "goog-remb"), 0);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 0, "goog-remb"), -ENOENT);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 0, "transport-cc"), 0);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 111, "transport-cc"), -ENOENT);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 111, "nack pli"), 0);   /* via "*" */
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 5, "NACK PLI"), 0);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 111, "nack"), -ENOENT);
    ck_assert_int_eq(sotto_sdp_has_rtcp_fb(&s->media[0], 111, "goog-rem"), -ENOENT);
    free(s);
}
END_TEST

START_TEST(write_emits_rtcp_rsize_and_maxptime)
{
    const char *text = HEADER AUDIO_M "a=rtpmap:111 opus/48000/2\r\n";
    sotto_sdp *s = new_sdp();
    static char out[SOTTO_SDP_MAX_TEXT];
    size_t len = 0;

    ck_assert_int_eq(parse_text(text, s, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_write(s, out, sizeof(out), &len), 0);
    ck_assert_ptr_null(strstr(out, "a=rtcp-rsize"));
    ck_assert_ptr_null(strstr(out, "a=maxptime"));
    s->media[0].rtcp_rsize = 1;
    s->media[0].ptime_ms = 60;
    s->media[0].maxptime_ms = 120;
    ck_assert_int_eq(sotto_sdp_write(s, out, sizeof(out), &len), 0);
    ck_assert_ptr_nonnull(strstr(out, "a=rtcp-rsize\r\n"));
    ck_assert_ptr_nonnull(strstr(out, "a=ptime:60\r\na=maxptime:120\r\n"));
    assert_round_trip(s);
    free(s);
}
END_TEST

/* The offer skeleton: what we offer is what a parser reads back, and a
 * negotiation against it picks our first format. */
/* A codec with a bitstream version (Sotto's fmtp v=2) matches only a
 * format announcing that version: another or a missing one falls through
 * to the next codec in our order. */
START_TEST(negotiate_requires_the_fmtp_version)
{
    static const sotto_sdp_codec_pref prefs[] = {{"SOTTO", 16000, 1, "v", "2"},
                                                 {"opus", 48000, 2, NULL, NULL}};
    static const sotto_sdp_codec_pref any_version[] = {{"SOTTO", 16000, 1, NULL, NULL}};
    const char *old_peer = HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 100 101 111\r\n"
                                  "a=rtpmap:100 SOTTO/16000\r\n"
                                  "a=fmtp:100 mode=3200;redundancy=1\r\n"
                                  "a=rtpmap:101 SOTTO/16000\r\n"
                                  "a=fmtp:101 mode=3200;redundancy=1;v=1\r\n"
                                  "a=rtpmap:111 opus/48000/2\r\n";
    const char *both = HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 101 102 111\r\n"
                              "a=rtpmap:101 SOTTO/16000\r\n"
                              "a=fmtp:101 v=1;mode=3200\r\n"
                              "a=rtpmap:102 SOTTO/16000\r\n"
                              "a=fmtp:102 mode=2000; V=2;redundancy=1\r\n"
                              "a=rtpmap:111 opus/48000/2\r\n";
    const char *only_v1 = HEADER "m=audio 9 UDP/TLS/RTP/SAVPF 100\r\n"
                                 "a=rtpmap:100 SOTTO/16000\r\n"
                                 "a=fmtp:100 v=22\r\n";
    sotto_sdp *s = new_sdp();
    sotto_sdp_codec_choice c;
    char err[256] = "";

    ck_assert_int_eq(parse_text(old_peer, s, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, prefs, 2, &c, NULL, 0), 0);
    ck_assert_str_eq(c.name, "opus");
    ck_assert_uint_eq(c.pt, 111);
    ck_assert_uint_eq(c.pref_index, 1);

    ck_assert_int_eq(parse_text(both, s, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, prefs, 2, &c, NULL, 0), 0);
    ck_assert_str_eq(c.name, "SOTTO");
    ck_assert_uint_eq(c.pt, 102);
    ck_assert_str_eq(c.fmtp, "mode=2000; V=2;redundancy=1");

    ck_assert_int_eq(parse_text(only_v1, s, NULL, 0), 0);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, prefs, 2, &c, err, sizeof(err)), -ENOENT);
    ck_assert_msg(strstr(err, "SOTTO/16000 (not v=2)"), "%s", err);
    /* A preference without a required parameter takes any version. */
    ck_assert_int_eq(sotto_sdp_negotiate_audio(s, any_version, 1, &c, NULL, 0), 0);
    ck_assert_uint_eq(c.pt, 100);
    free(s);
}
END_TEST

START_TEST(offer_builds_a_webrtc_audio_section)
{
    static sotto_sdp offer, parsed, answer;
    static char text[SOTTO_SDP_MAX_TEXT];
    const sotto_sdp_format formats[] = {
        {100, "SOTTO", 16000, 0, "mode=3200;redundancy=1;v=2"},
        {111, "opus", 48000, 2, "minptime=10;useinbandfec=1"},
        {0, "PCMU", 8000, 0, NULL},
        {63, "red", 48000, 2, "111/111"},
    };
    sotto_sdp_fingerprint fp;
    sotto_sdp_offer_params op;
    sotto_sdp_codec_pref pref = {"SOTTO", 16000, 1, "v", "2"};
    sotto_sdp_codec_choice choice;
    char err[160];
    size_t len;
    int red_pt;

    memset(&fp, 0, sizeof(fp));
    fp.hash = SOTTO_SDP_HASH_SHA256;
    fp.len = 32;
    memset(fp.bytes, 0xab, 32);
    memset(&op, 0, sizeof(op));
    op.formats = formats;
    op.format_count = 4;
    op.ice_ufrag = "abcd";
    op.ice_pwd = "0123456789abcdefghijkl";
    op.fingerprint = &fp;
    op.candidates_complete = 1;
    op.session_id = 42;
    op.session_version = 2;
    op.ptime_ms = 20;
    op.maxptime_ms = 120;
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), 0);
    ck_assert_int_eq(sotto_sdp_write(&offer, text, sizeof(text), &len), 0);
    ck_assert_int_eq(sotto_sdp_parse(text, len, &parsed, err, sizeof(err)), 0);
    ck_assert_msg(sotto__sdp_equal(&offer, &parsed, err, sizeof(err)), "differs at %s", err);
    const sotto_sdp_media *m = &parsed.media[0];
    ck_assert_uint_eq(parsed.media_count, 1);
    ck_assert_uint_eq(m->pt_count, 4);
    ck_assert_uint_eq(m->pts[0], 100);
    ck_assert_str_eq(sotto_sdp_media_fmtp(m, 100), "mode=3200;redundancy=1;v=2");
    ck_assert_int_eq(m->ice_dtls.setup, SOTTO_SDP_SETUP_ACTPASS);
    ck_assert(m->rtcp_mux && m->rtcp_rsize && m->end_of_candidates);
    ck_assert_uint_eq(m->maxptime_ms, 120);
    ck_assert_int_eq(sotto_sdp_find_red(m, 111, &red_pt), 0);
    ck_assert_int_eq(red_pt, 63);
    ck_assert_int_eq(sotto_sdp_negotiate_audio(&parsed, &pref, 1, &choice, err, sizeof(err)), 0);
    ck_assert_uint_eq(choice.pt, 100);
    /* The answer skeleton comes from the same module. */
    sotto_sdp_answer_params ap;
    memset(&ap, 0, sizeof(ap));
    ap.choice = &choice;
    ap.ice_ufrag = "wxyz";
    ap.ice_pwd = "0123456789abcdefghijkl";
    ap.fingerprint = &fp;
    ck_assert_int_eq(sotto_sdp_build_answer(&parsed, &ap, &answer, err, sizeof(err)), 0);
    ck_assert_int_eq(answer.media[0].ice_dtls.setup, SOTTO_SDP_SETUP_ACTIVE);
}
END_TEST

START_TEST(offer_rejects_bad_params)
{
    static sotto_sdp offer;
    const sotto_sdp_format bad[] = {{100, NULL, 16000, 0, NULL}};
    const sotto_sdp_format good[] = {{0, "PCMU", 8000, 0, NULL}};
    sotto_sdp_fingerprint fp;
    sotto_sdp_offer_params op;
    char err[160];

    memset(&fp, 0, sizeof(fp));
    memset(&op, 0, sizeof(op));
    ck_assert_int_eq(sotto_sdp_build_offer(NULL, &offer, err, sizeof(err)), -EINVAL);
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), -EINVAL);
    op.formats = good;
    op.format_count = 1;
    op.ice_ufrag = "abcd";
    op.ice_pwd = "0123456789abcdefghijkl";
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), -EINVAL);
    op.fingerprint = &fp;
    op.candidate_count = 1;
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), -EINVAL);
    op.candidate_count = 0;
    op.format_count = SOTTO_SDP_MAX_PT + 1;
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), -EINVAL);
    op.formats = bad;
    op.format_count = 1;
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "format 0"));
    op.formats = good;
    ck_assert_int_eq(sotto_sdp_build_offer(&op, &offer, err, sizeof(err)), 0);
}
END_TEST

static Suite *sdp_suite(void)
{
    Suite *s = suite_create("sdp");
    TCase *parse = tcase_create("parse");
    TCase *write = tcase_create("write");
    TCase *negotiate = tcase_create("negotiate");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(parse, parse_reads_chromium_offer);
    tcase_add_test(parse, parse_reads_aiortc_offer);
    tcase_add_test(parse, parse_reads_firefox_session_level_fingerprint);
    tcase_add_test(parse, parse_media_level_overrides_session_level);
    tcase_add_test(parse, parse_accepts_lf_line_ends);
    tcase_add_test(parse, parse_ignores_unknown_and_misplaced_attributes);
    tcase_add_test(parse, candidate_parses_and_writes_back_exactly);
    tcase_add_test(parse, candidate_sorts_unusable_from_malformed);
    tcase_add_test(parse, fmtp_get_handles_spaces_case_and_limits);
    tcase_add_test(write, write_round_trips_every_sample);
    tcase_add_test(write, write_reports_size_and_refuses_small_buffer);
    tcase_add_test(write, write_rejects_models_the_parser_would_not_read_back);
    tcase_add_test(write, equal_detects_each_kind_of_difference);
    tcase_add_test(negotiate, offer_builds_a_webrtc_audio_section);
    tcase_add_test(negotiate, offer_rejects_bad_params);
    tcase_add_test(negotiate, negotiate_picks_first_of_our_codecs_the_offer_has);
    tcase_add_test(negotiate, negotiate_uses_static_payload_types_without_rtpmap);
    tcase_add_test(negotiate, negotiate_fails_with_enoent_when_nothing_is_shared);
    tcase_add_test(negotiate, negotiate_requires_the_fmtp_version);
    tcase_add_test(negotiate, answer_to_chromium_offer_is_jsep_shaped);
    tcase_add_test(negotiate, answer_rejects_other_sections_and_mirrors_setup);
    tcase_add_test(negotiate, answer_refuses_offers_it_cannot_meet);
    tcase_add_test(negotiate, answer_rejects_bad_local_parameters);
    tcase_add_test(negotiate, find_red_in_chromium_offer);
    tcase_add_test(negotiate, find_cn_in_chromium_offer);
    tcase_add_test(negotiate, find_cn_matches_clock_and_rejects_what_does_not_fit);
    tcase_add_test(negotiate, find_cn_rejects_bad_arguments);
    tcase_add_test(negotiate, media_add_format_appends_and_stops_when_full);
    tcase_add_test(negotiate, find_red_matches_16k_mono_primary_and_triple_fmtp);
    tcase_add_test(negotiate, find_red_rejects_formats_that_do_not_fit);
    tcase_add_test(negotiate, find_red_and_feedback_reject_bad_arguments);
    tcase_add_test(negotiate, has_rtcp_fb_matches_pt_wildcard_and_whole_value);
    tcase_add_test(write, write_emits_rtcp_rsize_and_maxptime);
    tcase_add_test(bad, every_truncation_parses_or_fails_cleanly);
    tcase_add_test(bad, parse_rejects_nul_byte);
    tcase_add_test(bad, parse_rejects_over_long_line_and_text);
    tcase_add_test(bad, parse_rejects_bad_input_naming_the_line);
    tcase_add_test(bad, parse_rejects_garbage_bytes);
    tcase_add_test(bad, parse_keeps_32_of_100_candidates_and_counts_the_rest);
    tcase_add_test(bad, parse_counts_dropped_lists_and_unusable_candidates);
    /* The truncation walk parses about 1500 texts: give a loaded machine time. */
    tcase_set_timeout(bad, 60);
    suite_add_tcase(s, parse);
    suite_add_tcase(s, write);
    suite_add_tcase(s, negotiate);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sdp_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
