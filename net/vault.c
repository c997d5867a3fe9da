/* SPDX-License-Identifier: Apache-2.0 */
/* Vault / OpenBao client (see ck/vault.h for the contract). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/secret.h"
#include "ck/sigv4.h"
#include "ck/vault.h"
#include "json_int.h"

#define DEFAULT_ADDR "https://127.0.0.1:8200"
#define MAX_TOKEN_FILE 16384
#define MAX_JWT_FILE (1u << 20)

struct stored_auth {
	int have;
	enum ck_vault_auth_method method;
	char *mount, *ns, *role, *jwt, *jwt_file, *role_id, *secret_id, *username,
		*password, *cert_name;
};

struct ck_vault {
	struct ck_http_client *http;
	char *addr;
	char *ns;
	int max_retries;
	long retry_wait_ms;
	int ryw, fwd;
	char *index_state;           /* X-Vault-Index from the last write */
	time_t (*now)(void *);
	void (*sleep_ms)(void *, long);
	void *seam;
	/* token */
	char *token;                 /* secret memory */
	char *token_line;            /* "X-Vault-Token: <token>", secret memory */
	int login_derived;
	time_t obtained;
	int64_t lease;               /* seconds; 0: does not expire */
	int renewable;
	int busy;                    /* inside login/renew: no token upkeep */
	struct stored_auth auth;
	struct ck_http_response resp; /* kept between requests: its secure body is reused */
};

/* ---- small helpers ------------------------------------------------------ */

static time_t now_of(const struct ck_vault *v)
{
	return v->now ? v->now(v->seam) : time(NULL);
}

static char *sdup(const char *s, int secret, int *bad)
{
	size_t n;
	char *d;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	d = secret ? ck_secret_alloc(n + 1) : ck_alloc(n + 1);
	if (d == NULL) {
		*bad = 1;
		return NULL;
	}
	memcpy(d, s, n + 1);
	return d;
}

static void sfree(char *s)
{
	if (s != NULL)
		ck_freezero(s, strlen(s));
}

static void auth_clear(struct stored_auth *a)
{
	sfree(a->mount);
	sfree(a->ns);
	sfree(a->role);
	ck_secret_free(a->jwt);
	sfree(a->jwt_file);
	sfree(a->role_id);
	ck_secret_free(a->secret_id);
	sfree(a->username);
	ck_secret_free(a->password);
	sfree(a->cert_name);
	memset(a, 0, sizeof(*a));
}

static void forget_token(struct ck_vault *v)
{
	ck_secret_free(v->token);
	ck_secret_free(v->token_line);
	v->token = NULL;
	v->token_line = NULL;
	v->login_derived = 0;
	v->lease = 0;
	v->renewable = 0;
}

static int set_token(struct ck_vault *v, const char *t, size_t n)
{
	static const char prefix[] = "X-Vault-Token: ";
	char *c = ck_secret_alloc(n + 1), *l = ck_secret_alloc(sizeof(prefix) + n);

	if (c == NULL || l == NULL) {
		ck_secret_free(c);
		ck_secret_free(l);
		return ck_err_set(CK_ENOMEM, "vault: out of memory");
	}
	memcpy(c, t, n);
	c[n] = '\0';
	memcpy(l, prefix, sizeof(prefix) - 1);
	memcpy(l + sizeof(prefix) - 1, t, n);
	l[sizeof(prefix) - 1 + n] = '\0';
	ck_secret_free(v->token);
	ck_secret_free(v->token_line);
	v->token = c;
	v->token_line = l;
	return CK_OK;
}

/* Read a token/JWT file into secret memory, trimming surrounding blanks. */
static int read_secret_file(struct ck_buf *out, const char *path, size_t max, const char *what)
{
	int rc = CK_EINTERNAL;
	size_t n, s = 0;
	const uint8_t *d;
	struct ck_buf tmp;

	ck_buf_init_secure(&tmp, max);
	if ((rc = ck_file_read(&tmp, path, max)) < 0) {
		rc = ck_err_set(rc == CK_ETOOBIG ? CK_ETOOBIG : CK_ENOTFOUND,
		                "vault: cannot read %s file %s", what, path);
		goto out;
	}
	d = ck_buf_data(&tmp);
	n = ck_buf_len(&tmp);
	while (s < n && (d[s] == ' ' || d[s] == '\t' || d[s] == '\r' || d[s] == '\n'))
		s++;
	while (n > s && (d[n - 1] == ' ' || d[n - 1] == '\t' || d[n - 1] == '\r' ||
	                 d[n - 1] == '\n'))
		n--;
	if (n == s) {
		rc = ck_err_set(CK_EINVAL, "vault: %s file %s is empty", what, path);
		goto out;
	}
	rc = ck_buf_put(out, d + s, n - s);
out:
	ck_buf_dispose(&tmp);
	return rc;
}

/* ---- configuration ------------------------------------------------------ */

void ck_vault_config_env(struct ck_vault_config *c)
{
	const char *e;

	if (c->addr == NULL)
		c->addr = (e = getenv("VAULT_ADDR")) && *e ? e : DEFAULT_ADDR;
	if (c->ns == NULL && (e = getenv("VAULT_NAMESPACE")) && *e)
		c->ns = e;
	if (c->tls.ca_file == NULL && c->tls.ca_pem == NULL && (e = getenv("VAULT_CACERT")) && *e)
		c->tls.ca_file = e;
	if (c->tls.cert_file == NULL && c->tls.cert_pem == NULL &&
	    (e = getenv("VAULT_CLIENT_CERT")) && *e)
		c->tls.cert_file = e;
	if (c->tls.key_file == NULL && c->tls.key_pem == NULL &&
	    (e = getenv("VAULT_CLIENT_KEY")) && *e)
		c->tls.key_file = e;
	if (c->tls.server_name == NULL && (e = getenv("VAULT_TLS_SERVER_NAME")) && *e)
		c->tls.server_name = e;
	if (!c->tls.insecure && (e = getenv("VAULT_SKIP_VERIFY")) && *e &&
	    (strcmp(e, "1") == 0 || strcmp(e, "true") == 0 || strcmp(e, "TRUE") == 0 ||
	     strcmp(e, "True") == 0))
		c->tls.insecure = 1;
	if (c->max_retries < 0 && (e = getenv("VAULT_MAX_RETRIES")) && *e) {
		char *end;
		long n = strtol(e, &end, 10);

		if (*end == '\0' && n >= 0 && n < 100)
			c->max_retries = (int)n;
	}
}

