/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SopsSecret reconciler in process against the fake API server (CRD from
 * deploy/crd-sopssecrets.yaml) and the Vault double (transit): a Secret
 * manifest and a dotenv file decrypted with an age key from sops-keys, the
 * wrong key (KeyNotFound, no Secret), the key added later (recovers without
 * touching the SopsSecret), a bad MAC (MACMismatch, the Secret keeps its last
 * good value), an existing Secret not ours (refused), a document encrypted to
 * Vault transit opened with sops.vault-token, and no re-decryption when
 * nothing changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_test.h"
#include "rc.h"
#include "ck/age.h"
#include "ck/ctl_sops.h"
#include "ck/file.h"
#include "ck/log.h"
#include "ck/secret.h"
#include "ck/sops_ops.h"
#include "ck/sops_net.h"

static struct {
	struct fake f;
	struct ckt_double vault, aws;
	struct ck_kube *kube;
	struct ck_kube_conn *kc;
	struct ck_ctl_metrics *m;
	struct ck_ctl_sops *s;
	char cfg[600];
	char id1[256], rcpt1[128], id2[256], rcpt2[128];
} E;

static void sops_up(void)
{
	struct ck_ctl_sops_opts o;

	memset(&o, 0, sizeof(o));
	o.instance = "test";
	o.ns = "cloak-system";
	o.workers = 2;
	o.backoff_base_ms = 200;
	o.backoff_max_ms = 2000;
	o.watch_min_s = 2;
	o.watch_max_s = 4;
	assert_int_equal(ck_ctl_sops_new(&E.s, E.kube, E.m, &o), CK_OK);
	assert_int_equal(ck_ctl_sops_start_informers(E.s), CK_OK);
	WAIT_UNTIL(20000, ck_ctl_sops_synced(E.s));
	assert_int_equal(ck_ctl_sops_start_workers(E.s), CK_OK);
}

static void keygen(char *id, size_t idn, char *rcpt, size_t rn)
{
	struct ck_buf sec, pub = CK_BUF_INIT;

	ck_buf_init_secure(&sec, 4096);
	assert_int_equal(ck_age_keygen(&sec, &pub), CK_OK);
	snprintf(id, idn, "%s", ck_buf_cstr(&sec));
	snprintf(rcpt, rn, "%s", ck_buf_cstr(&pub));
	ck_buf_dispose(&sec);
	ck_buf_dispose(&pub);
}

static int setup(void **state)
{
	struct ck_buf crd = CK_BUF_INIT;

	(void)state;
	assert_int_equal(ck_core_init(), CK_OK);
	assert_int_equal(ck_net_init(), CK_OK);
	if (getenv("CK_TEST_DEBUG"))
		ck_log_set_level(CK_LOG_DEBUG);
	rc_fake_start(&E.f, "test-token");
	ckt_double_start(&E.vault, "vault_double.py", "--root-token", "root", NULL);
	ckt_double_start(&E.aws, "aws_double.py", NULL);
	setenv("AWS_ENDPOINT_URL", E.aws.url, 1);
	E.kube = fake_kube(&E.f, "test-token", -1);
	assert_int_equal(ck_kube_conn_new(&E.kc, E.kube), CK_OK);
	E.m = ck_ctl_metrics_new();
	ckt_readf(&crd, "%s/deploy/crd-sopssecrets.yaml", ckt_source_dir());
	assert_true(rc_apply(E.kc, ck_buf_cstr(&crd), NULL) < 300);
	ck_buf_dispose(&crd);
	kube_namespace(E.kc, "cloak-system");
	keygen(E.id1, sizeof(E.id1), E.rcpt1, sizeof(E.rcpt1));
	keygen(E.id2, sizeof(E.id2), E.rcpt2, sizeof(E.rcpt2));
	snprintf(E.cfg, sizeof(E.cfg), "%s/.sops.yaml", ckt_tmpdir());
	assert_int_equal(ck_file_write_atomic(E.cfg, "creation_rules: []\n", 19, 0600), CK_OK);
	sops_up();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ck_ctl_sops_free(E.s);
	ck_kube_conn_free(E.kc);
	ck_kube_free(E.kube);
	ck_ctl_metrics_free(E.m);
	ckt_double_stop(&E.vault);
	ckt_double_stop(&E.aws);
	fake_stop(&E.f);
	return 0;
}

