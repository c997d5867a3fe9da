/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_map.h"
#include "ck/ctl_queue.h"
#include "ck/ctl_sealed.h"
#include "ck/hash.h"
#include "ck/log.h"
#include "ck/seal_manifest.h"
#include "ck/secret.h"
#include "ctl_int.h"
#include "recon_int.h"

#define CONTROLLER "sealedsecret"
#define SS_API "/apis/bitnami.com/v1alpha1"
#define REPORTING_CONTROLLER "cloak.dev/sealed-secrets"
#define MAX_INFORMERS 64
#define NOTE_MAX 1000

/* What the SealedSecret informer keeps per object. */
struct ss_entry {
	char *uid;
	char *rv;
	int64_t generation;
	uint8_t digest[CK_SHA256_LEN];   /* spec + scope annotations + uid */
	int64_t observed_gen;            /* status.observedGeneration, -1 when absent */
	int synced;                      /* Synced condition: 1 True, 0 False, -1 none */
	char *instance;                  /* label app.kubernetes.io/instance, "" if none */
};

/* What the (metadata-only) Secret informer keeps. */
struct sec_entry {
	char *rv;
	char *owner_uid;                 /* controller ownerReference of kind SealedSecret */
	char *owner_name;
	int managed, patch;
};

/* The state a successful sync left. */
struct applied {
	uint8_t digest[CK_SHA256_LEN];
	char uid[64];
	char secret_rv[64];
	int64_t status_gen;   /* generation whose Synced=True status we wrote (or saw), else -1 */
};

struct ck_ctl_sealed {
	struct ck_kube *kube;
	struct ck_ctl_keys *keys;
	struct ck_ctl_metrics *m;
	struct ck_ctl_sealed_opts o;
	char *instance;
	char *lsel;
	struct ck_ctl_queue *queue;
	struct ck_ctl_informer *ss_inf[MAX_INFORMERS];
	struct ck_ctl_informer *sec_inf[MAX_INFORMERS];
	size_t ninf;
	pthread_mutex_t la_lock;
	struct ck_ctl_map *applied;     /* key -> struct applied */
	struct ck_ctl__workers workers;
};

/* ---------------------------------------------------------------- caches */

static char *sdup(const char *s)
{
	return ck_strdup(s ? s : "");
}

static void ss_drop(void *arg, void *e)
{
	struct ss_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
	ck_free(x->uid);
	ck_free(x->rv);
	ck_free(x->instance);
	ck_free(x);
}

static int scope_anno(const struct ck_doc_node *obj, const char *which)
{
	const struct ck_doc_node *a = ck_doc_map_get(ck_doc_map_get(obj, "metadata"), "annotations");

	return ck_doc_scalar_is(ck_doc_map_get(a, which), "true");
}

/* Digest of what decides the Secret: spec, scope annotations, owner uid. */
static int ss_digest(const struct ck_doc_node *obj, const char *uid, uint8_t out[CK_SHA256_LEN])
{
	struct ck_buf spec = CK_BUF_INIT;
	struct ck_hash *h = ck_hash_new(CK_SHA256);
	int rc;

	if (h == NULL)
		return CK_ENOMEM;
	if ((rc = ck_ctl__write_json(&spec, ck_doc_map_get(obj, "spec"))) == CK_OK) {
		ck_hash_update(h, ck_buf_data(&spec), ck_buf_len(&spec));
		ck_hash_update(h, "\0", 1);
		ck_hash_update(h, scope_anno(obj, CK_SEAL_ANNO_CLUSTER_WIDE) ? "c" : "-", 1);
		ck_hash_update(h, scope_anno(obj, CK_SEAL_ANNO_NAMESPACE_WIDE) ? "n" : "-", 1);
		ck_hash_update(h, uid ? uid : "", uid ? strlen(uid) : 0);
	}
	ck_hash_final(h, out);
	ck_hash_free(h);
	ck_buf_dispose(&spec);
	return rc;
}

/* The Synced condition of a SealedSecret: 1 True, 0 False, -1 absent. */
static int synced_of(const struct ck_doc_node *obj)
{
	const struct ck_doc_node *conds = ck_doc_get_path(obj, "status.conditions");
	int st = -1;
	size_t i;

	for (i = 0; conds != NULL && conds->kind == CK_DOC_SEQ && i < conds->nkids; i++) {
		const struct ck_doc_node *c = ck_doc_resolve(conds->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(c, "type"), "Synced"))
			st = ck_doc_scalar_is(ck_doc_map_get(c, "status"), "True") ? 1 : 0;
	}
	return st;
}

/*
 * The cache keeps a digest, not the object: 10,000 SealedSecrets of three
 * RSA-4096 values would otherwise hold ~27 MB. The reconciler reads the
 * object itself when it has real work to do.
 */
static void *ss_make(void *arg, const struct ck_doc_node *obj)
{
	struct ss_entry *e = ck_calloc(1, sizeof(*e));

	(void)arg;
	if (e == NULL)
		return NULL;
	e->uid = sdup(ck_kube_str(obj, "metadata.uid"));
	e->rv = sdup(ck_kube_str(obj, "metadata.resourceVersion"));
	e->generation = ck_kube_int(obj, "metadata.generation", 0);
	e->observed_gen = ck_kube_int(obj, "status.observedGeneration", -1);
	e->synced = synced_of(obj);
	e->instance = sdup(ck_doc_map_get_str(ck_doc_get_path(obj, "metadata.labels"),
	                                      "app.kubernetes.io/instance"));
	if (e->uid == NULL || e->rv == NULL || e->instance == NULL ||
	    ss_digest(obj, e->uid, e->digest) < 0) {
		ss_drop(NULL, e);
		return NULL;
	}
	return e;
}

static void sec_drop(void *arg, void *e)
{
	struct sec_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
	ck_free(x->rv);
	ck_free(x->owner_uid);
	ck_free(x->owner_name);
	ck_free(x);
}

