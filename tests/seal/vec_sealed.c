/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed Secrets vectors made by the real Go code (../shared/vectors/sealed-secrets):
 * every ciphertext opens to its plaintext for its scope and no other label;
 * the negative inputs fail; the complete manifests unseal to the recorded
 * Secrets; our writer reproduces the manifests byte for byte; our sealing
 * reproduces their shape and field order.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ck/enc.h"
#include "ck/seal.h"
#include "ck/seal_manifest.h"
#include "ck/secret.h"
#include "ck_test.h"

static const char *dir;
static struct ck_seal_keyring *ring;
static struct ck_rsa *cert_key;

static const char *const manifests[] = {
	"manifest-1-strict",
	"manifest-2-namespace-wide",
	"manifest-3-cluster-wide-template",
};

static struct ck_doc *load(const char *name)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc *d = NULL;

	ckt_readf(&b, "%s/%s", dir, name);
	if (ck_doc_parse(&d, ck_buf_cstr(&b), ck_buf_len(&b), CK_DOC_NO_COMMENTS) != CK_OK)
		fail_msg("%s: %s", name, ck_err_last()->msg);
	ck_buf_dispose(&b);
	return d;
}

static int setup(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_seal_cert_info info;

	dir = ckt_vectors("sealed-secrets");
	if (ck_core_init() != CK_OK || ck_seal_keyring_new(&ring) != CK_OK)
		return -1;
	ckt_readf(&b, "%s/TEST-ONLY-sealed-secrets-key.pem", dir);
	if (ck_seal_keyring_load(ring, ck_buf_cstr(&b), ck_buf_len(&b), "key.pem") != CK_OK)
		return -1;
	ck_buf_reset(&b);
	ckt_readf(&b, "%s/TEST-ONLY-sealed-secrets-cert.pem", dir);
	if (ck_seal_cert_parse(&cert_key, &info, ck_buf_cstr(&b), ck_buf_len(&b), time(NULL)) !=
	    CK_OK)
		return -1;
	ck_buf_dispose(&b);
	return 0;
}

static int teardown(void **state)
{
	ck_seal_keyring_free(ring);
	ck_rsa_free(cert_key);
	return 0;
}

static const char *str(const struct ck_doc_node *m, const char *k)
{
	const char *s = ck_doc_map_get_str(m, k);

	if (s == NULL)
		fail_msg("vectors.json: missing %s", k);
	return s;
}

