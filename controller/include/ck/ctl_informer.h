/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An informer (client-go's reflector + indexer, reduced to what the
 * controller needs): list (paged, consistent), then watch from the list's
 * resourceVersion with bookmarks, resume after a clean end or a dropped
 * stream from the last resourceVersion seen, list again on 410 Gone /
 * Expired, random watch timeouts (5-10 min by default), back-off between
 * failures (800 ms doubling to 30 s, with jitter).
 *
 * The cache maps "namespace/name" (or "name" for cluster-scoped kinds) to a
 * resourceVersion and an entry the caller makes from each object (so a cache
 * of 10,000 objects keeps only what the caller needs). The caller hears of
 * every change through on_change, called on the informer thread after the
 * cache was updated; a relist reports objects that did not change as RESYNC.
 */
#ifndef CK_CTL_INFORMER_H
#define CK_CTL_INFORMER_H

#include <stddef.h>
#include <stdint.h>

#include "ck/kube.h"

enum ck_ctl_change { CK_CTL_ADDED, CK_CTL_UPDATED, CK_CTL_DELETED, CK_CTL_RESYNC };

struct ck_ctl_informer_opts {
	const char *name;            /* for logs ("sealedsecrets") */
	const char *path;            /* collection path, e.g. /apis/bitnami.com/v1alpha1/sealedsecrets */
	const char *label_selector;  /* NULL: none */
	const char *field_selector;
	unsigned flags;              /* CK_KUBE_METADATA / CK_KUBE_SECRET */
	int page_size;               /* list limit; 0: 500 */
	int watch_min_s, watch_max_s;/* watch timeoutSeconds range; 0: 300..600 */
	int64_t backoff_ms;          /* first back-off after a failure; 0: 800 */
	int64_t backoff_max_ms;      /* 0: 30000 */
	/* Make the cache entry of an object (NULL: out of memory, the object is skipped). */
	void *(*make)(void *arg, const struct ck_doc_node *obj);
	void (*drop)(void *arg, void *entry);
	/* A change, after the cache was updated; entries are NULL when absent. */
	void (*on_change)(void *arg, enum ck_ctl_change what, const char *key,
	                  const void *old_entry, const void *new_entry);
	void *arg;
};

struct ck_ctl_informer_stats {
	unsigned lists;      /* completed lists */
	unsigned relists;    /* lists caused by 410 */
	unsigned watches;    /* watch requests made */
	unsigned bookmarks;
	unsigned events;     /* ADDED / MODIFIED / DELETED received */
	unsigned failures;   /* failed list / watch attempts */
};

struct ck_ctl_informer;

/* The strings in opts are copied. */
int ck_ctl_informer_new(struct ck_ctl_informer **out, struct ck_kube *kube,
                        const struct ck_ctl_informer_opts *opts) CK_WUR;
int ck_ctl_informer_start(struct ck_ctl_informer *inf) CK_WUR;
/* Stop the thread (cancelling the request in flight), then free. NULL-safe. */
void ck_ctl_informer_free(struct ck_ctl_informer *inf);

/* 1 once the first list has been applied to the cache. */
int ck_ctl_informer_synced(struct ck_ctl_informer *inf);
/* Wait until synced or timeout_ms passed; 1 if synced. */
int ck_ctl_informer_wait_synced(struct ck_ctl_informer *inf, int64_t timeout_ms);

/* Run fn on key's entry (NULL when absent) with the cache locked. */
void ck_ctl_informer_with(struct ck_ctl_informer *inf, const char *key,
                          void (*fn)(void *arg, const char *rv, const void *entry), void *arg);
/* Run fn on every entry with the cache locked (fn must not call back in). */
void ck_ctl_informer_each(struct ck_ctl_informer *inf,
                          void (*fn)(void *arg, const char *key, const void *entry), void *arg);
/* Report every cached object as RESYNC (periodic resync). */
void ck_ctl_informer_resync(struct ck_ctl_informer *inf);
size_t ck_ctl_informer_len(struct ck_ctl_informer *inf);
void ck_ctl_informer_stats(struct ck_ctl_informer *inf, struct ck_ctl_informer_stats *out);

/* "namespace/name" or "name" of an object, appended to out. */
int ck_ctl_object_key(struct ck_buf *out, const struct ck_doc_node *obj) CK_WUR;

#endif
