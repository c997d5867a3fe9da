/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_keys.h"
#include "ck/enc.h"
#include "ck/log.h"
#include "ck/rsa.h"
#include "ck/secret.h"
#include "ck/x509.h"
#include "ctl_int.h"

struct key {
	struct ck_rsa *rsa;      /* private key */
	char *cert_pem;
	int64_t order_us;        /* ordering time (notBefore or creation) */
	int64_t created_us;      /* the Secret's creationTimestamp */
	char name[254];          /* the Secret's name */
	char fp[80];             /* SHA256:... */
};

struct ck_ctl_keys {
	pthread_mutex_t lock;
	struct ck_ctl_keys_opts o;
	char *ns, *prefix, *cn, *labels, *annotations;
	struct key *keys;
	size_t n;
	size_t newest;
	unsigned version;
};

static void key_dispose(struct key *k)
{
	ck_rsa_free(k->rsa);
	ck_free(k->cert_pem);
	memset(k, 0, sizeof(*k));
}

int ck_ctl_keys_new(struct ck_ctl_keys **out, const struct ck_ctl_keys_opts *opts)
{
	struct ck_ctl_keys *k;
	const char *p;

	*out = NULL;
	p = opts->prefix ? opts->prefix : "sealed-secrets-key";
	if (strlen(p) == 0 || strlen(p) > 245 || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	                                                   strlen(p))
		return ck_err_set(CK_EUSAGE, "controller: --key-prefix must be 1 to 245 characters "
		                  "of [a-z0-9-]");
	k = ck_calloc(1, sizeof(*k));
	if (k == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	pthread_mutex_init(&k->lock, NULL);
	k->o = *opts;
	k->ns = ck_strdup(opts->ns ? opts->ns : "default");
	k->prefix = ck_strdup(p);
	k->cn = ck_strdup(opts->cn ? opts->cn : "");
	k->labels = ck_strdup(opts->labels ? opts->labels : "");
	k->annotations = ck_strdup(opts->annotations ? opts->annotations : "");
	if (k->ns == NULL || k->prefix == NULL || k->cn == NULL || k->labels == NULL ||
	    k->annotations == NULL) {
		ck_ctl_keys_free(k);
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	if (k->o.bits == 0)
		k->o.bits = 4096;
	if (k->o.ttl_days == 0)
		k->o.ttl_days = 3650;
	*out = k;
	return CK_OK;
}

void ck_ctl_keys_free(struct ck_ctl_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++)
		key_dispose(&k->keys[i]);
	ck_free(k->keys);
	ck_free(k->ns);
	ck_free(k->prefix);
	ck_free(k->cn);
	ck_free(k->labels);
	ck_free(k->annotations);
	pthread_mutex_destroy(&k->lock);
	ck_free(k);
}

/* Decode a base64 data value of a Secret into out. */
static int data_value(struct ck_buf *out, const struct ck_doc_node *secret, const char *key)
{
	const struct ck_doc_node *data = ck_doc_map_get(secret, "data");
	const char *v = ck_doc_map_get_str(data, key);

	if (v == NULL)
		return ck_err_set(CK_ENOTFOUND, "no %s", key);
	return ck_b64_decode(out, v, strlen(v), CK_B64_STD, 0);
}

/* Build a key from a key Secret object; CK_EINVAL & co. for a bad one. */
static int key_from_secret(struct key *out, const struct ck_doc_node *s, int by_creation)
{
	struct ck_buf pem = CK_BUF_INIT, crt = CK_BUF_INIT, fp = CK_BUF_INIT, fp2 = CK_BUF_INIT;
	struct ck_x509 *x = NULL;
	struct ck_rsa *pub = NULL;
	const char *name = ck_kube_str(s, "metadata.name");
	const char *created = ck_kube_str(s, "metadata.creationTimestamp");
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	ck_buf_init_secure(&pem, 1 << 20);
	if ((rc = data_value(&pem, s, "tls.key")) < 0 ||
	    (rc = ck_rsa_private_parse(&out->rsa, ck_buf_cstr(&pem), ck_buf_len(&pem))) < 0 ||
	    (rc = data_value(&crt, s, "tls.crt")) < 0 ||
	    (rc = ck_x509_parse(&x, ck_buf_cstr(&crt), ck_buf_len(&crt))) < 0 ||
	    (rc = ck_x509_rsa_public(&pub, x)) < 0 ||
	    (rc = ck_seal_key_fingerprint(&fp, out->rsa)) < 0 ||
	    (rc = ck_seal_key_fingerprint(&fp2, pub)) < 0)
		goto out;
	if (strcmp(ck_buf_cstr(&fp), ck_buf_cstr(&fp2)) != 0) {
		rc = ck_err_set(CK_EINVAL, "tls.crt does not belong to tls.key");
		goto out;
	}
	snprintf(out->fp, sizeof(out->fp), "%s", ck_buf_cstr(&fp));
	/* Keep only the first certificate, re-encoded, as upstream uses only that one. */
	ck_buf_reset(&crt);
	if ((rc = ck_x509_format(&crt, x)) < 0)
		goto out;
	out->cert_pem = (char *)ck_buf_detach(&crt, NULL);
	if (out->cert_pem == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	out->order_us = (int64_t)ck_x509_not_before(x) * 1000000;
	if (created == NULL || ck_ctl_time_parse(&out->created_us, created) < 0)
		out->created_us = out->order_us;
	if (by_creation)
		out->order_us = out->created_us;
	rc = CK_OK;
out:
	if (rc < 0)
		key_dispose(out);
	ck_x509_free(x);
	ck_rsa_free(pub);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&crt);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&fp2);
	return rc;
}

