/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak hook run | install | uninstall | rules: the pre-commit hook. The
 * checks and the hook file are library calls (ck/hook_git.h); this file
 * parses flags, prints the report and picks the exit status:
 * 0 clean, 1 findings, 2 usage or internal error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/hook_git.h"
#include "cli.h"
#include "cmds.h"
#include "hook_cli.h"

int cli_hook_fail(int rc)
{
	char m[CK_ERR_MSG_MAX];

	if (rc >= 0)
		return rc;
	snprintf(m, sizeof(m), "%s", ck_err_last()->code == rc ? ck_err_last()->msg : "failed");
	return ck_err_set_exit(rc, CK_EXIT_USAGE, "%s", m);
}

int cli_hook_color(const char *when, unsigned *flags)
{
	const char *nc = getenv("NO_COLOR");

	if (when == NULL || strcmp(when, "auto") == 0) {
		if (isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0'))
			*flags |= CK_HOOK_OUT_COLOR;
	} else if (strcmp(when, "always") == 0) {
		*flags |= CK_HOOK_OUT_COLOR;
	} else if (strcmp(when, "never") != 0) {
		return ck_err_set(CK_EUSAGE, "--color takes auto, always or never, not '%s'", when);
	}
	return CK_OK;
}

int cli_hook_print(const struct ck_hook_report *r, enum ck_hook_format fmt, unsigned flags,
                   const char *what)
{
	struct ck_buf out;
	int rc;

	ck_buf_init(&out, 0);
	if ((rc = ck_hook_report_format(&out, r, fmt, flags, what)) == CK_OK)
		fwrite(ck_buf_data(&out), 1, ck_buf_len(&out), stdout);
	ck_buf_dispose(&out);
	if (rc < 0)
		return rc;
	return r->n > 0 ? CK_EXIT_FAIL : CK_EXIT_OK;
}

enum { O_FORMAT = 256, O_COLOR, O_REPO };

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "color", required_argument, NULL, O_COLOR },
		{ "repo", required_argument, NULL, O_REPO },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ck_hook_report r;
	enum ck_hook_format fmt = CK_HOOK_FMT_TEXT;
	const char *color = NULL, *repo = NULL;
	unsigned flags = 0;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "h", opts, "cloak hook run")) != -1) {
		switch (c) {
		case 'h':
			printf("usage: cloak hook run [--format text|json|sarif] [--color auto|always|never] "
			       "[--repo DIR]\n\n"
			       "Check the staged changes (HEAD against the index, as git's GIT_DIR and\n"
			       "GIT_INDEX_FILE say) for plaintext secrets. What .git/hooks/pre-commit runs.\n"
			       "Exit 0: clean, 1: findings, 2: usage or internal error.\n");
			return CK_EXIT_OK;
		case O_FORMAT:
			if ((rc = ck_hook_format_parse(&fmt, optarg)) < 0)
				return cli_hook_fail(rc);
			break;
		case O_COLOR:
			color = optarg;
			break;
		case O_REPO:
			repo = optarg;
			break;
		default:
			return cli_hook_fail(CK_EUSAGE);
		}
	}
	if (optind < argc)
		return cli_hook_fail(ck_err_set(CK_EUSAGE, "cloak hook run: unexpected argument '%s'",
		                                argv[optind]));
	if ((rc = cli_hook_color(color, &flags)) < 0)
		return cli_hook_fail(rc);
	ck_hook_report_init(&r);
	rc = ck_hook_run_staged(&r, repo);
	if (rc == CK_OK)
		rc = cli_hook_print(&r, fmt, flags, "the staged changes");
	ck_hook_report_dispose(&r);
	return cli_hook_fail(rc);
}

/* The absolute path of this binary, for the hook script. */
static int self_path(char *buf, size_t n)
{
	ssize_t l = readlink("/proc/self/exe", buf, n - 1);

	if (l <= 0)
		return ck_err_set(CK_EIO, "cannot find the path of the cloak binary");
	buf[l] = '\0';
	return CK_OK;
}

