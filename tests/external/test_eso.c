/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ExternalSecret model, ESO's value rules and the renderer, against the
 * in-memory fake provider (Vault KV v2 semantics). Expected values follow
 * ESO's code (providers/v1/vault, runtime/esutils, the controller) and Go's
 * encoding/json and strconv; hashes were computed independently (Python's
 * hashlib.sha3_224 over Go's "%+v" rendering).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"
#include "ck/ext.h"
#include "ck/ext_provider.h"
#include "ck/secret.h"
#include "ck_test.h"

/* ------------------------------------------------------------ helpers */

static struct ck_ext_set *load(const char *yaml)
{
	struct ck_ext_set *s = NULL;

	assert_int_equal(ck_ext_set_new(&s), CK_OK);
	assert_int_equal(ck_ext_set_add(s, "t.yaml", yaml, strlen(yaml)), CK_OK);
	assert_int_equal(ck_ext_set_check(s), CK_OK);
	return s;
}

static int has_problem(const struct ck_ext_set *s, const char *needle)
{
	size_t i;

	for (i = 0; i < s->nproblems; i++)
		if (strstr(s->problems[i].msg, needle))
			return 1;
	return 0;
}

static void dump_problems(const struct ck_ext_set *s)
{
	size_t i;

	for (i = 0; i < s->nproblems; i++)
		fprintf(stderr, "problem: %s:%u: %s\n", s->problems[i].file, s->problems[i].line,
		        s->problems[i].msg);
}

static struct ck_ext_provider *fake(void)
{
	struct ck_ext_provider *p = NULL;

	assert_int_equal(ck_ext_provider_fake_new(&p), CK_OK);
	return p;
}

/* Render the first ExternalSecret of yaml with provider p for store "vault". */
static int render(const char *yaml, struct ck_ext_provider *p, struct ck_ext_secret *sec,
                  struct ck_ext_set **setp)
{
	struct ck_ext_set *s = load(yaml);
	struct ck_ext_session *sess = NULL;
	int rc;

	if (s->nproblems)
		dump_problems(s);
	assert_int_equal(ck_ext_session_new(&sess, s, NULL), CK_OK);
	assert_int_equal(ck_ext_session_set_provider(sess, "vault", 0, p), CK_OK);
	assert_true(s->nes >= 1);
	ck_ext_secret_init(sec);
	rc = ck_ext_render(sess, s->es[0], sec);
	ck_ext_session_free(sess);
	if (setp)
		*setp = s;
	else
		ck_ext_set_free(s);
	return rc;
}

static void want_value(const struct ck_ext_secret *sec, const char *key, const char *want)
{
	size_t n;
	const uint8_t *v = ck_ext_map_get(sec->data, key, strlen(key), &n);

	if (v == NULL)
		fail_msg("key %s missing", key);
	if (n != strlen(want) || memcmp(v, want, n) != 0)
		fail_msg("key %s: want [%s] got [%.*s]", key, want, (int)n, (const char *)v);
}

static void expect_keys(const struct ck_ext_secret *sec, size_t n)
{
	assert_int_equal(ck_ext_map_len(sec->data), n);
}

#define ES_HEAD                                                                                    \
	"apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db-creds\n"  \
	"  namespace: apps\nspec:\n  secretStoreRef:\n    name: vault\n    kind: SecretStore\n"

/* -------------------------------------------------------- primitives */

static void test_sha3(void **state)
{
	char h[57];

	(void)state;
	ck_ext_object_hash(h, "", 0);
	assert_string_equal(h, "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7");
	ck_ext_object_hash(h, "abc", 3);
	assert_string_equal(h, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf");
	ck_ext_object_hash(h, "default/vault-example", 21);
	assert_string_equal(h, "8e908466329bf15fa041793dcfa3c92ea8d61d1e833850edce7063bc");
	{
		/* longer than one block (the SHA3-224 rate is 144 bytes) */
		char big[300];

		memset(big, 'a', sizeof(big));
		ck_ext_object_hash(h, big, sizeof(big));
		assert_string_equal(h, "13cdd884b40c9505636b1a0c37716fcd119b1405eea9854603635356");
	}
}

static void check_path(const char *mount, int v, const char *key, int meta, const char *want)
{
	struct ck_buf b;

	ck_buf_init(&b, 4096);
	assert_int_equal(ck_ext_vault_path(&b, mount, v, key, meta), CK_OK);
	if (strcmp(ck_buf_cstr(&b), want) != 0)
		fail_msg("path(%s, v%d, %s, meta %d): want %s got %s", mount ? mount : "nil", v, key,
		         meta, want, ck_buf_cstr(&b));
	ck_buf_dispose(&b);
}

/* Spec 2.3 and the examples in ESO's buildPath comment. */
static void test_paths(void **state)
{
	struct ck_buf b;

	(void)state;
	check_path("secret", 2, "foo", 0, "secret/data/foo");
	check_path("secret", 2, "secret/data/foo", 0, "secret/data/foo");
	check_path("secret", 2, "secret/foo", 0, "secret/data/foo");
	check_path("secret/path", 2, "foo", 0, "secret/path/data/foo");
	check_path("secret/path", 2, "secret/path/foo", 0, "secret/path/data/foo");
	check_path("secret/path", 2, "secret/path/data/foo", 0, "secret/path/data/foo");
	check_path("secret/path", 1, "foo", 0, "secret/path/foo");
	check_path("secret/path", 1, "secret/path/foo", 0, "secret/path/foo");
	check_path(NULL, 2, "secret/path/foo", 0, "secret/data/path/foo");
	check_path(NULL, 2, "secret/path/data/foo", 0, "secret/path/data/foo");
	check_path(NULL, 1, "secret/path/foo", 0, "secret/path/foo");
	check_path("secret", 2, "dev/config", 1, "secret/metadata/dev/config");
	check_path("secret", 2, "secret/data/dev/config", 1, "secret/metadata/dev/config");
	check_path(NULL, 2, "secret/data/dev/config", 1, "secret/metadata/dev/config");
	check_path("secret", 2, "", 1, "secret/metadata/");
	check_path("kv", 1, "team/", 1, "kv/team/");
	ck_buf_init(&b, 4096);
	assert_int_equal(ck_ext_vault_path(&b, NULL, 2, "secret/foo", 1), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "isn't a valid kv v2 path"));
	ck_buf_dispose(&b);
}

static void check_value(const char *json, const char *prop, int want_rc, const char *want)
{
	struct ck_buf b;
	int rc;

	ck_buf_init_secure(&b, 1 << 20);
	rc = ck_ext_vault_value(&b, json, strlen(json), prop);
	if (rc != want_rc || (want && strcmp(ck_buf_cstr(&b), want) != 0))
		fail_msg("value(%s, %s): want rc %d [%s] got rc %d [%s] %s", json, prop ? prop : "",
		         want_rc, want ? want : "", rc, ck_buf_cstr(&b), rc < 0 ? ck_err_last()->msg : "");
	ck_buf_dispose(&b);
}

/* GetSecret's rules: whole map as json.Marshal, literal key, gjson path. */
static void test_vault_value(void **state)
{
	const char *j = "{\"user\":\"admin\",\"port\":8080,\"ratio\":1.0,\"big\":12345678901234567890,"
	                "\"html\":\"<a&b>\",\"flag\":true,\"none\":null,"
	                "\"nested\":{\"b\":{\"c\":\"deep\"},\"a\":[1,\"x\",{\"k\":1.50}]},"
	                "\"a.b\":\"literal\",\"a\":{\"b\":\"path\"}}";

	(void)state;
	check_value(j, NULL, CK_OK,
	            "{\"a\":{\"b\":\"path\"},\"a.b\":\"literal\",\"big\":12345678901234567890,\"flag\":true,"
	            "\"html\":\"\\u003ca\\u0026b\\u003e\",\"nested\":{\"a\":[1,\"x\",{\"k\":1.50}],"
	            "\"b\":{\"c\":\"deep\"}},\"none\":null,\"port\":8080,\"ratio\":1.0,\"user\":\"admin\"}");
	check_value(j, "user", CK_OK, "admin");
	check_value(j, "port", CK_OK, "8080");
	check_value(j, "ratio", CK_OK, "1.0");               /* numbers as Vault sent them */
	check_value(j, "big", CK_OK, "12345678901234567890");
	check_value(j, "flag", CK_OK, "true");
	check_value(j, "none", CK_OK, "");
	check_value(j, "nested", CK_OK, "{\"a\":[1,\"x\",{\"k\":1.50}],\"b\":{\"c\":\"deep\"}}");
	check_value(j, "a.b", CK_OK, "literal");             /* a literal key wins */
	check_value(j, "nested.b.c", CK_OK, "deep");
	check_value(j, "nested.a.1", CK_OK, "x");
	check_value(j, "nested.a.2.k", CK_OK, "1.5");        /* gjson's String() of 1.50 */
	check_value(j, "nested.a.#", CK_OK, "3");
	check_value(j, "nested.a", CK_OK, "[1,\"x\",{\"k\":1.50}]");
	check_value(j, "nested.*.c", CK_OK, NULL);
	check_value(j, "nested.z", CK_ENOTFOUND, NULL);
	assert_string_equal(ck_err_last()->msg, "cannot find secret data for key: \"nested.z\"");
	check_value("[1]", NULL, CK_EINVAL, NULL);
}

static void check_gjson(const char *json, const char *path, int want_rc, const char *want)
{
	struct ck_buf b;
	int rc;

	ck_buf_init(&b, 1 << 20);
	rc = ck_ext_gjson(&b, json, strlen(json), path);
	if (rc != want_rc || (want && strcmp(ck_buf_cstr(&b), want) != 0))
		fail_msg("gjson(%s, %s): want %d [%s] got %d [%s]", json, path, want_rc,
		         want ? want : "", rc, ck_buf_cstr(&b));
	ck_buf_dispose(&b);
}

static void test_gjson(void **state)
{
	const char *j = "{\"name\":{\"first\":\"Tom\",\"last\":\"Anderson\"},\"age\":37,"
	                "\"children\":[\"Sara\",\"Alex\",\"Jack\"],\"fav.movie\":\"Deer Hunter\","
	                "\"friends\":[{\"first\":\"Dale\",\"age\":44},{\"first\":\"Roger\",\"age\":68}]}";

	(void)state;
	/* the examples of gjson's README */
	check_gjson(j, "name.last", CK_OK, "Anderson");
	check_gjson(j, "age", CK_OK, "37");
	check_gjson(j, "children", CK_OK, "[\"Sara\",\"Alex\",\"Jack\"]");
	check_gjson(j, "children.#", CK_OK, "3");
	check_gjson(j, "children.1", CK_OK, "Alex");
	check_gjson(j, "child*.2", CK_OK, "Jack");
	check_gjson(j, "c?ildren.0", CK_OK, "Sara");
	check_gjson(j, "fav\\.movie", CK_OK, "Deer Hunter");
	check_gjson(j, "friends.#.first", CK_OK, "[\"Dale\",\"Roger\"]");
	check_gjson(j, "friends.1.last", CK_ENOTFOUND, NULL);
	check_gjson(j, "friends.#(last==\"Murphy\").first", CK_EUNSUPPORTED, NULL);
	check_gjson(j, "children|@reverse", CK_EUNSUPPORTED, NULL);
	check_gjson(j, "@reverse", CK_EUNSUPPORTED, NULL);
}

static void test_decoding(void **state)
{
	struct ck_ext_provider *p = fake();
	struct ck_ext_secret sec;
	const char *yaml = ES_HEAD
	    "  data:\n"
	    "  - secretKey: std\n    remoteRef: {key: app, property: std, decodingStrategy: Base64}\n"
	    "  - secretKey: url\n    remoteRef: {key: app, property: url, decodingStrategy: Base64URL}\n"
	    "  - secretKey: auto1\n    remoteRef: {key: app, property: url, decodingStrategy: Auto}\n"
	    "  - secretKey: auto2\n    remoteRef: {key: app, property: plain, decodingStrategy: Auto}\n"
	    "  - secretKey: nl\n    remoteRef: {key: app, property: nl, decodingStrategy: Base64}\n";

	(void)state;
	/* "?>?" is Pz4/ in std base64 and Pz4_ in URL base64 */
	assert_int_equal(ck_ext_provider_fake_put(p, "app",
	                                          "{\"std\":\"Pz4/\",\"url\":\"Pz4_\",\"plain\":\"not base64!\","
	                                          "\"nl\":\"aGVs\\nbG8=\"}",
	                                          NULL),
	                 CK_OK);
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "std", "?>?");
	want_value(&sec, "url", "?>?");
	want_value(&sec, "auto1", "?>?");
	want_value(&sec, "auto2", "not base64!");
	want_value(&sec, "nl", "hello");
	ck_ext_secret_dispose(&sec);

	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "app", "{\"std\":\"Pz4_\"}", NULL), CK_OK);
	yaml = ES_HEAD "  data:\n  - secretKey: std\n    remoteRef: {key: app, property: std, decodingStrategy: Base64}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg,
	                       "spec.data[0] (key: app): error decoding spec.data[0]: illegal base64 data at input byte 3"));
	ck_ext_secret_dispose(&sec);
}

