/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Master key objects, the key-source registry, and the sources that only
 * keep their metadata here (AWS KMS, GCP KMS, Azure Key Vault, HashiCorp
 * Vault transit, HuaweiCloud KMS): they parse the strings users write in
 * .sops.yaml, read and re-write the metadata unchanged, and refuse to wrap
 * or unwrap until a real implementation is registered.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/sops_keysource.h"
#include "ck/sops_internal.h"

/* ---- key objects ---- */

struct ck_sops_key *ck_sops_key_new(enum ck_sops_ktype type)
{
	struct ck_sops_key *k = ck_calloc(1, sizeof(*k));

	if (k == NULL) {
		ck_err_set(CK_ENOMEM, "sops: out of memory");
		return NULL;
	}
	k->type = type;
	return k;
}

static void kv_free(struct ck_sops_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ck_free(kv[i].name);
		ck_free(kv[i].value);
	}
	ck_free(kv);
}

void ck_sops_key_free(struct ck_sops_key *k)
{
	if (k == NULL)
		return;
	ck_free(k->enc);
	ck_free(k->created_at);
	kv_free(k->fields, k->nfields);
	kv_free(k->context, k->ncontext);
	ck_free(k);
}

static int kv_add(struct ck_sops_kv **kv, size_t *n, const char *name, const char *value)
{
	struct ck_sops_kv *nk = ck_calloc(*n + 1, sizeof(*nk));

	if (nk == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	if ((nk[*n].name = ck_strdup(name)) == NULL || (nk[*n].value = ck_strdup(value)) == NULL) {
		ck_free(nk[*n].name);
		ck_free(nk);
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	}
	if (*kv != NULL) {
		memcpy(nk, *kv, *n * sizeof(*nk));
		ck_free(*kv);
	}
	*kv = nk;
	(*n)++;
	return CK_OK;
}

const char *ck_sops_key_field(const struct ck_sops_key *k, const char *name)
{
	size_t i;

	for (i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return k->fields[i].value;
	return NULL;
}

int ck_sops_key_set_field(struct ck_sops_key *k, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < k->nfields; i++) {
		if (strcmp(k->fields[i].name, name) == 0) {
			char *v = ck_strdup(value);

			if (v == NULL)
				return ck_err_set(CK_ENOMEM, "sops: out of memory");
			ck_free(k->fields[i].value);
			k->fields[i].value = v;
			return CK_OK;
		}
	}
	return kv_add(&k->fields, &k->nfields, name, value);
}

int ck_sops_key_add_context(struct ck_sops_key *k, const char *name, const char *value)
{
	return kv_add(&k->context, &k->ncontext, name, value);
}

int ck_sops_key_clone(struct ck_sops_key **out, const struct ck_sops_key *k)
{
	struct ck_sops_key *c = ck_sops_key_new(k->type);
	size_t i;
	int rc = CK_OK;

	if (c == NULL)
		return CK_ENOMEM;
	if ((k->enc != NULL && (c->enc = ck_strdup(k->enc)) == NULL) ||
	    (k->created_at != NULL && (c->created_at = ck_strdup(k->created_at)) == NULL))
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
	for (i = 0; rc == CK_OK && i < k->nfields; i++)
		rc = kv_add(&c->fields, &c->nfields, k->fields[i].name, k->fields[i].value);
	for (i = 0; rc == CK_OK && i < k->ncontext; i++)
		rc = kv_add(&c->context, &c->ncontext, k->context[i].name, k->context[i].value);
	if (rc < 0) {
		ck_sops_key_free(c);
		return rc;
	}
	*out = c;
	return CK_OK;
}

int ck_sops_key_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	return ck_sops_keysource_get(k->type)->describe(k, out);
}

int ck_sops_key_same(const struct ck_sops_key *a, const struct ck_sops_key *b)
{
	struct ck_buf x, y;
	int same;

	if (a->type != b->type)
		return 0;
	ck_buf_init(&x, 0);
	ck_buf_init(&y, 0);
	same = ck_sops_key_describe(a, &x) == CK_OK && ck_sops_key_describe(b, &y) == CK_OK &&
	       ck_buf_len(&x) == ck_buf_len(&y) &&
	       memcmp(ck_buf_data(&x), ck_buf_data(&y), ck_buf_len(&x)) == 0;
	ck_buf_dispose(&x);
	ck_buf_dispose(&y);
	return same;
}

