/* Private to voice/: the bulk echo delay, from the 10 ms energy envelopes
 * of what was played and what was captured. The engines' own trackers
 * cover tens of milliseconds (WebRTC's delay-agnostic mode) or nothing
 * (speex), while device buffers plus a room reach hundreds; the chain
 * therefore delays the far-end reference by this estimate first. */
#ifndef SOTTO_VOICE_DELAY_H
#define SOTTO_VOICE_DELAY_H

#include <stdint.h>

#define SOTTO__DELAY_MAX_BLOCKS 100 /* 1 s at 10 ms */
/* Blocks correlated: 700 ms (1 s took 0.3 s longer to see a changed path). */
#define SOTTO__DELAY_WINDOW 70
#define SOTTO__DELAY_HISTORY (SOTTO__DELAY_MAX_BLOCKS + SOTTO__DELAY_WINDOW)

typedef struct sotto__delay {
    float far_db[SOTTO__DELAY_HISTORY];  /* envelope of far block n at n % HISTORY */
    float near_db[SOTTO__DELAY_HISTORY]; /* same for near */
    uint64_t far_blocks, near_blocks;    /* blocks seen */
    int blocks;                          /* current estimate; -1 none yet */
    int candidate;                       /* last estimate not yet confirmed */
    int candidate_hits;                  /* consecutive estimates that agreed */
} sotto__delay;

void sotto__delay_init(sotto__delay *d);
void sotto__delay_far(sotto__delay *d, double power);
/* Adds a near block; every 5 blocks (10 before the first estimate) re-estimates. Returns the estimate
 * in blocks, -1 while unknown. */
int sotto__delay_near(sotto__delay *d, double power);

#endif
