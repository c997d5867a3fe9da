/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to core/age*.c: the header model, key sets, stanza types, STREAM,
 * armour and I/O helpers shared between those files.
 */
#ifndef CK_CORE_AGE_INTERNAL_H
#define CK_CORE_AGE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ck/age.h"

#define CK_AGE__INTRO "age-encryption.org/v1\n"
#define CK_AGE__FILE_KEY_LEN 16
#define CK_AGE__NONCE_LEN 16
#define CK_AGE__TAG_LEN 16
#define CK_AGE__CT_CHUNK (CK_AGE_CHUNK_SIZE + CK_AGE__TAG_LEN)
#define CK_AGE__MAC_LEN 32
#define CK_AGE__BODY_COLS 64
#define CK_AGE__BODY_BYTES 48

/*
 * Truncate b back to keep bytes if it grew (ck_buf_truncate trips UBSan on a
 * never-allocated buffer, so only call it when there is something to drop).
 */
static inline void ck_age__restore(struct ck_buf *b, size_t keep)
{
	if (ck_buf_len(b) > keep)
		ck_buf_truncate(b, keep);
}

/* ----- failure class (age.c) */

/* Record class + code + message; returns code. */
int ck_age__fail(enum ck_age_failure cls, int code, const char *fmt, ...) CK_PRINTF(3, 4);
void ck_age__set_failure(enum ck_age_failure cls);

/* ----- header (age_header.c) */

struct ck_age__stanza {
	char *type;  /* NUL-terminated, points into args storage */
	char **args; /* nargs pointers, NUL-terminated strings */
	size_t nargs;
	uint8_t *body;
	size_t body_len;
};

struct ck_age__header {
	struct ck_age__stanza *st;
	size_t n, cap;
	uint8_t mac[CK_AGE__MAC_LEN];
	size_t mac_input_len; /* bytes of raw header covered by the MAC */
	size_t len;           /* bytes of raw header incl. the MAC line's LF */
};

void ck_age__header_dispose(struct ck_age__header *h);
/*
 * Length of the header at the start of p (through the LF of the first line
 * that begins with "---"), or 0 if no such line is complete within n bytes.
 * *scan (start at 0) remembers how far complete lines were scanned, so
 * calling again after more data arrived does not rescan.
 */
size_t ck_age__header_find_end(const uint8_t *p, size_t n, size_t *scan);
/* Strict parse of exactly n bytes (a whole header). Header failure on error. */
int ck_age__header_parse(struct ck_age__header *h, const uint8_t *p, size_t n) CK_WUR;
/* Append a stanza (type and args copied; body copied). */
int ck_age__header_add(struct ck_age__header *h, const char *type, const char *const *args,
                       size_t nargs, const uint8_t *body, size_t body_len) CK_WUR;
/* Append the canonical encoding of the stanzas and "---" (the MAC input). */
int ck_age__header_format_body(struct ck_buf *out, const struct ck_age__header *h) CK_WUR;

/* Strict canonical unpadded base64 of exactly `want` bytes (or any when want == SIZE_MAX). */
int ck_age__b64_decode_exact(uint8_t *out, size_t want, const char *s, size_t n) CK_WUR;

/* ----- keys (age_keys.c) */

enum ck_age__kind { CK_AGE__X25519 = 1, CK_AGE__SCRYPT, CK_AGE__HYBRID };

struct ck_age__identity {
	enum ck_age__kind kind;
	uint8_t secret[32]; /* X25519 scalar, or hybrid seed */
	uint8_t pub[32];    /* X25519 public key */
	char *pass;         /* scrypt: secret memory, NUL-terminated */
	size_t passlen;
	ck_age_passphrase_fn fn; /* scrypt, lazy */
	void *fn_ctx;
};

struct ck_age_identities {
	struct ck_age__identity *v; /* secret memory */
	size_t n, cap;
	unsigned max_log_n;
};

struct ck_age__recipient {
	enum ck_age__kind kind;
	uint8_t pub[32];
	char *pass; /* secret memory */
	size_t passlen;
	unsigned log_n;
};

struct ck_age_recipients {
	struct ck_age__recipient *v; /* secret memory (passphrases) */
	size_t n, cap;
};

/* ----- crypto helpers (age_crypto.c) */

int ck_age__hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikmlen, const uint8_t *salt,
                 size_t saltlen, const char *info) CK_WUR;
