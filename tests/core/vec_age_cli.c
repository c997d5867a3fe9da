/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files made by the age 1.1.1 CLI (shared/vectors/age-cli): every X25519 and
 * scrypt file decrypts to the recorded plaintext hash; the SSH ones are
 * reported as not supported (their keys are refused with CK_EUNSUPPORTED).
 */
#include <stdio.h>
#include <string.h>

#include "ck/age.h"
#include "ck/hash.h"
#include "ck_test.h"

static const char *dir;

static void want_hash(const char *plain, uint8_t out[32])
{
	struct ck_buf sums = CK_BUF_INIT, h = CK_BUF_INIT;
	const char *p, *line;
	char hex[65];

	ckt_readf(&sums, "%s/SHA256SUMS", dir);
	p = ck_buf_cstr(&sums);
	line = strstr(p, plain);
	assert_non_null(line);
	assert_true(line - p >= 66);
	memcpy(hex, line - 66, 64);
	hex[64] = 0;
	ckt_unhex(&h, hex);
	memcpy(out, ck_buf_data(&h), 32);
	ck_buf_dispose(&sums);
	ck_buf_dispose(&h);
}

static struct ck_age_identities *load_ids(const char *file)
{
	struct ck_age_identities *ids = NULL;
	struct ck_buf t;

	ck_buf_init_secure(&t, 0);
	ckt_readf(&t, "%s/%s", dir, file);
	assert_int_equal(ck_age_identities_add_text(&ids, ck_buf_cstr(&t), ck_buf_len(&t)), CK_OK);
	ck_buf_dispose(&t);
	return ids;
}

static void check(const char *file, const char *plain, struct ck_age_identities *ids)
{
	struct ck_buf in = CK_BUF_INIT, out;
	uint8_t want[32], got[32];

	ck_buf_init_secure(&out, 0);
	ckt_readf(&in, "%s/%s", dir, file);
	want_hash(plain, want);
	if (ck_age_decrypt(&out, ids, ck_buf_data(&in), ck_buf_len(&in)) != CK_OK)
		fail_msg("%s: %s", file, ck_err_last()->msg);
	ck_sha256(got, ck_buf_data(&out), ck_buf_len(&out));
	assert_memory_equal(got, want, 32);
	printf("  ok   %-28s %zu bytes\n", file, ck_buf_len(&out));
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
}

static void x25519_files(void **state)
{
	static const char *const files[][2] = {
	    {"empty.age", "empty.bin"},
	    {"empty.age.asc", "empty.bin"},
	    {"small.age", "small.txt"},
	    {"small.age.asc", "small.txt"},
	    {"64k.age", "64k.bin"},
	    {"64k.age.asc", "64k.bin"},
	    {"64k_plus_1.age", "64k_plus_1.bin"},
	    {"64k_plus_1.age.asc", "64k_plus_1.bin"},
	    {"1m.age", "1m.bin"},
	    {"1m.age.asc", "1m.bin"},
	    {"multi_recipient_small.age", "small.txt"},
	};
	struct ck_age_identities *ids = load_ids("identity.txt"), *ids2 = load_ids("identity2.txt");
	struct ck_buf r = CK_BUF_INIT, want = CK_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		check(files[i][0], files[i][1], ids);
	check("multi_recipient_small.age", "small.txt", ids2);
	/* The second identity is not a recipient of the single-recipient files. */
	{
		struct ck_buf in = CK_BUF_INIT, out = CK_BUF_INIT;

		ckt_readf(&in, "%s/small.age", dir);
		assert_int_equal(ck_age_decrypt(&out, ids2, ck_buf_data(&in), ck_buf_len(&in)),
		                 CK_ENOKEY);
		assert_int_equal(ck_age_last_failure(), CK_AGE_NO_MATCH);
		assert_int_equal(ck_buf_len(&out), 0);
		ck_buf_dispose(&in);
		ck_buf_dispose(&out);
	}
	/* -y of age-keygen's identity equals its recorded recipient. */
	assert_int_equal(ck_age_identities_recipients(&r, ids), CK_OK);
	ckt_readf(&want, "%s/recipient.txt", dir);
	assert_string_equal(ck_buf_cstr(&r), ck_buf_cstr(&want));
	ck_buf_dispose(&r);
	ck_buf_dispose(&want);
	ck_age_identities_free(ids);
	ck_age_identities_free(ids2);
}

static void scrypt_files(void **state)
{
	static const char pass[] = "correct horse battery staple";
	struct ck_age_identities *ids = NULL;

	(void)state;
	assert_int_equal(ck_age_identities_add_passphrase(&ids, pass, strlen(pass)), CK_OK);
	check("passphrase_small.age", "small.txt", ids);
	check("passphrase_small.age.asc", "small.txt", ids);
	ck_age_identities_free(ids);
}

static void ssh_files(void **state)
{
	static const char *const keys[] = {"ssh_ed25519_key", "ssh_rsa_key"};
	struct ck_age_identities *ids = NULL;
	struct ck_buf t = CK_BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		ck_buf_reset(&t);
		ckt_readf(&t, "%s/%s", dir, keys[i]);
		assert_int_equal(ck_age_identities_add_text(&ids, ck_buf_cstr(&t), ck_buf_len(&t)),
		                 CK_EUNSUPPORTED);
		assert_null(ids);
		printf("  not supported: ssh_%s_small.age (%s)\n", i ? "rsa" : "ed25519",
		       ck_err_last()->msg);
	}
	ck_buf_dispose(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(x25519_files),
	    cmocka_unit_test(scrypt_files),
	    cmocka_unit_test(ssh_files),
	};

	dir = ckt_vectors("age-cli");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
