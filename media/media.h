/* The media path of one call: capture -> codec -> RTP -> send callback,
 * and RTP in -> jitter buffer -> codec (or concealment) -> playback, with
 * the packetiser, redundancy (in-band and RFC 2198 RED), RTCP reports,
 * rate control and meters. No sockets, no event loop: the owner feeds it
 * audio ticks and received packets, and it sends through params.send.
 * The audio clock drives both directions: each captured frame sends what
 * it completes and pulls exactly as much playout audio as it lasts. */
#ifndef SOTTO_MEDIA_MEDIA_H
#define SOTTO_MEDIA_MEDIA_H

#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "net/rate_control.h"

/* Bytes of the largest RTP packet or RTCP compound handed to send. */
#define SOTTO_MEDIA_MAX_PACKET 1500

typedef struct sotto_media sotto_media;

typedef struct sotto_media_params {
    const sotto_codec_desc *codec;   /* negotiated codec; static table */
    sotto_codec_params codec_params; /* frame_ms = ptime (Sotto: its first packet time) */
    uint8_t payload_type;            /* negotiated RTP payload type */
    int rate;                        /* Hz of the audio at the daemon side (16000) */
    /* Sends one RTP packet (is_rtcp 0) or RTCP compound (is_rtcp 1) to the
     * peer: the only way out of this library. pkt stays the caller's and is
     * not kept. Returns 0, or a negative errno for a packet not sent (it
     * then counts as lost, not as sent). Required. */
    int (*send)(void *send_opaque, int is_rtcp, const uint8_t *pkt, size_t len);
    void *send_opaque;     /* for send; not owned */
    const char *cname;     /* RTCP CNAME; copied */
    uint32_t ssrc;         /* our RTP SSRC, announced in the SDP; 0 = a random one */
    int inband_redundancy; /* Sotto: both ends announced fmtp redundancy=1, so
                                      * payloads carry codec/sotto_payload.h's header */
    int redundancy;        /* 1 = may repeat earlier frames ([codec] redundancy) */
    int max_ptime_ms;      /* longest packet time to send (ours and the peer's
                                      * a=maxptime); 0 = the packet time only */
    int link_kbps;         /* [network] link_kbps; 0 = unknown */
    int srtp_tag_bytes;    /* SRTP authentication tag per packet: 4, 10 or 16;
                                      * 0 = unknown (10 assumed) */
    int rtcp_reduced_size; /* 1 = the peer takes RFC 5506 reduced-size RTCP */
    /* RFC 3389 comfort noise payload type negotiated at the codec's clock;
     * -1 = none. silence_suppression 1: send only CN while the talker is
     * silent (needs cn_pt), or with codec_params.dtx the codec's DTX. */
    int cn_pt;
    int silence_suppression;
    int red_pt; /* RFC 2198 RED payload type negotiated for the codec
                                      * (Opus: red/48000/2 "111/111"); -1 = none */
    /* Called when the rate controller changes its decision (not at create);
     * may be NULL. */
    void (*on_decision)(void *opaque, const sotto_ratectl_decision *d);
    /* Real-time start: the link's queue still holds this much (the
     * handshake's flights, at link_kbps) when the media starts; audio of
     * the first start_delay_us after the first tick is dropped, not sent
     * behind it, so that the first packet carries audio of its own time
     * rather than of the handshake's. 0 = send at once. */
    uint64_t start_delay_us;
    /* Called once when what we send (measured down to the link layer over
     * the last 4 s) has stayed more than 10 % above the controller's plan
     * for 10 s, and again after it recovered and recurs; may be NULL. */
    void (*on_rate_mismatch)(void *opaque, uint32_t planned_bps, uint32_t measured_bps);
    /* Called once when an RTCP BYE names the stream we play (the peer has
     * left: RFC 3550 6.6); may be NULL. Media must not be destroyed inside
     * it: note it and act once sotto_media_receive has returned. */
    void (*on_peer_bye)(void *opaque);
    void *opaque; /* for on_decision, on_rate_mismatch and on_peer_bye; not owned */
} sotto_media_params;

