/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared between the controller's files. */
#ifndef CK_CTL_INT_H
#define CK_CTL_INT_H

#include <pthread.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/err.h"

/*
 * Document helpers (docutil.c). put_str sets map[key] to a JSON string
 * (double-quoted scalar); put_map returns map[key], creating an empty map if
 * absent or not a map. write_json appends compact JSON. CK_ENOMEM.
 */
int ck_ctl__put_str(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                    const char *value) CK_WUR;
int ck_ctl__put_raw(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                    const char *literal) CK_WUR; /* true/false/123 */
struct ck_doc_node *ck_ctl__put_map(struct ck_doc *d, struct ck_doc_node *map, const char *key);
int ck_ctl__write_json(struct ck_buf *out, const struct ck_doc_node *n) CK_WUR;
/*
 * A secure buffer (max bytes) for a request body that holds plaintext, with
 * 4 KiB taken at once: an ordinary Secret's body then never regrows (each
 * regrowth is a secure allocation, a copy and a wipe).
 * CK_ENOMEM (the buffer is then usable and empty).
 */
int ck_ctl__secure_body(struct ck_buf *b, size_t max) CK_WUR;

/*
 * A reconciler's worker threads (workers.c). start (once) runs n threads
 * of fn(arg); threads is non-NULL from then on. CK_ENOMEM or
 * CK_EINTERNAL; the threads started before a failure are still joined by
 * join, which the caller calls after shutting the work queue down.
 */
struct ck_ctl__workers {
	pthread_t *threads;
	int n; /* started */
};
int ck_ctl__workers_start(struct ck_ctl__workers *w, int n, void *(*fn)(void *), void *arg) CK_WUR;
void ck_ctl__workers_join(struct ck_ctl__workers *w);

#endif
