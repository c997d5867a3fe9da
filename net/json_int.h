/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON helpers of the net module: writing string literals, and typed reads
 * from a document tree parsed from JSON (strings are double-quoted scalars,
 * numbers/true/false/null plain scalars; see ck/doc.h).
 */
#ifndef CK_NET_JSON_INT_H
#define CK_NET_JSON_INT_H

#include <stdint.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/doc.h"

/* Append s (n bytes) as a JSON string literal, quotes included. */
int ck_net__json_str(struct ck_buf *out, const char *s, size_t n) CK_WUR;
/* Same for a NUL-terminated string. */
int ck_net__json_cstr(struct ck_buf *out, const char *s) CK_WUR;

/* The node is a JSON string (double-quoted scalar). */
int ck_net__is_str(const struct ck_doc_node *n);
/* The node is JSON null (or absent: n == NULL). */
int ck_net__is_null(const struct ck_doc_node *n);
/* map[key] if it is a JSON string, else NULL. */
const char *ck_net__get_str(const struct ck_doc_node *map, const char *key);
/* map[key] as an integer; 0 and CK_OK if it is one, CK_EINVAL otherwise. */
int ck_net__get_int(const struct ck_doc_node *map, const char *key, int64_t *out) CK_WUR;
/* map[key] as a number (integer or float); CK_EINVAL otherwise. */
int ck_net__get_num(const struct ck_doc_node *map, const char *key, double *out) CK_WUR;
/* map[key] as a boolean; CK_EINVAL otherwise. */
int ck_net__get_bool(const struct ck_doc_node *map, const char *key, int *out) CK_WUR;
/* map[key] if it is a map (object), else NULL. */
const struct ck_doc_node *ck_net__get_map(const struct ck_doc_node *map, const char *key);
/* map[key] if it is a sequence (array), else NULL. */
const struct ck_doc_node *ck_net__get_seq(const struct ck_doc_node *map, const char *key);

/* RFC 3339 ("2019-10-07T22:18:44.233247Z", "...-04:00") to UTC seconds. */
int ck_net__parse_rfc3339(time_t *out, const char *s) CK_WUR;

/* Copy a one-line, length-limited version of s (control bytes -> ' ') into out. */
void ck_net__oneline(char *out, size_t cap, const char *s, size_t n);

#endif
