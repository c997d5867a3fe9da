/* SPDX-License-Identifier: Apache-2.0 */
/* The SopsSecret reconciler (ck/ctl_sops.h). */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_map.h"
#include "ck/ctl_queue.h"
#include "ck/ctl_sops.h"
#include "ck/enc.h"
#include "ck/ext.h"
#include "ck/hash.h"
#include "ck/log.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck/sops_net.h"
#include "ctl_int.h"
#include "recon_int.h"
#include "sopssecret_int.h"

#define CONTROLLER "sopssecret"
#define REPORTING "cloak.dev/sops-secrets"
#define API CK_CTL_SOPS_GROUP "/" CK_CTL_SOPS_VERSION
#define MAX_NS 64
#define MSG_MAX 900
#define MAX_DOC ((size_t)8 << 20)

struct ss_entry {
	char *uid;
	int64_t generation;
	uint8_t digest[CK_SHA256_LEN];   /* spec + uid */
	int ready;                       /* Ready: 1 True, 0 False, -1 none */
	int64_t observed;                /* status.observedGeneration, -1 */
	char *json;                      /* the object (status kept: its conditions' times) */
};

struct sec_entry {
	char *owner_uid;
};

struct keys_entry {
	char *json;                      /* the keys Secret (secret memory) */
};

struct state {
	char uid[64];
	uint8_t digest[CK_SHA256_LEN];
	char secret_rv[64];
	int ready;
};

struct ck_ctl_sops {
	struct ck_kube *kube;
	struct ck_ctl_metrics *m;
	struct ck_ctl_sops_opts o;
	char *instance, *ns, *keys_name, *gpg;
	const char *nslist[MAX_NS + 1];
	char *nscopy[MAX_NS];
	size_t nns, ninf;
	struct ck_ctl_queue *queue;
	struct ck_ctl_informer *ss_inf[MAX_NS];
	struct ck_ctl_informer *sec_inf[MAX_NS];
	struct ck_ctl_informer *keys_inf;
	pthread_mutex_t lock;            /* state */
	struct ck_ctl_map *state;
	pthread_rwlock_t keys_lock;      /* keys (readers decrypt, the rebuild writes) */
	struct ck_ctl__sops_keys *keys;
	atomic_uint keys_gen;            /* bumped by every change of the keys Secret */
	unsigned keys_built;             /* keys_gen the keys were built from (+1) */
	struct ck_ctl__workers workers;
	atomic_int inflight;
	atomic_size_t n_dec, n_fail, n_writes, n_skipped;
};

/* ----------------------------------------------------------------- caches */

static void ss_drop(void *arg, void *e)
{
	struct ss_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
	ck_free(x->uid);
	ck_free(x->json);
	ck_free(x);
}

static void *ss_make(void *arg, const struct ck_doc_node *obj)
{
	struct ss_entry *e = ck_calloc(1, sizeof(*e));
	struct ck_buf spec = CK_BUF_INIT;
	struct ck_hash *h = NULL;
	const struct ck_doc_node *rc;
	const char *uid = ck_kube_str(obj, "metadata.uid");

	(void)arg;
	if (e == NULL || (e->uid = ck_strdup(uid ? uid : "")) == NULL ||
	    (h = ck_hash_new(CK_SHA256)) == NULL ||
	    ck_ctl__write_json(&spec, ck_doc_map_get(obj, "spec")) < 0 ||
	    ck_ctl__object_json(&e->json, obj, 0) < 0) {
		ck_hash_free(h);
		ck_buf_dispose(&spec);
		ss_drop(NULL, e);
		return NULL;
	}
	e->generation = ck_kube_int(obj, "metadata.generation", 0);
	e->observed = ck_kube_int(obj, "status.observedGeneration", -1);
	rc = ck_ctl__condition_get(obj, "Ready");
	e->ready = rc == NULL ? -1 : ck_doc_scalar_is(ck_doc_map_get(rc, "status"), "True");
	ck_hash_update(h, ck_buf_data(&spec), ck_buf_len(&spec));
	ck_hash_update(h, "", 1);
	ck_hash_update(h, e->uid, strlen(e->uid));
	ck_hash_final(h, e->digest);
	ck_hash_free(h);
	ck_buf_dispose(&spec);
	return e;
}

static void sec_drop(void *arg, void *e)
{
	struct sec_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
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
		    ck_doc_scalar_is(ck_doc_map_get(r, "kind"), "SopsSecret")) {
			ck_free(e->owner_uid);
			e->owner_uid = ck_strdup(ck_doc_map_get_str(r, "uid") ?
			                         ck_doc_map_get_str(r, "uid") : "");
		}
	}
	return e;
}

static void keys_drop(void *arg, void *e)
{
	struct keys_entry *x = e;

	(void)arg;
	if (x == NULL)
		return;
	ck_secret_free(x->json);
	ck_free(x);
}

