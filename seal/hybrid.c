/* SPDX-License-Identifier: Apache-2.0 */
/* The Sealed Secrets hybrid format: scopes, labels, seal and open of one value. */
#include <string.h>

#include "ck/aead.h"
#include "ck/enc.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/seal.h"
#include "seal_int.h"

/* Go's GCM with the default 12-byte nonce; the Go code uses all zeros. */
#define NONCE_LEN 12

static const uint8_t zero_nonce[NONCE_LEN];

int ck_seal_scope_parse(enum ck_seal_scope *out, const char *s)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "strict") == 0)
		*out = CK_SEAL_SCOPE_STRICT;
	else if (strcmp(s, "namespace-wide") == 0)
		*out = CK_SEAL_SCOPE_NAMESPACE_WIDE;
	else if (strcmp(s, "cluster-wide") == 0)
		*out = CK_SEAL_SCOPE_CLUSTER_WIDE;
	else
		return ck_err_set(CK_EUSAGE,
		                  "seal: invalid scope '%s': must be one of: strict, namespace-wide, "
		                  "cluster-wide",
		                  s);
	return CK_OK;
}

const char *ck_seal_scope_name(enum ck_seal_scope s)
{
	switch (s) {
	case CK_SEAL_SCOPE_STRICT:
		return "strict";
	case CK_SEAL_SCOPE_NAMESPACE_WIDE:
		return "namespace-wide";
	case CK_SEAL_SCOPE_CLUSTER_WIDE:
		return "cluster-wide";
	}
	return "undefined";
}

int ck_seal_label(struct ck_buf *out, enum ck_seal_scope scope, const char *ns, const char *name)
{
	size_t mark = ck_buf_len(out);
	int rc = CK_OK;

	if (ns == NULL)
		ns = "";
	if (name == NULL)
		name = "";
	switch (scope) {
	case CK_SEAL_SCOPE_CLUSTER_WIDE:
		break;
	case CK_SEAL_SCOPE_NAMESPACE_WIDE:
		rc = ck_buf_puts(out, ns);
		break;
	case CK_SEAL_SCOPE_STRICT:
	default:
		/* The slash is part of the label (upstream "%s/%s"). */
		if ((rc = ck_buf_puts(out, ns)) == CK_OK && (rc = ck_buf_putc(out, '/')) == CK_OK)
			rc = ck_buf_puts(out, name);
		break;
	}
	if (rc < 0)
		ck_seal__rewind(out, mark);
	return rc;
}

int ck_seal_hybrid_seal(struct ck_buf *out, const struct ck_rsa *pub, const void *label,
                        size_t labellen, const void *pt, size_t ptlen)
{
	uint8_t key[CK_SEAL_SESSION_KEY_LEN];
	size_t mark = ck_buf_len(out), k;
	uint8_t *p;
	int rc = CK_EINTERNAL;

	if (label == NULL)
		label = "";
	k = ck_rsa_size(pub);
	if (k == 0 || k > 0xffff) {
		rc = ck_err_set(CK_EINVAL, "seal: RSA key of %zu bytes does not fit the format", k);
		goto out;
	}
	if (ptlen > CK_SEAL_MAX_VALUE) {
		rc = ck_err_set(CK_ETOOBIG, "seal: value of %zu bytes is over the %zu-byte limit",
		                ptlen, CK_SEAL_MAX_VALUE);
		goto out;
	}
	ck_random(key, sizeof(key));
	if ((rc = ck_buf_grow(out, 2 + k + ptlen + CK_SEAL_TAG_LEN)) < 0)
		goto out;
	if ((rc = ck_buf_put_u16be(out, (uint16_t)k)) < 0)
		goto out;
	if ((rc = ck_rsa_oaep_encrypt(out, pub, label, labellen, key, sizeof(key))) < 0)
		goto out;
	if (ck_buf_len(out) != mark + 2 + k) {
		rc = ck_err_set(CK_EINTERNAL, "seal: RSA-OAEP output has an unexpected length");
		goto out;
	}
	if ((rc = ck_buf_reserve(out, ptlen + CK_SEAL_TAG_LEN, &p)) < 0)
		goto out;
	rc = ck_aes256gcm_seal(p, p + ptlen, key, zero_nonce, sizeof(zero_nonce), NULL, 0, pt,
	                       ptlen);
	if (rc < 0)
		goto out;
	rc = CK_OK;
out:
	ck_memzero(key, sizeof(key));
	if (rc < 0)
		ck_seal__rewind(out, mark);
	return rc;
}

int ck_seal_hybrid_framed(const void *ct, size_t ctlen)
{
	const uint8_t *c = ct;
	size_t l;

	if (ctlen < 2)
		return 0;
	l = (size_t)c[0] << 8 | c[1];
	return ctlen >= 2 + l + CK_SEAL_TAG_LEN;
}

