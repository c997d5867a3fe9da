/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out-of-memory loop (SQLite style): every public entry point is run with
 * the Nth allocation failing, for N = 1, 2, ... until it succeeds. Each
 * failure must be CK_ENOMEM with nothing written and, under LSan, nothing
 * leaked. (libyaml's own allocations do not go through ck_alloc.)
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/doc.h"
#include "ck_test.h"

static const char yaml[] = "# head\n"
                           "a: &x {k: [1, 2]}  # line\n"
                           "b: *x\n"
                           "c: |\n  text\n"
                           "d:\n- one\n- two: 2\n"
                           "# foot\n"
                           "---\n"
                           "second: 'doc'\n";
static const char json[] = "{\"a\": [1, 2.5, \"x\\u00e9\"], \"b\": {\"c\": null}, \"d\": true}";

typedef int (*step)(void);

static int parse_yaml(void)
{
	struct ck_doc *d = NULL;
	int rc = ck_doc_parse_yaml(&d, yaml, strlen(yaml), CK_DOC_NO_DUP_KEYS);

	ck_doc_free(d);
	return rc;
}

static int parse_yaml_secure(void)
{
	struct ck_doc *d = NULL;
	int rc = ck_doc_parse_yaml(&d, yaml, strlen(yaml), CK_DOC_SECURE);

	ck_doc_free(d);
	return rc;
}

static int parse_json(void)
{
	struct ck_doc *d = NULL;
	int rc = ck_doc_parse_json(&d, json, strlen(json), CK_DOC_NO_DUP_KEYS);

	ck_doc_free(d);
	return rc;
}

/* Writers (and a clone) of a tree made before the failures start. */
static struct ck_doc *tree;

static int write_all(void)
{
	const struct ck_doc_yaml_opts go = CK_DOC_YAML_OPTS_GO;
	struct ck_buf out = CK_BUF_INIT;
	struct ck_doc *c = NULL;
	int rc;

	if ((rc = ck_doc_write_yaml(&out, tree, NULL)) == CK_OK)
		rc = ck_doc_write_yaml(&out, tree, &go);
	if (rc == CK_OK)
		rc = ck_doc_write_json(&out, tree->docs[1], NULL);
	if (rc == CK_OK && ck_buf_len(&out) == 0)
		rc = CK_EINTERNAL;
	if (rc == CK_OK && (c = ck_doc_new(0)) == NULL)
		rc = CK_ENOMEM;
	if (rc == CK_OK && ck_doc_clone(c, tree->docs[0]) == NULL)
		rc = CK_ENOMEM;
	ck_doc_free(c);
	ck_buf_dispose(&out);
	return rc;
}

static int build(void)
{
	struct ck_doc *d = ck_doc_new(CK_DOC_SECURE);
	struct ck_doc_node *m = d ? ck_doc_map(d) : NULL;
	int rc = d && m ? CK_OK : CK_ENOMEM, i;

	for (i = 0; rc == CK_OK && i < 40; i++) {
		struct ck_doc_node *v = ck_doc_scalar_str(d, "value");

		rc = v ? ck_doc_map_set(d, m, i % 2 ? "odd" : "even", v) : CK_ENOMEM;
		if (rc == CK_OK)
			rc = ck_doc_map_append(d, m, ck_doc_scalar_str(d, "k"), ck_doc_scalar_str(d, "v"));
	}
	if (rc == CK_OK)
		rc = ck_doc_add_root(d, m);
	if (rc == CK_OK)
		rc = ck_doc_set_comment(d, &m->head_comment, "hello");
	ck_doc_free(d);
	return rc;
}

static void loop(const char *name, step fn)
{
	size_t n;
	int rc;

	for (n = 1; n < 100000; n++) {
		ck_alloc_fail_after(n);
		rc = fn();
		ck_alloc_fail_after(0);
		if (rc == CK_OK)
			break;
		if (rc != CK_ENOMEM)
			fail_msg("%s: allocation %zu failing gave %d (%s)", name, n, rc, ck_err_last()->msg);
	}
	assert_int_equal(fn(), CK_OK);
	print_message("%s: %zu allocation failures handled\n", name, n - 1);
}

static void oom(void **state)
{
	assert_int_equal(ck_doc_parse_yaml(&tree, yaml, strlen(yaml), 0), CK_OK);
	loop("parse_yaml", parse_yaml);
	loop("parse_yaml_secure", parse_yaml_secure);
	loop("parse_json", parse_json);
	loop("write_and_clone", write_all);
	loop("build", build);
	ck_doc_free(tree);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
