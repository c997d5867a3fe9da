/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every Wycheproof vector in shared/vectors/wycheproof, through the public
 * core API. For each file the runner counts:
 *   valid ok        "valid": accepted, with exactly the expected output
 *                   (AEADs: both directions, seal gives ct and tag, open the msg)
 *   invalid rej.    "invalid": rejected (open/decrypt/verify fails, or the API
 *                   refuses the parameters, e.g. a 0-byte IV or a ChaCha20 nonce
 *                   that is not 12 bytes)
 *   acceptable      "acceptable" (either outcome allowed): if we accept, the
 *                   output must match; if we reject, the rejection must be the
 *                   documented one. X25519: we refuse exactly the cases whose
 *                   shared secret is all zeros (libsodium's low-order check;
 *                   age requires it), and accept the rest with the right
 *                   output. RSA-OAEP: small-integer ciphertexts, either way.
 *   n.a.            outside what the API offers, with the reason printed:
 *                   AES-128/192 keys (the API is AES-256 only), OAEP groups
 *                   with another hash than SHA-256/MGF1-SHA-256, and RSA keys
 *                   below the 2048-bit policy (their loading is checked to fail
 *                   with CK_EUNSUPPORTED).
 * Each file's counts must add up to its numberOfTests.
 *
 * Extra checks derived from the same data: AES-GCM with every truncated tag
 * length the API supports (4..15 bytes; the file itself has only 128-bit tags),
 * HMAC truncated tags as the files specify, and the draft-irtf-cfrg-xchacha
 * A.3.1 vector (also in the Wycheproof XChaCha file, tcId 1).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ck/aead.h"
#include "ck/hash.h"
#include "ck/rsa.h"
#include "ck/secret.h"
#include "ck/x25519.h"
#include "ck_test.h"

static const char *dir;

struct counts {
	size_t valid, invalid, acc_yes, acc_no, na, total, extra, oneshot;
	const char *na_why, *extra_what;
};

static json_t *load(const char *file)
{
	char path[4096];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((j = json_load_file(path, 0, &err)) == NULL)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	return j;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (s == NULL)
		fail_msg("missing string field %s", k);
	return s;
}

static void hex(struct ck_buf *out, json_t *o, const char *k)
{
	ck_buf_reset(out);
	ckt_unhex(out, str(o, k));
}

static void report(const char *file, json_t *j, const struct counts *c)
{
	size_t n = c->valid + c->invalid + c->acc_yes + c->acc_no + c->na;

	printf("%-44s valid ok %4zu | invalid rejected %4zu | acceptable %3zu (accepted %zu, "
	       "rejected %zu) | n.a. %3zu",
	       file, c->valid, c->invalid, c->acc_yes + c->acc_no, c->acc_yes, c->acc_no, c->na);
	if (c->na)
		printf(" (%s)", c->na_why);
	printf("\n");
	if (c->extra)
		printf("%-44s + %zu %s\n", "", c->extra, c->extra_what);
	if (c->oneshot)
		printf("%-44s + the same %zu vectors through the one-shot helpers\n", "",
		       c->oneshot);
	assert_int_equal(n, c->total);
	assert_int_equal(n, (size_t)json_integer_value(json_object_get(j, "numberOfTests")));
}

/* ---- AEAD ---------------------------------------------------------------- */

