/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pattern rules: every detector with a matching and a near-miss input,
 * redaction, added-line limits, fingerprints that survive line moves.
 */
#include <stdlib.h>

#include "ck/buf.h"
#include "ck/hook_internal.h"
#include "ck/secret.h"
#include "hookt.h"

/* Scan text (as file `path`) with the pattern rules only. */
static void pscan(struct ck_hook_report *r, const char *path, const char *text,
                  const struct ck_hook_lines *added)
{
	ck_hook_report_init(r);
	assert_int_equal(ck_hook_scan_patterns(r, path, text, strlen(text), added), CK_OK);
}

/* One finding of rule at line, whose message does not contain secret. */
static void expect(const char *path, const char *text, enum ck_hook_rule rule, uint32_t line,
                   const char *secret)
{
	struct ck_hook_report r;

	pscan(&r, path, text, NULL);
	ht_expect_one(&r, rule, line);
	if (secret != NULL && strlen(secret) > 8) {
		/* redacted: no 8-character piece of the secret body appears */
		char piece[9];

		memcpy(piece, secret + strlen(secret) - 8, 8);
		piece[8] = 0;
		if (strstr(r.v[0].message, piece) != NULL || strstr(r.v[0].fix, piece) != NULL)
			fail_msg("secret leaked into the message: %s", r.v[0].message);
	}
	ck_hook_report_dispose(&r);
}

static void expect_none(const char *path, const char *text)
{
	struct ck_hook_report r;

	pscan(&r, path, text, NULL);
	ht_expect_none(&r);
	ck_hook_report_dispose(&r);
}

static void t_pem(void **state)
{
	struct ck_buf key, text;
	char *esc;
	size_t i, j;

	ck_buf_init(&key, 0);
	ck_buf_init(&text, 0);
	ckt_readf(&key, "%s/testkeys/rsa-2048.pkcs1.pem", ckt_source_dir());
	assert_int_equal(ck_buf_printf(&text, "# a key\nkey: |\n"), CK_OK);
	for (i = 0; i < ck_buf_len(&key);) {
		const char *p = (const char *)ck_buf_data(&key) + i;
		const char *nl = memchr(p, '\n', ck_buf_len(&key) - i);
		size_t l = nl ? (size_t)(nl - p) : ck_buf_len(&key) - i;

		assert_int_equal(ck_buf_printf(&text, "  %.*s\n", (int)l, p), CK_OK);
		i += l + 1;
	}
	expect("deploy/tls.yaml", ck_buf_cstr(&text), CK_HOOK_PRIVATE_KEY, 3, NULL);
	/* a key inside a JSON string, newlines escaped */
	esc = calloc(1, ck_buf_len(&key) * 2 + 64);
	memcpy(esc, "{\"tls.key\": \"", 13);
	for (i = 0, j = 13; i < ck_buf_len(&key); i++) {
		char c = (char)ck_buf_data(&key)[i];

		if (c == '\n') {
			esc[j++] = '\\';
			esc[j++] = 'n';
		} else {
			esc[j++] = c;
		}
	}
	memcpy(esc + j, "\"}\n", 4);
	expect("x.json", esc, CK_HOOK_PRIVATE_KEY, 1, NULL);
	free(esc);
	/* legacy encrypted PEM (Proc-Type header) is still a private key */
	ck_buf_reset(&key);
	ckt_readf(&key, "%s/testkeys/rsa-2048.encrypted-legacy.pem", ckt_source_dir());
	expect("k.pem", ck_buf_cstr(&key), CK_HOOK_PRIVATE_KEY, 1, NULL);
	/* public keys, certificates and code that names the marker are not */
	ck_buf_reset(&key);
	ckt_readf(&key, "%s/testkeys/rsa-2048.pub.pem", ckt_source_dir());
	expect_none("pub.pem", ck_buf_cstr(&key));
	expect_none("pem.c", "if (memcmp(p, \"-----BEGIN RSA PRIVATE KEY-----\", 31) == 0)\n\treturn 1;\n");
	ck_buf_dispose(&key);
	ck_buf_dispose(&text);
}

