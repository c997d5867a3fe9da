/* SPDX-License-Identifier: Apache-2.0 */
/* SealedSecret model: sealing a Secret, output shape, unsealing, templates, merge, kubeconfig. */
#include <stdio.h>
#include <string.h>

#include "ck/enc.h"
#include "ck/file.h"
#include "ck/rsa.h"
#include "ck/seal.h"
#include "ck/seal_manifest.h"
#include "ck/secret.h"
#include "ck_test.h"

#define TXT(s) s, strlen(s)

static struct ck_rsa *key_a, *key_b;
static struct ck_seal_keyring *ring;

static int setup(void **state)
{
	if (ck_core_init() != CK_OK || ck_rsa_generate(&key_a, 2048) != CK_OK ||
	    ck_rsa_generate(&key_b, 2048) != CK_OK || ck_seal_keyring_new(&ring) != CK_OK ||
	    ck_seal_keyring_add(ring, key_b) != CK_OK || ck_seal_keyring_add(ring, key_a) != CK_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	ck_seal_keyring_free(ring);
	ck_rsa_free(key_a);
	ck_rsa_free(key_b);
	return 0;
}

static struct ck_doc *parse(const char *text)
{
	struct ck_doc *d = NULL;

	if (ck_doc_parse(&d, text, strlen(text), 0) != CK_OK)
		fail_msg("parse: %s", ck_err_last()->msg);
	return d;
}

/* Seal a Secret text (one document) with default options plus the given ones. */
static int seal_text(struct ck_doc **out, const char *text, const struct ck_seal_opts *o)
{
	struct ck_doc *in = parse(text);
	int rc = ck_seal_secret_seal(out, in->docs[0], key_a, o);

	ck_doc_free(in);
	return rc;
}

/* The map keys of node in order, joined by ','. */
static const char *keys_of(const struct ck_doc_node *n)
{
	static char buf[1024];
	size_t i, off = 0;

	buf[0] = 0;
	for (i = 0; i < ck_doc_map_len(n) && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? "," : "",
		                        ck_doc_map_key(n, i)->text);
	return buf;
}

static void unseal_root(struct ck_doc **out, const struct ck_doc_node *root)
{
	struct ck_seal_sealed ss;

	if (ck_seal_sealed_read(&ss, root, "test") != CK_OK)
		fail_msg("read: %s", ck_err_last()->msg);
	if (ck_seal_unseal(out, &ss, ring, NULL) != CK_OK)
		fail_msg("unseal: %s", ck_err_last()->msg);
}

/* data[key] of an unsealed Secret, base64-decoded. */
static const char *plain(const struct ck_doc_node *secret, const char *key)
{
	static struct ck_buf b = CK_BUF_INIT;
	const char *v = ck_doc_map_get_str(ck_doc_map_get(secret, "data"), key);

	ck_buf_dispose(&b);
	if (v == NULL)
		return NULL;
	if (ck_b64_decode(&b, v, strlen(v), CK_B64_STD, 0) != CK_OK)
		fail_msg("data.%s is not base64", key);
	return ck_buf_cstr(&b);
}

static const char secret_full[] =
	"apiVersion: v1\n"
	"kind: Secret\n"
	"metadata:\n"
	"  name: app\n"
	"  namespace: shop\n"
	"  uid: 0a1b\n"
	"  resourceVersion: \"5\"\n"
	"  creationTimestamp: \"2024-01-01T00:00:00Z\"\n"
	"  labels: {tier: backend, app.kubernetes.io/name: shop, key10: x, key9: y}\n"
	"  annotations:\n"
	"    example.com/owner: team\n"
	"    kubectl.kubernetes.io/last-applied-configuration: '{\"data\":\"leak\"}'\n"
	"  ownerReferences: [{apiVersion: v1, kind: X, name: y, uid: z}]\n"
	"type: Opaque\n"
	"data:\n"
	"  b: czNjcjN0IQ==\n"
	"  c: \"\"\n"
	"stringData:\n"
	"  a: plain text\n"
	"  b: override\n";

static void seal_shape(void **state)
{
	struct ck_seal_opts o = { 0 };
	struct ck_doc *ss = NULL, *sec = NULL;
	const struct ck_doc_node *r, *t, *ed;
	struct ck_buf js = CK_BUF_INIT, ym = CK_BUF_INIT, want = CK_BUF_INIT;

	o.default_namespace = "unused";
	assert_int_equal(seal_text(&ss, secret_full, &o), CK_OK);
	r = ss->docs[0];
	/* kubeseal's JSON field order (Go structs), maps sorted. */
	assert_string_equal(keys_of(r), "kind,apiVersion,metadata,spec");
	assert_string_equal(keys_of(ck_doc_map_get(r, "metadata")), "name,namespace");
	assert_string_equal(keys_of(ck_doc_map_get(r, "spec")), "template,encryptedData");
	t = ck_doc_get_path(r, "spec.template");
	assert_string_equal(keys_of(t), "metadata,type");
	assert_string_equal(keys_of(ck_doc_map_get(t, "metadata")),
	                    "name,namespace,labels,annotations");
	assert_string_equal(keys_of(ck_doc_get_path(t, "metadata.labels")),
	                    "app.kubernetes.io/name,key10,key9,tier");
	/* last-applied (a plaintext copy) and server fields are gone. */
	assert_string_equal(keys_of(ck_doc_get_path(t, "metadata.annotations")),
	                    "example.com/owner");
	ed = ck_doc_get_path(r, "spec.encryptedData");
	assert_string_equal(keys_of(ed), "a,b,c");
	assert_int_equal(strncmp(ck_doc_map_get_str(ed, "a"), "AQ", 2), 0);

	/* The whole JSON text, ciphertexts substituted. */
	assert_int_equal(ck_seal_manifest_write(&js, r, CK_SEAL_FORMAT_JSON), CK_OK);
	assert_int_equal(
		ck_buf_printf(&want,
		              "{\n  \"kind\": \"SealedSecret\",\n  \"apiVersion\": \"bitnami.com/v1alpha1\",\n"
		              "  \"metadata\": {\n    \"name\": \"app\",\n    \"namespace\": \"shop\"\n  },\n"
		              "  \"spec\": {\n    \"template\": {\n      \"metadata\": {\n"
		              "        \"name\": \"app\",\n        \"namespace\": \"shop\",\n"
		              "        \"labels\": {\n          \"app.kubernetes.io/name\": \"shop\",\n"
		              "          \"key10\": \"x\",\n          \"key9\": \"y\",\n"
		              "          \"tier\": \"backend\"\n        },\n"
		              "        \"annotations\": {\n          \"example.com/owner\": \"team\"\n"
		              "        }\n      },\n      \"type\": \"Opaque\"\n    },\n"
		              "    \"encryptedData\": {\n      \"a\": \"%s\",\n      \"b\": \"%s\",\n"
		              "      \"c\": \"%s\"\n    }\n  }\n}\n",
		              ck_doc_map_get_str(ed, "a"), ck_doc_map_get_str(ed, "b"),
		              ck_doc_map_get_str(ed, "c")),
		CK_OK);
	assert_string_equal(ck_buf_cstr(&js), ck_buf_cstr(&want));

	/* YAML: "---", keys sorted as sigs.k8s.io/yaml (key9 before key10). */
	assert_int_equal(ck_seal_manifest_write(&ym, r, CK_SEAL_FORMAT_YAML), CK_OK);
	ck_buf_reset(&want);
	assert_int_equal(
		ck_buf_printf(&want,
		              "---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n"
		              "  name: app\n  namespace: shop\nspec:\n  encryptedData:\n"
		              "    a: %s\n    b: %s\n    c: %s\n  template:\n    metadata:\n"
		              "      annotations:\n        example.com/owner: team\n      labels:\n"
		              "        app.kubernetes.io/name: shop\n        key9: \"y\"\n"
		              "        key10: x\n        tier: backend\n      name: app\n"
		              "      namespace: shop\n    type: Opaque\n",
		              ck_doc_map_get_str(ed, "a"), ck_doc_map_get_str(ed, "b"),
		              ck_doc_map_get_str(ed, "c")),
		CK_OK);
	assert_string_equal(ck_buf_cstr(&ym), ck_buf_cstr(&want));

	/* It opens: stringData won over data for "b"; "c" is empty. */
	unseal_root(&sec, r);
	assert_string_equal(plain(sec->docs[0], "a"), "plain text");
	assert_string_equal(plain(sec->docs[0], "b"), "override");
	assert_string_equal(plain(sec->docs[0], "c"), "");
	assert_string_equal(ck_doc_get_path(sec->docs[0], "metadata.name")->text, "app");
	assert_string_equal(ck_doc_map_get_str(sec->docs[0], "type"), "Opaque");
	ck_doc_free(sec);
	ck_doc_free(ss);
	ck_buf_dispose(&js);
	ck_buf_dispose(&ym);
	ck_buf_dispose(&want);
}

static void scopes_and_namespaces(void **state)
{
	struct ck_seal_opts o = { 0 };
	struct ck_doc *ss = NULL, *sec = NULL;
	const struct ck_doc_node *r;
	struct ck_seal_sealed rd;

	/* The Secret's annotation picks namespace-wide; written in both places. */
	o.default_namespace = "kc";
	assert_int_equal(seal_text(&ss,
	                           "kind: Secret\nmetadata:\n  name: n\n  annotations:\n"
	                           "    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n"
	                           "stringData: {k: v}\n",
	                           &o),
	                 CK_OK);
	r = ss->docs[0];
	assert_string_equal(ck_doc_get_path(r, "metadata.namespace")->text, "kc");
	assert_string_equal(
		ck_doc_map_get_str(ck_doc_get_path(r, "metadata.annotations"),
		                   CK_SEAL_ANNO_NAMESPACE_WIDE),
		"true");
	assert_string_equal(
		ck_doc_map_get_str(ck_doc_get_path(r, "spec.template.metadata.annotations"),
		                   CK_SEAL_ANNO_NAMESPACE_WIDE),
		"true");
	assert_int_equal(ck_seal_sealed_read(&rd, r, "t"), CK_OK);
	assert_int_equal(rd.scope, CK_SEAL_SCOPE_NAMESPACE_WIDE);
	/* Namespace-wide: another name in the same namespace still opens. */
	assert_int_equal(ck_doc_set_text(ss, ck_doc_get_path(r, "metadata.name"), TXT("renamed"),
	                                 CK_DOC_STYLE_ANY),
	                 CK_OK);
	unseal_root(&sec, r);
	assert_string_equal(plain(sec->docs[0], "k"), "v");
	assert_string_equal(ck_doc_get_path(sec->docs[0], "metadata.name")->text, "renamed");
	ck_doc_free(sec);
	ck_doc_free(ss);

	/* --scope cluster-wide replaces the annotation; no namespace is invented. */
	o.scope_set = 1;
	o.scope = CK_SEAL_SCOPE_CLUSTER_WIDE;
	assert_int_equal(seal_text(&ss,
	                           "kind: Secret\nmetadata:\n  name: n\n  annotations:\n"
	                           "    sealedsecrets.bitnami.com/namespace-wide: \"true\"\n"
	                           "data: {k: dg==}\n",
	                           &o),
	                 CK_OK);
	r = ss->docs[0];
	assert_null(ck_doc_get_path(r, "metadata.namespace"));
	assert_string_equal(keys_of(ck_doc_get_path(r, "metadata.annotations")),
	                    CK_SEAL_ANNO_CLUSTER_WIDE);
	assert_string_equal(keys_of(ck_doc_get_path(r, "spec.template.metadata.annotations")),
	                    CK_SEAL_ANNO_CLUSTER_WIDE);
	ck_doc_free(ss);

	/* Strict by default: the label binds namespace and name. */
	o.scope_set = 0;
	assert_int_equal(seal_text(&ss, "kind: Secret\nmetadata: {name: n, namespace: a}\n"
	                                "stringData: {k: v}\n",
	                           &o),
	                 CK_OK);
	r = ss->docs[0];
	assert_null(ck_doc_get_path(r, "metadata.annotations"));
	assert_int_equal(ck_doc_set_text(ss, ck_doc_get_path(r, "metadata.namespace"), TXT("b"),
	                                 CK_DOC_STYLE_ANY),
	                 CK_OK);
	assert_int_equal(ck_seal_sealed_read(&rd, r, "t"), CK_OK);
	assert_int_equal(ck_seal_unseal(&sec, &rd, ring, NULL), CK_ENOKEY);
	assert_string_equal(ck_err_last()->msg, "seal: b/n: no key could decrypt secret (k)");
	ck_doc_free(ss);

	/* -n given and different from the input's: refused (not for cluster-wide). */
	o.ns_flag = "other";
	assert_int_equal(seal_text(&ss, "kind: Secret\nmetadata: {name: n, namespace: a}\n"
	                                "stringData: {k: v}\n",
	                           &o),
	                 CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "namespace mismatch: input secret is in "
	                                           "namespace \"a\" but \"other\" was specified"));
	assert_int_equal(seal_text(&ss, "kind: Secret\nmetadata: {name: n}\nstringData: {k: v}\n", &o),
	                 CK_OK);
	assert_string_equal(ck_doc_get_path(ss->docs[0], "metadata.namespace")->text, "other");
	ck_doc_free(ss);
	/* --name overrides the input's name. */
	o.ns_flag = NULL;
	o.name = "over";
	assert_int_equal(seal_text(&ss, "kind: Secret\nmetadata: {name: n, namespace: a}\n"
	                                "stringData: {k: v}\n",
	                           &o),
	                 CK_OK);
	assert_string_equal(ck_doc_get_path(ss->docs[0], "metadata.name")->text, "over");
	assert_string_equal(ck_doc_get_path(ss->docs[0], "spec.template.metadata.name")->text,
	                    "over");
	ck_doc_free(ss);
}

