/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AWS Signature Version 4 (HMAC-SHA256), header and query (presigned) forms.
 *
 * The signer works on a description of the request (method, path, query,
 * header lines, body) and produces the canonical request, the string to sign,
 * the signature and what to add to the request: the Authorization header (and
 * X-Amz-Date, X-Amz-Security-Token, x-amz-content-sha256 as asked) or the
 * presigned query string. Canonicalisation:
 *   - path: with `normalize`, dot segments removed and '//' collapsed; then
 *     every byte outside A-Za-z0-9-._~ and '/' is %XX-encoded (so a path that
 *     is already percent-encoded on the wire is encoded twice, as AWS wants
 *     for every service but S3);
 *   - query: split on '&', each name and value percent-decoded then encoded,
 *     "name" without '=' becomes "name=", sorted by name then value;
 *   - headers: names lower-cased, values trimmed with inner blank runs
 *     collapsed, repeated names joined with ',' in order, sorted.
 * Every header line given is signed; the caller gives only the headers it
 * sends (at least Host).
 *
 * The secret key and session token are secrets: they never appear in
 * messages; the outputs hold only the signature.
 */
#ifndef CK_SIGV4_H
#define CK_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/err.h"

struct ck_aws_creds {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token;  /* NULL or "" for long-term keys */
};

struct ck_sigv4_params {
	const char *region;         /* "us-east-1" */
	const char *service;        /* signing name: "kms", "secretsmanager", "sts" */
	time_t when;                /* signing time (UTC seconds); used unless the
	                               request already has an X-Amz-Date header */
	int normalize;              /* 1: RFC 3986 dot-segment removal and '//' collapse
	                               (every service but S3) */
	int content_sha256_header;  /* 1: add and sign x-amz-content-sha256 */
	int token_after;            /* 1: the session token is added after signing
	                               (not signed); default: signed */
	long expires;               /* query form: X-Amz-Expires seconds (0: 3600) */
};

struct ck_sigv4_request {
	const char *method;
	const char *path;           /* "/" when NULL or empty */
	const char *query;          /* without '?'; NULL or "" for none */
	const char *const *headers; /* "Name:value" lines (blank after ':' allowed),
	                               NULL-terminated; folded values must be unfolded */
	const void *body;
	size_t body_len;
};

struct ck_sigv4_out {
	struct ck_buf canonical;     /* canonical request */
	struct ck_buf string_to_sign;
	struct ck_buf signature;     /* 64 lower-case hex digits */
	struct ck_buf date;          /* X-Amz-Date value, 20150830T123600Z */
	/* header form: */
	struct ck_buf authorization; /* value of the Authorization header */
	struct ck_buf add_headers;   /* lines to add besides Authorization, each
	                                "Name:value\n": X-Amz-Date (if absent),
	                                X-Amz-Security-Token (if absent),
	                                x-amz-content-sha256 (if asked) */
	/* query form: */
	struct ck_buf query;         /* complete query string to send (original
	                                parameters first, then X-Amz-*) */
};

void ck_sigv4_out_init(struct ck_sigv4_out *o);
void ck_sigv4_out_dispose(struct ck_sigv4_out *o);

/*
 * Header-based signing. CK_EINVAL for a request that cannot be signed
 * (missing Host, malformed header line, bad percent escape, missing
 * credentials or region/service); CK_ENOMEM.
 */
int ck_sigv4_sign(struct ck_sigv4_out *out, const struct ck_sigv4_request *req,
                  const struct ck_aws_creds *creds, const struct ck_sigv4_params *p) CK_WUR;

/* Query-string signing (presigned URL); same errors. */
int ck_sigv4_presign(struct ck_sigv4_out *out, const struct ck_sigv4_request *req,
                     const struct ck_aws_creds *creds, const struct ck_sigv4_params *p) CK_WUR;

/* X-Amz-Date form of t (UTC): 16 characters + NUL. */
void ck_sigv4_format_date(char out[17], time_t t);

/* Parse an X-Amz-Date value; CK_EINVAL when malformed. */
int ck_sigv4_parse_date(time_t *out, const char *s) CK_WUR;

/* RFC 3986 encoding as SigV4 wants it (A-Za-z0-9-._~ kept; '/' kept if keep_slash). */
int ck_sigv4_uri_encode(struct ck_buf *out, const void *p, size_t n, int keep_slash) CK_WUR;

#endif
