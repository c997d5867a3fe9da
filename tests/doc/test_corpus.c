/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The corpus (tests/doc/corpus/): Kubernetes manifests, Helm values with
 * comments, block scalars, anchors, flow collections, quoting, unicode,
 * multi-document files and JSON. Every input round-trips: parse -> write ->
 * parse gives the same tree, comments included. The written bytes equal the
 * input, or, where a <name>.expected file exists, exactly that file (the
 * input with the normalisations doc.h documents). The go-yaml style and the
 * JSON writer must give text that reads back as the same tree too.
 *
 * Malformed inputs (tests/doc/bad/<name>.L<n>.<ext>) fail with CK_EINVAL and
 * "line <n>" in the message.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/doc.h"
#include "ck_test.h"

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int exists(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f != NULL)
		fclose(f);
	return f != NULL;
}

/* JSON indentation as the file has it: the leading blanks of its second line. */
static void json_indent(const struct ck_buf *in, char *ind, size_t n)
{
	const char *s = ck_buf_cstr(in), *nl = strchr(s, '\n');
	size_t k = 0;

	ind[0] = '\0';
	if (nl == NULL || nl[1] == '\0')
		return;
	for (nl++; (nl[k] == ' ' || nl[k] == '\t') && k + 1 < n; k++)
		ind[k] = nl[k];
	ind[k] = '\0';
}

static struct ck_doc *reparse(const struct ck_buf *text)
{
	struct ck_doc *d = NULL;

	if (ck_doc_parse(&d, (const char *)ck_buf_data(text), ck_buf_len(text), 0) != CK_OK)
		fail_msg("written text does not parse: %s\n%s", ck_err_last()->msg, ck_buf_cstr(text));
	return d;
}

static void one(const char *dir, const char *name, int *identical, int *normalised)
{
	const struct ck_doc_yaml_opts go = CK_DOC_YAML_OPTS_GO;
	struct ck_buf in = CK_BUF_INIT, want = CK_BUF_INIT, out = CK_BUF_INIT, other = CK_BUF_INIT;
	struct ck_doc *d = NULL, *back;
	char path[4096];
	int json = ends_with(name, ".json");
	size_t i;

	ckt_readf(&in, "%s/%s", dir, name);
	snprintf(path, sizeof(path), "%s/%s.expected", dir, name);
	if (exists(path)) {
		ckt_read(&want, path);
		(*normalised)++;
	} else {
		assert_int_equal(ck_buf_putb(&want, &in), CK_OK);
		(*identical)++;
	}
	if (ck_doc_parse(&d, (const char *)ck_buf_data(&in), ck_buf_len(&in), CK_DOC_NO_DUP_KEYS) != CK_OK)
		fail_msg("%s: %s", name, ck_err_last()->msg);
	if (json) {
		struct ck_doc_json_opts o = CK_DOC_JSON_OPTS_INIT;
		char ind[16];

		json_indent(&in, ind, sizeof(ind));
		o.indent = ind;
		assert_int_equal(ck_doc_write_json(&out, d->docs[0], &o), CK_OK);
	} else {
		assert_int_equal(ck_doc_write_yaml(&out, d, NULL), CK_OK);
	}
	if (ck_buf_len(&out) != ck_buf_len(&want) ||
	    memcmp(ck_buf_data(&out), ck_buf_data(&want), ck_buf_len(&out)) != 0)
		fail_msg("%s: written:\n%s\nwant:\n%s", name, ck_buf_cstr(&out), ck_buf_cstr(&want));
	back = reparse(&out);
	if (!ck_doc_equal(d, back, CK_DOC_EQ_COMMENTS | (json ? CK_DOC_EQ_STYLES : 0)))
		fail_msg("%s: the written text reads back as another tree", name);
	ck_doc_free(back);
	/* go-yaml style: same tree (comments may move next to block scalars). */
	assert_int_equal(ck_doc_write_yaml(&other, d, &go), CK_OK);
	back = reparse(&other);
	if (!ck_doc_equal(d, back, 0))
		fail_msg("%s: go-yaml style reads back as another tree:\n%s", name, ck_buf_cstr(&other));
	ck_doc_free(back);
	/* JSON of every document, where JSON can say it (no .inf, scalar keys). */
	for (i = 0; i < d->ndocs; i++) {
		ck_buf_reset(&other);
		if (ck_doc_write_json(&other, d->docs[i], NULL) == CK_OK) {
			back = NULL;
			assert_int_equal(ck_doc_parse_json(&back, (const char *)ck_buf_data(&other),
			                                   ck_buf_len(&other), 0), CK_OK);
			ck_doc_free(back);
		}
	}
	ck_doc_free(d);
	ck_buf_dispose(&in);
	ck_buf_dispose(&want);
	ck_buf_dispose(&out);
	ck_buf_dispose(&other);
}

static void corpus(void **state)
{
	char dir[4096];
	struct dirent *e;
	int identical = 0, normalised = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/tests/doc/corpus", ckt_source_dir());
	assert_non_null(dp = opendir(dir));
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.' || ends_with(e->d_name, ".expected"))
			continue;
		one(dir, e->d_name, &identical, &normalised);
	}
	closedir(dp);
	print_message("corpus: %d inputs written byte for byte, %d with documented normalisations\n",
	              identical, normalised);
	assert_true(identical + normalised >= 30);
}

static void bad(void **state)
{
	char dir[4096];
	struct dirent *e;
	int n = 0;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/tests/doc/bad", ckt_source_dir());
	assert_non_null(dp = opendir(dir));
	while ((e = readdir(dp)) != NULL) {
		struct ck_buf in = CK_BUF_INIT;
		struct ck_doc *d = NULL;
		const char *l = strstr(e->d_name, ".L");
		char want[32];
		int rc;

		if (e->d_name[0] == '.' || l == NULL)
			continue;
		snprintf(want, sizeof(want), "line %ld,", strtol(l + 2, NULL, 10));
		ckt_readf(&in, "%s/%s", dir, e->d_name);
		rc = (ends_with(e->d_name, ".json") ? ck_doc_parse_json : ck_doc_parse_yaml)(
			&d, (const char *)ck_buf_data(&in), ck_buf_len(&in), CK_DOC_NO_DUP_KEYS);
		if (rc != CK_EINVAL || d != NULL || strstr(ck_err_last()->msg, want) == NULL)
			fail_msg("%s: rc %d, \"%s\" (want CK_EINVAL and \"%s\")", e->d_name, rc,
			         ck_err_last()->msg, want);
		print_message("%-32s %s\n", e->d_name, ck_err_last()->msg);
		ck_buf_dispose(&in);
		n++;
	}
	closedir(dp);
	assert_true(n >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus),
		cmocka_unit_test(bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
