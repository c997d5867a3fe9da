/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every Vault response sample in ../shared/vectors/vault goes through the
 * real client code (a transport seam answers with the sample) and must give
 * the values the sample holds; every request sample must equal (as JSON) the
 * body the client sends for the same call. Prints counts.
 */
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/vault.h"
#include "ck_test.h"

static const char *dir;
static int responses, requests;

/* One canned answer, and what the client sent. */
struct canned {
	long status;
	struct ck_buf body;
	char method[16];
	char url[1024];
	struct ck_buf sent;
};

static struct canned k;

static int send_canned(void *ctx, struct ck_http_exchange *x)
{
	const struct ck_http_request *req = ck_http_exchange_request(x);
	int rc;

	(void)ctx;
	snprintf(k.method, sizeof(k.method), "%s", ck_http_exchange_method(x));
	snprintf(k.url, sizeof(k.url), "%s", req->url);
	ck_buf_reset(&k.sent);
	if (req->body != NULL && ck_buf_put(&k.sent, req->body, req->body_len) < 0)
		return CK_ENOMEM;
	ck_http_exchange_status(x, k.status);
	if ((rc = ck_http_exchange_header(x, "Content-Type", 12, "application/json", 16)) < 0)
		return rc;
	return ck_http_exchange_body(x, ck_buf_data(&k.body), ck_buf_len(&k.body));
}

static const struct ck_http_transport transport = { send_canned, NULL };

static void answer(long status, const char *file)
{
	k.status = status;
	ck_buf_reset(&k.body);
	ckt_readf(&k.body, "%s/%s", dir, file);
	responses++;
}

static struct ck_vault *client(void)
{
	struct ck_vault_config c = { 0 };
	struct ck_vault *v = NULL;

	c.addr = "https://vault.example:8200";
	c.max_retries = 0;
	c.transport = &transport;
	assert_int_equal(ck_vault_new(&v, &c), CK_OK);
	return v;
}

/* A client holding a token, without any exchange. */
static struct ck_vault *authed(void)
{
	struct ck_vault *v = client();
	struct ck_vault_auth a = { 0 };

	answer(200, "token-lookup-self.response.json");
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = "cf64a70f-3a12-3f6c-791d-6cef6d390eed";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	return v;
}

/* Structural JSON equality (object key order ignored). */
static int same_node(const struct ck_doc_node *a, const struct ck_doc_node *b)
{
	a = ck_doc_resolve(a);
	b = ck_doc_resolve(b);
	if (a->kind != b->kind)
		return 0;
	if (a->kind == CK_DOC_SCALAR)
		return (a->style == CK_DOC_DQUOTED) == (b->style == CK_DOC_DQUOTED) &&
		       a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
	if (a->nkids != b->nkids)
		return 0;
	if (a->kind == CK_DOC_SEQ) {
		for (size_t i = 0; i < a->nkids; i++)
			if (!same_node(a->kids[i], b->kids[i]))
				return 0;
		return 1;
	}
	for (size_t i = 0; i + 1 < a->nkids; i += 2) {
		const struct ck_doc_node *o = ck_doc_map_get(b, a->kids[i]->text);

		if (o == NULL || !same_node(a->kids[i + 1], o))
			return 0;
	}
	return 1;
}

static void sent_equals(const char *file)
{
	struct ck_buf want;
	struct ck_doc *a = NULL, *b = NULL;

	ck_buf_init(&want, 0);
	ckt_readf(&want, "%s/%s", dir, file);
	assert_int_equal(ck_doc_parse_json(&a, ck_buf_cstr(&want), ck_buf_len(&want), 0), CK_OK);
	assert_int_equal(ck_doc_parse_json(&b, ck_buf_cstr(&k.sent), ck_buf_len(&k.sent), 0), CK_OK);
	if (!same_node(a->docs[0], b->docs[0]))
		fail_msg("%s: client sent %s", file, ck_buf_cstr(&k.sent));
	requests++;
	ck_doc_free(a);
	ck_doc_free(b);
	ck_buf_dispose(&want);
}

static const char *str_of(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *n = map ? ck_doc_map_get(map, key) : NULL;

	return n && n->kind == CK_DOC_SCALAR ? n->text : NULL;
}

