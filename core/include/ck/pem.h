/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM armour (RFC 7468): "-----BEGIN LABEL-----", base64 lines of 64
 * characters, "-----END LABEL-----". Strict decoding: matching labels,
 * standard padded base64, no headers; surrounding text is allowed when asked.
 */
#ifndef CK_PEM_H
#define CK_PEM_H

#include <stddef.h>

#include "ck/buf.h"

/* Append the armoured form of der to out, ending with a newline. */
int ck_pem_encode(struct ck_buf *out, const char *label, const void *der,
                  size_t n) CK_WUR;

/*
 * Find the first PEM block in text[0..n) and append its decoded bytes to der.
 * If label is non-NULL, only a block with that label matches. The found label
 * is appended to label_out when non-NULL. *consumed (if non-NULL) receives the
 * offset just past the END line, so a caller can iterate over a bundle.
 * CK_ENOTFOUND when no block is present, CK_EINVAL when a block is malformed.
 */
int ck_pem_decode(struct ck_buf *der, struct ck_buf *label_out, const char *label,
                  const char *text, size_t n, size_t *consumed) CK_WUR;

#endif
