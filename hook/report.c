/* SPDX-License-Identifier: Apache-2.0 */
/* The rule table, findings, fingerprints. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/hash.h"
#include "ck/hook.h"
#include "ck/secret.h"
#include "hook_int.h"

static const struct ck_hook_rule_info rules[CK_HOOK_NRULES] = {
	[CK_HOOK_SECRET_PLAINTEXT] = { "k8s-secret-plaintext",
		"Kubernetes Secret with plaintext values",
		"A Secret (any document of a YAML or JSON file) has values in data or stringData and is "
		"not a SOPS file. Encrypt it with `cloak sops encrypt --in-place FILE` (a .sops.yaml "
		"creation rule with encrypted_regex ^(data|stringData)$ keeps metadata readable) or seal "
		"it with `cloak seal`.", 0 },
	[CK_HOOK_SECRET_PARTIAL] = { "k8s-secret-partial",
		"Kubernetes Secret only partly SOPS-encrypted",
		"A Secret carries sops metadata, but the MAC is missing or a value under data/stringData "
		"is not an ENC[] value (added after encryption). Set it encrypted with "
		"`cloak sops set FILE PATH VALUE`, or decrypt and encrypt the file again.", 0 },
	[CK_HOOK_SOPS_UNENCRYPTED] = { "sops-unencrypted",
		"File that .sops.yaml says must be encrypted is plaintext",
		"The file matches a path_regex creation rule of the nearest .sops.yaml and has values "
		"that rule encrypts, but no sops metadata. Run `cloak sops encrypt --in-place FILE`.", 0 },
	[CK_HOOK_SOPS_PARTIAL] = { "sops-partial",
		"SOPS file with plaintext values its rule encrypts",
		"A SOPS file has a value that its encryption rule (from its metadata or the matching "
		".sops.yaml rule: suffix or regex options) selects but that is not an ENC[] value, or "
		"its metadata has no MAC. Set the value with `cloak sops set`, or re-encrypt the file.", 0 },
	[CK_HOOK_SOPS_KEYS] = { "sops-wrong-keys",
		"SOPS file encrypted for none of its rule's keys",
		"The metadata of a SOPS file names no master key of the .sops.yaml creation rule that "
		"matches it, so the people and controllers that rule is for cannot decrypt it. Run "
		"`cloak sops updatekeys FILE`.", 0 },
	[CK_HOOK_KUSTOMIZE_LITERALS] = { "kustomize-literals",
		"kustomize secretGenerator with literal values",
		"A secretGenerator lists literals, which keeps the values in plaintext in the "
		"kustomization. Move them to an env file listed under envs: and encrypt that file with "
		"`cloak sops encrypt --in-place FILE`.", 0 },
	[CK_HOOK_KUSTOMIZE_FILE] = { "kustomize-unencrypted-file",
		"kustomize secretGenerator reads an unencrypted file",
		"A secretGenerator files:/envs: entry names a file that is not SOPS-encrypted (Flux "
		"decrypts such files before the build). Run `cloak sops encrypt --in-place FILE`.", 0 },
	[CK_HOOK_SEALED_MALFORMED] = { "sealed-malformed",
		"SealedSecret with a malformed ciphertext",
		"An encryptedData value is not standard base64 of a Sealed Secrets ciphertext (2-byte "
		"length prefix, an RSA block of 256, 384 or 512 bytes, AES-GCM data and tag), or the "
		"resource cannot be read. Seal the value again with `cloak seal`.", 0 },
	[CK_HOOK_SEALED_SCOPE] = { "sealed-scope",
		"SealedSecret whose scope contradicts its name or namespace",
		"The scope annotations disagree with each other, with the template's copy, or are not "
		"the string \"true\", or the template names another namespace/name than the resource: "
		"the controller will fail to decrypt. Seal again with the right --scope, name and "
		"namespace.", 0 },
	[CK_HOOK_SEALED_PLAINTEXT] = { "sealed-plaintext",
		"SealedSecret carrying plaintext values",
		"A SealedSecret has data/stringData outside encryptedData (template literals, "
		"template.stringData, or top-level fields), which stay in plaintext in Git. Seal the "
		"values with `cloak seal --merge-into FILE`.", 0 },
	[CK_HOOK_MALFORMED] = { "malformed-document",
		"YAML or JSON that cannot be parsed",
		"A file that looks like a Secret, SealedSecret, SOPS file or kustomization does not "
		"parse, so it cannot be checked. Fix the syntax at the reported line.", 0 },
	[CK_HOOK_CONFIG] = { "config-invalid",
		"Invalid .cloak.yaml or .sops.yaml",
		"The hook's allowlist or a SOPS config cannot be read; nothing it says applies until "
		"it is fixed.", 0 },
	[CK_HOOK_PRIVATE_KEY] = { "private-key",
		"PEM private key",
		"A PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8, PGP) on an added line. Remove "
		"it, rotate the key, and keep it SOPS-encrypted or out of Git.", 1 },
	[CK_HOOK_AGE_KEY] = { "age-secret-key",
		"age secret key",
		"An AGE-SECRET-KEY-1... identity with a valid bech32 checksum on an added line. Remove "
		"it and generate a new key (`cloak age keygen`).", 1 },
	[CK_HOOK_AWS] = { "aws-credentials",
		"AWS access key with its secret",
		"An AWS access key id next to a 40-character secret access key, or a secret access key "
		"assignment, on added lines. Remove them and deactivate the key in IAM.", 1 },
	[CK_HOOK_GITHUB] = { "github-token",
		"GitHub token",
		"A GitHub personal, OAuth, app or refresh token (ghp_, gho_, ghu_, ghs_, ghr_, "
		"github_pat_) on an added line. Remove it and revoke it on GitHub.", 1 },
	[CK_HOOK_GITLAB] = { "gitlab-token",
		"GitLab token",
		"A GitLab personal, deploy, runner or trigger token (glpat-, gldt-, glrt-, glptt-, ...) "
		"on an added line. Remove it and revoke it in GitLab.", 1 },
	[CK_HOOK_SLACK] = { "slack-token",
		"Slack token or webhook",
		"A Slack bot/user/app token (xoxb-, xoxp-, xapp-, ...) or incoming-webhook URL on an "
		"added line. Remove it and revoke it in Slack.", 1 },
	[CK_HOOK_VAULT] = { "vault-token",
		"HashiCorp Vault token",
		"A Vault service, batch or recovery token (hvs., hvb., hvr.) on an added line. Remove it "
		"and revoke it (`vault token revoke`).", 1 },
	[CK_HOOK_ASSIGNMENT] = { "secret-assignment",
		"High-entropy value assigned to a secret-looking name",
		"An added line assigns a random-looking string to a name like password, token, secret "
		"or api_key. Move the value into a SOPS-encrypted file or a secret store and rotate it; "
		"allow a false positive with `cloak:allow secret-assignment`.", 1 },
};

const struct ck_hook_rule_info *ck_hook_rule_info(enum ck_hook_rule r)
{
	CK_ASSERT((unsigned)r < CK_HOOK_NRULES);
	return &rules[r];
}

int ck_hook_rule_from_id(const char *id, size_t n)
{
	int i;

	for (i = 0; i < CK_HOOK_NRULES; i++)
		if (strlen(rules[i].id) == n && memcmp(rules[i].id, id, n) == 0)
			return i;
	return -1;
}

void ck_hook_report_init(struct ck_hook_report *r)
{
	memset(r, 0, sizeof(*r));
}

static void finding_dispose(struct ck_hook_finding *f)
{
	ck_free(f->path);
	ck_free(f->message);
	ck_free(f->fix);
	ck_free(f->fingerprint);
}

void ck_hook_report_dispose(struct ck_hook_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		finding_dispose(&r->v[i]);
	ck_free(r->v);
	memset(r, 0, sizeof(*r));
}

static int make_fp(struct ck_buf *b, enum ck_hook_rule rule, const char *path, const char *key,
                   size_t keylen)
{
	uint8_t d[CK_SHA256_LEN];
	static const char hex[] = "0123456789abcdef";
	struct ck_buf in;
	int i, rc = CK_ENOMEM;

	ck_buf_init(&in, 0);
	if (ck_buf_put(&in, rules[rule].id, strlen(rules[rule].id) + 1) < 0 ||
	    ck_buf_put(&in, path, strlen(path) + 1) < 0 ||
	    (keylen > 0 && ck_buf_put(&in, key, keylen) < 0))
		goto out;
	ck_sha256(d, ck_buf_data(&in), ck_buf_len(&in));
	if (ck_buf_printf(b, "%s:%s:", rules[rule].id, path) < 0)
		goto out;
	for (i = 0; i < CK_HOOK_FP_HEX / 2; i++)
		if (ck_buf_putc(b, hex[d[i] >> 4]) < 0 || ck_buf_putc(b, hex[d[i] & 15]) < 0)
			goto out;
	rc = CK_OK;
out:
	ck_memzero(d, sizeof(d));
	ck_buf_dispose(&in);
	return rc;
}

int ck_hook_report_add(struct ck_hook_report *r, enum ck_hook_rule rule, const char *path,
                       uint32_t line, const char *key, size_t keylen, const char *fix,
                       const char *fmt, ...)
{
	struct ck_hook_finding f;
	struct ck_buf fp, msg;
	va_list ap;
	size_t i;
	int rc = CK_ENOMEM;

	memset(&f, 0, sizeof(f));
	ck_buf_init(&fp, 0);
	ck_buf_init(&msg, 0);
	if (make_fp(&fp, rule, path, key, keylen) < 0)
		goto out;
	for (i = 0; i < r->n; i++) {
		if (r->v[i].rule == rule && r->v[i].line == line &&
		    strcmp(r->v[i].fingerprint, ck_buf_cstr(&fp)) == 0 &&
		    strcmp(r->v[i].path, path) == 0) {
			rc = CK_OK;
			goto out;
		}
	}
	va_start(ap, fmt);
	rc = ck_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		rc = CK_ENOMEM;
		goto out;
	}
	rc = CK_ENOMEM;
	/* one line, whatever a message built from file content holds */
	for (i = 0; i < ck_buf_len(&msg); i++) {
		uint8_t *p = ck_buf_mutable(&msg) + i;

		if (*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	f.rule = rule;
	f.line = line;
	if ((f.path = ck_strdup(path)) == NULL || (f.message = ck_strdup(ck_buf_cstr(&msg))) == NULL ||
	    (f.fix = ck_strdup(fix != NULL ? fix : "")) == NULL ||
	    (f.fingerprint = ck_strdup(ck_buf_cstr(&fp))) == NULL)
		goto out;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 16;
		struct ck_hook_finding *nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL)
			goto out;
		if (r->n > 0)
			memcpy(nv, r->v, r->n * sizeof(*nv));
		ck_free(r->v);
		r->v = nv;
		r->cap = nc;
	}
	r->v[r->n++] = f;
	memset(&f, 0, sizeof(f)); /* transferred */
	rc = CK_OK;