int ck_vault_new(struct ck_vault **out, const struct ck_vault_config *c)
{
	struct ck_http_opts o = { 0 };
	struct ck_vault *v = NULL;
	int rc = CK_EINTERNAL, bad = 0;
	size_t n;

	*out = NULL;
	if (c == NULL || c->addr == NULL ||
	    (strncmp(c->addr, "http://", 7) != 0 && strncmp(c->addr, "https://", 8) != 0)) {
		rc = ck_err_set(CK_EINVAL, "vault: server address must start with http:// or https://");
		goto out;
	}
	if ((v = ck_calloc(1, sizeof(*v))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "vault: out of memory");
		goto out;
	}
	v->addr = sdup(c->addr, 0, &bad);
	if (v->addr != NULL) {
		n = strlen(v->addr);
		while (n > 0 && v->addr[n - 1] == '/')
			v->addr[--n] = '\0';
		/* an address given with the /v1 suffix still works */
		if (n >= 3 && strcmp(v->addr + n - 3, "/v1") == 0)
			v->addr[n - 3] = '\0';
	}
	if (c->ns != NULL && c->ns[0] != '\0')
		v->ns = sdup(c->ns, 0, &bad);
	if (bad) {
		rc = ck_err_set(CK_ENOMEM, "vault: out of memory");
		goto out;
	}
	v->max_retries = c->max_retries < 0 ? 2 : c->max_retries;
	v->retry_wait_ms = c->retry_wait_ms > 0 ? c->retry_wait_ms : 1000;
	v->ryw = c->read_your_writes;
	v->fwd = c->forward_inconsistent;
	v->now = c->now;
	v->sleep_ms = c->sleep_ms;
	v->seam = c->seam_arg;
	o.tls = c->tls;
	o.headers = c->headers;
	o.timeout_ms = c->timeout_ms ? c->timeout_ms : 60000;
	o.max_response = c->max_response ? c->max_response : ((size_t)32 << 20);
	o.max_redirects = 3; /* a standby that does not forward redirects (307) */
	o.transport = c->transport;
	if ((rc = ck_http_client_new(&v->http, &o)) < 0)
		goto out;
	*out = v;
	v = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_vault_free(v);
	return rc;
}

void ck_vault_free(struct ck_vault *v)
{
	if (v == NULL)
		return;
	ck_http_client_free(v->http);
	ck_http_response_dispose(&v->resp);
	forget_token(v);
	auth_clear(&v->auth);
	sfree(v->addr);
	sfree(v->ns);
	sfree(v->index_state);
	ck_free(v);
}

const char *ck_vault_token(const struct ck_vault *v)
{
	return v ? v->token : NULL;
}

/* ---- responses ---------------------------------------------------------- */

void ck_vault_response_dispose(struct ck_vault_response *r)
{
	if (r == NULL)
		return;
	ck_doc_free(r->doc);
	memset(r, 0, sizeof(*r));
}

