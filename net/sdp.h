/* SDP offer/answer for WebRTC audio calls: a bounded parser, a JSEP-style
 * writer, codec negotiation and an answer builder (RFC 8866 SDP, RFC 8829
 * JSEP, RFC 8839 ICE, RFC 8842 DTLS, RFC 8843 BUNDLE).
 *
 * sotto_sdp is a plain value owned by the caller. Every string in it is a
 * NUL-terminated copy in a fixed buffer, so it never points outside itself.
 * It is large (see sizeof; a few hundred KiB): keep it on the heap or inside
 * a long-lived object, not on a small stack. A zero-filled sotto_sdp is an
 * empty description; fill it field by field to build one by hand.
 *
 * Limits, applied the same way everywhere:
 * - text over SOTTO_SDP_MAX_TEXT bytes or a line over SOTTO_SDP_MAX_LINE
 *   bytes is an error (-EMSGSIZE);
 * - more than SOTTO_SDP_MAX_MEDIA m-lines is an error (-ENOTSUP), because an
 *   answer has to mirror every m-line of the offer;
 * - every other list (payload types, rtpmap, fmtp, rtcp-fb, extmap, ssrc,
 *   candidates, BUNDLE mids, repeated fingerprint or msid lines, candidate
 *   extensions) keeps its first entries up to its maximum and counts the rest
 *   in a `dropped` field; this is never an error. Candidates that are
 *   well-formed but unusable (unknown transport or type, a host name that is
 *   not an mDNS .local name) are counted there too;
 * - a value longer than its buffer is an error (-EINVAL);
 * - a number outside its range is an error (-EINVAL). */
#ifndef SOTTO_NET_SDP_H
#define SOTTO_NET_SDP_H

#include <stddef.h>
#include <stdint.h>

#define SOTTO_SDP_MAX_TEXT 65536       /* bytes of SDP text accepted or written */
#define SOTTO_SDP_MAX_LINE 4096        /* bytes per line, without CRLF */
#define SOTTO_SDP_MAX_MEDIA 4          /* m-sections; more is an error */
#define SOTTO_SDP_MAX_PT 32            /* payload types kept per m-line */
#define SOTTO_SDP_MAX_RTPMAP 32        /* a=rtpmap kept per section */
#define SOTTO_SDP_MAX_FMTP 32          /* a=fmtp kept per section */
#define SOTTO_SDP_MAX_RTCP_FB 64       /* a=rtcp-fb kept per section */
#define SOTTO_SDP_MAX_EXTMAP 16        /* a=extmap kept per section */
#define SOTTO_SDP_MAX_SSRC 8           /* distinct a=ssrc sources kept per section */
#define SOTTO_SDP_MAX_CANDIDATES 32    /* a=candidate kept per section */
#define SOTTO_SDP_MAX_CAND_EXT 4       /* unknown name/value pairs kept per candidate */
#define SOTTO_SDP_MAX_BUNDLE SOTTO_SDP_MAX_MEDIA /* mids kept in a=group:BUNDLE */
#define SOTTO_SDP_MAX_FINGERPRINT 64   /* digest bytes (sha-512) */

/* Buffer sizes, NUL included: the longest value kept is one byte less. */
#define SOTTO_SDP_TOKEN_LEN 64         /* user name, encoding name, media, proto, semantic */
#define SOTTO_SDP_MID_LEN 33           /* a=mid and BUNDLE mids */
#define SOTTO_SDP_ICE_LEN 257          /* ice-ufrag (4..256), ice-pwd (22..256) */
#define SOTTO_SDP_ADDR_LEN 128         /* IPv4, IPv6 or host name */
#define SOTTO_SDP_FOUNDATION_LEN 33    /* candidate foundation (1..32 ice-chars) */
#define SOTTO_SDP_TEXT_LEN 256         /* session name, msid-semantic ids, formats, URIs */
#define SOTTO_SDP_FMTP_LEN 512         /* a=fmtp parameters */
#define SOTTO_SDP_MSID_LEN 65          /* one msid id (1..64 token chars) */
#define SOTTO_SDP_CNAME_LEN 256        /* a=ssrc cname and msid values */
#define SOTTO_SDP_EXT_NAME_LEN 32      /* candidate extension name */
#define SOTTO_SDP_EXT_VALUE_LEN 64     /* candidate extension value */