/* The complete Secret for a plain data[] ExternalSecret. */
static void test_render_basic(void **state)
{
	struct ck_ext_provider *p = fake();
	struct ck_ext_secret sec;
	struct ck_buf out;
	const char *yaml = ES_HEAD
	    "  target:\n    name: db\n"
	    "  data:\n"
	    "  - secretKey: user\n    remoteRef:\n      key: db\n      property: username\n"
	    "  - secretKey: password\n    remoteRef:\n      key: db\n      property: password\n";
	const char *want =
	    "apiVersion: v1\n"
	    "data:\n"
	    "  password: czNjcjN0\n"
	    "  user: YWRtaW4=\n"
	    "kind: Secret\n"
	    "metadata:\n"
	    "  annotations:\n"
	    "    reconcile.external-secrets.io/data-hash: 4fac6c272152e82e338ab3ca539720ab04f0d411c4cd4ac88acba471\n"
	    "  labels:\n"
	    "    reconcile.external-secrets.io/created-by: 38766b9d6094598cdf50ac21325e1a5a323d56a6bf66f8540dc836fe\n"
	    "    reconcile.external-secrets.io/managed: \"true\"\n"
	    "  name: db\n"
	    "  namespace: apps\n"
	    "type: Opaque\n";

	(void)state;
	assert_int_equal(ck_ext_provider_fake_put(p, "db", "{\"username\":\"admin\",\"password\":\"s3cr3t\"}",
	                                          NULL),
	                 CK_OK);
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	assert_int_equal(sec.outcome, CK_EXT_SYNCED);
	ck_buf_init_secure(&out, 1 << 20);
	assert_int_equal(ck_ext_secret_yaml(&out, &sec), CK_OK);
	if (strcmp(ck_buf_cstr(&out), want) != 0)
		fail_msg("want:\n%s\ngot:\n%s", want, ck_buf_cstr(&out));
	ck_buf_dispose(&out);
	ck_ext_secret_dispose(&sec);
}

