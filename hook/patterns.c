/* SPDX-License-Identifier: Apache-2.0 */
/*
 * High-confidence secret patterns, over added lines only. One pass over the
 * bytes with a table of trigger characters; each trigger checks a fixed
 * prefix and a strict shape (length, alphabet, checksum where the format has
 * one, a key body after a PEM header, a secret next to an AWS key id), so a
 * finding is rarely a false positive. Matches are never printed: messages
 * name the kind of secret, its public prefix and its length.
 */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/bech32.h"
#include "hook_int.h"

struct scan {
	struct ck_hook_report *r;
	const char *path;
	const char *p;     /* whole buffer */
	size_t n;
	size_t lc_off;     /* line counter: lines before lc_off */
	uint32_t lc_line;
	const struct ck_hook_cover *cover;
	int unquoted_ok;   /* data file: `key: value` without quotes is a string (-1: not known yet) */
	/* AWS key ids seen (line, offset) for the pairing pass */
	struct { uint32_t line; size_t off; } aws[16];
	size_t naws;
	size_t span_a, span_b; /* current span */
	size_t first;          /* r->n when this scan started */
	/* ck_hook__pattern_lines: the lines of would-be findings, no findings made */
	int probe;
	uint32_t *plines;
	size_t pn, pcap;
	int overflow;
};


static int is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_b64(unsigned char c)
{
	return is_alnum(c) || c == '+' || c == '/' || c == '=';
}

static int is_word(unsigned char c)
{
	return is_alnum(c) || c == '_';
}

static uint32_t line_of(struct scan *s, size_t off)
{
	const char *q = s->p + s->lc_off, *e = s->p + off;

	if (off < s->lc_off) {
		s->lc_off = 0;
		s->lc_line = 1;
		q = s->p;
	}
	while (q < e && (q = memchr(q, '\n', (size_t)(e - q))) != NULL) {
		s->lc_line++;
		q++;
	}
	s->lc_off = off;
	return s->lc_line;
}

/* Note a trigger line in probe mode. */
static void probe_line(struct scan *s, size_t off)
{
	uint32_t line = line_of(s, off);

	if (s->pn > 0 && s->plines[s->pn - 1] == line)
		return;
	if (s->pn == s->pcap)
		s->overflow = 1;
	else
		s->plines[s->pn++] = line;
}

static size_t run_of(const char *p, size_t i, size_t n, int (*cls)(unsigned char))
{
	size_t j = i;

	while (j < n && cls((unsigned char)p[j]))
		j++;
	return j - i;
}

static int tok_char(unsigned char c)
{
	return is_alnum(c) || c == '_' || c == '-';
}

/* Drop this scan's secret-assignment finding at line (the AWS finding replaces it). */
static void drop_assignment(struct scan *s, uint32_t line)
{
	struct ck_hook_report *r = s->r;
	size_t i;

	for (i = s->first; i < r->n; i++) {
		if (r->v[i].rule != CK_HOOK_ASSIGNMENT || r->v[i].line != line)
			continue;
		ck_free(r->v[i].path);
		ck_free(r->v[i].message);
		ck_free(r->v[i].fix);
		ck_free(r->v[i].fingerprint);
		memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
		r->n--;
		return;
	}
}

static int report(struct scan *s, enum ck_hook_rule rule, size_t off, const char *key, size_t klen,
                  const char *fix, const char *what, const char *prefix, size_t len)
{
	uint32_t line;
	size_t i;

	if (s->probe) {
		probe_line(s, off);
		return CK_OK;
	}
	line = line_of(s, off);
	if (ck_hook__cover_has(s->cover, line))
		return CK_OK;
	/* a specific detector wins over the generic assignment rule on a line */
	if (rule != CK_HOOK_ASSIGNMENT) {
		drop_assignment(s, line);
	} else {
		for (i = s->first; i < s->r->n; i++)
			if (s->r->v[i].line == line && s->r->v[i].rule != CK_HOOK_ASSIGNMENT)
				return CK_OK;
	}
	return ck_hook_report_add(s->r, rule, s->path, line, key, klen, fix,
	                          "%s (%s... %zu characters, redacted)", what, prefix, len);
}

static const char FIX_REMOVE[] =
	"remove it from the file, rotate it, and keep it encrypted: cloak sops encrypt --in-place FILE";

/* Start of the next line: after a newline or after the two characters \n (JSON, code). */
static size_t next_line(const char *p, size_t q, size_t end)
{
	for (; q < end; q++) {
		if (p[q] == '\n')
			return q + 1;
		if (p[q] == '\\' && q + 1 < end && p[q + 1] == 'n')
			return q + 2;
	}
	return end;
}

static size_t skip_blanks(const char *p, size_t q, size_t end)
{
	while (q < end && (p[q] == ' ' || p[q] == '\t' || p[q] == '\r' || p[q] == '"' || p[q] == '\''))
		q++;
	return q;
}

