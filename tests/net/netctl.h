/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers for the net tests: talk to a double's /_control/ endpoints and
 * read its request log (header-only; included by tests in this directory).
 */
#ifndef CK_TEST_NETCTL_H
#define CK_TEST_NETCTL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck/http.h"
#include "ck_test.h"
#include "ckt_double.h"

/* POST /_control/<what> with a printf-formatted JSON body; the answer body is returned
   in a static buffer (valid until the next call). Fails the test on a 4xx/5xx. */
static const char *ctl(const struct ckt_double *d, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static const char *ctl(const struct ckt_double *d, const char *what, const char *fmt, ...)
{
	static char out[1 << 16];
	struct ck_http_client *c = NULL;
	struct ck_http_request req = { 0 };
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	char url[256], body[8192];
	va_list ap;

	body[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(body, sizeof(body), fmt, ap);
		va_end(ap);
	}
	snprintf(url, sizeof(url), "%s/_control/%s", d->url, what);
	assert_int_equal(ck_http_client_new(&c, NULL), CK_OK);
	req.url = url;
	req.method = fmt ? "POST" : "GET";
	req.body = fmt ? body : NULL;
	req.body_len = strlen(body);
	if (ck_http_send(c, &req, &r) != CK_OK || r.status >= 400)
		fail_msg("control %s failed: %ld %s", what, r.status, ck_buf_cstr(&r.body));
	snprintf(out, sizeof(out), "%s", ck_buf_cstr(&r.body));
	ck_http_response_dispose(&r);
	ck_http_client_free(c);
	return out;
}

/* The request log as a parsed JSON list (caller frees the doc). */
static struct ck_doc *ctl_log(const struct ckt_double *d, const struct ck_doc_node **list)
{
	const char *body = ctl(d, "log", NULL);
	struct ck_doc *doc = NULL;

	assert_int_equal(ck_doc_parse_json(&doc, body, strlen(body), 0), CK_OK);
	*list = ck_doc_resolve(doc->docs[0]);
	assert_int_equal((*list)->kind, CK_DOC_SEQ);
	return doc;
}

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

__attribute__((unused)) static void ctl_clear_log(const struct ckt_double *d)
{
	(void)ctl(d, "log/clear", "{}");
}

#endif
