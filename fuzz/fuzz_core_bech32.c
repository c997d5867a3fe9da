/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bech32 decoder (age recipients and identities): no crash, and whatever
 * decodes re-encodes to the same string up to case, with the same hrp; the
 * 5-bit form regroups to the same bytes; the checksum check agrees.
 */
#include <ctype.h>
#include <string.h>

#include "ck/bech32.h"
#include "ck/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_folded(const char *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower(b[i]))
			return 0;
	return a[n] == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_buf hrp = CK_BUF_INIT, d8 = CK_BUF_INIT, d5 = CK_BUF_INIT, hrp5 = CK_BUF_INIT,
	              back = CK_BUF_INIT, re = CK_BUF_INIT;
	const char *s = (const char *)data;
	int strict;

	for (strict = 0; strict < 2; strict++) {
		ck_buf_reset(&hrp);
		ck_buf_reset(&d8);
		if (ck_bech32_decode(&hrp, &d8, s, size, strict) != CK_OK) {
			/* a failed decode leaves both buffers as they were */
			CK_ASSERT(ck_buf_len(&hrp) == 0 && ck_buf_len(&d8) == 0);
			continue;
		}
		CK_ASSERT(ck_bech32_verify(s, size) == 1);
		ck_buf_reset(&re);
		CK_ASSERT(ck_bech32_encode(&re, ck_buf_cstr(&hrp), ck_buf_data(&d8), ck_buf_len(&d8), 0) ==
		          CK_OK);
		CK_ASSERT(ck_buf_len(&re) == size && same_folded(ck_buf_cstr(&re), data, size));
		ck_buf_reset(&hrp5);
		ck_buf_reset(&d5);
		ck_buf_reset(&back);
		CK_ASSERT(ck_bech32_decode5(&hrp5, &d5, s, size, strict) == CK_OK);
		CK_ASSERT(strcmp(ck_buf_cstr(&hrp5), ck_buf_cstr(&hrp)) == 0);
		CK_ASSERT(ck_bech32_5to8(&back, ck_buf_data(&d5), ck_buf_len(&d5)) == CK_OK);
		CK_ASSERT(ck_buf_eq(&back, &d8));
	}
	ck_buf_dispose(&hrp);
	ck_buf_dispose(&d8);
	ck_buf_dispose(&d5);
	ck_buf_dispose(&hrp5);
	ck_buf_dispose(&back);
	ck_buf_dispose(&re);
	return 0;
}
