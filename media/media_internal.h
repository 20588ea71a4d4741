/* Private to the call media files: the media object and what its send and
 * receive halves share. */
#ifndef SOTTO_MEDIA_MEDIA_INTERNAL_H
#define SOTTO_MEDIA_MEDIA_INTERNAL_H

#include "audio/resample.h"
#include "audio/tsm.h"
#include "media/media.h"
#include "net/jitter.h"
#include "net/net.h"
#include "net/rate_control.h"

#define MAX_CODEC_FRAME 5760   /* samples: 120 ms at 48 kHz */
#define MAX_CODEC_FRAME_MS 120 /* the longest packet a variable-rate codec sends */
#define MAX_PAYLOAD 1275       /* bytes: the largest Opus frame */
#define RATE_BUCKETS 8
#define RATE_BUCKET_US 500000 /* 8 x 0.5 s: bitrates over the last 4 s */
#define IPV4_UDP_HEADERS 28   /* bytes the kernel adds to every datagram */
/* What a link layer adds to every packet (Ethernet 14 bytes, PPP 2-8): a
 * rate-limited link counts it, so a packet plan that ignores it overfills
 * an 8 kbit/s link and its queue grows without end. */
#define LINK_FRAMING 14
#define MAX_PERIODS_PER_PACKET 12 /* variable-rate codecs: frames one packet (120 ms) spans */
#define RATE_MISMATCH_US 10000000 /* over the plan this long is a mismatch */
#define HISTORY_FRAMES 128        /* framed codecs: frames kept for redundancy */
#define MAX_FRAME_BYTES 16        /* framed codecs: bytes per frame */
#define MAX_PERIODS_PER_FRAME 2   /* framed codecs: playout periods a low-rate frame spans */

typedef struct rate_meter {
    uint64_t bucket_start[RATE_BUCKETS]; /* us; which half-second each bucket holds */
    uint64_t bytes[RATE_BUCKETS];
} rate_meter;

/* Silence suppression and comfort noise (media_cn.c). */
typedef struct cn_state {
    /* sending */
    int speech_hint;     /* from the owner's voice activity: 1, 0, -1 = none */
    int suppress;        /* 1 = in silence: the codec's packets are not sent */
    int marker;          /* 1 = the next media packet starts a talkspurt */
    uint32_t silent_ms;  /* length of the current run without speech */
    uint64_t last_cn_us; /* when the last CN packet went */
    uint8_t last_level;  /* what it said */
    double noise_power;  /* smoothed power of the silence, sample units squared */
    uint64_t packets_sent, silence_ms_sent;
    /* receiving */
    int active;     /* 1 = the peer said silence: play comfort noise */
    int reset_done; /* 1 = the jitter buffer ran dry into the silence and restarted */
    uint32_t ts;    /* RTP timestamp of the CN frame the buffer holds (before reset_done) */
    uint8_t level;  /* the peer's last level, -dBov */
    uint32_t rng;   /* noise generator */
    double lp;      /* noise shaping filter state */
    uint64_t packets_received, noise_ms;
} cn_state;

