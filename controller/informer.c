/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_informer.h"
#include "ck/ctl_map.h"
#include "ck/log.h"
#include "ck/rand.h"

#define RELIST 1000 /* internal: the watch asked for a relist (410) */

struct item {
	char *rv;
	void *entry;
	unsigned gen;    /* list generation that last saw it */
};

struct ck_ctl_informer {
	struct ck_kube *kube;
	struct ck_ctl_informer_opts o;
	char *name, *path, *lsel, *fsel;
	pthread_mutex_t lock;        /* cache + state */
	pthread_cond_t cond;
	struct ck_ctl_map *cache;    /* key -> struct item */
	unsigned gen;
	char last_rv[64];
	int synced;
	int stop;
	int started;
	pthread_t thread;
	struct ck_kube_conn *conn;
	struct ck_ctl_informer_stats st;
};

int ck_ctl_object_key(struct ck_buf *out, const struct ck_doc_node *obj)
{
	const char *ns = ck_kube_str(obj, "metadata.namespace");
	const char *name = ck_kube_str(obj, "metadata.name");

	if (name == NULL)
		return ck_err_set(CK_EINVAL, "kube: object without metadata.name");
	if (ns != NULL && *ns)
		return ck_buf_printf(out, "%s/%s", ns, name);
	return ck_buf_puts(out, name);
}

static char *dup_or_null(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = ck_strdup(s);
	if (d == NULL)
		*bad = 1;
	return d;
}

