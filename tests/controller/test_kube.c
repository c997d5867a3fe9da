/* SPDX-License-Identifier: Apache-2.0 */
/* The Kubernetes client against the fake API server: requests, errors, auth, retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ck_test.h"
#include "fake.h"
#include "ck/ctl_clock.h"
#include "ck/kube.h"
#include "ck/enc.h"

#define SEC "/api/v1/namespaces/default/secrets"

static int req(struct ck_kube_conn *c, struct ck_kube_resp *r, const char *method, const char *path,
               const char *body)
{
	return ck_kube_request(c, r, method, path, NULL, body, body ? strlen(body) : 0, NULL, 0);
}

/* Clients on the controller's clock, which the tests move. */
static const struct ck_kube_opts ctl_opts = {.now_ms = ck_ctl_now_ms, .wall_us = ck_ctl_wall_us};

static void test_requests_and_errors(void **state)
{
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *c;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char rv[64], body[512];

	(void)state;
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_string_equal(ck_kube_namespace(k), "default");
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "POST", SEC, "{\"metadata\":{\"name\":\"a\"},\"data\":{\"k\":\"dg==\"}}"),
	                 CK_OK);
	assert_int_equal(r.status, 201);
	snprintf(rv, sizeof(rv), "%s", ck_kube_str(r.obj, "metadata.resourceVersion"));
	assert_string_equal(ck_kube_str(r.obj, "type"), "Opaque");
	/* 409 AlreadyExists vs 409 Conflict, 404 NotFound: told apart by reason. */
	assert_int_equal(req(c, &r, "POST", SEC, "{\"metadata\":{\"name\":\"a\"}}"), CK_EINVAL);
	assert_int_equal(r.status, 409);
	assert_string_equal(r.reason, "AlreadyExists");
	assert_non_null(strstr(ck_err_last()->msg, "kube: POST " SEC ": 409 AlreadyExists: secrets \"a\" already exists"));
	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"%s\"},"
	         "\"data\":{\"k\":\"eA==\"}}", rv);
	assert_int_equal(req(c, &r, "PUT", SEC "/a", body), CK_OK);
	assert_int_equal(req(c, &r, "PUT", SEC "/a", body), CK_EINVAL);
	assert_int_equal(r.status, 409);
	assert_string_equal(r.reason, "Conflict");
	assert_int_equal(req(c, &r, "GET", SEC "/nope", NULL), CK_ENOTFOUND);
	assert_string_equal(r.reason, "NotFound");
	/* Connection reuse: many requests, one connection (the log sees them all). */
	for (int i = 0; i < 20; i++)
		assert_int_equal(req(c, &r, "GET", SEC "/a", NULL), CK_OK);
	assert_int_equal(fake_count(&f, "GET", SEC "/a", 200), 20);
	/* A bad token is CK_EDENIED with the Status message. */
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	k = fake_kube(&f, "wrong", -1);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_EDENIED);
	assert_int_equal(r.status, 401);
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	fake_stop(&f);
}

static void test_retry_after(void **state)
{
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *c;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	int64_t t0;

	(void)state;
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	fake_ctl(&f, "POST", "faults", "{\"method\":\"GET\",\"path\":\"/secrets$\",\"status\":429,"
	         "\"retry_after\":1,\"count\":2}", NULL);
	t0 = ck_ctl_now_ms();
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	assert_true(ck_ctl_now_ms() - t0 >= 2000); /* two Retry-After: 1 honoured */
	assert_int_equal(fake_count(&f, "GET", SEC, 429), 2);
	/* 503 with Retry-After is retried too; 500 without is not. */
	fake_ctl(&f, "POST", "faults", "{\"method\":\"GET\",\"status\":503,\"retry_after\":0,\"count\":1}",
	         NULL);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	fake_ctl(&f, "POST", "faults", "{\"method\":\"GET\",\"status\":500,\"count\":1}", NULL);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_ENET);
	assert_int_equal(r.status, 500);
	/* Past the retry budget the 429 comes back to the caller. */
	fake_ctl(&f, "POST", "faults", "{\"method\":\"GET\",\"status\":429,\"retry_after\":0,\"count\":20}",
	         NULL);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_ENET);
	assert_int_equal(r.status, 429);
	assert_int_equal(r.retry_after_s, 0);
	fake_ctl(&f, "DELETE", "faults", NULL, NULL);
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	fake_stop(&f);
}