/* a=ice-options flags; options not listed here are ignored. */
#define SOTTO_SDP_ICE_OPT_TRICKLE 0x1u
#define SOTTO_SDP_ICE_OPT_ICE2 0x2u
#define SOTTO_SDP_ICE_OPT_RENOMINATION 0x4u

typedef enum sotto_sdp_addr_type {
    SOTTO_SDP_ADDR_NONE = 0,     /* no c= line (or no address on a=rtcp) */
    SOTTO_SDP_ADDR_IP4,
    SOTTO_SDP_ADDR_IP6,
} sotto_sdp_addr_type;

typedef enum sotto_sdp_direction {
    SOTTO_SDP_DIR_NONE = 0,      /* not given: inherits, finally sendrecv */
    SOTTO_SDP_DIR_SENDRECV,
    SOTTO_SDP_DIR_SENDONLY,
    SOTTO_SDP_DIR_RECVONLY,
    SOTTO_SDP_DIR_INACTIVE,
} sotto_sdp_direction;

typedef enum sotto_sdp_setup {
    SOTTO_SDP_SETUP_NONE = 0,    /* no a=setup */
    SOTTO_SDP_SETUP_ACTPASS,
    SOTTO_SDP_SETUP_ACTIVE,
    SOTTO_SDP_SETUP_PASSIVE,
    SOTTO_SDP_SETUP_HOLDCONN,
} sotto_sdp_setup;

typedef enum sotto_sdp_hash {
    SOTTO_SDP_HASH_NONE = 0,     /* no fingerprint */
    SOTTO_SDP_HASH_SHA1,         /* 20 bytes */
    SOTTO_SDP_HASH_SHA224,       /* 28 bytes */
    SOTTO_SDP_HASH_SHA256,       /* 32 bytes; what Sotto writes */
    SOTTO_SDP_HASH_SHA384,       /* 48 bytes */
    SOTTO_SDP_HASH_SHA512,       /* 64 bytes */
} sotto_sdp_hash;

typedef enum sotto_sdp_media_type {
    SOTTO_SDP_MEDIA_OTHER = 0,   /* any other token: see name */
    SOTTO_SDP_MEDIA_AUDIO,
    SOTTO_SDP_MEDIA_VIDEO,
    SOTTO_SDP_MEDIA_APPLICATION,
} sotto_sdp_media_type;

typedef enum sotto_sdp_proto {
    SOTTO_SDP_PROTO_OTHER = 0,   /* unknown: formats kept as text in fmt */
    SOTTO_SDP_PROTO_DTLS_SRTP,   /* UDP/TLS/RTP/SAVP(F), TCP/DTLS/RTP/SAVP(F): WebRTC media */
    SOTTO_SDP_PROTO_RTP,         /* RTP/AVP(F), RTP/SAVP(F): plain or SDES RTP */
    SOTTO_SDP_PROTO_SCTP,        /* UDP/DTLS/SCTP, TCP/DTLS/SCTP, DTLS/SCTP: data channels */
} sotto_sdp_proto;

typedef enum sotto_sdp_cand_transport {
    SOTTO_SDP_CAND_UDP = 1,
    SOTTO_SDP_CAND_TCP,
} sotto_sdp_cand_transport;

typedef enum sotto_sdp_cand_type {
    SOTTO_SDP_CAND_HOST = 1,
    SOTTO_SDP_CAND_SRFLX,
    SOTTO_SDP_CAND_PRFLX,
    SOTTO_SDP_CAND_RELAY,
} sotto_sdp_cand_type;

typedef enum sotto_sdp_tcptype {
    SOTTO_SDP_TCPTYPE_NONE = 0,
    SOTTO_SDP_TCPTYPE_ACTIVE,
    SOTTO_SDP_TCPTYPE_PASSIVE,
    SOTTO_SDP_TCPTYPE_SO,
} sotto_sdp_tcptype;

