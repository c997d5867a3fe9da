/* SPDX-License-Identifier: Apache-2.0 */
/* YAML reader and writer: structure, positions, limits, errors, layouts. */
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

/* Parse, write with opts, compare with want (NULL: the input), re-parse, compare trees. */
static void roundtrip(const char *in, const char *want, const struct ck_doc_yaml_opts *o)
{
	struct ck_doc *d = parse(in, 0), *back;
	struct ck_buf out = CK_BUF_INIT;

	assert_int_equal(ck_doc_write_yaml(&out, d, o), CK_OK);
	if (strcmp(ck_buf_cstr(&out), want ? want : in) != 0)
		fail_msg("written:\n%s\nwant:\n%s", ck_buf_cstr(&out), want ? want : in);
	back = parse(ck_buf_cstr(&out), 0);
	assert_true(ck_doc_equal(d, back, 0));
	ck_doc_free(back);
	ck_doc_free(d);
	ck_buf_dispose(&out);
}

static void structure(void **state)
{
	struct ck_doc *d = parse("a: &x !custom 1\nb:\n  - *x\n  - 'q'\n---\n- |\n  t\n---\n", 0);
	struct ck_doc_node *r;

	assert_int_equal(d->ndocs, 3);
	assert_int_equal(d->explicit_start[0], 0);
	assert_int_equal(d->explicit_start[1], 1);
	r = d->docs[0];
	assert_int_equal(r->kind, CK_DOC_MAP);
	assert_int_equal(r->style, CK_DOC_BLOCK);
	assert_int_equal(r->line, 1);
	assert_int_equal(r->kids[1]->kind, CK_DOC_SCALAR);
	assert_string_equal(r->kids[1]->tag, "!custom");
	assert_string_equal(r->kids[1]->anchor, "x");
	assert_int_equal(r->kids[1]->line, 1);
	assert_int_equal(r->kids[1]->col, 4);
	assert_int_equal(r->kids[3]->kids[0]->kind, CK_DOC_ALIAS);
	assert_string_equal(r->kids[3]->kids[0]->text, "x");
	assert_int_equal(r->kids[3]->kids[1]->style, CK_DOC_SQUOTED);
	assert_int_equal(r->kids[3]->kids[1]->line, 4);
	assert_int_equal(r->kids[3]->kids[1]->col, 5);
	assert_int_equal(d->docs[1]->kids[0]->style, CK_DOC_LITERAL);
	assert_string_equal(d->docs[1]->kids[0]->text, "t\n");
	/* An empty document is an empty plain scalar. */
	assert_int_equal(d->docs[2]->kind, CK_DOC_SCALAR);
	assert_int_equal(d->docs[2]->len, 0);
	ck_doc_free(d);
	/* Tags in the YAML namespace come back short; verbatim ones as written. */
	d = parse("a: !!str 1\nb: !<tag:yaml.org,2002:int> 2\nc: !<urn:x> 3\n", 0);
	assert_string_equal(d->docs[0]->kids[1]->tag, "!!str");
	assert_string_equal(d->docs[0]->kids[3]->tag, "!!int");
	assert_string_equal(d->docs[0]->kids[5]->tag, "urn:x");
	ck_doc_free(d);
	/* Empty stream: no documents. A comment alone: none either. */
	d = parse("", 0);
	assert_int_equal(d->ndocs, 0);
	ck_doc_free(d);
	d = parse("# nothing\n", 0);
	assert_int_equal(d->ndocs, 0);
	ck_doc_free(d);
}

static void unicode_positions(void **state)
{
	/* Columns count characters; a BOM is skipped. */
	struct ck_doc *d = parse("\xef\xbb\xbf" "k\xc3\xa9y: v\xc3\xa9\nn: [\xe2\x82\xac, x]\n", 0);

	assert_string_equal(d->docs[0]->kids[0]->text, "k\xc3\xa9y");
	assert_int_equal(d->docs[0]->kids[1]->col, 6);
	assert_int_equal(d->docs[0]->kids[3]->kids[1]->col, 8);
	ck_doc_free(d);
}

