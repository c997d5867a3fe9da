/* SPDX-License-Identifier: Apache-2.0 */
/* The hybrid format, labels, keyrings and key files (seal/hybrid.c, seal/keyring.c). */
#include <string.h>

#include "ck/enc.h"
#include "ck/rsa.h"
#include "ck/seal.h"
#include "ck/secret.h"
#include "ck_test.h"

#define TXT(s) s, strlen(s)

/* Two 2048-bit keys, made once: enough for the format, fast under ASan. */
static struct ck_rsa *key_a, *key_b;

static int setup(void **state)
{
	if (ck_core_init() != CK_OK || ck_rsa_generate(&key_a, 2048) != CK_OK ||
	    ck_rsa_generate(&key_b, 2048) != CK_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	ck_rsa_free(key_a);
	ck_rsa_free(key_b);
	return 0;
}

static void labels(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	enum ck_seal_scope s;

	assert_int_equal(ck_seal_label(&b, CK_SEAL_SCOPE_STRICT, "default", "mysecret"), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "default/mysecret");
	ck_buf_reset(&b);
	assert_int_equal(ck_seal_label(&b, CK_SEAL_SCOPE_NAMESPACE_WIDE, "team-a", "x"), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "team-a");
	ck_buf_reset(&b);
	assert_int_equal(ck_seal_label(&b, CK_SEAL_SCOPE_CLUSTER_WIDE, "team-a", "x"), CK_OK);
	assert_int_equal(ck_buf_len(&b), 0);
	ck_buf_reset(&b);
	/* Upstream formats "%s/%s" even for empty parts. */
	assert_int_equal(ck_seal_label(&b, CK_SEAL_SCOPE_STRICT, NULL, "n"), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "/n");
	ck_buf_dispose(&b);

	assert_int_equal(ck_seal_scope_parse(&s, "namespace-wide"), CK_OK);
	assert_int_equal(s, CK_SEAL_SCOPE_NAMESPACE_WIDE);
	assert_int_equal(ck_seal_scope_parse(&s, "cluster-wide"), CK_OK);
	assert_int_equal(s, CK_SEAL_SCOPE_CLUSTER_WIDE);
	assert_int_equal(ck_seal_scope_parse(&s, ""), CK_OK);
	assert_int_equal(s, CK_SEAL_SCOPE_STRICT);
	assert_int_equal(ck_seal_scope_parse(&s, "Strict"), CK_EUSAGE);
	assert_non_null(strstr(ck_err_last()->msg, "strict, namespace-wide, cluster-wide"));
	assert_string_equal(ck_seal_scope_name(CK_SEAL_SCOPE_NAMESPACE_WIDE), "namespace-wide");
}

static void round_trip_and_layout(void **state)
{
	static const char *const pts[] = { "", "hunter2", "line1\nline2\n" };
	struct ck_buf ct = CK_BUF_INIT, pt = CK_BUF_INIT;
	size_t i;

	ck_buf_init_secure(&pt, 0);
	for (i = 0; i < 3; i++) {
		size_t n = strlen(pts[i]);

		ck_buf_reset(&ct);
		ck_buf_reset(&pt);
		assert_int_equal(ck_seal_hybrid_seal(&ct, key_a, "ns/name", 7, pts[i], n), CK_OK);
		/* u16be(256) || 256 RSA bytes || n bytes || 16-byte tag */
		assert_int_equal(ck_buf_len(&ct), 2 + 256 + n + 16);
		assert_int_equal(ck_buf_data(&ct)[0], 0x01);
		assert_int_equal(ck_buf_data(&ct)[1], 0x00);
		assert_true(ck_seal_hybrid_framed(ck_buf_data(&ct), ck_buf_len(&ct)));
		assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "ns/name", 7, ck_buf_data(&ct),
		                                     ck_buf_len(&ct)),
		                 CK_OK);
		assert_int_equal(ck_buf_len(&pt), n);
		assert_memory_equal(ck_buf_data(&pt), pts[i], n);
		/* Wrong label, wrong key: the same opaque failure, output untouched. */
		ck_buf_reset(&pt);
		assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "ns/other", 8, ck_buf_data(&ct),
		                                     ck_buf_len(&ct)),
		                 CK_EAUTH);
		assert_int_equal(ck_buf_len(&pt), 0);
		assert_int_equal(ck_seal_hybrid_open(&pt, key_b, "ns/name", 7, ck_buf_data(&ct),
		                                     ck_buf_len(&ct)),
		                 CK_EAUTH);
		assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "", 0, ck_buf_data(&ct),
		                                     ck_buf_len(&ct)),
		                 CK_EAUTH);
	}
	/* Each seal draws a fresh session key: same input, different output. */
	{
		struct ck_buf c2 = CK_BUF_INIT;

		ck_buf_reset(&ct);
		assert_int_equal(ck_seal_hybrid_seal(&ct, key_a, NULL, 0, "x", 1), CK_OK);
		assert_int_equal(ck_seal_hybrid_seal(&c2, key_a, NULL, 0, "x", 1), CK_OK);
		assert_int_equal(ck_buf_len(&ct), ck_buf_len(&c2));
		assert_memory_not_equal(ck_buf_data(&ct), ck_buf_data(&c2), ck_buf_len(&ct));
		/* The GCM part differs too (different key, same zero nonce). */
		assert_memory_not_equal(ck_buf_data(&ct) + 258, ck_buf_data(&c2) + 258, 17);
		ck_buf_dispose(&c2);
	}
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
}

