/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age master keys. Placeholder until the age implementation (ck/age.h) is in
 * main: metadata is kept, wrap/unwrap report that age is not available yet.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_keysource.h"
#include "sops_int.h"

static const char *const age_fields[] = { "recipient", NULL };

static int age_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	char *r = ck_strndup(s, n);
	int rc;

	if (r == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	if (strncmp(r, "age1", 4) != 0) {
		ck_free(r);
		return ck_err_set(CK_EINVAL, "sops: bad age recipient '%.*s'", (int)(n > 80 ? 80 : n), s);
	}
	rc = ck_sops_key_set_field(k, "recipient", r);
	ck_free(r);
	return rc;
}

static int age_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	const char *r = ck_sops_key_field(k, "recipient");

	return ck_buf_puts(out, r ? r : "");
}

void ck_sops__age_ids_free(struct ck_sops_keyctx *ctx)
{
	ctx->age_ids = NULL;
	ctx->age_loaded = 0;
}

static int age_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	(void)k;
	(void)dk;
	(void)n;
	(void)ctx;
	return ck_err_set(CK_EUNSUPPORTED, "sops: age support not yet available");
}

static int age_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	(void)k;
	(void)out;
	(void)ctx;
	return ck_err_set(CK_EUNSUPPORTED, "sops: age support not yet available");
}

const struct ck_sops_keysource ck_sops__ks_age = {
	CK_SOPS_K_AGE, "age", age_fields, NULL, 0, age_parse, age_wrap, age_unwrap, age_describe,
};
