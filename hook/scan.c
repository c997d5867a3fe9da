/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scanner: one snapshot's .cloak.yaml and caches (.sops.yaml and
 * kustomizations by directory), and the per-file pipeline: classify, run the
 * structural checks the class calls for, run the pattern rules on the added
 * lines, then drop what .cloak.yaml or an inline `cloak:allow RULE` allows.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/sops_config.h"
#include "hook_int.h"

int ck_hook__src_read(struct ck_hook_scanner *s, const char *path, struct ck_buf *out)
{
	if (s->src == NULL || s->src->read == NULL)
		return CK_ENOTFOUND;
	return s->src->read(s->src->ctx, path, out, s->max_size);
}

int ck_hook_scanner_new(struct ck_hook_scanner **out, const struct ck_hook_src *src,
                        unsigned flags)
{
	struct ck_hook_scanner *s = ck_calloc(1, sizeof(*s));
	struct ck_buf text;
	int rc;

	*out = NULL;
	if (s == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	s->src = src;
	s->flags = flags;
	s->max_size = CK_HOOK_MAX_FILE;
	ck_hook__strmap_init(&s->sops);
	ck_hook__strmap_init(&s->sops_own);
	ck_hook__strmap_init(&s->kust);
	ck_buf_init(&text, 0);
	rc = ck_hook__src_read(s, ".cloak.yaml", &text);
	if (rc == CK_OK) {
		rc = ck_hook_config_parse(&s->cfg, (const char *)ck_buf_data(&text), ck_buf_len(&text),
		                          ".cloak.yaml");
		if (rc == CK_EINVAL) {
			const char *m = ck_err_last()->msg;

			/* "SOURCE:LINE: what": keep both for the finding */
			s->cfg_error_line = ck_hook__err_line_colon(m);
			if ((s->cfg_error = ck_strdup(m)) == NULL)
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			else
				rc = CK_OK;
		}
	} else if (rc == CK_ENOTFOUND) {
		rc = CK_OK;
	} else if (rc == CK_ETOOBIG) {
		if ((s->cfg_error = ck_strdup(".cloak.yaml: file too big")) == NULL)
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		else
			rc = CK_OK;
	}
	ck_buf_dispose(&text);
	if (rc < 0) {
		ck_hook_scanner_free(s);
		return rc;
	}
	s->max_size = ck_hook_config_max_size(s->cfg);
	ck_err_clear();
	*out = s;
	return CK_OK;
}

void ck_hook_scanner_free(struct ck_hook_scanner *s)
{
	if (s == NULL)
		return;
	ck_hook_config_free(s->cfg);
	ck_free(s->cfg_error);
	ck_hook__strmap_dispose(&s->sops, NULL);
	ck_hook__strmap_dispose(&s->sops_own, ck_hook__sopscfg_free);
	ck_hook__strmap_dispose(&s->kust, ck_hook__kust_free);
	ck_secret_free(s->tkey);
	ck_hook__selmemo_free(s->selmemo);
	ck_free(s);
}

const struct ck_hook_config *ck_hook_scanner_config(const struct ck_hook_scanner *s)
{
	return s->cfg;
}

/* A `cloak:allow RULE[,RULE...]` marker on this text naming rule. */
static int marker_allows(const char *t, size_t n, enum ck_hook_rule rule)
{
	static const char mk[] = "cloak:allow";
	const char *id = ck_hook_rule_info(rule)->id;
	size_t idl = strlen(id);
	const char *p = t, *e = t + n;

	while (p < e && (p = memmem(p, (size_t)(e - p), mk, sizeof(mk) - 1)) != NULL) {
		p += sizeof(mk) - 1;
		for (;;) {
			const char *w;

			while (p < e && (*p == ' ' || *p == '\t' || *p == ','))
				p++;
			w = p;
			while (p < e && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				p++;
			if (p == w)
				break;
			if ((size_t)(p - w) == idl && memcmp(w, id, idl) == 0)
				return 1;
			if (p >= e || *p != ',')
				break;
		}
	}
	return 0;
}

static void finding_free(struct ck_hook_finding *f)
{
	ck_free(f->path);
	ck_free(f->message);
	ck_free(f->fix);
	ck_free(f->fingerprint);
	memset(f, 0, sizeof(*f));
}

/* Drop the findings [from, r->n) that .cloak.yaml or a marker allows. */
static int filter(struct ck_hook_scanner *s, struct ck_hook_report *r, size_t from,
                  const char *data, size_t n)
{
	struct ck_hook_lineidx li;
	int have_li = 0, rc = CK_OK;
	size_t i, w = from;

	for (i = from; i < r->n; i++) {
		struct ck_hook_finding *f = &r->v[i];
		int allowed = f->rule != CK_HOOK_CONFIG &&
		              ck_hook_config_allows(s->cfg, f->rule, f->path, f->fingerprint);

		if (!allowed && f->line > 0) {
			const char *t;
			size_t tl;

			if (!have_li) {
				if ((rc = ck_hook__lineidx_build(&li, data, n)) < 0)
					break;
				have_li = 1;
			}
			t = ck_hook__lineidx_text(&li, f->line, &tl);
			allowed = marker_allows(t, tl, f->rule);
			if (!allowed && f->line > 1) {
				t = ck_hook__lineidx_text(&li, f->line - 1, &tl);
				allowed = marker_allows(t, tl, f->rule);
			}
		}
		if (allowed) {
			r->allowed++;
			finding_free(f);
			continue;
		}
		if (w != i) {
			r->v[w] = *f;
			memset(f, 0, sizeof(*f));
		}
		w++;
	}
	if (rc == CK_OK)
		r->n = w;
	if (have_li)
		ck_hook__lineidx_dispose(&li);
	return rc;
}

static int check_sops_config_file(struct ck_hook__file *f)
{
	struct ck_sops_config *c = NULL;
	int rc;

	rc = ck_sops_config_parse(&c, f->data, f->n, "/");
	ck_sops_config_free(c);
	if (rc == CK_ENOMEM)
		return rc;
	if (rc < 0) {
		const char *m = ck_err_last()->msg;

		return ck_hook_report_add(f->r, CK_HOOK_CONFIG, f->path, ck_hook__err_line(m), "sops", 4,
		                          "fix the file; sops and cloak refuse to encrypt with it",
		                          "%s cannot be read: %s", f->path, m);
	}
	return CK_OK;
}

static int check_cloak_config_file(struct ck_hook__file *f)
{
	struct ck_hook_config *c = NULL;
	int rc = ck_hook_config_parse(&c, f->data, f->n, f->path);

	ck_hook_config_free(c);
	if (rc == CK_ENOMEM)
		return rc;
	if (rc < 0) {
		const char *m = ck_err_last()->msg;

		return ck_hook_report_add(f->r, CK_HOOK_CONFIG, f->path, ck_hook__err_line_colon(m),
		                          "cloak", 5, "fix the file (see 'cloak help hook')",
		                          "invalid allowlist: %s", m);
	}
	return CK_OK;
}

int ck_hook_scan_blob(struct ck_hook_scanner *s, struct ck_hook_report *r, const char *path,
                      const void *data, size_t n, const struct ck_hook_lines *added)
{
	struct ck_hook__file f;
	size_t from = r->n;
	int rc = CK_OK;

	memset(&f, 0, sizeof(f));
	if (s->cfg_error != NULL && !s->cfg_reported) {
		s->cfg_reported = 1;
		if ((rc = ck_hook_report_add(r, CK_HOOK_CONFIG, ".cloak.yaml", s->cfg_error_line, "cloak",
		                             5, "fix the file (see 'cloak help hook')",
		                             "invalid allowlist, nothing is allowed until it is fixed: %s",
		                             s->cfg_error)) < 0)
			return rc;
		from = r->n;
	}
	if (ck_hook_config_skips(s->cfg, path)) {
		r->skipped++;
		return CK_OK;
	}
	f.s = s;
	f.r = r;
	f.path = path;
	f.data = data;
	f.n = n;
	ck_hook_classify(&f.cls, path, data, n, s->max_size);
	switch (f.cls.kind) {
	case CK_HOOK_K_TOO_BIG:
		r->skipped++;
		return CK_OK;
	case CK_HOOK_K_BINARY:
		/* binary blobs: only "must this be a SOPS file?" applies */
		r->skipped++;
		if ((rc = ck_hook__check_sops(&f)) == CK_OK && (s->flags & CK_HOOK_STAGED))
			rc = ck_hook__check_kustomize_refs(&f);
		goto done;
	case CK_HOOK_K_SOPS_CONFIG:
		rc = check_sops_config_file(&f);
		break;
	case CK_HOOK_K_CLOAK_CONFIG:
		rc = check_cloak_config_file(&f);
		break;
	case CK_HOOK_K_YAML:
	case CK_HOOK_K_JSON:
	case CK_HOOK_K_KUSTOMIZATION:
		/* parse only what the byte scan says could be a Secret, a SealedSecret,
		 * a SOPS file or a secretGenerator */
		if (f.cls.flags & (CK_HOOK_C_SECRET | CK_HOOK_C_SOPS | CK_HOOK_C_SECRETGEN))
			rc = ck_hook__check_manifests(&f);
		break;
	default:
		break;
	}
	r->files++;
	r->bytes += n;
	if (rc == CK_OK && f.cls.kind != CK_HOOK_K_SOPS_CONFIG && f.cls.kind != CK_HOOK_K_CLOAK_CONFIG)
		rc = ck_hook__check_sops(&f);
	if (rc == CK_OK && (s->flags & CK_HOOK_STAGED))
		rc = ck_hook__check_kustomize_refs(&f);
	if (rc == CK_OK)
		rc = ck_hook__check_patterns(r, path, data, n, added, &f.cover);
done:
	if (rc == CK_OK)
		rc = filter(s, r, from, data, n);
	ck_hook__cover_dispose(&f.cover);
	return rc;
}
