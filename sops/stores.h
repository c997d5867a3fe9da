/* SPDX-License-Identifier: Apache-2.0 */
/* Store readers and writers other than YAML (store_json.c, store_flat.c). */
#ifndef CK_SOPS_STORES_H
#define CK_SOPS_STORES_H

#include "ck/buf.h"
#include "ck/sops_tree.h"

/* Parse t->src; secret: plaintext input (copies go to secret memory). */
int ck_sops__json_read(struct ck_sops_tree *t, int secret) CK_WUR;
int ck_sops__dotenv_read(struct ck_sops_tree *t, int secret) CK_WUR;
int ck_sops__ini_read(struct ck_sops_tree *t, int secret) CK_WUR;

/*
 * JSON as sops writes it: json.Indent with indent -1 -> tab, else that many
 * spaces, -2 compact (json.Marshal); xk/xv appended as the last pair of the
 * root object when set.
 */
int ck_sops__json_emit(struct ck_buf *out, const struct ck_sops_node *root, int indent,
                       const struct ck_sops_node *xk, const struct ck_sops_node *xv,
                       int newline) CK_WUR;
/* Go json.Marshal of one string. */
int ck_sops__json_string(struct ck_buf *out, const char *s, size_t n) CK_WUR;

/* dotenv lines for root's items then the extra (key, value) pairs. */
int ck_sops__dotenv_emit(struct ck_buf *out, const struct ck_sops_node *root,
                         const struct ck_sops_node *extra, size_t nextra) CK_WUR;
/* INI sections of root, then the extra section xk/xv (metadata) when set. */
int ck_sops__ini_emit(struct ck_buf *out, const struct ck_sops_node *root,
                      const struct ck_sops_node *xk, const struct ck_sops_node *xv) CK_WUR;
/* A leaf as text for dotenv/INI (non-strings as sops renders them). */
int ck_sops__flat_value(struct ck_buf *out, const struct ck_sops_node *v) CK_WUR;

#endif