/* dataFrom.extract: json.Unmarshal into map[string]any, so float64 numbers. */
static void test_extract(void **state)
{
	struct ck_ext_provider *p = fake();
	struct ck_ext_secret sec;
	const char *yaml = ES_HEAD
	    "  dataFrom:\n  - extract:\n      key: cfg\n"
	    "  data:\n  - secretKey: port\n    remoteRef: {key: cfg, property: ratio}\n";

	(void)state;
	assert_int_equal(ck_ext_provider_fake_put(p, "cfg",
	                                          "{\"port\":8080,\"ratio\":1.0,\"big\":12345678901234567890,"
	                                          "\"flag\":false,\"none\":null,\"obj\":{\"z\":1,\"a\":[true]},"
	                                          "\"tiny\":1e-7,\"s\":\"str\"}",
	                                          NULL),
	                 CK_OK);
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	/* data[] overrides dataFrom for the same key: the literal "1.0" */
	want_value(&sec, "port", "1.0");
	want_value(&sec, "ratio", "1");
	want_value(&sec, "big", "12345678901234567000");
	want_value(&sec, "flag", "false");
	want_value(&sec, "none", "");
	want_value(&sec, "obj", "{\"a\":[true],\"z\":1}");
	want_value(&sec, "tiny", "0.0000001");
	want_value(&sec, "s", "str");
	expect_keys(&sec, 8);
	ck_ext_secret_dispose(&sec);
}

