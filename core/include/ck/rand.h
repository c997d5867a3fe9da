/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CK_RAND_H
#define CK_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Fill p with n bytes from the system CSPRNG (libsodium randombytes). */
void ck_random(void *p, size_t n);
/* Uniform integer in [0, upper). */
uint32_t ck_random_uniform(uint32_t upper);

#endif
