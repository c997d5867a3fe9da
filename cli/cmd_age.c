/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak age: keygen / encrypt / decrypt, and the `age` / `age-keygen`
 * command lines when cloak is invoked under those names. The work is in
 * core/age*.c; this file parses flags, opens files and turns paths into
 * error context. Output files (-o) are written to a temporary file in the
 * same directory and renamed only on success, so a failed decrypt leaves no
 * partial plaintext behind.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name */
#endif
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "ck/age.h"
#include "ck/alloc.h"
#include "ck/file.h"
#include "ck/version.h"
#include "cli.h"
#include "cmds.h"

#define PASS_ENV "CLOAK_AGE_PASSPHRASE"

/* ------------------------------------------------------------ output files */

struct out {
	const char *path; /* NULL: stdout */
	char *tmp;        /* temporary file to rename over path, or NULL */
	int fd;
	mode_t mode;
};

static mode_t umasked(mode_t m)
{
	mode_t u = umask(0);

	umask(u);
	return m & ~u;
}

/*
 * Open -o PATH: a regular (or new) file gets a temporary sibling, anything
 * else (/dev/null, a FIFO) is written directly. new_mode is for a new file.
 */
static int out_open(struct out *o, const char *path, mode_t new_mode)
{
	struct stat st;
	size_t n;

	memset(o, 0, sizeof(*o));
	o->fd = STDOUT_FILENO;
	if (path == NULL || strcmp(path, "-") == 0)
		return CK_OK;
	o->path = path;
	o->mode = new_mode;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			o->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
			if (o->fd < 0)
				return ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
			return CK_OK;
		}
		o->mode = st.st_mode & 07777; /* an existing file keeps its mode */
	}
	n = strlen(path) + 32;
	if ((o->tmp = ck_alloc(n)) == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	snprintf(o->tmp, n, "%s.cloak-tmp-XXXXXX", path);
	/* mkstemp creates the file 0600: plaintext is never more readable while it is written. */
	o->fd = mkstemp(o->tmp);
	if (o->fd < 0) {
		int e = errno;

		ck_free(o->tmp);
		o->tmp = NULL;
		return ck_err_set(CK_EIO, "%s: cannot create a temporary file: %s", path,
		                  strerror(e));
	}
	return CK_OK;
}

static void out_abort(struct out *o)
{
	if (o->tmp != NULL) {
		close(o->fd);
		unlink(o->tmp);
		ck_free(o->tmp);
		o->tmp = NULL;
	} else if (o->path != NULL && o->fd >= 0) {
		close(o->fd);
	}
	o->fd = -1;
}

static int out_commit(struct out *o)
{
	char *dir;
	int dfd, rc = CK_OK;

	if (o->tmp == NULL) {
		if (o->path != NULL && close(o->fd) != 0)
			rc = ck_err_set(CK_EIO, "%s: %s", o->path, strerror(errno));
		o->fd = -1;
		return rc;
	}
	if (fchmod(o->fd, o->mode) != 0 || fsync(o->fd) != 0 || close(o->fd) != 0) {
		rc = ck_err_set(CK_EIO, "%s: cannot write: %s", o->path, strerror(errno));
		o->fd = -1;
		unlink(o->tmp);
		goto out;
	}
	o->fd = -1;
	if (rename(o->tmp, o->path) != 0) {
		rc = ck_err_set(CK_EIO, "%s: cannot replace: %s", o->path, strerror(errno));
		unlink(o->tmp);
		goto out;
	}
	if ((dir = ck_strdup(o->path)) != NULL) {
		dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		ck_free(dir);
	}
out:
	ck_free(o->tmp);
	o->tmp = NULL;
	return rc;
}

static int in_open(const char *path, int *fd)
{
	*fd = STDIN_FILENO;
	if (path == NULL || strcmp(path, "-") == 0)
		return CK_OK;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT)
			return ck_err_set(CK_ENOTFOUND, "%s: no such file", path);
		return ck_err_set(CK_EIO, "%s: %s", path, strerror(errno));
	}
	return CK_OK;
}

