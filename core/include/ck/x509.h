/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 certificates in PEM: load, inspect, and make the self-signed sealing
 * certificate of the shape the Sealed Secrets controller makes. No chain,
 * purpose or key-usage validation is done here (the controller's own
 * certificates say keyUsage=encipherOnly; kubeseal only checks NotAfter).
 */
#ifndef CK_X509_H
#define CK_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/rsa.h"

struct ck_x509;

/*
 * Parse the first "CERTIFICATE" block of a PEM text (other blocks are
 * skipped; further certificates are ignored, as the controller does).
 * CK_EINVAL if there is none or it is malformed (DER must be used entirely).
 */
int ck_x509_parse(struct ck_x509 **out, const char *pem, size_t n) CK_WUR;
/* Same from DER. */
int ck_x509_from_der(struct ck_x509 **out, const uint8_t *der, size_t n) CK_WUR;
/* Re-encode as PEM ("CERTIFICATE"), appended to out. */
int ck_x509_format(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;
/* The DER encoding, appended to out. */
int ck_x509_der(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;
void ck_x509_free(struct ck_x509 *c);

/*
 * The certificate's RSA public key (a new reference for the caller to free);
 * CK_EUNSUPPORTED when it is not RSA or outside the RSA key policy.
 */
int ck_x509_rsa_public(struct ck_rsa **out, const struct ck_x509 *c) CK_WUR;
/* Validity bounds as Unix time; (time_t)-1 if the field cannot be read. */
time_t ck_x509_not_before(const struct ck_x509 *c);
time_t ck_x509_not_after(const struct ck_x509 *c);
/* Subject common name as UTF-8 (appended, NUL-terminated; empty if none). */
int ck_x509_subject_cn(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;
/* SHA-256 of the DER certificate as lower-case hex, appended. */
int ck_x509_fingerprint(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;

/*
 * Self-signed certificate for key, shaped like the Sealed Secrets
 * controller's (pkg/crypto/keys.go):
 * - version 3, serial uniformly random in [0, 2^128);
 * - subject = issuer = CN=cn (plus O=org when non-NULL); with cn NULL or ""
 *   and no org the name is empty, the controller's default (--my-cn "");
 * - notBefore = not_before, notAfter = not_before + days * 24h (the
 *   controller's default --key-ttl is 3650 days);
 * - extensions, in this order: keyUsage = encipherOnly (critical),
 *   basicConstraints CA:TRUE (critical), subjectKeyIdentifier (SHA-1 of the
 *   public key bits); no authorityKeyIdentifier, no extendedKeyUsage;
 * - signed sha256WithRSAEncryption.
 * key must hold the private key (CK_EINVAL otherwise); days 1..36500.
 */
int ck_x509_self_signed(struct ck_x509 **out, const struct ck_rsa *key, const char *cn,
                        const char *org, time_t not_before, unsigned days) CK_WUR;

#endif
