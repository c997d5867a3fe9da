/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Vault provider: a ck_vault client built from the SecretStore (server,
 * namespace, CA, mTLS, headers, retries), logged in with the store's auth
 * method (credentials resolved from the referenced Secrets, or, for a
 * person, from VAULT_TOKEN), and ESO's key -> URL mapping (buildPath).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/ext_provider.h"
#include "ck/secret.h"
#include "ck/vault.h"
#include "ext_int.h"
#include "prov_int.h"

/* ----------------------------------------------------------- key -> URL */

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int ck_ext__vault_data_path(struct ck_buf *out, const char *mount, int version, const char *key)
{
	if (mount != NULL) {
		size_t ml = strlen(mount);
		const char *rest = key;

		if (strncmp(key, mount, ml) == 0 && key[ml] == '/') {
			rest = key + ml + 1;
			if (version == 2 && has_prefix(rest, "data/"))
				rest += 5;
		}
		return ck_buf_printf(out, "%s%s/%s", mount, version == 2 ? "/data" : "", rest);
	}
	if (version == 2 && strstr(key, "/data/") == NULL) {
		const char *slash = strchr(key, '/');

		if (slash == NULL)
			return ck_buf_printf(out, "%s/data", key);
		return ck_buf_printf(out, "%.*s/data%s", (int)(slash - key), key, slash);
	}
	return ck_buf_puts(out, key);
}

int ck_ext__vault_metadata_path(struct ck_buf *out, const char *mount, int version,
                                const char *key)
{
	if (version == 1)
		return mount ? ck_buf_printf(out, "%s/%s", mount, key) : ck_buf_puts(out, key);
	if (mount == NULL) {
		const char *d = strstr(key, "/data/");

		if (strstr(key, "data") == NULL)
			return ck_err_set(CK_EINVAL, "provided Path isn't a valid kv v2 path");
		if (d == NULL)
			return ck_buf_puts(out, key);
		return ck_buf_printf(out, "%.*s/metadata/%s", (int)(d - key), key, d + 6);
	}
	{
		size_t ml = strlen(mount);
		const char *rest = key;

		if (strncmp(key, mount, ml) == 0 && key[ml] == '/') {
			rest = key + ml + 1;
			if (has_prefix(rest, "data/"))
				rest += 5;
		}
		return ck_buf_printf(out, "%s/metadata/%s", mount, rest);
	}
}

int ck_ext_vault_path(struct ck_buf *out, const char *mount, int kv_version, const char *key,
                      int metadata)
{
	return metadata ? ck_ext__vault_metadata_path(out, mount, kv_version, key)
	                : ck_ext__vault_data_path(out, mount, kv_version, key);
}

/* ---------------------------------------------------------- references */

int ck_ext__resolve_ref(const struct ck_ext_provider_ctx *ctx, const char *kind,
                        const struct ck_ext_secret_ref *ref, const char *what,
                        struct ck_buf *out)
{
	const struct ck_ext_store *st = ctx->store;
	const char *ns;
	int rc;

	if (ref->name == NULL || ref->key == NULL)
		return ck_err_set(CK_ENOTFOUND, "%s: not set", what);
	if (st->cluster) {
		ns = ref->ns ? ref->ns : ctx->es_ns; /* referent authentication */
	} else {
		if (ref->ns && st->ns && strcmp(ref->ns, st->ns) != 0)
			return ck_err_set(CK_EINVAL,
			                  "%s: namespace should either be empty or match the namespace of the SecretStore",
			                  what);
		ns = st->ns;
	}
	if (ctx->resolver == NULL || ctx->resolver->get == NULL)
		return ck_err_set(CK_ENOTFOUND, "%s: %s %s%s%s not available", what, kind,
		                  ns ? ns : "", ns ? "/" : "", ref->name);
	rc = ctx->resolver->get(ctx->resolver->arg, kind, ns, ref->name, ref->key, out);
	if (rc == CK_ENOTFOUND)
		return ck_err_set(CK_ENOTFOUND, "%s: %s %s%s%s (key \"%s\") not found", what, kind,
		                  ns ? ns : "", ns ? "/" : "", ref->name, ref->key);
	return rc;
}

/* --------------------------------------------------- doc -> value tree */

