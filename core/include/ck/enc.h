/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte <-> text codecs: base64 (standard and URL alphabets, padded or raw)
 * and hex. Decoding is strict unless asked otherwise: a bad character, bad or
 * missing padding, or non-zero unused bits in the last character is CK_EINVAL.
 * The codecs run in constant time for a given length (libsodium's), so key
 * material may go through them. Output is appended to `out`.
 */
#ifndef CK_ENC_H
#define CK_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

enum ck_b64 {
	CK_B64_STD,        /* RFC 4648 section 4, '=' padding (PEM, k8s, sops) */
	CK_B64_STD_RAW,    /* standard alphabet, no padding (age headers) */
	CK_B64_URL,        /* URL-safe alphabet, padded */
	CK_B64_URL_RAW,    /* URL-safe alphabet, no padding (JWT) */
};

/* Decoding flags. */
#define CK_B64_IGNORE_WS  1u /* skip spaces, tabs, CR and LF */
#define CK_B64_PAD_OPTIONAL 2u /* padded variants also accept missing '=' */

/* Encoded length (without NUL) of n bytes. */
size_t ck_b64_encoded_len(size_t n, enum ck_b64 v);
int ck_b64_encode(struct ck_buf *out, const void *in, size_t n, enum ck_b64 v) CK_WUR;
int ck_b64_decode(struct ck_buf *out, const char *in, size_t n, enum ck_b64 v,
                  unsigned flags) CK_WUR;

/* Lower-case hex. */
int ck_hex_encode(struct ck_buf *out, const void *in, size_t n) CK_WUR;
/* Upper-case hex (sops MAC). */
int ck_hex_encode_upper(struct ck_buf *out, const void *in, size_t n) CK_WUR;
/* Either case; odd length or a non-hex character is CK_EINVAL. */
int ck_hex_decode(struct ck_buf *out, const char *in, size_t n) CK_WUR;

#endif
