/* SPDX-License-Identifier: Apache-2.0 */
/* Private to doc/: the arena and helpers shared by the readers and writers. */
#ifndef CK_DOC_INT_H
#define CK_DOC_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/doc.h"

/* Limits (see doc.h). */
#define CK_DOC__MAX_DEPTH 512
#define CK_DOC__MAX_NODES ((size_t)1 << 24)
/* Nodes an alias expansion may add on top of the real ones (alias bombs). */
#define CK_DOC__MAX_EXPANDED ((uint64_t)1 << 22)

struct ck_doc_arena;

struct ck_doc_arena *ck_doc__arena_new(int secure);
void ck_doc__arena_free(struct ck_doc_arena *a);
/* Zeroed, 16-byte aligned; NULL when out of memory (no error set). */
void *ck_doc__alloc(struct ck_doc_arena *a, size_t n);
/* Bytes handed out (for tests and statistics). */
size_t ck_doc__arena_used(const struct ck_doc_arena *a);

/* A fresh node in d's arena; NULL with CK_ENOMEM set. */
struct ck_doc_node *ck_doc__node(struct ck_doc *d, enum ck_doc_kind kind);
/* Append a root without copying; explicit: written with "---". */
int ck_doc__add_root(struct ck_doc *d, struct ck_doc_node *root, int explicit_start);

/*
 * Drop what was appended after the first n unread bytes (works around
 * ck_buf_truncate() doing pointer arithmetic on a NULL buffer when empty).
 */
void ck_doc__truncate(struct ck_buf *b, size_t n);

/* Copy a string for an error message: at most 40 bytes, non-printables as '?'. */
void ck_doc__msg_str(char *out, size_t outsz, const char *s, size_t n);

/* Hash of a byte string (FNV-1a, 64 bit) for duplicate-key checks. */
uint64_t ck_doc__hash(const char *s, size_t n);

/*
 * Duplicate scalar keys in a finished map: 1 and first, dup set when found,
 * 0 when none, CK_ENOMEM. Linear time (hash set for big maps).
 */
int ck_doc__find_dup_key(const struct ck_doc_node *map, size_t *first, size_t *dup);

/* 1 if s[0..n) is valid UTF-8 (no surrogates, no overlong forms). */
int ck_doc__utf8_valid(const char *s, size_t n);
/* Decode one UTF-8 sequence at s (n bytes left): code point, or -1 if invalid. */
long ck_doc__utf8_next(const unsigned char *s, size_t n, size_t *len);

#endif
