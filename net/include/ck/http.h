/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP client over libcurl.
 *
 * A client (struct ck_http_client) owns one libcurl handle and its connection
 * cache, so consecutive requests to the same server reuse the connection
 * (keep-alive, TLS session). A client is used by one thread at a time; only
 * ck_http_client_cancel() may be called from another thread. Make one client
 * per thread for parallel work.
 *
 * ck_http_send() returns CK_OK whenever a complete HTTP response arrived,
 * whatever its status: the caller decides what a status means, or asks
 * ck_http_check() / ck_http_status_err() for the usual mapping. Transport
 * failures (DNS, connect, TLS, timeout, reset, oversized body) are negative
 * codes with a one-line message naming method, scheme://host/path (never the
 * query or user info) and the cause. Tokens, bodies and header values never
 * appear in messages.
 *
 * Tests replace libcurl by a transport (struct ck_http_transport): its send
 * function reads the prepared request from a struct ck_http_exchange and
 * reports the response through the same functions the libcurl backend uses,
 * so limits, streaming and header handling behave identically.
 */
#ifndef CK_HTTP_H
#define CK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"

/*
 * Process-wide setup (curl_global_init), once; thread-safe and idempotent.
 * ck_http_client_new() calls it too; programs call it early (CK_NEEDS_NET)
 * and ck_net_cleanup() at exit, after every client is freed (no libcurl
 * client can be made after it).
 */
int ck_net_init(void) CK_WUR;
void ck_net_cleanup(void);

#define CK_HTTP_DEFAULT_TIMEOUT_MS 30000L
#define CK_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define CK_HTTP_DEFAULT_MAX_RESPONSE ((size_t)16 << 20)
#define CK_HTTP_MAX_HEADERS 256            /* response header lines kept */
#define CK_HTTP_MAX_HEADER_BYTES (256u << 10)

/* TLS settings of a client. Everything is copied by ck_http_client_new(). */
struct ck_http_tls {
	const char *ca_file;      /* PEM bundle trusted instead of the system roots */
	const char *ca_pem;       /* in-memory PEM bundle (same meaning); wins over ca_file */
	size_t ca_pem_len;        /* 0: strlen(ca_pem) */
	const char *cert_file;    /* client certificate chain (PEM) */
	const char *key_file;     /* its private key (PEM) */
	const char *cert_pem;     /* in-memory client certificate (wins over cert_file) */
	size_t cert_pem_len;
	const char *key_pem;      /* in-memory private key, copied into secret memory */
	size_t key_pem_len;
	const char *server_name;  /* verify the server certificate against this name
	                             (and send it as SNI / Host) instead of the URL's host */
	int insecure;             /* 1: do not verify the server (kubeconfig
	                             insecure-skip-tls-verify); never a default */
};

struct ck_http_exchange;

/*
 * The transport seam. send() performs one exchange: it reads the request
 * with ck_http_exchange_request() and ck_http_exchange_headers() and reports
 * the response with ck_http_exchange_status(), _header() and _body(). It
 * returns CK_OK when a complete response was delivered, else a negative code
 * with the message set (a code returned by _body() must be passed through).
 */
struct ck_http_transport {
	int (*send)(void *ctx, struct ck_http_exchange *x);
	void *ctx;
};

struct ck_http_opts {
	struct ck_http_tls tls;
	long timeout_ms;          /* per request; 0: CK_HTTP_DEFAULT_TIMEOUT_MS; < 0: none */
	long connect_timeout_ms;  /* 0: CK_HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
	size_t max_response;      /* buffered body limit; 0: CK_HTTP_DEFAULT_MAX_RESPONSE */
	const char *bearer_token; /* "Authorization: Bearer <t>" on every request (secret memory) */
	const char *const *headers; /* "Name: value" sent on every request; NULL-terminated */
	const char *user_agent;   /* NULL: "cloak/<version>" */
	int max_redirects;        /* 0: redirects are returned as responses; N: follow up to N */
	const struct ck_http_transport *transport; /* NULL: libcurl; borrowed, must outlive the client */
};

/* Request flags. */
#define CK_HTTP_SECURE_BODY 1u /* buffered response body goes to secret memory */
#define CK_HTTP_NO_AUTH 2u     /* omit the client's bearer token on this request */

/* Returned by an on_data callback to end a stream early without an error. */
#define CK_HTTP_STOP 1

