/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 certificates in PEM: load, inspect, and make the self-signed sealing
 * certificate of the shape the Sealed Secrets controller makes.
 */
#ifndef CK_X509_H
#define CK_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/rsa.h"

struct ck_x509;

/* Parse the first certificate in a PEM text. CK_EINVAL if none or malformed. */
int ck_x509_parse(struct ck_x509 **out, const char *pem, size_t n) CK_WUR;
/* Re-encode as PEM. */
int ck_x509_format(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;
void ck_x509_free(struct ck_x509 *c);

/* The certificate's RSA public key; CK_EUNSUPPORTED when it is not RSA. */
int ck_x509_rsa_public(struct ck_rsa **out, const struct ck_x509 *c) CK_WUR;
time_t ck_x509_not_before(const struct ck_x509 *c);
time_t ck_x509_not_after(const struct ck_x509 *c);
/* Subject common name (appended, NUL-terminated; empty if none). */
int ck_x509_subject_cn(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;
/* SHA-256 of the DER certificate as lower-case hex. */
int ck_x509_fingerprint(struct ck_buf *out, const struct ck_x509 *c) CK_WUR;

/*
 * Self-signed certificate for key: subject and issuer CN=cn (and O=org when
 * non-NULL), serial random, valid from `not_before` for `days` days, key usage
 * for encipherment/cert signing, SHA-256 signature.
 */
int ck_x509_self_signed(struct ck_x509 **out, const struct ck_rsa *key, const char *cn,
                        const char *org, time_t not_before, unsigned days) CK_WUR;

#endif
