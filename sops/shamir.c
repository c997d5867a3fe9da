/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shamir secret sharing over GF(2^8) with the AES polynomial x^8+x^4+x^3+x+1,
 * byte-compatible with the copy of Vault's implementation sops uses: one
 * random polynomial per secret byte (constant term = the byte), each share is
 * the y values followed by one byte x, the x coordinates are distinct random
 * values in 1..255, and combining is Lagrange interpolation at 0.
 * Arithmetic is branch-free (no tables indexed by secret bytes).
 */
#include <string.h>

#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/sops_internal.h"

/* Carry-less multiply modulo 0x11b, constant time. */
static uint8_t gmul(uint8_t a, uint8_t b)
{
	uint8_t p = 0;
	int i;

	for (i = 0; i < 8; i++) {
		p ^= (uint8_t)(-(b & 1) & a);
		a = (uint8_t)((a << 1) ^ (-(a >> 7) & 0x1b));
		b >>= 1;
	}
	return p;
}

/* a^254 = a^-1 (0 stays 0). */
static uint8_t ginv(uint8_t a)
{
	uint8_t r = 1, x = a;
	int e = 254;

	while (e > 0) {
		if (e & 1)
			r = gmul(r, x);
		x = gmul(x, x);
		e >>= 1;
	}
	return r;
}

int ck_sops__shamir_split(uint8_t *shares, const uint8_t *secret, size_t n, int parts, int threshold)
{
	uint8_t xs[255], coeff[256];
	int i, j, k;
	size_t b;

	if (parts < threshold)
		return ck_err_set(CK_EINVAL, "sops: shamir: parts cannot be less than threshold");
	if (parts > 255)
		return ck_err_set(CK_EINVAL, "sops: shamir: parts cannot exceed 255");
	if (threshold < 2)
		return ck_err_set(CK_EINVAL, "sops: shamir: threshold must be at least 2");
	if (n == 0)
		return ck_err_set(CK_EINVAL, "sops: shamir: cannot split an empty secret");
	/* random permutation of 1..255 (Fisher-Yates) for the x coordinates */
	for (i = 0; i < 255; i++)
		xs[i] = (uint8_t)(i + 1);
	for (i = 254; i > 0; i--) {
		uint8_t t;

		j = (int)ck_random_uniform((uint32_t)i + 1);
		t = xs[i];
		xs[i] = xs[j];
		xs[j] = t;
	}
	for (i = 0; i < parts; i++)
		shares[(size_t)i * (n + 1) + n] = xs[i];
	for (b = 0; b < n; b++) {
		coeff[0] = secret[b];
		ck_random(coeff + 1, (size_t)threshold - 1);
		for (i = 0; i < parts; i++) {
			/* Horner */
			uint8_t x = xs[i], y = coeff[threshold - 1];

			for (k = threshold - 2; k >= 0; k--)
				y = (uint8_t)(gmul(y, x) ^ coeff[k]);
			shares[(size_t)i * (n + 1) + b] = y;
		}
	}
	ck_memzero(coeff, sizeof(coeff));
	return CK_OK;
}

int ck_sops__shamir_combine(uint8_t *secret, const uint8_t *const *parts, size_t nparts,
                            size_t partlen)
{
	uint8_t xs[256];
	size_t i, j, b;

	if (nparts < 2)
		return ck_err_set(CK_EINVAL, "sops: shamir: less than two parts cannot be used to "
		                             "reconstruct the secret");
	if (partlen < 2)
		return ck_err_set(CK_EINVAL, "sops: shamir: parts must be at least two bytes");
	if (nparts > 255)
		return ck_err_set(CK_EINVAL, "sops: shamir: too many parts");
	for (i = 0; i < nparts; i++) {
		xs[i] = parts[i][partlen - 1];
		for (j = 0; j < i; j++)
			if (xs[j] == xs[i])
				return ck_err_set(CK_EINVAL, "sops: shamir: duplicate part detected");
	}
	for (b = 0; b + 1 < partlen; b++) {
		uint8_t acc = 0;

		for (i = 0; i < nparts; i++) {
			uint8_t basis = 1;

			for (j = 0; j < nparts; j++) {
				if (i == j)
					continue;
				/* (0 + x_j) / (x_i + x_j) */
				basis = gmul(basis, gmul(xs[j], ginv((uint8_t)(xs[i] ^ xs[j]))));
			}
			acc ^= gmul(parts[i][b], basis);
		}
		secret[b] = acc;
	}
	return CK_OK;
}
