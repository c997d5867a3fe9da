/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/file.h"
#include "ck/rand.h"
#include "ck/secret.h"

int ck_fd_read_all(struct ck_buf *out, int fd, size_t max)
{
	size_t start = ck_buf_len(out);
	uint8_t *dst;
	ssize_t n;
	int rc;

	for (;;) {
		if (ck_buf_len(out) - start >= max) {
			/* One more byte tells "exactly max" from "too big". */
			uint8_t probe;

			n = read(fd, &probe, 1);
			if (n == 0)
				return CK_OK;
			if (n < 0 && errno == EINTR)
				continue;
			ck_buf_truncate(out, start);
			if (n < 0)
				return ck_err_set(CK_EIO, "read failed: %s", strerror(errno));
			return ck_err_set(CK_ETOOBIG, "input larger than %zu bytes", max);
		}
		size_t want = max - (ck_buf_len(out) - start);
		if (want > 65536)
			want = 65536;
		if ((rc = ck_buf_reserve(out, want, &dst)) < 0) {
			ck_buf_truncate(out, start);
			return rc;
		}
		n = read(fd, dst, want);
		if (n < 0 && errno == EINTR) {
			ck_buf_truncate(out, ck_buf_len(out) - want);
			continue;
		}
		if (n < 0) {
			int e = errno;

			ck_buf_truncate(out, start);
			return ck_err_set(CK_EIO, "read failed: %s", strerror(e));
		}
		ck_buf_truncate(out, ck_buf_len(out) - want + (size_t)n);
		if (n == 0)
			return CK_OK;
	}
}

int ck_file_read(struct ck_buf *out, const char *path, size_t max)
{
	int fd, rc;

	if (strcmp(path, "-") == 0)
		return ck_fd_read_all(out, STDIN_FILENO, max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return ck_err_set(CK_ENOTFOUND, "%s: no such file", path);
		return ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
	}
	rc = ck_fd_read_all(out, fd, max);
	close(fd);
	if (rc < 0)
		return ck_err_context("%s", path);
	return CK_OK;
}

int ck_fd_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ck_err_set(CK_EIO, "write failed: %s", strerror(errno));
		c += w;
		n -= (size_t)w;
	}
	return CK_OK;
}

/* fsync the directory dir (a copy of the target path, cut by dirname()). */
static void fsync_dir(char *dir)
{
	int fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		/* Some file systems refuse fsync on directories; the rename is done. */
		(void)fsync(fd);
		close(fd);
	}
}

