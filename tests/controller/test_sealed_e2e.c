/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak-controller end to end against the fake API server: create, update,
 * no write when nothing changed, drift reverted, delete, scope mismatch,
 * unmanaged Secret conflict then takeover, patch mode, immutable Secrets, the
 * legacy spec.data form, and no secret value in logs, Events or metrics.
 */
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ctl.h"

#define NS "app"
#define SS_PATH "/apis/bitnami.com/v1alpha1/namespaces/" NS "/sealedsecrets/"
#define SEC_PATH "/api/v1/namespaces/" NS "/secrets/"
#define SENTINEL "PLAINTEXT-SENTINEL-7f3a"

static struct fake f;
static struct ck_kube *k;
static struct ck_kube_conn *kc;
static struct ctl c;
static struct ck_buf cert;

static int setup(void **state)
{
	(void)state;
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	install_test_key(kc);
	kube_namespace(kc, NS);
	test_cert(&cert);
	ctl_start(&c, fake_kubeconfig_file(&f, "tok", 0), "--max-unseal-retries", "3", NULL);
	WAIT_UNTIL(15000, ctl_ready(&c));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ctl_stop(&c, SIGTERM);
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	fake_stop(&f);
	ck_buf_dispose(&cert);
	return 0;
}

static void create_ss(const char *name, enum ck_seal_scope scope, const char *items,
                      const char *tmpl)
{
	struct ck_buf b = CK_BUF_INIT;

	make_ss(&b, ck_buf_cstr(&cert), NS, name, scope, items, tmpl);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	ck_buf_dispose(&b);
}

static void test_create_update_noop_drift_delete(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf b = CK_BUF_INIT;
	char rv[64], body[8192];
	double unseals;

	(void)state;
	create_ss("s1", CK_SEAL_SCOPE_STRICT, "a=" SENTINEL ",b=B1",
	          "\"metadata\":{\"labels\":{\"x\":\"1\"},\"annotations\":{\"note\":\"n\"}},"
	          "\"type\":\"Opaque\"");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s1", "a", SENTINEL));
	assert_true(secret_value_is(kc, NS, "s1", "b", "B1"));
	assert_true(kube_field_is(kc, SEC_PATH "s1", "metadata.labels.x", "1"));
	assert_true(owned_by(kc, SEC_PATH "s1", SS_PATH "s1"));
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "s1", "True"));

	/* A resync with nothing changed: no RSA work, no write at all. */
	ck_ctl_sleep_ms(500);
	unseals = ctl_metric(&c, "cloak_controller_unsealed_values_total");
	fake_ctl(&f, "DELETE", "log", NULL, NULL);
	kill(c.pid, SIGHUP);
	ck_ctl_sleep_ms(1000);
	assert_true(ctl_metric(&c, "cloak_controller_unsealed_values_total") == unseals);
	assert_int_equal(fake_count(&f, "PUT", "/", 0), 0);
	assert_int_equal(fake_count(&f, "POST", "/", 0), 0);
	assert_int_equal(fake_count(&f, "GET", SEC_PATH, 0), 0);

	/* Update: a new value and label. */
	kube_field(kc, SS_PATH "s1", "metadata.resourceVersion", rv, sizeof(rv));
	make_ss(&b, ck_buf_cstr(&cert), NS, "s1", CK_SEAL_SCOPE_STRICT, "a=A2,b=B1",
	        "\"metadata\":{\"labels\":{\"x\":\"2\"}}");
	/* Put the resourceVersion in: custom resources need it on update. */
	snprintf(body, sizeof(body), "%.*s\"resourceVersion\":\"%s\",%s",
	         (int)(strstr(ck_buf_cstr(&b), "\"name\"") - ck_buf_cstr(&b)), ck_buf_cstr(&b), rv,
	         strstr(ck_buf_cstr(&b), "\"name\""));
	assert_int_equal(kube_send(kc, "PUT", SS_PATH "s1", body, NULL), 200);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s1", "a", "A2"));
	WAIT_UNTIL(5000, kube_field_is(kc, SEC_PATH "s1", "metadata.labels.x", "2"));
	assert_true(kube_field_is(kc, SEC_PATH "s1", "metadata.annotations.note", ""));
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "s1", "True")); /* observedGeneration 2 */
	assert_true(kube_field_is(kc, SS_PATH "s1", "status.observedGeneration", "2"));
	/* Every write to the Secret carried its resourceVersion. */
	assert_true(fake_count(&f, "PUT", SEC_PATH "s1", 200) >= 1);

	/* Drift: an edit by hand is reverted, a deletion is undone. */
	assert_int_equal(kube_send(kc, "PATCH", SEC_PATH "s1", "{\"data\":{\"a\":\"dGFtcGVyZWQ=\"}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s1", "a", "A2"));
	assert_int_equal(kube_send(kc, "DELETE", SEC_PATH "s1", NULL, NULL), 200);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s1", "a", "A2"));

	/* Deleting the SealedSecret lets garbage collection remove the Secret. */
	assert_int_equal(kube_send(kc, "DELETE", SS_PATH "s1", NULL, NULL), 200);
	WAIT_UNTIL(5000, !kube_exists(kc, SEC_PATH "s1"));
	ck_ctl_sleep_ms(500);
	assert_false(kube_exists(kc, SEC_PATH "s1")); /* not recreated */
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&b);
}