static int add_key(struct key **keys, size_t *n, struct key *k)
{
	struct key *nk = ck_calloc(*n + 1, sizeof(*nk));
	size_t i;

	if (nk == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	for (i = 0; i < *n; i++) {
		if (strcmp((*keys)[i].fp, k->fp) == 0) {
			ck_free(nk);
			key_dispose(k); /* the same key twice (legacy + labelled): keep one */
			return CK_OK;
		}
	}
	if (*n)
		memcpy(nk, *keys, *n * sizeof(*nk));
	nk[*n] = *k;
	memset(k, 0, sizeof(*k)); /* transferred */
	ck_free(*keys);
	*keys = nk;
	(*n)++;
	return CK_OK;
}

static size_t newest_of(const struct key *keys, size_t n)
{
	size_t i, best = 0;

	for (i = 1; i < n; i++)
		if (keys[i].order_us >= keys[best].order_us)
			best = i;
	return best;
}

/* Swap in a new key set (lock held by the caller or not: takes it). */
static void install(struct ck_ctl_keys *k, struct key *keys, size_t n)
{
	struct key *old;
	size_t oldn, i;
	int changed;

	pthread_mutex_lock(&k->lock);
	changed = n != k->n;
	for (i = 0; !changed && i < n; i++)
		changed = strcmp(keys[i].fp, k->keys[i].fp) != 0;
	old = k->keys;
	oldn = k->n;
	k->keys = keys;
	k->n = n;
	k->newest = n ? newest_of(keys, n) : 0;
	if (changed) {
		k->version++;
		if (n)
			ck_log_info("controller: %zu sealing key(s); most recent %s (%s)", n,
			            keys[k->newest].fp, keys[k->newest].name);
	}
	pthread_mutex_unlock(&k->lock);
	for (i = 0; i < oldn; i++)
		key_dispose(&old[i]);
	ck_free(old);
}

static int cmp_created(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return x->created_us < y->created_us ? -1 : x->created_us > y->created_us;
}

int ck_ctl_keys_load(struct ck_ctl_keys *k, struct ck_kube_conn *conn)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT, q = CK_BUF_INIT;
	struct key *keys = NULL, one;
	size_t n = 0, i, j;
	int rc;

	if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", k->ns)) < 0 ||
	    (rc = ck_buf_puts(&q, "labelSelector=")) < 0 ||
	    (rc = ck_kube_query_escape(&q, CK_CTL_KEY_LABEL "=active")) < 0)
		goto out;
	if ((rc = ck_kube_request(conn, &resp, "GET", ck_buf_cstr(&path), ck_buf_cstr(&q), NULL, 0,
	                          NULL, CK_KUBE_SECRET)) < 0)
		goto out;
	for (j = 0; j < 2; j++) {
		const struct ck_doc_node *items = ck_doc_map_get(resp.obj, "items");

		if (j == 1) {
			/* The legacy key Secret named exactly the prefix, whatever its labels. */
			ck_buf_reset(&path);
			if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets/%s", k->ns,
			                        k->prefix)) < 0)
				goto out;
			rc = ck_kube_request(conn, &resp, "GET", ck_buf_cstr(&path), NULL, NULL, 0,
			                     NULL, CK_KUBE_SECRET);
			if (rc < 0 && resp.status == 404)
				break;
			if (rc < 0)
				goto out;
			items = NULL;
		}
		for (i = 0; i < (items ? items->nkids : 1); i++) {
			const struct ck_doc_node *s = items ? ck_doc_resolve(items->kids[i]) : resp.obj;
			const char *label = ck_kube_str(s, "metadata.labels." CK_CTL_KEY_LABEL);

			if (j == 1 && label != NULL && strcmp(label, "active") != 0 &&
			    strcmp(label, "") != 0) {
				ck_log_warn("controller: key Secret %s is labelled %s: not used",
				            k->prefix, label);
				continue;
			}
			if (key_from_secret(&one, s, k->o.order_by_creation) < 0) {
				ck_log_warn("controller: key Secret %s/%s skipped: %s", k->ns,
				            ck_kube_str(s, "metadata.name")
				                ? ck_kube_str(s, "metadata.name")
				                : "?",
				            ck_err_last()->msg);
				continue;
			}
			if ((rc = add_key(&keys, &n, &one)) < 0)
				goto out;
		}
	}
	/* Registered in creation order, as upstream; the newest is picked by order_us. */
	if (n > 1)
		qsort(keys, n, sizeof(*keys), cmp_created);
	install(k, keys, n);
	keys = NULL; /* transferred */
	n = 0;
	rc = CK_OK;
