/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cloak command line. Each command lives in cmd_<name>.c and exports
 * `int cmd_<name>(int argc, char **argv)` with argv[0] = the command name (or
 * the compat name it was invoked as: "kubeseal", "sops", "age", "age-keygen").
 *
 * A command returns either an exit status (>= 0) after printing its output,
 * or a negative ck_err code whose message main prints as one line; main then
 * exits with ck_err_exit_code(). `--help` prints usage to stdout, returns 0.
 */
#ifndef CK_CLI_H
#define CK_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "ck/err.h"

/* Setup a command needs before it runs (run once by main). */
#define CK_NEEDS_SECRETS 1u /* disable core dumps, clear PR_SET_DUMPABLE */
#define CK_NEEDS_NET 2u     /* global HTTP client setup */
#define CK_NEEDS_GIT 4u     /* libgit2 setup */

struct ck_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	unsigned needs;
	const char *summary;
};

/* Subcommand tables (cloak age keygen, cloak sops encrypt, ...). */
struct ck_subcmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/*
 * Dispatch argv[1] through a subcommand table; prints usage for --help/no
 * argument, and for an unknown name a one-line error naming the closest one
 * (CK_EUSAGE). `prog` is the full command prefix for messages ("cloak age").
 */
int cli_subcmd_dispatch(const char *prog, const struct ck_subcmd *tbl, int argc,
                        char **argv);
void cli_subcmd_usage(FILE *f, const char *prog, const struct ck_subcmd *tbl);

/*
 * getopt_long with cloak's error convention: returns like getopt_long, but on
 * an unknown or malformed option it sets a one-line ck_err naming the closest
 * valid option (CK_EUSAGE) and returns '?'. Call with optind reset by
 * cli_opt_reset() first.
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               const char *prog);
void cli_opt_reset(void);

/* Closest candidate to `word` among NULL-terminated `cands` (edit distance), or NULL. */
const char *cli_closest(const char *word, const char *const *cands);

/* Print a secret to a stdout that is a world-readable regular file? Warn (wg genkey). */
void cli_warn_if_world_readable_stdout(void);

#endif
