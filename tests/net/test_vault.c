/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vault client against tests/doubles/vault_double.py: KV v1/v2, logins,
 * token upkeep, transit, namespaces, and every failure the issue lists
 * (sealed, standby, 403, 404, deleted version, expired token, 429 then
 * success, TLS failure, connection refused, malformed JSON, oversized body).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "ck/file.h"
#include "ck/vault.h"
#include "ck_test.h"
#include "ckt_double.h"
#include "netctl.h"

static struct ckt_double vd;
static long slept_total;
static int sleeps;
static time_t client_now;   /* 0: real time */

static void fake_sleep(void *arg, long ms)
{
	(void)arg;
	slept_total += ms;
	sleeps++;
}

static time_t fake_now(void *arg)
{
	(void)arg;
	return client_now ? client_now : time(NULL);
}

static int setup_all(void **state)
{
	(void)state;
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("VAULT_TOKEN");
	unsetenv("VAULT_NAMESPACE");
	ckt_double_start(&vd, "vault_double.py", NULL);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	ckt_double_stop(&vd);
	ck_net_cleanup();
	return 0;
}

static struct ck_vault *client_at(const char *addr, const char *ns)
{
	struct ck_vault_config c = { 0 };
	struct ck_vault *v = NULL;

	c.addr = addr;
	c.ns = ns;
	c.max_retries = 2;
	c.retry_wait_ms = 50;
	c.sleep_ms = fake_sleep;
	c.now = fake_now;
	assert_int_equal(ck_vault_new(&v, &c), CK_OK);
	return v;
}

static struct ck_vault *root_client(void)
{
	struct ck_vault *v = client_at(vd.url, NULL);
	struct ck_vault_auth a = { 0 };

	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = "root-token";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	return v;
}

static const char *str_of(const struct ck_doc_node *map, const char *key)
{
	const struct ck_doc_node *n = ck_doc_map_get(map, key);

	return n && n->kind == CK_DOC_SCALAR ? n->text : NULL;
}

