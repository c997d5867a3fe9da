/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provider clients per SecretStore for the ExternalSecret reconciler
 * (ext_ctl_int.h): credentials read from the cluster (Secrets, ConfigMaps,
 * TokenRequest), long-lived Vault logins, and the read cache that
 * de-duplicates identical reads within a sync cycle.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/aws.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_map.h"
#include "ck/enc.h"
#include "ck/log.h"
#include "ck/secret.h"
#include "ck/vault.h"
#include "ctl_int.h"
#include "ext_ctl_int.h"

#define FAIL_MEMORY_MS 3000   /* a failed build is repeated to callers this long */
#define SWEEP_EVERY 256       /* cache insertions between sweeps */
#define MAX_WINDOW_MS 300000  /* no cache entry outlives this */

/* One remembered answer. */
struct centry {
	int64_t at_ms;
	int rc;
	char *msg;            /* error message (no secrets) */
	uint8_t *val;         /* secret memory */
	size_t len;
};

struct ck_ctl__xstore {
	struct ck_ctl__xstores *reg;
	char *key;
	int refs;             /* registry's own + users' (under reg->lock) */
	int building;         /* being built: others wait (reg->built) */
	int dead;             /* no longer in the registry */
	int64_t built_ms;
	char *rv;             /* store resourceVersion it was built from */
	int err_code;         /* build failure remembered */
	char *err_msg;
	int64_t err_at;
	struct ck_ext_set *set;      /* owns the store model */
	const struct ck_ext_store *m;
	pthread_mutex_t lock; /* one user of the client at a time */
	struct ck_vault *v;
	char *mount;          /* store path (no trailing '/'), or NULL */
	int kv;               /* 1 or 2 */
	struct ck_aws *aws;   /* Secrets Manager */
	char *aws_prefix;     /* the store's prefix for secret names */
	struct ck_ctl_map *cache;
	size_t inserts;
	size_t requests;
};

struct ck_ctl__xstores {
	struct ck_ctl__xstores_opts o;
	char *sa_token_file;
	pthread_mutex_t lock;
	pthread_cond_t built;        /* a build finished */
	struct ck_ctl_map *stores;   /* key -> struct ck_ctl__xstore */
	size_t requests;             /* of freed clients */
};

/* ---------------------------------------------------------- registry */

static void centry_free(struct centry *e)
{
	if (e == NULL)
		return;
	ck_secret_free(e->val);
	ck_free(e->msg);
	ck_free(e);
}

static void cache_clear(struct ck_ctl_map *m)
{
	size_t pos = 0;
	void *v;

	if (m == NULL)
		return;
	while (ck_ctl_map_next(m, &pos, &v) != NULL)
		centry_free(v);
	ck_ctl_map_free(m);
}

static void xstore_destroy(struct ck_ctl__xstore *st)
{
	if (st == NULL)
		return;
	if (st->v != NULL) {
		/* a login-derived token is revoked: it is of no use to anyone else */
		if (ck_vault_logout(st->v) < 0)
			ck_err_clear();
		ck_vault_free(st->v);
	}
	ck_aws_free(st->aws);
	ck_free(st->aws_prefix);
	ck_ext_set_free(st->set);
	cache_clear(st->cache);
	ck_free(st->mount);
	ck_free(st->rv);
	ck_free(st->err_msg);
	ck_free(st->key);
	pthread_mutex_destroy(&st->lock);
	ck_free(st);
}

int ck_ctl__xstores_new(struct ck_ctl__xstores **out, const struct ck_ctl__xstores_opts *o)
{
	struct ck_ctl__xstores *r = ck_calloc(1, sizeof(*r));

	*out = NULL;
	if (r == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	r->o = *o;
	if (r->o.rebuild_ms <= 0)
		r->o.rebuild_ms = 3600 * 1000;
	if (r->o.vault_retry_wait_ms <= 0)
		r->o.vault_retry_wait_ms = 500;
	if (r->o.timeout_ms <= 0)
		r->o.timeout_ms = 20000;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->built, NULL);
	r->sa_token_file = ck_strdup(o->sa_token_file ? o->sa_token_file : CK_VAULT_SA_TOKEN_PATH);
	r->stores = ck_ctl_map_new();
	if (r->sa_token_file == NULL || r->stores == NULL) {
		ck_ctl__xstores_free(r);
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	r->o.sa_token_file = r->sa_token_file;
	*out = r;
	return CK_OK;
}

void ck_ctl__xstores_free(struct ck_ctl__xstores *r)
{
	size_t pos = 0;
	void *v;

	if (r == NULL)
		return;
	while (r->stores && ck_ctl_map_next(r->stores, &pos, &v) != NULL)
		xstore_destroy(v);
	ck_ctl_map_free(r->stores);
	ck_free(r->sa_token_file);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->built);
	ck_free(r);
}

/* Drop the registry's reference (reg->lock held). */
static void unregister(struct ck_ctl__xstores *r, struct ck_ctl__xstore *st)
{
	if (st->dead)
		return;
	ck_ctl_map_del(r->stores, st->key);
	st->dead = 1;
	r->requests += st->requests;
	if (--st->refs == 0)
		xstore_destroy(st);
}

void ck_ctl__xstore_put(struct ck_ctl__xstore *st)
{
	struct ck_ctl__xstores *r;
	int last;

	if (st == NULL)
		return;
	r = st->reg;
	pthread_mutex_lock(&r->lock);
	last = --st->refs == 0;
	pthread_mutex_unlock(&r->lock);
	if (last)
		xstore_destroy(st);
}

void ck_ctl__xstore_result(struct ck_ctl__xstore *st, int rc)
{
	if (rc != CK_EDENIED)
		return;
	pthread_mutex_lock(&st->reg->lock);
	unregister(st->reg, st);
	pthread_mutex_unlock(&st->reg->lock);
}

void ck_ctl__xstores_invalidate(struct ck_ctl__xstores *r, int cluster, const char *ns,
                                const char *name)
{
	char prefix[600];
	size_t pos = 0, pl;
	const char *k;
	void *v;

	snprintf(prefix, sizeof(prefix), "%c/%s/%s|", cluster ? 'C' : 'N', cluster ? "" : ns, name);
	pl = strlen(prefix);
	pthread_mutex_lock(&r->lock);
	while ((k = ck_ctl_map_next(r->stores, &pos, &v)) != NULL)
		if (strncmp(k, prefix, pl) == 0)
			unregister(r, v); /* deletes the key just returned: allowed */
	pthread_mutex_unlock(&r->lock);
}

size_t ck_ctl__xstores_requests(struct ck_ctl__xstores *r)
{
	size_t pos = 0, n;
	void *v;

	pthread_mutex_lock(&r->lock);
	n = r->requests;
	while (ck_ctl_map_next(r->stores, &pos, &v) != NULL)
		n += ((struct ck_ctl__xstore *)v)->requests;
	pthread_mutex_unlock(&r->lock);
	return n;
}

size_t ck_ctl__xstores_clients(struct ck_ctl__xstores *r)
{
	size_t pos = 0, n = 0;
	void *v;

	pthread_mutex_lock(&r->lock);
	while (ck_ctl_map_next(r->stores, &pos, &v) != NULL)
		n += ((struct ck_ctl__xstore *)v)->err_code == 0;
	pthread_mutex_unlock(&r->lock);
	return n;
}

const char *ck_ctl__xstore_capabilities(const struct ck_ctl__xstore *st)
{
	(void)st;
	return "ReadWrite"; /* what ESO reports for Vault and Secrets Manager */
}

/* ------------------------------------------------- cluster credentials */

struct bctx {
	struct ck_ctl__xstores *reg;
	struct ck_kube_conn *c;
	const struct ck_ext_store *m;
	const struct ck_doc_node *obj;   /* the store object */
	const char *es_ns;
};

static void trim_end(struct ck_buf *b)
{
	size_t n = ck_buf_len(b);
	const uint8_t *p = ck_buf_data(b);

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	ck_buf_truncate(b, n);
}