int ck_sops_key_parse(struct ck_sops_key **out, enum ck_sops_ktype type, const char *s)
{
	const struct ck_sops_keysource *ks = ck_sops_keysource_get(type);
	struct ck_sops_key *k = ck_sops_key_new(type);
	size_t n = strlen(s);
	int rc;

	if (k == NULL)
		return CK_ENOMEM;
	while (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if ((rc = ks->parse(k, s, n)) < 0) {
		ck_sops_key_free(k);
		return rc;
	}
	*out = k;
	return CK_OK;
}

/* ---- helpers for sources ---- */

int ck_sops_now_rfc3339(struct ck_buf *out)
{
	struct ck_sops_time t;

	ck_sops__time_from_unix(&t, (int64_t)time(NULL));
	return ck_sops__fmt_time(out, &t);
}

static int set_fieldn(struct ck_sops_key *k, const char *name, const char *s, size_t n)
{
	char *v = ck_strndup(s, n);
	int rc;

	if (v == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	rc = ck_sops_key_set_field(k, name, v);
	ck_free(v);
	return rc;
}

static int describe_field(const struct ck_sops_key *k, struct ck_buf *out, const char *f)
{
	const char *v = ck_sops_key_field(k, f);

	return ck_buf_puts(out, v ? v : "");
}

static int unavailable(const struct ck_sops_key *k, const char *what)
{
	struct ck_buf d;
	int rc;

	ck_buf_init(&d, 0);
	if (ck_sops_key_describe(k, &d) < 0)
		ck_buf_reset(&d);
	rc = ck_err_set(CK_EUNSUPPORTED, "sops: %s key %s: needs %s support (not yet available)",
	                ck_sops_keysource_get(k->type)->name, ck_buf_cstr(&d), what);
	ck_buf_dispose(&d);
	return rc;
}

/* ---- AWS KMS ---- */

static const char *const kms_fields[] = { "arn", "role", "aws_profile", NULL };
static const char *const kms_omit[] = { "role", NULL };

static int kms_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	const char *plus = NULL;
	size_t i;
	int rc;

	for (i = 0; i + 5 <= n; i++)
		if (memcmp(s + i, "+arn:", 5) == 0) {
			plus = s + i;
			break;
		}
	if (n == 0)
		return ck_err_set(CK_EINVAL, "sops: empty KMS ARN");
	if (plus == NULL)
		plus = memchr(s, '+', n);
	if ((rc = set_fieldn(k, "arn", s, plus ? (size_t)(plus - s) : n)) < 0)
		return rc;
	if (plus != NULL && (rc = set_fieldn(k, "role", plus + 1, n - (size_t)(plus + 1 - s))) < 0)
		return rc;
	return ck_sops_key_set_field(k, "aws_profile", "");
}

static int kms_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	return describe_field(k, out, "arn");
}

static int kms_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	(void)dk;
	(void)n;
	(void)ctx;
	return unavailable(k, "AWS");
}

static int kms_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	(void)out;
	(void)ctx;
	return unavailable(k, "AWS");
}

/* ---- GCP KMS ---- */

static const char *const gcp_fields[] = { "resource_id", NULL };

static int gcp_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	if (n == 0)
		return ck_err_set(CK_EINVAL, "sops: empty GCP KMS resource id");
	return set_fieldn(k, "resource_id", s, n);
}

static int gcp_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	return describe_field(k, out, "resource_id");
}

static int gcp_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	(void)dk;
	(void)n;
	(void)ctx;
	return unavailable(k, "GCP");
}

static int gcp_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	(void)out;
	(void)ctx;
	return unavailable(k, "GCP");
}

/* ---- Azure Key Vault ---- */

static const char *const azkv_fields[] = { "vault_url", "name", "version", NULL };