typedef enum sotto_sdp_cand_addr {
    SOTTO_SDP_CAND_ADDR_IP4 = 1,
    SOTTO_SDP_CAND_ADDR_IP6,
    SOTTO_SDP_CAND_ADDR_MDNS,    /* an mDNS name ending in .local (RFC 8828 host hiding) */
} sotto_sdp_cand_addr;

typedef struct sotto_sdp_connection {
    sotto_sdp_addr_type addr_type;       /* NONE = absent; nettype is always IN */
    char address[SOTTO_SDP_ADDR_LEN];    /* as written, e.g. "0.0.0.0" */
} sotto_sdp_connection;

typedef struct sotto_sdp_fingerprint {
    sotto_sdp_hash hash;                          /* NONE = absent */
    uint8_t len;                                  /* digest bytes, fixed by hash */
    uint8_t bytes[SOTTO_SDP_MAX_FINGERPRINT];     /* certificate digest */
} sotto_sdp_fingerprint;

/* ICE and DTLS parameters; at media level they override the session's. */
typedef struct sotto_sdp_ice_dtls {
    char ice_ufrag[SOTTO_SDP_ICE_LEN];  /* "" = absent */
    char ice_pwd[SOTTO_SDP_ICE_LEN];    /* "" = absent */
    unsigned ice_options;               /* SOTTO_SDP_ICE_OPT_* bits; 0 = none */
    sotto_sdp_fingerprint fingerprint;  /* the first a=fingerprint; later ones are dropped */
    sotto_sdp_setup setup;              /* NONE = absent */
} sotto_sdp_ice_dtls;

typedef struct sotto_sdp_rtpmap {
    uint8_t pt;                          /* payload type 0..127 */
    char name[SOTTO_SDP_TOKEN_LEN];      /* encoding name as written: "opus" */
    uint32_t clock_hz;                   /* 1..192000 */
    uint8_t channels;                    /* 1..255; 0 = not given (means 1 for audio) */
} sotto_sdp_rtpmap;

typedef struct sotto_sdp_fmtp {
    uint8_t pt;                          /* payload type 0..127 */
    char params[SOTTO_SDP_FMTP_LEN];     /* as written: "minptime=10;useinbandfec=1" */
} sotto_sdp_fmtp;

typedef struct sotto_sdp_rtcp_fb {
    int16_t pt;                          /* 0..127, or -1 for "*" (every format) */
    char value[SOTTO_SDP_TOKEN_LEN];     /* "transport-cc", "nack pli" */
} sotto_sdp_rtcp_fb;

typedef struct sotto_sdp_extmap {
    uint16_t id;                         /* 1..255 (RFC 8285) */
    sotto_sdp_direction direction;       /* NONE = not given */
    char uri[SOTTO_SDP_TEXT_LEN];        /* extension URI */
    char attributes[SOTTO_SDP_TEXT_LEN]; /* extension attributes after the URI; "" = none */
} sotto_sdp_extmap;

typedef struct sotto_sdp_ssrc {
    uint32_t ssrc;                       /* RTP synchronisation source */
    char cname[SOTTO_SDP_CNAME_LEN];     /* "" = none given */
    char msid[SOTTO_SDP_CNAME_LEN];      /* "stream track" as written; "" = none */
} sotto_sdp_ssrc;

typedef struct sotto_sdp_cand_ext {
    char name[SOTTO_SDP_EXT_NAME_LEN];   /* e.g. "network-cost" */
    char value[SOTTO_SDP_EXT_VALUE_LEN]; /* e.g. "999" */
} sotto_sdp_cand_ext;

typedef struct sotto_sdp_candidate {
    char foundation[SOTTO_SDP_FOUNDATION_LEN];    /* 1..32 ice-chars */
    uint16_t component;                           /* 1..256; 1 = RTP */
    sotto_sdp_cand_transport transport;           /* UDP or TCP */
    uint32_t priority;                            /* 1..2^31-1 */
    char address[SOTTO_SDP_ADDR_LEN];             /* IPv4, IPv6 or mDNS name */
    sotto_sdp_cand_addr address_kind;             /* which of the three */
    uint16_t port;                                /* 0..65535 */
    sotto_sdp_cand_type type;                     /* host, srflx, prflx, relay */
    char related_address[SOTTO_SDP_ADDR_LEN];     /* raddr; "" = absent */
    int has_related_port;                         /* 1 when rport was given */
    uint16_t related_port;                        /* rport */
    sotto_sdp_tcptype tcptype;                    /* NONE = absent */
    int has_generation;                           /* 1 when generation was given */
    uint32_t generation;                          /* ICE generation */
    size_t ext_count;                             /* used entries of ext */
    sotto_sdp_cand_ext ext[SOTTO_SDP_MAX_CAND_EXT]; /* other pairs, in order */
    size_t ext_dropped;                           /* pairs beyond SOTTO_SDP_MAX_CAND_EXT */
} sotto_sdp_candidate;

