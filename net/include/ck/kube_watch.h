/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Framing of a Kubernetes watch stream: the body is a sequence of JSON
 * objects, one per line ({"type": ..., "object": {...}}\n). Bytes arrive in
 * arbitrary pieces (an event may span many reads); ck_kube_lines_feed()
 * collects them and hands every complete line to the callback. A line longer
 * than the limit is CK_ETOOBIG (the stream must be dropped and re-listed).
 * Blank lines are skipped. At the end of the stream, ck_kube_lines_finish()
 * delivers a last line that had no newline.
 */
#ifndef CK_KUBE_WATCH_H
#define CK_KUBE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"

#define CK_KUBE_WATCH_MAX_EVENT ((size_t)16 << 20)

struct ck_kube_lines {
	struct ck_buf buf;
	size_t max;
	/* Return CK_OK to go on, or a code (negative or CK_HTTP_STOP-like positive) to stop. */
	int (*on_line)(void *arg, const char *line, size_t n);
	void *arg;
};

void ck_kube_lines_init(struct ck_kube_lines *l, size_t max,
                        int (*on_line)(void *arg, const char *line, size_t n), void *arg);
/* Feed bytes; returns CK_OK, CK_ETOOBIG, CK_ENOMEM, or the callback's non-zero code. */
int ck_kube_lines_feed(struct ck_kube_lines *l, const uint8_t *p, size_t n) CK_WUR;
/* Deliver a trailing unterminated line, if any. */
int ck_kube_lines_finish(struct ck_kube_lines *l) CK_WUR;
/* Drop buffered bytes (start of a new stream). */
void ck_kube_lines_reset(struct ck_kube_lines *l);
void ck_kube_lines_dispose(struct ck_kube_lines *l);

#endif