static void settle(void)
{
	int quiet = 0;
	int64_t end = ck_ctl_now_ms() + 15000;

	while (quiet < 6 && ck_ctl_now_ms() < end) {
		ck_ctl_sleep_ms(50);
		quiet = ck_ctl_sops_busy(E.s) == 0 ? quiet + 1 : 0;
	}
}

/* SOPS-encrypt text as `path` would be (format from its extension) for key, keys_kind. */
static char *encrypt(const char *path, const char *text, int kind, const char *key,
                     const char *regex)
{
	struct ck_sops_opts o;
	struct ck_sops_keyctx ctx;
	struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;
	struct ck_buf plain, out = CK_BUF_INIT;
	char *res;

	ck_sops_opts_init(&o);
	o.config_path = E.cfg;
	o.file_path = path;
	o.keys[kind] = key;
	if (regex != NULL) {
		o.rule = CK_SOPS_RULE_ENCRYPTED_REGEX;
		o.rule_value = regex;
		o.nrules = 1;
	}
	no.vault_token = "root";
	ck_sops_keyctx_init(&ctx);
	ctx.ext = &no;
	ck_buf_init_secure(&plain, 0);
	assert_int_equal(ck_buf_puts(&plain, text), CK_OK);
	if (ck_sops_op_encrypt(&out, &plain, &o, &ctx) != CK_OK)
		fail_msg("sops encrypt: %s", ck_err_last()->msg);
	res = ck_strdup(ck_buf_cstr(&out));
	assert_non_null(res);
	ck_buf_dispose(&plain);
	ck_buf_dispose(&out);
	ck_sops_keyctx_dispose(&ctx);
	return res;
}

/* The SopsSecret manifest around an encrypted text (indented block scalar). */
static void apply_sopssecret(const char *ns, const char *name, const char *enc, const char *fmt)
{
	struct ck_buf b = CK_BUF_INIT;
	const char *p = enc;

	assert_int_equal(ck_buf_printf(&b, "apiVersion: cloak.dev/v1alpha1\nkind: SopsSecret\n"
	                               "metadata: {name: %s, namespace: %s}\nspec:\n%s%s%s  sops: |\n",
	                               name, ns, fmt ? "  format: " : "", fmt ? fmt : "",
	                               fmt ? "\n" : ""), CK_OK);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		assert_int_equal(ck_buf_printf(&b, "    %.*s\n", (int)n, p), CK_OK);
		p += n + (nl != NULL);
	}
	assert_true(rc_apply(E.kc, ck_buf_cstr(&b), NULL) < 300);
	ck_buf_dispose(&b);
}

/* The keys Secret with these data entries ("name", value) pairs, NULL-terminated. */
static void keys_secret(const char *first, ...)
{
	struct ck_buf b = CK_BUF_INIT, v = CK_BUF_INIT;
	va_list ap;
	const char *k;
	int n = 0;

	assert_int_equal(ck_buf_puts(&b, "apiVersion: v1\nkind: Secret\nmetadata: {name: sops-keys, "
	                             "namespace: cloak-system}\ndata:\n"), CK_OK);
	va_start(ap, first);
	for (k = first; k != NULL; k = va_arg(ap, const char *)) {
		const char *val = va_arg(ap, const char *);

		ck_buf_reset(&v);
		assert_int_equal(ck_b64_encode(&v, val, strlen(val), CK_B64_STD), CK_OK);
		assert_int_equal(ck_buf_printf(&b, "  %s: %s\n", k, ck_buf_cstr(&v)), CK_OK);
		n++;
	}
	va_end(ap);
	if (n == 0)
		assert_int_equal(ck_buf_puts(&b, "  other: eA==\n"), CK_OK);
	assert_true(rc_apply(E.kc, ck_buf_cstr(&b), NULL) < 300);
	ck_buf_dispose(&b);
	ck_buf_dispose(&v);
}

static void ss_path(char *out, size_t n, const char *ns, const char *name)
{
	snprintf(out, n, "/apis/cloak.dev/v1alpha1/namespaces/%s/sopssecrets/%s", ns, name);
}

