/* SPDX-License-Identifier: Apache-2.0 */
/*
 * N KV v2 reads against a Vault (the double on loopback in bench/net/run.sh):
 *   reuse  one client, one connection (what cloak does)
 *   http   one HTTP client, raw GETs without JSON parsing (transport cost)
 *   fresh  raw GETs with a new HTTP client each (new handle and connection)
 *   seam   the reuse loop against a canned answer (no network): the client's own cost
 * Prints "<mode> <n> reads in <ms> ms (<rate>/s)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck/vault.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char canned[] =
	"{\"request_id\":\"8af096e9-518c-7351-eff5-5ba20554b21f\",\"lease_id\":\"\","
	"\"renewable\":false,\"lease_duration\":0,\"data\":{\"data\":{\"username\":"
	"\"user1\",\"password\":\"pw-1\",\"url\":\"postgres://db:5432/app1\"},"
	"\"metadata\":{\"created_time\":\"2024-01-01T00:00:00.000000001Z\","
	"\"custom_metadata\":null,\"deletion_time\":\"\",\"destroyed\":false,"
	"\"version\":1}},\"wrap_info\":null,\"warnings\":null,\"auth\":null,"
	"\"mount_type\":\"kv\"}";

static int send_canned(void *ctx, struct ck_http_exchange *x)
{
	char len[24];
	int rc;

	(void)ctx;
	ck_http_exchange_status(x, 200);

	snprintf(len, sizeof(len), "%zu", sizeof(canned) - 1);
	if ((rc = ck_http_exchange_header(x, "Content-Type", 12, "application/json", 16)) < 0 ||
	    (rc = ck_http_exchange_header(x, "Content-Length", 14, len, strlen(len))) < 0)
		return rc;
	return ck_http_exchange_body(x, canned, sizeof(canned) - 1);
}

static int login(struct ck_vault **v, const char *addr, const char *token)
{
	struct ck_vault_config c = { 0 };
	struct ck_vault_auth a = { 0 };
	int rc;

	c.addr = addr;
	c.max_retries = 0;
	if ((rc = ck_vault_new(v, &c)) < 0)
		return rc;
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = token;
	return ck_vault_login(*v, &a);
}

int main(int argc, char **argv)
{
	struct ck_vault *v = NULL;
	struct ck_vault_kv kv = { 0 };
	char path[64];
	double t0, ms;
	long n;
	int rc = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: bench_net_vault ADDR TOKEN N reuse|fresh|http\n");
		return 2;
	}
	n = strtol(argv[3], NULL, 10);
	if (ck_net_init() < 0)
		return 1;
	t0 = now_ms();
	if (strcmp(argv[4], "reuse") == 0) {
		if ((rc = login(&v, argv[1], argv[2])) < 0)
			goto fail;
		t0 = now_ms();
		for (long i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "bench/k%ld", i % 100);
			if ((rc = ck_vault_kv_read(v, &kv, "secret", path, 2, 0)) < 0)
				goto fail;
		}
	} else if (strcmp(argv[4], "fresh") == 0) {
		for (long i = 0; i < n; i++) {
			struct ck_http_client *h = NULL;
			struct ck_http_request req = { 0 };
			struct ck_http_response resp = CK_HTTP_RESPONSE_INIT;
			char url[512], tok[300];
			const char *hd[2] = { tok, NULL };

			snprintf(url, sizeof(url), "%s/v1/secret/data/bench/k%ld", argv[1], i % 100);
			snprintf(tok, sizeof(tok), "X-Vault-Token: %s", argv[2]);
			if ((rc = ck_http_client_new(&h, NULL)) < 0)
				goto fail;
			req.url = url;
			req.headers = hd;
			rc = ck_http_send(h, &req, &resp);
			if (rc == CK_OK && resp.status != 200)
				rc = ck_http_check(&resp, "read");
			ck_http_response_dispose(&resp);
			ck_http_client_free(h);
			if (rc < 0)
				goto fail;
		}
	} else if (strcmp(argv[4], "http") == 0) {
		struct ck_http_client *h = NULL;
		struct ck_http_request req = { 0 };
		struct ck_http_response resp = CK_HTTP_RESPONSE_INIT;
		char url[512], tok[300];
		const char *hd[2] = { tok, NULL };

		snprintf(tok, sizeof(tok), "X-Vault-Token: %s", argv[2]);
		if ((rc = ck_http_client_new(&h, NULL)) < 0)
			goto fail;
		req.url = url;
		req.headers = hd;
		for (long i = 0; i < n && rc == CK_OK; i++) {
			snprintf(url, sizeof(url), "%s/v1/secret/data/bench/k%ld", argv[1], i % 100);
			rc = ck_http_send(h, &req, &resp);
			if (rc == CK_OK && resp.status != 200)
				rc = ck_http_check(&resp, "read");
		}
		ck_http_response_dispose(&resp);
		ck_http_client_free(h);
		if (rc < 0)
			goto fail;
	} else if (strcmp(argv[4], "seam") == 0) {
		static const struct ck_http_transport t = { send_canned, NULL };
		struct ck_vault_config c = { 0 };

		c.addr = argv[1];
		c.transport = &t;
		if ((rc = ck_vault_new(&v, &c)) < 0)
			goto fail;
		for (long i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "bench/k%ld", i % 100);
			if ((rc = ck_vault_kv_read(v, &kv, "secret", path, 2, 0)) < 0)
				goto fail;
		}
	} else {
		fprintf(stderr, "bench_net_vault: unknown mode %s\n", argv[4]);
		return 2;
	}
	ms = now_ms() - t0;
	printf("%-6s %ld reads in %.1f ms (%.0f/s, %.1f us/read)\n", argv[4], n, ms,
	       (double)n * 1000.0 / ms, ms * 1000.0 / (double)n);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
	ck_net_cleanup();
	return 0;
fail:
	fprintf(stderr, "bench_net_vault: %s\n", ck_err_last()->msg);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
	return 1;
}