static void kv2(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_kv kv = { 0 };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const struct ck_doc_node *keys, *nested;
	int64_t ver = 0;
	char hdr[256];

	(void)state;
	assert_int_equal(ck_vault_kv_write(v, "secret", "app/db", 2,
	                                   "{\"user\":\"admin\",\"pass\":\"s3cr3t\",\"port\":5432,"
	                                   "\"nested\":{\"a\":[1,2]}}", -1, &ver), CK_OK);
	assert_int_equal(ver, 1);
	assert_int_equal(ck_vault_kv_write(v, "secret", "app/db", 2,
	                                   "{\"user\":\"admin\",\"pass\":\"rotated\"}", 1, &ver),
	                 CK_OK);
	assert_int_equal(ver, 2);
	/* check-and-set mismatch is refused */
	assert_int_equal(ck_vault_kv_write(v, "secret", "app/db", 2, "{\"x\":\"y\"}", 1, &ver),
	                 CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "check-and-set"));

	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "app/db", 2, 0), CK_OK);
	assert_int_equal(kv.version, 2);
	assert_string_equal(str_of(kv.data, "pass"), "rotated");
	assert_false(kv.deleted);
	assert_int_equal(ck_vault_kv_read(v, &kv, "/secret/", "/app/db", 2, 1), CK_OK);
	assert_int_equal(kv.version, 1);
	assert_string_equal(str_of(kv.data, "pass"), "s3cr3t");
	assert_string_equal(str_of(kv.data, "port"), "5432");
	/* numbers come back exactly as stored */
	assert_int_equal(ck_vault_kv_write(v, "kv1", "nums", 1,
	                                   "{\"f\":1.0,\"big\":12345678901234567890,\"e\":1e3}",
	                                   -1, NULL), CK_OK);
	{
		struct ck_vault_kv nk = { 0 };

		assert_int_equal(ck_vault_kv_read(v, &nk, "kv1", "nums", 1, 0), CK_OK);
		assert_string_equal(str_of(nk.data, "f"), "1.0");
		assert_string_equal(str_of(nk.data, "big"), "12345678901234567890");
		assert_string_equal(str_of(nk.data, "e"), "1e3");
		ck_vault_kv_dispose(&nk);
	}
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "/secret/", "/app/db", 2, 1), CK_OK);
	nested = ck_doc_map_get(kv.data, "nested");
	assert_non_null(nested);
	assert_int_equal(nested->kind, CK_DOC_MAP);
	/* the URL the client built, and the headers it sent */
	assert_int_equal(log_count(&vd, "GET", "query", "version=1"), 1);
	log_header(hdr, sizeof(hdr), &vd, "/v1/secret/data/app/db", "x-vault-request");
	assert_string_equal(hdr, "true");
	log_header(hdr, sizeof(hdr), &vd, "/v1/secret/data/app/db", "x-vault-token");
	assert_string_equal(hdr, "root-token");

	/* unknown version and unknown path: 404 -> not found */
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "app/db", 2, 7), CK_ENOTFOUND);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "nope", 2, 0), CK_ENOTFOUND);
	assert_null(kv.data);
	assert_non_null(strstr(ck_err_last()->msg, "404"));

	/* metadata and custom_metadata */
	ctl(&vd, "log/clear", "{}");
	assert_int_equal(ck_vault_request(v, "POST", "secret/metadata/app/db", NULL,
	                                  "{\"custom_metadata\":{\"owner\":\"team-a\"}}", &r), CK_OK);
	assert_int_equal(r.status, 204);
	assert_int_equal(ck_vault_kv_metadata(v, &r, "secret", "app/db"), CK_OK);
	assert_string_equal(str_of(r.data, "current_version"), "2");
	assert_string_equal(str_of(ck_doc_map_get(r.data, "custom_metadata"), "owner"), "team-a");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "app/db", 2, 0), CK_OK);
	assert_non_null(kv.custom_metadata);
	assert_string_equal(str_of(kv.custom_metadata, "owner"), "team-a");

	/* list: sorted, folders with '/', GET ?list=true on the wire */
	assert_int_equal(ck_vault_kv_write(v, "secret", "app/cache", 2, "{\"k\":\"v\"}", -1, NULL),
	                 CK_OK);
	assert_int_equal(ck_vault_kv_write(v, "secret", "top", 2, "{\"k\":\"v\"}", -1, NULL), CK_OK);
	assert_int_equal(ck_vault_kv_list(v, &r, "secret", "", 2, &keys), CK_OK);
	assert_int_equal(keys->nkids, 2);
	assert_string_equal(keys->kids[0]->text, "app/");
	assert_string_equal(keys->kids[1]->text, "top");
	assert_int_equal(ck_vault_kv_list(v, &r, "secret", "app", 2, &keys), CK_OK);
	assert_int_equal(keys->nkids, 2);
	assert_string_equal(keys->kids[0]->text, "cache");
	assert_int_equal(log_count(&vd, "GET", "query", "list=true"), 2);
	assert_int_equal(ck_vault_kv_list(v, &r, "secret", "empty", 2, &keys), CK_ENOTFOUND);
	assert_null(keys);

	/* a path without data/ on a v2 mount: 404 with Vault's warning */
	assert_int_equal(ck_vault_request(v, "GET", "secret/app/db", NULL, NULL, &r), CK_ENOTFOUND);
	assert_non_null(r.warnings);
	ck_vault_response_dispose(&r);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static void kv2_deleted(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_kv kv = { 0 };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;

	(void)state;
	assert_int_equal(ck_vault_kv_write(v, "secret", "gone", 2, "{\"a\":\"1\"}", -1, NULL), CK_OK);
	assert_int_equal(ck_vault_kv_write(v, "secret", "gone", 2, "{\"a\":\"2\"}", -1, NULL), CK_OK);
	assert_int_equal(ck_vault_kv_write(v, "secret", "gone", 2, "{\"a\":\"3\"}", -1, NULL), CK_OK);
	/* soft-delete the latest version */
	assert_int_equal(ck_vault_request(v, "DELETE", "secret/data/gone", NULL, NULL, &r), CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "gone", 2, 0), CK_ENOTFOUND);
	assert_true(kv.deleted);
	assert_null(kv.data);
	assert_int_equal(kv.version, 3);
	assert_non_null(strstr(ck_err_last()->msg, "secret/data/gone: version 3 was deleted at"));
	/* destroy version 1; version 2 still reads */
	assert_int_equal(ck_vault_request(v, "POST", "secret/destroy/gone", NULL,
	                                  "{\"versions\":[1]}", &r), CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "gone", 2, 1), CK_ENOTFOUND);
	assert_true(kv.destroyed);
	assert_non_null(strstr(ck_err_last()->msg, "version 1 was destroyed"));
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "gone", 2, 2), CK_OK);
	assert_string_equal(str_of(kv.data, "a"), "2");
	/* undelete brings version 3 back */
	assert_int_equal(ck_vault_request(v, "POST", "secret/undelete/gone", NULL,
	                                  "{\"versions\":[3]}", &r), CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "gone", 2, 0), CK_OK);
	assert_string_equal(str_of(kv.data, "a"), "3");
	ck_vault_response_dispose(&r);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static void kv1(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_kv kv = { 0 };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const struct ck_doc_node *keys;

	(void)state;
	assert_int_equal(ck_vault_kv_write(v, "kv1", "svc/api", 1, "{\"token\":\"abc\"}", -1, NULL),
	                 CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "kv1", "svc/api", 1, 5), CK_OK);
	assert_string_equal(str_of(kv.data, "token"), "abc");
	assert_null(kv.metadata);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/kv1/svc/api"), 1);
	assert_int_equal(ck_vault_kv_list(v, &r, "kv1", "svc", 1, &keys), CK_OK);
	assert_string_equal(keys->kids[0]->text, "api");
	/* reading a v1 mount as v2 is a clear error, not empty data */
	assert_int_equal(ck_vault_kv_read_path(v, &kv, "kv1/svc/api", 2, 0), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "KV v1"));
	assert_null(kv.data);
	ck_vault_response_dispose(&r);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static void policy_denied(void **state)
{
	struct ck_vault *v = client_at(vd.url, NULL), *root = root_client();
	struct ck_vault_auth a = { 0 };
	struct ck_vault_kv kv = { 0 };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	const struct ck_doc_node *keys;

	(void)state;
	assert_int_equal(ck_vault_kv_write(root, "secret", "ro/x", 2, "{\"k\":\"v\"}", -1, NULL),
	                 CK_OK);
	ctl(&vd, "policy", "{\"name\":\"reader\",\"rules\":[{\"path\":\"secret/data/ro/*\","
	    "\"capabilities\":[\"read\"]}]}");
	ctl(&vd, "auth", "{\"type\":\"approle\",\"role_id\":\"rid\",\"secret_id\":\"sid\","
	    "\"policies\":[\"reader\"],\"ttl\":600}");
	a.method = CK_VAULT_AUTH_APPROLE;
	a.role_id = "rid";
	a.secret_id = "wrong";
	assert_int_equal(ck_vault_login(v, &a), CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "invalid role or secret ID"));
	assert_null(strstr(ck_err_last()->msg, "wrong"));
	a.secret_id = "sid";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "ro/x", 2, 0), CK_OK);
	/* find needs list on metadata: this policy has none */
	assert_int_equal(ck_vault_kv_list(v, &r, "secret", "ro", 2, &keys), CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "403: permission denied"));
	assert_int_equal(ck_vault_kv_write(v, "secret", "ro/x", 2, "{\"a\":\"b\"}", -1, NULL),
	                 CK_EDENIED);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "other", 2, 0), CK_EDENIED);
	assert_null(kv.data);
	/* one re-login was tried for the login-derived token, no more */
	ck_vault_response_dispose(&r);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
	ck_vault_free(root);
}

