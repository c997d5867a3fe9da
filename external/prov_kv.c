/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESO's Vault provider logic (providers/v1/vault/client_get*.go) over a KV
 * backend: GetSecret with property / gjson / metadataPolicy, GetSecretMap,
 * GetAllSecrets (recursive list, name regexp or custom_metadata tags). The
 * real Vault provider and the in-memory fake share it, so unit tests with
 * the fake exercise the same rules the Vault double sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/err.h"
#include "ck/ext_provider.h"
#include "ext_int.h"
#include "ext_regex.h"
#include "prov_int.h"

void ck_ext_provider_free(struct ck_ext_provider *p)
{
	if (p == NULL)
		return;
	if (p->ops && p->ops->free)
		p->ops->free(p->impl);
	ck_free(p);
}

int ck_ext__provider_wrap(struct ck_ext_provider **out, const struct ck_ext_provider_ops *ops,
                          void *impl)
{
	struct ck_ext_provider *p = ck_calloc(1, sizeof(*p));

	if (p == NULL) {
		ops->free(impl);
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	}
	p->ops = ops;
	p->impl = impl;
	*out = p;
	return CK_OK;
}

/* The metadata map ESO builds: system keys then custom_metadata (strings). */
static int meta_map(const struct kv_backend *be, const char *key, struct ck_ext_arena *a,
                    struct tv *out)
{
	if (be->version == 1)
		return ck_err_set(CK_EINVAL, "cannot perform metadata fetch operations with kv version v1");
	return be->read_meta(be->impl, key, a, out);
}

int ck_ext__kv_get_secret(const struct kv_backend *be, const struct ck_ext_ref *ref,
                          struct ck_buf *out)
{
	struct ck_ext_arena *a = (struct ck_ext_arena *)&be->scratch;
	struct tv data;
	int rc;

	if (ref->metadata == CK_EXT_META_FETCH) {
		if ((rc = meta_map(be, ref->key, a, &data)) < 0)
			goto out;
		if (data.u.m == NULL || data.u.m->n == 0) {
			rc = CK_OK; /* no metadata: no value */
			goto out;
		}
	} else if ((rc = be->read(be->impl, ref->key, ref->version, a, &data)) < 0) {
		goto out;
	}
	rc = ck_ext__vault_value_tv(out, &data, ref->property);
out:
	ck_ext__arena_reset(a);
	return rc;
}

/* GetSecretMap: GetSecret, then json.Unmarshal into map[string]any (float64 numbers). */
int ck_ext__json_object_to_map(struct ck_ext_map *out, const char *json, size_t n)
{
	struct ck_ext_arena a;
	struct ck_buf v;
	struct tv obj;
	size_t i;
	int rc;

	ck_ext__arena_init(&a, 1, 0);
	ck_buf_init_secure(&v, CK_BUF_MAX);
	if ((rc = ck_ext__json_decode(&a, &obj, json, n, 0)) < 0)
		goto out;
	if (obj.kind != TV_MAP) {
		rc = ck_err_set(CK_EINVAL, "json: cannot unmarshal %s into Go value of type map[string]interface {}",
		                obj.kind == TV_STR ? "string" : obj.kind == TV_LIST ? "array"
		                : obj.kind == TV_FLOAT ? "number" : obj.kind == TV_BOOL ? "bool" : "null");
		goto out;
	}
	for (i = 0; obj.u.m && i < obj.u.m->n; i++) {
		ck_buf_reset(&v);
		if ((rc = ck_ext__byte_value(&v, &obj.u.m->v[i])) < 0 ||
		    (rc = ck_ext_map_set(out, obj.u.m->k[i].p, obj.u.m->k[i].n, ck_buf_data(&v),
		                         ck_buf_len(&v))) < 0)
			goto out;
	}
	rc = CK_OK;
out:
	ck_buf_dispose(&v);
	ck_ext__arena_dispose(&a);
	return rc;
}

int ck_ext__kv_get_secret_map(const struct kv_backend *be, const struct ck_ext_ref *ref,
                              struct ck_ext_map *out)
{
	struct ck_buf v;
	int rc;

