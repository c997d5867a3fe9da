/* SPDX-License-Identifier: Apache-2.0 */
/* SealedSecret -> Secret (SealedSecret.Unseal), and kubeseal --recovery-unseal. */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/seal_manifest.h"
#include "ck/secret.h"
#include "seal_int.h"

/* One item that failed, for the combined message. */
struct item_err {
	const char *key;
	int code;
	char msg[160];
};

struct errs {
	struct item_err *v;
	size_t n, cap;
};

static int errs_add(struct errs *e, const char *key, int code)
{
	const char *m = ck_err_last()->msg;
	struct item_err *nv;
	size_t ncap, l;

	if (e->n == e->cap) {
		ncap = e->cap ? e->cap * 2 : 8;
		if ((nv = ck_calloc(ncap, sizeof(*nv))) == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		if (e->n)
			memcpy(nv, e->v, e->n * sizeof(*nv));
		ck_free(e->v);
		e->v = nv;
		e->cap = ncap;
	}
	if (strncmp(m, "seal: ", 6) == 0)
		m += 6;
	e->v[e->n].key = key;
	e->v[e->n].code = code;
	l = strlen(m);
	if (l >= sizeof(e->v[e->n].msg))
		l = sizeof(e->v[e->n].msg) - 1; /* a long message is cut, never overflows */
	memcpy(e->v[e->n].msg, m, l);
	e->v[e->n].msg[l] = '\0';
	e->n++;
	return CK_OK;
}

/* "msg (k1, k2); msg2 (k3)": duplicate messages merged, as multierror.Uniq does. */
static int errs_report(const struct errs *e, const char *src)
{
	struct ck_buf b = CK_BUF_INIT;
	size_t i, j;
	int code = e->v[0].code, rc;

	for (i = 0; i < e->n; i++) {
		if (e->v[i].code == CK_ENOKEY)
			code = CK_ENOKEY;
		for (j = 0; j < i && strcmp(e->v[j].msg, e->v[i].msg) != 0; j++)
			;
		if (j < i)
			continue; /* already listed */
		if (ck_buf_len(&b) && ck_buf_puts(&b, "; ") < 0)
			break;
		if (ck_buf_printf(&b, "%s (", e->v[i].msg) < 0)
			break;
		for (j = i; j < e->n; j++)
			if (strcmp(e->v[j].msg, e->v[i].msg) == 0 &&
			    ck_buf_printf(&b, "%s%s", j == i ? "" : ", ", e->v[j].key) < 0)
				break;
		if (ck_buf_putc(&b, ')') < 0)
			break;
	}
	rc = ck_err_set(code, "seal: %s: %s", src, ck_buf_cstr(&b));
	ck_buf_dispose(&b);
	return rc;
}

/* ObjectMeta fields in Go order; name, namespace, labels, annotations and
 * ownerReferences are handled by the caller. */
static const char *const meta_fields[] = { "generateName", "selfLink", "uid", "resourceVersion",
	                                   "generation", "creationTimestamp", "deletionTimestamp",
	                                   "deletionGracePeriodSeconds", NULL };

static int is_null(const struct ck_doc_node *n)
{
	n = ck_doc_resolve(n);
	return n == NULL || (n->kind == CK_DOC_SCALAR && ck_doc_scalar_type(n) == CK_DOC_T_NULL);
}

static int clone_into(struct ck_doc *d, struct ck_doc_node *dst, const struct ck_doc_node *src,
                      const char *key)
{
	const struct ck_doc_node *v = src ? ck_doc_map_get(src, key) : NULL;

	if (is_null(v))
		return CK_OK;
	return ck_seal__put(d, dst, key, ck_doc_clone(d, ck_doc_resolve(v)));
}

/*
 * The Secret: metadata from `meta` (template metadata, or the legacy
 * Secret's) with name and namespace forced; type/immutable from `shape`
 * (template or legacy Secret); data = sorted base64 values.
 */
static int build_secret(struct ck_doc *d, struct ck_doc_node **out, const struct ck_seal_sealed *ss,
                        const struct ck_doc_node *meta, const struct ck_doc_node *shape,
                        const struct ck_seal__kvs *data, const char *uid, const char *src)
{
	struct ck_seal__kvs labels = { 0 }, anno = { 0 };
	struct ck_doc_node *root, *md, *refs, *ref;
	const struct ck_doc_node *t;
	const struct ck_seal__kv *skip;
	const char *type;
	size_t i;
	int rc = CK_EINTERNAL;

	if ((root = ck_doc_map(d)) == NULL || (md = ck_doc_map(d)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	meta = ck_doc_resolve(meta);
	if (meta != NULL && meta->kind != CK_DOC_MAP)
		meta = NULL;
	if (meta != NULL &&
	    ((rc = ck_seal__read_strmap(&labels, ck_doc_map_get(meta, "labels"), src,
	                                "spec.template.metadata.labels")) < 0 ||
	     (rc = ck_seal__read_strmap(&anno, ck_doc_map_get(meta, "annotations"), src,
	                                "spec.template.metadata.annotations")) < 0))
		goto out;
	ck_seal__kvs_sort(&labels);
	ck_seal__kvs_sort(&anno);
	if ((rc = ck_seal__put_str(d, root, "kind", "Secret")) < 0 ||
	    (rc = ck_seal__put_str(d, root, "apiVersion", "v1")) < 0 ||
	    (rc = ck_seal__put_str(d, md, "name", ss->name)) < 0)
		goto out;
	for (i = 0; meta_fields[i] != NULL; i++) {
		if (i == 1 && ss->ns[0] && (rc = ck_seal__put_str(d, md, "namespace", ss->ns)) < 0)
			goto out;
		/* A zero creationTimestamp is server-populated; leave it out. */
		if ((rc = clone_into(d, md, meta, meta_fields[i])) < 0)
			goto out;
	}
	if ((rc = ck_seal__put_kvs(d, md, "labels", &labels)) < 0 ||
	    (rc = ck_seal__put_kvs(d, md, "annotations", &anno)) < 0)
		goto out;
	skip = ck_seal__kvs_get(&anno, CK_SEAL_ANNO_SKIP_OWNER);
	if (skip == NULL || skip->vlen != 4 || memcmp(skip->v, "true", 4) != 0) {
		/* Refer back to the owning SealedSecret (no blockOwnerDeletion, as upstream). */
		if ((refs = ck_doc_seq(d)) == NULL || (ref = ck_doc_map(d)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
			goto out;
		}
		if ((rc = ck_seal__put_str(d, ref, "apiVersion", CK_SEAL_API_VERSION)) < 0 ||
		    (rc = ck_seal__put_str(d, ref, "kind", CK_SEAL_KIND)) < 0 ||
		    (rc = ck_seal__put_str(d, ref, "name", ss->name)) < 0 ||
		    (rc = ck_seal__put_str(d, ref, "uid", uid ? uid : "")) < 0 ||
		    (rc = ck_seal__put(d, ref, "controller", ck_doc_scalar(d, "true", 4, CK_DOC_PLAIN))) <
		            0 ||
		    (rc = ck_doc_seq_append(d, refs, ref)) < 0 ||
		    (rc = ck_seal__put(d, md, "ownerReferences", refs)) < 0)
			goto out;
	} else if ((rc = clone_into(d, md, meta, "ownerReferences")) < 0) {
		goto out;
	}
	if ((rc = clone_into(d, md, meta, "finalizers")) < 0 ||
	    (rc = clone_into(d, md, meta, "managedFields")) < 0 ||
	    (rc = ck_seal__put(d, root, "metadata", md)) < 0)
		goto out;
	t = shape ? ck_doc_resolve(ck_doc_map_get(shape, "immutable")) : NULL;
	if (!is_null(t) && ck_doc_scalar_type(t) == CK_DOC_T_BOOL &&
	    (rc = ck_seal__put(d, root, "immutable", ck_doc_scalar(d, t->text, t->len, CK_DOC_PLAIN))) <
	            0)
		goto out;
	if ((rc = ck_seal__put_kvs(d, root, "data", data)) < 0)
		goto out;
	type = shape ? ck_seal__str(ck_doc_map_get(shape, "type")) : NULL;
	if (type != NULL && type[0] && (rc = ck_seal__put_str(d, root, "type", type)) < 0)
		goto out;
	*out = root;
	rc = CK_OK;
out:
	ck_seal__kvs_dispose(&labels);
	ck_seal__kvs_dispose(&anno);
	return rc;
}

/* Base64 texts of the opened values, in the output tree's (secure) arena. */
static int put_b64(struct ck_doc *d, struct ck_seal__kvs *data, const char *k, size_t kl,
                   const struct ck_buf *pt)
{
	struct ck_buf b = CK_BUF_INIT;
	char *text;
	int rc;

	ck_buf_init_secure(&b, 0);
	if ((rc = ck_b64_encode(&b, ck_buf_data(pt), ck_buf_len(pt), CK_B64_STD)) == CK_OK) {
		if ((text = ck_doc_strdup(d, ck_buf_cstr(&b), ck_buf_len(&b))) == NULL)
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		else
			rc = ck_seal__kvs_push(data, k, kl, text, ck_buf_len(&b));
	}
	ck_buf_dispose(&b);
	return rc;
}

static int unseal_items(struct ck_doc *d, struct ck_doc_node **out, const struct ck_seal_sealed *ss,
                        struct ck_seal_keyring *kr, const char *uid, const char *src)
{
	struct ck_seal__kvs items = { 0 }, tdata = { 0 }, data = { 0 };
	struct ck_buf *vals = NULL, rendered = CK_BUF_INIT;
	const struct ck_buf **vp = NULL;
	const char **keys = NULL;
	const struct ck_doc_node *k, *v, *tdmap = NULL;
	struct errs errs = { 0 };
	char path[256];
	size_t i, n = 0;
	int rc = CK_EINTERNAL, r;

	ck_buf_init_secure(&rendered, 0);
	for (i = 0; ss->encrypted_data != NULL && i < ck_doc_map_len(ss->encrypted_data); i++) {
		k = ck_doc_resolve(ck_doc_map_key(ss->encrypted_data, i));
		v = ck_doc_map_value(ss->encrypted_data, i);
		/* Non-string entries are dropped, as upstream's lenient decoder does. */
		if (k == NULL || k->kind != CK_DOC_SCALAR || ck_seal__str(v) == NULL)
			continue;
		v = ck_doc_resolve(v);
		if ((rc = ck_seal__kvs_push(&items, k->text, k->len, v->text, v->len)) < 0)
			goto out;
	}
	ck_seal__kvs_sort(&items);
	if (ss->tmpl != NULL) {
		tdmap = ck_doc_resolve(ck_doc_map_get(ss->tmpl, "data"));
		if (is_null(tdmap))
			tdmap = NULL;
		else if (tdmap->kind != CK_DOC_MAP) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: spec.template.data: not a mapping", src);
			goto out;
		}
	}
	n = items.n;
	if (n && ((vals = ck_calloc(n, sizeof(*vals))) == NULL ||
	          (vp = ck_calloc(n, sizeof(*vp))) == NULL ||
	          (keys = ck_calloc(n, sizeof(*keys))) == NULL)) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		ck_buf_init_secure(&vals[i], CK_SEAL_MAX_VALUE);
	for (i = 0; i < n; i++) {
		keys[i] = items.v[i].k;
		vp[i] = &vals[i];
		r = ck_seal_value_open(&vals[i], kr, ss->scope, ss->ns, ss->name, items.v[i].v,
		                       items.v[i].vlen, NULL);
		if (r == CK_ENOMEM) {
			rc = r;
			goto out;
		}
		if (r < 0 && (rc = errs_add(&errs, items.v[i].k, r)) < 0)
			goto out;
	}
	/* Template data after the decrypted items; it overrides a same-named item. */
	for (i = 0; tdmap != NULL && i < ck_doc_map_len(tdmap); i++) {
		k = ck_doc_resolve(ck_doc_map_key(tdmap, i));
		v = ck_doc_resolve(ck_doc_map_value(tdmap, i));
		if (k == NULL || k->kind != CK_DOC_SCALAR)
			continue;
		if (is_null(v)) {
			/* A null template removes the item. */
			if ((rc = ck_seal__kvs_push(&tdata, k->text, k->len, NULL, 0)) < 0)
				goto out;
			continue;
		}
		if (ck_seal__str(v) == NULL) {
			snprintf(path, sizeof(path), "spec.template.data.%s", k->text);
			rc = ck_err_set(CK_EINVAL, "seal: %s: %s: not a string", src, path);
			goto out;
		}
		ck_buf_reset(&rendered);
		r = ck_seal__template_render(&rendered, k->text, v->text, v->len, keys, vp, n);
		if (r == CK_ENOMEM) {
			rc = r;
			goto out;
		}
		if (r < 0) {
			if ((rc = errs_add(&errs, k->text, r)) < 0)
				goto out;
			continue;
		}
		if ((rc = put_b64(d, &tdata, k->text, k->len, &rendered)) < 0)
			goto out;
	}
	if (errs.n > 0) {
		rc = errs_report(&errs, src);
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((rc = put_b64(d, &data, items.v[i].k, items.v[i].klen, &vals[i])) < 0)
			goto out;
	for (i = 0; i < tdata.n; i++) {
		char key[1024];

		if (tdata.v[i].klen >= sizeof(key)) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: spec.template.data: key too long", src);
			goto out;
		}
		memcpy(key, tdata.v[i].k, tdata.v[i].klen);
		key[tdata.v[i].klen] = 0;
		ck_seal__kvs_remove(&data, key);
		if (tdata.v[i].v != NULL && (rc = ck_seal__kvs_push(&data, tdata.v[i].k,
		                                                    tdata.v[i].klen, tdata.v[i].v,
		                                                    tdata.v[i].vlen)) < 0)
			goto out;
	}
	ck_seal__kvs_sort(&data);
	rc = build_secret(d, out, ss, ss->tmpl ? ck_doc_map_get(ss->tmpl, "metadata") : NULL,
	                  ss->tmpl, &data, uid, src);
out:
	for (i = 0; vals != NULL && i < n; i++)
		ck_buf_dispose(&vals[i]);
	ck_free(vals);
	ck_free(vp);
	ck_free(keys);
	ck_free(errs.v);
	ck_buf_dispose(&rendered);
	ck_seal__kvs_dispose(&items);
	ck_seal__kvs_dispose(&tdata);
	ck_seal__kvs_dispose(&data);
	return rc;
}

/* The deprecated spec.data: a whole v1 Secret as JSON, hybrid-encrypted. */
static int unseal_legacy(struct ck_doc *d, struct ck_doc_node **out,
                         const struct ck_seal_sealed *ss, struct ck_seal_keyring *kr,
                         const char *uid, const char *src)
{
	struct ck_buf pt = CK_BUF_INIT, tmp = CK_BUF_INIT;
	struct ck_seal__kvs data = { 0 }, sdata = { 0 };
	struct ck_doc *inner = NULL;
	const struct ck_doc_node *root;
	size_t i;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&pt, CK_SEAL_MAX_VALUE);
	ck_buf_init_secure(&tmp, CK_SEAL_MAX_VALUE);
	if ((rc = ck_seal_value_open(&pt, kr, ss->scope, ss->ns, ss->name, ss->legacy_data,
	                             strlen(ss->legacy_data), NULL)) < 0) {
		ck_err_context("seal: %s: spec.data", src);
		goto out;
	}
	if ((rc = ck_doc_parse_json(&inner, ck_buf_cstr(&pt), ck_buf_len(&pt),
	                            CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0 ||
	    inner->ndocs != 1 || (root = ck_doc_resolve(inner->docs[0])) == NULL ||
	    root->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: spec.data does not hold a Secret", src);
		goto out;
	}
	if ((rc = ck_seal__read_strmap(&data, ck_doc_map_get(root, "data"), src,
	                               "spec.data: data")) < 0 ||
	    (rc = ck_seal__read_strmap(&sdata, ck_doc_map_get(root, "stringData"), src,
	                               "spec.data: stringData")) < 0)
		goto out;
	for (i = 0; i < data.n; i++) {
		ck_buf_reset(&tmp);
		if (ck_seal__b64_decode(&tmp, data.v[i].v, data.v[i].vlen) < 0) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: spec.data: data.%s: invalid base64", src,
			                data.v[i].k);
			goto out;
		}
	}
	/* stringData folds into data (and wins), as the API's conversion does. */
	for (i = 0; i < sdata.n; i++) {
		struct ck_buf raw;

		ck_buf_view(&raw, sdata.v[i].v, sdata.v[i].vlen);
		if ((rc = put_b64(d, &data, sdata.v[i].k, sdata.v[i].klen, &raw)) < 0)
			goto out;
	}
	for (i = 0; i < data.n; i++) {
		/* Values borrowed from `inner` must outlive it: copy into d. */
		char *k = ck_doc_strdup(d, data.v[i].k, data.v[i].klen);
		char *v = ck_doc_strdup(d, data.v[i].v, data.v[i].vlen);

		if (k == NULL || v == NULL) {
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
			goto out;
		}
		data.v[i].k = k;
		data.v[i].v = v;
	}
	ck_seal__kvs_sort(&data);
	rc = build_secret(d, out, ss, ck_doc_map_get(root, "metadata"), root, &data, uid, src);
out:
	ck_seal__kvs_dispose(&data);
	ck_seal__kvs_dispose(&sdata);
	ck_doc_free(inner);
	ck_buf_dispose(&pt);
	ck_buf_dispose(&tmp);
	return rc;
}

int ck_seal_unseal(struct ck_doc **out, const struct ck_seal_sealed *ss,
                   struct ck_seal_keyring *kr, const struct ck_seal_unseal_opts *opts)
{
	struct ck_doc *d = NULL;
	struct ck_doc_node *root = NULL;
	const char *uid = opts && opts->uid ? opts->uid : ss->uid;
	char src[512];
	int rc = CK_EINTERNAL;

	snprintf(src, sizeof(src), "%s%s%s", ss->ns, ss->ns[0] ? "/" : "", ss->name);
	if ((d = ck_doc_new(CK_DOC_SECURE)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	if (ss->legacy_data != NULL) {
		if (opts && opts->refuse_v1_data) {
			rc = ck_err_set(CK_EUNSUPPORTED, "seal: %s: using deprecated 'data' field, use "
			                "'encryptedData' or flip the feature flag", src);
			goto out;
		}
		if (ss->encrypted_data != NULL && ck_doc_map_len(ss->encrypted_data) > 0) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: cannot use the field 'encryptedData' and "
			                "the deprecated field 'data' at the same time", src);
			goto out;
		}
		rc = unseal_legacy(d, &root, ss, kr, uid, src);
	} else {
		rc = unseal_items(d, &root, ss, kr, uid, src);
	}
	if (rc < 0 || (rc = ck_doc_add_root(d, root)) < 0)
		goto out;
	*out = d;
	d = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_doc_free(d);
	return rc;
}

int ck_seal_stream_unseal(struct ck_buf *out, const char *text, size_t n, const char *source,
                          struct ck_seal_keyring *kr, enum ck_seal_format fmt)
{
	struct ck_doc *in = NULL, *sec = NULL;
	struct ck_seal_sealed ss;
	char where[512];
	size_t i, mark = ck_buf_len(out), count = 0;
	int rc = CK_EINTERNAL;

	if (source == NULL)
		source = "input";
	if ((rc = ck_doc_parse(&in, text, n, CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("seal: %s", source);
		goto out;
	}
	for (i = 0; i < in->ndocs; i++) {
		if (is_null(in->docs[i]))
			continue;
		ck_seal__doc_source(where, sizeof(where), source, i, in->ndocs);
		if ((rc = ck_seal_sealed_read(&ss, in->docs[i], where)) < 0 ||
		    (rc = ck_seal_unseal(&sec, &ss, kr, NULL)) < 0 ||
		    (rc = ck_seal_manifest_write(out, sec->docs[0], fmt)) < 0)
			goto out;
		ck_doc_free(sec);
		sec = NULL;
		count++;
	}
	if (count == 0) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: no SealedSecret found", source);
		goto out;
	}
	rc = CK_OK;
out:
	if (rc < 0)
		ck_seal__rewind(out, mark);
	ck_doc_free(sec);
	ck_doc_free(in);
	return rc;
}
