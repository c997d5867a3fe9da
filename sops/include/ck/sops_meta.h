/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `sops` metadata of an encrypted file (spec section 6): key groups,
 * Shamir threshold, lastmodified, the encrypted MAC, the encryption rule and
 * the writer version. Read from every layout sops ever wrote (struct order
 * with empty lists and nulls, 3.13 sorted maps, flattened dotenv/INI keys,
 * Python-era files) and written the way sops 3.13 writes it.
 */
#ifndef CK_SOPS_META_H
#define CK_SOPS_META_H

#include <stddef.h>

#include "ck/err.h"
#include "ck/sops_keysource.h"
#include "ck/sops_tree.h"

/* The six mutually exclusive encryption rules (spec section 4). */
enum ck_sops_rule {
	CK_SOPS_RULE_NONE = 0,
	CK_SOPS_RULE_UNENCRYPTED_SUFFIX,
	CK_SOPS_RULE_ENCRYPTED_SUFFIX,
	CK_SOPS_RULE_UNENCRYPTED_REGEX,
	CK_SOPS_RULE_ENCRYPTED_REGEX,
	CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX,
	CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX,
};

#define CK_SOPS_DEFAULT_UNENCRYPTED_SUFFIX "_unencrypted"

struct ck_sops_group {
	struct ck_sops_key **keys;
	size_t n;
};

struct ck_sops_meta {
	char *lastmodified; /* as stored (RFC 3339) */
	char *mac;          /* ENC[...] of the MAC, or NULL when absent/empty */
	char *version;
	enum ck_sops_rule rule;
	char *rule_value;
	int mac_only_encrypted;
	int shamir_threshold; /* 0: unset */
	struct ck_sops_group *groups;
	size_t ngroups;
};

/* Name of a rule as it appears in metadata and .sops.yaml ("encrypted_regex"). */
const char *ck_sops_rule_name(enum ck_sops_rule r);
enum ck_sops_rule ck_sops_rule_from_name(const char *name);

void ck_sops_meta_init(struct ck_sops_meta *m);
void ck_sops_meta_dispose(struct ck_sops_meta *m);
int ck_sops_meta_copy(struct ck_sops_meta *dst, const struct ck_sops_meta *src) CK_WUR;
/* Append a key to group g (created when g == ngroups); takes ownership. */
int ck_sops_meta_add_key(struct ck_sops_meta *m, size_t g, struct ck_sops_key *k) CK_WUR;
/* Total number of master keys. */
size_t ck_sops_meta_key_count(const struct ck_sops_meta *m);

/*
 * Read the metadata from the `sops` map of a YAML/JSON file (or the
 * unflattened dotenv/INI metadata). Weakly typed like sops (numbers as
 * strings and back). CK_EINVAL with sops's message on a bad field, on more
 * than one rule, or without any key ("No keys found in file").
 */
int ck_sops_meta_from_node(struct ck_sops_meta *m, const struct ck_sops_node *map) CK_WUR;

/* Build the `sops` map as sops 3.13 writes it (sorted keys) in t's arena. */
int ck_sops_meta_to_node(struct ck_sops_tree *t, struct ck_sops_node *out,
                         const struct ck_sops_meta *m) CK_WUR;

/*
 * Flattened form for dotenv/INI: `prefix` + path joined with __map_ and
 * __list_<i>, depth first in the 3.13 order. Pairs of STR nodes appended to
 * a new MAP node out (values: strings; newlines escaped as the two characters
 * \n when escape_nl).
 */
int ck_sops_meta_flatten(struct ck_sops_tree *t, struct ck_sops_node *out,
                         const struct ck_sops_node *meta, const char *prefix, int escape_nl) CK_WUR;
/* The reverse: a MAP of flattened keys (prefix already removed) to a tree. */
int ck_sops_meta_unflatten(struct ck_sops_tree *t, struct ck_sops_node *out,
                           const struct ck_sops_node *flat, int unescape_nl) CK_WUR;

#endif
