/* SPDX-License-Identifier: Apache-2.0 */
/* The reconcilers' worker threads: started once, joined after the queue shut down. */
#include "ctl_int.h"
#include "ck/alloc.h"

int ck_ctl__workers_start(struct ck_ctl__workers *w, int n, void *(*fn)(void *), void *arg)
{
	int i;

	if ((w->threads = ck_calloc((size_t)n, sizeof(*w->threads))) == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	for (i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, fn, arg) != 0)
			return ck_err_set(CK_EINTERNAL, "controller: cannot start a worker");
		w->n = i + 1;
	}
	return CK_OK;
}

void ck_ctl__workers_join(struct ck_ctl__workers *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	ck_free(w->threads);
	w->threads = NULL;
	w->n = 0;
}
