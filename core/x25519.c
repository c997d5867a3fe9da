/* SPDX-License-Identifier: Apache-2.0 */
#include <sodium.h>

#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/x25519.h"

int ck_x25519(uint8_t shared[static CK_X25519_LEN], const uint8_t scalar[static CK_X25519_LEN],
              const uint8_t point[static CK_X25519_LEN])
{
	if (ck_core_init() < 0)
		return CK_EINTERNAL;
	/* libsodium returns -1 exactly when the result is all zeros. */
	if (crypto_scalarmult_curve25519(shared, scalar, point) != 0) {
		sodium_memzero(shared, CK_X25519_LEN);
		return ck_err_set(CK_EAUTH, "x25519: low-order point (all-zero shared secret)");
	}
	return CK_OK;
}

int ck_x25519_base(uint8_t pub[static CK_X25519_LEN], const uint8_t scalar[static CK_X25519_LEN])
{
	if (ck_core_init() < 0)
		return CK_EINTERNAL;
	if (crypto_scalarmult_curve25519_base(pub, scalar) != 0)
		return ck_err_set(CK_ECRYPTO, "x25519: invalid scalar");
	return CK_OK;
}

int ck_x25519_keypair(uint8_t pub[static CK_X25519_LEN], uint8_t scalar[static CK_X25519_LEN])
{
	ck_random(scalar, CK_X25519_LEN);
	return ck_x25519_base(pub, scalar);
}
