/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ExternalSecret reconciler (ck/ctl_ext.h): informers for
 * ExternalSecrets, SecretStores, ClusterSecretStores and the Secrets they
 * manage, the refresh schedule, the sync (render through ck/ext.h with the
 * store clients of ext_store.c), the Secret write and the status.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_ext.h"
#include "ck/ctl_map.h"
#include "ck/ctl_queue.h"
#include "ck/enc.h"
#include "ck/ext.h"
#include "ck/hash.h"
#include "ck/log.h"
#include "ck/secret.h"
#include "ctl_int.h"
#include "ext_ctl_int.h"
#include "recon_int.h"

#define CONTROLLER "externalsecret"
#define REPORTING "cloak.dev/external-secrets"
#define GROUP "external-secrets.io"
#define MAX_NS 64
#define LABEL_MANAGED "reconcile.external-secrets.io/managed"
#define ANNOT_HASH "reconcile.external-secrets.io/data-hash"
#define ANNOT_KEYS "externalsecrets.cloak.dev/managed-keys"
#define STORE_KEY "store:"
#define MSG_MAX 900

/* ------------------------------------------------------------ caches */

/* What the ExternalSecret informer keeps. */
struct es_entry {
	char *uid;
	int64_t generation;
	char meta_hash[57];   /* labels and annotations */
	char *target;         /* "ns/secret" */
	char *stores;         /* "N/ns/name\n" or "C//name\n" per store used */
	char *json;           /* the object (status kept), compact */
};

/* A SecretStore / ClusterSecretStore. */
struct st_entry {
	char *rv;             /* "uid/generation": what the store's clients are built from */
	char *klass;          /* spec.controller ("" when unset) */
	char *json;           /* without status */
	int ready;            /* Ready condition: 1 True, 0 False, -1 none */
	char *ready_msg;
};

/* A Secret (metadata only, managed label). */
struct sec_entry {
	char *owner;          /* name of the controlling ExternalSecret, or NULL */
	char *owner_uid;
};

/* What the last sync of an ExternalSecret left. */
struct es_state {
	char uid[64];
	char secret_rv[64];       /* the Secret as we left or checked it ("": unknown) */
	uint8_t digest[CK_SHA256_LEN]; /* of the Secret we wanted */
	int have_digest;
	int failed;               /* the last attempt failed */
	char fail_msg[MSG_MAX];
	int64_t synced_us;        /* start of the last successful sync */
	int periodic;             /* that sync was a periodic refresh (on the grid) */
	char synced_rv[128];      /* syncedResourceVersion written */
};

struct ck_ctl_ext {
	struct ck_kube *kube;
	struct ck_ctl_metrics *m;
	struct ck_ctl_ext_opts o;
	char *instance, *klass;
	char version[16];
	char api_version[48];       /* external-secrets.io/<version> */
	const char *nslist[MAX_NS + 1];
	char *nscopy[MAX_NS];
	size_t nns;                 /* 0: all namespaces */
	struct ck_ctl_queue *queue;
	struct ck_ctl_informer *es_inf[MAX_NS];
	struct ck_ctl_informer *ss_inf[MAX_NS];
	struct ck_ctl_informer *sec_inf[MAX_NS];
	struct ck_ctl_informer *css_inf;
	size_t ninf;
	struct ck_ctl__xstores *stores;
	pthread_mutex_t lock;       /* state and targets */
	struct ck_ctl_map *state;   /* ES key -> struct es_state */
	struct ck_ctl_map *targets; /* "ns/secret" -> ES key (strdup) */
	struct ck_ctl__workers workers;
	atomic_int inflight;
	atomic_size_t n_syncs, n_errors, n_writes, n_status, n_skipped;
};

static char *sdup(const char *s)
{
	return ck_strdup(s ? s : "");
}

static void meta_hash(char out[57], const struct ck_doc_node *obj)
{
	struct ck_buf b = CK_BUF_INIT;
	const struct ck_doc_node *md = ck_doc_map_get(obj, "metadata");

	/* compact JSON keeps map order as the API server sends it (sorted) */
	if (ck_buf_puts(&b, "l") < 0 || ck_ctl__write_json(&b, ck_doc_map_get(md, "labels")) < 0 ||
	    ck_buf_puts(&b, "a") < 0 || ck_ctl__write_json(&b, ck_doc_map_get(md, "annotations")) < 0 ||
	    ck_ext_object_hash(out, ck_buf_data(&b), ck_buf_len(&b)) < 0)
		snprintf(out, 57, "%s", "x");
	ck_buf_dispose(&b);
}

static void es_drop(void *arg, void *e)
{
	struct es_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
	ck_free(x->uid);
	ck_free(x->target);
	ck_free(x->stores);
	ck_free(x->json);
	ck_free(x);
}

static int add_store_ref(struct ck_buf *b, const struct ck_doc_node *ref, const char *ns)
{
	const char *name = ck_doc_map_get_str(ref, "name");
	const char *kind = ck_doc_map_get_str(ref, "kind");
	int cluster = kind != NULL && strcmp(kind, "ClusterSecretStore") == 0;
	char line[600];

	if (name == NULL)
		return CK_OK;
	snprintf(line, sizeof(line), "%s/%s/%s\n", cluster ? "C" : "N", cluster ? "" : ns, name);
	if (strstr(ck_buf_cstr(b), line) != NULL)
		return CK_OK;
	return ck_buf_puts(b, line);
}

static void *es_make(void *arg, const struct ck_doc_node *obj)
{
	struct es_entry *e = ck_calloc(1, sizeof(*e));
	const struct ck_doc_node *spec = ck_doc_map_get(obj, "spec"), *l;
	const char *ns = ck_kube_str(obj, "metadata.namespace");
	const char *name = ck_kube_str(obj, "metadata.name");
	const char *tname = ck_kube_str(obj, "spec.target.name");
	struct ck_buf b = CK_BUF_INIT;
	size_t i, k;

	(void)arg;
	if (e == NULL || ns == NULL || name == NULL)
		goto fail;
	e->uid = sdup(ck_kube_str(obj, "metadata.uid"));
	e->generation = ck_kube_int(obj, "metadata.generation", 0);
	meta_hash(e->meta_hash, obj);
	if (ck_buf_printf(&b, "%s/%s", ns, tname && *tname ? tname : name) < 0 ||
	    (e->target = ck_strdup(ck_buf_cstr(&b))) == NULL)
		goto fail;
	ck_buf_reset(&b);
	if (ck_buf_puts(&b, "") < 0 ||
	    add_store_ref(&b, ck_doc_map_get(spec, "secretStoreRef"), ns) < 0)
		goto fail;
	for (k = 0; k < 2; k++) {
		l = ck_doc_map_get(spec, k ? "dataFrom" : "data");
		for (i = 0; l != NULL && l->kind == CK_DOC_SEQ && i < l->nkids; i++) {
			const struct ck_doc_node *sr = ck_doc_get_path(ck_doc_resolve(l->kids[i]),
			                                               "sourceRef.storeRef");

			if (sr != NULL && add_store_ref(&b, sr, ns) < 0)
				goto fail;
		}
	}
	if ((e->stores = ck_strdup(ck_buf_cstr(&b))) == NULL || e->uid == NULL ||
	    ck_ctl__object_json(&e->json, obj, 0) < 0)
		goto fail;
	ck_buf_dispose(&b);
	return e;
fail:
	ck_buf_dispose(&b);
	es_drop(NULL, e);
	return NULL;
}

static void st_drop(void *arg, void *e)
{
	struct st_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
	ck_free(x->rv);
	ck_free(x->klass);
	ck_free(x->json);
	ck_free(x->ready_msg);
	ck_free(x);
}

static void *st_make(void *arg, const struct ck_doc_node *obj)
{
	struct st_entry *e = ck_calloc(1, sizeof(*e));
	const struct ck_doc_node *rc;

	(void)arg;
	if (e == NULL)
		return NULL;
	{
		char v[200];

		/* status writes move the resourceVersion, not the generation */
		snprintf(v, sizeof(v), "%s/%lld",
		         ck_kube_str(obj, "metadata.uid") ? ck_kube_str(obj, "metadata.uid") : "",
		         (long long)ck_kube_int(obj, "metadata.generation", 0));
		e->rv = sdup(v);
	}
	e->klass = sdup(ck_kube_str(obj, "spec.controller"));
	rc = ck_ctl__condition_get(obj, "Ready");
	e->ready = rc == NULL ? -1 : ck_doc_scalar_is(ck_doc_map_get(rc, "status"), "True");
	e->ready_msg = sdup(rc ? ck_doc_map_get_str(rc, "message") : "");
	if (e->rv == NULL || e->klass == NULL || e->ready_msg == NULL ||
	    ck_ctl__object_json(&e->json, obj, 1) < 0) {
		st_drop(NULL, e);
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
	ck_free(x->owner);
	ck_free(x->owner_uid);
	ck_free(x);
}

static void *sec_make(void *arg, const struct ck_doc_node *obj)
{
	struct sec_entry *e = ck_calloc(1, sizeof(*e));
	const struct ck_doc_node *refs = ck_doc_get_path(obj, "metadata.ownerReferences");
	size_t i;

	(void)arg;
	if (e == NULL)
		return NULL;
	for (i = 0; refs != NULL && refs->kind == CK_DOC_SEQ && i < refs->nkids; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(refs->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(r, "controller"), "true") &&
		    ck_doc_scalar_is(ck_doc_map_get(r, "kind"), "ExternalSecret")) {
			ck_free(e->owner);
			ck_free(e->owner_uid);
			e->owner = sdup(ck_doc_map_get_str(r, "name"));
			e->owner_uid = sdup(ck_doc_map_get_str(r, "uid"));
		}
	}
	return e;
}

