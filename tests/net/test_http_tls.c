/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTPS: CA from a file and from memory, the wrong CA, the server name
 * override, mutual TLS with a client certificate from memory and from files.
 * Certificates are made at run time with the openssl CLI (skipped without it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/file.h"
#include "ck/http.h"
#include "ck_test.h"
#include "ckt_double.h"

static char dir[4096];
static struct ckt_double plain, named, mtls;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static const char *p(const char *name)
{
	static char buf[8][4200];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

#define KEY "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

/* leaf <name> signed by <ca> with subjectAltName <san> */
static void leaf(const char *name, const char *ca, const char *san, const char *usage)
{
	sh("cd %s && openssl req -new " KEY " -keyout %s.key -out %s.csr -subj /CN=%s "
	   ">/dev/null 2>&1 && printf 'subjectAltName=%s\\nextendedKeyUsage=%s\\n' > %s.ext && "
	   "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -CAcreateserial -days 2 "
	   "-extfile %s.ext -out %s.pem >/dev/null 2>&1",
	   dir, name, name, name, san, usage, name, name, ca, ca, name, name);
}

static int setup_all(void **state)
{
	(void)state;
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	if (!ckt_have_program("openssl"))
		ckt_skip_all("openssl CLI not found: cannot make test certificates");
	snprintf(dir, sizeof(dir), "%s", ckt_tmpdir());
	sh("cd %s && openssl req -x509 " KEY " -keyout ca.key -out ca.pem -days 2 "
	   "-subj /CN=cloak-test-ca >/dev/null 2>&1", dir);
	sh("cd %s && openssl req -x509 " KEY " -keyout other.key -out other.pem -days 2 "
	   "-subj /CN=cloak-other-ca >/dev/null 2>&1", dir);
	leaf("server", "ca", "IP:127.0.0.1,DNS:localhost", "serverAuth");
	leaf("named", "ca", "DNS:vault.test", "serverAuth");
	leaf("client", "ca", "DNS:client", "clientAuth");
	ckt_double_start(&plain, "http_double.py", "--tls-cert", p("server.pem"), "--tls-key",
	                 p("server.key"), NULL);
	ckt_double_start(&named, "http_double.py", "--tls-cert", p("named.pem"), "--tls-key",
	                 p("named.key"), NULL);
	ckt_double_start(&mtls, "http_double.py", "--tls-cert", p("server.pem"), "--tls-key",
	                 p("server.key"), "--tls-client-ca", p("ca.pem"), NULL);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	ckt_double_stop(&plain);
	ckt_double_stop(&named);
	ckt_double_stop(&mtls);
	ck_net_cleanup();
	return 0;
}

static int get(const struct ck_http_opts *o, int port, struct ck_http_response *r)
{
	struct ck_http_client *c = NULL;
	struct ck_http_request req = { 0 };
	char u[128];
	int rc;

	assert_int_equal(ck_http_client_new(&c, o), CK_OK);
	snprintf(u, sizeof(u), "https://127.0.0.1:%d/echo", port);
	req.url = u;
	rc = ck_http_send(c, &req, r);
	if (rc == CK_OK) /* a second request over the same TLS connection */
		rc = ck_http_send(c, &req, r);
	ck_http_client_free(c);
	return rc;
}

static void ca_choices(void **state)
{
	struct ck_http_opts o = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_buf pem;

	(void)state;
	/* system roots do not know the test CA */
	assert_int_equal(get(&o, plain.port, &r), CK_ENET);
	assert_int_equal(r.failure, CK_HTTP_FAIL_TLS);
	assert_non_null(strstr(ck_err_last()->msg, "TLS"));
	/* CA file */
	o.tls.ca_file = p("ca.pem");
	assert_int_equal(get(&o, plain.port, &r), CK_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(ck_buf_cstr(&r.body), "\"conn\": 1"));
	/* CA in memory */
	ck_buf_init(&pem, 0);
	ckt_read(&pem, p("ca.pem"));
	o.tls.ca_file = NULL;
	o.tls.ca_pem = ck_buf_cstr(&pem);
	assert_int_equal(get(&o, plain.port, &r), CK_OK);
	assert_int_equal(r.status, 200);
	/* the wrong CA: a self-signed server it did not issue */
	ck_buf_reset(&pem);
	ckt_read(&pem, p("other.pem"));
	o.tls.ca_pem = ck_buf_cstr(&pem);
	assert_int_equal(get(&o, plain.port, &r), CK_ENET);
	assert_int_equal(r.failure, CK_HTTP_FAIL_TLS);
	assert_int_equal(r.status, 0);
	/* insecure skips verification */
	o.tls.insecure = 1;
	assert_int_equal(get(&o, plain.port, &r), CK_OK);
	/* garbage CA material is an input error, not a network one */
	o.tls.insecure = 0;
	o.tls.ca_pem = "not a certificate";
	assert_int_not_equal(get(&o, plain.port, &r), CK_OK);
	o.tls.ca_pem = NULL;
	o.tls.ca_file = p("missing.pem");
	assert_int_equal(get(&o, plain.port, &r), CK_EINVAL);
	ck_buf_dispose(&pem);
	ck_http_response_dispose(&r);
}

static void server_name(void **state)
{
	struct ck_http_opts o = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;

	(void)state;
	o.tls.ca_file = p("ca.pem");
	/* the certificate names vault.test, not 127.0.0.1 */
	assert_int_equal(get(&o, named.port, &r), CK_ENET);
	assert_int_equal(r.failure, CK_HTTP_FAIL_TLS);
	o.tls.server_name = "vault.test";
	assert_int_equal(get(&o, named.port, &r), CK_OK);
	assert_int_equal(r.status, 200);
	o.tls.server_name = "wrong.test";
	assert_int_equal(get(&o, named.port, &r), CK_ENET);
	o.tls.server_name = "bad/name";
	{
		struct ck_http_client *c = NULL;

		assert_int_equal(ck_http_client_new(&c, &o), CK_EINVAL);
		assert_null(c);
	}
	ck_http_response_dispose(&r);
}

static void client_cert(void **state)
{
	struct ck_http_opts o = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_buf cert, key;

	(void)state;
	o.tls.ca_file = p("ca.pem");
	/* no client certificate: the server refuses the handshake */
	assert_int_equal(get(&o, mtls.port, &r), CK_ENET);
	assert_int_equal(r.status, 0);
	/* from files */
	o.tls.cert_file = p("client.pem");
	o.tls.key_file = p("client.key");
	assert_int_equal(get(&o, mtls.port, &r), CK_OK);
	assert_int_equal(r.status, 200);
	/* from memory */
	ck_buf_init(&cert, 0);
	ck_buf_init(&key, 0);
	ckt_read(&cert, p("client.pem"));
	ckt_read(&key, p("client.key"));
	o.tls.cert_file = o.tls.key_file = NULL;
	o.tls.cert_pem = ck_buf_cstr(&cert);
	o.tls.key_pem = ck_buf_cstr(&key);
	o.tls.key_pem_len = ck_buf_len(&key);
	assert_int_equal(get(&o, mtls.port, &r), CK_OK);
	assert_int_equal(r.status, 200);
	/* a key that does not belong to the certificate */
	ck_buf_reset(&key);
	ckt_read(&key, p("server.key"));
	o.tls.key_pem = ck_buf_cstr(&key);
	o.tls.key_pem_len = ck_buf_len(&key);
	assert_int_not_equal(get(&o, mtls.port, &r), CK_OK);
	ck_buf_dispose(&cert);
	ck_buf_dispose(&key);
	ck_http_response_dispose(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ca_choices),
		cmocka_unit_test(server_name),
		cmocka_unit_test(client_cert),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