static void write_file(const char *path, const char *text)
{
	assert_int_equal(ck_file_write_atomic(path, text, strlen(text), 0600), CK_OK);
}

/* In cluster over TLS; the token rotates on disk and the old one is revoked. */
static void test_in_cluster_token_rotation(void **state)
{
	struct fake f;
	struct ck_kube_config *cfg;
	struct ck_kube *k;
	struct ck_kube_conn *c;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	char sa[600], p[700], port[16];
	struct ck_buf ca = CK_BUF_INIT;

	(void)state;
	fake_start(&f, 1, "old-token", NULL);
	snprintf(sa, sizeof(sa), "%s/sa", ckt_tmpdir());
	mkdir(sa, 0700);
	snprintf(p, sizeof(p), "%s/token", sa);
	write_file(p, "old-token\n");
	snprintf(p, sizeof(p), "%s/namespace", sa);
	write_file(p, "ctl-ns");
	ckt_read(&ca, f.ca);
	snprintf(p, sizeof(p), "%s/ca.crt", sa);
	write_file(p, ck_buf_cstr(&ca));
	snprintf(port, sizeof(port), "%d", f.d.port);
	setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", port, 1);
	setenv("CLOAK_SERVICEACCOUNT_DIR", sa, 1);
	unsetenv("KUBECONFIG");
	assert_int_equal(ck_kube_config_load(&cfg, NULL, NULL), CK_OK);
	assert_string_equal(cfg->source, "in-cluster");
	assert_string_equal(cfg->namespace, "ctl-ns");
	assert_int_equal(ck_kube_new(&k, cfg, &ctl_opts), CK_OK);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	/* The kubelet writes a new token; the old one is revoked at once. */
	snprintf(p, sizeof(p), "%s/token", sa);
	write_file(p, "new-token\n");
	fake_ctl(&f, "POST", "tokens", "{\"add\":[\"new-token\"],\"revoke\":[\"old-token\"]}", NULL);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK); /* 401, re-read, retried */
	assert_int_equal(fake_count(&f, "GET", SEC, 401), 1);
	assert_int_equal(fake_count(&f, "GET", SEC, 200), 2);
	/* After a minute the file is read again even without a 401. */
	write_file(p, "third-token\n");
	fake_ctl(&f, "POST", "tokens", "{\"add\":[\"third-token\"]}", NULL);
	ck_ctl_clock_advance_ms(61000);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	fake_ctl(&f, "POST", "tokens", "{\"set\":[\"third-token\"]}", NULL);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	assert_int_equal(fake_count(&f, "GET", SEC, 401), 1); /* no new 401: already rotated */
	/* A wrong CA is a TLS failure. */
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	snprintf(p, sizeof(p), "%s/ca.crt", sa);
	write_file(p, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	assert_int_equal(ck_kube_config_in_cluster(&cfg), CK_OK);
	assert_int_equal(ck_kube_new(&k, cfg, &ctl_opts), CK_OK);
	if (ck_kube_conn_new(&c, k) == CK_OK) {
		assert_true(req(c, &r, "GET", SEC, NULL) < 0);
		ck_kube_conn_free(c);
	}
	ck_kube_free(k);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("CLOAK_SERVICEACCOUNT_DIR");
	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&ca);
	fake_stop(&f);
}

