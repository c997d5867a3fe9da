/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sops tree: the document model SOPS itself works on (getsops/sops
 * TreeBranch). A stream is a list of documents; each document is a map.
 * Maps are ordered lists of items where an item is either a key/value pair or
 * a comment; sequences are ordered lists of values and comments. Leaves are
 * typed scalars whose text is the exact byte form SOPS encrypts and feeds to
 * the MAC (table 2.4 of the spec):
 *
 *   STR     the string bytes
 *   INT     decimal, '-' sign, no '+' or leading zeros (Go strconv.Itoa)
 *   UINT    a YAML integer in [2^63, 2^64): sops cannot walk it (error)
 *   FLOAT   Go strconv.FormatFloat(v, 'f', -1, 64): "25.4", "1", "NaN", "+Inf"
 *   BOOL    "True" or "False"
 *   TIME    RFC 3339 with nanoseconds when non-zero (Go time.MarshalText)
 *   COMMENT the comment text after '#' / ';' including its leading space
 *   NULL    no text (not a leaf: never encrypted, never hashed)
 *
 * After encryption an encrypted leaf is a STR whose text is the ENC[...]
 * string, and an encrypted comment is a COMMENT whose text is ENC[...].
 *
 * Memory: nodes are 16 bytes and live in the tree's arena; children of a map
 * or sequence are one contiguous array (maps: key0, value0, key1, value1...;
 * a comment item in a map is a COMMENT key with a NULL value flagged
 * CK_SOPS_F_NONE). Text may point into the source buffer the tree was read
 * from (zero copy), into the public arena, or into the secret arena (secure
 * memory, for plaintext). Nothing is freed one by one; ck_sops_tree_free()
 * wipes and releases everything.
 */
#ifndef CK_SOPS_TREE_H
#define CK_SOPS_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

enum ck_sops_type {
	CK_SOPS_NULL = 0,
	CK_SOPS_STR,
	CK_SOPS_INT,
	CK_SOPS_UINT,
	CK_SOPS_FLOAT,
	CK_SOPS_BOOL,
	CK_SOPS_TIME,
	CK_SOPS_COMMENT,
	CK_SOPS_MAP,
	CK_SOPS_SEQ,
};

/* Node flags. */
#define CK_SOPS_F_INLINE 0x01u /* comment written after a value on its line */
#define CK_SOPS_F_NONE 0x02u   /* the empty value slot of a comment item in a map */
#define CK_SOPS_F_BADKEY 0x04u /* YAML key that is not a string (int, bool, null) */
#define CK_SOPS_F_SECRET 0x08u /* text is in secret memory */
#define CK_SOPS_F_ENC 0x10u    /* text is an ENC[...] string written by encryption */
#define CK_SOPS_F_ENCBIN 0x20u /* with F_ENC: a compact binary record instead of the
                                * ENC[...] text (writers format it; internal) */

struct ck_sops_node {
	uint8_t type;  /* enum ck_sops_type */
	uint8_t flags; /* CK_SOPS_F_* */
	uint16_t line; /* source line (saturated at 65535), 0 for built nodes */
	uint32_t len;  /* text bytes, or number of kid nodes (maps: 2 per item) */
	union {
		const char *s;              /* text (not NUL-terminated in general) */
		struct ck_sops_node *kids;  /* children */
	} u;
};

struct ck_sops_arena;

struct ck_sops_tree {
	struct ck_sops_node *docs; /* ndocs MAP nodes */
	size_t ndocs;
	size_t capdocs;
	struct ck_sops_arena *pub; /* structure, keys, ciphertext */
	struct ck_sops_arena *sec; /* plaintext values (secure memory) */
	struct ck_buf src;         /* source text nodes may point into (owned) */
	size_t nodes;              /* nodes allocated so far (limit check) */
	/* src is a public (encrypted) file in ordinary memory: decryption may
	 * hand its pages back to the system as it goes, and it is not wiped */
	int src_public;
	size_t src_released;       /* bytes of src already handed back */
};

/* Limits that turn into CK_ETOOBIG. */
#define CK_SOPS_MAX_NODES ((size_t)1 << 26)
#define CK_SOPS_MAX_DEPTH 512

/* Empty tree (no documents). NULL on CK_ENOMEM. */
struct ck_sops_tree *ck_sops_tree_new(void);
/* Wipe and free everything; NULL-safe. */
void ck_sops_tree_free(struct ck_sops_tree *t);

/* Allocation in the tree's arenas (8-byte aligned, zeroed). NULL on CK_ENOMEM. */
void *ck_sops_tree_alloc(struct ck_sops_tree *t, size_t n, int secret);
/* Copy text into an arena (NUL-terminated); NULL on CK_ENOMEM. */
char *ck_sops_tree_strdup(struct ck_sops_tree *t, const char *s, size_t n, int secret);

/* Node constructors (write into *out; text copied into the arena). */
int ck_sops_node_text(struct ck_sops_tree *t, struct ck_sops_node *out, enum ck_sops_type type,
                      const char *s, size_t n, int secret) CK_WUR;
void ck_sops_node_null(struct ck_sops_node *out);
void ck_sops_node_empty(struct ck_sops_node *out, enum ck_sops_type type); /* MAP or SEQ */

/* Append a document (a MAP node, copied). */
int ck_sops_tree_add_doc(struct ck_sops_tree *t, const struct ck_sops_node *root) CK_WUR;

/*
 * Editing. Maps and sequences grow by reallocation inside the arena (the old
 * array is left to the arena); fine for metadata and set/unset, not for
 * building big trees (the readers build arrays once).
 */
int ck_sops_map_append(struct ck_sops_tree *t, struct ck_sops_node *map,
                       const struct ck_sops_node *key, const struct ck_sops_node *value) CK_WUR;
int ck_sops_map_append_str(struct ck_sops_tree *t, struct ck_sops_node *map, const char *key,
                           const struct ck_sops_node *value) CK_WUR;
int ck_sops_seq_append(struct ck_sops_tree *t, struct ck_sops_node *seq,
                       const struct ck_sops_node *item) CK_WUR;
/* Remove kid range [i, i+n) of a map or sequence (no allocation). */
void ck_sops_node_remove(struct ck_sops_node *parent, size_t i, size_t n);

/* Lookups (no allocation). */
size_t ck_sops_map_items(const struct ck_sops_node *map); /* items incl. comments */
/* Value of the first pair whose key equals key (comments skipped), or NULL. */
struct ck_sops_node *ck_sops_map_get(const struct ck_sops_node *map, const char *key);
/* Index (in kids) of that pair's key, or -1. */
long ck_sops_map_find(const struct ck_sops_node *map, const char *key, size_t keylen);
/* 1 if n is a STR (or any scalar) whose text equals s. */
int ck_sops_node_is(const struct ck_sops_node *n, const char *s);
/* Deep copy of a node into t (text copied, secret text to the secret arena). */
int ck_sops_node_clone(struct ck_sops_tree *t, struct ck_sops_node *out,
                       const struct ck_sops_node *in) CK_WUR;

/* "str", "int", "float", ... (for messages). */
const char *ck_sops_type_name(enum ck_sops_type type);

#endif
