/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_httpd.h"
#include "ck/log.h"

#define HEADER_MAX (64u << 10)
#define IO_TIMEOUT_S 30

struct ck_ctl_httpd {
	int fd;
	int port;
	int wake[2];            /* self-pipe to stop the accept loop */
	pthread_t thread;
	int started;
	ck_ctl_http_fn fn;
	void *arg;
	struct ck_ctl_metrics *metrics;
	char m_total[128];
	char m_duration[128];
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int active;
	int stopping;
};

struct conn {
	struct ck_ctl_httpd *h;
	int fd;
	char remote[64];
};

static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon;
	struct addrinfo hints, *res = NULL;
	char port[16];

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (end == NULL || end[1] != ':')
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(end - addr - 1), addr + 1);
		colon = end + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			goto bad;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	}
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (!*port)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(*host ? host : NULL, port, &hints, &res) != 0 || res == NULL)
		goto bad;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return CK_OK;
bad:
	return ck_err_set(CK_EINVAL, "controller: '%s' is not a listen address (like :8080)", addr);
}

int ck_ctl_httpd_new(struct ck_ctl_httpd **out, const char *addr, ck_ctl_http_fn fn,
                     void *arg, struct ck_ctl_metrics *metrics, const char *prefix)
{
	struct ck_ctl_httpd *h = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	int rc = CK_EINTERNAL, one = 1;

	*out = NULL;
	if ((rc = parse_addr(addr, &ss, &sl)) < 0)
		goto out;
	h = ck_calloc(1, sizeof(*h));
	if (h == NULL) {
		rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
		goto out;
	}
	h->fd = -1;
	h->wake[0] = h->wake[1] = -1;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->idle, NULL);
	h->fn = fn;
	h->arg = arg;
	h->metrics = metrics;
	prefix = prefix ? prefix : "";
	snprintf(h->m_total, sizeof(h->m_total), "%shttp_requests_total", prefix);
	snprintf(h->m_duration, sizeof(h->m_duration), "%shttp_request_duration_seconds", prefix);
	if (metrics != NULL &&
	    ((rc = ck_ctl_metrics_define(metrics, h->m_total, CK_CTL_COUNTER,
	                                 "Total number of HTTP requests by path, code and method",
	                                 NULL, 0)) < 0 ||
	     (rc = ck_ctl_metrics_define(metrics, h->m_duration, CK_CTL_HISTOGRAM,
	                                 "HTTP request latencies in seconds by path and method",
	                                 NULL, 0)) < 0))
		goto out;
	if (pipe(h->wake) != 0) {
		rc = ck_err_set(CK_EINTERNAL, "controller: pipe: %s", strerror(errno));
		goto out;
	}
	h->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0) {
		rc = ck_err_set(CK_ENET, "controller: socket: %s", strerror(errno));
		goto out;
	}
	setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->fd, (struct sockaddr *)&ss, sl) != 0 || listen(h->fd, 64) != 0) {
		rc = ck_err_set(CK_ENET, "controller: cannot listen on %s: %s", addr,
		                strerror(errno));
		goto out;
	}
	sl = sizeof(ss);
	if (getsockname(h->fd, (struct sockaddr *)&ss, &sl) == 0)
		h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		                                         : ((struct sockaddr_in *)&ss)->sin_port);
	*out = h;
	h = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_ctl_httpd_free(h);
	return rc;
}

int ck_ctl_httpd_port(const struct ck_ctl_httpd *h)
{
	return h->port;
}

static int write_all(int fd, const void *p, size_t n, int more)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL | (more ? MSG_MORE : 0));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

static void respond(int fd, int status, const char *ctype, const void *body, size_t n,
                    int head)
{
	char hdr[512];
	int len;

	len = snprintf(hdr, sizeof(hdr),
	               "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	               "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
	               status, reason(status), ctype ? ctype : "text/plain; charset=utf-8", n);
	/* Header and body leave in one segment when they fit (MSG_MORE, then a push). */
	if (write_all(fd, hdr, (size_t)len, !head && n > 0) == 0 && !head && n > 0)
		(void)write_all(fd, body, n, 0);
}

/* Read until the end of the header block; leftover body bytes stay in *buf. */
static int read_head(int fd, struct ck_buf *buf, size_t *head_len)
{
	for (;;) {
		const char *s = ck_buf_cstr(buf);
		const char *end = strstr(s, "\r\n\r\n");
		uint8_t *p;
		ssize_t r;

		if (end != NULL) {
			*head_len = (size_t)(end - s) + 4;
			return 0;
		}
		if (ck_buf_len(buf) >= HEADER_MAX)
			return 413;
		if (ck_buf_reserve(buf, 4096, &p) < 0)
			return 500;
		r = recv(fd, p, 4096, 0);
		if (r < 0 && errno == EINTR)
			r = 0;
		ck_buf_truncate(buf, ck_buf_len(buf) - 4096 + (size_t)(r > 0 ? r : 0));
		if (r <= 0)
			return -1;
		if (memchr(p, '\0', (size_t)r) != NULL)
			return 400;
	}
}

