/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real sops files from getsops/sops (vectors/sops: sops 1.x to 3.13, YAML,
 * JSON, dotenv, INI, binary, PGP-wrapped data keys, every metadata layout).
 * The PGP test keys are imported by this test into a throw-away GNUPGHOME
 * (gpg's agent for it is stopped at the end); the two files sops 3.7
 * encrypted to age only use the age test identities. For every file: the
 * data key recovered through gpg or age equals data_key_hex, the decrypted tree
 * equals the recorded plaintext (types and order), the MAC verifies, or
 * fails with exit status 51 where the record says mac_ok false (and then
 * --ignore-mac still decrypts).
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/sops_internal.h"
#include "ck/sops.h"
#include "ck_test.h"

static const char *vec, *home;

static void run_gpg(const char *const *argv)
{
	struct ck_buf out = CK_BUF_INIT, err = CK_BUF_INIT;
	int status = -1;

	assert_int_equal(ck_sops__run(argv, NULL, NULL, 0, &out, 1 << 20, &status, &err), CK_OK);
	if (status != 0)
		fail_msg("%s %s: %s", argv[0], argv[3], ck_buf_cstr(&err));
	ck_buf_dispose(&out);
	ck_buf_dispose(&err);
}

static int setup(void **state)
{
	static const char *const keys[] = { "e9b9f7aee-pgp__sops_functional_tests_key.asc",
		                            "d505c3e03-pgp__sops_functional_tests_key.asc" };
	char path[4096];
	size_t i;

	(void)state;
	home = ckt_tmpdir();
	for (i = 0; i < 2; i++) {
		const char *argv[] = { "gpg", "--batch", "--quiet", "--homedir", home, "--import", path,
			               NULL };

		snprintf(path, sizeof(path), "%s/keys/%s", vec, keys[i]);
		run_gpg(argv);
	}
	return 0;
}

static int teardown(void **state)
{
	const char *argv[] = { "gpgconf", "--homedir", home, "--kill", "gpg-agent", NULL };
	struct ck_buf out = CK_BUF_INIT;
	int status;

	(void)state;
	(void)ck_sops__run(argv, NULL, NULL, 0, &out, 1 << 16, &status, NULL);
	ck_buf_dispose(&out);
	return 0;
}

/* Compare a decrypted node with the recorded JSON plaintext. */
static int same_value(const struct ck_sops_node *n, json_t *j, struct ck_buf *where)
{
	size_t i, k, len = ck_buf_len(where);
	int ok = 1;

	switch (json_typeof(j)) {
	case JSON_STRING:
		return n->type == CK_SOPS_STR && n->len == json_string_length(j) &&
		       memcmp(n->u.s, json_string_value(j), n->len) == 0;
	case JSON_INTEGER:
	case JSON_REAL: {
		char buf[64];
		double want = json_number_value(j), got;

		if ((n->type != CK_SOPS_INT && n->type != CK_SOPS_FLOAT) || n->len >= sizeof(buf))
			return 0;
		memcpy(buf, n->u.s, n->len);
		buf[n->len] = 0;
		got = strtod(buf, NULL);
		return got == want;
	}
	case JSON_TRUE:
	case JSON_FALSE:
		return n->type == CK_SOPS_BOOL &&
		       ck_sops_node_is(n, json_is_true(j) ? "True" : "False");
	case JSON_NULL:
		return n->type == CK_SOPS_NULL;
	case JSON_ARRAY:
		if (n->type != CK_SOPS_SEQ)
			return 0;
		for (i = k = 0; i < n->len && ok; i++) {
			if (n->u.kids[i].type == CK_SOPS_COMMENT)
				continue;
			if (k >= json_array_size(j))
				return 0;
			(void)ck_buf_printf(where, "[%zu]", k);
			ok = same_value(&n->u.kids[i], json_array_get(j, k++), where);
			if (ok)
				ck_buf_truncate(where, len);
		}
		return ok && k == json_array_size(j);
	case JSON_OBJECT: {
		void *it = json_object_iter(j);

		if (n->type != CK_SOPS_MAP)
			return 0;
		/* same keys in the same order */
		for (i = 0; i < n->len && ok; i += 2) {
			const struct ck_sops_node *key = &n->u.kids[i];

			if (key->type == CK_SOPS_COMMENT)
				continue;
			/* INI: go-ini's DEFAULT section is always there, empty when
			 * the file has no key before its first section (not written
			 * back, not in the record) */
			if (ck_sops_node_is(key, "DEFAULT") && n->u.kids[i + 1].type == CK_SOPS_MAP &&
			    n->u.kids[i + 1].len == 0 && json_object_get(j, "DEFAULT") == NULL)
				continue;
			if (it == NULL)
				return 0;
			(void)ck_buf_printf(where, "[\"%.*s\"]", (int)key->len, key->u.s);
			ok = strlen(json_object_iter_key(it)) == key->len &&
			     memcmp(json_object_iter_key(it), key->u.s, key->len) == 0 &&
			     same_value(&n->u.kids[i + 1], json_object_iter_value(it), where);
			if (ok)
				ck_buf_truncate(where, len);
			it = json_object_iter_next(j, it);
		}
		return ok && it == NULL;
	}
	}
	return 0;
}

static enum ck_sops_format store_of(const char *name)
{
	enum ck_sops_format f = CK_SOPS_FMT_NONE;

	assert_int_equal(ck_sops_format_from_name(&f, name), CK_OK);
	return f;
}

struct counts {
	size_t files, key_ok, tree_ok, mac_ok, mac_fail_51;
};

static void one(const char *name, struct counts *c)
{
	struct ck_buf text, want_key = CK_BUF_INIT, where = CK_BUF_INIT;
	struct ck_sops_file *f = NULL;
	struct ck_sops_keyctx ctx;
	json_error_t jerr;
	json_t *exp;
	char path[4096];
	int mac_ok, rc;

	snprintf(path, sizeof(path), "%s/%s.expected.json", vec, name);
	if ((exp = json_load_file(path, 0, &jerr)) == NULL)
		fail_msg("%s: %s", path, jerr.text);
	mac_ok = json_is_true(json_object_get(exp, "mac_ok"));
	ckt_unhex(&want_key, json_string_value(json_object_get(exp, "data_key_hex")));
	ck_sops_keyctx_init(&ctx);
	ctx.gnupghome = home;
	ctx.batch = 1;
	ck_buf_init_secure(&text, 0);
	ckt_readf(&text, "%s/%s", vec, name);
	if (ck_sops_file_read(&f, &text, store_of(json_string_value(json_object_get(exp, "store"))),
	                      0) != CK_OK)
		fail_msg("%s: %s", name, ck_err_last()->msg);
	if (ck_sops_file_datakey(f, &ctx) != CK_OK)
		fail_msg("%s: data key: %s", name, ck_err_last()->msg);
	assert_int_equal(ck_buf_len(&want_key), 32);
	assert_memory_equal(f->datakey, ck_buf_data(&want_key), 32);
	c->key_ok++;
	rc = ck_sops_file_decrypt(f, &ctx, 0);
	if (mac_ok) {
		if (rc != CK_OK)
			fail_msg("%s: %s", name, ck_err_last()->msg);
		c->mac_ok++;
	} else {
		if (rc == CK_OK)
			fail_msg("%s: decrypted although its MAC is missing", name);
		assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_MAC_MISMATCH);
		c->mac_fail_51++;
		/* with --ignore-mac it decrypts */
		ck_sops_file_free(f);
		f = NULL;
		ckt_readf(&text, "%s/%s", vec, name);
		assert_int_equal(ck_sops_file_read(&f, &text, CK_SOPS_FMT_YAML, 0), CK_OK);
		if (ck_sops_file_decrypt(f, &ctx, CK_SOPS_IGNORE_MAC) != CK_OK)
			fail_msg("%s: --ignore-mac: %s", name, ck_err_last()->msg);
	}
	assert_int_equal(f->tree->ndocs, 1);
	if (!same_value(&f->tree->docs[0], json_object_get(exp, "plaintext"), &where))
		fail_msg("%s: plaintext differs at %s", name, ck_buf_cstr(&where));
	c->tree_ok++;
	c->files++;
	ck_sops_file_free(f);
	ck_sops_keyctx_dispose(&ctx);
	json_decref(exp);
	ck_buf_dispose(&text);
	ck_buf_dispose(&want_key);
	ck_buf_dispose(&where);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void all_files(void **state)
{
	struct counts c = { 0 };
	char *names[64];
	size_t n = 0, i;
	DIR *d;
	struct dirent *e;
	const char *suffix = ".expected.json";

	(void)state;
	assert_non_null(d = opendir(vec));
	while ((e = readdir(d)) != NULL && n < 64) {
		size_t l = strlen(e->d_name);

		if (l > strlen(suffix) && strcmp(e->d_name + l - strlen(suffix), suffix) == 0)
			names[n++] = strndup(e->d_name, l - strlen(suffix));
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	for (i = 0; i < n; i++) {
		one(names[i], &c);
		free(names[i]);
	}
	printf("vectors/sops: %zu files; data key == data_key_hex: %zu; plaintext tree as "
	       "recorded: %zu; MAC verified: %zu; MAC missing -> exit 51: %zu\n",
	       c.files, c.key_ok, c.tree_ok, c.mac_ok, c.mac_fail_51);
	assert_true(c.files >= 22);
	assert_int_equal(c.mac_fail_51, 1);
	assert_int_equal(c.mac_ok + c.mac_fail_51, c.files);
	assert_int_equal(c.key_ok, c.files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_files),
	};

	vec = ckt_vectors("sops");
	{
		static char idf[4096];

		/* the age test identities, for the files sops 3.7 encrypted to age only */
		snprintf(idf, sizeof(idf), "%s/keys/7ebee3dc7-age__keys.txt", vec);
		setenv("SOPS_AGE_KEY_FILE", idf, 1);
	}
	if (!ckt_have_program("gpg"))
		ckt_skip_all("gpg is not installed");
	return cmocka_run_group_tests(tests, setup, teardown);
}
