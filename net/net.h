/* Sotto RTP/RTCP wire formats (RFC 3550, RFC 8285, RFC 5506).
 *
 * Pure functions over caller buffers: nothing here allocates, sends or
 * keeps global state. Parsed structures point into the buffer that was
 * parsed (not owned): they stay valid only while that buffer does. Every
 * parser checks each length against the bytes it was given and, on error,
 * leaves its output untouched. */
#ifndef SOTTO_NET_NET_H
#define SOTTO_NET_NET_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_RTP_HEADER_MIN 12      /* bytes of fixed RTP header */
#define SOTTO_RTP_MAX_CSRC 15
#define SOTTO_RTP_MAX_EXT 16         /* extension elements kept per packet; more is rejected */
#define SOTTO_RTP_EXT_ONE_BYTE 0xBEDE   /* RFC 8285 one-byte header profile */
#define SOTTO_RTP_EXT_TWO_BYTE 0x1000   /* RFC 8285 two-byte header profile (low 4 bits: appbits) */

/* One RFC 8285 header extension element. */
typedef struct sotto_rtp_ext {
    uint8_t id;            /* local identifier: 1..14 (one-byte) or 1..255 (two-byte) */
    uint8_t len;           /* data bytes: 1..16 (one-byte) or 0..255 (two-byte) */
    const uint8_t *data;   /* points into the packet (parse) or the caller's bytes (pack) */
} sotto_rtp_ext;

typedef struct sotto_rtp_packet {
    int marker;                       /* M bit: 0 or 1 */
    uint8_t payload_type;             /* 0..127 */
    uint16_t seq;                     /* sequence number */
    uint32_t timestamp;               /* media clock units */
    uint32_t ssrc;                    /* synchronisation source */
    uint8_t csrc_count;               /* 0..15 */
    uint32_t csrc[SOTTO_RTP_MAX_CSRC];
    int has_extension;                /* X bit: 0 or 1 */
    uint16_t ext_profile;             /* "defined by profile" word; see SOTTO_RTP_EXT_* */
    const uint8_t *ext_body;          /* raw extension body (multiple of 4 bytes); NULL if none */
    size_t ext_body_len;              /* bytes */
    size_t ext_count;                 /* elements in ext; 0 for other profiles */
    sotto_rtp_ext ext[SOTTO_RTP_MAX_EXT];
    const uint8_t *payload;           /* not owned */
    size_t payload_len;               /* bytes */
    uint8_t padding_len;              /* bytes of padding incl. the count byte; 0 = none */
} sotto_rtp_packet;

/* Parses one RTP packet of len bytes. On success returns 0 and fills
 * *out_pkt, whose pointers refer into buf. Returns -EINVAL for NULL
 * arguments or a malformed packet: version other than 2, a length field
 * that points past the end, padding count 0 or larger than the packet,
 * extension elements that overrun their block, or more than
 * SOTTO_RTP_MAX_EXT elements. It cannot tell RTP from RTCP: demultiplex
 * first (RFC 5761: a second byte of 192..223 is RTCP). */
int sotto_rtp_parse(const uint8_t *buf, size_t len, sotto_rtp_packet *out_pkt);

/* Bytes sotto_rtp_pack needs for pkt, or 0 when pkt is invalid. */
size_t sotto_rtp_packed_size(const sotto_rtp_packet *pkt);

/* Writes pkt into buf (cap bytes, caller-owned). With ext_count > 0 the
 * elements are written in the form ext_profile names (one-byte or
 * two-byte, zero-padded to 32 bits); otherwise ext_body is copied as is
 * when has_extension is set. Padding bytes are zero with the count last.
 * pkt->payload may already lie in buf at its final offset; no other
 * overlap is allowed. Returns 0 and sets *out_len, -EINVAL for invalid
 * fields (nothing written), -ENOSPC when cap is too small (nothing
 * written). */
int sotto_rtp_pack(const sotto_rtp_packet *pkt, uint8_t *buf, size_t cap, size_t *out_len);

/* Sequence number tracking, RFC 3550 appendix A.1. A plain value the
 * caller keeps per source; fields are read-only outside net/. */