static void test_find(void **state)
{
	struct ck_ext_provider *p = fake();
	struct ck_ext_secret sec;
	const char *yaml;

	(void)state;
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/config", "{\"a\":1}", "{\"team\":\"x\"}"), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/db/creds", "{\"u\":\"v\"}", "{\"team\":\"y\"}"),
	                 CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "prod/config", "{\"b\":2}", "{\"team\":\"x\"}"), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/gone", "{\"c\":3}", NULL), CK_OK);
	assert_int_equal(ck_ext_provider_fake_delete(p, "dev/gone"), CK_OK);
	/* by name, under a path: keys keep the path, conversion makes them valid */
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      path: dev\n      name:\n        regexp: \".*\"\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "dev_config", "{\"a\":1}");
	want_value(&sec, "dev_db_creds", "{\"u\":\"v\"}");
	expect_keys(&sec, 2); /* the deleted one is skipped */
	ck_ext_secret_dispose(&sec);

	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/config", "{\"a\":1}", "{\"team\":\"x\"}"), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "prod/config", "{\"b\":2}", "{\"team\":\"x\"}"), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "prod/other", "{\"b\":3}", "{\"team\":\"z\"}"), CK_OK);
	/* by tags over the whole mount, Unicode conversion */
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      tags:\n        team: x\n      conversionStrategy: Unicode\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "dev_U002f_config", "{\"a\":1}");
	want_value(&sec, "prod_U002f_config", "{\"b\":2}");
	expect_keys(&sec, 2);
	ck_ext_secret_dispose(&sec);

	/* rewrite instead of conversion */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/config", "{\"a\":1}", NULL), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/token", "{\"t\":2}", NULL), CK_OK);
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      name: {regexp: \"^dev/\"}\n"
	               "    rewrite:\n    - regexp: {source: \"dev/(.*)\", target: \"app-$1\"}\n"
	               "    - transform: {template: \"{{ .value | upper }}\"}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "APP-CONFIG", "{\"a\":1}");
	want_value(&sec, "APP-TOKEN", "{\"t\":2}");
	ck_ext_secret_dispose(&sec);

	/* a rewrite that leaves an invalid key is an error naming it */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "dev/config", "{\"a\":1}", NULL), CK_OK);
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      name: {regexp: config}\n"
	               "    rewrite:\n    - regexp: {source: \"^x\", target: \"y\"}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "key has invalid character"));
	assert_non_null(strstr(ck_err_last()->msg, "dev/config"));
	ck_ext_secret_dispose(&sec);

	/* two keys converging on one name */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "a/b", "{}", NULL), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "a_b", "{}", NULL), CK_OK);
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      name: {regexp: \"a.b\"}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "secret name collision during conversion: a_b"));
	ck_ext_secret_dispose(&sec);
}

