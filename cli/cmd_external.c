/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak external: render the Secret an ExternalSecret produces (fetching
 * from Vault / AWS Secrets Manager), or check ExternalSecret / SecretStore
 * manifests offline.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/ext.h"
#include "ck/file.h"
#include "cli.h"
#include "cmds.h"

#define EXT_MAX_INPUT ((size_t)16 << 20)
#define MAX_FILES 100000

struct inputs {
	char **paths;
	unsigned char *is_store; /* 1: given with --store (not rendered) */
	size_t n, cap;
};

static void inputs_free(struct inputs *in)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		ck_free(in->paths[i]);
	ck_free(in->paths);
	ck_free(in->is_store);
}

static int inputs_add(struct inputs *in, const char *p, int store)
{
	if (in->n >= MAX_FILES)
		return ck_err_set(CK_ETOOBIG, "cloak external: more than %d input files", MAX_FILES);
	if (in->n == in->cap) {
		size_t ncap = in->cap ? in->cap * 2 : 16;
		char **np = ck_calloc(ncap, sizeof(*np));
		unsigned char *ns = ck_calloc(ncap, 1);

		if (np == NULL || ns == NULL) {
			ck_free(np);
			ck_free(ns);
			return ck_err_set(CK_ENOMEM, "cloak external: out of memory");
		}
		if (in->n) {
			memcpy(np, in->paths, in->n * sizeof(*np));
			memcpy(ns, in->is_store, in->n);
		}
		ck_free(in->paths);
		ck_free(in->is_store);
		in->paths = np;
		in->is_store = ns;
		in->cap = ncap;
	}
	if ((in->paths[in->n] = ck_strdup(p)) == NULL)
		return ck_err_set(CK_ENOMEM, "cloak external: out of memory");
	in->is_store[in->n++] = (unsigned char)store;
	return CK_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int manifest_name(const char *n)
{
	size_t l = strlen(n);

	return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) || (l > 4 && strcmp(n + l - 4, ".yml") == 0) ||
	       (l > 5 && strcmp(n + l - 5, ".json") == 0);
}

/* A file, or every *.yaml / *.yml / *.json under a directory (sorted, recursive). */
static int collect(struct inputs *in, const char *path, int store, unsigned depth)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = CK_OK;

	if (strcmp(path, "-") == 0)
		return inputs_add(in, path, store);
	if (stat(path, &st) != 0)
		return ck_err_set(CK_ENOTFOUND, "%s: no such file or directory", path);
	if (!S_ISDIR(st.st_mode))
		return inputs_add(in, path, store);
	if (depth > 32)
		return ck_err_set(CK_ETOOBIG, "%s: directories nested too deeply", path);
	if ((d = opendir(path)) == NULL)
		return ck_err_set(CK_EIO, "%s: cannot read directory", path);
	while ((e = readdir(d)) != NULL) {
		char full[4096];
		struct stat es;

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, e->d_name) >= sizeof(full))
			continue;
		if (stat(full, &es) != 0 || (!S_ISDIR(es.st_mode) && !manifest_name(e->d_name)))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = ck_calloc(ncap, sizeof(*nn));

			if (nn == NULL) {
				rc = ck_err_set(CK_ENOMEM, "cloak external: out of memory");
				break;
			}
			if (n)
				memcpy(nn, names, n * sizeof(*nn));
			ck_free(names);
			names = nn;
			cap = ncap;
		}
		if ((names[n] = ck_strdup(full)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "cloak external: out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (rc >= 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && rc >= 0; i++)
		rc = collect(in, names[i], store, depth + 1);
	for (i = 0; i < n; i++)
		ck_free(names[i]);
	ck_free(names);
	return rc;
}

static int load(struct ck_ext_set *set, const struct inputs *in)
{
	struct ck_buf text;
	size_t i;
	int rc = CK_OK;

	ck_buf_init_secure(&text, EXT_MAX_INPUT);
	for (i = 0; i < in->n && rc >= 0; i++) {
		ck_buf_reset(&text);
		if ((rc = ck_file_read(&text, in->paths[i], EXT_MAX_INPUT)) < 0)
			break;
		rc = ck_ext_set_add(set, in->paths[i], ck_buf_cstr(&text), ck_buf_len(&text));
	}
	ck_buf_dispose(&text);
	return rc;
}

static int from_rendered_file(const struct inputs *in, const char *file)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (strcmp(in->paths[i], file) == 0)
			return !in->is_store[i];
	return 0;
}

static void print_problems(const struct ck_ext_set *set)
{
	size_t i;

	for (i = 0; i < set->nproblems; i++) {
		const struct ck_ext_problem *p = &set->problems[i];

		if (p->line)
			fprintf(stderr, "%s:%u: %s\n", p->file, p->line, p->msg);
		else
			fprintf(stderr, "%s: %s\n", p->file, p->msg);
	}
}

