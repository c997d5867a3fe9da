/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESO's value rules (runtime/esutils, providers/v1/vault/client_get.go):
 * GetByteValue conversions, the Vault provider's property lookup, decoding
 * strategies with Go's base64 decoder semantics, key conversion and key
 * validation, and SHA3-224 for ESO's object hash.
 */
#include <stdio.h>
#include <string.h>

#include "ck/err.h"
#include "ck/ext_provider.h"
#include "ck/secret.h"
#include "ext_int.h"

int ck_ext__byte_value(struct ck_buf *out, const struct tv *v)
{
	switch (v->kind) {
	case TV_STR:
	case TV_JNUM:
		return ck_buf_put(out, v->u.s.p, v->u.s.n);
	case TV_FLOAT:
		return ck_ext__fmt_float(out, v->u.f, 'f');
	case TV_BOOL:
		return ck_buf_puts(out, v->u.b ? "true" : "false");
	case TV_NIL:
		return CK_OK;
	case TV_MAP:
	case TV_LIST:
		return ck_ext__json_encode(out, v, NULL, 0);
	default:
		return ck_err_set(CK_EINVAL, "external: can not handle secret value with type %s",
		                  ck_ext__tv_typename(v));
	}
}

int ck_ext__vault_value_tv(struct ck_buf *out, const struct tv *data, const char *property)
{
	struct ck_buf js;
	const struct tv *lit;
	int rc;

	if (data->kind != TV_MAP)
		return ck_err_set(CK_EINVAL, "external: secret data is not a JSON object");
	if (property == NULL || property[0] == '\0')
		return ck_ext__json_encode(out, data, NULL, 0);
	/* a literal top-level key wins over the gjson reading */
	lit = ck_ext__map_get(data->u.m, property, strlen(property));
	if (lit != NULL)
		return ck_ext__byte_value(out, lit);
	ck_buf_init_secure(&js, CK_BUF_MAX);
	if ((rc = ck_ext__json_encode(&js, data, NULL, 0)) >= 0) {
		rc = ck_ext_gjson(out, ck_buf_cstr(&js), ck_buf_len(&js), property);
		if (rc == CK_ENOTFOUND)
			rc = ck_err_set(CK_ENOTFOUND, "cannot find secret data for key: \"%s\"", property);
	}
	ck_buf_dispose(&js);
	return rc;
}

int ck_ext_vault_value(struct ck_buf *out, const char *data_json, size_t n, const char *property)
{
	struct ck_ext_arena a;
	struct tv v;
	int rc;

	ck_ext__arena_init(&a, 1, 0);
	if ((rc = ck_ext__json_decode(&a, &v, data_json, n, CK_EXT_JSON_USE_NUMBER)) >= 0)
		rc = ck_ext__vault_value_tv(out, &v, property);
	ck_ext__arena_dispose(&a);
	return rc;
}

/* --------------------------------------------------------------- base64 */