struct ck_http_request {
	const char *method;       /* NULL: "GET"; any token ("LIST" for Vault) */
	const char *url;          /* http:// or https:// */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL.
	                              A request header replaces a client header of the same name. */
	const void *body;         /* sent when non-NULL (may be 0 bytes); borrowed */
	size_t body_len;
	long timeout_ms;          /* 0: the client's; < 0: none (watch streams) */
	size_t max_response;      /* 0: the client's */
	unsigned flags;           /* CK_HTTP_* */
	/*
	 * Streaming: when on_data is set, the body of a 2xx response is handed
	 * to it chunk by chunk as it arrives (no size limit; nothing buffered).
	 * Bodies of other statuses are buffered in the response as usual, so an
	 * error document can still be read. Return CK_OK to go on, CK_HTTP_STOP
	 * to end the request (ck_http_send returns CK_OK, response.stopped = 1),
	 * or a negative code (with message set) to abort with that code.
	 */
	int (*on_data)(void *arg, const uint8_t *p, size_t n);
	void *arg;
};

/* Why a send failed below HTTP (for retry decisions and messages). */
enum ck_http_failure {
	CK_HTTP_FAIL_NONE = 0,
	CK_HTTP_FAIL_CONNECT,     /* DNS, refused, unreachable */
	CK_HTTP_FAIL_TLS,         /* handshake or verification */
	CK_HTTP_FAIL_TIMEOUT,
	CK_HTTP_FAIL_RESET,       /* connection dropped, empty or truncated reply */
	CK_HTTP_FAIL_CANCELLED,
	CK_HTTP_FAIL_OTHER,       /* limits, callbacks, local errors */
};

struct ck_http_header {
	char *name;               /* as received */
	char *value;              /* leading/trailing blanks removed */
};

struct ck_http_response {
	long status;              /* final status; 0 until a status line arrived */
	struct ck_http_header *headers; /* of the final response, in order */
	size_t nheaders;
	size_t capheaders;
	struct ck_buf body;       /* buffered body (empty for a streamed 2xx) */
	int stopped;              /* an on_data callback returned CK_HTTP_STOP */
	enum ck_http_failure failure; /* set when ck_http_send failed */
};

#define CK_HTTP_RESPONSE_INIT { 0, NULL, 0, 0, CK_BUF_INIT, 0, CK_HTTP_FAIL_NONE }

/* Wipe and free headers and body; the response is reusable. NULL-safe. */
void ck_http_response_dispose(struct ck_http_response *r);

/* First header with this name (case-insensitive), or NULL. */
const char *ck_http_response_header(const struct ck_http_response *r, const char *name);

struct ck_http_client;

/*
 * New client. Copies everything in opts. CK_ENOMEM; CK_EINVAL for an
 * unusable option (e.g. unreadable in-memory PEM length); CK_ENET when
 * libcurl cannot be initialised.
 */
int ck_http_client_new(struct ck_http_client **out, const struct ck_http_opts *opts) CK_WUR;
/* Close connections, wipe copied secrets, free. NULL-safe. */
void ck_http_client_free(struct ck_http_client *c);

/* Replace the bearer token (NULL: none); copied into secret memory. CK_ENOMEM. */
int ck_http_client_set_bearer(struct ck_http_client *c, const char *token) CK_WUR;

/*
 * Abort the request in flight on c (or the next one, if none is running):
 * ck_http_send() returns CK_ENET "cancelled" promptly. The only function
 * that may be called from another thread; async-signal-unsafe.
 */
void ck_http_client_cancel(struct ck_http_client *c);

/*
 * Send one request and wait for the whole response (or the end of the
 * stream). resp (CK_HTTP_RESPONSE_INIT, or used before) is emptied first
 * (its body storage is kept for reuse when it is of the kind the request
 * asks for), then filled. Returns CK_OK when a response
 * arrived (any status), else:
 *   CK_ENET      connect/DNS/TLS failure, reset, timeout, cancelled, too many redirects
 *   CK_ETOOBIG   buffered body over the limit (the body is discarded)
 *   CK_EINVAL    malformed URL or unusable TLS material (bad CA / client key)
 *   CK_ENOMEM
 *   or the negative code of an on_data callback.
 * On failure resp holds what arrived (status may be set) but must not be
 * taken as a result.
 */
