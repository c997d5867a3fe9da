/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ExternalSecret reconciler in process against the fake API server and
 * the Vault double, on a shifted clock: first sync, refresh after the
 * interval and not before, force-sync, a value changed in Vault, Vault down,
 * token expiry / renewal, creation and deletion policies, one read per cycle
 * for two ExternalSecrets of the same path, hand edits, refreshInterval 0,
 * controller classes, ClusterSecretStore conditions, restart mid-sync.
 */
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "rc.h"
#include "ck/ctl_ext.h"
#include "ck/ctl_metrics.h"
#include "ck/file.h"
#include "ck/log.h"
#include "ck/secret.h"

static struct {
	struct fake f;
	struct ckt_double vault, aws;
	struct ck_kube *kube;
	struct ck_kube_conn *kc;
	struct ck_ctl_metrics *m;
	struct ck_ctl_ext *x;
} E;

static void ext_up(void)
{
	struct ck_ctl_ext_opts o;

	memset(&o, 0, sizeof(o));
	o.instance = "test";
	o.workers = 2;
	o.backoff_base_ms = 1000;
	o.backoff_max_ms = 60000;
	o.watch_min_s = 2;
	o.watch_max_s = 4;
	o.vault_max_retries = 0;
	assert_int_equal(ck_ctl_ext_new(&E.x, E.kube, E.m, &o), CK_OK);
	assert_int_equal(ck_ctl_ext_start_informers(E.x), CK_OK);
	WAIT_UNTIL(20000, ck_ctl_ext_synced(E.x));
	assert_int_equal(ck_ctl_ext_start_workers(E.x), CK_OK);
}

static void ext_down(void)
{
	ck_ctl_ext_free(E.x);
	E.x = NULL;
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	assert_int_equal(ck_net_init(), CK_OK);
	rc_fake_start(&E.f, "test-token");
	ckt_double_start(&E.vault, "vault_double.py", "--root-token", "root", NULL);
	ckt_double_start(&E.aws, "aws_double.py", NULL);
	setenv("AWS_ENDPOINT_URL", E.aws.url, 1);
	E.kube = fake_kube(&E.f, "test-token", -1);
	assert_int_equal(ck_kube_conn_new(&E.kc, E.kube), CK_OK);
	if (getenv("CK_TEST_DEBUG"))
		ck_log_set_level(CK_LOG_DEBUG);
	E.m = ck_ctl_metrics_new();
	assert_non_null(E.m);
	ext_up();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ext_down();
	ck_kube_conn_free(E.kc);
	ck_kube_free(E.kube);
	ck_ctl_metrics_free(E.m);
	ckt_double_stop(&E.vault);
	ckt_double_stop(&E.aws);
	fake_stop(&E.f);
	return 0;
}

/* Move the controller's clock (and the Vault double's) forward, then let workers run. */
static void advance(int64_t s)
{
	char body[64];

	ck_ctl_clock_advance_ms(s * 1000);
	snprintf(body, sizeof(body), "{\"advance\": %lld}", (long long)s);
	vault_ctl(&E.vault, "clock", body);
}

/* Quiet: nothing queued or running for a moment. */
static void settle(void)
{
	int quiet = 0;
	int64_t end = ck_ctl_now_ms() + 15000;

	while (quiet < 6 && ck_ctl_now_ms() < end) {
		ck_ctl_sleep_ms(50);
		quiet = ck_ctl_ext_busy(E.x) == 0 ? quiet + 1 : 0;
	}
}

/* A namespace with a token SecretStore "vault" on the double. */
static void token_store(const char *ns, const char *extra)
{
	kube_namespace(E.kc, ns);
	assert_true(rc_applyf(E.kc, ns,
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: vault-token}\n"
	            "data: {token: cm9vdA==}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: SecretStore\n"
	            "metadata: {name: vault}\nspec:\n  %s\n  provider:\n    vault:\n"
	            "      server: %s\n      path: secret\n      version: v2\n"
	            "      auth: {tokenSecretRef: {name: vault-token, key: token}}\n",
	            extra ? extra : "retrySettings: {maxRetries: 0}", E.vault.url) < 300);
}

/* An ExternalSecret reading two properties of one path into Secret <name>. */
static void simple_es(const char *ns, const char *name, const char *path, const char *interval,
                      const char *target_extra)
{
	assert_true(rc_applyf(E.kc, ns,
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: %s}\nspec:\n  refreshInterval: %s\n"
	            "  secretStoreRef: {name: vault, kind: SecretStore}\n"
	            "  target: {name: %s%s}\n  data:\n"
	            "  - {secretKey: username, remoteRef: {key: %s, property: user}}\n"
	            "  - {secretKey: password, remoteRef: {key: %s, property: pass}}\n",
	            name, interval, name, target_extra ? target_extra : "", path, path) < 300);
}

