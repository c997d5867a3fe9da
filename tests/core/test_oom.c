/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OOM loop (style.md 3.8, SQLite's fault injection): for each public core
 * entry point that allocates, fail the Nth allocation (and every later one)
 * for N = 1, 2, ... until the call succeeds. Every failure must return
 * CK_ENOMEM (the documented code for it), leave caller buffers as they were,
 * and leak nothing: LeakSanitizer checks the whole run when the test exits.
 *
 * The hook covers every allocation the core makes itself (ck_alloc, ck_calloc,
 * ck_secret_alloc, so every struct ck_buf). OpenSSL's and libsodium's internal
 * allocations are outside it: a failure there is reported with OpenSSL's own
 * reason and is not exercised here.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/aead.h"
#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/hash.h"
#include "ck/pem.h"
#include "ck/rsa.h"
#include "ck/x509.h"
#include "ck_test.h"

struct ctx {
	struct ck_buf key_pem, pub_pem, cert_pem, text, keep;
	struct ck_rsa *key;
	struct ck_x509 *cert;
	char path[4096], tmpdir[4096];
};

static struct ctx C;

typedef int (*op_fn)(void);

/*
 * Run op under the hook until it succeeds; returns how many failures it saw.
 * prep (optional) runs before the hook is armed, every round.
 */
static size_t oom_run(const char *what, op_fn op, void (*prep)(void))
{
	size_t n, fails = 0;
	int rc;

	for (n = 1;; n++) {
		if (prep != NULL)
			prep();
		ck_alloc_fail_after(n);
		rc = op();
		ck_alloc_fail_after(0);
		if (rc == CK_OK)
			break;
		if (rc != CK_ENOMEM)
			fail_msg("%s: allocation %zu failed: got %d (%s), want CK_ENOMEM", what, n, rc,
			         ck_err_last()->msg);
		fails++;
		if (n > 10000)
			fail_msg("%s: never succeeds", what);
	}
	printf("%-28s %3zu allocation failures, all CK_ENOMEM\n", what, fails);
	return fails;
}

/* Outputs that already hold "keep" must be unchanged by a failure. */
static void prep_keep(void)
{
	ck_buf_init(&C.keep, 0);
	assert_int_equal(ck_buf_puts(&C.keep, "keep"), CK_OK);
}

static void prep_keep_secure(void)
{
	ck_buf_init_secure(&C.keep, 0);
	assert_int_equal(ck_buf_puts(&C.keep, "keep"), CK_OK);
}

static int with_keep(int rc)
{
	ck_alloc_fail_after(0);
	if (rc < 0)
		assert_string_equal(ck_buf_cstr(&C.keep), "keep");
	else
		assert_int_equal(strncmp(ck_buf_cstr(&C.keep), "keep", 4), 0);
	ck_buf_dispose(&C.keep);
	return rc;
}

static int op_buf(void)
{
	struct ck_buf b = CK_BUF_INIT;
	uint8_t *p;
	int rc = CK_OK, i;

	for (i = 0; i < 40 && rc == CK_OK; i++)
		rc = ck_buf_printf(&b, "line %d of a growing buffer\n", i);
	if (rc == CK_OK)
		rc = ck_buf_putb(&b, &b);
	if (rc == CK_OK && ck_buf_consume(&b, 1) == CK_OK) {
		/* off > 0: detach copies */
		if ((p = ck_buf_detach(&b, NULL)) == NULL)
			rc = ck_err_last()->code;
		ck_free(p);
	}
	ck_buf_dispose(&b);
	return rc;
}

static int op_buf_new(void)
{
	struct ck_buf *b = ck_buf_new_secure(0);
	int rc;

	if (b == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	rc = ck_buf_puts(b, "secret");
	ck_buf_free(b);
	return rc;
}

static int op_codecs(void)
{
	struct ck_buf e = CK_BUF_INIT, d = CK_BUF_INIT;
	int rc;

	if ((rc = ck_b64_encode(&e, "any carnal pleasure", 19, CK_B64_STD)) < 0 ||
	    (rc = ck_b64_decode(&d, ck_buf_cstr(&e), ck_buf_len(&e), CK_B64_STD, 0)) < 0)
		goto out;
	ck_buf_reset(&e);
	ck_buf_reset(&d);
	if ((rc = ck_hex_encode(&e, "\x01\xab", 2)) < 0 || (rc = ck_hex_encode_upper(&e, "\xcd", 1)) < 0 ||
	    (rc = ck_hex_decode(&d, ck_buf_cstr(&e), ck_buf_len(&e))) < 0)
		goto out;
out:
	ck_buf_dispose(&e);
	ck_buf_dispose(&d);
	return rc;
}

static int op_pem(void)
{
	struct ck_buf pem = CK_BUF_INIT, der, label = CK_BUF_INIT;
	size_t used;
	int rc;

	ck_buf_init_secure(&der, 0);
	if ((rc = ck_pem_encode(&pem, "TEST", "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghij",
	                        56)) < 0 ||
	    (rc = ck_pem_decode(&der, &label, NULL, ck_buf_cstr(&C.cert_pem),
	                        ck_buf_len(&C.cert_pem), &used)) < 0)
		goto out;
out:
	ck_buf_dispose(&pem);
	ck_buf_dispose(&der);
	ck_buf_dispose(&label);
	return rc;
}

static int op_rsa_private_parse(void)
{
	struct ck_rsa *k = NULL;
	int rc = ck_rsa_private_parse(&k, ck_buf_cstr(&C.text), ck_buf_len(&C.text));

	ck_rsa_free(k);
	return rc;
}

static int op_rsa_public_parse(void)
{
	struct ck_rsa *k = NULL;
	int rc = ck_rsa_public_parse(&k, ck_buf_cstr(&C.pub_pem), ck_buf_len(&C.pub_pem));

	ck_rsa_free(k);
	return rc;
}

static int op_rsa_format(void)
{
	struct ck_buf out, fp = CK_BUF_INIT, der = CK_BUF_INIT;
	int rc;

	ck_buf_init_secure(&out, 0);
	if ((rc = ck_rsa_private_format(&out, C.key, 1)) < 0 ||
	    (rc = ck_rsa_private_format(&out, C.key, 0)) < 0 ||
	    (rc = ck_rsa_public_format(&out, C.key)) < 0 ||
	    (rc = ck_rsa_public_der(&der, C.key, 0)) < 0 ||
	    (rc = ck_rsa_fingerprint(&fp, C.key)) < 0)
		goto out;
out:
	ck_buf_dispose(&out);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&der);
	return rc;
}

static int op_rsa_oaep(void)
{
	struct ck_buf ct = CK_BUF_INIT, pt;
	int rc;

	ck_buf_init_secure(&pt, 0);
	if ((rc = ck_rsa_oaep_encrypt(&ct, C.key, "ns/name", 7, "session key", 11)) < 0 ||
	    (rc = ck_rsa_oaep_decrypt(&pt, C.key, "ns/name", 7, ck_buf_data(&ct),
	                              ck_buf_len(&ct))) < 0)
		goto out;
	assert_string_equal(ck_buf_cstr(&pt), "session key");
out:
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
	return rc;
}

static int op_x509_parse(void)
{
	struct ck_x509 *c = NULL;
	struct ck_rsa *pub = NULL;
	int rc;

	if ((rc = ck_x509_parse(&c, ck_buf_cstr(&C.text), ck_buf_len(&C.text))) < 0 ||
	    (rc = ck_x509_rsa_public(&pub, c)) < 0)
		goto out;
out:
	ck_rsa_free(pub);
	ck_x509_free(c);
	return rc;
}

static int op_x509_format(void)
{
	struct ck_buf out = CK_BUF_INIT, fp = CK_BUF_INIT, cn = CK_BUF_INIT;
	int rc;

	if ((rc = ck_x509_format(&out, C.cert)) < 0 || (rc = ck_x509_fingerprint(&fp, C.cert)) < 0 ||
	    (rc = ck_x509_subject_cn(&cn, C.cert)) < 0)
		goto out;
out:
	ck_buf_dispose(&out);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&cn);
	return rc;
}