typedef struct sotto_sdp_media {
    sotto_sdp_media_type type;              /* from name */
    char name[SOTTO_SDP_TOKEN_LEN];         /* media token: "audio" */
    uint16_t port;                          /* 0 = rejected or bundle-only */
    char proto[SOTTO_SDP_TOKEN_LEN];        /* as written: "UDP/TLS/RTP/SAVPF" */
    sotto_sdp_proto proto_kind;             /* from proto */
    size_t pt_count;                        /* RTP protos: payload types on the m-line */
    uint8_t pts[SOTTO_SDP_MAX_PT];          /* in offer order (preference) */
    char fmt[SOTTO_SDP_TEXT_LEN];           /* other protos: formats as written; "" for RTP */
    sotto_sdp_connection connection;        /* c=; NONE = absent */
    int has_rtcp;                           /* 1 when a=rtcp is present */
    uint16_t rtcp_port;                     /* a=rtcp port */
    sotto_sdp_connection rtcp_connection;   /* a=rtcp address; NONE = port only */
    char mid[SOTTO_SDP_MID_LEN];            /* "" = absent */
    sotto_sdp_direction direction;          /* NONE = inherit from session */
    int rtcp_mux;                           /* 1 = a=rtcp-mux */
    int rtcp_rsize;                         /* 1 = a=rtcp-rsize */
    int extmap_allow_mixed;                 /* 1 = a=extmap-allow-mixed at media level */
    size_t rtpmap_count;                    /* used entries of rtpmap; 0 */
    sotto_sdp_rtpmap rtpmap[SOTTO_SDP_MAX_RTPMAP]; /* in line order */
    size_t fmtp_count;                      /* used entries of fmtp; 0 */
    sotto_sdp_fmtp fmtp[SOTTO_SDP_MAX_FMTP]; /* one per payload type */
    size_t rtcp_fb_count;                   /* used entries of rtcp_fb; 0 */
    sotto_sdp_rtcp_fb rtcp_fb[SOTTO_SDP_MAX_RTCP_FB]; /* order carries no meaning */
    size_t extmap_count;                    /* used entries of extmap; 0 */
    sotto_sdp_extmap extmap[SOTTO_SDP_MAX_EXTMAP]; /* in line order, ids unique */
    uint32_t ptime_ms;                      /* a=ptime, 1..5000; 0 = absent */
    uint32_t maxptime_ms;                   /* a=maxptime, 1..5000; 0 = absent */
    size_t ssrc_count;                      /* used entries of ssrc; 0 */
    sotto_sdp_ssrc ssrc[SOTTO_SDP_MAX_SSRC]; /* by first appearance */
    char msid_stream[SOTTO_SDP_MSID_LEN];   /* a=msid stream id ("-" = none); "" = no a=msid */
    char msid_track[SOTTO_SDP_MSID_LEN];    /* a=msid track id; "" = not given */
    sotto_sdp_ice_dtls ice_dtls;            /* media-level ICE/DTLS parameters */
    size_t candidate_count;                 /* used entries of candidates; 0 */
    sotto_sdp_candidate candidates[SOTTO_SDP_MAX_CANDIDATES]; /* in line order */
    int end_of_candidates;                  /* 1 = a=end-of-candidates */
    size_t dropped;                         /* list entries not kept (see the top of this file) */
} sotto_sdp_media;

