/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ESO manifests of ../shared/vectors/eso, applied to the fake API
 * server with the Vault double behind their stores (server URLs pointed at
 * it, namespaces kept apart), produce the Secrets ESO would make; each
 * expected Secret is stated here. Stores are proven by an ExternalSecret
 * that reads through them. What cloak does not support is refused with a
 * Ready=False condition naming the feature (extra manifests at the end, as
 * every vector is within the supported set). Prints per-file outcomes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_test.h"
#include "rc.h"
#include "ck/ctl_ext.h"
#include "ck/log.h"
#include "ck/secret.h"

static struct {
	struct fake f;
	struct ckt_double vault;
	struct ck_kube *kube;
	struct ck_kube_conn *kc;
	struct ck_ctl_metrics *m;
	struct ck_ctl_ext *x;
	const char *dir;
	int synced, refused;
} E;

static int setup(void **state)
{
	struct ck_ctl_ext_opts o;

	(void)state;
	E.dir = ckt_vectors("eso");
	assert_int_equal(ck_core_init(), CK_OK);
	assert_int_equal(ck_net_init(), CK_OK);
	if (getenv("CK_TEST_DEBUG"))
		ck_log_set_level(CK_LOG_DEBUG);
	rc_fake_start(&E.f, "test-token");
	ckt_double_start(&E.vault, "vault_double.py", "--root-token", "root", NULL);
	E.kube = fake_kube(&E.f, "test-token", -1);
	assert_int_equal(ck_kube_conn_new(&E.kc, E.kube), CK_OK);
	E.m = ck_ctl_metrics_new();
	memset(&o, 0, sizeof(o));
	o.instance = "vectors";
	o.workers = 2;
	o.vault_max_retries = 0;
	o.watch_min_s = 2;
	o.watch_max_s = 4;
	assert_int_equal(ck_ctl_ext_new(&E.x, E.kube, E.m, &o), CK_OK);
	assert_int_equal(ck_ctl_ext_start_informers(E.x), CK_OK);
	WAIT_UNTIL(10000, ck_ctl_ext_synced(E.x));
	assert_int_equal(ck_ctl_ext_start_workers(E.x), CK_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ck_ctl_ext_free(E.x);
	ck_kube_conn_free(E.kc);
	ck_kube_free(E.kube);
	ck_ctl_metrics_free(E.m);
	ckt_double_stop(&E.vault);
	fake_stop(&E.f);
	printf("eso vectors: %d Secret(s) as ESO makes them, %d refused with a condition\n",
	       E.synced, E.refused);
	return 0;
}

/* A vector file with every `from` replaced by `to` (pairs, NULL-terminated); caller frees. */
static char *vector(const char *name, ...)
{
	struct ck_buf b = CK_BUF_INIT, o = CK_BUF_INIT;
	va_list ap;
	const char *from, *to;
	char *res;

	ckt_readf(&b, "%s/%s", E.dir, name);
	va_start(ap, name);
	while ((from = va_arg(ap, const char *)) != NULL) {
		const char *p = ck_buf_cstr(&b), *q;

		to = va_arg(ap, const char *);
		ck_buf_reset(&o);
		while ((q = strstr(p, from)) != NULL) {
			assert_int_equal(ck_buf_put(&o, p, (size_t)(q - p)), CK_OK);
			assert_int_equal(ck_buf_puts(&o, to), CK_OK);
			p = q + strlen(from);
		}
		assert_int_equal(ck_buf_puts(&o, p), CK_OK);
		ck_buf_reset(&b);
		assert_int_equal(ck_buf_putb(&b, &o), CK_OK);
	}
	va_end(ap);
	res = ck_strdup(ck_buf_cstr(&b));
	ck_buf_dispose(&b);
	ck_buf_dispose(&o);
	return res;
}

static void want_value(const char *ns, const char *name, const char *key, const char *want)
{
	char got[4096];

	WAIT_UNTIL(20000, rc_secret_is(E.kc, ns, name, key, want));
	assert_true(rc_secret_value(E.kc, ns, name, key, got, sizeof(got)));
	assert_string_equal(got, want);
}

/* The Secret has exactly these data keys (NULL-terminated). */
static void want_keys(const char *ns, const char *name, ...)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *data;
	char path[300];
	va_list ap;
	const char *k;
	size_t n = 0;

	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/%s", ns, name);
	assert_int_equal(kube_get(E.kc, &r, path), 200);
	data = ck_doc_map_get(r.obj, "data");
	va_start(ap, name);
	while ((k = va_arg(ap, const char *)) != NULL) {
		if (ck_doc_map_get(data, k) == NULL)
			fail_msg("Secret %s/%s has no key %s", ns, name, k);
		n++;
	}
	va_end(ap);
	assert_int_equal(ck_doc_map_len(data), n);
	ck_kube_resp_dispose(&r);
}

