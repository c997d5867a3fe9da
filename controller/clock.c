/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ck/ctl_clock.h"

static _Atomic int64_t offset_ms;

int64_t ck_ctl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&offset_ms);
}

int64_t ck_ctl_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + atomic_load(&offset_ms) * 1000;
}

void ck_ctl_clock_advance_ms(int64_t ms)
{
	atomic_fetch_add(&offset_ms, ms);
}

void ck_ctl_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
}

int ck_ctl_time_format(struct ck_buf *out, int64_t wall_us, int micro)
{
	time_t secs = (time_t)(wall_us / 1000000);
	int64_t frac = wall_us % 1000000;
	char tmp[64];
	struct tm tm;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL)
		return ck_err_set(CK_EINVAL, "controller: time out of range");
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		return ck_buf_printf(out, "%s.%06ldZ", tmp, (long)frac);
	return ck_buf_printf(out, "%sZ", tmp);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int ck_ctl_time_parse(int64_t *out, const char *s)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, zh = 0, zm = 0, sign = 0;
	int64_t frac = 0, scale = 1000000, t;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
	    digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi) || *p++ != ':' ||
	    digits(&p, 2, &sec))
		goto bad;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		for (; isdigit((unsigned char)*p); p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '+' ? 1 : -1;
		if (digits(&p, 2, &zh) || *p++ != ':' || digits(&p, 2, &zm))
			goto bad;
	} else {
		goto bad;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		goto bad;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (zh * 3600 + zm * 60);
	*out = t * 1000000 + frac;
	return CK_OK;
bad:
	return ck_err_set(CK_EINVAL, "controller: '%.40s' is not an RFC 3339 time", s);
}

int ck_ctl_time_parse_rfc1123z(int64_t *out, const char *s)
{
	static const char *months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *p = s;
	int d, y, h, mi, sec, zone, mo;
	int64_t t;

	/* "Mon, " */
	if (strlen(p) < 5 || p[3] != ',' || p[4] != ' ')
		goto bad;
	p += 5;
	if (digits(&p, 2, &d) || *p++ != ' ')
		goto bad;
	for (mo = 0; mo < 12; mo++)
		if (strncmp(p, months[mo], 3) == 0)
			break;
	if (mo == 12 || p[3] != ' ')
		goto bad;
	p += 4;
	if (digits(&p, 4, &y) || *p++ != ' ' || digits(&p, 2, &h) || *p++ != ':' ||
	    digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &sec) || *p++ != ' ')
		goto bad;
	if ((*p != '+' && *p != '-') || strlen(p) != 5)
		goto bad;
	{
		const char *z = p + 1;
		int zh, zm;

		if (digits(&z, 2, &zh) || digits(&z, 2, &zm))
			goto bad;
		zone = (zh * 3600 + zm * 60) * (*p == '+' ? 1 : -1);
	}
	if (d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		goto bad;
	t = days_from_civil(y, (unsigned)mo + 1, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
	    zone;
	*out = t * 1000000;
	return CK_OK;
bad:
	return ck_err_set(CK_EINVAL, "controller: '%.40s' is not an RFC 1123 time with a numeric "
	                  "zone (like `date -R`)", s);
}

int ck_ctl_duration_parse(int64_t *out, const char *s)
{
	const char *p = s;
	double total = 0;

	if (strcmp(s, "0") == 0) {
		*out = 0;
		return CK_OK;
	}
	if (*p == '\0')
		goto bad;
	while (*p) {
		char *end;
		double v, mult;

		if (!isdigit((unsigned char)*p) && *p != '.')
			goto bad;
		v = strtod(p, &end);
		if (end == p)
			goto bad;
		p = end;
		if (strncmp(p, "ms", 2) == 0) {
			mult = 1;
			p += 2;
		} else if (strncmp(p, "us", 2) == 0 || strncmp(p, "\xc2\xb5s", 3) == 0) {
			mult = 0.001;
			p += p[0] == 'u' ? 2 : 3;
		} else if (*p == 'h') {
			mult = 3600000;
			p++;
		} else if (*p == 'm') {
			mult = 60000;
			p++;
		} else if (*p == 's') {
			mult = 1000;
			p++;
		} else {
			goto bad;
		}
		total += v * mult;
	}
	*out = (int64_t)total;
	return CK_OK;
bad:
	return ck_err_set(CK_EINVAL, "controller: '%.40s' is not a duration (like 720h, 30m, 10s)",
	                  s);
}