static int doc_to_tv(struct ck_ext_arena *a, const struct ck_doc_node *n, struct tv *out,
                     unsigned depth)
{
	size_t i;
	int rc;

	if (depth > 512)
		return ck_err_set(CK_ETOOBIG, "vault: secret data nested too deeply");
	n = ck_doc_resolve(n);
	switch (n->kind) {
	case CK_DOC_MAP: {
		struct tv_map *m = ck_ext__map_new(a, ck_doc_map_len(n));

		if (m == NULL)
			return ck_err_last()->code;
		for (i = 0; i < ck_doc_map_len(n); i++) {
			const struct ck_doc_node *k = ck_doc_resolve(ck_doc_map_key(n, i));
			struct tv v;
			char *kc;

			if ((rc = doc_to_tv(a, ck_doc_map_value(n, i), &v, depth + 1)) < 0)
				return rc;
			if ((kc = ck_ext__arena_strdup(a, k->text, k->len)) == NULL)
				return ck_err_last()->code;
			if ((rc = ck_ext__map_set(a, m, kc, k->len, v)) < 0)
				return rc;
		}
		out->kind = TV_MAP;
		out->flags = 0;
		out->u.m = m;
		return CK_OK;
	}
	case CK_DOC_SEQ: {
		struct tv_list *l = ck_ext__list_new(a, n->nkids);

		if (l == NULL)
			return ck_err_last()->code;
		for (i = 0; i < n->nkids; i++)
			if ((rc = doc_to_tv(a, n->kids[i], &l->v[l->n++], depth + 1)) < 0)
				return rc;
		out->kind = TV_LIST;
		out->flags = 0;
		out->u.l = l;
		return CK_OK;
	}
	default: {
		char *t;

		if (n->style != CK_DOC_DQUOTED && n->style != CK_DOC_SQUOTED) {
			switch (ck_doc_scalar_type(n)) {
			case CK_DOC_T_NULL:
				*out = tv_nil();
				out->flags = TV_F_IFACE;
				return CK_OK;
			case CK_DOC_T_BOOL:
				*out = tv_bool(n->len == 4);
				return CK_OK;
			case CK_DOC_T_INT:
			case CK_DOC_T_UINT:
			case CK_DOC_T_FLOAT:
				if ((t = ck_ext__arena_strdup(a, n->text, n->len)) == NULL)
					return ck_err_last()->code;
				out->kind = TV_JNUM;
				out->flags = 0;
				out->u.s.p = t;
				out->u.s.n = n->len;
				return CK_OK;
			default:
				break;
			}
		}
		if ((t = ck_ext__arena_strdup(a, n->text, n->len)) == NULL)
			return ck_err_last()->code;
		*out = tv_str(t, n->len);
		return CK_OK;
	}
	}
}

/* fmt "%v" of a metadata value as ESO stringifies it. */
static int meta_string(struct ck_ext_arena *a, const struct tv *v, struct tv *out)
{
	struct ck_buf b;
	char *p;
	int rc;

	if (v->kind == TV_STR || v->kind == TV_JNUM) {
		*out = tv_str(v->u.s.p, v->u.s.n);
		return CK_OK;
	}
	ck_buf_init(&b, 1 << 20);
	if ((rc = ck_ext__fmt_value(&b, v)) >= 0) {
		if ((p = ck_ext__arena_strdup(a, ck_buf_data(&b), ck_buf_len(&b))) == NULL)
			rc = ck_err_last()->code;
		else
			*out = tv_str(p, ck_buf_len(&b));
	}
	ck_buf_dispose(&b);
	return rc;
}

/* ------------------------------------------------------------ backend */

struct vprov {
	struct ck_vault *v;
	const char *mount;   /* store path (owned copy) or NULL */
	char *mount_copy;
	int version;
	struct kv_backend be;
	size_t requests;
	/* the last secret read (see forget in ck/ext_provider.h) */
	struct ck_vault_kv last;
	char *last_path;
	int64_t last_ver;
};

static void forget_last(struct vprov *p)
{
	ck_vault_kv_dispose(&p->last);
	memset(&p->last, 0, sizeof(p->last));
	ck_free(p->last_path);
	p->last_path = NULL;
}

static int vb_read(void *impl, const char *key, const char *version, struct ck_ext_arena *a,
                   struct tv *out)
{
	struct vprov *p = impl;
	struct ck_vault_kv kv;
	struct ck_buf path;
	int64_t ver = 0;
	int rc;

