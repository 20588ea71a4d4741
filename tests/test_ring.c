/* Lock-free SPSC ring: capacity rules, fill/drain, wrap-around, partial
 * transfers, and a two-thread stress run checking order and exactly-once. */
#include "audio/ring.h"

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#define STRESS_SAMPLES 4000000u

START_TEST(ring_rejects_capacity_not_power_of_two)
{
    sotto_ring *ring = NULL;
    int16_t storage[12];

    ck_assert_int_eq(sotto_ring_create(&ring, 0), -EINVAL);
    ck_assert_int_eq(sotto_ring_create(&ring, 12), -EINVAL);
    ck_assert_int_eq(sotto_ring_create_with_storage(&ring, storage, 12), -EINVAL);
    ck_assert_int_eq(sotto_ring_create_with_storage(&ring, NULL, 8), -EINVAL);
    ck_assert_int_eq(sotto_ring_create(NULL, 8), -EINVAL);
    ck_assert_ptr_null(ring);
}
END_TEST

START_TEST(ring_capacity_for_rounds_up_to_power_of_two)
{
    ck_assert_uint_eq(sotto_ring_capacity_for(0), 1);
    ck_assert_uint_eq(sotto_ring_capacity_for(1), 1);
    ck_assert_uint_eq(sotto_ring_capacity_for(3200), 4096);
    ck_assert_uint_eq(sotto_ring_capacity_for(4096), 4096);
    ck_assert_uint_eq(sotto_ring_capacity_for(SIZE_MAX), 0);
}
END_TEST

START_TEST(ring_fills_and_drains_in_order)
{
    sotto_ring *ring = NULL;
    int16_t in[16], out[16] = { 0 };

    ck_assert_int_eq(sotto_ring_create(&ring, 16), 0);
    ck_assert_uint_eq(sotto_ring_capacity(ring), 16);
    for (int i = 0; i < 16; i++)
        in[i] = (int16_t)(i * 100 - 700);
    ck_assert_uint_eq(sotto_ring_readable(ring), 0);
    ck_assert_uint_eq(sotto_ring_writable(ring), 16);
    ck_assert_uint_eq(sotto_ring_write(ring, in, 16), 16);
    ck_assert_uint_eq(sotto_ring_readable(ring), 16);
    ck_assert_uint_eq(sotto_ring_writable(ring), 0);
    ck_assert_uint_eq(sotto_ring_read(ring, out, 16), 16);
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(out[i], in[i]);
    ck_assert_uint_eq(sotto_ring_read(ring, out, 16), 0);
    sotto_ring_destroy(&ring);
    ck_assert_ptr_null(ring);
    sotto_ring_destroy(&ring);
    sotto_ring_destroy(NULL);
}
END_TEST

START_TEST(ring_wraps_around_with_caller_storage)
{
    int16_t storage[8];
    sotto_ring *ring = NULL;
    int16_t next_in = 0, next_out = 0;

    ck_assert_int_eq(sotto_ring_create_with_storage(&ring, storage, 8), 0);
    /* Chunks of 5 against a capacity of 8 cross the end on most rounds. */
    for (int round = 0; round < 50; round++) {
        int16_t in[5], out[5];

        for (int i = 0; i < 5; i++)
            in[i] = next_in++;
        ck_assert_uint_eq(sotto_ring_write(ring, in, 5), 5);
        ck_assert_uint_eq(sotto_ring_read(ring, out, 5), 5);
        for (int i = 0; i < 5; i++)
            ck_assert_int_eq(out[i], next_out++);
    }
    sotto_ring_destroy(&ring);
    /* 250 samples went through: 248 and 249 wrapped to the start of storage. */
    ck_assert_int_eq(storage[0], 248);
    ck_assert_int_eq(storage[1], 249);
    ck_assert_int_eq(storage[7], 247);
}
END_TEST

START_TEST(ring_writes_partially_when_nearly_full)
{
    sotto_ring *ring = NULL;
    int16_t in[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, out[10] = { 0 };

    ck_assert_int_eq(sotto_ring_create(&ring, 8), 0);
    ck_assert_uint_eq(sotto_ring_write(ring, in, 6), 6);
    ck_assert_uint_eq(sotto_ring_write(ring, in + 6, 4), 2);
    ck_assert_uint_eq(sotto_ring_write(ring, in, 1), 0);
    ck_assert_uint_eq(sotto_ring_read(ring, out, 3), 3);
    ck_assert_int_eq(out[0], 1);
    ck_assert_int_eq(out[2], 3);
    ck_assert_uint_eq(sotto_ring_read(ring, out, 10), 5);
    ck_assert_int_eq(out[0], 4);
    ck_assert_int_eq(out[4], 8);
    ck_assert_uint_eq(sotto_ring_write(ring, NULL, 3), 0);
    ck_assert_uint_eq(sotto_ring_read(NULL, out, 3), 0);
    sotto_ring_destroy(&ring);
}
END_TEST

typedef struct stress {
    sotto_ring *ring;
    uint32_t errors;     /* samples out of order */
    uint32_t received;   /* samples read */
} stress;

/* Samples carry their sequence number modulo 2^16, so any loss, duplicate or
 * reordering shows up as a mismatch. */
static void *producer(void *arg)
{
    stress *st = arg;
    uint32_t sent = 0;
    int16_t chunk[97];

    while (sent < STRESS_SAMPLES) {
        size_t n = sizeof(chunk) / sizeof(chunk[0]);
        size_t put;

        if (n > STRESS_SAMPLES - sent)
            n = STRESS_SAMPLES - sent;
        for (size_t i = 0; i < n; i++)
            chunk[i] = (int16_t)(uint16_t)(sent + i);
        put = sotto_ring_write(st->ring, chunk, n);
        /* Only what was accepted counts; the rest is regenerated next time. */
        sent += (uint32_t)put;
        if (put == 0)
            sched_yield();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    stress *st = arg;
    int16_t chunk[61];

    while (st->received < STRESS_SAMPLES) {
        size_t got = sotto_ring_read(st->ring, chunk, sizeof(chunk) / sizeof(chunk[0]));

        for (size_t i = 0; i < got; i++) {
            if ((uint16_t)chunk[i] != (uint16_t)(st->received + i))
                st->errors++;
        }
        st->received += (uint32_t)got;
        if (got == 0)
            sched_yield();
    }
    return NULL;
}

START_TEST(ring_two_threads_deliver_every_sample_once_in_order)
{
    stress st = { 0 };
    pthread_t prod, cons;

    ck_assert_int_eq(sotto_ring_create(&st.ring, 256), 0);
    ck_assert_int_eq(pthread_create(&cons, NULL, consumer, &st), 0);
    ck_assert_int_eq(pthread_create(&prod, NULL, producer, &st), 0);
    pthread_join(prod, NULL);
    pthread_join(cons, NULL);
    ck_assert_uint_eq(st.received, STRESS_SAMPLES);
    ck_assert_uint_eq(st.errors, 0);
    ck_assert_uint_eq(sotto_ring_readable(st.ring), 0);
    sotto_ring_destroy(&st.ring);
}
END_TEST

static Suite *ring_suite(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("ring");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, ring_rejects_capacity_not_power_of_two);
    tcase_add_test(tc, ring_capacity_for_rounds_up_to_power_of_two);
    tcase_add_test(tc, ring_fills_and_drains_in_order);
    tcase_add_test(tc, ring_wraps_around_with_caller_storage);
    tcase_add_test(tc, ring_writes_partially_when_nearly_full);
    tcase_add_test(tc, ring_two_threads_deliver_every_sample_once_in_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ring_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
