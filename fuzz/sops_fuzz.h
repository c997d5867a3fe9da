/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared body of the sops store fuzzers: read the input as a plaintext file
 * of one format; whatever reads must be written back as text that reads
 * again, and encrypting it (fixed data key, one placeholder master key),
 * writing, reading back and decrypting must succeed with a valid MAC and
 * print the same plaintext as the first write. Encrypted input is read too
 * (metadata model), and written back when it reads.
 */
#ifndef SOPS_FUZZ_H
#define SOPS_FUZZ_H

#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck/sops_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t sops_fuzz_key[32] = { 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	                                   16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31 };

static struct ck_sops_file *sops_fuzz_read(const void *p, size_t n, enum ck_sops_format fmt,
                                           unsigned flags)
{
	struct ck_buf text;
	struct ck_sops_file *f = NULL;

	ck_buf_init_secure(&text, 0);
	if (ck_buf_put(&text, p, n) < 0 || ck_sops_file_read(&f, &text, fmt, flags) != CK_OK)
		f = NULL;
	ck_buf_dispose(&text);
	return f;
}

static int sops_fuzz_with_key(struct ck_sops_file *f)
{
	if ((f->datakey = ck_secret_alloc(32)) == NULL)
		return CK_ENOMEM;
	memcpy(f->datakey, sops_fuzz_key, 32);
	return CK_OK;
}

/* A YAML block scalar header with an indentation indicator ("|4", ">2-"...). */
static int sops_fuzz_has_indicator(const struct ck_buf *b)
{
	const char *s = ck_buf_cstr(b);
	size_t i, n = ck_buf_len(b);

	for (i = 0; i + 1 < n; i++)
		if ((s[i] == '|' || s[i] == '>') && s[i + 1] >= '1' && s[i + 1] <= '9')
			return 1;
	return 0;
}

static void sops_fuzz_store(const uint8_t *data, size_t size, enum ck_sops_format fmt)
{
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;
	struct ck_sops_keyctx ctx;
	struct ck_sops_file *f, *g;
	struct ck_sops_key *k;
	struct ck_buf plain1, enc, plain2;

	if (size > 65536)
		return;
	ck_sops_keyctx_init(&ctx);
	ck_buf_init_secure(&plain1, 0);
	ck_buf_init(&enc, 0);
	ck_buf_init_secure(&plain2, 0);
	/* as an encrypted file: metadata in any layout */
	if ((f = sops_fuzz_read(data, size, fmt, 0)) != NULL) {
		(void)!ck_sops_file_emit(&enc, f, fmt, &eo);
		ck_sops_file_free(f);
		ck_buf_reset(&enc);
	}
	/* as a plaintext file */
	if ((f = sops_fuzz_read(data, size, fmt, CK_SOPS_PLAINTEXT)) == NULL)
		goto out;
	if (ck_sops_file_emit(&plain1, f, fmt, &eo) != CK_OK)
		goto out;
	g = sops_fuzz_read(ck_buf_data(&plain1), ck_buf_len(&plain1), fmt, CK_SOPS_PLAINTEXT);
	/* go-yaml v3 (so sops) writes a block scalar that starts with a space
	 * or a line break inside a sequence with an indentation indicator that
	 * does not match its indentation (go-yaml issue #643); cloak writes the
	 * same bytes, so such output does not read back */
	CK_ASSERT(g != NULL || sops_fuzz_has_indicator(&plain1));
	ck_sops_file_free(g);
	/* encrypt with the default rule and one master key whose wrap is faked */
	k = ck_sops_key_new(CK_SOPS_K_AGE);
	CK_ASSERT(k != NULL);
	CK_ASSERT(ck_sops_key_set_field(k, "recipient", "age1placeholder") == CK_OK);
	CK_ASSERT((k->enc = ck_strdup("not wrapped")) != NULL);
	CK_ASSERT(ck_sops_meta_add_key(&f->meta, 0, k) == CK_OK);
	CK_ASSERT(sops_fuzz_with_key(f) == CK_OK);
	if (ck_sops_file_encrypt(f, &ctx, 0) != CK_OK)
		goto out; /* e.g. integers sops cannot walk */
	CK_ASSERT(ck_sops_file_emit(&enc, f, fmt, &eo) == CK_OK);
	g = sops_fuzz_read(ck_buf_data(&enc), ck_buf_len(&enc), fmt, 0);
	if (g == NULL && sops_fuzz_has_indicator(&enc))
		goto out; /* a clear value hit the go-yaml issue above */
	CK_ASSERT(g != NULL);
	CK_ASSERT(sops_fuzz_with_key(g) == CK_OK);
	if (ck_sops_file_decrypt(g, &ctx, 0) != CK_OK) {
		/* like sops: a clear float -0.0 is written "-0", which reads back
		 * as the integer 0 (go-yaml, json.Number.Int64), so the MAC of a
		 * file with such a clear value does not verify */
		CK_ASSERT(ck_err_last()->exit_override == CK_SOPS_EXIT_MAC_MISMATCH &&
		          strstr(ck_buf_cstr(&enc), "-0") != NULL);
		ck_sops_file_free(g);
		goto out;
	}
	CK_ASSERT(ck_sops_file_emit(&plain2, g, fmt, &eo) == CK_OK);
	ck_sops_file_free(g);
out:
	ck_sops_file_free(f);
	ck_sops_keyctx_dispose(&ctx);
	ck_buf_dispose(&plain1);
	ck_buf_dispose(&enc);
	ck_buf_dispose(&plain2);
}

#endif