static void *sec_make(void *arg, const struct ck_doc_node *obj)
{
	struct sec_entry *e = ck_calloc(1, sizeof(*e));
	const struct ck_doc_node *refs = ck_doc_get_path(obj, "metadata.ownerReferences");
	const struct ck_doc_node *annos = ck_doc_get_path(obj, "metadata.annotations");
	size_t i;

	(void)arg;
	if (e == NULL)
		return NULL;
	e->rv = sdup(ck_kube_str(obj, "metadata.resourceVersion"));
	for (i = 0; refs != NULL && refs->kind == CK_DOC_SEQ && i < refs->nkids; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(refs->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(r, "controller"), "true") &&
		    ck_doc_scalar_is(ck_doc_map_get(r, "kind"), "SealedSecret")) {
			e->owner_uid = sdup(ck_doc_map_get_str(r, "uid"));
			e->owner_name = sdup(ck_doc_map_get_str(r, "name"));
		}
	}
	e->managed = ck_doc_scalar_is(ck_doc_map_get(annos, CK_SEAL_ANNO_MANAGED), "true");
	e->patch = ck_doc_scalar_is(ck_doc_map_get(annos, CK_SEAL_ANNO_PATCH), "true");
	if (e->rv == NULL) {
		sec_drop(NULL, e);
		return NULL;
	}
	return e;
}

static struct ck_ctl_informer *ss_informer_for(struct ck_ctl_sealed *s, const char *key)
{
	size_t i;
	const char *slash = strchr(key, '/');

	if (s->ninf == 1 || slash == NULL)
		return s->ss_inf[0];
	for (i = 0; i < s->ninf; i++) {
		const char *ns = s->o.namespaces[i];

		if (strlen(ns) == (size_t)(slash - key) && strncmp(ns, key, strlen(ns)) == 0)
			return s->ss_inf[i];
	}
	return s->ss_inf[0];
}

static struct ck_ctl_informer *sec_informer_for(struct ck_ctl_sealed *s, const char *key)
{
	size_t i;
	const char *slash = strchr(key, '/');

	if (s->ninf == 1 || slash == NULL)
		return s->sec_inf[0];
	for (i = 0; i < s->ninf; i++) {
		const char *ns = s->o.namespaces[i];

		if (strlen(ns) == (size_t)(slash - key) && strncmp(ns, key, strlen(ns)) == 0)
			return s->sec_inf[i];
	}
	return s->sec_inf[0];
}

static void ss_changed(void *arg, enum ck_ctl_change what, const char *key, const void *old_entry,
                       const void *new_entry)
{
	struct ck_ctl_sealed *s = arg;
	const struct ss_entry *o = old_entry, *n = new_entry;

	/* A change of status or metadata only is not work (upstream ignores it too). */
	if (what == CK_CTL_UPDATED && o != NULL && n != NULL && o->generation == n->generation &&
	    memcmp(o->digest, n->digest, sizeof(o->digest)) == 0)
		return;
	if (s->queue != NULL)
		ck_ctl_queue_add(s->queue, key);
}

struct have {
	int present;
};

static void have_cb(void *arg, const char *rv, const void *entry)
{
	(void)rv;
	((struct have *)arg)->present = entry != NULL;
}

static void sec_changed(void *arg, enum ck_ctl_change what, const char *key, const void *old_entry,
                        const void *new_entry)
{
	struct ck_ctl_sealed *s = arg;
	const struct sec_entry *e = new_entry ? new_entry : old_entry;
	struct have h = { 0 };

	if (what == CK_CTL_RESYNC || e == NULL || s->queue == NULL)
		return;
	if (what == CK_CTL_DELETED && s->o.skip_recreate)
		return;
	/* Only Secrets that belong to a SealedSecret of the same name matter. */
	ck_ctl_informer_with(ss_informer_for(s, key), key, have_cb, &h);
	if (!h.present)
		return;
	if (what == CK_CTL_DELETED && e->owner_uid == NULL && !e->managed)
		return;
	ck_ctl_queue_add(s->queue, key);
}

/* ----------------------------------------------------------- construction */

static int define_metrics(struct ck_ctl_metrics *m)
{
	static const double rt_buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3,
	                                     0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
	                                     1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9,
	                                     10, 15, 20, 25, 30, 40, 50, 60 };
	int rc;

	if ((rc = ck_ctl_metrics_define(m, CK_CTL_METRIC_PREFIX "unseal_requests_total",
	                                CK_CTL_COUNTER, "Total number of sealed secret unseal "
	                                "requests", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, CK_CTL_METRIC_PREFIX "unseal_errors_total",
	                                CK_CTL_COUNTER, "Total number of sealed secret unseal "
	                                "errors by reason", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, CK_CTL_METRIC_PREFIX "condition_info", CK_CTL_GAUGE,
	                                "Current SealedSecret condition status. Values are -1 "
	                                "(false), 0 (unknown or absent), 1 (true)", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "controller_runtime_reconcile_total", CK_CTL_COUNTER,
	                                "Total number of reconciliations per controller", NULL,
	                                0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "controller_runtime_reconcile_errors_total",
	                                CK_CTL_COUNTER, "Total number of reconciliation errors per "
	                                "controller", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "controller_runtime_reconcile_time_seconds",
	                                CK_CTL_HISTOGRAM, "Length of time per reconciliation per "
	                                "controller", rt_buckets,
	                                sizeof(rt_buckets) / sizeof(rt_buckets[0]))) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "cloak_controller_unsealed_values_total", CK_CTL_COUNTER,
	                                "Sealed values opened (each costs at least one RSA private "
	                                "key operation)", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "cloak_controller_secret_writes_total", CK_CTL_COUNTER,
	                                "Secrets created or updated, by verb", NULL, 0)) < 0)
		return rc;
	ck_ctl_metrics_add(m, CK_CTL_METRIC_PREFIX "unseal_requests_total", 0, NULL);
	ck_ctl_metrics_add(m, "cloak_controller_unsealed_values_total", 0, NULL);
	ck_ctl_metrics_add(m, "controller_runtime_reconcile_errors_total", 0, "controller",
	                   CONTROLLER, NULL);
	return CK_OK;
}

