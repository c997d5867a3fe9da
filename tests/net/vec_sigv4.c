/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every case of both AWS SigV4 suites in ../shared/vectors/aws-sigv4:
 *   classic (botocore aws4_testsuite): .creq, .sts and .authz;
 *   aws-c-auth v4: header-canonical-request, header-string-to-sign,
 *     header-signature and the signed Authorization line, and the query
 *     (presigned) canonical request, string to sign, signature and query.
 * Prints counts per suite and outcome; fails on any mismatch.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ck/file.h"
#include "ck/sigv4.h"
#include "ck_test.h"

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN_SHORT "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define WHEN 1440938160 /* 2015-08-30T12:36:00Z */

struct counts {
	int cases, creq, sts, authz, query, fail;
};

static struct counts classic, hdr, qry;
static char sts_token[1024];

/* A parsed raw HTTP request of the suites. */
struct rawreq {
	char method[16];
	char path[1024];
	char query[1024];
	char *lines[64];
	int nlines;
	struct ck_buf body;
	struct ck_buf store;
};

static int parse_req(struct rawreq *r, const char *text)
{
	const char *p = text, *nl, *sp, *hp;
	char *line;
	size_t len;

	memset(r, 0, sizeof(*r));
	ck_buf_init(&r->body, 0);
	ck_buf_init(&r->store, 0);
	nl = strchr(p, '\n');
	if (nl == NULL)
		nl = p + strlen(p);
	/* request line: METHOD SP target SP HTTP/1.1 (target may contain a space) */
	sp = memchr(p, ' ', (size_t)(nl - p));
	hp = NULL;
	for (const char *q = nl - 1; q > p; q--)
		if (*q == ' ') {
			hp = q;
			break;
		}
	if (sp == NULL || hp == NULL || hp <= sp)
		return -1;
	snprintf(r->method, sizeof(r->method), "%.*s", (int)(sp - p), p);
	{
		const char *t = sp + 1, *qm = memchr(t, '?', (size_t)(hp - t));

		if (qm != NULL) {
			snprintf(r->path, sizeof(r->path), "%.*s", (int)(qm - t), t);
			snprintf(r->query, sizeof(r->query), "%.*s", (int)(hp - qm - 1), qm + 1);
		} else {
			snprintf(r->path, sizeof(r->path), "%.*s", (int)(hp - t), t);
		}
	}
	p = *nl ? nl + 1 : nl;
	/* header lines; continuation lines are unfolded with one space */
	while (*p) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0) {
			p = nl ? nl + 1 : p + strlen(p);
			if (ck_buf_puts(&r->body, p) != CK_OK)
				return -1;
			break;
		}
		if ((p[0] == ' ' || p[0] == '\t') && r->nlines > 0) {
			char *prev = r->lines[r->nlines - 1];
			size_t pl = strlen(prev);

			line = malloc(pl + len + 2);
			memcpy(line, prev, pl);
			line[pl] = ' ';
			memcpy(line + pl + 1, p, len);
			line[pl + 1 + len] = '\0';
			free(prev);
			r->lines[r->nlines - 1] = line;
		} else {
			if (r->nlines >= 63)
				return -1;
			line = malloc(len + 1);
			memcpy(line, p, len);
			line[len] = '\0';
			r->lines[r->nlines++] = line;
		}
		p = nl ? nl + 1 : p + len;
	}
	r->lines[r->nlines] = NULL;
	return 0;
}

static void free_req(struct rawreq *r)
{
	for (int i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	ck_buf_dispose(&r->body);
	ck_buf_dispose(&r->store);
}

static int read_file(struct ck_buf *b, const char *path)
{
	ck_buf_reset(b);
	return ck_file_read(b, path, 1 << 20) == CK_OK ? 0 : -1;
}

/* Strip trailing newlines (some expected files end with one). */
static const char *trimmed(struct ck_buf *b)
{
	size_t n = ck_buf_len(b);

	while (n > 0 && (ck_buf_data(b)[n - 1] == '\n' || ck_buf_data(b)[n - 1] == '\r'))
		n--;
	ck_buf_truncate(b, n);
	return ck_buf_cstr(b);
}

static int same(const char *what, const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0)
		return 1;
	printf("MISMATCH %s %s\n--- got:\n%s\n--- want:\n%s\n", name, what, got, want);
	return 0;
}