typedef struct sotto_rtp_seq {
    uint16_t max_seq;          /* highest sequence number seen */
    uint32_t cycles;           /* wrap count shifted left by 16 */
    uint32_t base_seq;         /* first sequence number counted */
    uint32_t bad_seq;          /* next expected after a large jump; 65537 = none */
    uint32_t probation;        /* sequential packets still needed before the source counts */
    uint32_t received;         /* packets accepted */
    uint32_t expected_prior;   /* expected count at the last report */
    uint32_t received_prior;   /* received count at the last report */
    uint32_t min_sequential;   /* in-order packets needed to validate a source; RFC default 2 */
} sotto_rtp_seq;

/* Starts tracking a source whose first packet carries seq; then feed that
 * packet to sotto_rtp_seq_update too. min_sequential (1..100) packets in
 * sequence validate the source (RFC 3550 uses 2); 1 counts the first
 * packet at once. Returns 0 or -EINVAL. */
int sotto_rtp_seq_init(sotto_rtp_seq *s, uint16_t seq, unsigned min_sequential);

/* Feeds one received sequence number. Returns 0 when the packet counts and
 * sets *out_ext_seq to its extended (wrap-corrected, 32-bit and more)
 * number, which is also right for packets reordered across a wrap;
 * -EAGAIN while the source is on probation; -ERANGE for a jump beyond
 * 3000 ahead or 100 behind (the packet is dropped; if the next packet
 * follows it, tracking restarts there); -EINVAL for NULL. */
int sotto_rtp_seq_update(sotto_rtp_seq *s, uint16_t seq, int64_t *out_ext_seq);

/* Loss figures for a report block (RFC 3550 A.3) since the previous call.
 * Returns 0 and writes the outputs, or -EINVAL. */
int sotto_rtp_seq_report(sotto_rtp_seq *s, uint8_t *out_fraction_lost,
                         int32_t *out_cumulative_lost, uint32_t *out_ext_max_seq);

/* Interarrival jitter, RFC 3550 appendix A.8 (integer form). */
typedef struct sotto_rtp_jitter {
    uint32_t jitter_q4;       /* jitter in timestamp units, scaled by 16; starts 0 */
    uint32_t last_transit;    /* arrival - timestamp of the previous packet */
    int has_transit;          /* 0 until the first packet */
} sotto_rtp_jitter;

/* Clears the estimator. Returns 0 or -EINVAL. */
int sotto_rtp_jitter_init(sotto_rtp_jitter *j);

/* Adds a packet with RTP timestamp rtp_ts that arrived at arrival (the
 * local clock in the same units, any origin; both may wrap). Returns 0 or
 * -EINVAL. */
int sotto_rtp_jitter_update(sotto_rtp_jitter *j, uint32_t rtp_ts, uint32_t arrival);

/* Jitter in timestamp units as sent in report blocks; 0 for NULL. */
uint32_t sotto_rtp_jitter_value(const sotto_rtp_jitter *j);

/* NTP 64-bit timestamps (32.32 fixed point seconds since 1900). Times
 * from February 2036 on wrap into NTP era 1 as RFC 4330 section 3 says. */
uint64_t sotto_ntp_from_unix_ns(uint64_t unix_ns);
uint64_t sotto_ntp_to_unix_ns(uint64_t ntp);
/* The middle 32 bits (16.16 seconds) used by LSR, DLSR and RTT. */
uint32_t sotto_ntp_short(uint64_t ntp);

/* Round-trip time per RFC 3550 section 6.4.1 from a report block's LSR and
 * DLSR and the block's arrival time, all NTP short format. Returns 0 and
 * sets *out_rtt (1/65536 s), -ENODATA when lsr is 0 (no SR seen yet),
 * -ERANGE when the result would be negative (clock error), -EINVAL. */
int sotto_rtcp_rtt(uint32_t arrival, uint32_t lsr, uint32_t dlsr, uint32_t *out_rtt);

#define SOTTO_RTCP_SR 200
#define SOTTO_RTCP_RR 201
#define SOTTO_RTCP_SDES 202
#define SOTTO_RTCP_BYE 203
#define SOTTO_RTCP_APP 204
#define SOTTO_RTCP_RTPFB 205         /* transport layer feedback (RFC 4585) */
#define SOTTO_RTCP_PSFB 206          /* payload-specific feedback (RFC 4585) */
#define SOTTO_RTCP_XR 207            /* extended reports (RFC 3611) */
#define SOTTO_RTCP_FMT_REMB 15       /* PSFB FMT of application layer feedback: REMB */
#define SOTTO_RTCP_FMT_TCC 15        /* RTPFB FMT of transport-wide congestion control */
#define SOTTO_RTCP_MAX_COUNT 31    /* items one RTCP packet can count */
#define SOTTO_RTCP_MAX_OTHER 8     /* packets of other types kept per compound */
#define SOTTO_RTCP_REMB_MAX_SSRC 8 /* SSRCs kept from one REMB */