	memset(&kv, 0, sizeof(kv));
	ck_buf_init(&path, 8192);
	if (version && version[0] && p->version == 2) {
		char *end;
		long long v = strtoll(version, &end, 10);

		if (*end != '\0' || v < 0) {
			rc = ck_err_set(CK_EINVAL, "vault: version \"%s\" of \"%s\" is not a KV v2 version number",
			                version, key);
			goto out;
		}
		ver = v;
	}
	if ((rc = ck_ext__vault_data_path(&path, p->mount, p->version, key)) < 0)
		goto out;
	if (p->last_path == NULL || p->last_ver != ver || strcmp(p->last_path, ck_buf_cstr(&path)) != 0) {
		forget_last(p);
		p->requests++;
		if ((rc = ck_vault_kv_read_path(p->v, &kv, ck_buf_cstr(&path), p->version, ver)) < 0)
			goto out;
		if (kv.data == NULL) {
			rc = ck_err_set(CK_ENOTFOUND, "vault: %s: secret not found", ck_buf_cstr(&path));
			goto out;
		}
		if ((p->last_path = ck_strdup(ck_buf_cstr(&path))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "vault: out of memory");
			goto out;
		}
		p->last = kv; /* kept until the next path or the next ExternalSecret */
		memset(&kv, 0, sizeof(kv));
		p->last_ver = ver;
	}
	rc = doc_to_tv(a, p->last.data, out, 0);
	if (rc >= 0 && out->kind != TV_MAP)
		rc = ck_err_set(CK_EINVAL, "vault: %s: data is not a JSON object", ck_buf_cstr(&path));
out:
	ck_vault_kv_dispose(&kv);
	ck_buf_dispose(&path);
	return rc;
}

static int vb_read_meta(void *impl, const char *key, struct ck_ext_arena *a, struct tv *out)
{
	static const char *const sys[] = { "created_time", "current_version", "delete_version_after" };
	struct vprov *p = impl;
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf path;
	struct tv data, *v, s;
	struct tv_map *m;
	size_t i;
	int rc;

	ck_buf_init(&path, 8192);
	if ((rc = ck_ext__vault_metadata_path(&path, p->mount, p->version, key)) < 0)
		goto out;
	p->requests++;
	rc = ck_vault_request(p->v, "GET", ck_buf_cstr(&path), NULL, NULL, &r);
	if (rc == CK_ENOTFOUND) {
		rc = ck_err_set(CK_ENOTFOUND, "vault: %s: secret not found", ck_buf_cstr(&path));
		goto out;
	}
	if (rc < 0)
		goto out;
	if (r.data == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: %s: no data in the metadata response",
		                ck_buf_cstr(&path));
		goto out;
	}
	if ((rc = doc_to_tv(a, r.data, &data, 0)) < 0)
		goto out;
	if ((m = ck_ext__map_new(a, 4)) == NULL) {
		rc = ck_err_last()->code;
		goto out;
	}
	for (i = 0; i < 3; i++) {
		if ((v = ck_ext__map_get(data.u.m, sys[i], strlen(sys[i]))) == NULL || v->kind == TV_NIL)
			continue;
		if ((rc = meta_string(a, v, &s)) < 0 ||
		    (rc = ck_ext__map_set(a, m, sys[i], strlen(sys[i]), s)) < 0)
			goto out;
	}
	if ((v = ck_ext__map_get(data.u.m, "custom_metadata", 15)) != NULL && v->kind == TV_MAP) {
		for (i = 0; v->u.m && i < v->u.m->n; i++) {
			if ((rc = meta_string(a, &v->u.m->v[i], &s)) < 0 ||
			    (rc = ck_ext__map_set(a, m, v->u.m->k[i].p, v->u.m->k[i].n, s)) < 0)
				goto out;
		}
	}
	out->kind = TV_MAP;
	out->flags = 0;
	out->u.m = m;
	rc = CK_OK;
out:
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&path);
	return rc;
}