static int read_more(int fd, struct ck_buf *buf, size_t want)
{
	while (ck_buf_len(buf) < want) {
		uint8_t *p;
		size_t n = want - ck_buf_len(buf);
		ssize_t r;

		if (n > 65536)
			n = 65536;
		if (ck_buf_reserve(buf, n, &p) < 0)
			return 500;
		r = recv(fd, p, n, 0);
		ck_buf_truncate(buf, ck_buf_len(buf) - n + (size_t)(r > 0 ? r : 0));
		if (r <= 0 && !(r < 0 && errno == EINTR))
			return -1;
	}
	return 0;
}

/* Decode a chunked body from raw (starting at its first byte) into out. */
static int read_chunked(int fd, struct ck_buf *raw, struct ck_buf *out)
{
	for (;;) {
		const char *s, *nl;
		unsigned long size;
		char *end;
		int rc;

		while ((nl = memchr(ck_buf_data(raw), '\n', ck_buf_len(raw))) == NULL) {
			if (ck_buf_len(raw) > 1024)
				return 400;
			if ((rc = read_more(fd, raw, ck_buf_len(raw) + 1)) != 0)
				return rc;
		}
		s = (const char *)ck_buf_data(raw);
		size = strtoul(s, &end, 16);
		if (end == s)
			return 400;
		if (ck_buf_consume(raw, (size_t)(nl - s) + 1) < 0)
			return 400;
		if (size == 0)
			return 0; /* trailers are ignored */
		if (size > CK_CTL_HTTPD_MAX_BODY || ck_buf_len(out) + size > CK_CTL_HTTPD_MAX_BODY)
			return 413;
		if ((rc = read_more(fd, raw, size + 2)) != 0)
			return rc;
		if (ck_buf_put(out, ck_buf_data(raw), size) < 0)
			return 500;
		if (ck_buf_consume(raw, size + 2) < 0)
			return 400;
	}
}

static void *conn_main(void *p)
{
	struct conn *c = p;
	struct ck_ctl_httpd *h = c->h;
	struct ck_buf in = CK_BUF_INIT, body = CK_BUF_INIT;
	struct ck_ctl_http_req req;
	struct ck_ctl_http_resp resp;
	char method[16] = "", path[2048] = "", *line, *save = NULL, *q;
	char ctype[256] = "", xff[256] = "", codebuf[8];
	size_t head_len = 0, clen = 0;
	int status, chunked = 0, have_len = 0, head, one = 1;
	int64_t t0 = ck_ctl_now_ms();
	struct timeval tv = { IO_TIMEOUT_S, 0 };

	memset(&resp, 0, sizeof(resp));
	ck_buf_init(&resp.body, 0);
	ck_buf_init(&in, HEADER_MAX + CK_CTL_HTTPD_MAX_BODY + 65536);
	ck_buf_init(&body, CK_CTL_HTTPD_MAX_BODY);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* No Nagle wait for the client's delayed ACK between two writes. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	status = read_head(c->fd, &in, &head_len);
	if (status < 0)
		goto done;
	if (status > 0) {
		respond(c->fd, status, NULL, "bad request\n", 12, 0);
		goto done;
	}
	{
		/* Split the header block (NUL-terminate it in place). */
		char *hb = (char *)ck_buf_mutable(&in);

		hb[head_len - 2] = '\0';
		line = strtok_r(hb, "\r\n", &save);
		if (line == NULL || sscanf(line, "%15s %2047s", method, path) != 2) {
			respond(c->fd, 400, NULL, "bad request\n", 12, 0);
			goto done;
		}
		while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
			char *colon = strchr(line, ':'), *v;

			if (colon == NULL)
				continue;
			*colon = '\0';
			for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
				;
			if (strcasecmp(line, "Content-Length") == 0) {
				char *e;

				clen = strtoul(v, &e, 10);
				have_len = 1;
				if (e == v) {
					respond(c->fd, 400, NULL, "bad request\n", 12, 0);
					goto done;
				}
			} else if (strcasecmp(line, "Transfer-Encoding") == 0) {
				chunked = strcasecmp(v, "chunked") == 0;
			} else if (strcasecmp(line, "Content-Type") == 0) {
				snprintf(ctype, sizeof(ctype), "%s", v);
			} else if (strcasecmp(line, "X-Forwarded-For") == 0) {
				snprintf(xff, sizeof(xff), "%s", v);
			}
		}
	}
	if (ck_buf_consume(&in, head_len) < 0)
		goto done;
	if (chunked) {
		status = read_chunked(c->fd, &in, &body);
	} else if (have_len) {
		if (clen > CK_CTL_HTTPD_MAX_BODY) {
			status = 413;
		} else if ((status = read_more(c->fd, &in, clen)) == 0 &&
		           ck_buf_put(&body, ck_buf_data(&in), clen) < 0) {
			status = 500;
		}
	}
	if (status < 0)
		goto done;
	if (status > 0) {
		respond(c->fd, status, NULL, "bad request\n", 12, 0);
		goto done;
	}
	q = strchr(path, '?');
	if (q != NULL)
		*q++ = '\0';
	head = strcmp(method, "HEAD") == 0;
	req.method = head ? "GET" : method;
	req.path = path;
	req.query = q ? q : "";
	req.content_type = ctype;
	req.forwarded_for = xff;
	req.remote = c->remote;
	req.body = ck_buf_data(&body);
	req.body_len = ck_buf_len(&body);
	resp.status = 200;
	h->fn(h->arg, &req, &resp);
	respond(c->fd, resp.status, resp.content_type, ck_buf_data(&resp.body),
	        ck_buf_len(&resp.body), head);
	/* Unknown paths are not counted: the path label must stay a small set. */
	if (h->metrics != NULL && resp.status != 404) {
		snprintf(codebuf, sizeof(codebuf), "%d", resp.status);
		ck_ctl_metrics_add(h->metrics, h->m_total, 1, "path", path, "code", codebuf,
		                   "method", req.method, NULL);
		ck_ctl_metrics_observe(h->metrics, h->m_duration,
		                       (double)(ck_ctl_now_ms() - t0) / 1000.0, "path", path,
		                       "method", req.method, NULL);
	}
