/* SPDX-License-Identifier: Apache-2.0 */
/* JSON reader and writer (Go encoding/json layout). */
#include <string.h>

#include "ck/doc.h"
#include "ck_test.h"

static struct ck_doc *parse(const char *j, unsigned flags)
{
	struct ck_doc *d = NULL;

	if (ck_doc_parse_json(&d, j, strlen(j), flags) != CK_OK)
		fail_msg("parse: %s", ck_err_last()->msg);
	return d;
}

static void write_check(const struct ck_doc_node *n, const char *indent, int html, const char *want)
{
	struct ck_doc_json_opts o = CK_DOC_JSON_OPTS_INIT;
	struct ck_buf out = CK_BUF_INIT;

	o.indent = indent;
	o.escape_html = html;
	o.trailing_newline = 0;
	assert_int_equal(ck_doc_write_json(&out, n, &o), CK_OK);
	if (strcmp(ck_buf_cstr(&out), want) != 0)
		fail_msg("got %s, want %s", ck_buf_cstr(&out), want);
	ck_buf_dispose(&out);
}

static void read_write(void **state)
{
	const char *in = "{\"z\": 1, \"a\": [true, false, null, -0.5e+10, 12345678901234567890123],"
	                 " \"m\": {}, \"e\": [], \"s\": \"\\u00e9\\ud83d\\ude00<&>\\u2028\\b\\f\\u0001\\/\"}";
	struct ck_doc *d = parse(in, 0);
	struct ck_doc_node *r = d->docs[0];

	/* Key order is the document's; numbers keep their text; types as YAML would. */
	assert_string_equal(ck_doc_map_key(r, 0)->text, "z");
	assert_string_equal(ck_doc_map_get(r, "a")->kids[3]->text, "-0.5e+10");
	assert_int_equal(ck_doc_scalar_type(ck_doc_map_get(r, "a")->kids[0]), CK_DOC_T_BOOL);
	assert_int_equal(ck_doc_scalar_type(ck_doc_map_get(r, "a")->kids[2]), CK_DOC_T_NULL);
	assert_int_equal(ck_doc_scalar_type(ck_doc_map_get(r, "z")), CK_DOC_T_INT);
	assert_int_equal(ck_doc_scalar_type(ck_doc_map_get(r, "s")), CK_DOC_T_STR);
	assert_string_equal(ck_doc_map_get_str(r, "s"),
	                    "\xc3\xa9\xf0\x9f\x98\x80<&>\xe2\x80\xa8\b\f\x01/");
	assert_int_equal(r->kids[1]->line, 1);
	assert_int_equal(r->kids[1]->col, 7);
	write_check(r, "", 0,
	            "{\"z\":1,\"a\":[true,false,null,-0.5e+10,12345678901234567890123],\"m\":{},\"e\":[],"
	            "\"s\":\"\xc3\xa9\xf0\x9f\x98\x80<&>\\u2028\\b\\f\\u0001/\"}");
	write_check(ck_doc_map_get(r, "s"), NULL, 1,
	            "\"\xc3\xa9\xf0\x9f\x98\x80\\u003c\\u0026\\u003e\\u2028\\b\\f\\u0001/\"");
	write_check(r, "\t", 0,
	            "{\n\t\"z\": 1,\n\t\"a\": [\n\t\ttrue,\n\t\tfalse,\n\t\tnull,\n\t\t-0.5e+10,\n"
	            "\t\t12345678901234567890123\n\t],\n\t\"m\": {},\n\t\"e\": [],\n"
	            "\t\"s\": \"\xc3\xa9\xf0\x9f\x98\x80<&>\\u2028\\b\\f\\u0001/\"\n}");
	ck_doc_free(d);
}

static void yaml_to_json(void **state)
{
	const char *y = "a: 0x1F\nb: 0755\nc: True\nd: ~\ne: .5\nf: 2001-12-14\ng: '12'\nh: *x\n";
	struct ck_doc *d = NULL;

	assert_int_equal(ck_doc_parse_yaml(&d, y, strlen(y), 0), CK_EINVAL); /* unknown anchor */
	y = "x: &x [1]\na: 0x1F\nb: 0755\nc: True\nd: ~\ne: .5\nf: 2001-12-14\ng: '12'\nh: *x\n"
	    "i: 1_000.5\n";
	assert_int_equal(ck_doc_parse_yaml(&d, y, strlen(y), 0), CK_OK);
	write_check(d->docs[0], "", 0,
	            "{\"x\":[1],\"a\":31,\"b\":493,\"c\":true,\"d\":null,\"e\":0.5,\"f\":\"2001-12-14\","
	            "\"g\":\"12\",\"h\":[1],\"i\":1000.5}");
	ck_doc_free(d);
	y = "a: .inf\n";
	assert_int_equal(ck_doc_parse_yaml(&d, y, strlen(y), 0), CK_OK);
	{
		struct ck_buf out = CK_BUF_INIT;

		assert_int_equal(ck_doc_write_json(&out, d->docs[0], NULL), CK_EINVAL);
		assert_int_equal(ck_buf_len(&out), 0);
		ck_buf_dispose(&out);
	}
	ck_doc_free(d);
}

