/* SPDX-License-Identifier: Apache-2.0 */
/* Reports for people (grouped by file), as JSON, and as SARIF 2.1.0. */
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck/version.h"
#include "hook_int.h"

int ck_hook_format_parse(enum ck_hook_format *out, const char *s)
{
	if (strcmp(s, "text") == 0)
		*out = CK_HOOK_FMT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = CK_HOOK_FMT_JSON;
	else if (strcmp(s, "sarif") == 0)
		*out = CK_HOOK_FMT_SARIF;
	else
		return ck_err_set(CK_EUSAGE, "unknown format '%s' (text, json, sarif)", s);
	return CK_OK;
}

/* ---- text ---- */

#define C(flags, code) (((flags) & CK_HOOK_OUT_COLOR) ? (code) : "")
#define BOLD "\033[1m"
#define RED "\033[31m"
#define GREEN "\033[32m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static int text(struct ck_buf *o, const struct ck_hook_report *r, unsigned fl, const char *what)
{
	size_t i, files = 0;
	const char *prev = NULL;

	for (i = 0; i < r->n; i++) {
		const struct ck_hook_finding *f = &r->v[i];

		if (prev == NULL || strcmp(prev, f->path) != 0) {
			if (ck_buf_printf(o, "%s%s%s%s\n", prev ? "\n" : "", C(fl, BOLD), f->path, C(fl, RESET)) < 0)
				return CK_ENOMEM;
			prev = f->path;
			files++;
		}
		if ((f->line > 0 ? ck_buf_printf(o, "  %s:%lu: ", f->path, (unsigned long)f->line)
		                 : ck_buf_printf(o, "  %s: ", f->path)) < 0 ||
		    ck_buf_printf(o, "%s%s%s: %s\n", C(fl, RED BOLD), ck_hook_rule_info(f->rule)->id,
		                  C(fl, RESET), f->message) < 0 ||
		    (f->fix[0] && ck_buf_printf(o, "    %sfix:%s %s\n", C(fl, GREEN), C(fl, RESET), f->fix) < 0) ||
		    ck_buf_printf(o, "    %sfingerprint: %s%s\n", C(fl, DIM), f->fingerprint, C(fl, RESET)) < 0)
			return CK_ENOMEM;
	}
	if (r->n > 0 && ck_buf_putc(o, '\n') < 0)
		return CK_ENOMEM;
	if (r->n == 0) {
		if (ck_buf_printf(o, "cloak: no findings in %s (%zu file%s checked", what, r->files,
		                  r->files == 1 ? "" : "s") < 0)
			return CK_ENOMEM;
	} else if (ck_buf_printf(o, "cloak: %s%zu finding%s%s in %zu file%s of %s (%zu file%s checked",
	                         C(fl, RED BOLD), r->n, r->n == 1 ? "" : "s", C(fl, RESET), files,
	                         files == 1 ? "" : "s", what, r->files, r->files == 1 ? "" : "s") < 0) {
		return CK_ENOMEM;
	}
	if ((r->skipped && ck_buf_printf(o, ", %zu skipped", r->skipped) < 0) ||
	    (r->allowed && ck_buf_printf(o, ", %zu allowed", r->allowed) < 0) || ck_buf_puts(o, ")\n") < 0)
		return CK_ENOMEM;
	if (r->n > 0 && ck_buf_puts(o, "Allow a false positive with a `cloak:allow RULE` comment on its "
	                               "line or its fingerprint in .cloak.yaml.\n") < 0)
		return CK_ENOMEM;
	return CK_OK;
}

/* ---- JSON via the document tree ---- */

static struct ck_doc_node *str(struct ck_doc *d, const char *s)
{
	return ck_doc_scalar(d, s, strlen(s), CK_DOC_DQUOTED);
}

static struct ck_doc_node *num(struct ck_doc *d, size_t v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%zu", v);

	return ck_doc_scalar(d, b, (size_t)n, CK_DOC_PLAIN);
}

static int set(struct ck_doc *d, struct ck_doc_node *m, const char *k, struct ck_doc_node *v)
{
	struct ck_doc_node *key = str(d, k);

	if (v == NULL || key == NULL)
		return CK_ENOMEM;
	return ck_doc_map_append(d, m, key, v);
}

static int push(struct ck_doc *d, struct ck_doc_node *seq, struct ck_doc_node *v)
{
	if (v == NULL)
		return CK_ENOMEM;
	return ck_doc_seq_append(d, seq, v);
}

