/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/buf.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_leader.h"
#include "ck/log.h"
#include "ck/rand.h"

struct ck_ctl_leader {
	pthread_mutex_t lock;
	char identity[CK_CTL_LEASE_STR];
	int64_t lease_ms, renew_ms, retry_ms;
	struct ck_ctl_lease_ops ops;
	enum ck_ctl_leader_state state;
	struct ck_ctl_lease observed;   /* the last record seen */
	int have_observed;
	int64_t observed_ms;            /* local time the record last changed */
	int64_t cycle_start_ms;         /* start of the current renew cycle */
};

int ck_ctl_leader_new(struct ck_ctl_leader **out, const struct ck_ctl_leader_opts *opts,
                      const struct ck_ctl_lease_ops *ops)
{
	struct ck_ctl_leader *le;
	int64_t lease = opts->lease_ms ? opts->lease_ms : 15000;
	int64_t renew = opts->renew_ms ? opts->renew_ms : 10000;
	int64_t retry = opts->retry_ms ? opts->retry_ms : 2000;

	*out = NULL;
	if (lease <= renew)
		return ck_err_set(CK_EINVAL, "controller: leader election: the lease duration must be "
		                  "greater than the renew deadline");
	if ((double)renew <= 1.2 * (double)retry)
		return ck_err_set(CK_EINVAL, "controller: leader election: the renew deadline must "
		                  "be greater than 1.2 times the retry period");
	if (opts->identity == NULL || !*opts->identity ||
	    strlen(opts->identity) >= CK_CTL_LEASE_STR)
		return ck_err_set(CK_EINVAL, "controller: leader election: bad identity");
	le = ck_calloc(1, sizeof(*le));
	if (le == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	pthread_mutex_init(&le->lock, NULL);
	snprintf(le->identity, sizeof(le->identity), "%s", opts->identity);
	le->lease_ms = lease;
	le->renew_ms = renew;
	le->retry_ms = retry;
	le->ops = *ops;
	*out = le;
	return CK_OK;
}

void ck_ctl_leader_set_ops(struct ck_ctl_leader *le, const struct ck_ctl_lease_ops *ops)
{
	pthread_mutex_lock(&le->lock);
	le->ops = *ops;
	pthread_mutex_unlock(&le->lock);
}

void ck_ctl_leader_free(struct ck_ctl_leader *le)
{
	if (le == NULL)
		return;
	pthread_mutex_destroy(&le->lock);
	ck_free(le);
}

static int same_record(const struct ck_ctl_lease *a, const struct ck_ctl_lease *b)
{
	return strcmp(a->holder, b->holder) == 0 && a->duration_s == b->duration_s &&
	       strcmp(a->acquire_time, b->acquire_time) == 0 &&
	       strcmp(a->renew_time, b->renew_time) == 0 && a->transitions == b->transitions;
}

static void micro(char *out, size_t n, int64_t wall_us)
{
	struct ck_buf b = CK_BUF_INIT;

	if (ck_ctl_time_format(&b, wall_us, 1) == CK_OK)
		snprintf(out, n, "%s", ck_buf_cstr(&b));
	else
		out[0] = '\0';
	ck_buf_dispose(&b);
}

/* client-go tryAcquireOrRenew: 1 when we hold the lease afterwards. */
static int try_acquire_or_renew(struct ck_ctl_leader *le, int64_t now_ms, int64_t wall_us)
{
	struct ck_ctl_lease cur, want;
	char now[48];
	int rc;

	micro(now, sizeof(now), wall_us);
	memset(&want, 0, sizeof(want));
	snprintf(want.holder, sizeof(want.holder), "%s", le->identity);
	want.duration_s = (int)((le->lease_ms + 999) / 1000);
	snprintf(want.acquire_time, sizeof(want.acquire_time), "%s", now);
	snprintf(want.renew_time, sizeof(want.renew_time), "%s", now);

	/* Fast path while leading: update from the cached record, no GET. */
	if (le->state == CK_CTL_LEADER && le->have_observed &&
	    strcmp(le->observed.holder, le->identity) == 0) {
		want.transitions = le->observed.transitions;
		snprintf(want.acquire_time, sizeof(want.acquire_time), "%s",
		         le->observed.acquire_time);
		snprintf(want.rv, sizeof(want.rv), "%s", le->observed.rv);
		if (le->ops.update(le->ops.arg, &want) == CK_OK) {
			le->observed = want;
			le->observed_ms = now_ms;
			return 1;
		}
		snprintf(want.acquire_time, sizeof(want.acquire_time), "%s", now);
		want.transitions = 0;
		want.rv[0] = '\0';
	}

	memset(&cur, 0, sizeof(cur));
	rc = le->ops.get(le->ops.arg, &cur);
	if (rc == CK_ENOTFOUND) {
		if (le->ops.create(le->ops.arg, &want) != CK_OK)
			return 0;
		le->observed = want;
		le->have_observed = 1;
		le->observed_ms = now_ms;
		return 1;
	}
	if (rc != CK_OK)
		return 0;
	if (!le->have_observed || !same_record(&cur, &le->observed)) {
		le->observed = cur;
		le->have_observed = 1;
		le->observed_ms = now_ms;
	} else {
		snprintf(le->observed.rv, sizeof(le->observed.rv), "%s", cur.rv);
	}
	if (cur.holder[0] && strcmp(cur.holder, le->identity) != 0 &&
	    le->observed_ms + (int64_t)cur.duration_s * 1000 > now_ms)
		return 0; /* held by another, not expired by our clock */
	if (strcmp(cur.holder, le->identity) == 0) {
		snprintf(want.acquire_time, sizeof(want.acquire_time), "%s", cur.acquire_time);
		want.transitions = cur.transitions;
	} else {
		want.transitions = cur.transitions + 1;
	}
	snprintf(want.rv, sizeof(want.rv), "%s", cur.rv);
	if (le->ops.update(le->ops.arg, &want) != CK_OK)
		return 0;
	le->observed = want;
	le->observed_ms = now_ms;
	return 1;
}

enum ck_ctl_leader_state ck_ctl_leader_step(struct ck_ctl_leader *le, int64_t now_ms,
                                            int64_t wall_us, int64_t *next_ms)
{
	enum ck_ctl_leader_state st;
	int ok;

	pthread_mutex_lock(&le->lock);
	switch (le->state) {
	case CK_CTL_FOLLOWER:
		ok = try_acquire_or_renew(le, now_ms, wall_us);
		if (ok) {
			le->state = CK_CTL_LEADER;
			le->cycle_start_ms = now_ms + le->retry_ms;
			*next_ms = now_ms + le->retry_ms;
			ck_log_info("controller: leader election: acquired lease as %s", le->identity);
		} else {
			/* wait.JitterUntil with factor 1.2 */
			*next_ms = now_ms + le->retry_ms +
			           (int64_t)ck_random_uniform((uint32_t)(le->retry_ms * 12 / 10 + 1));
		}
		break;
	case CK_CTL_LEADER:
		ok = try_acquire_or_renew(le, now_ms, wall_us);
		if (ok) {
			le->cycle_start_ms = now_ms + le->retry_ms;
			*next_ms = now_ms + le->retry_ms;
		} else if (now_ms - le->cycle_start_ms >= le->renew_ms) {
			le->state = CK_CTL_LOST;
			*next_ms = now_ms;
			ck_log_error("controller: leader election: failed to renew the lease within "
			             "%lld ms: stopping", (long long)le->renew_ms);
		} else {
			*next_ms = now_ms + le->retry_ms;
		}
		break;
	default:
		*next_ms = now_ms;
		break;
	}
	st = le->state;
	pthread_mutex_unlock(&le->lock);
	return st;
}

int ck_ctl_leader_release(struct ck_ctl_leader *le, int64_t wall_us)
{
	struct ck_ctl_lease rel;
	char now[48];
	int rc = CK_OK;

	pthread_mutex_lock(&le->lock);
	if (le->state != CK_CTL_LEADER || !le->have_observed)
		goto out;
	micro(now, sizeof(now), wall_us);
	rel = le->observed;
	rel.holder[0] = '\0';
	rel.duration_s = 1;
	snprintf(rel.acquire_time, sizeof(rel.acquire_time), "%s", now);
	snprintf(rel.renew_time, sizeof(rel.renew_time), "%s", now);
	rc = le->ops.update(le->ops.arg, &rel);
	if (rc == CK_OK) {
		le->observed = rel;
		le->state = CK_CTL_FOLLOWER;
	}
out:
	pthread_mutex_unlock(&le->lock);
	return rc;
}

enum ck_ctl_leader_state ck_ctl_leader_state(struct ck_ctl_leader *le)
{
	enum ck_ctl_leader_state st;

	pthread_mutex_lock(&le->lock);
	st = le->state;
	pthread_mutex_unlock(&le->lock);
	return st;
}

int ck_ctl_leader_healthy(struct ck_ctl_leader *le, int64_t now_ms, int64_t tolerance_ms)
{
	int ok = 1;

	pthread_mutex_lock(&le->lock);
	if (le->state == CK_CTL_LOST)
		ok = 0;
	else if (le->state == CK_CTL_LEADER &&
	         now_ms > le->observed_ms + le->lease_ms + tolerance_ms)
		ok = 0;
	pthread_mutex_unlock(&le->lock);
	return ok;
}

void ck_ctl_leader_holder(struct ck_ctl_leader *le, char *out, size_t n)
{
	pthread_mutex_lock(&le->lock);
	snprintf(out, n, "%s", le->have_observed ? le->observed.holder : "");
	pthread_mutex_unlock(&le->lock);
}