/* ------------------------------------------------------------ passphrases */

/* One line from the terminal without echo, appended to out (secure). */
static int tty_read(struct ck_buf *out, const char *prompt)
{
	struct termios old, quiet;
	int fd, rc = CK_OK, echo_off = 0;
	char c;
	ssize_t n;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ck_err_set(CK_EUSAGE, "age: a passphrase needs a terminal (or set %s)",
		                  PASS_ENV);
	if (write(fd, prompt, strlen(prompt)) < 0)
		rc = ck_err_set(CK_EIO, "age: cannot write to the terminal");
	if (rc == CK_OK && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	while (rc == CK_OK) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || c == '\n')
			break;
		if (c != '\r')
			rc = ck_buf_putc(out, c);
	}
	c = 0;
	if (echo_off)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	return rc;
}

/* The passphrase from $CLOAK_AGE_PASSPHRASE (tests, scripts) or the terminal. */
static int get_passphrase(struct ck_buf *out, int confirm)
{
	const char *env = getenv(PASS_ENV);
	struct ck_buf again;
	int rc;

	if (env != NULL)
		return ck_buf_puts(out, env);
	if ((rc = tty_read(out, "Enter passphrase: ")) < 0 || !confirm)
		return rc;
	ck_buf_init_secure(&again, 0);
	if ((rc = tty_read(&again, "Confirm passphrase: ")) == CK_OK && !ck_buf_eq(out, &again))
		rc = ck_err_set(CK_EUSAGE, "age: passphrases didn't match");
	ck_buf_dispose(&again);
	return rc;
}

static int lazy_passphrase(void *ctx, struct ck_buf *out)
{
	(void)ctx;
	return get_passphrase(out, 0);
}

/* ------------------------------------------------------------ options */

enum { MODE_NONE, MODE_ENCRYPT, MODE_DECRYPT };

struct opts {
	int mode, armor, pass, keygen_y;
	const char *out, *in;
	const char **r, **R, **i;
	size_t nr, nR, ni;
};

static void opts_free(struct opts *o)
{
	ck_free(o->r);
	ck_free(o->R);
	ck_free(o->i);
}

static int opts_alloc(struct opts *o, int argc)
{
	memset(o, 0, sizeof(*o));
	o->r = ck_calloc((size_t)argc + 1, sizeof(char *));
	o->R = ck_calloc((size_t)argc + 1, sizeof(char *));
	o->i = ck_calloc((size_t)argc + 1, sizeof(char *));
	if (o->r == NULL || o->R == NULL || o->i == NULL)
		return ck_err_set(CK_ENOMEM, "out of memory");
	return CK_OK;
}

/* ------------------------------------------------------------ actions */

static int read_key_file(struct ck_buf *out, const char *path)
{
	int rc = ck_file_read(out, path, CK_AGE_MAX_KEYFILE);

	if (rc < 0 && strcmp(path, "-") == 0)
		ck_err_context("standard input");
	return rc;
}

static int load_identities(struct ck_age_identities **ids, const struct opts *o)
{
	struct ck_buf t;
	size_t k;
	int rc = CK_OK;

	ck_buf_init_secure(&t, 0);
	for (k = 0; k < o->ni && rc == CK_OK; k++) {
		ck_buf_reset(&t);
		if ((rc = read_key_file(&t, o->i[k])) < 0)
			break;
		if ((rc = ck_age_identities_add_text(ids, ck_buf_cstr(&t), ck_buf_len(&t))) < 0)
			ck_err_context("%s", o->i[k]);
	}
	ck_buf_dispose(&t);
	return rc;
}

