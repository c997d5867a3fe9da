/* SPDX-License-Identifier: Apache-2.0 */
/* Private to core: the OpenSSL key behind a struct ck_rsa (used by x509.c). */
#ifndef CK_CORE_RSA_INT_H
#define CK_CORE_RSA_INT_H

#include <openssl/evp.h>

#include "ck/rsa.h"

/*
 * New ck_rsa for pkey after the key policy check (CK_EUNSUPPORTED). Takes its
 * own reference: the caller still frees its pkey. priv: pkey has the private
 * half (then checked with a round trip when check_pair is set).
 */
int ck__rsa_from_pkey(struct ck_rsa **out, EVP_PKEY *pkey, int priv, int check_pair) CK_WUR;

/* The key, borrowed for the life of k. */
EVP_PKEY *ck__rsa_pkey(const struct ck_rsa *k);

#endif
