/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age armour decoder: no crash, no leak; what decodes re-encodes to text that
 * decodes to the same bytes, and input without CRs or surrounding blanks is
 * the one canonical armour of its contents.
 */
#include <string.h>

#include "ck/age.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_buf dec = CK_BUF_INIT, enc = CK_BUF_INIT, again = CK_BUF_INIT;

	if (ck_age_armor_decode(&dec, data, size) == CK_OK) {
		CK_ASSERT(ck_buf_len(&dec) <= size);
		CK_ASSERT(ck_age_armor_encode(&enc, ck_buf_data(&dec), ck_buf_len(&dec)) == CK_OK);
		CK_ASSERT(ck_age_armor_decode(&again, ck_buf_data(&enc), ck_buf_len(&enc)) ==
		          CK_OK);
		CK_ASSERT(ck_buf_eq(&dec, &again));
		if (memchr(data, '\r', size) == NULL && size > 0 && data[0] == '-' &&
		    data[size - 1] == '\n' && (size < 2 || data[size - 2] == '-'))
			CK_ASSERT(ck_buf_len(&enc) == size &&
			          memcmp(ck_buf_data(&enc), data, size) == 0);
	} else {
		CK_ASSERT(ck_buf_len(&dec) == 0);
	}
	ck_buf_dispose(&dec);
	ck_buf_dispose(&enc);
	ck_buf_dispose(&again);
	return 0;
}
