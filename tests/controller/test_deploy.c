/* SPDX-License-Identifier: Apache-2.0 */
/*
 * deploy/ and deploy/examples/: every manifest parses, names its object, CRDs
 * have exactly one storage version of their group; the ExternalSecret and
 * store examples pass cloak's own ESO checks with no problem.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ck/doc.h"
#include "ck/ext.h"

static int checked, es_checked;

static void check_crd(const char *file, const struct ck_doc_node *d)
{
	const char *name = ck_doc_map_get_str(ck_doc_map_get(d, "metadata"), "name");
	const struct ck_doc_node *spec = ck_doc_map_get(d, "spec");
	const char *group = ck_doc_map_get_str(spec, "group");
	const struct ck_doc_node *vs = ck_doc_map_get(spec, "versions");
	size_t i;
	int storage = 0;

	assert_non_null(group);
	if (strlen(name) <= strlen(group) || strcmp(name + strlen(name) - strlen(group), group) != 0)
		fail_msg("%s: CRD %s is not in group %s", file, name, group);
	assert_non_null(vs);
	for (i = 0; i < vs->nkids; i++)
		storage += ck_doc_scalar_is(ck_doc_map_get(vs->kids[i], "storage"), "true");
	if (storage != 1)
		fail_msg("%s: CRD %s has %d storage versions", file, name, storage);
}

static void check_file(const char *dir, const char *name)
{
	struct ck_buf b = CK_BUF_INIT;
	struct ck_doc *d = NULL;
	struct ck_ext_set *set = NULL;
	char path[1024];
	size_t i;
	int eso = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ckt_read(&b, path);
	if (ck_doc_parse(&d, ck_buf_cstr(&b), ck_buf_len(&b), 0) != CK_OK)
		fail_msg("%s: %s", path, ck_err_last()->msg);
	for (i = 0; i < d->ndocs; i++) {
		const struct ck_doc_node *r = d->docs[i];
		const char *api, *kind;

		if (r == NULL)
			continue;
		api = ck_doc_map_get_str(r, "apiVersion");
		kind = ck_doc_map_get_str(r, "kind");
		if (api == NULL || kind == NULL ||
		    ck_doc_map_get_str(ck_doc_map_get(r, "metadata"), "name") == NULL)
			fail_msg("%s: document %zu lacks apiVersion, kind or metadata.name", path, i);
		if (strcmp(kind, "CustomResourceDefinition") == 0)
			check_crd(path, r);
		eso |= strncmp(api, "external-secrets.io/", 20) == 0;
	}
	if (eso && strncmp(name, "crd-", 4) != 0) {
		assert_int_equal(ck_ext_set_new(&set), CK_OK);
		assert_int_equal(ck_ext_set_add(set, name, ck_buf_cstr(&b), ck_buf_len(&b)), CK_OK);
		assert_int_equal(ck_ext_set_check(set), CK_OK);
		for (i = 0; i < set->nproblems; i++)
			fprintf(stderr, "%s:%u: %s\n", name, set->problems[i].line, set->problems[i].msg);
		assert_int_equal(set->nproblems, 0);
		ck_ext_set_free(set);
		es_checked++;
	}
	ck_doc_free(d);
	ck_buf_dispose(&b);
	checked++;
}

static void check_dir(const char *sub)
{
	char dir[1024];
	DIR *dh;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s/%s", ckt_source_dir(), sub);
	assert_non_null(dh = opendir(dir));
	while ((e = readdir(dh)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0)
			check_file(dir, e->d_name);
	}
	closedir(dh);
}

static void test_manifests(void **state)
{
	(void)state;
	check_dir("deploy");
	check_dir("deploy/examples");
	printf("deploy: %d manifest files parsed, %d ESO examples without problems\n", checked,
	       es_checked);
	assert_true(checked >= 10);
	assert_true(es_checked >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
