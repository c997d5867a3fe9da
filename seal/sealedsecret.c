/* SPDX-License-Identifier: Apache-2.0 */
/* Secret -> SealedSecret (kubeseal Seal / NewSealedSecret), reading and writing manifests. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/seal_manifest.h"
#include "seal_int.h"

int ck_seal_format_parse(enum ck_seal_format *out, const char *s)
{
	if (s == NULL || s[0] == '\0' || strcasecmp(s, "json") == 0)
		*out = CK_SEAL_FORMAT_JSON;
	else if (strcasecmp(s, "yaml") == 0)
		*out = CK_SEAL_FORMAT_YAML;
	else
		return ck_err_set(CK_EUSAGE, "seal: unsupported output format: %s (use json or yaml)",
		                  s);
	return CK_OK;
}

/* ---- string maps (labels, annotations, data, stringData) ---- */

int ck_seal__kvs_push(struct ck_seal__kvs *m, const char *k, size_t klen, const char *v,
                      size_t vlen)
{
	struct ck_seal__kv *nv;
	size_t ncap;

	if (m->n == m->cap) {
		ncap = m->cap ? m->cap * 2 : 8;
		if ((nv = ck_calloc(ncap, sizeof(*nv))) == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		if (m->n)
			memcpy(nv, m->v, m->n * sizeof(*nv));
		ck_free(m->v);
		m->v = nv;
		m->cap = ncap;
	}
	m->v[m->n].k = k;
	m->v[m->n].klen = klen;
	m->v[m->n].v = v;
	m->v[m->n].vlen = vlen;
	m->v[m->n].seq = m->n;
	m->n++;
	return CK_OK;
}

void ck_seal__kvs_dispose(struct ck_seal__kvs *m)
{
	ck_free(m->v);
	memset(m, 0, sizeof(*m));
}

static int kv_cmp(const void *a, const void *b)
{
	const struct ck_seal__kv *x = a, *y = b;
	size_t l = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->k, y->k, l);

	if (c == 0 && x->klen != y->klen)
		c = x->klen < y->klen ? -1 : 1;
	if (c == 0)
		c = x->seq < y->seq ? -1 : x->seq > y->seq;
	return c;
}

void ck_seal__kvs_sort(struct ck_seal__kvs *m)
{
	size_t i, j = 0;

	if (m->n > 1)
		qsort(m->v, m->n, sizeof(*m->v), kv_cmp);
	/* Go maps keep the last value of a duplicate key. */
	for (i = 0; i < m->n; i++) {
		if (i + 1 < m->n && m->v[i].klen == m->v[i + 1].klen &&
		    memcmp(m->v[i].k, m->v[i + 1].k, m->v[i].klen) == 0)
			continue;
		m->v[j++] = m->v[i];
	}
	m->n = j;
}

void ck_seal__kvs_remove(struct ck_seal__kvs *m, const char *k)
{
	size_t i, j = 0, kl = strlen(k);

	for (i = 0; i < m->n; i++)
		if (!(m->v[i].klen == kl && memcmp(m->v[i].k, k, kl) == 0))
			m->v[j++] = m->v[i];
	m->n = j;
}

const struct ck_seal__kv *ck_seal__kvs_get(const struct ck_seal__kvs *m, const char *k)
{
	size_t i, kl = strlen(k);

	for (i = m->n; i-- > 0;)
		if (m->v[i].klen == kl && memcmp(m->v[i].k, k, kl) == 0)
			return &m->v[i];
	return NULL;
}

static int is_null(const struct ck_doc_node *n)
{
	n = ck_doc_resolve(n);
	return n == NULL || (n->kind == CK_DOC_SCALAR && ck_doc_scalar_type(n) == CK_DOC_T_NULL);
}