static void tamper_and_framing(void **state)
{
	struct ck_buf ct = CK_BUF_INIT, pt = CK_BUF_INIT;
	uint8_t *m;
	size_t i, n;

	assert_int_equal(ck_seal_hybrid_seal(&ct, key_a, "l", 1, "secret value", 12), CK_OK);
	n = ck_buf_len(&ct);
	m = ck_buf_mutable(&ct);
	/* Any flipped byte after the prefix is an authentication failure. */
	for (i = 2; i < n; i += 37) {
		m[i] ^= 0x01;
		assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "l", 1, m, n), CK_EAUTH);
		m[i] ^= 0x01;
	}
	assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "l", 1, m, n - 1), CK_EAUTH);
	/* Too short for the prefix, or for the length it announces. */
	assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "l", 1, m, 1), CK_EINVAL);
	assert_string_equal(ck_err_last()->msg, "seal: SealedSecret data is too short");
	assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "l", 1, m, 200), CK_EINVAL);
	assert_false(ck_seal_hybrid_framed(m, 1));
	assert_false(ck_seal_hybrid_framed(m, 2 + 256 + 15));
	/* Only the tag left after the RSA part: an empty plaintext needs 16 bytes. */
	assert_int_equal(ck_seal_hybrid_open(&pt, key_a, "l", 1, m, 2 + 256 + 3), CK_EAUTH);
	assert_int_equal(ck_buf_len(&pt), 0);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
}

static void fingerprint(void **state)
{
	struct ck_buf a = CK_BUF_INIT, b = CK_BUF_INIT;

	assert_int_equal(ck_seal_key_fingerprint(&a, key_a), CK_OK);
	assert_int_equal(ck_seal_key_fingerprint(&b, key_b), CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&a), "SHA256:", 7), 0);
	assert_int_equal(ck_buf_len(&a), 7 + 43); /* unpadded base64 of 32 bytes */
	assert_string_not_equal(ck_buf_cstr(&a), ck_buf_cstr(&b));
	ck_buf_dispose(&a);
	ck_buf_dispose(&b);
}

