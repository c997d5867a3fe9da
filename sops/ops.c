/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/sops_config.h"
#include "ck/sops_ops.h"
#include "ck/sops_path.h"
#include "ck/sops_internal.h"
#include "ks_net.h"
#include "stores.h"
#include "yaml.h"

void ck_sops_opts_init(struct ck_sops_opts *o)
{
	memset(o, 0, sizeof(*o));
}

static enum ck_sops_format in_format(const struct ck_sops_opts *o)
{
	if (o->in_fmt != CK_SOPS_FMT_NONE)
		return o->in_fmt;
	return o->file_path != NULL ? ck_sops_format_from_path(o->file_path) : CK_SOPS_FMT_YAML;
}

static enum ck_sops_format out_format(const struct ck_sops_opts *o, enum ck_sops_format in)
{
	return o->out_fmt != CK_SOPS_FMT_NONE ? o->out_fmt : in;
}

/* The config, when there is one (NULL otherwise; errors only for a bad or missing explicit one). */
static int load_cfg(const struct ck_sops_opts *o, struct ck_sops_config **cfg)
{
	struct ck_buf path;
	int rc;

	*cfg = NULL;
	ck_buf_init(&path, 0);
	rc = ck_sops_config_find(&path, o->config_path, NULL);
	if (rc == CK_OK)
		rc = ck_sops_config_load(cfg, ck_buf_cstr(&path));
	else if (rc == CK_ENOTFOUND && ck_err_last()->exit_override != CK_SOPS_EXIT_CONFIG_FILE_NOT_FOUND)
		rc = CK_OK;
	ck_buf_dispose(&path);
	return rc;
}

static void emit_opts(struct ck_sops_emit_opts *eo, const struct ck_sops_opts *o,
                      const struct ck_sops_config *cfg, enum ck_sops_format fmt)
{
	eo->yaml_indent = o->indent > 0 ? o->indent : cfg ? ck_sops_config_yaml_indent(cfg) : 0;
	if (eo->yaml_indent == 0)
		eo->yaml_indent = 4;
	eo->json_indent = o->indent > 0 ? o->indent
	                                : cfg ? ck_sops_config_json_indent(cfg, fmt == CK_SOPS_FMT_BINARY) : -1;
	eo->flush = o->flush;
	eo->flush_ctx = o->flush_ctx;
}