static int usage(FILE *f, const char *what)
{
	if (strcmp(what, "render") == 0)
		fprintf(f, "usage: cloak external render -f FILE|DIR [-f ...] [--store FILE|DIR ...]\n"
		           "                              [-n NAMESPACE] [--name NAME] [-o OUT] [--no-env]\n\n"
		           "Fetch the values an ExternalSecret names from Vault or AWS Secrets Manager and\n"
		           "print the Secret External Secrets Operator would create, one YAML document per\n"
		           "ExternalSecret. Stores (SecretStore / ClusterSecretStore) and the Secrets they\n"
		           "reference may be in any given file; one client per store is reused for all.\n\n"
		           "  -f, --file PATH      ExternalSecret manifests (a directory: every *.yaml/*.yml/*.json)\n"
		           "  -s, --store PATH     SecretStore / ClusterSecretStore manifests (and Secrets)\n"
		           "  -n, --namespace NS   namespace of ExternalSecrets that set none (default: default)\n"
		           "      --name NAME      render only the ExternalSecret NAME\n"
		           "  -o, --output FILE    write atomically to FILE instead of stdout\n"
		           "      --no-env         ignore VAULT_ADDR / VAULT_TOKEN / VAULT_NAMESPACE / AWS_*\n"
		           "      --max-retries N  retries for Vault / AWS requests (default: the store's)\n"
		           "  -j, --jobs N         render with N workers, each with its own connections (default 1)\n"
		           "      --stats          print rendering figures to stderr\n\n"
		           "Run by a person, VAULT_ADDR and VAULT_NAMESPACE override the store's server and\n"
		           "namespace, and VAULT_TOKEN (or ~/.vault-token) and the AWS default chain supply\n"
		           "credentials the manifests do not.\n");
	else
		fprintf(f, "usage: cloak external check -f FILE|DIR [-f ...] [--store FILE|DIR ...]\n\n"
		           "Validate ExternalSecret, SecretStore and ClusterSecretStore manifests without\n"
		           "contacting anything: unknown fields, bad values, features cloak does not\n"
		           "support, missing stores, templates that do not parse. One line per problem\n"
		           "on stderr; exit status 3 when there is any.\n");
	return CK_EXIT_OK;
}

