/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hc_vault (Vault transit) key source against tests/doubles/vault_double.py:
 * URI parsing as sops does it, the data key wrapped exactly as sops sends it,
 * the metadata layout, the token sources, SOPS_HC_VAULT_ALLOWLIST, an age +
 * transit Shamir file, and the failures (sealed, 403, wrong key) with sops's
 * exit 128 and one-line errors.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/enc.h"
#include "ck/sops_meta.h"
#include "ck/vault.h"
#include "ks_test.h"

static struct ckt_double vd;
static char uri[256], uri2[256];

static int setup_all(void **state)
{
	(void)state;
	ks_env_reset();
	ckt_double_start(&vd, "vault_double.py", "--root-token", "root", NULL);
	ctl(&vd, "mount", "{\"path\":\"sops\",\"type\":\"transit\"}");
	ctl(&vd, "mount", "{\"path\":\"team/transit\",\"type\":\"transit\"}");
	/* a token that may look itself up but not use transit: 403 on encrypt/decrypt */
	ctl(&vd, "policy", "{\"name\":\"kv\",\"rules\":[{\"path\":\"secret/*\","
	                   "\"capabilities\":[\"read\"]}]}");
	ctl(&vd, "token", "{\"id\":\"kv-only\",\"policies\":[\"kv\"]}");
	snprintf(uri, sizeof(uri), "%s/v1/sops/keys/mykey", vd.url);
	snprintf(uri2, sizeof(uri2), "%s/v1/team/transit/keys/other", vd.url);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	ckt_double_stop(&vd);
	ck_net_cleanup();
	return 0;
}

static int setup_each(void **state)
{
	(void)state;
	ks_env_reset();
	setenv("VAULT_TOKEN", "root", 1);
	ctl(&vd, "seal", "{\"sealed\":false}");
	ctl(&vd, "fail/clear", "{}");
	return 0;
}

static void expect_fields(const char *s, const char *addr, const char *engine, const char *key)
{
	struct ck_sops_key *k = NULL;

	if (ck_sops_key_parse(&k, CK_SOPS_K_HC_VAULT, s) != CK_OK)
		fail_msg("'%s' refused: %s", s, ck_err_last()->msg);
	assert_string_equal(ck_sops_key_field(k, "vault_address"), addr);
	assert_string_equal(ck_sops_key_field(k, "engine_path"), engine);
	assert_string_equal(ck_sops_key_field(k, "key_name"), key);
	ck_sops_key_free(k);
}