static int events_with(const char *ns, const char *reason)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *items;
	char path[256];
	size_t i;
	int n = 0;

	snprintf(path, sizeof(path), "/apis/events.k8s.io/v1/namespaces/%s/events", ns);
	if (kube_get(E.kc, &r, path) == 200 && (items = ck_doc_map_get(r.obj, "items")) != NULL)
		for (i = 0; i < items->nkids; i++)
			n += ck_doc_scalar_is(ck_doc_map_get(items->kids[i], "reason"), reason);
	ck_kube_resp_dispose(&r);
	return n;
}

static void test_first_sync(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *md, *refs;
	char path[256];
	const char *srv;

	(void)state;
	vault_put(&E.vault, "basic/db", "{\"user\":\"app\",\"pass\":\"s3cr3t\"}");
	token_store("t-basic", NULL);
	simple_es("t-basic", "db", "basic/db", "1h", NULL);
	WAIT_UNTIL(20000, es_ready(E.kc, "t-basic", "db", "True", "SecretSynced"));
	assert_true(rc_secret_is(E.kc, "t-basic", "db", "username", "app"));
	assert_true(rc_secret_is(E.kc, "t-basic", "db", "password", "s3cr3t"));
	/* both properties of one path: one read */
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/basic/db"), 1);
	/* what ESO puts on the Secret */
	assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/t-basic/secrets/db"), 200);
	md = ck_doc_map_get(r.obj, "metadata");
	assert_string_equal(ck_doc_map_get_str(ck_doc_map_get(md, "labels"),
	                                       "reconcile.external-secrets.io/managed"), "true");
	assert_non_null(ck_doc_map_get_str(ck_doc_map_get(md, "labels"),
	                                   "reconcile.external-secrets.io/created-by"));
	assert_int_equal(strlen(ck_doc_map_get_str(ck_doc_map_get(md, "annotations"),
	                                           "reconcile.external-secrets.io/data-hash")), 56);
	refs = ck_doc_map_get(md, "ownerReferences");
	assert_non_null(refs);
	assert_int_equal(refs->nkids, 1);
	assert_string_equal(ck_doc_map_get_str(refs->kids[0], "kind"), "ExternalSecret");
	assert_true(ck_doc_scalar_is(ck_doc_map_get(refs->kids[0], "controller"), "true"));
	assert_string_equal(ck_kube_str(r.obj, "type"), "Opaque");
	ck_kube_resp_dispose(&r);
	/* status */
	es_path(path, sizeof(path), "t-basic", "db");
	assert_int_equal(kube_get(E.kc, &r, path), 200);
	assert_non_null(ck_kube_str(r.obj, "status.refreshTime"));
	assert_true(strncmp(ck_kube_str(r.obj, "status.syncedResourceVersion"), "1-", 2) == 0);
	assert_string_equal(ck_kube_str(r.obj, "status.binding.name"), "db");
	ck_kube_resp_dispose(&r);
	/* the store is validated */
	WAIT_UNTIL(20000, rc_ready(E.kc, "/apis/external-secrets.io/v1/namespaces/t-basic/"
	                                 "secretstores/vault", "True", "Valid", NULL, 0));
	assert_int_equal(kube_get(E.kc, &r, "/apis/external-secrets.io/v1/namespaces/t-basic/"
	                                    "secretstores/vault"), 200);
	srv = ck_kube_str(r.obj, "status.capabilities");
	assert_string_equal(srv, "ReadWrite");
	ck_kube_resp_dispose(&r);
	WAIT_UNTIL(15000, events_with("t-basic", "Created") == 1);
}

