/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The secure allocator behind ck_secret_alloc in release builds: size
 * classes, zeroed blocks, wiping on free, reuse, no overlap, threads.
 * (Sanitizer builds give ck_secret_alloc plain heap memory, so these tests
 * call the pool directly.)
 */
#include <pthread.h>
#include <string.h>

#include "ck/rand.h"
#include "ck/secret.h"
#include "ck_test.h"

static int all_zero(const volatile uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

static void classes(void **state)
{
	static const size_t sizes[] = { 0, 1, 31, 32, 33, 100, 1000, 2049, 4096 };
	size_t i, cap;
	uint8_t *p;

	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = ck__spool_alloc(sizes[i]);
		assert_non_null(p);
		cap = ck__spool_capacity(p);
		/* the smallest power of two of at least 32 that holds the request */
		assert_true(cap >= sizes[i] && cap >= 32 && (cap & (cap - 1)) == 0);
		assert_true(cap == 32 || cap / 2 < sizes[i]);
		assert_true(all_zero(p, sizes[i]));
		memset(p, 0x5a, cap);
		ck__spool_free(p);
	}
	/* past the pool: sodium_malloc with its guard pages */
	p = ck__spool_alloc(CK__SPOOL_MAX + 1);
	assert_non_null(p);
	assert_int_equal(ck__spool_capacity(p), 0);
	assert_true(all_zero(p, CK__SPOOL_MAX + 1));
	memset(p, 0x5a, CK__SPOOL_MAX + 1);
	ck__spool_free(p);
	ck__spool_free(NULL);
}

static void wiped_and_reused(void **state)
{
	volatile uint8_t *q;
	uint8_t *p, *r;

	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	p = ck__spool_alloc(200);
	assert_non_null(p);
	memset(p, 0xaa, ck__spool_capacity(p));
	q = p;
	ck__spool_free(p);
	/* The slab stays mapped: the secret must be gone from it. */
	assert_true(all_zero(q, 256));
	r = ck__spool_alloc(150);
	assert_ptr_equal(r, q); /* same class, last freed first */
	assert_true(all_zero(r, 150));
	ck__spool_free(r);
}

static void no_overlap(void **state)
{
	enum { N = 3000 };
	static uint8_t *blk[N];
	static size_t len[N];
	size_t i, j, round;
	uint32_t x;

	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < N; i++) {
			ck_random(&x, sizeof(x));
			len[i] = x % (CK__SPOOL_MAX + 200); /* some past the pool too */
			blk[i] = ck__spool_alloc(len[i]);
			assert_non_null(blk[i]);
			assert_true(all_zero(blk[i], len[i]));
			memset(blk[i], (int)(i & 0xff), len[i]);
		}
		for (i = 0; i < N; i++)
			for (j = 0; j < len[i]; j++)
				if (blk[i][j] != (uint8_t)(i & 0xff))
					fail_msg("block %zu byte %zu overwritten", i, j);
		/* free in a scrambled order */
		for (i = 0; i < N; i++) {
			size_t k = (i * 7919) % N;

			ck__spool_free(blk[k]);
		}
	}
}

static void *churn(void *arg)
{
	uint8_t tag = (uint8_t)(uintptr_t)arg, *p[16];
	size_t i, k, n;

	for (i = 0; i < 20000; i++) {
		for (k = 0; k < 16; k++) {
			n = 16 + (i * 31 + k * 97) % 1500;
			if ((p[k] = ck__spool_alloc(n)) == NULL)
				return (void *)1;
			memset(p[k], tag, n);
		}
		for (k = 0; k < 16; k++) {
			n = 16 + (i * 31 + k * 97) % 1500;
			if (p[k][0] != tag || p[k][n - 1] != tag)
				return (void *)1;
			ck__spool_free(p[k]);
		}
	}
	return NULL;
}

static void threads(void **state)
{
	pthread_t t[4];
	void *res;
	size_t i;

	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1)), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &res), 0);
		assert_null(res);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classes),
		cmocka_unit_test(wiped_and_reused),
		cmocka_unit_test(no_overlap),
		cmocka_unit_test(threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
