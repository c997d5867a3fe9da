/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age files: header assembly and MAC, identity matching, and the whole-buffer,
 * streaming and fd entry points. The order of checks follows the spec (and
 * the CCTV classes): armour, header syntax, stanzas per identity, MAC,
 * payload nonce, STREAM.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "age_internal.h"
#include "ck/enc.h"
#include "ck/rand.h"
#include "ck/secret.h"

#define READ_BUF (64 * 1024)

static _Thread_local enum ck_age_failure last_failure;

enum ck_age_failure ck_age_last_failure(void)
{
	return last_failure;
}

void ck_age__set_failure(enum ck_age_failure cls)
{
	last_failure = cls;
}

int ck_age__fail(enum ck_age_failure cls, int code, const char *fmt, ...)
{
	char msg[CK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	last_failure = cls;
	return ck_err_set(code, "%s", msg);
}

/* ------------------------------------------------------------- encrypt */

static int header_mac(uint8_t mac[32], const uint8_t fk[16], const uint8_t *p, size_t n)
{
	uint8_t key[32];
	int rc;

	if ((rc = ck_age__hkdf(key, fk, 16, NULL, 0, "header")) < 0)
		return rc;
	ck_age__hmac(mac, key, p, n);
	ck_memzero(key, sizeof(key));
	return CK_OK;
}

/* The whole header for rs under a fresh file key (fk out). */
static int build_header(struct ck_buf *out, const struct ck_age_recipients *rs, uint8_t fk[16])
{
	struct ck_age__header h;
	uint8_t mac[32];
	size_t i, start = ck_buf_len(out);
	int rc = CK_EINTERNAL;

	memset(&h, 0, sizeof(h));
	if (rs == NULL || rs->n == 0) {
		rc = ck_err_set(CK_EINVAL, "age: no recipients");
		goto out;
	}
	for (i = 0; i < rs->n; i++) {
		if (rs->v[i].kind == CK_AGE__SCRYPT && rs->n > 1) {
			rc = ck_err_set(
			    CK_EINVAL, "age: a passphrase can't be combined with other recipients");
			goto out;
		}
	}
	ck_random(fk, 16);
	for (i = 0; i < rs->n; i++) {
		if (rs->v[i].kind == CK_AGE__SCRYPT)
			rc = ck_age__scrypt_wrap(&h, &rs->v[i], fk);
		else
			rc = ck_age__x25519_wrap(&h, rs->v[i].pub, fk);
		if (rc < 0)
			goto out;
	}
	if ((rc = ck_age__header_format_body(out, &h)) < 0)
		goto out;
	if ((rc = header_mac(mac, fk, ck_buf_data(out) + start, ck_buf_len(out) - start)) < 0)
		goto out;
	if ((rc = ck_buf_putc(out, ' ')) < 0 ||
	    (rc = ck_b64_encode(out, mac, sizeof(mac), CK_B64_STD_RAW)) < 0 ||
	    (rc = ck_buf_putc(out, '\n')) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_age__header_dispose(&h);
	return rc;
}

static int encrypt_to(const struct ck_age_sink *dst, const struct ck_age_source *src,
                      const struct ck_age_recipients *rs, int armor, const size_t *known_len)
{
	struct ck_age__armor_writer *aw = NULL;
	struct ck_age_sink armored;
	const struct ck_age_sink *to = dst;
	struct ck_buf hdr = CK_BUF_INIT;
	uint8_t fk[CK_AGE__FILE_KEY_LEN];
	int rc = CK_EINTERNAL;

	if ((rc = ck_core_init()) < 0)
		goto out;
	if ((rc = build_header(&hdr, rs, fk)) < 0)
		goto out;
	if (armor == CK_AGE_ARMOR_YES) {
		if ((rc = ck_age__armor_writer_new(&aw, dst)) < 0)
			goto out;
		ck_age__armor_writer_sink(aw, &armored);
		to = &armored;
	}
	if ((rc = ck_age__write(to, ck_buf_data(&hdr), ck_buf_len(&hdr))) < 0)
		goto out;
	if ((rc = ck_age__stream_seal(to, src, fk, known_len)) < 0)
		goto out;
	if (aw != NULL && (rc = ck_age__armor_writer_close(aw)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_memzero(fk, sizeof(fk));
	ck_age__armor_writer_free(aw);
	ck_buf_dispose(&hdr);
	return rc;
}

int ck_age_encrypt(struct ck_buf *out, const struct ck_age_recipients *rs, const void *pt, size_t n,
                   int armor)
{
	struct ck_age__mem_src m;
	struct ck_age_source src;
	struct ck_age_sink dst;
	size_t keep = ck_buf_len(out);
	int rc;

	ck_age__source_mem(&src, &m, pt, n);
	ck_age__sink_buf(&dst, out);
	rc = encrypt_to(&dst, &src, rs, armor ? CK_AGE_ARMOR_YES : CK_AGE_ARMOR_NO, &n);
	if (rc < 0)
		ck_age__restore(out, keep);
	return rc;
}

int ck_age_encrypt_stream(const struct ck_age_sink *dst, const struct ck_age_source *src,
                          const struct ck_age_recipients *rs, int armor)
{
	return encrypt_to(dst, src, rs, armor, NULL);
}

int ck_age_encrypt_fd(int out_fd, int in_fd, const struct ck_age_recipients *rs, int armor)
{
	struct ck_age_source src;
	struct ck_age_sink dst;

	ck_age_source_fd(&src, &in_fd);
	ck_age_sink_fd(&dst, &out_fd);
	return encrypt_to(&dst, &src, rs, armor, NULL);
}

/* ------------------------------------------------------------- decrypt */

/* The reference rejects any scrypt stanza that is not alone, whatever the identities. */
static int check_scrypt_alone(const struct ck_age__header *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->st[i].type, "scrypt") == 0 && h->n != 1)
			return ck_age__fail(
			    CK_AGE_HEADER_FAILURE, CK_EINVAL,
			    "age: bad header: an scrypt stanza must be the only one");
	return CK_OK;
}

static int find_file_key(uint8_t fk[16], const struct ck_age__header *h,
                         const struct ck_age_identities *ids)
{
	const struct ck_age__identity *id;
	size_t i, j;
	int unsupported = 0, rc;

	for (i = 0; ids != NULL && i < ids->n; i++) {
		id = &ids->v[i];
		for (j = 0; j < h->n; j++) {
			switch (id->kind) {
			case CK_AGE__X25519:
				rc = ck_age__x25519_unwrap(fk, id, &h->st[j]);
				break;
			case CK_AGE__SCRYPT:
				rc = ck_age__scrypt_unwrap(fk, id, &h->st[j], ids->max_log_n);
				break;
			case CK_AGE__HYBRID:
				rc = ck_age__hybrid_unwrap(fk, id, &h->st[j]);
				break;
			default:
				rc = CK_ENOKEY;
				break;
			}
			if (rc == CK_OK)
				return CK_OK;
			if (rc == CK_EUNSUPPORTED) {
				unsupported = 1;
				continue;
			}
			if (rc != CK_ENOKEY)
				return rc; /* a malformed stanza of a known type */
		}
	}
	if (unsupported)
		return ck_age__fail(CK_AGE_UNSUPPORTED, CK_EUNSUPPORTED,
		                    "age: the file is encrypted to a post-quantum (mlkem768x25519) "
		                    "recipient; ML-KEM is not supported here");
	return ck_age__fail(CK_AGE_NO_MATCH, CK_ENOKEY,
	                    "age: no identity matched any of the recipients");
}

/* Buffer the header from r; *len is its length from r->start. */
static int read_header(struct ck_age__reader *r, size_t *len)
{
	size_t scan = 0, end, avail;
	int rc;

	for (;;) {
		avail = r->end - r->start;
		end = ck_age__header_find_end(r->p + r->start, avail, &scan);
		if (end != 0) {
			*len = end;
			return CK_OK;
		}
		if (r->eof) {
			/* Let the strict parser name what is wrong. */
			*len = avail;
			return CK_OK;
		}
		if (avail >= CK_AGE_MAX_HEADER)
			return ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
			                    "age: bad header: longer than %u bytes",
			                    CK_AGE_MAX_HEADER);
		if ((rc = ck_age__reader_fill(r, avail + 1)) < 0) {
			if (ck_age_last_failure() == CK_AGE_OK)
				ck_age__set_failure(CK_AGE_OTHER);
			return rc;
		}
	}
}

static int decrypt_from(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        const struct ck_age_identities *ids, int armor, const size_t *known_total,
                        uint64_t *written)
{
	struct ck_age__reader raw, dearmored, *hr = &raw;
	struct ck_age__armor_reader *ar = NULL;
	struct ck_age_source armor_src, payload;
	struct ck_age__header h;
	uint8_t fk[CK_AGE__FILE_KEY_LEN], mac[32];
	size_t hlen = 0, left = 0;
	uint64_t dummy = 0;
	int rc = CK_EINTERNAL, is_armored = armor == CK_AGE_ARMOR_YES;

	memset(&h, 0, sizeof(h));
	memset(&dearmored, 0, sizeof(dearmored));
	if (written == NULL)
		written = &dummy;
	*written = 0;
	last_failure = CK_AGE_OK;
	if ((rc = ck_core_init()) < 0 ||
	    (rc = ck_age__reader_init(
	         &raw, src, known_total && *known_total < READ_BUF ? *known_total + 1 : READ_BUF)) <
	        0) {
		last_failure = CK_AGE_OTHER;
		goto out0;
	}
	if (armor == CK_AGE_ARMOR_AUTO && (rc = ck_age__looks_armored(&raw, &is_armored)) < 0) {
		last_failure = CK_AGE_OTHER;
		goto out;
	}
	if (is_armored) {
		if ((rc = ck_age__armor_reader_new(&ar, &raw)) < 0 ||
		    (ck_age__armor_reader_source(ar, &armor_src),
		     rc = ck_age__reader_init(&dearmored, &armor_src, READ_BUF)) < 0) {
			last_failure = CK_AGE_OTHER;
			goto out;
		}
		hr = &dearmored;
	}
	if ((rc = read_header(hr, &hlen)) < 0)
		goto out;
	if ((rc = ck_age__header_parse(&h, hr->p + hr->start, hlen)) < 0)
		goto out;
	if ((rc = check_scrypt_alone(&h)) < 0)
		goto out;
	if ((rc = find_file_key(fk, &h, ids)) < 0)
		goto out;
	if ((rc = header_mac(mac, fk, hr->p + hr->start, h.mac_input_len)) < 0)
		goto out;
	if (!ck_memeq(mac, h.mac, sizeof(mac))) {
		rc =
		    ck_age__fail(CK_AGE_HMAC_FAILURE, CK_EAUTH,
		                 "age: bad header MAC (the header was tampered with or corrupted)");
		goto out;
	}
	hr->start += hlen;
	payload.read = ck_age__reader_read;
	payload.ctx = hr;
	/* Armour only shrinks: the text length bounds what it decodes to. */
	if (known_total != NULL)
		left = is_armored ? *known_total : *known_total - hlen;
	rc = ck_age__stream_open(dst, &payload, fk, known_total ? &left : NULL, written);
	if (rc < 0)
		goto out;
	last_failure = CK_AGE_OK;
	rc = CK_OK;
out:
	ck_memzero(fk, sizeof(fk));
	ck_age__header_dispose(&h);
	ck_age__reader_dispose(&dearmored);
	ck_age__armor_reader_free(ar);
	ck_age__reader_dispose(&raw);
out0:
	if (rc < 0 && last_failure == CK_AGE_OK)
		last_failure = CK_AGE_OTHER;
	return rc;
}

int ck_age_decrypt(struct ck_buf *out, const struct ck_age_identities *ids, const void *in,
                   size_t n)
{
	struct ck_age__mem_src m;
	struct ck_age_source src;
	struct ck_age_sink dst;
	size_t keep = ck_buf_len(out);
	int rc;

	ck_age__source_mem(&src, &m, in, n);
	ck_age__sink_buf(&dst, out);
	rc = decrypt_from(&dst, &src, ids, CK_AGE_ARMOR_AUTO, &n, NULL);
	if (rc < 0)
		ck_age__restore(out, keep);
	return rc;
}

int ck_age_decrypt_stream(const struct ck_age_sink *dst, const struct ck_age_source *src,
                          const struct ck_age_identities *ids, int armor, uint64_t *written)
{
	return decrypt_from(dst, src, ids, armor, NULL, written);
}

int ck_age_decrypt_fd(int out_fd, int in_fd, const struct ck_age_identities *ids)
{
	struct ck_age_source src;
	struct ck_age_sink dst;

	ck_age_source_fd(&src, &in_fd);
	ck_age_sink_fd(&dst, &out_fd);
	return decrypt_from(&dst, &src, ids, CK_AGE_ARMOR_AUTO, NULL, NULL);
}
