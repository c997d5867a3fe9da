/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bech32 (BIP-173, checksum constant 1). age keys carry secrets, so the
 * character mapping avoids secret-dependent branches where it is cheap to;
 * the structure (length, separator position, case) is public.
 */
#include <string.h>

#include "ck/bech32.h"
#include "ck/secret.h"

static const char charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* Drop what a failed call appended (ck_buf_truncate needs an allocated buffer). */
static void restore(struct ck_buf *b, size_t keep)
{
	if (ck_buf_len(b) > keep)
		ck_buf_truncate(b, keep);
}

static uint32_t polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
	uint32_t top = chk >> 25;
	int i;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (i = 0; i < 5; i++)
		chk ^= (uint32_t)(-(int32_t)((top >> i) & 1)) & gen[i];
	return chk;
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Polymod over the expanded (lower-cased) hrp. */
static uint32_t hrp_polymod(const char *hrp, size_t hl)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < hl; i++)
		chk = polymod_step(chk, lower((uint8_t)hrp[i]) >> 5);
	chk = polymod_step(chk, 0);
	for (i = 0; i < hl; i++)
		chk = polymod_step(chk, lower((uint8_t)hrp[i]) & 31);
	return chk;
}

/* 5-bit value of a data character, or -1; scans the whole table. */
static int value_of(uint8_t c)
{
	int v = -1, i;

	c = lower(c);
	for (i = 0; i < 32; i++) {
		/* mask is all ones exactly when c matches charset[i] */
		int m = -(int)((unsigned)((c ^ (uint8_t)charset[i]) - 1) >> 31 & 1);

		v = (v & ~m) | (i & m);
	}
	return v;
}

int ck_bech32_encode(struct ck_buf *out, const char *hrp, const uint8_t *data, size_t n, int upper)
{
	size_t hl = strlen(hrp), n5 = (n * 8 + 4) / 5, i, keep = ck_buf_len(out);
	uint32_t chk, acc = 0;
	unsigned bits = 0;
	uint8_t *dst, *d5 = NULL;
	int rc = CK_EINTERNAL;

	if (hl == 0) {
		rc = ck_err_set(CK_EINVAL, "bech32: empty human-readable part");
		goto out;
	}
	for (i = 0; i < hl; i++) {
		if ((uint8_t)hrp[i] < 33 || (uint8_t)hrp[i] > 126) {
			rc = ck_err_set(CK_EINVAL, "bech32: bad human-readable part");
			goto out;
		}
	}
	if ((rc = ck_buf_reserve(out, hl + 1 + n5 + 6, &dst)) < 0)
		goto out;
	d5 = dst + hl + 1;
	for (i = 0; i < hl; i++)
		dst[i] = lower((uint8_t)hrp[i]);
	dst[hl] = '1';
	/* 8-to-5 regrouping, zero-padded at the end. */
	for (i = 0, n5 = 0; i < n; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			d5[n5++] = (uint8_t)((acc >> bits) & 31);
		}
	}
	if (bits > 0)
		d5[n5++] = (uint8_t)((acc << (5 - bits)) & 31);
	chk = hrp_polymod(hrp, hl);
	for (i = 0; i < n5; i++)
		chk = polymod_step(chk, d5[i]);
	for (i = 0; i < 6; i++)
		chk = polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		d5[n5 + i] = (uint8_t)((chk >> (5 * (5 - i))) & 31);
	for (i = 0; i < n5 + 6; i++)
		d5[i] = (uint8_t)charset[d5[i]];
	if (upper) {
		for (i = 0; i < hl + 1 + n5 + 6; i++)
			if (dst[i] >= 'a' && dst[i] <= 'z')
				dst[i] = (uint8_t)(dst[i] - 32);
	}
	acc = 0;
	rc = CK_OK;
out:
	if (rc < 0)
		restore(out, keep);
	return rc;
}

/*
 * The checks every decoder shares. On success *sep is the separator index and
 * the 5-bit values of the data part (checksum included) are in d5.
 */
