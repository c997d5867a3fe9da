/* SPDX-License-Identifier: Apache-2.0 */
/* RSA keys (testkeys/) and RSA-OAEP-SHA256 behaviour. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ck/enc.h"
#include "ck/pem.h"
#include "ck/rand.h"
#include "ck/rsa.h"
#include "ck_test.h"

static void read_key(struct ck_buf *out, const char *name)
{
	ckt_readf(out, "%s/testkeys/%s", ckt_source_dir(), name);
}

static struct ck_rsa *load(const char *name, int priv)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_rsa *k = NULL;
	int rc;

	read_key(&pem, name);
	rc = priv ? ck_rsa_private_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem))
	          : ck_rsa_public_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem));
	if (rc != CK_OK)
		fail_msg("%s: %s", name, ck_err_last()->msg);
	ck_buf_dispose(&pem);
	return k;
}

static int load_rc(const char *name, int priv)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_rsa *k = NULL;
	int rc;

	read_key(&pem, name);
	rc = priv ? ck_rsa_private_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem))
	          : ck_rsa_public_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem));
	assert_true(rc != CK_OK || k != NULL);
	ck_rsa_free(k);
	ck_buf_dispose(&pem);
	return rc;
}

static void spki(struct ck_buf *out, const struct ck_rsa *k)
{
	assert_int_equal(ck_rsa_public_der(out, k, 1), CK_OK);
}

/* All four encodings of each test key load to the same public key. */
static void encodings_agree(void **state)
{
	static const char *const bits[] = { "2048", "4096" };
	char name[64];
	size_t i;

	for (i = 0; i < 2; i++) {
		struct ck_buf ref = CK_BUF_INIT, other = CK_BUF_INIT, fp1 = CK_BUF_INIT,
		              fp2 = CK_BUF_INIT;
		struct ck_rsa *k1, *k2, *p1, *p2;

		snprintf(name, sizeof(name), "rsa-%s.pkcs1.pem", bits[i]);
		k1 = load(name, 1);
		snprintf(name, sizeof(name), "rsa-%s.pkcs8.pem", bits[i]);
		k2 = load(name, 1);
		snprintf(name, sizeof(name), "rsa-%s.pub.pem", bits[i]);
		p1 = load(name, 0);
		snprintf(name, sizeof(name), "rsa-%s.pkcs1-pub.pem", bits[i]);
		p2 = load(name, 0);
		assert_true(ck_rsa_has_private(k1) && ck_rsa_has_private(k2));
		assert_false(ck_rsa_has_private(p1) || ck_rsa_has_private(p2));
		assert_int_equal(ck_rsa_bits(k1), i == 0 ? 2048 : 4096);
		assert_int_equal(ck_rsa_size(k1), i == 0 ? 256 : 512);
		assert_int_equal(ck_rsa_oaep_max(k1), ck_rsa_size(k1) - 66);
		spki(&ref, k1);
		spki(&other, k2);
		assert_true(ck_buf_eq(&ref, &other));
		ck_buf_reset(&other);
		spki(&other, p1);
		assert_true(ck_buf_eq(&ref, &other));
		ck_buf_reset(&other);
		spki(&other, p2);
		assert_true(ck_buf_eq(&ref, &other));
		assert_int_equal(ck_rsa_fingerprint(&fp1, k1), CK_OK);
		assert_int_equal(ck_rsa_fingerprint(&fp2, p2), CK_OK);
		assert_string_equal(ck_buf_cstr(&fp1), ck_buf_cstr(&fp2));
		/* "SHA256:" + 43 characters of unpadded base64. */
		assert_int_equal(ck_buf_len(&fp1), 7 + 43);
		assert_int_equal(strncmp(ck_buf_cstr(&fp1), "SHA256:", 7), 0);
		ck_rsa_free(k1);
		ck_rsa_free(k2);
		ck_rsa_free(p1);
		ck_rsa_free(p2);
		ck_buf_dispose(&ref);
		ck_buf_dispose(&other);
		ck_buf_dispose(&fp1);
		ck_buf_dispose(&fp2);
	}
}

