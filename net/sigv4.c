/* SPDX-License-Identifier: Apache-2.0 */
/* AWS Signature Version 4 (see ck/sigv4.h for the canonicalisation rules). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "ck/sigv4.h"

#define ALGO "AWS4-HMAC-SHA256"

void ck_sigv4_out_init(struct ck_sigv4_out *o)
{
	ck_buf_init(&o->canonical, 0);
	ck_buf_init(&o->string_to_sign, 0);
	ck_buf_init(&o->signature, 0);
	ck_buf_init(&o->date, 0);
	ck_buf_init(&o->authorization, 0);
	ck_buf_init(&o->add_headers, 0);
	ck_buf_init(&o->query, 0);
}

void ck_sigv4_out_dispose(struct ck_sigv4_out *o)
{
	if (o == NULL)
		return;
	ck_buf_dispose(&o->canonical);
	ck_buf_dispose(&o->string_to_sign);
	ck_buf_dispose(&o->signature);
	ck_buf_dispose(&o->date);
	ck_buf_dispose(&o->authorization);
	ck_buf_dispose(&o->add_headers);
	ck_buf_dispose(&o->query);
}

static void reset_out(struct ck_sigv4_out *o)
{
	ck_buf_reset(&o->canonical);
	ck_buf_reset(&o->string_to_sign);
	ck_buf_reset(&o->signature);
	ck_buf_reset(&o->date);
	ck_buf_reset(&o->authorization);
	ck_buf_reset(&o->add_headers);
	ck_buf_reset(&o->query);
}

void ck_sigv4_format_date(char out[17], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int ck_sigv4_parse_date(time_t *out, const char *s)
{
	struct tm tm;
	const char *e;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strlen(s) != 16 || (e = strptime(s, "%Y%m%dT%H%M%SZ", &tm)) == NULL ||
	    *e != '\0')
		return ck_err_set(CK_EINVAL, "sigv4: malformed X-Amz-Date");
	*out = timegm(&tm);
	return CK_OK;
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

int ck_sigv4_uri_encode(struct ck_buf *out, const void *p, size_t n, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = p;
	int rc = CK_OK;

	for (size_t i = 0; i < n && rc == CK_OK; i++) {
		if (unreserved(s[i]) || (keep_slash && s[i] == '/')) {
			rc = ck_buf_putc(out, s[i]);
		} else {
			char e[3] = { '%', hex[s[i] >> 4], hex[s[i] & 15] };

			rc = ck_buf_put(out, e, 3);
		}
	}
	return rc;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode n bytes, then encode per SigV4. */
static int recode(struct ck_buf *out, const char *p, size_t n)
{
	struct ck_buf raw;
	int rc = CK_EINTERNAL;

	ck_buf_init(&raw, 0);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%') {
			if (i + 2 >= n) {
				rc = ck_err_set(CK_EINVAL, "sigv4: truncated %% escape in query");
				goto out;
			}
			if (hexval(p[i + 1]) < 0 || hexval(p[i + 2]) < 0) {
				rc = ck_err_set(CK_EINVAL, "sigv4: bad %% escape in query");
				goto out;
			}
			if ((rc = ck_buf_putc(&raw, hexval(p[i + 1]) * 16 + hexval(p[i + 2]))) < 0)
				goto out;
			i += 2;
		} else if ((rc = ck_buf_putc(&raw, (unsigned char)p[i])) < 0) {
			goto out;
		}
	}
	rc = ck_sigv4_uri_encode(out, ck_buf_data(&raw), ck_buf_len(&raw), 0);
out:
	ck_buf_dispose(&raw);
	return rc;
}

/* ---- canonical URI ------------------------------------------------------ */

