/* Lock-free single-producer single-consumer ring of int16 samples.
 *
 * One thread writes, one thread reads; neither ever blocks or allocates
 * after create, so the producer may be a real-time device callback. The
 * positions are free-running counters (wrapping modulo SIZE_MAX + 1); the
 * capacity is a power of two so the index is a mask and the full capacity is
 * usable. */
#ifndef SOTTO_AUDIO_RING_H
#define SOTTO_AUDIO_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct sotto_ring sotto_ring;

/* Smallest power of two >= min_samples (at least 1); 0 when that overflows. */
size_t sotto_ring_capacity_for(size_t min_samples);

/* Allocates a ring and its storage of capacity samples (a power of two).
 * The caller owns *out_ring and frees it with sotto_ring_destroy. */
int sotto_ring_create(sotto_ring **out_ring, size_t capacity);

/* Same over caller-provided storage of capacity samples: the storage is not
 * owned, must outlive the ring, and is not freed by sotto_ring_destroy. */
int sotto_ring_create_with_storage(sotto_ring **out_ring, int16_t *storage, size_t capacity);

/* Frees the ring (and its storage when create allocated it); accepts NULL
 * and *ring == NULL, sets *ring to NULL. Neither side may be using it. */
void sotto_ring_destroy(sotto_ring **ring);

/* Producer side: copies up to count samples in; returns how many fit. */
size_t sotto_ring_write(sotto_ring *ring, const int16_t *src, size_t count);

/* Consumer side: copies up to count samples out; returns how many there were. */
size_t sotto_ring_read(sotto_ring *ring, int16_t *dst, size_t count);

/* Samples the consumer can read now (exact for the consumer thread). */
size_t sotto_ring_readable(const sotto_ring *ring);

/* Free space the producer can write now (exact for the producer thread). */
size_t sotto_ring_writable(const sotto_ring *ring);

size_t sotto_ring_capacity(const sotto_ring *ring);

#endif