static void t_age(void **state)
{
	struct ck_buf id;
	char *line, *p;

	ck_buf_init(&id, 0);
	ckt_readf(&id, "%s/testkeys/age/identity.txt", ckt_source_dir());
	expect("keys.txt", ck_buf_cstr(&id), CK_HOOK_AGE_KEY, 3, NULL);
	/* a broken checksum is not a key */
	line = strstr((char *)ck_buf_mutable(&id), "AGE-SECRET-KEY-1");
	assert_non_null(line);
	p = line + 70;
	*p = *p == 'Q' ? 'P' : 'Q';
	expect_none("keys.txt", ck_buf_cstr(&id));
	/* the recipient (public) never is */
	expect_none("r.txt", "age1xx98emuhn50tvnjdeewj6q97p6wls8rty6aq9qcsak0waxxzuqqsdkp0tl\n");
	ck_buf_dispose(&id);
}

static void t_aws(void **state)
{
	char id[21], sec[41], text[512];

	memcpy(id, "AKIA", 4);
	memcpy(id + 4, "Q3XW7ZP2MNR5TBLD", 16);
	id[20] = 0;
	ht_rand62(sec, 40, 7);
	sec[5] = '/';
	snprintf(text, sizeof(text), "[default]\naws_access_key_id = %s\nregion = eu-west-1\nsecret = %s\n", id, sec);
	expect("credentials", text, CK_HOOK_AWS, 4, sec);
	/* an id alone is not reported; nor AWS's documentation example */
	snprintf(text, sizeof(text), "aws_access_key_id = %s\n", id);
	expect_none("credentials", text);
	snprintf(text, sizeof(text), "id: AKIAIOSFODNN7%s\nkey: wJalrXUtnFEMI/K7MDENG/bPxRfiCY%sKEY\n", "EXAMPLE", "EXAMPLE");
	expect_none("docs.md", text);
	/* a secret access key by its name */
	snprintf(text, sizeof(text), "export AWS_SECRET_ACCESS_KEY=%s\n", sec);
	expect("env.sh", text, CK_HOOK_AWS, 1, sec);
}

static void t_tokens(void **state)
{
	char tok[128], text[256], body[100];

	ht_rand62(body, 36, 3);
	snprintf(tok, sizeof(tok), "gh%s_%s", "p", body);
	snprintf(text, sizeof(text), "url: https://x\nGITHUB_TOKEN: %s\n", tok);
	expect("ci.yaml", text, CK_HOOK_GITHUB, 2, tok);
	snprintf(text, sizeof(text), "t = %.*s\n", 39, tok); /* 35 characters after the prefix */
	expect_none("a.txt", text);
	ht_rand62(body, 82, 4);
	body[22] = '_';
	snprintf(tok, sizeof(tok), "github%s_%s", "_pat", body);
	snprintf(text, sizeof(text), "%s\n", tok);
	expect("b.txt", text, CK_HOOK_GITHUB, 1, tok);

	ht_rand62(body, 20, 5);
	snprintf(text, sizeof(text), "x\ny\ntoken: gl%s-%s\n", "pat", body);
	expect("c.yaml", text, CK_HOOK_GITLAB, 3, body);
	expect_none("c.yaml", "glpat-short\n");

	ht_rand62(body, 24, 6);
	snprintf(text, sizeof(text), "SLACK=xo%s-1234567890-9876543210-%s\n", "xb", body);
	expect("d.env", text, CK_HOOK_SLACK, 1, body);
	snprintf(text, sizeof(text), "hook: https://hooks.slack.%s/services/T01ABCDEF/B02GHIJKL/%s\n", "com", body);
	expect("e.yaml", text, CK_HOOK_SLACK, 1, body);
	expect_none("e.yaml", "see xoxb-token in the docs\n");

	ht_rand62(body, 90, 8);
	snprintf(text, sizeof(text), "VAULT_TOKEN=h%s.%s\n", "vs", body);
	expect("f.env", text, CK_HOOK_VAULT, 1, body);
	expect_none("f.env", "prefix hvs.short\n");
}

