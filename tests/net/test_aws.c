/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AWS clients against tests/doubles/aws_double.py (strict SigV4 check):
 * KMS, Secrets Manager, the credential chain (config, environment, shared
 * files and profiles, web identity via STS, AssumeRole), endpoint and region
 * resolution, retries and failures.
 */
#include <stdlib.h>
#include <string.h>

#include "ck/aws.h"
#include "ck/file.h"
#include "ck_test.h"
#include "ckt_double.h"
#include "netctl.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static struct ckt_double ad;
static char key_arn[256], key_id[128];
static time_t client_now;
static int sleeps;

static time_t fake_now(void *arg)
{
	(void)arg;
	return client_now ? client_now : time(NULL);
}

static void fake_sleep(void *arg, long ms)
{
	(void)arg;
	(void)ms;
	sleeps++;
}

static void clear_env(void)
{
	static const char *const vars[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY",
		"AWS_SECRET_KEY", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION",
		"AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_ROLE_SESSION_NAME", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_STS", "AWS_CONFIG_FILE",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE", "http_proxy", "HTTP_PROXY",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	setenv("HOME", ckt_tmpdir(), 1); /* no ~/.aws of the machine */
}

static int setup_all(void **state)
{
	const char *r;

	(void)state;
	clear_env();
	ckt_double_start(&ad, "aws_double.py", NULL);
	r = ctl(&ad, "kms_key", "{\"alias\":\"sops\"}");
	assert_int_equal(sscanf(strstr(r, "\"KeyId\": \"") + 10, "%127[^\"]", key_id), 1);
	assert_int_equal(sscanf(strstr(r, "\"Arn\": \"") + 8, "%255[^\"]", key_arn), 1);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	ckt_double_stop(&ad);
	ck_net_cleanup();
	return 0;
}

static struct ck_aws *client_with(const char *akid, const char *secret, const char *region)
{
	struct ck_aws_config c = { 0 };
	struct ck_aws *a = NULL;

	c.no_env = 1;
	c.region = region;
	c.endpoint_url = ad.url;
	c.creds.access_key_id = akid;
	c.creds.secret_access_key = secret;
	c.max_retries = 3;
	c.now = fake_now;
	c.sleep_ms = fake_sleep;
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	return a;
}

static void kms(void **state)
{
	struct ck_aws *a = client_with(AKID, SECRET, "us-east-1");
	struct ck_buf blob, arn, pt;
	const struct ck_aws_pair ctx[] = { { "app", "web" }, { "env", "prod" } };
	const struct ck_aws_pair ctx2[] = { { "app", "web" }, { "env", "dev" } };
	char alias_arn[256];
	uint8_t dk[32];

	(void)state;
	for (int i = 0; i < 32; i++)
		dk[i] = (uint8_t)(200 - i);
	ck_buf_init(&blob, 0);
	ck_buf_init(&arn, 0);
	ck_buf_init_secure(&pt, 0);
	/* by alias, with a context; the service answers with the key ARN */
	if (ck_aws_kms_encrypt(a, &blob, &arn, "alias/sops", dk, 32, ctx, 2)) fail_msg("%s", ck_err_last()->msg);
	assert_string_equal(ck_buf_cstr(&arn), key_arn);
	assert_true(ck_buf_len(&blob) > 32);
	assert_int_equal(log_count(&ad, "POST", "target", "TrentService.Encrypt"), 1);
	/* decrypt without KeyId: the blob names its key */
	assert_int_equal(ck_aws_kms_decrypt(a, &pt, NULL, ck_buf_data(&blob), ck_buf_len(&blob), ctx,
	                                    2), CK_OK);
	assert_int_equal(ck_buf_len(&pt), 32);
	assert_memory_equal(ck_buf_data(&pt), dk, 32);
	/* by key ARN (whose region picks the endpoint's signing region) */
	ck_buf_reset(&pt);
	assert_int_equal(ck_aws_kms_decrypt(a, &pt, key_arn, ck_buf_data(&blob), ck_buf_len(&blob),
	                                    ctx, 2), CK_OK);
	assert_memory_equal(ck_buf_data(&pt), dk, 32);
	/* the context is bound: different or missing -> InvalidCiphertextException */
	ck_buf_reset(&pt);
	assert_int_equal(ck_aws_kms_decrypt(a, &pt, NULL, ck_buf_data(&blob), ck_buf_len(&blob),
	                                    ctx2, 2), CK_EAUTH);
	assert_non_null(strstr(ck_err_last()->msg, "InvalidCiphertextException"));
	assert_int_equal(ck_aws_kms_decrypt(a, &pt, NULL, ck_buf_data(&blob), ck_buf_len(&blob),
	                                    NULL, 0), CK_EAUTH);
	assert_int_equal(ck_buf_len(&pt), 0);
	/* another key named for a blob of this one: IncorrectKeyException */
	{
		const char *r = ctl(&ad, "kms_key", "{\"alias\":\"other\"}");
		char other[256];

		assert_int_equal(sscanf(strstr(r, "\"Arn\": \"") + 8, "%255[^\"]", other), 1);
		assert_int_equal(ck_aws_kms_decrypt(a, &pt, other, ck_buf_data(&blob),
		                                    ck_buf_len(&blob), ctx, 2), CK_EAUTH);
		assert_non_null(strstr(ck_err_last()->msg, "IncorrectKeyException"));
	}
	/* tampered blob */
	{
		uint8_t *m = ck_buf_mutable(&blob);

		m[ck_buf_len(&blob) - 20] ^= 1;
		assert_int_equal(ck_aws_kms_decrypt(a, &pt, NULL, ck_buf_data(&blob), ck_buf_len(&blob),
		                                    ctx, 2), CK_EAUTH);
	}
	/* key id and alias ARN resolve too */
	ck_buf_reset(&blob);
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, key_id, dk, 1, NULL, 0), CK_OK);
	snprintf(alias_arn, sizeof(alias_arn), "arn:aws:kms:us-east-1:111122223333:alias/sops");
	ck_buf_reset(&blob);
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, alias_arn, dk, 1, NULL, 0), CK_OK);
	/* unknown key, disabled key, plaintext limits */
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/nope", dk, 1, NULL, 0),
	                 CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "aws: kms Encrypt: NotFoundException"));
	ctl(&ad, "kms_key", "{\"id\":\"dis-key\",\"enabled\":false}");
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "dis-key", dk, 1, NULL, 0), CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "DisabledException"));
	{
		static uint8_t big[4097];

		assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, key_id, big, 4097, NULL, 0),
		                 CK_EINVAL);
	}
	ck_buf_dispose(&blob);
	ck_buf_dispose(&arn);
	ck_buf_dispose(&pt);
	ck_aws_free(a);
}

