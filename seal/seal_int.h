/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of the seal module (not installed). */
#ifndef CK_SEAL_INT_H
#define CK_SEAL_INT_H

#include <stddef.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/seal.h"

/* Drop what a failed call appended to b after `mark`. */
void ck_seal__rewind(struct ck_buf *b, size_t mark);

/* Base64 as Go's StdEncoding.DecodeString: padded, CR/LF skipped. */
int ck_seal__b64_decode(struct ck_buf *out, const char *s, size_t n) CK_WUR;

/* Scalar text of a node if it is a string-typed scalar (aliases followed), else NULL. */
const char *ck_seal__str(const struct ck_doc_node *n);

/*
 * Render one Sealed Secrets template (a Go text/template subset) named `name`
 * over the decrypted values (`nvals` key/value pairs; values are bytes of
 * vlens[i] length) and append the result to out. CK_EINVAL with a one-line
 * message naming the template on a parse or execution error.
 */
int ck_seal__template_render(struct ck_buf *out, const char *name, const char *src, size_t n,
                             const char *const *keys, const struct ck_buf *const *vals,
                             size_t nvals) CK_WUR;

/* A borrowed key/value pair of a string map; seq keeps input order for sorting. */
struct ck_seal__kv {
	const char *k;
	size_t klen;
	const char *v;
	size_t vlen;
	size_t seq;
};

struct ck_seal__kvs {
	struct ck_seal__kv *v;
	size_t n, cap;
};

int ck_seal__kvs_push(struct ck_seal__kvs *m, const char *k, size_t klen, const char *v,
                      size_t vlen) CK_WUR;
void ck_seal__kvs_dispose(struct ck_seal__kvs *m);
/* Sort by key bytes (Go's encoding/json map order); the last duplicate wins. */
void ck_seal__kvs_sort(struct ck_seal__kvs *m);
void ck_seal__kvs_remove(struct ck_seal__kvs *m, const char *k);
const struct ck_seal__kv *ck_seal__kvs_get(const struct ck_seal__kvs *m, const char *k);

/*
 * Read a map of strings (labels, annotations, data, ...): absent or null is
 * empty, null values are "", other non-string values are CK_EINVAL naming
 * "src: path.key".
 */
int ck_seal__read_strmap(struct ck_seal__kvs *out, const struct ck_doc_node *map, const char *src,
                         const char *path) CK_WUR;

/* Scope from annotations (exactly "true"; cluster-wide wins). */
enum ck_seal_scope ck_seal__scope_of(const struct ck_seal__kvs *anno);

/* A string scalar (double-quoted style = string-typed for both writers). */
struct ck_doc_node *ck_seal__s(struct ck_doc *d, const char *s, size_t n);
/* Append key: v to map; v NULL (allocation failed) is CK_ENOMEM. */
int ck_seal__put(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                 struct ck_doc_node *v) CK_WUR;
int ck_seal__put_str(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                     const char *v) CK_WUR;
/* Append key: {sorted kvs}; nothing when m is empty (Go's omitempty). */
int ck_seal__put_kvs(struct ck_doc *d, struct ck_doc_node *map, const char *key,
                     const struct ck_seal__kvs *m) CK_WUR;

/* "src" or "src (document N)" for streams of several documents. */
void ck_seal__doc_source(char *buf, size_t n, const char *src, size_t i, size_t ndocs);

/* yaml.v2's map key order (sigs.k8s.io/yaml output): negative, 0, positive. */
int ck_seal__yaml_key_cmp(const char *a, const char *b);

#endif