int ck_seal_hybrid_open(struct ck_buf *out, const struct ck_rsa *key, const void *label,
                        size_t labellen, const void *ct, size_t ctlen)
{
	struct ck_buf sk = CK_BUF_INIT;
	const uint8_t *c = ct;
	size_t mark = ck_buf_len(out), l, n;
	uint8_t *p;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&sk, 0); /* OAEP reserves a modulus worth of room */
	if (label == NULL)
		label = "";
	if (ctlen < 2) {
		rc = ck_err_set(CK_EINVAL, "seal: SealedSecret data is too short");
		goto out;
	}
	l = (size_t)c[0] << 8 | c[1];
	/* Upstream checks only for 2 + L bytes; GCM then needs its tag. */
	if (ctlen < 2 + l) {
		rc = ck_err_set(CK_EINVAL, "seal: SealedSecret data is too short");
		goto out;
	}
	if ((rc = ck_rsa_oaep_decrypt(&sk, key, label, labellen, c + 2, l)) < 0) {
		/* Wrong key and wrong label look the same: no padding oracle. */
		rc = ck_err_set(CK_EAUTH, "seal: cannot open value: wrong key or scope");
		goto out;
	}
	/* Go's aes.NewCipher accepts 16/24/32 bytes; the format always wraps 32. */
	if (ck_buf_len(&sk) != CK_SEAL_SESSION_KEY_LEN) {
		rc = ck_err_set(CK_EAUTH, "seal: cannot open value: wrong key or scope");
		goto out;
	}
	if (ctlen - 2 - l < CK_SEAL_TAG_LEN) {
		rc = ck_err_set(CK_EAUTH, "seal: cannot open value: message authentication failed");
		goto out;
	}
	n = ctlen - 2 - l - CK_SEAL_TAG_LEN;
	if ((rc = ck_buf_reserve(out, n, &p)) < 0)
		goto out;
	rc = ck_aes256gcm_open(p, c + 2 + l + n, ck_buf_data(&sk), zero_nonce, sizeof(zero_nonce),
	                       NULL, 0, c + 2 + l, n);
	if (rc < 0) {
		rc = ck_err_set(CK_EAUTH, "seal: cannot open value: message authentication failed");
		goto out;
	}
	rc = CK_OK;
out:
	ck_buf_dispose(&sk);
	if (rc < 0)
		ck_seal__rewind(out, mark);
	return rc;
}

int ck_seal_value_seal(struct ck_buf *out, const struct ck_rsa *pub, enum ck_seal_scope scope,
                       const char *ns, const char *name, const void *pt, size_t ptlen)
{
	struct ck_buf label = CK_BUF_INIT, ct = CK_BUF_INIT;
	int rc = CK_EINTERNAL;

	if ((rc = ck_seal_label(&label, scope, ns, name)) < 0)
		goto out;
	if ((rc = ck_seal_hybrid_seal(&ct, pub, ck_buf_data(&label), ck_buf_len(&label), pt,
	                              ptlen)) < 0)
		goto out;
	rc = ck_b64_encode(out, ck_buf_data(&ct), ck_buf_len(&ct), CK_B64_STD);
out:
	ck_buf_dispose(&label);
	ck_buf_dispose(&ct);
	return rc;
}

/* Go's StdEncoding.DecodeString: CR and LF are skipped, nothing else is. */
int ck_seal__b64_decode(struct ck_buf *out, const char *s, size_t n)
{
	struct ck_buf clean = CK_BUF_INIT;
	size_t i;
	int rc = CK_EINTERNAL;

	if (memchr(s, '\r', n) == NULL && memchr(s, '\n', n) == NULL) {
		rc = ck_b64_decode(out, s, n, CK_B64_STD, 0);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n' && (rc = ck_buf_putc(&clean, s[i])) < 0)
			goto out;
	rc = ck_b64_decode(out, ck_buf_cstr(&clean), ck_buf_len(&clean), CK_B64_STD, 0);
out:
	ck_buf_dispose(&clean);
	return rc;
}

int ck_seal_value_open(struct ck_buf *out, struct ck_seal_keyring *kr, enum ck_seal_scope scope,
                       const char *ns, const char *name, const char *b64, size_t b64len,
                       size_t *which)
{
	struct ck_buf label = CK_BUF_INIT, ct = CK_BUF_INIT;
	int rc = CK_EINTERNAL;

	if ((rc = ck_seal__b64_decode(&ct, b64, b64len)) < 0) {
		rc = ck_err_set(CK_EINVAL, "seal: value is not valid base64");
		goto out;
	}
	if ((rc = ck_seal_label(&label, scope, ns, name)) < 0)
		goto out;
	rc = ck_seal_keyring_open(out, kr, ck_buf_data(&label), ck_buf_len(&label),
	                          ck_buf_data(&ct), ck_buf_len(&ct), which);
out:
	ck_buf_dispose(&label);
	ck_buf_dispose(&ct);
	return rc;
}
