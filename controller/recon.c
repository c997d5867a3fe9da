/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the ExternalSecret and SopsSecret reconcilers (recon_int.h). */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/log.h"
#include "ck/rand.h"
#include "ctl_int.h"
#include "recon_int.h"

#define NOTE_MAX 1000

void ck_ctl__split_key(const char *key, char *ns, size_t nsl, char *name, size_t nl)
{
	const char *slash = strchr(key, '/');

	if (slash == NULL) {
		snprintf(ns, nsl, "%s", "");
		snprintf(name, nl, "%s", key);
	} else {
		snprintf(ns, nsl, "%.*s", (int)(slash - key), key);
		snprintf(name, nl, "%s", slash + 1);
	}
}

void ck_ctl__event(struct ck_kube_conn *c, const char *controller, const char *instance,
                   const struct ck_ctl__ref *r, const char *action, const char *type,
                   const char *reason, const char *note)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf body = CK_BUF_INIT, path = CK_BUF_INIT, tmp = CK_BUF_INIT;
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *root, *md, *reg;
	uint8_t rnd[8];
	char suffix[17], notebuf[NOTE_MAX + 1];
	size_t i;

	ck_random(rnd, sizeof(rnd));
	for (i = 0; i < 8; i++)
		snprintf(suffix + 2 * i, 3, "%02x", rnd[i]);
	snprintf(notebuf, sizeof(notebuf), "%s", note);
	if (d == NULL || (root = ck_doc_map(d)) == NULL || ck_doc_add_root(d, root) < 0)
		goto out;
	md = ck_ctl__put_map(d, root, "metadata");
	if (md == NULL || ck_buf_printf(&tmp, "%s.%s", r->name, suffix) < 0 ||
	    ck_ctl__put_str(d, root, "apiVersion", "events.k8s.io/v1") < 0 ||
	    ck_ctl__put_str(d, root, "kind", "Event") < 0 ||
	    ck_ctl__put_str(d, md, "name", ck_buf_cstr(&tmp)) < 0 ||
	    ck_ctl__put_str(d, md, "namespace", r->ns) < 0)
		goto out;
	ck_buf_reset(&tmp);
	if (ck_ctl_time_format(&tmp, ck_ctl_wall_us(), 1) < 0 ||
	    ck_ctl__put_str(d, root, "eventTime", ck_buf_cstr(&tmp)) < 0 ||
	    ck_ctl__put_str(d, root, "reportingController", controller) < 0 ||
	    ck_ctl__put_str(d, root, "reportingInstance", instance) < 0 ||
	    ck_ctl__put_str(d, root, "action", action) < 0 ||
	    ck_ctl__put_str(d, root, "reason", reason) < 0 ||
	    ck_ctl__put_str(d, root, "type", type) < 0 ||
	    ck_ctl__put_str(d, root, "note", notebuf) < 0 ||
	    (reg = ck_ctl__put_map(d, root, "regarding")) == NULL ||
	    ck_ctl__put_str(d, reg, "apiVersion", r->api_version) < 0 ||
	    ck_ctl__put_str(d, reg, "kind", r->kind) < 0 ||
	    ck_ctl__put_str(d, reg, "name", r->name) < 0 ||
	    ck_ctl__put_str(d, reg, "namespace", r->ns) < 0 ||
	    (r->uid && *r->uid && ck_ctl__put_str(d, reg, "uid", r->uid) < 0) ||
	    ck_ctl__write_json(&body, root) < 0 ||
	    ck_buf_printf(&path, "/apis/events.k8s.io/v1/namespaces/%s/events", r->ns) < 0)
		goto out;
	if (ck_kube_request(c, &resp, "POST", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                    ck_buf_len(&body), NULL, 0) < 0)
		ck_log_warn("controller: event %s for %s/%s not recorded: %s", reason, r->ns, r->name,
		            ck_err_last()->msg);
out:
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&body);
	ck_buf_dispose(&path);
	ck_buf_dispose(&tmp);
	ck_doc_free(d);
}

int ck_ctl__status_patch(struct ck_kube_conn *c, const char *obj_path,
                         const struct ck_doc_node *status, long *http_status)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf body = CK_BUF_INIT, path = CK_BUF_INIT;
	int rc;

	if ((rc = ck_buf_puts(&body, "{\"status\":")) < 0 ||
	    (rc = ck_ctl__write_json(&body, status)) < 0 || (rc = ck_buf_putc(&body, '}')) < 0 ||
	    (rc = ck_buf_printf(&path, "%s/status", obj_path)) < 0)
		goto out;
	rc = ck_kube_request(c, &resp, "PATCH", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                     ck_buf_len(&body), "application/merge-patch+json", 0);
