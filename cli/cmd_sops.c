/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak sops / sops: the sops 3.13 command line (subcommands, and the legacy
 * single-command form -e/-d/-r/--set/bare FILE = edit) on top of the sops
 * module's operations. This file parses flags, reads and writes files, and
 * runs the editor and exec-env/exec-file programs; everything else is in
 * sops/. Failures carry sops's exit statuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ck/file.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck/sops_keysource.h"
#include "ck/sops_ops.h"
#include "cli.h"
#include "cmds.h"

extern char **environ;

enum cmd {
	C_NONE = 0,
	C_ENCRYPT = 1 << 0,
	C_DECRYPT = 1 << 1,
	C_EDIT = 1 << 2,
	C_ROTATE = 1 << 3,
	C_UPDATEKEYS = 1 << 4,
	C_SET = 1 << 5,
	C_UNSET = 1 << 6,
	C_EXECENV = 1 << 7,
	C_EXECFILE = 1 << 8,
	C_FILESTATUS = 1 << 9,
	C_LEGACY = 1 << 10,
};

#define C_ALL 0x7ff
#define C_KEYS (C_ENCRYPT | C_EDIT | C_LEGACY)
#define C_READS (C_DECRYPT | C_EDIT | C_ROTATE | C_SET | C_UNSET | C_EXECENV | C_EXECFILE | C_LEGACY)

enum opt {
	O_CONFIG = 256,
	O_VERBOSE,
	O_LOCAL_KS,
	O_KEYSERVICE,
	O_NO_VERSION_CHECK,
	O_CHECK_UPDATES,
	O_OUTPUT,
	O_AWS_PROFILE,
	O_GCP_KMS,
	O_AZURE_KV,
	O_HC_VAULT,
	O_HCKMS,
	O_INPUT_TYPE,
	O_OUTPUT_TYPE,
	O_RULE_UNENC_SUFFIX,
	O_RULE_ENC_SUFFIX,
	O_RULE_UNENC_REGEX,
	O_RULE_ENC_REGEX,
	O_RULE_UNENC_COMMENT,
	O_RULE_ENC_COMMENT,
	O_ENC_CONTEXT,
	O_SHAMIR,
	O_FILENAME_OVERRIDE,
	O_MAC_ONLY,
	O_INDENT,
	O_DECRYPTION_ORDER,
	O_IGNORE_MAC,
	O_EXTRACT,
	O_VALUE_FILE,
	O_VALUE_STDIN,
	O_IDEMPOTENT,
	O_PRISTINE,
	O_SAME_PROCESS,
	O_USER,
	O_BACKGROUND,
	O_FILENAME,
	O_NO_FIFO,
	O_SET,
	O_ADD_FIRST, /* O_ADD_FIRST + type, then O_RM_FIRST + type */
	O_RM_FIRST = O_ADD_FIRST + CK_SOPS_K_NTYPES,
	O_LAST = O_RM_FIRST + CK_SOPS_K_NTYPES,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, O_CONFIG },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "enable-local-keyservice", optional_argument, NULL, O_LOCAL_KS },
	{ "keyservice", required_argument, NULL, O_KEYSERVICE },
	{ "disable-version-check", no_argument, NULL, O_NO_VERSION_CHECK },
	{ "check-for-updates", no_argument, NULL, O_CHECK_UPDATES },
	{ "in-place", no_argument, NULL, 'i' },
	{ "output", required_argument, NULL, O_OUTPUT },
	{ "age", required_argument, NULL, 'a' },
	{ "pgp", required_argument, NULL, 'p' },
	{ "kms", required_argument, NULL, 'k' },
	{ "aws-profile", required_argument, NULL, O_AWS_PROFILE },
	{ "gcp-kms", required_argument, NULL, O_GCP_KMS },
	{ "azure-kv", required_argument, NULL, O_AZURE_KV },
	{ "hc-vault-transit", required_argument, NULL, O_HC_VAULT },
	{ "hckms", required_argument, NULL, O_HCKMS },
	{ "input-type", required_argument, NULL, O_INPUT_TYPE },
	{ "output-type", required_argument, NULL, O_OUTPUT_TYPE },
	{ "unencrypted-suffix", required_argument, NULL, O_RULE_UNENC_SUFFIX },
	{ "encrypted-suffix", required_argument, NULL, O_RULE_ENC_SUFFIX },
	{ "unencrypted-regex", required_argument, NULL, O_RULE_UNENC_REGEX },
	{ "encrypted-regex", required_argument, NULL, O_RULE_ENC_REGEX },
	{ "unencrypted-comment-regex", required_argument, NULL, O_RULE_UNENC_COMMENT },
	{ "encrypted-comment-regex", required_argument, NULL, O_RULE_ENC_COMMENT },
	{ "encryption-context", required_argument, NULL, O_ENC_CONTEXT },
	{ "shamir-secret-sharing-threshold", required_argument, NULL, O_SHAMIR },
	{ "filename-override", required_argument, NULL, O_FILENAME_OVERRIDE },
	{ "mac-only-encrypted", no_argument, NULL, O_MAC_ONLY },
	{ "indent", required_argument, NULL, O_INDENT },
	{ "decryption-order", required_argument, NULL, O_DECRYPTION_ORDER },
	{ "ignore-mac", no_argument, NULL, O_IGNORE_MAC },
	{ "extract", required_argument, NULL, O_EXTRACT },
	{ "show-master-keys", no_argument, NULL, 's' },
	{ "yes", no_argument, NULL, 'y' },
	{ "value-file", no_argument, NULL, O_VALUE_FILE },
	{ "value-stdin", no_argument, NULL, O_VALUE_STDIN },
	{ "idempotent", no_argument, NULL, O_IDEMPOTENT },
	{ "pristine", no_argument, NULL, O_PRISTINE },
	{ "same-process", no_argument, NULL, O_SAME_PROCESS },
	{ "user", required_argument, NULL, O_USER },
	{ "background", no_argument, NULL, O_BACKGROUND },
	{ "filename", required_argument, NULL, O_FILENAME },
	{ "no-fifo", no_argument, NULL, O_NO_FIFO },
	{ "encrypt", no_argument, NULL, 'e' },
	{ "decrypt", no_argument, NULL, 'd' },
	{ "rotate", no_argument, NULL, 'r' },
	{ "set", required_argument, NULL, O_SET },
	{ "add-kms", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_KMS },
	{ "add-gcp-kms", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_GCP_KMS },
	{ "add-hckms", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_HCKMS },
	{ "add-azure-kv", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_AZURE_KV },
	{ "add-hc-vault-transit", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_HC_VAULT },
	{ "add-pgp", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_PGP },
	{ "add-age", required_argument, NULL, O_ADD_FIRST + CK_SOPS_K_AGE },
	{ "rm-kms", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_KMS },
	{ "rm-gcp-kms", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_GCP_KMS },
	{ "rm-hckms", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_HCKMS },
	{ "rm-azure-kv", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_AZURE_KV },
	{ "rm-hc-vault-transit", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_HC_VAULT },
	{ "rm-pgp", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_PGP },
	{ "rm-age", required_argument, NULL, O_RM_FIRST + CK_SOPS_K_AGE },
	{ "help", no_argument, NULL, 'h' },
	{ 0, 0, 0, 0 },
};