static void outcome(const char *file, const char *what)
{
	printf("  %-64s %s\n", file, what);
}

/* ---------------------------------------------------- the documented example */

static void test_doc_example(void **state)
{
	char *store, *es, tags[2048];
	struct ck_doc *d = NULL;

	(void)state;
	vault_ctl(&E.vault, "kv", "{\"mount\":\"secret\",\"path\":\"foo\",\"data\":{\"my-value\":"
	          "\"s3cr3t\"},\"custom_metadata\":{\"dev\":\"alice\",\"owner\":\"team-a\"}}");
	kube_namespace(E.kc, "v-doc");
	store = vector("provider-hashicorp-vault.md.block00-secretstore.yaml",
	               "http://my.vault.server:8200", E.vault.url, NULL);
	es = vector("provider-hashicorp-vault.md.block03-externalsecret.yaml", NULL);
	assert_true(rc_apply(E.kc, store, "v-doc") < 300);
	assert_true(rc_apply(E.kc, es, "v-doc") < 300);
	/* the Secret the page says ESO makes (foobar: czNjcjN0), plus the metadata keys */
	want_value("v-doc", "example-sync", "foobar", "s3cr3t");
	want_value("v-doc", "example-sync", "developer", "alice");
	assert_true(rc_secret_value(E.kc, "v-doc", "example-sync", "tags", tags, sizeof(tags)));
	assert_int_equal(ck_doc_parse_json(&d, tags, strlen(tags), 0), CK_OK);
	assert_string_equal(ck_doc_map_get_str(d->docs[0], "dev"), "alice");
	assert_string_equal(ck_doc_map_get_str(d->docs[0], "owner"), "team-a");
	assert_string_equal(ck_doc_map_get_str(d->docs[0], "current_version"), "1");
	assert_non_null(ck_doc_map_get_str(d->docs[0], "created_time"));
	assert_non_null(ck_doc_map_get_str(d->docs[0], "delete_version_after"));
	assert_int_equal(ck_doc_map_len(d->docs[0]), 5);
	/* Go's json.Marshal: keys sorted, compact */
	assert_true(strncmp(tags, "{\"created_time\":\"", 17) == 0);
	want_keys("v-doc", "example-sync", "foobar", "tags", "developer", NULL);
	ck_doc_free(d);
	E.synced++;
	outcome("provider-hashicorp-vault.md.block00-secretstore.yaml", "store: token auth, Ready");
	outcome("provider-hashicorp-vault.md.block03-externalsecret.yaml",
	        "Secret example-sync {foobar, tags, developer}");
	free(store);
	free(es);
}

/* ---------------------------------------------------------- find + merge */

static void test_find_merge(void **state)
{
	char *es;

	(void)state;
	vault_put(&E.vault, "path/to/secrets/db-credentials", "{\"user\":\"app\",\"password\":\"p1\"}");
	vault_put(&E.vault, "path/to/secrets/api-credentials", "{\"token\":\"t1\"}");
	vault_put(&E.vault, "path/to/secrets/unrelated", "{\"x\":\"y\"}");
	kube_namespace(E.kc, "v-merge");
	assert_true(rc_applyf(E.kc, "v-merge",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: vault-token}\n"
	            "data: {token: cm9vdA==}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: SecretStore\n"
	            "metadata: {name: vault-backend}\nspec:\n  provider:\n    vault:\n"
	            "      server: %s\n      path: secret\n      version: v2\n"
	            "      auth: {tokenSecretRef: {name: vault-token, key: token}}\n",
	            E.vault.url) < 300);
	es = vector("datafrom-rewrite-merge-empty.yaml", NULL);
	assert_true(rc_apply(E.kc, es, "v-merge") < 300);
	/* both *-credentials secrets found and merged (strategy Extract) */
	want_value("v-merge", "merge-basic-example", "user", "app");
	want_value("v-merge", "merge-basic-example", "password", "p1");
	want_value("v-merge", "merge-basic-example", "token", "t1");
	want_keys("v-merge", "merge-basic-example", "user", "password", "token", NULL);
	E.synced++;
	outcome("datafrom-rewrite-merge-empty.yaml", "Secret merge-basic-example {password, token, user}");
	free(es);
}

