/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .sops.yaml: any text parses or fails cleanly; a parsed config answers rule
 * look-ups for a few paths (regex compile, key groups, merge) and its store
 * settings without crashing.
 */
#include <string.h>

#include "ck/sops_config.h"
#include "ck/sops_meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/cfg/secrets/a.yaml", "/cfg/b.json", "/elsewhere/c.env",
		                             "/cfg/dir/sub/d.ini" };
	struct ck_sops_config *c = NULL;
	size_t i;

	if (size > 65536)
		return 0;
	if (ck_sops_config_parse(&c, (const char *)data, size, "/cfg") != CK_OK)
		return 0;
	(void)ck_sops_config_has_rules(c);
	(void)ck_sops_config_yaml_indent(c);
	(void)ck_sops_config_json_indent(c, 0);
	(void)ck_sops_config_json_indent(c, 1);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct ck_sops_meta m;

		if (ck_sops_config_rule_for(c, paths[i], &m) == CK_OK)
			ck_sops_meta_dispose(&m);
	}
	ck_sops_config_free(c);
	return 0;
}
