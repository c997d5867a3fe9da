/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <sodium.h>

#include "ck/enc.h"
#include "ck/secret.h"

static int sodium_variant(enum ck_b64 v)
{
	switch (v) {
	case CK_B64_STD: return sodium_base64_VARIANT_ORIGINAL;
	case CK_B64_STD_RAW: return sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
	case CK_B64_URL: return sodium_base64_VARIANT_URLSAFE;
	default: return sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	}
}

static int padded(enum ck_b64 v)
{
	return v == CK_B64_STD || v == CK_B64_URL;
}

size_t ck_b64_encoded_len(size_t n, enum ck_b64 v)
{
	if (padded(v))
		return (n + 2) / 3 * 4;
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

int ck_b64_encode(struct ck_buf *out, const void *in, size_t n, enum ck_b64 v)
{
	size_t elen;
	uint8_t *dst;
	int rc;

	if (n > CK_BUF_MAX)
		return ck_err_set(CK_ETOOBIG, "base64: input of %zu bytes too large", n);
	elen = ck_b64_encoded_len(n, v);
	if ((rc = ck_buf_reserve(out, elen, &dst)) < 0)
		return rc;
	/* sodium writes the NUL too, into the byte the buffer keeps for it. */
	sodium_bin2base64((char *)dst, elen + 1, in, n, sodium_variant(v));
	return CK_OK;
}

/*
 * libsodium 1.0.18 maps some bytes >= 0x80 onto alphabet values, so check the
 * character set first. Only validity is revealed, not the key bits.
 */
static int charset_ok(const char *in, size_t n, enum ck_b64 v, unsigned flags)
{
	int url = v == CK_B64_URL || v == CK_B64_URL_RAW;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (url ? (c == '-' || c == '_') : (c == '+' || c == '/'))
			continue;
		if (c == '=' && padded(v))
			continue;
		if ((flags & CK_B64_IGNORE_WS) && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			continue;
		return 0;
	}
	return 1;
}

int ck_b64_decode(struct ck_buf *out, const char *in, size_t n, enum ck_b64 v,
                  unsigned flags)
{
	const char *ignore = (flags & CK_B64_IGNORE_WS) ? " \t\r\n" : NULL;
	const char *end = NULL;
	size_t maxbin = n / 4 * 3 + 3, binlen = 0, keep = ck_buf_len(out);
	enum ck_b64 use = v;
	uint8_t *dst;
	int rc;

	if (!charset_ok(in, n, v, flags))
		return ck_err_set(CK_EINVAL, "invalid base64");
	if ((flags & CK_B64_PAD_OPTIONAL) && padded(v)) {
		/* Decide from the input: any '=' means it is padded. */
		if (memchr(in, '=', n) == NULL)
			use = v == CK_B64_STD ? CK_B64_STD_RAW : CK_B64_URL_RAW;
	}
	if ((rc = ck_buf_reserve(out, maxbin, &dst)) < 0)
		return rc;
	if (sodium_base642bin(dst, maxbin, in, n, ignore, &binlen, &end,
	                      sodium_variant(use)) != 0 ||
	    end != in + n) {
		ck_buf_truncate(out, keep);
		return ck_err_set(CK_EINVAL, "invalid base64");
	}
	ck_buf_truncate(out, keep + binlen);
	return CK_OK;
}

static int hex_encode(struct ck_buf *out, const uint8_t *in, size_t n, int upper)
{
	uint8_t *dst;
	size_t i;
	int rc;

	if (n > CK_BUF_MAX)
		return ck_err_set(CK_ETOOBIG, "hex: input of %zu bytes too large", n);
	if ((rc = ck_buf_reserve(out, 2 * n, &dst)) < 0)
		return rc;
	sodium_bin2hex((char *)dst, 2 * n + 1, in, n);
	if (upper) {
		/* Branch-free like sodium's codec: 'a'..'f' (>= 0x61) lose 0x20. */
		for (i = 0; i < 2 * n; i++)
			dst[i] = (uint8_t)(dst[i] - (((0x60u - dst[i]) >> 8) & 0x20u));
	}
	return CK_OK;
}

int ck_hex_encode(struct ck_buf *out, const void *in, size_t n)
{
	return hex_encode(out, in, n, 0);
}

int ck_hex_encode_upper(struct ck_buf *out, const void *in, size_t n)
{
	return hex_encode(out, in, n, 1);
}

int ck_hex_decode(struct ck_buf *out, const char *in, size_t n)
{
	size_t keep = ck_buf_len(out), binlen = 0;
	const char *end = NULL;
	uint8_t *dst;
	int rc;

	if (n % 2 != 0)
		return ck_err_set(CK_EINVAL, "invalid hex: odd length");
	if ((rc = ck_buf_reserve(out, n / 2, &dst)) < 0)
		return rc;
	if (sodium_hex2bin(dst, n / 2, in, n, NULL, &binlen, &end) != 0 ||
	    end != in + n || binlen != n / 2) {
		ck_buf_truncate(out, keep);
		return ck_err_set(CK_EINVAL, "invalid hex");
	}
	return CK_OK;
}