/* "Proc-Type: ...", "DEK-Info: ...", "Version: ..." (RFC 1421 / OpenPGP armor headers) */
static int header_line(const char *p, size_t q, size_t end)
{
	size_t j = q;

	while (j < end && ((p[j] >= 'A' && p[j] <= 'Z') || (p[j] >= 'a' && p[j] <= 'z') || p[j] == '-'))
		j++;
	return j > q && j < end && p[j] == ':';
}

/*
 * -----BEGIN ... PRIVATE KEY----- followed by a key body: after optional
 * armor headers and a blank line, the next line starts with 40 or more
 * base64 characters (PEM lines are 64). The marker alone, as code that
 * looks for it has it, is not a key.
 */
static int pem(struct scan *s, size_t i)
{
	const char *p = s->p;
	size_t n = s->n, j = i + 11, k, lab, end, q, r;
	int h;

	if (n - i < 30 || memcmp(p + i, "-----BEGIN ", 11) != 0)
		return CK_OK;
	lab = j;
	for (k = j; k < n && k < j + 48 && p[k] != '\n'; k++)
		if (p[k] == '-')
			break;
	if (k + 5 > n || memcmp(p + k, "-----", 5) != 0 ||
	    memmem(p + lab, k - lab, "PRIVATE KEY", 11) == NULL)
		return CK_OK;
	end = k + 5 + 2048 < n ? k + 5 + 2048 : n;
	q = next_line(p, k + 5, end);
	for (h = 0; h < 8 && q < end; h++) {
		q = skip_blanks(p, q, end);
		if (header_line(p, q, end) || p[q] == '\n' || (p[q] == '\\' && q + 1 < end && p[q + 1] == 'n')) {
			q = next_line(p, q, end);
			continue;
		}
		break;
	}
	r = q < end ? run_of(p, q, end, is_b64) : 0;
	if (r < 40)
		return CK_OK;
	{
		char what[96];

		snprintf(what, sizeof(what), "%.*s block", (int)(k - lab), p + lab);
		return report(s, CK_HOOK_PRIVATE_KEY, i, p + q, r, FIX_REMOVE, "PEM private key", what, r);
	}
}

static const char bech32_upper[] = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

static int bech_char(unsigned char c)
{
	return c != 0 && strchr(bech32_upper, c) != NULL;
}

static int age_key(struct scan *s, size_t i)
{
	const char *p = s->p;
	size_t r;
	int ok;

	if (s->n - i < 16 + 58 || memcmp(p + i, "AGE-SECRET-KEY-1", 16) != 0)
		return CK_OK;
	r = run_of(p, i + 16, s->n, bech_char);
	if (r != 58 || (i + 74 < s->n && is_alnum((unsigned char)p[i + 74])))
		return CK_OK;
	ok = ck_bech32_verify(p + i, 74);
	ck_err_clear();
	if (!ok)
		return CK_OK;
	return report(s, CK_HOOK_AGE_KEY, i, p + i, 74,
	              "remove it and make a new identity: cloak age keygen -o KEYFILE (outside the repository)",
	              "age secret key", "AGE-SECRET-KEY-1", 74);
}