static void bad_inputs(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "kind: ConfigMap\nmetadata: {name: n}\ndata: {a: dg==}\n", "not a Secret (kind: ConfigMap)" },
		{ "- a\n- b\n", "not a Secret" },
		{ "kind: Secret\nmetadata: {namespace: x}\ndata: {a: dg==}\n",
		  "missing metadata.name in input Secret" },
		{ "kind: Secret\nmetadata: {name: n}\ndata: {pw: 'not base64!'}\n",
		  "data.pw: invalid base64" },
		{ "kind: Secret\nmetadata: {name: n}\ndata: {pw: 'dg'}\n", "data.pw: invalid base64" },
		{ "kind: Secret\nmetadata: {name: n}\nstringData: {port: 5432}\n",
		  "stringData.port: not a string" },
		{ "kind: Secret\nmetadata: {name: n}\n", "secret.data is empty in input Secret" },
		{ "kind: Secret\nmetadata: {name: n}\ndata: {}\nimmutable: maybe\n",
		  "immutable: not a boolean" },
		{ "kind: Secret\nmetadata: {name: n, labels: [a]}\ndata: {a: dg==}\n",
		  "metadata.labels: expected a mapping" },
	};
	struct ck_seal_opts o = { 0 };
	struct ck_doc *ss = NULL;
	struct ck_buf out = CK_BUF_INIT;
	size_t i;

	o.source = "in.yaml";
	o.default_namespace = "default";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ss = NULL;
		assert_int_equal(seal_text(&ss, cases[i].text, &o), CK_EINVAL);
		assert_null(ss);
		if (strstr(ck_err_last()->msg, cases[i].msg) == NULL ||
		    strncmp(ck_err_last()->msg, "seal: in.yaml", 13) != 0)
			fail_msg("case %zu: got '%s'", i, ck_err_last()->msg);
		/* Never a secret byte in a message. */
		assert_null(strstr(ck_err_last()->msg, "not base64!"));
	}
	/* --allow-empty-data: an empty encryptedData is written ({}). */
	o.allow_empty_data = 1;
	assert_int_equal(seal_text(&ss, "kind: Secret\nmetadata: {name: n}\n", &o), CK_OK);
	assert_int_equal(ck_seal_manifest_write(&out, ss->docs[0], CK_SEAL_FORMAT_JSON), CK_OK);
	assert_non_null(strstr(ck_buf_cstr(&out), "\"encryptedData\": {}"));
	ck_doc_free(ss);
	/* No namespace anywhere, strict: refused. */
	o.default_namespace = NULL;
	assert_int_equal(seal_text(&ss, "kind: Secret\nmetadata: {name: n}\n", &o), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "secret must declare a namespace"));
	/* Streams: empty documents skipped, none at all is an error, output untouched. */
	ck_buf_reset(&out);
	assert_int_equal(ck_seal_stream_seal(&out, TXT("---\n---\n"), key_a, &o,
	                                     CK_SEAL_FORMAT_YAML),
	                 CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "no secrets found"));
	o.default_namespace = "d";
	assert_int_equal(ck_seal_stream_seal(&out, TXT("kind: Secret\nmetadata: {name: a}\n"
	                                               "stringData: {k: v}\n---\nkind: Secret\n"
	                                               "metadata: {name: b}\ndata: {k: '**'}\n"),
	                                     key_a, &o, CK_SEAL_FORMAT_YAML),
	                 CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "in.yaml (document 2): data.k"));
	assert_int_equal(ck_buf_len(&out), 0);
	assert_int_equal(ck_seal_stream_seal(&out, TXT("kind: Secret\nmetadata: {name: a}\n"
	                                               "stringData: {k: v}\n---\n---\nkind: Secret\n"
	                                               "metadata: {name: b}\ndata: {k: dg==}\n"),
	                                     key_a, &o, CK_SEAL_FORMAT_YAML),
	                 CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&out), "---\n", 4), 0);
	assert_non_null(strstr(ck_buf_cstr(&out) + 4, "---\napiVersion: bitnami.com/v1alpha1"));
	ck_buf_dispose(&out);
}