	ck_buf_init_secure(&v, CK_BUF_MAX);
	if ((rc = ck_ext__kv_get_secret(be, ref, &v)) >= 0)
		rc = ck_ext__json_object_to_map(out, (const char *)ck_buf_data(&v), ck_buf_len(&v));
	ck_buf_dispose(&v);
	return rc;
}

struct names {
	char **v;
	size_t n, cap;
};

static void names_free(struct names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		ck_free(ns->v[i]);
	ck_free(ns->v);
}

static int names_add(struct names *ns, const char *a, size_t an, const char *b, size_t bn)
{
	char *s;

	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 16;
		char **nv = ck_calloc(ncap, sizeof(*nv));

		if (nv == NULL)
			return ck_err_set(CK_ENOMEM, "external: out of memory");
		if (ns->n)
			memcpy(nv, ns->v, ns->n * sizeof(*nv));
		ck_free(ns->v);
		ns->v = nv;
		ns->cap = ncap;
	}
	if ((s = ck_alloc(an + bn + 1)) == NULL)
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	memcpy(s, a, an);
	memcpy(s + an, b, bn);
	s[an + bn] = '\0';
	ns->v[ns->n++] = s;
	return CK_OK;
}

/* listSecrets: recursive LIST; names relative to the mount, path included. */
static int list_all(const struct kv_backend *be, const char *path, struct names *out,
                    unsigned depth)
{
	struct ck_ext_arena a;
	struct tv keys;
	size_t i;
	int rc;

	if (depth > 64)
		return ck_err_set(CK_ETOOBIG, "external: folders nested deeper than 64 under \"%s\"", path);
	ck_ext__arena_init(&a, 0, 0);
	if ((rc = be->list(be->impl, path, &a, &keys)) < 0)
		goto out;
	for (i = 0; keys.kind == TV_LIST && keys.u.l && i < keys.u.l->n; i++) {
		const struct tv *k = &keys.u.l->v[i];

		if (k->kind != TV_STR)
			continue;
		if (k->u.s.n && k->u.s.p[k->u.s.n - 1] == '/') {
			char *sub = ck_alloc(strlen(path) + k->u.s.n + 1);

			if (sub == NULL) {
				rc = ck_err_set(CK_ENOMEM, "external: out of memory");
				goto out;
			}
			memcpy(sub, path, strlen(path));
			memcpy(sub + strlen(path), k->u.s.p, k->u.s.n);
			sub[strlen(path) + k->u.s.n] = '\0';
			rc = list_all(be, sub, out, depth + 1);
			ck_free(sub);
			if (rc < 0)
				goto out;
		} else if ((rc = names_add(out, path, strlen(path), k->u.s.p, k->u.s.n)) < 0) {
			goto out;
		}
	}
	rc = CK_OK;
out:
	ck_ext__arena_dispose(&a);
	return rc;
}

int ck_ext__kv_find(const struct kv_backend *be, const struct ck_ext_find *f,
                    struct ck_ext_map *out)
{
	struct names cands = { NULL, 0, 0 };
	struct ck_ext_regex *re = NULL;
	struct ck_buf v, path;
	size_t i, k;
	int rc;

