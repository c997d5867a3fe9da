/* SPDX-License-Identifier: Apache-2.0 */
/* age header: strict parse and canonical format (stanzas, MAC line). */
#include <string.h>

#include <sodium.h>

#include "age_internal.h"
#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/secret.h"

#define HEADER_FAIL(...)                                                                           \
	ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL, "age: bad header: " __VA_ARGS__)

static int b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

int ck_age__b64_decode_exact(uint8_t *out, size_t want, const char *s, size_t n)
{
	size_t binlen = 0, i, max = want;
	const char *end = NULL;

	if (want != SIZE_MAX && n != ck_b64_encoded_len(want, CK_B64_STD_RAW))
		return CK_EINVAL;
	if (want == SIZE_MAX)
		max = n / 4 * 3 + 2;
	for (i = 0; i < n; i++)
		if (!b64_char((uint8_t)s[i]))
			return CK_EINVAL;
	/* libsodium rejects non-zero unused bits and a dangling sextet. */
	if (sodium_base642bin(out, max, s, n, NULL, &binlen, &end,
	                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
	    end != s + n || (want != SIZE_MAX && binlen != want))
		return CK_EINVAL;
	return want == SIZE_MAX ? (int)binlen : CK_OK;
}

void ck_age__header_dispose(struct ck_age__header *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->n; i++) {
		ck_free(h->st[i].type); /* one block: type, then the args */
		ck_free(h->st[i].args);
		ck_free(h->st[i].body);
	}
	ck_free(h->st);
	memset(h, 0, sizeof(*h));
}

size_t ck_age__header_find_end(const uint8_t *p, size_t n, size_t *scan)
{
	size_t ls = *scan;
	const uint8_t *lf;

	while (ls < n) {
		lf = memchr(p + ls, '\n', n - ls);
		if (lf == NULL)
			break;
		if (n - ls >= 3 && memcmp(p + ls, "---", 3) == 0)
			return (size_t)(lf - p) + 1;
		ls = (size_t)(lf - p) + 1;
	}
	*scan = ls;
	return 0;
}

