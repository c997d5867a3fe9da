/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading ExternalSecret / SecretStore / ClusterSecretStore manifests (and
 * the Secrets and ConfigMaps beside them) into the model of ck/ext.h, field
 * by field: every unknown field, wrong type, bad enum value or feature
 * outside cloak's supported set becomes a problem line naming the field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/ext.h"
#include "ck/ext_tmpl.h"
#include "ext_int.h"
#include "ext_regex.h"

#define MAX_MANIFEST ((size_t)16 << 20)

struct ck_ext_set_priv {
	struct ck_doc **docs;
	size_t ndocs, capdocs;
	struct ck_ext_arena a;   /* model structs and derived strings */
	char **files;
	size_t nfiles;
};

struct pctx {
	struct ck_ext_set *s;
	const char *file;
	unsigned *problems;      /* the object's counter */
	int v1;                  /* external-secrets.io/v1 (v1-only fields allowed) */
};

/* -------------------------------------------------------------- helpers */

static void *aalloc(struct pctx *c, size_t n)
{
	return ck_ext__arena_alloc(&c->s->priv->a, n);
}

static int problem(struct pctx *c, const struct ck_doc_node *at, int code, const char *fmt, ...)
	CK_PRINTF(4, 5);
static int problem(struct pctx *c, const struct ck_doc_node *at, int code, const char *fmt, ...)
{
	struct ck_ext_set *s = c->s;
	char msg[CK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->problems)
		(*c->problems)++;
	if (s->nproblems % 16 == 0) {
		struct ck_ext_problem *np = ck_calloc(s->nproblems + 16, sizeof(*np));

		if (np == NULL)
			return ck_err_set(CK_ENOMEM, "external: out of memory");
		if (s->nproblems)
			memcpy(np, s->problems, s->nproblems * sizeof(*np));
		ck_free(s->problems);
		s->problems = np;
	}
	s->problems[s->nproblems].file = c->file;
	s->problems[s->nproblems].line = at ? at->line : 0;
	s->problems[s->nproblems].code = code;
	if ((s->problems[s->nproblems].msg = ck_strdup(msg)) == NULL)
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	s->nproblems++;
	return CK_OK;
}

static const struct ck_doc_node *R(const struct ck_doc_node *n)
{
	return n ? ck_doc_resolve(n) : NULL;
}

static int in_list(const char *k, const char *const *list)
{
	size_t i;

	for (i = 0; list && list[i]; i++)
		if (strcmp(k, list[i]) == 0)
			return 1;
	return 0;
}

/* Every key of map must be known; `unsupported` keys are valid ESO but not cloak. */
static void check_fields(struct pctx *c, const struct ck_doc_node *map, const char *path,
                         const char *const *known, const char *const *unsupported)
{
	size_t i, n = ck_doc_map_len(map);

	for (i = 0; i < n; i++) {
		const struct ck_doc_node *k = R(ck_doc_map_key(map, i));
		const char *key = k && k->kind == CK_DOC_SCALAR ? k->text : "?";

		if (in_list(key, known))
			continue;
		if (in_list(key, unsupported))
			problem(c, k, CK_EUNSUPPORTED, "%s.%s: not supported by cloak", path, key);
		else
			problem(c, k, CK_EINVAL, "%s: unknown field \"%s\"", path, key);
	}
}

static const struct ck_doc_node *get_map(struct pctx *c, const struct ck_doc_node *parent,
                                         const char *key, const char *path, int required)
{
	const struct ck_doc_node *n = R(ck_doc_map_get(parent, key));

	if (n == NULL || (n->kind == CK_DOC_SCALAR && ck_doc_scalar_type(n) == CK_DOC_T_NULL)) {
		if (required)
			problem(c, parent, CK_EINVAL, "%s.%s: required", path, key);
		return NULL;
	}
	if (n->kind != CK_DOC_MAP) {
		problem(c, n, CK_EINVAL, "%s.%s: must be a map", path, key);
		return NULL;
	}
	return n;
}

static const struct ck_doc_node *get_seq(struct pctx *c, const struct ck_doc_node *parent,
                                         const char *key, const char *path)
{
	const struct ck_doc_node *n = R(ck_doc_map_get(parent, key));

	if (n == NULL || (n->kind == CK_DOC_SCALAR && ck_doc_scalar_type(n) == CK_DOC_T_NULL))
		return NULL;
	if (n->kind != CK_DOC_SEQ) {
		problem(c, n, CK_EINVAL, "%s.%s: must be a list", path, key);
		return NULL;
	}
	return n;
}

static const char *get_str(struct pctx *c, const struct ck_doc_node *parent, const char *key,
                           const char *path, int required)
{
	const struct ck_doc_node *n = R(ck_doc_map_get(parent, key));

	if (n == NULL || (n->kind == CK_DOC_SCALAR && n->style == CK_DOC_PLAIN &&
	                  ck_doc_scalar_type(n) == CK_DOC_T_NULL)) {
		if (required)
			problem(c, parent, CK_EINVAL, "%s.%s: required", path, key);
		return NULL;
	}
	if (n->kind != CK_DOC_SCALAR) {
		problem(c, n, CK_EINVAL, "%s.%s: must be a string", path, key);
		return NULL;
	}
	if (required && n->len == 0) {
		problem(c, n, CK_EINVAL, "%s.%s: must not be empty", path, key);
		return NULL;
	}
	return n->text;
}

static int get_bool(struct pctx *c, const struct ck_doc_node *parent, const char *key,
                    const char *path)
{
	const struct ck_doc_node *n = R(ck_doc_map_get(parent, key));
	int b = 0;

	if (n == NULL)
		return 0;
	if (n->kind != CK_DOC_SCALAR || ck_doc_scalar_bool(n, &b) < 0) {
		ck_err_clear();
		problem(c, n, CK_EINVAL, "%s.%s: must be true or false", path, key);
		return 0;
	}
	return b;
}

/* An enum; *out keeps its default when absent. -1 (and a problem) when invalid. */
static int get_enum(struct pctx *c, const struct ck_doc_node *parent, const char *key,
                    const char *path, const char *const *names, const char *const *unsupported,
                    int *out)
{
	const char *v = get_str(c, parent, key, path, 0);
	const struct ck_doc_node *n = R(ck_doc_map_get(parent, key));
	size_t i;

	if (v == NULL || v[0] == '\0')
		return 0;
	for (i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	if (in_list(v, unsupported)) {
		problem(c, n, CK_EUNSUPPORTED, "%s.%s: %s is not supported by cloak", path, key, v);
		return -1;
	}
	{
		char allowed[256] = "";
		size_t used = 0;

		for (i = 0; names[i] && used < sizeof(allowed); i++) {
			int w = snprintf(allowed + used, sizeof(allowed) - used, "%s%s", used ? ", " : "",
			                 names[i]);

			if (w < 0)
				break;
			used += (size_t)w;
		}
		problem(c, n, CK_EINVAL, "%s.%s: invalid value \"%s\" (allowed: %s)", path, key, v,
		        allowed);
	}
	return -1;
}

/* A map of string -> string (labels, annotations, template.data, tags, headers). */
static int get_kv(struct pctx *c, const struct ck_doc_node *parent, const char *key,
                  const char *path, struct ck_ext_kv **out, size_t *nout)
{
	const struct ck_doc_node *m = get_map(c, parent, key, path, 0);
	size_t i, n;

	*out = NULL;
	*nout = 0;
	if (m == NULL)
		return CK_OK;
	n = ck_doc_map_len(m);
	if (n == 0)
		return CK_OK;
	if ((*out = aalloc(c, n * sizeof(**out))) == NULL)
		return ck_err_last()->code;
	for (i = 0; i < n; i++) {
		const struct ck_doc_node *k = R(ck_doc_map_key(m, i)), *v = R(ck_doc_map_value(m, i));

		if (k == NULL || k->kind != CK_DOC_SCALAR || v == NULL || v->kind != CK_DOC_SCALAR) {
			problem(c, k ? k : m, CK_EINVAL, "%s.%s: values must be strings", path, key);
			continue;
		}
		(*out)[*nout].key = k->text;
		(*out)[*nout].value = v->style == CK_DOC_PLAIN && ck_doc_scalar_type(v) == CK_DOC_T_NULL
		                          ? ""
		                          : v->text;
		(*nout)++;
	}
	return CK_OK;
}

static const char *const DEC_NAMES[] = { "None", "Base64", "Base64URL", "Auto", NULL };
static const char *const CONV_NAMES[] = { "Default", "Unicode", NULL };
static const char *const META_NAMES[] = { "None", "Fetch", NULL };
static const char *const NULLB_NAMES[] = { "Ignore", "Fail", NULL };

/* Go's time.ParseDuration syntax. */
static int valid_duration(const char *s)
{
	size_t i = 0, n = strlen(s);

	if (n && (s[0] == '-' || s[0] == '+'))
		i++;
	if (i == n)
		return 0;
	if (strcmp(s + i, "0") == 0)
		return 1;
	while (i < n) {
		size_t d = 0;
		int units = 0;

		while (i < n && s[i] >= '0' && s[i] <= '9') {
			i++;
			d++;
		}
		if (i < n && s[i] == '.') {
			i++;
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				i++;
				d++;
			}
		}
		if (d == 0)
			return 0;
		if (n - i >= 2 && (memcmp(s + i, "ns", 2) == 0 || memcmp(s + i, "us", 2) == 0 ||
		                   memcmp(s + i, "ms", 2) == 0)) {
			i += 2;
			units = 1;
		} else if (n - i >= 3 && memcmp(s + i, "\xc2\xb5s", 3) == 0) {
			i += 3;
			units = 1;
		} else if (i < n && (s[i] == 's' || s[i] == 'm' || s[i] == 'h')) {
			i++;
			units = 1;
		}
		if (!units)
			return 0;
	}
	return 1;
}