/* Which commands accept an option (everything else is "flag provided but not defined"). */
static unsigned allowed(int o)
{
	if (o >= O_ADD_FIRST && o < O_LAST)
		return C_ROTATE | C_LEGACY;
	switch (o) {
	case O_CONFIG: case O_VERBOSE: case O_LOCAL_KS: case O_KEYSERVICE:
	case O_NO_VERSION_CHECK: case O_CHECK_UPDATES: case 'h':
		return C_ALL;
	case 'i': return C_ENCRYPT | C_DECRYPT | C_ROTATE | C_LEGACY;
	case O_OUTPUT: return C_ENCRYPT | C_DECRYPT | C_ROTATE | C_LEGACY;
	case 'a': case 'p': case 'k': case O_AWS_PROFILE: case O_GCP_KMS: case O_AZURE_KV:
	case O_HC_VAULT: case O_HCKMS:
	case O_RULE_UNENC_SUFFIX: case O_RULE_ENC_SUFFIX: case O_RULE_UNENC_REGEX:
	case O_RULE_ENC_REGEX: case O_RULE_UNENC_COMMENT: case O_RULE_ENC_COMMENT:
	case O_MAC_ONLY:
		return C_KEYS;
	case O_ENC_CONTEXT: return C_KEYS | C_ROTATE; /* rotate: for --add-kms keys */
	case O_SHAMIR: return C_KEYS | C_UPDATEKEYS;
	case O_INPUT_TYPE: return C_ALL;
	case O_OUTPUT_TYPE: return C_ENCRYPT | C_DECRYPT | C_EDIT | C_ROTATE | C_EXECFILE | C_LEGACY;
	case O_FILENAME_OVERRIDE: return C_ENCRYPT | C_DECRYPT | C_LEGACY;
	case O_INDENT: return C_ENCRYPT | C_DECRYPT | C_EDIT | C_ROTATE | C_SET | C_UNSET | C_LEGACY;
	case O_DECRYPTION_ORDER: return C_READS | C_UPDATEKEYS;
	case O_IGNORE_MAC: return C_DECRYPT | C_EDIT | C_ROTATE | C_SET | C_UNSET | C_EXECENV | C_EXECFILE | C_LEGACY;
	case O_EXTRACT: return C_DECRYPT | C_LEGACY;
	case 's': return C_EDIT | C_LEGACY;
	case 'y': return C_UPDATEKEYS;
	case O_VALUE_FILE: case O_VALUE_STDIN: return C_SET;
	case O_IDEMPOTENT: return C_SET | C_UNSET;
	case O_PRISTINE: case O_SAME_PROCESS: return C_EXECENV;
	case O_USER: case O_BACKGROUND: return C_EXECENV | C_EXECFILE;
	case O_FILENAME: case O_NO_FIFO: return C_EXECFILE;
	case 'e': case 'd': case 'r': case O_SET: return C_LEGACY;
	}
	return 0;
}

struct args {
	enum cmd cmd;
	struct ck_sops_opts o;
	const char *output;
	int in_place, show_keys, yes, value_file, value_stdin, idempotent;
	int pristine, same_process, background, no_fifo;
	const char *user, *filename, *extract, *set, *decryption_order;
	const char *add[CK_SOPS_K_NTYPES], *rm[CK_SOPS_K_NTYPES];
	int e, d, r;
	char **pos;
	int npos;
};

#define usage_err(fmt, a) ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_GENERIC, fmt, a)

static int set_rule(struct args *a, enum ck_sops_rule r, const char *v)
{
	if (a->o.nrules == 0 || a->o.rule != r)
		a->o.nrules++;
	a->o.rule = r;
	a->o.rule_value = v;
	return CK_OK;
}

static int parse_int(const char *s, int *out)
{
	char *e;
	long v = strtol(s, &e, 10);

	if (*s == '\0' || *e != '\0' || v < 0 || v > 255)
		return usage_err("sops: '%s' is not a small number", s);
	*out = (int)v;
	return CK_OK;
}

static const char *prog_name(enum cmd c)
{
	switch (c) {
	case C_ENCRYPT: return "sops encrypt";
	case C_DECRYPT: return "sops decrypt";
	case C_EDIT: return "sops edit";
	case C_ROTATE: return "sops rotate";
	case C_UPDATEKEYS: return "sops updatekeys";
	case C_SET: return "sops set";
	case C_UNSET: return "sops unset";
	case C_EXECENV: return "sops exec-env";
	case C_EXECFILE: return "sops exec-file";
	case C_FILESTATUS: return "sops filestatus";
	default: return "sops";
	}
}