static int upper_digit(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int aws_id(struct scan *s, size_t i)
{
	static const char *const pre[] = { "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA",
		                           "ANVA", "ABIA", "ACCA", "APKA" };
	const char *p = s->p;
	size_t k;
	int hit = 0;

	if (s->n - i < 20 || (i > 0 && is_alnum((unsigned char)p[i - 1])) ||
	    strchr("KSGIRNBCP3", p[i + 1]) == NULL || p[i + 1] == 0)
		return CK_OK;
	for (k = 0; k < sizeof(pre) / sizeof(pre[0]); k++)
		if (memcmp(p + i, pre[k], 4) == 0)
			hit = 1;
	if (!hit && !(p[i + 1] == '3' && p[i + 2] == 'T'))
		return CK_OK;
	if (run_of(p, i + 4, s->n, upper_digit) != 16 || memmem(p + i, 20, "EXAMPLE", 7) != NULL)
		return CK_OK;
	if (s->probe) {
		probe_line(s, i); /* a pair may be found from this line */
		return CK_OK;
	}
	if (s->naws < sizeof(s->aws) / sizeof(s->aws[0])) {
		s->aws[s->naws].line = line_of(s, i);
		s->aws[s->naws].off = i;
		s->naws++;
	}
	return CK_OK;
}

static int aws_secret_char(unsigned char c)
{
	return is_alnum(c) || c == '/' || c == '+';
}

/*
 * An access key id is reported only with a secret access key (exactly 40
 * characters of [A-Za-z0-9/+], mixed case and a digit) within five lines;
 * the finding is on the secret's line.
 */
static int aws_pair(struct scan *s)
{
	const char *p = s->p;
	size_t a, j;

	for (a = 0; a < s->naws; a++) {
		size_t lo = s->aws[a].off, hi = s->aws[a].off;
		int lines = 0;

		while (lo > 0 && lines <= 5)
			if (p[--lo] == '\n')
				lines++;
		for (lines = 0; hi < s->n && lines <= 5; hi++)
			if (p[hi] == '\n')
				lines++;
		for (j = lo; j < hi; j++) {
			size_t r, q;
			int up = 0, low = 0, dig = 0;

			if (!aws_secret_char((unsigned char)p[j]))
				continue;
			r = run_of(p, j, hi, aws_secret_char);
			if (r == 40 && (j == 0 || p[j - 1] != '=') && (j + r >= s->n || p[j + r] != '=')) {
				for (q = j; q < j + r; q++) {
					up |= p[q] >= 'A' && p[q] <= 'Z';
					low |= p[q] >= 'a' && p[q] <= 'z';
					dig |= p[q] >= '0' && p[q] <= '9';
				}
				if (up && low && dig && memmem(p + j, r, "EXAMPLE", 7) == NULL) {
					char what[96];
					int rc;

					snprintf(what, sizeof(what),
					         "AWS secret access key next to the access key id on line %u",
					         (unsigned)s->aws[a].line);
					rc = report(s, CK_HOOK_AWS, j, p + j, r,
					            "deactivate the key in IAM and remove both values; keep "
					            "credentials in a secret store", what, "", r);
					if (rc < 0)
						return rc;
					break;
				}
			}
			j += r;
		}
	}
	return CK_OK;
}

static int github(struct scan *s, size_t i)
{
	const char *p = s->p;
	size_t r;

	if (i > 0 && is_word((unsigned char)p[i - 1]))
		return CK_OK;
	if (s->n - i >= 40 && p[1 + i] == 'h' && p[i + 3] == '_' && strchr("pousr", p[i + 2]) != NULL &&
	    p[i + 2] != 0) {
		r = run_of(p, i + 4, s->n, is_alnum);
		if (r != 36 || (i + 40 < s->n && is_word((unsigned char)p[i + 40])))
			return CK_OK;
		{
			char pre[5];

			memcpy(pre, p + i, 4);
			pre[4] = 0;
			return report(s, CK_HOOK_GITHUB, i, p + i, 40,
			              "revoke it on GitHub (Settings > Developer settings) and remove it",
			              "GitHub token", pre, 40);
		}
	}
	if (s->n - i >= 11 + 82 && memcmp(p + i, "github_pat_", 11) == 0) {
		r = run_of(p, i + 11, s->n, is_word);
		if (r < 82)
			return CK_OK;
		return report(s, CK_HOOK_GITHUB, i, p + i, 11 + r,
		              "revoke it on GitHub (Settings > Developer settings) and remove it",
		              "GitHub fine-grained token", "github_pat_", 11 + r);
	}
	return CK_OK;
}

static int gitlab(struct scan *s, size_t i)
{
	static const char *const pre[] = { "glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-",
		                           "glcbt-", "gloas-", "glimt-", "glagent-", "glffct-" };
	const char *p = s->p;
	size_t k;

	if (i > 0 && is_word((unsigned char)p[i - 1]))
		return CK_OK;
	for (k = 0; k < sizeof(pre) / sizeof(pre[0]); k++) {
		size_t pl = strlen(pre[k]), r;

		if (s->n - i < pl + 20 || memcmp(p + i, pre[k], pl) != 0)
			continue;
		r = run_of(p, i + pl, s->n, tok_char);
		if (r < 20)
			return CK_OK;
		return report(s, CK_HOOK_GITLAB, i, p + i, pl + r,
		              "revoke it in GitLab (Access tokens) and remove it", "GitLab token", pre[k],
		              pl + r);
	}
	return CK_OK;
}

static int slack_char(unsigned char c)
{
	return is_alnum(c) || c == '-';
}

static int slack(struct scan *s, size_t i)
{
	const char *p = s->p;
	size_t r, pl, k, digits = 0;

	if (i > 0 && is_word((unsigned char)p[i - 1]))
		return CK_OK;
	if (s->n - i >= 5 && memcmp(p + i, "xox", 3) == 0 && strchr("baprse", p[i + 3]) != NULL &&
	    p[i + 3] != 0 && p[i + 4] == '-')
		pl = 5;
	else if (s->n - i >= 5 && memcmp(p + i, "xapp-", 5) == 0)
		pl = 5;
	else
		return CK_OK;
	r = run_of(p, i + pl, s->n, slack_char);
	for (k = i + pl; k < i + pl + r; k++)
		digits += p[k] >= '0' && p[k] <= '9';
	if (r < 20 || digits < 6 || memchr(p + i + pl, '-', r) == NULL)
		return CK_OK;
	{
		char pre[6];

		memcpy(pre, p + i, pl);
		pre[pl] = 0;
		return report(s, CK_HOOK_SLACK, i, p + i, pl + r,
		              "revoke it in the Slack app settings and remove it", "Slack token", pre, pl + r);
	}
}

static int slack_hook(struct scan *s, size_t i)
{
	static const char host[] = "hooks.slack.com/services/";
	const char *p = s->p;
	size_t j = i + sizeof(host) - 1, r;

	if (s->n - i < sizeof(host) - 1 + 30 || memcmp(p + i, host, sizeof(host) - 1) != 0)
		return CK_OK;
	if (p[j] != 'T' || (r = run_of(p, j, s->n, upper_digit)) < 8 || p[j + r] != '/')
		return CK_OK;
	j += r + 1;
	if (j >= s->n || p[j] != 'B' || (r = run_of(p, j, s->n, upper_digit)) < 8 || j + r >= s->n ||
	    p[j + r] != '/')
		return CK_OK;
	j += r + 1;
	if ((r = run_of(p, j, s->n, is_alnum)) < 20)
		return CK_OK;
	return report(s, CK_HOOK_SLACK, i, p + i, j + r - i,
	              "delete the webhook in the Slack app settings and remove it", "Slack webhook URL",
	              "hooks.slack.com/services/", j + r - i);
}

static int vault(struct scan *s, size_t i)
{
	const char *p = s->p;
	size_t r;

	if (i > 0 && is_word((unsigned char)p[i - 1]))
		return CK_OK;
	if (s->n - i < 4 + 24 || p[i + 1] != 'v' || strchr("sbr", p[i + 2]) == NULL || p[i + 2] == 0 ||
	    p[i + 3] != '.')
		return CK_OK;
	r = run_of(p, i + 4, s->n, tok_char);
	if (r < 24)
		return CK_OK;
	{
		char pre[5];

		memcpy(pre, p + i, 4);
		pre[4] = 0;
		return report(s, CK_HOOK_VAULT, i, p + i, 4 + r,
		              "revoke it (vault token revoke -accessor ...) and remove it",
		              "Vault token", pre, 4 + r);
	}
}

/* ---- assignments of high-entropy values to secret-looking names ---- */

/* log2 without libm: x = m * 2^e, m in [1, 2), ln m by its atanh series (error < 1e-6). */
static double lg2(double x)
{
	double y, y2, ln = 0, t;
	int e = 0, k;

	while (x >= 2) {
		x /= 2;
		e++;
	}
	while (x < 1) {
		x *= 2;
		e--;
	}
	y = (x - 1) / (x + 1);
	y2 = y * y;
	t = y;
	for (k = 1; k <= 13; k += 2) {
		ln += t / k;
		t *= y2;
	}
	return e + 2 * ln / 0.69314718055994530942;
}

static double entropy(const char *v, size_t n)
{
	unsigned cnt[256];
	double h = 0;
	size_t i;

	double term[257];
	unsigned char have[257];

	memset(cnt, 0, sizeof(cnt));
	memset(have, 0, sizeof(have));
	for (i = 0; i < n; i++)
		cnt[(unsigned char)v[i]]++;
	/* the term of a count is computed once (values are at most 256 long) */
	for (i = 0; i < 256; i++) {
		if (cnt[i] > 0) {
			unsigned c = cnt[i] <= 256 ? cnt[i] : 256;

			if (cnt[i] > 256 || !have[c]) {
				double q = (double)cnt[i] / (double)n;

				term[c] = q * lg2(q);
				have[c] = cnt[i] <= 256;
			}
			h -= term[c];
		}
	}
	return h;
}

static int has_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w), i, j;

	for (i = 0; i + wl <= n; i++) {
		for (j = 0; j < wl; j++) {
			char c = s[i + j];

			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != w[j])
				break;
		}
		if (j == wl)
			return 1;
	}
	return 0;
}

