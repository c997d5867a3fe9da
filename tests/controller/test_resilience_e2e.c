/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak-controller against a misbehaving API server: restart mid-sync,
 * dropped watches, history lost (410) while disconnected, 409 on a write,
 * 429 with Retry-After, and a service-account token rotated and revoked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ck_test.h"
#include "ctl.h"

#define NS "app"
#define SS_PATH "/apis/bitnami.com/v1alpha1/namespaces/" NS "/sealedsecrets/"
#define SEC_PATH "/api/v1/namespaces/" NS "/secrets/"

static struct ck_buf cert;

static void create_ss(struct ck_kube_conn *kc, const char *name, const char *value)
{
	struct ck_buf b = CK_BUF_INIT;
	char items[256];

	snprintf(items, sizeof(items), "k=%s", value);
	make_ss(&b, ck_buf_cstr(&cert), NS, name, CK_SEAL_SCOPE_STRICT, items, NULL);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	ck_buf_dispose(&b);
}

static int count_secrets(struct ck_kube_conn *kc)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *items;
	int n = 0;

	if (kube_get(kc, &r, "/api/v1/namespaces/" NS "/secrets") == 200 &&
	    (items = ck_doc_map_get(r.obj, "items")) != NULL)
		n = (int)items->nkids;
	ck_kube_resp_dispose(&r);
	return n;
}

static void test_restart_drop_410_409_429(void **state)
{
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *kc;
	struct ctl c;
	const char *kcfg;
	char name[32], value[32], rv[64], body[8192];
	struct ck_buf b = CK_BUF_INIT;
	int i;
	int64_t t0;

	(void)state;
	fake_start(&f, 0, "tok", "--history", "200", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	install_test_key(kc);
	kube_namespace(kc, NS);
	kcfg = fake_kubeconfig_file(&f, "tok", 0);

	/* Restart mid-sync: killed hard after some Secrets, the next run finishes the rest. */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "r%02d", i);
		snprintf(value, sizeof(value), "v%02d", i);
		create_ss(kc, name, value);
	}
	ctl_start(&c, kcfg, "--workers", "1", NULL);
	WAIT_UNTIL(15000, count_secrets(kc) >= 3);
	ctl_stop(&c, SIGKILL);
	assert_true(count_secrets(kc) < 20);
	ctl_start(&c, kcfg, NULL);
	WAIT_UNTIL(30000, count_secrets(kc) == 20);
	for (i = 0; i < 20; i++) {
		char path[128];

		snprintf(name, sizeof(name), "r%02d", i);
		snprintf(value, sizeof(value), "v%02d", i);
		snprintf(path, sizeof(path), SS_PATH "%s", name);
		assert_true(secret_value_is(kc, NS, name, "k", value));
		WAIT_UNTIL(10000, ss_condition(kc, path, "True"));
	}

	/* A dropped watch: the controller resumes, nothing is missed. */
	fake_ctl(&f, "POST", "drop-watches", "{}", NULL);
	create_ss(kc, "after-drop", "d");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "after-drop", "k", "d"));

	/* Disconnected while the history is lost: 410, list again, catch up. */
	fake_ctl(&f, "POST", "faults", "{\"watch\":true,\"status\":503,\"count\":2}", NULL);
	fake_ctl(&f, "POST", "drop-watches", "{}", NULL);
	create_ss(kc, "during-outage", "o");
	fake_ctl(&f, "POST", "compact", "{}", NULL);
	WAIT_UNTIL(15000, secret_value_is(kc, NS, "during-outage", "k", "o"));
	WAIT_UNTIL(5000, ctl_log_count(&c, "resourceVersion too old (410), listing again") >= 1);

	/* 409 on the Secret write: read again, write again. */
	kube_field(kc, SS_PATH "r00", "metadata.resourceVersion", rv, sizeof(rv));
	make_ss(&b, ck_buf_cstr(&cert), NS, "r00", CK_SEAL_SCOPE_STRICT, "k=changed", NULL);
	snprintf(body, sizeof(body), "%.*s\"resourceVersion\":\"%s\",%s",
	         (int)(strstr(ck_buf_cstr(&b), "\"name\"") - ck_buf_cstr(&b)), ck_buf_cstr(&b), rv,
	         strstr(ck_buf_cstr(&b), "\"name\""));
	fake_ctl(&f, "DELETE", "log", NULL, NULL);
	fake_ctl(&f, "POST", "faults", "{\"method\":\"PUT\",\"path\":\"/secrets/r00$\",\"status\":409,"
	         "\"count\":1,\"message\":\"the object has been modified\"}", NULL);
	assert_int_equal(kube_send(kc, "PUT", SS_PATH "r00", body, NULL), 200);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "r00", "k", "changed"));
	assert_int_equal(fake_count(&f, "PUT", SEC_PATH "r00", 409), 1);
	assert_int_equal(fake_count(&f, "PUT", SEC_PATH "r00", 200), 1);
	assert_true(fake_count(&f, "GET", SEC_PATH "r00", 200) >= 2); /* GET before each PUT */

	/* 429 with Retry-After: waited for, then created. */
	fake_ctl(&f, "DELETE", "log", NULL, NULL);
	fake_ctl(&f, "POST", "faults", "{\"method\":\"POST\",\"path\":\"/namespaces/" NS
	         "/secrets$\",\"status\":429,\"retry_after\":1,\"count\":2}", NULL);
	t0 = ck_ctl_now_ms();
	create_ss(kc, "throttled", "t");
	WAIT_UNTIL(15000, secret_value_is(kc, NS, "throttled", "k", "t"));
	assert_true(ck_ctl_now_ms() - t0 >= 2000);
	assert_int_equal(fake_count(&f, "POST", "/namespaces/" NS "/secrets", 429), 2);
	assert_int_equal(fake_count(&f, "POST", "/namespaces/" NS "/secrets", 201), 1);

	assert_int_equal(ctl_log_count(&c, "AddressSanitizer"), 0);
	ctl_stop(&c, SIGTERM);
	ck_buf_dispose(&b);
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	fake_stop(&f);
}