static void expect_refused(const char *s, const char *needle)
{
	struct ck_sops_key *k = NULL;

	assert_int_equal(ck_sops_key_parse(&k, CK_SOPS_K_HC_VAULT, s), CK_EINVAL);
	assert_null(k);
	if (strstr(ck_err_last()->msg, needle) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", s, ck_err_last()->msg, needle);
}

/* sops's NewMasterKeyFromURI, case by case. */
static void uri_parsing(void **state)
{
	(void)state;
	expect_fields("https://vault.example.com:8200/v1/transit/keys/keyName",
	              "https://vault.example.com:8200", "transit", "keyName");
	expect_fields("http://127.0.0.1:8200/v1/sops/keys/mykey/", "http://127.0.0.1:8200", "sops",
	              "mykey");
	expect_fields("https://v/v1/team/a/transit/keys/k", "https://v", "team/a/transit", "k");
	/* sops does not check the word "keys": the next-to-last segment is dropped */
	expect_fields("https://v/v1/sops/whatever/k", "https://v", "sops", "k");
	expect_fields("https://v/v2/sops/keys/k", "https://v", "sops", "k");
	expect_refused("vault.example.com:8200/v1/transit/keys/k", "missing scheme");
	expect_refused("https://v/proxy/v1/transit/keys/k", "prefixed url is not supported");
	expect_refused("https://v/v1/transit/k", "not seem to be formatted correctly");
	expect_refused("https://v/transit/keys/k", "not seem to be formatted correctly");
	expect_refused("https://v", "not seem to be formatted correctly");
	expect_refused("https://v/v1/sops/keys/", "not seem to be formatted correctly");
	expect_refused("https://v/v1/sops/keys/k?x=1", "not seem to be formatted correctly");
	/* stricter than sops where its result would name another key */
	expect_refused("https://v/v1/a/b/c//k", "not seem to be formatted correctly");
	expect_refused("https://v/://v1/a/keys/k", "not seem to be formatted correctly");
}

/* Encrypt with --hc-vault-transit, check what was sent and written, decrypt. */
static void roundtrip_and_layout(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, vpt, blob;
	struct ck_sops_file *f = NULL;
	struct ck_sops_keyctx ctx;
	const char *sops, *ct, *p;
	char body[512];

	(void)state;
	ck_buf_init(&enc, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_HC_VAULT] = uri;
	ctl_clear_log(&vd);
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	/*
	 * The metadata entry as sops 3.13 writes it: keys sorted, created_at
	 * quoted, enc the transit ciphertext as Vault returned it.
	 */
	sops = strstr(ck_buf_cstr(&enc), "\nsops:\n");
	assert_non_null(sops);
	p = strstr(sops, "    hc_vault:\n        - created_at: \"");
	assert_non_null(p);
	p = strchr(p + 36, '\n') + 1;
	assert_true(strncmp(p, "          enc: vault:v1:", 24) == 0);
	p = strchr(p, '\n') + 1;
	{
		static const char want[] = "          engine_path: sops\n          key_name: mykey\n"
		                           "          vault_address: http://127.0.0.1:";

		assert_true(strncmp(p, want, sizeof(want) - 1) == 0);
	}
	assert_string_equal(ks_yaml_field(sops, "vault_address"), vd.url);
	assert_non_null(strstr(sops, "    unencrypted_suffix: _unencrypted\n    version: "));
	ct = ks_yaml_field(sops, "enc");
	snprintf(body, sizeof(body), "%s", ct);

	/* exactly one transit call, with {"plaintext": base64(raw 32-byte data key)} */
	{
		struct ck_buf bodies;
		const char *b;

		ck_buf_init(&bodies, 0);
		ctl_log_fields(&bodies, &vd, "path", "/v1/sops/encrypt/mykey", "body");
		b = ck_buf_cstr(&bodies);
		assert_non_null(strstr(b, "\"plaintext\":\""));
		assert_int_equal(strchr(b, '\n') - b + 1, (long)ck_buf_len(&bodies));
		p = strstr(b, "\"plaintext\":\"") + 13;
		ck_buf_init(&blob, 0);
		assert_int_equal(ck_b64_decode(&blob, p, strcspn(p, "\""), CK_B64_STD, 0), CK_OK);
		assert_int_equal(ck_buf_len(&blob), 32);
		ck_buf_dispose(&blob);
		ck_buf_dispose(&bodies);
	}

	/* what Vault decrypts the stored enc to is the file's data key itself */
	{
		struct ck_buf in;
		struct ck_vault_config vc = { 0 };
		struct ck_vault *v = NULL;
		struct ck_vault_auth a = { 0 };

		vc.addr = vd.url;
		vc.max_retries = 0;
		assert_int_equal(ck_vault_new(&v, &vc), CK_OK);
		a.token = "root";
		assert_int_equal(ck_vault_login(v, &a), CK_OK);
		ck_buf_init_secure(&vpt, 0);
		assert_int_equal(ck_vault_transit_decrypt(v, &vpt, "sops", "mykey", body, NULL, 0),
		                 CK_OK);
		ck_vault_free(v);
		ck_buf_init(&in, 0);
		assert_int_equal(ck_buf_puts(&in, ck_buf_cstr(&enc)), CK_OK);
		assert_int_equal(ck_sops_file_read(&f, &in, CK_SOPS_FMT_YAML, 0), CK_OK);
		ck_sops_keyctx_init(&ctx);
		assert_int_equal(ck_sops_file_datakey(f, &ctx), CK_OK);
		assert_int_equal(ck_buf_len(&vpt), 32);
		assert_memory_equal(ck_buf_data(&vpt), f->datakey, 32);
		ck_sops_keyctx_dispose(&ctx);
		ck_sops_file_free(f);
		ck_buf_dispose(&in);
		ck_buf_dispose(&vpt);
	}
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	ck_buf_dispose(&enc);
}

/* JSON: sorted keys too; and a 3.9-era layout (struct order, nulls) still decrypts. */
static void json_layouts(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc;
	const char *p, *q;
	char *old, *tmp;
	char ent[1024], reordered[1024], ca[64], ct[512];

	(void)state;
	ck_buf_init(&enc, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.json";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_HC_VAULT] = uri;
	assert_int_equal(
	    ks_encrypt(&enc, "{\"db\":{\"user\":\"app\",\"password\":\"s3cr3t\"},\"port\":5432}",
	               &o, NULL),
	    CK_OK);
	p = strstr(ck_buf_cstr(&enc), "\t\t\"hc_vault\": [\n\t\t\t{\n");
	assert_non_null(p);
	p += strlen("\t\t\"hc_vault\": [\n\t\t\t{\n");
	q = strstr(p, "\t\t\t}");
	assert_non_null(q);
	snprintf(ent, sizeof(ent), "%.*s", (int)(q - p), p);
	assert_int_equal(sscanf(ent,
	                        "\t\t\t\t\"created_at\": \"%63[^\"]\",\n"
	                        "\t\t\t\t\"enc\": \"%511[^\"]\"",
	                        ca, ct),
	                 2);
	snprintf(reordered, sizeof(reordered),
	         "\t\t\t\t\"created_at\": \"%s\",\n\t\t\t\t\"enc\": \"%s\",\n"
	         "\t\t\t\t\"engine_path\": \"sops\",\n\t\t\t\t\"key_name\": \"mykey\",\n"
	         "\t\t\t\t\"vault_address\": \"%s\"\n",
	         ca, ct, vd.url);
	assert_string_equal(ent, reordered);
	/* what sops 3.9 wrote: struct order and empty lists as null */
	snprintf(reordered, sizeof(reordered),
	         "\t\t\t\t\"vault_address\": \"%s\",\n\t\t\t\t\"engine_path\": \"sops\",\n"
	         "\t\t\t\t\"key_name\": \"mykey\",\n\t\t\t\t\"created_at\": \"%s\",\n"
	         "\t\t\t\t\"enc\": \"%s\"\n",
	         vd.url, ca, ct);
	tmp = ks_replace(ck_buf_cstr(&enc), ent, reordered);
	old = ks_replace(tmp, "\t\"sops\": {\n",
	                 "\t\"sops\": {\n\t\t\"kms\": null,\n\t\t\"gcp_kms\": null,\n"
	                 "\t\t\"azure_kv\": null,\n\t\t\"age\": null,\n");
	{
		struct ck_buf pl;

		assert_int_equal(ks_decrypt(&pl, old, "app.json", NULL), CK_OK);
		assert_non_null(strstr(ck_buf_cstr(&pl), "\"password\": \"s3cr3t\""));
		ck_buf_dispose(&pl);
	}
	free(tmp);
	free(old);
	ck_buf_dispose(&enc);
}

/* VAULT_TOKEN, else ~/.vault-token (trimmed), else a clear error; opts win over both. */
static void token_sources(void **state)
{
	struct ck_sops_opts o;
	struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;
	struct ck_buf enc;
	char path[4096];

	(void)state;
	ck_buf_init(&enc, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_HC_VAULT] = uri;
	assert_int_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK);

	unsetenv("VAULT_TOKEN");
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "no token");
	snprintf(path, sizeof(path), "%s/.vault-token", getenv("HOME"));
	assert_int_equal(ck_file_write_atomic(path, "  root\n", 7, 0600), CK_OK);
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	setenv("VAULT_TOKEN", "kv-only", 1); /* the environment beats the file */
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "403: permission denied");
	no.vault_token = "root";
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", &no);
	assert_int_equal(unlink(path), 0);
	ck_buf_dispose(&enc);
}