#define W(s) { s, sizeof(s) - 1 }
struct word {
	const char *s;
	size_t n;
};

static int secret_name(const char *s, size_t n)
{
	/* the keywords holding "pass", then those holding "key"; "secret" and "token" are keywords */
	static const struct word kw_pass[] = { W("password"), W("passwd"), W("passphrase") };
	static const struct word kw_key[] = { W("apikey"), W("api_key"), W("api-key"), W("access_key"),
		                              W("accesskey"), W("private_key"), W("privatekey") };
	static const struct word not_value[] = {
		W("name"), W("file"), W("path"), W("ref"), W("url"), W("uri"), W("dir"), W("type"),
		W("mode"), W("id"), W("length"), W("len"), W("size"), W("ttl"), W("timeout"), W("count"),
		W("format"), W("kind"), W("env"), W("field"), W("hash"), W("checksum"), W("digest"),
		W("policy"), W("version"), W("header"), W("endpoint"), W("prefix"), W("suffix"),
		W("regex"), W("pattern"), W("key_ref"), W("selector"), W("provider"), W("store")
	};
	char low[96];
	size_t k;
	int pass = 0, secret = 0, token = 0, key = 0, hit = 0;

	/*
	 * A keyword (password, passwd, passphrase, secret, token, apikey,
	 * api_key, api-key, access_key, accesskey, private_key, privatekey)
	 * in the lowercased name: one pass for the four stems, then the
	 * keywords of the stems found.
	 */
	if (n < 3 || n >= sizeof(low))
		return 0;
	for (k = 0; k < n; k++)
		low[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] - 'A' + 'a' : s[k]);
	for (k = 0; k + 3 <= n; k++) {
		const char *q = low + k;

		pass |= q[0] == 'p' && k + 4 <= n && memcmp(q, "pass", 4) == 0;
		secret |= q[0] == 's' && k + 6 <= n && memcmp(q, "secret", 6) == 0;
		token |= q[0] == 't' && k + 5 <= n && memcmp(q, "token", 5) == 0;
		key |= q[0] == 'k' && q[1] == 'e' && q[2] == 'y';
	}
	hit = secret || token;
	for (k = 0; pass && !hit && k < sizeof(kw_pass) / sizeof(kw_pass[0]); k++)
		hit = memmem(low, n, kw_pass[k].s, kw_pass[k].n) != NULL;
	for (k = 0; key && !hit && k < sizeof(kw_key) / sizeof(kw_key[0]); k++)
		hit = memmem(low, n, kw_key[k].s, kw_key[k].n) != NULL;
	if (!hit)
		return 0;
	for (k = 0; k < sizeof(not_value) / sizeof(not_value[0]); k++) {
		size_t wl = not_value[k].n;

		/* ends_ci() on the lowercase copy: the words are lowercase */
		if (n >= wl && low[n - 1] == not_value[k].s[wl - 1] &&
		    memcmp(low + n - wl, not_value[k].s, wl) == 0)
			return 0;
	}
	return 1;
}

