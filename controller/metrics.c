/* SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_map.h"
#include "ck/ctl_metrics.h"
#include "ck/kube.h"

const double ck_ctl_default_buckets[] = { .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10 };
const size_t ck_ctl_default_nbuckets =
	sizeof(ck_ctl_default_buckets) / sizeof(ck_ctl_default_buckets[0]);

struct series {
	double value;     /* counter / gauge; histogram sum */
	uint64_t count;   /* histogram */
	uint64_t *counts; /* histogram, per bucket (not cumulative) */
};

struct family {
	char *name;
	char *help;
	enum ck_ctl_metric_type type;
	double *buckets;
	size_t nbuckets;
	struct ck_ctl_map *series; /* label text -> struct series */
};

struct collector {
	void (*fn)(void *arg, struct ck_ctl_metrics *m);
	void *arg;
};

struct ck_ctl_metrics {
	pthread_mutex_t lock;
	/*
	 * Held while the collectors run (before `lock`, never after): format
	 * calls them outside `lock`, so removing one waits here until no call
	 * can still be using its argument.
	 */
	pthread_mutex_t collect_lock;
	struct family *fams;
	size_t nfams;
	struct collector *cols;
	size_t ncols;
};

struct ck_ctl_metrics *ck_ctl_metrics_new(void)
{
	struct ck_ctl_metrics *m = ck_calloc(1, sizeof(*m));

	if (m == NULL) {
		ck_err_set(CK_ENOMEM, "controller: out of memory");
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->collect_lock, NULL);
	return m;
}

void ck_ctl_metrics_free(struct ck_ctl_metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfams; i++) {
		struct family *f = &m->fams[i];
		size_t pos = 0;
		void *v;

		while (ck_ctl_map_next(f->series, &pos, &v) != NULL) {
			struct series *s = v;

			ck_free(s->counts);
			ck_free(s);
		}
		ck_ctl_map_free(f->series);
		ck_free(f->name);
		ck_free(f->help);
		ck_free(f->buckets);
	}
	ck_free(m->fams);
	ck_free(m->cols);
	pthread_mutex_destroy(&m->collect_lock);
	pthread_mutex_destroy(&m->lock);
	ck_free(m);
}

static struct family *family(struct ck_ctl_metrics *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nfams; i++)
		if (strcmp(m->fams[i].name, name) == 0)
			return &m->fams[i];
	return NULL;
}

int ck_ctl_metrics_define(struct ck_ctl_metrics *m, const char *name,
                          enum ck_ctl_metric_type type, const char *help,
                          const double *buckets, size_t nbuckets)
{
	struct family *nf = NULL, f = { 0 };
	int rc = CK_ENOMEM;

	pthread_mutex_lock(&m->lock);
	if (family(m, name) != NULL) {
		rc = CK_OK;
		goto out;
	}
	if (type == CK_CTL_HISTOGRAM && buckets == NULL) {
		buckets = ck_ctl_default_buckets;
		nbuckets = ck_ctl_default_nbuckets;
	}
	f.type = type;
	f.name = ck_strdup(name);
	f.help = ck_strdup(help);
	f.series = ck_ctl_map_new();
	if (type == CK_CTL_HISTOGRAM) {
		f.buckets = ck_calloc(nbuckets ? nbuckets : 1, sizeof(double));
		if (f.buckets != NULL)
			memcpy(f.buckets, buckets, nbuckets * sizeof(double));
		f.nbuckets = nbuckets;
	}
	if (f.name == NULL || f.help == NULL || f.series == NULL ||
	    (type == CK_CTL_HISTOGRAM && f.buckets == NULL))
		goto out;
	nf = ck_calloc(m->nfams + 1, sizeof(*nf));
	if (nf == NULL)
		goto out;
	if (m->nfams)
		memcpy(nf, m->fams, m->nfams * sizeof(*nf));
	nf[m->nfams++] = f;
	ck_free(m->fams);
	m->fams = nf;
	memset(&f, 0, sizeof(f)); /* transferred */
	rc = CK_OK;
out:
	pthread_mutex_unlock(&m->lock);
	ck_free(f.name);
	ck_free(f.help);
	ck_free(f.buckets);
	ck_ctl_map_free(f.series);
	if (rc < 0)
		ck_err_set(rc, "controller: out of memory");
	return rc;
}