static void t_assignment(void **state)
{
	char v[64], text[256];

	ht_rand62(v, 24, 11);
	snprintf(text, sizeof(text), "db:\n  password: %s\n", v);
	expect("values.yaml", text, CK_HOOK_ASSIGNMENT, 2, v);
	snprintf(text, sizeof(text), "static const char *api_token = \"%s\";\n", v);
	expect("main.c", text, CK_HOOK_ASSIGNMENT, 1, v);
	snprintf(text, sizeof(text), "{\n  \"clientSecret\": \"%s\"\n}\n", v);
	expect("app.json", text, CK_HOOK_ASSIGNMENT, 2, v);
	/* code, references, placeholders, low entropy, names that hold no secret */
	expect_none("main.c", "token = get_token(ctx);\npassword = cfg.password;\n");
	expect_none("main.c", "if (token == expected_token_value) {}\n");
	expect_none("v.yaml", "password: ${DB_PASSWORD}\ntoken: '{{ .Values.token }}'\n");
	expect_none("v.yaml", "password: aaaaaaaaaaaaaaaaaaaa\n");
	expect_none("v.yaml", "password: changeme-changeme-2024\n");
	snprintf(text, sizeof(text), "secretName: %s\npasswordFile: /etc/%s\n", v, v);
	expect_none("v.yaml", text);
	snprintf(text, sizeof(text), "password: ENC[AES256_GCM,data:%s,iv:x,tag:y,type:str]\n", v);
	expect_none("v.yaml", text);
	/* unquoted values count only in data files */
	snprintf(text, sizeof(text), "password = %s\n", v);
	expect_none("main.py", text);
	expect("app.ini", text, CK_HOOK_ASSIGNMENT, 1, v);
}

static void t_added_lines(void **state)
{
	char v[64], text[256];
	struct ck_hook_report r;
	const uint32_t before[1][2] = { { 1, 2 } }, at[2][2] = { { 1, 1 }, { 3, 4 } };
	struct ck_hook_lines l1 = { before, 1 }, l2 = { at, 2 };

	ht_rand62(v, 24, 11);
	snprintf(text, sizeof(text), "a: 1\nb: 2\npassword: %s\nc: 3\n", v);
	pscan(&r, "x.yaml", text, &l1);
	ht_expect_none(&r);
	ck_hook_report_dispose(&r);
	pscan(&r, "x.yaml", text, &l2);
	ht_expect_one(&r, CK_HOOK_ASSIGNMENT, 3);
	ck_hook_report_dispose(&r);
}

static void t_fingerprint(void **state)
{
	char v[64], t1[256], t2[256];
	struct ck_hook_report a, b, c;

	ht_rand62(v, 24, 11);
	snprintf(t1, sizeof(t1), "password: %s\n", v);
	snprintf(t2, sizeof(t2), "# moved\n\n\npassword: %s\n", v);
	pscan(&a, "x.yaml", t1, NULL);
	pscan(&b, "x.yaml", t2, NULL);
	pscan(&c, "y.yaml", t2, NULL);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_int_not_equal(a.v[0].line, b.v[0].line);
	assert_string_equal(a.v[0].fingerprint, b.v[0].fingerprint);
	assert_string_not_equal(a.v[0].fingerprint, c.v[0].fingerprint);
	assert_true(strncmp(a.v[0].fingerprint, "secret-assignment:x.yaml:", 25) == 0);
	assert_int_equal(strlen(a.v[0].fingerprint), 25 + CK_HOOK_FP_HEX);
	ck_hook_report_dispose(&a);
	ck_hook_report_dispose(&b);
	ck_hook_report_dispose(&c);
}

/*
 * A file of random lines, some with secrets of every kind, with padding
 * that moves every byte across the 16-byte blocks the trigger search reads.
 */
