/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM armour (RFC 7468): "-----BEGIN LABEL-----", base64 lines,
 * "-----END LABEL-----".
 *
 * Decoding is strict about the block and lax only where real files differ:
 * - the BEGIN and END lines start a line, carry the same label (RFC 7468
 *   label grammar) and end with a line break (the END line may end the text);
 *   trailing spaces/tabs and CRLF line ends are accepted;
 * - body lines hold only the standard base64 alphabet, any length (OpenSSL
 *   and Go write 64, some tools 76), with '=' padding exactly where it
 *   belongs and no non-zero unused bits; no blank lines;
 * - RFC 1421 headers ("Proc-Type: 4,ENCRYPTED", i.e. legacy encrypted keys)
 *   are refused: CK_EUNSUPPORTED for encrypted keys, CK_EINVAL otherwise;
 * - text before the BEGIN line and after the END line is allowed (RFC 7468
 *   explanatory text), so a bundle is read block by block with *consumed.
 *
 * Decoded bytes are appended to a caller buffer: make it secure
 * (ck_buf_init_secure) for private keys. On failure the output buffers are
 * unchanged.
 */
#ifndef CK_PEM_H
#define CK_PEM_H

#include <stddef.h>

#include "ck/buf.h"

/* Longest label accepted or written. */
#define CK_PEM_LABEL_MAX 64

/*
 * Append the armoured form of der to out: 64-character lines, ending with a
 * newline. CK_EINVAL for a label outside RFC 7468's grammar, CK_ENOMEM,
 * CK_ETOOBIG.
 */
int ck_pem_encode(struct ck_buf *out, const char *label, const void *der,
                  size_t n) CK_WUR;

/*
 * Find the first PEM block in text[0..n) and append its decoded bytes to der.
 * If label is non-NULL, only a block with that label matches; others are
 * skipped unread. The found label is appended to label_out (NUL-terminated)
 * when non-NULL. *consumed (if non-NULL) receives the offset just past the
 * END line, so a caller can iterate over a bundle.
 * CK_ENOTFOUND when no (matching) block is present; CK_EINVAL when the block
 * is malformed; CK_EUNSUPPORTED for a legacy encrypted block; CK_ENOMEM,
 * CK_ETOOBIG.
 */
int ck_pem_decode(struct ck_buf *der, struct ck_buf *label_out, const char *label,
                  const char *text, size_t n, size_t *consumed) CK_WUR;

#endif
