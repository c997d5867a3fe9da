/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error pattern. Every fallible function returns an int: CK_OK (0) or
 * a negative enum ck_err. Before returning a failure it calls ck_err_set(),
 * which records the code and a one-line message in thread-local storage.
 * Callers propagate the code unchanged; ck_err_context() may prepend context
 * ("secret.yaml: data.password: ") as the error travels up. Only the two
 * mains read ck_err_last() and turn it into text and an exit status.
 *
 * Messages never contain secret bytes: lengths, paths and fingerprints only.
 */
#ifndef CK_ERR_H
#define CK_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define CK_WUR __attribute__((warn_unused_result))
#define CK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define CK_NORETURN __attribute__((noreturn))
#define CK_VPRINTF(f) __attribute__((format(printf, f, 0)))
#else
#define CK_WUR
#define CK_PRINTF(f, a)
#define CK_NORETURN
#define CK_VPRINTF(f)
#endif

enum ck_err_code {
	CK_OK = 0,
	CK_EINTERNAL = -1,    /* a bug or an unexpected library failure */
	CK_ENOMEM = -2,
	CK_EINVAL = -3,       /* malformed input: parse error, bad encoding */
	CK_EAUTH = -4,        /* tag, MAC or signature mismatch */
	CK_ENOTFOUND = -5,    /* file, key, path or remote object missing */
	CK_EDENIED = -6,      /* permission denied, HTTP 401/403 */
	CK_ENET = -7,         /* network, TLS, HTTP transport */
	CK_EIO = -8,          /* local file system */
	CK_ETOOBIG = -9,      /* input exceeds a configured limit */
	CK_EUNSUPPORTED = -10,/* valid but not implemented here */
	CK_EUSAGE = -11,      /* bad flags or arguments */
	CK_ECRYPTO = -12,     /* a cryptographic operation failed (not auth) */
	CK_ENOKEY = -13,      /* no available key could open the data */
};

/* Process exit statuses, one per error class (see ck_err_exit_code). */
enum ck_exit {
	CK_EXIT_OK = 0,
	CK_EXIT_FAIL = 1,      /* internal error, out of memory */
	CK_EXIT_USAGE = 2,
	CK_EXIT_INPUT = 3,     /* CK_EINVAL, CK_ETOOBIG */
	CK_EXIT_AUTH = 4,      /* CK_EAUTH */
	CK_EXIT_CRYPTO = 5,    /* CK_ECRYPTO, CK_ENOKEY */
	CK_EXIT_NOTFOUND = 6,  /* CK_ENOTFOUND */
	CK_EXIT_IO = 7,        /* CK_EIO */
	CK_EXIT_NETWORK = 8,   /* CK_ENET, CK_EDENIED */
	CK_EXIT_UNSUPPORTED = 9,
};

#define CK_ERR_MSG_MAX 1024

struct ck_err {
	int code;               /* enum ck_err_code */
	int exit_override;      /* > 0: exit status chosen by a module (sops) */
	char msg[CK_ERR_MSG_MAX];
};

/* Record code and message; returns code so callers can `return ck_err_set()`. */
int ck_err_set(int code, const char *fmt, ...) CK_PRINTF(2, 3);

/* Like ck_err_set() but also fixes the process exit status (sops's table). */
int ck_err_set_exit(int code, int exit_status, const char *fmt, ...)
	CK_PRINTF(3, 4);

/*
 * Prepend "<context>: " to the current message and return the current code.
 * Used as an error travels outwards: file names, document paths.
 */
int ck_err_context(const char *fmt, ...) CK_PRINTF(1, 2);

/* Forget the last error (start of a new operation). */
void ck_err_clear(void);

/* The last error of this thread; never NULL, code CK_OK when none. */
const struct ck_err *ck_err_last(void);

/* Short class name: "usage", "input", "crypto", "auth", "not-found", ... */
const char *ck_err_class(int code);

/* The exit status for a code (honours exit_override of the last error). */
int ck_err_exit_code(int code);

/*
 * Always-on assertion for programmer errors (never for bad input): prints
 * file:line and aborts, like sodium_misuse().
 */
CK_NORETURN void ck__assert_fail(const char *expr, const char *file, int line);
#define CK_ASSERT(e) ((e) ? (void)0 : ck__assert_fail(#e, __FILE__, __LINE__))

#endif