/* Kubeconfig: a KUBECONFIG list, CA data, client certificates, exec plugins. */
static void test_kubeconfig_variants(void **state)
{
	struct fake f;
	struct ck_kube_config *cfg;
	struct ck_kube *k;
	struct ck_kube_conn *c;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf ca = CK_BUF_INIT, b64 = CK_BUF_INIT, crt = CK_BUF_INIT, key = CK_BUF_INIT;
	struct ck_buf kc = CK_BUF_INIT, b64c = CK_BUF_INIT, b64k = CK_BUF_INIT;
	char p1[700], p2[700], plug[700], list[1500];

	(void)state;
	fake_start(&f, 1, "tok", NULL);
	ckt_read(&ca, f.ca);
	assert_int_equal(ck_b64_encode(&b64, ck_buf_data(&ca), ck_buf_len(&ca), CK_B64_STD), CK_OK);
	snprintf(p1, sizeof(p1), "%s/kc1.yaml", ckt_tmpdir());
	snprintf(p2, sizeof(p2), "%s/kc2.yaml", ckt_tmpdir());
	/* File 1 picks the context; file 2 (YAML) defines it, with CA data and a token. */
	write_file(p1, "apiVersion: v1\nkind: Config\ncurrent-context: two\n");
	assert_int_equal(ck_buf_printf(&kc,
		"apiVersion: v1\nkind: Config\ncurrent-context: one\n"
		"clusters:\n- name: c\n  cluster:\n    server: %s/\n    certificate-authority-data: %s\n"
		"users:\n- name: u\n  user:\n    token: tok\n"
		"contexts:\n- name: one\n  context: {cluster: c, user: u}\n"
		"- name: two\n  context: {cluster: c, user: u, namespace: second}\n",
		f.url, ck_buf_cstr(&b64)), CK_OK);
	write_file(p2, ck_buf_cstr(&kc));
	snprintf(list, sizeof(list), "%s/missing:%s:%s", ckt_tmpdir(), p1, p2);
	assert_int_equal(ck_kube_config_from_kubeconfig(&cfg, list, NULL), CK_OK);
	assert_string_equal(cfg->namespace, "second");
	assert_int_equal(ck_kube_new(&k, cfg, &ctl_opts), CK_OK);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	assert_int_equal(ck_kube_config_from_kubeconfig(&cfg, list, "nope"), CK_ENOTFOUND);

	/* Client certificate data, no token. */
	snprintf(p1, sizeof(p1), "%s/client.crt", f.dir);
	ckt_read(&crt, p1);
	snprintf(p1, sizeof(p1), "%s/client.key", f.dir);
	ckt_read(&key, p1);
	assert_int_equal(ck_b64_encode(&b64c, ck_buf_data(&crt), ck_buf_len(&crt), CK_B64_STD), CK_OK);
	assert_int_equal(ck_b64_encode(&b64k, ck_buf_data(&key), ck_buf_len(&key), CK_B64_STD), CK_OK);
	ck_buf_reset(&kc);
	assert_int_equal(ck_buf_printf(&kc, "{\"client-certificate-data\":\"%s\",\"client-key-data\":\"%s\"}",
	                               ck_buf_cstr(&b64c), ck_buf_cstr(&b64k)), CK_OK);
	fake_kubeconfig(&f, p2, ck_buf_cstr(&kc), NULL);
	assert_int_equal(ck_kube_config_from_kubeconfig(&cfg, p2, NULL), CK_OK);
	assert_int_equal(ck_kube_new(&k, cfg, &ctl_opts), CK_OK);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	ck_kube_conn_free(c);
	ck_kube_free(k);

	/* An exec plugin prints an ExecCredential. */
	snprintf(plug, sizeof(plug), "%s/plugin.sh", ckt_tmpdir());
	write_file(plug, "#!/bin/sh\n[ \"$1\" = get-token ] || exit 3\n"
	                 "echo \"{\\\"apiVersion\\\":\\\"client.authentication.k8s.io/v1\\\","
	                 "\\\"kind\\\":\\\"ExecCredential\\\",\\\"status\\\":{\\\"token\\\":\\\"$TOKEN_VALUE\\\"}}\"\n");
	chmod(plug, 0700);
	fake_ctl(&f, "POST", "tokens", "{\"add\":[\"from-exec\"]}", NULL);
	ck_buf_reset(&kc);
	assert_int_equal(ck_buf_printf(&kc, "{\"exec\":{\"apiVersion\":\"client.authentication.k8s.io/v1\","
	                               "\"command\":\"%s\",\"args\":[\"get-token\"],"
	                               "\"env\":[{\"name\":\"TOKEN_VALUE\",\"value\":\"from-exec\"}]}}",
	                               plug), CK_OK);
	fake_kubeconfig(&f, p2, ck_buf_cstr(&kc), NULL);
	assert_int_equal(ck_kube_config_from_kubeconfig(&cfg, p2, NULL), CK_OK);
	assert_int_equal(ck_kube_new(&k, cfg, &ctl_opts), CK_OK);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "GET", SEC, NULL), CK_OK);
	ck_kube_conn_free(c);
	ck_kube_free(k);

	ck_kube_resp_dispose(&r);
	ck_buf_dispose(&ca);
	ck_buf_dispose(&b64);
	ck_buf_dispose(&crt);
	ck_buf_dispose(&key);
	ck_buf_dispose(&kc);
	ck_buf_dispose(&b64c);
	ck_buf_dispose(&b64k);
	fake_stop(&f);
}