static void sealed_and_standby(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_kv kv = { 0 };
	struct ck_vault_health h;
	struct ckt_double sb;
	struct ck_vault *vs;
	struct ck_vault_auth a = { 0 };
	char body[256];

	(void)state;
	assert_int_equal(ck_vault_kv_write(v, "secret", "hs", 2, "{\"k\":\"v\"}", -1, NULL), CK_OK);
	assert_int_equal(ck_vault_health(v, &h), CK_OK);
	assert_int_equal(h.status, 200);
	assert_true(h.initialized);

	ctl(&vd, "seal", "{\"sealed\":true}");
	ctl_clear_log(&vd);
	sleeps = 0;
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "hs", 2, 0), CK_ENET);
	assert_non_null(strstr(ck_err_last()->msg, "503: Vault is sealed"));
	assert_null(kv.data);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/hs"), 3); /* 1 + 2 retries */
	assert_int_equal(sleeps, 2);
	assert_int_equal(ck_vault_health(v, &h), CK_OK);
	assert_int_equal(h.status, 503);
	assert_true(h.sealed);
	ctl(&vd, "seal", "{\"sealed\":false}");

	/* a standby that cannot serve: 503, retried, then a clear error */
	ctl(&vd, "standby", "{\"standby\":true,\"mode\":\"503\"}");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "hs", 2, 0), CK_ENET);
	assert_non_null(strstr(ck_err_last()->msg, "standby"));
	assert_int_equal(ck_vault_health(v, &h), CK_OK);
	assert_int_equal(h.status, 429);
	assert_true(h.standby);
	/* a standby that redirects to the active node: followed */
	ctl(&vd, "standby", "{\"standby\":false}");
	ckt_double_start(&sb, "vault_double.py", NULL);
	snprintf(body, sizeof(body), "{\"standby\":true,\"mode\":\"redirect\",\"active\":\"%s\"}",
	         vd.url);
	ctl(&sb, "standby", "%s", body);
	vs = client_at(sb.url, NULL);
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = "root-token";
	assert_int_equal(ck_vault_login(vs, &a), CK_OK);
	assert_int_equal(ck_vault_kv_read(vs, &kv, "secret", "hs", 2, 0), CK_OK);
	assert_string_equal(str_of(kv.data, "k"), "v");
	assert_int_equal(log_count(&sb, "GET", "path", "/v1/secret/data/hs"), 1);
	ck_vault_free(vs);
	ckt_double_stop(&sb);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static void retries(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_kv kv = { 0 };

	(void)state;
	assert_int_equal(ck_vault_kv_write(v, "secret", "rt", 2, "{\"k\":\"v\"}", -1, NULL), CK_OK);
	/* 429 then success, with Retry-After honoured */
	ctl(&vd, "fail", "{\"match\":\"secret/data/rt\",\"status\":429,\"count\":1,"
	    "\"retry_after\":1}");
	ctl_clear_log(&vd);
	slept_total = 0;
	sleeps = 0;
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "rt", 2, 0), CK_OK);
	assert_string_equal(str_of(kv.data, "k"), "v");
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/rt"), 2);
	assert_int_equal(sleeps, 1);
	assert_true(slept_total >= 1000);
	/* 412 (read-your-writes) and 500/502 are retried; 501 and 400 are not */
	ctl(&vd, "fail", "{\"match\":\"secret/data/rt\",\"status\":412,\"count\":1}");
	ctl(&vd, "fail", "{\"match\":\"secret/data/rt\",\"status\":502,\"count\":1}");
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "rt", 2, 0), CK_OK);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/rt"), 3);
	ctl(&vd, "fail", "{\"match\":\"secret/data/rt\",\"status\":501,\"count\":1}");
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "rt", 2, 0), CK_EUNSUPPORTED);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/rt"), 1);
	ctl(&vd, "fail", "{\"match\":\"secret/data/rt\",\"status\":500,\"count\":5}");
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "rt", 2, 0), CK_ENET);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/rt"), 3);
	ctl(&vd, "fail/clear", "{}");
	/* a dropped connection is retried */
	ctl(&vd, "fail", "{\"match\":\"secret/data/rt\",\"action\":\"drop\",\"count\":1}");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "rt", 2, 0), CK_OK);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static void bad_bodies(void **state)
{
	struct ck_vault_config c = { 0 };
	struct ck_vault *v = NULL;
	struct ck_vault_auth a = { 0 };
	struct ck_vault_kv kv = { 0 };

	(void)state;
	c.addr = vd.url;
	c.max_response = 1 << 20;
	c.sleep_ms = fake_sleep;
	assert_int_equal(ck_vault_new(&v, &c), CK_OK);
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = "root-token";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_int_equal(ck_vault_kv_write(v, "secret", "bb", 2, "{\"k\":\"v\"}", -1, NULL), CK_OK);
	ctl(&vd, "fail", "{\"match\":\"secret/data/bb\",\"action\":\"malformed\",\"count\":1}");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "bb", 2, 0), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "malformed JSON"));
	assert_null(kv.data);
	ctl(&vd, "fail", "{\"match\":\"secret/data/bb\",\"action\":\"oversize\",\"size\":2097152,"
	    "\"count\":1}");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "bb", 2, 0), CK_ETOOBIG);
	assert_null(kv.data);
	/* a 200 that is JSON but not an envelope */
	ctl(&vd, "fail", "{\"match\":\"secret/data/bb\",\"status\":200,\"errors\":[],\"count\":1}");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "bb", 2, 0), CK_EINVAL);
	assert_null(kv.data);
	/* and the client still works */
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "bb", 2, 0), CK_OK);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static int closed_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void unreachable(void **state)
{
	struct ck_vault *v;
	struct ck_vault_auth a = { 0 };
	struct ck_vault_kv kv = { 0 };
	struct ckt_double tls;
	char addr[128], cmd[2048];
	const char *dir = ckt_tmpdir();

	(void)state;
	snprintf(addr, sizeof(addr), "http://127.0.0.1:%d", closed_port());
	v = client_at(addr, NULL);
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = "root-token";
	sleeps = 0;
	assert_int_equal(ck_vault_login(v, &a), CK_ENET);
	assert_non_null(strstr(ck_err_last()->msg, "cannot connect"));
	assert_null(strstr(ck_err_last()->msg, "root-token"));
	assert_int_equal(sleeps, 2); /* connection failures are retried */
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "x", 2, 0), CK_ENET);
	assert_null(kv.data);
	ck_vault_free(v);

	/* TLS with a certificate the client does not trust */
	if (!ckt_have_program("openssl"))
		return;
	snprintf(cmd, sizeof(cmd), "cd %s && openssl req -x509 -newkey ec -pkeyopt "
	         "ec_paramgen_curve:P-256 -nodes -keyout vs.key -out vs.pem -days 2 -subj /CN=vault "
	         "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/vs.pem", dir);
	{
		char key[2048];

		snprintf(key, sizeof(key), "%s/vs.key", dir);
		ckt_double_start(&tls, "vault_double.py", "--tls-cert", cmd, "--tls-key", key, NULL);
	}
	snprintf(addr, sizeof(addr), "https://127.0.0.1:%d", tls.port);
	v = client_at(addr, NULL);
	assert_int_equal(ck_vault_login(v, &a), CK_ENET);
	assert_non_null(strstr(ck_err_last()->msg, "TLS"));
	ck_vault_free(v);
	{
		struct ck_vault_config c = { 0 };

		c.addr = addr;
		c.tls.ca_file = cmd;
		assert_int_equal(ck_vault_new(&v, &c), CK_OK);
		assert_int_equal(ck_vault_login(v, &a), CK_OK);
		ck_vault_free(v);
	}
	ckt_double_stop(&tls);

	/* TLS certificate auth: the client certificate is the credential */
	snprintf(cmd, sizeof(cmd), "cd %s && openssl req -x509 -newkey ec -pkeyopt "
	         "ec_paramgen_curve:P-256 -nodes -keyout cl.key -out cl.pem -days 2 -subj /CN=web "
	         ">/dev/null 2>&1", dir);
	assert_int_equal(system(cmd), 0);
	{
		char cert[2048], key[2048], cl[2048], clkey[2048];
		struct ck_vault_config c = { 0 };
		struct ck_vault_auth ca = { 0 };

		snprintf(cert, sizeof(cert), "%s/vs.pem", dir);
		snprintf(key, sizeof(key), "%s/vs.key", dir);
		snprintf(cl, sizeof(cl), "%s/cl.pem", dir);
		snprintf(clkey, sizeof(clkey), "%s/cl.key", dir);
		ckt_double_start(&tls, "vault_double.py", "--tls-cert", cert, "--tls-key", key,
		                 "--tls-client-ca", cl, NULL);
		snprintf(addr, sizeof(addr), "https://127.0.0.1:%d", tls.port);
		{
			/* control calls need the client certificate too */
			struct ck_http_client *hc = NULL;
			struct ck_http_opts ho = { 0 };
			struct ck_http_request rq = { 0 };
			struct ck_http_response rs = CK_HTTP_RESPONSE_INIT;
			char u[256];
			static const char body[] = "{\"type\":\"cert\",\"name\":\"web\","
			                           "\"policies\":[\"root\"],\"ttl\":600}";

			ho.tls.ca_file = cert;
			ho.tls.cert_file = cl;
			ho.tls.key_file = clkey;
			assert_int_equal(ck_http_client_new(&hc, &ho), CK_OK);
			snprintf(u, sizeof(u), "%s/_control/auth", addr);
			rq.url = u;
			rq.method = "POST";
			rq.body = body;
			rq.body_len = strlen(body);
			assert_int_equal(ck_http_send(hc, &rq, &rs), CK_OK);
			assert_int_equal(rs.status, 204);
			ck_http_response_dispose(&rs);
			ck_http_client_free(hc);
		}
		c.addr = addr;
		c.tls.ca_file = cert;
		ca.method = CK_VAULT_AUTH_CERT;
		ca.cert_name = "web";
		assert_int_equal(ck_vault_new(&v, &c), CK_OK);
		assert_int_equal(ck_vault_login(v, &ca), CK_ENET); /* no client certificate */
		ck_vault_free(v);
		c.tls.cert_file = cl;
		c.tls.key_file = clkey;
		assert_int_equal(ck_vault_new(&v, &c), CK_OK);
		assert_int_equal(ck_vault_login(v, &ca), CK_OK);
		assert_int_equal(strncmp(ck_vault_token(v), "hvs.", 4), 0);
		ck_vault_free(v);
		ckt_double_stop(&tls);
	}
}

