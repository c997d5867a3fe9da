/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ASCII armour: strict PEM with type "AGE ENCRYPTED FILE", 64-column padded
 * base64, no headers. Both directions stream. The armoured bytes are the
 * ciphertext (public), so table-driven base64 is fine here.
 */
#include <string.h>

#include "age_internal.h"
#include "ck/alloc.h"
#include "ck/secret.h"

#define BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define END "-----END AGE ENCRYPTED FILE-----"
#define COLS 64
#define BYTES 48
#define MAX_WS 1024
#define OUTBUF (1024 * (COLS + 1))

#define ARMOR_FAIL(...)                                                                            \
	ck_age__fail(CK_AGE_ARMOR_FAILURE, CK_EINVAL, "age: bad armor: " __VA_ARGS__)

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ------------------------------------------------------------- writer */

struct ck_age__armor_writer {
	const struct ck_age_sink *dst;
	uint8_t carry[BYTES];
	size_t ncarry;
	char *out;
	size_t nout;
	int started;
};

static size_t encode(char *o, const uint8_t *in, size_t n)
{
	size_t i, k = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		o[k++] = alphabet[v >> 18];
		o[k++] = alphabet[(v >> 12) & 63];
		o[k++] = alphabet[(v >> 6) & 63];
		o[k++] = alphabet[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		o[k++] = alphabet[v >> 18];
		o[k++] = alphabet[(v >> 12) & 63];
		o[k++] = '=';
		o[k++] = '=';
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		o[k++] = alphabet[v >> 18];
		o[k++] = alphabet[(v >> 12) & 63];
		o[k++] = alphabet[(v >> 6) & 63];
		o[k++] = '=';
	}
	return k;
}

static int flush(struct ck_age__armor_writer *w)
{
	int rc = CK_OK;

	if (w->nout > 0)
		rc = ck_age__write(w->dst, w->out, w->nout);
	w->nout = 0;
	return rc;
}

static int put_line(struct ck_age__armor_writer *w, const uint8_t *in, size_t n)
{
	int rc;

	if (w->nout + COLS + 1 > OUTBUF && (rc = flush(w)) < 0)
		return rc;
	w->nout += encode(w->out + w->nout, in, n);
	w->out[w->nout++] = '\n';
	return CK_OK;
}

static int start(struct ck_age__armor_writer *w)
{
	if (w->started)
		return CK_OK;
	w->started = 1;
	memcpy(w->out, BEGIN "\n", sizeof(BEGIN));
	w->nout = sizeof(BEGIN);
	return CK_OK;
}

static int armor_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct ck_age__armor_writer *w = ctx;
	const uint8_t *p;
	size_t n, take;
	int i, rc;

	if ((rc = start(w)) < 0)
		return rc;
	for (i = 0; i < iovcnt; i++) {
		p = iov[i].iov_base;
		n = iov[i].iov_len;
		if (w->ncarry > 0) {
			take = BYTES - w->ncarry < n ? BYTES - w->ncarry : n;
			memcpy(w->carry + w->ncarry, p, take);
			w->ncarry += take;
			p += take;
			n -= take;
			if (w->ncarry < BYTES)
				continue;
			if ((rc = put_line(w, w->carry, BYTES)) < 0)
				return rc;
			w->ncarry = 0;
		}
		for (; n >= BYTES; p += BYTES, n -= BYTES)
			if ((rc = put_line(w, p, BYTES)) < 0)
				return rc;
		memcpy(w->carry, p, n);
		w->ncarry = n;
	}
	return CK_OK;
}

int ck_age__armor_writer_new(struct ck_age__armor_writer **out, const struct ck_age_sink *dst)
{
	struct ck_age__armor_writer *w = ck_calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL || (w->out = ck_alloc(OUTBUF)) == NULL) {
		ck_free(w);
		return ck_err_set(CK_ENOMEM, "out of memory");
	}
	w->dst = dst;
	*out = w;
	return CK_OK;
}

void ck_age__armor_writer_sink(struct ck_age__armor_writer *w, struct ck_age_sink *s)
{
	s->write = armor_write;
	s->ctx = w;
}

int ck_age__armor_writer_close(struct ck_age__armor_writer *w)
{
	int rc;

	if ((rc = start(w)) < 0)
		return rc;
	if (w->ncarry > 0 && (rc = put_line(w, w->carry, w->ncarry)) < 0)
		return rc;
	w->ncarry = 0;
	if (w->nout + sizeof(END) > OUTBUF && (rc = flush(w)) < 0)
		return rc;
	memcpy(w->out + w->nout, END "\n", sizeof(END));
	w->nout += sizeof(END);
	return flush(w);
}

void ck_age__armor_writer_free(struct ck_age__armor_writer *w)
{
	if (w == NULL)
		return;
	ck_free(w->out);
	ck_memzero(w->carry, sizeof(w->carry));
	ck_free(w);
}

