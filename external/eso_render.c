/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building the Secret ESO would write for an ExternalSecret: the session's
 * provider cache, the controller's data pipeline (getProviderSecretData:
 * dataFrom then data, rewrite, conversion, key validation, decoding), the
 * template application (applyTemplate: templateFrom, template.data,
 * templated labels and annotations, mergePolicy), the labels and
 * annotations the controller adds, and the Secret manifest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/enc.h"
#include "ck/err.h"
#include "ck/ext.h"
#include "ck/ext_provider.h"
#include "ck/ext_tmpl.h"
#include "ck/secret.h"
#include "ext_int.h"
#include "ext_regex.h"
#include "prov_int.h"

#define LABEL_MANAGED "reconcile.external-secrets.io/managed"
#define LABEL_OWNER "reconcile.external-secrets.io/created-by"
#define ANNOT_HASH "reconcile.external-secrets.io/data-hash"

struct entry {
	const struct ck_ext_store *store; /* NULL for injected providers */
	char *name;
	int cluster;
	char *es_ns;                      /* referent namespace (cluster stores) */
	struct ck_ext_provider *p;
	int err_code;                     /* cached creation failure */
	char *err_msg;
};

struct ck_ext_session {
	const struct ck_ext_set *set;
	struct ck_ext_session_opts opts;
	struct ck_ext_resolver set_resolver;
	struct entry *e;
	size_t n, cap;
	/* secure memory reused from one render to the next */
	struct ck_buf scratch;
	struct ck_ext_map *pdata;
};

/* ----------------------------------------------------------- resolver */

static int set_get(void *arg, const char *kind, const char *ns, const char *name, const char *key,
                   struct ck_buf *out)
{
	const struct ck_ext_set *set = arg;
	int secret = strcmp(kind, "Secret") == 0;
	size_t i;

	for (i = 0; i < set->nobjects; i++) {
		const struct ck_ext_object *o = set->objects[i];
		const uint8_t *v;
		size_t vlen;

		if (o->secret != secret || o->name == NULL || strcmp(o->name, name) != 0)
			continue;
		/* manifests often leave the namespace out: unset matches any */
		if (ns && o->ns && strcmp(ns, o->ns) != 0)
			continue;
		if ((v = ck_ext_map_get(o->data, key, strlen(key), &vlen)) == NULL)
			return CK_ENOTFOUND;
		return ck_buf_put(out, v, vlen);
	}
	return CK_ENOTFOUND;
}

/* -------------------------------------------------------------- session */

int ck_ext_session_new(struct ck_ext_session **out, const struct ck_ext_set *set,
                       const struct ck_ext_session_opts *opts)
{
	static const struct ck_ext_session_opts def = CK_EXT_SESSION_OPTS_INIT;
	struct ck_ext_session *s = ck_calloc(1, sizeof(*s));

	if (s == NULL)
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	s->set = set;
	s->opts = opts ? *opts : def;
	s->set_resolver.get = set_get;
	s->set_resolver.arg = (void *)set;
	ck_buf_init_secure(&s->scratch, CK_BUF_MAX);
	if ((s->pdata = ck_ext_map_new()) == NULL) {
		ck_free(s);
		return ck_err_last()->code;
	}
	if (s->opts.resolver == NULL)
		s->opts.resolver = &s->set_resolver;
	*out = s;
	return CK_OK;
}

void ck_ext_session_free(struct ck_ext_session *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		ck_ext_provider_free(s->e[i].p);
		ck_free(s->e[i].name);
		ck_free(s->e[i].es_ns);
		ck_free(s->e[i].err_msg);
	}
	ck_free(s->e);
	ck_buf_dispose(&s->scratch);
	ck_ext_map_free(s->pdata);
	ck_free(s);
}

static struct entry *new_entry(struct ck_ext_session *s)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 8;
		struct entry *ne = ck_calloc(ncap, sizeof(*ne));

		if (ne == NULL) {
			ck_err_set(CK_ENOMEM, "external: out of memory");
			return NULL;
		}
		if (s->n)
			memcpy(ne, s->e, s->n * sizeof(*ne));
		ck_free(s->e);
		s->e = ne;
		s->cap = ncap;
	}
	memset(&s->e[s->n], 0, sizeof(s->e[0]));
	return &s->e[s->n++];
}

int ck_ext_session_set_provider(struct ck_ext_session *s, const char *store_name, int cluster,
                                struct ck_ext_provider *p)
{
	struct entry *e = new_entry(s);

	if (e == NULL) {
		ck_ext_provider_free(p);
		return ck_err_last()->code;
	}
	if ((e->name = ck_strdup(store_name)) == NULL) {
		s->n--;
		ck_ext_provider_free(p);
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	}
	e->cluster = cluster;
	e->p = p;
	return CK_OK;
}

size_t ck_ext_session_requests(const struct ck_ext_session *s)
{
	size_t i, total = 0;

	for (i = 0; i < s->n; i++) {
		size_t r = 0;

		if (s->e[i].p && s->e[i].p->ops->stats) {
			s->e[i].p->ops->stats(s->e[i].p->impl, &r, NULL);
			total += r;
		}
	}
	return total;
}

static const char *es_ns(const struct ck_ext_session *s, const struct ck_ext_es *es)
{
	return es->ns ? es->ns : s->opts.ns ? s->opts.ns : "default";
}

