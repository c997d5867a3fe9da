/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kms (AWS KMS) key source against tests/doubles/aws_double.py (strict
 * SigV4): ARN parsing as sops does it, Encrypt/Decrypt with the encryption
 * context, the metadata layout, role assumption (sops@<host> session),
 * aws_profile, .sops.yaml rules and key groups, Shamir with age (and with
 * Vault transit: three groups, threshold 2), and the failures with sops's
 * exit 128 and one-line errors.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/enc.h"
#include "ks_test.h"

#define ROLE "arn:aws:iam::111122223333:role/sops"

static struct ckt_double ad, vd;
static char arn[256], arn2[256], alias_arn[256], vuri[256];

static void key_from(char *out, size_t cap, const char *answer)
{
	const char *p = strstr(answer, "\"Arn\": \"");

	assert_non_null(p);
	snprintf(out, cap, "%.*s", (int)strcspn(p + 8, "\""), p + 8);
}

static void env_creds(void)
{
	setenv("AWS_ACCESS_KEY_ID", KS_AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", KS_SECRET, 1);
	setenv("AWS_ENDPOINT_URL", ad.url, 1);
	setenv("VAULT_TOKEN", "root", 1);
}

static int setup_all(void **state)
{
	(void)state;
	ks_env_reset();
	ckt_double_start(&ad, "aws_double.py", NULL);
	ckt_double_start(&vd, "vault_double.py", "--root-token", "root", NULL);
	key_from(arn, sizeof(arn), ctl(&ad, "kms_key", "{\"alias\":\"sops\"}"));
	key_from(arn2, sizeof(arn2), ctl(&ad, "kms_key", "{\"alias\":\"other\"}"));
	snprintf(alias_arn, sizeof(alias_arn), "arn:aws:kms:us-east-1:111122223333:alias/sops");
	ctl(&ad, "sts", "{\"role_arn\":\"" ROLE "\"}");
	snprintf(vuri, sizeof(vuri), "%s/v1/transit/keys/sops", vd.url);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	ckt_double_stop(&ad);
	ckt_double_stop(&vd);
	ck_net_cleanup();
	return 0;
}

static int setup_each(void **state)
{
	(void)state;
	ks_env_reset();
	env_creds();
	ctl(&ad, "fail", "{\"target\":\"*\",\"count\":0}");
	return 0;
}

static void expect_key(const char *s, const char *want_arn, const char *want_role)
{
	struct ck_sops_key *k = NULL;

	if (ck_sops_key_parse(&k, CK_SOPS_K_KMS, s) != CK_OK)
		fail_msg("'%s' refused: %s", s, ck_err_last()->msg);
	assert_string_equal(ck_sops_key_field(k, "arn"), want_arn);
	if (want_role == NULL)
		assert_null(ck_sops_key_field(k, "role"));
	else
		assert_string_equal(ck_sops_key_field(k, "role"), want_role);
	assert_string_equal(ck_sops_key_field(k, "aws_profile"), "");
	ck_sops_key_free(k);
}

/* sops's NewMasterKeyFromArn: spaces removed, split at "+arn:aws:iam::". */
static void arn_parsing(void **state)
{
	struct ck_sops_key *k = NULL;

	(void)state;
	expect_key("arn:aws:kms:us-east-1:1:key/abc", "arn:aws:kms:us-east-1:1:key/abc", NULL);
	expect_key("arn:aws:kms:us-east-1:1:key/abc+arn:aws:iam::1:role/r",
	           "arn:aws:kms:us-east-1:1:key/abc", "arn:aws:iam::1:role/r");
	expect_key(" arn:aws:kms:eu-west-1:1:alias/a b ", "arn:aws:kms:eu-west-1:1:alias/ab", NULL);
	/* only an IAM role ARN splits; a bare '+' belongs to the key string */
	expect_key("arn:aws:kms:us-east-1:1:alias/a+b", "arn:aws:kms:us-east-1:1:alias/a+b", NULL);
	expect_key("+arn:aws:iam::1:role/r", "+arn:aws:iam::1:role/r", NULL);
	assert_int_equal(ck_sops_key_parse(&k, CK_SOPS_K_KMS, "   "), CK_EINVAL);
	assert_null(k);
}

/* Encrypt with --kms and --encryption-context; what went to KMS; the layout; decrypt. */
static void roundtrip_and_layout(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, bodies, want, blob;
	struct ck_sops_file *f = NULL;
	struct ck_sops_keyctx ctx;
	const char *sops, *p;
	char b64[1024], created[64];

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&bodies, 0);
	ck_buf_init(&want, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_KMS] = arn;
	o.kms_context = "z:1,app:web";
	ctl_clear_log(&ad);
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	sops = strstr(ck_buf_cstr(&enc), "\nsops:\n");
	assert_non_null(sops);
	/* sops 3.13: keys sorted, context a sorted map of strings, no role when empty */
	assert_non_null(ks_yaml_field(sops, "enc"));
	snprintf(b64, sizeof(b64), "%s", ks_yaml_field(sops, "enc"));
	assert_non_null(ks_yaml_field(sops, "created_at"));
	snprintf(created, sizeof(created), "%s", ks_yaml_field(sops, "created_at"));
	assert_int_equal(strlen(created), 20); /* 2006-01-02T15:04:05Z */
	assert_true(created[4] == '-' && created[10] == 'T' && created[19] == 'Z');
	assert_int_equal(ck_buf_printf(&want,
	                               "\nsops:\n    kms:\n        - arn: %s\n"
	                               "          aws_profile: \"\"\n"
	                               "          context:\n            app: web\n            z: \"1\"\n"
	                               "          created_at: \"%s\"\n"
	                               "          enc: %s\n    lastmodified: ",
	                               arn, created, b64),
	                 CK_OK);
	assert_true(strncmp(sops, ck_buf_cstr(&want), ck_buf_len(&want)) == 0);
	assert_null(strstr(sops, "role:"));

	/* one Encrypt: KeyId = the ARN, Plaintext = the raw data key, the context */
	ctl_log_fields(&bodies, &ad, "target", "TrentService.Encrypt", "body");
	p = ck_buf_cstr(&bodies);
	assert_int_equal(strchr(p, '\n') - p + 1, (long)ck_buf_len(&bodies));
	ck_buf_reset(&want);
	assert_int_equal(ck_buf_printf(&want, "{\"KeyId\":\"%s\",\"Plaintext\":\"", arn), CK_OK);
	assert_true(strncmp(p, ck_buf_cstr(&want), ck_buf_len(&want)) == 0);
	assert_non_null(strstr(p, "\"EncryptionContext\":{\"app\":\"web\",\"z\":\"1\"}"));
	{
		struct ck_buf in, dk;

		p += ck_buf_len(&want);
		ck_buf_init_secure(&dk, 0);
		assert_int_equal(ck_b64_decode(&dk, p, strcspn(p, "\""), CK_B64_STD, 0), CK_OK);
		ck_buf_init(&in, 0);
		assert_int_equal(ck_buf_puts(&in, ck_buf_cstr(&enc)), CK_OK);
		assert_int_equal(ck_sops_file_read(&f, &in, CK_SOPS_FMT_YAML, 0), CK_OK);
		ck_sops_keyctx_init(&ctx);
		assert_int_equal(ck_sops_file_datakey(f, &ctx), CK_OK);
		assert_int_equal(ck_buf_len(&dk), 32);
		assert_memory_equal(ck_buf_data(&dk), f->datakey, 32);
		ck_sops_keyctx_dispose(&ctx);
		ck_sops_file_free(f);
		ck_buf_dispose(&in);
		ck_buf_dispose(&dk);
	}
	/* enc is the standard base64 of the CiphertextBlob (the double's blob names its key) */
	ck_buf_init(&blob, 0);
	assert_int_equal(ck_b64_decode(&blob, b64, strlen(b64), CK_B64_STD, 0), CK_OK);
	assert_true(ck_buf_len(&blob) > 32);
	ck_buf_dispose(&blob);

	ctl_clear_log(&ad);
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	ck_buf_reset(&bodies);
	ctl_log_fields(&bodies, &ad, "target", "TrentService.Decrypt", "body");
	assert_non_null(strstr(ck_buf_cstr(&bodies), arn));
	assert_non_null(
	    strstr(ck_buf_cstr(&bodies), "\"EncryptionContext\":{\"app\":\"web\",\"z\":\"1\"}"));
	ck_buf_dispose(&enc);
	ck_buf_dispose(&bodies);
	ck_buf_dispose(&want);
}

