/* SPDX-License-Identifier: Apache-2.0 */
/* age: round trips, chunking, keys, tampering, release-only-authenticated. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/age.h"
#include "ck/rand.h"
#include "ck_test.h"

#define CHUNK 65536

/* A fixed test identity (the C2SP spec example: 0x42 * 32). */
static const char sk1[] =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
static const char pk1[] = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

static struct ck_age_identities *ids_of(const char *text)
{
	struct ck_age_identities *ids = NULL;

	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_OK);
	return ids;
}

static struct ck_age_recipients *rs_of(const char *r)
{
	struct ck_age_recipients *rs = NULL;

	assert_int_equal(ck_age_recipients_add(&rs, r, strlen(r)), CK_OK);
	return rs;
}

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	ck_random(p, n);
	return p;
}

/* Chunks a payload of n bytes takes: one per started 64 KiB, at least one. */
static size_t chunks_of(size_t n)
{
	return n == 0 ? 1 : (n + CHUNK - 1) / CHUNK;
}

static void whole_buffer_sizes(void **state)
{
	static const size_t sizes[] = {0,     1,         31,        CHUNK - 1,
	                               CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7};
	struct ck_age_identities *ids = ids_of(sk1);
	struct ck_age_recipients *rs = rs_of(pk1);
	size_t i, hdr;
	int armor;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (armor = 0; armor < 2; armor++) {
			uint8_t *pt = random_bytes(sizes[i]);
			struct ck_buf ct = CK_BUF_INIT, out;

			ck_buf_init_secure(&out, 0);
			assert_int_equal(ck_age_encrypt(&ct, rs, pt, sizes[i], armor), CK_OK);
			if (!armor) {
				/* header ends at "\n--- <43>\n"; then nonce + chunks + tags */
				const char *m = strstr(ck_buf_cstr(&ct), "\n--- ");

				assert_non_null(m);
				hdr = (size_t)(m - ck_buf_cstr(&ct)) + 5 + 43 + 1;
				assert_int_equal(ck_buf_len(&ct),
				                 hdr + 16 + sizes[i] + 16 * chunks_of(sizes[i]));
			} else {
				assert_memory_equal(ck_buf_data(&ct),
				                    "-----BEGIN AGE ENCRYPTED FILE-----\n", 35);
			}
			assert_int_equal(
			    ck_age_decrypt(&out, ids, ck_buf_data(&ct), ck_buf_len(&ct)), CK_OK);
			assert_int_equal(ck_age_last_failure(), CK_AGE_OK);
			assert_int_equal(ck_buf_len(&out), sizes[i]);
			assert_memory_equal(ck_buf_data(&out), pt, sizes[i]);
			ck_buf_dispose(&ct);
			ck_buf_dispose(&out);
			free(pt);
		}
	}
	ck_age_identities_free(ids);
	ck_age_recipients_free(rs);
}

/* A source that hands out at most `step` bytes per call (pipes do that). */
struct dribble {
	const uint8_t *p;
	size_t n, off, step;
};

static int dribble_read(void *ctx, const struct iovec *iov, int iovcnt, size_t *got)
{
	struct dribble *d = ctx;
	size_t take = d->n - d->off;

	(void)iovcnt;
	if (take > d->step)
		take = d->step;
	if (take > iov[0].iov_len)
		take = iov[0].iov_len;
	memcpy(iov[0].iov_base, d->p + d->off, take);
	d->off += take;
	*got = take;
	return CK_OK;
}

static int buf_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++)
		if (ck_buf_put(ctx, iov[i].iov_base, iov[i].iov_len) != CK_OK)
			return CK_ENOMEM;
	return CK_OK;
}

static void roundtrip_stream(size_t n, int armor, size_t step, struct ck_age_recipients *rs,
                             struct ck_age_identities *ids)
{
	uint8_t *pt = random_bytes(n);
	struct ck_buf ct = CK_BUF_INIT, out = CK_BUF_INIT;
	struct dribble d = {pt, n, 0, step};
	struct ck_age_source src = {dribble_read, &d};
	struct ck_age_sink dst = {buf_write, &ct};
	struct ck_age_sink dst2 = {buf_write, &out};
	uint64_t written = 0;

