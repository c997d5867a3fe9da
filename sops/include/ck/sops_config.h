/* SPDX-License-Identifier: Apache-2.0 */
/*
 * .sops.yaml (spec section 8): found with --config / $SOPS_CONFIG or by
 * walking up from the current directory; creation_rules are tried in order
 * against the file's path relative to the config's directory and the first
 * rule whose path_regex matches (or that has none) wins. A rule gives the
 * master keys (flat per-type lists or key_groups with merge), the Shamir
 * threshold, the encryption rule and mac_only_encrypted; `stores` gives the
 * YAML/JSON indentation.
 */
#ifndef CK_SOPS_CONFIG_H
#define CK_SOPS_CONFIG_H

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/sops_meta.h"

struct ck_sops_config;

/*
 * Find the config to use: explicit (flag or $SOPS_CONFIG, must exist: exit
 * 61 otherwise) or .sops.yaml in start_dir and its parents (up to 100
 * levels). CK_ENOTFOUND without a message when there is none (fine for
 * decryption). The path is appended to out.
 */
int ck_sops_config_find(struct ck_buf *out, const char *explicit_path, const char *start_dir) CK_WUR;

/* Parse a config file. Errors carry exit status 5 (error reading config). */
int ck_sops_config_load(struct ck_sops_config **out, const char *path) CK_WUR;
int ck_sops_config_parse(struct ck_sops_config **out, const char *text, size_t n,
                         const char *dir) CK_WUR;
void ck_sops_config_free(struct ck_sops_config *c);

/* 1 if the config has creation rules at all. */
int ck_sops_config_has_rules(const struct ck_sops_config *c);

/*
 * The first creation rule matching file_path, turned into metadata (key
 * groups, threshold, rule, mac_only_encrypted) in *m (initialised here).
 * CK_ENOTFOUND "no matching creation rules found" when none matches.
 * kms_context, when not NULL, is the --encryption-context for kms keys.
 */
int ck_sops_config_rule_for(const struct ck_sops_config *c, const char *file_path,
                            struct ck_sops_meta *m) CK_WUR;

/* stores.yaml.indent, stores.json.indent / json_binary.indent (0 / -1 when unset). */
int ck_sops_config_yaml_indent(const struct ck_sops_config *c);
int ck_sops_config_json_indent(const struct ck_sops_config *c, int binary);

/*
 * Keys from a user string of one type, comma separated ("age1..,age1..",
 * "FP1,FP2", "arn1+role,arn2"), appended to group g of m (created if g ==
 * m->ngroups), skipping duplicates.
 */
int ck_sops_meta_add_keys_str(struct ck_sops_meta *m, size_t g, enum ck_sops_ktype t,
                              const char *list) CK_WUR;

/* KMS encryption context "k1:v1,k2:v2" set on every kms key of m (exit 6 when bad). */
int ck_sops_meta_set_kms_context(struct ck_sops_meta *m, const char *ctx) CK_WUR;

#endif
