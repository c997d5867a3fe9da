/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Go's number, boolean and time text forms, as SOPS produces and parses them
 * (strconv.FormatFloat 'f'/'g', encoding/json floats, strconv.ParseInt/
 * ParseFloat/ParseBool, time RFC 3339). Byte-exactness matters: these strings
 * are encrypted and fed to the MAC.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/sops_internal.h"

/*
 * Shortest decimal digits that read back as v (v finite, > 0): digits d[0..n)
 * with value 0.d * 10^dp. printf with growing precision and a round-trip check
 * gives exactly what Go's shortest formatting gives.
 */
static void shortest(double v, char *d, int *nd, int *dp)
{
	char buf[64];
	int p, n, e;
	char *ep;

	for (p = 0; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* buf = "d.ddde[+-]XX" */
	n = 0;
	d[n++] = buf[0];
	for (ep = buf + 1; *ep != 'e'; ep++)
		if (*ep >= '0' && *ep <= '9')
			d[n++] = *ep;
	e = (int)strtol(ep + 1, NULL, 10);
	while (n > 1 && d[n - 1] == '0')
		n--;
	*nd = n;
	*dp = e + 1;
}

static int put_special(struct ck_buf *out, double v, int yaml)
{
	if (isnan(v))
		return ck_buf_puts(out, yaml ? ".nan" : "NaN");
	if (isinf(v))
		return ck_buf_puts(out, v > 0 ? (yaml ? ".inf" : "+Inf") : (yaml ? "-.inf" : "-Inf"));
	return 1;
}

static int fmt_f(struct ck_buf *out, const char *d, int nd, int dp)
{
	int i, rc = CK_OK;

	if (dp <= 0) {
		rc |= ck_buf_puts(out, "0.");
		for (i = dp; i < 0; i++)
			rc |= ck_buf_putc(out, '0');
		rc |= ck_buf_put(out, d, (size_t)nd);
		return rc ? CK_ENOMEM : CK_OK;
	}
	for (i = 0; i < dp; i++)
		rc |= ck_buf_putc(out, i < nd ? d[i] : '0');
	if (nd > dp) {
		rc |= ck_buf_putc(out, '.');
		rc |= ck_buf_put(out, d + dp, (size_t)(nd - dp));
	}
	return rc ? CK_ENOMEM : CK_OK;
}

static int fmt_e(struct ck_buf *out, const char *d, int nd, int dp, int json)
{
	int rc = CK_OK, x = dp - 1;

	rc |= ck_buf_putc(out, d[0]);
	if (nd > 1) {
		rc |= ck_buf_putc(out, '.');
		rc |= ck_buf_put(out, d + 1, (size_t)(nd - 1));
	}
	/* Go writes at least two exponent digits; encoding/json trims "e-07". */
	if (json)
		rc |= ck_buf_printf(out, "e%c%d", x < 0 ? '-' : '+', x < 0 ? -x : x);
	else
		rc |= ck_buf_printf(out, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
	return rc ? CK_ENOMEM : CK_OK;
}

int ck_sops__fmt_float(struct ck_buf *out, double v, int style)
{
	char d[32];
	int nd, dp, rc;

	if ((rc = put_special(out, v, style == 'y')) <= 0)
		return rc < 0 ? rc : CK_OK;
	if (signbit(v) && (rc = ck_buf_putc(out, '-')) < 0)
		return rc;
	v = fabs(v);
	if (v == 0)
		return ck_buf_putc(out, '0');
	shortest(v, d, &nd, &dp);
	switch (style) {
	case 'f':
		return fmt_f(out, d, nd, dp);
	case 'g':
	case 'y':
		/* Go 'g' with shortest precision switches to %e at exponent 6. */
		if (dp - 1 < -4 || dp - 1 >= 6)
			return fmt_e(out, d, nd, dp, 0);
		return fmt_f(out, d, nd, dp);
	case 'j':
		if (v < 1e-6 || v >= 1e21)
			return fmt_e(out, d, nd, dp, 1);
		return fmt_f(out, d, nd, dp);
	}
	return ck_err_set(CK_EINTERNAL, "sops: bad float style");
}

/* Go strconv.ParseInt(s, 10, 64) (Atoi): sign, decimal digits, range. */
int ck_sops__parse_int10(const char *s, size_t n, int64_t *out)
{
	uint64_t v = 0, lim;
	size_t i = 0;
	int neg = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return CK_EINVAL;
	lim = neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CK_EINVAL;
		if (v > (lim - (uint64_t)(s[i] - '0')) / 10)
			return CK_ETOOBIG;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return CK_OK;
}

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * Go strconv.ParseUint(s, 0, 64) on a string without underscores: prefixes
 * 0x, 0o, 0b, a leading 0 means octal. CK_ETOOBIG when out of range.
 */
int ck_sops__parse_uint0(const char *s, size_t n, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;
	int d;

	if (n == 0)
		return CK_EINVAL;
	if (s[0] == '0' && n > 1) {
		char c = s[1];

		if (c == 'x' || c == 'X') {
			base = 16;
			i = 2;
		} else if (c == 'o' || c == 'O') {
			base = 8;
			i = 2;
		} else if (c == 'b' || c == 'B') {
			base = 2;
			i = 2;
		} else {
			base = 8;
			i = 1;
		}
		if (i == n)
			return CK_EINVAL;
	}
	for (; i < n; i++) {
		d = digit_val(s[i]);
		if ((unsigned)d >= base)
			return CK_EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return CK_ETOOBIG;
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return CK_OK;
}

/* Go strconv.ParseInt(s, 0, 64) on a string without underscores. */
int ck_sops__parse_int0(const char *s, size_t n, int64_t *out)
{
	uint64_t u;
	int neg = 0, rc;
	size_t i = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if ((rc = ck_sops__parse_uint0(s + i, n - i, &u)) < 0)
		return rc;
	if (neg ? u > (uint64_t)1 << 63 : u > ((uint64_t)1 << 63) - 1)
		return CK_ETOOBIG;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return CK_OK;
}

static int lower_eq(const char *s, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[i])
			return 0;
	}
	return 1;
}

/*
 * Go strconv.ParseFloat(s, 64): decimal or hex (0x...p...) syntax, inf,
 * infinity, nan (any case, optional sign before inf). Underscores are
 * rejected (Go allows them only with a base prefix). Overflow is an error.
 */
int ck_sops__parse_float(const char *s, size_t n, double *out)
{
	char tmp[512];
	size_t i = 0, digits = 0;
	double v;
	char *end;
	int hex = 0;

	if (n == 0 || n >= sizeof(tmp))
		return CK_EINVAL;
	if (s[0] == '+' || s[0] == '-')
		i = 1;
	if (lower_eq(s + i, n - i, "inf") || lower_eq(s + i, n - i, "infinity")) {
		*out = s[0] == '-' ? -INFINITY : INFINITY;
		return CK_OK;
	}
	if (i == 0 && lower_eq(s, n, "nan")) {
		*out = NAN;
		return CK_OK;
	}
	if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		hex = 1;
		i += 2;
	}
	for (; i < n && (hex ? digit_val(s[i]) < 16 : digit_val(s[i]) < 10); i++)
		digits++;
	if (i < n && s[i] == '.') {
		for (i++; i < n && (hex ? digit_val(s[i]) < 16 : digit_val(s[i]) < 10); i++)
			digits++;
	}
	if (digits == 0)
		return CK_EINVAL;
	if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
		size_t ed = 0;

		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			ed++;
		if (ed == 0)
			return CK_EINVAL;
	} else if (hex) {
		return CK_EINVAL; /* Go requires the p exponent */
	}
	if (i != n)
		return CK_EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	errno = 0;
	v = strtod(tmp, &end);
	if (end != tmp + n)
		return CK_EINVAL;
	if (errno == ERANGE && isinf(v))
		return CK_ETOOBIG;
	*out = v;
	return CK_OK;
}

