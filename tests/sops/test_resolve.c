/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML scalar typing and canonical texts (sops/yaml_resolve.c, gofmt.c):
 * what go-yaml v3 resolves and the bytes sops then encrypts and hashes, and
 * agreement with the doc module's independent ck_doc_scalar_type and
 * ck_doc_format_float on every plain scalar.
 */
#include <math.h>
#include <string.h>

#include "ck/sops_internal.h"
#include "ck/doc.h"
#include "ck_test.h"

struct rcase {
	const char *text;
	int type;
	const char *canon; /* for non-strings */
};

static const struct rcase plain[] = {
	{ "1", CK_SOPS_INT, "1" },
	{ "-0", CK_SOPS_INT, "0" },
	{ "+1", CK_SOPS_INT, "1" },
	{ "0755", CK_SOPS_INT, "493" }, /* YAML 1.1 octal, as go-yaml v3 still reads it */
	{ "08", CK_SOPS_FLOAT, "8" },   /* not octal, but a float */
	{ "0x1F", CK_SOPS_INT, "31" },
	{ "0b101", CK_SOPS_INT, "5" },
	{ "-0b101", CK_SOPS_INT, "-5" },
	{ "0o17", CK_SOPS_INT, "15" },
	{ "1_000", CK_SOPS_INT, "1000" },
	{ "9223372036854775807", CK_SOPS_INT, "9223372036854775807" },
	{ "9223372036854775808", CK_SOPS_UINT, "9223372036854775808" },
	{ "18446744073709551615", CK_SOPS_UINT, "18446744073709551615" },
	{ "18446744073709551616", CK_SOPS_FLOAT, "18446744073709552000" },
	{ "-9223372036854775809", CK_SOPS_FLOAT, "-9223372036854776000" },
	{ "1e3", CK_SOPS_FLOAT, "1000" },
	{ "1.", CK_SOPS_FLOAT, "1" },
	{ "-.5", CK_SOPS_FLOAT, "-0.5" },
	{ "3.0", CK_SOPS_FLOAT, "3" },
	{ "-0.0", CK_SOPS_FLOAT, "-0" },
	{ "1e21", CK_SOPS_FLOAT, "1000000000000000000000" },
	{ "1.5e-7", CK_SOPS_FLOAT, "0.00000015" },
	{ "0.30000000000000004", CK_SOPS_FLOAT, "0.30000000000000004" },
	{ "1234568000.0", CK_SOPS_FLOAT, "1234568000" },
	{ ".inf", CK_SOPS_FLOAT, "+Inf" },
	{ "-.Inf", CK_SOPS_FLOAT, "-Inf" },
	{ ".nan", CK_SOPS_FLOAT, "NaN" },
	{ "true", CK_SOPS_BOOL, "True" },
	{ "TRUE", CK_SOPS_BOOL, "True" },
	{ "False", CK_SOPS_BOOL, "False" },
	{ "yes", CK_SOPS_STR, "" }, /* YAML 1.2 booleans only */
	{ "on", CK_SOPS_STR, "" },
	{ "null", CK_SOPS_NULL, "" },
	{ "~", CK_SOPS_NULL, "" },
	{ "", CK_SOPS_NULL, "" },
	{ "2024-01-01", CK_SOPS_TIME, "2024-01-01T00:00:00Z" },
	{ "2001-12-14t21:59:43.10-05:00", CK_SOPS_TIME, "2001-12-14T21:59:43.1-05:00" },
	{ "2001-12-14 21:59:43.10", CK_SOPS_TIME, "2001-12-14T21:59:43.1Z" },
	{ "2024-02-30", CK_SOPS_STR, "" },
	{ "1e400", CK_SOPS_STR, "" }, /* out of range: stays a string */
	{ "1:30", CK_SOPS_STR, "" },
	{ "0x", CK_SOPS_STR, "" },
	{ "Infinity", CK_SOPS_STR, "" },
	{ "10:00", CK_SOPS_STR, "" },
};

