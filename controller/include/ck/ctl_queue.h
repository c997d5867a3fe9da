/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The work queue of client-go (util/workqueue), for keys "namespace/name":
 *
 * - de-duplicating: a key queued twice is processed once;
 * - a key being processed is never handed to a second worker; if it is added
 *   meanwhile it is processed again after ck_ctl_queue_done();
 * - delayed adds (ck_ctl_queue_add_after) keep the earliest time per key;
 * - rate-limited adds use client-go's DefaultControllerRateLimiter: the
 *   maximum of a per-key exponential back-off (5 ms * 2^failures, capped at
 *   1000 s) and an overall token bucket (10 qps, burst 100). Forget() resets a
 *   key's failures after a success.
 *
 * Thread-safe. Keys are copied. Metrics (workqueue_* with label name) are
 * recorded when a registry is given.
 */
#ifndef CK_CTL_QUEUE_H
#define CK_CTL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "ck/ctl_metrics.h"
#include "ck/err.h"

struct ck_ctl_ratelimit_opts {
	int64_t base_ms;   /* per-key back-off base; 0: 5 */
	int64_t max_ms;    /* per-key back-off cap; 0: 1000 s */
	double qps;        /* overall bucket rate; 0: 10; < 0: no bucket */
	int burst;         /* overall bucket size; 0: 100 */
};

/* The rate limiter alone (deterministic: the caller gives the time). */
struct ck_ctl_ratelimit;
struct ck_ctl_ratelimit *ck_ctl_ratelimit_new(const struct ck_ctl_ratelimit_opts *o);
void ck_ctl_ratelimit_free(struct ck_ctl_ratelimit *r);
/* Delay in ms before key may be retried, counting one more failure. */
int64_t ck_ctl_ratelimit_when(struct ck_ctl_ratelimit *r, const char *key, int64_t now_ms);
void ck_ctl_ratelimit_forget(struct ck_ctl_ratelimit *r, const char *key);
int ck_ctl_ratelimit_failures(struct ck_ctl_ratelimit *r, const char *key);

struct ck_ctl_queue;

/*
 * New queue named `name` (metrics label). opts NULL: client-go defaults.
 * metrics (NULL: none) must outlive the queue; the queue's scrape-time
 * collector is removed from it by ck_ctl_queue_free().
 */
int ck_ctl_queue_new(struct ck_ctl_queue **out, const char *name,
                     const struct ck_ctl_ratelimit_opts *opts,
                     struct ck_ctl_metrics *metrics) CK_WUR;
/* Free after every worker returned from ck_ctl_queue_get(). NULL-safe. */
void ck_ctl_queue_free(struct ck_ctl_queue *q);

/* Adds are best effort: an allocation failure drops the add (logged). */
void ck_ctl_queue_add(struct ck_ctl_queue *q, const char *key);
void ck_ctl_queue_add_after(struct ck_ctl_queue *q, const char *key, int64_t delay_ms);
/* Add after the rate limiter's delay for key (counts a failure, a retry). */
void ck_ctl_queue_add_rate_limited(struct ck_ctl_queue *q, const char *key);
void ck_ctl_queue_forget(struct ck_ctl_queue *q, const char *key);
int ck_ctl_queue_failures(struct ck_ctl_queue *q, const char *key);

/*
 * Wait for the next key. Returns 1 with *key (caller frees with ck_free and
 * then calls ck_ctl_queue_done with it), or 0 after shutdown. With
 * timeout_ms >= 0, returns -1 when nothing came within that time.
 */
int ck_ctl_queue_get(struct ck_ctl_queue *q, char **key, int64_t timeout_ms);
void ck_ctl_queue_done(struct ck_ctl_queue *q, const char *key);

/* Stop: every ck_ctl_queue_get() returns 0 at once; adds are ignored. */
void ck_ctl_queue_shutdown(struct ck_ctl_queue *q);

/* Keys ready to be handed out (not counting delayed or in-process ones). */
size_t ck_ctl_queue_len(struct ck_ctl_queue *q);
/* Ready + delayed + in process: 0 means the queue is idle. */
size_t ck_ctl_queue_pending(struct ck_ctl_queue *q);

#endif