static int grow(struct ck_age__header *h)
{
	struct ck_age__stanza *v;
	size_t cap;

	if (h->n < h->cap)
		return CK_OK;
	cap = h->cap ? h->cap * 2 : 4;
	if ((v = ck_calloc(cap, sizeof(*v))) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	if (h->n)
		memcpy(v, h->st, h->n * sizeof(*v));
	ck_free(h->st);
	h->st = v;
	h->cap = cap;
	return CK_OK;
}

/*
 * New stanza from the argument text "type arg1 arg2" (single spaces).
 * The strings live in one block owned by ->type.
 */
static int add_from_line(struct ck_age__header *h, const char *text, size_t n)
{
	struct ck_age__stanza *s;
	char *block = NULL, **args = NULL;
	size_t i, nargs = 1, k = 0;
	int rc;

	if ((rc = grow(h)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		nargs += text[i] == ' ';
	block = ck_alloc(n + 1);
	args = ck_calloc(nargs, sizeof(*args));
	if (block == NULL || args == NULL) {
		ck_free(block);
		ck_free(args);
		return ck_err_set(CK_ENOMEM, "out of memory");
	}
	memcpy(block, text, n);
	block[n] = '\0';
	args[k++] = block;
	for (i = 0; i < n; i++) {
		if (block[i] == ' ') {
			block[i] = '\0';
			args[k++] = block + i + 1;
		}
	}
	s = &h->st[h->n++];
	memset(s, 0, sizeof(*s));
	s->type = block;
	s->args = args; /* args[0] is the type */
	s->nargs = nargs - 1;
	return CK_OK;
}

static int append_body(struct ck_age__stanza *s, const uint8_t *b, size_t n)
{
	uint8_t *nb;

	if (n == 0)
		return CK_OK;
	if ((nb = ck_alloc(s->body_len + n)) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	if (s->body_len)
		memcpy(nb, s->body, s->body_len);
	memcpy(nb + s->body_len, b, n);
	ck_free(s->body);
	s->body = nb;
	s->body_len += n;
	return CK_OK;
}

static int check_args(const uint8_t *t, size_t n)
{
	size_t i, start = 0;

	/* Arguments: 1*VCHAR separated by exactly one space. */
	for (i = 0; i <= n; i++) {
		if (i == n || t[i] == ' ') {
			if (i == start)
				return 0;
			start = i + 1;
			continue;
		}
		if (t[i] < 33 || t[i] > 126)
			return 0;
	}
	return 1;
}

int ck_age__header_parse(struct ck_age__header *h, const uint8_t *p, size_t n)
{
	const size_t il = sizeof(CK_AGE__INTRO) - 1;
	size_t pos, ll;
	const uint8_t *lf, *line;
	uint8_t dec[CK_AGE__BODY_BYTES + 2];
	int body_open = 0, rc = CK_EINTERNAL, got;

	memset(h, 0, sizeof(*h));
	if (n < il || memcmp(p, CK_AGE__INTRO, il) != 0) {
		rc =
		    HEADER_FAIL("not an age v1 file (first line is not \"age-encryption.org/v1\")");
		goto out;
	}
	for (pos = il;; pos += ll + 1) {
		line = p + pos;
		lf = pos < n ? memchr(line, '\n', n - pos) : NULL;
		if (lf == NULL) {
			rc = HEADER_FAIL("truncated before the MAC line");
			goto out;
		}
		ll = (size_t)(lf - line);
		if (ll >= 3 && memcmp(line, "---", 3) == 0) {
			if (body_open) {
				rc = HEADER_FAIL("stanza %zu lacks its final body line", h->n);
				goto out;
			}
			if (h->n == 0) {
				rc = HEADER_FAIL("no recipient stanzas");
				goto out;
			}
			if (ll != 3 + 1 + 43 || line[3] != ' ' ||
			    ck_age__b64_decode_exact(h->mac, CK_AGE__MAC_LEN,
			                             (const char *)line + 4, 43) != CK_OK) {
				rc = HEADER_FAIL("malformed MAC line");
				goto out;
			}
			h->mac_input_len = pos + 3;
			h->len = pos + ll + 1;
			break;
		}
		if (ll >= 2 && memcmp(line, "->", 2) == 0) {
			if (body_open) {
				rc = HEADER_FAIL("stanza %zu lacks its final body line", h->n);
				goto out;
			}
			if (ll < 4 || line[2] != ' ' || !check_args(line + 3, ll - 3)) {
				rc = HEADER_FAIL("malformed stanza line %zu", h->n + 1);
				goto out;
			}
			if ((rc = add_from_line(h, (const char *)line + 3, ll - 3)) < 0) {
				ck_age__set_failure(CK_AGE_OTHER);
				goto out;
			}
			body_open = 1;
			continue;
		}
		if (!body_open) {
			rc = HEADER_FAIL("unexpected line after stanza %zu", h->n);
			goto out;
		}
		if (ll > CK_AGE__BODY_COLS ||
		    (got = ck_age__b64_decode_exact(dec, SIZE_MAX, (const char *)line, ll)) < 0) {
			rc = HEADER_FAIL("malformed body line in stanza %zu", h->n);
			goto out;
		}
		if ((rc = append_body(&h->st[h->n - 1], dec, (size_t)got)) < 0) {
			ck_age__set_failure(CK_AGE_OTHER);
			goto out;
		}
		/* The first line shorter than a full one (even empty) ends the body. */
		if (ll < CK_AGE__BODY_COLS)
			body_open = 0;
	}
	if (h->len != n) {
		rc = HEADER_FAIL("internal: header length mismatch");
		goto out;
	}
	rc = CK_OK;
out:
	if (rc < 0)
		ck_age__header_dispose(h);
	return rc;
}

int ck_age__header_add(struct ck_age__header *h, const char *type, const char *const *args,
                       size_t nargs, const uint8_t *body, size_t body_len)
{
	struct ck_buf line = CK_BUF_INIT;
	size_t i;
	int rc;

	if ((rc = ck_buf_puts(&line, type)) < 0)
		goto out;
	for (i = 0; i < nargs; i++)
		if ((rc = ck_buf_putc(&line, ' ')) < 0 || (rc = ck_buf_puts(&line, args[i])) < 0)
			goto out;
	if ((rc = add_from_line(h, ck_buf_cstr(&line), ck_buf_len(&line))) < 0)
		goto out;
	if ((rc = append_body(&h->st[h->n - 1], body, body_len)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_buf_dispose(&line);
	return rc;
}

int ck_age__header_format_body(struct ck_buf *out, const struct ck_age__header *h)
{
	size_t i, j, off, take;
	int rc;

	if ((rc = ck_buf_puts(out, CK_AGE__INTRO)) < 0)
		return rc;
	for (i = 0; i < h->n; i++) {
		const struct ck_age__stanza *s = &h->st[i];

		if ((rc = ck_buf_puts(out, "-> ")) < 0 || (rc = ck_buf_puts(out, s->type)) < 0)
			return rc;
		for (j = 0; j < s->nargs; j++)
			if ((rc = ck_buf_putc(out, ' ')) < 0 ||
			    (rc = ck_buf_puts(out, s->args[j + 1])) < 0)
				return rc;
		if ((rc = ck_buf_putc(out, '\n')) < 0)
			return rc;
		/* Full 48-byte lines, then a final short (possibly empty) line. */
		for (off = 0;; off += take) {
			take = s->body_len - off;
			if (take > CK_AGE__BODY_BYTES)
				take = CK_AGE__BODY_BYTES;
			if (take &&
			    (rc = ck_b64_encode(out, s->body + off, take, CK_B64_STD_RAW)) < 0)
				return rc;
			if ((rc = ck_buf_putc(out, '\n')) < 0)
				return rc;
			if (take < CK_AGE__BODY_BYTES)
				break;
		}
	}
	return ck_buf_puts(out, "---");
}

int ck_age_header_reencode(struct ck_buf *out, const void *in, size_t n, size_t *hlen)
{
	struct ck_age__header h;
	size_t scan = 0, len, keep = ck_buf_len(out);
	int rc;

	ck_age__set_failure(CK_AGE_OK);
	len = ck_age__header_find_end(in, n, &scan);
	if ((rc = ck_age__header_parse(&h, in, len ? len : n)) < 0)
		return rc;
	if ((rc = ck_age__header_format_body(out, &h)) < 0 || (rc = ck_buf_putc(out, ' ')) < 0 ||
	    (rc = ck_b64_encode(out, h.mac, sizeof(h.mac), CK_B64_STD_RAW)) < 0 ||
	    (rc = ck_buf_putc(out, '\n')) < 0) {
		ck_age__restore(out, keep);
		goto out;
	}
	*hlen = h.len;
	rc = CK_OK;
out:
	ck_age__header_dispose(&h);
	return rc;
}
