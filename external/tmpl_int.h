/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the Go text/template engine (external/tmpl_*.c): the value
 * model, the arena every runtime value lives in, the parse tree and the
 * function table. Not a public header.
 *
 * Values model what Go's reflect sees in ESO templates: strings (the fetched
 * secret bytes), the map[string]string of all keys, and what sprig functions
 * build (map[string]interface{}, []interface{}, float64 from JSON, int64
 * from arithmetic). Every runtime value is allocated in a struct ck_ext_arena
 * made of secret-memory chunks, wiped and freed as a whole when the
 * execution ends, so secret bytes never land in ordinary heap memory.
 */
#ifndef CK_EXT_TMPL_INT_H
#define CK_EXT_TMPL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/ext_tmpl.h"

/* ---------------------------------------------------------------- arena */

struct ck_ext_chunk;

struct ck_ext_arena {
	struct ck_ext_chunk *head;
	size_t total;   /* bytes allocated in chunks */
	size_t limit;   /* CK_ETOOBIG beyond this; 0 = 256 MiB */
	int secure;     /* chunks from ck_secret_alloc */
};

void ck_ext__arena_init(struct ck_ext_arena *a, int secure, size_t limit);
/* Wipe and free every chunk; the arena can be used again afterwards. */
void ck_ext__arena_dispose(struct ck_ext_arena *a);
/* Wipe everything but keep one chunk for reuse (cheap reuse of secure memory). */
void ck_ext__arena_reset(struct ck_ext_arena *a);
/* Zeroed, max-aligned memory; NULL with CK_ENOMEM / CK_ETOOBIG set. */
void *ck_ext__arena_alloc(struct ck_ext_arena *a, size_t n);
/* Copy n bytes and add a NUL; NULL on failure (error set). */
char *ck_ext__arena_strdup(struct ck_ext_arena *a, const void *p, size_t n);

/* ---------------------------------------------------------------- values */

enum tv_kind {
	TV_NIL,    /* no value (reflect invalid) or a nil interface{} */
	TV_BOOL,
	TV_INT,    /* Go int */
	TV_INT64,  /* Go int64: sprig arithmetic */
	TV_UINT8,  /* Go byte: index of a string */
	TV_FLOAT,  /* float64: JSON numbers */
	TV_JNUM,   /* json.Number: a number kept as the text Vault sent */
	TV_STR,
	TV_LIST,   /* []interface {} */
	TV_SLIST,  /* []string */
	TV_MAP,    /* map[string]interface {} */
	TV_SMAP,   /* map[string]string */
};

/* TV_NIL flag: a nil interface{} that is a real value (JSON null in a map),
 * as opposed to "no value" (a missing key, an unset pipeline). */
#define TV_F_IFACE 1u

struct tv_list;
struct tv_map;

struct tv {
	uint8_t kind;
	uint8_t flags;
	union {
		int b;
		int64_t i;
		double f;
		struct {
			const char *p;
			size_t n;
		} s;                 /* TV_STR, TV_JNUM */
		struct tv_list *l;   /* TV_LIST, TV_SLIST; NULL = nil slice */
		struct tv_map *m;    /* TV_MAP, TV_SMAP; NULL = nil map */
	} u;
};

struct tv_list {
	size_t n, cap;
	struct tv *v;
};

struct tv_mkey {
	const char *p;
	size_t n;
};

/* Keys sorted bytewise (Go's fmtsort order for string keys), unique. */
struct tv_map {
	size_t n, cap;
	struct tv_mkey *k;
	struct tv *v;
};

static inline struct tv tv_nil(void)
{
	struct tv v = { TV_NIL, 0, { 0 } };
	return v;
}
static inline struct tv tv_str(const char *p, size_t n)
{
	struct tv v = { TV_STR, 0, { 0 } };
	v.u.s.p = p;
	v.u.s.n = n;
	return v;
}
static inline struct tv tv_bool(int b)
{
	struct tv v = { TV_BOOL, 0, { 0 } };
	v.u.b = b != 0;
	return v;
}
static inline struct tv tv_int(int kind, int64_t i)
{
	struct tv v = { 0, 0, { 0 } };
	v.kind = (uint8_t)kind;
	v.u.i = i;
	return v;
}
static inline struct tv tv_float(double f)
{
	struct tv v = { TV_FLOAT, 0, { 0 } };
	v.u.f = f;
	return v;
}