/* The value of key in Secret / ConfigMap ns/name, appended to out (secure). */
static int kube_value(struct ck_kube_conn *c, const char *kind, const char *ns, const char *name,
                      const char *key, struct ck_buf *out)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT;
	const struct ck_doc_node *v;
	int secret = strcmp(kind, "Secret") == 0, rc;

	if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/%s/%s", ns,
	                        secret ? "secrets" : "configmaps", name)) < 0)
		goto out;
	rc = ck_kube_request(c, &r, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL, CK_KUBE_SECRET);
	if (rc < 0) {
		if (r.status == 404)
			rc = ck_err_set(CK_ENOTFOUND, "%s %s/%s not found", kind, ns, name);
		goto out;
	}
	if ((v = ck_doc_map_get(ck_doc_map_get(r.obj, "data"), key)) != NULL &&
	    (v = ck_doc_resolve(v))->kind == CK_DOC_SCALAR) {
		rc = secret ? ck_b64_decode(out, v->text, v->len, CK_B64_STD, 0)
		            : ck_buf_put(out, v->text, v->len);
		if (rc == CK_EINVAL)
			rc = ck_err_set(CK_EINVAL, "%s %s/%s: data.%s is not base64", kind, ns, name, key);
		goto out;
	}
	if (!secret && (v = ck_doc_map_get(ck_doc_map_get(r.obj, "binaryData"), key)) != NULL &&
	    (v = ck_doc_resolve(v))->kind == CK_DOC_SCALAR) {
		rc = ck_b64_decode(out, v->text, v->len, CK_B64_STD, 0);
		goto out;
	}
	rc = ck_err_set(CK_ENOTFOUND, "%s %s/%s has no key \"%s\"", kind, ns, name, key);
out:
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&path);
	return rc;
}

/* A SecretKeySelector with ESO's referent rules (a namespaced store's own namespace). */
static int resolve(struct bctx *b, const char *kind, const struct ck_ext_secret_ref *ref,
                   const char *what, struct ck_buf *out)
{
	const struct ck_ext_store *st = b->m;
	const char *ns;
	int rc;

	if (ref->name == NULL || ref->key == NULL)
		return ck_err_set(CK_ENOTFOUND, "%s: not set", what);
	if (st->cluster) {
		ns = ref->ns ? ref->ns : b->es_ns;
	} else {
		if (ref->ns && st->ns && strcmp(ref->ns, st->ns) != 0)
			return ck_err_set(CK_EINVAL, "%s: namespace should either be empty or match the "
			                  "namespace of the SecretStore", what);
		ns = st->ns;
	}
	if ((rc = kube_value(b->c, kind, ns, ref->name, ref->key, out)) < 0)
		ck_err_context("%s", what);
	return rc;
}

/*
 * TokenRequest for service account ns/sa with the audiences (NULL-ended
 * list of doc scalars in `aud`, may be NULL) and lifetime: the token to out.
 */
static int token_request(struct ck_kube_conn *c, const char *ns, const char *sa,
                         const struct ck_doc_node *aud, const char *dflt_aud, int64_t exp_s,
                         struct ck_buf *out)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT, body = CK_BUF_INIT;
	const char *tok;
	size_t i;
	int rc, n = 0;

	if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/serviceaccounts/%s/token", ns, sa)) < 0 ||
	    (rc = ck_buf_puts(&body, "{\"apiVersion\":\"authentication.k8s.io/v1\","
	                      "\"kind\":\"TokenRequest\",\"spec\":{\"audiences\":[")) < 0)
		goto out;
	for (i = 0; aud != NULL && aud->kind == CK_DOC_SEQ && i < aud->nkids; i++) {
		const struct ck_doc_node *a = ck_doc_resolve(aud->kids[i]);

		if (a->kind != CK_DOC_SCALAR || strchr(a->text, '"') || strchr(a->text, '\\'))
			continue;
		if ((rc = ck_buf_printf(&body, "%s\"%s\"", n++ ? "," : "", a->text)) < 0)
			goto out;
	}
	if (n == 0 && dflt_aud != NULL && (rc = ck_buf_printf(&body, "\"%s\"", dflt_aud)) < 0)
		goto out;
	if ((rc = ck_buf_printf(&body, "],\"expirationSeconds\":%lld}}", (long long)exp_s)) < 0)
		goto out;
	rc = ck_kube_request(c, &r, "POST", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                     ck_buf_len(&body), NULL, CK_KUBE_SECRET);
	if (rc < 0) {
		ck_err_context("TokenRequest for service account %s/%s", ns, sa);
		goto out;
	}
	tok = ck_kube_str(r.obj, "status.token");
	if (tok == NULL || tok[0] == '\0') {
		rc = ck_err_set(CK_EINVAL, "TokenRequest for service account %s/%s: no token in the "
		                "answer", ns, sa);
		goto out;
	}
	rc = ck_buf_puts(out, tok);
out:
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&path);
	ck_buf_dispose(&body);
	return rc;
}

/* The namespace of a serviceAccountRef: the store's, or for a cluster store its own or the ES's. */
static const char *sa_namespace(struct bctx *b, const struct ck_doc_node *saref)
{
	const char *ns = ck_doc_map_get_str(saref, "namespace");

	if (!b->m->cluster)
		return b->m->ns ? b->m->ns : "default";
	return ns && *ns ? ns : b->es_ns;
}

/* ------------------------------------------------------------- Vault */

struct slots {
	struct ck_buf b[8];
	size_t n;
};

static struct ck_buf *slot(struct slots *s)
{
	struct ck_buf *b = &s->b[s->n++];

	ck_buf_init_secure(b, (size_t)1 << 20);
	return b;
}

static void slots_dispose(struct slots *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		ck_buf_dispose(&s->b[i]);
}

static time_t ctl_now(void *arg)
{
	(void)arg;
	return (time_t)(ck_ctl_wall_us() / 1000000);
}

