/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AWS Secrets Manager provider (providers/v1/aws/secretsmanager): keys
 * are secret names or ARNs (with the store's prefix), remoteRef.version
 * "uuid/<id>" selects a VersionId, anything else a VersionStage (default
 * AWSCURRENT), property is a gjson path on the payload (dots escaped first
 * when that finds something), GetSecretMap keeps non-string values as the
 * raw JSON text the service returned.
 */
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/aws.h"
#include "ck/err.h"
#include "ck/ext_provider.h"
#include "ck/secret.h"
#include "ext_int.h"
#include "prov_int.h"

struct aprov {
	struct ck_aws *aws;
	char *prefix;
	size_t requests;
};

static int fetch(struct aprov *p, const struct ck_ext_ref *ref, struct ck_aws_secret *sec)
{
	struct ck_buf id;
	const char *ver = ref->version && ref->version[0] ? ref->version : "AWSCURRENT";
	int rc;

	if (ref->metadata == CK_EXT_META_FETCH)
		return ck_err_set(CK_EUNSUPPORTED,
		                  "aws: metadataPolicy Fetch (DescribeSecret tags) is not supported by cloak");
	ck_buf_init(&id, 4096);
	if ((rc = ck_buf_printf(&id, "%s%s", p->prefix ? p->prefix : "", ref->key)) < 0)
		goto out;
	p->requests++;
	if (strncmp(ver, "uuid/", 5) == 0)
		rc = ck_aws_sm_get_secret_value(p->aws, sec, ck_buf_cstr(&id), ver + 5, NULL);
	else
		rc = ck_aws_sm_get_secret_value(p->aws, sec, ck_buf_cstr(&id), NULL, ver);
	if (rc < 0 && strstr(ck_err_last()->msg, "marked for deletion"))
		rc = ck_err_set(CK_ENOTFOUND, "aws: secret \"%s\" is marked for deletion",
		                ck_buf_cstr(&id));
out:
	ck_buf_dispose(&id);
	return rc;
}

static int payload_property(struct ck_buf *out, const struct ck_buf *payload, const char *property)
{
	struct ck_buf escaped;
	size_t i;
	int rc = CK_OK;

	/* escapeDotsIfRequired: a key containing dots is tried literally first */
	ck_buf_init(&escaped, 8192);
	if (strchr(property, '.')) {
		for (i = 0; property[i] && rc >= 0; i++)
			rc = property[i] == '.' ? ck_buf_puts(&escaped, "\\.") : ck_buf_putc(&escaped, property[i]);
		if (rc >= 0) {
			rc = ck_ext_gjson(out, ck_buf_cstr(payload), ck_buf_len(payload),
			                  ck_buf_cstr(&escaped));
			if (rc != CK_ENOTFOUND && rc != CK_EINVAL)
				goto done;
			ck_err_clear();
		}
	}
	rc = ck_ext_gjson(out, ck_buf_cstr(payload), ck_buf_len(payload), property);
done:
	ck_buf_dispose(&escaped);
	return rc;
}

static int ap_get_secret(void *impl, const struct ck_ext_ref *ref, struct ck_buf *out)
{
	struct aprov *p = impl;
	struct ck_aws_secret sec;
	int rc;

	ck_aws_secret_init(&sec);
	if ((rc = fetch(p, ref, &sec)) < 0)
		goto out;
	if (ref->property == NULL || ref->property[0] == '\0') {
		rc = ck_buf_putb(out, &sec.value);
		goto out;
	}
	rc = payload_property(out, &sec.value, ref->property);
	if (rc == CK_ENOTFOUND || rc == CK_EINVAL)
		rc = ck_err_set(CK_ENOTFOUND, "key %s does not exist in secret %s", ref->property,
		                ref->key);
out:
	ck_aws_secret_dispose(&sec);
	return rc;
}

/* map[string]json.RawMessage: strings unquoted, everything else raw text. */
static int raw_map(struct ck_ext_map *out, const char *json, size_t n, const char *key)
{
	struct ck_ext_arena a;
	struct tv obj;
	int rc;

	ck_ext__arena_init(&a, 1, 0);
	rc = ck_ext__json_decode(&a, &obj, json, n, CK_EXT_JSON_USE_NUMBER);
	if (rc >= 0 && obj.kind != TV_MAP)
		rc = ck_err_set(CK_EINVAL, "unable to unmarshal secret %s: not a JSON object", key);
	ck_ext__arena_dispose(&a);
	if (rc < 0) {
		if (rc == CK_EINVAL)
			ck_err_context("unable to unmarshal secret %s", key);
		return rc;
	}
	/* second pass over the text to keep raw values byte for byte */
	{
		size_t i = 0;

		while (i < n && json[i] != '{')
			i++;
		i++;
		for (;;) {
			size_t ks, ke, vs, ve;
			int depth = 0, instr = 0;
			struct ck_buf key_b;

			while (i < n && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' ||
			                 json[i] == '\t' || json[i] == ','))
				i++;
			if (i >= n || json[i] == '}')
				break;
			ks = i;
			for (i++; i < n && json[i] != '"'; i++)
				if (json[i] == '\\')
					i++;
			ke = ++i;
			while (i < n && json[i] != ':')
				i++;
			i++;
			while (i < n && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' ||
			                 json[i] == '\t'))
				i++;
			vs = i;
			for (; i < n; i++) {
				char ch = json[i];

				if (instr) {
					if (ch == '\\')
						i++;
					else if (ch == '"')
						instr = 0;
					continue;
				}
				if (ch == '"')
					instr = 1;
				else if (ch == '{' || ch == '[')
					depth++;
				else if (ch == '}' || ch == ']') {
					if (depth == 0)
						break;
					depth--;
				} else if (ch == ',' && depth == 0)
					break;
			}
			ve = i;
			while (ve > vs && (json[ve - 1] == ' ' || json[ve - 1] == '\n' ||
			                   json[ve - 1] == '\r' || json[ve - 1] == '\t'))
				ve--;
			ck_buf_init_secure(&key_b, CK_BUF_MAX);
			{
				struct ck_ext_arena ka;
				struct tv kv;

				ck_ext__arena_init(&ka, 1, 0);
				rc = ck_ext__json_decode(&ka, &kv, json + ks, ke - ks, 0);
				if (rc >= 0)
					rc = ck_buf_put(&key_b, kv.u.s.p, kv.u.s.n);
				if (rc >= 0 && json[vs] == '"') {
					struct tv sv;

					rc = ck_ext__json_decode(&ka, &sv, json + vs, ve - vs, 0);
					if (rc >= 0)
						rc = ck_ext_map_set(out, ck_buf_cstr(&key_b), ck_buf_len(&key_b),
						                    sv.u.s.p, sv.u.s.n);
				} else if (rc >= 0) {
					rc = ck_ext_map_set(out, ck_buf_cstr(&key_b), ck_buf_len(&key_b), json + vs,
					                    ve - vs);
				}
				ck_ext__arena_dispose(&ka);
			}
			ck_buf_dispose(&key_b);
			if (rc < 0)
				return rc;
		}
	}
	return CK_OK;
}

