/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak-controller (the binary) with the ExternalSecret reconciler: killed
 * (SIGKILL) while a Vault read is in flight, started again, the Secret is
 * made once and correctly; a clean SIGTERM stop; no secret value in its log.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "rc.h"
#include "ck/secret.h"

static struct ctl c;   /* global: teardown kills it even when an assertion fails */

static int teardown(void **state)
{
	(void)state;
	if (c.pid > 0)
		ctl_stop(&c, SIGKILL);
	return 0;
}

static void test_kill_mid_sync(void **state)
{
	struct fake f;
	struct ckt_double vault;
	struct ck_kube *kube;
	struct ck_kube_conn *kc;
	const char *kcfg;

	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	assert_int_equal(ck_net_init(), CK_OK);
	rc_fake_start(&f, "test-token");
	ckt_double_start(&vault, "vault_double.py", "--root-token", "root", NULL);
	kube = fake_kube(&f, "test-token", -1);
	assert_int_equal(ck_kube_conn_new(&kc, kube), CK_OK);
	kcfg = fake_kubeconfig_file(&f, "test-token", 0);
	kube_namespace(kc, "kube-system");
	kube_namespace(kc, "app");
	vault_put(&vault, "app/db", "{\"password\":\"pa55w0rd-in-vault\"}");
	assert_true(rc_applyf(kc, "app",
	            "apiVersion: v1\nkind: Secret\nmetadata: {name: vault-token}\n"
	            "data: {token: cm9vdA==}\n---\n"
	            "apiVersion: external-secrets.io/v1\nkind: SecretStore\n"
	            "metadata: {name: vault}\nspec:\n  retrySettings: {maxRetries: 0}\n"
	            "  provider:\n    vault:\n      server: %s\n      path: secret\n"
	            "      auth: {tokenSecretRef: {name: vault-token, key: token}}\n", vault.url) < 300);
	/* the first read hangs for 5 s: the controller dies while it waits */
	vault_ctl(&vault, "fail", "{\"match\":\"secret/data/app/db\",\"count\":1,\"action\":\"slow\","
	          "\"delay_ms\":5000}");
	assert_true(rc_applyf(kc, "app",
	            "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\n"
	            "metadata: {name: db}\nspec:\n  refreshInterval: 1h\n"
	            "  secretStoreRef: {name: vault}\n"
	            "  data:\n  - {secretKey: password, remoteRef: {key: app/db, property: password}}\n")
	            < 300);
	ctl_start(&c, kcfg, "--key-size", "2048", NULL);
	WAIT_UNTIL(60000, vault_count(&vault, "GET", "secret/data/app/db") == 1 || !ctl_running(&c));
	assert_true(ctl_running(&c));
	ctl_stop(&c, SIGKILL);
	assert_false(rc_secret_exists(kc, "app", "db"));
	assert_false(es_ready(kc, "app", "db", "True", NULL));
	/* the next controller finishes the job: one Secret, Ready, from one more read */
	ctl_start(&c, kcfg, "--key-size", "2048", NULL);
	WAIT_UNTIL(60000, ctl_ready(&c));
	WAIT_UNTIL(20000, rc_secret_is(kc, "app", "db", "password", "pa55w0rd-in-vault"));
	WAIT_UNTIL(20000, es_ready(kc, "app", "db", "True", "SecretSynced"));
	assert_int_equal(vault_count(&vault, "GET", "secret/data/app/db"), 2);
	/* two creates in the namespace: the test's vault-token and the controller's db */
	assert_int_equal(fake_count(&f, "POST", "/api/v1/namespaces/app/secrets", 201), 2);
	assert_int_equal(fake_count(&f, "POST", "/api/v1/namespaces/app/secrets", 409), 0);
	ctl_stop(&c, SIGTERM);
	/* values never reach the log */
	assert_int_equal(ctl_log_count(&c, "pa55w0rd"), 0);
	assert_int_equal(ctl_log_count(&c, "cm9vdA"), 0);
	ck_kube_conn_free(kc);
	ck_kube_free(kube);
	ckt_double_stop(&vault);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_kill_mid_sync, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
