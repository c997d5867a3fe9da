/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SealedSecret reconciler: the Bitnami Sealed Secrets controller's
 * behaviour (pkg/controller) on cloak's client.
 *
 * For each SealedSecret: unseal with every key (the most recent first),
 * render the template, and create or update the Secret of the same name:
 * GET + PUT with the resourceVersion, nothing written when nothing changed;
 * refuse a Secret it does not control unless it is annotated managed or
 * patch; merge in patch mode; a controller ownerReference unless skipped.
 * Status (Synced condition, observedGeneration) goes through the status
 * subresource only when it changes; Events (Unsealed, ErrUnsealFailed,
 * ErrUpdateFailed) go to events.k8s.io/v1; metrics follow the Bitnami names.
 *
 * Cost on resync: after a successful sync the reconciler remembers a digest
 * of the SealedSecret (spec, scope, uid) and the resourceVersion of the
 * Secret it left. When both still match, a resync does nothing: no RSA work
 * and no API call. A Secret edited or deleted by hand changes its
 * resourceVersion (seen by a metadata-only informer), so it is restored.
 *
 * Informers run in every replica (a standby is Ready and takes over warm);
 * workers run only while leading.
 */
#ifndef CK_CTL_SEALED_H
#define CK_CTL_SEALED_H

#include <stddef.h>

#include "ck/ctl_informer.h"
#include "ck/ctl_keys.h"
#include "ck/kube.h"
#include "ck/ctl_metrics.h"

#define CK_CTL_METRIC_PREFIX "sealed_secrets_controller_"

struct ck_ctl_sealed_opts {
	const char *instance;         /* Events' reportingInstance (pod name) */
	int update_status;            /* --update-status */
	int accept_v1_data;           /* --accept-deprecated-v1-data */
	int skip_recreate;            /* --skip-recreate */
	int max_retries;              /* --max-unseal-retries; 0: 5 */
	int workers;                  /* 0: two per CPU */
	const char *label_selector;   /* --label-selector on SealedSecrets */
	const char *const *namespaces;/* NULL: all namespaces; else NULL-terminated */
	int watch_min_s, watch_max_s; /* watch timeouts (0: 300..600) */
	const struct ck_ctl_ratelimit_opts *ratelimit; /* NULL: client-go defaults */
};

struct ck_ctl_sealed;

int ck_ctl_sealed_new(struct ck_ctl_sealed **out, struct ck_kube *kube, struct ck_ctl_keys *keys,
                      struct ck_ctl_metrics *metrics, const struct ck_ctl_sealed_opts *opts) CK_WUR;
/* Start the informers (every replica). */
int ck_ctl_sealed_start_informers(struct ck_ctl_sealed *s) CK_WUR;
/* Start the workers (the leader). */
int ck_ctl_sealed_start_workers(struct ck_ctl_sealed *s) CK_WUR;
/* Stop workers and informers, free. NULL-safe. */
void ck_ctl_sealed_free(struct ck_ctl_sealed *s);

/* 1 when every informer finished its first list. */
int ck_ctl_sealed_synced(struct ck_ctl_sealed *s);
/* Queue every cached SealedSecret again (periodic resync). */
void ck_ctl_sealed_resync(struct ck_ctl_sealed *s);
/* Keys queued, delayed or in process (0: idle). */
size_t ck_ctl_sealed_pending(struct ck_ctl_sealed *s);
/* Sum of the informers' statistics (tests). */
void ck_ctl_sealed_informer_stats(struct ck_ctl_sealed *s, struct ck_ctl_informer_stats *out);

/*
 * The HTTP endpoints of Sealed Secrets (server.c), usable by any replica:
 *   POST /v1/verify: 200 if the SealedSecret in body opens, 409 if not,
 *   500 for an undecodable body; POST /v1/rotate: the SealedSecret
 *   re-sealed to the most recent key (JSON without kind/apiVersion), 500 on
 *   any failure. status and body are set; CK_OK unless out of memory.
 */
int ck_ctl_sealed_verify(struct ck_ctl_keys *keys, const void *body, size_t len, int *status,
                         struct ck_buf *out) CK_WUR;
int ck_ctl_sealed_rotate(struct ck_ctl_keys *keys, const void *body, size_t len, int *status,
                         struct ck_buf *out) CK_WUR;

#endif