static int vault_auth(struct bctx *b, struct ck_vault_auth *a, struct slots *sl)
{
	const struct ck_ext_store *st = b->m;
	const struct ck_doc_node *auth = ck_doc_get_path(b->obj, "spec.provider.vault.auth");
	struct ck_buf *x;
	int rc;

	memset(a, 0, sizeof(*a));
	a->mount = st->vault.auth_mount;
	a->ns = st->vault.auth_ns;
	switch (st->vault.auth) {
	case CK_EXT_VAULT_AUTH_NONE:
		return ck_err_set(CK_EINVAL, "spec.provider.vault.auth: no auth method");
	case CK_EXT_VAULT_AUTH_TOKEN:
		a->method = CK_VAULT_AUTH_TOKEN;
		x = slot(sl);
		if ((rc = resolve(b, "Secret", &st->vault.secret, "spec.provider.vault.auth.tokenSecretRef",
		                  x)) < 0)
			return rc;
		trim_end(x);
		if (ck_buf_len(x) == 0)
			return ck_err_set(CK_EINVAL, "spec.provider.vault.auth.tokenSecretRef: empty token");
		a->token = ck_buf_cstr(x);
		return CK_OK;
	case CK_EXT_VAULT_AUTH_APPROLE:
		a->method = CK_VAULT_AUTH_APPROLE;
		a->role_id = st->vault.role_id;
		if (a->role_id == NULL) {
			x = slot(sl);
			if ((rc = resolve(b, "Secret", &st->vault.role_ref,
			                  "spec.provider.vault.auth.appRole.roleRef", x)) < 0)
				return rc;
			trim_end(x);
			a->role_id = ck_buf_cstr(x);
		}
		x = slot(sl);
		if ((rc = resolve(b, "Secret", &st->vault.secret,
		                  "spec.provider.vault.auth.appRole.secretRef", x)) < 0)
			return rc;
		trim_end(x);
		a->secret_id = ck_buf_cstr(x);
		return CK_OK;
	case CK_EXT_VAULT_AUTH_KUBERNETES: {
		const struct ck_doc_node *k = ck_doc_map_get(auth, "kubernetes");
		const struct ck_doc_node *sa = ck_doc_map_get(k, "serviceAccountRef");

		a->method = CK_VAULT_AUTH_KUBERNETES;
		a->role = st->vault.role;
		/* ESO's order: serviceAccountRef, then secretRef, then our own token */
		if (sa != NULL && ck_doc_map_get_str(sa, "name") != NULL) {
			x = slot(sl);
			if ((rc = token_request(b->c, sa_namespace(b, sa), ck_doc_map_get_str(sa, "name"),
			                        ck_doc_map_get(sa, "audiences"), NULL, 600, x)) < 0) {
				ck_err_context("spec.provider.vault.auth.kubernetes.serviceAccountRef");
				return rc;
			}
			a->jwt = ck_buf_cstr(x);
			return CK_OK;
		}
		if (st->vault.secret.name != NULL) {
			x = slot(sl);
			if ((rc = resolve(b, "Secret", &st->vault.secret,
			                  "spec.provider.vault.auth.kubernetes.secretRef", x)) < 0)
				return rc;
			trim_end(x);
			a->jwt = ck_buf_cstr(x);
			return CK_OK;
		}
		a->jwt_file = b->reg->o.sa_token_file;
		return CK_OK;
	}
	case CK_EXT_VAULT_AUTH_JWT: {
		const struct ck_doc_node *j = ck_doc_map_get(auth, "jwt");
		const struct ck_doc_node *kt = ck_doc_map_get(j, "kubernetesServiceAccountToken");
		const struct ck_doc_node *sa = ck_doc_map_get(kt, "serviceAccountRef");

		a->method = CK_VAULT_AUTH_JWT;
		a->role = st->vault.role;
		x = slot(sl);
		if (st->vault.secret.name != NULL) {
			if ((rc = resolve(b, "Secret", &st->vault.secret,
			                  "spec.provider.vault.auth.jwt.secretRef", x)) < 0)
				return rc;
			trim_end(x);
		} else if (sa != NULL && ck_doc_map_get_str(sa, "name") != NULL) {
			const struct ck_doc_node *aud = ck_doc_map_get(kt, "audiences");
			int64_t exp = ck_kube_int(kt, "expirationSeconds", 600);

			if (aud == NULL)
				aud = ck_doc_map_get(sa, "audiences");
			if ((rc = token_request(b->c, sa_namespace(b, sa), ck_doc_map_get_str(sa, "name"),
			                        aud, "vault", exp > 0 ? exp : 600, x)) < 0) {
				ck_err_context("spec.provider.vault.auth.jwt.kubernetesServiceAccountToken");
				return rc;
			}
		} else {
			return ck_err_set(CK_EINVAL, "spec.provider.vault.auth.jwt: no JWT source");
		}
		a->jwt = ck_buf_cstr(x);
		return CK_OK;
	}
	case CK_EXT_VAULT_AUTH_LDAP:
	case CK_EXT_VAULT_AUTH_USERPASS:
		a->method = st->vault.auth == CK_EXT_VAULT_AUTH_LDAP ? CK_VAULT_AUTH_LDAP
		                                                      : CK_VAULT_AUTH_USERPASS;
		a->username = st->vault.username;
		x = slot(sl);
		if ((rc = resolve(b, "Secret", &st->vault.secret, "spec.provider.vault.auth secretRef",
		                  x)) < 0)
			return rc;
		trim_end(x);
		a->password = ck_buf_cstr(x);
		return CK_OK;
	case CK_EXT_VAULT_AUTH_CERT:
		a->method = CK_VAULT_AUTH_CERT;
		a->cert_name = st->vault.role;
		return CK_OK;
	}
	return ck_err_set(CK_EINTERNAL, "controller: unknown Vault auth method");
}