/* ------------------------------------------------------- change hooks */

static size_t ns_index(struct ck_ctl_ext *x, const char *ns, size_t nl)
{
	size_t i;

	for (i = 0; i < x->nns; i++)
		if (strlen(x->nslist[i]) == nl && strncmp(x->nslist[i], ns, nl) == 0)
			return i;
	return 0;
}

static struct ck_ctl_informer *es_informer_for(struct ck_ctl_ext *x, const char *key)
{
	const char *slash = strchr(key, '/');

	return x->es_inf[slash && x->nns ? ns_index(x, key, (size_t)(slash - key)) : 0];
}

static struct ck_ctl_informer *sec_informer_for(struct ck_ctl_ext *x, const char *key)
{
	const char *slash = strchr(key, '/');

	return x->sec_inf[slash && x->nns ? ns_index(x, key, (size_t)(slash - key)) : 0];
}

static void es_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                       const void *n)
{
	struct ck_ctl_ext *x = arg;
	const struct es_entry *a = o, *b = n;

	/* our own status writes change neither generation nor metadata */
	if (what == CK_CTL_UPDATED && a != NULL && b != NULL && a->generation == b->generation &&
	    strcmp(a->meta_hash, b->meta_hash) == 0 && strcmp(a->uid, b->uid) == 0)
		return;
	if (what == CK_CTL_DELETED && a != NULL && a->target != NULL) {
		char *old;

		pthread_mutex_lock(&x->lock);
		old = ck_ctl_map_get(x->targets, a->target);
		if (old != NULL && strcmp(old, key) == 0)
			ck_free(ck_ctl_map_del(x->targets, a->target));
		pthread_mutex_unlock(&x->lock);
	}
	if (b != NULL && b->target != NULL) {
		char *k = ck_strdup(key), *old = NULL;

		pthread_mutex_lock(&x->lock);
		if (k != NULL && ck_ctl_map_put(x->targets, b->target, k, (void **)&old) < 0)
			ck_free(k);
		pthread_mutex_unlock(&x->lock);
		ck_free(old);
	}
	if (x->queue != NULL)
		ck_ctl_queue_add(x->queue, key);
}

struct store_match {
	struct ck_ctl_ext *x;
	char line[600];
};

static void queue_users(void *arg, const char *key, const void *entry)
{
	struct store_match *sm = arg;
	const struct es_entry *e = entry;

	if (e != NULL && e->stores != NULL && strstr(e->stores, sm->line) != NULL)
		ck_ctl_queue_add(sm->x->queue, key);
}

static void store_changed(struct ck_ctl_ext *x, int cluster, enum ck_ctl_change what,
                          const char *key, const struct st_entry *a, const struct st_entry *b)
{
	struct store_match sm;
	char ns[256], name[256], qk[600];
	size_t i;

	ck_ctl__split_key(key, ns, sizeof(ns), name, sizeof(name));
	/* status-only updates (ours) change no store content */
	if (what == CK_CTL_UPDATED && a != NULL && b != NULL && strcmp(a->rv, b->rv) == 0 &&
	    strcmp(a->klass, b->klass) == 0)
		return;
	if (what == CK_CTL_RESYNC && b != NULL) {
		snprintf(qk, sizeof(qk), STORE_KEY "%s/%s/%s", cluster ? "C" : "N", cluster ? "" : ns,
		         name);
		if (x->queue != NULL)
			ck_ctl_queue_add(x->queue, qk);
		return;
	}
	ck_ctl__xstores_invalidate(x->stores, cluster, ns, name);
	if (x->queue == NULL)
		return;
	snprintf(qk, sizeof(qk), STORE_KEY "%s/%s/%s", cluster ? "C" : "N", cluster ? "" : ns, name);
	ck_ctl_queue_add(x->queue, qk);
	sm.x = x;
	snprintf(sm.line, sizeof(sm.line), "%s/%s/%s\n", cluster ? "C" : "N", cluster ? "" : ns, name);
	for (i = 0; i < x->ninf; i++)
		if (cluster || x->nns == 0 || strcmp(x->nslist[i], ns) == 0)
			ck_ctl_informer_each(x->es_inf[i], queue_users, &sm);
}

static void ss_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                       const void *n)
{
	store_changed(arg, 0, what, key, o, n);
}

static void css_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                        const void *n)
{
	store_changed(arg, 1, what, key, o, n);
}

static void sec_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                        const void *n)
{
	struct ck_ctl_ext *x = arg;
	const struct sec_entry *e = n ? n : o;
	char ns[256], name[256], qk[600];
	char *es = NULL;

	if (what == CK_CTL_RESYNC || x->queue == NULL)
		return;
	ck_ctl__split_key(key, ns, sizeof(ns), name, sizeof(name));
	if (e != NULL && e->owner != NULL && *e->owner) {
		snprintf(qk, sizeof(qk), "%s/%s", ns, e->owner);
		ck_ctl_queue_add(x->queue, qk);
	}
	pthread_mutex_lock(&x->lock);
	es = ck_ctl_map_get(x->targets, key);
	if (es != NULL)
		es = ck_strdup(es);
	pthread_mutex_unlock(&x->lock);
	if (es != NULL)
		ck_ctl_queue_add(x->queue, es);
	ck_free(es);
}

/* ----------------------------------------------------------- construction */

