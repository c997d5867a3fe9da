/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go template parser and executor: any input parses or fails cleanly; what
 * parses executes (against a fixed string map, or against the JSON after a
 * "\n---\n" separator) within the budgets, never crashing or leaking.
 */
#include <string.h>

#include "ck/err.h"
#include "ck/ext_tmpl.h"
#include "ck/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ck_tmpl_kv kv[] = {
		{ "a", 1, (const uint8_t *)"x", 1 },
		{ "json", 4, (const uint8_t *)"{\"k\":[1,\"v\",null]}", 18 },
		{ "my-key", 6, (const uint8_t *)"aGVsbG8=", 8 },
	};
	struct ck_tmpl_opts o = CK_TMPL_OPTS_ESO;
	const char *text = (const char *)data, *json = NULL;
	size_t tlen = size, k;
	struct ck_tmpl *t = NULL;
	struct ck_buf out;

	if (ck_core_init() < 0)
		return 0;
	for (k = 0; k + 5 <= size; k++) {
		if (memcmp(data + k, "\n---\n", 5) == 0) {
			tlen = k;
			json = text + k + 5;
			break;
		}
	}
	o.max_steps = 20000;
	o.max_mem = (size_t)8 << 20;
	if (size && (data[0] & 1))
		o.missingkey = CK_TMPL_MISSING_DEFAULT;
	if (ck_tmpl_parse(&t, "fuzz", text, tlen, &o) != CK_OK)
		return 0;
	ck_buf_init(&out, (size_t)1 << 20);
	if (json != NULL)
		(void)ck_tmpl_exec_json(&out, t, json, size - tlen - 5);
	else
		(void)ck_tmpl_exec(&out, t, kv, sizeof(kv) / sizeof(kv[0]));
	ck_buf_dispose(&out);
	ck_tmpl_free(t);
	return 0;
}
