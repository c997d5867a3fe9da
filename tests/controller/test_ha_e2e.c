/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Two replicas with leader election on a Lease (short timings): one leads and
 * writes, the other stays Ready and never writes; when the leader dies the
 * other takes over after the lease expires; a clean stop releases the lease
 * for a fast takeover; a leader that cannot renew exits.
 */
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ctl.h"

#define NS "app"
#define LEASE "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/cloak-controller"

static struct fake f;
static struct ck_kube_conn *kc;
static struct ck_buf cert;

static void create_ss(const char *name, const char *value)
{
	struct ck_buf b = CK_BUF_INIT;
	char items[256];

	snprintf(items, sizeof(items), "k=%s", value);
	make_ss(&b, ck_buf_cstr(&cert), NS, name, CK_SEAL_SCOPE_STRICT, items, NULL);
	assert_int_equal(kube_create_text(kc, ck_buf_cstr(&b), ck_buf_len(&b)), 201);
	ck_buf_dispose(&b);
}

static void holder(char *out, size_t n)
{
	kube_field(kc, LEASE, "spec.holderIdentity", out, n);
}

static void start_replica(struct ctl *c, const char *token, int slot, const char *pod)
{
	setenv("POD_NAME", pod, 1);
	ctl_start(c, fake_kubeconfig_file(&f, token, slot), "--leader-elect",
	          "--leader-elect-lease-duration", "2s", "--leader-elect-renew-deadline", "1500ms",
	          "--leader-elect-retry-period", "300ms", NULL);
	unsetenv("POD_NAME");
}

/* Writes to Secrets made with a token (the fake logs its first 6 characters). */
static int secret_writes_by(const char *who)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc *d = NULL;
	const struct ck_doc_node *es;
	size_t i;
	int n = 0;

	fake_ctl(&f, "GET", "log", NULL, &b);
	assert_int_equal(ck_doc_parse_json(&d, ck_buf_cstr(&b), ck_buf_len(&b), 0), CK_OK);
	es = ck_doc_map_get(d->docs[0], "entries");
	for (i = 0; es && i < es->nkids; i++) {
		const char *m = ck_doc_map_get_str(es->kids[i], "method");
		const char *p = ck_doc_map_get_str(es->kids[i], "path");
		const char *a = ck_doc_map_get_str(es->kids[i], "auth");

		if ((strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) && strstr(p, "/secrets") &&
		    strstr(p, "/namespaces/" NS "/") && a && strcmp(a, who) == 0)
			n++;
	}
	ck_doc_free(d);
	ck_buf_dispose(&b);
	return n;
}

static void test_two_replicas(void **state)
{
	struct ck_kube *k;
	struct ctl a, b, *leader, *standby;
	char h[256], h2[256];
	const char *leader_tok, *standby_tok;
	int64_t t0;

	(void)state;
	fake_start(&f, 0, "tok", NULL);
	fake_ctl(&f, "POST", "tokens", "{\"add\":[\"alpha-token\",\"bravo-token\"]}", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	install_test_key(kc);
	kube_namespace(kc, NS);
	test_cert(&cert);

	start_replica(&a, "alpha-token", 0, "pod-a");
	start_replica(&b, "bravo-token", 1, "pod-b");
	WAIT_UNTIL(15000, ctl_ready(&a) && ctl_ready(&b)); /* both Ready, one leads */
	WAIT_UNTIL(10000, (holder(h, sizeof(h)), h[0] != '\0'));
	if (strncmp(h, "pod-a_", 6) == 0) {
		leader = &a, standby = &b;
		leader_tok = "token:alpha-", standby_tok = "token:bravo-";
	} else {
		assert_int_equal(strncmp(h, "pod-b_", 6), 0);
		leader = &b, standby = &a;
		leader_tok = "token:bravo-", standby_tok = "token:alpha-";
	}
	create_ss("one", "1");
	create_ss("two", "2");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "one", "k", "1") &&
	                      secret_value_is(kc, NS, "two", "k", "2"));
	ck_ctl_sleep_ms(500);
	assert_true(secret_writes_by(leader_tok) >= 2);
	assert_int_equal(secret_writes_by(standby_tok), 0); /* never both write */
	assert_int_equal(ctl_http(standby, "GET", "/healthz", NULL, NULL), 200);
	assert_int_equal(ctl_http(leader, "GET", "/healthz", NULL, NULL), 200);
	/* The standby serves the certificate too. */
	assert_int_equal(ctl_http(standby, "GET", "/v1/cert.pem", NULL, NULL), 200);

	/* The leader dies without releasing: takeover once the lease (2 s) expires. */
	t0 = ck_ctl_now_ms();
	ctl_stop(leader, SIGKILL);
	WAIT_UNTIL(10000, (holder(h2, sizeof(h2)), strcmp(h2, h) != 0 && h2[0]));
	assert_true(ck_ctl_now_ms() - t0 >= 1500); /* not before the lease expired */
	assert_true(kube_field_is(kc, LEASE, "spec.leaseTransitions", "1"));
	create_ss("three", "3");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "three", "k", "3"));
	assert_true(secret_writes_by(standby_tok) >= 1);

	/* The old leader comes back as a standby; a clean stop hands over at once. */
	if (leader == &a)
		start_replica(&a, "alpha-token", 2, "pod-a");
	else
		start_replica(&b, "bravo-token", 3, "pod-b");
	WAIT_UNTIL(15000, ctl_ready(leader));
	holder(h, sizeof(h));
	assert_string_equal(h, h2); /* still the second one */
	ctl_stop(standby, SIGTERM); /* the current leader, released */
	WAIT_UNTIL(10000, (holder(h2, sizeof(h2)), strcmp(h2, h) != 0 && h2[0]));
	/* Handed over, not expired: the stopped leader released the lease (its log
	 * is complete, it has exited); timing alone cannot tell on a loaded machine. */
	assert_true(ctl_log_count(standby, "released the lease") == 1);
	create_ss("four", "4");
	WAIT_UNTIL(10000, secret_value_is(kc, NS, "four", "k", "4"));

	/* A leader that cannot renew stops leading and exits. */
	fake_ctl(&f, "POST", "tokens", leader == &a ? "{\"revoke\":[\"alpha-token\"]}" :
	                                              "{\"revoke\":[\"bravo-token\"]}", NULL);
	WAIT_UNTIL(10000, !ctl_running(leader));
	assert_true(ctl_log_count(leader, "failed to renew the lease") >= 1);
	leader->pid = 0;
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	ck_buf_dispose(&cert);
	fake_stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_replicas),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