static int ss_ready(const char *ns, const char *name, const char *want, const char *reason)
{
	char path[300];

	ss_path(path, sizeof(path), ns, name);
	return rc_ready(E.kc, path, want, reason, NULL, 0);
}

static const char *manifest =
	"apiVersion: v1\n"
	"kind: Secret\n"
	"metadata:\n"
	"    name: db\n"
	"    labels:\n"
	"        team: payments\n"
	"    annotations:\n"
	"        note: from-git\n"
	"type: kubernetes.io/basic-auth\n"
	"stringData:\n"
	"    username: app\n"
	"    password: s3cr3t\n"
	"data:\n"
	"    port: NTQzMg==\n";

static void test_age_manifest(void **state)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *refs;
	char path[300], *enc;

	(void)state;
	keys_secret("identity.agekey", E.id1, NULL);
	kube_namespace(E.kc, "s-age");
	enc = encrypt("/secret.yaml", manifest, CK_SOPS_K_AGE, E.rcpt1, "^(data|stringData)$");
	apply_sopssecret("s-age", "db", enc, NULL);
	WAIT_UNTIL(20000, ss_ready("s-age", "db", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "s-age", "db", "username", "app"));
	assert_true(rc_secret_is(E.kc, "s-age", "db", "password", "s3cr3t"));
	assert_true(rc_secret_is(E.kc, "s-age", "db", "port", "5432"));
	assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/s-age/secrets/db"), 200);
	assert_string_equal(ck_kube_str(r.obj, "type"), "kubernetes.io/basic-auth");
	assert_string_equal(ck_kube_str(r.obj, "metadata.labels.team"), "payments");
	assert_string_equal(ck_doc_map_get_str(ck_doc_get_path(r.obj, "metadata.labels"),
	                                       CK_CTL_SOPS_LABEL), "db");
	assert_string_equal(ck_kube_str(r.obj, "metadata.annotations.note"), "from-git");
	refs = ck_doc_get_path(r.obj, "metadata.ownerReferences");
	assert_non_null(refs);
	assert_string_equal(ck_doc_map_get_str(refs->kids[0], "kind"), "SopsSecret");
	ck_kube_resp_dispose(&r);
	ss_path(path, sizeof(path), "s-age", "db");
	assert_int_equal(kube_get(E.kc, &r, path), 200);
	assert_int_equal(ck_kube_int(r.obj, "status.observedGeneration", -1),
	                 ck_kube_int(r.obj, "metadata.generation", -2));
	ck_kube_resp_dispose(&r);
	free(enc);
}

static void test_dotenv(void **state)
{
	char *enc;

	(void)state;
	kube_namespace(E.kc, "s-env");
	enc = encrypt("/app.env", "API_KEY=abc123\nDB_URL=postgres://x\n", CK_SOPS_K_AGE, E.rcpt1,
	              NULL);
	apply_sopssecret("s-env", "app", enc, "dotenv");
	WAIT_UNTIL(20000, ss_ready("s-env", "app", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "s-env", "app", "API_KEY", "abc123"));
	assert_true(rc_secret_is(E.kc, "s-env", "app", "DB_URL", "postgres://x"));
	free(enc);
}

static void test_wrong_key_then_added(void **state)
{
	char path[300], msg[1024], *enc;

	(void)state;
	kube_namespace(E.kc, "s-late");
	/* encrypted for key 2; sops-keys only has key 1 */
	enc = encrypt("/secret.yaml", manifest, CK_SOPS_K_AGE, E.rcpt2, "^(data|stringData)$");
	apply_sopssecret("s-late", "db", enc, NULL);
	WAIT_UNTIL(20000, ss_ready("s-late", "db", "False", "KeyNotFound"));
	ss_path(path, sizeof(path), "s-late", "db");
	(void)rc_ready(E.kc, path, "False", NULL, msg, sizeof(msg));
	assert_non_null(strstr(msg, "sops-keys"));
	assert_null(strstr(msg, "AGE-SECRET-KEY"));
	settle();
	assert_false(rc_secret_exists(E.kc, "s-late", "db"));
	/* the key arrives later: recovered without touching the SopsSecret */
	keys_secret("identity.agekey", E.id1, "second.agekey", E.id2, NULL);
	WAIT_UNTIL(20000, ss_ready("s-late", "db", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "s-late", "db", "password", "s3cr3t"));
	free(enc);
}

