/* SPDX-License-Identifier: Apache-2.0 */
/* Private to the network key sources (ks_net.c, ks_vault.c, ks_kms.c). */
#ifndef CK_SOPS_KS_NET_H
#define CK_SOPS_KS_NET_H

#include <stddef.h>

#include "ck/sops_keysource.h"
#include "ck/sops_meta.h"
#include "ck/sops_net.h"

/* ctx->ext, or the defaults when there is none. */
const struct ck_sops_net_opts *ck_sops__net_opts(const struct ck_sops_keyctx *ctx);
/* Store a new enc (copy of s[0..n)) and set created_at when the key has none yet. */
int ck_sops__net_set_enc(struct ck_sops_key *k, const char *s, size_t n) CK_WUR;
/* Set a field from a counted string. */
int ck_sops__net_set_fieldn(struct ck_sops_key *k, const char *name, const char *s,
                            size_t n) CK_WUR;

/*
 * rotate --add-kms: the keys of list added to group 0 of m (duplicates
 * skipped), each with the --encryption-context (NULL: none), as sops rotate
 * does; the file's existing keys keep their own context.
 */
int ck_sops__meta_add_kms(struct ck_sops_meta *m, const char *list, const char *context) CK_WUR;

int ck_sops__vault_parse(struct ck_sops_key *k, const char *s, size_t n);
int ck_sops__vault_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n,
                        struct ck_sops_keyctx *ctx);
int ck_sops__vault_unwrap(const struct ck_sops_key *k, struct ck_buf *out,
                          struct ck_sops_keyctx *ctx);

int ck_sops__kms_parse(struct ck_sops_key *k, const char *s, size_t n);
int ck_sops__kms_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n,
                      struct ck_sops_keyctx *ctx);
int ck_sops__kms_unwrap(const struct ck_sops_key *k, struct ck_buf *out,
                        struct ck_sops_keyctx *ctx);

#endif
