/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ck/kube_watch.h"

void ck_kube_lines_init(struct ck_kube_lines *l, size_t max,
                        int (*on_line)(void *arg, const char *line, size_t n), void *arg)
{
	memset(l, 0, sizeof(*l));
	l->max = max ? max : CK_KUBE_WATCH_MAX_EVENT;
	ck_buf_init(&l->buf, l->max + 1);
	l->on_line = on_line;
	l->arg = arg;
}

static int blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static int emit(struct ck_kube_lines *l, size_t n)
{
	const char *p = (const char *)ck_buf_data(&l->buf);

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (blank(p, n))
		return 0;
	return l->on_line(l->arg, p, n);
}

int ck_kube_lines_feed(struct ck_kube_lines *l, const uint8_t *p, size_t n)
{
	while (n > 0) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		int rc;

		if (ck_buf_len(&l->buf) + take > l->max) {
			ck_buf_reset(&l->buf);
			return ck_err_set(CK_ETOOBIG, "controller: watch event over %zu bytes",
			                  l->max);
		}
		if (nl == NULL) {
			if ((rc = ck_buf_put(&l->buf, p, take)) < 0)
				return rc;
			return CK_OK;
		}
		if (ck_buf_len(&l->buf) == 0) {
			/* Whole line in this piece: no copy. */
			const char *s = (const char *)p;
			size_t m = take;

			if (m > 0 && s[m - 1] == '\r')
				m--;
			rc = blank(s, m) ? 0 : l->on_line(l->arg, s, m);
		} else {
			if ((rc = ck_buf_put(&l->buf, p, take)) < 0)
				return rc;
			rc = emit(l, ck_buf_len(&l->buf));
			ck_buf_reset(&l->buf);
		}
		if (rc != 0)
			return rc;
		p += take + 1;
		n -= take + 1;
	}
	return CK_OK;
}

int ck_kube_lines_finish(struct ck_kube_lines *l)
{
	int rc = 0;

	if (ck_buf_len(&l->buf) > 0)
		rc = emit(l, ck_buf_len(&l->buf));
	ck_buf_reset(&l->buf);
	return rc;
}

void ck_kube_lines_reset(struct ck_kube_lines *l)
{
	ck_buf_reset(&l->buf);
}

void ck_kube_lines_dispose(struct ck_kube_lines *l)
{
	ck_buf_dispose(&l->buf);
}
