/* SPDX-License-Identifier: Apache-2.0 */
/* Hash, HMAC, HKDF and scrypt contracts beyond the Wycheproof vectors. */
#include <string.h>

#include "ck/hash.h"
#include "ck/rand.h"
#include "ck_test.h"

static void streaming_matches_one_shot(void **state)
{
	uint8_t data[1000], a[64], b[64];
	struct ck_hash *h;
	size_t off, step;
	int alg;

	ck_random(data, sizeof(data));
	for (alg = CK_SHA256; alg <= CK_SHA512; alg++) {
		if (alg == CK_SHA256)
			ck_sha256(a, data, sizeof(data));
		else
			ck_sha512(a, data, sizeof(data));
		h = ck_hash_new((enum ck_hash_alg)alg);
		assert_non_null(h);
		for (off = 0; off < sizeof(data); off += step) {
			step = 1 + ck_random_uniform(97);
			if (step > sizeof(data) - off)
				step = sizeof(data) - off;
			ck_hash_update(h, data + off, step);
		}
		ck_hash_final(h, b);
		ck_hash_free(h);
		assert_memory_equal(a, b, alg == CK_SHA256 ? 32 : 64);
	}
	ck_hash_free(NULL);
}

/* RFC 4231 test case 2 ("Jefe"), full and truncated verification. */
static void hmac_rfc4231(void **state)
{
	struct ck_buf want = CK_BUF_INIT;
	const char *msg = "what do ya want for nothing?";
	uint8_t mac[64];
	struct ck_hmac_ctx *h;

	ckt_unhex(&want, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(ck_hmac(CK_SHA256, mac, "Jefe", 4, msg, strlen(msg)), CK_OK);
	assert_memory_equal(mac, ck_buf_data(&want), 32);
	h = ck_hmac_new(CK_SHA256, "Jefe", 4);
	assert_non_null(h);
	ck_hmac_update(h, msg, 10);
	ck_hmac_update(h, msg + 10, strlen(msg) - 10);
	ck_hmac_final(h, mac);
	ck_hmac_free(h);
	assert_memory_equal(mac, ck_buf_data(&want), 32);
	assert_int_equal(ck_hmac_verify(CK_SHA256, ck_buf_data(&want), 32, "Jefe", 4, msg,
	                                strlen(msg)),
	                 CK_OK);
	assert_int_equal(ck_hmac_verify(CK_SHA256, ck_buf_data(&want), 16, "Jefe", 4, msg,
	                                strlen(msg)),
	                 CK_OK);
	assert_int_equal(ck_hmac_verify(CK_SHA256, ck_buf_data(&want), 16, "Jeff", 4, msg,
	                                strlen(msg)),
	                 CK_EAUTH);
	assert_int_equal(ck_hmac_verify(CK_SHA256, ck_buf_data(&want), 15, "Jefe", 4, msg,
	                                strlen(msg)),
	                 CK_EINVAL);
	assert_int_equal(ck_hmac_verify(CK_SHA256, mac, 33, "Jefe", 4, msg, strlen(msg)),
	                 CK_EINVAL);
	ck_buf_reset(&want);
	ckt_unhex(&want, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	                 "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	assert_int_equal(ck_hmac(CK_SHA512, mac, "Jefe", 4, msg, strlen(msg)), CK_OK);
	assert_memory_equal(mac, ck_buf_data(&want), 64);
	/* An empty key is a key of zeros. */
	assert_int_equal(ck_hmac(CK_SHA256, mac, NULL, 0, "x", 1), CK_OK);
	assert_int_equal(ck_hmac(CK_SHA256, mac + 32, "\0\0\0", 3, "x", 1), CK_OK);
	assert_memory_equal(mac, mac + 32, 32);
	ck_buf_dispose(&want);
}

static void hkdf_limits(void **state)
{
	uint8_t out[255 * 32 + 1], a[32], zero[32] = { 0 };

	assert_int_equal(ck_hkdf_sha256(out, 255 * 32, "k", 1, NULL, 0, NULL, 0), CK_OK);
	assert_int_equal(ck_hkdf_sha256(out, 255 * 32 + 1, "k", 1, NULL, 0, NULL, 0), CK_EINVAL);
	/* A missing salt is HashLen zero bytes (RFC 5869 2.2). */
	assert_int_equal(ck_hkdf_sha256(a, 32, "k", 1, zero, 32, "i", 1), CK_OK);
	assert_int_equal(ck_hkdf_sha256(out, 32, "k", 1, NULL, 0, "i", 1), CK_OK);
	assert_memory_equal(a, out, 32);
	assert_int_equal(ck_hkdf_sha256(out, 0, "k", 1, NULL, 0, NULL, 0), CK_OK);
}

static void scrypt_params(void **state)
{
	uint8_t a[32], b[32];

	assert_int_equal(ck_scrypt(a, 32, "pw", 2, "salt", 4, 10), CK_OK);
	assert_int_equal(ck_scrypt(b, 32, "pw", 2, "salt", 4, 10), CK_OK);
	assert_memory_equal(a, b, 32);
	assert_int_equal(ck_scrypt(b, 32, "pw", 2, "salt", 4, 11), CK_OK);
	assert_memory_not_equal(a, b, 32);
	assert_int_equal(ck_scrypt(b, 32, "pw", 2, "salt", 4, 0), CK_EINVAL);
	assert_int_equal(ck_scrypt(b, 32, "pw", 2, "salt", 4, 31), CK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(streaming_matches_one_shot),
		cmocka_unit_test(hmac_rfc4231),
		cmocka_unit_test(hkdf_limits),
		cmocka_unit_test(scrypt_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