/* Writing and reading back gives the same key, in every format. */
static void format_round_trip(void **state)
{
	struct ck_rsa *k = load("rsa-2048.pkcs1.pem", 1), *back = NULL;
	struct ck_buf orig = CK_BUF_INIT, pem, der = CK_BUF_INIT, again = CK_BUF_INIT;
	int pkcs1;

	ck_buf_init_secure(&pem, 0);
	read_key(&orig, "rsa-2048.pkcs1.pem");
	spki(&der, k);
	for (pkcs1 = 0; pkcs1 <= 1; pkcs1++) {
		ck_buf_reset(&pem);
		assert_int_equal(ck_rsa_private_format(&pem, k, pkcs1), CK_OK);
		assert_non_null(strstr(ck_buf_cstr(&pem), pkcs1 ? "-----BEGIN RSA PRIVATE KEY-----"
		                                               : "-----BEGIN PRIVATE KEY-----"));
		if (pkcs1) /* byte-identical to what openssl wrote */
			assert_true(ck_buf_eq(&pem, &orig));
		assert_int_equal(ck_rsa_private_parse(&back, ck_buf_cstr(&pem), ck_buf_len(&pem)),
		                 CK_OK);
		ck_buf_reset(&again);
		spki(&again, back);
		assert_true(ck_buf_eq(&der, &again));
		ck_rsa_free(back);
		back = NULL;
	}
	ck_buf_reset(&pem);
	assert_int_equal(ck_rsa_public_format(&pem, k), CK_OK);
	assert_int_equal(ck_rsa_public_parse(&back, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	ck_buf_reset(&again);
	spki(&again, back);
	assert_true(ck_buf_eq(&der, &again));
	/* A public key cannot be written as a private one. */
	assert_int_equal(ck_rsa_private_format(&pem, back, 1), CK_EINVAL);
	ck_rsa_free(back);
	back = NULL;
	/* DER in both public forms. */
	assert_int_equal(ck_rsa_public_from_der(&back, ck_buf_data(&der), ck_buf_len(&der)), CK_OK);
	ck_rsa_free(back);
	back = NULL;
	ck_buf_reset(&again);
	assert_int_equal(ck_rsa_public_der(&again, k, 0), CK_OK);
	assert_int_equal(ck_rsa_public_from_der(&back, ck_buf_data(&again), ck_buf_len(&again)),
	                 CK_OK);
	ck_rsa_free(back);
	back = NULL;
	assert_int_equal(ck_buf_put_u8(&again, 0), CK_OK); /* trailing byte */
	assert_int_equal(ck_rsa_public_from_der(&back, ck_buf_data(&again), ck_buf_len(&again)),
	                 CK_EINVAL);
	ck_rsa_free(k);
	ck_buf_dispose(&orig);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&der);
	ck_buf_dispose(&again);
}

static void refused(void **state)
{
	struct ck_buf pem = CK_BUF_INIT, der, bad = CK_BUF_INIT;
	struct ck_rsa *k = NULL;

	assert_int_equal(load_rc("rsa-1024.pkcs8.pem", 1), CK_EUNSUPPORTED);
	assert_non_null(strstr(ck_err_last()->msg, "1024-bit"));
	assert_int_equal(load_rc("ec-p256.pkcs8.pem", 1), CK_EUNSUPPORTED);
	assert_int_equal(load_rc("rsa-2048.encrypted-pkcs8.pem", 1), CK_EUNSUPPORTED);
	assert_int_equal(load_rc("rsa-2048.encrypted-legacy.pem", 1), CK_EUNSUPPORTED);
	assert_int_equal(load_rc("rsa-4096.cert.pem", 1), CK_EINVAL);   /* no key in it */
	assert_int_equal(load_rc("rsa-2048.pub.pem", 1), CK_EINVAL);    /* public, not private */
	assert_int_equal(load_rc("rsa-2048.pkcs1.pem", 0), CK_EINVAL);  /* private, not public */
	assert_int_equal(ck_rsa_private_parse(&k, "junk", 4), CK_EINVAL);
	/* A key block with a trailing byte after the DER. */
	ck_buf_init_secure(&der, 0);
	read_key(&pem, "rsa-2048.pkcs1.pem");
	assert_int_equal(ck_pem_decode(&der, NULL, NULL, ck_buf_cstr(&pem), ck_buf_len(&pem), NULL),
	                 CK_OK);
	assert_int_equal(ck_buf_put_u8(&der, 0), CK_OK);
	assert_int_equal(ck_pem_encode(&bad, "RSA PRIVATE KEY", ck_buf_data(&der), ck_buf_len(&der)),
	                 CK_OK);
	assert_int_equal(ck_rsa_private_parse(&k, ck_buf_cstr(&bad), ck_buf_len(&bad)), CK_EINVAL);
	/* A PKCS#1 DER under the PKCS#8 label. */
	ck_buf_truncate(&der, ck_buf_len(&der) - 1);
	ck_buf_reset(&bad);
	assert_int_equal(ck_pem_encode(&bad, "PRIVATE KEY", ck_buf_data(&der), ck_buf_len(&der)),
	                 CK_OK);
	assert_int_equal(ck_rsa_private_parse(&k, ck_buf_cstr(&bad), ck_buf_len(&bad)), CK_EINVAL);
	assert_null(k);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&der);
	ck_buf_dispose(&bad);
}

