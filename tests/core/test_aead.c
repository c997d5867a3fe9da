/* SPDX-License-Identifier: Apache-2.0 */
/* AEAD contract: round trips, tag lengths, IV lengths, wiping on failure. */
#include <string.h>

#include "ck/aead.h"
#include "ck/rand.h"
#include "ck_test.h"

/* core-internal (aead.c): the 16-byte IV with the same GCM J0 as iv. */
int ck__gcm_fold_iv(uint8_t out[16], const uint8_t key[static CK_AEAD_KEY_LEN],
                    const uint8_t *iv, size_t ivlen);

static void round_trips(void **state)
{
	static const enum ck_aead_alg algs[] = { CK_AES256_GCM, CK_CHACHA20_POLY1305,
		                                 CK_XCHACHA20_POLY1305 };
	static const size_t ivlens[] = { 32, CK_CHACHA_NONCE_LEN, CK_XCHACHA_NONCE_LEN };
	uint8_t key[32], iv[32], pt[100], ct[100], back[100], tag[16];
	size_t i;

	ck_random(key, sizeof(key));
	ck_random(iv, sizeof(iv));
	ck_random(pt, sizeof(pt));
	for (i = 0; i < 3; i++) {
		struct ck_aead *a = ck_aead_new(algs[i], key);

		assert_non_null(a);
		assert_int_equal(ck_aead_seal(a, ct, tag, 16, iv, ivlens[i], (const uint8_t *)"ad", 2,
		                              pt, sizeof(pt)),
		                 CK_OK);
		assert_memory_not_equal(ct, pt, sizeof(pt));
		assert_int_equal(ck_aead_open(a, back, tag, 16, iv, ivlens[i], (const uint8_t *)"ad",
		                              2, ct, sizeof(ct)),
		                 CK_OK);
		assert_memory_equal(back, pt, sizeof(pt));
		/* In place. */
		memcpy(back, pt, sizeof(pt));
		assert_int_equal(ck_aead_seal(a, back, tag, 16, iv, ivlens[i], NULL, 0, back,
		                              sizeof(back)),
		                 CK_OK);
		assert_int_equal(ck_aead_open(a, back, tag, 16, iv, ivlens[i], NULL, 0, back,
		                              sizeof(back)),
		                 CK_OK);
		assert_memory_equal(back, pt, sizeof(pt));
		/* Empty message, NULL buffers. */
		assert_int_equal(ck_aead_seal(a, NULL, tag, 16, iv, ivlens[i], NULL, 0, NULL, 0),
		                 CK_OK);
		assert_int_equal(ck_aead_open(a, NULL, tag, 16, iv, ivlens[i], NULL, 0, NULL, 0),
		                 CK_OK);
		tag[5] ^= 1;
		assert_int_equal(ck_aead_open(a, NULL, tag, 16, iv, ivlens[i], NULL, 0, NULL, 0),
		                 CK_EAUTH);
		/* Wrong AAD fails and leaves zeros, not plaintext, behind. */
		assert_int_equal(ck_aead_seal(a, ct, tag, 16, iv, ivlens[i], (const uint8_t *)"ad", 2,
		                              pt, sizeof(pt)),
		                 CK_OK);
		memset(back, 0xaa, sizeof(back));
		assert_int_equal(ck_aead_open(a, back, tag, 16, iv, ivlens[i], (const uint8_t *)"aD",
		                              2, ct, sizeof(ct)),
		                 CK_EAUTH);
		assert_true(back[0] == 0 && back[50] == 0 && back[99] == 0);
		/* Nonce and tag lengths the algorithm does not have. */
		if (algs[i] != CK_AES256_GCM) {
			assert_int_equal(ck_aead_seal(a, ct, tag, 16, iv, ivlens[i] - 1, NULL, 0, pt, 1),
			                 CK_EINVAL);
			assert_int_equal(ck_aead_seal(a, ct, tag, 12, iv, ivlens[i], NULL, 0, pt, 1),
			                 CK_EINVAL);
		}
		assert_int_equal(ck_aead_seal(a, ct, tag, 16, iv, 0, NULL, 0, pt, 1), CK_EINVAL);
		ck_aead_free(a);
	}
	ck_aead_free(NULL);
	assert_null(ck_aead_new((enum ck_aead_alg)7, key));
}

