/* SPDX-License-Identifier: Apache-2.0 */
/* cloak doctor: prove the crypto core works here and show what is available. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/selftest.h"
#include "ck/version.h"
#include "cli.h"
#include "cmds.h"

static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	const char *p, *e;

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *e ? e + 1 : e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p), p, prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return 1;
	}
	return 0;
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	static const char *const tools[] = { "age", "gpg", "git", "kubectl", NULL };
	struct ck_buf report = CK_BUF_INIT;
	size_t i;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "h", opts, "cloak doctor")) != -1) {
		if (c == 'h') {
			printf("usage: cloak doctor\n\nRun the crypto core's known-answer self-test "
			       "and list the peer tools found on PATH.\n");
			return CK_EXIT_OK;
		}
		return CK_EUSAGE;
	}
	if (optind < argc)
		return ck_err_set(CK_EUSAGE, "cloak doctor: unexpected argument '%s'", argv[optind]);
	if ((rc = ck_core_versions(&report)) < 0)
		goto out;
	printf("cloak %s (%s)\n\nself-test:\n", CK_VERSION, ck_buf_cstr(&report));
	ck_buf_reset(&report);
	rc = ck_core_selftest(&report);
	fputs(ck_buf_cstr(&report), stdout);
	if (rc < 0)
		goto out;
	printf("\npeer tools:\n");
	for (i = 0; tools[i] != NULL; i++)
		printf("  %-8s %s\n", tools[i], on_path(tools[i]) ? "found" : "not found");
	rc = CK_EXIT_OK;
out:
	ck_buf_dispose(&report);
	return rc;
}