	assert_int_equal(ck_age_encrypt_stream(&dst, &src, rs, armor), CK_OK);
	d.p = ck_buf_data(&ct);
	d.n = ck_buf_len(&ct);
	d.off = 0;
	assert_int_equal(ck_age_decrypt_stream(&dst2, &src, ids, CK_AGE_ARMOR_AUTO, &written),
	                 CK_OK);
	assert_int_equal(written, n);
	assert_int_equal(ck_buf_len(&out), n);
	assert_memory_equal(ck_buf_data(&out), pt, n);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&out);
	free(pt);
}

static void streaming_sizes(void **state)
{
	/* Around 64 KiB chunks and around the 16-chunk batches of the stream engine. */
	static const size_t sizes[] = {0,          1,          CHUNK - 1,     CHUNK,
	                               CHUNK + 1,  15 * CHUNK, 16 * CHUNK,    16 * CHUNK + 1,
	                               17 * CHUNK, 32 * CHUNK, 33 * CHUNK + 5};
	struct ck_age_identities *ids = ids_of(sk1);
	struct ck_age_recipients *rs = rs_of(pk1);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		roundtrip_stream(sizes[i], 0, (size_t)-1, rs, ids);
	/* Short reads and armour. */
	roundtrip_stream(3 * CHUNK + 100, 0, 1000, rs, ids);
	roundtrip_stream(3 * CHUNK + 100, 1, 777, rs, ids);
	roundtrip_stream(0, 1, 1, rs, ids);
	ck_age_identities_free(ids);
	ck_age_recipients_free(rs);
}

static void several_recipients(void **state)
{
	struct ck_buf s1, s2, s3, p1 = CK_BUF_INIT, p2 = CK_BUF_INIT, p3 = CK_BUF_INIT,
	                          ct = CK_BUF_INIT, out = CK_BUF_INIT;
	struct ck_age_recipients *rs = NULL;
	struct ck_age_identities *a, *b, *c;
	static const char msg[] = "a 32-byte sops data key........";

	(void)state;
	ck_buf_init_secure(&s1, 0);
	ck_buf_init_secure(&s2, 0);
	ck_buf_init_secure(&s3, 0);
	assert_int_equal(ck_age_keygen(&s1, &p1), CK_OK);
	assert_int_equal(ck_age_keygen(&s2, &p2), CK_OK);
	assert_int_equal(ck_age_keygen(&s3, &p3), CK_OK);
	assert_int_equal(ck_age_recipients_add(&rs, ck_buf_cstr(&p1), ck_buf_len(&p1)), CK_OK);
	assert_int_equal(ck_age_recipients_add(&rs, ck_buf_cstr(&p2), ck_buf_len(&p2)), CK_OK);
	assert_int_equal(ck_age_recipients_count(rs), 2);
	assert_int_equal(ck_age_encrypt(&ct, rs, msg, sizeof(msg), 1), CK_OK);
	a = ids_of(ck_buf_cstr(&s1));
	b = ids_of(ck_buf_cstr(&s2));
	c = ids_of(ck_buf_cstr(&s3));
	assert_int_equal(ck_age_decrypt(&out, a, ck_buf_data(&ct), ck_buf_len(&ct)), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), msg);
	ck_buf_reset(&out);
	assert_int_equal(ck_age_decrypt(&out, b, ck_buf_data(&ct), ck_buf_len(&ct)), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), msg);
	ck_buf_reset(&out);
	assert_int_equal(ck_age_decrypt(&out, c, ck_buf_data(&ct), ck_buf_len(&ct)), CK_ENOKEY);
	assert_int_equal(ck_age_last_failure(), CK_AGE_NO_MATCH);
	assert_string_equal(ck_err_last()->msg, "age: no identity matched any of the recipients");
	assert_int_equal(ck_buf_len(&out), 0);
	/* Several identities are tried in turn. */
	assert_int_equal(ck_age_identities_add_text(&c, ck_buf_cstr(&s2), ck_buf_len(&s2)), CK_OK);
	assert_int_equal(ck_age_identities_count(c), 2);
	assert_int_equal(ck_age_decrypt(&out, c, ck_buf_data(&ct), ck_buf_len(&ct)), CK_OK);
	ck_age_identities_free(a);
	ck_age_identities_free(b);
	ck_age_identities_free(c);
	ck_age_recipients_free(rs);
	ck_buf_dispose(&s1);
	ck_buf_dispose(&s2);
	ck_buf_dispose(&s3);
	ck_buf_dispose(&p1);
	ck_buf_dispose(&p2);
	ck_buf_dispose(&p3);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&out);
}

