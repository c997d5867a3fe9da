/* SPDX-License-Identifier: Apache-2.0 */
/*
 * YAML reader and writers: no crash, and whatever parses is written back
 * (faithful and go-yaml style) as text that parses to the same tree.
 */
#include <string.h>

#include "ck/doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct ck_doc *d, const struct ck_doc_yaml_opts *o, unsigned eq)
{
	struct ck_buf out = CK_BUF_INIT;
	struct ck_doc *back = NULL;
	int rc = ck_doc_write_yaml(&out, d, o);

	/* Only text that YAML cannot carry (invalid UTF-8) may fail to write. */
	CK_ASSERT(rc == CK_OK || rc == CK_EINVAL);
	if (rc == CK_OK) {
		rc = ck_doc_parse_yaml(&back, (const char *)ck_buf_data(&out), ck_buf_len(&out), 0);
		CK_ASSERT(rc == CK_OK);
		CK_ASSERT(ck_doc_equal(d, back, eq));
	}
	ck_doc_free(back);
	ck_buf_dispose(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ck_doc_yaml_opts faithful = CK_DOC_YAML_OPTS_INIT;
	static const struct ck_doc_yaml_opts go = CK_DOC_YAML_OPTS_GO;
	struct ck_doc *d = NULL;
	struct ck_buf js = CK_BUF_INIT;
	size_t i;

	if (ck_doc_parse_yaml(&d, (const char *)data, size, 0) != CK_OK)
		return 0;
	roundtrip(d, &faithful, CK_DOC_EQ_COMMENTS);
	/* go-yaml style may move comment lines left of a block scalar it chose. */
	roundtrip(d, &go, 0);
	for (i = 0; i < d->ndocs; i++) {
		ck_buf_reset(&js);
		if (ck_doc_write_json(&js, d->docs[i], NULL) == CK_OK) {
			struct ck_doc *j = NULL;

			CK_ASSERT(ck_doc_parse_json(&j, (const char *)ck_buf_data(&js), ck_buf_len(&js), 0) ==
			          CK_OK);
			ck_doc_free(j);
		}
	}
	ck_buf_dispose(&js);
	ck_doc_free(d);
	return 0;
}
