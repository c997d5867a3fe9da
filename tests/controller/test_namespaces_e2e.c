/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the controller watches: --all-namespaces=false with
 * --additional-namespaces, and --label-selector on SealedSecrets.
 */
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ctl.h"

static void test_namespaces_and_selector(void **state)
{
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *kc;
	struct ctl c;
	struct ck_buf cert = CK_BUF_INIT, b = CK_BUF_INIT;
	const char *ns[] = { "watched", "ignored" };
	size_t i;

	(void)state;
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	install_test_key(kc);
	test_cert(&cert);
	for (i = 0; i < 2; i++) {
		kube_namespace(kc, ns[i]);
		ck_buf_reset(&b);
		make_ss(&b, ck_buf_cstr(&cert), ns[i], "s", CK_SEAL_SCOPE_STRICT, "k=v", NULL);
		assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	}
	/* In the watched namespace, one SealedSecret without the selected label. */
	ck_buf_reset(&b);
	make_ss(&b, ck_buf_cstr(&cert), "watched", "unlabelled", CK_SEAL_SCOPE_STRICT, "k=u", NULL);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	assert_int_equal(kube_send(kc, "PATCH",
	                           "/apis/bitnami.com/v1alpha1/namespaces/watched/sealedsecrets/s",
	                           "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}",
	                           "application/merge-patch+json"), 200);
	ctl_start(&c, fake_kubeconfig_file(&f, "tok", 0), "--all-namespaces=false",
	          "--additional-namespaces", "watched", "--label-selector", "team=a", NULL);
	WAIT_UNTIL(15000, ctl_ready(&c));
	WAIT_UNTIL(10000, secret_value_is(kc, "watched", "s", "k", "v"));
	ck_ctl_sleep_ms(1000);
	assert_false(kube_exists(kc, "/api/v1/namespaces/ignored/secrets/s"));
	assert_false(kube_exists(kc, "/api/v1/namespaces/watched/secrets/unlabelled"));
	/* Only the controller's namespace and the listed one are read. */
	assert_int_equal(fake_count(&f, "GET", "/apis/bitnami.com/v1alpha1/sealedsecrets", 0), 0);
	assert_true(fake_count(&f, "GET", "/namespaces/watched/sealedsecrets", 200) >= 1);
	ctl_stop(&c, SIGTERM);
	ck_buf_dispose(&cert);
	ck_buf_dispose(&b);
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_namespaces_and_selector),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