static int build_vault(struct ck_ctl__xstore *x, struct bctx *b)
{
	const struct ck_ext_store *st = b->m;
	struct ck_vault_config cfg;
	struct ck_vault_auth auth;
	struct slots sl;
	const char **hdrs = NULL;
	size_t i;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	memset(&sl, 0, sizeof(sl));
	x->kv = st->vault.version ? st->vault.version : 2;
	if (st->vault.path != NULL) {
		size_t ml;

		if ((x->mount = ck_strdup(st->vault.path)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		/* ESO drops a trailing slash of the mount */
		ml = strlen(x->mount);
		while (ml > 1 && x->mount[ml - 1] == '/')
			x->mount[--ml] = '\0';
	}
	cfg.addr = st->vault.server;
	cfg.ns = st->vault.ns;
	if (st->vault.ca_bundle != NULL) {
		cfg.tls.ca_pem = st->vault.ca_bundle;
		cfg.tls.ca_pem_len = st->vault.ca_bundle_len;
	} else if (st->vault.ca_provider.name != NULL) {
		struct ck_buf *ca = slot(&sl);

		if ((rc = resolve(b, st->vault.ca_provider_type ? st->vault.ca_provider_type : "Secret",
		                  &st->vault.ca_provider, "spec.provider.vault.caProvider", ca)) < 0)
			goto out;
		cfg.tls.ca_pem = ck_buf_cstr(ca);
		cfg.tls.ca_pem_len = ck_buf_len(ca);
	}
	{
		const struct ck_ext_secret_ref *cr = NULL, *kr = NULL;

		if (st->vault.auth == CK_EXT_VAULT_AUTH_CERT) {
			cr = &st->vault.client_cert;
			kr = &st->vault.secret;
		} else if (st->vault.tls_cert.name != NULL) {
			cr = &st->vault.tls_cert;
			kr = &st->vault.tls_key;
		}
		if (cr != NULL && cr->name != NULL) {
			struct ck_buf *cert = slot(&sl), *key = slot(&sl);

			if ((rc = resolve(b, "Secret", cr, "client certificate", cert)) < 0 ||
			    (rc = resolve(b, "Secret", kr, "client key", key)) < 0)
				goto out;
			cfg.tls.cert_pem = ck_buf_cstr(cert);
			cfg.tls.cert_pem_len = ck_buf_len(cert);
			cfg.tls.key_pem = ck_buf_cstr(key);
			cfg.tls.key_pem_len = ck_buf_len(key);
		}
	}
	if (st->vault.nheaders > 0) {
		if ((hdrs = ck_calloc(st->vault.nheaders + 1, sizeof(*hdrs))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		for (i = 0; i < st->vault.nheaders; i++) {
			size_t n = strlen(st->vault.headers[i].key) + strlen(st->vault.headers[i].value) + 3;
			char *h = ck_alloc(n);

			if (h == NULL) {
				rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
				goto out;
			}
			snprintf(h, n, "%s: %s", st->vault.headers[i].key, st->vault.headers[i].value);
			hdrs[i] = h;
		}
		cfg.headers = hdrs;
	}
	if (b->reg->o.vault_max_retries >= 0)
		cfg.max_retries = b->reg->o.vault_max_retries;
	else
		cfg.max_retries = st->have_retry ? st->retry_max : 1;
	cfg.retry_wait_ms = st->have_retry && st->retry_interval_ms > 0 ? st->retry_interval_ms
	                                                                : b->reg->o.vault_retry_wait_ms;
	cfg.timeout_ms = b->reg->o.timeout_ms;
	cfg.read_your_writes = st->vault.read_your_writes;
	cfg.forward_inconsistent = st->vault.forward_inconsistent;
	/* token lifetimes are judged on the controller's clock (tests shift it) */
	cfg.now = ctl_now;
	if ((rc = ck_vault_new(&x->v, &cfg)) < 0 || (rc = vault_auth(b, &auth, &sl)) < 0 ||
	    (rc = ck_vault_login(x->v, &auth)) < 0)
		goto out;
	rc = CK_OK;
out:
	if (hdrs != NULL) {
		for (i = 0; i < st->vault.nheaders; i++)
			ck_free((char *)hdrs[i]);
		ck_free(hdrs);
	}
	slots_dispose(&sl);
	return rc;
}

/* ---------------------------------------------------------------- AWS */

/*
 * The role of a service account for web identity (IRSA): its
 * eks.amazonaws.com/role-arn annotation, as ESO reads it.
 */
static int sa_role(struct bctx *b, const char *ns, const char *sa, struct ck_buf *out)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT;
	const char *arn;
	int rc;

	if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/serviceaccounts/%s", ns, sa)) < 0)
		goto out;
	if ((rc = ck_kube_request(b->c, &r, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL, 0)) <
	    0) {
		if (r.status == 404)
			rc = ck_err_set(CK_ENOTFOUND, "service account %s/%s not found", ns, sa);
		goto out;
	}
	arn = ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.annotations"),
	                         "eks.amazonaws.com/role-arn");
	if (arn == NULL || *arn == '\0') {
		rc = ck_err_set(CK_EINVAL, "service account %s/%s has no eks.amazonaws.com/role-arn "
		                "annotation", ns, sa);
		goto out;
	}
	rc = ck_buf_puts(out, arn);
out:
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&path);
	return rc;
}

/*
 * Secrets Manager with the store's credentials: static keys from Secrets
 * (auth.secretRef), web identity with a TokenRequest for a service account
 * (auth.jwt.serviceAccountRef, role from its annotation), or the
 * controller's own chain (environment, IRSA of its pod); then `role`.
 */
static int build_aws(struct ck_ctl__xstore *x, struct bctx *b)
{
	const struct ck_ext_store *st = b->m;
	const struct ck_doc_node *sa = ck_doc_get_path(b->obj,
	                                               "spec.provider.aws.auth.jwt.serviceAccountRef");
	struct ck_aws_config cfg;
	struct ck_buf akid, secret, token, jwt, role = CK_BUF_INIT;
	const char *ep = getenv("AWS_ENDPOINT_URL");
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	ck_buf_init_secure(&akid, 4096);
	ck_buf_init_secure(&secret, 4096);
	ck_buf_init_secure(&token, 65536);
	ck_buf_init_secure(&jwt, 65536);
	if (st->aws.prefix != NULL && (x->aws_prefix = ck_strdup(st->aws.prefix)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	cfg.region = st->aws.region;
	cfg.role_arn = st->aws.role;
	cfg.external_id = st->aws.external_id;
	cfg.max_retries = b->reg->o.vault_max_retries >= 0 ? b->reg->o.vault_max_retries : -1;
	cfg.timeout_ms = b->reg->o.timeout_ms;
	cfg.endpoint_url = ep != NULL && *ep ? ep : NULL;
	/* SigV4 dates are real time (the service rejects skew), not the controller's clock */
	if (st->aws.akid.name != NULL) {
		if ((rc = resolve(b, "Secret", &st->aws.akid,
		                  "spec.provider.aws.auth.secretRef.accessKeyIDSecretRef", &akid)) < 0 ||
		    (rc = resolve(b, "Secret", &st->aws.secret_key,
		                  "spec.provider.aws.auth.secretRef.secretAccessKeySecretRef",
		                  &secret)) < 0 ||
		    (st->aws.session_token.name != NULL &&
		     (rc = resolve(b, "Secret", &st->aws.session_token,
		                   "spec.provider.aws.auth.secretRef.sessionTokenSecretRef", &token)) < 0))
			goto out;
		trim_end(&akid);
		trim_end(&secret);
		trim_end(&token);
		cfg.creds.access_key_id = ck_buf_cstr(&akid);
		cfg.creds.secret_access_key = ck_buf_cstr(&secret);
		if (ck_buf_len(&token))
			cfg.creds.session_token = ck_buf_cstr(&token);
	} else if (sa != NULL && ck_doc_map_get_str(sa, "name") != NULL) {
		const char *ns = sa_namespace(b, sa), *name = ck_doc_map_get_str(sa, "name");

		if ((rc = sa_role(b, ns, name, &role)) < 0 ||
		    (rc = token_request(b->c, ns, name, ck_doc_map_get(sa, "audiences"),
		                        "sts.amazonaws.com", 3600, &jwt)) < 0) {
			ck_err_context("spec.provider.aws.auth.jwt.serviceAccountRef");
			goto out;
		}
		cfg.web_identity_token = ck_buf_cstr(&jwt);
		cfg.web_identity_role_arn = ck_buf_cstr(&role);
	}
	if ((rc = ck_aws_new(&x->aws, &cfg)) < 0)
		goto out;
	/* credentials now, so a bad store shows in its status (and not at the first read) */
	if ((rc = ck_aws_credentials(x->aws, NULL, NULL)) < 0)
		ck_err_context("spec.provider.aws");
out:
	ck_buf_dispose(&akid);
	ck_buf_dispose(&secret);
	ck_buf_dispose(&token);
	ck_buf_dispose(&jwt);
	ck_buf_dispose(&role);
	return rc;
}

/* ---------------------------------------------------------------- get */

/*
 * Does the client depend on the ExternalSecret's namespace (referent
 * authentication)? A cluster store whose Secret or service account
 * reference has no namespace reads it from the ExternalSecret's namespace.
 */
static int referent(const struct ck_doc_node *n, const char *parent_key, unsigned depth)
{
	size_t i, pl = parent_key ? strlen(parent_key) : 0;

	n = n ? ck_doc_resolve(n) : NULL;
	if (n == NULL || depth > 16)
		return 0;
	if (n->kind == CK_DOC_SEQ) {
		for (i = 0; i < n->nkids; i++)
			if (referent(n->kids[i], parent_key, depth + 1))
				return 1;
		return 0;
	}
	if (n->kind != CK_DOC_MAP)
		return 0;
	if (ck_doc_map_get(n, "name") != NULL && ck_doc_map_get(n, "namespace") == NULL &&
	    ((pl > 3 && strcmp(parent_key + pl - 3, "Ref") == 0) ||
	     strcmp(parent_key, "clientCert") == 0 || strcmp(parent_key, "caProvider") == 0))
		return 1;
	for (i = 0; i < ck_doc_map_len(n); i++)
		if (referent(ck_doc_map_value(n, i), ck_doc_map_key(n, i)->text, depth + 1))
			return 1;
	return 0;
}

int ck_ctl__store_referent(const struct ck_doc_node *obj)
{
	return referent(ck_doc_get_path(obj, "spec.provider"), "provider", 0);
}

static int problems_text(struct ck_buf *out, const struct ck_ext_set *set, int *code)
{
	size_t i;
	int rc = CK_OK;

	*code = CK_EINVAL;
	for (i = 0; i < set->nproblems && rc >= 0; i++) {
		if (set->problems[i].code == CK_EUNSUPPORTED)
			*code = CK_EUNSUPPORTED;
		rc = ck_buf_printf(out, "%s%s", i ? "; " : "", set->problems[i].msg);
	}
	return rc;
}

static int build(struct ck_ctl__xstore *x, struct ck_ctl__xstores *r, struct ck_kube_conn *c,
                 const char *json, const struct ck_doc_node *obj, const char *file,
                 const char *es_ns)
{
	struct bctx b;
	struct ck_buf why = CK_BUF_INIT;
	int rc, code;

	if ((rc = ck_ext_set_new(&x->set)) < 0 ||
	    (rc = ck_ext_set_add(x->set, file, json, strlen(json))) < 0)
		goto out;
	if (x->set->nstores != 1) {
		rc = ck_err_set(CK_EINVAL, "%s: not a SecretStore", file);
		goto out;
	}
	x->m = x->set->stores[0];
	if (x->set->nproblems > 0) {
		if ((rc = problems_text(&why, x->set, &code)) >= 0)
			rc = ck_err_set(code, "%s", ck_buf_cstr(&why));
		goto out;
	}
	memset(&b, 0, sizeof(b));
	b.reg = r;
	b.c = c;
	b.m = x->m;
	b.obj = obj;
	b.es_ns = es_ns;
	if (x->m->provider == CK_EXT_PROV_VAULT)
		rc = build_vault(x, &b);
	else if (x->m->provider == CK_EXT_PROV_AWS)
		rc = build_aws(x, &b);
	else
		rc = ck_err_set(CK_EUNSUPPORTED, "spec.provider: no provider cloak supports");
out:
	if (rc < 0 && strncmp(ck_err_last()->msg, file, strlen(file)) != 0)
		ck_err_context("%s", file);
	ck_buf_dispose(&why);
	return rc;
}

int ck_ctl__xstores_get(struct ck_ctl__xstores *r, struct ck_kube_conn *c, const char *store_json,
                        const char *store_rv, int cluster, const char *es_ns,
                        struct ck_ctl__xstore **out)
{
	struct ck_doc *d = NULL;
	const struct ck_doc_node *obj;
	struct ck_ctl__xstore *x = NULL, *old;
	struct ck_buf key = CK_BUF_INIT, file = CK_BUF_INIT;
	const char *name, *ns;
	int64_t now = ck_ctl_now_ms();
	int rc, ref, found = 0;

	*out = NULL;
	if ((rc = ck_doc_parse_json(&d, store_json, strlen(store_json), 0)) < 0)
		goto out;
	obj = d->docs[0];
	name = ck_kube_str(obj, "metadata.name");
	ns = cluster ? "" : ck_kube_str(obj, "metadata.namespace");
	if (name == NULL || ns == NULL) {
		rc = ck_err_set(CK_EINVAL, "controller: store without name or namespace");
		goto out;
	}
	ref = cluster && referent(ck_doc_get_path(obj, "spec.provider"), "provider", 0);
	if ((rc = ck_buf_printf(&file, "%s %s%s%s", cluster ? "ClusterSecretStore" : "SecretStore",
	                        ns, *ns ? "/" : "", name)) < 0 ||
	    (rc = ck_buf_printf(&key, "%c/%s/%s|%s", cluster ? 'C' : 'N', ns, name,
	                        ref ? es_ns : "")) < 0)
		goto out;
	pthread_mutex_lock(&r->lock);
	/* one build per key at a time: the others wait for it and share the client */
	while ((old = ck_ctl_map_get(r->stores, ck_buf_cstr(&key))) != NULL && old->building)
		pthread_cond_wait(&r->built, &r->lock);
	if (old != NULL && old->rv != NULL && strcmp(old->rv, store_rv) == 0 && now - old->built_ms < r->o.rebuild_ms &&
	    (old->err_code == 0 || ck_ctl_now_ms() - old->err_at < FAIL_MEMORY_MS)) {
		found = 1;
		if (old->err_code < 0) {
			rc = ck_err_set(old->err_code, "%s", old->err_msg ? old->err_msg : "store failed");
		} else {
			old->refs++;
			*out = old;
			rc = CK_OK;
		}
	} else {
		if (old != NULL)
			unregister(r, old);
		/* a placeholder while building (registry reference only) */
		if ((x = ck_calloc(1, sizeof(*x))) != NULL) {
			pthread_mutex_init(&x->lock, NULL);
			x->reg = r;
			x->building = 1;
			x->refs = 2; /* the registry's and this builder's */
			if ((x->key = ck_strdup(ck_buf_cstr(&key))) == NULL ||
			    ck_ctl_map_put(r->stores, x->key, x, NULL) < 0) {
				xstore_destroy(x);
				x = NULL;
			}
		}
		if (x == NULL) {
			found = 1;
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		}
	}
	pthread_mutex_unlock(&r->lock);
	if (found)
		goto out;
	x->built_ms = now;
	if ((x->rv = ck_strdup(store_rv)) == NULL || (x->cache = ck_ctl_map_new()) == NULL)
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
	else
		rc = build(x, r, c, store_json, obj, ck_buf_cstr(&file), es_ns);
	if (rc < 0) {
		x->err_code = rc;
		x->err_at = ck_ctl_now_ms();
		x->err_msg = ck_strdup(ck_err_last()->msg);
		ck_vault_free(x->v); /* no logout: there is no usable token */
		x->v = NULL;
	}
	pthread_mutex_lock(&r->lock);
	x->building = 0;
	pthread_cond_broadcast(&r->built);
	if (rc >= 0) {
		*out = x; /* the builder's reference goes to the caller */
		x = NULL;
	} else if (--x->refs > 0) {
		x = NULL; /* the registry keeps the failure for a moment */
	}
	pthread_mutex_unlock(&r->lock);
out:
	xstore_destroy(x);
	ck_doc_free(d);
	ck_buf_dispose(&key);
	ck_buf_dispose(&file);
	return rc;
}

/* -------------------------------------------------------------- cache */

static void sweep(struct ck_ctl__xstore *x, int64_t now)
{
	size_t pos = 0;
	const char *k;
	void *v;

	/* the map allows deleting the key just returned while iterating */
	while ((k = ck_ctl_map_next(x->cache, &pos, &v)) != NULL)
		if (now - ((struct centry *)v)->at_ms >= MAX_WINDOW_MS)
			centry_free(ck_ctl_map_del(x->cache, k));
}

/*
 * The cached answer for key if younger than the window, or read since
 * `since` (the sync that asks started then: one read per path per sync even
 * when forced), else NULL. The window is packed with since (see struct view).
 */
static struct centry *cache_get_since(struct ck_ctl__xstore *x, const char *key, int64_t window,
                                      int64_t since)
{
	struct centry *e = ck_ctl_map_get(x->cache, key);

	if (e != NULL && (ck_ctl_now_ms() - e->at_ms < window || e->at_ms >= since))
		return e;
	return NULL;
}

/* Remember an answer (value or error); the answer itself is returned through e. */
static struct centry *cache_put(struct ck_ctl__xstore *x, const char *key, int rc,
                                const void *val, size_t len)
{
	struct centry *e = ck_calloc(1, sizeof(*e)), *old = NULL;
	int64_t now = ck_ctl_now_ms();

	if (e == NULL)
		return NULL;
	e->at_ms = now;
	e->rc = rc;
	if (rc < 0) {
		e->msg = ck_strdup(ck_err_last()->msg);
	} else {
		e->val = ck_secret_alloc(len + 1);
		if (e->val == NULL) {
			centry_free(e);
			return NULL;
		}
		if (len)
			memcpy(e->val, val, len);
		e->len = len;
	}
	if (ck_ctl_map_put(x->cache, key, e, (void **)&old) < 0) {
		centry_free(e);
		return NULL;
	}
	centry_free(old);
	if (++x->inserts % SWEEP_EVERY == 0)
		sweep(x, now);
	return e;
}

/* An answer back to the caller: the value (NUL-terminated view) or its error again. */
static int answer(const struct centry *e, const uint8_t **val, size_t *len)
{
	if (e->rc < 0)
		return ck_err_set(e->rc, "%s", e->msg ? e->msg : "provider error");
	*val = e->val;
	*len = e->len;
	return CK_OK;
}

/*
 * Cache the outcome rc of a read of key (its bytes in b when rc >= 0) and
 * answer from the entry; an allocation failure is not cached.
 */
static int remember(struct ck_ctl__xstore *x, const char *key, int rc, const struct ck_buf *b,
                    const uint8_t **val, size_t *len)
{
	const struct centry *e;

	if (rc == CK_ENOMEM)
		return rc;
	if ((e = cache_put(x, key, rc, ck_buf_data(b), ck_buf_len(b))) == NULL)
		return rc >= 0 ? ck_err_set(CK_ENOMEM, "controller: out of memory") : rc;
	return answer(e, val, len);
}

/* ------------------------------------------------------ Vault reads */

/* The secret's data map as JSON (x->lock held). */
static int v_read(struct ck_ctl__xstore *x, int64_t win, int64_t since, const char *key, const char *version,
                  const uint8_t **val, size_t *len)
{
	struct ck_buf path = CK_BUF_INIT, ck = CK_BUF_INIT, js;
	struct ck_vault_kv kv;
	struct centry *e;
	int64_t ver = 0;
	int rc;

	memset(&kv, 0, sizeof(kv));
	ck_buf_init_secure(&js, CK_BUF_MAX);
	if (version != NULL && version[0] != '\0' && x->kv == 2) {
		char *end;
		long long v = strtoll(version, &end, 10);

		if (*end != '\0' || v < 0) {
			rc = ck_err_set(CK_EINVAL, "vault: version \"%s\" of \"%s\" is not a KV v2 version "
			                "number", version, key);
			goto out;
		}
		ver = v;
	}
	if ((rc = ck_ext_vault_path(&path, x->mount, x->kv, key, 0)) < 0 ||
	    (rc = ck_buf_printf(&ck, "d|%s|%lld", ck_buf_cstr(&path), (long long)ver)) < 0)
		goto out;
	if ((e = cache_get_since(x, ck_buf_cstr(&ck), win, since)) != NULL) {
		rc = answer(e, val, len);
		goto out;
	}
	x->requests++;
	rc = ck_vault_kv_read_path(x->v, &kv, ck_buf_cstr(&path), x->kv, ver);
	if (rc >= 0 && kv.data == NULL)
		rc = ck_err_set(CK_ENOTFOUND, "vault: %s: secret not found", ck_buf_cstr(&path));
	if (rc >= 0 && ck_doc_resolve(kv.data)->kind != CK_DOC_MAP)
		rc = ck_err_set(CK_EINVAL, "vault: %s: data is not a JSON object", ck_buf_cstr(&path));
	if (rc >= 0)
		rc = ck_ctl__write_json(&js, kv.data);
	rc = remember(x, ck_buf_cstr(&ck), rc, &js, val, len);
out:
	ck_vault_kv_dispose(&kv);
	ck_buf_dispose(&path);
	ck_buf_dispose(&ck);
	ck_buf_dispose(&js);
	return rc;
}

/* A value of the metadata map as ESO stringifies it. */
static int meta_str(struct ck_doc *d, struct ck_doc_node *m, const char *k,
                    const struct ck_doc_node *v)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc_node *s;
	int rc;

	v = ck_doc_resolve(v);
	if (v->kind == CK_DOC_SCALAR) {
		if (ck_doc_scalar_type(v) == CK_DOC_T_NULL && v->style == CK_DOC_PLAIN)
			return CK_OK;
		s = ck_doc_scalar(d, v->text, v->len, CK_DOC_DQUOTED);
	} else {
		if ((rc = ck_ctl__write_json(&b, v)) < 0)
			return rc;
		s = ck_doc_scalar(d, ck_buf_cstr(&b), ck_buf_len(&b), CK_DOC_DQUOTED);
		ck_buf_dispose(&b);
	}
	if (s == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	return ck_doc_map_set(d, m, k, s);
}

/* ESO's metadata map (system keys + custom_metadata) as JSON (x->lock held). */
static int v_meta(struct ck_ctl__xstore *x, int64_t win, int64_t since, const char *key, const uint8_t **val,
                  size_t *len)
{
	static const char *const sys[] = { "created_time", "current_version", "delete_version_after" };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf path = CK_BUF_INIT, ck = CK_BUF_INIT, js;
	struct ck_doc *d = NULL;
	struct ck_doc_node *m;
	struct centry *e;
	size_t i;
	int rc;

	ck_buf_init_secure(&js, CK_BUF_MAX);
	if (x->kv == 1) {
		rc = ck_err_set(CK_EINVAL, "cannot perform metadata fetch operations with kv version v1");
		goto out;
	}
	if ((rc = ck_ext_vault_path(&path, x->mount, x->kv, key, 1)) < 0 ||
	    (rc = ck_buf_printf(&ck, "m|%s", ck_buf_cstr(&path))) < 0)
		goto out;
	if ((e = cache_get_since(x, ck_buf_cstr(&ck), win, since)) != NULL) {
		rc = answer(e, val, len);
		goto out;
	}
	x->requests++;
	rc = ck_vault_request(x->v, "GET", ck_buf_cstr(&path), NULL, NULL, &r);
	if (rc == CK_ENOTFOUND)
		rc = ck_err_set(CK_ENOTFOUND, "vault: %s: secret not found", ck_buf_cstr(&path));
	if (rc >= 0 && r.data == NULL)
		rc = ck_err_set(CK_EINVAL, "vault: %s: no data in the metadata response",
		                ck_buf_cstr(&path));
	if (rc >= 0) {
		const struct ck_doc_node *cm = ck_doc_map_get(r.data, "custom_metadata");

		if ((d = ck_doc_new(CK_DOC_SECURE)) == NULL || (m = ck_doc_map(d)) == NULL ||
		    ck_doc_add_root(d, m) < 0) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		for (i = 0; i < 3 && rc >= 0; i++)
			if (ck_doc_map_get(r.data, sys[i]) != NULL)
				rc = meta_str(d, m, sys[i], ck_doc_map_get(r.data, sys[i]));
		if (cm != NULL && (cm = ck_doc_resolve(cm))->kind == CK_DOC_MAP)
			for (i = 0; i < ck_doc_map_len(cm) && rc >= 0; i++)
				rc = meta_str(d, m, ck_doc_map_key(cm, i)->text, ck_doc_map_value(cm, i));
		if (rc >= 0)
			rc = ck_ctl__write_json(&js, m);
	}
	rc = remember(x, ck_buf_cstr(&ck), rc, &js, val, len);
out:
	ck_doc_free(d);
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&path);
	ck_buf_dispose(&ck);
	ck_buf_dispose(&js);
	return rc;
}

/* One folder's keys, '\n'-separated (x->lock held). */
static int v_list(struct ck_ctl__xstore *x, int64_t win, int64_t since, const char *folder, const uint8_t **val,
                  size_t *len)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf path = CK_BUF_INIT, ck = CK_BUF_INIT, out = CK_BUF_INIT;
	const struct ck_doc_node *keys;
	struct centry *e;
	size_t i;
	int rc;

	if ((rc = ck_ext_vault_path(&path, x->mount, x->kv, folder, 1)) < 0 ||
	    (rc = ck_buf_printf(&ck, "l|%s", ck_buf_cstr(&path))) < 0)
		goto out;
	if ((e = cache_get_since(x, ck_buf_cstr(&ck), win, since)) != NULL) {
		rc = answer(e, val, len);
		goto out;
	}
	x->requests++;
	rc = ck_vault_request(x->v, "LIST", ck_buf_cstr(&path), NULL, NULL, &r);
	keys = rc >= 0 && r.data ? ck_doc_map_get(r.data, "keys") : NULL;
	if (rc >= 0 && (keys == NULL || ck_doc_resolve(keys)->kind != CK_DOC_SEQ))
		rc = ck_err_set(CK_ENOTFOUND, "vault: LIST %s: no keys", ck_buf_cstr(&path));
	for (i = 0; rc >= 0 && i < keys->nkids; i++) {
		const struct ck_doc_node *k = ck_doc_resolve(keys->kids[i]);

		if (k->kind == CK_DOC_SCALAR && k->len > 0 && memchr(k->text, '\n', k->len) == NULL)
			rc = ck_buf_printf(&out, "%s\n", k->text);
	}
	rc = remember(x, ck_buf_cstr(&ck), rc, &out, val, len);
out:
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&path);
	ck_buf_dispose(&ck);
	ck_buf_dispose(&out);
	return rc;
}