int ck_vault_response_parse(struct ck_vault_response *out, long status, const char *body,
                            size_t n)
{
	const struct ck_doc_node *root;
	struct ck_doc *doc = NULL;
	size_t i = 0;
	int rc = CK_EINTERNAL;

	ck_vault_response_dispose(out);
	out->status = status;
	while (i < n && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	if (i == n) {
		rc = CK_OK; /* 204 or an empty body */
		goto out;
	}
	if ((rc = ck_doc_parse_json(&doc, body, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0) {
		char msg[200];

		ck_net__oneline(msg, sizeof(msg), ck_err_last()->msg, strlen(ck_err_last()->msg));
		rc = ck_err_set(CK_EINVAL, "vault: malformed JSON response (%s)", msg);
		goto out;
	}
	root = doc->ndocs == 1 && doc->docs[0] ? ck_doc_resolve(doc->docs[0]) : NULL;
	if (root == NULL || root->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "vault: response is not a JSON object");
		goto out;
	}
	out->doc = doc;
	doc = NULL; /* transferred */
	out->root = root;
	out->data = ck_net__get_map(root, "data");
	out->auth = ck_net__get_map(root, "auth");
	out->warnings = ck_net__get_seq(root, "warnings");
	rc = CK_OK;
out:
	ck_doc_free(doc);
	return rc;
}

/* "vault: GET secret/data/x: HTTP 403: permission denied" */
static int status_error(const struct ck_vault_response *r, const char *what)
{
	const struct ck_doc_node *errs = r->root ? ck_net__get_seq(r->root, "errors") : NULL;
	char msg[600], one[300];
	size_t k = 0;
	int code = ck_http_status_err(r->status);

	msg[0] = '\0';
	for (size_t i = 0; errs != NULL && i < errs->nkids && k + 3 < sizeof(msg); i++) {
		const struct ck_doc_node *e = ck_doc_resolve(errs->kids[i]);

		if (e->kind != CK_DOC_SCALAR)
			continue;
		ck_net__oneline(one, sizeof(one), e->text, e->len);
		if (one[0] == '\0')
			continue;
		k += (size_t)snprintf(msg + k, sizeof(msg) - k, "%s%s", k ? "; " : "", one);
	}
	if (code == CK_OK)
		code = CK_EINVAL;
	if (msg[0] == '\0')
		return ck_err_set(code, "vault: %s: HTTP %ld%s", what, r->status,
		                  r->status == 404 ? " (not found)" : "");
	return ck_err_set(code, "vault: %s: HTTP %ld: %s", what, r->status, msg);
}

/* ---- transport ---------------------------------------------------------- */

static int vault_retryable(void *arg, int rc, const struct ck_http_response *r)
{
	(void)arg;
	if (rc < 0)
		return r->failure == CK_HTTP_FAIL_CONNECT || r->failure == CK_HTTP_FAIL_TIMEOUT ||
		       r->failure == CK_HTTP_FAIL_RESET;
	return r->status == 412 || r->status == 429 ||
	       (r->status >= 500 && r->status <= 599 && r->status != 501);
}

static int percent_path(struct ck_buf *out, const char *path)
{
	while (*path == '/')
		path++;
	return ck_sigv4_uri_encode(out, path, strlen(path), 1);
}

/*
 * One exchange (with the retry policy), no token upkeep. ns: namespace to
 * send (NULL: none). with_token: send the current token.
 */
static int exchange(struct ck_vault *v, const char *method, const char *path, const char *query,
                    const char *json, size_t json_len, const char *ns, int with_token,
                    int retries, struct ck_vault_response *out)
{
	struct ck_http_request req = { 0 };
	struct ck_http_response *resp = &v->resp;
	struct ck_http_retry rt;
	struct ck_buf url, what;
	const char *hdrs[8];
	char nsline[600], idxline[1100];
	int nh = 0, rc = CK_EINTERNAL, list = strcmp(method, "LIST") == 0, write;

	ck_buf_init(&url, 0);
	ck_buf_init(&what, 0);
	ck_vault_response_dispose(out);
	write = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	        strcmp(method, "DELETE") == 0;
	if ((rc = ck_buf_printf(&url, "%s/v1/", v->addr)) < 0 || (rc = percent_path(&url, path)) < 0)
		goto out;
	if (list || (query && *query)) {
		if ((rc = ck_buf_printf(&url, "?%s%s%s", query && *query ? query : "",
		                        query && *query && list ? "&" : "",
		                        list ? "list=true" : "")) < 0)
			goto out;
	}
	if ((rc = ck_buf_printf(&what, "%s %s", list ? "LIST" : method,
	                        path[0] == '/' ? path + 1 : path)) < 0)
		goto out;
	if (with_token && v->token_line != NULL)
		hdrs[nh++] = v->token_line;
	if (ns != NULL && ns[0] != '\0') {
		snprintf(nsline, sizeof(nsline), "X-Vault-Namespace: %s", ns);
		hdrs[nh++] = nsline;
	}
	hdrs[nh++] = "X-Vault-Request: true";
	if (json != NULL)
		hdrs[nh++] = "Content-Type: application/json";
	if (v->ryw && v->index_state != NULL) {
		snprintf(idxline, sizeof(idxline), "X-Vault-Index: %s", v->index_state);
		hdrs[nh++] = idxline;
		if (v->fwd)
			hdrs[nh++] = "X-Vault-Inconsistent: forward-active-node";
	}
	hdrs[nh] = NULL;
	req.method = list ? "GET" : method;
	req.url = ck_buf_cstr(&url);
	req.headers = hdrs;
	req.body = json;
	req.body_len = json_len;
	req.flags = CK_HTTP_SECURE_BODY;
	memset(&rt, 0, sizeof(rt));
	rt.max_retries = retries;
	rt.base_ms = v->retry_wait_ms;
	rt.max_ms = v->retry_wait_ms * 4;
	rt.retryable = vault_retryable;
	rt.sleep_ms = v->sleep_ms;
	rt.arg = v->seam;
	rc = ck_http_send_retry(v->http, &req, &rt, resp);
	if (rc < 0) {
		/* transport errors already name the URL; say it is Vault */
		ck_err_context("vault");
		goto out;
	}
	if (v->ryw && write) {
		const char *idx = ck_http_response_header(resp, "X-Vault-Index");

		if (idx != NULL && strlen(idx) < 1024) {
			sfree(v->index_state);
			v->index_state = ck_strdup(idx);
		}
	}
	rc = ck_vault_response_parse(out, resp->status, (const char *)ck_buf_data(&resp->body),
	                             ck_buf_len(&resp->body));
	if (rc < 0) {
		out->status = resp->status;
		if (resp->status >= 400) /* an error page that is not JSON: say what status it was */
			rc = ck_err_set(ck_http_status_err(resp->status) ? ck_http_status_err(resp->status)
			                                                : CK_EINVAL,
			                "vault: %s: HTTP %ld with a non-JSON body", ck_buf_cstr(&what),
			                resp->status);
		else
			ck_err_context("%s", ck_buf_cstr(&what));
		goto out;
	}
	if (resp->status >= 300 || resp->status < 200) {
		rc = status_error(out, ck_buf_cstr(&what));
		goto out;
	}
	rc = CK_OK;
out:
	ck_buf_reset(&resp->body); /* the parsed copy is all that stays */
	ck_buf_dispose(&url);
	ck_buf_dispose(&what);
	return rc;
}

/* ---- login and token upkeep -------------------------------------------- */

static const char *default_mount(enum ck_vault_auth_method m)
{
	switch (m) {
	case CK_VAULT_AUTH_KUBERNETES: return "kubernetes";
	case CK_VAULT_AUTH_APPROLE: return "approle";
	case CK_VAULT_AUTH_JWT: return "jwt";
	case CK_VAULT_AUTH_USERPASS: return "userpass";
	case CK_VAULT_AUTH_LDAP: return "ldap";
	case CK_VAULT_AUTH_CERT: return "cert";
	default: return "token";
	}
}

/* Take token, lease and renewable from an "auth" block. */
static int take_auth(struct ck_vault *v, const struct ck_doc_node *auth, const char *what)
{
	const char *tok = ck_net__get_str(auth, "client_token");
	int64_t lease = 0;
	int renewable = 0, rc;

	if (tok == NULL || tok[0] == '\0')
		return ck_err_set(CK_EINVAL, "vault: %s: response has no auth.client_token", what);
	if (ck_net__get_int(auth, "lease_duration", &lease) < 0 || lease < 0)
		lease = 0;
	if (ck_net__get_bool(auth, "renewable", &renewable) < 0)
		renewable = 0;
	if ((rc = set_token(v, tok, strlen(tok))) < 0)
		return rc;
	v->obtained = now_of(v);
	v->lease = lease;
	v->renewable = renewable;
	return CK_OK;
}

static int do_login(struct ck_vault *v)
{
	struct stored_auth *a = &v->auth;
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf body, path, jwt;
	const char *ns = a->ns ? a->ns : v->ns;
	const char *mount = a->mount ? a->mount : default_mount(a->method);
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&body, 0);
	ck_buf_init(&path, 0);
	ck_buf_init_secure(&jwt, MAX_JWT_FILE);
	v->busy++;
	if ((rc = ck_buf_printf(&path, "auth/%s/login", mount)) < 0)
		goto out;
	switch (a->method) {
	case CK_VAULT_AUTH_KUBERNETES:
	case CK_VAULT_AUTH_JWT:
		if (a->jwt != NULL) {
			rc = ck_buf_puts(&jwt, a->jwt);
		} else {
			const char *f = a->jwt_file;

			if (f == NULL && a->method == CK_VAULT_AUTH_KUBERNETES)
				f = CK_VAULT_SA_TOKEN_PATH;
			if (f == NULL) {
				rc = ck_err_set(CK_EINVAL, "vault: jwt login needs a JWT or a JWT file");
				goto out;
			}
			rc = read_secret_file(&jwt, f, MAX_JWT_FILE, "JWT");
		}
		if (rc < 0 || (rc = ck_buf_puts(&body, "{")) < 0)
			goto out;
		if (a->role != NULL && ((rc = ck_buf_puts(&body, "\"role\":")) < 0 ||
		                        (rc = ck_net__json_cstr(&body, a->role)) < 0 ||
		                        (rc = ck_buf_putc(&body, ',')) < 0))
			goto out;
		if ((rc = ck_buf_puts(&body, "\"jwt\":")) < 0 ||
		    (rc = ck_net__json_str(&body, (const char *)ck_buf_data(&jwt), ck_buf_len(&jwt))) < 0 ||
		    (rc = ck_buf_puts(&body, "}")) < 0)
			goto out;
		break;
	case CK_VAULT_AUTH_APPROLE:
		if (a->role_id == NULL) {
			rc = ck_err_set(CK_EINVAL, "vault: approle login needs a role_id");
			goto out;
		}
		if ((rc = ck_buf_puts(&body, "{\"role_id\":")) < 0 ||
		    (rc = ck_net__json_cstr(&body, a->role_id)) < 0 ||
		    (rc = ck_buf_puts(&body, ",\"secret_id\":")) < 0 ||
		    (rc = ck_net__json_cstr(&body, a->secret_id ? a->secret_id : "")) < 0 ||
		    (rc = ck_buf_puts(&body, "}")) < 0)
			goto out;
		break;
	case CK_VAULT_AUTH_USERPASS:
	case CK_VAULT_AUTH_LDAP:
		if (a->username == NULL || a->username[0] == '\0' || strchr(a->username, '/')) {
			rc = ck_err_set(CK_EINVAL, "vault: %s login needs a user name without '/'",
			                mount);
			goto out;
		}
		if ((rc = ck_buf_printf(&path, "/%s", a->username)) < 0 ||
		    (rc = ck_buf_puts(&body, "{\"password\":")) < 0 ||
		    (rc = ck_net__json_cstr(&body, a->password ? a->password : "")) < 0 ||
		    (rc = ck_buf_puts(&body, "}")) < 0)
			goto out;
		break;
	case CK_VAULT_AUTH_CERT:
		if ((rc = ck_buf_puts(&body, "{")) < 0)
			goto out;
		if (a->cert_name != NULL && ((rc = ck_buf_puts(&body, "\"name\":")) < 0 ||
		                             (rc = ck_net__json_cstr(&body, a->cert_name)) < 0))
			goto out;
		if ((rc = ck_buf_puts(&body, "}")) < 0)
			goto out;
		break;
	default:
		rc = ck_err_set(CK_EINTERNAL, "vault: no login method for a token");
		goto out;
	}
	rc = exchange(v, "POST", ck_buf_cstr(&path), NULL, ck_buf_cstr(&body), ck_buf_len(&body),
	              ns, 0, v->max_retries, &r);
	if (rc < 0) {
		if (rc == CK_EINVAL && r.status == 400)
			rc = CK_EDENIED; /* bad credentials, as Vault answers approle/userpass */
		ck_err_set(rc, "%s (login)", ck_err_last()->msg);
		goto out;
	}
	if (r.auth == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: POST %s: login response without auth",
		                ck_buf_cstr(&path));
		goto out;
	}
	if ((rc = take_auth(v, r.auth, ck_buf_cstr(&path))) < 0)
		goto out;
	v->login_derived = 1;
	rc = CK_OK;
out:
	v->busy--;
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&body);
	ck_buf_dispose(&path);
	ck_buf_dispose(&jwt);
	return rc;
}