static int get_provider(struct ck_ext_session *s, const struct ck_ext_es *es,
                        const struct ck_ext_store_ref *ref, struct ck_ext_provider **out)
{
	const struct ck_ext_store_ref *r = ref->name ? ref : &es->store;
	const struct ck_ext_store *st;
	struct ck_ext_provider_ctx ctx;
	const char *ns = es_ns(s, es);
	struct entry *e;
	size_t i;
	int rc;

	for (i = 0; i < s->n; i++) {
		e = &s->e[i];
		if (e->store == NULL && e->name && strcmp(e->name, r->name) == 0 &&
		    e->cluster == r->cluster) {
			*out = e->p;
			return CK_OK;
		}
	}
	st = ck_ext_set_find_store(s->set, es, r);
	if (st == NULL)
		return ck_err_set(CK_ENOTFOUND, "%s \"%s\" not found (give it with --store)",
		                  r->cluster ? "ClusterSecretStore" : "SecretStore", r->name);
	for (i = 0; i < s->n; i++) {
		e = &s->e[i];
		if (e->store == st && (!st->cluster || (e->es_ns && strcmp(e->es_ns, ns) == 0))) {
			if (e->err_code < 0)
				return ck_err_set(e->err_code, "%s", e->err_msg ? e->err_msg : "store failed");
			*out = e->p;
			return CK_OK;
		}
	}
	if (st->problems)
		return ck_err_set(CK_EINVAL, "%s: %s \"%s\" has %u problem(s) (see cloak external check)",
		                  st->file, st->cluster ? "ClusterSecretStore" : "SecretStore", st->name,
		                  st->problems);
	if ((e = new_entry(s)) == NULL)
		return ck_err_last()->code;
	e->store = st;
	if ((e->es_ns = ck_strdup(ns)) == NULL)
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	memset(&ctx, 0, sizeof(ctx));
	ctx.store = st;
	ctx.es_ns = ns;
	ctx.resolver = s->opts.resolver;
	ctx.env = s->opts.env;
	ctx.max_retries = s->opts.max_retries;
	ctx.retry_wait_ms = s->opts.retry_wait_ms;
	if (st->provider == CK_EXT_PROV_VAULT)
		rc = ck_ext_provider_vault_new(&e->p, &ctx);
	else if (st->provider == CK_EXT_PROV_AWS)
		rc = ck_ext_provider_aws_new(&e->p, &ctx);
	else
		rc = ck_err_set(CK_EUNSUPPORTED, "store \"%s\": no supported provider", st->name);
	if (rc < 0) {
		/* remember the failure: the next ExternalSecret fails fast the same way */
		e->err_code = rc;
		e->err_msg = ck_strdup(ck_err_last()->msg);
		e->p = NULL;
		return rc;
	}
	*out = e->p;
	return CK_OK;
}

/* ------------------------------------------------------------ pipeline */

static int has_nul(const uint8_t *p, size_t n)
{
	return n && memchr(p, 0, n) != NULL;
}

static int validate_keys(struct ck_ext_map *m)
{
	size_t i = 0;

	while (i < ck_ext_map_len(m)) {
		size_t kl;
		const char *k = ck_ext_map_key(m, i, &kl);

		if (kl == 0) {
			ck_ext__map_del_key(m, k, kl); /* ESO drops empty keys */
			continue;
		}
		if (kl > 253)
			return ck_err_set(CK_EINVAL, "key has length %zu but max is 253: %.253s", kl, k);
		if (!ck_ext__valid_key(k, kl))
			return ck_err_set(CK_EINVAL,
			                  "key has invalid character, only alphanumeric, '-', '.' and '_' are allowed: %s",
			                  k);
		i++;
	}
	return CK_OK;
}

static int convert_keys(struct ck_ext_map **mp, enum ck_ext_conversion c)
{
	struct ck_ext_map *in = *mp, *out = ck_ext_map_new();
	struct ck_buf k;
	size_t i;
	int rc = CK_OK;

	if (out == NULL)
		return ck_err_last()->code;
	ck_buf_init(&k, 1 << 16);
	for (i = 0; i < ck_ext_map_len(in) && rc >= 0; i++) {
		size_t kl, vl;
		const char *key = ck_ext_map_key(in, i, &kl);
		const uint8_t *v = ck_ext_map_value(in, i, &vl);

		ck_buf_reset(&k);
		if ((rc = ck_ext__convert_key(&k, key, kl, c)) < 0)
			break;
		if (ck_ext_map_get(out, ck_buf_cstr(&k), ck_buf_len(&k), NULL)) {
			rc = ck_err_set(CK_EINVAL, "secret name collision during conversion: %s",
			                ck_buf_cstr(&k));
			break;
		}
		rc = ck_ext_map_set(out, ck_buf_cstr(&k), ck_buf_len(&k), v, vl);
	}
	ck_buf_dispose(&k);
	if (rc < 0) {
		ck_ext_map_free(out);
		return rc;
	}
	ck_ext_map_free(in);
	*mp = out;
	return CK_OK;
}

static int rewrite_regexp(struct ck_ext_map **mp, const struct ck_ext_rewrite *rw)
{
	struct ck_ext_map *in = *mp, *out = ck_ext_map_new();
	struct ck_ext_regex *re = NULL;
	struct ck_buf k;
	size_t i;
	int rc;

	if (out == NULL)
		return ck_err_last()->code;
	ck_buf_init(&k, 1 << 16);
	if ((rc = ck_ext_regex_compile(&re, rw->source, strlen(rw->source))) < 0) {
		ck_err_context("regexp failed with failed to compile");
		goto out;
	}
	for (i = 0; i < ck_ext_map_len(in) && rc >= 0; i++) {
		size_t kl, vl;
		const char *key = ck_ext_map_key(in, i, &kl);
		const uint8_t *v = ck_ext_map_value(in, i, &vl);

		ck_buf_reset(&k);
		if ((rc = ck_ext_regex_replace_all(&k, re, key, kl, rw->target, strlen(rw->target),
		                                   0)) >= 0)
			rc = ck_ext_map_set(out, ck_buf_cstr(&k), ck_buf_len(&k), v, vl);
	}
out:
	ck_ext_regex_free(re);
	ck_buf_dispose(&k);
	if (rc < 0) {
		ck_ext_map_free(out);
		return rc;
	}
	ck_ext_map_free(in);
	*mp = out;
	return CK_OK;
}