/* Go type name as reflect prints it ("string", "map[string]interface {}"). */
const char *ck_ext__tv_typename(const struct tv *v);
int ck_ext__tv_is_intkind(const struct tv *v);

/* Lists and maps (arena-allocated; growth copies within the arena). */
struct tv_list *ck_ext__list_new(struct ck_ext_arena *a, size_t cap);
int ck_ext__list_push(struct ck_ext_arena *a, struct tv_list *l, struct tv v) CK_WUR;
struct tv_map *ck_ext__map_new(struct ck_ext_arena *a, size_t cap);
/* Value for key or NULL. */
struct tv *ck_ext__map_get(const struct tv_map *m, const char *k, size_t n);
/* Insert or replace (the key bytes are referenced, not copied). */
int ck_ext__map_set(struct ck_ext_arena *a, struct tv_map *m, const char *k, size_t n,
                    struct tv v) CK_WUR;
int ck_ext__map_del(struct tv_map *m, const char *k, size_t n);
struct tv_map *ck_ext__map_copy(struct ck_ext_arena *a, const struct tv_map *m);

/* ------------------------------------------------------- fmt (Go printing) */

/* fmt.Sprint of one value with %v (nil prints "<nil>"). */
int ck_ext__fmt_value(struct ck_buf *out, const struct tv *v) CK_WUR;
/* fmt.Sprint / Sprintln / Sprintf semantics. */
int ck_ext__fmt_sprint(struct ck_buf *out, const struct tv *args, size_t n, int ln) CK_WUR;
int ck_ext__fmt_sprintf(struct ck_buf *out, const char *fmt, size_t fmtlen,
                        const struct tv *args, size_t n) CK_WUR;
/* strconv.FormatFloat(f, fmt, -1, 64) for fmt 'g', 'e', 'f'. */
int ck_ext__fmt_float(struct ck_buf *out, double f, char fmt) CK_WUR;
/* One rune from s (n > 0): its length, or -1 for an invalid byte (*r = U+FFFD). */
int ck_ext__utf8_decode(const unsigned char *s, size_t n, uint32_t *r);
int ck_ext__utf8_put(struct ck_buf *out, uint32_t r) CK_WUR;
/* strconv.Quote. */
int ck_ext__fmt_quote(struct ck_buf *out, const char *s, size_t n) CK_WUR;

/* --------------------------------------------- JSON with Go's semantics */

#define CK_EXT_JSON_USE_NUMBER 1u  /* numbers as TV_JNUM text (Vault client) */
#define CK_EXT_JSON_NO_HTML    2u  /* encoder: do not escape < > & (toRawJson) */

/*
 * json.Unmarshal into interface{}: objects -> TV_MAP, arrays -> TV_LIST,
 * numbers -> TV_FLOAT (or TV_JNUM), strings with invalid UTF-8 replaced by
 * U+FFFD, duplicate keys last-wins. CK_EINVAL with Go's message on bad input.
 */
int ck_ext__json_decode(struct ck_ext_arena *a, struct tv *out, const char *s, size_t n,
                        unsigned flags) CK_WUR;
/* json.Marshal (compact; indent non-NULL = MarshalIndent with that unit). */
int ck_ext__json_encode(struct ck_buf *out, const struct tv *v, const char *indent,
                        unsigned flags) CK_WUR;

/* --------------------------------------------------------------- parse tree */

enum tn_type {
	TN_LIST, TN_TEXT, TN_ACTION, TN_IF, TN_RANGE, TN_WITH, TN_TEMPLATE,
	TN_BREAK, TN_CONTINUE, TN_COMMENT,
	TN_PIPE, TN_CMD, TN_FIELD, TN_VAR, TN_CHAIN, TN_DOT, TN_NIL, TN_BOOL, TN_NUM,
	TN_STR, TN_IDENT,
	TN_END, TN_ELSE, /* parser-internal */
};

struct tfunc;

