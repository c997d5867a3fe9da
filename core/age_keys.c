/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age keys: identity and recipient sets, identity/recipients files, key
 * generation in age-keygen's format. Messages about bad key lines give the
 * line number only: an identity line is a secret even when it is malformed.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "age_internal.h"
#include "ck/alloc.h"
#include "ck/bech32.h"
#include "ck/rand.h"
#include "ck/secret.h"

#define SECRET_HRP "AGE-SECRET-KEY-"
#define SECRET_PREFIX "AGE-SECRET-KEY-1"
#define PQ_PREFIX "AGE-SECRET-KEY-PQ-1"
#define PLUGIN_PREFIX "AGE-PLUGIN-"

static int starts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && memcmp(s, prefix, pl) == 0;
}

/* ------------------------------------------------------------ identities */

static int ids_reserve(struct ck_age_identities **pids, size_t more)
{
	struct ck_age_identities *ids = *pids;
	struct ck_age__identity *v;
	size_t cap;

	if (ids == NULL) {
		if ((ids = ck_calloc(1, sizeof(*ids))) == NULL)
			return ck_err_set(CK_ENOMEM, "out of memory");
		ids->max_log_n = CK_AGE_SCRYPT_MAX_LOG_N;
		*pids = ids;
	}
	if (ids->n + more <= ids->cap)
		return CK_OK;
	cap = ids->cap ? ids->cap * 2 : 4;
	while (cap < ids->n + more)
		cap *= 2;
	if ((v = ck_secret_alloc(cap * sizeof(*v))) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	if (ids->n)
		memcpy(v, ids->v, ids->n * sizeof(*v));
	ck_secret_free(ids->v);
	ids->v = v;
	ids->cap = cap;
	return CK_OK;
}

static void identity_dispose(struct ck_age__identity *id)
{
	ck_secret_free(id->pass);
	ck_memzero(id, sizeof(*id));
}

/* Decode one "AGE-SECRET-KEY-1..." / "-PQ-1..." string into id. */
static int parse_secret(struct ck_age__identity *id, const char *s, size_t n)
{
	struct ck_buf hrp = CK_BUF_INIT, data;
	int pq = starts(s, n, PQ_PREFIX), rc = CK_EINTERNAL;

	ck_buf_init_secure(&data, 0);
	memset(id, 0, sizeof(*id));
	if (!pq && !starts(s, n, SECRET_PREFIX)) {
		rc = ck_err_set(CK_EINVAL, "age: not an AGE-SECRET-KEY-1 identity");
		goto out;
	}
	if (ck_bech32_decode(&hrp, &data, s, n, 0) != CK_OK ||
	    strcmp(ck_buf_cstr(&hrp), pq ? "age-secret-key-pq-" : "age-secret-key-") != 0 ||
	    ck_buf_len(&data) != 32) {
		rc = ck_err_set(CK_EINVAL, "age: malformed secret key");
		goto out;
	}
	memcpy(id->secret, ck_buf_data(&data), 32);
	if (pq) {
		id->kind = CK_AGE__HYBRID;
	} else {
		id->kind = CK_AGE__X25519;
		crypto_scalarmult_curve25519_base(id->pub, id->secret);
	}
	rc = CK_OK;
out:
	ck_buf_dispose(&hrp);
	ck_buf_dispose(&data);
	return rc;
}

/* What the text is when it is not an identity file, for a useful message. */
static int foreign_file(const char *text, size_t n)
{
	size_t i = 0;

	while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	text += i;
	n -= i;
	if (starts(text, n, "-----BEGIN OPENSSH PRIVATE KEY-----") ||
	    starts(text, n, "-----BEGIN RSA PRIVATE KEY-----") ||
	    starts(text, n, "-----BEGIN PRIVATE KEY-----"))
		return ck_age__fail(CK_AGE_OTHER, CK_EUNSUPPORTED,
		                    "age: SSH private keys are not supported as identities "
		                    "(use an AGE-SECRET-KEY-1 identity)");
	if (starts(text, n, "age-encryption.org/") ||
	    starts(text, n, "-----BEGIN AGE ENCRYPTED FILE-----"))
		return ck_age__fail(CK_AGE_OTHER, CK_EUNSUPPORTED,
		                    "age: passphrase-encrypted identity files are not supported "
		                    "(decrypt it first)");
	return CK_OK;
}

int ck_age_identities_add_text(struct ck_age_identities **pids, const char *text, size_t n)
{
	struct ck_age__identity *tmp = NULL;
	size_t pos, ll, lineno = 0, cnt = 0, cap = 0, i;
	const char *line, *lf;
	int rc = CK_EINTERNAL;

	if ((rc = foreign_file(text, n)) < 0)
		goto out;
	/* Parse everything first: a bad line rejects the whole file. */
	for (pos = 0; pos < n;) {
		line = text + pos;
		lf = memchr(line, '\n', n - pos);
		ll = lf ? (size_t)(lf - line) : n - pos;
		pos += ll + 1;
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--; /* Go's line scanner drops a CR before LF */
		if (ll == 0 || line[0] == '#')
			continue;
		if (starts(line, ll, PLUGIN_PREFIX)) {
			rc = ck_age__fail(CK_AGE_OTHER, CK_EUNSUPPORTED,
			                  "age: line %zu: plugin identities are not supported",
			                  lineno);
			goto out;
		}
		if (cnt == cap) {
			struct ck_age__identity *nt;

			if ((nt = ck_secret_alloc((cap ? cap * 2 : 4) * sizeof(*nt))) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "out of memory");
				goto out;
			}
			if (cnt)
				memcpy(nt, tmp, cnt * sizeof(*nt));
			ck_secret_free(tmp);
			tmp = nt;
			cap = cap ? cap * 2 : 4;
		}
		if (parse_secret(&tmp[cnt], line, ll) != CK_OK) {
			rc = ck_age__fail(CK_AGE_OTHER, CK_EINVAL,
			                  "age: line %zu: not a valid age identity "
			                  "(want AGE-SECRET-KEY-1...)",
			                  lineno);
			goto out;
		}
		cnt++;
	}
	if (cnt == 0) {
		rc = ck_age__fail(CK_AGE_OTHER, CK_EINVAL, "age: no identities found");
		goto out;
	}
	if ((rc = ids_reserve(pids, cnt)) < 0)
		goto out;
	for (i = 0; i < cnt; i++)
		(*pids)->v[(*pids)->n++] = tmp[i];
	rc = CK_OK;
out:
	if (tmp != NULL)
		ck_memzero(tmp, cap * sizeof(*tmp));
	ck_secret_free(tmp);
	return rc;
}

