/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The document tree on a sops-sized file: 1000 sections of 90 ENC values
 * and a 10-item list (100,000 leaves, ~4 MB). Prints "name seconds" lines,
 * best of N runs: our YAML and JSON readers and writers, beside libyaml's
 * bare event loop (the floor under any libyaml-based reader) and jansson's
 * json_loadb / json_dumps (the peer JSON library).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <yaml.h>

#include "ck/doc.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct ck_doc *build(void)
{
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *root = ck_doc_map(d);
	char k[64], v[96];
	int i, e;

	for (i = 0; i < 1000; i++) {
		struct ck_doc_node *m = ck_doc_map(d), *s = ck_doc_seq(d);

		for (e = 0; e < 90; e++) {
			snprintf(k, sizeof(k), "key%d", e);
			snprintf(v, sizeof(v), "ENC[AES256_GCM,data:%08d,iv:%06d,type:str]", i, e);
			if (ck_doc_map_append(d, m, ck_doc_scalar_str(d, k), ck_doc_scalar_str(d, v)) < 0)
				exit(1);
		}
		for (e = 0; e < 10; e++) {
			snprintf(v, sizeof(v), "%d.%d", i, e);
			if (ck_doc_seq_append(d, s, ck_doc_scalar_str(d, v)) < 0)
				exit(1);
		}
		if (ck_doc_map_append(d, m, ck_doc_scalar_str(d, "list"), s) < 0)
			exit(1);
		snprintf(k, sizeof(k), "section%d", i);
		if (ck_doc_map_append(d, root, ck_doc_scalar_str(d, k), m) < 0)
			exit(1);
	}
	if (ck_doc_add_root(d, root) < 0)
		exit(1);
	return d;
}

static int libyaml_events(const struct ck_buf *y)
{
	yaml_parser_t p;
	yaml_event_t e;
	int done = 0, ok = 1;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, ck_buf_data(y), ck_buf_len(y));
	while (!done) {
		if (!yaml_parser_parse(&p, &e)) {
			ok = 0;
			break;
		}
		done = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	return ok;
}

static void must(int rc)
{
	if (rc < 0) {
		fprintf(stderr, "bench_doc: %s\n", ck_err_last()->msg);
		exit(1);
	}
}

/* Best of `runs`; pre runs before the clock starts (freeing the last result). */
#define TIMEP(label, pre, expr)                                                            \
	do {                                                                               \
		double best = 1e9;                                                         \
		int r_;                                                                    \
		for (r_ = 0; r_ < runs; r_++) {                                            \
			double t0;                                                         \
			pre;                                                               \
			t0 = now();                                                        \
			expr;                                                              \
			if (now() - t0 < best)                                             \
				best = now() - t0;                                         \
		}                                                                          \
		printf("%s %.4f\n", label, best);                                          \
	} while (0)
#define TIME(label, expr) TIMEP(label, (void)0, expr)

int main(int argc, char **argv)
{
	const struct ck_doc_yaml_opts go = CK_DOC_YAML_OPTS_GO;
	struct ck_doc_json_opts js = CK_DOC_JSON_OPTS_INIT;
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
	struct ck_doc *d = build(), *b = NULL;
	struct ck_buf y = CK_BUF_INIT, j = CK_BUF_INIT, tmp = CK_BUF_INIT;
	json_t *jt = NULL;

	js.indent = "\t";
	if (ck_doc_write_yaml(&y, d, &go) < 0 || ck_doc_write_json(&j, d->docs[0], &js) < 0)
		return 1;
	printf("yaml_bytes %zu\njson_bytes %zu\nleaves 100000\n", ck_buf_len(&y), ck_buf_len(&j));
	TIMEP("ours_yaml_parse", (ck_doc_free(b), b = NULL),
	      must(ck_doc_parse_yaml(&b, (const char *)ck_buf_data(&y), ck_buf_len(&y), 0)));
	TIMEP("ours_yaml_parse_nocomments", (ck_doc_free(b), b = NULL),
	      must(ck_doc_parse_yaml(&b, (const char *)ck_buf_data(&y), ck_buf_len(&y), CK_DOC_NO_COMMENTS)));
	TIME("libyaml_events", libyaml_events(&y));
	TIME("ours_yaml_write_go", (ck_buf_reset(&tmp), must(ck_doc_write_yaml(&tmp, b, &go))));
	TIME("ours_yaml_write_faithful", (ck_buf_reset(&tmp), must(ck_doc_write_yaml(&tmp, b, NULL))));
	TIMEP("ours_json_parse", (ck_doc_free(b), b = NULL),
	      must(ck_doc_parse_json(&b, (const char *)ck_buf_data(&j), ck_buf_len(&j), 0)));
	TIMEP("jansson_json_parse", (json_decref(jt), jt = NULL),
	      jt = json_loadb((const char *)ck_buf_data(&j), ck_buf_len(&j), 0, NULL));
	TIME("ours_json_write", (ck_buf_reset(&tmp), must(ck_doc_write_json(&tmp, b->docs[0], &js))));
	TIME("jansson_json_dumps", free(json_dumps(jt, JSON_INDENT(1) | JSON_PRESERVE_ORDER)));
	json_decref(jt);
	ck_doc_free(b);
	ck_doc_free(d);
	ck_buf_dispose(&y);
	ck_buf_dispose(&j);
	ck_buf_dispose(&tmp);
	return 0;
}