static int name_char(unsigned char c)
{
	return is_word(c) || c == '-' || c == '.';
}

#define NAMEC_ROW(b) [b] = 1, [b + 1] = 1, [b + 2] = 1, [b + 3] = 1, [b + 4] = 1, [b + 5] = 1, \
	[b + 6] = 1, [b + 7] = 1
/* name_char() as a table */
static const unsigned char namec[256] = {
	NAMEC_ROW('a'), NAMEC_ROW('i'), NAMEC_ROW('q'), ['y'] = 1, ['z'] = 1,
	NAMEC_ROW('A'), NAMEC_ROW('I'), NAMEC_ROW('Q'), ['Y'] = 1, ['Z'] = 1,
	NAMEC_ROW('0'), ['8'] = 1, ['9'] = 1, ['_'] = 1, ['-'] = 1, ['.'] = 1,
};

/* The first letters of the stems below, either case. */
static const unsigned char stemc[256] = {
	['p'] = 1, ['s'] = 1, ['t'] = 1, ['k'] = 1, ['P'] = 1, ['S'] = 1, ['T'] = 1, ['K'] = 1,
};

/*
 * A necessary condition of secret_name(), cheap enough for every key of a
 * YAML file: every keyword holds "pass", "secr", "toke" or "key" (| 0x20
 * lowercases letters and maps no other name character onto one). 1 when
 * one of them starts at q, with left characters of the name from q on.
 */
static int stem_at(const unsigned char *q, size_t left)
{
	switch (q[0] | 0x20) {
	case 'p':
		return left >= 4 && (q[1] | 0x20) == 'a' && (q[2] | 0x20) == 's' && (q[3] | 0x20) == 's';
	case 's':
		return left >= 4 && (q[1] | 0x20) == 'e' && (q[2] | 0x20) == 'c' && (q[3] | 0x20) == 'r';
	case 't':
		return left >= 4 && (q[1] | 0x20) == 'o' && (q[2] | 0x20) == 'k' && (q[3] | 0x20) == 'e';
	case 'k':
		return left >= 3 && (q[1] | 0x20) == 'e' && (q[2] | 0x20) == 'y';
	}
	return 0;
}

