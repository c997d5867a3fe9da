/* SPDX-License-Identifier: Apache-2.0 */
/*
 * All heap allocation goes through here so that tests can fail the Nth
 * allocation (the OOM loop, SQLite style). Failures return NULL; callers turn
 * that into CK_ENOMEM with ck_err_set().
 */
#ifndef CK_ALLOC_H
#define CK_ALLOC_H

#include <stddef.h>

void *ck_alloc(size_t n);            /* uninitialised; NULL on failure */
void *ck_calloc(size_t count, size_t n); /* zeroed; checks overflow */
void ck_free(void *p);               /* NULL-safe; does not wipe */
void ck_freezero(void *p, size_t n); /* wipe n bytes, then free; NULL-safe */
char *ck_strdup(const char *s);      /* NULL on failure */
char *ck_strndup(const char *s, size_t n);

/*
 * Test hook: make the nth allocation from now fail (n >= 1) and every one
 * after it too; 0 turns the hook off. Returns how many allocations were made
 * since the hook was last set, so an OOM loop knows when it has run through.
 */
size_t ck_alloc_fail_after(size_t n);

/* Internal: 1 when the fault-injection hook says this allocation fails. */
int ck__alloc_inject(void);

#endif