static int cmd_external_run(int argc, char **argv, int render)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "store", required_argument, NULL, 's' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "name", required_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-env", no_argument, NULL, 'E' },
		{ "max-retries", required_argument, NULL, 'R' },
		{ "stats", no_argument, NULL, 'S' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *prog = render ? "cloak external render" : "cloak external check";
	struct ck_ext_session_opts so = CK_EXT_SESSION_OPTS_INIT;
	struct inputs in = { NULL, NULL, 0, 0 };
	struct ck_ext_set *set = NULL;
	const struct ck_ext_es **todo = NULL;
	struct ck_ext_result *res = NULL;
	size_t ntodo = 0, nres = 0, requests = 0;
	unsigned jobs = 1;
	struct ck_buf out;
	const char *only = NULL, *outfile = NULL;
	size_t i, rendered = 0, nfiles = 0;
	struct timespec t0, t1;
	int c, rc = CK_EINTERNAL, stats = 0;

	ck_buf_init_secure(&out, (size_t)1 << 30);
	so.env = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((c = cli_getopt(argc, argv, "f:s:n:o:j:h", opts, prog)) != -1) {
		switch (c) {
		case 'f':
			nfiles++;
			if ((rc = collect(&in, optarg, 0, 0)) < 0)
				goto out;
			break;
		case 's':
			if ((rc = collect(&in, optarg, 1, 0)) < 0)
				goto out;
			break;
		case 'n':
			so.ns = optarg;
			break;
		case 'N':
			only = optarg;
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'E':
			so.env = 0;
			break;
		case 'R': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 0 || v > 100) {
				rc = ck_err_set(CK_EUSAGE, "%s: --max-retries wants 0-100", prog);
				goto out;
			}
			so.max_retries = (int)v;
			break;
		}
		case 'S':
			stats = 1;
			break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end != '\0' || v < 1 || v > 64) {
				rc = ck_err_set(CK_EUSAGE, "%s: --jobs wants 1-64", prog);
				goto out;
			}
			jobs = (unsigned)v;
			break;
		}
		case 'h':
			rc = usage(stdout, render ? "render" : "check");
			goto out;
		default:
			rc = CK_EUSAGE;
			goto out;
		}
	}
	if (optind < argc) {
		rc = ck_err_set(CK_EUSAGE, "%s: unexpected argument '%s' (use -f FILE)", prog,
		                argv[optind]);
		goto out;
	}
	if (nfiles == 0) {
		rc = ck_err_set(CK_EUSAGE, "%s: no input (use -f FILE or -f DIR)", prog);
		goto out;
	}
	if ((rc = ck_ext_set_new(&set)) < 0 || (rc = load(set, &in)) < 0 ||
	    (rc = ck_ext_set_check(set)) < 0)
		goto out;
	if (!render) {
		print_problems(set);
		if (set->nproblems) {
			rc = CK_EXIT_INPUT;
			goto out;
		}
		printf("%zu ExternalSecret(s), %zu store(s), %zu Secret/ConfigMap(s): no problems\n",
		       set->nes, set->nstores, set->nobjects);
		rc = CK_EXIT_OK;
		goto out;
	}
	if ((todo = ck_calloc(set->nes + 1, sizeof(*todo))) == NULL ||
	    (res = ck_calloc(set->nes + 1, sizeof(*res))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "%s: out of memory", prog);
		goto out;
	}
	for (i = 0; i < set->nes; i++) {
		const struct ck_ext_es *es = set->es[i];

		if (!from_rendered_file(&in, es->file) || (only && (!es->name || strcmp(es->name, only))))
			continue;
		if (es->problems) {
			print_problems(set);
			rc = ck_err_set(CK_EINVAL, "%s: ExternalSecret %s has %u problem(s)", es->file,
			                es->name ? es->name : "?", es->problems);
			goto out;
		}
		todo[ntodo++] = es;
	}
	for (i = 0; i < ntodo; i++)
		ck_ext_result_init(&res[i]);
	nres = ntodo;
	if ((rc = ck_ext_render_all(set, todo, ntodo, &so, jobs, res, &requests)) < 0)
		goto out;
	for (i = 0; i < ntodo; i++) {
		const struct ck_ext_es *es = todo[i];

		switch (res[i].outcome) {
		case CK_EXT_SYNCED:
			if ((rendered && (rc = ck_buf_puts(&out, "---\n")) < 0) ||
			    (rc = ck_buf_putb(&out, &res[i].yaml)) < 0)
				goto out;
			rendered++;
			break;
		case CK_EXT_RETAINED:
			/* never an empty Secret as success */
			rc = ck_err_set(CK_ENOTFOUND,
			                "%s: ExternalSecret %s: the provider returned no data; ESO keeps the existing Secret unchanged (deletionPolicy Retain)",
			                es->file, es->name);
			goto out;
		case CK_EXT_DELETED:
			rc = ck_err_set(CK_ENOTFOUND,
			                "%s: ExternalSecret %s: the provider returned no data; ESO deletes the Secret (deletionPolicy Delete)",
			                es->file, es->name);
			goto out;
		case CK_EXT_NOT_MANAGED:
			fprintf(stderr, "cloak: %s: ExternalSecret %s: creationPolicy None: ESO writes no Secret\n",
			        es->file, es->name);
			break;
		}
	}
	if (rendered == 0 && only) {
		rc = ck_err_set(CK_ENOTFOUND, "%s: no ExternalSecret named \"%s\" in the input", prog, only);
		goto out;
	}
	if (rendered == 0 && set->nes == 0) {
		rc = ck_err_set(CK_ENOTFOUND, "%s: no ExternalSecret in the input", prog);
		goto out;
	}
	if (outfile) {
		if ((rc = ck_file_write_atomic(outfile, ck_buf_data(&out), ck_buf_len(&out), 0600)) < 0)
			goto out;
	} else {
		cli_warn_if_world_readable_stdout();
		fwrite(ck_buf_data(&out), 1, ck_buf_len(&out), stdout);
	}
	if (stats) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		fprintf(stderr, "rendered %zu Secret(s) in %.3f s, %zu provider request(s), %u worker(s)\n",
		        rendered, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		        requests, jobs);
	}
	rc = CK_EXIT_OK;
out:
	for (i = 0; i < nres; i++)
		ck_ext_result_dispose(&res[i]);
	ck_free(res);
	ck_free(todo);
	ck_ext_set_free(set);
	inputs_free(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int cmd_external_render(int argc, char **argv)
{
	return cmd_external_run(argc, argv, 1);
}

static int cmd_external_check(int argc, char **argv)
{
	return cmd_external_run(argc, argv, 0);
}

int cmd_external(int argc, char **argv)
{
	static const struct ck_subcmd tbl[] = {
		{ "render", cmd_external_render, "Print the Secret an ExternalSecret produces" },
		{ "check", cmd_external_check, "Validate ExternalSecret / SecretStore manifests offline" },
		{ NULL, NULL, NULL },
	};

	return cli_subcmd_dispatch("cloak external", tbl, argc, argv);
}