void ck_age__hmac(uint8_t out[32], const uint8_t key[32], const uint8_t *msg, size_t n);
/* ChaCha20-Poly1305 with a zero nonce, 16-byte file key <-> 32-byte body. */
void ck_age__wrap(uint8_t body[32], const uint8_t key[32], const uint8_t fk[16]);
int ck_age__unwrap(uint8_t fk[16], const uint8_t key[32], const uint8_t body[32]);

/* ----- stanza types */

/*
 * Unwrap results: CK_OK with the file key; CK_ENOKEY when the stanza is not
 * this identity's (other type, wrong key); CK_EUNSUPPORTED when it might be
 * but cannot be opened here; anything else is fatal (failure class set).
 */
int ck_age__x25519_wrap(struct ck_age__header *h, const uint8_t pub[32],
                        const uint8_t fk[16]) CK_WUR;
int ck_age__x25519_unwrap(uint8_t fk[16], const struct ck_age__identity *id,
                          const struct ck_age__stanza *s) CK_WUR;
int ck_age__hybrid_unwrap(uint8_t fk[16], const struct ck_age__identity *id,
                          const struct ck_age__stanza *s) CK_WUR;
int ck_age__scrypt_wrap(struct ck_age__header *h, const struct ck_age__recipient *r,
                        const uint8_t fk[16]) CK_WUR;
int ck_age__scrypt_unwrap(uint8_t fk[16], const struct ck_age__identity *id,
                          const struct ck_age__stanza *s, unsigned max_log_n) CK_WUR;

/* ----- I/O (age_io.c) */

/* Buffered reader over a source, for the header and armour detection. */
struct ck_age__reader {
	const struct ck_age_source *src;
	uint8_t *p;
	size_t cap, start, end;
	int eof;
};
int ck_age__reader_init(struct ck_age__reader *r, const struct ck_age_source *src,
                        size_t cap) CK_WUR;
void ck_age__reader_dispose(struct ck_age__reader *r);
/* Make at least n bytes available (fewer only at EOF). */
int ck_age__reader_fill(struct ck_age__reader *r, size_t n) CK_WUR;
/* Read into iovecs: buffered bytes first, then straight from the source. */
int ck_age__reader_read(void *ctx, const struct iovec *iov, int iovcnt, size_t *got);

/* Read until the iovecs are full or EOF; *got = total. */
int ck_age__read_full(const struct ck_age_source *src, const struct iovec *iov, int iovcnt,
                      size_t *got) CK_WUR;
int ck_age__write(const struct ck_age_sink *dst, const void *p, size_t n) CK_WUR;

/* A memory source/sink. */
struct ck_age__mem_src {
	const uint8_t *p;
	size_t n, off;
};
void ck_age__source_mem(struct ck_age_source *s, struct ck_age__mem_src *m, const void *p,
                        size_t n);
void ck_age__sink_buf(struct ck_age_sink *s, struct ck_buf *b);

/* ----- armour (age_armor.c) */

struct ck_age__armor_writer;
int ck_age__armor_writer_new(struct ck_age__armor_writer **w, const struct ck_age_sink *dst) CK_WUR;
/* The sink that armours into dst. */
void ck_age__armor_writer_sink(struct ck_age__armor_writer *w, struct ck_age_sink *s);
int ck_age__armor_writer_close(struct ck_age__armor_writer *w) CK_WUR;
void ck_age__armor_writer_free(struct ck_age__armor_writer *w);

struct ck_age__armor_reader;
int ck_age__armor_reader_new(struct ck_age__armor_reader **r, struct ck_age__reader *in) CK_WUR;
void ck_age__armor_reader_source(struct ck_age__armor_reader *r, struct ck_age_source *s);
void ck_age__armor_reader_free(struct ck_age__armor_reader *r);
/* 1 if the buffered input starts (after whitespace) with "-----". */
int ck_age__looks_armored(struct ck_age__reader *r, int *out) CK_WUR;

/* ----- STREAM (age_stream.c) */

/*
 * Encrypt src to dst under (file key, fresh nonce), writing the nonce first.
 * known_len: the exact input length when known (memory), else NULL; it sizes
 * the buffer (a 32-byte sops key needs 48 bytes, not a batch) and threads.
 */
int ck_age__stream_seal(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        const uint8_t fk[16], const size_t *known_len) CK_WUR;
/*
 * Read the nonce and decrypt; failure classes set (payload; header for a
 * missing nonce). known_len: an upper bound of what src still holds (sizes
 * the buffer, decides threads), or NULL when unknown.
 */
int ck_age__stream_open(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        const uint8_t fk[16], const size_t *known_len, uint64_t *written) CK_WUR;

#endif
