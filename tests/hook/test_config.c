/* SPDX-License-Identifier: Apache-2.0 */
/* .cloak.yaml: parsing, errors with lines, path patterns, what it allows. */
#include "ck/secret.h"
#include "hookt.h"

static struct ck_hook_config *parse_ok(const char *text)
{
	struct ck_hook_config *c = NULL;

	if (ck_hook_config_parse(&c, text, strlen(text), ".cloak.yaml") != CK_OK)
		fail_msg("parse: %s", ck_err_last()->msg);
	return c;
}

static void parse_bad(const char *text, const char *want)
{
	struct ck_hook_config *c = NULL;

	assert_int_equal(ck_hook_config_parse(&c, text, strlen(text), ".cloak.yaml"), CK_EINVAL);
	assert_null(c);
	if (strstr(ck_err_last()->msg, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", ck_err_last()->msg, want);
}

static void t_glob(void **state)
{
	assert_true(ck_hook_glob_match("testkeys/", "testkeys/rsa.pem"));
	assert_true(ck_hook_glob_match("testkeys/", "testkeys/age/identity.txt"));
	assert_false(ck_hook_glob_match("testkeys/", "testkeys2/x"));
	assert_true(ck_hook_glob_match("testkeys/**", "testkeys/age/identity.txt"));
	assert_true(ck_hook_glob_match("**/fixtures/*.yaml", "fixtures/a.yaml"));
	assert_true(ck_hook_glob_match("**/fixtures/*.yaml", "a/b/fixtures/a.yaml"));
	assert_false(ck_hook_glob_match("**/fixtures/*.yaml", "a/b/fixtures/c/a.yaml"));
	assert_true(ck_hook_glob_match("*.pem", "k.pem"));
	assert_false(ck_hook_glob_match("*.pem", "dir/k.pem"));
	assert_true(ck_hook_glob_match("a/?.txt", "a/b.txt"));
	assert_false(ck_hook_glob_match("a/?.txt", "a/bc.txt"));
	assert_true(ck_hook_glob_match("./docs/x.md", "docs/x.md"));
	assert_true(ck_hook_glob_match("a/**/z", "a/z"));
	assert_true(ck_hook_glob_match("a/**/z", "a/b/c/z"));
	assert_false(ck_hook_glob_match("", "a"));
	/* linear time whatever the pattern */
	assert_false(ck_hook_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b",
	                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(ck_hook_glob_match("**a**a**a**a**a**a**a**a**a**a**a**b",
	                                "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a"));
}

static void t_parse(void **state)
{
	struct ck_hook_config *c;

	c = parse_ok("");
	assert_int_equal(ck_hook_config_max_size(c), CK_HOOK_MAX_FILE);
	assert_false(ck_hook_config_allows(c, CK_HOOK_PRIVATE_KEY, "a", "x"));
	ck_hook_config_free(c);

	c = parse_ok("version: 1\n"
	             "max_file_size: 1000\n"
	             "allow:\n"
	             "  - paths: [testkeys/]\n"
	             "    reason: public test keys\n"
	             "  - rules: [secret-assignment, private-key]\n"
	             "    paths: ['tests/**']\n"
	             "  - rules: aws-credentials\n"
	             "  - fingerprints: ['private-key:deploy/k.pem:0123456789ab']\n");
	assert_int_equal(ck_hook_config_max_size(c), 1000);
	assert_true(ck_hook_config_skips(c, "testkeys/age/identity.txt"));
	assert_false(ck_hook_config_skips(c, "tests/x.c"));
	assert_true(ck_hook_config_allows(c, CK_HOOK_AGE_KEY, "testkeys/age/identity.txt", "f"));
	assert_true(ck_hook_config_allows(c, CK_HOOK_ASSIGNMENT, "tests/hook/a.c", "f"));
	assert_false(ck_hook_config_allows(c, CK_HOOK_GITHUB, "tests/hook/a.c", "f"));
	assert_true(ck_hook_config_allows(c, CK_HOOK_AWS, "anywhere/x", "f"));
	assert_true(ck_hook_config_allows(c, CK_HOOK_PRIVATE_KEY, "deploy/k.pem",
	                                  "private-key:deploy/k.pem:0123456789ab"));
	assert_false(ck_hook_config_allows(c, CK_HOOK_PRIVATE_KEY, "deploy/k.pem",
	                                   "private-key:deploy/k.pem:0123456789ac"));
	ck_hook_config_free(c);
	assert_false(ck_hook_config_allows(NULL, CK_HOOK_AWS, "x", "y"));
	assert_false(ck_hook_config_skips(NULL, "x"));
}

static void t_errors(void **state)
{
	parse_bad("allow:\n  - paths: [a]\n    rulez: [x]\n", ".cloak.yaml:3: unknown key 'rulez'");
	parse_bad("allow:\n  - rules: [no-such-rule]\n", ".cloak.yaml:2: unknown rule 'no-such-rule'");
	parse_bad("version: 2\n", "version must be 1");
	parse_bad("allow: {paths: [a]}\n", "allow must be a list");
	parse_bad("allow:\n  - reason: nothing\n", "needs paths, rules or fingerprints");
	parse_bad("max_file_size: -1\n", "max_file_size");
	parse_bad("- a\n- b\n", "top level must be a map");
	parse_bad("allow:\n  - paths: [a\n", ".cloak.yaml:");
	parse_bad("a: 1\n---\nb: 2\n", "only one YAML document");
	parse_bad("allow:\n  - paths: [a]\n  - paths: [b]\nallow: []\n", ".cloak.yaml:4:");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_glob),
		cmocka_unit_test(t_parse),
		cmocka_unit_test(t_errors),
	};

	if (ck_core_init() != CK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