/* JSON field order; an alias ARN works as the key id. */
static void json_and_alias(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc;
	const char *p;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.json";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_KMS] = alias_arn;
	assert_int_equal(ks_encrypt(&enc, "{\"db\":{\"user\":\"app\",\"password\":\"s3cr3t\"}}", &o, NULL),
	                 CK_OK);
	p = strstr(ck_buf_cstr(&enc), "\t\t\"kms\": [\n\t\t\t{\n\t\t\t\t\"arn\": \"");
	assert_non_null(p);
	p = strstr(p, "\"aws_profile\": \"\",\n\t\t\t\t\"created_at\": \"");
	assert_non_null(p);
	assert_non_null(strstr(p, "\",\n\t\t\t\t\"enc\": \""));
	{
		struct ck_buf pl;

		assert_int_equal(ks_decrypt(&pl, ck_buf_cstr(&enc), "app.json", NULL), CK_OK);
		assert_non_null(strstr(ck_buf_cstr(&pl), "\"password\": \"s3cr3t\""));
		ck_buf_dispose(&pl);
	}
	ck_buf_dispose(&enc);
}

/* ARN+role: STS AssumeRole as sops@<host>, KMS called with the role's keys, role written last. */
static void role_assumption(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, got;
	char keys[300], host[256];

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&got, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	snprintf(keys, sizeof(keys), "%s+%s", arn, ROLE);
	o.keys[CK_SOPS_K_KMS] = keys;
	ctl_clear_log(&ad);
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	assert_string_equal(ks_yaml_field(ck_buf_cstr(&enc), "arn"), arn);
	assert_non_null(strstr(ck_buf_cstr(&enc), "          role: " ROLE "\n    lastmodified: "));
	ctl_log_fields(&got, &ad, "target", "AssumeRole", "body");
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	assert_non_null(strstr(ck_buf_cstr(&got), "RoleSessionName=sops%40"));
	assert_non_null(
	    strstr(ck_buf_cstr(&got), "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fsops"));
	ck_buf_reset(&got);
	ctl_log_fields(&got, &ad, "target", "TrentService.Encrypt", "akid");
	assert_true(strncmp(ck_buf_cstr(&got), "ASIA", 4) == 0); /* the assumed role's keys */
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	/* a role the double does not know: AccessDenied from STS, exit 128 */
	{
		char *bad = ks_replace(ck_buf_cstr(&enc), "role/sops\n", "role/nobody\n");

		ks_expect_no_key(bad, "app.yaml", NULL, "AccessDenied");
		free(bad);
	}
	ck_buf_dispose(&enc);
	ck_buf_dispose(&got);
}

