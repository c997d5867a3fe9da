/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known-answer self-test of the crypto core (FIPS-style power-on test, short):
 * SHA-256/512, HKDF (RFC 5869), AES-256-GCM (known answer, then a 32-byte-IV
 * round trip with a tamper check), ChaCha20-Poly1305 round trip with a tamper
 * check, X25519 (RFC 7748) and its low-order rejection. Appends one line per check to
 * report. CK_ECRYPTO if any check fails.
 */
#ifndef CK_SELFTEST_H
#define CK_SELFTEST_H

#include "ck/buf.h"

int ck_core_selftest(struct ck_buf *report) CK_WUR;
/* "OpenSSL 3.0.x, libsodium 1.0.18" appended to out. */
int ck_core_versions(struct ck_buf *out) CK_WUR;

#endif