static void test_refresh_interval(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char path[256], rt1[64], rt2[64];
	int64_t t1, t2;
	int i, reads;

	(void)state;
	vault_put(&E.vault, "refresh/db", "{\"user\":\"u1\",\"pass\":\"p1\"}");
	token_store("t-refresh", NULL);
	simple_es("t-refresh", "db", "refresh/db", "1m", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-refresh", "db", "password", "p1"));
	settle();
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/refresh/db"), 1);
	/* a new value in Vault is not read before the interval has passed */
	vault_put(&E.vault, "refresh/db", "{\"user\":\"u1\",\"pass\":\"p2\"}");
	advance(59);
	settle();
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/refresh/db"), 1);
	assert_true(rc_secret_is(E.kc, "t-refresh", "db", "password", "p1"));
	/* the second sync lands on the store's grid: within one more interval */
	for (i = 0; i < 14 && vault_count(&E.vault, "GET", "secret/data/refresh/db") == 1; i++) {
		advance(5);
		settle();
	}
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/refresh/db"), 2);
	WAIT_UNTIL(15000, rc_secret_is(E.kc, "t-refresh", "db", "password", "p2"));
	/* from then on: exactly every interval */
	es_path(path, sizeof(path), "t-refresh", "db");
	WAIT_UNTIL(15000, (kube_field(E.kc, path, "status.refreshTime", rt1, sizeof(rt1)),
	                  ck_ctl_time_parse(&t1, rt1) == CK_OK && ck_ctl_wall_us() - t1 < 30000000));
	reads = vault_count(&E.vault, "GET", "secret/data/refresh/db");
	advance(58);
	settle();
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/refresh/db"), reads);
	advance(3);
	WAIT_UNTIL(15000, vault_count(&E.vault, "GET", "secret/data/refresh/db") == reads + 1);
	settle();
	kube_field(E.kc, path, "status.refreshTime", rt2, sizeof(rt2));
	assert_int_equal(ck_ctl_time_parse(&t2, rt2), CK_OK);
	assert_true(t2 - t1 >= 60000000 && t2 - t1 <= 62000000);
	ck_kube_resp_dispose(&r);
}

static void test_force_sync(void **state)
{
	char path[256];

	(void)state;
	vault_put(&E.vault, "force/db", "{\"user\":\"u\",\"pass\":\"old\"}");
	token_store("t-force", NULL);
	simple_es("t-force", "db", "force/db", "1h", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-force", "db", "password", "old"));
	vault_put(&E.vault, "force/db", "{\"user\":\"u\",\"pass\":\"new\"}");
	settle();
	assert_true(rc_secret_is(E.kc, "t-force", "db", "password", "old"));
	es_path(path, sizeof(path), "t-force", "db");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-force", "db", "password", "new"));
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/force/db"), 2);
}

static void test_vault_down(void **state)
{
	char path[256], msg[1024];
	int before, during, i;

	(void)state;
	vault_put(&E.vault, "down/db", "{\"user\":\"u\",\"pass\":\"good\"}");
	token_store("t-down", NULL);
	simple_es("t-down", "db", "down/db", "1m", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-down", "db", "password", "good"));
	settle();
	vault_ctl(&E.vault, "seal", "{\"sealed\": true}");
	es_path(path, sizeof(path), "t-down", "db");
	before = vault_count(&E.vault, "GET", "secret/data/down/db");
	for (i = 0; i < 26 && !rc_ready(E.kc, path, "False", "SecretSyncedError", msg, sizeof(msg));
	     i++) {
		advance(5);
		settle();
	}
	assert_true(rc_ready(E.kc, path, "False", "SecretSyncedError", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "could not get secret data from provider"));
	assert_non_null(strstr(msg, "sealed"));
	/* the last good value stays */
	assert_true(rc_secret_is(E.kc, "t-down", "db", "password", "good"));
	/* retries back off: 20 s of failures cost a handful of attempts, not one per tick */
	during = vault_count(&E.vault, "GET", "secret/data/down/db");
	for (i = 0; i < 20; i++) {
		advance(1);
		ck_ctl_sleep_ms(60);
	}
	settle();
	assert_true(vault_count(&E.vault, "GET", "secret/data/down/db") - during <= 6);
	assert_true(vault_count(&E.vault, "GET", "secret/data/down/db") > before);
	assert_true(rc_secret_is(E.kc, "t-down", "db", "password", "good"));
	/* back: the next retry recovers */
	vault_ctl(&E.vault, "seal", "{\"sealed\": false}");
	vault_put(&E.vault, "down/db", "{\"user\":\"u\",\"pass\":\"better\"}");
	for (i = 0; i < 20 && !rc_secret_is(E.kc, "t-down", "db", "password", "better"); i++) {
		advance(10);
		settle();
	}
	assert_true(rc_secret_is(E.kc, "t-down", "db", "password", "better"));
	WAIT_UNTIL(15000, es_ready(E.kc, "t-down", "db", "True", "SecretSynced"));
}

/* An AppRole store with the given token lifetime (seconds) and renewability. */
static void approle_store(const char *ns, const char *mount, int ttl, int renewable)
{
	vault_ctlf(&E.vault, "auth", "{\"type\":\"approle\",\"mount\":\"%s\",\"role_id\":\"r-%s\","
	           "\"secret_id\":\"s-%s\",\"ttl\":%d,\"max_ttl\":3600,\"renewable\":%s,"
	           "\"policies\":[\"root\"]}", mount, ns, ns, ttl, renewable ? "true" : "false");
	kube_namespace(E.kc, ns);
	assert_true(rc_applyf(E.kc, ns,
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: approle}\n"
	            "stringData: {secret-id: s-%s}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: SecretStore\n"
	            "metadata: {name: vault}\nspec:\n  retrySettings: {maxRetries: 0}\n"
	            "  provider:\n    vault:\n      server: %s\n      path: secret\n"
	            "      auth:\n        appRole: {path: %s, roleId: r-%s, secretRef: "
	            "{name: approle, key: secret-id}}\n", ns, E.vault.url, mount, ns) < 300);
}

static void test_token_expiry_relogin(void **state)
{
	char path[256];
	int i;

	(void)state;
	vault_put(&E.vault, "expiry/db", "{\"user\":\"u\",\"pass\":\"one\"}");
	approle_store("t-expiry", "approle-exp", 30, 0);
	simple_es("t-expiry", "db", "expiry/db", "1m", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-expiry", "db", "password", "one"));
	assert_int_equal(vault_count(&E.vault, "POST", "auth/approle-exp/login"), 1);
	vault_put(&E.vault, "expiry/db", "{\"user\":\"u\",\"pass\":\"two\"}");
	/* the token dies after 30 s; the next refresh logs in again by itself */
	for (i = 0; i < 30 && !rc_secret_is(E.kc, "t-expiry", "db", "password", "two"); i++) {
		advance(5);
		settle();
	}
	assert_true(rc_secret_is(E.kc, "t-expiry", "db", "password", "two"));
	assert_int_equal(vault_count(&E.vault, "POST", "auth/approle-exp/login"), 2);
	es_path(path, sizeof(path), "t-expiry", "db");
	assert_true(es_ready(E.kc, "t-expiry", "db", "True", "SecretSynced"));
}

static void test_token_renewed_before_expiry(void **state)
{
	char path[256];

	(void)state;
	vault_put(&E.vault, "renew/db", "{\"user\":\"u\",\"pass\":\"one\"}");
	approle_store("t-renew", "approle-ren", 120, 1);
	simple_es("t-renew", "db", "renew/db", "1h", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-renew", "db", "password", "one"));
	settle();
	assert_int_equal(vault_count(&E.vault, "POST", "auth/token/renew-self"), 0);
	/* past two thirds of the lease: the next use renews instead of logging in */
	advance(90);
	vault_put(&E.vault, "renew/db", "{\"user\":\"u\",\"pass\":\"two\"}");
	es_path(path, sizeof(path), "t-renew", "db");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-renew", "db", "password", "two"));
	assert_int_equal(vault_count(&E.vault, "POST", "auth/token/renew-self"), 1);
	assert_int_equal(vault_count(&E.vault, "POST", "auth/approle-ren/login"), 1);
}

static void test_creation_policies(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char path[256], msg[1024];

	(void)state;
	vault_put(&E.vault, "policy/db", "{\"user\":\"u\",\"pass\":\"p\"}");
	token_store("t-policy", NULL);
	/* Orphan: no ownerReference; the Secret outlives the ExternalSecret */
	simple_es("t-policy", "orphan", "policy/db", "1h", ", creationPolicy: Orphan");
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-policy", "orphan", "password", "p"));
	assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/t-policy/secrets/orphan"), 200);
	assert_null(ck_doc_get_path(r.obj, "metadata.ownerReferences"));
	ck_kube_resp_dispose(&r);
	es_path(path, sizeof(path), "t-policy", "orphan");
	assert_int_equal(kube_send(E.kc, "DELETE", path, NULL, NULL), 200);
	settle();
	assert_true(rc_secret_exists(E.kc, "t-policy", "orphan"));
	/* Owner: the Secret goes with the ExternalSecret (garbage collection) */
	simple_es("t-policy", "owned", "policy/db", "1h", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-policy", "owned", "password", "p"));
	es_path(path, sizeof(path), "t-policy", "owned");
	assert_int_equal(kube_send(E.kc, "DELETE", path, NULL, NULL), 200);
	WAIT_UNTIL(20000, !rc_secret_exists(E.kc, "t-policy", "owned"));
	/* Owner refuses a Secret someone else made */
	assert_true(rc_applyf(E.kc, "t-policy", "apiVersion: v1\nkind: Secret\n"
	                      "metadata: {name: handmade}\nstringData: {mine: keep}\n") < 300);
	simple_es("t-policy", "handmade", "policy/db", "1h", NULL);
	WAIT_UNTIL(20000, es_ready(E.kc, "t-policy", "handmade", "False", "SecretSyncedError"));
	es_path(path, sizeof(path), "t-policy", "handmade");
	(void)rc_ready(E.kc, path, "False", NULL, msg, sizeof(msg));
	assert_non_null(strstr(msg, "not managed by an ExternalSecret"));
	assert_true(rc_secret_is(E.kc, "t-policy", "handmade", "mine", "keep"));
	assert_false(rc_secret_exists(E.kc, "t-policy", "handmade") &&
	             rc_secret_is(E.kc, "t-policy", "handmade", "password", "p"));
	/* ... until it is labelled as managed: then it is taken over (data replaced) */
	assert_int_equal(kube_send(E.kc, "PATCH", "/api/v1/namespaces/t-policy/secrets/handmade",
	                           "{\"metadata\":{\"labels\":{\"reconcile.external-secrets.io/"
	                           "managed\":\"true\"}}}", "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-policy", "handmade", "password", "p"));
	assert_false(rc_secret_is(E.kc, "t-policy", "handmade", "mine", "keep"));
	/* Merge: never creates ... */
	simple_es("t-policy", "merged", "policy/db", "1h", ", creationPolicy: Merge");
	WAIT_UNTIL(20000, es_ready(E.kc, "t-policy", "merged", "True", "SecretMissing"));
	assert_false(rc_secret_exists(E.kc, "t-policy", "merged"));
	/* ... and merges into what exists, keeping foreign keys */
	assert_true(rc_applyf(E.kc, "t-policy", "apiVersion: v1\nkind: Secret\n"
	                      "metadata: {name: merged}\nstringData: {foreign: stays}\n") < 300);
	es_path(path, sizeof(path), "t-policy", "merged");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-policy", "merged", "password", "p"));
	assert_true(rc_secret_is(E.kc, "t-policy", "merged", "foreign", "stays"));
	assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/t-policy/secrets/merged"), 200);
	assert_null(ck_doc_get_path(r.obj, "metadata.ownerReferences"));
	ck_kube_resp_dispose(&r);
	/* None: status only */
	simple_es("t-policy", "none", "policy/db", "1h", ", creationPolicy: None");
	WAIT_UNTIL(20000, es_ready(E.kc, "t-policy", "none", "True", "SecretSynced"));
	assert_false(rc_secret_exists(E.kc, "t-policy", "none"));
}

static void test_deletion_policies(void **state)
{
	char path[256];

	(void)state;
	token_store("t-delpol", NULL);
	/* Delete: the provider has nothing any more -> the Secret goes */
	vault_put(&E.vault, "delpol/a", "{\"k1\":\"v1\",\"k2\":\"v2\"}");
	assert_true(rc_applyf(E.kc, "t-delpol",
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: del}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault}\n"
	            "  target: {deletionPolicy: Delete}\n"
	            "  dataFrom:\n  - extract: {key: delpol/a}\n") < 300);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-delpol", "del", "k2", "v2"));
	vault_ctlf(&E.vault, "fail", "{\"match\":\"secret/data/delpol/a\",\"count\":1000,"
	           "\"status\":404,\"errors\":[]}");
	es_path(path, sizeof(path), "t-delpol", "del");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, es_ready(E.kc, "t-delpol", "del", "True", "SecretDeleted"));
	assert_false(rc_secret_exists(E.kc, "t-delpol", "del"));
	vault_ctl(&E.vault, "fail/clear", "{}");
	/* Retain (default): nothing at the provider keeps the Secret as it is */
	vault_put(&E.vault, "delpol/b", "{\"k1\":\"v1\"}");
	assert_true(rc_applyf(E.kc, "t-delpol",
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: keep}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault}\n"
	            "  dataFrom:\n  - extract: {key: delpol/b}\n") < 300);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-delpol", "keep", "k1", "v1"));
	vault_ctlf(&E.vault, "fail", "{\"match\":\"secret/data/delpol/b\",\"count\":1000,"
	           "\"status\":404,\"errors\":[]}");
	es_path(path, sizeof(path), "t-delpol", "keep");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	/* Retain treats a missing remote key as an error and keeps the Secret */
	WAIT_UNTIL(20000, es_ready(E.kc, "t-delpol", "keep", "False", "SecretSyncedError"));
	assert_true(rc_secret_is(E.kc, "t-delpol", "keep", "k1", "v1"));
	vault_ctl(&E.vault, "fail/clear", "{}");
	/* Merge: keys that disappear at the provider leave the Secret, foreign keys stay */
	vault_put(&E.vault, "delpol/c", "{\"k1\":\"v1\",\"k2\":\"v2\"}");
	assert_true(rc_applyf(E.kc, "t-delpol", "apiVersion: v1\nkind: Secret\n"
	                      "metadata: {name: merge}\nstringData: {foreign: stays}\n") < 300);
	assert_true(rc_applyf(E.kc, "t-delpol",
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: merge}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault}\n"
	            "  target: {creationPolicy: Merge, deletionPolicy: Merge}\n"
	            "  dataFrom:\n  - extract: {key: delpol/c}\n") < 300);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-delpol", "merge", "k2", "v2"));
	vault_put(&E.vault, "delpol/c", "{\"k1\":\"v1b\"}");
	es_path(path, sizeof(path), "t-delpol", "merge");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-delpol", "merge", "k1", "v1b"));
	assert_false(rc_secret_is(E.kc, "t-delpol", "merge", "k2", "v2"));
	assert_true(rc_secret_is(E.kc, "t-delpol", "merge", "foreign", "stays"));
}

