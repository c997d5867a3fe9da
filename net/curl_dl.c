/* SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curl_dl.h"

struct ck_curl_api ck__curl;

/* Symbol names in the order of struct ck_curl_api's fields. */
static const char *const names[] = {
	"curl_global_init", "curl_global_cleanup", "curl_easy_init", "curl_easy_cleanup",
	"curl_easy_reset", "curl_easy_setopt", "curl_easy_strerror", "curl_free",
	"curl_multi_init", "curl_multi_cleanup", "curl_multi_add_handle",
	"curl_multi_remove_handle", "curl_multi_perform", "curl_multi_poll",
	"curl_multi_wakeup", "curl_multi_info_read", "curl_multi_strerror",
	"curl_slist_append", "curl_slist_free_all", "curl_url", "curl_url_cleanup",
	"curl_url_get", "curl_url_set",
};

_Static_assert(sizeof(names) / sizeof(names[0]) * sizeof(void (*)(void)) ==
                       sizeof(struct ck_curl_api),
               "one name per libcurl entry point");

int ck__curl_load(char *why, size_t n)
{
	/* CLOAK_LIBCURL lets packagers and tests point at another soname. */
	const char *lib = getenv("CLOAK_LIBCURL");
	void (**slot)(void) = (void (**)(void))(void *)&ck__curl;
	void *h;
	size_t i;

	if (lib == NULL || lib[0] == '\0')
		lib = "libcurl.so.4";
	/* Never unloaded: curl keeps global state for the life of the process. */
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, n, "cannot load %s (install libcurl4): %s", lib, dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *sym = dlsym(h, names[i]);

		if (sym == NULL) {
			snprintf(why, n, "%s lacks %s (libcurl 7.68 or later needed)", lib, names[i]);
			return -1;
		}
		memcpy(&slot[i], &sym, sizeof(sym));
	}
	return 0;
}