static int ap_get_secret_map(void *impl, const struct ck_ext_ref *ref, struct ck_ext_map *out)
{
	struct ck_buf v;
	int rc;

	ck_buf_init_secure(&v, CK_BUF_MAX);
	if ((rc = ap_get_secret(impl, ref, &v)) >= 0)
		rc = raw_map(out, ck_buf_cstr(&v), ck_buf_len(&v), ref->key);
	ck_buf_dispose(&v);
	return rc;
}

static int ap_find(void *impl, const struct ck_ext_find *f, struct ck_ext_map *out)
{
	return ck_err_set(CK_EUNSUPPORTED,
	                  "aws: dataFrom.find (ListSecrets / BatchGetSecretValue) is not supported by cloak");
}

static void ap_free(void *impl)
{
	struct aprov *p = impl;

	if (p == NULL)
		return;
	ck_aws_free(p->aws);
	ck_free(p->prefix);
	ck_free(p);
}

static void ap_stats(void *impl, size_t *requests, size_t *connections)
{
	struct aprov *p = impl;

	if (requests)
		*requests = p->requests;
	if (connections)
		*connections = 0;
}

static const struct ck_ext_provider_ops aws_ops = {
	"aws", ap_get_secret, ap_get_secret_map, ap_find, ap_free, ap_stats, NULL,
};

int ck_ext_provider_aws_new(struct ck_ext_provider **out, const struct ck_ext_provider_ctx *ctx)
{
	const struct ck_ext_store *st = ctx->store;
	struct ck_aws_config cfg;
	struct ck_buf akid, secret, token;
	struct aprov *p = NULL;
	int rc = CK_EINTERNAL;

	memset(&cfg, 0, sizeof(cfg));
	ck_buf_init_secure(&akid, 4096);
	ck_buf_init_secure(&secret, 4096);
	ck_buf_init_secure(&token, 65536);
	if ((p = ck_calloc(1, sizeof(*p))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	if (st->aws.prefix && (p->prefix = ck_strdup(st->aws.prefix)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	cfg.region = st->aws.region;
	cfg.role_arn = st->aws.role;
	cfg.external_id = st->aws.external_id;
	cfg.max_retries = ctx->max_retries;
	if (st->aws.akid.name) {
		rc = ck_ext__resolve_ref(ctx, "Secret", &st->aws.akid,
		                         "spec.provider.aws.auth.secretRef.accessKeyIDSecretRef", &akid);
		if (rc >= 0)
			rc = ck_ext__resolve_ref(ctx, "Secret", &st->aws.secret_key,
			                         "spec.provider.aws.auth.secretRef.secretAccessKeySecretRef",
			                         &secret);
		if (rc >= 0 && st->aws.session_token.name)
			rc = ck_ext__resolve_ref(ctx, "Secret", &st->aws.session_token,
			                         "spec.provider.aws.auth.secretRef.sessionTokenSecretRef",
			                         &token);
		if (rc == CK_ENOTFOUND && ctx->env) {
			ck_err_clear(); /* a person: the default chain (AWS_* variables, profiles) */
		} else if (rc < 0) {
			goto out;
		} else {
			cfg.creds.access_key_id = ck_buf_cstr(&akid);
			cfg.creds.secret_access_key = ck_buf_cstr(&secret);
			if (ck_buf_len(&token))
				cfg.creds.session_token = ck_buf_cstr(&token);
		}
	} else if (st->aws.jwt && !ctx->env) {
		rc = ck_err_set(CK_EUNSUPPORTED,
		                "spec.provider.aws.auth.jwt: IRSA through a service account needs the cluster's TokenRequest API");
		goto out;
	}
	if ((rc = ck_aws_new(&p->aws, &cfg)) < 0)
		goto out;
	rc = ck_ext__provider_wrap(out, &aws_ops, p);
	p = NULL; /* transferred */
out:
	if (rc < 0)
		ck_err_context("SecretStore %s%s%s", st->ns ? st->ns : "", st->ns ? "/" : "",
		               st->name ? st->name : "?");
	ck_buf_dispose(&akid);
	ck_buf_dispose(&secret);
	ck_buf_dispose(&token);
	ap_free(p);
	return rc;
}