int ck_sops_resolve_meta(struct ck_sops_meta *m, const struct ck_sops_opts *o)
{
	static const enum ck_sops_ktype order[] = { CK_SOPS_K_AGE,   CK_SOPS_K_PGP,      CK_SOPS_K_KMS,
		                                    CK_SOPS_K_GCP_KMS, CK_SOPS_K_HCKMS, CK_SOPS_K_AZURE_KV,
		                                    CK_SOPS_K_HC_VAULT };
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_meta cm;
	int from_flags = 0, have_cfg_rule = 0, rc;
	size_t i;

	ck_sops_meta_init(m);
	ck_sops_meta_init(&cm);
	if (o->nrules > 1)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_CONFLICTING_PARAMETERS,
		                       "sops: only one of --unencrypted-suffix, --encrypted-suffix, "
		                       "--unencrypted-regex, --encrypted-regex, "
		                       "--unencrypted-comment-regex and --encrypted-comment-regex may be "
		                       "given");
	for (i = 0; i < CK_SOPS_K_NTYPES; i++)
		if (o->keys[i] != NULL && o->keys[i][0] != '\0')
			from_flags = 1;
	if ((rc = load_cfg(o, &cfg)) < 0)
		goto out;
	if (cfg != NULL && ck_sops_config_has_rules(cfg) && o->file_path != NULL) {
		rc = ck_sops_config_rule_for(cfg, o->file_path, &cm);
		if (rc == CK_OK)
			have_cfg_rule = 1;
		else if (!from_flags)
			goto out;
		rc = CK_OK;
	}
	if (from_flags) {
		if ((rc = ck_sops_meta_add_key(m, 0, NULL)) < 0)
			goto out;
		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (o->keys[order[i]] != NULL &&
			    (rc = ck_sops_meta_add_keys_str(m, 0, order[i], o->keys[order[i]])) < 0)
				goto out;
		if (o->aws_profile != NULL) {
			for (i = 0; i < m->groups[0].n; i++)
				if (m->groups[0].keys[i]->type == CK_SOPS_K_KMS &&
				    (rc = ck_sops_key_set_field(m->groups[0].keys[i], "aws_profile",
				                                o->aws_profile)) < 0)
					goto out;
		}
		if (have_cfg_rule) {
			m->rule = cm.rule;
			m->rule_value = cm.rule_value;
			cm.rule_value = NULL;
			m->mac_only_encrypted = cm.mac_only_encrypted;
		}
	} else if (have_cfg_rule) {
		*m = cm;
		ck_sops_meta_init(&cm);
	}
	if (ck_sops_meta_key_count(m) == 0) {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_NO_ENCRYPTION_KEY_FOUND,
		                     "sops: config file not found, or has no creation rules, and no keys "
		                     "provided through command line options");
		goto out;
	}
	if (o->kms_context != NULL && (rc = ck_sops_meta_set_kms_context(m, o->kms_context)) < 0)
		goto out;
	if (o->nrules == 1) {
		ck_free(m->rule_value);
		m->rule = o->rule;
		if ((m->rule_value = ck_strdup(o->rule_value)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			goto out;
		}
	}
	if (o->mac_only)
		m->mac_only_encrypted = 1;
	if (o->shamir_threshold > 0)
		m->shamir_threshold = o->shamir_threshold;
	if (m->ngroups > 1 && m->shamir_threshold > (int)m->ngroups) {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_GENERIC,
		                     "sops: shamir threshold %d is more than the %zu key groups",
		                     m->shamir_threshold, m->ngroups);
		goto out;
	}
	rc = CK_OK;
out:
	if (rc < 0)
		ck_sops_meta_dispose(m);
	ck_sops_meta_dispose(&cm);
	ck_sops_config_free(cfg);
	return rc;
}

int ck_sops_op_encrypt(struct ck_buf *out, struct ck_buf *plain, const struct ck_sops_opts *o,
                       struct ck_sops_keyctx *ctx)
{
	struct ck_sops_file *f = NULL;
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_emit_opts eo;
	enum ck_sops_format in = in_format(o);
	int rc;

	if ((rc = ck_sops_file_read(&f, plain, in, CK_SOPS_PLAINTEXT)) < 0)
		goto out;
	if ((rc = ck_sops_resolve_meta(&f->meta, o)) < 0 || (rc = load_cfg(o, &cfg)) < 0)
		goto out;
	if (in == CK_SOPS_FMT_BINARY) {
		/* selection rules could only leave `data` in clear: ignored */
		f->meta.rule = CK_SOPS_RULE_NONE;
		ck_free(f->meta.rule_value);
		f->meta.rule_value = NULL;
	}
	if ((rc = ck_sops_file_encrypt(f, ctx, CK_SOPS_NEW_DATAKEY)) < 0)
		goto out;
	emit_opts(&eo, o, cfg, out_format(o, in));
	rc = ck_sops_file_emit(out, f, out_format(o, in), &eo);
out:
	ck_sops_file_free(f);
	ck_sops_config_free(cfg);
	return rc;
}

/* Read, get the data key and decrypt (keeping IVs when asked). */
static int open_decrypted(struct ck_sops_file **f, struct ck_buf *enc, const struct ck_sops_opts *o,
                          struct ck_sops_keyctx *ctx, unsigned flags)
{
	int rc;