/* Duration in ms (valid_duration checked first); -1 when not parsable. */
static long duration_ms(const char *s)
{
	double total = 0;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		char *end;
		double v = strtod(s + i, &end);

		i = (size_t)(end - s);
		if (n - i >= 2 && memcmp(s + i, "ms", 2) == 0) {
			total += v;
			i += 2;
		} else if (n - i >= 2 && (memcmp(s + i, "ns", 2) == 0 || memcmp(s + i, "us", 2) == 0)) {
			total += v / (s[i] == 'n' ? 1e6 : 1e3);
			i += 2;
		} else if (i < n && s[i] == 's') {
			total += v * 1000;
			i++;
		} else if (i < n && s[i] == 'm') {
			total += v * 60000;
			i++;
		} else if (i < n && s[i] == 'h') {
			total += v * 3600000;
			i++;
		} else {
			return i == n ? (long)(v * 1000) : -1;
		}
	}
	return total > 1e12 ? -1 : (long)total;
}

static int valid_secret_key(const char *k)
{
	size_t i, n = strlen(k);

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '-' || k[i] == '.' || k[i] == '_'))
			return 0;
	return 1;
}

static void parse_store_ref(struct pctx *c, const struct ck_doc_node *m, const char *path,
                            struct ck_ext_store_ref *out)
{
	static const char *const known[] = { "name", "kind", NULL };
	static const char *const kinds[] = { "SecretStore", "ClusterSecretStore", NULL };
	int kind = 0;

	check_fields(c, m, path, known, NULL);
	out->name = get_str(c, m, "name", path, 1);
	if (get_enum(c, m, "kind", path, kinds, NULL, &kind) == 0)
		out->cluster = kind == 1;
}

/* ------------------------------------------------------- ExternalSecret */

static void parse_ref(struct pctx *c, const struct ck_doc_node *m, const char *path,
                      struct ck_ext_ref *r)
{
	static const char *const known[] = { "key", "property", "version", "decodingStrategy",
		                             "metadataPolicy", "conversionStrategy", "nullBytePolicy",
		                             NULL };
	int v;

	check_fields(c, m, path, known, NULL);
	r->key = get_str(c, m, "key", path, 1);
	r->property = get_str(c, m, "property", path, 0);
	r->version = get_str(c, m, "version", path, 0);
	v = 0;
	if (get_enum(c, m, "decodingStrategy", path, DEC_NAMES, NULL, &v) == 0)
		r->decoding = (enum ck_ext_decoding)v;
	v = 0;
	if (get_enum(c, m, "metadataPolicy", path, META_NAMES, NULL, &v) == 0)
		r->metadata = (enum ck_ext_metadata)v;
	v = 0;
	if (get_enum(c, m, "conversionStrategy", path, CONV_NAMES, NULL, &v) == 0)
		r->conversion = (enum ck_ext_conversion)v;
	v = 0;
	if (ck_doc_map_get(m, "nullBytePolicy") && !c->v1)
		problem(c, m, CK_EINVAL, "%s.nullBytePolicy: only in external-secrets.io/v1", path);
	if (get_enum(c, m, "nullBytePolicy", path, NULLB_NAMES, NULL, &v) == 0)
		r->nullbytes = (enum ck_ext_nullbytes)v;
}

static void parse_source_ref(struct pctx *c, const struct ck_doc_node *parent, const char *path,
                             struct ck_ext_store_ref *out)
{
	static const char *const known[] = { "storeRef", NULL };
	static const char *const unsup[] = { "generatorRef", NULL };
	const struct ck_doc_node *m = get_map(c, parent, "sourceRef", path, 0);
	char p[512];

	if (m == NULL)
		return;
	snprintf(p, sizeof(p), "%s.sourceRef", path);
	check_fields(c, m, p, known, unsup);
	if ((m = get_map(c, m, "storeRef", p, 0)) != NULL) {
		char p2[560];

		snprintf(p2, sizeof(p2), "%s.storeRef", p);
		parse_store_ref(c, m, p2, out);
	}
}

static int parse_rewrite(struct pctx *c, const struct ck_doc_node *seq, const char *path,
                         struct ck_ext_data_from *df)
{
	static const char *const known[] = { "regexp", "transform", "merge", NULL };
	size_t i, n = seq->nkids;

	if (n == 0)
		return CK_OK;
	if ((df->rewrite = aalloc(c, n * sizeof(*df->rewrite))) == NULL)
		return ck_err_last()->code;
	for (i = 0; i < n; i++) {
		const struct ck_doc_node *it = R(seq->kids[i]), *m;
		struct ck_ext_rewrite *rw = &df->rewrite[df->nrewrite];
		char p[512], p2[560];
		int count = 0;

		snprintf(p, sizeof(p), "%s.rewrite[%zu]", path, i);
		if (it == NULL || it->kind != CK_DOC_MAP) {
			problem(c, it, CK_EINVAL, "%s: must be a map", p);
			continue;
		}
		check_fields(c, it, p, known, NULL);
		if ((m = get_map(c, it, "regexp", p, 0)) != NULL) {
			static const char *const k2[] = { "source", "target", NULL };
			struct ck_ext_regex *re = NULL;

			count++;
			snprintf(p2, sizeof(p2), "%s.regexp", p);
			check_fields(c, m, p2, k2, NULL);
			rw->kind = CK_EXT_RW_REGEXP;
			rw->source = get_str(c, m, "source", p2, 1);
			rw->target = get_str(c, m, "target", p2, 0);
			if (rw->target == NULL)
				rw->target = "";
			if (rw->source) {
				int rc = ck_ext_regex_compile(&re, rw->source, strlen(rw->source));

				if (rc == CK_EINVAL || rc == CK_ETOOBIG)
					problem(c, m, CK_EINVAL, "%s.source: %s", p2, ck_err_last()->msg);
				else if (rc < 0)
					return rc;
				ck_ext_regex_free(re);
			}
		}
		if ((m = get_map(c, it, "transform", p, 0)) != NULL) {
			static const char *const k2[] = { "template", NULL };

			count++;
			snprintf(p2, sizeof(p2), "%s.transform", p);
			check_fields(c, m, p2, k2, NULL);
			rw->kind = CK_EXT_RW_TRANSFORM;
			rw->tmpl = get_str(c, m, "template", p2, 1);
		}
		if ((m = get_map(c, it, "merge", p, 0)) != NULL) {
			static const char *const k2[] = { "into", "priority", "priorityPolicy",
				                          "conflictPolicy", "strategy", NULL };
			static const char *const pp[] = { "Strict", "IgnoreNotFound", NULL };
			static const char *const cp[] = { "Error", "Ignore", NULL };
			static const char *const st[] = { "Extract", "JSON", NULL };
			const struct ck_doc_node *pr;
			int v;

			count++;
			snprintf(p2, sizeof(p2), "%s.merge", p);
			if (!c->v1)
				problem(c, m, CK_EINVAL, "%s: only in external-secrets.io/v1", p2);
			check_fields(c, m, p2, k2, NULL);
			rw->kind = CK_EXT_RW_MERGE;
			rw->into = get_str(c, m, "into", p2, 0);
			v = 0;
			if (get_enum(c, m, "priorityPolicy", p2, pp, NULL, &v) == 0)
				rw->ignore_not_found = v == 1;
			v = 0;
			if (get_enum(c, m, "conflictPolicy", p2, cp, NULL, &v) == 0)
				rw->ignore_conflicts = v == 1;
			v = 0;
			if (get_enum(c, m, "strategy", p2, st, NULL, &v) == 0)
				rw->strategy_json = v == 1;
			if (rw->strategy_json && (rw->into == NULL || rw->into[0] == '\0'))
				problem(c, m, CK_EINVAL, "%s.into: required with strategy JSON", p2);
			if ((pr = get_seq(c, m, "priority", p2)) != NULL && pr->nkids) {
				size_t j;

				if ((rw->priority = aalloc(c, pr->nkids * sizeof(char *))) == NULL)
					return ck_err_last()->code;
				for (j = 0; j < pr->nkids; j++) {
					const struct ck_doc_node *e = R(pr->kids[j]);

					if (e == NULL || e->kind != CK_DOC_SCALAR)
						problem(c, e, CK_EINVAL, "%s.priority[%zu]: must be a string", p2, j);
					else
						rw->priority[rw->npriority++] = e->text;
				}
			}
		}
		if (count != 1) {
			problem(c, it, CK_EINVAL, "%s: exactly one of regexp, transform, merge", p);
			continue;
		}
		df->nrewrite++;
	}
	return CK_OK;
}

