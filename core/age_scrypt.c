/* SPDX-License-Identifier: Apache-2.0 */
/* The scrypt (passphrase) recipient type: "-> scrypt <salt> <log2 N>". */
#include <stdio.h>
#include <string.h>

#include "age_internal.h"
#include "ck/buf.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/rand.h"
#include "ck/secret.h"

static const char label[] = "age-encryption.org/v1/scrypt";
#define LABEL_LEN (sizeof(label) - 1)
#define SALT_LEN 16

static int derive(uint8_t key[32], const char *pass, size_t passlen, const uint8_t salt[16],
                  unsigned log_n)
{
	uint8_t s[LABEL_LEN + SALT_LEN];

	memcpy(s, label, LABEL_LEN);
	memcpy(s + LABEL_LEN, salt, SALT_LEN);
	return ck_scrypt(key, 32, pass, passlen, s, sizeof(s), log_n);
}

int ck_age__scrypt_wrap(struct ck_age__header *h, const struct ck_age__recipient *r,
                        const uint8_t fk[16])
{
	uint8_t salt[SALT_LEN], key[32], body[32];
	struct ck_buf arg = CK_BUF_INIT;
	char logn[16];
	const char *args[2];
	int rc = CK_EINTERNAL;

	ck_random(salt, sizeof(salt));
	if ((rc = derive(key, r->pass, r->passlen, salt, r->log_n)) < 0)
		goto out;
	ck_age__wrap(body, key, fk);
	if ((rc = ck_b64_encode(&arg, salt, sizeof(salt), CK_B64_STD_RAW)) < 0)
		goto out;
	snprintf(logn, sizeof(logn), "%u", r->log_n);
	args[0] = ck_buf_cstr(&arg);
	args[1] = logn;
	rc = ck_age__header_add(h, "scrypt", args, 2, body, sizeof(body));
out:
	ck_memzero(key, sizeof(key));
	ck_buf_dispose(&arg);
	return rc;
}

/* ^[1-9][0-9]*$ with overflow checking; 0 when malformed. */
static unsigned parse_log_n(const char *s)
{
	unsigned v = 0;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 1000)
			return 0;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v;
}

int ck_age__scrypt_unwrap(uint8_t fk[16], const struct ck_age__identity *id,
                          const struct ck_age__stanza *s, unsigned max_log_n)
{
	struct ck_buf pass;
	uint8_t salt[SALT_LEN], key[32];
	unsigned log_n;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&pass, 0);
	if (id->kind != CK_AGE__SCRYPT || strcmp(s->type, "scrypt") != 0)
		return CK_ENOKEY;
	if (s->nargs != 2) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: scrypt stanza has %zu arguments, want 2",
		                  s->nargs);
		goto out;
	}
	if (ck_age__b64_decode_exact(salt, SALT_LEN, s->args[1], strlen(s->args[1])) != CK_OK) {
		rc = ck_age__fail(
		    CK_AGE_HEADER_FAILURE, CK_EINVAL,
		    "age: bad header: scrypt salt is not 16 bytes of canonical base64");
		goto out;
	}
	if ((log_n = parse_log_n(s->args[2])) == 0) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: malformed scrypt work factor");
		goto out;
	}
	if (log_n > max_log_n) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: scrypt work factor %u is over the limit %u",
		                  log_n, max_log_n);
		goto out;
	}
	if (s->body_len != 32) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: scrypt stanza body is %zu bytes, want 32",
		                  s->body_len);
		goto out;
	}
	if (id->fn != NULL) {
		if ((rc = id->fn(id->fn_ctx, &pass)) < 0) {
			ck_age__set_failure(CK_AGE_OTHER);
			goto out;
		}
		rc = derive(key, (const char *)ck_buf_data(&pass), ck_buf_len(&pass), salt, log_n);
	} else {
		rc = derive(key, id->pass, id->passlen, salt, log_n);
	}
	if (rc < 0) {
		ck_age__set_failure(CK_AGE_OTHER);
		goto out;
	}
	rc = ck_age__unwrap(fk, key, s->body);
out:
	ck_memzero(key, sizeof(key));
	ck_buf_dispose(&pass);
	return rc;
}