static void keyring_tries_and_remembers(void **state)
{
	struct ck_seal_keyring *kr;
	struct ck_buf ct = CK_BUF_INIT, pt = CK_BUF_INIT;
	size_t which = 99;

	ck_buf_init_secure(&pt, 0);
	assert_int_equal(ck_seal_keyring_new(&kr), CK_OK);
	assert_int_equal(ck_seal_keyring_open(&pt, kr, "", 0, "\x01\x00", 2, NULL), CK_EINVAL);
	assert_int_equal(ck_seal_keyring_add(kr, key_a), CK_OK);
	assert_int_equal(ck_seal_keyring_add(kr, key_b), CK_OK);
	assert_int_equal(ck_seal_keyring_add(kr, key_a), CK_OK); /* duplicate ignored */
	assert_int_equal(ck_seal_keyring_count(kr), 2);
	assert_ptr_equal(ck_seal_keyring_key(kr, 1), key_b);
	assert_null(ck_seal_keyring_key(kr, 2));

	assert_int_equal(ck_seal_value_seal(&ct, key_b, CK_SEAL_SCOPE_STRICT, "ns", "n", "v1", 2),
	                 CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&ct), "AQ", 2), 0); /* 0x01 0x00 for 2048 bits */
	assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_STRICT, "ns", "n",
	                                    ck_buf_cstr(&ct), ck_buf_len(&ct), &which),
	                 CK_OK);
	assert_int_equal(which, 1);
	assert_string_equal(ck_buf_cstr(&pt), "v1");
	/* Another namespace or name, or another scope: no key opens it. */
	assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_STRICT, "ns2", "n",
	                                    ck_buf_cstr(&ct), ck_buf_len(&ct), NULL),
	                 CK_ENOKEY);
	assert_string_equal(ck_err_last()->msg, "seal: no key could decrypt secret");
	assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_STRICT, "ns", "n2",
	                                    ck_buf_cstr(&ct), ck_buf_len(&ct), NULL),
	                 CK_ENOKEY);
	assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_NAMESPACE_WIDE, "ns", "n",
	                                    ck_buf_cstr(&ct), ck_buf_len(&ct), NULL),
	                 CK_ENOKEY);
	/* CR/LF inside base64 are skipped (Go), spaces are not. */
	{
		struct ck_buf wrapped = CK_BUF_INIT;

		assert_int_equal(ck_buf_put(&wrapped, ck_buf_data(&ct), 40), CK_OK);
		assert_int_equal(ck_buf_puts(&wrapped, "\r\n"), CK_OK);
		assert_int_equal(ck_buf_put(&wrapped, ck_buf_data(&ct) + 40, ck_buf_len(&ct) - 40),
		                 CK_OK);
		ck_buf_reset(&pt);
		assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_STRICT, "ns", "n",
		                                    ck_buf_cstr(&wrapped), ck_buf_len(&wrapped),
		                                    NULL),
		                 CK_OK);
		assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_STRICT, "ns", "n",
		                                    " AQA", 4, NULL),
		                 CK_EINVAL);
		ck_buf_dispose(&wrapped);
	}
	/* Cluster-wide values open under any namespace. */
	ck_buf_reset(&ct);
	assert_int_equal(ck_seal_value_seal(&ct, key_a, CK_SEAL_SCOPE_CLUSTER_WIDE, "ns", "n", "cw",
	                                    2),
	                 CK_OK);
	ck_buf_reset(&pt);
	assert_int_equal(ck_seal_value_open(&pt, kr, CK_SEAL_SCOPE_CLUSTER_WIDE, "other", "x",
	                                    ck_buf_cstr(&ct), ck_buf_len(&ct), &which),
	                 CK_OK);
	assert_int_equal(which, 0);
	assert_string_equal(ck_buf_cstr(&pt), "cw");
	ck_seal_keyring_free(kr);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
}

