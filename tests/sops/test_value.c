/* SPDX-License-Identifier: Apache-2.0 */
/* The ENC[] value codec and the AES-256-GCM value cipher (sops/value.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/sops_internal.h"
#include "ck/sops_cipher.h"
#include "ck/aead.h"
#include "ck_test.h"

static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static void parse_ok(const char *s, const char *data, const char *iv, const char *tag,
                     const char *type)
{
	struct ck_sops_enc e;

	assert_int_equal(ck_sops__enc_parse(&e, s, strlen(s)), CK_OK);
	assert_int_equal(e.data_len, strlen(data));
	assert_memory_equal(e.data, data, e.data_len);
	assert_int_equal(e.iv_len, strlen(iv));
	assert_memory_equal(e.iv, iv, e.iv_len);
	assert_int_equal(e.tag_len, strlen(tag));
	assert_memory_equal(e.tag, tag, e.tag_len);
	assert_int_equal(e.type_len, strlen(type));
	assert_memory_equal(e.type, type, e.type_len);
}

static void enc_parse(void **state)
{
	static const char *bad[] = {
		"",
		"ENC[AES256_GCM,data:",
		"ENC[AES256_GCM,data:a,iv:b,tag:c]",            /* no type */
		"ENC[AES256_GCM,data:a,iv:b,tag:c,type:str",    /* no closing bracket */
		"ENC[AES256_GCM,data:,iv:b,tag:c,type:str]",    /* empty data */
		"ENC[AES256_GCM,data:a,iv:,tag:c,type:str]",    /* empty iv */
		"ENC[AES256_GCM,data:a,iv:b,tag:c,type:]",      /* empty type */
		"ENC[AES128_GCM,data:a,iv:b,tag:c,type:str]",   /* other cipher */
		"enc[AES256_GCM,data:a,iv:b,tag:c,type:str]",
		" ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]",
		"ENC[AES256_GCM,data:a,iv:b\n,tag:c,type:str]", /* groups stop at a newline */
	};
	struct ck_sops_enc e;
	size_t i;

	(void)state;
	parse_ok("ENC[AES256_GCM,data:QUJD,iv:SVY=,tag:VEFH,type:str]", "QUJD", "SVY=", "VEFH",
	         "str");
	/* Greedy groups: separators bind to their last occurrence. */
	parse_ok("ENC[AES256_GCM,data:a,iv:b,iv:c,tag:d,type:int]", "a,iv:b", "c", "d", "int");
	parse_ok("ENC[AES256_GCM,data:a,iv:b,tag:c,type:str]trailing]", "a", "b", "c",
	         "str]trailing");
	/* Text after a newline is ignored like the regexp does. */
	parse_ok("ENC[AES256_GCM,data:a,iv:b,tag:c,type:comment]\nmore", "a", "b", "c", "comment");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ck_sops__enc_parse(&e, bad[i], strlen(bad[i])) == CK_OK)
			fail_msg("accepted %s", bad[i]);
	}
	assert_true(ck_sops__is_enc("ENC[AES256_GCM,data:x", 21));
	assert_false(ck_sops__is_enc("ENC[AES256_GCM,data:", 20));
}

static void b64(void **state)
{
	uint8_t in[64], out[64];
	char txt[100];
	size_t n, m;

	(void)state;
	for (n = 0; n < sizeof(in); n++)
		in[n] = (uint8_t)(n * 37 + 11);
	for (n = 0; n <= sizeof(in); n++) {
		m = ck_sops__b64_encode(txt, in, n);
		assert_int_equal(m, CK_SOPS_B64_LEN(n));
		assert_int_equal(ck_sops__b64_decode(out, sizeof(out), txt, m), n);
		assert_memory_equal(out, in, n);
	}
	assert_int_equal(ck_sops__b64_encode(txt, (const uint8_t *)"\xff\xfe", 2), 4);
	assert_memory_equal(txt, "//4=", 4);
	/* Padding is required; bad characters and lengths are refused. */
	assert_int_equal(ck_sops__b64_decode(out, sizeof(out), "QUJ", 3), (size_t)-1);
	assert_int_equal(ck_sops__b64_decode(out, sizeof(out), "QU==QUJD", 8), (size_t)-1);
	assert_int_equal(ck_sops__b64_decode(out, sizeof(out), "QUJ-", 4), (size_t)-1);
	assert_int_equal(ck_sops__b64_decode(out, sizeof(out), "Q===", 4), (size_t)-1);
	/* Like Go's StdEncoding, unused low bits of the last group are ignored. */
	assert_int_equal(ck_sops__b64_decode(out, sizeof(out), "QR==", 4), 1);
	assert_int_equal(out[0], 'A');
	assert_int_equal(ck_sops__b64_decode(out, sizeof(out), "QUN=", 4), 2);
	assert_memory_equal(out, "AC", 2);
	/* Text that would not fit is refused before anything is written. */
	memset(out, 0, sizeof(out));
	assert_int_equal(ck_sops__b64_decode(out, 2, "QUJD", 4), (size_t)-1);
	assert_int_equal(out[0], 0);
	assert_int_equal(ck_sops__b64_decode(out, 2, "QUI=", 4), 2);
}