static int asked;

static int ask(void *ctx, struct ck_buf *out)
{
	asked++;
	return ck_buf_puts(out, ctx);
}

static void passphrase(void **state)
{
	struct ck_age_recipients *rs = NULL, *mixed = rs_of(pk1);
	struct ck_age_identities *good = NULL, *bad = NULL, *lazy = NULL, *x = ids_of(sk1);
	struct ck_buf ct = CK_BUF_INIT, out = CK_BUF_INIT, ct2 = CK_BUF_INIT;

	(void)state;
	assert_int_equal(ck_age_recipients_add_passphrase(&rs, "hunter2", 7, 10), CK_OK);
	assert_int_equal(ck_age_encrypt(&ct, rs, "hello", 5, 0), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&ct), "\n-> scrypt "));
	assert_int_equal(ck_age_identities_add_passphrase(&good, "hunter2", 7), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, good, ck_buf_data(&ct), ck_buf_len(&ct)), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "hello");
	ck_buf_reset(&out);
	assert_int_equal(ck_age_identities_add_passphrase(&bad, "hunter3", 7), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, bad, ck_buf_data(&ct), ck_buf_len(&ct)), CK_ENOKEY);
	/* The work-factor limit is checked before any scrypt work. */
	ck_age_identities_set_max_log_n(good, 9);
	assert_int_equal(ck_age_decrypt(&out, good, ck_buf_data(&ct), ck_buf_len(&ct)), CK_EINVAL);
	assert_int_equal(ck_age_last_failure(), CK_AGE_HEADER_FAILURE);
	/* A lazy passphrase is asked for only when the file has an scrypt stanza. */
	assert_int_equal(ck_age_identities_add_passphrase_fn(&lazy, ask, "hunter2"), CK_OK);
	assert_int_equal(ck_age_encrypt(&ct2, mixed, "x", 1, 0), CK_OK);
	asked = 0;
	assert_int_equal(ck_age_decrypt(&out, lazy, ck_buf_data(&ct2), ck_buf_len(&ct2)),
	                 CK_ENOKEY);
	assert_int_equal(asked, 0);
	assert_int_equal(ck_age_decrypt(&out, lazy, ck_buf_data(&ct), ck_buf_len(&ct)), CK_OK);
	assert_int_equal(asked, 1);
	/* Passphrase recipients stand alone. */
	assert_int_equal(ck_age_recipients_add(&rs, pk1, strlen(pk1)), CK_OK);
	ck_buf_reset(&ct2);
	assert_int_equal(ck_age_encrypt(&ct2, rs, "x", 1, 0), CK_EINVAL);
	assert_int_equal(ck_buf_len(&ct2), 0);
	/* An X25519 identity does not open an scrypt file. */
	assert_int_equal(ck_age_decrypt(&out, x, ck_buf_data(&ct), ck_buf_len(&ct)), CK_ENOKEY);
	ck_age_recipients_free(rs);
	ck_age_recipients_free(mixed);
	ck_age_identities_free(good);
	ck_age_identities_free(bad);
	ck_age_identities_free(lazy);
	ck_age_identities_free(x);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&ct2);
	ck_buf_dispose(&out);
}