out:
	if (http_status != NULL)
		*http_status = resp.status;
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&body);
	ck_buf_dispose(&path);
	return rc;
}

const struct ck_doc_node *ck_ctl__condition_get(const struct ck_doc_node *obj, const char *type)
{
	const struct ck_doc_node *conds = ck_doc_get_path(obj, "status.conditions");
	size_t i;

	if (conds == NULL || (conds = ck_doc_resolve(conds))->kind != CK_DOC_SEQ)
		return NULL;
	for (i = 0; i < conds->nkids; i++) {
		const struct ck_doc_node *c = ck_doc_resolve(conds->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(c, "type"), type))
			return c;
	}
	return NULL;
}

int ck_ctl__condition_put(struct ck_doc *d, struct ck_doc_node *conds,
                          const struct ck_doc_node *old_conds, const char *type,
                          const char *status, const char *reason, const char *message,
                          const char *now, int64_t observed_gen)
{
	const struct ck_doc_node *old = NULL;
	struct ck_doc_node *c;
	const char *ltt = now;
	char gen[32];
	size_t i;

	for (i = 0; old_conds != NULL && old_conds->kind == CK_DOC_SEQ && i < old_conds->nkids; i++) {
		const struct ck_doc_node *o = ck_doc_resolve(old_conds->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(o, "type"), type))
			old = o;
	}
	if (old != NULL && ck_doc_scalar_is(ck_doc_map_get(old, "status"), status) &&
	    ck_doc_map_get_str(old, "lastTransitionTime") != NULL)
		ltt = ck_doc_map_get_str(old, "lastTransitionTime");
	if ((c = ck_doc_map(d)) == NULL || ck_doc_seq_append(d, conds, c) < 0 ||
	    ck_ctl__put_str(d, c, "type", type) < 0 || ck_ctl__put_str(d, c, "status", status) < 0 ||
	    ck_ctl__put_str(d, c, "reason", reason) < 0 ||
	    ck_ctl__put_str(d, c, "message", message) < 0 ||
	    ck_ctl__put_str(d, c, "lastTransitionTime", ltt) < 0)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	if (observed_gen >= 0) {
		snprintf(gen, sizeof(gen), "%lld", (long long)observed_gen);
		if (ck_ctl__put_raw(d, c, "observedGeneration", gen) < 0)
			return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	return CK_OK;
}