static void test_scope_mismatch(void **state)
{
	struct ck_buf b = CK_BUF_INIT, v = CK_BUF_INIT;
	char msg[1024];

	(void)state;
	/* A value sealed for another name does not open under strict scope. */
	seal_value(&v, ck_buf_cstr(&cert), CK_SEAL_SCOPE_STRICT, NS, "other-name", "x");
	assert_int_equal(ck_buf_printf(&b, "{\"apiVersion\":\"bitnami.com/v1alpha1\",\"kind\":"
	                               "\"SealedSecret\",\"metadata\":{\"name\":\"s4\",\"namespace\":"
	                               "\"" NS "\"},\"spec\":{\"encryptedData\":{\"PASSWORD\":\"%s\"}}}",
	                               ck_buf_cstr(&v)), CK_OK);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "s4", "False"));
	ss_message(kc, SS_PATH "s4", msg, sizeof(msg));
	assert_non_null(strstr(msg, "no key could decrypt secret (PASSWORD)"));
	assert_false(kube_exists(kc, SEC_PATH "s4"));
	assert_true(ctl_metric(&c, "sealed_secrets_controller_unseal_errors_total{reason=\"unseal\","
	                           "namespace=\"" NS "\"}") >= 1);
	assert_true(ctl_metric(&c, "sealed_secrets_controller_condition_info{namespace=\"" NS
	                           "\",name=\"s4\",condition=\"Synced\","
	                           "ss_app_kubernetes_io_instance=\"\"}") == -1);
	/* Namespace-wide and cluster-wide scopes open when annotated. */
	create_ss("s5", CK_SEAL_SCOPE_NAMESPACE_WIDE, "k=nw", NULL);
	create_ss("s6", CK_SEAL_SCOPE_CLUSTER_WIDE, "k=cw", NULL);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s5", "k", "nw"));
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s6", "k", "cw"));
	ck_buf_dispose(&b);
	ck_buf_dispose(&v);
}

static void test_unmanaged_then_managed_and_patch(void **state)
{
	char msg[1024];

	(void)state;
	/* A Secret made by someone else is not taken over... */
	assert_int_equal(kube_send(kc, "POST", "/api/v1/namespaces/" NS "/secrets",
	                           "{\"metadata\":{\"name\":\"s2\"},\"data\":{\"mine\":\"eA==\"}}",
	                           NULL), 201);
	create_ss("s2", CK_SEAL_SCOPE_STRICT, "k=v2", NULL);
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "s2", "False"));
	ss_message(kc, SS_PATH "s2", msg, sizeof(msg));
	assert_string_equal(msg, "failed update: Resource \"s2\" already exists and is not managed "
	                         "by SealedSecret");
	assert_true(secret_value_is(kc, NS, "s2", "mine", "x"));
	assert_true(secret_value_is(kc, NS, "s2", "k", ""));
	/* ...until it is annotated managed: then it is replaced and owned. */
	assert_int_equal(kube_send(kc, "PATCH", SEC_PATH "s2",
	                           "{\"metadata\":{\"annotations\":{\"sealedsecrets.bitnami.com/"
	                           "managed\":\"true\"}}}", "application/merge-patch+json"), 200);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s2", "k", "v2"));
	assert_true(secret_value_is(kc, NS, "s2", "mine", ""));
	assert_true(owned_by(kc, SEC_PATH "s2", SS_PATH "s2"));
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "s2", "True"));

	/* Patch mode merges into a Secret and keeps the rest. */
	assert_int_equal(kube_send(kc, "POST", "/api/v1/namespaces/" NS "/secrets",
	                           "{\"metadata\":{\"name\":\"s3\",\"labels\":{\"keep\":\"1\"},"
	                           "\"annotations\":{\"sealedsecrets.bitnami.com/patch\":\"true\"}},"
	                           "\"data\":{\"keep\":\"a2VlcA==\"}}", NULL), 201);
	create_ss("s3", CK_SEAL_SCOPE_STRICT, "added=new", "\"metadata\":{\"labels\":{\"x\":\"y\"}}");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "s3", "added", "new"));
	assert_true(secret_value_is(kc, NS, "s3", "keep", "keep"));
	assert_true(kube_field_is(kc, SEC_PATH "s3", "metadata.labels.keep", "1"));
	assert_true(kube_field_is(kc, SEC_PATH "s3", "metadata.labels.x", "y"));
	assert_false(owned_by(kc, SEC_PATH "s3", SS_PATH "s3")); /* patch without managed */
}