static void aead_file(const char *file, enum ck_aead_alg alg)
{
	json_t *j = load(file), *g, *t;
	struct ck_buf key = CK_BUF_INIT, iv = CK_BUF_INIT, aad = CK_BUF_INIT, msg = CK_BUF_INIT,
	              ct = CK_BUF_INIT, tag = CK_BUF_INIT, out = CK_BUF_INIT;
	struct counts c = { 0 };
	size_t gi, ti;

	c.na_why = "AES-128/192 keys: the API is AES-256 only";
	c.extra_what = "truncated-tag checks (tags of 4..15 bytes cut from valid vectors, "
	               "each accepted and, with one bit flipped, rejected)";
	json_array_foreach (json_object_get(j, "testGroups"), gi, g) {
		size_t keybits = (size_t)json_integer_value(json_object_get(g, "keySize"));
		size_t taglen = (size_t)json_integer_value(json_object_get(g, "tagSize")) / 8;

		json_array_foreach (json_object_get(g, "tests"), ti, t) {
			const char *res = str(t, "result");
			struct ck_aead *a;
			uint8_t got_tag[16], dummy;
			uint8_t *dst;
			int rs, ro;

			c.total++;
			if (keybits != 256) {
				c.na++;
				continue;
			}
			hex(&key, t, "key");
			hex(&iv, t, "iv");
			hex(&aad, t, "aad");
			hex(&msg, t, "msg");
			hex(&ct, t, "ct");
			hex(&tag, t, "tag");
			ck_buf_reset(&out);
			assert_int_equal(ck_buf_reserve(&out, ck_buf_len(&msg) + 1, &dst), CK_OK);
			a = ck_aead_new(alg, ck_buf_data(&key));
			assert_non_null(a);
			rs = ck_aead_seal(a, dst, got_tag, taglen, ck_buf_data(&iv), ck_buf_len(&iv),
			                  ck_buf_data(&aad), ck_buf_len(&aad), ck_buf_data(&msg),
			                  ck_buf_len(&msg));
			if (strcmp(res, "valid") == 0) {
				assert_int_equal(rs, CK_OK);
				assert_int_equal(ck_buf_len(&ct), ck_buf_len(&msg));
				assert_memory_equal(dst, ck_buf_data(&ct), ck_buf_len(&ct));
				assert_memory_equal(got_tag, ck_buf_data(&tag), taglen);
			}
			ro = ck_aead_open(a, dst, ck_buf_data(&tag), ck_buf_len(&tag), ck_buf_data(&iv),
			                  ck_buf_len(&iv), ck_buf_data(&aad), ck_buf_len(&aad),
			                  ck_buf_len(&ct) ? ck_buf_data(&ct) : &dummy,
			                  ck_buf_len(&ct));
			if (strcmp(res, "valid") == 0) {
				assert_int_equal(ro, CK_OK);
				assert_memory_equal(dst, ck_buf_data(&msg), ck_buf_len(&msg));
				c.valid++;
			} else if (strcmp(res, "invalid") == 0) {
				if (ro != CK_EAUTH && ro != CK_EINVAL)
					fail_msg("%s tcId %d: invalid vector accepted", file,
					         (int)json_integer_value(json_object_get(t, "tcId")));
				/* Rejected parameters are refused for sealing too. */
				if (ro == CK_EINVAL)
					assert_int_equal(rs, CK_EINVAL);
				c.invalid++;
			} else {
				fail_msg("%s: unexpected result %s", file, res);
			}
			/* The one-shot helpers (their own code path) on the same vector. */
			if (alg == CK_CHACHA20_POLY1305 && ck_buf_len(&iv) == CK_CHACHA_NONCE_LEN) {
				struct ck_buf comb = CK_BUF_INIT, back = CK_BUF_INIT;
				uint8_t *cp, *bp;
				int r;

				assert_int_equal(ck_buf_reserve(&comb, ck_buf_len(&msg) + 16, &cp), CK_OK);
				assert_int_equal(ck_buf_reserve(&back, ck_buf_len(&msg) + 1, &bp), CK_OK);
				assert_int_equal(ck_chacha20poly1305_seal(cp, ck_buf_data(&key),
				                                          ck_buf_data(&iv), ck_buf_data(&aad),
				                                          ck_buf_len(&aad), ck_buf_data(&msg),
				                                          ck_buf_len(&msg)),
				                 CK_OK);
				/* Open the vector's own ct || tag. */
				memcpy(cp, ck_buf_data(&ct), ck_buf_len(&ct));
				memcpy(cp + ck_buf_len(&ct), ck_buf_data(&tag), ck_buf_len(&tag));
				r = ck_chacha20poly1305_open(bp, ck_buf_data(&key), ck_buf_data(&iv),
				                             ck_buf_data(&aad), ck_buf_len(&aad), cp,
				                             ck_buf_len(&ct) + ck_buf_len(&tag));
				if (strcmp(res, "valid") == 0) {
					assert_int_equal(r, CK_OK);
					assert_memory_equal(bp, ck_buf_data(&msg), ck_buf_len(&msg));
				} else {
					assert_int_equal(r, CK_EAUTH);
				}
				c.oneshot++;
				ck_buf_dispose(&comb);
				ck_buf_dispose(&back);
			}
			if (alg == CK_AES256_GCM && taglen == 16 && ck_buf_len(&iv) > 0) {
				uint8_t t16[16];
				int r;

				assert_int_equal(ck_aes256gcm_seal(dst, t16, ck_buf_data(&key),
				                                   ck_buf_data(&iv), ck_buf_len(&iv),
				                                   ck_buf_data(&aad), ck_buf_len(&aad),
				                                   ck_buf_data(&msg), ck_buf_len(&msg)),
				                 CK_OK);
				r = ck_aes256gcm_open(dst, ck_buf_data(&tag), ck_buf_data(&key),
				                      ck_buf_data(&iv), ck_buf_len(&iv), ck_buf_data(&aad),
				                      ck_buf_len(&aad), ck_buf_data(&ct), ck_buf_len(&ct));
				if (strcmp(res, "valid") == 0) {
					assert_memory_equal(t16, ck_buf_data(&tag), 16);
					assert_int_equal(r, CK_OK);
					assert_memory_equal(dst, ck_buf_data(&msg), ck_buf_len(&msg));
				} else {
					assert_int_equal(r, CK_EAUTH);
				}
				c.oneshot++;
			}
			/* Truncated tags: the API's 4..15-byte GCM tags are tag prefixes. */
			if (alg == CK_AES256_GCM && strcmp(res, "valid") == 0 && taglen == 16) {
				size_t tl;

				for (tl = CK_AEAD_MIN_TAG_LEN; tl < 16; tl++) {
					uint8_t cut[16];

					memcpy(cut, ck_buf_data(&tag), tl);
					assert_int_equal(ck_aead_seal(a, dst, got_tag, tl, ck_buf_data(&iv),
					                              ck_buf_len(&iv), ck_buf_data(&aad),
					                              ck_buf_len(&aad), ck_buf_data(&msg),
					                              ck_buf_len(&msg)),
					                 CK_OK);
					assert_memory_equal(got_tag, cut, tl);
					assert_int_equal(ck_aead_open(a, dst, cut, tl, ck_buf_data(&iv),
					                              ck_buf_len(&iv), ck_buf_data(&aad),
					                              ck_buf_len(&aad), ck_buf_data(&ct),
					                              ck_buf_len(&ct)),
					                 CK_OK);
					cut[tl - 1] ^= 0x01;
					assert_int_equal(ck_aead_open(a, dst, cut, tl, ck_buf_data(&iv),
					                              ck_buf_len(&iv), ck_buf_data(&aad),
					                              ck_buf_len(&aad), ck_buf_data(&ct),
					                              ck_buf_len(&ct)),
					                 CK_EAUTH);
					c.extra++;
				}
			}
			ck_aead_free(a);
		}
	}
	report(file, j, &c);
	json_decref(j);
	ck_buf_dispose(&key);
	ck_buf_dispose(&iv);
	ck_buf_dispose(&aad);
	ck_buf_dispose(&msg);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&tag);
	ck_buf_dispose(&out);
}