static void allowlist(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc, enc2;
	char list[300];

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&enc2, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_HC_VAULT] = uri;
	assert_int_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK);
	setenv("SOPS_HC_VAULT_ALLOWLIST", "none", 1);
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "not allowed by SOPS_HC_VAULT_ALLOWLIST");
	assert_int_equal(ks_encrypt(&enc2, KS_PLAIN, &o, NULL), CK_EDENIED);
	assert_int_equal(ck_buf_len(&enc2), 0);
	setenv("SOPS_HC_VAULT_ALLOWLIST", "https://vault.example.com, http://10.0.0.1", 1);
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "not allowed");
	snprintf(list, sizeof(list), "https://vault.example.com,%s", vd.url);
	setenv("SOPS_HC_VAULT_ALLOWLIST", list, 1);
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	setenv("SOPS_HC_VAULT_ALLOWLIST", "all", 1);
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	ck_buf_dispose(&enc);
	ck_buf_dispose(&enc2);
}

/* Sealed (503), 403 and a wrong key: exit 128, one line, nothing decrypted. */
static void failures(void **state)
{
	struct ck_sops_opts o;
	struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;
	struct ck_buf enc, enc2;
	char *swapped;
	char ct1[512], ct2[512];
	int rc;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&enc2, 0);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_HC_VAULT] = uri;
	assert_int_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK);

	no.vault_max_retries = 0;
	ctl(&vd, "seal", "{\"sealed\":true}");
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", &no, "Vault is sealed");
	/* encrypting against a sealed Vault fails too, with nothing produced */
	rc = ks_encrypt(&enc2, KS_PLAIN, &o, &no);
	assert_int_not_equal(rc, CK_OK);
	assert_int_equal(ck_err_exit_code(rc), 128);
	assert_non_null(strstr(ck_err_last()->msg, "Vault is sealed"));
	assert_int_equal(ck_buf_len(&enc2), 0);
	ctl(&vd, "seal", "{\"sealed\":false}");
	/* the default client retries a 503 and gets through once Vault is back */
	ctl(&vd, "fail", "{\"match\":\"sops/decrypt\",\"status\":503,\"errors\":[\"Vault is sealed\"],"
	                 "\"retry_after\":0,\"count\":1}");
	no.vault_max_retries = 1;
	no.vault_retry_wait_ms = 10;
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", &no);

	setenv("VAULT_TOKEN", "kv-only", 1);
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "403: permission denied");
	setenv("VAULT_TOKEN", "root", 1);

	/* the ciphertext of another key: Vault's "cipher: message authentication failed" */
	o.keys[CK_SOPS_K_HC_VAULT] = uri2;
	assert_int_equal(ks_encrypt(&enc2, KS_PLAIN, &o, NULL), CK_OK);
	snprintf(ct1, sizeof(ct1), "%s", ks_yaml_field(ck_buf_cstr(&enc), "enc"));
	snprintf(ct2, sizeof(ct2), "%s", ks_yaml_field(ck_buf_cstr(&enc2), "enc"));
	swapped = ks_replace(ck_buf_cstr(&enc), ct1, ct2);
	ks_expect_no_key(swapped, "app.yaml", NULL, "message authentication failed");
	free(swapped);
	ck_buf_dispose(&enc);
	ck_buf_dispose(&enc2);
}