typedef struct sotto_media_stats {
    const char *codec; /* encoding name */
    int payload_type;
    int ptime_ms;                      /* audio per packet we send now */
    uint32_t redundant_frames;         /* earlier frames each of our packets repeats now */
    int remote_ptime_ms;               /* audio in the peer's last packet; 0 before one */
    uint32_t remote_redundant_frames;  /* frames the peer's last packet repeated */
    uint64_t frames_recovered;         /* lost frames replaced by a redundant copy */
    uint64_t expands;                  /* jitter buffer: periods stretched to grow the delay */
    uint64_t compresses;               /* jitter buffer: periods that held two frames */
    uint64_t bad_payloads;             /* packets whose payload could not be split into frames */
    int low_rate_mode;                 /* framed: 1 = we send the codec's low-rate mode (Sotto
                                        * 2 kbit/s) now */
    int remote_low_rate_mode;          /* framed: 1 = the peer's last packet was in it */
    uint64_t mode_switches;            /* framed: our switches between the two modes */
    sotto_ratectl_decision controller; /* the rate controller's decision in force */
    uint32_t ssrc;                     /* ours */
    uint32_t remote_ssrc;              /* 0 until the first packet */
    uint64_t packets_sent;
    uint64_t packets_received;
    uint64_t payload_bytes_sent;
    uint64_t payload_bytes_received;
    uint64_t wire_bytes_sent; /* every datagram incl. IPv4+UDP headers, STUN, DTLS, RTCP */
    uint64_t wire_bytes_received;
    double payload_kbps_sent; /* over the last few seconds */
    double wire_kbps_sent;
    double payload_kbps_received;
    double wire_kbps_received;
    double planned_kbps_sent;    /* the controller's plan for the wire, link framing included */
    double link_kbps_sent;       /* measured like the plan: wire_kbps_sent plus the link
                                  * layer's framing of every datagram */
    uint64_t over_plan_ms;       /* how long link_kbps_sent has been over 110 % of the plan */
    uint64_t rate_mismatches;    /* times that lasted 10 s (each one warned of) */
    uint64_t start_dropped_ms;   /* audio dropped at the start while the link drained */
    uint64_t packets_lost;       /* by sequence numbers (RFC 3550 A.3) */
    double loss_fraction;        /* lost / expected */
    double jitter_ms;            /* RFC 3550 A.8 interarrival jitter */
    double rtt_ms;               /* from RTCP LSR/DLSR; < 0 until known */
    double remote_loss_fraction; /* what the peer reports about our stream; < 0 until known */
    uint32_t jitter_buffer_ms;   /* current target delay */
    uint32_t jitter_buffered_ms; /* audio held in the buffer now, not yet played */
    uint64_t concealed_ms;
    uint64_t frames_played;
    uint64_t packets_late;
    uint64_t packets_duplicate;
    uint64_t rtcp_sent;
    uint64_t rtcp_received;
    uint64_t decode_errors;
    uint64_t cn_packets_sent; /* RFC 3389 comfort noise packets */
    uint64_t cn_packets_received;
    uint64_t silence_ms_sent;  /* audio not sent because the talker was silent */
    uint64_t comfort_noise_ms; /* comfort noise played for the peer's silences */
} sotto_media_stats;

int sotto_media_create(sotto_media **out, const sotto_media_params *p);
void sotto_media_destroy(sotto_media **m);

/* The controller's first decision for a stream made with *p (packet time,
 * payload rate, redundancy), without creating the stream: what an SDP
 * answer tells the peer to send on a capped link. Returns 0 and fills
 * *out, or a negative errno (*out untouched). Nothing is kept. */
int sotto_media_plan(const sotto_media_params *p, sotto_ratectl_decision *out);

/* One captured frame (rate Hz, mono). Fills play (same length) with the
 * audio to play out for the same period. now_us: monotonic clock. */
void sotto_media_tick(sotto_media *m, const int16_t *pcm, size_t samples, int16_t *play,
                      uint64_t now_us);

/* A decrypted RTP packet or RTCP compound from the transport. */
void sotto_media_receive(sotto_media *m, const uint8_t *pkt, size_t len, int is_rtcp,
                         uint64_t now_us);

/* Every datagram crossing ICE, for wire bitrate accounting. */
void sotto_media_count_wire(sotto_media *m, int outbound, size_t len, uint64_t now_us);

/* Sends an RTCP SR (or RR before we sent anything) with a report block on
 * the remote stream; bye = 1 adds a BYE. With rtcp_reduced_size, only the
 * first report and every fourth one carry the SDES CNAME. */
int sotto_media_send_rtcp(sotto_media *m, int bye, uint64_t now_us);

/* Milliseconds until the next RTCP report (RFC 3550 6.2 with two members,
 * both senders: 5 % of the session's rate shared, never under 5 s,
 * randomised by 0.5-1.5 so that peers do not synchronise). */
uint32_t sotto_media_rtcp_interval_ms(const sotto_media *m);

/* What voice activity says of the next captured frame: 1 speech, 0 not,
 * -1 no detector (then the capture level decides, for silence
 * suppression). */
void sotto_media_set_speech(sotto_media *m, int speech);

void sotto_media_get_stats(const sotto_media *m, uint64_t now_us, sotto_media_stats *out);

#endif
