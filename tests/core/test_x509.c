/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509: loading testkeys/ certificates and the shape of the self-signed
 * sealing certificate. The shape is inspected with OpenSSL directly (tests
 * may include it), independently of the code under test.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/rsa.h"
#include "ck/x509.h"
#include "ck_test.h"

static void read_key(struct ck_buf *out, const char *name)
{
	ckt_readf(out, "%s/testkeys/%s", ckt_source_dir(), name);
}

static struct ck_rsa *load_key(const char *name)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_rsa *k = NULL;

	read_key(&pem, name);
	if (strstr(ck_buf_cstr(&pem), "PRIVATE") != NULL)
		assert_int_equal(ck_rsa_private_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	else
		assert_int_equal(ck_rsa_public_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	ck_buf_dispose(&pem);
	return k;
}

static void testkeys_cert(void **state)
{
	struct ck_buf pem = CK_BUF_INIT, out = CK_BUF_INIT, der1 = CK_BUF_INIT, der2 = CK_BUF_INIT,
	              cn = CK_BUF_INIT, fp = CK_BUF_INIT, hex = CK_BUF_INIT;
	struct ck_x509 *c = NULL, *again = NULL;
	struct ck_rsa *pub = NULL, *ref = load_key("rsa-4096.pub.pem");
	uint8_t h[32];

	read_key(&pem, "rsa-4096.cert.pem");
	assert_int_equal(ck_x509_parse(&c, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	/* Its key is the 4096-bit test key. */
	assert_int_equal(ck_x509_rsa_public(&pub, c), CK_OK);
	assert_int_equal(ck_rsa_public_der(&der1, pub, 1), CK_OK);
	assert_int_equal(ck_rsa_public_der(&der2, ref, 1), CK_OK);
	assert_true(ck_buf_eq(&der1, &der2));
	/* mkkeys.sh: -days 3650, empty subject. */
	assert_true(ck_x509_not_after(c) - ck_x509_not_before(c) == 3650 * 86400);
	assert_int_equal(ck_x509_subject_cn(&cn, c), CK_OK);
	assert_string_equal(ck_buf_cstr(&cn), "");
	/* Re-encoding is byte-identical; the fingerprint is SHA-256 of the DER. */
	assert_int_equal(ck_x509_format(&out, c), CK_OK);
	assert_true(ck_buf_eq(&out, &pem));
	ck_buf_reset(&der1);
	assert_int_equal(ck_x509_der(&der1, c), CK_OK);
	ck_sha256(h, ck_buf_data(&der1), ck_buf_len(&der1));
	assert_int_equal(ck_hex_encode(&hex, h, 32), CK_OK);
	assert_int_equal(ck_x509_fingerprint(&fp, c), CK_OK);
	assert_string_equal(ck_buf_cstr(&fp), ck_buf_cstr(&hex));
	assert_int_equal(ck_x509_from_der(&again, ck_buf_data(&der1), ck_buf_len(&der1)), CK_OK);
	ck_x509_free(again);
	again = NULL;
	assert_int_equal(ck_buf_put_u8(&der1, 0), CK_OK);
	assert_int_equal(ck_x509_from_der(&again, ck_buf_data(&der1), ck_buf_len(&der1)), CK_EINVAL);
	ck_x509_free(c);
	ck_x509_free(NULL);
	ck_rsa_free(pub);
	ck_rsa_free(ref);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&out);
	ck_buf_dispose(&der1);
	ck_buf_dispose(&der2);
	ck_buf_dispose(&cn);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&hex);
}

static void refused(void **state)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_x509 *c = NULL;
	struct ck_rsa *pub = NULL;

	read_key(&pem, "ec-p256.cert.pem");
	assert_int_equal(ck_x509_parse(&c, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_OK);
	assert_int_equal(ck_x509_rsa_public(&pub, c), CK_EUNSUPPORTED);
	assert_null(pub);
	ck_x509_free(c);
	c = NULL;
	ck_buf_reset(&pem);
	read_key(&pem, "rsa-2048.pkcs1.pem");
	assert_int_equal(ck_x509_parse(&c, ck_buf_cstr(&pem), ck_buf_len(&pem)), CK_EINVAL);
	assert_int_equal(ck_x509_parse(&c, "", 0), CK_EINVAL);
	assert_int_equal(ck_x509_parse(&c, "-----BEGIN CERTIFICATE-----\nMAA=\n"
	                                  "-----END CERTIFICATE-----\n", 55),
	                 CK_EINVAL);
	assert_null(c);
	ck_buf_dispose(&pem);
}

static X509 *to_openssl(const struct ck_x509 *c)
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

/* The shape of the Sealed Secrets controller's certificate (pkg/crypto/keys.go). */
static void self_signed_shape(void **state)
{
	struct ck_rsa *k = load_key("rsa-2048.pkcs1.pem"), *pub = load_key("rsa-2048.pub.pem");
	struct ck_x509 *c = NULL, *c2 = NULL;
	struct ck_buf cn = CK_BUF_INIT;
	const time_t t0 = 1700000000;
	const ASN1_BIT_STRING *ku;
	BASIC_CONSTRAINTS *bc;
	const ASN1_OCTET_STRING *ski;
	BIGNUM *s1, *s2;
	EVP_PKEY *pk;
	X509 *x, *x2;
	int crit = -1;

	assert_int_equal(ck_x509_self_signed(&c, pub, NULL, NULL, t0, 3650), CK_EINVAL);
	assert_int_equal(ck_x509_self_signed(&c, k, NULL, NULL, t0, 0), CK_EINVAL);
	assert_int_equal(ck_x509_self_signed(&c, k, NULL, NULL, t0, 3650), CK_OK);
	assert_true(ck_x509_not_before(c) == t0);
	assert_true(ck_x509_not_after(c) == t0 + 3650 * 86400);
	assert_int_equal(ck_x509_subject_cn(&cn, c), CK_OK);
	assert_string_equal(ck_buf_cstr(&cn), "");
	x = to_openssl(c);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	/* Empty subject and issuer, self-signed with SHA-256. */
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 0);
	assert_int_equal(X509_NAME_entry_count(X509_get_issuer_name(x)), 0);
	assert_int_equal(X509_get_signature_nid(x), NID_sha256WithRSAEncryption);
	pk = X509_get0_pubkey(x);
	assert_int_equal(X509_verify(x, pk), 1);
	/* Exactly three extensions, in the controller's order and criticality. */
	assert_int_equal(X509_get_ext_count(x), 3);
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 0))), NID_key_usage);
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 1))),
	                 NID_basic_constraints);
	assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(x, 2))),
	                 NID_subject_key_identifier);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x, 0)), 1);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x, 1)), 1);
	assert_int_equal(X509_EXTENSION_get_critical(X509_get_ext(x, 2)), 0);
	ku = X509_get_ext_d2i(x, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	/* encipherOnly is bit 7 alone: DER 03 02 00 01, as Go writes it. */
	assert_int_equal(ASN1_STRING_length(ku), 1);
	assert_int_equal(ASN1_STRING_get0_data(ku)[0], 0x01);
	ASN1_BIT_STRING_free((ASN1_BIT_STRING *)ku);
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_true(bc->ca);
	assert_null(bc->pathlen);
	BASIC_CONSTRAINTS_free(bc);
	ski = X509_get0_subject_key_id(x);
	assert_non_null(ski);
	assert_int_equal(ASN1_STRING_length(ski), 20);
	assert_null(X509_get0_authority_key_id(x));
	/* Random serials: at most 128 bits, different each time. */
	assert_int_equal(ck_x509_self_signed(&c2, k, NULL, NULL, t0, 3650), CK_OK);
	x2 = to_openssl(c2);
	s1 = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	s2 = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x2), NULL);
	assert_true(BN_num_bits(s1) <= 128 && !BN_is_negative(s1));
	assert_int_not_equal(BN_cmp(s1, s2), 0);
	BN_free(s1);
	BN_free(s2);
	X509_free(x);
	X509_free(x2);
	ck_x509_free(c);
	ck_x509_free(c2);
	/* With a CN and an O. */
	c = NULL;
	assert_int_equal(ck_x509_self_signed(&c, k, "sealed-secrets", "cloak", t0, 1), CK_OK);
	ck_buf_reset(&cn);
	assert_int_equal(ck_x509_subject_cn(&cn, c), CK_OK);
	assert_string_equal(ck_buf_cstr(&cn), "sealed-secrets");
	x = to_openssl(c);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 2);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	X509_free(x);
	ck_x509_free(c);
	ck_rsa_free(k);
	ck_rsa_free(pub);
	ck_buf_dispose(&cn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(testkeys_cert),
		cmocka_unit_test(refused),
		cmocka_unit_test(self_signed_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
