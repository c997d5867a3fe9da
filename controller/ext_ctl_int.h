/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ExternalSecret reconciler's provider layer (not a public header).
 *
 * A registry keeps one provider client per store (and, for a
 * ClusterSecretStore whose credentials follow the ExternalSecret's
 * namespace, per namespace): Vault clients log in once and keep their token
 * (renewed before expiry by ck_vault, logged in again when renewal is not
 * possible), keep their connection, and serve every ExternalSecret that uses
 * the store. A client is dropped and built again when its store changes, when
 * the provider refused its credentials (CK_EDENIED), or when it is older than
 * the rebuild period.
 *
 * Reads are de-duplicated: every answer (value, metadata, list, error) is
 * kept for a short window, and a read of the same path within the window is
 * served from it. The caller chooses the window per sync (its refresh
 * cycle's jitter window; 0 for a forced sync, which always reads).
 *
 * Vault semantics: the key -> path mapping, property / gjson extraction and
 * JSON rendering of ck/ext_provider.h (ck_ext_vault_path, ck_ext_vault_value);
 * GetSecretMap and the name / tag filtering of find are run by the in-memory
 * provider of ck/ext_provider.h over what was read here, so the rules are
 * exactly `cloak external`'s. AWS Secrets Manager: a ck_aws client with
 * static keys from Secrets (auth.secretRef), web identity with a TokenRequest
 * for auth.jwt.serviceAccountRef (role from the service account's
 * eks.amazonaws.com/role-arn annotation), or the controller's own chain
 * (environment, IRSA of its pod), then the store's `role`; one
 * GetSecretValue per secret and version per cycle, properties (dots tried
 * literally first) and GetSecretMap (raw JSON values) as ESO's provider.
 */
#ifndef CK_CTL_EXT_INT_H
#define CK_CTL_EXT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/kube.h"
#include "ck/ext.h"
#include "ck/ext_provider.h"

struct ck_ctl__xstores;
struct ck_ctl__xstore;

struct ck_ctl__xstores_opts {
	const char *sa_token_file;   /* the controller's own token (Kubernetes auth without refs) */
	int64_t rebuild_ms;          /* rebuild a client older than this; 0: 1 h */
	int vault_max_retries;       /* < 0: the store's retrySettings, else 1 */
	long vault_retry_wait_ms;    /* 0: 500 */
	long timeout_ms;             /* per request; 0: 20000 */
};

int ck_ctl__xstores_new(struct ck_ctl__xstores **out, const struct ck_ctl__xstores_opts *o) CK_WUR;
void ck_ctl__xstores_free(struct ck_ctl__xstores *r);

/*
 * The client for a store: kind SecretStore (cluster 0, ns set) or
 * ClusterSecretStore (cluster 1), its object as JSON and resourceVersion
 * (a different resourceVersion builds a new client), for an ExternalSecret
 * in es_ns. Builds (and logs in) when needed, reading credentials through c.
 * *out holds a reference: ck_ctl__xstore_put() it. Errors: the login's or
 * the credentials' (CK_EDENIED, CK_ENET, CK_ENOTFOUND, CK_EINVAL,
 * CK_EUNSUPPORTED) with "SecretStore ns/name: ..." context; a failed build is
 * remembered for a few seconds so many ExternalSecrets fail fast.
 */
int ck_ctl__xstores_get(struct ck_ctl__xstores *r, struct ck_kube_conn *c, const char *store_json,
                        const char *store_rv, int cluster, const char *es_ns,
                        struct ck_ctl__xstore **out) CK_WUR;
void ck_ctl__xstore_put(struct ck_ctl__xstore *st);

/*
 * A provider for one sync (give it to ck_ext_session_set_provider, which
 * takes it): reads through st's client and cache with the given
 * de-duplication window (0: always read). Holds a reference on st.
 */
int ck_ctl__xstore_provider(struct ck_ext_provider **out, struct ck_ctl__xstore *st,
                            int64_t window_ms) CK_WUR;

/* The provider answered rc: drop the client when its credentials were refused. */
void ck_ctl__xstore_result(struct ck_ctl__xstore *st, int rc);

/* The store changed or went away: its clients are built again on next use. */
void ck_ctl__xstores_invalidate(struct ck_ctl__xstores *r, int cluster, const char *ns,
                                const char *name);

/* Requests sent to providers so far (reads, lists, logins excluded). */
size_t ck_ctl__xstores_requests(struct ck_ctl__xstores *r);
/* Clients currently kept. */
size_t ck_ctl__xstores_clients(struct ck_ctl__xstores *r);

/* 1 if a ClusterSecretStore reads credentials from each ExternalSecret's namespace. */
int ck_ctl__store_referent(const struct ck_doc_node *store_obj);

/* The capabilities ESO reports for a store's provider ("ReadWrite"). */
const char *ck_ctl__xstore_capabilities(const struct ck_ctl__xstore *st);

#endif