int ck_http_send(struct ck_http_client *c, const struct ck_http_request *req,
                 struct ck_http_response *resp) CK_WUR;

/*
 * Retries with exponential backoff and jitter: wait base_ms * 2^n (+ up to
 * 50 % jitter, capped at max_ms) before retry n+1, or what the response's
 * Retry-After asks (seconds or an HTTP date) if longer. A Retry-After over
 * retry_after_max_ms is not waited for: the response is returned as is.
 * retryable() decides per attempt; it sees rc (from ck_http_send) and the
 * response; NULL means ck_http_retryable_default.
 */
struct ck_http_retry {
	int max_retries;          /* retries after the first attempt */
	long base_ms;             /* 0: 500 */
	long max_ms;              /* 0: 30000 */
	long retry_after_max_ms;  /* 0: 60000 */
	int (*retryable)(void *arg, int rc, const struct ck_http_response *r);
	void *arg;
	void (*sleep_ms)(void *arg, long ms); /* test seam; NULL: really sleep */
	int attempts;             /* out: how many sends were made */
};

/*
 * Connection-level failures (connect, timeout, reset; not TLS, cancel or
 * limits) and 429, 5xx except 501.
 */
int ck_http_retryable_default(void *arg, int rc, const struct ck_http_response *r);

/*
 * ck_http_send() with retries per `retry` (NULL: no retries). Returns like
 * ck_http_send(): the last attempt's code and response.
 */
int ck_http_send_retry(struct ck_http_client *c, const struct ck_http_request *req,
                       struct ck_http_retry *retry, struct ck_http_response *resp) CK_WUR;

/*
 * Retry-After value in milliseconds (delta-seconds or HTTP date relative to
 * now); -1 when absent or unparsable.
 */
long ck_http_retry_after_ms(const struct ck_http_response *r);

/*
 * The usual meaning of an HTTP status, in one place:
 *   2xx CK_OK; 400, 405, 409, 412, 415, 422 CK_EINVAL; 401, 403 CK_EDENIED;
 *   404, 410 CK_ENOTFOUND; 413 CK_ETOOBIG; 501 CK_EUNSUPPORTED;
 *   408, 429, other 5xx CK_ENET; anything else (1xx, 3xx, other 4xx) CK_ENET.
 */
int ck_http_status_err(long status);

/*
 * CK_OK for a 2xx response; otherwise sets "net: <what>: HTTP <status>
 * <reason>" and returns ck_http_status_err(status).
 */
int ck_http_check(const struct ck_http_response *r, const char *what) CK_WUR;

/*
 * Append "METHOD scheme://host[:port]/path" of a URL to out, without user
 * info, query or fragment: the safe way to name a request in a message.
 */
int ck_http_url_redact(struct ck_buf *out, const char *method, const char *url) CK_WUR;

/* Exchange accessors for transports (see struct ck_http_transport). */
const struct ck_http_request *ck_http_exchange_request(const struct ck_http_exchange *x);
/* Method actually sent ("GET" when the request left it NULL). */
const char *ck_http_exchange_method(const struct ck_http_exchange *x);
/* Final header lines: client headers, bearer, request headers; NULL-terminated. */
const char *const *ck_http_exchange_headers(const struct ck_http_exchange *x);
/* Effective timeout of this request in ms (0: none). */
long ck_http_exchange_timeout_ms(const struct ck_http_exchange *x);
/* 1 once ck_http_client_cancel() was called for this exchange. */
int ck_http_exchange_cancelled(const struct ck_http_exchange *x);
/* Classify the failure a transport is about to return. */
void ck_http_exchange_fail(struct ck_http_exchange *x, enum ck_http_failure f);
/* A status line arrived: forget headers/body of any earlier (interim) response. */
void ck_http_exchange_status(struct ck_http_exchange *x, long status);
/* One response header. CK_ETOOBIG past the header limits, CK_ENOMEM. */
int ck_http_exchange_header(struct ck_http_exchange *x, const char *name, size_t nlen,
                            const char *value, size_t vlen) CK_WUR;
/*
 * Body bytes: buffered (CK_ETOOBIG past the limit) or handed to on_data
 * (its CK_HTTP_STOP or negative code is returned: stop sending then).
 */
int ck_http_exchange_body(struct ck_http_exchange *x, const void *p, size_t n) CK_WUR;

#endif