static void token_sources(void **state)
{
	struct ck_vault *v = client_at(vd.url, NULL);
	struct ck_vault_auth a = { 0 };
	struct ck_vault_token_info info;
	const char *dir = ckt_tmpdir();
	char path[4096], home[4096];
	const char *old_home = getenv("HOME");

	(void)state;
	ctl(&vd, "token", "{\"id\":\"file-token\",\"policies\":[\"root\"]}");
	ctl(&vd, "token", "{\"id\":\"env-token\",\"policies\":[\"root\"]}");
	ctl(&vd, "token", "{\"id\":\"home-token\",\"policies\":[\"root\"],\"ttl\":7200,"
	    "\"renewable\":true}");
	ctl(&vd, "token", "{\"id\":\"dying-token\",\"policies\":[\"root\"],\"ttl\":30}");
	a.method = CK_VAULT_AUTH_TOKEN;
	snprintf(path, sizeof(path), "%s/tokfile", dir);
	assert_int_equal(ck_file_write_atomic(path, "file-token\n", 11, 0600), CK_OK);
	a.token_file = path;
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_string_equal(ck_vault_token(v), "file-token");
	a.token_file = NULL;
	setenv("VAULT_TOKEN", "env-token", 1);
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_string_equal(ck_vault_token(v), "env-token");
	unsetenv("VAULT_TOKEN");
	snprintf(home, sizeof(home), "%s/home", dir);
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "mkdir -p %s && printf 'home-token' > %s/.vault-token",
		         home, home);
		assert_int_equal(system(cmd), 0);
	}
	setenv("HOME", home, 1);
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_string_equal(ck_vault_token(v), "home-token");
	assert_int_equal(ck_vault_token_lookup(v, &info), CK_OK);
	assert_true(info.renewable);
	assert_true(info.expires);
	assert_true(info.ttl > 7000);
	assert_int_equal(ck_vault_token_renew(v, 3600), CK_OK);
	/* nothing anywhere */
	setenv("HOME", dir, 1);
	assert_int_equal(ck_vault_login(v, &a), CK_ENOTFOUND);
	/* a token about to expire is refused, as ESO does */
	a.token = "dying-token";
	assert_int_equal(ck_vault_login(v, &a), CK_EDENIED);
	a.token = "no-such-token";
	assert_int_equal(ck_vault_login(v, &a), CK_EDENIED);
	assert_null(strstr(ck_err_last()->msg, "no-such-token"));
	if (old_home)
		setenv("HOME", old_home, 1);
	ck_vault_free(v);
}