static int parse_find(struct pctx *c, const struct ck_doc_node *m, const char *path,
                      struct ck_ext_find *f)
{
	static const char *const known[] = { "path", "name", "tags", "conversionStrategy",
		                             "decodingStrategy", "nullBytePolicy", NULL };
	const struct ck_doc_node *nm;
	int v, rc;

	check_fields(c, m, path, known, NULL);
	f->path = get_str(c, m, "path", path, 0);
	if ((nm = get_map(c, m, "name", path, 0)) != NULL) {
		static const char *const k2[] = { "regexp", NULL };
		char p2[560];

		snprintf(p2, sizeof(p2), "%s.name", path);
		check_fields(c, nm, p2, k2, NULL);
		f->name_regexp = get_str(c, nm, "regexp", p2, 1);
		if (f->name_regexp) {
			struct ck_ext_regex *re = NULL;

			rc = ck_ext_regex_compile(&re, f->name_regexp, strlen(f->name_regexp));
			ck_ext_regex_free(re);
			if (rc == CK_EINVAL || rc == CK_ETOOBIG)
				problem(c, nm, CK_EINVAL, "%s.regexp: %s", p2, ck_err_last()->msg);
			else if (rc < 0)
				return rc;
		}
	}
	if ((rc = get_kv(c, m, "tags", path, &f->tags, &f->ntags)) < 0)
		return rc;
	if (f->name_regexp == NULL && f->ntags == 0)
		problem(c, m, CK_EINVAL, "%s: needs name.regexp or tags", path);
	v = 0;
	if (get_enum(c, m, "decodingStrategy", path, DEC_NAMES, NULL, &v) == 0)
		f->decoding = (enum ck_ext_decoding)v;
	v = 0;
	if (get_enum(c, m, "conversionStrategy", path, CONV_NAMES, NULL, &v) == 0)
		f->conversion = (enum ck_ext_conversion)v;
	v = 0;
	if (get_enum(c, m, "nullBytePolicy", path, NULLB_NAMES, NULL, &v) == 0)
		f->nullbytes = (enum ck_ext_nullbytes)v;
	return CK_OK;
}

static int check_template_text(struct pctx *c, const struct ck_doc_node *at, const char *path,
                               const char *text, int eso_missing)
{
	struct ck_tmpl_opts o = CK_TMPL_OPTS_ESO;
	struct ck_tmpl *t = NULL;
	int rc;

	if (!eso_missing)
		o.missingkey = CK_TMPL_MISSING_DEFAULT;
	rc = ck_tmpl_parse(&t, path, text, strlen(text), &o);
	ck_tmpl_free(t);
	if (rc == CK_EINVAL || rc == CK_EUNSUPPORTED || rc == CK_ETOOBIG) {
		problem(c, at, rc, "%s", ck_err_last()->msg);
		return CK_OK;
	}
	return rc < 0 ? rc : CK_OK;
}

static int parse_template(struct pctx *c, const struct ck_doc_node *m, const char *path,
                          struct ck_ext_template *t)
{
	static const char *const known[] = { "engineVersion", "type", "metadata", "data",
		                             "templateFrom", "mergePolicy", NULL };
	static const char *const mkeys[] = { "labels", "annotations", "finalizers", NULL };
	static const char *const mp[] = { "Replace", "Merge", NULL };
	const struct ck_doc_node *md, *tf;
	const char *ev;
	char p[512];
	size_t i;
	int rc, v;

	t->present = 1;
	check_fields(c, m, path, known, NULL);
	ev = get_str(c, m, "engineVersion", path, 0);
	if (ev && strcmp(ev, "v2") != 0) {
		if (strcmp(ev, "v1") == 0)
			problem(c, ck_doc_map_get(m, "engineVersion"), CK_EUNSUPPORTED,
			        "%s.engineVersion: v1 (deprecated) is not supported by cloak; use v2", path);
		else
			problem(c, ck_doc_map_get(m, "engineVersion"), CK_EINVAL,
			        "%s.engineVersion: invalid value \"%s\" (allowed: v2)", path, ev);
	}
	t->type = get_str(c, m, "type", path, 0);
	v = 0;
	if (get_enum(c, m, "mergePolicy", path, mp, NULL, &v) == 0)
		t->merge = v == 1;
	snprintf(p, sizeof(p), "%s.metadata", path);
	if ((md = get_map(c, m, "metadata", path, 0)) != NULL) {
		check_fields(c, md, p, mkeys, NULL);
		if ((rc = get_kv(c, md, "labels", p, &t->labels, &t->nlabels)) < 0 ||
		    (rc = get_kv(c, md, "annotations", p, &t->annotations, &t->nannotations)) < 0)
			return rc;
		if (ck_doc_map_get(md, "finalizers") != NULL && !c->v1)
			problem(c, md, CK_EINVAL, "%s.finalizers: only in external-secrets.io/v1", p);
	}
	if ((rc = get_kv(c, m, "data", path, &t->data, &t->ndata)) < 0)
		return rc;
	for (i = 0; i < t->ndata; i++) {
		char tp[600];

		snprintf(tp, sizeof(tp), "%s.data.%s", path, t->data[i].key);
		if ((rc = check_template_text(c, ck_doc_map_get(m, "data"), tp, t->data[i].value, 1)) < 0)
			return rc;
	}
	for (i = 0; i < t->nlabels + t->nannotations; i++) {
		const struct ck_ext_kv *kv = i < t->nlabels ? &t->labels[i] : &t->annotations[i - t->nlabels];
		char tp[600];

		snprintf(tp, sizeof(tp), "%s.%s.%s", p, i < t->nlabels ? "labels" : "annotations", kv->key);
		if ((rc = check_template_text(c, md, tp, kv->value, 1)) < 0)
			return rc;
	}
	if ((tf = get_seq(c, m, "templateFrom", path)) != NULL && tf->nkids) {
		if ((t->from = aalloc(c, tf->nkids * sizeof(*t->from))) == NULL)
			return ck_err_last()->code;
		for (i = 0; i < tf->nkids; i++) {
			static const char *const k2[] = { "configMap", "secret", "literal", "target",
				                          "valuesDecodingStrategy", NULL };
			const struct ck_doc_node *it = R(tf->kids[i]), *ref;
			struct ck_ext_tmpl_from *f = &t->from[t->nfrom];
			const char *target;
			char ip[560];
			int count = 0;

			snprintf(ip, sizeof(ip), "%s.templateFrom[%zu]", path, i);
			if (it == NULL || it->kind != CK_DOC_MAP) {
				problem(c, it, CK_EINVAL, "%s: must be a map", ip);
				continue;
			}
			check_fields(c, it, ip, k2, NULL);
			target = get_str(c, it, "target", ip, 0);
			if (target == NULL || strcasecmp(target, "data") == 0)
				f->target = CK_EXT_TT_DATA;
			else if (strcasecmp(target, "annotations") == 0)
				f->target = CK_EXT_TT_ANNOTATIONS;
			else if (strcasecmp(target, "labels") == 0)
				f->target = CK_EXT_TT_LABELS;
			else
				problem(c, it, CK_EUNSUPPORTED, "%s.target: \"%s\" is not supported by cloak (Data, Annotations, Labels)",
				        ip, target);
			{
				const char *vds = get_str(c, it, "valuesDecodingStrategy", ip, 0);

				if (vds && strcmp(vds, "None") != 0)
					problem(c, it, CK_EUNSUPPORTED, "%s.valuesDecodingStrategy: %s is not supported by cloak",
					        ip, vds);
			}
			if ((f->literal = get_str(c, it, "literal", ip, 0)) != NULL) {
				char lp[600];

				count++;
				f->kind = 2;
				snprintf(lp, sizeof(lp), "%s.literal", ip);
				if ((rc = check_template_text(c, it, lp, f->literal, 1)) < 0)
					return rc;
			}
			for (v = 0; v < 2; v++) {
				const char *which = v == 0 ? "configMap" : "secret";
				const struct ck_doc_node *items;
				char rp[600];
				size_t j;

				if ((ref = get_map(c, it, which, ip, 0)) == NULL)
					continue;
				static const char *const k3[] = { "name", "items", NULL };

				count++;
				f->kind = v;
				snprintf(rp, sizeof(rp), "%s.%s", ip, which);
				check_fields(c, ref, rp, k3, NULL);
				f->name = get_str(c, ref, "name", rp, 1);
				if ((items = get_seq(c, ref, "items", rp)) == NULL || items->nkids == 0) {
					problem(c, ref, CK_EINVAL, "%s.items: required", rp);
					continue;
				}
				if ((f->items = aalloc(c, items->nkids * sizeof(*f->items))) == NULL)
					return ck_err_last()->code;
				for (j = 0; j < items->nkids; j++) {
					static const char *const k4[] = { "key", "templateAs", NULL };
					static const char *const ta[] = { "Values", "KeysAndValues", NULL };
					const struct ck_doc_node *e = R(items->kids[j]);
					char ep[640];
					int as = 0;

					snprintf(ep, sizeof(ep), "%s.items[%zu]", rp, j);
					if (e == NULL || e->kind != CK_DOC_MAP) {
						problem(c, e, CK_EINVAL, "%s: must be a map", ep);
						continue;
					}
					check_fields(c, e, ep, k4, NULL);
					f->items[f->nitems].key = get_str(c, e, "key", ep, 1);
					if (get_enum(c, e, "templateAs", ep, ta, NULL, &as) == 0)
						f->items[f->nitems].keys_and_values = as == 1;
					if (f->items[f->nitems].key)
						f->nitems++;
				}
			}
			if (count != 1) {
				problem(c, it, CK_EINVAL, "%s: exactly one of configMap, secret, literal", ip);
				continue;
			}
			t->nfrom++;
		}
	}
	return CK_OK;
}

