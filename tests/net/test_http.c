/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP client against tests/doubles/http_double.py on loopback. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "ck/http.h"
#include "ck_test.h"
#include "ckt_double.h"

static struct ckt_double srv;

static int setup_all(void **state)
{
	(void)state;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	ckt_double_start(&srv, "http_double.py", NULL);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	ckt_double_stop(&srv);
	ck_net_cleanup();
	return 0;
}

static char *url(const char *path)
{
	static char u[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(u[i], sizeof(u[i]), "%s%s", srv.url, path);
	return u[i];
}

static struct ck_http_client *client(const struct ck_http_opts *o)
{
	struct ck_http_client *c = NULL;

	assert_int_equal(ck_http_client_new(&c, o), CK_OK);
	return c;
}

/* The value of "header" in the /echo JSON (naive search is enough here). */
static int echo_has(const struct ck_http_response *r, const char *needle)
{
	return strstr(ck_buf_cstr(&r->body), needle) != NULL;
}

static void get_and_post(void **state)
{
	static const char *const ch[] = { "X-Client: one", "X-Shared: client", NULL };
	const char *rh[] = { "X-Shared: request", "Content-Type: text/plain", NULL };
	struct ck_http_opts o = { 0 };
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c;

	(void)state;
	o.headers = ch;
	o.bearer_token = "tok-123";
	c = client(&o);
	req.url = url("/echo?a=1");
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(ck_http_response_header(&r, "content-type"), "application/json");
	assert_true(echo_has(&r, "\"method\": \"GET\""));
	assert_true(echo_has(&r, "\"query\": \"a=1\""));
	assert_true(echo_has(&r, "[\"Authorization\", \"Bearer tok-123\"]"));
	assert_true(echo_has(&r, "[\"X-Client\", \"one\"]"));
	assert_true(echo_has(&r, "[\"X-Shared\", \"client\"]"));

	req.method = "PUT";
	req.headers = rh;
	req.body = "hello body";
	req.body_len = 10;
	req.flags = CK_HTTP_NO_AUTH;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_true(echo_has(&r, "\"method\": \"PUT\""));
	assert_true(echo_has(&r, "\"body\": \"hello body\""));
	assert_true(echo_has(&r, "[\"X-Shared\", \"request\"]"));
	assert_false(echo_has(&r, "client\"]"));
	assert_false(echo_has(&r, "Bearer"));

	/* a non-standard verb (Vault LIST) and an empty POST body */
	req.method = "LIST";
	req.body = NULL;
	req.headers = NULL;
	req.flags = 0;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_true(echo_has(&r, "\"method\": \"LIST\""));
	req.method = "POST";
	req.body = "";
	req.body_len = 0;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_true(echo_has(&r, "\"method\": \"POST\""));
	assert_true(echo_has(&r, "[\"Content-Length\", \"0\"]"));

	/* the bearer can be replaced and removed */
	assert_int_equal(ck_http_client_set_bearer(c, "tok-456"), CK_OK);
	req.method = NULL;
	req.body = NULL;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_true(echo_has(&r, "Bearer tok-456"));
	assert_int_equal(ck_http_client_set_bearer(c, NULL), CK_OK);
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_false(echo_has(&r, "Bearer"));

	/* header lines with line breaks are refused before anything is sent */
	rh[0] = "X-Evil: a\r\nX-Injected: b";
	req.headers = rh;
	assert_int_equal(ck_http_send(c, &req, &r), CK_EINVAL);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

static long conn_of(const struct ck_http_response *r)
{
	const char *p = strstr(ck_buf_cstr(&r->body), "\"conn\": ");

	assert_non_null(p);
	return strtol(p + 8, NULL, 10);
}

static void connection_reuse(void **state)
{
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = client(NULL);
	long first = 0;

	(void)state;
	req.url = url("/echo");
	for (int i = 0; i < 20; i++) {
		req.method = i % 2 ? "POST" : "GET";
		req.body = i % 2 ? "{}" : NULL;
		req.body_len = 2;
		assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
		assert_int_equal(r.status, 200);
		if (i == 0)
			first = conn_of(&r);
		else
			assert_int_equal(conn_of(&r), first); /* one TCP connection for all */
	}
	/* error statuses keep the connection too */
	req.url = url("/status/404");
	req.method = NULL;
	req.body = NULL;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 404);
	req.url = url("/echo");
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(conn_of(&r), first);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

static void limits(void **state)
{
	struct ck_http_opts o = { 0 };
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c;

	(void)state;
	o.max_response = 1000;
	c = client(&o);
	req.url = url("/big/1000");
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(ck_buf_len(&r.body), 1000);
	req.url = url("/big/1001");
	assert_int_equal(ck_http_send(c, &req, &r), CK_ETOOBIG);
	assert_non_null(strstr(ck_err_last()->msg, "1000-byte limit"));
	req.url = url("/chunked/5000");
	assert_int_equal(ck_http_send(c, &req, &r), CK_ETOOBIG);
	req.max_response = 10000; /* per-request limit wins */
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(ck_buf_len(&r.body), 5000);
	/* secure body */
	req.flags = CK_HTTP_SECURE_BODY;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_true(ck_buf_is_secure(&r.body));
	assert_int_equal(ck_buf_len(&r.body), 5000);
	req.flags = 0;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_false(ck_buf_is_secure(&r.body));
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

struct collect {
	struct ck_buf got;
	int chunks;
	int stop_after;
	int fail_after;
};

static int on_data(void *arg, const uint8_t *p, size_t n)
{
	struct collect *k = arg;

	k->chunks++;
	if (ck_buf_put(&k->got, p, n) < 0)
		return CK_ENOMEM;
	if (k->fail_after && k->chunks >= k->fail_after)
		return ck_err_set(CK_EINVAL, "test: bad event");
	if (k->stop_after && k->chunks >= k->stop_after)
		return CK_HTTP_STOP;
	return CK_OK;
}

static void streaming(void **state)
{
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = client(NULL);
	struct collect k;

	(void)state;
	memset(&k, 0, sizeof(k));
	ck_buf_init(&k.got, 0);
	req.url = url("/stream/5?delay_ms=5");
	req.on_data = on_data;
	req.arg = &k;
	req.max_response = 4; /* streamed bodies are not limited */
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(ck_buf_len(&r.body), 0);
	assert_string_equal(ck_buf_cstr(&k.got), "event 0\nevent 1\nevent 2\nevent 3\nevent 4\n");

	ck_buf_reset(&k.got);
	k.chunks = 0;
	k.stop_after = 2;
	req.url = url("/stream/50?delay_ms=20");
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.stopped, 1);
	assert_string_equal(ck_buf_cstr(&k.got), "event 0\nevent 1\n");

	ck_buf_reset(&k.got);
	k.chunks = 0;
	k.stop_after = 0;
	k.fail_after = 3;
	assert_int_equal(ck_http_send(c, &req, &r), CK_EINVAL);
	assert_string_equal(ck_err_last()->msg, "test: bad event");

	/* an error status is buffered, not streamed */
	ck_buf_reset(&k.got);
	k.chunks = 0;
	req.url = url("/status/410");
	req.max_response = 0;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 410);
	assert_int_equal(k.chunks, 0);
	assert_string_equal(ck_buf_cstr(&r.body), "{\"errors\": [\"status 410\"]}");
	ck_buf_dispose(&k.got);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

struct canceller {
	struct ck_http_client *c;
	long delay_ms;
};

static void *cancel_later(void *arg)
{
	struct canceller *k = arg;
	struct timespec ts = { 0, k->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	ck_http_client_cancel(k->c);
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cancel_and_timeout(void **state)
{
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = client(NULL);
	struct collect k;
	struct canceller cn = { c, 200 };
	pthread_t t;
	double t0;

	(void)state;
	memset(&k, 0, sizeof(k));
	ck_buf_init(&k.got, 0);
	/* an idle watch-like stream is cancelled promptly from another thread */
	req.url = url("/hang");
	req.timeout_ms = -1;
	req.on_data = on_data;
	req.arg = &k;
	assert_int_equal(pthread_create(&t, NULL, cancel_later, &cn), 0);
	t0 = now_s();
	assert_int_equal(ck_http_send(c, &req, &r), CK_ENET);
	assert_true(now_s() - t0 < 0.9);
	pthread_join(t, NULL);
	assert_int_equal(r.failure, CK_HTTP_FAIL_CANCELLED);
	assert_non_null(strstr(ck_err_last()->msg, "cancelled"));
	/* the client works again afterwards */
	memset(&req, 0, sizeof(req));
	req.url = url("/echo");
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 200);
	/* a cancel with nothing running applies to the next request */
	ck_http_client_cancel(c);
	assert_int_equal(ck_http_send(c, &req, &r), CK_ENET);
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);

	/* per-request timeout */
	req.url = url("/slow/1500");
	req.timeout_ms = 150;
	t0 = now_s();
	assert_int_equal(ck_http_send(c, &req, &r), CK_ENET);
	assert_true(now_s() - t0 < 1.2);
	assert_int_equal(r.failure, CK_HTTP_FAIL_TIMEOUT);
	assert_non_null(strstr(ck_err_last()->msg, "timed out"));
	ck_buf_dispose(&k.got);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

static int closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd); /* bound but never listening: connections are refused */
	return port;
}

static void transport_failures(void **state)
{
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = client(NULL);
	char u[128];

	(void)state;
	snprintf(u, sizeof(u), "http://user:secretpw@127.0.0.1:%d/v1/x?token=abc", closed_port());
	req.url = u;
	assert_int_equal(ck_http_send(c, &req, &r), CK_ENET);
	assert_int_equal(r.failure, CK_HTTP_FAIL_CONNECT);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(ck_err_last()->msg, "cannot connect"));
	assert_null(strstr(ck_err_last()->msg, "secretpw"));
	assert_null(strstr(ck_err_last()->msg, "token=abc"));

	req.url = url("/drop");
	assert_int_equal(ck_http_send(c, &req, &r), CK_ENET);
	assert_int_equal(r.failure, CK_HTTP_FAIL_RESET);
	req.url = url("/truncated");
	assert_int_equal(ck_http_send(c, &req, &r), CK_ENET);
	assert_int_equal(r.failure, CK_HTTP_FAIL_RESET);
	req.url = "ftp://127.0.0.1/x";
	assert_int_equal(ck_http_send(c, &req, &r), CK_EINVAL);
	req.url = "";
	assert_int_equal(ck_http_send(c, &req, &r), CK_EINVAL);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

static void redirects(void **state)
{
	struct ck_http_opts o = { 0 };
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = client(NULL), *f;

	(void)state;
	req.url = url("/redirect?to=/echo");
	req.method = "PUT";
	req.body = "x";
	req.body_len = 1;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 307);
	assert_string_equal(ck_http_response_header(&r, "Location"), "/echo");
	o.max_redirects = 3;
	f = client(&o);
	assert_int_equal(ck_http_send(f, &req, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_true(echo_has(&r, "\"method\": \"PUT\""));
	assert_null(ck_http_response_header(&r, "Location")); /* headers of the final answer */
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
	ck_http_client_free(f);
}

struct sleeps {
	long ms[16];
	int n;
};

static void record_sleep(void *arg, long ms)
{
	struct sleeps *s = arg;

	if (s->n < 16)
		s->ms[s->n++] = ms;
}

static void retries(void **state)
{
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = client(NULL);
	struct ck_http_retry rt;
	struct sleeps s;

	(void)state;
	memset(&rt, 0, sizeof(rt));
	memset(&s, 0, sizeof(s));
	rt.max_retries = 3;
	rt.base_ms = 100;
	rt.max_ms = 1000;
	rt.sleep_ms = record_sleep;
	rt.arg = &s;
	req.url = url("/flaky/a/2/503");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(rt.attempts, 3);
	assert_int_equal(s.n, 2);
	assert_true(s.ms[0] >= 100 && s.ms[0] <= 150);
	assert_true(s.ms[1] >= 200 && s.ms[1] <= 300);

	/* retry limit: the last error response is returned */
	memset(&s, 0, sizeof(s));
	req.url = url("/flaky/b/9/502");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_OK);
	assert_int_equal(r.status, 502);
	assert_int_equal(rt.attempts, 4);
	assert_int_equal(s.n, 3);

	/* 501 and 4xx other than 429 are not retried */
	memset(&s, 0, sizeof(s));
	req.url = url("/flaky/c/1/501");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_OK);
	assert_int_equal(r.status, 501);
	assert_int_equal(rt.attempts, 1);
	req.url = url("/flaky/d/1/403");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_OK);
	assert_int_equal(rt.attempts, 1);

	/* Retry-After is honoured when longer than the backoff ... */
	memset(&s, 0, sizeof(s));
	req.url = url("/flaky/e/1/429?retry_after=2");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ms[0], 2000);
	/* ... and one beyond retry_after_max_ms ends the retries */
	memset(&s, 0, sizeof(s));
	rt.retry_after_max_ms = 5000;
	req.url = url("/flaky/f/1/503?retry_after=60");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_OK);
	assert_int_equal(r.status, 503);
	assert_int_equal(s.n, 0);
	assert_int_equal(ck_http_retry_after_ms(&r), 60000);

	/* connection failures are retried, then reported */
	memset(&s, 0, sizeof(s));
	req.url = url("/drop");
	assert_int_equal(ck_http_send_retry(c, &req, &rt, &r), CK_ENET);
	assert_int_equal(rt.attempts, 4);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