static void gcm_tag_lengths(void **state)
{
	uint8_t key[32], iv[12], pt[33], ct[33], full[16], tag[16], back[33];
	struct ck_aead *a;
	size_t t;

	ck_random(key, sizeof(key));
	ck_random(iv, sizeof(iv));
	ck_random(pt, sizeof(pt));
	a = ck_aead_new(CK_AES256_GCM, key);
	assert_non_null(a);
	assert_int_equal(ck_aead_seal(a, ct, full, 16, iv, 12, NULL, 0, pt, sizeof(pt)), CK_OK);
	for (t = CK_AEAD_MIN_TAG_LEN; t <= 16; t++) {
		/* A short tag is the prefix of the full one. */
		assert_int_equal(ck_aead_seal(a, ct, tag, t, iv, 12, NULL, 0, pt, sizeof(pt)), CK_OK);
		assert_memory_equal(tag, full, t);
		assert_int_equal(ck_aead_open(a, back, tag, t, iv, 12, NULL, 0, ct, sizeof(ct)), CK_OK);
		assert_memory_equal(back, pt, sizeof(pt));
		tag[t - 1] ^= 0x80;
		assert_int_equal(ck_aead_open(a, back, tag, t, iv, 12, NULL, 0, ct, sizeof(ct)),
		                 CK_EAUTH);
	}
	assert_int_equal(ck_aead_seal(a, ct, tag, 3, iv, 12, NULL, 0, pt, 1), CK_EINVAL);
	assert_int_equal(ck_aead_seal(a, ct, tag, 17, iv, 12, NULL, 0, pt, 1), CK_EINVAL);
	ck_aead_free(a);
}

/*
 * Over-long IVs are folded into a 16-byte IV with the same J0. Check the
 * fold against OpenSSL's own J0 computation for every hashed length it accepts,
 * then that long IVs round-trip and are distinct from their neighbours.
 */
static void gcm_iv_lengths(void **state)
{
	uint8_t key[32], iv[300], folded[16], pt[40], ct1[40], ct2[40], tag1[16], tag2[16];
	struct ck_aead *a;
	size_t l;

	ck_random(pt, sizeof(pt));
	for (l = 1; l <= 128; l++) {
		if (l == 12) /* a 96-bit IV is not hashed: J0 = IV || 0^31 || 1 */
			continue;
		ck_random(key, sizeof(key));
		ck_random(iv, l);
		a = ck_aead_new(CK_AES256_GCM, key);
		assert_non_null(a);
		assert_int_equal(ck__gcm_fold_iv(folded, key, iv, l), CK_OK);
		assert_int_equal(ck_aead_seal(a, ct1, tag1, 16, iv, l, NULL, 0, pt, sizeof(pt)), CK_OK);
		assert_int_equal(ck_aead_seal(a, ct2, tag2, 16, folded, 16, NULL, 0, pt, sizeof(pt)),
		                 CK_OK);
		assert_memory_equal(ct1, ct2, sizeof(pt));
		assert_memory_equal(tag1, tag2, 16);
		ck_aead_free(a);
	}
	ck_random(key, sizeof(key));
	a = ck_aead_new(CK_AES256_GCM, key);
	assert_non_null(a);
	ck_random(iv, sizeof(iv));
	for (l = 129; l <= sizeof(iv); l += 19) {
		assert_int_equal(ck_aead_seal(a, ct1, tag1, 16, iv, l, NULL, 0, pt, sizeof(pt)), CK_OK);
		assert_int_equal(ck_aead_open(a, ct2, tag1, 16, iv, l, NULL, 0, ct1, sizeof(pt)), CK_OK);
		assert_memory_equal(ct2, pt, sizeof(pt));
		assert_int_equal(ck_aead_seal(a, ct2, tag2, 16, iv, l - 1, NULL, 0, pt, sizeof(pt)),
		                 CK_OK);
		assert_memory_not_equal(ct1, ct2, sizeof(pt));
	}
	ck_aead_free(a);
}

static void one_shots(void **state)
{
	uint8_t key[32], iv[32], pt[20], ct[36], back[20], tag[16];

	ck_random(key, sizeof(key));
	ck_random(iv, sizeof(iv));
	ck_random(pt, sizeof(pt));
	assert_int_equal(ck_aes256gcm_seal(ct, tag, key, iv, 32, NULL, 0, pt, 20), CK_OK);
	assert_int_equal(ck_aes256gcm_open(back, tag, key, iv, 32, NULL, 0, ct, 20), CK_OK);
	assert_memory_equal(back, pt, 20);
	assert_int_equal(ck_aes256gcm_open(back, tag, key, iv, 31, NULL, 0, ct, 20), CK_EAUTH);
	assert_int_equal(ck_chacha20poly1305_seal(ct, key, iv, NULL, 0, pt, 20), CK_OK);
	assert_int_equal(ck_chacha20poly1305_open(back, key, iv, NULL, 0, ct, 36), CK_OK);
	assert_memory_equal(back, pt, 20);
	assert_int_equal(ck_chacha20poly1305_open(back, key, iv, NULL, 0, ct, 15), CK_EAUTH);
	ct[35] ^= 1;
	assert_int_equal(ck_chacha20poly1305_open(back, key, iv, NULL, 0, ct, 36), CK_EAUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trips),
		cmocka_unit_test(gcm_tag_lengths),
		cmocka_unit_test(gcm_iv_lengths),
		cmocka_unit_test(one_shots),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