static void unseal_templates_and_owner(void **state)
{
	struct ck_buf ct = CK_BUF_INIT, text = CK_BUF_INIT, out = CK_BUF_INIT;
	struct ck_seal_unseal_opts uo = { "uid-1", 0 };
	struct ck_seal_sealed rd;
	struct ck_doc *d, *sec = NULL;
	const struct ck_doc_node *s, *ref;

	/* Cluster-wide values, so the manifest can be written by hand. */
	assert_int_equal(ck_seal_value_seal(&ct, key_a, CK_SEAL_SCOPE_CLUSTER_WIDE, "", "", "s3cr3t",
	                                    6),
	                 CK_OK);
	assert_int_equal(
		ck_buf_printf(&text,
		              "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n"
		              "metadata:\n  name: app\n  namespace: prod\n  annotations:\n"
		              "    sealedsecrets.bitnami.com/cluster-wide: \"true\"\n"
		              "spec:\n  encryptedData:\n    pass: %s\n    user-name: %s\n    gone: %s\n"
		              "    ignored: [not, a, string]\n"
		              "  template:\n    metadata:\n      name: ignored\n      namespace: ignored\n"
		              "      labels: {l: v}\n      finalizers: [f1]\n"
		              "    type: kubernetes.io/basic-auth\n    immutable: false\n"
		              "    data:\n      url: 'x://{{ index . \"user-name\" }}:{{ .pass }}@h'\n"
		              "      upper: '{{ .pass | upper }}-{{ b64enc .pass }}-{{ .missing }}'\n"
		              "      trimmed: \"a  {{- \\\" b \\\" -}}  c{{/* note */}}\"\n"
		              "      gone: null\n",
		              ck_buf_cstr(&ct), ck_buf_cstr(&ct), ck_buf_cstr(&ct)),
		CK_OK);
	d = parse(ck_buf_cstr(&text));
	assert_int_equal(ck_seal_sealed_read(&rd, d->docs[0], "t.yaml"), CK_OK);
	assert_int_equal(rd.scope, CK_SEAL_SCOPE_CLUSTER_WIDE);
	assert_int_equal(ck_seal_unseal(&sec, &rd, ring, &uo), CK_OK);
	s = sec->docs[0];
	assert_string_equal(keys_of(s), "kind,apiVersion,metadata,immutable,data,type");
	assert_string_equal(keys_of(ck_doc_map_get(s, "data")), "pass,trimmed,upper,url,user-name");
	assert_string_equal(plain(s, "url"), "x://s3cr3t:s3cr3t@h");
	assert_string_equal(plain(s, "upper"), "S3CR3T-czNjcjN0-<no value>");
	assert_string_equal(plain(s, "trimmed"), "a b c");
	assert_string_equal(ck_doc_get_path(s, "metadata.name")->text, "app");
	assert_string_equal(ck_doc_get_path(s, "metadata.namespace")->text, "prod");
	assert_string_equal(keys_of(ck_doc_map_get(s, "metadata")),
	                    "name,namespace,labels,ownerReferences,finalizers");
	ref = ck_doc_get_path(s, "metadata.ownerReferences")->kids[0];
	assert_string_equal(keys_of(ref), "apiVersion,kind,name,uid,controller");
	assert_string_equal(ck_doc_map_get_str(ref, "uid"), "uid-1");
	assert_string_equal(ck_doc_map_get(ref, "controller")->text, "true");
	/* Printed as kubeseal --recovery-unseal prints a Secret. */
	assert_int_equal(ck_seal_manifest_write(&out, s, CK_SEAL_FORMAT_YAML), CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&out), "---\napiVersion: v1\ndata:\n", 25), 0);
	ck_doc_free(sec);
	ck_doc_free(d);

	/* Unsupported template syntax fails the item, never renders wrongly; skip-owner. */
	ck_buf_reset(&text);
	assert_int_equal(
		ck_buf_printf(&text,
		              "{\"kind\":\"SealedSecret\",\"metadata\":{\"name\":\"a\",\"annotations\":"
		              "{\"sealedsecrets.bitnami.com/cluster-wide\":\"true\"}},\"spec\":{"
		              "\"encryptedData\":{\"p\":\"%s\"},\"template\":{\"metadata\":"
		              "{\"annotations\":{\"sealedsecrets.bitnami.com/skip-set-owner-references\":"
		              "\"true\"}},\"data\":{\"x\":\"{{ if .p }}y{{ end }}\",\"z\":"
		              "\"{{ env \\\"HOME\\\" }}\"}}}}",
		              ck_buf_cstr(&ct)),
		CK_OK);
	d = parse(ck_buf_cstr(&text));
	assert_int_equal(ck_seal_sealed_read(&rd, d->docs[0], "t.json"), CK_OK);
	assert_int_equal(ck_seal_unseal(&sec, &rd, ring, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "control structures are not supported"));
	assert_non_null(strstr(ck_err_last()->msg, "(x)"));
	assert_non_null(strstr(ck_err_last()->msg, "function \"env\" not defined"));
	ck_doc_free(d);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&text);
	ck_buf_dispose(&out);
}

