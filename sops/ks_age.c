/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age master keys (ck/age.h): the data key is encrypted for exactly one
 * recipient into an armoured age file; identities come from SOPS_AGE_KEY
 * (keys separated by whitespace or newlines, '#' comments), SOPS_AGE_KEY_FILE
 * (else <config dir>/sops/age/keys.txt), and SOPS_AGE_KEY_CMD (its stdout,
 * run with SOPS_AGE_RECIPIENT set), all combined, as sops 3.13 does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/age.h"
#include "ck/alloc.h"
#include "ck/file.h"
#include "ck/sops_keysource.h"
#include "ck/sops_internal.h"

static const char *const age_fields[] = { "recipient", NULL };

static int age_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	struct ck_age_recipients *rs = NULL;
	char *r;
	int rc;

	if ((rc = ck_age_recipients_add(&rs, s, n)) < 0)
		return ck_err_set(rc, "sops: bad age recipient '%.*s': %s", (int)(n > 80 ? 80 : n), s,
		                  ck_err_last()->msg);
	ck_age_recipients_free(rs);
	if ((r = ck_strndup(s, n)) == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	rc = ck_sops_key_set_field(k, "recipient", r);
	ck_free(r);
	return rc;
}

static int age_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	const char *r = ck_sops_key_field(k, "recipient");

	return ck_buf_puts(out, r ? r : "");
}

/* Identity text with keys possibly several to a line (SOPS_AGE_KEY). */
static int add_tokens(struct ck_age_identities **ids, const char *s, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		size_t j;

		if (s[i] == '#') {
			while (i < n && s[i] != '\n')
				i++;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++;
			continue;
		}
		for (j = i; j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\n' && s[j] != '\r'; j++)
			;
		if ((rc = ck_age_identities_add_text(ids, s + i, j - i)) < 0)
			return rc;
		i = j;
	}
	return CK_OK;
}

void ck_sops__age_ids_free(struct ck_sops_keyctx *ctx)
{
	ck_age_identities_free(ctx->age_ids);
	ctx->age_ids = NULL;
	ctx->age_loaded = 0;
}

/* Add the identities of a file; *found 0 when it does not exist. */
static int add_file(struct ck_sops_keyctx *ctx, const char *path, int *found)
{
	struct ck_buf text;
	int rc;

	*found = 0;
	if (!ck_file_exists(path))
		return CK_OK;
	*found = 1;
	ck_buf_init_secure(&text, 0);
	if ((rc = ck_file_read(&text, path, CK_AGE_MAX_KEYFILE)) == CK_OK &&
	    (rc = ck_age_identities_add_text(&ctx->age_ids, ck_buf_cstr(&text), ck_buf_len(&text))) < 0)
		rc = ck_err_context("%s", path);
	ck_buf_dispose(&text);
	return rc;
}

/*
 * sops 3.13's sources, all combined: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE (must
 * exist), SOPS_AGE_KEY_CMD (run with SOPS_AGE_RECIPIENT set), then the user
 * file $XDG_CONFIG_HOME/sops/age/keys.txt or ~/.config/sops/age/keys.txt
 * (required only when nothing else was given).
 */
