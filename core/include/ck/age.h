/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age v1 (age-encryption.org/v1): X25519 and scrypt recipients, armour, and
 * the STREAM payload. Spec: shared/specs/age.md.
 *
 * Contract sketch fixed early so sops can build on it; the age
 * implementation may extend it (streaming API, stanza access) but keeps these.
 */
#ifndef CK_AGE_H
#define CK_AGE_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

/* Error codes age uses: CK_EINVAL header failure, CK_ENOKEY no match,
 * CK_EAUTH HMAC or payload failure, and armour failures as CK_EINVAL with an
 * "age: armor: ..." message. ck_age_last_failure() gives the exact CCTV class. */
enum ck_age_failure {
	CK_AGE_OK = 0,
	CK_AGE_ARMOR_FAILURE,
	CK_AGE_HEADER_FAILURE,
	CK_AGE_NO_MATCH,
	CK_AGE_HMAC_FAILURE,
	CK_AGE_PAYLOAD_FAILURE,
};
enum ck_age_failure ck_age_last_failure(void);

/* A set of identities (X25519 secret keys and/or passphrases). */
struct ck_age_identities;
/*
 * Parse identity-file text: "AGE-SECRET-KEY-1..." lines, '#' comments and
 * blank lines (the age-keygen format). May be called repeatedly to add keys
 * from several files. *ids is created on first use.
 */
int ck_age_identities_add_text(struct ck_age_identities **ids, const char *text, size_t n) CK_WUR;
int ck_age_identities_add_passphrase(struct ck_age_identities **ids, const char *pass,
                                     size_t n) CK_WUR;
size_t ck_age_identities_count(const struct ck_age_identities *ids);
void ck_age_identities_free(struct ck_age_identities *ids);

/* A list of recipients. */
struct ck_age_recipients;
/* Add an "age1..." recipient. */
int ck_age_recipients_add(struct ck_age_recipients **rs, const char *age1, size_t n) CK_WUR;
/* Add every recipient of a recipients file (-R): one per line, '#' comments. */
int ck_age_recipients_add_file_text(struct ck_age_recipients **rs, const char *text, size_t n) CK_WUR;
/* Passphrase recipient (scrypt, work factor log_n; 0 = default 18). Only stanza. */
int ck_age_recipients_add_passphrase(struct ck_age_recipients **rs, const char *pass, size_t n,
                                     unsigned log_n) CK_WUR;
void ck_age_recipients_free(struct ck_age_recipients *rs);

/* Whole-buffer encryption; appends the age file (armoured when armor). */
int ck_age_encrypt(struct ck_buf *out, const struct ck_age_recipients *rs, const void *pt,
                   size_t n, int armor) CK_WUR;
/*
 * Whole-buffer decryption of a binary or armoured age file; appends the
 * plaintext to out (use a secure buffer) only when everything verified.
 */
int ck_age_decrypt(struct ck_buf *out, const struct ck_age_identities *ids, const void *in,
                   size_t n) CK_WUR;

/* New X25519 identity: "AGE-SECRET-KEY-1..." to secret_out (secure) and "age1..." to pub_out. */
int ck_age_keygen(struct ck_buf *secret_out, struct ck_buf *pub_out) CK_WUR;
/* The "age1..." public key of an "AGE-SECRET-KEY-1..." string. */
int ck_age_identity_to_recipient(struct ck_buf *pub_out, const char *secret, size_t n) CK_WUR;

#endif
