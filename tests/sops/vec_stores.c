/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stores against sops 3.13.2's own output (sops-peer vectors), with a
 * random data key and no master key (no age needed):
 *   enc/X read (tree and metadata model) and written back == enc/X, byte
 *     for byte: the encrypted document layout and the 3.13 metadata layout
 *     (key order, empty lists, quoting, block scalars, flattened dotenv/INI
 *     keys) are exactly what sops writes. Exception: blob.bin, whose
 *     metadata has no selection rule; like sops (metadata ToInternal) the
 *     reader supplies the default unencrypted_suffix, which a rewrite
 *     (rotate, updatekeys) then writes.
 *   plain/X encrypted with the .sops.yaml rule for it, written, read back,
 *     decrypted (MAC checked) and written == dec/X, and the encrypted text
 *     read and written back is unchanged.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/rand.h"
#include "ck/sops.h"
#include "ck/sops_config.h"
#include "ck_test.h"

static const char *peer;

static int same_bytes(const struct ck_buf *a, const struct ck_buf *b, const char *what,
                      const char *name)
{
	if (ck_buf_len(a) == ck_buf_len(b) &&
	    memcmp(ck_buf_data(a), ck_buf_data(b), ck_buf_len(b)) == 0)
		return 1;
	print_error("%s %s differs:\n--- got\n%s\n--- want\n%s\n", what, name, ck_buf_cstr(a),
	            ck_buf_cstr(b));
	return 0;
}

/* A rewrite of an encrypted file is the same bytes, except for binary files
 * (no rule in their metadata) which gain the default rule. */
static int same_rewrite(const struct ck_buf *out, const struct ck_buf *orig, const char *what,
                        const char *name)
{
	const char *rule = "\t\t\"unencrypted_suffix\": \"_unencrypted\",\n", *at;
	struct ck_buf want = CK_BUF_INIT;
	int same;

	if (strcmp(name, "blob.bin") != 0)
		return same_bytes(out, orig, what, name);
	/* 3.13 writes it between mac and version */
	assert_null(strstr(ck_buf_cstr(orig), "unencrypted_suffix"));
	assert_non_null(at = strstr(ck_buf_cstr(orig), "\t\t\"version\""));
	assert_int_equal(ck_buf_put(&want, ck_buf_cstr(orig), (size_t)(at - ck_buf_cstr(orig))), CK_OK);
	assert_int_equal(ck_buf_puts(&want, rule), CK_OK);
	assert_int_equal(ck_buf_puts(&want, at), CK_OK);
	same = same_bytes(out, &want, what, name);
	ck_buf_dispose(&want);
	return same;
}

/* Read text as fmt and write it back into out. */
static void reemit(struct ck_buf *out, const struct ck_buf *text, enum ck_sops_format fmt,
                   const char *name)
{
	struct ck_buf copy;
	struct ck_sops_file *f = NULL;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;

	ck_buf_init_secure(&copy, 0);
	assert_int_equal(ck_buf_putb(&copy, text), CK_OK);
	if (ck_sops_file_read(&f, &copy, fmt, 0) != CK_OK)
		fail_msg("%s: %s", name, ck_err_last()->msg);
	if (ck_sops_file_emit(out, f, fmt, &eo) != CK_OK)
		fail_msg("%s: emit: %s", name, ck_err_last()->msg);
	ck_sops_file_free(f);
	ck_buf_dispose(&copy);
}

/* plain -> encrypted text under key, with the creation rule for the file. */
static void encrypt_plain(struct ck_buf *out, const struct ck_sops_config *cfg, const char *name,
                          const uint8_t key[32])
{
	struct ck_buf text;
	struct ck_sops_file *f = NULL;
	struct ck_sops_meta rule;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;
	struct ck_sops_keyctx ctx;
	enum ck_sops_format fmt = ck_sops_format_from_path(name);
	char path[4096];
	size_t g, k;

	snprintf(path, sizeof(path), "%s/plain/%s", peer, name);
	ck_buf_init_secure(&text, 0);
	ckt_read(&text, path);
	if (ck_sops_file_read(&f, &text, fmt, CK_SOPS_PLAINTEXT) != CK_OK)
		fail_msg("%s: %s", path, ck_err_last()->msg);
	if (ck_sops_config_rule_for(cfg, path, &rule) != CK_OK)
		fail_msg("%s: %s", path, ck_err_last()->msg);
	/* the rule's keys get a placeholder instead of a wrapped data key */
	for (g = 0; g < rule.ngroups; g++)
		for (k = 0; k < rule.groups[g].n; k++)
			assert_non_null(rule.groups[g].keys[k]->enc = ck_strdup("not wrapped"));
	if (fmt == CK_SOPS_FMT_BINARY) {
		ck_free(rule.rule_value);
		rule.rule_value = NULL;
		rule.rule = CK_SOPS_RULE_NONE;
	}
	ck_sops_meta_dispose(&f->meta);
	f->meta = rule;
	assert_non_null(f->datakey = ck_secret_alloc(32));
	memcpy(f->datakey, key, 32);
	ck_sops_keyctx_init(&ctx);
	if (ck_sops_file_encrypt(f, &ctx, 0) != CK_OK)
		fail_msg("%s: encrypt: %s", path, ck_err_last()->msg);
	assert_int_equal(ck_sops_file_emit(out, f, fmt, &eo), CK_OK);
	ck_sops_keyctx_dispose(&ctx);
	ck_sops_file_free(f);
	ck_buf_dispose(&text);
}