static int op_x509_self_signed(void)
{
	struct ck_x509 *c = NULL;
	int rc = ck_x509_self_signed(&c, C.key, "cn", "org", 1700000000, 30);

	ck_x509_free(c);
	return rc;
}

static int op_aead(void)
{
	static const uint8_t key[32];
	uint8_t ct[5], tag[16];
	struct ck_aead *a;
	int alg, rc = CK_OK;

	for (alg = CK_AES256_GCM; alg <= CK_XCHACHA20_POLY1305 && rc == CK_OK; alg++) {
		if ((a = ck_aead_new((enum ck_aead_alg)alg, key)) == NULL)
			return ck_err_last()->code;
		rc = ck_aead_seal(a, ct, tag, 16, key, alg == CK_XCHACHA20_POLY1305 ? 24 : 12, NULL, 0,
		                  (const uint8_t *)"hello", 5);
		ck_aead_free(a);
	}
	if (rc == CK_OK)
		rc = ck_aes256gcm_seal(ct, tag, key, key, 32, NULL, 0, (const uint8_t *)"hello", 5);
	return rc;
}

static int op_hash(void)
{
	struct ck_hash *h = ck_hash_new(CK_SHA512);
	struct ck_hmac_ctx *m;
	uint8_t out[255 * 32];
	int rc;

	if (h == NULL)
		return ck_err_last()->code;
	ck_hash_update(h, "abc", 3);
	ck_hash_final(h, out);
	ck_hash_free(h);
	if ((m = ck_hmac_new(CK_SHA256, "k", 1)) == NULL)
		return ck_err_last()->code;
	ck_hmac_update(m, "abc", 3);
	ck_hmac_final(m, out);
	ck_hmac_free(m);
	if ((rc = ck_hmac(CK_SHA512, out, "k", 1, "m", 1)) < 0 ||
	    (rc = ck_hmac_verify(CK_SHA256, out, 16, "k", 1, "m", 1)) == CK_ENOMEM)
		return rc;
	return ck_hkdf_sha256(out, sizeof(out), "ikm", 3, NULL, 0, "info", 4);
}

