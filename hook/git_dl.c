/* SPDX-License-Identifier: Apache-2.0 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_GIT_DL_IMPL 1
#include "git_dl.h"

struct ck_git_api ck__git;

int ck__git_load(char *why, size_t n)
{
	/* CLOAK_LIBGIT2 lets packagers and tests point at another soname. */
	const char *lib = getenv("CLOAK_LIBGIT2");
	void *h, *sym;

	if (lib == NULL || lib[0] == '\0')
		lib = CK_LIBGIT2_SONAME;
	/* Never unloaded: libgit2 keeps global state for the life of the process. */
	if ((h = dlopen(lib, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, n, "cannot load %s (install libgit2-1.5): %s", lib, dlerror());
		return -1;
	}
#define CK_GIT_LOAD(f)                                                                  \
	if ((sym = dlsym(h, #f)) == NULL) {                                             \
		snprintf(why, n, "%s lacks %s (libgit2 1.5 needed)", lib, #f);          \
		return -1;                                                              \
	}                                                                               \
	memcpy(&ck__git.f, &sym, sizeof(sym));
	CK_GIT_API(CK_GIT_LOAD)
#undef CK_GIT_LOAD
	return 0;
}
