/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secret memory. Long-lived key material and plaintext live in allocations
 * from ck_secret_alloc(): libsodium's guarded, mlock'ed pages excluded from
 * core dumps, wiped on free. Under the sanitizer build it falls back to
 * calloc + wipe so ASan can see overflows. A failed mlock is not an error.
 */
#ifndef CK_SECRET_H
#define CK_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* Initialise libsodium; idempotent, thread-safe; CK_OK or CK_EINTERNAL. */
int ck_core_init(void);

/* Zeroed secure allocation of n bytes; NULL when out of memory. */
void *ck_secret_alloc(size_t n);
/* Wipe and free; NULL-safe. */
void ck_secret_free(void *p);

/*
 * The allocator behind ck_secret_alloc outside sanitizer builds (exposed for
 * its tests): blocks up to CK__SPOOL_MAX bytes come from locked, dump-excluded
 * slabs and are wiped when freed; larger ones from sodium_malloc (guard
 * pages). ck__spool_capacity: the bytes a pooled block can hold (its size
 * class), 0 for a sodium_malloc block.
 */
#define CK__SPOOL_MAX ((size_t)4096)
void *ck__spool_alloc(size_t n);
void ck__spool_free(void *p);
size_t ck__spool_capacity(const void *p);

/* Wipe memory in a way the compiler cannot elide. */
void ck_memzero(void *p, size_t n);

/* Constant-time equality of two n-byte regions: 1 equal, 0 different. */
int ck_memeq(const void *a, const void *b, size_t n);

/* Constant-time check that n bytes are all zero: 1 if zero. */
int ck_is_zero(const void *p, size_t n);

/*
 * Process hygiene for commands that touch secrets: no core dumps
 * (RLIMIT_CORE 0) and not dumpable/ptrace-able (PR_SET_DUMPABLE 0).
 */
int ck_process_harden(void);

#endif