static void legacy_data(void **state)
{
	static const char inner[] =
		"{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\",\"namespace\":"
		"\"y\",\"labels\":{\"l\":\"1\"}},\"data\":{\"k\":\"dg==\"},\"stringData\":{\"s\":\"t\"},"
		"\"type\":\"Opaque\"}";
	struct ck_buf ct = CK_BUF_INIT, text = CK_BUF_INIT;
	struct ck_seal_unseal_opts uo = { NULL, 1 };
	struct ck_seal_sealed rd;
	struct ck_doc *d, *sec = NULL;

	assert_int_equal(ck_seal_value_seal(&ct, key_b, CK_SEAL_SCOPE_STRICT, "ns", "legacy", inner,
	                                    strlen(inner)),
	                 CK_OK);
	assert_int_equal(ck_buf_printf(&text,
	                               "kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\n"
	                               "metadata: {name: legacy, namespace: ns, uid: u9}\n"
	                               "spec:\n  data: %s\n",
	                               ck_buf_cstr(&ct)),
	                 CK_OK);
	d = parse(ck_buf_cstr(&text));
	assert_int_equal(ck_seal_sealed_read(&rd, d->docs[0], "l.yaml"), CK_OK);
	assert_non_null(rd.legacy_data);
	assert_int_equal(ck_seal_unseal(&sec, &rd, ring, NULL), CK_OK);
	/* Name and namespace forced to the SealedSecret's; stringData folded into data. */
	assert_string_equal(ck_doc_get_path(sec->docs[0], "metadata.name")->text, "legacy");
	assert_string_equal(ck_doc_get_path(sec->docs[0], "metadata.namespace")->text, "ns");
	assert_string_equal(ck_doc_get_path(sec->docs[0], "metadata.labels.l")->text, "1");
	assert_string_equal(plain(sec->docs[0], "k"), "v");
	assert_string_equal(plain(sec->docs[0], "s"), "t");
	assert_string_equal(
		ck_doc_map_get_str(ck_doc_get_path(sec->docs[0], "metadata.ownerReferences")->kids[0],
		                   "uid"),
		"u9");
	ck_doc_free(sec);
	sec = NULL;
	assert_int_equal(ck_seal_unseal(&sec, &rd, ring, &uo), CK_EUNSUPPORTED);
	assert_non_null(strstr(ck_err_last()->msg, "using deprecated 'data' field"));
	ck_doc_free(d);
	/* Both forms at once: refused. */
	ck_buf_reset(&text);
	assert_int_equal(ck_buf_printf(&text,
	                               "kind: SealedSecret\nmetadata: {name: legacy, namespace: ns}\n"
	                               "spec:\n  data: %s\n  encryptedData: {a: %s}\n",
	                               ck_buf_cstr(&ct), ck_buf_cstr(&ct)),
	                 CK_OK);
	d = parse(ck_buf_cstr(&text));
	assert_int_equal(ck_seal_sealed_read(&rd, d->docs[0], "l.yaml"), CK_OK);
	assert_int_equal(ck_seal_unseal(&sec, &rd, ring, NULL), CK_EINVAL);
	assert_non_null(strstr(ck_err_last()->msg, "at the same time"));
	ck_doc_free(d);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&text);
}

