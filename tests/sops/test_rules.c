/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The six encryption rules, mac_only_encrypted and the MAC (sops/walk.c,
 * rules.c) through the library: which leaves a rule encrypts, that the
 * subtree under a matching key follows it, that comments are encrypted or
 * kept as sops does, and that the MAC covers exactly what sops covers
 * (changing a clear value breaks it, except under mac_only_encrypted).
 */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck_test.h"

static const uint8_t key[32] = { 42 };

static const char *doc = "# head sops:enc\n"
                         "name: nm\n"
                         "password: pw\n"
                         "nested:\n"
                         "    password: q\n"
                         "    other: o\n"
                         "list:\n"
                         "    - a\n"
                         "token_secret:\n"
                         "    deep: d\n"
                         "x_unencrypted: u\n"
                         "# before c1 sops:enc\n"
                         "c1: v\n"
                         "c2: w\n";

static void add_placeholder_key(struct ck_sops_file *f)
{
	struct ck_sops_key *k = ck_sops_key_new(CK_SOPS_K_AGE);

	assert_non_null(k);
	assert_int_equal(ck_sops_key_set_field(k, "recipient", "age1placeholder"), CK_OK);
	assert_non_null(k->enc = ck_strdup("not wrapped"));
	assert_int_equal(ck_sops_meta_add_key(&f->meta, 0, k), CK_OK);
}

/* Encrypt doc under a rule; the encrypted text is appended to out. */
static int encrypt_with(struct ck_buf *out, const char *text, enum ck_sops_rule rule,
                        const char *value, int mac_only)
{
	struct ck_buf in;
	struct ck_sops_file *f = NULL;
	struct ck_sops_keyctx ctx;
	struct ck_sops_emit_opts eo = CK_SOPS_EMIT_OPTS_INIT;
	int rc;

	ck_buf_init_secure(&in, 0);
	assert_int_equal(ck_buf_puts(&in, text), CK_OK);
	assert_int_equal(ck_sops_file_read(&f, &in, CK_SOPS_FMT_YAML, CK_SOPS_PLAINTEXT), CK_OK);
	f->meta.rule = rule;
	if (value != NULL)
		assert_non_null(f->meta.rule_value = ck_strdup(value));
	f->meta.mac_only_encrypted = mac_only;
	add_placeholder_key(f);
	assert_non_null(f->datakey = ck_secret_alloc(32));
	memcpy(f->datakey, key, 32);
	ck_sops_keyctx_init(&ctx);
	if ((rc = ck_sops_file_encrypt(f, &ctx, 0)) == CK_OK)
		rc = ck_sops_file_emit(out, f, CK_SOPS_FMT_YAML, &eo);
	ck_sops_keyctx_dispose(&ctx);
	ck_sops_file_free(f);
	ck_buf_dispose(&in);
	return rc;
}

/* 1 if the line starting with `prefix` (indentation included) holds an ENC value. */
static int enc_line(const struct ck_buf *b, const char *prefix)
{
	const char *s = ck_buf_cstr(b), *p = s;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix)) != NULL) {
		if (p == s || p[-1] == '\n') {
			const char *eol = strchr(p, '\n');

			return eol != NULL && memmem(p + n, (size_t)(eol - p - n), "ENC[AES256_GCM", 14) != NULL;
		}
		p += n;
	}
	fail_msg("no line '%s' in:\n%s", prefix, s);
	return -1;
}

struct expect {
	const char *line;
	int enc;
};

static void check(enum ck_sops_rule rule, const char *value, const struct expect *ex, size_t n)
{
	struct ck_buf out = CK_BUF_INIT;
	size_t i;

	if (encrypt_with(&out, doc, rule, value, 0) != CK_OK)
		fail_msg("%s %s: %s", ck_sops_rule_name(rule), value, ck_err_last()->msg);
	for (i = 0; i < n; i++)
		if (enc_line(&out, ex[i].line) != ex[i].enc)
			fail_msg("%s '%s': '%s' should be %s:\n%s", ck_sops_rule_name(rule), value,
			         ex[i].line, ex[i].enc ? "encrypted" : "clear", ck_buf_cstr(&out));
	ck_buf_dispose(&out);
}