static void test_merge(void **state)
{
	struct ck_ext_provider *p = fake();
	struct ck_ext_secret sec;
	const char *yaml;

	(void)state;
	assert_int_equal(ck_ext_provider_fake_put(p, "path/to/secrets/db-credentials",
	                                          "{\"user\":\"u\",\"port\":5432}", NULL),
	                 CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "path/to/secrets/api-credentials",
	                                          "{\"token\":\"t\"}", NULL),
	                 CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "path/to/secrets/other", "{\"x\":\"y\"}", NULL),
	                 CK_OK);
	/* ESO's docs/snippets/datafrom-rewrite-merge-empty.yaml shape */
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      path: path/to/secrets\n      name:\n"
	               "        regexp: \".*-credentials\"\n    rewrite:\n    - merge: {}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "user", "u");
	want_value(&sec, "port", "5432");
	want_value(&sec, "token", "t");
	expect_keys(&sec, 3);
	ck_ext_secret_dispose(&sec);

	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "a", "{\"k\":1,\"x\":\"a\"}", NULL), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "b", "{\"k\":2}", NULL), CK_OK);
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      name: {regexp: \"^[ab]$\"}\n    rewrite:\n    - merge: {}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "merge failed with conflicts: k"));
	ck_ext_secret_dispose(&sec);

	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "a", "{\"k\":1,\"x\":\"a\"}", NULL), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "b", "{\"k\":2}", NULL), CK_OK);
	/* priority: "a" merged last wins; JSON strategy keeps inputs and adds "into" */
	yaml = ES_HEAD "  dataFrom:\n  - find:\n      name: {regexp: \"^[ab]$\"}\n    rewrite:\n"
	               "    - merge: {priority: [a], conflictPolicy: Ignore, strategy: JSON, into: all}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "all", "{\"k\":1,\"x\":\"a\"}");
	want_value(&sec, "a", "{\"k\":1,\"x\":\"a\"}");
	want_value(&sec, "b", "{\"k\":2}");
	ck_ext_secret_dispose(&sec);
}

static void test_templates(void **state)
{
	struct ck_ext_provider *p = fake();
	struct ck_ext_secret sec;
	struct ck_ext_set *set = NULL;
	size_t n;
	const char *yaml;

	(void)state;
	assert_int_equal(ck_ext_provider_fake_put(p, "db", "{\"user\":\"admin\",\"pass\":\"pw\",\"host\":\"db.local\"}",
	                                          NULL),
	                 CK_OK);
	yaml = ES_HEAD
	    "  target:\n    template:\n      type: kubernetes.io/basic-auth\n"
	    "      metadata:\n        labels:\n          app: \"{{ .user }}-app\"\n"
	    "        annotations:\n          note: fixed\n"
	    "      data:\n"
	    "        username: \"{{ .user | toString }}\"\n"
	    "        url: \"postgres://{{ .user }}:{{ .pass | urlquery }}@{{ .host }}/db\"\n"
	    "        config.json: '{{ dict \"u\" .user \"p\" .pass | toJson }}'\n"
	    "      templateFrom:\n"
	    "      - literal: \"lit_{{ .user }}: '{{ .host | upper }}'\"\n"
	    "      - configMap:\n          name: tmpl\n          items:\n          - key: greeting\n"
	    "  dataFrom:\n  - extract: {key: db}\n"
	    "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: tmpl, namespace: apps}\n"
	    "data:\n  greeting: \"hello {{ .user }}\"\n";
	assert_int_equal(render(yaml, p, &sec, &set), CK_OK);
	want_value(&sec, "username", "admin");
	want_value(&sec, "url", "postgres://admin:pw@db.local/db");
	want_value(&sec, "config.json", "{\"p\":\"pw\",\"u\":\"admin\"}");
	want_value(&sec, "lit_admin", "DB.LOCAL");
	want_value(&sec, "greeting", "hello admin");
	expect_keys(&sec, 5); /* template data replaces provider data */
	assert_string_equal(sec.type, "kubernetes.io/basic-auth");
	assert_memory_equal(ck_ext_map_get(sec.labels, "app", 3, &n), "admin-app", 9);
	assert_memory_equal(ck_ext_map_get(sec.annotations, "note", 4, &n), "fixed", 5);
	ck_ext_secret_dispose(&sec);
	ck_ext_set_free(set);

	/* mergePolicy Merge keeps provider keys beside the template's */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "db", "{\"user\":\"admin\"}", NULL), CK_OK);
	yaml = ES_HEAD "  target:\n    template:\n      mergePolicy: Merge\n      data:\n        extra: \"x-{{ .user }}\"\n"
	               "  dataFrom:\n  - extract: {key: db}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "user", "admin");
	want_value(&sec, "extra", "x-admin");
	ck_ext_secret_dispose(&sec);

	/* a missing key in a template is an error (missingkey=error) */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "db", "{\"user\":\"admin\"}", NULL), CK_OK);
	yaml = ES_HEAD "  target:\n    template:\n      data:\n        x: \"{{ .nope }}\"\n"
	               "  dataFrom:\n  - extract: {key: db}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "map has no entry for key \"nope\""));
	assert_non_null(strstr(ck_err_last()->msg, "spec.target.template.data"));
	ck_ext_secret_dispose(&sec);
}