static void reader_checks(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "kind: Secret\nmetadata: {name: a}\nspec: {}\n", "not a SealedSecret (kind: Secret)" },
		{ "kind: SealedSecret\napiVersion: v1\nmetadata: {name: a}\nspec: {}\n", "apiVersion" },
		{ "kind: SealedSecret\nspec: {}\n", "metadata" },
		{ "kind: SealedSecret\nmetadata: {namespace: a}\nspec: {}\n", "metadata.name" },
		{ "kind: SealedSecret\nmetadata: {name: a}\n", "spec" },
		{ "kind: SealedSecret\nmetadata: {name: a}\nspec: {template: [1]}\n", "spec.template" },
		{ "kind: SealedSecret\nmetadata: {name: a, annotations: {x: [1]}}\nspec: {}\n",
		  "metadata.annotations.x" },
	};
	struct ck_seal_sealed rd;
	struct ck_doc *d;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		d = parse(cases[i].text);
		assert_int_equal(ck_seal_sealed_read(&rd, d->docs[0], "f.yaml"), CK_EINVAL);
		if (strstr(ck_err_last()->msg, cases[i].msg) == NULL)
			fail_msg("case %zu: got '%s'", i, ck_err_last()->msg);
		ck_doc_free(d);
	}
	/* A /v1/rotate answer (no kind/apiVersion) and an odd encryptedData are accepted. */
	d = parse("metadata: {name: a}\nspec: {encryptedData: 5}\n");
	assert_int_equal(ck_seal_sealed_read(&rd, d->docs[0], "f.yaml"), CK_OK);
	assert_null(rd.encrypted_data);
	assert_string_equal(rd.ns, "");
	ck_doc_free(d);
}

