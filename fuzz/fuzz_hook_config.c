/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hook's rule file (.cloak.yaml): parse anything; a config that parses
 * answers allow/skip questions for paths and fingerprints taken from the
 * input without crashing, and a failure always carries a one-line
 * "SOURCE:LINE: ..." message. The path-pattern matcher gets the same bytes.
 */
#include <string.h>

#include "ck/hook.h"
#include "ck/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int inited;
	struct ck_hook_config *c = NULL;
	char path[128], pat[64];
	size_t pl = size < sizeof(path) - 1 ? size : sizeof(path) - 1;
	size_t ql = size < sizeof(pat) - 1 ? size : sizeof(pat) - 1;
	int rc, r;

	if (!inited) {
		CK_ASSERT(ck_core_init() == CK_OK);
		inited = 1;
	}
	memcpy(path, data, pl);
	path[pl] = 0;
	memcpy(pat, data + (size - ql), ql);
	pat[ql] = 0;
	(void)ck_hook_glob_match(pat, path);
	(void)ck_hook_glob_match("**/a/*/b?**", path);
	rc = ck_hook_config_parse(&c, (const char *)data, size, ".cloak.yaml");
	if (rc != CK_OK) {
		CK_ASSERT(c == NULL);
		CK_ASSERT(rc == CK_EINVAL || rc == CK_ENOMEM || rc == CK_ETOOBIG);
		CK_ASSERT(strchr(ck_err_last()->msg, '\n') == NULL);
		return 0;
	}
	CK_ASSERT(ck_hook_config_max_size(c) > 0);
	for (r = 0; r < CK_HOOK_NRULES; r++)
		(void)ck_hook_config_allows(c, (enum ck_hook_rule)r, path, path);
	(void)ck_hook_config_skips(c, path);
	(void)ck_hook_config_skips(c, "testkeys/age/identity.txt");
	ck_hook_config_free(c);
	return 0;
}
