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

/*
 * YAML 1.1 line breaks as libyaml reads them (LF, CR, CRLF, NEL, LS, PS):
 * the length of the break at i (0: none), and whether i starts a line.
 */
size_t ck_doc__brk(const char *s, size_t n, size_t i);
int ck_doc__after_brk(const char *s, size_t i);

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

/* Comment recovery state (yaml_comments.c), driven by the YAML reader. */
struct ck_doc__citem {
	uint32_t line, col;   /* col: 0-based, bytes (comments start after spaces) */
	size_t off, len;      /* comment text in the source; blank lines: 0 */
	unsigned char blank;
};

struct ck_doc__closed {
	struct ck_doc_node *node;
	long ind;
};

struct ck_doc__cm {
	struct ck_doc *d;
	const char *src;
	size_t n;
	size_t base;          /* a BOM's bytes: line 1 starts after them */
	int on;
	struct ck_doc__citem *pend;
	size_t npend, cappend;
	size_t nheld;         /* pending items that came before a "---" */
	size_t prev;          /* the next gap starts here */
	size_t lc_off;        /* line counter cursor */
	uint32_t lc_line;
	uint32_t last_line;   /* where the last content ended, 0: nothing can trail it */
	struct ck_doc_node *last;
	int tl;               /* a trailing comment waits for the next node */
	size_t split;         /* head comments end before this offset (SIZE_MAX: none) */
	size_t tl_off, tl_len;
	struct ck_doc__closed *closed; /* block collections that closed one after another */
	size_t nclosed, capclosed;
	int just_closed;      /* the last event was the end of a block collection */
};

int ck_doc__cm_gap(struct ck_doc__cm *c, size_t to, int in_flow);
void ck_doc__cm_content(struct ck_doc__cm *c, size_t end, uint32_t line, struct ck_doc_node *n);
int ck_doc__cm_node(struct ck_doc__cm *c, struct ck_doc_node *n);
int ck_doc__cm_head(struct ck_doc__cm *c, struct ck_doc_node *n, long ind);
int ck_doc__cm_has_comment(const struct ck_doc__cm *c);
int ck_doc__cm_foot(struct ck_doc__cm *c, struct ck_doc_node *n, long ind);
int ck_doc__cm_foot_at(struct ck_doc__cm *c, struct ck_doc_node *n, long ind, long base);
int ck_doc__cm_stream_head(struct ck_doc__cm *c);
int ck_doc__cm_hold(struct ck_doc__cm *c, struct ck_doc_node *prev_root);
int ck_doc__cm_closed(struct ck_doc__cm *c, struct ck_doc_node *n, long ind, int reset);
int ck_doc__cm_root(struct ck_doc__cm *c, struct ck_doc_node *n);
int ck_doc__cm_block_header(struct ck_doc__cm *c, struct ck_doc_node *n, size_t ind_off);
void ck_doc__cm_dispose(struct ck_doc__cm *c);

#endif