static void help(enum cmd c)
{
	if (c == C_LEGACY || c == C_NONE) {
		printf("usage: sops [GLOBAL FLAGS] COMMAND [FLAGS] FILE...\n"
		       "       sops [-e|-d|-r|--set PATH_VALUE] [FLAGS] FILE   (legacy form; bare FILE edits)\n\n"
		       "commands:\n"
		       "  encrypt      encrypt a file (stdin when none) and print it\n"
		       "  decrypt      decrypt a file and print it (--extract '[\"a\"][0]')\n"
		       "  edit         decrypt into a private temp file, run $SOPS_EDITOR/$EDITOR, re-encrypt\n"
		       "  rotate       new data key (--add-age/--rm-age, --add-pgp/--rm-pgp, ...)\n"
		       "  updatekeys   make the master keys match .sops.yaml (same data key)\n"
		       "  set          set one value: set FILE PATH JSON_VALUE\n"
		       "  unset        remove one value: unset FILE PATH\n"
		       "  exec-env     run a command with the top-level values in its environment\n"
		       "  exec-file    run a command with the decrypted file as {}\n"
		       "  filestatus   print {\"encrypted\":true|false}\n\n"
		       "global flags: --config FILE (SOPS_CONFIG), --verbose\n"
		       "key flags: --age/-a (SOPS_AGE_RECIPIENTS), --pgp/-p (SOPS_PGP_FP), --kms/-k,\n"
		       "  --gcp-kms, --azure-kv, --hc-vault-transit, --hckms, --aws-profile, --encryption-context\n"
		       "other flags: -i/--in-place, --output FILE, --input-type/--output-type\n"
		       "  (yaml, json, dotenv, ini, binary), --unencrypted-suffix, --encrypted-suffix,\n"
		       "  --unencrypted-regex, --encrypted-regex, --unencrypted-comment-regex,\n"
		       "  --encrypted-comment-regex, --mac-only-encrypted, --shamir-secret-sharing-threshold,\n"
		       "  --indent N, --ignore-mac, --decryption-order age,pgp, --filename-override\n"
		       "identities: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, SOPS_AGE_KEY_CMD,\n"
		       "  ~/.config/sops/age/keys.txt; PGP through gpg (SOPS_GPG_EXEC, GNUPGHOME)\n");
		return;
	}
	printf("usage: %s [FLAGS] %s\n\nSee 'sops --help' for the flags.\n", prog_name(c),
	       c == C_SET ? "FILE PATH VALUE" : c == C_UNSET ? "FILE PATH" :
	       c == C_EXECENV || c == C_EXECFILE ? "FILE COMMAND" : c == C_UPDATEKEYS ? "FILE..." : "FILE");
}

/* Flags for command c starting at argv[1]; positional arguments collected. */
static int parse_flags(struct args *a, enum cmd c, int argc, char **argv)
{
	int ch, rc;

	a->cmd = c;
	cli_opt_reset();
	/* "+": stop at the first non-option (exec-env commands keep their own flags) */
	while ((ch = cli_getopt(argc, argv, c & (C_EXECENV | C_EXECFILE) ? "+:ia:p:k:syedrh" : ":ia:p:k:syedrh",
	                        long_opts, prog_name(c))) != -1) {
		if (ch == '?')
			return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_GENERIC, "%s", ck_err_last()->msg);
		if (!(allowed(ch) & c))
			return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_GENERIC,
			                       "%s: flag provided but not defined: '%s'", prog_name(c),
			                       argv[optind - 1]);
		switch (ch) {
		case 'h':
			help(c);
			return 1;
		case O_CONFIG: a->o.config_path = optarg; break;
		case O_VERBOSE: case O_LOCAL_KS: case O_NO_VERSION_CHECK: case O_CHECK_UPDATES: break;
		case O_KEYSERVICE:
			fprintf(stderr, "sops: warning: --keyservice is not supported, using local keys\n");
			break;
		case 'i': a->in_place = 1; break;
		case O_OUTPUT: a->output = optarg; break;
		case 'a': a->o.keys[CK_SOPS_K_AGE] = optarg; break;
		case 'p': a->o.keys[CK_SOPS_K_PGP] = optarg; break;
		case 'k': a->o.keys[CK_SOPS_K_KMS] = optarg; break;
		case O_AWS_PROFILE: a->o.aws_profile = optarg; break;
		case O_GCP_KMS: a->o.keys[CK_SOPS_K_GCP_KMS] = optarg; break;
		case O_AZURE_KV: a->o.keys[CK_SOPS_K_AZURE_KV] = optarg; break;
		case O_HC_VAULT: a->o.keys[CK_SOPS_K_HC_VAULT] = optarg; break;
		case O_HCKMS: a->o.keys[CK_SOPS_K_HCKMS] = optarg; break;
		case O_INPUT_TYPE:
			if ((rc = ck_sops_format_from_name(&a->o.in_fmt, optarg)) < 0)
				return rc;
			break;
		case O_OUTPUT_TYPE:
			if ((rc = ck_sops_format_from_name(&a->o.out_fmt, optarg)) < 0)
				return rc;
			break;
		case O_RULE_UNENC_SUFFIX: set_rule(a, CK_SOPS_RULE_UNENCRYPTED_SUFFIX, optarg); break;
		case O_RULE_ENC_SUFFIX: set_rule(a, CK_SOPS_RULE_ENCRYPTED_SUFFIX, optarg); break;
		case O_RULE_UNENC_REGEX: set_rule(a, CK_SOPS_RULE_UNENCRYPTED_REGEX, optarg); break;
		case O_RULE_ENC_REGEX: set_rule(a, CK_SOPS_RULE_ENCRYPTED_REGEX, optarg); break;
		case O_RULE_UNENC_COMMENT: set_rule(a, CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX, optarg); break;
		case O_RULE_ENC_COMMENT: set_rule(a, CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX, optarg); break;
		case O_ENC_CONTEXT: a->o.kms_context = optarg; break;
		case O_SHAMIR:
			if ((rc = parse_int(optarg, &a->o.shamir_threshold)) < 0)
				return rc;
			break;
		case O_FILENAME_OVERRIDE: a->o.file_path = optarg; break;
		case O_MAC_ONLY: a->o.mac_only = 1; break;
		case O_INDENT:
			if ((rc = parse_int(optarg, &a->o.indent)) < 0)
				return rc;
			break;
		case O_DECRYPTION_ORDER: a->decryption_order = optarg; break;
		case O_IGNORE_MAC: a->o.ignore_mac = 1; break;
		case O_EXTRACT: a->extract = optarg; break;
		case 's': a->show_keys = 1; break;
		case 'y': a->yes = 1; break;
		case O_VALUE_FILE: a->value_file = 1; break;
		case O_VALUE_STDIN: a->value_stdin = 1; break;
		case O_IDEMPOTENT: a->idempotent = 1; break;
		case O_PRISTINE: a->pristine = 1; break;
		case O_SAME_PROCESS: a->same_process = 1; break;
		case O_USER: a->user = optarg; break;
		case O_BACKGROUND: a->background = 1; break;
		case O_FILENAME: a->filename = optarg; break;
		case O_NO_FIFO: a->no_fifo = 1; break;
		case 'e': a->e = 1; break;
		case 'd': a->d = 1; break;
		case 'r': a->r = 1; break;
		case O_SET: a->set = optarg; break;
		default:
			if (ch >= O_ADD_FIRST && ch < O_RM_FIRST)
				a->add[ch - O_ADD_FIRST] = optarg;
			else if (ch >= O_RM_FIRST && ch < O_LAST)
				a->rm[ch - O_RM_FIRST] = optarg;
			break;
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	return CK_OK;
}

