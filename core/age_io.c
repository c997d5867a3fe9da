/* SPDX-License-Identifier: Apache-2.0 */
/* Sources and sinks for the streaming API: fds, memory, a buffered reader. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "age_internal.h"
#include "ck/alloc.h"
#include "ck/secret.h"

static int fd_read(void *ctx, const struct iovec *iov, int iovcnt, size_t *got)
{
	int fd = *(int *)ctx;
	ssize_t n;

	if (iovcnt > IOV_MAX)
		iovcnt = IOV_MAX;
	do
		n = readv(fd, iov, iovcnt);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ck_err_set(CK_EIO, "read failed: %s", strerror(errno));
	*got = (size_t)n;
	return CK_OK;
}

static int fd_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	int fd = *(int *)ctx;
	struct iovec local[64];
	int i, k;
	ssize_t n;

	while (iovcnt > 0) {
		k = iovcnt < 64 ? iovcnt : 64;
		for (i = 0; i < k; i++)
			local[i] = iov[i];
		i = 0;
		while (i < k) {
			n = writev(fd, local + i, k - i);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return ck_err_set(CK_EIO, "write failed: %s", strerror(errno));
			/* Skip what a short write took. */
			while (i < k && (size_t)n >= local[i].iov_len) {
				n -= (ssize_t)local[i].iov_len;
				i++;
			}
			if (i < k) {
				local[i].iov_base = (uint8_t *)local[i].iov_base + n;
				local[i].iov_len -= (size_t)n;
			}
		}
		iov += k;
		iovcnt -= k;
	}
	return CK_OK;
}

void ck_age_source_fd(struct ck_age_source *s, int *fd)
{
	s->read = fd_read;
	s->ctx = fd;
}

void ck_age_sink_fd(struct ck_age_sink *s, int *fd)
{
	s->write = fd_write;
	s->ctx = fd;
}

static int mem_read(void *ctx, const struct iovec *iov, int iovcnt, size_t *got)
{
	struct ck_age__mem_src *m = ctx;
	size_t total = 0, take;
	int i;

	for (i = 0; i < iovcnt && m->off < m->n; i++) {
		take = m->n - m->off < iov[i].iov_len ? m->n - m->off : iov[i].iov_len;
		memcpy(iov[i].iov_base, m->p + m->off, take);
		m->off += take;
		total += take;
	}
	*got = total;
	return CK_OK;
}

void ck_age__source_mem(struct ck_age_source *s, struct ck_age__mem_src *m, const void *p, size_t n)
{
	m->p = p;
	m->n = n;
	m->off = 0;
	s->read = mem_read;
	s->ctx = m;
}

static int buf_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct ck_buf *b = ctx;
	int i, rc;

	for (i = 0; i < iovcnt; i++)
		if ((rc = ck_buf_put(b, iov[i].iov_base, iov[i].iov_len)) < 0)
			return rc;
	return CK_OK;
}

void ck_age__sink_buf(struct ck_age_sink *s, struct ck_buf *b)
{
	s->write = buf_write;
	s->ctx = b;
}

int ck_age__read_full(const struct ck_age_source *src, const struct iovec *iov, int iovcnt,
                      size_t *got)
{
	struct iovec local[64];
	size_t total = 0, n;
	int i = 0, k, j, rc;

	CK_ASSERT(iovcnt <= 64);
	for (j = 0; j < iovcnt; j++)
		local[j] = iov[j];
	k = iovcnt;
	while (i < k) {
		if (local[i].iov_len == 0) {
			i++;
			continue;
		}
		if ((rc = src->read(src->ctx, local + i, k - i, &n)) < 0)
			return rc;
		if (n == 0)
			break;
		total += n;
		while (i < k && n >= local[i].iov_len) {
			n -= local[i].iov_len;
			i++;
		}
		if (i < k) {
			local[i].iov_base = (uint8_t *)local[i].iov_base + n;
			local[i].iov_len -= n;
		}
	}
	*got = total;
	return CK_OK;
}

int ck_age__write(const struct ck_age_sink *dst, const void *p, size_t n)
{
	struct iovec v = {(void *)p, n};

	return dst->write(dst->ctx, &v, 1);
}

int ck_age__reader_init(struct ck_age__reader *r, const struct ck_age_source *src, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	if ((r->p = ck_alloc(cap)) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	r->cap = cap;
	return CK_OK;
}

void ck_age__reader_dispose(struct ck_age__reader *r)
{
	if (r == NULL)
		return;
	ck_freezero(r->p, r->cap);
	memset(r, 0, sizeof(*r));
}

int ck_age__reader_fill(struct ck_age__reader *r, size_t n)
{
	struct iovec v;
	size_t got, cap;
	uint8_t *np;
	int rc;

	while (r->end - r->start < n && !r->eof) {
		if (r->start > 0) {
			memmove(r->p, r->p + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			cap = r->cap * 2 < n ? n : r->cap * 2;
			if ((np = ck_alloc(cap)) == NULL)
				return ck_err_set(CK_ENOMEM, "out of memory");
			memcpy(np, r->p, r->end);
			ck_freezero(r->p, r->cap);
			r->p = np;
			r->cap = cap;
		}
		v.iov_base = r->p + r->end;
		v.iov_len = r->cap - r->end;
		if ((rc = r->src->read(r->src->ctx, &v, 1, &got)) < 0)
			return rc;
		if (got == 0)
			r->eof = 1;
		r->end += got;
	}
	return CK_OK;
}

int ck_age__reader_read(void *ctx, const struct iovec *iov, int iovcnt, size_t *got)
{
	struct ck_age__reader *r = ctx;
	size_t total = 0, take;
	int i;

	if (r->end == r->start) {
		if (r->eof) {
			*got = 0;
			return CK_OK;
		}
		return r->src->read(r->src->ctx, iov, iovcnt, got);
	}
	for (i = 0; i < iovcnt && r->start < r->end; i++) {
		take = r->end - r->start < iov[i].iov_len ? r->end - r->start : iov[i].iov_len;
		memcpy(iov[i].iov_base, r->p + r->start, take);
		r->start += take;
		total += take;
	}
	*got = total;
	return CK_OK;
}