/* Go strconv.ParseBool. */
int ck_sops__parse_bool(const char *s, size_t n, int *out)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
	size_t i;

	for (i = 0; i < 6; i++) {
		if (strlen(t[i]) == n && memcmp(t[i], s, n) == 0) {
			*out = 1;
			return CK_OK;
		}
		if (strlen(f[i]) == n && memcmp(f[i], s, n) == 0) {
			*out = 0;
			return CK_OK;
		}
	}
	return CK_EINVAL;
}

/* ---- time ---- */

static int is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in(long y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Read 1..max digits (at least min); returns digits read or 0. */
static size_t num(const char *s, size_t n, size_t min, size_t max, int *out)
{
	size_t i = 0;
	int v = 0;

	while (i < n && i < max && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (s[i++] - '0');
	if (i < min)
		return 0;
	*out = v;
	return i;
}

/*
 * Parse a timestamp. strict: Go RFC 3339 (time.UnmarshalText): 4-2-2 T
 * 2:2:2 [.frac] (Z | +hh:mm). Otherwise the go-yaml forms: 2006-1-2,
 * 2006-1-2T15:4:5[.frac](Z|+hh:mm) (T or t), 2006-1-2 15:4:5[.frac] (UTC).
 */
int ck_sops__parse_time(const char *s, size_t n, int strict, struct ck_sops_time *t)
{
	size_t i = 0, k, lo = strict ? 2 : 1;
	int y;

	memset(t, 0, sizeof(*t));
	if ((k = num(s, n, 4, 4, &y)) == 0 || k != 4)
		return CK_EINVAL;
	i = 4;
	t->year = y;
	if (i >= n || s[i++] != '-' || (k = num(s + i, n - i, lo, 2, &t->mon)) == 0)
		return CK_EINVAL;
	i += k;
	if (i >= n || s[i++] != '-' || (k = num(s + i, n - i, lo, 2, &t->day)) == 0)
		return CK_EINVAL;
	i += k;
	if (t->mon < 1 || t->mon > 12 || t->day < 1 || t->day > days_in(t->year, t->mon))
		return CK_EINVAL;
	if (i == n)
		return strict ? CK_EINVAL : CK_OK;
	if (s[i] == 'T' || s[i] == 't') {
		t->zone = 1;
	} else if (s[i] == ' ' && !strict) {
		t->zone = 0;
	} else {
		return CK_EINVAL;
	}
	i++;
	if ((k = num(s + i, n - i, lo, 2, &t->hour)) == 0)
		return CK_EINVAL;
	i += k;
	if (i >= n || s[i++] != ':' || (k = num(s + i, n - i, lo, 2, &t->min)) == 0)
		return CK_EINVAL;
	i += k;
	if (i >= n || s[i++] != ':' || (k = num(s + i, n - i, lo, 2, &t->sec)) == 0)
		return CK_EINVAL;
	i += k;
	if (t->hour > 23 || t->min > 59 || t->sec > 59)
		return CK_EINVAL;
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		int digs = 0;

		i++;
		t->nsec = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (digs < 9) {
				t->nsec = t->nsec * 10 + (s[i] - '0');
				digs++;
			}
			i++;
		}
		if (digs == 0)
			return CK_EINVAL;
		while (digs++ < 9)
			t->nsec *= 10;
	}
	if (!t->zone)
		return i == n ? CK_OK : CK_EINVAL;
	if (i < n && (s[i] == 'Z' || (s[i] == 'z' && !strict))) {
		t->off = 0;
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int hh, mm, sign = s[i] == '-' ? -1 : 1;

		i++;
		if ((k = num(s + i, n - i, 2, 2, &hh)) == 0)
			return CK_EINVAL;
		i += k;
		if (i >= n || s[i++] != ':' || (k = num(s + i, n - i, 2, 2, &mm)) == 0)
			return CK_EINVAL;
		i += k;
		if (hh > 24 || mm > 59)
			return CK_EINVAL;
		t->off = sign * (hh * 3600 + mm * 60);
	} else {
		return CK_EINVAL;
	}
	return i == n ? CK_OK : CK_EINVAL;
}