/* VAULT_NAMESPACE applies to the transit calls, as the Vault Go client sops uses does. */
static void namespace_env(void **state)
{
	struct ck_sops_opts o;
	struct ck_buf enc;
	char nsuri[256];

	(void)state;
	ck_buf_init(&enc, 0);
	ctl(&vd, "namespace", "{\"name\":\"nsq\"}");
	ctl(&vd, "mount", "{\"path\":\"nstransit\",\"type\":\"transit\",\"ns\":\"nsq\"}");
	snprintf(nsuri, sizeof(nsuri), "%s/v1/nstransit/keys/k", vd.url);
	ck_sops_opts_init(&o);
	o.file_path = "app.yaml";
	o.config_path = ks_write("empty.sops.yaml", "stores: {}\n");
	o.keys[CK_SOPS_K_HC_VAULT] = nsuri;
	assert_int_not_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK); /* not in the root namespace */
	assert_int_equal(ck_buf_len(&enc), 0);
	setenv("VAULT_NAMESPACE", "nsq", 1);
	assert_int_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK);
	ks_expect_plain(ck_buf_cstr(&enc), "app.yaml", NULL);
	unsetenv("VAULT_NAMESPACE");
	ks_expect_no_key(ck_buf_cstr(&enc), "app.yaml", NULL, "nstransit/decrypt/k");
	ck_buf_dispose(&enc);
}

