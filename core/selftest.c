/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "ck/aead.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "ck/selftest.h"
#include "ck/x25519.h"

static int hex_is(const uint8_t *got, size_t n, const char *want)
{
	struct ck_buf h = CK_BUF_INIT;
	int ok = ck_hex_encode(&h, got, n) == CK_OK && strcmp(ck_buf_cstr(&h), want) == 0;

	ck_buf_dispose(&h);
	return ok;
}

static int line(struct ck_buf *r, int ok, const char *what, int *failed)
{
	if (!ok)
		*failed = 1;
	return ck_buf_printf(r, "%-28s %s\n", what, ok ? "ok" : "FAILED");
}

int ck_core_selftest(struct ck_buf *r)
{
	uint8_t out[64], key[32], iv[32], ct[64], pt[64], tag[16];
	uint8_t ikm[22], salt[13], info[10], shared[32], pub[32];
	static const uint8_t x_k[32] = {
		0xa5, 0x46, 0xe3, 0x6b, 0xf0, 0x52, 0x7c, 0x9d, 0x3b, 0x16, 0x15,
		0x4b, 0x82, 0x46, 0x5e, 0xdd, 0x62, 0x14, 0x4c, 0x0a, 0xc1, 0xfc,
		0x5a, 0x18, 0x50, 0x6a, 0x22, 0x44, 0xba, 0x44, 0x9a, 0xc4 };
	static const uint8_t x_u[32] = {
		0xe6, 0xdb, 0x68, 0x67, 0x58, 0x30, 0x30, 0xdb, 0x35, 0x94, 0xc1,
		0xa4, 0x24, 0xb1, 0x5f, 0x7c, 0x72, 0x66, 0x24, 0xec, 0x26, 0xb3,
		0x35, 0x3b, 0x10, 0xa9, 0x03, 0xa6, 0xd0, 0xab, 0x1c, 0x4c };
	const char *msg = "cloak self-test";
	size_t i;
	int failed = 0, rc, ok;

	if ((rc = ck_core_init()) < 0)
		return rc;
	ck_sha256(out, "abc", 3);
	if ((rc = line(r, hex_is(out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
	               "SHA-256 (FIPS 180-2)", &failed)) < 0)
		goto out;
	ck_sha512(out, "abc", 3);
	if ((rc = line(r, hex_is(out, 64, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	                                  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
	               "SHA-512 (FIPS 180-2)", &failed)) < 0)
		goto out;
	/* RFC 5869 test case 1. */
	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	ok = ck_hkdf_sha256(out, 42, ikm, sizeof(ikm), salt, sizeof(salt), info, sizeof(info)) == CK_OK &&
	     hex_is(out, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	                     "34007208d5b887185865");
	if ((rc = line(r, ok, "HKDF-SHA-256 (RFC 5869)", &failed)) < 0)
		goto out;
	/* RFC 7748 section 5.2, first X25519 vector. */
	ok = ck_x25519(shared, x_k, x_u) == CK_OK &&
	     hex_is(shared, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
	if ((rc = line(r, ok, "X25519 (RFC 7748)", &failed)) < 0)
		goto out;
	memset(pub, 0, sizeof(pub));
	ok = ck_x25519(shared, x_k, pub) == CK_EAUTH;
	if ((rc = line(r, ok, "X25519 rejects low order", &failed)) < 0)
		goto out;
	/* AES-256-GCM known answer: McGrew-Viega test case 14 (zero key, IV, block). */
	memset(key, 0, sizeof(key));
	memset(iv, 0, sizeof(iv));
	memset(pt, 0, 16);
	ok = ck_aes256gcm_seal(ct, tag, key, iv, 12, NULL, 0, pt, 16) == CK_OK &&
	     hex_is(ct, 16, "cea7403d4d606b6e074ec5d3baf39d18") &&
	     hex_is(tag, 16, "d0d1c8a799996bf0265b98b5d48ab919");
	if ((rc = line(r, ok, "AES-256-GCM (GCM spec TC14)", &failed)) < 0)
		goto out;
	/* Round trips with a 32-byte IV (sops) and a flipped bit. */
	memset(key, 0x42, sizeof(key));
	memset(iv, 0x24, sizeof(iv));
	ok = ck_aes256gcm_seal(ct, tag, key, iv, 32, (const uint8_t *)"a:", 2,
	                       (const uint8_t *)msg, strlen(msg)) == CK_OK &&
	     ck_aes256gcm_open(pt, tag, key, iv, 32, (const uint8_t *)"a:", 2, ct,
	                       strlen(msg)) == CK_OK &&
	     memcmp(pt, msg, strlen(msg)) == 0;
	ct[0] ^= 1;
	ok = ok && ck_aes256gcm_open(pt, tag, key, iv, 32, (const uint8_t *)"a:", 2, ct,
	                             strlen(msg)) == CK_EAUTH;
	if ((rc = line(r, ok, "AES-256-GCM (32-byte IV)", &failed)) < 0)
		goto out;
	ok = ck_chacha20poly1305_seal(ct, key, iv, NULL, 0, (const uint8_t *)msg, strlen(msg)) == CK_OK &&
	     ck_chacha20poly1305_open(pt, key, iv, NULL, 0, ct, strlen(msg) + 16) == CK_OK &&
	     memcmp(pt, msg, strlen(msg)) == 0;
	ct[3] ^= 0x80;
	ok = ok && ck_chacha20poly1305_open(pt, key, iv, NULL, 0, ct, strlen(msg) + 16) == CK_EAUTH;
	if ((rc = line(r, ok, "ChaCha20-Poly1305", &failed)) < 0)
		goto out;
	rc = failed ? ck_err_set(CK_ECRYPTO, "core: self-test failed") : CK_OK;
out:
	ck_memzero(key, sizeof(key));
	ck_memzero(pt, sizeof(pt));
	ck_memzero(shared, sizeof(shared));
	return rc;
}

int ck_core_versions(struct ck_buf *out)
{
	return ck_buf_printf(out, "%s, libsodium %s", OpenSSL_version(OPENSSL_VERSION),
	                     sodium_version_string());
}