int ck_ctl_informer_new(struct ck_ctl_informer **out, struct ck_kube *kube,
                        const struct ck_ctl_informer_opts *opts)
{
	struct ck_ctl_informer *inf;
	int bad = 0;

	*out = NULL;
	inf = ck_calloc(1, sizeof(*inf));
	if (inf == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	inf->kube = kube;
	inf->o = *opts;
	inf->name = dup_or_null(opts->name ? opts->name : opts->path, &bad);
	inf->path = dup_or_null(opts->path, &bad);
	inf->lsel = dup_or_null(opts->label_selector, &bad);
	inf->fsel = dup_or_null(opts->field_selector, &bad);
	inf->cache = ck_ctl_map_new();
	pthread_mutex_init(&inf->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&inf->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	if (bad || inf->cache == NULL) {
		ck_ctl_informer_free(inf);
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	if (inf->o.page_size <= 0)
		inf->o.page_size = 500;
	if (inf->o.watch_min_s <= 0)
		inf->o.watch_min_s = 300;
	if (inf->o.backoff_ms <= 0)
		inf->o.backoff_ms = 800;
	if (inf->o.backoff_max_ms < inf->o.backoff_ms)
		inf->o.backoff_max_ms = inf->o.backoff_ms > 30000 ? inf->o.backoff_ms : 30000;
	if (inf->o.watch_max_s < inf->o.watch_min_s)
		inf->o.watch_max_s = inf->o.watch_min_s == 300 ? 600 : inf->o.watch_min_s;
	*out = inf;
	return CK_OK;
}

static void drop_item(struct ck_ctl_informer *inf, struct item *it)
{
	if (it == NULL)
		return;
	if (it->entry != NULL && inf->o.drop != NULL)
		inf->o.drop(inf->o.arg, it->entry);
	ck_free(it->rv);
	ck_free(it);
}

void ck_ctl_informer_free(struct ck_ctl_informer *inf)
{
	size_t pos = 0;
	void *v;

	if (inf == NULL)
		return;
	if (inf->started) {
		pthread_mutex_lock(&inf->lock);
		inf->stop = 1;
		if (inf->conn != NULL)
			ck_kube_conn_cancel(inf->conn);
		pthread_cond_broadcast(&inf->cond);
		pthread_mutex_unlock(&inf->lock);
		pthread_join(inf->thread, NULL);
	}
	if (inf->cache != NULL) {
		while (ck_ctl_map_next(inf->cache, &pos, &v) != NULL)
			drop_item(inf, v);
		ck_ctl_map_free(inf->cache);
	}
	ck_free(inf->name);
	ck_free(inf->path);
	ck_free(inf->lsel);
	ck_free(inf->fsel);
	pthread_cond_destroy(&inf->cond);
	pthread_mutex_destroy(&inf->lock);
	ck_free(inf);
}

/* Sleep up to ms unless stopped; returns 1 when stopping. */
static int nap(struct ck_ctl_informer *inf, int64_t ms)
{
	struct timespec ts;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&inf->lock);
	while (!inf->stop && pthread_cond_timedwait(&inf->cond, &inf->lock, &ts) == 0)
		;
	stop = inf->stop;
	pthread_mutex_unlock(&inf->lock);
	return stop;
}

static int stopping(struct ck_ctl_informer *inf)
{
	int s;

	pthread_mutex_lock(&inf->lock);
	s = inf->stop;
	pthread_mutex_unlock(&inf->lock);
	return s;
}

/* Put an object in the cache and report it. */
static void upsert(struct ck_ctl_informer *inf, const struct ck_doc_node *obj, int from_list)
{
	struct ck_buf key = CK_BUF_INIT;
	const char *rv = ck_kube_str(obj, "metadata.resourceVersion");
	struct item *old, *it = NULL;
	enum ck_ctl_change what;
	void *prev;

	if (ck_ctl_object_key(&key, obj) < 0 || rv == NULL) {
		ck_log_warn("controller: %s: object without name or resourceVersion skipped",
		            inf->name);
		goto out;
	}
	pthread_mutex_lock(&inf->lock);
	old = ck_ctl_map_get(inf->cache, ck_buf_cstr(&key));
	if (old != NULL && from_list && strcmp(old->rv, rv) == 0) {
		old->gen = inf->gen;
		pthread_mutex_unlock(&inf->lock);
		if (inf->o.on_change)
			inf->o.on_change(inf->o.arg, CK_CTL_RESYNC, ck_buf_cstr(&key), old->entry,
			                 old->entry);
		goto out;
	}
	it = ck_calloc(1, sizeof(*it));
	if (it != NULL) {
		it->rv = ck_strdup(rv);
		it->entry = inf->o.make ? inf->o.make(inf->o.arg, obj) : NULL;
		it->gen = inf->gen;
	}
	if (it == NULL || it->rv == NULL || (inf->o.make && it->entry == NULL) ||
	    ck_ctl_map_put(inf->cache, ck_buf_cstr(&key), it, &prev) < 0) {
		pthread_mutex_unlock(&inf->lock);
		ck_log_warn("controller: %s: out of memory caching %s", inf->name, ck_buf_cstr(&key));
		drop_item(inf, it);
		goto out;
	}
	what = old ? CK_CTL_UPDATED : CK_CTL_ADDED;
	/* Report with the lock released; keep old alive until then. */
	pthread_mutex_unlock(&inf->lock);
	if (inf->o.on_change)
		inf->o.on_change(inf->o.arg, what, ck_buf_cstr(&key), old ? old->entry : NULL,
		                 it->entry);
	drop_item(inf, old);
out:
	ck_buf_dispose(&key);
}

static void remove_key(struct ck_ctl_informer *inf, const char *key)
{
	struct item *old;

	pthread_mutex_lock(&inf->lock);
	old = ck_ctl_map_del(inf->cache, key);
	pthread_mutex_unlock(&inf->lock);
	if (old == NULL)
		return;
	if (inf->o.on_change)
		inf->o.on_change(inf->o.arg, CK_CTL_DELETED, key, old->entry, NULL);
	drop_item(inf, old);
}

static int selectors(struct ck_ctl_informer *inf, struct ck_buf *q)
{
	int rc = CK_OK;

	if (inf->lsel != NULL && *inf->lsel && (rc = ck_buf_puts(q, "&labelSelector=")) == CK_OK)
		rc = ck_kube_query_escape(q, inf->lsel);
	if (rc == CK_OK && inf->fsel != NULL && *inf->fsel &&
	    (rc = ck_buf_puts(q, "&fieldSelector=")) == CK_OK)
		rc = ck_kube_query_escape(q, inf->fsel);
	return rc;
}

/* A consistent, paged list; replaces the cache. */
static int list(struct ck_ctl_informer *inf, struct ck_kube_conn *conn)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf q = CK_BUF_INIT, cont = CK_BUF_INIT;
	char list_rv[64] = "";
	int rc = CK_OK, paged = 1, restarted = 0;
	size_t pos, i;
	const char *key;
	void *v;

	pthread_mutex_lock(&inf->lock);
	inf->gen++;
	pthread_mutex_unlock(&inf->lock);
	for (;;) {
		const struct ck_doc_node *items;
		const char *c, *lrv;

		ck_buf_reset(&q);
		if (paged)
			rc = ck_buf_printf(&q, "limit=%d", inf->o.page_size);
		else
			rc = ck_buf_puts(&q, "resourceVersion=");
		if (rc == CK_OK && ck_buf_len(&cont) > 0 &&
		    (rc = ck_buf_puts(&q, "&continue=")) == CK_OK)
			rc = ck_kube_query_escape(&q, ck_buf_cstr(&cont));
		if (rc == CK_OK)
			rc = selectors(inf, &q);
		if (rc < 0)
			goto out;
		rc = ck_kube_request(conn, &resp, "GET", inf->path, ck_buf_cstr(&q), NULL, 0, NULL,
		                     inf->o.flags & (CK_KUBE_METADATA | CK_KUBE_SECRET));
		if (rc < 0 && resp.status == 410 && ck_buf_len(&cont) > 0 && !restarted) {
			/* The continue token expired: start over, in one piece this time. */
			ck_log_info("controller: %s: continue token expired, listing again", inf->name);
			restarted = 1;
			paged = 0;
			ck_buf_reset(&cont);
			pthread_mutex_lock(&inf->lock);
			inf->gen++;
			pthread_mutex_unlock(&inf->lock);
			continue;
		}
		if (rc < 0)
			goto out;
		lrv = ck_kube_str(resp.obj, "metadata.resourceVersion");
		if (lrv != NULL && !list_rv[0])
			snprintf(list_rv, sizeof(list_rv), "%s", lrv);
		items = ck_doc_map_get(resp.obj, "items");
		for (i = 0; items != NULL && items->kind == CK_DOC_SEQ && i < items->nkids; i++)
			upsert(inf, ck_doc_resolve(items->kids[i]), 1);
		c = ck_kube_str(resp.obj, "metadata.continue");
		ck_buf_reset(&cont);
		if (c == NULL || !*c)
			break;
		if ((rc = ck_buf_puts(&cont, c)) < 0)
			goto out;
		if (stopping(inf)) {
			rc = ck_err_set(CK_ENET, "controller: %s: stopped", inf->name);
			goto out;
		}
	}
	/* Objects not seen in this list were deleted meanwhile. */
	for (;;) {
		char *gone = NULL;

		pthread_mutex_lock(&inf->lock);
		pos = 0;
		while ((key = ck_ctl_map_next(inf->cache, &pos, &v)) != NULL) {
			if (((struct item *)v)->gen != inf->gen) {
				gone = ck_strdup(key);
				break;
			}
		}
		pthread_mutex_unlock(&inf->lock);
		if (key == NULL)
			break;
		if (gone == NULL) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		remove_key(inf, gone);
		ck_free(gone);
	}
	pthread_mutex_lock(&inf->lock);
	snprintf(inf->last_rv, sizeof(inf->last_rv), "%s", list_rv);
	inf->st.lists++;
	if (!inf->synced) {
		inf->synced = 1;
		pthread_cond_broadcast(&inf->cond);
	}
	pthread_mutex_unlock(&inf->lock);
	rc = CK_OK;
out:
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&q);
	ck_buf_dispose(&cont);
	return rc;
}