/* --aws-profile: written to the entry and used to find credentials when decrypting. */
static void aws_profile(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, cred;
	const char *path;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&cred, 0);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	assert_int_equal(ck_buf_printf(&cred, "[default]\naws_access_key_id = AKIDNOBODY\n"
	                                      "aws_secret_access_key = nope\n\n[dev]\n"
	                                      "aws_access_key_id = %s\naws_secret_access_key = %s\n",
	                               KS_AKID, KS_SECRET),
	                 CK_OK);
	path = ks_write("credentials", ck_buf_cstr(&cred));
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_KMS] = arn;
	o.aws_profile = "dev";
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	assert_string_equal(ks_yaml_field(ck_buf_cstr(&enc), "aws_profile"), "dev");
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	/* the same file with the profile emptied uses [default]: an unknown key id */
	{
		char *dflt = ks_replace(ck_buf_cstr(&enc), "aws_profile: dev", "aws_profile: \"\"");

		ks_expect_no_key(dflt, "app.yaml", NULL, "UnrecognizedClientException");
		free(dflt);
	}
	ck_buf_dispose(&enc);
	ck_buf_dispose(&cred);
}

/* Wrong context, no credentials, bad ARNs, bad --encryption-context, KMS errors. */
static void failures(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, enc2;
	char *bad;
	int rc;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&enc2, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_KMS] = arn;
	o.kms_context = "app:web";
	assert_int_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK);

	bad = ks_replace(ck_buf_cstr(&enc), "app: web", "app: api");
	ks_expect_no_key(bad, "app.yaml", NULL, "InvalidCiphertextException");
	free(bad);
	bad = ks_replace(ck_buf_cstr(&enc), "          context:\n            app: web\n", "");
	ks_expect_no_key(bad, "app.yaml", NULL, "InvalidCiphertextException");
	free(bad);
	/* the blob names its key: decrypting it as another key is refused */
	bad = ks_replace(ck_buf_cstr(&enc), arn, arn2);
	ks_expect_no_key(bad, "app.yaml", NULL, "IncorrectKeyException");
	free(bad);

	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "no credentials");
	env_creds();
	setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret", 1);
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "InvalidSignatureException");
	env_creds();
	{
		struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;

		no.aws_max_retries = 0;
		ctl(&ad, "fail", "{\"target\":\"Decrypt\",\"type\":\"KMSInternalException\","
		                 "\"status\":500,\"count\":1}");
		ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", &no, "KMSInternalException");
		ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", &no);
	}

	/* encryption failures: nothing produced */
	o.keys[CK_SOPS_K_KMS] = "arn:aws:kms:us-east-1:111122223333:key/no-such-key";
	rc = ks_encrypt(&enc2, KS_PLAIN, &o, NULL);
	assert_int_equal(rc, CK_ENOTFOUND);
	assert_int_equal(ck_err_exit_code(rc), 128);
	assert_non_null(strstr(ck_err_last()->msg, "NotFoundException"));
	assert_int_equal(ck_buf_len(&enc2), 0);
	o.keys[CK_SOPS_K_KMS] = "arn:aws:iam::111122223333:key/x";
	rc = ks_encrypt(&enc2, KS_PLAIN, &o, NULL);
	assert_int_equal(rc, CK_EINVAL);
	assert_non_null(
	    strstr(ck_err_last()->msg, "no valid ARN found in 'arn:aws:iam::111122223333:key/x'"));
	assert_int_equal(ck_buf_len(&enc2), 0);
	o.keys[CK_SOPS_K_KMS] = arn;
	o.kms_context = "nocolon";
	rc = ks_encrypt(&enc2, KS_PLAIN, &o, NULL);
	assert_int_equal(ck_err_exit_code(rc), 6);
	assert_int_equal(ck_buf_len(&enc2), 0);
	ck_buf_dispose(&enc);
	ck_buf_dispose(&enc2);
}