static int parse_es(struct pctx *c, const struct ck_doc_node *root, const struct ck_doc_node *meta,
                    struct ck_ext_es *es)
{
	static const char *const spec_known[] = { "secretStoreRef", "refreshInterval",
		                                  "refreshPolicy", "target", "data", "dataFrom",
		                                  "syncWindows", NULL };
	static const char *const target_known[] = { "name", "creationPolicy", "deletionPolicy",
		                                    "template", "immutable", NULL };
	static const char *const target_unsup[] = { "manifest", NULL };
	static const char *const creation[] = { "Owner", "Orphan", "Merge", "None",
		                                "CreateOrMerge", NULL };
	static const char *const deletion[] = { "Retain", "Delete", "Merge", NULL };
	static const char *const refresh[] = { "CreatedOnce", "Periodic", "OnChange", NULL };
	const struct ck_doc_node *spec, *n, *tgt;
	const char *ri;
	size_t i;
	int rc, v;

	if ((spec = get_map(c, root, "spec", "", 1)) == NULL)
		return CK_OK;
	check_fields(c, spec, "spec", spec_known, NULL);
	if (ck_doc_map_get(spec, "syncWindows") && !c->v1)
		problem(c, spec, CK_EINVAL, "spec.syncWindows: only in external-secrets.io/v1");
	if ((n = get_map(c, spec, "secretStoreRef", "spec", 0)) != NULL)
		parse_store_ref(c, n, "spec.secretStoreRef", &es->store);
	es->refresh_interval_ms = 3600000; /* CRD default 1h0m0s */
	if ((ri = get_str(c, spec, "refreshInterval", "spec", 0)) != NULL) {
		if (!valid_duration(ri) || ri[0] == '-')
			problem(c, ck_doc_map_get(spec, "refreshInterval"), CK_EINVAL,
			        "spec.refreshInterval: \"%s\" is not a duration (e.g. 1h, 15m0s)", ri);
		else
			es->refresh_interval_ms = duration_ms(ri);
	}
	v = 0;
	if (get_enum(c, spec, "refreshPolicy", "spec", refresh, NULL, &v) == 0)
		es->refresh_policy = v == 0 ? CK_EXT_REFRESH_CREATED_ONCE
		                     : v == 1 ? CK_EXT_REFRESH_PERIODIC : CK_EXT_REFRESH_ON_CHANGE;
	if (ck_doc_map_get(spec, "refreshPolicy") == NULL)
		es->refresh_policy = CK_EXT_REFRESH_PERIODIC;
	es->creation = CK_EXT_CREATE_OWNER;
	es->deletion = CK_EXT_DELETE_RETAIN;
	if ((tgt = get_map(c, spec, "target", "spec", 0)) != NULL) {
		check_fields(c, tgt, "spec.target", target_known, target_unsup);
		es->target_name = get_str(c, tgt, "name", "spec.target", 0);
		v = 0;
		if (get_enum(c, tgt, "creationPolicy", "spec.target", creation, NULL, &v) == 0) {
			es->creation = (enum ck_ext_creation)v;
			if (v == CK_EXT_CREATE_OR_MERGE && !c->v1)
				problem(c, tgt, CK_EINVAL,
				        "spec.target.creationPolicy: CreateOrMerge only in external-secrets.io/v1");
		}
		v = 0;
		if (get_enum(c, tgt, "deletionPolicy", "spec.target", deletion, NULL, &v) == 0)
			es->deletion = (enum ck_ext_deletion)v;
		es->immutable = get_bool(c, tgt, "immutable", "spec.target");
		if ((n = get_map(c, tgt, "template", "spec.target", 0)) != NULL &&
		    (rc = parse_template(c, n, "spec.target.template", &es->tmpl)) < 0)
			return rc;
		if (es->deletion == CK_EXT_DELETE_DELETE && es->creation != CK_EXT_CREATE_OWNER)
			problem(c, tgt, CK_EINVAL,
			        "spec.target.deletionPolicy: Delete needs creationPolicy Owner (the controller must own the Secret)");
		if (es->deletion == CK_EXT_DELETE_MERGE && es->creation == CK_EXT_CREATE_NONE)
			problem(c, tgt, CK_EINVAL,
			        "spec.target.deletionPolicy: Merge cannot be used with creationPolicy None");
	}
	if ((n = get_seq(c, spec, "data", "spec")) != NULL && n->nkids) {
		if ((es->data = aalloc(c, n->nkids * sizeof(*es->data))) == NULL)
			return ck_err_last()->code;
		for (i = 0; i < n->nkids; i++) {
			static const char *const known[] = { "secretKey", "remoteRef", "sourceRef", NULL };
			const struct ck_doc_node *it = R(n->kids[i]), *rr;
			struct ck_ext_data *d = &es->data[es->ndata];
			char p[64], p2[96];

			snprintf(p, sizeof(p), "spec.data[%zu]", i);
			if (it == NULL || it->kind != CK_DOC_MAP) {
				problem(c, it, CK_EINVAL, "%s: must be a map", p);
				continue;
			}
			d->line = it->line;
			check_fields(c, it, p, known, NULL);
			d->secret_key = get_str(c, it, "secretKey", p, 1);
			if (d->secret_key && !valid_secret_key(d->secret_key))
				problem(c, ck_doc_map_get(it, "secretKey"), CK_EINVAL,
				        "%s.secretKey: \"%s\" must be 1-253 characters of [-._a-zA-Z0-9]", p,
				        d->secret_key);
			snprintf(p2, sizeof(p2), "%s.remoteRef", p);
			if ((rr = get_map(c, it, "remoteRef", p, 1)) != NULL)
				parse_ref(c, rr, p2, &d->ref);
			parse_source_ref(c, it, p, &d->store);
			if (es->store.name == NULL && d->store.name == NULL)
				problem(c, it, CK_EINVAL,
				        "%s: no store: set spec.secretStoreRef or sourceRef.storeRef", p);
			es->ndata++;
		}
	}
	if ((n = get_seq(c, spec, "dataFrom", "spec")) != NULL && n->nkids) {
		if ((es->data_from = aalloc(c, n->nkids * sizeof(*es->data_from))) == NULL)
			return ck_err_last()->code;
		for (i = 0; i < n->nkids; i++) {
			static const char *const known[] = { "extract", "find", "sourceRef", "rewrite",
				                             NULL };
			const struct ck_doc_node *it = R(n->kids[i]), *ex, *fd, *rw;
			struct ck_ext_data_from *df = &es->data_from[es->ndata_from];
			char p[64], p2[96];

			snprintf(p, sizeof(p), "spec.dataFrom[%zu]", i);
			if (it == NULL || it->kind != CK_DOC_MAP) {
				problem(c, it, CK_EINVAL, "%s: must be a map", p);
				continue;
			}
			df->line = it->line;
			check_fields(c, it, p, known, NULL);
			ex = get_map(c, it, "extract", p, 0);
			fd = get_map(c, it, "find", p, 0);
			parse_source_ref(c, it, p, &df->store);
			if (ex && fd) {
				problem(c, it, CK_EINVAL, "%s: extract and find are exclusive", p);
				continue;
			}
			if (!ex && !fd) {
				const struct ck_doc_node *sr = get_map(c, it, "sourceRef", p, 0);

				if (sr && ck_doc_map_get(sr, "generatorRef"))
					continue; /* reported as unsupported already */
				problem(c, it, CK_EINVAL, "%s: needs extract or find", p);
				continue;
			}
			if (ex) {
				snprintf(p2, sizeof(p2), "%s.extract", p);
				parse_ref(c, ex, p2, &df->extract);
			} else {
				snprintf(p2, sizeof(p2), "%s.find", p);
				df->is_find = 1;
				if ((rc = parse_find(c, fd, p2, &df->find)) < 0)
					return rc;
			}
			if ((rw = get_seq(c, it, "rewrite", p)) != NULL &&
			    (rc = parse_rewrite(c, rw, p, df)) < 0)
				return rc;
			for (v = 0; v < (int)df->nrewrite; v++) {
				if (df->rewrite[v].kind == CK_EXT_RW_TRANSFORM && df->rewrite[v].tmpl) {
					char tp[128];

					snprintf(tp, sizeof(tp), "%s.rewrite[%d].transform.template", p, v);
					if ((rc = check_template_text(c, it, tp, df->rewrite[v].tmpl, 0)) < 0)
						return rc;
				}
			}
			if (es->store.name == NULL && df->store.name == NULL)
				problem(c, it, CK_EINVAL,
				        "%s: no store: set spec.secretStoreRef or sourceRef.storeRef", p);
			es->ndata_from++;
		}
	}
	if (es->ndata == 0 && es->ndata_from == 0 && !(es->tmpl.present && (es->tmpl.ndata || es->tmpl.nfrom)))
		problem(c, spec, CK_EINVAL, "spec: needs data, dataFrom or a template with data");
	(void)meta;
	return CK_OK;
}