static void test_policies(void **state)
{
	struct ck_ext_provider *p;
	struct ck_ext_secret sec;
	size_t n;
	const char *yaml;

	(void)state;
	/* Retain (default): a missing remote key is an error, never an empty Secret */
	p = fake();
	yaml = ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: missing}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "spec.data[0] (key: missing)"));
	assert_null(sec.data);
	ck_ext_secret_dispose(&sec);

	/* Delete: missing entries are skipped; nothing left: the Secret is deleted */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "there", "{\"v\":\"1\"}", NULL), CK_OK);
	yaml = ES_HEAD "  target: {deletionPolicy: Delete}\n"
	               "  data:\n  - secretKey: a\n    remoteRef: {key: missing}\n"
	               "  - secretKey: b\n    remoteRef: {key: there, property: v}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	assert_int_equal(sec.outcome, CK_EXT_SYNCED);
	want_value(&sec, "b", "1");
	expect_keys(&sec, 1);
	ck_ext_secret_dispose(&sec);
	p = fake();
	yaml = ES_HEAD "  target: {deletionPolicy: Delete}\n  data:\n  - secretKey: a\n    remoteRef: {key: missing}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	assert_int_equal(sec.outcome, CK_EXT_DELETED);
	{
		struct ck_ext_condition cond;

		ck_ext_condition_for(&cond, CK_OK, &sec);
		assert_string_equal(cond.reason, "SecretDeleted");
		assert_string_equal(cond.message, "secret deleted due to DeletionPolicy=Delete");
		ck_ext_condition_for(&cond, CK_ENET, &sec);
		assert_string_equal(cond.status, "False");
		assert_string_equal(cond.reason, "SecretSyncedError");
	}
	ck_ext_secret_dispose(&sec);

	/* Retain with a find that matches nothing: the Secret is kept, not emptied */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{}", NULL), CK_OK);
	yaml = ES_HEAD "  dataFrom:\n  - find: {name: {regexp: \"^nothing$\"}}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	assert_int_equal(sec.outcome, CK_EXT_RETAINED);
	ck_ext_secret_dispose(&sec);

	/* creationPolicy: Orphan has no created-by label; None writes nothing */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{\"v\":\"1\"}", NULL), CK_OK);
	yaml = ES_HEAD "  target: {creationPolicy: Orphan}\n  data:\n  - secretKey: a\n    remoteRef: {key: x, property: v}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	assert_null(ck_ext_map_get(sec.labels, "reconcile.external-secrets.io/created-by", 40, &n));
	assert_non_null(ck_ext_map_get(sec.labels, "reconcile.external-secrets.io/managed", 37, &n));
	assert_int_equal(sec.owner, 0);
	ck_ext_secret_dispose(&sec);
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{\"v\":\"1\"}", NULL), CK_OK);
	yaml = ES_HEAD "  target: {creationPolicy: None}\n  data:\n  - secretKey: a\n    remoteRef: {key: x, property: v}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	assert_int_equal(sec.outcome, CK_EXT_NOT_MANAGED);
	ck_ext_secret_dispose(&sec);

	/* a provider failure is an error, not an empty Secret */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{\"v\":\"1\"}", NULL), CK_OK);
	ck_ext_provider_fake_fail(p, CK_ENET, 1);
	yaml = ES_HEAD "  target: {deletionPolicy: Delete}\n  data:\n  - secretKey: a\n    remoteRef: {key: x, property: v}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_ENET);
	assert_null(sec.data);
	ck_ext_secret_dispose(&sec);

	/* nullBytePolicy Fail */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{\"v\":\"a\\u0000b\"}", NULL), CK_OK);
	yaml = ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: x, property: v, nullBytePolicy: Fail}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "NUL byte"));
	ck_ext_secret_dispose(&sec);

	/* metadataPolicy Fetch: system keys and custom_metadata */
	p = fake();
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{\"v\":\"1\"}", "{\"dev\":\"alice\"}"), CK_OK);
	assert_int_equal(ck_ext_provider_fake_put(p, "x", "{\"v\":\"2\"}", NULL), CK_OK);
	yaml = ES_HEAD "  data:\n  - secretKey: all\n    remoteRef: {key: x, metadataPolicy: Fetch}\n"
	               "  - secretKey: dev\n    remoteRef: {key: x, metadataPolicy: Fetch, property: dev}\n"
	               "  - secretKey: v1\n    remoteRef: {key: x, property: v, version: \"1\"}\n";
	assert_int_equal(render(yaml, p, &sec, NULL), CK_OK);
	want_value(&sec, "all", "{\"created_time\":\"2024-01-01T00:00:00Z\",\"current_version\":\"2\","
	                          "\"delete_version_after\":\"0s\",\"dev\":\"alice\"}");
	want_value(&sec, "dev", "alice");
	want_value(&sec, "v1", "1");
	ck_ext_secret_dispose(&sec);
}