/* ------------------------------------------------------------- reader */

struct ck_age__armor_reader {
	struct ck_age__reader *in;
	uint8_t pending[BYTES];
	size_t npending, off;
	int started, done, rc; /* rc: the first error, returned from then on */
};

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int all_space(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_space(p[i]))
			return 0;
	return 1;
}

/*
 * Next line without its LF and one CR before it. *line points into the
 * reader's buffer until the next call. At EOF with nothing left: armour
 * failure ("unexpected end"). Lines longer than `limit` are failures too.
 */
static int get_line(struct ck_age__reader *r, const uint8_t **line, size_t *len, size_t limit)
{
	const uint8_t *lf = NULL;
	size_t avail, scanned = 0, n;
	int rc;

	for (;;) {
		avail = r->end - r->start;
		if (avail > scanned)
			lf = memchr(r->p + r->start + scanned, '\n', avail - scanned);
		if (lf != NULL || r->eof)
			break;
		if (avail > limit)
			return ARMOR_FAIL("line too long");
		scanned = avail;
		if ((rc = ck_age__reader_fill(r, avail + 1)) < 0) {
			ck_age__set_failure(CK_AGE_OTHER);
			return rc;
		}
	}
	avail = r->end - r->start;
	if (lf == NULL && avail == 0)
		return ARMOR_FAIL("unexpected end of input");
	n = lf ? (size_t)(lf - (r->p + r->start)) : avail;
	if (n > limit)
		return ARMOR_FAIL("line too long");
	*line = r->p + r->start;
	r->start += n + (lf != NULL);
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return CK_OK;
}

static int drain_trailing(struct ck_age__reader *r)
{
	int rc;

	if ((rc = ck_age__reader_fill(r, MAX_WS)) < 0) {
		ck_age__set_failure(CK_AGE_OTHER);
		return rc;
	}
	if (!all_space(r->p + r->start, r->end - r->start))
		return ARMOR_FAIL("data after the END line");
	if (r->end - r->start >= MAX_WS)
		return ARMOR_FAIL("too much whitespace after the END line");
	r->start = r->end;
	return CK_OK;
}