typedef struct sotto_sdp {
    char origin_user[SOTTO_SDP_TOKEN_LEN];  /* o= user name; "-" for browsers */
    uint64_t session_id;                    /* o= sess-id */
    uint64_t session_version;               /* o= sess-version */
    char session_name[SOTTO_SDP_TEXT_LEN];  /* s= text; "-" for browsers */
    sotto_sdp_connection connection;        /* session-level c=; NONE = absent */
    sotto_sdp_direction direction;          /* session-level direction; NONE = absent */
    int ice_lite;                           /* 1 = a=ice-lite */
    int extmap_allow_mixed;                 /* 1 = a=extmap-allow-mixed */
    sotto_sdp_ice_dtls ice_dtls;            /* session-level ICE/DTLS parameters */
    size_t bundle_count;                    /* mids in the first a=group:BUNDLE */
    char bundle_mids[SOTTO_SDP_MAX_BUNDLE][SOTTO_SDP_MID_LEN]; /* in group order */
    char msid_semantic[SOTTO_SDP_TOKEN_LEN];    /* "WMS"; "" = no a=msid-semantic */
    char msid_semantic_ids[SOTTO_SDP_TEXT_LEN]; /* "*" or stream ids as written; "" = none */
    int end_of_candidates;                  /* 1 = session-level a=end-of-candidates */
    size_t media_count;                     /* m-sections used; 0 */
    sotto_sdp_media media[SOTTO_SDP_MAX_MEDIA]; /* in m-line order */
    size_t dropped;                         /* session-level entries not kept */
} sotto_sdp;

/* Parses len bytes of SDP text (CRLF or LF line ends, no NUL bytes; a last
 * line without a line end is accepted). Lines must be `x=value` with x a
 * known lowercase type letter; v=0 comes first and o=, s=, t= come before
 * the first m=. Unknown attributes and attributes at a level where they
 * mean nothing are ignored. Nothing is retained: *out_sdp is a copy.
 * Returns 0 and fills *out_sdp (written only on success), -EINVAL for
 * malformed text, -EMSGSIZE for text or a line over its limit, -ENOTSUP for
 * well-formed but unsupported text (over SOTTO_SDP_MAX_MEDIA sections, port
 * ranges), -ENOMEM. On error err (may be NULL) gets one line naming the SDP
 * line number and the reason. */
int sotto_sdp_parse(const char *text, size_t len, sotto_sdp *out_sdp, char *err, size_t errlen);

/* Writes sdp as JSEP-style SDP text with CRLF line ends and a terminating
 * NUL into buf (buflen bytes, caller-owned); *out_len gets the length
 * without the NUL. buf may be NULL with buflen 0 to learn the length. Every
 * modelled field is written, so sotto_sdp_parse of the result gives back
 * the same description (dropped counts aside). The origin address and t=
 * are fixed ("IN IP4 127.0.0.1", "0 0"). Returns 0, -EINVAL for NULL or a
 * description the parser would not read back (bad token, value, count or
 * enum), -ENOSPC when buf is too small, -EMSGSIZE when the text would pass
 * SOTTO_SDP_MAX_TEXT. Nothing is written into buf on error. */
int sotto_sdp_write(const sotto_sdp *sdp, char *buf, size_t buflen, size_t *out_len);

/* Checks a description built by hand before writing it: returns 0 when
 * sotto_sdp_write would accept it, else -EINVAL with the first problem
 * ("m-section 0: bad candidate 2") in err (may be NULL). */
int sotto_sdp_validate(const sotto_sdp *sdp, char *err, size_t errlen);

/* Parses one ICE candidate as sent by trickle ICE signalling:
 * "candidate:..." with or without a leading "a=", not NUL-terminated
 * necessarily (len bytes). Returns 0 and fills *out_cand, -EINVAL for
 * malformed text, -ENOTSUP for a well-formed candidate Sotto cannot use
 * (unknown transport or type, a host name other than an mDNS .local name);
 * reason in err. */
int sotto_sdp_parse_candidate(const char *text, size_t len, sotto_sdp_candidate *out_cand,
                              char *err, size_t errlen);

/* Writes cand as "candidate:..." (no "a=", no line end) with a terminating
 * NUL into buf (buflen bytes, caller-owned); *out_len excludes the NUL.
 * Returns 0, -EINVAL for NULL or an invalid candidate, -ENOSPC when buf is
 * too small (nothing written). */