static int canonical_path(struct ck_buf *out, const char *path, int normalize)
{
	struct ck_buf norm;
	const char **segs = NULL;
	size_t *lens = NULL, nseg = 0, n;
	int rc = CK_EINTERNAL, trailing;

	ck_buf_init(&norm, 0);
	if (path == NULL || path[0] == '\0')
		path = "/";
	n = strlen(path);
	if (!normalize) {
		if (path[0] != '/' && (rc = ck_buf_putc(out, '/')) < 0)
			goto out;
		rc = ck_sigv4_uri_encode(out, path, n, 1);
		goto out;
	}
	if ((segs = ck_calloc(n + 1, sizeof(*segs))) == NULL ||
	    (lens = ck_calloc(n + 1, sizeof(*lens))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sigv4: out of memory");
		goto out;
	}
	trailing = 0;
	for (const char *p = path; *p;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		trailing = 0;
		if (l == 0 || (l == 1 && p[0] == '.')) {
			trailing = 1;
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (nseg > 0)
				nseg--;
			trailing = 1;
		} else {
			segs[nseg] = p;
			lens[nseg++] = l;
		}
		if (e == NULL)
			break;
		p = e + 1;
		if (*p == '\0')
			trailing = 1;
	}
	if ((rc = ck_buf_putc(&norm, '/')) < 0)
		goto out;
	for (size_t i = 0; i < nseg; i++) {
		if ((rc = ck_buf_put(&norm, segs[i], lens[i])) < 0)
			goto out;
		if ((i + 1 < nseg || trailing) && (rc = ck_buf_putc(&norm, '/')) < 0)
			goto out;
	}
	rc = ck_sigv4_uri_encode(out, ck_buf_data(&norm), ck_buf_len(&norm), 1);
out:
	ck_free(segs);
	ck_free(lens);
	ck_buf_dispose(&norm);
	return rc;
}

/* ---- canonical query ---------------------------------------------------- */

struct qparam {
	char *name;
	char *value;
};

static int qcmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

struct qlist {
	struct qparam *v;
	size_t n, cap;
};

static void qlist_free(struct qlist *q)
{
	for (size_t i = 0; i < q->n; i++) {
		ck_free(q->v[i].name);
		ck_free(q->v[i].value);
	}
	ck_free(q->v);
	memset(q, 0, sizeof(*q));
}

/* Add an already-encoded pair. */
static int qlist_add(struct qlist *q, const char *name, size_t nl, const char *value, size_t vl)
{
	struct qparam *nv;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 8;

		if ((nv = ck_calloc(cap, sizeof(*nv))) == NULL)
			return ck_err_set(CK_ENOMEM, "sigv4: out of memory");
		if (q->n)
			memcpy(nv, q->v, q->n * sizeof(*nv));
		ck_free(q->v);
		q->v = nv;
		q->cap = cap;
	}
	q->v[q->n].name = ck_strndup(name, nl);
	q->v[q->n].value = ck_strndup(value, vl);
	if (q->v[q->n].name == NULL || q->v[q->n].value == NULL) {
		ck_free(q->v[q->n].name);
		ck_free(q->v[q->n].value);
		return ck_err_set(CK_ENOMEM, "sigv4: out of memory");
	}
	q->n++;
	return CK_OK;
}

/* Add a raw pair, encoding it. */
static int qlist_add_raw(struct qlist *q, const char *name, const char *value)
{
	struct ck_buf n, v;
	int rc;

	ck_buf_init(&n, 0);
	ck_buf_init(&v, 0);
	if ((rc = ck_sigv4_uri_encode(&n, name, strlen(name), 0)) == CK_OK &&
	    (rc = ck_sigv4_uri_encode(&v, value, strlen(value), 0)) == CK_OK)
		rc = qlist_add(q, ck_buf_cstr(&n), ck_buf_len(&n), ck_buf_cstr(&v), ck_buf_len(&v));
	ck_buf_dispose(&n);
	ck_buf_dispose(&v);
	return rc;
}