static void test_bad_mac_keeps_secret(void **state)
{
	char *enc, *bad, *p;

	(void)state;
	kube_namespace(E.kc, "s-mac");
	enc = encrypt("/secret.yaml", manifest, CK_SOPS_K_AGE, E.rcpt1, "^(data|stringData)$");
	apply_sopssecret("s-mac", "db", enc, NULL);
	WAIT_UNTIL(20000, ss_ready("s-mac", "db", "True", "Decrypted"));
	/* an unencrypted value changed: the MAC no longer matches */
	bad = ck_strdup(enc);
	assert_non_null(p = strstr(bad, "team: payments"));
	memcpy(p + 6, "PAYMENTS", 8);
	apply_sopssecret("s-mac", "db", bad, NULL);
	WAIT_UNTIL(20000, ss_ready("s-mac", "db", "False", "MACMismatch"));
	settle();
	/* nothing half-written: the last good Secret stays */
	assert_true(rc_secret_is(E.kc, "s-mac", "db", "password", "s3cr3t"));
	{
		struct ck_kube_resp r = CK_KUBE_RESP_INIT;

		assert_int_equal(kube_get(E.kc, &r, "/api/v1/namespaces/s-mac/secrets/db"), 200);
		assert_string_equal(ck_kube_str(r.obj, "metadata.labels.team"), "payments");
		ck_kube_resp_dispose(&r);
	}
	/* the good file back: Ready again */
	apply_sopssecret("s-mac", "db", enc, NULL);
	WAIT_UNTIL(20000, ss_ready("s-mac", "db", "True", "Decrypted"));
	ck_free(bad);
	free(enc);
}

static void test_not_ours(void **state)
{
	char *enc;

	(void)state;
	kube_namespace(E.kc, "s-conflict");
	assert_true(rc_applyf(E.kc, "s-conflict", "apiVersion: v1\nkind: Secret\n"
	                      "metadata: {name: db}\nstringData: {mine: keep}\n") < 300);
	enc = encrypt("/secret.yaml", manifest, CK_SOPS_K_AGE, E.rcpt1, "^(data|stringData)$");
	apply_sopssecret("s-conflict", "db", enc, NULL);
	WAIT_UNTIL(20000, ss_ready("s-conflict", "db", "False", "SecretConflict"));
	assert_true(rc_secret_is(E.kc, "s-conflict", "db", "mine", "keep"));
	assert_false(rc_secret_is(E.kc, "s-conflict", "db", "password", "s3cr3t"));
	assert_int_equal(kube_send(E.kc, "DELETE", "/apis/cloak.dev/v1alpha1/namespaces/s-conflict/"
	                           "sopssecrets/db", NULL, NULL), 200);
	free(enc);
}

static void test_vault_transit(void **state)
{
	char uri[256], path[300], msg[1024], *enc;

	(void)state;
	kube_namespace(E.kc, "s-transit");
	snprintf(uri, sizeof(uri), "%s/v1/transit/keys/flux", E.vault.url);
	enc = encrypt("/secret.yaml", manifest, CK_SOPS_K_HC_VAULT, uri, "^(data|stringData)$");
	/* without the token: no way to open it */
	keys_secret("identity.agekey", E.id1, NULL);
	setenv("VAULT_TOKEN", "not-a-token", 1);
	apply_sopssecret("s-transit", "db", enc, NULL);
	WAIT_UNTIL(20000, ss_ready("s-transit", "db", "False", "KeyNotFound"));
	ss_path(path, sizeof(path), "s-transit", "db");
	(void)rc_ready(E.kc, path, "False", NULL, msg, sizeof(msg));
	assert_non_null(strstr(msg, "403: permission denied"));
	assert_null(strstr(msg, "not-a-token"));
	assert_int_equal(vault_count(&E.vault, "POST", "transit/decrypt/flux"), 0);
	/* sops.vault-token in the keys Secret: decrypted through transit */
	keys_secret("identity.agekey", E.id1, "sops.vault-token", "root\n", NULL);
	WAIT_UNTIL(20000, ss_ready("s-transit", "db", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "s-transit", "db", "username", "app"));
	assert_true(vault_count(&E.vault, "POST", "transit/decrypt/flux") >= 1);
	unsetenv("VAULT_TOKEN");
	free(enc);
}