int sotto_sdp_write_candidate(const sotto_sdp_candidate *cand, char *buf, size_t buflen,
                              size_t *out_len);

/* Finds key in fmtp parameters ("a=1;b=2", spaces after ';' allowed; keys
 * compared ignoring case) and copies its value, NUL-terminated, into
 * out_value (out_len bytes, caller-owned). A key present without '=' has
 * the value "". Returns 0, -ENOENT when the key is absent, -ENOSPC when the
 * value does not fit (nothing written), -EINVAL for NULL or out_len 0. */
int sotto_sdp_fmtp_get(const char *params, const char *key, char *out_value, size_t out_len);

/* Finds, in a remote m-section, the RFC 2198 RED format that carries
 * primary_pt: a payload type listed on the m-line whose rtpmap is "red"
 * (any case) at the primary's clock rate and channel count (red/48000/2
 * for opus/48000/2, red/16000/1 for a 16 kHz mono codec) and whose fmtp is
 * "P/P" or "P/P/P" with P = primary_pt (one or two redundant copies of the
 * primary). The primary must be listed too, with an rtpmap or as a static
 * type. The first match in m-line order wins. m is not retained. Returns 0
 * and sets *out_red_pt, -ENOENT when there is none, -EINVAL for NULL or
 * primary_pt outside 0..127. */
int sotto_sdp_find_red(const sotto_sdp_media *m, int primary_pt, int *out_red_pt);

/* The a=fmtp parameters m gives for payload type pt, "" when none (or m is
 * NULL). The string stays m's. */
const char *sotto_sdp_media_fmtp(const sotto_sdp_media *m, uint8_t pt);

/* Appends payload type pt to m's format list with its a=rtpmap (name,
 * clock; channels 0 = not written) and, when fmtp is not "", its a=fmtp;
 * strings are copied (truncated to their fields). Returns 0, -EINVAL for
 * NULL arguments, -ENOSPC when a list is full (m is then unchanged). */
int sotto_sdp_media_add_format(sotto_sdp_media *m, uint8_t pt, const char *name, uint32_t clock,
                               uint8_t channels, const char *fmtp);

/* The RFC 2198 encoding name, as written in a=rtpmap. */
#define SOTTO_SDP_RED_NAME "red"

/* Appends RFC 2198 RED as payload type red_pt carrying one earlier copy of
 * primary_pt: a=rtpmap:<red_pt> red/<clock>[/<channels>] and
 * a=fmtp:<red_pt> <primary_pt>/<primary_pt>. Returns as
 * sotto_sdp_media_add_format, and -EINVAL for a type outside 0..127. */
int sotto_sdp_media_add_red(sotto_sdp_media *m, int red_pt, int primary_pt, uint32_t clock,
                            uint8_t channels);

/* The RFC 3389 comfort noise encoding name, and its static payload type
 * (CN/8000, RFC 3551). */
#define SOTTO_SDP_CN_NAME "CN"
#define SOTTO_SDP_CN_STATIC_PT 13

/* Finds, in a remote m-section, comfort noise at clock_hz (the main
 * codec's RTP clock): a payload type listed on the m-line whose rtpmap is
 * "CN" (any case) at that clock and mono, or the static type 13 without an
 * rtpmap when clock_hz is 8000. The first match in m-line order wins.
 * Returns 0 and sets *out_cn_pt, -ENOENT when there is none, -EINVAL for
 * NULL or clock_hz 0. */
int sotto_sdp_find_cn(const sotto_sdp_media *m, uint32_t clock_hz, int *out_cn_pt);

/* Whether m has "a=rtcp-fb:<pt> <value>" or "a=rtcp-fb:* <value>", value
 * compared whole and ignoring case: "goog-remb", "transport-cc", "nack".
 * m and value are not retained. Returns 0 when it has, -ENOENT when not,
 * -EINVAL for NULL, an empty value or pt outside 0..127. */
int sotto_sdp_has_rtcp_fb(const sotto_sdp_media *m, int pt, const char *value);

/* The parameters that apply to one m-section once session-level defaults
 * are taken into account. Pointers refer into the sotto_sdp it came from. */