static void keyring_load_forms(void **state)
{
	struct ck_buf pkcs1 = CK_BUF_INIT, pkcs8 = CK_BUF_INIT, doc = CK_BUF_INIT, b64 = CK_BUF_INIT;
	struct ck_seal_keyring *kr;

	ck_buf_init_secure(&pkcs1, 0);
	ck_buf_init_secure(&pkcs8, 0);
	ck_buf_init_secure(&doc, 0);
	assert_int_equal(ck_rsa_private_format(&pkcs1, key_a, 1), CK_OK);
	assert_int_equal(ck_rsa_private_format(&pkcs8, key_b, 0), CK_OK);

	/* Two PEM blocks in one file, around a certificate-like block of text. */
	assert_int_equal(ck_seal_keyring_new(&kr), CK_OK);
	assert_int_equal(ck_buf_puts(&doc, "comment\n"), CK_OK);
	assert_int_equal(ck_buf_putb(&doc, &pkcs1), CK_OK);
	assert_int_equal(ck_buf_putb(&doc, &pkcs8), CK_OK);
	assert_int_equal(ck_seal_keyring_load(kr, ck_buf_cstr(&doc), ck_buf_len(&doc), "k.pem"),
	                 CK_OK);
	assert_int_equal(ck_seal_keyring_count(kr), 2);
	ck_seal_keyring_free(kr);

	/* The controller's backup: a v1 List of key Secrets (YAML). */
	assert_int_equal(ck_b64_encode(&b64, ck_buf_data(&pkcs1), ck_buf_len(&pkcs1), CK_B64_STD),
	                 CK_OK);
	ck_buf_reset(&doc);
	assert_int_equal(ck_buf_printf(&doc,
	                               "apiVersion: v1\nkind: List\nitems:\n"
	                               "- apiVersion: v1\n  kind: Secret\n  type: kubernetes.io/tls\n"
	                               "  metadata: {name: sealed-secrets-keyabcde}\n"
	                               "  data:\n    tls.crt: \"\"\n    tls.key: %s\n",
	                               ck_buf_cstr(&b64)),
	                 CK_OK);
	assert_int_equal(ck_seal_keyring_new(&kr), CK_OK);
	assert_int_equal(ck_seal_keyring_load(kr, ck_buf_cstr(&doc), ck_buf_len(&doc), "backup"),
	                 CK_OK);
	assert_int_equal(ck_seal_keyring_count(kr), 1);
	/* A JSON Secret and a YAML stream work the same way. */
	ck_buf_reset(&doc);
	assert_int_equal(ck_buf_printf(&doc, "{\"kind\":\"Secret\",\"data\":{\"tls.key\":\"%s\"}}",
	                               ck_buf_cstr(&b64)),
	                 CK_OK);
	assert_int_equal(ck_seal_keyring_load(kr, ck_buf_cstr(&doc), ck_buf_len(&doc), "k.json"),
	                 CK_OK);
	assert_int_equal(ck_seal_keyring_count(kr), 1); /* same key again */

	/* Failures add nothing and name the file. */
	assert_int_equal(ck_seal_keyring_load(kr, TXT("kind: Secret\ndata: {}\n"), "nokey.yaml"),
	                 CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "nokey.yaml"));
	assert_non_null(strstr(ck_err_last()->msg, "tls.key"));
	assert_int_equal(ck_seal_keyring_load(kr, TXT("kind: ConfigMap\n"), "cm.yaml"), CK_EINVAL);
	assert_int_equal(ck_seal_keyring_load(kr, TXT("hello\n"), "junk"), CK_EINVAL);
	assert_int_equal(ck_seal_keyring_load(kr, TXT("kind: Secret\ndata: {tls.key: '%%%'}\n"),
	                                      "bad64"),
	                 CK_EINVAL);
	assert_int_equal(ck_seal_keyring_count(kr), 1);
	ck_seal_keyring_free(kr);
	ck_buf_dispose(&pkcs1);
	ck_buf_dispose(&pkcs8);
	ck_buf_dispose(&doc);
	ck_buf_dispose(&b64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(labels),
		cmocka_unit_test(round_trip_and_layout),
		cmocka_unit_test(tamper_and_framing),
		cmocka_unit_test(fingerprint),
		cmocka_unit_test(keyring_tries_and_remembers),
		cmocka_unit_test(keyring_load_forms),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
