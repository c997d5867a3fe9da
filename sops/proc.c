/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running a helper program (gpg, SOPS_AGE_KEY_CMD) with bytes on its stdin
 * and its stdout collected, as sops does with os/exec. stdin and stdout are
 * pumped together with poll() so neither side can block the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ck/sops_internal.h"

extern char **environ;

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

int ck_sops__run(const char *const *argv, const char *const *envset, const void *in, size_t inlen,
                 struct ck_buf *out, size_t max, int *status, struct ck_buf *err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	pid_t pid;
	size_t off = 0;
	int rc = CK_OK, st = 0;
	struct sigaction ign, old;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (pipe(pin) < 0 || pipe(pout) < 0 || pipe(perr) < 0) {
		rc = ck_err_set(CK_EIO, "sops: cannot create a pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = ck_err_set(CK_EIO, "sops: cannot start %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0) {
		size_t i;

		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		close(perr[0]);
		close(perr[1]);
		for (i = 0; envset != NULL && envset[i] != NULL; i++) {
			const char *eq = strchr(envset[i], '=');
			char name[256];

			if (eq == NULL || (size_t)(eq - envset[i]) >= sizeof(name))
				continue;
			memcpy(name, envset[i], (size_t)(eq - envset[i]));
			name[eq - envset[i]] = 0;
			setenv(name, eq + 1, 1);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	/* a program that exits early must not kill us with SIGPIPE */
	sigaction(SIGPIPE, &ign, &old);
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (inlen == 0)
		close_fd(&pin[1]);
	while (pout[0] >= 0 || perr[0] >= 0) {
		struct pollfd pf[3];
		int np = 0, ix_in = -1, ix_out = -1, ix_err = -1, i;

		if (pin[1] >= 0) {
			pf[np].fd = pin[1];
			pf[np].events = POLLOUT;
			ix_in = np++;
		}
		if (pout[0] >= 0) {
			pf[np].fd = pout[0];
			pf[np].events = POLLIN;
			ix_out = np++;
		}
		if (perr[0] >= 0) {
			pf[np].fd = perr[0];
			pf[np].events = POLLIN;
			ix_err = np++;
		}
		if (poll(pf, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = ck_err_set(CK_EIO, "sops: poll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < np; i++) {
			if (pf[i].revents == 0)
				continue;
			if (i == ix_in) {
				ssize_t w = write(pin[1], (const uint8_t *)in + off, inlen - off);

				if (w > 0)
					off += (size_t)w;
				if ((w < 0 && errno != EAGAIN && errno != EINTR) || off == inlen)
					close_fd(&pin[1]);
			} else {
				char tmp[4096];
				int *fd = i == ix_out ? &pout[0] : &perr[0];
				ssize_t r = read(*fd, tmp, sizeof(tmp));

				(void)ix_err;
				if (r > 0) {
					struct ck_buf *dst = i == ix_out ? out : err;

					if (dst != NULL && rc == CK_OK) {
						if (ck_buf_len(dst) + (size_t)r > max)
							rc = ck_err_set(CK_ETOOBIG, "sops: %s wrote too much", argv[0]);
						else if (ck_buf_put(dst, tmp, (size_t)r) < 0)
							rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
					}
					memset(tmp, 0, sizeof(tmp));
				} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
					close_fd(fd);
				}
			}
		}
	}
	close_fd(&pin[1]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGPIPE, &old, NULL);
	if (rc == CK_OK) {
		if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
			rc = ck_err_set(CK_ENOTFOUND, "sops: cannot run %s", argv[0]);
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	}
out:
	close_fd(&pin[0]);
	close_fd(&pin[1]);
	close_fd(&pout[0]);
	close_fd(&pout[1]);
	close_fd(&perr[0]);
	close_fd(&perr[1]);
	return rc;
}

/* First line of a program's stderr, for messages (no secrets are written there). */
void ck_sops__first_line(struct ck_buf *err, char *out, size_t outlen)
{
	const char *s = ck_buf_cstr(err);
	size_t n = strcspn(s, "\n");

	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, s, n);
	out[n] = 0;
}
