/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Metadata model (sops/metadata.c): reading layouts, refusing bad ones,
 * writing the 3.13 layout, and the dotenv/INI flattening round trip. (The
 * byte-exact layouts of real files are checked by vec_stores and vec_sops.)
 */
#include <string.h>

#include "ck/sops.h"
#include "ck/sops_meta.h"
#include "ck/sops_path.h"
#include "ck_test.h"

#define AGE_R "age1v42vrdnq6aan3e8ye3znczddhly58x394g3gt4kgmyg6dcw3zavqwu3jux"

static struct ck_sops_file *plain(const char *yaml)
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

/* Read metadata written as the map under key "m" of a plain YAML doc. */
static int read_meta(struct ck_sops_meta *m, const char *yaml)
{
	struct ck_sops_file *f = plain(yaml);
	int rc;

	ck_sops_meta_init(m);
	rc = ck_sops_meta_from_node(m, ck_sops_map_get(&f->tree->docs[0], "m"));
	ck_sops_file_free(f);
	return rc;
}

static void layouts(void **state)
{
	struct ck_sops_meta m;

	(void)state;
	/* sops 1.x: empty lists, numeric version, pgp only */
	assert_int_equal(read_meta(&m, "m:\n  kms: []\n  pgp:\n  - fp: ABCD\n    created_at: '2016-01-01T00:00:00Z'\n"
	                               "    enc: x\n  lastmodified: '2016-01-01T00:00:00Z'\n  mac: ENC[y]\n"
	                               "  version: 1.7\n"),
	                 CK_OK);
	assert_string_equal(m.version, "1.7");
	assert_int_equal(m.ngroups, 1);
	assert_int_equal(m.groups[0].keys[0]->type, CK_SOPS_K_PGP);
	/* no rule given: the default unencrypted suffix, as sops's reader sets it */
	assert_int_equal(m.rule, CK_SOPS_RULE_UNENCRYPTED_SUFFIX);
	assert_string_equal(m.rule_value, "_unencrypted");
	ck_sops_meta_dispose(&m);
	/* 3.x key_groups with shamir and a stubbed Vault key, kept as is */
	assert_int_equal(read_meta(&m, "m:\n  key_groups:\n  - age:\n    - recipient: " AGE_R "\n      enc: a\n"
	                               "  - hc_vault:\n    - vault_address: https://v:8200\n      engine_path: t\n"
	                               "      key_name: k\n      created_at: '2024-01-01T00:00:00Z'\n      enc: vault:v1:x\n"
	                               "  shamir_threshold: 2\n  lastmodified: '2024-01-01T00:00:00Z'\n"
	                               "  mac: ENC[y]\n  encrypted_regex: ^a$\n  mac_only_encrypted: true\n"
	                               "  version: 3.13.2\n"),
	                 CK_OK);
	assert_int_equal(m.ngroups, 2);
	assert_int_equal(m.shamir_threshold, 2);
	assert_int_equal(m.groups[1].keys[0]->type, CK_SOPS_K_HC_VAULT);
	assert_string_equal(ck_sops_key_field(m.groups[1].keys[0], "key_name"), "k");
	assert_int_equal(m.rule, CK_SOPS_RULE_ENCRYPTED_REGEX);
	assert_int_equal(m.mac_only_encrypted, 1);
	ck_sops_meta_dispose(&m);
}

static void refused(void **state)
{
	struct ck_sops_meta m;

	(void)state;
	assert_int_not_equal(read_meta(&m, "m:\n  age:\n  - recipient: " AGE_R "\n    enc: a\n"
	                                   "  lastmodified: '2024-01-01T00:00:00Z'\n  version: 3.13.2\n"
	                                   "  encrypted_regex: a\n  unencrypted_suffix: b\n"),
	                     CK_OK);
	assert_non_null(strstr(ck_err_last()->msg, "Cannot use more than one"));
	ck_sops_meta_dispose(&m);
	assert_int_not_equal(read_meta(&m, "m:\n  lastmodified: '2024-01-01T00:00:00Z'\n  version: 3.13.2\n"),
	                     CK_OK);
	assert_non_null(strstr(ck_err_last()->msg, "No keys found"));
	ck_sops_meta_dispose(&m);
}

static void write_and_flatten(void **state)
{
	struct ck_sops_meta m;
	struct ck_sops_file *f = plain("x: 1\n");
	struct ck_sops_node node, flat, back;
	struct ck_buf out = CK_BUF_INIT;
	uint32_t i;

	(void)state;
	assert_int_equal(read_meta(&m, "m:\n  version: 3.13.2\n  mac: ENC[y]\n  lastmodified: '2024-01-01T00:00:00Z'\n"
	                               "  age:\n  - recipient: " AGE_R "\n    enc: |\n      line1\n      line2\n"
	                               "  pgp:\n  - fp: ABCD\n    created_at: '2024-01-01T00:00:00Z'\n    enc: p\n"
	                               "  unencrypted_suffix: _u\n"),
	                 CK_OK);
	assert_int_equal(ck_sops_meta_to_node(f->tree, &node, &m), CK_OK);
	/* sops 3.13: keys sorted, no empty lists for unused key types */
	{
		static const char *const order[] = { "age", "lastmodified", "mac", "pgp",
			                             "unencrypted_suffix", "version" };

		assert_int_equal(node.len, 2 * 6);
		for (i = 0; i < 6; i++)
			assert_true(ck_sops_node_is(&node.u.kids[2 * i], order[i]));
	}
	/* flattened as dotenv writes it, and back */
	assert_int_equal(ck_sops_meta_flatten(f->tree, &flat, &node, "sops_", 1), CK_OK);
	for (i = 0; i < flat.len; i += 2) {
		assert_int_equal(ck_buf_put(&out, flat.u.kids[i].u.s, flat.u.kids[i].len), CK_OK);
		assert_int_equal(ck_buf_putc(&out, '='), CK_OK);
		assert_int_equal(ck_buf_put(&out, flat.u.kids[i + 1].u.s, flat.u.kids[i + 1].len), CK_OK);
		assert_int_equal(ck_buf_putc(&out, '\n'), CK_OK);
	}
	assert_string_equal(ck_buf_cstr(&out),
	                    "sops_age__list_0__map_enc=line1\\nline2\\n\n"
	                    "sops_age__list_0__map_recipient=" AGE_R "\n"
	                    "sops_lastmodified=2024-01-01T00:00:00Z\n"
	                    "sops_mac=ENC[y]\n"
	                    "sops_pgp__list_0__map_created_at=2024-01-01T00:00:00Z\n"
	                    "sops_pgp__list_0__map_enc=p\n"
	                    "sops_pgp__list_0__map_fp=ABCD\n"
	                    "sops_unencrypted_suffix=_u\n"
	                    "sops_version=3.13.2\n");
	/* unflatten wants the prefix removed */
	for (i = 0; i < flat.len; i += 2) {
		flat.u.kids[i].u.s += 5;
		flat.u.kids[i].len -= 5;
	}
	assert_int_equal(ck_sops_meta_unflatten(f->tree, &back, &flat, 1), CK_OK);
	assert_true(ck_sops_node_equal(&back, &node));
	ck_buf_dispose(&out);
	ck_sops_meta_dispose(&m);
	ck_sops_file_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layouts),
		cmocka_unit_test(refused),
		cmocka_unit_test(write_and_flatten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