	*f = NULL;
	if ((rc = ck_sops_file_read(f, enc, in_format(o), 0)) < 0)
		return rc;
	if (o->ignore_mac)
		flags |= CK_SOPS_IGNORE_MAC;
	if ((rc = ck_sops_file_decrypt(*f, ctx, flags)) < 0) {
		ck_sops_file_free(*f);
		*f = NULL;
	}
	return rc;
}

static int emit_value(struct ck_buf *out, const struct ck_sops_node *v, enum ck_sops_format fmt,
                      const struct ck_sops_emit_opts *eo)
{
	switch (fmt) {
	case CK_SOPS_FMT_YAML:
		return ck_sops__yaml_emit_value(out, v, (unsigned)eo->yaml_indent);
	case CK_SOPS_FMT_DOTENV:
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
		                       "the dotenv store only supports emitting strings, got %s",
		                       ck_sops_type_name((enum ck_sops_type)v->type));
	case CK_SOPS_FMT_BINARY:
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
		                       "Binary files are not structured and extracting a single value is "
		                       "not possible");
	case CK_SOPS_FMT_INI:
		return ck_sops__json_emit(out, v, -2, NULL, NULL, 0);
	default:
		return ck_sops__json_emit(out, v, eo->json_indent, NULL, NULL, 0);
	}
}

int ck_sops_op_decrypt(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                       struct ck_sops_keyctx *ctx, const char *extract)
{
	struct ck_sops_file *f = NULL;
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_path *p = NULL;
	struct ck_sops_emit_opts eo;
	enum ck_sops_format in = in_format(o), outf = out_format(o, in);
	int rc;

	if (extract != NULL && (rc = ck_sops_path_parse(&p, extract)) < 0)
		goto out;
	if ((rc = load_cfg(o, &cfg)) < 0 || (rc = open_decrypted(&f, enc, o, ctx, 0)) < 0)
		goto out;
	emit_opts(&eo, o, cfg, outf);
	if (p == NULL) {
		rc = ck_sops_file_emit(out, f, outf, &eo);
		goto out;
	}
	{
		const struct ck_sops_node *v;

		if ((rc = ck_sops_path_get(&v, &f->tree->docs[0], p)) < 0)
			goto out;
		if (v->type == CK_SOPS_STR) {
			rc = ck_buf_put(out, v->u.s, v->len) < 0 ? ck_err_set(CK_ENOMEM, "sops: out of memory")
			                                         : CK_OK;
		} else if (v->type == CK_SOPS_MAP) {
			f->tree->docs[0] = *v;
			f->tree->ndocs = 1;
			rc = ck_sops_file_emit(out, f, outf, &eo);
		} else {
			rc = emit_value(out, v, outf, &eo);
		}
	}
out:
	ck_sops_path_free(p);
	ck_sops_file_free(f);
	ck_sops_config_free(cfg);
	return rc;
}

static void remove_keys(struct ck_sops_meta *m, const struct ck_sops_key *k)
{
	size_t g, i;

	for (g = 0; g < m->ngroups; g++) {
		for (i = 0; i < m->groups[g].n;) {
			if (ck_sops_key_same(m->groups[g].keys[i], k)) {
				ck_sops_key_free(m->groups[g].keys[i]);
				memmove(&m->groups[g].keys[i], &m->groups[g].keys[i + 1],
				        (m->groups[g].n - i - 1) * sizeof(*m->groups[g].keys));
				m->groups[g].n--;
			} else {
				i++;
			}
		}
	}
}

