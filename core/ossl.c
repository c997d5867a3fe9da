/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>

#include <openssl/err.h>

#include "ossl.h"

int ck__ossl_err(int code, const char *what)
{
	unsigned long e, first = 0;
	char reason[256] = "";

	while ((e = ERR_get_error()) != 0) {
		if (first == 0)
			first = e;
	}
	if (first != 0)
		ERR_error_string_n(first, reason, sizeof(reason));
	if (reason[0] != '\0')
		return ck_err_set(code, "%s: %s", what, reason);
	return ck_err_set(code, "%s", what);
}

/*
 * Fetched once and kept for the life of the process (reachable from these
 * statics, so leak checkers do not report them).
 */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256, *sha512;
static EVP_CIPHER *aes256gcm, *chacha20poly1305;
static EVP_MAC *hmac;

static void fetch_all(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
	aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	chacha20poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	/* A missing algorithm is reported where it is used. */
	ERR_clear_error();
}

const EVP_MD *ck__ossl_md(enum ck_hash_alg alg)
{
	CK_ASSERT(pthread_once(&once, fetch_all) == 0);
	return alg == CK_SHA512 ? sha512 : sha256;
}

const EVP_CIPHER *ck__ossl_aes256gcm(void)
{
	CK_ASSERT(pthread_once(&once, fetch_all) == 0);
	return aes256gcm;
}

const EVP_CIPHER *ck__ossl_chacha20poly1305(void)
{
	CK_ASSERT(pthread_once(&once, fetch_all) == 0);
	return chacha20poly1305;
}

EVP_MAC *ck__ossl_hmac(void)
{
	CK_ASSERT(pthread_once(&once, fetch_all) == 0);
	return hmac;
}