typedef struct sotto_rtcp_report_block {
    uint32_t ssrc;            /* source this block reports on */
    uint8_t fraction_lost;    /* lost/expected since last report, 8-bit fixed point */
    int32_t cumulative_lost;  /* 24-bit signed on the wire */
    uint32_t ext_highest_seq; /* extended highest sequence number received */
    uint32_t jitter;          /* timestamp units */
    uint32_t lsr;             /* NTP short of the last SR received; 0 = none */
    uint32_t dlsr;            /* 1/65536 s since that SR */
} sotto_rtcp_report_block;

typedef struct sotto_rtcp_sender_info {
    uint32_t ssrc;            /* sender */
    uint64_t ntp;             /* NTP 32.32 wallclock */
    uint32_t rtp_ts;          /* RTP timestamp at the same instant */
    uint32_t packet_count;    /* packets sent */
    uint32_t octet_count;     /* payload bytes sent */
} sotto_rtcp_sender_info;

typedef struct sotto_rtcp_cname {
    uint32_t ssrc;            /* source the CNAME names */
    const char *text;         /* not NUL-terminated; points into the packet */
    uint8_t len;              /* bytes */
} sotto_rtcp_cname;

typedef struct sotto_rtcp_other {
    uint8_t type;             /* packet type (204 APP, 205 RTPFB, 206 PSFB, ...) */
    uint8_t count;            /* the 5-bit count/format field */
    const uint8_t *body;      /* after the 4-byte header, padding removed */
    size_t len;               /* bytes */
} sotto_rtcp_other;

/* Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb): PSFB
 * FMT 15 whose FCI starts with "REMB". */
typedef struct sotto_rtcp_remb {
    uint32_t sender_ssrc;     /* the estimating receiver */
    uint64_t bitrate_bps;     /* mantissa << exponent on the wire; build rounds down to that */
    size_t ssrc_count;        /* SSRCs the estimate applies to: 0..255 on the wire */
    uint32_t ssrcs[SOTTO_RTCP_REMB_MAX_SSRC]; /* the first SOTTO_RTCP_REMB_MAX_SSRC of them */
} sotto_rtcp_remb;

/* The fixed fields of transport-wide congestion control feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01, RTPFB FMT 15).
 * The packet status chunks and receive deltas after them are not read. */
typedef struct sotto_rtcp_tcc {
    uint32_t sender_ssrc;     /* the receiver sending the feedback */
    uint32_t media_ssrc;      /* the media source it describes */
    uint16_t base_seq;        /* transport-wide sequence number of the first packet described */
    uint16_t status_count;    /* packets described: 1..65535 */
    int32_t reference_time;   /* 24-bit signed, multiples of 64 ms */
    uint8_t feedback_count;   /* feedback packet counter, wraps at 256 */
} sotto_rtcp_tcc;

typedef struct sotto_rtcp_info {
    size_t packet_count;      /* RTCP packets in the datagram */
    int reduced_size;         /* 1 when not a full RFC 3550 compound (RFC 5506) */
    int has_sr;               /* first SR found: sr holds it */
    sotto_rtcp_sender_info sr;  /* valid when has_sr */
    int has_rr;               /* an RR packet was present */
    uint32_t rr_ssrc;         /* sender of the first RR */
    size_t report_count;      /* blocks in reports (from every SR and RR) */
    size_t reports_dropped;   /* blocks beyond the array */
    sotto_rtcp_report_block reports[SOTTO_RTCP_MAX_COUNT];
    size_t cname_count;       /* entries in cnames */
    sotto_rtcp_cname cnames[SOTTO_RTCP_MAX_COUNT];
    int has_bye;              /* a BYE packet was present */
    size_t bye_count;         /* SSRCs leaving */
    uint32_t bye_ssrc[SOTTO_RTCP_MAX_COUNT];
    const char *bye_reason;   /* not NUL-terminated; NULL if none */
    uint8_t bye_reason_len;   /* bytes */
    size_t other_count;       /* packets of types other than SR, RR, SDES and BYE (feedback
                                 included, decoded or not); other[] keeps the first
                                 SOTTO_RTCP_MAX_OTHER */
    sotto_rtcp_other other[SOTTO_RTCP_MAX_OTHER];
    int has_remb;             /* a REMB was present: remb holds the first */
    sotto_rtcp_remb remb;     /* valid when has_remb */
    size_t tcc_count;         /* transport-cc feedback packets in the datagram */
    sotto_rtcp_tcc tcc;       /* the first of them; valid when tcc_count > 0 */
} sotto_rtcp_info;

