/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "-> mlkem768x25519 <enc>" stanzas (age 1.3 hybrid post-quantum). This build
 * has no ML-KEM, so a hybrid identity can only do what needs none of it:
 * reject stanzas that are malformed whatever the key (wrong argument count,
 * enc not 1120 bytes of canonical base64, body not 32 bytes, a low-order
 * X25519 half of enc, which makes the shared secret all-zero for every key),
 * and say "unsupported" for well-formed ones instead of a false "no match".
 */
#include <string.h>

#include <sodium.h>

#include "age_internal.h"
#include "ck/alloc.h"
#include "ck/secret.h"

#define ENC_LEN 1120 /* ML-KEM-768 ciphertext (1088) || X25519 share (32) */

int ck_age__hybrid_unwrap(uint8_t fk[16], const struct ck_age__identity *id,
                          const struct ck_age__stanza *s)
{
	static const uint8_t scalar[32] = {9}; /* any scalar: low order kills them all */
	uint8_t *enc = NULL, out[32];
	int rc = CK_EINTERNAL;

	(void)fk;
	if (id->kind != CK_AGE__HYBRID || strcmp(s->type, "mlkem768x25519") != 0)
		return CK_ENOKEY;
	if ((enc = ck_alloc(ENC_LEN)) == NULL) {
		rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
		goto out;
	}
	if (s->nargs != 1) {
		rc = ck_age__fail(
		    CK_AGE_HEADER_FAILURE, CK_EINVAL,
		    "age: bad header: mlkem768x25519 stanza has %zu arguments, want 1", s->nargs);
		goto out;
	}
	if (ck_age__b64_decode_exact(enc, ENC_LEN, s->args[1], strlen(s->args[1])) != CK_OK) {
		rc =
		    ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                 "age: bad header: mlkem768x25519 enc is not %d bytes of canonical "
		                 "base64",
		                 ENC_LEN);
		goto out;
	}
	if (s->body_len != 32) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: mlkem768x25519 body is %zu bytes, want 32",
		                  s->body_len);
		goto out;
	}
	if (crypto_scalarmult_curve25519(out, scalar, enc + ENC_LEN - 32) != 0) {
		rc = ck_age__fail(
		    CK_AGE_HEADER_FAILURE, CK_EINVAL,
		    "age: bad header: mlkem768x25519 X25519 share is a low-order point");
		goto out;
	}
	rc = CK_EUNSUPPORTED;
out:
	ck_free(enc);
	return rc;
}
