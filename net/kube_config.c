/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/kube.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/secret.h"
#include "kube_int.h"

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_MAX ((size_t)4 << 20)

static void free_secret_str(char *s)
{
	ck_secret_free(s);
}

/* Copy a secret string into secret memory. */
static int sdup_to(char **slot, const char *s)
{
	size_t n;

	if (s == NULL)
		return CK_OK;
	free_secret_str(*slot);
	n = strlen(s);
	*slot = ck_secret_alloc(n + 1);
	if (*slot == NULL)
		return ck_err_set(CK_ENOMEM, "kube: out of memory");
	memcpy(*slot, s, n + 1);
	return CK_OK;
}

static void free_vec(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		ck_free(v[i]);
	ck_free(v);
}

void ck_kube_config_free(struct ck_kube_config *c)
{
	if (c == NULL)
		return;
	ck_free(c->server);
	ck_free(c->ca_file);
	ck_free(c->ca_pem);
	ck_free(c->cert_file);
	ck_free(c->key_file);
	ck_free(c->cert_pem);
	free_secret_str(c->key_pem);
	ck_free(c->server_name);
	free_secret_str(c->token);
	ck_free(c->token_file);
	ck_free(c->username);
	free_secret_str(c->password);
	ck_free(c->namespace);
	ck_free(c->exec_command);
	free_vec(c->exec_args);
	free_vec(c->exec_env);
	ck_free(c->exec_api_version);
	ck_free(c->source);
	ck_free(c);
}

static int dup_to(char **slot, const char *s)
{
	if (s == NULL)
		return CK_OK;
	ck_free(*slot);
	*slot = ck_strdup(s);
	return *slot ? CK_OK : ck_err_set(CK_ENOMEM, "kube: out of memory");
}

/* The length of b without trailing whitespace (files written by editors and kubelets). */
static size_t trimmed_len(const struct ck_buf *b)
{
	const uint8_t *d = ck_buf_data(b);
	size_t n = ck_buf_len(b);

	while (n > 0 && (d[n - 1] == '\n' || d[n - 1] == '\r' || d[n - 1] == ' ' || d[n - 1] == '\t'))
		n--;
	return n;
}

/* Read a small text file, strip trailing whitespace. */
static int read_trimmed(char **out, const char *path)
{
	struct ck_buf b = CK_BUF_INIT;
	size_t n;
	int rc;

	*out = NULL;
	ck_buf_init(&b, 1 << 20);
	if ((rc = ck_file_read(&b, path, 1 << 20)) < 0)
		goto out;
	n = trimmed_len(&b);
	ck_buf_truncate(&b, n);
	*out = (char *)ck_buf_detach(&b, NULL);
	rc = *out ? CK_OK : ck_err_set(CK_ENOMEM, "kube: out of memory");
out:
	ck_buf_dispose(&b);
	return rc;
}

int ck_kube__read_token(char **out, const char *path)
{
	struct ck_buf b = CK_BUF_INIT;
	size_t n;
	int rc;

	*out = NULL;
	ck_buf_init_secure(&b, 1 << 20);
	if ((rc = ck_file_read(&b, path, 1 << 20)) < 0)
		goto out;
	n = trimmed_len(&b);
	*out = ck_secret_alloc(n + 1);
	if (*out == NULL) {
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
		goto out;
	}
	memcpy(*out, ck_buf_data(&b), n);
	rc = CK_OK;
out:
	ck_buf_dispose(&b);
	return rc;
}

int ck_kube_config_in_cluster(struct ck_kube_config **out)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv("CLOAK_SERVICEACCOUNT_DIR");
	struct ck_kube_config *c = NULL;
	struct ck_buf b = CK_BUF_INIT;
	char *tok = NULL;
	int rc = CK_ENOMEM;

	*out = NULL;
	if (host == NULL || !*host || port == NULL || !*port)
		return ck_err_set(CK_ENOTFOUND, "kube: not running in a cluster "
		                                "(KUBERNETES_SERVICE_HOST/PORT unset)");
	if (dir == NULL || !*dir)
		dir = SA_DIR;
	c = ck_calloc(1, sizeof(*c));
	if (c == NULL)
		goto oom;
	/* IPv6 addresses need brackets when joined with the port. */
	if (ck_buf_printf(&b, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port) <
	        0 ||
	    (c->server = (char *)ck_buf_detach(&b, NULL)) == NULL)
		goto oom;
	if (ck_buf_printf(&b, "%s/token", dir) < 0 ||
	    (c->token_file = (char *)ck_buf_detach(&b, NULL)) == NULL)
		goto oom;
	/* The token must be readable now; it is read again later as it rotates. */
	if ((rc = ck_kube__read_token(&tok, c->token_file)) < 0) {
		rc = ck_err_set(CK_EIO, "kube: cannot read the service account token %s",
		                c->token_file);
		goto out;
	}
	if (ck_buf_printf(&b, "%s/ca.crt", dir) < 0 ||
	    (c->ca_file = (char *)ck_buf_detach(&b, NULL)) == NULL)
		goto oom;
	if (!ck_file_exists(c->ca_file)) {
		ck_free(c->ca_file);
		c->ca_file = NULL;
	}
	if (ck_buf_printf(&b, "%s/namespace", dir) < 0)
		goto oom;
	if (read_trimmed(&c->namespace, ck_buf_cstr(&b)) < 0 || !*c->namespace) {
		ck_free(c->namespace);
		if ((c->namespace = ck_strdup("default")) == NULL)
			goto oom;
	}
	ck_err_clear();
	if ((rc = dup_to(&c->source, "in-cluster")) < 0)
		goto out;
	*out = c;
	c = NULL; /* transferred */
	rc = CK_OK;
	goto out;
