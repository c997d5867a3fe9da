/* SPDX-License-Identifier: Apache-2.0 */
/* Tree paths for --extract, set and unset (sops/path.c), on YAML trees. */
#include <string.h>

#include "ck/sops.h"
#include "ck/sops_path.h"
#include "ck/sops_tree.h"
#include "ck_test.h"

static struct ck_sops_file *load(const char *yaml)
{
	struct ck_buf in;
	struct ck_sops_file *f = NULL;

	ck_buf_init_secure(&in, 0);
	assert_int_equal(ck_buf_puts(&in, yaml), CK_OK);
	if (ck_sops_file_read(&f, &in, CK_SOPS_FMT_YAML, CK_SOPS_PLAINTEXT) != CK_OK)
		fail_msg("%s", ck_err_last()->msg);
	ck_buf_dispose(&in);
	return f;
}

static void emit_eq(const struct ck_sops_file *f, const char *want)
{
	struct ck_buf out = CK_BUF_INIT;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;

	assert_int_equal(ck_sops_file_emit(&out, f, CK_SOPS_FMT_YAML, &eo), CK_OK);
	if (strcmp(ck_buf_cstr(&out), want) != 0)
		fail_msg("got:\n%s\nwant:\n%s", ck_buf_cstr(&out), want);
	ck_buf_dispose(&out);
}

static void parse(void **state)
{
	static const char *const bad[] = { "a", "[a]", "[\"a\"]x", "[-1]", "[\"a\"][\"b]", "[1x]" };
	/* sops's parser splits at "][" and trims one bracket per side: lenient */
	static const char *const lenient[] = { "[\"a\"", "[\"a\"][", "\"a\"" };
	struct ck_sops_path *p = NULL;
	size_t i;

	(void)state;
	assert_int_equal(ck_sops_path_parse(&p, "[\"a\"][0][\"b c\"][12]"), CK_OK);
	assert_int_equal(p->n, 4);
	assert_false(p->c[0].is_index);
	assert_string_equal(p->c[0].key, "a");
	assert_true(p->c[1].is_index);
	assert_int_equal(p->c[1].index, 0);
	assert_string_equal(p->c[2].key, "b c");
	assert_int_equal(p->c[3].index, 12);
	ck_sops_path_free(p);
	for (i = 0; i < sizeof(lenient) / sizeof(lenient[0]); i++) {
		p = NULL;
		if (ck_sops_path_parse(&p, lenient[i]) != CK_OK)
			fail_msg("refused path '%s': %s", lenient[i], ck_err_last()->msg);
		assert_int_equal(p->n, 1);
		assert_string_equal(p->c[0].key, "a");
		ck_sops_path_free(p);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = NULL;
		if (ck_sops_path_parse(&p, bad[i]) == CK_OK)
			fail_msg("accepted path '%s'", bad[i]);
		assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_INVALID_TREE_PATH_FORMAT);
	}
}

static void get(void **state)
{
	struct ck_sops_file *f = load("a:\n    b:\n        - x\n        - y: z\nc: 1\n");
	struct ck_sops_path *p = NULL;
	const struct ck_sops_node *n;

	(void)state;
	assert_int_equal(ck_sops_path_parse(&p, "[\"a\"][\"b\"][1][\"y\"]"), CK_OK);
	assert_int_equal(ck_sops_path_get(&n, &f->tree->docs[0], p), CK_OK);
	assert_true(ck_sops_node_is(n, "z"));
	ck_sops_path_free(p);
	assert_int_equal(ck_sops_path_parse(&p, "[\"a\"][\"b\"][2]"), CK_OK);
	assert_int_equal(ck_sops_path_get(&n, &f->tree->docs[0], p), CK_ENOTFOUND);
	ck_sops_path_free(p);
	assert_int_equal(ck_sops_path_parse(&p, "[\"c\"][\"d\"]"), CK_OK);
	assert_int_equal(ck_sops_path_get(&n, &f->tree->docs[0], p), CK_ENOTFOUND);
	ck_sops_path_free(p);
	ck_sops_file_free(f);
}

static void set(void **state, const char *path, const char *yaml, const char *want)
{
	struct ck_sops_file *f = load(yaml), *v = load("v: new\n");
	struct ck_sops_path *p = NULL;

	assert_int_equal(ck_sops_path_parse(&p, path), CK_OK);
	if (ck_sops_path_set(f->tree, &f->tree->docs[0], p, &v->tree->docs[0].u.kids[1]) != CK_OK)
		fail_msg("set %s: %s", path, ck_err_last()->msg);
	emit_eq(f, want);
	ck_sops_path_free(p);
	ck_sops_file_free(f);
	ck_sops_file_free(v);
	(void)state;
}

static void set_cases(void **state)
{
	/* replace */
	set(state, "[\"a\"]", "a: 1\nb: 2\n", "a: new\nb: 2\n");
	/* new key at the end, intermediate maps created */
	set(state, "[\"c\"][\"d\"]", "a: 1\n", "a: 1\nc:\n    d: new\n");
	/* list index inside, and past the end: appended */
	set(state, "[\"l\"][1]", "l:\n    - x\n    - y\n", "l:\n    - x\n    - new\n");
	set(state, "[\"l\"][5]", "l:\n    - x\n", "l:\n    - x\n    - new\n");
	/* a new list path builds a list */
	set(state, "[\"m\"][0]", "a: 1\n", "a: 1\nm:\n    - new\n");
}

static void unset(void **state)
{
	struct ck_sops_file *f = load("a: 1\nb:\n    c: 2\n    d: 3\nl:\n    - x\n    - y\n");
	struct ck_sops_path *p = NULL;

	(void)state;
	assert_int_equal(ck_sops_path_parse(&p, "[\"b\"][\"c\"]"), CK_OK);
	assert_int_equal(ck_sops_path_unset(&f->tree->docs[0], p), CK_OK);
	ck_sops_path_free(p);
	assert_int_equal(ck_sops_path_parse(&p, "[\"l\"][0]"), CK_OK);
	assert_int_equal(ck_sops_path_unset(&f->tree->docs[0], p), CK_OK);
	ck_sops_path_free(p);
	emit_eq(f, "a: 1\nb:\n    d: 3\nl:\n    - \"y\"\n");
	assert_int_equal(ck_sops_path_parse(&p, "[\"zz\"]"), CK_OK);
	assert_int_equal(ck_sops_path_unset(&f->tree->docs[0], p), CK_ENOTFOUND);
	ck_sops_path_free(p);
	assert_int_equal(ck_sops_path_parse(&p, "[\"l\"][4]"), CK_OK);
	assert_int_equal(ck_sops_path_unset(&f->tree->docs[0], p), CK_ENOTFOUND);
	ck_sops_path_free(p);
	ck_sops_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(get),
		cmocka_unit_test(set_cases),
		cmocka_unit_test(unset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