static void logins_and_expiry(void **state)
{
	struct ck_vault *v = client_at(vd.url, NULL);
	struct ck_vault *root = root_client();
	struct ck_vault_auth a = { 0 };
	struct ck_vault_kv kv = { 0 };
	const char *dir = ckt_tmpdir();
	char jwt[4096], tokens[256];
	const char *t;

	(void)state;
	assert_int_equal(ck_vault_kv_write(root, "secret", "k8s/app", 2, "{\"k\":\"v\"}", -1, NULL),
	                 CK_OK);
	ctl(&vd, "policy", "{\"name\":\"app\",\"rules\":[{\"path\":\"secret/data/k8s/*\","
	    "\"capabilities\":[\"read\"]}]}");
	ctl(&vd, "auth", "{\"type\":\"kubernetes\",\"role\":\"app\",\"jwt\":\"sa-jwt-1\","
	    "\"policies\":[\"app\"],\"ttl\":60,\"renewable\":false}");
	snprintf(jwt, sizeof(jwt), "%s/sa-token", dir);
	assert_int_equal(ck_file_write_atomic(jwt, "sa-jwt-1\n", 9, 0600), CK_OK);
	a.method = CK_VAULT_AUTH_KUBERNETES;
	a.role = "app";
	a.jwt_file = jwt;
	client_now = 1000000;
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_non_null(ck_vault_token(v));
	assert_int_equal(strncmp(ck_vault_token(v), "hvs.", 4), 0);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "k8s/app", 2, 0), CK_OK);

	/* the server's clock passes the TTL but ours does not: 403, one re-login, repeat */
	ctl(&vd, "clock", "{\"advance\":61}");
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "k8s/app", 2, 0), CK_OK);
	assert_string_equal(str_of(kv.data, "k"), "v");
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/kubernetes/login"), 1);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/k8s/app"), 2);

	/* our clock passes two thirds of the lease: a non-renewable token logs in again first */
	client_now += 45;
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "k8s/app", 2, 0), CK_OK);
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/kubernetes/login"), 1);
	assert_int_equal(log_count(&vd, "GET", "path", "/v1/secret/data/k8s/app"), 1);

	/* the JWT file rotated and the old one no longer works: re-login reads the new one */
	ctl(&vd, "auth", "{\"type\":\"kubernetes\",\"role\":\"app\",\"jwt\":\"sa-jwt-2\","
	    "\"policies\":[\"app\"],\"ttl\":60,\"renewable\":true}");
	assert_int_equal(ck_file_write_atomic(jwt, "sa-jwt-2\n", 9, 0600), CK_OK);
	ctl(&vd, "clock", "{\"advance\":61}");
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "k8s/app", 2, 0), CK_OK);

	/* a renewable token is renewed (renew-self), not replaced */
	client_now += 45;
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "k8s/app", 2, 0), CK_OK);
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/token/renew-self"), 1);
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/kubernetes/login"), 0);

	/* expired and the login no longer accepted: a clear error, no data */
	ctl(&vd, "auth", "{\"type\":\"kubernetes\",\"role\":\"app\",\"jwt\":\"other\","
	    "\"policies\":[\"app\"],\"ttl\":60}");
	ctl(&vd, "clock", "{\"advance\":3600}");
	ctl_clear_log(&vd);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "k8s/app", 2, 0), CK_EDENIED);
	assert_null(kv.data);
	assert_non_null(strstr(ck_err_last()->msg, "logging in again failed"));
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/kubernetes/login"), 1);

	/* logout revokes a login-derived token */
	ctl(&vd, "auth", "{\"type\":\"userpass\",\"username\":\"alice\",\"password\":\"pw\","
	    "\"policies\":[\"app\"],\"ttl\":600}");
	memset(&a, 0, sizeof(a));
	a.method = CK_VAULT_AUTH_USERPASS;
	a.username = "alice";
	a.password = "pw";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	snprintf(tokens, sizeof(tokens), "\"%s\"", ck_vault_token(v));
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/userpass/login/alice"), 1);
	assert_int_equal(ck_vault_logout(v), CK_OK);
	assert_null(ck_vault_token(v));
	t = ctl(&vd, "tokens", NULL);
	t = strstr(t, tokens);
	assert_non_null(t);
	assert_non_null(strstr(t, "\"revoked\": true"));
	assert_true(strstr(t, "\"revoked\": true") < strstr(t, "}"));
	/* the JWT and the password never reached a message */
	a.password = "wrong-pw";
	assert_int_equal(ck_vault_login(v, &a), CK_EDENIED);
	assert_null(strstr(ck_err_last()->msg, "wrong-pw"));
	client_now = 0;
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
	ck_vault_free(root);
}

