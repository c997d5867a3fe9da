/* SPDX-License-Identifier: Apache-2.0 */
/* Reports: text grouped by file (colour only when asked), JSON, SARIF 2.1.0 shape. */
#include <jansson.h>

#include "ck/secret.h"
#include "hookt.h"

static void sample(struct ck_hook_report *r)
{
	ck_hook_report_init(r);
	assert_int_equal(ck_hook_report_add(r, CK_HOOK_SECRET_PLAINTEXT, "deploy/db secret.yaml", 9, "k", 1,
	                                    "cloak sops encrypt --in-place x", "Secret %s has %d values", "a/b", 2),
	                 CK_OK);
	assert_int_equal(ck_hook_report_add(r, CK_HOOK_PRIVATE_KEY, "a.pem", 1, "k", 1, "remove it",
	                                    "PEM private key"), CK_OK);
	assert_int_equal(ck_hook_report_add(r, CK_HOOK_SOPS_KEYS, "a.pem", 0, "k2", 2, "cloak sops updatekeys a.pem",
	                                    "line\nbreak"), CK_OK);
	/* the same finding twice is kept once */
	assert_int_equal(ck_hook_report_add(r, CK_HOOK_PRIVATE_KEY, "a.pem", 1, "k", 1, "remove it",
	                                    "PEM private key"), CK_OK);
	r->files = 7;
	r->allowed = 1;
	ck_hook_report_sort(r);
}

static void t_text(void **state)
{
	struct ck_hook_report r;
	struct ck_buf o;
	const char *t, *a, *b;

	sample(&r);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].path, "a.pem"); /* sorted: path, line */
	assert_int_equal(r.v[0].line, 0);
	assert_string_equal(r.v[2].message, "Secret a/b has 2 values");
	assert_string_equal(r.v[0].message, "line break");
	ck_buf_init(&o, 0);
	assert_int_equal(ck_hook_report_format(&o, &r, CK_HOOK_FMT_TEXT, 0, "HEAD"), CK_OK);
	t = ck_buf_cstr(&o);
	assert_null(strchr(t, '\033'));
	a = strstr(t, "a.pem\n");
	b = strstr(t, "deploy/db secret.yaml\n");
	assert_true(a != NULL && b != NULL && a < b); /* grouped under a file header */
	assert_non_null(strstr(t, "  a.pem: sops-wrong-keys: line break\n"));
	assert_non_null(strstr(t, "  a.pem:1: private-key: PEM private key\n"));
	assert_non_null(strstr(t, "  deploy/db secret.yaml:9: k8s-secret-plaintext: "));
	assert_non_null(strstr(t, "    fix: cloak sops encrypt --in-place x\n"));
	assert_non_null(strstr(t, "cloak: 3 findings in 2 files of HEAD (7 files checked, 1 allowed)\n"));
	ck_buf_reset(&o);
	assert_int_equal(ck_hook_report_format(&o, &r, CK_HOOK_FMT_TEXT, CK_HOOK_OUT_COLOR, "HEAD"), CK_OK);
	assert_non_null(strchr(ck_buf_cstr(&o), '\033'));
	ck_hook_report_dispose(&r);
	ck_hook_report_init(&r);
	r.files = 1;
	ck_buf_reset(&o);
	assert_int_equal(ck_hook_report_format(&o, &r, CK_HOOK_FMT_TEXT, 0, "the staged changes"), CK_OK);
	assert_string_equal(ck_buf_cstr(&o), "cloak: no findings in the staged changes (1 file checked)\n");
	ck_buf_dispose(&o);
	ck_hook_report_dispose(&r);
}

static json_t *load(const struct ck_buf *o)
{
	json_error_t e;
	json_t *j = json_loadb((const char *)ck_buf_data(o), ck_buf_len(o), 0, &e);

	if (j == NULL)
		fail_msg("not JSON: %s (line %d)", e.text, e.line);
	return j;
}

