/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kustomize secretGenerator: literals keep values in plaintext; files: and
 * envs: must name SOPS-encrypted files (Flux decrypts them before the build,
 * controller.md 2.1). Checked from both sides: when a kustomization is
 * checked its references are read from the snapshot, and in hook mode a
 * changed file is checked against the kustomizations above it that name it.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops.h"
#include "ck/sops_ops.h"
#include "hook_int.h"

struct kref {
	char *ref;   /* repository-relative, normalised */
	char *gen;   /* generator name */
	uint32_t line;
	int env;     /* envs:/env: (dotenv) rather than files: */
};

struct ck_hook__kust {
	char *kpath;
	struct kref *v;
	size_t n, cap;
};

void ck_hook__kust_free(void *p)
{
	struct ck_hook__kust *k = p;
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		ck_free(k->v[i].ref);
		ck_free(k->v[i].gen);
	}
	ck_free(k->v);
	ck_free(k->kpath);
	ck_free(k);
}

static void dir_of(struct ck_buf *b, const char *path)
{
	const char *s = strrchr(path, '/');

	ck_buf_reset(b);
	if (s != NULL && ck_buf_put(b, path, (size_t)(s - path)) < 0)
		ck_buf_reset(b);
}

static int add_ref(struct ck_hook__kust *k, const char *dir, const char *entry, size_t n,
                   const char *gen, uint32_t line, int env)
{
	struct ck_buf norm;
	char *rel;
	const char *eq = env ? NULL : memchr(entry, '=', n);
	int rc;

	if (eq != NULL) {
		n -= (size_t)(eq + 1 - entry);
		entry = eq + 1;
	}
	if (n == 0)
		return CK_OK;
	if ((rel = ck_strndup(entry, n)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	ck_buf_init(&norm, 0);
	rc = ck_hook__path_norm(&norm, dir, rel);
	ck_free(rel);
	if (rc == CK_EINVAL) {
		/* outside the repository: nothing here to check */
		ck_err_clear();
		ck_buf_dispose(&norm);
		return CK_OK;
	}
	if (rc < 0)
		goto out;
	rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
	if (k->n == k->cap) {
		size_t nc = k->cap ? k->cap * 2 : 8;
		struct kref *nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL)
			goto out;
		if (k->n > 0)
			memcpy(nv, k->v, k->n * sizeof(*nv));
		ck_free(k->v);
		k->v = nv;
		k->cap = nc;
	}
	if ((k->v[k->n].ref = ck_strdup(ck_buf_cstr(&norm))) == NULL)
		goto out;
	if ((k->v[k->n].gen = ck_strdup(gen)) == NULL) {
		ck_free(k->v[k->n].ref);
		goto out;
	}
	k->v[k->n].line = line;
	k->v[k->n].env = env;
	k->n++;
	rc = CK_OK;
out:
	ck_buf_dispose(&norm);
	return rc;
}

static int add_refs(struct ck_hook__kust *k, const char *dir, const struct ck_doc_node *list,
                    const char *gen, int env)
{
	size_t i;
	int rc;

	list = ck_doc_resolve(list);
	if (list == NULL)
		return CK_OK;
	if (list->kind == CK_DOC_SCALAR) /* the old singular `env: file` */
		return add_ref(k, dir, list->text, list->len, gen, list->line, env);
	if (list->kind != CK_DOC_SEQ)
		return CK_OK;
	for (i = 0; i < list->nkids; i++) {
		const struct ck_doc_node *it = ck_doc_resolve(list->kids[i]);

		if (it != NULL && it->kind == CK_DOC_SCALAR &&
		    (rc = add_ref(k, dir, it->text, it->len, gen, it->line, env)) < 0)
			return rc;
	}
	return CK_OK;
}

/* Literal values of one generator: report them (f != NULL) and count. */
static int literals(struct ck_hook__file *f, const struct ck_doc_node *lits, const char *gen)
{
	struct ck_buf names, key;
	size_t i, cnt = 0;
	uint32_t first = 0;
	int rc = CK_OK;

	lits = ck_doc_resolve(lits);
	if (lits == NULL || lits->kind != CK_DOC_SEQ)
		return CK_OK;
	ck_buf_init(&names, 0);
	ck_buf_init(&key, 0);
	for (i = 0; i < lits->nkids; i++) {
		const struct ck_doc_node *it = ck_doc_resolve(lits->kids[i]);
		const char *eq;
		size_t kl;

		if (it == NULL || it->kind != CK_DOC_SCALAR || it->len == 0)
			continue;
		eq = memchr(it->text, '=', it->len);
		kl = eq != NULL ? (size_t)(eq - it->text) : it->len;
		if (eq != NULL && ck_hook__is_placeholder(eq + 1, it->len - kl - 1))
			continue;
		if (eq != NULL && eq + 1 == it->text + it->len)
			continue; /* KEY= : no value */
		if (cnt == 0)
			first = it->line;
		if ((cnt < 4 && ck_buf_printf(&names, "%s%.*s", cnt ? ", " : "", (int)kl, it->text) < 0) ||
		    ck_buf_put(&key, it->text, kl) < 0 || ck_buf_putc(&key, 0) < 0 ||
		    (rc = ck_hook__cover_add(&f->cover, it->line)) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		cnt++;
	}
	if (cnt == 0)
		goto out;
	if (cnt > 4 && ck_buf_puts(&names, ", ...") < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if (ck_buf_puts(&key, gen) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	rc = ck_hook_report_add(f->r, CK_HOOK_KUSTOMIZE_LITERALS, f->path, first,
	                        (const char *)ck_buf_data(&key), ck_buf_len(&key),
	                        "move the literals into NAME.env, list it under envs:, and run: "
	                        "cloak sops encrypt --in-place NAME.env",
	                        "secretGenerator %s has %zu literal value%s in plaintext (%s)", gen, cnt,
	                        cnt == 1 ? "" : "s", ck_buf_cstr(&names));
out:
	ck_buf_dispose(&names);
	ck_buf_dispose(&key);
	return rc;
}

/* Every secretGenerator of a kustomization; literals reported when f != NULL. */
static int kust_build(struct ck_hook__kust **out, const char *kpath, const struct ck_doc *d,
                      struct ck_hook__file *f)
{
	struct ck_hook__kust *k = ck_calloc(1, sizeof(*k));
	struct ck_buf dir;
	size_t di, i;
	int rc = CK_OK;

	*out = NULL;
	ck_buf_init(&dir, 0);
	if (k == NULL || (k->kpath = ck_strdup(kpath)) == NULL) {
		ck_hook__kust_free(k);
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	}
	dir_of(&dir, kpath);
	for (di = 0; di < d->ndocs && rc == CK_OK; di++) {
		const struct ck_doc_node *root = ck_doc_resolve(d->docs[di]);
		const struct ck_doc_node *gens;

		if (root == NULL || root->kind != CK_DOC_MAP)
			continue;
		gens = ck_doc_resolve(ck_doc_map_get(root, "secretGenerator"));
		for (i = 0; gens != NULL && gens->kind == CK_DOC_SEQ && i < gens->nkids && rc == CK_OK; i++) {
			const struct ck_doc_node *g = ck_doc_resolve(gens->kids[i]);
			const char *name;

			if (g == NULL || g->kind != CK_DOC_MAP)
				continue;
			name = ck_hook__str(ck_doc_map_get(g, "name"));
			if (name == NULL)
				name = "(unnamed)";
			if (f != NULL && (rc = literals(f, ck_doc_map_get(g, "literals"), name)) < 0)
				break;
			if ((rc = add_refs(k, ck_buf_cstr(&dir), ck_doc_map_get(g, "files"), name, 0)) < 0 ||
			    (rc = add_refs(k, ck_buf_cstr(&dir), ck_doc_map_get(g, "envs"), name, 1)) < 0 ||
			    (rc = add_refs(k, ck_buf_cstr(&dir), ck_doc_map_get(g, "env"), name, 1)) < 0)
				break;
		}
	}
	ck_buf_dispose(&dir);
	if (rc < 0) {
		ck_hook__kust_free(k);
		return rc;
	}
	*out = k;
	return CK_OK;
}

static int ref_encrypted(const char *data, size_t n, const struct kref *ref)
{
	enum ck_sops_format fmt = ref->env ? CK_SOPS_FMT_DOTENV : ck_sops_format_from_path(ref->ref);

	return ck_sops_op_is_encrypted(data, n, fmt);
}

static int report_ref(struct ck_hook_report *r, const struct ck_hook__kust *k, const struct kref *ref)
{
	const char *b = strrchr(ref->ref, '/');
	int dotenv_ext;
	struct ck_buf fix;
	int rc;

	b = b != NULL ? b + 1 : ref->ref;
	dotenv_ext = strlen(b) >= 4 && strcmp(b + strlen(b) - 4, ".env") == 0;
	ck_buf_init(&fix, 0);
	if (ck_buf_printf(&fix, "cloak sops encrypt%s --in-place %s",
	                  ref->env && !dotenv_ext ? " --input-type dotenv --output-type dotenv" : "",
	                  ref->ref) < 0) {
		ck_buf_dispose(&fix);
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	}
	rc = ck_hook_report_add(r, CK_HOOK_KUSTOMIZE_FILE, k->kpath, ref->line, ref->ref,
	                        strlen(ref->ref), ck_buf_cstr(&fix),
	                        "secretGenerator %s reads %s, which is not SOPS-encrypted", ref->gen,
	                        ref->ref);
	ck_buf_dispose(&fix);
	return rc;
}

int ck_hook__check_kustomization(struct ck_hook__file *f, const struct ck_doc *d)
{
	struct ck_hook__kust *k = NULL;
	struct ck_buf text;
	size_t i;
	int rc;

	if ((rc = kust_build(&k, f->path, d, f)) < 0)
		return rc;
	ck_buf_init(&text, 0);
	for (i = 0; i < k->n && rc == CK_OK; i++) {
		ck_buf_reset(&text);
		rc = ck_hook__src_read(f->s, k->v[i].ref, &text);
		if (rc == CK_ENOTFOUND || rc == CK_ETOOBIG || rc == CK_EIO) {
			/* not in this snapshot (generated, or elsewhere): nothing to check */
			ck_err_clear();
			rc = CK_OK;
			continue;
		}
		if (rc == CK_OK && !ref_encrypted((const char *)ck_buf_data(&text), ck_buf_len(&text), &k->v[i]))
			rc = report_ref(f->r, k, &k->v[i]);
	}
	ck_buf_dispose(&text);
	ck_hook__kust_free(k);
	return rc;
}

/* The kustomization of a directory (cached; NULL when there is none). */
static int kust_for_dir(struct ck_hook__kust **out, struct ck_hook_scanner *s, const char *dir)
{
	static const char *const names[] = { "kustomization.yaml", "kustomization.yml", "Kustomization" };
	struct ck_buf path, text;
	struct ck_doc *d = NULL;
	void *v = NULL;
	size_t i;
	int rc = CK_OK;

	*out = NULL;
	if (ck_hook__strmap_get(&s->kust, dir, &v)) {
		*out = v;
		return CK_OK;
	}
	ck_buf_init(&path, 0);
	ck_buf_init(&text, 0);
	for (i = 0; i < 3; i++) {
		ck_buf_reset(&path);
		ck_buf_reset(&text);
		if (ck_buf_printf(&path, "%s%s%s", dir, dir[0] ? "/" : "", names[i]) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		rc = ck_hook__src_read(s, ck_buf_cstr(&path), &text);
		if (rc == CK_OK)
			break;
		if (rc == CK_ENOMEM)
			goto out;
		rc = CK_OK;
	}
	ck_err_clear();
	if (i < 3 && memmem(ck_buf_data(&text), ck_buf_len(&text), "secretGenerator", 15) != NULL &&
	    ck_doc_parse_yaml(&d, (const char *)ck_buf_data(&text), ck_buf_len(&text),
	                      CK_DOC_NO_COMMENTS) == CK_OK) {
		if ((rc = kust_build(out, ck_buf_cstr(&path), d, NULL)) < 0)
			goto out;
	}
	ck_err_clear();
	if ((rc = ck_hook__strmap_put(&s->kust, dir, *out)) < 0) {
		ck_hook__kust_free(*out);
		*out = NULL;
	}
out:
	ck_doc_free(d);
	ck_buf_dispose(&path);
	ck_buf_dispose(&text);
	return rc;
}

int ck_hook__check_kustomize_refs(struct ck_hook__file *f)
{
	struct ck_buf dir;
	int rc = CK_OK;

	if (f->cls.kind == CK_HOOK_K_KUSTOMIZATION)
		return CK_OK;
	ck_buf_init(&dir, 0);
	dir_of(&dir, f->path);
	for (;;) {
		struct ck_hook__kust *k = NULL;
		size_t i;
		char *slash;

		if ((rc = kust_for_dir(&k, f->s, ck_buf_cstr(&dir))) < 0)
			break;
		for (i = 0; k != NULL && i < k->n && rc == CK_OK; i++)
			if (strcmp(k->v[i].ref, f->path) == 0 && !ref_encrypted(f->data, f->n, &k->v[i]))
				rc = report_ref(f->r, k, &k->v[i]);
		if (rc < 0 || ck_buf_len(&dir) == 0)
			break;
		slash = strrchr((char *)ck_buf_mutable(&dir), '/');
		ck_buf_truncate(&dir, slash != NULL ? (size_t)(slash - (char *)ck_buf_mutable(&dir)) : 0);
	}
	ck_buf_dispose(&dir);
	return rc;
}
