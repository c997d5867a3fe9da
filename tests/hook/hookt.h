/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the hook unit tests: an in-memory snapshot (path -> bytes) and
 * questions about a report. Values that look like real credentials are built
 * at run time from pieces, so this source holds none (cloak audits itself).
 */
#ifndef CK_HOOKT_H
#define CK_HOOKT_H

#include <stdio.h>
#include <string.h>

#include "ck/hook.h"
#include "ck_test.h"

#define HT_MAX 32

struct ht_snap {
	const char *path[HT_MAX];
	char *data[HT_MAX];
	size_t len[HT_MAX];
	size_t n;
};

static inline int ht_read(void *ctx, const char *path, struct ck_buf *out, size_t max)
{
	struct ht_snap *s = ctx;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->path[i], path) != 0)
			continue;
		if (s->len[i] > max)
			return CK_ETOOBIG;
		return ck_buf_put(out, s->data[i], s->len[i]) < 0 ? CK_ENOMEM : CK_OK;
	}
	return CK_ENOTFOUND;
}

/* Add (or replace) a file; the bytes are copied. */
static inline void ht_put_n(struct ht_snap *s, const char *path, const char *data, size_t n)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->path[i], path) == 0)
			break;
	assert_true(i < HT_MAX);
	if (i == s->n)
		s->n++;
	else
		test_free(s->data[i]);
	s->path[i] = path;
	s->data[i] = test_malloc(n + 1);
	memcpy(s->data[i], data, n);
	s->data[i][n] = 0;
	s->len[i] = n;
}

static inline void ht_put(struct ht_snap *s, const char *path, const char *data)
{
	ht_put_n(s, path, data, strlen(data));
}

static inline void ht_clear(struct ht_snap *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		test_free(s->data[i]);
	s->n = 0;
}

static inline const char *ht_get(struct ht_snap *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->path[i], path) == 0)
			return s->data[i];
	fail_msg("no file %s", path);
	return NULL;
}

/* Scan one file of the snapshot (every line added) into r. */
static inline void ht_scan_flags(struct ht_snap *s, const char *path, struct ck_hook_report *r,
                          unsigned flags)
{
	struct ck_hook_src src = { ht_read, s };
	struct ck_hook_scanner *sc = NULL;
	size_t i;

	assert_int_equal(ck_hook_scanner_new(&sc, &src, flags), CK_OK);
	for (i = 0; i < s->n; i++)
		if (strcmp(s->path[i], path) == 0)
			break;
	assert_true(i < s->n);
	assert_int_equal(ck_hook_scan_blob(sc, r, path, s->data[i], s->len[i], NULL), CK_OK);
	ck_hook_scanner_free(sc);
}

static inline void ht_scan(struct ht_snap *s, const char *path, struct ck_hook_report *r)
{
	ht_scan_flags(s, path, r, 0);
}

/* Findings of a rule. */
static inline size_t ht_count(const struct ck_hook_report *r, enum ck_hook_rule rule)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->v[i].rule == rule;
	return n;
}

static inline const struct ck_hook_finding *ht_find(const struct ck_hook_report *r, enum ck_hook_rule rule)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].rule == rule)
			return &r->v[i];
	return NULL;
}

static inline void ht_dump(const struct ck_hook_report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		fprintf(stderr, "  finding: %s:%u %s: %s\n", r->v[i].path, r->v[i].line,
		        ck_hook_rule_info(r->v[i].rule)->id, r->v[i].message);
}

/* Exactly one finding, of this rule, at this line (0: any line). */
static inline void ht_expect_one(const struct ck_hook_report *r, enum ck_hook_rule rule, uint32_t line)
{
	if (r->n != 1 || r->v[0].rule != rule || (line != 0 && r->v[0].line != line)) {
		ht_dump(r);
		fail_msg("expected exactly one %s finding at line %u, got %zu findings",
		         ck_hook_rule_info(rule)->id, line, r->n);
	}
}

static inline void ht_expect_none(const struct ck_hook_report *r)
{
	if (r->n != 0) {
		ht_dump(r);
		fail_msg("expected no findings, got %zu", r->n);
	}
}

/* Random-looking base62 of n characters from a seed (deterministic). */
static inline void ht_rand62(char *out, size_t n, unsigned seed)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint32_t x = seed * 2654435761u + 12345u;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		out[i] = a[x % 62];
	}
	out[n] = 0;
}

#endif
