/* SPDX-License-Identifier: Apache-2.0 */
/* Scalar typing (go-yaml v3 resolve.go), number parsers, Go float format. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ck/doc.h"
#include "ck_test.h"

/* The first document's root value under key "v" of "v: <text>". */
static enum ck_doc_type type_of(const char *yaml_value)
{
	struct ck_buf src = CK_BUF_INIT;
	struct ck_doc *d = NULL;
	enum ck_doc_type t;

	assert_int_equal(ck_buf_printf(&src, "v: %s\n", yaml_value), CK_OK);
	if (ck_doc_parse_yaml(&d, ck_buf_cstr(&src), ck_buf_len(&src), 0) != CK_OK) {
		ck_buf_dispose(&src);
		fail_msg("parse %s: %s", yaml_value, ck_err_last()->msg);
	}
	t = ck_doc_scalar_type(ck_doc_map_get(d->docs[0], "v"));
	ck_doc_free(d);
	ck_buf_dispose(&src);
	return t;
}

struct tcase {
	const char *text;
	enum ck_doc_type t;
};

static const struct tcase cases[] = {
	{ "", CK_DOC_T_NULL },
	{ "~", CK_DOC_T_NULL },
	{ "null", CK_DOC_T_NULL },
	{ "Null", CK_DOC_T_NULL },
	{ "NULL", CK_DOC_T_NULL },
	{ "nULL", CK_DOC_T_STR },
	{ "true", CK_DOC_T_BOOL },
	{ "True", CK_DOC_T_BOOL },
	{ "FALSE", CK_DOC_T_BOOL },
	{ "tRUE", CK_DOC_T_STR },
	{ "yes", CK_DOC_T_STR },
	{ "on", CK_DOC_T_STR },
	{ "n", CK_DOC_T_STR },
	{ "0", CK_DOC_T_INT },
	{ "-0", CK_DOC_T_INT },
	{ "+12", CK_DOC_T_INT },
	{ "0755", CK_DOC_T_INT },
	{ "0o755", CK_DOC_T_INT },
	{ "0x1F", CK_DOC_T_INT },
	{ "0X1f", CK_DOC_T_INT },
	{ "0b101", CK_DOC_T_INT },
	{ "-0b101", CK_DOC_T_INT },
	{ "1_000", CK_DOC_T_INT },
	{ "08", CK_DOC_T_FLOAT },   /* not octal, but yamlStyleFloat matches */
	{ "0x", CK_DOC_T_STR },
	{ "9223372036854775807", CK_DOC_T_INT },
	{ "-9223372036854775808", CK_DOC_T_INT },
	{ "9223372036854775808", CK_DOC_T_UINT },
	{ "18446744073709551615", CK_DOC_T_UINT },
	{ "18446744073709551616", CK_DOC_T_FLOAT },
	{ "-9223372036854775809", CK_DOC_T_FLOAT },
	{ "0xFFFFFFFFFFFFFFFF", CK_DOC_T_UINT },
	{ "1.5", CK_DOC_T_FLOAT },
	{ ".5", CK_DOC_T_FLOAT },
	{ "+.5", CK_DOC_T_FLOAT },
	{ "1.", CK_DOC_T_FLOAT },
	{ "1e3", CK_DOC_T_FLOAT },
	{ "1E-3", CK_DOC_T_FLOAT },
	{ "1_000.5", CK_DOC_T_FLOAT },
	{ "-0.0", CK_DOC_T_FLOAT },
	{ ".inf", CK_DOC_T_FLOAT },
	{ "-.Inf", CK_DOC_T_FLOAT },
	{ "+.INF", CK_DOC_T_FLOAT },
	{ ".nan", CK_DOC_T_FLOAT },
	{ ".NaN", CK_DOC_T_FLOAT },
	{ ".nAn", CK_DOC_T_STR },
	{ "1e400", CK_DOC_T_STR },  /* ParseFloat range error */
	{ "1e-400", CK_DOC_T_FLOAT },
	{ "1.5.5", CK_DOC_T_STR },
	{ "1,5", CK_DOC_T_STR },
	{ "12:30", CK_DOC_T_STR },
	{ ".", CK_DOC_T_STR },
	{ "-x", CK_DOC_T_STR },
	{ "+", CK_DOC_T_STR },
	{ "2001-12-14", CK_DOC_T_TIMESTAMP },
	{ "2001-1-2", CK_DOC_T_TIMESTAMP },
	{ "2024-01-01T00:00:00Z", CK_DOC_T_TIMESTAMP },
	{ "2001-12-14t21:59:43.10-05:00", CK_DOC_T_TIMESTAMP },
	{ "2001-12-14 21:59:43.10", CK_DOC_T_TIMESTAMP },
	{ "2001-12-14 21:59:43.10 -5", CK_DOC_T_STR },
	{ "2001-02-30", CK_DOC_T_STR },
	{ "2000-02-29", CK_DOC_T_TIMESTAMP },
	{ "1900-02-29", CK_DOC_T_STR },
	{ "2001-12-14T25:00:00Z", CK_DOC_T_STR },
	{ "\"123\"", CK_DOC_T_STR },
	{ "'true'", CK_DOC_T_STR },
	{ "|\n  12\n", CK_DOC_T_STR },
	{ "!!str 123", CK_DOC_T_STR },
	{ "!!int \"12\"", CK_DOC_T_INT },
	{ "!!float 1", CK_DOC_T_FLOAT },
	{ "!!binary aGVsbG8=", CK_DOC_T_BINARY },
	{ "!!timestamp \"2001-12-14\"", CK_DOC_T_TIMESTAMP },
	{ "!Ref 12", CK_DOC_T_STR },
	{ "! 12", CK_DOC_T_STR },
	{ "<<", CK_DOC_T_STR },
	{ "{a: 1}", CK_DOC_T_MAP },
	{ "[1]", CK_DOC_T_SEQ },
	{ "hello world", CK_DOC_T_STR },
};

