/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"

static _Thread_local struct ck_err last;

/*
 * Messages are one line whatever they quote: a key or value taken from a
 * hostile file may hold line breaks or terminal escapes, which would split
 * the message or play tricks on the terminal that shows it.
 */
static void one_line(char *m)
{
	for (; *m; m++)
		if ((unsigned char)*m < 0x20 || *m == 0x7f)
			*m = ' ';
}

CK_VPRINTF(3) static int vset(int code, int exit_status, const char *fmt, va_list ap)
{
	char msg[CK_ERR_MSG_MAX];

	/* Format first: callers may pass ck_err_last()->msg as an argument. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	one_line(msg);
	memcpy(last.msg, msg, sizeof(last.msg));
	last.code = code;
	last.exit_override = exit_status;
	return code;
}

int ck_err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int ck_err_set_exit(int code, int exit_status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(code, exit_status, fmt, ap);
	va_end(ap);
	return code;
}

int ck_err_context(const char *fmt, ...)
{
	char ctx[CK_ERR_MSG_MAX], joined[CK_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	/* Overlong messages are cut; the return value only quiets -Wformat-truncation. */
	if (snprintf(joined, sizeof(joined), "%s: %s", ctx, last.msg) < 0)
		return last.code ? last.code : CK_EINTERNAL;
	one_line(joined);
	memcpy(last.msg, joined, sizeof(last.msg));
	return last.code ? last.code : CK_EINTERNAL;
}

void ck_err_clear(void)
{
	memset(&last, 0, sizeof(last));
}

const struct ck_err *ck_err_last(void)
{
	return &last;
}

const char *ck_err_class(int code)
{
	switch (code) {
	case CK_OK: return "ok";
	case CK_ENOMEM: return "out-of-memory";
	case CK_EINVAL: return "input";
	case CK_ETOOBIG: return "input";
	case CK_EAUTH: return "auth";
	case CK_ECRYPTO: return "crypto";
	case CK_ENOKEY: return "crypto";
	case CK_ENOTFOUND: return "not-found";
	case CK_EDENIED: return "network";
	case CK_ENET: return "network";
	case CK_EIO: return "io";
	case CK_EUSAGE: return "usage";
	case CK_EUNSUPPORTED: return "unsupported";
	default: return "internal";
	}
}

int ck_err_exit_code(int code)
{
	if (code == last.code && last.exit_override > 0)
		return last.exit_override;
	switch (code) {
	case CK_OK: return CK_EXIT_OK;
	case CK_EUSAGE: return CK_EXIT_USAGE;
	case CK_EINVAL:
	case CK_ETOOBIG: return CK_EXIT_INPUT;
	case CK_EAUTH: return CK_EXIT_AUTH;
	case CK_ECRYPTO:
	case CK_ENOKEY: return CK_EXIT_CRYPTO;
	case CK_ENOTFOUND: return CK_EXIT_NOTFOUND;
	case CK_EIO: return CK_EXIT_IO;
	case CK_ENET:
	case CK_EDENIED: return CK_EXIT_NETWORK;
	case CK_EUNSUPPORTED: return CK_EXIT_UNSUPPORTED;
	default: return CK_EXIT_FAIL;
	}
}

void ck__assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "cloak: internal error: assertion '%s' failed at %s:%d\n",
	        expr, file, line);
	abort();
}