out:
	finding_dispose(&f);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&msg);
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "hook: out of memory");
	return rc;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct ck_hook_finding *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->fingerprint, y->fingerprint);
}

void ck_hook_report_sort(struct ck_hook_report *r)
{
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(r->v[0]), cmp_finding);
}

int ck_hook__report_merge(struct ck_hook_report *dst, struct ck_hook_report *src)
{
	size_t i, j;

	dst->files += src->files;
	dst->skipped += src->skipped;
	dst->allowed += src->allowed;
	dst->bytes += src->bytes;
	for (i = 0; i < src->n; i++) {
		struct ck_hook_finding *f = &src->v[i];
		int dup = 0;

		/* every worker reports a broken .cloak.yaml: keep one */
		for (j = 0; j < dst->n && f->rule == CK_HOOK_CONFIG && !dup; j++)
			dup = dst->v[j].rule == f->rule && dst->v[j].line == f->line &&
			      strcmp(dst->v[j].path, f->path) == 0 &&
			      strcmp(dst->v[j].fingerprint, f->fingerprint) == 0;
		if (dup)
			continue;
		if (dst->n == dst->cap) {
			size_t nc = dst->cap ? dst->cap * 2 : 16;
			struct ck_hook_finding *nv = ck_calloc(nc, sizeof(*nv));

			if (nv == NULL)
				return ck_err_set(CK_ENOMEM, "hook: out of memory");
			if (dst->n > 0)
				memcpy(nv, dst->v, dst->n * sizeof(*nv));
			ck_free(dst->v);
			dst->v = nv;
			dst->cap = nc;
		}
		dst->v[dst->n++] = *f;
		memset(f, 0, sizeof(*f)); /* transferred */
	}
	return CK_OK;
}
