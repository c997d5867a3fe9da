/* SPDX-License-Identifier: Apache-2.0 */
/* The encrypt/decrypt tree walk (walk.c). */
#ifndef CK_SOPS_WALK_H
#define CK_SOPS_WALK_H

#include "ck/sops_meta.h"
#include "ck/sops_tree.h"
#include "ck/sops_cipher.h"

struct ck_sops_walk_opts {
	int decrypt;
	int mac_only;
	enum ck_sops_rule rule;
	const char *rule_value;
	struct ck_sops_cipher *cipher;
	long long *growth; /* when set: += text bytes gained (encrypt) or lost (decrypt) */
};

/*
 * Encrypt or decrypt every leaf the rule selects, in place, and compute the
 * MAC (128 upper-case hex digits + NUL) over the plaintext leaves (never
 * comments, also not the comments sops 3.13 stores as list items: its
 * encrypt leaves them out; 3.13.2's decrypt wrongly counts them, #2243).
 * Errors carry sops exit statuses 23 (encrypt) / 25 (decrypt) and the path.
 */
int ck_sops__walk(struct ck_sops_tree *t, const struct ck_sops_walk_opts *o, char mac[129]) CK_WUR;

#endif
