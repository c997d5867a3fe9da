/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the hook module, visible for its unit tests and fuzz targets
 * only: not an API for other modules (they use ck/hook.h and ck/hook_git.h).
 *
 * The hook's own read-only git object reader (odb.c) and repository opener
 * (repo.c), used by `cloak hook run` and `cloak audit` instead of libgit2
 * where the repository is an ordinary one.
 *
 * Why: loading and initialising libgit2 costs more than the whole staged
 * check (its global init parses every system CA certificate), and reading
 * 20,000 blobs through git_odb_read() pays a header read, a hash-map lookup,
 * a mutex and a fresh zlib stream per blob. Here packs are mapped once, one
 * zlib stream per thread is reset between objects, delta bases stay in a
 * per-thread cache, and an audit reads blobs in pack order.
 *
 * Scope: SHA-1 repositories, pack index version 2, loose objects,
 * objects/info/alternates. repo.c decides which repositories are ordinary
 * (see ck_hook__repo_open); everything else is CK_EUNSUPPORTED and the
 * caller uses libgit2, so behaviour never depends on this reader, only speed
 * does (tests compare both on the same repositories).
 */
#ifndef CK_HOOK_INTERNAL_H
#define CK_HOOK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ck/err.h"

/* A tree entry (name not NUL-terminated; mode as libgit2 normalises it). */
struct ck_hook__tentry {
	const char *name;
	size_t namelen;
	uint32_t mode;
	const uint8_t *oid;
};

enum { CK_HOOK__OBJ_COMMIT = 1, CK_HOOK__OBJ_TREE = 2, CK_HOOK__OBJ_BLOB = 3, CK_HOOK__OBJ_TAG = 4 };

/* An object's bytes, reference-counted (one reader's cache may hold a reference). */
struct ck_hook__obj {
	unsigned refs;
	int type;
	size_t len;
	uint8_t *data; /* len bytes and a NUL */
};
void ck_hook__obj_unref(struct ck_hook__obj *o);

/* The object database of one objects directory and its alternates; shared by threads. */
struct ck_hook__odb;

/*
 * Map the packs of objdir (and of its alternates). CK_EUNSUPPORTED for a
 * pack index version other than 2 or a pack this reader does not know,
 * CK_ENOTFOUND when objdir is not a directory, CK_EIO, CK_ENOMEM.
 */
int ck_hook__odb_open(struct ck_hook__odb **out, const char *objdir) CK_WUR;
void ck_hook__odb_free(struct ck_hook__odb *db);

/*
 * A sort key that reads objects in pack order: pack number in the top bits,
 * the offset below; loose and unknown objects sort last.
 */
uint64_t ck_hook__odb_order(struct ck_hook__odb *db, const uint8_t oid[20]);

/*
 * A reader: one inflater and one delta-base cache. One per thread. Pack
 * entries are inflated by libdeflate when it is installed, unless
 * CLOAK_HOOK_INFLATE=zlib was set when the reader was made.
 */
struct ck_hook__odbr;
int ck_hook__odbr_new(struct ck_hook__odbr **out, struct ck_hook__odb *db) CK_WUR;
void ck_hook__odbr_free(struct ck_hook__odbr *r);

/*
 * Read an object. type: the type it must have (0: any); max: a bigger
 * object is CK_ETOOBIG and is not inflated. *out holds a reference (unref
 * it). CK_ENOTFOUND (message names the id), CK_EIO (corrupt or wrong type),
 * CK_ENOMEM.
 */
int ck_hook__odb_read(struct ck_hook__odbr *r, const uint8_t oid[20], int type, size_t max,
                      struct ck_hook__obj **out) CK_WUR;

/* ck_hook__odb_read of an object whose ck_hook__odb_order key the caller has. */
int ck_hook__odb_read_at(struct ck_hook__odbr *r, const uint8_t oid[20], uint64_t order, int type,
                         size_t max, struct ck_hook__obj **out) CK_WUR;

/* Next entry of a tree's bytes at *off: 1 (e filled), 0 at the end, CK_EIO when malformed. */
int ck_hook__tree_next(const uint8_t *p, size_t n, size_t *off, struct ck_hook__tentry *e) CK_WUR;

/* The tree a commit or tag names (peeling tags); CK_EIO when it names none. */
int ck_hook__peel_tree(struct ck_hook__odbr *r, const uint8_t oid[20], uint8_t tree[20]) CK_WUR;

/* Hex forms. */
void ck_hook__oid_hex(char out[41], const uint8_t oid[20]);
int ck_hook__oid_parse(uint8_t out[20], const char *hex); /* 40 hex digits; 0 or -1 */

/* ---- repo.c ---- */

struct ck_hook__repo {
	char *gitdir;   /* the (worktree's) git directory, ending in '/' */
	char *common;   /* the common directory (objects, refs), ending in '/' */
	char *workdir;  /* the working tree, ending in '/' */
	char *index;    /* the index file ($GIT_INDEX_FILE when opened from the environment) */
	struct ck_hook__odb *odb;
};

/*
 * Open a repository the way libgit2 would, when it is an ordinary one:
 * path (searched upwards, as `--repo DIR`) or, with path NULL, the
 * environment ($GIT_DIR with $GIT_INDEX_FILE, as git runs hooks, or a search
 * from the current directory). CK_EUNSUPPORTED for anything this opener
 * leaves to libgit2: the other GIT_* variables that move the repository
 * (work tree, common dir, object directories, namespace, ceilings), a
 * repository the current user does not own, a bare repository or a search
 * that starts inside a git directory, core.worktree, config includes,
 * repository extensions, format versions above 1, a search that crosses a
 * file system or finds nothing.
 */
int ck_hook__repo_open(struct ck_hook__repo *r, const char *path) CK_WUR;
void ck_hook__repo_dispose(struct ck_hook__repo *r);

/*
 * The tree of HEAD: CK_OK with *unborn 1 (tree untouched) when HEAD names a
 * branch that does not exist yet. CK_EIO when HEAD cannot be read.
 */
int ck_hook__repo_head_tree(struct ck_hook__repo *r, struct ck_hook__odbr *rd, uint8_t tree[20],
                            int *unborn) CK_WUR;

/* ---- patterns.c ---- */

/*
 * The lines on which the pattern rules would report something if those
 * lines were added (ascending, at most cap; CK_ETOOBIG when there are more).
 * A staged change that adds none of them needs no pattern scan and no diff.
 */
int ck_hook__pattern_lines(const char *path, const char *data, size_t n, uint32_t *lines,
                           size_t cap, size_t *nlines) CK_WUR;

#endif