int ck_ctl_sealed_new(struct ck_ctl_sealed **out, struct ck_kube *kube, struct ck_ctl_keys *keys,
                      struct ck_ctl_metrics *metrics, const struct ck_ctl_sealed_opts *opts)
{
	struct ck_ctl_sealed *s;
	struct ck_buf path = CK_BUF_INIT;
	size_t i, nns = 0;
	int rc = CK_ENOMEM;

	*out = NULL;
	s = ck_calloc(1, sizeof(*s));
	if (s == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	pthread_mutex_init(&s->la_lock, NULL);
	s->kube = kube;
	s->keys = keys;
	s->m = metrics;
	s->o = *opts;
	if (s->o.max_retries <= 0)
		s->o.max_retries = 5;
	if (s->o.workers <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		s->o.workers = (int)(n > 0 ? n * 2 : 2);
	}
	while (opts->namespaces && opts->namespaces[nns])
		nns++;
	if (nns > MAX_INFORMERS) {
		rc = ck_err_set(CK_EUSAGE, "controller: at most %d namespaces", MAX_INFORMERS);
		goto out;
	}
	s->instance = ck_strdup(opts->instance ? opts->instance : "cloak-controller");
	s->lsel = opts->label_selector ? ck_strdup(opts->label_selector) : NULL;
	s->applied = ck_ctl_map_new();
	if (s->instance == NULL || (opts->label_selector && s->lsel == NULL) || s->applied == NULL)
		goto oom;
	s->o.label_selector = s->lsel;
	if ((rc = define_metrics(metrics)) < 0 ||
	    (rc = ck_ctl_queue_new(&s->queue, CONTROLLER, opts->ratelimit, metrics)) < 0)
		goto out;
	s->ninf = nns ? nns : 1;
	for (i = 0; i < s->ninf; i++) {
		struct ck_ctl_informer_opts io;

		memset(&io, 0, sizeof(io));
		io.watch_min_s = opts->watch_min_s;
		io.watch_max_s = opts->watch_max_s;
		io.arg = s;
		ck_buf_reset(&path);
		if (nns)
			rc = ck_buf_printf(&path, SS_API "/namespaces/%s/sealedsecrets",
			                   opts->namespaces[i]);
		else
			rc = ck_buf_puts(&path, SS_API "/sealedsecrets");
		if (rc < 0)
			goto out;
		io.name = "sealedsecrets";
		io.path = ck_buf_cstr(&path);
		io.label_selector = s->lsel;
		io.make = ss_make;
		io.drop = ss_drop;
		io.on_change = ss_changed;
		if ((rc = ck_ctl_informer_new(&s->ss_inf[i], kube, &io)) < 0)
			goto out;
		ck_buf_reset(&path);
		if (nns)
			rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", opts->namespaces[i]);
		else
			rc = ck_buf_puts(&path, "/api/v1/secrets");
		if (rc < 0)
			goto out;
		io.name = "secrets";
		io.path = ck_buf_cstr(&path);
		io.label_selector = NULL;
		io.flags = CK_KUBE_METADATA;
		io.make = sec_make;
		io.drop = sec_drop;
		io.on_change = sec_changed;
		if ((rc = ck_ctl_informer_new(&s->sec_inf[i], kube, &io)) < 0)
			goto out;
	}
	*out = s;
	s = NULL; /* transferred */
	rc = CK_OK;
	goto out;
oom:
	rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
out:
	ck_buf_dispose(&path);
	ck_ctl_sealed_free(s);
	return rc;
}

/* ------------------------------------------------------------- reconcile */

struct snap {
	int present;
	struct ss_entry e;   /* strings owned by the snapshot */
	char rv[64];
};

static void snap_cb(void *arg, const char *rv, const void *entry)
{
	struct snap *sn = arg;
	const struct ss_entry *e = entry;

	if (e == NULL)
		return;
	sn->present = 1;
	sn->e = *e;
	sn->e.uid = ck_strdup(e->uid);
	sn->e.instance = ck_strdup(e->instance);
	sn->e.rv = NULL;
	snprintf(sn->rv, sizeof(sn->rv), "%s", rv ? rv : "");
	if (sn->e.uid == NULL || sn->e.instance == NULL)
		sn->present = -1;
}

static void snap_dispose(struct snap *sn)
{
	ck_free(sn->e.uid);
	ck_free(sn->e.instance);
	memset(sn, 0, sizeof(*sn));
}

struct secsnap {
	int present;
	char rv[64];
	int managed, patch, controlled;
	char owner_uid[64];
};

static void secsnap_cb(void *arg, const char *rv, const void *entry)
{
	struct secsnap *sn = arg;
	const struct sec_entry *e = entry;

	if (e == NULL)
		return;
	sn->present = 1;
	snprintf(sn->rv, sizeof(sn->rv), "%s", rv ? rv : "");
	sn->managed = e->managed;
	sn->patch = e->patch;
	snprintf(sn->owner_uid, sizeof(sn->owner_uid), "%s", e->owner_uid ? e->owner_uid : "");
}

struct wctx {
	struct ck_ctl_sealed *s;
	struct ck_kube_conn *conn;
	struct ck_seal_keyring *kr;
	unsigned kr_version;
};

/* Best effort: an Event that fails is logged and forgotten. */
static void event(struct wctx *w, const char *ns, const char *name, const char *uid,
                  const char *type, const char *reason, const char *note)
{
	const struct ck_ctl__ref r = { CK_SEAL_API_VERSION, CK_SEAL_KIND, ns, name, uid };

	ck_ctl__event(w->conn, REPORTING_CONTROLLER, w->s->instance, &r, "Unseal", type, reason,
	              note);
}

static void condition_metric(struct ck_ctl_sealed *s, const char *ns, const char *name,
                             const char *instance, int synced)
{
	ck_ctl_metrics_set(s->m, CK_CTL_METRIC_PREFIX "condition_info", synced ? 1 : -1,
	                   "namespace", ns, "name", name, "condition", "Synced",
	                   "ss_app_kubernetes_io_instance", instance, NULL);
}

/*
 * Write status.conditions[Synced] and observedGeneration when the condition's
 * status or the generation moved (upstream's rule). msg "" means success.
 */
static int write_status(struct wctx *w, struct ck_doc *d, const char *ns, const char *name,
                        int ok, const char *msg)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_doc_node *root = d->docs[0], *st, *conds, *cond = NULL;
	struct ck_buf body = CK_BUF_INIT, path = CK_BUF_INIT, now = CK_BUF_INIT, gen = CK_BUF_INIT;
	const char *want = ok ? "True" : "False";
	int64_t generation = ck_kube_int(root, "metadata.generation", 0);
	size_t i;
	int rc;