/* Keys given through the environment count as flags (urfave EnvVars). */
static void env_defaults(struct args *a)
{
	static const struct {
		const char *env;
		enum ck_sops_ktype t;
	} ev[] = {
		{ "SOPS_AGE_RECIPIENTS", CK_SOPS_K_AGE },
		{ "SOPS_PGP_FP", CK_SOPS_K_PGP },
		{ "SOPS_KMS_ARN", CK_SOPS_K_KMS },
		{ "SOPS_GCP_KMS_IDS", CK_SOPS_K_GCP_KMS },
		{ "SOPS_AZURE_KEYVAULT_URLS", CK_SOPS_K_AZURE_KV },
		{ "SOPS_VAULT_URIS", CK_SOPS_K_HC_VAULT },
		{ "SOPS_HUAWEICLOUD_KMS_IDS", CK_SOPS_K_HCKMS },
	};
	size_t i;

	if (!(a->cmd & C_KEYS))
		return;
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		const char *v = getenv(ev[i].env);

		if (a->o.keys[ev[i].t] == NULL && v != NULL && v[0] != '\0')
			a->o.keys[ev[i].t] = v;
	}
}

static int setup_ctx(struct ck_sops_keyctx *ctx, const struct args *a)
{
	const char *order = a->decryption_order ? a->decryption_order : getenv("SOPS_DECRYPTION_ORDER");

	ck_sops_keyctx_init(ctx);
	if (order != NULL && order[0] != '\0')
		return ck_sops_keyctx_set_order(ctx, order);
	return CK_OK;
}

/* ---- input and output ---- */

static int read_input(struct ck_buf *b, const char *path, int secret)
{
	struct stat st;
	int rc;

	/*
	 * A regular file gets a buffer of exactly its size (plus the 64 KiB of
	 * room ck_file_read asks for per read) in one allocation: no doubling
	 * series of copies, and no power-of-two slack (secure memory is locked
	 * and zeroed, so slack would be resident). The buffer's limit is that
	 * size, so a file growing while it is read fails cleanly.
	 */
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size < CK_BUF_MAX - 65538) {
		size_t cap = (size_t)st.st_size + 65537;

		if (secret)
			ck_buf_init_secure(b, cap);
		else
			ck_buf_init(b, cap);
		if (ck_buf_grow(b, cap) < 0)
			return CK_ENOMEM;
	} else if (secret) {
		ck_buf_init_secure(b, 0);
	} else {
		ck_buf_init(b, 0);
	}
	if ((rc = ck_file_read(b, path, CK_BUF_MAX)) < 0) {
		if (rc == CK_ENOTFOUND)
			return ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
			                       "sops: %s: no such file", path);
		return ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE, "sops: %s",
		                       ck_err_last()->msg);
	}
	return CK_OK;
}

static int write_out(const struct args *a, const char *inpath, const struct ck_buf *out, int plaintext)
{
	const char *target = a->in_place ? inpath : a->output;
	int rc;

	if (target == NULL || strcmp(target, "-") == 0) {
		if (fwrite(ck_buf_data(out), 1, ck_buf_len(out), stdout) != ck_buf_len(out))
			return ck_err_set_exit(CK_EIO, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE,
			                       "sops: cannot write to standard output");
		return CK_OK;
	}
	if ((rc = ck_file_write_atomic(target, ck_buf_data(out), ck_buf_len(out), plaintext ? 0600 : 0644)) < 0)
		return ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE, "sops: %s",
		                       ck_err_last()->msg);
	return CK_OK;
}

static int one_file(const struct args *a, const char **path, int allow_stdin)
{
	if (a->npos > 1)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_GENERIC,
		                       "%s: too many arguments ('%s')", prog_name(a->cmd), a->pos[1]);
	if (a->npos == 1) {
		*path = a->pos[0];
		return CK_OK;
	}
	if (allow_stdin) {
		*path = "-";
		return CK_OK;
	}
	return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_NO_FILE_SPECIFIED, "%s: no file specified",
	                       prog_name(a->cmd));
}

static int check_inplace(const struct args *a, const char *path)
{
	if (a->in_place && a->output != NULL)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_CONFLICTING_PARAMETERS,
		                       "sops: cannot operate on both --output and --in-place");
	if (a->in_place && strcmp(path, "-") == 0)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_CONFLICTING_PARAMETERS,
		                       "sops: --in-place needs a file");
	return CK_OK;
}

/* ---- commands ---- */

/* Streamed YAML output to standard output (big files are never held whole). */
static int flush_stdout(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	if (fwrite(p, 1, n, stdout) != n)
		return ck_err_set_exit(CK_EIO, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE,
		                       "sops: cannot write to standard output");
	return CK_OK;
}

static void stream_to_stdout(struct args *a)
{
	if (!a->in_place && (a->output == NULL || strcmp(a->output, "-") == 0)) {
		a->o.flush = flush_stdout;
		a->o.flush_ctx = NULL;
	}
}

