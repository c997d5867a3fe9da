/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ESO's example manifests (../shared/vectors/eso): every file parses; the
 * ones cloak supports render against the Vault test double to the Secret
 * ESO would make (stated in full below, hashes computed independently with
 * Python's hashlib.sha3_224 over Go's "%+v" of the data map); the ones
 * outside the supported set, or without the credentials they name, fail
 * with a clear message. Provider failures never produce a Secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"
#include "ck/ext.h"
#include "ck/file.h"
#include "ck/http.h"
#include "ck/secret.h"
#include "ck_test.h"
#include "ckt_double.h"

static struct ckt_double dbl;
static const char *vec;
static struct ck_http_client *http;
static size_t n_render_ok, n_fail_ok;

static void control(const char *method, const char *path, const char *json)
{
	static const char *const hdr[] = { "X-Vault-Token: root", "Content-Type: application/json",
		                           NULL };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_request q;
	char url[512];

	memset(&q, 0, sizeof(q));
	snprintf(url, sizeof(url), "%s%s", dbl.url, path);
	q.method = method;
	q.url = url;
	q.headers = hdr;
	q.body = json;
	q.body_len = json ? strlen(json) : 0;
	assert_int_equal(ck_http_send(http, &q, &r), CK_OK);
	if (r.status >= 300)
		fail_msg("%s %s: %ld %s", method, path, r.status, ck_buf_cstr(&r.body));
	ck_http_response_dispose(&r);
}

static void put_secret(const char *path, const char *data_json)
{
	char p[256], body[2048];

	snprintf(p, sizeof(p), "/v1/secret/data/%s", path);
	snprintf(body, sizeof(body), "{\"data\":%s}", data_json);
	control("POST", p, body);
}

static void add_file(struct ck_ext_set *s, const char *path)
{
	struct ck_buf b;

	ck_buf_init(&b, 1 << 20);
	ckt_read(&b, path);
	if (ck_ext_set_add(s, path, ck_buf_cstr(&b), ck_buf_len(&b)) != CK_OK)
		fail_msg("%s: %s", path, ck_err_last()->msg);
	ck_buf_dispose(&b);
}

static void add_text(struct ck_ext_set *s, const char *name, const char *text)
{
	assert_int_equal(ck_ext_set_add(s, name, text, strlen(text)), CK_OK);
}

/* A vector's text with Helm's rendering applied to ESO's escaping idiom. */
static char *helm_rendered(const char *file)
{
	struct ck_buf in, out;
	char path[1024];
	const char *p;
	char *res;

	ck_buf_init(&in, 1 << 20);
	ck_buf_init(&out, 1 << 20);
	snprintf(path, sizeof(path), "%s/%s", vec, file);
	ckt_read(&in, path);
	p = ck_buf_cstr(&in);
	while (*p) {
		if (strncmp(p, "{{ printf \"{{ ", 14) == 0) {
			assert_int_equal(ck_buf_puts(&out, "{{ "), CK_OK);
			p += 14;
		} else if (strncmp(p, " }}\" }}", 7) == 0) {
			assert_int_equal(ck_buf_puts(&out, " }}"), CK_OK);
			p += 7;
		} else {
			assert_int_equal(ck_buf_putc(&out, *p++), CK_OK);
		}
	}
	res = strdup(ck_buf_cstr(&out));
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return res;
}

/* Render the ExternalSecret of es_file (a vector) with the other files; returns rc. */
static int render(const char *es_file, const char *const *files, const char *extra,
                  struct ck_buf *out, int max_retries)
{
	struct ck_ext_session_opts o = CK_EXT_SESSION_OPTS_INIT;
	struct ck_ext_set *s = NULL;
	struct ck_ext_session *sess = NULL;
	struct ck_ext_secret sec;
	char path[1024];
	size_t i;
	int rc;