	if (!w->s->o.update_status ||
	    (synced_of(root) == ok &&
	     ck_kube_int(root, "status.observedGeneration", -1) == generation))
		return CK_OK;
	st = ck_ctl__put_map(d, root, "status");
	conds = st ? ck_doc_map_get(st, "conditions") : NULL;
	if (st == NULL || ck_ctl_time_format(&now, ck_ctl_wall_us(), 0) < 0 ||
	    ck_buf_printf(&gen, "%lld", (long long)generation) < 0)
		goto oom;
	if (conds == NULL || conds->kind != CK_DOC_SEQ) {
		conds = ck_doc_seq(d);
		if (conds == NULL || ck_doc_map_set(d, st, "conditions", conds) < 0)
			goto oom;
	}
	for (i = 0; i < conds->nkids; i++) {
		struct ck_doc_node *c = conds->kids[i];

		if (ck_doc_scalar_is(ck_doc_map_get(c, "type"), "Synced"))
			cond = c;
	}
	if (cond == NULL) {
		cond = ck_doc_map(d);
		if (cond == NULL || ck_doc_seq_append(d, conds, cond) < 0 ||
		    ck_ctl__put_str(d, cond, "type", "Synced") < 0)
			goto oom;
	}
	if (!ck_doc_scalar_is(ck_doc_map_get(cond, "status"), want) &&
	    (ck_ctl__put_str(d, cond, "status", want) < 0 ||
	     ck_ctl__put_str(d, cond, "lastTransitionTime", ck_buf_cstr(&now)) < 0))
		goto oom;
	if (ck_ctl__put_str(d, cond, "lastUpdateTime", ck_buf_cstr(&now)) < 0)
		goto oom;
	if (ok)
		ck_doc_map_remove(cond, "message");
	else if (ck_ctl__put_str(d, cond, "message", msg) < 0)
		goto oom;
	if (ck_ctl__put_raw(d, st, "observedGeneration", ck_buf_cstr(&gen)) < 0 ||
	    ck_ctl__write_json(&body, root) < 0 ||
	    ck_buf_printf(&path, SS_API "/namespaces/%s/sealedsecrets/%s/status", ns, name) < 0)
		goto oom;
	rc = ck_kube_request(w->conn, &resp, "PUT", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                     ck_buf_len(&body), NULL, 0);
	if (rc < 0) {
		ck_ctl_metrics_add(w->s->m, CK_CTL_METRIC_PREFIX "unseal_errors_total", 1, "reason",
		                   "status", "namespace", ns, NULL);
		goto out;
	}
	rc = CK_OK;
	goto out;
oom:
	rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
out:
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&body);
	ck_buf_dispose(&path);
	ck_buf_dispose(&now);
	ck_buf_dispose(&gen);
	return rc;
}

