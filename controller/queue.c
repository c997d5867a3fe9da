/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_map.h"
#include "ck/ctl_queue.h"
#include "ck/log.h"

/* ---------------------------------------------------------------- limiter */

struct ck_ctl_ratelimit {
	struct ck_ctl_ratelimit_opts o;
	struct ck_ctl_map *failures; /* key -> (void *)(uintptr_t)count */
	double tokens;
	int64_t last_ms;
	int started;
};

struct ck_ctl_ratelimit *ck_ctl_ratelimit_new(const struct ck_ctl_ratelimit_opts *o)
{
	struct ck_ctl_ratelimit *r = ck_calloc(1, sizeof(*r));

	if (r == NULL || (r->failures = ck_ctl_map_new()) == NULL) {
		ck_free(r);
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		return NULL;
	}
	if (o != NULL)
		r->o = *o;
	if (r->o.base_ms <= 0)
		r->o.base_ms = 5;
	if (r->o.max_ms <= 0)
		r->o.max_ms = 1000 * 1000;
	if (r->o.qps == 0)
		r->o.qps = 10;
	if (r->o.burst <= 0)
		r->o.burst = 100;
	r->tokens = r->o.burst;
	return r;
}

void ck_ctl_ratelimit_free(struct ck_ctl_ratelimit *r)
{
	if (r == NULL)
		return;
	ck_ctl_map_free(r->failures);
	ck_free(r);
}

int64_t ck_ctl_ratelimit_when(struct ck_ctl_ratelimit *r, const char *key, int64_t now_ms)
{
	uintptr_t n = (uintptr_t)ck_ctl_map_get(r->failures, key);
	int64_t item = r->o.max_ms, bucket = 0;
	double d;

	/* Per key: base * 2^failures, counted before this one. */
	d = (double)r->o.base_ms * pow(2.0, (double)n);
	if (d < (double)r->o.max_ms)
		item = (int64_t)d;
	if (ck_ctl_map_put(r->failures, key, (void *)(n + 1), NULL) < 0)
		ck_log_warn("controller: rate limiter: out of memory");
	/* Overall bucket: reserve one token; a deficit is the wait (x/time/rate). */
	if (r->o.qps > 0) {
		if (!r->started) {
			r->started = 1;
			r->last_ms = now_ms;
		}
		if (now_ms > r->last_ms) {
			r->tokens += (double)(now_ms - r->last_ms) * r->o.qps / 1000.0;
			if (r->tokens > r->o.burst)
				r->tokens = r->o.burst;
			r->last_ms = now_ms;
		}
		r->tokens -= 1;
		if (r->tokens < 0)
			bucket = (int64_t)ceil(-r->tokens * 1000.0 / r->o.qps);
	}
	return item > bucket ? item : bucket;
}

void ck_ctl_ratelimit_forget(struct ck_ctl_ratelimit *r, const char *key)
{
	ck_ctl_map_del(r->failures, key);
}

int ck_ctl_ratelimit_failures(struct ck_ctl_ratelimit *r, const char *key)
{
	return (int)(uintptr_t)ck_ctl_map_get(r->failures, key);
}

/* ------------------------------------------------------------------ queue */

struct waiting {
	int64_t when;
	char *key;
};

struct ck_ctl_queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *name;
	struct ck_ctl_metrics *metrics;
	struct ck_ctl_ratelimit *limiter;
	/* Ready FIFO (ring of owned key copies). */
	char **ring;
	size_t head, count, cap;
	struct ck_ctl_map *dirty;      /* key -> (void *)(intptr_t)added_ms + 1 */
	struct ck_ctl_map *processing; /* key -> (void *)(intptr_t)start_ms + 1 */
	/* Delayed adds: a binary min-heap by time, deduplicated through `waitset`. */
	struct waiting *heap;
	size_t nheap, capheap;
	struct ck_ctl_map *waitset;    /* key -> (void *)(intptr_t)when + 1 */
	int shutdown;
};

static const double wq_buckets[] = { 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10 };

static void collect(void *arg, struct ck_ctl_metrics *m);

