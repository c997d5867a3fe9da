/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vault response parsing through the real client: the first byte picks the
 * HTTP status, the rest is the body the transport seam answers with. The
 * client must never crash and never report data unless the call succeeded.
 */
#include <string.h>

#include "ck/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *body;
static size_t body_len;
static long status;

static int send_fuzz(void *ctx, struct ck_http_exchange *x)
{
	(void)ctx;
	ck_http_exchange_status(x, status);
	return ck_http_exchange_body(x, body, body_len);
}

static const struct ck_http_transport transport = { send_fuzz, NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 204, 400, 403, 404, 412, 429, 500, 503, 307 };
	struct ck_vault_config c = { 0 };
	struct ck_vault *v = NULL;
	struct ck_vault_kv kv = { 0 };
	struct ck_vault_response r = CK_VAULT_RESPONSE_INIT;
	struct ck_vault_token_info info;
	struct ck_vault_health h;
	const struct ck_doc_node *keys;
	struct ck_buf out;
	int rc;

	if (size < 1)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	body = data + 1;
	body_len = size - 1;
	c.addr = "https://vault.fuzz:8200";
	c.max_retries = 0;
	c.transport = &transport;
	if (ck_vault_new(&v, &c) != CK_OK)
		return 0;
	ck_buf_init_secure(&out, 0);

	rc = ck_vault_kv_read(v, &kv, "secret", "app", 2, data[0] & 1 ? 3 : 0);
	CK_ASSERT(rc != CK_OK || (kv.data != NULL && kv.data->kind == CK_DOC_MAP));
	CK_ASSERT(rc == CK_OK || kv.data == NULL);
	rc = ck_vault_kv_read(v, &kv, "kv", "app", 1, 0);
	CK_ASSERT(rc != CK_OK || kv.data != NULL);
	rc = ck_vault_kv_list(v, &r, "secret", "dir", 2, &keys);
	CK_ASSERT(rc != CK_OK || keys != NULL);
	CK_ASSERT(rc == CK_OK || keys == NULL);
	if (ck_vault_kv_metadata(v, &r, "secret", "app") < 0)
		ck_err_clear();
	if (ck_vault_token_lookup(v, &info) < 0)
		ck_err_clear();
	if (ck_vault_health(v, &h) < 0)
		ck_err_clear();
	rc = ck_vault_transit_decrypt(v, &out, "transit", "k", "vault:v1:AAAA", NULL, 0);
	CK_ASSERT(rc == CK_OK || ck_buf_len(&out) == 0);
	ck_buf_reset(&out);
	if (ck_vault_transit_encrypt(v, &out, "transit", "k", "x", 1, NULL, 0) < 0)
		ck_err_clear();
	{
		struct ck_vault_auth a = { 0 };

		a.method = CK_VAULT_AUTH_APPROLE;
		a.role_id = "r";
		a.secret_id = "s";
		rc = ck_vault_login(v, &a);
		CK_ASSERT(rc != CK_OK || (ck_vault_token(v) != NULL && ck_vault_token(v)[0]));
	}
	ck_buf_dispose(&out);
	ck_vault_response_dispose(&r);
	ck_vault_kv_dispose(&kv);
	ck_vault_free(v);
	return 0;
}