	assert_int_equal(ck_ext_set_new(&s), CK_OK);
	if (strchr(es_file, '\n') != NULL) { /* manifest text, not a vector name */
		add_text(s, "es.yaml", es_file);
	} else {
		snprintf(path, sizeof(path), "%s/%s", vec, es_file);
		add_file(s, path);
	}
	for (i = 0; files && files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", vec, files[i]);
		add_file(s, path);
	}
	if (extra)
		add_text(s, "extra.yaml", extra);
	assert_int_equal(ck_ext_set_check(s), CK_OK);
	for (i = 0; i < s->nproblems; i++)
		fprintf(stderr, "problem: %s:%u: %s\n", s->problems[i].file, s->problems[i].line,
		        s->problems[i].msg);
	assert_int_equal(s->nproblems, 0);
	o.env = 1; /* VAULT_ADDR points at the double */
	o.max_retries = max_retries;
	o.retry_wait_ms = 10;
	assert_int_equal(ck_ext_session_new(&sess, s, &o), CK_OK);
	ck_ext_secret_init(&sec);
	assert_true(s->nes >= 1);
	rc = ck_ext_render(sess, s->es[0], &sec);
	if (rc == CK_OK) {
		assert_int_equal(sec.outcome, CK_EXT_SYNCED);
		assert_int_equal(ck_ext_secret_yaml(out, &sec), CK_OK);
	} else {
		assert_null(sec.data); /* nothing that could be written */
	}
	ck_ext_secret_dispose(&sec);
	ck_ext_session_free(sess);
	ck_ext_set_free(s);
	return rc;
}

static void expect_secret(const char *what, const char *es_file, const char *const *files,
                          const char *extra, const char *want)
{
	struct ck_buf out;
	int rc;

	ck_buf_init_secure(&out, 1 << 20);
	rc = render(es_file, files, extra, &out, 0);
	if (rc != CK_OK)
		fail_msg("%s: render failed: %s", what, ck_err_last()->msg);
	if (strcmp(ck_buf_cstr(&out), want) != 0)
		fail_msg("%s: want:\n%s\ngot:\n%s", what, want, ck_buf_cstr(&out));
	ck_buf_dispose(&out);
	n_render_ok++;
	printf("render ok: %s\n", what);
}

static void expect_failure(const char *what, const char *es_file, const char *const *files,
                           const char *extra, int code, const char *msg)
{
	struct ck_buf out;
	int rc;

	ck_buf_init_secure(&out, 1 << 20);
	rc = render(es_file, files, extra, &out, 0);
	if (rc != code || strstr(ck_err_last()->msg, msg) == NULL)
		fail_msg("%s: want error %d containing [%s], got %d [%s]", what, code, msg, rc,
		         rc < 0 ? ck_err_last()->msg : ck_buf_cstr(&out));
	assert_int_equal(ck_buf_len(&out), 0);
	ck_buf_dispose(&out);
	n_fail_ok++;
	printf("clear failure ok: %s: %s\n", what, ck_err_last()->msg);
}

/* ------------------------------------------------------------ parsing */

static void test_parse_all(void **state)
{
	static const char *const files[] = {
		"datafrom-rewrite-merge-empty.yaml",
		"provider-hashicorp-vault.md.block00-secretstore.yaml",
		"provider-hashicorp-vault.md.block03-externalsecret.yaml",
		"vault-anchore-engine-access-credentials-external-secret.yaml",
		"vault-approle-store.yaml",
		"vault-cert-store.yaml",
		"vault-jenkins-credential-github-ssh-access-external-secret.yaml",
		"vault-jenkins-credential-harbor-chart-robot-external-secret.yaml",
		"vault-jwt-store.yaml",
		"vault-kubernetes-store.yaml",
		"vault-token-store.yaml",
		"vault-userpass-store.yaml",
	};
	size_t i, nes = 0, nst = 0, nobj = 0;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct ck_ext_set *s = NULL;
		char path[1024];
		size_t k;

		assert_int_equal(ck_ext_set_new(&s), CK_OK);
		snprintf(path, sizeof(path), "%s/%s", vec, files[i]);
		add_file(s, path);
		assert_int_equal(ck_ext_set_check(s), CK_OK);
		for (k = 0; k < s->nproblems; k++)
			fprintf(stderr, "%s:%u: %s\n", s->problems[k].file, s->problems[k].line,
			        s->problems[k].msg);
		assert_int_equal(s->nproblems, 0);
		assert_true(s->nes + s->nstores >= 1);
		printf("parsed %-70s %zu ExternalSecret, %zu store, %zu Secret/ConfigMap\n", files[i],
		       s->nes, s->nstores, s->nobjects);
		nes += s->nes;
		nst += s->nstores;
		nobj += s->nobjects;
		ck_ext_set_free(s);
	}
	printf("eso vectors: %zu files parsed: %zu ExternalSecrets, %zu stores, %zu Secrets/ConfigMaps\n",
	       sizeof(files) / sizeof(files[0]), nes, nst, nobj);
	assert_int_equal(nes, 5);
	assert_int_equal(nst, 7);
	assert_int_equal(nobj, 2);
}