/* Label text 'a="x",b="y"' from name/value pairs, escaped per the format. */
static int labels(struct ck_buf *out, va_list ap)
{
	const char *k, *v, *p;
	int first = 1;

	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (v == NULL)
			v = "";
		if ((!first && ck_buf_putc(out, ',') < 0) || ck_buf_printf(out, "%s=\"", k) < 0)
			return CK_ENOMEM;
		for (p = v; *p; p++) {
			int rc;

			if (*p == '\\')
				rc = ck_buf_puts(out, "\\\\");
			else if (*p == '"')
				rc = ck_buf_puts(out, "\\\"");
			else if (*p == '\n')
				rc = ck_buf_puts(out, "\\n");
			else
				rc = ck_buf_putc(out, *p);
			if (rc < 0)
				return rc;
		}
		if (ck_buf_putc(out, '"') < 0)
			return CK_ENOMEM;
		first = 0;
	}
	return CK_OK;
}

enum op { OP_ADD, OP_SET, OP_OBSERVE, OP_DELETE, OP_GET, OP_DELETE_MATCHING };

/* 1 if series labels `have` contain every 'k="v"' pair of `want`. */
static int labels_match(const char *have, const char *want)
{
	const char *p = want;

	while (*p) {
		const char *end = p, *h;
		int inq = 0, found = 0;
		size_t n;

		/* One pair: up to a ',' outside quotes (values are escaped). */
		while (*end && (inq || *end != ',')) {
			if (*end == '\\' && end[1])
				end++;
			else if (*end == '"')
				inq = !inq;
			end++;
		}
		n = (size_t)(end - p);
		/* Pairs in `have` start at its beginning or after a ',' and end at ',' or NUL. */
		for (h = have; *h && !found;) {
			if ((h == have || h[-1] == ',') && strncmp(h, p, n) == 0 &&
			    (h[n] == ',' || h[n] == '\0'))
				found = 1;
			h++;
		}
		if (!found)
			return 0;
		p = *end ? end + 1 : end;
	}
	return 1;
}

static double update(struct ck_ctl_metrics *m, const char *name, enum op op, double v,
                     va_list ap)
{
	struct ck_buf lab = CK_BUF_INIT;
	struct family *f;
	struct series *s = NULL;
	double ret = 0;
	size_t i;

	if (labels(&lab, ap) < 0)
		goto out;
	pthread_mutex_lock(&m->lock);
	f = family(m, name);
	if (f == NULL)
		goto unlock;
	s = ck_ctl_map_get(f->series, ck_buf_cstr(&lab));
	if (op == OP_GET) {
		ret = s == NULL ? 0 : f->type == CK_CTL_HISTOGRAM ? (double)s->count : s->value;
		goto unlock;
	}
	if (op == OP_DELETE_MATCHING) {
		size_t pos = 0;
		const char *k;
		void *sv;

		while ((k = ck_ctl_map_next(f->series, &pos, &sv)) != NULL) {
			if (labels_match(k, ck_buf_cstr(&lab))) {
				struct series *x = ck_ctl_map_del(f->series, k);

				ck_free(x->counts);
				ck_free(x);
			}
		}
		goto unlock;
	}
	if (op == OP_DELETE) {
		s = ck_ctl_map_del(f->series, ck_buf_cstr(&lab));
		if (s != NULL) {
			ck_free(s->counts);
			ck_free(s);
		}
		goto unlock;
	}
	if (s == NULL) {
		s = ck_calloc(1, sizeof(*s));
		if (s == NULL)
			goto unlock;
		if (f->type == CK_CTL_HISTOGRAM &&
		    (s->counts = ck_calloc(f->nbuckets + 1, sizeof(uint64_t))) == NULL) {
			ck_free(s);
			goto unlock;
		}
		if (ck_ctl_map_put(f->series, ck_buf_cstr(&lab), s, NULL) < 0) {
			ck_free(s->counts);
			ck_free(s);
			goto unlock;
		}
	}
	switch (op) {
	case OP_ADD:
		s->value += v;
		break;
	case OP_SET:
		s->value = v;
		break;
	case OP_OBSERVE:
		for (i = 0; i < f->nbuckets && v > f->buckets[i]; i++)
			;
		s->counts[i]++;
		s->count++;
		s->value += v;
		break;
	default:
		break;
	}
unlock:
	pthread_mutex_unlock(&m->lock);
out:
	ck_buf_dispose(&lab);
	return ret;
}

