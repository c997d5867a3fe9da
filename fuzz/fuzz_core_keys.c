/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key and certificate loaders on untrusted input: RSA private keys (PKCS#1,
 * PKCS#8), public keys (SPKI, PKCS#1, PEM and DER) and X.509 certificates.
 *
 * Input: first byte = mode. Mode 0: the rest is PEM text for every loader.
 * Mode 1: the second byte picks a PEM label and the rest is DER, wrapped in
 * that armour here, so mutations reach the DER parsers instead of dying in
 * base64. Whatever loads must survive a write/read round trip with the same
 * public key, and the accessors must not crash.
 */
#include <string.h>

#include "ck/pem.h"
#include "ck/rsa.h"
#include "ck/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_key(const struct ck_rsa *k)
{
	struct ck_buf a = CK_BUF_INIT, b = CK_BUF_INIT, pem, fp = CK_BUF_INIT;
	struct ck_rsa *back = NULL;

	ck_buf_init_secure(&pem, 0);
	CK_ASSERT(ck_rsa_bits(k) >= CK_RSA_MIN_BITS && ck_rsa_bits(k) <= CK_RSA_MAX_BITS);
	CK_ASSERT(ck_rsa_fingerprint(&fp, k) == CK_OK);
	CK_ASSERT(ck_rsa_public_der(&a, k, 1) == CK_OK);
	if (ck_rsa_has_private(k)) {
		CK_ASSERT(ck_rsa_private_format(&pem, k, 1) == CK_OK);
		CK_ASSERT(ck_rsa_private_parse(&back, ck_buf_cstr(&pem), ck_buf_len(&pem)) == CK_OK);
	} else {
		CK_ASSERT(ck_rsa_public_format(&pem, k) == CK_OK);
		CK_ASSERT(ck_rsa_public_parse(&back, ck_buf_cstr(&pem), ck_buf_len(&pem)) == CK_OK);
	}
	CK_ASSERT(ck_rsa_public_der(&b, back, 1) == CK_OK);
	CK_ASSERT(ck_buf_eq(&a, &b));
	ck_rsa_free(back);
	ck_buf_dispose(&a);
	ck_buf_dispose(&b);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&fp);
}

static void check_cert(const struct ck_x509 *c)
{
	struct ck_buf a = CK_BUF_INIT, b = CK_BUF_INIT, pem = CK_BUF_INIT, s = CK_BUF_INIT;
	struct ck_x509 *back = NULL;
	struct ck_rsa *k = NULL;

	(void)ck_x509_not_before(c);
	(void)ck_x509_not_after(c);
	if (ck_x509_subject_cn(&s, c) == CK_OK)
		CK_ASSERT(strlen(ck_buf_cstr(&s)) <= ck_buf_len(&s));
	CK_ASSERT(ck_x509_fingerprint(&s, c) == CK_OK);
	CK_ASSERT(ck_x509_der(&a, c) == CK_OK);
	CK_ASSERT(ck_x509_format(&pem, c) == CK_OK);
	CK_ASSERT(ck_x509_parse(&back, ck_buf_cstr(&pem), ck_buf_len(&pem)) == CK_OK);
	CK_ASSERT(ck_x509_der(&b, back) == CK_OK);
	CK_ASSERT(ck_buf_eq(&a, &b));
	if (ck_x509_rsa_public(&k, c) == CK_OK)
		check_key(k);
	ck_rsa_free(k);
	ck_x509_free(back);
	ck_buf_dispose(&a);
	ck_buf_dispose(&b);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&s);
}

static void load_all(const char *text, size_t n)
{
	struct ck_rsa *k = NULL;
	struct ck_x509 *c = NULL;

	if (ck_rsa_private_parse(&k, text, n) == CK_OK)
		check_key(k);
	ck_rsa_free(k);
	k = NULL;
	if (ck_rsa_public_parse(&k, text, n) == CK_OK)
		check_key(k);
	ck_rsa_free(k);
	if (ck_x509_parse(&c, text, n) == CK_OK)
		check_cert(c);
	ck_x509_free(c);
}

static const char *const labels[] = { "RSA PRIVATE KEY", "PRIVATE KEY", "PUBLIC KEY",
	                              "RSA PUBLIC KEY", "CERTIFICATE" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_rsa *k = NULL;
	struct ck_x509 *c = NULL;

	if (size < 2 || size > 16384)
		return 0;
	if (data[0] == 0) {
		load_all((const char *)data + 1, size - 1);
		return 0;
	}
	CK_ASSERT(ck_pem_encode(&pem, labels[data[1] % 5], data + 2, size - 2) == CK_OK);
	load_all(ck_buf_cstr(&pem), ck_buf_len(&pem));
	if (ck_rsa_public_from_der(&k, data + 2, size - 2) == CK_OK)
		check_key(k);
	if (ck_x509_from_der(&c, data + 2, size - 2) == CK_OK)
		check_cert(c);
	ck_rsa_free(k);
	ck_x509_free(c);
	ck_buf_dispose(&pem);
	return 0;
}