int ck_file_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
	struct ck_buf tmp = CK_BUF_INIT;
	const char *shown = path;
	char *real = NULL, *dir = NULL;
	struct stat st;
	uint8_t rnd[6];
	int fd = -1, exists = 0, rc = CK_EINTERNAL;

	/* Replace the file a symlink points to, not the link (keeps the link). */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if ((real = realpath(path, NULL)) == NULL) {
			rc = ck_err_set(CK_EIO, "%s: cannot resolve symlink: %s", path,
			                strerror(errno));
			goto out;
		}
		path = real;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			rc = ck_err_set(CK_EIO, "%s: not a regular file", shown);
			goto out;
		}
		mode = st.st_mode & 07777;
		exists = 1;
	}
	/* Everything that can fail for want of memory happens before the rename. */
	if ((dir = ck_strdup(path)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "out of memory");
		goto out;
	}
	ck_random(rnd, sizeof(rnd));
	if ((rc = ck_buf_printf(&tmp, "%s.cloak-tmp-%02x%02x%02x%02x%02x%02x", path, rnd[0],
	                        rnd[1], rnd[2], rnd[3], rnd[4], rnd[5])) < 0)
		goto out;
	fd = open(ck_buf_cstr(&tmp), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
	if (fd < 0) {
		rc = ck_err_set(CK_EIO, "%s: cannot create temporary file: %s", shown,
		                strerror(errno));
		goto out;
	}
	/*
	 * open() applied the umask; the target's own mode must win. Keep its
	 * owner too when we may (root editing someone else's file); failing
	 * that is not an error, as with editors.
	 */
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()))
		(void)!fchown(fd, st.st_uid, st.st_gid);
	if (fchmod(fd, mode) != 0) {
		rc = ck_err_set(CK_EIO, "%s: cannot write: %s", shown, strerror(errno));
		goto out;
	}
	if ((rc = ck_fd_write_all(fd, p, n)) < 0) {
		rc = ck_err_context("%s", shown);
		goto out;
	}
	if (fsync(fd) != 0) {
		rc = ck_err_set(CK_EIO, "%s: cannot write: %s", shown, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = ck_err_set(CK_EIO, "%s: cannot write: %s", shown, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(ck_buf_cstr(&tmp), path) != 0) {
		rc = ck_err_set(CK_EIO, "%s: cannot replace: %s", shown, strerror(errno));
		goto out;
	}
	ck_buf_reset(&tmp); /* renamed: nothing to remove */
	fsync_dir(dir);
	rc = CK_OK;
out:
	if (fd >= 0)
		close(fd);
	if (ck_buf_len(&tmp) > 0)
		unlink(ck_buf_cstr(&tmp));
	ck_buf_dispose(&tmp);
	ck_free(dir);
	free(real); /* from realpath() */
	return rc;
}

int ck_file_write_new(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		if (errno == EEXIST)
			return ck_err_set(CK_EIO, "%s: file exists, not overwriting", path);
		return ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
	}
	rc = ck_fd_write_all(fd, p, n);
	if (rc == CK_OK && fsync(fd) != 0)
		rc = ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
	if (close(fd) != 0 && rc == CK_OK)
		rc = ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
	if (rc < 0) {
		unlink(path);
		return ck_err_context("%s", path);
	}
	return CK_OK;
}

int ck_file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int ck_tmpdir_create(struct ck_buf *out, const char *prefix)
{
	const char *base = getenv("TMPDIR");
	struct ck_buf path = CK_BUF_INIT;
	int rc;

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if ((rc = ck_buf_printf(&path, "%s/%s.XXXXXX", base, prefix ? prefix : "cloak")) < 0)
		goto out;
	/* mkdtemp creates the directory with mode 0700. */
	if (mkdtemp((char *)ck_buf_mutable(&path)) == NULL) {
		rc = ck_err_set(CK_EIO, "cannot create a private temporary directory in %s: %s",
		                base, strerror(errno));
		goto out;
	}
	if ((rc = ck_buf_putb(out, &path)) < 0)
		(void)rmdir(ck_buf_cstr(&path)); /* nobody will know it exists */
out:
	ck_buf_dispose(&path);
	return rc;
}

static void wipe_file(int dirfd, const char *name)
{
	struct stat st;
	uint8_t zero[4096] = { 0 };
	off_t left;
	int fd;

	/* Only regular files hold plaintext; opening a FIFO would block. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
		return;
	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		for (left = st.st_size; left > 0; left -= (off_t)sizeof(zero))
			if (write(fd, zero, left < (off_t)sizeof(zero) ? (size_t)left
			                                               : sizeof(zero)) <= 0)
				break;
		(void)fsync(fd);
	}
	close(fd);
}

static int is_subdir(int dirfd, const char *name)
{
	struct stat st;

	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int ck_tmpdir_remove(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int dfd;

	if (d == NULL)
		return errno == ENOENT ? CK_OK : ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
	dfd = dirfd(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && is_subdir(dfd, e->d_name))) {
			struct ck_buf sub = CK_BUF_INIT;

			if (ck_buf_printf(&sub, "%s/%s", path, e->d_name) == CK_OK)
				(void)ck_tmpdir_remove(ck_buf_cstr(&sub));
			ck_buf_dispose(&sub);
			continue;
		}
		wipe_file(dfd, e->d_name);
		(void)unlinkat(dfd, e->d_name, 0);
	}
	closedir(d);
	if (rmdir(path) != 0)
		return ck_err_set(CK_EIO, "%s: cannot remove: %s", path, strerror(errno));
	return CK_OK;
}
