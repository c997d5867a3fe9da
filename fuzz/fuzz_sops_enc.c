/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ENC[AES256_GCM,...] value parser and cipher: no crash on any string;
 * what parses is decrypted (fails, no plaintext); base64 fields that decode
 * re-encode to the same text; and a value encrypted from the input decrypts
 * back to it. Also the --extract/set tree path parser.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops_cipher.h"
#include "ck/sops_internal.h"
#include "ck/sops_path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[32] = { 9, 8, 7, 6, 5, 4, 3, 2, 1 };

static void b64_field(const char *s, size_t n)
{
	uint8_t *bin = ck_alloc(n / 4 * 3 + 1);
	char *txt = ck_alloc(n + 4);
	size_t m;

	CK_ASSERT(bin != NULL && txt != NULL);
	m = ck_sops__b64_decode(bin, n / 4 * 3, s, n);
	if (m != (size_t)-1) {
		CK_ASSERT(m <= n / 4 * 3);
		CK_ASSERT(ck_sops__b64_encode(txt, bin, m) == CK_SOPS_B64_LEN(m));
		CK_ASSERT(CK_SOPS_B64_LEN(m) == n);
	}
	ck_free(bin);
	ck_free(txt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct ck_sops_cipher c;
	struct ck_sops_enc e;
	struct ck_sops_path *p = NULL;
	char *str;

	if (size > 65536)
		return 0;
	CK_ASSERT(ck_sops__cipher_init(&c, key) == CK_OK);
	if (ck_sops__enc_parse(&e, s, size) == CK_OK) {
		uint8_t *pt = ck_alloc(e.data_len / 4 * 3 + 1), iv[CK_SOPS_MAX_IV];
		size_t ptlen = 0, ivlen = 0;

		CK_ASSERT(pt != NULL);
		CK_ASSERT(e.data >= s && e.type + e.type_len <= s + size);
		/* no valid tag under this key can be guessed */
		CK_ASSERT(ck_sops__decrypt_value(&c, pt, &ptlen, &e, (const uint8_t *)"a:", 2, iv,
		                                 &ivlen) < 0);
		ck_free(pt);
		b64_field(e.data, e.data_len);
		b64_field(e.iv, e.iv_len);
		b64_field(e.tag, e.tag_len);
	}
	/* the input as a plaintext value (sops never encrypts an empty one):
	 * encrypt, parse, decrypt */
	if (size > 0) {
		size_t el = ck_sops__enc_len(size, 3), ptlen = 0, ivlen = 0;
		char *out = ck_alloc(el + 1);
		uint8_t *scratch = ck_alloc(size + 1), *pt = ck_alloc(size + 3), iv[CK_SOPS_MAX_IV];

		CK_ASSERT(out != NULL && scratch != NULL && pt != NULL);
		CK_ASSERT(ck_sops__encrypt_value(&c, out, scratch, data, size, CK_SOPS_STR,
		                                 (const uint8_t *)"k:", 2) == CK_OK);
		CK_ASSERT(ck_sops__enc_parse(&e, out, el) == CK_OK);
		CK_ASSERT(ck_sops__decrypt_value(&c, pt, &ptlen, &e, (const uint8_t *)"k:", 2, iv,
		                                 &ivlen) == CK_OK);
		CK_ASSERT(ptlen == size && memcmp(pt, data, size) == 0);
		ck_free(out);
		ck_free(scratch);
		ck_free(pt);
	}
	ck_sops__cipher_dispose(&c);
	/* tree paths */
	if ((str = ck_strndup(s, size)) != NULL) {
		if (ck_sops_path_parse(&p, str) == CK_OK)
			CK_ASSERT(p != NULL);
		ck_sops_path_free(p);
		ck_free(str);
	}
	return 0;
}