struct tnode {
	uint8_t type;
	uint8_t is_assign;  /* pipe: '=' rather than ':=' */
	uint8_t b;          /* bool */
	uint8_t is_int, is_uint, is_float, is_char; /* number */
	uint32_t pos;       /* byte offset in the source */
	uint32_t line;
	struct tnode **kids;   /* list: nodes; pipe: commands; cmd: args */
	size_t nkids, capkids;
	struct tnode **decl;   /* pipe: declared variables (TN_VAR) */
	size_t ndecl;
	struct tnode *pipe, *list, *elselist; /* control nodes; chain: the term */
	const char **idents;   /* field/var/chain: names ("$x" first for vars) */
	size_t nidents;
	const char *text;      /* text node, string value, template name, number text */
	size_t len;
	const char *src;       /* number/string: text as written */
	size_t srclen;
	int64_t i;
	uint64_t u;
	double f;
	const struct tfunc *fn; /* identifier */
};

struct tdef {
	const char *name;
	struct tnode *root;
};

struct ck_tmpl {
	struct ck_ext_arena arena;   /* parse tree (not secret memory) */
	const char *name;
	const char *src;             /* copy of the source for error positions */
	size_t srclen;
	struct tdef *defs;
	size_t ndefs, capdefs;
	int missingkey;
	unsigned funcs;
	size_t max_steps;
	size_t max_mem;
};

/* String form of a node (Go's Node.String), appended to out. */
int ck_ext__node_string(struct ck_buf *out, const struct tnode *n) CK_WUR;

/* ---------------------------------------------------------------- functions */

enum tparam {
	P_ANY,    /* interface {} */
	P_VALUE,  /* reflect.Value (builtins: invalid values pass through) */
	P_STR,
	P_INT,
	P_INT64,
	P_BOOL,
	P_FLOAT,
	P_MAP,    /* map[string]interface {} */
};

struct tstate;

typedef int (*tfunc_fn)(struct tstate *s, struct tv *out, struct tv *argv, size_t argc);

#define TF_VARIADIC 1u   /* last param repeats */
#define TF_BUILTIN 2u    /* Go's own builtins (and/or short-circuit, call) */
#define TF_ESO 4u        /* part of the ESO (sprig + ESO) set only */
#define TF_UNSUPPORTED 8u /* known to ESO, not implemented here */
#define TF_GOONLY 16u     /* a Go builtin that sprig replaces in the ESO set */

struct tfunc {
	const char *name;
	tfunc_fn fn;
	uint8_t nin;        /* parameters (the variadic one counts once) */
	uint8_t flags;
	uint8_t params[4];
};

/* The function with this name in the set (CK_TMPL_FUNCS_*), or NULL. */
const struct tfunc *ck_ext__func_find(const char *name, size_t n, unsigned set);

/* Execution state shared with the function implementations. */
struct tstate {
	const struct ck_tmpl *t;
	struct ck_ext_arena *a;  /* secure arena for runtime values */
	struct ck_buf *out;
	struct ck_buf *scratch;  /* secure, reused by functions (reset before use) */
	const struct tdef *cur;  /* template being executed (error context) */
	const struct tnode *node;/* node being evaluated (error context) */
	struct tvar {
		const char *name;
		struct tv v;
	} *vars;
	size_t nvars, capvars;
	unsigned depth;
	size_t steps;            /* evaluation budget against runaway templates */
};

/* Set a function failure message (wrapped by the caller as Go does). */
int ck_ext__func_fail(struct tstate *s, const char *fmt, ...) CK_PRINTF(2, 3);

/* Go truth (isTrue): 1 true, 0 false; -1 when the value has no truth. */
int ck_ext__tv_truth(const struct tv *v);
/* sprig's empty(). */
int ck_ext__tv_empty(const struct tv *v);

/* ESO's fromYaml (a map; "Error" holds a parse error) and toYaml. */
int ck_ext__yaml_to_tv(struct tstate *s, const char *text, size_t n, struct tv *out) CK_WUR;
int ck_ext__tv_to_yaml(struct tstate *s, const struct tv *v, struct tv *out) CK_WUR;

/* sprig strval: string form of any value (fmt %v for non-strings). */
int ck_ext__strval(struct tstate *s, const struct tv *v, struct tv *out) CK_WUR;

#endif
