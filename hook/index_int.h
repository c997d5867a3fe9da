/* SPDX-License-Identifier: Apache-2.0 */
/* The hook's read-only git index reader and cache-tree comparison (index.c). */
#ifndef CK_HOOK_INDEX_INT_H
#define CK_HOOK_INDEX_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/hook_internal.h"

struct ck_hook__ixent {
	const char *path;     /* NUL-terminated, inside the index buffer (v4: rebuilt) */
	size_t len;
	uint32_t mode;        /* 0100644, 0100755, 0120000, 0160000 */
	const uint8_t *oid;   /* 20 bytes */
	unsigned stage;       /* 0, or 1..3 for a conflict */
	int ita;              /* intent-to-add: no content staged */
};

/* A cache-tree node (TREE extension), in pre-order. */
struct ck_hook__ctnode {
	const char *name;
	size_t namelen;
	size_t nsub;
	int valid;            /* entry count >= 0: oid is the directory's tree */
	const uint8_t *oid;
};

struct ck_hook__ix {
	const uint8_t *map;   /* the file, mapped read-only */
	size_t maplen;
	struct ck_hook__ixent *e;
	size_t n;
	char *paths;
	struct ck_hook__ctnode *ct;
	size_t nct;
};

/*
 * Read an index file. CK_EUNSUPPORTED for what this reader leaves to
 * libgit2 (split or sparse index, unknown version, odd layout), CK_ENOTFOUND
 * / CK_EIO from reading the file, CK_ENOMEM. Dispose in every case.
 */
int ck_hook__ix_read(struct ck_hook__ix *ix, const char *path) CK_WUR;
void ck_hook__ix_dispose(struct ck_hook__ix *ix);
/* The stage-0 entry of a path, or NULL. */
const struct ck_hook__ixent *ck_hook__ix_find(const struct ck_hook__ix *ix, const char *path);

/* A HEAD tree as the comparison needs it (filled by the caller's loader). */
struct ck_hook__tree {
	struct ck_hook__tentry *e;
	size_t n;
	void *priv;
};

/*
 * Call emit for every stage-0 entry that differs from HEAD's tree (old_oid
 * NULL: not in HEAD), descending only into directories whose cache-tree node
 * is missing, invalid or names another tree than HEAD's. head_tree NULL: an
 * unborn branch, every entry is new. load/unload read one tree by id.
 */
int ck_hook__ix_diff(struct ck_hook__ix *ix, const uint8_t *head_tree,
                     int (*load)(void *ctx, const uint8_t *oid, struct ck_hook__tree *out),
                     void (*unload)(void *ctx, struct ck_hook__tree *t),
                     int (*emit)(void *ctx, const struct ck_hook__ixent *e, const uint8_t *old_oid,
                                 uint32_t old_mode),
                     void *ctx) CK_WUR;

#endif
