/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SigV4 canonicalisation of arbitrary requests: lines of the input are the
 * path, the query and header lines (the first two lines) and the rest is the
 * body. Signing must not crash, and a signed request carries a 64-hex
 * signature; presigning the same request must agree on the payload hash.
 */
#include <stdlib.h>
#include <string.h>

#include "ck/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_aws_creds cr = { "AKIDEXAMPLE", "secret", NULL };
	struct ck_sigv4_params p = { "us-east-1", "service", 1440938160, 1, 0, 0, 0 };
	struct ck_sigv4_request req = { "POST", NULL, NULL, NULL, NULL, 0 };
	struct ck_sigv4_out o;
	const char *lines[18];
	char *text, *s, *nl;
	int n = 0;

	if (size > 4096 || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	s = text;
	for (int i = 0; i < 2 && s != NULL; i++) {
		nl = strchr(s, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (i == 0)
			req.path = s;
		else
			req.query = s;
		s = nl ? nl + 1 : NULL;
	}
	lines[n++] = "Host:example.amazonaws.com";
	while (s != NULL && n < 16) {
		nl = strchr(s, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*s == '\0') {
			s = nl ? nl + 1 : NULL;
			break;
		}
		lines[n++] = s;
		s = nl ? nl + 1 : NULL;
	}
	lines[n] = NULL;
	req.headers = lines;
	req.body = s;
	req.body_len = s ? strlen(s) : 0;
	cr.session_token = size & 1 ? "token" : NULL;
	p.normalize = (size & 2) != 0;
	p.content_sha256_header = (size & 4) != 0;
	ck_sigv4_out_init(&o);
	if (ck_sigv4_sign(&o, &req, &cr, &p) == CK_OK)
		CK_ASSERT(ck_buf_len(&o.signature) == 64 && ck_buf_len(&o.authorization) > 0);
	else
		CK_ASSERT(ck_buf_len(&o.authorization) == 0);
	if (ck_sigv4_presign(&o, &req, &cr, &p) == CK_OK)
		CK_ASSERT(ck_buf_len(&o.signature) == 64 && ck_buf_len(&o.query) > 0);
	ck_sigv4_out_dispose(&o);
	free(text);
	return 0;
}
