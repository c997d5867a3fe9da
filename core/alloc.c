/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"

/*
 * Fault injection for the OOM loop. Plain globals: the tests that use the
 * hook are single-threaded, and the counters cost nothing when off.
 */
static size_t fail_at;   /* 0: off; else fail when count reaches it */
static size_t count;

int ck__alloc_inject(void)
{
	if (fail_at == 0)
		return 0;
	return ++count >= fail_at;
}

size_t ck_alloc_fail_after(size_t n)
{
	size_t made = count;

	fail_at = n;
	count = 0;
	return made;
}

void *ck_alloc(size_t n)
{
	if (ck__alloc_inject())
		return NULL;
	return malloc(n ? n : 1);
}

void *ck_calloc(size_t nmemb, size_t n)
{
	if (n && nmemb > SIZE_MAX / n)
		return NULL;
	if (ck__alloc_inject())
		return NULL;
	return calloc(nmemb ? nmemb : 1, n ? n : 1);
}

void ck_free(void *p)
{
	free(p);
}

void ck_freezero(void *p, size_t n)
{
	if (p == NULL)
		return;
	ck_memzero(p, n);
	free(p);
}

char *ck_strndup(const char *s, size_t n)
{
	char *d = ck_alloc(n + 1);

	if (d == NULL)
		return NULL;
	if (n > 0) /* s may be NULL for an empty string */
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *ck_strdup(const char *s)
{
	return ck_strndup(s, strlen(s));
}
