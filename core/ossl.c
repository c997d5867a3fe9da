/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/rand.h>

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
 * statics, so leak checkers do not report them). Each kind on its own: the
 * first fetch of a kind builds OpenSSL's method store for all of that kind's
 * algorithms (~3 million instructions for the ciphers), which a command that
 * never uses one should not pay.
 */
static pthread_once_t md_once = PTHREAD_ONCE_INIT, gcm_once = PTHREAD_ONCE_INIT,
                      chacha_once = PTHREAD_ONCE_INIT, hmac_once = PTHREAD_ONCE_INIT,
                      drbg_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256, *sha512;
static EVP_CIPHER *aes256gcm, *chacha20poly1305;
static EVP_MAC *hmac;

/* A missing algorithm is reported where it is used. */
static void fetch_md(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
	ERR_clear_error();
}

static void fetch_gcm(void)
{
	aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	ERR_clear_error();
}

static void fetch_chacha(void)
{
	chacha20poly1305 = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
	ERR_clear_error();
}

static void fetch_hmac(void)
{
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ERR_clear_error();
}

/*
 * OpenSSL's own randomness (RSA-OAEP seeds, blinding, key generation) from
 * the SP 800-90A Hash_DRBG over SHA-256 instead of the default CTR_DRBG over
 * AES-256: the same standard, but it needs no cipher, so sealing a Secret
 * (whose AES-GCM runs in libsodium) never builds OpenSSL's cipher store. Must
 * run before OpenSSL's DRBGs exist; if it cannot, the default stays.
 */
static void choose_drbg(void)
{
	if (RAND_set_DRBG_type(NULL, "HASH-DRBG", NULL, NULL, "SHA256") != 1)
		ERR_clear_error();
}

void ck__ossl_init(void)
{
	CK_ASSERT(pthread_once(&drbg_once, choose_drbg) == 0);
}

const EVP_MD *ck__ossl_md(enum ck_hash_alg alg)
{
	CK_ASSERT(pthread_once(&md_once, fetch_md) == 0);
	return alg == CK_SHA512 ? sha512 : sha256;
}

const EVP_CIPHER *ck__ossl_aes256gcm(void)
{
	CK_ASSERT(pthread_once(&gcm_once, fetch_gcm) == 0);
	return aes256gcm;
}

const EVP_CIPHER *ck__ossl_chacha20poly1305(void)
{
	CK_ASSERT(pthread_once(&chacha_once, fetch_chacha) == 0);
	return chacha20poly1305;
}

EVP_MAC *ck__ossl_hmac(void)
{
	CK_ASSERT(pthread_once(&hmac_once, fetch_hmac) == 0);
	return hmac;
}
