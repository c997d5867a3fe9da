/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared test support: where the shared vectors are, skipping loudly when
 * they are absent, reading files, temporary directories.
 */
#ifndef CK_TEST_H
#define CK_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ck/buf.h"

#define CKT_SKIP 77

/*
 * The shared vectors directory: $CLOAK_VECTORS, else ../shared/vectors next
 * to the source tree. With `sub` non-NULL, the sub-directory. If it does not
 * exist, print a loud SKIPPED line and exit 77 (ctest: skipped).
 */
const char *ckt_vectors(const char *sub);

/* Source tree root (for testkeys/, fuzz corpora). */
const char *ckt_source_dir(void);

/* Read a whole file into out (appended); fails the test on error. */
void ckt_read(struct ck_buf *out, const char *path);
/* Same with a printf-style path. */
void ckt_readf(struct ck_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A fresh 0700 temporary directory, removed at exit. */
const char *ckt_tmpdir(void);

/* Skip the whole program loudly (exit 77) with a reason. */
void ckt_skip_all(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* 1 if an executable is on PATH. */
int ckt_have_program(const char *name);

/* Hex string -> bytes (appended); fails the test on bad hex. */
void ckt_unhex(struct ck_buf *out, const char *hex);

#endif