static void identity_files(void **state)
{
	struct ck_age_identities *ids = NULL;
	struct ck_buf r = CK_BUF_INIT;
	char text[512];

	(void)state;
	snprintf(text, sizeof(text),
	         "# created: 2024-01-01T00:00:00Z\r\n# public key: %s\r\n\r\n%s\r\n", pk1, sk1);
	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_OK);
	assert_int_equal(ck_age_identities_count(ids), 1);
	assert_int_equal(ck_age_identities_recipients(&r, ids), CK_OK);
	assert_string_equal(ck_buf_cstr(&r),
	                    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj\n");
	/* No final newline is fine too. */
	assert_int_equal(ck_age_identities_add_text(&ids, sk1, strlen(sk1)), CK_OK);
	assert_int_equal(ck_age_identities_count(ids), 2);
	/* A bad line rejects the whole file, names the line, never echoes it. */
	snprintf(text, sizeof(text), "%s\n# comment\n%.40sXX\n", sk1, sk1);
	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "line 3"));
	assert_null(strstr(ck_err_last()->msg, "GFPYY"));
	assert_int_equal(ck_age_identities_count(ids), 2);
	/* Case as written: lower-case secret keys are not age identities. */
	snprintf(text, sizeof(text),
	         "age-secret-key-1gfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpq4egaex");
	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_EINVAL);
	/* Leading space, trailing space, bad checksum. */
	snprintf(text, sizeof(text), " %s", sk1);
	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_EINVAL);
	snprintf(text, sizeof(text), "%s ", sk1);
	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_EINVAL);
	snprintf(text, sizeof(text), "%s", sk1);
	text[strlen(text) - 1] = 'Y';
	assert_int_equal(ck_age_identities_add_text(&ids, text, strlen(text)), CK_EINVAL);
	assert_int_equal(ck_age_identities_add_text(&ids, "# only comments\n\n", 17), CK_EINVAL);
	assert_int_equal(ck_age_identities_add_text(&ids, "AGE-PLUGIN-YUBIKEY-1XYZ\n", 24),
	                 CK_EUNSUPPORTED);
	assert_int_equal(ck_age_identities_count(ids), 2);
	ck_age_identities_free(ids);
	ck_buf_dispose(&r);
}

static void recipients(void **state)
{
	struct ck_age_recipients *rs = NULL;
	char text[512];
	size_t i;

	(void)state;
	/* All-uppercase recipients are refused (age compares the HRP as written). */
	for (i = 0; i < sizeof(text) && pk1[i]; i++)
		text[i] = (char)(pk1[i] >= 'a' && pk1[i] <= 'z' ? pk1[i] - 32 : pk1[i]);
	text[i] = 0;
	assert_int_equal(ck_age_recipients_add(&rs, text, strlen(text)), CK_EINVAL);
	assert_int_equal(ck_age_recipients_add(&rs, pk1, strlen(pk1) - 1), CK_EINVAL);
	assert_int_equal(ck_age_recipients_add(&rs, "ssh-ed25519 AAAAC3Nza", 21), CK_EUNSUPPORTED);
	assert_int_equal(ck_age_recipients_add(&rs, sk1, strlen(sk1)), CK_EINVAL);
	snprintf(text, sizeof(text), "# team\n%s\r\n\n%s\n", pk1, pk1);
	assert_int_equal(ck_age_recipients_add_file_text(&rs, text, strlen(text)), CK_OK);
	assert_int_equal(ck_age_recipients_count(rs), 2);
	snprintf(text, sizeof(text), "%s\nnot-a-key\n", pk1);
	assert_int_equal(ck_age_recipients_add_file_text(&rs, text, strlen(text)), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "line 2"));
	assert_int_equal(ck_age_recipients_count(rs), 2);
	ck_age_recipients_free(rs);
}