static void aes_gcm(void **state)
{
	aead_file("aes_gcm_test.json", CK_AES256_GCM);
}

static void chacha20_poly1305(void **state)
{
	aead_file("chacha20_poly1305_test.json", CK_CHACHA20_POLY1305);
}

static void xchacha20_poly1305(void **state)
{
	aead_file("xchacha20_poly1305_test.json", CK_XCHACHA20_POLY1305);
}

/* draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XChaCha20_Poly1305). */
static void xchacha_draft_vector(void **state)
{
	static const char pt[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
	                         "only one tip for the future, sunscreen would be it.";
	struct ck_buf want = CK_BUF_INIT, tag = CK_BUF_INIT, aad = CK_BUF_INIT;
	uint8_t key[32], nonce[24], ct[sizeof(pt)], got[16], back[sizeof(pt)];
	struct ck_aead *a;
	size_t i;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	for (i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(0x40 + i);
	ckt_unhex(&aad, "50515253c0c1c2c3c4c5c6c7");
	ckt_unhex(&want, "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
	                 "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
	                 "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
	                 "21f9664c97637da9768812f615c68b13b52e");
	ckt_unhex(&tag, "c0875924c1c7987947deafd8780acf49");
	a = ck_aead_new(CK_XCHACHA20_POLY1305, key);
	assert_non_null(a);
	assert_int_equal(ck_aead_seal(a, ct, got, 16, nonce, 24, ck_buf_data(&aad), 12,
	                              (const uint8_t *)pt, 114),
	                 CK_OK);
	assert_int_equal(ck_buf_len(&want), 114);
	assert_memory_equal(ct, ck_buf_data(&want), 114);
	assert_memory_equal(got, ck_buf_data(&tag), 16);
	assert_int_equal(ck_aead_open(a, back, got, 16, nonce, 24, ck_buf_data(&aad), 12, ct, 114),
	                 CK_OK);
	assert_memory_equal(back, pt, 114);
	printf("%-44s valid ok    1 (draft-irtf-cfrg-xchacha-03 A.3.1)\n", "xchacha draft vector");
	ck_aead_free(a);
	ck_buf_dispose(&want);
	ck_buf_dispose(&tag);
	ck_buf_dispose(&aad);
}

/* ---- HMAC, HKDF ---------------------------------------------------------- */

static void hmac_file(const char *file, enum ck_hash_alg alg)
{
	json_t *j = load(file), *g, *t;
	struct ck_buf key = CK_BUF_INIT, msg = CK_BUF_INIT, tag = CK_BUF_INIT;
	struct counts c = { 0 };
	size_t gi, ti, full = alg == CK_SHA256 ? 32 : 64, truncated = 0;

	json_array_foreach (json_object_get(j, "testGroups"), gi, g) {
		size_t taglen = (size_t)json_integer_value(json_object_get(g, "tagSize")) / 8;

		json_array_foreach (json_object_get(g, "tests"), ti, t) {
			const char *res = str(t, "result");
			uint8_t mac[64];
			int rc;

			c.total++;
			hex(&key, t, "key");
			hex(&msg, t, "msg");
			hex(&tag, t, "tag");
			rc = ck_hmac_verify(alg, ck_buf_data(&tag), ck_buf_len(&tag), ck_buf_data(&key),
			                    ck_buf_len(&key), ck_buf_data(&msg), ck_buf_len(&msg));
			if (strcmp(res, "valid") == 0) {
				assert_int_equal(ck_buf_len(&tag), taglen);
				assert_int_equal(rc, CK_OK);
				assert_int_equal(ck_hmac(alg, mac, ck_buf_data(&key), ck_buf_len(&key),
				                         ck_buf_data(&msg), ck_buf_len(&msg)),
				                 CK_OK);
				assert_memory_equal(mac, ck_buf_data(&tag), taglen);
				c.valid++;
				truncated += taglen < full;
			} else {
				assert_string_equal(res, "invalid");
				assert_true(rc == CK_EAUTH || rc == CK_EINVAL);
				c.invalid++;
			}
		}
	}
	c.extra = truncated;
	c.extra_what = "of the valid ones use truncated tags (compared on the first tagSize bits)";
	report(file, j, &c);
	json_decref(j);
	ck_buf_dispose(&key);
	ck_buf_dispose(&msg);
	ck_buf_dispose(&tag);
}

static void hmac_sha256(void **state)
{
	hmac_file("hmac_sha256_test.json", CK_SHA256);
}

static void hmac_sha512(void **state)
{
	hmac_file("hmac_sha512_test.json", CK_SHA512);
}

static void hkdf_sha256(void **state)
{
	json_t *j = load("hkdf_sha256_test.json"), *g, *t;
	struct ck_buf ikm = CK_BUF_INIT, salt = CK_BUF_INIT, info = CK_BUF_INIT, okm = CK_BUF_INIT,
	              out = CK_BUF_INIT;
	struct counts c = { 0 };
	size_t gi, ti;

	json_array_foreach (json_object_get(j, "testGroups"), gi, g) {
		json_array_foreach (json_object_get(g, "tests"), ti, t) {
			size_t size = (size_t)json_integer_value(json_object_get(t, "size"));
			const char *res = str(t, "result");
			uint8_t *dst;
			int rc;

			c.total++;
			hex(&ikm, t, "ikm");
			hex(&salt, t, "salt");
			hex(&info, t, "info");
			hex(&okm, t, "okm");
			ck_buf_reset(&out);
			assert_int_equal(ck_buf_reserve(&out, size, &dst), CK_OK);
			rc = ck_hkdf_sha256(dst, size, ck_buf_data(&ikm), ck_buf_len(&ikm),
			                    ck_buf_data(&salt), ck_buf_len(&salt), ck_buf_data(&info),
			                    ck_buf_len(&info));
			if (strcmp(res, "valid") == 0) {
				assert_int_equal(rc, CK_OK);
				assert_true(ck_buf_eq(&out, &okm));
				c.valid++;
			} else {
				assert_string_equal(res, "invalid");
				assert_int_equal(rc, CK_EINVAL);
				c.invalid++;
			}
		}
	}
	report("hkdf_sha256_test.json", j, &c);
	json_decref(j);
	ck_buf_dispose(&ikm);
	ck_buf_dispose(&salt);
	ck_buf_dispose(&info);
	ck_buf_dispose(&okm);
	ck_buf_dispose(&out);
}

/* ---- X25519 -------------------------------------------------------------- */

static void x25519(void **state)
{
	json_t *j = load("x25519_test.json"), *g, *t;
	struct ck_buf pub = CK_BUF_INIT, priv = CK_BUF_INIT, shared = CK_BUF_INIT;
	struct counts c = { 0 };
	size_t gi, ti;

	json_array_foreach (json_object_get(j, "testGroups"), gi, g) {
		json_array_foreach (json_object_get(g, "tests"), ti, t) {
			const char *res = str(t, "result");
			uint8_t got[32];
			int rc;

			c.total++;
			hex(&pub, t, "public");
			hex(&priv, t, "private");
			hex(&shared, t, "shared");
			assert_int_equal(ck_buf_len(&pub), 32);
			assert_int_equal(ck_buf_len(&priv), 32);
			rc = ck_x25519(got, ck_buf_data(&priv), ck_buf_data(&pub));
			if (rc == CK_OK) {
				assert_memory_equal(got, ck_buf_data(&shared), 32);
			} else {
				/* Refused: only ever because the right answer is all zeros. */
				assert_int_equal(rc, CK_EAUTH);
				assert_true(ck_is_zero(ck_buf_data(&shared), 32));
				assert_true(ck_is_zero(got, 32)); /* and nothing leaks out */
			}
			if (strcmp(res, "valid") == 0) {
				assert_int_equal(rc, CK_OK);
				c.valid++;
			} else {
				assert_string_equal(res, "acceptable");
				if (rc == CK_OK)
					c.acc_yes++;
				else
					c.acc_no++;
			}
		}
	}
	report("x25519_test.json", j, &c);
	json_decref(j);
	ck_buf_dispose(&pub);
	ck_buf_dispose(&priv);
	ck_buf_dispose(&shared);
}

/* ---- RSA-OAEP ------------------------------------------------------------ */

static void oaep_file(const char *file)
{
	json_t *j = load(file), *g, *t;
	struct ck_buf msg = CK_BUF_INIT, ct = CK_BUF_INIT, label = CK_BUF_INIT, pt;
	struct counts c = { 0 };
	size_t gi, ti, small = 0, otherhash = 0;

	ck_buf_init_secure(&pt, 0);
	json_array_foreach (json_object_get(j, "testGroups"), gi, g) {
		size_t bits = (size_t)json_integer_value(json_object_get(g, "keySize"));
		const char *pem = str(g, "privateKeyPem");
		struct ck_rsa *k = NULL;
		int applies = strcmp(str(g, "sha"), "SHA-256") == 0 &&
		              strcmp(str(g, "mgfSha"), "SHA-256") == 0 &&
		              strcmp(str(g, "mgf"), "MGF1") == 0;

		if (applies) {
			int rc = ck_rsa_private_parse(&k, pem, strlen(pem));

			if (bits < CK_RSA_MIN_BITS) {
				/* Below the key policy: refused, the tests do not apply. */
				assert_int_equal(rc, CK_EUNSUPPORTED);
				applies = 0;
				small += json_array_size(json_object_get(g, "tests"));
			} else {
				if (rc != CK_OK)
					fail_msg("%s: %zu-bit key: %s", file, bits, ck_err_last()->msg);
				assert_int_equal(ck_rsa_bits(k), bits);
			}
		} else {
			otherhash += json_array_size(json_object_get(g, "tests"));
		}
		json_array_foreach (json_object_get(g, "tests"), ti, t) {
			const char *res = str(t, "result");
			int rc;

			c.total++;
			if (!applies) {
				c.na++;
				continue;
			}
			hex(&msg, t, "msg");
			hex(&ct, t, "ct");
			hex(&label, t, "label");
			ck_buf_reset(&pt);
			rc = ck_rsa_oaep_decrypt(&pt, k, ck_buf_data(&label), ck_buf_len(&label),
			                         ck_buf_data(&ct), ck_buf_len(&ct));
			if (rc == CK_OK) {
				assert_true(ck_buf_eq(&pt, &msg));
			} else {
				assert_int_equal(rc, CK_EAUTH);
				assert_string_equal(ck_err_last()->msg, "rsa: decryption failed");
				assert_int_equal(ck_buf_len(&pt), 0);
			}
			if (strcmp(res, "valid") == 0) {
				if (rc != CK_OK)
					fail_msg("%s tcId %d: valid vector rejected", file,
					         (int)json_integer_value(json_object_get(t, "tcId")));
				c.valid++;
			} else if (strcmp(res, "invalid") == 0) {
				assert_int_equal(rc, CK_EAUTH);
				c.invalid++;
			} else {
				assert_string_equal(res, "acceptable");
				if (rc == CK_OK)
					c.acc_yes++;
				else
					c.acc_no++;
			}
		}
		ck_rsa_free(k);
	}
	if (small && otherhash)
		c.na_why = "other hash/MGF1 pairs, and keys below 2048 bits (refused by policy)";
	else if (otherhash)
		c.na_why = "other hash/MGF1 pairs";
	else
		c.na_why = "keys below 2048 bits (refused by policy)";
	report(file, j, &c);
	if (small || otherhash)
		printf("%-44s   n.a. split: %zu other hash/MGF1, %zu keys < 2048 bits\n", "",
		       otherhash, small);
	json_decref(j);
	ck_buf_dispose(&msg);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&label);
	ck_buf_dispose(&pt);
}

static void rsa_oaep_2048(void **state)
{
	oaep_file("rsa_oaep_2048_sha256_mgf1sha256_test.json");
}

static void rsa_oaep_3072(void **state)
{
	oaep_file("rsa_oaep_3072_sha256_mgf1sha256_test.json");
}

static void rsa_oaep_4096(void **state)
{
	oaep_file("rsa_oaep_4096_sha256_mgf1sha256_test.json");
}

static void rsa_oaep_misc(void **state)
{
	oaep_file("rsa_oaep_misc_test.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(aes_gcm),
		cmocka_unit_test(chacha20_poly1305),
		cmocka_unit_test(xchacha20_poly1305),
		cmocka_unit_test(xchacha_draft_vector),
		cmocka_unit_test(hkdf_sha256),
		cmocka_unit_test(hmac_sha256),
		cmocka_unit_test(hmac_sha512),
		cmocka_unit_test(x25519),
		cmocka_unit_test(rsa_oaep_2048),
		cmocka_unit_test(rsa_oaep_3072),
		cmocka_unit_test(rsa_oaep_4096),
		cmocka_unit_test(rsa_oaep_misc),
	};

	dir = ckt_vectors("wycheproof");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