static int do_encrypt(const struct opts *o)
{
	struct ck_age_recipients *rs = NULL;
	struct ck_age_identities *ids = NULL;
	struct ck_buf t, pass;
	struct out out;
	size_t k;
	int in = -1, rc = CK_EINTERNAL;

	memset(&out, 0, sizeof(out));
	out.fd = -1;
	ck_buf_init_secure(&t, 0);
	ck_buf_init_secure(&pass, 0);
	if (o->pass && (o->nr || o->nR || o->ni)) {
		rc = ck_err_set(CK_EUSAGE,
		                "age: -p/--passphrase can't be combined with -r, -R or -i");
		goto done;
	}
	for (k = 0; k < o->nr; k++)
		if ((rc = ck_age_recipients_add(&rs, o->r[k], strlen(o->r[k]))) < 0)
			goto done;
	for (k = 0; k < o->nR; k++) {
		ck_buf_reset(&t);
		if ((rc = read_key_file(&t, o->R[k])) < 0)
			goto done;
		if ((rc = ck_age_recipients_add_file_text(&rs, ck_buf_cstr(&t), ck_buf_len(&t))) <
		    0) {
			ck_err_context("%s", o->R[k]);
			goto done;
		}
	}
	if (o->ni > 0) {
		/* age -e -i: encrypt to the identities' own recipients. */
		if ((rc = load_identities(&ids, o)) < 0)
			goto done;
		ck_buf_reset(&t);
		if ((rc = ck_age_identities_recipients(&t, ids)) < 0 ||
		    (rc = ck_age_recipients_add_file_text(&rs, ck_buf_cstr(&t), ck_buf_len(&t))) <
		        0)
			goto done;
	}
	if (o->pass) {
		if ((rc = get_passphrase(&pass, 1)) < 0)
			goto done;
		if ((rc = ck_age_recipients_add_passphrase(&rs, ck_buf_cstr(&pass),
		                                           ck_buf_len(&pass), 0)) < 0)
			goto done;
	}
	if (ck_age_recipients_count(rs) == 0) {
		rc = ck_err_set(CK_EUSAGE, "age: missing recipients: use -r, -R or -p");
		goto done;
	}
	if (o->out == NULL && !o->armor && isatty(STDOUT_FILENO)) {
		rc = ck_err_set(CK_EUSAGE, "age: refusing to write binary output to a terminal "
		                           "(use -a or -o)");
		goto done;
	}
	if ((rc = in_open(o->in, &in)) < 0 || (rc = out_open(&out, o->out, umasked(0666))) < 0)
		goto done;
	if ((rc = ck_age_encrypt_fd(out.fd, in, rs,
	                            o->armor ? CK_AGE_ARMOR_YES : CK_AGE_ARMOR_NO)) < 0) {
		out_abort(&out);
		goto done;
	}
	rc = out_commit(&out);
done:
	if (in > STDIN_FILENO)
		close(in);
	ck_buf_dispose(&t);
	ck_buf_dispose(&pass);
	ck_age_recipients_free(rs);
	ck_age_identities_free(ids);
	return rc < 0 ? rc : CK_EXIT_OK;
}

static int do_decrypt(const struct opts *o)
{
	struct ck_age_identities *ids = NULL;
	struct out out;
	int in = -1, rc = CK_EINTERNAL;

	memset(&out, 0, sizeof(out));
	out.fd = -1;
	if (o->nr || o->nR) {
		rc = ck_err_set(CK_EUSAGE, "age: -r/-R can't be used with -d (did you mean -i?)");
		goto done;
	}
	if (o->armor) {
		rc = ck_err_set(CK_EUSAGE, "age: -a can't be used with -d (armor is detected "
		                           "automatically)");
		goto done;
	}
	if ((rc = load_identities(&ids, o)) < 0)
		goto done;
	/* Without -i, a passphrase is asked for if the file turns out to need one. */
	if (o->ni == 0 &&
	    (rc = ck_age_identities_add_passphrase_fn(&ids, lazy_passphrase, NULL)) < 0)
		goto done;
	if ((rc = in_open(o->in, &in)) < 0 || (rc = out_open(&out, o->out, 0600)) < 0)
		goto done;
	if ((rc = ck_age_decrypt_fd(out.fd, in, ids)) < 0) {
		out_abort(&out);
		if (o->in != NULL && strcmp(o->in, "-") != 0)
			ck_err_context("%s", o->in);
		goto done;
	}
	rc = out_commit(&out);
done:
	if (in > STDIN_FILENO)
		close(in);
	ck_age_identities_free(ids);
	return rc < 0 ? rc : CK_EXIT_OK;
}