int ck_seal__read_strmap(struct ck_seal__kvs *out, const struct ck_doc_node *map, const char *src,
                         const char *path)
{
	const struct ck_doc_node *k, *v;
	size_t i;
	int rc;

	if (is_null(map))
		return CK_OK;
	map = ck_doc_resolve(map);
	if (map->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL, "seal: %s: %s: expected a mapping of strings", src, path);
	for (i = 0; i < ck_doc_map_len(map); i++) {
		k = ck_doc_resolve(ck_doc_map_key(map, i));
		v = ck_doc_resolve(ck_doc_map_value(map, i));
		if (k == NULL || k->kind != CK_DOC_SCALAR)
			return ck_err_set(CK_EINVAL, "seal: %s: %s: a key is not a string", src, path);
		if (is_null(v)) {
			rc = ck_seal__kvs_push(out, k->text, k->len, "", 0);
		} else if (ck_seal__str(v) != NULL) {
			rc = ck_seal__kvs_push(out, k->text, k->len, v->text, v->len);
		} else {
			return ck_err_set(CK_EINVAL,
			                  "seal: %s: %s.%s: not a string (quote the value)", src, path,
			                  k->text);
		}
		if (rc < 0)
			return rc;
	}
	return CK_OK;
}

/* ---- building trees ---- */

struct ck_doc_node *ck_seal__s(struct ck_doc *d, const char *s, size_t n)
{
	/* Double-quoted marks "string" for both writers (a YAML writer free to
	 * pick styles still quotes "true" or "123"). */
	return ck_doc_scalar(d, s, n, CK_DOC_DQUOTED);
}

int ck_seal__put(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                 struct ck_doc_node *v)
{
	struct ck_doc_node *k;

	if (v == NULL || (k = ck_seal__s(d, key, strlen(key))) == NULL)
		return ck_err_set(CK_ENOMEM, "seal: out of memory");
	return ck_doc_map_append(d, map, k, v);
}

int ck_seal__put_str(struct ck_doc *d, struct ck_doc_node *map, const char *key, const char *v)
{
	return ck_seal__put(d, map, key, ck_seal__s(d, v, strlen(v)));
}