static void signatures(void **state)
{
	struct ck_aws *a;
	struct ck_buf blob;
	uint8_t one = 1;

	(void)state;
	ck_buf_init(&blob, 0);
	a = client_with(AKID, "not-the-secret", "us-east-1");
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0),
	                 CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "InvalidSignatureException: The request "
	                                           "signature we calculated does not match"));
	assert_null(strstr(ck_err_last()->msg, "not-the-secret"));
	ck_aws_free(a);
	a = client_with("AKIDUNKNOWN", SECRET, "us-east-1");
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0),
	                 CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "UnrecognizedClientException"));
	ck_aws_free(a);
	/* the credential scope's region must be the endpoint's */
	a = client_with(AKID, SECRET, "eu-west-1");
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0),
	                 CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "region"));
	ck_aws_free(a);
	/* our clock 10 minutes off: Signature expired */
	a = client_with(AKID, SECRET, "us-east-1");
	client_now = time(NULL) + 600;
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0),
	                 CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "Signature expired"));
	client_now = 0;
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0), CK_OK);
	ck_aws_free(a);
	/* temporary keys: the session token must be sent and signed */
	ctl(&ad, "key", "{\"akid\":\"ASIATEMP\",\"secret\":\"tmpsecret\",\"token\":\"tok+/=\"}");
	a = client_with("ASIATEMP", "tmpsecret", "us-east-1");
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0),
	                 CK_EDENIED); /* no token given */
	ck_aws_free(a);
	{
		struct ck_aws_config c = { 0 };

		c.no_env = 1;
		c.region = "us-east-1";
		c.endpoint_url = ad.url;
		c.creds.access_key_id = "ASIATEMP";
		c.creds.secret_access_key = "tmpsecret";
		c.creds.session_token = "tok+/=";
		assert_int_equal(ck_aws_new(&a, &c), CK_OK);
		assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0),
		                 CK_OK);
		ck_aws_free(a);
	}
	ck_buf_dispose(&blob);
}

