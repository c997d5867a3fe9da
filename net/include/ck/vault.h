/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Vault / OpenBao HTTP API client: KV v1 and v2, auth (token, Kubernetes,
 * AppRole, JWT, userpass/LDAP, TLS certificate), token lookup/renew/revoke,
 * transit encrypt/decrypt, health.
 *
 * One struct ck_vault holds an HTTP client (connections are reused), the
 * server address and namespace, and the current token. Use it from one
 * thread at a time.
 *
 * Paths: "logical" paths are what follows /v1/ ("secret/data/app"), without
 * a leading slash (one is tolerated). KV helpers take a mount ("secret",
 * "team/kv") and a path inside it and build the URL as Vault does
 * (v2: <mount>/data/<path>, <mount>/metadata/<path>; v1: <mount>/<path>).
 *
 * Errors (every function): CK_EDENIED for 401/403 (bad, expired or revoked
 * token, policy), CK_ENOTFOUND for 404 (also a soft-deleted or destroyed KV
 * v2 version, and an empty list), CK_EINVAL for 400/405/412 and for a
 * malformed or unexpected response body, CK_EUNSUPPORTED for 501, CK_ENET for
 * connection/TLS problems and for 429/5xx once retries are spent,
 * CK_ETOOBIG for an oversized body, CK_ENOMEM. Messages read
 * "vault: GET secret/data/app: 403: permission denied" (Vault's errors[]
 * joined by "; "), never with a token or secret value.
 *
 * Retries: connection failures, 412, 429 and 5xx except 501 are retried
 * max_retries times (default 2) waiting retry_wait_ms..1.5x (default
 * 1000 ms), or Retry-After when the server sends a longer one.
 *
 * Secrets: the token, login credentials and every response body live in
 * secret memory; response documents are CK_DOC_SECURE trees.
 *
 * Outputs (struct ck_vault_response, struct ck_vault_kv) start zeroed
 * (CK_VAULT_RESPONSE_INIT / { 0 }) and may be passed again: each call
 * releases what they held first, and on failure they hold no secret data
 * (a KV v2 deleted version keeps only its metadata).
 */
#ifndef CK_VAULT_H
#define CK_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/http.h"

struct ck_vault_config {
	const char *addr;            /* "https://vault.example:8200" (no /v1) */
	const char *ns;              /* X-Vault-Namespace for every request; NULL: none */
	struct ck_http_tls tls;      /* CA bundle, client certificate (also for cert auth) */
	const char *const *headers;  /* extra "Name: value" lines on every request */
	int max_retries;             /* < 0: default 2; 0: none */
	long retry_wait_ms;          /* 0: 1000 */
	long timeout_ms;             /* 0: 60000 */
	size_t max_response;         /* 0: 32 MiB */
	int read_your_writes;        /* keep X-Vault-Index from writes and send it back */
	int forward_inconsistent;    /* with read_your_writes: X-Vault-Inconsistent: forward-active-node */
	const struct ck_http_transport *transport; /* NULL: libcurl */
	/* test seams: NULL means the real clock / nanosleep */
	time_t (*now)(void *arg);
	void (*sleep_ms)(void *arg, long ms);
	void *seam_arg;
};

/*
 * Fill unset fields from the environment as the vault CLI does: VAULT_ADDR
 * (default https://127.0.0.1:8200), VAULT_NAMESPACE, VAULT_CACERT,
 * VAULT_CLIENT_CERT, VAULT_CLIENT_KEY, VAULT_TLS_SERVER_NAME,
 * VAULT_SKIP_VERIFY, VAULT_MAX_RETRIES. Pointers refer to the environment.
 */
void ck_vault_config_env(struct ck_vault_config *c);

struct ck_vault;

/* CK_EINVAL for a missing or non-http(s) addr; CK_ENOMEM; http client errors. */
int ck_vault_new(struct ck_vault **out, const struct ck_vault_config *c) CK_WUR;
/* Wipe the token and credentials and free; does not revoke (see ck_vault_logout). */
void ck_vault_free(struct ck_vault *v);

enum ck_vault_auth_method {
	CK_VAULT_AUTH_TOKEN = 0,
	CK_VAULT_AUTH_KUBERNETES,    /* {role, jwt} at auth/<mount>/login, default mount "kubernetes" */
	CK_VAULT_AUTH_APPROLE,       /* {role_id, secret_id}, default mount "approle" */
	CK_VAULT_AUTH_JWT,           /* {role?, jwt}, default mount "jwt" */
	CK_VAULT_AUTH_USERPASS,      /* {password} at auth/<mount>/login/<username>, default "userpass" */
	CK_VAULT_AUTH_LDAP,          /* same shape, default mount "ldap" */
	CK_VAULT_AUTH_CERT,          /* {name?} over the mTLS connection, default mount "cert" */
};