/* ------------------------------------------------------------ rendering */

/* A ClusterSecretStore "vault-backend" the Anchore and Jenkins examples name. */
static const char *const cluster_store =
	"apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata:\n  name: vault-backend\n"
	"spec:\n  provider:\n    vault:\n      server: http://vault.internal:8200\n      path: secret\n"
	"      version: v2\n      auth:\n        tokenSecretRef:\n          name: vault-token\n"
	"          namespace: external-secrets\n          key: token\n---\n"
	"apiVersion: v1\nkind: Secret\nmetadata:\n  name: vault-token\n  namespace: external-secrets\n"
	"stringData:\n  token: root\n";

static void test_render_examples(void **state)
{
	static const char *const block00[] = { "provider-hashicorp-vault.md.block00-secretstore.yaml",
		                               NULL };

	(void)state;
	expect_secret("docs/provider/hashicorp-vault.md block #3 with block #0 (metadataPolicy Fetch)",
	              "provider-hashicorp-vault.md.block03-externalsecret.yaml", block00, NULL,
	              "apiVersion: v1\n"
	              "data:\n"
	              "  developer: YWxpY2U=\n"
	              "  foobar: czNjcjN0\n"
	              "  tags: eyJjcmVhdGVkX3RpbWUiOiIyMDIzLTExLTE0VDIyOjEzOjIwLjAwMDAwMDAwMFoiLCJjdXJyZW50X3ZlcnNpb24iOiIxIiwiZGVsZXRlX3ZlcnNpb25fYWZ0ZXIiOiIwcyIsImRldiI6ImFsaWNlIn0=\n"
	              "kind: Secret\n"
	              "metadata:\n"
	              "  annotations:\n"
	              "    reconcile.external-secrets.io/data-hash: 5e47964f0a76c4b3b403b4716b8bdf624127aab64f62f37662398b9f\n"
	              "  labels:\n"
	              "    reconcile.external-secrets.io/created-by: 8e908466329bf15fa041793dcfa3c92ea8d61d1e833850edce7063bc\n"
	              "    reconcile.external-secrets.io/managed: \"true\"\n"
	              "  name: example-sync\n"
	              "  namespace: default\n"
	              "type: Opaque\n");
	expect_secret("docs/snippets/datafrom-rewrite-merge-empty.yaml (find + merge)",
	              "datafrom-rewrite-merge-empty.yaml", block00, NULL,
	              "apiVersion: v1\n"
	              "data:\n"
	              "  api-key: azE=\n"
	              "  password: ZGJwYXNz\n"
	              "  user: ZGJ1c2Vy\n"
	              "kind: Secret\n"
	              "metadata:\n"
	              "  annotations:\n"
	              "    reconcile.external-secrets.io/data-hash: 9e6b20f6cb6f0a0a89e1711deff1576e4d1a0d0015d3f58efc8c7693\n"
	              "  labels:\n"
	              "    reconcile.external-secrets.io/created-by: beea369fb4cdfbadb5a22663ced144d0fdf4405963c223dc252a801a\n"
	              "    reconcile.external-secrets.io/managed: \"true\"\n"
	              "  name: merge-basic-example\n"
	              "  namespace: default\n"
	              "type: Opaque\n");
	{
		/* the URLs ESO's buildPath gives for key "foo" with path "secret" */
		struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
		struct ck_http_request q;
		char url[256];

		memset(&q, 0, sizeof(q));
		snprintf(url, sizeof(url), "%s/_control/log", dbl.url);
		q.url = url;
		assert_int_equal(ck_http_send(http, &q, &r), CK_OK);
		assert_non_null(strstr(ck_buf_cstr(&r.body), "/v1/secret/data/foo"));
		assert_non_null(strstr(ck_buf_cstr(&r.body), "/v1/secret/metadata/foo"));
		assert_non_null(strstr(ck_buf_cstr(&r.body), "/v1/secret/metadata/path/to/secrets/"));
		ck_http_response_dispose(&r);
	}

	/*
	 * The Anchore and Jenkins examples were written for Helm: their template
	 * values are printf of a template text, which Go renders to that text.
	 */
	expect_secret("docs/snippets/vault-anchore-engine-access-credentials-external-secret.yaml",
	              "vault-anchore-engine-access-credentials-external-secret.yaml", NULL, cluster_store,
	              "apiVersion: v1\n"
	              "data:\n"
	              "  ANCHORE_ADMIN_PASSWORD: e3sgLnBhc3N3b3JkIHwgdG9TdHJpbmcgfX0=\n"
	              "  ANCHORE_ADMIN_USERNAME: e3sgLnVzZXJuYW1lIHwgdG9TdHJpbmcgfX0=\n"
	              "  ANCHORE_DB_PASSWORD: e3sgLmRiUGFzc3dvcmQgfCB0b1N0cmluZyB9fQ==\n"
	              "  db-url: e3sgLmRiVXJsIHwgdG9TdHJpbmcgfX0=\n"
	              "  db-user: e3sgLmRiVXNlciB8IHRvU3RyaW5nIH19\n"
	              "  postgres-password: e3sgLnBvc3RncmVzUGFzc3dvcmQgfCB0b1N0cmluZyB9fQ==\n"
	              "kind: Secret\n"
	              "metadata:\n"
	              "  annotations:\n"
	              "    reconcile.external-secrets.io/data-hash: bc67d26ecb5fcbdacbf52c1c9a8add5210b2aa6a005162d6e12772e8\n"
	              "  labels:\n"
	              "    reconcile.external-secrets.io/created-by: 01dd4907032485216134c7c29bf6cab03fceccd3f852bd2a1c2324a7\n"
	              "    reconcile.external-secrets.io/managed: \"true\"\n"
	              "  name: anchore-access-credentials\n"
	              "  namespace: security\n"
	              "type: Opaque\n");
	{
		char *helm = helm_rendered("vault-anchore-engine-access-credentials-external-secret.yaml");

		expect_secret("the Anchore example after Helm rendering", helm, NULL, cluster_store,
		              "apiVersion: v1\n"
		              "data:\n"
		              "  ANCHORE_ADMIN_PASSWORD: YWRtaW5wdw==\n"
		              "  ANCHORE_ADMIN_USERNAME: YWRtaW4=\n"
		              "  ANCHORE_DB_PASSWORD: ZGJwdw==\n"
		              "  db-url: cG9zdGdyZXNxbDovL2RiOjU0MzIvYW5jaG9yZQ==\n"
		              "  db-user: YW5jaG9yZQ==\n"
		              "  postgres-password: cGdwdw==\n"
		              "kind: Secret\n"
		              "metadata:\n"
		              "  annotations:\n"
		              "    reconcile.external-secrets.io/data-hash: d9754927113e955c2823018aa2c27306c38b5c04cf992f2486e67caf\n"
		              "  labels:\n"
		              "    reconcile.external-secrets.io/created-by: 01dd4907032485216134c7c29bf6cab03fceccd3f852bd2a1c2324a7\n"
		              "    reconcile.external-secrets.io/managed: \"true\"\n"
		              "  name: anchore-access-credentials\n"
		              "  namespace: security\n"
		              "type: Opaque\n");
		free(helm);
	}
	expect_secret("docs/snippets/vault-jenkins-credential-github-ssh-access-external-secret.yaml",
	              "vault-jenkins-credential-github-ssh-access-external-secret.yaml", NULL,
	              cluster_store,
	              "apiVersion: v1\n"
	              "data:\n"
	              "  privateKey: e3sgLnByaXZhdGVLZXkgfCB0b1N0cmluZyB9fQ==\n"
	              "  username: e3sgLnVzZXJuYW1lIHwgdG9TdHJpbmcgfX0=\n"
	              "kind: Secret\n"
	              "metadata:\n"
	              "  annotations:\n"
	              "    jenkins.io/credentials-description: github-ssh-access key\n"
	              "    reconcile.external-secrets.io/data-hash: 5302128d422d9564f68689925c0a4067562f977e467cd21fe290e129\n"
	              "  labels:\n"
	              "    jenkins.io/credentials-type: basicSSHUserPrivateKey\n"
	              "    reconcile.external-secrets.io/created-by: 4ad32c559301d02f2e8d24385210131ff91c2c41166cfc207e397e97\n"
	              "    reconcile.external-secrets.io/managed: \"true\"\n"
	              "  name: github-ssh-access\n"
	              "  namespace: ci\n"
	              "type: Opaque\n");
	expect_secret("docs/snippets/vault-jenkins-credential-harbor-chart-robot-external-secret.yaml",
	              "vault-jenkins-credential-harbor-chart-robot-external-secret.yaml", NULL,
	              cluster_store,
	              "apiVersion: v1\n"
	              "data:\n"
	              "  password: e3sgLnBhc3N3b3JkIHwgdG9TdHJpbmcgfX0=\n"
	              "  username: e3sgLnVzZXJuYW1lIHwgdG9TdHJpbmcgfX0=\n"
	              "kind: Secret\n"
	              "metadata:\n"
	              "  annotations:\n"
	              "    jenkins.io/credentials-description: harbor chart robot\n"
	              "    reconcile.external-secrets.io/data-hash: d8221161dff3c399be11270ff122859f60b3baaea578c8eed123c2c9\n"
	              "  labels:\n"
	              "    jenkins.io/credentials-type: usernamePassword\n"
	              "    reconcile.external-secrets.io/created-by: d30dbab123a2db4f772c5d9a17f2e7b70a421fc69875b4244e83606e\n"
	              "    reconcile.external-secrets.io/managed: \"true\"\n"
	              "  name: harbor-chart-robot\n"
	              "  namespace: ci\n"
	              "type: Opaque\n");
}

