/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The watch-event stream: framing and event parsing never crash, and feeding
 * the stream in pieces (sizes taken from the first byte) yields exactly the
 * lines that feeding it whole does.
 */
#include <string.h>

#include "ck/kube.h"
#include "ck/kube_watch.h"
#include "ck/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct acc {
	struct ck_hash *h;
	size_t n;
};

static int on_line(void *arg, const char *line, size_t n)
{
	struct acc *a = arg;
	struct ck_doc *d = NULL;
	const struct ck_doc_node *obj;
	const char *type;

	if (ck_kube_event_parse(&d, &type, &obj, line, n, 0) == CK_OK) {
		/* What the informer reads from every event. */
		(void)ck_kube_str(obj, "metadata.resourceVersion");
		(void)ck_kube_str(obj, "metadata.namespace");
		(void)ck_kube_int(obj, "code", 0);
		CK_ASSERT(type != NULL);
	}
	ck_doc_free(d);
	ck_hash_update(a->h, line, n);
	ck_hash_update(a->h, "\n", 1);
	a->n++;
	return 0;
}

static int run(const uint8_t *p, size_t n, size_t piece, uint8_t out[32], size_t *lines)
{
	struct acc a = { ck_hash_new(CK_SHA256), 0 };
	struct ck_kube_lines l;
	size_t i;
	int rc = CK_OK;

	if (a.h == NULL)
		return CK_ENOMEM;
	ck_kube_lines_init(&l, 4096, on_line, &a);
	for (i = 0; i < n && rc == CK_OK; i += piece)
		rc = ck_kube_lines_feed(&l, p + i, n - i < piece ? n - i : piece);
	if (rc == CK_OK)
		rc = ck_kube_lines_finish(&l);
	ck_kube_lines_dispose(&l);
	ck_hash_final(a.h, out);
	ck_hash_free(a.h);
	*lines = a.n;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h1[32], h2[32];
	size_t n1, n2, piece;
	int r1, r2;

	if (size < 1)
		return 0;
	piece = (size_t)data[0] % 17 + 1;
	r1 = run(data + 1, size - 1, size, h1, &n1);
	r2 = run(data + 1, size - 1, piece, h2, &n2);
	if (r1 != CK_ETOOBIG && r2 != CK_ETOOBIG) {
		CK_ASSERT(r1 == r2);
		CK_ASSERT(n1 == n2 && memcmp(h1, h2, 32) == 0);
	}
	return 0;
}
