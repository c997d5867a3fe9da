/* SPDX-License-Identifier: Apache-2.0 */
/* Private keys tried in turn, their fingerprints, and the recovery key formats. */
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/pem.h"
#include "ck/seal.h"
#include "ck/secret.h"
#include "seal_int.h"

#define FP_MAX 64

struct entry {
	struct ck_rsa *key;
	char fp[FP_MAX];
};

struct ck_seal_keyring {
	struct entry *v;
	size_t n, cap;
	size_t first; /* index tried first: the key that worked last */
};

/* One DER TLV header: tag, then short or long length. */
static int der_item(const uint8_t **p, const uint8_t *end, uint8_t tag, size_t *len)
{
	const uint8_t *q = *p;
	size_t l = 0, nb, i;

	if (end - q < 2 || q[0] != tag)
		return CK_EINVAL;
	q++;
	if (*q < 0x80) {
		l = *q++;
	} else {
		nb = *q++ & 0x7f;
		if (nb == 0 || nb > sizeof(size_t) || (size_t)(end - q) < nb)
			return CK_EINVAL;
		for (i = 0; i < nb; i++)
			l = l << 8 | *q++;
	}
	if ((size_t)(end - q) < l)
		return CK_EINVAL;
	*p = q;
	*len = l;
	return CK_OK;
}

static int put_ssh_string(struct ck_buf *b, const uint8_t *p, size_t n)
{
	int rc;

	if (n > 0xffffffffu)
		return ck_err_set(CK_EINVAL, "seal: key component too large");
	if ((rc = ck_buf_put_u32be(b, (uint32_t)n)) < 0)
		return rc;
	return ck_buf_put(b, p, n);
}

int ck_seal_key_fingerprint(struct ck_buf *out, const struct ck_rsa *key)
{
	struct ck_buf der = CK_BUF_INIT, wire = CK_BUF_INIT;
	const uint8_t *p, *end, *np, *ep;
	size_t seqlen, nlen, elen;
	uint8_t h[CK_SHA256_LEN];
	size_t mark = ck_buf_len(out);
	int rc = CK_EINTERNAL;

	/* PKCS#1 RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }. DER INTEGERs
	 * are minimal two's complement, which is exactly the SSH mpint form. */
	if ((rc = ck_rsa_public_der(&der, key, 0)) < 0)
		goto out;
	p = ck_buf_data(&der);
	end = p + ck_buf_len(&der);
	if (der_item(&p, end, 0x30, &seqlen) < 0 || der_item(&p, end, 0x02, &nlen) < 0)
		goto bad;
	np = p;
	p += nlen;
	if (der_item(&p, end, 0x02, &elen) < 0)
		goto bad;
	ep = p;
	if ((rc = put_ssh_string(&wire, (const uint8_t *)"ssh-rsa", 7)) < 0 ||
	    (rc = put_ssh_string(&wire, ep, elen)) < 0 ||
	    (rc = put_ssh_string(&wire, np, nlen)) < 0)
		goto out;
	ck_sha256(h, ck_buf_data(&wire), ck_buf_len(&wire));
	if ((rc = ck_buf_puts(out, "SHA256:")) < 0 ||
	    (rc = ck_b64_encode(out, h, sizeof(h), CK_B64_STD_RAW)) < 0)
		goto out;
	rc = CK_OK;
	goto out;
bad:
	rc = ck_err_set(CK_EINTERNAL, "seal: cannot read the RSA public key encoding");
out:
	if (rc < 0)
		ck_seal__rewind(out, mark);
	ck_buf_dispose(&der);
	ck_buf_dispose(&wire);
	return rc;
}

int ck_seal_keyring_new(struct ck_seal_keyring **out)
{
	struct ck_seal_keyring *kr = ck_calloc(1, sizeof(*kr));

	if (kr == NULL)
		return ck_err_set(CK_ENOMEM, "seal: out of memory");
	*out = kr;
	return CK_OK;
}

void ck_seal_keyring_free(struct ck_seal_keyring *kr)
{
	size_t i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++)
		ck_rsa_free(kr->v[i].key);
	ck_freezero(kr->v, kr->cap * sizeof(*kr->v));
	ck_freezero(kr, sizeof(*kr));
}

