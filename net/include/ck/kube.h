/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes API client of cloak-controller and of `cloak seal` (kubeseal's
 * --fetch-cert / --validate / --re-encrypt through the API server's service
 * proxy), on ck_http (libcurl) and the document tree (JSON).
 *
 * Configuration (struct ck_kube_config) comes from the pod's service
 * account (in-cluster) or from kubeconfig files. A client (struct
 * ck_kube) is shared by all threads: it owns the configuration, the
 * bearer token state and the client-side rate limiter. Each thread makes its
 * own connection (struct ck_kube_conn: one libcurl handle, reused
 * keep-alive) and sends requests through it.
 *
 * Tokens: a token file (in-cluster) is read again when older than one minute
 * and after any 401, which is then retried once (client-go's
 * CachedFileTokenSource). An exec plugin is run again when its credential
 * expires or after a 401. Tokens live in secret memory and never appear in
 * messages.
 *
 * Throttling: a token bucket (QPS, burst) paces requests; 429 responses and
 * 5xx responses carrying Retry-After are retried after the time asked, up to
 * 10 times (client-go rest defaults). Watches are not retried here.
 *
 * Errors: ck_kube_request() returns CK_OK for a 2xx response. Otherwise
 * the message is "kube: METHOD PATH: CODE Reason: <Status.message>" and the
 * code follows ck_http_status_err(); resp->status and resp->reason tell the
 * cases apart (409 Conflict vs AlreadyExists, 404, 410 Expired...).
 */
#ifndef CK_KUBE_H
#define CK_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include "ck/doc.h"
#include "ck/err.h"

struct ck_kube_config {
	char *server;    /* https://host:port (no trailing slash) */
	char *ca_file;   /* PEM bundle path */
	char *ca_pem;    /* PEM bundle bytes (certificate-authority-data) */
	char *cert_file; /* client certificate */
	char *key_file;
	char *cert_pem;    /* client-certificate-data */
	char *key_pem;     /* client-key-data (secret memory) */
	char *server_name; /* tls-server-name */
	int insecure;      /* insecure-skip-tls-verify */
	char *token;       /* static bearer token (secret memory) */
	char *token_file;  /* re-read every minute and after a 401 */
	char *username;    /* basic auth (legacy kubeconfigs) */
	char *password;    /* (secret memory) */
	char *namespace;   /* default namespace ("default" if none) */
	/* users[].user.exec */
	char *exec_command;
	char **exec_args; /* NULL-terminated */
	char **exec_env;  /* "NAME=VALUE", NULL-terminated */
	char *exec_api_version;
	char *source; /* "in-cluster" or the kubeconfig file, for logs */
};

/* Free (wiping secrets). NULL-safe. */
void ck_kube_config_free(struct ck_kube_config *c);

/*
 * In-cluster configuration: KUBERNETES_SERVICE_HOST / _PORT and the service
 * account directory (/var/run/secrets/kubernetes.io/serviceaccount, or
 * $CLOAK_SERVICEACCOUNT_DIR for tests): token (file, re-read), ca.crt,
 * namespace. CK_ENOTFOUND when not running in a cluster; CK_EIO when the
 * token cannot be read.
 */
int ck_kube_config_in_cluster(struct ck_kube_config **out) CK_WUR;

/*
 * Kubeconfig: paths is a ':'-separated list (the KUBECONFIG syntax; NULL
 * means $KUBECONFIG, else ~/.kube/config). Files are merged, the first value
 * winning; context NULL means current-context. Relative file references are
 * resolved against the file that names them. CK_ENOTFOUND (no file, no such
 * context/cluster/user), CK_EINVAL (malformed, with the file name).
 */
int ck_kube_config_from_kubeconfig(struct ck_kube_config **out, const char *paths,
                                   const char *context) CK_WUR;

/*
 * controller-runtime's order: an explicit kubeconfig path, else $KUBECONFIG,
 * else in-cluster, else ~/.kube/config.
 */
int ck_kube_config_load(struct ck_kube_config **out, const char *kubeconfig,
                        const char *context) CK_WUR;

struct ck_kube_opts {
	double qps;             /* client-side rate; 0: 5; < 0: unlimited */
	int burst;              /* 0: 10 */
	long timeout_ms;        /* per request (not watches); 0: 30000 */
	int max_retries;        /* 429 / Retry-After retries; 0: 10; < 0: none */
	const char *user_agent; /* NULL: "cloak/<version>" */
	/*
	 * Hooks, all optional. now_ms / wall_us replace the monotonic and wall
	 * clocks (the controller's test clock); on_response is called after
	 * every response (status 0: none arrived) with the server's host:port,
	 * from any thread (the controller's rest_client_requests_total).
	 */
	int64_t (*now_ms)(void);
	int64_t (*wall_us)(void);
	void (*on_response)(void *arg, const char *method, long status, const char *host);
	void *hook_arg;
};

