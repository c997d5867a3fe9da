/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ck/secret.h"
#include "ossl.h"

int ck_core_init(void)
{
	/* sodium_init is idempotent and thread-safe; 1 means already done. */
	if (sodium_init() < 0)
		return ck_err_set(CK_EINTERNAL, "core: libsodium failed to initialise");
	ck__ossl_init();
	return CK_OK;
}

#ifdef CK_SANITIZE
/*
 * Under ASan, guard pages would hide overflows from the sanitizer, so use the
 * heap with a size header and wipe on free (libsodium's harness does the same).
 */
struct hdr { size_t n; size_t pad; };

void *ck_secret_alloc(size_t n)
{
	struct hdr *h;

	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	if ((h = ck_calloc(1, sizeof(*h) + n)) == NULL)
		return NULL;
	h->n = n;
	return h + 1;
}

void ck_secret_free(void *p)
{
	struct hdr *h;

	if (p == NULL)
		return;
	h = (struct hdr *)p - 1;
	sodium_memzero(p, h->n);
	free(h);
}
#else
void *ck_secret_alloc(size_t n)
{
	if (ck__alloc_inject())
		return NULL;
	if (ck_core_init() < 0)
		return NULL;
	return ck__spool_alloc(n);
}

void ck_secret_free(void *p)
{
	ck__spool_free(p);
}
#endif

void ck_memzero(void *p, size_t n)
{
	if (p != NULL && n > 0)
		sodium_memzero(p, n);
}

int ck_memeq(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int ck_is_zero(const void *p, size_t n)
{
	return sodium_is_zero(p, n);
}

int ck_process_harden(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return ck_err_set(CK_EINTERNAL, "core: cannot disable core dumps");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return ck_err_set(CK_EINTERNAL, "core: cannot clear PR_SET_DUMPABLE");
	return CK_OK;
}