static int b64val(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/*
 * Go's base64.StdEncoding / URLEncoding DecodeString: padding required,
 * '\r' and '\n' skipped, unused bits not checked. On failure *bad is Go's
 * CorruptInputError offset and CK_EINVAL is returned (no message set).
 */
int ck_ext__go_b64decode(struct ck_buf *out, const char *src, size_t n, int url, size_t *bad)
{
	size_t si = 0;
	int rc;

	for (;;) {
		int dbuf[4] = { 0, 0, 0, 0 };
		size_t dlen = 4, j;
		uint8_t b[3];

		for (j = 0; j < 4; j++) {
			unsigned char in;
			int v;

			if (si == n) {
				if (j == 0)
					return CK_OK;
				*bad = si - j;
				return CK_EINVAL;
			}
			in = (unsigned char)src[si++];
			if ((v = b64val(in, url)) >= 0) {
				dbuf[j] = v;
				continue;
			}
			if (in == '\n' || in == '\r') {
				j--;
				continue;
			}
			if (in != '=') {
				*bad = si - 1;
				return CK_EINVAL;
			}
			/* padding */
			if (j < 2) {
				*bad = si - 1;
				return CK_EINVAL;
			}
			if (j == 2) {
				while (si < n && (src[si] == '\n' || src[si] == '\r'))
					si++;
				if (si == n) {
					*bad = n;
					return CK_EINVAL;
				}
				if (src[si] != '=') {
					*bad = si - 1;
					return CK_EINVAL;
				}
				si++;
			}
			while (si < n && (src[si] == '\n' || src[si] == '\r'))
				si++;
			if (si < n) {
				*bad = si;
				return CK_EINVAL;
			}
			dlen = j;
			break;
		}
		b[0] = (uint8_t)(dbuf[0] << 2 | dbuf[1] >> 4);
		b[1] = (uint8_t)(dbuf[1] << 4 | dbuf[2] >> 2);
		b[2] = (uint8_t)(dbuf[2] << 6 | dbuf[3]);
		rc = ck_buf_put(out, b, dlen - 1);
		ck_memzero(b, sizeof(b));
		if (rc < 0)
			return rc;
		if (dlen < 4)
			return CK_OK;
	}
}

int ck_ext__decode(struct ck_buf *buf, enum ck_ext_decoding d)
{
	struct ck_buf tmp;
	size_t bad = 0;
	int rc = CK_OK;

	if (d == CK_EXT_DEC_NONE)
		return CK_OK;
	ck_buf_init_secure(&tmp, CK_BUF_MAX);
	if (d == CK_EXT_DEC_BASE64 || d == CK_EXT_DEC_AUTO)
		rc = ck_ext__go_b64decode(&tmp, (const char *)ck_buf_data(buf), ck_buf_len(buf), 0, &bad);
	if ((d == CK_EXT_DEC_AUTO && rc == CK_EINVAL) || d == CK_EXT_DEC_BASE64URL) {
		ck_buf_reset(&tmp);
		rc = ck_ext__go_b64decode(&tmp, (const char *)ck_buf_data(buf), ck_buf_len(buf), 1, &bad);
		if (d == CK_EXT_DEC_AUTO && rc == CK_EINVAL) {
			rc = CK_OK; /* Auto: leave as is */
			goto out;
		}
	}
	if (rc == CK_EINVAL) {
		rc = ck_err_set(CK_EINVAL, "illegal base64 data at input byte %zu", bad);
		goto out;
	}
	if (rc < 0)
		goto out;
	ck_buf_reset(buf);
	rc = ck_buf_putb(buf, &tmp);
out:
	ck_buf_dispose(&tmp);
	return rc;
}

/* unicode.IsLetter || unicode.IsNumber, approximated outside ASCII. */
static int letter_or_number(uint32_t r)
{
	if (r < 0x80)
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
	if (r < 0xc0)
		return r == 0xaa || r == 0xb5 || r == 0xba || r == 0xb2 || r == 0xb3 || r == 0xb9 ||
		       (r >= 0xbc && r <= 0xbe);
	if (r == 0xd7 || r == 0xf7 || r == 0xfffd)
		return 0;
	if ((r >= 0x2000 && r <= 0x206f) || (r >= 0x3000 && r <= 0x303f) ||
	    (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff0f) ||
	    (r >= 0xe000 && r <= 0xf8ff) || (r >= 0x2190 && r <= 0x2bff) ||
	    (r >= 0xd800 && r <= 0xdfff) || (r >= 0x1f000 && r <= 0x1faff))
		return 0;
	return 1;
}

int ck_ext__convert_key(struct ck_buf *out, const char *key, size_t n, enum ck_ext_conversion c)
{
	size_t i = 0;
	int rc = CK_OK;

	while (i < n && rc >= 0) {
		uint32_t r;
		int len = ck_ext__utf8_decode((const unsigned char *)key + i, n - i, &r);
		size_t step = len < 0 ? 1 : (size_t)len;

		if (letter_or_number(r) || r == '-' || r == '.' || r == '_')
			rc = ck_buf_put(out, key + i, step);
		else if (c == CK_EXT_CONV_UNICODE)
			rc = ck_buf_printf(out, "_U%04x_", (unsigned)r);
		else
			rc = ck_buf_putc(out, '_');
		i += step;
	}
	return rc;
}

int ck_ext__valid_key(const char *key, size_t n)
{
	size_t i = 0;

	if (n == 0 || n > 253)
		return 0;
	while (i < n) {
		uint32_t r;
		int len = ck_ext__utf8_decode((const unsigned char *)key + i, n - i, &r);

		if (len < 0 || !(letter_or_number(r) || r == '-' || r == '.' || r == '_'))
			return 0;
		i += (size_t)len;
	}
	return 1;
}

/* ----------------------------------------------------------------- SHA3 */

static const uint64_t keccak_rc[24] = {
	0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL,
	0x8000000080008000ULL, 0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL, 0x000000000000008aULL,
	0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL,
	0x8000000000008003ULL, 0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL, 0x8000000080008081ULL,
	0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};
static const unsigned keccak_rot[25] = {
	0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
};

static uint64_t rol(uint64_t x, unsigned s)
{
	return s ? (x << s) | (x >> (64 - s)) : x;
}

static void keccak_f(uint64_t st[25])
{
	uint64_t c[5], d, b[25];
	int round, x, y;

	for (round = 0; round < 24; round++) {
		for (x = 0; x < 5; x++)
			c[x] = st[x] ^ st[x + 5] ^ st[x + 10] ^ st[x + 15] ^ st[x + 20];
		for (x = 0; x < 5; x++) {
			d = c[(x + 4) % 5] ^ rol(c[(x + 1) % 5], 1);
			for (y = 0; y < 25; y += 5)
				st[y + x] ^= d;
		}
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] = rol(st[x + 5 * y], keccak_rot[x + 5 * y]);
		for (x = 0; x < 5; x++)
			for (y = 0; y < 5; y++)
				st[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
		st[0] ^= keccak_rc[round];
	}
}

void ck_ext__sha3_224(uint8_t out[28], const void *p, size_t n)
{
	const size_t rate = 144;
	const uint8_t *in = p;
	uint64_t st[25];
	uint8_t block[144];
	size_t i;

	memset(st, 0, sizeof(st));
	while (n >= rate) {
		for (i = 0; i < rate / 8; i++) {
			uint64_t w = 0;
			int k;

			for (k = 7; k >= 0; k--)
				w = (w << 8) | in[i * 8 + (size_t)k];
			st[i] ^= w;
		}
		keccak_f(st);
		in += rate;
		n -= rate;
	}
	memset(block, 0, sizeof(block));
	if (n)
		memcpy(block, in, n);
	block[n] ^= 0x06;
	block[rate - 1] ^= 0x80;
	for (i = 0; i < rate / 8; i++) {
		uint64_t w = 0;
		int k;

		for (k = 7; k >= 0; k--)
			w = (w << 8) | block[i * 8 + (size_t)k];
		st[i] ^= w;
	}
	keccak_f(st);
	for (i = 0; i < 28; i++)
		out[i] = (uint8_t)(st[i / 8] >> (8 * (i % 8)));
	ck_memzero(block, sizeof(block));
	ck_memzero(st, sizeof(st));
}

int ck_ext_object_hash(char out[57], const void *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t d[28];
	size_t i;

	ck_ext__sha3_224(d, s, n);
	for (i = 0; i < 28; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[56] = '\0';
	return CK_OK;
}
