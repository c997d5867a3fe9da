/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CK_X25519_H
#define CK_X25519_H

#include <stdint.h>

#include "ck/err.h"

#define CK_X25519_LEN 32

/*
 * shared = X25519(scalar, point). Rejects an all-zero result (low-order
 * point) with CK_EAUTH, as age and RFC 7748 section 6.1 require; shared is
 * wiped then.
 */
int ck_x25519(uint8_t shared[static CK_X25519_LEN], const uint8_t scalar[static CK_X25519_LEN],
              const uint8_t point[static CK_X25519_LEN]) CK_WUR;

/* pub = X25519(scalar, basepoint). */
int ck_x25519_base(uint8_t pub[static CK_X25519_LEN],
                   const uint8_t scalar[static CK_X25519_LEN]) CK_WUR;

/* Fresh random scalar and its public point. */
int ck_x25519_keypair(uint8_t pub[static CK_X25519_LEN],
                      uint8_t scalar[static CK_X25519_LEN]) CK_WUR;

#endif