int ck_vault_token_lookup(struct ck_vault *v, struct ck_vault_token_info *out)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const char *s;
	int rc = CK_EINTERNAL;

	memset(out, 0, sizeof(*out));
	v->busy++;
	rc = exchange(v, "GET", "auth/token/lookup-self", NULL, NULL, 0, v->ns, 1, v->max_retries,
	              &r);
	v->busy--;
	if (rc < 0)
		goto out;
	if (r.data == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: lookup-self response without data");
		goto out;
	}
	if (ck_net__get_int(r.data, "ttl", &out->ttl) < 0)
		out->ttl = 0;
	if (ck_net__get_bool(r.data, "renewable", &out->renewable) < 0)
		out->renewable = 0;
	s = ck_net__get_str(r.data, "type");
	out->batch = s != NULL && strcmp(s, "batch") == 0;
	s = ck_net__get_str(r.data, "expire_time");
	out->expires = s != NULL && s[0] != '\0';
	if (s != NULL)
		snprintf(out->expire_time, sizeof(out->expire_time), "%s", s);
	s = ck_net__get_str(r.data, "accessor");
	if (s != NULL)
		snprintf(out->accessor, sizeof(out->accessor), "%s", s);
	rc = CK_OK;
out:
	ck_vault_response_dispose(&r);
	return rc;
}