/* ---- classic suite ------------------------------------------------------ */

static void classic_case(const char *dir, const char *name)
{
	struct ck_buf f, want;
	struct rawreq r;
	struct ck_sigv4_out o;
	struct ck_aws_creds cr = { AKID, SECRET, NULL };
	struct ck_sigv4_params p = { "us-east-1", "service", WHEN, 1, 0, 0, 0 };
	struct ck_sigv4_request req;
	int ok = 1;

	ck_buf_init(&f, 0);
	ck_buf_init(&want, 0);
	ck_sigv4_out_init(&o);
	classic.cases++;
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s.req", dir, name);
		if (read_file(&f, path) < 0 || parse_req(&r, ck_buf_cstr(&f)) < 0)
			fail_msg("classic %s: cannot read request", name);
	}
	if (strcmp(name, "get-vanilla-with-session-token") == 0)
		cr.session_token = TOKEN_SHORT;
	if (strncmp(name, "post-sts-header-", 16) == 0) {
		cr.session_token = sts_token;
		p.token_after = strcmp(name, "post-sts-header-after") == 0;
	}
	memset(&req, 0, sizeof(req));
	req.method = r.method;
	req.path = r.path;
	req.query = r.query;
	req.headers = (const char *const *)r.lines;
	req.body = ck_buf_data(&r.body);
	req.body_len = ck_buf_len(&r.body);
	if (ck_sigv4_sign(&o, &req, &cr, &p) != CK_OK) {
		printf("MISMATCH classic %s: sign failed: %s\n", name, ck_err_last()->msg);
		classic.fail++;
		goto out;
	}
#define CHECK(ext, got, counter)                                                       \
	do {                                                                           \
		char path_[4096];                                                      \
		snprintf(path_, sizeof(path_), "%s/%s." ext, dir, name);              \
		if (read_file(&want, path_) < 0)                                       \
			fail_msg("classic %s: missing %s", name, ext);                \
		if (same(ext, name, got, trimmed(&want)))                              \
			classic.counter++;                                             \
		else                                                                   \
			ok = 0;                                                        \
	} while (0)
	CHECK("creq", ck_buf_cstr(&o.canonical), creq);
	CHECK("sts", ck_buf_cstr(&o.string_to_sign), sts);
	CHECK("authz", ck_buf_cstr(&o.authorization), authz);
#undef CHECK
	if (!ok)
		classic.fail++;
out:
	free_req(&r);
	ck_sigv4_out_dispose(&o);
	ck_buf_dispose(&f);
	ck_buf_dispose(&want);
}

static void walk_classic(const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		char sub[4096];
		struct stat st;
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm);

		if (nm[0] == '.' || strcmp(nm, "aws-c-auth-v4") == 0) {
			free(ents[i]);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s/%s", dir, nm);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk_classic(sub);
		} else if (l > 4 && strcmp(nm + l - 4, ".req") == 0) {
			char base[512];

			snprintf(base, sizeof(base), "%.*s", (int)(l - 4), nm);
			classic_case(dir, base);
		}
		free(ents[i]);
	}
	free(ents);
}

/* ---- aws-c-auth suite --------------------------------------------------- */

/* "key": value from the flat context.json (a test harness, not a JSON parser). */
static int ctx_bool(const char *json, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (p == NULL)
		return 0;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	return strncmp(p, "true", 4) == 0;
}

static void ctx_str(char *out, size_t n, const char *json, const char *key)
{
	char pat[128];
	const char *p, *e;

	out[0] = '\0';
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (p == NULL)
		return;
	p = strchr(p + strlen(pat), '"');
	if (p == NULL)
		return;
	e = strchr(p + 1, '"');
	if (e == NULL)
		return;
	snprintf(out, n, "%.*s", (int)(e - p - 1), p + 1);
}

