/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ck/log.h"

static enum ck_log_level level = CK_LOG_INFO;
static int json;

void ck_log_set_level(enum ck_log_level l)
{
	level = l;
}

enum ck_log_level ck_log_get_level(void)
{
	return level;
}

void ck_log_set_json(int on)
{
	json = on;
}

static const char *names[] = { "error", "warn", "info", "debug" };

static void put_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void ck_log(enum ck_log_level l, const char *fmt, ...)
{
	char msg[2048], ts[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (l > level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json) {
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[l]);
		put_json_string(stderr, msg);
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "%s %-5s %s\n", ts, names[l], msg);
	}
}
