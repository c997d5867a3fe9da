/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes manifests: Secrets (plaintext or SOPS-encrypted), SealedSecrets
 * (ciphertext shape, scope, plaintext in the template) and v1 Lists of them,
 * in every document of a YAML stream or a JSON file. The blob's bytes are
 * ordinary memory already (libgit2 hands them over so); the tree built here
 * lives as long as one file's check.
 */
#include <stdio.h>
#include <string.h>

#include "ck/enc.h"
#include "ck/seal.h"
#include "hook_int.h"

#define MAX_NAMES 4 /* value names listed in a message */

struct vals {
	uint32_t first_line;
	size_t plain, enc;
	struct ck_buf names; /* "data.password, stringData.user" (first MAX_NAMES) */
	struct ck_buf key;   /* fingerprint key: kind, namespace, name, value names */
	const char *first_key;
	const char *first_field;
};

static const char *meta_str(const struct ck_doc_node *root, const char *field)
{
	const struct ck_doc_node *m = ck_doc_map_get(root, "metadata");

	return m != NULL ? ck_hook__str(ck_doc_map_get(m, field)) : NULL;
}

static int empty_value(const struct ck_doc_node *v)
{
	v = ck_doc_resolve(v);
	return v == NULL || (v->kind == CK_DOC_SCALAR && (v->len == 0 || ck_doc_scalar_type(v) == CK_DOC_T_NULL));
}

/* Collect the values of data/stringData: ENC[] values, plaintext values. */
static int collect(struct ck_hook__file *f, struct vals *v, const struct ck_doc_node *root)
{
	static const char *const fields[] = { "data", "stringData" };
	size_t k, i;
	int rc;

	for (k = 0; k < 2; k++) {
		const struct ck_doc_node *m = ck_doc_map_get(root, fields[k]);

		if (m == NULL || m->kind != CK_DOC_MAP)
			continue;
		for (i = 0; i < ck_doc_map_len(m); i++) {
			const struct ck_doc_node *key = ck_doc_map_key(m, i);
			const struct ck_doc_node *val = ck_doc_resolve(ck_doc_map_value(m, i));
			const char *kt = key != NULL && key->kind == CK_DOC_SCALAR ? key->text : "?";

			if (empty_value(val))
				continue;
			if (val->kind == CK_DOC_SCALAR && ck_hook__is_enc(val->text, val->len)) {
				v->enc++;
				if ((rc = ck_hook__cover_add(&f->cover, val->line)) < 0)
					return rc;
				continue;
			}
			if (val->kind == CK_DOC_SCALAR && ck_hook__is_placeholder(val->text, val->len))
				continue;
			if (v->plain == 0 || (val->line != 0 && val->line < v->first_line)) {
				v->first_line = val->line ? val->line : (key ? key->line : 0);
				v->first_key = kt;
				v->first_field = fields[k];
			}
			if (v->plain < MAX_NAMES &&
			    ck_buf_printf(&v->names, "%s%s.%s", v->plain ? ", " : "", fields[k], kt) < 0)
				return ck_err_set(CK_ENOMEM, "hook: out of memory");
			if (ck_buf_printf(&v->key, "%s.%s", fields[k], kt) < 0 || ck_buf_putc(&v->key, 0) < 0)
				return ck_err_set(CK_ENOMEM, "hook: out of memory");
			v->plain++;
			if ((rc = ck_hook__cover_add(&f->cover, val->line)) < 0 ||
			    (key != NULL && (rc = ck_hook__cover_add(&f->cover, key->line)) < 0))
				return rc;
		}
	}
	if (v->plain > MAX_NAMES && ck_buf_puts(&v->names, ", ...") < 0)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	return CK_OK;
}

/* "ns/name", "name" or "(unnamed)" */
static int ident(struct ck_buf *b, const struct ck_doc_node *root)
{
	const char *ns = meta_str(root, "namespace"), *name = meta_str(root, "name");

	ck_buf_reset(b);
	if (ck_buf_printf(b, "%s%s%s", ns ? ns : "", ns ? "/" : "", name ? name : "(unnamed)") < 0)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	return CK_OK;
}

