/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak: the command table and the only place that turns errors into text
 * and exit statuses. Invoked as kubeseal, sops, age or age-keygen (argv[0]),
 * it answers as that tool.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "ck/secret.h"
#include "ck/version.h"
#include "cli.h"
#include "cmds.h"

static const struct ck_cmd cmds[] = {
#define CK_CMD(name, fn, needs, summary) { name, fn, needs, summary },
#include "cmds.def"
#undef CK_CMD
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

/* argv[0] names that make cloak behave as another tool. */
static const struct {
	const char *prog;
	const char *cmd;
} compat[] = {
	{ "kubeseal", "seal" },
	{ "sops", "sops" },
	{ "age", "age" },
	{ "age-keygen", "age" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: cloak COMMAND [ARGS...]\n\n"
	           "cloak keeps Kubernetes secrets in Git safely: sealed, SOPS-encrypted,\n"
	           "or fetched from Vault/AWS at sync time.\n\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "  %-10s %s\n", "help", "Show help for cloak or a command");
	fprintf(f, "\nRun 'cloak help COMMAND' for a command's options.\n"
	           "Options: --version, --help.\n");
}

static const struct ck_cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	const char *cands[NCMDS + 2];
	const char *near;
	size_t i;

	for (i = 0; i < NCMDS; i++)
		cands[i] = cmds[i].name;
	cands[NCMDS] = "help";
	cands[NCMDS + 1] = NULL;
	near = cli_closest(name, cands);
	if (name[0] == '-') {
		static const char *const opts[] = { "--help", "--version", NULL };

		near = cli_closest(name, opts);
		return ck_err_set(CK_EUSAGE, "unknown option '%s' (did you mean '%s'?)", name,
		                  near ? near : "--help");
	}
	if (near != NULL)
		return ck_err_set(CK_EUSAGE, "unknown command '%s' (did you mean '%s'?)", name,
		                  near);
	return ck_err_set(CK_EUSAGE, "unknown command '%s' (see 'cloak help')", name);
}

static int setup(unsigned needs)
{
	int rc;

	if ((rc = ck_core_init()) < 0)
		return rc;
	if ((needs & CK_NEEDS_SECRETS) && (rc = ck_process_harden()) < 0)
		return rc;
	return cli_setup_needs(needs);
}

static int run(const struct ck_cmd *c, int argc, char **argv)
{
	int rc;

	if ((rc = setup(c->needs)) < 0)
		return rc;
	cli_opt_reset();
	return c->run(argc, argv);
}

static int dispatch(int argc, char **argv)
{
	const char *prog = basename(argv[0]);
	const struct ck_cmd *c;
	size_t i;

	for (i = 0; i < sizeof(compat) / sizeof(compat[0]); i++) {
		if (strcmp(prog, compat[i].prog) == 0 && (c = find(compat[i].cmd)) != NULL) {
			argv[0] = (char *)compat[i].prog;
			return run(c, argc, argv);
		}
	}
	if (argc < 2) {
		usage(stderr);
		return CK_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("cloak version %s\n", CK_VERSION);
		return CK_EXIT_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return CK_EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) {
		char *help_argv[3];

		if (argc < 3) {
			usage(stdout);
			return CK_EXIT_OK;
		}
		if ((c = find(argv[2])) == NULL)
			return unknown_command(argv[2]);
		help_argv[0] = argv[2];
		help_argv[1] = "--help";
		help_argv[2] = NULL;
		return run(c, 2, help_argv);
	}
	if ((c = find(argv[1])) == NULL)
		return unknown_command(argv[1]);
	return run(c, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	int rc = dispatch(argc, argv);
	int status;

	if (rc < 0) {
		const struct ck_err *e = ck_err_last();

		fprintf(stderr, "cloak: %s\n", e->code == rc && e->msg[0] ? e->msg : "failed");
		status = ck_err_exit_code(rc);
	} else {
		status = rc;
	}
	/* A full disk or closed pipe must not pass silently (git run_builtin). */
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, "cloak: cannot write output: %s\n", strerror(errno));
		if (status == 0)
			status = CK_EXIT_FAIL;
	}
	cli_teardown();
	return status;
}
