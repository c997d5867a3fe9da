/* SPDX-License-Identifier: Apache-2.0 */
/* kubeseal's way to the controller: the API server's service proxy (ck/seal_controller.h). */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/http.h"
#include "ck/kube.h"
#include "ck/seal_controller.h"
#include "ck/version.h"
#include "seal_int.h"

#define CERT_ACCEPT "application/x-pem-file, */*"
#define WHY_MAX 400

struct ck_seal_ctl {
	struct ck_kube *kube;
	struct ck_kube_conn *conn;
	char *name, *ns;
	struct ck_buf
	    proxy; /* ".../services/http:<name>:<port>/proxy", once the Service was read */
};

int ck_seal_ctl_new(struct ck_seal_ctl **out, const struct ck_seal_ctl_opts *opts)
{
	struct ck_seal_ctl *c = NULL;
	struct ck_kube_config *cfg = NULL;
	struct ck_kube_opts ko;
	const char *name =
	    opts && opts->name && opts->name[0] ? opts->name : CK_SEAL_CTL_DEFAULT_NAME;
	const char *ns = opts && opts->ns && opts->ns[0] ? opts->ns : CK_SEAL_CTL_DEFAULT_NAMESPACE;
	int rc = CK_EINTERNAL;

	*out = NULL;
	if ((c = ck_calloc(1, sizeof(*c))) == NULL || (c->name = ck_strdup(name)) == NULL ||
	    (c->ns = ck_strdup(ns)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
		goto out;
	}
	if ((rc = ck_kube_config_load(&cfg, opts ? opts->kubeconfig : NULL,
	                              opts && opts->context && opts->context[0] ? opts->context
	                                                                        : NULL)) < 0) {
		ck_err_context("seal: cannot reach the controller");
		goto out;
	}
	memset(&ko, 0, sizeof(ko));
	ko.timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	/* /v1/verify is rate limited (429): a few paced retries, then give up. */
	ko.max_retries = 5;
	ko.user_agent = "kubeseal/" CK_VERSION " (cloak)";
	rc = ck_kube_new(&c->kube, cfg, &ko);
	cfg = NULL; /* transferred */
	if (rc < 0 || (rc = ck_kube_conn_new(&c->conn, c->kube)) < 0)
		goto out;
	*out = c;
	c = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_kube_config_free(cfg);
	ck_seal_ctl_free(c);
	return rc;
}

void ck_seal_ctl_free(struct ck_seal_ctl *c)
{
	if (c == NULL)
		return;
	ck_kube_conn_free(c->conn);
	ck_kube_free(c->kube);
	ck_free(c->name);
	ck_free(c->ns);
	ck_buf_dispose(&c->proxy);
	ck_free(c);
}

/* Printable ASCII of the first line of a body, at most WHY_MAX bytes. */
static void first_line(char *why, size_t n, const struct ck_buf *b)
{
	const uint8_t *p = ck_buf_data(b);
	size_t i = 0, j = 0, len = ck_buf_len(b);

	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	for (; i < len && p[i] != '\n' && p[i] != '\r' && j + 1 < n; i++)
		why[j++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	why[j] = '\0';
}

/*
 * The reason a proxied request failed, as one line: the transport error or
 * the API server's Status (already in the last error), else the status and
 * the first line of what the controller itself answered.
 */
static int explain(char *why, size_t n, int rc, const struct ck_kube_resp *r,
                   const struct ck_buf *raw)
{
	const char *msg = ck_err_last()->msg;
	char line[301];

	if (r->status == 0 ||
	    (r->obj != NULL && ck_doc_scalar_is(ck_doc_map_get(r->obj, "kind"), "Status"))) {
		snprintf(why, n, "%.*s", (int)n - 1, msg[0] ? msg : "no response");
		return rc < 0 ? rc : CK_ENET;
	}
	first_line(line, sizeof(line), raw);
	snprintf(why, n, "HTTP %ld%s%.300s", r->status, line[0] ? ": " : "", line);
	return ck_http_status_err(r->status) < 0 ? ck_http_status_err(r->status) : CK_ENET;
}

/* kubeseal reads the Service for the name of its first port. */
static int resolve(struct ck_seal_ctl *c)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT, n = CK_BUF_INIT, ns = CK_BUF_INIT, port = CK_BUF_INIT;
	const struct ck_doc_node *ports, *p0;
	const char *pname = NULL;
	char why[WHY_MAX];
	int rc;

	if (ck_buf_len(&c->proxy) > 0)
		return CK_OK;
	if ((rc = ck_kube_query_escape(&n, c->name)) < 0 ||
	    (rc = ck_kube_query_escape(&ns, c->ns)) < 0 ||
	    (rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/services/%s", ck_buf_cstr(&ns),
	                        ck_buf_cstr(&n))) < 0)
		goto oom;
	if ((rc = ck_kube_request(c->conn, &r, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL, 0)) <
	    0) {
		snprintf(why, sizeof(why), "%.*s", (int)sizeof(why) - 1, ck_err_last()->msg);
		rc = ck_err_set(
		    rc, "seal: cannot get sealed secret service %s/%s: %s%s", c->ns, c->name, why,
		    r.status == 404 ? "; use --controller-name and "
		                      "--controller-namespace to point at the controller"
		                    : "");
		goto out;
	}
	ports = r.obj ? ck_doc_resolve(ck_doc_get_path(r.obj, "spec.ports")) : NULL;
	if (ports != NULL && ports->kind == CK_DOC_SEQ && ports->nkids > 0 &&
	    (p0 = ck_doc_resolve(ports->kids[0])) != NULL && p0->kind == CK_DOC_MAP)
		pname = ck_seal__str(ck_doc_map_get(p0, "name"));
	if ((pname != NULL && (rc = ck_kube_query_escape(&port, pname)) < 0) ||
	    (rc = ck_buf_printf(&c->proxy, "/api/v1/namespaces/%s/services/http:%s:%s/proxy",
	                        ck_buf_cstr(&ns), ck_buf_cstr(&n), ck_buf_cstr(&port))) < 0)
		goto oom;
	rc = CK_OK;
	goto out;
oom:
	rc = ck_err_set(CK_ENOMEM, "seal: out of memory");
out:
	if (rc < 0)
		ck_buf_reset(&c->proxy);
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&path);
	ck_buf_dispose(&n);
	ck_buf_dispose(&ns);
	ck_buf_dispose(&port);
	return rc;
}