/* ---------------------------------------------------------------- stores */

static int parse_secret_ref(struct pctx *c, const struct ck_doc_node *parent, const char *key,
                            const char *path, struct ck_ext_secret_ref *out, int key_required,
                            const char *default_key)
{
	static const char *const known[] = { "name", "key", "namespace", NULL };
	const struct ck_doc_node *m = get_map(c, parent, key, path, 0);
	char p[512];

	if (m == NULL)
		return 0;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	check_fields(c, m, p, known, NULL);
	out->name = get_str(c, m, "name", p, 1);
	out->key = get_str(c, m, "key", p, key_required);
	if (out->key == NULL)
		out->key = default_key;
	out->ns = get_str(c, m, "namespace", p, 0);
	return 1;
}

static const char *const OTHER_PROVIDERS[] = {
	"akeyless", "alibaba", "azurekv", "beyondtrust", "bitwardensecretsmanager", "chef",
	"cloudrusm", "conjur", "delinea", "device42", "doppler", "fake", "fortanix", "gcpsm",
	"github", "gitlab", "ibm", "infisical", "keepersecurity", "kubernetes", "onboardbase",
	"onepassword", "onepasswordSDK", "oracle", "passbolt", "passworddepot", "previder",
	"pulumi", "scaleway", "secretserver", "senhasegura", "webhook", "yandexcertificatemanager",
	"yandexlockbox", "ngrok", "barbican", "volcengine", NULL,
};

static int parse_vault(struct pctx *c, const struct ck_doc_node *v, struct ck_ext_store *st)
{
	static const char *const known[] = { "server", "path", "version", "namespace", "caBundle",
		                             "caProvider", "tls", "readYourWrites",
		                             "forwardInconsistent", "headers", "auth", "checkAndSet",
		                             NULL };
	static const char *const versions[] = { "v1", "v2", NULL };
	static const char *const P = "spec.provider.vault";
	const struct ck_doc_node *m, *auth;
	const char *cab;
	int ver = 1, rc;

	check_fields(c, v, P, known, NULL);
	st->vault.server = get_str(c, v, "server", P, 1);
	if (st->vault.server && strncmp(st->vault.server, "http://", 7) != 0 &&
	    strncmp(st->vault.server, "https://", 8) != 0)
		problem(c, ck_doc_map_get(v, "server"), CK_EINVAL,
		        "%s.server: \"%s\" must be an http(s) URL", P, st->vault.server);
	st->vault.path = get_str(c, v, "path", P, 0);
	if (st->vault.path && st->vault.path[0] == '\0')
		st->vault.path = NULL;
	if (get_enum(c, v, "version", P, versions, NULL, &ver) == 0)
		st->vault.version = ver + 1;
	st->vault.ns = get_str(c, v, "namespace", P, 0);
	if ((cab = get_str(c, v, "caBundle", P, 0)) != NULL) {
		struct ck_buf pem;
		size_t bad;

		/* []byte in the CRD: base64 in YAML */
		ck_buf_init(&pem, (size_t)4 << 20);
		rc = ck_ext__go_b64decode(&pem, cab, strlen(cab), 0, &bad);
		if (rc == CK_EINVAL) {
			problem(c, ck_doc_map_get(v, "caBundle"), CK_EINVAL,
			        "%s.caBundle: not base64 (illegal data at byte %zu)", P, bad);
		} else if (rc < 0) {
			ck_buf_dispose(&pem);
			return rc;
		} else {
			char *p = ck_ext__arena_strdup(&c->s->priv->a, ck_buf_data(&pem), ck_buf_len(&pem));

			if (p == NULL) {
				ck_buf_dispose(&pem);
				return ck_err_last()->code;
			}
			st->vault.ca_bundle = p;
			st->vault.ca_bundle_len = ck_buf_len(&pem);
		}
		ck_buf_dispose(&pem);
	}
	if ((m = get_map(c, v, "caProvider", P, 0)) != NULL) {
		static const char *const k2[] = { "type", "name", "key", "namespace", NULL };
		static const char *const types[] = { "Secret", "ConfigMap", NULL };
		int t = 0;
		char p[128];

		snprintf(p, sizeof(p), "%s.caProvider", P);
		check_fields(c, m, p, k2, NULL);
		if (get_enum(c, m, "type", p, types, NULL, &t) == 0)
			st->vault.ca_provider_type = types[t];
		if (get_str(c, m, "type", p, 1) == NULL)
			st->vault.ca_provider_type = NULL;
		st->vault.ca_provider.name = get_str(c, m, "name", p, 1);
		st->vault.ca_provider.key = get_str(c, m, "key", p, 1);
		st->vault.ca_provider.ns = get_str(c, m, "namespace", p, 0);
	}
	if ((m = get_map(c, v, "tls", P, 0)) != NULL) {
		static const char *const k2[] = { "certSecretRef", "keySecretRef", NULL };
		char p[128];

		snprintf(p, sizeof(p), "%s.tls", P);
		check_fields(c, m, p, k2, NULL);
		parse_secret_ref(c, m, "certSecretRef", p, &st->vault.tls_cert, 0, "tls.crt");
		parse_secret_ref(c, m, "keySecretRef", p, &st->vault.tls_key, 0, "tls.key");
	}
	st->vault.read_your_writes = get_bool(c, v, "readYourWrites", P);
	st->vault.forward_inconsistent = get_bool(c, v, "forwardInconsistent", P);
	if ((rc = get_kv(c, v, "headers", P, &st->vault.headers, &st->vault.nheaders)) < 0)
		return rc;
	if ((auth = get_map(c, v, "auth", P, 0)) == NULL) {
		/* no auth block: ESO would fail to build a client; VAULT_TOKEN may serve */
		st->vault.auth = CK_EXT_VAULT_AUTH_NONE;
		return CK_OK;
	}
	{
		static const char *const ak[] = { "tokenSecretRef", "appRole", "kubernetes", "jwt",
			                          "ldap", "userPass", "cert", "namespace", NULL };
		static const char *const au[] = { "iam", "gcp", NULL };
		static const char *const A = "spec.provider.vault.auth";
		int count = 0;
		char p[128];

		check_fields(c, auth, A, ak, au);
		st->vault.auth_ns = get_str(c, auth, "namespace", A, 0);
		if (parse_secret_ref(c, auth, "tokenSecretRef", A, &st->vault.secret, 1, NULL)) {
			count++;
			st->vault.auth = CK_EXT_VAULT_AUTH_TOKEN;
		}
		if ((m = get_map(c, auth, "appRole", A, 0)) != NULL) {
			static const char *const k2[] = { "path", "roleId", "roleRef", "secretRef", NULL };

			count++;
			snprintf(p, sizeof(p), "%s.appRole", A);
			check_fields(c, m, p, k2, NULL);
			st->vault.auth = CK_EXT_VAULT_AUTH_APPROLE;
			st->vault.auth_mount = get_str(c, m, "path", p, 0);
			st->vault.role_id = get_str(c, m, "roleId", p, 0);
			parse_secret_ref(c, m, "roleRef", p, &st->vault.role_ref, 1, NULL);
			if (!st->vault.role_id && !st->vault.role_ref.name)
				problem(c, m, CK_EINVAL, "%s: needs roleId or roleRef", p);
			if (!parse_secret_ref(c, m, "secretRef", p, &st->vault.secret, 1, NULL))
				problem(c, m, CK_EINVAL, "%s.secretRef: required", p);
		}
		if ((m = get_map(c, auth, "kubernetes", A, 0)) != NULL) {
			static const char *const k2[] = { "mountPath", "role", "serviceAccountRef",
				                          "secretRef", NULL };
			const struct ck_doc_node *sa;

			count++;
			snprintf(p, sizeof(p), "%s.kubernetes", A);
			check_fields(c, m, p, k2, NULL);
			st->vault.auth = CK_EXT_VAULT_AUTH_KUBERNETES;
			st->vault.auth_mount = get_str(c, m, "mountPath", p, 0);
			st->vault.role = get_str(c, m, "role", p, 1);
			if ((sa = get_map(c, m, "serviceAccountRef", p, 0)) != NULL) {
				static const char *const k3[] = { "name", "namespace", "audiences", NULL };
				char p2[160];

				snprintf(p2, sizeof(p2), "%s.serviceAccountRef", p);
				check_fields(c, sa, p2, k3, NULL);
				st->vault.sa_name = get_str(c, sa, "name", p2, 1);
			}
			parse_secret_ref(c, m, "secretRef", p, &st->vault.secret, 0, "token");
		}
		if ((m = get_map(c, auth, "jwt", A, 0)) != NULL) {
			static const char *const k2[] = { "path", "role", "secretRef",
				                          "kubernetesServiceAccountToken", NULL };
			const struct ck_doc_node *kt;

			count++;
			snprintf(p, sizeof(p), "%s.jwt", A);
			check_fields(c, m, p, k2, NULL);
			st->vault.auth = CK_EXT_VAULT_AUTH_JWT;
			st->vault.auth_mount = get_str(c, m, "path", p, 0);
			st->vault.role = get_str(c, m, "role", p, 0);
			parse_secret_ref(c, m, "secretRef", p, &st->vault.secret, 1, NULL);
			if ((kt = get_map(c, m, "kubernetesServiceAccountToken", p, 0)) != NULL) {
				static const char *const k3[] = { "serviceAccountRef", "audiences",
					                          "expirationSeconds", NULL };
				const struct ck_doc_node *sa;
				char p2[160];

				snprintf(p2, sizeof(p2), "%s.kubernetesServiceAccountToken", p);
				check_fields(c, kt, p2, k3, NULL);
				if ((sa = get_map(c, kt, "serviceAccountRef", p2, 1)) != NULL) {
					static const char *const k4[] = { "name", "namespace", "audiences", NULL };
					char p3[200];

					snprintf(p3, sizeof(p3), "%s.serviceAccountRef", p2);
					check_fields(c, sa, p3, k4, NULL);
					st->vault.sa_name = get_str(c, sa, "name", p3, 1);
				}
			}
			if (!st->vault.secret.name && !st->vault.sa_name)
				problem(c, m, CK_EINVAL,
				        "%s: needs secretRef or kubernetesServiceAccountToken", p);
		}
		{
			const char *which[2] = { "ldap", "userPass" };
			int w;

			for (w = 0; w < 2; w++) {
				static const char *const k2[] = { "path", "username", "secretRef", NULL };

				if ((m = get_map(c, auth, which[w], A, 0)) == NULL)
					continue;
				count++;
				snprintf(p, sizeof(p), "%s.%s", A, which[w]);
				check_fields(c, m, p, k2, NULL);
				st->vault.auth = w == 0 ? CK_EXT_VAULT_AUTH_LDAP : CK_EXT_VAULT_AUTH_USERPASS;
				st->vault.auth_mount = get_str(c, m, "path", p, 0);
				st->vault.username = get_str(c, m, "username", p, 1);
				if (!parse_secret_ref(c, m, "secretRef", p, &st->vault.secret, 1, NULL))
					problem(c, m, CK_EINVAL, "%s.secretRef: required", p);
			}
		}
		if ((m = get_map(c, auth, "cert", A, 0)) != NULL) {
			static const char *const k2[] = { "path", "vaultRole", "clientCert", "secretRef",
				                          NULL };

			count++;
			snprintf(p, sizeof(p), "%s.cert", A);
			check_fields(c, m, p, k2, NULL);
			st->vault.auth = CK_EXT_VAULT_AUTH_CERT;
			st->vault.auth_mount = get_str(c, m, "path", p, 0);
			st->vault.role = get_str(c, m, "vaultRole", p, 0);
			parse_secret_ref(c, m, "clientCert", p, &st->vault.client_cert, 0, "tls.crt");
			parse_secret_ref(c, m, "secretRef", p, &st->vault.secret, 0, "tls.key");
		}
		if (count > 1)
			problem(c, auth, CK_EINVAL, "%s: exactly one auth method", A);
		if (count == 0 && !ck_doc_map_get(auth, "iam") && !ck_doc_map_get(auth, "gcp"))
			problem(c, auth, CK_EINVAL, "%s: no auth method", A);
	}
	return CK_OK;
}

