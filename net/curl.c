/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libcurl backend. One easy handle inside one multi handle per client:
 * the multi handle owns the connection cache, so connections and TLS
 * sessions are reused across requests, and curl_multi_poll() +
 * curl_multi_wakeup() let another thread cancel a transfer at once (a watch
 * stream can sit idle for minutes). CURLcode becomes a ck_err code here and
 * nowhere else.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "curl_dl.h"

#include "ck/alloc.h"
#include "ck/http.h"
#include "http_int.h"

struct ck_net__curl {
	CURLM *multi;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_result = CURLE_FAILED_INIT;
static char load_error[256];

static void global_init(void)
{
	if (ck__curl_load(load_error, sizeof(load_error)) != 0)
		return;
	init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int ck_net_init(void)
{
	pthread_once(&init_once, global_init);
	if (load_error[0] != '\0')
		return ck_err_set(CK_ENET, "net: %s", load_error);
	if (init_result != CURLE_OK)
		return ck_err_set(CK_ENET, "net: libcurl initialisation failed: %s",
		                  curl_easy_strerror(init_result));
	return CK_OK;
}

void ck_net_cleanup(void)
{
	if (init_result == CURLE_OK)
		curl_global_cleanup();
	init_result = CURLE_FAILED_INIT;
}

int ck_net__curl_new(struct ck_net__curl **out)
{
	struct ck_net__curl *k = NULL;
	int rc = CK_EINTERNAL;

	*out = NULL;
	if ((k = ck_calloc(1, sizeof(*k))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	if ((k->multi = curl_multi_init()) == NULL || (k->easy = curl_easy_init()) == NULL) {
		rc = ck_err_set(CK_ENET, "net: cannot create a libcurl handle");
		goto out;
	}
	*out = k;
	k = NULL; /* transferred */
	rc = CK_OK;
out:
	ck_net__curl_free(k);
	return rc;
}

void ck_net__curl_free(struct ck_net__curl *k)
{
	if (k == NULL)
		return;
	if (k->easy != NULL)
		curl_easy_cleanup(k->easy);
	if (k->multi != NULL)
		curl_multi_cleanup(k->multi);
	ck_free(k);
}

void ck_net__curl_wakeup(struct ck_net__curl *k)
{
	(void)curl_multi_wakeup(k->multi);
}

/* ---- callbacks ---------------------------------------------------------- */

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct ck_http_exchange *x = ud;
	size_t n = size * nmemb;
	const char *colon;
	int rc;

	if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		/* status line: "HTTP/1.1 200 OK" or "HTTP/2 200" */
		const char *sp = memchr(p, ' ', n);
		long st = 0;

		for (sp = sp ? sp + 1 : p + n; sp < p + n && *sp >= '0' && *sp <= '9'; sp++)
			st = st * 10 + (*sp - '0');
		ck_http_exchange_status(x, st);
		return n;
	}
	if (n <= 2 || p[0] == ' ' || p[0] == '\t')
		return n; /* end of a header block; obsolete folded lines are dropped */
	colon = memchr(p, ':', n);
	if (colon == NULL)
		return n;
	rc = ck_http_exchange_header(x, p, (size_t)(colon - p), colon + 1,
	                             n - (size_t)(colon + 1 - p));
	if (rc < 0) {
		x->sink_rc = rc;
		ck_http_exchange_fail(x, CK_HTTP_FAIL_OTHER);
		return 0;
	}
	return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct ck_http_exchange *x = ud;
	size_t n = size * nmemb;
	int rc;

	if (ck_http_exchange_cancelled(x))
		return 0;
	rc = ck_http_exchange_body(x, p, n);
	if (rc != CK_OK) {
		x->sink_rc = rc;
		return n == 0 ? 1 : 0; /* any other count aborts the transfer */
	}
	return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct ck_http_exchange *x = ud;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return ck_http_exchange_cancelled(x) ? 1 : 0;
}

/* ---- request setup ------------------------------------------------------ */

#define SET(opt, val)                                                                  \
	do {                                                                           \
		if ((cc = curl_easy_setopt(e, opt, val)) != CURLE_OK)                  \
			goto setopt_failed;                                            \
	} while (0)

/*
 * TLS server name override: connect to the URL's host but talk TLS (SNI,
 * verification, Host) as server_name, by rewriting the URL's host and
 * telling curl where that name really lives (CURLOPT_CONNECT_TO).
 */
static int server_name_url(struct ck_http_exchange *x, const char *name, char **url,
                           struct curl_slist **connect_to)
{
	CURLU *u = NULL;
	char *host = NULL, *port = NULL, *nu = NULL, line[600];
	struct curl_slist *l = NULL;
	int rc = CK_EINTERNAL;

	if ((u = curl_url()) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, x->req->url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
		rc = ck_err_set(CK_EINVAL, "net: %s: malformed URL", x->what);
		goto out;
	}
	if (curl_url_set(u, CURLUPART_HOST, x->c->server_name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &nu, 0) != CURLUE_OK) {
		rc = ck_err_set(CK_EINVAL, "net: %s: cannot apply TLS server name", x->what);
		goto out;
	}
	if ((size_t)snprintf(line, sizeof(line), "%s:%s:%s:%s", name, port, host, port) >=
	    sizeof(line)) {
		rc = ck_err_set(CK_EINVAL, "net: %s: host name too long", x->what);
		goto out;
	}
	if ((l = curl_slist_append(NULL, line)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	*url = nu;
	*connect_to = l;
	nu = NULL;
	l = NULL; /* transferred */
	rc = CK_OK;
out:
	curl_free(host);
	curl_free(port);
	curl_free(nu);
	curl_slist_free_all(l);
	curl_url_cleanup(u);
	return rc;
}

/* Classify a CURLcode and set the message. */
static int map_curl(struct ck_http_exchange *x, CURLcode cc, const char *detail)
{
	const char *d = detail != NULL && detail[0] ? detail : curl_easy_strerror(cc);
	long t = ck_http_exchange_timeout_ms(x);

	switch (cc) {
	case CURLE_OUT_OF_MEMORY:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_OTHER);
		return ck_err_set(CK_ENOMEM, "net: %s: out of memory", x->what);
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_OTHER);
		return ck_err_set(CK_EINVAL, "net: %s: %s", x->what, d);
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_CONNECT);
		return ck_err_set(CK_ENET, "net: %s: cannot connect: %s", x->what, d);
	case CURLE_OPERATION_TIMEDOUT:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_TIMEOUT);
		return ck_err_set(CK_ENET, "net: %s: timed out (limit %ld ms)", x->what, t);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_SHUTDOWN_FAILED:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_TLS);
		return ck_err_set(CK_ENET, "net: %s: TLS: %s", x->what, d);
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_TLS);
		return ck_err_set(CK_EINVAL, "net: %s: TLS material unusable: %s", x->what, d);
	case CURLE_FILESIZE_EXCEEDED:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_OTHER);
		return ck_err_set(CK_ETOOBIG, "net: %s: response body over the %zu-byte limit",
		                  x->what, x->max_response);
	case CURLE_ABORTED_BY_CALLBACK:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_CANCELLED);
		return ck_err_set(CK_ENET, "net: %s: cancelled", x->what);
	case CURLE_TOO_MANY_REDIRECTS:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_OTHER);
		return ck_err_set(CK_ENET, "net: %s: too many redirects", x->what);
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_RESET);
		return ck_err_set(CK_ENET, "net: %s: connection failed: %s", x->what, d);
	default:
		ck_http_exchange_fail(x, CK_HTTP_FAIL_OTHER);
		return ck_err_set(CK_ENET, "net: %s: %s", x->what, d);
	}
}