/* Walks one RTCP datagram of len bytes. Every packet must be version 2,
 * have a packet type in the RTCP range 192..223 (RFC 5761), lie wholly
 * within the datagram, and only the last may be padded. A compound packet
 * starts with SR or RR; a datagram that starts with another RTCP type that
 * may stand alone (SDES, BYE, APP, RTPFB, PSFB, XR: 202..207) is accepted
 * as reduced-size (RFC 5506); any other first type is rejected. REMB and
 * transport-cc feedback are decoded into remb and tcc (a REMB whose
 * length does not match its SSRC count or whose bitrate overflows 64 bits,
 * or transport-cc shorter than its fixed fields plus one status chunk or
 * with a status count of 0, makes the datagram malformed); every packet of
 * a type other than SR, RR, SDES and BYE is listed in other. Returns 0 and
 * fills *out_info (pointers into buf), or -EINVAL for NULL or a malformed
 * datagram; *out_info is written only on success. */
int sotto_rtcp_parse(const uint8_t *buf, size_t len, sotto_rtcp_info *out_info);

typedef struct sotto_rtcp_build_params {
    int is_sender;                               /* 1 = SR (sr used), 0 = RR */
    sotto_rtcp_sender_info sr;                   /* SR: sender fields incl. ssrc */
    uint32_t ssrc;                               /* RR: reporter SSRC (SR uses sr.ssrc) */
    const sotto_rtcp_report_block *reports;      /* not owned; may be NULL when 0 */
    size_t report_count;                         /* 0..31 */
    const char *cname;                           /* 1..255 bytes, NUL-terminated; required
                                                    unless reduced_size (then unused) */
    int bye;                                     /* 1 = append a BYE for the same SSRC */
    const char *bye_reason;                      /* optional, 0..255 bytes; NULL = none */
    int reduced_size;                            /* 1 = no SDES (RFC 5506); default 0 */
} sotto_rtcp_build_params;

/* Builds a compound SR+SDES(CNAME) or RR+SDES(CNAME) packet, optionally
 * followed by a BYE, into buf (cap bytes, caller-owned). With reduced_size
 * the SDES is left out: SR or RR alone, or followed by the BYE. RFC 5506
 * allows that only once a=rtcp-rsize was negotiated, and the caller still
 * sends a full compound first and from time to time so that the CNAME
 * reaches the peer. Returns 0 and sets *out_len, -EINVAL for invalid
 * params, -ENOSPC when cap is too small; nothing is written on error. */
int sotto_rtcp_build(const sotto_rtcp_build_params *p, uint8_t *buf, size_t cap, size_t *out_len);

/* Bytes sotto_rtcp_build_remb writes for ssrc_count SSRCs. */
#define SOTTO_RTCP_REMB_SIZE(ssrc_count) (20u + 4u * (size_t)(ssrc_count))

/* Builds one REMB packet (PSFB FMT 15, media SSRC 0, "REMB", the bitrate
 * as 6-bit exponent and 18-bit mantissa rounded down, then the SSRCs) into
 * buf (cap bytes, caller-owned); remb is not retained. It is a lone
 * feedback packet: send it reduced-size or append it to a compound.
 * Returns 0 and sets *out_len, -EINVAL for NULL or more than
 * SOTTO_RTCP_REMB_MAX_SSRC SSRCs, -ENOSPC when cap is too small; nothing
 * is written on error. */
int sotto_rtcp_build_remb(const sotto_rtcp_remb *remb, uint8_t *buf, size_t cap, size_t *out_len);

#endif
