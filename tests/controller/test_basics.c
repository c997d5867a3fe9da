/* SPDX-License-Identifier: Apache-2.0 */
/* The controller's small parts: map, clock and time parsing, watch framing, metrics. */
#include <stdio.h>
#include <string.h>

#include "ck_test.h"
#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_map.h"
#include "ck/ctl_metrics.h"
#include "ck/kube_watch.h"

static void test_map(void **state)
{
	struct ck_ctl_map *m = ck_ctl_map_new();
	char key[32];
	size_t pos = 0, n = 0;
	void *v;
	int i;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "ns/%d", i);
		assert_int_equal(ck_ctl_map_put(m, key, (void *)(intptr_t)(i + 1), NULL), CK_OK);
	}
	assert_int_equal(ck_ctl_map_len(m), 5000);
	for (i = 0; i < 5000; i += 2) {
		snprintf(key, sizeof(key), "ns/%d", i);
		assert_int_equal((intptr_t)ck_ctl_map_del(m, key), i + 1);
	}
	assert_int_equal(ck_ctl_map_len(m), 2500);
	assert_null(ck_ctl_map_get(m, "ns/0"));
	assert_int_equal((intptr_t)ck_ctl_map_get(m, "ns/1"), 2);
	assert_int_equal(ck_ctl_map_put(m, "ns/1", (void *)7, &v), CK_OK);
	assert_int_equal((intptr_t)v, 2);
	/* Churn through tombstones: inserts and deletes must keep finding keys. */
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "churn/%d", i);
		assert_int_equal(ck_ctl_map_put(m, key, (void *)1, NULL), CK_OK);
		assert_non_null(ck_ctl_map_del(m, key));
	}
	while (ck_ctl_map_next(m, &pos, &v) != NULL)
		n++;
	assert_int_equal(n, 2500);
	ck_ctl_map_free(m);
}

static void test_time(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	int64_t t;

	(void)state;
	assert_int_equal(ck_ctl_time_parse(&t, "2024-02-29T12:34:56Z"), CK_OK);
	assert_int_equal(t, 1709210096LL * 1000000);
	assert_int_equal(ck_ctl_time_parse(&t, "2024-02-29T12:34:56.123456Z"), CK_OK);
	assert_int_equal(t % 1000000, 123456);
	assert_int_equal(ck_ctl_time_parse(&t, "2024-02-29T14:34:56+02:00"), CK_OK);
	assert_int_equal(t, 1709210096LL * 1000000);
	assert_int_equal(ck_ctl_time_parse(&t, "1969-12-31T23:59:59Z"), CK_OK);
	assert_int_equal(t, -1000000);
	assert_int_equal(ck_ctl_time_parse(&t, "2024-13-01T00:00:00Z"), CK_EINVAL);
	assert_int_equal(ck_ctl_time_parse(&t, "2024-01-01 00:00:00"), CK_EINVAL);
	assert_int_equal(ck_ctl_time_parse(&t, ""), CK_EINVAL);
	assert_int_equal(ck_ctl_time_format(&b, 1709210096123456LL, 1), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "2024-02-29T12:34:56.123456Z");
	ck_buf_reset(&b);
	assert_int_equal(ck_ctl_time_format(&b, 1709210096123456LL, 0), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "2024-02-29T12:34:56Z");
	ck_buf_dispose(&b);
	assert_int_equal(ck_ctl_time_parse_rfc1123z(&t, "Thu, 29 Feb 2024 14:34:56 +0200"), CK_OK);
	assert_int_equal(t, 1709210096LL * 1000000);
	assert_int_equal(ck_ctl_time_parse_rfc1123z(&t, "29 Feb 2024 14:34:56 +0200"), CK_EINVAL);
	assert_int_equal(ck_ctl_duration_parse(&t, "720h"), CK_OK);
	assert_int_equal(t, 720LL * 3600 * 1000);
	assert_int_equal(ck_ctl_duration_parse(&t, "1h30m10s500ms"), CK_OK);
	assert_int_equal(t, 5410500);
	assert_int_equal(ck_ctl_duration_parse(&t, "0"), CK_OK);
	assert_int_equal(t, 0);
	assert_int_equal(ck_ctl_duration_parse(&t, "1.5s"), CK_OK);
	assert_int_equal(t, 1500);
	assert_int_equal(ck_ctl_duration_parse(&t, "10"), CK_EINVAL);
	assert_int_equal(ck_ctl_duration_parse(&t, "-5s"), CK_EINVAL);
	assert_int_equal(ck_ctl_duration_parse(&t, "5d"), CK_EINVAL);
	{
		int64_t a = ck_ctl_now_ms(), w = ck_ctl_wall_us();

		ck_ctl_clock_advance_ms(5000);
		assert_true(ck_ctl_now_ms() - a >= 5000);
		assert_true(ck_ctl_wall_us() - w >= 5000000);
	}
}

struct lines_seen {
	char got[16][64];
	int n;
};