int ck_ctl__object_json(char **out, const struct ck_doc_node *obj, int drop_status)
{
	struct ck_doc *tmp = ck_doc_new(0);
	struct ck_doc_node *copy, *md, *annos;
	struct ck_buf js = CK_BUF_INIT;
	int rc;

	*out = NULL;
	if (tmp == NULL || (copy = ck_doc_clone(tmp, obj)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if ((md = ck_doc_map_get(copy, "metadata")) != NULL) {
		ck_doc_map_remove(md, "managedFields");
		if ((annos = ck_doc_map_get(md, "annotations")) != NULL)
			ck_doc_map_remove(annos, "kubectl.kubernetes.io/last-applied-configuration");
	}
	if (drop_status)
		ck_doc_map_remove(copy, "status");
	if ((rc = ck_ctl__write_json(&js, copy)) < 0)
		goto out;
	if ((*out = (char *)ck_buf_detach(&js, NULL)) == NULL)
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
out:
	ck_buf_dispose(&js);
	ck_doc_free(tmp);
	return rc;
}

int ck_ctl__data_digest(char out[65], const struct ck_doc_node *data)
{
	struct ck_hash *h = ck_hash_new(CK_SHA256);
	uint8_t dg[CK_SHA256_LEN];
	const struct ck_doc_node **keys = NULL;
	size_t i, j, n = 0;

	if (h == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	data = data ? ck_doc_resolve(data) : NULL;
	if (data != NULL && data->kind == CK_DOC_MAP && (n = ck_doc_map_len(data)) > 0) {
		if ((keys = ck_calloc(n, sizeof(*keys))) == NULL) {
			ck_hash_free(h);
			return ck_err_set(CK_ENOMEM, "controller: out of memory");
		}
		/* insertion sort by key: Secrets are small */
		for (i = 0; i < n; i++) {
			const struct ck_doc_node *k = ck_doc_map_key(data, i);

			for (j = i; j > 0 && strcmp(keys[j - 1]->text, k->text) > 0; j--)
				keys[j] = keys[j - 1];
			keys[j] = k;
		}
		for (i = 0; i < n; i++) {
			const struct ck_doc_node *v = ck_doc_map_get(data, keys[i]->text);

			ck_hash_update(h, keys[i]->text, keys[i]->len + 1);
			if (v != NULL && (v = ck_doc_resolve(v))->kind == CK_DOC_SCALAR)
				ck_hash_update(h, v->text, v->len);
			ck_hash_update(h, "\n", 1);
		}
	}
	ck_hash_final(h, dg);
	ck_hash_free(h);
	ck_free(keys);
	for (i = 0; i < CK_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", dg[i]);
	return CK_OK;
}

/* ------------------------------------------------------------ Secrets */

static struct ck_doc_node *str_node(struct ck_doc *d, const char *s, size_t n)
{
	struct ck_doc_node *v = ck_doc_scalar(d, s, n, CK_DOC_DQUOTED);

	if (v == NULL)
		ck_err_set(CK_ENOMEM, "controller: out of memory");
	return v;
}

/* map[key] = pairs of m (strings), merged over what is there. */
static int merge_strings(struct ck_doc *d, struct ck_doc_node *parent, const char *key,
                         const struct ck_ext_map *m)
{
	struct ck_doc_node *dst, *v;
	char kb[512];
	size_t i;
	int rc;

	if (m == NULL || ck_ext_map_len(m) == 0)
		return CK_OK;
	if ((dst = ck_ctl__put_map(d, parent, key)) == NULL)
		return CK_ENOMEM;
	for (i = 0; i < ck_ext_map_len(m); i++) {
		size_t kl, vl;
		const char *k = ck_ext_map_key(m, i, &kl);
		const uint8_t *val = ck_ext_map_value(m, i, &vl);

		if (kl >= sizeof(kb))
			return ck_err_set(CK_EINVAL, "controller: key \"%.40s...\" too long", k);
		memcpy(kb, k, kl);
		kb[kl] = '\0';
		if ((v = str_node(d, (const char *)val, vl)) == NULL)
			return CK_ENOMEM;
		if ((rc = ck_doc_map_set(d, dst, kb, v)) < 0)
			return rc;
	}
	return CK_OK;
}

/* data[key] = base64(value) for every pair; without merge, keys not in m go. */
static int put_data(struct ck_doc *d, struct ck_doc_node *secret, const struct ck_ctl__want *w)
{
	struct ck_doc_node *data, *v;
	struct ck_buf b64;
	char kb[512];
	size_t i;
	int rc = CK_OK;

	ck_buf_init_secure(&b64, CK_BUF_MAX);
	if (!w->merge)
		ck_doc_map_remove(secret, "data");
	ck_doc_map_remove(secret, "stringData");
	if ((data = ck_ctl__put_map(d, secret, "data")) == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	for (i = 0; w->merge && w->remove && w->remove[i]; i++)
		ck_doc_map_remove(data, w->remove[i]);
	for (i = 0; w->data && i < ck_ext_map_len(w->data); i++) {
		size_t kl, vl;
		const char *k = ck_ext_map_key(w->data, i, &kl);
		const uint8_t *val = ck_ext_map_value(w->data, i, &vl);

		if (kl >= sizeof(kb)) {
			rc = ck_err_set(CK_EINVAL, "controller: data key too long");
			goto out;
		}
		memcpy(kb, k, kl);
		kb[kl] = '\0';
		ck_buf_reset(&b64);
		if ((rc = ck_b64_encode(&b64, val, vl, CK_B64_STD)) < 0)
			goto out;
		if ((v = str_node(d, ck_buf_cstr(&b64), ck_buf_len(&b64))) == NULL) {
			rc = CK_ENOMEM;
			goto out;
		}
		if ((rc = ck_doc_map_set(d, data, kb, v)) < 0)
			goto out;
	}
	if (ck_doc_map_len(data) == 0)
		ck_doc_map_remove(secret, "data");
out:
	ck_buf_dispose(&b64);
	return rc;
}

static int put_owner(struct ck_doc *d, struct ck_doc_node *md, const struct ck_ctl__ref *o)
{
	struct ck_doc_node *refs = ck_doc_map_get(md, "ownerReferences"), *nrefs, *r;
	size_t i;

	if ((nrefs = ck_doc_seq(d)) == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	/* other owners stay; another controller reference is replaced by ours */
	for (i = 0; refs != NULL && refs->kind == CK_DOC_SEQ && i < refs->nkids; i++) {
		const struct ck_doc_node *x = ck_doc_resolve(refs->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(x, "controller"), "true") ||
		    ck_doc_scalar_is(ck_doc_map_get(x, "uid"), o->uid))
			continue;
		if ((r = ck_doc_clone(d, x)) == NULL || ck_doc_seq_append(d, nrefs, r) < 0)
			return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	if ((r = ck_doc_map(d)) == NULL || ck_doc_seq_append(d, nrefs, r) < 0 ||
	    ck_ctl__put_str(d, r, "apiVersion", o->api_version) < 0 ||
	    ck_ctl__put_str(d, r, "kind", o->kind) < 0 || ck_ctl__put_str(d, r, "name", o->name) < 0 ||
	    ck_ctl__put_str(d, r, "uid", o->uid ? o->uid : "") < 0 ||
	    ck_ctl__put_raw(d, r, "controller", "true") < 0 ||
	    ck_ctl__put_raw(d, r, "blockOwnerDeletion", "true") < 0 ||
	    ck_doc_map_set(d, md, "ownerReferences", nrefs) < 0)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	return CK_OK;
}

/* Shape `secret` (the live object, or an empty map for a new one) as w wants. */
static int shape(struct ck_doc *d, struct ck_doc_node *secret, const struct ck_ctl__want *w,
                 int fresh)
{
	struct ck_doc_node *md;
	int rc;

	if ((md = ck_ctl__put_map(d, secret, "metadata")) == NULL)
		return CK_ENOMEM;
	if (fresh && ((rc = ck_ctl__put_str(d, secret, "apiVersion", "v1")) < 0 ||
	              (rc = ck_ctl__put_str(d, secret, "kind", "Secret")) < 0 ||
	              (rc = ck_ctl__put_str(d, md, "name", w->name)) < 0 ||
	              (rc = ck_ctl__put_str(d, md, "namespace", w->ns)) < 0))
		return rc;
	if ((rc = merge_strings(d, md, "labels", w->labels)) < 0 ||
	    (rc = merge_strings(d, md, "annotations", w->annotations)) < 0 ||
	    (w->owner != NULL && (rc = put_owner(d, md, w->owner)) < 0) ||
	    (rc = put_data(d, secret, w)) < 0)
		return rc;
	if (w->type != NULL || fresh) {
		if ((rc = ck_ctl__put_str(d, secret, "type", w->type ? w->type : "Opaque")) < 0)
			return rc;
	}
	if (w->immutable && (rc = ck_ctl__put_raw(d, secret, "immutable", "true")) < 0)
		return rc;
	if (w->finish != NULL && (rc = w->finish(w->arg, d, secret)) < 0)
		return rc;
	return CK_OK;
}

static const struct ck_doc_node *meta_of(const struct ck_doc_node *obj, const char *f)
{
	return ck_doc_map_get(ck_doc_map_get(obj, "metadata"), f);
}

static int differs(const struct ck_doc_node *a, const struct ck_doc_node *b)
{
	static const char *const top[] = { "data", "type", "immutable" };
	static const char *const md[] = { "labels", "annotations", "ownerReferences" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (!ck_kube_equal(ck_doc_map_get(a, top[i]), ck_doc_map_get(b, top[i])))
			return 1;
	for (i = 0; i < 3; i++)
		if (!ck_kube_equal(meta_of(a, md[i]), meta_of(b, md[i])))
			return 1;
	return 0;
}

static void take_rv(struct ck_ctl__applied *out, const struct ck_doc_node *obj)
{
	const char *rv = ck_kube_str(obj, "metadata.resourceVersion");

	snprintf(out->rv, sizeof(out->rv), "%s", rv ? rv : "");
}

int ck_ctl__secret_apply(struct ck_kube_conn *c, const struct ck_ctl__want *w, int known_absent,
                         struct ck_ctl__applied *out)
{
	struct ck_kube_resp cur = CK_KUBE_RESP_INIT, resp = CK_KUBE_RESP_INIT;
	struct ck_buf coll = CK_BUF_INIT, path = CK_BUF_INIT, body;
	struct ck_doc *nd = NULL, *orig = NULL;
	struct ck_doc_node *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = ck_ctl__secure_body(&body, (size_t)64 << 20)) < 0 ||
	    (rc = ck_buf_printf(&coll, "/api/v1/namespaces/%s/secrets", w->ns)) < 0 ||
	    (rc = ck_buf_printf(&path, "%s/%s", ck_buf_cstr(&coll), w->name)) < 0)
		goto out;
	if (!known_absent) {
		rc = ck_kube_request(c, &cur, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL,
		                     CK_KUBE_SECRET);
		if (rc < 0 && cur.status != 404)
			goto out;
		if (rc < 0)
			ck_err_clear();
		known_absent = rc < 0;
	}
	if (known_absent) {
		if (!w->create) {
			out->missing = 1;
			rc = CK_OK;
			goto out;
		}
		if ((nd = ck_doc_new(CK_DOC_SECURE)) == NULL || (root = ck_doc_map(nd)) == NULL ||
		    ck_doc_add_root(nd, root) < 0) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		if ((rc = shape(nd, root, w, 1)) < 0 || (rc = ck_ctl__write_json(&body, root)) < 0)
			goto out;
		rc = ck_kube_request(c, &resp, "POST", ck_buf_cstr(&coll), NULL, ck_buf_data(&body),
		                     ck_buf_len(&body), NULL, CK_KUBE_SECRET);
		if (rc == CK_OK) {
			take_rv(out, resp.obj);
			out->created = out->wrote = 1;
			goto out;
		}
		if (resp.status != 409 || strcmp(resp.reason, "AlreadyExists") != 0)
			goto out;
		/* the cache was behind: update the one that exists */
		ck_err_clear();
		ck_buf_reset(&body);
		ck_kube_resp_dispose(&resp);
		if ((rc = ck_kube_request(c, &cur, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL,
		                          CK_KUBE_SECRET)) < 0)
			goto out;
	}
	root = (struct ck_doc_node *)cur.obj;
	if (w->adopt != NULL) {
		char msg[512] = "";

		if (!w->adopt(w->arg, root, msg, sizeof(msg))) {
			out->refused = 1;
			rc = ck_err_set(CK_EDENIED, "%s", msg);
			goto out;
		}
	}
	if ((orig = ck_doc_new(CK_DOC_SECURE)) == NULL ||
	    ck_doc_add_root(orig, ck_doc_clone(orig, root)) < 0) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if ((rc = shape(cur.doc, root, w, 0)) < 0)
		goto out;
	if (!differs(orig->docs[0], root)) {
		take_rv(out, root);
		rc = CK_OK;
		goto out;
	}
	if (ck_doc_scalar_is(ck_doc_map_get(orig->docs[0], "immutable"), "true") &&
	    !ck_kube_equal(ck_doc_map_get(orig->docs[0], "data"), ck_doc_map_get(root, "data"))) {
		out->immutable = 1;
		rc = ck_err_set(CK_EDENIED, "could not update secret, target is immutable");
		goto out;
	}
	ck_doc_map_remove(ck_doc_map_get(root, "metadata"), "managedFields");
	if ((rc = ck_ctl__write_json(&body, root)) < 0)
		goto out;
	rc = ck_kube_request(c, &resp, "PUT", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                     ck_buf_len(&body), NULL, CK_KUBE_SECRET);
	if (rc < 0)
		goto out;
	take_rv(out, resp.obj);
	out->wrote = 1;
out:
	ck_doc_free(nd);
	ck_doc_free(orig);
	ck_kube_resp_dispose(&cur);
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&coll);
	ck_buf_dispose(&path);
	ck_buf_dispose(&body);
	return rc;
}

int ck_ctl__secret_delete(struct ck_kube_conn *c, const char *ns, const char *name, const char *uid)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT, body = CK_BUF_INIT;
	int rc;

	if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets/%s", ns, name)) < 0 ||
	    (rc = ck_buf_printf(&body, "{\"apiVersion\":\"v1\",\"kind\":\"DeleteOptions\","
	                        "\"preconditions\":{\"uid\":\"%s\"}}", uid ? uid : "")) < 0)
		goto out;
	rc = ck_kube_request(c, &resp, "DELETE", ck_buf_cstr(&path), NULL,
	                     uid ? ck_buf_data(&body) : NULL, uid ? ck_buf_len(&body) : 0, NULL, 0);
	if (rc < 0 && resp.status == 404) {
		ck_err_clear();
		rc = CK_OK;
	}
out:
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&path);
	ck_buf_dispose(&body);
	return rc;
}