static int define_metrics(struct ck_ctl_metrics *m)
{
	int rc;

	if ((rc = ck_ctl_metrics_define(m, "externalsecret_sync_calls_total", CK_CTL_COUNTER,
	                                "Total number of the External Secret sync calls", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "externalsecret_sync_calls_error", CK_CTL_COUNTER,
	                                "Total number of the External Secret sync errors", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "externalsecret_status_condition", CK_CTL_GAUGE,
	                                "The status condition of a specific External Secret", NULL,
	                                0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "controller_runtime_reconcile_total", CK_CTL_COUNTER,
	                                "Total number of reconciliations per controller", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "controller_runtime_reconcile_errors_total",
	                                CK_CTL_COUNTER, "Total number of reconciliation errors per "
	                                "controller", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "controller_runtime_reconcile_time_seconds",
	                                CK_CTL_HISTOGRAM, "Length of time per reconciliation per "
	                                "controller", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(m, "cloak_controller_secret_writes_total", CK_CTL_COUNTER,
	                                "Secrets created or updated, by verb", NULL, 0)) < 0)
		return rc;
	ck_ctl_metrics_add(m, "controller_runtime_reconcile_errors_total", 0, "controller",
	                   CONTROLLER, NULL);
	return CK_OK;
}

/* Which external-secrets.io version the API server serves (v1 preferred). */
static int discover_version(struct ck_ctl_ext *x)
{
	struct ck_kube_conn *c = NULL;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *vs;
	int rc, v1 = 0, v1b1 = 0;
	size_t i;

	if ((rc = ck_kube_conn_new(&c, x->kube)) < 0)
		return rc;
	rc = ck_kube_request(c, &r, "GET", "/apis/" GROUP, NULL, NULL, 0, NULL, 0);
	if (rc < 0) {
		if (r.status == 404)
			rc = ck_err_set(CK_ENOTFOUND, "controller: the API server serves no %s resources "
			                "(install deploy/crd-externalsecrets.yaml or ESO's CRDs)", GROUP);
		goto out;
	}
	vs = ck_doc_map_get(r.obj, "versions");
	for (i = 0; vs != NULL && vs->kind == CK_DOC_SEQ && i < vs->nkids; i++) {
		const char *v = ck_doc_map_get_str(ck_doc_resolve(vs->kids[i]), "version");

		v1 |= v != NULL && strcmp(v, "v1") == 0;
		v1b1 |= v != NULL && strcmp(v, "v1beta1") == 0;
	}
	if (!v1 && !v1b1) {
		rc = ck_err_set(CK_ENOTFOUND, "controller: %s serves neither v1 nor v1beta1", GROUP);
		goto out;
	}
	snprintf(x->version, sizeof(x->version), "%s", v1 ? "v1" : "v1beta1");
	rc = CK_OK;
out:
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	return rc;
}

static int make_informers(struct ck_ctl_ext *x)
{
	struct ck_buf path = CK_BUF_INIT;
	size_t i;
	int rc = CK_OK;

	x->ninf = x->nns ? x->nns : 1;
	for (i = 0; i < x->ninf && rc >= 0; i++) {
		struct ck_ctl_informer_opts io;
		const char *ns = x->nns ? x->nslist[i] : NULL;

		memset(&io, 0, sizeof(io));
		io.watch_min_s = x->o.watch_min_s;
		io.watch_max_s = x->o.watch_max_s;
		io.arg = x;
		ck_buf_reset(&path);
		rc = ns ? ck_buf_printf(&path, "/apis/" GROUP "/%s/namespaces/%s/externalsecrets",
		                        x->version, ns)
		        : ck_buf_printf(&path, "/apis/" GROUP "/%s/externalsecrets", x->version);
		if (rc < 0)
			break;
		io.name = "externalsecrets";
		io.path = ck_buf_cstr(&path);
		io.make = es_make;
		io.drop = es_drop;
		io.on_change = es_changed;
		if ((rc = ck_ctl_informer_new(&x->es_inf[i], x->kube, &io)) < 0)
			break;
		ck_buf_reset(&path);
		rc = ns ? ck_buf_printf(&path, "/apis/" GROUP "/%s/namespaces/%s/secretstores",
		                        x->version, ns)
		        : ck_buf_printf(&path, "/apis/" GROUP "/%s/secretstores", x->version);
		if (rc < 0)
			break;
		io.name = "secretstores";
		io.path = ck_buf_cstr(&path);
		io.make = st_make;
		io.drop = st_drop;
		io.on_change = ss_changed;
		if ((rc = ck_ctl_informer_new(&x->ss_inf[i], x->kube, &io)) < 0)
			break;
		ck_buf_reset(&path);
		rc = ns ? ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", ns)
		        : ck_buf_puts(&path, "/api/v1/secrets");
		if (rc < 0)
			break;
		io.name = "externalsecret-targets";
		io.path = ck_buf_cstr(&path);
		io.label_selector = LABEL_MANAGED "=true";
		io.flags = CK_KUBE_METADATA;
		io.make = sec_make;
		io.drop = sec_drop;
		io.on_change = sec_changed;
		rc = ck_ctl_informer_new(&x->sec_inf[i], x->kube, &io);
	}
	if (rc >= 0) {
		struct ck_ctl_informer_opts io;

		memset(&io, 0, sizeof(io));
		io.watch_min_s = x->o.watch_min_s;
		io.watch_max_s = x->o.watch_max_s;
		io.arg = x;
		ck_buf_reset(&path);
		if ((rc = ck_buf_printf(&path, "/apis/" GROUP "/%s/clustersecretstores", x->version)) >= 0) {
			io.name = "clustersecretstores";
			io.path = ck_buf_cstr(&path);
			io.make = st_make;
			io.drop = st_drop;
			io.on_change = css_changed;
			rc = ck_ctl_informer_new(&x->css_inf, x->kube, &io);
		}
	}
	ck_buf_dispose(&path);
	return rc;
}

int ck_ctl_ext_new(struct ck_ctl_ext **out, struct ck_kube *kube, struct ck_ctl_metrics *metrics,
                   const struct ck_ctl_ext_opts *opts)
{
	struct ck_ctl_ext *x = ck_calloc(1, sizeof(*x));
	struct ck_ctl_ratelimit_opts rl;
	struct ck_ctl__xstores_opts so;
	int rc = CK_ENOMEM;

	*out = NULL;
	if (x == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	pthread_mutex_init(&x->lock, NULL);
	x->kube = kube;
	x->m = metrics;
	x->o = *opts;
	if (x->o.workers <= 0)
		x->o.workers = 2;
	if (x->o.max_window_ms <= 0)
		x->o.max_window_ms = 30000;
	x->instance = ck_strdup(opts->instance ? opts->instance : "cloak-controller");
	x->klass = ck_strdup(opts->controller_class && *opts->controller_class ?
	                     opts->controller_class : "default");
	x->state = ck_ctl_map_new();
	x->targets = ck_ctl_map_new();
	if (x->instance == NULL || x->klass == NULL || x->state == NULL || x->targets == NULL)
		goto oom;
	while (opts->namespaces && opts->namespaces[x->nns]) {
		if (x->nns == MAX_NS) {
			rc = ck_err_set(CK_EUSAGE, "controller: at most %d namespaces", MAX_NS);
			goto out;
		}
		if ((x->nscopy[x->nns] = ck_strdup(opts->namespaces[x->nns])) == NULL)
			goto oom;
		x->nslist[x->nns] = x->nscopy[x->nns];
		x->nns++;
	}
	x->o.namespaces = NULL;
	if (opts->api_version != NULL && *opts->api_version) {
		snprintf(x->version, sizeof(x->version), "%s", opts->api_version);
	} else if ((rc = discover_version(x)) < 0) {
		goto out;
	}
	snprintf(x->api_version, sizeof(x->api_version), GROUP "/%s", x->version);
	memset(&rl, 0, sizeof(rl));
	rl.base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 1000;
	rl.max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 300000;
	memset(&so, 0, sizeof(so));
	so.sa_token_file = opts->sa_token_file;
	so.rebuild_ms = opts->client_rebuild_ms;
	so.vault_max_retries = opts->vault_max_retries;
	if ((rc = define_metrics(metrics)) < 0 ||
	    (rc = ck_ctl_queue_new(&x->queue, CONTROLLER, &rl, metrics)) < 0 ||
	    (rc = ck_ctl__xstores_new(&x->stores, &so)) < 0 || (rc = make_informers(x)) < 0)
		goto out;
	*out = x;
	x = NULL; /* transferred */
	rc = CK_OK;
	goto out;
oom:
	rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
out:
	ck_ctl_ext_free(x);
	return rc;
}

int ck_ctl_ext_start_informers(struct ck_ctl_ext *x)
{
	size_t i;
	int rc;

	if ((rc = ck_ctl_informer_start(x->css_inf)) < 0)
		return rc;
	for (i = 0; i < x->ninf; i++)
		if ((rc = ck_ctl_informer_start(x->ss_inf[i])) < 0 ||
		    (rc = ck_ctl_informer_start(x->sec_inf[i])) < 0 ||
		    (rc = ck_ctl_informer_start(x->es_inf[i])) < 0)
			return rc;
	return CK_OK;
}

int ck_ctl_ext_synced(struct ck_ctl_ext *x)
{
	size_t i;

	if (!ck_ctl_informer_synced(x->css_inf))
		return 0;
	for (i = 0; i < x->ninf; i++)
		if (!ck_ctl_informer_synced(x->es_inf[i]) || !ck_ctl_informer_synced(x->ss_inf[i]) ||
		    !ck_ctl_informer_synced(x->sec_inf[i]))
			return 0;
	return 1;
}

void ck_ctl_ext_resync(struct ck_ctl_ext *x)
{
	size_t i;

	ck_ctl_informer_resync(x->css_inf);
	for (i = 0; i < x->ninf; i++) {
		ck_ctl_informer_resync(x->ss_inf[i]);
		ck_ctl_informer_resync(x->es_inf[i]);
	}
}

size_t ck_ctl_ext_busy(struct ck_ctl_ext *x)
{
	return ck_ctl_queue_len(x->queue) + (size_t)atomic_load(&x->inflight);
}

void ck_ctl_ext_stats(struct ck_ctl_ext *x, struct ck_ctl_ext_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->syncs = atomic_load(&x->n_syncs);
	out->sync_errors = atomic_load(&x->n_errors);
	out->secret_writes = atomic_load(&x->n_writes);
	out->status_writes = atomic_load(&x->n_status);
	out->skipped = atomic_load(&x->n_skipped);
	out->provider_requests = ck_ctl__xstores_requests(x->stores);
	out->clients = ck_ctl__xstores_clients(x->stores);
}

/* ------------------------------------------------------------- snapshots */

struct es_snap {
	int present;
	struct es_entry e;
};

static void es_snap_cb(void *arg, const char *rv, const void *entry)
{
	struct es_snap *s = arg;
	const struct es_entry *e = entry;

	(void)rv;
	if (e == NULL)
		return;
	s->present = 1;
	s->e = *e;
	s->e.uid = ck_strdup(e->uid);
	s->e.target = ck_strdup(e->target);
	s->e.stores = ck_strdup(e->stores);
	s->e.json = ck_strdup(e->json);
	if (!s->e.uid || !s->e.target || !s->e.stores || !s->e.json)
		s->present = -1;
}

static void es_snap_dispose(struct es_snap *s)
{
	ck_free(s->e.uid);
	ck_free(s->e.target);
	ck_free(s->e.stores);
	ck_free(s->e.json);
	memset(s, 0, sizeof(*s));
}

struct st_snap {
	int present;
	char rv[64];
	char *klass;
	char *json;
	int ready;
	char *ready_msg;
};

static void st_snap_cb(void *arg, const char *rv, const void *entry)
{
	struct st_snap *s = arg;
	const struct st_entry *e = entry;

	(void)rv;
	if (e == NULL)
		return;
	s->present = 1;
	snprintf(s->rv, sizeof(s->rv), "%s", e->rv);
	s->klass = ck_strdup(e->klass);
	s->json = ck_strdup(e->json);
	s->ready = e->ready;
	s->ready_msg = ck_strdup(e->ready_msg);
	if (!s->klass || !s->json || !s->ready_msg)
		s->present = -1;
}

static void st_snap_dispose(struct st_snap *s)
{
	ck_free(s->klass);
	ck_free(s->json);
	ck_free(s->ready_msg);
	memset(s, 0, sizeof(*s));
}

static struct ck_ctl_informer *ss_informer_ns(struct ck_ctl_ext *x, const char *ns)
{
	return x->ss_inf[x->nns ? ns_index(x, ns, strlen(ns)) : 0];
}

/* A store by kind, namespace and name. */
static void store_snap(struct ck_ctl_ext *x, int cluster, const char *ns, const char *name,
                       struct st_snap *out)
{
	char key[600];

	memset(out, 0, sizeof(*out));
	if (cluster) {
		ck_ctl_informer_with(x->css_inf, name, st_snap_cb, out);
	} else {
		snprintf(key, sizeof(key), "%s/%s", ns, name);
		ck_ctl_informer_with(ss_informer_ns(x, ns), key, st_snap_cb, out);
	}
}

struct sec_snap {
	int present;
	char rv[64];
	char owner_uid[64];
};

static void sec_snap_cb(void *arg, const char *rv, const void *entry)
{
	struct sec_snap *s = arg;
	const struct sec_entry *e = entry;

	if (e == NULL)
		return;
	s->present = 1;
	snprintf(s->rv, sizeof(s->rv), "%s", rv ? rv : "");
	snprintf(s->owner_uid, sizeof(s->owner_uid), "%s", e->owner_uid ? e->owner_uid : "");
}

/* 1 when the class of a store is ours (an empty class belongs to "default"). */
static int our_class(struct ck_ctl_ext *x, const char *klass)
{
	if (klass == NULL || *klass == '\0')
		return strcmp(x->klass, "default") == 0;
	return strcmp(klass, x->klass) == 0;
}

/* ------------------------------------------------------------- schedule */

static uint64_t hash64(const char *a, const char *b, int64_t n)
{
	uint8_t h[CK_SHA256_LEN];
	struct ck_hash *hs = ck_hash_new(CK_SHA256);
	uint64_t v = 0;
	size_t i;

	if (hs == NULL)
		return 0;
	ck_hash_update(hs, a, strlen(a) + 1);
	ck_hash_update(hs, b, strlen(b) + 1);
	ck_hash_update(hs, &n, sizeof(n));
	ck_hash_final(hs, h);
	ck_hash_free(hs);
	for (i = 0; i < 8; i++)
		v = v << 8 | h[i];
	return v;
}

/* The jitter window of an interval: a tenth of it, at most max_window. */
static int64_t window_of(struct ck_ctl_ext *x, int64_t interval_ms)
{
	int64_t j = interval_ms / 10;

	if (interval_ms <= 0 || j > x->o.max_window_ms)
		j = x->o.max_window_ms;
	return j < 1 ? 1 : j;
}

/*
 * The next periodic sync after last_us, never before last + interval. The
 * first refresh after a sync that was not periodic (creation, spec change,
 * restart) waits for the store's grid for this interval, at the object's
 * offset in the window: ExternalSecrets of one store then refresh together
 * and share their reads. Later refreshes stay on that grid when it is at most
 * one window away, and otherwise run at last + interval: a late sync (a busy
 * queue, a rate-limited API) never skips a cycle.
 */
static int64_t next_due_us(struct ck_ctl_ext *x, const char *store, const char *uid,
                           int64_t interval_ms, int64_t last_us, int align)
{
	int64_t j = window_of(x, interval_ms);
	int64_t phase = (int64_t)(hash64(store, "", interval_ms) % (uint64_t)interval_ms);
	int64_t off = (int64_t)(hash64(uid, "offset", interval_ms) % (uint64_t)j);
	int64_t base = last_us / 1000 + interval_ms, lo = base - 2 * j, k, g;

	k = (lo - phase - off) / interval_ms;
	g = phase + off + k * interval_ms;
	while (g < lo)
		g += interval_ms;
	while (g - interval_ms >= lo)
		g -= interval_ms;
	if (align) {
		while (g < base)
			g += interval_ms;
		return g * 1000;
	}
	return (g >= base && g - base <= j ? g : base) * 1000;
}

/* ------------------------------------------------------------ reconcile */

enum result { R_SUCCESS, R_ERROR, R_FATAL };

struct wctx {
	struct ck_ctl_ext *x;
	struct ck_kube_conn *conn;
};

struct es_ctx {
	struct wctx *w;
	const char *key;
	char ns[256], name[256];
	struct es_snap sn;
	struct ck_doc *objdoc;
	const struct ck_doc_node *obj;
	struct ck_ext_set *set;
	struct ck_ext_es *es;
	struct ck_ctl__ref self;
	char primary[600];        /* "N/ns/name" of spec.secretStoreRef */
	char synced_rv[128];      /* generation-metahash */
	int64_t start_us;
	/* outcome */
	const char *reason;
	char message[MSG_MAX];
	int ready;
	int wrote, created, deleted;
	int no_retry;
	int set_refresh;          /* a successful sync: write refreshTime and syncedResourceVersion */
	/* merge bookkeeping */
	char *old_keys;           /* managed-keys annotation of the live Secret */
	const char *remove[257];
	char *new_keys;
};

static struct es_state *state_get_locked(struct ck_ctl_ext *x, const char *key, int create)
{
	struct es_state *st = ck_ctl_map_get(x->state, key);

	if (st == NULL && create) {
		st = ck_calloc(1, sizeof(*st));
		if (st != NULL && ck_ctl_map_put(x->state, key, st, NULL) < 0) {
			ck_free(st);
			st = NULL;
		}
	}
	return st;
}

/* Copy of the state (zeroed when none). */
static int state_copy(struct ck_ctl_ext *x, const char *key, struct es_state *out)
{
	struct es_state *st;
	int have;

	pthread_mutex_lock(&x->lock);
	st = state_get_locked(x, key, 0);
	have = st != NULL;
	if (have)
		*out = *st;
	else
		memset(out, 0, sizeof(*out));
	pthread_mutex_unlock(&x->lock);
	return have;
}

static void state_store(struct ck_ctl_ext *x, const char *key, const struct es_state *in)
{
	struct es_state *st;

	pthread_mutex_lock(&x->lock);
	st = state_get_locked(x, key, 1);
	if (st != NULL)
		*st = *in;
	pthread_mutex_unlock(&x->lock);
}

static void setmsg(struct es_ctx *c, const char *reason, int ready, const char *fmt, ...)
	CK_PRINTF(4, 5);

static void setmsg(struct es_ctx *c, const char *reason, int ready, const char *fmt, ...)
{
	va_list ap;

	c->reason = reason;
	c->ready = ready;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

/* ESO's data-hash of a Secret's data map {key: base64}: %+v of map[string][]byte, hashed. */
static int eso_data_hash(char out[57], const struct ck_doc_node *data)
{
	struct ck_buf s, raw;
	const struct ck_doc_node **keys = NULL;
	size_t i, j, n = 0;
	int rc = CK_OK;

	ck_buf_init_secure(&s, CK_BUF_MAX);
	ck_buf_init_secure(&raw, CK_BUF_MAX);
	data = data ? ck_doc_resolve(data) : NULL;
	if (data != NULL && data->kind == CK_DOC_MAP)
		n = ck_doc_map_len(data);
	if (n > 0 && (keys = ck_calloc(n, sizeof(*keys))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct ck_doc_node *k = ck_doc_map_key(data, i);

		for (j = i; j > 0 && strcmp(keys[j - 1]->text, k->text) > 0; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
	rc = ck_buf_puts(&s, "map[");
	for (i = 0; i < n && rc >= 0; i++) {
		const struct ck_doc_node *v = ck_doc_resolve(ck_doc_map_get(data, keys[i]->text));

		ck_buf_reset(&raw);
		if (v->kind != CK_DOC_SCALAR ||
		    ck_b64_decode(&raw, v->text, v->len, CK_B64_STD, 0) < 0) {
			rc = ck_err_set(CK_EINVAL, "data.%s is not base64", keys[i]->text);
			break;
		}
		if ((i && (rc = ck_buf_putc(&s, ' ')) < 0) ||
		    (rc = ck_buf_printf(&s, "%s:[", keys[i]->text)) < 0)
			break;
		for (j = 0; j < ck_buf_len(&raw) && rc >= 0; j++)
			rc = ck_buf_printf(&s, j ? " %u" : "%u", (unsigned)ck_buf_data(&raw)[j]);
		if (rc >= 0)
			rc = ck_buf_putc(&s, ']');
	}
	if (rc >= 0 && (rc = ck_buf_putc(&s, ']')) >= 0)
		rc = ck_ext_object_hash(out, ck_buf_data(&s), ck_buf_len(&s));
out:
	ck_free(keys);
	ck_buf_dispose(&s);
	ck_buf_dispose(&raw);
	return rc;
}

/*
 * Is the target Secret as a sync left it? Missing, unlabelled, or data no
 * longer matching its data-hash annotation means no (ESO's isSecretValid).
 * *present tells whether it exists; *rv its resourceVersion.
 */
static int secret_valid(struct es_ctx *c, const char *tname, int *present, char *rv, size_t rvl)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT;
	const char *h, *lab, *v;
	char want[57];
	int rc, valid = 0;

	*present = 0;
	rv[0] = '\0';
	if (ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets/%s", c->ns, tname) < 0)
		goto out;
	rc = ck_kube_request(c->w->conn, &r, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL,
	                     CK_KUBE_SECRET);
	if (rc < 0) {
		ck_err_clear();
		goto out;
	}
	*present = 1;
	v = ck_kube_str(r.obj, "metadata.resourceVersion");
	snprintf(rv, rvl, "%s", v ? v : "");
	lab = ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.labels"), LABEL_MANAGED);
	h = ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.annotations"), ANNOT_HASH);
	if (lab == NULL || strcmp(lab, "true") != 0 || h == NULL)
		goto out;
	if (eso_data_hash(want, ck_doc_map_get(r.obj, "data")) < 0) {
		ck_err_clear();
		goto out;
	}
	valid = strcmp(want, h) == 0;
out:
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&path);
	return valid;
}

/* Digest of what we want the Secret to be (skip the API when nothing moved). */
static void want_digest(uint8_t out[CK_SHA256_LEN], const struct ck_ext_secret *sec,
                        const struct ck_ext_es *es)
{
	const struct ck_ext_map *maps[3] = { sec->data, sec->labels, sec->annotations };
	struct ck_hash *h = ck_hash_new(CK_SHA256);
	size_t i, k;
	char pol[32];

	if (h == NULL) {
		memset(out, 0, CK_SHA256_LEN);
		return;
	}
	for (k = 0; k < 3; k++) {
		for (i = 0; maps[k] && i < ck_ext_map_len(maps[k]); i++) {
			size_t kl, vl;
			const char *key = ck_ext_map_key(maps[k], i, &kl);
			const uint8_t *v = ck_ext_map_value(maps[k], i, &vl);
			uint64_t l = vl;

			ck_hash_update(h, key, kl + 1);
			ck_hash_update(h, &l, sizeof(l));
			ck_hash_update(h, v, vl);
		}
		ck_hash_update(h, "|", 1);
	}
	snprintf(pol, sizeof(pol), "%d.%d.%d.%d", es->creation, es->deletion, sec->immutable,
	         sec->owner);
	ck_hash_update(h, pol, strlen(pol) + 1);
	ck_hash_update(h, sec->type ? sec->type : "", strlen(sec->type ? sec->type : "") + 1);
	ck_hash_update(h, sec->owner_uid ? sec->owner_uid : "",
	               strlen(sec->owner_uid ? sec->owner_uid : "") + 1);
	ck_hash_final(h, out);
	ck_hash_free(h);
}

/*
 * Before making a Secret that is missing: is the ExternalSecret still there
 * (same uid, not being deleted)? Its deletion may be on its way to the
 * informer while the Secret's garbage collection already arrived.
 */
static int es_alive(struct es_ctx *c)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char path[700];
	int alive;

	snprintf(path, sizeof(path), "/apis/" GROUP "/%s/namespaces/%s/externalsecrets/%s",
	         c->w->x->version, c->ns, c->name);
	alive = ck_kube_request(c->w->conn, &r, "GET", path, NULL, NULL, 0, NULL, 0) != CK_OK ||
	        (ck_doc_scalar_is(ck_doc_get_path(r.obj, "metadata.uid"), c->sn.e.uid) &&
	         ck_doc_get_path(r.obj, "metadata.deletionTimestamp") == NULL);
	if (r.status == 404)
		alive = 0;
	ck_err_clear();
	ck_kube_resp_dispose(&r);
	return alive;
}

/* adopt(): which live Secrets an ExternalSecret may write. */
static int es_adopt(void *arg, const struct ck_doc_node *live, char *msg, size_t n)
{
	struct es_ctx *c = arg;
	const struct ck_doc_node *refs = ck_doc_get_path(live, "metadata.ownerReferences");
	const char *lab = ck_doc_map_get_str(ck_doc_get_path(live, "metadata.labels"), LABEL_MANAGED);
	const char *keys = ck_doc_map_get_str(ck_doc_get_path(live, "metadata.annotations"),
	                                      ANNOT_KEYS);
	size_t i;
	int ours = 0;

	for (i = 0; refs != NULL && refs->kind == CK_DOC_SEQ && i < refs->nkids; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(refs->kids[i]);

		if (!ck_doc_scalar_is(ck_doc_map_get(r, "controller"), "true"))
			continue;
		if (ck_doc_scalar_is(ck_doc_map_get(r, "kind"), "ExternalSecret") &&
		    !ck_doc_scalar_is(ck_doc_map_get(r, "uid"), c->sn.e.uid) &&
		    c->es->creation == CK_EXT_CREATE_OWNER) {
			snprintf(msg, n, "target is owned by another ExternalSecret (%s)",
			         ck_doc_map_get_str(r, "name") ? ck_doc_map_get_str(r, "name") : "?");
			return 0;
		}
		if (ck_doc_scalar_is(ck_doc_map_get(r, "uid"), c->sn.e.uid))
			ours = 1;
	}
	/* Merge policies write into Secrets made by others: that is their purpose */
	if (!ours && c->es->creation != CK_EXT_CREATE_MERGE &&
	    c->es->creation != CK_EXT_CREATE_OR_MERGE && (lab == NULL || strcmp(lab, "true") != 0)) {
		snprintf(msg, n, "Secret %s/%s exists and is not managed by an ExternalSecret; label it "
		         LABEL_MANAGED "=true to let cloak take it over", c->ns,
		         c->es->target_name ? c->es->target_name : c->name);
		return 0;
	}
	/* deletionPolicy Merge: keys we wrote before and no longer want go */
	if (keys != NULL && (c->old_keys = ck_strdup(keys)) != NULL &&
	    c->es->deletion == CK_EXT_DELETE_MERGE && c->new_keys != NULL) {
		char *save = NULL, *tok;
		size_t nr = 0;

		for (tok = strtok_r(c->old_keys, ",", &save); tok && nr < 256;
		     tok = strtok_r(NULL, ",", &save)) {
			char probe[600];

			snprintf(probe, sizeof(probe), ",%s,", tok);
			if (strstr(c->new_keys, probe) == NULL)
				c->remove[nr++] = tok;
		}
		c->remove[nr] = NULL;
	}
	return 1;
}

/* finish(): the hash of the final data (Merge writes it too) and the keys we manage. */
static int es_finish(void *arg, struct ck_doc *d, struct ck_doc_node *secret)
{
	struct es_ctx *c = arg;
	struct ck_doc_node *annos, *v;
	char h[57];
	int rc;

	if ((annos = ck_ctl__put_map(d, ck_ctl__put_map(d, secret, "metadata"), "annotations")) == NULL)
		return CK_ENOMEM;
	if ((rc = eso_data_hash(h, ck_doc_map_get(secret, "data"))) < 0)
		return rc;
	if ((v = ck_doc_scalar(d, h, strlen(h), CK_DOC_DQUOTED)) == NULL ||
	    ck_doc_map_set(d, annos, ANNOT_HASH, v) < 0)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	if (c->es->creation == CK_EXT_CREATE_MERGE || c->es->creation == CK_EXT_CREATE_OR_MERGE) {
		/* the keys list without the leading/trailing commas used for matching */
		const char *k = c->new_keys ? c->new_keys : ",";
		size_t n = strlen(k);

		if ((v = ck_doc_scalar(d, k + 1, n > 1 ? n - 2 : 0, CK_DOC_DQUOTED)) == NULL ||
		    ck_doc_map_set(d, annos, ANNOT_KEYS, v) < 0)
			return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	return CK_OK;
}

/* Write the status (Ready, refreshTime, syncedResourceVersion, binding) when it changes. */
static int write_status(struct es_ctx *c, const struct es_state *st)
{
	struct ck_ctl_ext *x = c->w->x;
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *status, *conds, *b;
	const struct ck_doc_node *old_status = ck_doc_map_get(c->obj, "status");
	const struct ck_doc_node *old_conds = ck_doc_map_get(old_status, "conditions");
	const struct ck_doc_node *old_ready = ck_ctl__condition_get(c->obj, "Ready");
	struct ck_buf now = CK_BUF_INIT, path = CK_BUF_INIT, rt = CK_BUF_INIT;
	const char *tname = c->es->target_name ? c->es->target_name : c->name;
	long hs = 0;
	int rc;

	/* unchanged condition and nothing newly synced: no write (no event storm) */
	if (!c->set_refresh && old_ready != NULL &&
	    ck_doc_scalar_is(ck_doc_map_get(old_ready, "status"), c->ready ? "True" : "False") &&
	    ck_doc_scalar_is(ck_doc_map_get(old_ready, "reason"), c->reason) &&
	    ck_doc_scalar_is(ck_doc_map_get(old_ready, "message"), c->message)) {
		rc = CK_OK;
		goto out;
	}
	if (d == NULL || (status = ck_doc_map(d)) == NULL || ck_doc_add_root(d, status) < 0 ||
	    (conds = ck_doc_seq(d)) == NULL || ck_doc_map_set(d, status, "conditions", conds) < 0 ||
	    ck_ctl_time_format(&now, ck_ctl_wall_us(), 0) < 0) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if ((rc = ck_ctl__condition_put(d, conds, old_conds, "Ready", c->ready ? "True" : "False",
	                                c->reason, c->message, ck_buf_cstr(&now), -1)) < 0)
		goto out;
	if (c->set_refresh) {
		if ((rc = ck_ctl_time_format(&rt, st->synced_us, 0)) < 0 ||
		    (rc = ck_ctl__put_str(d, status, "refreshTime", ck_buf_cstr(&rt))) < 0 ||
		    (rc = ck_ctl__put_str(d, status, "syncedResourceVersion", c->synced_rv)) < 0)
			goto out;
	}
	if ((b = ck_ctl__put_map(d, status, "binding")) == NULL ||
	    (rc = ck_ctl__put_str(d, b, "name", tname)) < 0)
		goto out;
	if ((rc = ck_buf_printf(&path, "/apis/" GROUP "/%s/namespaces/%s/externalsecrets/%s",
	                        x->version, c->ns, c->name)) < 0)
		goto out;
	rc = ck_ctl__status_patch(c->w->conn, ck_buf_cstr(&path), status, &hs);
	if (rc >= 0)
		atomic_fetch_add(&x->n_status, 1);
	else if (hs == 404)
		ck_err_clear(), rc = CK_OK; /* deleted meanwhile */
out:
	ck_doc_free(d);
	ck_buf_dispose(&now);
	ck_buf_dispose(&path);
	ck_buf_dispose(&rt);
	return rc;
}

static void condition_metric(struct es_ctx *c)
{
	struct ck_ctl_ext *x = c->w->x;

	ck_ctl_metrics_set(x->m, "externalsecret_status_condition", c->ready ? 1 : 0, "name",
	                   c->name, "namespace", c->ns, "condition", "Ready", "status", "True", NULL);
	ck_ctl_metrics_set(x->m, "externalsecret_status_condition", c->ready ? 0 : 1, "name",
	                   c->name, "namespace", c->ns, "condition", "Ready", "status", "False", NULL);
}

/* Collect the problems the model found for this ExternalSecret (and its stores). */
static int problems_of(struct es_ctx *c, int *unsupported)
{
	size_t i, n = 0;

	*unsupported = 0;
	for (i = 0; i < c->set->nproblems; i++) {
		const struct ck_ext_problem *p = &c->set->problems[i];
		size_t l = strlen(c->message);

		if (p->code == CK_EUNSUPPORTED)
			*unsupported = 1;
		if (l + 8 < sizeof(c->message))
			snprintf(c->message + l, sizeof(c->message) - l, "%s%s", n ? "; " : "", p->msg);
		n++;
	}
	return (int)n;
}

/* The store references of the ExternalSecret, each once. */
struct sref {
	const char *name;
	int cluster;
};

static size_t store_refs(const struct ck_ext_es *es, struct sref *out, size_t max)
{
	size_t n = 0, i, k;
	const struct ck_ext_store_ref *all[1 + 2 * 256];
	size_t na = 0;

	all[na++] = &es->store;
	for (i = 0; i < es->ndata && na < 1 + 256; i++)
		all[na++] = &es->data[i].store;
	for (i = 0; i < es->ndata_from && na < 1 + 2 * 256; i++)
		all[na++] = &es->data_from[i].store;
	for (i = 0; i < na; i++) {
		if (all[i]->name == NULL)
			continue;
		for (k = 0; k < n; k++)
			if (out[k].cluster == all[i]->cluster && strcmp(out[k].name, all[i]->name) == 0)
				break;
		if (k == n && n < max) {
			out[n].name = all[i]->name;
			out[n].cluster = all[i]->cluster;
			n++;
		}
	}
	return n;
}

/* Render, with a client per store injected into the session. */
static int render(struct es_ctx *c, struct st_snap *stores, const struct sref *refs, size_t nrefs,
                  int64_t window, struct ck_ext_secret *sec, struct ck_ctl__xstore **used)
{
	struct ck_ctl_ext *x = c->w->x;
	struct ck_ext_session *s = NULL;
	struct ck_ext_session_opts so = CK_EXT_SESSION_OPTS_INIT;
	size_t i;
	int rc;

	so.ns = c->ns;
	if ((rc = ck_ext_session_new(&s, c->set, &so)) < 0)
		goto out;
	for (i = 0; i < nrefs; i++) {
		struct ck_ext_provider *p = NULL;

		rc = ck_ctl__xstores_get(x->stores, c->w->conn, stores[i].json, stores[i].rv,
		                         refs[i].cluster, c->ns, &used[i]);
		if (rc < 0)
			goto out;
		if ((rc = ck_ctl__xstore_provider(&p, used[i], window)) < 0 ||
		    (rc = ck_ext_session_set_provider(s, refs[i].name, refs[i].cluster, p)) < 0)
			goto out;
	}
	rc = ck_ext_render(s, c->es, sec);
out:
	ck_ext_session_free(s);
	return rc;
}

/* The message for a failure: ESO's words, then the cause. */
static void failure(struct es_ctx *c, const char *what)
{
	const char *m = ck_err_last()->msg, *p;
	char prefix[700];
	char cause[MSG_MAX];

	/* the render's context names this object: keep only what follows */
	snprintf(prefix, sizeof(prefix), "ExternalSecret %s/%s: ", c->ns, c->name);
	while ((p = strstr(m, prefix)) != NULL)
		m = p + strlen(prefix);
	snprintf(cause, sizeof(cause), "%.800s", m);
	setmsg(c, "SecretSyncedError", 0, "%s: %s", what, cause);
}

static enum result sync_es(struct es_ctx *c, struct es_state *st, int64_t window,
                           struct st_snap *stores, const struct sref *refs, size_t nrefs)
{
	struct ck_ctl_ext *x = c->w->x;
	struct ck_ext_secret sec;
	struct ck_ctl__xstore *used[16];
	struct ck_ctl__want w;
	struct ck_ctl__applied ap;
	struct ck_ctl__ref owner;
	struct sec_snap ss;
	uint8_t dg[CK_SHA256_LEN];
	const char *tname = c->es->target_name ? c->es->target_name : c->name;
	char tkey[600];
	size_t i;
	int rc;
	enum result res = R_ERROR;

	memset(used, 0, sizeof(used));
	memset(&ss, 0, sizeof(ss));
	ck_ext_secret_init(&sec);
	atomic_fetch_add(&x->n_syncs, 1);
	ck_ctl_metrics_add(x->m, "externalsecret_sync_calls_total", 1, "name", c->name,
	                   "namespace", c->ns, NULL);
	c->start_us = ck_ctl_wall_us();
	rc = render(c, stores, refs, nrefs, window, &sec, used);
	for (i = 0; i < nrefs; i++) {
		if (used[i] != NULL && rc < 0)
			ck_ctl__xstore_result(used[i], ck_err_last()->code);
		ck_ctl__xstore_put(used[i]);
	}
	if (rc < 0) {
		failure(c, "could not get secret data from provider");
		goto out;
	}
	snprintf(tkey, sizeof(tkey), "%s/%s", c->ns, tname);
	ck_ctl_informer_with(sec_informer_for(x, tkey), tkey, sec_snap_cb, &ss);
	switch (sec.outcome) {
	case CK_EXT_RETAINED:
		setmsg(c, "SecretSynced", 1, "secret retained due to DeletionPolicy=Retain");
		break;
	case CK_EXT_NOT_MANAGED:
		setmsg(c, "SecretSynced", 1, "secret synced");
		break;
	case CK_EXT_DELETED:
		/* only a Secret we control goes */
		if (ss.present && strcmp(ss.owner_uid, c->sn.e.uid) == 0) {
			if ((rc = ck_ctl__secret_delete(c->w->conn, c->ns, tname, NULL)) < 0) {
				failure(c, "could not delete secret");
				goto out;
			}
			c->deleted = 1;
			atomic_fetch_add(&x->n_writes, 1);
		}
		st->secret_rv[0] = '\0';
		st->have_digest = 0;
		setmsg(c, "SecretDeleted", 1, "secret deleted due to DeletionPolicy=Delete");
		break;
	case CK_EXT_SYNCED:
		want_digest(dg, &sec, c->es);
		if (st->have_digest && memcmp(dg, st->digest, sizeof(dg)) == 0 && ss.present &&
		    strcmp(ss.rv, st->secret_rv) == 0) {
			/* same values, Secret untouched since: no API call */
			setmsg(c, "SecretSynced", 1, "secret synced");
			break;
		}
		memset(&w, 0, sizeof(w));
		memset(&owner, 0, sizeof(owner));
		w.ns = c->ns;
		w.name = tname;
		w.type = sec.type;
		w.data = sec.data;
		w.labels = sec.labels;
		w.annotations = sec.annotations;
		w.immutable = sec.immutable;
		w.merge = sec.merge;
		w.create = c->es->creation != CK_EXT_CREATE_MERGE;
		w.adopt = es_adopt;
		w.finish = es_finish;
		w.arg = c;
		if (sec.owner) {
			owner.api_version = x->api_version;
			owner.kind = "ExternalSecret";
			owner.name = c->name;
			owner.uid = c->sn.e.uid;
			w.owner = &owner;
		}
		if (!ss.present && w.create && !es_alive(c)) {
			setmsg(c, "SecretSynced", 1, "secret synced");
			res = R_SUCCESS;
			goto out; /* deleted meanwhile: nothing to write, no status */
		}
		/* merge bookkeeping: ",k1,k2," of the keys we write */
		{
			struct ck_buf kb = CK_BUF_INIT;

			rc = ck_buf_putc(&kb, ',');
			for (i = 0; rc >= 0 && i < ck_ext_map_len(sec.data); i++)
				rc = ck_buf_printf(&kb, "%s,", ck_ext_map_key(sec.data, i, NULL));
			if (rc >= 0)
				c->new_keys = (char *)ck_buf_detach(&kb, NULL);
			ck_buf_dispose(&kb);
		}
		c->remove[0] = NULL;
		w.remove = c->remove;
		/* the informer sees labelled Secrets only: Merge targets may exist unseen */
		rc = ck_ctl__secret_apply(c->w->conn, &w, !ss.present && !w.merge && w.create, &ap);
		if (rc < 0) {
			if (ap.refused || ap.immutable) {
				c->no_retry = 1;
				setmsg(c, "SecretSyncedError", 0, "%s", ck_err_last()->msg);
			} else {
				failure(c, "could not update secret");
			}
			goto out;
		}
		if (ap.missing) {
			setmsg(c, "SecretMissing", 1,
			       "secret will not be created due to CreationPolicy=Merge");
			st->have_digest = 0;
			break;
		}
		if (ap.wrote) {
			atomic_fetch_add(&x->n_writes, 1);
			ck_ctl_metrics_add(x->m, "cloak_controller_secret_writes_total", 1, "verb",
			                   ap.created ? "create" : "update", NULL);
		}
		c->wrote = ap.wrote;
		c->created = ap.created;
		snprintf(st->secret_rv, sizeof(st->secret_rv), "%s", ap.rv);
		memcpy(st->digest, dg, sizeof(dg));
		st->have_digest = 1;
		setmsg(c, "SecretSynced", 1, "secret synced");
		break;
	}
	st->synced_us = c->start_us;
	snprintf(st->synced_rv, sizeof(st->synced_rv), "%s", c->synced_rv);
	c->set_refresh = 1;
	res = R_SUCCESS;
out:
	ck_ext_secret_dispose(&sec);
	return res;
}

static enum result reconcile_es(struct wctx *w, const char *key)
{
	struct ck_ctl_ext *x = w->x;
	struct es_ctx c;
	struct es_state st;
	struct st_snap stores[16];
	struct sref refs[16];
	size_t nrefs = 0, i;
	int64_t now = ck_ctl_wall_us(), interval, win, last_us = 0;
	const char *status_rv, *status_rt, *tname;
	int have_state, unsupported, never, spec_changed, due, valid = 1, present = 1, rc;
	enum result res = R_ERROR;
	char file[700], rv[64];

	memset(&c, 0, sizeof(c));
	memset(stores, 0, sizeof(stores));
	c.w = w;
	c.key = key;
	ck_ctl__split_key(key, c.ns, sizeof(c.ns), c.name, sizeof(c.name));
	ck_ctl_informer_with(es_informer_for(x, key), key, es_snap_cb, &c.sn);
	if (c.sn.present < 0) {
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if (!c.sn.present) {
		/* deleted: an owned Secret goes with it (garbage collection) */
		pthread_mutex_lock(&x->lock);
		ck_free(ck_ctl_map_del(x->state, key));
		pthread_mutex_unlock(&x->lock);
		ck_ctl_metrics_delete_matching(x->m, "externalsecret_status_condition", "name", c.name,
		                               "namespace", c.ns, NULL);
		res = R_SUCCESS;
		goto out;
	}
	have_state = state_copy(x, key, &st);
	if (have_state && strcmp(st.uid, c.sn.e.uid) != 0) {
		memset(&st, 0, sizeof(st)); /* deleted and created again */
		have_state = 0;
	}
	snprintf(st.uid, sizeof(st.uid), "%s", c.sn.e.uid);
	if ((rc = ck_doc_parse_json(&c.objdoc, c.sn.e.json, strlen(c.sn.e.json), 0)) < 0)
		goto out;
	c.obj = c.objdoc->docs[0];
	if (ck_doc_get_path(c.obj, "metadata.deletionTimestamp") != NULL) {
		res = R_SUCCESS;
		goto out;
	}
	c.self.api_version = x->api_version;
	c.self.kind = "ExternalSecret";
	c.self.ns = c.ns;
	c.self.name = c.name;
	c.self.uid = c.sn.e.uid;
	snprintf(file, sizeof(file), "ExternalSecret %s/%s", c.ns, c.name);
	if ((rc = ck_ext_set_new(&c.set)) < 0 ||
	    (rc = ck_ext_set_add(c.set, file, c.sn.e.json, strlen(c.sn.e.json))) < 0)
		goto out;
	if (c.set->nes != 1) {
		rc = ck_err_set(CK_EINVAL, "%s: not an ExternalSecret", file);
		goto out;
	}
	c.es = c.set->es[0];
	nrefs = store_refs(c.es, refs, 16);
	/* the class of the spec's store (or the first one named) decides who owns this */
	for (i = 0; i < nrefs; i++) {
		store_snap(x, refs[i].cluster, c.ns, refs[i].name, &stores[i]);
		if (stores[i].present < 0) {
			ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		if (i == 0 && stores[i].present && !our_class(x, stores[i].klass)) {
			ck_log_debug("controller: %s: store \"%s\" has class \"%s\", not ours", key,
			             refs[i].name, stores[i].klass);
			res = R_SUCCESS;
			goto out;
		}
	}
	snprintf(c.primary, sizeof(c.primary), "%s/%s/%s", nrefs && refs[0].cluster ? "C" : "N",
	         nrefs && refs[0].cluster ? "" : c.ns, nrefs ? refs[0].name : "");
	snprintf(c.synced_rv, sizeof(c.synced_rv), "%lld-%.16s", (long long)c.sn.e.generation,
	         c.sn.e.meta_hash);
	tname = c.es->target_name ? c.es->target_name : c.name;
	for (i = 0; i < nrefs; i++) {
		if (!stores[i].present) {
			setmsg(&c, "SecretSyncedError", 0, "could not get store: %s \"%s\" not found",
			       refs[i].cluster ? "ClusterSecretStore" : "SecretStore", refs[i].name);
			goto failed;
		}
		snprintf(file, sizeof(file), "%s %s%s%s", refs[i].cluster ? "ClusterSecretStore"
		                                                           : "SecretStore",
		         refs[i].cluster ? "" : c.ns, refs[i].cluster ? "" : "/", refs[i].name);
		if ((rc = ck_ext_set_add(c.set, file, stores[i].json, strlen(stores[i].json))) < 0)
			goto out;
	}
	if (nrefs == 0) {
		setmsg(&c, "SecretSyncedError", 0, "spec.secretStoreRef: no store named");
		c.no_retry = 1;
		goto failed;
	}
	if ((rc = ck_ext_set_check(c.set)) < 0)
		goto out;
	if (c.es->problems > 0 || c.set->nproblems > 0 ||
	    ck_doc_get_path(c.obj, "spec.syncWindows") != NULL) {
		c.message[0] = '\0';
		if (ck_doc_get_path(c.obj, "spec.syncWindows") != NULL)
			snprintf(c.message, sizeof(c.message), "spec.syncWindows: not supported by cloak");
		if (problems_of(&c, &unsupported) == 0 || unsupported ||
		    ck_doc_get_path(c.obj, "spec.syncWindows") != NULL) {
			char m[MSG_MAX];

			snprintf(m, sizeof(m), "%s", c.message);
			setmsg(&c, "SecretSyncedError", 0, "unsupported: %s", m);
		} else {
			char m[MSG_MAX];

			snprintf(m, sizeof(m), "%s", c.message);
			setmsg(&c, "SecretSyncedError", 0, "invalid: %s", m);
		}
		c.no_retry = 1;
		goto failed;
	}

	/* -- should it sync? (ESO's shouldRefresh, plus the Secret's validity) */
	status_rv = ck_kube_str(c.obj, "status.syncedResourceVersion");
	status_rt = ck_kube_str(c.obj, "status.refreshTime");
	if (have_state && st.synced_us > 0) {
		last_us = st.synced_us;
		status_rv = st.synced_rv;
	} else if (status_rt != NULL && ck_ctl_time_parse(&last_us, status_rt) < 0) {
		last_us = 0;
	}
	never = status_rv == NULL || *status_rv == '\0' || last_us == 0;
	spec_changed = !never && strcmp(status_rv, c.synced_rv) != 0;
	interval = c.es->refresh_interval_ms;
	switch (c.es->refresh_policy) {
	case CK_EXT_REFRESH_CREATED_ONCE:
		due = never;
		break;
	case CK_EXT_REFRESH_ON_CHANGE:
		due = never || spec_changed;
		break;
	default:
		if (interval <= 0)
			due = never;
		else
			due = never || spec_changed || last_us / 1000 + interval <= now / 1000 ||
			      last_us > now;
		break;
	}
	if (c.es->creation != CK_EXT_CREATE_ORPHAN && c.es->creation != CK_EXT_CREATE_NONE) {
		struct sec_snap ss;
		char tkey[600];

		memset(&ss, 0, sizeof(ss));
		snprintf(tkey, sizeof(tkey), "%s/%s", c.ns, tname);
		ck_ctl_informer_with(sec_informer_for(x, tkey), tkey, sec_snap_cb, &ss);
		if (have_state && st.secret_rv[0] && ss.present && strcmp(ss.rv, st.secret_rv) == 0) {
			valid = 1;
		} else if (!due) {
			valid = secret_valid(&c, tname, &present, rv, sizeof(rv));
			if (valid)
				snprintf(st.secret_rv, sizeof(st.secret_rv), "%s", rv);
			/* Merge never creates: a missing Secret is not a reason to read the provider */
			if (!present && c.es->creation == CK_EXT_CREATE_MERGE && !due)
				valid = 1;
		} else {
			valid = 0;
		}
	}
	if (have_state && st.failed)
		due = 1;
	if (!have_state) {
		const struct ck_doc_node *rd = ck_ctl__condition_get(c.obj, "Ready");

		if (rd != NULL && ck_doc_scalar_is(ck_doc_map_get(rd, "status"), "False"))
			due = 1;
	}
	if (!due && valid) {
		atomic_fetch_add(&x->n_skipped, 1);
		if (!have_state) {
			st.synced_us = last_us;
			st.periodic = 1; /* after a restart: keep the cycle the status shows */
			snprintf(st.synced_rv, sizeof(st.synced_rv), "%s", status_rv ? status_rv : "");
			state_store(x, key, &st);
		}
		res = R_SUCCESS;
		goto schedule;
	}
	/* a forced sync (spec, label or annotation change) reads fresh */
	win = spec_changed ? 0 : 2 * window_of(x, interval);
	if (have_state && st.failed)
		win = 0;
	ck_log_debug("controller: %s: sync (never %d, changed %d, due %d, valid %d, window %lld ms)",
	             key, never, spec_changed, due, valid, (long long)win);
	if (sync_es(&c, &st, win, stores, refs, nrefs) != R_SUCCESS)
		goto failed;
	/* a refresh by the clock keeps its cycle; anything else aligns once */
	st.periodic = !never && !spec_changed && have_state && !st.failed && valid;
	st.failed = 0;
	st.fail_msg[0] = '\0';
	state_store(x, key, &st);
	condition_metric(&c);
	if (c.wrote || c.deleted)
		ck_ctl__event(w->conn, REPORTING, x->instance, &c.self, "Sync", "Normal",
		              c.deleted ? "Deleted" : c.created ? "Created" : "Updated",
		              c.deleted ? "Deleted Secret" : c.created ? "Created Secret"
		                                                     : "Updated Secret");
	if ((rc = write_status(&c, &st)) < 0)
		ck_log_warn("controller: %s: status not written: %s", key, ck_err_last()->msg);
	res = R_SUCCESS;
schedule:
	if (c.es->refresh_policy == CK_EXT_REFRESH_PERIODIC && interval > 0) {
		int64_t due_us = next_due_us(x, c.primary, c.sn.e.uid, interval,
		                             st.synced_us ? st.synced_us : now, !st.periodic);
		int64_t delay = (due_us - ck_ctl_wall_us()) / 1000;

		ck_ctl_queue_add_after(x->queue, key, delay > 0 ? delay : 0);
	}
	goto out;
failed:
	atomic_fetch_add(&x->n_errors, 1);
	ck_ctl_metrics_add(x->m, "externalsecret_sync_calls_error", 1, "name", c.name, "namespace",
	                   c.ns, NULL);
	ck_log_warn("controller: %s: %s", key, c.message);
	condition_metric(&c);
	if (!st.failed || strcmp(st.fail_msg, c.message) != 0)
		ck_ctl__event(w->conn, REPORTING, x->instance, &c.self, "Sync", "Warning",
		              "UpdateFailed", c.message);
	st.failed = 1;
	snprintf(st.fail_msg, sizeof(st.fail_msg), "%s", c.message);
	state_store(x, key, &st);
	if (write_status(&c, &st) < 0)
		ck_log_warn("controller: %s: status not written: %s", key, ck_err_last()->msg);
	res = c.no_retry ? R_FATAL : R_ERROR;
out:
	if (res == R_ERROR && c.reason == NULL) {
		ck_log_warn("controller: %s: %s", key, ck_err_last()->msg);
	}
	for (i = 0; i < 16; i++)
		st_snap_dispose(&stores[i]);
	ck_free(c.old_keys);
	ck_free(c.new_keys);
	ck_ext_set_free(c.set);
	ck_doc_free(c.objdoc);
	es_snap_dispose(&c.sn);
	return res;
}

/* ------------------------------------------------------------- stores */

static enum result reconcile_store(struct wctx *w, const char *key)
{
	struct ck_ctl_ext *x = w->x;
	struct st_snap s;
	struct ck_ctl__xstore *xs = NULL;
	struct ck_doc *d = NULL, *sd = NULL;
	struct ck_doc_node *status, *conds;
	struct ck_buf path = CK_BUF_INIT, now = CK_BUF_INIT;
	const struct ck_doc_node *obj;
	char ns[256], name[256], msg[MSG_MAX];
	int cluster = key[strlen(STORE_KEY)] == 'C', ok, rc, deferred;
	enum result res = R_ERROR;
	const char *rest = key + strlen(STORE_KEY) + 2;

	ck_ctl__split_key(rest, ns, sizeof(ns), name, sizeof(name));
	store_snap(x, cluster, ns, name, &s);
	if (s.present <= 0 || !our_class(x, s.klass)) {
		res = s.present < 0 ? R_ERROR : R_SUCCESS;
		goto out;
	}
	if ((rc = ck_doc_parse_json(&d, s.json, strlen(s.json), 0)) < 0)
		goto out;
	obj = d->docs[0];
	/* a cluster store with referent credentials is validated per ExternalSecret */
	deferred = cluster && ck_ctl__store_referent(obj);
	rc = ck_ctl__xstores_get(x->stores, w->conn, s.json, s.rv, cluster,
	                         cluster ? "default" : ns, &xs);
	ok = rc >= 0;
	if (ok)
		snprintf(msg, sizeof(msg), "store validated");
	else
		snprintf(msg, sizeof(msg), "unable to validate store: %.800s", ck_err_last()->msg);
	ck_ctl__xstore_put(xs);
	if (!ok && deferred) {
		/* referent authentication: credentials live in each ExternalSecret's namespace */
		ok = 1;
		snprintf(msg, sizeof(msg), "store validated (credentials are read per namespace)");
	}
	if (s.ready == ok && strcmp(s.ready_msg, msg) == 0) {
		res = R_SUCCESS;
		goto out;
	}
	if ((sd = ck_doc_new(0)) == NULL || (status = ck_doc_map(sd)) == NULL ||
	    ck_doc_add_root(sd, status) < 0 || (conds = ck_doc_seq(sd)) == NULL ||
	    ck_doc_map_set(sd, status, "conditions", conds) < 0 ||
	    ck_ctl_time_format(&now, ck_ctl_wall_us(), 0) < 0) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if ((rc = ck_ctl__condition_put(sd, conds, ck_doc_get_path(obj, "status.conditions"), "Ready",
	                                ok ? "True" : "False", ok ? "Valid" : "ValidationFailed", msg,
	                                ck_buf_cstr(&now), -1)) < 0 ||
	    (rc = ck_ctl__put_str(sd, status, "capabilities", "ReadWrite")) < 0)
		goto out;
	if (cluster)
		rc = ck_buf_printf(&path, "/apis/" GROUP "/%s/clustersecretstores/%s", x->version, name);
	else
		rc = ck_buf_printf(&path, "/apis/" GROUP "/%s/namespaces/%s/secretstores/%s", x->version,
		                   ns, name);
	if (rc < 0 || (rc = ck_ctl__status_patch(w->conn, ck_buf_cstr(&path), status, NULL)) < 0)
		goto out;
	if (!ok) {
		struct ck_ctl__ref r = { x->api_version, cluster ? "ClusterSecretStore" : "SecretStore",
			                 cluster ? "default" : ns, name, NULL };

		r.uid = ck_kube_str(obj, "metadata.uid");
		ck_ctl__event(w->conn, REPORTING, x->instance, &r, "Validate", "Warning",
		              "ValidationFailed", msg);
	}
	res = R_SUCCESS;
out:
	if (res != R_SUCCESS)
		ck_log_warn("controller: %s: %s", key, ck_err_last()->msg);
	st_snap_dispose(&s);
	ck_doc_free(d);
	ck_doc_free(sd);
	ck_buf_dispose(&path);
	ck_buf_dispose(&now);
	return res;
}

/* --------------------------------------------------------------- workers */

static void *work(void *p)
{
	struct ck_ctl_ext *x = p;
	struct wctx w;
	char *key;
	int got;

	memset(&w, 0, sizeof(w));
	w.x = x;
	while (ck_kube_conn_new(&w.conn, x->kube) < 0) {
		ck_log_error("controller: worker: %s", ck_err_last()->msg);
		ck_ctl_sleep_ms(1000);
	}
	/* a bounded wait notices a shifted clock (tests) within a quarter second */
	while ((got = ck_ctl_queue_get(x->queue, &key, 250)) != 0) {
		enum result r;
		int64_t t0;

		if (got < 0)
			continue;
		atomic_fetch_add(&x->inflight, 1);
		t0 = ck_ctl_now_ms();
		ck_err_clear();
		r = strncmp(key, STORE_KEY, strlen(STORE_KEY)) == 0 ? reconcile_store(&w, key)
		                                                  : reconcile_es(&w, key);
		ck_ctl_metrics_add(x->m, "controller_runtime_reconcile_total", 1, "controller",
		                   CONTROLLER, "result", r == R_SUCCESS ? "success" : "error", NULL);
		ck_ctl_metrics_observe(x->m, "controller_runtime_reconcile_time_seconds",
		                       (double)(ck_ctl_now_ms() - t0) / 1000.0, "controller",
		                       CONTROLLER, NULL);
		if (r == R_SUCCESS) {
			ck_ctl_queue_forget(x->queue, key);
		} else {
			ck_ctl_metrics_add(x->m, "controller_runtime_reconcile_errors_total", 1,
			                   "controller", CONTROLLER, NULL);
			if (r == R_ERROR)
				ck_ctl_queue_add_rate_limited(x->queue, key);
			else
				ck_ctl_queue_forget(x->queue, key);
		}
		ck_ctl_queue_done(x->queue, key);
		atomic_fetch_sub(&x->inflight, 1);
		ck_free(key);
	}
	ck_kube_conn_free(w.conn);
	return NULL;
}

int ck_ctl_ext_start_workers(struct ck_ctl_ext *x)
{
	int rc;

	if (x->workers.threads != NULL)
		return CK_OK;
	if ((rc = ck_ctl__workers_start(&x->workers, x->o.workers, work, x)) < 0)
		return rc;
	ck_ctl_ext_resync(x);
	return CK_OK;
}

void ck_ctl_ext_free(struct ck_ctl_ext *x)
{
	size_t i, pos = 0;
	void *v;

	if (x == NULL)
		return;
	if (x->queue != NULL)
		ck_ctl_queue_shutdown(x->queue);
	ck_ctl__workers_join(&x->workers);
	for (i = 0; i < MAX_NS; i++) {
		ck_ctl_informer_free(x->es_inf[i]);
		ck_ctl_informer_free(x->ss_inf[i]);
		ck_ctl_informer_free(x->sec_inf[i]);
		ck_free(x->nscopy[i]);
	}
	ck_ctl_informer_free(x->css_inf);
	ck_ctl_queue_free(x->queue);
	ck_ctl__xstores_free(x->stores);
	if (x->state != NULL) {
		while (ck_ctl_map_next(x->state, &pos, &v) != NULL)
			ck_free(v);
		ck_ctl_map_free(x->state);
	}
	if (x->targets != NULL) {
		pos = 0;
		while (ck_ctl_map_next(x->targets, &pos, &v) != NULL)
			ck_free(v);
		ck_ctl_map_free(x->targets);
	}
	ck_free(x->instance);
	ck_free(x->klass);
	pthread_mutex_destroy(&x->lock);
	ck_free(x);
}