int ck_sops_op_rotate(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                      struct ck_sops_keyctx *ctx, const char *const add[CK_SOPS_K_NTYPES],
                      const char *const rm[CK_SOPS_K_NTYPES])
{
	struct ck_sops_file *f = NULL;
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_emit_opts eo;
	enum ck_sops_format in = in_format(o);
	int rc, t;

	if ((rc = load_cfg(o, &cfg)) < 0 || (rc = open_decrypted(&f, enc, o, ctx, 0)) < 0)
		goto out;
	for (t = 0; t < CK_SOPS_K_NTYPES; t++) {
		if (add != NULL && add[t] != NULL &&
		    (rc = t == CK_SOPS_K_KMS
		              ? ck_sops__meta_add_kms(&f->meta, add[t], o->kms_context)
		              : ck_sops_meta_add_keys_str(&f->meta, 0, (enum ck_sops_ktype)t, add[t])) < 0)
			goto out;
		if (rm != NULL && rm[t] != NULL) {
			struct ck_sops_meta tmp;
			size_t i;

			ck_sops_meta_init(&tmp);
			if ((rc = ck_sops_meta_add_keys_str(&tmp, 0, (enum ck_sops_ktype)t, rm[t])) < 0) {
				ck_sops_meta_dispose(&tmp);
				goto out;
			}
			for (i = 0; i < tmp.groups[0].n; i++)
				remove_keys(&f->meta, tmp.groups[0].keys[i]);
			ck_sops_meta_dispose(&tmp);
		}
	}
	if ((rc = ck_sops_file_encrypt(f, ctx, CK_SOPS_NEW_DATAKEY)) < 0)
		goto out;
	emit_opts(&eo, o, cfg, out_format(o, in));
	rc = ck_sops_file_emit(out, f, out_format(o, in), &eo);
out:
	ck_sops_file_free(f);
	ck_sops_config_free(cfg);
	return rc;
}

static int in_group(const struct ck_sops_group *g, const struct ck_sops_key *k)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (ck_sops_key_same(g->keys[i], k))
			return 1;
	return 0;
}

/* One "Group N / +++ key" line pair of the updatekeys report. */
static int diff_key(struct ck_buf *diff, size_t g, const char *sign, const struct ck_sops_key *k)
{
	if (diff == NULL)
		return CK_OK;
	if (ck_buf_printf(diff, "Group %zu\n    %s ", g + 1, sign) < 0 ||
	    ck_sops_key_describe(k, diff) < 0 || ck_buf_putc(diff, '\n') < 0)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	return CK_OK;
}

/* 1 if the key groups differ, 0 if not, or an error. */
static int diff_groups(struct ck_buf *diff, const struct ck_sops_meta *a, const struct ck_sops_meta *b)
{
	size_t g, i, n = a->ngroups > b->ngroups ? a->ngroups : b->ngroups;
	int changed = a->ngroups != b->ngroups, rc;

	for (g = 0; g < n; g++) {
		const struct ck_sops_group empty = { NULL, 0 };
		const struct ck_sops_group *ga = g < a->ngroups ? &a->groups[g] : &empty;
		const struct ck_sops_group *gb = g < b->ngroups ? &b->groups[g] : &empty;

		for (i = 0; i < gb->n; i++) {
			if (in_group(ga, gb->keys[i]))
				continue;
			changed = 1;
			if ((rc = diff_key(diff, g, "+++", gb->keys[i])) < 0)
				return rc;
		}
		for (i = 0; i < ga->n; i++) {
			if (in_group(gb, ga->keys[i]))
				continue;
			changed = 1;
			if ((rc = diff_key(diff, g, "---", ga->keys[i])) < 0)
				return rc;
		}
	}
	return changed;
}