/* The line of `text` that starts with `prefix` (copied), or "". */
static const char *line_of(const char *text, const char *prefix)
{
	static char buf[4096];
	const char *p = strstr(text, prefix), *e;

	buf[0] = 0;
	if (p != NULL) {
		e = strchr(p, '\n');
		snprintf(buf, sizeof(buf), "%.*s", (int)(e ? e - p : (long)strlen(p)), p);
	}
	return buf;
}

/* Whether the document layer writes back a comment it read (doc milestone 2). */
static int doc_keeps_comments(void)
{
	struct ck_doc *d = parse("# c\na: b\n");
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;
	int kept;

	kept = ck_doc_write_yaml(&b, d, &yo) == CK_OK && strstr(ck_buf_cstr(&b), "# c") != NULL;
	ck_buf_dispose(&b);
	ck_doc_free(d);
	return kept;
}

static void merge_into(void **state)
{
	struct ck_seal_opts o = { 0 };
	struct ck_buf file = CK_BUF_INIT, out = CK_BUF_INIT, js = CK_BUF_INIT, out2 = CK_BUF_INIT;
	struct ck_doc *d, *sec = NULL;
	char old_a[4096], old_c[4096], old_b[4096];

	o.default_namespace = "d";
	o.source = "stdin";
	assert_int_equal(ck_buf_puts(&file, "# team secrets: keep this comment\n"), CK_OK);
	assert_int_equal(ck_seal_stream_seal(&file,
	                                     TXT("kind: Secret\nmetadata:\n  name: m\n  namespace: ns\n"
	                                         "  annotations:\n"
	                                         "    sealedsecrets.bitnami.com/namespace-wide: "
	                                         "\"true\"\nstringData: {a: A, b: B, c: C}\n"),
	                                     key_a, &o, CK_SEAL_FORMAT_YAML),
	                 CK_OK);
	snprintf(old_a, sizeof(old_a), "%s", line_of(ck_buf_cstr(&file), "    a: "));
	snprintf(old_b, sizeof(old_b), "%s", line_of(ck_buf_cstr(&file), "    b: "));
	snprintf(old_c, sizeof(old_c), "%s", line_of(ck_buf_cstr(&file), "    c: "));
	assert_true(strlen(old_a) > 100);

	/* The Secret has no namespace/scope of its own: the file's are used. */
	assert_int_equal(ck_seal_merge(&out, ck_buf_cstr(&file), ck_buf_len(&file), "m.yaml",
	                               TXT("kind: Secret\nmetadata: {name: whatever}\n"
	                                   "stringData: {b: B2, aa: new}\n"
	                                   "type: Opaque\n"),
	                               key_b, &o, -1),
	                 CK_OK);
	/* Other keys' lines are byte-identical; the comment and YAML form stay. */
	assert_string_equal(line_of(ck_buf_cstr(&out), "    a: "), old_a);
	assert_string_equal(line_of(ck_buf_cstr(&out), "    c: "), old_c);
	assert_string_not_equal(line_of(ck_buf_cstr(&out), "    b: "), old_b);
	if (doc_keeps_comments())
		assert_int_equal(strncmp(ck_buf_cstr(&out), "# team secrets: keep this comment\n", 34),
		                 0);
	else
		printf("note: the document layer does not keep comments yet; not checked\n");
	/* The new key lands in sorted position. */
	assert_true(strstr(ck_buf_cstr(&out), "    a: ") < strstr(ck_buf_cstr(&out), "    aa: "));
	assert_true(strstr(ck_buf_cstr(&out), "    aa: ") < strstr(ck_buf_cstr(&out), "    b: "));
	d = parse(ck_buf_cstr(&out));
	unseal_root(&sec, d->docs[0]);
	assert_string_equal(plain(sec->docs[0], "a"), "A");
	assert_string_equal(plain(sec->docs[0], "aa"), "new");
	assert_string_equal(plain(sec->docs[0], "b"), "B2");
	assert_string_equal(plain(sec->docs[0], "c"), "C");
	ck_doc_free(sec);
	sec = NULL;

	/* A JSON file stays JSON; an explicit -o yaml converts. */
	assert_int_equal(ck_seal_manifest_write(&js, d->docs[0], CK_SEAL_FORMAT_JSON), CK_OK);
	ck_doc_free(d);
	assert_int_equal(ck_seal_merge(&out2, ck_buf_cstr(&js), ck_buf_len(&js), "m.json",
	                               TXT("{\"kind\":\"Secret\",\"stringData\":{\"z\":\"zz\"}}"),
	                               key_a, &o, -1),
	                 CK_OK);
	assert_int_equal(ck_buf_cstr(&out2)[0], '{');
	assert_non_null(strstr(ck_buf_cstr(&out2), line_of(ck_buf_cstr(&js), "      \"a\": ")));
	d = parse(ck_buf_cstr(&out2));
	unseal_root(&sec, d->docs[0]);
	assert_string_equal(plain(sec->docs[0], "z"), "zz");
	assert_string_equal(plain(sec->docs[0], "a"), "A");
	ck_doc_free(sec);
	ck_doc_free(d);
	ck_buf_reset(&out2);
	assert_int_equal(ck_seal_merge(&out2, ck_buf_cstr(&js), ck_buf_len(&js), "m.json",
	                               TXT("{\"kind\":\"Secret\",\"stringData\":{\"z\":\"zz\"}}"),
	                               key_a, &o, CK_SEAL_FORMAT_YAML),
	                 CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&out2), "---\napiVersion:", 15), 0);

	/* A --scope that contradicts the file's is refused; nothing is produced. */
	ck_buf_reset(&out2);
	o.scope_set = 1;
	o.scope = CK_SEAL_SCOPE_STRICT;
	assert_int_equal(ck_seal_merge(&out2, ck_buf_cstr(&js), ck_buf_len(&js), "m.json",
	                               TXT("{\"kind\":\"Secret\",\"stringData\":{\"z\":\"zz\"}}"),
	                               key_a, &o, -1),
	                 CK_EUSAGE);
	assert_int_equal(ck_buf_len(&out2), 0);
	o.scope_set = 0;
	/* Bad Secret input: nothing produced. */
	assert_int_equal(ck_seal_merge(&out2, ck_buf_cstr(&js), ck_buf_len(&js), "m.json",
	                               TXT("kind: Secret\ndata: {z: '!'}\n"), key_a, &o, -1),
	                 CK_EINVAL);
	assert_int_equal(ck_buf_len(&out2), 0);
	ck_buf_dispose(&file);
	ck_buf_dispose(&out);
	ck_buf_dispose(&out2);
	ck_buf_dispose(&js);
}