static void types(void **state)
{
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	for (i = 0; i < n; i++) {
		enum ck_doc_type t = type_of(cases[i].text);

		if (t != cases[i].t)
			fail_msg("%s: type %d, want %d", cases[i].text, (int)t, (int)cases[i].t);
	}
	print_message("%zu scalar typing cases\n", n);
}

static struct ck_doc_node *value(struct ck_doc **d, const char *yaml)
{
	assert_int_equal(ck_doc_parse_yaml(d, yaml, strlen(yaml), 0), CK_OK);
	return ck_doc_map_get((*d)->docs[0], "v");
}

static void ints(void **state)
{
	static const struct { const char *y; int64_t v; } ok[] = {
		{ "v: 0755", 493 }, { "v: 0o755", 493 }, { "v: 0x1F", 31 }, { "v: -0b101", -5 },
		{ "v: 1_000", 1000 }, { "v: -9223372036854775808", INT64_MIN }, { "v: +7", 7 },
		{ "v: !!int \"0x10\"", 16 },
	};
	struct ck_doc *d = NULL;
	int64_t v;
	uint64_t u;
	double f;
	int b;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ck_doc_scalar_int(value(&d, ok[i].y), &v), CK_OK);
		assert_true(v == ok[i].v);
		ck_doc_free(d);
	}
	assert_int_equal(ck_doc_scalar_uint(value(&d, "v: 18446744073709551615"), &u), CK_OK);
	assert_true(u == UINT64_MAX);
	assert_int_equal(ck_doc_scalar_int(d->docs[0]->kids[1], &v), CK_EINVAL);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_uint(value(&d, "v: -1"), &u), CK_EINVAL);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_int(value(&d, "v: \"12\""), &v), CK_EINVAL);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_int(value(&d, "v: 1.5"), &v), CK_EINVAL);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_float(value(&d, "v: 1.5e3"), &f), CK_OK);
	assert_true(f == 1500.0);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_float(value(&d, "v: 12"), &f), CK_OK);
	assert_true(f == 12.0);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_float(value(&d, "v: -.inf"), &f), CK_OK);
	assert_true(isinf(f) && f < 0);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_float(value(&d, "v: .NaN"), &f), CK_OK);
	assert_true(isnan(f));
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_float(value(&d, "v: -0.0"), &f), CK_OK);
	assert_true(f == 0 && signbit(f));
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_bool(value(&d, "v: True"), &b), CK_OK);
	assert_int_equal(b, 1);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_bool(value(&d, "v: FALSE"), &b), CK_OK);
	assert_int_equal(b, 0);
	ck_doc_free(d);
	assert_int_equal(ck_doc_scalar_bool(value(&d, "v: yes"), &b), CK_EINVAL);
	ck_doc_free(d);
}