static void table(void **state)
{
	struct ck_buf canon = CK_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const struct rcase *c = &plain[i];
		int t;

		ck_buf_reset(&canon);
		t = ck_sops__yaml_resolve(&canon, c->text, strlen(c->text), 1, NULL, 0);
		if (t != c->type || strcmp(ck_buf_cstr(&canon), c->canon) != 0)
			fail_msg("'%s': type %d canon '%s', want %d '%s'", c->text, t,
			         ck_buf_cstr(&canon), c->type, c->canon);
		/* quoted, every scalar is a string */
		ck_buf_reset(&canon);
		assert_int_equal(ck_sops__yaml_resolve(&canon, c->text, strlen(c->text), 0, NULL, 0),
		                 CK_SOPS_STR);
	}
	ck_buf_dispose(&canon);
}

static void tags(void **state)
{
	static const struct {
		const char *tag, *text;
		int type;
		const char *canon;
	} cases[] = {
		{ "!!str", "1", CK_SOPS_STR, "" },
		{ "tag:yaml.org,2002:str", "1", CK_SOPS_STR, "" },
		{ "!!int", "0x10", CK_SOPS_INT, "16" },
		{ "!!float", "1", CK_SOPS_FLOAT, "1" },
		{ "!!bool", "true", CK_SOPS_BOOL, "True" },
		{ "!!null", "", CK_SOPS_NULL, "" },
		{ "!!timestamp", "2024-01-01", CK_SOPS_TIME, "2024-01-01T00:00:00Z" },
		{ "!!binary", "aGVsbG8=", CK_SOPS_STR | CK_SOPS_RESOLVED_BYTES, "hello" },
		{ "!foo", "bar", CK_SOPS_STR, "" }, /* local tags are ignored */
	};
	static const char *const bad[][2] = {
		{ "!!bool", "yes" }, { "!!int", "1.5" }, { "!!map", "x" },
	};
	struct ck_buf canon = CK_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int t;

		ck_buf_reset(&canon);
		t = ck_sops__yaml_resolve(&canon, cases[i].text, strlen(cases[i].text), 1, cases[i].tag,
		                          strlen(cases[i].tag));
		if (t != cases[i].type || strcmp(ck_buf_cstr(&canon), cases[i].canon) != 0)
			fail_msg("%s '%s': type %d canon '%s'", cases[i].tag, cases[i].text, t,
			         ck_buf_cstr(&canon));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_buf_reset(&canon);
		assert_true(ck_sops__yaml_resolve(&canon, bad[i][1], strlen(bad[i][1]), 1, bad[i][0],
		                                  strlen(bad[i][0])) < 0);
	}
	ck_buf_dispose(&canon);
}

static int from_doc(enum ck_doc_type t)
{
	switch (t) {
	case CK_DOC_T_STR:
	case CK_DOC_T_BINARY: return CK_SOPS_STR;
	case CK_DOC_T_INT: return CK_SOPS_INT;
	case CK_DOC_T_UINT: return CK_SOPS_UINT;
	case CK_DOC_T_FLOAT: return CK_SOPS_FLOAT;
	case CK_DOC_T_BOOL: return CK_SOPS_BOOL;
	case CK_DOC_T_NULL: return CK_SOPS_NULL;
	case CK_DOC_T_TIMESTAMP: return CK_SOPS_TIME;
	default: return -1;
	}
}

/* Extra plain scalars for the cross-check (edge cases of both readers). */
static const char *const more[] = {
	"-", "-_1", "_1", "1__0", "1_", "0xFFFFFFFFFFFFFFFFF", "0b", "0o", "1e-400", "00", "+0x10",
	"-0x10", "0X10", "0B1", "0O7", "inf", "nan", ".NaN", "2023-02-29", "2024-02-29", "2024-1-1",
	"2001-12-14 21:59:43.10 -5", "1.234568e+09", "+.inf", ".5", "0.1", "1e22", "5e-324",
};

