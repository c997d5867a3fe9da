/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shamir against sops 3.13.2: sops-peer/enc/shamir.yaml has three key groups
 * (one age key each) and threshold 2. The shares are unwrapped with the real
 * `age` CLI (independent of cloak's age code), combined by ck_sops's Shamir
 * in every pair and the triple, and each result must decrypt the file with a
 * valid MAC to exactly dec/shamir.yaml. A single share must not.
 */
#include <stdio.h>
#include <string.h>

#include "ck/sops_internal.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck_test.h"

static const char *peer;

static struct ck_sops_file *load(void)
{
	struct ck_buf text = CK_BUF_INIT;
	struct ck_sops_file *f = NULL;

	ckt_readf(&text, "%s/enc/shamir.yaml", peer);
	assert_int_equal(ck_sops_file_read(&f, &text, CK_SOPS_FMT_YAML, 0), CK_OK);
	ck_buf_dispose(&text);
	return f;
}

/* The share of group g, unwrapped by `age -d -i keys/age-key<g+1>.txt`. */
static void share_of(struct ck_buf *out, const struct ck_sops_file *f, size_t g)
{
	char idf[4096];
	const char *argv[] = { "age", "-d", "-i", idf, NULL };
	struct ck_buf err = CK_BUF_INIT;
	const struct ck_sops_key *k;
	int status = -1;

	assert_true(g < f->meta.ngroups);
	assert_int_equal(f->meta.groups[g].n, 1);
	k = f->meta.groups[g].keys[0];
	assert_int_equal(k->type, CK_SOPS_K_AGE);
	snprintf(idf, sizeof(idf), "%s/keys/age-key%zu.txt", peer, g + 1);
	assert_int_equal(ck_sops__run(argv, NULL, k->enc, strlen(k->enc), out, 4096, &status, &err),
	                 CK_OK);
	if (status != 0)
		fail_msg("age -d failed for group %zu: %s", g, ck_buf_cstr(&err));
	ck_buf_dispose(&err);
	/* a share is the 32 y bytes and its x coordinate */
	assert_int_equal(ck_buf_len(out), 33);
}

/* Decrypt with the given data key; returns the error code, output in out. */
static int decrypt_with(const uint8_t key[32], struct ck_buf *out)
{
	struct ck_sops_file *f = load();
	struct ck_sops_keyctx ctx;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;
	int rc;

	ck_sops_keyctx_init(&ctx);
	assert_non_null(f->datakey = ck_secret_alloc(32));
	memcpy(f->datakey, key, 32);
	if ((rc = ck_sops_file_decrypt(f, &ctx, 0)) == CK_OK)
		rc = ck_sops_file_emit(out, f, CK_SOPS_FMT_YAML, &eo);
	ck_sops_keyctx_dispose(&ctx);
	ck_sops_file_free(f);
	return rc;
}

static void shamir_groups(void **state)
{
	static const unsigned masks[] = { 3, 5, 6, 7 };
	struct ck_sops_file *f = load();
	struct ck_buf shares[3], want = CK_BUF_INIT, got;
	uint8_t key[32], first[32];
	size_t g, i, ok = 0;

	(void)state;
	assert_int_equal(f->meta.ngroups, 3);
	assert_int_equal(f->meta.shamir_threshold, 2);
	ckt_readf(&want, "%s/dec/shamir.yaml", peer);
	for (g = 0; g < 3; g++) {
		ck_buf_init_secure(&shares[g], 0);
		share_of(&shares[g], f, g);
	}
	for (i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		const uint8_t *sel[3];
		size_t k = 0;

		for (g = 0; g < 3; g++)
			if (masks[i] & (1u << g))
				sel[k++] = ck_buf_data(&shares[g]);
		assert_int_equal(ck_sops__shamir_combine(key, sel, k, 33), CK_OK);
		if (i == 0)
			memcpy(first, key, 32);
		assert_memory_equal(key, first, 32);
		ck_buf_init_secure(&got, 0);
		if (decrypt_with(key, &got) != CK_OK)
			fail_msg("groups mask %u: %s", masks[i], ck_err_last()->msg);
		assert_int_equal(ck_buf_len(&got), ck_buf_len(&want));
		assert_memory_equal(ck_buf_data(&got), ck_buf_data(&want), ck_buf_len(&want));
		ck_buf_dispose(&got);
		ok++;
	}
	/* one share's y bytes alone are not the key: no value authenticates */
	ck_buf_init_secure(&got, 0);
	assert_int_not_equal(decrypt_with(ck_buf_data(&shares[0]), &got), CK_OK);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE);
	ck_buf_dispose(&got);
	printf("shamir.yaml: %zu group combinations recover the data key, 1 single share refused\n",
	       ok);
	for (g = 0; g < 3; g++)
		ck_buf_dispose(&shares[g]);
	ck_buf_dispose(&want);
	ck_sops_file_free(f);
	ck_memzero(key, sizeof(key));
	ck_memzero(first, sizeof(first));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shamir_groups),
	};

	peer = ckt_vectors("sops-peer");
	if (!ckt_have_program("age"))
		ckt_skip_all("the age CLI is not installed");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
