/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AWS answer parsing: the Secrets Manager, KMS and error JSON parsers and the
 * STS XML credentials parser directly, and KMS/Secrets Manager calls through
 * the client with the fuzz input as the service's answer (first byte: status).
 */
#include <string.h>

#include "ck/aws.h"

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

static time_t fixed_now(void *arg)
{
	(void)arg;
	return 1440938160;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 403, 500, 503 };
	struct ck_aws_config c = { 0 };
	struct ck_aws *a = NULL;
	struct ck_aws_secret s;
	struct ck_buf k, sk, t, out;
	time_t exp;
	int rc;

	if (size < 1)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	body = data + 1;
	body_len = size - 1;
	ck_aws_secret_init(&s);
	ck_buf_init(&k, 0);
	ck_buf_init_secure(&sk, 0);
	ck_buf_init_secure(&t, 0);
	ck_buf_init_secure(&out, 0);

	rc = ck_aws_sm_parse(&s, (const char *)body, body_len);
	CK_ASSERT(rc == CK_OK || ck_buf_len(&s.value) == 0);
	(void)ck_aws_error_from_response("fuzz", status, (const char *)body, body_len,
	                                 data[0] & 1 ? "ThrottlingException:x" : NULL);
	rc = ck_aws_sts_parse_credentials(&k, &sk, &t, &exp, (const char *)body, body_len);
	CK_ASSERT(rc != CK_OK || (ck_buf_len(&k) > 0 && ck_buf_len(&sk) > 0));

	c.no_env = 1;
	c.region = "us-east-1";
	c.endpoint_url = "https://aws.fuzz";
	c.creds.access_key_id = "AKIDEXAMPLE";
	c.creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	c.max_retries = 0;
	c.transport = &transport;
	c.now = fixed_now;
	if (ck_aws_new(&a, &c) == CK_OK) {
		rc = ck_aws_kms_decrypt(a, &out, NULL, "blob", 4, NULL, 0);
		CK_ASSERT(rc == CK_OK || ck_buf_len(&out) == 0);
		ck_buf_reset(&out);
		if (ck_aws_kms_encrypt(a, &out, NULL, "alias/k", "x", 1, NULL, 0) < 0)
			ck_err_clear();
		rc = ck_aws_sm_get_secret_value(a, &s, "name", NULL, NULL);
		CK_ASSERT(rc == CK_OK || ck_buf_len(&s.value) == 0);
		ck_aws_free(a);
	}
	ck_aws_secret_dispose(&s);
	ck_buf_dispose(&k);
	ck_buf_dispose(&sk);
	ck_buf_dispose(&t);
	ck_buf_dispose(&out);
	return 0;
}
