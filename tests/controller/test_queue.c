/* SPDX-License-Identifier: Apache-2.0 */
/* The work queue and its rate limiter (client-go semantics). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_queue.h"

static void test_ratelimit_defaults(void **state)
{
	struct ck_ctl_ratelimit *r = ck_ctl_ratelimit_new(NULL);
	int64_t now = 1000000;
	int i;

	(void)state;
	/* Per key: 5 ms, 10 ms, 20 ms ... capped at 1000 s. */
	assert_int_equal(ck_ctl_ratelimit_when(r, "a", now), 5);
	assert_int_equal(ck_ctl_ratelimit_when(r, "a", now), 10);
	assert_int_equal(ck_ctl_ratelimit_when(r, "a", now), 20);
	assert_int_equal(ck_ctl_ratelimit_failures(r, "a"), 3);
	for (i = 0; i < 40; i++)
		(void)ck_ctl_ratelimit_when(r, "a", now);
	assert_int_equal(ck_ctl_ratelimit_when(r, "a", now), 1000000);
	ck_ctl_ratelimit_forget(r, "a");
	assert_int_equal(ck_ctl_ratelimit_failures(r, "a"), 0);
	ck_ctl_ratelimit_free(r);

	/* Overall bucket: 100 immediate tokens, then 10 per second. */
	r = ck_ctl_ratelimit_new(NULL);
	for (i = 0; i < 100; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(ck_ctl_ratelimit_when(r, k, now), 5);
	}
	assert_int_equal(ck_ctl_ratelimit_when(r, "k100", now), 100);
	assert_int_equal(ck_ctl_ratelimit_when(r, "k101", now), 200);
	/* One second later 10 tokens came back (2 were owed): no bucket wait. */
	assert_int_equal(ck_ctl_ratelimit_when(r, "k102", now + 1000), 5);
	ck_ctl_ratelimit_free(r);
}

static void test_dedup_and_processing(void **state)
{
	struct ck_ctl_metrics *m = ck_ctl_metrics_new();
	struct ck_ctl_queue *q;
	char *k, *k2;

	(void)state;
	assert_int_equal(ck_ctl_queue_new(&q, "sealedsecrets", NULL, m), CK_OK);
	ck_ctl_queue_add(q, "ns/a");
	ck_ctl_queue_add(q, "ns/b");
	ck_ctl_queue_add(q, "ns/a");
	assert_int_equal(ck_ctl_queue_len(q), 2);
	assert_int_equal(ck_ctl_queue_get(q, &k, 0), 1);
	assert_string_equal(k, "ns/a");
	/* Re-added while processing: not handed out again until done. */
	ck_ctl_queue_add(q, "ns/a");
	assert_int_equal(ck_ctl_queue_get(q, &k2, 0), 1);
	assert_string_equal(k2, "ns/b");
	ck_ctl_queue_done(q, k2);
	ck_free(k2);
	assert_int_equal(ck_ctl_queue_get(q, &k2, 20), -1);
	ck_ctl_queue_done(q, k);
	ck_free(k);
	assert_int_equal(ck_ctl_queue_get(q, &k, 0), 1);
	assert_string_equal(k, "ns/a");
	ck_ctl_queue_done(q, k);
	ck_free(k);
	assert_int_equal(ck_ctl_queue_pending(q), 0);
	assert_true(ck_ctl_metrics_value(m, "workqueue_adds_total", "name", "sealedsecrets",
	                                 NULL) == 3);
	assert_true(ck_ctl_metrics_value(m, "workqueue_work_duration_seconds", "name",
	                                 "sealedsecrets", NULL) == 3);
	ck_ctl_queue_free(q);
	ck_ctl_metrics_free(m);
}