/*
 * A private key whose parts do not belong together is refused at load time.
 * Flip one bit in the middle of each big integer of a PKCS#1 key after n
 * and e (d, p, q, dP, dQ, qInv): every variant must fail.
 */
static void inconsistent_key(void **state)
{
	struct ck_buf pem = CK_BUF_INIT, der, bad = CK_BUF_INIT;
	const uint8_t *p;
	size_t off, len, field, flipped = 0;
	struct ck_rsa *k = NULL;

	ck_buf_init_secure(&der, 0);
	read_key(&pem, "rsa-2048.pkcs1.pem");
	assert_int_equal(ck_pem_decode(&der, NULL, NULL, ck_buf_cstr(&pem), ck_buf_len(&pem), NULL),
	                 CK_OK);
	p = ck_buf_data(&der);
	/* SEQUENCE header: 30 82 LL LL; then INTEGER fields 02 <len> <bytes>. */
	assert_int_equal(p[0], 0x30);
	off = 4;
	for (field = 0; field < 9; field++) {
		assert_int_equal(p[off], 0x02);
		if (p[off + 1] & 0x80) {
			size_t nb = p[off + 1] & 0x7f, i;

			for (len = 0, i = 0; i < nb; i++)
				len = (len << 8) | p[off + 2 + i];
			off += 2 + nb;
		} else {
			len = p[off + 1];
			off += 2;
		}
		if (field >= 3) { /* d, p, q, dP, dQ, qInv */
			ck_buf_reset(&bad);
			assert_int_equal(ck_buf_put(&bad, p, ck_buf_len(&der)), CK_OK);
			ck_buf_mutable(&bad)[off + len / 2] ^= 0x10;
			{
				struct ck_buf text = CK_BUF_INIT;

				assert_int_equal(ck_pem_encode(&text, "RSA PRIVATE KEY", ck_buf_data(&bad),
				                               ck_buf_len(&bad)),
				                 CK_OK);
				assert_int_equal(ck_rsa_private_parse(&k, ck_buf_cstr(&text),
				                                      ck_buf_len(&text)),
				                 CK_EINVAL);
				assert_null(k);
				ck_buf_dispose(&text);
			}
			flipped++;
		}
		off += len;
	}
	assert_int_equal(flipped, 6);
	assert_int_equal(off, ck_buf_len(&der));
	ck_buf_dispose(&pem);
	ck_buf_dispose(&der);
	ck_buf_dispose(&bad);
}

static void oaep(void **state)
{
	struct ck_rsa *k = load("rsa-2048.pkcs8.pem", 1), *pub = load("rsa-2048.pub.pem", 0);
	struct ck_buf ct = CK_BUF_INIT, pt, msg1 = CK_BUF_INIT;
	uint8_t data[190];

	ck_buf_init_secure(&pt, 0);
	ck_random(data, sizeof(data));
	/* Longest plaintext, strict-scope label, encrypt with the public key. */
	assert_int_equal(ck_rsa_oaep_encrypt(&ct, pub, "default/mysecret", 16, data, 190), CK_OK);
	assert_int_equal(ck_buf_len(&ct), 256);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "default/mysecret", 16, ck_buf_data(&ct), 256),
	                 CK_OK);
	assert_int_equal(ck_buf_len(&pt), 190);
	assert_memory_equal(ck_buf_data(&pt), data, 190);
	/* Wrong label, wrong length, flipped bit: one code, one message, out unchanged. */
	ck_buf_reset(&pt);
	assert_int_equal(ck_buf_puts(&pt, "keep"), CK_OK);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "default/other", 13, ck_buf_data(&ct), 256),
	                 CK_EAUTH);
	assert_string_equal(ck_err_last()->msg, "rsa: decryption failed");
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "default/mysecret", 16, ck_buf_data(&ct), 255),
	                 CK_EAUTH);
	assert_string_equal(ck_err_last()->msg, "rsa: decryption failed");
	ck_buf_mutable(&ct)[100] ^= 1;
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "default/mysecret", 16, ck_buf_data(&ct), 256),
	                 CK_EAUTH);
	assert_string_equal(ck_err_last()->msg, "rsa: decryption failed");
	assert_string_equal(ck_buf_cstr(&pt), "keep");
	/* Too long for OAEP; decrypt without the private key. */
	assert_int_equal(ck_rsa_oaep_encrypt(&ct, pub, NULL, 0, data, 191), CK_EINVAL);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, pub, NULL, 0, ck_buf_data(&ct), 256), CK_EINVAL);
	/* Empty label (cluster-wide scope) and NULL label are the same; empty plaintext. */
	ck_buf_reset(&ct);
	ck_buf_reset(&pt);
	assert_int_equal(ck_rsa_oaep_encrypt(&ct, k, "", 0, NULL, 0), CK_OK);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, NULL, 0, ck_buf_data(&ct), 256), CK_OK);
	assert_int_equal(ck_buf_len(&pt), 0);
	/* The cached contexts take a new label on every call. */
	ck_buf_reset(&ct);
	assert_int_equal(ck_rsa_oaep_encrypt(&ct, pub, "ns", 2, "one", 3), CK_OK);
	assert_int_equal(ck_rsa_oaep_encrypt(&msg1, pub, "", 0, "two", 3), CK_OK);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "ns", 2, ck_buf_data(&ct), 256), CK_OK);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "", 0, ck_buf_data(&msg1), 256), CK_OK);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, k, "", 0, ck_buf_data(&ct), 256), CK_EAUTH);
	assert_string_equal(ck_buf_cstr(&pt), "onetwo");
	ck_rsa_free(k);
	ck_rsa_free(pub);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
	ck_buf_dispose(&msg1);
}

