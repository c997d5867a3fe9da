/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small primitives age needs per file: HKDF-SHA-256, HMAC-SHA-256 and
 * the zero-nonce ChaCha20-Poly1305 that wraps a file key. libsodium's HMAC
 * state is used directly so that opening a 32-byte sops data key costs no
 * provider lookups.
 */
#include <string.h>

#include <sodium.h>

#include "age_internal.h"
#include "ck/secret.h"

int ck_age__hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikmlen, const uint8_t *salt,
                 size_t saltlen, const char *info)
{
	static const uint8_t zero[32];
	crypto_auth_hmacsha256_state st;
	uint8_t prk[32];
	const uint8_t one = 1;

	/* RFC 5869: an absent salt is HashLen zero bytes. */
	if (saltlen == 0) {
		salt = zero;
		saltlen = sizeof(zero);
	}
	crypto_auth_hmacsha256_init(&st, salt, saltlen);
	crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
	crypto_auth_hmacsha256_final(&st, prk);
	/* One block of expand output is all age ever needs. */
	crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)info, strlen(info));
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, out);
	ck_memzero(prk, sizeof(prk));
	ck_memzero(&st, sizeof(st));
	return CK_OK;
}

void ck_age__hmac(uint8_t out[32], const uint8_t key[32], const uint8_t *msg, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, msg, n);
	crypto_auth_hmacsha256_final(&st, out);
	ck_memzero(&st, sizeof(st));
}

void ck_age__wrap(uint8_t body[32], const uint8_t key[32], const uint8_t fk[16])
{
	static const uint8_t nonce[12];
	unsigned long long cl = 0;

	crypto_aead_chacha20poly1305_ietf_encrypt(body, &cl, fk, 16, NULL, 0, NULL, nonce, key);
}

int ck_age__unwrap(uint8_t fk[16], const uint8_t key[32], const uint8_t body[32])
{
	static const uint8_t nonce[12];
	unsigned long long pl = 0;

	if (crypto_aead_chacha20poly1305_ietf_decrypt(fk, &pl, NULL, body, 32, NULL, 0, nonce,
	                                              key) != 0 ||
	    pl != 16) {
		ck_memzero(fk, 16);
		return CK_ENOKEY;
	}
	return CK_OK;
}