static void hybrid_vectors(void **state)
{
	struct ck_doc *d = load("vectors.json");
	const struct ck_doc_node *root = d->docs[0], *vs, *neg, *v;
	struct ck_buf pt = CK_BUF_INIT, want = CK_BUF_INIT, label = CK_BUF_INIT, ct = CK_BUF_INIT;
	struct ck_buf fp = CK_BUF_INIT;
	enum ck_seal_scope scope;
	size_t i, opened = 0, refused = 0, negatives = 0, per_scope[3] = { 0 };

	ck_buf_init_secure(&pt, 0);
	/* The key id the controller uses (ssh-keygen -lf style). */
	assert_int_equal(ck_seal_key_fingerprint(&fp, ck_seal_keyring_key(ring, 0)), CK_OK);
	assert_string_equal(ck_buf_cstr(&fp), str(root, "key_fingerprint"));
	ck_buf_reset(&fp);
	assert_int_equal(ck_seal_key_fingerprint(&fp, cert_key), CK_OK);
	assert_string_equal(ck_buf_cstr(&fp), str(root, "key_fingerprint"));

	vs = ck_doc_map_get(root, "vectors");
	assert_non_null(vs);
	for (i = 0; i < vs->nkids; i++) {
		const char *ns, *name, *c, *p64;

		v = vs->kids[i];
		assert_int_equal(ck_seal_scope_parse(&scope, str(v, "scope")), CK_OK);
		ns = str(v, "namespace");
		name = str(v, "name");
		c = str(v, "ciphertext_b64");
		/* Our label rule gives the recorded label. */
		ck_buf_reset(&label);
		assert_int_equal(ck_seal_label(&label, scope, ns, name), CK_OK);
		assert_string_equal(ck_buf_cstr(&label), str(v, "label"));
		/* Format checks: "Ag" prefix (u16be 512), total = 2 + 512 + n + 16. */
		ck_buf_reset(&want);
		ck_buf_reset(&ct);
		p64 = str(v, "plaintext_b64");
		assert_int_equal(ck_b64_decode(&want, p64, strlen(p64), CK_B64_STD, 0), CK_OK);
		assert_int_equal(ck_b64_decode(&ct, c, strlen(c), CK_B64_STD, 0), CK_OK);
		assert_int_equal(strncmp(c, "Ag", 2), 0);
		assert_int_equal(ck_buf_len(&ct), 2 + 512 + ck_buf_len(&want) + 16);

		ck_buf_reset(&pt);
		if (ck_seal_value_open(&pt, ring, scope, ns, name, c, strlen(c), NULL) != CK_OK)
			fail_msg("vector %zu (%s): %s", i, str(v, "note"), ck_err_last()->msg);
		assert_int_equal(ck_buf_len(&pt), ck_buf_len(&want));
		assert_memory_equal(ck_buf_data(&pt), ck_buf_data(&want), ck_buf_len(&want));
		opened++;
		per_scope[scope]++;

		/* Any other binding fails: other namespace, other name, other scopes. */
		ck_buf_reset(&pt);
		if (scope != CK_SEAL_SCOPE_CLUSTER_WIDE) {
			assert_int_equal(ck_seal_value_open(&pt, ring, scope, "elsewhere", name, c,
			                                    strlen(c), NULL),
			                 CK_ENOKEY);
			refused++;
			assert_int_equal(ck_seal_value_open(&pt, ring, CK_SEAL_SCOPE_CLUSTER_WIDE, ns,
			                                    name, c, strlen(c), NULL),
			                 CK_ENOKEY);
			refused++;
		}
		if (scope == CK_SEAL_SCOPE_STRICT) {
			assert_int_equal(ck_seal_value_open(&pt, ring, scope, ns, "renamed", c,
			                                    strlen(c), NULL),
			                 CK_ENOKEY);
			assert_int_equal(ck_seal_value_open(&pt, ring, CK_SEAL_SCOPE_NAMESPACE_WIDE, ns,
			                                    name, c, strlen(c), NULL),
			                 CK_ENOKEY);
			refused += 2;
		} else {
			assert_int_equal(ck_seal_value_open(&pt, ring, CK_SEAL_SCOPE_STRICT,
			                                    ns[0] ? ns : "default",
			                                    name[0] ? name : "x", c, strlen(c), NULL),
			                 CK_ENOKEY);
			refused++;
		}
		assert_int_equal(ck_buf_len(&pt), 0);
	}
	neg = ck_doc_map_get(root, "negative");
	assert_non_null(neg);
	for (i = 0; i < neg->nkids; i++) {
		const char *l = str(neg->kids[i], "label"), *c = str(neg->kids[i], "ciphertext_b64");
		int rc;

		ck_buf_reset(&ct);
		assert_int_equal(ck_b64_decode(&ct, c, strlen(c), CK_B64_STD, 0), CK_OK);
		rc = ck_seal_keyring_open(&pt, ring, l, strlen(l), ck_buf_data(&ct), ck_buf_len(&ct),
		                          NULL);
		if (rc == CK_OK)
			fail_msg("negative %zu (%s) opened", i, str(neg->kids[i], "description"));
		assert_true(rc == CK_ENOKEY || rc == CK_EINVAL);
		negatives++;
	}
	printf("vectors: %zu opened (strict %zu, namespace-wide %zu, cluster-wide %zu), "
	       "%zu wrong bindings refused, %zu negative inputs refused\n",
	       opened, per_scope[0], per_scope[1], per_scope[2], refused, negatives);
	assert_int_equal(per_scope[0] > 0 && per_scope[1] > 0 && per_scope[2] > 0, 1);
	assert_int_equal(negatives, 7);
	ck_buf_dispose(&pt);
	ck_buf_dispose(&want);
	ck_buf_dispose(&label);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&fp);
	ck_doc_free(d);
}

