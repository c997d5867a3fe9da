/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the network key-source tests (test_ks_*.c, header-only):
 * a clean environment, encrypt/decrypt through the sops operations with the
 * Vault transit and KMS sources registered, the age test key on or off.
 */
#ifndef CK_TEST_KS_H
#define CK_TEST_KS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/doc.h"
#include "ck/file.h"
#include "ck/http.h"
#include "ck/sops.h"
#include "ck/sops_net.h"
#include "ck/sops_ops.h"
#include "ck_test.h"
#include "ckt_control.h"
#include "ckt_double.h"

#define KS_AKID "AKIDEXAMPLE"
#define KS_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define KS_PLAIN "db:\n    user: app\n    password: s3cr3t\nport: 5432\n"

/* The <field> of every logged request whose <match> field contains needle, joined by '\n'. */
__attribute__((unused)) static void ctl_log_fields(struct ck_buf *out, const struct ckt_double *d,
                                                   const char *match, const char *needle,
                                                   const char *field)
{
	const struct ck_doc_node *list;
	struct ck_doc *doc = ctl_log(d, &list);

	for (size_t i = 0; i < list->nkids; i++) {
		const struct ck_doc_node *rec = ck_doc_resolve(list->kids[i]);
		const char *m = ck_doc_map_get_str(rec, match);
		const char *f = ck_doc_map_get_str(rec, field);

		if (m != NULL && strstr(m, needle) != NULL)
			assert_int_equal(ck_buf_printf(out, "%s\n", f ? f : ""), CK_OK);
	}
	ck_doc_free(doc);
}

/* No VAULT_*, AWS_*, SOPS_* from the machine; HOME is a fresh directory. */
static void ks_env_reset(void)
{
	static const char *const vars[] = {
		"VAULT_TOKEN", "VAULT_ADDR", "VAULT_NAMESPACE", "VAULT_CACERT", "VAULT_MAX_RETRIES",
		"VAULT_SKIP_VERIFY", "VAULT_CLIENT_CERT", "VAULT_CLIENT_KEY",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS",
		"AWS_ENDPOINT_URL_STS", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
		"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD", "SOPS_CONFIG",
		"SOPS_DECRYPTION_ORDER", "SOPS_HC_VAULT_ALLOWLIST", "XDG_CONFIG_HOME",
		"http_proxy", "HTTP_PROXY",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("HOME", ckt_tmpdir(), 1);
	ck_sops_net_register();
}

/* The age test identity available (1) or not (0) to the next decryption. */
static void ks_age(int on)
{
	static char path[4096];

	if (on)
		snprintf(path, sizeof(path), "%s/testkeys/age/identity.txt", ckt_source_dir());
	else
		snprintf(path, sizeof(path), "%s/no-such-identity.txt", ckt_tmpdir());
	setenv("SOPS_AGE_KEY_FILE", path, 1);
}

static const char *ks_age_recipient(void)
{
	static char r[128];
	struct ck_buf b;

	if (r[0] == '\0') {
		ck_buf_init(&b, 0);
		ckt_readf(&b, "%s/testkeys/age/recipient.txt", ckt_source_dir());
		snprintf(r, sizeof(r), "%.*s", (int)strcspn(ck_buf_cstr(&b), "\r\n"), ck_buf_cstr(&b));
		ck_buf_dispose(&b);
	}
	return r;
}

/* Write text to <tmp>/name and return the path (static, one at a time per name slot). */
static const char *ks_write(const char *name, const char *text)
{
	static char paths[4][4096];
	static int slot;
	char *p = paths[slot++ % 4];

	snprintf(p, 4096, "%s/%s", ckt_tmpdir(), name);
	assert_int_equal(ck_file_write_atomic(p, text, strlen(text), 0600), CK_OK);
	return p;
}

/*
 * sops encrypt of plain (YAML unless the path says otherwise) with o; the
 * file (text) is appended to out. Returns the operation's code.
 */
static int ks_encrypt(struct ck_buf *out, const char *plain, struct ck_sops_opts *o,
                      struct ck_sops_net_opts *no)
{
	struct ck_sops_keyctx ctx;
	struct ck_buf in;
	int rc;

	ck_buf_init_secure(&in, 0);
	assert_int_equal(ck_buf_puts(&in, plain), CK_OK);
	ck_sops_keyctx_init(&ctx);
	ctx.ext = no;
	rc = ck_sops_op_encrypt(out, &in, o, &ctx);
	ck_sops_keyctx_dispose(&ctx);
	ck_buf_dispose(&in);
	return rc;
}

/* sops decrypt of enc into plain (a secure buffer the caller disposes). */
static int ks_decrypt(struct ck_buf *plain, const char *enc, const char *path,
                      struct ck_sops_net_opts *no)
{
	struct ck_sops_keyctx ctx;
	struct ck_sops_opts o;
	struct ck_buf in;
	int rc;

	ck_buf_init(&in, 0);
	ck_buf_init_secure(plain, 0);
	assert_int_equal(ck_buf_puts(&in, enc), CK_OK);
	ck_sops_opts_init(&o);
	o.file_path = path;
	o.config_path = ks_write("none.sops.yaml", "stores: {}\n");
	ck_sops_keyctx_init(&ctx);
	ctx.ext = no;
	rc = ck_sops_op_decrypt(plain, &in, &o, &ctx, NULL);
	ck_sops_keyctx_dispose(&ctx);
	ck_buf_dispose(&in);
	return rc;
}

/* Decryption works and gives KS_PLAIN. */
static void ks_expect_plain(const char *enc, const char *path, struct ck_sops_net_opts *no)
{
	struct ck_buf p;
	int rc = ks_decrypt(&p, enc, path, no);

	if (rc != CK_OK)
		fail_msg("decrypt failed: %s", ck_err_last()->msg);
	assert_string_equal(ck_buf_cstr(&p), KS_PLAIN);
	ck_buf_dispose(&p);
}

/*
 * Decryption fails the way sops does when no data key can be had: exit 128,
 * one line naming what failed (needle), nothing written (plain stays empty).
 */
static void ks_expect_no_key(const char *enc, const char *path, struct ck_sops_net_opts *no,
                             const char *needle)
{
	struct ck_buf p;
	int rc = ks_decrypt(&p, enc, path, no);

	assert_int_not_equal(rc, CK_OK);
	assert_int_equal(ck_err_exit_code(rc), 128);
	assert_null(strchr(ck_err_last()->msg, '\n'));
	if (needle != NULL && strstr(ck_err_last()->msg, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", ck_err_last()->msg, needle);
	assert_int_equal(ck_buf_len(&p), 0);
	ck_buf_dispose(&p);
}

/* The value of "  <field>: <value>" on the first line of text that has it (static). */
static const char *ks_yaml_field(const char *text, const char *field)
{
	static char v[1024];
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), " %s: ", field);
	p = strstr(text, pat);
	if (p == NULL)
		return NULL;
	p += strlen(pat);
	snprintf(v, sizeof(v), "%.*s", (int)strcspn(p, "\n"), p);
	if (v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
		memmove(v, v + 1, strlen(v));
		v[strlen(v) - 1] = '\0';
	}
	return v;
}

/* Replace the first occurrence of from by to in text (heap copy). */
static char *ks_replace(const char *text, const char *from, const char *to)
{
	const char *p = strstr(text, from);
	size_t n;
	char *out;

	assert_non_null(p);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	return out;
}

#endif