/*
 * .sops.yaml: `kms` + `aws_profile` in a rule; key_groups with kms entries
 * (arn, role, context, aws_profile) and age, threshold 2.
 */
static void config_rules_and_groups(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, cfg, cred;
	const char *sops;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&cfg, 0);
	ck_buf_init(&cred, 0);
	assert_int_equal(ck_buf_printf(&cred, "[ci]\naws_access_key_id = %s\n"
	                                      "aws_secret_access_key = %s\n", KS_AKID, KS_SECRET),
	                 CK_OK);
	setenv("AWS_SHARED_CREDENTIALS_FILE", ks_write("credentials", ck_buf_cstr(&cred)), 1);
	assert_int_equal(ck_buf_printf(&cfg,
	                               "creation_rules:\n"
	                               "  - path_regex: \\.flat\\.yaml$\n"
	                               "    kms: %s,%s+%s\n"
	                               "    aws_profile: ci\n"
	                               "  - path_regex: \\.groups\\.yaml$\n"
	                               "    shamir_threshold: 2\n"
	                               "    key_groups:\n"
	                               "      - age: [%s]\n"
	                               "      - kms:\n"
	                               "          - arn: %s\n"
	                               "            role: %s\n"
	                               "            context: {team: pay, env: prod}\n"
	                               "            aws_profile: ci\n",
	                               arn, arn2, ROLE, ks_age_recipient(), arn, ROLE),
	                 CK_OK);
	ck_sops_opts_init(&o);
	o.config_path = ks_write("kms.sops.yaml", ck_buf_cstr(&cfg));
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");

	o.file_path = "x.flat.yaml";
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	sops = strstr(ck_buf_cstr(&enc), "\nsops:\n    kms:\n        - arn: ");
	assert_non_null(sops);
	assert_non_null(strstr(sops, "          aws_profile: ci\n          created_at: "));
	assert_non_null(strstr(sops, "          role: " ROLE "\n    lastmodified"));
	ks_expect_plain(ck_buf_cstr(&enc), "x.flat.yaml", NULL);
	ck_buf_reset(&enc);

	o.file_path = "x.groups.yaml";
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	sops = strstr(ck_buf_cstr(&enc), "        - age: []\n          hc_vault: []\n          kms:\n"
	                                 "            - arn: ");
	assert_non_null(sops);
	assert_non_null(strstr(sops, "              aws_profile: ci\n              context:\n"
	                             "                env: prod\n                team: pay\n"
	                             "              created_at: "));
	ks_age(1);
	ks_expect_plain(ck_buf_cstr(&enc), "x.groups.yaml", NULL);
	ks_age(0);
	ks_expect_no_key(ck_buf_cstr(&enc), "x.groups.yaml", NULL, "(2 of 2 key groups needed)");
	ks_age(1);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	ks_expect_no_key(ck_buf_cstr(&enc), "x.groups.yaml", NULL, "kms");
	ck_buf_dispose(&enc);
	ck_buf_dispose(&cfg);
	ck_buf_dispose(&cred);
}