static void secrets_manager(void **state)
{
	struct ck_aws *a = client_with(AKID, SECRET, "us-east-1");
	struct ck_aws_secret s;
	char arn[512];
	const char *r;

	(void)state;
	ck_aws_secret_init(&s);
	ctl(&ad, "secret", "{\"name\":\"app/db\",\"string\":\"{\\\"user\\\":\\\"u1\\\"}\","
	    "\"version_id\":\"v-1\"}");
	r = ctl(&ad, "secret", "{\"name\":\"app/db\",\"string\":\"{\\\"user\\\":\\\"u2\\\"}\","
	        "\"version_id\":\"v-2\"}");
	assert_int_equal(sscanf(strstr(r, "\"ARN\": \"") + 8, "%511[^\"]", arn), 1);
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "app/db", NULL, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&s.value), "{\"user\":\"u2\"}");
	assert_false(s.binary);
	assert_string_equal(s.version_id, "v-2");
	assert_string_equal(s.stages, "AWSCURRENT");
	assert_string_equal(s.name, "app/db");
	assert_string_equal(s.arn, arn);
	assert_true(s.created_date > 1.6e9);
	assert_true(ck_buf_is_secure(&s.value));
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, arn, NULL, "AWSPREVIOUS"), CK_OK);
	assert_string_equal(ck_buf_cstr(&s.value), "{\"user\":\"u1\"}");
	assert_string_equal(s.stages, "AWSPREVIOUS");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "app/db", "v-1", NULL), CK_OK);
	assert_string_equal(s.version_id, "v-1");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "app/db", "v-9", NULL), CK_ENOTFOUND);
	assert_int_equal(ck_buf_len(&s.value), 0);
	/* binary secrets are decoded */
	ctl(&ad, "secret", "{\"name\":\"bin\",\"binary_b64\":\"AAEC/w==\"}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "bin", NULL, NULL), CK_OK);
	assert_true(s.binary);
	assert_int_equal(ck_buf_len(&s.value), 4);
	assert_int_equal(ck_buf_data(&s.value)[3], 0xff);
	/* missing and scheduled for deletion */
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "nope", NULL, NULL), CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "ResourceNotFoundException"));
	ctl(&ad, "secret", "{\"name\":\"bin\",\"deleted\":true}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "bin", NULL, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "marked for deletion"));
	assert_int_equal(ck_buf_len(&s.value), 0);
	ck_aws_secret_dispose(&s);
	ck_aws_free(a);
}

static void failures(void **state)
{
	struct ck_aws *a = client_with(AKID, SECRET, "us-east-1");
	struct ck_aws_secret s;

	(void)state;
	ck_aws_secret_init(&s);
	ctl(&ad, "secret", "{\"name\":\"f\",\"string\":\"val\"}");
	/* throttling twice, then success */
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"type\":\"ThrottlingException\","
	    "\"count\":2}");
	ctl_clear_log(&ad);
	sleeps = 0;
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&s.value), "val");
	assert_int_equal(log_count(&ad, "POST", "target", "GetSecretValue"), 3);
	assert_int_equal(sleeps, 2);
	/* 5xx retried; a namespaced __type is understood */
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"type\":\"InternalServiceError\","
	    "\"status\":500,\"count\":1}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_OK);
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\","
	    "\"type\":\"com.amazonaws.secretsmanager#AccessDeniedException\",\"message\":\"no\","
	    "\"count\":1}");
	ctl_clear_log(&ad);
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_EDENIED);
	assert_string_equal(ck_err_last()->msg, "aws: secretsmanager GetSecretValue: "
	                                        "AccessDeniedException: no");
	assert_int_equal(log_count(&ad, "POST", "target", "GetSecretValue"), 1);
	/* throttled beyond the retry limit: a clear network-class error */
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"type\":\"ThrottlingException\","
	    "\"count\":10}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_ENET);
	assert_int_equal(ck_buf_len(&s.value), 0);
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"count\":0}");
	{
		/* drain what is left of the 10 */
		int tries = 0;

		while (ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL) != CK_OK && tries++ < 5)
			;
	}
	/* malformed and oversized answers, dropped connection */
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"action\":\"malformed\",\"count\":1}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_EINVAL);
	assert_int_equal(ck_buf_len(&s.value), 0);
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"action\":\"oversize\",\"size\":9000000,"
	    "\"count\":1}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_ETOOBIG);
	ctl(&ad, "fail", "{\"target\":\"GetSecretValue\",\"action\":\"drop\",\"count\":1}");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "f", NULL, NULL), CK_OK);
	ck_aws_secret_dispose(&s);
	ck_aws_free(a);
}

