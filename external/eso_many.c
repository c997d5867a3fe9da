/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering many ExternalSecrets with worker threads. Each worker owns a
 * session (its provider clients, logins and connections); the set is only
 * read. Work is handed out one ExternalSecret at a time through an atomic
 * counter, so a slow store does not hold the others back.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ck/ext.h"

#define MAX_JOBS 64

struct pool {
	const struct ck_ext_set *set;
	const struct ck_ext_es *const *es;
	size_t n;
	const struct ck_ext_session_opts *opts;
	struct ck_ext_result *res;
	atomic_size_t next;
	atomic_size_t requests;
};

void ck_ext_result_init(struct ck_ext_result *r)
{
	memset(r, 0, sizeof(*r));
	ck_buf_init_secure(&r->yaml, CK_BUF_MAX);
}

void ck_ext_result_dispose(struct ck_ext_result *r)
{
	if (r == NULL)
		return;
	ck_buf_dispose(&r->yaml);
	memset(r->err, 0, sizeof(r->err));
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct ck_ext_session *sess = NULL;
	struct ck_ext_secret sec;
	size_t i;
	int rc;

	ck_ext_secret_init(&sec);
	rc = ck_ext_session_new(&sess, p->set, p->opts);
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n) {
		struct ck_ext_result *r = &p->res[i];

		if (rc < 0) {
			r->rc = rc;
			snprintf(r->err, sizeof(r->err), "%s", ck_err_last()->msg);
			continue;
		}
		r->rc = ck_ext_render(sess, p->es[i], &sec);
		if (r->rc == CK_OK) {
			r->outcome = sec.outcome;
			if (sec.outcome == CK_EXT_SYNCED)
				r->rc = ck_ext_secret_yaml(&r->yaml, &sec);
		}
		if (r->rc < 0)
			snprintf(r->err, sizeof(r->err), "%s", ck_err_last()->msg);
		ck_ext_secret_dispose(&sec);
	}
	if (sess)
		atomic_fetch_add(&p->requests, ck_ext_session_requests(sess));
	ck_ext_session_free(sess);
	return NULL;
}

int ck_ext_render_all(const struct ck_ext_set *set, const struct ck_ext_es *const *es, size_t n,
                      const struct ck_ext_session_opts *opts, unsigned jobs,
                      struct ck_ext_result *res, size_t *requests)
{
	pthread_t tids[MAX_JOBS];
	struct pool p;
	unsigned started = 0, k;
	size_t i;

	p.set = set;
	p.es = es;
	p.n = n;
	p.opts = opts;
	p.res = res;
	atomic_init(&p.next, 0);
	atomic_init(&p.requests, 0);
	if (jobs == 0)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	if (jobs > n)
		jobs = n ? (unsigned)n : 1;
	for (k = 1; k < jobs; k++) {
		if (pthread_create(&tids[started], NULL, worker, &p) != 0)
			break; /* fewer workers: the rest is done by those that started */
		started++;
	}
	worker(&p);
	for (k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	if (requests)
		*requests = atomic_load(&p.requests);
	for (i = 0; i < n; i++)
		if (res[i].rc < 0)
			return ck_err_set(res[i].rc, "%s", res[i].err);
	return CK_OK;
}
