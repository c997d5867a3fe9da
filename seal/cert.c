/* SPDX-License-Identifier: Apache-2.0 */
/* Sealing certificates: reading kubeseal's --cert, making the controller's key pair. */
#include <string.h>

#include "ck/doc.h"
#include "ck/enc.h"
#include "ck/seal.h"
#include "ck/x509.h"
#include "seal_int.h"

static int contains(const char *s, size_t n, const char *needle)
{
	size_t l = strlen(needle), i;

	for (i = 0; l <= n && i <= n - l; i++)
		if (memcmp(s + i, needle, l) == 0)
			return 1;
	return 0;
}

int ck_seal_cert_parse(struct ck_rsa **out, struct ck_seal_cert_info *info, const char *pem,
                       size_t n, time_t now)
{
	struct ck_x509 *c = NULL;
	struct ck_rsa *k = NULL;
	int rc = CK_EINTERNAL;

	memset(info, 0, sizeof(*info));
	if (!contains(pem, n, "-----BEGIN CERTIFICATE-----") &&
	    contains(pem, n, "PUBLIC KEY-----")) {
		/* Not what kubeseal accepts, but a bare public key is unambiguous. */
		if ((rc = ck_rsa_public_parse(&k, pem, n)) < 0)
			goto out;
		*out = k;
		k = NULL; /* transferred */
		rc = CK_OK;
		goto out;
	}
	if ((rc = ck_x509_parse(&c, pem, n)) < 0)
		goto out;
	if ((rc = ck_x509_rsa_public(&k, c)) < 0) {
		if (rc == CK_EUNSUPPORTED)
			rc = ck_err_set(CK_EUNSUPPORTED,
			                "seal: the certificate's key is not RSA; a Sealed Secrets "
			                "certificate holds an RSA key");
		goto out;
	}
	info->not_before = ck_x509_not_before(c);
	info->not_after = ck_x509_not_after(c);
	info->expired = now > info->not_after;
	*out = k;
	k = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_rsa_free(k);
	ck_x509_free(c);
	return rc;
}

int ck_seal_keygen(struct ck_buf *key_pem, struct ck_buf *cert_pem, unsigned bits,
                   const char *cn, time_t now, unsigned days)
{
	struct ck_rsa *k = NULL;
	struct ck_x509 *c = NULL;
	size_t kmark = ck_buf_len(key_pem), cmark = ck_buf_len(cert_pem);
	int rc = CK_EINTERNAL;

	if (bits == 0)
		bits = 4096;
	if (days == 0)
		days = 3650;
	if ((rc = ck_rsa_generate(&k, bits)) < 0)
		goto out;
	if ((rc = ck_x509_self_signed(&c, k, cn ? cn : "", NULL, now, days)) < 0)
		goto out;
	if ((rc = ck_rsa_private_format(key_pem, k, 1)) < 0)
		goto out;
	if ((rc = ck_x509_format(cert_pem, c)) < 0)
		goto out;
	rc = CK_OK;
out:
	if (rc < 0) {
		ck_seal__rewind(key_pem, kmark);
		ck_seal__rewind(cert_pem, cmark);
	}
	ck_x509_free(c);
	ck_rsa_free(k);
	return rc;
}

static struct ck_doc_node *b64_scalar(struct ck_doc *d, const char *p, size_t n)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc_node *s = NULL;

	ck_buf_init_secure(&b, 0);
	if (ck_b64_encode(&b, p, n, CK_B64_STD) == CK_OK)
		s = ck_doc_scalar(d, ck_buf_cstr(&b), ck_buf_len(&b), CK_DOC_DQUOTED);
	ck_buf_dispose(&b);
	return s;
}

static struct ck_doc_node *str(struct ck_doc *d, const char *s)
{
	return ck_doc_scalar(d, s, strlen(s), CK_DOC_DQUOTED);
}

int ck_seal_key_secret_format(struct ck_buf *out, const char *key_pem, size_t keylen,
                              const char *cert_pem, size_t certlen, const char *name,
                              const char *ns)
{
	struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;
	struct ck_doc *d = ck_doc_new(CK_DOC_SECURE);
	struct ck_doc_node *root, *md, *labels, *data;
	int rc = CK_EINTERNAL;

	if (d == NULL || (root = ck_doc_map(d)) == NULL || (md = ck_doc_map(d)) == NULL ||
	    (labels = ck_doc_map(d)) == NULL || (data = ck_doc_map(d)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	/* sigs.k8s.io/yaml order, as `kubectl get secret -o yaml` prints it. */
	if ((rc = ck_doc_map_set(d, root, "apiVersion", str(d, "v1"))) < 0 ||
	    (rc = ck_doc_map_set(d, data, "tls.crt", b64_scalar(d, cert_pem, certlen))) < 0 ||
	    (rc = ck_doc_map_set(d, data, "tls.key", b64_scalar(d, key_pem, keylen))) < 0 ||
	    (rc = ck_doc_map_set(d, root, "data", data)) < 0 ||
	    (rc = ck_doc_map_set(d, root, "kind", str(d, "Secret"))) < 0 ||
	    (rc = ck_doc_map_set(d, labels, CK_SEAL_KEY_LABEL, str(d, "active"))) < 0 ||
	    (rc = ck_doc_map_set(d, md, "labels", labels)) < 0 ||
	    (rc = ck_doc_map_set(d, md, "name", str(d, name ? name : "sealed-secrets-key"))) < 0 ||
	    (rc = ck_doc_map_set(d, md, "namespace", str(d, ns ? ns : "kube-system"))) < 0 ||
	    (rc = ck_doc_map_set(d, root, "metadata", md)) < 0 ||
	    (rc = ck_doc_map_set(d, root, "type", str(d, "kubernetes.io/tls"))) < 0 ||
	    (rc = ck_doc_add_root(d, root)) < 0)
		goto out;
	yo.keep_styles = 0;
	yo.explicit_start = 1;
	rc = ck_doc_write_yaml(out, d, &yo);
out:
	ck_doc_free(d);
	return rc;
}
