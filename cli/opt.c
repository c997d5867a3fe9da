/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (lb >= sizeof(row) / sizeof(row[0]))
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

const char *cli_closest(const char *word, const char *const *cands)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, d, wl = strlen(word);

	for (; *cands != NULL; cands++) {
		d = edit_distance(word, *cands);
		/* A prefix is a strong hint ("--rec" for "--recovery-unseal"). */
		if (wl >= 2 && strncmp(word, *cands, wl) == 0)
			d = d < 1 ? d : 1;
		if (d < bestd) {
			bestd = d;
			best = *cands;
		}
	}
	/* Suggest only when it is plausibly a typo. */
	if (best != NULL && bestd > (strlen(best) + 1) / 2 + 1)
		return NULL;
	return best;
}

void cli_opt_reset(void)
{
	optind = 1;
	opterr = 0;
}

static int unknown_option(int argc, char **argv, const char *shortopts,
                          const struct option *longopts, const char *prog)
{
	const char *bad = argv[optind - 1];
	const char *cands[256];
	char names[256][64];
	size_t n = 0, i;
	const char *near;

	if (optind - 1 >= argc || bad == NULL)
		bad = "?";
	if (optopt != 0 && strchr(shortopts, optopt) != NULL)
		return ck_err_set(CK_EUSAGE, "%s: option '-%c' needs a value", prog, optopt);
	for (i = 0; longopts != NULL && longopts[i].name != NULL && n < 255; i++, n++) {
		snprintf(names[n], sizeof(names[n]), "--%s", longopts[i].name);
		cands[n] = names[n];
	}
	for (i = 0; shortopts[i] != '\0' && n < 255; i++) {
		if (shortopts[i] == ':' || shortopts[i] == '+' || shortopts[i] == '-')
			continue;
		snprintf(names[n], sizeof(names[n]), "-%c", shortopts[i]);
		cands[n] = names[n];
		n++;
	}
	cands[n] = NULL;
	if (optopt != 0 && bad[0] == '-' && bad[1] != '-') {
		/* An unknown short option in a cluster: name just that letter. */
		char one[3] = { '-', (char)optopt, 0 };

		near = cli_closest(one, cands);
		return ck_err_set(CK_EUSAGE, "%s: unknown option '%s'%s%s%s", prog, one,
		                  near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
	}
	{
		/* Long option: compare the part before '='; it may also lack a value. */
		char word[128];
		const char *eq = strchr(bad, '=');
		size_t wl = eq ? (size_t)(eq - bad) : strlen(bad);

		if (wl >= sizeof(word))
			wl = sizeof(word) - 1;
		memcpy(word, bad, wl);
		word[wl] = 0;
		for (i = 0; longopts != NULL && longopts[i].name != NULL; i++) {
			if (strcmp(word + 2, longopts[i].name) == 0) {
				if (longopts[i].has_arg == required_argument)
					return ck_err_set(CK_EUSAGE, "%s: option '%s' needs a value",
					                  prog, word);
				return ck_err_set(CK_EUSAGE, "%s: option '%s' takes no value",
				                  prog, word);
			}
		}
		near = cli_closest(word, cands);
		return ck_err_set(CK_EUSAGE, "%s: unknown option '%s'%s%s%s", prog, word,
		                  near ? " (did you mean '" : "", near ? near : "",
		                  near ? "'?)" : "");
	}
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               const char *prog)
{
	int c;

	opterr = 0;
	optopt = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	if (c == '?' || c == ':') {
		unknown_option(argc, argv, shortopts[0] == ':' ? shortopts + 1 : shortopts,
		               longopts, prog);
		return '?';
	}
	return c;
}

void cli_subcmd_usage(FILE *f, const char *prog, const struct ck_subcmd *tbl)
{
	fprintf(f, "usage: %s COMMAND [ARGS...]\n\ncommands:\n", prog);
	for (; tbl->name != NULL; tbl++)
		fprintf(f, "  %-12s %s\n", tbl->name, tbl->summary);
	fprintf(f, "\nRun '%s COMMAND --help' for a command's options.\n", prog);
}

int cli_subcmd_dispatch(const char *prog, const struct ck_subcmd *tbl, int argc, char **argv)
{
	const struct ck_subcmd *t;
	const char *cands[64];
	const char *near;
	size_t n = 0;

	if (argc < 2) {
		cli_subcmd_usage(stderr, prog, tbl);
		return ck_err_set(CK_EUSAGE, "%s: missing command", prog);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_subcmd_usage(stdout, prog, tbl);
		return CK_EXIT_OK;
	}
	for (t = tbl; t->name != NULL; t++) {
		if (strcmp(t->name, argv[1]) == 0) {
			cli_opt_reset();
			return t->run(argc - 1, argv + 1);
		}
		if (n < 63)
			cands[n++] = t->name;
	}
	cands[n] = NULL;
	near = cli_closest(argv[1], cands);
	if (near != NULL)
		return ck_err_set(CK_EUSAGE, "%s: unknown command '%s' (did you mean '%s'?)", prog,
		                  argv[1], near);
	return ck_err_set(CK_EUSAGE, "%s: unknown command '%s'", prog, argv[1]);
}

void cli_warn_if_world_readable_stdout(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IROTH))
		fprintf(stderr, "warning: writing a secret key to a world-readable file\n");
}
