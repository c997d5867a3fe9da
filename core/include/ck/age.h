/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age v1 (age-encryption.org/v1): X25519 and scrypt recipients, armour, and
 * the STREAM payload. Spec: shared/specs/age.md.
 *
 * Decoding is strict: every CCTV vector gets its named outcome. Decryption
 * releases plaintext only chunk by chunk after each chunk authenticated, and
 * the whole-buffer form releases nothing unless everything verified.
 *
 * Error codes: CK_EINVAL header failure ("age: bad header: ..."), CK_ENOKEY
 * no match ("age: no identity matched any of the recipients"), CK_EAUTH
 * HMAC ("age: bad header MAC ...") or payload failure ("age: payload ..."),
 * armour failures as CK_EINVAL with an "age: bad armor: ..." message,
 * CK_EUNSUPPORTED for valid input this build cannot open (ML-KEM hybrid
 * stanzas, plugins, SSH keys), CK_ETOOBIG over a limit, CK_EIO from I/O.
 * ck_age_last_failure() gives the exact CCTV class of the last decryption.
 */
#ifndef CK_AGE_H
#define CK_AGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "ck/buf.h"

enum ck_age_failure {
	CK_AGE_OK = 0,
	CK_AGE_ARMOR_FAILURE,
	CK_AGE_HEADER_FAILURE,
	CK_AGE_NO_MATCH,
	CK_AGE_HMAC_FAILURE,
	CK_AGE_PAYLOAD_FAILURE,
	CK_AGE_UNSUPPORTED, /* needs a feature not built here (ML-KEM) */
	CK_AGE_OTHER,       /* I/O, memory, limits: not a property of the file */
};
/* The class of the last ck_age_decrypt* failure of this thread (CK_AGE_OK after success). */
enum ck_age_failure ck_age_last_failure(void);

/* Limits. */
#define CK_AGE_CHUNK_SIZE 65536
#define CK_AGE_MAX_HEADER (16u << 20)  /* bytes of header accepted */
#define CK_AGE_MAX_KEYFILE (16u << 20) /* identity / recipients file */
#define CK_AGE_SCRYPT_MAX_LOG_N 22     /* decryption limit (the reference's) */
#define CK_AGE_SCRYPT_DEFAULT_LOG_N 18 /* encryption default */

/* ------------------------------------------------------------------ keys */

/* A set of identities (X25519 secret keys and/or passphrases), tried in order. */
struct ck_age_identities;
/*
 * Parse identity-file text: "AGE-SECRET-KEY-1..." lines, '#' comments and
 * blank lines (the age-keygen format; CRLF tolerated). May be called
 * repeatedly to add keys from several files. *ids is created on first use.
 * Any other line rejects the whole text (CK_EINVAL naming the line number,
 * never its content). "AGE-SECRET-KEY-PQ-1..." hybrid identities are accepted
 * but can only validate mlkem768x25519 stanzas, not open them (no ML-KEM);
 * plugin identities and SSH private keys are CK_EUNSUPPORTED. At least one
 * identity is required. Nothing is added on failure.
 */
int ck_age_identities_add_text(struct ck_age_identities **ids, const char *text, size_t n) CK_WUR;
/* A passphrase for scrypt stanzas (copied into secret memory). */
int ck_age_identities_add_passphrase(struct ck_age_identities **ids, const char *pass,
                                     size_t n) CK_WUR;
/*
 * A passphrase asked for only when a file has an scrypt stanza: fn appends it
 * to out (a secure buffer) and returns CK_OK or an error that decryption
 * then returns. ctx is borrowed.
 */
typedef int (*ck_age_passphrase_fn)(void *ctx, struct ck_buf *out);
int ck_age_identities_add_passphrase_fn(struct ck_age_identities **ids, ck_age_passphrase_fn fn,
                                        void *ctx) CK_WUR;
/* Highest scrypt work factor accepted when decrypting (default 22). */
void ck_age_identities_set_max_log_n(struct ck_age_identities *ids, unsigned log_n);
size_t ck_age_identities_count(const struct ck_age_identities *ids);
/* Append the "age1..." recipients (one per line) of the X25519 identities. */
int ck_age_identities_recipients(struct ck_buf *out, const struct ck_age_identities *ids) CK_WUR;
void ck_age_identities_free(struct ck_age_identities *ids);

/* A list of recipients. */
struct ck_age_recipients;
/* Add an "age1..." recipient (exactly, lower case). CK_EINVAL, CK_EUNSUPPORTED (pq, ssh, plugin).
 */
int ck_age_recipients_add(struct ck_age_recipients **rs, const char *age1, size_t n) CK_WUR;
/* Add every recipient of a recipients file (-R): one per line, '#' comments. */
int ck_age_recipients_add_file_text(struct ck_age_recipients **rs, const char *text,
                                    size_t n) CK_WUR;