static void test_immutable_and_legacy(void **state)
{
	struct ck_buf b = CK_BUF_INIT, ct = CK_BUF_INIT, b64 = CK_BUF_INIT;
	struct ck_rsa *pub = NULL;
	struct ck_seal_cert_info info;
	char rv[64], body[8192], msg[1024];
	const char *legacy = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":"
	                     "\"whatever\"},\"data\":{\"old\":\"bGVnYWN5\"}}";

	(void)state;
	create_ss("im", CK_SEAL_SCOPE_STRICT, "k=first", "\"immutable\":true");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "im", "k", "first"));
	assert_true(kube_field_is(kc, SEC_PATH "im", "immutable", "true"));
	kube_field(kc, SS_PATH "im", "metadata.resourceVersion", rv, sizeof(rv));
	make_ss(&b, ck_buf_cstr(&cert), NS, "im", CK_SEAL_SCOPE_STRICT, "k=second",
	        "\"immutable\":true");
	snprintf(body, sizeof(body), "%.*s\"resourceVersion\":\"%s\",%s",
	         (int)(strstr(ck_buf_cstr(&b), "\"name\"") - ck_buf_cstr(&b)), ck_buf_cstr(&b), rv,
	         strstr(ck_buf_cstr(&b), "\"name\""));
	assert_int_equal(kube_send(kc, "PUT", SS_PATH "im", body, NULL), 200);
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "im", "False"));
	ss_message(kc, SS_PATH "im", msg, sizeof(msg));
	assert_non_null(strstr(msg, "the target Secret is immutable"));
	assert_true(secret_value_is(kc, NS, "im", "k", "first"));

	/* The deprecated whole-Secret spec.data form. */
	assert_int_equal(ck_seal_cert_parse(&pub, &info, ck_buf_cstr(&cert), ck_buf_len(&cert), 0),
	                 CK_OK);
	assert_int_equal(ck_seal_hybrid_seal(&ct, pub, NS "/lg", strlen(NS "/lg"), legacy,
	                                     strlen(legacy)), CK_OK);
	assert_int_equal(ck_b64_encode(&b64, ck_buf_data(&ct), ck_buf_len(&ct), CK_B64_STD), CK_OK);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_printf(&b, "{\"apiVersion\":\"bitnami.com/v1alpha1\",\"kind\":"
	                               "\"SealedSecret\",\"metadata\":{\"name\":\"lg\",\"namespace\":"
	                               "\"" NS "\"},\"spec\":{\"data\":\"%s\",\"encryptedData\":{}}}",
	                               ck_buf_cstr(&b64)), CK_OK);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "lg", "old", "legacy"));
	ck_rsa_free(pub);
	ck_buf_dispose(&b);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&b64);
}

static void test_events_metrics_no_secrets(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf m = CK_BUF_INIT, log = CK_BUF_INIT, evs = CK_BUF_INIT;
	struct ck_doc_json_opts jo = { "", 0, 0 };

	(void)state;
	assert_int_equal(kube_get(kc, &r, "/apis/events.k8s.io/v1/namespaces/" NS "/events"), 200);
	assert_int_equal(ck_doc_write_json(&evs, r.obj, &jo), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&evs), "\"reason\":\"Unsealed\""));
	assert_non_null(strstr(ck_buf_cstr(&evs), "\"reason\":\"ErrUnsealFailed\""));
	assert_non_null(strstr(ck_buf_cstr(&evs), "\"reason\":\"ErrUpdateFailed\""));
	assert_non_null(strstr(ck_buf_cstr(&evs), "\"reportingController\":\"cloak.dev/sealed-secrets\""));
	assert_int_equal(http_to(c.mport, "GET", "/metrics", NULL, &m), 200);
	assert_non_null(strstr(ck_buf_cstr(&m), "# TYPE workqueue_depth gauge"));
	assert_non_null(strstr(ck_buf_cstr(&m), "controller_runtime_reconcile_total{controller=\"sealedsecret\",result=\"success\"}"));
	assert_non_null(strstr(ck_buf_cstr(&m), "sealed_secrets_controller_build_info{revision="));
	assert_non_null(strstr(ck_buf_cstr(&m), "rest_client_requests_total{code=\"201\",method=\"POST\""));
	ckt_read(&log, c.log);
	/* The plaintext never leaves the Secret. */
	assert_null(strstr(ck_buf_cstr(&log), SENTINEL));
	assert_null(strstr(ck_buf_cstr(&evs), SENTINEL));
	assert_null(strstr(ck_buf_cstr(&m), SENTINEL));
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&m);
	ck_buf_dispose(&log);
	ck_buf_dispose(&evs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_update_noop_drift_delete),
		cmocka_unit_test(test_scope_mismatch),
		cmocka_unit_test(test_unmanaged_then_managed_and_patch),
		cmocka_unit_test(test_immutable_and_legacy),
		cmocka_unit_test(test_events_metrics_no_secrets),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, setup, teardown);
}
