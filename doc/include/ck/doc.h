/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The document tree: an ordered YAML/JSON tree that keeps what a reviewer
 * sees. Maps keep key order, scalars keep their style and tag, comments stay
 * attached to the nodes they belong to, multi-document streams keep every
 * document, and every node remembers its source line.
 *
 * Memory: every node and string of a tree lives in the tree's arena and is
 * released (wiped) by ck_doc_free(). A tree made with CK_DOC_SECURE keeps its
 * arena in secret memory: use it for decrypted documents. Nodes are never
 * freed one by one; a removed node's memory is reclaimed with the tree.
 *
 * Comments (libyaml does not report them; the reader recovers them from the
 * source text between libyaml's events):
 *   head_comment  comment lines directly above a map key, a sequence item or
 *                 a root scalar (for a map, comments above an entry are on
 *                 the key node; above a root map or sequence, on its first
 *                 key or item).
 *   line_comment  the comment after a node on the same line. For
 *                 `key: value  # c` it belongs to the value; for a key whose
 *                 value is a block collection (`key:  # c`) to the key; after
 *                 a block scalar's header (`key: |  # c`) to the scalar;
 *                 after "- " or "--- " to the node that follows; after a
 *                 collection's properties (`key: &a  # c`) to the collection.
 *   foot_comment  comment lines after the last entry of a block collection
 *                 that are indented at least as far as its entries (the
 *                 innermost such collection wins), or, on a document root,
 *                 the comments at the end of the document.
 *   blank_before  blank lines before the node (and before its head comment).
 * Text format: lines joined by '\n', no trailing newline. Each line is the
 * comment as written from '#', possibly preceded by the spaces it stood
 * beyond the node's indentation (`resources: {}\n  # limits:` keeps
 * "  # limits:" on the next key); an empty line is a blank source line (a
 * head comment may end with one: blank lines between it and its node).
 * Lines given by a program without '#' are written as "# " + text.
 * comment_gap keeps the spaces before a line comment (0: one space).
 * ck_doc.head_comment holds what comes before an explicit first "---" (or
 * a stream of comments only). Comments inside flow collections ([a, # c])
 * are dropped. Comments after a document end marker "..." join the foot of
 * the document they follow (the writer does not write "...").
 *
 * JSON maps onto the same tree: objects are maps, arrays sequences, strings
 * double-quoted scalars, numbers/true/false/null plain scalars, so
 * ck_doc_scalar_type() types both the same way.
 */
#ifndef CK_DOC_H
#define CK_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

enum ck_doc_kind { CK_DOC_SCALAR, CK_DOC_MAP, CK_DOC_SEQ, CK_DOC_ALIAS };

enum ck_doc_style {
	CK_DOC_STYLE_ANY = 0,  /* writer chooses */
	CK_DOC_PLAIN,          /* scalars */
	CK_DOC_SQUOTED,
	CK_DOC_DQUOTED,
	CK_DOC_LITERAL,        /* | */
	CK_DOC_FOLDED,         /* > */
	CK_DOC_BLOCK,          /* collections */
	CK_DOC_FLOW,           /* collections: [a, b] / {a: b} */
};

/* What a scalar means under YAML 1.2 core resolution as go-yaml v3 does it. */
enum ck_doc_type {
	CK_DOC_T_STR,
	CK_DOC_T_INT,       /* fits int64 (decimal, 0x, 0o, 0b, leading-0 octal, '_') */
	CK_DOC_T_UINT,      /* in [2^63, 2^64) */
	CK_DOC_T_FLOAT,
	CK_DOC_T_BOOL,      /* true|True|TRUE|false|False|FALSE */
	CK_DOC_T_NULL,      /* ~, null, Null, NULL, empty plain scalar */
	CK_DOC_T_TIMESTAMP, /* unquoted timestamps, or !!timestamp */
	CK_DOC_T_BINARY,    /* !!binary */
	CK_DOC_T_MAP,
	CK_DOC_T_SEQ,
};

struct ck_doc_node {
	enum ck_doc_kind kind;
	enum ck_doc_style style;
	char *tag;            /* explicit tag as written ("!!binary", "!Ref"), or NULL */
	char *anchor;         /* "&name" without '&', or NULL */
	char *text;           /* scalar value (escapes decoded) or alias name; NUL-terminated */
	size_t len;           /* bytes in text (may contain NUL for JSON "\u0000") */
	struct ck_doc_node **kids; /* map: key0, value0, key1, value1 ...; seq: items */
	size_t nkids;         /* entries in kids (2 per map pair) */
	size_t capkids;
	struct ck_doc_node *target; /* alias: the anchored node it refers to */
	char *head_comment;
	char *line_comment;
	char *foot_comment;
	unsigned blank_before;  /* blank lines before this node (and its head comment) */
	uint32_t line, col;     /* 1-based source position; 0 for built nodes */
	/*
	 * Layout as read, for faithful re-emission: 1 + the indentation of this
	 * node's block content relative to its parent's (map entries under their
	 * key, "- " under its key, block scalar text under its key or "- ");
	 * 0 = unknown, the writer uses its options.
	 */
	unsigned char src_indent;
	unsigned char comment_gap; /* spaces before line_comment as read; 0 = one */
};

struct ck_doc_arena;

/* A stream of one or more documents. */
struct ck_doc {
	struct ck_doc_node **docs; /* document roots; a root may be NULL for an empty document */
	size_t ndocs;
	size_t capdocs;
	unsigned char *explicit_start; /* per document: written with a leading "---" */
	char *head_comment;  /* comments before the first document's explicit "---" (or
	                       all comments of a stream without documents) */
	struct ck_doc_arena *arena;
	unsigned flags;
};

/* Flags for ck_doc_new() and the readers. */
#define CK_DOC_SECURE      1u  /* arena in secret memory */
#define CK_DOC_NO_COMMENTS 2u  /* reader: skip comment recovery (faster) */
#define CK_DOC_NO_DUP_KEYS 4u  /* reader: duplicate map keys are an error */

/* Empty stream (no documents). NULL on CK_ENOMEM. */
struct ck_doc *ck_doc_new(unsigned flags);
/* Wipe and free everything; NULL-safe. */
void ck_doc_free(struct ck_doc *d);

/*
 * Readers. The text need not be NUL-terminated. Errors: CK_EINVAL with
 * "doc: line L, column C: what is wrong" (columns count characters);
 * CK_ETOOBIG beyond limits (nesting depth over 512, more than 1<<24 nodes,
 * aliases that expand to more than 1<<22 nodes beyond the real ones).
 *
 * YAML: libyaml's event parser; UTF-8 input only (a leading BOM is
 * skipped). Anchors are per document; an alias to an anchor whose node is
 * still open (a cycle) is an error. Aliases stay alias nodes (target set),
 * merge keys "<<" stay ordinary pairs: expanding is the caller's choice.
 * Directives (%YAML, %TAG) are consumed; tags are stored resolved, the YAML
 * namespace shortened to "!!x".
 *
 * JSON: RFC 8259, strict (no comments, trailing commas, NaN, control
 * characters or lone surrogates; a leading BOM is skipped). Our own parser,
 * not jansson's: numbers keep their exact text (big integers included),
 * every node gets its line and column, strings go straight into the
 * (secure) arena, no allocation per node. Any value may be the root.
 *
 * Duplicate keys: with CK_DOC_NO_DUP_KEYS an error naming both lines (YAML:
 * as go-yaml v3, scalar keys compared by text). Without it every pair is
 * kept in order, and the lookups below see the last one (as encoding/json
 * and jansson keep the last).
 *
 * Secure trees: a CK_DOC_SECURE tree keeps every node and string in secret
 * memory, and the readers wipe their own buffers; libyaml's scanner,
 * though, builds each scalar in a small heap buffer it frees unwiped.
 */
int ck_doc_parse_yaml(struct ck_doc **out, const char *text, size_t n, unsigned flags) CK_WUR;
int ck_doc_parse_json(struct ck_doc **out, const char *text, size_t n, unsigned flags) CK_WUR;
/*
 * JSON if the first non-blank byte is '{' or '[', else YAML. When JSON
 * fails there, YAML is tried (flow YAML starts with brackets too); if both
 * fail the JSON error is reported.
 */
int ck_doc_parse(struct ck_doc **out, const char *text, size_t n, unsigned flags) CK_WUR;

struct ck_doc_yaml_opts {
	unsigned indent;        /* spaces per level; 0: as read (src_indent) where known, else 2 */
	int indent_sequences;   /* 1: "key:\n  - a" ; 0: "key:\n- a" (kubectl style);
	                           -1: as read where known, else 0 */
	int keep_styles;        /* 1: faithful (styles and layout as read); 0: go-yaml v3's
	                           emitter (its quoting and indentation), see below */
	int explicit_start;     /* 1: "---" before every document */
	int no_comments;        /* 1: drop comments */
};
/* Faithful re-emission: styles, layout and comments as read. */
#define CK_DOC_YAML_OPTS_INIT { 0, -1, 1, 0, 0 }
/* go-yaml v3 Encoder with SetIndent(4), as sops writes YAML. */
#define CK_DOC_YAML_OPTS_GO { 4, 1, 0, 0, 0 }

struct ck_doc_json_opts {
	const char *indent;     /* per level: "\t", "  ", or "" / NULL for compact */
	int escape_html;        /* Go json.Marshal: escape < > & as \u003c ... */
	int trailing_newline;
};
#define CK_DOC_JSON_OPTS_INIT { "  ", 0, 1 }

/*
 * Writers append to out (nothing on failure). Errors: CK_EINVAL for what the
 * format cannot say (invalid UTF-8 in YAML text; NaN/Inf, non-scalar keys in
 * JSON; bad anchor names), CK_ENOMEM/CK_ETOOBIG from the buffer.
 *
 * YAML writes every document of the stream ("---" between documents);
 * whatever it writes reads back as the same tree (ck_doc_equal with
 * CK_DOC_EQ_COMMENTS for the faithful style).
 *
 * Faithful style (keep_styles 1, CK_DOC_YAML_OPTS_INIT). Kept: key order,
 * scalar styles and chomping, tags, anchors and aliases, comments with their
 * indentation, blank lines and the spacing before line comments, "---" of
 * each document, and the block layout as read (src_indent: indentation of
 * maps, of sequences under keys, of block scalar text, "-   " before a map
 * in a sequence item). A typical Kubernetes manifest or Helm values file
 * comes back byte for byte. The normalisations, all of them:
 *   - line breaks are written as LF (CRLF, CR, NEL, LS, PS are read as
 *     breaks); the last line ends with LF; blank lines at the very end of
 *     the stream are dropped;
 *   - a root collection starts at column 0; indentation of nodes built by a
 *     program (src_indent 0) is opts.indent (default 2), sequences under a
 *     key not indented unless opts.indent_sequences is 1;
 *   - multi-line plain and quoted scalars are written on one line (their
 *     folded text); a folded (>) scalar is written one paragraph per line,
 *     not re-wrapped;
 *   - flow collections are written on one line, "[a, b]" and "{k: v}"
 *     (comments inside them are not kept by the reader);
 *   - double-quoted text is re-escaped: printable characters as UTF-8
 *     ("\u00e9" becomes "é"), others as \0 \a \b \t \n \v \f \r \e
 *     \N \L \P or \xXX, \uXXXX, \UXXXXXXXX;
 *   - a style that cannot carry the text back is replaced, plain -> single
 *     quotes -> double quotes: a plain scalar with ": " or " #", leading or
 *     trailing blanks, indicators first; a block scalar inside a flow
 *     collection, as a simple key, with control characters, with no text
 *     line, or kept (|+) with blank lines following; a folded scalar with
 *     lines that start with blanks becomes literal;
 *   - "? key" is written as a simple key when it can be one (a scalar of up
 *     to 1000 characters, an alias, a flow collection); block collection
 *     keys, null (empty) keys and a key whose line comment would otherwise
 *     pass to its null value stay "? key"; alias keys are written "*a :";
 *   - a scalar value on the line below its key moves up beside it, unless
 *     comments stand between them;
 *   - "..." document end markers and %YAML / %TAG directives are dropped;
 *     tags are written "!!x", "!x" or "!<...>" with %-escapes where needed;
 *   - an indentation indicator (|2) is written only when the text starts
 *     with a blank, and then counts from the enclosing collection.
 *
 * go-yaml style (keep_styles 0, CK_DOC_YAML_OPTS_GO: indent 4, sequences
 * indented): what gopkg.in/yaml.v3's Encoder writes, so sops output matches
 * byte for byte (the outputs of sops 3.13.2 are fixed points, see
 * tests/doc/vec_sops_peer.c). Strings: plain unless the text would read as
 * another type (numbers, bools, null, timestamps, YAML 1.1 bools y/yes/on/
 * off..., base-60 numbers) -> double quotes; plain impossible -> single
 * quotes; tabs or control characters -> double quotes; text with "\n" ->
 * literal block (|, |-, |+). Characters outside the BMP and controls are
 * escaped (\U0001F680). Other scalars (plain text that resolves to int,
 * float, bool, null, timestamp) are written as their text: a program that
 * wants go-yaml's spelling sets it (nil -> "null", ck_doc_format_float_g).
 * Indentation: a nested block goes to the next multiple of indent, a map or
 * text directly in a sequence item 2 after its "-" (go-yaml's rule); with
 * indent_sequences 0 a sequence sits at its key's column. Simple keys up to
 * 128 bytes, empty collections {} and [], no line wrapping. Comments are
 * written as in the faithful style.
 *
 * JSON writes one node (a document root) in the layout of Go's
 * json.MarshalIndent (indent "" / NULL: json.Marshal): `"key": value`, empty
 * {} and [], escapes \" \\ \b \f \n \r \t, other controls \u00XX, U+2028
 * and U+2029 always escaped, < > & as \u003c \u003e \u0026 with
 * escape_html, invalid UTF-8 as \ufffd. A plain scalar that is a JSON
 * number is written exactly as read; other numbers are converted (0x1F ->
 * 31, 0755 -> 493, .5 -> 0.5); true/True/TRUE -> true, null/~/empty -> null;
 * everything else, timestamps included, is a string. Aliases are expanded;
 * tags, anchors and comments are dropped. Duplicate keys are written as
 * they are in the tree.
 */
int ck_doc_write_yaml(struct ck_buf *out, const struct ck_doc *d,
                      const struct ck_doc_yaml_opts *opts) CK_WUR;
int ck_doc_write_yaml_node(struct ck_buf *out, const struct ck_doc_node *n,
                           const struct ck_doc_yaml_opts *opts) CK_WUR;
int ck_doc_write_json(struct ck_buf *out, const struct ck_doc_node *n,
                      const struct ck_doc_json_opts *opts) CK_WUR;

/*
 * Building and editing. Nodes and strings are allocated in d's arena; the
 * builders return NULL with CK_ENOMEM set. The editors below take those
 * NULLs and return CK_ENOMEM (other NULL or wrong-kind arguments:
 * CK_EINVAL), so calls nest: ck_doc_map_set(d, m, "k", ck_doc_scalar_str(d, v)).
 */
struct ck_doc_node *ck_doc_scalar(struct ck_doc *d, const char *text, size_t len,
                                  enum ck_doc_style style);
struct ck_doc_node *ck_doc_scalar_str(struct ck_doc *d, const char *text); /* style ANY */
struct ck_doc_node *ck_doc_map(struct ck_doc *d);
struct ck_doc_node *ck_doc_seq(struct ck_doc *d);
/* Copy a string into the arena. */
char *ck_doc_strdup(struct ck_doc *d, const char *s, size_t len);
/*
 * Deep copy of a node (from any tree) into d. Aliases inside the copied
 * subtree point into the copy; an alias whose anchor lies outside it becomes
 * a copy of what it stands for.
 */
struct ck_doc_node *ck_doc_clone(struct ck_doc *d, const struct ck_doc_node *n);
int ck_doc_add_root(struct ck_doc *d, struct ck_doc_node *root) CK_WUR;

/* Replace a scalar's text (style kept unless style != ANY). */
int ck_doc_set_text(struct ck_doc *d, struct ck_doc_node *n, const char *text, size_t len,
                    enum ck_doc_style style) CK_WUR;
int ck_doc_set_comment(struct ck_doc *d, char **slot, const char *text) CK_WUR;

int ck_doc_seq_append(struct ck_doc *d, struct ck_doc_node *seq, struct ck_doc_node *item) CK_WUR;
/* Append a pair (no duplicate check). */
int ck_doc_map_append(struct ck_doc *d, struct ck_doc_node *map, struct ck_doc_node *key,
                      struct ck_doc_node *value) CK_WUR;
/* Set key to value: replace the value of an existing key in place, else append. */
int ck_doc_map_set(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                   struct ck_doc_node *value) CK_WUR;
/* Insert a pair at pair index i (0 = first). */
int ck_doc_map_insert(struct ck_doc *d, struct ck_doc_node *map, size_t i,
                      struct ck_doc_node *key, struct ck_doc_node *value) CK_WUR;
/* Remove the pair with this key; 1 if removed, 0 if absent. */
int ck_doc_map_remove(struct ck_doc_node *map, const char *key);

/*
 * Lookups (no allocation). Aliases are followed, in the arguments and in the
 * nodes returned (read kids[] directly to see alias nodes). With duplicate
 * keys, get/set see the last pair; remove drops all of them. NULL when
 * absent or of the wrong kind. Linear in the map's size.
 */
size_t ck_doc_map_len(const struct ck_doc_node *map);   /* pairs */
struct ck_doc_node *ck_doc_map_key(const struct ck_doc_node *map, size_t i);
struct ck_doc_node *ck_doc_map_value(const struct ck_doc_node *map, size_t i);
struct ck_doc_node *ck_doc_map_get(const struct ck_doc_node *map, const char *key);
/* Follow "a.b.c" through maps (no escaping; for manifest fields). */
struct ck_doc_node *ck_doc_get_path(const struct ck_doc_node *root, const char *dotted);
/* Scalar text of map[key] if it is a scalar, else NULL. */
const char *ck_doc_map_get_str(const struct ck_doc_node *map, const char *key);
/* The node an alias refers to (the node itself for non-aliases). */
const struct ck_doc_node *ck_doc_resolve(const struct ck_doc_node *n);
/* 1 if n is a scalar whose text equals s. */
int ck_doc_scalar_is(const struct ck_doc_node *n, const char *s);

/*
 * Compare trees: kinds, text, tags, anchors, alias names, key order, and
 * the type of each scalar (ck_doc_scalar_type: '1' and 1 differ). With
 * CK_DOC_EQ_STYLES also the exact styles, with CK_DOC_EQ_COMMENTS also
 * comments and blank_before. Source positions are never compared.
 * 1 if equal, 0 if not.
 */
#define CK_DOC_EQ_STYLES   1u
#define CK_DOC_EQ_COMMENTS 2u
int ck_doc_node_equal(const struct ck_doc_node *a, const struct ck_doc_node *b, unsigned flags);
int ck_doc_equal(const struct ck_doc *a, const struct ck_doc *b, unsigned flags);

/*
 * Resolve a node's type (go-yaml v3's resolve.go; aliases followed). A plain
 * scalar, or one built with style ANY, means what its text resolves to:
 * ints as strconv.ParseInt(text without '_', 0) (so "0755" is octal 493,
 * "-0" the int 0, "08" a float), then uint64, then floats matching
 * [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? unless they overflow
 * ("1e400" is a string), 0b/0o forms, .inf/.nan spellings, timestamps
 * (YYYY-M-D, with T/t or space and h:m:s[.frac][Z|+hh:mm]); YAML 1.1 words
 * (yes, on) are strings. Quoted and block scalars are strings. An explicit
 * !!str/!!int/!!float/!!bool/!!null/!!timestamp/!!binary decides (!!int
 * with a uint64 text gives UINT); "!" and other tags give STR.
 */
enum ck_doc_type ck_doc_scalar_type(const struct ck_doc_node *n);

/*
 * Parse a scalar that ck_doc_scalar_type() called INT/UINT/FLOAT/BOOL into a
 * C value (0x / 0o / 0b / leading-0 octal / '_' handled). CK_EINVAL otherwise.
 */
int ck_doc_scalar_int(const struct ck_doc_node *n, int64_t *out) CK_WUR;
int ck_doc_scalar_uint(const struct ck_doc_node *n, uint64_t *out) CK_WUR;
int ck_doc_scalar_float(const struct ck_doc_node *n, double *out) CK_WUR;
int ck_doc_scalar_bool(const struct ck_doc_node *n, int *out) CK_WUR;

/*
 * Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits,
 * positional notation, "NaN", "+Inf", "-Inf". Appends to out.
 */
int ck_doc_format_float(struct ck_buf *out, double v) CK_WUR;
/*
 * Go's strconv.FormatFloat(v, 'g', -1, 64), what go-yaml v3 writes for a
 * float64 (sops's YAML output): shortest digits, exponent form ("1e+06",
 * "1.5e-07") when the exponent is < -4 or >= 6. "NaN", "+Inf", "-Inf" as
 * Go prints them (go-yaml itself writes .nan, .inf, -.inf).
 */
int ck_doc_format_float_g(struct ck_buf *out, double v) CK_WUR;

#endif