static int op_file_read(void)
{
	return with_keep(ck_file_read(&C.keep, C.path, CK_BUF_MAX));
}

static int op_b64_keep(void)
{
	char text[201];

	memset(text, 'A', 200); /* 150 bytes: the 64-byte first block must grow */
	text[200] = '\0';
	return with_keep(ck_b64_decode(&C.keep, text, 200, CK_B64_STD, 0));
}

static int op_pem_keep(void)
{
	return with_keep(ck_pem_decode(&C.keep, NULL, "CERTIFICATE", ck_buf_cstr(&C.cert_pem),
	                               ck_buf_len(&C.cert_pem), NULL));
}

static struct ck_buf oaep_ct = CK_BUF_INIT;

static void prep_oaep(void)
{
	prep_keep_secure();
	if (ck_buf_len(&oaep_ct) == 0)
		assert_int_equal(ck_rsa_oaep_encrypt(&oaep_ct, C.key, NULL, 0, "k", 1), CK_OK);
}

static int op_oaep_keep(void)
{
	return with_keep(ck_rsa_oaep_decrypt(&C.keep, C.key, NULL, 0, ck_buf_data(&oaep_ct),
	                                     ck_buf_len(&oaep_ct)));
}

static size_t count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int op_file_write(void)
{
	static char prev[32] = "generation 0\n";
	static int gen;
	char data[32];
	struct ck_buf back = CK_BUF_INIT;
	int rc;

	snprintf(data, sizeof(data), "generation %d\n", ++gen);
	rc = ck_file_write_atomic(C.path, data, strlen(data), 0600);
	ck_alloc_fail_after(0);
	ckt_read(&back, C.path);
	/* All or nothing: a failure leaves the previous content, whole. */
	assert_string_equal(ck_buf_cstr(&back), rc == CK_OK ? data : prev);
	if (rc == CK_OK)
		memcpy(prev, data, sizeof(prev));
	assert_int_equal(count_entries(C.tmpdir), 1); /* no temp file left */
	ck_buf_dispose(&back);
	return rc;
}