static int do_keygen(const char *outpath)
{
	struct ck_buf file, pub = CK_BUF_INIT;
	int rc;

	ck_buf_init_secure(&file, 0);
	if ((rc = ck_age_keygen_file(&file, &pub)) < 0)
		goto done;
	if (outpath != NULL && strcmp(outpath, "-") != 0) {
		/* Like age-keygen: never overwrite, owner-only. */
		if ((rc = ck_file_write_new(outpath, ck_buf_data(&file), ck_buf_len(&file), 0600)) <
		    0)
			goto done;
	} else {
		cli_warn_if_world_readable_stdout();
		if (fwrite(ck_buf_data(&file), 1, ck_buf_len(&file), stdout) != ck_buf_len(&file)) {
			rc = ck_err_set(CK_EIO, "cannot write to standard output");
			goto done;
		}
		fflush(stdout);
		if (isatty(STDOUT_FILENO))
			goto ok;
	}
	fprintf(stderr, "Public key: %s\n", ck_buf_cstr(&pub));
ok:
	rc = CK_EXIT_OK;
done:
	ck_buf_dispose(&file);
	ck_buf_dispose(&pub);
	return rc;
}

static int do_keygen_y(const char *in, const char *outpath)
{
	struct ck_age_identities *ids = NULL;
	struct ck_buf t, r = CK_BUF_INIT;
	const char *name = in ? in : "-";
	int rc;

	ck_buf_init_secure(&t, 0);
	if ((rc = read_key_file(&t, name)) < 0)
		goto done;
	if ((rc = ck_age_identities_add_text(&ids, ck_buf_cstr(&t), ck_buf_len(&t))) < 0 ||
	    (rc = ck_age_identities_recipients(&r, ids)) < 0) {
		ck_err_context("%s", strcmp(name, "-") == 0 ? "standard input" : name);
		goto done;
	}
	if (outpath != NULL && strcmp(outpath, "-") != 0)
		rc = ck_file_write_atomic(outpath, ck_buf_data(&r), ck_buf_len(&r), umasked(0666));
	else if (fwrite(ck_buf_data(&r), 1, ck_buf_len(&r), stdout) != ck_buf_len(&r))
		rc = ck_err_set(CK_EIO, "cannot write to standard output");
	if (rc == CK_OK)
		rc = CK_EXIT_OK;
done:
	ck_buf_dispose(&t);
	ck_buf_dispose(&r);
	ck_age_identities_free(ids);
	return rc;
}

/* ------------------------------------------------------------ usage */

static const char age_usage[] =
    "usage: age [--encrypt] (-r RECIPIENT | -R PATH)... [--armor] [-o OUTPUT] [INPUT]\n"
    "       age [--encrypt] --passphrase [--armor] [-o OUTPUT] [INPUT]\n"
    "       age --decrypt [-i PATH]... [-o OUTPUT] [INPUT]\n\n"
    "  -e, --encrypt               Encrypt the input (default).\n"
    "  -d, --decrypt               Decrypt the input.\n"
    "  -o, --output OUTPUT         Write the result to OUTPUT (atomically).\n"
    "  -a, --armor                 Encrypt to a PEM encoded format.\n"
    "  -p, --passphrase            Encrypt with a passphrase (terminal, or $" PASS_ENV ").\n"
    "  -r, --recipient RECIPIENT   Encrypt to an age1... recipient. Can be repeated.\n"
    "  -R, --recipients-file PATH  Encrypt to the recipients in PATH. Can be repeated.\n"
    "  -i, --identity PATH         Use the identity file at PATH. Can be repeated.\n\n"
    "INPUT defaults to standard input, OUTPUT to standard output. Armored input is\n"
    "detected. X25519 and passphrase (scrypt) recipients; SSH keys and plugins are\n"
    "not supported.\n";

