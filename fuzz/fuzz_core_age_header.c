/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age header parser and decryption front end: no crash, no leak; a header
 * that parses re-encodes to exactly its own bytes (strict = canonical); a
 * failed whole-buffer decryption releases nothing.
 */
#include <string.h>

#include "ck/age.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* TEST ONLY: the C2SP spec's example identity (0x42 * 32). */
static const char sk[] =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ck_age_identities *ids;
	struct ck_buf out = CK_BUF_INIT, pt = CK_BUF_INIT;
	size_t hlen = 0;

	if (ids == NULL) {
		CK_ASSERT(ck_age_identities_add_text(&ids, sk, strlen(sk)) == CK_OK);
		CK_ASSERT(ck_age_identities_add_passphrase(&ids, "password", 8) == CK_OK);
		/* scrypt stays cheap: higher work factors are header failures here. */
		ck_age_identities_set_max_log_n(ids, 4);
	}
	if (ck_age_header_reencode(&out, data, size, &hlen) == CK_OK) {
		CK_ASSERT(hlen <= size && ck_buf_len(&out) == hlen);
		CK_ASSERT(memcmp(ck_buf_data(&out), data, hlen) == 0);
	} else {
		CK_ASSERT(ck_buf_len(&out) == 0);
		CK_ASSERT(ck_age_last_failure() == CK_AGE_HEADER_FAILURE ||
		          ck_age_last_failure() == CK_AGE_OTHER);
	}
	CK_ASSERT(ck_buf_put(&pt, "x", 1) == CK_OK);
	if (ck_age_decrypt(&pt, ids, data, size) != CK_OK) {
		CK_ASSERT(ck_buf_len(&pt) == 1);
		CK_ASSERT(ck_age_last_failure() != CK_AGE_OK);
	}
	ck_buf_dispose(&out);
	ck_buf_dispose(&pt);
	return 0;
}