/* ESO's store examples: each serves a probe ExternalSecret in namespace example. */
static const char *const probe_es =
	"apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: probe\n"
	"  namespace: example\nspec:\n  secretStoreRef:\n    name: vault-backend\n    kind: SecretStore\n"
	"  data:\n  - secretKey: foobar\n    remoteRef:\n      key: foo\n      property: my-value\n";

/* The Secret my-secret the store examples reference, with every key they use. */
static const char *const my_secret =
	"apiVersion: v1\nkind: Secret\nmetadata:\n  name: my-secret\n  namespace: example\n"
	"stringData:\n  vault-token: root\n  secret-id: approle-secret-id\n  jwt-token: jwt-from-secret\n"
	"  password: userpass-pw\n  vault: k8s-sa-jwt\n";

static const char *const probe_secret =
	"apiVersion: v1\n"
	"data:\n"
	"  foobar: czNjcjN0\n"
	"kind: Secret\n"
	"metadata:\n"
	"  annotations:\n"
	"    reconcile.external-secrets.io/data-hash: bb537cc12adb2f991b639a2d0956eaf5a2fdfd1bd969c046008814fd\n"
	"  labels:\n"
	"    reconcile.external-secrets.io/created-by: c060ac809508952478e35e3203c107cc4d949ad32910df824d4f2de2\n"
	"    reconcile.external-secrets.io/managed: \"true\"\n"
	"  name: probe\n"
	"  namespace: example\n"
	"type: Opaque\n";