static int rewrite_transform(struct ck_ext_map **mp, const struct ck_ext_rewrite *rw)
{
	struct ck_tmpl_opts o = CK_TMPL_OPTS_ESO;
	struct ck_ext_map *in = *mp, *out = ck_ext_map_new();
	struct ck_tmpl *t = NULL;
	struct ck_buf k;
	size_t i;
	int rc;

	if (out == NULL)
		return ck_err_last()->code;
	o.missingkey = CK_TMPL_MISSING_DEFAULT;
	ck_buf_init(&k, 1 << 16);
	if ((rc = ck_tmpl_parse(&t, "transform", rw->tmpl, strlen(rw->tmpl), &o)) < 0) {
		ck_err_context("transform failed with failed to parse template");
		goto out;
	}
	for (i = 0; i < ck_ext_map_len(in) && rc >= 0; i++) {
		size_t kl, vl;
		const char *key = ck_ext_map_key(in, i, &kl);
		const uint8_t *v = ck_ext_map_value(in, i, &vl);
		struct ck_tmpl_kv kv = { "value", 5, (const uint8_t *)key, kl };

		ck_buf_reset(&k);
		if ((rc = ck_tmpl_exec(&k, t, &kv, 1)) < 0) {
			ck_err_context("transform failed with failed to execute template for key \"%s\"", key);
			break;
		}
		rc = ck_ext_map_set(out, ck_buf_cstr(&k), ck_buf_len(&k), v, vl);
	}
out:
	ck_tmpl_free(t);
	ck_buf_dispose(&k);
	if (rc < 0) {
		ck_ext_map_free(out);
		return rc;
	}
	ck_ext_map_free(in);
	*mp = out;
	return CK_OK;
}