static void test_one_read_per_cycle(void **state)
{
	int i, c0;

	(void)state;
	vault_put(&E.vault, "shared/db", "{\"user\":\"u\",\"pass\":\"p\"}");
	vault_put(&E.vault, "shared/probe", "{\"user\":\"u\",\"pass\":\"q\"}");
	token_store("t-dedup", NULL);
	/*
	 * A probe on another path first: once its Secret exists the store is in
	 * the controller's cache, so a and b below cannot fail on a store not
	 * seen yet and read again on their retry (a loaded machine did that).
	 */
	simple_es("t-dedup", "probe", "shared/probe", "1m", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-dedup", "probe", "password", "q"));
	simple_es("t-dedup", "a", "shared/db", "1m", NULL);
	simple_es("t-dedup", "b", "shared/db", "1m", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-dedup", "a", "password", "p") &&
	                  rc_secret_is(E.kc, "t-dedup", "b", "password", "p"));
	settle();
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/shared/db"), 1);
	/* three more cycles: one read each for both ExternalSecrets */
	for (i = 0; i < 3; i++) {
		c0 = vault_count(&E.vault, "GET", "secret/data/shared/db");
		advance(60);
		settle();
		if (vault_count(&E.vault, "GET", "secret/data/shared/db") == c0) {
			advance(60); /* the first refresh waits for the grid */
			settle();
		}
		assert_int_equal(vault_count(&E.vault, "GET", "secret/data/shared/db"), c0 + 1);
		assert_true(es_ready(E.kc, "t-dedup", "a", "True", "SecretSynced"));
		assert_true(es_ready(E.kc, "t-dedup", "b", "True", "SecretSynced"));
	}
}

static void test_hand_edit_restored(void **state)
{
	(void)state;
	vault_put(&E.vault, "edit/db", "{\"user\":\"u\",\"pass\":\"right\"}");
	token_store("t-edit", NULL);
	simple_es("t-edit", "db", "edit/db", "1h", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-edit", "db", "password", "right"));
	settle();
	assert_int_equal(kube_send(E.kc, "PATCH", "/api/v1/namespaces/t-edit/secrets/db",
	                           "{\"data\":{\"password\":\"d3Jvbmc=\"}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-edit", "db", "password", "right"));
	/* deleted by hand: made again */
	assert_int_equal(kube_send(E.kc, "DELETE", "/api/v1/namespaces/t-edit/secrets/db", NULL,
	                           NULL), 200);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-edit", "db", "password", "right"));
}

static void test_interval_zero(void **state)
{
	char path[256];
	int i;

	(void)state;
	vault_put(&E.vault, "zero/db", "{\"user\":\"u\",\"pass\":\"first\"}");
	token_store("t-zero", NULL);
	simple_es("t-zero", "db", "zero/db", "0s", NULL);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-zero", "db", "password", "first"));
	vault_put(&E.vault, "zero/db", "{\"user\":\"u\",\"pass\":\"second\"}");
	for (i = 0; i < 3; i++)
		advance(3600);
	/* not even a force-sync annotation brings a refresh (ESO's documented rule) */
	es_path(path, sizeof(path), "t-zero", "db");
	assert_int_equal(kube_send(E.kc, "PATCH", path,
	                           "{\"metadata\":{\"annotations\":{\"force-sync\":\"1\"}}}",
	                           "application/merge-patch+json"), 200);
	settle();
	assert_true(rc_secret_is(E.kc, "t-zero", "db", "password", "first"));
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/zero/db"), 1);
}

static void test_controller_class(void **state)
{
	char path[256];
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;

	(void)state;
	vault_put(&E.vault, "class/db", "{\"user\":\"u\",\"pass\":\"p\"}");
	token_store("t-class", "controller: another-eso");
	simple_es("t-class", "db", "class/db", "1h", NULL);
	settle();
	ck_ctl_sleep_ms(500);
	settle();
	assert_false(rc_secret_exists(E.kc, "t-class", "db"));
	es_path(path, sizeof(path), "t-class", "db");
	assert_int_equal(kube_get(E.kc, &r, path), 200);
	assert_null(ck_doc_map_get(r.obj, "status"));
	ck_kube_resp_dispose(&r);
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/class/db"), 0);
}

static void test_cluster_store_conditions(void **state)
{
	char msg[1024], path[256];

	(void)state;
	vault_put(&E.vault, "css/db", "{\"user\":\"cu\",\"pass\":\"cp\"}");
	kube_namespace(E.kc, "t-css-ok");
	kube_namespace(E.kc, "t-css-no");
	kube_namespace(E.kc, "t-css-creds");
	assert_true(rc_applyf(E.kc, "t-css-creds",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: vault-token}\n"
	            "data: {token: cm9vdA==}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\n"
	            "metadata: {name: shared}\nspec:\n  conditions:\n  - namespaces: [t-css-ok]\n"
	            "  provider:\n    vault:\n      server: %s\n      path: secret\n"
	            "      auth: {tokenSecretRef: {name: vault-token, key: token, "
	            "namespace: t-css-creds}}\n", E.vault.url) < 300);
	for (int i = 0; i < 2; i++)
		assert_true(rc_applyf(E.kc, i ? "t-css-no" : "t-css-ok",
		            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
		            "metadata: {name: db}\nspec:\n  refreshInterval: 1h\n"
		            "  secretStoreRef: {name: shared, kind: ClusterSecretStore}\n"
		            "  data:\n  - {secretKey: password, remoteRef: {key: css/db, "
		            "property: pass}}\n") < 300);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-css-ok", "db", "password", "cp"));
	WAIT_UNTIL(20000, es_ready(E.kc, "t-css-no", "db", "False", "SecretSyncedError"));
	es_path(path, sizeof(path), "t-css-no", "db");
	(void)rc_ready(E.kc, path, "False", NULL, msg, sizeof(msg));
	assert_non_null(strstr(msg, "not allowed from namespace \"t-css-no\""));
	assert_false(rc_secret_exists(E.kc, "t-css-no", "db"));
}

static void test_restart(void **state)
{
	int reads;

	(void)state;
	vault_put(&E.vault, "restart/db", "{\"user\":\"u\",\"pass\":\"v1\"}");
	token_store("t-restart", NULL);
	/* stop while a sync is in flight (the Vault read is slow): it finishes or is redone */
	vault_ctl(&E.vault, "fail", "{\"match\":\"secret/data/restart/db\",\"count\":1,"
	          "\"action\":\"slow\",\"delay_ms\":1500}");
	simple_es("t-restart", "db", "restart/db", "1h", NULL);
	WAIT_UNTIL(20000, vault_count(&E.vault, "GET", "secret/data/restart/db") == 1);
	ext_down();
	ext_up();
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-restart", "db", "password", "v1"));
	WAIT_UNTIL(20000, es_ready(E.kc, "t-restart", "db", "True", "SecretSynced"));
	settle();
	reads = vault_count(&E.vault, "GET", "secret/data/restart/db");
	/* a second restart with everything synced reads nothing: the Secret is valid */
	ext_down();
	ext_up();
	settle();
	ck_ctl_sleep_ms(300);
	settle();
	assert_int_equal(vault_count(&E.vault, "GET", "secret/data/restart/db"), reads);
	assert_true(rc_secret_is(E.kc, "t-restart", "db", "password", "v1"));
}

/* An ExternalSecret written as v1beta1 (still served by many clusters) syncs the same. */
static void test_v1beta1(void **state)
{
	(void)state;
	vault_put(&E.vault, "beta/db", "{\"user\":\"u\",\"pass\":\"b\"}");
	token_store("t-beta", NULL);
	assert_true(rc_applyf(E.kc, "t-beta",
	            "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\n"
	            "metadata: {name: db}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault, kind: SecretStore}\n"
	            "  data:\n  - secretKey: password\n    remoteRef: {key: beta/db, property: pass,"
	            " conversionStrategy: Default, decodingStrategy: None, metadataPolicy: None}\n")
	            < 300);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-beta", "db", "password", "b"));
	WAIT_UNTIL(20000, es_ready(E.kc, "t-beta", "db", "True", "SecretSynced"));
}

/* AWS Secrets Manager: static keys from a Secret, then web identity for a service account. */
static void test_aws(void **state)
{
	char tokfile[600];
	int i;

	(void)state;
	vault_ctl(&E.aws, "key", "{\"akid\":\"AKIDCLOAKTEST\",\"secret\":\"c2VjcmV0LWtleQ\"}");
	vault_ctl(&E.aws, "secret", "{\"name\":\"prod/db\",\"string\":"
	          "\"{\\\"user\\\":\\\"app\\\",\\\"password\\\":\\\"pw\\\",\\\"port\\\":5432}\"}");
	kube_namespace(E.kc, "t-aws");
	assert_true(rc_applyf(E.kc, "t-aws",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: aws-creds}\n"
	            "stringData: {akid: AKIDCLOAKTEST, secret: c2VjcmV0LWtleQ}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: aws}\n"
	            "spec:\n  provider:\n    aws:\n      service: SecretsManager\n"
	            "      region: us-east-1\n      auth:\n        secretRef:\n"
	            "          accessKeyIDSecretRef: {name: aws-creds, key: akid}\n"
	            "          secretAccessKeySecretRef: {name: aws-creds, key: secret}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata: {name: db}\n"
	            "spec:\n  refreshInterval: 1h\n  secretStoreRef: {name: aws}\n"
	            "  data:\n  - {secretKey: pass, remoteRef: {key: prod/db, property: password}}\n"
	            "  dataFrom:\n  - extract: {key: prod/db}\n") < 300);
	WAIT_UNTIL(20000, rc_secret_is(E.kc, "t-aws", "db", "pass", "pw"));
	assert_true(rc_secret_is(E.kc, "t-aws", "db", "user", "app"));
	assert_true(rc_secret_is(E.kc, "t-aws", "db", "port", "5432"));
	/* two properties and the whole map of one secret: one GetSecretValue */
	assert_int_equal(vault_count(&E.aws, "POST", "/"), 1);
	/* IRSA: a TokenRequest for the service account, its role from the annotation */
	snprintf(tokfile, sizeof(tokfile), "%s/web-identity", ckt_tmpdir());
	assert_int_equal(ck_file_write_atomic(tokfile, "fake-sa-token:t-aws:reader:sts.amazonaws.com",
	                                      44, 0600), CK_OK);
	vault_ctlf(&E.aws, "sts", "{\"role_arn\":\"arn:aws:iam::123456789012:role/reader\","
	           "\"token_file\":\"%s\"}", tokfile);
	assert_true(rc_applyf(E.kc, "t-aws",
	            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reader\n"
	            "  annotations: {eks.amazonaws.com/role-arn: \"arn:aws:iam::123456789012:role/reader\"}\n"
	            "---\napiVersion: external-secrets.io/v1\nkind: SecretStore\n"
	            "metadata: {name: aws-irsa}\nspec:\n  provider:\n    aws:\n"
	            "      service: SecretsManager\n      region: us-east-1\n"
	            "      auth: {jwt: {serviceAccountRef: {name: reader}}}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: irsa}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: aws-irsa}\n"
	            "  data:\n  - {secretKey: user, remoteRef: {key: prod/db, property: user}}\n") < 300);
	for (i = 0; i < 200 && !rc_secret_is(E.kc, "t-aws", "irsa", "user", "app"); i++)
		ck_ctl_sleep_ms(100);
	if (!rc_secret_is(E.kc, "t-aws", "irsa", "user", "app")) {
		char path[256], msg[1024];

		es_path(path, sizeof(path), "t-aws", "irsa");
		(void)rc_ready(E.kc, path, "False", NULL, msg, sizeof(msg));
		fail_msg("IRSA ExternalSecret not synced: %s", msg);
	}
	WAIT_UNTIL(20000, es_ready(E.kc, "t-aws", "irsa", "True", "SecretSynced"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_sync),
		cmocka_unit_test(test_refresh_interval),
		cmocka_unit_test(test_force_sync),
		cmocka_unit_test(test_vault_down),
		cmocka_unit_test(test_token_expiry_relogin),
		cmocka_unit_test(test_token_renewed_before_expiry),
		cmocka_unit_test(test_creation_policies),
		cmocka_unit_test(test_deletion_policies),
		cmocka_unit_test(test_one_read_per_cycle),
		cmocka_unit_test(test_hand_edit_restored),
		cmocka_unit_test(test_interval_zero),
		cmocka_unit_test(test_controller_class),
		cmocka_unit_test(test_cluster_store_conditions),
		cmocka_unit_test(test_v1beta1),
		cmocka_unit_test(test_aws),
		cmocka_unit_test(test_restart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