static void test_render_stores(void **state)
{
	static const char *const token[] = { "vault-token-store.yaml", NULL };
	static const char *const approle[] = { "vault-approle-store.yaml", NULL };
	static const char *const jwt[] = { "vault-jwt-store.yaml", NULL };
	static const char *const userpass[] = { "vault-userpass-store.yaml", NULL };
	static const char *const k8s[] = { "vault-kubernetes-store.yaml", NULL };
	static const char *const cert[] = { "vault-cert-store.yaml", NULL };
	char cluster_probe[1024];
	const char *p;

	(void)state;
	expect_secret("docs/snippets/vault-token-store.yaml (tokenSecretRef)", probe_es, token,
	              my_secret, probe_secret);
	expect_secret("docs/snippets/vault-approle-store.yaml (appRole login)", probe_es, approle,
	              my_secret, probe_secret);
	expect_secret("docs/snippets/vault-jwt-store.yaml (jwt login, secretRef first)", probe_es,
	              jwt, my_secret, probe_secret);
	expect_secret("docs/snippets/vault-userpass-store.yaml (userpass login)", probe_es, userpass,
	              my_secret, probe_secret);
	/* kubernetes: serviceAccountRef wins, and needs a cluster */
	expect_failure("docs/snippets/vault-kubernetes-store.yaml without a cluster", probe_es, k8s,
	               my_secret, CK_ENOTFOUND,
	               "serviceAccountRef \"my-sa\") needs the cluster's TokenRequest API; and no VAULT_TOKEN");
	setenv("VAULT_TOKEN", "root", 1);
	expect_secret("docs/snippets/vault-kubernetes-store.yaml with the person's VAULT_TOKEN",
	              probe_es, k8s, my_secret, probe_secret);
	unsetenv("VAULT_TOKEN");
	/* cert: the CA ConfigMap it names is not given (nor is a real client certificate) */
	p = strstr(probe_es, "  secretStoreRef");
	snprintf(cluster_probe, sizeof(cluster_probe), "%.*s  secretStoreRef:\n    name: vault-cert-auth\n"
	         "    kind: ClusterSecretStore\n%s", (int)(p - probe_es), probe_es,
	         strstr(probe_es, "  data:"));
	expect_failure("docs/snippets/vault-cert-store.yaml (caProvider ConfigMap absent)",
	               cluster_probe, cert, NULL, CK_ENOTFOUND,
	               "spec.provider.vault.caProvider: ConfigMap external-secrets/vault-ca-bundle (key \"ca.crt\") not found");
}

