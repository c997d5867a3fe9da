/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/err.h"
#include "ck/file.h"
#include "ck_test.h"

static void errors(void **state)
{
	ck_err_clear();
	assert_int_equal(ck_err_last()->code, CK_OK);
	assert_int_equal(ck_err_set(CK_EINVAL, "bad value %d", 3), CK_EINVAL);
	assert_int_equal(ck_err_context("data.password"), CK_EINVAL);
	assert_int_equal(ck_err_context("secret.yaml"), CK_EINVAL);
	assert_string_equal(ck_err_last()->msg, "secret.yaml: data.password: bad value 3");
	assert_int_equal(ck_err_exit_code(CK_EINVAL), CK_EXIT_INPUT);
	assert_int_equal(ck_err_exit_code(CK_EUSAGE), CK_EXIT_USAGE);
	assert_int_equal(ck_err_exit_code(CK_EAUTH), CK_EXIT_AUTH);
	assert_int_equal(ck_err_exit_code(CK_ENET), CK_EXIT_NETWORK);
	assert_int_equal(ck_err_set_exit(CK_EAUTH, 51, "mac mismatch"), CK_EAUTH);
	assert_int_equal(ck_err_exit_code(CK_EAUTH), 51);
	assert_string_equal(ck_err_class(CK_EAUTH), "auth");
	assert_string_equal(ck_err_class(CK_ENOTFOUND), "not-found");
	/* The previous message may be an argument of the next one. */
	ck_err_set(CK_EINVAL, "inner");
	ck_err_set(CK_EIO, "outer: %s", ck_err_last()->msg);
	assert_string_equal(ck_err_last()->msg, "outer: inner");
	/* Quoted input cannot break the one-line rule or reach the terminal raw. */
	ck_err_set(CK_EINVAL, "unknown key '%s'", "a\n\nb\r\x1b[31mc\x7f");
	assert_string_equal(ck_err_last()->msg, "unknown key 'a  b  [31mc '");
	ck_err_context("%s", "file\n.yaml");
	assert_string_equal(ck_err_last()->msg, "file .yaml: unknown key 'a  b  [31mc '");
}

static void atomic_write_symlink(void **state)
{
	const char *dir = ckt_tmpdir();
	char target[4096], link[4096];
	struct ck_buf b = CK_BUF_INIT;
	struct stat st;

	snprintf(target, sizeof(target), "%s/real.yaml", dir);
	snprintf(link, sizeof(link), "%s/link.yaml", dir);
	assert_int_equal(ck_file_write_atomic(target, "one\n", 4, 0640), CK_OK);
	assert_int_equal(symlink("real.yaml", link), 0);
	assert_int_equal(ck_file_write_atomic(link, "two\n", 4, 0644), CK_OK);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode)); /* the link is kept */
	ckt_read(&b, target);
	assert_string_equal(ck_buf_cstr(&b), "two\n");
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	ck_buf_dispose(&b);
}

static void atomic_write(void **state)
{
	const char *dir = ckt_tmpdir();
	char path[4096];
	struct ck_buf b = CK_BUF_INIT;
	struct stat st;

	snprintf(path, sizeof(path), "%s/file.yaml", dir);
	assert_int_equal(ck_file_write_atomic(path, "one\n", 4, 0640), CK_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ck_file_write_atomic(path, "two\n", 4, 0644), CK_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* existing mode kept */
	ckt_read(&b, path);
	assert_string_equal(ck_buf_cstr(&b), "two\n");
	ck_buf_reset(&b);
	/* A failed write (directory gone) leaves nothing behind. */
	snprintf(path, sizeof(path), "%s/missing/file.yaml", dir);
	assert_int_equal(ck_file_write_atomic(path, "x", 1, 0644), CK_EIO);
	/* Exclusive create refuses to overwrite. */
	snprintf(path, sizeof(path), "%s/key.txt", dir);
	assert_int_equal(ck_file_write_new(path, "k", 1, 0600), CK_OK);
	assert_int_equal(ck_file_write_new(path, "k", 1, 0600), CK_EIO);
	assert_int_equal(ck_file_read(&b, "/nonexistent/cloak", 100), CK_ENOTFOUND);
	ck_buf_dispose(&b);
}

static void read_limit(void **state)
{
	const char *dir = ckt_tmpdir();
	char path[4096];
	struct ck_buf b = CK_BUF_INIT;

	snprintf(path, sizeof(path), "%s/limit", dir);
	assert_int_equal(ck_file_write_atomic(path, "0123456789", 10, 0644), CK_OK);
	assert_int_equal(ck_file_read(&b, path, 10), CK_OK);
	assert_int_equal(ck_buf_len(&b), 10);
	ck_buf_reset(&b);
	assert_int_equal(ck_file_read(&b, path, 9), CK_ETOOBIG);
	assert_int_equal(ck_buf_len(&b), 0);
	ck_buf_dispose(&b);
}

static void private_tmpdir(void **state)
{
	struct ck_buf p = CK_BUF_INIT, f = CK_BUF_INIT;
	struct stat st;

	assert_int_equal(ck_tmpdir_create(&p, "cloak-edit"), CK_OK);
	assert_int_equal(stat(ck_buf_cstr(&p), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(ck_buf_printf(&f, "%s/plain.yaml", ck_buf_cstr(&p)), CK_OK);
	assert_int_equal(ck_file_write_new(ck_buf_cstr(&f), "secret", 6, 0600), CK_OK);
	/* A FIFO left inside (sops exec-file) must not block the removal. */
	ck_buf_reset(&f);
	assert_int_equal(ck_buf_printf(&f, "%s/fifo", ck_buf_cstr(&p)), CK_OK);
	assert_int_equal(mkfifo(ck_buf_cstr(&f), 0600), 0);
	assert_int_equal(ck_tmpdir_remove(ck_buf_cstr(&p)), CK_OK);
	assert_int_not_equal(stat(ck_buf_cstr(&p), &st), 0);
	ck_buf_dispose(&p);
	ck_buf_dispose(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors),
		cmocka_unit_test(atomic_write),
		cmocka_unit_test(atomic_write_symlink),
		cmocka_unit_test(read_limit),
		cmocka_unit_test(private_tmpdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