static void test_unchanged_not_decrypted(void **state)
{
	struct ck_ctl_sops_stats st0, st1;

	(void)state;
	settle();
	ck_ctl_sops_stats(E.s, &st0);
	ck_ctl_sops_resync(E.s);
	settle();
	ck_ctl_sops_stats(E.s, &st1);
	assert_int_equal(st1.decrypts, st0.decrypts);
	assert_true(st1.skipped > st0.skipped);
}

/* AWS KMS with the static credentials of sops.aws-kms. */
static void test_aws_kms(void **state)
{
	struct ck_buf reply = CK_BUF_INIT, out = CK_BUF_INIT, plain;
	struct ck_doc *d = NULL;
	struct ck_sops_opts o;
	struct ck_sops_keyctx ctx;
	struct ck_sops_net_opts no = CK_SOPS_NET_OPTS_INIT;
	struct ck_aws_creds creds = { "AKIDSOPSKMS", "a2V5LWZvci1rbXM", NULL };
	char url[256];

	(void)state;
	vault_ctl(&E.aws, "key", "{\"akid\":\"AKIDSOPSKMS\",\"secret\":\"a2V5LWZvci1rbXM\"}");
	snprintf(url, sizeof(url), "%s/_control/kms_key", E.aws.url);
	assert_int_equal(rc_http("POST", url, "{\"alias\":\"alias/flux\"}", &reply), 200);
	assert_int_equal(ck_doc_parse_json(&d, ck_buf_cstr(&reply), ck_buf_len(&reply), 0), CK_OK);
	ck_sops_opts_init(&o);
	o.config_path = E.cfg;
	o.file_path = "/secret.yaml";
	o.keys[CK_SOPS_K_KMS] = ck_doc_map_get_str(d->docs[0], "Arn");
	o.rule = CK_SOPS_RULE_ENCRYPTED_REGEX;
	o.rule_value = "^(data|stringData)$";
	o.nrules = 1;
	no.aws_creds = &creds;
	ck_sops_keyctx_init(&ctx);
	ctx.ext = &no;
	ck_buf_init_secure(&plain, 0);
	assert_int_equal(ck_buf_puts(&plain, manifest), CK_OK);
	if (ck_sops_op_encrypt(&out, &plain, &o, &ctx) != CK_OK)
		fail_msg("sops encrypt: %s", ck_err_last()->msg);
	ck_sops_keyctx_dispose(&ctx);
	ck_buf_dispose(&plain);
	kube_namespace(E.kc, "s-kms");
	keys_secret("sops.aws-kms", "aws_access_key_id: AKIDSOPSKMS\n"
	            "aws_secret_access_key: a2V5LWZvci1rbXM\n", NULL);
	apply_sopssecret("s-kms", "db", ck_buf_cstr(&out), NULL);
	WAIT_UNTIL(20000, ss_ready("s-kms", "db", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "s-kms", "db", "password", "s3cr3t"));
	assert_true(vault_count(&E.aws, "POST", "/") >= 2); /* Encrypt here, Decrypt there */
	ck_doc_free(d);
	ck_buf_dispose(&reply);
	ck_buf_dispose(&out);
}