int ck_ctl_queue_new(struct ck_ctl_queue **out, const char *name,
                     const struct ck_ctl_ratelimit_opts *opts, struct ck_ctl_metrics *metrics)
{
	struct ck_ctl_queue *q = ck_calloc(1, sizeof(*q));
	int rc = CK_ENOMEM;

	*out = NULL;
	if (q == NULL)
		goto out;
	pthread_mutex_init(&q->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&q->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	q->name = ck_strdup(name);
	q->limiter = ck_ctl_ratelimit_new(opts);
	q->dirty = ck_ctl_map_new();
	q->processing = ck_ctl_map_new();
	q->waitset = ck_ctl_map_new();
	if (q->name == NULL || q->limiter == NULL || q->dirty == NULL || q->processing == NULL ||
	    q->waitset == NULL)
		goto out;
	q->metrics = metrics;
	if (metrics != NULL) {
		if ((rc = ck_ctl_metrics_define(metrics, "workqueue_depth", CK_CTL_GAUGE,
		                                "Current depth of workqueue", NULL, 0)) < 0 ||
		    (rc = ck_ctl_metrics_define(metrics, "workqueue_adds_total", CK_CTL_COUNTER,
		                                "Total number of adds handled by workqueue", NULL,
		                                0)) < 0 ||
		    (rc = ck_ctl_metrics_define(metrics, "workqueue_retries_total", CK_CTL_COUNTER,
		                                "Total number of retries handled by workqueue",
		                                NULL, 0)) < 0 ||
		    (rc = ck_ctl_metrics_define(metrics, "workqueue_queue_duration_seconds",
		                                CK_CTL_HISTOGRAM,
		                                "How long in seconds an item stays in workqueue "
		                                "before being requested",
		                                wq_buckets, 10)) < 0 ||
		    (rc = ck_ctl_metrics_define(metrics, "workqueue_work_duration_seconds",
		                                CK_CTL_HISTOGRAM,
		                                "How long in seconds processing an item from "
		                                "workqueue takes",
		                                wq_buckets, 10)) < 0 ||
		    (rc = ck_ctl_metrics_define(metrics, "workqueue_unfinished_work_seconds",
		                                CK_CTL_GAUGE,
		                                "How many seconds of work has been done that is in "
		                                "progress and hasn't been observed by "
		                                "work_duration",
		                                NULL, 0)) < 0 ||
		    (rc = ck_ctl_metrics_define(metrics,
		                                "workqueue_longest_running_processor_seconds",
		                                CK_CTL_GAUGE,
		                                "How many seconds has the longest running processor "
		                                "for workqueue been running",
		                                NULL, 0)) < 0 ||
		    (rc = ck_ctl_metrics_collector(metrics, collect, q)) < 0)
			goto out;
		ck_ctl_metrics_set(metrics, "workqueue_depth", 0, "name", name, NULL);
		ck_ctl_metrics_add(metrics, "workqueue_adds_total", 0, "name", name, NULL);
		ck_ctl_metrics_add(metrics, "workqueue_retries_total", 0, "name", name, NULL);
	}
	*out = q;
	q = NULL; /* transferred */
	rc = CK_OK;
out:
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "controller: out of memory");
	ck_ctl_queue_free(q);
	return rc;
}

void ck_ctl_queue_free(struct ck_ctl_queue *q)
{
	size_t i;

	if (q == NULL)
		return;
	/* The registry may outlive the queue (and a scrape may be running now). */
	ck_ctl_metrics_collector_remove(q->metrics, collect, q);
	for (i = 0; i < q->count; i++)
		ck_free(q->ring[(q->head + i) % q->cap]);
	ck_free(q->ring);
	for (i = 0; i < q->nheap; i++)
		ck_free(q->heap[i].key);
	ck_free(q->heap);
	ck_ctl_map_free(q->dirty);
	ck_ctl_map_free(q->processing);
	ck_ctl_map_free(q->waitset);
	ck_ctl_ratelimit_free(q->limiter);
	ck_free(q->name);
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	ck_free(q);
}

static void collect(void *arg, struct ck_ctl_metrics *m)
{
	struct ck_ctl_queue *q = arg;
	int64_t now = ck_ctl_now_ms(), longest = 0, total = 0;
	size_t pos = 0;
	void *v;

	pthread_mutex_lock(&q->lock);
	while (ck_ctl_map_next(q->processing, &pos, &v) != NULL) {
		int64_t d = now - ((int64_t)(intptr_t)v - 1);

		total += d;
		if (d > longest)
			longest = d;
	}
	pthread_mutex_unlock(&q->lock);
	ck_ctl_metrics_set(m, "workqueue_unfinished_work_seconds", (double)total / 1000.0, "name",
	                   q->name, NULL);
	ck_ctl_metrics_set(m, "workqueue_longest_running_processor_seconds",
	                   (double)longest / 1000.0, "name", q->name, NULL);
}