static int value_ok(const char *v, size_t n, int quoted)
{
	static const char *const fake[] = { "example", "changeme", "placeholder", "dummy", "redacted",
		                            "xxxxxx", "sample", "your", "fake", "test", "0000000" };
	int low = 0, up = 0, dig = 0;
	size_t i, k;

	if (n < 12 || n > 256)
		return 0;
	if (v[0] == '$' || v[0] == '&' || v[0] == '*' || v[0] == '@' || v[0] == '%' || v[0] == '!' ||
	    v[0] == '|' || v[0] == '>' || v[0] == '<' || v[0] == '{' || v[0] == '[' || v[0] == '/' ||
	    v[0] == '~' || v[0] == '.')
		return 0;
	if (n >= 4 && memcmp(v, "ENC[", 4) == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c == '(' || c == ')' || c == '<' || c == '>' || c == '{' || c == '}' ||
		    c == '\\')
			return 0;
		low |= c >= 'a' && c <= 'z';
		up |= c >= 'A' && c <= 'Z';
		dig |= c >= '0' && c <= '9';
	}
	if (low + up + dig < 2)
		return 0;
	if (memmem(v, n, "://", 3) != NULL || memmem(v, n, "${", 2) != NULL)
		return 0;
	for (k = 0; k < sizeof(fake) / sizeof(fake[0]); k++)
		if (has_ci(v, n, fake[k]))
			return 0;
	/* an unquoted dotted identifier is code (settings.token), not a value */
	if (!quoted) {
		int ident = 1, dot = 0;

		for (i = 0; i < n; i++) {
			dot |= v[i] == '.';
			if (!name_char((unsigned char)v[i]))
				ident = 0;
		}
		if (ident && dot)
			return 0;
	}
	return entropy(v, n) >= 3.5;
}

static int data_ext(const char *path);

static int assignment(struct scan *s, size_t i)
{
	const char *p = s->p;
	size_t n = s->n, j, ns, ne, vs, ve;
	char op = p[i], q = 0;
	int hint = 0;

	/* the operator: "key: v", "key=v", "key := v", "key => v"; not ==, !=, <=, >=, ::, :// */
	if (op == '=') {
		if ((i + 1 < n && p[i + 1] == '=') ||
		    (i > 0 && strchr("=!<>+-*/|&^%", p[i - 1]) != NULL && p[i - 1] != 0))
			return CK_OK;
	} else {
		if (i + 1 >= n || (p[i + 1] != ' ' && p[i + 1] != '\t' && p[i + 1] != '"' &&
		                   p[i + 1] != '\'' && p[i + 1] != '='))
			return CK_OK;
		if (i > 0 && p[i - 1] == ':')
			return CK_OK;
	}
	/* the name, backwards: blanks, a closing quote, the identifier */
	j = i;
	while (j > s->span_a && (p[j - 1] == ' ' || p[j - 1] == '\t'))
		j--;
	if (j > s->span_a && (p[j - 1] == '"' || p[j - 1] == '\''))
		j--;
	ne = j;
	/* the identifier, noting on the way whether it holds a keyword's stem */
	while (j > s->span_a && ne - j < 80 && namec[(unsigned char)p[j - 1]]) {
		if (stemc[(unsigned char)p[j - 1]] && !hint)
			hint = stem_at((const unsigned char *)p + j - 1, ne - (j - 1));
		j--;
	}
	ns = j;
	if (!hint || !secret_name(p + ns, ne - ns))
		return CK_OK;
	/* the value */
	j = i + 1;
	if (op == ':' && j < n && p[j] == '=')
		j++;
	else if (op == '=' && j < n && p[j] == '>')
		j++;
	while (j < n && (p[j] == ' ' || p[j] == '\t'))
		j++;
	if (j < n && (p[j] == '"' || p[j] == '\'' || p[j] == '`'))
		q = p[j++];
	vs = j;
	if (q != 0) {
		while (j < n && p[j] != q && p[j] != '\n')
			j++;
		if (j >= n || p[j] != q)
			return CK_OK;
	} else {
		if (s->unquoted_ok < 0)
			s->unquoted_ok = data_ext(s->path);
		if (!s->unquoted_ok)
			return CK_OK;
		while (j < n && p[j] != '\n' && p[j] != '\r' && p[j] != ' ' && p[j] != '\t' &&
		       p[j] != ',' && p[j] != ';' && p[j] != '}' && p[j] != ']' && p[j] != ')')
			j++;
	}
	ve = j;
	if (!value_ok(p + vs, ve - vs, q != 0))
		return CK_OK;
	/* an AWS secret access key by name */
	if (ve - vs == 40 && has_ci(p + ns, ne - ns, "secret") &&
	    (has_ci(p + ns, ne - ns, "access") || has_ci(p + ns, ne - ns, "aws")))
		return report(s, CK_HOOK_AWS, ns, p + vs, ve - vs,
		              "deactivate the key in IAM and remove it; keep credentials in a secret store",
		              "AWS secret access key", "", ve - vs);
	{
		char what[160];

		snprintf(what, sizeof(what), "high-entropy value assigned to '%.*s'", (int)(ne - ns), p + ns);
		return report(s, CK_HOOK_ASSIGNMENT, ns, p + vs, ve - vs,
		              "move the value into a SOPS-encrypted file (cloak sops encrypt --in-place FILE) "
		              "and rotate it", what, "", ve - vs);
	}
}

/* First bytes of the detectors' prefixes (assignments are found by their names' stems). */
static const unsigned char trig[256] = {
	['-'] = 1, ['A'] = 2, ['g'] = 3, ['x'] = 4, ['h'] = 5,
};

