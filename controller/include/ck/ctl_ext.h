/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ExternalSecret reconciler: what External Secrets Operator's
 * externalsecret and secretstore controllers do, for the Vault and AWS
 * Secrets Manager providers, on cloak's client (ck/ext.h renders the Secret
 * exactly as `cloak external render` does).
 *
 * Store credentials come from the cluster: Vault tokenSecretRef, appRole,
 * userPass/ldap, kubernetes (serviceAccountRef through the TokenRequest API,
 * secretRef, or the controller's own service account token), jwt, cert;
 * AWS static keys, web identity for a serviceAccountRef, or the
 * controller's own identity.
 *
 * Resources: external-secrets.io ExternalSecret, SecretStore and
 * ClusterSecretStore, served as v1 (or v1beta1 on clusters that serve only
 * that). A store whose spec.controller names another class is left alone
 * (an empty spec.controller belongs to the class "default"), so cloak and a
 * running ESO can share a cluster: give cloak its own class.
 *
 * Sync rules (spec external.md 1.6): refreshPolicy CreatedOnce / OnChange /
 * Periodic; refreshInterval 0 syncs once and never again (not even for a
 * spec change or a force-sync annotation); a change of generation, labels
 * or annotations (e.g. `kubectl annotate es X force-sync=$(date +%s)`)
 * syncs now and reads the provider fresh; a target Secret that is missing,
 * lost its managed label or whose data no longer matches its data-hash
 * annotation (edited by hand) is written again at once (creationPolicy
 * Orphan excepted).
 *
 * Scheduling: periodic refreshes of the ExternalSecrets of one store and
 * one interval fall on a common grid (the store's phase, from a hash of its
 * name, plus k times the interval), each ExternalSecret at a fixed offset
 * within the first tenth of the interval (at most 30 s): refreshes are
 * never earlier than refreshTime + interval, are spread over the window,
 * and ExternalSecrets that read the same path share one read per cycle
 * (ext_ctl_int.h). A failed sync is retried with a per-object exponential
 * back-off (1 s doubling to 5 min) and the Secret keeps its last good
 * value: a provider failure never blanks or deletes it.
 *
 * Writes: creationPolicy Owner (controller ownerReference, created-by
 * label), Orphan, Merge (never creates; keeps foreign keys), CreateOrMerge,
 * None; deletionPolicy Retain, Delete (removes the Secret when the provider
 * has nothing), Merge (removes the keys it had written). A Secret that
 * exists but is not managed (no label reconcile.external-secrets.io/managed
 * and no ownerReference to this ExternalSecret) is not taken over: the
 * status says so. Status: Ready condition (ESO's reasons and messages, the
 * cause appended), refreshTime, syncedResourceVersion, binding; stores get
 * a Ready condition and capabilities. Events: Created / Updated / Deleted,
 * UpdateFailed with the cause. No secret value is ever logged, put in a
 * status, an Event or a metric.
 */
#ifndef CK_CTL_EXT_H
#define CK_CTL_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/ctl_informer.h"
#include "ck/kube.h"
#include "ck/ctl_metrics.h"

struct ck_ctl_ext_opts {
	const char *instance;          /* Events' reportingInstance */
	const char *controller_class;  /* NULL: "default" */
	const char *api_version;       /* "v1" / "v1beta1"; NULL: ask the API server */
	const char *const *namespaces; /* NULL: all namespaces */
	int workers;                   /* 0: 2 */
	int64_t max_window_ms;         /* longest read-sharing window; 0: 30 s */
	int64_t backoff_base_ms;       /* first retry after a failure; 0: 1000 */
	int64_t backoff_max_ms;        /* 0: 300000 */
	int64_t client_rebuild_ms;     /* provider clients older than this are rebuilt; 0: 1 h */
	int vault_max_retries;         /* < 0: the store's retrySettings, else 1 */
	const char *sa_token_file;     /* NULL: the service account token (CLOAK_SERVICEACCOUNT_DIR) */
	int watch_min_s, watch_max_s;
};

struct ck_ctl_ext;

/*
 * CK_ENOTFOUND when the cluster serves no external-secrets.io resources (asked
 * before anything is registered with the metrics).
 */
int ck_ctl_ext_new(struct ck_ctl_ext **out, struct ck_kube *kube, struct ck_ctl_metrics *metrics,
                   const struct ck_ctl_ext_opts *opts) CK_WUR;
/* Start the informers (every replica). */
int ck_ctl_ext_start_informers(struct ck_ctl_ext *x) CK_WUR;
/* Start the workers (the leader). */
int ck_ctl_ext_start_workers(struct ck_ctl_ext *x) CK_WUR;
/* Stop workers and informers, free (provider tokens from logins are revoked). NULL-safe. */
void ck_ctl_ext_free(struct ck_ctl_ext *x);

int ck_ctl_ext_synced(struct ck_ctl_ext *x);
/* Queue every cached ExternalSecret and store again. */
void ck_ctl_ext_resync(struct ck_ctl_ext *x);
/* Keys queued or in process, not counting scheduled refreshes (0: idle). */
size_t ck_ctl_ext_busy(struct ck_ctl_ext *x);

struct ck_ctl_ext_stats {
	size_t syncs;              /* provider reads + Secret decisions done */
	size_t sync_errors;
	size_t secret_writes;      /* creates, updates, deletes */
	size_t status_writes;
	size_t provider_requests;  /* reads sent to Vault / AWS */
	size_t clients;            /* provider clients kept */
	size_t skipped;            /* reconciles with nothing to do */
};
void ck_ctl_ext_stats(struct ck_ctl_ext *x, struct ck_ctl_ext_stats *out);

#endif
