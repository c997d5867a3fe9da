/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tree paths for `sops decrypt --extract`, `sops set` and `sops unset`:
 * ["key"][0]["other"] (sops's parseTreePath: split at "][", a component in
 * double quotes is a map key, else a list index).
 */
#ifndef CK_SOPS_PATH_H
#define CK_SOPS_PATH_H

#include <stddef.h>

#include "ck/err.h"
#include "ck/sops_tree.h"

struct ck_sops_pathc {
	int is_index;
	char *key; /* map key (heap) */
	size_t keylen;
	size_t index;
};

struct ck_sops_path {
	struct ck_sops_pathc *c;
	size_t n;
};

/* Parse; CK_EUSAGE with exit status 91 on a bad path. */
int ck_sops_path_parse(struct ck_sops_path **out, const char *s) CK_WUR;
void ck_sops_path_free(struct ck_sops_path *p);

/* The node at the path (sops Truncate); CK_ENOTFOUND naming the component. */
int ck_sops_path_get(const struct ck_sops_node **out, const struct ck_sops_node *root,
                     const struct ck_sops_path *p) CK_WUR;
/* sops Set: replace or create (value is copied by struct; its kids are shared). */
int ck_sops_path_set(struct ck_sops_tree *t, struct ck_sops_node *root,
                     const struct ck_sops_path *p, const struct ck_sops_node *value) CK_WUR;
/* sops Unset: remove the key or list item; CK_ENOTFOUND when absent. */
int ck_sops_path_unset(struct ck_sops_node *root, const struct ck_sops_path *p) CK_WUR;
/* Deep equality of two values (types and texts). */
int ck_sops_node_equal(const struct ck_sops_node *a, const struct ck_sops_node *b);

#endif
