/* SPDX-License-Identifier: Apache-2.0 */
/* The X25519 recipient type: "-> X25519 <ephemeral share>" + wrapped file key. */
#include <string.h>

#include <sodium.h>

#include "age_internal.h"
#include "ck/enc.h"
#include "ck/rand.h"
#include "ck/secret.h"

static const char label[] = "age-encryption.org/v1/X25519";

/* wrap key = HKDF(shared, salt = share || recipient, label). */
static int wrap_key(uint8_t key[32], const uint8_t shared[32], const uint8_t share[32],
                    const uint8_t pub[32])
{
	uint8_t salt[64];

	memcpy(salt, share, 32);
	memcpy(salt + 32, pub, 32);
	return ck_age__hkdf(key, shared, 32, salt, sizeof(salt), label);
}

int ck_age__x25519_wrap(struct ck_age__header *h, const uint8_t pub[32], const uint8_t fk[16])
{
	uint8_t eph[32], share[32], shared[32], key[32], body[32];
	struct ck_buf arg = CK_BUF_INIT;
	const char *args[1];
	int rc = CK_EINTERNAL;

	ck_random(eph, sizeof(eph));
	if (crypto_scalarmult_curve25519_base(share, eph) != 0 ||
	    crypto_scalarmult_curve25519(shared, eph, pub) != 0) {
		/* A low-order recipient key: refuse rather than leak the file key. */
		rc = ck_err_set(CK_EINVAL, "age: recipient is a low-order X25519 point");
		goto out;
	}
	if ((rc = wrap_key(key, shared, share, pub)) < 0)
		goto out;
	ck_age__wrap(body, key, fk);
	if ((rc = ck_b64_encode(&arg, share, sizeof(share), CK_B64_STD_RAW)) < 0)
		goto out;
	args[0] = ck_buf_cstr(&arg);
	rc = ck_age__header_add(h, "X25519", args, 1, body, sizeof(body));
out:
	ck_memzero(eph, sizeof(eph));
	ck_memzero(shared, sizeof(shared));
	ck_memzero(key, sizeof(key));
	ck_buf_dispose(&arg);
	return rc;
}

int ck_age__x25519_unwrap(uint8_t fk[16], const struct ck_age__identity *id,
                          const struct ck_age__stanza *s)
{
	uint8_t share[32], shared[32], key[32];
	int rc = CK_EINTERNAL;

	if (id->kind != CK_AGE__X25519 || strcmp(s->type, "X25519") != 0)
		return CK_ENOKEY;
	/* A malformed stanza of our own type is fatal, not "someone else's". */
	if (s->nargs != 1) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: X25519 stanza has %zu arguments, want 1",
		                  s->nargs);
		goto out;
	}
	if (ck_age__b64_decode_exact(share, 32, s->args[1], strlen(s->args[1])) != CK_OK) {
		rc = ck_age__fail(
		    CK_AGE_HEADER_FAILURE, CK_EINVAL,
		    "age: bad header: X25519 share is not 32 bytes of canonical base64");
		goto out;
	}
	if (s->body_len != 32) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: X25519 stanza body is %zu bytes, want 32",
		                  s->body_len);
		goto out;
	}
	/* libsodium fails exactly on the all-zero shared secret (low-order share). */
	if (crypto_scalarmult_curve25519(shared, id->secret, share) != 0 ||
	    sodium_is_zero(shared, sizeof(shared))) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: X25519 share is a low-order point");
		goto out;
	}
	if ((rc = wrap_key(key, shared, share, id->pub)) < 0)
		goto out;
	rc = ck_age__unwrap(fk, key, s->body);
out:
	ck_memzero(shared, sizeof(shared));
	ck_memzero(key, sizeof(key));
	return rc;
}
