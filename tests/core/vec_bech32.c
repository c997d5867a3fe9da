/* SPDX-License-Identifier: Apache-2.0 */
/*
 * BIP-173 vectors (shared/vectors/bech32/bip173_vectors.json) against
 * core/bech32.c, plus the age spec's example key pair. The JSON is flat
 * enough for a small field scanner.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/age.h"
#include "ck/bech32.h"
#include "ck/enc.h"
#include "ck_test.h"

struct span {
	const char *p, *e;
};

/* The array named key in s, as the span between its brackets. */
static struct span array_of(struct span s, const char *key)
{
	char pat[128];
	const char *k, *p;
	struct span r = {NULL, NULL};
	int depth = 0;

	snprintf(pat, sizeof(pat), "\"%s\": [", key);
	k = strstr(s.p, pat);
	assert_non_null(k);
	p = k + strlen(pat);
	r.p = p;
	for (; p < s.e; p++) {
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (*p == '[') {
			depth++;
		} else if (*p == ']') {
			if (depth-- == 0)
				break;
		}
	}
	r.e = p;
	return r;
}

/* Next top-level {...} in *s, or a NULL span. */
static struct span next_object(struct span *s)
{
	struct span r = {NULL, NULL};
	const char *p = s->p;
	int depth = 0;

	while (p < s->e && *p != '{')
		p++;
	if (p >= s->e)
		return r;
	r.p = p;
	for (; p < s->e; p++) {
		if (*p == '"') {
			for (p++; *p != '"'; p++)
				if (*p == '\\')
					p++;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			break;
		}
	}
	r.e = p + 1;
	s->p = r.e;
	return r;
}

/* String field (no escapes in this file) into out; 0 when null or absent. */
static int field(struct span o, const char *key, char *out, size_t n)
{
	char pat[128];
	const char *k, *q;
	size_t l;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	k = strstr(o.p, pat);
	if (k == NULL || k >= o.e)
		return 0;
	k += strlen(pat);
	if (*k != '"')
		return 0;
	q = strchr(k + 1, '"');
	l = (size_t)(q - k - 1);
	assert_true(l < n);
	memcpy(out, k + 1, l);
	out[l] = 0;
	return 1;
}

static int field_true(struct span o, const char *key)
{
	char pat[128];
	const char *k;

	snprintf(pat, sizeof(pat), "\"%s\": true", key);
	k = strstr(o.p, pat);
	return k != NULL && k < o.e;
}

/* "data5": [1, 2, ...] into d; count. */
static size_t ints(struct span o, const char *key, uint8_t *d, size_t max)
{
	char pat[128];
	const char *k;
	char *end;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\": [", key);
	k = strstr(o.p, pat);
	assert_true(k != NULL && k < o.e);
	k += strlen(pat);
	while (*k != ']') {
		while (*k == ' ' || *k == ',' || *k == '\n')
			k++;
		if (*k == ']')
			break;
		assert_true(n < max);
		d[n++] = (uint8_t)strtoul(k, &end, 10);
		k = end;
	}
	return n;
}

static void unhex_str(struct ck_buf *out, const char *hex)
{
	ck_buf_reset(out);
	ckt_unhex(out, hex);
}