/* One request to the controller through the proxy; *status is the controller's answer. */
static int proxy(struct ck_seal_ctl *c, struct ck_kube_resp *r, struct ck_buf *raw,
                 const char *method, const char *suffix, const char *accept,
                 const struct ck_buf *body)
{
	struct ck_buf path = CK_BUF_INIT;
	int rc;

	if ((rc = resolve(c)) < 0)
		return rc;
	if (ck_buf_printf(&path, "%s%s", ck_buf_cstr(&c->proxy), suffix) < 0)
		return ck_err_set(CK_ENOMEM, "seal: out of memory");
	rc = ck_kube_request_raw(c->conn, r, raw, method, ck_buf_cstr(&path), accept,
	                         body ? ck_buf_data(body) : NULL, body ? ck_buf_len(body) : 0,
	                         body ? "application/json" : NULL, 0);
	ck_buf_dispose(&path);
	return rc;
}

int ck_seal_ctl_cert(struct ck_seal_ctl *c, struct ck_buf *out)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf raw = CK_BUF_INIT;
	char why[WHY_MAX];
	int rc;

	if ((rc = resolve(c)) < 0)
		goto out;
	if ((rc = proxy(c, &r, &raw, "GET", "/v1/cert.pem", CERT_ACCEPT, NULL)) < 0) {
		if (rc == CK_ENOMEM)
			goto out;
		rc = explain(why, sizeof(why), rc, &r, &raw);
		rc = ck_err_set(rc, "seal: cannot fetch certificate: %s", why);
		goto out;
	}
	rc = ck_buf_putb(out, &raw);
