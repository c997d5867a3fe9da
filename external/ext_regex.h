/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go regexp (RE2 syntax, leftmost-first semantics) for ExternalSecret
 * dataFrom.find.name.regexp, rewrite.regexp and the sprig regex functions.
 * A Pike VM: linear time in the input, no backtracking blow-up.
 *
 * Supported: literals and escapes (\a \f \t \n \r \v \x7f \x{10FFFF} \Q..\E,
 * octal \123), . ^ $ \A \z \b \B, classes [...] [^...] with ranges, Perl
 * classes \d \s \w (and negations), POSIX [[:alpha:]] classes, groups ( ),
 * (?: ), (?P<name> ), (?<name> ), flags (?imsU) and (?imsU: ), alternation,
 * * + ? {n} {n,} {n,m} and their lazy forms. Unicode classes (\pL) are not
 * supported (clear error). Case folding covers ASCII letters.
 */
#ifndef CK_EXT_REGEX_H
#define CK_EXT_REGEX_H

#include <stddef.h>

#include "ck/buf.h"

struct ck_ext_regex;

/*
 * Compile; CK_EINVAL with Go's message ("error parsing regexp: missing
 * closing ): `(a`"), CK_ETOOBIG for patterns beyond the size limit.
 */
int ck_ext_regex_compile(struct ck_ext_regex **out, const char *pat, size_t n) CK_WUR;
void ck_ext_regex_free(struct ck_ext_regex *re);

/* Number of capture groups including group 0. */
size_t ck_ext_regex_ngroups(const struct ck_ext_regex *re);

/*
 * Leftmost-first search of s[0..n) starting at byte `start` (the text before
 * start still counts for ^ and \b). On a match returns 1 and fills m with
 * nsub (start, end) pairs, SIZE_MAX for groups that did not take part;
 * 0 without a match. m may be NULL when nsub is 0.
 */
int ck_ext_regex_match(const struct ck_ext_regex *re, const char *s, size_t n, size_t start,
                       size_t *m, size_t nsub);

/* Go's Regexp.ReplaceAllString (literal: ReplaceAllLiteralString), appended to out. */
int ck_ext_regex_replace_all(struct ck_buf *out, const struct ck_ext_regex *re, const char *s,
                             size_t n, const char *repl, size_t rn, int literal) CK_WUR;

#endif