	ck_buf_init_secure(&v, CK_BUF_MAX);
	ck_buf_init(&path, 4096);
	if (be->version == 1 && f->ntags) {
		rc = ck_err_set(CK_EINVAL, "cannot perform find by tag operations with kv version v1");
		goto out;
	}
	if (f->path && (rc = ck_buf_printf(&path, "%s/", f->path)) < 0)
		goto out;
	if ((rc = list_all(be, ck_buf_cstr(&path), &cands, 0)) < 0) {
		if (rc == CK_ENOTFOUND)
			ck_err_set(CK_ENOTFOUND, "no secrets found under \"%s\"",
			           f->path ? f->path : "the mount root");
		goto out;
	}
	if (f->name_regexp && (rc = ck_ext_regex_compile(&re, f->name_regexp,
	                                                 strlen(f->name_regexp))) < 0)
		goto out;
	for (i = 0; i < cands.n; i++) {
		struct ck_ext_ref ref;
		const char *name = cands.v[i];

		if (re != NULL) {
			if (ck_ext_regex_match(re, name, strlen(name), 0, NULL, 0) <= 0)
				continue;
		} else {
			/* every tag must equal the secret's custom_metadata entry */
			struct ck_ext_arena a;
			struct tv meta;
			int match = 1;

			ck_ext__arena_init(&a, 1, 0);
			rc = meta_map(be, name, &a, &meta);
			for (k = 0; rc >= 0 && match && k < f->ntags; k++) {
				const struct tv *mv = ck_ext__map_get(meta.u.m, f->tags[k].key,
				                                      strlen(f->tags[k].key));

				match = mv && mv->kind == TV_STR && mv->u.s.n == strlen(f->tags[k].value) &&
				        memcmp(mv->u.s.p, f->tags[k].value, mv->u.s.n) == 0;
			}
			ck_ext__arena_dispose(&a);
			if (rc < 0)
				goto out;
			if (!match)
				continue;
		}
		memset(&ref, 0, sizeof(ref));
		ref.key = name;
		ck_buf_reset(&v);
		rc = ck_ext__kv_get_secret(be, &ref, &v);
		if (rc == CK_ENOTFOUND) {
			ck_err_clear(); /* deleted versions are skipped */
			continue;
		}
		if (rc < 0 ||
		    (rc = ck_ext_map_set(out, name, strlen(name), ck_buf_data(&v), ck_buf_len(&v))) < 0)
			goto out;
	}
	rc = CK_OK;
out:
	ck_ext_regex_free(re);
	names_free(&cands);
	ck_buf_dispose(&v);
	ck_buf_dispose(&path);
	return rc;
}

/* ------------------------------------------------------------------ fake */

struct fake_version {
	char *json;      /* secret memory */
	int deleted;
};

struct fake_secret {
	char *key;
	struct fake_version *versions;
	size_t nversions;
	char *custom;    /* JSON object or NULL */
};

struct fake {
	struct fake_secret *s;
	size_t n, cap;
	int fail_code;
	unsigned fail_n;
	size_t requests;
	struct kv_backend be;
};

static struct fake_secret *fake_lookup(struct fake *f, const char *key)
{
	size_t i;

	while (key[0] == '/')
		key++;
	for (i = 0; i < f->n; i++)
		if (strcmp(f->s[i].key, key) == 0)
			return &f->s[i];
	return NULL;
}

static int fake_fail(struct fake *f)
{
	f->requests++;
	if (f->fail_n == 0)
		return CK_OK;
	f->fail_n--;
	return ck_err_set(f->fail_code, "fake: injected failure");
}

static int fake_read(void *impl, const char *key, const char *version, struct ck_ext_arena *a,
                     struct tv *out)
{
	struct fake *f = impl;
	struct fake_secret *s;
	size_t idx;
	int rc;

	if ((rc = fake_fail(f)) < 0)
		return rc;
	if ((s = fake_lookup(f, key)) == NULL || s->nversions == 0)
		return ck_err_set(CK_ENOTFOUND, "fake: secret \"%s\" not found", key);
	idx = s->nversions - 1;
	if (version && version[0]) {
		char *end;
		unsigned long v = strtoul(version, &end, 10);

		if (*end != '\0' || v == 0 || v > s->nversions)
			return ck_err_set(CK_ENOTFOUND, "fake: secret \"%s\" version %s not found", key,
			                  version);
		idx = v - 1;
	}
	if (s->versions[idx].deleted)
		return ck_err_set(CK_ENOTFOUND, "fake: secret \"%s\" version %zu was deleted", key,
		                  idx + 1);
	return ck_ext__json_decode(a, out, s->versions[idx].json, strlen(s->versions[idx].json),
	                           CK_EXT_JSON_USE_NUMBER);
}