/* Offline checking: one problem per wrong or unsupported field. */
static void test_check(void **state)
{
	struct ck_ext_set *s;

	(void)state;
	s = load(ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: x, proprety: y}\n");
	assert_true(has_problem(s, "spec.data[0].remoteRef: unknown field \"proprety\""));
	assert_int_equal(s->es[0]->problems, 1);
	assert_int_equal(s->problems[0].line, 12);
	ck_ext_set_free(s);

	s = load(ES_HEAD "  target: {creationPolicy: Ownr}\n  data:\n  - secretKey: \"bad key\"\n    remoteRef: {key: x, decodingStrategy: base64}\n");
	assert_true(has_problem(s, "spec.target.creationPolicy: invalid value \"Ownr\" (allowed: Owner, Orphan, Merge, None, CreateOrMerge)"));
	assert_true(has_problem(s, "spec.data[0].secretKey: \"bad key\" must be 1-253 characters"));
	assert_true(has_problem(s, "spec.data[0].remoteRef.decodingStrategy: invalid value \"base64\""));
	ck_ext_set_free(s);

	s = load(ES_HEAD "  target:\n    manifest: {apiVersion: v1, kind: ConfigMap}\n    template:\n      engineVersion: v1\n      data: {a: \"{{ .x | pkcs12key }}\", b: \"{{ .x \"}\n"
	                 "  dataFrom:\n  - sourceRef:\n      generatorRef: {kind: Password, name: p}\n");
	assert_true(has_problem(s, "spec.target.manifest: not supported by cloak"));
	assert_true(has_problem(s, "engineVersion: v1 (deprecated) is not supported"));
	assert_true(has_problem(s, "function \"pkcs12key\" is not supported by cloak"));
	assert_true(has_problem(s, "spec.target.template.data.b:1: unclosed action"));
	assert_true(has_problem(s, "spec.dataFrom[0].sourceRef.generatorRef: not supported by cloak"));
	ck_ext_set_free(s);

	s = load("apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: s}\n"
	         "spec:\n  provider:\n    gcpsm: {projectID: p}\n---\n"
	         "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: v}\n"
	         "spec:\n  provider:\n    vault:\n      server: vault.example:8200\n      version: v3\n"
	         "      auth:\n        iam: {vaultRole: r}\n---\n"
	         "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: a}\n"
	         "spec:\n  provider:\n    aws: {service: ParameterStore, region: eu-west-1}\n---\n"
	         "apiVersion: external-secrets.io/v1alpha1\nkind: ExternalSecret\nmetadata: {name: old}\n"
	         "spec: {}\n---\napiVersion: external-secrets.io/v1alpha1\nkind: PushSecret\nmetadata: {name: p}\n");
	assert_int_equal(s->nstores, 3);
	assert_true(has_problem(s, "spec.provider.gcpsm: not supported by cloak (supported: vault, aws)"));
	assert_true(has_problem(s, "spec.provider.vault.server: \"vault.example:8200\" must be an http(s) URL"));
	assert_true(has_problem(s, "spec.provider.vault.version: invalid value \"v3\" (allowed: v1, v2)"));
	assert_true(has_problem(s, "spec.provider.vault.auth.iam: not supported by cloak"));
	assert_true(has_problem(s, "spec.provider.aws.service: ParameterStore is not supported by cloak"));
	assert_true(has_problem(s, "external-secrets.io/v1alpha1 ExternalSecret is not supported"));
	assert_true(has_problem(s, "kind: PushSecret is not supported by cloak"));
	ck_ext_set_free(s);

	/* stores, namespaces and KV versions across objects */
	s = load(ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: x, metadataPolicy: Fetch}\n"
	                 "  - secretKey: b\n    remoteRef: {key: y}\n    sourceRef:\n      storeRef: {name: other, kind: ClusterSecretStore}\n---\n"
	                 "apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata: {name: vault, namespace: apps}\n"
	                 "spec:\n  provider:\n    vault: {server: \"http://v:8200\", path: kv, version: v1, auth: {tokenSecretRef: {name: t, key: token}}}\n---\n"
	                 "apiVersion: external-secrets.io/v1\nkind: ClusterSecretStore\nmetadata: {name: other}\n"
	                 "spec:\n  conditions:\n  - namespaces: [team-a]\n    namespaceRegexes: [\"^prod-\"]\n"
	                 "  provider:\n    vault: {server: \"http://v:8200\", auth: {tokenSecretRef: {name: t, key: token}}}\n");
	assert_true(has_problem(s, "spec.data[0]: metadataPolicy Fetch needs a KV v2 store (\"vault\" is v1)"));
	assert_true(has_problem(s, "using cluster store \"other\" is not allowed from namespace \"apps\": denied by spec.condition"));
	ck_ext_set_free(s);

	/* v1beta1 is accepted, its v1-only fields are not */
	s = load("apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata: {name: b}\n"
	         "spec:\n  secretStoreRef: {name: vault}\n  refreshInterval: 1h0m0s\n"
	         "  data:\n  - secretKey: a\n    remoteRef: {key: x, nullBytePolicy: Fail}\n");
	assert_true(s->es[0]->v1beta1);
	assert_true(has_problem(s, "nullBytePolicy: only in external-secrets.io/v1"));
	assert_int_equal(s->es[0]->problems, 1);
	ck_ext_set_free(s);

	s = load(ES_HEAD "  refreshInterval: 1 hour\n  data:\n  - secretKey: a\n    remoteRef: {key: x}\n");
	assert_true(has_problem(s, "spec.refreshInterval: \"1 hour\" is not a duration"));
	ck_ext_set_free(s);
	s = load(ES_HEAD "  refreshInterval: 1h30m0.5s\n  refreshPolicy: OnChange\n  data:\n  - secretKey: a\n    remoteRef: {key: x}\n"
	         "---\n" ES_HEAD "  refreshInterval: \"0\"\n  data:\n  - secretKey: a\n    remoteRef: {key: x}\n"
	         "---\n" ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: x}\n");
	assert_int_equal(s->nproblems, 0);
	assert_true(s->es[0]->refresh_interval_ms == 5400500);
	assert_int_equal(s->es[0]->refresh_policy, CK_EXT_REFRESH_ON_CHANGE);
	assert_true(s->es[1]->refresh_interval_ms == 0);
	assert_true(s->es[2]->refresh_interval_ms == 3600000);
	assert_int_equal(s->es[2]->refresh_policy, CK_EXT_REFRESH_PERIODIC);
	ck_ext_set_free(s);

	/* an ExternalSecret with problems is never rendered */
	{
		struct ck_ext_secret sec;

		assert_int_equal(render(ES_HEAD "  data:\n  - secretKey: a\n    remoteRef: {key: x, typo: 1}\n",
		                        fake(), &sec, NULL),
		                 CK_EINVAL);
		assert_non_null(strstr(ck_err_last()->msg, "has 1 problem(s)"));
		ck_ext_secret_dispose(&sec);
	}
}

