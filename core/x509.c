/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/pem.h"
#include "ck/rand.h"
#include "ck/x509.h"
#include "ossl.h"
#include "rsa_int.h"

/* A certificate with a 16384-bit key and long names stays far below this. */
#define CERT_DER_MAX (256 * 1024)

struct ck_x509 {
	X509 *x;
};

static int wrap(struct ck_x509 **out, X509 *x)
{
	struct ck_x509 *c = ck_calloc(1, sizeof(*c));

	if (c == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	c->x = x;
	*out = c;
	return CK_OK;
}

void ck_x509_free(struct ck_x509 *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	ck_free(c);
}

int ck_x509_from_der(struct ck_x509 **out, const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int rc = CK_EINTERNAL;

	if (n > CERT_DER_MAX) {
		rc = ck_err_set(CK_ETOOBIG, "x509: certificate of %zu bytes is too large", n);
		goto out;
	}
	if ((x = d2i_X509(NULL, &p, (long)n)) == NULL || p != der + n) {
		rc = ck__ossl_err(CK_EINVAL, "x509: malformed certificate");
		goto out;
	}
	if ((rc = wrap(out, x)) < 0)
		goto out;
	x = NULL; /* transferred */
	rc = CK_OK;
out:
	X509_free(x);
	return rc;
}

int ck_x509_parse(struct ck_x509 **out, const char *pem, size_t n)
{
	struct ck_buf der;
	int rc = CK_EINTERNAL;

	ck_buf_init(&der, CERT_DER_MAX);
	rc = ck_pem_decode(&der, NULL, "CERTIFICATE", pem, n, NULL);
	if (rc == CK_ENOTFOUND) {
		rc = ck_err_set(CK_EINVAL, "x509: no CERTIFICATE PEM block found");
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = ck_x509_from_der(out, ck_buf_data(&der), ck_buf_len(&der));
out:
	ck_buf_dispose(&der);
	return rc;
}

int ck_x509_der(struct ck_buf *out, const struct ck_x509 *c)
{
	int len = i2d_X509(c->x, NULL);
	unsigned char *p;
	uint8_t *dst;
	int rc;

	if (len <= 0)
		return ck__ossl_err(CK_ECRYPTO, "x509: cannot encode the certificate");
	if ((rc = ck_buf_reserve(out, (size_t)len, &dst)) < 0)
		return rc;
	p = dst;
	if (i2d_X509(c->x, &p) != len) {
		ck_buf_truncate(out, ck_buf_len(out) - (size_t)len);
		return ck__ossl_err(CK_ECRYPTO, "x509: cannot encode the certificate");
	}
	return CK_OK;
}

int ck_x509_format(struct ck_buf *out, const struct ck_x509 *c)
{
	struct ck_buf der = CK_BUF_INIT;
	int rc = CK_EINTERNAL;

	if ((rc = ck_x509_der(&der, c)) < 0)
		goto out;
	rc = ck_pem_encode(out, "CERTIFICATE", ck_buf_data(&der), ck_buf_len(&der));
out:
	ck_buf_dispose(&der);
	return rc;
}

int ck_x509_rsa_public(struct ck_rsa **out, const struct ck_x509 *c)
{
	EVP_PKEY *pkey = X509_get0_pubkey(c->x); /* borrowed */

	if (pkey == NULL)
		return ck__ossl_err(CK_EINVAL, "x509: unreadable public key");
	if (!EVP_PKEY_is_a(pkey, "RSA"))
		return ck_err_set(CK_EUNSUPPORTED, "x509: the certificate's key is %s, not RSA",
		                  EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey)
		                                                : "not RSA");
	return ck__rsa_from_pkey(out, pkey, 0, 0);
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return (time_t)-1;
	}
	return timegm(&tm);
}

time_t ck_x509_not_before(const struct ck_x509 *c)
{
	return asn1_time(X509_get0_notBefore(c->x));
}

time_t ck_x509_not_after(const struct ck_x509 *c)
{
	return asn1_time(X509_get0_notAfter(c->x));
}

int ck_x509_subject_cn(struct ck_buf *out, const struct ck_x509 *c)
{
	const X509_NAME *name = X509_get_subject_name(c->x);
	const X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	int i, len, rc = CK_EINTERNAL;

	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i < 0) {
		rc = ck_buf_put(out, "", 0);
		goto out;
	}
	e = X509_NAME_get_entry(name, i);
	if ((len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e))) < 0) {
		rc = ck__ossl_err(CK_EINVAL, "x509: unreadable subject common name");
		goto out;
	}
	rc = ck_buf_put(out, utf8, (size_t)len);
out:
	OPENSSL_free(utf8);
	return rc;
}

int ck_x509_fingerprint(struct ck_buf *out, const struct ck_x509 *c)
{
	struct ck_buf der = CK_BUF_INIT;
	uint8_t h[CK_SHA256_LEN];
	int rc = CK_EINTERNAL;

	if ((rc = ck_x509_der(&der, c)) < 0)
		goto out;
	ck_sha256(h, ck_buf_data(&der), ck_buf_len(&der));
	rc = ck_hex_encode(out, h, sizeof(h));
out:
	ck_buf_dispose(&der);
	return rc;
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1;
}

static int add_name(X509_NAME *name, const char *field, const char *value)
{
	return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *)value,
	                                  -1, -1, 0) == 1;
}

int ck_x509_self_signed(struct ck_x509 **out, const struct ck_rsa *key, const char *cn,
                        const char *org, time_t not_before, unsigned days)
{
	EVP_PKEY *pkey = ck__rsa_pkey(key);
	X509 *x = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn = NULL;
	uint8_t rnd[16];
	int rc = CK_EINTERNAL;

	if (!ck_rsa_has_private(key)) {
		rc = ck_err_set(CK_EINVAL, "x509: self-signing needs the private key");
		goto out;
	}
	if (days < 1 || days > 36500) {
		rc = ck_err_set(CK_EINVAL, "x509: validity of %u days out of range (1 to 36500)",
		                days);
		goto out;
	}
	ck_random(rnd, sizeof(rnd)); /* [0, 2^128), like Go's rand.Int(2^128) */
	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    (bn = BN_bin2bn(rnd, sizeof(rnd), NULL)) == NULL ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL) {
		rc = ck__ossl_err(CK_ENOMEM, "x509: out of memory");
		goto out;
	}
	if ((cn != NULL && cn[0] != '\0' && !add_name(name, "CN", cn)) ||
	    (org != NULL && !add_name(name, "O", org))) {
		rc = ck__ossl_err(CK_EINVAL, "x509: invalid subject name");
		goto out;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 || X509_set_serialNumber(x, serial) != 1 ||
	    X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &not_before) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, &not_before) == NULL ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    !add_ext(x, NID_key_usage, "critical,encipherOnly") ||
	    !add_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(x, NID_subject_key_identifier, "hash") ||
	    X509_sign(x, pkey, ck__ossl_md(CK_SHA256)) <= 0) {
		rc = ck__ossl_err(CK_ECRYPTO, "x509: cannot build the certificate");
		goto out;
	}
	if ((rc = wrap(out, x)) < 0)
		goto out;
	x = NULL; /* transferred */
	rc = CK_OK;
out:
	X509_free(x);
	X509_NAME_free(name);
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return rc;
}