static void write_file(const char *path, const char *text)
{
	assert_int_equal(ck_file_write_atomic(path, text, strlen(text), 0600), CK_OK);
}

static void env_and_profiles(void **state)
{
	struct ck_aws *a = NULL;
	struct ck_aws_creds cr;
	struct ck_aws_secret s;
	const char *where;
	char cred[4096], conf[4096];
	const char *dir = ckt_tmpdir();

	(void)state;
	ck_aws_secret_init(&s);
	clear_env();
	ctl(&ad, "secret", "{\"name\":\"e\",\"string\":\"env-ok\"}");
	/* nothing configured: a clear error */
	assert_int_equal(ck_aws_new(&a, NULL), CK_OK);
	assert_string_equal(ck_aws_region(a), "");
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "AWS_ACCESS_KEY_ID"));
	ck_aws_free(a);

	/* environment keys, region and a per-service endpoint */
	setenv("AWS_ACCESS_KEY_ID", AKID, 1);
	setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", ad.url, 1);
	assert_int_equal(ck_aws_new(&a, NULL), CK_OK);
	assert_string_equal(ck_aws_region(a), "us-east-1");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "e", NULL, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&s.value), "env-ok");
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(where, "environment");
	ck_aws_free(a);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_REGION");

	/* shared files: credentials file keys win over config; region from the profile */
	snprintf(cred, sizeof(cred), "%s/credentials", dir);
	snprintf(conf, sizeof(conf), "%s/config", dir);
	write_file(cred, "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = x\n\n"
	                 "# comment\n[dev]\naws_access_key_id = " AKID "\n"
	                 "aws_secret_access_key = " SECRET "\n");
	write_file(conf, "[default]\nregion = eu-central-1\n\n[profile  dev]\nregion = us-east-1\n"
	                 "aws_access_key_id = AKIDFROMCONFIG\ns3 =\n  max_concurrent_requests = 2\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	setenv("AWS_CONFIG_FILE", conf, 1);
	assert_int_equal(ck_aws_new(&a, NULL), CK_OK);
	assert_string_equal(ck_aws_region(a), "eu-central-1");
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(cr.access_key_id, "AKIDDEFAULT");
	assert_string_equal(where, "profile default");
	ck_aws_free(a);
	setenv("AWS_PROFILE", "dev", 1);
	assert_int_equal(ck_aws_new(&a, NULL), CK_OK);
	assert_string_equal(ck_aws_region(a), "us-east-1");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "e", NULL, NULL), CK_OK);
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(cr.access_key_id, AKID);
	assert_string_equal(where, "profile dev");
	ck_aws_free(a);
	/* an explicit profile that does not exist */
	setenv("AWS_PROFILE", "prod", 1);
	setenv("AWS_REGION", "us-east-1", 1);
	assert_int_equal(ck_aws_new(&a, NULL), CK_OK);
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "e", NULL, NULL), CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "profile 'prod' not found"));
	ck_aws_free(a);
	clear_env();
	ck_aws_secret_dispose(&s);
}