static void *keys_make(void *arg, const struct ck_doc_node *obj)
{
	struct keys_entry *e = ck_calloc(1, sizeof(*e));
	struct ck_buf js;

	(void)arg;
	if (e == NULL)
		return NULL;
	ck_buf_init_secure(&js, (size_t)64 << 20);
	if (ck_ctl__write_json(&js, obj) < 0 ||
	    (e->json = ck_secret_alloc(ck_buf_len(&js) + 1)) == NULL) {
		ck_buf_dispose(&js);
		ck_free(e);
		return NULL;
	}
	memcpy(e->json, ck_buf_data(&js), ck_buf_len(&js));
	ck_buf_dispose(&js);
	return e;
}

static size_t ns_index(struct ck_ctl_sops *s, const char *key)
{
	const char *slash = strchr(key, '/');
	size_t i, nl;

	if (slash == NULL || s->nns == 0)
		return 0;
	nl = (size_t)(slash - key);
	for (i = 0; i < s->nns; i++)
		if (strlen(s->nslist[i]) == nl && strncmp(s->nslist[i], key, nl) == 0)
			return i;
	return 0;
}

static void ss_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                       const void *n)
{
	struct ck_ctl_sops *s = arg;
	const struct ss_entry *a = o, *b = n;

	/* our status writes move neither the spec nor the uid */
	if (what == CK_CTL_UPDATED && a != NULL && b != NULL &&
	    memcmp(a->digest, b->digest, sizeof(a->digest)) == 0)
		return;
	if (s->queue != NULL)
		ck_ctl_queue_add(s->queue, key);
}

static void sec_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                        const void *n)
{
	struct ck_ctl_sops *s = arg;

	(void)o;
	(void)n;
	/* the Secret is named after its SopsSecret */
	if (what != CK_CTL_RESYNC && s->queue != NULL)
		ck_ctl_queue_add(s->queue, key);
}

static void queue_unready(void *arg, const char *key, const void *entry)
{
	struct ck_ctl_sops *s = arg;
	const struct ss_entry *e = entry;

	if (e != NULL && e->ready != 1)
		ck_ctl_queue_add(s->queue, key);
}

static void keys_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                         const void *n)
{
	struct ck_ctl_sops *s = arg;
	size_t i;

	(void)key;
	(void)o;
	(void)n;
	if (what == CK_CTL_RESYNC)
		return;
	atomic_fetch_add(&s->keys_gen, 1);
	/* a key added later: what could not be decrypted is tried again now */
	for (i = 0; s->queue != NULL && i < s->ninf; i++)
		ck_ctl_informer_each(s->ss_inf[i], queue_unready, s);
}

/* ------------------------------------------------------------ construction */