done:
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	ck_buf_dispose(&in);
	ck_buf_dispose(&body);
	ck_buf_dispose(&resp.body);
	pthread_mutex_lock(&h->lock);
	h->active--;
	pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->lock);
	ck_free(c);
	return NULL;
}

static void *accept_main(void *p)
{
	struct ck_ctl_httpd *h = p;

	for (;;) {
		struct pollfd pf[2] = { { h->fd, POLLIN, 0 }, { h->wake[0], POLLIN, 0 } };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct conn *c;
		pthread_attr_t at;
		pthread_t t;
		int fd;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		fd = accept4(h->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&h->lock);
		if (h->active >= CK_CTL_HTTPD_MAX_CONN || h->stopping) {
			pthread_mutex_unlock(&h->lock);
			respond(fd, 503, NULL, "busy\n", 5, 0);
			close(fd);
			continue;
		}
		h->active++;
		pthread_mutex_unlock(&h->lock);
		c = ck_calloc(1, sizeof(*c));
		if (c == NULL)
			goto fail;
		c->h = h;
		c->fd = fd;
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->remote,
			          sizeof(c->remote));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->remote,
			          sizeof(c->remote));
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&at, 256 << 10);
		if (pthread_create(&t, &at, conn_main, c) != 0) {
			pthread_attr_destroy(&at);
			ck_free(c);
			goto fail;
		}
		pthread_attr_destroy(&at);
		continue;
fail:
		close(fd);
		pthread_mutex_lock(&h->lock);
		h->active--;
		pthread_mutex_unlock(&h->lock);
		ck_log_warn("controller: http: cannot serve a connection (out of resources)");
	}
	return NULL;
}

int ck_ctl_httpd_start(struct ck_ctl_httpd *h)
{
	if (pthread_create(&h->thread, NULL, accept_main, h) != 0)
		return ck_err_set(CK_EINTERNAL, "controller: http: cannot start a thread");
	h->started = 1;
	return CK_OK;
}

void ck_ctl_httpd_free(struct ck_ctl_httpd *h)
{
	if (h == NULL)
		return;
	if (h->started) {
		char b = 0;

		if (write(h->wake[1], &b, 1) != 1)
			ck_log_warn("controller: http: cannot wake the accept thread");
		pthread_join(h->thread, NULL);
	}
	pthread_mutex_lock(&h->lock);
	h->stopping = 1;
	while (h->active > 0)
		pthread_cond_wait(&h->idle, &h->lock);
	pthread_mutex_unlock(&h->lock);
	if (h->fd >= 0)
		close(h->fd);
	if (h->wake[0] >= 0)
		close(h->wake[0]);
	if (h->wake[1] >= 0)
		close(h->wake[1]);
	pthread_cond_destroy(&h->idle);
	pthread_mutex_destroy(&h->lock);
	ck_free(h);
}