static void keygen(void **state)
{
	struct ck_buf file, pub = CK_BUF_INIT, y = CK_BUF_INIT;
	struct ck_age_identities *ids = NULL;
	regex_t re;
	regmatch_t m[3];

	(void)state;
	ck_buf_init_secure(&file, 0);
	assert_int_equal(ck_age_keygen_file(&file, &pub), CK_OK);
	assert_int_equal(
	    regcomp(&re,
	            "^# created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	            "(Z|[+-][0-9]{2}:[0-9]{2})\n# public key: (age1[02-9ac-hj-np-z]{58})\n"
	            "AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\n$",
	            REG_EXTENDED),
	    0);
	assert_int_equal(regexec(&re, ck_buf_cstr(&file), 3, m, 0), 0);
	regfree(&re);
	assert_int_equal(ck_age_identities_add_text(&ids, ck_buf_cstr(&file), ck_buf_len(&file)),
	                 CK_OK);
	assert_int_equal(ck_age_identities_recipients(&y, ids), CK_OK);
	assert_int_equal(ck_buf_len(&y), ck_buf_len(&pub) + 1);
	assert_memory_equal(ck_buf_data(&y), ck_buf_data(&pub), ck_buf_len(&pub));
	ck_buf_reset(&y);
	assert_int_equal(ck_age_identity_to_recipient(&y, sk1, strlen(sk1)), CK_OK);
	assert_string_equal(ck_buf_cstr(&y), pk1);
	ck_age_identities_free(ids);
	ck_buf_dispose(&file);
	ck_buf_dispose(&pub);
	ck_buf_dispose(&y);
}

/* Decrypt through the streaming API, counting released bytes. */
static int stream_decrypt(const struct ck_buf *ct, struct ck_age_identities *ids,
                          struct ck_buf *out)
{
	struct dribble d = {ck_buf_data(ct), ck_buf_len(ct), 0, (size_t)-1};
	struct ck_age_source src = {dribble_read, &d};
	struct ck_age_sink dst = {buf_write, out};

	return ck_age_decrypt_stream(&dst, &src, ids, CK_AGE_ARMOR_AUTO, NULL);
}

static void tampering(void **state)
{
	struct ck_age_identities *ids = ids_of(sk1);
	struct ck_age_recipients *rs = rs_of(pk1);
	size_t n = 3 * CHUNK + 10, hdr, i;
	uint8_t *pt = random_bytes(n), *p;
	struct ck_buf ct = CK_BUF_INIT, bad = CK_BUF_INIT, out = CK_BUF_INIT;
	const char *m;

	(void)state;
	assert_int_equal(ck_age_encrypt(&ct, rs, pt, n, 0), CK_OK);
	m = strstr(ck_buf_cstr(&ct), "\n--- ");
	hdr = (size_t)(m - ck_buf_cstr(&ct)) + 5 + 43 + 1;

	/* A flipped bit in chunk 2: chunks 0 and 1 are released, nothing after. */
	assert_int_equal(ck_buf_putb(&bad, &ct), CK_OK);
	p = ck_buf_mutable(&bad);
	p[hdr + 16 + 2 * (CHUNK + 16) + 5] ^= 1;
	assert_int_equal(stream_decrypt(&bad, ids, &out), CK_EAUTH);
	assert_int_equal(ck_age_last_failure(), CK_AGE_PAYLOAD_FAILURE);
	assert_int_equal(ck_buf_len(&out), 2 * CHUNK);
	assert_memory_equal(ck_buf_data(&out), pt, 2 * CHUNK);
	ck_buf_reset(&out);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EAUTH);
	assert_int_equal(ck_buf_len(&out), 0);

	/* Truncated at a chunk boundary: no final chunk. */
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_put(&bad, ck_buf_data(&ct), hdr + 16 + 3 * (CHUNK + 16)), CK_OK);
	assert_int_equal(stream_decrypt(&bad, ids, &out), CK_EAUTH);
	assert_non_null(strstr(ck_err_last()->msg, "no final chunk"));
	assert_int_equal(ck_buf_len(&out), 3 * CHUNK);
	ck_buf_reset(&out);

	/* Trailing data after the final chunk. */
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_putb(&bad, &ct), CK_OK);
	assert_int_equal(ck_buf_putc(&bad, 0), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EAUTH);
	assert_int_equal(ck_age_last_failure(), CK_AGE_PAYLOAD_FAILURE);

	/* A changed wrapped key no longer opens: no match. */
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_putb(&bad, &ct), CK_OK);
	p = ck_buf_mutable(&bad);
	i = (size_t)(m - ck_buf_cstr(&ct)) - 20;
	p[i] = p[i] == 'A' ? 'B' : 'A';
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_ENOKEY);
	assert_int_equal(ck_age_last_failure(), CK_AGE_NO_MATCH);

	/* A changed MAC: HMAC failure. */
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_putb(&bad, &ct), CK_OK);
	p = ck_buf_mutable(&bad);
	p[hdr - 10] = p[hdr - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EAUTH);
	assert_int_equal(ck_age_last_failure(), CK_AGE_HMAC_FAILURE);
	assert_non_null(strstr(ck_err_last()->msg, "MAC"));

	/* Header syntax. */
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_put(&bad, ck_buf_data(&ct), 20), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EINVAL);
	assert_int_equal(ck_age_last_failure(), CK_AGE_HEADER_FAILURE);
	assert_non_null(strstr(ck_err_last()->msg, "bad header"));
	assert_int_equal(ck_buf_len(&out), 0);

	free(pt);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&bad);
	ck_buf_dispose(&out);
	ck_age_identities_free(ids);
	ck_age_recipients_free(rs);
}

