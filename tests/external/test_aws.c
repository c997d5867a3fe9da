/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AWS Secrets Manager provider against the AWS test double (strict
 * SigV4): credentials from the Secrets the store references, version stages
 * and "uuid/" version ids, gjson properties with ESO's dot escaping, raw
 * JSON values in dataFrom.extract, SecretBinary, the store prefix, and clear
 * errors for what is missing or outside the supported set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"
#include "ck/ext.h"
#include "ck/http.h"
#include "ck/secret.h"
#include "ck_test.h"
#include "ckt_double.h"

static struct ckt_double dbl;
static struct ck_http_client *http;

static void control(const char *path, const char *json)
{
	static const char *const hdr[] = { "Content-Type: application/json", NULL };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_request q;
	char url[512];

	memset(&q, 0, sizeof(q));
	snprintf(url, sizeof(url), "%s%s", dbl.url, path);
	q.method = "POST";
	q.url = url;
	q.headers = hdr;
	q.body = json;
	q.body_len = strlen(json);
	assert_int_equal(ck_http_send(http, &q, &r), CK_OK);
	if (r.status >= 300)
		fail_msg("%s: %ld %s", path, r.status, ck_buf_cstr(&r.body));
	ck_http_response_dispose(&r);
}

#define STORE                                                                                      \
	"apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: aws, namespace: apps}\n" \
	"spec:\n  provider:\n    aws:\n      service: SecretsManager\n      region: eu-west-1\n"      \
	"      auth:\n        secretRef:\n          accessKeyIDSecretRef: {name: awssm, key: id}\n"  \
	"          secretAccessKeySecretRef: {name: awssm, key: secret}\n---\n"                       \
	"apiVersion: v1\nkind: Secret\nmetadata: {name: awssm, namespace: apps}\n"                    \
	"stringData:\n  id: AKIDTEST\n  secret: test-secret-key\n---\n"

#define ES_HEAD                                                                                    \
	"apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: app, namespace: apps}\n" \
	"spec:\n  secretStoreRef: {name: aws}\n"

static int render(const char *yaml, struct ck_ext_secret *sec)
{
	struct ck_ext_session_opts o = CK_EXT_SESSION_OPTS_INIT;
	struct ck_ext_set *s = NULL;
	struct ck_ext_session *sess = NULL;
	size_t i;
	int rc;

	assert_int_equal(ck_ext_set_new(&s), CK_OK);
	assert_int_equal(ck_ext_set_add(s, "t.yaml", yaml, strlen(yaml)), CK_OK);
	assert_int_equal(ck_ext_set_check(s), CK_OK);
	for (i = 0; i < s->nproblems; i++)
		fprintf(stderr, "problem: %s\n", s->problems[i].msg);
	o.max_retries = 0;
	assert_int_equal(ck_ext_session_new(&sess, s, &o), CK_OK);
	ck_ext_secret_init(sec);
	rc = ck_ext_render(sess, s->es[s->nes - 1], sec);
	ck_ext_session_free(sess);
	ck_ext_set_free(s);
	return rc;
}

static void want(const struct ck_ext_secret *sec, const char *key, const char *val)
{
	size_t n;
	const uint8_t *v = ck_ext_map_get(sec->data, key, strlen(key), &n);

	if (v == NULL)
		fail_msg("key %s missing", key);
	if (n != strlen(val) || memcmp(v, val, n) != 0)
		fail_msg("key %s: want [%s] got [%.*s]", key, val, (int)n, (const char *)v);
}