static int parse(const char *s, size_t n, int strict_len, size_t *sep, uint8_t *d5)
{
	int has_lower = 0, has_upper = 0;
	uint32_t chk;
	size_t i, pos = 0;
	int found = 0, v;

	if (strict_len && n > 90)
		return ck_err_set(CK_EINVAL, "bech32: string longer than 90 characters");
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c < 33 || c > 126)
			return ck_err_set(CK_EINVAL, "bech32: invalid character");
		has_lower |= c >= 'a' && c <= 'z';
		has_upper |= c >= 'A' && c <= 'Z';
		if (c == '1') {
			pos = i;
			found = 1;
		}
	}
	if (has_lower && has_upper)
		return ck_err_set(CK_EINVAL, "bech32: mixed case");
	if (!found)
		return ck_err_set(CK_EINVAL, "bech32: no separator");
	if (pos == 0)
		return ck_err_set(CK_EINVAL, "bech32: empty human-readable part");
	if (n - pos - 1 < 6)
		return ck_err_set(CK_EINVAL, "bech32: checksum too short");
	chk = hrp_polymod(s, pos);
	for (i = pos + 1; i < n; i++) {
		v = value_of((uint8_t)s[i]);
		if (v < 0)
			return ck_err_set(CK_EINVAL, "bech32: invalid data character");
		d5[i - pos - 1] = (uint8_t)v;
		chk = polymod_step(chk, (uint8_t)v);
	}
	if (chk != 1)
		return ck_err_set(CK_EINVAL, "bech32: invalid checksum");
	*sep = pos;
	return CK_OK;
}

int ck_bech32_5to8(struct ck_buf *out, const uint8_t *d5, size_t n)
{
	size_t keep = ck_buf_len(out), i, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	uint8_t *dst;
	int rc;

	if ((rc = ck_buf_reserve(out, n * 5 / 8, &dst)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (d5[i] > 31) {
			rc = ck_err_set(CK_EINVAL, "bech32: value out of range");
			goto out;
		}
		acc = ((acc << 5) | d5[i]) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			dst[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits > 4) {
		rc = ck_err_set(CK_EINVAL, "bech32: more than 4 padding bits");
		goto out;
	}
	if ((acc & ((1u << bits) - 1)) != 0) {
		rc = ck_err_set(CK_EINVAL, "bech32: non-zero padding bits");
		goto out;
	}
	rc = CK_OK;
out:
	acc = 0;
	if (rc < 0)
		restore(out, keep);
	return rc;
}

static int decode(struct ck_buf *hrp_out, struct ck_buf *data_out, const char *s, size_t n,
                  int strict_len, int regroup)
{
	size_t hkeep = hrp_out ? ck_buf_len(hrp_out) : 0, dkeep = ck_buf_len(data_out);
	size_t sep = 0, i, nd;
	uint8_t *d5 = NULL, *h;
	int rc = CK_EINTERNAL;

	if ((d5 = ck_secret_alloc(n ? n : 1)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = parse(s, n, strict_len, &sep, d5)) < 0)
		goto out;
	nd = n - sep - 1 - 6;
	if (regroup)
		rc = ck_bech32_5to8(data_out, d5, nd);
	else
		rc = ck_buf_put(data_out, d5, nd);
	if (rc < 0)
		goto out;
	if (hrp_out != NULL) {
		if ((rc = ck_buf_reserve(hrp_out, sep, &h)) < 0)
			goto out;
		for (i = 0; i < sep; i++)
			h[i] = lower((uint8_t)s[i]);
	}
	rc = CK_OK;
out:
	if (d5 != NULL)
		ck_memzero(d5, n);
	ck_secret_free(d5);
	if (rc < 0) {
		if (hrp_out != NULL)
			restore(hrp_out, hkeep);
		restore(data_out, dkeep);
	}
	return rc;
}

int ck_bech32_decode(struct ck_buf *hrp_out, struct ck_buf *data_out, const char *s, size_t n,
                     int strict_len)
{
	return decode(hrp_out, data_out, s, n, strict_len, 1);
}

int ck_bech32_decode5(struct ck_buf *hrp_out, struct ck_buf *data5_out, const char *s, size_t n,
                      int strict_len)
{
	return decode(hrp_out, data5_out, s, n, strict_len, 0);
}

int ck_bech32_verify(const char *s, size_t n)
{
	uint8_t *d5 = ck_secret_alloc(n ? n : 1);
	size_t sep = 0;
	int ok;

	if (d5 == NULL)
		return 0;
	ok = parse(s, n, 1, &sep, d5) == CK_OK;
	ck_secret_free(d5);
	return ok;
}
