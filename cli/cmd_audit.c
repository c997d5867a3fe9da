/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak audit: the hook's checks over every file of a revision or of the
 * working tree (for CI and for adopting cloak in an existing repository).
 * Exit 0 clean, 1 findings, 2 usage or internal error.
 */
#include <stdio.h>
#include <string.h>

#include "ck/hook_git.h"
#include "cli.h"
#include "cmds.h"
#include "hook_cli.h"

enum { O_FORMAT = 256, O_COLOR, O_REPO, O_REV, O_WORKTREE };

int cmd_audit(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rev", required_argument, NULL, O_REV },
		{ "worktree", no_argument, NULL, O_WORKTREE },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "color", required_argument, NULL, O_COLOR },
		{ "repo", required_argument, NULL, O_REPO },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ck_hook_audit_opts o;
	struct ck_hook_report r;
	enum ck_hook_format fmt = CK_HOOK_FMT_TEXT;
	const char *color = NULL;
	char what[256];
	unsigned flags = 0;
	int c, rc;

	memset(&o, 0, sizeof(o));
	while ((c = cli_getopt(argc, argv, "h", opts, "cloak audit")) != -1) {
		switch (c) {
		case 'h':
			printf("usage: cloak audit [--rev REV | --worktree] [--format text|json|sarif]\n"
			       "                   [--color auto|always|never] [--repo DIR] [PATH...]\n\n"
			       "Run the pre-commit checks over every file of a revision (default HEAD) or of\n"
			       "the working tree (tracked and untracked files that are not ignored; outside a\n"
			       "repository, every file under the current directory). PATHs limit the check to\n"
			       "those files and directories. Every line counts as added.\n"
			       "Exit 0: clean, 1: findings, 2: usage or internal error.\n");
			return CK_EXIT_OK;
		case O_REV:
			o.rev = optarg;
			break;
		case O_WORKTREE:
			o.worktree = 1;
			break;
		case O_FORMAT:
			if ((rc = ck_hook_format_parse(&fmt, optarg)) < 0)
				return cli_hook_fail(rc);
			break;
		case O_COLOR:
			color = optarg;
			break;
		case O_REPO:
			o.repo = optarg;
			break;
		default:
			return cli_hook_fail(CK_EUSAGE);
		}
	}
	if (o.rev != NULL && o.worktree)
		return cli_hook_fail(ck_err_set(CK_EUSAGE, "cloak audit: --rev and --worktree exclude each other"));
	if ((rc = cli_hook_color(color, &flags)) < 0)
		return cli_hook_fail(rc);
	o.paths = argv + optind;
	o.npaths = (size_t)(argc - optind);
	snprintf(what, sizeof(what), "%s", o.worktree ? "the working tree" : o.rev ? o.rev : "HEAD");
	ck_hook_report_init(&r);
	rc = ck_hook_audit(&r, &o);
	if (rc == CK_OK)
		rc = cli_hook_print(&r, fmt, flags, what);
	ck_hook_report_dispose(&r);
	return cli_hook_fail(rc);
}
