/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Between git.c (the libgit2 side) and native.c (the same checks on the
 * hook's own reader, ck/hook_internal.h). No libgit2 types here.
 */
#ifndef CK_HOOK_GIT_INT_H
#define CK_HOOK_GIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/hook_git.h"

/* `cloak audit PATH...`: repository-relative prefixes ("" = everything). */
struct ck_hook__filt {
	char **p;
	size_t n;
};
/* Resolve o's paths against the current directory and root (the work tree). */
int ck_hook__filt_make(struct ck_hook__filt *f, const struct ck_hook_audit_opts *o, const char *root) CK_WUR;
/* 1: path is inside a prefix; 2: path is a directory above one (descend); 0: neither. */
int ck_hook__filt_match(const struct ck_hook__filt *f, const char *path, int is_dir);
void ck_hook__filt_dispose(struct ck_hook__filt *f);

/* Added-line ranges of a changed file. */
struct ck_hook__lines {
	uint32_t (*r)[2];
	size_t n, cap;
};

/*
 * The lines of new that its diff against old adds: libgit2's diff with no
 * context, loading libgit2 if it is not loaded yet. CK_EIO, CK_ENOMEM.
 */
int ck_hook__added_lines(struct ck_hook__lines *l, const void *old, size_t oldn, const void *new_,
                         size_t newn, const char *path) CK_WUR;

/* Audit threads for njobs files (CLOAK_AUDIT_THREADS=N overrides). */
size_t ck_hook__audit_threads(size_t njobs);

/* CLOAK_HOOK_GIT=libgit2 (or CLOAK_HOOK_DIFF=libgit2): libgit2 for everything. */
int ck_hook__libgit2_forced(void);

/*
 * native.c: ck_hook_run_staged and ck_hook_audit on the hook's own reader.
 * CK_EUNSUPPORTED (nothing reported yet) when the repository or the request
 * is one they leave to libgit2.
 */
int ck_hook__native_staged(struct ck_hook_report *r, const char *repo) CK_WUR;
int ck_hook__native_audit(struct ck_hook_report *r, const struct ck_hook_audit_opts *o) CK_WUR;

#endif