static int json(struct ck_doc *d, struct ck_doc_node **root, const struct ck_hook_report *r,
                const char *what)
{
	struct ck_doc_node *m = ck_doc_map(d), *arr = ck_doc_seq(d);
	size_t i;

	if (m == NULL || arr == NULL)
		return CK_ENOMEM;
	if (set(d, m, "tool", str(d, "cloak")) < 0 || set(d, m, "version", str(d, CK_VERSION)) < 0 ||
	    set(d, m, "scan", str(d, what)) < 0 || set(d, m, "files_checked", num(d, r->files)) < 0 ||
	    set(d, m, "files_skipped", num(d, r->skipped)) < 0 ||
	    set(d, m, "allowed", num(d, r->allowed)) < 0)
		return CK_ENOMEM;
	for (i = 0; i < r->n; i++) {
		const struct ck_hook_finding *f = &r->v[i];
		struct ck_doc_node *o = ck_doc_map(d);

		if (o == NULL || set(d, o, "rule", str(d, ck_hook_rule_info(f->rule)->id)) < 0 ||
		    set(d, o, "title", str(d, ck_hook_rule_info(f->rule)->title)) < 0 ||
		    set(d, o, "path", str(d, f->path)) < 0 || set(d, o, "line", num(d, f->line)) < 0 ||
		    set(d, o, "message", str(d, f->message)) < 0 || set(d, o, "fix", str(d, f->fix)) < 0 ||
		    set(d, o, "fingerprint", str(d, f->fingerprint)) < 0 || push(d, arr, o) < 0)
			return CK_ENOMEM;
	}
	if (set(d, m, "findings", arr) < 0)
		return CK_ENOMEM;
	*root = m;
	return CK_OK;
}

/* ---- SARIF 2.1.0 ---- */