static int fake_read_meta(void *impl, const char *key, struct ck_ext_arena *a, struct tv *out)
{
	struct fake *f = impl;
	struct fake_secret *s;
	struct tv_map *m;
	char cv[32];
	int rc, n;

	if ((rc = fake_fail(f)) < 0)
		return rc;
	if ((s = fake_lookup(f, key)) == NULL)
		return ck_err_set(CK_ENOTFOUND, "secret not found");
	if ((m = ck_ext__map_new(a, 4)) == NULL)
		return ck_err_last()->code;
	n = snprintf(cv, sizeof(cv), "%zu", s->nversions);
	if ((rc = ck_ext__map_set(a, m, "created_time", 12, tv_str("2024-01-01T00:00:00Z", 20))) < 0 ||
	    (rc = ck_ext__map_set(a, m, "current_version", 15,
	                          tv_str(ck_ext__arena_strdup(a, cv, (size_t)n), (size_t)n))) < 0 ||
	    (rc = ck_ext__map_set(a, m, "delete_version_after", 20, tv_str("0s", 2))) < 0)
		return rc;
	if (s->custom) {
		struct tv cm;
		size_t i;

		if ((rc = ck_ext__json_decode(a, &cm, s->custom, strlen(s->custom),
		                              CK_EXT_JSON_USE_NUMBER)) < 0)
			return rc;
		for (i = 0; cm.kind == TV_MAP && cm.u.m && i < cm.u.m->n; i++)
			if ((rc = ck_ext__map_set(a, m, cm.u.m->k[i].p, cm.u.m->k[i].n, cm.u.m->v[i])) < 0)
				return rc;
	}
	out->kind = TV_MAP;
	out->flags = 0;
	out->u.m = m;
	return CK_OK;
}

static int fake_list(void *impl, const char *path, struct ck_ext_arena *a, struct tv *out)
{
	struct fake *f = impl;
	struct tv_list *l;
	struct tv_map *seen;
	size_t i, pl = strlen(path);
	int rc;

	if ((rc = fake_fail(f)) < 0)
		return rc;
	if ((l = ck_ext__list_new(a, 0)) == NULL || (seen = ck_ext__map_new(a, 0)) == NULL)
		return ck_err_last()->code;
	for (i = 0; i < f->n; i++) {
		const char *k = f->s[i].key, *rest, *slash;
		size_t len;

		if (strncmp(k, path, pl) != 0)
			continue;
		rest = k + pl;
		slash = strchr(rest, '/');
		len = slash ? (size_t)(slash - rest) + 1 : strlen(rest);
		if (ck_ext__map_get(seen, rest, len))
			continue;
		if ((rc = ck_ext__map_set(a, seen, rest, len, tv_bool(1))) < 0)
			return rc;
	}
	if (seen->n == 0)
		return ck_err_set(CK_ENOTFOUND, "fake: nothing listed under \"%s\"", path);
	for (i = 0; i < seen->n; i++) /* Vault lists sorted */
		if ((rc = ck_ext__list_push(a, l, tv_str(seen->k[i].p, seen->k[i].n))) < 0)
			return rc;
	out->kind = TV_LIST;
	out->flags = 0;
	out->u.l = l;
	return CK_OK;
}

static int fake_get_secret(void *impl, const struct ck_ext_ref *ref, struct ck_buf *out)
{
	return ck_ext__kv_get_secret(&((struct fake *)impl)->be, ref, out);
}

static int fake_get_secret_map(void *impl, const struct ck_ext_ref *ref, struct ck_ext_map *out)
{
	return ck_ext__kv_get_secret_map(&((struct fake *)impl)->be, ref, out);
}

static int fake_find(void *impl, const struct ck_ext_find *f, struct ck_ext_map *out)
{
	return ck_ext__kv_find(&((struct fake *)impl)->be, f, out);
}