out:
	for (i = 0; i < n; i++)
		key_dispose(&keys[i]);
	ck_free(keys);
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&path);
	ck_buf_dispose(&q);
	return rc;
}

/* "k=v,k=v" into a JSON map body fragment. */
static int put_kv_list(struct ck_doc *d, struct ck_doc_node *map, const char *list,
                       const char *flag)
{
	char *copy = ck_strdup(list), *save = NULL, *tok;
	int rc = CK_OK;

	if (copy == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && rc == CK_OK; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL || eq == tok) {
			rc = ck_err_set(CK_EUSAGE, "controller: %s: '%s' is not key=value", flag, tok);
			break;
		}
		*eq = '\0';
		if (strcmp(tok, CK_CTL_KEY_LABEL) == 0)
			continue; /* the key label cannot be overridden */
		rc = ck_ctl__put_str(d, map, tok, eq + 1);
	}
	ck_free(copy);
	return rc;
}

int ck_ctl_keys_generate(struct ck_ctl_keys *k, struct ck_kube_conn *conn)
{
	struct ck_buf key_pem = CK_BUF_INIT, cert_pem = CK_BUF_INIT, body = CK_BUF_INIT;
	struct ck_buf b64 = CK_BUF_INIT, path = CK_BUF_INIT;
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_doc *d = NULL;
	struct ck_doc_node *root, *md, *labels, *annos, *data;
	struct key *keys = NULL, one;
	size_t n = 0, i;
	time_t now = (time_t)(ck_ctl_wall_us() / 1000000);
	int rc;

	memset(&one, 0, sizeof(one));
	ck_buf_init_secure(&key_pem, 1 << 20);
	ck_buf_init_secure(&body, 1 << 20);
	ck_buf_init_secure(&b64, 1 << 20);
	ck_log_info("controller: generating a new %u-bit sealing key", k->o.bits);
	if ((rc = ck_seal_keygen(&key_pem, &cert_pem, k->o.bits, k->cn, now, k->o.ttl_days)) < 0)
		goto out;
	d = ck_doc_new(CK_DOC_SECURE);
	if (d == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	root = ck_doc_map(d);
	md = ck_doc_map(d);
	labels = ck_doc_map(d);
	annos = ck_doc_map(d);
	data = ck_doc_map(d);
	if (root == NULL || md == NULL || labels == NULL || annos == NULL || data == NULL ||
	    (rc = ck_doc_add_root(d, root)) < 0 ||
	    (rc = ck_ctl__put_str(d, root, "apiVersion", "v1")) < 0 ||
	    (rc = ck_ctl__put_str(d, root, "kind", "Secret")) < 0 ||
	    (rc = ck_doc_map_set(d, root, "metadata", md)) < 0 ||
	    (rc = ck_ctl__put_str(d, md, "generateName", k->prefix)) < 0 ||
	    (rc = ck_ctl__put_str(d, md, "namespace", k->ns)) < 0 ||
	    (rc = put_kv_list(d, labels, k->labels, "--privatekey-labels")) < 0 ||
	    (rc = ck_ctl__put_str(d, labels, CK_CTL_KEY_LABEL, "active")) < 0 ||
	    (rc = ck_doc_map_set(d, md, "labels", labels)) < 0 ||
	    (rc = put_kv_list(d, annos, k->annotations, "--privatekey-annotations")) < 0 ||
	    (ck_doc_map_len(annos) && (rc = ck_doc_map_set(d, md, "annotations", annos)) < 0) ||
	    (rc = ck_ctl__put_str(d, root, "type", "kubernetes.io/tls")) < 0 ||
	    (rc = ck_b64_encode(&b64, ck_buf_data(&cert_pem), ck_buf_len(&cert_pem),
	                        CK_B64_STD)) < 0 ||
	    (rc = ck_ctl__put_str(d, data, "tls.crt", ck_buf_cstr(&b64))) < 0)
		goto oom_or_rc;
	ck_buf_reset(&b64);
	if ((rc = ck_b64_encode(&b64, ck_buf_data(&key_pem), ck_buf_len(&key_pem), CK_B64_STD)) < 0 ||
	    (rc = ck_ctl__put_str(d, data, "tls.key", ck_buf_cstr(&b64))) < 0 ||
	    (rc = ck_doc_map_set(d, root, "data", data)) < 0 ||
	    (rc = ck_ctl__write_json(&body, root)) < 0 ||
	    (rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", k->ns)) < 0)
		goto out;
	if ((rc = ck_kube_request(conn, &resp, "POST", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                          ck_buf_len(&body), NULL, CK_KUBE_SECRET)) < 0) {
		ck_err_context("controller: cannot store the new sealing key");
		goto out;
	}
	if ((rc = key_from_secret(&one, resp.obj, k->o.order_by_creation)) < 0) {
		ck_err_context("controller: the stored key Secret");
		goto out;
	}
	ck_log_info("controller: new sealing key %s stored as %s/%s", one.fp, k->ns, one.name);
	/* The new set: the old keys (copied by reference) plus this one. */
	pthread_mutex_lock(&k->lock);
	for (i = 0; i < k->n && rc == CK_OK; i++) {
		struct key c = k->keys[i];

		c.rsa = ck_rsa_ref(c.rsa);
		c.cert_pem = ck_strdup(c.cert_pem);
		if (c.cert_pem == NULL) {
			ck_rsa_free(c.rsa);
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			break;
		}
		rc = add_key(&keys, &n, &c);
	}
	pthread_mutex_unlock(&k->lock);
	if (rc == CK_OK)
		rc = add_key(&keys, &n, &one);
	if (rc < 0)
		goto out;
	install(k, keys, n);
	keys = NULL; /* transferred */
	n = 0;
	rc = CK_OK;
	goto out;
oom_or_rc:
	if (rc >= 0)
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
out:
	key_dispose(&one);
	for (i = 0; i < n; i++)
		key_dispose(&keys[i]);
	ck_free(keys);
	ck_doc_free(d);
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&key_pem);
	ck_buf_dispose(&cert_pem);
	ck_buf_dispose(&body);
	ck_buf_dispose(&b64);
	ck_buf_dispose(&path);
	return rc;
}

int ck_ctl_keys_ensure(struct ck_ctl_keys *k, struct ck_kube_conn *conn, int *generated)
{
	int need;

	*generated = 0;
	pthread_mutex_lock(&k->lock);
	need = k->n == 0 || (k->o.cutoff_us > 0 && k->keys[k->newest].order_us < k->o.cutoff_us);
	pthread_mutex_unlock(&k->lock);
	if (!need)
		return CK_OK;
	*generated = 1;
	return ck_ctl_keys_generate(k, conn);
}

int64_t ck_ctl_keys_next_renewal_us(struct ck_ctl_keys *k)
{
	int64_t t = -1;

	pthread_mutex_lock(&k->lock);
	if (k->o.renew_ms > 0 && k->n > 0)
		t = k->keys[k->newest].order_us + k->o.renew_ms * 1000;
	pthread_mutex_unlock(&k->lock);
	return t;
}

size_t ck_ctl_keys_count(struct ck_ctl_keys *k)
{
	size_t n;

	pthread_mutex_lock(&k->lock);
	n = k->n;
	pthread_mutex_unlock(&k->lock);
	return n;
}

unsigned ck_ctl_keys_version(struct ck_ctl_keys *k)
{
	unsigned v;

	pthread_mutex_lock(&k->lock);
	v = k->version;
	pthread_mutex_unlock(&k->lock);
	return v;
}

int ck_ctl_keys_cert_pem(struct ck_ctl_keys *k, struct ck_buf *out)
{
	int rc;

	pthread_mutex_lock(&k->lock);
	if (k->n == 0)
		rc = ck_err_set(CK_ENOTFOUND, "controller: no sealing key");
	else
		rc = ck_buf_puts(out, k->keys[k->newest].cert_pem);
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int ck_ctl_keys_newest_public(struct ck_ctl_keys *k, struct ck_rsa **out)
{
	int rc = CK_OK;

	*out = NULL;
	pthread_mutex_lock(&k->lock);
	if (k->n == 0)
		rc = ck_err_set(CK_ENOTFOUND, "controller: no sealing key");
	else
		*out = ck_rsa_ref(k->keys[k->newest].rsa);
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int ck_ctl_keys_keyring(struct ck_ctl_keys *k, struct ck_seal_keyring **out, unsigned *version)
{
	struct ck_seal_keyring *kr = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = ck_seal_keyring_new(&kr)) < 0)
		return rc;
	pthread_mutex_lock(&k->lock);
	/* Most recent first: it opens most values, so usually one RSA operation each. */
	if (k->n > 0)
		rc = ck_seal_keyring_add(kr, k->keys[k->newest].rsa);
	for (i = 0; i < k->n && rc == CK_OK; i++)
		if (i != k->newest)
			rc = ck_seal_keyring_add(kr, k->keys[i].rsa);
	if (version != NULL)
		*version = k->version;
	pthread_mutex_unlock(&k->lock);
	if (rc < 0) {
		ck_seal_keyring_free(kr);
		return rc;
	}
	if (ck_seal_keyring_count(kr) > 0)
		ck_seal_keyring_prefer(kr, 0);
	*out = kr;
	return CK_OK;
}

void ck_ctl_keys_newest_fingerprint(struct ck_ctl_keys *k, char *out, size_t n)
{
	pthread_mutex_lock(&k->lock);
	snprintf(out, n, "%s", k->n ? k->keys[k->newest].fp : "");
	pthread_mutex_unlock(&k->lock);
}