/* ---- transport seam --------------------------------------------------- */

struct canned {
	long status;
	const char *body;
	int calls;
	char seen[1024];
};

static int canned_send(void *ctx, struct ck_http_exchange *x)
{
	struct canned *k = ctx;
	const char *const *h;
	size_t off = 0;
	int rc;

	k->calls++;
	off += (size_t)snprintf(k->seen, sizeof(k->seen), "%s %s\n", ck_http_exchange_method(x),
	                        ck_http_exchange_request(x)->url);
	for (h = ck_http_exchange_headers(x); *h != NULL; h++)
		off += (size_t)snprintf(k->seen + off, sizeof(k->seen) - off, "%s\n", *h);
	ck_http_exchange_status(x, 100); /* interim, forgotten */
	if ((rc = ck_http_exchange_header(x, "X-Interim", 9, "1", 1)) < 0)
		return rc;
	ck_http_exchange_status(x, k->status);
	if ((rc = ck_http_exchange_header(x, "Content-Type ", 13, "  text/plain \r\n", 15)) < 0)
		return rc;
	return ck_http_exchange_body(x, k->body, strlen(k->body));
}

static void seam(void **state)
{
	static const char *const ch[] = { "X-A: 1", NULL };
	struct canned k = { 201, "canned body", 0, "" };
	struct ck_http_transport t = { canned_send, &k };
	struct ck_http_opts o = { 0 };
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c;
	struct collect col;

	(void)state;
	o.transport = &t;
	o.headers = ch;
	o.bearer_token = "zzz";
	o.max_response = 5;
	c = client(&o);
	req.url = "https://example.test/p";
	req.method = "DELETE";
	assert_int_equal(ck_http_send(c, &req, &r), CK_ETOOBIG);
	req.max_response = 100;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.nheaders, 1);
	assert_string_equal(ck_http_response_header(&r, "content-type"), "text/plain");
	assert_string_equal(ck_buf_cstr(&r.body), "canned body");
	assert_string_equal(k.seen, "DELETE https://example.test/p\nX-A: 1\n"
	                            "Authorization: Bearer zzz\n");
	memset(&col, 0, sizeof(col));
	ck_buf_init(&col.got, 0);
	req.on_data = on_data;
	req.arg = &col;
	assert_int_equal(ck_http_send(c, &req, &r), CK_OK);
	assert_string_equal(ck_buf_cstr(&col.got), "canned body");
	assert_int_equal(ck_buf_len(&r.body), 0);
	ck_buf_dispose(&col.got);
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
}