int ck_ctl_sops_new(struct ck_ctl_sops **out, struct ck_kube *kube, struct ck_ctl_metrics *metrics,
                    const struct ck_ctl_sops_opts *opts)
{
	struct ck_ctl_sops *s = ck_calloc(1, sizeof(*s));
	struct ck_ctl_ratelimit_opts rl;
	struct ck_buf path = CK_BUF_INIT, fsel = CK_BUF_INIT;
	size_t i;
	int rc = CK_ENOMEM;

	*out = NULL;
	if (s == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	pthread_mutex_init(&s->lock, NULL);
	pthread_rwlock_init(&s->keys_lock, NULL);
	ck_sops_net_register(); /* Vault transit and KMS through ck_net (idempotent) */
	s->kube = kube;
	s->m = metrics;
	s->o = *opts;
	if (s->o.workers <= 0)
		s->o.workers = 2;
	s->instance = ck_strdup(opts->instance ? opts->instance : "cloak-controller");
	s->ns = ck_strdup(opts->ns ? opts->ns : "default");
	s->keys_name = ck_strdup(opts->keys_secret && *opts->keys_secret ? opts->keys_secret
	                                                                 : "sops-keys");
	s->gpg = opts->gpg_exec ? ck_strdup(opts->gpg_exec) : NULL;
	s->state = ck_ctl_map_new();
	if (!s->instance || !s->ns || !s->keys_name || (opts->gpg_exec && !s->gpg) || !s->state)
		goto oom;
	while (opts->namespaces && opts->namespaces[s->nns]) {
		if (s->nns == MAX_NS) {
			rc = ck_err_set(CK_EUSAGE, "controller: at most %d namespaces", MAX_NS);
			goto out;
		}
		if ((s->nscopy[s->nns] = ck_strdup(opts->namespaces[s->nns])) == NULL)
			goto oom;
		s->nslist[s->nns] = s->nscopy[s->nns];
		s->nns++;
	}
	s->o.namespaces = NULL;
	/*
	 * Only when the API server serves the kind (the CRD is installed); asked
	 * before anything registers with the metrics.
	 */
	{
		struct ck_kube_conn *c = NULL;
		struct ck_kube_resp r = CK_KUBE_RESP_INIT;

		if ((rc = ck_kube_conn_new(&c, kube)) < 0)
			goto out;
		rc = ck_kube_request(c, &r, "GET", "/apis/" API, NULL, NULL, 0, NULL, 0);
		if (rc < 0 && r.status == 404)
			rc = ck_err_set(CK_ENOTFOUND, "controller: the API server does not serve %s "
			                "SopsSecrets (install deploy/crd-sopssecrets.yaml)", API);
		ck_kube_resp_dispose(&r);
		ck_kube_conn_free(c);
		if (rc < 0)
			goto out;
	}
	memset(&rl, 0, sizeof(rl));
	rl.base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 1000;
	rl.max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 300000;
	if ((rc = ck_ctl_metrics_define(metrics, "cloak_controller_sops_decryptions_total",
	                                CK_CTL_COUNTER, "SopsSecret documents decrypted, by result",
	                                NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(metrics, "cloak_controller_sopssecret_condition_info",
	                                CK_CTL_GAUGE, "SopsSecret Ready condition: -1 false, 1 true",
	                                NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(metrics, "controller_runtime_reconcile_total", CK_CTL_COUNTER,
	                                "Total number of reconciliations per controller", NULL, 0)) < 0 ||
	    (rc = ck_ctl_metrics_define(metrics, "cloak_controller_secret_writes_total",
	                                CK_CTL_COUNTER, "Secrets created or updated, by verb", NULL,
	                                0)) < 0 ||
	    (rc = ck_ctl_queue_new(&s->queue, CONTROLLER, &rl, metrics)) < 0)
		goto out;
	s->ninf = s->nns ? s->nns : 1;
	for (i = 0; i < s->ninf; i++) {
		struct ck_ctl_informer_opts io;
		const char *ns = s->nns ? s->nslist[i] : NULL;

		memset(&io, 0, sizeof(io));
		io.watch_min_s = opts->watch_min_s;
		io.watch_max_s = opts->watch_max_s;
		io.arg = s;
		ck_buf_reset(&path);
		rc = ns ? ck_buf_printf(&path, "/apis/" API "/namespaces/%s/sopssecrets", ns)
		        : ck_buf_puts(&path, "/apis/" API "/sopssecrets");
		if (rc < 0)
			goto out;
		io.name = "sopssecrets";
		io.path = ck_buf_cstr(&path);
		io.make = ss_make;
		io.drop = ss_drop;
		io.on_change = ss_changed;
		if ((rc = ck_ctl_informer_new(&s->ss_inf[i], kube, &io)) < 0)
			goto out;
		ck_buf_reset(&path);
		rc = ns ? ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", ns)
		        : ck_buf_puts(&path, "/api/v1/secrets");
		if (rc < 0)
			goto out;
		io.name = "sopssecret-targets";
		io.path = ck_buf_cstr(&path);
		io.label_selector = CK_CTL_SOPS_LABEL;
		io.flags = CK_KUBE_METADATA;
		io.make = sec_make;
		io.drop = sec_drop;
		io.on_change = sec_changed;
		if ((rc = ck_ctl_informer_new(&s->sec_inf[i], kube, &io)) < 0)
			goto out;
	}
	{
		struct ck_ctl_informer_opts io;

		memset(&io, 0, sizeof(io));
		io.watch_min_s = opts->watch_min_s;
		io.watch_max_s = opts->watch_max_s;
		io.arg = s;
		ck_buf_reset(&path);
		if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", s->ns)) < 0 ||
		    (rc = ck_buf_printf(&fsel, "metadata.name=%s", s->keys_name)) < 0)
			goto out;
		io.name = "sops-keys";
		io.path = ck_buf_cstr(&path);
		io.field_selector = ck_buf_cstr(&fsel);
		io.flags = CK_KUBE_SECRET;
		io.make = keys_make;
		io.drop = keys_drop;
		io.on_change = keys_changed;
		if ((rc = ck_ctl_informer_new(&s->keys_inf, kube, &io)) < 0)
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
	ck_buf_dispose(&fsel);
	ck_ctl_sops_free(s);
	return rc;
}

int ck_ctl_sops_start_informers(struct ck_ctl_sops *s)
{
	size_t i;
	int rc;

	if ((rc = ck_ctl_informer_start(s->keys_inf)) < 0)
		return rc;
	for (i = 0; i < s->ninf; i++)
		if ((rc = ck_ctl_informer_start(s->sec_inf[i])) < 0 ||
		    (rc = ck_ctl_informer_start(s->ss_inf[i])) < 0)
			return rc;
	return CK_OK;
}

int ck_ctl_sops_synced(struct ck_ctl_sops *s)
{
	size_t i;

	if (!ck_ctl_informer_synced(s->keys_inf))
		return 0;
	for (i = 0; i < s->ninf; i++)
		if (!ck_ctl_informer_synced(s->ss_inf[i]) || !ck_ctl_informer_synced(s->sec_inf[i]))
			return 0;
	return 1;
}

void ck_ctl_sops_resync(struct ck_ctl_sops *s)
{
	size_t i;

	for (i = 0; i < s->ninf; i++)
		ck_ctl_informer_resync(s->ss_inf[i]);
}

size_t ck_ctl_sops_busy(struct ck_ctl_sops *s)
{
	return ck_ctl_queue_len(s->queue) + (size_t)atomic_load(&s->inflight);
}

void ck_ctl_sops_stats(struct ck_ctl_sops *s, struct ck_ctl_sops_stats *out)
{
	out->decrypts = atomic_load(&s->n_dec);
	out->failures = atomic_load(&s->n_fail);
	out->secret_writes = atomic_load(&s->n_writes);
	out->skipped = atomic_load(&s->n_skipped);
}

/* -------------------------------------------------------------------- keys */

struct keys_snap {
	char *json;
};

static void keys_snap_cb(void *arg, const char *rv, const void *entry)
{
	struct keys_snap *k = arg;
	const struct keys_entry *e = entry;
	size_t n;

	(void)rv;
	if (e == NULL || e->json == NULL)
		return;
	n = strlen(e->json);
	if ((k->json = ck_secret_alloc(n + 1)) != NULL)
		memcpy(k->json, e->json, n);
}

/* Keys for the current version of the keys Secret, read-locked (unlock after use). */
static int keys_acquire(struct ck_ctl_sops *s)
{
	unsigned gen = atomic_load(&s->keys_gen) + 1;
	struct ck_ctl__sops_keys *k = NULL;
	struct keys_snap ks = { NULL };
	struct ck_doc *d = NULL;
	char key[600];
	int rc = CK_OK;

	pthread_rwlock_rdlock(&s->keys_lock);
	if (s->keys != NULL && s->keys_built == gen)
		return CK_OK;
	pthread_rwlock_unlock(&s->keys_lock);
	pthread_rwlock_wrlock(&s->keys_lock);
	if (s->keys == NULL || s->keys_built != gen) {
		snprintf(key, sizeof(key), "%s/%s", s->ns, s->keys_name);
		ck_ctl_informer_with(s->keys_inf, key, keys_snap_cb, &ks);
		if (ks.json != NULL &&
		    (rc = ck_doc_parse_json(&d, ks.json, strlen(ks.json), CK_DOC_SECURE)) < 0)
			goto done;
		if ((rc = ck_ctl__sops_keys_new(&k, d ? d->docs[0] : NULL, s->gpg)) < 0)
			goto done;
		ck_ctl__sops_keys_free(s->keys);
		s->keys = k;
		s->keys_built = gen;
		ck_log_info("controller: SOPS keys from %s: %zu age, %zu PGP, vault token %s, AWS "
		            "credentials %s%s%s", key, k->nage, k->npgp, k->vault_token ? "yes" : "no",
		            k->aws_akid ? "yes" : "no", k->problems[0] ? "; skipped: " : "",
		            k->problems);
	}
done:
	ck_doc_free(d);
	ck_secret_free(ks.json);
	pthread_rwlock_unlock(&s->keys_lock);
	if (rc < 0)
		return rc;
	pthread_rwlock_rdlock(&s->keys_lock);
	return CK_OK;
}

/* --------------------------------------------------------------- reconcile */

enum result { R_SUCCESS, R_ERROR, R_FATAL };

struct snap {
	int present;
	struct ss_entry e;
};

static void snap_cb(void *arg, const char *rv, const void *entry)
{
	struct snap *sn = arg;
	const struct ss_entry *e = entry;

	(void)rv;
	if (e == NULL)
		return;
	sn->present = 1;
	sn->e = *e;
	sn->e.uid = ck_strdup(e->uid);
	sn->e.json = ck_strdup(e->json);
	if (sn->e.uid == NULL || sn->e.json == NULL)
		sn->present = -1;
}

struct secsnap {
	int present;
	char rv[64];
};

static void secsnap_cb(void *arg, const char *rv, const void *entry)
{
	struct secsnap *s = arg;

	if (entry == NULL)
		return;
	s->present = 1;
	snprintf(s->rv, sizeof(s->rv), "%s", rv ? rv : "");
}

struct ctx {
	struct ck_ctl_sops *s;
	struct ck_kube_conn *conn;
	char ns[256], name[256];
	struct snap sn;
	const char *reason;
	char message[MSG_MAX];
};

static void setmsg(struct ctx *c, const char *reason, const char *fmt, ...) CK_PRINTF(3, 4);

static void setmsg(struct ctx *c, const char *reason, const char *fmt, ...)
{
	va_list ap;

	c->reason = reason;
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}

static int adopt(void *arg, const struct ck_doc_node *live, char *msg, size_t n)
{
	struct ctx *c = arg;
	const struct ck_doc_node *refs = ck_doc_get_path(live, "metadata.ownerReferences");
	const char *lab = ck_doc_map_get_str(ck_doc_get_path(live, "metadata.labels"),
	                                     CK_CTL_SOPS_LABEL);
	size_t i;

	for (i = 0; refs != NULL && refs->kind == CK_DOC_SEQ && i < refs->nkids; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(refs->kids[i]);

		if (ck_doc_scalar_is(ck_doc_map_get(r, "controller"), "true") &&
		    ck_doc_scalar_is(ck_doc_map_get(r, "kind"), "SopsSecret") &&
		    ck_doc_scalar_is(ck_doc_map_get(r, "uid"), c->sn.e.uid))
			return 1;
	}
	if (lab != NULL && strcmp(lab, c->name) == 0)
		return 1;
	snprintf(msg, n, "Secret %s/%s exists and is not managed by this SopsSecret; label it "
	         CK_CTL_SOPS_LABEL "=%s to let cloak take it over", c->ns, c->name, c->name);
	return 0;
}

/* A scalar as its text (YAML stringData values may be numbers or booleans). */
static int put_scalar(struct ck_ext_map *m, const char *k, const struct ck_doc_node *v)
{
	v = ck_doc_resolve(v);
	if (v->kind != CK_DOC_SCALAR)
		return ck_err_set(CK_EINVAL, "the value of \"%s\" is not a string", k);
	if (ck_doc_scalar_type(v) == CK_DOC_T_NULL && v->style == CK_DOC_PLAIN)
		return ck_ext_map_set(m, k, strlen(k), "", 0);
	return ck_ext_map_set(m, k, strlen(k), v->text, v->len);
}

static int string_map(struct ck_ext_map *out, const struct ck_doc_node *m, const char *what)
{
	size_t i;
	int rc;

	if (m == NULL)
		return CK_OK;
	if ((m = ck_doc_resolve(m))->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL, "%s is not a map", what);
	for (i = 0; i < ck_doc_map_len(m); i++) {
		const char *k = ck_doc_map_key(m, i)->text;

		if (strcmp(k, "kubectl.kubernetes.io/last-applied-configuration") == 0)
			continue;
		if ((rc = put_scalar(out, k, ck_doc_map_value(m, i))) < 0) {
			ck_err_context("%s", what);
			return rc;
		}
	}
	return CK_OK;
}

/*
 * The decrypted document -> the Secret's maps: a Secret manifest, or a flat
 * map of strings.
 */
static int shape_plain(const struct ck_doc_node *doc, struct ck_ext_map *data,
                       struct ck_ext_map *labels, struct ck_ext_map *annos, const char **type,
                       int *immutable)
{
	const struct ck_doc_node *d, *md;
	struct ck_buf raw;
	size_t i;
	int rc = CK_OK;

	if (doc == NULL || (doc = ck_doc_resolve(doc))->kind != CK_DOC_MAP)
		return ck_err_set(CK_EINVAL, "the decrypted document is not a map");
	if (!ck_doc_scalar_is(ck_doc_map_get(doc, "kind"), "Secret")) {
		for (i = 0; i < ck_doc_map_len(doc) && rc >= 0; i++)
			rc = put_scalar(data, ck_doc_map_key(doc, i)->text, ck_doc_map_value(doc, i));
		return rc;
	}
	ck_buf_init_secure(&raw, CK_BUF_MAX);
	if ((d = ck_doc_map_get(doc, "data")) != NULL) {
		if ((d = ck_doc_resolve(d))->kind != CK_DOC_MAP) {
			rc = ck_err_set(CK_EINVAL, "data is not a map");
			goto out;
		}
		for (i = 0; i < ck_doc_map_len(d); i++) {
			const char *k = ck_doc_map_key(d, i)->text;
			const struct ck_doc_node *v = ck_doc_resolve(ck_doc_map_value(d, i));

			ck_buf_reset(&raw);
			if (v->kind != CK_DOC_SCALAR ||
			    ck_b64_decode(&raw, v->text, v->len, CK_B64_STD, 0) < 0) {
				rc = ck_err_set(CK_EINVAL, "data.%s is not base64", k);
				goto out;
			}
			if ((rc = ck_ext_map_set(data, k, strlen(k), ck_buf_data(&raw), ck_buf_len(&raw))) < 0)
				goto out;
		}
	}
	if ((rc = string_map(data, ck_doc_map_get(doc, "stringData"), "stringData")) < 0)
		goto out;
	md = ck_doc_map_get(doc, "metadata");
	if ((rc = string_map(labels, ck_doc_map_get(md, "labels"), "metadata.labels")) < 0 ||
	    (rc = string_map(annos, ck_doc_map_get(md, "annotations"), "metadata.annotations")) < 0)
		goto out;
	if (ck_doc_map_get_str(doc, "type") != NULL)
		*type = ck_doc_map_get_str(doc, "type");
	*immutable = ck_doc_scalar_is(ck_doc_map_get(doc, "immutable"), "true");
out:
	ck_buf_dispose(&raw);
	return rc;
}

/* Ready and observedGeneration; obj is the SopsSecret as cached (its old conditions). */
static int write_status(struct ctx *c, int ready, const struct ck_doc_node *obj)
{
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *st, *conds;
	struct ck_buf now = CK_BUF_INIT, path = CK_BUF_INIT;
	long hs = 0;
	int rc;

	if (d == NULL || (st = ck_doc_map(d)) == NULL || ck_doc_add_root(d, st) < 0 ||
	    (conds = ck_doc_seq(d)) == NULL || ck_doc_map_set(d, st, "conditions", conds) < 0 ||
	    ck_ctl_time_format(&now, ck_ctl_wall_us(), 0) < 0) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	/* the previous conditions keep their transition times */
	if ((rc = ck_buf_printf(&path, "/apis/" API "/namespaces/%s/sopssecrets/%s", c->ns,
	                        c->name)) < 0 ||
	    (rc = ck_ctl__condition_put(d, conds, ck_doc_get_path(obj, "status.conditions"), "Ready",
	                                ready ? "True" : "False", c->reason, c->message,
	                                ck_buf_cstr(&now), c->sn.e.generation)) < 0)
		goto out;
	{
		char gen[32];

		snprintf(gen, sizeof(gen), "%lld", (long long)c->sn.e.generation);
		if ((rc = ck_ctl__put_raw(d, st, "observedGeneration", gen)) < 0)
			goto out;
	}
	rc = ck_ctl__status_patch(c->conn, ck_buf_cstr(&path), st, &hs);
	if (rc < 0 && hs == 404) {
		ck_err_clear();
		rc = CK_OK;
	}
out:
	ck_doc_free(d);
	ck_buf_dispose(&now);
	ck_buf_dispose(&path);
	return rc;
}

/* Decrypt spec.sops into a plaintext JSON document (secure). */
static int decrypt(struct ctx *c, const struct ck_doc_node *spec, struct ck_doc **plain)
{
	struct ck_ctl_sops *s = c->s;
	const char *text = ck_doc_map_get_str(spec, "sops");
	const char *fmt_name = ck_doc_map_get_str(spec, "format");
	enum ck_sops_format fmt = CK_SOPS_FMT_YAML;
	struct ck_sops_file *f = NULL;
	struct ck_sops_keyctx ctx;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;
	struct ck_buf in = CK_BUF_INIT, out;
	int rc, have_keys = 0;

	ck_buf_init_secure(&out, MAX_DOC);
	*plain = NULL;
	if (text == NULL || *text == '\0') {
		setmsg(c, "InvalidSpec", "spec.sops: the SOPS-encrypted document is missing");
		rc = CK_EINVAL;
		goto out;
	}
	if (fmt_name != NULL && *fmt_name) {
		if (ck_sops_format_from_name(&fmt, fmt_name) < 0 || fmt == CK_SOPS_FMT_BINARY) {
			ck_err_clear();
			setmsg(c, "InvalidSpec", "spec.format: \"%s\" is not yaml, json, dotenv or ini",
			       fmt_name);
			rc = CK_EINVAL;
			goto out;
		}
	} else {
		const char *p = text;

		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		fmt = *p == '{' ? CK_SOPS_FMT_JSON : CK_SOPS_FMT_YAML;
	}
	if ((rc = ck_buf_puts(&in, text)) < 0)
		goto out;
	if ((rc = ck_sops_file_read(&f, &in, fmt, 0)) < 0) {
		setmsg(c, "InvalidSpec", "spec.sops: %s", ck_err_last()->msg);
		goto out;
	}
	if ((rc = keys_acquire(s)) < 0) {
		setmsg(c, "DecryptionFailed", "reading the keys: %s", ck_err_last()->msg);
		goto out;
	}
	have_keys = 1;
	ck_ctl__sops_keyctx(&ctx, s->keys, s->gpg);
	rc = ck_sops_file_decrypt(f, &ctx, 0);
	if (rc < 0) {
		const struct ck_err *e = ck_err_last();

		if (e->exit_override == CK_SOPS_EXIT_MAC_MISMATCH || e->exit_override == CK_SOPS_EXIT_MAC_NOT_FOUND)
			setmsg(c, "MACMismatch", "%s", e->msg);
		else if (e->exit_override == CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY || rc == CK_ENOKEY)
			setmsg(c, "KeyNotFound", "%s (keys Secret %s/%s%s%s)", e->msg, s->ns, s->keys_name,
			       s->keys->problems[0] ? "; " : "", s->keys->problems);
		else
			setmsg(c, "DecryptionFailed", "%s", e->msg);
	} else {
		rc = ck_sops_file_emit(&out, f, CK_SOPS_FMT_JSON, &eo);
		if (rc < 0)
			setmsg(c, "DecryptionFailed", "%s", ck_err_last()->msg);
	}
	ck_ctl__sops_keyctx_dispose(&ctx);
	if (rc < 0)
		goto out;
	if ((rc = ck_doc_parse_json(plain, ck_buf_cstr(&out), ck_buf_len(&out), CK_DOC_SECURE)) < 0)
		setmsg(c, "DecryptionFailed", "the decrypted document: %s", ck_err_last()->msg);
out:
	if (have_keys)
		pthread_rwlock_unlock(&s->keys_lock);
	ck_sops_file_free(f);
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static enum result reconcile(struct ck_ctl_sops *s, struct ck_kube_conn *conn, const char *key)
{
	struct ctx c;
	struct state st;
	struct secsnap sec;
	struct ck_doc *objdoc = NULL, *plain = NULL;
	struct ck_ext_map *data = NULL, *labels = NULL, *annos = NULL;
	struct ck_ctl__want w;
	struct ck_ctl__applied ap;
	struct ck_ctl__ref self;
	const struct ck_doc_node *spec;
	const char *type = NULL;
	int have, immutable = 0, rc;
	enum result res = R_ERROR;
	struct state *sp;

	memset(&c, 0, sizeof(c));
	memset(&sec, 0, sizeof(sec));
	memset(&st, 0, sizeof(st));
	c.s = s;
	c.conn = conn;
	ck_ctl__split_key(key, c.ns, sizeof(c.ns), c.name, sizeof(c.name));
	ck_ctl_informer_with(s->ss_inf[ns_index(s, key)], key, snap_cb, &c.sn);
	if (c.sn.present < 0) {
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	if (!c.sn.present) {
		pthread_mutex_lock(&s->lock);
		ck_free(ck_ctl_map_del(s->state, key));
		pthread_mutex_unlock(&s->lock);
		ck_ctl_metrics_delete_matching(s->m, "cloak_controller_sopssecret_condition_info",
		                               "namespace", c.ns, "name", c.name, NULL);
		res = R_SUCCESS;
		goto out;
	}
	self.api_version = API;
	self.kind = "SopsSecret";
	self.ns = c.ns;
	self.name = c.name;
	self.uid = c.sn.e.uid;
	ck_ctl_informer_with(s->sec_inf[ns_index(s, key)], key, secsnap_cb, &sec);
	pthread_mutex_lock(&s->lock);
	sp = ck_ctl_map_get(s->state, key);
	have = sp != NULL;
	if (have)
		st = *sp;
	pthread_mutex_unlock(&s->lock);
	/* nothing moved since the last good decryption: no work */
	if (have && st.ready && strcmp(st.uid, c.sn.e.uid) == 0 &&
	    memcmp(st.digest, c.sn.e.digest, sizeof(st.digest)) == 0 && sec.present &&
	    strcmp(sec.rv, st.secret_rv) == 0) {
		atomic_fetch_add(&s->n_skipped, 1);
		if (c.sn.e.observed != c.sn.e.generation || c.sn.e.ready != 1) {
			setmsg(&c, "Decrypted", "secret decrypted");
			if ((rc = ck_doc_parse_json(&objdoc, c.sn.e.json, strlen(c.sn.e.json), 0)) < 0 ||
			    write_status(&c, 1, objdoc->docs[0]) < 0)
				goto out;
		}
		res = R_SUCCESS;
		goto out;
	}
	if ((rc = ck_doc_parse_json(&objdoc, c.sn.e.json, strlen(c.sn.e.json), 0)) < 0)
		goto out;
	if (ck_doc_get_path(objdoc->docs[0], "metadata.deletionTimestamp") != NULL) {
		res = R_SUCCESS;
		goto out;
	}
	spec = ck_doc_map_get(objdoc->docs[0], "spec");
	atomic_fetch_add(&s->n_dec, 1);
	if ((rc = decrypt(&c, spec, &plain)) < 0)
		goto failed;
	if ((data = ck_ext_map_new()) == NULL || (labels = ck_ext_map_new()) == NULL ||
	    (annos = ck_ext_map_new()) == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	if ((rc = shape_plain(plain->docs[0], data, labels, annos, &type, &immutable)) < 0) {
		setmsg(&c, "InvalidSpec", "the decrypted document: %s", ck_err_last()->msg);
		goto failed;
	}
	if (type == NULL)
		type = ck_doc_map_get_str(spec, "type");
	if ((rc = ck_ext_map_set(labels, CK_CTL_SOPS_LABEL, strlen(CK_CTL_SOPS_LABEL), c.name,
	                         strlen(c.name))) < 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.ns = c.ns;
	w.name = c.name;
	w.type = type;
	w.data = data;
	w.labels = labels;
	w.annotations = annos;
	w.immutable = immutable;
	w.owner = &self;
	w.create = 1;
	w.adopt = adopt;
	w.arg = &c;
	if ((rc = ck_ctl__secret_apply(conn, &w, !sec.present, &ap)) < 0) {
		if (ap.refused || ap.immutable)
			setmsg(&c, "SecretConflict", "%s", ck_err_last()->msg);
		else
			setmsg(&c, "SecretUpdateFailed", "%s", ck_err_last()->msg);
		goto failed;
	}
	if (ap.wrote) {
		atomic_fetch_add(&s->n_writes, 1);
		ck_ctl_metrics_add(s->m, "cloak_controller_secret_writes_total", 1, "verb",
		                   ap.created ? "create" : "update", NULL);
		ck_ctl__event(conn, REPORTING, s->instance, &self, "Decrypt", "Normal",
		              ap.created ? "Created" : "Updated", "SopsSecret decrypted into the Secret");
	}
	memset(&st, 0, sizeof(st));
	snprintf(st.uid, sizeof(st.uid), "%s", c.sn.e.uid);
	memcpy(st.digest, c.sn.e.digest, sizeof(st.digest));
	snprintf(st.secret_rv, sizeof(st.secret_rv), "%s", ap.rv);
	st.ready = 1;
	pthread_mutex_lock(&s->lock);
	if ((sp = ck_ctl_map_get(s->state, key)) == NULL && (sp = ck_calloc(1, sizeof(*sp))) != NULL &&
	    ck_ctl_map_put(s->state, key, sp, NULL) < 0) {
		ck_free(sp);
		sp = NULL;
	}
	if (sp != NULL)
		*sp = st;
	pthread_mutex_unlock(&s->lock);
	ck_ctl_metrics_add(s->m, "cloak_controller_sops_decryptions_total", 1, "result", "success",
	                   NULL);
	ck_ctl_metrics_set(s->m, "cloak_controller_sopssecret_condition_info", 1, "namespace", c.ns,
	                   "name", c.name, NULL);
	setmsg(&c, "Decrypted", "secret decrypted");
	if (c.sn.e.ready != 1 || c.sn.e.observed != c.sn.e.generation) {
		if (write_status(&c, 1, objdoc->docs[0]) < 0)
			ck_log_warn("controller: %s: status not written: %s", key, ck_err_last()->msg);
	}
	res = R_SUCCESS;
	goto out;
failed:
	atomic_fetch_add(&s->n_fail, 1);
	ck_log_warn("controller: %s: %s: %s", key, c.reason, c.message);
	ck_ctl_metrics_add(s->m, "cloak_controller_sops_decryptions_total", 1, "result", c.reason,
	                   NULL);
	ck_ctl_metrics_set(s->m, "cloak_controller_sopssecret_condition_info", -1, "namespace", c.ns,
	                   "name", c.name, NULL);
	pthread_mutex_lock(&s->lock);
	if ((sp = ck_ctl_map_get(s->state, key)) != NULL)
		sp->ready = 0;
	pthread_mutex_unlock(&s->lock);
	ck_ctl__event(conn, REPORTING, s->instance, &self, "Decrypt", "Warning", c.reason, c.message);
	if (objdoc != NULL && write_status(&c, 0, objdoc->docs[0]) < 0)
		ck_log_warn("controller: %s: status not written: %s", key, ck_err_last()->msg);
	/* a bad document or MAC waits for a change; keys and services are retried */
	res = strcmp(c.reason, "InvalidSpec") == 0 || strcmp(c.reason, "MACMismatch") == 0 ||
	      strcmp(c.reason, "SecretConflict") == 0 ? R_FATAL : R_ERROR;
out:
	if (res == R_ERROR && c.reason == NULL)
		ck_log_warn("controller: %s: %s", key, ck_err_last()->msg);
	ck_ext_map_free(data);
	ck_ext_map_free(labels);
	ck_ext_map_free(annos);
	ck_doc_free(plain);
	ck_doc_free(objdoc);
	ck_free(c.sn.e.uid);
	ck_free(c.sn.e.json);
	return res;
}

/* ------------------------------------------------------------------ workers */

static void *work(void *p)
{
	struct ck_ctl_sops *s = p;
	struct ck_kube_conn *conn = NULL;
	char *key;
	int got;

	while (ck_kube_conn_new(&conn, s->kube) < 0) {
		ck_log_error("controller: worker: %s", ck_err_last()->msg);
		ck_ctl_sleep_ms(1000);
	}
	while ((got = ck_ctl_queue_get(s->queue, &key, 250)) != 0) {
		enum result r;

		if (got < 0)
			continue;
		atomic_fetch_add(&s->inflight, 1);
		ck_err_clear();
		r = reconcile(s, conn, key);
		ck_ctl_metrics_add(s->m, "controller_runtime_reconcile_total", 1, "controller",
		                   CONTROLLER, "result", r == R_SUCCESS ? "success" : "error", NULL);
		if (r == R_ERROR) {
			ck_ctl_queue_add_rate_limited(s->queue, key);
		} else {
			ck_ctl_queue_forget(s->queue, key);
		}
		ck_ctl_queue_done(s->queue, key);
		atomic_fetch_sub(&s->inflight, 1);
		ck_free(key);
	}
	ck_kube_conn_free(conn);
	return NULL;
}

int ck_ctl_sops_start_workers(struct ck_ctl_sops *s)
{
	int rc;

	if (s->workers.threads != NULL)
		return CK_OK;
	if ((rc = ck_ctl__workers_start(&s->workers, s->o.workers, work, s)) < 0)
		return rc;
	ck_ctl_sops_resync(s);
	return CK_OK;
}

void ck_ctl_sops_free(struct ck_ctl_sops *s)
{
	size_t i, pos = 0;
	void *v;

	if (s == NULL)
		return;
	if (s->queue != NULL)
		ck_ctl_queue_shutdown(s->queue);
	ck_ctl__workers_join(&s->workers);
	for (i = 0; i < MAX_NS; i++) {
		ck_ctl_informer_free(s->ss_inf[i]);
		ck_ctl_informer_free(s->sec_inf[i]);
		ck_free(s->nscopy[i]);
	}
	ck_ctl_informer_free(s->keys_inf);
	ck_ctl_queue_free(s->queue);
	ck_ctl__sops_keys_free(s->keys);
	if (s->state != NULL) {
		while (ck_ctl_map_next(s->state, &pos, &v) != NULL)
			ck_free(v);
		ck_ctl_map_free(s->state);
	}
	ck_free(s->instance);
	ck_free(s->ns);
	ck_free(s->keys_name);
	ck_free(s->gpg);
	pthread_rwlock_destroy(&s->keys_lock);
	pthread_mutex_destroy(&s->lock);
	ck_free(s);
}