static int vb_list(void *impl, const char *folder, struct ck_ext_arena *a, struct tv *out)
{
	struct vprov *p = impl;
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const struct ck_doc_node *keys;
	struct ck_buf path;
	int rc;

	ck_buf_init(&path, 8192);
	if ((rc = ck_ext__vault_metadata_path(&path, p->mount, p->version, folder)) < 0)
		goto out;
	p->requests++;
	if ((rc = ck_vault_request(p->v, "LIST", ck_buf_cstr(&path), NULL, NULL, &r)) < 0)
		goto out;
	keys = r.data ? ck_doc_map_get(r.data, "keys") : NULL;
	if (keys == NULL || ck_doc_resolve(keys)->kind != CK_DOC_SEQ) {
		rc = ck_err_set(CK_ENOTFOUND, "vault: LIST %s: no keys", ck_buf_cstr(&path));
		goto out;
	}
	rc = doc_to_tv(a, keys, out, 0);
out:
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&path);
	return rc;
}

static int vp_get_secret(void *impl, const struct ck_ext_ref *ref, struct ck_buf *out)
{
	return ck_ext__kv_get_secret(&((struct vprov *)impl)->be, ref, out);
}

static int vp_get_secret_map(void *impl, const struct ck_ext_ref *ref, struct ck_ext_map *out)
{
	return ck_ext__kv_get_secret_map(&((struct vprov *)impl)->be, ref, out);
}

static int vp_find(void *impl, const struct ck_ext_find *f, struct ck_ext_map *out)
{
	return ck_ext__kv_find(&((struct vprov *)impl)->be, f, out);
}

static void vp_free(void *impl)
{
	struct vprov *p = impl;

	if (p == NULL)
		return;
	if (p->v) {
		/* tokens from a login are revoked, as ESO does at the end of a reconcile */
		if (ck_vault_logout(p->v) < 0)
			ck_err_clear();
		ck_vault_free(p->v);
	}
	forget_last(p);
	ck_free(p->mount_copy);
	ck_ext__arena_dispose(&p->be.scratch);
	ck_free(p);
}

static void vp_stats(void *impl, size_t *requests, size_t *connections)
{
	struct vprov *p = impl;

	if (requests)
		*requests = p->requests;
	if (connections)
		*connections = 0;
}

static void vp_forget(void *impl)
{
	forget_last(impl);
}

static const struct ck_ext_provider_ops vault_ops = {
	"vault", vp_get_secret, vp_get_secret_map, vp_find, vp_free, vp_stats, vp_forget,
};

/* ------------------------------------------------------------- creation */

struct secrets {
	struct ck_buf b[6];
	size_t n;
};

static struct ck_buf *secret_slot(struct secrets *s)
{
	struct ck_buf *b = &s->b[s->n++];

	ck_buf_init_secure(b, (size_t)1 << 20);
	return b;
}

static void secrets_dispose(struct secrets *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		ck_buf_dispose(&s->b[i]);
}

/* Fill a from the store's auth; CK_ENOTFOUND when credentials are not available here. */
static int store_auth(const struct ck_ext_provider_ctx *ctx, struct ck_vault_auth *a,
                      struct secrets *sec)
{
	const struct ck_ext_store *st = ctx->store;
	struct ck_buf *b;
	int rc;

