/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every C2SP CCTV age vector (shared/vectors/age, format in its SOURCES.md)
 * with its expected outcome: success with the exact plaintext hash, or the
 * exact failure class. For "payload failure" the plaintext released by the
 * streaming decryptor before the error must hash to the vector's `payload`.
 * Each vector also goes through the whole-buffer API, which must agree and
 * release nothing on failure.
 *
 * Hybrid (mlkem768x25519) vectors: there is no ML-KEM here. A hybrid
 * identity still rejects malformed hybrid stanzas (header failures) and is
 * ignored by other stanza types (no match); a vector is counted as skipped
 * only when the decryptor reports that it would need ML-KEM to go on.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ck/age.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck_test.h"

#define MAX_VECTORS 512
#define MAX_KEYS 8

struct vec {
	char name[256];
	char expect[64];
	char payload[65];
	char *identity[MAX_KEYS];
	char *passphrase[MAX_KEYS];
	size_t nid, npass;
	int armored, zlib;
	struct ck_buf body;
};

static const char *const classes[] = {
    [CK_AGE_OK] = "success",
    [CK_AGE_ARMOR_FAILURE] = "armor failure",
    [CK_AGE_HEADER_FAILURE] = "header failure",
    [CK_AGE_NO_MATCH] = "no match",
    [CK_AGE_HMAC_FAILURE] = "HMAC failure",
    [CK_AGE_PAYLOAD_FAILURE] = "payload failure",
    [CK_AGE_UNSUPPORTED] = "unsupported",
    [CK_AGE_OTHER] = "other error",
};
#define NCLASSES (sizeof(classes) / sizeof(classes[0]))

struct tally {
	unsigned pass, fail, skip;
};

static void vec_dispose(struct vec *v)
{
	size_t i;

	for (i = 0; i < v->nid; i++)
		free(v->identity[i]);
	for (i = 0; i < v->npass; i++)
		free(v->passphrase[i]);
	ck_buf_dispose(&v->body);
}

static void inflate_all(struct ck_buf *out, const uint8_t *p, size_t n)
{
	z_stream z;
	uint8_t *dst;
	int zr;

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit(&z), Z_OK);
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		assert_int_equal(ck_buf_reserve(out, 1 << 20, &dst), CK_OK);
		z.next_out = dst;
		z.avail_out = 1 << 20;
		zr = inflate(&z, Z_NO_FLUSH);
		assert_true(zr == Z_OK || zr == Z_STREAM_END);
		ck_buf_truncate(out, ck_buf_len(out) - z.avail_out);
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
}

static void load(struct vec *v, const char *dir, const char *name)
{
	struct ck_buf raw = CK_BUF_INIT;
	const char *p, *end, *lf, *colon;
	char key[64], val[4096];
	size_t kl, vl;

	memset(v, 0, sizeof(*v));
	ck_buf_init(&v->body, 0);
	snprintf(v->name, sizeof(v->name), "%s", name);
	ckt_readf(&raw, "%s/%s", dir, name);
	p = (const char *)ck_buf_data(&raw);
	end = p + ck_buf_len(&raw);
	/* key: value lines up to the first empty line */
	for (;;) {
		lf = memchr(p, '\n', (size_t)(end - p));
		assert_non_null(lf);
		if (lf == p) {
			p++;
			break;
		}
		colon = memchr(p, ':', (size_t)(lf - p));
		assert_non_null(colon);
		kl = (size_t)(colon - p);
		vl = (size_t)(lf - colon - 2);
		assert_true(kl < sizeof(key) && vl < sizeof(val) && colon[1] == ' ');
		memcpy(key, p, kl);
		key[kl] = 0;
		memcpy(val, colon + 2, vl);
		val[vl] = 0;
		if (strcmp(key, "expect") == 0)
			snprintf(v->expect, sizeof(v->expect), "%s", val);
		else if (strcmp(key, "payload") == 0)
			snprintf(v->payload, sizeof(v->payload), "%s", val);
		else if (strcmp(key, "identity") == 0 && v->nid < MAX_KEYS)
			v->identity[v->nid++] = strdup(val);
		else if (strcmp(key, "passphrase") == 0 && v->npass < MAX_KEYS)
			v->passphrase[v->npass++] = strdup(val);
		else if (strcmp(key, "armored") == 0)
			v->armored = strcmp(val, "yes") == 0;
		else if (strcmp(key, "compressed") == 0)
			v->zlib = strcmp(val, "zlib") == 0;
		p = lf + 1;
	}
	if (v->zlib)
		inflate_all(&v->body, (const uint8_t *)p, (size_t)(end - p));
	else
		assert_int_equal(ck_buf_put(&v->body, p, (size_t)(end - p)), CK_OK);
	ck_buf_dispose(&raw);
}

