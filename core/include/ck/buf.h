/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct ck_buf: the one byte buffer.
 *
 * - Limited: every buffer has a maximum size; growing past it fails with
 *   CK_ETOOBIG. max 0 means CK_BUF_MAX (1 GiB), so a zeroed struct ck_buf
 *   (calloc'd memory, `= {0}`) is the same as CK_BUF_INIT.
 * - Wiping: growth allocates a new block, copies, wipes and frees the old one;
 *   dispose/free wipe. A buffer made with ck_buf_init_secure() keeps its bytes
 *   in secret memory (ck_secret_alloc) and is for plaintext and private keys.
 * - Unchanged on failure: a failed put or get leaves the buffer as it was.
 * - Always NUL-terminated after its data, so ck_buf_cstr() is free.
 * - Cursor: reads (get/consume) advance an offset from the front; ck_buf_data
 *   and ck_buf_len describe the unread part.
 * - Views: ck_buf_view() wraps borrowed read-only bytes (no NUL guarantee);
 *   writes to a view fail with CK_EINTERNAL.
 *
 * The fields are private: use the functions.
 */
#ifndef CK_BUF_H
#define CK_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ck/err.h"

#define CK_BUF_MAX ((size_t)1 << 30)

struct ck_buf {
	uint8_t *ptr;
	size_t off;   /* read cursor */
	size_t len;   /* bytes written (including already-read ones) */
	size_t cap;   /* allocated bytes, > len for the NUL */
	size_t max;
	unsigned flags;
};

#define CK_BUF_INIT { NULL, 0, 0, 0, CK_BUF_MAX, 0 }

void ck_buf_init(struct ck_buf *b, size_t max);
/* Same, but storage comes from secret memory. */
void ck_buf_init_secure(struct ck_buf *b, size_t max);
/* Read-only view over borrowed bytes; nothing to dispose but harmless to. */
void ck_buf_view(struct ck_buf *b, const void *p, size_t n);
/* Wipe and release the storage; the buffer is re-initialised (same max). */
void ck_buf_dispose(struct ck_buf *b);
/* Heap object variants. ck_buf_free is NULL-safe and wipes. */
struct ck_buf *ck_buf_new(size_t max);
struct ck_buf *ck_buf_new_secure(size_t max);
void ck_buf_free(struct ck_buf *b);

/* Unread bytes and their count. */
const uint8_t *ck_buf_data(const struct ck_buf *b);
size_t ck_buf_len(const struct ck_buf *b);
/* The unread bytes as a NUL-terminated string ("" for an empty buffer). */
const char *ck_buf_cstr(const struct ck_buf *b);
/* Mutable pointer to the unread bytes (NULL for a view). */
uint8_t *ck_buf_mutable(struct ck_buf *b);
int ck_buf_is_secure(const struct ck_buf *b);

/* Drop everything (wiping it) but keep the allocation. */
void ck_buf_reset(struct ck_buf *b);
/* Keep only the first n unread bytes (n <= len), wiping the rest. */
void ck_buf_truncate(struct ck_buf *b, size_t n);

/* Ensure room for n more bytes. CK_ENOMEM, CK_ETOOBIG. */
int ck_buf_grow(struct ck_buf *b, size_t n) CK_WUR;
/* Append n bytes and give a pointer to fill them in. */
int ck_buf_reserve(struct ck_buf *b, size_t n, uint8_t **out) CK_WUR;
int ck_buf_put(struct ck_buf *b, const void *p, size_t n) CK_WUR;
int ck_buf_puts(struct ck_buf *b, const char *s) CK_WUR;
int ck_buf_putc(struct ck_buf *b, int c) CK_WUR;
int ck_buf_put_u8(struct ck_buf *b, uint8_t v) CK_WUR;
int ck_buf_put_u16be(struct ck_buf *b, uint16_t v) CK_WUR;
int ck_buf_put_u32be(struct ck_buf *b, uint32_t v) CK_WUR;
int ck_buf_put_u64be(struct ck_buf *b, uint64_t v) CK_WUR;
int ck_buf_printf(struct ck_buf *b, const char *fmt, ...) CK_PRINTF(2, 3) CK_WUR;
int ck_buf_vprintf(struct ck_buf *b, const char *fmt, va_list ap) CK_VPRINTF(2) CK_WUR;
/* Append the unread bytes of src. */
int ck_buf_putb(struct ck_buf *b, const struct ck_buf *src) CK_WUR;

/* Cursor reads: CK_EINVAL when fewer than n bytes remain (buffer unchanged). */
int ck_buf_get(struct ck_buf *b, void *out, size_t n) CK_WUR;
int ck_buf_get_u8(struct ck_buf *b, uint8_t *out) CK_WUR;
int ck_buf_get_u16be(struct ck_buf *b, uint16_t *out) CK_WUR;
int ck_buf_get_u32be(struct ck_buf *b, uint32_t *out) CK_WUR;
int ck_buf_get_u64be(struct ck_buf *b, uint64_t *out) CK_WUR;
/* Pointer to the next n bytes without consuming them, or NULL. */
const uint8_t *ck_buf_peek(const struct ck_buf *b, size_t n);
int ck_buf_consume(struct ck_buf *b, size_t n) CK_WUR;

/*
 * Take ownership of the unread bytes (NUL-terminated, allocated with
 * ck_alloc, or ck_secret_alloc for a secure buffer: free accordingly).
 * *len may be NULL. The buffer is left empty. NULL on CK_ENOMEM.
 */
uint8_t *ck_buf_detach(struct ck_buf *b, size_t *len);

/* Constant-time equality of the unread bytes of two buffers. */
int ck_buf_eq(const struct ck_buf *a, const struct ck_buf *b);

#endif
