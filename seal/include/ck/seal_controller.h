/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Talking to a running Sealed Secrets controller the way kubeseal does:
 * through the Kubernetes API server's service proxy, with the credentials
 * of a kubeconfig context (or the pod's service account).
 *
 * The controller's Service (--controller-name, default
 * sealed-secrets-controller, in --controller-namespace, default kube-system)
 * is read once for the name of its first port; requests then go to
 *   /api/v1/namespaces/<ns>/services/http:<name>:<port>/proxy/v1/...
 * (<port> empty when the port has no name), which the API server forwards
 * to the controller's HTTP API: GET /v1/cert.pem, POST /v1/verify,
 * POST /v1/rotate.
 *
 * Errors are one line and follow kubeseal's wording:
 *   "seal: cannot get sealed secret service: <why>; use --controller-name and
 *    --controller-namespace to point at the controller"
 *   "seal: cannot fetch certificate: <why>"
 *   "seal: <source>: unable to decrypt sealed secret <ns>/<name>" (CK_ENOKEY)
 *   "seal: <source>: cannot validate sealed secret: <why>"
 *   "seal: <source>: cannot re-encrypt secret: <why>"
 * <why> is the API server's Status message or the first line of what the
 * controller answered. Codes: CK_ENET (unreachable), CK_EDENIED
 * (401 / 403), CK_ENOTFOUND (no such Service or context), CK_ENOKEY, CK_EINVAL
 * (bad input or answer), CK_ENOMEM; kubeconfig errors of ck_kube_config_load.
 * Nothing is appended to an output buffer on failure.
 */
#ifndef CK_SEAL_CONTROLLER_H
#define CK_SEAL_CONTROLLER_H

#include <stddef.h>

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/seal_manifest.h"

#define CK_SEAL_CTL_DEFAULT_NAME "sealed-secrets-controller"
#define CK_SEAL_CTL_DEFAULT_NAMESPACE "kube-system"

struct ck_seal_ctl_opts {
	const char *kubeconfig; /* --kubeconfig; NULL: $KUBECONFIG, in-cluster, ~/.kube/config */
	const char *context;    /* --context; NULL: the current-context */
	const char *name;       /* the controller's Service; NULL: sealed-secrets-controller */
	const char *ns;         /* its namespace; NULL: kube-system */
	long timeout_ms;        /* per request; 0: 30000 */
};

struct ck_seal_ctl;

/* Load the kubeconfig and make a client; nothing is sent yet. */
int ck_seal_ctl_new(struct ck_seal_ctl **out, const struct ck_seal_ctl_opts *opts) CK_WUR;
void ck_seal_ctl_free(struct ck_seal_ctl *c);

/* The controller's current certificate (GET /v1/cert.pem), bytes unchanged, appended to out. */
int ck_seal_ctl_cert(struct ck_seal_ctl *c, struct ck_buf *out) CK_WUR;

/*
 * kubeseal --validate: every SealedSecret of a YAML stream or JSON text is
 * sent to /v1/verify (as JSON). CK_OK when the controller can open them
 * all; the first failure is returned (CK_ENOKEY when a key is missing).
 */
int ck_seal_ctl_validate(struct ck_seal_ctl *c, const char *text, size_t n,
                         const char *source) CK_WUR;

/*
 * kubeseal --re-encrypt: every SealedSecret of the input is sent to
 * /v1/rotate; the answers (re-sealed with the controller's newest key) are
 * appended to out in fmt. apiVersion and kind, which the controller leaves
 * out, are taken from the input; creationTimestamp, deletionTimestamp and
 * generation are cleared as kubeseal does.
 */
int ck_seal_ctl_reencrypt(struct ck_seal_ctl *c, struct ck_buf *out, const char *text, size_t n,
                          const char *source, enum ck_seal_format fmt) CK_WUR;

#endif