/* Replace map[key] by a clone of src (or remove it when src is NULL / empty map). */
static int replace_field(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                         const struct ck_doc_node *src)
{
	struct ck_doc_node *c;

	if (src == NULL || ((src = ck_doc_resolve(src))->kind == CK_DOC_MAP &&
	                    ck_doc_map_len(src) == 0)) {
		ck_doc_map_remove(map, key);
		return CK_OK;
	}
	c = ck_doc_clone(d, src);
	if (c == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	return ck_doc_map_set(d, map, key, c);
}

/* Merge the pairs of src into map[key] (patch mode). */
static int merge_field(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                       const struct ck_doc_node *src)
{
	struct ck_doc_node *dst;
	size_t i;
	int rc;

	if (src == NULL || (src = ck_doc_resolve(src))->kind != CK_DOC_MAP ||
	    ck_doc_map_len(src) == 0)
		return CK_OK;
	if ((dst = ck_ctl__put_map(d, map, key)) == NULL)
		return CK_ENOMEM;
	for (i = 0; i < ck_doc_map_len(src); i++) {
		struct ck_doc_node *v = ck_doc_clone(d, ck_doc_map_value(src, i));

		if (v == NULL)
			return ck_err_set(CK_ENOMEM, "controller: out of memory");
		if ((rc = ck_doc_map_set(d, dst, ck_doc_map_key(src, i)->text, v)) < 0)
			return rc;
	}
	return CK_OK;
}

static const struct ck_doc_node *meta_of(const struct ck_doc_node *obj, const char *f)
{
	return ck_doc_map_get(ck_doc_map_get(obj, "metadata"), f);
}

/* 1 if the fields upstream compares differ between two Secrets. */
static int secret_differs(const struct ck_doc_node *a, const struct ck_doc_node *b)
{
	static const char *const top[] = { "data", "type" };
	static const char *const md[] = { "labels", "annotations", "ownerReferences" };
	size_t i;

	for (i = 0; i < 2; i++)
		if (!ck_kube_equal(ck_doc_map_get(a, top[i]), ck_doc_map_get(b, top[i])))
			return 1;
	for (i = 0; i < 3; i++)
		if (!ck_kube_equal(meta_of(a, md[i]), meta_of(b, md[i])))
			return 1;
	return 0;
}

/* Outcome of a reconcile for metrics. */
enum result { R_SUCCESS, R_ERROR, R_REQUEUE };

struct failure {
	char reason[16];     /* metric reason: fetch unseal update unmanaged status */
	char event_reason[32];
	char note[NOTE_MAX];
	int no_retry;
};

static void fail_with(struct failure *f, const char *reason, const char *ev, const char *fmt,
                      ...) CK_PRINTF(4, 5);

static void fail_with(struct failure *f, const char *reason, const char *ev, const char *fmt,
                      ...)
{
	va_list ap;

	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	snprintf(f->event_reason, sizeof(f->event_reason), "%s", ev);
	va_start(ap, fmt);
	vsnprintf(f->note, sizeof(f->note), fmt, ap);
	va_end(ap);
}

/*
 * Create or update the Secret from the unsealed `desired`. On success
 * *secret_rv is the Secret's resourceVersion afterwards and *wrote is 1 when
 * a write happened.
 */
static int apply_secret(struct wctx *w, const char *ns, const char *name, const char *ss_uid,
                        const struct ck_doc_node *desired, int exists_in_cache,
                        char *secret_rv, size_t rvlen, int *wrote, struct failure *f)
{
	struct ck_kube_resp cur = CK_KUBE_RESP_INIT, resp = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT, body = CK_BUF_INIT;
	struct ck_doc *orig = NULL;
	struct ck_doc_node *root, *md, *refs;
	const char *rv;
	int rc, controlled = 0, managed, patch;
	size_t i;

	*wrote = 0;
	if ((rc = ck_ctl__secure_body(&body, (size_t)64 << 20)) < 0 ||
	    (rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", ns)) < 0)
		goto out;
	if (!exists_in_cache) {
		if ((rc = ck_ctl__write_json(&body, desired)) < 0)
			goto out;
		rc = ck_kube_request(w->conn, &resp, "POST", ck_buf_cstr(&path), NULL,
		                     ck_buf_data(&body), ck_buf_len(&body), NULL, CK_KUBE_SECRET);
		if (rc == CK_OK) {
			rv = ck_kube_str(resp.obj, "metadata.resourceVersion");
			snprintf(secret_rv, rvlen, "%s", rv ? rv : "");
			*wrote = 1;
			ck_ctl_metrics_add(w->s->m, "cloak_controller_secret_writes_total", 1, "verb",
			                   "create", NULL);
			goto out;
		}
		if (resp.status != 409) {
			fail_with(f, "update", "ErrUpdateFailed", "%s", ck_err_last()->msg);
			goto out;
		}
		/* AlreadyExists: the cache was behind; read it and update instead. */
		ck_buf_reset(&body);
	}
	if ((rc = ck_buf_printf(&path, "/%s", name)) < 0)
		goto out;
	rc = ck_kube_request(w->conn, &cur, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL,
	                     CK_KUBE_SECRET);
	if (rc < 0 && cur.status == 404) {
		/* Gone since the cache saw it: create on the next pass. */
		fail_with(f, "fetch", "ErrUpdateFailed", "%s", ck_err_last()->msg);
		goto out;
	}
	if (rc < 0) {
		fail_with(f, "fetch", "ErrUpdateFailed", "%s", ck_err_last()->msg);
		goto out;
	}
	root = (struct ck_doc_node *)cur.obj;
	md = ck_ctl__put_map(cur.doc, root, "metadata");
	if (md == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	refs = ck_doc_map_get(md, "ownerReferences");
	for (i = 0; refs != NULL && refs->kind == CK_DOC_SEQ && i < refs->nkids; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(refs->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(r, "controller"), "true") &&
		    ck_doc_scalar_is(ck_doc_map_get(r, "uid"), ss_uid))
			controlled = 1;
	}
	managed = ck_doc_scalar_is(ck_doc_map_get(ck_doc_map_get(md, "annotations"),
	                                          CK_SEAL_ANNO_MANAGED), "true");
	patch = ck_doc_scalar_is(ck_doc_map_get(ck_doc_map_get(md, "annotations"),
	                                        CK_SEAL_ANNO_PATCH), "true");
	if (!controlled && !managed && !patch) {
		char msg[400];

		snprintf(msg, sizeof(msg), "Resource \"%s\" already exists and is not managed by "
		         "SealedSecret", name);
		fail_with(f, "unmanaged", "ErrUpdateFailed", "%s", msg);
		rc = ck_err_set(CK_EINVAL, "failed update: %s", msg);
		goto out;
	}
	/* Keep the original for the comparison. */
	orig = ck_doc_new(CK_DOC_SECURE);
	if (orig == NULL || ck_doc_add_root(orig, ck_doc_clone(orig, root)) < 0) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if (patch) {
		if ((rc = merge_field(cur.doc, root, "data", ck_doc_map_get(desired, "data"))) < 0 ||
		    (rc = merge_field(cur.doc, md, "labels", meta_of(desired, "labels"))) < 0 ||
		    (rc = merge_field(cur.doc, md, "annotations", meta_of(desired, "annotations"))) < 0 ||
		    (managed && (rc = replace_field(cur.doc, md, "ownerReferences",
		                                    meta_of(desired, "ownerReferences"))) < 0))
			goto out;
	} else if ((rc = replace_field(cur.doc, root, "data", ck_doc_map_get(desired, "data"))) < 0 ||
	           (rc = replace_field(cur.doc, md, "labels", meta_of(desired, "labels"))) < 0 ||
	           (rc = replace_field(cur.doc, md, "annotations",
	                               meta_of(desired, "annotations"))) < 0 ||
	           (rc = replace_field(cur.doc, md, "ownerReferences",
	                               meta_of(desired, "ownerReferences"))) < 0) {
		goto out;
	}
	{
		const char *t = ck_doc_map_get_str(desired, "type");

		if ((rc = ck_ctl__put_str(cur.doc, root, "type", t && *t ? t : "Opaque")) < 0)
			goto out;
	}
	rv = ck_kube_str(root, "metadata.resourceVersion");
	if (!secret_differs(orig->docs[0], root)) {
		snprintf(secret_rv, rvlen, "%s", rv ? rv : "");
		rc = CK_OK;
		goto out;
	}
	ck_doc_map_remove(md, "managedFields");
	if ((rc = ck_ctl__write_json(&body, root)) < 0)
		goto out;
	rc = ck_kube_request(w->conn, &resp, "PUT", ck_buf_cstr(&path), NULL, ck_buf_data(&body),
	                     ck_buf_len(&body), NULL, CK_KUBE_SECRET);
	if (rc < 0) {
		const char *m = ck_err_last()->msg;

		if (strstr(m, "field is immutable when `immutable` is set") != NULL) {
			char msg[NOTE_MAX];

			snprintf(msg, sizeof(msg), "Error updating %s/%s: the target Secret is immutable. "
			         "Sealed Secrets cannot update immutable Secrets. You can only delete and "
			         "recreate the Secret.", ns, name);
			fail_with(f, "update", "ErrUpdateFailed", "%s", msg);
			f->no_retry = 1;
		} else {
			fail_with(f, "update", "ErrUpdateFailed", "%s", m);
		}
		goto out;
	}
	rv = ck_kube_str(resp.obj, "metadata.resourceVersion");
	snprintf(secret_rv, rvlen, "%s", rv ? rv : "");
	*wrote = 1;
	ck_ctl_metrics_add(w->s->m, "cloak_controller_secret_writes_total", 1, "verb", "update",
	                   NULL);
out:
	ck_doc_free(orig);
	ck_kube_resp_dispose(&cur);
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&path);
	ck_buf_dispose(&body);
	return rc;
}

static void set_status_gen(struct ck_ctl_sealed *s, const char *key, int64_t gen)
{
	struct applied *la;

	pthread_mutex_lock(&s->la_lock);
	la = ck_ctl_map_get(s->applied, key);
	if (la != NULL)
		la->status_gen = gen;
	pthread_mutex_unlock(&s->la_lock);
}

static size_t count_items(const struct ck_seal_sealed *ss)
{
	return ss->encrypted_data ? ck_doc_map_len(ss->encrypted_data) : 1;
}

/* GET the SealedSecret; 1 found, 0 gone, < 0 error. */
static int ss_fetch(struct wctx *w, const char *ns, const char *name, struct ck_kube_resp *r)
{
	struct ck_buf path = CK_BUF_INIT;
	int rc;

	if ((rc = ck_buf_printf(&path, SS_API "/namespaces/%s/sealedsecrets/%s", ns, name)) < 0)
		goto out;
	rc = ck_kube_request(w->conn, r, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL, 0);
	if (rc < 0 && r->status == 404)
		rc = 0;
	else if (rc == CK_OK)
		rc = 1;
out:
	ck_buf_dispose(&path);
	return rc;
}

static void forget(struct ck_ctl_sealed *s, const char *key, const char *ns, const char *name)
{
	pthread_mutex_lock(&s->la_lock);
	ck_free(ck_ctl_map_del(s->applied, key));
	pthread_mutex_unlock(&s->la_lock);
	ck_ctl_metrics_delete_matching(s->m, CK_CTL_METRIC_PREFIX "condition_info", "namespace", ns,
	                               "name", name, NULL);
}

static enum result reconcile(struct wctx *w, const char *key, struct failure *f)
{
	struct ck_ctl_sealed *s = w->s;
	struct snap sn;
	struct secsnap sec;
	struct applied *la, cur_la;
	struct ck_kube_resp ssr = CK_KUBE_RESP_INIT;
	struct ck_doc *secdoc = NULL;
	struct ck_seal_sealed ss;
	struct ck_seal_unseal_opts uo;
	uint8_t digest[CK_SHA256_LEN];
	char ns[256], name[256], secret_rv[64] = "", uid[64] = "", instance[256] = "";
	int have_la = 0, rc, wrote = 0, synced = -1;
	int64_t generation = 0;
	enum result res = R_ERROR;

	memset(&sn, 0, sizeof(sn));
	memset(&sec, 0, sizeof(sec));
	memset(f, 0, sizeof(*f));
	ck_ctl__split_key(key, ns, sizeof(ns), name, sizeof(name));
	ck_ctl_informer_with(ss_informer_for(s, key), key, snap_cb, &sn);
	if (sn.present < 0) {
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if (!sn.present) {
		/* Deleted: garbage collection removes the Secret through its ownerReference. */
		forget(s, key, ns, name);
		res = R_SUCCESS;
		goto out;
	}
	ck_ctl_informer_with(sec_informer_for(s, key), key, secsnap_cb, &sec);
	pthread_mutex_lock(&s->la_lock);
	la = ck_ctl_map_get(s->applied, key);
	if (la != NULL) {
		cur_la = *la;
		have_la = 1;
	}
	pthread_mutex_unlock(&s->la_lock);

	/* Nothing moved since the last successful sync: no RSA work, no write. */
	if (have_la && sec.present && memcmp(cur_la.digest, sn.e.digest, CK_SHA256_LEN) == 0 &&
	    strcmp(cur_la.uid, sn.e.uid) == 0 && strcmp(cur_la.secret_rv, sec.rv) == 0) {
		/* Our own status write may not be in the cache yet: do not write it twice. */
		if (s->o.update_status && cur_la.status_gen != sn.e.generation &&
		    (sn.e.synced != 1 || sn.e.observed_gen != sn.e.generation)) {
			if ((rc = ss_fetch(w, ns, name, &ssr)) < 0)
				goto out;
			if (rc == 1 && (rc = write_status(w, ssr.doc, ns, name, 1, "")) < 0)
				goto out;
		}
		set_status_gen(s, key, sn.e.generation);
		condition_metric(s, ns, name, sn.e.instance, 1);
		res = R_SUCCESS;
		goto out;
	}

	/* Real work: read the object itself (the cache holds only a digest). */
	if ((rc = ss_fetch(w, ns, name, &ssr)) < 0) {
		fail_with(f, "fetch", "ErrUpdateFailed", "%s", ck_err_last()->msg);
		goto failed;
	}
	if (rc == 0) {
		forget(s, key, ns, name);
		res = R_SUCCESS;
		goto out;
	}
	snprintf(uid, sizeof(uid), "%s",
	         ck_kube_str(ssr.obj, "metadata.uid") ? ck_kube_str(ssr.obj, "metadata.uid") : "");
	snprintf(instance, sizeof(instance), "%s",
	         ck_doc_map_get_str(ck_doc_get_path(ssr.obj, "metadata.labels"),
	                            "app.kubernetes.io/instance") ?
	         ck_doc_map_get_str(ck_doc_get_path(ssr.obj, "metadata.labels"),
	                            "app.kubernetes.io/instance") : "");
	generation = ck_kube_int(ssr.obj, "metadata.generation", 0);
	synced = synced_of(ssr.obj);
	if ((rc = ss_digest(ssr.obj, uid, digest)) < 0)
		goto out;
	ck_ctl_metrics_add(s->m, CK_CTL_METRIC_PREFIX "unseal_requests_total", 1, NULL);
	if ((rc = ck_seal_sealed_read(&ss, ssr.obj, key)) < 0) {
		fail_with(f, "unseal", "ErrUnsealFailed", "Failed to unseal: %s", ck_err_last()->msg);
		goto failed;
	}
	if (ck_seal_keyring_count(w->kr) == 0) {
		rc = ck_err_set(CK_ENOKEY, "no key could decrypt secret (no sealing key loaded)");
		fail_with(f, "unseal", "ErrUnsealFailed", "Failed to unseal: %s", ck_err_last()->msg);
		goto failed;
	}
	memset(&uo, 0, sizeof(uo));
	uo.uid = uid;
	uo.refuse_v1_data = !s->o.accept_v1_data;
	rc = ck_seal_unseal(&secdoc, &ss, w->kr, &uo);
	if (rc < 0) {
		const char *m = ck_err_last()->msg;

		if (strncmp(m, "seal: ", 6) == 0)
			m += 6;
		fail_with(f, "unseal", "ErrUnsealFailed", "Failed to unseal: %s", m);
		goto failed;
	}
	ck_ctl_metrics_add(s->m, "cloak_controller_unsealed_values_total", (double)count_items(&ss),
	                   NULL);
	rc = apply_secret(w, ns, name, uid, secdoc->docs[0], sec.present, secret_rv,
	                  sizeof(secret_rv), &wrote, f);
	if (rc < 0)
		goto failed;
	/* Success: remember what we left, then status and event. */
	pthread_mutex_lock(&s->la_lock);
	la = ck_ctl_map_get(s->applied, key);
	if (la == NULL && (la = ck_calloc(1, sizeof(*la))) != NULL &&
	    ck_ctl_map_put(s->applied, key, la, NULL) < 0) {
		ck_free(la);
		la = NULL;
	}
	if (la != NULL) {
		la->status_gen = -1;
		memcpy(la->digest, digest, CK_SHA256_LEN);
		snprintf(la->uid, sizeof(la->uid), "%s", uid);
		snprintf(la->secret_rv, sizeof(la->secret_rv), "%s", secret_rv);
	}
	pthread_mutex_unlock(&s->la_lock);
	if (wrote || synced != 1)
		event(w, ns, name, uid, "Normal", "Unsealed", "SealedSecret unsealed successfully");
	condition_metric(s, ns, name, instance, 1);
	if ((rc = write_status(w, ssr.doc, ns, name, 1, "")) < 0)
		goto out;
	set_status_gen(s, key, generation);
	res = R_SUCCESS;
	goto out;
failed:
	ck_log_warn("controller: %s: %s", key, f->note[0] ? f->note : ck_err_last()->msg);
	if (!f->reason[0])
		fail_with(f, "update", "ErrUpdateFailed", "%s", ck_err_last()->msg);
	ck_ctl_metrics_add(s->m, CK_CTL_METRIC_PREFIX "unseal_errors_total", 1, "reason", f->reason,
	                   "namespace", ns, NULL);
	event(w, ns, name, uid[0] ? uid : sn.e.uid, "Warning", f->event_reason, f->note);
	condition_metric(s, ns, name, instance[0] ? instance : sn.e.instance, 0);
	if (ssr.doc != NULL) {
		char msg[NOTE_MAX + 32];
		static const char prefix[] = "Failed to unseal: ";

		/* The status message: upstream's error text (update failures say so). */
		if (strcmp(f->reason, "unseal") == 0 && strncmp(f->note, prefix, strlen(prefix)) == 0)
			snprintf(msg, sizeof(msg), "%s", f->note + strlen(prefix));
		else if (strcmp(f->reason, "unmanaged") == 0)
			snprintf(msg, sizeof(msg), "failed update: %s", f->note);
		else
			snprintf(msg, sizeof(msg), "%s", f->note);
		if (write_status(w, ssr.doc, ns, name, 0, msg) < 0)
			ck_log_warn("controller: %s: status not written: %s", key, ck_err_last()->msg);
	}
	res = R_ERROR;
out:
	ck_kube_resp_dispose(&ssr);
	ck_doc_free(secdoc);
	snap_dispose(&sn);
	return res;
}

/* --------------------------------------------------------------- workers */

static void *work(void *p)
{
	struct ck_ctl_sealed *s = p;
	struct wctx w;
	char *key;

	memset(&w, 0, sizeof(w));
	w.s = s;
	while (ck_kube_conn_new(&w.conn, s->kube) < 0) {
		ck_log_error("controller: worker: %s", ck_err_last()->msg);
		ck_ctl_sleep_ms(1000);
	}
	while (ck_ctl_queue_get(s->queue, &key, -1) == 1) {
		struct failure f;
		enum result r;
		int64_t t0 = ck_ctl_now_ms();
		const char *label;

		if (w.kr == NULL || w.kr_version != ck_ctl_keys_version(s->keys)) {
			ck_seal_keyring_free(w.kr);
			w.kr = NULL;
			if (ck_ctl_keys_keyring(s->keys, &w.kr, &w.kr_version) < 0) {
				ck_log_error("controller: %s", ck_err_last()->msg);
				ck_ctl_queue_add_rate_limited(s->queue, key);
				ck_ctl_queue_done(s->queue, key);
				ck_free(key);
				continue;
			}
		}
		ck_err_clear();
		r = reconcile(&w, key, &f);
		label = r == R_SUCCESS ? "success" : "error";
		ck_ctl_metrics_add(s->m, "controller_runtime_reconcile_total", 1, "controller",
		                   CONTROLLER, "result", label, NULL);
		ck_ctl_metrics_observe(s->m, "controller_runtime_reconcile_time_seconds",
		                       (double)(ck_ctl_now_ms() - t0) / 1000.0, "controller",
		                       CONTROLLER, NULL);
		if (r == R_SUCCESS) {
			ck_ctl_queue_forget(s->queue, key);
		} else {
			ck_ctl_metrics_add(s->m, "controller_runtime_reconcile_errors_total", 1,
			                   "controller", CONTROLLER, NULL);
			if (!f.no_retry && ck_ctl_queue_failures(s->queue, key) < s->o.max_retries) {
				ck_ctl_queue_add_rate_limited(s->queue, key);
			} else {
				ck_log_warn("controller: %s: giving up after %d retries", key,
				            ck_ctl_queue_failures(s->queue, key));
				ck_ctl_queue_forget(s->queue, key);
			}
		}
		ck_ctl_queue_done(s->queue, key);
		ck_free(key);
	}
	ck_seal_keyring_free(w.kr);
	ck_kube_conn_free(w.conn);
	return NULL;
}

int ck_ctl_sealed_start_informers(struct ck_ctl_sealed *s)
{
	size_t i;
	int rc;

	for (i = 0; i < s->ninf; i++)
		if ((rc = ck_ctl_informer_start(s->sec_inf[i])) < 0 ||
		    (rc = ck_ctl_informer_start(s->ss_inf[i])) < 0)
			return rc;
	return CK_OK;
}

int ck_ctl_sealed_start_workers(struct ck_ctl_sealed *s)
{
	int rc;

	if (s->workers.threads != NULL)
		return CK_OK;
	if ((rc = ck_ctl__workers_start(&s->workers, s->o.workers, work, s)) < 0)
		return rc;
	/* Everything already cached is due once. */
	ck_ctl_sealed_resync(s);
	return CK_OK;
}

void ck_ctl_sealed_free(struct ck_ctl_sealed *s)
{
	size_t i, pos = 0;
	void *v;

	if (s == NULL)
		return;
	if (s->queue != NULL)
		ck_ctl_queue_shutdown(s->queue);
	ck_ctl__workers_join(&s->workers);
	for (i = 0; i < MAX_INFORMERS; i++) {
		ck_ctl_informer_free(s->ss_inf[i]);
		ck_ctl_informer_free(s->sec_inf[i]);
	}
	ck_ctl_queue_free(s->queue);
	if (s->applied != NULL) {
		while (ck_ctl_map_next(s->applied, &pos, &v) != NULL)
			ck_free(v);
		ck_ctl_map_free(s->applied);
	}
	ck_free(s->instance);
	ck_free(s->lsel);
	pthread_mutex_destroy(&s->la_lock);
	ck_free(s);
}

int ck_ctl_sealed_synced(struct ck_ctl_sealed *s)
{
	size_t i;

	for (i = 0; i < s->ninf; i++)
		if (!ck_ctl_informer_synced(s->ss_inf[i]) || !ck_ctl_informer_synced(s->sec_inf[i]))
			return 0;
	return 1;
}

void ck_ctl_sealed_resync(struct ck_ctl_sealed *s)
{
	size_t i;

	for (i = 0; i < s->ninf; i++)
		ck_ctl_informer_resync(s->ss_inf[i]);
}

size_t ck_ctl_sealed_pending(struct ck_ctl_sealed *s)
{
	return ck_ctl_queue_pending(s->queue);
}

void ck_ctl_sealed_informer_stats(struct ck_ctl_sealed *s, struct ck_ctl_informer_stats *out)
{
	struct ck_ctl_informer_stats st;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < s->ninf; i++) {
		for (j = 0; j < 2; j++) {
			ck_ctl_informer_stats(j ? s->sec_inf[i] : s->ss_inf[i], &st);
			out->lists += st.lists;
			out->relists += st.relists;
			out->watches += st.watches;
			out->bookmarks += st.bookmarks;
			out->events += st.events;
			out->failures += st.failures;
		}
	}
}
