/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/file.h"
#include "ck/sops_config.h"
#include "rules.h"
#include "ck/sops_internal.h"
#include "yaml.h"

struct ck_sops_config {
	struct ck_sops_tree *t;
	const struct ck_sops_node *root;
	char *dir; /* absolute directory of the config file */
};

static int cerr(const char *msg)
{
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_READING_CONFIG, "sops: config: %s", msg);
}

void ck_sops_config_free(struct ck_sops_config *c)
{
	if (c == NULL)
		return;
	ck_sops_tree_free(c->t);
	ck_free(c->dir);
	ck_free(c);
}

int ck_sops_config_find(struct ck_buf *out, const char *explicit_path, const char *start_dir)
{
	char dir[PATH_MAX];
	const char *env = getenv("SOPS_CONFIG");
	int i;

	if (explicit_path == NULL || explicit_path[0] == '\0')
		explicit_path = env != NULL && env[0] != '\0' ? env : NULL;
	if (explicit_path != NULL) {
		if (!ck_file_exists(explicit_path))
			return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_CONFIG_FILE_NOT_FOUND,
			                       "sops: config file not found: %s", explicit_path);
		return ck_buf_puts(out, explicit_path) < 0 ? ck_err_set(CK_ENOMEM, "sops: out of memory")
		                                          : CK_OK;
	}
	if (start_dir != NULL) {
		if (strlen(start_dir) >= sizeof(dir))
			return CK_ENOTFOUND;
		memcpy(dir, start_dir, strlen(start_dir) + 1);
	} else if (getcwd(dir, sizeof(dir)) == NULL) {
		return CK_ENOTFOUND;
	}
	for (i = 0; i < 100; i++) {
		struct ck_buf p;
		char *slash;
		int found;

		ck_buf_init(&p, 0);
		if (ck_buf_printf(&p, "%s%s.sops.yaml", dir, dir[strlen(dir) - 1] == '/' ? "" : "/") < 0) {
			ck_buf_dispose(&p);
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		}
		found = ck_file_exists(ck_buf_cstr(&p));
		if (found) {
			int rc = ck_buf_putb(out, &p);

			ck_buf_dispose(&p);
			return rc < 0 ? ck_err_set(CK_ENOMEM, "sops: out of memory") : CK_OK;
		}
		ck_buf_dispose(&p);
		if (strcmp(dir, "/") == 0)
			break;
		slash = strrchr(dir, '/');
		if (slash == NULL)
			break;
		if (slash == dir)
			dir[1] = 0;
		else
			*slash = 0;
	}
	return CK_ENOTFOUND;
}

int ck_sops_config_parse(struct ck_sops_config **out, const char *text, size_t n, const char *dir)
{
	struct ck_sops_config *c = ck_calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	if ((c->t = ck_sops_tree_new()) == NULL || (c->dir = ck_strdup(dir ? dir : "")) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto fail;
	}
	if (ck_buf_put(&c->t->src, text, n) < 0) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto fail;
	}
	if ((rc = ck_sops__yaml_read(c->t, 0)) < 0) {
		rc = ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_READING_CONFIG, "sops: config: %s",
		                     ck_err_last()->msg);
		goto fail;
	}
	if (c->t->ndocs > 0)
		c->root = &c->t->docs[0];
	*out = c;
	return CK_OK;
fail:
	ck_sops_config_free(c);
	return rc;
}

int ck_sops_config_load(struct ck_sops_config **out, const char *path)
{
	struct ck_buf text, abs;
	char real[PATH_MAX], *slash;
	int rc;

	ck_buf_init(&text, 0);
	ck_buf_init(&abs, 0);
	if ((rc = ck_file_read(&text, path, 1 << 20)) < 0) {
		rc = ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_READING_CONFIG, "%s", ck_err_last()->msg);
		goto out;
	}
	if (realpath(path, real) == NULL) {
		rc = cerr("cannot resolve the config path");
		goto out;
	}
	slash = strrchr(real, '/');
	if (slash != NULL)
		*(slash == real ? slash + 1 : slash) = 0;
	rc = ck_sops_config_parse(out, ck_buf_cstr(&text), ck_buf_len(&text), real);
	if (rc < 0)
		(void)ck_err_context("%s", path);
out:
	ck_buf_dispose(&text);
	ck_buf_dispose(&abs);
	return rc;
}