static int install(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "repo", required_argument, NULL, O_REPO },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ck_buf msg;
	const char *repo = NULL;
	char self[4096];
	int c, rc, force = 0;

	while ((c = cli_getopt(argc, argv, "fh", opts, "cloak hook install")) != -1) {
		switch (c) {
		case 'h':
			printf("usage: cloak hook install [--force] [--repo DIR]\n\n"
			       "Install .git/hooks/pre-commit (or core.hooksPath) to run 'cloak hook run'.\n"
			       "An existing hook is kept as pre-commit.cloak-chained and runs after cloak's\n"
			       "check passes. --force rewrites cloak's hook and replaces a leftover chained\n"
			       "hook.\n");
			return CK_EXIT_OK;
		case 'f':
			force = 1;
			break;
		case O_REPO:
			repo = optarg;
			break;
		default:
			return cli_hook_fail(CK_EUSAGE);
		}
	}
	if (optind < argc)
		return cli_hook_fail(ck_err_set(CK_EUSAGE, "cloak hook install: unexpected argument '%s'",
		                                argv[optind]));
	if ((rc = self_path(self, sizeof(self))) < 0)
		return cli_hook_fail(rc);
	ck_buf_init(&msg, 0);
	rc = ck_hook_install(&msg, repo, self, force);
	if (rc == CK_OK)
		printf("%s\n", ck_buf_cstr(&msg));
	ck_buf_dispose(&msg);
	return cli_hook_fail(rc);
}

static int uninstall(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, O_REPO },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ck_buf msg;
	const char *repo = NULL;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "h", opts, "cloak hook uninstall")) != -1) {
		switch (c) {
		case 'h':
			printf("usage: cloak hook uninstall [--repo DIR]\n\n"
			       "Remove cloak's pre-commit hook and put back the hook it chained to.\n");
			return CK_EXIT_OK;
		case O_REPO:
			repo = optarg;
			break;
		default:
			return cli_hook_fail(CK_EUSAGE);
		}
	}
	if (optind < argc)
		return cli_hook_fail(ck_err_set(CK_EUSAGE, "cloak hook uninstall: unexpected argument '%s'",
		                                argv[optind]));
	ck_buf_init(&msg, 0);
	rc = ck_hook_uninstall(&msg, repo);
	if (rc == CK_OK)
		printf("%s\n", ck_buf_cstr(&msg));
	ck_buf_dispose(&msg);
	return cli_hook_fail(rc);
}

static int rules(int argc, char **argv)
{
	int i;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: cloak hook rules\n\nList the rule ids, what each checks and how to fix it.\n");
		return CK_EXIT_OK;
	}
	if (argc > 1)
		return cli_hook_fail(ck_err_set(CK_EUSAGE, "cloak hook rules: unexpected argument '%s'",
		                                argv[1]));
	for (i = 0; i < CK_HOOK_NRULES; i++) {
		const struct ck_hook_rule_info *ri = ck_hook_rule_info((enum ck_hook_rule)i);

		printf("%-27s %s%s\n    %s\n\n", ri->id, ri->title, ri->pattern ? " (added lines)" : "",
		       ri->help);
	}
	return CK_EXIT_OK;
}

static const struct ck_subcmd subs[] = {
	{ "run", run, "Check the staged changes (what the pre-commit hook runs)" },
	{ "install", install, "Install the git pre-commit hook (chains to an existing one)" },
	{ "uninstall", uninstall, "Remove the pre-commit hook" },
	{ "rules", rules, "List the rules" },
	{ NULL, NULL, NULL },
};

int cmd_hook(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_subcmd_usage(stdout, "cloak hook", subs);
		printf("\nAllowlist findings in .cloak.yaml (paths, rules, fingerprints) or with a\n"
		       "`cloak:allow RULE` comment on the line or the line above.\n"
		       "Exit 0: clean, 1: findings, 2: usage or internal error.\n");
		return CK_EXIT_OK;
	}
	return cli_hook_fail(cli_subcmd_dispatch("cloak hook", subs, argc, argv));
}
