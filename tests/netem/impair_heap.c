/* A bounded binary min-heap of held packets ordered by release time. */
#include "tests/netem/impair.h"

#include <errno.h>
#include <stdlib.h>

struct impair_heap {
    struct impair_held *items; /* heap array, capacity entries */
    size_t len;                /* entries in use */
    size_t capacity;           /* entries allocated; fixed at creation */
};

int impair_heap_create(size_t capacity, struct impair_heap **out_heap)
{
    if (capacity == 0 || capacity > IMPAIR_MAX_LIMIT || !out_heap)
        return -EINVAL;
    struct impair_heap *heap = calloc(1, sizeof *heap);
    if (!heap)
        goto fail;
    heap->items = calloc(capacity, sizeof *heap->items);
    if (!heap->items)
        goto fail;
    heap->capacity = capacity;
    *out_heap = heap;
    return 0;
fail:
    free(heap);
    return -ENOMEM;
}

void impair_heap_destroy(struct impair_heap **heap)
{
    if (!heap || !*heap)
        return;
    for (size_t i = 0; i < (*heap)->len; i++)
        free((*heap)->items[i].copy);
    free((*heap)->items);
    free(*heap);
    *heap = NULL;
}

size_t impair_heap_len(const struct impair_heap *heap)
{
    return heap ? heap->len : 0;
}

static bool earlier(const struct impair_held *a, const struct impair_held *b)
{
    if (a->release_ns != b->release_ns)
        return a->release_ns < b->release_ns;
    return a->order < b->order;
}

static void swap(struct impair_held *a, struct impair_held *b)
{
    struct impair_held t = *a;
    *a = *b;
    *b = t;
}

int impair_heap_push(struct impair_heap *heap, const struct impair_held *item)
{
    if (!heap || !item)
        return -EINVAL;
    if (heap->len == heap->capacity)
        return -EAGAIN;
    size_t i = heap->len++;
    heap->items[i] = *item;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!earlier(&heap->items[i], &heap->items[parent]))
            break;
        swap(&heap->items[i], &heap->items[parent]);
        i = parent;
    }
    return 0;
}

const struct impair_held *impair_heap_peek(const struct impair_heap *heap)
{
    return heap && heap->len ? &heap->items[0] : NULL;
}

int impair_heap_pop(struct impair_heap *heap, struct impair_held *out_item)
{
    if (!heap || !out_item)
        return -EINVAL;
    if (heap->len == 0)
        return -EAGAIN;
    *out_item = heap->items[0];
    heap->items[0] = heap->items[--heap->len];
    size_t i = 0;
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, least = i;
        if (left < heap->len && earlier(&heap->items[left], &heap->items[least]))
            least = left;
        if (right < heap->len && earlier(&heap->items[right], &heap->items[least]))
            least = right;
        if (least == i)
            break;
        swap(&heap->items[i], &heap->items[least]);
        i = least;
    }
    return 0;
}
