/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to hook/git.c: libgit2 is loaded with dlopen() when a command that
 * needs it starts (CK_NEEDS_GIT), not linked. libgit2 brings mbedtls, pcre2,
 * libssh2, http-parser and their dependencies, whose relocation was a large
 * part of the start-up of every cloak command, including those that never
 * read a repository. Every call goes through ck__git; the macros keep git.c
 * reading like ordinary libgit2 code.
 */
#ifndef CK_HOOK_GIT_DL_H
#define CK_HOOK_GIT_DL_H

#include <stddef.h>

#include <git2.h>
#include <git2/sys/repository.h>

/* Every libgit2 entry point cloak uses. */
#define CK_GIT_API(X) \
	X(git_buf_dispose) \
	X(git_config_free) \
	X(git_config_get_path) \
	X(git_diff_free) \
	X(git_diff_get_delta) \
	X(git_diff_num_deltas) \
	X(git_diff_options_init) \
	X(git_diff_tree_to_index) \
	X(git_error_clear) \
	X(git_error_last) \
	X(git_ignore_path_is_ignored) \
	X(git_index_free) \
	X(git_index_get_bypath) \
	X(git_index_open) \
	X(git_libgit2_init) \
	X(git_libgit2_opts) \
	X(git_libgit2_shutdown) \
	X(git_object_free) \
	X(git_object_peel) \
	X(git_odb_free) \
	X(git_odb_object_data) \
	X(git_odb_object_free) \
	X(git_odb_object_size) \
	X(git_odb_open) \
	X(git_odb_read) \
	X(git_odb_read_header) \
	X(git_oid_cpy) \
	X(git_oid_fromraw) \
	X(git_oid_is_zero) \
	X(git_patch_free) \
	X(git_patch_from_buffers) \
	X(git_patch_get_hunk) \
	X(git_patch_num_hunks) \
	X(git_repository_commondir) \
	X(git_repository_config_snapshot) \
	X(git_repository_free) \
	X(git_repository_index) \
	X(git_repository_is_bare) \
	X(git_repository_odb) \
	X(git_repository_open_ext) \
	X(git_repository_path) \
	X(git_repository_set_index) \
	X(git_repository_set_odb) \
	X(git_repository_set_workdir) \
	X(git_repository_workdir) \
	X(git_revparse_single) \
	X(git_tree_entry_byindex) \
	X(git_tree_entry_bypath) \
	X(git_tree_entry_filemode) \
	X(git_tree_entry_free) \
	X(git_tree_entry_id) \
	X(git_tree_entry_name) \
	X(git_tree_entrycount) \
	X(git_tree_free) \
	X(git_tree_id) \
	X(git_tree_lookup) \
	X(git_tree_walk) \

struct ck_git_api {
#define CK_GIT_SLOT(f) __typeof__(f) *f;
	CK_GIT_API(CK_GIT_SLOT)
#undef CK_GIT_SLOT
};

extern struct ck_git_api ck__git;

/* dlopen libgit2 and fill ck__git; 0, or -1 with a reason in why. */
int ck__git_load(char *why, size_t n);

#ifndef CK_GIT_DL_IMPL
#define git_buf_dispose (ck__git.git_buf_dispose)
#define git_config_free (ck__git.git_config_free)
#define git_config_get_path (ck__git.git_config_get_path)
#define git_diff_free (ck__git.git_diff_free)
#define git_diff_get_delta (ck__git.git_diff_get_delta)
#define git_diff_num_deltas (ck__git.git_diff_num_deltas)
#define git_diff_options_init (ck__git.git_diff_options_init)
#define git_diff_tree_to_index (ck__git.git_diff_tree_to_index)
#define git_error_clear (ck__git.git_error_clear)
#define git_error_last (ck__git.git_error_last)
#define git_ignore_path_is_ignored (ck__git.git_ignore_path_is_ignored)
#define git_index_free (ck__git.git_index_free)
#define git_index_get_bypath (ck__git.git_index_get_bypath)
#define git_index_open (ck__git.git_index_open)
#define git_libgit2_init (ck__git.git_libgit2_init)
#define git_libgit2_opts (ck__git.git_libgit2_opts)
#define git_libgit2_shutdown (ck__git.git_libgit2_shutdown)
#define git_object_free (ck__git.git_object_free)
#define git_object_peel (ck__git.git_object_peel)
#define git_odb_free (ck__git.git_odb_free)
#define git_odb_object_data (ck__git.git_odb_object_data)
#define git_odb_object_free (ck__git.git_odb_object_free)
#define git_odb_object_size (ck__git.git_odb_object_size)
#define git_odb_open (ck__git.git_odb_open)
#define git_odb_read (ck__git.git_odb_read)
#define git_odb_read_header (ck__git.git_odb_read_header)
#define git_oid_cpy (ck__git.git_oid_cpy)
#define git_oid_fromraw (ck__git.git_oid_fromraw)
#define git_oid_is_zero (ck__git.git_oid_is_zero)
#define git_patch_free (ck__git.git_patch_free)
#define git_patch_from_buffers (ck__git.git_patch_from_buffers)
#define git_patch_get_hunk (ck__git.git_patch_get_hunk)
#define git_patch_num_hunks (ck__git.git_patch_num_hunks)
#define git_repository_commondir (ck__git.git_repository_commondir)
#define git_repository_config_snapshot (ck__git.git_repository_config_snapshot)
#define git_repository_free (ck__git.git_repository_free)
#define git_repository_index (ck__git.git_repository_index)
#define git_repository_is_bare (ck__git.git_repository_is_bare)
#define git_repository_odb (ck__git.git_repository_odb)
#define git_repository_open_ext (ck__git.git_repository_open_ext)
#define git_repository_path (ck__git.git_repository_path)
#define git_repository_set_index (ck__git.git_repository_set_index)
#define git_repository_set_odb (ck__git.git_repository_set_odb)
#define git_repository_set_workdir (ck__git.git_repository_set_workdir)
#define git_repository_workdir (ck__git.git_repository_workdir)
#define git_revparse_single (ck__git.git_revparse_single)
#define git_tree_entry_byindex (ck__git.git_tree_entry_byindex)
#define git_tree_entry_bypath (ck__git.git_tree_entry_bypath)
#define git_tree_entry_filemode (ck__git.git_tree_entry_filemode)
#define git_tree_entry_free (ck__git.git_tree_entry_free)
#define git_tree_entry_id (ck__git.git_tree_entry_id)
#define git_tree_entry_name (ck__git.git_tree_entry_name)
#define git_tree_entrycount (ck__git.git_tree_entrycount)
#define git_tree_free (ck__git.git_tree_free)
#define git_tree_id (ck__git.git_tree_id)
#define git_tree_lookup (ck__git.git_tree_lookup)
#define git_tree_walk (ck__git.git_tree_walk)
#endif

#endif
