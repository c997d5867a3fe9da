/* SPDX-License-Identifier: Apache-2.0 */
/* Leader election on a synthetic clock against an in-memory Lease. */
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ck/ctl_leader.h"

struct store {
	struct ck_ctl_lease lease;
	int exists;
	int rv;
	int fail;      /* every op fails (API server unreachable) */
	int updates;
	int gets;
};

static int s_get(void *arg, struct ck_ctl_lease *out)
{
	struct store *s = arg;

	s->gets++;
	if (s->fail)
		return CK_ENET;
	if (!s->exists)
		return CK_ENOTFOUND;
	*out = s->lease;
	return CK_OK;
}

static int s_create(void *arg, struct ck_ctl_lease *l)
{
	struct store *s = arg;

	if (s->fail)
		return CK_ENET;
	if (s->exists)
		return CK_EINVAL; /* AlreadyExists */
	s->exists = 1;
	snprintf(l->rv, sizeof(l->rv), "%d", ++s->rv);
	s->lease = *l;
	return CK_OK;
}

static int s_update(void *arg, struct ck_ctl_lease *l)
{
	struct store *s = arg;
	char rv[16];

	if (s->fail)
		return CK_ENET;
	snprintf(rv, sizeof(rv), "%d", s->rv);
	if (!s->exists || strcmp(l->rv, rv) != 0)
		return CK_EINVAL; /* 409 Conflict */
	s->updates++;
	snprintf(l->rv, sizeof(l->rv), "%d", ++s->rv);
	s->lease = *l;
	return CK_OK;
}

static struct ck_ctl_leader *mk(struct store *s, const char *id)
{
	struct ck_ctl_leader_opts o = { id, 0, 0, 0 };
	struct ck_ctl_lease_ops ops = { s_get, s_create, s_update, s };
	struct ck_ctl_leader *le;

	assert_int_equal(ck_ctl_leader_new(&le, &o, &ops), CK_OK);
	return le;
}

#define WALL(ms) ((int64_t)1700000000000000LL + (int64_t)(ms) * 1000)

static void test_acquire_renew_takeover(void **state)
{
	struct store s;
	struct ck_ctl_leader *a, *b;
	int64_t t = 0, na, nb;
	char holder[64];

	(void)state;
	memset(&s, 0, sizeof(s));
	a = mk(&s, "a_1");
	b = mk(&s, "b_2");
	assert_int_equal(ck_ctl_leader_step(a, t, WALL(t), &na), CK_CTL_LEADER);
	assert_string_equal(s.lease.holder, "a_1");
	assert_int_equal(s.lease.duration_s, 15);
	assert_int_equal(s.lease.transitions, 0);
	assert_non_null(strstr(s.lease.renew_time, ".000000Z"));
	assert_int_equal(na, 2000);
	assert_int_equal(ck_ctl_leader_step(b, t, WALL(t), &nb), CK_CTL_FOLLOWER);
	assert_true(nb >= 2000 && nb <= 2000 + 2401);

	/* a renews every 2 s; b never gets it, and never both lead. */
	for (t = 2000; t <= 60000; t += 1000) {
		enum ck_ctl_leader_state sa = ck_ctl_leader_step(a, t, WALL(t), &na);
		enum ck_ctl_leader_state sb = ck_ctl_leader_step(b, t, WALL(t), &nb);

		assert_int_equal(sa, CK_CTL_LEADER);
		assert_int_equal(sb, CK_CTL_FOLLOWER);
	}
	ck_ctl_leader_holder(b, holder, sizeof(holder));
	assert_string_equal(holder, "a_1");

	/* a stops (crash, no release): b waits a full lease by its own clock. */
	{
		int64_t stop = t;

		while (ck_ctl_leader_step(b, t, WALL(t), &nb) == CK_CTL_FOLLOWER)
			t += 500;
		/* The record last changed at `stop - 1000`; expiry at +15 s. */
		assert_true(t >= stop - 1000 + 15000);
		assert_true(t <= stop + 15000 + 500);
	}
	assert_string_equal(s.lease.holder, "b_2");
	assert_int_equal(s.lease.transitions, 1);
	/* a comes back: it sees b as holder and cannot renew -> LOST after the deadline. */
	{
		enum ck_ctl_leader_state st;
		int64_t t0 = t;

		do {
			st = ck_ctl_leader_step(a, t, WALL(t), &na);
			ck_ctl_leader_step(b, t, WALL(t), &nb);
			t += 2000;
		} while (st == CK_CTL_LEADER && t < t0 + 60000);
		assert_int_equal(st, CK_CTL_LOST);
		assert_int_equal(ck_ctl_leader_state(b), CK_CTL_LEADER);
	}
	ck_ctl_leader_free(a);
	ck_ctl_leader_free(b);
}

