/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files. Everything written in place goes through ck_file_write_atomic:
 * temp file in the same directory, write, fsync, rename over the target
 * (keeping the target's mode when it exists), fsync the directory. A failure
 * leaves the target byte-identical and removes the temp file.
 */
#ifndef CK_FILE_H
#define CK_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "ck/buf.h"

/* Append the contents of path ("-" = stdin) to out, at most max bytes. */
int ck_file_read(struct ck_buf *out, const char *path, size_t max) CK_WUR;
/* Append everything readable from fd to out (max as above). */
int ck_fd_read_all(struct ck_buf *out, int fd, size_t max) CK_WUR;
/* Write all n bytes to fd, retrying short writes and EINTR. */
int ck_fd_write_all(int fd, const void *p, size_t n) CK_WUR;

/*
 * Atomic replace. mode is used when the target does not exist yet (e.g. 0600
 * for keys, 0644 otherwise); an existing target keeps its mode (and its owner
 * when the process may set it). A symlink is followed: the file it points to
 * is replaced and the link stays. CK_EIO (message names path), CK_ENOMEM.
 */
int ck_file_write_atomic(const char *path, const void *p, size_t n, mode_t mode) CK_WUR;

/*
 * Create a new file exclusively (O_CREAT|O_EXCL) with mode, for private keys:
 * CK_EIO if it exists.
 */
int ck_file_write_new(const char *path, const void *p, size_t n, mode_t mode) CK_WUR;

/* 1 if path exists. */
int ck_file_exists(const char *path);

/*
 * A private temporary directory (mode 0700) under $TMPDIR or /tmp; the path is
 * appended to out. Remove it with ck_tmpdir_remove(), which wipes regular
 * files inside before unlinking them.
 */
int ck_tmpdir_create(struct ck_buf *out, const char *prefix) CK_WUR;
int ck_tmpdir_remove(const char *path);

#endif