/* Go time.Format(RFC3339Nano) == MarshalText. */
int ck_sops__fmt_time(struct ck_buf *out, const struct ck_sops_time *t)
{
	int rc = ck_buf_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d", t->year, t->mon, t->day,
	                       t->hour, t->min, t->sec);

	if (rc == CK_OK && t->nsec != 0) {
		char f[16];
		int l;

		snprintf(f, sizeof(f), "%09d", t->nsec);
		for (l = 9; l > 0 && f[l - 1] == '0'; l--)
			;
		rc = ck_buf_printf(out, ".%.*s", l, f);
	}
	if (rc == CK_OK) {
		if (t->off == 0) {
			rc = ck_buf_putc(out, 'Z');
		} else {
			int o = t->off < 0 ? -t->off : t->off;

			rc = ck_buf_printf(out, "%c%02d:%02d", t->off < 0 ? '-' : '+', o / 3600,
			                   o / 60 % 60);
		}
	}
	return rc;
}

/* Seconds since the epoch of the civil time (for comparisons). */
int64_t ck_sops__time_unix(const struct ck_sops_time *t)
{
	long y = t->year, m = t->mon, d = t->day;
	int64_t days;

	/* days from civil (Howard Hinnant's algorithm) */
	y -= m <= 2;
	{
		long era = (y >= 0 ? y : y - 399) / 400;
		long yoe = y - era * 400;
		long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = (int64_t)era * 146097 + doe - 719468;
	}
	return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec - t->off;
}

void ck_sops__time_from_unix(struct ck_sops_time *t, int64_t secs)
{
	int64_t days = secs / 86400, rem = secs % 86400;
	long z, era, doe, yoe, y, doy, mp, d, m;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	z = (long)days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	memset(t, 0, sizeof(*t));
	t->year = (int)(y + (m <= 2));
	t->mon = (int)m;
	t->day = (int)d;
	t->hour = (int)(rem / 3600);
	t->min = (int)(rem / 60 % 60);
	t->sec = (int)(rem % 60);
	t->zone = 1;
}