typedef struct sotto_sdp_resolved {
    const char *ice_ufrag;                       /* media, else session; "" if neither */
    const char *ice_pwd;                         /* media, else session; "" if neither */
    unsigned ice_options;                        /* media if any, else session */
    const sotto_sdp_fingerprint *fingerprint;    /* media, else session; NULL if neither */
    sotto_sdp_setup setup;                       /* media, else session */
    sotto_sdp_direction direction;               /* media, else session, else SENDRECV */
    int end_of_candidates;                       /* media or session */
    int ice_lite;                                /* session */
} sotto_sdp_resolved;

/* Fills *out_resolved for sdp->media[media_index]. Returns 0, or -EINVAL
 * for NULL or an index past media_count. */
int sotto_sdp_resolve_media(const sotto_sdp *sdp, size_t media_index,
                            sotto_sdp_resolved *out_resolved);

/* One codec we are willing to use, in our order of preference. */
typedef struct sotto_sdp_codec_pref {
    const char *name;     /* encoding name, compared ignoring case: "opus", "PCMU"; not owned.
                             "telephone-event" asks for RFC 4733 events next to the codec */
    uint32_t clock_hz;    /* RTP clock: 48000 (opus), 8000 (PCMU); ignored for telephone-event */
    uint8_t channels;     /* 1 or 2; 0 counts as 1, like an rtpmap without channels */
    const char *fmtp_key;   /* fmtp parameter an offered format must carry to match
                             * (Sotto: "v", its bitstream version); NULL = none; not owned */
    const char *fmtp_value; /* ... with exactly this value ("2"); used with fmtp_key */
} sotto_sdp_codec_pref;

typedef struct sotto_sdp_codec_choice {
    size_t media_index;                   /* offer m-section negotiated */
    size_t pref_index;                    /* index of the chosen codec in prefs */
    uint8_t pt;                           /* the offer's payload type for it */
    char name[SOTTO_SDP_TOKEN_LEN];       /* encoding name as the offer wrote it */
    uint32_t clock_hz;                    /* RTP clock */
    uint8_t channels;                     /* as offered; 0 = not given */
    char fmtp[SOTTO_SDP_FMTP_LEN];        /* the offer's fmtp for pt; "" = none */
    int has_telephone_event;              /* 1 when asked for and offered at clock_hz */
    uint8_t telephone_event_pt;           /* its payload type */
    char telephone_event_fmtp[SOTTO_SDP_FMTP_LEN]; /* e.g. "0-15"; "" = none */
} sotto_sdp_codec_choice;

/* Picks the codec for the first audio m-section of offer that has a
 * non-zero port and RTP formats: the first entry of prefs (our order) that
 * the m-line lists with a matching rtpmap (name ignoring case, clock,
 * channels, and the fmtp parameter the entry requires, if any) or, without
 * rtpmap, a matching static payload type (RFC 3551: PCMU 0, GSM 3, PCMA 8,
 * G722 9, G729 18). If prefs also names
 * "telephone-event", the offer's telephone-event at the chosen clock is
 * added. prefs (nprefs entries) is not retained. Returns 0 and fills
 * *out_choice, -EINVAL for NULL or empty prefs, -ENOENT when there is no
 * usable audio section or no shared codec (reason in err, listing what the
 * offer has). */
int sotto_sdp_negotiate_audio(const sotto_sdp *offer, const sotto_sdp_codec_pref *prefs,
                              size_t nprefs, sotto_sdp_codec_choice *out_choice,
                              char *err, size_t errlen);