int ck_sops_config_has_rules(const struct ck_sops_config *c)
{
	const struct ck_sops_node *r = ck_sops_map_get(c->root, "creation_rules");

	return r != NULL && r->type == CK_SOPS_SEQ;
}

static const struct ck_sops_node *store_field(const struct ck_sops_config *c, const char *store,
                                              const char *field)
{
	const struct ck_sops_node *s = ck_sops_map_get(c->root, "stores");

	if (s == NULL || (s = ck_sops_map_get(s, store)) == NULL)
		return NULL;
	return ck_sops_map_get(s, field);
}

int ck_sops_config_yaml_indent(const struct ck_sops_config *c)
{
	const struct ck_sops_node *v = c ? store_field(c, "yaml", "indent") : NULL;
	int64_t i;

	if (v != NULL && v->type == CK_SOPS_INT && ck_sops__parse_int10(v->u.s, v->len, &i) == CK_OK &&
	    i > 0 && i < 10)
		return (int)i;
	return 0;
}

int ck_sops_config_json_indent(const struct ck_sops_config *c, int binary)
{
	const struct ck_sops_node *v = c ? store_field(c, binary ? "json_binary" : "json", "indent") : NULL;
	int64_t i;

	if (v != NULL && v->type == CK_SOPS_INT && ck_sops__parse_int10(v->u.s, v->len, &i) == CK_OK &&
	    i >= 0 && i < 16)
		return (int)i;
	return -1;
}

/* ---- keys from strings ---- */

static int add_unique(struct ck_sops_meta *m, size_t g, struct ck_sops_key *k)
{
	size_t i;

	if (g < m->ngroups)
		for (i = 0; i < m->groups[g].n; i++)
			if (ck_sops_key_same(m->groups[g].keys[i], k)) {
				ck_sops_key_free(k);
				return CK_OK;
			}
	return ck_sops_meta_add_key(m, g, k);
}

