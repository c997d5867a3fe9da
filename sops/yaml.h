/* SPDX-License-Identifier: Apache-2.0 */
/* YAML store internals: reader (yaml_read.c) and emitter (yaml_emit.c). */
#ifndef CK_SOPS_YAML_H
#define CK_SOPS_YAML_H

#include "ck/buf.h"
#include "ck/sops_tree.h"

/*
 * Parse t->src into t's documents. secret: the text is plaintext (copies go
 * to the secret arena). Errors carry exit status 2 and "yaml: line N: ...".
 */
int ck_sops__yaml_read(struct ck_sops_tree *t, int secret) CK_WUR;

/*
 * Emit documents the way sops (go-yaml v3 encoder, indent `indent`, default
 * 4) writes them. extra_key/extra_value, when set, is appended as the last
 * pair of every document (the sops metadata).
 */
int ck_sops__yaml_emit(struct ck_buf *out, const struct ck_sops_tree *t, unsigned indent,
                       const struct ck_sops_node *extra_key,
                       const struct ck_sops_node *extra_value,
                       int (*flush)(void *ctx, const void *p, size_t n), void *flush_ctx) CK_WUR;

/* A single value as `sops decrypt --extract` prints non-string leaves. */
int ck_sops__yaml_emit_value(struct ck_buf *out, const struct ck_sops_node *v,
                             unsigned indent) CK_WUR;

#endif