static void jwt_and_ryw(void **state)
{
	struct ck_vault_config c = { 0 };
	struct ck_vault *v = NULL;
	struct ck_vault_auth a = { 0 };
	struct ck_vault_kv kv = { 0 };
	char hdr[128];

	(void)state;
	ctl(&vd, "auth", "{\"type\":\"jwt\",\"role\":\"ci\",\"jwt\":\"ci-jwt\","
	    "\"policies\":[\"root\"],\"ttl\":600}");
	c.addr = vd.url;
	c.read_your_writes = 1;
	c.forward_inconsistent = 1;
	assert_int_equal(ck_vault_new(&v, &c), CK_OK);
	a.method = CK_VAULT_AUTH_JWT;
	a.role = "ci";
	a.jwt = "not-it";
	assert_int_equal(ck_vault_login(v, &a), CK_EDENIED);
	assert_non_null(strstr(ck_err_last()->msg, "error validating token"));
	a.jwt = "ci-jwt";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_int_equal(log_count(&vd, "POST", "path", "/v1/auth/jwt/login"), 2);
	/* the index a write returned goes back with the next read */
	assert_int_equal(ck_vault_kv_write(v, "secret", "ryw", 2, "{\"k\":\"v\"}", -1, NULL),
	                 CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "ryw", 2, 0), CK_OK);
	log_header(hdr, sizeof(hdr), &vd, "/v1/secret/data/ryw", "x-vault-index");
	assert_int_equal(strncmp(hdr, "idx-", 4), 0);
	log_header(hdr, sizeof(hdr), &vd, "/v1/secret/data/ryw", "x-vault-inconsistent");
	assert_string_equal(hdr, "forward-active-node");
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