struct ck_kube;
struct ck_kube_conn;

/* New client. Takes ownership of cfg (freed even on failure). opts may be NULL. */
int ck_kube_new(struct ck_kube **out, struct ck_kube_config *cfg,
                const struct ck_kube_opts *opts) CK_WUR;
/* Free after every connection was freed. NULL-safe. */
void ck_kube_free(struct ck_kube *k);
/* The configured default namespace. */
const char *ck_kube_namespace(const struct ck_kube *k);
const struct ck_kube_config *ck_kube_config(const struct ck_kube *k);

/* A connection for the calling thread. */
int ck_kube_conn_new(struct ck_kube_conn **out, struct ck_kube *k) CK_WUR;
void ck_kube_conn_free(struct ck_kube_conn *c);
/* Abort the request in flight on c (from another thread; for shutdown). */
void ck_kube_conn_cancel(struct ck_kube_conn *c);

struct ck_kube_resp {
	long status;                   /* HTTP status; 0 when no response arrived */
	char reason[64];               /* Status.reason of a failure ("Conflict", "NotFound"...) */
	struct ck_doc *doc;            /* parsed body: the object, list or Status; may be NULL */
	const struct ck_doc_node *obj; /* doc's root (NULL if none) */
	long retry_after_s; /* Status.details.retryAfterSeconds or Retry-After, else -1 */
};

#define CK_KUBE_RESP_INIT                                                                          \
	{                                                                                          \
		0, "", NULL, NULL, -1                                                              \
	}
void ck_kube_resp_dispose(struct ck_kube_resp *r);

/* Request flags. */
#define CK_KUBE_SECRET 1u   /* the response carries secret values: secure memory */
#define CK_KUBE_NO_RETRY 2u /* no 429 / Retry-After retries */
#define CK_KUBE_METADATA 4u /* Accept PartialObjectMetadata(List) (metadata only) */

/*
 * One request. path starts with '/'; query is "a=b&c=d" without '?' (NULL:
 * none); body is JSON bytes (NULL: none) sent with content_type (NULL:
 * application/json). The response body, if any, is parsed into resp->doc.
 */
int ck_kube_request(struct ck_kube_conn *c, struct ck_kube_resp *resp, const char *method,
                    const char *path, const char *query, const void *body, size_t len,
                    const char *content_type, unsigned flags) CK_WUR;

/*
 * A request whose body is not necessarily JSON (a service proxy answers what
 * the service answers): the body of any response, 2xx or not, is appended
 * to raw (make it secure for secret bodies); a JSON body is also parsed into
 * resp->doc when it can be. accept is the Accept header's value (NULL: JSON
 * preferred, anything accepted). Errors as ck_kube_request().
 */
int ck_kube_request_raw(struct ck_kube_conn *c, struct ck_kube_resp *resp, struct ck_buf *raw,
                        const char *method, const char *path, const char *accept, const void *body,
                        size_t len, const char *content_type, unsigned flags) CK_WUR;

/*
 * A watch: GET path?query (the caller puts watch=1, resourceVersion,
 * allowWatchBookmarks, timeoutSeconds in query). Each event is parsed and
 * handed to on_event with its type ("ADDED", "MODIFIED", "DELETED",
 * "BOOKMARK", "ERROR") and object; a non-zero return ends the watch and is
 * returned as is (a positive value is a clean stop the caller defines).
 * timeout_ms bounds the whole stream (a guard against half-open
 * connections; 0: none). Returns CK_OK when the server ended the stream,
 * the callback's non-zero value, or a negative code: an HTTP error status
 * (resp->status, e.g. 410) or a dropped stream (CK_ENET).
 */
int ck_kube_watch(struct ck_kube_conn *c, struct ck_kube_resp *resp, const char *path,
                  const char *query, unsigned flags,
                  int (*on_event)(void *arg, const char *type, const struct ck_doc_node *obj),
                  void *arg, long timeout_ms) CK_WUR;

/* Parse one watch event line (exposed for the fuzzer). *type / *obj point into *out. */
int ck_kube_event_parse(struct ck_doc **out, const char **type, const struct ck_doc_node **obj,
                        const char *line, size_t n, unsigned doc_flags) CK_WUR;

/* Percent-encode a query value (labelSelector etc.) onto out. */
int ck_kube_query_escape(struct ck_buf *out, const char *s) CK_WUR;

/* 1 if two nodes are equal as JSON values (map order ignored; "1" differs from 1). */
int ck_kube_equal(const struct ck_doc_node *a, const struct ck_doc_node *b);

/* Small accessors for objects read from the API. */
const char *ck_kube_str(const struct ck_doc_node *obj, const char *dotted);
int64_t ck_kube_int(const struct ck_doc_node *obj, const char *dotted, int64_t dflt);

#endif
