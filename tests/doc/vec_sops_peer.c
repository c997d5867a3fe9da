/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files written by the real sops 3.13.2 (go-yaml v3 with indent 4, and its
 * JSON store with tab indentation) are fixed points of our writers: read,
 * written in go-yaml style (CK_DOC_YAML_OPTS_GO) or as tab-indented JSON,
 * they come out byte for byte. Written faithfully, each reads back as the
 * same tree, comments included.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck_test.h"

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int same(const struct ck_buf *a, const struct ck_buf *b)
{
	return ck_buf_len(a) == ck_buf_len(b) &&
	       memcmp(ck_buf_data(a), ck_buf_data(b), ck_buf_len(a)) == 0;
}

/* The faithful writing reads back as the same tree, comments included. */
static int reads_same(const struct ck_doc *d, const struct ck_buf *text)
{
	struct ck_doc *back = NULL;
	int ok = ck_doc_parse(&back, (const char *)ck_buf_data(text), ck_buf_len(text), 0) == CK_OK &&
	         ck_doc_equal(d, back, CK_DOC_EQ_COMMENTS);

	ck_doc_free(back);
	return ok;
}

static void run_dir(const char *root, const char *sub, int *yaml_ok, int *json_ok, int *bad)
{
	const struct ck_doc_yaml_opts go = CK_DOC_YAML_OPTS_GO;
	struct ck_doc_json_opts js = CK_DOC_JSON_OPTS_INIT;
	char dir[4096];
	struct dirent *e;
	DIR *dp;

	js.indent = "\t";
	snprintf(dir, sizeof(dir), "%s/%s", root, sub);
	if ((dp = opendir(dir)) == NULL)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(dp)) != NULL) {
		struct ck_buf in = CK_BUF_INIT, out = CK_BUF_INIT, faithful = CK_BUF_INIT;
		struct ck_doc *d = NULL;
		int is_yaml = ends_with(e->d_name, ".yaml"), is_json = ends_with(e->d_name, ".json") ||
		                                                       (strcmp(sub, "enc") == 0 &&
		                                                        ends_with(e->d_name, ".bin"));

		if (!is_yaml && !is_json)
			continue;
		ckt_readf(&in, "%s/%s", dir, e->d_name);
		if (ck_doc_parse(&d, (const char *)ck_buf_data(&in), ck_buf_len(&in), CK_DOC_NO_DUP_KEYS) !=
		    CK_OK) {
			print_message("%s/%s: %s\n", sub, e->d_name, ck_err_last()->msg);
			(*bad)++;
		} else {
			if (is_yaml)
				assert_int_equal(ck_doc_write_yaml(&out, d, &go), CK_OK);
			else
				assert_int_equal(ck_doc_write_json(&out, d->docs[0], &js), CK_OK);
			assert_int_equal(ck_doc_write_yaml(&faithful, d, NULL), CK_OK);
			if (same(&in, &out) && reads_same(d, &faithful)) {
				(*(is_yaml ? yaml_ok : json_ok))++;
			} else {
				print_message("%s/%s: written differently:\n%s\n", sub, e->d_name,
				              ck_buf_cstr(same(&in, &out) ? &faithful : &out));
				(*bad)++;
			}
		}
		ck_doc_free(d);
		ck_buf_dispose(&in);
		ck_buf_dispose(&out);
		ck_buf_dispose(&faithful);
	}
	closedir(dp);
}

static void sops_outputs(void **state)
{
	const char *root = ckt_vectors("sops-peer");
	int yaml_ok = 0, json_ok = 0, bad = 0;

	run_dir(root, "dec", &yaml_ok, &json_ok, &bad);
	run_dir(root, "enc", &yaml_ok, &json_ok, &bad);
	print_message("sops-peer: %d YAML and %d JSON files written byte for byte, %d failed\n",
	              yaml_ok, json_ok, bad);
	assert_int_equal(bad, 0);
	assert_true(yaml_ok >= 20 && json_ok >= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sops_outputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
