/* SPDX-License-Identifier: Apache-2.0 */
/* Builders, editors, lookups, clone and compare. */
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck_test.h"

static struct ck_doc *parse(const char *y, unsigned flags)
{
	struct ck_doc *d = NULL;

	if (ck_doc_parse_yaml(&d, y, strlen(y), flags) != CK_OK)
		fail_msg("parse: %s", ck_err_last()->msg);
	return d;
}

static void build_and_write(void **state)
{
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *root, *meta, *items, *n;
	struct ck_buf out = CK_BUF_INIT;

	assert_non_null(d);
	root = ck_doc_map(d);
	meta = ck_doc_map(d);
	items = ck_doc_seq(d);
	assert_int_equal(ck_doc_map_set(d, root, "apiVersion", ck_doc_scalar_str(d, "v1")), CK_OK);
	assert_int_equal(ck_doc_map_set(d, root, "kind", ck_doc_scalar_str(d, "Secret")), CK_OK);
	assert_int_equal(ck_doc_map_set(d, meta, "name", ck_doc_scalar_str(d, "db")), CK_OK);
	assert_int_equal(ck_doc_map_set(d, root, "metadata", meta), CK_OK);
	/* Strings that would read back as other types are quoted when style is ANY... */
	n = ck_doc_scalar(d, "true", 4, CK_DOC_DQUOTED);
	assert_int_equal(ck_doc_seq_append(d, items, n), CK_OK);
	assert_int_equal(ck_doc_seq_append(d, items, ck_doc_scalar(d, "a: b", 4, CK_DOC_PLAIN)), CK_OK);
	assert_int_equal(ck_doc_seq_append(d, items, ck_doc_scalar(d, "l1\nl2\n", 6, CK_DOC_STYLE_ANY)),
	                 CK_OK);
	assert_int_equal(ck_doc_seq_append(d, items, ck_doc_scalar_str(d, "42")), CK_OK);
	assert_int_equal(ck_doc_map_set(d, root, "items", items), CK_OK);
	assert_int_equal(ck_doc_map_set(d, root, "empty", ck_doc_map(d)), CK_OK);
	assert_int_equal(ck_doc_add_root(d, root), CK_OK);
	assert_int_equal(ck_doc_write_yaml(&out, d, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "apiVersion: v1\n"
	                                       "kind: Secret\n"
	                                       "metadata:\n"
	                                       "  name: db\n"
	                                       "items:\n"
	                                       "- \"true\"\n"
	                                       "- 'a: b'\n"
	                                       "- |\n"
	                                       "  l1\n"
	                                       "  l2\n"
	                                       "- 42\n"
	                                       "empty: {}\n");
	/* ...and what is written reads back as the same tree. */
	{
		struct ck_doc *back = parse(ck_buf_cstr(&out), 0);

		assert_true(ck_doc_equal(d, back, 0));
		assert_int_equal(ck_doc_scalar_type(ck_doc_get_path(back->docs[0], "items")->kids[0]),
		                 CK_DOC_T_STR);
		assert_int_equal(ck_doc_scalar_type(ck_doc_get_path(back->docs[0], "items")->kids[3]),
		                 CK_DOC_T_INT);
		ck_doc_free(back);
	}
	ck_buf_dispose(&out);
	ck_doc_free(d);
}

static void edit(void **state)
{
	struct ck_doc *d = parse("a: 1\nb: {c: 2, d: [x, y]}\na: 3\n", 0);
	struct ck_doc_node *r = d->docs[0];
	struct ck_buf out = CK_BUF_INIT;

	/* Duplicate keys are kept; lookups see the last one. */
	assert_int_equal(ck_doc_map_len(r), 3);
	assert_string_equal(ck_doc_map_get_str(r, "a"), "3");
	assert_string_equal(ck_doc_get_path(r, "b.c")->text, "2");
	assert_null(ck_doc_get_path(r, "b.zz"));
	assert_null(ck_doc_get_path(r, "a.b"));
	assert_true(ck_doc_scalar_is(ck_doc_map_key(r, 1), "b"));
	assert_int_equal(ck_doc_map_value(r, 1)->kind, CK_DOC_MAP);
	assert_null(ck_doc_map_key(r, 3));
	/* set replaces the (last) value in place */
	assert_int_equal(ck_doc_map_set(d, r, "a", ck_doc_scalar_str(d, "4")), CK_OK);
	assert_string_equal(ck_doc_map_get_str(r, "a"), "4");
	assert_string_equal(ck_doc_map_value(r, 0)->text, "1");
	/* remove drops every pair with the key */
	assert_int_equal(ck_doc_map_remove(r, "a"), 1);
	assert_int_equal(ck_doc_map_remove(r, "a"), 0);
	assert_int_equal(ck_doc_map_len(r), 1);
	assert_int_equal(ck_doc_map_insert(d, r, 0, ck_doc_scalar_str(d, "first"),
	                                   ck_doc_scalar_str(d, "x")), CK_OK);
	assert_int_equal(ck_doc_map_insert(d, r, 5, ck_doc_scalar_str(d, "k"), ck_doc_scalar_str(d, "v")),
	                 CK_EINVAL);
	assert_int_equal(ck_doc_set_text(d, ck_doc_get_path(r, "b.c"), "hello", 5, CK_DOC_SQUOTED), CK_OK);
	assert_int_equal(ck_doc_set_text(d, r, "x", 1, CK_DOC_PLAIN), CK_EINVAL);
	assert_int_equal(ck_doc_write_yaml(&out, d, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "first: x\nb: {c: 'hello', d: [x, y]}\n");
	ck_buf_dispose(&out);
	ck_doc_free(d);
}

static void many_pairs(void **state)
{
	/* Builders grow arrays geometrically: 20000 appends and lookups stay fast. */
	struct ck_doc *d = ck_doc_new(CK_DOC_SECURE);
	struct ck_doc_node *m = ck_doc_map(d);
	char k[32];
	int i;

	for (i = 0; i < 20000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(ck_doc_map_append(d, m, ck_doc_scalar_str(d, k), ck_doc_scalar_str(d, k)),
		                 CK_OK);
	}
	assert_int_equal(ck_doc_map_len(m), 20000);
	assert_string_equal(ck_doc_map_get_str(m, "k19999"), "k19999");
	assert_string_equal(ck_doc_map_get_str(m, "k0"), "k0");
	ck_doc_free(d);
}

static void aliases_and_clone(void **state)
{
	struct ck_doc *d = parse("base: &b {x: 1}\nuse: *b\nlist: [*b, &s str, *s]\n", 0);
	struct ck_doc *e = ck_doc_new(0);
	struct ck_doc_node *r = d->docs[0], *c, *list;
	struct ck_buf out = CK_BUF_INIT;

	/* Lookups follow aliases. */
	assert_string_equal(ck_doc_get_path(r, "use.x")->text, "1");
	assert_int_equal(ck_doc_map_value(r, 1)->kind, CK_DOC_MAP);
	assert_int_equal(r->kids[3]->kind, CK_DOC_ALIAS);
	assert_ptr_equal(r->kids[3]->target, r->kids[1]);
	assert_ptr_equal(ck_doc_resolve(r->kids[3]), r->kids[1]);
	/* A whole clone keeps its aliases pointing into the clone. */
	c = ck_doc_clone(e, r);
	assert_non_null(c);
	assert_true(ck_doc_node_equal(r, c, CK_DOC_EQ_STYLES));
	assert_ptr_equal(c->kids[3]->target, c->kids[1]);
	/* A clone of a subtree whose anchor lies outside copies what the alias meant. */
	list = ck_doc_clone(e, ck_doc_map_get(r, "list"));
	assert_int_equal(list->kids[0]->kind, CK_DOC_MAP);
	assert_string_equal(ck_doc_map_get_str(list->kids[0], "x"), "1");
	assert_int_equal(list->kids[2]->kind, CK_DOC_ALIAS);
	assert_ptr_equal(list->kids[2]->target, list->kids[1]);
	assert_int_equal(ck_doc_add_root(e, c), CK_OK);
	ck_doc_free(d); /* the clone owns nothing of d */
	assert_int_equal(ck_doc_write_yaml(&out, e, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "base: &b {x: 1}\nuse: *b\nlist: [*b, &s str, *s]\n");
	ck_buf_dispose(&out);
	ck_doc_free(e);
}

static void equal(void **state)
{
	struct ck_doc *a = parse("a: 1 # c\nb: 'x'\n", 0), *b = parse("a: 1\nb: \"x\"\n", 0),
	              *c = parse("a: '1'\nb: x\n", 0);

	assert_true(ck_doc_equal(a, b, 0));
	assert_false(ck_doc_equal(a, b, CK_DOC_EQ_STYLES));
	assert_false(ck_doc_equal(a, c, 0)); /* plain 1 is an int, '1' a string */
	assert_true(ck_doc_equal(a, a, CK_DOC_EQ_STYLES | CK_DOC_EQ_COMMENTS));
	ck_doc_free(a);
	ck_doc_free(b);
	ck_doc_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(build_and_write),
		cmocka_unit_test(edit),
		cmocka_unit_test(many_pairs),
		cmocka_unit_test(aliases_and_clone),
		cmocka_unit_test(equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
