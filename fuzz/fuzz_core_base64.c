/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 and hex decoders: no crash, and what decodes re-encodes canonically. */
#include <string.h>

#include "ck/enc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_buf d = CK_BUF_INIT, e = CK_BUF_INIT;
	enum ck_b64 v;

	for (v = CK_B64_STD; v <= CK_B64_URL_RAW; v++) {
		ck_buf_reset(&d);
		ck_buf_reset(&e);
		if (ck_b64_decode(&d, (const char *)data, size, v, 0) != CK_OK)
			continue;
		/* Strict decoding accepts only canonical text. */
		CK_ASSERT(ck_b64_encode(&e, ck_buf_data(&d), ck_buf_len(&d), v) == CK_OK);
		CK_ASSERT(ck_buf_len(&e) == size && memcmp(ck_buf_data(&e), data, size) == 0);
	}
	ck_buf_reset(&d);
	if (ck_b64_decode(&d, (const char *)data, size, CK_B64_STD,
	                  CK_B64_IGNORE_WS | CK_B64_PAD_OPTIONAL) == CK_OK)
		CK_ASSERT(ck_buf_len(&d) <= size);
	ck_buf_reset(&d);
	if (ck_hex_decode(&d, (const char *)data, size) == CK_OK)
		CK_ASSERT(ck_buf_len(&d) == size / 2);
	ck_buf_dispose(&d);
	ck_buf_dispose(&e);
	return 0;
}
