/* SPDX-License-Identifier: Apache-2.0 */
/* SigV4 error handling and helpers (the vector suites are in vec_sigv4.c). */
#include <string.h>

#include "ck/sigv4.h"
#include "ck_test.h"

static const struct ck_aws_creds creds = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                           NULL };

static void errors(void **state)
{
	const char *hdrs[] = { "Host:example.amazonaws.com", NULL };
	const char *nohost[] = { "X-A:1", NULL };
	const char *badline[] = { "Host:x", "no colon here", NULL };
	struct ck_sigv4_params p = { "us-east-1", "kms", 1440938160, 1, 0, 0, 0 };
	struct ck_sigv4_request req = { "POST", "/", NULL, hdrs, "{}", 2 };
	struct ck_aws_creds none = { NULL, NULL, NULL };
	struct ck_sigv4_out o;

	(void)state;
	ck_sigv4_out_init(&o);
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_OK);
	assert_int_equal(ck_buf_len(&o.signature), 64);
	assert_string_equal(ck_buf_cstr(&o.add_headers), "X-Amz-Date:20150830T123600Z\n");
	assert_non_null(strstr(ck_buf_cstr(&o.authorization),
	                       "Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, "
	                       "SignedHeaders=host;x-amz-date, Signature="));
	/* the secret never shows up in any output */
	assert_null(strstr(ck_buf_cstr(&o.canonical), "EXAMPLEKEY"));
	assert_null(strstr(ck_buf_cstr(&o.authorization), "EXAMPLEKEY"));

	req.headers = nohost;
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_EINVAL);
	assert_int_equal(ck_buf_len(&o.authorization), 0);
	req.headers = badline;
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_EINVAL);
	req.headers = hdrs;
	req.query = "a=%zz";
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_EINVAL);
	req.query = "a=%4";
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_EINVAL);
	req.query = "b=2&&a=%41+";
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&o.canonical), "\na=A%2B&b=2\n"));
	req.query = NULL;
	assert_int_equal(ck_sigv4_sign(&o, &req, &none, &p), CK_EINVAL);
	p.region = NULL;
	assert_int_equal(ck_sigv4_sign(&o, &req, &creds, &p), CK_EINVAL);
	ck_sigv4_out_dispose(&o);
}

static void session_token(void **state)
{
	const char *hdrs[] = { "Host:kms.us-east-1.amazonaws.com",
	                       "Content-Type:application/x-amz-json-1.1",
	                       "X-Amz-Target:TrentService.Encrypt", NULL };
	struct ck_aws_creds cr = { "ASIAEXAMPLE", "secret", "tok/en+=" };
	struct ck_sigv4_params p = { "us-east-1", "kms", 1440938160, 1, 1, 0, 0 };
	struct ck_sigv4_request req = { "POST", "/", NULL, hdrs, "{}", 2 };
	struct ck_sigv4_out o;

	(void)state;
	ck_sigv4_out_init(&o);
	assert_int_equal(ck_sigv4_sign(&o, &req, &cr, &p), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&o.authorization),
	                       "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
	                       "x-amz-security-token;x-amz-target,"));
	assert_non_null(strstr(ck_buf_cstr(&o.add_headers), "X-Amz-Security-Token:tok/en+=\n"));
	assert_non_null(strstr(ck_buf_cstr(&o.add_headers),
	                       "x-amz-content-sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e83"
	                       "10c060f61caaff8a\n"));
	p.token_after = 1;
	assert_int_equal(ck_sigv4_sign(&o, &req, &cr, &p), CK_OK);
	assert_null(strstr(ck_buf_cstr(&o.authorization), "x-amz-security-token"));
	assert_non_null(strstr(ck_buf_cstr(&o.add_headers), "X-Amz-Security-Token:tok/en+=\n"));
	assert_int_equal(ck_sigv4_presign(&o, &req, &cr, &p), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&o.query), "&X-Amz-Security-Token=tok%2Fen%2B%3D&"));
	ck_sigv4_out_dispose(&o);
}

static void dates(void **state)
{
	char d[17];
	time_t t;

	(void)state;
	ck_sigv4_format_date(d, 1440938160);
	assert_string_equal(d, "20150830T123600Z");
	assert_int_equal(ck_sigv4_parse_date(&t, d), CK_OK);
	assert_int_equal((long)t, 1440938160L);
	assert_int_equal(ck_sigv4_parse_date(&t, "2015-08-30T12:36:00Z"), CK_EINVAL);
	assert_int_equal(ck_sigv4_parse_date(&t, "20150830T123600"), CK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors),
		cmocka_unit_test(session_token),
		cmocka_unit_test(dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