static void random_text(struct ck_buf *t, unsigned seed, size_t lines, size_t pad)
{
	char v[128], w[128];
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	ck_buf_reset(t);
	assert_int_equal(ck_buf_printf(t, "#%*s\n", (int)pad, ""), CK_OK);
	for (i = 0; i < lines; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		ht_rand62(v, 36, (unsigned)(x >> 3));
		ht_rand62(w, 40, (unsigned)(x >> 5));
		switch (x % 11) {
		case 0:
			assert_int_equal(ck_buf_printf(t, "  token: gh%s_%s\n", "p", v), CK_OK);
			break;
		case 1:
			assert_int_equal(ck_buf_printf(t, "password: \"%.24s\"\n", w), CK_OK);
			break;
		case 2:
			assert_int_equal(ck_buf_printf(t, "id = AKIA%s\n", "Q3XW7ZP2MNR5TBLD"), CK_OK);
			break;
		case 3:
			w[7] = '/';
			assert_int_equal(ck_buf_printf(t, "secret = %s\n", w), CK_OK);
			break;
		case 4:
			assert_int_equal(ck_buf_printf(t, "VAULT_TOKEN=h%s.%s\n", "vs", v), CK_OK);
			break;
		default:
			assert_int_equal(ck_buf_printf(t, "key%u: value-%u--x:=g h A\n", (unsigned)i, (unsigned)x % 97),
			                 CK_OK);
			break;
		}
	}
}

/*
 * ck_hook__pattern_lines: a scan of any set of lines that holds none of the
 * lines it names finds nothing (what lets a staged change skip its diff);
 * and the trigger search gives the same findings whatever the alignment.
 */
static void t_pattern_lines(void **state)
{
	struct ck_buf t;
	uint32_t lines[256], ranges[64][2];
	size_t nl = 0, pad, round, k;
	struct ck_hook_report r, r0;
	struct ck_hook_lines added;
	uint32_t x = 12345;
	size_t found = 0, listed = 0;

	(void)state;
	ck_buf_init(&t, 0);
	for (round = 0; round < 40; round++) {
		size_t nlines = 5 + round % 30, nr = 0;
		uint32_t l;

		random_text(&t, (unsigned)round, nlines, round % 17);
		assert_int_equal(ck_hook__pattern_lines("x.yaml", ck_buf_cstr(&t), ck_buf_len(&t), lines, 256, &nl), CK_OK);
		for (k = 1; k < nl; k++)
			assert_true(lines[k - 1] < lines[k]);
		/* the lines outside the list, as ranges: nothing is found there */
		for (l = 1; l <= nlines + 1; l++) {
			int in = 0;

			for (k = 0; k < nl; k++)
				in |= lines[k] == l;
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			if (in || x % 3 == 0)
				continue;
			ranges[nr][0] = ranges[nr][1] = l;
			nr++;
		}
		added.r = (const uint32_t(*)[2])ranges;
		added.n = nr;
		pscan(&r, "x.yaml", ck_buf_cstr(&t), &added);
		ht_expect_none(&r);
		ck_hook_report_dispose(&r);
		/* every line: the same findings at every alignment */
		pscan(&r0, "x.yaml", ck_buf_cstr(&t), NULL);
		if (nl == 0)
			ht_expect_none(&r0);
		found += r0.n;
		listed += nl;
		for (pad = 0; pad < 20; pad += 3) {
			random_text(&t, (unsigned)round, nlines, pad);
			pscan(&r, "x.yaml", ck_buf_cstr(&t), NULL);
			assert_int_equal(r.n, r0.n);
			for (k = 0; k < r.n; k++) {
				assert_int_equal(r.v[k].line, r0.v[k].line);
				assert_string_equal(r.v[k].fingerprint, r0.v[k].fingerprint);
			}
			ck_hook_report_dispose(&r);
		}
		ck_hook_report_dispose(&r0);
	}
	print_message("pattern lines: %zu findings, %zu lines listed in 40 files\n", found, listed);
	assert_true(found > 40 && listed >= found);
	/* more trigger lines than the caller has room for */
	random_text(&t, 7, 200, 0);
	assert_int_equal(ck_hook__pattern_lines("x.yaml", ck_buf_cstr(&t), ck_buf_len(&t), lines, 4, &nl),
	                 CK_ETOOBIG);
	ck_err_clear();
	ck_buf_dispose(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_pattern_lines),
		cmocka_unit_test(t_pem),          cmocka_unit_test(t_age),
		cmocka_unit_test(t_aws),          cmocka_unit_test(t_tokens),
		cmocka_unit_test(t_assignment),   cmocka_unit_test(t_added_lines),
		cmocka_unit_test(t_fingerprint),
	};

	if (ck_core_init() != CK_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