static void check_err(const char *in, unsigned flags, int code, const char *needle)
{
	struct ck_doc *d = NULL;
	int rc = ck_doc_parse_yaml(&d, in, strlen(in), flags);

	assert_null(d);
	if (rc != code || strstr(ck_err_last()->msg, needle) == NULL)
		fail_msg("rc %d msg \"%s\", want %d and \"%s\"", rc, ck_err_last()->msg, code, needle);
}

static void errors(void **state)
{
	struct ck_buf big = CK_BUF_INIT;
	int i;

	check_err("a: b\n c: d\n", 0, CK_EINVAL, "line 2");
	check_err("a: [1, 2\n", 0, CK_EINVAL, "line 2");
	check_err("a: \"x\n", 0, CK_EINVAL, "line 2");
	check_err("a: *nope\n", 0, CK_EINVAL, "line 1, column 4: unknown anchor");
	check_err("a: &x [*x]\n", 0, CK_EINVAL, "contains itself");
	check_err("k: 1\nj: 2\nk: 3\n", CK_DOC_NO_DUP_KEYS, CK_EINVAL,
	          "line 3, column 1: mapping key \"k\" already defined at line 1");
	check_err("x: \x01\n", 0, CK_EINVAL, "line 1");
	check_err("a: \xff\n", 0, CK_EINVAL, "line 1");
	/* Duplicates are fine without the flag. */
	ck_doc_free(parse("k: 1\nk: 2\n", 0));
	/* Depth limit. */
	for (i = 0; i < 600; i++)
		assert_int_equal(ck_buf_putc(&big, '['), CK_OK);
	check_err(ck_buf_cstr(&big), 0, CK_ETOOBIG, "nesting deeper than 512");
	ck_buf_reset(&big);
	/* Billion laughs. */
	assert_int_equal(ck_buf_puts(&big, "a: &a [x, x, x, x, x, x, x, x, x, x]\n"), CK_OK);
	for (i = 1; i < 10; i++)
		assert_int_equal(ck_buf_printf(&big, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n",
		                               'a' + i, 'a' + i, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
		                               'a' + i - 1, 'a' + i - 1, 'a' + i - 1, 'a' + i - 1,
		                               'a' + i - 1, 'a' + i - 1, 'a' + i - 1),
		                 CK_OK);
	check_err(ck_buf_cstr(&big), 0, CK_ETOOBIG, "aliases expand");
	ck_buf_dispose(&big);
}

static void secure(void **state)
{
	struct ck_doc *d = parse("password: hunter2\nlist: [a, b]\n", CK_DOC_SECURE);

	assert_true(d->flags & CK_DOC_SECURE);
	assert_string_equal(ck_doc_map_get_str(d->docs[0], "password"), "hunter2");
	ck_doc_free(d);
}

static void layouts(void **state)
{
	const struct ck_doc_yaml_opts go = CK_DOC_YAML_OPTS_GO;
	struct ck_doc_yaml_opts four = CK_DOC_YAML_OPTS_INIT;

	/* Faithful: the source's indentation, sequence style and scalar styles. */
	roundtrip("a:\n    b:\n      - x\n      - y: 1\n        z: 2\n    c: [1, 2]\nd:\n- e\n", NULL,
	          NULL);
	roundtrip("k: |\n    four\n    spaces\nj: >-\n  folded\n", NULL, NULL);
	roundtrip("k: |2\n   lead\nl: |+\n  keep\n\nm: |-\n  strip\n", NULL, NULL);
	roundtrip("- - a\n  - b\n- k: v\n-   k: v\n    j: w\n", NULL, NULL);
	roundtrip("a: 'it''s'\nb: \"tab\\there\"\nc: plain text\n\"d\": ~\ne:\n", NULL, NULL);
	roundtrip("--- !custom\na: 1\n--- &anchor\n- x\n--- text\n...\n", "--- !custom\na: 1\n--- &anchor\n- x\n--- text\n", NULL);
	roundtrip("%YAML 1.1\n---\na: 1\n", "---\na: 1\n", NULL);
	roundtrip("? [a, b]\n: c\n? |\n  block key\n: d\n", "[a, b]: c\n\"block key\\n\": d\n", NULL);
	/* Multi-line flow and plain scalars are written on one line. */
	roundtrip("a: [1,\n  2]\nb: this is\n  folded plain\n", "a: [1, 2]\nb: this is folded plain\n",
	          NULL);
	/* Fixed indentation. */
	four.indent = 4;
	four.indent_sequences = 1;
	roundtrip("a:\n  b: 1\n  c:\n  - x\n", "a:\n    b: 1\n    c:\n        - x\n", &four);
	/* go-yaml style: 4 spaces, sequences indented, simplest quoting. */
	roundtrip("a:\n  b: 'x'\n  c:\n  - 'yes'\n  - \"1\"\n  - k: v\n    j: w\n",
	          "a:\n    b: x\n    c:\n        - \"yes\"\n        - \"1\"\n        - k: v\n          j: w\n",
	          &go);
}