static int op_tmpdir(void)
{
	struct ck_buf p = CK_BUF_INIT;
	int rc = ck_tmpdir_create(&p, "oom");

	if (rc == CK_OK) {
		assert_int_equal(ck_tmpdir_remove(ck_buf_cstr(&p)), CK_OK);
	} else {
		ck_alloc_fail_after(0);
		/* A failed create leaves no directory behind. */
		assert_int_equal(count_entries(C.tmpdir), 1); /* the data file */
	}
	ck_buf_dispose(&p);
	return rc;
}

static void oom_everything(void **state)
{
	const char *src = ckt_source_dir();

	ckt_readf(&C.key_pem, "%s/testkeys/rsa-2048.pkcs8.pem", src);
	ckt_readf(&C.pub_pem, "%s/testkeys/rsa-2048.pkcs1-pub.pem", src);
	ckt_readf(&C.cert_pem, "%s/testkeys/rsa-4096.cert.pem", src);
	assert_int_equal(ck_rsa_private_parse(&C.key, ck_buf_cstr(&C.key_pem),
	                                      ck_buf_len(&C.key_pem)),
	                 CK_OK);
	assert_int_equal(ck_x509_parse(&C.cert, ck_buf_cstr(&C.cert_pem), ck_buf_len(&C.cert_pem)),
	                 CK_OK);
	snprintf(C.tmpdir, sizeof(C.tmpdir), "%s", ckt_tmpdir());
	snprintf(C.path, sizeof(C.path), "%s/data.txt", C.tmpdir);
	assert_int_equal(setenv("TMPDIR", C.tmpdir, 1), 0);
	assert_int_equal(ck_file_write_atomic(C.path, "generation 0\n", 13, 0600), CK_OK);

	assert_true(oom_run("buf printf/putb/detach", op_buf, NULL) > 0);
	assert_true(oom_run("buf new (secure)", op_buf_new, NULL) > 0);
	assert_true(oom_run("base64 and hex", op_codecs, NULL) > 0);
	assert_true(oom_run("base64 (unchanged output)", op_b64_keep, prep_keep) > 0);
	assert_true(oom_run("pem encode/decode", op_pem, NULL) > 0);
	assert_true(oom_run("pem decode (unchanged out)", op_pem_keep, prep_keep) > 0);
	/* Private key text with a certificate block before the key. */
	assert_int_equal(ck_buf_putb(&C.text, &C.cert_pem), CK_OK);
	assert_int_equal(ck_buf_putb(&C.text, &C.key_pem), CK_OK);
	assert_true(oom_run("rsa private parse", op_rsa_private_parse, NULL) > 0);
	assert_true(oom_run("rsa public parse", op_rsa_public_parse, NULL) > 0);
	assert_true(oom_run("rsa format/fingerprint", op_rsa_format, NULL) > 0);
	assert_true(oom_run("rsa oaep", op_rsa_oaep, NULL) > 0);
	assert_true(oom_run("rsa decrypt (unchanged out)", op_oaep_keep, prep_oaep) > 0);
	ck_buf_reset(&C.text);
	assert_int_equal(ck_buf_puts(&C.text, "leading text\n"), CK_OK);
	assert_int_equal(ck_buf_putb(&C.text, &C.key_pem), CK_OK);
	assert_int_equal(ck_buf_putb(&C.text, &C.cert_pem), CK_OK);
	assert_true(oom_run("x509 parse + rsa key", op_x509_parse, NULL) > 0);
	assert_true(oom_run("x509 format/fp/cn", op_x509_format, NULL) > 0);
	assert_true(oom_run("x509 self-signed", op_x509_self_signed, NULL) > 0);
	assert_true(oom_run("aead new/seal", op_aead, NULL) > 0);
	assert_true(oom_run("hash/hmac/hkdf new", op_hash, NULL) > 0);
	assert_true(oom_run("file read (unchanged output)", op_file_read, prep_keep_secure) > 0);
	assert_true(oom_run("file write atomic", op_file_write, NULL) > 0);
	assert_true(oom_run("tmpdir create", op_tmpdir, NULL) > 0);

	ck_rsa_free(C.key);
	ck_x509_free(C.cert);
	ck_buf_dispose(&oaep_ct);
	ck_buf_dispose(&C.key_pem);
	ck_buf_dispose(&C.pub_pem);
	ck_buf_dispose(&C.cert_pem);
	ck_buf_dispose(&C.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(oom_everything) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