/* A relative URI reference: RFC 3986 unreserved characters and '/' kept. */
static int uri(struct ck_buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	ck_buf_reset(b);
	for (p = (const unsigned char *)path; *p; p++) {
		int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		           (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~' ||
		           *p == '/';

		if (keep ? ck_buf_putc(b, *p) < 0
		         : (ck_buf_putc(b, '%') < 0 || ck_buf_putc(b, hex[*p >> 4]) < 0 ||
		            ck_buf_putc(b, hex[*p & 15]) < 0))
			return CK_ENOMEM;
	}
	return CK_OK;
}

static struct ck_doc_node *text_obj(struct ck_doc *d, const char *t)
{
	struct ck_doc_node *m = ck_doc_map(d);

	if (m == NULL || set(d, m, "text", str(d, t)) < 0)
		return NULL;
	return m;
}

static int sarif(struct ck_doc *d, struct ck_doc_node **root, const struct ck_hook_report *r)
{
	struct ck_doc_node *top = ck_doc_map(d), *runs = ck_doc_seq(d), *run = ck_doc_map(d);
	struct ck_doc_node *tool = ck_doc_map(d), *driver = ck_doc_map(d), *rules = ck_doc_seq(d);
	struct ck_doc_node *results = ck_doc_seq(d), *base = ck_doc_map(d), *src = ck_doc_map(d);
	struct ck_buf u;
	size_t i;
	int rc = CK_ENOMEM;

	ck_buf_init(&u, 0);
	if (top == NULL || runs == NULL || run == NULL || tool == NULL || driver == NULL ||
	    rules == NULL || results == NULL || base == NULL || src == NULL)
		goto out;
	if (set(d, top, "$schema", str(d, "https://json.schemastore.org/sarif-2.1.0.json")) < 0 ||
	    set(d, top, "version", str(d, "2.1.0")) < 0)
		goto out;
	if (set(d, driver, "name", str(d, "cloak")) < 0 || set(d, driver, "version", str(d, CK_VERSION)) < 0 ||
	    set(d, driver, "semanticVersion", str(d, CK_VERSION)) < 0)
		goto out;
	for (i = 0; i < CK_HOOK_NRULES; i++) {
		const struct ck_hook_rule_info *ri = ck_hook_rule_info((enum ck_hook_rule)i);
		struct ck_doc_node *rd = ck_doc_map(d), *cfg = ck_doc_map(d), *props = ck_doc_map(d);
		struct ck_doc_node *tags = ck_doc_seq(d);

		if (rd == NULL || cfg == NULL || props == NULL || tags == NULL ||
		    set(d, rd, "id", str(d, ri->id)) < 0 || set(d, rd, "name", str(d, ri->id)) < 0 ||
		    set(d, rd, "shortDescription", text_obj(d, ri->title)) < 0 ||
		    set(d, rd, "fullDescription", text_obj(d, ri->help)) < 0 ||
		    set(d, rd, "help", text_obj(d, ri->help)) < 0 || set(d, cfg, "level", str(d, "error")) < 0 ||
		    set(d, rd, "defaultConfiguration", cfg) < 0 || push(d, tags, str(d, "security")) < 0 ||
		    push(d, tags, str(d, "secrets")) < 0 || set(d, props, "tags", tags) < 0 ||
		    set(d, rd, "properties", props) < 0 || push(d, rules, rd) < 0)
			goto out;
	}
	if (set(d, driver, "rules", rules) < 0 || set(d, tool, "driver", driver) < 0 ||
	    set(d, run, "tool", tool) < 0)
		goto out;
	if (set(d, base, "description", text_obj(d, "The root of the repository")) < 0 ||
	    set(d, src, "%SRCROOT%", base) < 0 || set(d, run, "originalUriBaseIds", src) < 0)
		goto out;
	for (i = 0; i < r->n; i++) {
		const struct ck_hook_finding *f = &r->v[i];
		struct ck_doc_node *res = ck_doc_map(d), *locs = ck_doc_seq(d), *loc = ck_doc_map(d);
		struct ck_doc_node *phys = ck_doc_map(d), *art = ck_doc_map(d), *fps = ck_doc_map(d);
		struct ck_buf msg;
		int bad;

		if (res == NULL || locs == NULL || loc == NULL || phys == NULL || art == NULL || fps == NULL ||
		    uri(&u, f->path) < 0)
			goto out;
		ck_buf_init(&msg, 0);
		bad = ck_buf_printf(&msg, "%s Fix: %s", f->message, f->fix) < 0 ||
		      set(d, res, "ruleId", str(d, ck_hook_rule_info(f->rule)->id)) < 0 ||
		      set(d, res, "ruleIndex", num(d, (size_t)f->rule)) < 0 ||
		      set(d, res, "level", str(d, "error")) < 0 ||
		      set(d, res, "message", text_obj(d, ck_buf_cstr(&msg))) < 0;
		ck_buf_dispose(&msg);
		if (bad || set(d, art, "uri", str(d, ck_buf_cstr(&u))) < 0 ||
		    set(d, art, "uriBaseId", str(d, "%SRCROOT%")) < 0 ||
		    set(d, phys, "artifactLocation", art) < 0)
			goto out;
		if (f->line > 0) {
			struct ck_doc_node *region = ck_doc_map(d);

			if (region == NULL || set(d, region, "startLine", num(d, f->line)) < 0 ||
			    set(d, phys, "region", region) < 0)
				goto out;
		}
		if (set(d, loc, "physicalLocation", phys) < 0 || push(d, locs, loc) < 0 ||
		    set(d, res, "locations", locs) < 0 ||
		    set(d, fps, "cloakFingerprint/v1", str(d, f->fingerprint)) < 0 ||
		    set(d, res, "partialFingerprints", fps) < 0 || push(d, results, res) < 0)
			goto out;
	}
	if (set(d, run, "results", results) < 0 || push(d, runs, run) < 0 || set(d, top, "runs", runs) < 0)
		goto out;
	*root = top;
	rc = CK_OK;
out:
	ck_buf_dispose(&u);
	return rc;
}

int ck_hook_report_format(struct ck_buf *out, const struct ck_hook_report *r,
                          enum ck_hook_format f, unsigned flags, const char *what)
{
	struct ck_doc *d = NULL;
	struct ck_doc_node *root = NULL;
	struct ck_doc_json_opts jo = CK_DOC_JSON_OPTS_INIT;
	int rc;

	if (what == NULL)
		what = "the scan";
	if (f == CK_HOOK_FMT_TEXT) {
		rc = text(out, r, flags, what);
		goto out;
	}
	if ((d = ck_doc_new(0)) == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	rc = f == CK_HOOK_FMT_JSON ? json(d, &root, r, what) : sarif(d, &root, r);
	if (rc == CK_OK)
		rc = ck_doc_write_json(out, root, &jo);
out:
	ck_doc_free(d);
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "hook: out of memory");
	return rc;
}