static int parse_aws(struct pctx *c, const struct ck_doc_node *v, struct ck_ext_store *st)
{
	static const char *const known[] = { "service", "region", "role", "auth", "externalID",
		                             "prefix", "secretsManager", NULL };
	static const char *const unsup[] = { "additionalRoles", "sessionTags", "transitiveTagKeys",
		                             NULL };
	static const char *const services[] = { "SecretsManager", NULL };
	static const char *const P = "spec.provider.aws";
	const struct ck_doc_node *auth, *m;
	static const char *const un_svc[] = { "ParameterStore", NULL };
	int s = 0;

	check_fields(c, v, P, known, unsup);
	if (get_str(c, v, "service", P, 1) != NULL)
		(void)get_enum(c, v, "service", P, services, un_svc, &s);
	st->aws.region = get_str(c, v, "region", P, 0);
	st->aws.role = get_str(c, v, "role", P, 0);
	st->aws.external_id = get_str(c, v, "externalID", P, 0);
	st->aws.prefix = get_str(c, v, "prefix", P, 0);
	if ((auth = get_map(c, v, "auth", P, 0)) != NULL) {
		static const char *const k2[] = { "secretRef", "jwt", NULL };
		char p[128];

		snprintf(p, sizeof(p), "%s.auth", P);
		check_fields(c, auth, p, k2, NULL);
		if ((m = get_map(c, auth, "secretRef", p, 0)) != NULL) {
			static const char *const k3[] = { "accessKeyIDSecretRef",
				                          "secretAccessKeySecretRef",
				                          "sessionTokenSecretRef", NULL };
			char p2[160];

			snprintf(p2, sizeof(p2), "%s.secretRef", p);
			check_fields(c, m, p2, k3, NULL);
			if (!parse_secret_ref(c, m, "accessKeyIDSecretRef", p2, &st->aws.akid, 1, NULL))
				problem(c, m, CK_EINVAL, "%s.accessKeyIDSecretRef: required", p2);
			if (!parse_secret_ref(c, m, "secretAccessKeySecretRef", p2, &st->aws.secret_key, 1,
			                      NULL))
				problem(c, m, CK_EINVAL, "%s.secretAccessKeySecretRef: required", p2);
			parse_secret_ref(c, m, "sessionTokenSecretRef", p2, &st->aws.session_token, 1,
			                 NULL);
		}
		if (get_map(c, auth, "jwt", p, 0) != NULL)
			st->aws.jwt = 1;
	}
	return CK_OK;
}

static int parse_store(struct pctx *c, const struct ck_doc_node *root, struct ck_ext_store *st)
{
	static const char *const known[] = { "controller", "provider", "retrySettings",
		                             "refreshInterval", "conditions", NULL };
	const struct ck_doc_node *spec, *prov, *m;
	size_t i, n;
	int rc;

	if ((spec = get_map(c, root, "spec", "", 1)) == NULL)
		return CK_OK;
	check_fields(c, spec, "spec", known, NULL);
	st->controller = get_str(c, spec, "controller", "spec", 0);
	if ((m = get_map(c, spec, "retrySettings", "spec", 0)) != NULL) {
		static const char *const k2[] = { "maxRetries", "retryInterval", NULL };
		const struct ck_doc_node *mr = R(ck_doc_map_get(m, "maxRetries"));
		const char *iv = get_str(c, m, "retryInterval", "spec.retrySettings", 0);
		int64_t v = 0;

		check_fields(c, m, "spec.retrySettings", k2, NULL);
		st->have_retry = 1;
		st->retry_max = 0; /* ESO: the block without maxRetries means none */
		if (mr && (mr->kind != CK_DOC_SCALAR || ck_doc_scalar_int(mr, &v) < 0 || v < 0 ||
		           v > 100)) {
			ck_err_clear();
			problem(c, mr, CK_EINVAL, "spec.retrySettings.maxRetries: must be an integer 0-100");
		} else if (mr) {
			st->retry_max = (int)v;
		}
		st->retry_interval_ms = -1;
		if (iv) {
			if (!valid_duration(iv) || (st->retry_interval_ms = duration_ms(iv)) < 0)
				problem(c, m, CK_EINVAL, "spec.retrySettings.retryInterval: \"%s\" is not a duration",
				        iv);
		}
	}
	if ((m = get_seq(c, spec, "conditions", "spec")) != NULL) {
		if (!st->cluster)
			problem(c, m, CK_EINVAL, "spec.conditions: only for a ClusterSecretStore");
		st->conditions = 1;
		for (i = 0; i < m->nkids; i++) {
			static const char *const k2[] = { "namespaces", "namespaceRegexes", NULL };
			static const char *const u2[] = { "namespaceSelector", NULL };
			const struct ck_doc_node *it = R(m->kids[i]), *l;
			char p[64];
			int which;

			snprintf(p, sizeof(p), "spec.conditions[%zu]", i);
			if (it == NULL || it->kind != CK_DOC_MAP) {
				problem(c, it, CK_EINVAL, "%s: must be a map", p);
				continue;
			}
			check_fields(c, it, p, k2, u2);
			for (which = 0; which < 2; which++) {
				const char ***arr = which ? &st->cond_regexes : &st->cond_namespaces;
				size_t *cnt = which ? &st->ncond_regexes : &st->ncond_namespaces;
				size_t j;

				if ((l = get_seq(c, it, which ? "namespaceRegexes" : "namespaces", p)) == NULL)
					continue;
				{
					const char **na = aalloc(c, (*cnt + l->nkids + 1) * sizeof(char *));

					if (na == NULL)
						return ck_err_last()->code;
					if (*cnt)
						memcpy(na, *arr, *cnt * sizeof(char *));
					*arr = na;
				}
				for (j = 0; j < l->nkids; j++) {
					const struct ck_doc_node *e = R(l->kids[j]);

					if (e && e->kind == CK_DOC_SCALAR)
						(*arr)[(*cnt)++] = e->text;
				}
			}
		}
	}
	if ((prov = get_map(c, spec, "provider", "spec", 1)) == NULL)
		return CK_OK;
	n = ck_doc_map_len(prov);
	for (i = 0; i < n; i++) {
		const struct ck_doc_node *k = R(ck_doc_map_key(prov, i));
		const char *key = k && k->kind == CK_DOC_SCALAR ? k->text : "?";
		const struct ck_doc_node *val = R(ck_doc_map_value(prov, i));

		if (st->provider != CK_EXT_PROV_NONE) {
			problem(c, k, CK_EINVAL, "spec.provider: exactly one provider");
			break;
		}
		if (strcmp(key, "vault") == 0 && val && val->kind == CK_DOC_MAP) {
			st->provider = CK_EXT_PROV_VAULT;
			st->vault.version = 2;
			if ((rc = parse_vault(c, val, st)) < 0)
				return rc;
		} else if (strcmp(key, "aws") == 0 && val && val->kind == CK_DOC_MAP) {
			st->provider = CK_EXT_PROV_AWS;
			if ((rc = parse_aws(c, val, st)) < 0)
				return rc;
		} else if (in_list(key, OTHER_PROVIDERS)) {
			problem(c, k, CK_EUNSUPPORTED,
			        "spec.provider.%s: not supported by cloak (supported: vault, aws)", key);
			return CK_OK;
		} else {
			problem(c, k, CK_EINVAL, "spec.provider: unknown provider \"%s\"", key);
			return CK_OK;
		}
	}
	if (n == 0)
		problem(c, prov, CK_EINVAL, "spec.provider: needs a provider (vault or aws)");
	return CK_OK;
}