struct hashing_sink {
	struct ck_hash *h;
	uint64_t n;
};

static int hash_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct hashing_sink *hs = ctx;
	int i;

	for (i = 0; i < iovcnt; i++) {
		ck_hash_update(hs->h, iov[i].iov_base, iov[i].iov_len);
		hs->n += iov[i].iov_len;
	}
	return CK_OK;
}

static void hex_of(char out[65], const uint8_t d[32])
{
	static const char x[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[64] = 0;
}

/* 1 pass, 0 fail, -1 skip. */
static int run_one(struct vec *v, char *why, size_t whylen)
{
	struct ck_age_identities *ids = NULL;
	struct hashing_sink hs = {NULL, 0};
	struct ck_age_sink sink = {hash_write, &hs};
	struct ck_age_source src;
	struct ck_buf whole;
	int fd = -1, rc, rc2, ok = 0;
	enum ck_age_failure got, got2;
	uint8_t digest[32];
	char hex[65];
	size_t i;
	FILE *f;

	ck_buf_init_secure(&whole, 0);
	for (i = 0; i < v->nid; i++)
		assert_int_equal(
		    ck_age_identities_add_text(&ids, v->identity[i], strlen(v->identity[i])),
		    CK_OK);
	for (i = 0; i < v->npass; i++)
		assert_int_equal(ck_age_identities_add_passphrase(&ids, v->passphrase[i],
		                                                  strlen(v->passphrase[i])),
		                 CK_OK);
	/* Streaming, from a real fd as the CLI does. */
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(ck_buf_data(&v->body), 1, ck_buf_len(&v->body), f),
	                 ck_buf_len(&v->body));
	fflush(f);
	rewind(f);
	fd = fileno(f);
	ck_age_source_fd(&src, &fd);
	hs.h = ck_hash_new(CK_SHA256);
	assert_non_null(hs.h);
	rc = ck_age_decrypt_stream(&sink, &src, ids,
	                           v->armored ? CK_AGE_ARMOR_YES : CK_AGE_ARMOR_NO, NULL);
	got = rc == CK_OK ? CK_AGE_OK : ck_age_last_failure();
	ck_hash_final(hs.h, digest);
	hex_of(hex, digest);
	fclose(f);

	/* Whole buffer: same class; nothing released on failure. */
	assert_int_equal(ck_buf_put(&whole, "keep", 4), CK_OK);
	rc2 = ck_age_decrypt(&whole, ids, ck_buf_data(&v->body), ck_buf_len(&v->body));
	got2 = rc2 == CK_OK ? CK_AGE_OK : ck_age_last_failure();

	if (got == CK_AGE_UNSUPPORTED && v->nid > 0) {
		/*
		 * What can be checked without ML-KEM: to an X25519 identity the
		 * (well-formed) hybrid stanzas are foreign, so the answer is "no match".
		 */
		struct ck_age_identities *x = NULL;
		struct ck_buf sk, pk = CK_BUF_INIT, tmp = CK_BUF_INIT;
		enum ck_age_failure alt;

		ck_buf_init_secure(&sk, 0);
		assert_int_equal(ck_age_keygen(&sk, &pk), CK_OK);
		assert_int_equal(ck_age_identities_add_text(&x, ck_buf_cstr(&sk), ck_buf_len(&sk)),
		                 CK_OK);
		alt = ck_age_decrypt(&tmp, x, ck_buf_data(&v->body), ck_buf_len(&v->body)) == CK_OK
		              ? CK_AGE_OK
		              : ck_age_last_failure();
		ck_age_identities_free(x);
		ck_buf_dispose(&sk);
		ck_buf_dispose(&pk);
		ck_buf_dispose(&tmp);
		if (alt != CK_AGE_NO_MATCH) {
			snprintf(why, whylen, "with an X25519 identity: \"%s\", want \"no match\"",
			         classes[alt]);
			goto out;
		}
		snprintf(why, whylen,
		         "needs ML-KEM to reach \"%s\" (as an X25519 identity: no match, ok)",
		         v->expect);
		ok = -1;
		goto out;
	}
	if (strcmp(classes[got], v->expect) != 0) {
		snprintf(why, whylen, "got \"%s\" (%s), want \"%s\"", classes[got],
		         rc ? ck_err_last()->msg : "ok", v->expect);
		goto out;
	}
	if ((got == CK_AGE_OK || got == CK_AGE_PAYLOAD_FAILURE) && strcmp(hex, v->payload) != 0) {
		snprintf(why, whylen, "released %llu bytes hashing to %.16s..., want %.16s...",
		         (unsigned long long)hs.n, hex, v->payload);
		goto out;
	}
	if (got2 != got) {
		snprintf(why, whylen, "whole-buffer API says \"%s\", streaming \"%s\"",
		         classes[got2], classes[got]);
		goto out;
	}
	if (got == CK_AGE_OK) {
		ck_sha256(digest, ck_buf_data(&whole) + 4, ck_buf_len(&whole) - 4);
		hex_of(hex, digest);
		if (strcmp(hex, v->payload) != 0) {
			snprintf(why, whylen, "whole-buffer plaintext hash differs");
			goto out;
		}
	} else if (ck_buf_len(&whole) != 4) {
		snprintf(why, whylen, "whole-buffer API released plaintext on failure");
		goto out;
	}
	ok = 1;
out:
	ck_hash_free(hs.h);
	ck_buf_dispose(&whole);
	ck_age_identities_free(ids);
	return ok;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cctv(void **state)
{
	const char *dir = ckt_vectors("age");
	char *names[MAX_VECTORS], why[1200];
	struct tally t[NCLASSES + 1];
	struct dirent *e;
	struct vec v;
	size_t n = 0, i, c, total_fail = 0, total_skip = 0, total_pass = 0;
	DIR *d;
	int r;

	(void)state;
	memset(t, 0, sizeof(t));
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "SOURCES.md") == 0)
			continue;
		assert_true(n < MAX_VECTORS);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		load(&v, dir, names[i]);
		why[0] = 0;
		r = run_one(&v, why, sizeof(why));
		for (c = 0; c < NCLASSES; c++)
			if (strcmp(classes[c], v.expect) == 0)
				break;
		if (r > 0) {
			t[c].pass++;
			total_pass++;
		} else if (r < 0) {
			t[c].skip++;
			total_skip++;
			printf("  skip %-40s %s\n", v.name, why);
		} else {
			t[c].fail++;
			total_fail++;
			printf("  FAIL %-40s %s\n", v.name, why);
		}
		vec_dispose(&v);
		free(names[i]);
	}
	printf("\nCCTV age vectors: %zu files\n", n);
	for (c = 0; c <= NCLASSES; c++) {
		if (t[c].pass + t[c].fail + t[c].skip == 0)
			continue;
		printf("  %-16s %3u passed, %u failed, %u skipped\n",
		       c < NCLASSES ? classes[c] : "(unknown expect)", t[c].pass, t[c].fail,
		       t[c].skip);
	}
	printf("  %-16s %3zu passed, %zu failed, %zu skipped (skipped = needs ML-KEM)\n", "total",
	       total_pass, total_fail, total_skip);
	assert_int_equal(total_fail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(cctv)};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