static void kubeconfig(void **state)
{
	const char *dir = ckt_tmpdir();
	char a[4096], b[4096], list[8300];
	struct ck_buf ns = CK_BUF_INIT;
	static const char ka[] = "apiVersion: v1\nkind: Config\ncontexts:\n"
	                         "- name: dev\n  context: {cluster: c, namespace: first}\n";
	static const char kb[] = "apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n"
	                         "- name: dev\n  context: {cluster: c, namespace: second}\n"
	                         "- name: bare\n  context: {cluster: c}\n";

	snprintf(a, sizeof(a), "%s/a.kubeconfig", dir);
	snprintf(b, sizeof(b), "%s/b.kubeconfig", dir);
	assert_int_equal(ck_file_write_atomic(a, ka, strlen(ka), 0600), CK_OK);
	assert_int_equal(ck_file_write_atomic(b, kb, strlen(kb), 0600), CK_OK);
	/* current-context from b, but the first definition of "dev" (in a) wins. */
	snprintf(list, sizeof(list), "%s/missing:%s:%s", dir, a, b);
	assert_int_equal(ck_seal_kubeconfig_namespace(&ns, list, 0, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&ns), "first");
	ck_buf_reset(&ns);
	assert_int_equal(ck_seal_kubeconfig_namespace(&ns, b, 1, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&ns), "second");
	ck_buf_reset(&ns);
	assert_int_equal(ck_seal_kubeconfig_namespace(&ns, b, 1, "bare"), CK_OK);
	assert_string_equal(ck_buf_cstr(&ns), "default");
	ck_buf_reset(&ns);
	assert_int_equal(ck_seal_kubeconfig_namespace(&ns, b, 1, "nope"), CK_ENOTFOUND);
	assert_int_equal(ck_seal_kubeconfig_namespace(&ns, "/nonexistent/kc", 1, NULL),
	                 CK_ENOTFOUND);
	assert_int_equal(ck_seal_kubeconfig_namespace(&ns, "/nonexistent/kc", 0, NULL), CK_OK);
	assert_string_equal(ck_buf_cstr(&ns), "default");
	ck_buf_dispose(&ns);
}

static void formats(void **state)
{
	enum ck_seal_format f;

	assert_int_equal(ck_seal_format_parse(&f, "YAML"), CK_OK);
	assert_int_equal(f, CK_SEAL_FORMAT_YAML);
	assert_int_equal(ck_seal_format_parse(&f, NULL), CK_OK);
	assert_int_equal(f, CK_SEAL_FORMAT_JSON);
	assert_int_equal(ck_seal_format_parse(&f, "xml"), CK_EUSAGE);
	assert_non_null(strstr(ck_err_last()->msg, "unsupported output format: xml"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seal_shape),
		cmocka_unit_test(scopes_and_namespaces),
		cmocka_unit_test(bad_inputs),
		cmocka_unit_test(unseal_templates_and_owner),
		cmocka_unit_test(legacy_data),
		cmocka_unit_test(reader_checks),
		cmocka_unit_test(merge_into),
		cmocka_unit_test(kubeconfig),
		cmocka_unit_test(formats),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
