/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tree's arena: a list of large chunks, bump allocation, everything wiped
 * and released at once. A secure arena takes its chunks from ck_secret_alloc,
 * so a decrypted document costs a handful of guarded allocations, not one
 * per node.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/err.h"
#include "ck/secret.h"
#include "doc_int.h"

#define CHUNK_FIRST ((size_t)16 << 10)
#define CHUNK_MAX ((size_t)4 << 20)
#define ALIGN 16

struct chunk {
	struct chunk *next;
	size_t cap;   /* bytes in data */
	size_t used;
	size_t pad;   /* keeps data 16-byte aligned */
	unsigned char data[];
};

struct ck_doc_arena {
	struct chunk *head;
	size_t next_size;
	size_t used;
	int secure;
};

struct ck_doc_arena *ck_doc__arena_new(int secure)
{
	struct ck_doc_arena *a = ck_calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->secure = secure;
	a->next_size = CHUNK_FIRST;
	return a;
}

static struct chunk *chunk_new(struct ck_doc_arena *a, size_t cap)
{
	struct chunk *c;

	if (cap > SIZE_MAX - sizeof(*c))
		return NULL;
	c = a->secure ? ck_secret_alloc(sizeof(*c) + cap) : ck_calloc(1, sizeof(*c) + cap);
	if (c == NULL)
		return NULL;
	c->cap = cap;
	return c;
}

static void chunk_free(const struct ck_doc_arena *a, struct chunk *c)
{
	if (a->secure) {
		ck_secret_free(c); /* wipes the whole allocation */
	} else {
		ck_memzero(c->data, c->used);
		ck_free(c);
	}
}

void ck_doc__arena_free(struct ck_doc_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		chunk_free(a, c);
	}
	ck_free(a);
}

void *ck_doc__alloc(struct ck_doc_arena *a, size_t n)
{
	struct chunk *c = a->head;
	void *p;

	if (n > SIZE_MAX - ALIGN)
		return NULL;
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (n == 0)
		n = ALIGN;
	if (c == NULL || c->cap - c->used < n) {
		if (n > a->next_size / 4) {
			/* Big block: its own chunk, behind the head so the head's room stays usable. */
			struct chunk *big = chunk_new(a, n);

			if (big == NULL)
				return NULL;
			big->used = n;
			if (c == NULL) {
				a->head = big;
			} else {
				big->next = c->next;
				c->next = big;
			}
			a->used += n;
			return big->data;
		}
		c = chunk_new(a, a->next_size);
		if (c == NULL)
			return NULL;
		c->next = a->head;
		a->head = c;
		if (a->next_size < CHUNK_MAX)
			a->next_size *= 2;
	}
	p = c->data + c->used;
	c->used += n;
	a->used += n;
	return p;
}

size_t ck_doc__arena_used(const struct ck_doc_arena *a)
{
	return a ? a->used : 0;
}