int ck_vault_token_renew(struct ck_vault *v, int64_t increment_s)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	char body[64];
	int rc = CK_EINTERNAL;

	if (v->token == NULL)
		return ck_err_set(CK_EDENIED, "vault: no token to renew (log in first)");
	if (increment_s > 0)
		snprintf(body, sizeof(body), "{\"increment\":\"%llds\"}", (long long)increment_s);
	else
		snprintf(body, sizeof(body), "{}");
	v->busy++;
	rc = exchange(v, "POST", "auth/token/renew-self", NULL, body, strlen(body), v->ns, 1,
	              v->max_retries, &r);
	v->busy--;
	if (rc < 0)
		goto out;
	if (r.auth == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: renew-self response without auth");
		goto out;
	}
	{
		int64_t lease = 0;
		int renewable = 0;

		if (ck_net__get_int(r.auth, "lease_duration", &lease) < 0 || lease < 0)
			lease = 0;
		if (ck_net__get_bool(r.auth, "renewable", &renewable) < 0)
			renewable = 0;
		v->obtained = now_of(v);
		v->lease = lease;
		v->renewable = renewable;
	}
	rc = CK_OK;
out:
	ck_vault_response_dispose(&r);
	return rc;
}

/* Renew or log in again before the token runs out. */
static int upkeep(struct ck_vault *v)
{
	time_t now = now_of(v);
	int64_t elapsed;

	if (v->busy || v->token == NULL || v->lease <= 0)
		return CK_OK;
	elapsed = (int64_t)(now - v->obtained);
	if (elapsed * 3 < v->lease * 2)
		return CK_OK;
	/* a renewal capped by the max TTL leaves a short lease: log in instead */
	if (v->renewable && ck_vault_token_renew(v, 0) == CK_OK &&
	    (v->lease >= 10 || !v->login_derived))
		return CK_OK;
	if (v->login_derived && v->auth.have)
		return do_login(v);
	if (elapsed >= v->lease)
		return ck_err_set(CK_EDENIED, "vault: the token has expired (not renewable, no "
		                  "login to repeat)");
	return CK_OK;
}

int ck_vault_login(struct ck_vault *v, const struct ck_vault_auth *a)
{
	struct stored_auth na;
	struct ck_vault_token_info info;
	struct ck_buf tok;
	int rc = CK_EINTERNAL, bad = 0;

	memset(&na, 0, sizeof(na));
	ck_buf_init_secure(&tok, MAX_TOKEN_FILE);
	if (a->method == CK_VAULT_AUTH_TOKEN) {
		const char *e = getenv("VAULT_TOKEN");

		if (a->token != NULL && a->token[0] != '\0') {
			rc = ck_buf_puts(&tok, a->token);
		} else if (a->token_file != NULL) {
			rc = read_secret_file(&tok, a->token_file, MAX_TOKEN_FILE, "token");
		} else if (e != NULL && e[0] != '\0') {
			rc = ck_buf_puts(&tok, e);
		} else {
			char path[4096];
			const char *home = getenv("HOME");

			if (home == NULL || home[0] == '\0') {
				rc = ck_err_set(CK_ENOTFOUND, "vault: no token (VAULT_TOKEN unset, no HOME "
				                "for ~/.vault-token)");
				goto out;
			}
			snprintf(path, sizeof(path), "%s/.vault-token", home);
			if (!ck_file_exists(path)) {
				rc = ck_err_set(CK_ENOTFOUND, "vault: no token: set VAULT_TOKEN or "
				                "write ~/.vault-token");
				goto out;
			}
			rc = read_secret_file(&tok, path, MAX_TOKEN_FILE, "token");
		}
		if (rc < 0)
			goto out;
		if (memchr(ck_buf_data(&tok), '\n', ck_buf_len(&tok)) != NULL ||
		    memchr(ck_buf_data(&tok), '\r', ck_buf_len(&tok)) != NULL) {
			rc = ck_err_set(CK_EINVAL, "vault: token contains a line break");
			goto out;
		}
		auth_clear(&v->auth);
		forget_token(v);
		if ((rc = set_token(v, (const char *)ck_buf_data(&tok), ck_buf_len(&tok))) < 0)
			goto out;
		v->obtained = now_of(v);
		if ((rc = ck_vault_token_lookup(v, &info)) < 0) {
			forget_token(v);
			goto out;
		}
		if (info.expires && info.ttl < 60) {
			forget_token(v);
			rc = ck_err_set(CK_EDENIED, "vault: the token expires in %lld s; use a fresh one",
			                (long long)info.ttl);
			goto out;
		}
		v->lease = info.expires ? info.ttl : 0;
		v->renewable = info.renewable;
		rc = CK_OK;
		goto out;
	}
	na.have = 1;
	na.method = a->method;
	na.mount = sdup(a->mount, 0, &bad);
	na.ns = sdup(a->ns, 0, &bad);
	na.role = sdup(a->role, 0, &bad);
	na.jwt = sdup(a->jwt, 1, &bad);
	na.jwt_file = sdup(a->jwt_file, 0, &bad);
	na.role_id = sdup(a->role_id, 0, &bad);
	na.secret_id = sdup(a->secret_id, 1, &bad);
	na.username = sdup(a->username, 0, &bad);
	na.password = sdup(a->password, 1, &bad);
	na.cert_name = sdup(a->cert_name, 0, &bad);
	if (bad) {
		rc = ck_err_set(CK_ENOMEM, "vault: out of memory");
		goto out;
	}
	auth_clear(&v->auth);
	forget_token(v);
	v->auth = na;
	memset(&na, 0, sizeof(na)); /* transferred */
	rc = do_login(v);
out:
	auth_clear(&na);
	ck_buf_dispose(&tok);
	return rc;
}