static int rewrite_merge(struct ck_ext_map **mp, const struct ck_ext_rewrite *rw)
{
	struct ck_ext_map *in = *mp, *out = NULL;
	struct ck_ext_arena a;
	struct tv_map *merged;
	struct ck_buf conflicts, v;
	const char **order = NULL;
	size_t i, j, norder = 0, nconf = 0;
	int rc = CK_EINTERNAL;

	ck_ext__arena_init(&a, 1, 0);
	ck_buf_init(&conflicts, 1 << 20);
	ck_buf_init_secure(&v, CK_BUF_MAX);
	if ((merged = ck_ext__map_new(&a, 0)) == NULL ||
	    (order = ck_calloc(ck_ext_map_len(in) + rw->npriority + 1, sizeof(char *))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	/* sorted keys first, priority keys last in their order */
	for (i = 0; i < ck_ext_map_len(in); i++) {
		const char *k = ck_ext_map_key(in, i, NULL);
		int prio = 0;

		for (j = 0; j < rw->npriority; j++)
			if (strcmp(rw->priority[j], k) == 0)
				prio = 1;
		if (!prio)
			order[norder++] = k;
	}
	for (j = 0; j < rw->npriority; j++)
		order[norder++] = rw->priority[j];
	for (i = 0; i < norder; i++) {
		size_t vl;
		const uint8_t *val = ck_ext_map_get(in, order[i], strlen(order[i]), &vl);
		struct tv obj;

		if (val == NULL) {
			if (rw->ignore_not_found)
				continue;
			rc = ck_err_set(CK_EINVAL, "merge failed with key \"%s\" not found in input map",
			                order[i]);
			goto out;
		}
		if ((rc = ck_ext__json_decode(&a, &obj, (const char *)val, vl, 0)) < 0 ||
		    obj.kind != TV_MAP) {
			if (rc >= 0)
				rc = ck_err_set(CK_EINVAL, "json: cannot unmarshal into Go value of type map[string]interface {}");
			ck_err_context("merge failed with failed to unmarshal JSON");
			goto out;
		}
		for (j = 0; obj.u.m && j < obj.u.m->n; j++) {
			if (ck_ext__map_get(merged, obj.u.m->k[j].p, obj.u.m->k[j].n)) {
				if ((rc = ck_buf_printf(&conflicts, "%s%.*s", nconf ? ", " : "",
				                        (int)obj.u.m->k[j].n, obj.u.m->k[j].p)) < 0)
					goto out;
				nconf++;
			}
			if ((rc = ck_ext__map_set(&a, merged, obj.u.m->k[j].p, obj.u.m->k[j].n,
			                          obj.u.m->v[j])) < 0)
				goto out;
		}
	}
	if (nconf && !rw->ignore_conflicts) {
		rc = ck_err_set(CK_EINVAL, "merge failed with conflicts: %s", ck_buf_cstr(&conflicts));
		goto out;
	}
	if ((out = ck_ext_map_new()) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	if (!rw->strategy_json) {
		for (i = 0; i < merged->n; i++) {
			ck_buf_reset(&v);
			if ((rc = ck_ext__byte_value(&v, &merged->v[i])) < 0)
				goto out;
			if ((rc = ck_ext_map_set(out, merged->k[i].p, merged->k[i].n, ck_buf_data(&v),
			                         ck_buf_len(&v))) < 0)
				goto out;
		}
	} else {
		struct tv mv = { TV_MAP, 0, { 0 } };

		mv.u.m = merged;
		for (i = 0; i < ck_ext_map_len(in); i++) {
			size_t kl, vl;
			const char *k = ck_ext_map_key(in, i, &kl);
			const uint8_t *val = ck_ext_map_value(in, i, &vl);

			if ((rc = ck_ext_map_set(out, k, kl, val, vl)) < 0)
				goto out;
		}
		if ((rc = ck_ext__json_encode(&v, &mv, NULL, CK_EXT_JSON_NO_HTML)) < 0 ||
		    (rc = ck_ext_map_set(out, rw->into, strlen(rw->into), ck_buf_data(&v),
		                         ck_buf_len(&v))) < 0)
			goto out;
	}
	ck_ext_map_free(in);
	*mp = out;
	out = NULL;
	rc = CK_OK;
out:
	ck_ext_map_free(out);
	ck_free(order);
	ck_buf_dispose(&conflicts);
	ck_buf_dispose(&v);
	ck_ext__arena_dispose(&a);
	return rc;
}

static int decode_map(struct ck_ext_map *m, enum ck_ext_decoding d, enum ck_ext_nullbytes nb)
{
	struct ck_buf v;
	size_t i;
	int rc = CK_OK;

	if (d == CK_EXT_DEC_NONE && nb == CK_EXT_NULL_IGNORE)
		return CK_OK;
	ck_buf_init_secure(&v, CK_BUF_MAX);
	for (i = 0; i < ck_ext_map_len(m) && rc >= 0; i++) {
		size_t kl, vl;
		const char *k = ck_ext_map_key(m, i, &kl);
		const uint8_t *val = ck_ext_map_value(m, i, &vl);

		ck_buf_reset(&v);
		if ((rc = ck_buf_put(&v, val, vl)) < 0 || (rc = ck_ext__decode(&v, d)) < 0)
			break;
		if (nb == CK_EXT_NULL_FAIL && has_nul(ck_buf_data(&v), ck_buf_len(&v))) {
			rc = ck_err_set(CK_EINVAL, "key %s: value contains a NUL byte (nullBytePolicy Fail)", k);
			break;
		}
		rc = ck_ext_map_set(m, k, kl, ck_buf_data(&v), ck_buf_len(&v));
	}
	ck_buf_dispose(&v);
	return rc;
}

static int merge_into(struct ck_ext_map *dst, const struct ck_ext_map *src)
{
	size_t i;
	int rc;

	for (i = 0; i < ck_ext_map_len(src); i++) {
		size_t kl, vl;
		const char *k = ck_ext_map_key(src, i, &kl);
		const uint8_t *v = ck_ext_map_value(src, i, &vl);

		if ((rc = ck_ext_map_set(dst, k, kl, v, vl)) < 0)
			return rc;
	}
	return CK_OK;
}

/* getProviderSecretData */
static int provider_data(struct ck_ext_session *s, const struct ck_ext_es *es,
                         struct ck_ext_map *data)
{
	struct ck_buf *vb = &s->scratch;
	size_t i, r;
	int rc = CK_OK;

	for (i = 0; i < es->ndata_from; i++) {
		const struct ck_ext_data_from *df = &es->data_from[i];
		struct ck_ext_provider *p;
		struct ck_ext_map *m = ck_ext_map_new();

		if (m == NULL) {
			rc = ck_err_last()->code;
			goto out;
		}
		if ((rc = get_provider(s, es, &df->store, &p)) >= 0)
			rc = df->is_find ? p->ops->find(p->impl, &df->find, m)
			                 : p->ops->get_secret_map(p->impl, &df->extract, m);
		if (rc == CK_ENOTFOUND && es->deletion != CK_EXT_DELETE_RETAIN) {
			/* "secret does not exist at provider using .dataFrom[i]": skipped */
			ck_ext_map_free(m);
			ck_err_clear();
			continue;
		}
		for (r = 0; rc >= 0 && r < df->nrewrite; r++) {
			const struct ck_ext_rewrite *rw = &df->rewrite[r];

			rc = rw->kind == CK_EXT_RW_REGEXP ? rewrite_regexp(&m, rw)
			     : rw->kind == CK_EXT_RW_TRANSFORM ? rewrite_transform(&m, rw)
			                                       : rewrite_merge(&m, rw);
			if (rc < 0)
				ck_err_context("failed rewrite operation[%zu]", r);
		}
		if (rc >= 0 && df->nrewrite == 0)
			rc = convert_keys(&m, df->is_find ? df->find.conversion : df->extract.conversion);
		if (rc >= 0)
			rc = validate_keys(m);
		if (rc >= 0) {
			rc = decode_map(m, df->is_find ? df->find.decoding : df->extract.decoding,
			                df->is_find ? df->find.nullbytes : df->extract.nullbytes);
			if (rc < 0)
				ck_err_context("error decoding spec.dataFrom[%zu]", i);
		}
		if (rc >= 0)
			rc = merge_into(data, m);
		ck_ext_map_free(m);
		if (rc < 0) {
			if (df->is_find)
				ck_err_context("spec.dataFrom[%zu] (find)", i);
			else
				ck_err_context("spec.dataFrom[%zu] (extract key: %s)", i,
				               df->extract.key ? df->extract.key : "?");
			goto out;
		}
	}
	for (i = 0; i < es->ndata; i++) {
		const struct ck_ext_data *d = &es->data[i];
		struct ck_ext_provider *p;

		ck_buf_reset(vb);
		if ((rc = get_provider(s, es, &d->store, &p)) >= 0)
			rc = p->ops->get_secret(p->impl, &d->ref, vb);
		if (rc == CK_ENOTFOUND && es->deletion != CK_EXT_DELETE_RETAIN) {
			ck_err_clear();
			continue;
		}
		if (rc >= 0) {
			rc = ck_ext__decode(vb, d->ref.decoding);
			if (rc < 0)
				ck_err_context("error decoding spec.data[%zu]", i);
		}
		if (rc >= 0 && d->ref.nullbytes == CK_EXT_NULL_FAIL &&
		    has_nul(ck_buf_data(vb), ck_buf_len(vb)))
			rc = ck_err_set(CK_EINVAL, "value contains a NUL byte (nullBytePolicy Fail)");
		if (rc >= 0)
			rc = ck_ext_map_set(data, d->secret_key, strlen(d->secret_key), ck_buf_data(vb),
			                    ck_buf_len(vb));
		if (rc < 0) {
			ck_err_context("spec.data[%zu] (key: %s)", i, d->ref.key ? d->ref.key : "?");
			goto out;
		}
	}
	rc = CK_OK;
out:
	ck_buf_dispose(vb);
	return rc;
}

/* ------------------------------------------------------------ templates */

struct tdata {
	struct ck_tmpl_kv *kv;
	size_t n;
};

static int tdata_from(struct tdata *td, const struct ck_ext_map *m)
{
	size_t i;

	td->n = ck_ext_map_len(m);
	td->kv = NULL;
	if (td->n == 0)
		return CK_OK;
	if ((td->kv = ck_calloc(td->n, sizeof(*td->kv))) == NULL)
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	for (i = 0; i < td->n; i++) {
		td->kv[i].key = ck_ext_map_key(m, i, &td->kv[i].klen);
		td->kv[i].val = ck_ext_map_value(m, i, &td->kv[i].vlen);
	}
	return CK_OK;
}

/* One template value (Values scope) under `name`; result appended to out. */
static int run_tmpl(struct ck_buf *out, const char *name, const char *text, size_t n,
                    const struct tdata *td)
{
	int rc = ck_tmpl_render(out, name, text, n, NULL, td->kv, td->n);

	if (rc < 0)
		ck_err_context("unable to execute template at key %s", name);
	return rc;
}

static struct ck_ext_map *target_map(struct ck_ext_secret *sec, enum ck_ext_tmpl_target t)
{
	return t == CK_EXT_TT_DATA ? sec->data : t == CK_EXT_TT_LABELS ? sec->labels
	                                                                 : sec->annotations;
}

/* KeysAndValues: the output is a YAML map of strings. */
static int apply_keys_and_values(struct ck_ext_secret *sec, enum ck_ext_tmpl_target target,
                                 const char *name, const char *text, size_t n,
                                 const struct tdata *td)
{
	struct ck_buf out;
	struct ck_doc *d = NULL;
	const struct ck_doc_node *root;
	size_t i;
	int rc;

	ck_buf_init_secure(&out, CK_BUF_MAX);
	if ((rc = run_tmpl(&out, name, text, n, td)) < 0)
		goto done;
	if ((rc = ck_doc_parse_yaml(&d, ck_buf_cstr(&out), ck_buf_len(&out),
	                            CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("could not unmarshal template to 'map[string][]byte'");
		goto done;
	}
	root = d->ndocs && d->docs[0] ? ck_doc_resolve(d->docs[0]) : NULL;
	if (root == NULL) {
		rc = CK_OK; /* an empty document is an empty map */
		goto done;
	}
	if (root->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "could not unmarshal template to 'map[string][]byte': not a map");
		goto done;
	}
	for (i = 0; i < ck_doc_map_len(root); i++) {
		const struct ck_doc_node *k = ck_doc_resolve(ck_doc_map_key(root, i));
		const struct ck_doc_node *v = ck_doc_resolve(ck_doc_map_value(root, i));
		enum ck_doc_type t;

		if (k->kind != CK_DOC_SCALAR || v->kind != CK_DOC_SCALAR) {
			rc = ck_err_set(CK_EINVAL, "could not unmarshal template to 'map[string][]byte': values must be strings");
			goto done;
		}
		t = v->style == CK_DOC_PLAIN ? ck_doc_scalar_type(v) : CK_DOC_T_STR;
		if (t != CK_DOC_T_STR && t != CK_DOC_T_NULL) {
			rc = ck_err_set(CK_EINVAL, "could not unmarshal template: json: cannot unmarshal %s into Go value of type string",
			                t == CK_DOC_T_BOOL ? "bool" : "number");
			goto done;
		}
		if ((rc = ck_ext_map_set(target_map(sec, target), k->text, k->len,
		                         t == CK_DOC_T_NULL ? "" : v->text,
		                         t == CK_DOC_T_NULL ? 0 : v->len)) < 0)
			goto done;
	}
	rc = CK_OK;
done:
	ck_doc_free(d);
	ck_buf_dispose(&out);
	return rc;
}

static int object_value(struct ck_ext_session *s, const char *kind, const char *ns,
                        const char *name, const char *key, struct ck_buf *out)
{
	int rc = s->opts.resolver->get(s->opts.resolver->arg, kind, ns, name, key, out);

	if (rc == CK_ENOTFOUND)
		return ck_err_set(CK_ENOTFOUND, "%s %s/%s has no key \"%s\" (or was not given)", kind, ns,
		                  name, key);
	return rc;
}

static int apply_template(struct ck_ext_session *s, const struct ck_ext_es *es,
                          const struct ck_ext_map *pdata, struct ck_ext_secret *sec)
{
	const struct ck_ext_template *t = &es->tmpl;
	struct tdata td = { NULL, 0 };
	struct ck_buf out;
	size_t i, j;
	int rc;

	ck_buf_init_secure(&out, CK_BUF_MAX);
	if ((rc = tdata_from(&td, pdata)) < 0)
		goto done;
	if (t->merge && (rc = merge_into(sec->data, pdata)) < 0)
		goto done;
	for (i = 0; i < t->nfrom; i++) {
		const struct ck_ext_tmpl_from *f = &t->from[i];

		if (f->kind == 2) {
			char name[64];

			snprintf(name, sizeof(name), "templateFrom[%zu].literal", i);
			if ((rc = apply_keys_and_values(sec, f->target, name, f->literal,
			                                strlen(f->literal), &td)) < 0)
				goto ctx;
			continue;
		}
		for (j = 0; j < f->nitems; j++) {
			const struct ck_ext_tmpl_item *it = &f->items[j];

			ck_buf_reset(&out);
			if ((rc = object_value(s, f->kind == 0 ? "ConfigMap" : "Secret", es_ns(s, es),
			                       f->name, it->key, &out)) < 0)
				goto ctx;
			if (it->keys_and_values) {
				rc = apply_keys_and_values(sec, f->target, it->key, ck_buf_cstr(&out),
				                           ck_buf_len(&out), &td);
			} else {
				struct ck_buf val;

				ck_buf_init_secure(&val, CK_BUF_MAX);
				rc = run_tmpl(&val, it->key, ck_buf_cstr(&out), ck_buf_len(&out), &td);
				if (rc >= 0)
					rc = ck_ext_map_set(target_map(sec, f->target), it->key, strlen(it->key),
					                    ck_buf_data(&val), ck_buf_len(&val));
				ck_buf_dispose(&val);
			}
			if (rc < 0)
				goto ctx;
		}
		continue;
ctx:
		ck_err_context("spec.target.template.templateFrom[%zu]", i);
		goto done;
	}
	for (i = 0; i < t->ndata; i++) {
		ck_buf_reset(&out);
		if ((rc = run_tmpl(&out, t->data[i].key, t->data[i].value, strlen(t->data[i].value),
		                   &td)) < 0 ||
		    (rc = ck_ext_map_set(sec->data, t->data[i].key, strlen(t->data[i].key),
		                         ck_buf_data(&out), ck_buf_len(&out))) < 0) {
			ck_err_context("spec.target.template.data");
			goto done;
		}
	}
	for (i = 0; i < t->nlabels + t->nannotations; i++) {
		int lab = i < t->nlabels;
		const struct ck_ext_kv *kv = lab ? &t->labels[i] : &t->annotations[i - t->nlabels];

		ck_buf_reset(&out);
		if ((rc = run_tmpl(&out, kv->key, kv->value, strlen(kv->value), &td)) < 0 ||
		    (rc = ck_ext_map_set(lab ? sec->labels : sec->annotations, kv->key, strlen(kv->key),
		                         ck_buf_data(&out), ck_buf_len(&out))) < 0) {
			ck_err_context("spec.target.template.metadata.%s", lab ? "labels" : "annotations");
			goto done;
		}
	}
	if (t->ndata == 0 && t->nfrom == 0)
		rc = merge_into(sec->data, pdata);
done:
	ck_free(td.kv);
	ck_buf_dispose(&out);
	return rc;
}

/* ------------------------------------------------------------- render */

void ck_ext_secret_init(struct ck_ext_secret *sec)
{
	memset(sec, 0, sizeof(*sec));
}

void ck_ext_secret_dispose(struct ck_ext_secret *sec)
{
	if (sec == NULL)
		return;
	ck_free(sec->name);
	ck_free(sec->ns);
	ck_free(sec->type);
	ck_free(sec->owner_name);
	ck_free(sec->owner_uid);
	ck_free(sec->owner_api_version);
	ck_ext_map_free(sec->labels);
	ck_ext_map_free(sec->annotations);
	ck_ext_map_free(sec->data);
	memset(sec, 0, sizeof(*sec));
}

/* fmt "%+v" of map[string][]byte, hashed (ESO's data-hash). */
static int data_hash(char out[57], const struct ck_ext_map *data, struct ck_buf *scratch)
{
	struct ck_buf *bp = scratch;
	size_t i, j;
	int rc = CK_OK;

#define b (*bp)
	ck_buf_reset(bp);
	rc = ck_buf_puts(&b, "map[");
	for (i = 0; i < ck_ext_map_len(data) && rc >= 0; i++) {
		size_t kl, vl;
		const char *k = ck_ext_map_key(data, i, &kl);
		const uint8_t *v = ck_ext_map_value(data, i, &vl);

		if (i && (rc = ck_buf_putc(&b, ' ')) < 0)
			break;
		if ((rc = ck_buf_put(&b, k, kl)) < 0 || (rc = ck_buf_puts(&b, ":[")) < 0)
			break;
		for (j = 0; j < vl && rc >= 0; j++)
			rc = ck_buf_printf(&b, j ? " %u" : "%u", (unsigned)v[j]);
		if (rc >= 0)
			rc = ck_buf_putc(&b, ']');
	}
	if (rc >= 0)
		rc = ck_buf_putc(&b, ']');
	if (rc >= 0)
		rc = ck_ext_object_hash(out, ck_buf_data(&b), ck_buf_len(&b));
	ck_buf_reset(bp);
#undef b
	return rc;
}

static int render(struct ck_ext_session *s, const struct ck_ext_es *es,
                  struct ck_ext_secret *sec)
{
	struct ck_ext_map *pdata = s->pdata;
	const char *ns = es_ns(s, es);
	size_t i;
	int rc;

	if (es->problems)
		return ck_err_set(CK_EINVAL, "has %u problem(s) (see cloak external check)",
		                  es->problems);
	ck_ext_map_clear(pdata);
	if ((sec->labels = ck_ext__map_new_plain()) == NULL ||
	    (sec->annotations = ck_ext__map_new_plain()) == NULL || (sec->data = ck_ext_map_new()) == NULL ||
	    (sec->name = ck_strdup(es->target_name ? es->target_name : es->name)) == NULL ||
	    (sec->ns = ck_strdup(ns)) == NULL) {
		rc = ck_err_last()->code ? ck_err_last()->code : CK_ENOMEM;
		goto out;
	}
	if ((rc = provider_data(s, es, pdata)) < 0)
		goto out;
	if (ck_ext_map_len(pdata) == 0) {
		if (es->deletion == CK_EXT_DELETE_RETAIN) {
			sec->outcome = CK_EXT_RETAINED;
			rc = CK_OK;
			goto out;
		}
		if (es->deletion == CK_EXT_DELETE_DELETE) {
			sec->outcome = CK_EXT_DELETED;
			rc = CK_OK;
			goto out;
		}
	}
	if (es->creation == CK_EXT_CREATE_NONE) {
		sec->outcome = CK_EXT_NOT_MANAGED;
		rc = CK_OK;
		goto out;
	}
	/* setMetadata: ES metadata without a template, template metadata with one */
	if (!es->tmpl.present) {
		for (i = 0; i < es->nlabels && rc >= 0; i++)
			rc = ck_ext_map_set(sec->labels, es->labels[i].key, strlen(es->labels[i].key),
			                    es->labels[i].value, strlen(es->labels[i].value));
		for (i = 0; i < es->nannotations && rc >= 0; i++)
			rc = ck_ext_map_set(sec->annotations, es->annotations[i].key,
			                    strlen(es->annotations[i].key), es->annotations[i].value,
			                    strlen(es->annotations[i].value));
		if (rc < 0 || (rc = merge_into(sec->data, pdata)) < 0)
			goto out;
	} else {
		if (es->tmpl.type && (sec->type = ck_strdup(es->tmpl.type)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "external: out of memory");
			goto out;
		}
		if ((rc = apply_template(s, es, pdata, sec)) < 0)
			goto out;
	}
	for (i = 0; i < ck_ext_map_len(sec->data); i++) {
		size_t kl;
		const char *k = ck_ext_map_key(sec->data, i, &kl);

		if (!ck_ext__valid_key(k, kl) || strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") != kl) {
			rc = ck_err_set(CK_EINVAL, "Secret data key \"%s\" is not valid (a valid key consists of alphanumeric characters, '-', '_' or '.')",
			                k);
			goto out;
		}
	}
	if (sec->type == NULL && (sec->type = ck_strdup("Opaque")) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	sec->immutable = es->immutable;
	sec->merge = es->creation == CK_EXT_CREATE_MERGE || es->creation == CK_EXT_CREATE_OR_MERGE;
	if (es->creation == CK_EXT_CREATE_OWNER) {
		char h[57], key[600];
		int n = snprintf(key, sizeof(key), "%s/%s", ns, es->name);

		sec->owner = 1;
		if ((rc = ck_ext_object_hash(h, key, (size_t)n)) < 0 ||
		    (rc = ck_ext_map_set(sec->labels, LABEL_OWNER, strlen(LABEL_OWNER), h, 56)) < 0)
			goto out;
		if ((sec->owner_name = ck_strdup(es->name)) == NULL ||
		    (es->uid && (sec->owner_uid = ck_strdup(es->uid)) == NULL) ||
		    (sec->owner_api_version = ck_strdup("external-secrets.io/v1")) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "external: out of memory");
			goto out;
		}
	}
	if ((rc = ck_ext_map_set(sec->labels, LABEL_MANAGED, strlen(LABEL_MANAGED), "true", 4)) < 0)
		goto out;
	if (!sec->merge) {
		/* with Merge the hash covers keys of the live Secret we cannot see */
		char h[57];

		if ((rc = data_hash(h, sec->data, &s->scratch)) < 0 ||
		    (rc = ck_ext_map_set(sec->annotations, ANNOT_HASH, strlen(ANNOT_HASH), h, 56)) < 0)
			goto out;
	}
	sec->outcome = CK_EXT_SYNCED;
	rc = CK_OK;
out:
	ck_ext_map_clear(pdata);
	return rc;
}

int ck_ext_render(struct ck_ext_session *s, const struct ck_ext_es *es, struct ck_ext_secret *out)
{
	size_t i;
	int rc;

	ck_ext_secret_dispose(out);
	for (i = 0; i < s->n; i++)
		if (s->e[i].p != NULL && s->e[i].p->ops->forget != NULL)
			s->e[i].p->ops->forget(s->e[i].p->impl);
	rc = render(s, es, out);
	if (rc < 0) {
		ck_err_context("%s: ExternalSecret %s/%s", es->file, es_ns(s, es),
		               es->name ? es->name : "?");
		ck_ext_secret_dispose(out);
	}
	return rc;
}

/* --------------------------------------------------------------- output */

static int put_kv(struct ck_doc *d, struct ck_doc_node *map, const char *k, struct ck_doc_node *v)
{
	struct ck_doc_node *kn = ck_doc_scalar_str(d, k);

	if (kn == NULL || v == NULL)
		return ck_err_last()->code ? ck_err_last()->code : CK_ENOMEM;
	return ck_doc_map_append(d, map, kn, v);
}

/* A string scalar, quoted when YAML would read it back as something else. */
static struct ck_doc_node *str_node(struct ck_doc *d, const char *s, size_t n)
{
	struct ck_doc_node *node = ck_doc_scalar(d, s, n, CK_DOC_PLAIN);

	if (node != NULL && ck_doc_scalar_type(node) != CK_DOC_T_STR)
		node->style = CK_DOC_DQUOTED;
	else if (node != NULL)
		node->style = CK_DOC_STYLE_ANY;
	return node;
}

static int string_map(struct ck_doc *d, struct ck_doc_node *meta, const char *key,
                      const struct ck_ext_map *m)
{
	struct ck_doc_node *mm;
	size_t i;
	int rc;

	if (ck_ext_map_len(m) == 0)
		return CK_OK;
	if ((mm = ck_doc_map(d)) == NULL)
		return ck_err_last()->code;
	for (i = 0; i < ck_ext_map_len(m); i++) {
		size_t kl, vl;
		const char *k = ck_ext_map_key(m, i, &kl);
		const uint8_t *v = ck_ext_map_value(m, i, &vl);
		struct ck_doc_node *kn = str_node(d, k, kl), *vn = str_node(d, (const char *)v, vl);

		if (kn == NULL || vn == NULL)
			return ck_err_last()->code;
		if ((rc = ck_doc_map_append(d, mm, kn, vn)) < 0)
			return rc;
	}
	return put_kv(d, meta, key, mm);
}

int ck_ext_secret_yaml(struct ck_buf *out, const struct ck_ext_secret *sec)
{
	struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;
	struct ck_doc *d = ck_doc_new(CK_DOC_SECURE);
	struct ck_doc_node *root, *meta, *data;
	struct ck_buf b64;
	size_t i;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&b64, CK_BUF_MAX);
	if (d == NULL || (root = ck_doc_map(d)) == NULL || (meta = ck_doc_map(d)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	/* kubectl's -o yaml order: fields sorted by name */
	if ((rc = put_kv(d, root, "apiVersion", ck_doc_scalar_str(d, "v1"))) < 0)
		goto out;
	if (ck_ext_map_len(sec->data)) {
		if ((data = ck_doc_map(d)) == NULL) {
			rc = ck_err_last()->code;
			goto out;
		}
		for (i = 0; i < ck_ext_map_len(sec->data); i++) {
			size_t kl, vl;
			const char *k = ck_ext_map_key(sec->data, i, &kl);
			const uint8_t *v = ck_ext_map_value(sec->data, i, &vl);
			struct ck_doc_node *kn, *vn;

			ck_buf_reset(&b64);
			if ((rc = ck_b64_encode(&b64, v, vl, CK_B64_STD)) < 0)
				goto out;
			kn = str_node(d, k, kl);
			vn = ck_doc_scalar(d, ck_buf_cstr(&b64), ck_buf_len(&b64), CK_DOC_PLAIN);
			if (kn == NULL || vn == NULL || (rc = ck_doc_map_append(d, data, kn, vn)) < 0) {
				rc = ck_err_last()->code ? ck_err_last()->code : CK_ENOMEM;
				goto out;
			}
		}
		if ((rc = put_kv(d, root, "data", data)) < 0)
			goto out;
	}
	if (sec->immutable && (rc = put_kv(d, root, "immutable", ck_doc_scalar(d, "true", 4, CK_DOC_PLAIN))) < 0)
		goto out;
	if ((rc = put_kv(d, root, "kind", ck_doc_scalar_str(d, "Secret"))) < 0)
		goto out;
	if ((rc = string_map(d, meta, "annotations", sec->annotations)) < 0 ||
	    (rc = string_map(d, meta, "labels", sec->labels)) < 0 ||
	    (rc = put_kv(d, meta, "name", str_node(d, sec->name, strlen(sec->name)))) < 0 ||
	    (rc = put_kv(d, meta, "namespace", str_node(d, sec->ns, strlen(sec->ns)))) < 0)
		goto out;
	if (sec->owner && sec->owner_uid) {
		struct ck_doc_node *seq = ck_doc_seq(d), *o = ck_doc_map(d);

		if (seq == NULL || o == NULL) {
			rc = ck_err_last()->code;
			goto out;
		}
		if ((rc = put_kv(d, o, "apiVersion", ck_doc_scalar_str(d, sec->owner_api_version))) < 0 ||
		    (rc = put_kv(d, o, "blockOwnerDeletion", ck_doc_scalar(d, "true", 4, CK_DOC_PLAIN))) < 0 ||
		    (rc = put_kv(d, o, "controller", ck_doc_scalar(d, "true", 4, CK_DOC_PLAIN))) < 0 ||
		    (rc = put_kv(d, o, "kind", ck_doc_scalar_str(d, "ExternalSecret"))) < 0 ||
		    (rc = put_kv(d, o, "name", str_node(d, sec->owner_name, strlen(sec->owner_name)))) < 0 ||
		    (rc = put_kv(d, o, "uid", str_node(d, sec->owner_uid, strlen(sec->owner_uid)))) < 0 ||
		    (rc = ck_doc_seq_append(d, seq, o)) < 0 ||
		    (rc = put_kv(d, meta, "ownerReferences", seq)) < 0)
			goto out;
	}
	if ((rc = put_kv(d, root, "metadata", meta)) < 0 ||
	    (rc = put_kv(d, root, "type", ck_doc_scalar_str(d, sec->type ? sec->type : "Opaque"))) < 0 ||
	    (rc = ck_doc_add_root(d, root)) < 0)
		goto out;
	yo.keep_styles = 0;
	yo.indent_sequences = 0;
	rc = ck_doc_write_yaml(out, d, &yo);
out:
	ck_buf_dispose(&b64);
	ck_doc_free(d);
	return rc;
}

void ck_ext_condition_for(struct ck_ext_condition *out, int rc, const struct ck_ext_secret *sec)
{
	out->status = "True";
	if (rc < 0) {
		out->status = "False";
		out->reason = "SecretSyncedError";
		out->message = "could not get secret data from provider";
		return;
	}
	switch (sec->outcome) {
	case CK_EXT_RETAINED:
		out->reason = "SecretSynced";
		out->message = "secret retained due to DeletionPolicy=Retain";
		return;
	case CK_EXT_DELETED:
		out->reason = "SecretDeleted";
		out->message = "secret deleted due to DeletionPolicy=Delete";
		return;
	default:
		out->reason = "SecretSynced";
		out->message = "secret synced";
		return;
	}
}