	memset(a, 0, sizeof(*a));
	a->mount = st->vault.auth_mount;
	a->ns = st->vault.auth_ns;
	switch (st->vault.auth) {
	case CK_EXT_VAULT_AUTH_NONE:
		return ck_err_set(CK_ENOTFOUND, "spec.provider.vault.auth: no auth method");
	case CK_EXT_VAULT_AUTH_TOKEN:
		a->method = CK_VAULT_AUTH_TOKEN;
		b = secret_slot(sec);
		if ((rc = ck_ext__resolve_ref(ctx, "Secret", &st->vault.secret,
		                              "spec.provider.vault.auth.tokenSecretRef", b)) < 0)
			return rc;
		a->token = ck_buf_cstr(b);
		return CK_OK;
	case CK_EXT_VAULT_AUTH_APPROLE:
		a->method = CK_VAULT_AUTH_APPROLE;
		a->role_id = st->vault.role_id;
		if (a->role_id == NULL) {
			b = secret_slot(sec);
			if ((rc = ck_ext__resolve_ref(ctx, "Secret", &st->vault.role_ref,
			                              "spec.provider.vault.auth.appRole.roleRef", b)) < 0)
				return rc;
			a->role_id = ck_buf_cstr(b);
		}
		b = secret_slot(sec);
		if ((rc = ck_ext__resolve_ref(ctx, "Secret", &st->vault.secret,
		                              "spec.provider.vault.auth.appRole.secretRef", b)) < 0)
			return rc;
		a->secret_id = ck_buf_cstr(b);
		return CK_OK;
	case CK_EXT_VAULT_AUTH_KUBERNETES:
	case CK_EXT_VAULT_AUTH_JWT: {
		int k8s = st->vault.auth == CK_EXT_VAULT_AUTH_KUBERNETES;
		const char *what = k8s ? "spec.provider.vault.auth.kubernetes"
		                       : "spec.provider.vault.auth.jwt";

		a->method = k8s ? CK_VAULT_AUTH_KUBERNETES : CK_VAULT_AUTH_JWT;
		a->role = st->vault.role;
		/* ESO's precedence: kubernetes serviceAccountRef first; jwt secretRef first */
		if (st->vault.sa_name && (k8s || st->vault.secret.name == NULL))
			return ck_err_set(CK_ENOTFOUND,
			                  "%s: a service account token (serviceAccountRef \"%s\") needs the cluster's TokenRequest API",
			                  what, st->vault.sa_name);
		if (st->vault.secret.name) {
			b = secret_slot(sec);
			if ((rc = ck_ext__resolve_ref(ctx, "Secret", &st->vault.secret, what, b)) < 0)
				return rc;
			a->jwt = ck_buf_cstr(b);
			return CK_OK;
		}
		if (!k8s)
			return ck_err_set(CK_ENOTFOUND, "%s: no JWT source", what);
		/* the controller's own service account token */
		a->jwt_file = CK_VAULT_SA_TOKEN_PATH;
		return CK_OK;
	}
	case CK_EXT_VAULT_AUTH_LDAP:
	case CK_EXT_VAULT_AUTH_USERPASS:
		a->method = st->vault.auth == CK_EXT_VAULT_AUTH_LDAP ? CK_VAULT_AUTH_LDAP
		                                                      : CK_VAULT_AUTH_USERPASS;
		a->username = st->vault.username;
		b = secret_slot(sec);
		if ((rc = ck_ext__resolve_ref(ctx, "Secret", &st->vault.secret,
		                              "spec.provider.vault.auth secretRef", b)) < 0)
			return rc;
		a->password = ck_buf_cstr(b);
		return CK_OK;
	case CK_EXT_VAULT_AUTH_CERT:
		a->method = CK_VAULT_AUTH_CERT;
		a->cert_name = st->vault.role;
		return CK_OK; /* the certificate rides on the TLS connection (see below) */
	}
	return ck_err_set(CK_EINTERNAL, "external: unknown auth method");
}