static const char keygen_usage[] =
    "usage: age-keygen [-o OUTPUT]\n"
    "       age-keygen -y [-o OUTPUT] [INPUT]\n\n"
    "  -o, --output OUTPUT  Write the key to OUTPUT (mode 0600; never overwrites).\n"
    "  -y                   Print the recipient (age1...) of each identity in INPUT.\n";

/* ------------------------------------------------------------ commands */

static int parse(int argc, char **argv, const char *shortopts, const char *prog, struct opts *o,
                 const char *usage)
{
	static const struct option longopts[] = {
	    {"encrypt", no_argument, NULL, 'e'},
	    {"decrypt", no_argument, NULL, 'd'},
	    {"output", required_argument, NULL, 'o'},
	    {"armor", no_argument, NULL, 'a'},
	    {"passphrase", no_argument, NULL, 'p'},
	    {"recipient", required_argument, NULL, 'r'},
	    {"recipients-file", required_argument, NULL, 'R'},
	    {"identity", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {0},
	};
	int c;

	while ((c = cli_getopt(argc, argv, shortopts, longopts, prog)) != -1) {
		/* Scripts probe `age --version`; every form answers it. */
		if (c == 'V') {
			printf("v1.1.1-compatible (cloak %s)\n", CK_VERSION);
			return 1;
		}
		/* A long option outside this command's short set is not allowed either. */
		if (c != '?' && strchr(shortopts, c) == NULL)
			return ck_err_set(CK_EUSAGE, "%s: unknown option '%s'", prog,
			                  argv[optind - 1]);
		switch (c) {
		case 'e':
			o->mode = o->mode == MODE_DECRYPT ? -1 : MODE_ENCRYPT;
			break;
		case 'd':
			o->mode = o->mode == MODE_ENCRYPT ? -1 : MODE_DECRYPT;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'a':
			o->armor = 1;
			break;
		case 'p':
			o->pass = 1;
			break;
		case 'r':
			o->r[o->nr++] = optarg;
			break;
		case 'R':
			o->R[o->nR++] = optarg;
			break;
		case 'i':
			o->i[o->ni++] = optarg;
			break;
		case 'y':
			o->keygen_y = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return CK_EUSAGE;
		}
	}
	if (o->mode < 0)
		return ck_err_set(CK_EUSAGE, "%s: -e/--encrypt can't be used with -d/--decrypt",
		                  prog);
	if (optind < argc)
		o->in = argv[optind++];
	if (optind < argc)
		return ck_err_set(CK_EUSAGE, "%s: unexpected argument '%s' (one INPUT at most)",
		                  prog, argv[optind]);
	return CK_OK;
}

static const char encrypt_usage[] =
    "usage: cloak age encrypt (-r RECIPIENT | -R PATH)... [-a] [-o OUTPUT] [INPUT]\n"
    "       cloak age encrypt -p [-a] [-o OUTPUT] [INPUT]\n\n"
    "Encrypt INPUT (default standard input) to age1... recipients (-r, repeatable),\n"
    "the recipients listed in files (-R, repeatable), or a passphrase (-p, read from\n"
    "the terminal or $" PASS_ENV "). -a writes ASCII armor. Streams in constant memory.\n";

static const char decrypt_usage[] =
    "usage: cloak age decrypt [-i IDENTITY_FILE]... [-o OUTPUT] [INPUT]\n\n"
    "Decrypt a binary or armored age file with the identities in the files given by\n"
    "-i (repeatable, tried in turn). Without -i, a passphrase is asked for when the\n"
    "file is passphrase-encrypted. With -o, OUTPUT appears only if everything\n"
    "authenticated.\n";

static const char cloak_keygen_usage[] =
    "usage: cloak age keygen [-o OUTPUT]\n"
    "       cloak age keygen -y [-o OUTPUT] [INPUT]\n\n"
    "Generate an X25519 identity in age-keygen's format (-o: mode 0600, never\n"
    "overwrites), or with -y print the recipients of an identity file.\n";

static int run(int argc, char **argv, const char *shortopts, const char *prog, int mode,
               const char *usage)
{
	struct opts o;
	int rc;

	if ((rc = opts_alloc(&o, argc)) < 0)
		goto out;
	if ((rc = parse(argc, argv, shortopts, prog, &o, usage)) != CK_OK) {
		if (rc > 0)
			rc = CK_EXIT_OK; /* --help */
		goto out;
	}
	if (mode == MODE_NONE)
		rc = o.keygen_y     ? do_keygen_y(o.in, o.out)
		     : o.in != NULL ? ck_err_set(CK_EUSAGE,
		                                 "%s: unexpected argument "
		                                 "'%s' (did you mean -y?)",
		                                 prog, o.in)
		                    : do_keygen(o.out);
	else if (mode == MODE_DECRYPT)
		rc = do_decrypt(&o);
	else
		rc = do_encrypt(&o);
out:
	opts_free(&o);
	return rc;
}

static int sub_keygen(int argc, char **argv)
{
	return run(argc, argv, "ho:y", "cloak age keygen", MODE_NONE, cloak_keygen_usage);
}

static int sub_encrypt(int argc, char **argv)
{
	return run(argc, argv, "hr:R:ao:p", "cloak age encrypt", MODE_ENCRYPT, encrypt_usage);
}

static int sub_decrypt(int argc, char **argv)
{
	return run(argc, argv, "hi:o:", "cloak age decrypt", MODE_DECRYPT, decrypt_usage);
}

/* age and age-keygen exit 1 on every failure but a usage error. */
static int compat_status(int rc)
{
	char msg[CK_ERR_MSG_MAX];

	if (rc >= 0 || rc == CK_EUSAGE)
		return rc;
	snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
	return ck_err_set_exit(rc, CK_EXIT_FAIL, "%s", msg);
}

/* As `age`: -e is the default, -d decrypts; -i with -e encrypts to identities. */
static int compat_age(int argc, char **argv)
{
	struct opts o;
	int rc;

	if ((rc = opts_alloc(&o, argc)) < 0)
		goto out;
	if ((rc = parse(argc, argv, "hedo:apr:R:i:", "age", &o, age_usage)) != CK_OK) {
		if (rc > 0)
			rc = CK_EXIT_OK;
		goto out;
	}
	if (o.mode == MODE_DECRYPT) {
		if (o.pass) {
			rc = ck_err_set(CK_EUSAGE,
			                "age: -p can't be used with -d (passphrase-encrypted "
			                "files are detected)");
			goto out;
		}
		rc = do_decrypt(&o);
	} else {
		if (o.ni > 0 && o.mode != MODE_ENCRYPT) {
			rc = ck_err_set(CK_EUSAGE, "age: -i can only be used with -d, or with an "
			                           "explicit -e");
			goto out;
		}
		rc = do_encrypt(&o);
	}
out:
	opts_free(&o);
	return compat_status(rc);
}

int cmd_age(int argc, char **argv)
{
	static const struct ck_subcmd subs[] = {
	    {"keygen", sub_keygen, "Generate an identity (age-keygen); -y: its recipient"},
	    {"encrypt", sub_encrypt, "Encrypt to recipients or a passphrase (age -e)"},
	    {"decrypt", sub_decrypt, "Decrypt with identity files (age -d)"},
	    {NULL, NULL, NULL},
	};

	/*
	 * main hands us argv[0] "age" both for `cloak age ...` and for a binary
	 * named age; only the name the process was started as tells them apart.
	 */
	if (strcmp(argv[0], "age") == 0 && strcmp(program_invocation_short_name, "age") == 0)
		return compat_age(argc, argv);
	if (strcmp(argv[0], "age-keygen") == 0)
		return compat_status(
		    run(argc, argv, "ho:y", "age-keygen", MODE_NONE, keygen_usage));
	return cli_subcmd_dispatch("cloak age", subs, argc, argv);
}