static int parse_query(struct qlist *q, const char *query)
{
	struct ck_buf n, v;
	int rc = CK_OK;

	ck_buf_init(&n, 0);
	ck_buf_init(&v, 0);
	for (const char *p = query; p != NULL && *p && rc == CK_OK;) {
		size_t l = strcspn(p, "&");
		const char *eq = memchr(p, '=', l);

		ck_buf_reset(&n);
		ck_buf_reset(&v);
		if (l > 0) {
			size_t nl = eq ? (size_t)(eq - p) : l;

			if ((rc = recode(&n, p, nl)) == CK_OK && eq != NULL)
				rc = recode(&v, eq + 1, l - nl - 1);
			if (rc == CK_OK)
				rc = qlist_add(q, ck_buf_cstr(&n), ck_buf_len(&n), ck_buf_cstr(&v),
				               ck_buf_len(&v));
		}
		p += l;
		if (*p == '&')
			p++;
	}
	ck_buf_dispose(&n);
	ck_buf_dispose(&v);
	return rc;
}

static int put_query(struct ck_buf *out, struct qlist *q)
{
	int rc = CK_OK;

	if (q->n > 1)
		qsort(q->v, q->n, sizeof(*q->v), qcmp);
	for (size_t i = 0; i < q->n && rc == CK_OK; i++)
		rc = ck_buf_printf(out, "%s%s=%s", i ? "&" : "", q->v[i].name, q->v[i].value);
	return rc;
}

/* ---- canonical headers -------------------------------------------------- */

struct hdr {
	char *name;   /* lower case */
	char *value;  /* trimmed, blank runs collapsed */
	size_t order;
};

struct hlist {
	struct hdr *v;
	size_t n, cap;
};

static void hlist_free(struct hlist *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ck_free(h->v[i].name);
		if (h->v[i].value != NULL)
			ck_freezero(h->v[i].value, strlen(h->v[i].value));
	}
	ck_free(h->v);
	memset(h, 0, sizeof(*h));
}

static int hcmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int hlist_add(struct hlist *h, const char *name, size_t nl, const char *value, size_t vl)
{
	struct hdr *nv;
	char *n = NULL, *v = NULL;
	size_t k = 0;
	int rc = CK_EINTERNAL;

	if (nl == 0) {
		rc = ck_err_set(CK_EINVAL, "sigv4: header line without a name");
		goto out;
	}
	for (size_t i = 0; i < nl; i++) {
		if (!isgraph((unsigned char)name[i])) {
			rc = ck_err_set(CK_EINVAL, "sigv4: header name with a blank or control byte");
			goto out;
		}
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;

		if ((nv = ck_calloc(cap, sizeof(*nv))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "sigv4: out of memory");
			goto out;
		}
		if (h->n)
			memcpy(nv, h->v, h->n * sizeof(*nv));
		ck_free(h->v);
		h->v = nv;
		h->cap = cap;
	}
	if ((n = ck_strndup(name, nl)) == NULL || (v = ck_alloc(vl + 1)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sigv4: out of memory");
		goto out;
	}
	for (size_t i = 0; i < nl; i++)
		n[i] = (char)tolower((unsigned char)n[i]);
	/* trim, and collapse every run of blanks to one space */
	for (size_t i = 0; i < vl; i++) {
		int blank = value[i] == ' ' || value[i] == '\t' || value[i] == '\r' ||
		            value[i] == '\n';

		if (blank) {
			if (k > 0 && v[k - 1] != ' ')
				v[k++] = ' ';
		} else {
			v[k++] = value[i];
		}
	}
	if (k > 0 && v[k - 1] == ' ')
		k--;
	v[k] = '\0';
	h->v[h->n].name = n;
	h->v[h->n].value = v;
	h->v[h->n].order = h->n;
	h->n++;
	n = v = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_free(n);
	if (v != NULL)
		ck_freezero(v, vl + 1);
	return rc;
}

static int hlist_add_line(struct hlist *h, const char *line)
{
	const char *colon = strchr(line, ':');

	if (colon == NULL)
		return ck_err_set(CK_EINVAL, "sigv4: header line without ':'");
	return hlist_add(h, line, (size_t)(colon - line), colon + 1, strlen(colon + 1));
}

static const struct hdr *hlist_get(const struct hlist *h, const char *lname)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].name, lname) == 0)
			return &h->v[i];
	return NULL;
}