static void generate_and_share(void **state)
{
	struct ck_rsa *k = NULL, *again = NULL;
	struct ck_buf pem, ct = CK_BUF_INIT, pt = CK_BUF_INIT, a = CK_BUF_INIT, b = CK_BUF_INIT;

	ck_buf_init_secure(&pem, 0);
	assert_int_equal(ck_rsa_generate(&k, 1024), CK_EINVAL);
	assert_int_equal(ck_rsa_generate(&k, 2048), CK_OK);
	assert_int_equal(ck_rsa_bits(k), 2048);
	assert_true(ck_rsa_has_private(k));
	assert_int_equal(ck_rsa_private_format(&pem, k, 1), CK_OK);
	assert_int_equal(ck_rsa_private_parse(&again, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	assert_int_equal(ck_rsa_fingerprint(&a, k), CK_OK);
	assert_int_equal(ck_rsa_fingerprint(&b, again), CK_OK);
	assert_true(ck_buf_eq(&a, &b));
	/* Shared ownership: the key lives until the last owner frees it. */
	assert_ptr_equal(ck_rsa_ref(k), k);
	ck_rsa_free(k);
	assert_int_equal(ck_rsa_oaep_encrypt(&ct, k, "l", 1, "hi", 2), CK_OK);
	assert_int_equal(ck_rsa_oaep_decrypt(&pt, again, "l", 1, ck_buf_data(&ct), 256), CK_OK);
	assert_string_equal(ck_buf_cstr(&pt), "hi");
	ck_rsa_free(k);
	ck_rsa_free(again);
	ck_rsa_free(NULL);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
	ck_buf_dispose(&a);
	ck_buf_dispose(&b);
}

/* One key shared by threads: the cached contexts or fresh ones, never mixed up. */
struct worker {
	struct ck_rsa *k;
	const struct ck_buf *ct;
	int ok;
};

static void *decrypt_loop(void *arg)
{
	struct worker *w = arg;
	struct ck_buf pt;
	int i;

	ck_buf_init_secure(&pt, 0);
	w->ok = 1;
	for (i = 0; i < 25; i++) {
		struct ck_buf ct = CK_BUF_INIT;

		ck_buf_reset(&pt);
		if (ck_rsa_oaep_decrypt(&pt, w->k, "ns/a", 4, ck_buf_data(w->ct), 256) != CK_OK ||
		    strcmp(ck_buf_cstr(&pt), "shared") != 0 ||
		    ck_rsa_oaep_encrypt(&ct, w->k, "ns/b", 4, "x", 1) != CK_OK ||
		    ck_rsa_oaep_decrypt(&pt, w->k, "ns/a", 4, ck_buf_data(&ct), 256) != CK_EAUTH)
			w->ok = 0;
		ck_buf_dispose(&ct);
	}
	ck_buf_dispose(&pt);
	return NULL;
}

static void threads(void **state)
{
	struct ck_rsa *k = load("rsa-2048.pkcs1.pem", 1);
	struct ck_buf ct = CK_BUF_INIT;
	struct worker w[4];
	pthread_t t[4];
	int i;

	assert_int_equal(ck_rsa_oaep_encrypt(&ct, k, "ns/a", 4, "shared", 6), CK_OK);
	for (i = 0; i < 4; i++) {
		w[i].k = ck_rsa_ref(k);
		w[i].ct = &ct;
		assert_int_equal(pthread_create(&t[i], NULL, decrypt_loop, &w[i]), 0);
	}
	ck_rsa_free(k); /* the workers hold references */
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(w[i].ok);
		ck_rsa_free(w[i].k);
	}
	ck_buf_dispose(&ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encodings_agree),
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(refused),
		cmocka_unit_test(inconsistent_key),
		cmocka_unit_test(oaep),
		cmocka_unit_test(generate_and_share),
		cmocka_unit_test(threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