int ck_sops_meta_add_keys_str(struct ck_sops_meta *m, size_t g, enum ck_sops_ktype t,
                              const char *list)
{
	const char *p = list;
	int rc;

	if (g == m->ngroups && (rc = ck_sops_meta_add_key(m, g, NULL)) < 0)
		return rc;
	while (*p != '\0') {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *one = ck_strndup(p, n);
		struct ck_sops_key *k;
		size_t i, lead = 0;

		if (one == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		for (i = 0; one[i] == ' ' || one[i] == '\n' || one[i] == '\t'; i++)
			lead++;
		if (one[lead] != '\0') {
			rc = ck_sops_key_parse(&k, t, one);
			if (rc == CK_OK)
				rc = add_unique(m, g, k);
			if (rc < 0) {
				ck_free(one);
				return rc;
			}
		}
		ck_free(one);
		if (e == NULL)
			break;
		p = e + 1;
	}
	return CK_OK;
}

int ck_sops_meta_set_kms_context(struct ck_sops_meta *m, const char *ctx)
{
	size_t g, i;

	for (g = 0; g < m->ngroups; g++) {
		for (i = 0; i < m->groups[g].n; i++) {
			struct ck_sops_key *k = m->groups[g].keys[i];
			const char *p = ctx;

			if (k->type != CK_SOPS_K_KMS)
				continue;
			while (*p != '\0') {
				const char *e = strchr(p, ','), *colon;
				size_t n = e ? (size_t)(e - p) : strlen(p);
				char *name, *val;
				int rc;

				colon = memchr(p, ':', n);
				if (colon == NULL)
					return ck_err_set_exit(CK_EUSAGE,
					                       CK_SOPS_EXIT_ERROR_INVALID_KMS_ENCRYPTION_CONTEXT_FORMAT,
					                       "sops: invalid KMS encryption context format '%s'",
					                       ctx);
				name = ck_strndup(p, (size_t)(colon - p));
				val = ck_strndup(colon + 1, n - (size_t)(colon - p) - 1);
				rc = name && val ? ck_sops_key_add_context(k, name, val)
				                 : ck_err_set(CK_ENOMEM, "sops: out of memory");
				ck_free(name);
				ck_free(val);
				if (rc < 0)
					return rc;
				if (e == NULL)
					break;
				p = e + 1;
			}
		}
	}
	return CK_OK;
}

/* A rule value that is a string ("a,b") or (sops >= 3.11) a list of strings. */
static int add_field_keys(struct ck_sops_meta *m, size_t g, enum ck_sops_ktype t,
                          const struct ck_sops_node *v)
{
	uint32_t i;
	int rc;

	if (v == NULL || v->type == CK_SOPS_NULL)
		return CK_OK;
	if (v->type == CK_SOPS_SEQ) {
		for (i = 0; i < v->len; i++) {
			const struct ck_sops_node *s = &v->u.kids[i];
			char *one;

			if (s->type == CK_SOPS_COMMENT)
				continue;
			if (s->type == CK_SOPS_MAP || s->type == CK_SOPS_SEQ)
				return cerr("key lists must contain strings");
			if ((one = ck_strndup(s->len ? s->u.s : "", s->len)) == NULL)
				return ck_err_set(CK_ENOMEM, "sops: out of memory");
			rc = ck_sops_meta_add_keys_str(m, g, t, one);
			ck_free(one);
			if (rc < 0)
				return rc;
		}
		return CK_OK;
	}
	if (v->type == CK_SOPS_MAP)
		return cerr("keys must be a string or a list of strings");
	{
		char *s = ck_strndup(v->len ? v->u.s : "", v->len);

		if (s == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		rc = ck_sops_meta_add_keys_str(m, g, t, s);
		ck_free(s);
		return rc;
	}
}

static char *str_of(const struct ck_sops_node *map, const char *name)
{
	const struct ck_sops_node *v = ck_sops_map_get(map, name);

	if (v == NULL || v->type == CK_SOPS_NULL || v->type == CK_SOPS_MAP || v->type == CK_SOPS_SEQ)
		return NULL;
	return ck_strndup(v->len ? v->u.s : "", v->len);
}

/* One key_groups entry (with `merge` flattened into it). */
static int add_group_entry(struct ck_sops_meta *m, size_t g, const struct ck_sops_node *gm,
                           unsigned depth)
{
	static const struct {
		const char *name;
		enum ck_sops_ktype t;
	} simple[] = {
		{ "age", CK_SOPS_K_AGE }, { "pgp", CK_SOPS_K_PGP }, { "hc_vault", CK_SOPS_K_HC_VAULT },
	};
	const struct ck_sops_node *v;
	size_t i;
	uint32_t j;
	int rc;

	if (depth > 16)
		return cerr("key group merges nested too deep");
	if (gm->type != CK_SOPS_MAP)
		return cerr("key_groups entries must be maps");
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if ((rc = add_field_keys(m, g, simple[i].t, ck_sops_map_get(gm, simple[i].name))) < 0)
			return rc;
	/* typed entries */
	v = ck_sops_map_get(gm, "kms");
	for (j = 0; v != NULL && v->type == CK_SOPS_SEQ && j < v->len; j++) {
		const struct ck_sops_node *e = &v->u.kids[j];
		struct ck_sops_key *k;
		char *arn, *role, *prof;
		const struct ck_sops_node *ctx;

		if (e->type != CK_SOPS_MAP)
			continue;
		arn = str_of(e, "arn");
		role = str_of(e, "role");
		prof = str_of(e, "aws_profile");
		if (arn == NULL) {
			ck_free(role);
			ck_free(prof);
			return cerr("kms key group entry without arn");
		}
		rc = ck_sops_key_parse(&k, CK_SOPS_K_KMS, arn);
		if (rc == CK_OK && role != NULL)
			rc = ck_sops_key_set_field(k, "role", role);
		if (rc == CK_OK)
			rc = ck_sops_key_set_field(k, "aws_profile", prof ? prof : "");
		ck_free(arn);
		ck_free(role);
		ck_free(prof);
		if (rc < 0)
			return rc;
		ctx = ck_sops_map_get(e, "context");
		for (i = 0; ctx != NULL && ctx->type == CK_SOPS_MAP && i + 1 < ctx->len; i += 2) {
			const struct ck_sops_node *kn = &ctx->u.kids[i], *vn = &ctx->u.kids[i + 1];
			char *cn = ck_strndup(kn->len ? kn->u.s : "", kn->len);
			char *cv = ck_strndup(vn->len ? vn->u.s : "", vn->len);

			rc = cn && cv ? ck_sops_key_add_context(k, cn, cv)
			              : ck_err_set(CK_ENOMEM, "sops: out of memory");
			ck_free(cn);
			ck_free(cv);
			if (rc < 0) {
				ck_sops_key_free(k);
				return rc;
			}
		}
		if ((rc = add_unique(m, g, k)) < 0)
			return rc;
	}
	{
		static const struct {
			const char *list, *field;
			enum ck_sops_ktype t;
		} typed[] = {
			{ "gcp_kms", "resource_id", CK_SOPS_K_GCP_KMS },
			{ "hckms", "key_id", CK_SOPS_K_HCKMS },
		};

		for (i = 0; i < 2; i++) {
			v = ck_sops_map_get(gm, typed[i].list);
			for (j = 0; v != NULL && v->type == CK_SOPS_SEQ && j < v->len; j++) {
				char *s = v->u.kids[j].type == CK_SOPS_MAP ? str_of(&v->u.kids[j], typed[i].field)
				                                          : NULL;
				struct ck_sops_key *k;

				if (s == NULL)
					continue;
				rc = ck_sops_key_parse(&k, typed[i].t, s);
				ck_free(s);
				if (rc < 0 || (rc = add_unique(m, g, k)) < 0)
					return rc;
			}
		}
	}
	v = ck_sops_map_get(gm, "azure_keyvault");
	for (j = 0; v != NULL && v->type == CK_SOPS_SEQ && j < v->len; j++) {
		const struct ck_sops_node *e = &v->u.kids[j];
		char *url, *key, *ver;
		struct ck_sops_key *k;

		if (e->type != CK_SOPS_MAP)
			continue;
		url = str_of(e, "vaultUrl");
		key = str_of(e, "key");
		ver = str_of(e, "version");
		if (url == NULL || key == NULL) {
			ck_free(url);
			ck_free(key);
			ck_free(ver);
			return cerr("azure_keyvault entries need vaultUrl and key");
		}
		k = ck_sops_key_new(CK_SOPS_K_AZURE_KV);
		rc = k == NULL ? CK_ENOMEM : ck_sops_key_set_field(k, "vault_url", url);
		if (rc == CK_OK)
			rc = ck_sops_key_set_field(k, "name", key);
		if (rc == CK_OK)
			rc = ck_sops_key_set_field(k, "version", ver ? ver : "");
		ck_free(url);
		ck_free(key);
		ck_free(ver);
		if (rc < 0 || (rc = add_unique(m, g, k)) < 0) {
			if (rc < 0 && k != NULL)
				ck_sops_key_free(k);
			return rc;
		}
	}
	v = ck_sops_map_get(gm, "merge");
	for (j = 0; v != NULL && v->type == CK_SOPS_SEQ && j < v->len; j++)
		if ((rc = add_group_entry(m, g, &v->u.kids[j], depth + 1)) < 0)
			return rc;
	return CK_OK;
}

static int rule_to_meta(const struct ck_sops_node *r, struct ck_sops_meta *m)
{
	static const struct {
		const char *name;
		enum ck_sops_ktype t;
	} flat[] = {
		{ "age", CK_SOPS_K_AGE },           { "pgp", CK_SOPS_K_PGP },
		{ "kms", CK_SOPS_K_KMS },           { "gcp_kms", CK_SOPS_K_GCP_KMS },
		{ "hckms", CK_SOPS_K_HCKMS },       { "azure_keyvault", CK_SOPS_K_AZURE_KV },
		{ "hc_vault_transit_uri", CK_SOPS_K_HC_VAULT },
	};
	const struct ck_sops_node *kg = ck_sops_map_get(r, "key_groups"), *v;
	int nrules = 0, rc, i;
	size_t j;

	for (i = 1; i <= CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX; i++) {
		char *s = str_of(r, ck_sops_rule_name((enum ck_sops_rule)i));

		if (s == NULL || s[0] == '\0') {
			ck_free(s);
			continue;
		}
		nrules++;
		ck_free(m->rule_value);
		m->rule_value = s;
		m->rule = (enum ck_sops_rule)i;
	}
	if (nrules > 1)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_READING_CONFIG,
		                       "sops: config: at most one of unencrypted_suffix, encrypted_suffix, "
		                       "unencrypted_regex, encrypted_regex, unencrypted_comment_regex and "
		                       "encrypted_comment_regex may be set in a creation rule");
	v = ck_sops_map_get(r, "mac_only_encrypted");
	if (v != NULL && v->type == CK_SOPS_BOOL)
		m->mac_only_encrypted = ck_sops_node_is(v, "True");
	v = ck_sops_map_get(r, "shamir_threshold");
	if (v != NULL && v->type == CK_SOPS_INT) {
		int64_t x;

		if (ck_sops__parse_int10(v->u.s, v->len, &x) < 0 || x < 0 || x > 255)
			return cerr("shamir_threshold out of range");
		m->shamir_threshold = (int)x;
	}
	if (kg != NULL && kg->type == CK_SOPS_SEQ && kg->len > 0) {
		for (j = 0; j < kg->len; j++) {
			if (kg->u.kids[j].type == CK_SOPS_COMMENT)
				continue;
			if ((rc = ck_sops_meta_add_key(m, m->ngroups, NULL)) < 0 ||
			    (rc = add_group_entry(m, m->ngroups - 1, &kg->u.kids[j], 0)) < 0)
				return rc;
		}
	} else {
		if ((rc = ck_sops_meta_add_key(m, 0, NULL)) < 0)
			return rc;
		for (i = 0; i < (int)(sizeof(flat) / sizeof(flat[0])); i++)
			if ((rc = add_field_keys(m, 0, flat[i].t, ck_sops_map_get(r, flat[i].name))) < 0)
				return rc;
		/* aws_profile applies to the rule's kms keys */
		{
			char *prof = str_of(r, "aws_profile");

			for (j = 0; prof != NULL && j < m->groups[0].n; j++)
				if (m->groups[0].keys[j]->type == CK_SOPS_K_KMS &&
				    (rc = ck_sops_key_set_field(m->groups[0].keys[j], "aws_profile", prof)) < 0) {
					ck_free(prof);
					return rc;
				}
			ck_free(prof);
		}
	}
	return CK_OK;
}

int ck_sops_config_rule_for(const struct ck_sops_config *c, const char *file_path,
                            struct ck_sops_meta *m)
{
	const struct ck_sops_node *rules = ck_sops_map_get(c->root, "creation_rules");
	char abs[PATH_MAX];
	const char *rel;
	size_t dl = strlen(c->dir);
	uint32_t i;
	int rc;

	ck_sops_meta_init(m);
	if (rules == NULL || rules->type != CK_SOPS_SEQ)
		return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_READING_CONFIG,
		                       "sops: config has no creation_rules");
	/* the path relative to the config's directory */
	if (file_path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", file_path);
	} else {
		char cwd[PATH_MAX];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			cwd[0] = 0;
		snprintf(abs, sizeof(abs), "%s/%s", cwd, file_path);
	}
	rel = abs;
	if (dl > 0 && strncmp(abs, c->dir, dl) == 0 &&
	    (abs[dl] == '/' || (dl > 0 && c->dir[dl - 1] == '/')))
		rel = abs + dl + (abs[dl] == '/');
	for (i = 0; i < rules->len; i++) {
		const struct ck_sops_node *r = &rules->u.kids[i];
		char *re = NULL;
		int match;

		if (r->type == CK_SOPS_COMMENT)
			continue;
		if (r->type != CK_SOPS_MAP)
			return cerr("creation_rules entries must be maps");
		re = str_of(r, "path_regex");
		if (re == NULL || re[0] == '\0') {
			match = 1;
		} else {
			struct ck_sops_rules cr;

			/* compiled like an encrypted_regex: RE2 -> POSIX */
			if ((rc = ck_sops__rules_init(&cr, CK_SOPS_RULE_ENCRYPTED_REGEX, re)) < 0) {
				ck_free(re);
				return ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_READING_CONFIG,
				                       "sops: config: bad path_regex: %s", ck_err_last()->msg);
			}
			match = ck_sops__rules_match(&cr, rel, strlen(rel));
			ck_sops__rules_dispose(&cr);
		}
		ck_free(re);
		if (!match)
			continue;
		if ((rc = rule_to_meta(r, m)) < 0) {
			ck_sops_meta_dispose(m);
			/* a bad key string in the rule is a config error too */
			if (ck_err_last()->exit_override == 0 && rc != CK_ENOMEM)
				rc = ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_READING_CONFIG, "sops: config: %s",
				                     ck_err_last()->msg);
			return rc;
		}
		return CK_OK;
	}
	return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_ERROR_READING_CONFIG,
	                       "error loading config: no matching creation rules found");
}