static int check_secret(struct ck_hook__file *f, const struct ck_doc_node *root,
                        const struct ck_doc_node *sops)
{
	struct vals v;
	struct ck_buf id, fix;
	const char *patch = ck_hook__str(ck_doc_map_get(root, "$patch"));
	int rc = CK_OK;

	if (patch != NULL && strcmp(patch, "delete") == 0)
		return CK_OK; /* a kustomize deletion patch carries no values */
	memset(&v, 0, sizeof(v));
	ck_buf_init(&v.names, 0);
	ck_buf_init(&v.key, 0);
	ck_buf_init(&id, 0);
	ck_buf_init(&fix, 0);
	if ((rc = collect(f, &v, root)) < 0 || (rc = ident(&id, root)) < 0)
		goto out;
	if (v.plain == 0 && v.enc == 0)
		goto out;
	if (ck_buf_put(&v.key, ck_buf_data(&id), ck_buf_len(&id)) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if (sops != NULL && sops->kind == CK_DOC_MAP) {
		const char *mac = ck_hook__str(ck_doc_map_get(sops, "mac"));

		if (mac == NULL || mac[0] == '\0') {
			rc = ck_hook_report_add(f->r, CK_HOOK_SECRET_PARTIAL, f->path, sops->line, "no-mac", 6,
			                        "encrypt the file again: cloak sops decrypt --ignore-mac -i FILE "
			                        "&& cloak sops encrypt -i FILE",
			                        "Secret %s: sops metadata has no MAC, so the file is not a "
			                        "complete SOPS file", ck_buf_cstr(&id));
			if (rc < 0)
				goto out;
		}
		if (v.plain > 0) {
			if (ck_buf_printf(&fix, "cloak sops set %s '[\"%s\"][\"%s\"]' '\"VALUE\"'", f->path,
			                  v.first_field, v.first_key) < 0) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				goto out;
			}
			rc = ck_hook_report_add(f->r, CK_HOOK_SECRET_PARTIAL, f->path, v.first_line,
			                        (const char *)ck_buf_data(&v.key), ck_buf_len(&v.key),
			                        ck_buf_cstr(&fix),
			                        "Secret %s is a SOPS file but %zu value%s not encrypted (%s)",
			                        ck_buf_cstr(&id), v.plain, v.plain == 1 ? " is" : "s are",
			                        ck_buf_cstr(&v.names));
		}
		goto out;
	}
	if (v.plain > 0) {
		if (ck_buf_printf(&fix, "cloak sops encrypt --encrypted-regex '^(data|stringData)$' "
		                        "--age RECIPIENT --in-place %s  (or seal it: cloak seal -f %s -o yaml)",
		                  f->path, f->path) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		f->secret_reported = 1;
		rc = ck_hook_report_add(f->r, CK_HOOK_SECRET_PLAINTEXT, f->path, v.first_line,
		                        (const char *)ck_buf_data(&v.key), ck_buf_len(&v.key),
		                        ck_buf_cstr(&fix), "Secret %s has %zu plaintext value%s (%s)",
		                        ck_buf_cstr(&id), v.plain, v.plain == 1 ? "" : "s",
		                        ck_buf_cstr(&v.names));
	} else {
		rc = ck_hook_report_add(f->r, CK_HOOK_SECRET_PARTIAL, f->path, root->line,
		                        (const char *)ck_buf_data(&v.key), ck_buf_len(&v.key),
		                        "restore the sops metadata (the `sops:` block) from the file's history",
		                        "Secret %s has ENC[] values but no sops metadata: nothing can "
		                        "decrypt it", ck_buf_cstr(&id));
	}
out:
	ck_buf_dispose(&v.names);
	ck_buf_dispose(&v.key);
	ck_buf_dispose(&id);
	ck_buf_dispose(&fix);
	return rc;
}

/* ---- SealedSecret ---- */

static const char SEAL_FIX[] = "seal the value again: cloak seal --merge-into FILE -f SECRET.yaml";

static int b64v(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * Canonical padded standard base64 (what every encoder writes), decoded
 * without libsodium's constant-time decoder: a SealedSecret's values are
 * public ciphertext, and hundreds of them made up a tenth of an audit.
 * 1: decoded into out; 0: not canonical, ck_b64_decode() decides (so what
 * is accepted does not change); CK_ENOMEM.
 */
static int b64_canonical(struct ck_buf *out, const char *s, size_t n)
{
	size_t i, pad, w = 0;
	uint8_t *d;

	if (n == 0 || n % 4 != 0)
		return 0;
	pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
	if (ck_buf_reserve(out, n / 4 * 3, &d) < 0)
		return CK_ENOMEM;
	for (i = 0; i < n; i += 4) {
		int a = b64v((unsigned char)s[i]), b = b64v((unsigned char)s[i + 1]);
		int c = i + 4 == n && pad == 2 ? 0 : b64v((unsigned char)s[i + 2]);
		int e = i + 4 == n && pad >= 1 ? 0 : b64v((unsigned char)s[i + 3]);

		if ((a | b | c | e) < 0)
			return 0;
		d[w++] = (uint8_t)(a << 2 | b >> 4);
		if (i + 4 < n || pad < 2)
			d[w++] = (uint8_t)((b & 15) << 4 | c >> 2);
		else if (b & 15)
			return 0; /* bits after the last byte */
		if (i + 4 < n || pad < 1)
			d[w++] = (uint8_t)((c & 3) << 6 | e);
		else if (pad == 1 && (c & 3))
			return 0;
	}
	ck_buf_truncate(out, w);
	return 1;
}

/* Shape of one hybrid ciphertext (seal/hybrid.c writes it; sealed-secrets.md section 1). */
static int sealed_value(struct ck_hook__file *f, const char *ssid, const char *key,
                        const struct ck_doc_node *val)
{
	struct ck_buf raw;
	const char *why = NULL;
	size_t i;
	int rc = CK_OK;

	ck_buf_init(&raw, 0);
	val = ck_doc_resolve(val);
	if (val == NULL || val->kind != CK_DOC_SCALAR || ck_doc_scalar_type(val) != CK_DOC_T_STR) {
		why = "is not a string (the controller silently drops it)";
		goto report;
	}
	for (i = 0; i < val->len; i++)
		if (val->text[i] == ' ' || val->text[i] == '\t') {
			why = "contains blanks (Go's base64 rejects them)";
			goto report;
		}
	if ((rc = b64_canonical(&raw, val->text, val->len)) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if (rc == 0) {
		ck_buf_reset(&raw);
		if (ck_b64_decode(&raw, val->text, val->len, CK_B64_STD, CK_B64_IGNORE_WS) < 0) {
			ck_err_clear();
			why = "is not standard padded base64";
			rc = CK_OK;
			goto report;
		}
	}
	rc = CK_OK;
	if (ck_buf_len(&raw) < 2) {
		why = "is too short to hold a ciphertext";
		goto report;
	} else {
		const uint8_t *b = ck_buf_data(&raw);
		size_t l = (size_t)b[0] << 8 | b[1];

		if (l != 256 && l != 384 && l != 512) {
			why = "has a length prefix that is no RSA block size (256, 384 or 512 bytes)";
			goto report;
		}
		if (!ck_seal_hybrid_framed(b, ck_buf_len(&raw)) ||
		    ck_buf_len(&raw) < 2 + l + CK_SEAL_TAG_LEN) {
			why = "is shorter than its length prefix, RSA block and GCM tag";
			goto report;
		}
	}
	rc = ck_hook__cover_add(&f->cover, val->line);
	goto out;
report:
	if ((rc = ck_hook__cover_add(&f->cover, val ? val->line : 0)) == CK_OK)
		rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_MALFORMED, f->path, val ? val->line : 0, key,
		                        strlen(key), SEAL_FIX, "SealedSecret %s: encryptedData.%s %s", ssid,
		                        key, why);
out:
	ck_buf_dispose(&raw);
	return rc;
}

/* A scope annotation: 1 "true", 0 absent, -1 present with another value. */
static int anno(const struct ck_doc_node *annos, const char *name, const struct ck_doc_node **node)
{
	const struct ck_doc_node *v = annos != NULL ? ck_doc_resolve(ck_doc_map_get(annos, name)) : NULL;

	*node = v;
	if (v == NULL)
		return 0;
	if (v->kind == CK_DOC_SCALAR && ck_doc_scalar_type(v) == CK_DOC_T_STR && strcmp(v->text, "true") == 0)
		return 1;
	return -1;
}

static int scope_check(struct ck_hook__file *f, const struct ck_doc_node *root, const char *ssid)
{
	static const char *const names[2] = { CK_SEAL_ANNO_CLUSTER_WIDE, CK_SEAL_ANNO_NAMESPACE_WIDE };
	const struct ck_doc_node *md = ck_doc_map_get(root, "metadata");
	const struct ck_doc_node *annos = md ? ck_doc_map_get(md, "annotations") : NULL;
	const struct ck_doc_node *tmd = ck_doc_get_path(root, "spec.template.metadata");
	const struct ck_doc_node *tannos = tmd ? ck_doc_map_get(tmd, "annotations") : NULL;
	const char *ns = meta_str(root, "namespace"), *name = meta_str(root, "name");
	int own[2], tpl[2], k, rc;
	uint32_t line = md ? md->line : root->line;

	for (k = 0; k < 2; k++) {
		const struct ck_doc_node *n1, *n2;

		own[k] = anno(annos, names[k], &n1);
		tpl[k] = anno(tannos, names[k], &n2);
		if (own[k] < 0 || tpl[k] < 0) {
			const struct ck_doc_node *bad = own[k] < 0 ? n1 : n2;

			rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_SCOPE, f->path, bad ? bad->line : line,
			                        names[k], strlen(names[k]),
			                        "write the annotation as the string \"true\" or remove it, "
			                        "then seal again with the matching --scope",
			                        "SealedSecret %s: annotation %s is not the string \"true\", so "
			                        "the controller ignores it", ssid, names[k]);
			if (rc < 0)
				return rc;
		}
	}
	if (own[0] == 1 && own[1] == 1)
		if ((rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_SCOPE, f->path, line, "both", 4,
		                             "keep one scope annotation and seal again with that --scope",
		                             "SealedSecret %s is annotated both cluster-wide and "
		                             "namespace-wide", ssid)) < 0)
			return rc;
	/*
	 * kubeseal copies the scope annotation into the template; a template
	 * that names another scope than the resource was sealed under one
	 * label and will be opened under the other.
	 */
	if (tpl[0] == 1 || tpl[1] == 1) {
		static const char *const sname[3] = { "strict", "namespace-wide", "cluster-wide" };
		int os = own[0] == 1 ? 2 : own[1] == 1 ? 1 : 0, ts = tpl[0] == 1 ? 2 : 1;

		if (os != ts &&
		    (rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_SCOPE, f->path, line, "tpl-scope", 9,
		                             "seal again with the scope you mean: cloak seal --scope SCOPE",
		                             "SealedSecret %s: the template says %s but metadata.annotations "
		                             "(what the controller reads) says %s", ssid, sname[ts],
		                             sname[os])) < 0)
			return rc;
	}
	/* the template names another object: the values were sealed for that one */
	if (tmd != NULL && own[0] != 1) {
		const char *tns = ck_hook__str(ck_doc_map_get(tmd, "namespace"));
		const char *tname = ck_hook__str(ck_doc_map_get(tmd, "name"));
		int strict = own[1] != 1;

		if ((tns != NULL && ns != NULL && strcmp(tns, ns) != 0) ||
		    (strict && tname != NULL && name != NULL && strcmp(tname, name) != 0)) {
			if ((rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_SCOPE, f->path, tmd->line, "tpl-ident",
			                             9, "seal again for the right object: cloak seal -n NAMESPACE "
			                             "--name NAME", "SealedSecret %s: its template names %s/%s; "
			                             "under %s scope the values only open for the object they "
			                             "were sealed for", ssid, tns ? tns : (ns ? ns : ""),
			                             tname ? tname : (name ? name : ""),
			                             strict ? "strict" : "namespace-wide")) < 0)
				return rc;
		}
	}
	return CK_OK;
}