int ck_age_identities_add_passphrase(struct ck_age_identities **pids, const char *pass, size_t n)
{
	struct ck_age__identity *id;
	char *copy;
	int rc;

	if ((rc = ids_reserve(pids, 1)) < 0)
		return rc;
	if ((copy = ck_secret_alloc(n + 1)) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	memcpy(copy, pass, n);
	id = &(*pids)->v[(*pids)->n++];
	memset(id, 0, sizeof(*id));
	id->kind = CK_AGE__SCRYPT;
	id->pass = copy;
	id->passlen = n;
	return CK_OK;
}

int ck_age_identities_add_passphrase_fn(struct ck_age_identities **pids, ck_age_passphrase_fn fn,
                                        void *ctx)
{
	struct ck_age__identity *id;
	int rc;

	if ((rc = ids_reserve(pids, 1)) < 0)
		return rc;
	id = &(*pids)->v[(*pids)->n++];
	memset(id, 0, sizeof(*id));
	id->kind = CK_AGE__SCRYPT;
	id->fn = fn;
	id->fn_ctx = ctx;
	return CK_OK;
}

void ck_age_identities_set_max_log_n(struct ck_age_identities *ids, unsigned log_n)
{
	if (ids != NULL)
		ids->max_log_n = log_n;
}

size_t ck_age_identities_count(const struct ck_age_identities *ids)
{
	return ids ? ids->n : 0;
}

static int encode_recipient(struct ck_buf *out, const uint8_t pub[32])
{
	return ck_bech32_encode(out, "age", pub, 32, 0);
}

int ck_age_identities_recipients(struct ck_buf *out, const struct ck_age_identities *ids)
{
	size_t i, keep = ck_buf_len(out);
	int rc = CK_OK;

	for (i = 0; ids != NULL && i < ids->n && rc == CK_OK; i++) {
		switch (ids->v[i].kind) {
		case CK_AGE__X25519:
			if ((rc = encode_recipient(out, ids->v[i].pub)) == CK_OK)
				rc = ck_buf_putc(out, '\n');
			break;
		case CK_AGE__HYBRID:
			rc = ck_err_set(CK_EUNSUPPORTED,
			                "age: the recipient of a post-quantum "
			                "(AGE-SECRET-KEY-PQ-1) identity needs ML-KEM, "
			                "which is not supported");
			break;
		default:
			break;
		}
	}
	if (rc < 0)
		ck_age__restore(out, keep);
	return rc;
}

void ck_age_identities_free(struct ck_age_identities *ids)
{
	size_t i;

	if (ids == NULL)
		return;
	for (i = 0; i < ids->n; i++)
		identity_dispose(&ids->v[i]);
	ck_secret_free(ids->v);
	ck_free(ids);
}

/* ------------------------------------------------------------ recipients */

static int rs_reserve(struct ck_age_recipients **prs, size_t more)
{
	struct ck_age_recipients *rs = *prs;
	struct ck_age__recipient *v;
	size_t cap;

	if (rs == NULL) {
		if ((rs = ck_calloc(1, sizeof(*rs))) == NULL)
			return ck_err_set(CK_ENOMEM, "out of memory");
		*prs = rs;
	}
	if (rs->n + more <= rs->cap)
		return CK_OK;
	cap = rs->cap ? rs->cap * 2 : 4;
	while (cap < rs->n + more)
		cap *= 2;
	if ((v = ck_secret_alloc(cap * sizeof(*v))) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	if (rs->n)
		memcpy(v, rs->v, rs->n * sizeof(*v));
	ck_secret_free(rs->v);
	rs->v = v;
	rs->cap = cap;
	return CK_OK;
}

/* Parse one recipient string into r (X25519 only). */
static int parse_recipient(struct ck_age__recipient *r, const char *s, size_t n)
{
	struct ck_buf hrp = CK_BUF_INIT, data = CK_BUF_INIT;
	const char *h;
	int rc = CK_EINTERNAL;
	int shown = n > 80 ? 80 : (int)n;

	memset(r, 0, sizeof(*r));
	if (starts(s, n, "ssh-ed25519 ") || starts(s, n, "ssh-rsa ")) {
		rc = ck_err_set(CK_EUNSUPPORTED, "age: SSH recipients are not supported "
		                                 "(use an age1... X25519 recipient)");
		goto out;
	}
	if (!starts(s, n, "age1") || ck_bech32_decode(&hrp, &data, s, n, 0) != CK_OK) {
		rc = ck_err_set(CK_EINVAL, "age: malformed recipient \"%.*s\"", shown, s);
		goto out;
	}
	h = ck_buf_cstr(&hrp);
	if (strcmp(h, "age1pq") == 0 || strcmp(h, "age1tag") == 0 || strcmp(h, "age1tagpq") == 0) {
		rc = ck_err_set(
		    CK_EUNSUPPORTED,
		    "age: post-quantum and tagged recipients (%s1...) are not supported", h);
		goto out;
	}
	if (strcmp(h, "age") != 0) {
		rc = ck_err_set(CK_EUNSUPPORTED,
		                "age: plugin recipients (%s1...) are not supported", h);
		goto out;
	}
	if (ck_buf_len(&data) != 32) {
		rc = ck_err_set(CK_EINVAL, "age: malformed recipient \"%.*s\" (wrong length)",
		                shown, s);
		goto out;
	}
	r->kind = CK_AGE__X25519;
	memcpy(r->pub, ck_buf_data(&data), 32);
	rc = CK_OK;
out:
	ck_buf_dispose(&hrp);
	ck_buf_dispose(&data);
	return rc;
}

int ck_age_recipients_add(struct ck_age_recipients **prs, const char *age1, size_t n)
{
	struct ck_age__recipient r;
	int rc;

	if ((rc = parse_recipient(&r, age1, n)) < 0)
		return rc;
	if ((rc = rs_reserve(prs, 1)) < 0)
		return rc;
	(*prs)->v[(*prs)->n++] = r;
	return CK_OK;
}

int ck_age_recipients_add_file_text(struct ck_age_recipients **prs, const char *text, size_t n)
{
	struct ck_age_recipients *tmp = NULL;
	size_t pos, ll, lineno = 0, i;
	const char *line, *lf;
	int rc = CK_EINTERNAL;

	for (pos = 0; pos < n;) {
		line = text + pos;
		lf = memchr(line, '\n', n - pos);
		ll = lf ? (size_t)(lf - line) : n - pos;
		pos += ll + 1;
		lineno++;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll == 0 || line[0] == '#')
			continue;
		if ((rc = ck_age_recipients_add(&tmp, line, ll)) < 0) {
			ck_err_context("line %zu", lineno);
			goto out;
		}
	}
	if (tmp == NULL || tmp->n == 0) {
		rc = ck_err_set(CK_EINVAL, "age: no recipients found");
		goto out;
	}
	if ((rc = rs_reserve(prs, tmp->n)) < 0)
		goto out;
	for (i = 0; i < tmp->n; i++)
		(*prs)->v[(*prs)->n++] = tmp->v[i];
	tmp->n = 0;
	rc = CK_OK;
out:
	ck_age_recipients_free(tmp);
	return rc;
}

int ck_age_recipients_add_passphrase(struct ck_age_recipients **prs, const char *pass, size_t n,
                                     unsigned log_n)
{
	struct ck_age__recipient *r;
	char *copy;
	int rc;

	if (log_n == 0)
		log_n = CK_AGE_SCRYPT_DEFAULT_LOG_N;
	if (log_n > 30)
		return ck_err_set(CK_EINVAL, "age: scrypt work factor %u is too large", log_n);
	if (n == 0)
		return ck_err_set(CK_EINVAL, "age: empty passphrase");
	if ((rc = rs_reserve(prs, 1)) < 0)
		return rc;
	if ((copy = ck_secret_alloc(n + 1)) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	memcpy(copy, pass, n);
	r = &(*prs)->v[(*prs)->n++];
	memset(r, 0, sizeof(*r));
	r->kind = CK_AGE__SCRYPT;
	r->pass = copy;
	r->passlen = n;
	r->log_n = log_n;
	return CK_OK;
}

size_t ck_age_recipients_count(const struct ck_age_recipients *rs)
{
	return rs ? rs->n : 0;
}

void ck_age_recipients_free(struct ck_age_recipients *rs)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		ck_secret_free(rs->v[i].pass);
	ck_secret_free(rs->v);
	ck_free(rs);
}

/* ------------------------------------------------------------ keygen */

int ck_age_keygen(struct ck_buf *secret_out, struct ck_buf *pub_out)
{
	uint8_t sk[32], pk[32];
	size_t sk_keep = ck_buf_len(secret_out), pk_keep = ck_buf_len(pub_out);
	int rc = CK_EINTERNAL;

	if ((rc = ck_core_init()) < 0)
		goto out;
	ck_random(sk, sizeof(sk));
	crypto_scalarmult_curve25519_base(pk, sk);
	if ((rc = ck_bech32_encode(secret_out, SECRET_HRP, sk, sizeof(sk), 1)) < 0 ||
	    (rc = encode_recipient(pub_out, pk)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_memzero(sk, sizeof(sk));
	if (rc < 0) {
		ck_age__restore(secret_out, sk_keep);
		ck_age__restore(pub_out, pk_keep);
	}
	return rc;
}

/* Go's time.RFC3339 layout "2006-01-02T15:04:05Z07:00" for the local time. */
static int rfc3339_now(char *out, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	long off;
	size_t k;

	if (localtime_r(&now, &tm) == NULL)
		return ck_err_set(CK_EINTERNAL, "age: cannot read the local time");
	k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	if (k == 0)
		return ck_err_set(CK_EINTERNAL, "age: cannot format the time");
	off = tm.tm_gmtoff / 60;
	if (off == 0)
		snprintf(out + k, n - k, "Z");
	else
		snprintf(out + k, n - k, "%c%02ld:%02ld", off < 0 ? '-' : '+',
		         (off < 0 ? -off : off) / 60, (off < 0 ? -off : off) % 60);
	return CK_OK;
}

int ck_age_keygen_file(struct ck_buf *out, struct ck_buf *pub_out)
{
	struct ck_buf sk, pk = CK_BUF_INIT;
	size_t keep = ck_buf_len(out);
	char when[64];
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&sk, 0);
	if ((rc = rfc3339_now(when, sizeof(when))) < 0 || (rc = ck_age_keygen(&sk, &pk)) < 0)
		goto out;
	if ((rc = ck_buf_printf(out, "# created: %s\n# public key: %s\n", when, ck_buf_cstr(&pk))) <
	        0 ||
	    (rc = ck_buf_putb(out, &sk)) < 0 || (rc = ck_buf_putc(out, '\n')) < 0)
		goto out;
	if (pub_out != NULL && (rc = ck_buf_putb(pub_out, &pk)) < 0)
		goto out;
	rc = CK_OK;
out:
	if (rc < 0)
		ck_age__restore(out, keep);
	ck_buf_dispose(&sk);
	ck_buf_dispose(&pk);
	return rc;
}

int ck_age_identity_to_recipient(struct ck_buf *pub_out, const char *secret, size_t n)
{
	struct ck_age__identity id;
	int rc;

	if ((rc = parse_secret(&id, secret, n)) < 0)
		goto out;
	if (id.kind != CK_AGE__X25519) {
		rc = ck_err_set(CK_EUNSUPPORTED, "age: the recipient of a post-quantum identity "
		                                 "needs ML-KEM, which is not supported");
		goto out;
	}
	rc = encode_recipient(pub_out, id.pub);
out:
	ck_memzero(&id, sizeof(id));
	return rc;
}