/*
 * Three groups (age, Vault transit, KMS), threshold 2: every pair of
 * groups opens the file, no single group does.
 */
static void three_groups(void **state)
{
	struct ck_sops_opts o;
	struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;
	static const struct ck_aws_creds bad = { "AKIDNOBODY", "nope", NULL };
	struct ck_buf enc, cfg;
	int mask;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&cfg, 0);
	assert_int_equal(ck_buf_printf(&cfg,
	                               "creation_rules:\n"
	                               "  - shamir_threshold: 2\n"
	                               "    key_groups:\n"
	                               "      - age: [%s]\n"
	                               "      - hc_vault: [%s]\n"
	                               "      - kms: [{arn: %s}]\n",
	                               ks_age_recipient(), vuri, arn),
	                 CK_OK);
	ck_sops_opts_init(&o);
	o.config_path = ks_write("three.sops.yaml", ck_buf_cstr(&cfg));
	o.file_path = "three.yaml";
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	assert_non_null(strstr(ck_buf_cstr(&enc), "    shamir_threshold: 2\n"));
	no.vault_max_retries = 0;
	no.aws_max_retries = 0;
	for (mask = 0; mask < 8; mask++) {
		int n = (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1);

		ks_age(mask & 1);
		no.vault_token = (mask & 2) ? "root" : "no-such-token";
		no.aws_creds = (mask & 4) ? NULL : &bad;
		if (n >= 2)
			ks_expect_plain(ck_buf_cstr(&enc), "three.yaml", &no);
		else
			ks_expect_no_key(ck_buf_cstr(&enc), "three.yaml", &no, "(2 of 3 key groups needed)");
	}
	printf("three groups, threshold 2: 4 of 8 key subsets open the file, as expected\n");
	ck_buf_dispose(&enc);
	ck_buf_dispose(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arn_parsing),
		cmocka_unit_test_setup(roundtrip_and_layout, setup_each),
		cmocka_unit_test_setup(json_and_alias, setup_each),
		cmocka_unit_test_setup(role_assumption, setup_each),
		cmocka_unit_test_setup(aws_profile, setup_each),
		cmocka_unit_test_setup(failures, setup_each),
		cmocka_unit_test_setup(config_rules_and_groups, setup_each),
		cmocka_unit_test_setup(three_groups, setup_each),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
