/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ExternalSecret / SecretStore manifests: any text is read (or refused) and
 * checked without crashing, and every ExternalSecret that reads cleanly is
 * rendered against the in-memory fake provider (rewrites, conversions,
 * templates, policies) within bounded time and memory.
 */
#include <string.h>

#include "ck/err.h"
#include "ck/ext.h"
#include "ck/ext_provider.h"
#include "ck/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_ext_set *set = NULL;
	struct ck_ext_session *sess = NULL;
	struct ck_ext_secret sec;
	size_t i;

	if (ck_core_init() < 0 || size > 65536)
		return 0;
	if (ck_ext_set_new(&set) != CK_OK)
		return 0;
	if (ck_ext_set_add(set, "fuzz.yaml", (const char *)data, size) != CK_OK ||
	    ck_ext_set_check(set) != CK_OK || ck_ext_session_new(&sess, set, NULL) != CK_OK)
		goto out;
	ck_ext_secret_init(&sec);
	for (i = 0; i < set->nes && i < 4; i++) {
		const struct ck_ext_es *es = set->es[i];
		struct ck_ext_provider *p = NULL;

		if (es->problems || es->store.name == NULL)
			continue;
		if (ck_ext_provider_fake_new(&p) != CK_OK)
			break;
		if (ck_ext_provider_fake_put(p, "db", "{\"user\":\"u\",\"pass\":\"cA==\",\"n\":1.5,\"o\":{\"a\":[1]}}",
		                             "{\"team\":\"x\"}") != CK_OK ||
		    ck_ext_provider_fake_put(p, "dev/config", "{\"k\":\"v\"}", NULL) != CK_OK ||
		    ck_ext_session_set_provider(sess, es->store.name, es->store.cluster, p) != CK_OK) {
			ck_ext_provider_free(p);
			break;
		}
		(void)ck_ext_render(sess, es, &sec);
		ck_ext_secret_dispose(&sec);
	}
out:
	ck_ext_session_free(sess);
	ck_ext_set_free(set);
	ck_err_clear();
	return 0;
}