/* Semantic equality of two trees (map order ignored); path names the first difference. */
static int tree_eq(const struct ck_doc_node *a, const struct ck_doc_node *b, char *path,
                   size_t plen)
{
	size_t i, l = strlen(path);

	a = ck_doc_resolve(a);
	b = ck_doc_resolve(b);
	if (a == NULL || b == NULL || a->kind != b->kind)
		return a == b;
	if (a->kind == CK_DOC_SCALAR)
		return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
	if (a->kind == CK_DOC_SEQ) {
		if (a->nkids != b->nkids)
			return 0;
		for (i = 0; i < a->nkids; i++) {
			snprintf(path + l, plen - l, "[%zu]", i);
			if (!tree_eq(a->kids[i], b->kids[i], path, plen))
				return 0;
		}
		path[l] = 0;
		return 1;
	}
	if (ck_doc_map_len(a) != ck_doc_map_len(b))
		return 0;
	for (i = 0; i < ck_doc_map_len(a); i++) {
		const char *k = ck_doc_map_key(a, i)->text;

		snprintf(path + l, plen - l, ".%s", k);
		if (!tree_eq(ck_doc_map_value(a, i), ck_doc_map_get(b, k), path, plen))
			return 0;
	}
	path[l] = 0;
	return 1;
}

static void manifests_unseal(void **state)
{
	static const char *const exts[] = { "yaml", "json" };
	struct ck_seal_unseal_opts uo = { "11111111-2222-3333-4444-555555555555", 0 };
	struct ck_doc *ss, *want, *got = NULL;
	struct ck_seal_sealed rd;
	char name[256], path[1024];
	size_t i, e, n = 0;

	for (i = 0; i < sizeof(manifests) / sizeof(manifests[0]); i++) {
		snprintf(name, sizeof(name), "%s.expected-secret.yaml", manifests[i]);
		want = load(name);
		for (e = 0; e < 2; e++) {
			snprintf(name, sizeof(name), "%s.sealedsecret.%s", manifests[i], exts[e]);
			ss = load(name);
			assert_int_equal(ck_seal_sealed_read(&rd, ss->docs[0], name), CK_OK);
			if (ck_seal_unseal(&got, &rd, ring, &uo) != CK_OK)
				fail_msg("%s: %s", name, ck_err_last()->msg);
			path[0] = 0;
			if (!tree_eq(got->docs[0], want->docs[0], path, sizeof(path))) {
				struct ck_buf b = CK_BUF_INIT;

				(void)ck_seal_manifest_write(&b, got->docs[0], CK_SEAL_FORMAT_YAML);
				fail_msg("%s: unsealed Secret differs at '%s':\n%s", name, path,
				         ck_buf_cstr(&b));
			}
			/* Under another namespace or name the same manifest opens nothing. */
			if (rd.scope != CK_SEAL_SCOPE_CLUSTER_WIDE) {
				struct ck_doc *none = NULL;

				rd.ns = "intruder";
				assert_int_equal(ck_seal_unseal(&none, &rd, ring, &uo), CK_ENOKEY);
				assert_null(none);
			}
			ck_doc_free(got);
			got = NULL;
			ck_doc_free(ss);
			n++;
		}
		ck_doc_free(want);
	}
	printf("manifests: %zu unsealed to the recorded Secrets\n", n);
}