/* ---------------------------------------- the Helm-escaped template examples */

static void cluster_store(void)
{
	kube_namespace(E.kc, "vault-creds");
	assert_true(rc_applyf(E.kc, "vault-creds",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: vault-token}\n"
	            "data: {token: cm9vdA==}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\n"
	            "metadata: {name: vault-backend}\nspec:\n  provider:\n    vault:\n"
	            "      server: %s\n      path: secret\n      version: v2\n"
	            "      auth: {tokenSecretRef: {name: vault-token, key: token, "
	            "namespace: vault-creds}}\n", E.vault.url) < 300);
}

static void test_templates(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char *a, *g, *h;

	(void)state;
	cluster_store();
	vault_put(&E.vault, "anchore-engine",
	          "{\"ANCHORE_ADMIN_PASSWORD\":\"pw\",\"ANCHORE_ADMIN_USERNAME\":\"admin\","
	          "\"ANCHORE_DB_PASSWORD\":\"dbpw\",\"db-url\":\"postgres://db\",\"db-user\":\"anchore\","
	          "\"postgres-password\":\"pgpw\"}");
	vault_put(&E.vault, "my-kv",
	          "{\"github-ssh-access-username\":\"git\",\"github-ssh-access-private-key\":\"KEY\","
	          "\"harbor-chart-robot-username\":\"robot\",\"harbor-chart-robot-token\":\"tok\"}");
	kube_namespace(E.kc, "security");
	kube_namespace(E.kc, "ci");
	/* the mkdocs {% raw %} marker lines are not YAML (SOURCES.md): dropped */
	a = vector("vault-anchore-engine-access-credentials-external-secret.yaml", "{% raw %}", "",
	           "{% endraw %}", "", NULL);
	g = vector("vault-jenkins-credential-github-ssh-access-external-secret.yaml", "{% raw %}", "",
	           "{% endraw %}", "", NULL);
	h = vector("vault-jenkins-credential-harbor-chart-robot-external-secret.yaml", "{% raw %}", "",
	           "{% endraw %}", "", NULL);
	assert_true(rc_apply(E.kc, a, NULL) < 300);
	assert_true(rc_apply(E.kc, g, NULL) < 300);
	assert_true(rc_apply(E.kc, h, NULL) < 300);
	/*
	 * Without Helm, `{{ printf "{{ .username | toString }}" }}` renders to
	 * the literal inner template, exactly as ESO's engine does.
	 */
	want_value("security", "anchore-access-credentials", "ANCHORE_ADMIN_USERNAME",
	             "{{ .username | toString }}");
	want_value("security", "anchore-access-credentials", "ANCHORE_ADMIN_PASSWORD",
	             "{{ .password | toString }}");
	want_value("security", "anchore-access-credentials", "ANCHORE_DB_PASSWORD",
	             "{{ .dbPassword | toString }}");
	want_value("security", "anchore-access-credentials", "db-url", "{{ .dbUrl | toString }}");
	want_value("security", "anchore-access-credentials", "db-user", "{{ .dbUser | toString }}");
	want_value("security", "anchore-access-credentials", "postgres-password",
	             "{{ .postgresPassword | toString }}");
	want_keys("security", "anchore-access-credentials", "ANCHORE_ADMIN_USERNAME",
	            "ANCHORE_ADMIN_PASSWORD", "ANCHORE_DB_PASSWORD", "db-url", "db-user",
	            "postgres-password", NULL);
	E.synced++;
	outcome("vault-anchore-engine-access-credentials-external-secret.yaml",
	        "Secret anchore-access-credentials (6 template keys)");
	want_value("ci", "github-ssh-access", "username", "{{ .username | toString }}");
	want_value("ci", "github-ssh-access", "privateKey", "{{ .privateKey | toString }}");
	want_keys("ci", "github-ssh-access", "username", "privateKey", NULL);
	assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/ci/secrets/github-ssh-access"), 200);
	assert_string_equal(ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.labels"),
	                                       "jenkins.io/credentials-type"), "basicSSHUserPrivateKey");
	assert_string_equal(ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.annotations"),
	                                       "jenkins.io/credentials-description"),
	                    "github-ssh-access key");
	assert_string_equal(ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.labels"),
	                                       "reconcile.external-secrets.io/managed"), "true");
	ck_kube_resp_dispose(&r);
	E.synced++;
	outcome("vault-jenkins-credential-github-ssh-access-external-secret.yaml",
	        "Secret github-ssh-access {username, privateKey} + jenkins label/annotation");
	want_value("ci", "harbor-chart-robot", "username", "{{ .username | toString }}");
	want_value("ci", "harbor-chart-robot", "password", "{{ .password | toString }}");
	want_keys("ci", "harbor-chart-robot", "username", "password", NULL);
	assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/ci/secrets/harbor-chart-robot"), 200);
	assert_string_equal(ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.labels"),
	                                       "jenkins.io/credentials-type"), "usernamePassword");
	ck_kube_resp_dispose(&r);
	E.synced++;
	outcome("vault-jenkins-credential-harbor-chart-robot-external-secret.yaml",
	        "Secret harbor-chart-robot {username, password} + jenkins label/annotation");
	free(a);
	free(g);
	free(h);
}