static void check_float(double v, const char *want)
{
	struct ck_buf b = CK_BUF_INIT;

	assert_int_equal(ck_doc_format_float(&b, v), CK_OK);
	if (strcmp(ck_buf_cstr(&b), want) != 0)
		fail_msg("%.17g: got %s, want %s", v, ck_buf_cstr(&b), want);
	ck_buf_dispose(&b);
}

static void format_float(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	size_t i;

	/* Expected strings are what Go's strconv.FormatFloat(v, 'f', -1, 64) prints. */
	check_float(0.0, "0");
	check_float(-0.0, "-0");
	check_float(1.0, "1");
	check_float(-1.5, "-1.5");
	check_float(0.1, "0.1");
	check_float(0.3, "0.3");
	check_float(1.0 / 3.0, "0.3333333333333333");
	check_float(2.0 / 3.0, "0.6666666666666666");
	check_float(100.0, "100");
	check_float(1234567890.0, "1234567890");
	check_float(1.234568e9, "1234568000");
	check_float(1e21, "1000000000000000000000");
	check_float(1e-7, "0.0000001");
	check_float(2.5e-5, "0.000025");
	check_float(123456.789, "123456.789");
	check_float(9007199254740993.0, "9007199254740992");
	check_float(9223372036854775808.0, "9223372036854776000");
	/* DBL_MAX: 17 significant digits, then 292 zeros. */
	assert_int_equal(ck_doc_format_float(&b, 1.7976931348623157e308), CK_OK);
	assert_int_equal(ck_buf_len(&b), 309);
	assert_memory_equal(ck_buf_cstr(&b), "17976931348623157000", 20);
	assert_int_equal(strspn(ck_buf_cstr(&b) + 17, "0"), 292);
	ck_buf_reset(&b);
	check_float(NAN, "NaN");
	check_float(INFINITY, "+Inf");
	check_float(-INFINITY, "-Inf");
	/* The smallest denormal: "0." then 323 zeros then "5". */
	assert_int_equal(ck_doc_format_float(&b, 5e-324), CK_OK);
	assert_int_equal(ck_buf_len(&b), 2 + 323 + 1);
	assert_memory_equal(ck_buf_cstr(&b), "0.000", 5);
	assert_int_equal(ck_buf_cstr(&b)[ck_buf_len(&b) - 1], '5');
	ck_buf_dispose(&b);
	/* Round trip on a spread of values, and no exponent ever. */
	for (i = 0; i < 2000; i++) {
		double v = ldexp(1.0 + (double)(i * 7919 % 1000) / 997.0, (int)(i % 200) - 100);
		char *end;

		if (i & 1)
			v = -v;
		assert_int_equal(ck_doc_format_float(&b, v), CK_OK);
		assert_null(strpbrk(ck_buf_cstr(&b), "eE"));
		assert_true(strtod(ck_buf_cstr(&b), &end) == v);
		assert_int_equal(*end, '\0');
		ck_buf_reset(&b);
	}
	ck_buf_dispose(&b);
}

static void check_g(double v, const char *want)
{
	struct ck_buf b = CK_BUF_INIT;

	assert_int_equal(ck_doc_format_float_g(&b, v), CK_OK);
	if (strcmp(ck_buf_cstr(&b), want) != 0)
		fail_msg("%.17g: got %s, want %s", v, ck_buf_cstr(&b), want);
	ck_buf_dispose(&b);
}

static void format_float_g(void **state)
{
	/* What Go's strconv.FormatFloat(v, 'g', -1, 64) prints (and sops's YAML shows). */
	check_g(0.0, "0");
	check_g(-0.0, "-0");
	check_g(3.0, "3");
	check_g(0.30000000000000004, "0.30000000000000004");
	check_g(1e21, "1e+21");
	check_g(1.5e-7, "1.5e-07");
	check_g(100000.0, "100000");
	check_g(1000000.0, "1e+06");
	check_g(123456789.0, "1.23456789e+08");
	check_g(0.0001, "0.0001");
	check_g(0.00001, "1e-05");
	check_g(-2.5e-300, "-2.5e-300");
	check_g(1.7976931348623157e308, "1.7976931348623157e+308");
	check_g(NAN, "NaN");
	check_g(-INFINITY, "-Inf");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(types),
		cmocka_unit_test(ints),
		cmocka_unit_test(format_float),
		cmocka_unit_test(format_float_g),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