static void kv(void **state)
{
	struct ck_vault *v = authed();
	struct ck_vault_kv s = { 0 };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const struct ck_doc_node *keys;
	int64_t ver = -1;

	(void)state;
	answer(200, "kv2-read-secret-full-envelope.response.json");
	assert_int_equal(ck_vault_kv_read(v, &s, "kv", "myapp/config", 2, 0), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/kv/data/myapp/config");
	assert_string_equal(str_of(s.data, "password"), "password");
	assert_string_equal(str_of(s.data, "username"), "appuser");
	assert_int_equal(ck_doc_map_len(s.data), 2);
	assert_int_equal(s.version, 3);
	assert_string_equal(s.created_time, "2019-10-07T22:18:44.233247Z");
	assert_string_equal(s.deletion_time, "");
	assert_false(s.deleted);
	assert_false(s.destroyed);
	assert_null(s.custom_metadata);

	answer(200, "kv2-read-secret-version.response.json");
	assert_int_equal(ck_vault_kv_read(v, &s, "secret", "my-secret", 2, 2), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/secret/data/my-secret?version=2");
	assert_string_equal(str_of(s.data, "foo"), "bar");
	assert_int_equal(s.version, 2);
	assert_string_equal(str_of(s.custom_metadata, "owner"), "jdoe");
	assert_string_equal(str_of(s.custom_metadata, "mission_critical"), "false");
	assert_int_equal(ck_doc_resolve(ck_doc_map_get(s.custom_metadata, "mission_critical"))->style,
	                 CK_DOC_DQUOTED); /* a string, not a boolean */

	answer(200, "kv2-list-secrets.response.json");
	assert_int_equal(ck_vault_kv_list(v, &r, "secret", "", 2, &keys), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/secret/metadata/?list=true");
	assert_string_equal(k.method, "GET");
	assert_int_equal(keys->nkids, 2);
	assert_string_equal(keys->kids[0]->text, "foo");
	assert_string_equal(keys->kids[1]->text, "foo/");

	answer(200, "kv2-read-metadata.response.json");
	assert_int_equal(ck_vault_kv_metadata(v, &r, "secret", "my-secret"), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/secret/metadata/my-secret");
	assert_string_equal(str_of(r.data, "current_version"), "3");
	assert_string_equal(str_of(r.data, "delete_version_after"), "3h25m19s");
	assert_string_equal(str_of(r.data, "cas_required"), "false");
	assert_string_equal(str_of(ck_doc_map_get(r.data, "custom_metadata"), "baz"),
	                    "5c07d823-3810-48f6-a147-4c06b5219e84");
	assert_int_equal(ck_doc_map_len(ck_doc_map_get(r.data, "versions")), 3);
	assert_string_equal(str_of(ck_doc_map_get(ck_doc_map_get(r.data, "versions"), "2"),
	                           "created_time"), "2018-03-22T02:36:33.954880664Z");

	answer(200, "kv2-write-secret.response.json");
	assert_int_equal(ck_vault_kv_write(v, "secret", "my-secret", 2,
	                                   "{\"foo\":\"bar\",\"zip\":\"zap\"}", 0, &ver), CK_OK);
	assert_string_equal(k.method, "POST");
	assert_string_equal(k.url, "https://vault.example:8200/v1/secret/data/my-secret");
	sent_equals("kv2-write-secret.request.json");
	assert_int_equal(ver, 1);

	answer(200, "kv1-read-secret.response.json");
	assert_int_equal(ck_vault_kv_read(v, &s, "secret", "my-secret", 1, 0), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/secret/my-secret");
	assert_string_equal(str_of(s.data, "foo"), "bar");
	assert_string_equal(str_of(s.data, "ttl"), "1h");
	assert_string_equal(str_of(s.r.root, "lease_duration"), "3600");
	assert_null(s.metadata);

	answer(200, "kv1-list-secrets.response.json");
	assert_int_equal(ck_vault_kv_list(v, &r, "secret", "my-secret", 1, &keys), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/secret/my-secret/?list=true");
	assert_int_equal(keys->nkids, 2);
	assert_string_equal(keys->kids[1]->text, "foo/");

	/* a KV v1 body read as v2 is not taken for a secret */
	answer(200, "kv1-read-secret.response.json");
	assert_int_equal(ck_vault_kv_read(v, &s, "secret", "my-secret", 2, 0), CK_EINVAL);
	assert_null(s.data);

	ck_vault_response_dispose(&r);
	ck_vault_kv_dispose(&s);
	ck_vault_free(v);
}

static void transit(void **state)
{
	struct ck_vault *v = authed();
	struct ck_buf ct, pt;
	static const char fox[] = "the quick brown fox\n";

	(void)state;
	ck_buf_init(&ct, 0);
	ck_buf_init_secure(&pt, 0);
	answer(200, "transit-encrypt.response.json");
	assert_int_equal(ck_vault_transit_encrypt(v, &ct, "transit", "my-key", fox, strlen(fox),
	                                          NULL, 0), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/transit/encrypt/my-key");
	sent_equals("transit-encrypt.request.json");
	assert_string_equal(ck_buf_cstr(&ct), "vault:v1:XjsPWPjqPrBi1N2Ms2s1QM798YyFWnO4TR4lsFA=");

	answer(200, "transit-decrypt.response.json");
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "my-key", ck_buf_cstr(&ct),
	                                          NULL, 0), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/transit/decrypt/my-key");
	sent_equals("transit-decrypt.request.json");
	assert_int_equal(ck_buf_len(&pt), strlen(fox));
	assert_memory_equal(ck_buf_data(&pt), fox, strlen(fox));
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
	ck_vault_free(v);
}

static void logins(void **state)
{
	struct ck_vault *v = client();
	struct ck_vault_auth a = { 0 };
	struct ck_vault_token_info info;

	(void)state;
	answer(200, "auth-approle-login.response.json");
	a.method = CK_VAULT_AUTH_APPROLE;
	a.role_id = "59d6d1ca-47bb-4e7e-a40b-8be3bc5a0ba8";
	a.secret_id = "84896a0c-1347-aa90-a4f6-aca8b7558780";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/auth/approle/login");
	sent_equals("auth-approle-login.request.json");
	assert_string_equal(ck_vault_token(v), "5b1a0318-679c-9c45-e5c6-d1b9a9035d49");

	answer(200, "auth-userpass-login.response.json");
	memset(&a, 0, sizeof(a));
	a.method = CK_VAULT_AUTH_USERPASS;
	a.username = "mitchellh";
	a.password = "superSecretPassword2";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/auth/userpass/login/mitchellh");
	sent_equals("auth-userpass-login.request.json");
	assert_string_equal(ck_vault_token(v), "hvs.CAESIJyeFmhLYRWVXPJStT3fDP1ZdFkon_otuk1sJUpkfk_"
	                                       "WGh4KHGh2cy5xdW9XVHBnVUwwbzB1ZEhzZkpkRmVoU08");

	answer(200, "auth-kubernetes-login.response.json");
	memset(&a, 0, sizeof(a));
	a.method = CK_VAULT_AUTH_KUBERNETES;
	a.role = "dev-role";
	a.jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/auth/kubernetes/login");
	sent_equals("auth-kubernetes-login.request.json");
	assert_string_equal(ck_vault_token(v), "62b858f9-529c-6b26-e0b8-0457b6aacdb4");

	answer(200, "token-lookup-self.response.json");
	assert_int_equal(ck_vault_token_lookup(v, &info), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/auth/token/lookup-self");
	assert_int_equal(info.ttl, 2764790);
	assert_true(info.renewable);
	assert_false(info.batch);
	assert_true(info.expires);
	assert_string_equal(info.expire_time, "2018-05-19T11:35:54.466476215-04:00");
	assert_string_equal(info.accessor, "8609694a-cdbc-db9b-d345-e782dbb562ed");

	answer(200, "token-renew-self.response.json");
	assert_int_equal(ck_vault_token_renew(v, 3600), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/auth/token/renew-self");
	assert_string_equal(ck_buf_cstr(&k.sent), "{\"increment\":\"3600s\"}");
	requests++; /* same request as the sample ("1h" written as seconds) */
	ck_vault_free(v);
}

static void health_and_errors(void **state)
{
	struct ck_vault *v = client();
	struct ck_vault_health h;
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;

	(void)state;
	answer(200, "sys-health.response.json");
	assert_int_equal(ck_vault_health(v, &h), CK_OK);
	assert_string_equal(k.url, "https://vault.example:8200/v1/sys/health");
	assert_int_equal(h.status, 200);
	assert_true(h.initialized);
	assert_false(h.sealed);
	assert_false(h.standby);
	assert_string_equal(h.version, "0.9.2");

	answer(200, "sys-health-custom-codes.response.json");
	assert_int_equal(ck_vault_health(v, &h), CK_OK);
	assert_string_equal(h.version, "1.14.8");
	/* the same body with a sealed status: still a health answer */
	answer(503, "sys-health-custom-codes.response.json");
	assert_int_equal(ck_vault_health(v, &h), CK_OK);
	assert_int_equal(h.status, 503);

	answer(400, "error-response.json");
	assert_int_equal(ck_vault_request(v, "GET", "secret/data/x", NULL, NULL, &r), CK_EINVAL);
	assert_string_equal(ck_err_last()->msg,
	                    "vault: GET secret/data/x: HTTP 400: message; another message");
	answer(403, "error-response.json");
	assert_int_equal(ck_vault_request(v, "GET", "secret/data/x", NULL, NULL, &r), CK_EDENIED);
	ck_vault_response_dispose(&r);
	ck_vault_free(v);
}

static void counts(void **state)
{
	(void)state;
	printf("vault vectors: %d response samples parsed through the client, %d request "
	       "samples matched\n", responses, requests);
	assert_true(responses >= 20);
	assert_int_equal(requests, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kv),
		cmocka_unit_test(transit),
		cmocka_unit_test(logins),
		cmocka_unit_test(health_and_errors),
		cmocka_unit_test(counts),
	};
	int rc;

	dir = ckt_vectors("vault");
	ck_buf_init(&k.body, 0);
	ck_buf_init(&k.sent, 0);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ck_buf_dispose(&k.body);
	ck_buf_dispose(&k.sent);
	return rc;
}