/* Encrypt pt with the cipher and return the ENC[] string (malloc'd). */
static char *encrypt(struct ck_sops_cipher *c, const char *pt, int type, const char *aad)
{
	size_t n = strlen(pt), el = ck_sops__enc_len(n, strlen(ck_sops__enc_type_name(type)));
	char *out = calloc(1, el + 1);
	uint8_t *scratch = malloc(n + 1);

	assert_non_null(out);
	assert_non_null(scratch);
	assert_int_equal(ck_sops__encrypt_value(c, out, scratch, (const uint8_t *)pt, n, type,
	                                        (const uint8_t *)aad, strlen(aad)),
	                 CK_OK);
	free(scratch);
	assert_int_equal(strlen(out), el);
	return out;
}

/* Decrypt s; returns the ck error code, plaintext in pt (NUL-terminated). */
static int decrypt(struct ck_sops_cipher *c, const char *s, const char *aad, char *pt,
                   uint8_t iv[CK_SOPS_MAX_IV], size_t *ivlen)
{
	struct ck_sops_enc e;
	size_t n = 0;
	int rc;

	if ((rc = ck_sops__enc_parse(&e, s, strlen(s))) < 0)
		return rc;
	rc = ck_sops__decrypt_value(c, (uint8_t *)pt, &n, &e, (const uint8_t *)aad, strlen(aad), iv,
	                            ivlen);
	pt[rc == CK_OK ? n : 0] = '\0';
	return rc;
}

static void round_trip(void **state)
{
	static const struct {
		const char *pt;
		int type;
		const char *tname;
	} cases[] = {
		{ "bar", CK_SOPS_STR, "str" },     { "42", CK_SOPS_INT, "int" },
		{ "25.4", CK_SOPS_FLOAT, "float" }, { "True", CK_SOPS_BOOL, "bool" },
		{ "2024-01-01T00:00:00Z", CK_SOPS_TIME, "time" },
		{ " a comment", CK_SOPS_COMMENT, "comment" },
		{ "x", CK_SOPS_STR, "str" },
	};
	struct ck_sops_cipher c;
	uint8_t iv[CK_SOPS_MAX_IV];
	char pt[256], *s, *t;
	size_t i, ivlen;

	(void)state;
	assert_int_equal(ck_sops__cipher_init(&c, key), CK_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ck_sops_enc e;

		s = encrypt(&c, cases[i].pt, cases[i].type, "a:b:");
		assert_int_equal(ck_sops__enc_parse(&e, s, strlen(s)), CK_OK);
		assert_int_equal(e.type_len, strlen(cases[i].tname));
		assert_memory_equal(e.type, cases[i].tname, e.type_len);
		assert_int_equal(e.iv_len, 44);  /* 32-byte IV */
		assert_int_equal(e.tag_len, 24); /* 16-byte tag */
		assert_int_equal(decrypt(&c, s, "a:b:", pt, iv, &ivlen), CK_OK);
		assert_string_equal(pt, cases[i].pt);
		assert_int_equal(ivlen, 32);
		/* The AAD (the value's path) is authenticated. */
		assert_int_equal(decrypt(&c, s, "a:c:", pt, iv, &ivlen), CK_EAUTH);
		/* Fresh IVs: the same plaintext encrypts differently each time. */
		t = encrypt(&c, cases[i].pt, cases[i].type, "a:b:");
		assert_string_not_equal(s, t);
		free(s);
		free(t);
	}
	ck_sops__cipher_dispose(&c);
}

/* Flip one character of the field starting after `marker`. */
static void flip(char *s, const char *marker)
{
	char *p = strstr(s, marker);

	assert_non_null(p);
	p += strlen(marker);
	*p = *p == 'A' ? 'B' : 'A';
}