static int sealed_plain_map(struct ck_hook__file *f, const struct ck_doc_node *m, const char *ssid,
                            const char *where, int templates)
{
	size_t i;
	int rc;

	m = ck_doc_resolve(m);
	if (m == NULL || m->kind != CK_DOC_MAP)
		return CK_OK;
	for (i = 0; i < ck_doc_map_len(m); i++) {
		const struct ck_doc_node *k = ck_doc_map_key(m, i);
		const struct ck_doc_node *v = ck_doc_resolve(ck_doc_map_value(m, i));
		const char *kt = k != NULL && k->kind == CK_DOC_SCALAR ? k->text : "?";
		struct ck_buf key;

		if (empty_value(v))
			continue;
		/* template.data entries are Go templates over the decrypted values */
		if (templates && v->kind == CK_DOC_SCALAR && memmem(v->text, v->len, "{{", 2) != NULL)
			continue;
		ck_buf_init(&key, 0);
		if (ck_buf_printf(&key, "%s.%s", where, kt) < 0) {
			ck_buf_dispose(&key);
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		}
		rc = ck_hook__cover_add(&f->cover, v->line);
		if (rc == CK_OK)
			rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_PLAINTEXT, f->path, v->line,
			                        ck_buf_cstr(&key), ck_buf_len(&key),
			                        "move the value into a Secret and seal it: cloak seal "
			                        "--merge-into FILE -f SECRET.yaml",
			                        "SealedSecret %s: %s is plaintext in Git%s", ssid,
			                        ck_buf_cstr(&key),
			                        templates ? " (a literal, not a template)" : "");
		ck_buf_dispose(&key);
		if (rc < 0)
			return rc;
	}
	return CK_OK;
}

