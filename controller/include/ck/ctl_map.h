/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A string-keyed hash map (open addressing, linear probing, tombstones) for
 * the controller's caches, queues and indexes. Keys are copied; values are
 * borrowed pointers the caller owns. Not thread-safe: callers lock.
 */
#ifndef CK_CTL_MAP_H
#define CK_CTL_MAP_H

#include <stddef.h>

#include "ck/err.h"

struct ck_ctl_map;

/* New empty map; NULL on CK_ENOMEM (message set). */
struct ck_ctl_map *ck_ctl_map_new(void);
/* Free the map and its key copies (not the values). NULL-safe. */
void ck_ctl_map_free(struct ck_ctl_map *m);

/* The value stored under key, or NULL. */
void *ck_ctl_map_get(const struct ck_ctl_map *m, const char *key);
/* 1 if key is present (its value may be NULL). */
int ck_ctl_map_has(const struct ck_ctl_map *m, const char *key);
/*
 * Store value under key. *old (may be NULL) receives the value it replaced,
 * or NULL. CK_OK or CK_ENOMEM (map unchanged).
 */
int ck_ctl_map_put(struct ck_ctl_map *m, const char *key, void *value, void **old) CK_WUR;
/* Remove key; returns its value (NULL when absent). */
void *ck_ctl_map_del(struct ck_ctl_map *m, const char *key);
size_t ck_ctl_map_len(const struct ck_ctl_map *m);

/*
 * Iteration: *pos starts at 0; each call returns the next key and sets *value
 * (if non-NULL), or NULL at the end. The map must not change meanwhile,
 * except through ck_ctl_map_del() of the key just returned.
 */
const char *ck_ctl_map_next(const struct ck_ctl_map *m, size_t *pos, void **value);

#endif
