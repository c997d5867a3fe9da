/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core primitives against the real Sealed Secrets code (shared vectors in
 * sealed-secrets/, made by pkg/crypto with Go): the controller's PKCS#1 key
 * and certificate load, the key fingerprint equals PublicKeyFingerprint's,
 * our self-signed certificate has the controller's shape, and every
 * HybridEncrypt output opens with ck_rsa_oaep_decrypt + AES-256-GCM (the
 * seal module builds the format itself; this checks the primitives).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ck/aead.h"
#include "ck/enc.h"
#include "ck/rsa.h"
#include "ck/x509.h"
#include "ck_test.h"

static const char *dir;

static struct ck_rsa *vector_key(void)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_rsa *k = NULL;

	ckt_readf(&pem, "%s/TEST-ONLY-sealed-secrets-key.pem", dir);
	assert_int_equal(ck_rsa_private_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	ck_buf_dispose(&pem);
	return k;
}

static json_t *vectors(void)
{
	char path[4096];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/vectors.json", dir);
	j = json_load_file(path, 0, &err);
	if (j == NULL)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	return j;
}

static void key_and_fingerprint(void **state)
{
	struct ck_buf pem = CK_BUF_INIT, fp = CK_BUF_INIT, a = CK_BUF_INIT, b = CK_BUF_INIT;
	struct ck_rsa *k = vector_key(), *pub = NULL;
	struct ck_x509 *c = NULL;
	json_t *j = vectors();

	assert_int_equal(ck_rsa_bits(k), 4096);
	assert_int_equal(ck_rsa_fingerprint(&fp, k), CK_OK);
	assert_string_equal(ck_buf_cstr(&fp),
	                    json_string_value(json_object_get(j, "key_fingerprint")));
	printf("fingerprint %s matches PublicKeyFingerprint\n", ck_buf_cstr(&fp));
	ckt_readf(&pem, "%s/TEST-ONLY-sealed-secrets-cert.pem", dir);
	assert_int_equal(ck_x509_parse(&c, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	assert_int_equal(ck_x509_rsa_public(&pub, c), CK_OK);
	assert_int_equal(ck_rsa_public_der(&a, pub, 1), CK_OK);
	assert_int_equal(ck_rsa_public_der(&b, k, 1), CK_OK);
	assert_true(ck_buf_eq(&a, &b));
	json_decref(j);
	ck_x509_free(c);
	ck_rsa_free(k);
	ck_rsa_free(pub);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&a);
	ck_buf_dispose(&b);
}

static X509 *openssl_cert(const struct ck_x509 *c)
{
	struct ck_buf der = CK_BUF_INIT;
	const unsigned char *p;
	X509 *x;

	assert_int_equal(ck_x509_der(&der, c), CK_OK);
	p = ck_buf_data(&der);
	x = d2i_X509(NULL, &p, (long)ck_buf_len(&der));
	assert_non_null(x);
	ck_buf_dispose(&der);
	return x;
}

/*
 * Ours against the controller-shaped vector certificate: same version,
 * signature algorithm, empty names, validity length, and the same
 * extensions in the same order with byte-identical keyUsage and
 * basicConstraints values (the SKI differs with the key, the serial is
 * random).
 */
static void certificate_shape(void **state)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_rsa *k = vector_key();
	struct ck_x509 *theirs = NULL, *ours = NULL;
	X509 *t, *o;
	int i;

	ckt_readf(&pem, "%s/TEST-ONLY-sealed-secrets-cert.pem", dir);
	assert_int_equal(ck_x509_parse(&theirs, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	assert_int_equal(ck_x509_self_signed(&ours, k, "", NULL, ck_x509_not_before(theirs),
	                                     3650),
	                 CK_OK);
	assert_true(ck_x509_not_after(ours) == ck_x509_not_after(theirs));
	t = openssl_cert(theirs);
	o = openssl_cert(ours);
	assert_int_equal(X509_get_version(o), X509_get_version(t));
	assert_int_equal(X509_get_signature_nid(o), X509_get_signature_nid(t));
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(o), X509_get_subject_name(t)), 0);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(o), X509_get_issuer_name(t)), 0);
	assert_int_equal(X509_get_ext_count(o), X509_get_ext_count(t));
	for (i = 0; i < X509_get_ext_count(t); i++) {
		X509_EXTENSION *et = X509_get_ext(t, i), *eo = X509_get_ext(o, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(et));
		const ASN1_OCTET_STRING *dt = X509_EXTENSION_get_data(et);
		const ASN1_OCTET_STRING *dd = X509_EXTENSION_get_data(eo);

		assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(eo)), nid);
		assert_int_equal(X509_EXTENSION_get_critical(eo), X509_EXTENSION_get_critical(et));
		if (nid == NID_key_usage || nid == NID_basic_constraints) {
			assert_int_equal(ASN1_STRING_length(dd), ASN1_STRING_length(dt));
			assert_memory_equal(ASN1_STRING_get0_data(dd), ASN1_STRING_get0_data(dt),
			                    (size_t)ASN1_STRING_length(dt));
		}
	}
	/* Same key: the SKI (SHA-1 of the key bits) must then agree too. */
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(o),
	                                       X509_get0_subject_key_id(t)),
	                 0);
	printf("self-signed certificate matches the controller's shape (%d extensions)\n",
	       X509_get_ext_count(t));
	X509_free(t);
	X509_free(o);
	ck_x509_free(theirs);
	ck_x509_free(ours);
	ck_rsa_free(k);
	ck_buf_dispose(&pem);
}