void ck_ctl_metrics_add(struct ck_ctl_metrics *m, const char *name, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, name, OP_ADD, v, ap);
	va_end(ap);
}

void ck_ctl_metrics_set(struct ck_ctl_metrics *m, const char *name, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, name, OP_SET, v, ap);
	va_end(ap);
}

void ck_ctl_metrics_observe(struct ck_ctl_metrics *m, const char *name, double v, ...)
{
	va_list ap;

	va_start(ap, v);
	update(m, name, OP_OBSERVE, v, ap);
	va_end(ap);
}

void ck_ctl_metrics_delete(struct ck_ctl_metrics *m, const char *name, ...)
{
	va_list ap;

	va_start(ap, name);
	update(m, name, OP_DELETE, 0, ap);
	va_end(ap);
}

void ck_ctl_metrics_delete_matching(struct ck_ctl_metrics *m, const char *name, ...)
{
	va_list ap;

	va_start(ap, name);
	update(m, name, OP_DELETE_MATCHING, 0, ap);
	va_end(ap);
}

double ck_ctl_metrics_value(struct ck_ctl_metrics *m, const char *name, ...)
{
	va_list ap;
	double v;

	va_start(ap, name);
	v = update(m, name, OP_GET, 0, ap);
	va_end(ap);
	return v;
}

int ck_ctl_metrics_collector(struct ck_ctl_metrics *m,
                             void (*fn)(void *arg, struct ck_ctl_metrics *m), void *arg)
{
	struct collector *nc;
	int rc = CK_OK;

	pthread_mutex_lock(&m->lock);
	nc = ck_calloc(m->ncols + 1, sizeof(*nc));
	if (nc == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
	} else {
		if (m->ncols)
			memcpy(nc, m->cols, m->ncols * sizeof(*nc));
		nc[m->ncols].fn = fn;
		nc[m->ncols].arg = arg;
		m->ncols++;
		ck_free(m->cols);
		m->cols = nc;
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

void ck_ctl_metrics_collector_remove(struct ck_ctl_metrics *m,
                                     void (*fn)(void *arg, struct ck_ctl_metrics *m),
                                     void *arg)
{
	size_t i;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->collect_lock);
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->ncols; i++) {
		if (m->cols[i].fn == fn && m->cols[i].arg == arg) {
			memmove(&m->cols[i], &m->cols[i + 1], (m->ncols - i - 1) * sizeof(*m->cols));
			m->ncols--;
			break;
		}
	}
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_unlock(&m->collect_lock);
}

/* Go's strconv.FormatFloat(v, 'g', -1, 64) for the values we produce. */
static int put_num(struct ck_buf *out, double v)
{
	char tmp[40];
	int p;

	if (isnan(v))
		return ck_buf_puts(out, "NaN");
	if (isinf(v))
		return ck_buf_puts(out, v > 0 ? "+Inf" : "-Inf");
	if (v == floor(v) && fabs(v) < 1e15)
		return ck_buf_printf(out, "%.0f", v);
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*g", p, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	return ck_buf_puts(out, tmp);
}