static int check_sealed(struct ck_hook__file *f, const struct ck_doc_node *root)
{
	const struct ck_doc_node *spec = ck_doc_map_get(root, "spec");
	const struct ck_doc_node *ed = spec ? ck_doc_resolve(ck_doc_map_get(spec, "encryptedData")) : NULL;
	const struct ck_doc_node *tpl = spec ? ck_doc_map_get(spec, "template") : NULL;
	struct ck_buf id;
	size_t i;
	int rc;

	ck_buf_init(&id, 0);
	if ((rc = ident(&id, root)) < 0)
		goto out;
	if (meta_str(root, "name") == NULL) {
		rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_MALFORMED, f->path, root->line, "no-name", 7,
		                        SEAL_FIX, "SealedSecret without metadata.name: the controller "
		                        "cannot unseal it");
		if (rc < 0)
			goto out;
	}
	if (spec == NULL || spec->kind != CK_DOC_MAP) {
		rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_MALFORMED, f->path, root->line, "no-spec", 7,
		                        SEAL_FIX, "SealedSecret %s has no spec", ck_buf_cstr(&id));
		goto out;
	}
	if (ed != NULL && ed->kind != CK_DOC_MAP && !empty_value(ed)) {
		rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_MALFORMED, f->path, ed->line, "ed-type", 7,
		                        SEAL_FIX, "SealedSecret %s: spec.encryptedData is not a map",
		                        ck_buf_cstr(&id));
		if (rc < 0)
			goto out;
	}
	if (ed != NULL && ed->kind == CK_DOC_MAP && ck_doc_map_len(ed) > 0 &&
	    ck_doc_map_get(spec, "data") != NULL) {
		rc = ck_hook_report_add(f->r, CK_HOOK_SEALED_MALFORMED, f->path, spec->line, "both", 4,
		                        SEAL_FIX, "SealedSecret %s uses both encryptedData and the "
		                        "deprecated spec.data, which the controller refuses",
		                        ck_buf_cstr(&id));
		if (rc < 0)
			goto out;
	}
	for (i = 0; ed != NULL && ed->kind == CK_DOC_MAP && i < ck_doc_map_len(ed); i++) {
		const struct ck_doc_node *k = ck_doc_map_key(ed, i);

		if ((rc = sealed_value(f, ck_buf_cstr(&id), k && k->kind == CK_DOC_SCALAR ? k->text : "?",
		                       ck_doc_map_value(ed, i))) < 0)
			goto out;
	}
	if ((rc = scope_check(f, root, ck_buf_cstr(&id))) < 0)
		goto out;
	if (tpl != NULL && (rc = sealed_plain_map(f, ck_doc_map_get(tpl, "stringData"),
	                                          ck_buf_cstr(&id), "spec.template.stringData", 0)) < 0)
		goto out;
	if (tpl != NULL && (rc = sealed_plain_map(f, ck_doc_map_get(tpl, "data"), ck_buf_cstr(&id),
	                                          "spec.template.data", 1)) < 0)
		goto out;
	if ((rc = sealed_plain_map(f, ck_doc_map_get(root, "data"), ck_buf_cstr(&id), "data", 0)) < 0 ||
	    (rc = sealed_plain_map(f, ck_doc_map_get(root, "stringData"), ck_buf_cstr(&id), "stringData",
	                           0)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_buf_dispose(&id);
	return rc;
}

static int check_doc(struct ck_hook__file *f, const struct ck_doc_node *root,
                     const struct ck_doc_node *sops, int depth)
{
	const char *kind, *api;
	int rc;

	root = ck_doc_resolve(root);
	if (root == NULL || root->kind != CK_DOC_MAP)
		return CK_OK;
	kind = ck_hook__str(ck_doc_map_get(root, "kind"));
	api = ck_hook__str(ck_doc_map_get(root, "apiVersion"));
	if (kind == NULL)
		return CK_OK;
	if (strcmp(kind, "Secret") == 0 && (api == NULL || strcmp(api, "v1") == 0)) {
		const struct ck_doc_node *own = ck_doc_map_get(root, "sops");

		return check_secret(f, root, own != NULL ? ck_doc_resolve(own) : sops);
	}
	if (strcmp(kind, "SealedSecret") == 0 && (api == NULL || strncmp(api, "bitnami.com/", 12) == 0))
		return check_sealed(f, root);
	if (depth == 0 && strlen(kind) >= 4 && strcmp(kind + strlen(kind) - 4, "List") == 0) {
		const struct ck_doc_node *items = ck_doc_resolve(ck_doc_map_get(root, "items"));
		size_t i;

		for (i = 0; items != NULL && items->kind == CK_DOC_SEQ && i < items->nkids; i++)
			if ((rc = check_doc(f, items->kids[i], sops, depth + 1)) < 0)
				return rc;
	}
	return CK_OK;
}

int ck_hook__check_manifests(struct ck_hook__file *f)
{
	struct ck_doc *d = NULL;
	const struct ck_doc_node *sops0 = NULL;
	size_t i;
	int rc;

	if (f->cls.kind == CK_HOOK_K_JSON)
		rc = ck_doc_parse_json(&d, f->data, f->n, CK_DOC_NO_COMMENTS);
	else
		rc = ck_doc_parse_yaml(&d, f->data, f->n, CK_DOC_NO_COMMENTS);
	if (rc == CK_ENOMEM)
		return rc;
	if (rc < 0) {
		char msg[CK_ERR_MSG_MAX];

		if (f->cls.flags & CK_HOOK_C_TEMPLATE)
			return CK_OK; /* a Helm template is not YAML until rendered */
		snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		ck_err_clear();
		f->malformed_reported = 1;
		return ck_hook_report_add(f->r, CK_HOOK_MALFORMED, f->path, ck_hook__err_line(msg),
		                          "parse", 5, "fix the syntax, then check again: cloak audit "
		                          "--worktree FILE", "cannot parse %s: %s",
		                          f->cls.kind == CK_HOOK_K_JSON ? "JSON" : "YAML",
		                          ck_hook__err_text(msg));
	}
	/* sops writes its metadata into every document; readers take the first's */
	if (d->ndocs > 0 && d->docs[0] != NULL) {
		const struct ck_doc_node *r0 = ck_doc_resolve(d->docs[0]);

		if (r0 != NULL && r0->kind == CK_DOC_MAP)
			sops0 = ck_doc_resolve(ck_doc_map_get(r0, "sops"));
	}
	rc = CK_OK;
	for (i = 0; i < d->ndocs && rc == CK_OK; i++)
		rc = check_doc(f, d->docs[i], sops0, 0);
	if (rc == CK_OK && f->cls.kind == CK_HOOK_K_KUSTOMIZATION)
		rc = ck_hook__check_kustomization(f, d);
	ck_doc_free(d);
	return rc;
}
