/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak-controller: the in-cluster controller. This is the only place in the
 * controller that prints, exits or maps errors to exit statuses.
 */
#include <stdio.h>
#include <string.h>

#include "ck/err.h"
#include "ck/secret.h"
#include "ck/version.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("cloak-controller version %s\n", CK_VERSION);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: cloak-controller [OPTIONS]\n");
		return 0;
	}
	(void)ck_process_harden();
	fprintf(stderr, "cloak-controller: not implemented yet\n");
	return CK_EXIT_UNSUPPORTED;
}