static void writer_escapes(void **state)
{
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *m = ck_doc_map(d);
	struct ck_buf out = CK_BUF_INIT;
	struct ck_doc *back;

	assert_int_equal(ck_doc_map_append(d, m, ck_doc_scalar_str(d, "ctl"),
	                                   ck_doc_scalar(d, "a\0b\x01\x7f\xc2\x85\xe2\x80\xa8", 10,
	                                                 CK_DOC_PLAIN)), CK_OK);
	assert_int_equal(ck_doc_map_append(d, m, ck_doc_scalar_str(d, "- x"),
	                                   ck_doc_scalar(d, " lead", 5, CK_DOC_PLAIN)), CK_OK);
	assert_int_equal(ck_doc_map_append(d, m, ck_doc_scalar(d, "", 0, CK_DOC_DQUOTED),
	                                   ck_doc_scalar(d, "#x", 2, CK_DOC_LITERAL)), CK_OK);
	assert_int_equal(ck_doc_add_root(d, m), CK_OK);
	assert_int_equal(ck_doc_write_yaml(&out, d, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "ctl: \"a\\0b\\x01\\x7F\\N\\L\"\n"
	                                       "'- x': ' lead'\n"
	                                       "\"\": |-\n  #x\n");
	back = parse(ck_buf_cstr(&out), 0);
	assert_true(ck_doc_equal(d, back, 0));
	ck_doc_free(back);
	/* Invalid UTF-8 cannot be written as YAML; nothing is appended. */
	ck_buf_reset(&out);
	assert_int_equal(ck_buf_puts(&out, "keep"), CK_OK);
	assert_int_equal(ck_doc_set_text(d, m->kids[1], "\xff", 1, CK_DOC_STYLE_ANY), CK_OK);
	assert_int_equal(ck_doc_write_yaml(&out, d, NULL), CK_EINVAL);
	assert_string_equal(ck_buf_cstr(&out), "keep");
	ck_buf_dispose(&out);
	ck_doc_free(d);
}

static void comments(void **state)
{
	const char *in = "# stream head\n"
	                 "\n"
	                 "---\n"
	                 "# head of a\n"
	                 "a: 1  # after a's value\n"
	                 "\n"
	                 "\n"
	                 "b: # b's own\n"
	                 "  # head of c\n"
	                 "  c: |  # header\n"
	                 "    text\n"
	                 "\n"
	                 "  # foot of b's map\n"
	                 "list:\n"
	                 "- x # on x\n"
	                 "- # on the item map\n"
	                 "  k: v\n"
	                 "  # foot of the item map\n"
	                 "# foot of the list\n"
	                 "resources: {}\n"
	                 "  # limits:\n"
	                 "  #   cpu: 100m\n"
	                 "tail: end\n"
	                 "# foot of the root\n";
	struct ck_doc *d = parse(in, 0), *plain = parse(in, CK_DOC_NO_COMMENTS);
	struct ck_doc_node *r = d->docs[0], *b, *list;
	struct ck_doc_yaml_opts none = CK_DOC_YAML_OPTS_INIT;
	struct ck_buf out = CK_BUF_INIT;

	assert_string_equal(d->head_comment, "# stream head\n");
	assert_string_equal(r->kids[0]->head_comment, "# head of a");
	assert_string_equal(r->kids[1]->line_comment, "# after a's value");
	assert_int_equal(r->kids[1]->comment_gap, 2);
	assert_int_equal(r->kids[2]->blank_before, 2);
	assert_string_equal(r->kids[2]->line_comment, "# b's own");
	b = ck_doc_map_get(r, "b");
	assert_string_equal(b->kids[0]->head_comment, "# head of c");
	assert_string_equal(b->kids[1]->line_comment, "# header");
	assert_string_equal(b->kids[1]->text, "text\n");
	assert_string_equal(b->foot_comment, "\n# foot of b's map");
	list = ck_doc_map_get(r, "list");
	assert_string_equal(list->kids[0]->line_comment, "# on x");
	assert_string_equal(list->kids[1]->line_comment, "# on the item map");
	assert_string_equal(list->kids[1]->foot_comment, "# foot of the item map");
	assert_string_equal(list->foot_comment, "# foot of the list");
	/* Comments indented under a flow value belong to the next key, spaces kept. */
	assert_string_equal(ck_doc_map_key(r, 4)->head_comment, "  # limits:\n  #   cpu: 100m");
	assert_string_equal(r->foot_comment, "# foot of the root");
	/* Written back byte for byte. */
	roundtrip(in, NULL, NULL);
	/*
	 * A map's foot after an indentless sequence: written at the map's column,
	 * the sequence is indented so the comment is not read back as its foot
	 * (found by the fuzzer: " e:\n -\n#").
	 */
	{
		struct ck_doc *m = parse(" e:\n -\n#", 0), *back;

		assert_string_equal(m->docs[0]->foot_comment, "#");
		assert_int_equal(ck_doc_write_yaml(&out, m, NULL), CK_OK);
		assert_string_equal(ck_buf_cstr(&out), "e:\n  -\n#\n");
		back = parse(ck_buf_cstr(&out), 0);
		assert_true(ck_doc_equal(m, back, CK_DOC_EQ_COMMENTS));
		ck_doc_free(back);
		ck_doc_free(m);
		ck_buf_reset(&out);
	}
	/* Without comments: none read, none written. */
	assert_null(plain->docs[0]->kids[0]->head_comment);
	assert_null(plain->head_comment);
	none.no_comments = 1;
	assert_int_equal(ck_doc_write_yaml(&out, d, &none), CK_OK);
	assert_null(strchr(ck_buf_cstr(&out), '#'));
	assert_true(ck_doc_equal(d, plain, 0));
	ck_buf_dispose(&out);
	ck_doc_free(plain);
	ck_doc_free(d);
	/* Comments in flow collections are dropped; '#' in scalars is no comment. */
	d = parse("a: [1, # one\n  2]\nb: 'x # y'\nc: x#y\nd: |\n  # text\n", 0);
	assert_null(d->docs[0]->kids[1]->kids[0]->line_comment);
	assert_null(d->docs[0]->kids[3]->line_comment);
	assert_null(d->docs[0]->kids[5]->line_comment);
	assert_string_equal(d->docs[0]->kids[7]->text, "# text\n");
	ck_doc_free(d);
	/* A file of comments only keeps them. */
	roundtrip("# just\n\n# comments\n", NULL, NULL);
	/* Comments set by a program: bare text gets "# ". */
	d = ck_doc_new(0);
	r = ck_doc_map(d);
	assert_int_equal(ck_doc_map_append(d, r, ck_doc_scalar_str(d, "k"), ck_doc_scalar_str(d, "v")),
	                 CK_OK);
	assert_int_equal(ck_doc_set_comment(d, &r->kids[0]->head_comment, "set by sops\n# two"), CK_OK);
	assert_int_equal(ck_doc_set_comment(d, &r->kids[1]->line_comment, "inline"), CK_OK);
	assert_int_equal(ck_doc_add_root(d, r), CK_OK);
	assert_int_equal(ck_doc_write_yaml(&out, d, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "# set by sops\n# two\nk: v # inline\n");
	ck_buf_dispose(&out);
	ck_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(structure),
		cmocka_unit_test(unicode_positions),
		cmocka_unit_test(errors),
		cmocka_unit_test(secure),
		cmocka_unit_test(layouts),
		cmocka_unit_test(writer_escapes),
		cmocka_unit_test(comments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