/* ------------------------------------------------------ Secret, ConfigMap */

static int parse_object(struct pctx *c, const struct ck_doc_node *root, struct ck_ext_object *o)
{
	const struct ck_doc_node *m;
	size_t i;
	int rc, pass;

	if ((o->data = ck_ext_map_new()) == NULL)
		return ck_err_last()->code;
	/* Secret: data (base64) then stringData (wins); ConfigMap: binaryData then data */
	for (pass = 0; pass < 2; pass++) {
		const char *key = o->secret ? (pass == 0 ? "data" : "stringData")
		                            : (pass == 0 ? "binaryData" : "data");
		int b64 = pass == 0; /* Secret data and ConfigMap binaryData are base64 */

		if ((m = get_map(c, root, key, "", 0)) == NULL)
			continue;
		for (i = 0; i < ck_doc_map_len(m); i++) {
			const struct ck_doc_node *k = R(ck_doc_map_key(m, i)), *v = R(ck_doc_map_value(m, i));

			if (!k || k->kind != CK_DOC_SCALAR || !v || v->kind != CK_DOC_SCALAR) {
				problem(c, k, CK_EINVAL, "%s: values must be strings", key);
				continue;
			}
			if (b64) {
				struct ck_buf dec;
				size_t bad;

				ck_buf_init_secure(&dec, CK_BUF_MAX);
				rc = ck_ext__go_b64decode(&dec, v->text, v->len, 0, &bad);
				if (rc == CK_EINVAL)
					problem(c, v, CK_EINVAL, "%s.%s: not base64 (illegal data at byte %zu)", key,
					        k->text, bad);
				else if (rc >= 0)
					rc = ck_ext_map_set(o->data, k->text, k->len, ck_buf_data(&dec),
					                    ck_buf_len(&dec));
				ck_buf_dispose(&dec);
				if (rc < 0 && rc != CK_EINVAL)
					return rc;
			} else if ((rc = ck_ext_map_set(o->data, k->text, k->len, v->text, v->len)) < 0) {
				return rc;
			}
		}
	}
	return CK_OK;
}

/* -------------------------------------------------------------- the set */

int ck_ext_set_new(struct ck_ext_set **out)
{
	struct ck_ext_set *s = ck_calloc(1, sizeof(*s));

	if (s == NULL || (s->priv = ck_calloc(1, sizeof(*s->priv))) == NULL) {
		ck_free(s);
		return ck_err_set(CK_ENOMEM, "external: out of memory");
	}
	ck_ext__arena_init(&s->priv->a, 0, 0);
	*out = s;
	return CK_OK;
}

void ck_ext_set_free(struct ck_ext_set *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nproblems; i++)
		ck_free(s->problems[i].msg);
	ck_free(s->problems);
	for (i = 0; i < s->nobjects; i++)
		ck_ext_map_free(s->objects[i]->data);
	ck_free(s->es);
	ck_free(s->stores);
	ck_free(s->objects);
	if (s->priv) {
		for (i = 0; i < s->priv->ndocs; i++)
			ck_doc_free(s->priv->docs[i]);
		ck_free(s->priv->docs);
		for (i = 0; i < s->priv->nfiles; i++)
			ck_free(s->priv->files[i]);
		ck_free(s->priv->files);
		ck_ext__arena_dispose(&s->priv->a);
		ck_free(s->priv);
	}
	ck_free(s);
}

static int push_ptr(void ***arr, size_t *n, void *p)
{
	if (*n % 16 == 0) {
		void **na = ck_calloc(*n + 16, sizeof(void *));

		if (na == NULL)
			return ck_err_set(CK_ENOMEM, "external: out of memory");
		if (*n)
			memcpy(na, *arr, *n * sizeof(void *));
		ck_free(*arr);
		*arr = na;
	}
	(*arr)[(*n)++] = p;
	return CK_OK;
}

static int parse_metadata(struct pctx *c, const struct ck_doc_node *root, const char **name,
                          const char **ns, const struct ck_doc_node **meta)
{
	*meta = get_map(c, root, "metadata", "", 1);
	*name = NULL;
	*ns = NULL;
	if (*meta == NULL)
		return CK_OK;
	*name = get_str(c, *meta, "name", "metadata", 1);
	*ns = get_str(c, *meta, "namespace", "metadata", 0);
	return CK_OK;
}

static int add_document(struct ck_ext_set *s, const char *file, const struct ck_doc_node *root)
{
	struct pctx c = { s, file, NULL, 1 };
	const char *api, *kind;
	const struct ck_doc_node *meta;
	int rc;

	if (root == NULL || root->kind != CK_DOC_MAP)
		return CK_OK; /* empty documents between --- */
	api = ck_doc_map_get_str(root, "apiVersion");
	kind = ck_doc_map_get_str(root, "kind");
	if (api == NULL || kind == NULL) {
		s->nignored++;
		return CK_OK;
	}
	if (strncmp(api, "external-secrets.io/", 20) == 0) {
		const char *ver = api + 20;
		int known_ver = strcmp(ver, "v1") == 0 || strcmp(ver, "v1beta1") == 0;

		c.v1 = strcmp(ver, "v1") == 0;
		if (strcmp(kind, "ExternalSecret") == 0) {
			struct ck_ext_es *es = aalloc(&c, sizeof(*es));

			if (es == NULL)
				return ck_err_last()->code;
			es->file = file;
			es->line = root->line;
			es->v1beta1 = !c.v1;
			c.problems = &es->problems;
			if (!known_ver) {
				problem(&c, root, CK_EUNSUPPORTED,
				        "apiVersion: %s ExternalSecret is not supported (use external-secrets.io/v1)",
				        api);
				return push_ptr((void ***)&s->es, &s->nes, es);
			}
			if ((rc = parse_metadata(&c, root, &es->name, &es->ns, &meta)) < 0)
				return rc;
			if (meta) {
				es->uid = ck_doc_map_get_str(meta, "uid");
				if ((rc = get_kv(&c, meta, "labels", "metadata", &es->labels, &es->nlabels)) < 0 ||
				    (rc = get_kv(&c, meta, "annotations", "metadata", &es->annotations,
				                 &es->nannotations)) < 0)
					return rc;
			}
			if ((rc = parse_es(&c, root, meta, es)) < 0)
				return rc;
			return push_ptr((void ***)&s->es, &s->nes, es);
		}
		if (strcmp(kind, "SecretStore") == 0 || strcmp(kind, "ClusterSecretStore") == 0) {
			struct ck_ext_store *st = aalloc(&c, sizeof(*st));

			if (st == NULL)
				return ck_err_last()->code;
			st->file = file;
			st->line = root->line;
			st->cluster = kind[0] == 'C';
			c.problems = &st->problems;
			if (!known_ver) {
				problem(&c, root, CK_EUNSUPPORTED, "apiVersion: %s %s is not supported", api,
				        kind);
				return push_ptr((void ***)&s->stores, &s->nstores, st);
			}
			if ((rc = parse_metadata(&c, root, &st->name, &st->ns, &meta)) < 0)
				return rc;
			if (st->cluster && st->ns)
				st->ns = NULL; /* cluster-scoped */
			if ((rc = parse_store(&c, root, st)) < 0)
				return rc;
			return push_ptr((void ***)&s->stores, &s->nstores, st);
		}
		return problem(&c, root, CK_EUNSUPPORTED, "kind: %s is not supported by cloak", kind);
	}
	if (strcmp(api, "v1") == 0 && (strcmp(kind, "Secret") == 0 || strcmp(kind, "ConfigMap") == 0)) {
		struct ck_ext_object *o = aalloc(&c, sizeof(*o));

		if (o == NULL)
			return ck_err_last()->code;
		o->secret = kind[0] == 'S';
		o->file = file;
		if ((rc = parse_metadata(&c, root, &o->name, &o->ns, &meta)) < 0 ||
		    (rc = parse_object(&c, root, o)) < 0) {
			ck_ext_map_free(o->data);
			return rc;
		}
		if ((rc = push_ptr((void ***)&s->objects, &s->nobjects, o)) < 0)
			ck_ext_map_free(o->data);
		return rc;
	}
	s->nignored++;
	return CK_OK;
}

