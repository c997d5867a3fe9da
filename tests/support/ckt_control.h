/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Talk to a test double's /_control/ endpoints and read its request log
 * (header-only, like ckt_double.h; the doubles of tests/doubles/ share this
 * control API).
 */
#ifndef CKT_CONTROL_H
#define CKT_CONTROL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ck/doc.h"
#include "ck/http.h"
#include "ck_test.h"
#include "ckt_double.h"

/* POST /_control/<what> with a printf-formatted JSON body (GET when fmt is
   NULL); the answer body is returned in a static buffer (valid until the next
   call). Fails the test on a 4xx/5xx. */
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
__attribute__((unused)) static struct ck_doc *ctl_log(const struct ckt_double *d, const struct ck_doc_node **list)
{
	const char *body = ctl(d, "log", NULL);
	struct ck_doc *doc = NULL;

	assert_int_equal(ck_doc_parse_json(&doc, body, strlen(body), 0), CK_OK);
	*list = ck_doc_resolve(doc->docs[0]);
	assert_int_equal((*list)->kind, CK_DOC_SEQ);
	return doc;
}

__attribute__((unused)) static void ctl_clear_log(const struct ckt_double *d)
{
	(void)ctl(d, "log/clear", "{}");
}

#endif
