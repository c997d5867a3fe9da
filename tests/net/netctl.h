/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers for the net tests: questions about a double's request log
 * beyond ckt_control.h's (header-only; included by tests in this directory).
 */
#ifndef CK_TEST_NETCTL_H
#define CK_TEST_NETCTL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck/http.h"
#include "ck_test.h"
#include "ckt_control.h"
#include "ckt_double.h"

/* Count log records whose <field> contains <needle> (and method, if not NULL). */
__attribute__((unused)) static int log_count(const struct ckt_double *d, const char *method, const char *field,
                     const char *needle)
{
	const struct ck_doc_node *list;
	struct ck_doc *doc = ctl_log(d, &list);
	int n = 0;

	for (size_t i = 0; i < list->nkids; i++) {
		const struct ck_doc_node *rec = ck_doc_resolve(list->kids[i]);
		const char *m = ck_doc_map_get_str(rec, "method");
		const char *f = ck_doc_map_get_str(rec, field);

		if (method != NULL && (m == NULL || strcmp(m, method) != 0))
			continue;
		if (f != NULL && strstr(f, needle) != NULL)
			n++;
	}
	ck_doc_free(doc);
	return n;
}

/* The value of header <name> (lower case) in the last log record whose path contains needle. */
__attribute__((unused)) static void log_header(char *out, size_t cap, const struct ckt_double *d, const char *needle,
                       const char *name)
{
	const struct ck_doc_node *list;
	struct ck_doc *doc = ctl_log(d, &list);

	out[0] = '\0';
	for (size_t i = list->nkids; i-- > 0;) {
		const struct ck_doc_node *rec = ck_doc_resolve(list->kids[i]);
		const char *p = ck_doc_map_get_str(rec, "path");

		if (p != NULL && strstr(p, needle) != NULL) {
			const struct ck_doc_node *h = ck_doc_map_get(rec, "headers");
			const char *v = h ? ck_doc_map_get_str(h, name) : NULL;

			snprintf(out, cap, "%s", v ? v : "");
			break;
		}
	}
	ck_doc_free(doc);
}

#endif
