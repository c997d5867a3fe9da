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
int ck_bech32_encode(struct ck_buf *out, const char *hrp, const uint8_t *data,
                     size_t n, int upper) CK_WUR;

/*
 * Decode a bech32 string. The hrp (lower-cased) goes to hrp_out (appended,
 * NUL-terminated), the 8-bit data to data_out. CK_EINVAL on any error.
 */
int ck_bech32_decode(struct ck_buf *hrp_out, struct ck_buf *data_out,
                     const char *s, size_t n, int strict_len) CK_WUR;

/* BIP-173 checksum validity only (for the test vectors): 1 valid, 0 not. */
int ck_bech32_verify(const char *s, size_t n);

#endif
