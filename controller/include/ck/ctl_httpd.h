/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 server for the controller's endpoints (health, metrics,
 * certificate, verify, rotate). One thread accepts; each connection gets a
 * thread (at most CK_CTL_HTTPD_MAX_CONN at once; more are answered 503).
 * One request per connection (Connection: close), bodies by Content-Length
 * or chunked, up to CK_CTL_HTTPD_MAX_BODY. Slow clients time out.
 *
 * The handler runs on the connection's thread and fills the response;
 * every request is counted in http_requests_total{path,code,method} and
 * http_request_duration_seconds{path,method} under the metric prefix given.
 */
#ifndef CK_CTL_HTTPD_H
#define CK_CTL_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/ctl_metrics.h"

#define CK_CTL_HTTPD_MAX_CONN 32
#define CK_CTL_HTTPD_MAX_BODY ((size_t)8 << 20)

struct ck_ctl_http_req {
	const char *method;
	const char *path;          /* without the query */
	const char *query;         /* "" when none */
	const char *content_type;  /* "" when absent */
	const char *forwarded_for; /* X-Forwarded-For, "" when absent */
	const char *remote;        /* peer address */
	const uint8_t *body;
	size_t body_len;
};

struct ck_ctl_http_resp {
	int status;                /* 200 unless set */
	const char *content_type;  /* NULL: text/plain; charset=utf-8 */
	struct ck_buf body;        /* initialised empty by the server */
};

typedef void (*ck_ctl_http_fn)(void *arg, const struct ck_ctl_http_req *req,
                               struct ck_ctl_http_resp *resp);

struct ck_ctl_httpd;

/*
 * Listen on addr: ":8080", "0.0.0.0:8080", "127.0.0.1:0" (any free port) or
 * "[::]:8080". metrics may be NULL; prefix is prepended to the two HTTP
 * metric names ("sealed_secrets_controller_"). CK_EINVAL for a bad address,
 * CK_ENET when the socket cannot be bound.
 */
int ck_ctl_httpd_new(struct ck_ctl_httpd **out, const char *addr, ck_ctl_http_fn fn,
                     void *arg, struct ck_ctl_metrics *metrics, const char *prefix) CK_WUR;
/* The bound port. */
int ck_ctl_httpd_port(const struct ck_ctl_httpd *h);
/* Start the accept thread. CK_EINTERNAL if the thread cannot start. */
int ck_ctl_httpd_start(struct ck_ctl_httpd *h) CK_WUR;
/* Stop accepting, wait for running requests, free. NULL-safe. */
void ck_ctl_httpd_free(struct ck_ctl_httpd *h);

#endif