int ck_seal_keyring_add(struct ck_seal_keyring *kr, struct ck_rsa *key)
{
	struct ck_buf fp = CK_BUF_INIT;
	struct entry *nv;
	size_t i, ncap;
	int rc = CK_EINTERNAL;

	if (!ck_rsa_has_private(key)) {
		rc = ck_err_set(CK_EINVAL, "seal: a recovery key must be a private key");
		goto out;
	}
	if ((rc = ck_seal_key_fingerprint(&fp, key)) < 0)
		goto out;
	if (ck_buf_len(&fp) >= FP_MAX) {
		rc = ck_err_set(CK_EINTERNAL, "seal: fingerprint too long");
		goto out;
	}
	for (i = 0; i < kr->n; i++) {
		if (strcmp(kr->v[i].fp, ck_buf_cstr(&fp)) == 0) {
			rc = CK_OK; /* already present */
			goto out;
		}
	}
	if (kr->n == kr->cap) {
		ncap = kr->cap ? kr->cap * 2 : 4;
		if ((nv = ck_calloc(ncap, sizeof(*nv))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
			goto out;
		}
		if (kr->n)
			memcpy(nv, kr->v, kr->n * sizeof(*nv));
		ck_freezero(kr->v, kr->cap * sizeof(*kr->v));
		kr->v = nv;
		kr->cap = ncap;
	}
	kr->v[kr->n].key = ck_rsa_ref(key);
	memcpy(kr->v[kr->n].fp, ck_buf_data(&fp), ck_buf_len(&fp) + 1);
	kr->n++;
	rc = CK_OK;
out:
	ck_buf_dispose(&fp);
	return rc;
}

size_t ck_seal_keyring_count(const struct ck_seal_keyring *kr)
{
	return kr ? kr->n : 0;
}

struct ck_rsa *ck_seal_keyring_key(const struct ck_seal_keyring *kr, size_t i)
{
	return kr && i < kr->n ? kr->v[i].key : NULL;
}

void ck_seal_keyring_prefer(struct ck_seal_keyring *kr, size_t i)
{
	if (kr != NULL && i < kr->n)
		kr->first = i;
}

int ck_seal_keyring_open(struct ck_buf *out, struct ck_seal_keyring *kr, const void *label,
                         size_t labellen, const void *ct, size_t ctlen, size_t *which)
{
	const uint8_t *c = ct;
	size_t t, i;
	int rc;

	/* Upstream's framing check, before any key is tried. */
	if (ctlen < 2 || ctlen < 2 + ((size_t)c[0] << 8 | c[1]))
		return ck_err_set(CK_EINVAL, "seal: SealedSecret data is too short");
	for (t = 0; kr != NULL && t < kr->n; t++) {
		/* The remembered key first, then the others in the order added. */
		i = t == 0 ? kr->first : (t <= kr->first ? t - 1 : t);
		rc = ck_seal_hybrid_open(out, kr->v[i].key, label, labellen, ct, ctlen);
		if (rc == CK_OK) {
			kr->first = i;
			if (which != NULL)
				*which = i;
			ck_err_clear();
			return CK_OK;
		}
		if (rc != CK_EAUTH)
			return rc; /* framing, memory: no other key will do better */
	}
	return ck_err_set(CK_ENOKEY, "seal: no key could decrypt secret");
}

/* ---- Recovery key files ---- */

struct pending {
	struct ck_rsa **v;
	size_t n, cap;
};

static int pending_push(struct pending *p, struct ck_rsa *k)
{
	struct ck_rsa **nv;
	size_t ncap;

	if (p->n == p->cap) {
		ncap = p->cap ? p->cap * 2 : 4;
		if ((nv = ck_calloc(ncap, sizeof(*nv))) == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		if (p->n)
			memcpy(nv, p->v, p->n * sizeof(*nv));
		ck_free(p->v);
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = k;
	return CK_OK;
}

static void pending_dispose(struct pending *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		ck_rsa_free(p->v[i]);
	ck_free(p->v);
	memset(p, 0, sizeof(*p));
}

static const char *find_str(const char *hay, size_t n, const char *needle)
{
	size_t l = strlen(needle), i;

	for (i = 0; l <= n && i <= n - l; i++)
		if (memcmp(hay + i, needle, l) == 0)
			return hay + i;
	return NULL;
}

/* Every private-key PEM block of text; other blocks (certificates) are skipped. */
static int load_pem(struct pending *keys, const char *text, size_t n, const char *source)
{
	struct ck_buf der = CK_BUF_INIT, label = CK_BUF_INIT;
	struct ck_rsa *k = NULL;
	const char *begin;
	size_t off = 0, used;
	int rc = CK_EINTERNAL, blocks = 0;

	ck_buf_init_secure(&der, 0);
	while ((begin = find_str(text + off, n - off, "-----BEGIN ")) != NULL) {
		off = (size_t)(begin - text);
		ck_buf_reset(&der);
		ck_buf_reset(&label);
		rc = ck_pem_decode(&der, &label, NULL, text + off, n - off, &used);
		if (rc < 0) {
			ck_err_context("%s", source);
			goto out;
		}
		if (strcmp(ck_buf_cstr(&label), "RSA PRIVATE KEY") == 0 ||
		    strcmp(ck_buf_cstr(&label), "PRIVATE KEY") == 0) {
			if ((rc = ck_rsa_private_parse(&k, text + off, used)) < 0) {
				ck_err_context("%s", source);
				goto out;
			}
			if ((rc = pending_push(keys, k)) < 0)
				goto out;
			k = NULL; /* transferred */
			blocks++;
		} else if (find_str(ck_buf_cstr(&label), ck_buf_len(&label), "PRIVATE KEY") !=
		           NULL) {
			rc = ck_err_set(CK_EUNSUPPORTED, "%s: %s is not an RSA key", source,
			                ck_buf_cstr(&label));
			goto out;
		}
		off += used;
	}
	if (blocks == 0) {
		rc = ck_err_set(CK_EINVAL, "%s: no private key found", source);
		goto out;
	}
	rc = CK_OK;
out:
	ck_rsa_free(k);
	ck_buf_dispose(&der);
	ck_buf_dispose(&label);
	return rc;
}

static int load_secret(struct pending *keys, const struct ck_doc_node *s, const char *source,
                       size_t idx)
{
	struct ck_buf pem = CK_BUF_INIT;
	const struct ck_doc_node *data;
	const char *v, *kind;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&pem, 0);
	s = ck_doc_resolve(s);
	if (s == NULL || s->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "%s: document %zu is not a Secret", source, idx + 1);
		goto out;
	}
	kind = ck_doc_map_get_str(s, "kind");
	if (kind != NULL && strcmp(kind, "Secret") != 0) {
		rc = ck_err_set(CK_EINVAL, "%s: document %zu is a %s, not a Secret", source,
		                idx + 1, kind);
		goto out;
	}
	data = ck_doc_map_get(s, "data");
	v = data ? ck_seal__str(ck_doc_map_get(data, "tls.key")) : NULL;
	if (v == NULL) {
		rc = ck_err_set(CK_EINVAL, "%s: secret must contain a 'tls.key' data item", source);
		goto out;
	}
	if ((rc = ck_seal__b64_decode(&pem, v, strlen(v))) < 0) {
		rc = ck_err_set(CK_EINVAL, "%s: data.tls.key is not valid base64", source);
		goto out;
	}
	rc = load_pem(keys, ck_buf_cstr(&pem), ck_buf_len(&pem), source);
out:
	ck_buf_dispose(&pem);
	return rc;
}

int ck_seal_keyring_load(struct ck_seal_keyring *kr, const char *text, size_t n,
                         const char *source)
{
	struct pending keys = { 0 };
	struct ck_doc *d = NULL;
	const struct ck_doc_node *root, *items;
	size_t i, j;
	int rc = CK_EINTERNAL;

	if (source == NULL)
		source = "key file";
	if (find_str(text, n, "-----BEGIN ") != NULL) {
		if ((rc = load_pem(&keys, text, n, source)) < 0)
			goto out;
	} else {
		if ((rc = ck_doc_parse(&d, text, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0) {
			ck_err_context("%s", source);
			goto out;
		}
		for (i = 0; i < d->ndocs; i++) {
			root = ck_doc_resolve(d->docs[i]);
			if (root == NULL)
				continue;
			if (root->kind == CK_DOC_MAP && ck_doc_scalar_is(ck_doc_map_get(root, "kind"),
			                                                  "List")) {
				items = ck_doc_resolve(ck_doc_map_get(root, "items"));
				for (j = 0; items != NULL && items->kind == CK_DOC_SEQ &&
				            j < items->nkids;
				     j++)
					if ((rc = load_secret(&keys, items->kids[j], source, j)) < 0)
						goto out;
				continue;
			}
			if ((rc = load_secret(&keys, root, source, i)) < 0)
				goto out;
		}
		if (keys.n == 0) {
			rc = ck_err_set(CK_EINVAL, "%s: no private key found", source);
			goto out;
		}
	}
	for (i = 0; i < keys.n; i++)
		if ((rc = ck_seal_keyring_add(kr, keys.v[i])) < 0)
			goto out;
	rc = CK_OK;
out:
	pending_dispose(&keys);
	ck_doc_free(d);
	return rc;
}