static void set_rv(struct ck_ctl_informer *inf, const char *rv)
{
	if (rv == NULL)
		return;
	pthread_mutex_lock(&inf->lock);
	snprintf(inf->last_rv, sizeof(inf->last_rv), "%s", rv);
	pthread_mutex_unlock(&inf->lock);
}

static int on_event(void *arg, const char *type, const struct ck_doc_node *obj)
{
	struct ck_ctl_informer *inf = arg;
	const char *rv = ck_kube_str(obj, "metadata.resourceVersion");

	if (strcmp(type, "ADDED") == 0 || strcmp(type, "MODIFIED") == 0) {
		upsert(inf, obj, 0);
		set_rv(inf, rv);
		pthread_mutex_lock(&inf->lock);
		inf->st.events++;
		pthread_mutex_unlock(&inf->lock);
	} else if (strcmp(type, "DELETED") == 0) {
		struct ck_buf key = CK_BUF_INIT;

		if (ck_ctl_object_key(&key, obj) == CK_OK)
			remove_key(inf, ck_buf_cstr(&key));
		ck_buf_dispose(&key);
		set_rv(inf, rv);
		pthread_mutex_lock(&inf->lock);
		inf->st.events++;
		pthread_mutex_unlock(&inf->lock);
	} else if (strcmp(type, "BOOKMARK") == 0) {
		set_rv(inf, rv);
		pthread_mutex_lock(&inf->lock);
		inf->st.bookmarks++;
		pthread_mutex_unlock(&inf->lock);
	} else if (strcmp(type, "ERROR") == 0) {
		int64_t code = ck_kube_int(obj, "code", 0);
		const char *msg = ck_kube_str(obj, "message");

		if (code == 410)
			return RELIST;
		ck_err_set(CK_ENET, "controller: %s: watch error %lld: %.200s", inf->name,
		           (long long)code, msg ? msg : "");
		return CK_ENET;
	}
	return stopping(inf) ? 1 : 0;
}

