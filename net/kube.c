/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/http.h"
#include "ck/kube.h"
#include "ck/kube_watch.h"
#include "ck/log.h"
#include "ck/secret.h"
#include "ck/version.h"
#include "kube_int.h"

#define TOKEN_REREAD_MS 60000
#define EXEC_OUTPUT_MAX (1u << 20)
#define EXEC_TIMEOUT_MS 30000
#define RESPONSE_MAX ((size_t)64 << 20)
#define RETRY_AFTER_MAX_S 60

#define ACCEPT_JSON "Accept: application/json"
#define ACCEPT_META                                                                                \
	"Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"                \
	"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,"                            \
	"application/json"

struct ck_kube {
	struct ck_kube_config *cfg;
	struct ck_kube_opts opts;
	char *user_agent;
	char host[256]; /* on_response's host label */
	pthread_mutex_t lock;
	/* credentials */
	char *token;            /* current bearer token (secret memory) or NULL */
	unsigned token_gen;     /* bumped whenever token changes */
	int64_t token_read_ms;  /* when token_file / exec was last consulted */
	int64_t exec_expiry_us; /* exec credential expiry (0: none) */
	char *exec_cert_pem;    /* exec client certificate, if any */
	char *exec_key_pem;     /* (secret memory) */
	/* client-side rate limiter */
	double tokens;
	int64_t bucket_ms;
};

struct ck_kube_conn {
	struct ck_kube *k;
	struct ck_http_client *http;
	unsigned token_gen;
};

/* ------------------------------------------------------------------ time */