/* ---------------------------------------------------------- the view */

struct view {
	struct ck_ctl__xstore *x;
	int64_t win;
	int64_t since;        /* answers read since then are this sync's own */
};

/* GetSecret over the cached reads (x->lock held). */
static int vget(struct view *vw, const struct ck_ext_ref *ref, struct ck_buf *out)
{
	const uint8_t *val = NULL;
	size_t len = 0;
	int rc;

	if (ref->metadata == CK_EXT_META_FETCH) {
		if ((rc = v_meta(vw->x, vw->win, vw->since, ref->key, &val, &len)) < 0)
			return rc;
		if (len <= 2)
			return CK_OK; /* no metadata: no value */
	} else if ((rc = v_read(vw->x, vw->win, vw->since, ref->key, ref->version, &val, &len)) < 0) {
		return rc;
	}
	return ck_ext_vault_value(out, (const char *)val, len, ref->property);
}

static int vp_get_secret(void *impl, const struct ck_ext_ref *ref, struct ck_buf *out)
{
	struct view *vw = impl;
	int rc;

	pthread_mutex_lock(&vw->x->lock);
	rc = vget(vw, ref, out);
	pthread_mutex_unlock(&vw->x->lock);
	return rc;
}

/*
 * GetSecretMap: the value (property applied) decoded as ESO does, by the
 * in-memory provider, which runs cloak's copy of ESO's rules on it.
 */