static void namespaces(void **state)
{
	struct ck_vault *root = client_at(vd.url, "team-a");
	struct ck_vault *v = client_at(vd.url, "team-b/");
	struct ck_vault_auth a = { 0 };
	struct ck_vault_kv kv = { 0 };
	char hdr[128];

	(void)state;
	ctl(&vd, "namespace", "{\"name\":\"team-a\"}");
	ctl(&vd, "namespace", "{\"name\":\"team-b\"}");
	ctl(&vd, "mount", "{\"ns\":\"team-a\",\"path\":\"secret\",\"type\":\"kv\",\"version\":2}");
	ctl(&vd, "mount", "{\"ns\":\"team-b\",\"path\":\"secret\",\"type\":\"kv\",\"version\":2}");
	ctl(&vd, "token", "{\"id\":\"a-token\",\"policies\":[\"root\"],\"ns\":\"team-a\"}");
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = "a-token";
	assert_int_equal(ck_vault_login(root, &a), CK_OK);
	assert_int_equal(ck_vault_kv_write(root, "secret", "x", 2, "{\"ns\":\"a\"}", -1, NULL),
	                 CK_OK);
	assert_int_equal(ck_vault_kv_read(root, &kv, "secret", "x", 2, 0), CK_OK);
	assert_string_equal(str_of(kv.data, "ns"), "a");
	log_header(hdr, sizeof(hdr), &vd, "/v1/secret/data/x", "x-vault-namespace");
	assert_string_equal(hdr, "team-a");
	/* the same token in another namespace: 403 */
	assert_int_equal(ck_vault_login(v, &a), CK_EDENIED);
	/* login in one namespace (auth.namespace), reads in another */
	ctl(&vd, "auth", "{\"type\":\"approle\",\"ns\":\"team-b\",\"role_id\":\"r\","
	    "\"secret_id\":\"s\",\"policies\":[\"root\"],\"ttl\":600}");
	memset(&a, 0, sizeof(a));
	a.method = CK_VAULT_AUTH_APPROLE;
	a.ns = "team-b";
	a.role_id = "r";
	a.secret_id = "s";
	assert_int_equal(ck_vault_login(v, &a), CK_OK);
	assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "x", 2, 0), CK_ENOTFOUND);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
	ck_vault_free(root);
}