static void bip173(void **state)
{
	struct ck_buf all = CK_BUF_INIT, s = CK_BUF_INIT, hrp = CK_BUF_INIT, d = CK_BUF_INIT,
	              d8 = CK_BUF_INIT, enc = CK_BUF_INIT;
	char str[512], hex[1024], want[512], expect_hrp[256];
	uint8_t d5[128];
	unsigned valid = 0, invalid = 0, seg_ok = 0, seg_bad = 0, age = 0;
	struct span root, arr, o;
	size_t n5, i;
	int upper;

	(void)state;
	ckt_readf(&all, "%s/bip173_vectors.json", ckt_vectors("bech32"));
	root.p = (const char *)ck_buf_data(&all);
	root.e = root.p + ck_buf_len(&all);

	arr = array_of(root, "valid_bech32");
	while ((o = next_object(&arr)).p != NULL) {
		assert_true(field(o, "string_hex", hex, sizeof(hex)));
		unhex_str(&s, hex);
		assert_int_equal(ck_bech32_verify(ck_buf_cstr(&s), ck_buf_len(&s)), 1);
		ck_buf_reset(&hrp);
		ck_buf_reset(&d);
		assert_int_equal(ck_bech32_decode5(&hrp, &d, ck_buf_cstr(&s), ck_buf_len(&s), 1),
		                 CK_OK);
		assert_true(field(o, "hrp", expect_hrp, sizeof(expect_hrp)));
		for (i = 0; expect_hrp[i]; i++)
			expect_hrp[i] = (char)tolower((unsigned char)expect_hrp[i]);
		assert_string_equal(ck_buf_cstr(&hrp), expect_hrp);
		n5 = ints(o, "data5", d5, sizeof(d5));
		assert_int_equal(ck_buf_len(&d), n5);
		assert_memory_equal(ck_buf_data(&d), d5, n5);
		ck_buf_reset(&d8);
		if (field(o, "data8_hex", want, sizeof(want))) {
			assert_int_equal(
			    ck_bech32_decode(NULL, &d8, ck_buf_cstr(&s), ck_buf_len(&s), 1), CK_OK);
			unhex_str(&d, want);
			assert_true(ck_buf_eq(&d, &d8));
			/* And back, in the case it was written in. */
			upper = isupper((unsigned char)ck_buf_cstr(&s)[0]);
			ck_buf_reset(&enc);
			assert_int_equal(ck_bech32_encode(&enc, expect_hrp, ck_buf_data(&d8),
			                                  ck_buf_len(&d8), upper),
			                 CK_OK);
			assert_true(ck_buf_eq(&enc, &s));
		} else {
			assert_int_not_equal(
			    ck_bech32_decode(NULL, &d8, ck_buf_cstr(&s), ck_buf_len(&s), 1), CK_OK);
		}
		valid++;
	}

	arr = array_of(root, "invalid_bech32");
	while ((o = next_object(&arr)).p != NULL) {
		assert_true(field(o, "string_hex", hex, sizeof(hex)));
		unhex_str(&s, hex);
		assert_int_equal(ck_bech32_verify(ck_buf_cstr(&s), ck_buf_len(&s)), 0);
		ck_buf_reset(&d);
		/* age drops the 90-character limit: exactly one of these becomes valid. */
		assert_int_equal(ck_bech32_decode5(NULL, &d, ck_buf_cstr(&s), ck_buf_len(&s), 0) ==
		                     CK_OK,
		                 field_true(o, "valid_without_90_char_limit"));
		invalid++;
	}

	arr = array_of(root, "valid_segwit_addresses");
	while ((o = next_object(&arr)).p != NULL) {
		assert_true(field(o, "string", str, sizeof(str)));
		ck_buf_reset(&d);
		assert_int_equal(ck_bech32_decode5(NULL, &d, str, strlen(str), 1), CK_OK);
		ck_buf_reset(&d8);
		assert_int_equal(ck_bech32_5to8(&d8, ck_buf_data(&d) + 1, ck_buf_len(&d) - 1),
		                 CK_OK);
		assert_true(field(o, "program_hex", want, sizeof(want)));
		unhex_str(&enc, want);
		assert_true(ck_buf_eq(&enc, &d8));
		seg_ok++;
	}

	arr = array_of(root, "invalid_segwit_addresses");
	while ((o = next_object(&arr)).p != NULL) {
		char at[128];

		assert_true(field(o, "string", str, sizeof(str)));
		assert_true(field(o, "fails_at", at, sizeof(at)));
		ck_buf_reset(&d);
		if (strcmp(at, "bech32") == 0) {
			assert_int_not_equal(ck_bech32_decode5(NULL, &d, str, strlen(str), 1),
			                     CK_OK);
		} else {
			assert_int_equal(ck_bech32_decode5(NULL, &d, str, strlen(str), 1), CK_OK);
			ck_buf_reset(&d8);
			if (strcmp(at, "5-to-8 conversion") == 0)
				assert_int_not_equal(
				    ck_bech32_5to8(&d8, ck_buf_data(&d) + 1, ck_buf_len(&d) - 1),
				    CK_OK);
		}
		seg_bad++;
	}

	arr = array_of(root, "age_examples");
	{
		char sk[256] = "", pk[256] = "";

		while ((o = next_object(&arr)).p != NULL) {
			assert_true(field(o, "string", str, sizeof(str)));
			assert_true(field(o, "data8_hex", want, sizeof(want)));
			ck_buf_reset(&hrp);
			ck_buf_reset(&d8);
			assert_int_equal(ck_bech32_decode(&hrp, &d8, str, strlen(str), 0), CK_OK);
			unhex_str(&d, want);
			assert_true(ck_buf_eq(&d, &d8));
			if (strncmp(str, "AGE-SECRET-KEY-1", 16) == 0)
				snprintf(sk, sizeof(sk), "%s", str);
			else
				snprintf(pk, sizeof(pk), "%s", str);
			age++;
		}
		assert_true(sk[0] && pk[0]);
		ck_buf_reset(&enc);
		assert_int_equal(ck_age_identity_to_recipient(&enc, sk, strlen(sk)), CK_OK);
		assert_string_equal(ck_buf_cstr(&enc), pk);
	}
	printf("bech32 vectors: %u valid, %u invalid, %u valid segwit, %u invalid segwit, "
	       "%u age examples: all as expected\n",
	       valid, invalid, seg_ok, seg_bad, age);
	ck_buf_dispose(&all);
	ck_buf_dispose(&s);
	ck_buf_dispose(&hrp);
	ck_buf_dispose(&d);
	ck_buf_dispose(&d8);
	ck_buf_dispose(&enc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(bip173)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