static int ring_push(struct ck_ctl_queue *q, char *key)
{
	if (q->count == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 64, i;
		char **nr = ck_calloc(ncap, sizeof(*nr));

		if (nr == NULL)
			return CK_ENOMEM;
		for (i = 0; i < q->count; i++)
			nr[i] = q->ring[(q->head + i) % q->cap];
		ck_free(q->ring);
		q->ring = nr;
		q->cap = ncap;
		q->head = 0;
	}
	q->ring[(q->head + q->count) % q->cap] = key;
	q->count++;
	return CK_OK;
}

static char *ring_pop(struct ck_ctl_queue *q)
{
	char *k;

	if (q->count == 0)
		return NULL;
	k = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->count--;
	return k;
}

static void depth(struct ck_ctl_queue *q)
{
	if (q->metrics != NULL)
		ck_ctl_metrics_set(q->metrics, "workqueue_depth", (double)q->count, "name", q->name,
		                   NULL);
}

/* Add with the lock held. */
static void add_locked(struct ck_ctl_queue *q, const char *key)
{
	char *copy;

	if (q->shutdown || ck_ctl_map_has(q->dirty, key))
		return;
	if (q->metrics != NULL)
		ck_ctl_metrics_add(q->metrics, "workqueue_adds_total", 1, "name", q->name, NULL);
	if (ck_ctl_map_put(q->dirty, key, (void *)(intptr_t)(ck_ctl_now_ms() + 1), NULL) < 0)
		goto oom;
	if (ck_ctl_map_has(q->processing, key))
		return; /* re-queued by done() */
	copy = ck_strdup(key);
	if (copy == NULL || ring_push(q, copy) < 0) {
		ck_free(copy);
		ck_ctl_map_del(q->dirty, key);
		goto oom;
	}
	depth(q);
	pthread_cond_signal(&q->cond);
	return;
oom:
	ck_log_warn("controller: work queue %s: out of memory, dropped an add", q->name);
}

void ck_ctl_queue_add(struct ck_ctl_queue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	add_locked(q, key);
	pthread_mutex_unlock(&q->lock);
}

static void heap_up(struct waiting *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct waiting t;

		if (h[p].when <= h[i].when)
			break;
		t = h[p];
		h[p] = h[i];
		h[i] = t;
		i = p;
	}
}

static void heap_down(struct waiting *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct waiting t;

		if (l < n && h[l].when < h[m].when)
			m = l;
		if (r < n && h[r].when < h[m].when)
			m = r;
		if (m == i)
			break;
		t = h[m];
		h[m] = h[i];
		h[i] = t;
		i = m;
	}
}

void ck_ctl_queue_add_after(struct ck_ctl_queue *q, const char *key, int64_t delay_ms)
{
	int64_t when;
	void *prev;
	char *copy = NULL;

	if (delay_ms <= 0) {
		ck_ctl_queue_add(q, key);
		return;
	}
	when = ck_ctl_now_ms() + delay_ms;
	pthread_mutex_lock(&q->lock);
	if (q->shutdown)
		goto out;
	prev = ck_ctl_map_get(q->waitset, key);
	if (prev != NULL && (int64_t)(intptr_t)prev - 1 <= when)
		goto out; /* an earlier wake-up is already scheduled */
	if (q->nheap == q->capheap) {
		size_t ncap = q->capheap ? q->capheap * 2 : 64;
		struct waiting *nh = ck_calloc(ncap, sizeof(*nh));

		if (nh == NULL)
			goto oom;
		if (q->nheap)
			memcpy(nh, q->heap, q->nheap * sizeof(*nh));
		ck_free(q->heap);
		q->heap = nh;
		q->capheap = ncap;
	}
	copy = ck_strdup(key);
	if (copy == NULL || ck_ctl_map_put(q->waitset, key, (void *)(intptr_t)(when + 1), NULL) < 0)
		goto oom;
	/* A later entry for the same key stays in the heap and is skipped when popped. */
	q->heap[q->nheap].when = when;
	q->heap[q->nheap].key = copy;
	copy = NULL; /* transferred */
	heap_up(q->heap, q->nheap++);
	pthread_cond_broadcast(&q->cond);
	goto out;
oom:
	ck_log_warn("controller: work queue %s: out of memory, dropped a delayed add", q->name);
out:
	ck_free(copy);
	pthread_mutex_unlock(&q->lock);
}

void ck_ctl_queue_add_rate_limited(struct ck_ctl_queue *q, const char *key)
{
	int64_t d;

	pthread_mutex_lock(&q->lock);
	d = ck_ctl_ratelimit_when(q->limiter, key, ck_ctl_now_ms());
	if (q->metrics != NULL)
		ck_ctl_metrics_add(q->metrics, "workqueue_retries_total", 1, "name", q->name, NULL);
	pthread_mutex_unlock(&q->lock);
	ck_ctl_queue_add_after(q, key, d);
}

