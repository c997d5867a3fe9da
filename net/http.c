/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP client: options, header assembly, the response sink shared by every
 * transport, retries, and the one place where HTTP statuses become ck_err
 * codes. The libcurl backend is in curl.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/http.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/version.h"
#include "http_int.h"

/* ---- responses ---------------------------------------------------------- */

static void free_headers(struct ck_http_response *r)
{
	for (size_t i = 0; i < r->nheaders; i++) {
		ck_freezero(r->headers[i].name, strlen(r->headers[i].name));
		ck_freezero(r->headers[i].value, strlen(r->headers[i].value));
	}
	r->nheaders = 0;
}

void ck_http_response_dispose(struct ck_http_response *r)
{
	if (r == NULL)
		return;
	free_headers(r);
	ck_free(r->headers);
	r->headers = NULL;
	r->capheaders = 0;
	ck_buf_dispose(&r->body);
	r->status = 0;
	r->stopped = 0;
	r->failure = CK_HTTP_FAIL_NONE;
}

const char *ck_http_response_header(const struct ck_http_response *r, const char *name)
{
	if (r == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* ---- status mapping ----------------------------------------------------- */

int ck_http_status_err(long status)
{
	if (status >= 200 && status < 300)
		return CK_OK;
	switch (status) {
	case 400: case 405: case 409: case 412: case 415: case 422:
		return CK_EINVAL;
	case 401: case 403:
		return CK_EDENIED;
	case 404: case 410:
		return CK_ENOTFOUND;
	case 413:
		return CK_ETOOBIG;
	case 501:
		return CK_EUNSUPPORTED;
	default:
		return CK_ENET;
	}
}

static const char *reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

int ck_http_check(const struct ck_http_response *r, const char *what)
{
	int code = ck_http_status_err(r->status);

	if (code == CK_OK)
		return CK_OK;
	return ck_err_set(code, "net: %s: HTTP %ld%s%s", what ? what : "request", r->status,
	                  reason(r->status)[0] ? " " : "", reason(r->status));
}

/* ---- URL redaction ------------------------------------------------------ */

int ck_http_url_redact(struct ck_buf *out, const char *method, const char *url)
{
	const char *p, *host, *end, *at;
	size_t hl;
	int rc = CK_EINTERNAL;

	if (url == NULL)
		url = "";
	if (method != NULL && (rc = ck_buf_printf(out, "%s ", method)) < 0)
		goto out;
	p = strstr(url, "://");
	host = p ? p + 3 : url;
	if (p != NULL && (rc = ck_buf_put(out, url, (size_t)(host - url))) < 0)
		goto out;
	hl = strcspn(host, "/?#");
	/* user info (user:password@) never reaches a message */
	at = memchr(host, '@', hl);
	if (at != NULL) {
		hl -= (size_t)(at + 1 - host);
		host = at + 1;
	}
	if ((rc = ck_buf_put(out, host, hl)) < 0)
		goto out;
	p = host + hl;
	end = p + strcspn(p, "?#");
	rc = ck_buf_put(out, p, (size_t)(end - p));
out:
	return rc;
}

/* ---- clients ------------------------------------------------------------ */

static char *dup_opt(const char *s, int *bad)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = ck_strdup(s)) == NULL)
		*bad = 1;
	return d;
}

static char *dup_mem(const char *p, size_t *len, int secret, int *bad)
{
	char *d;

	if (p == NULL)
		return NULL;
	if (*len == 0)
		*len = strlen(p);
	d = secret ? ck_secret_alloc(*len + 1) : ck_alloc(*len + 1);
	if (d == NULL) {
		*bad = 1;
		return NULL;
	}
	memcpy(d, p, *len);
	d[*len] = '\0';
	return d;
}

static void free_str(char *s)
{
	if (s != NULL)
		ck_freezero(s, strlen(s));
}