static void decrypt_text(struct ck_buf *out, const struct ck_buf *enc, const char *name,
                         const uint8_t key[32])
{
	struct ck_buf copy;
	struct ck_sops_file *f = NULL;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;
	struct ck_sops_keyctx ctx;
	enum ck_sops_format fmt = ck_sops_format_from_path(name);

	ck_buf_init(&copy, 0);
	assert_int_equal(ck_buf_putb(&copy, enc), CK_OK);
	if (ck_sops_file_read(&f, &copy, fmt, 0) != CK_OK)
		fail_msg("%s: read back: %s", name, ck_err_last()->msg);
	assert_non_null(f->datakey = ck_secret_alloc(32));
	memcpy(f->datakey, key, 32);
	ck_sops_keyctx_init(&ctx);
	if (ck_sops_file_decrypt(f, &ctx, 0) != CK_OK)
		fail_msg("%s: decrypt: %s", name, ck_err_last()->msg);
	assert_int_equal(ck_sops_file_emit(out, f, fmt, &eo), CK_OK);
	ck_sops_keyctx_dispose(&ctx);
	ck_sops_file_free(f);
	ck_buf_dispose(&copy);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void peer_files(void **state)
{
	char *names[64], path[4096];
	size_t n = 0, i, ok_enc = 0, ok_rt = 0, ok_rt_enc = 0;
	struct ck_sops_config *cfg = NULL;
	uint8_t key[32];
	DIR *d;
	struct dirent *e;

	(void)state;
	snprintf(path, sizeof(path), "%s/.sops.yaml", peer);
	if (ck_sops_config_load(&cfg, path) != CK_OK)
		fail_msg("%s: %s", path, ck_err_last()->msg);
	snprintf(path, sizeof(path), "%s/plain", peer);
	assert_non_null(d = opendir(path));
	while ((e = readdir(d)) != NULL && n < 64)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	assert_true(n >= 17);
	for (i = 0; i < n; i++) {
		struct ck_buf dec = CK_BUF_INIT, enc = CK_BUF_INIT, out = CK_BUF_INIT, mine = CK_BUF_INIT;
		enum ck_sops_format fmt = ck_sops_format_from_path(names[i]);

		ckt_readf(&dec, "%s/dec/%s", peer, names[i]);
		ckt_readf(&enc, "%s/enc/%s", peer, names[i]);
		reemit(&out, &enc, fmt, names[i]);
		ok_enc += (size_t)same_rewrite(&out, &enc, "enc->enc", names[i]);
		ck_buf_reset(&out);
		ck_random(key, sizeof(key));
		encrypt_plain(&mine, cfg, names[i], key);
		decrypt_text(&out, &mine, names[i], key);
		ok_rt += (size_t)same_bytes(&out, &dec, "plain->enc->dec", names[i]);
		ck_buf_reset(&out);
		reemit(&out, &mine, fmt, names[i]);
		ok_rt_enc += (size_t)same_rewrite(&out, &mine, "own enc->enc", names[i]);
		ck_buf_dispose(&dec);
		ck_buf_dispose(&enc);
		ck_buf_dispose(&out);
		ck_buf_dispose(&mine);
		free(names[i]);
	}
	printf("sops-peer: %zu files; enc rewritten as sops wrote it: %zu; plain encrypted, "
	       "decrypted == dec/: %zu; own encrypted output rewritten unchanged: %zu\n",
	       n, ok_enc, ok_rt, ok_rt_enc);
	assert_int_equal(ok_enc, n);
	assert_int_equal(ok_rt, n);
	assert_int_equal(ok_rt_enc, n);
	ck_sops_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(peer_files),
	};

	peer = ckt_vectors("sops-peer");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