static int dec(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict padded base64 of one line; decoded length or -1. */
static int decode_line(uint8_t *out, const uint8_t *s, size_t n)
{
	size_t i, k = 0, pad = 0;
	int a, b, c, d;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	for (i = 0; i < n; i += 4) {
		int last = i + 4 == n;

		a = dec(s[i]);
		b = dec(s[i + 1]);
		c = last && pad == 2 ? 0 : dec(s[i + 2]);
		d = last && pad >= 1 ? 0 : dec(s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			return -1;
		out[k++] = (uint8_t)(a << 2 | b >> 4);
		if (last && pad == 2) {
			if (b & 15)
				return -1; /* non-canonical unused bits */
			break;
		}
		out[k++] = (uint8_t)((b & 15) << 4 | c >> 2);
		if (last && pad == 1) {
			if (c & 3)
				return -1;
			break;
		}
		out[k++] = (uint8_t)((c & 3) << 6 | d);
	}
	return (int)k;
}

static int next_line(struct ck_age__armor_reader *a)
{
	struct ck_age__reader *r = a->in;
	const uint8_t *line = NULL;
	size_t len = 0, removed = 0;
	int rc, n;

	while (!a->started) {
		if ((rc = get_line(r, &line, &len, MAX_WS + 64)) < 0)
			return rc;
		if (all_space(line, len)) {
			removed += len + 1;
			if (removed > MAX_WS)
				return ARMOR_FAIL("too much whitespace before the BEGIN line");
			continue;
		}
		if (len != sizeof(BEGIN) - 1 || memcmp(line, BEGIN, len) != 0)
			return ARMOR_FAIL("first line is not \"" BEGIN "\"");
		a->started = 1;
	}
	if ((rc = get_line(r, &line, &len, MAX_WS)) < 0)
		return rc;
	if (len == sizeof(END) - 1 && memcmp(line, END, len) == 0) {
		a->done = 1;
		return drain_trailing(r);
	}
	if (len > COLS)
		return ARMOR_FAIL("line longer than %d columns", COLS);
	if (len == 0)
		return ARMOR_FAIL("empty line");
	if ((n = decode_line(a->pending, line, len)) < 0)
		return ARMOR_FAIL("invalid base64 line");
	a->npending = (size_t)n;
	a->off = 0;
	if (n < BYTES) {
		/* A short line is the last one: END must follow. */
		if ((rc = get_line(r, &line, &len, MAX_WS)) < 0)
			return rc;
		if (len != sizeof(END) - 1 || memcmp(line, END, len) != 0)
			return ARMOR_FAIL("a short line must be followed by the END line");
		a->done = 1;
		return drain_trailing(r);
	}
	return CK_OK;
}

static int armor_read(void *ctx, const struct iovec *iov, int iovcnt, size_t *got)
{
	struct ck_age__armor_reader *a = ctx;
	size_t total = 0, vo = 0, take;
	int i = 0, rc;

	*got = 0;
	if (a->rc < 0)
		return a->rc;
	while (i < iovcnt) {
		if (vo == iov[i].iov_len) {
			i++;
			vo = 0;
			continue;
		}
		if (a->off == a->npending) {
			if (a->done)
				break;
			if ((rc = next_line(a)) < 0)
				return a->rc = rc;
			continue;
		}
		take = a->npending - a->off;
		if (take > iov[i].iov_len - vo)
			take = iov[i].iov_len - vo;
		memcpy((uint8_t *)iov[i].iov_base + vo, a->pending + a->off, take);
		a->off += take;
		vo += take;
		total += take;
	}
	*got = total;
	return CK_OK;
}

int ck_age__armor_reader_new(struct ck_age__armor_reader **out, struct ck_age__reader *in)
{
	struct ck_age__armor_reader *a = ck_calloc(1, sizeof(*a));

	*out = NULL;
	if (a == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	a->in = in;
	*out = a;
	return CK_OK;
}

void ck_age__armor_reader_source(struct ck_age__armor_reader *a, struct ck_age_source *s)
{
	s->read = armor_read;
	s->ctx = a;
}

void ck_age__armor_reader_free(struct ck_age__armor_reader *a)
{
	if (a == NULL)
		return;
	ck_memzero(a->pending, sizeof(a->pending));
	ck_free(a);
}

/*
 * Armoured when the first non-blank bytes are "-----", or when a binary file
 * (which starts "age-encryption.org/") is ruled out and the BEGIN line shows
 * up early: garbage before BEGIN is then an armour error, not a header one.
 */
int ck_age__looks_armored(struct ck_age__reader *r, int *out)
{
	static const char intro[] = "age-encryption.org/";
	const size_t bl = sizeof(BEGIN) - 1;
	size_t i;
	int rc;

	if ((rc = ck_age__reader_fill(r, MAX_WS + bl)) < 0)
		return rc;
	for (i = r->start; i < r->end && is_space(r->p[i]); i++)
		;
	*out = r->end - i >= 5 && memcmp(r->p + i, "-----", 5) == 0;
	if (*out || (r->end - r->start >= sizeof(intro) - 1 &&
	             memcmp(r->p + r->start, intro, sizeof(intro) - 1) == 0))
		return CK_OK;
	for (i = r->start; i + bl <= r->end; i++) {
		if (r->p[i] == '-' && memcmp(r->p + i, BEGIN, bl) == 0) {
			*out = 1;
			break;
		}
	}
	return CK_OK;
}

int ck_age_armor_encode(struct ck_buf *out, const void *in, size_t n)
{
	struct ck_age__armor_writer *w = NULL;
	struct ck_age_sink dst, sink;
	size_t keep = ck_buf_len(out);
	int rc;

	ck_age__sink_buf(&dst, out);
	if ((rc = ck_age__armor_writer_new(&w, &dst)) < 0)
		goto out;
	ck_age__armor_writer_sink(w, &sink);
	if ((rc = ck_age__write(&sink, in, n)) < 0 || (rc = ck_age__armor_writer_close(w)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_age__armor_writer_free(w);
	if (rc < 0)
		ck_age__restore(out, keep);
	return rc;
}

int ck_age_armor_decode(struct ck_buf *out, const void *in, size_t n)
{
	struct ck_age__armor_reader *a = NULL;
	struct ck_age__reader r;
	struct ck_age__mem_src m;
	struct ck_age_source src, dec;
	size_t keep = ck_buf_len(out), got;
	uint8_t *dst;
	int rc;

	ck_age__source_mem(&src, &m, in, n);
	if ((rc = ck_age__reader_init(&r, &src, 4096)) < 0)
		return rc;
	if ((rc = ck_age__armor_reader_new(&a, &r)) < 0)
		goto out;
	ck_age__armor_reader_source(a, &dec);
	do {
		struct iovec v;

		if ((rc = ck_buf_reserve(out, 4096, &dst)) < 0)
			goto out;
		v.iov_base = dst;
		v.iov_len = 4096;
		if ((rc = dec.read(dec.ctx, &v, 1, &got)) < 0)
			goto out;
		ck_buf_truncate(out, ck_buf_len(out) - 4096 + got);
	} while (got > 0);
	rc = CK_OK;
out:
	ck_age__armor_reader_free(a);
	ck_age__reader_dispose(&r);
	if (rc < 0)
		ck_age__restore(out, keep);
	return rc;
}
