/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_controller_gen CERT KEY_SECRET_YAML OUTDIR COUNT ITEMS NAMESPACES
 *
 * Writes the objects of the controller benchmark as batches for the fake API
 * server's bulk loader (POST /__fake/objects {"items": [...]}):
 *   OUTDIR/setup.json     the namespaces and the key Secret (from the YAML)
 *   OUTDIR/ss-NNN.json    COUNT SealedSecrets, 1000 per file, ITEMS values
 *                         each (32 random bytes, base64), sealed to CERT with
 *                         strict scope, spread over NAMESPACES namespaces.
 * Prints "generated COUNT SealedSecrets (ITEMS values each) in S s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/rand.h"
#include "ck/rsa.h"
#include "ck/seal.h"
#include "ck/secret.h"

static int die(const char *what)
{
	fprintf(stderr, "bench_controller_gen: %s: %s\n", what, ck_err_last()->msg);
	return 1;
}

int main(int argc, char **argv)
{
	struct ck_buf cert = CK_BUF_INIT, key = CK_BUF_INIT, out = CK_BUF_INIT, path = CK_BUF_INIT;
	struct ck_doc *kd = NULL;
	struct ck_rsa *pub = NULL;
	struct ck_seal_cert_info info;
	struct ck_doc_json_opts jo = { "", 0, 0 };
	long count, items, nss, i, j;
	struct timespec t0, t1;

	if (argc != 7) {
		fprintf(stderr, "usage: bench_controller_gen CERT KEY_SECRET_YAML OUTDIR COUNT ITEMS "
		                "NAMESPACES\n");
		return 2;
	}
	count = strtol(argv[4], NULL, 10);
	items = strtol(argv[5], NULL, 10);
	nss = strtol(argv[6], NULL, 10);
	if (count <= 0 || items <= 0 || nss <= 0)
		return 2;
	if (ck_core_init() < 0 || ck_file_read(&cert, argv[1], 1 << 20) < 0 ||
	    ck_file_read(&key, argv[2], 1 << 20) < 0)
		return die("read");
	if (ck_seal_cert_parse(&pub, &info, ck_buf_cstr(&cert), ck_buf_len(&cert), 0) < 0)
		return die(argv[1]);
	if (ck_doc_parse(&kd, ck_buf_cstr(&key), ck_buf_len(&key), CK_DOC_SECURE) < 0)
		return die(argv[2]);
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Namespaces and the key Secret. */
	if (ck_buf_puts(&out, "{\"items\":[") < 0)
		return die("out of memory");
	for (i = 0; i < nss; i++)
		if (ck_buf_printf(&out, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
		                  "{\"name\":\"bench-%ld\"}},", i) < 0)
			return die("out of memory");
	if (ck_doc_write_json(&out, kd->docs[0], &jo) < 0 || ck_buf_puts(&out, "]}") < 0 ||
	    ck_buf_printf(&path, "%s/setup.json", argv[3]) < 0 ||
	    ck_file_write_atomic(ck_buf_cstr(&path), ck_buf_data(&out), ck_buf_len(&out), 0600) < 0)
		return die("setup.json");

	for (i = 0; i < count; i++) {
		char ns[32], name[32];

		if (i % 1000 == 0) {
			ck_buf_reset(&out);
			if (ck_buf_puts(&out, "{\"items\":[") < 0)
				return die("out of memory");
		} else if (ck_buf_putc(&out, ',') < 0) {
			return die("out of memory");
		}
		snprintf(ns, sizeof(ns), "bench-%ld", i % nss);
		snprintf(name, sizeof(name), "secret-%05ld", i);
		if (ck_buf_printf(&out, "{\"apiVersion\":\"bitnami.com/v1alpha1\",\"kind\":"
		                  "\"SealedSecret\",\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
		                  "\"labels\":{\"app.kubernetes.io/instance\":\"bench\"}},\"spec\":"
		                  "{\"template\":{\"metadata\":{\"labels\":{\"app\":\"bench\"}},"
		                  "\"type\":\"Opaque\"},\"encryptedData\":{", name, ns) < 0)
			return die("out of memory");
		for (j = 0; j < items; j++) {
			uint8_t raw[32];
			struct ck_buf pt = CK_BUF_INIT;

			ck_random(raw, sizeof(raw));
			if (ck_b64_encode(&pt, raw, sizeof(raw), CK_B64_STD) < 0 ||
			    ck_buf_printf(&out, "%s\"key%ld\":\"", j ? "," : "", j) < 0 ||
			    ck_seal_value_seal(&out, pub, CK_SEAL_SCOPE_STRICT, ns, name, ck_buf_data(&pt),
			                       ck_buf_len(&pt)) < 0 ||
			    ck_buf_putc(&out, '"') < 0)
				return die("seal");
			ck_buf_dispose(&pt);
		}
		if (ck_buf_puts(&out, "}}}") < 0)
			return die("out of memory");
		if (i % 1000 == 999 || i == count - 1) {
			ck_buf_reset(&path);
			if (ck_buf_puts(&out, "]}") < 0 ||
			    ck_buf_printf(&path, "%s/ss-%03ld.json", argv[3], i / 1000) < 0 ||
			    ck_file_write_atomic(ck_buf_cstr(&path), ck_buf_data(&out), ck_buf_len(&out),
			                         0600) < 0)
				return die("write");
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("generated %ld SealedSecrets (%ld values each) in %.1f s\n", count, items,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ck_rsa_free(pub);
	ck_doc_free(kd);
	ck_buf_dispose(&cert);
	ck_buf_dispose(&key);
	ck_buf_dispose(&out);
	ck_buf_dispose(&path);
	return 0;
}