void ck_ctl_queue_forget(struct ck_ctl_queue *q, const char *key)
{
	pthread_mutex_lock(&q->lock);
	ck_ctl_ratelimit_forget(q->limiter, key);
	pthread_mutex_unlock(&q->lock);
}

int ck_ctl_queue_failures(struct ck_ctl_queue *q, const char *key)
{
	int n;

	pthread_mutex_lock(&q->lock);
	n = ck_ctl_ratelimit_failures(q->limiter, key);
	pthread_mutex_unlock(&q->lock);
	return n;
}

/* Move due delayed keys into the FIFO; returns the next due time or -1. */
static int64_t promote(struct ck_ctl_queue *q, int64_t now)
{
	while (q->nheap > 0) {
		struct waiting w = q->heap[0];
		void *cur;

		if (w.when > now)
			return w.when;
		q->heap[0] = q->heap[--q->nheap];
		heap_down(q->heap, q->nheap, 0);
		cur = ck_ctl_map_get(q->waitset, w.key);
		if (cur != NULL && (int64_t)(intptr_t)cur - 1 == w.when) {
			ck_ctl_map_del(q->waitset, w.key);
			add_locked(q, w.key);
		}
		ck_free(w.key);
	}
	return -1;
}

static void timed_wait(struct ck_ctl_queue *q, int64_t until_ms)
{
	struct timespec ts;
	int64_t real;

	/* The condition variable runs on CLOCK_MONOTONIC without the test offset. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	real = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + (until_ms - ck_ctl_now_ms());
	ts.tv_sec = (time_t)(real / 1000);
	ts.tv_nsec = (long)(real % 1000) * 1000000L;
	pthread_cond_timedwait(&q->cond, &q->lock, &ts);
}

int ck_ctl_queue_get(struct ck_ctl_queue *q, char **key, int64_t timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? ck_ctl_now_ms() + timeout_ms : -1;
	int ret = 0;

	*key = NULL;
	pthread_mutex_lock(&q->lock);
	for (;;) {
		int64_t now = ck_ctl_now_ms(), next;

		if (q->shutdown)
			break;
		next = promote(q, now);
		if (q->count > 0) {
			char *k = ring_pop(q);
			void *added = ck_ctl_map_del(q->dirty, k);

			if (ck_ctl_map_put(q->processing, k, (void *)(intptr_t)(now + 1), NULL) < 0)
				ck_log_warn("controller: work queue %s: out of memory", q->name);
			if (q->metrics != NULL && added != NULL)
				ck_ctl_metrics_observe(q->metrics, "workqueue_queue_duration_seconds",
				                       (double)(now - ((int64_t)(intptr_t)added - 1)) /
				                               1000.0,
				                       "name", q->name, NULL);
			depth(q);
			*key = k;
			ret = 1;
			break;
		}
		if (deadline >= 0 && now >= deadline) {
			ret = -1;
			break;
		}
		if (next < 0 || (deadline >= 0 && deadline < next))
			next = deadline;
		if (next < 0)
			pthread_cond_wait(&q->cond, &q->lock);
		else
			timed_wait(q, next);
	}
	pthread_mutex_unlock(&q->lock);
	return ret;
}

void ck_ctl_queue_done(struct ck_ctl_queue *q, const char *key)
{
	void *start;
	char *copy;

	pthread_mutex_lock(&q->lock);
	start = ck_ctl_map_del(q->processing, key);
	if (q->metrics != NULL && start != NULL)
		ck_ctl_metrics_observe(q->metrics, "workqueue_work_duration_seconds",
		                       (double)(ck_ctl_now_ms() - ((int64_t)(intptr_t)start - 1)) /
		                               1000.0,
		                       "name", q->name, NULL);
	if (!q->shutdown && ck_ctl_map_has(q->dirty, key)) {
		copy = ck_strdup(key);
		if (copy == NULL || ring_push(q, copy) < 0) {
			ck_free(copy);
			ck_ctl_map_del(q->dirty, key);
			ck_log_warn("controller: work queue %s: out of memory, dropped a re-add",
			            q->name);
		} else {
			depth(q);
			pthread_cond_signal(&q->cond);
		}
	}
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void ck_ctl_queue_shutdown(struct ck_ctl_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->shutdown = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

size_t ck_ctl_queue_len(struct ck_ctl_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t ck_ctl_queue_pending(struct ck_ctl_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->count + ck_ctl_map_len(q->waitset) + ck_ctl_map_len(q->processing);
	pthread_mutex_unlock(&q->lock);
	return n;
}