/* HybridDecrypt with the core primitives. */
static int open_value(struct ck_buf *pt, const struct ck_rsa *k, const char *label,
                      const char *b64)
{
	static const uint8_t zero_nonce[12];
	struct ck_buf raw = CK_BUF_INIT, sk;
	size_t keep = ck_buf_len(pt);
	uint16_t l;
	int rc;

	ck_buf_init_secure(&sk, 0);
	if ((rc = ck_b64_decode(&raw, b64, strlen(b64), CK_B64_STD, 0)) < 0)
		goto out;
	if ((rc = ck_buf_get_u16be(&raw, &l)) < 0 || ck_buf_len(&raw) < l + 16u) {
		rc = CK_EINVAL;
		goto out;
	}
	if ((rc = ck_rsa_oaep_decrypt(&sk, k, label, strlen(label), ck_buf_data(&raw), l)) < 0 ||
	    (rc = ck_buf_consume(&raw, l)) < 0)
		goto out;
	if (ck_buf_len(&sk) != 32) {
		rc = CK_EINVAL;
		goto out;
	}
	{
		size_t n = ck_buf_len(&raw) - 16;
		uint8_t *dst;

		if ((rc = ck_buf_reserve(pt, n, &dst)) < 0)
			goto out;
		rc = ck_aes256gcm_open(dst, ck_buf_data(&raw) + n, ck_buf_data(&sk), zero_nonce, 12,
		                       NULL, 0, ck_buf_data(&raw), n);
	}
out:
	if (rc < 0)
		ck_buf_truncate(pt, keep);
	ck_buf_dispose(&raw);
	ck_buf_dispose(&sk);
	return rc;
}

static void hybrid_vectors(void **state)
{
	struct ck_rsa *k = vector_key();
	json_t *j = vectors(), *v;
	size_t i, ok = 0, rejected = 0;

	json_array_foreach (json_object_get(j, "vectors"), i, v) {
		struct ck_buf pt, want = CK_BUF_INIT;
		const char *pb = json_string_value(json_object_get(v, "plaintext_b64"));

		ck_buf_init_secure(&pt, 0);
		assert_int_equal(ck_b64_decode(&want, pb, strlen(pb), CK_B64_STD, 0), CK_OK);
		assert_int_equal(open_value(&pt, k, json_string_value(json_object_get(v, "label")),
		                            json_string_value(json_object_get(v, "ciphertext_b64"))),
		                 CK_OK);
		assert_true(ck_buf_eq(&pt, &want));
		ok++;
		ck_buf_dispose(&pt);
		ck_buf_dispose(&want);
	}
	json_array_foreach (json_object_get(j, "negative"), i, v) {
		struct ck_buf pt;

		ck_buf_init_secure(&pt, 0);
		assert_int_not_equal(open_value(&pt, k, json_string_value(json_object_get(v, "label")),
		                                json_string_value(json_object_get(v, "ciphertext_b64"))),
		                     CK_OK);
		assert_int_equal(ck_buf_len(&pt), 0);
		rejected++;
		ck_buf_dispose(&pt);
	}
	printf("sealed-secrets/vectors.json: %zu valid opened, %zu negative rejected\n", ok,
	       rejected);
	assert_true(ok >= 10 && rejected >= 4);
	json_decref(j);
	ck_rsa_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_and_fingerprint),
		cmocka_unit_test(certificate_shape),
		cmocka_unit_test(hybrid_vectors),
	};

	dir = ckt_vectors("sealed-secrets");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
