/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PGP master keys through the gpg binary, as sops does: the data key is
 * encrypted with `gpg --encrypt -a -r FP --trusted-key <last 16 of FP>
 * --no-encrypt-to` (binary literal data, armoured, surrounding whitespace
 * trimmed) and decrypted with `gpg --decrypt`. SOPS_GPG_EXEC chooses the
 * program, GNUPGHOME (or ctx->gnupghome as --homedir) the keyring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_keysource.h"
#include "ck/sops_internal.h"

static const char *const pgp_fields[] = { "fp", NULL };

static const char *gpg_exec(const struct ck_sops_keyctx *ctx)
{
	const char *g = ctx != NULL ? ctx->gpg_exec : NULL;

	if (g == NULL || g[0] == '\0')
		g = getenv("SOPS_GPG_EXEC");
	return g != NULL && g[0] != '\0' ? g : "gpg";
}

static int pgp_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	char fp[256];
	size_t i, o = 0;

	for (i = 0; i < n && o + 1 < sizeof(fp); i++)
		if (s[i] != ' ')
			fp[o++] = s[i];
	fp[o] = 0;
	if (o == 0 || i < n)
		return ck_err_set(CK_EINVAL, "sops: bad PGP fingerprint '%.*s'", (int)(n > 60 ? 60 : n), s);
	return ck_sops_key_set_field(k, "fp", fp);
}

static int pgp_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	const char *fp = ck_sops_key_field(k, "fp");

	return ck_buf_puts(out, fp ? fp : "");
}

static int pgp_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	const char *fp = ck_sops_key_field(k, "fp");
	const char *argv[20];
	char tk[32];
	struct ck_buf out, err, now;
	size_t a = 0, fl;
	int st = 0, rc;
	const char *s, *e;

	if (fp == NULL || (fl = strlen(fp)) < 16)
		return ck_err_set(CK_EINVAL, "sops: PGP key without a valid fingerprint");
	/* a key id or a subkey fingerprint ending in '!' */
	snprintf(tk, sizeof(tk), "%.16s", fp + (fl > 16 && fp[fl - 1] == '!' ? fl - 17 : fl - 16));
	argv[a++] = gpg_exec(ctx);
	if (ctx != NULL && ctx->gnupghome != NULL) {
		argv[a++] = "--homedir";
		argv[a++] = ctx->gnupghome;
	}
	argv[a++] = "--batch";
	argv[a++] = "--no-default-recipient";
	argv[a++] = "--yes";
	argv[a++] = "--encrypt";
	argv[a++] = "-a";
	argv[a++] = "-r";
	argv[a++] = fp;
	argv[a++] = "--trusted-key";
	argv[a++] = tk;
	argv[a++] = "--no-encrypt-to";
	argv[a] = NULL;
	ck_buf_init(&out, 0);
	ck_buf_init(&err, 0);
	ck_buf_init(&now, 0);
	rc = ck_sops__run(argv, NULL, dk, n, &out, 1 << 20, &st, &err);
	if (rc == CK_OK && st != 0) {
		char line[200];

		ck_sops__first_line(&err, line, sizeof(line));
		rc = ck_err_set(CK_ECRYPTO, "sops: gpg could not encrypt for %s (exit %d: %s)", fp, st,
		                line);
	}
	if (rc == CK_OK) {
		s = ck_buf_cstr(&out);
		e = s + ck_buf_len(&out);
		while (s < e && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r' || e[-1] == '\t'))
			e--;
		if (s == e)
			rc = ck_err_set(CK_ECRYPTO, "sops: gpg produced no output for %s", fp);
	}
	if (rc == CK_OK && (rc = ck_sops_now_rfc3339(&now)) == CK_OK) {
		char *enc = ck_strndup(s, (size_t)(e - s)), *ca = ck_strdup(ck_buf_cstr(&now));

		if (enc == NULL || ca == NULL) {
			ck_free(enc);
			ck_free(ca);
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		} else {
			ck_free(k->enc);
			ck_free(k->created_at);
			k->enc = enc;
			k->created_at = ca;
		}
	}
	ck_buf_dispose(&out);
	ck_buf_dispose(&err);
	ck_buf_dispose(&now);
	return rc;
}

static int pgp_unwrap(const struct ck_sops_key *k, struct ck_buf *outbuf, struct ck_sops_keyctx *ctx)
{
	const char *fp = ck_sops_key_field(k, "fp");
	const char *argv[12];
	struct ck_buf out, err;
	size_t a = 0;
	int st = 0, rc;

	if (k->enc == NULL || k->enc[0] == '\0')
		return ck_err_set(CK_ENOKEY, "sops: PGP key %s has no encrypted data key", fp ? fp : "?");
	argv[a++] = gpg_exec(ctx);
	if (ctx != NULL && ctx->gnupghome != NULL) {
		argv[a++] = "--homedir";
		argv[a++] = ctx->gnupghome;
	}
	argv[a++] = "--batch";
	argv[a++] = "--quiet";
	argv[a++] = "--decrypt";
	argv[a] = NULL;
	ck_buf_init_secure(&out, 0);
	ck_buf_init(&err, 0);
	rc = ck_sops__run(argv, NULL, k->enc, strlen(k->enc), &out, 4096, &st, &err);
	if (rc == CK_OK && (st != 0 || ck_buf_len(&out) == 0)) {
		char line[200];

		ck_sops__first_line(&err, line, sizeof(line));
		rc = ck_err_set(CK_ENOKEY, "gpg could not decrypt for %s (exit %d%s%s)", fp ? fp : "?",
		                st, line[0] ? ": " : "", line);
	}
	if (rc == CK_OK && ck_buf_putb(outbuf, &out) < 0)
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
	ck_buf_dispose(&out);
	ck_buf_dispose(&err);
	return rc;
}

const struct ck_sops_keysource ck_sops__ks_pgp = {
	CK_SOPS_K_PGP, "pgp", pgp_fields, NULL, 1, pgp_parse, pgp_wrap, pgp_unwrap, pgp_describe,
};