static void test_delayed_and_rate_limited(void **state)
{
	struct ck_ctl_ratelimit_opts o = { 20, 1000, -1, 0 };
	struct ck_ctl_queue *q;
	int64_t t0;
	char *k;

	(void)state;
	assert_int_equal(ck_ctl_queue_new(&q, "t", &o, NULL), CK_OK);
	t0 = ck_ctl_now_ms();
	ck_ctl_queue_add_after(q, "late", 200);
	ck_ctl_queue_add_after(q, "late", 50);  /* earlier wins */
	ck_ctl_queue_add_after(q, "late", 300); /* later is ignored */
	assert_int_equal(ck_ctl_queue_len(q), 0);
	assert_int_equal(ck_ctl_queue_get(q, &k, 1000), 1);
	assert_true(ck_ctl_now_ms() - t0 >= 50);
	assert_true(ck_ctl_now_ms() - t0 < 190);
	ck_ctl_queue_done(q, k);
	ck_free(k);
	assert_int_equal(ck_ctl_queue_get(q, &k, 350), -1); /* not delivered twice */

	/* Rate-limited retries back off 20, 40, 80 ms; forget resets. */
	ck_ctl_queue_add_rate_limited(q, "x");
	ck_ctl_queue_add_rate_limited(q, "x");
	ck_ctl_queue_add_rate_limited(q, "x");
	assert_int_equal(ck_ctl_queue_failures(q, "x"), 3);
	t0 = ck_ctl_now_ms();
	assert_int_equal(ck_ctl_queue_get(q, &k, 1000), 1); /* the 20 ms one */
	assert_true(ck_ctl_now_ms() - t0 < 60);
	ck_ctl_queue_done(q, k);
	ck_free(k);
	ck_ctl_queue_forget(q, "x");
	assert_int_equal(ck_ctl_queue_failures(q, "x"), 0);
	ck_ctl_queue_free(q);
}

struct worker {
	struct ck_ctl_queue *q;
	int got;
	int concurrent_violation;
};

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static int in_flight[64];

static void *work(void *p)
{
	struct worker *w = p;
	char *k;

	while (ck_ctl_queue_get(w->q, &k, -1) == 1) {
		int i = (int)strtol(k, NULL, 10);

		pthread_mutex_lock(&seen_lock);
		if (in_flight[i]++)
			w->concurrent_violation = 1;
		pthread_mutex_unlock(&seen_lock);
		ck_ctl_sleep_ms(1);
		pthread_mutex_lock(&seen_lock);
		in_flight[i]--;
		pthread_mutex_unlock(&seen_lock);
		w->got++;
		ck_ctl_queue_done(w->q, k);
		ck_free(k);
	}
	return NULL;
}

static void test_workers_and_shutdown(void **state)
{
	struct ck_ctl_queue *q;
	struct worker w[4];
	pthread_t t[4];
	char key[16];
	int i, total = 0;

	(void)state;
	assert_int_equal(ck_ctl_queue_new(&q, "w", NULL, NULL), CK_OK);
	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++) {
		w[i].q = q;
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "%d", i % 64);
		ck_ctl_queue_add(q, key);
	}
	while (ck_ctl_queue_pending(q) > 0)
		ck_ctl_sleep_ms(5);
	ck_ctl_queue_shutdown(q);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += w[i].got;
		assert_false(w[i].concurrent_violation);
	}
	/* Deduplicated: at least one pass per key, far fewer than 2000. */
	assert_true(total >= 64);
	assert_true(total < 2000);
	ck_ctl_queue_add(q, "after");
	assert_int_equal(ck_ctl_queue_len(q), 0);
	ck_ctl_queue_free(q);
}

/* A queue freed while its registry lives: scrapes after that must not read it. */
static void test_freed_queue_leaves_metrics(void **state)
{
	struct ck_ctl_metrics *m = ck_ctl_metrics_new();
	struct ck_ctl_queue *q, *q2;
	struct ck_buf b = CK_BUF_INIT;
	char *k;

	(void)state;
	assert_non_null(m);
	assert_int_equal(ck_ctl_queue_new(&q, "gone", NULL, m), CK_OK);
	assert_int_equal(ck_ctl_queue_new(&q2, "kept", NULL, m), CK_OK);
	ck_ctl_queue_add(q2, "ns/busy");
	assert_int_equal(ck_ctl_queue_get(q2, &k, 0), 1);
	assert_int_equal(ck_ctl_metrics_format(&b, m), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&b), "workqueue_unfinished_work_seconds{name=\"gone\"}"));
	ck_ctl_queue_free(q);
	/* Before the fix the registry still called the freed queue's collector here. */
	ck_buf_reset(&b);
	assert_int_equal(ck_ctl_metrics_format(&b, m), CK_OK);
	/* The live queue is still collected. */
	assert_non_null(strstr(ck_buf_cstr(&b), "workqueue_longest_running_processor_seconds{name=\"kept\"}"));
	ck_ctl_queue_done(q2, k);
	ck_free(k);
	ck_ctl_queue_free(q2);
	ck_buf_reset(&b);
	assert_int_equal(ck_ctl_metrics_format(&b, m), CK_OK);
	ck_buf_dispose(&b);
	ck_ctl_metrics_free(m);
}