/* Our writer prints the recorded manifests byte for byte (kubeseal's printing). */
static void manifests_print(void **state)
{
	struct ck_buf want = CK_BUF_INIT, got = CK_BUF_INIT;
	struct ck_doc *d;
	char name[256];
	size_t i, same = 0, equal = 0;

	for (i = 0; i < sizeof(manifests) / sizeof(manifests[0]); i++) {
		snprintf(name, sizeof(name), "%s.sealedsecret.json", manifests[i]);
		d = load(name);
		ck_buf_reset(&want);
		ckt_readf(&want, "%s/%s", dir, name);
		ck_buf_reset(&got);
		assert_int_equal(ck_seal_manifest_write(&got, d->docs[0], CK_SEAL_FORMAT_JSON), CK_OK);
		assert_string_equal(ck_buf_cstr(&got), ck_buf_cstr(&want));
		same++;
		snprintf(name, sizeof(name), "%s.sealedsecret.yaml", manifests[i]);
		ck_buf_reset(&want);
		ckt_readf(&want, "%s/%s", dir, name);
		ck_buf_reset(&got);
		assert_int_equal(ck_seal_manifest_write(&got, d->docs[0], CK_SEAL_FORMAT_YAML), CK_OK);
		if (strcmp(ck_buf_cstr(&got), ck_buf_cstr(&want)) == 0) {
			same++;
		} else if (i == 2) {
			/* The vector's driver double-quoted the template string; goyaml.v2
			 * (sigs.k8s.io/yaml) prints it plain, as we do. Same document. */
			struct ck_doc *a = NULL, *b = NULL;
			char path[512] = "";

			assert_int_equal(ck_doc_parse(&a, ck_buf_cstr(&got), ck_buf_len(&got), 0), CK_OK);
			assert_int_equal(ck_doc_parse(&b, ck_buf_cstr(&want), ck_buf_len(&want), 0), CK_OK);
			if (!tree_eq(a->docs[0], b->docs[0], path, sizeof(path)))
				fail_msg("%s: YAML differs at %s", name, path);
			ck_doc_free(a);
			ck_doc_free(b);
			equal++;
		} else {
			fail_msg("%s: YAML differs", name);
		}
		ck_doc_free(d);
	}
	printf("manifests: %zu printed byte for byte, %zu as the same document\n", same, equal);
	ck_buf_dispose(&want);
	ck_buf_dispose(&got);
}

/* Key order of every mapping, creationTimestamp and ciphertext values ignored. */
static int same_shape(const struct ck_doc_node *a, const struct ck_doc_node *b, char *path,
                      size_t plen, int values)
{
	size_t i, j, l = strlen(path);

	a = ck_doc_resolve(a);
	b = ck_doc_resolve(b);
	if (a == NULL || b == NULL || a->kind != b->kind)
		return 0;
	if (a->kind == CK_DOC_SCALAR)
		return !values || (a->len == b->len && memcmp(a->text, b->text, a->len) == 0);
	if (a->kind != CK_DOC_MAP)
		return a->nkids == b->nkids;
	for (i = j = 0; i < ck_doc_map_len(a) || j < ck_doc_map_len(b); i++, j++) {
		const char *ka, *kb;

		while (i < ck_doc_map_len(a) &&
		       strcmp(ck_doc_map_key(a, i)->text, "creationTimestamp") == 0)
			i++;
		while (j < ck_doc_map_len(b) &&
		       strcmp(ck_doc_map_key(b, j)->text, "creationTimestamp") == 0)
			j++;
		if (i >= ck_doc_map_len(a) || j >= ck_doc_map_len(b))
			return i >= ck_doc_map_len(a) && j >= ck_doc_map_len(b);
		ka = ck_doc_map_key(a, i)->text;
		kb = ck_doc_map_key(b, j)->text;
		snprintf(path + l, plen - l, ".%s", ka);
		if (strcmp(ka, kb) != 0 ||
		    !same_shape(ck_doc_map_value(a, i), ck_doc_map_value(b, j), path, plen,
		                values && strcmp(ka, "encryptedData") != 0))
			return 0;
	}
	path[l] = 0;
	return 1;
}