/* Run a shell command line (test fixtures only); its status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* A PGP key imported from sops-keys (*.asc) into the controller's private keyring. */
static void test_pgp(void **state)
{
	struct ck_buf fp = CK_BUF_INIT, asc = CK_BUF_INIT, id = CK_BUF_INIT;
	struct ck_sops_opts o;
	struct ck_sops_keyctx ctx;
	struct ck_buf plain, out = CK_BUF_INIT;
	char home[600], fpfile[700], ascfile[700];

	(void)state;
	if (!ckt_have_program("gpg")) {
		printf("  (gpg not installed: PGP key source not exercised)\n");
		return;
	}
	snprintf(home, sizeof(home), "%s/gnupg", ckt_tmpdir());
	snprintf(fpfile, sizeof(fpfile), "%s/fp", ckt_tmpdir());
	snprintf(ascfile, sizeof(ascfile), "%s/key.asc", ckt_tmpdir());
	assert_int_equal(sh("mkdir -m 700 '%s' && gpg --homedir '%s' --batch --quiet --passphrase '' "
	                    "--quick-gen-key 'cloak test <t@example.invalid>' ed25519 cert never "
	                    "2>/dev/null", home, home), 0);
	assert_int_equal(sh("gpg --homedir '%s' --list-keys --with-colons 2>/dev/null | "
	                    "awk -F: '/^fpr/ { printf \"%%s\", $10; exit }' > '%s'", home, fpfile), 0);
	ckt_read(&fp, fpfile);
	assert_int_equal(sh("gpg --homedir '%s' --batch --quiet --passphrase '' --quick-add-key %s "
	                    "cv25519 encr never 2>/dev/null && gpg --homedir '%s' --batch "
	                    "--pinentry-mode loopback --passphrase '' --armor --export-secret-keys %s "
	                    "> '%s' 2>/dev/null", home, ck_buf_cstr(&fp), home, ck_buf_cstr(&fp),
	                    ascfile), 0);
	ckt_read(&asc, ascfile);
	/* encrypt for the PGP key (the test's own keyring) */
	ck_sops_opts_init(&o);
	o.config_path = E.cfg;
	o.file_path = "/secret.yaml";
	o.keys[CK_SOPS_K_PGP] = ck_buf_cstr(&fp);
	o.rule = CK_SOPS_RULE_ENCRYPTED_REGEX;
	o.rule_value = "^(data|stringData)$";
	o.nrules = 1;
	ck_sops_keyctx_init(&ctx);
	ctx.gnupghome = home;
	ck_buf_init_secure(&plain, 0);
	assert_int_equal(ck_buf_puts(&plain, manifest), CK_OK);
	if (ck_sops_op_encrypt(&out, &plain, &o, &ctx) != CK_OK)
		fail_msg("sops encrypt: %s", ck_err_last()->msg);
	ck_sops_keyctx_dispose(&ctx);
	ck_buf_dispose(&plain);
	ckt_readf(&id, "%s/testkeys/age/identity.txt", ckt_source_dir());
	kube_namespace(E.kc, "s-pgp");
	keys_secret("release.asc", ck_buf_cstr(&asc), "testkeys.agekey", ck_buf_cstr(&id), NULL);
	apply_sopssecret("s-pgp", "db", ck_buf_cstr(&out), NULL);
	WAIT_UNTIL(30000, ss_ready("s-pgp", "db", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "s-pgp", "db", "password", "s3cr3t"));
	(void)sh("gpgconf --homedir '%s' --kill gpg-agent 2>/dev/null", home);
	ck_buf_dispose(&fp);
	ck_buf_dispose(&asc);
	ck_buf_dispose(&id);
	ck_buf_dispose(&out);
}

/* deploy/examples/sopssecret.yaml opens with the TEST-ONLY key it was made for. */
static void test_example(void **state)
{
	struct ck_buf ex = CK_BUF_INIT, id = CK_BUF_INIT;

	(void)state;
	ckt_readf(&ex, "%s/deploy/examples/sopssecret.yaml", ckt_source_dir());
	ckt_readf(&id, "%s/testkeys/age/identity.txt", ckt_source_dir());
	kube_namespace(E.kc, "payments");
	keys_secret("testkeys.agekey", ck_buf_cstr(&id), NULL);
	assert_true(rc_apply(E.kc, ck_buf_cstr(&ex), NULL) < 300);
	WAIT_UNTIL(20000, ss_ready("payments", "db-credentials", "True", "Decrypted"));
	assert_true(rc_secret_is(E.kc, "payments", "db-credentials", "password",
	                         "example-only-not-a-secret"));
	assert_true(rc_secret_is(E.kc, "payments", "db-credentials", "username", "payments"));
	ck_buf_dispose(&ex);
	ck_buf_dispose(&id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age_manifest),
		cmocka_unit_test(test_dotenv),
		cmocka_unit_test(test_wrong_key_then_added),
		cmocka_unit_test(test_bad_mac_keeps_secret),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_vault_transit),
		cmocka_unit_test(test_unchanged_not_decrypted),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_pgp),
		cmocka_unit_test(test_aws_kms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
