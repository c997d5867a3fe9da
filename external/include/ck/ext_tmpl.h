/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go text/template, as External Secrets Operator runs it (engine v2).
 *
 * Language: text and actions {{ }} (delimiters configurable), {{- -}} trim
 * markers, comments (slash-star ... star-slash inside the delimiters), pipelines with |, parenthesised pipelines,
 * variables ($x := / $x =, $ for the root), if / else if / else with /
 * else with, range (slices, maps in sorted key order, integers; $i, $v;
 * else; break / continue), with, define / template / block, and the Go
 * builtins and, or, not, eq, ne, lt, le, gt, ge, len, index, slice, print,
 * printf, println, html, js, urlquery, call.
 *
 * Functions (CK_TMPL_FUNCS_ESO): the sprig v3 functions ESO registers, in
 * three tiers: core (default, empty, coalesce, ternary, toString, ...),
 * strings/encoding (b64enc/dec, upper, lower, trim*, replace, quote,
 * squote, join, split, splitList, indent, nindent, contains, hasPrefix,
 * hasSuffix, repeat, substr, trunc, sha256sum, regex*, ...) and structured
 * data (fromJson, toJson, toPrettyJson, toRawJson, fromYaml, toYaml, dict,
 * get, set, unset, hasKey, list, keys, values, append, first, last, ...).
 * A function ESO knows but cloak does not implement (certificates, dates,
 * random) is a parse error naming it: 'function "pkcs12key" is not
 * supported by cloak'; an unknown name is Go's 'function "x" not defined'.
 *
 * Semantics follow Go: sorted map ranges, fmt printing of values ("<no
 * value>" for a missing value), type checks on function arguments with Go's
 * messages, missingkey option (ESO uses CK_TMPL_MISSING_ERROR). Errors carry
 * Go's text: 'template: NAME:LINE:COL: executing "NAME" at <.x>: map has no
 * entry for key "x"'.
 *
 * Memory: the parsed template is ordinary memory (templates are committed
 * to Git). Every value computed while executing lives in secret memory and
 * is wiped when ck_tmpl_exec returns; the output goes to the caller's buffer
 * (use a secure one for secret output).
 */
#ifndef CK_EXT_TMPL_H
#define CK_EXT_TMPL_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

enum ck_tmpl_missing {
	CK_TMPL_MISSING_DEFAULT = 0, /* Go default: missing map key is "no value" */
	CK_TMPL_MISSING_ZERO,        /* missingkey=zero */
	CK_TMPL_MISSING_ERROR,       /* missingkey=error (ESO) */
};

/* Function sets. */
#define CK_TMPL_FUNCS_GO 0u  /* Go builtins only */
#define CK_TMPL_FUNCS_ESO 1u /* builtins + sprig (minus env/expandenv) + ESO's */

struct ck_tmpl_opts {
	const char *left_delim;   /* NULL = "{{" */
	const char *right_delim;  /* NULL = "}}" */
	enum ck_tmpl_missing missingkey;
	unsigned funcs;
	size_t max_steps;  /* evaluation budget per execution; 0 = 10 million */
	size_t max_mem;    /* bytes of values per execution; 0 = 256 MiB */
};

/* ESO's engine: {{ }}, missingkey=error, ESO functions. */
#define CK_TMPL_OPTS_ESO { NULL, NULL, CK_TMPL_MISSING_ERROR, CK_TMPL_FUNCS_ESO, 0, 0 }

struct ck_tmpl;

/*
 * Parse `text` (n bytes, need not be NUL-terminated) as the template `name`
 * plus any {{define}}d templates. opts NULL = CK_TMPL_OPTS_ESO.
 * Errors: CK_EINVAL (syntax, undefined function or variable; message as
 * Go's "template: NAME:LINE: ..."), CK_EUNSUPPORTED (a function cloak does
 * not implement), CK_ENOMEM, CK_ETOOBIG. *out owned by the caller.
 */
int ck_tmpl_parse(struct ck_tmpl **out, const char *name, const char *text, size_t n,
                  const struct ck_tmpl_opts *opts) CK_WUR;
void ck_tmpl_free(struct ck_tmpl *t);

/* One entry of the string map a template sees as its dot. */
struct ck_tmpl_kv {
	const char *key;
	size_t klen;
	const uint8_t *val;
	size_t vlen;
};

/*
 * Execute with dot = map[string]string of the n pairs (later duplicates win;
 * the bytes are borrowed, not copied). Output is appended to out; on error
 * out is left as it was. Errors: CK_EINVAL (execution error, Go's message),
 * CK_ENOMEM, CK_ETOOBIG (output or evaluation budget exceeded).
 */
int ck_tmpl_exec(struct ck_buf *out, const struct ck_tmpl *t, const struct ck_tmpl_kv *kv,
                 size_t n) CK_WUR;

/*
 * Same with dot = the JSON document `json` decoded as Go's encoding/json
 * decodes into interface{} (objects map[string]interface{}, numbers float64).
 * For tests and tools; CK_EINVAL for malformed JSON.
 */
int ck_tmpl_exec_json(struct ck_buf *out, const struct ck_tmpl *t, const char *json,
                      size_t n) CK_WUR;

/* Parse and execute in one call (ESO's per-key template run). */
int ck_tmpl_render(struct ck_buf *out, const char *name, const char *text, size_t n,
                   const struct ck_tmpl_opts *opts, const struct ck_tmpl_kv *kv,
                   size_t nkv) CK_WUR;

#endif
