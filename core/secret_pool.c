/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small secure allocations from locked slabs.
 *
 * sodium_malloc gives every allocation its own guard pages: an mmap, an
 * mlock, four mprotect calls and a munmap, whose TLB shootdowns interrupt the
 * other cores. The controller makes about a dozen small secure allocations
 * per SealedSecret (RSA output, session key, plaintext, base64), and those
 * system calls cost it ~8% of its CPU beside the RSA work. Here blocks of up
 * to CK__SPOOL_MAX bytes come instead from 64 KiB slabs that are locked into
 * RAM and excluded from core dumps once (sodium_mlock), are wiped whole when
 * freed, and are reused through per-size free lists. Slabs are kept for the
 * life of the process, so the pool is as large as the peak of small secrets.
 * What is given up: the guard page right after each small block (overflows
 * are the sanitizer build's job; it does not use this pool).
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <sodium.h>

#include "ck/err.h"
#include "ck/secret.h"

#define SLAB_SIZE ((size_t)64 << 10)
#define NCLASS 8 /* 32, 64, ..., 4096 bytes */
#define MIN_SHIFT 5

/* Precedes every block; the user's bytes follow it. */
struct blk {
	union {
		struct {
			uint32_t magic;
			uint32_t cls;
		} h;
		struct blk *next; /* while on a free list */
		max_align_t align;
	} u;
};

#define MAGIC 0x636b7370u /* "cksp" */
#define BIG NCLASS         /* cls of a block from sodium_malloc */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct blk *free_list[NCLASS];

static size_t class_size(unsigned cls)
{
	return (size_t)1 << (cls + MIN_SHIFT);
}

static unsigned class_of(size_t n)
{
	unsigned cls = 0;

	while (class_size(cls) < n)
		cls++;
	return cls;
}

/* A new slab carved into blocks of cls, pushed on its free list (lock held). */
static int refill(unsigned cls)
{
	size_t step = sizeof(struct blk) + class_size(cls), i, n = SLAB_SIZE / step;
	uint8_t *slab;

	slab = mmap(NULL, SLAB_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slab == MAP_FAILED)
		return 0;
	/* Like sodium_malloc: locking may be refused (RLIMIT_MEMLOCK); the dump exclusion is not. */
	(void)sodium_mlock(slab, SLAB_SIZE);
	for (i = n; i-- > 0;) {
		struct blk *b = (struct blk *)(slab + i * step);

		b->u.next = free_list[cls];
		free_list[cls] = b;
	}
	return 1;
}

/*
 * Larger blocks keep sodium_malloc's guard pages; they carry the same header
 * so that the free knows where a block came from without a lookup. The size
 * is rounded to 16 so the header is aligned (sodium puts the block at the end
 * of its pages).
 */
static void *big_alloc(size_t n)
{
	size_t round = (n + 15) & ~(size_t)15;
	struct blk *b;

	if (round < n || round > SIZE_MAX - sizeof(*b))
		return NULL;
	if ((b = sodium_malloc(sizeof(*b) + round)) == NULL)
		return NULL;
	b->u.h.magic = MAGIC;
	b->u.h.cls = BIG;
	memset(b + 1, 0, round);
	return b + 1;
}

void *ck__spool_alloc(size_t n)
{
	struct blk *b = NULL;
	unsigned cls;

	if (n > CK__SPOOL_MAX)
		return big_alloc(n);
	cls = class_of(n ? n : 1);
	CK_ASSERT(pthread_mutex_lock(&lock) == 0);
	if (free_list[cls] != NULL || refill(cls)) {
		b = free_list[cls];
		free_list[cls] = b->u.next;
	}
	CK_ASSERT(pthread_mutex_unlock(&lock) == 0);
	if (b == NULL)
		return NULL;
	b->u.h.magic = MAGIC;
	b->u.h.cls = cls;
	/* Freed blocks were wiped and new slabs are zero: only the free-list link is left. */
	memset(b + 1, 0, n);
	return b + 1;
}

size_t ck__spool_capacity(const void *p)
{
	const struct blk *b = (const struct blk *)p - 1;

	CK_ASSERT(b->u.h.magic == MAGIC && b->u.h.cls <= BIG);
	return b->u.h.cls == BIG ? 0 : class_size(b->u.h.cls);
}

void ck__spool_free(void *p)
{
	struct blk *b;
	unsigned cls;

	if (p == NULL)
		return;
	b = (struct blk *)p - 1;
	CK_ASSERT(b->u.h.magic == MAGIC && b->u.h.cls <= BIG);
	if (b->u.h.cls == BIG) {
		b->u.h.magic = 0;
		sodium_free(b); /* wipes the whole region */
		return;
	}
	cls = b->u.h.cls;
	sodium_memzero(p, class_size(cls));
	sodium_memzero(b, sizeof(*b));
	CK_ASSERT(pthread_mutex_lock(&lock) == 0);
	b->u.next = free_list[cls];
	free_list[cls] = b;
	CK_ASSERT(pthread_mutex_unlock(&lock) == 0);
}