/* --------------------------------------------------- the store snippets */

/* Apply a store vector in its own namespace, then read foo.my-value through it. */
static void prove_store(const char *file, const char *ns, const char *creds)
{
	char *store, path[300];

	kube_namespace(E.kc, ns);
	store = vector(file, "https://vault.acme.org", E.vault.url, "namespace: example", "", NULL);
	if (creds != NULL)
		assert_true(rc_apply(E.kc, creds, ns) < 300);
	assert_true(rc_apply(E.kc, store, ns) < 300);
	assert_true(rc_applyf(E.kc, ns,
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: probe}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault-backend, kind: SecretStore}\n"
	            "  data:\n  - {secretKey: value, remoteRef: {key: foo, property: my-value}}\n") < 300);
	want_value(ns, "probe", "value", "s3cr3t");
	snprintf(path, sizeof(path), "/apis/external-secrets.io/v1/namespaces/%s/secretstores/"
	         "vault-backend", ns);
	WAIT_UNTIL(20000, rc_ready(E.kc, path, "True", "Valid", NULL, 0));
	E.synced++;
	free(store);
}

static void test_stores(void **state)
{
	char creds[1024];

	(void)state;
	vault_ctl(&E.vault, "kv", "{\"mount\":\"secret\",\"path\":\"foo\",\"data\":{\"my-value\":"
	          "\"s3cr3t\"}}");
	prove_store("vault-token-store.yaml", "v-token",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: my-secret}\n"
	            "stringData: {vault-token: root}\n");
	outcome("vault-token-store.yaml", "store Ready (tokenSecretRef); probe Secret synced");
	vault_ctl(&E.vault, "auth", "{\"type\":\"approle\",\"mount\":\"approle\",\"role_id\":"
	          "\"db02de05-fa39-4855-059b-67221c5c2f63\",\"secret_id\":\"sid\","
	          "\"policies\":[\"root\"]}");
	prove_store("vault-approle-store.yaml", "v-approle",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: my-secret}\n"
	            "stringData: {secret-id: sid}\n");
	outcome("vault-approle-store.yaml", "store Ready (appRole login); probe Secret synced");
	/* serviceAccountRef wins over secretRef: the TokenRequest token is what Vault accepts */
	vault_ctl(&E.vault, "auth", "{\"type\":\"kubernetes\",\"mount\":\"kubernetes\",\"role\":"
	          "\"demo\",\"jwt\":\"fake-sa-token:v-k8s:my-sa:\",\"policies\":[\"root\"]}");
	snprintf(creds, sizeof(creds), "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: my-sa}\n"
	         "---\napiVersion: v1\nkind: Secret\nmetadata: {name: my-secret}\n"
	         "stringData: {vault: not-the-one}\n");
	prove_store("vault-kubernetes-store.yaml", "v-k8s", creds);
	assert_int_equal(vault_count(&E.vault, "POST", "auth/kubernetes/login"), 1);
	outcome("vault-kubernetes-store.yaml",
	        "store Ready (kubernetes login with a TokenRequest for my-sa); probe synced");
	/* jwt: secretRef wins over kubernetesServiceAccountToken */
	vault_ctl(&E.vault, "auth", "{\"type\":\"jwt\",\"mount\":\"jwt\",\"role\":"
	          "\"vault-jwt-role\",\"jwt\":\"a-jwt-from-the-secret\",\"policies\":[\"root\"]}");
	prove_store("vault-jwt-store.yaml", "v-jwt",
	            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: my-sa}\n---\n"
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: my-secret}\n"
	            "stringData: {jwt-token: a-jwt-from-the-secret}\n");
	outcome("vault-jwt-store.yaml", "store Ready (jwt login from secretRef); probe synced");
	vault_ctl(&E.vault, "auth", "{\"type\":\"userpass\",\"mount\":\"userpass\",\"username\":"
	          "\"username\",\"password\":\"pw\",\"policies\":[\"root\"]}");
	prove_store("vault-userpass-store.yaml", "v-userpass",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: my-secret}\n"
	            "stringData: {password: pw}\n");
	outcome("vault-userpass-store.yaml", "store Ready (userPass login); probe synced");
}