static int watch(struct ck_ctl_informer *inf, struct ck_kube_conn *conn)
{
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf q = CK_BUF_INIT;
	int timeout, rc;
	char rv[64];

	pthread_mutex_lock(&inf->lock);
	snprintf(rv, sizeof(rv), "%s", inf->last_rv);
	inf->st.watches++;
	pthread_mutex_unlock(&inf->lock);
	timeout = inf->o.watch_min_s;
	if (inf->o.watch_max_s > inf->o.watch_min_s)
		timeout += (int)ck_random_uniform(
			(uint32_t)(inf->o.watch_max_s - inf->o.watch_min_s + 1));
	rc = ck_buf_printf(&q, "watch=1&resourceVersion=%s&allowWatchBookmarks=true"
	                   "&timeoutSeconds=%d", rv, timeout);
	if (rc == CK_OK)
		rc = selectors(inf, &q);
	if (rc == CK_OK)
		rc = ck_kube_watch(conn, &resp, inf->path, ck_buf_cstr(&q),
		                   inf->o.flags & (CK_KUBE_METADATA | CK_KUBE_SECRET), on_event,
		                   inf, (long)(timeout + 30) * 1000);
	if (rc < 0 && resp.status == 410)
		rc = RELIST;
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&q);
	return rc;
}

static void *run(void *p)
{
	struct ck_ctl_informer *inf = p;
	struct ck_kube_conn *conn = NULL;
	int64_t backoff = inf->o.backoff_ms;
	int need_list = 1, rc;

	while (!stopping(inf)) {
		if (conn == NULL) {
			if (ck_kube_conn_new(&conn, inf->kube) < 0) {
				ck_log_error("controller: %s: %s", inf->name, ck_err_last()->msg);
				if (nap(inf, backoff))
					break;
				continue;
			}
			pthread_mutex_lock(&inf->lock);
			inf->conn = conn;
			if (inf->stop)
				ck_kube_conn_cancel(conn);
			pthread_mutex_unlock(&inf->lock);
		}
		if (need_list) {
			rc = list(inf, conn);
		} else {
			rc = watch(inf, conn);
			if (rc == RELIST) {
				ck_log_info("controller: %s: resourceVersion too old (410), listing again",
				            inf->name);
				pthread_mutex_lock(&inf->lock);
				inf->st.relists++;
				pthread_mutex_unlock(&inf->lock);
				need_list = 1;
				continue;
			}
		}
		if (stopping(inf))
			break;
		if (rc < 0) {
			ck_log_warn("controller: %s: %s", inf->name, ck_err_last()->msg);
			pthread_mutex_lock(&inf->lock);
			inf->st.failures++;
			pthread_mutex_unlock(&inf->lock);
			if (nap(inf, backoff + (int64_t)ck_random_uniform((uint32_t)(backoff / 2 + 1))))
				break;
			backoff = backoff * 2 > inf->o.backoff_max_ms ? inf->o.backoff_max_ms : backoff * 2;
			continue;
		}
		backoff = inf->o.backoff_ms;
		need_list = 0;
	}
	pthread_mutex_lock(&inf->lock);
	inf->conn = NULL;
	pthread_mutex_unlock(&inf->lock);
	ck_kube_conn_free(conn);
	return NULL;
}