int ck_sops_op_updatekeys(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                          struct ck_sops_keyctx *ctx, struct ck_buf *diff, int *changed)
{
	struct ck_sops_file *f = NULL;
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_meta nm;
	struct ck_sops_emit_opts eo;
	enum ck_sops_format in = in_format(o);
	int rc, th;

	*changed = 0;
	ck_sops_meta_init(&nm);
	if ((rc = load_cfg(o, &cfg)) < 0)
		goto out;
	if (cfg == NULL) {
		rc = ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_CONFIG_FILE_NOT_FOUND,
		                     "sops: config file not found");
		goto out;
	}
	if ((rc = ck_sops_file_read(&f, enc, in, 0)) < 0 ||
	    (rc = ck_sops_config_rule_for(cfg, o->file_path, &nm)) < 0)
		goto out;
	th = o->shamir_threshold > 0 ? o->shamir_threshold : nm.shamir_threshold;
	if (nm.ngroups <= 1)
		th = 0;
	if ((rc = diff_groups(diff, &f->meta, &nm)) < 0)
		goto out;
	*changed = rc;
	if (th != f->meta.shamir_threshold && (nm.ngroups > 1 || f->meta.ngroups > 1)) {
		*changed = 1;
		if (diff != NULL &&
		    ck_buf_printf(diff, "Shamir threshold: %d -> %d\n", f->meta.shamir_threshold, th) < 0) {
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			goto out;
		}
	}
	if (!*changed) {
		rc = CK_OK;
		goto out;
	}
	if ((rc = ck_sops_file_datakey(f, ctx)) < 0)
		goto out;
	{
		struct ck_sops_group *tg = f->meta.groups;
		size_t tn = f->meta.ngroups;

		f->meta.groups = nm.groups;
		f->meta.ngroups = nm.ngroups;
		nm.groups = tg;
		nm.ngroups = tn;
	}
	f->meta.shamir_threshold = th;
	if ((rc = ck_sops_file_wrap_keys(f, ctx)) < 0)
		goto out;
	emit_opts(&eo, o, cfg, in);
	rc = ck_sops_file_emit(out, f, in, &eo);
out:
	ck_sops_meta_dispose(&nm);
	ck_sops_file_free(f);
	ck_sops_config_free(cfg);
	return rc;
}

/* A JSON value parsed the way the JSON store reads values. */
static int json_value(struct ck_sops_tree *t, struct ck_sops_node *out, const char *json, size_t n)
{
	struct ck_sops_tree *tmp = ck_sops_tree_new();
	int rc;

	if (tmp == NULL)
		return CK_ENOMEM;
	if (ck_buf_puts(&tmp->src, "{\"v\":") < 0 || ck_buf_put(&tmp->src, json, n) < 0 ||
	    ck_buf_puts(&tmp->src, "\n}") < 0) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	if ((rc = ck_sops__json_read(tmp, 1)) < 0) {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_INVALID_SET_FORMAT,
		                     "sops: the value is not valid JSON: %s", ck_err_last()->msg);
		goto out;
	}
	rc = ck_sops_node_clone(t, out, &tmp->docs[0].u.kids[1]);
out:
	ck_sops_tree_free(tmp);
	return rc;
}

int ck_sops_op_set(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                   struct ck_sops_keyctx *ctx, const char *path, const char *json_value_text,
                   size_t json_len, int idempotent, int *changed)
{
	struct ck_sops_file *f = NULL;
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_path *p = NULL;
	struct ck_sops_node v;
	struct ck_sops_emit_opts eo;
	enum ck_sops_format in = in_format(o);
	int rc;

	*changed = 1;
	if ((rc = ck_sops_path_parse(&p, path)) < 0 || (rc = load_cfg(o, &cfg)) < 0 ||
	    (rc = open_decrypted(&f, enc, o, ctx, CK_SOPS_KEEP_IVS)) < 0 ||
	    (rc = json_value(f->tree, &v, json_value_text, json_len)) < 0)
		goto out;
	if (idempotent) {
		const struct ck_sops_node *old;

		if (ck_sops_path_get(&old, &f->tree->docs[0], p) == CK_OK && ck_sops_node_equal(old, &v)) {
			*changed = 0;
			rc = CK_OK;
			goto out;
		}
		ck_err_clear();
	}
	if ((rc = ck_sops_path_set(f->tree, &f->tree->docs[0], p, &v)) < 0 ||
	    (rc = ck_sops_file_encrypt(f, ctx, 0)) < 0)
		goto out;
	emit_opts(&eo, o, cfg, in);
	rc = ck_sops_file_emit(out, f, in, &eo);
out:
	ck_sops_path_free(p);
	ck_sops_file_free(f);
	ck_sops_config_free(cfg);
	return rc;
}