int ck_seal__put_kvs(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                     const struct ck_seal__kvs *m)
{
	struct ck_doc_node *o, *k, *v;
	size_t i;
	int rc;

	if (m->n == 0)
		return CK_OK;
	if ((o = ck_doc_map(d)) == NULL)
		return ck_err_set(CK_ENOMEM, "seal: out of memory");
	for (i = 0; i < m->n; i++) {
		k = ck_seal__s(d, m->v[i].k, m->v[i].klen);
		v = ck_seal__s(d, m->v[i].v, m->v[i].vlen);
		if (k == NULL || v == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		if ((rc = ck_doc_map_append(d, o, k, v)) < 0)
			return rc;
	}
	return ck_seal__put(d, map, key, o);
}

enum ck_seal_scope ck_seal__scope_of(const struct ck_seal__kvs *anno)
{
	const struct ck_seal__kv *c = ck_seal__kvs_get(anno, CK_SEAL_ANNO_CLUSTER_WIDE);
	const struct ck_seal__kv *n = ck_seal__kvs_get(anno, CK_SEAL_ANNO_NAMESPACE_WIDE);

	if (c != NULL && c->vlen == 4 && memcmp(c->v, "true", 4) == 0)
		return CK_SEAL_SCOPE_CLUSTER_WIDE;
	if (n != NULL && n->vlen == 4 && memcmp(n->v, "true", 4) == 0)
		return CK_SEAL_SCOPE_NAMESPACE_WIDE;
	return CK_SEAL_SCOPE_STRICT;
}

/* UpdateScopeAnnotations: drop both scope annotations, add the one for scope. */
static int set_scope_annotations(struct ck_seal__kvs *anno, enum ck_seal_scope scope)
{
	ck_seal__kvs_remove(anno, CK_SEAL_ANNO_NAMESPACE_WIDE);
	ck_seal__kvs_remove(anno, CK_SEAL_ANNO_CLUSTER_WIDE);
	if (scope == CK_SEAL_SCOPE_NAMESPACE_WIDE)
		return ck_seal__kvs_push(anno, CK_SEAL_ANNO_NAMESPACE_WIDE,
		                         strlen(CK_SEAL_ANNO_NAMESPACE_WIDE), "true", 4);
	if (scope == CK_SEAL_SCOPE_CLUSTER_WIDE)
		return ck_seal__kvs_push(anno, CK_SEAL_ANNO_CLUSTER_WIDE,
		                         strlen(CK_SEAL_ANNO_CLUSTER_WIDE), "true", 4);
	return CK_OK;
}

static int clone_field(struct ck_doc *d, struct ck_doc_node *dst, const struct ck_doc_node *src,
                       const char *key)
{
	const struct ck_doc_node *v = ck_doc_map_get(src, key);

	if (is_null(v))
		return CK_OK;
	return ck_seal__put(d, dst, key, ck_doc_clone(d, ck_doc_resolve(v)));
}

/* ---- sealing ---- */

struct sealing {
	const char *src;
	const struct ck_doc_node *root, *md;
	struct ck_seal__kvs labels, anno, data, sdata, enc;
	const char *name, *ns, *type;
	const struct ck_doc_node *immutable;
	enum ck_seal_scope scope;
};

static int read_secret(struct sealing *s, const struct ck_doc_node *secret,
                       const struct ck_seal_opts *o)
{
	const struct ck_doc_node *t, *im;
	const char *kind;
	int rc;

	s->root = ck_doc_resolve(secret);
	if (s->root == NULL || s->root->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL, "seal: %s: not a Secret (expected a mapping)", s->src);
	t = ck_doc_map_get(s->root, "kind");
	kind = ck_seal__str(t);
	if (t != NULL && (kind == NULL || strcmp(kind, "Secret") != 0))
		return ck_err_set(CK_EINVAL, "seal: %s: not a Secret (kind: %s)", s->src,
		                  kind ? kind : "not a string");
	s->md = ck_doc_resolve(ck_doc_map_get(s->root, "metadata"));
	if (!is_null(s->md) && s->md->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL, "seal: %s: metadata: expected a mapping", s->src);
	if (is_null(s->md))
		s->md = NULL;
	if (s->md != NULL) {
		if ((rc = ck_seal__read_strmap(&s->labels, ck_doc_map_get(s->md, "labels"), s->src,
		                               "metadata.labels")) < 0 ||
		    (rc = ck_seal__read_strmap(&s->anno, ck_doc_map_get(s->md, "annotations"), s->src,
		                               "metadata.annotations")) < 0)
			return rc;
		t = ck_doc_map_get(s->md, "name");
		if (!is_null(t) && (s->name = ck_seal__str(t)) == NULL)
			return ck_err_set(CK_EINVAL, "seal: %s: metadata.name: not a string", s->src);
		t = ck_doc_map_get(s->md, "namespace");
		if (!is_null(t) && (s->ns = ck_seal__str(t)) == NULL)
			return ck_err_set(CK_EINVAL, "seal: %s: metadata.namespace: not a string",
			                  s->src);
	}
	if ((rc = ck_seal__read_strmap(&s->data, ck_doc_map_get(s->root, "data"), s->src,
	                               "data")) < 0 ||
	    (rc = ck_seal__read_strmap(&s->sdata, ck_doc_map_get(s->root, "stringData"), s->src,
	                               "stringData")) < 0)
		return rc;
	t = ck_doc_map_get(s->root, "type");
	if (!is_null(t) && (s->type = ck_seal__str(t)) == NULL)
		return ck_err_set(CK_EINVAL, "seal: %s: type: not a string", s->src);
	im = ck_doc_map_get(s->root, "immutable");
	if (!is_null(im)) {
		int b;

		if (ck_doc_scalar_type(ck_doc_resolve(im)) != CK_DOC_T_BOOL ||
		    ck_doc_scalar_bool(ck_doc_resolve(im), &b) < 0)
			return ck_err_set(CK_EINVAL, "seal: %s: immutable: not a boolean", s->src);
		s->immutable = ck_doc_resolve(im);
	}
	if (s->data.n == 0 && s->sdata.n == 0 && !o->allow_empty_data)
		return ck_err_set(CK_EINVAL,
		                  "seal: %s: secret.data is empty in input Secret, assuming this is "
		                  "an error and aborting. To work with empty data, --allow-empty-data "
		                  "can be used",
		                  s->src);
	return CK_OK;
}

static int decide_name_scope_ns(struct sealing *s, const struct ck_seal_opts *o)
{
	int rc;

	if (o->force_name != NULL && o->force_name[0])
		s->name = o->force_name;
	else if (o->name != NULL && o->name[0])
		s->name = o->name;
	if (s->name == NULL || s->name[0] == '\0')
		return ck_err_set(CK_EINVAL, "seal: %s: missing metadata.name in input Secret",
		                  s->src);
	if (o->scope_set && (rc = set_scope_annotations(&s->anno, o->scope)) < 0)
		return rc;
	s->scope = ck_seal__scope_of(&s->anno);
	if (s->ns != NULL && s->ns[0] == '\0')
		s->ns = NULL;
	if (o->force_namespace != NULL && o->force_namespace[0]) {
		s->ns = o->force_namespace;
	} else if (o->ns_flag != NULL && o->ns_flag[0]) {
		if (s->ns != NULL && strcmp(s->ns, o->ns_flag) != 0 &&
		    s->scope != CK_SEAL_SCOPE_CLUSTER_WIDE)
			return ck_err_set(CK_EINVAL,
			                  "seal: %s: namespace mismatch: input secret is in namespace "
			                  "\"%s\" but \"%s\" was specified",
			                  s->src, s->ns, o->ns_flag);
		if (s->ns == NULL)
			s->ns = o->ns_flag;
	}
	if (s->ns == NULL && s->scope != CK_SEAL_SCOPE_CLUSTER_WIDE) {
		if (o->default_namespace == NULL || o->default_namespace[0] == '\0')
			return ck_err_set(CK_EINVAL, "seal: %s: secret must declare a namespace",
			                  s->src);
		s->ns = o->default_namespace;
	}
	return CK_OK;
}

/* One value to seal: its plaintext in, its ciphertext (base64) out. */
struct seal_job {
	const struct ck_seal__kv *kv;
	struct ck_buf pt, ct;
	int rc;
	struct ck_err err; /* the failing thread's error, rc < 0 */
};

struct seal_batch {
	struct sealing *s;
	const struct ck_rsa *pub;
	struct seal_job *jobs;
	size_t n;
	atomic_size_t next;
};

/* Seal jobs until none is left; each job is taken by exactly one thread. */
static void *seal_worker(void *arg)
{
	struct seal_batch *b = arg;
	size_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		struct seal_job *j = &b->jobs[i];

		j->rc = ck_seal_value_seal(&j->ct, b->pub, b->s->scope, b->s->ns, b->s->name,
		                           ck_buf_data(&j->pt), ck_buf_len(&j->pt));
		if (j->rc < 0)
			j->err = *ck_err_last();
	}
	return NULL;
}