static void armor(void **state)
{
	struct ck_age_identities *ids = ids_of(sk1);
	struct ck_age_recipients *rs = rs_of(pk1);
	struct ck_buf ct = CK_BUF_INIT, out = CK_BUF_INIT, bad = CK_BUF_INIT;
	const char *s, *line, *lf, *end;
	size_t i, full = 0, n = 1000;
	uint8_t *pt = random_bytes(n);

	(void)state;
	assert_int_equal(ck_age_encrypt(&ct, rs, pt, n, 1), CK_OK);
	s = ck_buf_cstr(&ct);
	end = s + ck_buf_len(&ct);
	/* BEGIN, 64-column lines, a shorter last one, END, each with LF. */
	assert_memory_equal(s, "-----BEGIN AGE ENCRYPTED FILE-----\n", 35);
	assert_memory_equal(end - 33, "-----END AGE ENCRYPTED FILE-----\n", 33);
	for (line = s + 35; line < end - 33; line = lf + 1) {
		lf = strchr(line, '\n');
		if (lf - line == 64)
			full++;
		else
			assert_ptr_equal(lf + 1, end - 33);
	}
	assert_true(full > 10);
	/* Whitespace around the armour is fine; CRLF too. */
	assert_int_equal(ck_buf_puts(&bad, "\n \t\r\n"), CK_OK);
	for (i = 0; i < ck_buf_len(&ct); i++) {
		if (s[i] == '\n')
			assert_int_equal(ck_buf_putc(&bad, '\r'), CK_OK);
		assert_int_equal(ck_buf_putc(&bad, s[i]), CK_OK);
	}
	assert_int_equal(ck_buf_puts(&bad, "  \n"), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_OK);
	assert_int_equal(ck_buf_len(&out), n);
	assert_memory_equal(ck_buf_data(&out), pt, n);
	ck_buf_reset(&out);
	/* Garbage after END, a blank line inside, a missing END: armour failures. */
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_putb(&bad, &ct), CK_OK);
	assert_int_equal(ck_buf_puts(&bad, "x\n"), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EINVAL);
	assert_int_equal(ck_age_last_failure(), CK_AGE_ARMOR_FAILURE);
	assert_non_null(strstr(ck_err_last()->msg, "bad armor"));
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_put(&bad, s, 35 + 65), CK_OK);
	assert_int_equal(ck_buf_putc(&bad, '\n'), CK_OK);
	assert_int_equal(ck_buf_put(&bad, s + 35 + 65, ck_buf_len(&ct) - 35 - 65), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EINVAL);
	assert_int_equal(ck_age_last_failure(), CK_AGE_ARMOR_FAILURE);
	ck_buf_reset(&bad);
	assert_int_equal(ck_buf_put(&bad, s, ck_buf_len(&ct) - 33), CK_OK);
	assert_int_equal(ck_age_decrypt(&out, ids, ck_buf_data(&bad), ck_buf_len(&bad)), CK_EINVAL);
	assert_int_equal(ck_age_last_failure(), CK_AGE_ARMOR_FAILURE);
	assert_int_equal(ck_buf_len(&out), 0);
	free(pt);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&bad);
	ck_buf_dispose(&out);
	ck_age_identities_free(ids);
	ck_age_recipients_free(rs);
}