/* Provider failures: clear errors, never a Secret. */
static void test_failures(void **state)
{
	static const char *const token[] = { "vault-token-store.yaml", NULL };
	const char *nope = "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n"
	                   "  name: probe\n  namespace: example\nspec:\n  target: {deletionPolicy: Delete}\n"
	                   "  secretStoreRef:\n    name: vault-backend\n    kind: SecretStore\n"
	                   "  data:\n  - secretKey: foobar\n    remoteRef:\n      key: foo\n      property: my-value\n";
	char weak[512];

	(void)state;
	expect_failure("missing path", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	               "metadata: {name: probe, namespace: example}\nspec:\n"
	               "  secretStoreRef: {name: vault-backend}\n"
	               "  data:\n  - secretKey: a\n    remoteRef: {key: nope}\n",
	               token, my_secret, CK_ENOTFOUND, "spec.data[0] (key: nope)");
	expect_failure("missing property", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	               "metadata: {name: probe, namespace: example}\nspec:\n"
	               "  secretStoreRef: {name: vault-backend}\n"
	               "  data:\n  - secretKey: a\n    remoteRef: {key: foo, property: nope}\n",
	               token, my_secret, CK_ENOTFOUND, "cannot find secret data for key: \"nope\"");
	put_secret("gone", "{\"v\":\"1\"}");
	control("POST", "/v1/secret/delete/gone", "{\"versions\":[1]}");
	expect_failure("soft-deleted version", "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	               "metadata: {name: probe, namespace: example}\nspec:\n"
	               "  secretStoreRef: {name: vault-backend}\n"
	               "  data:\n  - secretKey: a\n    remoteRef: {key: gone, property: v}\n",
	               token, my_secret, CK_ENOTFOUND, "spec.data[0] (key: gone)");
	control("POST", "/_control/seal", "{\"sealed\":true}");
	expect_failure("Vault sealed (503)", nope, token, my_secret, CK_ENET, "Vault is sealed");
	control("POST", "/_control/seal", "{\"sealed\":false}");
	control("POST", "/_control/token", "{\"id\":\"weak\",\"policies\":[\"default\"]}");
	snprintf(weak, sizeof(weak), "%s", my_secret);
	memcpy(strstr(weak, "vault-token: root"), "vault-token: weak", 17);
	expect_failure("403 permission denied (even with deletionPolicy Delete)", nope, token, weak,
	               CK_EDENIED, "permission denied");
	control("POST", "/_control/fail",
	        "{\"match\":\"secret/data/foo\",\"action\":\"malformed\",\"count\":1}");
	expect_failure("malformed JSON answer", nope, token, my_secret, CK_EINVAL, "probe");
	control("POST", "/_control/fail/clear", NULL);
	setenv("VAULT_ADDR", "http://127.0.0.1:1", 1);
	expect_failure("connection refused", nope, token, my_secret, CK_ENET, "SecretStore example/vault-backend");
	setenv("VAULT_ADDR", dbl.url, 1);
}