/* Canonical header block and signed-header list (h sorted in place). */
static int put_headers(struct ck_buf *block, struct ck_buf *signed_list, struct hlist *h)
{
	int rc = CK_OK;

	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), hcmp);
	for (size_t i = 0; i < h->n && rc == CK_OK; i++) {
		int first = i == 0 || strcmp(h->v[i - 1].name, h->v[i].name) != 0;
		int last = i + 1 == h->n || strcmp(h->v[i + 1].name, h->v[i].name) != 0;

		if (first) {
			rc = ck_buf_printf(block, "%s:", h->v[i].name);
			if (rc == CK_OK)
				rc = ck_buf_printf(signed_list, "%s%s", ck_buf_len(signed_list) ? ";" : "",
				                   h->v[i].name);
		} else {
			rc = ck_buf_putc(block, ',');
		}
		if (rc == CK_OK)
			rc = ck_buf_puts(block, h->v[i].value);
		if (rc == CK_OK && last)
			rc = ck_buf_putc(block, '\n');
	}
	return rc;
}

/* ---- signing ------------------------------------------------------------ */

static int check_inputs(const struct ck_sigv4_request *req, const struct ck_aws_creds *cr,
                        const struct ck_sigv4_params *p)
{
	if (cr == NULL || cr->access_key_id == NULL || cr->access_key_id[0] == '\0' ||
	    cr->secret_access_key == NULL || cr->secret_access_key[0] == '\0')
		return ck_err_set(CK_EINVAL, "sigv4: no AWS credentials to sign with");
	if (p->region == NULL || p->region[0] == '\0' || p->service == NULL ||
	    p->service[0] == '\0')
		return ck_err_set(CK_EINVAL, "sigv4: region and service are required");
	if (strchr(p->region, '/') || strchr(p->service, '/'))
		return ck_err_set(CK_EINVAL, "sigv4: '/' in region or service");
	if (req->method == NULL || req->method[0] == '\0')
		return ck_err_set(CK_EINVAL, "sigv4: request without a method");
	return CK_OK;
}