static void check_one(const char *text, int *bad)
{
	struct ck_doc_node n;
	struct ck_buf canon = CK_BUF_INIT, dcanon = CK_BUF_INIT;
	int dt, mt;

	memset(&n, 0, sizeof(n));
	n.kind = CK_DOC_SCALAR;
	n.style = CK_DOC_PLAIN;
	n.text = (char *)text;
	n.len = strlen(text);
	dt = from_doc(ck_doc_scalar_type(&n));
	mt = ck_sops__yaml_resolve(&canon, text, strlen(text), 1, NULL, 0);
	if (dt == CK_SOPS_FLOAT && mt == CK_SOPS_FLOAT) {
		double d;

		assert_int_equal(ck_doc_scalar_float(&n, &d), CK_OK);
		assert_int_equal(ck_doc_format_float(&dcanon, d), CK_OK);
		if (isfinite(d) && strcmp(ck_buf_cstr(&dcanon), ck_buf_cstr(&canon)) != 0) {
			print_error("'%s': doc formats %s, sops %s\n", text, ck_buf_cstr(&dcanon),
			            ck_buf_cstr(&canon));
			(*bad)++;
		}
	}
	if (dt != mt) {
		print_error("'%s': doc type %d, sops type %d\n", text, dt, mt);
		(*bad)++;
	}
	ck_buf_dispose(&canon);
	ck_buf_dispose(&dcanon);
}

static void agrees_with_doc(void **state)
{
	int bad = 0;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		check_one(plain[i].text, &bad);
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		check_one(more[i], &bad);
	assert_int_equal(bad, 0);
}

static void float_format(void **state)
{
	static const struct {
		double v;
		const char *f;
	} cases[] = {
		{ 0.1, "0.1" },
		{ 1e21, "1000000000000000000000" },
		{ 1e-7, "0.0000001" },
		{ -0.0, "-0" },
		{ 25.4, "25.4" },
		{ 100, "100" },
		{ 2.5e-3, "0.0025" },
	};
	struct ck_buf a = CK_BUF_INIT, b = CK_BUF_INIT;
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_buf_reset(&a);
		assert_int_equal(ck_sops__fmt_float(&a, cases[i].v, 'f'), CK_OK);
		assert_string_equal(ck_buf_cstr(&a), cases[i].f);
	}
	/* the shortest round-trip digits agree with doc's formatter everywhere */
	for (k = 0; k < 3000; k++) {
		double v = ldexp(1.0 + (double)(k * 7919 % 1000) / 997.0, (k % 300) - 150);

		ck_buf_reset(&a);
		ck_buf_reset(&b);
		assert_int_equal(ck_sops__fmt_float(&a, v, 'f'), CK_OK);
		assert_int_equal(ck_doc_format_float(&b, v), CK_OK);
		assert_string_equal(ck_buf_cstr(&a), ck_buf_cstr(&b));
	}
	/* 'g' and JSON styles use exponents for large and small magnitudes */
	ck_buf_reset(&a);
	assert_int_equal(ck_sops__fmt_float(&a, 1e21, 'g'), CK_OK);
	assert_string_equal(ck_buf_cstr(&a), "1e+21");
	ck_buf_reset(&a);
	assert_int_equal(ck_sops__fmt_float(&a, 1e21, 'j'), CK_OK);
	assert_string_equal(ck_buf_cstr(&a), "1e+21");
	ck_buf_reset(&a);
	assert_int_equal(ck_sops__fmt_float(&a, 1e20, 'j'), CK_OK);
	assert_string_equal(ck_buf_cstr(&a), "100000000000000000000");
	ck_buf_reset(&a);
	assert_int_equal(ck_sops__fmt_float(&a, 1e-7, 'j'), CK_OK);
	assert_string_equal(ck_buf_cstr(&a), "1e-7");
	ck_buf_reset(&a);
	assert_int_equal(ck_sops__fmt_float(&a, HUGE_VAL, 'y'), CK_OK);
	assert_string_equal(ck_buf_cstr(&a), ".inf");
	ck_buf_dispose(&a);
	ck_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(tags),
		cmocka_unit_test(agrees_with_doc),
		cmocka_unit_test(float_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
