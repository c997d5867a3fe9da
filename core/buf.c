/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/buf.h"
#include "ck/secret.h"

#define F_SECURE 1u
#define F_VIEW 2u

static const char empty[1] = "";

static void check(const struct ck_buf *b)
{
	CK_ASSERT(b->off <= b->len);
	CK_ASSERT(b->ptr == NULL || (b->flags & F_VIEW) || b->len < b->cap);
}

static void init(struct ck_buf *b, size_t max, unsigned flags)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : CK_BUF_MAX;
	b->flags = flags;
}

void ck_buf_init(struct ck_buf *b, size_t max)
{
	init(b, max, 0);
}

void ck_buf_init_secure(struct ck_buf *b, size_t max)
{
	init(b, max, F_SECURE);
}

void ck_buf_view(struct ck_buf *b, const void *p, size_t n)
{
	init(b, n, F_VIEW);
	b->ptr = (uint8_t *)p; /* never written through: F_VIEW */
	b->len = n;
	b->cap = n;
}

static void release(uint8_t *p, size_t cap, unsigned flags)
{
	if (p == NULL || (flags & F_VIEW))
		return;
	if (flags & F_SECURE) {
		ck_secret_free(p);
	} else {
		ck_memzero(p, cap);
		ck_free(p);
	}
}

void ck_buf_dispose(struct ck_buf *b)
{
	size_t max;
	unsigned flags;

	if (b == NULL)
		return;
	max = b->max;
	flags = b->flags & ~F_VIEW;
	release(b->ptr, b->cap, b->flags);
	init(b, (b->flags & F_VIEW) ? 0 : max, flags);
}

struct ck_buf *ck_buf_new(size_t max)
{
	struct ck_buf *b = ck_alloc(sizeof(*b));

	if (b != NULL)
		ck_buf_init(b, max);
	return b;
}

struct ck_buf *ck_buf_new_secure(size_t max)
{
	struct ck_buf *b = ck_alloc(sizeof(*b));

	if (b != NULL)
		ck_buf_init_secure(b, max);
	return b;
}

void ck_buf_free(struct ck_buf *b)
{
	if (b == NULL)
		return;
	ck_buf_dispose(b);
	ck_free(b);
}

const uint8_t *ck_buf_data(const struct ck_buf *b)
{
	if (b->ptr == NULL)
		return (const uint8_t *)empty;
	return b->ptr + b->off;
}

size_t ck_buf_len(const struct ck_buf *b)
{
	return b->len - b->off;
}

const char *ck_buf_cstr(const struct ck_buf *b)
{
	check(b);
	return (const char *)ck_buf_data(b);
}

uint8_t *ck_buf_mutable(struct ck_buf *b)
{
	if ((b->flags & F_VIEW) || b->ptr == NULL)
		return NULL;
	return b->ptr + b->off;
}

int ck_buf_is_secure(const struct ck_buf *b)
{
	return (b->flags & F_SECURE) != 0;
}

void ck_buf_reset(struct ck_buf *b)
{
	if (b->flags & F_VIEW) {
		b->off = b->len;
		return;
	}
	if (b->ptr != NULL) {
		ck_memzero(b->ptr, b->len);
		b->ptr[0] = 0;
	}
	b->off = b->len = 0;
}

void ck_buf_truncate(struct ck_buf *b, size_t n)
{
	CK_ASSERT(n <= ck_buf_len(b));
	if ((b->flags & F_VIEW) || b->ptr == NULL) {
		b->len = b->off + n;
		return;
	}
	ck_memzero(b->ptr + b->off + n, ck_buf_len(b) - n);
	b->len = b->off + n;
	b->ptr[b->len] = 0;
}

int ck_buf_grow(struct ck_buf *b, size_t n)
{
	size_t need, cap, live, max;
	uint8_t *p;

	check(b);
	if (b->flags & F_VIEW)
		return ck_err_set(CK_EINTERNAL, "buf: write to a read-only view");
	if (b->max == 0) /* a zeroed struct (e.g. inside calloc'd memory) */
		b->max = CK_BUF_MAX;
	max = b->max;
	live = b->len - b->off;
	if (n > max || live > max - n)
		return ck_err_set(CK_ETOOBIG, "input exceeds the limit of %zu bytes", max);
	need = live + n + 1;
	if (b->ptr != NULL && b->len + n + 1 <= b->cap)
		return CK_OK;
	if (b->ptr != NULL && need <= b->cap) {
		/* Enough room once the already-read prefix is dropped. */
		memmove(b->ptr, b->ptr + b->off, live + 1);
		ck_memzero(b->ptr + live + 1, b->off);
		b->len = live;
		b->off = 0;
		return CK_OK;
	}
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > (SIZE_MAX >> 1) ? need : cap * 2;
	if (cap > max + 1)
		cap = max + 1 > need ? max + 1 : need;
	p = (b->flags & F_SECURE) ? ck_secret_alloc(cap) : ck_alloc(cap);
	if (p == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	if (b->ptr != NULL)
		memcpy(p, b->ptr + b->off, live);
	p[live] = 0;
	release(b->ptr, b->cap, b->flags);
	b->ptr = p;
	b->cap = cap;
	b->len = live;
	b->off = 0;
	return CK_OK;
}

int ck_buf_reserve(struct ck_buf *b, size_t n, uint8_t **out)
{
	int rc;

	if ((rc = ck_buf_grow(b, n)) < 0)
		return rc;
	*out = b->ptr + b->len;
	b->len += n;
	b->ptr[b->len] = 0;
	return CK_OK;
}

int ck_buf_put(struct ck_buf *b, const void *p, size_t n)
{
	const uint8_t *src = p;
	size_t rel = 0;
	int inside, rc;
	uint8_t *dst;

	if (n == 0)
		return (b->flags & F_VIEW) ? ck_buf_grow(b, 0) : CK_OK;
	/*
	 * Appending part of the buffer to itself: growing may move or compact
	 * the storage, so remember where the source sits among the live bytes.
	 */
	inside = b->ptr != NULL && !(b->flags & F_VIEW) && src >= b->ptr + b->off &&
	         src < b->ptr + b->len;
	if (inside)
		rel = (size_t)(src - (b->ptr + b->off));
	if ((rc = ck_buf_reserve(b, n, &dst)) < 0)
		return rc;
	if (inside)
		src = b->ptr + b->off + rel;
	memmove(dst, src, n);
	return CK_OK;
}

int ck_buf_puts(struct ck_buf *b, const char *s)
{
	return ck_buf_put(b, s, strlen(s));
}

int ck_buf_putc(struct ck_buf *b, int c)
{
	uint8_t v = (uint8_t)c;

	return ck_buf_put(b, &v, 1);
}

int ck_buf_put_u8(struct ck_buf *b, uint8_t v)
{
	return ck_buf_put(b, &v, 1);
}

int ck_buf_put_u16be(struct ck_buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return ck_buf_put(b, x, sizeof(x));
}

int ck_buf_put_u32be(struct ck_buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
	                 (uint8_t)v };

	return ck_buf_put(b, x, sizeof(x));
}