struct seen {
	int added, modified, deleted, bookmarks;
	char last_rv[64];
};

static int on_ev(void *arg, const char *type, const struct ck_doc_node *obj)
{
	struct seen *s = arg;

	if (strcmp(type, "ADDED") == 0)
		s->added++;
	else if (strcmp(type, "MODIFIED") == 0)
		s->modified++;
	else if (strcmp(type, "DELETED") == 0)
		s->deleted++;
	else if (strcmp(type, "BOOKMARK") == 0)
		s->bookmarks++;
	snprintf(s->last_rv, sizeof(s->last_rv), "%s",
	         ck_kube_str(obj, "metadata.resourceVersion")
	             ? ck_kube_str(obj, "metadata.resourceVersion")
	             : "");
	return 0;
}

static void test_watch_stream(void **state)
{
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *c;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct seen s;
	int64_t t0;

	(void)state;
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&c, k), CK_OK);
	assert_int_equal(req(c, &r, "POST", SEC, "{\"metadata\":{\"name\":\"w1\"}}"), CK_OK);
	assert_int_equal(req(c, &r, "POST", SEC, "{\"metadata\":{\"name\":\"w2\"}}"), CK_OK);
	assert_int_equal(req(c, &r, "DELETE", SEC "/w1", NULL), CK_OK);
	memset(&s, 0, sizeof(s));
	assert_int_equal(ck_kube_watch(c, &r, SEC,
	                               "watch=1&resourceVersion=1&timeoutSeconds=1"
	                               "&allowWatchBookmarks=true",
	                               0, on_ev, &s, 10000),
	                 CK_OK);
	assert_int_equal(s.added, 2);
	assert_int_equal(s.deleted, 1);
	/* Too old: an in-stream ERROR event reaches the callback; as HTTP 410 it is an error. */
	fake_ctl(&f, "POST", "compact", "{}", NULL);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    ck_kube_watch(c, &r, SEC, "watch=1&resourceVersion=1", 0, on_ev, &s, 10000), CK_OK);
	fake_ctl(&f, "POST", "watch-410", "{\"mode\":\"http\"}", NULL);
	assert_int_equal(
	    ck_kube_watch(c, &r, SEC, "watch=1&resourceVersion=1", 0, on_ev, &s, 10000),
	    CK_ENOTFOUND);
	assert_int_equal(r.status, 410);
	assert_string_equal(r.reason, "Expired");
	/* A dropped stream is CK_ENET. */
	fake_ctl(&f, "POST", "faults", "{\"watch\":true,\"drop_after\":1,\"count\":1}", NULL);
	memset(&s, 0, sizeof(s));
	t0 = ck_ctl_now_ms();
	assert_int_equal(ck_kube_watch(c, &r, SEC, "watch=1", 0, on_ev, &s, 10000), CK_ENET);
	assert_true(ck_ctl_now_ms() - t0 < 9000); /* the drop, not the 10 s guard timeout */
	assert_int_equal(s.added, 1);
	ck_kube_resp_dispose(&r);
	ck_kube_conn_free(c);
	ck_kube_free(k);
	fake_stop(&f);
}

static void test_event_parse(void **state)
{
	struct ck_doc *d;
	const char *type;
	const struct ck_doc_node *obj;
	const char *good = "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\"}}}";

	(void)state;
	assert_int_equal(ck_kube_event_parse(&d, &type, &obj, good, strlen(good), 0), CK_OK);
	assert_string_equal(type, "ADDED");
	assert_string_equal(ck_kube_str(obj, "metadata.name"), "x");
	ck_doc_free(d);
	assert_int_equal(ck_kube_event_parse(&d, &type, &obj, "{\"type\":\"ADDED\"}", 16, 0),
	                 CK_EINVAL);
	assert_int_equal(ck_kube_event_parse(&d, &type, &obj, "{\"type\":", 8, 0), CK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_parse),
		cmocka_unit_test(test_requests_and_errors),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_in_cluster_token_rotation),
		cmocka_unit_test(test_kubeconfig_variants),
		cmocka_unit_test(test_watch_stream),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