/* Passphrase recipient (scrypt, work factor log_n; 0 = default 18). Only stanza. */
int ck_age_recipients_add_passphrase(struct ck_age_recipients **rs, const char *pass, size_t n,
                                     unsigned log_n) CK_WUR;
size_t ck_age_recipients_count(const struct ck_age_recipients *rs);
void ck_age_recipients_free(struct ck_age_recipients *rs);

/* New X25519 identity: "AGE-SECRET-KEY-1..." to secret_out (secure) and "age1..." to pub_out. */
int ck_age_keygen(struct ck_buf *secret_out, struct ck_buf *pub_out) CK_WUR;
/*
 * A whole new identity file in age-keygen's format, appended to out (secure):
 * "# created: <RFC 3339 local time>", "# public key: age1...", the key, each
 * with LF. The recipient also goes to pub_out when not NULL.
 */
int ck_age_keygen_file(struct ck_buf *out, struct ck_buf *pub_out) CK_WUR;
/* The "age1..." public key of an "AGE-SECRET-KEY-1..." string. */
int ck_age_identity_to_recipient(struct ck_buf *pub_out, const char *secret, size_t n) CK_WUR;

/* ------------------------------------------------------- whole buffers */

/* Whole-buffer encryption; appends the age file (armoured when armor). */
int ck_age_encrypt(struct ck_buf *out, const struct ck_age_recipients *rs, const void *pt, size_t n,
                   int armor) CK_WUR;
/*
 * Whole-buffer decryption of a binary or armoured age file (armour detected:
 * first non-whitespace bytes "-----"); appends the plaintext to out (use a
 * secure buffer) only when everything verified, else leaves out unchanged.
 */
int ck_age_decrypt(struct ck_buf *out, const struct ck_age_identities *ids, const void *in,
                   size_t n) CK_WUR;

/* ----------------------------------------------------- format helpers */

/*
 * Strictly parse the header at the start of an (unarmoured) age file and
 * append its canonical encoding to out; *hlen gets the header's length in
 * `in`. A valid header re-encodes to exactly its own bytes. CK_EINVAL on a
 * header failure (the class is also recorded for ck_age_last_failure).
 */
int ck_age_header_reencode(struct ck_buf *out, const void *in, size_t n, size_t *hlen) CK_WUR;
/* ASCII armour of n bytes, appended to out (the exact form age writes). */
int ck_age_armor_encode(struct ck_buf *out, const void *in, size_t n) CK_WUR;
/* Strict armour decoding of the whole input; CK_EINVAL "age: bad armor: ...". */
int ck_age_armor_decode(struct ck_buf *out, const void *in, size_t n) CK_WUR;

/* ---------------------------------------------------------- streaming */

/*
 * Byte source and sink for the streaming API. read fills the iovecs in order
 * and sets *got (0 only at end of input); it may return fewer bytes than
 * asked. write must write everything. Both return CK_OK or a ck_err code.
 */
struct ck_age_source {
	int (*read)(void *ctx, const struct iovec *iov, int iovcnt, size_t *got);
	void *ctx;
};
struct ck_age_sink {
	int (*write)(void *ctx, const struct iovec *iov, int iovcnt);
	void *ctx;
};
/* Sources and sinks over file descriptors (ctx points at the int fd). */
void ck_age_source_fd(struct ck_age_source *s, int *fd);
void ck_age_sink_fd(struct ck_age_sink *s, int *fd);

enum ck_age_armor { CK_AGE_ARMOR_AUTO = -1, CK_AGE_ARMOR_NO = 0, CK_AGE_ARMOR_YES = 1 };

/*
 * Encrypt everything from src to dst in constant memory (a few 64 KiB chunks
 * per worker), armoured when armor is CK_AGE_ARMOR_YES.
 */
int ck_age_encrypt_stream(const struct ck_age_sink *dst, const struct ck_age_source *src,
                          const struct ck_age_recipients *rs, int armor) CK_WUR;
/*
 * Decrypt src to dst in constant memory. armor: CK_AGE_ARMOR_AUTO detects
 * it, YES requires it, NO treats the input as binary. Only authenticated
 * chunks reach dst, in order; on a payload failure the chunks before the
 * failing one have been written, so a caller that must not leave partial
 * plaintext writes to a temporary file and renames it only on success.
 * *written (may be NULL) receives the plaintext bytes written.
 */
int ck_age_decrypt_stream(const struct ck_age_sink *dst, const struct ck_age_source *src,
                          const struct ck_age_identities *ids, int armor, uint64_t *written) CK_WUR;

/* The same over file descriptors (the CLI's path). */
int ck_age_encrypt_fd(int out_fd, int in_fd, const struct ck_age_recipients *rs, int armor) CK_WUR;
int ck_age_decrypt_fd(int out_fd, int in_fd, const struct ck_age_identities *ids) CK_WUR;

#endif