static int is_method(const char *m, const char *want)
{
	return strcmp(m, want) == 0;
}

int ck_net__curl_send(struct ck_net__curl *k, struct ck_http_exchange *x)
{
	static const char *const expect_off = "Expect:";
	const struct ck_http_request *req = x->req;
	struct ck_http_client *c = x->c;
	struct curl_slist *nodes = NULL, *connect_to = NULL;
	struct curl_blob ca, cert, key;
	CURL *e = k->easy;
	CURLMsg *msg;
	CURLMcode mc;
	CURLcode cc = CURLE_OK, result = CURLE_OK;
	char *url = NULL;
	int rc = CK_EINTERNAL, added = 0, running = 1, left, done = 0;

	/* Header list over our own strings: curl only reads it, and tokens stay
	   in our (secret) memory instead of being copied by curl_slist_append. */
	if ((nodes = ck_calloc(x->nlines + 1, sizeof(*nodes))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "net: out of memory");
		goto out;
	}
	for (size_t i = 0; i < x->nlines; i++) {
		nodes[i].data = (char *)x->lines[i];
		nodes[i].next = &nodes[i + 1];
	}
	nodes[x->nlines].data = (char *)expect_off; /* no 100-continue round trip */
	nodes[x->nlines].next = NULL;

	if (c->server_name != NULL && (rc = server_name_url(x, c->server_name, &url,
	                                                     &connect_to)) < 0)
		goto out;

	k->errbuf[0] = '\0';
	curl_easy_reset(e); /* keeps live connections, TLS session and DNS caches */
	SET(CURLOPT_URL, url != NULL ? url : req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_ERRORBUFFER, k->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_HTTPHEADER, nodes);
	SET(CURLOPT_USERAGENT, c->user_agent);
	SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, x->timeout_ms);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, x);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	if (req->on_data == NULL)
		SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_response);
	if (c->max_redirects > 0) {
		SET(CURLOPT_FOLLOWLOCATION, 1L);
		SET(CURLOPT_MAXREDIRS, (long)c->max_redirects);
	}
	if (connect_to != NULL)
		SET(CURLOPT_CONNECT_TO, connect_to);

	if (req->body != NULL) {
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SET(CURLOPT_POSTFIELDS, req->body_len ? req->body : "");
		if (!is_method(x->method, "POST"))
			SET(CURLOPT_CUSTOMREQUEST, x->method);
	} else if (is_method(x->method, "GET")) {
		SET(CURLOPT_HTTPGET, 1L);
	} else if (is_method(x->method, "HEAD")) {
		SET(CURLOPT_NOBODY, 1L);
	} else {
		SET(CURLOPT_CUSTOMREQUEST, x->method);
	}

	if (c->ca_pem != NULL) {
		ca.data = c->ca_pem;
		ca.len = c->ca_pem_len;
		ca.flags = CURL_BLOB_NOCOPY;
		SET(CURLOPT_CAINFO_BLOB, &ca);
		SET(CURLOPT_CAPATH, NULL); /* only the given roots */
	} else if (c->ca_file != NULL) {
		SET(CURLOPT_CAINFO, c->ca_file);
		SET(CURLOPT_CAPATH, NULL);
	}
	if (c->cert_pem != NULL) {
		cert.data = c->cert_pem;
		cert.len = c->cert_pem_len;
		cert.flags = CURL_BLOB_NOCOPY;
		SET(CURLOPT_SSLCERT_BLOB, &cert);
		SET(CURLOPT_SSLCERTTYPE, "PEM");
	} else if (c->cert_file != NULL) {
		SET(CURLOPT_SSLCERT, c->cert_file);
	}
	if (c->key_pem != NULL) {
		key.data = c->key_pem;
		key.len = c->key_pem_len;
		key.flags = CURL_BLOB_NOCOPY; /* stays in our secret memory */
		SET(CURLOPT_SSLKEY_BLOB, &key);
		SET(CURLOPT_SSLKEYTYPE, "PEM");
	} else if (c->key_file != NULL) {
		SET(CURLOPT_SSLKEY, c->key_file);
	}
	if (c->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}

	if ((mc = curl_multi_add_handle(k->multi, e)) != CURLM_OK) {
		rc = ck_err_set(CK_ENET, "net: %s: %s", x->what, curl_multi_strerror(mc));
		goto out;
	}
	added = 1;
	while (running) {
		if ((mc = curl_multi_perform(k->multi, &running)) != CURLM_OK) {
			rc = ck_err_set(CK_ENET, "net: %s: %s", x->what, curl_multi_strerror(mc));
			goto out;
		}
		while ((msg = curl_multi_info_read(k->multi, &left)) != NULL) {
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
				result = msg->data.result;
				done = 1;
			}
		}
		if (done || !running)
			break;
		if (ck_http_exchange_cancelled(x)) {
			result = CURLE_ABORTED_BY_CALLBACK;
			done = 1;
			break;
		}
		if ((mc = curl_multi_poll(k->multi, NULL, 0, 1000, NULL)) != CURLM_OK) {
			rc = ck_err_set(CK_ENET, "net: %s: %s", x->what, curl_multi_strerror(mc));
			goto out;
		}
	}
	if (!done) {
		rc = ck_err_set(CK_ENET, "net: %s: transfer ended without a result", x->what);
		goto out;
	}
	if (result != CURLE_OK && ck_http_exchange_cancelled(x))
		result = CURLE_ABORTED_BY_CALLBACK;
	if (x->sink_rc != 0 && result != CURLE_ABORTED_BY_CALLBACK) {
		rc = x->sink_rc; /* the sink's own code and message (or CK_HTTP_STOP) */
		goto out;
	}
	if (result != CURLE_OK) {
		rc = map_curl(x, result, k->errbuf);
		goto out;
	}
	rc = CK_OK;
	goto out;
setopt_failed:
	rc = map_curl(x, cc, NULL);
out:
	if (added)
		(void)curl_multi_remove_handle(k->multi, e);
	/* drop curl's pointers into this exchange and the blobs */
	curl_easy_reset(e);
	curl_free(url);
	curl_slist_free_all(connect_to);
	ck_free(nodes);
	return rc;
}