static void web_identity(void **state)
{
	struct ck_aws_config c = { 0 };
	struct ck_aws *a = NULL;
	struct ck_aws_creds cr;
	struct ck_buf blob;
	const char *where;
	char tok[4096], role_body[4200], first_akid[64];
	const char *dir = ckt_tmpdir();
	uint8_t one = 7;

	(void)state;
	clear_env();
	ck_buf_init(&blob, 0);
	snprintf(tok, sizeof(tok), "%s/irsa-token", dir);
	write_file(tok, "jwt-one\n");
	snprintf(role_body, sizeof(role_body), "{\"role_arn\":\"arn:aws:iam::111122223333:role/app\","
	         "\"token_file\":\"%s\",\"duration\":3600}", tok);
	ctl(&ad, "sts", "%s", role_body);
	setenv("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/app", 1);
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", tok, 1);
	setenv("AWS_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL", ad.url, 1); /* STS and KMS */
	c.now = fake_now;
	c.sleep_ms = fake_sleep;
	c.max_retries = 1;
	client_now = time(NULL);
	ctl_clear_log(&ad);
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0), CK_OK);
	assert_int_equal(log_count(&ad, "POST", "target", "AssumeRoleWithWebIdentity"), 1);
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(where, "web identity");
	assert_int_equal(strncmp(cr.access_key_id, "ASIA", 4), 0);
	/* the STS session token carries XML-escaped characters; it was decoded right
	   or the strict signature/token check of the KMS call would have failed */
	assert_non_null(strstr(cr.session_token, "&<>"));
	snprintf(first_akid, sizeof(first_akid), "%s", cr.access_key_id);
	/* cached: no second STS call */
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0), CK_OK);
	assert_int_equal(log_count(&ad, "POST", "target", "AssumeRoleWithWebIdentity"), 1);
	/* 5 minutes before expiry: refreshed, reading the rotated token file */
	write_file(tok, "jwt-two\n");
	client_now += 3600 - 299;
	ctl(&ad, "clock", "{\"advance\":3301}");
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0), CK_OK);
	assert_int_equal(log_count(&ad, "POST", "target", "AssumeRoleWithWebIdentity"), 2);
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_not_equal(cr.access_key_id, first_akid);
	ck_aws_free(a);
	/* a token the IdP does not accept */
	ctl(&ad, "sts", "{\"role_arn\":\"arn:aws:iam::111122223333:role/app\","
	    "\"token_file\":\"/nonexistent\"}");
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "InvalidIdentityToken"));
	assert_null(strstr(ck_err_last()->msg, "jwt-two"));
	ck_aws_free(a);
	/* ESO's auth.jwt: a token handed over directly, no file, no environment */
	clear_env();
	write_file(tok, "jwt-given\n");
	ctl(&ad, "sts", "%s", role_body);
	memset(&c, 0, sizeof(c));
	c.no_env = 1;
	c.region = "us-east-1";
	c.endpoint_url = ad.url;
	c.web_identity_token = "jwt-given";
	c.web_identity_role_arn = "arn:aws:iam::111122223333:role/app";
	c.now = fake_now;
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	assert_int_equal(ck_aws_kms_encrypt(a, &blob, NULL, "alias/sops", &one, 1, NULL, 0), CK_OK);
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(where, "web identity (given token)");
	ck_aws_free(a);
	c.web_identity_role_arn = NULL;
	assert_int_equal(ck_aws_new(&a, &c), CK_EINVAL);
	client_now = 0;
	ctl(&ad, "clock", "{\"reset\":true}");
	clear_env();
	ck_buf_dispose(&blob);
}