static void test_values(void **state)
{
	struct ck_ext_secret sec;

	(void)state;
	control("/_control/secret", "{\"name\":\"db\",\"version_id\":\"v-old\",\"string\":\"{\\\"user\\\":\\\"old\\\"}\"}");
	control("/_control/secret",
	        "{\"name\":\"db\",\"version_id\":\"v-new\",\"string\":\"{\\\"user\\\": \\\"admin\\\", \\\"port\\\": 5432,"
	        " \\\"tls\\\": {\\\"ca\\\": \\\"C\\\", \\\"on\\\": true}, \\\"a.b\\\": \\\"dotted\\\", \\\"n\\\": 1.50}\"}");
	control("/_control/secret", "{\"name\":\"blob\",\"binary_b64\":\"AAECAw==\"}");
	control("/_control/secret", "{\"name\":\"team/token\",\"string\":\"plain-token\"}");
	assert_int_equal(render(STORE ES_HEAD
	                        "  data:\n"
	                        "  - secretKey: user\n    remoteRef: {key: db, property: user}\n"
	                        "  - secretKey: ca\n    remoteRef: {key: db, property: tls.ca}\n"
	                        "  - secretKey: dotted\n    remoteRef: {key: db, property: a.b}\n"
	                        "  - secretKey: n\n    remoteRef: {key: db, property: n}\n"
	                        "  - secretKey: prev\n    remoteRef: {key: db, property: user, version: AWSPREVIOUS}\n"
	                        "  - secretKey: byid\n    remoteRef: {key: db, property: user, version: uuid/v-old}\n"
	                        "  - secretKey: whole\n    remoteRef: {key: team/token}\n"
	                        "  - secretKey: bin\n    remoteRef: {key: blob}\n"
	                        "  dataFrom:\n  - extract: {key: db}\n",
	                        &sec),
	                 CK_OK);
	want(&sec, "user", "admin");
	want(&sec, "ca", "C");
	want(&sec, "dotted", "dotted");
	want(&sec, "n", "1.5");
	want(&sec, "prev", "old");
	want(&sec, "byid", "old");
	want(&sec, "whole", "plain-token");
	{
		size_t n;
		const uint8_t *v = ck_ext_map_get(sec.data, "bin", 3, &n);

		assert_int_equal(n, 4);
		assert_memory_equal(v, "\0\1\2\3", 4);
	}
	/* extract keeps non-string values as the raw JSON the service returned */
	want(&sec, "port", "5432");
	want(&sec, "tls", "{\"ca\": \"C\", \"on\": true}");
	want(&sec, "a.b", "dotted");
	ck_ext_secret_dispose(&sec);

	/* the store prefix is put before every key */
	assert_int_equal(render("apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: aws, namespace: apps}\n"
	                        "spec:\n  provider:\n    aws:\n      service: SecretsManager\n      region: eu-west-1\n"
	                        "      prefix: team/\n      auth:\n        secretRef:\n"
	                        "          accessKeyIDSecretRef: {name: awssm, key: id}\n"
	                        "          secretAccessKeySecretRef: {name: awssm, key: secret}\n---\n"
	                        "apiVersion: v1\nkind: Secret\nmetadata: {name: awssm, namespace: apps}\n"
	                        "stringData:\n  id: AKIDTEST\n  secret: test-secret-key\n---\n" ES_HEAD
	                        "  data:\n  - secretKey: t\n    remoteRef: {key: token}\n",
	                        &sec),
	                 CK_OK);
	want(&sec, "t", "plain-token");
	ck_ext_secret_dispose(&sec);
}

static void test_errors(void **state)
{
	struct ck_ext_secret sec;

	(void)state;
	control("/_control/secret", "{\"name\":\"doomed\",\"string\":\"x\",\"deleted\":true}");
	assert_int_equal(render(STORE ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: nope}\n", &sec),
	                 CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "spec.data[0] (key: nope)"));
	assert_null(sec.data);
	ck_ext_secret_dispose(&sec);
	assert_int_equal(render(STORE ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: db, property: nope}\n", &sec),
	                 CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "key nope does not exist in secret db"));
	ck_ext_secret_dispose(&sec);
	/* scheduled for deletion: ESO treats it as no secret; with Delete the entry is skipped */
	assert_int_equal(render(STORE ES_HEAD "  target: {deletionPolicy: Delete}\n"
	                        "  data:\n  - secretKey: a\n    remoteRef: {key: doomed}\n", &sec),
	                 CK_OK);
	assert_int_equal(sec.outcome, CK_EXT_DELETED);
	ck_ext_secret_dispose(&sec);
	/* wrong credentials: the double verifies SigV4 */
	assert_int_equal(render("apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: aws, namespace: apps}\n"
	                        "spec:\n  provider:\n    aws:\n      service: SecretsManager\n      region: eu-west-1\n"
	                        "      auth:\n        secretRef:\n          accessKeyIDSecretRef: {name: awssm, key: id}\n"
	                        "          secretAccessKeySecretRef: {name: awssm, key: secret}\n---\n"
	                        "apiVersion: v1\nkind: Secret\nmetadata: {name: awssm, namespace: apps}\n"
	                        "stringData:\n  id: AKIDTEST\n  secret: wrong\n---\n" ES_HEAD
	                        "  data:\n  - secretKey: a\n    remoteRef: {key: db}\n",
	                        &sec),
	                 CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "signature"));
	assert_null(sec.data);
	ck_ext_secret_dispose(&sec);
	/* outside the supported set: clear errors */
	assert_int_equal(render(STORE ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: db, metadataPolicy: Fetch}\n",
	                        &sec),
	                 CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "problem"));
	ck_ext_secret_dispose(&sec);
	assert_int_equal(render(STORE ES_HEAD "  dataFrom:\n  - find: {name: {regexp: \".*\"}}\n", &sec),
	                 CK_EINVAL);
	ck_ext_secret_dispose(&sec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};
	struct ck_http_opts ho;
	int rc;

	if (ck_core_init() < 0 || ck_net_init() < 0)
		return 1;
	ckt_double_start(&dbl, "aws_double.py", "--region", "eu-west-1", "--akid", "AKIDTEST",
	                 "--secret", "test-secret-key", NULL);
	setenv("AWS_ENDPOINT_URL", dbl.url, 1);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_PROFILE");
	setenv("HOME", ckt_tmpdir(), 1);
	memset(&ho, 0, sizeof(ho));
	if (ck_http_client_new(&http, &ho) != CK_OK)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ck_http_client_free(http);
	ckt_double_stop(&dbl);
	ck_net_cleanup();
	return rc;
}
