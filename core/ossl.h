/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to core: OpenSSL glue shared by the core's .c files.
 *
 * - ck__ossl_err() turns OpenSSL's error queue into a ck_err message (the one
 *   place where third-party errors are translated, style.md 3.4 rule 6).
 * - The algorithm getters return provider implementations fetched once per
 *   process. With OpenSSL 3, passing a legacy EVP_sha256()-style object to an
 *   init call makes OpenSSL fetch the implementation again on every call; the
 *   hot paths (sops: 100,000 AEAD calls per file, the controller's RSA
 *   decrypts) use these instead. They return NULL only if the default provider
 *   lacks the algorithm; callers turn that into an error.
 */
#ifndef CK_CORE_OSSL_H
#define CK_CORE_OSSL_H

#include <openssl/evp.h>

#include "ck/err.h"
#include "ck/hash.h"

/* Drain the OpenSSL error queue into the message "<what>: <reason>". */
int ck__ossl_err(int code, const char *what);

/* Process-wide OpenSSL settings, once, from ck_core_init(). */
void ck__ossl_init(void);

const EVP_MD *ck__ossl_md(enum ck_hash_alg alg);
const EVP_CIPHER *ck__ossl_aes256gcm(void);
const EVP_CIPHER *ck__ossl_chacha20poly1305(void);
EVP_MAC *ck__ossl_hmac(void);

#endif
