/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The staged-file classifier and every check it sends a file to. The first
 * input byte picks a path (so every class is reached: YAML, JSON, a
 * kustomization, .sops.yaml, .cloak.yaml, dotenv, a Helm template, a file
 * under a .sops.yaml rule, plain text); the rest is the blob, checked both as
 * a new file and with only some lines added. The snapshot around it holds a
 * .sops.yaml, and a kustomization naming the file, so the rule and reference
 * checks run too. Invariants: no crash, no error other than out-of-memory,
 * every finding has a known rule, a one-line message and a fingerprint
 * naming its rule and path.
 */
#include <string.h>

#include "ck/hook.h"
#include "ck/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
	"deploy/secret.yaml", "deploy/secret.json",  "app/kustomization.yaml", "app/.sops.yaml",
	".cloak.yaml",        "app/db.env",          "chart/templates/s.yaml", "secrets/x.yaml",
	"secrets/x.ini",      "src/main.c",          "app/certs/tls.key",      "Kustomization",
};

static const char SOPS_YAML[] = "creation_rules:\n"
                                "  - path_regex: secrets/.*\n"
                                "    encrypted_regex: ^(password|data)$\n"
                                "    age: age1xx98emuhn50tvnjdeewj6q97p6wls8rty6aq9qcsak0waxxzuqqsdkp0tl\n"
                                "  - path_regex: app/.*\\.env$\n"
                                "    age: age1xx98emuhn50tvnjdeewj6q97p6wls8rty6aq9qcsak0waxxzuqqsdkp0tl\n";
static const char KUST[] = "secretGenerator:\n  - name: x\n    envs: [db.env]\n    files: [certs/tls.key]\n";

struct snap {
	const char *path;
	const uint8_t *data;
	size_t n;
};

static int rd(void *ctx, const char *path, struct ck_buf *out, size_t max)
{
	const struct snap *s = ctx;
	const char *d = NULL;
	size_t n = 0;

	if (strcmp(path, s->path) == 0) {
		d = (const char *)s->data;
		n = s->n;
	} else if (strcmp(path, ".sops.yaml") == 0) {
		d = SOPS_YAML;
		n = sizeof(SOPS_YAML) - 1;
	} else if (strcmp(path, "app/kustomization.yaml") == 0) {
		d = KUST;
		n = sizeof(KUST) - 1;
	} else {
		return CK_ENOTFOUND;
	}
	if (n > max)
		return CK_ETOOBIG;
	return ck_buf_put(out, d, n) < 0 ? CK_ENOMEM : CK_OK;
}

static void check(const struct ck_hook_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct ck_hook_finding *f = &r->v[i];
		const char *id = ck_hook_rule_info(f->rule)->id;

		CK_ASSERT((unsigned)f->rule < CK_HOOK_NRULES);
		CK_ASSERT(strchr(f->message, '\n') == NULL);
		CK_ASSERT(strncmp(f->fingerprint, id, strlen(id)) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	static const uint32_t some[2][2] = { { 1, 2 }, { 5, 9 } };
	struct ck_hook_lines added = { some, 2 };
	struct ck_hook_class cls;
	struct ck_hook_report r;
	struct ck_hook_scanner *sc = NULL;
	struct ck_hook_src src;
	struct snap s;

	if (!inited) {
		CK_ASSERT(ck_core_init() == CK_OK);
		inited = 1;
	}
	if (size < 1)
		return 0;
	s.path = paths[data[0] % (sizeof(paths) / sizeof(paths[0]))];
	s.data = data + 1;
	s.n = size - 1;
	src.read = rd;
	src.ctx = &s;
	ck_hook_classify(&cls, s.path, s.data, s.n, 1 << 20);
	CK_ASSERT(cls.kind <= CK_HOOK_K_TOO_BIG);
	CK_ASSERT(ck_hook_kind_name(cls.kind)[0] != '?');
	if (ck_hook_scanner_new(&sc, &src, (data[0] & 0x80) ? CK_HOOK_STAGED : 0) != CK_OK)
		return 0;
	ck_hook_report_init(&r);
	if (ck_hook_scan_blob(sc, &r, s.path, s.data, s.n, NULL) == CK_OK)
		check(&r);
	if (ck_hook_scan_blob(sc, &r, s.path, s.data, s.n, &added) == CK_OK)
		check(&r);
	ck_hook_report_dispose(&r);
	ck_hook_scanner_free(sc);
	return 0;
}