static int vp_get_secret_map(void *impl, const struct ck_ext_ref *ref, struct ck_ext_map *out)
{
	struct view *vw = impl;
	struct ck_ext_provider *fake = NULL;
	struct ck_ext_ref r2;
	struct ck_buf v;
	int rc;

	ck_buf_init_secure(&v, CK_BUF_MAX);
	pthread_mutex_lock(&vw->x->lock);
	rc = vget(vw, ref, &v);
	pthread_mutex_unlock(&vw->x->lock);
	if (rc < 0)
		goto out;
	if ((rc = ck_ext_provider_fake_new(&fake)) < 0)
		goto out;
	rc = ck_ext_provider_fake_put(fake, "v", ck_buf_cstr(&v), NULL);
	if (rc == CK_EINVAL) {
		rc = ck_err_set(CK_EINVAL, "unable to unmarshal secret %s: the value is not a JSON object",
		                ref->key);
		goto out;
	}
	if (rc < 0)
		goto out;
	memset(&r2, 0, sizeof(r2));
	r2.key = "v";
	rc = fake->ops->get_secret_map(fake->impl, &r2, out);
out:
	ck_ext_provider_free(fake);
	ck_buf_dispose(&v);
	return rc;
}

/* Every leaf name under folder ("" or "a/b/"), recursively, as Vault lists them. */
static int list_all(struct view *vw, const char *folder, struct ck_ext_provider *names,
                    unsigned depth)
{
	const uint8_t *val = NULL;
	size_t len = 0, i = 0;
	char *copy = NULL;
	int rc;

	if (depth > 64)
		return ck_err_set(CK_ETOOBIG, "vault: folders nested deeper than 64 under \"%s\"", folder);
	if ((rc = v_list(vw->x, vw->win, vw->since, folder, &val, &len)) < 0)
		return rc;
	/* the cache entry may be replaced by deeper calls: work on a copy */
	if ((copy = ck_strndup((const char *)val, len)) == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	while (i < len && rc >= 0) {
		char *nl = strchr(copy + i, '\n'), *sub;
		size_t kl = nl ? (size_t)(nl - (copy + i)) : strlen(copy + i);

		if ((sub = ck_alloc(strlen(folder) + kl + 1)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			break;
		}
		snprintf(sub, strlen(folder) + kl + 1, "%s%.*s", folder, (int)kl, copy + i);
		if (kl > 0 && copy[i + kl - 1] == '/')
			rc = list_all(vw, sub, names, depth + 1);
		else
			rc = ck_ext_provider_fake_put(names, sub, "{}", NULL);
		ck_free(sub);
		i += kl + 1;
	}
	ck_free(copy);
	return rc;
}

/*
 * find: list every candidate here, let the in-memory provider apply ESO's
 * name regexp or tag rules to the names (with their custom_metadata when
 * tags are asked for), then read the matching secrets.
 */
static int vfind(struct view *vw, const struct ck_ext_find *f, struct ck_ext_map *out)
{
	struct ck_ext_provider *names = NULL;
	struct ck_ext_map *hits = NULL;
	struct ck_buf folder = CK_BUF_INIT, v;
	size_t i;
	int rc;

	ck_buf_init_secure(&v, CK_BUF_MAX);
	if (vw->x->kv == 1 && f->ntags) {
		rc = ck_err_set(CK_EINVAL, "cannot perform find by tag operations with kv version v1");
		goto out;
	}
	if ((rc = ck_ext_provider_fake_new(&names)) < 0 || (hits = ck_ext_map_new()) == NULL) {
		rc = rc < 0 ? rc : ck_err_last()->code;
		goto out;
	}
	if (f->path != NULL && (rc = ck_buf_printf(&folder, "%s/", f->path)) < 0)
		goto out;
	if ((rc = list_all(vw, ck_buf_cstr(&folder), names, 0)) < 0) {
		if (rc == CK_ENOTFOUND)
			ck_err_set(CK_ENOTFOUND, "no secrets found under \"%s\"",
			           f->path ? f->path : "the mount root");
		goto out;
	}
	if (f->name_regexp == NULL && f->ntags > 0) {
		/* tags: the candidates' custom_metadata decides */
		struct ck_ext_find all;
		struct ck_ext_map *cands = ck_ext_map_new();

		memset(&all, 0, sizeof(all));
		all.path = f->path;
		all.name_regexp = "";
		if (cands == NULL) {
			rc = ck_err_last()->code;
			goto out;
		}
		rc = names->ops->find(names->impl, &all, cands);
		for (i = 0; rc >= 0 && i < ck_ext_map_len(cands); i++) {
			const char *name = ck_ext_map_key(cands, i, NULL);
			struct ck_doc *md = NULL;
			struct ck_buf cm = CK_BUF_INIT;
			const uint8_t *mv;
			size_t ml, j;

			if ((rc = v_meta(vw->x, vw->win, vw->since, name, &mv, &ml)) < 0)
				break;
			/* ESO compares against custom_metadata only: rebuild it from the map */
			if ((rc = ck_doc_parse_json(&md, (const char *)mv, ml, CK_DOC_SECURE)) >= 0) {
				const struct ck_doc_node *m = md->docs[0];

				rc = ck_buf_putc(&cm, '{');
				for (j = 0; rc >= 0 && j < f->ntags; j++) {
					const char *tv = ck_doc_map_get_str(m, f->tags[j].key);

					if (tv == NULL || strchr(tv, '"') || strchr(tv, '\\') ||
					    strchr(f->tags[j].key, '"') || strchr(f->tags[j].key, '\\'))
						continue;
					rc = ck_buf_printf(&cm, "%s\"%s\":\"%s\"", ck_buf_len(&cm) > 1 ? "," : "",
					                   f->tags[j].key, tv);
				}
				if (rc >= 0)
					rc = ck_buf_putc(&cm, '}');
				if (rc >= 0)
					rc = ck_ext_provider_fake_put(names, name, "{}", ck_buf_cstr(&cm));
			}
			ck_doc_free(md);
			ck_buf_dispose(&cm);
		}
		ck_ext_map_free(cands);
		if (rc < 0)
			goto out;
	}
	if ((rc = names->ops->find(names->impl, f, hits)) < 0)
		goto out;
	for (i = 0; i < ck_ext_map_len(hits); i++) {
		size_t kl;
		const char *name = ck_ext_map_key(hits, i, &kl);
		struct ck_ext_ref r;

		memset(&r, 0, sizeof(r));
		r.key = name;
		ck_buf_reset(&v);
		rc = vget(vw, &r, &v);
		if (rc == CK_ENOTFOUND) {
			ck_err_clear(); /* deleted versions are skipped */
			continue;
		}
		if (rc < 0 || (rc = ck_ext_map_set(out, name, kl, ck_buf_data(&v), ck_buf_len(&v))) < 0)
			goto out;
	}
	rc = CK_OK;
out:
	ck_ext_provider_free(names);
	ck_ext_map_free(hits);
	ck_buf_dispose(&folder);
	ck_buf_dispose(&v);
	return rc;
}

static int vp_find(void *impl, const struct ck_ext_find *f, struct ck_ext_map *out)
{
	struct view *vw = impl;
	int rc;

	pthread_mutex_lock(&vw->x->lock);
	rc = vfind(vw, f, out);
	pthread_mutex_unlock(&vw->x->lock);
	return rc;
}

/* ------------------------------------------------- Secrets Manager reads */

/* The secret's payload (SecretString, or SecretBinary decoded), cached (x->lock held). */
static int a_read(struct view *vw, const struct ck_ext_ref *ref, const uint8_t **val, size_t *len)
{
	struct ck_ctl__xstore *x = vw->x;
	const char *ver = ref->version && ref->version[0] ? ref->version : "AWSCURRENT";
	struct ck_buf id = CK_BUF_INIT, ck = CK_BUF_INIT;
	struct ck_aws_secret sec;
	struct centry *e;
	int rc;

	ck_aws_secret_init(&sec);
	if (ref->metadata == CK_EXT_META_FETCH) {
		rc = ck_err_set(CK_EUNSUPPORTED, "aws: metadataPolicy Fetch (DescribeSecret tags) is not "
		                "supported by cloak");
		goto out;
	}
	if ((rc = ck_buf_printf(&id, "%s%s", x->aws_prefix ? x->aws_prefix : "", ref->key)) < 0 ||
	    (rc = ck_buf_printf(&ck, "a|%s|%s", ck_buf_cstr(&id), ver)) < 0)
		goto out;
	if ((e = cache_get_since(x, ck_buf_cstr(&ck), vw->win, vw->since)) == NULL) {
		x->requests++;
		/* remoteRef.version "uuid/<id>" is a VersionId, anything else a stage (ESO) */
		if (strncmp(ver, "uuid/", 5) == 0)
			rc = ck_aws_sm_get_secret_value(x->aws, &sec, ck_buf_cstr(&id), ver + 5, NULL);
		else
			rc = ck_aws_sm_get_secret_value(x->aws, &sec, ck_buf_cstr(&id), NULL, ver);
		if (rc < 0 && strstr(ck_err_last()->msg, "marked for deletion"))
			rc = ck_err_set(CK_ENOTFOUND, "aws: secret \"%s\" is marked for deletion",
			                ck_buf_cstr(&id));
		if (rc == CK_ENOMEM || (e = cache_put(x, ck_buf_cstr(&ck), rc, ck_buf_data(&sec.value),
		                                      ck_buf_len(&sec.value))) == NULL) {
			if (rc >= 0)
				rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
	}
	rc = answer(e, val, len);
out:
	ck_aws_secret_dispose(&sec);
	ck_buf_dispose(&id);
	ck_buf_dispose(&ck);
	return rc;
}

/* ESO's property rule for Secrets Manager: a key with dots is tried literally first. */
static int a_property(struct ck_buf *out, const uint8_t *val, size_t len,
                      const struct ck_ext_ref *ref)
{
	struct ck_buf esc = CK_BUF_INIT;
	const char *p = ref->property;
	size_t i;
	int rc = CK_OK;

	if (strchr(p, '.') != NULL) {
		for (i = 0; p[i] && rc >= 0; i++)
			rc = p[i] == '.' ? ck_buf_puts(&esc, "\\.") : ck_buf_putc(&esc, p[i]);
		if (rc >= 0) {
			rc = ck_ext_gjson(out, (const char *)val, len, ck_buf_cstr(&esc));
			if (rc != CK_ENOTFOUND && rc != CK_EINVAL)
				goto done;
			ck_err_clear();
		}
	}
	rc = ck_ext_gjson(out, (const char *)val, len, p);
done:
	if (rc == CK_ENOTFOUND || rc == CK_EINVAL)
		rc = ck_err_set(CK_ENOTFOUND, "key %s does not exist in secret %s", p, ref->key);
	ck_buf_dispose(&esc);
	return rc;
}

static int ap_get_secret(void *impl, const struct ck_ext_ref *ref, struct ck_buf *out)
{
	struct view *vw = impl;
	const uint8_t *val = NULL;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&vw->x->lock);
	if ((rc = a_read(vw, ref, &val, &len)) >= 0)
		rc = ref->property && ref->property[0] ? a_property(out, val, len, ref)
		                                        : ck_buf_put(out, val, len);
	pthread_mutex_unlock(&vw->x->lock);
	return rc;
}

/* End of the JSON value (or key string) starting at j[i]: a top-level ',' '}' ']' or ':'. */
static size_t json_value_end(const char *j, size_t i, size_t n)
{
	int depth = 0, instr = 0;

	for (; i < n; i++) {
		char ch = j[i];

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
				return i;
			depth--;
		} else if ((ch == ',' || ch == ':') && depth == 0)
			return i;
	}
	return n;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/*
 * GetSecretMap: map[string]json.RawMessage of the (property-selected) JSON
 * object: strings unquoted, every other value as the raw text AWS sent.
 */
static int ap_get_secret_map(void *impl, const struct ck_ext_ref *ref, struct ck_ext_map *out)
{
	struct ck_buf v;
	struct ck_doc *d = NULL;
	const struct ck_doc_node *obj;
	const char *j;
	size_t i = 0, n, k;
	int rc;

	ck_buf_init_secure(&v, CK_BUF_MAX);
	if ((rc = ap_get_secret(impl, ref, &v)) < 0)
		goto out;
	j = ck_buf_cstr(&v);
	n = ck_buf_len(&v);
	if (ck_doc_parse_json(&d, j, n, CK_DOC_SECURE) < 0 || (obj = d->docs[0]) == NULL ||
	    obj->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "unable to unmarshal secret %s: not a JSON object", ref->key);
		goto out;
	}
	/* the members in order: keys from the tree, raw value spans from the text */
	while (i < n && j[i] != '{')
		i++;
	i++;
	for (k = 0; k < ck_doc_map_len(obj) && rc >= 0; k++) {
		const struct ck_doc_node *key = ck_doc_map_key(obj, k);
		const struct ck_doc_node *val = ck_doc_resolve(ck_doc_map_value(obj, k));
		size_t vs, ve;

		while (i < n && j[i] != '"')
			i++;
		i = json_value_end(j, i, n); /* the key string, up to its ':' */
		i++;
		while (i < n && is_ws(j[i]))
			i++;
		vs = i;
		ve = i = json_value_end(j, i, n);
		while (ve > vs && is_ws(j[ve - 1]))
			ve--;
		if (val->kind == CK_DOC_SCALAR && val->style == CK_DOC_DQUOTED)
			rc = ck_ext_map_set(out, key->text, key->len, val->text, val->len);
		else
			rc = ck_ext_map_set(out, key->text, key->len, j + vs, ve - vs);
	}
out:
	ck_doc_free(d);
	ck_buf_dispose(&v);
	return rc;
}

static int ap_find(void *impl, const struct ck_ext_find *f, struct ck_ext_map *out)
{
	(void)impl;
	(void)f;
	(void)out;
	return ck_err_set(CK_EUNSUPPORTED,
	                  "aws: dataFrom.find (ListSecrets / BatchGetSecretValue) is not supported by "
	                  "cloak");
}

static void view_free(void *impl)
{
	struct view *vw = impl;

	if (vw == NULL)
		return;
	ck_ctl__xstore_put(vw->x);
	ck_free(vw);
}

static void view_stats(void *impl, size_t *requests, size_t *connections)
{
	struct view *vw = impl;

	if (requests)
		*requests = vw->x->requests;
	if (connections)
		*connections = 0;
}

static const struct ck_ext_provider_ops vault_view_ops = {
	"vault", vp_get_secret, vp_get_secret_map, vp_find, view_free, view_stats, NULL,
};

static const struct ck_ext_provider_ops aws_view_ops = {
	"aws", ap_get_secret, ap_get_secret_map, ap_find, view_free, view_stats, NULL,
};

int ck_ctl__xstore_provider(struct ck_ext_provider **out, struct ck_ctl__xstore *x,
                            int64_t window_ms)
{
	struct ck_ext_provider *p = ck_calloc(1, sizeof(*p));
	struct view *vw = ck_calloc(1, sizeof(*vw));

	*out = NULL;
	if (p == NULL || vw == NULL) {
		ck_free(p);
		ck_free(vw);
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	if (window_ms > MAX_WINDOW_MS)
		window_ms = MAX_WINDOW_MS;
	vw->x = x;
	vw->win = window_ms;
	vw->since = ck_ctl_now_ms();
	pthread_mutex_lock(&x->reg->lock);
	x->refs++;
	pthread_mutex_unlock(&x->reg->lock);
	p->ops = x->aws != NULL ? &aws_view_ops : &vault_view_ops;
	p->impl = vw;
	*out = p;
	return CK_OK;
}