/* https://<vault>/keys/<name>[/<version>] */
static int azkv_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	const char *p = NULL, *name, *slash;
	size_t i;
	int rc;

	for (i = 0; i + 6 <= n; i++)
		if (memcmp(s + i, "/keys/", 6) == 0) {
			p = s + i;
			break;
		}
	if (p == NULL || strncmp(s, "https://", 8) != 0)
		return ck_err_set(CK_EINVAL,
		                  "sops: Azure Key Vault key '%.*s' is not https://<vault>/keys/<name>[/<version>]",
		                  (int)n, s);
	name = p + 6;
	slash = memchr(name, '/', (size_t)(s + n - name));
	if ((rc = set_fieldn(k, "vault_url", s, (size_t)(p - s))) < 0 ||
	    (rc = set_fieldn(k, "name", name, slash ? (size_t)(slash - name) : (size_t)(s + n - name))) < 0)
		return rc;
	return set_fieldn(k, "version", slash ? slash + 1 : "", slash ? (size_t)(s + n - slash - 1) : 0);
}

static int azkv_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	const char *u = ck_sops_key_field(k, "vault_url"), *nm = ck_sops_key_field(k, "name");
	const char *v = ck_sops_key_field(k, "version");

	return ck_buf_printf(out, "%s/keys/%s/%s", u ? u : "", nm ? nm : "", v ? v : "");
}

static int azkv_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	(void)dk;
	(void)n;
	(void)ctx;
	return unavailable(k, "Azure");
}

static int azkv_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	(void)out;
	(void)ctx;
	return unavailable(k, "Azure");
}

/* ---- HashiCorp Vault transit ---- */

static const char *const vault_fields[] = { "vault_address", "engine_path", "key_name", NULL };

/* https://vault:8200/v1/<engine path>/keys/<key name> */
static int vault_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	const char *scheme = NULL, *host, *v1, *keys = NULL;
	size_t i;
	int rc;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(s + i, "://", 3) == 0) {
			scheme = s + i;
			break;
		}
	if (scheme == NULL)
		goto bad;
	host = scheme + 3;
	v1 = memchr(host, '/', (size_t)(s + n - host));
	if (v1 == NULL || (size_t)(s + n - v1) < 4 || memcmp(v1, "/v1/", 4) != 0)
		goto bad;
	for (i = (size_t)(v1 - s) + 4; i + 6 <= n; i++)
		if (memcmp(s + i, "/keys/", 6) == 0)
			keys = s + i;
	if (keys == NULL || keys == v1 + 3 || keys + 6 >= s + n || memchr(keys + 6, '/', (size_t)(s + n - keys - 6)))
		goto bad;
	if ((rc = set_fieldn(k, "vault_address", s, (size_t)(v1 - s))) < 0 ||
	    (rc = set_fieldn(k, "engine_path", v1 + 4, (size_t)(keys - v1 - 4))) < 0)
		return rc;
	return set_fieldn(k, "key_name", keys + 6, (size_t)(s + n - keys - 6));
bad:
	return ck_err_set(CK_EINVAL,
	                  "sops: Vault transit URI '%.*s' is not https://<host>/v1/<engine>/keys/<key>",
	                  (int)n, s);
}

static int vault_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	const char *a = ck_sops_key_field(k, "vault_address"), *e = ck_sops_key_field(k, "engine_path");
	const char *kn = ck_sops_key_field(k, "key_name");

	return ck_buf_printf(out, "%s/v1/%s/keys/%s", a ? a : "", e ? e : "", kn ? kn : "");
}

static int vault_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	(void)dk;
	(void)n;
	(void)ctx;
	return unavailable(k, "Vault");
}

static int vault_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	(void)out;
	(void)ctx;
	return unavailable(k, "Vault");
}

/* ---- HuaweiCloud KMS ---- */

static const char *const hckms_fields[] = { "key_id", NULL };

static int hckms_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	if (n == 0 || memchr(s, ':', n) == NULL)
		return ck_err_set(CK_EINVAL, "sops: HuaweiCloud KMS key '%.*s' is not <region>:<key id>",
		                  (int)n, s);
	return set_fieldn(k, "key_id", s, n);
}

static int hckms_describe(const struct ck_sops_key *k, struct ck_buf *out)
{
	return describe_field(k, out, "key_id");
}

static int hckms_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx)
{
	(void)dk;
	(void)n;
	(void)ctx;
	return unavailable(k, "HuaweiCloud");
}