struct sotto_media {
    sotto_media_params p;
    char cname[64];
    sotto_codec *codec;
    sotto_jitter *jitter;
    sotto_resampler *to_codec;   /* daemon rate -> codec rate */
    sotto_resampler *from_codec; /* codec rate -> daemon rate */
    size_t codec_frame;          /* samples per codec frame at the codec's rate */
    uint32_t ts_step;            /* RTP timestamp units per codec frame */
    uint32_t frame_ms;           /* codec frame duration */
    /* rate control */
    sotto_ratectl *ratectl;
    sotto_ratectl_decision decision;
    int framed;             /* 1 = fixed-size frames we pack ourselves (Sotto) */
    size_t frame_bytes;     /* framed: bytes per frame */
    uint32_t low_frame_ms;  /* framed: the codec's low-rate mode it may switch to mid-call
                             * (Sotto 2 kbit/s: 40 ms), a whole number of frames; 0 = none */
    size_t low_frame_bytes; /* framed: its bytes per frame (Sotto: 10) */
    /* sending */
    uint32_t ssrc;
    uint16_t seq;
    uint32_t timestamp; /* of the next frame to encode */
    int16_t enc_buf[2 * MAX_CODEC_FRAME];
    size_t enc_len;
    uint8_t history[HISTORY_FRAMES][MAX_FRAME_BYTES]; /* framed: frames sent, by count */
    uint8_t history_len[HISTORY_FRAMES];              /* framed: bytes of each (its mode) */
    uint64_t frames_encoded;
    uint32_t partial_frames;           /* framed: 20 ms units the codec holds for a longer
                                        * low-mode frame it has not finished */
    uint64_t mode_switches;            /* framed: changes between normal and low-rate mode */
    size_t pending;                    /* framed: frames waiting for their packet */
    size_t pending_bytes;              /* framed: bytes of each of them */
    uint32_t pending_timestamp;        /* framed: timestamp of the first of them */
    uint8_t last_payload[MAX_PAYLOAD]; /* RED: the previous packet's payload */
    size_t last_payload_len;           /* 0 = none yet */
    uint32_t last_timestamp;
    uint64_t packets_sent, payload_sent, rtp_octets_sent, redundant_frames_sent;
    /* receiving */
    uint32_t remote_ssrc;
    int peer_bye_seen; /* on_peer_bye has been called */
    int have_remote;
    sotto_rtp_seq rx_seq;
    sotto_rtp_jitter rx_jitter;
    uint64_t packets_received, payload_received, decode_errors, bad_payloads;
    uint32_t rx_redundant_frames;          /* depth of the peer's redundancy, last packet */
    uint32_t rx_ptime_ms;                  /* audio in the peer's last packet */
    int rx_low_mode;                       /* 1 = the peer's last packet was low-rate mode */
    int16_t out_fifo[4 * MAX_CODEC_FRAME]; /* decoded audio at the daemon rate */
    size_t out_len;
    sotto_tsm *tsm; /* time-scale modification for expand/compress */
    int16_t dec_buf[MAX_CODEC_FRAME];
    int16_t raw_buf[2 * MAX_CODEC_FRAME]; /* decoded before time-scaling: up to two frames */
    int16_t spill[MAX_CODEC_FRAME];       /* a decoded packet longer than one frame ... */
    size_t spill_len, spill_off;          /* ... and how much of it has been played */
    /* RTCP */
    uint32_t last_sr_ntp_short; /* middle 32 bits of the peer's last SR; 0 = none */
    uint64_t last_sr_arrival_us;
    double rtt_ms;
    double remote_loss;
    uint64_t rtcp_sent, rtcp_received;
    /* wire accounting */
    uint64_t wire_sent, wire_received;
    rate_meter wire_out, wire_in, payload_out, payload_in, link_out;
    uint64_t send_from_us;       /* real-time start: first tick + start_delay_us */
    int started;                 /* 0 = before the first tick; 1 = holding; 2 = sending */
    uint64_t start_dropped;      /* samples at the daemon rate dropped while holding */
    uint64_t over_plan_since_us; /* 0 = sending within the plan */
    int mismatch_told;           /* on_rate_mismatch called for this stretch */
    uint64_t rate_mismatches;
    cn_state cn;
};

void sotto__media_meter_add(rate_meter *m, uint64_t now_us, size_t bytes);
double sotto__media_meter_kbps(const rate_meter *m, uint64_t now_us);

/* Send half (media_tx.c). */
void sotto__media_encode_and_send(sotto_media *m, const int16_t *pcm, size_t samples,
                                  uint64_t now_us);
/* Comfort noise (media_cn.c). Before each captured period is encoded:
 * decides speech or silence, sends CN when due, returns 1 when the
 * period's packets are not to be sent. */
int sotto__media_cn_tx(sotto_media *m, const int16_t *pcm, size_t samples, uint64_t now_us);
/* Opus DTX: 1 when an encoded packet of len bytes is a DTX frame not to be sent. */
int sotto__media_cn_dtx_skip(sotto_media *m, size_t len);
/* The marker bit for the next media packet (1 at the start of a talkspurt). */
int sotto__media_cn_marker(sotto_media *m);
/* A received CN packet. */
void sotto__media_cn_rx(sotto_media *m, const sotto_rtp_packet *rtp, uint64_t now_us);
/* Before a playout pull: once the buffer has run dry into a silence the
 * peer announced, restarts it so that the silence is neither loss nor
 * delay. */
void sotto__media_cn_before_pull(sotto_media *m);
/* Fills pcm (n samples at the codec's rate) with comfort noise and returns
 * 1 while in an announced silence (gap 1: for an empty frame: the one a CN packet
 * left in the buffer, or a period the peer did not send in its silence); 0 otherwise. */
int sotto__media_cn_fill(sotto_media *m, int16_t *pcm, size_t n, int gap);
/* A frame of speech with RTP timestamp ts is about to be decoded: one after
 * the peer's CN ends the silence (and restarts the codec's prediction). */
void sotto__media_cn_played(sotto_media *m, uint32_t ts);

/* Puts a changed controller decision into effect and tells the owner. */
void sotto__media_apply_decision(sotto_media *m);
/* Gives a variable-rate encoder the decision's bit rate, FEC and rate mode. */
void sotto__media_apply_codec_rate(sotto_media *m);
/* Compares what was sent (link_out) with the plan after each datagram. */
void sotto__media_check_rate(sotto_media *m, uint64_t now_us);

#endif
