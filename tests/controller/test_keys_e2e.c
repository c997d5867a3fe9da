/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealing keys end to end: a key generated on first start in the Bitnami key
 * Secret format, served at /v1/cert.pem; SIGUSR1 and the renew period make new
 * keys while old SealedSecrets keep opening; a key relabelled compromised no
 * longer opens anything; --key-cutoff-time forces a new key at start.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ck_test.h"
#include "ctl.h"

#define NS "app"
#define KEYS "/api/v1/namespaces/kube-system/secrets"
#define SS_PATH "/apis/bitnami.com/v1alpha1/namespaces/" NS "/sealedsecrets/"

static struct fake f;
static struct ck_kube *k;
static struct ck_kube_conn *kc;

/* Active key Secrets: count, and the name and tls.crt (decoded) of the oldest. */
static int active_keys(char *first_name, size_t nl, struct ck_buf *first_crt)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *items;
	int n = 0;

	(void)ck_kube_request(
	    kc, &r, "GET", KEYS,
	    "labelSelector=sealedsecrets.bitnami.com%2Fsealed-secrets-key%3Dactive", NULL, 0, NULL,
	    0);
	items = ck_doc_map_get(r.obj, "items");
	if (items != NULL && items->kind == CK_DOC_SEQ) {
		n = (int)items->nkids;
		if (n > 0 && first_name != NULL) {
			const struct ck_doc_node *s = items->kids[0];
			const char *crt = ck_doc_map_get_str(ck_doc_map_get(s, "data"), "tls.crt");

			snprintf(first_name, nl, "%s", ck_kube_str(s, "metadata.name"));
			assert_string_equal(ck_kube_str(s, "type"), "kubernetes.io/tls");
			assert_non_null(ck_doc_map_get_str(ck_doc_map_get(s, "data"), "tls.key"));
			if (first_crt != NULL) {
				ck_buf_reset(first_crt);
				assert_int_equal(ck_b64_decode(first_crt, crt, strlen(crt), CK_B64_STD, 0),
				                 CK_OK);
			}
		}
	}
	ck_kube_resp_dispose(&r);
	return n;
}

static void served_cert(struct ctl *c, struct ck_buf *out)
{
	ck_buf_reset(out);
	assert_int_equal(ctl_http(c, "GET", "/v1/cert.pem", NULL, out), 200);
}

/* 1 once the served certificate differs from old (the controller took a new key). */
static int served_cert_changed(struct ctl *c, const struct ck_buf *old, struct ck_buf *out)
{
	ck_buf_reset(out);
	return ctl_http(c, "GET", "/v1/cert.pem", NULL, out) == 200 &&
	       strcmp(ck_buf_cstr(out), ck_buf_cstr(old)) != 0;
}

static void create_ss(const char *cert, const char *name, const char *value)
{
	struct ck_buf b = CK_BUF_INIT;
	char items[256];

	snprintf(items, sizeof(items), "k=%s", value);
	make_ss(&b, cert, NS, name, CK_SEAL_SCOPE_STRICT, items, NULL);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	ck_buf_dispose(&b);
}

static void test_keys(void **state)
{
	struct ctl c;
	struct ck_buf cert1 = CK_BUF_INIT, cert2 = CK_BUF_INIT, crt = CK_BUF_INIT;
	const char *kcfg;
	char first[256], msg[512], path[512], cutoff[64];
	time_t tomorrow;
	struct tm tm;
	int n;

	(void)state;
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	kube_namespace(kc, NS);
	kcfg = fake_kubeconfig_file(&f, "tok", 0);

	/* First start with no key: one is generated, in the Bitnami format. */
	assert_int_equal(active_keys(NULL, 0, NULL), 0);
	ctl_start(&c, kcfg, "--key-size", "2048", "--key-renew-period", "0", NULL);
	WAIT_UNTIL(20000, ctl_ready(&c));
	assert_int_equal(active_keys(first, sizeof(first), &crt), 1);
	assert_int_equal(strncmp(first, "sealed-secrets-key", 18), 0);
	assert_true(strlen(first) > 18); /* generateName suffix */
	served_cert(&c, &cert1);
	assert_string_equal(ck_buf_cstr(&cert1), ck_buf_cstr(&crt));
	create_ss(ck_buf_cstr(&cert1), "k1", "one");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "k1", "k", "one"));

	/* SIGUSR1: a new key; the certificate served changes; old keys still open. */
	kill(c.pid, SIGUSR1);
	WAIT_UNTIL(10000, active_keys(NULL, 0, NULL) == 2);
	/* The Secret is written before the controller serves the new certificate. */
	WAIT_UNTIL(10000, served_cert_changed(&c, &cert1, &cert2));
	assert_int_equal(active_keys(NULL, 0, NULL), 2);
	create_ss(ck_buf_cstr(&cert2), "k2", "two");
	create_ss(ck_buf_cstr(&cert1), "k1b", "old-key");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "k2", "k", "two"));
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "k1b", "k", "old-key"));

	/* Relabelled compromised: that key opens nothing new (seen without a restart). */
	snprintf(path, sizeof(path), KEYS "/%s", first);
	n = ctl_log_count(&c, "1 sealing key(s)");
	assert_int_equal(kube_send(kc, "PATCH", path, "{\"metadata\":{\"labels\":{\"sealedsecrets."
	                           "bitnami.com/sealed-secrets-key\":\"compromised\"}}}",
	                           "application/merge-patch+json"), 200);
	WAIT_UNTIL(10000, ctl_log_count(&c, "1 sealing key(s)") > n);
	create_ss(ck_buf_cstr(&cert1), "k1c", "after-compromise");
	WAIT_UNTIL(10000, ss_condition(kc, SS_PATH "k1c", "False"));
	ss_message(kc, SS_PATH "k1c", msg, sizeof(msg));
	assert_non_null(strstr(msg, "no key could decrypt secret"));
	assert_true(secret_value_is(kc, NS, "k1", "k", "one")); /* existing Secrets stay */
	ctl_stop(&c, SIGTERM);

	/* Renewal every 3 s: a new key appears on schedule; everything still opens. */
	ctl_start(&c, kcfg, "--key-size", "2048", "--key-renew-period", "3s", NULL);
	WAIT_UNTIL(15000, ctl_ready(&c));
	/* (>=: on a slow machine two renewals may fall between two looks) */
	WAIT_UNTIL(10000, active_keys(NULL, 0, NULL) >= 2);
	WAIT_UNTIL(10000, active_keys(NULL, 0, NULL) >= 3);
	assert_true(ctl_log_count(&c, "key renewal period elapsed") >= 1);
	create_ss(ck_buf_cstr(&cert2), "k2b", "renewed");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "k2b", "k", "renewed"));
	ctl_stop(&c, SIGTERM);

	/* A cut-off time after the newest key: a new key at start. */
	tomorrow = time(NULL) + 86400;
	gmtime_r(&tomorrow, &tm);
	strftime(cutoff, sizeof(cutoff), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	n = active_keys(NULL, 0, NULL);
	assert_true(n >= 3);
	ctl_start(&c, kcfg, "--key-size", "2048", "--key-renew-period", "0", "--key-cutoff-time",
	          cutoff, NULL);
	WAIT_UNTIL(15000, active_keys(NULL, 0, NULL) == n + 1);
	WAIT_UNTIL(15000, ctl_ready(&c));
	ctl_stop(&c, SIGTERM);

	ck_buf_dispose(&cert1);
	ck_buf_dispose(&cert2);
	ck_buf_dispose(&crt);
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