/* Replace the first occurrence of `from` in b with `to` (test helper). */
static void edit(struct ck_buf *b, const char *from, const char *to)
{
	struct ck_buf n = CK_BUF_INIT;
	const char *s = ck_buf_cstr(b), *at = strstr(s, from);

	assert_non_null(at);
	assert_int_equal(ck_buf_put(&n, s, (size_t)(at - s)), CK_OK);
	assert_int_equal(ck_buf_puts(&n, to), CK_OK);
	assert_int_equal(
	    ck_buf_put(&n, at + strlen(from), ck_buf_len(b) - (size_t)(at - s) - strlen(from)),
	    CK_OK);
	ck_buf_reset(b);
	assert_int_equal(ck_buf_putb(b, &n), CK_OK);
	ck_buf_dispose(&n);
}

static enum ck_age_failure outcome(const struct ck_buf *ct, struct ck_age_identities *ids)
{
	struct ck_buf out = CK_BUF_INIT;
	int rc = ck_age_decrypt(&out, ids, ck_buf_data(ct), ck_buf_len(ct));

	assert_true(rc == CK_OK || ck_buf_len(&out) == 0);
	ck_buf_dispose(&out);
	return rc == CK_OK ? CK_AGE_OK : ck_age_last_failure();
}

/* Cases from the spec's rejection checklist (section 13) beyond the CCTV files. */
static void spec_checklist(void **state)
{
	struct ck_age_identities *ids = ids_of(sk1), *pw = NULL;
	struct ck_age_recipients *rs = rs_of(pk1), *prs = NULL;
	struct ck_buf ct = CK_BUF_INIT, b = CK_BUF_INIT, d = CK_BUF_INIT;
	char *lf;

	(void)state;
	assert_int_equal(ck_age_identities_add_passphrase(&pw, "pw", 2), CK_OK);
	assert_int_equal(ck_age_recipients_add_passphrase(&prs, "pw", 2, 10), CK_OK);

	/* Armour: PGP checksum line, blank at a line end, a short line in the middle. */
	assert_int_equal(ck_age_encrypt(&ct, rs, "hello", 5, 1), CK_OK);
	assert_int_equal(outcome(&ct, ids), CK_AGE_OK);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	edit(&b, "\n-----END", "\n=AbCd\n-----END");
	assert_int_equal(outcome(&b, ids), CK_AGE_ARMOR_FAILURE);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	{
		/* The first data line, then the same with a blank before its LF. */
		char from[80], to[80];
		const char *l = ck_buf_cstr(&ct) + 35;

		snprintf(from, sizeof(from), "%.*s\n", (int)(strchr(l, '\n') - l), l);
		snprintf(to, sizeof(to), "%.*s \n", (int)(strchr(l, '\n') - l), l);
		edit(&b, from, to);
	}
	assert_int_equal(outcome(&b, ids), CK_AGE_ARMOR_FAILURE);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	lf = (char *)ck_buf_mutable(&b) + 35 + 32;
	{
		char first[40], split[48];

		snprintf(first, sizeof(first), "%.32s", lf - 32);
		snprintf(split, sizeof(split), "%s\n", first);
		edit(&b, first, split);
	}
	assert_int_equal(outcome(&b, ids), CK_AGE_ARMOR_FAILURE);
	/* Non-canonical padding bits. */
	ck_buf_reset(&d);
	assert_int_equal(ck_age_armor_decode(&d,
	                                     "-----BEGIN AGE ENCRYPTED FILE-----\nAA==\n"
	                                     "-----END AGE ENCRYPTED FILE-----\n",
	                                     72),
	                 CK_OK);
	assert_int_equal(ck_buf_len(&d), 1);
	assert_int_equal(ck_age_armor_decode(&d,
	                                     "-----BEGIN AGE ENCRYPTED FILE-----\nAB==\n"
	                                     "-----END AGE ENCRYPTED FILE-----\n",
	                                     72),
	                 CK_EINVAL);

	/* Header: a blank after the MAC, a CR in a body line. */
	ck_buf_reset(&ct);
	assert_int_equal(ck_age_encrypt(&ct, rs, "hello", 5, 0), CK_OK);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	{
		const char *m = strstr(ck_buf_cstr(&ct), "\n--- ");
		char from[64], to[64];

		snprintf(from, sizeof(from), "%.48s\n", m); /* "\n--- " + 43 MAC chars */
		snprintf(to, sizeof(to), "%.48s \n", m);
		edit(&b, from, to);
	}
	assert_int_equal(outcome(&b, ids), CK_AGE_HEADER_FAILURE);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	edit(&b, "\n---", "\r\n---");
	assert_int_equal(outcome(&b, ids), CK_AGE_HEADER_FAILURE);

	/* scrypt: two stanzas, a leading zero, a wrong (but valid) work factor. */
	ck_buf_reset(&ct);
	assert_int_equal(ck_age_encrypt(&ct, prs, "hello", 5, 0), CK_OK);
	assert_int_equal(outcome(&ct, pw), CK_AGE_OK);
	{
		const char *s = ck_buf_cstr(&ct), *st = strstr(s, "-> scrypt "),
		           *end = strstr(s, "\n---");
		char stanza[256];

		snprintf(stanza, sizeof(stanza), "%.*s", (int)(end + 1 - st), st);
		ck_buf_reset(&b);
		assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
		{
			char twice[512];

			snprintf(twice, sizeof(twice), "%s%s", stanza, stanza);
			edit(&b, stanza, twice);
		}
		assert_int_equal(outcome(&b, pw), CK_AGE_HEADER_FAILURE);
	}
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	edit(&b, " 10\n", " 010\n");
	assert_int_equal(outcome(&b, pw), CK_AGE_HEADER_FAILURE);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	edit(&b, " 10\n", " 11\n");
	assert_int_equal(outcome(&b, pw), CK_AGE_NO_MATCH);

	/* STREAM: one byte after the final chunk; the final chunk cut short. */
	ck_buf_reset(&ct);
	assert_int_equal(ck_age_encrypt(&ct, rs, "hello", 5, 0), CK_OK);
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_putb(&b, &ct), CK_OK);
	assert_int_equal(ck_buf_putc(&b, 'x'), CK_OK);
	assert_int_equal(outcome(&b, ids), CK_AGE_PAYLOAD_FAILURE);
	ck_buf_truncate(&b, ck_buf_len(&ct) - 1);
	assert_int_equal(outcome(&b, ids), CK_AGE_PAYLOAD_FAILURE);
	ck_buf_truncate(&b, ck_buf_len(&ct) - 21); /* shorter than a tag */
	assert_int_equal(outcome(&b, ids), CK_AGE_PAYLOAD_FAILURE);

	ck_buf_dispose(&ct);
	ck_buf_dispose(&b);
	ck_buf_dispose(&d);
	ck_age_identities_free(ids);
	ck_age_identities_free(pw);
	ck_age_recipients_free(rs);
	ck_age_recipients_free(prs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(whole_buffer_sizes),
	    cmocka_unit_test(streaming_sizes),
	    cmocka_unit_test(several_recipients),
	    cmocka_unit_test(passphrase),
	    cmocka_unit_test(identity_files),
	    cmocka_unit_test(recipients),
	    cmocka_unit_test(keygen),
	    cmocka_unit_test(tampering),
	    cmocka_unit_test(armor),
	    cmocka_unit_test(spec_checklist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