int ck_ext_provider_vault_new(struct ck_ext_provider **out, const struct ck_ext_provider_ctx *ctx)
{
	const struct ck_ext_store *st = ctx->store;
	struct ck_vault_config cfg;
	struct ck_vault_auth auth;
	struct secrets sec;
	struct vprov *p = NULL;
	const char **hdrs = NULL;
	struct ck_buf *ca = NULL, *cert = NULL, *key = NULL;
	size_t i;
	int rc = CK_EINTERNAL, arc;

	memset(&cfg, 0, sizeof(cfg));
	memset(&sec, 0, sizeof(sec));
	if ((p = ck_calloc(1, sizeof(*p))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	p->version = st->vault.version ? st->vault.version : 2;
	if (st->vault.path && (p->mount_copy = ck_strdup(st->vault.path)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "external: out of memory");
		goto out;
	}
	/* ESO strips a trailing slash from the mount by splitting on '/' */
	if (p->mount_copy) {
		size_t ml = strlen(p->mount_copy);

		while (ml > 1 && p->mount_copy[ml - 1] == '/')
			p->mount_copy[--ml] = '\0';
	}
	p->mount = p->mount_copy;
	p->be.impl = p;
	p->be.version = p->version;
	ck_ext__arena_init(&p->be.scratch, 1, 0);
	p->be.read = vb_read;
	p->be.read_meta = vb_read_meta;
	p->be.list = vb_list;

	cfg.addr = st->vault.server;
	cfg.ns = st->vault.ns;
	if (ctx->env) {
		const char *e;

		if ((e = getenv("VAULT_ADDR")) != NULL && e[0])
			cfg.addr = e;
		if ((e = getenv("VAULT_NAMESPACE")) != NULL && e[0])
			cfg.ns = e;
		ck_vault_config_env(&cfg);
	}
	if (st->vault.ca_bundle) {
		cfg.tls.ca_pem = st->vault.ca_bundle;
		cfg.tls.ca_pem_len = st->vault.ca_bundle_len;
	} else if (st->vault.ca_provider.name) {
		ca = secret_slot(&sec);
		if ((rc = ck_ext__resolve_ref(ctx, st->vault.ca_provider_type ? st->vault.ca_provider_type
		                                                                : "Secret",
		                              &st->vault.ca_provider, "spec.provider.vault.caProvider",
		                              ca)) < 0)
			goto out;
		cfg.tls.ca_pem = ck_buf_cstr(ca);
		cfg.tls.ca_pem_len = ck_buf_len(ca);
	}
	{
		const struct ck_ext_secret_ref *cr = NULL, *kr = NULL;

		if (st->vault.auth == CK_EXT_VAULT_AUTH_CERT) {
			cr = &st->vault.client_cert;
			kr = &st->vault.secret;
		} else if (st->vault.tls_cert.name) {
			cr = &st->vault.tls_cert;
			kr = &st->vault.tls_key;
		}
		if (cr && cr->name) {
			cert = secret_slot(&sec);
			key = secret_slot(&sec);
			if ((rc = ck_ext__resolve_ref(ctx, "Secret", cr, "client certificate", cert)) < 0 ||
			    (rc = ck_ext__resolve_ref(ctx, "Secret", kr, "client key", key)) < 0)
				goto out;
			cfg.tls.cert_pem = ck_buf_cstr(cert);
			cfg.tls.cert_pem_len = ck_buf_len(cert);
			cfg.tls.key_pem = ck_buf_cstr(key);
			cfg.tls.key_pem_len = ck_buf_len(key);
		}
	}
	if (st->vault.nheaders) {
		if ((hdrs = ck_calloc(st->vault.nheaders + 1, sizeof(*hdrs))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "external: out of memory");
			goto out;
		}
		for (i = 0; i < st->vault.nheaders; i++) {
			size_t n = strlen(st->vault.headers[i].key) + strlen(st->vault.headers[i].value) + 3;
			char *h = ck_alloc(n);

			if (h == NULL) {
				rc = ck_err_set(CK_ENOMEM, "external: out of memory");
				goto out;
			}
			snprintf(h, n, "%s: %s", st->vault.headers[i].key, st->vault.headers[i].value);
			hdrs[i] = h;
		}
		cfg.headers = hdrs;
	}
	cfg.max_retries = ctx->max_retries >= 0 ? ctx->max_retries : st->have_retry ? st->retry_max : -1;
	cfg.retry_wait_ms = ctx->retry_wait_ms ? ctx->retry_wait_ms
	                    : st->have_retry && st->retry_interval_ms > 0 ? st->retry_interval_ms : 0;
	cfg.read_your_writes = st->vault.read_your_writes;
	cfg.forward_inconsistent = st->vault.forward_inconsistent;
	if ((rc = ck_vault_new(&p->v, &cfg)) < 0)
		goto out;

	arc = store_auth(ctx, &auth, &sec);
	if (arc == CK_ENOTFOUND && ctx->env) {
		/* a person: fall back to their own token */
		char why[CK_ERR_MSG_MAX];

		snprintf(why, sizeof(why), "%s", ck_err_last()->msg);
		memset(&auth, 0, sizeof(auth));
		auth.method = CK_VAULT_AUTH_TOKEN;
		if ((rc = ck_vault_login(p->v, &auth)) < 0) {
			if (rc == CK_ENOTFOUND)
				rc = ck_err_set(CK_ENOTFOUND,
				                "%s; and no VAULT_TOKEN or ~/.vault-token to use instead", why);
			goto out;
		}
	} else if (arc < 0) {
		rc = arc;
		goto out;
	} else if ((rc = ck_vault_login(p->v, &auth)) < 0) {
		goto out;
	}
	rc = ck_ext__provider_wrap(out, &vault_ops, p);
	p = NULL; /* transferred (freed by wrap on failure) */
out:
	if (rc < 0)
		ck_err_context("SecretStore %s%s%s", st->ns ? st->ns : "", st->ns ? "/" : "",
		               st->name ? st->name : "?");
	if (hdrs) {
		for (i = 0; i < st->vault.nheaders; i++)
			ck_free((char *)hdrs[i]);
		ck_free(hdrs);
	}
	secrets_dispose(&sec);
	vp_free(p);
	return rc;
}