#define CK_VAULT_SA_TOKEN_PATH "/var/run/secrets/kubernetes.io/serviceaccount/token"

struct ck_vault_auth {
	enum ck_vault_auth_method method;
	const char *mount;           /* NULL: the method's default */
	const char *ns;              /* namespace of the login call; NULL: the client's */
	/* TOKEN: token, else token_file, else VAULT_TOKEN, else ~/.vault-token */
	const char *token;
	const char *token_file;
	/* KUBERNETES / JWT: jwt, else jwt_file (re-read at every login; Kubernetes
	   default CK_VAULT_SA_TOKEN_PATH) */
	const char *role;
	const char *jwt;
	const char *jwt_file;
	/* APPROLE */
	const char *role_id;
	const char *secret_id;
	/* USERPASS / LDAP */
	const char *username;
	const char *password;
	/* CERT: role name (optional) */
	const char *cert_name;
};

/*
 * Authenticate. Everything in a is copied (secrets into secret memory) so the
 * client can log in again by itself. TOKEN: the token is checked with
 * lookup-self (a token that is expired or about to expire — batch, or ttl
 * under 60 s with an expire_time — is CK_EDENIED). Other methods: POST the
 * login and keep auth.client_token, lease_duration and renewable.
 *
 * Afterwards, before each request the client renews a renewable token once
 * two thirds of its lease are gone (renew-self), logs in again (login-based
 * methods) when it cannot renew, and on a 403 answer to a login-derived token
 * logs in once more and repeats the request once.
 * CK_EDENIED / CK_EINVAL (bad credentials: 400 or 403), CK_ENOTFOUND (no
 * token anywhere, unreadable JWT file), transport errors.
 */
int ck_vault_login(struct ck_vault *v, const struct ck_vault_auth *a) CK_WUR;

/* The current token (secret memory; NULL before login). Do not log it. */
const char *ck_vault_token(const struct ck_vault *v);

/* Revoke a login-derived token (revoke-self) and forget it; static tokens are only forgotten. */
int ck_vault_logout(struct ck_vault *v) CK_WUR;

struct ck_vault_token_info {
	int64_t ttl;                 /* seconds left; 0 for non-expiring */
	int renewable;
	int batch;                   /* type "batch" */
	int expires;                 /* 0 when expire_time is null */
	char accessor[128];
	char expire_time[64];        /* RFC 3339 or "" */
};

/* GET auth/token/lookup-self. */
int ck_vault_token_lookup(struct ck_vault *v, struct ck_vault_token_info *out) CK_WUR;
/* POST auth/token/renew-self (increment_s 0: server default); updates the lease. */
int ck_vault_token_renew(struct ck_vault *v, int64_t increment_s) CK_WUR;

/* ---- raw requests ------------------------------------------------------- */

struct ck_vault_response {
	long status;
	struct ck_doc *doc;          /* parsed body (secret arena); NULL for 204 / empty */
	const struct ck_doc_node *root;
	const struct ck_doc_node *data;     /* "data" when an object, else NULL */
	const struct ck_doc_node *auth;     /* "auth" when an object, else NULL */
	const struct ck_doc_node *warnings; /* "warnings" when a list, else NULL */
};

#define CK_VAULT_RESPONSE_INIT { 0, NULL, NULL, NULL, NULL, NULL }
void ck_vault_response_dispose(struct ck_vault_response *r);

/*
 * Parse a response body as Vault sends it (envelope or error). Used by the
 * client and by tests/fuzzers. CK_EINVAL when not a JSON object.
 */
int ck_vault_response_parse(struct ck_vault_response *out, long status, const char *body,
                            size_t n) CK_WUR;

/*
 * One request: method ("GET", "PUT", "POST", "LIST", "DELETE"), logical
 * path, optional query ("version=2"), optional JSON body. The token and
 * namespace headers are added. On a status >= 400 returns the mapped code
 * (message from errors[]) and still fills out (a KV v2 deleted version
 * carries metadata in a 404).
 */
int ck_vault_request(struct ck_vault *v, const char *method, const char *path,
                     const char *query, const char *json, struct ck_vault_response *out) CK_WUR;