out:
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&raw);
	return rc;
}

static int is_null(const struct ck_doc_node *n)
{
	n = ck_doc_resolve(n);
	return n == NULL || (n->kind == CK_DOC_SCALAR && ck_doc_scalar_type(n) == CK_DOC_T_NULL);
}

static int to_json(struct ck_buf *out, const struct ck_doc_node *root)
{
	struct ck_doc_json_opts jo = {"", 0, 0};

	return ck_doc_write_json(out, root, &jo);
}

/* Validate one SealedSecret: CK_OK, or a one-line error naming it. */
static int validate_one(struct ck_seal_ctl *c, const struct ck_seal_sealed *ss, const char *where)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf body = CK_BUF_INIT, raw = CK_BUF_INIT;
	char why[WHY_MAX];
	int rc;

	if ((rc = to_json(&body, ss->root)) < 0)
		goto out;
	if ((rc = proxy(c, &r, &raw, "POST", "/v1/verify", NULL, &body)) < 0) {
		if (rc == CK_ENOMEM || (r.status == 0 && ck_buf_len(&c->proxy) == 0))
			goto out; /* the Service lookup failed: its message says so */
		if (r.status == 409) {
			rc = ck_err_set(CK_ENOKEY,
			                "seal: %s: unable to decrypt sealed secret %s%s%s", where,
			                ss->ns && ss->ns[0] ? ss->ns : "",
			                ss->ns && ss->ns[0] ? "/" : "", ss->name);
			goto out;
		}
		rc = explain(why, sizeof(why), rc, &r, &raw);
		rc = ck_err_set(rc, "seal: %s: cannot validate sealed secret: %s", where, why);
		goto out;
	}
	rc = CK_OK;
out:
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&body);
	ck_buf_dispose(&raw);
	return rc;
}

static int reencrypt_one(struct ck_seal_ctl *c, struct ck_buf *out, const struct ck_seal_sealed *ss,
                         const char *where, enum ck_seal_format fmt);

/* What to do with each SealedSecret of the input. */
struct each {
	struct ck_seal_ctl *c;
	struct ck_buf *out;
	enum ck_seal_format fmt;
	int reencrypt;
};

/*
 * Parse the input, check that every document is a SealedSecret (null
 * documents aside) before anything is sent, then hand each to the controller.
 */
