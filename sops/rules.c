/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The encryption rules (spec section 4) and the regular expressions they
 * use. sops uses Go's RE2 syntax with unanchored search; this translates the
 * common RE2 forms (\d \w \s and negations, (?i), (?:...), lazy quantifiers,
 * \A \z) to POSIX extended regexes. Constructs with no POSIX equivalent
 * (\p{..}, look-around is not RE2 anyway) are refused with a clear message.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "rules.h"
#include "ck/sops_internal.h"

static int put_class(struct ck_buf *b, char e, int in_bracket)
{
	const char *body;
	int neg = 0;

	switch (e) {
	case 'd': body = "0-9"; break;
	case 'D': body = "0-9"; neg = 1; break;
	case 'w': body = "0-9A-Za-z_"; break;
	case 'W': body = "0-9A-Za-z_"; neg = 1; break;
	case 's': body = " \t\n\r\f\v"; break;
	case 'S': body = " \t\n\r\f\v"; neg = 1; break;
	default: return 1;
	}
	if (in_bracket) {
		if (neg)
			return -1; /* [^...\D...] cannot be expressed */
		return ck_buf_puts(b, body) < 0 ? CK_ENOMEM : CK_OK;
	}
	if (ck_buf_puts(b, neg ? "[^" : "[") < 0 || ck_buf_puts(b, body) < 0 || ck_buf_putc(b, ']') < 0)
		return CK_ENOMEM;
	return CK_OK;
}

/* RE2 -> POSIX ERE; *icase set for a leading (?i). */
static int translate(struct ck_buf *b, const char *re, int *icase)
{
	size_t i = 0, n = strlen(re);
	int in_br = 0, rc;

	*icase = 0;
	if (n >= 4 && memcmp(re, "(?i)", 4) == 0) {
		*icase = 1;
		i = 4;
	}
	for (; i < n; i++) {
		char c = re[i];

		if (in_br) {
			if (c == '\\' && i + 1 < n) {
				char e = re[++i];

				rc = put_class(b, e, 1);
				if (rc < 0)
					return rc == -1 ? CK_EUNSUPPORTED : rc;
				if (rc == 1) {
					/* escaped literal inside a bracket: POSIX has no escapes there */
					if (e == ']' || e == '^' || e == '-' || e == '\\')
						return CK_EUNSUPPORTED;
					if (ck_buf_putc(b, e) < 0)
						return CK_ENOMEM;
				}
				continue;
			}
			if (c == ']' && !(i > 0 && (re[i - 1] == '[' || (re[i - 1] == '^' && i > 1 && re[i - 2] == '['))))
				in_br = 0;
			if (ck_buf_putc(b, c) < 0)
				return CK_ENOMEM;
			continue;
		}
		if (c == '[') {
			in_br = 1;
			if (ck_buf_putc(b, c) < 0)
				return CK_ENOMEM;
			continue;
		}
		if (c == '\\' && i + 1 < n) {
			char e = re[++i];

			rc = put_class(b, e, 0);
			if (rc < 0)
				return rc;
			if (rc == 0)
				continue;
			if (e == 'A') {
				rc = ck_buf_putc(b, '^');
			} else if (e == 'z') {
				rc = ck_buf_putc(b, '$');
			} else if (e == 'p' || e == 'P' || e == 'b' || e == 'B' || e == 'Q' || e == 'E') {
				return CK_EUNSUPPORTED;
			} else if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
				/* \n \t and friends */
				char lit = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'f' ? '\f' : e == 'v' ? '\v' : 0;

				if (lit == 0)
					return CK_EUNSUPPORTED;
				rc = ck_buf_putc(b, lit);
			} else {
				rc = ck_buf_putc(b, '\\');
				if (rc == CK_OK)
					rc = ck_buf_putc(b, e);
			}
			if (rc < 0)
				return CK_ENOMEM;
			continue;
		}
		if (c == '(' && i + 2 < n && re[i + 1] == '?') {
			if (re[i + 2] == ':') {
				if (ck_buf_putc(b, '(') < 0)
					return CK_ENOMEM;
				i += 2;
				continue;
			}
			return CK_EUNSUPPORTED;
		}
		if (c == '?' && i > 0 && (re[i - 1] == '*' || re[i - 1] == '+' || re[i - 1] == '?' || re[i - 1] == '}') &&
		    !(i > 1 && re[i - 2] == '\\'))
			continue; /* lazy quantifier: same matches for a yes/no search */
		if (ck_buf_putc(b, c) < 0)
			return CK_ENOMEM;
	}
	return CK_OK;
}

int ck_sops__rules_init(struct ck_sops_rules *r, enum ck_sops_rule kind, const char *value)
{
	struct ck_buf b;
	int icase = 0, rc;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->value = value != NULL ? value : "";
	r->vlen = strlen(r->value);
	if (kind != CK_SOPS_RULE_UNENCRYPTED_REGEX && kind != CK_SOPS_RULE_ENCRYPTED_REGEX &&
	    kind != CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX && kind != CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX)
		return CK_OK;
	ck_buf_init(&b, 0);
	rc = translate(&b, r->value, &icase);
	if (rc == CK_OK) {
		if (regcomp(&r->re, ck_buf_cstr(&b), REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0)) != 0)
			rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_READING_CONFIG,
			                     "sops: invalid %s '%s'", ck_sops_rule_name(kind), r->value);
		else
			r->have_re = 1;
	} else if (rc == CK_EUNSUPPORTED) {
		rc = ck_err_set_exit(CK_EUNSUPPORTED, CK_SOPS_EXIT_ERROR_READING_CONFIG,
		                     "sops: %s '%s' uses RE2 syntax this build cannot translate",
		                     ck_sops_rule_name(kind), r->value);
	} else {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
	}
	ck_buf_dispose(&b);
	return rc;
}

void ck_sops__rules_dispose(struct ck_sops_rules *r)
{
	if (r->have_re)
		regfree(&r->re);
	r->have_re = 0;
}

int ck_sops__rules_match(const struct ck_sops_rules *r, const char *s, size_t n)
{
	char small[256], *tmp = small;
	int m;

	switch (r->kind) {
	case CK_SOPS_RULE_UNENCRYPTED_SUFFIX:
	case CK_SOPS_RULE_ENCRYPTED_SUFFIX:
		return n >= r->vlen && memcmp(s + n - r->vlen, r->value, r->vlen) == 0;
	case CK_SOPS_RULE_NONE:
		return 0;
	default:
		break;
	}
	if (!r->have_re)
		return 0;
	if (n >= sizeof(small) && (tmp = ck_alloc(n + 1)) == NULL)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	/* Go matches the bytes; an embedded NUL ends the C string early. */
	m = regexec(&r->re, tmp, 0, NULL, 0) == 0;
	if (tmp != small)
		ck_free(tmp);
	return m;
}
