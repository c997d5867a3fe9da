/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the ExternalSecret and SopsSecret reconciler tests: the fake
 * API server with TokenRequest (fake_apiserver_tokens.py), the Vault double,
 * applying manifests of any kind, reading Secrets and conditions back.
 * Header-only, beside ctl.h and fake.h.
 */
#ifndef CK_TEST_RC_H
#define CK_TEST_RC_H

#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "ck/alloc.h"
#include "ck/enc.h"

/* ctl.h's helpers that some tests do not call */
static inline void rc__uses(void)
{
	(void)fake_kubeconfig_file;
}

/* Start the fake API server (with TokenRequest) like fake_start() does. */
static inline void rc_fake_start(struct fake *f, const char *token)
{
	struct ck_http_opts o;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s/fake%d", ckt_tmpdir(), ck_random_uniform(1000000));
	ckt_double_start(&f->d, "fake_apiserver_tokens.py", "--token", token, NULL);
	(void)fcntl(f->d.stdin_fd, F_SETFD, FD_CLOEXEC); /* see fake_start() */
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d", f->d.port);
	memset(&o, 0, sizeof(o));
	assert_int_equal(ck_http_client_new(&f->ctl, &o), CK_OK);
}

/* ----------------------------------------------------------- Vault double */

static inline long rc_http(const char *method, const char *url, const char *body,
                           struct ck_buf *out)
{
	struct ck_http_client *h = NULL;
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_request q;
	struct ck_http_opts o;
	const char *hdrs[] = { "Content-Type: application/json", NULL };
	long st = 0;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 10000;
	assert_int_equal(ck_http_client_new(&h, &o), CK_OK);
	memset(&q, 0, sizeof(q));
	q.method = method;
	q.url = url;
	q.headers = hdrs;
	q.body = body;
	q.body_len = body ? strlen(body) : 0;
	if (ck_http_send(h, &q, &r) == CK_OK) {
		st = r.status;
		if (out != NULL)
			assert_int_equal(ck_buf_putb(out, &r.body), CK_OK);
	}
	ck_http_response_dispose(&r);
	ck_http_client_free(h);
	return st;
}

/* POST /_control/<what> with a JSON body (fails the test unless 2xx). */
static inline void vault_ctl(struct ckt_double *v, const char *what, const char *json)
{
	char url[256];
	long st;

	snprintf(url, sizeof(url), "%s/_control/%s", v->url, what);
	st = rc_http("POST", url, json, NULL);
	if (st < 200 || st > 299)
		fail_msg("vault control %s: %ld", what, st);
}

static inline void vault_ctlf(struct ckt_double *v, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline void vault_ctlf(struct ckt_double *v, const char *what, const char *fmt, ...)
{
	char body[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	vault_ctl(v, what, body);
}

/* Put a KV v2 version of secret/<path> (data: a JSON object text). */
static inline void vault_put(struct ckt_double *v, const char *path, const char *data)
{
	vault_ctlf(v, "kv", "{\"mount\":\"secret\",\"path\":\"%s\",\"data\":%s}", path, data);
}

/* Requests in the Vault double's log with this method whose path contains part. */
static inline int vault_count(struct ckt_double *v, const char *method, const char *part)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc *d = NULL;
	char url[256];
	size_t i;
	int n = 0;

	snprintf(url, sizeof(url), "%s/_control/log", v->url);
	assert_int_equal(rc_http("GET", url, NULL, &b), 200);
	assert_int_equal(ck_doc_parse_json(&d, ck_buf_cstr(&b), ck_buf_len(&b), 0), CK_OK);
	for (i = 0; d->docs[0] && i < d->docs[0]->nkids; i++) {
		const struct ck_doc_node *e = d->docs[0]->kids[i];
		const char *m = ck_doc_map_get_str(e, "method"), *p = ck_doc_map_get_str(e, "path");

		if (m && p && (method == NULL || strcmp(m, method) == 0) && strstr(p, part) != NULL)
			n++;
	}
	ck_doc_free(d);
	ck_buf_dispose(&b);
	return n;
}

/* ------------------------------------------------------------ manifests */

/* The collection path of an object (the kinds the reconcilers use). */
static inline void rc_collection(char *out, size_t n, const struct ck_doc_node *obj)
{
	static const struct {
		const char *kind, *plural;
		int cluster;
	} kinds[] = {
		{ "Secret", "secrets", 0 }, { "ConfigMap", "configmaps", 0 },
		{ "ServiceAccount", "serviceaccounts", 0 }, { "Namespace", "namespaces", 1 },
		{ "ExternalSecret", "externalsecrets", 0 }, { "SecretStore", "secretstores", 0 },
		{ "ClusterSecretStore", "clustersecretstores", 1 },
		{ "SealedSecret", "sealedsecrets", 0 }, { "SopsSecret", "sopssecrets", 0 },
		{ "CustomResourceDefinition", "customresourcedefinitions", 1 },
	};
	const char *av = ck_kube_str(obj, "apiVersion");
	const char *kind = ck_kube_str(obj, "kind");
	const char *ns = ck_kube_str(obj, "metadata.namespace");
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].kind) == 0)
			break;
	assert_true(i < sizeof(kinds) / sizeof(kinds[0]));
	if (kinds[i].cluster)
		snprintf(out, n, "%s%s/%s", strchr(av, '/') ? "/apis/" : "/api/", av, kinds[i].plural);
	else
		snprintf(out, n, "%s%s/namespaces/%s/%s", strchr(av, '/') ? "/apis/" : "/api/", av,
		         ns ? ns : "default", kinds[i].plural);
}