oom:
	rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
out:
	free_secret_str(tok);
	ck_buf_dispose(&b);
	ck_kube_config_free(c);
	return rc;
}

/* ------------------------------------------------------------ kubeconfig */

struct kfile {
	char *path;
	char *dir;
	struct ck_doc *doc;
};

struct kset {
	struct kfile *files;
	size_t n;
};

static void kset_dispose(struct kset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		ck_free(s->files[i].path);
		ck_free(s->files[i].dir);
		ck_doc_free(s->files[i].doc);
	}
	ck_free(s->files);
}

static int kset_add(struct kset *s, const char *path)
{
	struct ck_buf b = CK_BUF_INIT;
	struct kfile *nf;
	struct ck_doc *doc = NULL;
	const char *slash;
	int rc;

	ck_buf_init_secure(&b, KUBECONFIG_MAX);
	if ((rc = ck_file_read(&b, path, KUBECONFIG_MAX)) < 0)
		goto out;
	if ((rc = ck_doc_parse(&doc, (const char *)ck_buf_data(&b), ck_buf_len(&b),
	                       CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_context("kube: %s", path);
		goto out;
	}
	nf = ck_calloc(s->n + 1, sizeof(*nf));
	if (nf == NULL) {
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
		goto out;
	}
	if (s->n)
		memcpy(nf, s->files, s->n * sizeof(*nf));
	ck_free(s->files);
	s->files = nf;
	nf = &s->files[s->n++];
	nf->doc = doc;
	doc = NULL; /* transferred */
	nf->path = ck_strdup(path);
	slash = strrchr(path, '/');
	nf->dir = slash ? ck_strndup(path, (size_t)(slash - path)) : ck_strdup(".");
	if (nf->path == NULL || nf->dir == NULL)
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
out:
	ck_doc_free(doc);
	ck_buf_dispose(&b);
	return rc;
}

static const struct ck_doc_node *root(const struct kfile *f)
{
	return f->doc->ndocs ? f->doc->docs[0] : NULL;
}

/* First entry named `name` in list `list` (clusters, users, contexts) of any file. */
static const struct ck_doc_node *named(const struct kset *s, const char *list, const char *field,
                                       const char *name, size_t *file)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct ck_doc_node *l = ck_doc_map_get(root(&s->files[i]), list);

		if (l == NULL || l->kind != CK_DOC_SEQ)
			continue;
		for (j = 0; j < l->nkids; j++) {
			const struct ck_doc_node *e = ck_doc_resolve(l->kids[j]);

			if (ck_doc_scalar_is(ck_doc_map_get(e, "name"), name)) {
				*file = i;
				return ck_doc_map_get(e, field);
			}
		}
	}
	return NULL;
}

static int set_path(char **slot, const struct kfile *f, const char *p)
{
	struct ck_buf b = CK_BUF_INIT;
	int rc;

	if (p == NULL || !*p)
		return CK_OK;
	if (p[0] == '/')
		return dup_to(slot, p);
	if (ck_buf_printf(&b, "%s/%s", f->dir, p) < 0) {
		rc = CK_ENOMEM;
	} else {
		ck_free(*slot);
		*slot = (char *)ck_buf_detach(&b, NULL);
		rc = *slot ? CK_OK : ck_err_set(CK_ENOMEM, "kube: out of memory");
	}
	ck_buf_dispose(&b);
	return rc;
}