static int64_t now_ms(const struct ck_kube *k)
{
	struct timespec ts;

	if (k->opts.now_ms != NULL)
		return k->opts.now_ms();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_us(const struct ck_kube *k)
{
	struct timespec ts;

	if (k->opts.wall_us != NULL)
		return k->opts.wall_us();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int two(const char *p, int *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return -1;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return 0;
}

/* An ExecCredential's expirationTimestamp (RFC 3339) as microseconds since the epoch. */
static int parse_rfc3339(int64_t *out, const char *s)
{
	struct tm tm;
	int c, y, mo, d, h, mi, sec, zh = 0, zm = 0, sign = 0;
	const char *p = s + 19;
	int64_t frac = 0, scale = 1000000;
	time_t t;

	if (strlen(s) < 20 || two(s, &c) || two(s + 2, &y) || s[4] != '-' || two(s + 5, &mo) ||
	    s[7] != '-' || two(s + 8, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    two(s + 11, &h) || s[13] != ':' || two(s + 14, &mi) || s[16] != ':' ||
	    two(s + 17, &sec))
		return CK_EINVAL;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1)
				frac += (*p - '0') * (scale /= 10);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' && !two(p + 1, &zh) &&
	           !two(p + 4, &zm)) {
		sign = *p == '+' ? 1 : -1;
		p += 6;
	} else {
		return CK_EINVAL;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return CK_EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = c * 100 + y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*out = ((int64_t)t - sign * (zh * 3600 + zm * 60)) * 1000000 + frac;
	return CK_OK;
}

/* ------------------------------------------------------------ credentials */

/* Run the exec credential plugin; fills k->token (and client cert) under k->lock. */
static int run_exec(struct ck_kube *k)
{
	const struct ck_kube_config *c = k->cfg;
	struct ck_buf out = CK_BUF_INIT, info = CK_BUF_INIT;
	struct ck_doc *doc = NULL;
	const struct ck_doc_node *st;
	const char *v,
	    *api = c->exec_api_version ? c->exec_api_version : "client.authentication.k8s.io/v1";
	char **argv = NULL;
	size_t nargs = 0, i;
	int pfd[2] = {-1, -1}, status = 0, rc = CK_EINTERNAL;
	pid_t pid = -1;
	int64_t deadline;

	ck_buf_init_secure(&out, EXEC_OUTPUT_MAX);
	while (c->exec_args && c->exec_args[nargs])
		nargs++;
	argv = ck_calloc(nargs + 2, sizeof(*argv));
	if (argv == NULL || ck_buf_printf(&info,
	                                  "KUBERNETES_EXEC_INFO={\"apiVersion\":\"%s\",\"kind\":"
	                                  "\"ExecCredential\",\"spec\":{\"interactive\":false}}",
	                                  api) < 0) {
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
		goto out;
	}
	argv[0] = c->exec_command;
	for (i = 0; i < nargs; i++)
		argv[i + 1] = c->exec_args[i];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		rc = ck_err_set(CK_EINTERNAL, "kube: exec plugin: pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = ck_err_set(CK_EINTERNAL, "kube: exec plugin: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pfd[1], 1);
		putenv((char *)ck_buf_cstr(&info));
		for (i = 0; c->exec_env && c->exec_env[i]; i++)
			putenv(c->exec_env[i]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	deadline = now_ms(k) + EXEC_TIMEOUT_MS;
	for (;;) {
		struct pollfd pf = {pfd[0], POLLIN, 0};
		int64_t left = deadline - now_ms(k);
		uint8_t *p;
		ssize_t r;

		if (left <= 0) {
			kill(pid, SIGKILL);
			rc = ck_err_set(CK_ENET, "kube: exec plugin %s timed out", c->exec_command);
			goto reap;
		}
		if (poll(&pf, 1, (int)left) < 0 && errno != EINTR)
			break;
		if (!(pf.revents & (POLLIN | POLLHUP)))
			continue;
		if (ck_buf_reserve(&out, 4096, &p) < 0) {
			kill(pid, SIGKILL);
			rc = ck_err_set(CK_ETOOBIG, "kube: exec plugin %s: output too large",
			                c->exec_command);
			goto reap;
		}
		r = read(pfd[0], p, 4096);
		ck_buf_truncate(&out, ck_buf_len(&out) - 4096 + (size_t)(r > 0 ? r : 0));
		if (r == 0 || (r < 0 && errno != EINTR))
			break;
	}
	rc = CK_OK;
reap:
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc < 0)
		goto out;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = ck_err_set(CK_EDENIED, "kube: exec plugin %s failed (exit status %d)",
		                c->exec_command, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	if ((rc = ck_doc_parse_json(&doc, (const char *)ck_buf_data(&out), ck_buf_len(&out),
	                            CK_DOC_SECURE)) < 0) {
		ck_err_set(CK_EINVAL, "kube: exec plugin %s: output is not an ExecCredential",
		           c->exec_command);
		goto out;
	}
	st = doc->ndocs ? ck_doc_map_get(doc->docs[0], "status") : NULL;
	if (st == NULL) {
		rc = ck_err_set(CK_EINVAL, "kube: exec plugin %s: ExecCredential without status",
		                c->exec_command);
		goto out;
	}
	ck_secret_free(k->token);
	k->token = NULL;
	if ((v = ck_doc_map_get_str(st, "token")) != NULL && *v) {
		size_t n = strlen(v);

		if ((k->token = ck_secret_alloc(n + 1)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
			goto out;
		}
		memcpy(k->token, v, n);
	}
	if ((v = ck_doc_map_get_str(st, "clientCertificateData")) != NULL && *v) {
		const char *key = ck_doc_map_get_str(st, "clientKeyData");
		size_t n = key ? strlen(key) : 0;

		ck_free(k->exec_cert_pem);
		ck_secret_free(k->exec_key_pem);
		k->exec_cert_pem = ck_strdup(v);
		k->exec_key_pem = ck_secret_alloc(n + 1);
		if (k->exec_cert_pem == NULL || k->exec_key_pem == NULL) {
			rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
			goto out;
		}
		if (n)
			memcpy(k->exec_key_pem, key, n);
	}
	k->exec_expiry_us = 0;
	if ((v = ck_doc_map_get_str(st, "expirationTimestamp")) != NULL &&
	    parse_rfc3339(&k->exec_expiry_us, v) < 0)
		k->exec_expiry_us = 0;
	k->token_gen++;
	rc = CK_OK;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	ck_doc_free(doc);
	ck_buf_dispose(&out);
	ck_buf_dispose(&info);
	ck_free(argv);
	return rc;
}

/* Bring k->token up to date. force: after a 401. Called with k->lock held. */
static int refresh_token(struct ck_kube *k, int force)
{
	int64_t now = now_ms(k);
	char *t = NULL;
	int rc = CK_OK;

	if (k->cfg->token_file != NULL) {
		if (!force && k->token != NULL && now - k->token_read_ms < TOKEN_REREAD_MS)
			return CK_OK;
		if ((rc = ck_kube__read_token(&t, k->cfg->token_file)) < 0) {
			/* Keep the old token: the kubelet may be rewriting the file. */
			if (k->token != NULL) {
				ck_log_warn(
				    "kube: cannot re-read the token file %s; keeping the old token",
				    k->cfg->token_file);
				rc = CK_OK;
			}
			return rc;
		}
		k->token_read_ms = now;
		if (k->token == NULL || strcmp(k->token, t) != 0) {
			ck_secret_free(k->token);
			k->token = t;
			t = NULL; /* transferred */
			k->token_gen++;
		}
		ck_secret_free(t);
		return CK_OK;
	}
	if (k->cfg->exec_command != NULL) {
		if (!force && k->token_read_ms != 0 &&
		    (k->exec_expiry_us == 0 || wall_us(k) + 10000000 < k->exec_expiry_us))
			return CK_OK;
		k->token_read_ms = now;
		return run_exec(k);
	}
	return CK_OK;
}

/* ------------------------------------------------------------------ client */

int ck_kube_new(struct ck_kube **out, struct ck_kube_config *cfg, const struct ck_kube_opts *opts)
{
	struct ck_kube *k = NULL;
	struct ck_buf b = CK_BUF_INIT;
	const char *h;
	int rc = CK_ENOMEM;

	*out = NULL;
	k = ck_calloc(1, sizeof(*k));
	if (k == NULL)
		goto oom;
	pthread_mutex_init(&k->lock, NULL);
	k->cfg = cfg;
	cfg = NULL; /* transferred */
	if (opts != NULL)
		k->opts = *opts;
	if (k->opts.qps == 0)
		k->opts.qps = 5;
	if (k->opts.burst <= 0)
		k->opts.burst = 10;
	if (k->opts.timeout_ms == 0)
		k->opts.timeout_ms = 30000;
	if (k->opts.max_retries == 0)
		k->opts.max_retries = 10;
	k->tokens = k->opts.burst;
	k->bucket_ms = now_ms(k);
	if (ck_buf_printf(&b, "User-Agent: %s",
	                  k->opts.user_agent ? k->opts.user_agent : "cloak/" CK_VERSION) < 0 ||
	    (k->user_agent = (char *)ck_buf_detach(&b, NULL)) == NULL)
		goto oom;
	h = strstr(k->cfg->server, "://");
	snprintf(k->host, sizeof(k->host), "%s", h ? h + 3 : k->cfg->server);
	if (k->cfg->token != NULL) {
		size_t n = strlen(k->cfg->token);

		if ((k->token = ck_secret_alloc(n + 1)) == NULL)
			goto oom;
		memcpy(k->token, k->cfg->token, n);
		k->token_gen++;
	}
	pthread_mutex_lock(&k->lock);
	rc = refresh_token(k, 1);
	pthread_mutex_unlock(&k->lock);
	if (rc < 0)
		goto out;
	*out = k;
	k = NULL; /* transferred */
	rc = CK_OK;
	goto out;
oom:
	rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
out:
	ck_buf_dispose(&b);
	ck_kube_config_free(cfg);
	ck_kube_free(k);
	return rc;
}

void ck_kube_free(struct ck_kube *k)
{
	if (k == NULL)
		return;
	ck_kube_config_free(k->cfg);
	ck_secret_free(k->token);
	ck_free(k->exec_cert_pem);
	ck_secret_free(k->exec_key_pem);
	ck_free(k->user_agent);
	pthread_mutex_destroy(&k->lock);
	ck_free(k);
}

const char *ck_kube_namespace(const struct ck_kube *k)
{
	return k->cfg->namespace ? k->cfg->namespace : "default";
}

const struct ck_kube_config *ck_kube_config(const struct ck_kube *k)
{
	return k->cfg;
}

int ck_kube_conn_new(struct ck_kube_conn **out, struct ck_kube *k)
{
	const struct ck_kube_config *c = k->cfg;
	struct ck_kube_conn *conn;
	struct ck_http_opts o;
	struct ck_buf basic = CK_BUF_INIT, hdr = CK_BUF_INIT;
	const char *headers[3] = {NULL, NULL, NULL};
	int rc;

	*out = NULL;
	conn = ck_calloc(1, sizeof(*conn));
	if (conn == NULL)
		return ck_err_set(CK_ENOMEM, "kube: out of memory");
	conn->k = k;
	memset(&o, 0, sizeof(o));
	o.tls.ca_file = c->ca_file;
	o.tls.ca_pem = c->ca_pem;
	o.tls.cert_file = c->cert_file;
	o.tls.key_file = c->key_file;
	o.tls.cert_pem = c->cert_pem;
	o.tls.key_pem = c->key_pem;
	o.tls.server_name = c->server_name;
	o.tls.insecure = c->insecure;
	o.timeout_ms = k->opts.timeout_ms;
	o.max_response = RESPONSE_MAX;
	o.user_agent = k->user_agent + strlen("User-Agent: ");
	headers[0] = ACCEPT_JSON;
	if (c->username != NULL && c->token == NULL && c->token_file == NULL) {
		ck_buf_init_secure(&basic, 4096);
		ck_buf_init_secure(&hdr, 8192);
		if (ck_buf_printf(&basic, "%s:%s", c->username, c->password ? c->password : "") <
		        0 ||
		    ck_buf_puts(&hdr, "Authorization: Basic ") < 0 ||
		    ck_b64_encode(&hdr, ck_buf_data(&basic), ck_buf_len(&basic), CK_B64_STD) < 0) {
			rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
			goto out;
		}
		headers[1] = ck_buf_cstr(&hdr);
	}
	o.headers = headers;
	pthread_mutex_lock(&k->lock);
	if (k->exec_cert_pem != NULL) {
		o.tls.cert_pem = k->exec_cert_pem;
		o.tls.key_pem = k->exec_key_pem;
		o.tls.cert_file = o.tls.key_file = NULL;
	}
	rc = ck_http_client_new(&conn->http, &o);
	if (rc == CK_OK && k->token != NULL) {
		rc = ck_http_client_set_bearer(conn->http, k->token);
		conn->token_gen = k->token_gen;
	}
	pthread_mutex_unlock(&k->lock);
	if (rc < 0)
		goto out;
	*out = conn;
	conn = NULL; /* transferred */
out:
	ck_buf_dispose(&basic);
	ck_buf_dispose(&hdr);
	ck_kube_conn_free(conn);
	return rc;
}

void ck_kube_conn_free(struct ck_kube_conn *c)
{
	if (c == NULL)
		return;
	ck_http_client_free(c->http);
	ck_free(c);
}

void ck_kube_conn_cancel(struct ck_kube_conn *c)
{
	if (c != NULL && c->http != NULL)
		ck_http_client_cancel(c->http);
}

void ck_kube_resp_dispose(struct ck_kube_resp *r)
{
	if (r == NULL)
		return;
	ck_doc_free(r->doc);
	r->doc = NULL;
	r->obj = NULL;
	r->status = 0;
	r->reason[0] = '\0';
	r->retry_after_s = -1;
}

/* Wait for a token of the client-side bucket (a reservation, like rate.Limiter.Wait). */
static void pace(struct ck_kube *k)
{
	int64_t now, wait = 0;

	if (k->opts.qps < 0)
		return;
	pthread_mutex_lock(&k->lock);
	now = now_ms(k);
	if (now > k->bucket_ms) {
		k->tokens += (double)(now - k->bucket_ms) * k->opts.qps / 1000.0;
		if (k->tokens > k->opts.burst)
			k->tokens = k->opts.burst;
		k->bucket_ms = now;
	}
	k->tokens -= 1;
	if (k->tokens < 0)
		wait = (int64_t)(-k->tokens * 1000.0 / k->opts.qps);
	pthread_mutex_unlock(&k->lock);
	sleep_ms(wait);
}

/* Make sure the connection sends the current token; force re-reads it (401). */
static int sync_token(struct ck_kube_conn *c, int force)
{
	struct ck_kube *k = c->k;
	int rc;

	pthread_mutex_lock(&k->lock);
	rc = refresh_token(k, force);
	if (rc == CK_OK && c->token_gen != k->token_gen) {
		rc = ck_http_client_set_bearer(c->http, k->token);
		c->token_gen = k->token_gen;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* Fill reason / retry-after / message from a Status body and the headers. */
static int failure(struct ck_kube_resp *resp, const struct ck_http_response *hr, const char *method,
                   const char *path)
{
	const char *reason = NULL, *msg = NULL;
	const struct ck_doc_node *st = resp->obj;
	char codestr[24];
	long ra;

	if (st != NULL && ck_doc_scalar_is(ck_doc_map_get(st, "kind"), "Status")) {
		reason = ck_doc_map_get_str(st, "reason");
		msg = ck_doc_map_get_str(st, "message");
		resp->retry_after_s = (long)ck_kube_int(st, "details.retryAfterSeconds", -1);
	}
	ra = ck_http_retry_after_ms(hr);
	if (ra >= 0)
		resp->retry_after_s = (ra + 999) / 1000;
	snprintf(resp->reason, sizeof(resp->reason), "%s", reason ? reason : "");
	snprintf(codestr, sizeof(codestr), "%ld", resp->status);
	return ck_err_set(ck_http_status_err(resp->status), "kube: %s %s: %s %s%s%.300s", method,
	                  path, codestr, reason ? reason : "", msg ? ": " : "", msg ? msg : "");
}

static int parse_body(struct ck_kube_resp *resp, const struct ck_buf *body, unsigned flags)
{
	const uint8_t *p = ck_buf_data(body);
	size_t n = ck_buf_len(body), i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t'))
		i++;
	if (i == n || (p[i] != '{' && p[i] != '['))
		return CK_OK; /* not JSON (e.g. a plain-text error page) */
	if (ck_doc_parse_json(&resp->doc, (const char *)p, n,
	                      (flags & CK_KUBE_SECRET) ? CK_DOC_SECURE : 0) < 0) {
		resp->doc = NULL;
		return CK_EINVAL;
	}
	resp->obj = resp->doc->ndocs ? resp->doc->docs[0] : NULL;
	return CK_OK;
}

static void count(struct ck_kube *k, const char *method, long status)
{
	if (k->opts.on_response != NULL)
		k->opts.on_response(k->opts.hook_arg, method, status, k->host);
}

struct watch_ctx {
	struct ck_kube_lines lines;
	int (*on_event)(void *arg, const char *type, const struct ck_doc_node *obj);
	void *arg;
	unsigned doc_flags;
	int cb_rc;
};

static int common(struct ck_kube_conn *c, struct ck_kube_resp *resp, const char *method,
                  const char *path, const char *query, const void *body, size_t len,
                  const char *content_type, unsigned flags, struct watch_ctx *w, long timeout_ms,
                  const char *accept, struct ck_buf *raw);

int ck_kube_request(struct ck_kube_conn *c, struct ck_kube_resp *resp, const char *method,
                    const char *path, const char *query, const void *body, size_t len,
                    const char *content_type, unsigned flags)
{
	return common(c, resp, method, path, query, body, len, content_type, flags, NULL, 0, NULL,
	              NULL);
}

int ck_kube_request_raw(struct ck_kube_conn *c, struct ck_kube_resp *resp, struct ck_buf *raw,
                        const char *method, const char *path, const char *accept, const void *body,
                        size_t len, const char *content_type, unsigned flags)
{
	return common(c, resp, method, path, NULL, body, len, content_type, flags, NULL, 0,
	              accept ? accept : "application/json, */*", raw);
}

static int on_data(void *arg, const uint8_t *p, size_t n)
{
	struct watch_ctx *w = arg;
	int rc = ck_kube_lines_feed(&w->lines, p, n);

	if (rc > 0)
		return CK_HTTP_STOP;
	return rc;
}

int ck_kube_event_parse(struct ck_doc **out, const char **type, const struct ck_doc_node **obj,
                        const char *line, size_t n, unsigned doc_flags)
{
	struct ck_doc *doc = NULL;
	const struct ck_doc_node *root, *o;
	const char *t;
	int rc;

	*out = NULL;
	if ((rc = ck_doc_parse_json(&doc, line, n, doc_flags)) < 0) {
		ck_err_context("kube: watch event");
		return rc;
	}
	root = doc->ndocs ? doc->docs[0] : NULL;
	t = ck_doc_map_get_str(root, "type");
	o = ck_doc_map_get(root, "object");
	if (t == NULL || o == NULL || ck_doc_resolve(o)->kind != CK_DOC_MAP) {
		ck_doc_free(doc);
		return ck_err_set(CK_EINVAL, "kube: watch event without a type and an object");
	}
	*type = t;
	*obj = ck_doc_resolve(o);
	*out = doc;
	return CK_OK;
}

static int on_line(void *arg, const char *line, size_t n)
{
	struct watch_ctx *w = arg;
	struct ck_doc *doc = NULL;
	const struct ck_doc_node *obj = NULL;
	const char *type = NULL;
	int rc;

	if ((rc = ck_kube_event_parse(&doc, &type, &obj, line, n, w->doc_flags)) < 0)
		return rc;
	rc = w->on_event(w->arg, type, obj);
	ck_doc_free(doc);
	if (rc != 0)
		w->cb_rc = rc;
	return rc;
}

int ck_kube_watch(struct ck_kube_conn *c, struct ck_kube_resp *resp, const char *path,
                  const char *query, unsigned flags,
                  int (*on_event)(void *arg, const char *type, const struct ck_doc_node *obj),
                  void *arg, long timeout_ms)
{
	struct watch_ctx w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.on_event = on_event;
	w.arg = arg;
	w.doc_flags = (flags & CK_KUBE_SECRET) ? CK_DOC_SECURE : 0;
	ck_kube_lines_init(&w.lines, 0, on_line, &w);
	rc = common(c, resp, "GET", path, query, NULL, 0, NULL, flags | CK_KUBE_NO_RETRY, &w,
	            timeout_ms > 0 ? timeout_ms : -1, NULL, NULL);
	if (rc == CK_OK && w.cb_rc == 0)
		rc = ck_kube_lines_finish(&w.lines);
	if (rc == CK_OK && w.cb_rc != 0)
		rc = w.cb_rc;
	ck_kube_lines_dispose(&w.lines);
	return rc;
}

static int common(struct ck_kube_conn *c, struct ck_kube_resp *resp, const char *method,
                  const char *path, const char *query, const void *body, size_t len,
                  const char *content_type, unsigned flags, struct watch_ctx *w, long timeout_ms,
                  const char *accept, struct ck_buf *raw)
{
	struct ck_kube *k = c->k;
	struct ck_http_response hr = CK_HTTP_RESPONSE_INIT;
	struct ck_http_request req;
	struct ck_buf url = CK_BUF_INIT, ctype = CK_BUF_INIT, acc = CK_BUF_INIT;
	const char *headers[3] = {NULL, NULL, NULL};
	int rc = CK_EINTERNAL, retries = 0, reauth = 0;

	ck_kube_resp_dispose(resp);
	if (ck_buf_printf(&url, "%s%s%s%s", k->cfg->server, path, query && *query ? "?" : "",
	                  query && *query ? query : "") < 0 ||
	    (body != NULL && ck_buf_printf(&ctype, "Content-Type: %s",
	                                   content_type ? content_type : "application/json") < 0) ||
	    (accept != NULL && ck_buf_printf(&acc, "Accept: %s", accept) < 0)) {
		rc = ck_err_set(CK_ENOMEM, "kube: out of memory");
		goto out;
	}
	headers[0] = accept != NULL               ? ck_buf_cstr(&acc)
	             : (flags & CK_KUBE_METADATA) ? ACCEPT_META
	                                          : ACCEPT_JSON;
	if (body != NULL)
		headers[1] = ck_buf_cstr(&ctype);
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = ck_buf_cstr(&url);
	req.headers = headers;
	req.body = body;
	req.body_len = len;
	req.timeout_ms = timeout_ms;
	req.flags = (flags & CK_KUBE_SECRET) ? CK_HTTP_SECURE_BODY : 0;
	if (w != NULL) {
		req.on_data = on_data;
		req.arg = w;
	}
	for (;;) {
		if ((rc = sync_token(c, 0)) < 0)
			goto out;
		pace(k);
		if (w != NULL)
			ck_kube_lines_reset(&w->lines);
		rc = ck_http_send(c->http, &req, &hr);
		count(k, method, rc == CK_OK ? hr.status : 0);
		if (rc < 0) {
			if (w != NULL && w->cb_rc != 0)
				rc = w->cb_rc;
			else
				ck_err_context("kube: %s %s", method, path);
			goto out;
		}
		resp->status = hr.status;
		if (hr.status == 401 && !reauth) {
			/* The token may have rotated under us: read it again, retry once. */
			reauth = 1;
			if ((rc = sync_token(c, 1)) < 0)
				goto out;
			continue;
		}
		if ((hr.status == 429 ||
		     (hr.status >= 500 && ck_http_response_header(&hr, "Retry-After") != NULL)) &&
		    !(flags & CK_KUBE_NO_RETRY) && k->opts.max_retries > 0 &&
		    retries < k->opts.max_retries) {
			long ra = ck_http_retry_after_ms(&hr);

			if (ra < 0)
				ra = 1000;
			if (ra <= RETRY_AFTER_MAX_S * 1000L) {
				retries++;
				ck_log_debug("kube: %s %s: %ld, retrying after %ld ms", method,
				             path, hr.status, ra);
				sleep_ms(ra);
				continue;
			}
		}
		break;
	}
	if (raw != NULL) {
		/* The caller reads the body; a JSON one is still parsed for a Status. */
		if ((rc = ck_buf_putb(raw, &hr.body)) < 0)
			goto out;
		if (parse_body(resp, &hr.body, flags) < 0)
			ck_err_clear();
	} else if (parse_body(resp, &hr.body, flags) < 0 && hr.status >= 200 && hr.status < 300) {
		rc = ck_err_set(CK_EINVAL, "kube: %s %s: the response is not valid JSON", method,
		                path);
		goto out;
	}
	if (hr.status < 200 || hr.status >= 300) {
		rc = failure(resp, &hr, method, path);
		goto out;
	}
	rc = CK_OK;
out:
	ck_http_response_dispose(&hr);
	ck_buf_dispose(&url);
	ck_buf_dispose(&ctype);
	ck_buf_dispose(&acc);
	return rc;
}

int ck_kube_query_escape(struct ck_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = CK_OK;

	for (; *s && rc == CK_OK; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~')
			rc = ck_buf_putc(out, ch);
		else if ((rc = ck_buf_putc(out, '%')) == CK_OK &&
		         (rc = ck_buf_putc(out, hex[ch >> 4])) == CK_OK)
			rc = ck_buf_putc(out, hex[ch & 15]);
	}
	return rc;
}

static int scalar_equal(const struct ck_doc_node *a, const struct ck_doc_node *b)
{
	enum ck_doc_type ta = ck_doc_scalar_type(a), tb = ck_doc_scalar_type(b);

	/* A string "true" and the boolean true differ; two strings compare by text. */
	if ((ta == CK_DOC_T_STR) != (tb == CK_DOC_T_STR))
		return 0;
	return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

int ck_kube_equal(const struct ck_doc_node *a, const struct ck_doc_node *b)
{
	size_t i;

	a = a ? ck_doc_resolve(a) : NULL;
	b = b ? ck_doc_resolve(b) : NULL;
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case CK_DOC_SCALAR:
		return scalar_equal(a, b);
	case CK_DOC_SEQ:
		if (a->nkids != b->nkids)
			return 0;
		for (i = 0; i < a->nkids; i++)
			if (!ck_kube_equal(a->kids[i], b->kids[i]))
				return 0;
		return 1;
	case CK_DOC_MAP:
		if (ck_doc_map_len(a) != ck_doc_map_len(b))
			return 0;
		for (i = 0; i < ck_doc_map_len(a); i++) {
			const struct ck_doc_node *k = ck_doc_map_key(a, i);

			if (!ck_kube_equal(ck_doc_map_value(a, i), ck_doc_map_get(b, k->text)))
				return 0;
		}
		return 1;
	default:
		return 0;
	}
}

const char *ck_kube_str(const struct ck_doc_node *obj, const char *dotted)
{
	const struct ck_doc_node *n = obj ? ck_doc_get_path(obj, dotted) : NULL;

	n = n ? ck_doc_resolve(n) : NULL;
	return n && n->kind == CK_DOC_SCALAR && ck_doc_scalar_type(n) != CK_DOC_T_NULL ? n->text
	                                                                               : NULL;
}

int64_t ck_kube_int(const struct ck_doc_node *obj, const char *dotted, int64_t dflt)
{
	const struct ck_doc_node *n = obj ? ck_doc_get_path(obj, dotted) : NULL;
	int64_t v;

	if (n == NULL || ck_doc_scalar_int(n, &v) < 0)
		return dflt;
	return v;
}