static int each_sealed(const struct each *e, const char *text, size_t n, const char *source)
{
	struct ck_doc *in = NULL;
	struct ck_seal_sealed ss;
	char where[512];
	size_t i, count = 0;
	int pass, rc;

	if (source == NULL)
		source = "input";
	if ((rc = ck_doc_parse(&in, text, n, CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("seal: %s", source);
		goto out;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < in->ndocs; i++) {
			if (is_null(in->docs[i]))
				continue;
			ck_seal__doc_source(where, sizeof(where), source, i, in->ndocs);
			if ((rc = ck_seal_sealed_read(&ss, in->docs[i], where)) < 0)
				goto out;
			count++;
			if (pass == 1 &&
			    (rc = e->reencrypt ? reencrypt_one(e->c, e->out, &ss, where, e->fmt)
			                       : validate_one(e->c, &ss, where)) < 0)
				goto out;
		}
		if (count == 0) {
			rc = ck_err_set(CK_EINVAL, "seal: %s: no SealedSecret found", source);
			goto out;
		}
	}
	rc = CK_OK;
out:
	ck_doc_free(in);
	return rc;
}

int ck_seal_ctl_validate(struct ck_seal_ctl *c, const char *text, size_t n, const char *source)
{
	struct each e = { c, NULL, CK_SEAL_FORMAT_JSON, 0 };

	return each_sealed(&e, text, n, source);
}

/* The controller's answer as a SealedSecret of the input's apiVersion and kind. */
static int finish_answer(struct ck_doc *ans, const struct ck_doc_node *input, const char *where)
{
	struct ck_doc_node *root =
	    ans->ndocs ? (struct ck_doc_node *)ck_doc_resolve(ans->docs[0]) : NULL;
	struct ck_doc_node *md;
	const char *kind = ck_seal__str(ck_doc_map_get(input, "kind"));
	const char *api = ck_seal__str(ck_doc_map_get(input, "apiVersion"));
	struct ck_seal_sealed ss;
	int rc;

	if (root == NULL || root->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL,
		                  "seal: %s: cannot re-encrypt secret: the controller's "
		                  "answer is not a SealedSecret",
		                  where);
	/* Go's TypeMeta order (kind, apiVersion) at the front, as a new seal writes it. */
	if (ck_doc_map_get(root, "apiVersion") == NULL &&
	    (rc = ck_doc_map_insert(ans, root, 0, ck_seal__s(ans, "apiVersion", 10),
	                            ck_seal__s(ans, api ? api : CK_SEAL_API_VERSION,
	                                       strlen(api ? api : CK_SEAL_API_VERSION)))) < 0)
		return rc;
	if (ck_doc_map_get(root, "kind") == NULL &&
	    (rc = ck_doc_map_insert(ans, root, 0, ck_seal__s(ans, "kind", 4),
	                            ck_seal__s(ans, kind ? kind : CK_SEAL_KIND,
	                                       strlen(kind ? kind : CK_SEAL_KIND)))) < 0)
		return rc;
	md = (struct ck_doc_node *)ck_doc_resolve(ck_doc_map_get(root, "metadata"));
	if (md != NULL && md->kind == CK_DOC_MAP) {
		ck_doc_map_remove(md, "creationTimestamp");
		ck_doc_map_remove(md, "deletionTimestamp");
		ck_doc_map_remove(md, "generation");
	}
	if ((rc = ck_seal_sealed_read(&ss, root, where)) < 0) {
		ck_err_context("seal: %s: cannot re-encrypt secret: the controller's answer",
		               where);
		return rc;
	}
	return CK_OK;
}

static int reencrypt_one(struct ck_seal_ctl *c, struct ck_buf *out, const struct ck_seal_sealed *ss,
                         const char *where, enum ck_seal_format fmt)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf body = CK_BUF_INIT, raw = CK_BUF_INIT;
	struct ck_doc *ans = NULL;
	char why[WHY_MAX];
	int rc;

	if ((rc = to_json(&body, ss->root)) < 0)
		goto out;
	if ((rc = proxy(c, &r, &raw, "POST", "/v1/rotate", NULL, &body)) < 0) {
		if (rc == CK_ENOMEM || (r.status == 0 && ck_buf_len(&c->proxy) == 0))
			goto out;
		rc = explain(why, sizeof(why), rc, &r, &raw);
		/* The controller answers 500 "Error decrypting secret..." when no key opens it. */
		if (r.status == 409 || (r.status == 500 && strstr(why, "Error decrypting secret")))
			rc = CK_ENOKEY;
		rc = ck_err_set(rc, "seal: %s: cannot re-encrypt secret: %s", where, why);
		goto out;
	}
	if ((rc = ck_doc_parse_json(&ans, ck_buf_cstr(&raw), ck_buf_len(&raw),
	                            CK_DOC_NO_COMMENTS)) < 0) {
		rc = ck_err_set(CK_EINVAL,
		                "seal: %s: cannot re-encrypt secret: the controller's "
		                "answer is not JSON",
		                where);
		goto out;
	}
	if ((rc = finish_answer(ans, ss->root, where)) < 0 ||
	    (rc = ck_seal_manifest_write(out, ans->docs[0], fmt)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_doc_free(ans);
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&body);
	ck_buf_dispose(&raw);
	return rc;
}

int ck_seal_ctl_reencrypt(struct ck_seal_ctl *c, struct ck_buf *out, const char *text, size_t n,
                          const char *source, enum ck_seal_format fmt)
{
	struct each e = { c, out, fmt, 1 };
	size_t mark = ck_buf_len(out);
	int rc;

	if ((rc = each_sealed(&e, text, n, source)) < 0)
		ck_seal__rewind(out, mark);
	return rc;
}