/* Bit k set when p[k] starts a detector (n <= 16 bytes). */
static uint32_t trig_mask_c(const unsigned char *p, size_t n)
{
	uint32_t m = 0;
	size_t k;

	for (k = 0; k < n; k++)
		m |= (uint32_t)(trig[p[k]] != 0) << k;
	return m;
}

/*
 * Bit k set when p[k], p[k + 1] lowercased are "pa", "se", "to" or "ke":
 * where a keyword stem may start (k < n <= 16; p[n] is read when there).
 */
static uint32_t stem_mask_c(const unsigned char *p, size_t n, size_t avail)
{
	uint32_t m = 0;
	size_t k;

	for (k = 0; k < n && k + 1 < avail; k++) {
		unsigned c0 = p[k] | 0x20, c1 = p[k + 1] | 0x20;

		m |= (uint32_t)((c0 == 'p' && c1 == 'a') || (c0 == 's' && c1 == 'e') || (c0 == 't' && c1 == 'o') ||
		                (c0 == 'k' && c1 == 'e')) << k;
	}
	return m;
}

#if defined(__SSE2__)
#include <emmintrin.h>

static uint32_t trig_mask16(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')), _mm_cmpeq_epi8(v, _mm_set1_epi8('A')));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('g')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('x')));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('h')));
	return (uint32_t)_mm_movemask_epi8(m);
}

/* stem_mask_c for 16 positions; reads p[0..16] */
static uint32_t stem_mask16(const unsigned char *p)
{
	const __m128i lc = _mm_set1_epi8(0x20);
	__m128i v0 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)p), lc);
	__m128i v1 = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(p + 1)), lc);
	__m128i m = _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('p')), _mm_cmpeq_epi8(v1, _mm_set1_epi8('a')));

	m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('s')), _mm_cmpeq_epi8(v1, _mm_set1_epi8('e'))));
	m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('t')), _mm_cmpeq_epi8(v1, _mm_set1_epi8('o'))));
	m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(v0, _mm_set1_epi8('k')), _mm_cmpeq_epi8(v1, _mm_set1_epi8('e'))));
	return (uint32_t)_mm_movemask_epi8(m);
}
#else
static uint32_t trig_mask16(const unsigned char *p)
{
	return trig_mask_c(p, 16);
}

static uint32_t stem_mask16(const unsigned char *p)
{
	return stem_mask_c(p, 16, 17);
}
#endif

static int dispatch(struct scan *s, size_t i)
{
	const unsigned char *p = (const unsigned char *)s->p;
	unsigned char nx = i + 1 < s->n ? p[i + 1] : 0;

	switch (trig[p[i]]) {
	case 1:
		return nx == '-' ? pem(s, i) : CK_OK;
	case 2:
		return nx == 'G' ? age_key(s, i) : aws_id(s, i);
	case 3:
		if (nx == 'h' || nx == 'i')
			return github(s, i);
		return nx == 'l' ? gitlab(s, i) : CK_OK;
	case 4:
		return slack(s, i);
	case 5:
		if (nx == 'v')
			return vault(s, i);
		return nx == 'o' ? slack_hook(s, i) : CK_OK;
	}
	return CK_OK;
}

/*
 * The assignment operator a keyword stem at k may name: the end of the
 * identifier around k, then one closing quote, then blanks (what
 * assignment() skips backwards from its operator). 0 when there is none.
 */
static size_t stem_operator(const struct scan *s, size_t k)
{
	const unsigned char *p = (const unsigned char *)s->p;
	size_t j = k;

	if (!stem_at(p + k, s->n - k))
		return 0;
	while (j < s->n && namec[p[j]])
		j++;
	if (j < s->n && (p[j] == '"' || p[j] == '\''))
		j++;
	while (j < s->n && (p[j] == ' ' || p[j] == '\t'))
		j++;
	return j < s->n && (p[j] == ':' || p[j] == '=') ? j : 0;
}

/*
 * Every detector over [a, b). The trigger bytes are common ones, so their
 * positions are found 16 bytes at a time (SSE2 where the compiler has it)
 * and each one is dispatched on its next byte. Assignments are found from
 * the other end: assignment() only reports a name holding one of four
 * stems (stem_at), so only the operators after such names are looked at,
 * not every ':' and '=' of a YAML file; each at most once, in order.
 */
static int scan_span(struct scan *s, size_t a, size_t b)
{
	const unsigned char *p = (const unsigned char *)s->p;
	size_t i, last = 0;
	int rc;

	s->span_a = a;
	s->span_b = b;
	for (i = a; i < b; i += 16) {
		uint32_t m = b - i >= 16 ? trig_mask16(p + i) : trig_mask_c(p + i, b - i);

		while (m != 0) {
			unsigned k = (unsigned)__builtin_ctz(m);

			m &= m - 1;
			if ((rc = dispatch(s, i + k)) != CK_OK)
				return rc;
		}
	}
	for (i = a; i < b; i += 16) {
		uint32_t m = b - i >= 17 ? stem_mask16(p + i) : stem_mask_c(p + i, b - i < 16 ? b - i : 16, s->n - i);

		while (m != 0) {
			size_t op = stem_operator(s, i + (unsigned)__builtin_ctz(m));

			m &= m - 1;
			if (op > last && op < b) {
				last = op;
				if ((rc = assignment(s, op)) != CK_OK)
					return rc;
			}
		}
	}
	return CK_OK;
}