static int set_b64(char **slot, const char *b64, int secure, const char *what, const char *file)
{
	struct ck_buf b = CK_BUF_INIT;
	int rc;

	if (b64 == NULL || !*b64)
		return CK_OK;
	if (secure)
		ck_buf_init_secure(&b, 1 << 20);
	if ((rc = ck_b64_decode(&b, b64, strlen(b64), CK_B64_STD, CK_B64_IGNORE_WS)) < 0) {
		rc = ck_err_set(CK_EINVAL, "kube: %s: %s is not valid base64", file, what);
		goto out;
	}
	*slot = secure ? ck_secret_alloc(ck_buf_len(&b) + 1) : ck_alloc(ck_buf_len(&b) + 1);
	if (*slot == NULL) {
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
		goto out;
	}
	memcpy(*slot, ck_buf_data(&b), ck_buf_len(&b));
	(*slot)[ck_buf_len(&b)] = '\0';
out:
	ck_buf_dispose(&b);
	return rc;
}

static int str_vec(char ***out, const struct ck_doc_node *seq, const char *key)
{
	size_t i, n = 0;
	char **v;

	if (seq == NULL || seq->kind != CK_DOC_SEQ)
		return CK_OK;
	v = ck_calloc(seq->nkids + 1, sizeof(*v));
	if (v == NULL)
		return ck_err_set(CK_ENOMEM, "kube: out of memory");
	for (i = 0; i < seq->nkids; i++) {
		const struct ck_doc_node *e = ck_doc_resolve(seq->kids[i]);
		struct ck_buf b = CK_BUF_INIT;

		if (key == NULL) {
			if (e->kind != CK_DOC_SCALAR)
				continue;
			v[n] = ck_strdup(e->text);
		} else {
			const char *name = ck_doc_map_get_str(e, "name");
			const char *val = ck_doc_map_get_str(e, "value");

			if (name == NULL)
				continue;
			if (ck_buf_printf(&b, "%s=%s", name, val ? val : "") == CK_OK)
				v[n] = (char *)ck_buf_detach(&b, NULL);
			ck_buf_dispose(&b);
		}
		if (v[n++] == NULL) {
			free_vec(v);
			return ck_err_set(CK_ENOMEM, "kube: out of memory");
		}
	}
	*out = v;
	return CK_OK;
}

