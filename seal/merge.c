/* SPDX-License-Identifier: Apache-2.0 */
/* kubeseal --merge-into: add or replace items of an existing SealedSecret, touching nothing else. */
#include <string.h>

#include "ck/seal_manifest.h"
#include "seal_int.h"

static int is_json_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			continue;
		return s[i] == '{';
	}
	return 0;
}

static const char *key_text(const struct ck_doc_node *map, size_t i)
{
	const struct ck_doc_node *k = ck_doc_resolve(ck_doc_map_key(map, i));

	return k != NULL && k->kind == CK_DOC_SCALAR ? k->text : "";
}

static int key_cmp(const char *a, const char *b, int json)
{
	return json ? strcmp(a, b) : ck_seal__yaml_key_cmp(a, b);
}

/* A scalar for `text` that reads back as a string in the file's format. */
static struct ck_doc_node *str_scalar(struct ck_doc *d, const char *text, size_t len, int json)
{
	struct ck_doc_node *s = ck_doc_scalar(d, text, len, json ? CK_DOC_DQUOTED : CK_DOC_PLAIN);

	if (s != NULL && !json && ck_doc_scalar_type(s) != CK_DOC_T_STR &&
	    ck_doc_set_text(d, s, text, len, CK_DOC_DQUOTED) < 0)
		return NULL;
	return s;
}

/* parent[key] as a mapping, created (or replacing a null) when needed. */
static int child_map(struct ck_doc *d, struct ck_doc_node *parent, const char *key,
                     struct ck_doc_node **out, int json)
{
	struct ck_doc_node *m = (struct ck_doc_node *)ck_doc_resolve(ck_doc_map_get(parent, key));