static void fake_free(void *impl)
{
	struct fake *f = impl;
	size_t i, j;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		for (j = 0; j < f->s[i].nversions; j++)
			ck_secret_free(f->s[i].versions[j].json);
		ck_free(f->s[i].versions);
		ck_free(f->s[i].key);
		ck_free(f->s[i].custom);
	}
	ck_free(f->s);
	ck_ext__arena_dispose(&f->be.scratch);
	ck_free(f);
}

static void fake_stats(void *impl, size_t *requests, size_t *connections)
{
	struct fake *f = impl;

	if (requests)
		*requests = f->requests;
	if (connections)
		*connections = 0;
}

static const struct ck_ext_provider_ops fake_ops = {
	"fake", fake_get_secret, fake_get_secret_map, fake_find, fake_free, fake_stats, NULL,
};

int ck_ext_provider_fake_new(struct ck_ext_provider **out)
{
	struct fake *f = ck_calloc(1, sizeof(*f));

	if (f == NULL)
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	f->be.impl = f;
	f->be.version = 2;
	ck_ext__arena_init(&f->be.scratch, 1, 0);
	f->be.read = fake_read;
	f->be.read_meta = fake_read_meta;
	f->be.list = fake_list;
	return ck_ext__provider_wrap(out, &fake_ops, f);
}

int ck_ext_provider_fake_put(struct ck_ext_provider *p, const char *key, const char *json,
                             const char *custom)
{
	struct fake *f = p->impl;
	struct fake_secret *s;
	struct ck_ext_arena a;
	struct tv v;
	struct fake_version *nv;
	char *copy;
	int rc;

	ck_ext__arena_init(&a, 1, 0);
	rc = ck_ext__json_decode(&a, &v, json, strlen(json), CK_EXT_JSON_USE_NUMBER);
	if (rc >= 0 && v.kind != TV_MAP)
		rc = ck_err_set(CK_EINVAL, "fake: secret data must be a JSON object");
	if (rc >= 0 && custom)
		rc = ck_ext__json_decode(&a, &v, custom, strlen(custom), 0);
	ck_ext__arena_dispose(&a);
	if (rc < 0)
		return rc;
	if ((s = fake_lookup(f, key)) == NULL) {
		if (f->n == f->cap) {
			size_t ncap = f->cap ? f->cap * 2 : 8;
			struct fake_secret *ns = ck_calloc(ncap, sizeof(*ns));

			if (ns == NULL)
				return ck_err_set(CK_ENOMEM, "external: out of memory");
			if (f->n)
				memcpy(ns, f->s, f->n * sizeof(*ns));
			ck_free(f->s);
			f->s = ns;
			f->cap = ncap;
		}
		s = &f->s[f->n];
		memset(s, 0, sizeof(*s));
		if ((s->key = ck_strdup(key)) == NULL)
			return ck_err_set(CK_ENOMEM, "external: out of memory");
		f->n++;
	}
	if ((nv = ck_calloc(s->nversions + 1, sizeof(*nv))) == NULL ||
	    (copy = ck_secret_alloc(strlen(json) + 1)) == NULL) {
		ck_free(nv);
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	}
	memcpy(copy, json, strlen(json) + 1);
	if (s->nversions)
		memcpy(nv, s->versions, s->nversions * sizeof(*nv));
	ck_free(s->versions);
	s->versions = nv;
	s->versions[s->nversions].json = copy;
	s->nversions++;
	if (custom) {
		ck_free(s->custom);
		if ((s->custom = ck_strdup(custom)) == NULL)
			return ck_err_set(CK_ENOMEM, "external: out of memory");
	}
	return CK_OK;
}

int ck_ext_provider_fake_delete(struct ck_ext_provider *p, const char *key)
{
	struct fake_secret *s = fake_lookup(p->impl, key);

	if (s == NULL || s->nversions == 0)
		return ck_err_set(CK_ENOTFOUND, "fake: secret \"%s\" not found", key);
	s->versions[s->nversions - 1].deleted = 1;
	return CK_OK;
}

void ck_ext_provider_fake_fail(struct ck_ext_provider *p, int code, unsigned n)
{
	struct fake *f = p->impl;

	f->fail_code = code;
	f->fail_n = n;
}
