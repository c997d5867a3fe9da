/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every SealedSecret manifest of the shared vectors, applied to the fake API
 * server with the TEST-ONLY key installed as a key Secret, yields exactly the
 * recorded Secret when cloak-controller runs (YAML and JSON forms).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ctl.h"
#include "ck/alloc.h"

static char *names[16];
static size_t nnames;

static void find_manifests(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL && nnames < 16) {
		size_t n = strlen(e->d_name);
		const char *suffix = ".sealedsecret.yaml";

		if (n > strlen(suffix) && strcmp(e->d_name + n - strlen(suffix), suffix) == 0)
			names[nnames++] = ck_strndup(e->d_name, n - strlen(suffix));
	}
	closedir(d);
	assert_true(nnames >= 3);
}

/* Compare the live Secret with the expected one (server fields ignored). */
static int check_secret(struct ck_kube_conn *kc, const char *expected_path)
{
	struct ck_buf exp = CK_BUF_INIT;
	struct ck_doc *ed = NULL, *ad = NULL;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT, ssr = CK_KUBE_RESP_INIT;
	struct ck_doc_node *e, *a, *amd, *refs;
	char path[512], sspath[512];
	const char *ns, *name, *uid;
	int ok;

	ckt_read(&exp, expected_path);
	assert_int_equal(ck_doc_parse(&ed, ck_buf_cstr(&exp), ck_buf_len(&exp), 0), CK_OK);
	e = ed->docs[0];
	ns = ck_kube_str(e, "metadata.namespace");
	name = ck_kube_str(e, "metadata.name");
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/%s", ns, name);
	snprintf(sspath, sizeof(sspath), "/apis/bitnami.com/v1alpha1/namespaces/%s/sealedsecrets/%s",
	         ns, name);
	WAIT_UNTIL(10000, kube_exists(kc, path));
	assert_int_equal(kube_get(kc, &ssr, sspath), 200);
	uid = ck_kube_str(ssr.obj, "metadata.uid");
	/* The recorded ownerReference uid is a placeholder for the SealedSecret's. */
	refs = ck_doc_get_path(e, "metadata.ownerReferences");
	if (refs != NULL)
		assert_int_equal(ck_doc_set_text(ed, ck_doc_map_get(refs->kids[0], "uid"), uid,
		                                 strlen(uid), CK_DOC_STYLE_ANY), CK_OK);
	assert_int_equal(kube_get(kc, &r, path), 200);
	ad = ck_doc_new(0);
	a = ck_doc_clone(ad, r.obj);
	amd = ck_doc_map_get(a, "metadata");
	ck_doc_map_remove(amd, "uid");
	ck_doc_map_remove(amd, "resourceVersion");
	ck_doc_map_remove(amd, "creationTimestamp");
	ck_doc_map_remove(amd, "managedFields");
	ok = ck_kube_equal(a, e);
	if (!ok) {
		struct ck_buf x = CK_BUF_INIT;
		struct ck_doc_json_opts jo = { "  ", 0, 1 };

		(void)ck_doc_write_json(&x, a, &jo);
		fprintf(stderr, "got:\n%s\nwant:\n", ck_buf_cstr(&x));
		ck_buf_reset(&x);
		(void)ck_doc_write_json(&x, e, &jo);
		fprintf(stderr, "%s\n", ck_buf_cstr(&x));
		ck_buf_dispose(&x);
	}
	/* And the SealedSecret says so. */
	WAIT_UNTIL(10000, ss_condition(kc, sspath, "True"));
	ck_doc_free(ed);
	ck_doc_free(ad);
	ck_buf_dispose(&exp);
	ck_kube_resp_dispose(&r);
	ck_kube_resp_dispose(&ssr);
	return ok;
}

static void run_form(struct fake *f, const char *V, const char *ext, int *passed, int *total)
{
	struct ck_kube *k = fake_kube(f, "tok", -1);
	struct ck_kube_conn *kc;
	char p[1024];
	size_t i;

	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	for (i = 0; i < nnames; i++) {
		snprintf(p, sizeof(p), "%s/%s.sealedsecret.%s", V, names[i], ext);
		assert_int_equal(kube_create_file(kc, p), 201);
	}
	for (i = 0; i < nnames; i++) {
		int ok;

		snprintf(p, sizeof(p), "%s/%s.expected-secret.yaml", V, names[i]);
		ok = check_secret(kc, p);
		printf("vector %s.sealedsecret.%s: %s\n", names[i], ext, ok ? "ok" : "MISMATCH");
		*passed += ok;
		(*total)++;
	}
	ck_kube_conn_free(kc);
	ck_kube_free(k);
}

static void test_vectors(void **state)
{
	const char *V = ckt_vectors("sealed-secrets");
	struct fake f;
	struct ck_kube *k;
	struct ck_kube_conn *kc;
	struct ctl c;
	char p[1024];
	int passed = 0, total = 0;
	size_t i;

	(void)state;
	find_manifests(V);
	fake_start(&f, 0, "tok", NULL);
	k = fake_kube(&f, "tok", -1);
	assert_int_equal(ck_kube_conn_new(&kc, k), CK_OK);
	kube_namespace(kc, "shop");
	kube_namespace(kc, "ci");
	kube_namespace(kc, "apps");
	snprintf(p, sizeof(p), "%s/TEST-ONLY-sealed-secrets-key-secret.yaml", V);
	assert_int_equal(kube_create_file(kc, p), 201);
	ctl_start(&c, fake_kubeconfig_file(&f, "tok", 0), NULL);
	WAIT_UNTIL(15000, ctl_ready(&c));
	run_form(&f, V, "yaml", &passed, &total);
	/* Again from the JSON forms: delete, let garbage collection run, re-create. */
	for (i = 0; i < nnames; i++) {
		struct ck_buf b = CK_BUF_INIT;
		struct ck_doc *d = NULL;
		char path[512];

		snprintf(p, sizeof(p), "%s/%s.sealedsecret.json", V, names[i]);
		ckt_read(&b, p);
		assert_int_equal(ck_doc_parse(&d, ck_buf_cstr(&b), ck_buf_len(&b), 0), CK_OK);
		collection(path, sizeof(path), d->docs[0]);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s",
		         ck_kube_str(d->docs[0], "metadata.name"));
		assert_int_equal(kube_send(kc, "DELETE", path, NULL, NULL), 200);
		/* Owned Secrets go with it (garbage collection); the one with
		 * skip-set-owner-references stays, so delete it for a clean second pass. */
		snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/%s",
		         ck_kube_str(d->docs[0], "metadata.namespace"),
		         ck_kube_str(d->docs[0], "metadata.name"));
		(void)kube_send(kc, "DELETE", path, NULL, NULL);
		WAIT_UNTIL(5000, !kube_exists(kc, path));
		ck_doc_free(d);
		ck_buf_dispose(&b);
	}
	run_form(&f, V, "json", &passed, &total);
	printf("sealed-secrets vectors through cloak-controller: %d/%d Secrets as recorded\n",
	       passed, total);
	assert_int_equal(passed, total);
	assert_int_equal(ctl_log_count(&c, "error"), 0);
	ctl_stop(&c, SIGTERM);
	ck_kube_conn_free(kc);
	ck_kube_free(k);
	fake_stop(&f);
	for (i = 0; i < nnames; i++)
		ck_free(names[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};

	(void)ck_net_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