static void t_json(void **state)
{
	struct ck_hook_report r;
	struct ck_buf o;
	json_t *j, *f;

	sample(&r);
	ck_buf_init(&o, 0);
	assert_int_equal(ck_hook_report_format(&o, &r, CK_HOOK_FMT_JSON, CK_HOOK_OUT_COLOR, "HEAD"), CK_OK);
	assert_null(strchr(ck_buf_cstr(&o), '\033'));
	j = load(&o);
	assert_int_equal(json_integer_value(json_object_get(j, "files_checked")), 7);
	assert_int_equal(json_integer_value(json_object_get(j, "allowed")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "scan")), "HEAD");
	f = json_object_get(j, "findings");
	assert_int_equal(json_array_size(f), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 2), "rule")), "k8s-secret-plaintext");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(f, 2), "line")), 9);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 2), "path")), "deploy/db secret.yaml");
	assert_true(strncmp(json_string_value(json_object_get(json_array_get(f, 2), "fingerprint")),
	                    "k8s-secret-plaintext:deploy/db secret.yaml:", 43) == 0);
	json_decref(j);
	ck_buf_dispose(&o);
	ck_hook_report_dispose(&r);
}

static void t_sarif(void **state)
{
	struct ck_hook_report r;
	struct ck_buf o;
	json_t *j, *run, *rules, *res;
	size_t i;

	sample(&r);
	ck_buf_init(&o, 0);
	assert_int_equal(ck_hook_report_format(&o, &r, CK_HOOK_FMT_SARIF, 0, "HEAD"), CK_OK);
	j = load(&o);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
	assert_non_null(json_object_get(j, "$schema"));
	assert_int_equal(json_array_size(json_object_get(j, "runs")), 1);
	run = json_array_get(json_object_get(j, "runs"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "name")),
	                    "cloak");
	rules = json_object_get(json_object_get(json_object_get(run, "tool"), "driver"), "rules");
	assert_int_equal(json_array_size(rules), CK_HOOK_NRULES);
	res = json_object_get(run, "results");
	assert_int_equal(json_array_size(res), 3);
	for (i = 0; i < json_array_size(res); i++) {
		json_t *x = json_array_get(res, i);
		json_int_t idx = json_integer_value(json_object_get(x, "ruleIndex"));
		json_t *phys = json_object_get(json_array_get(json_object_get(x, "locations"), 0), "physicalLocation");

		assert_string_equal(json_string_value(json_object_get(json_array_get(rules, (size_t)idx), "id")),
		                    json_string_value(json_object_get(x, "ruleId")));
		assert_string_equal(json_string_value(json_object_get(x, "level")), "error");
		assert_non_null(json_string_value(json_object_get(json_object_get(x, "message"), "text")));
		assert_non_null(json_string_value(json_object_get(json_object_get(x, "partialFingerprints"),
		                                                  "cloakFingerprint/v1")));
		if (r.v[i].line == 0)
			assert_null(json_object_get(phys, "region"));
		else
			assert_int_equal(json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")),
			                 r.v[i].line);
	}
	/* URIs are percent-encoded relative references */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_object_get(
	                        json_array_get(json_object_get(json_array_get(res, 2), "locations"), 0),
	                        "physicalLocation"), "artifactLocation"), "uri")),
	                    "deploy/db%20secret.yaml");
	json_decref(j);
	ck_buf_dispose(&o);
	ck_hook_report_dispose(&r);
}

static void t_rules(void **state)
{
	int i;
	enum ck_hook_format f;

	for (i = 0; i < CK_HOOK_NRULES; i++) {
		const struct ck_hook_rule_info *ri = ck_hook_rule_info((enum ck_hook_rule)i);

		assert_int_equal(ck_hook_rule_from_id(ri->id, strlen(ri->id)), i);
		assert_non_null(ri->title);
		assert_non_null(ri->help);
	}
	assert_int_equal(ck_hook_rule_from_id("nope", 4), -1);
	assert_int_equal(ck_hook_format_parse(&f, "sarif"), CK_OK);
	assert_int_equal(f, CK_HOOK_FMT_SARIF);
	assert_int_equal(ck_hook_format_parse(&f, "xml"), CK_EUSAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_text),
		cmocka_unit_test(t_json),
		cmocka_unit_test(t_sarif),
		cmocka_unit_test(t_rules),
	};

	if (ck_core_init() != CK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
