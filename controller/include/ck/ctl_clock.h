/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time for the controller: a monotonic clock for timers and back-off, the
 * wall clock for timestamps written to the API (MicroTime, RFC 3339), and
 * the parsing of timestamps read from it. Tests shift both clocks with
 * ck_ctl_clock_advance_ms(); nothing else changes time.
 */
#ifndef CK_CTL_CLOCK_H
#define CK_CTL_CLOCK_H

#include <stdint.h>

#include "ck/buf.h"

/* Monotonic milliseconds (CLOCK_MONOTONIC plus the test offset). */
int64_t ck_ctl_now_ms(void);
/* Wall clock, microseconds since the Unix epoch (plus the test offset). */
int64_t ck_ctl_wall_us(void);
/* Test hook: move both clocks forward by ms (thread-safe). */
void ck_ctl_clock_advance_ms(int64_t ms);

/*
 * Append a timestamp: RFC 3339 UTC with a 'Z', seconds only
 * ("2006-01-02T15:04:05Z", metav1.Time) or with microseconds when micro is 1
 * ("2006-01-02T15:04:05.000000Z", metav1.MicroTime).
 */
int ck_ctl_time_format(struct ck_buf *out, int64_t wall_us, int micro) CK_WUR;

/*
 * Parse RFC 3339 ("Z" or "+hh:mm"/"-hh:mm", optional fraction) into
 * microseconds since the epoch. CK_EINVAL when malformed.
 */
int ck_ctl_time_parse(int64_t *out, const char *s) CK_WUR;

/*
 * Parse RFC 1123 with a numeric zone, the format of `date -R`
 * ("Mon, 02 Jan 2006 15:04:05 -0700"), as --key-cutoff-time takes it.
 */
int ck_ctl_time_parse_rfc1123z(int64_t *out, const char *s) CK_WUR;

/*
 * Parse a Go duration ("720h", "1h30m", "10s", "500ms", "0") into
 * milliseconds. CK_EINVAL when malformed or negative.
 */
int ck_ctl_duration_parse(int64_t *out, const char *s) CK_WUR;

/* Sleep for ms milliseconds of real time (not affected by the offset). */
void ck_ctl_sleep_ms(int64_t ms);

#endif