/* Our side of an answer. Pointers are not retained. */
typedef struct sotto_sdp_answer_params {
    const sotto_sdp_codec_choice *choice;      /* from sotto_sdp_negotiate_audio on this offer */
    const char *ice_ufrag;                     /* ours: 4..256 ice-chars */
    const char *ice_pwd;                       /* ours: 22..256 ice-chars */
    const sotto_sdp_fingerprint *fingerprint;  /* our certificate digest (sha-256) */
    const sotto_sdp_candidate *candidates;     /* may be NULL when candidate_count is 0 */
    size_t candidate_count;                    /* 0..SOTTO_SDP_MAX_CANDIDATES */
    int candidates_complete;                   /* 1 = add a=end-of-candidates */
    int ice_lite;                              /* 1 = we are an ICE-lite agent */
    uint64_t session_id;                       /* o= sess-id, random per session */
    uint64_t session_version;                  /* o= sess-version, +1 per new description */
    const char *cname;                         /* RTCP CNAME for a=ssrc; NULL = no a=ssrc */
    uint32_t ssrc;                             /* our SSRC, used with cname */
    const char *msid_stream;                   /* a=msid stream id; NULL = no a=msid */
    const char *msid_track;                    /* a=msid track id; NULL = none */
    uint32_t ptime_ms;                         /* a=ptime; 0 = none */
    const char *const *extmap_uris;            /* header extensions we support; may be NULL */
    size_t extmap_uri_count;                   /* entries in extmap_uris */
} sotto_sdp_answer_params;

/* One format of an offer: payload type, a=rtpmap and a=fmtp. */
typedef struct sotto_sdp_format {
    uint8_t pt;           /* payload type, 0..127 */
    const char *name;     /* encoding name: "opus", "red"; not owned */
    uint32_t clock_hz;    /* RTP clock */
    uint8_t channels;     /* rtpmap channels; 0 = not written */
    const char *fmtp;     /* a=fmtp parameters; NULL or "" = none; not owned */
} sotto_sdp_format;

/* Our side of an offer. Pointers are not retained. */
typedef struct sotto_sdp_offer_params {
    const sotto_sdp_format *formats;           /* in our order of preference */
    size_t format_count;                       /* 1..SOTTO_SDP_MAX_PT */
    const char *ice_ufrag;                     /* ours: 4..256 ice-chars */
    const char *ice_pwd;                       /* ours: 22..256 ice-chars */
    const sotto_sdp_fingerprint *fingerprint;  /* our certificate digest (sha-256) */
    const sotto_sdp_candidate *candidates;     /* may be NULL when candidate_count is 0 */
    size_t candidate_count;                    /* 0..SOTTO_SDP_MAX_CANDIDATES */
    int candidates_complete;                   /* 1 = add a=end-of-candidates */
    uint64_t session_id;                       /* o= sess-id, random per session */
    uint64_t session_version;                  /* o= sess-version, +1 per new description */
    uint32_t ptime_ms;                         /* a=ptime; 0 = none */
    uint32_t maxptime_ms;                      /* a=maxptime; 0 = none */
} sotto_sdp_offer_params;

/* Builds the offer skeleton (JSEP): one sendrecv audio m-section, mid "0"
 * in a BUNDLE group, port 9 and c=IN IP4 0.0.0.0, UDP/TLS/RTP/SAVPF,
 * rtcp-mux and rtcp-rsize, a=setup:actpass, the formats in the order
 * given. Returns 0 and fills *out_offer (written only on success),
 * -EINVAL for NULL or invalid params, -ENOMEM; reason in err. */
int sotto_sdp_build_offer(const sotto_sdp_offer_params *params, sotto_sdp *out_offer, char *err,
                          size_t errlen);

/* Builds an answer skeleton for offer (RFC 3264, JSEP): one m-section per
 * offered one, same mids; the negotiated audio section accepted (port 9,
 * the chosen codec and telephone-event, c=IN IP4 0.0.0.0, a=rtcp:9, rtcp-mux
 * and rtcp-rsize mirrored, offered extmaps whose URI is in extmap_uris kept
 * with the offer's id, direction mirrored: sendonly <-> recvonly), every
 * other section rejected with port 0. a=setup answers actpass and passive
 * with active, active with passive (an offer without a=setup counts as
 * active, RFC 4145). BUNDLE lists the accepted mid when the offer bundled
 * it; trickle is announced when the offer announced it. Returns 0 and
 * fills *out_answer (written only on success), -EINVAL for NULL or invalid
 * params or an offer missing ICE credentials or a fingerprint, -ENOTSUP when
 * the chosen section does not use DTLS-SRTP or offers a=setup:holdconn,
 * -ENOMEM; reason in err. */
int sotto_sdp_build_answer(const sotto_sdp *offer, const sotto_sdp_answer_params *params,
                           sotto_sdp *out_answer, char *err, size_t errlen);

#endif
