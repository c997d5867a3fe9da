/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's HTTP server over real loopback sockets. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ck_test.h"
#include "ck/ctl_httpd.h"

static void handler(void *arg, const struct ck_ctl_http_req *req, struct ck_ctl_http_resp *resp)
{
	(void)arg;
	if (strcmp(req->path, "/echo") == 0) {
		resp->content_type = "application/octet-stream";
		assert_int_equal(ck_buf_printf(&resp->body, "%s|%s|%s|%s|", req->method, req->query,
		                               req->content_type, req->forwarded_for), CK_OK);
		assert_int_equal(ck_buf_put(&resp->body, req->body, req->body_len), CK_OK);
		return;
	}
	resp->status = 404;
	assert_int_equal(ck_buf_puts(&resp->body, "404 page not found\n"), CK_OK);
}

/* Send raw bytes, read the whole reply. */
static void roundtrip(int port, const char *raw, size_t n, struct ck_buf *out)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char buf[4096];
	ssize_t r;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, raw, n), (ssize_t)n);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		assert_int_equal(ck_buf_put(out, buf, (size_t)r), CK_OK);
	close(fd);
}

static void test_requests(void **state)
{
	struct ck_ctl_metrics *m = ck_ctl_metrics_new();
	struct ck_ctl_httpd *h;
	struct ck_buf out = CK_BUF_INIT;
	const char *req;
	int port;

	(void)state;
	assert_int_equal(ck_ctl_httpd_new(&h, "nonsense", handler, NULL, m, "p_"), CK_EINVAL);
	assert_int_equal(ck_ctl_httpd_new(&h, "127.0.0.1:0", handler, NULL, m, "p_"), CK_OK);
	port = ck_ctl_httpd_port(h);
	assert_true(port > 0);
	assert_int_equal(ck_ctl_httpd_start(h), CK_OK);

	req = "POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
	      "X-Forwarded-For: 10.0.0.1\r\nContent-Length: 5\r\n\r\nhello";
	roundtrip(port, req, strlen(req), &out);
	assert_non_null(strstr(ck_buf_cstr(&out), "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(ck_buf_cstr(&out), "Content-Type: application/octet-stream\r\n"));
	assert_non_null(strstr(ck_buf_cstr(&out), "\r\n\r\nPOST|x=1|application/json|10.0.0.1|hello"));
	ck_buf_reset(&out);

	req = "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	roundtrip(port, req, strlen(req), &out);
	assert_non_null(strstr(ck_buf_cstr(&out), "\r\n\r\nPOST||||abcde"));
	ck_buf_reset(&out);

	req = "GET /nope HTTP/1.1\r\n\r\n";
	roundtrip(port, req, strlen(req), &out);
	assert_non_null(strstr(ck_buf_cstr(&out), "HTTP/1.1 404 Not Found\r\n"));
	ck_buf_reset(&out);

	req = "HEAD /echo HTTP/1.1\r\n\r\n";
	roundtrip(port, req, strlen(req), &out);
	assert_non_null(strstr(ck_buf_cstr(&out), "Content-Length: 7\r\n"));
	assert_null(strstr(ck_buf_cstr(&out), "GET|"));
	ck_buf_reset(&out);

	req = "POST /echo HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n";
	roundtrip(port, req, strlen(req), &out);
	assert_non_null(strstr(ck_buf_cstr(&out), "HTTP/1.1 413"));
	ck_buf_reset(&out);

	req = "garbage\r\n\r\n";
	roundtrip(port, req, strlen(req), &out);
	assert_non_null(strstr(ck_buf_cstr(&out), "HTTP/1.1 400"));
	ck_buf_reset(&out);

	ck_ctl_httpd_free(h);
	assert_true(ck_ctl_metrics_value(m, "p_http_requests_total", "path", "/echo", "code", "200",
	                                 "method", "POST", NULL) == 2);
	assert_true(ck_ctl_metrics_value(m, "p_http_request_duration_seconds", "path", "/echo",
	                                 "method", "GET", NULL) == 1);
	assert_true(ck_ctl_metrics_value(m, "p_http_requests_total", "path", "/nope", "code", "404",
	                                 "method", "GET", NULL) == 0);
	ck_buf_dispose(&out);
	ck_ctl_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
