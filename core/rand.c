/* SPDX-License-Identifier: Apache-2.0 */
#include <sodium.h>

#include "ck/err.h"
#include "ck/rand.h"
#include "ck/secret.h"

void ck_random(void *p, size_t n)
{
	/* randombytes_buf cannot fail once libsodium is initialised. */
	CK_ASSERT(ck_core_init() == CK_OK);
	randombytes_buf(p, n);
}

uint32_t ck_random_uniform(uint32_t upper)
{
	CK_ASSERT(ck_core_init() == CK_OK);
	return randombytes_uniform(upper);
}