/*
 * Create every document of a YAML/JSON text (ns, when not NULL, is put in
 * namespaced objects that name none); an existing object is replaced (PUT
 * with its resourceVersion). Returns the last HTTP status.
 */
static inline long rc_apply(struct ck_kube_conn *kc, const char *text, const char *ns)
{
	struct ck_doc *d = NULL;
	size_t i;
	long st = 0;

	assert_int_equal(ck_doc_parse(&d, text, strlen(text), CK_DOC_NO_COMMENTS), CK_OK);
	for (i = 0; i < d->ndocs; i++) {
		struct ck_kube_resp r = CK_KUBE_RESP_INIT;
		struct ck_buf js = CK_BUF_INIT;
		struct ck_doc_json_opts jo = { "", 0, 0 };
		struct ck_doc_node *root = d->docs[i], *md;
		char path[512], one[700];
		const char *kind;

		if (root == NULL || root->kind != CK_DOC_MAP ||
		    (kind = ck_kube_str(root, "kind")) == NULL)
			continue; /* empty or comment-only documents */
		md = ck_doc_map_get(root, "metadata");
		if (ns != NULL && md != NULL && ck_doc_map_get(md, "namespace") == NULL &&
		    strcmp(kind, "Namespace") != 0 && strcmp(kind, "ClusterSecretStore") != 0 &&
		    strcmp(kind, "CustomResourceDefinition") != 0)
			assert_int_equal(ck_doc_map_set(d, md, "namespace", ck_doc_scalar_str(d, ns)), CK_OK);
		rc_collection(path, sizeof(path), root);
		assert_int_equal(ck_doc_write_json(&js, root, &jo), CK_OK);
		(void)ck_kube_request(kc, &r, "POST", path, NULL, ck_buf_data(&js), ck_buf_len(&js),
		                      NULL, 0);
		st = r.status;
		if (st == 409) {
			/* replace: PUT with the current resourceVersion */
			struct ck_kube_resp g = CK_KUBE_RESP_INIT;
			const char *rv;

			snprintf(one, sizeof(one), "%s/%s", path,
			         ck_kube_str(root, "metadata.name"));
			assert_int_equal(kube_get(kc, &g, one), 200);
			rv = ck_kube_str(g.obj, "metadata.resourceVersion");
			assert_int_equal(ck_doc_map_set(d, md, "resourceVersion",
			                                 ck_doc_scalar(d, rv, strlen(rv), CK_DOC_DQUOTED)),
			                 CK_OK);
			ck_buf_reset(&js);
			assert_int_equal(ck_doc_write_json(&js, root, &jo), CK_OK);
			ck_kube_resp_dispose(&r);
			(void)ck_kube_request(kc, &r, "PUT", one, NULL, ck_buf_data(&js),
			                      ck_buf_len(&js), NULL, 0);
			st = r.status;
			ck_kube_resp_dispose(&g);
		}
		if (st >= 300)
			fprintf(stderr, "rc_apply %s %s: %ld %s\n", kind,
			        ck_kube_str(root, "metadata.name"), st, ck_err_last()->msg);
		ck_kube_resp_dispose(&r);
		ck_buf_dispose(&js);
	}
	ck_doc_free(d);
	return st;
}

