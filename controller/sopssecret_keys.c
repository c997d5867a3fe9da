/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decryption keys for SopsSecrets from a Secret named the Flux way
 * (sopssecret_int.h): *.agekey, *.asc, sops.vault-token, sops.aws-kms.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ck/age.h"
#include "ck/alloc.h"
#include "ck/kube.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/log.h"
#include "ck/secret.h"
#include "sopssecret_int.h"

static const char *str_or(const char *s)
{
	return s ? s : "";
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static void problem(struct ck_ctl__sops_keys *k, const char *key, const char *why)
{
	size_t l = strlen(k->problems);

	if (l + strlen(key) + strlen(why) + 8 < sizeof(k->problems))
		snprintf(k->problems + l, sizeof(k->problems) - l, "%s%s: %s", l ? "; " : "", key, why);
}

static char *secret_strdup(const uint8_t *p, size_t n)
{
	char *s = ck_secret_alloc(n + 1);

	if (s != NULL && n)
		memcpy(s, p, n);
	return s;
}

/* Run argv with `in` on stdin, output discarded; 0 when it exited 0. */
static int run_quiet(const char *const *argv, const void *in, size_t n)
{
	int fds[2], devnull, status = 0;
	pid_t pid;

	if (pipe(fds) != 0)
		return ck_err_set(CK_EIO, "controller: pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return ck_err_set(CK_EIO, "controller: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(fds[0], 0);
		if (devnull >= 0) {
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[0]);
	{
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);

		if (ck_fd_write_all(fds[1], in, n) < 0)
			ck_err_clear(); /* the exit status tells */
		signal(SIGPIPE, old);
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ck_err_set(CK_EINVAL, "controller: %s exited with status %d", argv[0],
		                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return CK_OK;
}

static int import_pgp(struct ck_ctl__sops_keys *k, const char *name, const uint8_t *key, size_t n,
                      const char *gpg)
{
	const char *argv[] = { gpg, "--batch", "--no-tty", "--quiet", "--homedir", NULL, "--import",
		               NULL };
	struct ck_buf dir = CK_BUF_INIT;
	int rc;

	if (k->gnupghome == NULL) {
		if ((rc = ck_tmpdir_create(&dir, "cloak-gnupg")) < 0) {
			ck_buf_dispose(&dir);
			return rc;
		}
		k->gnupghome = (char *)ck_buf_detach(&dir, NULL);
		if (k->gnupghome == NULL)
			return ck_err_set(CK_ENOMEM, "controller: out of memory");
	}
	argv[5] = k->gnupghome;
	if (run_quiet(argv, key, n) < 0) {
		problem(k, name, "gpg could not import it");
		ck_err_clear();
		return CK_OK;
	}
	k->npgp++;
	return CK_OK;
}

/* sops.aws-kms: a YAML map aws_access_key_id / aws_secret_access_key / aws_session_token. */
static int read_aws(struct ck_ctl__sops_keys *k, const uint8_t *p, size_t n)
{
	struct ck_doc *d = NULL;
	const struct ck_doc_node *m;
	const char *a, *s, *t;
	int rc;

	if ((rc = ck_doc_parse((struct ck_doc **)&d, (const char *)p, n, CK_DOC_SECURE)) < 0 ||
	    d->ndocs == 0 || (m = d->docs[0]) == NULL || m->kind != CK_DOC_MAP) {
		ck_err_clear();
		problem(k, "sops.aws-kms", "not a YAML map");
		ck_doc_free(d);
		return CK_OK;
	}
	a = ck_doc_map_get_str(m, "aws_access_key_id");
	s = ck_doc_map_get_str(m, "aws_secret_access_key");
	t = ck_doc_map_get_str(m, "aws_session_token");
	if (a == NULL || s == NULL) {
		problem(k, "sops.aws-kms", "aws_access_key_id and aws_secret_access_key are needed");
	} else if ((k->aws_akid = secret_strdup((const uint8_t *)a, strlen(a))) == NULL ||
	           (k->aws_secret = secret_strdup((const uint8_t *)s, strlen(s))) == NULL ||
	           (t && (k->aws_session = secret_strdup((const uint8_t *)t, strlen(t))) == NULL)) {
		ck_doc_free(d);
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	} else {
		k->creds.access_key_id = k->aws_akid;
		k->creds.secret_access_key = k->aws_secret;
		k->creds.session_token = k->aws_session;
		k->net.aws_creds = &k->creds;
	}
	ck_doc_free(d);
	return CK_OK;
}

int ck_ctl__sops_keys_new(struct ck_ctl__sops_keys **out, const struct ck_doc_node *obj,
                          const char *gpg)
{
	struct ck_ctl__sops_keys *k = ck_calloc(1, sizeof(*k));
	const struct ck_doc_node *data = obj ? ck_doc_map_get(obj, "data") : NULL;
	const struct ck_sops_net_opts def = CK_SOPS_NET_OPTS_INIT;
	struct ck_buf v;
	size_t i;
	int rc = CK_OK;

	*out = NULL;
	if (k == NULL)
		return ck_err_set(CK_ENOMEM, "controller: out of memory");
	k->net = def;
	ck_buf_init_secure(&v, (size_t)16 << 20);
	if (obj != NULL)
		snprintf(k->version, sizeof(k->version), "%s/%s",
		         str_or(ck_kube_str(obj, "metadata.uid")),
		         str_or(ck_kube_str(obj, "metadata.resourceVersion")));
	for (i = 0; data != NULL && data->kind == CK_DOC_MAP && i < ck_doc_map_len(data) && rc >= 0;
	     i++) {
		const char *name = ck_doc_map_key(data, i)->text;
		const struct ck_doc_node *val = ck_doc_resolve(ck_doc_map_value(data, i));

		if (!ends_with(name, ".agekey") && !ends_with(name, ".asc") &&
		    strcmp(name, "sops.vault-token") != 0 && strcmp(name, "sops.aws-kms") != 0)
			continue; /* Flux ignores other names too */
		ck_buf_reset(&v);
		if (val->kind != CK_DOC_SCALAR ||
		    ck_b64_decode(&v, val->text, val->len, CK_B64_STD, 0) < 0) {
			ck_err_clear();
			problem(k, name, "not base64");
			continue;
		}
		if (ends_with(name, ".agekey")) {
			if (ck_age_identities_add_text(&k->age, ck_buf_cstr(&v), ck_buf_len(&v)) < 0) {
				rc = ck_err_last()->code == CK_ENOMEM ? CK_ENOMEM : CK_OK;
				ck_err_clear();
				problem(k, name, "not an age identity file");
			} else {
				k->nage++;
			}
		} else if (ends_with(name, ".asc")) {
			rc = import_pgp(k, name, ck_buf_data(&v), ck_buf_len(&v), gpg ? gpg : "gpg");
		} else if (strcmp(name, "sops.vault-token") == 0) {
			size_t n = ck_buf_len(&v);

			while (n > 0 && (ck_buf_data(&v)[n - 1] == '\n' || ck_buf_data(&v)[n - 1] == '\r' ||
			                 ck_buf_data(&v)[n - 1] == ' '))
				n--;
			if ((k->vault_token = secret_strdup(ck_buf_data(&v), n)) == NULL)
				rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			k->net.vault_token = k->vault_token;
		} else {
			rc = read_aws(k, ck_buf_data(&v), ck_buf_len(&v));
		}
	}
	ck_buf_dispose(&v);
	if (rc < 0) {
		ck_ctl__sops_keys_free(k);
		return rc;
	}
	*out = k;
	return CK_OK;
}

void ck_ctl__sops_keys_free(struct ck_ctl__sops_keys *k)
{
	if (k == NULL)
		return;
	ck_age_identities_free(k->age);
	if (k->gnupghome != NULL) {
		/* stop the agent gpg started for this keyring, then wipe it */
		const char *argv[] = { "gpgconf", "--homedir", k->gnupghome, "--kill", "gpg-agent", NULL };

		if (run_quiet(argv, "", 0) < 0)
			ck_err_clear();
		(void)ck_tmpdir_remove(k->gnupghome);
		ck_free(k->gnupghome);
	}
	ck_secret_free(k->vault_token);
	ck_secret_free(k->aws_akid);
	ck_secret_free(k->aws_secret);
	ck_secret_free(k->aws_session);
	ck_memzero(k, sizeof(*k));
	ck_free(k);
}

void ck_ctl__sops_keyctx(struct ck_sops_keyctx *ctx, const struct ck_ctl__sops_keys *k,
                         const char *gpg_exec)
{
	ck_sops_keyctx_init(ctx);
	ctx->batch = 1;
	ctx->age_ids = k->age;
	ctx->age_loaded = 1; /* never the environment's SOPS_AGE_KEY* */
	ctx->gnupghome = k->gnupghome;
	ctx->gpg_exec = gpg_exec;
	ctx->ext = (void *)&k->net;
}

void ck_ctl__sops_keyctx_dispose(struct ck_sops_keyctx *ctx)
{
	ctx->age_ids = NULL; /* borrowed */
	ck_sops_keyctx_dispose(ctx);
}