static void check_err(const char *in, unsigned flags, int code, const char *needle)
{
	struct ck_doc *d = NULL;
	int rc = ck_doc_parse_json(&d, in, strlen(in), flags);

	assert_null(d);
	if (rc != code || strstr(ck_err_last()->msg, needle) == NULL)
		fail_msg("%s: rc %d msg \"%s\", want %d and \"%s\"", in, rc, ck_err_last()->msg, code,
		         needle);
}

static void errors(void **state)
{
	struct ck_buf big = CK_BUF_INIT;
	int i;

	check_err("", 0, CK_EINVAL, "line 1, column 1");
	check_err("{\"a\": 1,}", 0, CK_EINVAL, "line 1, column 9");
	check_err("{\n\"a\" 1}", 0, CK_EINVAL, "line 2, column 5: unexpected character: expected ':'");
	check_err("[01]", 0, CK_EINVAL, "line 1");
	check_err("[1.]", 0, CK_EINVAL, "line 1");
	check_err("[-]", 0, CK_EINVAL, "line 1");
	check_err("[\"\\x\"]", 0, CK_EINVAL, "invalid escape");
	check_err("[\"\\ud800\"]", 0, CK_EINVAL, "surrogate");
	check_err("[\"\\udc00\"]", 0, CK_EINVAL, "surrogate");
	check_err("[\"a\tb\"]", 0, CK_EINVAL, "control character");
	check_err("[\"\xc0\xaf\"]", 0, CK_EINVAL, "invalid UTF-8");
	check_err("[\"abc", 0, CK_EINVAL, "unterminated");
	check_err("[tru]", 0, CK_EINVAL, "expected true");
	check_err("[1] [2]", 0, CK_EINVAL, "after the JSON value");
	check_err("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}", CK_DOC_NO_DUP_KEYS, CK_EINVAL,
	          "line 3, column 2: duplicate key \"a\" (first at line 1)");
	for (i = 0; i < 513; i++)
		assert_int_equal(ck_buf_putc(&big, '['), CK_OK);
	check_err(ck_buf_cstr(&big), 0, CK_ETOOBIG, "nesting");
	ck_buf_dispose(&big);
	/* Without the flag a duplicate stays; lookups see the last one. */
	{
		struct ck_doc *d = parse("{\"a\": 1, \"a\": 2}", 0);

		assert_int_equal(ck_doc_map_len(d->docs[0]), 2);
		assert_string_equal(ck_doc_map_get_str(d->docs[0], "a"), "2");
		ck_doc_free(d);
	}
}

static void detect(void **state)
{
	struct ck_doc *d = NULL;
	const char *flow = "[a, b: c]";

	/* Brackets mean JSON, but flow YAML still parses. */
	assert_int_equal(ck_doc_parse(&d, " [1, \"x\"]", 9, 0), CK_OK);
	assert_int_equal(d->docs[0]->kids[1]->style, CK_DOC_DQUOTED);
	ck_doc_free(d);
	assert_int_equal(ck_doc_parse(&d, flow, strlen(flow), 0), CK_OK);
	assert_int_equal(d->docs[0]->kids[1]->kind, CK_DOC_MAP);
	ck_doc_free(d);
	assert_int_equal(ck_doc_parse(&d, "{\"a\": [}", 8, 0), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "line 1, column 8"));
	assert_int_equal(ck_doc_parse(&d, "a: 1", 4, 0), CK_OK);
	assert_int_equal(d->docs[0]->kind, CK_DOC_MAP);
	ck_doc_free(d);
	assert_int_equal(ck_doc_parse(&d, "\xef\xbb\xbf{}", 5, CK_DOC_SECURE), CK_OK);
	assert_int_equal(d->docs[0]->kind, CK_DOC_MAP);
	ck_doc_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_write),
		cmocka_unit_test(yaml_to_json),
		cmocka_unit_test(errors),
		cmocka_unit_test(detect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