/*
 * Each value costs one RSA-4096 public operation, most of a small Secret's
 * sealing time: with several values and a second core, a helper thread
 * takes half of them (the result does not depend on which thread sealed what).
 */
static void seal_batch_run(struct seal_batch *b)
{
	pthread_t helper;
	int spawned = 0;

	if (b->n >= 4 && sysconf(_SC_NPROCESSORS_ONLN) > 1)
		spawned = pthread_create(&helper, NULL, seal_worker, b) == 0;
	seal_worker(b);
	if (spawned)
		pthread_join(helper, NULL);
}

static int seal_values(struct sealing *s, const struct ck_rsa *pub, struct ck_doc *d)
{
	struct seal_batch b;
	struct seal_job *j;
	char *text;
	size_t i, k, n = s->data.n + s->sdata.n;
	int rc = CK_EINTERNAL;

	memset(&b, 0, sizeof(b));
	b.s = s;
	b.pub = pub;
	atomic_init(&b.next, 0);
	if (n && (b.jobs = ck_calloc(n, sizeof(*b.jobs))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	/* data first, then stringData: stringData wins a duplicate key. */
	for (k = 0; k < 2; k++) {
		const struct ck_seal__kvs *m = k == 0 ? &s->data : &s->sdata;

		for (i = 0; i < m->n; i++) {
			j = &b.jobs[b.n++];
			j->kv = &m->v[i];
			ck_buf_init_secure(&j->pt, CK_SEAL_MAX_VALUE);
			ck_buf_init(&j->ct, 0);
			if (k == 0 && (rc = ck_seal__b64_decode(&j->pt, j->kv->v, j->kv->vlen)) < 0) {
				rc = ck_err_set(CK_EINVAL, "seal: %s: data.%s: invalid base64 (data "
				                "values are base64; use stringData for plain text)",
				                s->src, j->kv->k);
				goto out;
			}
			if (k == 1 && (rc = ck_buf_put(&j->pt, j->kv->v, j->kv->vlen)) < 0)
				goto out;
		}
	}
	seal_batch_run(&b);
	for (i = 0; i < b.n; i++) {
		j = &b.jobs[i];
		if (j->rc < 0) {
			rc = ck_err_set(j->err.code, "%s", j->err.msg);
			goto out;
		}
		/* The ciphertext text lives in the output tree's arena. */
		if ((text = ck_doc_strdup(d, ck_buf_cstr(&j->ct), ck_buf_len(&j->ct))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
			goto out;
		}
		if ((rc = ck_seal__kvs_push(&s->enc, j->kv->k, j->kv->klen, text,
		                            ck_buf_len(&j->ct))) < 0)
			goto out;
	}
	ck_seal__kvs_sort(&s->enc);
	rc = CK_OK;
out:
	for (i = 0; i < b.n; i++) {
		ck_buf_dispose(&b.jobs[i].pt);
		ck_buf_dispose(&b.jobs[i].ct);
	}
	ck_free(b.jobs);
	return rc;
}

static int build_sealed(struct sealing *s, struct ck_doc *d, struct ck_doc_node **out)
{
	struct ck_doc_node *root, *md, *spec, *tmpl, *tmd, *ed, *k, *v;
	struct ck_seal__kvs scope_anno = { 0 }, tanno = { 0 };
	size_t i;
	int rc = CK_EINTERNAL;

	if ((root = ck_doc_map(d)) == NULL || (md = ck_doc_map(d)) == NULL ||
	    (spec = ck_doc_map(d)) == NULL || (tmpl = ck_doc_map(d)) == NULL ||
	    (tmd = ck_doc_map(d)) == NULL || (ed = ck_doc_map(d)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	/* metadata: name, namespace and the scope annotation only. */
	if ((rc = set_scope_annotations(&scope_anno, s->scope)) < 0 ||
	    (rc = ck_seal__put_str(d, root, "kind", CK_SEAL_KIND)) < 0 ||
	    (rc = ck_seal__put_str(d, root, "apiVersion", CK_SEAL_API_VERSION)) < 0 ||
	    (rc = ck_seal__put_str(d, md, "name", s->name)) < 0 ||
	    (s->ns != NULL && (rc = ck_seal__put_str(d, md, "namespace", s->ns)) < 0) ||
	    (rc = ck_seal__put_kvs(d, md, "annotations", &scope_anno)) < 0 ||
	    (rc = ck_seal__put(d, root, "metadata", md)) < 0)
		goto out;
	/* template.metadata: the Secret's ObjectMeta in Go field order, without
	 * server-side fields, ownerReferences and last-applied annotations. */
	for (i = 0; i < s->anno.n; i++)
		if ((rc = ck_seal__kvs_push(&tanno, s->anno.v[i].k, s->anno.v[i].klen, s->anno.v[i].v,
		                            s->anno.v[i].vlen)) < 0)
			goto out;
	ck_seal__kvs_remove(&tanno, "kubectl.kubernetes.io/last-applied-configuration");
	ck_seal__kvs_remove(&tanno, "kubecfg.ksonnet.io/last-applied-configuration");
	ck_seal__kvs_sort(&tanno);
	ck_seal__kvs_sort(&s->labels);
	if ((rc = ck_seal__put_str(d, tmd, "name", s->name)) < 0 ||
	    (s->md != NULL && (rc = clone_field(d, tmd, s->md, "generateName")) < 0) ||
	    (s->ns != NULL && (rc = ck_seal__put_str(d, tmd, "namespace", s->ns)) < 0) ||
	    (rc = ck_seal__put_kvs(d, tmd, "labels", &s->labels)) < 0 ||
	    (rc = ck_seal__put_kvs(d, tmd, "annotations", &tanno)) < 0 ||
	    (s->md != NULL && (rc = clone_field(d, tmd, s->md, "finalizers")) < 0) ||
	    (s->md != NULL && (rc = clone_field(d, tmd, s->md, "managedFields")) < 0) ||
	    (rc = ck_seal__put(d, tmpl, "metadata", tmd)) < 0)
		goto out;
	if (s->type != NULL && s->type[0] && (rc = ck_seal__put_str(d, tmpl, "type", s->type)) < 0)
		goto out;
	if (s->immutable != NULL &&
	    (rc = ck_seal__put(d, tmpl, "immutable",
	                       ck_doc_scalar(d, s->immutable->text, s->immutable->len,
	                                     CK_DOC_PLAIN))) < 0)
		goto out;
	for (i = 0; i < s->enc.n; i++) {
		k = ck_seal__s(d, s->enc.v[i].k, s->enc.v[i].klen);
		v = ck_seal__s(d, s->enc.v[i].v, s->enc.v[i].vlen);
		if (k == NULL || v == NULL) {
			rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
			goto out;
		}
		if ((rc = ck_doc_map_append(d, ed, k, v)) < 0)
			goto out;
	}
	if ((rc = ck_seal__put(d, spec, "template", tmpl)) < 0 ||
	    (rc = ck_seal__put(d, spec, "encryptedData", ed)) < 0 ||
	    (rc = ck_seal__put(d, root, "spec", spec)) < 0)
		goto out;
	*out = root;
	rc = CK_OK;
out:
	ck_seal__kvs_dispose(&scope_anno);
	ck_seal__kvs_dispose(&tanno);
	return rc;
}

int ck_seal_secret_seal(struct ck_doc **out, const struct ck_doc_node *secret,
                        const struct ck_rsa *pub, const struct ck_seal_opts *o)
{
	struct sealing s;
	struct ck_doc *d = NULL;
	struct ck_doc_node *root = NULL;
	int rc = CK_EINTERNAL;

	memset(&s, 0, sizeof(s));
	s.src = o->source ? o->source : "input";
	if ((rc = read_secret(&s, secret, o)) < 0 || (rc = decide_name_scope_ns(&s, o)) < 0)
		goto out;
	if ((d = ck_doc_new(0)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	if ((rc = seal_values(&s, pub, d)) < 0 || (rc = build_sealed(&s, d, &root)) < 0 ||
	    (rc = ck_doc_add_root(d, root)) < 0)
		goto out;
	*out = d;
	d = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_doc_free(d);
	ck_seal__kvs_dispose(&s.labels);
	ck_seal__kvs_dispose(&s.anno);
	ck_seal__kvs_dispose(&s.data);
	ck_seal__kvs_dispose(&s.sdata);
	ck_seal__kvs_dispose(&s.enc);
	return rc;
}

/* ---- writing ---- */

struct ord {
	const char *key;
	size_t i;
};

static int ord_cmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;
	int c = ck_seal__yaml_key_cmp(x->key, y->key);

	return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

/* Deep copy with every mapping's keys in sigs.k8s.io/yaml order; no comments. */
static struct ck_doc_node *sorted_clone(struct ck_doc *d, const struct ck_doc_node *n)
{
	struct ck_doc_node *o = NULL, *k, *v;
	struct ord *ix = NULL;
	size_t i, np;

	n = ck_doc_resolve(n);
	if (n == NULL)
		return NULL;
	if (n->kind == CK_DOC_SCALAR)
		return ck_doc_scalar(d, n->text, n->len, n->style);
	if (n->kind == CK_DOC_SEQ) {
		if ((o = ck_doc_seq(d)) == NULL)
			return NULL;
		for (i = 0; i < n->nkids; i++)
			if ((v = sorted_clone(d, n->kids[i])) == NULL ||
			    ck_doc_seq_append(d, o, v) < 0)
				return NULL;
		return o;
	}
	np = ck_doc_map_len(n);
	if ((o = ck_doc_map(d)) == NULL || (np && (ix = ck_calloc(np, sizeof(*ix))) == NULL))
		return NULL;
	for (i = 0; i < np; i++) {
		const struct ck_doc_node *kk = ck_doc_resolve(ck_doc_map_key(n, i));

		ix[i].key = kk && kk->kind == CK_DOC_SCALAR ? kk->text : "";
		ix[i].i = i;
	}
	if (np > 1)
		qsort(ix, np, sizeof(*ix), ord_cmp);
	for (i = 0; i < np; i++) {
		k = sorted_clone(d, ck_doc_map_key(n, ix[i].i));
		v = sorted_clone(d, ck_doc_map_value(n, ix[i].i));
		if (k == NULL || v == NULL || ck_doc_map_append(d, o, k, v) < 0) {
			o = NULL;
			break;
		}
	}
	ck_free(ix);
	return o;
}

int ck_seal_manifest_write(struct ck_buf *out, const struct ck_doc_node *root,
                           enum ck_seal_format fmt)
{
	struct ck_doc_json_opts jo = CK_DOC_JSON_OPTS_INIT;
	struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;
	struct ck_doc *d = NULL;
	struct ck_doc_node *s;
	size_t mark = ck_buf_len(out);
	int rc = CK_EINTERNAL;

	if (fmt == CK_SEAL_FORMAT_JSON) {
		/* k8s's pretty JSON serializer is json.MarshalIndent (HTML-escaping). */
		jo.indent = "  ";
		jo.escape_html = 1;
		jo.trailing_newline = 1;
		rc = ck_doc_write_json(out, root, &jo);
		goto out;
	}
	/* The copy may hold plaintext (an unsealed Secret): secure arena. */
	if ((d = ck_doc_new(CK_DOC_SECURE)) == NULL || (s = sorted_clone(d, root)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	if ((rc = ck_doc_add_root(d, s)) < 0)
		goto out;
	yo.indent = 2;
	yo.indent_sequences = 0;
	yo.keep_styles = 0;
	yo.explicit_start = 1;
	yo.no_comments = 1;
	rc = ck_doc_write_yaml(out, d, &yo);
out:
	if (rc < 0)
		ck_seal__rewind(out, mark);
	ck_doc_free(d);
	return rc;
}

/* "source" or "source (document N)" when a stream holds several documents. */
void ck_seal__doc_source(char *buf, size_t n, const char *src, size_t i, size_t ndocs)
{
	if (ndocs > 1)
		snprintf(buf, n, "%s (document %zu)", src, i + 1);
	else
		snprintf(buf, n, "%s", src);
}

int ck_seal_stream_seal(struct ck_buf *out, const char *text, size_t n, const struct ck_rsa *pub,
                        const struct ck_seal_opts *o, enum ck_seal_format fmt)
{
	struct ck_seal_opts oo = *o;
	struct ck_doc *in = NULL, *sd = NULL;
	const char *src = o->source ? o->source : "input";
	char where[512];
	size_t i, mark = ck_buf_len(out), count = 0;
	int rc = CK_EINTERNAL;

	if ((rc = ck_doc_parse(&in, text, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("seal: %s", src);
		goto out;
	}
	for (i = 0; i < in->ndocs; i++) {
		if (is_null(in->docs[i]))
			continue; /* empty document */
		ck_seal__doc_source(where, sizeof(where), src, i, in->ndocs);
		oo.source = where;
		if ((rc = ck_seal_secret_seal(&sd, in->docs[i], pub, &oo)) < 0)
			goto out;
		if ((rc = ck_seal_manifest_write(out, sd->docs[0], fmt)) < 0)
			goto out;
		ck_doc_free(sd);
		sd = NULL;
		count++;
	}
	if (count == 0) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: no secrets found. Ensure the input is valid and "
		                "UTF-8 encoded", src);
		goto out;
	}
	rc = CK_OK;
out:
	if (rc < 0)
		ck_seal__rewind(out, mark);
	ck_doc_free(sd);
	ck_doc_free(in);
	return rc;
}

/* ---- reading ---- */

int ck_seal_sealed_read(struct ck_seal_sealed *out, const struct ck_doc_node *root,
                        const char *src)
{
	struct ck_seal__kvs anno = { 0 };
	const struct ck_doc_node *md, *spec, *t;
	const char *kind, *av;
	int rc = CK_EINTERNAL;

	memset(out, 0, sizeof(*out));
	if (src == NULL)
		src = "input";
	root = ck_doc_resolve(root);
	if (root == NULL || root->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: not a SealedSecret (expected a mapping)", src);
		goto out;
	}
	out->root = root;
	t = ck_doc_map_get(root, "kind");
	kind = ck_seal__str(t);
	if (t != NULL && (kind == NULL || strcmp(kind, CK_SEAL_KIND) != 0)) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: not a SealedSecret (kind: %s)", src,
		                kind ? kind : "not a string");
		goto out;
	}
	t = ck_doc_map_get(root, "apiVersion");
	av = ck_seal__str(t);
	if (t != NULL && (av == NULL || strcmp(av, CK_SEAL_API_VERSION) != 0)) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: apiVersion: expected %s, got %s", src,
		                CK_SEAL_API_VERSION, av ? av : "not a string");
		goto out;
	}
	md = ck_doc_resolve(ck_doc_map_get(root, "metadata"));
	if (md == NULL || md->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: metadata: missing or not a mapping", src);
		goto out;
	}
	if ((out->name = ck_seal__str(ck_doc_map_get(md, "name"))) == NULL || !out->name[0]) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: metadata.name: missing", src);
		goto out;
	}
	t = ck_doc_map_get(md, "namespace");
	out->ns = ck_seal__str(t);
	if (out->ns == NULL) {
		if (!is_null(t)) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: metadata.namespace: not a string", src);
			goto out;
		}
		out->ns = "";
	}
	out->uid = ck_seal__str(ck_doc_map_get(md, "uid"));
	if ((rc = ck_seal__read_strmap(&anno, ck_doc_map_get(md, "annotations"), src,
	                               "metadata.annotations")) < 0)
		goto out;
	out->scope = ck_seal__scope_of(&anno);
	spec = ck_doc_resolve(ck_doc_map_get(root, "spec"));
	if (spec == NULL || spec->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: spec: missing or not a mapping", src);
		goto out;
	}
	t = ck_doc_resolve(ck_doc_map_get(spec, "encryptedData"));
	/* Upstream drops a malformed encryptedData silently; so do we. */
	out->encrypted_data = t != NULL && t->kind == CK_DOC_MAP ? t : NULL;
	t = ck_doc_map_get(spec, "data");
	if (!is_null(t) && (out->legacy_data = ck_seal__str(t)) == NULL) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: spec.data: not a base64 string", src);
		goto out;
	}
	t = ck_doc_resolve(ck_doc_map_get(spec, "template"));
	if (!is_null(t) && t->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: spec.template: not a mapping", src);
		goto out;
	}
	out->tmpl = is_null(t) ? NULL : t;
	if (out->tmpl != NULL) {
		t = ck_doc_resolve(ck_doc_map_get(out->tmpl, "metadata"));
		if (!is_null(t) && t->kind != CK_DOC_MAP) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: spec.template.metadata: not a mapping",
			                src);
			goto out;
		}
	}
	rc = CK_OK;
out:
	ck_seal__kvs_dispose(&anno);
	return rc;
}