int ck_vault_logout(struct ck_vault *v)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	int rc = CK_OK;

	if (v->token != NULL && v->login_derived) {
		v->busy++;
		rc = exchange(v, "POST", "auth/token/revoke-self", NULL, NULL, 0,
		              v->auth.ns ? v->auth.ns : v->ns, 1, v->max_retries, &r);
		v->busy--;
		if (rc == CK_EDENIED)
			rc = CK_OK; /* already expired or revoked: nothing left to revoke */
	}
	forget_token(v);
	auth_clear(&v->auth);
	ck_vault_response_dispose(&r);
	return rc;
}

/* ---- requests ----------------------------------------------------------- */

static int request(struct ck_vault *v, const char *method, const char *path, const char *query,
                   const char *json, size_t json_len, struct ck_vault_response *out)
{
	int rc;

	if ((rc = upkeep(v)) < 0)
		return rc;
	rc = exchange(v, method, path, query, json, json_len, v->ns, 1, v->max_retries, out);
	if (rc == CK_EDENIED && out->status == 403 && v->login_derived && v->auth.have &&
	    !v->busy) {
		/* the token may have expired under us: log in once more, repeat once */
		struct ck_err saved = *ck_err_last();

		if (do_login(v) == CK_OK)
			rc = exchange(v, method, path, query, json, json_len, v->ns, 1,
			              v->max_retries, out);
		else
			ck_err_set(saved.code, "%s (and logging in again failed: %s)", saved.msg,
			           ck_err_last()->msg);
	}
	return rc;
}

int ck_vault_request(struct ck_vault *v, const char *method, const char *path,
                     const char *query, const char *json, struct ck_vault_response *out)
{
	return request(v, method, path, query, json, json ? strlen(json) : 0, out);
}

/* ---- KV ----------------------------------------------------------------- */

static void kv_reset_view(struct ck_vault_kv *kv)
{
	kv->data = kv->metadata = kv->custom_metadata = NULL;
	kv->version = 0;
	kv->created_time = kv->deletion_time = "";
	kv->deleted = kv->destroyed = 0;
}

void ck_vault_kv_dispose(struct ck_vault_kv *kv)
{
	if (kv == NULL)
		return;
	ck_vault_response_dispose(&kv->r);
	kv_reset_view(kv);
}

int ck_vault_kv_parse(struct ck_vault_kv *kv, int kv_version, time_t now)
{
	const struct ck_doc_node *d = kv->r.data, *inner;
	const char *s;

	kv_reset_view(kv);
	if (d == NULL)
		return ck_err_set(CK_EINVAL, "vault: KV response has no data object");
	if (kv_version == 1) {
		kv->data = d;
		return CK_OK;
	}
	kv->metadata = ck_net__get_map(d, "metadata");
	inner = ck_doc_map_get(d, "data");
	if (kv->metadata == NULL || (inner != NULL && !ck_net__is_null(inner) &&
	                             ck_doc_resolve(inner)->kind != CK_DOC_MAP)) {
		/* a v1 secret or a non-KV path read as v2 */
		return ck_err_set(CK_EINVAL, "vault: not a KV v2 response (no data.data and "
		                  "data.metadata; is the mount KV v1?)");
	}
	if (ck_net__get_int(kv->metadata, "version", &kv->version) < 0)
		kv->version = 0;
	kv->custom_metadata = ck_net__get_map(kv->metadata, "custom_metadata");
	s = ck_net__get_str(kv->metadata, "created_time");
	kv->created_time = s ? s : "";
	s = ck_net__get_str(kv->metadata, "deletion_time");
	kv->deletion_time = s ? s : "";
	if (ck_net__get_bool(kv->metadata, "destroyed", &kv->destroyed) < 0)
		kv->destroyed = 0;
	if (kv->deletion_time[0] != '\0') {
		time_t t;

		/* a deletion time in the future (delete_version_after) still serves data */
		if (ck_net__parse_rfc3339(&t, kv->deletion_time) < 0 || t <= now)
			kv->deleted = 1;
	}
	if (kv->destroyed)
		return ck_err_set(CK_ENOTFOUND, "vault: version %lld was destroyed",
		                  (long long)kv->version);
	if (kv->deleted)
		return ck_err_set(CK_ENOTFOUND, "vault: version %lld was deleted at %s",
		                  (long long)kv->version, kv->deletion_time);
	if (inner == NULL || ck_net__is_null(inner))
		return ck_err_set(CK_ENOTFOUND, "vault: version %lld has no data",
		                  (long long)kv->version);
	kv->data = ck_doc_resolve(inner);
	return CK_OK;
}

static int clean_part(const char *s, const char *what)
{
	if (s == NULL)
		return ck_err_set(CK_EINVAL, "vault: %s is missing", what);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '?' || *p == '#')
			return ck_err_set(CK_EINVAL, "vault: %s '%s' contains '?', '#' or a control "
			                  "character", what, s);
	return CK_OK;
}

static void trim_slashes(const char **s, size_t *n)
{
	while (**s == '/')
		(*s)++;
	*n = strlen(*s);
	while (*n > 0 && (*s)[*n - 1] == '/')
		(*n)--;
}

/* <mount>/<mid>/<path> with slashes tidied; mid may be NULL. */
static int kv_path(struct ck_buf *out, const char *mount, const char *mid, const char *path)
{
	const char *m = mount, *p = path;
	size_t ml, pl;
	int rc;

	if ((rc = clean_part(mount, "mount")) < 0 || (rc = clean_part(path, "path")) < 0)
		return rc;
	trim_slashes(&m, &ml);
	trim_slashes(&p, &pl);
	if (ml == 0)
		return ck_err_set(CK_EINVAL, "vault: empty mount");
	if ((rc = ck_buf_put(out, m, ml)) < 0)
		return rc;
	if (mid != NULL && (rc = ck_buf_printf(out, "/%s", mid)) < 0)
		return rc;
	if (pl > 0 && ((rc = ck_buf_putc(out, '/')) < 0 || (rc = ck_buf_put(out, p, pl)) < 0))
		return rc;
	return CK_OK;
}