static void tamper(void **state)
{
	struct ck_sops_cipher c, other;
	uint8_t iv[CK_SOPS_MAX_IV], key2[32];
	char pt[256], *s;
	size_t ivlen;

	(void)state;
	memcpy(key2, key, sizeof(key2));
	key2[31] ^= 1;
	assert_int_equal(ck_sops__cipher_init(&c, key), CK_OK);
	assert_int_equal(ck_sops__cipher_init(&other, key2), CK_OK);
	s = encrypt(&c, "correct horse", CK_SOPS_STR, "k:");
	assert_int_equal(decrypt(&other, s, "k:", pt, iv, &ivlen), CK_EAUTH);
	flip(s, "data:");
	assert_int_equal(decrypt(&c, s, "k:", pt, iv, &ivlen), CK_EAUTH);
	free(s);
	s = encrypt(&c, "correct horse", CK_SOPS_STR, "k:");
	flip(s, ",iv:");
	assert_int_equal(decrypt(&c, s, "k:", pt, iv, &ivlen), CK_EAUTH);
	free(s);
	s = encrypt(&c, "correct horse", CK_SOPS_STR, "k:");
	flip(s, ",tag:");
	assert_int_equal(decrypt(&c, s, "k:", pt, iv, &ivlen), CK_EAUTH);
	free(s);
	/* A truncated tag cannot be split off as Go's GCM does. */
	assert_int_equal(decrypt(&c, "ENC[AES256_GCM,data:QUJD,iv:SVY=,tag:VEFH,type:str]", "k:",
	                         pt, iv, &ivlen),
	                 CK_EAUTH);
	/* Broken base64 is an input error, not an authentication failure. */
	assert_int_equal(decrypt(&c, "ENC[AES256_GCM,data:QUJ,iv:SVY=,tag:VEFH,type:str]", "k:", pt,
	                         iv, &ivlen),
	                 CK_EINVAL);
	ck_sops__cipher_dispose(&c);
	ck_sops__cipher_dispose(&other);
}

static void iv_cache(void **state)
{
	struct ck_sops_cipher c;
	struct ck_sops_ivcache *cache = ck_sops__ivcache_new();
	uint8_t iv[CK_SOPS_MAX_IV];
	char pt[256], *s, *t;
	size_t ivlen, i;

	(void)state;
	assert_non_null(cache);
	assert_int_equal(ck_sops__cipher_init(&c, key), CK_OK);
	s = encrypt(&c, "value", CK_SOPS_STR, "a:");
	assert_int_equal(decrypt(&c, s, "a:", pt, iv, &ivlen), CK_OK);
	assert_int_equal(ck_sops__ivcache_put(cache, CK_SOPS_STR, (const uint8_t *)"a:", 2,
	                                      (const uint8_t *)pt, strlen(pt), iv, ivlen),
	                 CK_OK);
	/* Many more entries force the table to grow; the first one survives. */
	for (i = 0; i < 300; i++) {
		char v[32];
		uint8_t fake[32] = { 0 };

		snprintf(v, sizeof(v), "v%zu", i);
		fake[0] = (uint8_t)i;
		assert_int_equal(ck_sops__ivcache_put(cache, CK_SOPS_STR, (const uint8_t *)"b:", 2,
		                                      (const uint8_t *)v, strlen(v), fake, 32),
		                 CK_OK);
	}
	c.cache = cache;
	/* Same type, path and plaintext: the very same ciphertext. */
	t = encrypt(&c, "value", CK_SOPS_STR, "a:");
	assert_string_equal(s, t);
	free(t);
	/* Any difference gets a fresh IV. */
	t = encrypt(&c, "value2", CK_SOPS_STR, "a:");
	assert_string_not_equal(s, t);
	assert_null(strstr(t, strstr(s, ",iv:")));
	free(t);
	t = encrypt(&c, "value", CK_SOPS_STR, "b:");
	assert_null(strstr(t, strstr(s, ",iv:")));
	free(t);
	t = encrypt(&c, "value", CK_SOPS_COMMENT, "a:");
	assert_null(strstr(t, strstr(s, ",iv:")));
	free(t);
	assert_non_null(ck_sops__ivcache_get(cache, CK_SOPS_STR, (const uint8_t *)"b:", 2,
	                                     (const uint8_t *)"v299", 4));
	assert_int_equal(ck_sops__ivcache_get(cache, CK_SOPS_STR, (const uint8_t *)"b:", 2,
	                                      (const uint8_t *)"v7", 2)[0],
	                 7);
	/* IVs that are not 32 bytes (old sops files) are not re-used. */
	assert_int_equal(ck_sops__ivcache_put(cache, CK_SOPS_STR, (const uint8_t *)"c:", 2,
	                                      (const uint8_t *)"x", 1, iv, 12),
	                 CK_OK);
	assert_null(ck_sops__ivcache_get(cache, CK_SOPS_STR, (const uint8_t *)"c:", 2,
	                                 (const uint8_t *)"x", 1));
	free(s);
	ck_sops__cipher_dispose(&c);
	ck_sops__ivcache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(enc_parse), cmocka_unit_test(b64),      cmocka_unit_test(round_trip),
		cmocka_unit_test(tamper),    cmocka_unit_test(iv_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