int ck_sops_op_unset(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                     struct ck_sops_keyctx *ctx, const char *path, int idempotent, int *changed)
{
	struct ck_sops_file *f = NULL;
	struct ck_sops_config *cfg = NULL;
	struct ck_sops_path *p = NULL;
	struct ck_sops_emit_opts eo;
	enum ck_sops_format in = in_format(o);
	int rc;

	*changed = 1;
	if ((rc = ck_sops_path_parse(&p, path)) < 0 || (rc = load_cfg(o, &cfg)) < 0 ||
	    (rc = open_decrypted(&f, enc, o, ctx, CK_SOPS_KEEP_IVS)) < 0)
		goto out;
	if ((rc = ck_sops_path_unset(&f->tree->docs[0], p)) < 0) {
		if (rc == CK_ENOTFOUND && idempotent) {
			*changed = 0;
			ck_err_clear();
			rc = CK_OK;
		}
		goto out;
	}
	if ((rc = ck_sops_file_encrypt(f, ctx, 0)) < 0)
		goto out;
	emit_opts(&eo, o, cfg, in);
	rc = ck_sops_file_emit(out, f, in, &eo);
out:
	ck_sops_path_free(p);
	ck_sops_file_free(f);
	ck_sops_config_free(cfg);
	return rc;
}

int ck_sops_op_is_encrypted(const void *text, size_t n, enum ck_sops_format fmt)
{
	struct ck_buf b;
	struct ck_sops_file *f = NULL;
	int enc;

	ck_buf_init(&b, 0);
	if (ck_buf_put(&b, text, n) < 0)
		return 0;
	enc = ck_sops_file_read(&f, &b, fmt, 0) == CK_OK && f->meta.version != NULL &&
	      f->meta.version[0] != '\0' && f->meta.mac != NULL;
	ck_err_clear();
	ck_sops_file_free(f);
	ck_buf_dispose(&b);
	return enc;
}

int ck_sops_op_env(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                   struct ck_sops_keyctx *ctx)
{
	struct ck_sops_file *f = NULL;
	int rc;

	if ((rc = open_decrypted(&f, enc, o, ctx, 0)) < 0)
		return rc;
	rc = ck_sops_file_emit(out, f, CK_SOPS_FMT_DOTENV, NULL);
	ck_sops_file_free(f);
	return rc;
}

/* ---- edit ---- */

struct ck_sops_edit {
	struct ck_sops_file *f; /* decrypted file with data key and IVs; NULL for a new file */
	struct ck_sops_opts o;
	enum ck_sops_format fmt;
	int show_keys;
	struct ck_sops_config *cfg;
};

void ck_sops_edit_free(struct ck_sops_edit *e)
{
	if (e == NULL)
		return;
	ck_sops_file_free(e->f);
	ck_sops_config_free(e->cfg);
	ck_free(e);
}

static const char *example(enum ck_sops_format fmt)
{
	switch (fmt) {
	case CK_SOPS_FMT_JSON:
		return "{\n\t\"hello\": \"Welcome to SOPS! Edit this file as you please!\",\n"
		       "\t\"example_key\": \"example_value\",\n\t\"example_array\": [\n"
		       "\t\t\"example_value1\",\n\t\t\"example_value2\"\n\t],\n"
		       "\t\"example_number\": 1234.56789,\n\t\"example_booleans\": [\n\t\ttrue,\n"
		       "\t\tfalse\n\t]\n}\n";
	case CK_SOPS_FMT_DOTENV:
		return "# This is an example file.\nhello=Welcome to SOPS! Edit this file as you please!\n"
		       "example_key=example_value\n";
	case CK_SOPS_FMT_INI:
		return "[Welcome!]\n; This is an example file.\n"
		       "hello       = Welcome to SOPS! Edit this file as you please!\n"
		       "example_key = example_value\n";
	case CK_SOPS_FMT_BINARY:
		return "Welcome to SOPS! Edit this file as you please!";
	default:
		return "hello: Welcome to SOPS! Edit this file as you please!\n"
		       "example_key: example_value\n# Example comment\nexample_array:\n"
		       "    - example_value1\n    - example_value2\nexample_number: 1234.56789\n"
		       "example_booleans:\n    - true\n    - false\n";
	}
}