/* "vault: <what>" -> "vault: <path>: <what>", keeping the code. */
static int reprefix(const char *logical)
{
	const struct ck_err *e = ck_err_last();
	const char *m = strncmp(e->msg, "vault: ", 7) == 0 ? e->msg + 7 : e->msg;
	char msg[CK_ERR_MSG_MAX];

	snprintf(msg, sizeof(msg), "%s", m);
	while (*logical == '/')
		logical++;
	return ck_err_set(e->code, "vault: %s: %s", logical, msg);
}

int ck_vault_kv_read_path(struct ck_vault *v, struct ck_vault_kv *out, const char *logical,
                          int kv_version, int64_t version)
{
	char q[40];
	int rc;

	ck_vault_kv_dispose(out);
	kv_reset_view(out);
	if ((rc = clean_part(logical, "path")) < 0)
		return rc;
	if (kv_version != 1 && kv_version != 2)
		return ck_err_set(CK_EINVAL, "vault: KV version must be 1 or 2");
	q[0] = '\0';
	if (kv_version == 2 && version > 0)
		snprintf(q, sizeof(q), "version=%lld", (long long)version);
	rc = request(v, "GET", logical, q, NULL, 0, &out->r);
	if (rc == CK_ENOTFOUND && kv_version == 2 && out->r.data != NULL) {
		/* 404 with a body: a deleted or destroyed version (metadata only) */
		if (ck_vault_kv_parse(out, 2, now_of(v)) == CK_ENOTFOUND && out->data == NULL)
			return reprefix(logical);
		ck_vault_kv_dispose(out);
		return ck_err_set(CK_ENOTFOUND, "vault: %s: not found", logical);
	}
	if (rc < 0) {
		ck_vault_kv_dispose(out);
		return rc;
	}
	if ((rc = ck_vault_kv_parse(out, kv_version, now_of(v))) < 0) {
		rc = reprefix(logical);
		/* nothing of a body we could not take as a secret stays around */
		if (!out->deleted && !out->destroyed)
			ck_vault_kv_dispose(out);
		return rc;
	}
	return CK_OK;
}

int ck_vault_kv_read(struct ck_vault *v, struct ck_vault_kv *out, const char *mount,
                     const char *path, int kv_version, int64_t version)
{
	struct ck_buf p;
	int rc;

	ck_buf_init(&p, 0);
	if ((rc = kv_path(&p, mount, kv_version == 2 ? "data" : NULL, path)) == CK_OK)
		rc = ck_vault_kv_read_path(v, out, ck_buf_cstr(&p), kv_version, version);
	ck_buf_dispose(&p);
	return rc;
}

int ck_vault_kv_metadata(struct ck_vault *v, struct ck_vault_response *out, const char *mount,
                         const char *path)
{
	struct ck_buf p;
	int rc;

	ck_buf_init(&p, 0);
	if ((rc = kv_path(&p, mount, "metadata", path)) == CK_OK &&
	    (rc = request(v, "GET", ck_buf_cstr(&p), NULL, NULL, 0, out)) == CK_OK &&
	    out->data == NULL)
		rc = ck_err_set(CK_EINVAL, "vault: %s: metadata response without data",
		                ck_buf_cstr(&p));
	ck_buf_dispose(&p);
	return rc;
}

int ck_vault_kv_list(struct ck_vault *v, struct ck_vault_response *out, const char *mount,
                     const char *path, int kv_version, const struct ck_doc_node **keys)
{
	struct ck_buf p;
	int rc;

	*keys = NULL;
	ck_buf_init(&p, 0);
	if ((rc = kv_path(&p, mount, kv_version == 2 ? "metadata" : NULL, path)) < 0 ||
	    (rc = ck_buf_putc(&p, '/')) < 0)
		goto out;
	if ((rc = request(v, "LIST", ck_buf_cstr(&p), NULL, NULL, 0, out)) < 0)
		goto out;
	if ((*keys = ck_net__get_seq(out->data, "keys")) == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: LIST %s: response without data.keys",
		                ck_buf_cstr(&p));
		goto out;
	}
	for (size_t i = 0; i < (*keys)->nkids; i++) {
		if (!ck_net__is_str((*keys)->kids[i])) {
			*keys = NULL;
			rc = ck_err_set(CK_EINVAL, "vault: LIST %s: a key is not a string",
			                ck_buf_cstr(&p));
			goto out;
		}
	}
	rc = CK_OK;
out:
	ck_buf_dispose(&p);
	return rc;
}

int ck_vault_kv_write(struct ck_vault *v, const char *mount, const char *path, int kv_version,
                      const char *json, int64_t cas, int64_t *version_out)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf p, body;
	int rc = CK_EINTERNAL;

	ck_buf_init(&p, 0);
	ck_buf_init_secure(&body, 0);
	if (json == NULL || json[0] != '{') {
		rc = ck_err_set(CK_EINVAL, "vault: secret data must be a JSON object");
		goto out;
	}
	if ((rc = kv_path(&p, mount, kv_version == 2 ? "data" : NULL, path)) < 0)
		goto out;
	if (kv_version == 2) {
		if (cas >= 0)
			rc = ck_buf_printf(&body, "{\"options\":{\"cas\":%lld},\"data\":", (long long)cas);
		else
			rc = ck_buf_puts(&body, "{\"data\":");
		if (rc < 0 || (rc = ck_buf_puts(&body, json)) < 0 || (rc = ck_buf_putc(&body, '}')) < 0)
			goto out;
	} else if ((rc = ck_buf_puts(&body, json)) < 0) {
		goto out;
	}
	if ((rc = request(v, "POST", ck_buf_cstr(&p), NULL, ck_buf_cstr(&body), ck_buf_len(&body),
	                  &r)) < 0)
		goto out;
	if (version_out != NULL) {
		*version_out = 0;
		if (kv_version == 2 && ck_net__get_int(r.data, "version", version_out) < 0) {
			rc = ck_err_set(CK_EINVAL, "vault: %s: write response without data.version",
			                ck_buf_cstr(&p));
			goto out;
		}
	}
	rc = CK_OK;