static int on_line(void *arg, const char *line, size_t n)
{
	struct lines_seen *s = arg;

	if (s->n < 16)
		snprintf(s->got[s->n++], 64, "%.*s", (int)n, line);
	return strncmp(line, "stop", 4) == 0 ? 1 : 0;
}

static void test_lines(void **state)
{
	const char *stream = "{\"a\":1}\n{\"b\":\r\n\n  \n2}\n{\"c\":3}";
	struct lines_seen s;
	struct ck_kube_lines l;
	size_t i, step;

	(void)state;
	/* Every split of the stream gives the same lines. */
	for (step = 1; step <= strlen(stream); step++) {
		memset(&s, 0, sizeof(s));
		ck_kube_lines_init(&l, 0, on_line, &s);
		for (i = 0; i < strlen(stream); i += step) {
			size_t n = strlen(stream) - i < step ? strlen(stream) - i : step;

			assert_int_equal(ck_kube_lines_feed(&l, (const uint8_t *)stream + i, n),
			                 CK_OK);
		}
		assert_int_equal(s.n, 3);
		assert_int_equal(ck_kube_lines_finish(&l), CK_OK);
		assert_int_equal(s.n, 4);
		assert_string_equal(s.got[0], "{\"a\":1}");
		assert_string_equal(s.got[1], "{\"b\":");
		assert_string_equal(s.got[2], "2}");
		assert_string_equal(s.got[3], "{\"c\":3}");
		ck_kube_lines_dispose(&l);
	}
	/* Limits and early stop. */
	memset(&s, 0, sizeof(s));
	ck_kube_lines_init(&l, 8, on_line, &s);
	assert_int_equal(ck_kube_lines_feed(&l, (const uint8_t *)"12345678\n", 9), CK_OK);
	assert_int_equal(ck_kube_lines_feed(&l, (const uint8_t *)"123456789", 9), CK_ETOOBIG);
	ck_kube_lines_reset(&l);
	assert_int_equal(ck_kube_lines_feed(&l, (const uint8_t *)"stop\nx\n", 7), 1);
	assert_int_equal(s.n, 2);
	ck_kube_lines_dispose(&l);
}

static void test_metrics(void **state)
{
	struct ck_ctl_metrics *m = ck_ctl_metrics_new();
	struct ck_buf out = CK_BUF_INIT;
	const double b[] = { 0.1, 1 };
	const char *s;

	(void)state;
	assert_int_equal(ck_ctl_metrics_define(m, "x_total", CK_CTL_COUNTER, "Things.", NULL, 0),
	                 CK_OK);
	assert_int_equal(ck_ctl_metrics_define(m, "g", CK_CTL_GAUGE, "A gauge.", NULL, 0), CK_OK);
	assert_int_equal(ck_ctl_metrics_define(m, "h_seconds", CK_CTL_HISTOGRAM, "Times.", b, 2),
	                 CK_OK);
	ck_ctl_metrics_add(m, "x_total", 1, "reason", "unseal", "namespace", "a\"b\\c\nd", NULL);
	ck_ctl_metrics_add(m, "x_total", 2, "reason", "unseal", "namespace", "a\"b\\c\nd", NULL);
	ck_ctl_metrics_add(m, "undefined_total", 1, NULL);
	ck_ctl_metrics_set(m, "g", -1, "name", "s", NULL);
	ck_ctl_metrics_set(m, "g", 0.25, "name", "t", NULL);
	ck_ctl_metrics_delete(m, "g", "name", "t", NULL);
	ck_ctl_metrics_observe(m, "h_seconds", 0.05, NULL);
	ck_ctl_metrics_observe(m, "h_seconds", 0.5, NULL);
	ck_ctl_metrics_observe(m, "h_seconds", 5, NULL);
	assert_true(ck_ctl_metrics_value(m, "x_total", "reason", "unseal", "namespace",
	                                 "a\"b\\c\nd", NULL) == 3);
	assert_true(ck_ctl_metrics_value(m, "h_seconds", NULL) == 3);
	assert_int_equal(ck_ctl_metrics_format(&out, m), CK_OK);
	s = ck_buf_cstr(&out);
	assert_non_null(strstr(s, "# HELP x_total Things.\n# TYPE x_total counter\n"));
	assert_non_null(strstr(s, "x_total{reason=\"unseal\",namespace=\"a\\\"b\\\\c\\nd\"} 3\n"));
	assert_non_null(strstr(s, "g{name=\"s\"} -1\n"));
	assert_null(strstr(s, "name=\"t\""));
	assert_non_null(strstr(s, "h_seconds_bucket{le=\"0.1\"} 1\n"));
	assert_non_null(strstr(s, "h_seconds_bucket{le=\"1\"} 2\n"));
	assert_non_null(strstr(s, "h_seconds_bucket{le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(s, "h_seconds_sum 5.55\n"));
	assert_non_null(strstr(s, "h_seconds_count 3\n"));
	assert_null(strstr(s, "undefined_total"));
	ck_buf_dispose(&out);
	ck_ctl_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_metrics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
