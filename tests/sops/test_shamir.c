/* SPDX-License-Identifier: Apache-2.0 */
/* Shamir secret sharing over GF(2^8) (sops/shamir.c). */
#include <string.h>

#include "ck/sops_internal.h"
#include "ck/rand.h"
#include "ck_test.h"

#define N 32

/* Combine the shares whose bit is set in mask. */
static int combine_mask(uint8_t out[N], const uint8_t *shares, int parts, unsigned mask)
{
	const uint8_t *sel[8];
	size_t k = 0;
	int i;

	for (i = 0; i < parts; i++)
		if (mask & (1u << i))
			sel[k++] = shares + (size_t)i * (N + 1);
	return ck_sops__shamir_combine(out, sel, k, N + 1);
}

static void split_combine(void **state)
{
	uint8_t secret[N], shares[8 * (N + 1)], out[N];
	int parts, th, round, i, j;
	unsigned mask;

	(void)state;
	for (round = 0; round < 3; round++) {
		ck_random(secret, sizeof(secret));
		for (parts = 2; parts <= 6; parts++) {
			for (th = 2; th <= parts; th++) {
				assert_int_equal(ck_sops__shamir_split(shares, secret, N, parts, th), CK_OK);
				/* x coordinates: non-zero and distinct */
				for (i = 0; i < parts; i++) {
					uint8_t xi = shares[(size_t)i * (N + 1) + N];

					assert_int_not_equal(xi, 0);
					for (j = 0; j < i; j++)
						assert_int_not_equal(xi, shares[(size_t)j * (N + 1) + N]);
				}
				/* every subset of at least th shares recovers the secret,
				 * smaller ones (two or more) give something else */
				for (mask = 1; mask < (1u << parts); mask++) {
					int k = __builtin_popcount(mask);

					if (k < 2)
						continue;
					assert_int_equal(combine_mask(out, shares, parts, mask), CK_OK);
					if (k >= th)
						assert_memory_equal(out, secret, N);
					else
						assert_memory_not_equal(out, secret, N);
				}
			}
		}
	}
}

static void errors(void **state)
{
	uint8_t secret[N] = { 7 }, shares[3 * (N + 1)], out[N];
	const uint8_t *sel[2];

	(void)state;
	assert_int_equal(ck_sops__shamir_split(shares, secret, N, 2, 3), CK_EINVAL);
	assert_int_equal(ck_sops__shamir_split(shares, secret, N, 3, 1), CK_EINVAL);
	assert_int_equal(ck_sops__shamir_split(shares, secret, N, 256, 2), CK_EINVAL);
	assert_int_equal(ck_sops__shamir_split(shares, secret, 0, 3, 2), CK_EINVAL);
	assert_int_equal(ck_sops__shamir_split(shares, secret, N, 3, 2), CK_OK);
	sel[0] = shares;
	assert_int_equal(ck_sops__shamir_combine(out, sel, 1, N + 1), CK_EINVAL);
	sel[1] = shares;
	assert_int_equal(ck_sops__shamir_combine(out, sel, 2, N + 1), CK_EINVAL); /* duplicate */
	sel[1] = shares + N + 1;
	assert_int_equal(ck_sops__shamir_combine(out, sel, 2, 1), CK_EINVAL);
}

/*
 * Known answer, worked by hand in GF(2^8) mod 0x11b: f(x) = 0x53 + 0xCA x
 * gives f(1) = 0x99 and f(2) = 0x53 ^ (0xCA * 2 = 0x194 ^ 0x11b = 0x8F) =
 * 0xDC. Interpolating those two points at 0 must give 0x53 back, which pins
 * the field polynomial and the share layout (y bytes, then x).
 */
static void known_answer(void **state)
{
	const uint8_t p1[2] = { 0x99, 0x01 }, p2[2] = { 0xDC, 0x02 };
	const uint8_t *sel[2] = { p1, p2 };
	uint8_t out[1];

	(void)state;
	assert_int_equal(ck_sops__shamir_combine(out, sel, 2, 2), CK_OK);
	assert_int_equal(out[0], 0x53);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_combine),
		cmocka_unit_test(errors),
		cmocka_unit_test(known_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