out:
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&p);
	ck_buf_dispose(&body);
	return rc;
}

/* ---- transit ------------------------------------------------------------ */

static int transit_body(struct ck_buf *body, const char *field, const char *value, size_t vlen,
                        int b64, const void *context, size_t clen)
{
	int rc;

	if ((rc = ck_buf_printf(body, "{\"%s\":\"", field)) < 0)
		return rc;
	if (b64)
		rc = ck_b64_encode(body, value, vlen, CK_B64_STD);
	else
		rc = ck_buf_put(body, value, vlen);
	if (rc < 0 || (rc = ck_buf_putc(body, '"')) < 0)
		return rc;
	if (context != NULL && clen > 0) {
		if ((rc = ck_buf_puts(body, ",\"context\":\"")) < 0 ||
		    (rc = ck_b64_encode(body, context, clen, CK_B64_STD)) < 0 ||
		    (rc = ck_buf_putc(body, '"')) < 0)
			return rc;
	}
	return ck_buf_putc(body, '}');
}

int ck_vault_transit_encrypt(struct ck_vault *v, struct ck_buf *out, const char *mount,
                             const char *key, const void *pt, size_t n, const void *context,
                             size_t context_len)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf p, body;
	const char *ct;
	int rc = CK_EINTERNAL;

	ck_buf_init(&p, 0);
	ck_buf_init_secure(&body, 0);
	if (key == NULL || key[0] == '\0' || strchr(key, '/')) {
		rc = ck_err_set(CK_EINVAL, "vault: transit key name must be non-empty without '/'");
		goto out;
	}
	if ((rc = kv_path(&p, mount, "encrypt", key)) < 0 ||
	    (rc = transit_body(&body, "plaintext", pt, n, 1, context, context_len)) < 0)
		goto out;
	if ((rc = request(v, "POST", ck_buf_cstr(&p), NULL, ck_buf_cstr(&body), ck_buf_len(&body),
	                  &r)) < 0)
		goto out;
	ct = ck_net__get_str(r.data, "ciphertext");
	if (ct == NULL || strncmp(ct, "vault:v", 7) != 0) {
		rc = ck_err_set(CK_EINVAL, "vault: %s: response without a vault:v ciphertext",
		                ck_buf_cstr(&p));
		goto out;
	}
	rc = ck_buf_puts(out, ct);
out:
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&p);
	ck_buf_dispose(&body);
	return rc;
}

int ck_vault_transit_decrypt(struct ck_vault *v, struct ck_buf *out, const char *mount,
                             const char *key, const char *ciphertext, const void *context,
                             size_t context_len)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf p, body;
	const char *pt;
	int rc = CK_EINTERNAL;

	ck_buf_init(&p, 0);
	ck_buf_init(&body, 0);
	if (key == NULL || key[0] == '\0' || strchr(key, '/')) {
		rc = ck_err_set(CK_EINVAL, "vault: transit key name must be non-empty without '/'");
		goto out;
	}
	if (ciphertext == NULL || strncmp(ciphertext, "vault:", 6) != 0) {
		rc = ck_err_set(CK_EINVAL, "vault: transit ciphertext must start with 'vault:'");
		goto out;
	}
	if ((rc = kv_path(&p, mount, "decrypt", key)) < 0 ||
	    (rc = transit_body(&body, "ciphertext", ciphertext, strlen(ciphertext), 0, context,
	                       context_len)) < 0)
		goto out;
	for (const char *c = ciphertext; *c; c++) {
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) {
			rc = ck_err_set(CK_EINVAL, "vault: malformed transit ciphertext");
			goto out;
		}
	}
	rc = request(v, "POST", ck_buf_cstr(&p), NULL, ck_buf_cstr(&body), ck_buf_len(&body), &r);
	if (rc == CK_EINVAL && r.status == 400) {
		rc = ck_err_set(CK_EAUTH, "%s", ck_err_last()->msg);
		goto out;
	}
	if (rc < 0)
		goto out;
	pt = ck_net__get_str(r.data, "plaintext");
	if (pt == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: %s: response without plaintext", ck_buf_cstr(&p));
		goto out;
	}
	if ((rc = ck_b64_decode(out, pt, strlen(pt), CK_B64_STD, 0)) < 0) {
		rc = ck_err_set(CK_EINVAL, "vault: %s: plaintext is not base64", ck_buf_cstr(&p));
		goto out;
	}
	rc = CK_OK;
out:
	ck_vault_response_dispose(&r);
	ck_buf_dispose(&p);
	ck_buf_dispose(&body);
	return rc;
}

/* ---- health ------------------------------------------------------------- */

int ck_vault_health(struct ck_vault *v, struct ck_vault_health *out)
{
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const char *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = exchange(v, "GET", "sys/health", NULL, NULL, 0, v->ns, 0, 0, &r);
	out->status = r.status;
	if (rc < 0 && !(r.root != NULL && (r.status == 429 || r.status == 472 || r.status == 473 ||
	                                   r.status == 501 || r.status == 503)))
		goto out;
	if (r.root == NULL) {
		rc = ck_err_set(CK_EINVAL, "vault: sys/health answered without a body");
		goto out;
	}
	/* absent fields stay 0 */
	if (ck_net__get_bool(r.root, "initialized", &out->initialized) < 0)
		out->initialized = 0;
	if (ck_net__get_bool(r.root, "sealed", &out->sealed) < 0)
		out->sealed = 0;
	if (ck_net__get_bool(r.root, "standby", &out->standby) < 0)
		out->standby = 0;
	if ((s = ck_net__get_str(r.root, "version")) != NULL)
		snprintf(out->version, sizeof(out->version), "%s", s);
	rc = CK_OK;
out:
	ck_vault_response_dispose(&r);
	return rc;
}