static int run_encrypt(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_buf in, out;
	const char *path;
	int rc;

	ck_buf_init(&out, 0);
	if ((rc = one_file(a, &path, 1)) < 0 || (rc = check_inplace(a, path)) < 0)
		return rc;
	if (a->o.file_path == NULL)
		a->o.file_path = path;
	if ((rc = read_input(&in, path, 1)) < 0)
		return rc;
	if (strcmp(path, "-") == 0 && a->o.in_fmt == CK_SOPS_FMT_NONE && a->o.file_path == path)
		a->o.in_fmt = CK_SOPS_FMT_YAML, a->o.file_path = "stdin.yaml";
	stream_to_stdout(a);
	rc = ck_sops_op_encrypt(&out, &in, &a->o, ctx);
	if (rc == CK_OK)
		rc = write_out(a, path, &out, 0);
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int run_decrypt(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_buf in, out;
	const char *path;
	int rc;

	ck_buf_init_secure(&out, 0);
	if ((rc = one_file(a, &path, 1)) < 0 || (rc = check_inplace(a, path)) < 0)
		return rc;
	if (a->o.file_path == NULL)
		a->o.file_path = strcmp(path, "-") == 0 && a->o.in_fmt == CK_SOPS_FMT_NONE ? "stdin.yaml"
		                                                                            : path;
	if ((rc = read_input(&in, path, 0)) < 0)
		return rc;
	stream_to_stdout(a);
	rc = ck_sops_op_decrypt(&out, &in, &a->o, ctx, a->extract);
	if (rc == CK_OK)
		rc = write_out(a, path, &out, 1);
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int run_rotate(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_buf in, out;
	const char *path;
	int rc;

	ck_buf_init(&out, 0);
	if ((rc = one_file(a, &path, 0)) < 0 || (rc = check_inplace(a, path)) < 0)
		return rc;
	a->o.file_path = path;
	if ((rc = read_input(&in, path, 0)) < 0)
		return rc;
	rc = ck_sops_op_rotate(&out, &in, &a->o, ctx, a->add, a->rm);
	if (rc == CK_OK)
		rc = write_out(a, path, &out, 0);
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int confirm(const char *q)
{
	char line[16];

	fprintf(stderr, "%s", q);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int run_updatekeys(struct args *a, struct ck_sops_keyctx *ctx)
{
	int i, rc = CK_OK;

	if (a->npos == 0)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_NO_FILE_SPECIFIED,
		                       "sops updatekeys: no file specified");
	for (i = 0; i < a->npos && rc == CK_OK; i++) {
		struct ck_buf in, out, diff;
		int changed = 0;

		ck_buf_init(&out, 0);
		ck_buf_init(&diff, 0);
		a->o.file_path = a->pos[i];
		if ((rc = read_input(&in, a->pos[i], 0)) < 0)
			break;
		rc = ck_sops_op_updatekeys(&out, &in, &a->o, ctx, &diff, &changed);
		if (rc == CK_OK && !changed)
			fprintf(stderr, "File %s already up to date\n", a->pos[i]);
		if (rc == CK_OK && changed) {
			fprintf(stderr, "The following changes will be made to the file's groups:\n%s",
			        ck_buf_cstr(&diff));
			if (!a->yes && !confirm("Is this okay? (y/n):")) {
				fprintf(stderr, "Changes not applied to %s\n", a->pos[i]);
			} else {
				rc = ck_file_write_atomic(a->pos[i], ck_buf_data(&out), ck_buf_len(&out), 0644);
				if (rc < 0)
					rc = ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE, "sops: %s",
					                     ck_err_last()->msg);
				else
					fprintf(stderr, "File %s synced with new keys\n", a->pos[i]);
			}
		}
		ck_buf_dispose(&in);
		ck_buf_dispose(&out);
		ck_buf_dispose(&diff);
	}
	return rc;
}

static int run_set(struct args *a, struct ck_sops_keyctx *ctx, const char *file, const char *path,
                   const char *value)
{
	struct ck_buf in, out, val;
	int rc, changed = 0;

	ck_buf_init(&out, 0);
	ck_buf_init_secure(&val, 0);
	a->o.file_path = file;
	if (a->value_stdin) {
		if ((rc = ck_fd_read_all(&val, STDIN_FILENO, 1 << 26)) < 0)
			goto out;
	} else if (a->value_file) {
		if ((rc = ck_file_read(&val, value, 1 << 26)) < 0)
			goto out;
	} else if (ck_buf_puts(&val, value) < 0) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	if ((rc = read_input(&in, file, 0)) < 0)
		goto out;
	rc = ck_sops_op_set(&out, &in, &a->o, ctx, path, (const char *)ck_buf_data(&val),
	                    ck_buf_len(&val), a->idempotent, &changed);
	ck_buf_dispose(&in);
	if (rc == CK_OK && changed) {
		rc = ck_file_write_atomic(file, ck_buf_data(&out), ck_buf_len(&out), 0644);
		if (rc < 0)
			rc = ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE, "sops: %s",
			                     ck_err_last()->msg);
	}
out:
	ck_buf_dispose(&out);
	ck_buf_dispose(&val);
	return rc;
}

static int run_unset(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_buf in, out;
	int rc, changed = 0;

	if (a->npos != 2)
		return ck_err_set_exit(CK_EUSAGE, a->npos == 0 ? CK_SOPS_EXIT_NO_FILE_SPECIFIED
		                                               : CK_SOPS_EXIT_ERROR_GENERIC,
		                       "sops unset: want FILE PATH");
	ck_buf_init(&out, 0);
	a->o.file_path = a->pos[0];
	if ((rc = read_input(&in, a->pos[0], 0)) < 0)
		return rc;
	rc = ck_sops_op_unset(&out, &in, &a->o, ctx, a->pos[1], a->idempotent, &changed);
	if (rc == CK_OK && changed) {
		rc = ck_file_write_atomic(a->pos[0], ck_buf_data(&out), ck_buf_len(&out), 0644);
		if (rc < 0)
			rc = ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE, "sops: %s",
			                     ck_err_last()->msg);
	}
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int run_filestatus(struct args *a)
{
	struct ck_buf in;
	const char *path;
	enum ck_sops_format fmt;
	int rc;

	if ((rc = one_file(a, &path, 0)) < 0 || (rc = read_input(&in, path, 0)) < 0)
		return rc;
	fmt = a->o.in_fmt != CK_SOPS_FMT_NONE ? a->o.in_fmt : ck_sops_format_from_path(path);
	printf("{\"encrypted\":%s}\n",
	       ck_sops_op_is_encrypted(ck_buf_data(&in), ck_buf_len(&in), fmt) ? "true" : "false");
	ck_buf_dispose(&in);
	return CK_EXIT_OK;
}

/* ---- running programs ---- */

static int wait_child(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int switch_user(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return -1;
	return 0;
}

/* /bin/sh -c cmd with env; returns the exit status (>= 0) or an error. */
static int run_shell(const char *cmd, char **env, const char *user, int background, int same_process)
{
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	pid_t pid;

	fflush(stdout);
	if (same_process) {
		if (user != NULL && switch_user(user) < 0)
			return ck_err_set(CK_EDENIED, "sops: cannot switch to user %s", user);
		execve("/bin/sh", (char *const *)argv, env);
		return ck_err_set(CK_EIO, "sops: cannot run /bin/sh: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0)
		return ck_err_set(CK_EIO, "sops: cannot start a process: %s", strerror(errno));
	if (pid == 0) {
		if (user != NULL && switch_user(user) < 0)
			_exit(126);
		execve("/bin/sh", (char *const *)argv, env);
		_exit(127);
	}
	if (background)
		return CK_EXIT_OK;
	return wait_child(pid);
}

/* environ (unless pristine) plus the KEY=VALUE lines of text. */
static char **build_env(const struct ck_buf *lines, int pristine, char **store, size_t storelen)
{
	size_t n = 0, cap = 16, i;
	char **env;
	const char *s = ck_buf_cstr(lines), *e;

	for (i = 0; !pristine && environ[i] != NULL; i++)
		cap++;
	for (e = s; *e; e++)
		cap += *e == '\n';
	if ((env = calloc(cap + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; !pristine && environ[i] != NULL; i++)
		env[n++] = environ[i];
	(void)store;
	(void)storelen;
	while (*s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		if (len > 0 && s[0] != '#') {
			char *line = ck_secret_alloc(len + 1);

			if (line == NULL)
				break;
			memcpy(line, s, len);
			env[n++] = line;
		}
		s = nl ? nl + 1 : s + len;
	}
	env[n] = NULL;
	return env;
}

static void free_env(char **env, int pristine)
{
	size_t i = 0;

	if (env == NULL)
		return;
	if (!pristine)
		while (environ[i] != NULL)
			i++;
	for (; env[i] != NULL; i++)
		ck_secret_free(env[i]);
	free(env);
}

static int run_exec_env(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_buf in, lines;
	char **env = NULL;
	int rc;

	if (a->npos != 2)
		return ck_err_set_exit(CK_EUSAGE, a->npos == 0 ? CK_SOPS_EXIT_NO_FILE_SPECIFIED
		                                               : CK_SOPS_EXIT_ERROR_GENERIC,
		                       "sops exec-env: want FILE COMMAND");
	if (a->background && a->same_process)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_CONFLICTING_PARAMETERS,
		                       "sops exec-env: background is not supported for same-process");
	a->o.file_path = a->pos[0];
	ck_buf_init_secure(&lines, 0);
	if ((rc = read_input(&in, a->pos[0], 0)) < 0)
		return rc;
	if ((rc = ck_sops_op_env(&lines, &in, &a->o, ctx)) == CK_OK) {
		if ((env = build_env(&lines, a->pristine, NULL, 0)) == NULL)
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		else
			rc = run_shell(a->pos[1], env, a->user, a->background, a->same_process);
	}
	free_env(env, a->pristine);
	ck_buf_dispose(&in);
	ck_buf_dispose(&lines);
	return rc;
}

/* Replace every {} in cmd by path. */
static int substitute(struct ck_buf *out, const char *cmd, const char *path)
{
	const char *p = cmd, *q;

	while ((q = strstr(p, "{}")) != NULL) {
		if (ck_buf_put(out, p, (size_t)(q - p)) < 0 || ck_buf_puts(out, path) < 0)
			return CK_ENOMEM;
		p = q + 2;
	}
	return ck_buf_puts(out, p) < 0 ? CK_ENOMEM : CK_OK;
}

static int run_exec_file(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_buf in, plain, dir, file, cmd;
	pid_t writer = -1;
	int rc;

	if (a->npos != 2)
		return ck_err_set_exit(CK_EUSAGE, a->npos == 0 ? CK_SOPS_EXIT_NO_FILE_SPECIFIED
		                                               : CK_SOPS_EXIT_ERROR_GENERIC,
		                       "sops exec-file: want FILE COMMAND");
	a->o.file_path = a->pos[0];
	ck_buf_init_secure(&plain, 0);
	ck_buf_init(&dir, 0);
	ck_buf_init(&file, 0);
	ck_buf_init(&cmd, 0);
	if ((rc = read_input(&in, a->pos[0], 0)) < 0)
		return rc;
	if ((rc = ck_sops_op_decrypt(&plain, &in, &a->o, ctx, NULL)) < 0 ||
	    (rc = ck_tmpdir_create(&dir, "sops")) < 0)
		goto out;
	if (a->filename != NULL && (strchr(a->filename, '/') != NULL || a->filename[0] == '.')) {
		rc = usage_err("sops exec-file: --filename '%s' must be a plain file name", a->filename);
		goto out;
	}
	if (ck_buf_printf(&file, "%s/%s", ck_buf_cstr(&dir), a->filename ? a->filename : "tmp-file") < 0) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	if (a->no_fifo) {
		if ((rc = ck_file_write_new(ck_buf_cstr(&file), ck_buf_data(&plain), ck_buf_len(&plain), 0600)) < 0)
			goto out;
	} else {
		if (mkfifo(ck_buf_cstr(&file), 0600) < 0) {
			rc = ck_err_set(CK_EIO, "sops: cannot create a fifo: %s", strerror(errno));
			goto out;
		}
		/* opening a fifo for writing blocks until the command reads it */
		writer = fork();
		if (writer < 0) {
			rc = ck_err_set(CK_EIO, "sops: cannot start a process: %s", strerror(errno));
			goto out;
		}
		if (writer == 0) {
			int fd = open(ck_buf_cstr(&file), O_WRONLY);

			if (fd >= 0) {
				(void)!ck_fd_write_all(fd, ck_buf_data(&plain), ck_buf_len(&plain));
				close(fd);
			}
			_exit(0);
		}
	}
	if ((rc = substitute(&cmd, a->pos[1], ck_buf_cstr(&file))) < 0) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	rc = run_shell(ck_buf_cstr(&cmd), environ, a->user, a->background, 0);
out:
	if (writer > 0) {
		/* a command that never read the fifo leaves the writer blocked */
		kill(writer, SIGKILL);
		wait_child(writer);
	}
	/* ck_tmpdir_remove opens every file to wipe it, which would block on
	 * the fifo (no reader left): remove the fifo first */
	if (!a->no_fifo && ck_buf_len(&file) > 0)
		(void)unlink(ck_buf_cstr(&file));
	if (ck_buf_len(&dir) > 0 && !a->background)
		(void)ck_tmpdir_remove(ck_buf_cstr(&dir));
	ck_buf_dispose(&in);
	ck_buf_dispose(&plain);
	ck_buf_dispose(&dir);
	ck_buf_dispose(&file);
	ck_buf_dispose(&cmd);
	return rc;
}

/* ---- edit ---- */

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

/* Split an editor command like shlex: whitespace, '...' and "..." quoting, backslash. */
static int split_words(char *s, char **words, int max)
{
	int n = 0;
	char *r = s, *w = s;

	while (*r != '\0' && n < max) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '\0')
			break;
		words[n++] = w;
		while (*r != '\0' && *r != ' ' && *r != '\t') {
			if (*r == '\'' || *r == '"') {
				char q = *r++;

				while (*r != '\0' && *r != q) {
					if (q == '"' && *r == '\\' && r[1] != '\0')
						r++;
					*w++ = *r++;
				}
				if (*r == q)
					r++;
			} else if (*r == '\\' && r[1] != '\0') {
				r++;
				*w++ = *r++;
			} else {
				*w++ = *r++;
			}
		}
		if (*r != '\0')
			r++;
		*w++ = '\0';
	}
	return n;
}

static int run_editor(const char *path)
{
	const char *ed = getenv("SOPS_EDITOR");
	char buf[4096], *words[64];
	const char *argv[66];
	int n, i;
	pid_t pid;

	if (ed == NULL || ed[0] == '\0')
		ed = getenv("EDITOR");
	if (ed == NULL || ed[0] == '\0') {
		static const char *const tries[] = { "vim", "nano", "vi", NULL };

		for (i = 0; tries[i] != NULL && !on_path(tries[i]); i++)
			;
		if (tries[i] == NULL)
			return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_NO_EDITOR_FOUND,
			                       "sops: no editor available: set SOPS_EDITOR or EDITOR");
		ed = tries[i];
	}
	snprintf(buf, sizeof(buf), "%s", ed);
	n = split_words(buf, words, 64);
	if (n == 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_NO_EDITOR_FOUND, "sops: empty editor command");
	for (i = 0; i < n; i++)
		argv[i] = words[i];
	argv[n] = path;
	argv[n + 1] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return ck_err_set(CK_EIO, "sops: cannot start the editor: %s", strerror(errno));
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	i = wait_child(pid);
	if (i == 127)
		return ck_err_set_exit(CK_ENOTFOUND, CK_SOPS_EXIT_NO_EDITOR_FOUND,
		                       "sops: cannot run editor '%s'", argv[0]);
	if (i != 0)
		return ck_err_set_exit(CK_EIO, CK_SOPS_EXIT_ERROR_GENERIC,
		                       "sops: the editor exited with status %d", i);
	return CK_OK;
}

static int run_edit(struct args *a, struct ck_sops_keyctx *ctx)
{
	struct ck_sops_edit *e = NULL;
	struct ck_buf in, shown, edited, out, dir, tmp;
	uint8_t h1[CK_SHA256_LEN], h2[CK_SHA256_LEN];
	const char *path = NULL;
	char base[1024];
	int rc, exists;

	if ((rc = one_file(a, &path, 0)) < 0)
		return rc;
	a->o.file_path = path;
	ck_buf_init(&in, 0);
	ck_buf_init_secure(&shown, 0);
	ck_buf_init_secure(&edited, 0);
	ck_buf_init(&out, 0);
	ck_buf_init(&dir, 0);
	ck_buf_init(&tmp, 0);
	exists = ck_file_exists(path);
	if (exists && (rc = read_input(&in, path, 0)) < 0)
		goto out;
	if ((rc = ck_sops_edit_open(&e, &shown, exists ? &in : NULL, &a->o, ctx, a->show_keys)) < 0)
		goto out;
	/* a private 0700 directory; the file keeps the name so editors pick the syntax */
	snprintf(base, sizeof(base), "%s", path);
	if ((rc = ck_tmpdir_create(&dir, "sops")) < 0 ||
	    ck_buf_printf(&tmp, "%s/%s", ck_buf_cstr(&dir), basename(base)) < 0) {
		rc = rc < 0 ? rc : ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	if ((rc = ck_file_write_new(ck_buf_cstr(&tmp), ck_buf_data(&shown), ck_buf_len(&shown), 0600)) < 0)
		goto out;
	ck_sha256(h1, ck_buf_data(&shown), ck_buf_len(&shown));
	for (;;) {
		if ((rc = run_editor(ck_buf_cstr(&tmp))) < 0)
			goto out;
		ck_buf_reset(&edited);
		if ((rc = ck_file_read(&edited, ck_buf_cstr(&tmp), CK_BUF_MAX)) < 0)
			goto out;
		ck_sha256(h2, ck_buf_data(&edited), ck_buf_len(&edited));
		if (exists && ck_memeq(h1, h2, sizeof(h1))) {
			fprintf(stderr, "File has not changed, exiting.\n");
			rc = CK_SOPS_EXIT_NO_FILE_MODIFIED;
			goto out;
		}
		rc = ck_sops_edit_close(e, &out, &edited, ctx);
		if (rc == CK_OK || !isatty(STDIN_FILENO))
			break;
		/* let the user fix what the editor produced instead of losing it */
		fprintf(stderr, "sops: %s\nPress Enter to return to the editor, or Ctrl+C to exit.\n",
		        ck_err_last()->msg);
		{
			char line[8];

			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
		}
		memcpy(h1, h2, sizeof(h1));
	}
	if (rc < 0)
		goto out;
	if ((rc = ck_file_write_atomic(path, ck_buf_data(&out), ck_buf_len(&out), 0600)) < 0)
		rc = ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE, "sops: %s",
		                     ck_err_last()->msg);
out:
	if (ck_buf_len(&dir) > 0)
		(void)ck_tmpdir_remove(ck_buf_cstr(&dir));
	ck_sops_edit_free(e);
	ck_buf_dispose(&in);
	ck_buf_dispose(&shown);
	ck_buf_dispose(&edited);
	ck_buf_dispose(&out);
	ck_buf_dispose(&dir);
	ck_buf_dispose(&tmp);
	ck_memzero(h1, sizeof(h1));
	ck_memzero(h2, sizeof(h2));
	return rc;
}

/* ---- dispatch ---- */

static int run(struct args *a)
{
	struct ck_sops_keyctx ctx;
	int rc;

	env_defaults(a);
	if ((rc = setup_ctx(&ctx, a)) < 0) {
		ck_sops_keyctx_dispose(&ctx);
		return rc;
	}
	switch (a->cmd) {
	case C_ENCRYPT: rc = run_encrypt(a, &ctx); break;
	case C_DECRYPT: rc = run_decrypt(a, &ctx); break;
	case C_EDIT: rc = run_edit(a, &ctx); break;
	case C_ROTATE: rc = run_rotate(a, &ctx); break;
	case C_UPDATEKEYS: rc = run_updatekeys(a, &ctx); break;
	case C_UNSET: rc = run_unset(a, &ctx); break;
	case C_EXECENV: rc = run_exec_env(a, &ctx); break;
	case C_EXECFILE: rc = run_exec_file(a, &ctx); break;
	case C_FILESTATUS: rc = run_filestatus(a); break;
	case C_SET:
		if (a->npos != (a->value_stdin ? 2 : 3))
			rc = ck_err_set_exit(CK_EUSAGE, a->npos == 0 ? CK_SOPS_EXIT_NO_FILE_SPECIFIED
			                                             : CK_SOPS_EXIT_ERROR_GENERIC,
			                     "sops set: want FILE PATH VALUE (or --value-stdin: FILE PATH)");
		else
			rc = run_set(a, &ctx, a->pos[0], a->pos[1], a->value_stdin ? NULL : a->pos[2]);
		break;
	default:
		rc = ck_err_set(CK_EINTERNAL, "sops: no command");
	}
	ck_sops_keyctx_dispose(&ctx);
	return rc;
}

/* sops --set '["a"]["b"] "value"': the path ends at the first "] ". */
static int legacy_set(struct args *a, struct ck_sops_keyctx *ctx)
{
	const char *s = a->set, *sp = strstr(s, "] ");
	char path[4096];
	const char *file = NULL;
	int rc;

	if (sp == NULL || (size_t)(sp - s + 1) >= sizeof(path))
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_INVALID_SET_FORMAT,
		                       "sops: invalid --set format: want '[\"key\"] value'");
	memcpy(path, s, (size_t)(sp - s + 1));
	path[sp - s + 1] = 0;
	if ((rc = one_file(a, &file, 0)) < 0)
		return rc;
	sp += 2;
	while (*sp == ' ')
		sp++;
	a->value_file = 0;
	a->value_stdin = 0;
	return run_set(a, ctx, file, path, sp);
}

static int run_legacy(struct args *a)
{
	struct ck_sops_keyctx ctx;
	int n = a->e + a->d + a->r + (a->set != NULL), rc;

	if (n > 1)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_CONFLICTING_PARAMETERS,
		                       "sops: use only one of --encrypt, --decrypt, --rotate and --set");
	if (a->set != NULL) {
		a->cmd = C_SET;
		env_defaults(a);
		if ((rc = setup_ctx(&ctx, a)) == CK_OK)
			rc = legacy_set(a, &ctx);
		ck_sops_keyctx_dispose(&ctx);
		return rc;
	}
	if (a->e) {
		a->cmd = C_ENCRYPT;
		if (a->npos == 0)
			return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_NO_FILE_SPECIFIED, "sops: no file specified");
	} else if (a->d) {
		a->cmd = C_DECRYPT;
		if (a->npos == 0)
			return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_NO_FILE_SPECIFIED, "sops: no file specified");
	} else if (a->r) {
		a->cmd = C_ROTATE;
	} else {
		a->cmd = C_EDIT;
	}
	return run(a);
}