static void test_clock_skew_ignored(void **state)
{
	struct store s;
	struct ck_ctl_leader *a, *b;
	int64_t n;

	(void)state;
	memset(&s, 0, sizeof(s));
	a = mk(&s, "a");
	b = mk(&s, "b");
	/* a writes renewTime far in the past by b's wall clock: b must not take over. */
	assert_int_equal(ck_ctl_leader_step(a, 0, WALL(0) - 3600LL * 1000000, &n), CK_CTL_LEADER);
	assert_int_equal(ck_ctl_leader_step(b, 0, WALL(0), &n), CK_CTL_FOLLOWER);
	assert_int_equal(ck_ctl_leader_step(b, 14000, WALL(14000), &n), CK_CTL_FOLLOWER);
	ck_ctl_leader_free(a);
	ck_ctl_leader_free(b);
}

static void test_renew_deadline_and_health(void **state)
{
	struct store s;
	struct ck_ctl_leader *a;
	int64_t t, n;

	(void)state;
	memset(&s, 0, sizeof(s));
	a = mk(&s, "a");
	assert_int_equal(ck_ctl_leader_step(a, 0, WALL(0), &n), CK_CTL_LEADER);
	assert_int_equal(ck_ctl_leader_step(a, 2000, WALL(2000), &n), CK_CTL_LEADER);
	assert_int_equal(s.gets, 1); /* renewals use the cached record */
	s.fail = 1;
	/* The cycle started at 4000; 10 s of failures -> lost at 14000. */
	for (t = 4000; t < 14000; t += 2000)
		assert_int_equal(ck_ctl_leader_step(a, t, WALL(t), &n), CK_CTL_LEADER);
	assert_true(ck_ctl_leader_healthy(a, 14000, 2000));
	assert_false(ck_ctl_leader_healthy(a, 2000 + 15000 + 2001, 2000));
	assert_int_equal(ck_ctl_leader_step(a, 14000, WALL(14000), &n), CK_CTL_LOST);
	assert_false(ck_ctl_leader_healthy(a, 14000, 2000));
	ck_ctl_leader_free(a);
}

static void test_release(void **state)
{
	struct store s;
	struct ck_ctl_leader *a, *b;
	int64_t n;

	(void)state;
	memset(&s, 0, sizeof(s));
	a = mk(&s, "a");
	b = mk(&s, "b");
	assert_int_equal(ck_ctl_leader_step(a, 0, WALL(0), &n), CK_CTL_LEADER);
	assert_int_equal(ck_ctl_leader_step(b, 100, WALL(100), &n), CK_CTL_FOLLOWER);
	assert_int_equal(ck_ctl_leader_release(a, WALL(200)), CK_OK);
	assert_string_equal(s.lease.holder, "");
	assert_int_equal(s.lease.duration_s, 1);
	/* An empty holder is free at once. */
	assert_int_equal(ck_ctl_leader_step(b, 300, WALL(300), &n), CK_CTL_LEADER);
	assert_int_equal(s.lease.transitions, 1);
	ck_ctl_leader_free(a);
	ck_ctl_leader_free(b);
}

static void test_bad_timings(void **state)
{
	struct store s;
	struct ck_ctl_leader_opts o = { "x", 10000, 10000, 2000 };
	struct ck_ctl_lease_ops ops = { s_get, s_create, s_update, &s };
	struct ck_ctl_leader *le;

	(void)state;
	assert_int_equal(ck_ctl_leader_new(&le, &o, &ops), CK_EINVAL);
	o.lease_ms = 15000;
	o.renew_ms = 2400;
	assert_int_equal(ck_ctl_leader_new(&le, &o, &ops), CK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acquire_renew_takeover),
		cmocka_unit_test(test_clock_skew_ignored),
		cmocka_unit_test(test_renew_deadline_and_health),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_bad_timings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