struct scraper {
	struct ck_ctl_metrics *m;
	atomic_int stop;
	int scrapes;
};

static void *scrape_loop(void *p)
{
	struct scraper *s = p;

	while (!atomic_load(&s->stop)) {
		struct ck_buf b = CK_BUF_INIT;

		if (ck_ctl_metrics_format(&b, s->m) == CK_OK)
			s->scrapes++;
		ck_buf_dispose(&b);
	}
	return NULL;
}

/* Queues come and go while another thread scrapes without pause. */
static void test_queue_churn_while_scraping(void **state)
{
	struct scraper s;
	pthread_t t;
	int i;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.m = ck_ctl_metrics_new();
	assert_non_null(s.m);
	atomic_init(&s.stop, 0);
	assert_int_equal(pthread_create(&t, NULL, scrape_loop, &s), 0);
	for (i = 0; i < 200; i++) {
		struct ck_ctl_queue *q;
		char *k;

		assert_int_equal(ck_ctl_queue_new(&q, "churn", NULL, s.m), CK_OK);
		ck_ctl_queue_add(q, "ns/a");
		assert_int_equal(ck_ctl_queue_get(q, &k, 0), 1);
		ck_ctl_sleep_ms(i % 8 == 0 ? 1 : 0);
		ck_ctl_queue_done(q, k);
		ck_free(k);
		ck_ctl_queue_free(q);
	}
	atomic_store(&s.stop, 1);
	pthread_join(t, NULL);
	assert_true(s.scrapes > 0);
	ck_ctl_metrics_free(s.m);
}

/* A collector being run holds off its removal: after remove, its argument is free to go. */
struct slow {
	atomic_int entered, left;
};

static void slow_collect(void *arg, struct ck_ctl_metrics *m)
{
	struct slow *s = arg;

	(void)m;
	atomic_store(&s->entered, 1);
	ck_ctl_sleep_ms(200);
	atomic_store(&s->left, 1);
}

static void *format_once(void *p)
{
	struct ck_buf b = CK_BUF_INIT;

	(void)ck_ctl_metrics_format(&b, p);
	ck_buf_dispose(&b);
	return NULL;
}

static void test_collector_remove_waits(void **state)
{
	struct ck_ctl_metrics *m = ck_ctl_metrics_new();
	struct slow s;
	pthread_t t;
	int64_t end;

	(void)state;
	atomic_init(&s.entered, 0);
	atomic_init(&s.left, 0);
	assert_int_equal(ck_ctl_metrics_collector(m, slow_collect, &s), CK_OK);
	assert_int_equal(pthread_create(&t, NULL, format_once, m), 0);
	end = ck_ctl_now_ms() + 60000;
	while (!atomic_load(&s.entered) && ck_ctl_now_ms() < end)
		ck_ctl_sleep_ms(1);
	assert_true(atomic_load(&s.entered));
	ck_ctl_metrics_collector_remove(m, slow_collect, &s);
	assert_true(atomic_load(&s.left)); /* it did not return while the collector ran */
	pthread_join(t, NULL);
	/* Removed: not called again; removing twice is harmless. */
	atomic_store(&s.entered, 0);
	format_once(m);
	assert_false(atomic_load(&s.entered));
	ck_ctl_metrics_collector_remove(m, slow_collect, &s);
	ck_ctl_metrics_collector_remove(NULL, slow_collect, &s);
	ck_ctl_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_defaults),
		cmocka_unit_test(test_dedup_and_processing),
		cmocka_unit_test(test_delayed_and_rate_limited),
		cmocka_unit_test(test_workers_and_shutdown),
		cmocka_unit_test(test_freed_queue_leaves_metrics),
		cmocka_unit_test(test_queue_churn_while_scraping),
		cmocka_unit_test(test_collector_remove_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