static inline long rc_applyf(struct ck_kube_conn *kc, const char *ns, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline long rc_applyf(struct ck_kube_conn *kc, const char *ns, const char *fmt, ...)
{
	char *buf = ck_alloc(1 << 16);
	va_list ap;
	long st;

	assert_non_null(buf);
	va_start(ap, fmt);
	vsnprintf(buf, 1 << 16, fmt, ap);
	va_end(ap);
	st = rc_apply(kc, buf, ns);
	ck_free(buf);
	return st;
}

/* The decoded value of data[key] of Secret ns/name into out ("" and 0 when absent). */
static inline int rc_secret_value(struct ck_kube_conn *kc, const char *ns, const char *name,
                                  const char *key, char *out, size_t n)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf b = CK_BUF_INIT;
	const struct ck_doc_node *v;
	char path[512];
	int ok = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/%s", ns, name);
	if (kube_get(kc, &r, path) == 200 &&
	    (v = ck_doc_map_get(ck_doc_map_get(r.obj, "data"), key)) != NULL &&
	    ck_b64_decode(&b, v->text, v->len, CK_B64_STD, 0) == CK_OK) {
		snprintf(out, n, "%.*s", (int)ck_buf_len(&b), (const char *)ck_buf_data(&b));
		ok = 1;
	}
	ck_buf_dispose(&b);
	ck_kube_resp_dispose(&r);
	return ok;
}

static inline int rc_secret_is(struct ck_kube_conn *kc, const char *ns, const char *name,
                               const char *key, const char *want)
{
	char v[4096];

	return rc_secret_value(kc, ns, name, key, v, sizeof(v)) && strcmp(v, want) == 0;
}

static inline int rc_secret_exists(struct ck_kube_conn *kc, const char *ns, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/%s", ns, name);
	return kube_exists(kc, path);
}

/*
 * The Ready condition of the object at path: 1 if its status is want (and,
 * when reason is not NULL, its reason is reason). msg gets the message.
 */
static inline int rc_ready(struct ck_kube_conn *kc, const char *path, const char *want,
                           const char *reason, char *msg, size_t n)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *conds;
	size_t i;
	int ok = 0;

	if (msg != NULL)
		msg[0] = '\0';
	if (kube_get(kc, &r, path) == 200 &&
	    (conds = ck_doc_get_path(r.obj, "status.conditions")) != NULL && conds->kind == CK_DOC_SEQ)
		for (i = 0; i < conds->nkids; i++) {
			const struct ck_doc_node *c = ck_doc_resolve(conds->kids[i]);

			if (!ck_doc_scalar_is(ck_doc_map_get(c, "type"), "Ready"))
				continue;
			if (msg != NULL && ck_doc_map_get_str(c, "message"))
				snprintf(msg, n, "%s", ck_doc_map_get_str(c, "message"));
			ok = ck_doc_scalar_is(ck_doc_map_get(c, "status"), want) &&
			     (reason == NULL || ck_doc_scalar_is(ck_doc_map_get(c, "reason"), reason));
		}
	ck_kube_resp_dispose(&r);
	return ok;
}

static inline void es_path(char *out, size_t n, const char *ns, const char *name)
{
	snprintf(out, n, "/apis/external-secrets.io/v1/namespaces/%s/externalsecrets/%s", ns, name);
}

static inline int es_ready(struct ck_kube_conn *kc, const char *ns, const char *name,
                           const char *want, const char *reason)
{
	char path[512];

	es_path(path, sizeof(path), ns, name);
	return rc_ready(kc, path, want, reason, NULL, 0);
}

/* The Ready message of an ExternalSecret contains part. */
static inline int es_message_has(struct ck_kube_conn *kc, const char *ns, const char *name,
                                 const char *part)
{
	char path[512], msg[2048];

	es_path(path, sizeof(path), ns, name);
	(void)rc_ready(kc, path, "True", NULL, msg, sizeof(msg));
	return strstr(msg, part) != NULL;
}

#endif
