/* SPDX-License-Identifier: Apache-2.0 */
/* .sops.yaml: discovery, creation rules, key groups, stores (sops/config.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ck/file.h"
#include "ck/sops.h"
#include "ck/sops_config.h"
#include "ck_test.h"

#define A1 "age1v42vrdnq6aan3e8ye3znczddhly58x394g3gt4kgmyg6dcw3zavqwu3jux"
#define A2 "age1kfuame4w096zjfhrn6v5d0ywf0p72s5f5cgea3c2ekks7s9ulc3qsvlhxr"
#define FP "FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4"

static const char *cfg_text =
	"stores:\n"
	"  yaml:\n"
	"    indent: 2\n"
	"  json:\n"
	"    indent: 3\n"
	"creation_rules:\n"
	"  - path_regex: secrets/.*\\.yaml$\n"
	"    encrypted_regex: ^(data|stringData)$\n"
	"    age: " A1 ", " A2 "\n"
	"  - path_regex: \\.json$\n"
	"    shamir_threshold: 2\n"
	"    key_groups:\n"
	"      - age:\n"
	"          - " A1 "\n"
	"        pgp:\n"
	"          - " FP "\n"
	"      - merge:\n"
	"          - age:\n"
	"              - " A2 "\n"
	"          - hc_vault:\n"
	"              - https://vault.example:8200/v1/transit/keys/k\n"
	"  - path_regex: ^only/\n"
	"    pgp: " FP "\n"
	"    mac_only_encrypted: true\n"
	"    unencrypted_suffix: _clear\n"
	"  - age:\n"
	"      - " A2 "\n";

static struct ck_sops_config *parse(const char *text)
{
	struct ck_sops_config *c = NULL;

	if (ck_sops_config_parse(&c, text, strlen(text), "/cfg") != CK_OK)
		fail_msg("%s", ck_err_last()->msg);
	return c;
}

static const char *field(const struct ck_sops_meta *m, size_t g, size_t i, const char *name)
{
	assert_true(g < m->ngroups && i < m->groups[g].n);
	return ck_sops_key_field(m->groups[g].keys[i], name);
}

static void rules(void **state)
{
	struct ck_sops_config *c = parse(cfg_text);
	struct ck_sops_meta m;

	(void)state;
	assert_true(ck_sops_config_has_rules(c));
	assert_int_equal(ck_sops_config_yaml_indent(c), 2);
	assert_int_equal(ck_sops_config_json_indent(c, 0), 3);
	/* first rule: path relative to the config's directory, flat age list */
	assert_int_equal(ck_sops_config_rule_for(c, "/cfg/app/secrets/x.yaml", &m), CK_OK);
	assert_int_equal(m.rule, CK_SOPS_RULE_ENCRYPTED_REGEX);
	assert_string_equal(m.rule_value, "^(data|stringData)$");
	assert_int_equal(m.ngroups, 1);
	assert_int_equal(m.groups[0].n, 2);
	assert_string_equal(field(&m, 0, 0, "recipient"), A1);
	assert_string_equal(field(&m, 0, 1, "recipient"), A2);
	ck_sops_meta_dispose(&m);
	/* key groups with merge and a Vault key kept for later */
	assert_int_equal(ck_sops_config_rule_for(c, "/cfg/x.json", &m), CK_OK);
	assert_int_equal(m.shamir_threshold, 2);
	assert_int_equal(m.ngroups, 2);
	assert_int_equal(m.groups[0].n, 2);
	assert_int_equal(m.groups[1].n, 2);
	assert_int_equal(ck_sops_meta_key_count(&m), 4);
	assert_string_equal(field(&m, 0, 1, "fp"), FP);
	assert_int_equal(m.groups[1].keys[1]->type, CK_SOPS_K_HC_VAULT);
	assert_string_equal(field(&m, 1, 1, "vault_address"), "https://vault.example:8200");
	assert_string_equal(field(&m, 1, 1, "engine_path"), "transit");
	assert_string_equal(field(&m, 1, 1, "key_name"), "k");
	ck_sops_meta_dispose(&m);
	/* ^ anchors at the config directory */
	assert_int_equal(ck_sops_config_rule_for(c, "/cfg/only/a.env", &m), CK_OK);
	assert_int_equal(m.mac_only_encrypted, 1);
	assert_int_equal(m.rule, CK_SOPS_RULE_UNENCRYPTED_SUFFIX);
	assert_string_equal(m.rule_value, "_clear");
	ck_sops_meta_dispose(&m);
	/* the rule without path_regex catches everything else */
	assert_int_equal(ck_sops_config_rule_for(c, "/cfg/sub/only/a.env", &m), CK_OK);
	assert_string_equal(field(&m, 0, 0, "recipient"), A2);
	ck_sops_meta_dispose(&m);
	ck_sops_config_free(c);
}