/* ---- KV ----------------------------------------------------------------- */

struct ck_vault_kv {
	struct ck_vault_response r;  /* owns the document */
	const struct ck_doc_node *data;     /* the secret's key/value map; NULL if deleted/destroyed */
	const struct ck_doc_node *metadata; /* v2: version metadata; NULL for v1 */
	const struct ck_doc_node *custom_metadata; /* v2, when the server sends it (map) */
	int64_t version;             /* v2 */
	const char *created_time;    /* v2, "" when absent */
	const char *deletion_time;   /* v2, "" when not deleted */
	int deleted;                 /* v2: deletion_time set and in the past */
	int destroyed;               /* v2 */
};

void ck_vault_kv_dispose(struct ck_vault_kv *kv);

/*
 * Interpret a KV read response (kv_version 1 or 2) already in kv->r. For v2 a
 * deleted or destroyed version, or data null, gives CK_ENOTFOUND with the
 * metadata fields set. CK_EINVAL for a malformed envelope.
 */
int ck_vault_kv_parse(struct ck_vault_kv *kv, int kv_version, time_t now) CK_WUR;

/*
 * Read <mount>/data/<path>[?version=N] (v2; version 0 = current) or
 * <mount>/<path> (v1; version ignored). CK_ENOTFOUND when the path, the
 * version, or its data does not exist ("vault: secret/data/app: version 2
 * was deleted at <time>" / "... destroyed").
 */
int ck_vault_kv_read(struct ck_vault *v, struct ck_vault_kv *out, const char *mount,
                     const char *path, int kv_version, int64_t version) CK_WUR;
/* Same with the full logical path given (ESO stores without `path`). */
int ck_vault_kv_read_path(struct ck_vault *v, struct ck_vault_kv *out, const char *logical,
                          int kv_version, int64_t version) CK_WUR;

/*
 * KV v2 metadata (<mount>/metadata/<path>): out->data has cas_required,
 * created_time, current_version, custom_metadata, delete_version_after,
 * max_versions, oldest_version, updated_time, versions.
 */
int ck_vault_kv_metadata(struct ck_vault *v, struct ck_vault_response *out, const char *mount,
                         const char *path) CK_WUR;

/*
 * LIST a folder: v2 <mount>/metadata/<path>/, v1 <mount>/<path>/ (path may
 * be "" for the mount root). *keys is the data.keys sequence (folders end in
 * '/'), owned by out. An empty or missing folder is CK_ENOTFOUND.
 */
int ck_vault_kv_list(struct ck_vault *v, struct ck_vault_response *out, const char *mount,
                     const char *path, int kv_version, const struct ck_doc_node **keys) CK_WUR;

/*
 * Write a secret: v2 POST <mount>/data/<path> {"options":{"cas":N}?,"data":json}
 * (cas < 0: none); v1 POST <mount>/<path> with json as the body. json must be
 * a JSON object text. *version_out (v2, may be NULL) gets the new version.
 */
int ck_vault_kv_write(struct ck_vault *v, const char *mount, const char *path, int kv_version,
                      const char *json, int64_t cas, int64_t *version_out) CK_WUR;

/* ---- transit ------------------------------------------------------------ */

/*
 * POST <mount>/encrypt/<key> {"plaintext": b64, "context"?: b64}: appends the
 * "vault:v<N>:..." ciphertext to out. context may be NULL (derived keys
 * need it).
 */
int ck_vault_transit_encrypt(struct ck_vault *v, struct ck_buf *out, const char *mount,
                             const char *key, const void *pt, size_t n, const void *context,
                             size_t context_len) CK_WUR;
/*
 * POST <mount>/decrypt/<key> {"ciphertext", "context"?}: appends the
 * plaintext to out (use a secure buffer). A 400 from Vault (wrong key,
 * tampered ciphertext, bad context) is CK_EAUTH.
 */
int ck_vault_transit_decrypt(struct ck_vault *v, struct ck_buf *out, const char *mount,
                             const char *key, const char *ciphertext, const void *context,
                             size_t context_len) CK_WUR;

/* ---- health ------------------------------------------------------------- */

struct ck_vault_health {
	long status;                 /* 200 active, 429 standby, 501 uninitialised, 503 sealed */
	int initialized, sealed, standby;
	char version[64];
};

/* GET sys/health (never retried; any of the statuses above is CK_OK). */
int ck_vault_health(struct ck_vault *v, struct ck_vault_health *out) CK_WUR;

#endif