	if (m != NULL && m->kind == CK_DOC_MAP) {
		*out = m;
		return CK_OK;
	}
	if ((m = ck_doc_map(d)) == NULL)
		return ck_err_set(CK_ENOMEM, "seal: out of memory");
	*out = m;
	if (ck_doc_map_get(parent, key) != NULL)
		return ck_doc_map_set(d, parent, key, m);
	{
		struct ck_doc_node *k = str_scalar(d, key, strlen(key), json);

		if (k == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		return ck_doc_map_append(d, parent, k, m);
	}
}

/* Add or replace every string entry of src in dst; others keep their exact text. */
static int merge_strings(struct ck_doc *d, struct ck_doc_node *dst, const struct ck_doc_node *src,
                         int json)
{
	struct ck_doc_node *cur, *k, *v;
	const struct ck_doc_node *sk, *sv;
	size_t i, j, np;
	int sorted, rc;

	src = ck_doc_resolve(src);
	if (src == NULL || src->kind != CK_DOC_MAP)
		return CK_OK;
	for (i = 0; i < ck_doc_map_len(src); i++) {
		sk = ck_doc_resolve(ck_doc_map_key(src, i));
		sv = ck_doc_resolve(ck_doc_map_value(src, i));
		cur = (struct ck_doc_node *)ck_doc_resolve(ck_doc_map_get(dst, sk->text));
		if (cur != NULL && cur->kind == CK_DOC_SCALAR) {
			if ((rc = ck_doc_set_text(d, cur, sv->text, sv->len, CK_DOC_STYLE_ANY)) < 0)
				return rc;
			if (ck_doc_scalar_type(cur) != CK_DOC_T_STR &&
			    (rc = ck_doc_set_text(d, cur, sv->text, sv->len, CK_DOC_DQUOTED)) < 0)
				return rc;
			continue;
		}
		if ((v = str_scalar(d, sv->text, sv->len, json)) == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		if (cur != NULL) {
			if ((rc = ck_doc_map_set(d, dst, sk->text, v)) < 0)
				return rc;
			continue;
		}
		if ((k = str_scalar(d, sk->text, sk->len, json)) == NULL)
			return ck_err_set(CK_ENOMEM, "seal: out of memory");
		/* Keep a sorted map sorted (kubeseal's files are); else append. */
		np = ck_doc_map_len(dst);
		for (sorted = 1, j = 1; j < np && sorted; j++)
			sorted = key_cmp(key_text(dst, j - 1), key_text(dst, j), json) <= 0;
		for (j = 0; sorted && j < np; j++)
			if (key_cmp(key_text(dst, j), sk->text, json) > 0)
				break;
		if (sorted && j < np)
			rc = ck_doc_map_insert(d, dst, j, k, v);
		else
			rc = ck_doc_map_append(d, dst, k, v);
		if (rc < 0)
			return rc;
	}
	return CK_OK;
}

static const struct ck_doc_node *only_root(const struct ck_doc *d)
{
	const struct ck_doc_node *r = NULL;
	size_t i;

	for (i = 0; i < d->ndocs; i++) {
		const struct ck_doc_node *x = ck_doc_resolve(d->docs[i]);

		if (x == NULL || (x->kind == CK_DOC_SCALAR && ck_doc_scalar_type(x) == CK_DOC_T_NULL))
			continue;
		if (r != NULL)
			return NULL;
		r = x;
	}
	return r;
}

int ck_seal_merge(struct ck_buf *out, const char *file, size_t filelen, const char *file_name,
                  const char *text, size_t n, const struct ck_rsa *pub,
                  const struct ck_seal_opts *opts, int fmt)
{
	struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;
	struct ck_doc *fd = NULL, *in = NULL, *upd = NULL;
	struct ck_doc_node *froot, *spec, *ed, *tmpl, *tmd, *dst;
	const struct ck_doc_node *sroot, *uspec, *utmd;
	struct ck_seal_sealed ss;
	struct ck_seal_opts o = *opts;
	const char *src = opts->source ? opts->source : "input";
	size_t mark = ck_buf_len(out);
	int json, rc = CK_EINTERNAL;

	if (file_name == NULL)
		file_name = "sealed secret file";
	json = is_json_text(file, filelen);
	if ((rc = ck_doc_parse(&fd, file, filelen, 0)) < 0) {
		ck_err_context("seal: %s", file_name);
		goto out;
	}
	if ((froot = (struct ck_doc_node *)only_root(fd)) == NULL) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: expected exactly one SealedSecret", file_name);
		goto out;
	}
	if ((rc = ck_seal_sealed_read(&ss, froot, file_name)) < 0)
		goto out;
	/* Values must be sealed for the file's scope, or the file stops opening. */
	if (opts->scope_set && opts->scope != ss.scope) {
		rc = ck_err_set(CK_EUSAGE, "seal: --scope %s does not match the %s scope of %s",
		                ck_seal_scope_name(opts->scope), ck_seal_scope_name(ss.scope),
		                file_name);
		goto out;
	}
	o.scope_set = 1;
	o.scope = ss.scope;
	o.force_name = ss.name;
	o.force_namespace = ss.ns;
	o.ns_flag = NULL;
	if ((rc = ck_doc_parse(&in, text, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("seal: %s", src);
		goto out;
	}
	if ((sroot = only_root(in)) == NULL) {
		rc = ck_err_set(CK_EINVAL, "seal: %s: --merge-into takes exactly one Secret", src);
		goto out;
	}
	if ((rc = ck_seal_secret_seal(&upd, sroot, pub, &o)) < 0)
		goto out;
	uspec = ck_doc_map_get(upd->docs[0], "spec");
	utmd = ck_doc_get_path(uspec, "template.metadata");
	spec = (struct ck_doc_node *)ck_doc_resolve(ck_doc_map_get(froot, "spec"));
	if ((rc = child_map(fd, spec, "encryptedData", &ed, json)) < 0 ||
	    (rc = merge_strings(fd, ed, ck_doc_map_get(uspec, "encryptedData"), json)) < 0)
		goto out;
	if (ck_doc_map_get(utmd, "annotations") != NULL || ck_doc_map_get(utmd, "labels") != NULL) {
		if ((rc = child_map(fd, spec, "template", &tmpl, json)) < 0 ||
		    (rc = child_map(fd, tmpl, "metadata", &tmd, json)) < 0)
			goto out;
		if (ck_doc_map_get(utmd, "annotations") != NULL &&
		    ((rc = child_map(fd, tmd, "annotations", &dst, json)) < 0 ||
		     (rc = merge_strings(fd, dst, ck_doc_map_get(utmd, "annotations"), json)) < 0))
			goto out;
		if (ck_doc_map_get(utmd, "labels") != NULL &&
		    ((rc = child_map(fd, tmd, "labels", &dst, json)) < 0 ||
		     (rc = merge_strings(fd, dst, ck_doc_map_get(utmd, "labels"), json)) < 0))
			goto out;
	}
	if (fmt < 0)
		fmt = json ? CK_SEAL_FORMAT_JSON : CK_SEAL_FORMAT_YAML;
	if (fmt == CK_SEAL_FORMAT_YAML && !json) {
		/* The file's own YAML: comments, order and styles kept. */
		yo.keep_styles = 1;
		yo.indent_sequences = 0;
		rc = ck_doc_write_yaml(out, fd, &yo);
	} else {
		rc = ck_seal_manifest_write(out, froot, (enum ck_seal_format)fmt);
	}
out:
	if (rc < 0)
		ck_seal__rewind(out, mark);
	ck_doc_free(upd);
	ck_doc_free(in);
	ck_doc_free(fd);
	return rc;
}