#define CHECK(rule, value, ...)                                                          \
	do {                                                                                 \
		const struct expect ex_[] = { __VA_ARGS__ };                                     \
		check(rule, value, ex_, sizeof(ex_) / sizeof(ex_[0]));                           \
	} while (0)

static void six_rules(void **state)
{
	(void)state;
	CHECK(CK_SOPS_RULE_UNENCRYPTED_SUFFIX, "_unencrypted", { "name:", 1 }, { "password:", 1 },
	      { "    other:", 1 }, { "    - ", 1 }, { "    deep:", 1 }, { "x_unencrypted:", 0 },
	      { "c1:", 1 });
	CHECK(CK_SOPS_RULE_ENCRYPTED_SUFFIX, "_secret", { "name:", 0 }, { "password:", 0 },
	      { "    other:", 0 }, { "    - ", 0 }, { "    deep:", 1 }, { "x_unencrypted:", 0 },
	      { "c1:", 0 });
	CHECK(CK_SOPS_RULE_UNENCRYPTED_REGEX, "^(name|nested)$", { "name:", 0 }, { "password:", 1 },
	      { "    password:", 0 }, { "    other:", 0 }, { "    - ", 1 }, { "    deep:", 1 },
	      { "x_unencrypted:", 1 }, { "c2:", 1 });
	/* every path component is matched: nested.password too */
	CHECK(CK_SOPS_RULE_ENCRYPTED_REGEX, "^pass", { "name:", 0 }, { "password:", 1 },
	      { "    password:", 1 }, { "    other:", 0 }, { "    - ", 0 }, { "    deep:", 0 },
	      { "c1:", 0 });
	/* unanchored search, like Go's MatchString */
	CHECK(CK_SOPS_RULE_ENCRYPTED_REGEX, "secret", { "name:", 0 }, { "    deep:", 1 },
	      { "c2:", 0 });
	/* the value after a matching comment is encrypted, the comment stays */
	CHECK(CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX, "sops:enc", { "name:", 1 }, { "password:", 0 },
	      { "c1:", 1 }, { "c2:", 0 });
	CHECK(CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX, "sops:enc", { "name:", 0 }, { "password:", 1 },
	      { "c1:", 0 }, { "c2:", 1 });
}

static void comments(void **state)
{
	struct ck_buf out = CK_BUF_INIT;

	(void)state;
	/* by default comments are encrypted (AAD = the parent path) */
	assert_int_equal(encrypt_with(&out, doc, CK_SOPS_RULE_UNENCRYPTED_SUFFIX, "_unencrypted", 0),
	                 CK_OK);
	assert_null(strstr(ck_buf_cstr(&out), "head sops:enc"));
	assert_non_null(strstr(ck_buf_cstr(&out), "#ENC[AES256_GCM,data:"));
	assert_non_null(strstr(ck_buf_cstr(&out), "type:comment]"));
	ck_buf_reset(&out);
	/* with a comment rule, comments stay readable */
	assert_int_equal(encrypt_with(&out, doc, CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX, "sops:enc", 0),
	                 CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&out), "# head sops:enc\n"));
	assert_non_null(strstr(ck_buf_cstr(&out), "# before c1 sops:enc\n"));
	ck_buf_dispose(&out);
	/* a bad regex is a config error (exit 5) */
	ck_buf_init(&out, 0);
	assert_int_not_equal(encrypt_with(&out, doc, CK_SOPS_RULE_ENCRYPTED_REGEX, "(", 0), CK_OK);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_ERROR_READING_CONFIG);
	ck_buf_dispose(&out);
}