static void errors(void **state)
{
	static const char *const bad[] = {
		"creation_rules:\n  - path_regex: '('\n    age: " A1 "\n",
		"creation_rules:\n  - age: " A1 "\n    encrypted_regex: a\n    unencrypted_suffix: b\n",
		"creation_rules:\n  - age: not-an-age-key\n",
		"creation_rules:\n  - age: [[1]]\n",
		"creation_rules: [1]\n",
		"creation_rules:\n  - age: " A1 "\n    shamir_threshold: 999\n",
	};
	struct ck_sops_config *c;
	struct ck_sops_meta m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		c = NULL;
		rc = ck_sops_config_parse(&c, bad[i], strlen(bad[i]), "/cfg");
		if (rc == CK_OK) {
			rc = ck_sops_config_rule_for(c, "/cfg/f.yaml", &m);
			if (rc == CK_OK)
				ck_sops_meta_dispose(&m);
		}
		if (rc == CK_OK)
			fail_msg("accepted config %zu:\n%s", i, bad[i]);
		if (ck_err_last()->exit_override != CK_SOPS_EXIT_ERROR_READING_CONFIG)
			fail_msg("config %zu: exit %d: %s", i, ck_err_last()->exit_override,
			         ck_err_last()->msg);
		ck_sops_config_free(c);
	}
	/* no rule matches */
	c = parse("creation_rules:\n  - path_regex: \\.json$\n    age: " A1 "\n");
	assert_int_equal(ck_sops_config_rule_for(c, "/cfg/a.yaml", &m), CK_ENOTFOUND);
	ck_sops_config_free(c);
	/* not YAML */
	c = NULL;
	assert_int_not_equal(ck_sops_config_parse(&c, "a: [", 4, "/cfg"), CK_OK);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_ERROR_READING_CONFIG);
}

static void find(void **state)
{
	const char *t = ckt_tmpdir();
	char deep[4096], cfg[4096];
	struct ck_buf out = CK_BUF_INIT;

	(void)state;
	snprintf(deep, sizeof(deep), "%s/a/b/c", t);
	snprintf(cfg, sizeof(cfg), "%s/a", t);
	assert_int_equal(mkdir(cfg, 0700), 0);
	snprintf(cfg, sizeof(cfg), "%s/a/b", t);
	assert_int_equal(mkdir(cfg, 0700), 0);
	assert_int_equal(mkdir(deep, 0700), 0);
	snprintf(cfg, sizeof(cfg), "%s/a/.sops.yaml", t);
	assert_int_equal(ck_file_write_atomic(cfg, "creation_rules: []\n", 19, 0600), CK_OK);
	unsetenv("SOPS_CONFIG");
	assert_int_equal(ck_sops_config_find(&out, NULL, deep), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), cfg);
	ck_buf_reset(&out);
	/* explicit: must exist (exit 61) */
	assert_int_equal(ck_sops_config_find(&out, "/nonexistent/.sops.yaml", deep), CK_ENOTFOUND);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_CONFIG_FILE_NOT_FOUND);
	/* $SOPS_CONFIG is the explicit path */
	setenv("SOPS_CONFIG", cfg, 1);
	assert_int_equal(ck_sops_config_find(&out, NULL, "/"), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), cfg);
	unsetenv("SOPS_CONFIG");
	ck_buf_dispose(&out);
}

static void key_strings(void **state)
{
	struct ck_sops_meta m;

	(void)state;
	ck_sops_meta_init(&m);
	assert_int_equal(ck_sops_meta_add_keys_str(&m, 0, CK_SOPS_K_AGE, A1 "," A2 ", " A1), CK_OK);
	assert_int_equal(m.groups[0].n, 2); /* duplicates skipped, spaces trimmed */
	assert_int_equal(ck_sops_meta_add_keys_str(&m, 0, CK_SOPS_K_KMS,
	                                           "arn:aws:kms:us-east-1:1:key/a+arn:aws:iam::1:role/r"),
	                 CK_OK);
	assert_string_equal(field(&m, 0, 2, "arn"), "arn:aws:kms:us-east-1:1:key/a");
	assert_string_equal(field(&m, 0, 2, "role"), "arn:aws:iam::1:role/r");
	assert_int_equal(ck_sops_meta_set_kms_context(&m, "a:b,c:d"), CK_OK);
	assert_int_equal(m.groups[0].keys[2]->ncontext, 2);
	assert_int_not_equal(ck_sops_meta_set_kms_context(&m, "nocolon"), CK_OK);
	assert_int_equal(ck_err_last()->exit_override,
	                 CK_SOPS_EXIT_ERROR_INVALID_KMS_ENCRYPTION_CONTEXT_FORMAT);
	ck_sops_meta_dispose(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules),
		cmocka_unit_test(errors),
		cmocka_unit_test(find),
		cmocka_unit_test(key_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