int ck_kube_config_from_kubeconfig(struct ck_kube_config **out, const char *paths,
                                   const char *context)
{
	struct kset set = {NULL, 0};
	struct ck_kube_config *c = NULL;
	const struct ck_doc_node *ctx, *cl, *us, *ex;
	const char *ctxname = context, *v;
	char *list = NULL, *save = NULL, *tok;
	size_t i, fi = 0, fc = 0, fu = 0;
	int rc = CK_EINTERNAL;

	*out = NULL;
	if (paths == NULL || !*paths)
		paths = getenv("KUBECONFIG");
	if (paths == NULL || !*paths) {
		const char *home = getenv("HOME");
		struct ck_buf b = CK_BUF_INIT;

		if (home == NULL || ck_buf_printf(&b, "%s/.kube/config", home) < 0) {
			ck_buf_dispose(&b);
			return ck_err_set(CK_ENOTFOUND, "kube: no kubeconfig (set KUBECONFIG)");
		}
		list = (char *)ck_buf_detach(&b, NULL);
		ck_buf_dispose(&b);
	} else {
		list = ck_strdup(paths);
	}
	if (list == NULL)
		return ck_err_set(CK_ENOMEM, "kube: out of memory");
	for (tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (!ck_file_exists(tok))
			continue; /* client-go skips missing files in the list */
		if ((rc = kset_add(&set, tok)) < 0)
			goto out;
	}
	if (set.n == 0) {
		rc = ck_err_set(CK_ENOTFOUND, "kube: no kubeconfig file found in '%s'",
		                paths && *paths ? paths : "~/.kube/config");
		goto out;
	}
	for (i = 0; ctxname == NULL && i < set.n; i++) {
		v = ck_doc_map_get_str(root(&set.files[i]), "current-context");
		if (v != NULL && *v)
			ctxname = v;
	}
	if (ctxname == NULL) {
		rc = ck_err_set(CK_ENOTFOUND, "kube: %s: no current-context", set.files[0].path);
		goto out;
	}
	ctx = named(&set, "contexts", "context", ctxname, &fi);
	if (ctx == NULL) {
		rc = ck_err_set(CK_ENOTFOUND, "kube: context '%s' not found in the kubeconfig",
		                ctxname);
		goto out;
	}
	v = ck_doc_map_get_str(ctx, "cluster");
	cl = v ? named(&set, "clusters", "cluster", v, &fc) : NULL;
	if (cl == NULL) {
		rc = ck_err_set(CK_ENOTFOUND, "kube: cluster '%s' of context '%s' not found",
		                v ? v : "", ctxname);
		goto out;
	}
	v = ck_doc_map_get_str(ctx, "user");
	us = v && *v ? named(&set, "users", "user", v, &fu) : NULL;
	if (v && *v && us == NULL) {
		rc = ck_err_set(CK_ENOTFOUND, "kube: user '%s' of context '%s' not found", v,
		                ctxname);
		goto out;
	}
	c = ck_calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
		goto out;
	}
	v = ck_doc_map_get_str(cl, "server");
	if (v == NULL || !*v) {
		rc = ck_err_set(CK_EINVAL, "kube: %s: cluster of context '%s' has no server",
		                set.files[fc].path, ctxname);
		goto out;
	}
	if ((rc = dup_to(&c->server, v)) < 0)
		goto out;
	while (strlen(c->server) > 0 && c->server[strlen(c->server) - 1] == '/')
		c->server[strlen(c->server) - 1] = '\0';
	if ((rc = set_path(&c->ca_file, &set.files[fc],
	                   ck_doc_map_get_str(cl, "certificate-authority"))) < 0 ||
	    (rc = set_b64(&c->ca_pem, ck_doc_map_get_str(cl, "certificate-authority-data"), 0,
	                  "certificate-authority-data", set.files[fc].path)) < 0 ||
	    (rc = dup_to(&c->server_name, ck_doc_map_get_str(cl, "tls-server-name"))) < 0)
		goto out;
	c->insecure = ck_doc_scalar_is(ck_doc_map_get(cl, "insecure-skip-tls-verify"), "true");
	if (us != NULL) {
		if ((rc = set_path(&c->cert_file, &set.files[fu],
		                   ck_doc_map_get_str(us, "client-certificate"))) < 0 ||
		    (rc = set_path(&c->key_file, &set.files[fu],
		                   ck_doc_map_get_str(us, "client-key"))) < 0 ||
		    (rc = set_b64(&c->cert_pem, ck_doc_map_get_str(us, "client-certificate-data"),
		                  0, "client-certificate-data", set.files[fu].path)) < 0 ||
		    (rc = set_b64(&c->key_pem, ck_doc_map_get_str(us, "client-key-data"), 1,
		                  "client-key-data", set.files[fu].path)) < 0 ||
		    (rc = sdup_to(&c->token, ck_doc_map_get_str(us, "token"))) < 0 ||
		    (rc = set_path(&c->token_file, &set.files[fu],
		                   ck_doc_map_get_str(us, "tokenFile"))) < 0 ||
		    (rc = dup_to(&c->username, ck_doc_map_get_str(us, "username"))) < 0 ||
		    (rc = sdup_to(&c->password, ck_doc_map_get_str(us, "password"))) < 0)
			goto out;
		ex = ck_doc_map_get(us, "exec");
		if (ex != NULL && ex->kind == CK_DOC_MAP) {
			v = ck_doc_map_get_str(ex, "command");
			if (v == NULL || !*v) {
				rc =
				    ck_err_set(CK_EINVAL, "kube: %s: exec plugin without a command",
				               set.files[fu].path);
				goto out;
			}
			/* A bare relative command with a slash is relative to the kubeconfig. */
			if (strchr(v, '/') != NULL && v[0] != '/')
				rc = set_path(&c->exec_command, &set.files[fu], v);
			else
				rc = dup_to(&c->exec_command, v);
			if (rc < 0 ||
			    (rc = str_vec(&c->exec_args, ck_doc_map_get(ex, "args"), NULL)) < 0 ||
			    (rc = str_vec(&c->exec_env, ck_doc_map_get(ex, "env"), "name")) < 0 ||
			    (rc = dup_to(&c->exec_api_version,
			                 ck_doc_map_get_str(ex, "apiVersion"))) < 0)
				goto out;
		}
	}
	v = ck_doc_map_get_str(ctx, "namespace");
	if ((rc = dup_to(&c->namespace, v && *v ? v : "default")) < 0 ||
	    (rc = dup_to(&c->source, set.files[fi].path)) < 0)
		goto out;
	*out = c;
	c = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_kube_config_free(c);
	kset_dispose(&set);
	ck_free(list);
	return rc;
}

int ck_kube_config_load(struct ck_kube_config **out, const char *kubeconfig, const char *context)
{
	int rc;

	if (kubeconfig != NULL && *kubeconfig)
		return ck_kube_config_from_kubeconfig(out, kubeconfig, context);
	if (getenv("KUBECONFIG") != NULL && *getenv("KUBECONFIG"))
		return ck_kube_config_from_kubeconfig(out, NULL, context);
	rc = ck_kube_config_in_cluster(out);
	if (rc != CK_ENOTFOUND)
		return rc;
	return ck_kube_config_from_kubeconfig(out, NULL, context);
}