int ck_buf_put_u64be(struct ck_buf *b, uint64_t v)
{
	uint8_t x[8];
	int i;

	for (i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (56 - 8 * i));
	return ck_buf_put(b, x, sizeof(x));
}

int ck_buf_vprintf(struct ck_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	uint8_t *dst;
	int n, rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return ck_err_set(CK_EINTERNAL, "buf: bad format");
	if ((rc = ck_buf_grow(b, (size_t)n)) < 0)
		return rc;
	dst = b->ptr + b->len;
	vsnprintf((char *)dst, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return CK_OK;
}

int ck_buf_printf(struct ck_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ck_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int ck_buf_putb(struct ck_buf *b, const struct ck_buf *src)
{
	return ck_buf_put(b, ck_buf_data(src), ck_buf_len(src));
}

const uint8_t *ck_buf_peek(const struct ck_buf *b, size_t n)
{
	if (ck_buf_len(b) < n)
		return NULL;
	return ck_buf_data(b);
}

int ck_buf_consume(struct ck_buf *b, size_t n)
{
	if (ck_buf_len(b) < n)
		return ck_err_set(CK_EINVAL, "unexpected end of data");
	b->off += n;
	return CK_OK;
}

int ck_buf_get(struct ck_buf *b, void *out, size_t n)
{
	if (ck_buf_len(b) < n)
		return ck_err_set(CK_EINVAL, "unexpected end of data");
	memcpy(out, ck_buf_data(b), n);
	b->off += n;
	return CK_OK;
}

int ck_buf_get_u8(struct ck_buf *b, uint8_t *out)
{
	return ck_buf_get(b, out, 1);
}

int ck_buf_get_u16be(struct ck_buf *b, uint16_t *out)
{
	uint8_t x[2];
	int rc;

	if ((rc = ck_buf_get(b, x, 2)) < 0)
		return rc;
	*out = (uint16_t)((x[0] << 8) | x[1]);
	return CK_OK;
}

int ck_buf_get_u32be(struct ck_buf *b, uint32_t *out)
{
	uint8_t x[4];
	int rc;

	if ((rc = ck_buf_get(b, x, 4)) < 0)
		return rc;
	*out = ((uint32_t)x[0] << 24) | ((uint32_t)x[1] << 16) | ((uint32_t)x[2] << 8) | x[3];
	return CK_OK;
}

int ck_buf_get_u64be(struct ck_buf *b, uint64_t *out)
{
	uint8_t x[8];
	uint64_t v = 0;
	int rc, i;

	if ((rc = ck_buf_get(b, x, 8)) < 0)
		return rc;
	for (i = 0; i < 8; i++)
		v = (v << 8) | x[i];
	*out = v;
	return CK_OK;
}

uint8_t *ck_buf_detach(struct ck_buf *b, size_t *len)
{
	uint8_t *p;
	size_t n = ck_buf_len(b);

	if (b->ptr == NULL || (b->flags & F_VIEW) || b->off > 0) {
		p = (b->flags & F_SECURE) ? ck_secret_alloc(n + 1) : ck_alloc(n + 1);
		if (p == NULL) {
			ck_err_set(CK_ENOMEM, "out of memory");
			return NULL;
		}
		memcpy(p, ck_buf_data(b), n);
		p[n] = 0;
		if (b->flags & F_VIEW)
			b->off = b->len;
		else
			ck_buf_dispose(b);
	} else {
		p = b->ptr;
		init(b, b->max, b->flags);
	}
	if (len != NULL)
		*len = n;
	return p;
}

int ck_buf_eq(const struct ck_buf *a, const struct ck_buf *b)
{
	if (ck_buf_len(a) != ck_buf_len(b))
		return 0;
	return ck_memeq(ck_buf_data(a), ck_buf_data(b), ck_buf_len(a));
}
