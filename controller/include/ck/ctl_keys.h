/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The controller's sealing keys, kept where the Bitnami Sealed Secrets
 * controller keeps them, in the same form, so either controller can use the
 * other's keys:
 *
 * - Secrets of type kubernetes.io/tls in the controller's namespace, labelled
 *   sealedsecrets.bitnami.com/sealed-secrets-key=active, holding tls.key
 *   (PKCS#1 PEM; PKCS#8 accepted) and tls.crt; plus the legacy Secret named
 *   exactly the key prefix. Any other label value (compromised) retires a
 *   key: it no longer opens anything.
 * - The most recent key (by certificate notBefore, or by the Secret's
 *   creationTimestamp) serves /v1/cert.pem and re-encryption; every key is
 *   tried when opening, the most recent first.
 * - A new key is generated (RSA, certificate of the controller's shape,
 *   Secret created with generateName) when there is none, when the newest
 *   is older than the cut-off time, and every renew period; old keys stay.
 *
 * Thread-safe. Private keys live in core's ck_rsa (secret memory); they are
 * never logged; keys are named by their SSH-style fingerprint.
 */
#ifndef CK_CTL_KEYS_H
#define CK_CTL_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/kube.h"
#include "ck/seal.h"

#define CK_CTL_KEY_LABEL "sealedsecrets.bitnami.com/sealed-secrets-key"

struct ck_ctl_keys_opts {
	const char *ns;             /* the controller's namespace */
	const char *prefix;         /* --key-prefix; NULL: "sealed-secrets-key" */
	unsigned bits;              /* --key-size; 0: 4096 */
	unsigned ttl_days;          /* --key-ttl; 0: 3650 */
	const char *cn;             /* --my-cn; NULL: "" */
	int order_by_creation;      /* --key-order-priority SecretCreationTimestamp */
	const char *labels;         /* --privatekey-labels "k=v,k=v" */
	const char *annotations;    /* --privatekey-annotations */
	int64_t renew_ms;           /* --key-renew-period; 0: never (periodic) */
	int64_t cutoff_us;          /* --key-cutoff-time; 0: none */
};

struct ck_ctl_keys;

int ck_ctl_keys_new(struct ck_ctl_keys **out, const struct ck_ctl_keys_opts *opts) CK_WUR;
void ck_ctl_keys_free(struct ck_ctl_keys *k);

/*
 * Read the key Secrets (list with the active label, plus the legacy name)
 * and make them the key set. A Secret that cannot be parsed is skipped with
 * a warning naming it. CK_OK even when no key was found.
 */
int ck_ctl_keys_load(struct ck_ctl_keys *k, struct ck_kube_conn *conn) CK_WUR;

/*
 * Leader duty: generate a key now if there is none or the newest is older
 * than the cut-off; *generated is set to 1 when one was made.
 */
int ck_ctl_keys_ensure(struct ck_ctl_keys *k, struct ck_kube_conn *conn, int *generated) CK_WUR;
/* Generate and store a new key unconditionally (renewal, SIGUSR1). */
int ck_ctl_keys_generate(struct ck_ctl_keys *k, struct ck_kube_conn *conn) CK_WUR;
/*
 * When the next periodic renewal is due (wall clock, microseconds):
 * newest key time + renew period; -1 when renewal is off or there is no key.
 */
int64_t ck_ctl_keys_next_renewal_us(struct ck_ctl_keys *k);

size_t ck_ctl_keys_count(struct ck_ctl_keys *k);
/* Bumped whenever the set changes (workers rebuild their keyrings). */
unsigned ck_ctl_keys_version(struct ck_ctl_keys *k);
/* The PEM certificate of the most recent key, appended. CK_ENOTFOUND: no key. */
int ck_ctl_keys_cert_pem(struct ck_ctl_keys *k, struct ck_buf *out) CK_WUR;
/* The public key of the most recent key (a reference: ck_rsa_free it). */
int ck_ctl_keys_newest_public(struct ck_ctl_keys *k, struct ck_rsa **out) CK_WUR;
/* A keyring of every key, the most recent preferred, for one thread. */
int ck_ctl_keys_keyring(struct ck_ctl_keys *k, struct ck_seal_keyring **out,
                        unsigned *version) CK_WUR;
/* The fingerprint of the most recent key ("" when none), for logs/metrics. */
void ck_ctl_keys_newest_fingerprint(struct ck_ctl_keys *k, char *out, size_t n);

#endif
