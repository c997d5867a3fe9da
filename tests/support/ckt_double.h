/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Start and stop the Python test doubles of tests/doubles/ (header-only, so
 * any test directory can use it without a CMake change).
 *
 *   struct ckt_double d;
 *   ckt_double_start(&d, "vault_double.py", "--flag", NULL);
 *   ... d.port, d.url ("http://127.0.0.1:PORT") ...
 *   ckt_double_stop(&d);
 *
 * The double binds an ephemeral loopback port and prints "PORT <n>" on its
 * first stdout line. It also exits when its stdin reaches EOF, so a test that
 * crashes never leaves a server behind. If python3 is missing the test is
 * skipped (exit 77).
 */
#ifndef CKT_DOUBLE_H
#define CKT_DOUBLE_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ck_test.h"

struct ckt_double {
	pid_t pid;
	int stdin_fd;
	int port;
	char url[64];
};

#define CKT_DOUBLE_MAX_ARGS 32

/* Start tests/doubles/<script> with NULL-terminated extra arguments. */
static void ckt_double_start(struct ckt_double *d, const char *script, ...)
{
	char path[4096], line[128];
	char *argv[CKT_DOUBLE_MAX_ARGS + 4];
	int in[2], out[2], argc = 0;
	size_t n = 0;
	va_list ap;
	const char *a;
	pid_t pid;

	if (!ckt_have_program("python3"))
		ckt_skip_all("python3 not found: test doubles cannot run");
	snprintf(path, sizeof(path), "%s/tests/doubles/%s", ckt_source_dir(), script);
	argv[argc++] = (char *)"python3";
	argv[argc++] = path;
	va_start(ap, script);
	while ((a = va_arg(ap, const char *)) != NULL && argc < CKT_DOUBLE_MAX_ARGS + 2)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	if (pipe(in) != 0 || pipe(out) != 0)
		fail_msg("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execvp("python3", argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	memset(d, 0, sizeof(*d));
	d->pid = pid;
	d->stdin_fd = in[1];
	/* read the "PORT n" line byte by byte: the pipe stays ours afterwards */
	while (n + 1 < sizeof(line)) {
		ssize_t r = read(out[0], line + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	if (sscanf(line, "PORT %d", &d->port) != 1 || d->port <= 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("test double %s did not start (said '%s')", script, line);
	}
	snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%d", d->port);
}

static void ckt_double_stop(struct ckt_double *d)
{
	int status;

	if (d->pid <= 0)
		return;
	close(d->stdin_fd);
	kill(d->pid, SIGTERM);
	while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
		;
	d->pid = 0;
}

#endif