static int load_ids(struct ck_sops_keyctx *ctx, const char *recipient)
{
	const char *v = getenv("SOPS_AGE_KEY"), *file = getenv("SOPS_AGE_KEY_FILE");
	const char *cmd = getenv("SOPS_AGE_KEY_CMD");
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct ck_buf path, text;
	int rc = CK_OK, sources = 0, found;

	if (ctx->age_loaded)
		return ctx->age_ids != NULL ? CK_OK : ck_err_set(CK_ENOKEY, "no age identity found");
	ctx->age_loaded = 1;
	ck_buf_init(&path, 0);
	ck_buf_init_secure(&text, 0);
	if (v != NULL) {
		if ((rc = add_tokens(&ctx->age_ids, v, strlen(v))) < 0) {
			rc = ck_err_context("SOPS_AGE_KEY");
			goto out;
		}
		sources++;
	}
	if (file != NULL) {
		if ((rc = add_file(ctx, file, &found)) < 0)
			goto out;
		if (!found) {
			rc = ck_err_set(CK_ENOKEY, "failed to open age identity file %s", file);
			goto out;
		}
		sources++;
	}
	if (cmd != NULL) {
		const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
		char envr[512];
		const char *envset[] = { envr, NULL };
		int st = 0;

		snprintf(envr, sizeof(envr), "SOPS_AGE_RECIPIENT=%s", recipient ? recipient : "");
		if ((rc = ck_sops__run(argv, envset, NULL, 0, &text, CK_AGE_MAX_KEYFILE, &st, NULL)) < 0)
			goto out;
		if (st != 0) {
			rc = ck_err_set(CK_ENOKEY, "SOPS_AGE_KEY_CMD exited with status %d", st);
			goto out;
		}
		if ((rc = add_tokens(&ctx->age_ids, ck_buf_cstr(&text), ck_buf_len(&text))) < 0) {
			rc = ck_err_context("SOPS_AGE_KEY_CMD");
			goto out;
		}
		sources++;
	}
	if (xdg != NULL && xdg[0] != '\0')
		rc = ck_buf_printf(&path, "%s/sops/age/keys.txt", xdg);
	else if (home != NULL && home[0] != '\0')
		rc = ck_buf_printf(&path, "%s/.config/sops/age/keys.txt", home);
	if (rc < 0)
		goto out;
	if (ck_buf_len(&path) > 0) {
		if ((rc = add_file(ctx, ck_buf_cstr(&path), &found)) < 0)
			goto out;
		if (!found && sources == 0) {
			rc = ck_err_set(CK_ENOKEY, "failed to open age identity file %s",
			                ck_buf_cstr(&path));
			goto out;
		}
		sources += found;
	}
	if (sources == 0 || ctx->age_ids == NULL)
		rc = ck_err_set(CK_ENOKEY, "no age identity found (set SOPS_AGE_KEY_FILE)");
out:
	ck_buf_dispose(&path);
	ck_buf_dispose(&text);
	return rc;
}

static int age_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	const char *r = ck_sops_key_field(k, "recipient");
	struct ck_age_recipients *rs = NULL;
	struct ck_buf out;
	char *enc;
	int rc;

	(void)ctx;
	ck_buf_init(&out, 0);
	if (r == NULL) {
		rc = ck_err_set(CK_EINVAL, "sops: age key without a recipient");
		goto done;
	}
	if ((rc = ck_age_recipients_add(&rs, r, strlen(r))) < 0 ||
	    (rc = ck_age_encrypt(&out, rs, dk, n, 1)) < 0) {
		rc = ck_err_context("sops: age recipient %s", r);
		goto done;
	}
	if ((enc = ck_strndup(ck_buf_cstr(&out), ck_buf_len(&out))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto done;
	}
	ck_free(k->enc);
	k->enc = enc;
done:
	ck_age_recipients_free(rs);
	ck_buf_dispose(&out);
	return rc;
}

static int age_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	const char *r = ck_sops_key_field(k, "recipient");
	int rc;

	if (k->enc == NULL || k->enc[0] == '\0')
		return ck_err_set(CK_ENOKEY, "age key %s has no encrypted data key", r ? r : "?");
	if ((rc = load_ids(ctx, r)) < 0)
		return rc;
	if ((rc = ck_age_decrypt(out, ctx->age_ids, k->enc, strlen(k->enc))) < 0)
		return ck_err_set(rc, "%s", ck_err_last()->msg);
	return CK_OK;
}

const struct ck_sops_keysource ck_sops__ks_age = {
	CK_SOPS_K_AGE, "age", age_fields, NULL, 0, age_parse, age_wrap, age_unwrap, age_describe,
};
