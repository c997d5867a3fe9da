/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bech32 (BIP-173) as age uses it: human-readable part + 5-bit data with the
 * bech32 checksum (not bech32m). Mixed case is rejected; age keys are long, so
 * the 90-character limit of BIP-173 is not applied unless `strict_len` is set.
 */
#ifndef CK_BECH32_H
#define CK_BECH32_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

/* Encode 8-bit data under hrp; output is lower case unless `upper`. */
int ck_bech32_encode(struct ck_buf *out, const char *hrp, const uint8_t *data, size_t n,
                     int upper) CK_WUR;

/*
 * Decode a bech32 string. The hrp (lower-cased) goes to hrp_out (appended,
 * NUL-terminated; may be NULL), the 8-bit data to data_out (use a secure
 * buffer for keys). CK_EINVAL on any error; both buffers are then unchanged.
 * Callers that care about the case as written (age) check the string.
 */
int ck_bech32_decode(struct ck_buf *hrp_out, struct ck_buf *data_out, const char *s, size_t n,
                     int strict_len) CK_WUR;

/*
 * Same checks, but the data part's 5-bit groups (one per byte, checksum
 * removed) go to data5_out without regrouping (segwit-style payloads).
 */
int ck_bech32_decode5(struct ck_buf *hrp_out, struct ck_buf *data5_out, const char *s, size_t n,
                      int strict_len) CK_WUR;

/*
 * Regroup n 5-bit values into bytes (appended to out) with BIP-173's rules:
 * at most 4 padding bits, all zero. CK_EINVAL otherwise.
 */
int ck_bech32_5to8(struct ck_buf *out, const uint8_t *d5, size_t n) CK_WUR;

/* BIP-173 checksum validity only (for the test vectors): 1 valid, 0 not. */
int ck_bech32_verify(const char *s, size_t n);

#endif