static void assume_role(void **state)
{
	struct ck_aws_config c = { 0 };
	struct ck_aws *a = NULL;
	struct ck_aws_creds cr;
	struct ck_aws_secret s;
	const char *where;
	char conf[4096], cred[4096];
	const char *dir = ckt_tmpdir();

	(void)state;
	clear_env();
	ck_aws_secret_init(&s);
	ctl(&ad, "sts", "{\"role_arn\":\"arn:aws:iam::111122223333:role/deploy\"}");
	ctl(&ad, "secret", "{\"name\":\"ar\",\"string\":\"assumed\"}");
	/* config.role_arn on top of static keys (sops `role`) */
	c.no_env = 1;
	c.region = "us-east-1";
	c.endpoint_url = ad.url;
	c.creds.access_key_id = AKID;
	c.creds.secret_access_key = SECRET;
	c.role_arn = "arn:aws:iam::111122223333:role/deploy";
	ctl_clear_log(&ad);
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	if (ck_aws_sm_get_secret_value(a, &s, "ar", NULL, NULL) != CK_OK)
		fail_msg("%s", ck_err_last()->msg);
	assert_string_equal(ck_buf_cstr(&s.value), "assumed");
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(where, "configuration + assumed role");
	assert_int_equal(strncmp(cr.access_key_id, "ASIA", 4), 0);
	assert_int_equal(log_count(&ad, "POST", "target", "AssumeRole"), 1);
	ck_aws_free(a);
	/* a role nobody may assume */
	c.role_arn = "arn:aws:iam::111122223333:role/forbidden";
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "ar", NULL, NULL), CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "sts AssumeRole: AccessDenied"));
	ck_aws_free(a);
	/* a profile with role_arn + source_profile */
	snprintf(cred, sizeof(cred), "%s/cred2", dir);
	snprintf(conf, sizeof(conf), "%s/conf2", dir);
	write_file(cred, "[base]\naws_access_key_id=" AKID "\naws_secret_access_key=" SECRET "\n");
	write_file(conf, "[profile deployer]\nrole_arn = arn:aws:iam::111122223333:role/deploy\n"
	                 "source_profile = base\nregion = us-east-1\n");
	setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
	setenv("AWS_CONFIG_FILE", conf, 1);
	setenv("AWS_ENDPOINT_URL", ad.url, 1);
	memset(&c, 0, sizeof(c));
	c.profile = "deployer";
	assert_int_equal(ck_aws_new(&a, &c), CK_OK);
	assert_string_equal(ck_aws_region(a), "us-east-1");
	assert_int_equal(ck_aws_sm_get_secret_value(a, &s, "ar", NULL, NULL), CK_OK);
	assert_int_equal(ck_aws_credentials(a, &cr, &where), CK_OK);
	assert_string_equal(where, "profile deployer (assumed role)");
	ck_aws_free(a);
	clear_env();
	ck_aws_secret_dispose(&s);
}

static void parsers(void **state)
{
	struct ck_buf k, s, t;
	time_t exp;
	static const char xml[] =
		"<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
		"<Credentials><SessionToken>a&amp;b&lt;c&#x41;</SessionToken>"
		"<SecretAccessKey>sec/ret+</SecretAccessKey>"
		"<Expiration>2014-10-24T23:00:23Z</Expiration>"
		"<AccessKeyId>ASIAEXAMPLE</AccessKeyId></Credentials>"
		"</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
	static const char err[] = "{\"__type\":\"com.amazonaws.kms#NotFoundException\","
	                          "\"message\":\"Key 'x' does not exist\"}";

	(void)state;
	ck_buf_init(&k, 0);
	ck_buf_init_secure(&s, 0);
	ck_buf_init_secure(&t, 0);
	assert_int_equal(ck_aws_sts_parse_credentials(&k, &s, &t, &exp, xml, strlen(xml)), CK_OK);
	assert_string_equal(ck_buf_cstr(&k), "ASIAEXAMPLE");
	assert_string_equal(ck_buf_cstr(&s), "sec/ret+");
	assert_string_equal(ck_buf_cstr(&t), "a&b<cA");
	assert_int_equal((long long)exp, 1414191623LL);
	ck_buf_reset(&k);
	assert_int_equal(ck_aws_sts_parse_credentials(&k, &s, &t, &exp, xml, 60), CK_EINVAL);
	assert_int_equal(ck_aws_error_from_response("kms Decrypt", 400, err, strlen(err), NULL),
	                 CK_ENOTFOUND);
	assert_string_equal(ck_err_last()->msg,
	                    "aws: kms Decrypt: NotFoundException: Key 'x' does not exist");
	assert_int_equal(ck_aws_error_from_response("kms Decrypt", 400, "{}", 2,
	                                            "ThrottlingException:http://internal"), CK_ENET);
	assert_int_equal(ck_aws_error_from_response("kms Decrypt", 503, "<html>", 6, NULL), CK_ENET);
	assert_non_null(strstr(ck_err_last()->msg, "HTTP 503 (body is not JSON)"));
	ck_buf_dispose(&k);
	ck_buf_dispose(&s);
	ck_buf_dispose(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kms),
		cmocka_unit_test(signatures),
		cmocka_unit_test(secrets_manager),
		cmocka_unit_test(failures),
		cmocka_unit_test(env_and_profiles),
		cmocka_unit_test(web_identity),
		cmocka_unit_test(assume_role),
		cmocka_unit_test(parsers),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