static int put_series(struct ck_buf *out, const char *name, const char *suffix,
                      const char *lab, const char *extra, double v)
{
	int rc;

	rc = ck_buf_printf(out, "%s%s", name, suffix);
	if (rc == CK_OK && (*lab || extra))
		rc = ck_buf_printf(out, "{%s%s%s}", lab, *lab && extra ? "," : "",
		                   extra ? extra : "");
	if (rc == CK_OK)
		rc = ck_buf_putc(out, ' ');
	if (rc == CK_OK)
		rc = put_num(out, v);
	if (rc == CK_OK)
		rc = ck_buf_putc(out, '\n');
	return rc;
}

int ck_ctl_metrics_format(struct ck_buf *out, struct ck_ctl_metrics *m)
{
	static const char *types[] = { "counter", "gauge", "histogram" };
	struct collector *cols = NULL;
	size_t ncols = 0, i, j;
	int rc = CK_OK;

	/* The collectors set series themselves, so they run without `lock`. */
	pthread_mutex_lock(&m->collect_lock);
	pthread_mutex_lock(&m->lock);
	if (m->ncols) {
		cols = ck_calloc(m->ncols, sizeof(*cols));
		if (cols != NULL) {
			memcpy(cols, m->cols, m->ncols * sizeof(*cols));
			ncols = m->ncols;
		}
	}
	pthread_mutex_unlock(&m->lock);
	for (i = 0; i < ncols; i++)
		cols[i].fn(cols[i].arg, m);
	pthread_mutex_unlock(&m->collect_lock);
	ck_free(cols);

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nfams && rc == CK_OK; i++) {
		struct family *f = &m->fams[i];
		size_t pos = 0;
		const char *lab;
		void *v;

		rc = ck_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
		                   types[f->type]);
		while (rc == CK_OK && (lab = ck_ctl_map_next(f->series, &pos, &v)) != NULL) {
			struct series *s = v;
			uint64_t cum = 0;
			char le[64];

			if (f->type != CK_CTL_HISTOGRAM) {
				rc = put_series(out, f->name, "", lab, NULL, s->value);
				continue;
			}
			for (j = 0; j <= f->nbuckets && rc == CK_OK; j++) {
				struct ck_buf num = CK_BUF_INIT;

				cum += s->counts[j];
				if (j == f->nbuckets) {
					snprintf(le, sizeof(le), "le=\"+Inf\"");
				} else {
					rc = put_num(&num, f->buckets[j]);
					snprintf(le, sizeof(le), "le=\"%s\"", ck_buf_cstr(&num));
				}
				ck_buf_dispose(&num);
				if (rc == CK_OK)
					rc = put_series(out, f->name, "_bucket", lab, le, (double)cum);
			}
			if (rc == CK_OK)
				rc = put_series(out, f->name, "_sum", lab, NULL, s->value);
			if (rc == CK_OK)
				rc = put_series(out, f->name, "_count", lab, NULL, (double)s->count);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return rc;
}

static void count_kube_response(void *arg, const char *method, long status, const char *host)
{
	char code[24];

	if (status > 0)
		snprintf(code, sizeof(code), "%ld", status);
	else
		snprintf(code, sizeof(code), "<error>");
	ck_ctl_metrics_add(arg, "rest_client_requests_total", 1, "code", code, "method", method,
	                   "host", host, NULL);
}

int ck_ctl_kube_hooks(struct ck_kube_opts *o, struct ck_ctl_metrics *m)
{
	int rc;

	o->now_ms = ck_ctl_now_ms;
	o->wall_us = ck_ctl_wall_us;
	if (m == NULL)
		return CK_OK;
	if ((rc = ck_ctl_metrics_define(m, "rest_client_requests_total", CK_CTL_COUNTER,
	                                "Number of HTTP requests, partitioned by status code, "
	                                "method, and host.",
	                                NULL, 0)) < 0)
		return rc;
	o->on_response = count_kube_response;
	o->hook_arg = m;
	return CK_OK;
}
