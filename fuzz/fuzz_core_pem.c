/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM reader: no crash or leak on any text; iterating a bundle always makes
 * progress and stays in bounds; every block it accepts re-encodes to text
 * that decodes to the same label and bytes; a label filter finds the same
 * block the unfiltered walk found first.
 */
#include <string.h>

#include "ck/pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_buf der = CK_BUF_INIT, label = CK_BUF_INIT, again = CK_BUF_INIT,
	              label2 = CK_BUF_INIT, text = CK_BUF_INIT, first = CK_BUF_INIT;
	const char *t = (const char *)data;
	size_t off = 0, used, blocks = 0;
	int rc;

	while (off < size && blocks < 64) {
		size_t adv = 0;

		ck_buf_reset(&der);
		ck_buf_reset(&label);
		rc = ck_pem_decode(&der, &label, NULL, t + off, size - off, &adv);
		if (rc != CK_OK) {
			CK_ASSERT(ck_buf_len(&der) == 0 && ck_buf_len(&label) == 0);
			break;
		}
		CK_ASSERT(adv > 0 && adv <= size - off);
		CK_ASSERT(ck_buf_len(&der) <= adv);
		if (blocks == 0)
			CK_ASSERT(ck_buf_putb(&first, &der) == CK_OK);
		/* What we accept, we can write back, and read again. */
		ck_buf_reset(&text);
		CK_ASSERT(ck_pem_encode(&text, ck_buf_cstr(&label), ck_buf_data(&der),
		                        ck_buf_len(&der)) == CK_OK);
		ck_buf_reset(&again);
		ck_buf_reset(&label2);
		CK_ASSERT(ck_pem_decode(&again, &label2, NULL, ck_buf_cstr(&text), ck_buf_len(&text),
		                        &used) == CK_OK);
		CK_ASSERT(used == ck_buf_len(&text));
		CK_ASSERT(ck_buf_eq(&again, &der) && ck_buf_eq(&label2, &label));
		off += adv;
		blocks++;
	}
	/* Filtering on the first block's label finds that block. */
	if (blocks > 0) {
		ck_buf_reset(&der);
		ck_buf_reset(&label);
		CK_ASSERT(ck_pem_decode(&der, &label, NULL, t, size, NULL) == CK_OK);
		ck_buf_reset(&again);
		CK_ASSERT(ck_pem_decode(&again, NULL, ck_buf_cstr(&label), t, size, NULL) == CK_OK);
		CK_ASSERT(ck_buf_eq(&again, &first));
	}
	ck_buf_dispose(&der);
	ck_buf_dispose(&label);
	ck_buf_dispose(&again);
	ck_buf_dispose(&label2);
	ck_buf_dispose(&text);
	ck_buf_dispose(&first);
	return 0;
}