static int hckms_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	(void)out;
	(void)ctx;
	return unavailable(k, "HuaweiCloud");
}

/* ---- registry ---- */

static const struct ck_sops_keysource ks_kms = {
	CK_SOPS_K_KMS, "kms", kms_fields, kms_omit, 1, kms_parse, kms_wrap, kms_unwrap, kms_describe,
};
static const struct ck_sops_keysource ks_gcp = {
	CK_SOPS_K_GCP_KMS, "gcp_kms", gcp_fields, NULL, 1, gcp_parse, gcp_wrap, gcp_unwrap, gcp_describe,
};
static const struct ck_sops_keysource ks_hckms = {
	CK_SOPS_K_HCKMS, "hckms", hckms_fields, NULL, 1, hckms_parse, hckms_wrap, hckms_unwrap,
	hckms_describe,
};
static const struct ck_sops_keysource ks_azkv = {
	CK_SOPS_K_AZURE_KV, "azure_kv", azkv_fields, NULL, 1, azkv_parse, azkv_wrap, azkv_unwrap,
	azkv_describe,
};
static const struct ck_sops_keysource ks_vault = {
	CK_SOPS_K_HC_VAULT, "hc_vault", vault_fields, NULL, 1, vault_parse, vault_wrap, vault_unwrap,
	vault_describe,
};

static const struct ck_sops_keysource *registry[CK_SOPS_K_NTYPES];

static void init_registry(void)
{
	if (registry[CK_SOPS_K_KMS] != NULL)
		return;
	registry[CK_SOPS_K_KMS] = &ks_kms;
	registry[CK_SOPS_K_GCP_KMS] = &ks_gcp;
	registry[CK_SOPS_K_HCKMS] = &ks_hckms;
	registry[CK_SOPS_K_AZURE_KV] = &ks_azkv;
	registry[CK_SOPS_K_HC_VAULT] = &ks_vault;
	registry[CK_SOPS_K_PGP] = &ck_sops__ks_pgp;
	registry[CK_SOPS_K_AGE] = &ck_sops__ks_age;
}

const struct ck_sops_keysource *ck_sops_keysource_get(enum ck_sops_ktype type)
{
	init_registry();
	CK_ASSERT(type < CK_SOPS_K_NTYPES);
	return registry[type];
}

const struct ck_sops_keysource *ck_sops_keysource_by_name(const char *name)
{
	int i;

	init_registry();
	for (i = 0; i < CK_SOPS_K_NTYPES; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

void ck_sops_keysource_register(const struct ck_sops_keysource *ks)
{
	init_registry();
	CK_ASSERT(ks->type < CK_SOPS_K_NTYPES);
	registry[ks->type] = ks;
}

/* ---- key context ---- */

void ck_sops_keyctx_init(struct ck_sops_keyctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ck_buf_init(&ctx->report, 0);
	ctx->order[0] = "age";
	ctx->order[1] = "pgp";
	ctx->norder = 2;
}

void ck_sops_keyctx_dispose(struct ck_sops_keyctx *ctx)
{
	if (ctx == NULL)
		return;
	ck_sops__age_ids_free(ctx);
	ck_buf_dispose(&ctx->report);
	memset(ctx, 0, sizeof(*ctx));
}

int ck_sops_keyctx_set_order(struct ck_sops_keyctx *ctx, const char *list)
{
	const char *p = list;
	size_t n = 0;

	while (*p != '\0' && n < CK_SOPS_K_NTYPES) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const struct ck_sops_keysource *ks = NULL;
		int i;

		while (len > 0 && *p == ' ') {
			p++;
			len--;
		}
		while (len > 0 && p[len - 1] == ' ')
			len--;
		init_registry();
		for (i = 0; i < CK_SOPS_K_NTYPES; i++)
			if (strlen(registry[i]->name) == len && memcmp(registry[i]->name, p, len) == 0)
				ks = registry[i];
		if (ks == NULL && len > 0)
			return ck_err_set(CK_EUSAGE, "sops: unknown key type '%.*s' in decryption order",
			                  (int)len, p);
		if (ks != NULL)
			ctx->order[n++] = ks->name;
		if (e == NULL)
			break;
		p = e + 1;
	}
	ctx->norder = n;
	return CK_OK;
}