int ck_http_client_set_bearer(struct ck_http_client *c, const char *token)
{
	static const char prefix[] = "Authorization: Bearer ";
	char *line = NULL;
	size_t n;

	if (token != NULL) {
		n = strlen(token);
		if (strpbrk(token, "\r\n") != NULL)
			return ck_err_set(CK_EINVAL, "net: bearer token contains a line break");
		if ((line = ck_secret_alloc(sizeof(prefix) + n)) == NULL)
			return ck_err_set(CK_ENOMEM, "net: out of memory");
		memcpy(line, prefix, sizeof(prefix) - 1);
		memcpy(line + sizeof(prefix) - 1, token, n + 1);
	}
	ck_secret_free(c->bearer_line);
	c->bearer_line = line;
	return CK_OK;
}

int ck_http_client_new(struct ck_http_client **out, const struct ck_http_opts *o)
{
	static const struct ck_http_opts none = { 0 };
	struct ck_http_client *c = NULL;
	int rc = CK_EINTERNAL, bad = 0;
	size_t n = 0;

	*out = NULL;
	if (o == NULL)
		o = &none;
	if ((c = ck_calloc(1, sizeof(*c))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	atomic_init(&c->cancel, 0);
	c->transport = o->transport;
	c->timeout_ms = o->timeout_ms == 0 ? CK_HTTP_DEFAULT_TIMEOUT_MS
	                : o->timeout_ms < 0 ? 0 : o->timeout_ms;
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
	                        : CK_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	c->max_response = o->max_response ? o->max_response : CK_HTTP_DEFAULT_MAX_RESPONSE;
	c->max_redirects = o->max_redirects > 0 ? o->max_redirects : 0;
	c->ca_file = dup_opt(o->tls.ca_file, &bad);
	c->cert_file = dup_opt(o->tls.cert_file, &bad);
	c->key_file = dup_opt(o->tls.key_file, &bad);
	c->server_name = dup_opt(o->tls.server_name, &bad);
	c->ca_pem_len = o->tls.ca_pem_len;
	c->ca_pem = dup_mem(o->tls.ca_pem, &c->ca_pem_len, 0, &bad);
	c->cert_pem_len = o->tls.cert_pem_len;
	c->cert_pem = dup_mem(o->tls.cert_pem, &c->cert_pem_len, 0, &bad);
	c->key_pem_len = o->tls.key_pem_len;
	c->key_pem = dup_mem(o->tls.key_pem, &c->key_pem_len, 1, &bad);
	c->insecure = o->tls.insecure;
	if (o->user_agent != NULL)
		c->user_agent = dup_opt(o->user_agent, &bad);
	else
		c->user_agent = dup_opt("cloak/" CK_VERSION, &bad);
	if (bad) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	if (c->server_name != NULL && strpbrk(c->server_name, ":/@[] ") != NULL) {
		rc = ck_err_set(CK_EINVAL, "net: TLS server name '%s' is not a host name",
		                c->server_name);
		goto out;
	}
	for (const char *const *h = o->headers; h != NULL && *h != NULL; h++)
		n++;
	if (n > 0) {
		if ((c->headers = ck_calloc(n, sizeof(*c->headers))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "net: out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (strpbrk(o->headers[i], "\r\n") != NULL || strchr(o->headers[i], ':') == NULL) {
				rc = ck_err_set(CK_EINVAL, "net: header %zu is not one 'Name: value' line", i);
				goto out;
			}
			if ((c->headers[i] = ck_strdup(o->headers[i])) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "net: out of memory");
				goto out;
			}
			c->nheaders++;
		}
	}
	if (o->bearer_token != NULL && (rc = ck_http_client_set_bearer(c, o->bearer_token)) < 0)
		goto out;
	if (c->transport == NULL) {
		if ((rc = ck_net_init()) < 0 || (rc = ck_net__curl_new(&c->curl)) < 0)
			goto out;
	}
	*out = c;
	c = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_http_client_free(c);
	return rc;
}

void ck_http_client_free(struct ck_http_client *c)
{
	if (c == NULL)
		return;
	ck_net__curl_free(c->curl);
	ck_secret_free(c->bearer_line);
	for (size_t i = 0; i < c->nheaders; i++)
		free_str(c->headers[i]);
	ck_free(c->headers);
	free_str(c->user_agent);
	free_str(c->ca_file);
	free_str(c->cert_file);
	free_str(c->key_file);
	free_str(c->server_name);
	free_str(c->ca_pem);
	free_str(c->cert_pem);
	ck_secret_free(c->key_pem);
	ck_free(c);
}

void ck_http_client_cancel(struct ck_http_client *c)
{
	if (c == NULL)
		return;
	atomic_store(&c->cancel, 1);
	if (c->curl != NULL)
		ck_net__curl_wakeup(c->curl);
}

/* ---- exchanges ---------------------------------------------------------- */

const struct ck_http_request *ck_http_exchange_request(const struct ck_http_exchange *x)
{
	return x->req;
}

const char *ck_http_exchange_method(const struct ck_http_exchange *x)
{
	return x->method;
}

const char *const *ck_http_exchange_headers(const struct ck_http_exchange *x)
{
	return x->lines;
}

long ck_http_exchange_timeout_ms(const struct ck_http_exchange *x)
{
	return x->timeout_ms;
}

int ck_http_exchange_cancelled(const struct ck_http_exchange *x)
{
	return atomic_load(&x->c->cancel) != 0;
}

void ck_http_exchange_fail(struct ck_http_exchange *x, enum ck_http_failure f)
{
	x->resp->failure = f;
}

void ck_http_exchange_status(struct ck_http_exchange *x, long status)
{
	free_headers(x->resp);
	ck_buf_reset(&x->resp->body);
	x->header_bytes = 0;
	x->resp->status = status;
}

static size_t trim_len(const char *p, size_t n, const char **start)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' ||
	                 p[n - 1] == '\n'))
		n--;
	*start = p;
	return n;
}