/* The cert store: its placeholder certificate cannot be used; the condition says why. */
static void test_cert_store(void **state)
{
	char *store, msg[2048];
	const char *path = "/apis/external-secrets.io/v1/clustersecretstores/vault-cert-auth";

	(void)state;
	kube_namespace(E.kc, "external-secrets");
	kube_namespace(E.kc, "v-cert");
	store = vector("vault-cert-store.yaml", "https://vault.example.com", E.vault.url, NULL);
	assert_true(rc_apply(E.kc, store, NULL) < 300);
	WAIT_UNTIL(20000, rc_ready(E.kc, path, "False", "ValidationFailed", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "caProvider"));
	assert_non_null(strstr(msg, "ConfigMap external-secrets/vault-ca-bundle not found"));
	assert_true(rc_applyf(E.kc, "v-cert",
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: probe}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault-cert-auth, kind: ClusterSecretStore}\n"
	            "  data:\n  - {secretKey: value, remoteRef: {key: foo, property: my-value}}\n") < 300);
	WAIT_UNTIL(20000, es_ready(E.kc, "v-cert", "probe", "False", "SecretSyncedError"));
	assert_true(es_message_has(E.kc, "v-cert", "probe", "vault-ca-bundle not found"));
	assert_false(rc_secret_exists(E.kc, "v-cert", "probe"));
	E.refused++;
	outcome("vault-cert-store.yaml",
	        "refused: caProvider ConfigMap external-secrets/vault-ca-bundle not found "
	        "(placeholder certificate)");
	free(store);
}

/* Beyond the vectors: ESO features cloak refuses, each named in the condition. */
static void test_unsupported(void **state)
{
	static const struct {
		const char *name, *spec, *want;
	} cases[] = {
		{ "manifest", "  target: {manifest: {apiVersion: v1, kind: ConfigMap}}\n"
		              "  data:\n  - {secretKey: a, remoteRef: {key: foo}}\n",
		  "spec.target.manifest: not supported by cloak" },
		{ "generator", "  dataFrom:\n  - sourceRef: {generatorRef: {apiVersion: "
		               "generators.external-secrets.io/v1alpha1, kind: Password, name: p}}\n",
		  "generatorRef" },
		{ "windows", "  syncWindows: {kind: allow, windows: [{schedule: \"@daily\", "
		             "duration: 1h}]}\n  data:\n  - {secretKey: a, remoteRef: {key: foo}}\n",
		  "spec.syncWindows: not supported by cloak" },
	};
	size_t i;

	(void)state;
	kube_namespace(E.kc, "v-unsup");
	assert_true(rc_applyf(E.kc, "v-unsup",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: vault-token}\n"
	            "data: {token: cm9vdA==}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: SecretStore\n"
	            "metadata: {name: vault}\nspec:\n  provider:\n    vault:\n"
	            "      server: %s\n      path: secret\n"
	            "      auth: {tokenSecretRef: {name: vault-token, key: token}}\n",
	            E.vault.url) < 300);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(rc_applyf(E.kc, "v-unsup",
		            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
		            "metadata: {name: %s}\nspec:\n  refreshInterval: 1h\n"
		            "  secretStoreRef: {name: vault}\n%s", cases[i].name, cases[i].spec) < 300);
		WAIT_UNTIL(20000, es_ready(E.kc, "v-unsup", cases[i].name, "False", "SecretSyncedError"));
		if (!es_message_has(E.kc, "v-unsup", cases[i].name, cases[i].want)) {
			char path[300], msg[2048];

			es_path(path, sizeof(path), "v-unsup", cases[i].name);
			(void)rc_ready(E.kc, path, "False", NULL, msg, sizeof(msg));
			fail_msg("%s: condition \"%s\" does not name \"%s\"", cases[i].name, msg,
			         cases[i].want);
		}
		assert_false(rc_secret_exists(E.kc, "v-unsup", cases[i].name));
		E.refused++;
		printf("  %-64s refused: %s\n", cases[i].name, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_example),
		cmocka_unit_test(test_find_merge),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_cert_store),
		cmocka_unit_test(test_unsupported),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
