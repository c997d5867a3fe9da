/* SPDX-License-Identifier: Apache-2.0 */
/* Informers against the fake API server: paged list, watch, resume, 410 relist, bookmarks. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "fake.h"
#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_informer.h"

#define SEC "/api/v1/namespaces/default/secrets"

struct counts {
	pthread_mutex_t lock;
	int added, updated, deleted, resync;
	char last_deleted[64];
};

static void *make(void *arg, const struct ck_doc_node *obj)
{
	(void)arg;
	return ck_strdup(ck_kube_str(obj, "metadata.name"));
}

static void drop(void *arg, void *e)
{
	(void)arg;
	ck_free(e);
}

static void changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                    const void *n)
{
	struct counts *c = arg;

	(void)o;
	(void)n;
	pthread_mutex_lock(&c->lock);
	switch (what) {
	case CK_CTL_ADDED: c->added++; break;
	case CK_CTL_UPDATED: c->updated++; break;
	case CK_CTL_DELETED:
		c->deleted++;
		snprintf(c->last_deleted, sizeof(c->last_deleted), "%s", key);
		break;
	case CK_CTL_RESYNC: c->resync++; break;
	}
	pthread_mutex_unlock(&c->lock);
}

static int get(struct counts *c, int *field)
{
	int v;

	pthread_mutex_lock(&c->lock);
	v = *field;
	pthread_mutex_unlock(&c->lock);
	return v;
}

/* Wait up to 10 s for cond. */
#define WAIT_FOR(cond)                                                            \
	do {                                                                      \
		int64_t end_ = ck_ctl_now_ms() + 10000;                           \
		while (!(cond) && ck_ctl_now_ms() < end_)                         \
			ck_ctl_sleep_ms(20);                                      \
		assert_true(cond);                                                \
	} while (0)

static void post(struct ck_kube_conn *c, const char *name, const char *labels)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char body[256];

	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\",\"labels\":%s}}", name, labels);
	assert_int_equal(ck_kube_request(c, &r, "POST", SEC, NULL, body, strlen(body), NULL, 0),
	                 CK_OK);
	ck_kube_resp_dispose(&r);
}

static void cached(void *arg, const char *rv, const void *entry)
{
	(void)rv;
	*(int *)arg = entry != NULL;
}

static int in_cache(struct ck_ctl_informer *inf, const char *key)
{
	int present = 0;

	ck_ctl_informer_with(inf, key, cached, &present);
	return present;
}

static void test_informer(void **state)
{
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *c;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_ctl_informer *inf;
	struct ck_ctl_informer_opts o;
	struct ck_ctl_informer_stats st;
	struct counts n;
	char name[32];
	int i;
	int64_t t0;

	(void)state;
	memset(&n, 0, sizeof(n));
	pthread_mutex_init(&n.lock, NULL);
	fake_start(&f, 0, "tok", "--history", "40", "--bookmark-interval", "0.3", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		post(c, name, "{\"app\":\"x\"}");
	}
	post(c, "other", "{\"app\":\"y\"}");

	memset(&o, 0, sizeof(o));
	o.name = "secrets";
	o.path = SEC;
	o.label_selector = "app=x";
	o.flags = CK_KUBE_METADATA;
	o.page_size = 3;
	o.watch_min_s = 1;
	o.watch_max_s = 2;
	o.backoff_ms = 100;
	o.backoff_max_ms = 400;
	o.make = make;
	o.drop = drop;
	o.on_change = changed;
	o.arg = &n;
	assert_int_equal(ck_ctl_informer_new(&inf, k, &o), CK_OK);
	assert_int_equal(ck_ctl_informer_start(inf), CK_OK);
	assert_true(ck_ctl_informer_wait_synced(inf, 10000));
	assert_int_equal(ck_ctl_informer_len(inf), 7);
	assert_int_equal(get(&n, &n.added), 7);
	assert_true(in_cache(inf, "default/s3"));
	assert_false(in_cache(inf, "default/other"));
	assert_int_equal(fake_count(&f, "GET", SEC, 200) >= 3, 1); /* three pages of 3 */

	/* Live changes: an object leaving the selector is a deletion. */
	post(c, "s7", "{\"app\":\"x\"}");
	{
		const char *patch = "{\"metadata\":{\"labels\":{\"app\":\"z\"}}}";

		assert_int_equal(ck_kube_request(c, &r, "PATCH", SEC "/s0", NULL, patch,
		                                 strlen(patch), "application/merge-patch+json", 0),
		                 CK_OK);
	}
	WAIT_FOR(get(&n, &n.deleted) == 1 && get(&n, &n.added) == 8);
	assert_false(in_cache(inf, "default/s0"));

	/* A dropped watch resumes from the last resourceVersion: no new list. */
	fake_ctl(&f, "POST", "drop-watches", "{}", NULL);
	post(c, "s8", "{\"app\":\"x\"}");
	WAIT_FOR(in_cache(inf, "default/s8"));
	ck_ctl_informer_stats(inf, &st);
	assert_int_equal(st.lists, 1);
	assert_int_equal(st.relists, 0);

	/* Watches time out (1-2 s) and start again, also without a list; bookmarks arrive. */
	t0 = ck_ctl_now_ms();
	WAIT_FOR((ck_ctl_informer_stats(inf, &st), st.watches >= 3 && st.bookmarks >= 1));
	assert_true(ck_ctl_now_ms() - t0 < 30000); /* seconds, not the default minutes */
	assert_int_equal(st.lists, 1);

	/* An outage while history is lost: deletion during it is found by the relist (410). */
	fake_ctl(&f, "POST", "faults", "{\"watch\":true,\"status\":503,\"count\":2}", NULL);
	fake_ctl(&f, "POST", "drop-watches", "{}", NULL);
	assert_int_equal(ck_kube_request(c, &r, "DELETE", SEC "/s3", NULL, NULL, 0, NULL, 0),
	                 CK_OK);
	fake_ctl(&f, "POST", "compact", "{}", NULL);
	WAIT_FOR(!in_cache(inf, "default/s3"));
	ck_ctl_informer_stats(inf, &st);
	assert_int_equal(st.relists, 1);
	assert_int_equal(st.lists, 2);
	assert_true(st.failures >= 2);
	assert_string_equal(n.last_deleted, "default/s3");
	assert_true(get(&n, &n.resync) >= 6); /* unchanged objects reported as resync */
	assert_int_equal(ck_ctl_informer_len(inf), 7);

	/* Resync on demand reports every object. */
	i = get(&n, &n.resync);
	ck_ctl_informer_resync(inf);
	assert_int_equal(get(&n, &n.resync), i + 7);

	t0 = ck_ctl_now_ms();
	ck_ctl_informer_free(inf);
	assert_true(ck_ctl_now_ms() - t0 < 3000); /* the watch in flight is cancelled */
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	fake_stop(&f);
	pthread_mutex_destroy(&n.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_informer),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