int ck_http_exchange_header(struct ck_http_exchange *x, const char *name, size_t nlen,
                            const char *value, size_t vlen)
{
	struct ck_http_response *r = x->resp;
	struct ck_http_header *nh;
	char *n = NULL, *v = NULL;
	int rc = CK_EINTERNAL;

	nlen = trim_len(name, nlen, &name);
	vlen = trim_len(value, vlen, &value);
	x->header_bytes += nlen + vlen + 4;
	if (r->nheaders >= CK_HTTP_MAX_HEADERS || x->header_bytes > CK_HTTP_MAX_HEADER_BYTES) {
		rc = ck_err_set(CK_ETOOBIG, "net: %s: response headers over %u lines or %u bytes",
		                x->what, (unsigned)CK_HTTP_MAX_HEADERS,
		                (unsigned)CK_HTTP_MAX_HEADER_BYTES);
		goto out;
	}
	if (r->nheaders == r->capheaders) {
		size_t cap = r->capheaders ? r->capheaders * 2 : 16;

		if ((nh = ck_calloc(cap, sizeof(*nh))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "net: out of memory");
			goto out;
		}
		if (r->nheaders > 0)
			memcpy(nh, r->headers, r->nheaders * sizeof(*nh));
		ck_free(r->headers);
		r->headers = nh;
		r->capheaders = cap;
	}
	if ((n = ck_strndup(name, nlen)) == NULL || (v = ck_strndup(value, vlen)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	r->headers[r->nheaders].name = n;
	r->headers[r->nheaders].value = v;
	r->nheaders++;
	n = v = NULL; /* transferred */
	rc = CK_OK;
	/* size the body once: each growth of a secure buffer is an mmap/mprotect */
	if (nlen == 14 && strncasecmp(name, "Content-Length", 14) == 0 &&
	    !(x->req->on_data != NULL && r->status >= 200 && r->status < 300)) {
		char num[24];
		unsigned long long want;
		char *end;

		if (vlen > 0 && vlen < sizeof(num)) {
			memcpy(num, value, vlen);
			num[vlen] = '\0';
			want = strtoull(num, &end, 10);
			if (*end == '\0' && want > 0 && want <= x->max_response &&
			    ck_buf_len(&r->body) == 0)
				if (ck_buf_grow(&r->body, (size_t)want) < 0)
					ck_err_clear(); /* only a hint: the body grows as it comes */
		}
	}
out:
	ck_free(n);
	ck_free(v);
	return rc;
}

int ck_http_exchange_body(struct ck_http_exchange *x, const void *p, size_t n)
{
	struct ck_http_response *r = x->resp;
	int rc;

	if (n == 0)
		return CK_OK;
	if (x->req->on_data != NULL && r->status >= 200 && r->status < 300) {
		rc = x->req->on_data(x->req->arg, p, n);
		if (rc == CK_HTTP_STOP)
			r->stopped = 1;
		else if (rc > 0)
			rc = ck_err_set(CK_EINTERNAL, "net: %s: on_data returned %d", x->what, rc);
		return rc;
	}
	if (ck_buf_len(&r->body) + n > x->max_response) {
		r->failure = CK_HTTP_FAIL_OTHER;
		return ck_err_set(CK_ETOOBIG, "net: %s: response body over the %zu-byte limit",
		                  x->what, x->max_response);
	}
	if ((rc = ck_buf_put(&r->body, p, n)) < 0) {
		r->failure = CK_HTTP_FAIL_OTHER;
		return rc;
	}
	return CK_OK;
}

/* Length of the name part of a "Name: value" line. */
static size_t name_len(const char *line)
{
	return strcspn(line, ":;");
}

static int same_name(const char *a, const char *b)
{
	size_t la = name_len(a), lb = name_len(b);

	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Client lines unless the request replaces them, bearer, request lines. */
static int build_lines(struct ck_http_exchange *x)
{
	const struct ck_http_request *req = x->req;
	struct ck_http_client *c = x->c;
	size_t nreq = 0, k = 0;
	int rc = CK_EINTERNAL;

	for (const char *const *h = req->headers; h != NULL && *h != NULL; h++) {
		if (strpbrk(*h, "\r\n") != NULL || strpbrk(*h, ":;") == NULL) {
			rc = ck_err_set(CK_EINVAL, "net: %s: request header %zu is not one "
			                "'Name: value' line", x->what, nreq);
			goto out;
		}
		nreq++;
	}
	if ((x->lines = ck_calloc(c->nheaders + nreq + 2, sizeof(*x->lines))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->nheaders + 1; i++) {
		const char *line = i < c->nheaders ? c->headers[i] : c->bearer_line;
		int replaced = 0;

		if (line == NULL || (i == c->nheaders && (req->flags & CK_HTTP_NO_AUTH)))
			continue;
		for (size_t j = 0; j < nreq && !replaced; j++)
			replaced = same_name(line, req->headers[j]);
		if (!replaced)
			x->lines[k++] = line;
	}
	for (size_t j = 0; j < nreq; j++)
		x->lines[k++] = req->headers[j];
	x->lines[k] = NULL;
	x->nlines = k;
	rc = CK_OK;
out:
	return rc;
}

int ck_http_send(struct ck_http_client *c, const struct ck_http_request *req,
                 struct ck_http_response *resp)
{
	struct ck_http_exchange x;
	size_t max;
	int rc = CK_EINTERNAL;

	memset(&x, 0, sizeof(x));
	max = req->max_response ? req->max_response : c->max_response;
	/*
	 * A response used again keeps its body's storage when it is of the kind
	 * asked for (a secure allocation costs system calls); the limit is
	 * enforced by the sink, so the buffer itself is unlimited.
	 */
	free_headers(resp);
	resp->status = 0;
	resp->stopped = 0;
	resp->failure = CK_HTTP_FAIL_NONE;
	if (ck_buf_mutable(&resp->body) != NULL &&
	    ck_buf_is_secure(&resp->body) == ((req->flags & CK_HTTP_SECURE_BODY) != 0)) {
		ck_buf_reset(&resp->body);
	} else {
		ck_buf_dispose(&resp->body);
		if (req->flags & CK_HTTP_SECURE_BODY)
			ck_buf_init_secure(&resp->body, 0);
		else
			ck_buf_init(&resp->body, 0);
	}
	x.c = c;
	x.req = req;
	x.resp = resp;
	x.method = req->method ? req->method : "GET";
	x.max_response = max;
	x.timeout_ms = req->timeout_ms == 0 ? c->timeout_ms : req->timeout_ms < 0 ? 0
	               : req->timeout_ms;
	{
		struct ck_buf w;

		ck_buf_init(&w, sizeof(x.what) - 1);
		if (ck_http_url_redact(&w, x.method, req->url) == CK_OK)
			memcpy(x.what, ck_buf_cstr(&w), ck_buf_len(&w) + 1);
		else
			memcpy(x.what, "request", sizeof("request"));
		ck_buf_dispose(&w);
	}
	if (req->url == NULL || req->url[0] == '\0') {
		rc = ck_err_set(CK_EINVAL, "net: request without a URL");
		goto out;
	}
	if (strpbrk(x.method, " \t\r\n") != NULL || strpbrk(req->url, " \t\r\n") != NULL) {
		rc = ck_err_set(CK_EINVAL, "net: %s: blank or line break in method or URL", x.what);
		goto out;
	}
	if ((rc = build_lines(&x)) < 0)
		goto out;
	if (atomic_load(&c->cancel)) {
		resp->failure = CK_HTTP_FAIL_CANCELLED;
		rc = ck_err_set(CK_ENET, "net: %s: cancelled", x.what);
		goto out;
	}
	if (c->transport != NULL)
		rc = c->transport->send(c->transport->ctx, &x);
	else
		rc = ck_net__curl_send(c->curl, &x);
	if (rc == CK_HTTP_STOP)
		rc = CK_OK;
	if (rc == CK_OK && resp->status == 0) {
		resp->failure = CK_HTTP_FAIL_RESET;
		rc = ck_err_set(CK_ENET, "net: %s: no HTTP status received", x.what);
	}
out:
	if (rc < 0 && atomic_load(&c->cancel))
		atomic_store(&c->cancel, 0);
	ck_free(x.lines);
	return rc;
}

/* ---- retries ------------------------------------------------------------ */

int ck_http_retryable_default(void *arg, int rc, const struct ck_http_response *r)
{
	(void)arg;
	if (rc < 0)
		return r->failure == CK_HTTP_FAIL_CONNECT || r->failure == CK_HTTP_FAIL_TIMEOUT ||
		       r->failure == CK_HTTP_FAIL_RESET;
	return r->status == 429 || (r->status >= 500 && r->status <= 599 && r->status != 501);
}

long ck_http_retry_after_ms(const struct ck_http_response *r)
{
	const char *v = ck_http_response_header(r, "Retry-After");
	char *end;
	long secs;

	if (v == NULL || *v == '\0')
		return -1;
	if (isdigit((unsigned char)*v)) {
		errno = 0;
		secs = strtol(v, &end, 10);
		if (errno != 0 || *end != '\0' || secs < 0 || secs > 86400L * 365)
			return -1;
		return secs * 1000;
	} else {
		struct tm tm;
		const char *e;
		time_t t, now = time(NULL);

		memset(&tm, 0, sizeof(tm));
		/* IMF-fixdate, the only form servers send today */
		e = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		if (e == NULL || *e != '\0')
			return -1;
		t = timegm(&tm);
		if (t == (time_t)-1)
			return -1;
		return t > now ? (long)(t - now) * 1000 : 0;
	}
}

static void do_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int ck_http_send_retry(struct ck_http_client *c, const struct ck_http_request *req,
                       struct ck_http_retry *retry, struct ck_http_response *resp)
{
	long base, cap, ra_max, wait, ra;
	int rc = CK_EINTERNAL;

	if (retry == NULL)
		return ck_http_send(c, req, resp);
	base = retry->base_ms > 0 ? retry->base_ms : 500;
	cap = retry->max_ms > 0 ? retry->max_ms : 30000;
	ra_max = retry->retry_after_max_ms > 0 ? retry->retry_after_max_ms : 60000;
	retry->attempts = 0;
	for (int n = 0;; n++) {
		rc = ck_http_send(c, req, resp);
		retry->attempts++;
		if (n >= retry->max_retries)
			break;
		if (!(retry->retryable ? retry->retryable(retry->arg, rc, resp)
		      : ck_http_retryable_default(NULL, rc, resp)))
			break;
		wait = base;
		for (int i = 0; i < n && wait < cap; i++)
			wait *= 2;
		if (wait > cap)
			wait = cap;
		wait += (long)ck_random_uniform((uint32_t)(wait / 2 + 1));
		if (wait > cap)
			wait = cap;
		ra = rc == CK_OK ? ck_http_retry_after_ms(resp) : -1;
		if (ra > ra_max)
			break;
		if (ra > wait)
			wait = ra;
		if (retry->sleep_ms != NULL)
			retry->sleep_ms(retry->arg, wait);
		else
			do_sleep(wait);
	}
	return rc;
}