/*
 * .sops.yaml: hc_vault_transit_uri in a rule, and key_groups age + hc_vault
 * with shamir_threshold 2: both groups are needed, neither alone suffices.
 */
static void config_and_shamir(void **state)
{
	struct ck_sops_opts o;
	struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;
	struct ck_buf enc, cfg;

	(void)state;
	ck_buf_init(&enc, 0);
	ck_buf_init(&cfg, 0);
	assert_int_equal(ck_buf_printf(&cfg,
	                               "creation_rules:\n"
	                               "  - path_regex: \\.flat\\.yaml$\n"
	                               "    hc_vault_transit_uri: %s,%s\n"
	                               "  - path_regex: \\.groups\\.yaml$\n"
	                               "    shamir_threshold: 2\n"
	                               "    key_groups:\n"
	                               "      - age:\n"
	                               "          - %s\n"
	                               "      - hc_vault:\n"
	                               "          - %s\n",
	                               uri, uri2, ks_age_recipient(), uri),
	                 CK_OK);
	ck_sops_opts_init(&o);
	o.config_path = ks_write("groups.sops.yaml", ck_buf_cstr(&cfg));

	o.file_path = "x.flat.yaml";
	if (ks_encrypt(&enc, KS_PLAIN, &o, NULL) != CK_OK)
		fail_msg("encrypt: %s", ck_err_last()->msg);
	assert_non_null(strstr(ck_buf_cstr(&enc), "key_name: mykey"));
	assert_non_null(strstr(ck_buf_cstr(&enc), "key_name: other"));
	assert_null(strstr(ck_buf_cstr(&enc), "key_groups"));
	ks_expect_plain(ck_buf_cstr(&enc), "x.flat.yaml", NULL);
	ck_buf_reset(&enc);

	o.file_path = "x.groups.yaml";
	assert_int_equal(ks_encrypt(&enc, KS_PLAIN, &o, NULL), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&enc), "    key_groups:\n        - age:\n"));
	assert_non_null(strstr(ck_buf_cstr(&enc), "\n          hc_vault: []\n        - age: []\n"
	                                          "          hc_vault:\n            - created_at: "));
	assert_non_null(strstr(ck_buf_cstr(&enc), "    shamir_threshold: 2\n"));
	ks_age(1);
	ks_expect_plain(ck_buf_cstr(&enc), "x.groups.yaml", NULL);
	ks_age(0); /* transit alone: below the threshold */
	ks_expect_no_key(ck_buf_cstr(&enc), "x.groups.yaml", NULL, "(2 of 2 key groups needed)");
	ks_age(1);
	no.vault_token = "kv-only"; /* age alone */
	ks_expect_no_key(ck_buf_cstr(&enc), "x.groups.yaml", &no, "permission denied");
	ck_buf_dispose(&enc);
	ck_buf_dispose(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uri_parsing),
		cmocka_unit_test_setup(roundtrip_and_layout, setup_each),
		cmocka_unit_test_setup(json_layouts, setup_each),
		cmocka_unit_test_setup(token_sources, setup_each),
		cmocka_unit_test_setup(allowlist, setup_each),
		cmocka_unit_test_setup(failures, setup_each),
		cmocka_unit_test_setup(namespace_env, setup_each),
		cmocka_unit_test_setup(config_and_shamir, setup_each),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