static const struct {
	const char *name;
	enum cmd c;
} subs[] = {
	{ "encrypt", C_ENCRYPT },       { "decrypt", C_DECRYPT },   { "edit", C_EDIT },
	{ "rotate", C_ROTATE },         { "updatekeys", C_UPDATEKEYS }, { "set", C_SET },
	{ "unset", C_UNSET },           { "exec-env", C_EXECENV },   { "exec-file", C_EXECFILE },
	{ "filestatus", C_FILESTATUS },
};

static const char *const unsupported[] = { "groups", "publish", "keyservice", "completion", NULL };

int cmd_sops(int argc, char **argv)
{
	struct args a;
	int i, g = 1, rc;
	const char *cfg = NULL;

	memset(&a, 0, sizeof(a));
	ck_sops_opts_init(&a.o);
	/* global flags before the command */
	while (g < argc && argv[g][0] == '-') {
		const char *s = argv[g];

		if (strcmp(s, "--config") == 0 && g + 1 < argc) {
			cfg = argv[g + 1];
			g += 2;
		} else if (strncmp(s, "--config=", 9) == 0) {
			cfg = s + 9;
			g++;
		} else if (strcmp(s, "--verbose") == 0 || strcmp(s, "--disable-version-check") == 0 ||
		           strcmp(s, "--check-for-updates") == 0 ||
		           strncmp(s, "--enable-local-keyservice", 25) == 0) {
			g++;
		} else if (strcmp(s, "--version") == 0 || strcmp(s, "-v") == 0) {
			printf("sops %s (cloak)\n", CK_SOPS_VERSION);
			return CK_EXIT_OK;
		} else if ((strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) && g + 1 == argc) {
			help(C_NONE);
			return CK_EXIT_OK;
		} else {
			break;
		}
	}
	if (g < argc) {
		for (i = 0; unsupported[i] != NULL; i++)
			if (strcmp(argv[g], unsupported[i]) == 0)
				return ck_err_set_exit(CK_EUNSUPPORTED, CK_SOPS_EXIT_ERROR_GENERIC,
				                       "sops %s is not supported by cloak", argv[g]);
		for (i = 0; i < (int)(sizeof(subs) / sizeof(subs[0])); i++) {
			if (strcmp(argv[g], subs[i].name) == 0) {
				rc = parse_flags(&a, subs[i].c, argc - g, argv + g);
				if (rc != CK_OK)
					return rc > 0 ? CK_EXIT_OK : rc;
				if (a.o.config_path == NULL)
					a.o.config_path = cfg;
				return run(&a);
			}
		}
	}
	if (argc < 2) {
		help(C_NONE);
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_NO_FILE_SPECIFIED, "sops: no file specified");
	}
	/* legacy single-command form, global flags included */
	rc = parse_flags(&a, C_LEGACY, argc, argv);
	if (rc != CK_OK)
		return rc > 0 ? CK_EXIT_OK : rc;
	if (a.o.config_path == NULL)
		a.o.config_path = cfg;
	if (a.npos == 0 && !a.e && !a.d)
		return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_NO_FILE_SPECIFIED, "sops: no file specified");
	return run_legacy(&a);
}
