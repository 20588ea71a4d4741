/* SPSC ring: the producer publishes samples with a release store of head
 * after copying them; the consumer acquires head before reading them and
 * releases tail after, so the producer never overwrites unread samples. */
#include "audio/ring.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct sotto_ring {
    int16_t *data;          /* capacity samples */
    size_t capacity;        /* samples, power of two */
    size_t mask;            /* capacity - 1 */
    int owns_data;          /* 1 when create allocated data */
    _Atomic size_t head;    /* samples ever written; stored by the producer */
    _Atomic size_t tail;    /* samples ever read; stored by the consumer */
};

static int is_power_of_two(size_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

size_t sotto_ring_capacity_for(size_t min_samples)
{
    size_t cap = 1;

    while (cap < min_samples) {
        if (cap > SIZE_MAX / 2)
            return 0;
        cap *= 2;
    }
    return cap;
}

static int ring_new(sotto_ring **out_ring, int16_t *storage, size_t capacity, int owns)
{
    sotto_ring *ring = calloc(1, sizeof(*ring));

    if (!ring)
        return -ENOMEM;
    ring->data = storage;
    ring->capacity = capacity;
    ring->mask = capacity - 1;
    ring->owns_data = owns;
    atomic_init(&ring->head, 0);
    atomic_init(&ring->tail, 0);
    *out_ring = ring;
    return 0;
}

int sotto_ring_create(sotto_ring **out_ring, size_t capacity)
{
    int16_t *storage;
    int rc;

    if (!out_ring || !is_power_of_two(capacity) || capacity > SIZE_MAX / sizeof(int16_t))
        return -EINVAL;
    storage = calloc(capacity, sizeof(int16_t));
    if (!storage)
        return -ENOMEM;
    rc = ring_new(out_ring, storage, capacity, 1);
    if (rc < 0)
        free(storage);
    return rc;
}

int sotto_ring_create_with_storage(sotto_ring **out_ring, int16_t *storage, size_t capacity)
{
    if (!out_ring || !storage || !is_power_of_two(capacity))
        return -EINVAL;
    return ring_new(out_ring, storage, capacity, 0);
}

void sotto_ring_destroy(sotto_ring **ring)
{
    if (!ring || !*ring)
        return;
    if ((*ring)->owns_data)
        free((*ring)->data);
    free(*ring);
    *ring = NULL;
}

size_t sotto_ring_write(sotto_ring *ring, const int16_t *src, size_t count)
{
    size_t head, tail, space, start, first;

    if (!ring || !src || count == 0)
        return 0;
    head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    space = ring->capacity - (head - tail);
    if (count > space)
        count = space;
    if (count == 0)
        return 0;
    start = head & ring->mask;
    first = ring->capacity - start;
    if (first > count)
        first = count;
    memcpy(ring->data + start, src, first * sizeof(int16_t));
    memcpy(ring->data, src + first, (count - first) * sizeof(int16_t));
    atomic_store_explicit(&ring->head, head + count, memory_order_release);
    return count;
}

size_t sotto_ring_read(sotto_ring *ring, int16_t *dst, size_t count)
{
    size_t head, tail, avail, start, first;

    if (!ring || !dst || count == 0)
        return 0;
    tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    head = atomic_load_explicit(&ring->head, memory_order_acquire);
    avail = head - tail;
    if (count > avail)
        count = avail;
    if (count == 0)
        return 0;
    start = tail & ring->mask;
    first = ring->capacity - start;
    if (first > count)
        first = count;
    memcpy(dst, ring->data + start, first * sizeof(int16_t));
    memcpy(dst + first, ring->data, (count - first) * sizeof(int16_t));
    atomic_store_explicit(&ring->tail, tail + count, memory_order_release);
    return count;
}

size_t sotto_ring_readable(const sotto_ring *ring)
{
    size_t head, tail;

    if (!ring)
        return 0;
    tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    head = atomic_load_explicit(&ring->head, memory_order_acquire);
    return head - tail;
}

size_t sotto_ring_writable(const sotto_ring *ring)
{
    size_t head, tail;

    if (!ring)
        return 0;
    head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    return ring->capacity - (head - tail);
}

size_t sotto_ring_capacity(const sotto_ring *ring)
{
    return ring ? ring->capacity : 0;
}