static int data_ext(const char *path)
{
	static const struct word ext[] = { W(".yaml"), W(".yml"), W(".env"), W(".ini"), W(".properties"),
		                           W(".conf"), W(".cfg"), W(".toml"), W(".tfvars"), W(".sh"),
		                           W(".bash"), W(".zsh"), W(".txt"), W(".npmrc"), W(".pypirc"),
		                           W(".netrc"), W(".envrc") };
	const char *b = strrchr(path, '/');
	size_t k, bl;

	b = b != NULL ? b + 1 : path;
	bl = strlen(b);
	if (memchr(b, '.', bl) == NULL || b[0] == '.')
		return 1; /* Dockerfile, .env, .netrc, ... */
	for (k = 0; k < sizeof(ext) / sizeof(ext[0]); k++)
		if (bl >= ext[k].n && memcmp(b + bl - ext[k].n, ext[k].s, ext[k].n) == 0)
			return 1;
	return 0;
}

int ck_hook__check_patterns(struct ck_hook_report *r, const char *path, const char *data,
                            size_t n, const struct ck_hook_lines *added,
                            const struct ck_hook_cover *cover)
{
	struct scan s;
	int rc = CK_OK;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.first = r->n;
	s.path = path;
	s.p = data;
	s.n = n;
	s.lc_line = 1;
	s.cover = cover;
	s.unquoted_ok = -1;
	if (n == 0)
		return CK_OK;
	if (added == NULL) {
		rc = scan_span(&s, 0, n);
	} else {
		/* added line ranges -> byte spans, in one pass over the newlines */
		size_t k, off = 0;
		uint32_t line = 1;

		for (k = 0; k < added->n && rc == CK_OK; k++) {
			uint32_t a = added->r[k][0], b = added->r[k][1];
			size_t start;

			if (a == 0 || b < a)
				continue;
			while (line < a && off < n) {
				const char *nl = memchr(data + off, '\n', n - off);

				off = nl != NULL ? (size_t)(nl - data) + 1 : n;
				line++;
			}
			if (line < a)
				break;
			start = off;
			while (line <= b && off < n) {
				const char *nl = memchr(data + off, '\n', n - off);

				off = nl != NULL ? (size_t)(nl - data) + 1 : n;
				line++;
			}
			rc = scan_span(&s, start, off);
		}
	}
	if (rc == CK_OK && s.naws > 0)
		rc = aws_pair(&s);
	return rc;
}

int ck_hook_scan_patterns(struct ck_hook_report *r, const char *path, const void *data, size_t n,
                          const struct ck_hook_lines *added)
{
	return ck_hook__check_patterns(r, path, data, n, added, NULL);
}

/*
 * Why this is exact: every detector reads forward from its trigger over the
 * whole buffer and backwards no further than the trigger line's start (where
 * an added-lines span starts too), and reports on that line; so a scan of
 * some lines fires exactly the triggers of those lines that a whole scan
 * fires, and finds nothing when none of them is among the lines. An AWS
 * key id counts wherever it is, as the secret it pairs with may be on
 * another line.
 */
int ck_hook__pattern_lines(const char *path, const char *data, size_t n, uint32_t *lines,
                           size_t cap, size_t *nlines)
{
	struct ck_hook_report r;
	struct scan s;
	int rc = CK_OK;

	ck_hook_report_init(&r);
	memset(&s, 0, sizeof(s));
	s.r = &r;
	s.path = path;
	s.p = data;
	s.n = n;
	s.lc_line = 1;
	s.unquoted_ok = -1;
	s.probe = 1;
	s.plines = lines;
	s.pcap = cap;
	if (n > 0)
		rc = scan_span(&s, 0, n);
	ck_hook_report_dispose(&r);
	/* the detectors and the assignments come in two passes: sort, drop repeats */
	{
		size_t i, j, w = 0;

		for (i = 1; i < s.pn; i++)
			for (j = i; j > 0 && lines[j - 1] > lines[j]; j--) {
				uint32_t t = lines[j];

				lines[j] = lines[j - 1];
				lines[j - 1] = t;
			}
		for (i = 0; i < s.pn; i++)
			if (w == 0 || lines[w - 1] != lines[i])
				lines[w++] = lines[i];
		s.pn = w;
	}
	*nlines = s.pn;
	if (rc < 0)
		return rc;
	return s.overflow ? CK_ETOOBIG : CK_OK;
}