int ck_ctl_informer_start(struct ck_ctl_informer *inf)
{
	if (pthread_create(&inf->thread, NULL, run, inf) != 0)
		return ck_err_set(CK_EINTERNAL, "controller: cannot start the %s informer", inf->name);
	inf->started = 1;
	return CK_OK;
}

int ck_ctl_informer_synced(struct ck_ctl_informer *inf)
{
	int s;

	pthread_mutex_lock(&inf->lock);
	s = inf->synced;
	pthread_mutex_unlock(&inf->lock);
	return s;
}

int ck_ctl_informer_wait_synced(struct ck_ctl_informer *inf, int64_t timeout_ms)
{
	int64_t end = ck_ctl_now_ms() + timeout_ms;

	while (!ck_ctl_informer_synced(inf)) {
		if (ck_ctl_now_ms() >= end)
			return 0;
		ck_ctl_sleep_ms(10);
	}
	return 1;
}

void ck_ctl_informer_with(struct ck_ctl_informer *inf, const char *key,
                          void (*fn)(void *arg, const char *rv, const void *entry), void *arg)
{
	struct item *it;

	pthread_mutex_lock(&inf->lock);
	it = ck_ctl_map_get(inf->cache, key);
	fn(arg, it ? it->rv : NULL, it ? it->entry : NULL);
	pthread_mutex_unlock(&inf->lock);
}

void ck_ctl_informer_each(struct ck_ctl_informer *inf,
                          void (*fn)(void *arg, const char *key, const void *entry), void *arg)
{
	size_t pos = 0;
	const char *key;
	void *v;

	pthread_mutex_lock(&inf->lock);
	while ((key = ck_ctl_map_next(inf->cache, &pos, &v)) != NULL)
		fn(arg, key, ((struct item *)v)->entry);
	pthread_mutex_unlock(&inf->lock);
}

struct keys {
	char **v;
	size_t n;
};

static void collect_key(void *arg, const char *key, const void *entry)
{
	struct keys *k = arg;

	(void)entry;
	k->v[k->n] = ck_strdup(key);
	if (k->v[k->n] != NULL)
		k->n++;
}

void ck_ctl_informer_resync(struct ck_ctl_informer *inf)
{
	struct keys k = { NULL, 0 };
	size_t i, pos = 0;
	const char *key;
	void *v;

	pthread_mutex_lock(&inf->lock);
	k.v = ck_calloc(ck_ctl_map_len(inf->cache) + 1, sizeof(char *));
	while (k.v != NULL && (key = ck_ctl_map_next(inf->cache, &pos, &v)) != NULL)
		collect_key(&k, key, v);
	pthread_mutex_unlock(&inf->lock);
	if (k.v == NULL)
		return;
	for (i = 0; i < k.n; i++) {
		if (inf->o.on_change)
			inf->o.on_change(inf->o.arg, CK_CTL_RESYNC, k.v[i], NULL, NULL);
		ck_free(k.v[i]);
	}
	ck_free(k.v);
}

size_t ck_ctl_informer_len(struct ck_ctl_informer *inf)
{
	size_t n;

	pthread_mutex_lock(&inf->lock);
	n = ck_ctl_map_len(inf->cache);
	pthread_mutex_unlock(&inf->lock);
	return n;
}

void ck_ctl_informer_stats(struct ck_ctl_informer *inf, struct ck_ctl_informer_stats *out)
{
	pthread_mutex_lock(&inf->lock);
	*out = inf->st;
	pthread_mutex_unlock(&inf->lock);
}
