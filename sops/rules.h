/* SPDX-License-Identifier: Apache-2.0 */
/* A compiled encryption rule (rules.c). */
#ifndef CK_SOPS_RULES_H
#define CK_SOPS_RULES_H

#include <regex.h>
#include <stddef.h>

#include "ck/sops_meta.h"

struct ck_sops_rules {
	enum ck_sops_rule kind;
	const char *value;
	size_t vlen;
	regex_t re;
	int have_re;
};

/* Compile; errors carry exit status 5 (bad regex). value is borrowed. */
int ck_sops__rules_init(struct ck_sops_rules *r, enum ck_sops_rule kind, const char *value) CK_WUR;
void ck_sops__rules_dispose(struct ck_sops_rules *r);
/* Suffix or regex (unanchored search) match of one path component or comment. */
int ck_sops__rules_match(const struct ck_sops_rules *r, const char *s, size_t n);

#endif