static long ctx_long(const char *json, const char *key)
{
	char pat[128];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	return p ? strtol(p + strlen(pat), NULL, 10) : 0;
}

static int expect(const char *dir, const char *file, const char *got, const char *name)
{
	struct ck_buf want;
	char path[4096];
	int ok;

	ck_buf_init(&want, 0);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(&want, path) < 0)
		fail_msg("aws-c-auth %s: missing %s", name, file);
	ok = same(file, name, got, trimmed(&want));
	ck_buf_dispose(&want);
	return ok;
}

/* The value of one line starting with prefix in a file. */
static int line_of(char *out, size_t n, const char *dir, const char *file, const char *prefix)
{
	struct ck_buf b;
	char path[4096];
	const char *p;
	int found = 0;

	ck_buf_init(&b, 0);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_file(&b, path) == 0) {
		for (p = ck_buf_cstr(&b); p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
			if (strncmp(p, prefix, strlen(prefix)) == 0) {
				size_t l = strcspn(p, "\r\n");

				snprintf(out, n, "%.*s", (int)l, p);
				found = 1;
				break;
			}
		}
	}
	ck_buf_dispose(&b);
	return found;
}

static void cauth_case(const char *root, const char *name)
{
	struct ck_buf ctx, rq;
	struct rawreq r;
	struct ck_sigv4_out o;
	struct ck_sigv4_request req;
	struct ck_sigv4_params p;
	char dir[4096], akid[128], secret[128], region[64], service[64], line[4096], want[4096];
	static char token[1024];
	struct ck_aws_creds cr;
	int okh = 1, okq = 1;

	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	ck_buf_init(&ctx, 0);
	ck_buf_init(&rq, 0);
	ck_sigv4_out_init(&o);
	if (read_file(&ctx, (snprintf(line, sizeof(line), "%s/context.json", dir), line)) < 0 ||
	    read_file(&rq, (snprintf(line, sizeof(line), "%s/request.txt", dir), line)) < 0 ||
	    parse_req(&r, ck_buf_cstr(&rq)) < 0)
		fail_msg("aws-c-auth %s: cannot read case", name);
	ctx_str(akid, sizeof(akid), ck_buf_cstr(&ctx), "access_key_id");
	ctx_str(secret, sizeof(secret), ck_buf_cstr(&ctx), "secret_access_key");
	ctx_str(token, sizeof(token), ck_buf_cstr(&ctx), "token");
	ctx_str(region, sizeof(region), ck_buf_cstr(&ctx), "region");
	ctx_str(service, sizeof(service), ck_buf_cstr(&ctx), "service");
	{
		char ts[64];
		struct tm tm;

		ctx_str(ts, sizeof(ts), ck_buf_cstr(&ctx), "timestamp");
		memset(&tm, 0, sizeof(tm));
		if (strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
			fail_msg("aws-c-auth %s: bad timestamp", name);
		memset(&p, 0, sizeof(p));
		p.when = timegm(&tm);
	}
	cr.access_key_id = akid;
	cr.secret_access_key = secret;
	cr.session_token = token[0] ? token : NULL;
	p.region = region;
	p.service = service;
	p.normalize = ctx_bool(ck_buf_cstr(&ctx), "normalize");
	p.content_sha256_header = ctx_bool(ck_buf_cstr(&ctx), "sign_body");
	p.token_after = ctx_bool(ck_buf_cstr(&ctx), "omit_session_token");
	p.expires = ctx_long(ck_buf_cstr(&ctx), "expiration_in_seconds");
	memset(&req, 0, sizeof(req));
	req.method = r.method;
	req.path = r.path;
	req.query = r.query;
	req.headers = (const char *const *)r.lines;
	req.body = ck_buf_data(&r.body);
	req.body_len = ck_buf_len(&r.body);

	hdr.cases++;
	if (ck_sigv4_sign(&o, &req, &cr, &p) != CK_OK) {
		printf("MISMATCH aws-c-auth %s: sign failed: %s\n", name, ck_err_last()->msg);
		okh = 0;
	} else {
		if (expect(dir, "header-canonical-request.txt", ck_buf_cstr(&o.canonical), name))
			hdr.creq++;
		else
			okh = 0;
		if (expect(dir, "header-string-to-sign.txt", ck_buf_cstr(&o.string_to_sign), name))
			hdr.sts++;
		else
			okh = 0;
		snprintf(line, sizeof(line), "Authorization:%s", ck_buf_cstr(&o.authorization));
		if (expect(dir, "header-signature.txt", ck_buf_cstr(&o.signature), name) &&
		    line_of(want, sizeof(want), dir, "header-signed-request.txt", "Authorization:") &&
		    same("authorization", name, line, want))
			hdr.authz++;
		else
			okh = 0;
	}
	if (!okh)
		hdr.fail++;

	qry.cases++;
	if (ck_sigv4_presign(&o, &req, &cr, &p) != CK_OK) {
		printf("MISMATCH aws-c-auth %s: presign failed: %s\n", name, ck_err_last()->msg);
		okq = 0;
	} else {
		if (expect(dir, "query-canonical-request.txt", ck_buf_cstr(&o.canonical), name))
			qry.creq++;
		else
			okq = 0;
		if (expect(dir, "query-string-to-sign.txt", ck_buf_cstr(&o.string_to_sign), name))
			qry.sts++;
		else
			okq = 0;
		if (expect(dir, "query-signature.txt", ck_buf_cstr(&o.signature), name))
			qry.authz++;
		else
			okq = 0;
		snprintf(line, sizeof(line), "%s %s?%s HTTP/1.1", r.method, r.path,
		         ck_buf_cstr(&o.query));
		if (line_of(want, sizeof(want), dir, "query-signed-request.txt", r.method) &&
		    same("query-signed-request", name, line, want))
			qry.query++;
		else
			okq = 0;
	}
	if (!okq)
		qry.fail++;
	free_req(&r);
	ck_sigv4_out_dispose(&o);
	ck_buf_dispose(&ctx);
	ck_buf_dispose(&rq);
}

static void suites(void **state)
{
	const char *root = ckt_vectors("aws-sigv4");
	char path[4096];
	struct ck_buf readme;
	struct dirent **ents;
	int n;

	(void)state;
	/* the classic post-sts cases' token is the last line of their readme */
	ck_buf_init(&readme, 0);
	snprintf(path, sizeof(path), "%s/post-sts-token/readme.txt", root);
	if (read_file(&readme, path) < 0)
		fail_msg("cannot read %s", path);
	{
		const char *t = strstr(ck_buf_cstr(&readme), "AQoDYXdzEPT");

		assert_non_null(t);
		snprintf(sts_token, sizeof(sts_token), "%.*s", (int)strcspn(t, "\r\n"), t);
	}
	ck_buf_dispose(&readme);
	walk_classic(root);

	snprintf(path, sizeof(path), "%s/aws-c-auth-v4", root);
	n = scandir(path, &ents, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && strcmp(ents[i]->d_name, "LICENSE") != 0 &&
		    strcmp(ents[i]->d_name, "NOTICE") != 0)
			cauth_case(path, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);

	printf("sigv4 classic (botocore aws4_testsuite): %d cases: canonical request %d, "
	       "string to sign %d, authorization %d, failed %d\n",
	       classic.cases, classic.creq, classic.sts, classic.authz, classic.fail);
	printf("sigv4 aws-c-auth v4 header: %d cases: canonical request %d, string to sign %d, "
	       "signature+authorization %d, failed %d\n",
	       hdr.cases, hdr.creq, hdr.sts, hdr.authz, hdr.fail);
	printf("sigv4 aws-c-auth v4 query: %d cases: canonical request %d, string to sign %d, "
	       "signature %d, presigned query %d, failed %d\n",
	       qry.cases, qry.creq, qry.sts, qry.authz, qry.query, qry.fail);
	assert_true(classic.cases >= 29);
	assert_true(hdr.cases >= 38);
	assert_int_equal(classic.fail, 0);
	assert_int_equal(hdr.fail, 0);
	assert_int_equal(qry.fail, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(suites),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
