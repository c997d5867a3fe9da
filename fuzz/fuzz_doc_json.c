/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON reader and writer: no crash; accepts exactly what jansson accepts
 * (apart from the documented differences: integers beyond int64, real
 * overflow, \u0000 in keys and a leading BOM, which jansson refuses; NUL bytes after the
 * value and nesting deeper than our 512 levels, which we refuse);
 * whatever parses is written (compact and indented) as text that parses to
 * the same tree.
 */
#include <string.h>

#include <jansson.h>

#include "ck/doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct ck_doc *d, const char *indent)
{
	struct ck_doc_json_opts o = CK_DOC_JSON_OPTS_INIT;
	struct ck_buf out = CK_BUF_INIT;
	struct ck_doc *back = NULL;

	o.indent = indent;
	CK_ASSERT(ck_doc_write_json(&out, d->docs[0], &o) == CK_OK);
	CK_ASSERT(ck_doc_parse_json(&back, (const char *)ck_buf_data(&out), ck_buf_len(&out), 0) ==
	          CK_OK);
	CK_ASSERT(ck_doc_equal(d, back, CK_DOC_EQ_STYLES));
	ck_doc_free(back);
	ck_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ck_doc *d = NULL;
	json_error_t jerr;
	json_t *j;
	int ours, theirs;

	ours = ck_doc_parse_json(&d, (const char *)data, size, 0);
	CK_ASSERT(ours == CK_OK || ours == CK_EINVAL || ours == CK_ETOOBIG);
	j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	theirs = j != NULL;
	json_decref(j);
	if (ours == CK_OK && !theirs) {
		/* jansson refuses big numbers, NUL in keys and a leading BOM; nothing else. */
		CK_ASSERT(strstr(jerr.text, "too big") != NULL || strstr(jerr.text, "overflow") != NULL ||
		          strstr(jerr.text, "NUL byte in object key") != NULL ||
		          (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0));
	}
	/* jansson's buffer reader stops at a NUL byte outside strings; we refuse it. */
	if (ours != CK_OK && theirs && memchr(data, 0, size) == NULL)
		CK_ASSERT(ours == CK_ETOOBIG);
	if (ours == CK_OK) {
		roundtrip(d, "");
		roundtrip(d, "\t");
	}
	ck_doc_free(d);
	return 0;
}