static int setup(void **state)
{
	static const char *const auth[] = {
		"{\"type\":\"approle\",\"role_id\":\"db02de05-fa39-4855-059b-67221c5c2f63\","
		"\"secret_id\":\"approle-secret-id\",\"policies\":[\"reader\"]}",
		"{\"type\":\"kubernetes\",\"role\":\"demo\",\"jwt\":\"k8s-sa-jwt\",\"policies\":[\"reader\"]}",
		"{\"type\":\"jwt\",\"role\":\"vault-jwt-role\",\"jwt\":\"jwt-from-secret\",\"policies\":[\"reader\"]}",
		"{\"type\":\"userpass\",\"username\":\"username\",\"password\":\"userpass-pw\","
		"\"policies\":[\"reader\"]}",
	};
	struct ck_http_opts ho;
	size_t i;

	(void)state;
	memset(&ho, 0, sizeof(ho));
	assert_int_equal(ck_http_client_new(&http, &ho), CK_OK);
	control("POST", "/_control/clock", "{\"set\":1700000000}");
	control("POST", "/_control/policy",
	        "{\"name\":\"reader\",\"rules\":[{\"path\":\"secret/*\",\"capabilities\":[\"read\",\"list\"]}]}");
	for (i = 0; i < sizeof(auth) / sizeof(auth[0]); i++)
		control("POST", "/_control/auth", auth[i]);
	put_secret("foo", "{\"my-value\":\"s3cr3t\"}");
	control("POST", "/v1/secret/metadata/foo", "{\"custom_metadata\":{\"dev\":\"alice\"}}");
	put_secret("anchore-engine",
	           "{\"ANCHORE_ADMIN_PASSWORD\":\"adminpw\",\"ANCHORE_ADMIN_USERNAME\":\"admin\","
	           "\"ANCHORE_DB_PASSWORD\":\"dbpw\",\"db-url\":\"postgresql://db:5432/anchore\","
	           "\"db-user\":\"anchore\",\"postgres-password\":\"pgpw\"}");
	put_secret("my-kv",
	           "{\"github-ssh-access-username\":\"git\",\"github-ssh-access-private-key\":\"KEY\","
	           "\"harbor-chart-robot-username\":\"robot$chart\",\"harbor-chart-robot-token\":\"tok\"}");
	put_secret("path/to/secrets/db-credentials", "{\"user\":\"dbuser\",\"password\":\"dbpass\"}");
	put_secret("path/to/secrets/api-credentials", "{\"api-key\":\"k1\"}");
	put_secret("path/to/secrets/readme", "{\"not\":\"matched\"}");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ck_http_client_free(http);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_all),
		cmocka_unit_test_setup_teardown(test_render_examples, setup, NULL),
		cmocka_unit_test(test_render_stores),
		cmocka_unit_test_setup_teardown(test_failures, NULL, teardown),
	};
	int rc;

	if (ck_core_init() < 0 || ck_net_init() < 0)
		return 1;
	vec = ckt_vectors("eso");
	ckt_double_start(&dbl, "vault_double.py", "--root-token", "root", NULL);
	setenv("VAULT_ADDR", dbl.url, 1);
	unsetenv("VAULT_TOKEN");
	unsetenv("VAULT_NAMESPACE");
	setenv("HOME", ckt_tmpdir(), 1); /* no ~/.vault-token */
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	printf("eso render: %zu Secrets as expected, %zu clear failures as expected\n", n_render_ok,
	       n_fail_ok);
	ckt_double_stop(&dbl);
	ck_net_cleanup();
	return rc;
}