/*
 * Could the text hold a Secret (or anything not known to be an ES / store)?
 * Errs on the side of secret memory: only texts whose every "kind" is an
 * ESO kind are read into ordinary memory.
 */
static int holds_secret(const char *text, size_t n)
{
	size_t i = 0;
	int kinds = 0;

	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i), *p = text + i;
		size_t len = nl ? (size_t)(nl - p) : n - i;

		while (len && (*p == ' ' || *p == '\t' || *p == '"' || *p == '{')) {
			p++;
			len--;
		}
		if ((len >= 5 && memcmp(p, "kind:", 5) == 0) || (len >= 6 && memcmp(p, "kind\":", 6) == 0)) {
			const char *v = (const char *)memchr(p, ':', len) + 1;
			size_t vl = len - (size_t)(v - p);

			while (vl && (*v == ' ' || *v == '"')) {
				v++;
				vl--;
			}
			kinds++;
			if (!((vl >= 14 && memcmp(v, "ExternalSecret", 14) == 0) ||
			      (vl >= 11 && memcmp(v, "SecretStore", 11) == 0) ||
			      (vl >= 18 && memcmp(v, "ClusterSecretStore", 18) == 0)))
				return 1;
		}
		i += len + (size_t)(p - (text + i)) + (nl != NULL);
		if (nl == NULL)
			break;
	}
	return kinds == 0;
}

int ck_ext_set_add(struct ck_ext_set *s, const char *file, const char *text, size_t n)
{
	struct ck_buf clean;
	struct ck_doc *d = NULL;
	char *fname = NULL;
	size_t i = 0, k;
	int rc = CK_EINTERNAL, secret;

	/* files with Secrets (credentials) are read into secret memory */
	secret = holds_secret(text, n);
	if (secret)
		ck_buf_init_secure(&clean, MAX_MANIFEST);
	else
		ck_buf_init(&clean, MAX_MANIFEST);
	/* drop mkdocs "{% raw %}" / "{% endraw %}" marker lines */
	while (i < n) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (text + i)) : n - i;
		size_t tl = len;

		while (tl > 0 && (text[i + tl - 1] == '\r' || text[i + tl - 1] == ' '))
			tl--;
		if (!((tl == 10 && memcmp(text + i, "{% raw %}", 9) == 0) ||
		      (tl == 9 && memcmp(text + i, "{% raw %}", 9) == 0) ||
		      (tl == 12 && memcmp(text + i, "{% endraw %}", 12) == 0))) {
			if ((rc = ck_buf_put(&clean, text + i, len + (nl != NULL))) < 0)
				goto out;
		} else if ((rc = ck_buf_putc(&clean, '\n')) < 0) {
			goto out; /* keep line numbers */
		}
		i += len + (nl != NULL);
	}
	if ((fname = ck_strdup(file)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	if ((rc = push_ptr((void ***)&s->priv->files, &s->priv->nfiles, fname)) < 0) {
		ck_free(fname);
		goto out;
	}
	rc = ck_doc_parse_yaml(&d, ck_buf_cstr(&clean), ck_buf_len(&clean),
	                       (secret ? CK_DOC_SECURE : 0) | CK_DOC_NO_COMMENTS);
	if (rc < 0) {
		ck_err_context("%s", file);
		goto out;
	}
	if ((rc = push_ptr((void ***)&s->priv->docs, &s->priv->ndocs, d)) < 0) {
		ck_doc_free(d);
		goto out;
	}
	for (k = 0; k < d->ndocs; k++)
		if ((rc = add_document(s, fname, d->docs[k] ? R(d->docs[k]) : NULL)) < 0)
			goto out;
	rc = CK_OK;
out:
	ck_buf_dispose(&clean);
	return rc;
}

/* ------------------------------------------------------- cross checks */

const struct ck_ext_store *ck_ext_set_find_store(const struct ck_ext_set *s,
                                                 const struct ck_ext_es *es,
                                                 const struct ck_ext_store_ref *ref)
{
	const struct ck_ext_store_ref *r = ref && ref->name ? ref : &es->store;
	size_t i;

	if (r->name == NULL)
		return NULL;
	for (i = 0; i < s->nstores; i++) {
		const struct ck_ext_store *st = s->stores[i];

		if (st->name == NULL || st->cluster != r->cluster || strcmp(st->name, r->name) != 0)
			continue;
		/* a namespaced store lives in the ES's namespace (unset matches unset) */
		if (!st->cluster && st->ns && es->ns && strcmp(st->ns, es->ns) != 0)
			continue;
		return st;
	}
	return NULL;
}

static int ns_admitted(const struct ck_ext_store *st, const char *ns)
{
	size_t i;

	if (!st->conditions)
		return 1;
	if (ns == NULL)
		return 1; /* unknown namespace: cannot tell offline */
	for (i = 0; i < st->ncond_namespaces; i++)
		if (strcmp(st->cond_namespaces[i], ns) == 0)
			return 1;
	for (i = 0; i < st->ncond_regexes; i++) {
		struct ck_ext_regex *re = NULL;
		int m = 0;

		if (ck_ext_regex_compile(&re, st->cond_regexes[i], strlen(st->cond_regexes[i])) == CK_OK)
			m = ck_ext_regex_match(re, ns, strlen(ns), 0, NULL, 0) > 0;
		ck_err_clear();
		ck_ext_regex_free(re);
		if (m)
			return 1;
	}
	return 0;
}

static void check_entry_store(struct pctx *c, const struct ck_ext_es *es,
                              const struct ck_ext_store_ref *ref, const char *path,
                              const struct ck_ext_ref *r, const struct ck_ext_find *f,
                              int *reported_missing)
{
	const struct ck_ext_store *st;
	const struct ck_ext_store_ref *eff = ref->name ? ref : &es->store;

	if (c->s->nstores == 0 || eff->name == NULL)
		return;
	st = ck_ext_set_find_store(c->s, es, ref);
	if (st == NULL) {
		/* one line per missing store, not per entry */
		if (!*reported_missing)
			problem(c, NULL, CK_ENOTFOUND, "%s: %s \"%s\" not found among the given stores",
			        path, eff->cluster ? "ClusterSecretStore" : "SecretStore", eff->name);
		*reported_missing = 1;
		return;
	}
	if (st->cluster && !ns_admitted(st, es->ns))
		problem(c, NULL, CK_EDENIED,
		        "%s: using cluster store \"%s\" is not allowed from namespace \"%s\": denied by spec.condition",
		        path, st->name, es->ns);
	if (st->provider == CK_EXT_PROV_VAULT && st->vault.version == 1) {
		if (r && r->metadata == CK_EXT_META_FETCH)
			problem(c, NULL, CK_EINVAL,
			        "%s: metadataPolicy Fetch needs a KV v2 store (\"%s\" is v1)", path,
			        st->name);
		if (f && f->ntags)
			problem(c, NULL, CK_EINVAL, "%s: find by tags needs a KV v2 store (\"%s\" is v1)",
			        path, st->name);
	}
	if (st->provider == CK_EXT_PROV_AWS) {
		if (r && r->metadata == CK_EXT_META_FETCH)
			problem(c, NULL, CK_EUNSUPPORTED,
			        "%s: metadataPolicy Fetch (DescribeSecret tags) is not supported by cloak for AWS",
			        path);
		if (f)
			problem(c, NULL, CK_EUNSUPPORTED,
			        "%s: find (ListSecrets) is not supported by cloak for AWS Secrets Manager", path);
	}
}

int ck_ext_set_check(struct ck_ext_set *s)
{
	size_t i, k;

	for (i = 0; i < s->nes; i++) {
		struct ck_ext_es *es = s->es[i];
		struct pctx c = { s, es->file, &es->problems, !es->v1beta1 };
		int missing = 0;

		for (k = 0; k < es->ndata; k++) {
			char p[64];

			snprintf(p, sizeof(p), "spec.data[%zu]", k);
			check_entry_store(&c, es, &es->data[k].store, p, &es->data[k].ref, NULL, &missing);
		}
		for (k = 0; k < es->ndata_from; k++) {
			const struct ck_ext_data_from *df = &es->data_from[k];
			char p[64];

			snprintf(p, sizeof(p), "spec.dataFrom[%zu]", k);
			check_entry_store(&c, es, &df->store, p, df->is_find ? NULL : &df->extract,
			                  df->is_find ? &df->find : NULL, &missing);
		}
	}
	return CK_OK;
}