int ck_sops_edit_open(struct ck_sops_edit **out, struct ck_buf *shown, struct ck_buf *enc,
                      const struct ck_sops_opts *o, struct ck_sops_keyctx *ctx, int show_keys)
{
	struct ck_sops_edit *e = ck_calloc(1, sizeof(*e));
	struct ck_sops_emit_opts eo;
	int rc;

	if (e == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	e->o = *o;
	e->fmt = in_format(o);
	e->show_keys = show_keys;
	if ((rc = load_cfg(o, &e->cfg)) < 0)
		goto fail;
	emit_opts(&eo, o, e->cfg, e->fmt);
	if (enc == NULL) {
		rc = ck_buf_puts(shown, example(e->fmt)) < 0 ? ck_err_set(CK_ENOMEM, "sops: out of memory")
		                                             : CK_OK;
		if (rc < 0)
			goto fail;
		*out = e;
		return CK_OK;
	}
	if ((rc = open_decrypted(&e->f, enc, o, ctx, CK_SOPS_KEEP_IVS)) < 0)
		goto fail;
	if (show_keys)
		e->f->encrypted = 1; /* emit the metadata with the plaintext values */
	rc = ck_sops_file_emit(shown, e->f, e->fmt, &eo);
	e->f->encrypted = 0;
	if (rc < 0)
		goto fail;
	*out = e;
	return CK_OK;
fail:
	ck_sops_edit_free(e);
	return rc;
}

int ck_sops_edit_close(struct ck_sops_edit *e, struct ck_buf *out, struct ck_buf *edited,
                       struct ck_sops_keyctx *ctx)
{
	struct ck_sops_file *nf = NULL;
	struct ck_sops_emit_opts eo;
	int rc;

	emit_opts(&eo, &e->o, e->cfg, e->fmt);
	if (e->f != NULL && e->show_keys) {
		/* the edited text carries the metadata: keep its key changes */
		if ((rc = ck_sops_file_read(&nf, edited, e->fmt, 0)) < 0)
			goto out;
		nf->encrypted = 0;
	} else if ((rc = ck_sops_file_read(&nf, edited, e->fmt, CK_SOPS_PLAINTEXT)) < 0) {
		goto out;
	}
	if (e->f == NULL) {
		if ((rc = ck_sops_resolve_meta(&nf->meta, &e->o)) < 0 ||
		    (rc = ck_sops_file_encrypt(nf, ctx, CK_SOPS_NEW_DATAKEY)) < 0)
			goto out;
	} else {
		int rewrap = e->show_keys && ck_sops_meta_key_count(&nf->meta) > 0;
		struct ck_sops_meta keep;

		if (rewrap) {
			/* the user's key list, the file's data key */
			keep = e->f->meta;
			e->f->meta = nf->meta;
			nf->meta = keep;
		}
		/* the old file keeps data key, IVs and metadata; the new tree goes in */
		{
			struct ck_sops_tree *tt = e->f->tree;

			e->f->tree = nf->tree;
			nf->tree = tt;
		}
		if (rewrap && (rc = ck_sops_file_wrap_keys(e->f, ctx)) < 0)
			goto out;
		if ((rc = ck_sops_file_encrypt(e->f, ctx, 0)) < 0)
			goto out;
		rc = ck_sops_file_emit(out, e->f, e->fmt, &eo);
		goto out;
	}
	rc = ck_sops_file_emit(out, nf, e->fmt, &eo);
out:
	ck_sops_file_free(nf);
	return rc;
}
