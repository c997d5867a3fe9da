/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by the seal module's files. */
#include <stdint.h>
#include <string.h>

#include "ck/doc.h"
#include "seal_int.h"

const char *ck_seal__str(const struct ck_doc_node *n)
{
	enum ck_doc_type t;

	n = ck_doc_resolve(n);
	if (n == NULL || n->kind != CK_DOC_SCALAR)
		return NULL;
	t = ck_doc_scalar_type(n);
	/* sigs.k8s.io/yaml keeps unquoted timestamps as strings. */
	if (t != CK_DOC_T_STR && t != CK_DOC_T_TIMESTAMP)
		return NULL;
	return n->text;
}

/* Next code point of s (UTF-8; a bad byte counts as itself). */
static uint32_t next_rune(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = *p;
	int n = 0, i;

	if (c >= 0xf0 && c < 0xf8)
		n = 3, c &= 0x07;
	else if (c >= 0xe0)
		n = c < 0xf0 ? 2 : 0, c &= 0x0f;
	else if (c >= 0xc0)
		n = 1, c &= 0x1f;
	if (c >= 0x80 && n == 0) {
		*s = p + 1;
		return *p;
	}
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s = p + 1;
			return *p;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*s = p + n + 1;
	return c;
}

/* unicode.IsLetter, approximated: ASCII letters and every non-ASCII rune. */
static int is_letter(uint32_t r)
{
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r >= 0x80;
}

static int is_digit(uint32_t r)
{
	return r >= '0' && r <= '9';
}

#define MAX_RUNES 4096

/* keyList.Less of yaml.v2's sorter.go, used by sigs.k8s.io/yaml for map keys. */
static int key_less(const uint32_t *ar, size_t la, const uint32_t *br, size_t lb)
{
	size_t i, ai, bi, j;
	uint64_t an, bn;
	int al, bl;

	for (i = 0; i < la && i < lb; i++) {
		if (ar[i] == br[i])
			continue;
		al = is_letter(ar[i]);
		bl = is_letter(br[i]);
		if (al && bl)
			return ar[i] < br[i];
		if (al || bl)
			return bl;
		an = bn = 0;
		if (ar[i] == '0' || br[i] == '0') {
			for (j = i; j-- > 0 && is_digit(ar[j]);) {
				if (ar[j] != '0') {
					an = bn = 1;
					break;
				}
			}
		}
		for (ai = i; ai < la && is_digit(ar[ai]); ai++)
			an = an * 10 + (ar[ai] - '0');
		for (bi = i; bi < lb && is_digit(br[bi]); bi++)
			bn = bn * 10 + (br[bi] - '0');
		if (an != bn)
			return (int64_t)an < (int64_t)bn;
		if (ai != bi)
			return ai < bi;
		return ar[i] < br[i];
	}
	return la < lb;
}

static size_t runes(uint32_t *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && n < MAX_RUNES)
		out[n++] = next_rune(&p);
	return n;
}

int ck_seal__yaml_key_cmp(const char *a, const char *b)
{
	static _Thread_local uint32_t ar[MAX_RUNES], br[MAX_RUNES];
	size_t la = runes(ar, a), lb = runes(br, b);

	if (key_less(ar, la, br, lb))
		return -1;
	if (key_less(br, lb, ar, la))
		return 1;
	return 0;
}

void ck_seal__rewind(struct ck_buf *b, size_t mark)
{
	/* Nothing to undo on a buffer that never grew (it may have no storage). */
	if (ck_buf_len(b) > mark)
		ck_buf_truncate(b, mark);
}