/* Encrypt, change one line of the output, decrypt: the result code. */
static int tamper_decrypt(const char *text, enum ck_sops_rule rule, const char *value, int mac_only,
                          const char *from, const char *to)
{
	struct ck_buf out = CK_BUF_INIT, edited;
	struct ck_sops_file *f = NULL;
	struct ck_sops_keyctx ctx;
	char *p;
	int rc;

	assert_int_equal(encrypt_with(&out, text, rule, value, mac_only), CK_OK);
	ck_buf_init(&edited, 0);
	p = strstr(ck_buf_cstr(&out), from);
	assert_non_null(p);
	assert_int_equal(ck_buf_put(&edited, ck_buf_cstr(&out), (size_t)(p - ck_buf_cstr(&out))), CK_OK);
	assert_int_equal(ck_buf_puts(&edited, to), CK_OK);
	assert_int_equal(ck_buf_puts(&edited, p + strlen(from)), CK_OK);
	assert_int_equal(ck_sops_file_read(&f, &edited, CK_SOPS_FMT_YAML, 0), CK_OK);
	assert_non_null(f->datakey = ck_secret_alloc(32));
	memcpy(f->datakey, key, 32);
	ck_sops_keyctx_init(&ctx);
	rc = ck_sops_file_decrypt(f, &ctx, 0);
	ck_sops_keyctx_dispose(&ctx);
	ck_sops_file_free(f);
	ck_buf_dispose(&out);
	ck_buf_dispose(&edited);
	return rc;
}

static void mac_coverage(void **state)
{
	(void)state;
	/* untouched: verifies */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_ENCRYPTED_REGEX, "^password$", 0, "name: nm",
	                                "name: nm"),
	                 CK_OK);
	/* a clear value is covered by the MAC... */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_ENCRYPTED_REGEX, "^password$", 0, "name: nm",
	                                "name: mm"),
	                 CK_EAUTH);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_MAC_MISMATCH);
	/* ...and so is the order of values */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_ENCRYPTED_REGEX, "^password$", 0,
	                                "c1: v\nc2: w", "c1: w\nc2: v"),
	                 CK_EAUTH);
	/* renaming a key out of encrypted_regex leaves its ENC[] text as a clear
	 * value: the MAC no longer matches */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_ENCRYPTED_REGEX, "^password$", 0,
	                                "\npassword:", "\npassw0rd:"),
	                 CK_EAUTH);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_MAC_MISMATCH);
	/* ...but not under mac_only_encrypted */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_ENCRYPTED_REGEX, "^password$", 1, "name: nm",
	                                "name: mm"),
	                 CK_OK);
	/* comments are not in the MAC */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX, "sops:enc", 0,
	                                "# before c1 sops:enc", "# other sops:enc"),
	                 CK_OK);
	/* a key is part of every value's AAD: renaming breaks decryption (exit 25) */
	assert_int_equal(tamper_decrypt(doc, CK_SOPS_RULE_UNENCRYPTED_SUFFIX, "_unencrypted", 0,
	                                "\npassword:", "\npassw0rd:"),
	                 CK_EAUTH);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE);
}

static void types_and_uint(void **state)
{
	struct ck_buf out = CK_BUF_INIT;

	(void)state;
	assert_int_equal(encrypt_with(&out, "i: 1\nf: 1.5\nb: true\nt: 2024-01-01\ns: \"1\"\ne: \"\"\nn: null\n",
	                              CK_SOPS_RULE_NONE, NULL, 0),
	                 CK_OK);
	assert_memory_equal(ck_buf_cstr(&out), "i: ENC[AES256_GCM,data:", 23);
	assert_non_null(strstr(ck_buf_cstr(&out), "type:int]\nf: ENC["));
	assert_non_null(strstr(ck_buf_cstr(&out), "type:float]\nb: ENC["));
	assert_non_null(strstr(ck_buf_cstr(&out), "type:bool]\nt: ENC["));
	assert_non_null(strstr(ck_buf_cstr(&out), "type:time]\ns: ENC["));
	/* empty strings and nulls are not encrypted */
	if (strstr(ck_buf_cstr(&out), "type:str]\ne: \"\"\n\"n\": null\n") == NULL)
		fail_msg("%s", ck_buf_cstr(&out));
	ck_buf_dispose(&out);
	/* sops cannot walk integers in [2^63, 2^64) */
	ck_buf_init(&out, 0);
	assert_int_not_equal(encrypt_with(&out, "u: 9223372036854775808\n", CK_SOPS_RULE_NONE, NULL, 0),
	                     CK_OK);
	assert_int_equal(ck_err_last()->exit_override, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE);
	ck_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(six_rules),
		cmocka_unit_test(comments),
		cmocka_unit_test(mac_coverage),
		cmocka_unit_test(types_and_uint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