static void status_mapping(void **state)
{
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_buf b;
	static const struct { long st; int code; } tbl[] = {
		{ 200, CK_OK }, { 204, CK_OK }, { 400, CK_EINVAL }, { 401, CK_EDENIED },
		{ 403, CK_EDENIED }, { 404, CK_ENOTFOUND }, { 405, CK_EINVAL },
		{ 409, CK_EINVAL }, { 410, CK_ENOTFOUND }, { 412, CK_EINVAL },
		{ 413, CK_ETOOBIG }, { 429, CK_ENET }, { 500, CK_ENET }, { 501, CK_EUNSUPPORTED },
		{ 503, CK_ENET }, { 302, CK_ENET },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tbl) / sizeof(tbl[0]); i++)
		assert_int_equal(ck_http_status_err(tbl[i].st), tbl[i].code);
	r.status = 403;
	assert_int_equal(ck_http_check(&r, "vault: read secret/data/x"), CK_EDENIED);
	assert_string_equal(ck_err_last()->msg, "net: vault: read secret/data/x: HTTP 403 Forbidden");
	r.status = 200;
	assert_int_equal(ck_http_check(&r, "x"), CK_OK);

	ck_buf_init(&b, 0);
	assert_int_equal(ck_http_url_redact(&b, "GET",
	                 "https://user:pw@vault.example:8200/v1/secret/data/x?version=2#frag"),
	                 CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "GET https://vault.example:8200/v1/secret/data/x");
	ck_buf_reset(&b);
	assert_int_equal(ck_http_url_redact(&b, NULL, "http://h"), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "http://h");
	ck_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_and_post),
		cmocka_unit_test(connection_reuse),
		cmocka_unit_test(limits),
		cmocka_unit_test(streaming),
		cmocka_unit_test(cancel_and_timeout),
		cmocka_unit_test(transport_failures),
		cmocka_unit_test(redirects),
		cmocka_unit_test(retries),
		cmocka_unit_test(seam),
		cmocka_unit_test(status_mapping),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