/* Sealing the recorded Secrets gives manifests of the recorded shape and order. */
static void seal_shape_like_kubeseal(void **state)
{
	struct ck_seal_opts o = { 0 };
	struct ck_doc *vec, *in, *out = NULL, *sec = NULL;
	struct ck_buf text = CK_BUF_INIT;
	const struct ck_doc_node *tmpl, *ed;
	char name[256], path[1024];
	size_t i, k;

	o.default_namespace = "default";
	for (i = 0; i < 2; i++) { /* manifest 3 has template.data, which kubeseal never writes */
		snprintf(name, sizeof(name), "%s.sealedsecret.json", manifests[i]);
		vec = load(name);
		tmpl = ck_doc_get_path(vec->docs[0], "spec.template");
		ed = ck_doc_get_path(vec->docs[0], "spec.encryptedData");
		/* The input Secret: the template's metadata, type and immutable, one value per key. */
		ck_buf_reset(&text);
		assert_int_equal(ck_doc_write_json(&text, ck_doc_map_get(tmpl, "metadata"), NULL),
		                 CK_OK);
		{
			struct ck_buf secret = CK_BUF_INIT;
			const struct ck_doc_node *im = ck_doc_map_get(tmpl, "immutable");

			assert_int_equal(ck_buf_printf(&secret,
			                               "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
			                               "\"metadata\":%s,\"type\":\"%s\",%s%s%s"
			                               "\"stringData\":{",
			                               ck_buf_cstr(&text), ck_doc_map_get_str(tmpl, "type"),
			                               im ? "\"immutable\":" : "", im ? im->text : "",
			                               im ? "," : ""),
			                 CK_OK);
			for (k = 0; k < ck_doc_map_len(ed); k++)
				assert_int_equal(ck_buf_printf(&secret, "%s\"%s\":\"v%zu\"", k ? "," : "",
				                               ck_doc_map_key(ed, k)->text, k),
				                 CK_OK);
			assert_int_equal(ck_buf_puts(&secret, "}}"), CK_OK);
			assert_int_equal(ck_doc_parse(&in, ck_buf_cstr(&secret), ck_buf_len(&secret), 0),
			                 CK_OK);
			ck_buf_dispose(&secret);
		}
		assert_int_equal(ck_seal_secret_seal(&out, in->docs[0], cert_key, &o), CK_OK);
		path[0] = 0;
		if (!same_shape(out->docs[0], vec->docs[0], path, sizeof(path), 1))
			fail_msg("%s: our SealedSecret differs in shape at '%s'", name, path);
		/* And what we sealed with the certificate opens with the private key. */
		{
			struct ck_seal_sealed rd;

			assert_int_equal(ck_seal_sealed_read(&rd, out->docs[0], "ours"), CK_OK);
			assert_int_equal(ck_seal_unseal(&sec, &rd, ring, NULL), CK_OK);
			ck_doc_free(sec);
			sec = NULL;
		}
		ck_doc_free(out);
		out = NULL;
		ck_doc_free(in);
		ck_doc_free(vec);
	}
	printf("sealing: 2 Secrets sealed to the recorded manifest shape\n");
	ck_buf_dispose(&text);
}

static void key_secret_backup(void **state)
{
	struct ck_buf b = CK_BUF_INIT, fp1 = CK_BUF_INIT, fp2 = CK_BUF_INIT;
	struct ck_seal_keyring *kr;

	ck_buf_init_secure(&b, 0);
	ckt_readf(&b, "%s/TEST-ONLY-sealed-secrets-key-secret.yaml", dir);
	assert_int_equal(ck_seal_keyring_new(&kr), CK_OK);
	assert_int_equal(ck_seal_keyring_load(kr, ck_buf_cstr(&b), ck_buf_len(&b), "secret.yaml"),
	                 CK_OK);
	assert_int_equal(ck_seal_keyring_count(kr), 1);
	assert_int_equal(ck_seal_key_fingerprint(&fp1, ck_seal_keyring_key(kr, 0)), CK_OK);
	assert_int_equal(ck_seal_key_fingerprint(&fp2, ck_seal_keyring_key(ring, 0)), CK_OK);
	assert_string_equal(ck_buf_cstr(&fp1), ck_buf_cstr(&fp2));
	ck_seal_keyring_free(kr);
	ck_buf_dispose(&b);
	ck_buf_dispose(&fp1);
	ck_buf_dispose(&fp2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hybrid_vectors),
		cmocka_unit_test(manifests_unseal),
		cmocka_unit_test(manifests_print),
		cmocka_unit_test(seal_shape_like_kubeseal),
		cmocka_unit_test(key_secret_backup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