static void transit(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_buf ct, ct2, pt;
	uint8_t key[32];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	ck_buf_init(&ct, 0);
	ck_buf_init(&ct2, 0);
	ck_buf_init_secure(&pt, 0);
	assert_int_equal(ck_vault_transit_encrypt(v, &ct, "transit", "sops", key, 32, NULL, 0),
	                 CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&ct), "vault:v1:", 9), 0);
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "sops", ck_buf_cstr(&ct), NULL,
	                                          0), CK_OK);
	assert_int_equal(ck_buf_len(&pt), 32);
	assert_memory_equal(ck_buf_data(&pt), key, 32);
	/* rotation: old ciphertext still decrypts, new encrypts use v2 */
	assert_int_equal(ck_vault_request(v, "POST", "transit/keys/sops/rotate", NULL, "{}", &r),
	                 CK_OK);
	assert_int_equal(ck_vault_transit_encrypt(v, &ct2, "transit", "sops", key, 32, NULL, 0),
	                 CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&ct2), "vault:v2:", 9), 0);
	ck_buf_reset(&pt);
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "sops", ck_buf_cstr(&ct), NULL,
	                                          0), CK_OK);
	assert_memory_equal(ck_buf_data(&pt), key, 32);
	/* wrong key, tampered ciphertext: authentication errors, no plaintext */
	ck_buf_reset(&pt);
	assert_int_equal(ck_vault_transit_encrypt(v, &ct2, "transit", "other", key, 1, NULL, 0),
	                 CK_OK);
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "other", ck_buf_cstr(&ct), NULL,
	                                          0), CK_EAUTH);
	assert_non_null(strstr(ck_err_last()->msg, "message authentication failed"));
	assert_int_equal(ck_buf_len(&pt), 0);
	{
		char bad[512];

		snprintf(bad, sizeof(bad), "%s", ck_buf_cstr(&ct));
		bad[12] = bad[12] == 'A' ? 'B' : 'A';
		assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "sops", bad, NULL, 0),
		                 CK_EAUTH);
		assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "sops", "vault:v9:AAAA",
		                                          NULL, 0), CK_EAUTH);
		assert_non_null(strstr(ck_err_last()->msg, "version is too new"));
		assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "missing",
		                                          ck_buf_cstr(&ct), NULL, 0), CK_EAUTH);
		assert_non_null(strstr(ck_err_last()->msg, "encryption key not found"));
	}
	/* min_decryption_version makes v1 ciphertext too old */
	assert_int_equal(ck_vault_request(v, "POST", "transit/keys/sops/config", NULL,
	                                  "{\"min_decryption_version\":2}", &r), CK_OK);
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "sops", ck_buf_cstr(&ct), NULL,
	                                          0), CK_EAUTH);
	assert_non_null(strstr(ck_err_last()->msg, "too old"));
	/* derived keys need and check the context */
	assert_int_equal(ck_vault_request(v, "POST", "transit/keys/derived", NULL,
	                                  "{\"derived\":true}", &r), CK_OK);
	ck_buf_reset(&ct);
	assert_int_equal(ck_vault_transit_encrypt(v, &ct, "transit", "derived", key, 32, "ctx-1", 5),
	                 CK_OK);
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "derived", ck_buf_cstr(&ct),
	                                          "ctx-2", 5), CK_EAUTH);
	assert_int_equal(ck_vault_transit_decrypt(v, &pt, "transit", "derived", ck_buf_cstr(&ct),
	                                          "ctx-1", 5), CK_OK);
	assert_memory_equal(ck_buf_data(&pt), key, 32);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&ct2);
	ck_buf_dispose(&pt);
	ck_vault_response_dispose(&r);
	ck_vault_free(v);
}

static void connection_reuse(void **state)
{
	struct ck_vault *v = root_client();
	struct ck_vault_kv kv = { 0 };
	const char *c1, *c2;
	long before, after;

	(void)state;
	assert_int_equal(ck_vault_kv_write(v, "secret", "reuse", 2, "{\"k\":\"v\"}", -1, NULL), CK_OK);
	c1 = ctl(&vd, "connections", NULL);
	before = strtol(strchr(c1, ':') + 1, NULL, 10);
	for (int i = 0; i < 50; i++)
		assert_int_equal(ck_vault_kv_read(v, &kv, "secret", "reuse", 2, 0), CK_OK);
	c2 = ctl(&vd, "connections", NULL);
	after = strtol(strchr(c2, ':') + 1, NULL, 10);
	/* 50 reads over the one connection already open (+1 for the control call itself) */
	assert_true(after - before <= 1);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kv2),
		cmocka_unit_test(kv2_deleted),
		cmocka_unit_test(kv1),
		cmocka_unit_test(policy_denied),
		cmocka_unit_test(sealed_and_standby),
		cmocka_unit_test(retries),
		cmocka_unit_test(bad_bodies),
		cmocka_unit_test(unreachable),
		cmocka_unit_test(token_sources),
		cmocka_unit_test(logins_and_expiry),
		cmocka_unit_test(jwt_and_ryw),
		cmocka_unit_test(namespaces),
		cmocka_unit_test(transit),
		cmocka_unit_test(connection_reuse),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
