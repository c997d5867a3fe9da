/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/enc.h"
#include "ck/file.h"
#include "ck_test.h"

static char vec_path[4096];
static char tmp_path[4096];

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void ckt_skip_all(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n*** SKIPPED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " ***\n\n");
	printf("SKIPPED\n");
	exit(CKT_SKIP);
}

const char *ckt_vectors(const char *sub)
{
	const char *root = getenv("CLOAK_VECTORS");

	if (root == NULL || root[0] == '\0')
		root = CK_VECTORS_DEFAULT;
	if (sub != NULL)
		snprintf(vec_path, sizeof(vec_path), "%s/%s", root, sub);
	else
		snprintf(vec_path, sizeof(vec_path), "%s", root);
	if (!is_dir(vec_path))
		ckt_skip_all("shared test vectors not found at %s (set CLOAK_VECTORS)", vec_path);
	return vec_path;
}

const char *ckt_source_dir(void)
{
	const char *s = getenv("CLOAK_SOURCE_DIR");

	return s != NULL && s[0] ? s : CK_SOURCE_DIR;
}

void ckt_read(struct ck_buf *out, const char *path)
{
	int rc = ck_file_read(out, path, CK_BUF_MAX);

	if (rc != CK_OK)
		fail_msg("cannot read %s: %s", path, ck_err_last()->msg);
}

void ckt_readf(struct ck_buf *out, const char *fmt, ...)
{
	char path[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	ckt_read(out, path);
}

static void remove_tmp(void)
{
	if (tmp_path[0])
		(void)ck_tmpdir_remove(tmp_path);
}

const char *ckt_tmpdir(void)
{
	struct ck_buf b = CK_BUF_INIT;

	if (tmp_path[0])
		return tmp_path;
	if (ck_tmpdir_create(&b, "cloak-test") != CK_OK)
		fail_msg("cannot create temporary directory: %s", ck_err_last()->msg);
	snprintf(tmp_path, sizeof(tmp_path), "%s", ck_buf_cstr(&b));
	ck_buf_dispose(&b);
	atexit(remove_tmp);
	return tmp_path;
}

int ckt_have_program(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];
	const char *p, *e;

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p), p, name);
		if (access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

void ckt_unhex(struct ck_buf *out, const char *hex)
{
	if (ck_hex_decode(out, hex, strlen(hex)) != CK_OK)
		fail_msg("bad hex in test data: %.40s", hex);
}