static void write_file(const char *path, const char *text)
{
	assert_int_equal(ck_file_write_atomic(path, text, strlen(text), 0600), CK_OK);
}

static void test_token_rotation_in_cluster(void **state)
{
	struct fake f;
	struct ck_kube_config *cfg;
	struct ck_kube *k;
	struct ck_kube_conn *kc;
	struct ctl c;
	struct ck_buf ca = CK_BUF_INIT;
	struct ck_kube_opts o;
	char sa[600], p[700], port[16];

	(void)state;
	fake_start(&f, 1, "admin", NULL);
	fake_ctl(&f, "POST", "tokens", "{\"add\":[\"sa-token-1\"]}", NULL);
	snprintf(sa, sizeof(sa), "%s/sa", ckt_tmpdir());
	mkdir(sa, 0700);
	snprintf(p, sizeof(p), "%s/token", sa);
	write_file(p, "sa-token-1");
	snprintf(p, sizeof(p), "%s/namespace", sa);
	write_file(p, "kube-system");
	ckt_read(&ca, f.ca);
	snprintf(p, sizeof(p), "%s/ca.crt", sa);
	write_file(p, ck_buf_cstr(&ca));
	snprintf(port, sizeof(port), "%d", f.d.port);

	/* The test's own client, through a kubeconfig with the admin token. */
	snprintf(p, sizeof(p), "%s/admin.json", ckt_tmpdir());
	fake_kubeconfig(&f, p, "{\"token\":\"admin\"}", "default");
	assert_int_equal(ck_kube_config_from_kubeconfig(&cfg, p, NULL), CK_OK);
	memset(&o, 0, sizeof(o));
	o.now_ms = ck_ctl_now_ms;
	o.wall_us = ck_ctl_wall_us;
	o.qps = -1;
	assert_int_equal(ck_kube_new(&k, cfg, &o), CK_OK);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	install_test_key(kc);
	kube_namespace(kc, NS);

	/* The controller runs "in cluster": service-account files, HTTPS with that CA. */
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	setenv("CLOAK_SERVICEACCOUNT_DIR", sa, 1);
	unsetenv("KUBECONFIG");
	unsetenv("POD_NAMESPACE");
	ctl_start(&c, NULL, NULL);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("CLOAK_SERVICEACCOUNT_DIR");
	WAIT_UNTIL(15000, ctl_ready(&c));
	create_ss(kc, "before", "b");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "before", "k", "b"));

	/* The kubelet rotates the token and the old one is revoked. */
	snprintf(p, sizeof(p), "%s/token", sa);
	write_file(p, "sa-token-2");
	fake_ctl(&f, "POST", "tokens", "{\"add\":[\"sa-token-2\"],\"revoke\":[\"sa-token-1\"]}", NULL);
	fake_ctl(&f, "POST", "drop-watches", "{}", NULL); /* watches re-authenticate too */
	create_ss(kc, "after", "a");
	WAIT_UNTIL(15000, secret_value_is(kc, NS, "after", "k", "a"));
	assert_true(fake_count(&f, "GET", "/", 401) + fake_count(&f, "POST", "/", 401) +
	            fake_count(&f, "PUT", "/", 401) >= 1);
	assert_true(ctl_running(&c));
	ctl_stop(&c, SIGTERM);
	ck_buf_dispose(&ca);
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_drop_410_409_429),
		cmocka_unit_test(test_token_rotation_in_cluster),
	};

	(void)ck_net_init();
	test_cert(&cert);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