/* Secrets and ConfigMaps beside the manifests, and the ESO docs' mkdocs markers. */
static void test_objects(void **state)
{
	struct ck_ext_set *s;
	size_t n;
	const uint8_t *v;

	(void)state;
	s = load("{% raw %}\napiVersion: v1\nkind: Secret\nmetadata: {name: t, namespace: ns}\n"
	         "data:\n  token: cm9vdA==\n  both: YQ==\nstringData:\n  both: b\n---\n"
	         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\nbinaryData: {bin: AAE=}\n"
	         "{% endraw %}\n");
	assert_int_equal(s->nproblems, 0);
	assert_int_equal(s->nobjects, 2);
	v = ck_ext_map_get(s->objects[0]->data, "token", 5, &n);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "root", 4);
	v = ck_ext_map_get(s->objects[0]->data, "both", 4, &n);
	assert_memory_equal(v, "b", 1); /* stringData wins */
	v = ck_ext_map_get(s->objects[1]->data, "bin", 3, &n);
	assert_int_equal(n, 2);
	assert_memory_equal(v, "\0\1", 2);
	ck_ext_set_free(s);

	s = load("apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ndata: {token: \"!!\"}\n");
	assert_true(has_problem(s, "data.token: not base64"));
	ck_ext_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha3),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_vault_value),
		cmocka_unit_test(test_gjson),
		cmocka_unit_test(test_decoding),
		cmocka_unit_test(test_render_basic),
		cmocka_unit_test(test_extract),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_templates),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_objects),
	};

	if (ck_core_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
