/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fake API server (tests/doubles/fake_apiserver.py) for the controller's
 * C tests: start it (optionally with TLS), write kubeconfigs for it, and
 * drive its control API (/__fake/...). Header-only, like ckt_double.h.
 */
#ifndef CK_TEST_FAKE_H
#define CK_TEST_FAKE_H

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ckt_double.h"
#include "ck/ctl_clock.h"
#include "ck/kube.h"
#include "ck/doc.h"
#include "ck/file.h"
#include "ck/http.h"
#include "ck/rand.h"

struct fake {
	struct ckt_double d;
	int tls;
	char dir[512];
	char url[128];
	char ca[600];
	struct ck_http_client *ctl;
};

/* Start the fake with token(s) and extra arguments (NULL-terminated). */
static inline void fake_start(struct fake *f, int tls, const char *token, ...)
{
	struct ck_http_opts o;
	const char *args[24] = { NULL };
	int n = 0;
	va_list ap;
	const char *a;

	memset(f, 0, sizeof(*f));
	f->tls = tls;
	snprintf(f->dir, sizeof(f->dir), "%s/fake%d", ckt_tmpdir(), ck_random_uniform(1000000));
	args[n++] = "--token";
	args[n++] = token;
	if (tls) {
		args[n++] = "--tls-dir";
		args[n++] = f->dir;
	}
	va_start(ap, token);
	while ((a = va_arg(ap, const char *)) != NULL && n < 22)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	ckt_double_start(&f->d, "fake_apiserver.py", args[0], args[1], args[2], args[3], args[4],
	                 args[5], args[6], args[7], args[8], args[9], args[10], args[11], args[12],
	                 args[13], args[14], args[15], args[16], args[17], args[18], args[19],
	                 args[20], args[21], NULL);
	/*
	 * The fake exits when this pipe closes: keep its write end out of every
	 * later child (controllers, other fakes), so the test's death alone
	 * closes it.
	 */
	(void)fcntl(f->d.stdin_fd, F_SETFD, FD_CLOEXEC);
	snprintf(f->url, sizeof(f->url), "%s://127.0.0.1:%d", tls ? "https" : "http", f->d.port);
	snprintf(f->ca, sizeof(f->ca), "%s/ca.crt", f->dir);
	memset(&o, 0, sizeof(o));
	if (tls)
		o.tls.ca_file = f->ca;
	assert_int_equal(ck_http_client_new(&f->ctl, &o), CK_OK);
}

static inline void fake_stop(struct fake *f)
{
	ck_http_client_free(f->ctl);
	f->ctl = NULL;
	ckt_double_stop(&f->d);
}

/* POST (or other method) to /__fake/<what> with a JSON body; returns the reply body. */
static inline void fake_ctl(struct fake *f, const char *method, const char *what, const char *json,
                     struct ck_buf *reply)
{
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_request q;
	char url[256];
	const char *hdrs[] = { "Content-Type: application/json", NULL };

	snprintf(url, sizeof(url), "%s/__fake/%s", f->url, what);
	memset(&q, 0, sizeof(q));
	q.method = method;
	q.url = url;
	q.headers = hdrs;
	q.body = json;
	q.body_len = json ? strlen(json) : 0;
	assert_int_equal(ck_http_send(f->ctl, &q, &r), CK_OK);
	if (r.status != 200)
		fail_msg("fake control %s: %ld %s", what, r.status, ck_buf_cstr(&r.body));
	if (reply != NULL)
		assert_int_equal(ck_buf_putb(reply, &r.body), CK_OK);
	ck_http_response_dispose(&r);
}

/* Count request-log entries matching method and a path substring (and status when > 0). */
static inline int fake_count(struct fake *f, const char *method, const char *path_part, long status)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc *d = NULL;
	const struct ck_doc_node *es;
	size_t i;
	int n = 0;

	fake_ctl(f, "GET", "log", NULL, &b);
	assert_int_equal(ck_doc_parse_json(&d, ck_buf_cstr(&b), ck_buf_len(&b), 0), CK_OK);
	es = ck_doc_map_get(d->docs[0], "entries");
	for (i = 0; es && i < es->nkids; i++) {
		const struct ck_doc_node *e = es->kids[i];
		const char *m = ck_doc_map_get_str(e, "method");
		const char *p = ck_doc_map_get_str(e, "path");
		int64_t st = 0;

		(void)ck_doc_scalar_int(ck_doc_map_get(e, "status"), &st);
		if (strcmp(m, method) == 0 && strstr(p, path_part) != NULL && (status <= 0 || st == status))
			n++;
	}
	ck_doc_free(d);
	ck_buf_dispose(&b);
	return n;
}

/* A kubeconfig for the fake in JSON; user is a JSON object text (e.g. {"token":"t"}). */
static inline void fake_kubeconfig(struct fake *f, const char *path, const char *user, const char *ns)
{
	struct ck_buf b = CK_BUF_INIT;

	assert_int_equal(ck_buf_printf(&b,
		"{\"apiVersion\":\"v1\",\"kind\":\"Config\",\"current-context\":\"fake\","
		"\"clusters\":[{\"name\":\"fake\",\"cluster\":{\"server\":\"%s\"%s%s%s}}],"
		"\"users\":[{\"name\":\"u\",\"user\":%s}],"
		"\"contexts\":[{\"name\":\"fake\",\"context\":{\"cluster\":\"fake\",\"user\":\"u\","
		"\"namespace\":\"%s\"}}]}",
		f->url, f->tls ? ",\"certificate-authority\":\"" : "", f->tls ? f->ca : "",
		f->tls ? "\"" : "", user, ns ? ns : "default"), CK_OK);
	assert_int_equal(ck_file_write_atomic(path, ck_buf_data(&b), ck_buf_len(&b), 0600), CK_OK);
	ck_buf_dispose(&b);
}

/* A client for the fake through a kubeconfig with a token. */
static struct ck_kube *fake_kube(struct fake *f, const char *token, double qps)
{
	struct ck_kube_config *cfg;
	struct ck_kube_opts o;
	struct ck_kube *k;
	char path[700], user[256];

	snprintf(path, sizeof(path), "%s.kubeconfig-%d", f->dir, ck_random_uniform(1000000));
	snprintf(user, sizeof(user), "{\"token\":\"%s\"}", token);
	fake_kubeconfig(f, path, user, "default");
	assert_int_equal(ck_kube_config_from_kubeconfig(&cfg, path, NULL), CK_OK);
	memset(&o, 0, sizeof(o));
	o.now_ms = ck_ctl_now_ms;
	o.wall_us = ck_ctl_wall_us;
	o.qps = qps;
	o.burst = 1000;
	assert_int_equal(ck_kube_new(&k, cfg, &o), CK_OK);
	return k;
}

#endif