/* signature = hex(HMAC(kSigning, sts)) where kSigning chains date/region/service. */
static int sign_sts(struct ck_buf *sig, const char *secret, const char *day, const char *region,
                    const char *service, const struct ck_buf *sts)
{
	uint8_t k[CK_SHA256_LEN], mac[CK_SHA256_LEN];
	size_t sl = strlen(secret);
	char *ks = NULL;
	int rc = CK_EINTERNAL;

	if ((ks = ck_secret_alloc(sl + 5)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sigv4: out of memory");
		goto out;
	}
	memcpy(ks, "AWS4", 4);
	memcpy(ks + 4, secret, sl);
	if ((rc = ck_hmac(CK_SHA256, k, ks, sl + 4, day, strlen(day))) < 0 ||
	    (rc = ck_hmac(CK_SHA256, k, k, sizeof(k), region, strlen(region))) < 0 ||
	    (rc = ck_hmac(CK_SHA256, k, k, sizeof(k), service, strlen(service))) < 0 ||
	    (rc = ck_hmac(CK_SHA256, k, k, sizeof(k), "aws4_request", 12)) < 0 ||
	    (rc = ck_hmac(CK_SHA256, mac, k, sizeof(k), ck_buf_data(sts), ck_buf_len(sts))) < 0)
		goto out;
	rc = ck_hex_encode(sig, mac, sizeof(mac));
out:
	ck_memzero(k, sizeof(k));
	ck_secret_free(ks);
	return rc;
}

static int hex_sha256(struct ck_buf *out, const void *p, size_t n)
{
	uint8_t h[CK_SHA256_LEN];

	ck_sha256(h, p, n);
	return ck_hex_encode(out, h, sizeof(h));
}

static int do_sign(struct ck_sigv4_out *out, const struct ck_sigv4_request *req,
                   const struct ck_aws_creds *cr, const struct ck_sigv4_params *p, int query_form)
{
	struct hlist h = { 0 };
	struct qlist q = { 0 };
	struct ck_buf block, signed_list, payload, scope, cred, tmp;
	const struct hdr *dh;
	const char *token = cr && cr->session_token && cr->session_token[0] ? cr->session_token
	                                                                      : NULL;
	char date[17], day[9], expires[24];
	int rc = CK_EINTERNAL;

	ck_buf_init(&block, 0);
	ck_buf_init(&signed_list, 0);
	ck_buf_init(&payload, 0);
	ck_buf_init(&scope, 0);
	ck_buf_init(&cred, 0);
	ck_buf_init(&tmp, 0);
	reset_out(out);
	if ((rc = check_inputs(req, cr, p)) < 0)
		goto out;
	for (const char *const *l = req->headers; l != NULL && *l != NULL; l++)
		if ((rc = hlist_add_line(&h, *l)) < 0)
			goto out;
	if (hlist_get(&h, "host") == NULL) {
		rc = ck_err_set(CK_EINVAL, "sigv4: request without a Host header");
		goto out;
	}
	dh = query_form ? NULL : hlist_get(&h, "x-amz-date");
	if (dh != NULL) {
		time_t t;

		if ((rc = ck_sigv4_parse_date(&t, dh->value)) < 0)
			goto out;
		memcpy(date, dh->value, 17);
	} else {
		ck_sigv4_format_date(date, p->when);
	}
	memcpy(day, date, 8);
	day[8] = '\0';
	if ((rc = ck_buf_puts(&out->date, date)) < 0 ||
	    (rc = ck_buf_printf(&scope, "%s/%s/%s/aws4_request", day, p->region, p->service)) < 0 ||
	    (rc = hex_sha256(&payload, req->body ? req->body : "", req->body_len)) < 0)
		goto out;

	if (!query_form) {
		if (dh == NULL) {
			if ((rc = hlist_add(&h, "x-amz-date", 10, date, 16)) < 0 ||
			    (rc = ck_buf_printf(&out->add_headers, "X-Amz-Date:%s\n", date)) < 0)
				goto out;
		}
		if (token != NULL && hlist_get(&h, "x-amz-security-token") == NULL) {
			if (!p->token_after &&
			    (rc = hlist_add(&h, "x-amz-security-token", 20, token, strlen(token))) < 0)
				goto out;
			if ((rc = ck_buf_printf(&out->add_headers, "X-Amz-Security-Token:%s\n",
			                        token)) < 0)
				goto out;
		}
		if (p->content_sha256_header) {
			if ((rc = hlist_add(&h, "x-amz-content-sha256", 20, ck_buf_cstr(&payload),
			                    ck_buf_len(&payload))) < 0 ||
			    (rc = ck_buf_printf(&out->add_headers, "x-amz-content-sha256:%s\n",
			                        ck_buf_cstr(&payload))) < 0)
				goto out;
		}
	}
	if ((rc = put_headers(&block, &signed_list, &h)) < 0 ||
	    (rc = parse_query(&q, req->query)) < 0)
		goto out;
	if (query_form) {
		snprintf(expires, sizeof(expires), "%ld", p->expires > 0 ? p->expires : 3600L);
		if ((rc = ck_buf_printf(&cred, "%s/%s", cr->access_key_id, ck_buf_cstr(&scope))) < 0 ||
		    (rc = qlist_add_raw(&q, "X-Amz-Algorithm", ALGO)) < 0 ||
		    (rc = qlist_add_raw(&q, "X-Amz-Credential", ck_buf_cstr(&cred))) < 0 ||
		    (rc = qlist_add_raw(&q, "X-Amz-Date", date)) < 0 ||
		    (rc = qlist_add_raw(&q, "X-Amz-Expires", expires)) < 0 ||
		    (rc = qlist_add_raw(&q, "X-Amz-SignedHeaders", ck_buf_cstr(&signed_list))) < 0)
			goto out;
		if (token != NULL && !p->token_after &&
		    (rc = qlist_add_raw(&q, "X-Amz-Security-Token", token)) < 0)
			goto out;
	}

	/* canonical request */
	if ((rc = ck_buf_printf(&out->canonical, "%s\n", req->method)) < 0 ||
	    (rc = canonical_path(&out->canonical, req->path, p->normalize)) < 0 ||
	    (rc = ck_buf_putc(&out->canonical, '\n')) < 0 ||
	    (rc = put_query(&out->canonical, &q)) < 0 ||
	    (rc = ck_buf_printf(&out->canonical, "\n%s\n%s\n%s", ck_buf_cstr(&block),
	                        ck_buf_cstr(&signed_list), ck_buf_cstr(&payload))) < 0)
		goto out;
	/* string to sign */
	if ((rc = ck_buf_printf(&out->string_to_sign, ALGO "\n%s\n%s\n", date,
	                        ck_buf_cstr(&scope))) < 0 ||
	    (rc = hex_sha256(&out->string_to_sign, ck_buf_data(&out->canonical),
	                     ck_buf_len(&out->canonical))) < 0)
		goto out;
	if ((rc = sign_sts(&out->signature, cr->secret_access_key, day, p->region, p->service,
	                   &out->string_to_sign)) < 0)
		goto out;

	if (!query_form) {
		rc = ck_buf_printf(&out->authorization,
		                   ALGO " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		                   cr->access_key_id, ck_buf_cstr(&scope), ck_buf_cstr(&signed_list),
		                   ck_buf_cstr(&out->signature));
		goto out;
	}
	/* presigned query: the original parameters, then ours in AWS's order */
	if (req->query != NULL && req->query[0] &&
	    (rc = ck_buf_printf(&out->query, "%s&", req->query)) < 0)
		goto out;
	if ((rc = ck_buf_puts(&out->query, "X-Amz-Algorithm=" ALGO "&X-Amz-Credential=")) < 0 ||
	    (rc = ck_sigv4_uri_encode(&out->query, ck_buf_data(&cred), ck_buf_len(&cred), 0)) < 0 ||
	    (rc = ck_buf_printf(&out->query, "&X-Amz-Date=%s&X-Amz-SignedHeaders=", date)) < 0 ||
	    (rc = ck_sigv4_uri_encode(&out->query, ck_buf_data(&signed_list),
	                              ck_buf_len(&signed_list), 0)) < 0 ||
	    (rc = ck_buf_printf(&out->query, "&X-Amz-Expires=%s", expires)) < 0)
		goto out;
	if (token != NULL) {
		if ((rc = ck_buf_puts(&out->query, "&X-Amz-Security-Token=")) < 0 ||
		    (rc = ck_sigv4_uri_encode(&out->query, token, strlen(token), 0)) < 0)
			goto out;
	}
	rc = ck_buf_printf(&out->query, "&X-Amz-Signature=%s", ck_buf_cstr(&out->signature));
out:
	if (rc < 0)
		reset_out(out);
	hlist_free(&h);
	qlist_free(&q);
	ck_buf_dispose(&block);
	ck_buf_dispose(&signed_list);
	ck_buf_dispose(&payload);
	ck_buf_dispose(&scope);
	ck_buf_dispose(&cred);
	ck_buf_dispose(&tmp);
	return rc;
}

int ck_sigv4_sign(struct ck_sigv4_out *out, const struct ck_sigv4_request *req,
                  const struct ck_aws_creds *creds, const struct ck_sigv4_params *p)
{
	return do_sign(out, req, creds, p, 0);
}

int ck_sigv4_presign(struct ck_sigv4_out *out, const struct ck_sigv4_request *req,
                     const struct ck_aws_creds *creds, const struct ck_sigv4_params *p)
{
	return do_sign(out, req, creds, p, 1);
}
